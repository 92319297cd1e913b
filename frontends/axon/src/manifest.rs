//! The manifest schema: typed fields with their spans, read from the YAML
//! tree. Reading checks the shape of the document (required fields, kinds
//! of values, unknown fields); the rules on values are in [`crate::validate`].

use marked_yaml::Node;
use marked_yaml::types::{MarkedMappingNode, MarkedScalarNode};
use omex_diagnostics::{Diagnostic, Span, suggest};

use crate::codes;
use crate::yaml::{Yaml, kind};

/// A string value and where it is written.
#[derive(Debug, Clone, PartialEq)]
pub struct Str {
    pub value: String,
    pub span: Span,
}

/// An integer value and where it is written.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Num {
    pub value: i64,
    pub span: Span,
}

#[derive(Debug, Clone)]
pub struct Manifest {
    pub api_version: Option<Str>,
    pub kind: Option<Str>,
    pub metadata: Metadata,
    pub spec: Spec,
    /// Where to point for something missing at the top level.
    pub top: Span,
    /// Fields present with a value of the wrong kind (already reported).
    pub malformed: Vec<String>,
}

#[derive(Debug, Clone, Default)]
pub struct Metadata {
    pub key: Option<Span>,
    pub name: Option<Str>,
    pub namespace: Option<Str>,
    pub version: Option<Str>,
}

#[derive(Debug, Clone, Default)]
pub struct Spec {
    pub key: Option<Span>,
    pub framework: Option<Framework>,
    pub format: Option<Format>,
    pub io: Option<Io>,
    pub memory: Option<Str>,
}

#[derive(Debug, Clone)]
pub struct Framework {
    pub name: Option<Str>,
}

#[derive(Debug, Clone)]
pub struct Format {
    pub key: Span,
    pub kind: Option<Str>,
    pub execution_format: Option<Str>,
    pub files: Vec<FileEntry>,
}

#[derive(Debug, Clone)]
pub struct FileEntry {
    pub path: Str,
    pub size: Option<Num>,
    pub sha256: Option<Str>,
}

#[derive(Debug, Clone)]
pub struct Io {
    pub key: Span,
    pub inputs: Option<PortList>,
    pub outputs: Option<PortList>,
}

/// `inputs:` or `outputs:`: the key, the well-formed entries, and how many
/// entries were written (malformed ones are reported and left out).
#[derive(Debug, Clone)]
pub struct PortList {
    pub key: Span,
    pub ports: Vec<Port>,
    pub written: usize,
}

/// One entry of `spec.io.inputs` or `spec.io.outputs`.
#[derive(Debug, Clone)]
pub struct Port {
    pub name: Str,
    pub dtype: Option<Str>,
    pub shape: Option<Vec<Num>>,
    pub preprocessing: Option<Preprocessing>,
}

#[derive(Debug, Clone)]
pub struct Preprocessing {
    pub key: Span,
    pub kind: Option<Str>,
    pub tokenizer: Option<Str>,
    pub config: Config,
}

/// The `config` of a preprocessing hint: the keys the front end uses.
#[derive(Debug, Clone, Default)]
pub struct Config {
    pub mean: Option<(Vec<f64>, Span)>,
    pub std: Option<(Vec<f64>, Span)>,
    /// `size: 224`, `size: [224, 224]` or `size: {height: 224, width: 224}`.
    pub size: Option<(Vec<Num>, Span)>,
    /// Tokenizer padding on or off (default: as `tokenizer.json` says).
    pub padding: Option<(bool, Span)>,
    /// Which tokenizer output feeds this input (default: the input's name).
    pub field: Option<Str>,
}

const TOP_KEYS: &[&str] = &["apiVersion", "kind", "metadata", "spec"];
const METADATA_KEYS: &[&str] = &[
    "name",
    "namespace",
    "version",
    "description",
    "authors",
    "license",
    "tags",
    "homepage",
    "repository",
    "labels",
    "annotations",
    "created",
];
const SPEC_KEYS: &[&str] = &["framework", "format", "io", "requirements"];
const FRAMEWORK_KEYS: &[&str] = &["name", "version"];
const FORMAT_KEYS: &[&str] = &["type", "execution_format", "files"];
const FILE_KEYS: &[&str] = &["path", "size", "sha256"];
const IO_KEYS: &[&str] = &["inputs", "outputs"];
const PORT_KEYS: &[&str] = &["name", "dtype", "shape", "description", "preprocessing"];
const PREPROCESSING_KEYS: &[&str] = &["type", "tokenizer", "tokenizer_type", "config"];
const REQUIREMENTS_KEYS: &[&str] = &["compute", "memory", "gpu", "storage"];

