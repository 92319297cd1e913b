//! The package's files: paths, sizes and digests, the execution format and
//! the model file it names.

use super::*;

impl Checker<'_> {
    /// Checks every listed file's path, size and digest; returns the paths
    /// of the files that are present and match.
    pub(super) fn files(&mut self, m: &Manifest) -> BTreeSet<String> {
        let mut ok = BTreeSet::new();
        let mut seen: Vec<&Str> = Vec::new();
        let Some(format) = &m.spec.format else {
            return ok;
        };
        for f in &format.files {
            if let Some(first) = seen.iter().find(|s| s.value == f.path.value) {
                self.push(
                    Diagnostic::error(
                        codes::DUPLICATE_NAME,
                        format!("`{}` is listed twice", f.path.value),
                    )
                    .with_primary(f.path.span, "listed again here")
                    .with_secondary(first.span, "first listed here"),
                );
                continue;
            }
            seen.push(&f.path);
            if let Err(why) = rules::package_path(&f.path.value) {
                self.error(
                    codes::BAD_PATH,
                    format!("invalid path `{}`: {why}", f.path.value),
                    f.path.span,
                    "not a path inside the package",
                );
                continue;
            }
            let want_sha = f
                .sha256
                .as_ref()
                .and_then(|s| match rules::sha256(&s.value) {
                    Ok(d) => Some((d, s.span)),
                    Err(why) => {
                        self.push(
                            Diagnostic::error(
                                codes::BAD_SHA256,
                                format!("invalid sha256 for `{}`: {why}", f.path.value),
                            )
                            .with_primary(s.span, "expected 64 hexadecimal digits")
                            .with_help("compute it with `sha256sum FILE`"),
                        );
                        None
                    }
                });
            if let Some(size) = f.size
                && size.value < 0
            {
                self.error(
                    codes::WRONG_TYPE,
                    format!("the size of `{}` is negative", f.path.value),
                    size.span,
                    "expected a size in bytes",
                );
            }
            let path = self.options.package_dir.join(&f.path.value);
            let meta = match std::fs::metadata(&path) {
                Ok(meta) if meta.is_file() => meta,
                _ => {
                    let mut d = Diagnostic::error(
                        codes::FILE_MISSING,
                        format!("`{}` is not in the package", f.path.value),
                    )
                    .with_primary(f.path.span, "listed here")
                    .with_note(format!("looked for {}", path.display()));
                    if let Some(best) = self.closest_file(&f.path.value) {
                        d = d.with_help(format!("the package has `{best}`"));
                    }
                    self.push(d);
                    continue;
                }
            };
            let mut good = true;
            if let Some(size) = f.size
                && size.value >= 0
                && size.value as u64 != meta.len()
            {
                good = false;
                self.push(
                    Diagnostic::error(codes::SIZE_MISMATCH, format!("`{}` is {} bytes, the manifest says {}", f.path.value, meta.len(), size.value))
                        .with_primary(size.span, format!("the file has {} bytes", meta.len()))
                        .with_help("the file changed since the manifest was written: update the size and sha256, or restore the file"),
                );
            }
            if let Some((want, span)) = want_sha {
                match std::fs::read(&path) {
                    Ok(bytes) => {
                        let got: [u8; 32] = Sha256::digest(&bytes).into();
                        if got != want {
                            good = false;
                            self.push(
                                Diagnostic::error(codes::SHA256_MISMATCH, format!("the sha256 of `{}` differs from the manifest", f.path.value))
                                    .with_primary(span, "the manifest says this")
                                    .with_note(format!("the file's sha256 is {}", rules::hex(&got)))
                                    .with_help("the file changed since the manifest was written: update the sha256, or restore the file"),
                            );
                        }
                    }
                    Err(e) => {
                        good = false;
                        self.error(
                            codes::PACKAGE_UNREADABLE,
                            format!("cannot read `{}`: {e}", f.path.value),
                            f.path.span,
                            "listed here",
                        );
                    }
                }
            }
            if good {
                ok.insert(f.path.value.clone());
            }
        }
        ok
    }

    pub(super) fn closest_file(&self, wanted: &str) -> Option<String> {
        let names: Vec<String> = std::fs::read_dir(&self.options.package_dir)
            .ok()?
            .filter_map(Result::ok)
            .filter_map(|e| e.file_name().into_string().ok())
            .collect();
        suggest::closest(wanted, names.iter().map(String::as_str)).map(str::to_string)
    }

    pub(super) fn execution_format(&mut self, m: &Manifest) -> Option<Str> {
        let format = m.spec.format.as_ref()?;
        let exec = match &format.execution_format {
            Some(e) => Str {
                value: e.value.to_ascii_lowercase(),
                span: e.span,
            },
            None => {
                let onnx = format
                    .files
                    .iter()
                    .any(|f| f.path.value.to_ascii_lowercase().ends_with(".onnx"));
                let framework = m.spec.framework.as_ref().and_then(|f| f.name.as_ref());
                let (value, why) = match (onnx, &format.kind, framework) {
                    (true, _, _) => (
                        "onnx".to_string(),
                        "the package has an ONNX file".to_string(),
                    ),
                    (false, Some(t), _) => (
                        t.value.to_ascii_lowercase(),
                        format!("`spec.format.type` is `{}`", t.value),
                    ),
                    (false, None, Some(f)) => (
                        f.value.to_ascii_lowercase(),
                        format!("`spec.framework.name` is `{}`", f.value),
                    ),
                    (false, None, None) => (
                        "onnx".to_string(),
                        "no format or framework is named".to_string(),
                    ),
                };
                self.push(
                    Diagnostic::warning(codes::ASSUMED, format!("`spec.format.execution_format` is missing: assumed `{value}` because {why}"))
                        .with_primary(format.key, format!("assumed `execution_format: {value}`"))
                        .with_help(format!("add `execution_format: {value}` to `spec.format`")),
                );
                Str {
                    value,
                    span: format.key,
                }
            }
        };
        if !self
            .options
            .formats
            .iter()
            .any(|f| f.eq_ignore_ascii_case(&exec.value))
        {
            let available: Vec<&str> = self.options.formats.iter().map(String::as_str).collect();
            let mut d = Diagnostic::error(
                codes::UNKNOWN_EXECUTION_FORMAT,
                format!("no runtime backend runs execution format `{}`", exec.value),
            )
            .with_primary(exec.span, "no backend for this format")
            .with_note(format!("available formats: {}", list(&available)));
            d = match suggest::closest(&exec.value, available.iter().copied()) {
                Some(best) => d.with_suggestion(format!("did you mean `{best}`?"), exec.span, best),
                None => d.with_help("convert the model to a format the runtime runs (for example ONNX) and list that file"),
            };
            self.push(d);
            return None;
        }
        Some(exec)
    }

    /// The first listed file of the execution format (`.onnx` for `onnx`).
    pub(super) fn model_file(&mut self, m: &Manifest, exec: &Str) -> Option<(String, Span)> {
        let format = m.spec.format.as_ref()?;
        let ext = format!(".{}", exec.value);
        match format
            .files
            .iter()
            .find(|f| f.path.value.to_ascii_lowercase().ends_with(&ext))
        {
            Some(f) => Some((f.path.value.clone(), f.path.span)),
            None => {
                let names: Vec<&str> = format.files.iter().map(|f| f.path.value.as_str()).collect();
                self.push(
                    Diagnostic::error(
                        codes::NO_MODEL_FILE,
                        format!(
                            "no listed file is a model of execution format `{}`",
                            exec.value
                        ),
                    )
                    .with_primary(format.key, format!("no `*{ext}` file in `files`"))
                    .with_note(format!("the files are {}", list(&names)))
                    .with_help(format!(
                        "list the model file (`model{ext}`) under `spec.format.files`"
                    )),
                );
                None
            }
        }
    }
}
