//! Matching a call's arguments to a function's parameters: positional ones
//! in order, keyword ones by name; reporting unknown keywords, extra,
//! duplicate and missing arguments all at once.

use omex_diagnostics::{Diagnostic, Span, suggest};
use omex_plan_syntax::ast::Arg;

use crate::codes;

/// One parameter of a builtin or extern function.
#[derive(Debug, Clone)]
pub struct ParamSpec {
    pub name: String,
    pub required: bool,
}

/// A function's parameter list, for binding and messages.
#[derive(Debug, Clone)]
pub struct Signature {
    pub name: String,
    pub params: Vec<ParamSpec>,
    /// Extra positional arguments are collected (`format(template, values...)`).
    pub variadic: Option<String>,
}

impl Signature {
    /// `topk(x, k)`, `softmax(x, axis?)`, `format(template, values...)`.
    pub fn display(&self) -> String {
        let mut parts: Vec<String> = self
            .params
            .iter()
            .map(|p| {
                if p.required {
                    p.name.clone()
                } else {
                    format!("{}?", p.name)
                }
            })
            .collect();
        if let Some(rest) = &self.variadic {
            parts.push(format!("{rest}..."));
        }
        format!("{}({})", self.name, parts.join(", "))
    }
}

/// The arguments of a call, by parameter.
#[derive(Debug)]
pub struct Bound<'e> {
    pub slots: Vec<Option<&'e Arg>>,
    /// Positional arguments past the parameters (variadic functions only).
    pub rest: Vec<&'e Arg>,
}

impl<'e> Bound<'e> {
    pub fn get(&self, i: usize) -> Option<&'e Arg> {
        self.slots.get(i).copied().flatten()
    }
}

/// Binds `args` to `sig`'s parameters. `Err` carries every problem found.
pub fn bind<'e>(
    sig: &Signature,
    args: &'e [Arg],
    callee: Span,
    call: Span,
) -> Result<Bound<'e>, Vec<Diagnostic>> {
    let mut slots: Vec<Option<&Arg>> = vec![None; sig.params.len()];
    let mut rest = Vec::new();
    let mut errors = Vec::new();
    let note = format!("the signature is `{}`", sig.display());
    let mut positional = 0;
    for arg in args {
        match &arg.name {
            None => {
                if positional < sig.params.len() {
                    slots[positional] = Some(arg);
                } else if sig.variadic.is_some() {
                    rest.push(arg);
                } else {
                    let n = sig.params.len();
                    errors.push(
                        Diagnostic::error(
                            codes::TOO_MANY_ARGUMENTS,
                            format!(
                                "`{}` takes {} argument{}, but {} were given",
                                sig.name,
                                n,
                                if n == 1 { "" } else { "s" },
                                args.iter().filter(|a| a.name.is_none()).count()
                            ),
                        )
                        .with_primary(arg.span, "unexpected argument")
                        .with_secondary(callee, format!("`{}` is called here", sig.name))
                        .with_note(note.clone()),
                    );
                }
                positional += 1;
            }
            Some(key) => match sig.params.iter().position(|p| p.name == key.name) {
                Some(i) => match slots[i] {
                    Some(first) => errors.push(
                        Diagnostic::error(
                            codes::DUPLICATE_ARGUMENT,
                            format!("argument `{}` of `{}` is given twice", key.name, sig.name),
                        )
                        .with_primary(arg.span, "given again here")
                        .with_secondary(first.span, "first given here"),
                    ),
                    None => slots[i] = Some(arg),
                },
                None => {
                    let names = sig.params.iter().map(|p| p.name.as_str());
                    let mut d = Diagnostic::error(
                        codes::UNKNOWN_KEYWORD,
                        format!("`{}` has no argument named `{}`", sig.name, key.name),
                    )
                    .with_primary(key.span, "unknown argument")
                    .with_note(note.clone());
                    if let Some(best) = suggest::closest(&key.name, names) {
                        d = d.with_suggestion(
                            format!("did you mean `{best}`?"),
                            key.span,
                            best.to_string(),
                        );
                    }
                    errors.push(d);
                }
            },
        }
    }
    let missing: Vec<&str> = sig
        .params
        .iter()
        .zip(&slots)
        .filter(|(p, s)| p.required && s.is_none())
        .map(|(p, _)| p.name.as_str())
        .collect();
    if !missing.is_empty() {
        let list = missing
            .iter()
            .map(|m| format!("`{m}`"))
            .collect::<Vec<_>>()
            .join(", ");
        let plural = if missing.len() == 1 { "" } else { "s" };
        errors.push(
            Diagnostic::error(
                codes::MISSING_ARGUMENT,
                format!("`{}` is missing the argument{plural} {list}", sig.name),
            )
            .with_primary(call, format!("missing {list}"))
            .with_note(note),
        );
    }
    if errors.is_empty() {
        Ok(Bound { slots, rest })
    } else {
        Err(errors)
    }
}
