package ledger

import (
	"context"
	"regexp"
	"slices"
	"strings"
	"time"
)

// Accounts, credentials and the audit log of the people who publish.

// Account is a person or script who publishes for one organization, in
// the roles it holds. Its password is kept only as an argon2id hash.
type Account struct {
	ID           int64     `db:"id" json:"id"`
	Login        string    `db:"login" json:"login"`
	Name         string    `db:"name" json:"name"`
	OrgID        int64     `db:"organization_id" json:"organizationId"`
	Roles        []Role    `db:"-" json:"roles"`
	PasswordHash string    `db:"password_hash" json:"-"`
	Disabled     bool      `db:"disabled" json:"disabled"`
	CreatedAt    time.Time `db:"created_at" json:"createdAt"`
}

var loginPattern = regexp.MustCompile(`^[a-z0-9][a-z0-9._-]{1,39}$`)

// Validate checks an account before it is written: a login of 2–40
// lowercase letters, digits, dots, dashes and underscores, a name, an
// organization, and at least one known account role, none twice.
func (a *Account) Validate() error {
	if !loginPattern.MatchString(a.Login) {
		return Invalid("account.login", "login %s must be 2–40 lowercase letters, digits, '.', '_' or '-', starting with a letter or digit", Excerpt(a.Login))
	}
	if err := requireText("account.name", a.Name, 100); err != nil {
		return err
	}
	if a.OrgID == 0 {
		return Invalid("account.organization", "an account belongs to one organization")
	}
	if len(a.Roles) == 0 {
		return Invalid("account.roles", "an account needs at least one role")
	}
	for i, r := range a.Roles {
		if !slices.Contains(AccountRoles, r) {
			return Invalid("account.roles["+itoa(i)+"]", "role %s is not one of BUREAU, FINANCE, EVALUATOR, AUDITOR, UNDERTAKER, MODERATOR", Excerpt(string(r)))
		}
		if slices.Contains(a.Roles[:i], r) {
			return Invalid("account.roles["+itoa(i)+"]", "role %s is given twice", r)
		}
	}
	return nil
}

// CheckRoleFitsOrg refuses a role the account's organization cannot hold:
// an undertaker role for an organization that is not an undertaker, an
// evaluator role outside an evaluation agency, an auditor role outside an
// audit agency, and the bureau and finance roles outside a government
// department. A moderator may belong to any organization.
func CheckRoleFitsOrg(roles []Role, kind OrgKind) error {
	need := map[Role]OrgKind{RoleBureau: Department, RoleFinance: Department, RoleEvaluator: Evaluator,
		RoleAuditor: Auditor, RoleUndertaker: Undertaker}
	for i, r := range roles {
		if k, ok := need[r]; ok && k != kind {
			return Invalid("account.roles["+itoa(i)+"]", "role %s needs an organization of kind %s, this one is a %s", r, k, kind)
		}
	}
	return nil
}

// CheckPassword refuses a password too short or too long to use: at least
// 12 characters (NIST SP 800-63B's advice is length, not composition) and
// at most 256.
func CheckPassword(pw string) error {
	n := len([]rune(pw))
	if n < 12 {
		return Invalid("password", "a password needs at least 12 characters, this one has %d", n)
	}
	if n > 256 {
		return Invalid("password", "a password has at most 256 characters")
	}
	return nil
}

// TokenKind says how a token was issued.
type TokenKind string

// Token kinds.
const (
	APIToken     TokenKind = "API"     // for scripts, made by `civicledger token create`
	SessionToken TokenKind = "SESSION" // issued by the login mutation
)

// Token is a credential of an account: an opaque random secret shown once,
// stored only as its SHA-256 hash, with an expiry, revocable, with its
// last use recorded.
type Token struct {
	ID         int64      `db:"id" json:"id"`
	AccountID  int64      `db:"account_id" json:"accountId"`
	Kind       TokenKind  `db:"kind" json:"kind"`
	Name       string     `db:"name" json:"name"`
	Hash       string     `db:"hash" json:"-"`
	CreatedAt  time.Time  `db:"created_at" json:"createdAt"`
	ExpiresAt  time.Time  `db:"expires_at" json:"expiresAt"`
	RevokedAt  *time.Time `db:"revoked_at" json:"revokedAt"`
	LastUsedAt *time.Time `db:"last_used_at" json:"lastUsedAt"`
}

// Credential is how the audit log names the token ("token:12", "session:40").
func (t *Token) Credential() string {
	if t.Kind == SessionToken {
		return "session:" + itoa(int(t.ID))
	}
	return "token:" + itoa(int(t.ID))
}

// Usable reports whether t may be used at instant now: not revoked and not expired.
func (t *Token) Usable(now time.Time) bool {
	return t.RevokedAt == nil && now.Before(t.ExpiresAt)
}

