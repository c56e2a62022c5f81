#!/usr/bin/env bash
# The `Check` step of action.yml. Inputs arrive as environment variables (never interpolated
# into the script), so nothing a pull request controls is ever executed as shell.
set -euo pipefail

bin=${GENAI_GATE:-genai-gate}
# Fail closed: a file that could hold an endpoint or a model call and was not fully analysed
# fails the step (`extra-args: --no-fail-closed` turns that into a warning).
args=(check "${INPUT_PATH:-.}" --format github --fail-on "${INPUT_FAIL_ON:-error}" --fail-closed)

sarif=${INPUT_SARIF_FILE:-genai-gate.sarif}
if [ -n "$sarif" ]; then
  args+=(--output "sarif=$sarif")
fi

# The profile, what it loads and the baseline: from the pull request's base commit on
# pull_request events (so a pull request cannot weaken its own gate; its changes to the gate
# are still reported as tamper findings), else from the checked-out tree.
profile_from=${INPUT_PROFILE_FROM:-}
if [ -z "$profile_from" ]; then
  if [ -n "${PR_BASE_SHA:-}" ]; then profile_from=base; else profile_from=head; fi
fi
case "$profile_from" in
  base)
    base=${PR_BASE_SHA:-${INPUT_CHANGED_SINCE:-}}
    if [ -z "$base" ]; then
      echo "::error title=genai-gate::profile-from: base needs a base commit (a pull_request event or changed-since)"
      exit 2
    fi
    args+=(--profile-from "$base")
    ;;
  head) ;;
  *)
    echo "::error title=genai-gate::profile-from must be base or head"
    exit 2
    ;;
esac
if [ -n "${INPUT_CONFIG:-}" ]; then
  args+=(--profile "$INPUT_CONFIG")
fi

# The HTML compliance report, for the upload step; links go to the checked-out commit.
html=""
case "${INPUT_HTML_REPORT:-false}" in
  true)
    html="${RUNNER_TEMP:-${TMPDIR:-/tmp}}/genai-gate-report/genai-gate-report.html"
    args+=(--output "html=$html")
    if [ -n "${GITHUB_SERVER_URL:-}" ] && [ -n "${GITHUB_REPOSITORY:-}" ]; then
      args+=(--link-template "$GITHUB_SERVER_URL/$GITHUB_REPOSITORY/blob/{commit}/{path}#L{line}")
    fi
    ;;
  false | "") ;;
  *)
    echo "::error title=genai-gate::html-report must be \"true\" or \"false\", not \"$INPUT_HTML_REPORT\""
    exit 2
    ;;
esac

changed=${INPUT_CHANGED_SINCE:-${PR_BASE_SHA:-}}
if [ -n "$changed" ]; then
  args+=(--changed-since "$changed")
fi
if [ -n "${INPUT_BASELINE:-}" ]; then
  args+=(--baseline "$INPUT_BASELINE")
fi
if [ -n "${INPUT_EXTRA_ARGS:-}" ]; then
  # Split on white space only: no globbing, no expansion.
  set -f
  read -r -a extra <<< "$INPUT_EXTRA_ARGS"
  set +f
  args+=("${extra[@]}")
fi

status=0
"$bin" "${args[@]}" || status=$?
if [ -n "$sarif" ] && [ -n "${GITHUB_OUTPUT:-}" ] && ! grep -q '^sarif-file=' "$GITHUB_OUTPUT" 2>/dev/null; then
  echo "sarif-file=$sarif" >> "$GITHUB_OUTPUT"
fi
if [ -n "$html" ] && [ -f "$html" ] && [ -n "${GITHUB_OUTPUT:-}" ]; then
  echo "html-report=$html" >> "$GITHUB_OUTPUT"
fi
exit "$status"
