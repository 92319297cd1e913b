//! Subtype tables: the one-byte codes that select an operation variant
//! (`MATH_UNARY softmax`, `SINK_FILE png`, a tensor dtype, ...).
//!
//! Each table is declared once with [`subtypes!`]; the enum, its codes, its
//! text names and the runtime lookup table all come from that declaration.

/// A subtype table as data: used by the decoder, verifier, disassembler and
/// assembler, which handle every table the same way.
#[derive(Debug)]
pub struct SubtypeTable {
    /// The table's name in error messages and docs, e.g. `unary op`.
    pub name: &'static str,
    /// `(code, text name)` for every defined code.
    pub entries: &'static [(u8, &'static str)],
}

impl SubtypeTable {
    pub fn name_of(&self, code: u8) -> Option<&'static str> {
        self.entries
            .iter()
            .find(|(c, _)| *c == code)
            .map(|(_, n)| *n)
    }

    pub fn code_of(&self, name: &str) -> Option<u8> {
        self.entries
            .iter()
            .find(|(_, n)| *n == name)
            .map(|(c, _)| *c)
    }

    pub fn names(&self) -> impl Iterator<Item = &'static str> + '_ {
        self.entries.iter().map(|(_, n)| *n)
    }
}

/// Declares subtype enums. Each variant gets a code and a text name.
macro_rules! subtypes {
    ($(
        $(#[$meta:meta])*
        $name:ident $table:ident $label:literal {
            $($variant:ident = $code:literal $text:literal),+ $(,)?
        }
    )*) => {$(
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        #[repr(u8)]
        pub enum $name {
            $($variant = $code),+
        }

        pub static $table: SubtypeTable = SubtypeTable {
            name: $label,
            entries: &[$(($code, $text)),+],
        };

        impl $name {
            pub const TABLE: &'static SubtypeTable = &$table;

            pub fn from_code(code: u8) -> Option<Self> {
                match code {
                    $($code => Some(Self::$variant),)+
                    _ => None,
                }
            }

            pub fn code(self) -> u8 {
                self as u8
            }

            pub fn name(self) -> &'static str {
                match self {
                    $(Self::$variant => $text,)+
                }
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.name())
            }
        }
    )*};
}

subtypes! {
    /// `SRC_USER_PROMPT data_type`: how the typed answer is parsed.
    PromptType PROMPT_TYPE "prompt type" { Str = 0 "str", Int = 1 "int", Float = 2 "float" }

    /// `SRC_FILE_CONTENT read_mode`.
    ReadMode READ_MODE "read mode" { Text = 0 "text", Binary = 1 "binary" }

    /// `RES_LOAD_DATAFILE file_type`.
    DataFileType DATA_FILE_TYPE "data file type" { Json = 0 "json", TxtLines = 1 "txt_lines" }

    /// `RES_LOAD_EXTERN kind`: what the repository constant names.
    ExternKind EXTERN_KIND "extern kind" {
        Tokenizer = 0 "tokenizer",
        HostObject = 1 "host_object",
    }

    /// `EXEC_CTL ctl_type`.
    CtlType CTL_TYPE "control type" {
        Device = 0 "device",
        Precision = 1 "precision",
        Threads = 2 "threads",
        Seed = 3 "seed",
    }

    /// `RES_UNLOAD res_type`.
    ResType RES_TYPE "resource type" { Model = 0 "model", Context = 1 "context" }

    /// Tensor element types (`TENSOR_CREATE`, `TENSOR_RANDOM`).
    DType DTYPE "dtype" {
        F32 = 0 "f32",
        F64 = 1 "f64",
        F16 = 2 "f16",
        BF16 = 3 "bf16",
        I32 = 4 "i32",
        I64 = 5 "i64",
        I16 = 6 "i16",
        I8 = 7 "i8",
        U8 = 8 "u8",
        Bool = 9 "bool",
    }

    /// `TENSOR_CREATE creation_type`.
    CreateOp CREATE_OP "creation type" {
        FromPy = 0 "from_py",
        Arange = 1 "arange",
        Ones = 2 "ones",
        Zeros = 3 "zeros",
        Full = 4 "full",
    }

    /// `TENSOR_RANDOM dist_type`.
    RandomDist RANDOM_DIST "distribution" { Gaussian = 0 "gaussian", Uniform = 1 "uniform" }

    /// `TENSOR_MANIPULATE op_type`.
    ManipOp MANIP_OP "manipulation" {
        Reshape = 0 "reshape",
        Pad = 1 "pad",
        Slice = 2 "slice",
        ExpandDims = 3 "expand_dims",
        Squeeze = 4 "squeeze",
        Transpose = 5 "transpose",
        Cast = 6 "cast",
        Expand = 7 "expand",
    }

    /// `TENSOR_COMBINE op_type`.
    CombineOp COMBINE_OP "combination" { Concat = 0 "concat", Stack = 1 "stack" }

    /// `TENSOR_INFO op_type`.
    InfoOp INFO_OP "info op" {
        Shape = 0 "shape",
        Dim = 1 "dim",
        ToPy = 2 "to_py",
        Numel = 3 "numel",
        Len = 4 "len",
    }

    /// `MATH_UNARY op_type`.
    UnaryOp UNARY_OP "unary op" {
        Softmax = 0 "softmax",
        Sqrt = 1 "sqrt",
        Abs = 2 "abs",
        Neg = 3 "neg",
        Exp = 4 "exp",
        Reciprocal = 5 "reciprocal",
        Log = 6 "log",
        LogSoftmax = 7 "log_softmax",
        Sigmoid = 8 "sigmoid",
        Tanh = 9 "tanh",
        Relu = 10 "relu",
        Not = 11 "not",
        Floor = 12 "floor",
        Ceil = 13 "ceil",
        Round = 14 "round",
    }

    /// `MATH_BINARY op_type`.
    BinaryOp BINARY_OP "binary op" {
        Add = 0 "add",
        Sub = 1 "sub",
        Mul = 2 "mul",
        Div = 3 "div",
        Pow = 4 "pow",
        Max = 5 "max",
        Min = 6 "min",
        Mod = 7 "mod",
    }

    /// `MATH_AGGREGATE op_type`.
    AggOp AGG_OP "aggregate op" {
        Argmax = 0 "argmax",
        Argmin = 1 "argmin",
        Sum = 2 "sum",
        Mean = 3 "mean",
        Max = 4 "max",
        Min = 5 "min",
    }

    /// `LOGIC_COMPARE op_type`; the result is a bool.
    CompareOp COMPARE_OP "comparison" {
        Eq = 0 "eq",
        Neq = 1 "neq",
        Gt = 2 "gt",
        Lt = 3 "lt",
        Ge = 4 "ge",
        Le = 5 "le",
        And = 6 "and",
        Or = 7 "or",
    }

    /// `FORMAT_TO_IMAGE range`: the value range mapped onto 0..=255.
    ImageRange IMAGE_RANGE "image range" {
        Unit = 0 "unit",
        Signed = 1 "signed",
        Byte = 2 "byte",
    }

    /// `SINK_CONSOLE stream_mode`.
    StreamMode STREAM_MODE "stream mode" { Line = 0 "line", Stream = 1 "stream" }

    /// `SINK_FILE format`.
    FileFormat FILE_FORMAT "file format" {
        Txt = 0 "txt",
        Png = 1 "png",
        Wav = 2 "wav",
        Tensor = 3 "tensor",
    }
}

