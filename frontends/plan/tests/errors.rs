//! Snapshots of checking errors: each holds the source and every diagnostic
//! rendered as the command line shows them (without colour). Models resolve
//! against the shared model folder, so the MiniLM model's real signature is
//! checked.

mod common;

use common::{compile, numbered, options, render_all};
use omex_frontend_plan::Options;

fn report_with(source: &str, options: &Options) -> String {
    let (module, diags, files) = compile("case.plan", source, options);
    let errors = diags
        .iter()
        .filter(|d| d.severity == omex_diagnostics::Severity::Error)
        .count();
    assert_eq!(module.is_some(), errors == 0);
    let mut out = String::from("source:\n");
    out.push_str(&numbered(source));
    out.push_str(&format!(
        "\n{} diagnostic(s), {} error(s){}:\n",
        diags.len(),
        errors,
        if module.is_some() {
            ", module produced"
        } else {
            ""
        }
    ));
    out.push_str(&render_all(&diags, &files));
    out
}

fn report(source: &str) -> String {
    report_with(source, &options())
}

macro_rules! case {
    ($name:ident, $source:expr) => {
        #[test]
        fn $name() {
            insta::assert_snapshot!(report($source));
        }
    };
}

const MINILM: &str = "    model encoder = load(\"minilm-l6-int8/model.onnx\")\n    tok = tokenizer(\"minilm-l6-int8/tokenizer.json\")\n    enc = encode(tok, text)\n";

fn minilm(body: &str) -> String {
    format!("plan p(text: str = arg(0)) {{\n{MINILM}{body}}}\n")
}

// ---- names (E0100, E0101, E0119, E0140)

case!(
    unknown_name_with_suggestion,
    "plan p(sentence: str = arg(0)) {\n    print(sentense)\n    ok = ture\n    print(nothing_like_it)\n}\n"
);
case!(
    unknown_function,
    "plan p(x: str = arg(0)) {\n    y = sofmax(tensor([1.0, 2.0]))\n    z = frobnicate(x)\n}\n"
);
case!(
    calling_a_variable,
    "plan p() {\n    scale = 2\n    y = scale(3)\n}\n"
);
case!(
    used_after_its_loop,
    "plan p() {\n    repeat 3 {\n        last = 1\n    }\n    print(last)\n    if true {\n        flag = 1\n    }\n    print(flag)\n}\n"
);
case!(
    function_as_value,
    "plan p() {\n    f = softmax\n    print(f)\n}\n"
);

// ---- arguments (E0102 - E0105)

case!(
    unknown_keyword_argument,
    "plan p() {\n    x = tensor([1.0, 2.0])\n    y = sum(x, axs: 0)\n    z = zeros([2], dtyp: f32)\n}\n"
);
case!(
    too_many_arguments,
    "plan p() {\n    x = tensor([1.0, 2.0])\n    y = sigmoid(x, 1)\n}\n"
);
case!(
    missing_arguments,
    "plan p() {\n    x = tensor([1.0, 2.0])\n    idx, vals = topk(x)\n    s = slice(x, 0)\n}\n"
);
case!(
    duplicate_argument,
    "plan p() {\n    x = zeros([2, 3])\n    y = sum(x, axis: 0, axis: 1)\n}\n"
);

// ---- types and shapes (E0106, E0107, E0131, E0132, E0133, E0137, E0138, E0139)

case!(
    type_mismatches,
    "plan p(name: str = arg(0), n: int = 3) {\n    a = softmax(name)\n    b = name + n\n    if n {\n        print(b)\n    }\n    repeat name {\n        print(n)\n    }\n}\n"
);
case!(
    shape_mismatch,
    "plan p() {\n    a = zeros([2, 3])\n    b = ones([4])\n    c = a + b\n    d = reshape(a, [4, 2])\n    e = concat([a, zeros([2, 3, 1])], axis: 0)\n}\n"
);
case!(
    not_a_single_value,
    "plan p() {\n    x = tensor([0.1, 0.9])\n    print(topk(x, 1))\n    y = print(x)\n}\n"
);
case!(
    value_out_of_range,
    "plan p() {\n    x = zeros([2, 3])\n    a, b = topk(x, 300)\n    s = sum(x, axis: 2)\n    c, d = topk(x, 4)\n    threads(0)\n}\n"
);
case!(
    unknown_dtype,
    "plan p() {\n    a = zeros([2], dtype: float32)\n    b = cast(a, i65)\n}\n"
);
case!(
    incompatible_types_in_a_loop,
    "plan p() {\n    total = 0\n    repeat 3 {\n        total = \"many\"\n    }\n    label = 1\n    if true {\n        label = \"one\"\n    }\n}\n"
);
case!(
    unknown_type_annotation,
    "extern fn score(text: string) -> f32\n\nplan p(n: integer = 3, x: i64 = 1) {\n    print(n)\n}\n"
);
case!(
    unsupported_lists,
    "plan p(name: str = arg(0)) {\n    a = zeros([2])\n    l = [a, a]\n    m = [name, \"x\"]\n    n = [[1, 2], [3, 4]]\n    t = tensor([[1, 2], [3]])\n    u = concat(l)\n}\n"
);

