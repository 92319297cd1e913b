//! The `.mep` container: header, sections, trailing checksum.
//!
//! ```text
//! magic      8 bytes   89 4D 45 50 0D 0A 1A 0A   ("\x89MEP\r\n\x1a\n")
//! major      u16 LE    1
//! minor      u16 LE    0
//! flags      u32 LE    bit 0: strict model hashes; other bits zero
//! sections   repeated: id u8, length u32 LE, payload
//! checksum   u32 LE    CRC-32 (IEEE) of every byte before it
//! ```
//! `docs/mep-format.md` is the normative description.

use crate::code;
use crate::constant::Constant;
use crate::error::{ErrorKind, MepError};
use crate::module::*;
use crate::reader::{Reader, write};

pub const MAGIC: [u8; 8] = [0x89, b'M', b'E', b'P', 0x0D, 0x0A, 0x1A, 0x0A];
pub const HEADER_LEN: usize = 16;

/// Section ids. Standard sections appear at most once, in increasing id
/// order; custom sections (128-255) come after all of them, in any order.
pub mod section {
    pub const CONSTANTS: u8 = 1;
    pub const MODELS: u8 = 2;
    pub const CODE: u8 = 3;
    pub const INTERFACE: u8 = 4;
    pub const DEBUG: u8 = 5;
    pub const FIRST_CUSTOM: u8 = 128;
}

/// Most constants a pool may hold: a `const_id` is two bytes.
pub const MAX_CONSTANTS: usize = 1 << 16;
/// Most models a table may hold: a `model_id` is one byte.
pub const MAX_MODELS: usize = 256;

/// Where the decoded parts sat in the file, for error offsets.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct FileLayout {
    /// File offset of the first code byte.
    pub code_offset: usize,
}

/// Decoding options.
#[derive(Debug, Clone, Copy, Default)]
pub struct DecodeOptions {
    /// Skip the checksum check (fuzzing, forensic disassembly).
    pub ignore_checksum: bool,
}

/// Serialises a module. The bytes are canonical: decoding them and encoding
/// again gives the same bytes.
pub fn encode(module: &Module) -> Vec<u8> {
    let mut out = Vec::new();
    out.extend_from_slice(&MAGIC);
    out.extend_from_slice(&VERSION_MAJOR.to_le_bytes());
    out.extend_from_slice(&module.minor_version.to_le_bytes());
    out.extend_from_slice(&module.flags.to_le_bytes());

    let mut payload = Vec::new();
    write::len(&mut payload, module.constants.len());
    module.constants.iter().for_each(|c| c.encode(&mut payload));
    put_section(&mut out, section::CONSTANTS, &payload);

    payload.clear();
    write::len(&mut payload, module.models.len());
    module
        .models
        .iter()
        .for_each(|m| encode_model(&mut payload, m));
    put_section(&mut out, section::MODELS, &payload);

    put_section(&mut out, section::CODE, &module.code_bytes());

    if let Some(interface) = &module.interface {
        payload.clear();
        encode_interface(&mut payload, interface);
        put_section(&mut out, section::INTERFACE, &payload);
    }
    if let Some(debug) = &module.debug {
        payload.clear();
        encode_debug(&mut payload, debug);
        put_section(&mut out, section::DEBUG, &payload);
    }
    for custom in &module.custom {
        put_section(&mut out, custom.id, &custom.data);
    }
    let checksum = crc32fast::hash(&out);
    out.extend_from_slice(&checksum.to_le_bytes());
    out
}

fn put_section(out: &mut Vec<u8>, id: u8, payload: &[u8]) {
    out.push(id);
    write::blob(out, payload);
}

fn encode_model(out: &mut Vec<u8>, model: &ModelEntry) {
    write::string(out, &model.path);
    write::string(out, &model.format);
    let flags = u8::from(model.sha256.is_some()) | (u8::from(model.size.is_some()) << 1);
    out.push(flags);
    if let Some(sha) = &model.sha256 {
        out.extend_from_slice(sha);
    }
    if let Some(size) = model.size {
        out.extend_from_slice(&size.to_le_bytes());
    }
    encode_strings(out, &model.inputs);
    encode_strings(out, &model.outputs);
}

fn encode_strings(out: &mut Vec<u8>, strings: &[String]) {
    write::len(out, strings.len());
    strings.iter().for_each(|s| write::string(out, s));
}

fn encode_interface(out: &mut Vec<u8>, interface: &Interface) {
    write::string(out, &interface.name);
    write::len(out, interface.args.len());
    for arg in &interface.args {
        out.push(arg.index);
        write::string(out, &arg.name);
    }
    write::len(out, interface.returns.len());
    for ret in &interface.returns {
        write::u32(out, ret.offset);
        encode_strings(out, &ret.names);
    }
}

