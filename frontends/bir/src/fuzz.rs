//! Fuzz targets, as library functions so that `cargo test` runs them too.

use crate::container::{self, DecodeOptions};
use crate::text;

/// Any bytes -> decode (checksum ignored, so that mutations reach the
/// sections) -> disassemble -> assemble -> encode -> decode. Must never
/// panic; every error must point inside the data it excerpts (or at its
/// end); a decoded program must survive both round trips unchanged.
pub fn decode_roundtrip(bytes: &[u8]) {
    let options = DecodeOptions {
        ignore_checksum: true,
    };
    let decoded = match container::decode(bytes, options) {
        Ok(d) => d,
        Err(e) => {
            let _ = e.to_diagnostic("fuzz.bir");
            assert!(e.code.starts_with("E04"), "{e:?}");
            return;
        }
    };
    // Lowering must not panic either, and what it returns must verify.
    let options = crate::LowerOptions {
        bir_dir: "/nonexistent/omexc-fuzz".into(),
        name: "fuzz".into(),
        file_name: "fuzz.bir".into(),
        ..Default::default()
    };
    match crate::lower(&decoded, &options) {
        Ok(module) => {
            if let Err(errors) = omex_ir::verify(&module) {
                panic!(
                    "lowered IR does not verify: {errors:?}\n{}",
                    omex_ir::print(&module)
                );
            }
        }
        Err(diagnostics) => assert!(!diagnostics.is_empty()),
    }
    let program = decoded.program;
    let printed = text::disassemble(&program);
    let assembled = text::assemble(&printed)
        .unwrap_or_else(|e| panic!("disassembly does not assemble: {e:?}\n{printed}"));
    assert_eq!(
        assembled, program,
        "text round trip changed the program\n{printed}"
    );
    let encoded = container::encode(&program);
    let again = container::decode(&encoded, DecodeOptions::default())
        .unwrap_or_else(|e| panic!("re-encoded program does not decode: {e:?}"));
    assert_eq!(
        again.program, program,
        "encode -> decode changed the program"
    );
    assert_eq!(
        container::encode(&again.program),
        encoded,
        "encoding is not canonical"
    );
}

/// Any text -> assemble -> (if it assembles) disassemble -> assemble again.
pub fn assemble_text(bytes: &[u8]) {
    let Ok(source) = std::str::from_utf8(bytes) else {
        return;
    };
    let first = match text::assemble(source) {
        Ok(p) => p,
        Err(errors) => {
            for e in errors {
                assert!(
                    e.span.start <= e.span.end && e.span.end <= source.len(),
                    "{e:?}"
                );
            }
            return;
        }
    };
    let printed = text::disassemble(&first);
    let second = text::assemble(&printed)
        .unwrap_or_else(|e| panic!("disassembly does not assemble: {e:?}\n{printed}"));
    assert_eq!(second, first);
}
