//! Turns lalrpop's list of expected terminals into plain words:
//! `expected `)`, `,` or an operator` rather than a list of forty token names.

use crate::token::STATEMENT_KEYWORDS;

/// Tokens that start an expression; when all the main ones are expected, they
/// are summarised as "an expression".
const EXPRESSION_START: &[&str] = &[
    "Name",
    "Int",
    "Float",
    "BadNumber",
    "Str",
    "(",
    "[",
    "{",
    "-",
    "not",
    "true",
    "false",
];

const BINARY_OPERATORS: &[&str] = &[
    "or", "and", "==", "!=", "<", "<=", ">", ">=", "+", "-", "*", "/", "%",
];

/// Postfix continuations, left out of the list when operators are summarised.
const POSTFIX: &[&str] = &[".", "[", "("];

/// The order in which single tokens are listed (others follow in lalrpop's order).
const ORDER: &[&str] = &[
    ")", "]", "}", ",", "Nl", "=", ":", "{", "(", "->", "..", "in", "else", "fn", "if", "plan",
    "extern", "End",
];

/// The expected terminals, as phrases (`` `)` ``, "a name", "an expression").
pub fn phrases(expected: &[String]) -> Vec<String> {
    let names: Vec<&str> = expected.iter().map(|e| unquote(e)).collect();
    let has = |n: &str| names.contains(&n);
    let expression = ["Name", "Int", "Str", "("].iter().all(|n| has(n));
    let statement = expression && STATEMENT_KEYWORDS.iter().filter(|k| has(k)).count() >= 3;
    let operators = BINARY_OPERATORS.iter().filter(|o| has(o)).count() >= 3;
    let covered = |n: &str| {
        (expression && EXPRESSION_START.contains(&n))
            || (statement && (STATEMENT_KEYWORDS.contains(&n) || n == "_"))
            || (operators && (BINARY_OPERATORS.contains(&n) || POSTFIX.contains(&n)))
            || n == ";"
            || n == "BadNumber"
    };
    let mut single: Vec<&str> = names.iter().copied().filter(|n| !covered(n)).collect();
    single.sort_by_key(|n| ORDER.iter().position(|o| o == n).unwrap_or(ORDER.len()));
    single.dedup();
    let mut out: Vec<String> = single.into_iter().map(phrase).collect();
    if statement {
        out.push("a statement".into());
    } else if expression {
        out.push("an expression".into());
    }
    if operators {
        out.push("an operator".into());
    }
    out
}

/// "A", "A or B", "A, B or C".
pub fn join(phrases: &[String]) -> String {
    match phrases {
        [] => "something else".into(),
        [one] => one.clone(),
        [init @ .., last] => format!("{} or {last}", init.join(", ")),
    }
}

/// Whether the terminal named `name` (as lalrpop names it) is expected.
pub fn contains(expected: &[String], name: &str) -> bool {
    expected.iter().any(|e| unquote(e) == name)
}

/// lalrpop names quoted terminals with their quotes (`"\"plan\""`).
fn unquote(name: &str) -> &str {
    name.strip_prefix('"')
        .and_then(|n| n.strip_suffix('"'))
        .unwrap_or(name)
}

fn phrase(name: &str) -> String {
    match name {
        "Name" => "a name".into(),
        "Int" => "an integer".into(),
        "Float" => "a number".into(),
        "Str" => "a string".into(),
        "Nl" => "a new line".into(),
        "End" => "the end of the file".into(),
        other => format!("`{other}`"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn q(names: &[&str]) -> Vec<String> {
        names
            .iter()
            .map(|n| {
                if n.chars().next().is_some_and(char::is_uppercase) {
                    n.to_string()
                } else {
                    format!("\"{n}\"")
                }
            })
            .collect()
    }

    #[test]
    fn summarises_expressions_and_operators() {
        let mut names = vec![")", ","];
        names.extend(BINARY_OPERATORS);
        names.extend(POSTFIX);
        assert_eq!(join(&phrases(&q(&names))), "`)`, `,` or an operator");
        let names = [
            "Name", "Int", "Float", "Str", "(", "[", "{", "-", "not", "true", "false",
        ];
        assert_eq!(join(&phrases(&q(&names))), "an expression");
    }

    #[test]
    fn lists_single_tokens_in_a_stable_order() {
        assert_eq!(
            join(&phrases(&q(&["extern", "plan"]))),
            "`plan` or `extern`"
        );
        assert_eq!(join(&phrases(&q(&["Name"]))), "a name");
    }
}
