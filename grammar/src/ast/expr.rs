//! Expressions.

use super::{Ident, Key, Span};

#[derive(Debug, Clone, PartialEq)]
pub struct Expr {
    pub kind: ExprKind,
    pub span: Span,
    /// The height of the tree under this node, 1 for a leaf. The parser
    /// keeps it at most [`MAX_EXPR_DEPTH`].
    pub depth: u32,
}

/// How deep an expression tree may be: far above what a plan writes (a
/// 100-term sum is 100 deep), far below what the recursive passes after
/// parsing (and the tree's drop) can take on a thread's stack.
pub const MAX_EXPR_DEPTH: u32 = 256;

impl ExprKind {
    /// 1 + the depth of the deepest direct child.
    pub fn depth(&self) -> u32 {
        let boxed = |e: &Option<Box<Expr>>| e.as_ref().map_or(0, |e| e.depth);
        let deepest = |es: &mut dyn Iterator<Item = &Expr>| es.map(|e| e.depth).max().unwrap_or(0);
        1 + match self {
            ExprKind::Int(_)
            | ExprKind::Float(_)
            | ExprKind::Str(_)
            | ExprKind::Bool(_)
            | ExprKind::Name(_)
            | ExprKind::Error => 0,
            ExprKind::List(items) => deepest(&mut items.iter()),
            ExprKind::Dict(entries) => deepest(&mut entries.iter().map(|e| &e.value)),
            ExprKind::Unary { operand, .. } => operand.depth,
            ExprKind::Binary { lhs, rhs, .. } => lhs.depth.max(rhs.depth),
            ExprKind::Call { args, .. } => deepest(&mut args.iter().map(|a| &a.value)),
            ExprKind::Method { receiver, args, .. } => receiver
                .depth
                .max(deepest(&mut args.iter().map(|a| &a.value))),
            ExprKind::Field { base, .. } => base.depth,
            ExprKind::Index { base, indices } => base.depth.max(deepest(&mut indices.iter())),
            ExprKind::Range { start, end } => boxed(start).max(boxed(end)),
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub enum ExprKind {
    Int(i64),
    Float(f64),
    Str(String),
    Bool(bool),
    /// A variable, model, builtin or predeclared constant (`f32`).
    Name(String),
    /// `[a, b, c]`
    List(Vec<Expr>),
    /// `{ key: value, ... }`
    Dict(Vec<DictEntry>),
    Unary {
        op: UnaryOp,
        operand: Box<Expr>,
    },
    Binary {
        op: BinaryOp,
        lhs: Box<Expr>,
        rhs: Box<Expr>,
    },
    /// `name(args)`: a builtin, a model run or an extern function call.
    Call {
        callee: Ident,
        args: Vec<Arg>,
    },
    /// `receiver.method(args)`: a method of an external object.
    Method {
        receiver: Box<Expr>,
        method: Ident,
        args: Vec<Arg>,
    },
    /// `base.field`
    Field {
        base: Box<Expr>,
        field: Ident,
    },
    /// `base[i]`, `base[0, -1]`, `base[1..3, ..]`, `base["key"]`
    Index {
        base: Box<Expr>,
        indices: Vec<Expr>,
    },
    /// `start..end` with either bound optional; only in indices and `for` loops.
    Range {
        start: Option<Box<Expr>>,
        end: Option<Box<Expr>>,
    },
    /// An expression that could not be parsed (already reported).
    Error,
}

/// A call argument: positional (`x`) or keyword (`axis: 1`).
#[derive(Debug, Clone, PartialEq)]
pub struct Arg {
    pub name: Option<Key>,
    pub value: Expr,
    pub span: Span,
}

/// `key: value` in a dictionary literal.
#[derive(Debug, Clone, PartialEq)]
pub struct DictEntry {
    pub key: Key,
    pub value: Expr,
    pub span: Span,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum UnaryOp {
    /// `-x`
    Neg,
    /// `not x`
    Not,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum BinaryOp {
    Add,
    Sub,
    Mul,
    Div,
    Rem,
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
    And,
    Or,
}

impl UnaryOp {
    pub fn symbol(self) -> &'static str {
        match self {
            UnaryOp::Neg => "-",
            UnaryOp::Not => "not",
        }
    }
}

impl BinaryOp {
    pub fn symbol(self) -> &'static str {
        match self {
            BinaryOp::Add => "+",
            BinaryOp::Sub => "-",
            BinaryOp::Mul => "*",
            BinaryOp::Div => "/",
            BinaryOp::Rem => "%",
            BinaryOp::Eq => "==",
            BinaryOp::Ne => "!=",
            BinaryOp::Lt => "<",
            BinaryOp::Le => "<=",
            BinaryOp::Gt => ">",
            BinaryOp::Ge => ">=",
            BinaryOp::And => "and",
            BinaryOp::Or => "or",
        }
    }

    /// Binding strength: higher binds tighter. `or` 1, `and` 2, (`not` 3),
    /// comparisons 4, `+ -` 5, `* / %` 6, (unary `-` 7, postfix 8).
    pub fn precedence(self) -> u8 {
        match self {
            BinaryOp::Or => 1,
            BinaryOp::And => 2,
            BinaryOp::Eq
            | BinaryOp::Ne
            | BinaryOp::Lt
            | BinaryOp::Le
            | BinaryOp::Gt
            | BinaryOp::Ge => 4,
            BinaryOp::Add | BinaryOp::Sub => 5,
            BinaryOp::Mul | BinaryOp::Div | BinaryOp::Rem => 6,
        }
    }

    pub fn is_comparison(self) -> bool {
        self.precedence() == 4
    }
}

impl Expr {
    /// The binding strength of the expression's outermost operator, as in
    /// [`BinaryOp::precedence`]; atoms and postfix forms are 8.
    pub fn precedence(&self) -> u8 {
        match &self.kind {
            ExprKind::Binary { op, .. } => op.precedence(),
            ExprKind::Unary {
                op: UnaryOp::Not, ..
            } => 3,
            ExprKind::Unary {
                op: UnaryOp::Neg, ..
            } => 7,
            ExprKind::Range { .. } => 0,
            _ => 8,
        }
    }
}
