//! A deterministic smoke run of the fuzz targets (`omex_mep::fuzz`) inside
//! `cargo test`: valid programs, truncated at every length and with bytes
//! flipped, inserted and removed (the checksum fixed up so that mutations
//! reach the sections), go through `decode_verify`; their disassembly, cut
//! and mutated, goes through `assemble_text`. Neither may panic.
//!
//! Last, random stacks of such edits: `OMEX_FUZZ_ITERATIONS` of them (1000
//! unless set) on the bytes and as many on the text, drawn from
//! `OMEX_FUZZ_SEED`.
//!
//! The cargo-fuzz harness in `backend-mep/fuzz/` runs the same functions on
//! generated inputs.

use omex_fuzz_support::{Rng, knob, reporting};
use omex_mep::fuzz::{assemble_text, decode_verify};
use omex_mep::{DecodeOptions, Module, VerifyOptions, decode, encode, load, text, verify};

/// Every opcode, both loop exits, a forward branch inside a loop and one at
/// the top level, every constant type, every section.
const EVERYTHING: &str = r#".mep 1.0
.flags strict_model_hashes
.plan "smoke"
.arg 0 "prompt"
.arg 1 "image path"
.model m0 "lm/model.onnx" format="onnx" sha256="00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff" size=123456 inputs=["input_ids", "attention_mask"] outputs=["logits"]
.model m1 "vae.onnx" format="onnx" sha256="ffeeddccbbaa99887766554433221100ffeeddccbbaa99887766554433221100" size=42 inputs=["latents"] outputs=["image"]
.file 0 "smoke.rcp"
.slot_name s0 0 3 "prompt"
.custom 200 bytes"c0ffee"

    SRC_CMD_ARG out=s0 arg=0 @0:0..10
    SRC_USER_PROMPT out=s1 data_type=int prompt="How many? "
    SRC_FILE_CONTENT out=s2 path=s0 mode=binary @0:11..20
    SRC_CONSTANT out=s3 value=f32[1.5, nan, -inf]
    SRC_CONSTANT out=s4 value=int[1, -2, 3]
    SRC_CONSTANT out=s5 value=str["a", "b\n"]
    SRC_CONSTANT out=s6 value=bytes"00ff"
    SRC_CONSTANT out=s7 value=null
    SRC_CONSTANT out=s8 value=true
    SRC_CONSTANT out=s9 value=2.5e-3
    RES_LOAD_MODEL model=m0 path="lm/model.onnx"
    RES_LOAD_MODEL model=m1 path="vae.onnx"
    RES_LOAD_DATAFILE out=s10 file_type=json path="labels.json"
    RES_LOAD_EXTERN out=s11 repo="lm/tokenizer.json" kind=tokenizer params=[]
    RES_LOAD_EXTERN out=s12 repo="scheduler" kind=host_object params=[s4]
    EXEC_CTL ctl=device value="cpu"
    EXEC_CTL ctl=precision value="f16"
    EXEC_CTL ctl=threads value=4
    EXEC_CTL ctl=seed value=42
    PREPROC_ENCODE proc=s11 input=s0 out=s13
    PREPROC_GET_ID proc=s11 item="</s>" out=s14
    STRING_FORMAT out=s15 format="{} of {{{}}}" inputs=[s0, s1]
    TENSOR_CREATE out=s16 dtype=i64 op=ones params=[s4]
    TENSOR_CREATE out=s17 dtype=f32 op=full params=[s4, s9]
    TENSOR_RANDOM out=s18 dtype=f16 dist=gaussian shape=s4 seed=s1
    TENSOR_MANIPULATE op=slice out=s19 input=s16 params=[s1, s1, s1]
    TENSOR_COMBINE op=concat out=s20 inputs=[s13, s16] params=[s1]
    TENSOR_INFO op=shape out=s21 input=s20
    TENSOR_EXTRACT out=s22 tensor=s20 index=s1
    EXTERN_CALL_FUNC func="resize" inputs=[s2] outputs=[s23]
    EXTERN_CALL_METHOD object=s12 method="step" inputs=[s18, s1] outputs=[s18]
    SYS_COPY out=s24 input=s13
    SYS_DEBUG_PRINT key=s24 message="ids"
    SRC_CONSTANT out=s25 value=8
    FLOW_LOOP_START counter=s25
      MODEL_RUN_STATIC model=m0 inputs=[s24, s16] outputs=[s26]
      MATH_UNARY op=softmax out=s27 input=s26
      MATH_BINARY op=div out=s27 lhs=s27 rhs=s9
      MATH_AGGREGATE op=argmax out=s28 input=s27 params=[s1]
      LOGIC_COMPARE op=eq out=s29 lhs=s28 rhs=s14
      FLOW_BREAK_LOOP_IF cond=s29
      ANALYSIS_TOP_K input=s27 k=5 indices=s30 values=s31
      ANALYSIS_SAMPLE logits=s26 temperature=s9 top_k=s1 out=s32
      FLOW_BRANCH_IF cond=s29 offset=@skip
      PREPROC_DECODE proc=s11 input=s32 out=s33
      SINK_CONSOLE input=s33 mode=stream
