//! Property tests over modules that are valid by construction.
//!
//! The generator draws a constant pool with every constant type (NaN
//! payloads, infinities, arbitrary Unicode included), a model table, and a
//! tree of code: every opcode with in-range operands, balanced loops, breaks
//! inside loops, and branches (through the builder's labels) to positions of
//! the same loop body; then an interface section naming some `SINK_RETURN`s,
//! a debug section, custom sections and header flags.
//!
//! Properties: encode -> decode is the identity on modules, decode -> encode
//! on bytes; the verifier accepts every generated module; disassemble ->
//! assemble -> disassemble is stable and gives the same code (constants
//! compared by value); the fuzz targets never panic on arbitrary or mutated
//! input.

use proptest::prelude::*;
use proptest::sample::Index;

use omex_mep::builder::{Builder, Label};
use omex_mep::module::CustomSection;
use omex_mep::operand::ConstUse;
use omex_mep::subtype::{CtlType, ParamArity, ResType};
use omex_mep::{
    ArgInfo, ConstId, Constant, DecodeOptions, Instruction, Interface, ModelEntry, ModelId, Module,
    OPCODES, Opcode, Operand, OperandKind, ReturnNames, Slot, StrConst, VerifyOptions, decode,
    encode, load, text, verify,
};

/// Cases per property; `PROPTEST_CASES=N` in the environment overrides it
/// for a longer run.
const CASES: u32 = 256;

fn config() -> ProptestConfig {
    let default = ProptestConfig::default();
    if std::env::var_os("PROPTEST_CASES").is_some() {
        default
    } else {
        ProptestConfig {
            cases: CASES,
            ..default
        }
    }
}

// ---------------------------------------------------------------------------
// Seeds: what proptest draws and shrinks
// ---------------------------------------------------------------------------

#[derive(Debug, Clone)]
struct OpSeed {
    /// Which non-flow opcode.
    which: Index,
    /// Drives every operand choice.
    rng: u64,
}

#[derive(Debug, Clone)]
enum Item {
    Op(OpSeed),
    Loop(u8, Vec<Item>),
    /// `FLOW_BRANCH_IF` to a position (0..=len) of the block it is in.
    Branch(u8, Index),
    /// `FLOW_BREAK_LOOP_IF`; outside a loop it becomes a `SYS_COPY`.
    Break(u8),
    /// `SINK_RETURN`, which the interface may name.
    Return(Vec<u8>),
}

#[derive(Debug, Clone)]
struct ModuleSeed {
    flags: u32,
    pool: Vec<Constant>,
    models: Vec<ModelEntry>,
    items: Vec<Item>,
    interface: Option<(String, Vec<(u8, String)>)>,
    debug_files: Option<Vec<String>>,
    custom: Vec<CustomSection>,
    /// Filler constants put first in the pool, so that some constant ids
    /// need their high byte.
    padding: usize,
    rng: u64,
}

fn text_char() -> impl Strategy<Value = char> {
    prop_oneof![
        4 => proptest::char::range('a', 'z'),
        1 => prop::sample::select(vec![
            '"', '\\', '\n', '\r', '\t', '\0', '{', '}', ';', '@', '#', ' ', '[', ']', '=',
            '\u{7f}', '\u{85}', '\u{a0}', '\u{2028}', 'é', '€', '𝄞', '\u{feff}',
        ]),
        1 => any::<char>(),
    ]
}

fn text_string() -> impl Strategy<Value = String> {
    prop::collection::vec(text_char(), 0..6).prop_map(String::from_iter)
}

fn f64_value() -> impl Strategy<Value = f64> {
    prop_oneof![
        any::<u64>().prop_map(f64::from_bits),
        prop::sample::select(vec![
            f64::NAN,
            -f64::NAN,
            f64::from_bits(0x7FF0_0000_0000_0001), // signalling NaN
            f64::INFINITY,
            f64::NEG_INFINITY,
            -0.0,
            0.0,
            1.5,
            1e-7,
            1e300,
            f64::MIN_POSITIVE,
            5e-324,
            f64::MAX,
        ]),
        (-1000i32..1000).prop_map(|i| i as f64 / 8.0),
    ]
}

