//! The instruction dispatch: one arm per MEP instruction.

use std::io::Write;
use std::sync::Arc;

use omex_mep::subtype::{PromptType, ReadMode, ResType, StreamMode};
use omex_mep::{Instruction, Program, Slot};

use super::{Flow, Vm};
use crate::error::{ErrorKind, Result, RuntimeError};
use crate::host::HostContext;
use crate::ops::{analysis, create, format, manip, math};
use crate::outputs::Outputs;
use crate::tensor::{DType, Num};
use crate::value::{Value, type_mismatch, want_int, want_str};

impl Vm {
    fn constant(&self, id: u16) -> &Value {
        self.constants.get(id as usize).unwrap_or(&Value::Null)
    }

    fn const_str(&self, id: u16) -> &str {
        self.constant(id).as_str().unwrap_or("")
    }

    /// The values of a list of slots.
    fn gets(&self, slots: &[Slot]) -> Result<Vec<&Value>> {
        slots.iter().map(|s| self.get(*s)).collect()
    }

    /// A branch condition: a bool, or a one-element tensor (non-zero is true).
    fn truthy(&self, slot: Slot, what: &str) -> Result<bool> {
        match self.get(slot)? {
            Value::Bool(b) => Ok(*b),
            Value::Tensor(t) if t.numel() == 1 => Ok(match t.single() {
                Some(Num::Bool(b)) => b,
                Some(n) => n.as_f64() != 0.0,
                None => false,
            }),
            other => Err(type_mismatch(what, "a bool or a one-element tensor", other)),
        }
    }