skip:
      TENSOR_COMBINE op=concat out=s24 inputs=[s24, s32] params=[]
    FLOW_LOOP_END
    MODEL_RUN_DYNAMIC model=m1 inputs=[s18] out_dict=s34
    FORMAT_TEXT_TABLE out=s35 labels=s10 indices=s30 values=s31
    FORMAT_TO_IMAGE out=s36 input=s34 range=signed
    FORMAT_TO_AUDIO out=s37 input=s18 rate=s1
    SINK_FILE input=s36 path=s0 format=png
    RES_UNLOAD res=model target=1
    RES_UNLOAD res=context target=34
    FLOW_BRANCH_IF cond=s29 offset=@done
    SINK_RETURN values=[s35, s15] names=["table", "title"]
done:
    FLOW_HALT
"#;

/// The example of `text_roundtrip.rs`: a small generation loop.
const GENERATION: &str = r#".mep 1.0
.plan "generate"
.arg 0 "prompt"
.model m0 "lm/model.onnx" format="onnx" inputs=["input_ids"] outputs=["logits"]

    SRC_CMD_ARG out=s0 arg=0
    RES_LOAD_EXTERN out=s1 repo="lm/tokenizer.json" kind=tokenizer params=[]
    RES_LOAD_MODEL model=m0 path="lm/model.onnx"
    PREPROC_ENCODE proc=s1 input=s0 out=s2
    PREPROC_GET_ID proc=s1 item="</s>" out=s3
    SRC_CONSTANT out=s4 value=16
    FLOW_LOOP_START counter=s4
      MODEL_RUN_STATIC model=m0 inputs=[s2] outputs=[s5]
      MATH_AGGREGATE op=argmax out=s6 input=s5 params=[]
      LOGIC_COMPARE op=eq out=s7 lhs=s6 rhs=s3
      FLOW_BREAK_LOOP_IF cond=s7
      PREPROC_DECODE proc=s1 input=s6 out=s8
      SINK_CONSOLE input=s8 mode=stream
    FLOW_LOOP_END
    SINK_RETURN values=[s2] names=["ids"]
"#;

fn assemble(source: &str) -> Module {
    let module = text::assemble(source)
        .unwrap_or_else(|e| panic!("{e:#?}"))
        .module;
    verify(module.clone(), &VerifyOptions::default()).unwrap_or_else(|e| panic!("{e:#?}"));
    module
}

/// The valid programs the smoke run starts from.
fn seeds() -> Vec<Vec<u8>> {
    let everything = assemble(EVERYTHING);
    let mut opcodes: Vec<u8> = everything.code.iter().map(|i| i.opcode() as u8).collect();
    opcodes.sort_unstable();
    opcodes.dedup();
    assert_eq!(
        opcodes.len(),
        omex_mep::OPCODES.len(),
        "every opcode is used"
    );
    assert!(
        everything.custom.len() == 1 && everything.debug.is_some(),
        "every section is present"
    );
    vec![
        encode(&everything),
        encode(&assemble(GENERATION)),
        encode(&Module::default()),
    ]
}

/// `body` with a correct checksum appended.
fn sealed(body: &[u8]) -> Vec<u8> {
    let mut bytes = body.to_vec();
    bytes.extend(crc32fast::hash(body).to_le_bytes());
    bytes
}

