//! Structured control flow: `if`, `repeat`, `for`, `break`.
//!
//! A name defined before a loop and assigned anywhere inside it (nested
//! blocks included) is *carried*: a parameter of the loop body, yielded at
//! the end of each iteration, passed by every `break`, and bound to the
//! loop's result afterwards. A name defined before an `if` and assigned in
//! a branch becomes a result of the `if`; a branch that does not assign it
//! yields the outer binding.
//!
//! A carried value's type is the join of its types at the start, at each
//! `break` and at the end of the body. When the body changes it (a sequence
//! that grows by one token per step), the body is lowered again with the
//! wider type, from a snapshot of the state, until the types settle.

use omex_diagnostics::{Diagnostic, Span};
use omex_ir::{Op, Type, Value, ValueData, ValueDef};
use omex_mep::Constant;
use omex_mep::subtype::{BinaryOp, InfoOp};
use omex_plan_syntax::ast::{Block, Else, Expr, ExprKind, If, StmtKind, Target};

use super::builtins::lit_int;
use super::stmt::{Ends, Stop};
use super::{LoopCtx, Lowerer};
use crate::codes;
use crate::scope::{Binding, FrameKind, assigned_names};
use crate::types::{Want, element_type, join};

/// How many times a loop body may be lowered while its carried types widen.
const MAX_ATTEMPTS: usize = 4;
/// Below this loop depth a body may be lowered again (deeper: widen at once).
const MAX_RETRY_DEPTH: usize = 6;

/// The value a name has at the end of a region.
#[derive(Debug, Clone, Copy)]
struct Carried {
    value: Value,
    poisoned: bool,
}

/// What a loop binds on each iteration.
enum LoopVar<'e> {
    None,
    /// `for i in a..b`: `i = start + index` (`start` absent: 0).
    Range {
        target: &'e Target,
        start: Option<Value>,
    },
    /// `for x in xs`: `x = xs[index]`.
    Each {
        target: &'e Target,
        seq: Value,
    },
}

