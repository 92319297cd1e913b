#!/usr/bin/env bash
# Runs every runtime benchmark of docs/performance.md ("Runtime") and prints a table.
#
#   bench/run_all.sh                 # from the workspace root
#
# Needs: a Rust toolchain; the Python venv of bench/minilm_python.py
#   python3 -m venv /tmp/bench-venv && /tmp/bench-venv/bin/pip install onnxruntime==1.31.1 tokenizers numpy
# (no network beyond PyPI); hyperfine for the cold-start figures (apt-get install -y hyperfine),
# else a timed loop is used.
#
# Knobs (environment):
#   BENCH_ITERATIONS  timed calls per side, configuration and round (default 200)
#   BENCH_ROUNDS      rounds (each reports its own medians)         (default 5)
#   BENCH_THREADS     intra-op thread settings, comma-separated     (default 1,2)
#   BENCH_VENV        the Python venv                               (default /tmp/bench-venv)
#   BENCH_MODEL_DIR   the MiniLM folder (default ../shared/models/minilm-l6-int8)
#   BENCH_DISPATCH_ITERATIONS, BENCH_DISPATCH_ROUNDS (default 1000000, 7)
#   BENCH_COLD_RUNS   runs per cold-start measurement               (default 50)
#   BENCH_COMPILED_ITERATIONS  iterations x 3 rounds for the .mep files omexc builds (default 200;
#                     run with VmOptions::keep_models, as a server would)
#   CARGO_TARGET_DIR  (default target-bench)
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"
export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-$ROOT/target-bench}
ITER=${BENCH_ITERATIONS:-200}
ROUNDS=${BENCH_ROUNDS:-5}
THREADS=${BENCH_THREADS:-1,2}
VENV=${BENCH_VENV:-/tmp/bench-venv}
MODEL_DIR=$(cd "${BENCH_MODEL_DIR:-$ROOT/../shared/models/minilm-l6-int8}" && pwd)
DISPATCH_ITER=${BENCH_DISPATCH_ITERATIONS:-1000000}
DISPATCH_ROUNDS=${BENCH_DISPATCH_ROUNDS:-7}
COLD_RUNS=${BENCH_COLD_RUNS:-50}
COMPILED_ITER=${BENCH_COMPILED_ITERATIONS:-200}
OUT=$CARGO_TARGET_DIR/bench-results
mkdir -p "$OUT"
RESULTS=$OUT/results.jsonl
: > "$RESULTS"
rm -f "$OUT"/minilm*.log "$OUT/dispatch.log" "$OUT/load.txt"
unset BENCH_ENCODE_FAST   # the flags below decide

# Section headers also record the load average (other builds share the 2 cores).
log() {
  printf '\n== %s\n' "$*" >&2
  printf '%s  load %s  %s\n' "$(date -u +%T)" "$(cut -d' ' -f1-3 /proc/loadavg)" "$*" >> "$OUT/load.txt"
}

# collect TAG LOG: show the output on stderr, append it to LOG, and add its JSON
# lines (tagged with TAG, e.g. "round":3,) to the results.
collect() {
  local tag=$1 logfile=$2 tmp
  tmp=$(mktemp)
  cat > "$tmp"
  cat "$tmp" >&2
  cat "$tmp" >> "$logfile"
  grep '^{' "$tmp" | sed "s/^{/{$tag/" >> "$RESULTS" || true
  rm -f "$tmp"
}

log "machine"
{
  echo "date: $(date -u +%FT%TZ)"
  echo "cpu: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ //'), $(nproc) cores"
  echo "load average: $(cut -d' ' -f1-3 /proc/loadavg)"
  awk '/^cpu /{print "cpu steal since boot: " 100*$9/($2+$3+$4+$5+$6+$7+$8+$9) "%"}' /proc/stat
  echo "rustc: $(rustc --version)"
  echo "git: $(git rev-parse --short HEAD 2>/dev/null || echo '?') ($(git status --porcelain 2>/dev/null | wc -l) files changed or untracked)"
  echo "python: $("$VENV/bin/python" -c 'import sys, onnxruntime, tokenizers, numpy; print(sys.version.split()[0], "onnxruntime", onnxruntime.__version__, "tokenizers", tokenizers.__version__, "numpy", numpy.__version__)')"
} | tee "$OUT/machine.txt" >&2

log "build (release)"
cargo build --release -p omexc >&2
cargo build --release -p omex-runtime --example bench_minilm --example bench_dispatch >&2
OMEXC=$CARGO_TARGET_DIR/release/omexc
BENCH_MINILM=$CARGO_TARGET_DIR/release/examples/bench_minilm
BENCH_DISPATCH=$CARGO_TARGET_DIR/release/examples/bench_dispatch