fn encode_debug(out: &mut Vec<u8>, debug: &DebugInfo) {
    encode_strings(out, &debug.files);
    write::len(out, debug.locations.len());
    for loc in &debug.locations {
        for v in [loc.offset, loc.file, loc.start, loc.end] {
            write::u32(out, v);
        }
    }
    write::len(out, debug.slot_names.len());
    for name in &debug.slot_names {
        out.push(name.slot);
        write::u32(out, name.from);
        write::u32(out, name.to);
        write::string(out, &name.name);
    }
}

/// Reads a `.mep` file. Structural problems in the container stop decoding;
/// problems in the code (unknown opcodes, undefined subtypes) are all
/// collected where the instruction length is still known.
pub fn decode(bytes: &[u8], options: DecodeOptions) -> Result<(Module, FileLayout), Vec<MepError>> {
    let one = |e: MepError| vec![e];
    if bytes.len() < MAGIC.len() || bytes[..MAGIC.len()] != MAGIC {
        return Err(one(MepError::new(0, ErrorKind::BadMagic)));
    }
    if bytes.len() < HEADER_LEN + 4 {
        return Err(one(MepError::new(
            bytes.len(),
            ErrorKind::Truncated {
                what: "header and checksum",
                needed: HEADER_LEN + 4,
                available: bytes.len(),
            },
        )));
    }
    // The version first: another major version may lay out even the checksum differently.
    let major = u16::from_le_bytes([bytes[8], bytes[9]]);
    let minor = u16::from_le_bytes([bytes[10], bytes[11]]);
    if major != VERSION_MAJOR {
        return Err(one(MepError::new(
            8,
            ErrorKind::UnsupportedVersion { major, minor },
        )));
    }
    let (body, trailer) = bytes.split_at(bytes.len() - 4);
    let stored = u32::from_le_bytes([trailer[0], trailer[1], trailer[2], trailer[3]]);
    let computed = crc32fast::hash(body);
    if stored != computed && !options.ignore_checksum {
        return Err(one(MepError::new(
            body.len(),
            ErrorKind::ChecksumMismatch { stored, computed },
        )));
    }

    let mut r = Reader::new(body, 0);
    r.bytes(MAGIC.len() + 4, "header").map_err(one)?;
    let flags = r.u32("flags").map_err(one)?;
    if flags & !KNOWN_FLAGS != 0 {
        return Err(one(MepError::new(12, ErrorKind::UnknownFlags { flags })));
    }

    let mut module = Module {
        flags,
        minor_version: minor,
        ..Module::default()
    };
    let mut seen_custom = false;
    let mut layout = FileLayout::default();
    let mut previous = 0u8;
    let mut seen_required = [false; 3];
    let mut errors = Vec::new();
    while !r.is_empty() {
        let at = r.offset();
        let id = r.u8("section id").map_err(one)?;
        let payload = r.blob("section").map_err(one)?;
        let payload_offset = at + 5;
        if id >= section::FIRST_CUSTOM {
            seen_custom = true;
        } else {
            if seen_custom {
                let previous = section::FIRST_CUSTOM;
                return Err(one(MepError::new(
                    at,
                    ErrorKind::SectionOrder { id, previous },
                )));
            }
            if !(section::CONSTANTS..=section::DEBUG).contains(&id) {
                return Err(one(MepError::new(at, ErrorKind::UnknownSection { id })));
            }
            if id <= previous {
                return Err(one(MepError::new(
                    at,
                    ErrorKind::SectionOrder { id, previous },
                )));
            }
            previous = id;
        }
        let mut s = Reader::new(payload, payload_offset);
        match id {
            section::CONSTANTS => {
                seen_required[0] = true;
                let n = s.count(1, "constant pool").map_err(one)?;
                if n > MAX_CONSTANTS {
                    return Err(one(MepError::new(
                        payload_offset,
                        ErrorKind::TooMany {
                            what: "constants",
                            count: n,
                            max: MAX_CONSTANTS,
                        },
                    )));
                }
                for _ in 0..n {
                    module
                        .constants
                        .push(Constant::decode(&mut s).map_err(one)?);
                }
            }
            section::MODELS => {
                seen_required[1] = true;
                let n = s.count(1, "model table").map_err(one)?;
                if n > MAX_MODELS {
                    return Err(one(MepError::new(
                        payload_offset,
                        ErrorKind::TooMany {
                            what: "models",
                            count: n,
                            max: MAX_MODELS,
                        },
                    )));
                }
                for _ in 0..n {
                    module.models.push(decode_model(&mut s).map_err(one)?);
                }
            }
            section::CODE => {
                seen_required[2] = true;
                layout.code_offset = payload_offset;
                match code::decode_code(payload, payload_offset) {
                    Ok(code) => module.code = code,
                    Err(mut code_errors) => errors.append(&mut code_errors),
                }
                s = Reader::new(&[], payload_offset + payload.len());
            }
            section::INTERFACE => {
                module.interface = Some(decode_interface(&mut s).map_err(one)?);
            }
            section::DEBUG => {
                module.debug = Some(decode_debug(&mut s).map_err(one)?);
            }
            _ => {
                module.custom.push(CustomSection {
                    id,
                    data: payload.to_vec(),
                });
                s = Reader::new(&[], payload_offset + payload.len());
            }
        }
        if !s.is_empty() {
            let name = section_name(id);
            errors.push(MepError::new(
                s.offset(),
                ErrorKind::SectionTrailingBytes {
                    name,
                    extra: s.remaining(),
                },
            ));
        }
    }
    for (present, name) in seen_required
        .iter()
        .zip(["constant pool", "model table", "code"])
    {
        if !present {
            errors.push(MepError::new(
                body.len(),
                ErrorKind::MissingSection { name },
            ));
        }
    }
    if errors.is_empty() {
        Ok((module, layout))
    } else {
        Err(errors)
    }
}

