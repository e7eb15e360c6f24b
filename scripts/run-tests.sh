#!/usr/bin/env bash
# Runs the unit tests (CTest) and the integration tests (pytest under Debian's
# /usr/bin/python3) against one build, then prints one closing line:
#   "tests: N passed, N failed"
# Usage: scripts/run-tests.sh BUILD_DIR [unit|integration]
set -uo pipefail
build=${1:?usage: run-tests.sh BUILD_DIR [unit|integration]}
which=${2:-all}
root=$(cd "$(dirname "$0")/.." && pwd)
build=$(cd "$build" && pwd)
reports="$build/test-reports"
rm -rf "$reports"
mkdir -p "$reports" "$build/tmp"

status=0
if [ "$which" = all ] || [ "$which" = unit ]; then
    echo "== unit tests (ctest) =="
    (cd "$build" && ctest --output-on-failure -j "$(nproc)" --output-junit "$reports/unit.xml") || status=1
fi
if [ "$which" = all ] || [ "$which" = integration ]; then
    echo "== integration tests (pytest) =="
    # The whole suite (pytest, vigil, the simulated cameras) runs in a private
    # network namespace with only loopback up: a camera URL that names another
    # host fails at once ("Network is unreachable") and no test can ever send
    # traffic off this machine. Root uses `unshare -n`, others a user namespace.
    netns=()
    if unshare -n true 2>/dev/null; then
        netns=(unshare -n)
    elif unshare -rn true 2>/dev/null; then
        netns=(unshare -rn)
    else
        echo "run-tests: cannot create a network namespace (unshare -n): refusing to run" \
             "integration tests that pull cameras outside one" >&2
        exit 1
    fi
    VIGIL_BIN="$build/vigil" "${netns[@]}" sh -c 'ip link set lo up && exec "$@"' sh \
        /usr/bin/python3 -m pytest -p no:cacheprovider -q \
        --junitxml="$reports/integration.xml" "$root/tests/integration" || status=1
fi

/usr/bin/python3 "$root/scripts/test-summary.py" "$reports"/*.xml || status=1
exit $status