log "compile the embedding recipe with omexc (padded as configured, and padding off)"
MODELS_PARENT=$(dirname "$MODEL_DIR")
"$OMEXC" build examples/minilm-embed.plan --model-path "$MODELS_PARENT" -o "$OUT/minilm-embed.mep" >&2
sed 's|tokenizer("minilm-l6-int8/tokenizer.json")|tokenizer("minilm-l6-int8/tokenizer.json", padding: false)|' \
  examples/minilm-embed.plan > "$OUT/minilm-embed-unpadded.plan"
grep -q 'padding: false' "$OUT/minilm-embed-unpadded.plan"
"$OMEXC" build "$OUT/minilm-embed-unpadded.plan" --model-path "$MODELS_PARENT" -o "$OUT/minilm-embed-unpadded.mep" >&2

log "MiniLM end to end: omexc VM, hand-written Rust and Python interleaved in one process"
# The VM runs the program the compiler emits (with EXEC_CTL threads, without the
# model unload); Python runs as a child (bench/minilm_python.py --serve).
"$BENCH_MINILM" --iterations "$ITER" --rounds "$ROUNDS" --threads "$THREADS" --padding both \
  --encode-fast --python "$VENV/bin/python" --model-dir "$MODEL_DIR" --json \
  | collect "" "$OUT/minilm.log"

log "MiniLM: the Python script on its own"
"$VENV/bin/python" bench/minilm_python.py --iterations "$ITER" --rounds "$ROUNDS" --threads "$THREADS" \
  --padding both --model-dir "$MODEL_DIR" --json | collect '"standalone":true,' "$OUT/minilm-python.log"

log "MiniLM: the .mep files omexc builds, as emitted, in a VM that keeps models (ONNX Runtime's default threads on both sides)"
"$BENCH_MINILM" --iterations "$COMPILED_ITER" --rounds 3 --overhead-iterations 0 --threads 0 --padding both --encode-fast \
  --model-dir "$MODEL_DIR" --mep-padded "$OUT/minilm-embed.mep" \
  --mep-unpadded "$OUT/minilm-embed-unpadded.mep" --json | collect '"compiled_mep":true,' "$OUT/minilm-compiled.log"

log "dispatch cost"
BENCH_JSON=1 "$BENCH_DISPATCH" "$DISPATCH_ITER" "$DISPATCH_ROUNDS" | collect "" "$OUT/dispatch.log"

log "cold start of omexc run"
"$OMEXC" asm examples/mep/echo.mepasm -o "$OUT/echo.mep" >&2
if command -v hyperfine > /dev/null; then
  hyperfine -N --warmup 5 --runs "$COLD_RUNS" --export-json "$OUT/cold.json" \
    -n "/bin/true" "/bin/true" \
    -n "omexc --version" "$OMEXC --version" \
    -n "omexc run echo.mepasm -- x" "$OMEXC run examples/mep/echo.mepasm -- x" \
    -n "omexc run echo.mep -- x" "$OMEXC run $OUT/echo.mep -- x" >&2
  "$VENV/bin/python" - "$OUT/cold.json" >> "$RESULTS" <<'EOF'
import json, statistics, sys
for r in json.load(open(sys.argv[1]))["results"]:
    t = sorted(x * 1e3 for x in r["times"])
    p90 = t[min(len(t), max(1, -(-9 * len(t) // 10))) - 1]
    print(json.dumps({"bench": "cold", "command": r["command"], "n": len(t),
                      "median_ms": round(statistics.median(t), 3), "p90_ms": round(p90, 3),
                      "min_ms": round(t[0], 3)}))
EOF
else
  for target in examples/mep/echo.mepasm "$OUT/echo.mep"; do
    "$VENV/bin/python" - "$OMEXC" "$target" "$COLD_RUNS" >> "$RESULTS" <<'EOF'
import json, os, statistics, subprocess, sys, time
omexc, target, n = sys.argv[1], sys.argv[2], int(sys.argv[3])
for _ in range(5):
    subprocess.run([omexc, "run", target, "--", "x"], check=True, stdout=subprocess.DEVNULL)
t = []
for _ in range(n):
    t0 = time.perf_counter()
    subprocess.run([omexc, "run", target, "--", "x"], check=True, stdout=subprocess.DEVNULL)
    t.append((time.perf_counter() - t0) * 1e3)
t.sort()
print(json.dumps({"bench": "cold", "command": "omexc run " + os.path.basename(target) + " -- x", "n": n,
                  "median_ms": round(statistics.median(t), 3),
                  "p90_ms": round(t[min(n, max(1, -(-9 * n // 10))) - 1], 3), "min_ms": round(t[0], 3)}))
EOF
  done
fi

log "summary ($RESULTS)"
cat "$OUT/load.txt" >&2
"$VENV/bin/python" bench/summarize.py "$RESULTS" | tee "$OUT/summary.md"
