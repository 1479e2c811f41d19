#!/usr/bin/env bash
# Generates confidant's man page from its command definitions (swift-argument-parser's
# generate-manual plugin; it builds the package in release mode first) and installs it.
#   scripts/install-manual.sh [DIR]     default DIR: ~/.local/share/man/man1
set -euo pipefail
cd "$(dirname "$0")/.."
dir="${1:-$HOME/.local/share/man/man1}"
mkdir -p "$dir"
swift package --allow-writing-to-directory "$dir" generate-manual --output-directory "$dir"
echo "Installed $dir/confidant.1; read it with: man -l $dir/confidant.1"
