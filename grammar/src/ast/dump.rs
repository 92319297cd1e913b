//! A stable, indented text dump of the tree, for snapshot tests and
//! `--emit ast`. One node per line, children indented by two spaces, each
//! line ending with the node's byte range (`@12..40`) unless spans are off.

use std::fmt::Write;

use super::*;

#[derive(Debug, Clone, Copy)]
pub struct DumpOptions {
    /// Print byte ranges. Off, two trees that differ only in positions dump
    /// the same, which round-trip tests use.
    pub spans: bool,
}

/// Dumps a file.
pub fn dump(file: &File, options: DumpOptions) -> String {
    let mut d = Dumper {
        out: String::new(),
        depth: 0,
        spans: options.spans,
    };
    d.file(file);
    d.out
}

struct Dumper {
    out: String,
    depth: usize,
    spans: bool,
}

impl Dumper {
    fn line(&mut self, text: &str, span: Span) {
        for _ in 0..self.depth {
            self.out.push_str("  ");
        }
        self.out.push_str(text);
        if self.spans {
            let _ = write!(self.out, " @{}..{}", span.start, span.end);
        }
        self.out.push('\n');
    }

    fn nest(&mut self, f: impl FnOnce(&mut Self)) {
        self.depth += 1;
        f(self);
        self.depth -= 1;
    }

    /// A labelled group: `label` on its own line, `f`'s lines under it.
    fn group(&mut self, label: &str, f: impl FnOnce(&mut Self)) {
        for _ in 0..self.depth {
            self.out.push_str("  ");
        }
        self.out.push_str(label);
        self.out.push('\n');
        self.nest(f);
    }

    fn file(&mut self, file: &File) {
        self.line("File", file.span);
        self.nest(|d| {
            for item in &file.items {
                d.item(item);
            }
        });
    }

    fn item(&mut self, item: &Item) {
        match item {
            Item::Plan(plan) => {
                self.line(&format!("Plan {}", plan.name.name), plan.span);
                self.nest(|d| {
                    for param in &plan.params {
                        d.param(param);
                    }
                    d.block(&plan.body);
                });
            }
            Item::Extern(ext) => {
                let symbol = ext
                    .symbol
                    .as_ref()
                    .map(|s| format!(" = {:?}", s.value))
                    .unwrap_or_default();
                self.line(&format!("ExternFn {}{symbol}", ext.name.name), ext.span);
                self.nest(|d| {
                    for param in &ext.params {
                        d.param(param);
                    }
                    if !ext.results.is_empty() {
                        d.group("Results", |d| {
                            for ty in &ext.results {
                                d.ty(ty);
                            }
                        });
                    }
                });
            }
            Item::Error(span) => self.line("ErrorItem", *span),
        }
    }

    fn param(&mut self, param: &Param) {
        self.line(&format!("Param {}", param.name.name), param.span);
        self.nest(|d| {
            if let Some(ty) = &param.ty {
                d.ty(ty);
            }
            if let Some(default) = &param.default {
                d.group("Default", |d| d.expr(default));
            }
        });
    }

    fn ty(&mut self, ty: &Type) {
        self.line(&format!("Type {}", type_text(ty)), ty.span);
    }

    fn block(&mut self, block: &Block) {
        self.line("Block", block.span);
        self.nest(|d| {
            for stmt in &block.stmts {
                d.stmt(stmt);
            }
        });
    }

    fn stmt(&mut self, stmt: &Stmt) {
        let span = stmt.span;
        match &stmt.kind {
            StmtKind::Model(model) => {
                self.line(&format!("Model {}", model.name.name), span);
                self.nest(|d| {
                    if let Some(sig) = &model.signature {
                        d.line("Signature", sig.span);
                        d.nest(|d| {
                            d.group("Inputs", |d| d.ports(&sig.inputs));
                            d.group("Outputs", |d| d.ports(&sig.outputs));
                        });
                    }
                    d.expr(&model.source);
                });
            }
            StmtKind::Assign { targets, value } => {
                let names: Vec<String> = targets.iter().map(target_text).collect();
                self.line(&format!("Assign {}", names.join(", ")), span);
                self.nest(|d| d.expr(value));
            }
            StmtKind::Expr(expr) => {
                self.line("ExprStmt", span);
                self.nest(|d| d.expr(expr));
            }
            StmtKind::If(if_) => self.if_(if_),
            StmtKind::For {
                binding,
                iter,
                body,
            } => {
                self.line(&format!("For {}", target_text(binding)), span);
                self.nest(|d| {
                    d.expr(iter);
                    d.block(body);
                });
            }
            StmtKind::Repeat { count, body } => {
                self.line("Repeat", span);
                self.nest(|d| {
                    d.expr(count);
                    d.block(body);
                });
            }
            StmtKind::Break { condition } => {
                self.line(
                    if condition.is_some() {
                        "BreakIf"
                    } else {
                        "Break"
                    },
                    span,
                );
                if let Some(c) = condition {
                    self.nest(|d| d.expr(c));
                }
            }
            StmtKind::Halt => self.line("Halt", span),
            StmtKind::Return { value } => {
                self.line("Return", span);
                if let Some(v) = value {
                    self.nest(|d| d.expr(v));
                }
            }
            StmtKind::Error => self.line("ErrorStmt", span),
        }
    }

