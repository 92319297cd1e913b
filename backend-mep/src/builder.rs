//! Building a module instruction by instruction, with labels for branches and
//! an interning constant pool. Used by the MEP emitter and the assembler.

use std::collections::HashMap;
use std::fmt;

use crate::constant::Constant;
use crate::container::{MAX_CONSTANTS, MAX_MODELS};
use crate::module::{DebugInfo, ModelEntry, Module, SlotName, SourceLocation};
use crate::opcode::Instruction;
use crate::operand::{ConstId, ModelId, Offset, Slot};

/// A branch target, bound to a position with [`Builder::bind`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Label(pub u32);

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BuildError {
    TooManyConstants,
    TooManyModels,
    UnboundLabel(Label),
    /// The branch at instruction `index` is too far from its target for a
    /// 16-bit offset.
    BranchTooFar {
        index: usize,
        distance: i64,
    },
}

impl fmt::Display for BuildError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            BuildError::TooManyConstants => {
                write!(
                    f,
                    "the program needs more than {MAX_CONSTANTS} distinct constants"
                )
            }
            BuildError::TooManyModels => {
                write!(f, "the program uses more than {MAX_MODELS} models")
            }
            BuildError::UnboundLabel(l) => write!(f, "label {} is used but never placed", l.0),
            BuildError::BranchTooFar { index, distance } => write!(
                f,
                "instruction {index} branches {distance} bytes away; a branch reaches at most 32767 bytes forward or 32768 back"
            ),
        }
    }
}

impl std::error::Error for BuildError {}

#[derive(Default)]
pub struct Builder {
    module: Module,
    interned: HashMap<Constant, ConstId>,
    labels: Vec<Option<usize>>,
    branches: Vec<(usize, Label)>,
    locations: Vec<(usize, u32, u32, u32)>,
    slot_names: Vec<(u8, usize, usize, String)>,
}

impl Builder {
    pub fn new() -> Self {
        Self::default()
    }

    /// A builder with room for about `instructions` instructions and their
    /// source locations (reserved, not touched).
    pub fn with_capacity(instructions: usize) -> Self {
        let mut builder = Self::default();
        builder.module.code.reserve(instructions);
        builder.locations.reserve(instructions);
        builder
    }

    pub fn set_flags(&mut self, flags: u32) {
        self.module.flags = flags;
    }

    /// The id of `constant` in the pool, adding it if it is not there yet.
    pub fn constant(&mut self, constant: Constant) -> Result<ConstId, BuildError> {
        if let Some(&id) = self.interned.get(&constant) {
            return Ok(id);
        }
        let id =
            u16::try_from(self.module.constants.len()).map_err(|_| BuildError::TooManyConstants)?;
        self.module.constants.push(constant.clone());
        self.interned.insert(constant, ConstId(id));
        Ok(ConstId(id))
    }

    pub fn add_model(&mut self, entry: ModelEntry) -> Result<ModelId, BuildError> {
        let id = u8::try_from(self.module.models.len()).map_err(|_| BuildError::TooManyModels)?;
        self.module.models.push(entry);
        Ok(ModelId(id))
    }

    pub fn models(&self) -> &[ModelEntry] {
        &self.module.models
    }

    pub fn new_label(&mut self) -> Label {
        self.labels.push(None);
        Label(self.labels.len() as u32 - 1)
    }

    /// Places `label` at the next instruction pushed.
    pub fn bind(&mut self, label: Label) {
        if let Some(slot) = self.labels.get_mut(label.0 as usize) {
            *slot = Some(self.module.code.len());
        }
    }

    /// Index the next instruction will get.
    pub fn next_index(&self) -> usize {
        self.module.code.len()
    }

    pub fn push(&mut self, instruction: Instruction) -> usize {
        self.module.code.push(instruction);
        self.module.code.len() - 1
    }