/// Reads a parsed manifest; problems go to `diags`.
pub fn read(y: &Yaml<'_>, root: &MarkedMappingNode, diags: &mut Vec<Diagnostic>) -> Manifest {
    let mut r = Reader {
        y,
        diags,
        malformed: Vec::new(),
    };
    r.check_keys(root, TOP_KEYS, "");
    let top = Span::new(y.file, 0..y.source.lines().next().map_or(0, str::len));
    let api_version = r.opt_str(root, "apiVersion", "");
    let kind = r.opt_str(root, "kind", "");
    let metadata = match r.map_field(root, "metadata", "") {
        Some((key, map)) => {
            r.check_keys(map, METADATA_KEYS, "metadata");
            Metadata {
                key: Some(key),
                name: r.opt_str(map, "name", "metadata"),
                namespace: r.opt_str(map, "namespace", "metadata"),
                version: r.opt_str(map, "version", "metadata"),
            }
        }
        None => Metadata::default(),
    };
    let spec = match r.map_field(root, "spec", "") {
        Some((key, map)) => r.spec(key, map),
        None => Spec::default(),
    };
    Manifest {
        api_version,
        kind,
        metadata,
        spec,
        top,
        malformed: r.malformed,
    }
}

struct Reader<'a, 's> {
    y: &'a Yaml<'s>,
    diags: &'a mut Vec<Diagnostic>,
    malformed: Vec<String>,
}

fn dotted(path: &str, key: &str) -> String {
    if path.is_empty() {
        key.to_string()
    } else {
        format!("{path}.{key}")
    }
}

impl Reader<'_, '_> {
    fn spec(&mut self, key: Span, map: &MarkedMappingNode) -> Spec {
        self.check_keys(map, SPEC_KEYS, "spec");
        let framework = self.map_field(map, "framework", "spec").map(|(_, m)| {
            self.check_keys(m, FRAMEWORK_KEYS, "spec.framework");
            Framework {
                name: {
                    // Read for its type only.
                    let _ = self.opt_str(m, "version", "spec.framework");
                    self.opt_str(m, "name", "spec.framework")
                },
            }
        });
        let format = self
            .map_field(map, "format", "spec")
            .map(|(key, m)| self.format(key, m));
        let io = self.map_field(map, "io", "spec").map(|(key, m)| {
            self.check_keys(m, IO_KEYS, "spec.io");
            Io {
                key,
                inputs: self.ports(m, "inputs"),
                outputs: self.ports(m, "outputs"),
            }
        });
        let memory = self
            .map_field(map, "requirements", "spec")
            .and_then(|(_, m)| {
                self.check_keys(m, REQUIREMENTS_KEYS, "spec.requirements");
                self.opt_str(m, "memory", "spec.requirements")
            });
        Spec {
            key: Some(key),
            framework,
            format,
            io,
            memory,
        }
    }

    fn format(&mut self, key: Span, m: &MarkedMappingNode) -> Format {
        let path = "spec.format";
        self.check_keys(m, FORMAT_KEYS, path);
        let mut files = Vec::new();
        if let Some((_, list)) = self.list_field(m, "files", path) {
            for item in list {
                let Some(f) = self.map_item(item, "spec.format.files") else {
                    continue;
                };
                self.check_keys(f, FILE_KEYS, "spec.format.files[]");
                let Some(file_path) = self.req_str(f, item, "path", "spec.format.files[]") else {
                    continue;
                };
                files.push(FileEntry {
                    path: file_path,
                    size: self.opt_int(f, "size", "spec.format.files[]"),
                    sha256: self.opt_str(f, "sha256", "spec.format.files[]"),
                });
            }
        }
        Format {
            key,
            kind: self.opt_str(m, "type", path),
            execution_format: self.opt_str(m, "execution_format", path),
            files,
        }
    }

