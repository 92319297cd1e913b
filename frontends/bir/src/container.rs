//! The BIR container, read and written.
//!
//! ```text
//! offset  size      field
//! 0       4         magic "CDIR"
//! 4       1         major version (0)
//! 5       1         minor version (1)
//! 6       2         section count n (u16 LE)
//! 8       16 * n    section headers: u8 type, u8 flags (bit 0: zlib), u16 reserved (0),
//!                   u64 LE length (stored bytes), u32 LE offset (from the file start)
//! ...               section data
//! len-4   4         CRC32 (IEEE, u32 LE) of every preceding byte
//! ```
//!
//! Section types: 1 CONST_POOL (repeated u32 LE length + UTF-8 bytes),
//! 2 INSTR (instructions, see [`crate::program::Instruction`]), 3 METADATA
//! (optional; key/value string pairs encoded like the pool).

use std::io::{Read, Write};

use crate::error::{BirError, Place};
use crate::opcode::Opcode;
use crate::program::{Compression, Instruction, Operand, Program};

pub const MAGIC: &[u8; 4] = b"CDIR";
const HEADER: usize = 8;
const SECTION_HEADER: usize = 16;
const CHECKSUM: usize = 4;
/// The most a compressed section may inflate to (a guard against zip bombs).
pub const MAX_INFLATED: u64 = 64 << 20;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SectionKind {
    ConstPool,
    Instr,
    Metadata,
}

impl SectionKind {
    pub fn byte(self) -> u8 {
        match self {
            SectionKind::ConstPool => 1,
            SectionKind::Instr => 2,
            SectionKind::Metadata => 3,
        }
    }

    pub fn from_byte(byte: u8) -> Option<Self> {
        match byte {
            1 => Some(SectionKind::ConstPool),
            2 => Some(SectionKind::Instr),
            3 => Some(SectionKind::Metadata),
            _ => None,
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            SectionKind::ConstPool => "CONST_POOL",
            SectionKind::Instr => "INSTR",
            SectionKind::Metadata => "METADATA",
        }
    }
}

#[derive(Debug, Clone, Copy, Default)]
pub struct DecodeOptions {
    /// Do not compare the trailing CRC32 (for fuzzing: mutations then reach
    /// the sections).
    pub ignore_checksum: bool,
}

/// Where each instruction and each constant was, for diagnostics after decoding.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Layout {
    pub instr: Spots,
    pub pool: Spots,
}

/// The offsets of the items of one section.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Spots {
    /// What `offsets` count in.
    pub place: Place,
    /// The bytes `offsets` index: the file, or the inflated section.
    pub bytes: Vec<u8>,
    /// The offset of each item.
    pub offsets: Vec<usize>,
}

impl Default for Spots {
    fn default() -> Self {
        Spots {
            place: Place::File,
            bytes: Vec::new(),
            offsets: Vec::new(),
        }
    }
}

impl Spots {
    fn of(file: &[u8], s: &Section<'_>, offsets: Vec<usize>) -> Self {
        match s.place {
            Place::File => Spots {
                place: Place::File,
                bytes: file.to_vec(),
                offsets: offsets.iter().map(|o| o + s.base).collect(),
            },
            place => Spots {
                place,
                bytes: s.data.to_vec(),
                offsets,
            },
        }
    }

    /// An error located at item `index`, or at byte `extra` into it.
    pub fn error_at(
        &self,
        code: &'static str,
        index: usize,
        extra: usize,
        message: impl Into<String>,
    ) -> BirError {
        let offset = self.offsets.get(index).copied().unwrap_or(0) + extra;
        BirError::at(code, &self.bytes, offset, self.place, message)
    }
}

#[derive(Debug, Clone)]
pub struct Decoded {
    pub program: Program,
    pub layout: Layout,
}

/// A section's bytes and how offsets into them are reported.
struct Section<'a> {
    kind: SectionKind,
    data: std::borrow::Cow<'a, [u8]>,
    /// File offset of `data[0]` when it is stored uncompressed.
    base: usize,
    place: Place,
}

