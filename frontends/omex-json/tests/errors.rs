//! Snapshots of diagnostics: each holds the container (numbered) and every
//! diagnostic rendered as the command line shows them (without colour).
//! Containers sit in `examples/omex/` for path purposes, so the tiny-lm
//! fixture is found through `local_cache_dir: "../models"`.

mod common;

use common::{compile, options, render_all};
use omex_diagnostics::Severity;

fn numbered(text: &str) -> String {
    text.lines()
        .enumerate()
        .map(|(i, l)| format!("{:>3} | {l}\n", i + 1))
        .collect()
}

fn report(text: &str) -> String {
    let (module, diags, files) = compile("case.omex.json", text, &options());
    let errors = diags
        .iter()
        .filter(|d| d.severity == Severity::Error)
        .count();
    assert_eq!(module.is_some(), errors == 0);
    format!(
        "source:\n{}\n{} diagnostic(s), {} error(s){}:\n{}",
        numbered(text),
        diags.len(),
        errors,
        if module.is_some() {
            ", module produced"
        } else {
            ""
        },
        render_all(&diags, &files)
    )
}

macro_rules! case {
    ($name:ident, $text:expr) => {
        #[test]
        fn $name() {
            insta::assert_snapshot!(report(&$text));
        }
    };
}

const LOAD: &str = r#"{ "id": "load", "type": "model_load", "model_path": "local://tiny-lm/model.onnx", "output": "m" }"#;
const TOK: &str =
    r#"{ "id": "tok", "type": "tokenize", "input": "user_input.txt", "output": "ids" }"#;
const FWD: &str =
    r#"{ "id": "fwd", "type": "forward_pass", "model": "m", "input": "ids", "output": "logits" }"#;
const GEN: &str = r#"{ "id": "gen", "type": "greedy_sample", "logits": "logits", "max_tokens": 8, "output": "gen" }"#;
const DEC: &str = r#"{ "id": "dec", "type": "decode", "input": "gen", "output": "text" }"#;

/// A container around `stages` (JSON objects), with `extra` top-level keys.
fn flow(extra: &str, stages: &[&str]) -> String {
    format!(
        "{{\n  \"omex_version\": \"0.2.0\",\n  \"task_id\": \"t\",\n  \"storage_policy\": {{ \"local_cache_dir\": \"../models\" }},{extra}\n  \"task_flow\": [\n    {}\n  ]\n}}\n",
        stages.join(",\n    ")
    )
}

fn graph(entry: &str, nodes: &[&str]) -> String {
    format!(
        "{{\n  \"omex_version\": \"0.2.0\",\n  \"task_id\": \"g\",\n  \"storage_policy\": {{ \"local_cache_dir\": \"../models\" }},\n  \"execution_graph\": {{\n    {entry}\"nodes\": [\n      {}\n    ]\n  }}\n}}\n",
        nodes.join(",\n      ")
    )
}

// ---- the whole flow is fine: the baseline every case changes

case!(valid_flow, flow("", &[LOAD, TOK, FWD, GEN, DEC]));

// ---- reading (E0200-E0204)

case!(
    syntax_trailing_comma,
    "{\n  \"omex_version\": \"0.2.0\",\n  \"task_id\": \"t\",\n}\n"
);
case!(syntax_empty_file, "   \n");
case!(
    duplicate_key,
    "{\n  \"omex_version\": \"0.2.0\",\n  \"task_id\": \"a\",\n  \"task_id\": \"b\",\n  \"task_flow\": []\n}\n"
);
case!(top_level_not_object, "[\"omex_version\", \"0.2.0\"]\n");
case!(
    wrong_types,
    "{\n  \"omex_version\": 0.2,\n  \"task_id\": [\"t\"],\n  \"task_flow\": {}\n}\n"
);
case!(
    missing_required_keys,
    flow(
        "",
        &[
            r#"{ "id": "load", "type": "model_load", "model_path": "local://tiny-lm/model.onnx" }"#,
            r#"{ "type": "tokenize", "input": "user_input.txt", "output": "ids" }"#
        ]
    )
    .replace("  \"task_id\": \"t\",\n", "")
);
case!(
    unknown_keys_are_warnings,
    flow(
        "\n  \"memory_profil\": { \"max_ram_mb\": 64 },\n  \"context\": { \"memory_limit_mb\": 512, \"colour\": \"blue\" },",
        &[
            LOAD,
            r#"{ "id": "tok", "type": "tokenize", "input": "user_input.txt", "output": "ids", "tokeniser": "x.json" }"#,
            FWD,
            GEN,
            DEC
        ]
    )
);
case!(
    bad_numbers,
    flow(
        "",
        &[
            LOAD,
            TOK,
            r#"{ "id": "fwd", "type": "forward_pass", "model": "m", "input": "ids", "token_window": { "window_size": 2048.5, "stride": -1 }, "output": "logits" }"#,
            r#"{ "id": "gen", "type": "greedy_sample", "logits": "logits", "max_tokens": 99999999999999999999999, "output": "gen" }"#
        ]
    )
);

// ---- container settings (E0205, E0206, E0212, E0225, E0230)

