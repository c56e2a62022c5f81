#!/usr/bin/env bash
# The `Check` step of action.yml. Inputs arrive as environment variables (never interpolated
# into the script), so nothing a pull request controls is ever executed as shell.
set -euo pipefail

bin=${GENAI_GATE:-genai-gate}
args=(check "${INPUT_PATH:-.}" --format github --fail-on "${INPUT_FAIL_ON:-error}")

sarif=${INPUT_SARIF_FILE:-genai-gate.sarif}
if [ -n "$sarif" ]; then
  args+=(--output "sarif=$sarif")
fi

# The profile: from the checked-out tree, or from the pull request's base commit so that a
# pull request cannot weaken its own gate.
if [ "${INPUT_PROFILE_FROM:-head}" = "base" ]; then
  base=${INPUT_CHANGED_SINCE:-${PR_BASE_SHA:-}}
  if [ -z "$base" ]; then
    echo "::error title=genai-gate::profile-from: base needs a base commit (a pull_request event or changed-since)"
    exit 2
  fi
  profile_path=${INPUT_CONFIG:-genai-gate.toml}
  base_profile="${RUNNER_TEMP:-${TMPDIR:-/tmp}}/genai-gate.base.toml"
  if git -C "${INPUT_PATH:-.}" show "$base:$profile_path" > "$base_profile" 2>/dev/null; then
    args+=(--profile "$base_profile")
  else
    echo "::warning title=genai-gate::no $profile_path at the base commit; using the checked-out profile"
    rm -f "$base_profile"
    [ -n "${INPUT_CONFIG:-}" ] && args+=(--profile "$INPUT_CONFIG")
  fi
elif [ -n "${INPUT_CONFIG:-}" ]; then
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
