//! The builtin functions: their parameter lists (one table, used for
//! binding, messages and "did you mean") and the dispatch to the lowering of
//! each family.

use omex_diagnostics::{Diagnostic, Span};
use omex_ir::DType;
use omex_plan_syntax::ast::{Arg, Expr, ExprKind, UnaryOp};

use super::args::{self, Bound, ParamSpec, Signature};
use super::{Lowered, Lowerer};
use crate::codes;
use crate::types::{Want, dtype_by_name, dtype_names};

/// A builtin function: its parameters, the first `required` of them required.
#[derive(Debug)]
pub struct Builtin {
    pub name: &'static str,
    pub params: &'static [&'static str],
    pub required: usize,
    pub variadic: Option<&'static str>,
}

const fn b(name: &'static str, params: &'static [&'static str], required: usize) -> Builtin {
    Builtin {
        name,
        params,
        required,
        variadic: None,
    }
}

const X: &[&str] = &["x"];
const AGG: &[&str] = &["x", "axis", "keepdims"];
const SHAPE_DTYPE: &[&str] = &["shape", "dtype"];
const RANDOM: &[&str] = &["shape", "seed", "dtype"];

/// Every builtin, grouped as in `docs/plan-checking.md`.
pub const BUILTINS: &[Builtin] = &[
    // Parameter sources, models, resources and settings.
    b("arg", &["index"], 1),
    b("prompt", &["message"], 1),
    b("load", &["path", "device"], 1),
    b("tokenizer", &["path", "padding"], 1),
    b("component", &["path", "kind"], 1),
    b("device", &["name"], 1),
    b("precision", &["name"], 1),
    b("threads", &["count"], 1),
    b("seed", &["value"], 1),
    b("unload", &["value"], 1),
    // Data.
    b("read_text", &["path"], 1),
    b("read_bytes", &["path"], 1),
    b("load_json", &["path"], 1),
    b("load_lines", &["path"], 1),
    // Text.
    b("encode", &["tokenizer", "text"], 2),
    b("decode", &["tokenizer", "ids"], 2),
    b("token_id", &["tokenizer", "token"], 2),
    Builtin {
        name: "format",
        params: &["template"],
        required: 1,
        variadic: Some("values"),
    },
    // Tensor creation.
    b("tensor", &["value", "dtype"], 1),
    b("arange", &["start", "end", "step", "dtype"], 1),
    b("ones", SHAPE_DTYPE, 1),
    b("zeros", SHAPE_DTYPE, 1),
    b("full", &["shape", "value", "dtype"], 2),
    b("randn", RANDOM, 1),
    b("rand", RANDOM, 1),
    // Manipulation.
    b("reshape", &["x", "shape"], 2),
    b("pad", &["x", "pads", "value"], 2),
    b("slice", &["x", "axis", "start", "end", "step"], 4),
    b("expand_dims", &["x", "axis"], 2),
    b("squeeze", &["x", "axis"], 1),
    b("transpose", &["x", "perm"], 1),
    b("cast", &["x", "dtype"], 2),
    b("expand", &["x", "shape"], 2),
    b("concat", &["tensors", "axis"], 1),
    b("stack", &["tensors", "axis"], 1),
    // Information.
    b("shape", X, 1),
    b("rank", X, 1),
    b("item", X, 1),
    b("numel", X, 1),
    b("len", X, 1),
    b("dim", &["x", "axis"], 2),
    // Math.
    b("softmax", &["x", "axis"], 1),
    b("log_softmax", &["x", "axis"], 1),
    b("sigmoid", X, 1),
    b("tanh", X, 1),
    b("relu", X, 1),
    b("exp", X, 1),
    b("log", X, 1),
    b("sqrt", X, 1),
    b("abs", X, 1),
    b("floor", X, 1),
    b("ceil", X, 1),
    b("round", X, 1),
    b("reciprocal", X, 1),
    b("pow", &["x", "y"], 2),
    b("maximum", &["x", "y"], 2),
    b("minimum", &["x", "y"], 2),
    b("max", &["x", "y", "axis", "keepdims"], 1),
    b("min", &["x", "y", "axis", "keepdims"], 1),
    b("argmax", AGG, 1),
    b("argmin", AGG, 1),
    b("sum", AGG, 1),
    b("mean", AGG, 1),
    b("topk", &["x", "k"], 2),
    b("sample", &["logits", "temperature", "top_k"], 1),
    b("normalize", &["x", "axis"], 1),
    b("mean_pool", &["hidden", "mask"], 2),
    // Output.
    b("print", &["value"], 1),
    b("stream", &["value"], 1),
    b("write_text", &["value", "path"], 2),
    b("write_png", &["image", "path"], 2),
    b("write_wav", &["audio", "path"], 2),
    b("write_tensor", &["tensor", "path"], 2),
    b("to_image", &["x", "low", "high"], 1),
    b("to_wav", &["samples", "rate"], 2),
    b("table", &["labels", "indices", "values"], 3),
    b("debug", &["value", "message"], 1),
];

pub fn find(name: &str) -> Option<&'static Builtin> {
    BUILTINS.iter().find(|b| b.name == name)
}

