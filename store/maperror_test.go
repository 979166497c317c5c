package store

import (
	"context"
	"testing"

	"github.com/jmoiron/sqlx"

	"civicledger/ledger"
)

// A PostgreSQL server that cannot be reached is reported as unavailable
// (which the API passes on as UNAVAILABLE), not as an internal error.
func TestUnreachableDatabaseIsUnavailable(t *testing.T) {
	db, err := sqlx.Open("postgres", "postgres://nobody@127.0.0.1:1/none?sslmode=disable&connect_timeout=2")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var one int
	err = mapError(db.GetContext(context.Background(), &one, "SELECT 1"))
	if ledger.ErrorCode(err) != ledger.EUNAVAILABLE {
		t.Fatalf("got %v (code %s), want %s", err, ledger.ErrorCode(err), ledger.EUNAVAILABLE)
	}
}
