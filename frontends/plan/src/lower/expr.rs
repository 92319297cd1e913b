//! Expressions: literals, names, fields, methods; the dispatch to operators,
//! calls, indexing and lists.

use omex_diagnostics::{Diagnostic, Span, suggest};
use omex_ir::{Op, Type, Value};
use omex_mep::Constant;
use omex_plan_syntax::ast::{Arg, Expr, ExprKind, Ident};
use omex_plan_syntax::token::KEYWORDS;

use super::{Lowered, Lowerer, builtins};
use crate::codes;
use crate::scope::{Binding, Record};
use crate::types::{Want, dtype_by_name, dtype_names};

/// Short names for the fields of a tokenizer encoding.
const ENCODING_ALIASES: &[(&str, &str)] = &[
    ("ids", "input_ids"),
    ("mask", "attention_mask"),
    ("type_ids", "token_type_ids"),
];

impl Lowerer<'_> {
    pub fn expr(&mut self, e: &Expr) -> Lowered {
        self.expr_n(e, 1)
    }

    /// Lowers an expression; a method call at the top gives `results` values
    /// (0 for a statement, several when destructured).
    pub fn expr_n(&mut self, e: &Expr, results: usize) -> Lowered {
        let span = e.span;
        match &e.kind {
            ExprKind::Int(n) => Lowered::Value(self.int(*n, span)),
            ExprKind::Float(f) => Lowered::Value(self.konst(Constant::Float(*f), span)),
            ExprKind::Str(s) => Lowered::Value(self.str_const(s, span)),
            ExprKind::Bool(b) => Lowered::Value(self.konst(Constant::Bool(*b), span)),
            ExprKind::Name(name) => self.name(name, span),
            ExprKind::List(items) => self.list(items, span),
            ExprKind::Dict(entries) => {
                let d = Diagnostic::error(
                    codes::DICT_OUTSIDE_RETURN,
                    "a dictionary literal can only be returned",
                )
                .with_primary(span, "not allowed here")
                .with_help("return named values with `return { name: value, ... }`; elsewhere use separate names");
                self.report(d);
                for entry in entries {
                    let _ = self.expr(&entry.value);
                }
                Lowered::Error
            }
            ExprKind::Unary { op, operand } => self.unary(*op, operand, span),
            ExprKind::Binary { op, lhs, rhs } => self.binary(*op, lhs, rhs, span),
            ExprKind::Call { callee, args } => self.call(callee, args, span),
            ExprKind::Method {
                receiver,
                method,
                args,
            } => self.method_call(receiver, method, args, span, results),
            ExprKind::Field { base, field } => self.field(base, field, span),
            ExprKind::Index { base, indices } => self.index(base, indices, span),
            ExprKind::Range { start, end } => {
                for bound in [start, end].into_iter().flatten() {
                    let _ = self.value(bound);
                }
                let d = Diagnostic::error(codes::TYPE_MISMATCH, "a range is not a value")
                    .with_primary(span, "a range here")
                    .with_note("ranges are written in `for i in a..b` and in indices, `x[1..3]`")
                    .with_help("for a tensor of the numbers, use `arange(a, b)`");
                self.report(d);
                Lowered::Error
            }
            ExprKind::Error => Lowered::Error,
        }
    }

    // ------------------------------------------------------------ names

    pub fn name(&mut self, name: &str, span: Span) -> Lowered {
        if let Some(bound) = self.st.scopes.lookup(name) {
            return match bound.binding.clone() {
                Binding::Value(v) => {
                    if self.used_after_unload(v, name, span) {
                        return Lowered::Error;
                    }
                    Lowered::Value(v)
                }
                Binding::Record(r) => Lowered::Record(r),
                Binding::Poison => Lowered::Error,
            };
        }
        if dtype_by_name(name).is_some() {
            return Lowered::Value(self.str_const(name, span));
        }
        if builtins::find(name).is_some() || self.cx.externs.contains_key(name) {
            let d = Diagnostic::error(
                codes::FUNCTION_AS_VALUE,
                format!("`{name}` is a function, not a value"),
            )
            .with_primary(span, "used as a value")
            .with_suggestion("call it", span, format!("{name}(...)"));
            self.report(d);
            return Lowered::Error;
        }
        self.unknown_name(name, span);
        Lowered::Error
    }

    /// Reports a use of a value freed by `unload`.
    pub fn used_after_unload(&mut self, v: Value, name: &str, span: Span) -> bool {
        let Some(&at) = self.st.unloaded.get(&v) else {
            return false;
        };
        let what = if matches!(self.ty(v), Type::Model) {
            "model"
        } else {
            "value"
        };
        let d = Diagnostic::error(
            codes::USED_AFTER_UNLOAD,
            format!("{what} `{name}` is used after it was unloaded"),
        )
        .with_primary(span, "used here")
        .with_secondary(at, "unloaded here")
        .with_help(format!(
            "move `unload({name})` after the last use of `{name}`"
        ));
        self.report(d);
        true
    }

    /// Reports an unknown (or no longer visible) name.
    pub fn unknown_name(&mut self, name: &str, span: Span) {
        if let Some(gone) = self.st.scopes.gone(name).cloned() {
            let region = match gone.kind {
                crate::scope::FrameKind::Loop => "loop",
                _ => "`if`",
            };
            let d = Diagnostic::error(
                codes::OUT_OF_SCOPE,
                format!("`{name}` is not visible here"),
            )
            .with_primary(span, "used here, outside the block that defines it")
            .with_secondary(gone.def, format!("`{name}` is defined here, {}", gone.kind.inside()))
            .with_secondary(gone.region, match gone.kind {
                crate::scope::FrameKind::Loop => "the loop body ends here",
                _ => "the branch ends here",
            })
            .with_note(format!(
                "a name first defined inside a {region} is local to it: after the {region}, it may have no value"
            ))
            .with_help(format!(
                "define `{name}` before the {region} (e.g. `{name} = 0`); the {region} then updates it, and its last value is visible afterwards"
            ));
            self.report(d);
            return;
        }
        if self.cx.lenient {
            return;
        }
        let visible = self.st.scopes.visible_names();
        let dtypes = dtype_names();
        let candidates = visible
            .iter()
            .copied()
            .chain(KEYWORDS.iter().copied())
            .chain(dtypes.iter().copied());
        let mut d = Diagnostic::error(codes::UNKNOWN_NAME, format!("unknown name `{name}`"))
            .with_primary(span, "not defined");
        if let Some(best) = suggest::closest(name, candidates) {
            d = d.with_suggestion(format!("did you mean `{best}`?"), span, best);
        } else if let Some(model) = self.st.models.iter().find(|m| m.name == name) {
            d = d.with_secondary(
                model.span,
                "a model of this name is declared here, in another block",
            );
        }
        self.report(d);
    }

    // ------------------------------------------------------------ fields

    fn field(&mut self, base: &Expr, field: &Ident, span: Span) -> Lowered {
        let lowered = self.expr(base);
        let v = match lowered {
            Lowered::Record(record) => {
                return match record.get(&field.name) {
                    Some(v) => Lowered::Value(v),
                    None => {
                        self.unknown_output(&record, &field.name, field.span);
                        Lowered::Error
                    }
                };
            }
            other => match self.single(other, base) {
                Some(v) => v,
                None => return Lowered::Error,
            },
        };
        let ty = self.ty(v);
        match &ty {
            Type::Dict(Some(fields)) => {
                let key = ENCODING_ALIASES
                    .iter()
                    .find(|(alias, full)| {
                        *alias == field.name && fields.iter().any(|(n, _)| n == full)
                    })
                    .map_or(field.name.as_str(), |(_, full)| full);
                match fields.iter().find(|(n, _)| n == key) {
                    Some((_, field_ty)) => {
                        let field_ty = field_ty.clone();
                        let k = self.str_const(key, field.span);
                        Lowered::Value(self.emit(Op::Extract, vec![v, k], field_ty, span))
                    }
                    None => {
                        let fields = fields.clone();
                        self.unknown_dict_field(base, &fields, &field.name, field.span);
                        Lowered::Error
                    }
                }
            }
            Type::Dict(None) | Type::Any => {
                let k = self.str_const(&field.name, field.span);
                Lowered::Value(self.emit(Op::Extract, vec![v, k], Type::Any, span))
            }
            _ => {
                let what = match &base.kind {
                    ExprKind::Name(n) => format!("`{n}`"),
                    _ => "this value".to_string(),
                };
                let mut d = Diagnostic::error(
                    codes::NOT_A_RECORD,
                    format!("{what} has no fields: it is `{ty}`"),
                )
                .with_primary(field.span, format!("no field `{}`", field.name))
                .with_secondary(base.span, format!("this is `{ty}`"));
                if matches!(ty, Type::Model) {
                    d = d.with_help(format!(
                        "run the model and pick an output: `{}(input: ...).{}`",
                        self.text(base.span),
                        field.name
                    ));
                } else if builtins::find(&field.name).is_some() {
                    d = d.with_suggestion(
                        format!("`{}` is a function", field.name),
                        span,
                        format!("{}({})", field.name, self.text(base.span)),
                    );
                } else {
                    d = d.with_note("fields exist on model results, tokenizer encodings and dicts");
                }
                self.report(d);
                Lowered::Error
            }
        }
    }

    pub fn unknown_output(&mut self, record: &Record, name: &str, span: Span) {
        let names = record.names();
        let mut d = Diagnostic::error(
            codes::UNKNOWN_FIELD,
            format!("model `{}` has no output `{name}`", record.model),
        )
        .with_primary(span, "unknown output")
        .with_note(format!("its outputs are {}", names.join(", ")));
        if let Some(best) = suggest::closest(name, names.iter().copied()) {
            d = d.with_suggestion(format!("did you mean `{best}`?"), span, best);
        }
        self.report(d);
    }

    pub fn unknown_dict_field(
        &mut self,
        base: &Expr,
        fields: &[(String, Type)],
        name: &str,
        span: Span,
    ) {
        let what = match &base.kind {
            ExprKind::Name(n) => format!("`{n}`"),
            _ => "this value".to_string(),
        };
        let list: Vec<String> = fields
            .iter()
            .map(
                |(n, _)| match ENCODING_ALIASES.iter().find(|(_, full)| full == n) {
                    Some((alias, _)) => format!("{n} (or .{alias})"),
                    None => n.clone(),
                },
            )
            .collect();
        let candidates = fields
            .iter()
            .map(|(n, _)| n.as_str())
            .chain(ENCODING_ALIASES.iter().map(|(a, _)| *a));
        let mut d = Diagnostic::error(
            codes::UNKNOWN_FIELD,
            format!("{what} has no field `{name}`"),
        )
        .with_primary(span, "unknown field")
        .with_note(format!("its fields are {}", list.join(", ")));
        let alias = ENCODING_ALIASES
            .iter()
            .find(|(a, full)| *a == name && fields.iter().any(|(n, _)| n == full))
            .map(|(_, full)| *full);
        if let Some(full) = alias {
            d = d.with_suggestion(
                format!("`.{name}` is short for `{full}`; a key must be written in full"),
                span,
                format!("\"{full}\""),
            );
        } else if let Some(best) = suggest::closest(name, candidates) {
            d = d.with_suggestion(format!("did you mean `{best}`?"), span, best);
        }
        self.report(d);
    }

    // ------------------------------------------------------------ methods

    fn method_call(
        &mut self,
        receiver: &Expr,
        method: &Ident,
        args: &[Arg],
        span: Span,
        results: usize,
    ) -> Lowered {
        let object = self.value(receiver);
        let mut values = Vec::new();
        let mut ok = object.is_some();
        for arg in args {
            if let Some(key) = &arg.name {
                let d = Diagnostic::error(
                    codes::UNKNOWN_KEYWORD,
                    format!(
                        "methods of host objects take positional arguments only, not `{}:`",
                        key.name
                    ),
                )
                .with_primary(key.span, "a keyword argument")
                .with_help("pass the value by position");
                self.report(d);
                ok = false;
            }
            match self.value_want(&arg.value, Want::Value, "for a method argument") {
                Some(v) => values.push(v),
                None => ok = false,
            }
        }
        let Some(object) = object else {
            return Lowered::Error;
        };
        let ty = self.ty(object);
        if !matches!(ty, Type::Opaque(_) | Type::Any) {
            let mut d = Diagnostic::error(codes::NOT_AN_OBJECT, format!("`{ty}` has no methods"))
                .with_primary(method.span, format!("no method `{}`", method.name))
                .with_secondary(receiver.span, format!("this is `{ty}`"))
                .with_note("only host objects, made by `component(...)`, have methods");
            if builtins::find(&method.name).is_some() {
                let mut parts = vec![self.text(receiver.span)];
                parts.extend(args.iter().map(|a| self.text(a.span)));
                d = d.with_suggestion(
                    format!("`{}` is a function", method.name),
                    span,
                    format!("{}({})", method.name, parts.join(", ")),
                );
            }
            self.report(d);
            return Lowered::Error;
        }
        if !ok {
            return Lowered::Error;
        }
        let mut all = vec![object];
        all.extend(values);
        let op = Op::CallMethod {
            name: method.name.clone(),
        };
        let inst = self.append(op, all, vec![Type::Any; results], span);
        let out = self.st.module.insts[inst].results.clone();
        match out.as_slice() {
            [] => Lowered::Nothing(format!("{}.{}", self.text(receiver.span), method.name)),
            [v] => Lowered::Value(*v),
            _ => Lowered::Tuple(out.to_vec()),
        }
    }
}