impl Section<'_> {
    fn error(
        &self,
        file: &[u8],
        code: &'static str,
        local: usize,
        message: impl Into<String>,
    ) -> BirError {
        match self.place {
            Place::File => BirError::at(code, file, self.base + local, Place::File, message),
            place => BirError::at(code, &self.data, local, place, message),
        }
    }
}

fn u16_at(b: &[u8], at: usize) -> u16 {
    u16::from_le_bytes([b[at], b[at + 1]])
}

fn u32_at(b: &[u8], at: usize) -> u32 {
    u32::from_le_bytes([b[at], b[at + 1], b[at + 2], b[at + 3]])
}

fn u64_at(b: &[u8], at: usize) -> u64 {
    let mut x = [0u8; 8];
    x.copy_from_slice(&b[at..at + 8]);
    u64::from_le_bytes(x)
}

/// Decodes a `.bir` file. The first problem found is the error.
pub fn decode(bytes: &[u8], options: DecodeOptions) -> Result<Decoded, BirError> {
    let err = |code, at, msg: String| BirError::at(code, bytes, at, Place::File, msg);
    if let Some(i) = (0..4.min(bytes.len())).find(|&i| bytes[i] != MAGIC[i]) {
        return Err(err(
            "E0401",
            i,
            format!(
                "not a BIR file: the magic number is {}, expected `CDIR` (43 44 49 52)",
                hex_bytes(&bytes[..4.min(bytes.len())])
            ),
        )
        .with_help(
            "a BIR file starts with the four bytes `CDIR`; `omexc bir asm` writes one from text",
        ));
    }
    if bytes.len() < HEADER + CHECKSUM {
        return Err(err(
            "E0400",
            bytes.len(),
            format!(
                "the file ends after {} bytes, inside the header (a BIR file has at least {} bytes: magic, version, section count and checksum)",
                bytes.len(),
                HEADER + CHECKSUM
            ),
        ));
    }
    let (major, minor) = (bytes[4], bytes[5]);
    if (major, minor) != crate::VERSION {
        let at = if major != crate::VERSION.0 { 4 } else { 5 };
        return Err(err(
            "E0402",
            at,
            format!(
                "unsupported BIR version {major}.{minor}; this omexc reads version {}.{}",
                crate::VERSION.0,
                crate::VERSION.1
            ),
        ));
    }
    let body = bytes.len() - CHECKSUM;
    let stored = u32_at(bytes, body);
    let computed = crc32fast::hash(&bytes[..body]);
    if stored != computed && !options.ignore_checksum {
        return Err(err(
            "E0403",
            body,
            format!(
                "checksum mismatch: the file says CRC32 {stored:08x}, its bytes give {computed:08x}"
            ),
        )
        .with_help(
            "the file is damaged or was edited by hand; re-create it with `omexc bir asm`",
        ));
    }

    let count = u16_at(bytes, 6) as usize;
    let table_end = HEADER + SECTION_HEADER * count;
    if table_end > body {
        let first_missing = (body - HEADER) / SECTION_HEADER;
        return Err(err(
            "E0404",
            HEADER + SECTION_HEADER * first_missing,
            format!(
                "the section table is truncated: {count} sections are declared ({} bytes of headers), but only {} bytes precede the checksum",
                SECTION_HEADER * count,
                body - HEADER
            ),
        ));
    }

    let mut sections: Vec<Section<'_>> = Vec::new();
    let mut ranges: Vec<(usize, usize)> = Vec::new();
    let mut compression = Compression::default();
    for i in 0..count {
        let h = HEADER + SECTION_HEADER * i;
        let Some(kind) = SectionKind::from_byte(bytes[h]) else {
            return Err(err(
                "E0405",
                h,
                format!(
                    "section {i} has unknown type {} (known: 1 CONST_POOL, 2 INSTR, 3 METADATA)",
                    bytes[h]
                ),
            ));
        };
        let flags = bytes[h + 1];
        if flags & !1 != 0 {
            return Err(err(
                "E0405",
                h + 1,
                format!(
                    "section {i} ({}) has flags 0x{flags:02x}; only bit 0 (zlib) is defined",
                    kind.name()
                ),
            ));
        }
        let reserved = u16_at(bytes, h + 2);
        if reserved != 0 {
            return Err(err(
                "E0405",
                h + 2,
                format!(
                    "section {i} ({}) has reserved field 0x{reserved:04x}; it must be zero",
                    kind.name()
                ),
            ));
        }
        if sections.iter().any(|s| s.kind == kind) {
            return Err(err(
                "E0407",
                h,
                format!("a second {} section (section {i})", kind.name()),
            ));
        }
        let length = u64_at(bytes, h + 4);
        let offset = u32_at(bytes, h + 12) as usize;
        let end = (offset as u64).checked_add(length);
        if offset < table_end || end.is_none_or(|e| e > body as u64) {
            let at = if offset < table_end || offset > body {
                h + 12
            } else {
                h + 4
            };
            return Err(err(
                "E0406",
                at,
                format!(
                    "section {i} ({}) claims bytes {offset}..{} but section data lies in {table_end}..{body}",
                    kind.name(),
                    end.map_or("(overflow)".to_string(), |e| e.to_string())
                ),
            ));
        }
        let end = offset + length as usize;
        if let Some(&(s, e)) = ranges.iter().find(|&&(s, e)| offset < e && s < end) {
            return Err(err(
                "E0406",
                h + 12,
                format!(
                    "section {i} ({}) at bytes {offset}..{end} overlaps another section at {s}..{e}",
                    kind.name()
                ),
            ));
        }
        ranges.push((offset, end));
        let stored = &bytes[offset..end];
        let compressed = flags & 1 != 0;
        match kind {
            SectionKind::ConstPool => compression.const_pool = compressed,
            SectionKind::Instr => compression.instr = compressed,
            SectionKind::Metadata => compression.metadata = compressed,
        }
        let section = if compressed {
            let data = inflate(stored).map_err(|why| {
                err(
                    "E0408",
                    offset,
                    format!(
                        "section {i} ({}) is marked zlib-compressed but its data does not inflate: {why}",
                        kind.name()
                    ),
                )
            })?;
            Section {
                kind,
                data: data.into(),
                base: offset,
                place: Place::Inflated {
                    section: kind,
                    stored_at: offset,
                },
            }
        } else {
            Section {
                kind,
                data: stored.into(),
                base: offset,
                place: Place::File,
            }
        };
        sections.push(section);
    }

    let find = |kind| sections.iter().find(|s| s.kind == kind);
    let (pool, pool_spots) = match find(SectionKind::ConstPool) {
        Some(s) => {
            let (strings, offsets) = read_strings(bytes, s, "E0409", "constant")?;
            (strings, Spots::of(bytes, s, offsets))
        }
        None => (Vec::new(), Spots::default()),
    };
    let metadata = match find(SectionKind::Metadata) {
        Some(s) => {
            let (strings, _) = read_strings(bytes, s, "E0415", "metadata string")?;
            if strings.len() % 2 != 0 {
                return Err(s.error(
                    bytes,
                    "E0415",
                    s.data.len(),
                    format!(
                        "the METADATA section holds {} strings; it must hold key/value pairs",
                        strings.len()
                    ),
                ));
            }
            let mut pairs = Vec::with_capacity(strings.len() / 2);
            let mut it = strings.into_iter();
            while let (Some(k), Some(v)) = (it.next(), it.next()) {
                pairs.push((k, v));
            }
            Some(pairs)
        }
        None => None,
    };
    let Some(instr) = find(SectionKind::Instr) else {
        return Err(err(
            "E0407",
            6,
            format!("the file has no INSTR section ({count} sections declared)"),
        ));
    };
    let (code, offsets) = read_code(bytes, instr, pool.len())?;
    let layout = Layout {
        instr: Spots::of(bytes, instr, offsets),
        pool: pool_spots,
    };
    Ok(Decoded {
        program: Program {
            version: (major, minor),
            pool,
            code,
            metadata,
            compression,
        },
        layout,
    })
}

