//! Calls: resolving the callee (a model, an extern function, a builtin) and
//! calling extern (host) functions.

use std::collections::HashMap;

use omex_diagnostics::{Diagnostic, Span, suggest};
use omex_ir::{Op, Type};
use omex_plan_syntax::ast::{Arg, Expr, ExternFn, File, Ident, Item};

use super::args::{self, ParamSpec, Signature};
use super::builtins::{self, lit_num, lit_str};
use super::{Lowered, Lowerer};
use crate::annot::annotation;
use crate::codes;
use crate::scope::Binding;
use crate::types::fits;

/// A checked `extern fn` declaration.
#[derive(Debug)]
pub(crate) struct ExternSig<'a> {
    pub decl: &'a ExternFn,
    /// The host function to call.
    pub symbol: String,
    /// Name, type and default of each parameter.
    pub params: Vec<(String, Type, Option<&'a Expr>)>,
    pub results: Vec<Type>,
}

impl ExternSig<'_> {
    fn signature(&self) -> Signature {
        Signature {
            name: self.decl.name.name.clone(),
            params: self
                .params
                .iter()
                .map(|(name, _, default)| ParamSpec {
                    name: name.clone(),
                    required: default.is_none(),
                })
                .collect(),
            variadic: None,
        }
    }
}

/// Checks the file's extern declarations.
pub(crate) fn extern_sigs(file: &File) -> (HashMap<String, ExternSig<'_>>, Vec<Diagnostic>) {
    let mut sigs: HashMap<String, ExternSig> = HashMap::new();
    let mut diags = Vec::new();
    for item in &file.items {
        let Item::Extern(decl) = item else {
            continue;
        };
        let name = &decl.name.name;
        if let Some(first) = sigs.get(name) {
            diags.push(
                Diagnostic::error(
                    codes::DUPLICATE_DEFINITION,
                    format!("extern function `{name}` is declared twice"),
                )
                .with_primary(decl.name.span, "declared again here")
                .with_secondary(first.decl.name.span, "first declared here"),
            );
            continue;
        }
        if builtins::find(name).is_some() {
            diags.push(
                Diagnostic::error(
                    codes::DUPLICATE_DEFINITION,
                    format!("`{name}` is a builtin function; an extern function cannot take its name"),
                )
                .with_primary(decl.name.span, "a builtin's name")
                .with_help(format!(
                    "name it differently and keep the host symbol: `extern fn my_{name}(...) = \"{name}\"`"
                )),
            );
            continue;
        }
        let mut params: Vec<(String, Type, Option<&Expr>)> = Vec::new();
        for p in &decl.params {
            if let Some(first) = decl
                .params
                .iter()
                .find(|q| q.name.name == p.name.name && q.span != p.span)
                && first.span.start < p.span.start
            {
                diags.push(
                    Diagnostic::error(
                        codes::DUPLICATE_DEFINITION,
                        format!("parameter `{}` is declared twice", p.name.name),
                    )
                    .with_primary(p.name.span, "declared again here")
                    .with_secondary(first.name.span, "first declared here"),
                );
            }
            let ty = match &p.ty {
                Some(t) => annotation(t).unwrap_or_else(|d| {
                    diags.push(*d);
                    Type::Any
                }),
                None => Type::Any,
            };
            if let Some(default) = &p.default
                && lit_num(default).is_none()
                && lit_str(default).is_none()
                && builtins::lit_bool(default).is_none()
            {
                diags.push(
                    Diagnostic::error(
                        codes::LITERAL_REQUIRED,
                        "the default of an extern function's parameter must be a literal",
                    )
                    .with_primary(default.span, "expected a number, a string or a bool"),
                );
            }
            params.push((p.name.name.clone(), ty, p.default.as_ref()));
        }
        let results = decl
            .results
            .iter()
            .map(|t| {
                annotation(t).unwrap_or_else(|d| {
                    diags.push(*d);
                    Type::Any
                })
            })
            .collect();
        let symbol = decl
            .symbol
            .as_ref()
            .map_or(name.clone(), |s| s.value.clone());
        sigs.insert(
            name.clone(),
            ExternSig {
                decl,
                symbol,
                params,
                results,
            },
        );
    }
    (sigs, diags)
}

