package store_test

import (
	"context"
	"strconv"
	"strings"
	"testing"
	"time"

	"civicledger/ledger"
	"civicledger/store"
	"civicledger/store/storetest"
)

// TestAuditLogAppendOnly: the database itself refuses to change or remove
// a line of the audit log, a revision or a line of the corrections
// register, and to delete a published record, on both dialects.
func TestAuditLogAppendOnly(t *testing.T) {
	storetest.EachDialect(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		f := newFixture(t, db)
		must(t, db.AppendAudit(ctx, &ledger.AuditEntry{Login: "alice", Action: ledger.AuditSignIn, Client: "ab12"}))
		for _, q := range []string{
			`UPDATE audit_log SET login = 'mallory'`,
			`DELETE FROM audit_log`,
			`UPDATE revisions SET reason = 'rewritten'`,
			`DELETE FROM revisions`,
			`DELETE FROM projects WHERE id = ` + strconv.FormatInt(f.p1.ID, 10),
			`DELETE FROM rounds`,
		} {
			err := db.Exec(ctx, q)
			if err == nil {
				t.Errorf("%s: accepted, want refused by the database", q)
			} else if !strings.Contains(err.Error(), "append-only") && !strings.Contains(err.Error(), "never deleted") {
				t.Errorf("%s: refused with %v, want the trigger's message", q, err)
			}
		}
		es, n, err := db.AuditEntries(ctx, ledger.AuditFilter{}, 0, 10)
		must(t, err)
		if n != 1 || es[0].Login != "alice" {
			t.Errorf("audit log after refused changes: %d entries, %+v", n, es)
		}
		if _, err := db.Project(ctx, f.p1.Code); err != nil {
			t.Errorf("project after refused delete: %v", err)
		}
	})
}

func TestAccountsAndTokens(t *testing.T) {
	storetest.EachDialect(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		f := newFixture(t, db)
		a := &ledger.Account{Login: "sun", Name: "孙", OrgID: f.undertaker.ID, Roles: []ledger.Role{ledger.RoleUndertaker}, PasswordHash: "x"}
		must(t, db.CreateAccount(ctx, a, &ledger.AuditEntry{Login: "cli:root", Action: string(ledger.ActManageAccounts)}))
		dup := *a
		if err := db.CreateAccount(ctx, &dup, nil); ledger.ErrorCode(err) != ledger.ECONFLICT || ledger.ErrorField(err) != "account.login" {
			t.Errorf("duplicate login: %v", err)
		}
		wrong := &ledger.Account{Login: "eva", Name: "E", OrgID: f.undertaker.ID, Roles: []ledger.Role{ledger.RoleEvaluator}, PasswordHash: "x"}
		if err := db.CreateAccount(ctx, wrong, nil); ledger.ErrorField(err) != "account.roles[0]" {
			t.Errorf("evaluator role in an undertaker: %v", err)
		}
		got, err := db.Account(ctx, "sun")
		must(t, err)
		if got.OrgID != f.undertaker.ID || len(got.Roles) != 1 || got.Roles[0] != ledger.RoleUndertaker {
			t.Errorf("account read back: %+v", got)
		}
		now := time.Now().UTC().Truncate(time.Second)
		tok := &ledger.Token{AccountID: a.ID, Kind: ledger.APIToken, Name: "script", Hash: "h1", CreatedAt: now, ExpiresAt: now.Add(time.Hour)}
		must(t, db.CreateToken(ctx, tok, nil))
		must(t, db.TouchToken(ctx, tok.ID, now))
		must(t, db.RevokeToken(ctx, tok.ID, now, &ledger.AuditEntry{Login: "cli:root", Action: string(ledger.ActManageAccounts)}))
		back, err := db.TokenByHash(ctx, "h1")
		must(t, err)
		if back.RevokedAt == nil || back.LastUsedAt == nil || back.Usable(now) {
			t.Errorf("token after use and revocation: %+v", back)
		}
		if err := db.RevokeToken(ctx, 999, now, nil); ledger.ErrorCode(err) != ledger.ENOTFOUND {
			t.Errorf("revoke unknown token: %v", err)
		}
		_, n, err := db.AuditEntries(ctx, ledger.AuditFilter{Login: "cli:root"}, 0, 10)
		must(t, err)
		if n != 2 {
			t.Errorf("audit entries of account writes: %d, want 2", n)
		}
	})
}
