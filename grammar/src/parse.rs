//! The parse driver: lex, lay out, parse with recovery, and turn every
//! problem into a diagnostic, leaving out the ones an earlier problem caused.

use lalrpop_util::ParseError;
use omex_diagnostics::{Diagnostic, FileId, Span};

use crate::actions::{Ctx, Void};
use crate::ast::File;
use crate::errors;
use crate::grammar::FileParser;
use crate::layout::{self, DelimIssue, GroupKind, LineCut};
use crate::lexer::{self, LexIssue, LexIssueKind};
use crate::syntax_error;
use crate::token::Token;

/// Parses a plan file. Always returns a tree (with error nodes where the
/// source could not be parsed) and every diagnostic found, in source order.
pub fn parse(file: FileId, source: &str) -> (File, Vec<Diagnostic>) {
    let (tokens, lex_issues) = lexer::lex(source);
    let cuts: Vec<LineCut> = lex_issues
        .iter()
        .filter(|i| i.kind == LexIssueKind::UnterminatedString)
        .map(|i| LineCut {
            line_start: source[..i.range.start].rfind('\n').map_or(0, |n| n + 1),
            newline: i.range.end,
        })
        .collect();
    let layout = layout::layout(tokens, source.len(), &cuts);
    if let Some(deep) = layout
        .issues
        .iter()
        .find(|i| matches!(i, DelimIssue::TooDeep { .. }))
    {
        // Not parsed: only what the lexer found, and the nesting.
        let mut diags: Vec<Diagnostic> = lex_issues
            .iter()
            .map(|i| errors::lex_issue(file, i))
            .collect();
        diags.push(errors::delim_issue(file, deep));
        diags.sort_by_key(|d| d.primary_span().map_or(u32::MAX, |s| s.start));
        let empty = File {
            items: Vec::new(),
            span: Span::new(file, 0..source.len()),
        };
        return (empty, diags);
    }
    let mut ctx = Ctx::new(file, source);
    let input = layout.tokens.iter().cloned().map(Ok);
    let result = FileParser::new().parse(&mut ctx, input);
    let Ctx {
        recovered,
        diags: action_diags,
        too_deep,
        ..
    } = ctx;
    let (tree, fatal) = match result {
        Ok(mut tree) => {
            // The file is all of the source, not just its first to last token.
            tree.span = Span::new(file, 0..source.len());
            (tree, None)
        }
        Err(error) => {
            let empty = File {
                items: Vec::new(),
                span: Span::new(file, 0..source.len()),
            };
            (empty, Some(error))
        }
    };

    let mut diags: Vec<Diagnostic> = lex_issues
        .iter()
        .map(|i| errors::lex_issue(file, i))
        .collect();
    diags.extend(layout.issues.iter().map(|i| errors::delim_issue(file, i)));

    let cx = syntax_error::Context {
        file,
        source,
        tokens: &layout.tokens,
    };
    let filter = Cascades::new(source, &lex_issues, &layout.issues);
    let mut lines_with_error = Vec::new();
    let mut lost_since: Option<usize> = None;
    let parse_errors = recovered.iter().map(|r| &r.error).chain(fatal.as_ref());
    for error in parse_errors {
        let d = syntax_error::diagnostic(&cx, error);
        let at = d.primary_span().map_or(source.len(), |s| s.start as usize);
        let line = filter.line_of(at);
        if filter.explained(at) || lines_with_error.contains(&line) {
            continue;
        }
        // "Expected the end of the statement" at the start of a line means
        // the newline did not end the statement: the layout pass took the
        // lines for the inside of a bracket. After the first error, that is
        // a consequence of it.
        if d.code == errors::MISSING_SEPARATOR
            && !diags.is_empty()
            && filter.starts_line(source, at)
        {
            continue;
        }
        // Once the parser is lost at the top level (a plan's header did not
        // parse, say), the rest of the plan fails in many ways: report the
        // first error only, until the next `plan` or `extern`.
        if let Some(lost) = lost_since {
            let item_between = layout.tokens.iter().any(|(s, t, _)| {
                (lost..at).contains(s) && matches!(t, Token::Plan | Token::Extern)
            });
            if !item_between {
                continue;
            }
            lost_since = None;
        }
        if at_top_level(error) {
            lost_since = Some(at);
        }
        lines_with_error.push(line);
        diags.push(d);
    }
    diags.extend(action_diags);
    diags.extend(too_deep.get().map(errors::expression_too_deep));
    diags.sort_by_key(|d| {
        d.primary_span()
            .map_or((u32::MAX, u32::MAX), |s| (s.start, s.end))
    });
    (tree, diags)
}

/// Whether the parser was between items when it failed.
fn at_top_level(error: &ParseError<usize, Token<'_>, Void>) -> bool {
    let expected = match error {
        ParseError::UnrecognizedToken { expected, .. }
        | ParseError::UnrecognizedEof { expected, .. } => expected,
        _ => return false,
    };
    let has = |name: &str| expected.iter().any(|e| e.trim_matches('"') == name);
    has("plan") && has("extern")
}