/// Operations whose instruction ends in a parameter list (`...params` in the
/// ISA) say how many parameter slots they take.
pub trait ParamArity {
    /// The allowed number of parameter slots, inclusive.
    fn param_arity(self) -> (u8, u8);
    /// What the parameters mean, for error messages and docs.
    fn param_names(self) -> &'static str;
}

impl ParamArity for CreateOp {
    fn param_arity(self) -> (u8, u8) {
        match self {
            CreateOp::FromPy => (1, 1),
            CreateOp::Arange => (1, 3),
            CreateOp::Ones | CreateOp::Zeros => (1, 1),
            CreateOp::Full => (2, 2),
        }
    }
    fn param_names(self) -> &'static str {
        match self {
            CreateOp::FromPy => "value",
            CreateOp::Arange => "end | start, end | start, end, step",
            CreateOp::Ones | CreateOp::Zeros => "shape",
            CreateOp::Full => "shape, value",
        }
    }
}

impl ParamArity for ManipOp {
    fn param_arity(self) -> (u8, u8) {
        match self {
            ManipOp::Reshape | ManipOp::Expand | ManipOp::ExpandDims | ManipOp::Cast => (1, 1),
            ManipOp::Pad => (1, 2),
            ManipOp::Slice => (3, 4),
            ManipOp::Squeeze | ManipOp::Transpose => (0, 1),
        }
    }
    fn param_names(self) -> &'static str {
        match self {
            ManipOp::Reshape | ManipOp::Expand => "shape",
            ManipOp::Pad => "pads [, value]",
            ManipOp::Slice => "axis, start, end [, step]",
            ManipOp::ExpandDims => "axis",
            ManipOp::Squeeze => "[axis]",
            ManipOp::Transpose => "[permutation]",
            ManipOp::Cast => "dtype name",
        }
    }
}

impl ParamArity for ExternKind {
    fn param_arity(self) -> (u8, u8) {
        match self {
            ExternKind::Tokenizer => (0, 1),
            ExternKind::HostObject => (0, 255),
        }
    }
    fn param_names(self) -> &'static str {
        match self {
            ExternKind::Tokenizer => "[padding]",
            ExternKind::HostObject => "[configuration values]",
        }
    }
}

impl ParamArity for CombineOp {
    fn param_arity(self) -> (u8, u8) {
        (0, 1)
    }
    fn param_names(self) -> &'static str {
        "[axis]"
    }
}

impl ParamArity for AggOp {
    fn param_arity(self) -> (u8, u8) {
        (0, 2)
    }
    fn param_names(self) -> &'static str {
        "[axis [, keepdims]]"
    }
}

impl DType {
    /// Size of one element in bytes.
    pub fn size(self) -> usize {
        match self {
            DType::F64 | DType::I64 => 8,
            DType::F32 | DType::I32 => 4,
            DType::F16 | DType::BF16 | DType::I16 => 2,
            DType::I8 | DType::U8 | DType::Bool => 1,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_required_by_the_issue_are_kept() {
        assert_eq!(UnaryOp::Softmax.code(), 0);
        assert_eq!(UnaryOp::Reciprocal.code(), 5);
        assert_eq!(BinaryOp::Min.code(), 6);
        assert_eq!(AggOp::Argmax.code(), 0);
        assert_eq!(CompareOp::Lt.code(), 3);
        assert_eq!(CreateOp::Zeros.code(), 3);
        assert_eq!(InfoOp::ToPy.code(), 2);
        assert_eq!(CombineOp::Concat.code(), 0);
        assert_eq!(DType::Bool.code(), 9);
        assert_eq!(DType::I64.code(), 5);
    }

    #[test]
    fn tables_agree_with_enums() {
        for (code, name) in UNARY_OP.entries {
            let op = UnaryOp::from_code(*code).unwrap();
            assert_eq!(op.name(), *name);
            assert_eq!(UNARY_OP.code_of(name), Some(*code));
        }
        assert_eq!(UnaryOp::from_code(200), None);
    }
}
