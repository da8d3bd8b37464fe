#!/usr/bin/env bash
# Validates the workflow definitions with npm asl-validator, installed into a throw-away folder.
# Not part of `dotnet test`; CI calls it in a job that has Node.js.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
(cd "$tmp" && npm install --silent --no-audit --no-fund asl-validator@4 >/dev/null)
status=0
for f in "$here"/*.asl.json; do
  echo "asl-validator: $f"
  (cd "$tmp" && npx --no-install asl-validator --json-path "$f") || status=1
done
exit $status
