//! The IR verifier: checks the invariants documented on [`Module`] and the
//! operand counts of each operation. It collects every error it finds.

use std::collections::HashSet;
use std::fmt;

use crate::entities::{Block, Inst, Value};
use crate::module::{Module, ValueDef};
use crate::op::Op;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IrError {
    pub inst: Option<Inst>,
    pub message: String,
}

impl fmt::Display for IrError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.inst {
            Some(inst) => write!(f, "{inst}: {}", self.message),
            None => f.write_str(&self.message),
        }
    }
}

/// Checks `module`; `Ok` when every invariant holds.
pub fn verify(module: &Module) -> Result<(), Vec<IrError>> {
    let mut v = Verifier {
        module,
        errors: Vec::new(),
    };
    v.check_definitions();
    v.check_block_membership();
    match module.body {
        Some(body) => {
            let mut scopes = vec![HashSet::new()];
            v.check_block(body, &mut scopes, BlockKind::Body);
        }
        None => v.error(None, "the module has no body".into()),
    }
    if v.errors.is_empty() {
        Ok(())
    } else {
        Err(v.errors)
    }
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum BlockKind {
    Body,
    Region,
}

struct Verifier<'m> {
    module: &'m Module,
    errors: Vec<IrError>,
}

impl Verifier<'_> {
    fn error(&mut self, inst: Option<Inst>, message: String) {
        self.errors.push(IrError { inst, message });
    }

    fn check_definitions(&mut self) {
        let m = self.module;
        for (value, data) in m.values.iter() {
            let ok = match data.def {
                ValueDef::Result(inst, i) => {
                    m.insts.get(inst).and_then(|d| d.results.get(i as usize)) == Some(&value)
                }
                ValueDef::Param(block, i) => {
                    m.blocks.get(block).and_then(|d| d.params.get(i as usize)) == Some(&value)
                }
            };
            if !ok {
                self.error(
                    None,
                    format!("{value} is not defined where its definition record says"),
                );
            }
        }
    }

    fn check_block_membership(&mut self) {
        let m = self.module;
        let mut seen = HashSet::new();
        for (block, data) in m.blocks.iter() {
            for &inst in &data.insts {
                if !seen.insert(inst) {
                    self.error(Some(inst), "is listed in more than one block".into());
                }
                if m.insts[inst].block != block {
                    self.error(
                        Some(inst),
                        format!("is listed in {block} but records {}", m.insts[inst].block),
                    );
                }
            }
        }
    }

    fn check_block(&mut self, block: Block, scopes: &mut Vec<HashSet<Value>>, kind: BlockKind) {
        let m = self.module;
        let data = &m.blocks[block];
        scopes.push(data.params.iter().copied().collect());
        let last = data.insts.len().saturating_sub(1);
        for (position, &inst) in data.insts.iter().enumerate() {
            let idata = &m.insts[inst];
            for &arg in &idata.args {
                if !scopes.iter().any(|s| s.contains(&arg)) {
                    self.error(
                        Some(inst),
                        format!("uses {arg} before its definition or outside its scope"),
                    );
                }
            }
            if idata.op.is_terminator() && position != last {
                self.error(
                    Some(inst),
                    format!(
                        "`{}` must be the last instruction of its block",
                        idata.op.name()
                    ),
                );
            }
            self.check_op(inst);
            for region in idata.op.regions() {
                if m.blocks[region].parent != Some(inst) {
                    self.error(
                        Some(inst),
                        format!("owns {region}, which records another parent"),
                    );
                }
                self.check_block(region, scopes, BlockKind::Region);
            }
            if let Some(scope) = scopes.last_mut() {
                scope.extend(idata.results.iter().copied());
            }
        }
        let last_op = data.insts.last().map(|&i| &m.insts[i].op);
        match kind {
            BlockKind::Region
                if !matches!(last_op, Some(Op::Yield | Op::Halt | Op::Return { .. })) =>
            {
                let owner = data.parent;
                self.error(
                    owner,
                    format!("region {block} does not end with `yield`, `halt` or `return`"),
                );
            }
            BlockKind::Body if !matches!(last_op, Some(Op::Return { .. } | Op::Halt)) => {
                self.error(
                    None,
                    format!("the body {block} does not end with `return` or `halt`"),
                );
            }
            _ => {}
        }
        scopes.pop();
    }

    fn check_op(&mut self, inst: Inst) {
        let m = self.module;
        let d = &m.insts[inst];
        let (args, results) = (d.args.len(), d.results.len());
        let expect = |a: Option<usize>, r: Option<usize>| {
            a.is_none_or(|a| a == args) && r.is_none_or(|r| r == results)
        };
        let ok = match &d.op {
            Op::Arg { .. }
            | Op::Prompt { .. }
            | Op::Const(_)
            | Op::LoadModel(_)
            | Op::LoadDataFile { .. } => expect(Some(0), Some(1)),
            Op::ReadFile { .. }
            | Op::SpecialId { .. }
            | Op::Unary(_)
            | Op::Info(_)
            | Op::Copy
            | Op::ToImage(_) => expect(Some(1), Some(1)),
            Op::LoadExtern { .. } | Op::TensorCreate { .. } | Op::Format { .. } => {
                expect(None, Some(1))
            }
            Op::ExecCtl { .. } | Op::Halt => expect(Some(0), Some(0)),
            Op::Unload | Op::DebugPrint { .. } | Op::Print(_) => expect(Some(1), Some(0)),
            Op::Encode
            | Op::Decode
            | Op::Binary(_)
            | Op::Compare(_)
            | Op::Extract
            | Op::ToAudio => expect(Some(2), Some(1)),
            Op::TensorRandom { .. } => expect(Some(2), Some(1)),
            Op::Manipulate(_) | Op::Aggregate(_) => args >= 1 && results == 1,
            Op::Combine { inputs, .. } => args >= *inputs as usize && *inputs >= 1 && results == 1,
            Op::CallHost { .. } => true,
            Op::CallMethod { .. } => args >= 1,
            Op::TopK { .. } => expect(Some(1), Some(2)),
            Op::Sample => expect(Some(3), Some(1)),
            Op::FormatTable => expect(Some(3), Some(1)),
            Op::WriteFile(_) => expect(Some(2), Some(0)),
            Op::RunStatic { inputs, outputs } => {
                args == inputs.len() + 1 && results == outputs.len()
            }
            Op::RunDynamic => args >= 1 && results == 1,
            Op::Return { names } => names.len() == args && results == 0,
            Op::Yield => results == 0,
            Op::Loop { body } => self.check_loop(inst, *body),
            Op::If {
                then_block,
                else_block,
            } => {
                args == 1
                    && self.check_yield(*then_block, results)
                    && self.check_yield(*else_block, results)
            }
            Op::BreakIf => match m.enclosing_loop(d.block) {
                Some(lp) => results == 0 && args == m.insts[lp].args.len(),
                None => {
                    self.error(Some(inst), "`break_if` outside a loop".into());
                    true
                }
            },
        };
        if !ok {
            self.error(
                Some(inst),
                format!(
                    "`{}` has the wrong number of arguments or results",
                    d.op.name()
                ),
            );
        }
    }

    fn check_loop(&self, inst: Inst, body: Block) -> bool {
        let d = &self.module.insts[inst];
        let carried = d.args.len().saturating_sub(1);
        !d.args.is_empty()
            && d.results.len() == carried
            && self.module.blocks[body].params.len() == carried + 1
            && self.check_yield(body, carried)
    }

    fn check_yield(&self, block: Block, count: usize) -> bool {
        match self.module.blocks[block].insts.last() {
            Some(&last) => {
                let d = &self.module.insts[last];
                !matches!(d.op, Op::Yield) || d.args.len() == count
            }
            None => true,
        }
    }
}
