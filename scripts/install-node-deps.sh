#!/usr/bin/env bash
# Installs the npm packages (package.json: esbuild and preact for the web
# console, hls.js for it and the browser tests, playwright-core for the
# browser tests) into node_modules/ with `npm ci`, exactly as
# package-lock.json says. esbuild's native binary is its own npm package
# (@esbuild/linux-x64), so no install script has to fetch it.
# Idempotent and fast: does nothing while node_modules/ is newer than
# package.json and package-lock.json. Needs node and npm (install-deps.sh).
# No browser is ever downloaded: the tests use Debian's /usr/bin/chromium.
set -euo pipefail
cd "$(dirname "$0")/.."

stamp=node_modules/.install-stamp # written only after a successful `npm ci`
if [ -f "$stamp" ] && [ "$stamp" -nt package-lock.json ] && [ "$stamp" -nt package.json ]; then
    echo "install-node-deps: node_modules up to date"
    exit 0
fi

for tool in node npm; do
    command -v "$tool" >/dev/null || { echo "install-node-deps: $tool not found (run scripts/install-deps.sh)" >&2; exit 1; }
done

export PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1
echo "install-node-deps: npm ci (node $(node --version), npm $(npm --version))"
# --ignore-scripts: no package here needs an install script, and none may fetch anything.
npm ci --no-audit --no-fund --ignore-scripts
touch "$stamp"