fn f32_value() -> impl Strategy<Value = f32> {
    prop_oneof![
        any::<u32>().prop_map(f32::from_bits),
        prop::sample::select(vec![
            f32::NAN,
            f32::from_bits(0xFFC0_0001),
            f32::INFINITY,
            f32::NEG_INFINITY,
            -0.0,
            f32::MAX,
            f32::MIN_POSITIVE,
            1e-45,
            0.1,
        ]),
    ]
}

fn constant() -> impl Strategy<Value = Constant> {
    prop_oneof![
        Just(Constant::Null),
        any::<bool>().prop_map(Constant::Bool),
        prop_oneof![any::<i64>(), Just(i64::MIN), Just(i64::MAX), -5i64..5].prop_map(Constant::Int),
        f64_value().prop_map(Constant::Float),
        text_string().prop_map(Constant::Str),
        prop::collection::vec(any::<u8>(), 0..6).prop_map(Constant::Bytes),
        prop::collection::vec(any::<i64>(), 0..4).prop_map(Constant::IntList),
        prop::collection::vec(f32_value(), 0..4).prop_map(Constant::FloatList),
        prop::collection::vec(text_string(), 0..3).prop_map(Constant::StrList),
    ]
}

fn model_entry() -> impl Strategy<Value = ModelEntry> {
    (
        text_string(),
        prop_oneof![Just("onnx".to_string()), text_string()],
        proptest::option::of(any::<[u8; 32]>()),
        proptest::option::of(any::<u64>()),
        prop::collection::vec(text_string(), 0..3),
        prop::collection::vec(text_string(), 0..3),
    )
        .prop_map(|(path, format, sha256, size, inputs, outputs)| ModelEntry {
            path,
            format,
            sha256,
            size,
            inputs,
            outputs,
        })
}

fn item() -> impl Strategy<Value = Item> {
    let leaf = prop_oneof![
        8 => (any::<Index>(), any::<u64>()).prop_map(|(which, rng)| Item::Op(OpSeed { which, rng })),
        2 => (any::<u8>(), any::<Index>()).prop_map(|(c, t)| Item::Branch(c, t)),
        1 => any::<u8>().prop_map(Item::Break),
        1 => prop::collection::vec(any::<u8>(), 0..4).prop_map(Item::Return),
    ];
    leaf.prop_recursive(3, 40, 6, |inner| {
        (any::<u8>(), prop::collection::vec(inner, 0..6)).prop_map(|(c, body)| Item::Loop(c, body))
    })
}

fn custom_section() -> impl Strategy<Value = CustomSection> {
    (128u8..=255, prop::collection::vec(any::<u8>(), 0..6))
        .prop_map(|(id, data)| CustomSection { id, data })
}

fn module_seed() -> impl Strategy<Value = ModuleSeed> {
    (
        prop_oneof![Just(0u32), Just(1u32)],
        prop::collection::vec(constant(), 0..8),
        prop::collection::vec(model_entry(), 1..3),
        prop::collection::vec(item(), 0..10),
        proptest::option::of((
            text_string(),
            prop::collection::vec((any::<u8>(), text_string()), 0..3),
        )),
        proptest::option::of(prop::collection::vec(text_string(), 0..3)),
        prop::collection::vec(custom_section(), 0..3),
        prop_oneof![6 => Just(0usize), 1 => 250usize..700],
        any::<u64>(),
    )
        .prop_map(
            |(flags, pool, models, items, interface, debug_files, custom, padding, rng)| {
                ModuleSeed {
                    flags,
                    pool,
                    models,
                    items,
                    interface,
                    debug_files,
                    custom,
                    padding,
                    rng,
                }
            },
        )
}