fn inflate(stored: &[u8]) -> Result<Vec<u8>, String> {
    let mut out = Vec::new();
    flate2::read::ZlibDecoder::new(stored)
        .take(MAX_INFLATED + 1)
        .read_to_end(&mut out)
        .map_err(|e| e.to_string())?;
    if out.len() as u64 > MAX_INFLATED {
        return Err(format!("it inflates to more than {MAX_INFLATED} bytes"));
    }
    Ok(out)
}

/// Repeated `u32 LE length + UTF-8 bytes` to the end of the section, with
/// the offset of each length.
fn read_strings(
    file: &[u8],
    s: &Section<'_>,
    code: &'static str,
    what: &str,
) -> Result<(Vec<String>, Vec<usize>), BirError> {
    let data = &s.data;
    let mut out = Vec::new();
    let mut offsets = Vec::new();
    let mut at = 0;
    while at < data.len() {
        if data.len() - at < 4 {
            return Err(s.error(
                file,
                code,
                at,
                format!(
                    "{what} {} is truncated: its length needs 4 bytes, {} left in the {} section",
                    out.len(),
                    data.len() - at,
                    s.kind.name()
                ),
            ));
        }
        let len = u32_at(data, at) as usize;
        let start = at + 4;
        if data.len() - start < len {
            return Err(s.error(
                file,
                code,
                at,
                format!(
                    "{what} {} is truncated: it declares {len} bytes, {} left in the {} section",
                    out.len(),
                    data.len() - start,
                    s.kind.name()
                ),
            ));
        }
        match std::str::from_utf8(&data[start..start + len]) {
            Ok(text) => {
                out.push(text.to_string());
                offsets.push(at);
            }
            Err(e) => {
                return Err(s.error(
                    file,
                    code,
                    start + e.valid_up_to(),
                    format!("{what} {} is not valid UTF-8", out.len()),
                ));
            }
        }
        at = start + len;
    }
    Ok((out, offsets))
}

