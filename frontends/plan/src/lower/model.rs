//! Model declarations and runs.
//!
//! `model m = load("path.onnx")` reads the file's signature when the file is
//! found (plan folder, then model path); runs are then static: the inputs
//! are checked by name, dtype and rank, passed in the model's order, and the
//! run fetches every output. Without a signature (file not found, nothing
//! declared) runs are dynamic: a dict of outputs, looked up by key.

use omex_diagnostics::{Diagnostic, Span, suggest};
use std::collections::HashMap;

use omex_ir::{Dim, ModelDecl as IrModelDecl, ModelPort, Op, TensorType, Type, Value};
use omex_mep::Constant;
use omex_mep::subtype::CtlType;
use omex_plan_syntax::ast::{Arg, ExprKind, Ident, ModelDecl, Port};

use super::args::{self, ParamSpec};
use super::builtins::lit_str;
use super::{Lowered, Lowerer, ModelInfo, builtins};
use crate::annot::tensor_annotation;
use crate::codes;
use crate::paths::{self, Found};
use crate::scope::{Binding, Record};
use crate::types::{ANY_DIM, any_dim, dtype_by_name, fits};

/// A model's inputs and outputs.
#[derive(Debug, Clone)]
pub(crate) struct Signature {
    pub inputs: Vec<ModelPort>,
    pub outputs: Vec<ModelPort>,
}

fn port_names(ports: &[ModelPort]) -> String {
    ports
        .iter()
        .map(|p| p.name.as_str())
        .collect::<Vec<_>>()
        .join(", ")
}

fn port_type(t: &TensorType) -> Type {
    Type::Tensor(t.clone())
}

/// A port type with its symbolic dimensions replaced by the sizes a call
/// gave them.
fn substitute(t: &TensorType, dims: &HashMap<String, Dim>) -> TensorType {
    TensorType {
        dtype: t.dtype,
        shape: t.shape.as_ref().map(|s| {
            s.iter()
                .map(|d| match d {
                    Dim::Sym(name) => dims.get(name).cloned().unwrap_or_else(|| d.clone()),
                    Dim::Fixed(_) => d.clone(),
                })
                .collect()
        }),
    }
}

