//! How each input is made: from its preprocessing hint (a tokenizer, image
//! normalisation and resize), or inferred from its name and type.

use super::*;

impl Checker<'_> {
    /// How each input is made: from its preprocessing hint, or inferred
    /// from its name and type when it has none.
    pub(super) fn sources(
        &mut self,
        inputs: &[(ModelPort, Option<&Preprocessing>, Span)],
        from_model: bool,
    ) -> Option<Vec<Input>> {
        let mut out = Vec::new();
        let mut ok = true;
        for (port, pre, span) in inputs {
            let source = match pre {
                Some(pre) => self.hinted(port, pre),
                None => self.inferred(port, *span, from_model),
            };
            match source {
                Some(source) => out.push(Input {
                    port: sequence_dims(port, &source),
                    source,
                    span: *span,
                }),
                None => ok = false,
            }
        }
        ok.then_some(out)
    }

    pub(super) fn hinted(&mut self, port: &ModelPort, pre: &Preprocessing) -> Option<Source> {
        let Some(kind) = &pre.kind else {
            self.missing("preprocessing.type", pre.key, "this hint has no `type`");
            return None;
        };
        match kind.value.as_str() {
            "tokenization" => {
                let tokenizer = match &pre.tokenizer {
                    Some(t) => t.clone(),
                    None => {
                        self.push(
                            Diagnostic::warning(codes::ASSUMED, format!("the tokenization hint of `{}` names no tokenizer: assumed `tokenizer.json`", port.name))
                                .with_primary(pre.key, "no `tokenizer`")
                                .with_help("add `tokenizer: tokenizer.json`"),
                        );
                        Str {
                            value: "tokenizer.json".into(),
                            span: pre.key,
                        }
                    }
                };
                if !self.tokenizer_present(&tokenizer) {
                    return None;
                }
                let field = match &pre.config.field {
                    Some(f) => f.clone(),
                    None => Str {
                        value: port.name.clone(),
                        span: pre.key,
                    },
                };
                if !TOKENIZER_FIELDS.contains(&field.value.as_str()) {
                    let mut d = Diagnostic::error(
                        codes::BAD_PREPROCESSING,
                        format!(
                            "a tokenizer has no output `{}` for input `{}`",
                            field.value, port.name
                        ),
                    )
                    .with_primary(field.span, "not a tokenizer output")
                    .with_note(format!("a tokenizer gives {}", list(TOKENIZER_FIELDS)));
                    d = match suggest::closest(&field.value, TOKENIZER_FIELDS.iter().copied()) {
                        Some(best) => d.with_help(format!(
                            "name the tokenizer output with `config: {{field: {best}}}`"
                        )),
                        None => d.with_help(
                            "name the tokenizer output with `config: {field: input_ids}`",
                        ),
                    };
                    self.push(d);
                    return None;
                }
                Some(Source::Text {
                    tokenizer: tokenizer.value,
                    padding: pre.config.padding.map(|(p, _)| p),
                    field: field.value,
                })
            }
            "normalization" | "resize" => self.image(port, pre, kind.value == "normalization"),
            other => {
                let kinds = ["tokenization", "normalization", "resize"];
                let mut d = Diagnostic::error(
                    codes::UNKNOWN_PREPROCESSING,
                    format!("unknown preprocessing type `{other}`"),
                )
                .with_primary(kind.span, "not a preprocessing type")
                .with_note(format!("the types are {}", list(&kinds)));
                if let Some(best) = suggest::closest(other, kinds) {
                    d = d.with_suggestion(format!("did you mean `{best}`?"), kind.span, best);
                }
                self.push(d);
                None
            }
        }
    }

    pub fn tokenizer_present(&mut self, t: &Str) -> bool {
        if let Err(why) = rules::package_path(&t.value) {
            self.error(
                codes::BAD_PATH,
                format!("invalid tokenizer path `{}`: {why}", t.value),
                t.span,
                "not a path inside the package",
            );
            return false;
        }
        let path = self.options.package_dir.join(&t.value);
        if path.is_file() {
            return true;
        }
        self.push(
            Diagnostic::error(
                codes::TOKENIZER_MISSING,
                format!("tokenizer `{}` is not in the package", t.value),
            )
            .with_primary(t.span, "named here")
            .with_note(format!("looked for {}", path.display()))
            .with_help(
                "add the model's `tokenizer.json` to the package folder and to `spec.format.files`",
            ),
        );
        false
    }

    pub(super) fn image(
        &mut self,
        port: &ModelPort,
        pre: &Preprocessing,
        normalize: bool,
    ) -> Option<Source> {
        let channels = match port.ty.shape.as_deref() {
            Some([_, Dim::Fixed(c), _, _]) => Some(*c as usize),
            _ => None,
        };
        let size = match &pre.config.size {
            Some((dims, span)) => match dims.as_slice() {
                [n] if n.value > 0 => Some((n.value as u64, n.value as u64)),
                [h, w] if h.value > 0 && w.value > 0 => Some((h.value as u64, w.value as u64)),
                _ => {
                    self.error(
                        codes::BAD_PREPROCESSING,
                        format!("invalid image size for `{}`", port.name),
                        *span,
                        "expected one or two positive sizes",
                    );
                    return None;
                }
            },
            None => match port.ty.shape.as_deref() {
                Some([_, _, Dim::Fixed(h), Dim::Fixed(w)]) => Some((*h, *w)),
                _ if !normalize => {
                    self.error(
                        codes::BAD_PREPROCESSING,
                        format!("the resize hint of `{}` has no size", port.name),
                        pre.key,
                        "no `config.size`, and the input's shape has no fixed height and width",
                    );
                    return None;
                }
                _ => None,
            },
        };
        let mut per_channel =
            |v: &Option<(Vec<f64>, Span)>, what: &str| -> Result<Option<Vec<f32>>, ()> {
                let Some((values, span)) = v else {
                    return Ok(None);
                };
                let n = values.len();
                if n == 0 || (n != 1 && channels.is_some_and(|c| c != n)) {
                    self.error(
                        codes::BAD_PREPROCESSING,
                        format!("`{what}` of `{}` has {n} values", port.name),
                        *span,
                        format!("expected 1 or {} (one per channel)", channels.unwrap_or(3)),
                    );
                    return Err(());
                }
                if what == "std" && values.contains(&0.0) {
                    self.error(
                        codes::BAD_PREPROCESSING,
                        format!("`std` of `{}` contains 0", port.name),
                        *span,
                        "division by zero",
                    );
                    return Err(());
                }
                Ok(Some(values.iter().map(|x| *x as f32).collect()))
            };
        let mean = per_channel(&pre.config.mean, "mean").ok()?;
        let std = per_channel(&pre.config.std, "std").ok()?;
        if normalize && (mean.is_none() || std.is_none()) {
            let missing = if mean.is_none() { "mean" } else { "std" };
            self.push(
                Diagnostic::error(codes::BAD_PREPROCESSING, format!("the normalization hint of `{}` has no `{missing}`", port.name))
                    .with_primary(pre.key, format!("no `config.{missing}`"))
                    .with_help("give both, one value per channel: `config: {mean: [0.485, 0.456, 0.406], std: [0.229, 0.224, 0.225]}`"),
            );
            return None;
        }
        Some(Source::Image { size, mean, std })
    }

    /// An input without a hint: the tokenizer's outputs by name, an image by
    /// its `[N, C, H, W]` float shape; anything else cannot be made.
    pub(super) fn inferred(
        &mut self,
        port: &ModelPort,
        span: Span,
        from_model: bool,
    ) -> Option<Source> {
        if TOKENIZER_FIELDS.contains(&port.name.as_str()) {
            let tokenizer = Str {
                value: "tokenizer.json".into(),
                span,
            };
            if !self.tokenizer_present(&tokenizer) {
                return None;
            }
            let tokenizer_type = hf::model_type(&self.options.package_dir)
                .map(|t| format!(" ({t})"))
                .unwrap_or_default();
            if !from_model {
                self.push(
                    note(format!("`{}` has no preprocessing hint: made by tokenizing the text with `tokenizer.json`{tokenizer_type}", port.name))
                        .with_primary(span, "assumed `preprocessing: {type: tokenization, tokenizer: tokenizer.json}`"),
                );
            }
            return Some(Source::Text {
                tokenizer: "tokenizer.json".into(),
                padding: None,
                field: port.name.clone(),
            });
        }
        if let Some([_, _, Dim::Fixed(h), Dim::Fixed(w)]) = port.ty.shape.as_deref()
            && matches!(port.ty.dtype, Some(DType::F32) | None)
        {
            self.push(
                note(format!("`{}` has no preprocessing hint: made from the image argument, resized to {h}x{w}, values in [0, 1], not normalised", port.name))
                    .with_primary(span, "assumed an image input")
                    .with_help("add `preprocessing: {type: normalization, config: {mean: [...], std: [...]}}` if the model expects normalised pixels"),
            );
            return Some(Source::Image {
                size: Some((*h, *w)),
                mean: None,
                std: None,
            });
        }
        self.push(
            Diagnostic::error(codes::NO_INPUT_SOURCE, format!("no way to make input `{}` from the argument", port.name))
                .with_primary(span, "this input has no preprocessing hint")
                .with_help("add `preprocessing:` with `type: tokenization` (text) or `type: normalization` / `resize` (images)"),
        );
        None
    }
}
