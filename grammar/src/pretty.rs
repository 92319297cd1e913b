//! Prints a syntax tree as canonical source: four-space indentation, one
//! statement per line, a blank line between items, the fewest parentheses
//! that keep the tree, and long parameter lists one per line.
//!
//! `parse(print(tree))` gives `tree` back (positions aside). Comments are not
//! part of the tree, so they are not printed.

use std::fmt::Write;

use crate::ast::*;

/// Lines longer than this put parameters one per line.
const WIDTH: usize = 100;

/// Prints a whole file.
pub fn print(file: &File) -> String {
    let mut p = Printer::default();
    for (i, item) in file.items.iter().enumerate() {
        if i > 0 {
            p.out.push('\n');
        }
        p.item(item);
    }
    p.out
}

/// Prints one expression.
pub fn expr_to_string(expr: &Expr) -> String {
    let mut s = String::new();
    write_expr(&mut s, expr);
    s
}

#[derive(Default)]
struct Printer {
    out: String,
    indent: usize,
}

impl Printer {
    fn line(&mut self, text: &str) {
        for _ in 0..self.indent {
            self.out.push_str("    ");
        }
        self.out.push_str(text);
        self.out.push('\n');
    }

    fn item(&mut self, item: &Item) {
        match item {
            Item::Plan(plan) => {
                let head = format!("plan {}(", plan.name.name);
                let params: Vec<String> = plan.params.iter().map(param_text).collect();
                self.list_header(&head, &params, ") {");
                self.block_body(&plan.body);
                self.line("}");
            }
            Item::Extern(ext) => {
                let params: Vec<String> = ext.params.iter().map(param_text).collect();
                let mut tail = ")".to_string();
                match ext.results.as_slice() {
                    [] => {}
                    [one] => {
                        let _ = write!(tail, " -> {}", type_text(one));
                    }
                    many => {
                        let types: Vec<String> = many.iter().map(type_text).collect();
                        let _ = write!(tail, " -> ({})", types.join(", "));
                    }
                }
                if let Some(symbol) = &ext.symbol {
                    let _ = write!(tail, " = {}", quote(&symbol.value));
                }
                self.list_header(&format!("extern fn {}(", ext.name.name), &params, &tail);
            }
            Item::Error(_) => self.line("/* error */"),
        }
    }

    /// `head a, b) tail` on one line, or one entry per line when too long.
    fn list_header(&mut self, head: &str, entries: &[String], tail: &str) {
        let inline = format!("{head}{}{tail}", entries.join(", "));
        if inline.len() + self.indent * 4 <= WIDTH || entries.is_empty() {
            self.line(&inline);
            return;
        }
        self.line(head);
        self.indent += 1;
        for entry in entries {
            self.line(&format!("{entry},"));
        }
        self.indent -= 1;
        self.line(tail.trim_start());
    }

    fn block_body(&mut self, block: &Block) {
        self.indent += 1;
        for stmt in &block.stmts {
            self.stmt(stmt);
        }
        self.indent -= 1;
    }

    /// `head {`, the block's statements, then `}` (or `head {}` when empty).
    fn block(&mut self, head: &str, block: &Block) {
        if block.stmts.is_empty() {
            self.line(&format!("{head} {{}}"));
        } else {
            self.line(&format!("{head} {{"));
            self.block_body(block);
            self.line("}");
        }
    }