fn section_name(id: u8) -> &'static str {
    match id {
        section::CONSTANTS => "constant pool",
        section::MODELS => "model table",
        section::CODE => "code",
        section::INTERFACE => "interface",
        section::DEBUG => "debug",
        _ => "custom",
    }
}

fn decode_strings(r: &mut Reader<'_>, what: &'static str) -> Result<Vec<String>, MepError> {
    let n = r.count(4, what)?;
    (0..n).map(|_| r.string(what)).collect()
}

fn decode_model(r: &mut Reader<'_>) -> Result<ModelEntry, MepError> {
    let path = r.string("model path")?;
    let format = r.string("model format")?;
    let flags_at = r.offset();
    let flags = r.u8("model flags")?;
    if flags & !0b11 != 0 {
        return Err(MepError::new(
            flags_at,
            ErrorKind::InvalidModelEntry {
                reason: format!("flags 0x{flags:02x} set undefined bits"),
            },
        ));
    }
    let sha256 = if flags & 1 != 0 {
        let mut sha = [0; 32];
        sha.copy_from_slice(r.bytes(32, "model sha256")?);
        Some(sha)
    } else {
        None
    };
    let size = if flags & 2 != 0 {
        Some(r.u64("model size")?)
    } else {
        None
    };
    let inputs = decode_strings(r, "model input names")?;
    let outputs = decode_strings(r, "model output names")?;
    Ok(ModelEntry {
        path,
        format,
        sha256,
        size,
        inputs,
        outputs,
    })
}

fn decode_interface(r: &mut Reader<'_>) -> Result<Interface, MepError> {
    let name = r.string("plan name")?;
    let n = r.count(5, "argument list")?;
    let mut args = Vec::with_capacity(n);
    for _ in 0..n {
        let index = r.u8("argument index")?;
        let name = r.string("argument name")?;
        args.push(ArgInfo { index, name });
    }
    let n = r.count(8, "return list")?;
    let mut returns = Vec::with_capacity(n);
    for _ in 0..n {
        let offset = r.u32("return offset")?;
        let names = decode_strings(r, "return names")?;
        returns.push(ReturnNames { offset, names });
    }
    Ok(Interface {
        name,
        args,
        returns,
    })
}

fn decode_debug(r: &mut Reader<'_>) -> Result<DebugInfo, MepError> {
    let files = decode_strings(r, "debug file names")?;
    let n = r.count(16, "source locations")?;
    let mut locations = Vec::with_capacity(n);
    for _ in 0..n {
        let offset = r.u32("source location")?;
        let file = r.u32("source location")?;
        let start = r.u32("source location")?;
        let end = r.u32("source location")?;
        locations.push(SourceLocation {
            offset,
            file,
            start,
            end,
        });
    }
    let n = r.count(13, "slot names")?;
    let mut slot_names = Vec::with_capacity(n);
    for _ in 0..n {
        let slot = r.u8("slot name")?;
        let from = r.u32("slot name")?;
        let to = r.u32("slot name")?;
        let name = r.string("slot name")?;
        slot_names.push(SlotName {
            slot,
            from,
            to,
            name,
        });
    }
    Ok(DebugInfo {
        files,
        locations,
        slot_names,
    })
}
