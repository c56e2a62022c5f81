#!/usr/bin/env bash
# Seeds the fuzz corpora from the fixtures and the shipped packs (corpus/ is not committed).
set -euo pipefail
cd "$(dirname "$0")"
mkdir -p corpus/rust_frontend corpus/python_frontend corpus/policy_loader corpus/config
n=0
while IFS= read -r -d '' f; do
    cp "$f" "corpus/rust_frontend/$(printf '%04d' $n)-$(basename "$f")"; n=$((n + 1))
done < <(find ../fixtures ../crates/scan/src -name '*.rs' -print0)
while IFS= read -r -d '' f; do
    cp "$f" "corpus/python_frontend/$(printf '%04d' $n)-$(basename "$f")"; n=$((n + 1))
done < <(find ../fixtures -name '*.py' -print0)
while IFS= read -r -d '' f; do
    cp "$f" "corpus/policy_loader/$(printf '%04d' $n)-$(basename "$f")"; n=$((n + 1))
done < <(find ../fixtures ../policies -name '*.toml' -print0)
# The config target takes a selector byte (0 TOML, 1 YAML, 2 JSON, 3 .env) then the text.
while IFS= read -r -d '' f; do
    case "$f" in
        *.toml) k='\x00' ;; *.yaml|*.yml) k='\x01' ;; *.json) k='\x02' ;; *) k='\x03' ;;
    esac
    { printf "$k"; cat "$f"; } > "corpus/config/$(printf '%04d' $n)-$(basename "$f")"; n=$((n + 1))
done < <(find ../fixtures -path '*/target' -prune -o \( -name '*.toml' -o -name '*.yaml' -o -name '*.yml' -o -name '*.json' -o -name '.env*' \) -type f -print0)
for d in corpus/*; do echo "$d: $(ls "$d" | wc -l) seeds"; done
