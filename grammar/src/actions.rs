//! What the grammar's actions call: the parse context (file, source, the
//! errors recovered so far) and the node builders that also check the
//! syntactic rules an LR grammar expresses badly (assignment targets, chained
//! comparisons, argument order).

use std::cell::Cell;

use lalrpop_util::ErrorRecovery;
use omex_diagnostics::{Diagnostic, FileId, Span};

use crate::ast::*;
use crate::errors;
use crate::token::Token;

/// The lexer adapter never fails (lexical problems are reported beside the
/// token stream), so the parser's lexer error type has no values.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Void {}

/// A parse error the grammar recovered from.
pub type Recovered<'s> = ErrorRecovery<usize, Token<'s>, Void>;

/// State shared by the grammar's actions.
pub struct Ctx<'s> {
    pub file: FileId,
    pub source: &'s str,
    /// Errors the grammar recovered from (`!` rules), in order.
    pub recovered: Vec<Recovered<'s>>,
    /// Diagnostics built directly by actions.
    pub diags: Vec<Diagnostic>,
    /// The first expression deeper than [`MAX_EXPR_DEPTH`] (built as an
    /// error node instead).
    pub too_deep: Cell<Option<Span>>,
}

impl<'s> Ctx<'s> {
    pub fn new(file: FileId, source: &'s str) -> Self {
        Self {
            file,
            source,
            recovered: Vec::new(),
            diags: Vec::new(),
            too_deep: Cell::new(None),
        }
    }

    pub fn span(&self, start: usize, end: usize) -> Span {
        Span::new(self.file, start..end)
    }

    pub fn recover(&mut self, error: Recovered<'s>) {
        self.recovered.push(error);
    }

    fn text(&self, span: Span) -> &'s str {
        self.source.get(span.range()).unwrap_or("")
    }
}

/// One item on the left of `=`, before it is checked to be a target.
pub enum Lhs {
    Expr(Expr),
    Discard(Span),
}

pub fn ident(ctx: &Ctx<'_>, name: &str, l: usize, r: usize) -> Ident {
    Ident {
        name: name.to_string(),
        span: ctx.span(l, r),
    }
}

pub fn expr(ctx: &Ctx<'_>, kind: ExprKind, l: usize, r: usize) -> Expr {
    bounded(ctx, kind, ctx.span(l, r))
}

/// The node, or an error node where it would be deeper than
/// [`MAX_EXPR_DEPTH`] (its children are dropped: they are not too deep).
fn bounded(ctx: &Ctx<'_>, kind: ExprKind, span: Span) -> Expr {
    let depth = kind.depth();
    if depth > MAX_EXPR_DEPTH {
        if ctx.too_deep.get().is_none() {
            ctx.too_deep.set(Some(span));
        }
        return Expr {
            kind: ExprKind::Error,
            span,
            depth: 1,
        };
    }
    Expr { kind, span, depth }
}

pub fn unary(ctx: &Ctx<'_>, op: UnaryOp, operand: Expr, l: usize, r: usize) -> Expr {
    expr(
        ctx,
        ExprKind::Unary {
            op,
            operand: Box::new(operand),
        },
        l,
        r,
    )
}

pub fn binary(ctx: &Ctx<'_>, op: BinaryOp, lhs: Expr, rhs: Expr) -> Expr {
    let span = lhs.span.to(rhs.span);
    let kind = ExprKind::Binary {
        op,
        lhs: Box::new(lhs),
        rhs: Box::new(rhs),
    };
    bounded(
        ctx,
        kind,
        Span {
            file: ctx.file,
            ..span
        },
    )
}

/// `a < b < c ...`: reported, and parsed left to right so the tree is whole.
pub fn chained_comparison(
    ctx: &mut Ctx<'_>,
    first: Expr,
    op: BinaryOp,
    second: Expr,
    more: Vec<(usize, BinaryOp, usize, Expr)>,
) -> Expr {
    let whole = first.span.to(more.last().map_or(second.span, |m| m.3.span));
    if let Some((ol, _, or, _)) = more.first() {
        let first_text = format!(
            "{} {} {}",
            ctx.text(first.span),
            op.symbol(),
            ctx.text(second.span)
        );
        let mut fixed = first_text.clone();
        let mut prev = second.span;
        for (_, next_op, _, next) in &more {
            fixed.push_str(&format!(
                " and {} {} {}",
                ctx.text(prev),
                next_op.symbol(),
                ctx.text(next.span)
            ));
            prev = next.span;
        }
        let d = Diagnostic::error(
            errors::CHAINED_COMPARISON,
            "comparison operators cannot be chained",
        )
        .with_primary(ctx.span(*ol, *or), "a second comparison follows the first")
        .with_secondary(first.span.to(second.span), "the first comparison")
        .with_suggestion("compare each pair and combine with `and`", whole, fixed);
        ctx.diags.push(d);
    }
    let mut acc = binary(ctx, op, first, second);
    for (_, next_op, _, next) in more {
        acc = binary(ctx, next_op, acc, next);
    }
    acc
}