// ---------------------------------------------------------------------------
// Building a module from a seed
// ---------------------------------------------------------------------------

/// SplitMix64: a small deterministic generator for operand choices.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }

    fn byte(&mut self) -> u8 {
        self.next() as u8
    }

    fn slots(&mut self, n: usize) -> Vec<Slot> {
        (0..n).map(|_| Slot(self.byte())).collect()
    }

    fn string(&mut self) -> String {
        const CHARS: &[char] = &[
            'a', 'b', 'Z', '0', ' ', '"', '\\', '\n', '\t', '\0', '{', '}', 'é', '𝄞', '\u{85}',
        ];
        (0..self.below(5))
            .map(|_| CHARS[self.below(CHARS.len())])
            .collect()
    }
}

/// The opcodes an [`Item::Op`] may be: all but loop and branch control.
fn plain_opcodes() -> Vec<Opcode> {
    OPCODES
        .iter()
        .map(|s| s.opcode)
        .filter(|op| {
            !matches!(
                op,
                Opcode::FlowLoopStart
                    | Opcode::FlowLoopEnd
                    | Opcode::FlowBranchIf
                    | Opcode::FlowBreakLoopIf
            )
        })
        .collect()
}

struct Ctx {
    b: Builder,
    pool: Vec<Constant>,
    models: Vec<ModelEntry>,
    model_paths: Vec<ConstId>,
    opcodes: Vec<Opcode>,
}

impl Ctx {
    fn push_const(&mut self, constant: Constant) -> ConstId {
        self.pool.push(constant);
        ConstId((self.pool.len() - 1) as u16)
    }

    /// A constant of the type `name` from the pool, or a new one.
    fn const_of(&mut self, rng: &mut Rng, name: &str) -> ConstId {
        let candidates: Vec<usize> = (0..self.pool.len())
            .filter(|&i| self.pool[i].type_name() == name)
            .collect();
        if candidates.is_empty() || rng.below(8) == 0 {
            let fresh = match name {
                "int" => Constant::Int(rng.next() as i64),
                _ => Constant::Str(rng.string()),
            };
            return self.push_const(fresh);
        }
        ConstId(candidates[rng.below(candidates.len())] as u16)
    }

    fn instruction(&mut self, seed: &OpSeed) -> Instruction {
        let opcode = self.opcodes[seed.which.index(self.opcodes.len())];
        let mut rng = Rng(seed.rng);
        let mut ctl = None;
        let mut operands = Vec::new();
        for spec in opcode.spec().operands {
            operands.push(match spec.kind {
                OperandKind::Slot => Operand::Slot(Slot(rng.byte())),
                OperandKind::Const(ConstUse::Any) => {
                    Operand::Const(ConstId(rng.below(self.pool.len()) as u16))
                }
                OperandKind::Const(ConstUse::Str) => Operand::Const(self.const_of(&mut rng, "str")),
                OperandKind::Const(ConstUse::ByControl) => {
                    let name = match ctl {
                        Some(CtlType::Device | CtlType::Precision) => "str",
                        _ => "int",
                    };
                    Operand::Const(self.const_of(&mut rng, name))
                }
                OperandKind::Model => Operand::Model(ModelId(rng.below(self.models.len()) as u8)),
                OperandKind::Imm8 => Operand::Imm8(rng.byte()),
                OperandKind::Subtype(table) => {
                    let code = table.entries[rng.below(table.entries.len())].0;
                    if opcode == Opcode::ExecCtl {
                        ctl = CtlType::from_code(code);
                    }
                    Operand::Subtype(code)
                }
                OperandKind::SlotList => {
                    // Now and then a list as long as the count byte allows.
                    let n = if rng.below(40) == 0 {
                        255
                    } else {
                        rng.below(5)
                    };
                    Operand::Slots(rng.slots(n))
                }
                OperandKind::Offset => unreachable!("branches are items of their own"),
            });
        }
        let mut instruction = Instruction::from_operands(opcode, &operands)
            .unwrap_or_else(|| panic!("operands for {opcode:?} do not fit: {operands:?}"));
        self.fix_up(&mut instruction, &mut rng);
        instruction
    }