    pub(super) fn exec(
        &mut self,
        program: &Program,
        pc: usize,
        instruction: &Instruction,
    ) -> Result<Flow> {
        use Instruction as I;
        match instruction {
            I::SrcCmdArg { out, arg } => {
                let value = self
                    .options
                    .args
                    .get(*arg as usize)
                    .cloned()
                    .ok_or_else(|| {
                        let interface = program.module().interface.as_ref();
                        let name = interface
                            .and_then(|i| i.args.iter().find(|a| a.index == *arg))
                            .map(|a| format!(" `{}`", a.name))
                            .unwrap_or_default();
                        let expected: Vec<String> = interface
                            .map(|i| i.args.iter().map(|a| a.name.clone()).collect())
                            .unwrap_or_default();
                        let mut e = RuntimeError::new(
                            ErrorKind::Input,
                            format!(
                                "missing command-line argument {arg}{name} ({} given)",
                                self.options.args.len()
                            ),
                        );
                        if !expected.is_empty() {
                            e = e.with_help(format!("the recipe takes: {}", expected.join(", ")));
                        }
                        e
                    })?;
                self.set(*out, Value::str(&value));
            }
            I::SrcUserPrompt {
                out,
                data_type,
                prompt,
            } => {
                let v = self.prompt(*data_type, prompt.0.0)?;
                self.set(*out, v);
            }
            I::SrcFileContent { out, path, mode } => {
                let p = want_str(self.get(*path)?, "SRC_FILE_CONTENT path")?.to_string();
                let real = self.sandbox.check_read(&p)?;
                let bytes = std::fs::read(&real)
                    .map_err(|e| RuntimeError::io(format!("cannot read `{p}`: {e}")))?;
                let v = match mode {
                    ReadMode::Binary => Value::Bytes(Arc::from(bytes.as_slice())),
                    ReadMode::Text => {
                        Value::Str(Arc::from(String::from_utf8(bytes).map_err(|_| {
                            RuntimeError::io(format!("`{p}` is not UTF-8 text"))
                                .with_help("read it with mode=binary")
                        })?))
                    }
                };
                self.set(*out, v);
            }
            I::SrcConstant { out, value } => {
                let v = self.constant(value.0.0).clone();
                self.set(*out, v);
            }
            I::ResLoadModel { model, path } => {
                let p = self.const_str(path.0.0).to_string();
                self.load_model(program, model.0, &p)?;
            }
            I::ResLoadDatafile {
                out,
                file_type,
                path,
            } => {
                let p = self.const_str(path.0.0).to_string();
                let v = self.load_datafile(*file_type, &p)?;
                self.set(*out, v);
            }
            I::ResLoadExtern {
                out,
                repo,
                kind,
                params,
            } => {
                let r = self.const_str(repo.0.0).to_string();
                let params: Vec<Value> = self.gets(params)?.into_iter().cloned().collect();
                let v = self.load_extern(*kind, &r, &params)?;
                self.set(*out, v);
            }
            I::ExecCtl { ctl, value } => {
                let v = self.constant(value.0.0).clone();
                self.exec_ctl(*ctl, &v)?;
            }
            I::ResUnload { res, target } => match res {
                ResType::Model => self.unload_model(*target),
                ResType::Context => {
                    if let Some(s) = self.slots.get_mut(*target as usize) {
                        *s = None;
                    }
                }
            },
            I::PreprocEncode { proc, input, out } => {
                let processor = self.get(*proc)?.clone();
                let v = match &processor {
                    Value::Tokenizer(t) => t.encode(self.get(*input)?)?,
                    Value::Host(h) => self.call_method_one(h.clone(), "encode", &[*input])?,
                    other => {
                        return Err(type_mismatch(
                            "PREPROC_ENCODE processor",
                            "a tokenizer",
                            other,
                        ));
                    }
                };
                self.set(*out, v);
            }
            I::PreprocDecode { proc, input, out } => {
                let processor = self.get(*proc)?.clone();
                let v = match &processor {
                    Value::Tokenizer(t) => Value::str(&t.decode(self.get(*input)?)?),
                    Value::Host(h) => self.call_method_one(h.clone(), "decode", &[*input])?,
                    other => {
                        return Err(type_mismatch(
                            "PREPROC_DECODE processor",
                            "a tokenizer",
                            other,
                        ));
                    }
                };
                self.set(*out, v);
            }
            I::PreprocGetId { proc, item, out } => {
                let token = self.const_str(item.0.0);
                let v = match self.get(*proc)? {
                    Value::Tokenizer(t) => Value::Int(t.token_id(token)?),
                    other => {
                        return Err(type_mismatch(
                            "PREPROC_GET_ID processor",
                            "a tokenizer",
                            other,
                        ));
                    }
                };
                self.set(*out, v);
            }
            I::StringFormat {
                out,
                format,
                inputs,
            } => {
                let values = self.gets(inputs)?;
                let s = format::string_format(self.const_str(format.0.0), &values)?;
                self.set(*out, Value::str(&s));
            }
            I::TensorCreate {
                out,
                dtype,
                op,
                params,
            } => {
                let dtype = DType::from_mep(*dtype)?;
                let t = create::create(dtype, *op, &self.gets(params)?)?;
                self.set(*out, Value::Tensor(t));
            }
            I::TensorRandom {
                out,
                dtype,
                dist,
                shape,
                seed,
            } => {
                let dtype = DType::from_mep(*dtype)?;
                let t = create::random(dtype, *dist, self.get(*shape)?, self.get(*seed)?)?;
                self.set(*out, Value::Tensor(t));
            }
            I::TensorManipulate {
                op,
                out,
                input,
                params,
            } => {
                let t = manip::manipulate(*op, self.get(*input)?, &self.gets(params)?)?;
                self.set(*out, Value::Tensor(t));
            }
            I::TensorCombine {
                op,
                out,
                inputs,
                params,
            } => {
                let axis = match params.first() {
                    None => None,
                    Some(s) => match self.get(*s)? {
                        Value::Null => None,
                        v => Some(want_int(v, "TENSOR_COMBINE axis")?),
                    },
                };
                let t = manip::combine(*op, &self.gets(inputs)?, axis)?;
                self.set(*out, Value::Tensor(t));
            }
            I::TensorInfo { op, out, input } => {
                let v = manip::info(*op, self.get(*input)?)?;
                self.set(*out, v);
            }
            I::TensorExtract { out, tensor, index } => {
                let v = manip::extract(self.get(*tensor)?, self.get(*index)?)?;
                self.set(*out, v);
            }
            I::ExternCallFunc {
                func,
                inputs,
                outputs,
            } => {
                let name = self.const_str(func.0.0).to_string();
                let values: Vec<Value> = self.gets(inputs)?.into_iter().cloned().collect();
                let ctx = HostContext {
                    sandbox: &self.sandbox,
                    search: &self.search,
                    n_outputs: outputs.len(),
                };
                let results = self.host.call(&name, &values, &ctx)?;
                for (slot, v) in outputs.iter().zip(results) {
                    self.set(*slot, v);
                }
            }
            I::ExternCallMethod {
                object,
                method,
                inputs,
                outputs,
            } => {
                let name = self.const_str(method.0.0).to_string();
                let obj = self.get(*object)?.clone();
                let results = self.call_method(&obj, &name, inputs, outputs.len())?;
                for (slot, v) in outputs.iter().zip(results) {
                    self.set(*slot, v);
                }
            }
            I::SysCopy { out, input } => {
                let v = self.get(*input)?.clone();
                self.set(*out, v);
            }
            I::SysDebugPrint { key, message } => {
                let v = self.get(*key)?;
                let line = format!(
                    "[debug] {}: {} = {}",
                    self.const_str(message.0.0),
                    v.describe(),
                    v
                );
                let _ = writeln!(self.console.stderr, "{line}");
            }
            I::MathUnary { op, out, input } => {
                let v = math::unary(*op, self.get(*input)?)?;
                self.set(*out, v);
            }
            I::MathBinary { op, out, lhs, rhs } => {
                let v = math::binary(*op, self.get(*lhs)?, self.get(*rhs)?)?;
                self.set(*out, v);
            }
            I::MathAggregate {
                op,
                out,
                input,
                params,
            } => {
                let axis = match params.first() {
                    None => None,
                    Some(s) => match self.get(*s)? {
                        Value::Null => None,
                        v => Some(want_int(v, "MATH_AGGREGATE axis")?),
                    },
                };
                let keepdims = match params.get(1) {
                    None => false,
                    Some(s) => math::keepdims_param(Some(self.get(*s)?))?,
                };
                let v = math::aggregate(*op, self.get(*input)?, axis, keepdims)?;
                self.set(*out, v);
            }
            I::LogicCompare { op, out, lhs, rhs } => {
                let v = math::compare(*op, self.get(*lhs)?, self.get(*rhs)?)?;
                self.set(*out, v);
            }
            I::AnalysisTopK {
                input,
                k,
                indices,
                values,
            } => {
                let (i, v) = analysis::top_k(self.get(*input)?, *k)?;
                self.set(*indices, Value::Tensor(i));
                self.set(*values, Value::Tensor(v));
            }
            I::AnalysisSample {
                logits,
                temperature,
                top_k,
                out,
            } => {
                let l = self.get(*logits)?.clone();
                let t = self.get(*temperature)?.clone();
                let k = self.get(*top_k)?.clone();
                let r = analysis::sample(&l, &t, &k, &mut self.rng)?;
                self.set(*out, Value::Int(r));
            }
            I::ModelRunStatic {
                model,
                inputs,
                outputs,
            } => {
                let results = self.run_static(model.0, inputs)?;
                for (slot, t) in outputs.iter().zip(results) {
                    self.set(*slot, Value::Tensor(t));
                }
            }
            I::ModelRunDynamic {
                model,
                inputs,
                out_dict,
            } => {
                let v = self.run_dynamic(model.0, inputs)?;
                self.set(*out_dict, v);
            }
            I::FlowLoopStart { counter } => {
                let n = want_int(self.get(*counter)?, "FLOW_LOOP_START counter")?;
                if n <= 0 {
                    return Ok(Flow::Jump(program.jump_target(pc)));
                }
                self.loop_progress_start(pc, n);
            }
            I::FlowLoopEnd {} => {
                let body = program.jump_target(pc);
                let start = body.saturating_sub(1);
                let Some(I::FlowLoopStart { counter }) = program.instructions().get(start) else {
                    return Err(RuntimeError::value(
                        "FLOW_LOOP_END without its FLOW_LOOP_START",
                    ));
                };
                let n = want_int(self.get(*counter)?, "FLOW_LOOP_END counter")?.saturating_sub(1);
                self.set(*counter, Value::Int(n));
                self.loop_progress_step(start, n <= 0);
                if n > 0 {
                    return Ok(Flow::Jump(body));
                }
            }
            I::FlowBranchIf { cond, .. } => {
                if self.truthy(*cond, "FLOW_BRANCH_IF condition")? {
                    return Ok(Flow::Jump(program.jump_target(pc)));
                }
            }
            I::FlowBreakLoopIf { cond } => {
                if self.truthy(*cond, "FLOW_BREAK_LOOP_IF condition")? {
                    let after = program.jump_target(pc);
                    let start = program
                        .jump_target(after.saturating_sub(1))
                        .saturating_sub(1);
                    self.loop_progress_step(start, true);
                    return Ok(Flow::Jump(after));
                }
            }
            I::FlowHalt {} => return Ok(Flow::Stop(Outputs::default())),
            I::FormatTextTable {
                out,
                labels,
                indices,
                values,
            } => {
                let s = format::text_table(
                    self.get(*labels)?,
                    self.get(*indices)?,
                    self.get(*values)?,
                )?;
                self.set(*out, Value::str(&s));
            }
            I::FormatToImage { out, input, range } => {
                let img = format::to_image(self.get(*input)?, *range)?;
                self.set(*out, Value::Tensor(img));
            }
            I::FormatToAudio { out, input, rate } => {
                let wav = format::to_audio(self.get(*input)?, self.get(*rate)?)?;
                self.set(*out, Value::Bytes(Arc::from(wav)));
            }
            I::SinkConsole { input, mode } => {
                let text = self.get(*input)?.to_string();
                let out = &mut self.console.stdout;
                let r = match mode {
                    StreamMode::Line => writeln!(out, "{text}"),
                    StreamMode::Stream => write!(out, "{text}").and_then(|_| out.flush()),
                };
                r.map_err(|e| RuntimeError::io(format!("cannot write to the console: {e}")))?;
            }
            I::SinkFile {
                input,
                path,
                format,
            } => {
                let p = want_str(self.get(*path)?, "SINK_FILE path")?.to_string();
                self.sink_file(self.get(*input)?, &p, *format)?;
            }
            I::SinkReturn { values } => {
                let names = program.module().return_names(program.offset(pc));
                let mut out = Vec::with_capacity(values.len());
                for (i, slot) in values.iter().enumerate() {
                    let name = names
                        .and_then(|n| n.get(i))
                        .cloned()
                        .unwrap_or_else(|| i.to_string());
                    out.push((name, self.get(*slot)?.clone()));
                }
                return Ok(Flow::Stop(Outputs::new(out)));
            }
        }
        Ok(Flow::Next)
    }

