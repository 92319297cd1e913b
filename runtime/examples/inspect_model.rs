//! Prints a model's inputs and outputs as the runtime sees them.
//!
//! cargo run -p omex-runtime --example inspect_model -- MODEL.onnx...

use omex_runtime::{ModelBackends, SessionConfig};

fn main() {
    let backends = ModelBackends::with_onnx(None);
    for path in std::env::args().skip(1) {
        let format = std::path::Path::new(&path)
            .extension()
            .and_then(|e| e.to_str())
            .unwrap_or("onnx")
            .to_string();
        let loaded = backends
            .get(&format)
            .and_then(|b| b.load(std::path::Path::new(&path), &SessionConfig::default()));
        match loaded {
            Ok(model) => {
                println!("{path}");
                for i in model.inputs() {
                    println!("  input  {}", i.describe());
                }
                for o in model.outputs() {
                    println!("  output {}", o.describe());
                }
            }
            Err(e) => eprintln!("{path}: {e}"),
        }
    }
}
