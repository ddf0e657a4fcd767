#!/usr/bin/env bash
# Batch-encoding scaling past 2 threads, as one prepared run on a many-core machine that has no
# network (the 16-core machine some sessions are lent; nothing can be fetched there).
#
#   scripts/device_scaling.sh --prepare     # here: tiktoken's files for cl100k/o200k into .devcache/
#   scripts/device_scaling.sh [OUTDIR]      # there (carry .devcache): build, then the benchmarks
#
# What it needs there: python3 with numpy, regex and pybind11, cmake and a C++17 compiler
# (tiktoken and tokenizers are used when present). It builds tokenizer/_core in place, then runs
# bench_encode.py's thread-scaling table (cl100k_base, 1, 2, 4, ... up to all CPUs) and its main
# table (one thread and all threads, against tiktoken's batch when tiktoken is there) and writes
# both, with the machine's description, to OUTDIR (default $OUT, else ./device-out). About 3-5
# minutes on 16 cores; THREADS and MB override the thread count and the MB of text per domain.
set -euo pipefail
cd "$(dirname "$0")/.."
py=${PYTHON:-python3}

if [ "${1:-}" = "--prepare" ]; then
  # tiktoken's cache names its files by the SHA-1 of their URL; tokenizer.interop reads them there
  # too, so TIKTOKEN_CACHE_DIR=.devcache serves codebpe and tiktoken alike, offline.
  mkdir -p .devcache
  exclude=$(git rev-parse --git-path info/exclude)  # (a worktree's .git is a file)
  mkdir -p "$(dirname "$exclude")"
  grep -qx '/.devcache/' "$exclude" 2>/dev/null || echo '/.devcache/' >>"$exclude"
  "$py" - <<'EOF'
import hashlib, shutil
from pathlib import Path
from tokenizer.interop import KNOWN_ENCODINGS, _read_maybe_gz, find_tiktoken_file
for name in ("cl100k_base", "o200k_base"):
    url = KNOWN_ENCODINGS[name][2]
    dst = Path(".devcache") / hashlib.sha1(url.encode()).hexdigest()
    dst.write_bytes(_read_maybe_gz(find_tiktoken_file(name)))
    print(f"{name}: {dst} ({dst.stat().st_size:,} bytes)")
EOF
  echo "carry .devcache in the run; e.g. command: scripts/device_scaling.sh"
  exit 0
fi

out=${1:-${OUT:-device-out}}
mkdir -p "$out"
[ -d .devcache ] || { echo "device_scaling.sh: no .devcache/ (run --prepare here and carry it)" >&2; exit 1; }
export TIKTOKEN_CACHE_DIR="$PWD/.devcache" CODEBPE_OFFLINE=1 PYTHONPATH="$PWD" PYTHONUNBUFFERED=1
threads=${THREADS:-$(nproc)}
mb=${MB:-3}
{
  echo "# $(date -u +%FT%TZ) $(nproc) CPUs; $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2-)"
  "$py" --version
  git log -1 --format='commit %h %s' 2>/dev/null || true
} | tee "$out/machine.txt"
PYTHON="$py" scripts/dev_build.sh build-device 2>&1 | tail -n 2
"$py" scripts/bench_encode.py --scaling --threads "$threads" --mb "$mb" 2>&1 | tee "$out/scaling.md"
"$py" scripts/bench_encode.py --threads "$threads" --hf '' --warm-mb 0 --repeat 3 2>&1 |
  tee "$out/bench.md"
