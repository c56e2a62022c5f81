#!/usr/bin/env bash
# Accuracy on real services: runs `genai-gate check --format json` on every labelled tree found
# under .realworld/ and compares the report with tests/realworld/labels/*.toml.
#
#   scripts/realworld.sh            every labelled tree that is present
#   scripts/realworld.sh NAME…      only these (label file names without .toml, or substrings)
#   -v                              list every miss, false alarm and disagreement
#   GENAI_GATE_BIN=path             use this binary instead of building target/release/genai-gate
#
# A reported endpoint matches a label of the same method (or ANY) whose route is the same,
# parameters read as one segment each, and a leading unresolved prefix (`/{?}/x`) may be empty;
# a reported catch-all (`/{*path}`) covers one label whose
# route it covers that nothing else matches.
#
# A development tool: CI has neither the network nor the trees. See tests/realworld/README.md.
set -euo pipefail
cd "$(dirname "$0")/.."

verbose=0
names=()
for a in "$@"; do
  case "$a" in
    -v|--verbose) verbose=1 ;;
    -h|--help) sed -n '2,14p' "$0"; exit 0 ;;
    *) names+=("$a") ;;
  esac
done

bin=${GENAI_GATE_BIN:-target/release/genai-gate}
if [ -z "${GENAI_GATE_BIN:-}" ]; then
  cargo build --release --quiet --locked -p genai-gate
fi
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT

python3 - "$bin" "$out" "$verbose" "${names[@]+"${names[@]}"}" <<'PY'
import json, os, re, subprocess, sys, time, tomllib

binary, out, verbose, wanted = sys.argv[1], sys.argv[2], sys.argv[3] == "1", sys.argv[4:]
ASPECTS = [("input_moderation", "moderation.input", "before"),
           ("output_moderation", "moderation.output", "after"),
           ("user_check", "user.check", "before"),
           ("audit_record", "audit.record", None)]

def norm_route(r):
    # Named endpoints (GraphQL fields, `gradio:fn`, `tool:name`) are compared as written.
    if not r.startswith("/") and not r.startswith("{"):
        return r
    # {id}, :id, <id>, *rest and {*rest} all read as one parameter; no trailing slash.
    r = re.sub(r"\{[^}]*\}|<[^>]*>|:[A-Za-z_][A-Za-z0-9_]*|\*[A-Za-z_][A-Za-z0-9_]*", "{}", r)
    r = r.rstrip("/") or "/"
    return r if r.startswith("/") else "/" + r

def same_route(lr, rr):
    # A parameter segment of the report (an unresolved prefix such as `{prefix}`, from a
    # setting read at run time) matches any one segment of the label.
    a, b = norm_route(lr), norm_route(rr)
    if a == b:
        return True
    if not (a.startswith("/") and b.startswith("/")):
        return False
    sa, sb = a.split("/"), b.split("/")
    if len(sa) == len(sb) and all(x == y or y == "{}" for x, y in zip(sa, sb)):
        return True
    # A leading prefix the report could not resolve (`/{?}/inference`: a router nested under
    # a base path read at run time, empty by default) may be empty: the route without it.
    return len(sb) == len(sa) + 1 and sb[1] == "{}" and sa[1:] == sb[2:]

def same(lm, lr, rm, rr):
    return (lm == rm or "ANY" in (lm, rm)) and same_route(lr, rr)

CATCH_ALL = re.compile(r"^(\{\*[^}]*\}|\*[A-Za-z_][A-Za-z0-9_]*)$")

def covers(lm, lr, rm, rr):
    # A reported catch-all (`/{*path}`, `/v1/{*rest}`) covers a label whose route starts with
    # the segments before it and goes on; each catch-all stands for at most one label.
    if not (lm == rm or "ANY" in (lm, rm)) or not rr.startswith("/") or not lr.startswith("/"):
        return False
    rs = rr.rstrip("/").split("/")
    if not CATCH_ALL.match(rs[-1]):
        return False
    head = norm_route("/".join(rs[:-1]) or "/").rstrip("/").split("/")
    ls = norm_route(lr).split("/")
    return len(ls) > len(head) and all(x == y or y == "{}" for x, y in zip(ls, head))

def present(ep, cap, side):
    ev = ep.get("capabilities", {}).get(cap, [])
    if side is None:
        return bool(ev)
    # without a located generation site every hit is unordered and counts wherever it is
    return any(e.get("order") in (None, side) for e in ev)

labels = sorted(f for f in os.listdir("tests/realworld/labels") if f.endswith(".toml"))
if wanted:
    labels = [f for f in labels if any(w in f for w in wanted)]
