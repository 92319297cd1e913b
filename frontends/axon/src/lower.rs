//! Lowers a [`Recipe`] to the shared IR: read the argument, make every
//! model input from it (tokenizer outputs, or an image loaded, resized and
//! normalised by the runtime's image host functions), run the model once
//! and return every declared output by name.
//!
//! ```text
//! text  = arg 0
//! tok   = load_extern tokenizer "tokenizer.json"
//! enc   = encode tok, text
//! ids   = extract enc, "input_ids"          ; one per tokenizer input
//! model = load_model model0
//! outs  = run inputs=[...] outputs=[...] model, ids, ...
//! return outs...
//! ```

use omex_diagnostics::Span;
use omex_ir::{ArgDecl, Block, DType, Dim, ModelDecl, Module, Op, TensorType, Type, Value};
use omex_mep::Constant;
use omex_mep::subtype::ExternKind;

use crate::recipe::{Recipe, Source, TOKENIZER_FIELDS, tokenizer_max_length};

struct Builder {
    module: Module,
    body: Block,
}

impl Builder {
    fn emit(&mut self, op: Op, args: Vec<Value>, results: Vec<Type>, span: Span) -> Vec<Value> {
        let inst = self.module.append(self.body, op, args, results, Some(span));
        self.module.insts[inst].results.to_vec()
    }

    fn value(&mut self, op: Op, args: Vec<Value>, ty: Type, span: Span) -> Value {
        self.emit(op, args, vec![ty], span)[0]
    }

    fn konst(&mut self, c: Constant, span: Span) -> Value {
        let ty = match &c {
            Constant::Bool(_) => Type::Bool,
            Constant::Int(_) => Type::Int,
            Constant::Float(_) => Type::Float,
            Constant::Str(_) => Type::Str,
            Constant::FloatList(_) => Type::List(Box::new(Type::Float)),
            Constant::IntList(_) => Type::List(Box::new(Type::Int)),
            Constant::StrList(_) => Type::List(Box::new(Type::Str)),
            Constant::Bytes(_) => Type::Bytes,
            Constant::Null => Type::Any,
        };
        self.value(Op::Const(c), Vec::new(), ty, span)
    }

    fn arg(&mut self, name: &str, span: Span) -> Value {
        let index = self.module.args.len() as u8;
        self.module.args.push(ArgDecl {
            index,
            name: name.into(),
        });
        let v = self.value(Op::Arg { index }, Vec::new(), Type::Str, span);
        self.module.name_value(v, name);
        v
    }
}

fn ids_type() -> Type {
    Type::tensor(DType::I64, vec![Dim::Fixed(1), Dim::Sym("seq".into())])
}