    fn prompt(&mut self, ty: PromptType, prompt: u16) -> Result<Value> {
        let text = self.const_str(prompt).to_string();
        let out = &mut self.console.stdout;
        write!(out, "{text}")
            .and_then(|_| out.flush())
            .map_err(|e| RuntimeError::io(format!("cannot write the prompt: {e}")))?;
        let mut line = String::new();
        let n =
            self.console.stdin.read_line(&mut line).map_err(|e| {
                RuntimeError::new(ErrorKind::Input, format!("cannot read input: {e}"))
            })?;
        if n == 0 {
            return Err(RuntimeError::new(
                ErrorKind::Input,
                format!("no input for the prompt \"{}\" (end of input)", text.trim()),
            ));
        }
        let answer = line.trim_end_matches(['\n', '\r']);
        let bad = |what: &str| {
            RuntimeError::new(
                ErrorKind::Input,
                format!(
                    "the prompt \"{}\" expects {what}, got \"{answer}\"",
                    text.trim()
                ),
            )
        };
        Ok(match ty {
            PromptType::Str => Value::str(answer),
            PromptType::Int => Value::Int(
                answer
                    .trim()
                    .parse::<i64>()
                    .map_err(|_| bad("an integer"))?,
            ),
            PromptType::Float => {
                Value::Float(answer.trim().parse::<f64>().map_err(|_| bad("a number"))?)
            }
        })
    }