impl Lowerer<'_> {
    pub fn call(&mut self, callee: &Ident, args: &[Arg], span: Span) -> Lowered {
        let name = callee.name.as_str();
        let bound = self.st.scopes.lookup(name).cloned();
        if let Some(b) = &bound
            && let Binding::Value(v) = b.binding
            && matches!(self.ty(v), Type::Model)
        {
            return self.call_model(v, callee, args, span);
        }
        if self.cx.externs.contains_key(name) {
            return self.call_extern(name, callee, args, span);
        }
        if let Some(builtin) = builtins::find(name) {
            return self.call_builtin(builtin, callee.span, args, span);
        }
        for arg in args {
            let _ = self.expr(&arg.value);
        }
        match bound {
            Some(b) => {
                if let Binding::Value(v) = b.binding {
                    let ty = self.ty(v);
                    let d = Diagnostic::error(
                        codes::UNKNOWN_FUNCTION,
                        format!("`{name}` is not a function"),
                    )
                    .with_primary(callee.span, format!("`{name}` is `{ty}`"))
                    .with_secondary(b.def, format!("`{name}` is defined here"))
                    .with_note("only models, builtins and extern functions can be called");
                    self.report(d);
                }
            }
            None if self.st.scopes.gone(name).is_some() => self.unknown_name(name, callee.span),
            None if self.cx.lenient => {}
            None => {
                let mut candidates: Vec<String> = builtins::names().map(str::to_string).collect();
                candidates.extend(self.cx.externs.keys().cloned());
                candidates.extend(self.st.models.iter().map(|m| m.name.clone()));
                let best = suggest::closest(name, candidates.iter().map(String::as_str))
                    .map(str::to_string);
                let mut d = Diagnostic::error(
                    codes::UNKNOWN_FUNCTION,
                    format!("unknown function `{name}`"),
                )
                .with_primary(callee.span, "not a builtin, extern function or model");
                if let Some(best) = best {
                    d = d.with_suggestion(format!("did you mean `{best}`?"), callee.span, best);
                } else {
                    d = d.with_help(format!(
                        "declare a host function: `extern fn {name}(x: tensor) -> tensor`"
                    ));
                }
                self.report(d);
            }
        }
        Lowered::Error
    }

    fn call_extern(&mut self, name: &str, callee: &Ident, args: &[Arg], span: Span) -> Lowered {
        let Some(sig) = self.cx.externs.get(name) else {
            return Lowered::Error;
        };
        let signature = sig.signature();
        let params: Vec<(String, Type, Option<&Expr>)> = sig.params.clone();
        let results = sig.results.clone();
        let symbol = sig.symbol.clone();
        let bound = match args::bind(&signature, args, callee.span, span) {
            Ok(b) => b,
            Err(errors) => {
                for d in errors {
                    self.report(d);
                }
                for arg in args {
                    let _ = self.expr(&arg.value);
                }
                return Lowered::Error;
            }
        };
        let mut values = Vec::new();
        let mut ok = true;
        for (i, (pname, ty, default)) in params.iter().enumerate() {
            let (e, given) = match (bound.get(i), default) {
                (Some(arg), _) => (&arg.value, true),
                (None, Some(d)) => (*d, false),
                (None, None) => {
                    ok = false;
                    continue;
                }
            };
            let Some(v) = self.value(e) else {
                ok = false;
                continue;
            };
            let found = self.ty(v);
            if given && !fits(&found, ty) {
                let context = format!("for argument `{pname}` of `{name}`");
                self.mismatch(e.span, &format!("`{ty}`"), &found, &context);
                ok = false;
            }
            values.push(v);
        }
        if !ok {
            return Lowered::Error;
        }
        let inst = self.append(Op::CallHost { name: symbol }, values, results, span);
        let out = self.st.module.insts[inst].results.clone();
        match out.as_slice() {
            [] => Lowered::Nothing(name.to_string()),
            [v] => Lowered::Value(*v),
            _ => Lowered::Tuple(out.to_vec()),
        }
    }
}
