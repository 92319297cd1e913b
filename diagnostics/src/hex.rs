//! Hex excerpts for diagnostics about binary inputs.

/// The 16-byte row holding `offset`, with a caret under the byte at
/// `offset`; past the end, `(end of WHAT)` marks where the data stops.
pub fn hex_excerpt(bytes: &[u8], offset: usize, what: &str) -> String {
    let row = offset - offset % 16;
    let end = (row + 16).min(bytes.len());
    let shown = bytes.get(row..end).unwrap_or(&[]);
    let hex: Vec<String> = shown.iter().map(|b| format!("{b:02x}")).collect();
    let column = 10 + 3 * (offset - row);
    let mut text = format!("bytes around it:\n{row:08x}  {}", hex.join(" "));
    if offset >= bytes.len() {
        let gap = if shown.is_empty() { "" } else { " " };
        text.push_str(&format!("{gap}(end of {what})"));
    }
    text.push('\n');
    text.push_str(&" ".repeat(column));
    text.push_str("^^");
    text
}

#[cfg(test)]
mod tests {
    use super::hex_excerpt;

    #[test]
    fn excerpt_marks_the_offset() {
        let bytes: Vec<u8> = (0..40).collect();
        assert_eq!(
            hex_excerpt(&bytes, 18, "file"),
            "bytes around it:\n00000010  10 11 12 13 14 15 16 17 18 19 1a 1b 1c 1d 1e 1f\n                ^^"
        );
        assert_eq!(
            hex_excerpt(&bytes, 40, "file"),
            "bytes around it:\n00000020  20 21 22 23 24 25 26 27 (end of file)\n                                  ^^"
        );
        assert_eq!(
            hex_excerpt(&[], 0, "data"),
            "bytes around it:\n00000000  (end of data)\n          ^^"
        );
    }
}