    fn stmt(&mut self, stmt: &Stmt) {
        match &stmt.kind {
            StmtKind::Model(model) => {
                let source = expr_to_string(&model.source);
                match &model.signature {
                    None => self.line(&format!("model {} = {source}", model.name.name)),
                    Some(sig) => {
                        let inputs: Vec<String> = sig.inputs.iter().map(port_text).collect();
                        let outputs: Vec<String> = sig.outputs.iter().map(port_text).collect();
                        let tail = format!(") -> ({}) = {source}", outputs.join(", "));
                        self.list_header(&format!("model {}(", model.name.name), &inputs, &tail);
                    }
                }
            }
            StmtKind::Assign { targets, value } => {
                let names: Vec<String> = targets.iter().map(target_text).collect();
                self.line(&format!("{} = {}", names.join(", "), expr_to_string(value)));
            }
            StmtKind::Expr(e) => self.line(&expr_to_string(e)),
            StmtKind::If(if_) => {
                self.if_chain(if_, "if");
            }
            StmtKind::For {
                binding,
                iter,
                body,
            } => {
                let head = format!("for {} in {}", target_text(binding), expr_to_string(iter));
                self.block(&head, body);
            }
            StmtKind::Repeat { count, body } => {
                self.block(&format!("repeat {}", expr_to_string(count)), body);
            }
            StmtKind::Break { condition: None } => self.line("break"),
            StmtKind::Break { condition: Some(c) } => {
                self.line(&format!("break if {}", expr_to_string(c)))
            }
            StmtKind::Halt => self.line("halt"),
            StmtKind::Return { value: None } => self.line("return"),
            StmtKind::Return { value: Some(v) } => {
                self.line(&format!("return {}", expr_to_string(v)))
            }
            StmtKind::Error => self.line("/* error */"),
        }
    }

    /// `if c { ... } else if d { ... } else { ... }`, with `} else` joined.
    fn if_chain(&mut self, if_: &If, keyword: &str) {
        let head = format!("{keyword} {} {{", expr_to_string(&if_.condition));
        self.line(&head);
        self.block_body(&if_.then_block);
        match &if_.else_branch {
            None => self.line("}"),
            Some(Else::If(nested)) => self.if_chain(nested, "} else if"),
            Some(Else::Block(block)) => {
                self.line("} else {");
                self.block_body(block);
                self.line("}");
            }
        }
    }
}

fn param_text(param: &Param) -> String {
    let mut s = param.name.name.clone();
    if let Some(ty) = &param.ty {
        let _ = write!(s, ": {}", type_text(ty));
    }
    if let Some(default) = &param.default {
        let _ = write!(s, " = {}", expr_to_string(default));
    }
    s
}

fn port_text(port: &Port) -> String {
    let mut s = key_text(&port.name);
    if let Some(ty) = &port.ty {
        let _ = write!(s, ": {}", type_text(ty));
    }
    s
}

fn target_text(target: &Target) -> String {
    match target {
        Target::Name(ident) => ident.name.clone(),
        Target::Discard(_) => "_".into(),
    }
}

fn type_text(ty: &Type) -> String {
    crate::ast::type_text(ty)
}

fn key_text(key: &Key) -> String {
    if key.quoted {
        quote(&key.name)
    } else {
        key.name.clone()
    }
}

/// A string literal that lexes back to `value`.
pub fn quote(value: &str) -> String {
    let mut s = String::with_capacity(value.len() + 2);
    s.push('"');
    for c in value.chars() {
        match c {
            '"' => s.push_str("\\\""),
            '\\' => s.push_str("\\\\"),
            '\n' => s.push_str("\\n"),
            '\t' => s.push_str("\\t"),
            '\r' => s.push_str("\\r"),
            '\0' => s.push_str("\\0"),
            c if c.is_control() => {
                let _ = write!(s, "\\u{{{:x}}}", c as u32);
            }
            c => s.push(c),
        }
    }
    s.push('"');
    s
}

fn write_args(out: &mut String, args: &[Arg]) {
    out.push('(');
    for (i, arg) in args.iter().enumerate() {
        if i > 0 {
            out.push_str(", ");
        }
        if let Some(name) = &arg.name {
            out.push_str(&key_text(name));
            out.push_str(": ");
        }
        write_expr(out, &arg.value);
    }
    out.push(')');
}

