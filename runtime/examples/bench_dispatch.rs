//! Dispatch cost of the MEP VM: nanoseconds per executed non-model
//! instruction.
//!
//! Runs MEP loops of cheap instructions (int `MATH_BINARY`, `LOGIC_COMPARE`,
//! `SYS_COPY`, `FLOW_BREAK_LOOP_IF`, `FLOW_BRANCH_IF`, plus the loop's own
//! `FLOW_LOOP_END`) for millions of steps, in one process, and divides the
//! wall time of `Vm::run` by the number of executed instructions. The step
//! count is computed from the program and checked against the VM's own
//! counter (`max_steps`: exactly that many steps must succeed, one fewer
//! must fail with `E0911`).
//!
//! CARGO_TARGET_DIR=target-bench cargo run --release -p omex-runtime --example bench_dispatch -- [ITERATIONS] [ROUNDS]
//!
//! ITERATIONS: loop iterations per run (default 1000000); ROUNDS: how many
//! times every program runs (default 7), interleaved, reported as median
//! (min..max). `BENCH_JSON=1` adds one JSON line per program at the end.

use std::time::Instant;

use omex_runtime::{ErrorKind, HostRegistry, Vm, VmOptions};

/// A loop of `iterations` over `body` (indented instructions), with s0 the
/// counter, s1 an int accumulator, s2 = 1, s3 = false, s5 = a large int.
fn program(body: &[&str], iterations: u64) -> (String, u64) {
    let mut text = String::from(".mep 1.0\n.plan \"dispatch\"\n");
    let setup = [
        format!("SRC_CONSTANT out=s0 value={iterations}"),
        "SRC_CONSTANT out=s1 value=0".into(),
        "SRC_CONSTANT out=s2 value=1".into(),
        "SRC_CONSTANT out=s3 value=false".into(),
        "SRC_CONSTANT out=s5 value=4000000000000".into(),
    ];
    for line in &setup {
        text.push_str(&format!("    {line}\n"));
    }
    text.push_str("    FLOW_LOOP_START counter=s0\n");
    for line in body {
        text.push_str(&format!("      {line}\n"));
    }
    text.push_str("    FLOW_LOOP_END\n    SINK_RETURN values=[s1] names=[\"acc\"]\n");
    // setup + loop start + iterations x (body + loop end) + return
    let steps = setup.len() as u64 + 1 + iterations * (body.len() as u64 + 1) + 1;
    (text, steps)
}

struct Case {
    name: &'static str,
    /// What one iteration executes besides `FLOW_LOOP_END`.
    body: Vec<&'static str>,
}

fn cases() -> Vec<Case> {
    let rep = |line: &'static str, n: usize| vec![line; n];
    vec![
        Case {
            name: "mixed",
            body: vec![
                "MATH_BINARY op=add out=s1 lhs=s1 rhs=s2",
                "LOGIC_COMPARE op=gt out=s4 lhs=s1 rhs=s5",
                "SYS_COPY out=s6 input=s1",
                "MATH_BINARY op=mul out=s7 lhs=s6 rhs=s2",
                "FLOW_BREAK_LOOP_IF cond=s4",
                "FLOW_BRANCH_IF cond=s3 offset=@next",
                "next: SYS_COPY out=s8 input=s7",
            ],
        },
        Case {
            name: "loop_only",
            body: vec![],
        },
        Case {
            name: "add_x10",
            body: rep("MATH_BINARY op=add out=s1 lhs=s1 rhs=s2", 10),
        },
        Case {
            name: "compare_x10",
            body: rep("LOGIC_COMPARE op=gt out=s4 lhs=s1 rhs=s5", 10),
        },
        Case {
            name: "copy_x10",
            body: rep("SYS_COPY out=s6 input=s2", 10),
        },
        Case {
            name: "branch_x10",
            body: {
                // ten untaken FLOW_BRANCH_IFs, each to the next instruction
                let mut b = rep("FLOW_BRANCH_IF cond=s3 offset=+0", 10);
                b.push("SYS_COPY out=s6 input=s2");
                b
            },
        },
    ]
}

fn vm_for(text: &str, max_steps: Option<u64>) -> Vm {
    let assembled =
        omex_mep::text::assemble(text).unwrap_or_else(|e| panic!("assembly failed: {e:?}\n{text}"));
    let program =
        omex_runtime::verify(assembled.module, &HostRegistry::builtin()).expect("verifies");
    Vm::new(
        program,
        VmOptions {
            max_steps,
            progress: false,
            ..Default::default()
        },
    )
}

