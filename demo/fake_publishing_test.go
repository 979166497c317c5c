package demo

import (
	"context"
	"errors"

	"civicledger/ledger"
)

// The publishing side's writes (issue 10), which the demo loader never
// makes: the fake refuses them, so a loader that started to would be caught.

var errNotDemo = errors.New("the demo loader does not write the audit log or corrections")

func (f *fakeLedger) AppendAudit(context.Context, *ledger.AuditEntry) error { return errNotDemo }

func (f *fakeLedger) CorrectReport(context.Context, ledger.Attribution, *ledger.Report) error {
	return errNotDemo
}

func (f *fakeLedger) CorrectAnnouncement(context.Context, ledger.Attribution, *ledger.Announcement) error {
	return errNotDemo
}

func (f *fakeLedger) RecordCorrection(context.Context, *ledger.Correction) error { return errNotDemo }
