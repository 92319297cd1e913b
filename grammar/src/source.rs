//! Source text from raw bytes: invalid UTF-8 is reported and replaced, byte
//! for byte, so every offset (and so every span) stays the same.

use std::ops::Range;

use omex_diagnostics::{Diagnostic, FileId};

use crate::errors;

/// Decodes `bytes` as UTF-8. Each invalid sequence is reported (E0001) and
/// replaced by as many spaces as it has bytes (adjacent ones are reported
/// together).
pub fn decode(file: FileId, bytes: &[u8]) -> (String, Vec<Diagnostic>) {
    let mut text = String::with_capacity(bytes.len());
    let mut bad: Vec<Range<usize>> = Vec::new();
    let mut offset = 0;
    for chunk in bytes.utf8_chunks() {
        text.push_str(chunk.valid());
        offset += chunk.valid().len();
        let invalid = chunk.invalid().len();
        if invalid > 0 {
            match bad.last_mut() {
                Some(last) if last.end == offset => last.end += invalid,
                _ => bad.push(offset..offset + invalid),
            }
            text.extend(std::iter::repeat_n(' ', invalid));
            offset += invalid;
        }
    }
    let diags = bad
        .into_iter()
        .map(|r| errors::invalid_utf8(file, r))
        .collect();
    (text, diags)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_offsets_of_invalid_bytes() {
        let (text, diags) = decode(FileId(0), b"ab\xff\xfecd\xe2\x82");
        assert_eq!(text, "ab  cd  ");
        assert_eq!(diags.len(), 2);
        assert_eq!(diags[0].primary_span().map(|s| s.range()), Some(2..4));
        assert_eq!(diags[1].primary_span().map(|s| s.range()), Some(6..8));
        let (text, diags) = decode(FileId(0), "é".as_bytes());
        assert_eq!(text, "é");
        assert!(diags.is_empty());
    }
}
