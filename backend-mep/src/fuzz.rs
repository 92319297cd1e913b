//! Fuzz targets, as library functions so that `cargo test` runs them too
//! (see `fuzz/` for the cargo-fuzz harness).

use crate::container::{self, DecodeOptions};
use crate::text;
use crate::verify::{VerifyOptions, verify_with_layout};

/// Any bytes -> decode (checksum ignored, so that mutations reach the
/// sections) -> verify -> disassemble. Must never panic. When a module
/// decodes, encoding it again must decode to the same module.
pub fn decode_verify(bytes: &[u8]) {
    let options = DecodeOptions {
        ignore_checksum: true,
    };
    let Ok((module, layout)) = container::decode(bytes, options) else {
        return;
    };
    let text = text::disassemble(&module);
    let reencoded = container::encode(&module);
    match container::decode(&reencoded, DecodeOptions::default()) {
        Ok((again, _)) => assert_eq!(
            again, module,
            "decode -> encode -> decode changed the module"
        ),
        Err(errors) => panic!("re-encoded module does not decode: {errors:?}"),
    }
    if verify_with_layout(module, layout, &VerifyOptions::default()).is_ok() {
        // A verified program's text form assembles back to a module that
        // prints as the same text. (Not always to the same code: the
        // assembler numbers constants by first use, without duplicates or
        // unused entries, and reads every NaN back as the same NaN.)
        let assembled = text::assemble(&text)
            .unwrap_or_else(|e| panic!("disassembly does not assemble: {e:?}\n{text}"));
        assert_eq!(text::disassemble(&assembled.module), text);
    }
}

/// Any text -> assemble -> (if it assembles) disassemble -> assemble again.
/// Must never panic, and the second round must give the same module.
pub fn assemble_text(bytes: &[u8]) {
    let Ok(source) = std::str::from_utf8(bytes) else {
        return;
    };
    let Ok(first) = text::assemble(source) else {
        return;
    };
    let printed = text::disassemble(&first.module);
    let second = text::assemble(&printed)
        .unwrap_or_else(|e| panic!("disassembly does not assemble: {e:?}\n{printed}"));
    assert_eq!(text::disassemble(&second.module), printed);
}
