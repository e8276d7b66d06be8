#!/usr/bin/env bash
# Installs everything the test suite needs on a fresh Debian machine (idempotent), then generates fixtures.
# Run as root or with sudo available. Called by the README's test command and by .ci/run.
set -euo pipefail
cd "$(dirname "$0")/.."

apt_packages=()
command -v redis-server >/dev/null 2>&1 || apt_packages+=(redis-server)
command -v openssl >/dev/null 2>&1 || apt_packages+=(openssl)
# libfiu's POSIX preload (fiu-run, fiu-ctrl): tests/store/fsync-failure.fiu.test.ts makes fsync fail in a real process.
command -v fiu-run >/dev/null 2>&1 || apt_packages+=(fiu-utils)
# Headless browser for `npm run docs:check` (the API reference opened as a reader would).
[ -x /usr/bin/chromium ] || apt_packages+=(chromium)
if [ ${#apt_packages[@]} -gt 0 ]; then
  sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  echo "setup:test: installing Debian packages: ${apt_packages[*]}"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${apt_packages[@]}" >/dev/null
fi

[ -d node_modules ] || npm ci

# The tiny ONNX models the engine tests load (written by the project's generator; no downloads).
npx tsx scripts/generate-models.ts --tiny
