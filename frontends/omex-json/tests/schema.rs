//! docs/omex.schema.json is the schema derived from the Rust types; this
//! test fails when it is out of date. Regenerate it with
//! `UPDATE_SCHEMA=1 cargo test -p omex-frontend-omex --test schema`.

mod common;

use omex_frontend_omex::model::{Container, Context, ExecutionGraph, Node, StoragePolicy};
use omex_frontend_omex::read::stage_keys;

#[test]
fn published_schema_is_up_to_date() {
    let path = common::root().join("docs/omex.schema.json");
    let fresh = omex_frontend_omex::schema::json();
    if std::env::var_os("UPDATE_SCHEMA").is_some() {
        std::fs::write(&path, &fresh).unwrap();
        return;
    }
    let committed = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        committed == fresh,
        "docs/omex.schema.json is out of date: run \
         `UPDATE_SCHEMA=1 cargo test -p omex-frontend-omex --test schema`"
    );
}

/// The keys the reader accepts are the schema's properties, so the schema
/// and the "unknown key" warnings agree.
#[test]
fn reader_keys_match_the_schema() {
    let schema: serde_json::Value =
        serde_json::from_str(&omex_frontend_omex::schema::json()).unwrap();
    let props = |def: Option<&str>| -> Vec<String> {
        let node = match def {
            None => &schema,
            Some(name) => &schema["$defs"][name],
        };
        let mut keys: Vec<String> = node["properties"]
            .as_object()
            .unwrap_or_else(|| panic!("no properties for {def:?}"))
            .keys()
            .cloned()
            .collect();
        keys.sort();
        keys
    };
    let sorted = |keys: &[&str]| {
        let mut k: Vec<String> = keys.iter().map(|s| s.to_string()).collect();
        k.sort();
        k
    };
    assert_eq!(props(None), sorted(Container::KEYS));
    assert_eq!(props(Some("Context")), sorted(Context::KEYS));
    assert_eq!(props(Some("ExecutionGraph")), sorted(ExecutionGraph::KEYS));
    assert_eq!(props(Some("Node")), sorted(Node::KEYS));
    assert_eq!(props(Some("StoragePolicy")), sorted(StoragePolicy::KEYS));
    let stage = &schema["$defs"]["Stage"];
    assert_eq!(stage["required"], serde_json::json!(["id"]));
    for variant in stage["oneOf"].as_array().unwrap() {
        let ty = variant["properties"]["type"]["const"].as_str().unwrap();
        let mut keys: Vec<String> = variant["properties"]
            .as_object()
            .unwrap()
            .keys()
            .filter(|k| *k != "type")
            .cloned()
            .collect();
        keys.sort();
        assert_eq!(keys, sorted(stage_keys(ty)), "stage type {ty}");
    }
}

/// Every example validates against the schema's required keys (a smoke
/// check without a JSON Schema validator: required top-level keys present).
#[test]
fn examples_have_the_required_keys() {
    let schema: serde_json::Value =
        serde_json::from_str(&omex_frontend_omex::schema::json()).unwrap();
    let required: Vec<&str> = schema["required"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|v| v.as_str())
        .collect();
    assert_eq!(required, ["omex_version", "task_id"]);
    for entry in std::fs::read_dir(common::root().join("examples/omex")).unwrap() {
        let path = entry.unwrap().path();
        if path.to_string_lossy().ends_with(".omex.json") {
            let json: serde_json::Value =
                serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
            for key in &required {
                assert!(json.get(key).is_some(), "{} lacks {key}", path.display());
            }
        }
    }
}