    fn if_(&mut self, if_: &If) {
        self.line("If", if_.span);
        self.nest(|d| {
            d.expr(&if_.condition);
            d.block(&if_.then_block);
            match &if_.else_branch {
                Some(Else::Block(block)) => d.group("Else", |d| d.block(block)),
                Some(Else::If(nested)) => d.group("Else", |d| d.if_(nested)),
                None => {}
            }
        });
    }

    fn ports(&mut self, ports: &[Port]) {
        for port in ports {
            let ty = port
                .ty
                .as_ref()
                .map(|t| format!(": {}", type_text(t)))
                .unwrap_or_default();
            self.line(&format!("Port {}{ty}", key_text(&port.name)), port.span);
        }
    }

    fn args(&mut self, args: &[Arg]) {
        for arg in args {
            match &arg.name {
                Some(name) => {
                    self.line(&format!("Arg {}", key_text(name)), arg.span);
                    self.nest(|d| d.expr(&arg.value));
                }
                None => self.expr(&arg.value),
            }
        }
    }

    fn expr(&mut self, expr: &Expr) {
        let span = expr.span;
        match &expr.kind {
            ExprKind::Int(n) => self.line(&format!("Int {n}"), span),
            ExprKind::Float(f) => self.line(&format!("Float {f:?}"), span),
            ExprKind::Str(s) => self.line(&format!("Str {s:?}"), span),
            ExprKind::Bool(b) => self.line(&format!("Bool {b}"), span),
            ExprKind::Name(n) => self.line(&format!("Name {n}"), span),
            ExprKind::List(items) => {
                self.line("List", span);
                self.nest(|d| items.iter().for_each(|e| d.expr(e)));
            }
            ExprKind::Dict(entries) => {
                self.line("Dict", span);
                self.nest(|d| {
                    for entry in entries {
                        d.line(&format!("Entry {}", key_text(&entry.key)), entry.span);
                        d.nest(|d| d.expr(&entry.value));
                    }
                });
            }
            ExprKind::Unary { op, operand } => {
                self.line(&format!("Unary {}", op.symbol()), span);
                self.nest(|d| d.expr(operand));
            }
            ExprKind::Binary { op, lhs, rhs } => {
                self.line(&format!("Binary {}", op.symbol()), span);
                self.nest(|d| {
                    d.expr(lhs);
                    d.expr(rhs);
                });
            }
            ExprKind::Call { callee, args } => {
                self.line(&format!("Call {}", callee.name), span);
                self.nest(|d| d.args(args));
            }
            ExprKind::Method {
                receiver,
                method,
                args,
            } => {
                self.line(&format!("Method {}", method.name), span);
                self.nest(|d| {
                    d.expr(receiver);
                    d.args(args);
                });
            }
            ExprKind::Field { base, field } => {
                self.line(&format!("Field {}", field.name), span);
                self.nest(|d| d.expr(base));
            }
            ExprKind::Index { base, indices } => {
                self.line("Index", span);
                self.nest(|d| {
                    d.expr(base);
                    indices.iter().for_each(|e| d.expr(e));
                });
            }
            ExprKind::Range { start, end } => {
                self.line("Range", span);
                self.nest(|d| {
                    match start {
                        Some(s) => d.expr(s),
                        None => d.line(
                            "Open",
                            Span {
                                end: span.start,
                                ..span
                            },
                        ),
                    }
                    match end {
                        Some(e) => d.expr(e),
                        None => d.line(
                            "Open",
                            Span {
                                start: span.end,
                                ..span
                            },
                        ),
                    }
                });
            }
            ExprKind::Error => self.line("ErrorExpr", span),
        }
    }
}

fn target_text(target: &Target) -> String {
    match target {
        Target::Name(ident) => ident.name.clone(),
        Target::Discard(_) => "_".into(),
    }
}

fn key_text(key: &Key) -> String {
    if key.quoted {
        format!("{:?}", key.name)
    } else {
        key.name.clone()
    }
}

/// A type as source text (`tensor<f32>[1, seq]`).
pub(crate) fn type_text(ty: &Type) -> String {
    let mut s = ty.name.name.clone();
    if !ty.args.is_empty() {
        let args: Vec<String> = ty.args.iter().map(type_text).collect();
        let _ = write!(s, "<{}>", args.join(", "));
    }
    if let Some(shape) = &ty.shape {
        let dims: Vec<String> = shape
            .iter()
            .map(|d| match &d.kind {
                DimKind::Fixed(n) => n.to_string(),
                DimKind::Named(n) => n.clone(),
                DimKind::Any => "_".into(),
            })
            .collect();
        let _ = write!(s, "[{}]", dims.join(", "));
    }
    s
}
