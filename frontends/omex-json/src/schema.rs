//! The JSON Schema of an OMEX container, derived from [`crate::model`].
//!
//! Published as docs/omex.schema.json; `tests/schema.rs` fails when that
//! file is out of date (regenerate it with `UPDATE_SCHEMA=1 cargo test -p
//! omex-frontend-omex --test schema`).

use crate::model::Container;

/// The schema as pretty-printed JSON, ending with a newline.
pub fn json() -> String {
    let mut schema = schemars::schema_for!(Container);
    schema.insert(
        "$id".into(),
        "https://example.invalid/omexc/omex.schema.json".into(),
    );
    let mut text = serde_json::to_string_pretty(&schema).unwrap_or_default();
    text.push('\n');
    text
}
