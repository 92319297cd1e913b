//! Snapshots of syntax and lexing errors: each holds the source and the
//! diagnostics rendered as the command line shows them (without colour).

use omex_diagnostics::{FileId, SourceFiles, render};
use omex_plan_syntax::parse_bytes;

/// Parses `source` and renders it with its diagnostics.
fn report(source: &[u8]) -> String {
    let (_, diags, text) = parse_bytes(FileId(0), source);
    let mut files = SourceFiles::new();
    files.add("case.plan", text.clone());
    let mut out = String::from("source:\n");
    for (i, line) in text.lines().enumerate() {
        out.push_str(&format!("{:>3} | {line}\n", i + 1));
    }
    out.push_str(&format!("\n{} diagnostic(s):\n", diags.len()));
    out.push_str(&render::plain_all(&diags, &files));
    out
}

macro_rules! case {
    ($name:ident, $source:expr) => {
        #[test]
        fn $name() {
            insta::assert_snapshot!(report($source.as_ref()));
        }
    };
}

// ---- lexing

case!(
    unknown_characters,
    "plan p(a, b) {\n    x = a $ b\n    y = 'quoted'\n    z = a & b\n}\n"
);
case!(
    unterminated_string,
    "plan p() {\n    print(\"hello)\n    print(\"world\")\n}\n"
);
case!(
    unknown_escape,
    "plan p() {\n    print(\"C:\\temp\\data\")\n}\n"
);
case!(
    bad_unicode_escape,
    "plan p() {\n    print(\"\\u{zz} and \\u{110000}\")\n}\n"
);
case!(
    unterminated_block_comment,
    "plan p() {\n    print(1)\n}\n/* notes\n   /* nested */\nplan q() {}\n"
);
case!(
    bad_numbers,
    "plan p() {\n    a = 12abc\n    b = 0x\n    c = 1.5e\n    d = 0b102\n}\n"
);
case!(
    number_out_of_range,
    "plan p() {\n    a = 99999999999999999999\n    b = 1e400\n}\n"
);
case!(invalid_utf8, b"plan p() {\n    print(\"caf\xe9\")\n}\n");

// ---- delimiters

case!(
    unclosed_paren,
    "plan p(a) {\n    x = f(a, 1\n    y = 2\n}\n"
);
case!(
    unclosed_brace_at_eof,
    "plan p(a) {\n    if a {\n        print(a)\n    }\n"
);
case!(
    mismatched_delimiter,
    "plan p() {\n    x = [1, 2)\n    y = f(x]\n}\n"
);
case!(unmatched_closer, "plan p(x) {\n    print(x))\n}\n}\n");

// ---- keywords and names

case!(
    misspelt_plan,
    "plna sentiment(text: str = arg(0)) {\n    print(text)\n}\n"
);
case!(misspelt_return, "plan p(x) {\n    retrun x\n}\n");
case!(
    misspelt_else,
    "plan p(x) {\n    if x {\n        print(1)\n    } esle {\n        print(2)\n    }\n}\n"
);
case!(
    keyword_as_name,
    "plan p(xs) {\n    x = in + 1\n    for model in xs {\n        print(model)\n    }\n}\n"
);
case!(
    statement_outside_plan,
    "x = load(\"model.onnx\")\nplan p() {}\n"
);
case!(
    extern_without_fn,
    "extern load_image(path: str) -> tensor\n"
);

// ---- statements and expressions

case!(missing_separator, "plan p() {\n    x = 1 y = 2\n}\n");
case!(
    call_without_parentheses,
    "plan p(x) {\n    print \"hello\"\n}\n"
);
case!(
    assignment_in_condition,
    "plan p(x) {\n    if x = 1 {\n        halt\n    }\n}\n"
);
case!(
    stray_closing_brace,
    "plan p(x) {\n    y =} x + 1\n    z = [0.5}, 1]\n    print(y)\n}\n"
);
case!(
    missing_comma,
    "plan p(a, b) {\n    print(f(a b))\n    xs = [1 2]\n}\n"
);
case!(missing_expression, "plan p() {\n    x =\n}\n");
case!(
    chained_comparison,
    "plan p(n) {\n    repeat n {\n        break if 0 < n < 10\n    }\n}\n"
);
case!(
    invalid_assignment_target,
    "plan p(enc) {\n    enc.ids = 1\n    f(enc) = 2\n    a, 3 = g()\n}\n"
);
case!(
    positional_after_keyword,
    "plan p(x) {\n    y = softmax(axis: 1, x)\n}\n"
);
case!(
    bad_model_signature,
    "plan p() {\n    model m(x: tensor) (y: tensor) = load(\"m.onnx\")\n}\n"
);
case!(unexpected_eof, "plan p()");
// Found by fuzzing: deeper nesting overflowed the stack after parsing.
case!(
    nesting_too_deep,
    format!(
        "plan p() {{\n    x = {}1{}\n}}\n",
        "[".repeat(64),
        "]".repeat(64)
    )
);
case!(
    expression_too_deep,
    format!("plan p(x) {{\n    y = x{}\n}}\n", " + x".repeat(256))
);
case!(
    several_independent_errors,
    "plan p(a) {\n    x = (1 +)\n    y = a ** 2\n    print(a,, x)\n    z = a +* 2\n    return {a 1}\n}\n"
);

/// `docs/errors-plan-syntax.md` lists every code, and nothing else.
#[test]
fn error_codes_are_documented() {
    let path =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../docs/errors-plan-syntax.md");
    let doc = std::fs::read_to_string(&path).unwrap_or_default();
    let listed: Vec<&str> = doc
        .lines()
        .filter_map(|l| l.strip_prefix("| E"))
        .filter_map(|l| l.get(..4))
        .collect();
    let codes: Vec<&str> = omex_plan_syntax::errors::CODES
        .iter()
        .map(|(code, _)| &code[1..])
        .collect();
    assert_eq!(listed, codes, "docs/errors-plan-syntax.md is out of date");
}
