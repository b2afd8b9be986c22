#!/usr/bin/env bash
# The whole product at one URL on a fresh Debian 12 machine with Node 20:
# installs what is missing, builds the workspaces whose sources changed (`--build` or BUILD=1: all of
# them), then starts everything (see scripts/start.mjs).
# PORT (default 8080), HOST (default 127.0.0.1) and DATA_DIR (default .data/) can be set.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
exec node scripts/start.mjs "$@"
