//! The values a program returns (`SINK_RETURN`), with their names.

use crate::value::Value;

/// The named values of the `SINK_RETURN` that ended the run (empty when the
/// program halted or ran off its end). Names come from the interface
/// section; without one they are `"0"`, `"1"`, ...
#[derive(Debug, Clone, Default)]
pub struct Outputs {
    values: Vec<(String, Value)>,
}

impl Outputs {
    pub fn new(values: Vec<(String, Value)>) -> Self {
        Outputs { values }
    }

    pub fn get(&self, name: &str) -> Option<&Value> {
        self.values.iter().find(|(n, _)| n == name).map(|(_, v)| v)
    }

    pub fn len(&self) -> usize {
        self.values.len()
    }

    pub fn is_empty(&self) -> bool {
        self.values.is_empty()
    }

    /// `(name, value)` in return order.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &Value)> {
        self.values.iter().map(|(n, v)| (n.as_str(), v))
    }

    pub fn into_vec(self) -> Vec<(String, Value)> {
        self.values
    }

    /// One JSON object, name -> value (see [`Value::to_json`]).
    pub fn to_json(&self) -> serde_json::Value {
        let mut map = serde_json::Map::new();
        for (name, value) in &self.values {
            map.insert(name.clone(), value.to_json());
        }
        serde_json::Value::Object(map)
    }
}