    /// Makes the instruction-specific verifier rules hold.
    fn fix_up(&mut self, instruction: &mut Instruction, rng: &mut Rng) {
        fn arity<T: ParamArity>(op: T, params: &mut Vec<Slot>, rng: &mut Rng) {
            let (min, max) = op.param_arity();
            let n = min as usize + rng.below((max - min) as usize + 1);
            params.resize_with(n, || Slot(rng.byte()));
        }
        match instruction {
            Instruction::TensorCreate { op, params, .. } => arity(*op, params, rng),
            Instruction::TensorManipulate { op, params, .. } => arity(*op, params, rng),
            Instruction::TensorCombine { op, params, .. } => arity(*op, params, rng),
            Instruction::MathAggregate { op, params, .. } => arity(*op, params, rng),
            Instruction::ResLoadExtern { kind, params, .. } => arity(*kind, params, rng),
            Instruction::StringFormat { format, inputs, .. } => {
                // Literal text with its braces doubled, and one `{}` per input.
                let mut literal = || rng.string().replace('{', "{{").replace('}', "}}");
                let mut text = literal();
                for _ in 0..inputs.len() {
                    text.push_str("{}");
                    text.push_str(&literal());
                }
                assert_eq!(omex_mep::count_placeholders(&text), Ok(inputs.len()));
                *format = StrConst(self.push_const(Constant::Str(text)));
            }
            Instruction::ResLoadModel { model, path } => {
                *path = StrConst(self.model_paths[model.0 as usize]);
            }
            Instruction::ModelRunStatic {
                model,
                inputs,
                outputs,
            } => {
                let entry = &self.models[model.0 as usize];
                *inputs = rng.slots(entry.inputs.len());
                *outputs = rng.slots(entry.outputs.len());
            }
            Instruction::ResUnload {
                res: ResType::Model,
                target,
            } => *target = rng.below(self.models.len()) as u8,
            _ => {}
        }
    }

    fn block(&mut self, items: &[Item], in_loop: bool) {
        let labels: Vec<(usize, Label)> = items
            .iter()
            .filter_map(|item| match item {
                Item::Branch(_, target) => {
                    Some((target.index(items.len() + 1), self.b.new_label()))
                }
                _ => None,
            })
            .collect();
        let mut branch = 0;
        for (position, item) in items.iter().enumerate() {
            self.bind_at(&labels, position);
            match item {
                Item::Op(seed) => {
                    let instruction = self.instruction(seed);
                    self.b.push(instruction);
                }
                Item::Loop(counter, body) => {
                    self.b.push(Instruction::FlowLoopStart {
                        counter: Slot(*counter),
                    });
                    self.block(body, true);
                    self.b.push(Instruction::FlowLoopEnd {});
                }
                Item::Branch(cond, _) => {
                    self.b.branch_if(Slot(*cond), labels[branch].1);
                    branch += 1;
                }
                Item::Break(cond) if in_loop => {
                    self.b
                        .push(Instruction::FlowBreakLoopIf { cond: Slot(*cond) });
                }
                Item::Break(cond) => {
                    self.b.push(Instruction::SysCopy {
                        out: Slot(*cond),
                        input: Slot(cond.wrapping_add(1)),
                    });
                }
                Item::Return(values) => {
                    self.b.push(Instruction::SinkReturn {
                        values: values.iter().copied().map(Slot).collect(),
                    });
                }
            }
        }
        // The end of a loop body is its FLOW_LOOP_END; the end of the top
        // level is the end of the code.
        self.bind_at(&labels, items.len());
    }

    fn bind_at(&mut self, labels: &[(usize, Label)], position: usize) {
        for &(at, label) in labels {
            if at == position {
                self.b.bind(label);
            }
        }
    }
}