/// The IR of a recipe; `file` is the name of the manifest (spans point into it).
pub fn lower(recipe: &Recipe, files: Vec<String>) -> Module {
    let mut module = Module::new(recipe.name.clone());
    module.files = files;
    module.memory_budget = recipe.memory;
    // Every tokenizer truncates: `seq` is at most the longest of them.
    let bounds: Option<Vec<u64>> = recipe
        .inputs
        .iter()
        .filter_map(|i| match &i.source {
            Source::Text { tokenizer, .. } => {
                Some(tokenizer_max_length(&recipe.package_dir.join(tokenizer)))
            }
            Source::Image { .. } => None,
        })
        .collect();
    if let Some(seq) = bounds.and_then(|b| b.into_iter().max()) {
        module.dim_bounds.insert("seq".into(), seq);
    }
    let body = module.create_block();
    module.body = Some(body);
    let mut b = Builder { module, body };

    // The text argument, shared by every tokenizer input, and one argument
    // per image input, numbered in the order the inputs are listed.
    let mut text: Option<Value> = None;

    // One tokenizer load and one encoding per distinct tokenizer setting.
    let mut encodings: Vec<((String, Option<bool>), Value)> = Vec::new();
    let mut values = Vec::new();
    for input in &recipe.inputs {
        let span = input.span;
        let value = match &input.source {
            Source::Text {
                tokenizer,
                padding,
                field,
            } => {
                let text_arg = match text {
                    Some(t) => t,
                    None => *text.insert(b.arg("text", span)),
                };
                let key = (tokenizer.clone(), *padding);
                let enc = match encodings.iter().find(|(k, _)| *k == key) {
                    Some((_, v)) => *v,
                    None => {
                        let params = match padding {
                            Some(p) => vec![b.konst(Constant::Bool(*p), span)],
                            None => Vec::new(),
                        };
                        let op = Op::LoadExtern {
                            kind: ExternKind::Tokenizer,
                            repo: tokenizer.clone(),
                        };
                        let tok = b.value(op, params, Type::Tokenizer, span);
                        let fields = TOKENIZER_FIELDS
                            .iter()
                            .map(|f| (f.to_string(), ids_type()))
                            .collect();
                        let args = vec![tok, text_arg];
                        let enc = b.value(Op::Encode, args, Type::Dict(Some(fields)), span);
                        b.module.name_value(enc, "encoding");
                        encodings.push((key, enc));
                        enc
                    }
                };
                let name = b.konst(Constant::Str(field.clone()), span);
                b.value(Op::Extract, vec![enc, name], ids_type(), span)
            }
            Source::Image { size, mean, std } => {
                // One image: `image`; several: each is named after its input.
                let images = recipe
                    .inputs
                    .iter()
                    .filter(|i| matches!(i.source, Source::Image { .. }))
                    .count();
                let name = if images == 1 {
                    "image"
                } else {
                    &input.port.name
                };
                let path = b.arg(name, span);
                let f32 = || Type::Tensor(TensorType::of(DType::F32));
                let call = |name: &str| Op::CallHost { name: name.into() };
                let mut pixels = b.value(call("image_load"), vec![path], f32(), span);
                if let Some((h, w)) = size {
                    let h = b.konst(Constant::Int(*h as i64), span);
                    let w = b.konst(Constant::Int(*w as i64), span);
                    pixels = b.value(call("image_resize"), vec![pixels, h, w], f32(), span);
                }
                if let (Some(mean), Some(std)) = (mean, std) {
                    let mean = b.konst(Constant::FloatList(mean.clone()), span);
                    let std = b.konst(Constant::FloatList(std.clone()), span);
                    pixels = b.value(
                        call("image_normalize"),
                        vec![pixels, mean, std],
                        f32(),
                        span,
                    );
                }
                pixels
            }
        };
        b.module.name_value(value, &input.port.name);
        values.push(value);
    }

    let sig = recipe.signature.as_ref();
    let model = b.module.models.push(ModelDecl {
        path: recipe.model_path.clone(),
        format: recipe.format.clone(),
        inputs: Some(recipe.inputs.iter().map(|i| i.port.clone()).collect()),
        outputs: Some(recipe.outputs.iter().map(|(p, _)| p.clone()).collect()),
        size: sig.map(|s| s.size),
        sha256: sig.map(|s| s.sha256),
        span: Some(recipe.model_span),
    });
    let handle = b.value(
        Op::LoadModel(model),
        Vec::new(),
        Type::Model,
        recipe.model_span,
    );
    b.module.name_value(handle, "model");
    let run = Op::RunStatic {
        inputs: recipe.inputs.iter().map(|i| i.port.name.clone()).collect(),
        outputs: recipe.outputs.iter().map(|(p, _)| p.name.clone()).collect(),
    };
    let mut args = vec![handle];
    args.extend(values);
    let types = recipe
        .outputs
        .iter()
        .map(|(p, _)| Type::Tensor(p.ty.clone()))
        .collect();
    let results = b.emit(run, args, types, recipe.model_span);
    for (v, (p, _)) in results.iter().zip(&recipe.outputs) {
        b.module.name_value(*v, &p.name);
    }
    let names = recipe.outputs.iter().map(|(p, _)| p.name.clone()).collect();
    let span = recipe
        .outputs
        .first()
        .map_or(recipe.model_span, |(_, s)| *s);
    b.emit(Op::Return { names }, results, Vec::new(), span);
    b.module
}
