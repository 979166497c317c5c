#!/usr/bin/env bash
# Starts the machine's PostgreSQL 15 (installed, not running) and makes a
# role and database for the tests. Prints the URL to use. Idempotent.
set -euo pipefail
# Everything but the URL goes to stderr (pg_ctlcluster prints e.g. "Removed
# stale pid file" on stdout, which would otherwise end up in the URL).
exec 3>&1 1>&2
if ! command -v pg_ctlcluster >/dev/null; then
  echo "postgres.sh: PostgreSQL is not installed (apt-get install postgresql-15)" >&2
  exit 1
fi
if ! pg_lsclusters -h 2>/dev/null | grep -q '^15 *main'; then
  pg_createcluster 15 main >/dev/null
fi
if ! pg_lsclusters -h | grep -q '^15 *main .*online'; then
  pg_ctlcluster 15 main start 3>&-   # the server must not inherit the URL pipe
fi
for i in $(seq 1 30); do
  pg_isready -q -h 127.0.0.1 -p 5432 && break
  sleep 1
done
su postgres -c "psql -qtAc \"SELECT 1 FROM pg_roles WHERE rolname='civicledger'\"" | grep -q 1 ||
  su postgres -c "psql -qc \"CREATE ROLE civicledger LOGIN PASSWORD 'civicledger' CREATEDB\""
su postgres -c "psql -qtAc \"SELECT 1 FROM pg_database WHERE datname='civicledger_test'\"" | grep -q 1 ||
  su postgres -c "psql -qc \"CREATE DATABASE civicledger_test OWNER civicledger\""
echo >&3 "postgres://civicledger:civicledger@127.0.0.1:5432/civicledger_test?sslmode=disable"
