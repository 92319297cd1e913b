//! Any bytes -> decode -> verify -> disassemble -> assemble: never panics.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    omex_mep::fuzz::decode_verify(data);
});