case!(
    unsupported_version,
    flow("", &[LOAD, TOK, FWD, GEN, DEC]).replace("\"0.2.0\"", "\"1.0.0\"")
);
case!(
    nothing_to_run,
    "{\n  \"omex_version\": \"0.1.0\",\n  \"task_id\": \"empty\",\n  \"metadata\": { \"author\": \"me\" }\n}\n"
);
case!(
    execution_mode_not_local,
    flow(
        "\n  \"execution_mode\": \"distributed\",\n  \"context\": { \"execution_mode\": \"remote\" },",
        &[LOAD, TOK, FWD, GEN, DEC]
    )
);
case!(
    settings_not_honoured,
    flow(
        "\n  \"context\": { \"zsei_guided\": true },\n  \"completion_policy\": { \"retry_on_fail\": true, \"max_runtime_minutes\": 60 },",
        &[
            r#"{ "id": "load", "type": "model_load", "model_path": "local://tiny-lm/model.onnx", "load_layers": [0, 10], "compression": "zstd", "output": "m" }"#,
            TOK,
            FWD,
            GEN,
            DEC
        ]
    )
);
case!(
    memory_sizes_unusable,
    flow(
        "\n  \"context\": { \"memory_limit_mb\": 0 },\n  \"memory_profile\": { \"max_ram_mb\": 18446744073709551615 },",
        &[LOAD, TOK, FWD, GEN, DEC]
    )
);

// ---- names and kinds (E0207-E0211, E0224, E0227, E0228)

case!(
    duplicate_ids_and_outputs,
    flow(
        "",
        &[
            LOAD,
            TOK,
            r#"{ "id": "tok", "type": "tokenize", "input": "user_input.txt", "output": "ids" }"#
        ]
    )
);
case!(
    duplicate_output,
    flow(
        "",
        &[
            LOAD,
            TOK,
            r#"{ "id": "fwd", "type": "forward_pass", "model": "m", "input": "ids", "output": "ids" }"#
        ]
    )
);
case!(
    unknown_value_with_suggestion,
    flow(
        "",
        &[
            LOAD,
            TOK,
            FWD,
            r#"{ "id": "gen", "type": "greedy_sample", "logits": "logit", "max_tokens": 8, "output": "gen" }"#
        ]
    )
);
case!(
    decode_of_logits_is_wrong_kind,
    flow(
        "",
        &[
            LOAD,
            TOK,
            FWD,
            r#"{ "id": "dec", "type": "decode", "input": "logits", "output": "text" }"#
        ]
    )
);
case!(
    greedy_sample_needs_forward_logits,
    flow(
        "",
        &[
            LOAD,
            TOK,
            r#"{ "id": "gen", "type": "greedy_sample", "logits": "ids", "max_tokens": 8, "output": "gen" }"#
        ]
    )
);
case!(
    unsupported_stage_type,
    flow(
        "",
        &[
            LOAD,
            TOK,
            r#"{ "id": "sum", "type": "summarize", "input": "ids", "output": "s" }"#,
            r#"{ "id": "fwd", "type": "forward_pas", "model": "m", "input": "ids", "output": "logits" }"#
        ]
    )
);
case!(
    model_written_to_file,
    flow(
        "",
        &[
            r#"{ "id": "load", "type": "model_load", "model_path": "local://tiny-lm/model.onnx", "output": "model.bin" }"#
        ]
    )
);
case!(
    forward_pass_reads_no_files,
    flow(
        "",
        &[
            LOAD,
            r#"{ "id": "fwd", "type": "forward_pass", "model": "m", "input": "tokens.bin", "output": "logits" }"#
        ]
    )
);

// ---- models and policies (E0213-E0219)

