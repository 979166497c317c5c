package store

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"strings"
	"time"

	"civicledger/ledger"
)

// Accounts, tokens and the audit log (ledger.AccountStore, ledger.AuditLog).
// Every write that changes who may do what appends its audit entry in the
// same transaction; the audit log itself is append-only, enforced by
// triggers in both dialects (migration 00011).

type accountRow struct {
	ledger.Account
	RolesText string `db:"roles"`
}

func (r *accountRow) account() *ledger.Account {
	a := r.Account
	a.Roles = nil
	for _, s := range strings.Split(r.RolesText, ",") {
		if s != "" {
			a.Roles = append(a.Roles, ledger.Role(s))
		}
	}
	return &a
}

func rolesText(rs []ledger.Role) string {
	s := make([]string, len(rs))
	for i, r := range rs {
		s[i] = string(r)
	}
	return strings.Join(s, ",")
}

// CreateAccount implements ledger.AccountStore.
func (db *DB) CreateAccount(ctx context.Context, a *ledger.Account, audit *ledger.AuditEntry) error {
	if err := a.Validate(); err != nil {
		return err
	}
	return db.inTx(ctx, func(tx *Tx) error {
		var kind ledger.OrgKind
		if err := tx.get(ctx, &kind, `SELECT kind FROM organizations WHERE id = ?`, a.OrgID); ledger.ErrorCode(err) == ledger.ENOTFOUND {
			return ledger.Invalid("account.organization", "organization %d does not exist", a.OrgID)
		} else if err != nil {
			return err
		}
		if err := ledger.CheckRoleFitsOrg(a.Roles, kind); err != nil {
			return err
		}
		a.CreatedAt = tx.now
		id, err := tx.insert(ctx, "accounts", []string{"login", "name", "organization_id", "roles", "password_hash", "disabled", "created_at"},
			a.Login, a.Name, a.OrgID, rolesText(a.Roles), a.PasswordHash, a.Disabled, a.CreatedAt)
		if ledger.ErrorCode(err) == ledger.ECONFLICT {
			return &ledger.Error{Code: ledger.ECONFLICT, Field: "account.login", Message: "login " + a.Login + " is taken"}
		} else if err != nil {
			return err
		}
		a.ID = id
		if audit != nil {
			audit.Entity, audit.EntityID = "account", id
			return tx.appendAudit(ctx, audit)
		}
		return nil
	})
}

// Account implements ledger.AccountStore.
func (db *DB) Account(ctx context.Context, login string) (*ledger.Account, error) {
	var r accountRow
	if err := db.get(ctx, &r, `SELECT * FROM accounts WHERE login = ?`, login); err != nil {
		if ledger.ErrorCode(err) == ledger.ENOTFOUND {
			return nil, ledger.NotFound("account", login)
		}
		return nil, err
	}
	return r.account(), nil
}

// AccountByID implements ledger.AccountStore.
func (db *DB) AccountByID(ctx context.Context, id int64) (*ledger.Account, error) {
	var r accountRow
	if err := db.get(ctx, &r, `SELECT * FROM accounts WHERE id = ?`, id); err != nil {
		if ledger.ErrorCode(err) == ledger.ENOTFOUND {
			return nil, ledger.NotFound("account", id)
		}
		return nil, err
	}
	return r.account(), nil
}

// Accounts implements ledger.AccountStore.
func (db *DB) Accounts(ctx context.Context) ([]*ledger.Account, error) {
	var rows []accountRow
	if err := db.sel(ctx, &rows, `SELECT * FROM accounts ORDER BY login`); err != nil {
		return nil, err
	}
	out := make([]*ledger.Account, len(rows))
	for i := range rows {
		out[i] = rows[i].account()
	}
	return out, nil
}

// CreateToken implements ledger.AccountStore.
func (db *DB) CreateToken(ctx context.Context, t *ledger.Token, audit *ledger.AuditEntry) error {
	return db.inTx(ctx, func(tx *Tx) error {
		if t.CreatedAt.IsZero() {
			t.CreatedAt = tx.now
		}
		id, err := tx.insert(ctx, "tokens", []string{"account_id", "kind", "name", "hash", "created_at", "expires_at"},
			t.AccountID, string(t.Kind), t.Name, t.Hash, t.CreatedAt.UTC(), t.ExpiresAt.UTC())
		if err != nil {
			return err
		}
		t.ID = id
		if audit != nil {
			audit.Entity, audit.EntityID = "token", id
			if audit.Credential == "" {
				audit.Credential = t.Credential()
			}
			return tx.appendAudit(ctx, audit)
		}
		return nil
	})
}

// TokenByHash implements ledger.AccountStore.
func (db *DB) TokenByHash(ctx context.Context, hash string) (*ledger.Token, error) {
	var t ledger.Token
	if err := db.get(ctx, &t, `SELECT * FROM tokens WHERE hash = ?`, hash); err != nil {
		return nil, err
	}
	return &t, nil
}

// TouchToken implements ledger.AccountStore.
func (db *DB) TouchToken(ctx context.Context, id int64, at time.Time) error {
	return db.inTx(ctx, func(tx *Tx) error {
		return tx.exec(ctx, `UPDATE tokens SET last_used_at = ? WHERE id = ?`, at.UTC(), id)
	})
}