/// The INSTR section: instructions and their offsets in the section.
fn read_code(
    file: &[u8],
    s: &Section<'_>,
    pool_len: usize,
) -> Result<(Vec<Instruction>, Vec<usize>), BirError> {
    let data = &s.data;
    let mut code = Vec::new();
    let mut offsets = Vec::new();
    let mut at = 0;
    while at < data.len() {
        let index = code.len();
        if data.len() - at < 3 {
            return Err(s.error(
                file,
                "E0413",
                at,
                format!(
                    "instruction {index} is truncated: its header needs 3 bytes, {} left",
                    data.len() - at
                ),
            ));
        }
        let Some(opcode) = Opcode::from_byte(data[at]) else {
            return Err(s
                .error(
                    file,
                    "E0410",
                    at,
                    format!("instruction {index} has unknown opcode 0x{:02x}", data[at]),
                )
                .with_help(format!(
                    "BIR 0.1 opcodes: {}",
                    Opcode::ALL
                        .iter()
                        .map(|o| format!("0x{:02x} {}", o.byte(), o.mnemonic()))
                        .collect::<Vec<_>>()
                        .join(", ")
                )));
        };
        let mode = data[at + 1];
        let count_byte = data[at + 2];
        if count_byte >> 4 != 0 {
            return Err(s.error(
                file,
                "E0411",
                at + 2,
                format!(
                    "instruction {index} ({}) has reserved bits set: byte 0x{count_byte:02x} holds the operand count in bits 0-3 and reserved bits 4-7, which must be zero",
                    opcode.mnemonic()
                ),
            ));
        }
        let count = (count_byte & 0x0f) as usize;
        let kinds = opcode.operands();
        if count != kinds.len() {
            return Err(s.error(
                file,
                "E0412",
                at + 2,
                format!(
                    "instruction {index} ({}) declares {count} operand{}, but {} takes {}{}",
                    opcode.mnemonic(),
                    if count == 1 { "" } else { "s" },
                    opcode.mnemonic(),
                    kinds.len(),
                    signature(opcode)
                ),
            ));
        }
        let mut operands = Vec::with_capacity(count);
        let mut p = at + 3;
        for &(name, kind) in kinds {
            if data.len() - p < 4 {
                return Err(s.error(
                    file,
                    "E0413",
                    p,
                    format!(
                        "instruction {index} ({}) is truncated: operand `{name}` needs 4 bytes, {} left",
                        opcode.mnemonic(),
                        data.len() - p
                    ),
                ));
            }
            let operand =
                Operand::from_le_bytes(kind, [data[p], data[p + 1], data[p + 2], data[p + 3]]);
            if let Operand::Str(i) = operand
                && i as usize >= pool_len
            {
                return Err(s.error(
                    file,
                    "E0414",
                    p,
                    format!(
                        "instruction {index} ({}): operand `{name}` refers to constant {i}, but the constant pool has {pool_len} entr{}",
                        opcode.mnemonic(),
                        if pool_len == 1 { "y" } else { "ies" }
                    ),
                ));
            }
            operands.push(operand);
            p += 4;
        }
        offsets.push(at);
        code.push(Instruction {
            opcode,
            mode,
            operands,
        });
        at = p;
    }
    Ok((code, offsets))
}

