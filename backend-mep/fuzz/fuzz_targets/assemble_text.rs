//! Any text -> assemble -> disassemble -> assemble: never panics, and the
//! second round prints the same text.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    omex_mep::fuzz::assemble_text(data);
});
