//! Checking and lowering in one walk over the syntax tree.
//!
//! The walk keeps, for every name, the IR value it is bound to at the
//! current point ([`crate::scope`]); every expression is type-checked as it
//! is lowered, using the types of the IR values it reads. An expression with
//! an error lowers to [`Lowered::Error`] (the error is reported once) and
//! names bound to it are poisoned, so later uses report nothing more.
//!
//! The module built alongside is only returned when no error was found.

mod args;
mod builtins;
mod calls;
mod control;
mod expr;
mod index;
mod io;
mod lists;
mod model;
mod ops;
mod plan;
mod shapes;
mod stmt;
mod tensor;

use std::collections::HashMap;

use omex_diagnostics::{Diagnostic, FileId, Span};
use omex_ir::{Block, Inst, Module, Op, Type, Value};
use omex_mep::Constant;
use omex_plan_syntax::ast::{Expr, ExprKind};

use crate::Options;
use crate::codes;
use crate::scope::{Record, Scopes};
use crate::types::Want;

pub(crate) use calls::extern_sigs;
pub(crate) use plan::lower_plan;

/// What does not change during the walk.
pub(crate) struct Ctx<'a> {
    pub file: FileId,
    /// The text spans point into.
    pub source: &'a str,
    pub options: &'a Options,
    /// The file's extern function declarations, checked, by name.
    pub externs: HashMap<String, calls::ExternSig<'a>>,
    /// The file had syntax errors: a name may be unknown only because its
    /// definition did not parse, so unknown names are not reported.
    pub lenient: bool,
}

/// A model declared by the plan.
#[derive(Debug, Clone)]
pub(crate) struct ModelInfo {
    pub name: String,
    /// The `load_model` result.
    pub value: Value,
    /// Where the model was declared (its name).
    pub span: Span,
    /// Inputs and outputs, when known (declared or read from the file):
    /// runs are static. `None`: runs are dynamic.
    pub signature: Option<model::Signature>,
}

/// Everything the walk changes; cloned to retry a loop body with wider
/// types (see [`control`]).
#[derive(Clone)]
pub(crate) struct State {
    pub module: Module,
    pub diags: Vec<Diagnostic>,
    pub scopes: Scopes,
    /// Where instructions are appended.
    pub block: Block,
    /// The enclosing loops, innermost last.
    pub loops: Vec<LoopCtx>,
    pub models: Vec<ModelInfo>,
    /// Values (models included) freed by an explicit `unload`, and where.
    pub unloaded: HashMap<Value, Span>,
}

/// A loop being lowered.
#[derive(Debug, Clone)]
pub(crate) struct LoopCtx {
    /// The names it carries, in block-parameter order.
    pub carried: Vec<String>,
    /// The types of the carried values at each `break`.
    pub break_types: Vec<Vec<Type>>,
}

/// The result of lowering an expression.
#[derive(Debug, Clone)]
pub(crate) enum Lowered {
    Value(Value),
    /// The outputs of a static model run.
    Record(Record),
    /// Several values (`topk`, a multi-result host function).
    Tuple(Vec<Value>),
    /// A call that gives no value (`print(x)`); the callee's name.
    Nothing(String),
    /// An erroneous expression, already reported.
    Error,
}

pub(crate) struct Lowerer<'a> {
    pub cx: Ctx<'a>,
    pub st: State,
}

impl<'a> Lowerer<'a> {
    pub fn new(cx: Ctx<'a>, module: Module, body: Block) -> Self {
        Self {
            cx,
            st: State {
                module,
                diags: Vec::new(),
                scopes: Scopes::default(),
                block: body,
                loops: Vec::new(),
                models: Vec::new(),
                unloaded: HashMap::new(),
            },
        }
    }

    // ------------------------------------------------------------ emitting

    pub fn append(&mut self, op: Op, args: Vec<Value>, types: Vec<Type>, span: Span) -> Inst {
        self.st
            .module
            .append(self.st.block, op, args, types, Some(span))
    }

    /// Appends an instruction with one result and returns it.
    pub fn emit(&mut self, op: Op, args: Vec<Value>, ty: Type, span: Span) -> Value {
        let inst = self.append(op, args, vec![ty], span);
        self.st.module.insts[inst].results[0]
    }

    /// Appends an instruction without results.
    pub fn emit0(&mut self, op: Op, args: Vec<Value>, span: Span) {
        self.append(op, args, Vec::new(), span);
    }

    pub fn konst(&mut self, c: Constant, span: Span) -> Value {
        let ty = match &c {
            Constant::Null => Type::Any,
            Constant::Bool(_) => Type::Bool,
            Constant::Int(_) => Type::Int,
            Constant::Float(_) => Type::Float,
            Constant::Str(_) => Type::Str,
            Constant::Bytes(_) => Type::Bytes,
            Constant::IntList(_) => Type::List(Box::new(Type::Int)),
            Constant::FloatList(_) => Type::List(Box::new(Type::Float)),
            Constant::StrList(_) => Type::List(Box::new(Type::Str)),
        };
        self.emit(Op::Const(c), Vec::new(), ty, span)
    }