/// Writes `e`, in parentheses when `paren` says so.
fn write_operand(out: &mut String, e: &Expr, paren: bool) {
    if paren {
        out.push('(');
        write_expr(out, e);
        out.push(')');
    } else {
        write_expr(out, e);
    }
}

fn write_expr(out: &mut String, e: &Expr) {
    match &e.kind {
        ExprKind::Int(n) => {
            let _ = write!(out, "{n}");
        }
        ExprKind::Float(f) => {
            let _ = write!(out, "{f:?}");
        }
        ExprKind::Str(s) => out.push_str(&quote(s)),
        ExprKind::Bool(b) => {
            let _ = write!(out, "{b}");
        }
        ExprKind::Name(n) => out.push_str(n),
        ExprKind::List(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                write_expr(out, item);
            }
            out.push(']');
        }
        ExprKind::Dict(entries) => {
            out.push('{');
            for (i, entry) in entries.iter().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                out.push_str(&key_text(&entry.key));
                out.push_str(": ");
                write_expr(out, &entry.value);
            }
            out.push('}');
        }
        ExprKind::Unary { op, operand } => {
            let p = e.precedence();
            match op {
                UnaryOp::Neg => out.push('-'),
                UnaryOp::Not => out.push_str("not "),
            }
            write_operand(out, operand, operand.precedence() < p);
        }
        ExprKind::Binary { op, lhs, rhs } => {
            let p = op.precedence();
            let lhs_paren = lhs.precedence() < p || (op.is_comparison() && lhs.precedence() == p);
            write_operand(out, lhs, lhs_paren);
            let _ = write!(out, " {} ", op.symbol());
            write_operand(out, rhs, rhs.precedence() <= p);
        }
        ExprKind::Call { callee, args } => {
            out.push_str(&callee.name);
            write_args(out, args);
        }
        ExprKind::Method {
            receiver,
            method,
            args,
        } => {
            write_operand(out, receiver, receiver.precedence() < 8);
            out.push('.');
            out.push_str(&method.name);
            write_args(out, args);
        }
        ExprKind::Field { base, field } => {
            write_operand(out, base, base.precedence() < 8);
            out.push('.');
            out.push_str(&field.name);
        }
        ExprKind::Index { base, indices } => {
            write_operand(out, base, base.precedence() < 8);
            out.push('[');
            for (i, index) in indices.iter().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                write_expr(out, index);
            }
            out.push(']');
        }
        ExprKind::Range { start, end } => {
            if let Some(s) = start {
                write_expr(out, s);
            }
            out.push_str("..");
            if let Some(e) = end {
                write_expr(out, e);
            }
        }
        ExprKind::Error => out.push_str("/* error */"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use omex_diagnostics::FileId;

    fn round(src: &str) -> String {
        let (tree, diags) = crate::parse(FileId(0), src);
        assert!(diags.is_empty(), "{diags:?}");
        print(&tree)
    }

    #[test]
    fn keeps_needed_parentheses_only() {
        let src = "plan p() {\n    x = (a + b) * -(c - d) / (e % f)\n    y = a - (b - c) + (d + e)\n    z = not (a and b) or c == (d < e)\n}\n";
        assert_eq!(round(src), src);
        assert_eq!(
            round("plan p() {\n    x = ((a)) + (b * c)\n}\n"),
            "plan p() {\n    x = a + b * c\n}\n"
        );
    }

    #[test]
    fn quotes_strings_that_lex_back() {
        assert_eq!(quote("a\"b\\c\n\u{1}é"), "\"a\\\"b\\\\c\\n\\u{1}é\"");
    }

    #[test]
    fn breaks_long_parameter_lists() {
        let src = "plan p(a_long_parameter_name: str = arg(0), another_long_parameter_name: int = 3, third: float = 0.5) {}\n";
        assert_eq!(
            round(src),
            "plan p(\n    a_long_parameter_name: str = arg(0),\n    another_long_parameter_name: int = 3,\n    third: float = 0.5,\n) {\n}\n"
        );
    }
}
