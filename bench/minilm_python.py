#!/usr/bin/env python3
"""MiniLM int8 embedding at batch 1 in Python: tokenizers + onnxruntime + numpy.

The same pipeline as `runtime/examples/bench_minilm.rs` (tokenize, run the
model on input_ids / attention_mask / token_type_ids, mask-weighted mean
pooling, L2 normalisation), the same sentence, the same ONNX Runtime
session settings (intra-op threads set explicitly, everything else default),
the model loaded once, warm-up, then many timed iterations in one process.

Set up (PyPI only):
    python3 -m venv /tmp/bench-venv
    /tmp/bench-venv/bin/pip install onnxruntime==1.31.1 tokenizers numpy
Run:
    /tmp/bench-venv/bin/python bench/minilm_python.py [--iterations N] [--rounds R]
        [--threads 1,2] [--padding both|on|off] [--sentence TEXT] [--model-dir DIR] [--json]

`--serve` runs it as a child of `runtime/examples/bench_minilm.rs --python PYTHON`,
which interleaves it call block by call block with the two Rust pipelines (the
Python side times its own calls, with the same clock scope as the Rust sides).
"""

import argparse
import json
import math
import os
import statistics
import sys
import time

import numpy as np
import onnxruntime as ort
from tokenizers import Tokenizer

HERE = os.path.dirname(os.path.abspath(__file__))
DEFAULT_DIR = os.path.normpath(os.path.join(HERE, "..", "..", "shared", "models", "minilm-l6-int8"))
DEFAULT_SENTENCE = "The cat sits on the mat."


class Pipeline:
    def __init__(self, model_dir, threads, padding):
        self.tokenizer = Tokenizer.from_file(os.path.join(model_dir, "tokenizer.json"))
        if not padding:
            self.tokenizer.no_padding()
        options = ort.SessionOptions()
        options.intra_op_num_threads = threads
        self.session = ort.InferenceSession(
            os.path.join(model_dir, "model.onnx"),
            sess_options=options,
            providers=["CPUExecutionProvider"],
        )

    def embed(self, text):
        enc = self.tokenizer.encode(text)
        ids = np.asarray([enc.ids], dtype=np.int64)
        mask = np.asarray([enc.attention_mask], dtype=np.int64)
        types = np.asarray([enc.type_ids], dtype=np.int64)
        (hidden,) = self.session.run(
            ["last_hidden_state"],
            {"input_ids": ids, "attention_mask": mask, "token_type_ids": types},
        )
        m = mask[..., None].astype(np.float32)
        pooled = (hidden * m).sum(axis=1) / np.maximum(m.sum(axis=1), 1e-9)
        norm = np.maximum(np.linalg.norm(pooled, axis=-1, keepdims=True), 1e-12)
        return (pooled / norm)[0]

    def embed_without_model(self, text, hidden):
        """`embed` minus `session.run`: tokenize, build the inputs, pool a given
        hidden state [1, >= n, 384] (for bench_minilm's overhead comparison)."""
        enc = self.tokenizer.encode(text)
        ids = np.asarray([enc.ids], dtype=np.int64)
        mask = np.asarray([enc.attention_mask], dtype=np.int64)
        types = np.asarray([enc.type_ids], dtype=np.int64)
        _ = (ids, types)
        hidden = hidden[:, : mask.shape[1], :]
        m = mask[..., None].astype(np.float32)
        pooled = (hidden * m).sum(axis=1) / np.maximum(m.sum(axis=1), 1e-9)
        norm = np.maximum(np.linalg.norm(pooled, axis=-1, keepdims=True), 1e-12)
        return (pooled / norm)[0]


def percentile(sorted_values, p):
    """Nearest rank, as the Rust benchmark computes it."""
    k = math.ceil(p / 100.0 * len(sorted_values))
    return sorted_values[min(max(k, 1), len(sorted_values)) - 1]


def reference_embedding(model_dir, text):
    try:
        with open(os.path.join(model_dir, "reference.json")) as f:
            ref = json.load(f)
    except OSError:
        return None
    for s in ref.get("sentences", []):
        if s.get("text") == text:
            return np.asarray(s["embedding"], dtype=np.float32)
    return None


