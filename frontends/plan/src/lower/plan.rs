//! A plan: its parameters (command-line arguments, prompts, literal
//! defaults), then its body, which always ends with `return` or `halt`.

use omex_diagnostics::{Diagnostic, Span};
use omex_ir::{ArgDecl, Module, Op, Type};
use omex_mep::Constant;
use omex_mep::subtype::PromptType;
use omex_plan_syntax::ast::{Arg, ExprKind, Ident, Param, Plan};

use super::args::{self, ParamSpec, Signature};
use super::builtins::{lit_bool, lit_int, lit_num};
use super::{Ctx, Lowered, Lowerer};
use crate::annot::annotation;
use crate::codes;
use crate::scope::{Binding, FrameKind};

/// Checks and lowers one plan. The module is meaningful only when no error
/// was reported.
pub(crate) fn lower_plan(
    cx: Ctx,
    plan: &Plan,
    files: Vec<String>,
    diags: Vec<Diagnostic>,
) -> (Module, Vec<Diagnostic>) {
    let mut module = Module::new(plan.name.name.clone());
    module.files = files;
    let body = module.create_block();
    module.body = Some(body);
    let mut l = Lowerer::new(cx, module, body);
    l.st.diags = diags;
    l.st.scopes.push(FrameKind::Plan, plan.body.span);
    l.params(&plan.params);
    l.stmts(&plan.body.stmts);
    let ends = l.st.module.blocks[body]
        .insts
        .last()
        .is_some_and(|&i| matches!(l.st.module.insts[i].op, Op::Return { .. } | Op::Halt));
    if !ends {
        let end = plan.body.span.end as usize;
        let span = l.span(end.saturating_sub(1)..end);
        l.emit0(Op::Return { names: Vec::new() }, Vec::new(), span);
    }
    (l.st.module, l.st.diags)
}

