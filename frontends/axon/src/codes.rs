//! The error codes of the Axon front end (E0300–E0399). Each code is defined
//! once here with its one-line summary in [`CODES`]; `docs/errors-axon.md`
//! explains each with an example and a fix.

/// The manifest is not well-formed YAML.
pub const YAML_SYNTAX: &str = "E0300";
/// YAML the manifest format does not use: anchors, aliases, tags, a
/// top level that is not a mapping, keys that are not scalars.
pub const YAML_UNSUPPORTED: &str = "E0301";
/// A key given twice in one mapping.
pub const DUPLICATE_KEY: &str = "E0302";
/// A required field is missing.
pub const MISSING_FIELD: &str = "E0303";
/// A field of the wrong kind (a list where a string is wanted, ...).
pub const WRONG_TYPE: &str = "E0304";
/// A field the format does not define (warning).
pub const UNKNOWN_FIELD: &str = "E0305";
/// An `apiVersion` or `kind` this compiler does not read.
pub const UNSUPPORTED_VERSION: &str = "E0306";
/// An older manifest accepted with an assumption (warning).
pub const ASSUMED: &str = "E0307";
/// A name that is not lowercase letters, digits and `-`.
pub const BAD_NAME: &str = "E0310";
/// A version that is not semantic versioning (`1.2.3`).
pub const BAD_VERSION: &str = "E0311";
/// A sha256 that is not 64 hexadecimal digits.
pub const BAD_SHA256: &str = "E0312";
/// A path that is absolute or leaves the package (`..`).
pub const BAD_PATH: &str = "E0313";
/// `spec.io.inputs` or `spec.io.outputs` is empty.
pub const EMPTY_IO: &str = "E0314";
/// An unknown `dtype`.
pub const BAD_DTYPE: &str = "E0315";
/// A shape dimension that is not a positive size or -1.
pub const BAD_SHAPE: &str = "E0316";
/// A `spec.requirements.memory` that is not a size.
pub const BAD_MEMORY: &str = "E0317";
/// Two inputs, outputs or files with the same name.
pub const DUPLICATE_NAME: &str = "E0318";
/// A file listed in `spec.format.files` is not in the package.
pub const FILE_MISSING: &str = "E0320";
/// A file's size differs from the manifest.
pub const SIZE_MISMATCH: &str = "E0321";
/// A file's sha256 differs from the manifest.
pub const SHA256_MISMATCH: &str = "E0322";
/// A tokenizer named by a preprocessing hint is not in the package.
pub const TOKENIZER_MISSING: &str = "E0323";
/// An unknown preprocessing `type`.
pub const UNKNOWN_PREPROCESSING: &str = "E0324";
/// A preprocessing `config` value that cannot be used (mean, std, size, ...).
pub const BAD_PREPROCESSING: &str = "E0325";
/// An input the recipe has no way to create (no preprocessing hint).
pub const NO_INPUT_SOURCE: &str = "E0326";
/// An `execution_format` no runtime backend runs.
pub const UNKNOWN_EXECUTION_FORMAT: &str = "E0330";
/// No file in the package is a model of the execution format.
pub const NO_MODEL_FILE: &str = "E0331";
/// The model file cannot be read as an ONNX model.
pub const MODEL_UNREADABLE: &str = "E0332";
/// The manifest's inputs and the model's inputs disagree.
pub const INPUT_MISMATCH: &str = "E0333";
/// A declared output the model does not have.
pub const OUTPUT_MISMATCH: &str = "E0334";
/// A declared dtype or shape that disagrees with the model.
pub const PORT_TYPE_MISMATCH: &str = "E0335";
/// The package folder or its manifest cannot be read.
pub const PACKAGE_UNREADABLE: &str = "E0340";
/// `config.json` cannot be used to derive the inputs.
pub const BAD_HF_CONFIG: &str = "E0341";
/// Where the I/O came from when the manifest does not list it (note).
pub const IO_SOURCE: &str = "E0350";
/// The front end produced no module and no error (a bug).
pub const INTERNAL: &str = "E0399";

/// Every code with its summary, in order (for docs and tests).
pub const CODES: &[(&str, &str)] = &[
    (YAML_SYNTAX, "the manifest is not well-formed YAML"),
    (
        YAML_UNSUPPORTED,
        "anchors, aliases, tags, non-mapping top level or non-scalar keys",
    ),
    (DUPLICATE_KEY, "a key given twice in one mapping"),
    (MISSING_FIELD, "a required field is missing"),
    (WRONG_TYPE, "a field of the wrong kind"),
    (
        UNKNOWN_FIELD,
        "a field the format does not define (warning)",
    ),
    (
        UNSUPPORTED_VERSION,
        "an apiVersion or kind this compiler does not read",
    ),
    (
        ASSUMED,
        "an older manifest accepted with an assumption (warning)",
    ),
    (BAD_NAME, "a name that is not [a-z0-9-]+"),
    (BAD_VERSION, "a version that is not semantic versioning"),
    (BAD_SHA256, "a sha256 that is not 64 hexadecimal digits"),
    (BAD_PATH, "an absolute path or one containing `..`"),
    (EMPTY_IO, "spec.io.inputs or spec.io.outputs is empty"),
    (BAD_DTYPE, "an unknown dtype"),
    (
        BAD_SHAPE,
        "a shape dimension that is not a positive size or -1",
    ),
    (BAD_MEMORY, "spec.requirements.memory is not a size"),
    (
        DUPLICATE_NAME,
        "two inputs, outputs or files with the same name",
    ),
    (FILE_MISSING, "a listed file is not in the package"),
    (SIZE_MISMATCH, "a file's size differs from the manifest"),
    (SHA256_MISMATCH, "a file's sha256 differs from the manifest"),
    (
        TOKENIZER_MISSING,
        "a tokenizer named by a preprocessing hint is missing",
    ),
    (UNKNOWN_PREPROCESSING, "an unknown preprocessing type"),
    (
        BAD_PREPROCESSING,
        "a preprocessing config value that cannot be used",
    ),
    (NO_INPUT_SOURCE, "an input the recipe has no way to create"),
    (
        UNKNOWN_EXECUTION_FORMAT,
        "an execution_format no runtime backend runs",
    ),
    (
        NO_MODEL_FILE,
        "no file of the package is a model of the execution format",
    ),
    (
        MODEL_UNREADABLE,
        "the model file is not a readable ONNX model",
    ),
    (
        INPUT_MISMATCH,
        "the manifest's inputs and the model's disagree",
    ),
    (OUTPUT_MISMATCH, "a declared output the model does not have"),
    (
        PORT_TYPE_MISMATCH,
        "a declared dtype or shape disagrees with the model",
    ),
    (
        PACKAGE_UNREADABLE,
        "the package folder or manifest cannot be read",
    ),
    (
        BAD_HF_CONFIG,
        "config.json cannot be used to derive the inputs",
    ),
    (
        IO_SOURCE,
        "where the I/O came from when the manifest does not list it (note)",
    ),
    (INTERNAL, "internal error: no module and no error"),
];
