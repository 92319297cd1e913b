//! The model's real signature against the inputs and outputs the manifest
//! declares.

use super::*;

impl Checker<'_> {
    pub fn signature(&mut self, path: &str, span: Span) -> Option<omex_onnx::Signature> {
        match omex_onnx::read_signature(&self.options.package_dir.join(path)) {
            Ok(sig) => Some(sig),
            Err(e) => {
                self.error(
                    codes::MODEL_UNREADABLE,
                    format!("cannot read `{path}` as an ONNX model: {e}"),
                    span,
                    "the model file",
                );
                None
            }
        }
    }

    /// The declared inputs or outputs, checked one by one.
    pub(super) fn declared<'m>(
        &mut self,
        ports: Option<&'m PortList>,
        which: &str,
        io_key: Span,
    ) -> Option<Vec<(ModelPort, Option<&'m Preprocessing>, Span)>> {
        let Some(PortList {
            key,
            ports,
            written,
        }) = ports
        else {
            self.missing(
                &format!("spec.io.{which}"),
                io_key,
                &format!("`io` has no `{which}`"),
            );
            return None;
        };
        if *written == 0 {
            self.error(
                codes::EMPTY_IO,
                format!("`spec.io.{which}` is empty"),
                *key,
                format!("a model has at least one {}", &which[..which.len() - 1]),
            );
            return None;
        }
        let mut out: Vec<(ModelPort, Option<&Preprocessing>, Span)> = Vec::new();
        for p in ports {
            if let Some((_, _, first)) = out.iter().find(|(q, _, _)| q.name == p.name.value) {
                let first = *first;
                self.push(
                    Diagnostic::error(
                        codes::DUPLICATE_NAME,
                        format!("`{}` is declared twice in `spec.io.{which}`", p.name.value),
                    )
                    .with_primary(p.name.span, "declared again here")
                    .with_secondary(first, "first declared here"),
                );
                continue;
            }
            let dtype = p.dtype.as_ref().and_then(|d| match rules::dtype(&d.value) {
                Some(t) => Some(t),
                None => {
                    let mut diag =
                        Diagnostic::error(codes::BAD_DTYPE, format!("unknown dtype `{}`", d.value))
                            .with_primary(d.span, "not a tensor element type");
                    diag = match suggest::closest(&d.value, rules::DTYPES.iter().copied()) {
                        Some(best) => {
                            diag.with_suggestion(format!("did you mean `{best}`?"), d.span, best)
                        }
                        None => diag.with_note(format!("the dtypes are {}", list(rules::DTYPES))),
                    };
                    self.push(diag);
                    None
                }
            });
            let shape = p.shape.as_ref().map(|dims| {
                dims.iter()
                    .enumerate()
                    .map(|(i, d)| match d.value {
                        -1 => Dim::Sym(if i == 0 {
                            "batch".into()
                        } else {
                            format!("{}_{i}", p.name.value)
                        }),
                        n if n > 0 => Dim::Fixed(n as u64),
                        n => {
                            self.error(
                                codes::BAD_SHAPE,
                                format!("dimension {i} of `{}` is {n}", p.name.value),
                                d.span,
                                "expected a positive size, or -1 for a dynamic one",
                            );
                            Dim::Sym(format!("{}_{i}", p.name.value))
                        }
                    })
                    .collect()
            });
            out.push((
                ModelPort {
                    name: p.name.value.clone(),
                    ty: TensorType { dtype, shape },
                },
                p.preprocessing.as_ref(),
                p.name.span,
            ));
        }
        Some(out)
    }

    /// The manifest is the source of truth, but it must describe the model.
    pub(super) fn compare(
        &mut self,
        inputs: &[(ModelPort, Option<&Preprocessing>, Span)],
        outputs: &[(ModelPort, Span)],
        sig: &omex_onnx::Signature,
        model: &str,
        model_span: Span,
    ) {
        let declared: Vec<&str> = inputs.iter().map(|(p, _, _)| p.name.as_str()).collect();
        let actual: Vec<&str> = sig.inputs.iter().map(|p| p.name.as_str()).collect();
        let unknown: Vec<&(ModelPort, Option<&Preprocessing>, Span)> = inputs
            .iter()
            .filter(|(p, _, _)| !actual.contains(&p.name.as_str()))
            .collect();
        let omitted: Vec<&str> = actual
            .iter()
            .copied()
            .filter(|a| !declared.contains(a))
            .collect();
        // With no usable input left (each entry written was malformed and
        // reported), there is nothing to compare and nowhere to point.
        if !inputs.is_empty() && (!unknown.is_empty() || !omitted.is_empty()) {
            let message = match (unknown.first(), omitted.first()) {
                (Some((p, _, _)), _) => format!("`{model}` has no input `{}`", p.name),
                (None, Some(o)) => {
                    format!("the manifest omits input `{o}`, which `{model}` requires")
                }
                (None, None) => String::new(),
            };
            let mut d = Diagnostic::error(codes::INPUT_MISMATCH, message);
            for (p, _, span) in &unknown {
                let label = match suggest::closest(&p.name, actual.iter().copied()) {
                    Some(best) => format!("not an input of the model (did you mean `{best}`?)"),
                    None => "not an input of the model".into(),
                };
                d = d.with_primary(*span, label);
            }
            if unknown.is_empty() {
                d = d.with_primary(
                    inputs[0].2,
                    format!(
                        "the inputs declared here do not include `{}`",
                        omitted.join("`, `")
                    ),
                );
            }
            d = d
                .with_secondary(model_span, "the model")
                .with_note(format!("the manifest declares: {}", list(&declared)))
                .with_note(format!("`{model}` has: {}", list(&actual)))
                .with_help("make `spec.io.inputs` list exactly the model's inputs");
            self.push(d);
        }
        for (p, _, span) in inputs {
            if let Some(real) = sig.inputs.iter().find(|r| r.name == p.name) {
                self.compare_type(p, real, *span, model);
            }
        }
        let outs: Vec<&str> = sig.outputs.iter().map(|p| p.name.as_str()).collect();
        for (p, span) in outputs {
            match sig.outputs.iter().find(|r| r.name == p.name) {
                Some(real) => self.compare_type(p, real, *span, model),
                None => {
                    let mut d = Diagnostic::error(
                        codes::OUTPUT_MISMATCH,
                        format!("`{model}` has no output `{}`", p.name),
                    )
                    .with_primary(*span, "not an output of the model")
                    .with_secondary(model_span, "the model")
                    .with_note(format!("`{model}` has: {}", list(&outs)));
                    if let Some(best) = suggest::closest(&p.name, outs.iter().copied()) {
                        d = d.with_suggestion(format!("did you mean `{best}`?"), *span, best);
                    }
                    self.push(d);
                }
            }
        }
    }

    pub(super) fn compare_type(
        &mut self,
        declared: &ModelPort,
        real: &ModelPort,
        span: Span,
        model: &str,
    ) {
        let show = |t: &TensorType| omex_ir::Type::Tensor(t.clone()).to_string();
        let dtype_differs =
            matches!((declared.ty.dtype, real.ty.dtype), (Some(a), Some(b)) if a != b);
        let shape_differs = match (&declared.ty.shape, &real.ty.shape) {
            (Some(a), Some(b)) => {
                a.len() != b.len()
                    || a.iter()
                        .zip(b)
                        .any(|(x, y)| matches!((x, y), (Dim::Fixed(m), Dim::Fixed(n)) if m != n))
            }
            _ => false,
        };
        if dtype_differs || shape_differs {
            let what = match (dtype_differs, shape_differs) {
                (true, true) => "dtype and shape",
                (true, false) => "dtype",
                _ => "shape",
            };
            self.push(
                Diagnostic::error(codes::PORT_TYPE_MISMATCH, format!("the {what} of `{}` differs from the model", declared.name))
                    .with_primary(span, format!("declared {}", show(&declared.ty)))
                    .with_note(format!("`{model}` has `{}: {}`", real.name, show(&real.ty)))
                    .with_help("-1 stands for a dynamic dimension; other sizes and the dtype must match the model"),
            );
        }
    }
}
