#!/usr/bin/env bash
# One-time (and idempotent) set-up, run by `npm start`, `npm test` and `npm run bench`
# before they do their work:
#   1. Debian packages that canvas (under chartjs-node-canvas) needs to build from source,
#      since no prebuilt binary can be downloaded here. Installed only when missing.
#   2. npm dependencies from the committed lock file (`npm ci`), only when the lock file
#      changed since the last install.
#   3. The TypeScript build into dist/, only when a source file is newer than the build.
# Every step says what it does; a step with nothing to do says nothing.
set -euo pipefail
cd "$(dirname "$0")/.."

say() { printf 'wafersim setup: %s\n' "$*" >&2; }

# ---- 1. Debian packages for canvas ---------------------------------------------------
debs=(pkg-config libcairo2-dev libpango1.0-dev libjpeg-dev libgif-dev librsvg2-dev libpixman-1-dev)
missing=()
if command -v dpkg-query >/dev/null 2>&1; then
  for p in "${debs[@]}"; do
    status=$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true)
    [[ "$status" == "install ok installed" ]] || missing+=("$p")
  done
fi
# Without dpkg we cannot tell; if canvas is already built, nothing is needed anyway.
if ((${#missing[@]} > 0)) && [[ ! -f node_modules/canvas/build/Release/canvas.node ]]; then
  if [[ $(id -u) -eq 0 ]] && command -v apt-get >/dev/null 2>&1; then
    say "installing Debian packages needed to build canvas: ${missing[*]}"
    export DEBIAN_FRONTEND=noninteractive
    if ! apt-get install -y -qq --no-install-recommends "${missing[@]}" >/tmp/wafersim-apt.log 2>&1; then
      say "package lists may be stale; running apt-get update and trying again"
      apt-get update -qq >>/tmp/wafersim-apt.log 2>&1 || true
      if ! apt-get install -y -qq --no-install-recommends "${missing[@]}" >>/tmp/wafersim-apt.log 2>&1; then
        say "apt-get could not install ${missing[*]}; see /tmp/wafersim-apt.log"
        exit 1
      fi
    fi
  else
    say "canvas needs Debian packages that are missing: ${missing[*]}"
    say "run as root:  apt-get update && apt-get install -y ${missing[*]}"
    say "then run this command again."
    exit 1
  fi
fi

# ---- 2. npm dependencies ---------------------------------------------------------------
lock_hash=$(sha256sum package-lock.json | cut -d' ' -f1)
stamp=node_modules/.wafersim-lock-hash
if [[ ! -f "$stamp" || "$(cat "$stamp")" != "$lock_hash" ]]; then
  say "installing npm dependencies from package-lock.json (canvas builds from source; this takes a minute)"
  npm ci --no-audit --no-fund --loglevel=error >&2
  echo "$lock_hash" > "$stamp"
fi

# ---- 3. TypeScript build -------------------------------------------------------------
build_stamp=dist/.build-stamp
if [[ ! -f "$build_stamp" ]] || [[ -n "$(find src tsconfig.json tsconfig.build.json package-lock.json -newer "$build_stamp" -print -quit)" ]]; then
  say "compiling TypeScript (src/ -> dist/)"
  rm -rf dist
  node_modules/.bin/tsc -p tsconfig.build.json
  touch "$build_stamp"
fi