/// ` (cid: str)` for messages.
pub fn signature(opcode: Opcode) -> String {
    let ops: Vec<String> = opcode
        .operands()
        .iter()
        .map(|(n, k)| {
            format!(
                "{n}: {}",
                match k {
                    crate::opcode::OperandKind::Int => "int",
                    crate::opcode::OperandKind::Float => "float",
                    crate::opcode::OperandKind::Str => "str ref",
                }
            )
        })
        .collect();
    if ops.is_empty() {
        String::new()
    } else {
        format!(" ({})", ops.join(", "))
    }
}

fn hex_bytes(b: &[u8]) -> String {
    if b.is_empty() {
        return "empty".into();
    }
    b.iter()
        .map(|x| format!("{x:02x}"))
        .collect::<Vec<_>>()
        .join(" ")
}

/// Encodes a program in the canonical layout: CONST_POOL (when the pool is
/// not empty), INSTR, METADATA (when present), data in that order right
/// after the table, then the checksum.
pub fn encode(program: &Program) -> Vec<u8> {
    let mut sections: Vec<(SectionKind, Vec<u8>, bool)> = Vec::new();
    if !program.pool.is_empty() {
        sections.push((
            SectionKind::ConstPool,
            write_strings(program.pool.iter().map(String::as_str)),
            program.compression.const_pool,
        ));
    }
    let mut code = Vec::new();
    for inst in &program.code {
        encode_instruction(inst, &mut code);
    }
    sections.push((SectionKind::Instr, code, program.compression.instr));
    if let Some(meta) = &program.metadata {
        sections.push((
            SectionKind::Metadata,
            write_strings(meta.iter().flat_map(|(k, v)| [k.as_str(), v.as_str()])),
            program.compression.metadata,
        ));
    }
    let stored: Vec<(SectionKind, Vec<u8>, bool)> = sections
        .into_iter()
        .map(|(kind, data, z)| (kind, if z { deflate(&data) } else { data }, z))
        .collect();
    let mut out = Vec::new();
    out.extend_from_slice(MAGIC);
    out.push(program.version.0);
    out.push(program.version.1);
    out.extend_from_slice(&(stored.len() as u16).to_le_bytes());
    let mut offset = HEADER + SECTION_HEADER * stored.len();
    for (kind, data, z) in &stored {
        out.push(kind.byte());
        out.push(u8::from(*z));
        out.extend_from_slice(&0u16.to_le_bytes());
        out.extend_from_slice(&(data.len() as u64).to_le_bytes());
        out.extend_from_slice(&(offset as u32).to_le_bytes());
        offset += data.len();
    }
    for (_, data, _) in &stored {
        out.extend_from_slice(data);
    }
    let crc = crc32fast::hash(&out);
    out.extend_from_slice(&crc.to_le_bytes());
    out
}

/// Appends one instruction's bytes.
pub fn encode_instruction(inst: &Instruction, out: &mut Vec<u8>) {
    out.push(inst.opcode.byte());
    out.push(inst.mode);
    out.push(inst.operands.len() as u8 & 0x0f);
    for op in &inst.operands {
        out.extend_from_slice(&op.to_le_bytes());
    }
}

fn write_strings<'a>(strings: impl Iterator<Item = &'a str>) -> Vec<u8> {
    let mut out = Vec::new();
    for s in strings {
        out.extend_from_slice(&(s.len() as u32).to_le_bytes());
        out.extend_from_slice(s.as_bytes());
    }
    out
}

fn deflate(data: &[u8]) -> Vec<u8> {
    let mut z = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::default());
    // Writing to a Vec cannot fail.
    let _ = z.write_all(data);
    z.finish().unwrap_or_default()
}
