//! YAML with locations: `marked-yaml` parses the manifest into nodes that
//! carry character positions; this module turns them into byte [`Span`]s of
//! our source file and YAML load errors into diagnostics.

use marked_yaml::loader::{LoaderOptions, parse_yaml_with_options};
use marked_yaml::types::{MarkedMappingNode, MarkedScalarNode, Marker};
use marked_yaml::{LoadError, Node};
use omex_diagnostics::{Diagnostic, FileId, Span};

use crate::codes;

/// A parsed manifest text and the position tables to map node markers to spans.
pub struct Yaml<'s> {
    pub file: FileId,
    pub source: &'s str,
    /// Byte offset of each character index (plus one past the end).
    offsets: Vec<usize>,
}

impl<'s> Yaml<'s> {
    pub fn new(file: FileId, source: &'s str) -> Self {
        let mut offsets: Vec<usize> = source.char_indices().map(|(b, _)| b).collect();
        offsets.push(source.len());
        Self {
            file,
            source,
            offsets,
        }
    }

    /// Parses the text; the top level must be a mapping.
    pub fn parse(&self) -> Result<MarkedMappingNode, Box<Diagnostic>> {
        let options = LoaderOptions::default().error_on_duplicate_keys(true);
        match parse_yaml_with_options(0, self.source, options) {
            Ok(Node::Mapping(map)) => Ok(map),
            Ok(other) => Err(Box::new(
                Diagnostic::error(
                    codes::YAML_UNSUPPORTED,
                    "a manifest is a YAML mapping (`apiVersion: ...`, `kind: ...`, ...)",
                )
                .with_primary(self.node(&other), "not a mapping"),
            )),
            Err(e) => Err(Box::new(self.load_error(e))),
        }
    }

    fn load_error(&self, e: LoadError) -> Diagnostic {
        let unsupported = |what: &str, m: &Marker, sigil: char, label: &str| {
            Diagnostic::error(
                codes::YAML_UNSUPPORTED,
                format!("{what} are not used in manifests"),
            )
            .with_primary(self.before(m, sigil), label.to_string())
            .with_help("write the value out in full")
        };
        match e {
            LoadError::TopLevelMustBeMapping(m) | LoadError::TopLevelMustBeSequence(m) => {
                Diagnostic::error(
                    codes::YAML_UNSUPPORTED,
                    "a manifest is a YAML mapping (`apiVersion: ...`, `kind: ...`, ...)",
                )
                .with_primary(self.at(&m), "expected a mapping here")
            }
            LoadError::UnexpectedAnchor(m) => {
                unsupported("YAML anchors and aliases", &m, '&', "anchor")
            }
            LoadError::UnexpectedTag(m) => unsupported("YAML tags", &m, '!', "tag"),
            LoadError::MappingKeyMustBeScalar(m) => Diagnostic::error(
                codes::YAML_UNSUPPORTED,
                "mapping keys in a manifest are plain names",
            )
            .with_primary(self.at(&m), "a key that is a mapping or a list"),
            LoadError::ScanError(m, e) => {
                Diagnostic::error(codes::YAML_SYNTAX, format!("invalid YAML: {}", e.info()))
                    .with_primary(self.at(&m), "here")
            }
            LoadError::DuplicateKey(inner) => {
                let key = inner.key.as_str().to_string();
                Diagnostic::error(codes::DUPLICATE_KEY, format!("`{key}` is given twice"))
                    .with_primary(self.scalar(&inner.key), "given again here")
                    .with_secondary(self.scalar(&inner.prev_key), "first given here")
                    .with_help("keep one of them")
            }
        }
    }

    fn byte(&self, character: usize) -> usize {
        self.offsets
            .get(character)
            .copied()
            .unwrap_or(self.source.len())
    }

    /// A one-character span at a marker (empty at the end of the text).
    pub fn at(&self, m: &Marker) -> Span {
        let start = self.byte(m.character());
        let end = self.source[start..]
            .chars()
            .next()
            .map_or(start, |c| start + c.len_utf8());
        Span::new(self.file, start..end)
    }

    /// The `&anchor` or `!tag` (starting with `sigil`) the parser reports at
    /// the node after it; the marker itself when there is none.
    fn before(&self, m: &Marker, sigil: char) -> Span {
        let at = self.byte(m.character());
        match self.source[..at].rfind(sigil) {
            Some(start) => {
                let len = self.source[start..]
                    .find(|c: char| c.is_whitespace())
                    .unwrap_or(self.source.len() - start);
                Span::new(self.file, start..start + len)
            }
            None => self.at(m),
        }
    }