    fn ports(&mut self, io: &MarkedMappingNode, which: &str) -> Option<PortList> {
        let path = format!("spec.io.{which}");
        let (key, list) = self.list_field(io, which, "spec.io")?;
        let mut ports = Vec::new();
        for item in list {
            let Some(p) = self.map_item(item, &path) else {
                continue;
            };
            let item_path = format!("{path}[]");
            self.check_keys(p, PORT_KEYS, &item_path);
            let Some(name) = self.req_str(p, item, "name", &item_path) else {
                continue;
            };
            let shape = self.list_field(p, "shape", &item_path).map(|(_, dims)| {
                dims.iter()
                    .filter_map(|d| self.int(d, &format!("{item_path}.shape[]")))
                    .collect()
            });
            let preprocessing = self
                .map_field(p, "preprocessing", &item_path)
                .map(|(key, m)| self.preprocessing(key, m, &format!("{item_path}.preprocessing")));
            ports.push(Port {
                name,
                dtype: self.opt_str(p, "dtype", &item_path),
                shape,
                preprocessing,
            });
        }
        Some(PortList {
            key,
            ports,
            written: list.len(),
        })
    }

    fn preprocessing(&mut self, key: Span, m: &MarkedMappingNode, path: &str) -> Preprocessing {
        self.check_keys(m, PREPROCESSING_KEYS, path);
        let config_path = format!("{path}.config");
        let config = match self.map_field(m, "config", path) {
            Some((_, c)) => self.config(c, &config_path),
            None => Config::default(),
        };
        // `tokenizer_type` documents the tokenizer; `tokenizer.json` says it all.
        let _ = self.opt_str(m, "tokenizer_type", path);
        Preprocessing {
            key,
            kind: self.opt_str(m, "type", path),
            tokenizer: self.opt_str(m, "tokenizer", path),
            config,
        }
    }

    /// The known keys of a preprocessing config; others are left to other tools.
    fn config(&mut self, c: &MarkedMappingNode, path: &str) -> Config {
        let mut config = Config::default();
        for (k, v) in c.iter() {
            let span = self.y.node(v);
            let key_path = dotted(path, k.as_str());
            match k.as_str() {
                "mean" | "image_mean" => config.mean = self.floats(v, &key_path).map(|f| (f, span)),
                "std" | "image_std" => config.std = self.floats(v, &key_path).map(|f| (f, span)),
                "size" => config.size = self.size(v, &key_path).map(|s| (s, span)),
                "padding" => {
                    config.padding = match v {
                        Node::Scalar(s) if s.as_bool().is_some() => {
                            s.as_bool().map(|b| (b, self.y.scalar(s)))
                        }
                        _ => {
                            self.wrong(v, &key_path, "true or false");
                            None
                        }
                    }
                }
                "field" => config.field = self.str(v, &key_path),
                _ => {}
            }
        }
        config
    }

    fn floats(&mut self, v: &Node, path: &str) -> Option<Vec<f64>> {
        let Node::Sequence(items) = v else {
            self.wrong(v, path, "a list of numbers");
            return None;
        };
        let mut out = Vec::new();
        for item in items.iter() {
            match item {
                Node::Scalar(s) if s.as_f64().is_some_and(f64::is_finite) => {
                    out.push(s.as_f64().unwrap_or_default())
                }
                _ => {
                    self.wrong(item, &format!("{path}[]"), "a number");
                    return None;
                }
            }
        }
        Some(out)
    }

    fn size(&mut self, v: &Node, path: &str) -> Option<Vec<Num>> {
        match v {
            Node::Scalar(_) => self.int(v, path).map(|n| vec![n]),
            Node::Sequence(items) => {
                let dims: Vec<Num> = items.iter().filter_map(|d| self.int(d, path)).collect();
                (dims.len() == items.len()).then_some(dims)
            }
            Node::Mapping(m) => {
                let h = m.iter().find(|(k, _)| k.as_str() == "height");
                let w = m.iter().find(|(k, _)| k.as_str() == "width");
                let short = m.iter().find(|(k, _)| k.as_str() == "shortest_edge");
                match (h, w, short) {
                    (Some((_, h)), Some((_, w)), _) => {
                        Some(vec![self.int(h, path)?, self.int(w, path)?])
                    }
                    (_, _, Some((_, s))) => self.int(s, path).map(|n| vec![n]),
                    _ => {
                        self.wrong(
                            v,
                            path,
                            "a size: 224, [224, 224] or {height: 224, width: 224}",
                        );
                        None
                    }
                }
            }
        }
    }

    // ---- generic field access