// ---- models (E0108 - E0113, E0120, E0123, E0128, E0129)

#[test]
fn model_has_no_such_input() {
    insta::assert_snapshot!(report(&minilm(
        "    out = encoder(input_idz: enc.ids, attention_mask: enc.mask, token_type_ids: enc.type_ids)\n"
    )));
}

#[test]
fn model_input_missing() {
    insta::assert_snapshot!(report(&minilm(
        "    out = encoder(input_ids: enc.ids, attention_mask: enc.mask)\n"
    )));
}

#[test]
fn model_input_of_the_wrong_type() {
    insta::assert_snapshot!(report(&minilm(
        "    mask = zeros([1, 8], dtype: f32)\n    out = encoder(input_ids: enc.ids, attention_mask: mask, token_type_ids: reshape(enc.type_ids, [8]))\n"
    )));
}

case!(
    declared_signature_disagrees_with_the_file,
    "plan p() {\n    model encoder(\n        input_ids: tensor<i32>[1, seq],\n        attention_mask: tensor<i64>[1, seq],\n        pixel_values: tensor<f32>[1, 3, 224, 224],\n    ) -> (last_hidden_state: tensor<f32>[1, seq, 768], pooler: tensor<f32>[1, 384]) =\n        load(\"minilm-l6-int8/model.onnx\")\n}\n"
);
case!(
    model_file_not_found_is_a_warning,
    "plan p(text: str = arg(0)) {\n    model clf = load(\"missing/model.onnx\")\n    out = clf(input_ids: text)\n    print(out.logits)\n}\n"
);
case!(
    model_file_unreadable,
    "plan p() {\n    model m = load(\"minilm-l6-int8/vocab.txt\")\n}\n"
);
#[test]
fn unknown_model_output() {
    insta::assert_snapshot!(report(&minilm(
        "    out = encoder(input_ids: enc.ids, attention_mask: enc.mask, token_type_ids: enc.type_ids)\n    h = out.last_hidden\n    g = out[\"pooler_output\"]\n"
    )));
}
case!(
    duplicate_model,
    "plan p() {\n    model m = load(\"minilm-l6-int8/model.onnx\")\n    model m = load(\"minilm-l6-int8/model.onnx\")\n    x = 1\n    model x = load(\"minilm-l6-int8/model.onnx\")\n}\n"
);
#[test]
fn model_used_after_unload() {
    insta::assert_snapshot!(report(&minilm(
        "    unload(encoder)\n    out = encoder(input_ids: enc.ids, attention_mask: enc.mask, token_type_ids: enc.type_ids)\n"
    )));
}
case!(
    bad_model_source,
    "plan p() {\n    model a = \"minilm-l6-int8/model.onnx\"\n    model b = open(\"minilm-l6-int8/model.onnx\")\n    model c = load(path)\n    x = load(\"minilm-l6-int8/model.onnx\")\n}\n"
);
#[test]
fn positional_model_input() {
    insta::assert_snapshot!(report(&minilm(
        "    out = encoder(enc.ids, attention_mask: enc.mask, token_type_ids: enc.type_ids)\n"
    )));
}

// ---- fields (E0114, E0115)

case!(
    field_of_a_non_record,
    "plan p() {\n    model encoder = load(\"minilm-l6-int8/model.onnx\")\n    x = zeros([2])\n    a = x.shape\n    b = encoder.last_hidden_state\n}\n"
);
#[test]
fn unknown_encoding_field() {
    insta::assert_snapshot!(report(&minilm(
        "    ids = enc.idz\n    mask = enc[\"mask\"]\n"
    )));
}

// ---- control flow (E0116, E0117, E0130)

