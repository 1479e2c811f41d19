#!/usr/bin/env bash
# Installs what Confidant needs when it is missing: libsodium-dev (apt-get) and, with
# --python, the Python test tools (pip) and the age and chromium packages (apt-get).
# Sourced by demo.sh and test.sh; safe to run twice.
set -euo pipefail

as_root() { if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi; }

apt_packages=()
pkg-config --exists libsodium 2>/dev/null || apt_packages+=(libsodium-dev pkg-config)
if [ "${1:-}" = "--python" ]; then
  command -v age >/dev/null 2>&1 || apt_packages+=(age)
  # Headless rendering of `agreement show --format html` (tests/python/test_agreement_html.py).
  command -v chromium >/dev/null 2>&1 || apt_packages+=(chromium)
fi
if [ ${#apt_packages[@]} -gt 0 ]; then
  echo "confidant: installing ${apt_packages[*]} with apt-get" >&2
  as_root apt-get update -qq
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${apt_packages[@]}" >/dev/null
fi

if ! command -v swift >/dev/null 2>&1; then
  echo "confidant: swift is not on PATH (Swift 6.1 or later is needed; see README)" >&2
  exit 69
fi

if [ "${1:-}" = "--python" ]; then
  root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
  if ! python3 - "$root/tools/requirements.txt" <<'PY' 2>/dev/null
import importlib.metadata, sys
for line in open(sys.argv[1]):
    name = line.split("#")[0].split("==")[0].split(">=")[0].strip()
    if name:
        importlib.metadata.version(name)
PY
  then
    echo "confidant: installing Python test tools with pip" >&2
    python3 -m pip install --quiet --disable-pip-version-check -r "$root/tools/requirements.txt"
  fi
fi
