#!/usr/bin/env bash
# Real-world sweep: `genai-gate check --format json` over every Rust source in a directory of
# real crates (default: the local cargo registry, ~/.cargo/registry/src), asserting that the
# scanner does not panic, does not hang, reports every file it could not use, and gives the
# same JSON and SARIF for --jobs 1, N and 16. Prints the figures recorded in docs/hardening.md.
#
#   scripts/sweep.sh [DIR]
#
# Environment: SWEEP_TIMEOUT (seconds per run, default 1800), SWEEP_JOBS (default: nproc),
# SWEEP_OUT (where the reports go, default a temporary directory), GENAI_GATE (a binary to
# use instead of building target/release/genai-gate), SWEEP_CACHE=0 (skip the incremental
# cache figures, which need a copy of the corpus in SWEEP_OUT).
set -euo pipefail
cd "$(dirname "$0")/.."

corpus="${1:-$HOME/.cargo/registry/src}"
timeout_s="${SWEEP_TIMEOUT:-1800}"
jobs="${SWEEP_JOBS:-$(nproc)}"
out="${SWEEP_OUT:-$(mktemp -d)}"
mkdir -p "$out"
[ -d "$corpus" ] || { echo "sweep: no directory $corpus" >&2; exit 2; }

if [ -z "${GENAI_GATE:-}" ]; then
    cargo build --release --quiet -p genai-gate
    GENAI_GATE=target/release/genai-gate
fi

fail() { echo "sweep: FAIL: $*" >&2; exit 1; }

# What the walker will see, roughly: .rs files outside target/vendor/hidden directories.
files=$(find "$corpus" \( -name target -o -name vendor -o -name node_modules -o -name third_party -o -name '.?*' \) -prune -o -name '*.rs' -type f -print | wc -l)
lines=$(find "$corpus" \( -name target -o -name vendor -o -name node_modules -o -name third_party -o -name '.?*' \) -prune -o -name '*.rs' -type f -print0 | xargs -0 cat | wc -l)
echo "corpus: $corpus ($files .rs files, $lines lines; $(du -sh "$corpus" | cut -f1))"

# The sweep corpus has no profile: the embedded default applies. Exit 1 (findings) is
# expected; 2 is a usage error, 124 a hang, 134/139 an abort or a crash.
run() {
    local jobs="$1" json="$2" log="$3" format="${4:-json}"
    set +e
    /usr/bin/time -v timeout "$timeout_s" "$GENAI_GATE" --color never check --format "$format" \
        --no-cache --jobs "$jobs" "$corpus" > "$json" 2> "$log"
    local rc=$?
    set -e
    case $rc in
        0|1) ;;
        124) fail "--jobs $jobs: no result within ${timeout_s}s (hang?)" ;;
        *) tail -20 "$log" >&2; fail "--jobs $jobs: exit code $rc" ;;
    esac
    if grep -q "panicked\|overflowed its stack" "$log"; then
        grep -m5 "panicked\|overflowed" "$log" >&2
        fail "--jobs $jobs: a panic was printed"
    fi
}

run "$jobs" "$out/report-jobs$jobs.json" "$out/stderr-jobs$jobs.txt"
wall=$(grep "Elapsed (wall clock)" "$out/stderr-jobs$jobs.txt" | awk '{print $NF}')
rss=$(grep "Maximum resident set size" "$out/stderr-jobs$jobs.txt" | awk '{print $NF}')

python3 - "$out/report-jobs$jobs.json" "$corpus" "$files" <<'EOF'
import json, os, sys
report, corpus, found = json.load(open(sys.argv[1])), sys.argv[2], int(sys.argv[3])
s, diags = report["stats"], report["diagnostics"]
rs = [d for d in diags if d["file"].endswith(".rs")]
by_kind = {}
for d in rs:
    k = d["kind"]
    if k == "parse-error" and "nesting too deep" in d["message"]:
        k = "parse-error (nesting too deep)"
    if k == "skipped":
        k = "skipped (" + d["message"].split(":")[0] + ")"
    by_kind[k] = by_kind.get(k, 0) + 1
print(f"scanned: {s['files']} files, {s['rust_files']} Rust files, {s['rust_lines']} Rust lines, "
      f"{s['config_files']} config files, {s['documents']} documents")
print(f"endpoints: {len(report['endpoints'])}; findings: {len(report['findings'])}")
for k, n in sorted(by_kind.items()):
    print(f"  {k}: {n} .rs files")
# Parsed plus skipped .rs files should be every .rs file found (.gitignore may hide some).
skipped = sum(1 for d in rs if d["kind"] == "skipped")
print(f"accounted for: {s['rust_files']} parsed + {skipped} skipped = "
      f"{s['rust_files'] + skipped} of {found} .rs files found")
internal = [d for d in diags if d["kind"] == "internal-error"]
for d in internal:
    print(f"  internal error: {d['file']}: {d['message']}")