/// Decides which parse errors are consequences of an earlier lexical or
/// delimiter problem (already reported), so they are left out.
struct Cascades {
    line_starts: Vec<usize>,
    /// (offset, line) of each lexical problem: a parse error later on the
    /// same line is left out.
    lex_points: Vec<(usize, usize)>,
    /// From an unterminated comment on, everything is comment.
    comment_from: Option<usize>,
    /// Ranges (inclusive) inside which parse errors are left out.
    regions: Vec<(usize, usize)>,
}

impl Cascades {
    fn new(source: &str, lex: &[LexIssue], delims: &[DelimIssue]) -> Self {
        let line_starts: Vec<usize> = std::iter::once(0)
            .chain(source.match_indices('\n').map(|(i, _)| i + 1))
            .collect();
        let mut this = Self {
            line_starts,
            lex_points: Vec::new(),
            comment_from: None,
            regions: Vec::new(),
        };
        for issue in lex {
            if issue.kind == LexIssueKind::UnterminatedComment {
                this.comment_from = Some(
                    this.comment_from
                        .map_or(issue.range.start, |c| c.min(issue.range.start)),
                );
            }
            let line = this.line_of(issue.range.start);
            this.lex_points.push((issue.range.start, line));
        }
        for issue in delims {
            match issue {
                DelimIssue::Unclosed {
                    kind,
                    open,
                    closed_at,
                    ..
                } => {
                    let from = if *kind == GroupKind::Block {
                        *closed_at
                    } else {
                        open.start
                    };
                    this.regions.push((from, *closed_at));
                }
                DelimIssue::Mismatched { close, .. } => this.regions.push((close.start, close.end)),
                // A dropped closer: the rest of its line may not parse.
                DelimIssue::Unmatched { close, .. } | DelimIssue::Stray { close, .. } => {
                    let line = this.line_of(close.start);
                    let end = this
                        .line_starts
                        .get(line + 1)
                        .copied()
                        .unwrap_or(usize::MAX);
                    this.regions.push((close.start, end.saturating_sub(1)));
                }
                // The file is then not parsed (see `parse`).
                DelimIssue::TooDeep { .. } => {}
            }
        }
        this
    }

    fn line_of(&self, offset: usize) -> usize {
        match self.line_starts.binary_search(&offset) {
            Ok(line) => line,
            Err(next) => next.saturating_sub(1),
        }
    }

    /// Whether only blanks precede `at` on its line.
    fn starts_line(&self, source: &str, at: usize) -> bool {
        let start = self.line_starts[self.line_of(at)];
        source.get(start..at).is_some_and(|s| s.trim().is_empty())
    }

    fn explained(&self, at: usize) -> bool {
        let line = self.line_of(at);
        self.comment_from.is_some_and(|c| at >= c)
            || self.lex_points.iter().any(|&(o, l)| l == line && o <= at)
            || self.regions.iter().any(|&(s, e)| s <= at && at <= e)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ast::{DumpOptions, dump};

    fn tree(src: &str) -> String {
        let (file, diags) = parse(FileId(0), src);
        assert!(diags.is_empty(), "{diags:#?}");
        dump(&file, DumpOptions { spans: false })
    }

    fn codes(src: &str) -> Vec<&'static str> {
        parse(FileId(0), src).1.iter().map(|d| d.code).collect()
    }

    #[test]
    fn operators_bind_as_documented() {
        let t = tree("plan p() {\n    x = not a < b and -c * d + e or f\n}");
        let expected = "\
File
  Plan p
    Block
      Assign x
        Binary or
          Binary and
            Unary not
              Binary <
                Name a
                Name b
            Binary +
              Binary *
                Unary -
                  Name c
                Name d
              Name e
          Name f
";
        assert_eq!(t, expected);
    }

    #[test]
    fn statements_continue_after_operators_and_inside_brackets() {
        let t = tree("plan p() {\n    x = a +\n        b\n    y = f(\n        1,\n    )\n}");
        assert!(t.contains("Assign x\n        Binary +"), "{t}");
        assert!(
            t.contains("Assign y\n        Call f\n          Int 1"),
            "{t}"
        );
    }

    #[test]
    fn one_run_reports_independent_errors_once_each() {
        let src = "plan p() {\n    a = (1 +)\n    b = [1 2]\n    c = f(,)\n}\nplan q() {\n    retrun 1\n}\n";
        assert_eq!(codes(src), vec!["E0020", "E0020", "E0020", "E0025"]);
    }

    #[test]
    fn recovery_keeps_the_statements_around_an_error() {
        let (file, diags) = parse(
            FileId(0),
            "plan p() {\n    a = 1\n    b = * 2\n    c = 3\n}\n",
        );
        assert_eq!(diags.len(), 1);
        let t = dump(&file, DumpOptions { spans: false });
        assert!(
            t.contains("Assign a") && t.contains("ErrorStmt") && t.contains("Assign c"),
            "{t}"
        );
    }

    #[test]
    fn the_file_span_covers_the_whole_source() {
        let src = "\n\nplan p() {}\n\n";
        let (file, _) = parse(FileId(3), src);
        assert_eq!(file.span, Span::new(FileId(3), 0..src.len()));
    }
}
