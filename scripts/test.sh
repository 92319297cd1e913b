#!/usr/bin/env bash
# The test suite (README's test command; `.ci/run` runs it after fmt and clippy).
# Installs the Debian packages some tests use when they are missing:
#   tesseract-ocr, tesseract-ocr-eng  the OCR engine of the BIR document pipeline
#   postgresql                        the compute board's tests start a private server
# then runs `cargo test --workspace --locked` (extra arguments are passed on).
set -euo pipefail
cd "$(dirname "$0")/.."

need=()
command -v tesseract > /dev/null 2>&1 || need+=(tesseract-ocr tesseract-ocr-eng)
if ! command -v initdb > /dev/null 2>&1 && ! ls /usr/lib/postgresql/*/bin/initdb > /dev/null 2>&1; then
  need+=(postgresql)
fi
if ((${#need[@]})); then
  echo "== installing ${need[*]} (Debian packages the tests use)"
  sudo=""
  [ "$(id -u)" -eq 0 ] || sudo=sudo
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${need[@]}" > /dev/null
fi

echo "== cargo test --workspace"
exec cargo test --workspace --locked "$@"