case!(
    remote_model_forbidden_by_policy,
    flow(
        "",
        &[r#"{ "id": "load", "type": "model_load", "model_path": "zsei://models/slm-code-v1?q8", "output": "m" }"#]
    )
    .replace(
        "{ \"local_cache_dir\": \"../models\" }",
        "{ \"allow_remote_fetch\": false, \"local_cache_dir\": \"../models\" }"
    )
);
case!(
    remote_model_never_fetched,
    flow(
        "",
        &[r#"{ "id": "load", "type": "model_load", "model_path": "https://example.com/m.onnx", "output": "m" }"#]
    )
    .replace("{ \"local_cache_dir\": \"../models\" }", "{ \"allow_remote_fetch\": true }")
);
case!(
    model_not_found,
    flow(
        "",
        &[
            r#"{ "id": "load", "type": "model_load", "model_path": "local://models/mistral-int4.omex", "output": "m" }"#
        ]
    )
);
case!(
    model_is_not_a_language_model,
    flow(
        "",
        &[
            r#"{ "id": "load", "type": "model_load", "model_path": "local://sentiment/model.onnx", "output": "m" }"#
        ]
    )
);
case!(
    tokenizer_not_found,
    flow(
        "",
        &[
            LOAD,
            r#"{ "id": "tok", "type": "tokenize", "input": "user_input.txt", "tokenizer": "nope/tokenizer.json", "output": "ids" }"#
        ]
    )
);
case!(
    token_window_stride_too_large,
    flow(
        "",
        &[
            LOAD,
            TOK,
            r#"{ "id": "fwd", "type": "forward_pass", "model": "m", "input": "ids", "token_window": { "window_size": 16, "stride": 32 }, "output": "logits" }"#
        ]
    )
);
case!(
    token_window_longer_than_sequence,
    flow(
        "\n  \"model_requirements\": { \"max_sequence_tokens\": 1024 },",
        &[
            LOAD,
            TOK,
            r#"{ "id": "fwd", "type": "forward_pass", "model": "m", "input": "ids", "token_window": { "window_size": 2048, "stride": 1024 }, "output": "logits" }"#
        ]
    )
);

// ---- execution graphs (E0211, E0212, E0220-E0222)

case!(
    graph_cycle,
    graph(
        "\"entry_node\": \"parse\",\n    ",
        &[
            r#"{ "id": "parse", "type": "token_chunk_parse", "input": ["user_input.txt"], "output": ["tokens"] }"#,
            r#"{ "id": "a", "type": "inference_slices", "depends_on": ["parse", "b"], "model_reference": "local://tiny-lm/model.onnx" }"#,
            r#"{ "id": "b", "type": "output_merge_and_decode", "depends_on": ["a"] }"#
        ]
    )
);
case!(
    graph_missing_dependency_and_entry,
    graph(
        "\"entry_node\": \"node_0\",\n    ",
        &[
            r#"{ "id": "node_1", "type": "token_chunk_parse", "input": ["user_input.txt"] }"#,
            r#"{ "id": "node_2", "type": "inference_slices", "depends_on": ["node_l"], "model_reference": "local://tiny-lm/model.onnx" }"#
        ]
    )
);
case!(
    graph_without_entry_node,
    graph(
        "",
        &[r#"{ "id": "node_1", "type": "token_chunk_parse", "input": ["user_input.txt"] }"#]
    )
);
case!(
    graph_entry_node_with_dependencies,
    graph(
        "\"entry_node\": \"node_2\",\n    ",
        &[
            r#"{ "id": "node_1", "type": "token_chunk_parse", "input": ["user_input.txt"] }"#,
            r#"{ "id": "node_2", "type": "inference_slices", "depends_on": ["node_1"], "model_reference": "local://tiny-lm/model.onnx" }"#
        ]
    )
);
case!(
    graph_node_needs_a_model,
    graph(
        "\"entry_node\": \"node_1\",\n    ",
        &[
            r#"{ "id": "node_1", "type": "token_chunk_parse", "input": ["user_input.txt"], "tokenizer": "../models/tiny-lm/tokenizer.json" }"#,
            r#"{ "id": "node_2", "type": "inference_slices", "depends_on": ["node_1"] }"#
        ]
    )
);
// The OMEX README's second example as written: its node types cannot be
// lowered and two runners are not local (examples/omex/ has the adaptation).
case!(
    seed_code_analysis_unadapted,
    r#"{
  "omex_version": "0.1.0",
  "task_id": "auth-system-analysis-456",
  "task_type": "code_analysis",
  "context": {
    "source": "user",
    "requested_by": "terminal",
    "zsei_guidance": true,
    "device_profile": "raspberry-pi-5"
  },
  "execution_graph": {
    "entry_node": "node_1",
    "nodes": [
      {
        "id": "node_1",
        "type": "parse_codebase",
        "input": ["./src"],
        "output": ["parsed_ast.json"],
        "runner": "remote_inference_node"
      },
      {
        "id": "node_2",
        "type": "semantic_analysis",
        "depends_on": ["node_1"],
        "runner": "local_cpu",
        "guidance": "zsei://frameworks/code-analysis"
      },
      {
        "id": "node_3",
        "type": "summary_generation",
        "depends_on": ["node_2"],
        "runner": "zsei-guided-agent"
      }
    ]
  },
  "completion_policy": {
    "retry_on_fail": true,
    "max_runtime_minutes": 60
  }
}
"#
);
case!(
    node_with_two_outputs,
    graph(
        "\"entry_node\": \"node_1\",\n    ",
        &[
            r#"{ "id": "node_1", "type": "token_chunk_parse", "input": ["user_input.txt"], "output": ["a", "b"], "tokenizer": "../models/tiny-lm/tokenizer.json" }"#
        ]
    )
);
case!(
    forward_node_with_two_token_inputs,
    graph(
        "\"entry_node\": \"node_1\",\n    ",
        &[
            r#"{ "id": "node_1", "type": "token_chunk_parse", "input": ["user_input.txt"], "output": ["a"] }"#,
            r#"{ "id": "node_2", "type": "token_chunk_parse", "input": ["user_input.txt"], "output": ["b"] }"#,
            r#"{ "id": "node_3", "type": "inference_slices", "input": ["a", "b"], "model_reference": "local://tiny-lm/model.onnx" }"#
        ]
    )
);
case!(
    empty_model_reference,
    flow(
        "",
        &[r#"{ "id": "load", "type": "model_load", "model_path": "local://", "output": "m" }"#]
    )
);
