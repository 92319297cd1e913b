//! Statements and blocks.

use super::{Expr, Ident, Key, Span, Type};

/// `{ STATEMENTS }`
#[derive(Debug, Clone, PartialEq)]
pub struct Block {
    pub stmts: Vec<Stmt>,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Stmt {
    pub kind: StmtKind,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq)]
pub enum StmtKind {
    /// `model NAME [SIGNATURE] = SOURCE`
    Model(ModelDecl),
    /// `a = e`, `a, b = e`, `_, b = e`. Reassigning a name inside a loop makes
    /// it loop-carried.
    Assign {
        targets: Vec<Target>,
        value: Expr,
    },
    /// An expression evaluated for its effect, e.g. `print(x)`.
    Expr(Expr),
    If(If),
    /// `for BINDING in ITER { BODY }`; `ITER` is a range `a..b` or a value
    /// whose first axis is iterated.
    For {
        binding: Target,
        iter: Expr,
        body: Block,
    },
    /// `repeat COUNT { BODY }`
    Repeat {
        count: Expr,
        body: Block,
    },
    /// `break` or `break if CONDITION`
    Break {
        condition: Option<Expr>,
    },
    /// `halt`
    Halt,
    /// `return`, `return e`, `return { name: e, ... }`
    Return {
        value: Option<Expr>,
    },
    /// A statement that could not be parsed (already reported).
    Error,
}

/// A name bound by an assignment or a `for` loop.
#[derive(Debug, Clone, PartialEq)]
pub enum Target {
    Name(Ident),
    /// `_`: the value is discarded.
    Discard(Span),
}

impl Target {
    pub fn span(&self) -> Span {
        match self {
            Target::Name(ident) => ident.span,
            Target::Discard(span) => *span,
        }
    }
}

/// `if CONDITION { THEN } [else ELSE]`
#[derive(Debug, Clone, PartialEq)]
pub struct If {
    pub condition: Expr,
    pub then_block: Block,
    pub else_branch: Option<Else>,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Else {
    Block(Block),
    If(Box<If>),
}

/// `model NAME = SOURCE` or `model NAME(INPUTS) -> (OUTPUTS) = SOURCE`.
#[derive(Debug, Clone, PartialEq)]
pub struct ModelDecl {
    pub name: Ident,
    /// A declared signature makes runs of the model static.
    pub signature: Option<ModelSignature>,
    /// Usually `load("path.onnx", ...)`.
    pub source: Expr,
    pub span: Span,
}

/// `(INPUTS) -> (OUTPUTS)`
#[derive(Debug, Clone, PartialEq)]
pub struct ModelSignature {
    pub inputs: Vec<Port>,
    pub outputs: Vec<Port>,
    pub span: Span,
}

/// One model input or output: `name: type` or `"onnx.name": type`.
#[derive(Debug, Clone, PartialEq)]
pub struct Port {
    pub name: Key,
    pub ty: Option<Type>,
    pub span: Span,
}