    /// `EXTERN_CALL_METHOD`: tokenizer methods, or a host object's.
    fn call_method(
        &mut self,
        obj: &Value,
        name: &str,
        inputs: &[Slot],
        n_outputs: usize,
    ) -> Result<Vec<Value>> {
        match obj {
            Value::Tokenizer(t) => {
                let arg = |i: usize| -> Result<&Value> {
                    let slot = inputs.get(i).ok_or_else(|| {
                        RuntimeError::host(format!("tokenizer.{name}: missing input {i}"))
                    })?;
                    self.get(*slot)
                };
                Ok(vec![match name {
                    "encode" => t.encode(arg(0)?)?,
                    "decode" => Value::str(&t.decode(arg(0)?)?),
                    "token_to_id" => {
                        Value::Int(t.token_id(want_str(arg(0)?, "tokenizer.token_to_id")?)?)
                    }
                    "vocab_size" => Value::Int(t.vocab_size() as i64),
                    "pads" => Value::Bool(t.pads()),
                    other => {
                        return Err(RuntimeError::host(format!(
                            "a tokenizer has no method `{other}`"
                        ))
                        .with_help(
                            "tokenizer methods: encode, decode, token_to_id, vocab_size, pads",
                        ));
                    }
                }])
            }
            Value::Host(h) => {
                let values: Vec<Value> = self.gets(inputs)?.into_iter().cloned().collect();
                let ctx = HostContext {
                    sandbox: &self.sandbox,
                    search: &self.search,
                    n_outputs,
                };
                if !h.methods().contains(&name) {
                    return Err(RuntimeError::host(format!(
                        "{} has no method `{name}`",
                        h.type_name()
                    ))
                    .with_help(format!("its methods: {}", h.methods().join(", "))));
                }
                h.call(name, &values, &ctx)
            }
            other => Err(type_mismatch(
                &format!("EXTERN_CALL_METHOD {name}"),
                "a tokenizer or a host object",
                other,
            )),
        }
    }

    fn call_method_one(
        &mut self,
        obj: Arc<dyn crate::host::HostObject>,
        name: &str,
        inputs: &[Slot],
    ) -> Result<Value> {
        let mut r = self.call_method(&Value::Host(obj), name, inputs, 1)?;
        if r.is_empty() {
            return Err(RuntimeError::host(format!(
                "method `{name}` returned nothing"
            )));
        }
        Ok(r.swap_remove(0))
    }
}