    /// The span of a scalar: its text as written, quotes included.
    pub fn scalar(&self, s: &MarkedScalarNode) -> Span {
        let Some(m) = s.span().start() else {
            return Span::new(self.file, 0..0);
        };
        let start = self.byte(m.character());
        let rest = &self.source[start..];
        let len = if !s.as_str().is_empty() && rest.starts_with(s.as_str()) {
            s.as_str().len()
        } else if let Some(q @ ('"' | '\'')) = rest.chars().next() {
            quoted_len(rest, q)
        } else {
            let line = rest.split('\n').next().unwrap_or("");
            let line = match line.find(" #") {
                Some(i) => &line[..i],
                None => line,
            };
            line.trim_end().len()
        };
        Span::new(self.file, start..start + len)
    }

    /// The span of any node: scalars exactly, collections from their start
    /// to the end of that line (their end markers lie past trailing text).
    pub fn node(&self, node: &Node) -> Span {
        // A block mapping's marker is after its first key: start at the key.
        let first_key = match node {
            Node::Mapping(m) => m.iter().next().map(|(k, _)| self.scalar(k)),
            _ => None,
        };
        match node {
            Node::Scalar(s) => self.scalar(s),
            Node::Mapping(_)
                if first_key.is_some_and(|k| k.range().start < self.node_start(node)) =>
            {
                let start = first_key.map_or(0, |k| k.range().start);
                let line = self.source[start..].split('\n').next().unwrap_or("");
                Span::new(self.file, start..start + line.trim_end().len())
            }
            _ => match node.span().start() {
                Some(m) => {
                    let start = self.byte(m.character());
                    let line = self.source[start..].split('\n').next().unwrap_or("");
                    Span::new(self.file, start..start + line.trim_end().len())
                }
                None => Span::new(self.file, 0..0),
            },
        }
    }
}

impl Yaml<'_> {
    fn node_start(&self, node: &Node) -> usize {
        node.span().start().map_or(0, |m| self.byte(m.character()))
    }
}

/// Length of a quoted scalar starting at `text` (with its quotes).
fn quoted_len(text: &str, quote: char) -> usize {
    let mut chars = text.char_indices().skip(1).peekable();
    while let Some((i, c)) = chars.next() {
        if quote == '"' && c == '\\' {
            chars.next();
        } else if c == quote {
            if quote == '\'' && chars.peek().is_some_and(|(_, n)| *n == '\'') {
                chars.next();
                continue;
            }
            return i + 1;
        } else if c == '\n' {
            return i;
        }
    }
    text.len()
}

/// What a node is, for messages.
pub fn kind(node: &Node) -> String {
    match node {
        Node::Scalar(s) if s.is_empty() => "nothing".into(),
        Node::Scalar(s) => {
            let text: String = s.chars().take(40).collect();
            format!("`{text}`")
        }
        Node::Mapping(_) => "a mapping".into(),
        Node::Sequence(_) => "a list".into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spans(text: &str) -> Vec<String> {
        let y = Yaml::new(FileId(0), text);
        let root = y.parse().unwrap();
        root.iter()
            .map(|(k, v)| {
                format!(
                    "{}={}",
                    &text[y.scalar(k).range()],
                    &text[y.node(v).range()]
                )
            })
            .collect()
    }

    #[test]
    fn scalar_spans_cover_the_text_as_written() {
        assert_eq!(
            spans("a: plain  # comment\nb: \"quo\\\"ted\"\nc: 'it''s'\né: ünï\n"),
            ["a=plain", "b=\"quo\\\"ted\"", "c='it''s'", "é=ünï"]
        );
    }

    #[test]
    fn collection_spans_start_at_their_first_entry() {
        assert_eq!(
            spans("m:\n  k: v\n  l: w\ns: [1, 2]\n"),
            ["m=k: v", "s=[1, 2]"]
        );
    }

    #[test]
    fn load_errors_point_into_the_text() {
        for (text, code) in [
            ("a: [1, 2\n", codes::YAML_SYNTAX),
            ("a: &x 1\n", codes::YAML_UNSUPPORTED),
            ("a: !!str 1\n", codes::YAML_UNSUPPORTED),
            ("- 1\n", codes::YAML_UNSUPPORTED),
            ("a: 1\na: 2\n", codes::DUPLICATE_KEY),
        ] {
            let y = Yaml::new(FileId(0), text);
            let d = y.parse().unwrap_err();
            assert_eq!(d.code, code, "{text}");
            let span = d.primary_span().unwrap();
            assert!(span.range().end <= text.len(), "{text}: {span:?}");
        }
    }
}
