package demo_test

import (
	"context"
	"testing"
	"time"

	"civicledger/demo"
	"civicledger/ledger"
	"civicledger/store"
)

// TestLoadIntoSQLite loads the default data set into a fresh SQLite
// database through the store and checks that the store's own totals are
// docs/domain.md's, as the generator computed them.
func TestLoadIntoSQLite(t *testing.T) {
	if testing.Short() {
		t.Skip("loads the whole demo data set")
	}
	ctx := context.Background()
	db, err := store.Open(ctx, "sqlite://"+t.TempDir()+"/demo.db")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	start := time.Now()
	sum, err := demo.Load(ctx, db, demo.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("loaded in %s: %+v", time.Since(start), *sum)
	part := sum.Participation
	if part == nil || part.CodesUsed != sum.Verified || part.CodesIssued <= part.CodesUsed || part.AgencyRatings == 0 {
		t.Errorf("participation %+v: want a used code per verified rating (%d), more issued, agency ratings", part, sum.Verified)
	} else {
		for _, st := range ledger.ObjectionStates {
			if part.ObjectionStates[st] == 0 {
				t.Errorf("no demo objection is %s", st)
			}
		}
	}
	sum.Participation = nil // the data set's own summary counts no participation records
	want := demo.Generate(demo.Options{}).Summary()
	if *sum != *want {
		t.Errorf("Load wrote %+v,\nthe data set has %+v", *sum, *want)
	}
	total, _, err := db.Stats(ctx, ledger.ProjectFilter{}, nil)
	if err != nil {
		t.Fatal(err)
	}
	got := demo.Totals{Awarded: total.Awarded, Leveraged: total.Leveraged, Paid: total.Paid, Recovered: total.Recovered,
		BeneficiaryVisits: total.Beneficiaries, VolunteerVisits: total.Volunteers, ExpertVisits: total.Experts}
	w := sum.Totals
	w.BeneficiaryPersons, w.VolunteerHours = 0, 0
	if total.Projects != 717 || got != w {
		t.Errorf("store totals: %d projects, %+v;\nwant 717 projects, %+v", total.Projects, got, w)
	}
	if total.Terminated != int64(sum.Terminated) || total.WithAuditFindings == 0 || total.FeedbackCount != int64(sum.Verified) {
		t.Errorf("store counts %d terminated, %d with findings, %d feedback; want %d, >0, %d",
			total.Terminated, total.WithAuditFindings, total.FeedbackCount, sum.Terminated, sum.Verified)
	}
	p, err := db.Project(ctx, "FC2014-ELD-0001")
	if err != nil {
		t.Fatal(err)
	}
	if p.Stage != ledger.Closing || p.Outcome != ledger.Completed || p.ApprovedOn != "2014-06-02" {
		t.Errorf("FC2014-ELD-0001 is %s/%s approved %s, want CLOSING/COMPLETED approved 2014-06-02", p.Stage, p.Outcome, p.ApprovedOn)
	}
}