fn median(v: &[f64]) -> f64 {
    let mut s = v.to_vec();
    s.sort_by(|a, b| a.total_cmp(b));
    let n = s.len();
    if n % 2 == 1 {
        s[n / 2]
    } else {
        (s[n / 2 - 1] + s[n / 2]) / 2.0
    }
}

fn main() {
    let mut args = std::env::args().skip(1);
    let iterations: u64 = args
        .next()
        .and_then(|a| a.parse().ok())
        .unwrap_or(1_000_000);
    let rounds: usize = args.next().and_then(|a| a.parse().ok()).unwrap_or(7);
    let json = std::env::var("BENCH_JSON").is_ok_and(|v| v == "1");

    let cases = cases();
    let mut vms = Vec::new();
    for case in &cases {
        let (text, steps) = program(&case.body, iterations);
        // Check the step count against the VM's counter on a short run.
        let (short, short_steps) = program(&case.body, 1000);
        vm_for(&short, Some(short_steps))
            .run()
            .expect("exact step budget suffices");
        let err = vm_for(&short, Some(short_steps - 1))
            .run()
            .expect_err("one step fewer must fail");
        assert_eq!(err.kind, ErrorKind::StepLimit, "{err}");
        vms.push((vm_for(&text, None), steps));
    }
    // Warm up.
    for (vm, _) in &mut vms {
        vm.run().expect("runs");
    }

    let mut ns: Vec<Vec<f64>> = vec![Vec::new(); cases.len()];
    for round in 0..rounds {
        // Rotate the order each round so drift does not favour one case.
        for k in 0..cases.len() {
            let i = (k + round) % cases.len();
            let (vm, steps) = &mut vms[i];
            let t = Instant::now();
            let out = vm.run().expect("runs");
            let e = t.elapsed().as_secs_f64() * 1e9;
            std::hint::black_box(out);
            ns[i].push(e / *steps as f64);
        }
    }

    println!(
        "dispatch: {iterations} loop iterations per run, {rounds} rounds, interleaved; ns per executed instruction"
    );
    println!(
        "{:<12} {:>6} {:>12} {:>10} {:>10} {:>10}",
        "program", "instr/it", "steps", "median", "min", "max"
    );
    let loop_only = cases
        .iter()
        .position(|c| c.name == "loop_only")
        .map(|i| median(&ns[i]));
    let mut rows = Vec::new();
    for (i, case) in cases.iter().enumerate() {
        let per_it = case.body.len() + 1;
        let m = median(&ns[i]);
        let lo = ns[i].iter().cloned().fold(f64::INFINITY, f64::min);
        let hi = ns[i].iter().cloned().fold(0.0, f64::max);
        println!(
            "{:<12} {:>6} {:>12} {:>10.1} {:>10.1} {:>10.1}",
            case.name, per_it, vms[i].1, m, lo, hi
        );
        rows.push((case.name, per_it, m, lo, hi));
    }
    // Marginal cost of one instruction of a homogeneous body: subtract the
    // loop (one FLOW_LOOP_END per iteration).
    if let Some(lo) = loop_only {
        println!("marginal ns per instruction (iteration time minus the loop's, / 10; medians):");
        let per_iteration = |name: &str| {
            rows.iter()
                .find(|r| r.0 == name)
                .map(|(_, per_it, m, _, _)| m * *per_it as f64)
        };
        let copy = per_iteration("copy_x10").map(|t| (t - lo) / 10.0);
        for name in ["add_x10", "compare_x10", "copy_x10", "branch_x10"] {
            let Some(t) = per_iteration(name) else {
                continue;
            };
            // branch_x10 also runs one SYS_COPY per iteration
            let extra = if name == "branch_x10" {
                copy.unwrap_or(0.0)
            } else {
                0.0
            };
            println!("  {name:<12} {:>8.1}", (t - lo - extra) / 10.0);
        }
        println!("  {:<12} {lo:>8.1}", "loop_end");
    }
    if json {
        for (name, per_it, m, lo, hi) in &rows {
            println!(
                "{{\"bench\":\"dispatch\",\"program\":\"{name}\",\"instr_per_iteration\":{per_it},\"ns_per_instr_median\":{m:.2},\"ns_per_instr_min\":{lo:.2},\"ns_per_instr_max\":{hi:.2}}}"
            );
        }
    }
}