case!(
    break_outside_a_loop,
    "plan p() {\n    break\n    if true {\n        break if false\n    }\n}\n"
);
case!(
    unreachable_code,
    "plan p(n: int = 3) {\n    repeat n {\n        break\n        print(\"never\")\n    }\n    if n > 2 {\n        halt\n    } else {\n        return n\n    }\n    print(\"never either\")\n}\n"
);
case!(
    destructure_count,
    "plan p() {\n    x = tensor([0.1, 0.9])\n    a, b, c = topk(x, 1)\n    d, e = x\n}\n"
);

// ---- literals, reserved names, inputs (E0118, E0121, E0122, E0126, E0134, E0136)

case!(
    literal_required,
    "plan p(k: int = 2, msg: str = arg(0)) {\n    x = tensor([0.1, 0.9])\n    a, b = topk(x, k)\n    t = token_id(tokenizer(\"minilm-l6-int8/tokenizer.json\"), msg)\n    debug(x, msg)\n}\n"
);
case!(
    assigning_to_reserved_names,
    "plan p() {\n    model m = load(\"minilm-l6-int8/model.onnx\")\n    m = 1\n    softmax = 2\n    f32 = 3\n    print(softmax + 1)\n    y = softmax(zeros([2]))\n    z = zeros([2], dtype: f32)\n}\n"
);
case!(
    inputs_outside_parameters,
    "plan p() {\n    a = arg(0)\n    b = prompt(\"Name: \")\n}\n"
);
case!(
    parameter_without_default,
    "plan p(text, n: int, ok: bool = arg(1), z: int = 1 + 2) {\n    print(text)\n}\n"
);
case!(
    dict_outside_return,
    "plan p() {\n    d = { a: 1, b: 2 }\n    return { x: 1, x: 2 }\n}\n"
);
case!(
    duplicate_definitions,
    "extern fn f(x: int) -> int\nextern fn f(x: int) -> int\nextern fn softmax(x: tensor) -> tensor\n\nplan p(a: int = 1, a: int = 2, b: str = arg(0), c: str = arg(0)) {\n    print(f(a))\n}\n"
);

// ---- text and sinks (E0124, E0125, E0127)

case!(
    format_placeholders,
    "plan p(name: str = arg(0)) {\n    a = format(\"{} and {}\", name)\n    b = format(\"{}\", name, name)\n    c = format(\"{0}\", name)\n}\n"
);
case!(
    to_image_range,
    "plan p() {\n    x = zeros([1, 3, 8, 8])\n    a = to_image(x, low: 0.0, high: 2.0)\n    b = to_image(x, low: -1.0, high: 1.0)\n}\n"
);
case!(
    tokenizer_not_found_is_a_warning,
    "plan p(text: str = arg(0)) {\n    tok = tokenizer(\"nowhere/tokenizer.json\")\n    print(decode(tok, encode(tok, text).ids))\n}\n"
);

// ---- methods, externs (E0141)

case!(
    method_on_a_non_object,
    "plan p() {\n    x = zeros([2, 3])\n    y = x.reshape([3, 2])\n    codec = component(\"codecs/mulaw\")\n    z = codec.encode(x, level: 3)\n}\n"
);
case!(
    extern_argument_types,
    "extern fn score(text: str, weight: float = 1.0) -> float = \"host.score\"\n\nplan p() {\n    a = score(3)\n    b = score(\"ok\", weight: 2)\n    c = score(\"ok\", strength: 2)\n}\n"
);

// ---- plans (E0135)

#[test]
fn no_such_plan() {
    let options = Options {
        plan: Some("embedd".into()),
        ..options()
    };
    insta::assert_snapshot!(report_with(
        "plan embed() {\n    print(1)\n}\n\nplan classify() {\n    print(2)\n}\n",
        &options
    ));
}
case!(no_plan_at_all, "extern fn f(x: int) -> int\n");

// ---- several independent errors, no cascades

case!(
    independent_errors_without_cascades,
    "plan p(text: str = arg(0)) {\n    x = unknown_thing + 1\n    y = softmax(x)\n    print(y * 2)\n    z = zeros([2], dtype: f99)\n    w = z + \"s\"\n    repeat 2 {\n        x = x + 1\n    }\n    print(format(\"{}\", x, y))\n}\n"
);
case!(
    syntax_errors_suppress_unknown_names,
    "plan p() {\n    value = 1 + * 2\n    print(value)\n    print(undefined_but_quiet)\n    y = softmax(\"text\")\n}\n"
);
