#!/usr/bin/env bash
# The whole test suite on a fresh Debian 12 machine with Node 20: installs what is missing, then runs it.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
npm test
