//! The fixed pass pipeline, from IR to a verified MEP program.

use omex_diagnostics::Diagnostic;
use omex_ir::Module;
use omex_mep::{Program, VerifyOptions};

use crate::emit::Emitted;
use crate::liveness::{Liveness, RangeKind};
use crate::memory::{Budget, MemoryPlan};
use crate::slots::{Assignment, allocate};
use crate::{check, cleanup, emit, memory, normalize, unload};

/// The points of the pipeline where `--emit ir=after-STAGE` can show the IR.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Stage {
    /// As the front end produced it.
    Input,
    /// After static-run normalisation.
    Normalize,
    /// After copy propagation, constant de-duplication and dead-code elimination.
    Cleanup,
    /// After late model loads and unload insertion.
    Unloads,
    /// After slot allocation: the IR with each value's slot.
    Slots,
}

impl Stage {
    pub const ALL: [Stage; 5] = [
        Stage::Input,
        Stage::Normalize,
        Stage::Cleanup,
        Stage::Unloads,
        Stage::Slots,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Stage::Input => "input",
            Stage::Normalize => "normalize",
            Stage::Cleanup => "cleanup",
            Stage::Unloads => "unloads",
            Stage::Slots => "slots",
        }
    }

    pub fn from_name(name: &str) -> Option<Stage> {
        Stage::ALL.into_iter().find(|s| s.name() == name)
    }
}

#[derive(Debug, Clone, Default)]
pub struct Options {
    /// Run the IR verifier after every pass (always on in tests).
    pub verify_ir: bool,
    /// Stages whose IR text to keep in [`Compiled::ir`].
    pub keep_ir: Vec<Stage>,
    /// Host functions the program may call, checked by the MEP verifier.
    pub check_host_functions: bool,
    /// The memory budget in bytes (`--memory-limit`). The smaller of it and
    /// the budget the input declares ([`Module::memory_budget`]) applies: a
    /// peak over it is error E0701.
    pub memory_limit: Option<u64>,
    /// Plan memory and record the budget, but do not fail over it (for
    /// `omexc profile`, which shows the timeline either way).
    pub ignore_memory_budget: bool,
}

pub struct Compiled {
    pub program: Program,
    /// `(stage, IR text)` for each stage asked for in [`Options::keep_ir`].
    pub ir: Vec<(Stage, String)>,
    pub module: Module,
    pub liveness: Liveness,
    pub assignment: Assignment,
    /// Most values live at one point (the optimum for slots used).
    pub max_live: usize,
    /// The memory timeline and peak, with the budget that applies.
    pub memory: MemoryPlan,
}

pub fn compile(mut module: Module, options: &Options) -> Result<Compiled, Vec<Diagnostic>> {
    let mut ir = Vec::new();
    let stage = |module: &Module,
                 stage: Stage,
                 ir: &mut Vec<(Stage, String)>|
     -> Result<(), Vec<Diagnostic>> {
        if options.verify_ir {
            omex_ir::verify(module).map_err(|errors| {
                errors
                    .iter()
                    .map(|e| internal(format!("the IR is invalid after `{}`: {e}", stage.name())))
                    .collect::<Vec<_>>()
            })?;
        }
        if options.keep_ir.contains(&stage) {
            ir.push((stage, omex_ir::print(module)));
        }
        Ok(())
    };
    stage(&module, Stage::Input, &mut ir)?;
    normalize::normalize_static_runs(&mut module);
    stage(&module, Stage::Normalize, &mut ir)?;
    cleanup::run(&mut module);
    stage(&module, Stage::Cleanup, &mut ir)?;
    unload::sink_model_loads(&mut module);
    unload::insert_unloads(&mut module);
    stage(&module, Stage::Unloads, &mut ir)?;

    let liveness = Liveness::compute(&module);
    let max_live = liveness.max_live();
    let assignment =
        allocate(&liveness).map_err(|e| vec![too_many_live(&module, &liveness, &e)])?;
    if options.keep_ir.contains(&Stage::Slots) {
        ir.push((
            Stage::Slots,
            print_with_slots(&module, &liveness, &assignment),
        ));
    }
    let Emitted {
        module: mep,
        effects,
        origin,
        position,
    } = emit::emit(&module, &liveness, &assignment).map_err(|e| vec![internal(e.to_string())])?;
    let program = omex_mep::verify(mep, &VerifyOptions::default()).map_err(|errors| {
        errors
            .iter()
            .map(|e| internal(format!("the emitted MEP code is invalid: {e}")))
            .collect::<Vec<_>>()
    })?;
    check::check(&program, &effects).map_err(|errors| {
        errors
            .iter()
            .map(|e| internal(format!("slot allocation check failed: {e}")))
            .collect::<Vec<_>>()
    })?;
    let mut memory = memory::plan(&module, &liveness, &program, &effects, &origin, &position);
    memory.budget = Budget::choose(options.memory_limit, module.memory_budget);
    if !options.ignore_memory_budget
        && let Some(error) = memory::over_budget_error(&module, &memory)
    {
        return Err(vec![error]);
    }
    Ok(Compiled {
        program,
        ir,
        module,
        liveness,
        assignment,
        max_live,
        memory,
    })
}

fn internal(message: String) -> Diagnostic {
    Diagnostic::error("E0799", format!("internal compiler error: {message}"))
        .with_note("this is a bug in omexc; please report it with the input that caused it")
}

fn too_many_live(
    module: &Module,
    live: &Liveness,
    error: &crate::slots::TooManyLive,
) -> Diagnostic {
    let mut diagnostic = Diagnostic::error(
        "E0700",
        format!(
            "this plan needs {} values live at once; MEP has 256 context slots",
            error.live.len()
        ),
    );
    let mut unlabelled = 0;
    for &r in &error.live {
        let Some(&v) = live.values(r).first() else {
            continue;
        };
        match module.value_span(v) {
            Some(span) if diagnostic.labels.len() < 12 => {
                diagnostic = diagnostic
                    .with_secondary(span, format!("`{}` is live here", module.display_name(v)));
            }
            _ => unlabelled += 1,
        }
    }
    if unlabelled > 0 {
        diagnostic = diagnostic.with_note(format!("{unlabelled} more live value(s) are not shown"));
    }
    diagnostic.with_help("split the plan, or let values die sooner (use them once, then drop them)")
}

/// The IR text followed by each value's slot.
pub fn print_with_slots(module: &Module, live: &Liveness, asg: &Assignment) -> String {
    let mut out = omex_ir::print(module);
    out.push_str("; slots\n");
    for (r, range) in live.ranges.iter().enumerate() {
        let what = match &range.kind {
            RangeKind::Values { .. } => live
                .values(r)
                .iter()
                .map(|v| v.to_string())
                .collect::<Vec<_>>()
                .join(" "),
            RangeKind::Counter(inst) => format!("counter of {inst}"),
            RangeKind::Scratch(inst, use_) => format!("scratch {use_:?} of {inst}"),
        };
        out.push_str(&format!(
            ";   s{:<3} [{}, {}] {what}\n",
            asg.slot_of_range[r], range.start, range.end
        ));
    }
    out
}
