//! The memory timeline of a plan ([`MemoryPlan`]) as a text table and as a
//! self-contained SVG chart (`omexc profile FILE [--svg OUT.svg]`).
//!
//! Both are deterministic (no time stamps, fixed number formatting) so they
//! can be snapshot-tested.

use std::fmt::Write;

use omex_diagnostics::SourceFiles;
use omex_ir::{Module, Op};

use crate::memory::{BudgetSource, Held, MemoryPlan, Row, RowKind, describe_holder, format_bytes};

/// Widest instruction text in the table; longer ones are cut.
const INST_WIDTH: usize = 44;
const BAR_WIDTH: usize = 24;

/// `hidden = run encoder, ids`, indented by nesting; `} end loop` for an end row.
pub fn row_text(module: &Module, row: &Row) -> String {
    let d = &module.insts[row.inst];
    let indent = "  ".repeat(row.depth as usize);
    if row.kind == RowKind::End {
        return format!("{indent}}} end {}", d.op.name());
    }
    let mut text = indent;
    if !d.results.is_empty() {
        let results: Vec<String> = d.results.iter().map(|&r| module.display_name(r)).collect();
        let _ = write!(text, "{} = ", results.join(", "));
    }
    text.push_str(d.op.name());
    match &d.op {
        Op::LoadModel(m) => {
            let _ = write!(text, " {}", module.models[*m].path);
        }
        Op::Const(c) => {
            let _ = write!(text, " {c}");
        }
        Op::Unary(op) => {
            let _ = write!(text, " {op}");
        }
        Op::Binary(op) => {
            let _ = write!(text, " {op}");
        }
        Op::Compare(op) => {
            let _ = write!(text, " {op}");
        }
        Op::Aggregate(op) => {
            let _ = write!(text, " {op}");
        }
        Op::CallHost { name } | Op::CallMethod { name } => {
            let _ = write!(text, " {name}");
        }
        _ => {}
    }
    if !d.args.is_empty() {
        let args: Vec<String> = d.args.iter().map(|&a| module.display_name(a)).collect();
        let _ = write!(text, " {}", args.join(", "));
    }
    if !d.op.regions().is_empty() {
        text.push_str(" {");
    }
    text
}

fn cut(text: &str, width: usize) -> String {
    if text.chars().count() <= width {
        return text.to_string();
    }
    let mut out: String = text.chars().take(width - 3).collect();
    out.push_str("...");
    out
}

/// The source line of a row: `12` with the files, `@340` (byte offset)
/// without them, empty when the instruction has no span.
fn line_of(module: &Module, row: &Row, files: Option<&SourceFiles>) -> String {
    let Some(span) = module.spans[row.inst] else {
        return String::new();
    };
    match files {
        Some(files) => files
            .line_column(span.file, span.start as usize)
            .0
            .to_string(),
        None => format!("@{}", span.start),
    }
}

fn with_unknown(bytes: u64, unknown: u32) -> String {
    if unknown > 0 {
        format!("{} +{unknown}?", format_bytes(bytes))
    } else {
        format_bytes(bytes)
    }
}

fn budget_text(plan: &MemoryPlan) -> String {
    match plan.budget {
        Some(b) => format!(
            "budget {} ({})",
            format_bytes(b.bytes),
            match b.source {
                BudgetSource::Limit => "--memory-limit",
                BudgetSource::Declared => "declared by the input",
            }
        ),
        None => "no budget".to_string(),
    }
}

/// The timeline as a table: one row per instruction (loop bodies once,
/// indented by nesting), the bytes held while it runs and after it, a bar,
/// and what is held at the peak.
pub fn table(module: &Module, plan: &MemoryPlan, files: Option<&SourceFiles>) -> String {
    let mut out = String::new();
    let _ = write!(
        out,
        "memory profile of `{}`: peak {}",
        module.name,
        format_bytes(plan.peak)
    );
    if let Some(r) = plan.peak_row {
        let _ = write!(out, " at #{r}");
    }
    let _ = writeln!(out, ", {}", budget_text(plan));
    let _ = writeln!(
        out,
        "{:>5}  {:>5}  {:<INST_WIDTH$}  {:>16}  {:>16}",
        "#", "line", "instruction", "while running", "after"
    );
    for (i, row) in plan.rows.iter().enumerate() {
        let filled = if plan.peak == 0 {
            0
        } else {
            ((row.bytes as u128 * BAR_WIDTH as u128 + plan.peak as u128 / 2) / plan.peak as u128)
                as usize
        };
        let mut line = format!(
            "{i:>5}  {:>5}  {:<INST_WIDTH$}  {:>16}  {:>16}  {}",
            line_of(module, row, files),
            cut(&row_text(module, row), INST_WIDTH),
            with_unknown(row.bytes, row.unknown),
            format_bytes(row.after),
            "#".repeat(filled),
        );
        if plan.peak_row == Some(i) {
            line.push_str(" <- peak");
        }
        if plan.budget.is_some_and(|b| row.bytes > b.bytes) {
            line.push_str(" (over budget)");
        }
        out.push_str(line.trim_end());
        out.push('\n');
    }
    if plan.rows.iter().any(|r| r.unknown > 0) {
        out.push_str(
            "+N?: N more values of unknown size are held and not counted \
             (strings, lists, unbounded dimensions, models not found)\n",
        );
    }
    if plan.rows.iter().any(|r| r.loops > 0) {
        out.push_str("rows inside a loop give the most held over all its iterations\n");
    }
    if !plan.holders.is_empty() {
        out.push_str("held at the peak:\n");
        for h in &plan.holders {
            let (name, detail) = describe_holder(module, h);
            let size = h.bytes.map_or_else(|| "?".to_string(), format_bytes);
            let how = match (h.produced, h.certain, h.held) {
                (true, _, Held::Model(_)) => " (being loaded)",
                (true, _, _) => " (being produced)",
                (false, false, _) => " (on some paths)",
                _ => "",
            };
            let _ = writeln!(out, "  {size:>12}  {name}{how}: {detail}");
        }
    }
    out
}

fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// The timeline as an SVG step chart: bytes held per instruction, loop
/// bodies shaded, the budget as a dashed line, the peak marked.
pub fn svg(module: &Module, plan: &MemoryPlan) -> String {
    const W: f64 = 800.0;
    const H: f64 = 320.0;
    const LEFT: f64 = 80.0;
    const RIGHT: f64 = 20.0;
    const TOP: f64 = 40.0;
    const BOTTOM: f64 = 40.0;
    let (pw, ph) = (W - LEFT - RIGHT, H - TOP - BOTTOM);
    let n = plan.rows.len().max(1) as f64;
    let top_bytes = plan
        .budget
        .map_or(plan.peak, |b| b.bytes.max(plan.peak))
        .max(1) as f64
        * 1.1;
    let x = |i: usize| LEFT + i as f64 * pw / n;
    let y = |bytes: u64| TOP + ph - bytes as f64 / top_bytes * ph;

    let mut out = String::new();
    let _ = writeln!(
        out,
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{W}\" height=\"{H}\" \
         viewBox=\"0 0 {W} {H}\" font-family=\"sans-serif\" font-size=\"11\">"
    );
    let _ = writeln!(
        out,
        "<title>memory profile of {}</title>",
        escape(&module.name)
    );
    let _ = writeln!(out, "<rect width=\"{W}\" height=\"{H}\" fill=\"white\"/>");
    let _ = writeln!(
        out,
        "<text x=\"{LEFT}\" y=\"20\" font-size=\"13\">memory held by `{}`: peak {}, {}</text>",
        escape(&module.name),
        format_bytes(plan.peak),
        escape(&budget_text(plan))
    );

    // Outermost loop bodies, shaded.
    for (i, row) in plan.rows.iter().enumerate() {
        if row.kind == RowKind::Inst
            && row.loops == 0
            && matches!(module.insts[row.inst].op, Op::Loop { .. })
        {
            let end = plan.rows[i..]
                .iter()
                .position(|r| r.inst == row.inst && r.kind == RowKind::End)
                .map_or(i, |k| i + k);
            let _ = writeln!(
                out,
                "<rect x=\"{:.1}\" y=\"{TOP}\" width=\"{:.1}\" height=\"{ph}\" fill=\"#eef2f7\"><title>loop #{i}..#{end}</title></rect><text x=\"{:.1}\" y=\"{:.1}\" fill=\"#8a94a6\">loop</text>",
                x(i),
                x(end + 1) - x(i),
                x(i) + 3.0,
                TOP + ph - 4.0
            );
        }
    }

    // Axes and ticks.
    let _ = writeln!(
        out,
        "<path d=\"M{LEFT} {TOP}V{:.1}H{:.1}\" stroke=\"#444\" fill=\"none\"/>",
        TOP + ph,
        LEFT + pw
    );
    for k in 0..=4u64 {
        let bytes = (top_bytes / 1.1 * k as f64 / 4.0) as u64;
        let yy = y(bytes);
        let _ = writeln!(
            out,
            "<path d=\"M{:.1} {yy:.1}H{LEFT}\" stroke=\"#444\"/><text x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"end\">{}</text>",
            LEFT - 4.0,
            LEFT - 6.0,
            yy + 4.0,
            format_bytes(bytes)
        );
    }
    let rows = plan.rows.len();
    let step = (rows / 8).max(1);
    let mut ticks: Vec<usize> = (0..rows).step_by(step).collect();
    if rows > 0 && ticks.last() != Some(&(rows - 1)) {
        if ticks.len() > 1 && rows - 1 - ticks[ticks.len() - 1] < step / 2 {
            ticks.pop();
        }
        ticks.push(rows - 1);
    }
    for i in ticks {
        let xx = (x(i) + x(i + 1)) / 2.0;
        let _ = writeln!(
            out,
            "<path d=\"M{xx:.1} {:.1}V{:.1}\" stroke=\"#444\"/><text x=\"{xx:.1}\" y=\"{:.1}\" text-anchor=\"middle\">#{i}</text>",
            TOP + ph,
            TOP + ph + 4.0,
            TOP + ph + 16.0
        );
    }
    let _ = writeln!(
        out,
        "<text x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"middle\">instruction</text>",
        LEFT + pw / 2.0,
        H - 6.0
    );

    // The step plot of bytes held while each instruction runs.
    if let Some(first) = plan.rows.first() {
        let mut line = format!("M{:.1} {:.1}", x(0), y(first.bytes));
        let mut previous = first.bytes;
        for (i, row) in plan.rows.iter().enumerate().skip(1) {
            if row.bytes != previous {
                let _ = write!(line, "H{:.1}V{:.1}", x(i), y(row.bytes));
                previous = row.bytes;
            }
        }
        let _ = write!(line, "H{:.1}", x(rows));
        let _ = writeln!(
            out,
            "<path d=\"M{:.1} {:.1}L{}V{:.1}Z\" fill=\"#9ec5e8\" fill-opacity=\"0.5\" stroke=\"none\"/>",
            x(0),
            y(0),
            &line[1..],
            y(0)
        );
        let _ = writeln!(
            out,
            "<path d=\"{line}\" fill=\"none\" stroke=\"#1f5f99\" stroke-width=\"1.5\"/>"
        );
    }

    if let Some(b) = plan.budget {
        let yy = y(b.bytes);
        let _ = writeln!(
            out,
            "<path d=\"M{LEFT} {yy:.1}H{:.1}\" stroke=\"#c0392b\" stroke-dasharray=\"6 4\"/><text x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"end\" fill=\"#c0392b\">budget {}</text>",
            LEFT + pw,
            LEFT + pw,
            yy - 4.0,
            format_bytes(b.bytes)
        );
    }

    if let Some(r) = plan.peak_row {
        let (px, py) = ((x(r) + x(r + 1)) / 2.0, y(plan.peak));
        let anchor = if px > LEFT + pw / 2.0 { "end" } else { "start" };
        let dx = if anchor == "end" { -8.0 } else { 8.0 };
        let label = format!(
            "peak {} at #{r}: {}",
            format_bytes(plan.peak),
            cut(row_text(module, &plan.rows[r]).trim_start(), 40)
        );
        let _ = writeln!(
            out,
            "<circle cx=\"{px:.1}\" cy=\"{py:.1}\" r=\"3.5\" fill=\"#c0392b\"/><text x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"{anchor}\">{}</text>",
            px + dx,
            (py - 6.0).max(TOP - 4.0),
            escape(&label)
        );
    }
    out.push_str("</svg>\n");
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::pipeline::{Options, compile};
    use crate::test_plans::{MIB, two_models};

    fn profiled() -> (crate::pipeline::Compiled, SourceFiles) {
        let (module, files) = two_models();
        let options = Options {
            verify_ir: true,
            memory_limit: Some(100 * MIB),
            ..Options::default()
        };
        (compile(module, &options).unwrap(), files)
    }

    #[test]
    fn table_of_two_models_and_a_loop() {
        let (compiled, files) = profiled();
        let text = table(&compiled.module, &compiled.memory, Some(&files));
        insta::assert_snapshot!(text);
        // Without the files, byte offsets stand for lines.
        let text = table(&compiled.module, &compiled.memory, None);
        assert!(text.contains(" @0  "), "{text}");
    }

    #[test]
    fn an_empty_plan_renders() {
        let mut module = Module::new("empty");
        let body = module.create_block();
        module.body = Some(body);
        module.append(body, Op::Return { names: vec![] }, vec![], vec![], None);
        let compiled = compile(module, &Options::default()).unwrap();
        assert_eq!(compiled.memory.peak, 0);
        assert_eq!(compiled.memory.rows.len(), 1);
        let text = table(&compiled.module, &compiled.memory, None);
        assert!(text.starts_with("memory profile of `empty`: peak 0 B at #0, no budget\n"));
        assert!(svg(&compiled.module, &compiled.memory).contains("peak 0 B at #0: return"));
    }

    #[test]
    fn svg_of_two_models_and_a_loop() {
        let (compiled, _) = profiled();
        let chart = svg(&compiled.module, &compiled.memory);
        assert!(chart.starts_with("<svg xmlns=\"http://www.w3.org/2000/svg\""));
        assert!(chart.ends_with("</svg>\n"));
        insta::assert_snapshot!(chart);
    }
}