    fn check_keys(&mut self, map: &MarkedMappingNode, known: &[&str], path: &str) {
        for (k, _) in map.iter() {
            let name = k.as_str();
            if known.contains(&name) {
                continue;
            }
            let mut d = Diagnostic::warning(
                codes::UNKNOWN_FIELD,
                format!("unknown field `{}`", dotted(path, name)),
            )
            .with_primary(self.y.scalar(k), "not a manifest field; it is ignored");
            d = match suggest::closest(name, known.iter().copied()) {
                Some(best) => {
                    d.with_suggestion(format!("did you mean `{best}`?"), self.y.scalar(k), best)
                }
                None => d.with_note(format!(
                    "the fields here are {}",
                    known
                        .iter()
                        .map(|k| format!("`{k}`"))
                        .collect::<Vec<_>>()
                        .join(", ")
                )),
            };
            self.diags.push(d);
        }
    }

    fn get<'m>(map: &'m MarkedMappingNode, key: &str) -> Option<(&'m MarkedScalarNode, &'m Node)> {
        map.iter().find(|(k, _)| k.as_str() == key)
    }

    fn wrong(&mut self, node: &Node, path: &str, want: &str) {
        self.malformed.push(path.to_string());
        self.diags.push(
            Diagnostic::error(
                codes::WRONG_TYPE,
                format!("`{path}` should be {want}, found {}", kind(node)),
            )
            .with_primary(self.y.node(node), format!("expected {want}")),
        );
    }

    fn str(&mut self, node: &Node, path: &str) -> Option<Str> {
        match node {
            Node::Scalar(s) => Some(Str {
                value: s.as_str().to_string(),
                span: self.y.scalar(s),
            }),
            _ => {
                self.wrong(node, path, "a string");
                None
            }
        }
    }

    fn int(&mut self, node: &Node, path: &str) -> Option<Num> {
        match node {
            Node::Scalar(s) if s.as_i64().is_some() => Some(Num {
                value: s.as_i64().unwrap_or_default(),
                span: self.y.scalar(s),
            }),
            _ => {
                self.wrong(node, path, "an integer");
                None
            }
        }
    }

    fn opt_str(&mut self, map: &MarkedMappingNode, key: &str, path: &str) -> Option<Str> {
        let (_, v) = Self::get(map, key)?;
        self.str(v, &dotted(path, key))
    }

    fn opt_int(&mut self, map: &MarkedMappingNode, key: &str, path: &str) -> Option<Num> {
        let (_, v) = Self::get(map, key)?;
        self.int(v, &dotted(path, key))
    }

    /// A required string of a list item; missing is an error at the item.
    fn req_str(
        &mut self,
        map: &MarkedMappingNode,
        item: &Node,
        key: &str,
        path: &str,
    ) -> Option<Str> {
        match Self::get(map, key) {
            Some((_, v)) => self.str(v, &dotted(path, key)),
            None => {
                self.diags.push(
                    Diagnostic::error(
                        codes::MISSING_FIELD,
                        format!("`{}` is missing", dotted(path, key)),
                    )
                    .with_primary(self.y.node(item), format!("this entry has no `{key}`")),
                );
                None
            }
        }
    }

    fn map_field<'m>(
        &mut self,
        map: &'m MarkedMappingNode,
        key: &str,
        path: &str,
    ) -> Option<(Span, &'m MarkedMappingNode)> {
        let (k, v) = Self::get(map, key)?;
        match v {
            Node::Mapping(m) => Some((self.y.scalar(k), m)),
            _ => {
                self.wrong(v, &dotted(path, key), "a mapping");
                None
            }
        }
    }

    fn list_field<'m>(
        &mut self,
        map: &'m MarkedMappingNode,
        key: &str,
        path: &str,
    ) -> Option<(Span, &'m [Node])> {
        let (k, v) = Self::get(map, key)?;
        match v {
            Node::Sequence(s) => Some((self.y.scalar(k), s.as_slice())),
            // `inputs:` with nothing after it is an empty list.
            Node::Scalar(s) if s.is_empty() && s.may_coerce() => Some((self.y.scalar(k), &[])),
            _ => {
                self.wrong(v, &dotted(path, key), "a list");
                None
            }
        }
    }

    fn map_item<'m>(&mut self, item: &'m Node, path: &str) -> Option<&'m MarkedMappingNode> {
        match item {
            Node::Mapping(m) => Some(m),
            _ => {
                self.wrong(item, &format!("{path}[]"), "a mapping");
                None
            }
        }
    }
}