fn build(seed: &ModuleSeed) -> Module {
    let mut ctx = Ctx {
        b: Builder::new(),
        pool: (0..seed.padding as i64)
            .map(Constant::Int)
            .chain(seed.pool.iter().cloned())
            .collect(),
        models: seed
            .models
            .iter()
            .cloned()
            .map(|mut m| {
                // Strict hashes need every model's sha256 and size.
                if seed.flags & 1 != 0 {
                    m.sha256.get_or_insert([0xAB; 32]);
                    m.size.get_or_insert(1);
                }
                m
            })
            .collect(),
        model_paths: Vec::new(),
        opcodes: plain_opcodes(),
    };
    let mut rng = Rng(seed.rng);
    ctx.b.set_flags(seed.flags);
    // Every model is loaded once up front (`MODEL_RUN_*` needs a load
    // somewhere); the code may load them again anywhere.
    for (id, entry) in seed.models.iter().enumerate() {
        let path = ctx.push_const(Constant::Str(entry.path.clone()));
        ctx.model_paths.push(path);
        ctx.b.push(Instruction::ResLoadModel {
            model: ModelId(id as u8),
            path: StrConst(path),
        });
    }
    ctx.block(&seed.items, false);

    // Debug: source locations for some instructions, names for some slots.
    let code_len = ctx.b.next_index();
    if let Some(files) = &seed.debug_files {
        let mut any = !files.is_empty();
        if !files.is_empty() {
            for index in 0..code_len {
                if rng.below(3) == 0 {
                    let start = rng.below(1000) as u32;
                    let end = start + rng.below(50) as u32;
                    ctx.b
                        .locate(index, rng.below(files.len()) as u32, start, end);
                }
            }
        }
        for _ in 0..rng.below(3) {
            let from = rng.below(code_len + 1);
            let to = from + rng.below(code_len + 1 - from);
            ctx.b.name_slot(rng.byte(), from, to, rng.string());
            any = true;
        }
        if any {
            ctx.b.set_debug_files(files.clone());
        }
    }

    let mut module = ctx.b.finish().expect("branches are short and labels bound");
    module.constants = ctx.pool;
    module.models = ctx.models;
    module.custom = seed.custom.clone();
    if let Some((name, args)) = &seed.interface {
        let offsets = module.instruction_offsets();
        let returns = module
            .code
            .iter()
            .enumerate()
            .filter_map(|(index, instruction)| match instruction {
                Instruction::SinkReturn { values } if rng.below(3) != 0 => Some(ReturnNames {
                    offset: offsets[index],
                    names: values.iter().map(|_| rng.string()).collect(),
                }),
                _ => None,
            })
            .collect();
        module.interface = Some(Interface {
            name: name.clone(),
            args: args
                .iter()
                .filter({
                    // Each argument index is named once.
                    let mut seen = std::collections::HashSet::new();
                    move |(index, _)| seen.insert(*index)
                })
                .map(|(index, name)| ArgInfo {
                    index: *index,
                    name: name.clone(),
                })
                .collect(),
            returns,
        });
    }
    module
}

fn module() -> impl Strategy<Value = Module> {
    module_seed().prop_map(|seed| build(&seed))
}

// ---------------------------------------------------------------------------
// Comparing code modulo constant numbering
// ---------------------------------------------------------------------------

/// Every NaN as the one NaN the assembler reads `nan` as.
fn canonical(constant: &Constant) -> Constant {
    match constant {
        Constant::Float(x) if x.is_nan() => Constant::Float(f64::NAN),
        Constant::FloatList(list) => Constant::FloatList(
            list.iter()
                .map(|x| if x.is_nan() { f32::NAN } else { *x })
                .collect(),
        ),
        other => other.clone(),
    }
}

#[derive(Debug, PartialEq)]
enum Resolved {
    Operand(Operand),
    Constant(Constant),
}

