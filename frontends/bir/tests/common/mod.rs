//! Helpers shared by the BIR tests: hand-assembled containers, hex dumps,
//! rendered diagnostics.

#![allow(dead_code)]

use omex_diagnostics::{Diagnostic, SourceFiles, render};

/// A container assembled by hand: magic, version 0.1, the section table
/// (type, flags, reserved 0, length, offset), the data, the CRC32.
pub fn container(sections: &[(u8, u8, &[u8])]) -> Vec<u8> {
    container_with(&[0, 1], sections)
}

pub fn container_with(version: &[u8; 2], sections: &[(u8, u8, &[u8])]) -> Vec<u8> {
    let mut out = b"CDIR".to_vec();
    out.extend_from_slice(version);
    out.extend_from_slice(&(sections.len() as u16).to_le_bytes());
    let mut offset = 8 + 16 * sections.len();
    for (kind, flags, data) in sections {
        out.push(*kind);
        out.push(*flags);
        out.extend_from_slice(&[0, 0]);
        out.extend_from_slice(&(data.len() as u64).to_le_bytes());
        out.extend_from_slice(&(offset as u32).to_le_bytes());
        offset += data.len();
    }
    for (_, _, data) in sections {
        out.extend_from_slice(data);
    }
    seal(out)
}

/// Appends the CRC32 of `bytes`.
pub fn seal(mut bytes: Vec<u8>) -> Vec<u8> {
    let crc = crc32fast::hash(&bytes);
    bytes.extend_from_slice(&crc.to_le_bytes());
    bytes
}

/// Replaces the trailing CRC32 after an edit.
pub fn reseal(mut bytes: Vec<u8>) -> Vec<u8> {
    bytes.truncate(bytes.len() - 4);
    seal(bytes)
}

/// A constant pool section's data.
pub fn pool(strings: &[&str]) -> Vec<u8> {
    let mut out = Vec::new();
    for s in strings {
        out.extend_from_slice(&(s.len() as u32).to_le_bytes());
        out.extend_from_slice(s.as_bytes());
    }
    out
}

/// `xxd`-like rows of 16 bytes.
pub fn hex_dump(bytes: &[u8]) -> String {
    bytes
        .chunks(16)
        .enumerate()
        .map(|(i, row)| {
            let hex: Vec<String> = row.iter().map(|b| format!("{b:02x}")).collect();
            format!("{:08x}  {}\n", i * 16, hex.join(" "))
        })
        .collect()
}

pub fn render_all(diagnostics: &[Diagnostic], files: &SourceFiles) -> String {
    render::plain_all(diagnostics, files)
}

pub fn zlib(data: &[u8]) -> Vec<u8> {
    use std::io::Write;
    let mut z = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::default());
    z.write_all(data).unwrap();
    z.finish().unwrap()
}