rows = []
KEYS = ["lab", "found", "rep", "tp", "agree", "judged", "allagree", "traps", "eps"]
totals = {}
for f in labels:
    lab = tomllib.load(open(os.path.join("tests/realworld/labels", f), "rb"))
    repo = lab["repo"]
    tree = os.path.join(".realworld", repo["tree"])
    root = os.path.join(tree, repo.get("root", "")) if repo.get("root") else tree
    if not os.path.isdir(root):
        print(f"{repo['tree']}: not present under .realworld/ (skipped)")
        continue
    t0 = time.time()
    p = subprocess.run([binary, "check", root, "--format", "json", "--no-cache"],
                       capture_output=True, text=True)
    secs = time.time() - t0
    if p.returncode not in (0, 1):
        print(f"{repo['tree']}: genai-gate exited {p.returncode}: {p.stderr.strip()[:300]}")
        continue
    rep = json.loads(p.stdout)
    eps = rep["endpoints"]
    gen_rep = [e for e in eps if e.get("generates")]
    gen_lab = [e for e in lab.get("endpoint", []) if e.get("generates")]
    notes = []
    found = 0
    agree = judged = allagree = 0
    # Labels no reported route matches as written may each be covered by one catch-all.
    covering = {}
    for i, le in enumerate(gen_lab):
        if any(same(le["method"], le["route"], e["method"], e["route"]) for e in gen_rep):
            continue
        for j, e in enumerate(gen_rep):
            if j not in covering.values() and covers(le["method"], le["route"], e["method"], e["route"]):
                covering[i] = j
                break
    for i, le in enumerate(gen_lab):
        m = [e for e in gen_rep if same(le["method"], le["route"], e["method"], e["route"])]
        if not m and i in covering:
            m = [gen_rep[covering[i]]]
        if not m:
            any_ep = [e for e in eps if same(le["method"], le["route"], e["method"], e["route"])]
            why = "listed, not generating" if any_ep else "not found"
            notes.append(f"  miss   {le['method']} {le['route']} ({why}; {le['handler']})")
            continue
        found += 1
        e = m[0]
        ok_all = True
        for key, cap, side in ASPECTS:
            want = bool(le.get(key, False))
            got = present(e, cap, side)
            judged += 1
            if want == got:
                agree += 1
            else:
                ok_all = False
                notes.append(f"  differ {le['method']} {le['route']}: {key} labelled {want}, reported {got}")
        allagree += ok_all
    tp = 0
    for j, e in enumerate(gen_rep):
        lm = [le for le in lab.get("endpoint", []) if same(le["method"], le["route"], e["method"], e["route"])]
        if j in covering.values():
            lm = lm + [gen_lab[i] for i, cj in covering.items() if cj == j]
        if any(le.get("generates") for le in lm):
            tp += 1
        else:
            why = "labelled not generating" if lm else "not labelled"
            site = e.get("generation", {}).get("sites", [])
            notes.append(f"  false  {e['method']} {e['route']} ({why}; {e['handler']}; sites {site[:2]})")
    # Traps: places that look like evidence but are not; no capability may cite them.
    traps = 0
    for trap in lab.get("trap", []):
        tfile, tline = trap["at"].rsplit(":", 1)
        for e in eps:
            for cap, evs in e.get("capabilities", {}).items():
                for ev in evs:
                    if ev["file"] == tfile and str(ev["line"]) == tline:
                        traps += 1
                        notes.append(f"  trap   {trap['at']} counted as {cap} on {e['method']} {e['route']}")
    rows.append((repo["tree"], len(gen_lab), found, len(gen_rep), tp, agree, judged, allagree, traps, secs))
    lang = repo.get("language", "rust")
    for key in ("total", f"total ({lang})"):
        t = totals.setdefault(key, dict.fromkeys(KEYS, 0))
        for k, v in zip(KEYS, [len(gen_lab), found, len(gen_rep), tp, agree, judged, allagree, traps, found]):
            t[k] += v
    if verbose and notes:
        print(f"{repo['tree']}:")
        print("\n".join(notes))

def ratio(a, b):
    return f"{a / b:.2f}" if b else "  - "

print()
print(f"{'repository':44} {'recall':>11} {'precision':>11} {'verdicts':>11} {'all four':>9} {'traps':>5} {'time':>6}")
for name, lab_n, found, rep_n, tp, agree, judged, allagree, traps, secs in rows:
    print(f"{name:44} {ratio(found, lab_n):>5} {found:>2}/{lab_n:<3} {ratio(tp, rep_n):>5} {tp:>2}/{rep_n:<3} "
          f"{ratio(agree, judged):>5} {agree:>2}/{judged:<3} {ratio(allagree, found):>9} {traps:>5} {secs:>5.1f}s")
for name in sorted(totals, key=lambda n: (n != "total", n)):
    tot = totals[name]
    print(f"{name:44} {ratio(tot['found'], tot['lab']):>5} {tot['found']:>2}/{tot['lab']:<3} "
          f"{ratio(tot['tp'], tot['rep']):>5} {tot['tp']:>2}/{tot['rep']:<3} "
          f"{ratio(tot['agree'], tot['judged']):>5} {tot['agree']:>2}/{tot['judged']:<3} "
          f"{ratio(tot['allagree'], tot['eps']):>9} {tot['traps']:>5}")
PY
