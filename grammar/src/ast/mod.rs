//! The syntax tree of a plan file.
//!
//! Every node carries the [`Span`] (file and byte range) of the source text it
//! was parsed from. The tree is plain data, independent of the parser: later
//! stages (name resolution, type checking, lowering to the IR) read it, and
//! [`crate::pretty`] prints it back as canonical source.
//!
//! Nodes produced by error recovery (`Item::Error`, `StmtKind::Error`,
//! `ExprKind::Error`) stand where the parser could not make sense of the
//! input; a diagnostic was reported for each, and later stages skip them
//! silently.

mod dump;
mod expr;
mod stmt;

pub(crate) use dump::type_text;
pub use dump::{DumpOptions, dump};
pub use expr::{Arg, BinaryOp, DictEntry, Expr, ExprKind, MAX_EXPR_DEPTH, UnaryOp};
pub use omex_diagnostics::Span;
pub use stmt::{Block, Else, If, ModelDecl, ModelSignature, Port, Stmt, StmtKind, Target};

/// A whole source file: plans and extern function declarations, in order.
#[derive(Debug, Clone, PartialEq)]
pub struct File {
    pub items: Vec<Item>,
    pub span: Span,
}

impl File {
    /// The plans of the file, in source order.
    pub fn plans(&self) -> impl Iterator<Item = &Plan> {
        self.items.iter().filter_map(|item| match item {
            Item::Plan(plan) => Some(plan),
            _ => None,
        })
    }
}

#[derive(Debug, Clone, PartialEq)]
pub enum Item {
    Plan(Plan),
    Extern(ExternFn),
    /// Text that could not be parsed as an item (already reported).
    Error(Span),
}

impl Item {
    pub fn span(&self) -> Span {
        match self {
            Item::Plan(plan) => plan.span,
            Item::Extern(ext) => ext.span,
            Item::Error(span) => *span,
        }
    }
}

/// `plan NAME(PARAMS) { BODY }`: one execution recipe.
#[derive(Debug, Clone, PartialEq)]
pub struct Plan {
    pub name: Ident,
    pub params: Vec<Param>,
    pub body: Block,
    pub span: Span,
}

/// `NAME [: TYPE] [= DEFAULT]`: a plan or extern function parameter.
#[derive(Debug, Clone, PartialEq)]
pub struct Param {
    pub name: Ident,
    pub ty: Option<Type>,
    pub default: Option<Expr>,
    pub span: Span,
}

/// `extern fn NAME(PARAMS) [-> RESULTS] [= "host.symbol"]`: a host function
/// that plans may call.
#[derive(Debug, Clone, PartialEq)]
pub struct ExternFn {
    pub name: Ident,
    pub params: Vec<Param>,
    /// The result types, in order; empty for a function called for its effect.
    pub results: Vec<Type>,
    /// The host symbol to call, when it differs from `name`.
    pub symbol: Option<StrLit>,
    pub span: Span,
}

/// A name as written in the source.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Ident {
    pub name: String,
    pub span: Span,
}

/// A string literal (its decoded value) where the grammar wants a literal,
/// not an expression.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StrLit {
    pub value: String,
    pub span: Span,
}

/// The name of a keyword argument, dictionary entry or model port: a name,
/// or a string for names that are not identifiers (`"input.1": x`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Key {
    pub name: String,
    /// Written as a string literal.
    pub quoted: bool,
    pub span: Span,
}

/// `NAME[<ARGS>][[DIMS]]`, e.g. `str`, `tensor<f32>`, `tensor<i64>[1, seq]`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Type {
    pub name: Ident,
    pub args: Vec<Type>,
    /// The shape, when written.
    pub shape: Option<Vec<Dim>>,
    pub span: Span,
}

/// One dimension of a tensor type's shape.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Dim {
    pub kind: DimKind,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DimKind {
    /// `768`
    Fixed(i64),
    /// `seq`: a symbolic size, equal wherever the same name appears.
    Named(String),
    /// `_`: any size.
    Any,
}