/// Runs both entry points a file can take: the fuzz target (checksum
/// ignored) and `load` (checksum checked). Returns whether it loaded.
fn run(bytes: &[u8]) -> bool {
    decode_verify(bytes);
    load(bytes, &VerifyOptions::default()).is_ok()
}

#[test]
fn seeds_are_valid_and_canonical() {
    for bytes in seeds() {
        assert!(run(&bytes));
        let (module, _) = decode(&bytes, DecodeOptions::default()).unwrap();
        assert_eq!(encode(&module), bytes);
        assemble_text(text::disassemble(&module).as_bytes());
    }
}

#[test]
fn decode_verify_on_every_truncation() {
    for bytes in seeds() {
        let body = &bytes[..bytes.len() - 4];
        for len in 0..bytes.len() {
            // As cut (the checksum is gone or wrong)...
            assert!(!run(&bytes[..len]));
            // ...and with the checksum of what is left.
            if len <= body.len() {
                run(&sealed(&body[..len]));
            }
        }
    }
}

#[test]
fn decode_verify_on_every_byte_flipped() {
    const MASKS: [u8; 4] = [0x01, 0x80, 0xFF, 0x10];
    let mut loaded = 0;
    let mut rejected = 0;
    for bytes in seeds() {
        let body = &bytes[..bytes.len() - 4];
        for i in 0..body.len() {
            // One flip per byte, the mask cycling with the position, keeps
            // the run short in debug builds.
            let mask = MASKS[i % MASKS.len()];
            let mut mutated = body.to_vec();
            mutated[i] ^= mask;
            if run(&sealed(&mutated)) {
                loaded += 1;
            } else {
                rejected += 1;
            }
            // Without fixing the checksum the file never loads.
            mutated.extend_from_slice(&bytes[bytes.len() - 4..]);
            let errors = load(&mutated, &VerifyOptions::default()).unwrap_err();
            assert!(
                matches!(errors[0].code(), "E0800" | "E0801" | "E0803"),
                "byte {i} ^ {mask:#x}: {errors:?}"
            );
        }
    }
    // Mutations reach past the checksum: some files still load (a changed
    // slot, say), most are rejected by the decoder or the verifier.
    assert!(loaded > 100, "{loaded} loaded");
    assert!(rejected > 100, "{rejected} rejected");
}

#[test]
fn decode_verify_on_every_byte_inserted_or_removed() {
    for bytes in seeds() {
        let body = &bytes[..bytes.len() - 4];
        for i in 0..=body.len() {
            if i < body.len() {
                let mut removed = body.to_vec();
                removed.remove(i);
                run(&sealed(&removed));
            }
            for value in [0x00, 0xFF] {
                let mut inserted = body.to_vec();
                inserted.insert(i, value);
                run(&sealed(&inserted));
            }
        }
    }
}

#[test]
fn decode_verify_on_special_values() {
    // Every length field, count and id set to extreme values in turn:
    // each 4-byte window overwritten with a large value (cycling through
    // a few with the position).
    const VALUES: [u32; 4] = [u32::MAX, 0x8000_0000, 0x0000_FFFF, 0x0001_0001];
    for bytes in seeds() {
        let body = &bytes[..bytes.len() - 4];
        for i in 0..body.len().saturating_sub(3) {
            let mut mutated = body.to_vec();
            mutated[i..i + 4].copy_from_slice(&VALUES[i % VALUES.len()].to_le_bytes());
            run(&sealed(&mutated));
        }
    }
}

fn disassemblies() -> Vec<String> {
    seeds()
        .iter()
        .map(|bytes| text::disassemble(&decode(bytes, DecodeOptions::default()).unwrap().0))
        .collect()
}

