#!/usr/bin/env bash
# Builds confidant and runs its demo walkthrough on an embedded SQLite vault in a fresh folder.
# Extra arguments go to 'confidant demo' (e.g. --dir my-demo).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/ensure-deps.sh
swift build --product confidant
exec .build/debug/confidant demo "$@"