// AuditEntry is one line of the append-only audit log: a write or a
// sign-in, who made it in which role for which organization, through which
// credential, from which client (a salted hash, never the address).
type AuditEntry struct {
	ID         int64     `db:"id" json:"id"`
	At         time.Time `db:"at" json:"at"`
	AccountID  int64     `db:"account_id" json:"accountId"` // 0 for the system
	Login      string    `db:"login" json:"login"`
	Role       Role      `db:"role" json:"role"`
	OrgID      int64     `db:"organization_id" json:"organizationId"`
	Action     string    `db:"action" json:"action"` // an Action, SIGN_IN or SIGN_IN_FAILED
	Entity     Entity    `db:"entity" json:"entity"` // the record written, if any
	EntityID   int64     `db:"entity_id" json:"entityId"`
	Summary    string    `db:"summary" json:"summary"` // what was done, in a line
	Credential string    `db:"credential" json:"credential"`
	Client     string    `db:"client" json:"client"`
}

// Sign-in actions of the audit log.
const (
	AuditSignIn       = "SIGN_IN"
	AuditSignInFailed = "SIGN_IN_FAILED"
)

// AuditEntryOf returns the audit entry of a write actor a makes in role r.
func AuditEntryOf(a Actor, r Role, act Action, entity Entity, id int64, summary string) *AuditEntry {
	return &AuditEntry{AccountID: max(a.AccountID, 0), Login: a.Login, Role: r, OrgID: a.OrgID, Action: string(act),
		Entity: entity, EntityID: id, Summary: Excerpt(summary), Credential: a.Credential, Client: a.Client}
}

// AuditFilter selects audit log entries; the zero value selects all.
type AuditFilter struct {
	Login   string
	OrgID   int64
	Actions []string
	Since   time.Time
}

// AccountStore keeps accounts and their tokens. Each write that changes
// who may do what appends its audit entry in the same transaction.
type AccountStore interface {
	// CreateAccount writes a new account (ECONFLICT naming account.login
	// when the login is taken; EINVALID when its organization does not exist).
	CreateAccount(ctx context.Context, a *Account, audit *AuditEntry) error
	// Account returns the account with a login (ENOTFOUND).
	Account(ctx context.Context, login string) (*Account, error)
	// AccountByID returns an account (ENOTFOUND).
	AccountByID(ctx context.Context, id int64) (*Account, error)
	// Accounts returns every account, by login.
	Accounts(ctx context.Context) ([]*Account, error)
	// CreateToken stores a token by its hash.
	CreateToken(ctx context.Context, t *Token, audit *AuditEntry) error
	// TokenByHash returns the token with a hash (ENOTFOUND), usable or not.
	TokenByHash(ctx context.Context, hash string) (*Token, error)
	// TouchToken records a token's use at an instant.
	TouchToken(ctx context.Context, id int64, at time.Time) error
	// RevokeToken revokes a token (ENOTFOUND); revoking twice keeps the first time.
	RevokeToken(ctx context.Context, id int64, at time.Time, audit *AuditEntry) error
	// Tokens returns an account's tokens (every account's when accountID is 0), newest first.
	Tokens(ctx context.Context, accountID int64) ([]*Token, error)
}

// AuditLog is the append-only log of writes and sign-ins.
type AuditLog interface {
	// AppendAudit appends one entry in a transaction of its own.
	AppendAudit(ctx context.Context, e *AuditEntry) error
	// AuditEntries returns entries matching f, newest first, and the total.
	AuditEntries(ctx context.Context, f AuditFilter, offset, limit int) ([]*AuditEntry, int, error)
}

// ParseRoles reads a comma-separated list of roles ("BUREAU,FINANCE"),
// case-insensitively, refusing an unknown one.
func ParseRoles(s string) ([]Role, error) {
	var out []Role
	for _, f := range strings.Split(s, ",") {
		f = strings.ToUpper(strings.TrimSpace(f))
		if f == "" {
			continue
		}
		if !slices.Contains(AccountRoles, Role(f)) {
			return nil, Invalid("roles", "role %s is not one of BUREAU, FINANCE, EVALUATOR, AUDITOR, UNDERTAKER, MODERATOR", Excerpt(f))
		}
		out = append(out, Role(f))
	}
	return out, nil
}

type actorKey struct{}

// WithActor returns ctx carrying the caller a; a door sets it once it has
// resolved the caller's credential.
func WithActor(ctx context.Context, a Actor) context.Context {
	return context.WithValue(ctx, actorKey{}, a)
}

// ActorFrom returns the caller ctx carries, the anonymous Actor when none.
func ActorFrom(ctx context.Context) Actor {
	a, _ := ctx.Value(actorKey{}).(Actor)
	return a
}

type clientKey struct{}

// WithClient returns ctx carrying the caller's network address as the door
// sees it (for throttling sign-ins and the audit log's salted hash; it is
// never stored or logged as it is).
func WithClient(ctx context.Context, addr string) context.Context {
	return context.WithValue(ctx, clientKey{}, addr)
}

// ClientFrom returns the caller's address ctx carries, or "".
func ClientFrom(ctx context.Context) string {
	s, _ := ctx.Value(clientKey{}).(string)
	return s
}
