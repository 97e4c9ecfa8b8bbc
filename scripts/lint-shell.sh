#!/usr/bin/env bash
# Runs shellcheck over every shell script of the repo (files named *.sh and files whose
# first line runs sh or bash), following the files they source. Part of `npm run lint`.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

if ! command -v shellcheck >/dev/null 2>&1; then
  echo "[lint] shellcheck is missing: run 'npm run setup' (installs Debian's shellcheck package) or install shellcheck yourself" >&2
  exit 1
fi

files=()
while IFS= read -r -d '' file; do
  if [[ "$file" == *.sh ]] || head -n 1 "$file" | grep -Eq '^#!.*[/ ](ba)?sh( |$)'; then
    files+=("$file")
  fi
done < <(find . \( -name node_modules -o -name .git -o -name .run -o -name dist \) -prune -o -type f -print0 | sort -z)

# -x: follow `source` into the libraries; their `# shellcheck source=` paths start at the repo root.
shellcheck -x "${files[@]}"