/// The code with each constant id replaced by the constant's value.
fn resolved(module: &Module) -> Vec<(Opcode, Vec<Resolved>)> {
    module
        .code
        .iter()
        .map(|instruction| {
            let operands = instruction
                .operands()
                .into_iter()
                .map(|operand| match operand {
                    Operand::Const(id) => {
                        Resolved::Constant(canonical(&module.constants[id.0 as usize]))
                    }
                    other => Resolved::Operand(other),
                })
                .collect();
            (instruction.opcode(), operands)
        })
        .collect()
}

// ---------------------------------------------------------------------------
// Properties
// ---------------------------------------------------------------------------

proptest! {
    #![proptest_config(config())]

    #[test]
    fn generated_modules_verify(module in module()) {
        if let Err(errors) = verify(module.clone(), &VerifyOptions::default()) {
            panic!("{errors:#?}\n{}", text::disassemble(&module));
        }
    }

    #[test]
    fn encode_then_decode_is_the_identity(module in module()) {
        let bytes = encode(&module);
        let (decoded, layout) = decode(&bytes, DecodeOptions::default())
            .unwrap_or_else(|e| panic!("{e:#?}"));
        prop_assert_eq!(&decoded, &module);
        // decode -> encode gives the same bytes.
        prop_assert_eq!(encode(&decoded), bytes.clone());
        // The code section sits where the layout says.
        let code = module.code_bytes();
        prop_assert_eq!(&bytes[layout.code_offset..layout.code_offset + code.len()], &code[..]);
        // And the file loads.
        let program = load(&bytes, &VerifyOptions::default())
            .unwrap_or_else(|e| panic!("{e:#?}"));
        prop_assert_eq!(program.module(), &module);
        for index in 0..module.code.len() {
            let at = program.file_offset(index);
            prop_assert_eq!(bytes[at], module.code[index].opcode() as u8);
        }
    }

    #[test]
    fn every_instruction_round_trips_alone(module in module()) {
        for instruction in &module.code {
            let mut bytes = Vec::new();
            instruction.encode(&mut bytes);
            prop_assert_eq!(bytes.len(), instruction.encoded_len());
            let single = Module { code: vec![instruction.clone()], ..Module::default() };
            let (decoded, _) = decode(&encode(&single), DecodeOptions::default())
                .unwrap_or_else(|e| panic!("{e:#?}"));
            prop_assert_eq!(&decoded.code, &single.code);
        }
    }

    #[test]
    fn text_form_round_trips(module in module()) {
        let printed = text::disassemble(&module);
        let assembled = text::assemble(&printed)
            .unwrap_or_else(|e| panic!("{e:#?}\n{printed}"));
        let again = text::disassemble(&assembled.module);
        prop_assert_eq!(&again, &printed);
        prop_assert_eq!(assembled.instruction_spans.len(), module.code.len());
        // The same code, up to constant numbering.
        prop_assert_eq!(resolved(&assembled.module), resolved(&module));
        prop_assert_eq!(assembled.module.code.len(), module.code.len());
        for (a, b) in assembled.module.code.iter().zip(&module.code) {
            prop_assert_eq!(a.encoded_len(), b.encoded_len());
            if let (
                Instruction::FlowBranchIf { offset: x, .. },
                Instruction::FlowBranchIf { offset: y, .. },
            ) = (a, b)
            {
                prop_assert_eq!(x, y);
            }
        }
        // Everything else the text carries comes back as it was.
        prop_assert_eq!(assembled.module.flags, module.flags);
        prop_assert_eq!(&assembled.module.models, &module.models);
        prop_assert_eq!(&assembled.module.interface, &module.interface);
        prop_assert_eq!(&assembled.module.debug, &module.debug);
        prop_assert_eq!(&assembled.module.custom, &module.custom);
        // The assembled module verifies, and a second round is exact.
        verify(assembled.module.clone(), &VerifyOptions::default())
            .unwrap_or_else(|e| panic!("{e:#?}\n{printed}"));
        let second = text::assemble(&again).unwrap_or_else(|e| panic!("{e:#?}"));
        prop_assert_eq!(&second.module, &assembled.module);
        prop_assert_eq!(encode(&second.module), encode(&assembled.module));
    }

    #[test]
    fn assembled_code_is_exact_when_the_pool_is_canonical(module in module()) {
        // Renumber the pool by first use, as the assembler does; then the
        // code must come back byte for byte. (Every NaN reads back as the
        // same NaN, so NaNs are made canonical first.)
        let mut module = module;
        for constant in &mut module.constants {
            *constant = canonical(constant);
        }
        let canonical_module = renumbered(&module);
        let assembled = text::assemble(&text::disassemble(&canonical_module))
            .unwrap_or_else(|e| panic!("{e:#?}"));
        prop_assert_eq!(&assembled.module.code, &canonical_module.code);
        prop_assert_eq!(&assembled.module.constants, &canonical_module.constants);
    }

    #[test]
    fn fuzz_targets_accept_generated_modules(module in module()) {
        let bytes = encode(&module);
        omex_mep::fuzz::decode_verify(&bytes);
        omex_mep::fuzz::assemble_text(text::disassemble(&module).as_bytes());
    }

    #[test]
    fn decode_verify_never_panics_on_arbitrary_bytes(
        bytes in prop::collection::vec(any::<u8>(), 0..256)
    ) {
        omex_mep::fuzz::decode_verify(&bytes);
    }

    #[test]
    fn decode_verify_never_panics_after_a_valid_header(
        body in prop::collection::vec(any::<u8>(), 0..256)
    ) {
        let mut bytes = vec![0x89, b'M', b'E', b'P', 0x0D, 0x0A, 0x1A, 0x0A, 1, 0, 0, 0, 0, 0, 0, 0];
        bytes.extend(body);
        omex_mep::fuzz::decode_verify(&bytes);
    }

    #[test]
    fn decode_verify_never_panics_on_random_sections(
        sections in prop::collection::vec(
            (
                prop_oneof![1u8..=5, 0u8..=255],
                prop::collection::vec(
                    prop_oneof![3 => 0u8..=3, 1 => any::<u8>()],
                    0..40,
                ),
            ),
            0..6,
        ),
    ) {
        let mut bytes = vec![0x89, b'M', b'E', b'P', 0x0D, 0x0A, 0x1A, 0x0A, 1, 0, 0, 0, 0, 0, 0, 0];
        for (id, payload) in sections {
            bytes.push(id);
            bytes.extend((payload.len() as u32).to_le_bytes());
            bytes.extend(payload);
        }
        let crc = crc32fast::hash(&bytes);
        bytes.extend(crc.to_le_bytes());
        omex_mep::fuzz::decode_verify(&bytes);
        let _ = load(&bytes, &VerifyOptions::default());
    }

    #[test]
    fn decode_verify_never_panics_on_mutated_modules(
        module in module(),
        mutations in prop::collection::vec((any::<Index>(), any::<u8>(), 0u8..4), 1..4),
    ) {
        let mut bytes = encode(&module);
        bytes.truncate(bytes.len() - 4);
        for (at, value, how) in mutations {
            if bytes.is_empty() {
                break;
            }
            let i = at.index(bytes.len());
            match how {
                0 => bytes[i] = value,
                1 => bytes[i] ^= 1 << (value % 8),
                2 => bytes.insert(i, value),
                _ => {
                    bytes.remove(i);
                }
            }
        }
        let crc = crc32fast::hash(&bytes);
        bytes.extend(crc.to_le_bytes());
        omex_mep::fuzz::decode_verify(&bytes);
        let _ = load(&bytes, &VerifyOptions::default());
    }

    #[test]
    fn assemble_text_never_panics_on_arbitrary_text(source in ".{0,200}") {
        omex_mep::fuzz::assemble_text(source.as_bytes());
    }

    #[test]
    fn assemble_text_never_panics_on_arbitrary_bytes(
        bytes in prop::collection::vec(any::<u8>(), 0..200)
    ) {
        omex_mep::fuzz::assemble_text(&bytes);
    }

    #[test]
    fn assemble_text_never_panics_on_token_soup(
        tokens in prop::collection::vec(
            prop::sample::select(vec![
                "\n", " ", ".mep", "1.0", ".plan", ".arg", ".model", ".file", ".slot_name",
                ".custom", ".flags", "strict_model_hashes", "m0", "m1", "s0", "s255", "s256",
                "SRC_CONSTANT", "SINK_RETURN", "FLOW_BRANCH_IF", "FLOW_LOOP_START",
                "FLOW_LOOP_END", "FLOW_BREAK_LOOP_IF", "MODEL_RUN_STATIC", "STRING_FORMAT",
                "RES_LOAD_MODEL", "out", "value", "values", "names", "cond", "offset",
                "counter", "model", "path", "inputs", "outputs", "format", "=", "[", "]",
                ",", ":", "..", "@", "#", "L0", "L0:", "\"x\"", "\"{}\"", "\"\\u{41}\"",
                "\"\\q\"", "bytes\"0a\"", "bytes\"0\"", "int[1]", "f32[nan]", "str[\"a\"]",
                "0", "-1", "128", "99999999999999999999", "1e400", "-inf", "nan", "null",
                "true", "; comment", "\"unterminated",
            ]),
            0..60,
        )
    ) {
        let source: String = tokens.concat();
        omex_mep::fuzz::assemble_text(source.as_bytes());
    }

    #[test]
    fn assemble_text_never_panics_on_mutated_disassembly(
        module in module(),
        mutations in prop::collection::vec((any::<Index>(), any::<Index>(), 0u8..4), 1..4),
    ) {
        let mut source: Vec<char> = text::disassemble(&module).chars().collect();
        const ALPHABET: &[char] = &[
            ' ', '\n', '"', '=', '[', ']', ',', ':', '@', '#', '.', '0', '9', '-', 's', 'm',
            'L', '\\', '{', '}', ';', 'é',
        ];
        for (at, pick, how) in mutations {
            if source.is_empty() {
                break;
            }
            let i = at.index(source.len());
            let c = ALPHABET[pick.index(ALPHABET.len())];
            match how {
                0 => source[i] = c,
                1 => source.insert(i, c),
                2 => {
                    source.remove(i);
                }
                _ => {
                    // Swap two lines' worth: move the character's line to the end.
                    let line_start = source[..i].iter().rposition(|&c| c == '\n').map_or(0, |p| p + 1);
                    let line_end = source[i..].iter().position(|&c| c == '\n').map_or(source.len(), |p| i + p + 1);
                    let line: Vec<char> = source.drain(line_start..line_end).collect();
                    source.extend(line);
                }
            }
        }
        let source: String = source.into_iter().collect();
        omex_mep::fuzz::assemble_text(source.as_bytes());
    }
}

/// The module with its pool renumbered by first use in the code, without
/// duplicates or unused constants: the pool the assembler builds.
fn renumbered(module: &Module) -> Module {
    let mut pool: Vec<Constant> = Vec::new();
    let code = module
        .code
        .iter()
        .map(|instruction| {
            let operands: Vec<Operand> = instruction
                .operands()
                .into_iter()
                .map(|operand| match operand {
                    Operand::Const(id) => {
                        let constant = &module.constants[id.0 as usize];
                        let index = pool.iter().position(|c| c == constant).unwrap_or_else(|| {
                            pool.push(constant.clone());
                            pool.len() - 1
                        });
                        Operand::Const(ConstId(index as u16))
                    }
                    other => other,
                })
                .collect();
            Instruction::from_operands(instruction.opcode(), &operands).unwrap()
        })
        .collect();
    Module {
        constants: pool,
        code,
        ..module.clone()
    }
}
