//! The error codes of plan checking (E0100–E0199). Each code is defined once
//! here with its one-line summary in [`CODES`]; `docs/plan-checking.md`
//! explains each with an example and a fix. The messages themselves are built
//! where the problem is found.

/// A name that is not defined anywhere visible.
pub const UNKNOWN_NAME: &str = "E0100";
/// A call of a function that does not exist, or of something that is not a function.
pub const UNKNOWN_FUNCTION: &str = "E0101";
/// A keyword argument the function does not take.
pub const UNKNOWN_KEYWORD: &str = "E0102";
/// More positional arguments than the function takes.
pub const TOO_MANY_ARGUMENTS: &str = "E0103";
/// A required argument is missing.
pub const MISSING_ARGUMENT: &str = "E0104";
/// An argument is given twice.
pub const DUPLICATE_ARGUMENT: &str = "E0105";
/// A value of the wrong type.
pub const TYPE_MISMATCH: &str = "E0106";
/// Tensor shapes that cannot fit together.
pub const SHAPE_MISMATCH: &str = "E0107";
/// A model call names an input the model does not have.
pub const UNKNOWN_MODEL_INPUT: &str = "E0108";
/// A model call leaves out inputs the model needs.
pub const MISSING_MODEL_INPUT: &str = "E0109";
/// A model input of the wrong dtype, rank or size.
pub const MODEL_INPUT_TYPE: &str = "E0110";
/// A model's declared signature disagrees with its file.
pub const SIGNATURE_MISMATCH: &str = "E0111";
/// A model file was not found (warning): its inputs and outputs cannot be checked.
pub const MODEL_NOT_FOUND: &str = "E0112";
/// A model file that cannot be read as an ONNX model.
pub const MODEL_UNREADABLE: &str = "E0113";
/// `.field` on a value that has no fields.
pub const NOT_A_RECORD: &str = "E0114";
/// `.field` or `["key"]` that names no field or model output.
pub const UNKNOWN_FIELD: &str = "E0115";
/// `break` outside a loop.
pub const BREAK_OUTSIDE_LOOP: &str = "E0116";
/// A statement after `halt`, `return` or `break`.
pub const UNREACHABLE_CODE: &str = "E0117";
/// An argument that must be written as a literal.
pub const LITERAL_REQUIRED: &str = "E0118";
/// A name used after the loop or branch that defined it.
pub const OUT_OF_SCOPE: &str = "E0119";
/// A model declared with a name already in use.
pub const DUPLICATE_MODEL: &str = "E0120";
/// Assignment to a model, a builtin function or a predeclared name.
pub const ASSIGN_TO_RESERVED: &str = "E0121";
/// `arg(...)` or `prompt(...)` outside a parameter default.
pub const INPUT_OUTSIDE_PARAMS: &str = "E0122";
/// A model or value used after `unload`.
pub const USED_AFTER_UNLOAD: &str = "E0123";
/// A format string whose placeholders do not match its values.
pub const FORMAT_PLACEHOLDERS: &str = "E0124";
/// `to_image` with a value range other than [0, 1], [-1, 1] or [0, 255].
pub const IMAGE_RANGE: &str = "E0125";
/// A plan parameter without a source for its value.
pub const PARAM_WITHOUT_DEFAULT: &str = "E0126";
/// A tokenizer file was not found (warning).
pub const TOKENIZER_NOT_FOUND: &str = "E0127";
/// A model declaration whose source is not `load("path")`.
pub const BAD_MODEL_SOURCE: &str = "E0128";
/// A positional argument in a model call.
pub const POSITIONAL_MODEL_INPUT: &str = "E0129";
/// Destructuring into the wrong number of names.
pub const DESTRUCTURE_COUNT: &str = "E0130";
/// Several values (or none) where one value is needed.
pub const NOT_A_SINGLE_VALUE: &str = "E0131";
/// A literal outside the range its argument allows (`topk` k, an axis, ...).
pub const VALUE_OUT_OF_RANGE: &str = "E0132";
/// A dtype name that does not exist.
pub const UNKNOWN_DTYPE: &str = "E0133";
/// A dictionary literal anywhere but `return { ... }`.
pub const DICT_OUTSIDE_RETURN: &str = "E0134";
/// The file has no plan, or not the one asked for.
pub const NO_SUCH_PLAN: &str = "E0135";
/// Two definitions of one name (parameters, externs, return names, arguments).
pub const DUPLICATE_DEFINITION: &str = "E0136";
/// A name bound to values of incompatible types by a loop or an `if`.
pub const INCOMPATIBLE_BRANCH_TYPES: &str = "E0137";
/// An unknown type name in an annotation.
pub const UNKNOWN_TYPE: &str = "E0138";
/// A list literal that no MEP value can hold.
pub const UNSUPPORTED_LIST: &str = "E0139";
/// A builtin function used as a value.
pub const FUNCTION_AS_VALUE: &str = "E0140";
/// A method call on a value that is not a host object.
pub const NOT_AN_OBJECT: &str = "E0141";

