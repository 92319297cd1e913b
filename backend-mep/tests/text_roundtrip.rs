//! Text -> bytes -> text round trips of hand-written `.mepasm` programs.

use omex_mep::{DecodeOptions, decode, encode, text};

const GENERATION: &str = r#".mep 1.0
.plan "generate"
.arg 0 "prompt"
.model m0 "lm/model.onnx" format="onnx" inputs=["input_ids"] outputs=["logits"]

    SRC_CMD_ARG out=s0 arg=0                             ; 0000
    RES_LOAD_EXTERN out=s1 repo="lm/tokenizer.json" kind=tokenizer params=[] ; 0003
    RES_LOAD_MODEL model=m0 path="lm/model.onnx"         ; 0009
    PREPROC_ENCODE proc=s1 input=s0 out=s2               ; 000d
    PREPROC_GET_ID proc=s1 item="</s>" out=s3            ; 0011
    SRC_CONSTANT out=s4 value=16                         ; 0016
    FLOW_LOOP_START counter=s4                           ; 001a
      MODEL_RUN_STATIC model=m0 inputs=[s2] outputs=[s5] ; 001c
      MATH_AGGREGATE op=argmax out=s6 input=s5 params=[] ; 0022
      LOGIC_COMPARE op=eq out=s7 lhs=s6 rhs=s3           ; 0027
      FLOW_BREAK_LOOP_IF cond=s7                         ; 002c
      PREPROC_DECODE proc=s1 input=s6 out=s8             ; 002e
      SINK_CONSOLE input=s8 mode=stream                  ; 0032
      FLOW_BRANCH_IF cond=s7 offset=@L0                  ; 0035
L0:
    FLOW_LOOP_END                                        ; 0039
    SINK_RETURN values=[s2] names=["ids"]                ; 003a
"#;

#[test]
fn hand_written_program_round_trips() {
    let assembled = text::assemble(GENERATION).unwrap_or_else(|e| panic!("{e:#?}"));
    let bytes = encode(&assembled.module);
    let (decoded, _) = decode(&bytes, DecodeOptions::default()).unwrap();
    assert_eq!(decoded, assembled.module);
    let printed = text::disassemble(&decoded);
    assert_eq!(printed, GENERATION);
    omex_mep::verify(decoded, &Default::default()).unwrap();
}
