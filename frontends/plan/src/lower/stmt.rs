//! Statements: blocks (with unreachable-code detection), assignments,
//! expression statements, `halt` and `return`.

use omex_diagnostics::{Diagnostic, Span};
use omex_ir::{Op, Type};
use omex_plan_syntax::ast::{Expr, ExprKind, Ident, Stmt, StmtKind, Target};

use super::{Lowered, Lowerer, builtins};
use crate::codes;
use crate::scope::Binding;
use crate::types::dtype_by_name;

/// How a block ends control flow.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ends {
    /// `halt` or `return`: the region's last instruction is a terminator.
    Plan,
    /// An unconditional `break`: the loop is left, the region still yields.
    Loop,
}

/// Where and how a block stopped.
#[derive(Debug, Clone, Copy)]
pub struct Stop {
    pub ends: Ends,
    pub span: Span,
    pub what: &'static str,
}

impl Lowerer<'_> {
    /// Lowers statements in order. Statements after one that ends control
    /// flow are reported once (and still checked).
    pub fn stmts(&mut self, stmts: &[Stmt]) -> Option<Stop> {
        let mut stop: Option<Stop> = None;
        let mut reported = false;
        for stmt in stmts {
            if let Some(s) = stop
                && !reported
                && !matches!(stmt.kind, StmtKind::Error)
            {
                reported = true;
                let d = Diagnostic::error(codes::UNREACHABLE_CODE, "unreachable statement")
                    .with_primary(stmt.span, "this statement can never run")
                    .with_secondary(s.span, s.what)
                    .with_help("remove it, or move it before the statement that ends the block");
                self.report(d);
            }
            let here = self.stmt(stmt);
            if stop.is_none() {
                stop = here;
            }
        }
        stop
    }

    fn stmt(&mut self, stmt: &Stmt) -> Option<Stop> {
        match &stmt.kind {
            StmtKind::Model(decl) => {
                self.declare_model(decl);
                None
            }
            StmtKind::Assign { targets, value } => {
                self.assign(targets, value);
                None
            }
            StmtKind::Expr(e) => {
                let _ = self.expr_n(e, 0);
                None
            }
            StmtKind::If(if_) => self.lower_if(if_),
            StmtKind::For {
                binding,
                iter,
                body,
            } => {
                self.lower_for(binding, iter, body, stmt.span);
                None
            }
            StmtKind::Repeat { count, body } => {
                self.lower_repeat(count, body, stmt.span);
                None
            }
            StmtKind::Break { condition } => self.lower_break(condition.as_ref(), stmt.span),
            StmtKind::Halt => {
                self.emit0(Op::Halt, Vec::new(), stmt.span);
                Some(Stop {
                    ends: Ends::Plan,
                    span: stmt.span,
                    what: "`halt` stops the plan here",
                })
            }
            StmtKind::Return { value } => {
                self.lower_return(value.as_ref(), stmt.span);
                Some(Stop {
                    ends: Ends::Plan,
                    span: stmt.span,
                    what: "`return` ends the plan here",
                })
            }
            StmtKind::Error => None,
        }
    }

    // ------------------------------------------------------------ assignment

    fn assign(&mut self, targets: &[Target], value: &Expr) {
        if let [target] = targets {
            let lowered = self.expr(value);
            if let Target::Name(ident) = target {
                self.bind(ident, lowered, value);
            }
            return;
        }
        let n = targets.len();
        let lowered = self.expr_n(value, n);
        let values = match lowered {
            Lowered::Tuple(values) if values.len() == n => values,
            // A static model run's outputs, in the model's order.
            Lowered::Record(r) if r.outputs.len() == n => {
                r.outputs.iter().map(|(_, v)| *v).collect()
            }
            Lowered::Error => {
                for t in targets {
                    if let Target::Name(ident) = t {
                        self.bind(ident, Lowered::Error, value);
                    }
                }
                return;
            }
            other => {
                let found = match &other {
                    Lowered::Tuple(vs) => format!("{} values", vs.len()),
                    Lowered::Record(r) => {
                        format!("{} outputs ({})", r.outputs.len(), r.names().join(", "))
                    }
                    Lowered::Nothing(_) => "no value".to_string(),
                    _ => "one value".to_string(),
                };
                let d = Diagnostic::error(
                    codes::DESTRUCTURE_COUNT,
                    format!("{n} names are assigned, but the value gives {found}"),
                )
                .with_primary(value.span, format!("gives {found}"))
                .with_secondary(
                    targets[0].span().to(targets[n - 1].span()),
                    format!("{n} names"),
                );
                self.report(d);
                for t in targets {
                    if let Target::Name(ident) = t {
                        self.bind(ident, Lowered::Error, value);
                    }
                }
                return;
            }
        };
        for (t, v) in targets.iter().zip(values) {
            if let Target::Name(ident) = t {
                self.bind(ident, Lowered::Value(v), value);
            }
        }
    }

    /// Binds a name to a lowered value, checking that the name may be assigned.
    pub fn bind(&mut self, ident: &Ident, lowered: Lowered, value: &Expr) {
        let name = ident.name.as_str();
        if self.reserved(ident) {
            // A function's name now stands for an erroneous value, so its
            // later uses report nothing more (calls still reach the function).
            // Models and dtype names keep their meaning.
            if builtins::find(name).is_some() || self.cx.externs.contains_key(name) {
                self.st.scopes.assign(name, Binding::Poison, ident.span);
            }
            return;
        }
        let binding = match lowered {
            Lowered::Value(v) => {
                self.name_value(v, name);
                Binding::Value(v)
            }
            Lowered::Record(r) => Binding::Record(r),
            Lowered::Error => Binding::Poison,
            other @ (Lowered::Tuple(_) | Lowered::Nothing(_)) => {
                let _ = self.single(other, value);
                Binding::Poison
            }
        };
        self.st.scopes.assign(name, binding, ident.span);
    }

    /// Reports an assignment to a model, a builtin or a predeclared name.
    fn reserved(&mut self, ident: &Ident) -> bool {
        let name = ident.name.as_str();
        let model = self.st.scopes.lookup(name).and_then(|b| match b.binding {
            Binding::Value(v) if matches!(self.ty(v), Type::Model) => Some(b.def),
            _ => None,
        });
        let d = if let Some(def) = model {
            Diagnostic::error(
                codes::ASSIGN_TO_RESERVED,
                format!("cannot assign to `{name}`: it is a model"),
            )
            .with_primary(ident.span, "assignment to a model")
            .with_secondary(def, "the model is declared here")
            .with_help(format!("use another name, e.g. `{name}_out`"))
        } else if builtins::find(name).is_some() || self.cx.externs.contains_key(name) {
            Diagnostic::error(
                codes::ASSIGN_TO_RESERVED,
                format!("cannot assign to `{name}`: it is a function"),
            )
            .with_primary(ident.span, "a function's name")
            .with_help(format!("use another name, e.g. `{name}_value`"))
        } else if dtype_by_name(name).is_some() {
            Diagnostic::error(
                codes::ASSIGN_TO_RESERVED,
                format!("cannot assign to `{name}`: it names a dtype"),
            )
            .with_primary(ident.span, "a predeclared name")
            .with_help("use another name")
        } else {
            return false;
        };
        self.report(d);
        true
    }

    // ------------------------------------------------------------ return

    fn lower_return(&mut self, value: Option<&Expr>, span: Span) {
        let mut names: Vec<String> = Vec::new();
        let mut values = Vec::new();
        let mut ok = true;
        match value.map(|e| (e, &e.kind)) {
            None => {}
            Some((_, ExprKind::Dict(entries))) => {
                let mut seen: Vec<(&str, Span)> = Vec::new();
                for entry in entries {
                    if let Some((_, first)) = seen.iter().find(|(n, _)| *n == entry.key.name) {
                        let d = Diagnostic::error(
                            codes::DUPLICATE_DEFINITION,
                            format!("the return value `{}` is named twice", entry.key.name),
                        )
                        .with_primary(entry.key.span, "named again here")
                        .with_secondary(*first, "first named here");
                        self.report(d);
                        ok = false;
                    }
                    seen.push((&entry.key.name, entry.key.span));
                    match self.returned(&entry.value) {
                        Some(v) => values.push(v),
                        None => ok = false,
                    }
                    names.push(entry.key.name.clone());
                }
            }
            Some((e, kind)) => {
                let name = match kind {
                    ExprKind::Name(n) => n.clone(),
                    _ => "result".to_string(),
                };
                match self.returned(e) {
                    Some(v) => values.push(v),
                    None => ok = false,
                }
                names.push(name);
            }
        }
        if !ok {
            names.clear();
            values.clear();
        }
        self.emit0(Op::Return { names }, values, span);
    }

    fn returned(&mut self, e: &Expr) -> Option<omex_ir::Value> {
        self.value_want(e, crate::types::Want::Value, "for a returned value")
    }
}
