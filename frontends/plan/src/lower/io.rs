//! Builtins that touch the world: resources and settings, data files, text
//! (tokenizers, `format`) and the sinks.

use omex_diagnostics::{Diagnostic, Span};
use omex_ir::{Dim, Op, Type};
use omex_mep::Constant;
use omex_mep::subtype::{
    CtlType, DataFileType, ExternKind, FileFormat, ImageRange, ReadMode, StreamMode,
};

use super::builtins::Call;
use super::{Lowered, Lowerer};
use crate::codes;
use crate::paths::{self, Found};
use crate::types::{Want, any_dim};

/// The placeholders of a format string: their count, or what is wrong.
pub fn count_placeholders(template: &str) -> Result<usize, String> {
    let mut count = 0;
    let mut chars = template.chars().peekable();
    while let Some(c) = chars.next() {
        match (c, chars.peek()) {
            ('{', Some('{')) | ('}', Some('}')) => {
                chars.next();
            }
            ('{', Some('}')) => {
                chars.next();
                count += 1;
            }
            ('{', _) => {
                return Err("`{` must be followed by `}` (a placeholder) or doubled (`{{`)".into());
            }
            ('}', _) => return Err("`}` must be doubled (`}}`) outside a placeholder".into()),
            _ => {}
        }
    }
    Ok(count)
}