#[test]
fn assemble_text_on_cut_and_mutated_disassembly() {
    const REPLACEMENTS: &[char] = &['"', '\n', '[', ']', '@', '0', 'x', '=', '\\', '{', 'é'];
    for source in disassemblies() {
        assemble_text(source.as_bytes());
        let lines: Vec<&str> = source.lines().collect();
        // Cut after every line and inside every line.
        let mut at = 0;
        for line in &lines {
            assemble_text(&source.as_bytes()[..at]);
            assemble_text(&source.as_bytes()[..at + line.len() / 2]);
            at += line.len() + 1;
        }
        // Each line removed, duplicated, and moved to the end.
        for i in 0..lines.len() {
            let mut removed = lines.clone();
            let line = removed.remove(i);
            assemble_text(removed.join("\n").as_bytes());
            let mut moved = removed.clone();
            moved.push(line);
            assemble_text(moved.join("\n").as_bytes());
            let mut duplicated = lines.clone();
            duplicated.insert(i, line);
            assemble_text(duplicated.join("\n").as_bytes());
        }
        // Characters replaced, every 7th position, cycling through the
        // replacements.
        let chars: Vec<char> = source.chars().collect();
        for (n, i) in (0..chars.len()).step_by(7).enumerate() {
            let mut mutated = chars.clone();
            mutated[i] = REPLACEMENTS[n % REPLACEMENTS.len()];
            let mutated: String = mutated.into_iter().collect();
            assemble_text(mutated.as_bytes());
        }
        // Invalid UTF-8 is rejected before assembly.
        let mut bytes = source.clone().into_bytes();
        bytes.push(0xFF);
        assemble_text(&bytes);
    }
}

#[test]
fn random_edits_of_bytes_and_text() {
    const VALUES: [u32; 6] = [0, 1, u32::MAX, 0x8000_0000, 0x0000_FFFF, 0x0001_0001];
    const PIECES: &[&str] = &[
        "\"",
        "\n",
        "[",
        "]",
        "@",
        "0",
        "x",
        "=",
        "\\",
        "{",
        "}",
        "é",
        ",",
        " ",
        "s",
        "m",
        "#",
        "-1",
        "nan",
        "inf",
        "1e999",
        "4294967296",
        "@skip",
        "skip:\n",
        "FLOW_LOOP_END\n",
        "FLOW_LOOP_START counter=s0\n",
        "value=",
        "bytes\"",
        "str[",
        "f32[",
        ".model ",
        ".custom ",
    ];
    let total = knob("OMEX_FUZZ_ITERATIONS", 1000);
    let mut rng = Rng(knob("OMEX_FUZZ_SEED", 0x3e95_5eed).max(1));
    let bodies: Vec<Vec<u8>> = seeds()
        .into_iter()
        .map(|bytes| bytes[..bytes.len() - 4].to_vec())
        .collect();
    for _ in 0..total {
        let mut m = bodies[rng.below(bodies.len())].clone();
        for _ in 0..1 + rng.below(4) {
            let at = rng.below(m.len() + 1);
            match rng.below(5) {
                0 if at < m.len() => m[at] ^= 1 << rng.below(8),
                1 if at < m.len() => m[at] = rng.next_u64() as u8,
                2 => m.insert(at, rng.next_u64() as u8),
                3 => {
                    let end = (at + 1 + rng.below(16)).min(m.len());
                    m.drain(at..end);
                }
                _ if at + 4 <= m.len() => {
                    let value = VALUES[rng.below(VALUES.len())];
                    m[at..at + 4].copy_from_slice(&value.to_le_bytes());
                }
                _ => {}
            }
        }
        let m = sealed(&m);
        reporting(&m, || {
            run(&m);
        });
    }
    let sources = disassemblies();
    for _ in 0..total {
        let mut s = sources[rng.below(sources.len())].clone();
        for _ in 0..1 + rng.below(4) {
            let boundary =
                |s: &str, at: usize| (at..=s.len()).find(|&i| s.is_char_boundary(i)).unwrap();
            let at = boundary(&s, rng.below(s.len() + 1));
            match rng.below(3) {
                0 => s.insert_str(at, PIECES[rng.below(PIECES.len())]),
                1 => {
                    let end = boundary(&s, (at + 1 + rng.below(30)).min(s.len()));
                    s.replace_range(at..end, "");
                }
                _ => {
                    let end = boundary(&s, (at + rng.below(120)).min(s.len()));
                    let chunk = s[at..end].to_string();
                    let to = boundary(&s, rng.below(s.len() + 1));
                    s.insert_str(to, &chunk);
                }
            }
        }
        reporting(&s, || assemble_text(s.as_bytes()));
    }
}