pub fn names() -> impl Iterator<Item = &'static str> {
    BUILTINS.iter().map(|b| b.name)
}

impl Builtin {
    pub fn signature(&self) -> Signature {
        Signature {
            name: self.name.to_string(),
            params: self
                .params
                .iter()
                .enumerate()
                .map(|(i, p)| ParamSpec {
                    name: p.to_string(),
                    required: i < self.required,
                })
                .collect(),
            variadic: self.variadic.map(str::to_string),
        }
    }
}

/// A builtin call whose arguments are bound.
pub struct Call<'e> {
    pub builtin: &'static Builtin,
    pub span: Span,
    pub bound: Bound<'e>,
}

impl<'e> Call<'e> {
    pub fn arg(&self, param: &str) -> Option<&'e Arg> {
        let i = self.builtin.params.iter().position(|p| *p == param)?;
        self.bound.get(i)
    }

    pub fn expr(&self, param: &str) -> Option<&'e Expr> {
        self.arg(param).map(|a| &a.value)
    }

    pub fn has(&self, param: &str) -> bool {
        self.arg(param).is_some()
    }

    /// "argument `x` of `softmax`", for notes.
    pub fn context(&self, param: &str) -> String {
        format!("for argument `{param}` of `{}`", self.builtin.name)
    }
}

/// An argument, fetched and checked: absent, good, or bad (reported).
#[derive(Debug, Clone, Copy)]
pub enum Got<T> {
    Absent,
    Val(T),
    Bad,
}

impl<T> Got<T> {
    /// A required argument (binding made sure it is present).
    pub fn req(self) -> Option<T> {
        match self {
            Got::Val(v) => Some(v),
            _ => None,
        }
    }

    /// An optional argument: `None` when bad.
    pub fn opt(self) -> Option<Option<T>> {
        match self {
            Got::Absent => Some(None),
            Got::Val(v) => Some(Some(v)),
            Got::Bad => None,
        }
    }
}

/// The integer a literal expression denotes (`3`, `-1`).
pub fn lit_int(e: &Expr) -> Option<i64> {
    match &e.kind {
        ExprKind::Int(n) => Some(*n),
        ExprKind::Unary {
            op: UnaryOp::Neg,
            operand,
        } => lit_int(operand).and_then(i64::checked_neg),
        _ => None,
    }
}

/// The number a literal expression denotes (ints included).
pub fn lit_num(e: &Expr) -> Option<f64> {
    match &e.kind {
        ExprKind::Int(n) => Some(*n as f64),
        ExprKind::Float(f) => Some(*f),
        ExprKind::Unary {
            op: UnaryOp::Neg,
            operand,
        } => lit_num(operand).map(|f| -f),
        _ => None,
    }
}

pub fn lit_str(e: &Expr) -> Option<&str> {
    match &e.kind {
        ExprKind::Str(s) => Some(s),
        _ => None,
    }
}

pub fn lit_bool(e: &Expr) -> Option<bool> {
    match &e.kind {
        ExprKind::Bool(b) => Some(*b),
        _ => None,
    }
}