def versions():
    import tokenizers

    return (
        f"python {sys.version.split()[0]}, onnxruntime {ort.__version__}, "
        f"tokenizers {tokenizers.__version__}, numpy {np.__version__}"
    )


def serve(a):
    threads = int(a.threads.split(",")[0])
    if a.padding == "both":
        sys.exit("--serve takes --padding on or off")
    p = Pipeline(a.model_dir, threads, a.padding == "on")
    e = p.embed(a.sentence)
    print(json.dumps({"embedding": [float(x) for x in e], "versions": versions()}), flush=True)
    hidden = (np.arange(512 * 384, dtype=np.float32) % 97 * 0.01).reshape(1, 512, 384)
    for line in sys.stdin:
        words = line.split()
        if words == ["quit"]:
            break
        if words[0] == "nomodel":
            f = lambda: p.embed_without_model(a.sentence, hidden)  # noqa: E731
            words = words[1:]
        else:
            f = lambda: p.embed(a.sentence)  # noqa: E731
        k, w = (int(x) for x in words)
        for _ in range(w):
            f()
        out = []
        for _ in range(k):
            t0 = time.perf_counter()
            f()
            out.append((time.perf_counter() - t0) * 1e3)
        print(json.dumps(out), flush=True)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--iterations", type=int, default=200)
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--threads", default="1,2")
    ap.add_argument("--padding", choices=["both", "on", "off"], default="both")
    ap.add_argument("--sentence", default=DEFAULT_SENTENCE)
    ap.add_argument("--model-dir", default=DEFAULT_DIR)
    ap.add_argument("--json", action="store_true")
    ap.add_argument(
        "--serve",
        action="store_true",
        help="for bench_minilm --python: one configuration (the first of --threads, "
        "--padding on|off); print {embedding, versions} as a JSON line, then for each "
        "request line 'K W' run W untimed and K timed calls and print the K times (ms) "
        "as a JSON list ('nomodel K W': the same without session.run, pooling a constant "
        "hidden state); 'quit' ends",
    )
    a = ap.parse_args()
    if a.serve:
        return serve(a)

    threads = [int(t) for t in a.threads.split(",")]
    paddings = {"both": [True, False], "on": [True], "off": [False]}[a.padding]
    ref = reference_embedding(a.model_dir, a.sentence)
    print(
        f"{versions()}; "
        f"sentence {a.sentence!r}; {a.rounds} rounds x {a.iterations} iterations per configuration"
    )
    results = []
    for t in threads:
        for padding in paddings:
            p = Pipeline(a.model_dir, t, padding)
            e = p.embed(a.sentence)
            note = ""
            if ref is not None:
                note = f", max |py - reference.json| = {np.abs(e - ref).max():.2e}"
            print(f"threads={t} padding={'on' if padding else 'off'}: embedding dim {e.shape[0]}{note}")
            for _ in range(20):
                p.embed(a.sentence)
            times = []
            round_medians = []
            for _ in range(a.rounds):
                rt = []
                for _ in range(a.iterations):
                    t0 = time.perf_counter()
                    p.embed(a.sentence)
                    rt.append((time.perf_counter() - t0) * 1e3)
                round_medians.append(statistics.median(rt))
                times.extend(rt)
            s = sorted(times)
            med = statistics.median(s)
            print(
                f"  python: median {med:8.3f} ms  p10 {percentile(s, 10):8.3f}  p90 {percentile(s, 90):8.3f}  "
                f"mean {statistics.fmean(s):8.3f}  (n={len(s)}; per-round medians "
                f"{min(round_medians):.3f}..{max(round_medians):.3f})"
            )
            results.append(
                {
                    "bench": "minilm",
                    "impl": "python",
                    "threads": t,
                    "padding": padding,
                    "n": len(s),
                    "median_ms": round(med, 4),
                    "p10_ms": round(percentile(s, 10), 4),
                    "p90_ms": round(percentile(s, 90), 4),
                    "round_median_min_ms": round(min(round_medians), 4),
                    "round_median_max_ms": round(max(round_medians), 4),
                }
            )
            del p
    if a.json:
        for r in results:
            print(json.dumps(r, separators=(",", ":")))


if __name__ == "__main__":
    main()