// RevokeToken implements ledger.AccountStore.
func (db *DB) RevokeToken(ctx context.Context, id int64, at time.Time, audit *ledger.AuditEntry) error {
	return db.inTx(ctx, func(tx *Tx) error {
		var n int
		if err := tx.get(ctx, &n, `SELECT COUNT(*) FROM tokens WHERE id = ?`, id); err != nil {
			return err
		} else if n == 0 {
			return ledger.NotFound("token", id)
		}
		if err := tx.exec(ctx, `UPDATE tokens SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL`, at.UTC(), id); err != nil {
			return err
		}
		if audit != nil {
			audit.Entity, audit.EntityID = "token", id
			return tx.appendAudit(ctx, audit)
		}
		return nil
	})
}

// Tokens implements ledger.AccountStore.
func (db *DB) Tokens(ctx context.Context, accountID int64) ([]*ledger.Token, error) {
	var out []*ledger.Token
	if accountID == 0 {
		return out, db.sel(ctx, &out, `SELECT * FROM tokens ORDER BY created_at DESC, id DESC`)
	}
	return out, db.sel(ctx, &out, `SELECT * FROM tokens WHERE account_id = ? ORDER BY created_at DESC, id DESC`, accountID)
}

var auditCols = []string{"at", "account_id", "login", "role", "organization_id", "action", "entity", "entity_id", "summary", "credential", "client"}

// appendAudit appends an audit entry inside the transaction, at its time.
func (tx *Tx) appendAudit(ctx context.Context, e *ledger.AuditEntry) error {
	e.At = tx.now
	id, err := tx.insert(ctx, "audit_log", auditCols, e.At, e.AccountID, e.Login, string(e.Role), e.OrgID, e.Action,
		string(e.Entity), e.EntityID, e.Summary, e.Credential, e.Client)
	e.ID = id
	return err
}

// AppendAudit implements ledger.AuditLog.
func (db *DB) AppendAudit(ctx context.Context, e *ledger.AuditEntry) error {
	return db.inTx(ctx, func(tx *Tx) error { return tx.appendAudit(ctx, e) })
}

// AppendAudit implements ledger.Writer: the entry commits with the writes
// of the same transaction.
func (w txWriter) AppendAudit(ctx context.Context, e *ledger.AuditEntry) error {
	return w.tx.appendAudit(ctx, e)
}

// AuditEntries implements ledger.AuditLog.
func (db *DB) AuditEntries(ctx context.Context, f ledger.AuditFilter, offset, limit int) ([]*ledger.AuditEntry, int, error) {
	where, args := []string{"1 = 1"}, []any{}
	if f.Login != "" {
		where, args = append(where, "login = ?"), append(args, f.Login)
	}
	if f.OrgID != 0 {
		where, args = append(where, "organization_id = ?"), append(args, f.OrgID)
	}
	if len(f.Actions) > 0 {
		where = append(where, "action IN (?"+strings.Repeat(", ?", len(f.Actions)-1)+")")
		for _, a := range f.Actions {
			args = append(args, a)
		}
	}
	if !f.Since.IsZero() {
		where, args = append(where, "at >= ?"), append(args, f.Since.UTC())
	}
	cond := strings.Join(where, " AND ")
	var total int
	if err := db.get(ctx, &total, `SELECT COUNT(*) FROM audit_log WHERE `+cond, args...); err != nil {
		return nil, 0, err
	}
	var out []*ledger.AuditEntry
	err := db.sel(ctx, &out, `SELECT * FROM audit_log WHERE `+cond+` ORDER BY id DESC LIMIT ? OFFSET ?`, append(args, limit, offset)...)
	return out, total, err
}

// ClientSalt returns the database's secret salt for hashing client
// addresses in the audit log, made once at random and kept in meta, so
// every node hashes one client alike and an address cannot be recovered by
// hashing the address space without the database.
func (db *DB) ClientSalt(ctx context.Context) (string, error) {
	var salt string
	err := db.get(ctx, &salt, `SELECT value FROM meta WHERE key = 'client_salt'`)
	if err == nil {
		return salt, nil
	} else if ledger.ErrorCode(err) != ledger.ENOTFOUND {
		return "", err
	}
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		return "", err
	}
	salt = hex.EncodeToString(b)
	err = db.inTx(ctx, func(tx *Tx) error {
		return tx.exec(ctx, `INSERT INTO meta (key, value) VALUES ('client_salt', ?)`, salt)
	})
	if ledger.ErrorCode(err) == ledger.ECONFLICT { // another node made it first
		err = db.get(ctx, &salt, `SELECT value FROM meta WHERE key = 'client_salt'`)
	}
	return salt, err
}

// RowCounts returns the number of rows of every table of the ledger, by
// table: what a refused write must leave unchanged, and a quick census.
func (db *DB) RowCounts(ctx context.Context) (map[string]int64, error) {
	out := make(map[string]int64, len(copyTables))
	for _, t := range copyTables {
		var n int64
		if err := db.get(ctx, &n, `SELECT COUNT(*) FROM `+t); err != nil {
			return nil, err
		}
		out[t] = n
	}
	return out, nil
}