# Every reported file exists, and every unusable Rust file is named with a reason.
for d in diags:
    if d["file"] and d["kind"] != "skipped" and not os.path.lexists(os.path.join(corpus, d["file"])):
        sys.exit(f"sweep: FAIL: diagnostic names a missing file: {d}")
for d in rs:
    if not d["message"]:
        sys.exit(f"sweep: FAIL: diagnostic without a reason: {d}")
if internal:
    sys.exit("sweep: FAIL: internal errors (caught panics)")
EOF
echo "time (--jobs $jobs): $wall wall, peak RSS ${rss} KB"

if [ "$jobs" != 1 ]; then
    run 1 "$out/report-jobs1.json" "$out/stderr-jobs1.txt"
    cmp -s "$out/report-jobs1.json" "$out/report-jobs$jobs.json" \
        || fail "--jobs 1 and --jobs $jobs give different JSON (see $out)"
    wall1=$(grep "Elapsed (wall clock)" "$out/stderr-jobs1.txt" | awk '{print $NF}')
    rss1=$(grep "Maximum resident set size" "$out/stderr-jobs1.txt" | awk '{print $NF}')
    echo "time (--jobs 1): $wall1 wall, peak RSS ${rss1} KB; JSON identical to --jobs $jobs"
fi
# Determinism on more threads than cores, and in SARIF too: JSON for --jobs 16, SARIF for
# --jobs 1, N and 16, byte for byte.
run 16 "$out/report-jobs16.json" "$out/stderr-jobs16.txt"
cmp -s "$out/report-jobs$jobs.json" "$out/report-jobs16.json" \
    || fail "--jobs $jobs and --jobs 16 give different JSON (see $out)"
for j in 1 "$jobs" 16; do
    run "$j" "$out/report-jobs$j.sarif" "$out/stderr-sarif$j.txt" sarif
done
for j in "$jobs" 16; do
    cmp -s "$out/report-jobs1.sarif" "$out/report-jobs$j.sarif" \
        || fail "--jobs 1 and --jobs $j give different SARIF (see $out)"
done
echo "determinism: JSON identical for --jobs 1, $jobs and 16; SARIF identical for --jobs 1, $jobs and 16"
# The lexical pre-pass (check --prefilter) must give the same endpoints, control verdicts and
# findings; it does not report parse errors in files it leaves unparsed.
start=$(date +%s.%N)
"$GENAI_GATE" --color never check --format json --no-cache --prefilter --jobs "$jobs" "$corpus" \
    > "$out/report-prefilter.json" 2> /dev/null || true
end=$(date +%s.%N)
python3 - "$out/report-jobs$jobs.json" "$out/report-prefilter.json" "$(echo "$end - $start" | bc)" <<'EOF2'
import json, sys
full, pre = json.load(open(sys.argv[1])), json.load(open(sys.argv[2]))
for key in ("endpoints", "controls", "findings"):
    if full[key] != pre[key]:
        sys.exit(f"sweep: FAIL: --prefilter changes the {key}")
print(f"prefilter: {pre['stats'].get('prefiltered_out', 0)} of {pre['stats']['rust_files']} Rust files "
      f"left unparsed, {sys.argv[3]}s; endpoints, controls and findings identical "
      f"({len(pre['diagnostics'])} diagnostics against {len(full['diagnostics'])})")
EOF2

# The incremental cache, on a copy of the corpus (one file of it is changed), in a cache
# directory of its own (never inside the scanned tree): a cold run that fills it, a warm run,
# and a run after changing one file.
if [ "${SWEEP_CACHE:-1}" = 1 ]; then
    copy="$out/corpus"
    rm -rf "$copy" "$out/cache" && cp -r "$corpus" "$copy"
    timed() {
        local start end
        start=$(date +%s.%N)
        "$GENAI_GATE" --color never check --format json --jobs "$jobs" --cache-dir "$out/cache" "$copy" > "$out/$1.json" 2> /dev/null || true
        end=$(date +%s.%N)
        echo "$end - $start" | bc
    }
    cold=$(timed cache-cold)
    warm=$(timed cache-warm)
    one=$(find "$copy" -name '*.rs' -path '*/src/*' -print -quit)
    echo "// touched" >> "$one"
    changed=$(timed cache-one-changed)
    cmp -s "$out/report-jobs$jobs.json" "$out/cache-cold.json" \
        || fail "filling the cache changes the report"
    cmp -s "$out/cache-cold.json" "$out/cache-warm.json" || fail "a warm cache changes the report"
    echo "cache: cold (filling) ${cold}s, warm ${warm}s, after one changed file ${changed}s ($(du -sh "$out/cache" | cut -f1) of cache)"
    rm -rf "$copy" "$out/cache"
fi
echo "sweep: ok (reports in $out)"
