#!/usr/bin/env bash
# Installs Debian's `chromium` for the HTML report's browser test (tests/charts/html-browser.test.ts),
# which drives it with playwright-core. Playwright's own browser download cannot work here, so the
# test uses /usr/bin/chromium. Skips when chromium is already there; without root or apt-get it
# says what to run and exits 0, and the browser test then skips with that reason.
set -euo pipefail

say() { printf 'wafersim install-chromium: %s\n' "$*" >&2; }

if [[ -x /usr/bin/chromium ]]; then
  exit 0
fi
if [[ $(id -u) -ne 0 ]] || ! command -v apt-get >/dev/null 2>&1; then
  say "Debian's chromium is missing and cannot be installed here (needs root and apt-get)"
  say "run as root:  apt-get update && apt-get install -y chromium"
  exit 0
fi
say "installing Debian's chromium for the HTML report's browser test (a few minutes, once)"
export DEBIAN_FRONTEND=noninteractive
log=/tmp/wafersim-apt-chromium.log
if ! apt-get install -y -qq --no-install-recommends chromium >"$log" 2>&1; then
  say "package lists may be stale; running apt-get update and trying again"
  apt-get update -qq >>"$log" 2>&1 || true
  if ! apt-get install -y -qq --no-install-recommends chromium >>"$log" 2>&1; then
    say "apt-get could not install chromium; see $log"
    exit 1
  fi
fi
say "installed $(/usr/bin/chromium --version 2>/dev/null || echo chromium)"