impl Lowerer<'_> {
    /// Lowers a call of a builtin.
    pub fn call_builtin(
        &mut self,
        builtin: &'static Builtin,
        callee: Span,
        args: &[Arg],
        span: Span,
    ) -> Lowered {
        match builtin.name {
            "arg" | "prompt" => {
                let d = Diagnostic::error(
                    codes::INPUT_OUTSIDE_PARAMS,
                    format!("`{}(...)` can only be a plan parameter's default", builtin.name),
                )
                .with_primary(span, "not allowed here")
                .with_help(if builtin.name == "arg" {
                    "declare a parameter, e.g. `plan p(text: str = arg(0))`, and use its name"
                } else {
                    "declare a parameter, e.g. `plan p(name: str = prompt(\"Name: \"))`, and use its name"
                });
                self.report(d);
                return Lowered::Error;
            }
            "load" => {
                let d = Diagnostic::error(
                    codes::BAD_MODEL_SOURCE,
                    "`load(...)` can only be the source of a model declaration",
                )
                .with_primary(span, "not allowed here")
                .with_help("declare the model: `model m = load(\"path/model.onnx\")`");
                self.report(d);
                return Lowered::Error;
            }
            _ => {}
        }
        let sig = builtin.signature();
        let bound = match args::bind(&sig, args, callee, span) {
            Ok(bound) => bound,
            Err(errors) => {
                for d in errors {
                    self.report(d);
                }
                // Check the arguments anyway, for independent errors inside them.
                for arg in args {
                    let _ = self.expr(&arg.value);
                }
                return Lowered::Error;
            }
        };
        let call = Call {
            builtin,
            span,
            bound,
        };
        match builtin.name {
            "tokenizer" | "component" | "device" | "precision" | "threads" | "seed" | "unload"
            | "read_text" | "read_bytes" | "load_json" | "load_lines" => self.resource(&call),
            "encode" | "decode" | "token_id" | "format" => self.text_builtin(&call),
            "tensor" | "arange" | "ones" | "zeros" | "full" | "randn" | "rand" => {
                self.create(&call)
            }
            "reshape" | "pad" | "slice" | "expand_dims" | "squeeze" | "transpose" | "cast"
            | "expand" => self.manipulate(&call),
            "concat" | "stack" => self.combine(&call),
            "shape" | "rank" | "item" | "numel" | "len" | "dim" => self.info(&call),
            "print" | "stream" | "write_text" | "write_png" | "write_wav" | "write_tensor"
            | "to_image" | "to_wav" | "table" | "debug" => self.sink(&call),
            _ => self.math(&call),
        }
    }

    // ------------------------------------------------------------ arguments

    /// An argument as one value of category `want`.
    pub fn get(&mut self, call: &Call, param: &str, want: Want) -> Got<omex_ir::Value> {
        let Some(e) = call.expr(param) else {
            return Got::Absent;
        };
        match self.value_want(e, want, &call.context(param)) {
            Some(v) => Got::Val(v),
            None => Got::Bad,
        }
    }

    fn literal_required(&mut self, call: &Call, param: &str, e: &Expr, what: &str) {
        if matches!(e.kind, ExprKind::Error) {
            return;
        }
        let d = Diagnostic::error(
            codes::LITERAL_REQUIRED,
            format!(
                "argument `{param}` of `{}` must be {what} written in the plan",
                call.builtin.name
            ),
        )
        .with_primary(e.span, format!("expected {what}"))
        .with_note("its value must be known when the plan is compiled");
        self.report(d);
    }

    pub fn lit_int_arg(&mut self, call: &Call, param: &str) -> Got<i64> {
        let Some(e) = call.expr(param) else {
            return Got::Absent;
        };
        match lit_int(e) {
            Some(n) => Got::Val(n),
            None => {
                self.literal_required(call, param, e, "a literal int");
                Got::Bad
            }
        }
    }

    pub fn lit_num_arg(&mut self, call: &Call, param: &str) -> Got<f64> {
        let Some(e) = call.expr(param) else {
            return Got::Absent;
        };
        match lit_num(e) {
            Some(n) => Got::Val(n),
            None => {
                self.literal_required(call, param, e, "a literal number");
                Got::Bad
            }
        }
    }

    pub fn lit_str_arg(&mut self, call: &Call, param: &str) -> Got<String> {
        let Some(e) = call.expr(param) else {
            return Got::Absent;
        };
        match lit_str(e) {
            Some(s) => Got::Val(s.to_string()),
            None => {
                self.literal_required(call, param, e, "a string literal");
                Got::Bad
            }
        }
    }

    pub fn lit_bool_arg(&mut self, call: &Call, param: &str) -> Got<bool> {
        let Some(e) = call.expr(param) else {
            return Got::Absent;
        };
        match lit_bool(e) {
            Some(b) => Got::Val(b),
            None => {
                self.literal_required(call, param, e, "`true` or `false`");
                Got::Bad
            }
        }
    }

    /// A dtype argument: a dtype name (`f32`) or a string (`"f32"`).
    pub fn dtype_arg(&mut self, call: &Call, param: &str) -> Got<DType> {
        let Some(e) = call.expr(param) else {
            return Got::Absent;
        };
        let name = match &e.kind {
            ExprKind::Name(n) if self.st.scopes.lookup(n).is_none() => n.as_str(),
            ExprKind::Str(s) => s.as_str(),
            ExprKind::Error => return Got::Bad,
            _ => {
                self.literal_required(call, param, e, "a dtype name such as `f32`");
                return Got::Bad;
            }
        };
        match dtype_by_name(name) {
            Some(d) => Got::Val(d),
            None => {
                self.unknown_dtype(name, e.span);
                Got::Bad
            }
        }
    }

    pub fn unknown_dtype(&mut self, name: &str, span: Span) {
        let names = dtype_names();
        let mut d = Diagnostic::error(codes::UNKNOWN_DTYPE, format!("unknown dtype `{name}`"))
            .with_primary(span, "not a dtype")
            .with_note(format!("the dtypes are {}", names.join(", ")));
        let alias = match name {
            "float32" | "float" | "fp32" => Some("f32"),
            "float64" | "double" | "fp64" => Some("f64"),
            "float16" | "half" | "fp16" => Some("f16"),
            "int64" | "long" | "int" => Some("i64"),
            "int32" => Some("i32"),
            "uint8" | "byte" => Some("u8"),
            _ => omex_diagnostics::suggest::closest(name, names.iter().copied()),
        };
        if let Some(best) = alias {
            d = d.with_suggestion(format!("did you mean `{best}`?"), span, best);
        }
        self.report(d);
    }
}
