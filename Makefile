# Conveniences; the README's two commands need none of this.
.PHONY: run test bench bench-large bench-publish compare generate

run:
	go run .

test:
	./test.sh

generate:
	go generate ./...

# Q1–Q3 on the demo data (717 projects), SQLite and PostgreSQL.
bench:
	CIVICLEDGER_TEST_DATABASE_URL=$$(.ci/postgres.sh) go test -run '^$$' -bench 'Q' -benchtime 200x ./resolvers/

# Mutation latency through /graphql with a bearer token, SQLite and PostgreSQL.
bench-publish:
	CIVICLEDGER_TEST_DATABASE_URL=$$(.ci/postgres.sh) go test -run '^$$' -bench 'Mutation' -benchtime 200x .

# The same at 100,000 projects (built once into bench-data/, several minutes).
bench-large:
	CIVICLEDGER_BENCH_LARGE=1 CIVICLEDGER_TEST_DATABASE_URL=$$(.ci/postgres.sh) go test -run '^$$' -bench 'Q' -benchtime 200x -timeout 2h ./resolvers/

# The portal and PostGraphile v5 side by side on one PostgreSQL database at
# 100,000 projects (bench/README.md; the data are built once into bench-data/).
compare:
	.ci/postgres.sh >/dev/null && bench/compare.sh