    pub fn int(&mut self, n: i64, span: Span) -> Value {
        self.konst(Constant::Int(n), span)
    }

    pub fn str_const(&mut self, s: &str, span: Span) -> Value {
        self.konst(Constant::Str(s.to_string()), span)
    }

    /// A placeholder where an erroneous value must still be passed (the
    /// module is discarded anyway).
    pub fn dummy(&mut self, span: Span) -> Value {
        self.konst(Constant::Null, span)
    }

    pub fn ty(&self, value: Value) -> Type {
        self.st.module.ty(value).clone()
    }

    /// Names a value after the recipe variable bound to it (the first name wins).
    pub fn name_value(&mut self, value: Value, name: &str) {
        if self.st.module.names[value].is_none() {
            self.st.module.name_value(value, name);
        }
    }

    /// The integer a value holds when it is an int constant.
    pub fn const_int(&self, value: Value) -> Option<i64> {
        let inst = self.st.module.def_inst(value)?;
        match &self.st.module.insts[inst].op {
            Op::Const(Constant::Int(n)) => Some(*n),
            _ => None,
        }
    }

    // ------------------------------------------------------------ diagnostics

    pub fn report(&mut self, diagnostic: Diagnostic) {
        self.st.diags.push(diagnostic);
    }

    pub fn span(&self, range: std::ops::Range<usize>) -> Span {
        Span::new(self.cx.file, range)
    }

    /// Reports that `found` is not what `want` accepts.
    pub fn mismatch(&mut self, span: Span, want: &str, found: &Type, context: &str) {
        let mut d = Diagnostic::error(codes::TYPE_MISMATCH, "mismatched types")
            .with_primary(span, format!("expected {want}, found `{found}`"));
        if !context.is_empty() {
            d = d.with_note(context.to_string());
        }
        self.report(d);
    }

    // ------------------------------------------------------------ values

    /// Lowers an expression that must give exactly one value.
    pub fn value(&mut self, e: &Expr) -> Option<Value> {
        let lowered = self.expr(e);
        self.single(lowered, e)
    }

    /// One value of the category `want`; `context` says who wants it.
    pub fn value_want(&mut self, e: &Expr, want: Want, context: &str) -> Option<Value> {
        let v = self.value(e)?;
        self.check(v, want, e.span, context).then_some(v)
    }

    /// Checks a value against a category, reporting a mismatch.
    pub fn check(&mut self, v: Value, want: Want, span: Span, context: &str) -> bool {
        let ty = self.ty(v);
        if want.accepts(&ty) {
            return true;
        }
        self.mismatch(span, want.describe(), &ty, context);
        false
    }

    /// A lowered expression as one value, reporting records, tuples and
    /// calls without a value.
    pub fn single(&mut self, lowered: Lowered, e: &Expr) -> Option<Value> {
        match lowered {
            Lowered::Value(v) => Some(v),
            Lowered::Error => None,
            Lowered::Record(record) => {
                let names = record.names();
                let first = names.first().copied().unwrap_or("output");
                let what = match &e.kind {
                    ExprKind::Name(n) => format!("`{n}` holds"),
                    _ => "this is".to_string(),
                };
                let d = Diagnostic::error(
                    codes::NOT_A_SINGLE_VALUE,
                    format!(
                        "{what} the outputs of model `{}`, not one value",
                        record.model
                    ),
                )
                .with_primary(e.span, format!("outputs: {}", names.join(", ")))
                .with_suggestion(
                    "pick an output by name",
                    e.span,
                    format!("{}.{first}", self.text(e.span)),
                );
                self.report(d);
                None
            }
            Lowered::Tuple(values) => {
                let d = Diagnostic::error(
                    codes::NOT_A_SINGLE_VALUE,
                    format!("this gives {} values, not one", values.len()),
                )
                .with_primary(e.span, format!("{} values", values.len()))
                .with_help(format!(
                    "bind them to names: `{} = ...`",
                    (0..values.len())
                        .map(|i| format!("v{i}"))
                        .collect::<Vec<_>>()
                        .join(", ")
                ));
                self.report(d);
                None
            }
            Lowered::Nothing(callee) => {
                let d = Diagnostic::error(
                    codes::NOT_A_SINGLE_VALUE,
                    format!("`{callee}(...)` gives no value"),
                )
                .with_primary(e.span, "used as a value here");
                self.report(d);
                None
            }
        }
    }

    /// The source text of a span (for suggestions).
    pub fn text(&self, span: Span) -> String {
        self.cx
            .source
            .get(span.range())
            .unwrap_or_default()
            .to_string()
    }
}