impl Lowerer<'_> {
    pub fn resource(&mut self, c: &Call) -> Lowered {
        match c.builtin.name {
            "tokenizer" => {
                let path = self.lit_str_arg(c, "path");
                let padding = self.lit_bool_arg(c, "padding");
                let (Some(path), Some(padding)) = (path.req(), padding.opt()) else {
                    return Lowered::Error;
                };
                let span = c.expr("path").map_or(c.span, |e| e.span);
                self.check_file_exists(&path, span, "tokenizer", codes::TOKENIZER_NOT_FOUND);
                let params = match padding {
                    Some(p) => {
                        let span = c.expr("padding").map_or(c.span, |e| e.span);
                        vec![self.konst(Constant::Bool(p), span)]
                    }
                    None => Vec::new(),
                };
                let op = Op::LoadExtern {
                    kind: ExternKind::Tokenizer,
                    repo: path,
                };
                Lowered::Value(self.emit(op, params, Type::Tokenizer, c.span))
            }
            "component" => {
                let path = self.lit_str_arg(c, "path");
                let kind = self.lit_str_arg(c, "kind");
                let (Some(path), Some(kind)) = (path.req(), kind.opt()) else {
                    return Lowered::Error;
                };
                // With `kind`, the host constructs that kind from the path;
                // without, the path names the constructor itself.
                let (repo, params) = match kind {
                    Some(kind) => {
                        let span = c.expr("path").map_or(c.span, |e| e.span);
                        (kind, vec![self.str_const(&path, span)])
                    }
                    None => (path, Vec::new()),
                };
                let op = Op::LoadExtern {
                    kind: ExternKind::HostObject,
                    repo: repo.clone(),
                };
                Lowered::Value(self.emit(op, params, Type::Opaque(repo), c.span))
            }
            "device" | "precision" => {
                let Some(value) = self.lit_str_arg(c, "name").req() else {
                    return Lowered::Error;
                };
                let ctl = if c.builtin.name == "device" {
                    CtlType::Device
                } else {
                    CtlType::Precision
                };
                let op = Op::ExecCtl {
                    ctl,
                    value: Constant::Str(value),
                };
                self.emit0(op, Vec::new(), c.span);
                Lowered::Nothing(c.builtin.name.into())
            }
            "threads" | "seed" => {
                let param = if c.builtin.name == "threads" {
                    "count"
                } else {
                    "value"
                };
                let Some(n) = self.lit_int_arg(c, param).req() else {
                    return Lowered::Error;
                };
                if c.builtin.name == "threads" && n < 1 {
                    let span = c.expr(param).map_or(c.span, |e| e.span);
                    let d = Diagnostic::error(
                        codes::VALUE_OUT_OF_RANGE,
                        format!("`threads` needs at least 1 thread, found {n}"),
                    )
                    .with_primary(span, "expected 1 or more");
                    self.report(d);
                    return Lowered::Error;
                }
                let ctl = if c.builtin.name == "threads" {
                    CtlType::Threads
                } else {
                    CtlType::Seed
                };
                let op = Op::ExecCtl {
                    ctl,
                    value: Constant::Int(n),
                };
                self.emit0(op, Vec::new(), c.span);
                Lowered::Nothing(c.builtin.name.into())
            }
            "unload" => {
                let Some(e) = c.expr("value") else {
                    return Lowered::Error;
                };
                let Some(v) = self.value(e) else {
                    return Lowered::Error;
                };
                self.emit0(Op::Unload, vec![v], c.span);
                self.st.unloaded.insert(v, c.span);
                Lowered::Nothing("unload".into())
            }
            "read_text" | "read_bytes" => {
                let Some(path) = self.get(c, "path", Want::Str).req() else {
                    return Lowered::Error;
                };
                let (mode, ty) = if c.builtin.name == "read_text" {
                    (ReadMode::Text, Type::Str)
                } else {
                    (ReadMode::Binary, Type::Bytes)
                };
                Lowered::Value(self.emit(Op::ReadFile { mode }, vec![path], ty, c.span))
            }
            _ => {
                let Some(path) = self.lit_str_arg(c, "path").req() else {
                    return Lowered::Error;
                };
                let (kind, ty) = if c.builtin.name == "load_json" {
                    (DataFileType::Json, Type::Any)
                } else {
                    (DataFileType::TxtLines, Type::List(Box::new(Type::Str)))
                };
                Lowered::Value(self.emit(Op::LoadDataFile { kind, path }, Vec::new(), ty, c.span))
            }
        }
    }

    /// Warns when a file the plan names is not found in the search path.
    pub fn check_file_exists(
        &mut self,
        path: &str,
        span: Span,
        what: &str,
        code: &'static str,
    ) -> Option<std::path::PathBuf> {
        match paths::resolve(path, self.cx.options) {
            Found::At(p) => Some(p),
            Found::Missing(tried) => {
                let mut d = Diagnostic::warning(code, format!("{what} file `{path}` not found"))
                    .with_primary(span, "not found in the plan's folder or the model path");
                for t in &tried {
                    d = d.with_note(format!("looked for {}", t.display()));
                }
                d = d.with_help(
                    "the runtime looks in the same places; add the folder that holds it to the model path",
                );
                self.report(d);
                None
            }
        }
    }

    pub fn text_builtin(&mut self, c: &Call) -> Lowered {
        match c.builtin.name {
            "encode" => {
                let tok = self.get(c, "tokenizer", Want::Tokenizer);
                let text = self.get(c, "text", Want::Text);
                let (Some(tok), Some(text)) = (tok.req(), text.req()) else {
                    return Lowered::Error;
                };
                let batch = match self.ty(text) {
                    Type::Str => Dim::Fixed(1),
                    _ => any_dim(),
                };
                let ty = crate::annot::encoding_of(batch);
                Lowered::Value(self.emit(Op::Encode, vec![tok, text], ty, c.span))
            }
            "decode" => {
                let tok = self.get(c, "tokenizer", Want::Tokenizer);
                let ids = self.get(c, "ids", Want::Ids);
                let (Some(tok), Some(ids)) = (tok.req(), ids.req()) else {
                    return Lowered::Error;
                };
                Lowered::Value(self.emit(Op::Decode, vec![tok, ids], Type::Str, c.span))
            }
            "token_id" => {
                let tok = self.get(c, "tokenizer", Want::Tokenizer);
                let token = self.lit_str_arg(c, "token");
                let (Some(tok), Some(token)) = (tok.req(), token.req()) else {
                    return Lowered::Error;
                };
                Lowered::Value(self.emit(Op::SpecialId { token }, vec![tok], Type::Int, c.span))
            }
            _ => self.format(c),
        }
    }

    fn format(&mut self, c: &Call) -> Lowered {
        let template = self.lit_str_arg(c, "template");
        let mut values = Vec::new();
        let mut ok = true;
        for arg in &c.bound.rest {
            match self.value_want(&arg.value, Want::Value, "for a value of `format`") {
                Some(v) => values.push(v),
                None => ok = false,
            }
        }
        let Some(template) = template.req() else {
            return Lowered::Error;
        };
        let span = c.expr("template").map_or(c.span, |e| e.span);
        match count_placeholders(&template) {
            Err(why) => {
                let d = Diagnostic::error(codes::FORMAT_PLACEHOLDERS, "invalid format string")
                    .with_primary(span, why)
                    .with_note("placeholders are written `{}`; write `{{` and `}}` for braces");
                self.report(d);
                return Lowered::Error;
            }
            Ok(n) if n != c.bound.rest.len() => {
                let given = c.bound.rest.len();
                let mut d = Diagnostic::error(
                    codes::FORMAT_PLACEHOLDERS,
                    format!(
                        "the format string has {n} placeholder{} but {given} value{} {} given",
                        if n == 1 { "" } else { "s" },
                        if given == 1 { "" } else { "s" },
                        if given == 1 { "was" } else { "were" }
                    ),
                )
                .with_primary(span, format!("{n} `{{}}`"));
                for extra in c.bound.rest.iter().skip(n) {
                    d = d.with_secondary(extra.span, "no placeholder for this value");
                }
                if given < n {
                    d = d.with_help(format!("pass one value per `{{}}`: {} more", n - given));
                }
                self.report(d);
                return Lowered::Error;
            }
            Ok(_) => {}
        }
        if !ok {
            return Lowered::Error;
        }
        Lowered::Value(self.emit(Op::Format { template }, values, Type::Str, c.span))
    }

    pub fn sink(&mut self, c: &Call) -> Lowered {
        let name = c.builtin.name;
        match name {
            "print" | "stream" => {
                let Some(v) = self.get(c, "value", Want::Value).req() else {
                    return Lowered::Error;
                };
                let mode = if name == "print" {
                    StreamMode::Line
                } else {
                    StreamMode::Stream
                };
                self.emit0(Op::Print(mode), vec![v], c.span);
                Lowered::Nothing(name.into())
            }
            "write_text" | "write_png" | "write_wav" | "write_tensor" => {
                let (param, want, format) = match name {
                    "write_text" => ("value", Want::Value, FileFormat::Txt),
                    "write_png" => ("image", Want::Image, FileFormat::Png),
                    "write_wav" => ("audio", Want::Audio, FileFormat::Wav),
                    _ => ("tensor", Want::Tensor, FileFormat::Tensor),
                };
                let v = self.get(c, param, want);
                let path = self.get(c, "path", Want::Str);
                let (Some(mut v), Some(path)) = (v.req(), path.req()) else {
                    return Lowered::Error;
                };
                // A float tensor becomes an image first, from [0, 1].
                if format == FileFormat::Png
                    && let Type::Tensor(t) = self.ty(v)
                    && t.dtype.is_some_and(crate::types::is_float)
                {
                    v = self.emit(Op::ToImage(ImageRange::Unit), vec![v], Type::Image, c.span);
                }
                self.emit0(Op::WriteFile(format), vec![v, path], c.span);
                Lowered::Nothing(name.into())
            }
            "to_image" => self.image_of(c),
            "to_wav" => {
                let samples = self.get(c, "samples", Want::Tensor);
                let rate = self.get(c, "rate", Want::Int);
                let (Some(samples), Some(rate)) = (samples.req(), rate.req()) else {
                    return Lowered::Error;
                };
                Lowered::Value(self.emit(Op::ToAudio, vec![samples, rate], Type::Audio, c.span))
            }
            "table" => {
                let labels = self.get(c, "labels", Want::Labels);
                let indices = self.get(c, "indices", Want::Ids);
                let values = self.get(c, "values", Want::Tensor);
                let (Some(l), Some(i), Some(v)) = (labels.req(), indices.req(), values.req())
                else {
                    return Lowered::Error;
                };
                Lowered::Value(self.emit(Op::FormatTable, vec![l, i, v], Type::Str, c.span))
            }
            _ => {
                let v = self.get(c, "value", Want::Value);
                let message = self.lit_str_arg(c, "message");
                let (Some(v), Some(message)) = (v.req(), message.opt()) else {
                    return Lowered::Error;
                };
                let op = Op::DebugPrint {
                    message: message.unwrap_or_default(),
                };
                self.emit0(op, vec![v], c.span);
                Lowered::Nothing(name.into())
            }
        }
    }

    fn image_of(&mut self, c: &Call) -> Lowered {
        let x = self.get(c, "x", Want::Tensor);
        let low = self.lit_num_arg(c, "low");
        let high = self.lit_num_arg(c, "high");
        let (Some(x), Some(low), Some(high)) = (x.req(), low.opt(), high.opt()) else {
            return Lowered::Error;
        };
        let (low, high) = (low.unwrap_or(0.0), high.unwrap_or(1.0));
        let range = if (low, high) == (0.0, 1.0) {
            ImageRange::Unit
        } else if (low, high) == (-1.0, 1.0) {
            ImageRange::Signed
        } else if (low, high) == (0.0, 255.0) {
            ImageRange::Byte
        } else {
            let span = match (c.arg("low"), c.arg("high")) {
                (Some(l), Some(h)) => l.span.to(h.span),
                (Some(a), None) | (None, Some(a)) => a.span,
                (None, None) => c.span,
            };
            let d = Diagnostic::error(
                codes::IMAGE_RANGE,
                format!("`to_image` cannot map the range [{low}, {high}]"),
            )
            .with_primary(span, "unsupported range")
            .with_note("the supported ranges are [0, 1] (`low: 0.0, high: 1.0`), [-1, 1] (`low: -1.0, high: 1.0`) and [0, 255] (`low: 0, high: 255`)")
            .with_help("rescale the tensor into one of them first, e.g. `(x - low) / (high - low)` for [0, 1]");
            self.report(d);
            return Lowered::Error;
        };
        Lowered::Value(self.emit(Op::ToImage(range), vec![x], Type::Image, c.span))
    }
}

#[cfg(test)]
mod tests {
    use super::count_placeholders;

    #[test]
    fn placeholders() {
        assert_eq!(count_placeholders("a {} b {}"), Ok(2));
        assert_eq!(count_placeholders("{{}} {}"), Ok(1));
        assert!(count_placeholders("{0}").is_err());
        assert!(count_placeholders("a } b").is_err());
        assert_eq!(count_placeholders("\n[{} tokens]"), Ok(1));
    }
}