impl Lowerer<'_> {
    pub fn declare_model(&mut self, decl: &ModelDecl) {
        let name = &decl.name;
        let clash = self.model_name_clash(name);
        let ExprKind::Call { callee, args } = &decl.source.kind else {
            if !matches!(decl.source.kind, ExprKind::Error) {
                let d = Diagnostic::error(
                    codes::BAD_MODEL_SOURCE,
                    format!("model `{}` must be loaded with `load(\"path\")`", name.name),
                )
                .with_primary(decl.source.span, "not a `load(...)` call")
                .with_help(format!(
                    "write `model {} = load(\"folder/model.onnx\")`",
                    name.name
                ));
                self.report(d);
            }
            self.bind_model_failure(name, clash);
            return;
        };
        if callee.name != "load" {
            for arg in args {
                let _ = self.expr(&arg.value);
            }
            let d = Diagnostic::error(
                codes::BAD_MODEL_SOURCE,
                format!("model `{}` must be loaded with `load(\"path\")`", name.name),
            )
            .with_primary(
                callee.span,
                format!("`{}` does not load a model", callee.name),
            )
            .with_suggestion("use `load`", callee.span, "load");
            self.report(d);
            self.bind_model_failure(name, clash);
            return;
        }
        let Some((path, path_span, device)) = self.load_args(callee, args, decl.source.span) else {
            self.bind_model_failure(name, clash);
            return;
        };
        let declared = decl.signature.as_ref().map(|s| {
            (
                self.ports(&s.inputs, "input"),
                self.ports(&s.outputs, "output"),
                s.span,
            )
        });
        let file = match paths::resolve(&path, self.cx.options) {
            Found::At(found) => match omex_onnx::read_signature(&found) {
                Ok(sig) => Some(sig),
                Err(e) => {
                    let d = Diagnostic::error(
                        codes::MODEL_UNREADABLE,
                        format!("cannot read model `{}` from `{path}`", name.name),
                    )
                    .with_primary(path_span, e.to_string())
                    .with_note(format!("the file is {}", found.display()));
                    self.report(d);
                    None
                }
            },
            Found::Missing(tried) => {
                let mut d = Diagnostic::warning(
                    codes::MODEL_NOT_FOUND,
                    format!(
                        "model file `{path}` not found: the inputs and outputs of `{}` cannot be checked",
                        name.name
                    ),
                )
                .with_primary(path_span, "not found in the plan's folder or the model path");
                for t in &tried {
                    d = d.with_note(format!("looked for {}", t.display()));
                }
                d = if declared.is_some() {
                    d.with_note("runs use the declared signature, unchecked against the file")
                } else {
                    d.with_note(
                        "runs are dynamic: inputs are passed in the order written, outputs looked up by name",
                    )
                    .with_help(format!(
                        "add the model's folder to the model path, or declare its signature: `model {}(input: tensor<f32>[...]) -> (output: tensor<f32>[...]) = load(...)`",
                        name.name
                    ))
                };
                self.report(d);
                None
            }
        };
        if let (Some((inputs, outputs, sig_span)), Some(sig)) = (&declared, &file) {
            self.compare_ports(&name.name, "input", inputs, &sig.inputs, *sig_span, false);
            self.compare_ports(&name.name, "output", outputs, &sig.outputs, *sig_span, true);
        }
        let signature = match (&declared, &file) {
            (Some((inputs, outputs, _)), _) => Some(Signature {
                inputs: inputs.iter().map(|(p, _)| p.clone()).collect(),
                outputs: outputs.iter().map(|(p, _)| p.clone()).collect(),
            }),
            (None, Some(sig)) => Some(Signature {
                inputs: sig.inputs.clone(),
                outputs: sig.outputs.clone(),
            }),
            (None, None) => None,
        };
        if let Some(device) = device {
            let op = Op::ExecCtl {
                ctl: CtlType::Device,
                value: Constant::Str(device),
            };
            self.emit0(op, Vec::new(), decl.source.span);
        }
        let ir_decl = IrModelDecl {
            path,
            format: "onnx".into(),
            inputs: file
                .as_ref()
                .map(|s| s.inputs.clone())
                .or_else(|| signature.as_ref().map(|s| s.inputs.clone())),
            outputs: file
                .as_ref()
                .map(|s| s.outputs.clone())
                .or_else(|| signature.as_ref().map(|s| s.outputs.clone())),
            size: file.as_ref().map(|s| s.size),
            sha256: file.as_ref().map(|s| s.sha256),
            span: Some(decl.span),
        };
        let model = self.st.module.models.push(ir_decl);
        let value = self.emit(Op::LoadModel(model), Vec::new(), Type::Model, decl.span);
        if clash {
            return;
        }
        self.name_value(value, &name.name);
        self.st.models.push(ModelInfo {
            name: name.name.clone(),
            value,
            span: name.span,
            signature,
        });
        self.st
            .scopes
            .assign(&name.name, Binding::Value(value), name.span);
    }

    /// Reports a model name that is already taken; `true` if it is.
    fn model_name_clash(&mut self, name: &Ident) -> bool {
        let n = name.name.as_str();
        let d = if let Some(prev) = self.st.models.iter().find(|m| m.name == n) {
            Diagnostic::error(
                codes::DUPLICATE_MODEL,
                format!("model `{n}` is declared twice"),
            )
            .with_primary(name.span, "declared again here")
            .with_secondary(prev.span, "first declared here")
            .with_help("give each model its own name")
        } else if let Some(b) = self.st.scopes.lookup(n) {
            Diagnostic::error(
                codes::DUPLICATE_MODEL,
                format!("the name `{n}` is already defined"),
            )
            .with_primary(name.span, "a model cannot take this name")
            .with_secondary(b.def, format!("`{n}` is defined here"))
        } else if builtins::find(n).is_some()
            || self.cx.externs.contains_key(n)
            || dtype_by_name(n).is_some()
        {
            Diagnostic::error(
                codes::ASSIGN_TO_RESERVED,
                format!("a model cannot be named `{n}`: it is a builtin name"),
            )
            .with_primary(name.span, "reserved name")
        } else {
            return false;
        };
        self.report(d);
        true
    }

    fn bind_model_failure(&mut self, name: &Ident, clash: bool) {
        if !clash {
            self.st
                .scopes
                .assign(&name.name, Binding::Poison, name.span);
        }
    }

    /// `load(path, device: ...)`: the path as written, its span, the device.
    fn load_args(
        &mut self,
        callee: &Ident,
        args: &[Arg],
        span: Span,
    ) -> Option<(String, Span, Option<String>)> {
        let sig = args::Signature {
            name: "load".into(),
            params: vec![
                ParamSpec {
                    name: "path".into(),
                    required: true,
                },
                ParamSpec {
                    name: "device".into(),
                    required: false,
                },
            ],
            variadic: None,
        };
        let bound = match args::bind(&sig, args, callee.span, span) {
            Ok(b) => b,
            Err(errors) => {
                for d in errors {
                    self.report(d);
                }
                return None;
            }
        };
        let path_arg = bound.get(0)?;
        let mut ok = true;
        let path = lit_str(&path_arg.value).map(str::to_string);
        if path.is_none() && !matches!(path_arg.value.kind, ExprKind::Error) {
            let d = Diagnostic::error(
                codes::LITERAL_REQUIRED,
                "a model's path must be a string literal",
            )
            .with_primary(path_arg.value.span, "expected a string literal")
            .with_note("models are listed in the program's model table when it is compiled");
            self.report(d);
        }
        let device = match bound.get(1) {
            Some(arg) => match lit_str(&arg.value) {
                Some(s) => Some(s.to_string()),
                None => {
                    let d = Diagnostic::error(
                        codes::LITERAL_REQUIRED,
                        "`device` must be a string literal",
                    )
                    .with_primary(arg.value.span, "expected a string literal such as \"cpu\"");
                    self.report(d);
                    ok = false;
                    None
                }
            },
            None => None,
        };
        let path = path?;
        ok.then_some((path, path_arg.value.span, device))
    }

    /// The ports of a declared signature, with their spans.
    fn ports(&mut self, ports: &[Port], what: &str) -> Vec<(ModelPort, Span)> {
        let mut out: Vec<(ModelPort, Span)> = Vec::new();
        for port in ports {
            if let Some((_, first)) = out.iter().find(|(p, _)| p.name == port.name.name) {
                let d = Diagnostic::error(
                    codes::DUPLICATE_DEFINITION,
                    format!("{what} `{}` is declared twice", port.name.name),
                )
                .with_primary(port.span, "declared again here")
                .with_secondary(*first, "first declared here");
                self.report(d);
                continue;
            }
            let ty = match &port.ty {
                Some(t) => tensor_annotation(t).unwrap_or_else(|d| {
                    self.report(*d);
                    TensorType::default()
                }),
                None => TensorType::default(),
            };
            out.push((
                ModelPort {
                    name: port.name.name.clone(),
                    ty,
                },
                port.span,
            ));
        }
        out
    }

    /// Checks declared ports against the file's. Outputs may be a subset.
    fn compare_ports(
        &mut self,
        model: &str,
        what: &str,
        declared: &[(ModelPort, Span)],
        file: &[ModelPort],
        sig_span: Span,
        subset: bool,
    ) {
        let extra: Vec<&str> = declared
            .iter()
            .filter(|(p, _)| !file.iter().any(|f| f.name == p.name))
            .map(|(p, _)| p.name.as_str())
            .collect();
        let missing: Vec<&str> = file
            .iter()
            .filter(|f| !declared.iter().any(|(p, _)| p.name == f.name))
            .map(|f| f.name.as_str())
            .collect();
        if !extra.is_empty() || (!subset && !missing.is_empty()) {
            let span = declared
                .iter()
                .find(|(p, _)| extra.contains(&p.name.as_str()))
                .map_or(sig_span, |(_, s)| *s);
            let declared_names: Vec<&str> = declared.iter().map(|(p, _)| p.name.as_str()).collect();
            let mut d = Diagnostic::error(
                codes::SIGNATURE_MISMATCH,
                format!("the declared {what}s of model `{model}` do not match its file"),
            )
            .with_primary(
                span,
                if extra.is_empty() {
                    format!("missing {}", missing.join(", "))
                } else {
                    format!("the file has no {what} {}", extra.join(", "))
                },
            )
            .with_note(format!("declared: {}", declared_names.join(", ")))
            .with_note(format!("the file has: {}", port_names(file)));
            if subset {
                d = d.with_note("a signature may list only the outputs it uses");
            }
            self.report(d);
        }
        for (port, span) in declared {
            let Some(f) = file.iter().find(|f| f.name == port.name) else {
                continue;
            };
            if !port_type(&port.ty).fits(&port_type(&f.ty)) {
                let d = Diagnostic::error(
                    codes::SIGNATURE_MISMATCH,
                    format!(
                        "{what} `{}` of model `{model}` is declared `{}`, but the file has `{}`",
                        port.name,
                        port_type(&port.ty),
                        port_type(&f.ty)
                    ),
                )
                .with_primary(*span, format!("the file has `{}`", port_type(&f.ty)));
                self.report(d);
            }
        }
    }

    /// The sizes a call gives the model's symbolic dimensions (`batch` = 1,
    /// `sequence` = `seq`), read from the inputs' known shapes.
    fn bind_dims(&self, ports: &[ModelPort], values: &[Value]) -> HashMap<String, Dim> {
        let mut dims = HashMap::new();
        for (port, &v) in ports.iter().zip(values) {
            let (
                Some(declared),
                Type::Tensor(TensorType {
                    shape: Some(actual),
                    ..
                }),
            ) = (&port.ty.shape, self.ty(v))
            else {
                continue;
            };
            if declared.len() != actual.len() {
                continue;
            }
            for (d, a) in declared.iter().zip(actual) {
                if let Dim::Sym(name) = d
                    && name != ANY_DIM
                    && a != any_dim()
                {
                    dims.entry(name.clone()).or_insert_with(|| a.clone());
                }
            }
        }
        dims
    }

    pub fn call_model(
        &mut self,
        model: Value,
        callee: &Ident,
        args: &[Arg],
        span: Span,
    ) -> Lowered {
        let Some(info) = self.st.models.iter().find(|m| m.value == model).cloned() else {
            return Lowered::Error;
        };
        let mut ok = !self.used_after_unload(model, &callee.name, callee.span);
        let mut given: Vec<(&Arg, &str, Option<Value>)> = Vec::new();
        for arg in args {
            let value = self.value(&arg.value);
            ok &= value.is_some();
            let Some(key) = &arg.name else {
                let mut d = Diagnostic::error(
                    codes::POSITIONAL_MODEL_INPUT,
                    format!("the inputs of model `{}` must be passed by name", info.name),
                )
                .with_primary(arg.span, "a positional argument");
                d = match &info.signature {
                    Some(sig) => {
                        let first = sig.inputs.first().map_or("input", |p| p.name.as_str());
                        d.with_note(format!("its inputs are {}", port_names(&sig.inputs)))
                            .with_suggestion(
                                "name the input",
                                arg.span,
                                format!("{first}: {}", self.text(arg.span)),
                            )
                    }
                    None => d.with_help("name the input: `input_name: value`"),
                };
                self.report(d);
                ok = false;
                continue;
            };
            if let Some((first, _, _)) = given.iter().find(|(_, k, _)| *k == key.name) {
                let d = Diagnostic::error(
                    codes::DUPLICATE_ARGUMENT,
                    format!(
                        "input `{}` of model `{}` is given twice",
                        key.name, info.name
                    ),
                )
                .with_primary(arg.span, "given again here")
                .with_secondary(first.span, "first given here");
                self.report(d);
                ok = false;
                continue;
            }
            given.push((arg, key.name.as_str(), value));
        }
        let Some(sig) = &info.signature else {
            if !ok {
                return Lowered::Error;
            }
            let mut values = vec![model];
            values.extend(given.iter().filter_map(|(_, _, v)| *v));
            return Lowered::Value(self.emit(Op::RunDynamic, values, Type::Dict(None), span));
        };
        let mut suggested: Vec<&str> = Vec::new();
        for (arg, key, value) in &given {
            let key_span = arg.name.as_ref().map_or(arg.span, |k| k.span);
            let Some(port) = sig.inputs.iter().find(|p| p.name == *key) else {
                let mut d = Diagnostic::error(
                    codes::UNKNOWN_MODEL_INPUT,
                    format!(
                        "model `{}` has no input `{key}`; its inputs are {}",
                        info.name,
                        port_names(&sig.inputs)
                    ),
                )
                .with_primary(key_span, "unknown input")
                .with_secondary(info.span, format!("`{}` is declared here", info.name));
                if let Some(best) =
                    suggest::closest(key, sig.inputs.iter().map(|p| p.name.as_str()))
                {
                    suggested.push(best);
                    d = d.with_suggestion(format!("did you mean `{best}`?"), key_span, best);
                }
                self.report(d);
                ok = false;
                continue;
            };
            let Some(v) = value else {
                continue;
            };
            let found = self.ty(*v);
            let expected = port_type(&port.ty);
            if !fits(&found, &expected) {
                let why = match (&found, &port.ty) {
                    (Type::Tensor(f), p) => match (f.dtype, p.dtype, &f.shape, &p.shape) {
                        (Some(a), Some(b), _, _) if a != b => {
                            format!("the dtypes differ: `{a}` and `{b}`")
                        }
                        (_, _, Some(a), Some(b)) if a.len() != b.len() => {
                            format!("the ranks differ: {} and {}", a.len(), b.len())
                        }
                        _ => "the sizes differ".to_string(),
                    },
                    _ => "a model input is a tensor".to_string(),
                };
                let d = Diagnostic::error(
                    codes::MODEL_INPUT_TYPE,
                    format!(
                        "input `{key}` of model `{}` expects `{expected}`, found `{found}`",
                        info.name
                    ),
                )
                .with_primary(arg.value.span, format!("this is `{found}`"))
                .with_secondary(key_span, format!("`{key}` is `{expected}`"))
                .with_note(why);
                self.report(d);
                ok = false;
            }
        }
        let missing: Vec<&str> = sig
            .inputs
            .iter()
            .map(|p| p.name.as_str())
            .filter(|n| !given.iter().any(|(_, k, _)| k == n) && !suggested.contains(n))
            .collect();
        // A positional argument was reported already: it stands for an input.
        let positional = args.iter().any(|a| a.name.is_none());
        if !missing.is_empty() && !positional {
            let list = missing
                .iter()
                .map(|m| format!("`{m}`"))
                .collect::<Vec<_>>()
                .join(", ");
            let plural = if missing.len() == 1 { "" } else { "s" };
            let d = Diagnostic::error(
                codes::MISSING_MODEL_INPUT,
                format!("model `{}` is missing the input{plural} {list}", info.name),
            )
            .with_primary(span, format!("missing {list}"))
            .with_note(format!("its inputs are {}", port_names(&sig.inputs)))
            .with_help("pass every input of the model by name");
            self.report(d);
            ok = false;
        }
        if !ok {
            return Lowered::Error;
        }
        let mut values = vec![model];
        for port in &sig.inputs {
            if let Some((_, _, Some(v))) = given.iter().find(|(_, k, _)| *k == port.name) {
                values.push(*v);
            }
        }
        let inputs: Vec<String> = sig.inputs.iter().map(|p| p.name.clone()).collect();
        let outputs: Vec<String> = sig.outputs.iter().map(|p| p.name.clone()).collect();
        let dims = self.bind_dims(&sig.inputs, &values[1..]);
        let types = sig
            .outputs
            .iter()
            .map(|p| port_type(&substitute(&p.ty, &dims)))
            .collect();
        let op = Op::RunStatic {
            inputs,
            outputs: outputs.clone(),
        };
        let inst = self.append(op, values, types, span);
        let results = self.st.module.insts[inst].results.clone();
        Lowered::Record(Record {
            model: info.name.clone(),
            outputs: outputs.into_iter().zip(results).collect(),
        })
    }
}