impl Lowerer<'_> {
    /// The names of `names` that are bound (and are not models) here.
    fn outer_names(&self, names: Vec<String>, except: Option<&str>) -> Vec<String> {
        names
            .into_iter()
            .filter(|n| Some(n.as_str()) != except)
            .filter(|n| match self.st.scopes.lookup(n).map(|b| &b.binding) {
                Some(Binding::Value(v)) => !matches!(self.ty(*v), Type::Model),
                Some(_) => true,
                None => false,
            })
            .collect()
    }

    /// The current values of `names`, for a `yield` or a `break`.
    fn current(&mut self, names: &[String], span: Span) -> Vec<Carried> {
        let mut out = Vec::with_capacity(names.len());
        for name in names {
            let bound = self.st.scopes.lookup(name).cloned();
            let carried = match bound.map(|b| (b.binding, b.def)) {
                Some((Binding::Value(value), _)) => Carried {
                    value,
                    poisoned: false,
                },
                Some((Binding::Record(r), def)) => {
                    let d = Diagnostic::error(
                        codes::INCOMPATIBLE_BRANCH_TYPES,
                        format!("`{name}` holds the outputs of model `{}` and cannot change in a loop or `if`", r.model),
                    )
                    .with_primary(def, "defined here")
                    .with_help(format!("pick the outputs you need, e.g. `{name} = ...{}`", r.names().first().map(|n| format!(".{n}")).unwrap_or_default()));
                    self.report(d);
                    Carried {
                        value: self.dummy(span),
                        poisoned: true,
                    }
                }
                _ => Carried {
                    value: self.dummy(span),
                    poisoned: true,
                },
            };
            out.push(carried);
        }
        out
    }

    /// Joins the types a name has at a merge (`first` is its binding before
    /// the loop or `if`); reports incompatible ones.
    fn merge_types(
        &mut self,
        name: &str,
        first: (Type, Value),
        others: &[(Type, Value)],
        region: &str,
    ) -> Option<Type> {
        let mut ty = first.0.clone();
        for (t, v) in others {
            match join(&ty, t) {
                Some(j) => ty = j,
                None => {
                    let here = self.st.module.value_span(*v);
                    let there = self.st.module.value_span(first.1);
                    let mut d = Diagnostic::error(
                        codes::INCOMPATIBLE_BRANCH_TYPES,
                        format!(
                            "`{name}` changes type in this {region}: `{}` before it, `{t}` inside",
                            first.0
                        ),
                    );
                    if let Some(s) = here {
                        d = d.with_primary(s, format!("`{name}` becomes `{t}` here"));
                    }
                    if let Some(s) = there {
                        d = d.with_secondary(s, format!("`{name}` is `{}` here", first.0));
                    }
                    d = d.with_help("a name keeps one type across loop iterations and branches; use another name for the new value");
                    self.report(d);
                    return None;
                }
            }
        }
        Some(ty)
    }

    // ------------------------------------------------------------ if

    pub fn lower_if(&mut self, if_: &If) -> Option<Stop> {
        let plain_break = if_.else_branch.is_none()
            && matches!(if_.then_block.stmts.as_slice(), [s] if matches!(s.kind, StmtKind::Break { condition: None }))
            && !self.st.loops.is_empty();
        let cond = self.value_want(&if_.condition, Want::Bool, "for the condition of `if`");
        if plain_break {
            // `if c { break }` is one conditional break.
            let cond = cond.unwrap_or_else(|| self.dummy(if_.span));
            self.break_if(cond, if_.then_block.stmts[0].span);
            return None;
        }
        let cond = cond.unwrap_or_else(|| self.dummy(if_.span));
        let mut assigned = assigned_names(&if_.then_block);
        match &if_.else_branch {
            Some(Else::Block(b)) => assigned.extend(assigned_names(b)),
            Some(Else::If(nested)) => assigned.extend(if_names(nested)),
            None => {}
        }
        let mut names = self.outer_names(assigned, None);
        let mut seen = Vec::new();
        names.retain(|n| {
            let new = !seen.contains(n);
            seen.push(n.clone());
            new
        });
        let before = self.current(&names, if_.span);
        let then_block = self.st.module.create_block();
        let else_block = self.st.module.create_block();
        let op = Op::If {
            then_block,
            else_block,
        };
        let inst = self.append(op, vec![cond], Vec::new(), if_.span);
        let saved = self.st.block;
        let then = self.branch(then_block, if_.then_block.span, &names, |s| {
            s.stmts(&if_.then_block.stmts)
        });
        let other = match &if_.else_branch {
            Some(Else::Block(b)) => self.branch(else_block, b.span, &names, |s| s.stmts(&b.stmts)),
            Some(Else::If(nested)) => {
                self.branch(else_block, nested.span, &names, |s| s.lower_if(nested))
            }
            None => self.branch(else_block, if_.span, &names, |_| None),
        };
        self.st.block = saved;
        let yielding: Vec<&Vec<Carried>> = [&then.1, &other.1].into_iter().flatten().collect();
        if !yielding.is_empty() {
            for (i, name) in names.iter().enumerate() {
                let vals: Vec<(Type, Value)> = yielding
                    .iter()
                    .map(|y| (self.ty(y[i].value), y[i].value))
                    .collect();
                let poisoned = yielding.iter().any(|y| y[i].poisoned) || before[i].poisoned;
                let first = (self.ty(before[i].value), before[i].value);
                let ty = self
                    .merge_types(name, first, &vals, "`if`")
                    .unwrap_or(Type::Any);
                let index = self.st.module.insts[inst].results.len() as u16;
                let result = self.st.module.values.push(ValueData {
                    ty,
                    def: ValueDef::Result(inst, index),
                });
                self.st.module.insts[inst].results.push(result);
                let binding = if poisoned {
                    Binding::Poison
                } else {
                    self.name_value(result, name);
                    Binding::Value(result)
                };
                self.st.scopes.assign(name, binding, if_.span);
            }
        }
        match (then.0, other.0) {
            (Some(a), Some(b)) => Some(Stop {
                ends: if a.ends == Ends::Plan && b.ends == Ends::Plan {
                    Ends::Plan
                } else {
                    Ends::Loop
                },
                span: if_.span,
                what: "every branch of this `if` ends the block",
            }),
            _ => None,
        }
    }

    /// Lowers one region of an `if`; yields `names` unless it ends the plan.
    fn branch(
        &mut self,
        block: omex_ir::Block,
        span: Span,
        names: &[String],
        lower: impl FnOnce(&mut Self) -> Option<Stop>,
    ) -> (Option<Stop>, Option<Vec<Carried>>) {
        self.st.block = block;
        self.st.scopes.push(FrameKind::Branch, span);
        let stop = lower(self);
        let yields = if stop.is_some_and(|s| s.ends == Ends::Plan) {
            None
        } else {
            let values = self.current(names, span);
            let args = values.iter().map(|c| c.value).collect();
            self.emit0(Op::Yield, args, span);
            Some(values)
        };
        self.st.scopes.pop();
        (stop, yields)
    }

    // ------------------------------------------------------------ loops

    pub fn lower_repeat(&mut self, count: &Expr, body: &Block, span: Span) {
        let count = self
            .value_want(count, Want::Int, "for the count of `repeat`")
            .unwrap_or_else(|| self.dummy(span));
        self.lower_loop(count, body, span, LoopVar::None);
    }

    pub fn lower_for(&mut self, target: &Target, iter: &Expr, body: &Block, span: Span) {
        match &iter.kind {
            ExprKind::Range {
                start: Some(start),
                end: Some(end),
            } => {
                let (ls, le) = (lit_int(start), lit_int(end));
                let (count, first) = match (ls, le) {
                    (Some(s), Some(e)) => {
                        let count = self.int(e.saturating_sub(s), iter.span);
                        let first = (s != 0).then(|| self.int(s, start.span));
                        (count, first)
                    }
                    _ => {
                        // A literal 0 start needs no value: the index is `i`.
                        let sv = match ls {
                            Some(0) => None,
                            _ => {
                                self.value_want(start, Want::Int, "for the start of a `for` range")
                            }
                        };
                        let ev = self.value_want(end, Want::Int, "for the end of a `for` range");
                        match (sv, ev) {
                            (None, Some(ev)) if ls == Some(0) => (ev, None),
                            (Some(sv), Some(ev)) => {
                                let count = self.emit(
                                    Op::Binary(BinaryOp::Sub),
                                    vec![ev, sv],
                                    Type::Int,
                                    iter.span,
                                );
                                (count, Some(sv))
                            }
                            _ => (self.dummy(span), None),
                        }
                    }
                };
                self.lower_loop(
                    count,
                    body,
                    span,
                    LoopVar::Range {
                        target,
                        start: first,
                    },
                );
            }
            ExprKind::Range { .. } => {
                let d = Diagnostic::error(
                    codes::TYPE_MISMATCH,
                    "a `for` range needs a start and an end",
                )
                .with_primary(iter.span, "open range");
                self.report(d);
                let dummy = self.dummy(span);
                self.lower_loop(dummy, body, span, LoopVar::None);
            }
            _ => {
                let seq = self.value_want(iter, Want::Sequence, "for the sequence of `for`");
                let (count, seq) = match seq {
                    Some(seq) => (
                        self.emit(Op::Info(InfoOp::Len), vec![seq], Type::Int, iter.span),
                        seq,
                    ),
                    None => {
                        let d = self.dummy(span);
                        (d, d)
                    }
                };
                self.lower_loop(count, body, span, LoopVar::Each { target, seq });
            }
        }
    }

    fn lower_loop(&mut self, count: Value, body: &Block, span: Span, var: LoopVar) {
        let target = match &var {
            LoopVar::Range { target, .. } | LoopVar::Each { target, .. } => Some(*target),
            LoopVar::None => None,
        };
        let var_name = match target {
            Some(Target::Name(ident)) => Some(ident.name.as_str()),
            _ => None,
        };
        let names = self.outer_names(assigned_names(body), var_name);
        let inits = self.current(&names, span);
        let mut types: Vec<Type> = inits.iter().map(|c| self.ty(c.value)).collect();
        let retry = self.st.loops.len() < MAX_RETRY_DEPTH;
        for attempt in 1..=MAX_ATTEMPTS {
            let snapshot = (retry && attempt < MAX_ATTEMPTS).then(|| self.st.clone());
            let body_block = self.st.module.create_block();
            let mut args = vec![count];
            args.extend(inits.iter().map(|c| c.value));
            let inst = self.append(Op::Loop { body: body_block }, args, types.clone(), span);
            let index = self.st.module.add_block_param(body_block, Type::Int);
            let params: Vec<Value> = types
                .iter()
                .map(|t| self.st.module.add_block_param(body_block, t.clone()))
                .collect();
            let saved = self.st.block;
            self.st.block = body_block;
            self.st.scopes.push(FrameKind::Loop, body.span);
            for ((name, &param), init) in names.iter().zip(&params).zip(&inits) {
                self.name_value(param, name);
                let binding = if init.poisoned {
                    Binding::Poison
                } else {
                    Binding::Value(param)
                };
                self.st.scopes.assign(name, binding, span);
            }
            self.st.loops.push(LoopCtx {
                carried: names.clone(),
                break_types: Vec::new(),
            });
            self.bind_loop_var(&var, index);
            let stop = self.stmts(&body.stmts);
            let yields = if stop.is_some_and(|s| s.ends == Ends::Plan) {
                None
            } else {
                let values = self.current(&names, body.span);
                let args = values.iter().map(|c| c.value).collect();
                self.emit0(Op::Yield, args, body.span);
                Some(values)
            };
            let ctx = self.st.loops.pop();
            self.st.scopes.pop();
            self.st.block = saved;

            // The carried types after this attempt.
            let mut widened = Vec::with_capacity(names.len());
            let mut failed = false;
            for (i, name) in names.iter().enumerate() {
                let mut others: Vec<(Type, Value)> = Vec::new();
                if let Some(y) = &yields {
                    others.push((self.ty(y[i].value), y[i].value));
                }
                for b in ctx.iter().flat_map(|c| &c.break_types) {
                    others.push((b[i].clone(), params[i]));
                }
                let first = (types[i].clone(), inits[i].value);
                let quiet = snapshot.is_some();
                let merged = if quiet {
                    others
                        .iter()
                        .try_fold(first.0.clone(), |acc, (t, _)| join(&acc, t))
                } else {
                    self.merge_types(name, first, &others, "loop")
                };
                match merged {
                    Some(t) => widened.push(t),
                    None => {
                        failed = true;
                        widened.push(Type::Any);
                    }
                }
            }
            if widened != types
                && let Some(snapshot) = snapshot
            {
                // Lower the body again with the wider types (or, after a type
                // conflict, once more without a snapshot to report it).
                self.st = snapshot;
                if !failed {
                    types = widened;
                }
                continue;
            }
            if failed && let Some(snapshot) = snapshot {
                self.st = snapshot;
                continue;
            }
            for (i, t) in widened.iter().enumerate() {
                self.st.module.values[params[i]].ty = t.clone();
                let result = self.st.module.insts[inst].results[i];
                self.st.module.values[result].ty = t.clone();
            }
            let results = self.st.module.insts[inst].results.clone();
            for (i, name) in names.iter().enumerate() {
                let poisoned = inits[i].poisoned || yields.as_ref().is_some_and(|y| y[i].poisoned);
                let binding = if poisoned {
                    Binding::Poison
                } else {
                    self.name_value(results[i], name);
                    Binding::Value(results[i])
                };
                self.st.scopes.assign(name, binding, span);
            }
            return;
        }
    }

    fn bind_loop_var(&mut self, var: &LoopVar, index: Value) {
        let (target, value) = match var {
            LoopVar::None => return,
            LoopVar::Range { target, start } => {
                let Target::Name(ident) = target else {
                    return;
                };
                let value = match start {
                    None => index,
                    Some(s) => self.emit(
                        Op::Binary(BinaryOp::Add),
                        vec![*s, index],
                        Type::Int,
                        ident.span,
                    ),
                };
                (ident, value)
            }
            LoopVar::Each { target, seq } => {
                let Target::Name(ident) = target else {
                    return;
                };
                let ty = element_type(&self.ty(*seq));
                (
                    ident,
                    self.emit(Op::Extract, vec![*seq, index], ty, ident.span),
                )
            }
        };
        self.name_value(value, &target.name);
        self.st
            .scopes
            .define_local(&target.name, Binding::Value(value), target.span);
    }

    // ------------------------------------------------------------ break

    pub fn lower_break(&mut self, condition: Option<&Expr>, span: Span) -> Option<Stop> {
        if self.st.loops.is_empty() {
            if let Some(c) = condition {
                let _ = self.value(c);
            }
            let d = Diagnostic::error(codes::BREAK_OUTSIDE_LOOP, "`break` outside a loop")
                .with_primary(span, "not inside `repeat` or `for`")
                .with_help("to stop the whole plan, use `halt`");
            self.report(d);
            return None;
        }
        let cond = match condition {
            Some(c) => self
                .value_want(c, Want::Bool, "for the condition of `break if`")
                .unwrap_or_else(|| self.dummy(span)),
            None => self.konst(Constant::Bool(true), span),
        };
        self.break_if(cond, span);
        condition.is_none().then_some(Stop {
            ends: Ends::Loop,
            span,
            what: "`break` leaves the loop here",
        })
    }

    fn break_if(&mut self, cond: Value, span: Span) {
        let names = self
            .st
            .loops
            .last()
            .map(|l| l.carried.clone())
            .unwrap_or_default();
        let values = self.current(&names, span);
        let types = values.iter().map(|c| self.ty(c.value)).collect();
        if let Some(l) = self.st.loops.last_mut() {
            l.break_types.push(types);
        }
        let mut args = vec![cond];
        args.extend(values.iter().map(|c| c.value));
        self.emit0(Op::BreakIf, args, span);
    }
}

/// The names assigned in an `if` chain.
fn if_names(if_: &If) -> Vec<String> {
    let mut names = assigned_names(&if_.then_block);
    match &if_.else_branch {
        Some(Else::Block(b)) => names.extend(assigned_names(b)),
        Some(Else::If(nested)) => names.extend(if_names(nested)),
        None => {}
    }
    names
}