/// Every code with its one-line summary, in order.
pub const CODES: &[(&str, &str)] = &[
    (UNKNOWN_NAME, "a name that is not defined"),
    (
        UNKNOWN_FUNCTION,
        "a call of an unknown function, or of something that is not a function",
    ),
    (
        UNKNOWN_KEYWORD,
        "a keyword argument the function does not take",
    ),
    (
        TOO_MANY_ARGUMENTS,
        "more positional arguments than the function takes",
    ),
    (MISSING_ARGUMENT, "a required argument is missing"),
    (DUPLICATE_ARGUMENT, "an argument is given twice"),
    (TYPE_MISMATCH, "a value of the wrong type"),
    (SHAPE_MISMATCH, "tensor shapes that cannot be combined"),
    (
        UNKNOWN_MODEL_INPUT,
        "a model call names an input the model does not have",
    ),
    (
        MISSING_MODEL_INPUT,
        "a model call leaves out inputs the model needs",
    ),
    (
        MODEL_INPUT_TYPE,
        "a model input of the wrong dtype, rank or size",
    ),
    (
        SIGNATURE_MISMATCH,
        "a declared model signature disagrees with the model file",
    ),
    (
        MODEL_NOT_FOUND,
        "warning: the model file was not found, so its inputs and outputs are not checked",
    ),
    (
        MODEL_UNREADABLE,
        "the model file cannot be read as an ONNX model",
    ),
    (NOT_A_RECORD, "field access on a value that has no fields"),
    (UNKNOWN_FIELD, "a field or model output that does not exist"),
    (BREAK_OUTSIDE_LOOP, "`break` outside a loop"),
    (
        UNREACHABLE_CODE,
        "a statement after `halt`, `return` or `break` can never run",
    ),
    (LITERAL_REQUIRED, "an argument that must be a literal"),
    (
        OUT_OF_SCOPE,
        "a name used outside the loop or branch that defined it",
    ),
    (
        DUPLICATE_MODEL,
        "a model declared with a name that is already defined",
    ),
    (
        ASSIGN_TO_RESERVED,
        "assignment to a model, a builtin function or a predeclared name",
    ),
    (
        INPUT_OUTSIDE_PARAMS,
        "`arg(...)` or `prompt(...)` outside a parameter default",
    ),
    (USED_AFTER_UNLOAD, "a model or value used after `unload`"),
    (
        FORMAT_PLACEHOLDERS,
        "a format string that is malformed or has the wrong number of `{}`",
    ),
    (IMAGE_RANGE, "`to_image` with an unsupported value range"),
    (
        PARAM_WITHOUT_DEFAULT,
        "a plan parameter without a source for its value",
    ),
    (
        TOKENIZER_NOT_FOUND,
        "warning: the tokenizer file was not found",
    ),
    (
        BAD_MODEL_SOURCE,
        "a model declaration whose source is not `load(\"path\")`",
    ),
    (
        POSITIONAL_MODEL_INPUT,
        "a model input passed by position instead of by name",
    ),
    (
        DESTRUCTURE_COUNT,
        "destructuring into the wrong number of names",
    ),
    (
        NOT_A_SINGLE_VALUE,
        "several values, or none, where one value is needed",
    ),
    (
        VALUE_OUT_OF_RANGE,
        "a literal outside the range its argument allows",
    ),
    (UNKNOWN_DTYPE, "an unknown tensor element type"),
    (
        DICT_OUTSIDE_RETURN,
        "a dictionary literal outside `return { ... }`",
    ),
    (
        NO_SUCH_PLAN,
        "the file has no plan, or not the one asked for",
    ),
    (DUPLICATE_DEFINITION, "a name defined twice"),
    (
        INCOMPATIBLE_BRANCH_TYPES,
        "a loop or `if` gives a name values of incompatible types",
    ),
    (UNKNOWN_TYPE, "an unknown type in an annotation"),
    (UNSUPPORTED_LIST, "a list literal that cannot be built"),
    (FUNCTION_AS_VALUE, "a builtin function used as a value"),
    (
        NOT_AN_OBJECT,
        "a method call on a value that is not a host object",
    ),
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_unique_and_in_range() {
        let mut seen = std::collections::HashSet::new();
        for (code, summary) in CODES {
            assert!(seen.insert(*code), "{code} twice");
            let n: u32 = code[1..].parse().unwrap();
            assert!((100..200).contains(&n), "{code}");
            assert!(!summary.is_empty());
        }
    }
}