impl Lowerer<'_> {
    fn params(&mut self, params: &[Param]) {
        for (i, p) in params.iter().enumerate() {
            if let Some(first) = params[..i].iter().find(|q| q.name.name == p.name.name) {
                let d = Diagnostic::error(
                    codes::DUPLICATE_DEFINITION,
                    format!("parameter `{}` is declared twice", p.name.name),
                )
                .with_primary(p.name.span, "declared again here")
                .with_secondary(first.name.span, "first declared here");
                self.report(d);
                continue;
            }
            let ty = p.ty.as_ref().and_then(|t| match annotation(t) {
                Ok(ty) => Some(ty),
                Err(d) => {
                    self.report(*d);
                    None
                }
            });
            let binding = match self.param_value(p, ty.as_ref()) {
                Some(v) => {
                    self.name_value(v, &p.name.name);
                    Binding::Value(v)
                }
                None => Binding::Poison,
            };
            self.st.scopes.assign(&p.name.name, binding, p.name.span);
        }
    }

    fn param_value(&mut self, p: &Param, ty: Option<&Type>) -> Option<omex_ir::Value> {
        let name = &p.name.name;
        let Some(default) = &p.default else {
            let (example, literal) = match ty {
                Some(Type::Int) => ("int", "10"),
                Some(Type::Float) => ("float", "0.5"),
                _ => ("str", "\"text\""),
            };
            let d = Diagnostic::error(
                codes::PARAM_WITHOUT_DEFAULT,
                format!("parameter `{name}` has no value"),
            )
            .with_primary(p.span, "nothing gives it a value")
            .with_note(format!(
                "a parameter gets its value from a command-line argument (`{name}: {example} = arg(0)`), from the user when the plan runs (`{name}: {example} = prompt(\"{name}: \")`), or from a literal default (`{name}: {example} = {literal}`)"
            ));
            self.report(d);
            return None;
        };
        match &default.kind {
            ExprKind::Call { callee, args } if callee.name == "arg" => {
                self.param_arg(p, ty, callee, args)
            }
            ExprKind::Call { callee, args } if callee.name == "prompt" => {
                self.param_prompt(p, ty, callee, args)
            }
            ExprKind::Error => None,
            _ if lit_num(default).is_some()
                || lit_bool(default).is_some()
                || matches!(default.kind, ExprKind::Str(_) | ExprKind::List(_)) =>
            {
                let v = match (ty, lit_int(default)) {
                    (Some(Type::Float), Some(n)) => {
                        self.konst(Constant::Float(n as f64), default.span)
                    }
                    _ => match self.expr(default) {
                        Lowered::Value(v) => v,
                        _ => return None,
                    },
                };
                let found = self.ty(v);
                if let Some(t) = ty
                    && !crate::types::fits(&found, t)
                {
                    let d = Diagnostic::error(codes::TYPE_MISMATCH, "mismatched types")
                        .with_primary(default.span, format!("expected `{t}`, found `{found}`"))
                        .with_secondary(
                            p.ty.as_ref().map_or(p.span, |t| t.span),
                            format!("`{name}` is declared `{t}`"),
                        );
                    self.report(d);
                    return None;
                }
                Some(v)
            }
            _ => {
                let d = Diagnostic::error(
                    codes::LITERAL_REQUIRED,
                    format!("the default of parameter `{name}` must be `arg(i)`, `prompt(\"...\")` or a literal"),
                )
                .with_primary(default.span, "computed when the plan runs")
                .with_help("compute the value in the plan's body instead");
                self.report(d);
                None
            }
        }
    }

    fn single_arg<'e>(
        &mut self,
        name: &str,
        param: &str,
        callee: &Ident,
        args: &'e [Arg],
        span: Span,
    ) -> Option<&'e Arg> {
        let sig = Signature {
            name: name.into(),
            params: vec![ParamSpec {
                name: param.into(),
                required: true,
            }],
            variadic: None,
        };
        match args::bind(&sig, args, callee.span, span) {
            Ok(bound) => bound.get(0),
            Err(errors) => {
                for d in errors {
                    self.report(d);
                }
                None
            }
        }
    }

    fn param_arg(
        &mut self,
        p: &Param,
        ty: Option<&Type>,
        callee: &Ident,
        args: &[Arg],
    ) -> Option<omex_ir::Value> {
        let span = p.default.as_ref().map_or(p.span, |d| d.span);
        let arg = self.single_arg("arg", "index", callee, args, span)?;
        let Some(index) = lit_int(&arg.value) else {
            let d = Diagnostic::error(
                codes::LITERAL_REQUIRED,
                "the index of `arg` must be an int literal",
            )
            .with_primary(arg.value.span, "expected an int literal");
            self.report(d);
            return None;
        };
        let Ok(index) = u8::try_from(index) else {
            let d = Diagnostic::error(
                codes::VALUE_OUT_OF_RANGE,
                format!("command-line arguments are numbered 0 to 255, found {index}"),
            )
            .with_primary(arg.value.span, "out of range");
            self.report(d);
            return None;
        };
        if let Some(other) = self.st.module.args.iter().find(|a| a.index == index) {
            let d = Diagnostic::error(
                codes::DUPLICATE_DEFINITION,
                format!("argument {index} is already parameter `{}`", other.name),
            )
            .with_primary(arg.value.span, "used twice")
            .with_help("give each parameter its own argument index");
            self.report(d);
            return None;
        }
        let convert = match ty {
            None | Some(Type::Str | Type::Any) => None,
            Some(Type::Int) => Some(("to_int", Type::Int)),
            Some(Type::Float) => Some(("to_float", Type::Float)),
            Some(other) => {
                let d = Diagnostic::error(
                    codes::TYPE_MISMATCH,
                    format!("a command-line argument cannot be `{other}`"),
                )
                .with_primary(
                    p.ty.as_ref().map_or(p.span, |t| t.span),
                    "expected `str`, `int` or `float`",
                )
                .with_note("arguments are strings, converted to `int` or `float` when declared so");
                self.report(d);
                return None;
            }
        };
        self.st.module.args.push(ArgDecl {
            index,
            name: p.name.name.clone(),
        });
        let raw = self.emit(Op::Arg { index }, Vec::new(), Type::Str, span);
        Some(match convert {
            None => raw,
            Some((host, ty)) => self.emit(Op::CallHost { name: host.into() }, vec![raw], ty, span),
        })
    }

    fn param_prompt(
        &mut self,
        p: &Param,
        ty: Option<&Type>,
        callee: &Ident,
        args: &[Arg],
    ) -> Option<omex_ir::Value> {
        let span = p.default.as_ref().map_or(p.span, |d| d.span);
        let arg = self.single_arg("prompt", "message", callee, args, span)?;
        let ExprKind::Str(message) = &arg.value.kind else {
            let d = Diagnostic::error(
                codes::LITERAL_REQUIRED,
                "the message of `prompt` must be a string literal",
            )
            .with_primary(arg.value.span, "expected a string literal");
            self.report(d);
            return None;
        };
        let (kind, result) = match ty {
            None | Some(Type::Str | Type::Any) => (PromptType::Str, Type::Str),
            Some(Type::Int) => (PromptType::Int, Type::Int),
            Some(Type::Float) => (PromptType::Float, Type::Float),
            Some(other) => {
                let d = Diagnostic::error(
                    codes::TYPE_MISMATCH,
                    format!("a prompt cannot read a `{other}`"),
                )
                .with_primary(
                    p.ty.as_ref().map_or(p.span, |t| t.span),
                    "expected `str`, `int` or `float`",
                );
                self.report(d);
                return None;
            }
        };
        let op = Op::Prompt {
            kind,
            message: message.clone(),
        };
        Some(self.emit(op, Vec::new(), result, span))
    }
}
