#!/usr/bin/env bash
# Runs every test of Confidant: installs what is missing, builds, runs the Swift suites
# (unit and end-to-end through the real binary, on SQLite and on a private PostgreSQL cluster) and the interop checks against independent
# implementations (PyNaCl, hashlib, fhir.resources, pexpect on a real terminal).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/ensure-deps.sh --python

# Every vault the tests make pins its log on "this machine" (~/.local/state/confidant): keep
# those pins in a folder of this run, removed afterwards, never in the real home.
XDG_STATE_HOME="$(mktemp -d)"
export XDG_STATE_HOME
trap 'rm -rf "$XDG_STATE_HOME"' EXIT

# The PostgreSQL store's suites run against a private cluster of this run (a Unix socket in a
# temporary folder; never the system's server), stopped and removed afterwards.
echo "== PostgreSQL: a private cluster for the store's suites"
eval "$(bash scripts/pg-cluster.sh start)"
trap 'bash scripts/pg-cluster.sh stop "$PG_CLUSTER_DIR" >/dev/null 2>&1 || true; rm -rf "$XDG_STATE_HOME"' EXIT

echo "== interop: known-answer vectors regenerate with PyNaCl and hashlib"
python3 tools/make_vectors.py --check
python3 tools/rfc9162_vectors.py --check

echo "== swift test (unit and end to end)"
swift build --build-tests
swift test --skip-build

echo "== swift test: the end-to-end suite again, every vault on the private PostgreSQL cluster"
# TestPractice makes a fresh database per test; tests of the SQLite file itself (raw edits,
# bytes on disk, backup files, the agent) are marked sqliteOnly and skipped in this pass.
CONFIDANT_TEST_STORE=postgres swift test --skip-build --filter confidantTests

echo "== interop: Python checks against the built binary"
CONFIDANT_BIN="$PWD/.build/debug/confidant" python3 -m pytest -q -c tests/python/pytest.ini tests/python