    /// `FLOW_BRANCH_IF cond` to `label`; the offset is filled in by [`finish`](Self::finish).
    pub fn branch_if(&mut self, cond: Slot, label: Label) -> usize {
        let index = self.push(Instruction::FlowBranchIf {
            cond,
            offset: Offset(0),
        });
        self.branches.push((index, label));
        index
    }

    /// Makes the `FLOW_BRANCH_IF` at `index` jump to `label`.
    pub fn branch_to(&mut self, index: usize, label: Label) {
        self.branches.push((index, label));
    }

    /// Records that instruction `index` comes from `start..end` of debug file `file`.
    pub fn locate(&mut self, index: usize, file: u32, start: u32, end: u32) {
        self.locations.push((index, file, start, end));
    }

    /// Names the value `slot` holds from instruction `from` up to (not including) `to`.
    pub fn name_slot(&mut self, slot: u8, from: usize, to: usize, name: impl Into<String>) {
        self.slot_names.push((slot, from, to, name.into()));
    }

    pub fn set_interface(&mut self, interface: crate::module::Interface) {
        self.module.interface = Some(interface);
    }

    pub fn set_debug_files(&mut self, files: Vec<String>) {
        self.module
            .debug
            .get_or_insert_with(DebugInfo::default)
            .files = files;
    }

    /// Resolves branch offsets and debug offsets, giving the module.
    pub fn finish(mut self) -> Result<Module, BuildError> {
        let offsets = self.module.instruction_offsets();
        for &(index, label) in &self.branches {
            let target = self
                .labels
                .get(label.0 as usize)
                .copied()
                .flatten()
                .ok_or(BuildError::UnboundLabel(label))?;
            let distance = offsets[target] as i64 - offsets[index + 1] as i64;
            let offset = i16::try_from(distance)
                .map_err(|_| BuildError::BranchTooFar { index, distance })?;
            if let Instruction::FlowBranchIf { offset: o, .. } = &mut self.module.code[index] {
                *o = Offset(offset);
            }
        }
        if !self.locations.is_empty() || !self.slot_names.is_empty() {
            let debug = self.module.debug.get_or_insert_with(DebugInfo::default);
            self.locations.sort_by_key(|l| l.0);
            self.locations.dedup_by_key(|l| l.0);
            debug.locations = self
                .locations
                .iter()
                .filter(|l| l.0 < self.module.code.len())
                .map(|&(index, file, start, end)| SourceLocation {
                    offset: offsets[index],
                    file,
                    start,
                    end,
                })
                .collect();
            debug.slot_names = self
                .slot_names
                .into_iter()
                .map(|(slot, from, to, name)| SlotName {
                    slot,
                    from: offsets[from.min(offsets.len() - 1)],
                    to: offsets[to.min(offsets.len() - 1)],
                    name,
                })
                .collect();
        }
        Ok(self.module)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn constants_are_interned_and_branches_resolved() {
        let mut b = Builder::new();
        let a = b.constant(Constant::Str("x".into())).unwrap();
        let again = b.constant(Constant::Str("x".into())).unwrap();
        assert_eq!(a, again);
        let end = b.new_label();
        b.push(Instruction::SrcConstant {
            out: Slot(0),
            value: crate::AnyConst(a),
        });
        b.branch_if(Slot(0), end);
        b.push(Instruction::FlowHalt {});
        b.bind(end);
        b.push(Instruction::SinkReturn { values: vec![] });
        let module = b.finish().unwrap();
        // The branch skips the one-byte FLOW_HALT.
        assert_eq!(
            module.code[1],
            Instruction::FlowBranchIf {
                cond: Slot(0),
                offset: Offset(1)
            }
        );
    }

    #[test]
    fn unbound_label_is_an_error() {
        let mut b = Builder::new();
        let l = b.new_label();
        b.branch_if(Slot(0), l);
        assert_eq!(b.finish(), Err(BuildError::UnboundLabel(l)));
    }
}
