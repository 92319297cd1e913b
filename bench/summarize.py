#!/usr/bin/env python3
"""Turns the JSON lines bench/run_all.sh collects into Markdown tables.

    python3 bench/summarize.py target-bench/bench-results/results.jsonl

End-to-end rows come from one `bench_minilm --python` process: the omexc VM,
the hand-written Rust pipeline and the Python pipeline (a child process)
interleaved block by block. Medians and p90 are over every timed call; the
brackets give the min..max of the per-round medians (the spread); ratios are
VM / other, of the medians, with the min..max of the per-round ratios.
"""

import json
import sys
from collections import defaultdict

PAD = {True: "128 (configured)", False: "off"}


def main(path):
    rows = [json.loads(line) for line in open(path) if line.strip().startswith("{")]
    e2e = defaultdict(dict)  # (threads, padding) -> impl -> row
    compiled = defaultdict(dict)
    standalone = []
    no_model = defaultdict(dict)
    dispatch, cold = [], []
    for r in rows:
        b = r["bench"]
        if b == "minilm" and r.get("standalone"):
            standalone.append(r)
        elif b == "minilm" and r.get("compiled_mep"):
            compiled[(r["threads"], r["padding"])][r["impl"]] = r
        elif b == "minilm":
            e2e[(r["threads"], r["padding"])][r["impl"]] = r
        elif b == "minilm_no_model":
            no_model[r["padding"]][r["impl"]] = r
        elif b == "dispatch":
            dispatch.append(r)
        elif b == "cold":
            cold.append(r)

    def order(kv):
        (threads, padding) = kv[0]
        return (not padding, threads)

    def ms(r):
        return f"{r['median_ms']:.3f} [{r['round_median_min_ms']:.3f}..{r['round_median_max_ms']:.3f}]"

    def ratio(r):
        return f"{r['vm_ratio']:.3f} [{r['vm_ratio_round_min']:.3f}..{r['vm_ratio_round_max']:.3f}]"

    if e2e:
        n = next(iter(next(iter(e2e.values())).values()))
        print(f"### MiniLM int8, batch 1, end to end, interleaved in one process "
              f"({n['rounds']} rounds, n = {n['n']} calls per side)\n")
        print("ms: median over all calls [min..max of the round medians]; ratio: VM / other, "
              "of the medians [min..max of the round ratios]\n")
        print("| intra-op threads | padding | omexc VM | VM p90 | Rust direct | direct p90 "
              "| Python | Python p90 | VM / direct | VM / Python |")
        print("|---:|:--|--:|--:|--:|--:|--:|--:|--:|--:|")
        for (threads, padding), by in sorted(e2e.items(), key=order):
            vm, d, py = by.get("omexc_vm"), by.get("rust_direct"), by.get("python")
            cells = [str(threads), PAD[padding]]
            for side in (vm, d, py):
                cells += [ms(side), f"{side['p90_ms']:.3f}"] if side else ["-", "-"]
            cells += [ratio(d) if d else "-", ratio(py) if py else "-"]
            print("| " + " | ".join(cells) + " |")
        print()

    if no_model:
        print("### Everything but the model (stub model backend; us per embedding)\n")
        print("median [min..max of the round medians] (p90); VM - other: difference of the medians "
              "[min..max over rounds]\n")
        print("| padding | omexc VM | Rust direct | Python | VM - direct | VM - Python |")
        print("|:--|--:|--:|--:|--:|--:|")
        for padding, by in sorted(no_model.items(), key=lambda kv: not kv[0]):
            cells = [PAD[padding]]
            for name in ("omexc_vm", "rust_direct", "python"):
                r = by.get(name)
                cells.append(f"{r['median_us']:.1f} ({r['p90_us']:.1f})" if r else "-")
            for name in ("rust_direct", "python"):
                r = by.get(name)
                cells.append(f"{r['vm_extra_us']:+.1f} [{r['vm_extra_round_min_us']:+.1f}..{r['vm_extra_round_max_us']:+.1f}]"
                             if r else "-")
            print("| " + " | ".join(cells) + " |")
        print()

    if compiled:
        print("### MiniLM with the .mep files `omexc build` emits, as emitted (ONNX Runtime default threads)\n")
        print("| padding | VM median | VM p90 | direct median | direct p90 | VM / direct |")
        print("|:--|--:|--:|--:|--:|--:|")
        for (threads, padding), by in sorted(compiled.items(), key=order):
            vm, d = by.get("omexc_vm"), by.get("rust_direct")
            if vm and d:
                print(f"| {PAD[padding]} | {ms(vm)} | {vm['p90_ms']:.3f} | {ms(d)} | {d['p90_ms']:.3f} | {ratio(d)} |")
        print()

    if standalone:
        print("### Python script on its own (`bench/minilm_python.py`, one process)\n")
        print("| intra-op threads | padding | median ms [round min..max] | p10 | p90 |")
        print("|---:|:--|--:|--:|--:|")
        for r in sorted(standalone, key=lambda r: (not r["padding"], r["threads"])):
            print(f"| {r['threads']} | {PAD[r['padding']]} | {r['median_ms']:.3f} "
                  f"[{r['round_median_min_ms']:.3f}..{r['round_median_max_ms']:.3f}] "
                  f"| {r['p10_ms']:.3f} | {r['p90_ms']:.3f} |")
        print()

    if dispatch:
        print("### Dispatch (ns per executed instruction; median [min..max] over rounds)\n")
        print("| program | instructions per iteration | ns / instruction | marginal ns of one body instruction |")
        print("|:--|--:|--:|--:|")
        by = {r["program"]: r for r in dispatch}
        per_it = {k: r["ns_per_instr_median"] * r["instr_per_iteration"] for k, r in by.items()}
        loop = per_it.get("loop_only")
        copy = (per_it["copy_x10"] - loop) / 10 if loop is not None and "copy_x10" in per_it else 0.0
        for r in dispatch:
            name = r["program"]
            marginal = "-"
            if loop is not None and name.endswith("_x10"):
                extra = copy if name == "branch_x10" else 0.0
                marginal = f"{(per_it[name] - loop - extra) / 10:.1f}"
            elif name == "loop_only":
                marginal = f"{loop:.1f} (FLOW_LOOP_END)"
            print(f"| {name} | {r['instr_per_iteration']} | {r['ns_per_instr_median']:.1f} "
                  f"[{r['ns_per_instr_min']:.1f}..{r['ns_per_instr_max']:.1f}] | {marginal} |")
        print()

    if cold:
        print("### Cold start (process start to exit, warm page cache; ms)\n")
        print("| command | runs | median | p90 | min |")
        print("|:--|--:|--:|--:|--:|")
        for r in cold:
            print(f"| `{r['command']}` | {r['n']} | {r['median_ms']:.2f} | {r['p90_ms']:.2f} | {r['min_ms']:.2f} |")
        print()


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "target-bench/bench-results/results.jsonl")
