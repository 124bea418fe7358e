#!/usr/bin/env bash
# Make sure a Chromium is on this machine for the report's browser check (test/report-browser.e2e-spec.ts, driven by
# playwright-core, which downloads no browser): Debian's `chromium` package, installed with apt-get when missing (as
# root, non-interactive). Idempotent: when the binary is there it only says so. CHROMIUM_PATH names another binary.
set -euo pipefail

CHROMIUM="${CHROMIUM_PATH:-/usr/bin/chromium}"
if [ -x "$CHROMIUM" ]; then
  echo "[chromium] $CHROMIUM is installed"
  exit 0
fi
if [ -n "${CHROMIUM_PATH:-}" ]; then
  echo "[chromium] ERROR: CHROMIUM_PATH=$CHROMIUM is not an executable file; point it at a Chromium or Chrome binary, or unset it to use Debian's /usr/bin/chromium" >&2
  exit 1
fi
if [ "$(id -u)" != 0 ]; then
  echo "[chromium] ERROR: $CHROMIUM is missing and installing it needs root: run \`sudo apt-get install -y chromium\`" >&2
  exit 1
fi
echo "[chromium] $CHROMIUM is missing: installing Debian's chromium with apt-get (once; about a minute)"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq chromium >/dev/null
[ -x "$CHROMIUM" ] || { echo "[chromium] ERROR: apt-get installed chromium but $CHROMIUM is still missing" >&2; exit 1; }
echo "[chromium] installed $CHROMIUM"
