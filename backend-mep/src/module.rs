//! A MEP module in memory: everything a `.mep` file holds, not yet verified.

use crate::constant::Constant;
use crate::opcode::Instruction;

/// Container format version written by this crate.
pub const VERSION_MAJOR: u16 = 1;
pub const VERSION_MINOR: u16 = 0;

/// Header flag bit 0: the runtime must check each model file's sha256 and
/// size against the model table before loading it.
pub const FLAG_STRICT_MODEL_HASHES: u32 = 1;
/// Every header flag bit MEP 1.0 defines.
pub const KNOWN_FLAGS: u32 = FLAG_STRICT_MODEL_HASHES;

/// A model the program may load (`RES_LOAD_MODEL`) and run (`MODEL_RUN_*`).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ModelEntry {
    /// Where to find the model: relative to the recipe's folder or a model path.
    pub path: String,
    /// The execution format that selects a runtime backend, e.g. `onnx`.
    pub format: String,
    pub sha256: Option<[u8; 32]>,
    pub size: Option<u64>,
    /// The static I/O contract: `MODEL_RUN_STATIC` passes its inputs to these
    /// model inputs, in order, and fetches these outputs, in order.
    pub inputs: Vec<String>,
    pub outputs: Vec<String>,
}

/// A named command-line argument of the recipe (`SRC_CMD_ARG arg`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ArgInfo {
    pub index: u8,
    pub name: String,
}

/// Names for the values of one `SINK_RETURN` instruction.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReturnNames {
    /// Byte offset of the `SINK_RETURN` instruction in the code.
    pub offset: u32,
    pub names: Vec<String>,
}

/// What a caller needs to know to call the program: its name, its arguments
/// and the names of the values it returns.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Interface {
    pub name: String,
    pub args: Vec<ArgInfo>,
    pub returns: Vec<ReturnNames>,
}

/// Maps an instruction to the source text it was compiled from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SourceLocation {
    /// Byte offset of the instruction in the code.
    pub offset: u32,
    /// Index into [`DebugInfo::files`].
    pub file: u32,
    /// Byte range in that file.
    pub start: u32,
    pub end: u32,
}

/// The name of the value held by a slot over a range of the code.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SlotName {
    pub slot: u8,
    /// Code byte range `[from, to)` in which the slot holds this value.
    pub from: u32,
    pub to: u32,
    pub name: String,
}

/// Optional source mapping, so runtime errors can point at the recipe.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct DebugInfo {
    pub files: Vec<String>,
    /// Sorted by offset, at most one per instruction.
    pub locations: Vec<SourceLocation>,
    pub slot_names: Vec<SlotName>,
}

impl DebugInfo {
    /// The source location of the instruction at `offset`, if recorded.
    pub fn location(&self, offset: u32) -> Option<&SourceLocation> {
        self.locations
            .binary_search_by_key(&offset, |l| l.offset)
            .ok()
            .map(|i| &self.locations[i])
    }

    /// The name of the value in `slot` at code offset `offset`.
    pub fn slot_name(&self, slot: u8, offset: u32) -> Option<&str> {
        self.slot_names
            .iter()
            .find(|n| n.slot == slot && n.from <= offset && offset < n.to)
            .map(|n| n.name.as_str())
    }
}

/// A section this version does not interpret (ids 128-255), kept verbatim.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CustomSection {
    pub id: u8,
    pub data: Vec<u8>,
}

/// A whole MEP program as data. Obtain an executable
/// [`Program`](crate::Program) from it with [`verify`](crate::verify).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Module {
    /// The container's minor version (1.x), kept so re-encoding is byte-identical.
    pub minor_version: u16,
    pub flags: u32,
    pub constants: Vec<Constant>,
    pub models: Vec<ModelEntry>,
    pub code: Vec<Instruction>,
    pub interface: Option<Interface>,
    pub debug: Option<DebugInfo>,
    pub custom: Vec<CustomSection>,
}

impl Module {
    /// Byte offset of every instruction in the code, plus the code length at the end.
    pub fn instruction_offsets(&self) -> Vec<u32> {
        let mut offsets = Vec::with_capacity(self.code.len() + 1);
        let mut at = 0u32;
        for instruction in &self.code {
            offsets.push(at);
            at = at.saturating_add(instruction.encoded_len() as u32);
        }
        offsets.push(at);
        offsets
    }

    /// The code bytes alone (no container).
    pub fn code_bytes(&self) -> Vec<u8> {
        let mut out = Vec::new();
        for instruction in &self.code {
            instruction.encode(&mut out);
        }
        out
    }

    /// The names of the values returned by the `SINK_RETURN` at `offset`.
    pub fn return_names(&self, offset: u32) -> Option<&[String]> {
        self.interface
            .as_ref()?
            .returns
            .iter()
            .find(|r| r.offset == offset)
            .map(|r| r.names.as_slice())
    }
}
