//! Name resolution: what each name is bound to at each point of a plan.
//!
//! Bindings live in frames: the plan body, each loop body and each `if`
//! branch. Assigning a name that an outer frame binds *updates* it (the new
//! binding is recorded in the current frame, so a loop or an `if` can see
//! which outer names it changed); assigning any other name defines a *local*
//! of the current frame. When a frame ends, its locals are remembered as
//! "gone" so that a later use can say where they were defined and why they
//! are not visible.

use std::collections::HashMap;

use omex_diagnostics::Span;
use omex_ir::Value;

use omex_plan_syntax::ast::{Block, Else, If, StmtKind, Target};

/// What a name stands for.
#[derive(Debug, Clone)]
pub enum Binding {
    Value(Value),
    /// The outputs of a static model run, picked with `.name`.
    Record(Record),
    /// The result of an erroneous expression (already reported): every use
    /// is accepted silently, with type `any`.
    Poison,
}

#[derive(Debug, Clone)]
pub struct Record {
    /// The model that produced it.
    pub model: String,
    pub outputs: Vec<(String, Value)>,
}

impl Record {
    pub fn names(&self) -> Vec<&str> {
        self.outputs.iter().map(|(n, _)| n.as_str()).collect()
    }

    pub fn get(&self, name: &str) -> Option<Value> {
        self.outputs
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| *v)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FrameKind {
    Plan,
    Loop,
    Branch,
}

impl FrameKind {
    /// "inside the loop body", for messages.
    pub fn inside(self) -> &'static str {
        match self {
            FrameKind::Plan => "in the plan body",
            FrameKind::Loop => "inside the loop body",
            FrameKind::Branch => "inside this branch",
        }
    }
}

#[derive(Debug, Clone)]
pub struct Bound {
    pub binding: Binding,
    /// Where the name was (first) defined.
    pub def: Span,
    /// Defined in this frame (not an update of an outer name).
    pub local: bool,
}

/// A local of a frame that has ended.
#[derive(Debug, Clone)]
pub struct Gone {
    pub def: Span,
    /// The loop or branch that defined it.
    pub region: Span,
    pub kind: FrameKind,
}

#[derive(Debug, Clone)]
pub struct Frame {
    pub kind: FrameKind,
    pub span: Span,
    bindings: HashMap<String, Bound>,
    gone: HashMap<String, Gone>,
}

#[derive(Debug, Clone, Default)]
pub struct Scopes {
    frames: Vec<Frame>,
}

impl Scopes {
    pub fn push(&mut self, kind: FrameKind, span: Span) {
        self.frames.push(Frame {
            kind,
            span,
            bindings: HashMap::new(),
            gone: HashMap::new(),
        });
    }

    /// Ends the innermost frame; its locals become "gone" in the parent.
    pub fn pop(&mut self) {
        let Some(frame) = self.frames.pop() else {
            return;
        };
        let Some(parent) = self.frames.last_mut() else {
            return;
        };
        for (name, bound) in frame.bindings {
            if bound.local {
                parent.gone.entry(name).or_insert(Gone {
                    def: bound.def,
                    region: frame.span,
                    kind: frame.kind,
                });
            }
        }
        for (name, gone) in frame.gone {
            parent.gone.entry(name).or_insert(gone);
        }
    }

    pub fn lookup(&self, name: &str) -> Option<&Bound> {
        self.frames.iter().rev().find_map(|f| f.bindings.get(name))
    }

    /// Binds `name` in the innermost frame: an update if an outer frame (or
    /// this one) binds it already, else a new local.
    pub fn assign(&mut self, name: &str, binding: Binding, def: Span) {
        let outer = self.lookup(name).map(|b| b.def);
        let Some(frame) = self.frames.last_mut() else {
            return;
        };
        match frame.bindings.get_mut(name) {
            Some(bound) => bound.binding = binding,
            None => {
                frame.bindings.insert(
                    name.to_string(),
                    Bound {
                        binding,
                        def: outer.unwrap_or(def),
                        local: outer.is_none(),
                    },
                );
            }
        }
    }

    /// Defines `name` as a new local of the innermost frame, shadowing any
    /// outer binding (a `for` loop's variable).
    pub fn define_local(&mut self, name: &str, binding: Binding, def: Span) {
        if let Some(frame) = self.frames.last_mut() {
            frame.bindings.insert(
                name.to_string(),
                Bound {
                    binding,
                    def,
                    local: true,
                },
            );
        }
    }

    /// Where a name that is no longer visible was defined.
    pub fn gone(&self, name: &str) -> Option<&Gone> {
        self.frames.iter().rev().find_map(|f| f.gone.get(name))
    }

    /// Every visible name (for "did you mean").
    pub fn visible_names(&self) -> Vec<&str> {
        let mut names: Vec<&str> = self
            .frames
            .iter()
            .flat_map(|f| f.bindings.keys().map(String::as_str))
            .collect();
        names.sort_unstable();
        names.dedup();
        names
    }
}

/// The names a block assigns with `=`, nested blocks included, in order of
/// first appearance. (`for` variables are not assignments: they are locals
/// of their loop.)
pub fn assigned_names(block: &Block) -> Vec<String> {
    let mut out = Vec::new();
    collect_block(block, &mut out);
    out
}

fn collect_block(block: &Block, out: &mut Vec<String>) {
    for stmt in &block.stmts {
        match &stmt.kind {
            StmtKind::Assign { targets, .. } => {
                for target in targets {
                    if let Target::Name(ident) = target
                        && !out.contains(&ident.name)
                    {
                        out.push(ident.name.clone());
                    }
                }
            }
            StmtKind::If(if_) => collect_if(if_, out),
            StmtKind::For { body, .. } | StmtKind::Repeat { body, .. } => collect_block(body, out),
            _ => {}
        }
    }
}

fn collect_if(if_: &If, out: &mut Vec<String>) {
    collect_block(&if_.then_block, out);
    match &if_.else_branch {
        Some(Else::Block(block)) => collect_block(block, out),
        Some(Else::If(nested)) => collect_if(nested, out),
        None => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use omex_diagnostics::FileId;

    fn span(a: usize) -> Span {
        Span::new(FileId(0), a..a + 1)
    }

    #[test]
    fn updates_and_locals() {
        let mut s = Scopes::default();
        s.push(FrameKind::Plan, span(0));
        s.assign("x", Binding::Poison, span(1));
        s.push(FrameKind::Loop, span(2));
        s.assign("x", Binding::Poison, span(3));
        s.assign("y", Binding::Poison, span(4));
        assert!(!s.lookup("x").unwrap().local);
        assert_eq!(s.lookup("x").unwrap().def, span(1));
        assert!(s.lookup("y").unwrap().local);
        s.pop();
        assert!(s.lookup("y").is_none());
        let gone = s.gone("y").unwrap();
        assert_eq!(
            (gone.def, gone.region, gone.kind),
            (span(4), span(2), FrameKind::Loop)
        );
        assert!(s.lookup("x").is_some());
    }

    #[test]
    fn prescan_sees_nested_assignments() {
        let source = "plan p() {\n  repeat 3 {\n    a = 1\n    if true { b = 2 } else { a, c = f() }\n    for i in 0..2 { d = i }\n  }\n}\n";
        let (file, diags) = omex_plan_syntax::parse(FileId(0), source);
        assert!(diags.is_empty(), "{diags:?}");
        let plan = file.plans().next().unwrap();
        let StmtKind::Repeat { body, .. } = &plan.body.stmts[0].kind else {
            panic!("not a repeat");
        };
        assert_eq!(assigned_names(body), ["a", "b", "c", "d"]);
    }
}
