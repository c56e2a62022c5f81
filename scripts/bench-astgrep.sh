#!/usr/bin/env bash
# genai-gate `check` against one ast-grep rule on real trees (issue 15): the median wall time of
# ROUNDS interleaved runs of each, and their ratio, per tree. A benchmark that prints figures,
# not a test.
#
#   scripts/bench-astgrep.sh [-n ROUNDS] [-j JOBS] TREE…
#
# ast-grep comes from PyPI (`ast-grep-cli`), installed on first use into tools/bench-venv
# (git-ignored). The rule is the one issue 15 names: `$A.moderations().create($$$)` over the
# tree's Rust files; genai-gate runs `check --no-cache --format json` with the same threads.
set -euo pipefail
cd "$(dirname "$0")/.."

rounds=5
jobs=$(nproc)
trees=()
while [ $# -gt 0 ]; do
  case "$1" in
    -n) rounds=$2; shift 2 ;;
    -j) jobs=$2; shift 2 ;;
    -h|--help) sed -n '2,11p' "$0"; exit 0 ;;
    *) trees+=("$1"); shift ;;
  esac
done
[ ${#trees[@]} -gt 0 ] || { sed -n '2,11p' "$0"; exit 2; }

venv=tools/bench-venv
if [ ! -x "$venv/bin/ast-grep" ]; then
  python3 -m venv "$venv"
  "$venv/bin/pip" install --quiet ast-grep-cli
fi
cargo build --release --quiet --locked -p genai-gate

python3 - "$rounds" "$jobs" "$venv/bin/ast-grep" "${trees[@]}" <<'PY'
import statistics, subprocess, sys, time
rounds, jobs, sg, trees = int(sys.argv[1]), sys.argv[2], sys.argv[3], sys.argv[4:]
gate = ["target/release/genai-gate", "check", "--no-cache", "--format", "json", "-j", jobs]
rule = [sg, "run", "-p", "$A.moderations().create($$$)", "-l", "rust", "-j", jobs]

def wall(cmd):
    t = time.perf_counter()
    subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return time.perf_counter() - t

print(f"{'tree':50} {'check':>8} {'ast-grep':>9} {'check/ast-grep':>15}   (median of {rounds}, {jobs} threads)")
for tree in trees:
    a, b = [], []
    for _ in range(rounds):
        a.append(wall(gate + [tree]))
        b.append(wall(rule + [tree]))
    ma, mb = statistics.median(a), statistics.median(b)
    print(f"{tree:50} {ma:7.3f}s {mb:8.3f}s {ma / mb:14.2f}x")
PY
