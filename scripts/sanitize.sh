#!/usr/bin/env bash
# Run the test suite against a build of the C++ core with AddressSanitizer + UndefinedBehaviorSanitizer.
#   scripts/sanitize.sh [pytest args...]      e.g. scripts/sanitize.sh -x -q tests/test_native.py
# The sanitized module is built into a temporary copy of the package, so the normal build in
# tokenizer/ is left alone. Any sanitizer report fails the run (halt_on_error).
set -euo pipefail
cd "$(dirname "$0")/.."
py=${PYTHON:-python3}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
# scripts/, docs/ and csrc/ too: some tests run the benchmark scripts, check documented keys or
# check that csrc/unicode_tables.h matches its generator.
cp -r tokenizer tests scripts docs csrc pyproject.toml README.md "$work/"
[ -d corpora ] && cp -r corpora "$work/"
rm -f "$work"/tokenizer/_core*.so
cmake -S csrc -B "$work/build" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCODEBPE_SANITIZE=ON \
  -DCODEBPE_OUTPUT_DIR="$work/tokenizer" -DPython_EXECUTABLE="$(command -v "$py")" \
  -Dpybind11_DIR="$("$py" -m pybind11 --cmakedir)" >/dev/null
cmake --build "$work/build" -j "$(nproc)"
asan=$(g++ -print-file-name=libasan.so)
ubsan=$(g++ -print-file-name=libubsan.so)
# libstdc++ must be preloaded too, or the first C++ exception crashes inside ASan.
stdcxx=$(g++ -print-file-name=libstdc++.so)
# Leak checking is off: CPython itself "leaks" interned objects at exit.
export ASAN_OPTIONS=detect_leaks=0:halt_on_error=1:abort_on_error=1:strict_string_checks=1
export UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1
export CODEBPE_SANITIZED=1
cd "$work"
LD_PRELOAD="$asan $ubsan $stdcxx" "$py" -c "import tokenizer._core as c, sys; assert c.__file__.startswith('$work'), c.__file__" \
  || { echo "sanitize.sh: not testing the sanitized build" >&2; exit 1; }
LD_PRELOAD="$asan $ubsan $stdcxx" PYTHONPATH="$work" "$py" -m pytest -p no:cacheprovider "${@:-tests}"
