#!/usr/bin/env bash
# Build tokenizer/_core in place for development: `scripts/dev_build.sh [--sanitize] [build-dir]`.
# Then `PYTHONPATH=. pytest` runs against the fresh build without reinstalling.
set -euo pipefail
cd "$(dirname "$0")/.."
sanitize=OFF
if [ "${1:-}" = "--sanitize" ]; then sanitize=ON; shift; fi
build=${1:-build}
py=${PYTHON:-python3}
cmake -S csrc -B "$build" -DCMAKE_BUILD_TYPE=Release -DCODEBPE_SANITIZE="$sanitize" \
  -DPython_EXECUTABLE="$(command -v "$py")" \
  -Dpybind11_DIR="$("$py" -m pybind11 --cmakedir)" >/dev/null
cmake --build "$build" -j "$(nproc)"
