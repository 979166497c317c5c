#!/usr/bin/env bash
# The one test command: on a fresh machine it starts PostgreSQL 15, checks
# formatting, vet and generated code, and runs every test against SQLite and
# PostgreSQL. Usage: ./test.sh [go test flags, e.g. -run TestX]
set -euo pipefail
cd "$(dirname "$0")"
export PATH="$PATH:/usr/local/go/bin"
export GOTOOLCHAIN="${GOTOOLCHAIN:-local}"

step() { printf '\n==> %s\n' "$*"; }

step "PostgreSQL"
if [ -z "${CIVICLEDGER_TEST_DATABASE_URL:-}" ]; then
  if url=$(.ci/postgres.sh); then
    export CIVICLEDGER_TEST_DATABASE_URL="$url"
  elif [ "${CI:-}" = "true" ]; then
    echo "PostgreSQL could not be started; under CI=true that fails the run" >&2
    exit 1
  else
    echo "PostgreSQL not available: PostgreSQL suites will be skipped" >&2
  fi
fi
echo "${CIVICLEDGER_TEST_DATABASE_URL:-<none>}"

step "gofmt"
bad=$(gofmt -l $(git ls-files '*.go' 2>/dev/null || find . -name '*.go' -not -path './node_modules/*'))
if [ -n "$bad" ]; then echo "gofmt differences in:"; echo "$bad"; exit 1; fi

step "generated code matches schema.graphqls"
go generate ./...
changed=$(git status --porcelain -- graph api/internal/testgraph)
if [ -n "$changed" ]; then
  echo "generated code differs from what the schemas generate; run go generate ./... and commit:" >&2
  echo "$changed" >&2
  exit 1
fi

step "go vet"
go vet ./...

step "npm tools for the GraphQL-over-HTTP audit"
if [ -f api/audit/package.json ] && command -v npm >/dev/null; then
  (cd api/audit && { npm ci --no-audit --no-fund --silent || npm install --no-audit --no-fund --silent; })
fi

step "browser tests' Chromium and axe-core (.ci/browser.sh)"
if ! .ci/browser.sh; then
  if [ "${CI:-}" = "true" ]; then
    echo "Chromium or axe-core could not be installed; under CI=true that fails the run" >&2
    exit 1
  fi
  echo "Chromium or axe-core missing: the browser tests of web/ will be skipped" >&2
fi
# Screenshots of every page type at 375 and 1280 px (test artefacts).
export CIVICLEDGER_SCREENSHOTS="${CIVICLEDGER_SCREENSHOTS:-$PWD/test-output/screenshots}"

step "fuzz (each target briefly; CIVICLEDGER_FUZZTIME, default 3s)"
# Go fuzzes one target per run, so each is listed here; each package's
# instrumented test binary is built once. Their seeds and the regressions
# under <pkg>/testdata/fuzz/ also run in go test below.
fuzztime="${CIVICLEDGER_FUZZTIME:-3s}"
fuzzbin=$(mktemp -d)
fuzzcache="$(go env GOCACHE)/fuzz/civicledger"
fuzz() { # fuzz <package> <target>...
  local pkg=$1 fn out; shift
  go test -c -fuzz . -o "$fuzzbin/$pkg.test" "./$pkg/"
  for fn in "$@"; do
    if ! out=$(cd "$pkg" && "$fuzzbin/$pkg.test" -test.run '^$' -test.fuzz "^$fn\$" -test.fuzztime "$fuzztime" \
      -test.fuzzcachedir "$fuzzcache/$pkg" 2>&1) || [[ $out == *"no fuzz tests"* ]]; then
      echo "$out"; echo "fuzz target $fn in $pkg failed (or does not exist); a failing input is written under $pkg/testdata/fuzz/$fn/" >&2
      rm -rf "$fuzzbin"; exit 1
    fi
    echo "ok  $pkg $fn"
  done
}
fuzz ledger FuzzParseMoney FuzzMoneyArithmetic FuzzParseDate FuzzCreditCode
fuzz portal FuzzCursor FuzzPaginate
fuzz search FuzzParseText FuzzQueryPlan FuzzSearch
fuzz api FuzzPOST FuzzGET
rm -rf "$fuzzbin"

step "go test (SQLite and PostgreSQL)"
# -v so the log shows each dialect's subtests; the filter keeps the summary
# lines, and the full log is printed when anything fails.
log=$(mktemp)
set +e
go test -count=1 -v -timeout 30m "$@" ./... >"$log" 2>&1
rc=$?
set -e
grep -E '^(--- |    --- |ok |FAIL|PASS$|panic:|\S+\s+\[no test files\])' "$log" | grep -vE '^    --- PASS: .*/[^/]+/' || true
if [ $rc -ne 0 ]; then
  echo; echo "==> go test failed; full output:"; cat "$log"
fi
n_pass=$(grep -cE '^\s*--- PASS' "$log" || true)
n_fail=$(grep -cE '^\s*--- FAIL' "$log" || true)
n_skip=$(grep -cE '^\s*--- SKIP' "$log" || true)
echo
echo "tests: $n_pass passed, $n_fail failed, $n_skip skipped"
rm -f "$log"
exit $rc