/// A bracketed expression that could not be parsed: an error node.
pub fn recovered<'s>(ctx: &mut Ctx<'s>, error: Recovered<'s>, l: usize, r: usize) -> Expr {
    ctx.recover(error);
    expr(ctx, ExprKind::Error, l, r)
}

/// `(e)`: the expression, its span widened to the parentheses.
pub fn parenthesized(ctx: &Ctx<'_>, mut e: Expr, l: usize, r: usize) -> Expr {
    e.span = ctx.span(l, r);
    e
}

pub fn call(ctx: &mut Ctx<'_>, callee: Ident, args: Vec<Arg>, l: usize, r: usize) -> Expr {
    check_arg_order(ctx, &args);
    expr(ctx, ExprKind::Call { callee, args }, l, r)
}

pub fn method(
    ctx: &mut Ctx<'_>,
    receiver: Expr,
    method: Ident,
    args: Vec<Arg>,
    l: usize,
    r: usize,
) -> Expr {
    check_arg_order(ctx, &args);
    expr(
        ctx,
        ExprKind::Method {
            receiver: Box::new(receiver),
            method,
            args,
        },
        l,
        r,
    )
}

fn check_arg_order(ctx: &mut Ctx<'_>, args: &[Arg]) {
    let Some(first_kw) = args.iter().position(|a| a.name.is_some()) else {
        return;
    };
    for arg in &args[first_kw..] {
        if arg.name.is_none() {
            let d = Diagnostic::error(
                errors::POSITIONAL_AFTER_KEYWORD,
                "positional argument after a keyword argument",
            )
            .with_primary(arg.span, "this positional argument")
            .with_secondary(args[first_kw].span, "follows this keyword argument")
            .with_help("put positional arguments first, or name this one");
            ctx.diags.push(d);
        }
    }
}

/// `lhs, ... = value`: every item must be a name or `_`.
pub fn assign(ctx: &mut Ctx<'_>, lhs: Vec<Lhs>, value: Expr) -> StmtKind {
    let mut targets = Vec::with_capacity(lhs.len());
    for item in lhs {
        match item {
            Lhs::Discard(span) => targets.push(Target::Discard(span)),
            Lhs::Expr(Expr {
                kind: ExprKind::Name(name),
                span,
                ..
            }) => targets.push(Target::Name(Ident { name, span })),
            Lhs::Expr(e) => {
                let what = match &e.kind {
                    ExprKind::Field { .. } => "a field",
                    ExprKind::Index { .. } => "an indexed element",
                    ExprKind::Call { .. } | ExprKind::Method { .. } => "a call",
                    ExprKind::Binary { op, .. } if op.is_comparison() => "a comparison",
                    ExprKind::Int(_)
                    | ExprKind::Float(_)
                    | ExprKind::Str(_)
                    | ExprKind::Bool(_) => "a literal",
                    _ => "this expression",
                };
                let help = match &e.kind {
                    ExprKind::Field { .. } | ExprKind::Index { .. } => {
                        "values are immutable: compute a new value and bind it to a name"
                    }
                    _ => "only names and `_` can be assigned; use `==` to compare",
                };
                let d = Diagnostic::error(
                    errors::INVALID_ASSIGN_TARGET,
                    format!("cannot assign to {what}"),
                )
                .with_primary(e.span, "not a name")
                .with_help(help);
                ctx.diags.push(d);
                targets.push(Target::Discard(e.span));
            }
        }
    }
    StmtKind::Assign { targets, value }
}

pub fn key(ctx: &Ctx<'_>, name: String, quoted: bool, l: usize, r: usize) -> Key {
    Key {
        name,
        quoted,
        span: ctx.span(l, r),
    }
}

pub fn dim_fixed(ctx: &Ctx<'_>, n: i64, l: usize, r: usize) -> Dim {
    Dim {
        kind: DimKind::Fixed(n),
        span: ctx.span(l, r),
    }
}
