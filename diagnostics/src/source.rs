//! Source files that diagnostics point into.

use std::ops::Range;

/// Identifies a file inside a [`SourceFiles`] database.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct FileId(pub u32);

/// A byte range inside one file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Span {
    pub file: FileId,
    pub start: u32,
    pub end: u32,
}

impl Span {
    pub fn new(file: FileId, range: Range<usize>) -> Self {
        Self {
            file,
            start: clamp_u32(range.start),
            end: clamp_u32(range.end.max(range.start)),
        }
    }

    pub fn range(&self) -> Range<usize> {
        self.start as usize..self.end as usize
    }

    /// The smallest span covering both (which must be in the same file).
    pub fn to(self, other: Span) -> Span {
        Span {
            file: self.file,
            start: self.start.min(other.start),
            end: self.end.max(other.end),
        }
    }
}

fn clamp_u32(n: usize) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}

struct SourceFile {
    name: String,
    text: String,
    line_starts: Vec<usize>,
}

/// The files diagnostics refer to: name, text and a line index.
#[derive(Default)]
pub struct SourceFiles {
    files: Vec<SourceFile>,
}

impl SourceFiles {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn add(&mut self, name: impl Into<String>, text: impl Into<String>) -> FileId {
        let text = text.into();
        let line_starts = std::iter::once(0)
            .chain(text.match_indices('\n').map(|(i, _)| i + 1))
            .collect();
        let id = FileId(u32::try_from(self.files.len()).unwrap_or(u32::MAX));
        self.files.push(SourceFile {
            name: name.into(),
            text,
            line_starts,
        });
        id
    }

    fn get(&self, id: FileId) -> Option<&SourceFile> {
        self.files.get(id.0 as usize)
    }

    pub fn name(&self, id: FileId) -> &str {
        self.get(id).map_or("<unknown>", |f| f.name.as_str())
    }

    pub fn text(&self, id: FileId) -> &str {
        self.get(id).map_or("", |f| f.text.as_str())
    }

    /// 0-based line index of a byte offset (offsets past the end map to the last line).
    pub fn line_index(&self, id: FileId, offset: usize) -> usize {
        match self.get(id) {
            Some(f) => match f.line_starts.binary_search(&offset) {
                Ok(line) => line,
                Err(next) => next.saturating_sub(1),
            },
            None => 0,
        }
    }

    fn line_start(&self, id: FileId, line: usize) -> usize {
        self.get(id)
            .and_then(|f| f.line_starts.get(line).copied())
            .unwrap_or(0)
    }

    /// LSP position of a byte offset: 0-based line, and character in UTF-16 code units.
    pub fn lsp_position(&self, id: FileId, offset: usize) -> (usize, usize) {
        let text = self.text(id);
        let offset = floor_char_boundary(text, offset.min(text.len()));
        let line = self.line_index(id, offset);
        let start = self.line_start(id, line).min(offset);
        let character = text[start..offset].encode_utf16().count();
        (line, character)
    }

    /// 1-based line and column (in characters), as people read them.
    pub fn line_column(&self, id: FileId, offset: usize) -> (usize, usize) {
        let text = self.text(id);
        let offset = floor_char_boundary(text, offset.min(text.len()));
        let line = self.line_index(id, offset);
        let start = self.line_start(id, line).min(offset);
        (line + 1, text[start..offset].chars().count() + 1)
    }
}

fn floor_char_boundary(text: &str, mut offset: usize) -> usize {
    while offset > 0 && !text.is_char_boundary(offset) {
        offset -= 1;
    }
    offset
}

impl<'a> codespan_reporting::files::Files<'a> for SourceFiles {
    type FileId = FileId;
    type Name = &'a str;
    type Source = &'a str;

    fn name(&'a self, id: FileId) -> Result<&'a str, codespan_reporting::files::Error> {
        self.get(id)
            .map(|f| f.name.as_str())
            .ok_or(codespan_reporting::files::Error::FileMissing)
    }

    fn source(&'a self, id: FileId) -> Result<&'a str, codespan_reporting::files::Error> {
        self.get(id)
            .map(|f| f.text.as_str())
            .ok_or(codespan_reporting::files::Error::FileMissing)
    }

    fn line_index(
        &'a self,
        id: FileId,
        byte_index: usize,
    ) -> Result<usize, codespan_reporting::files::Error> {
        Ok(SourceFiles::line_index(self, id, byte_index))
    }

    fn line_range(
        &'a self,
        id: FileId,
        line_index: usize,
    ) -> Result<Range<usize>, codespan_reporting::files::Error> {
        let file = self
            .get(id)
            .ok_or(codespan_reporting::files::Error::FileMissing)?;
        let start = *file.line_starts.get(line_index).ok_or(
            codespan_reporting::files::Error::LineTooLarge {
                given: line_index,
                max: file.line_starts.len().saturating_sub(1),
            },
        )?;
        let end = file
            .line_starts
            .get(line_index + 1)
            .copied()
            .unwrap_or(file.text.len());
        Ok(start..end)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn positions_count_utf16_units() {
        let mut files = SourceFiles::new();
        let id = files.add("a", "ab\n\u{1F600}x\n");
        assert_eq!(files.lsp_position(id, 0), (0, 0));
        assert_eq!(files.lsp_position(id, 3), (1, 0));
        // The emoji is 4 bytes and 2 UTF-16 units.
        assert_eq!(files.lsp_position(id, 7), (1, 2));
        assert_eq!(files.line_column(id, 7), (2, 2));
        // Offsets inside a character or past the end do not panic.
        assert_eq!(files.lsp_position(id, 5), (1, 0));
        assert_eq!(files.lsp_position(id, 99), (2, 0));
    }
}
