package portal

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/hex"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/alexedwards/argon2id"

	"civicledger/ledger"
)

// Store is what the publishing side needs of the database: the ledger's
// reads and writes in one transaction, accounts and the audit log. The
// store implements it.
type Store interface {
	ledger.Reader
	ledger.Publisher
	ledger.AccountStore
	ledger.AuditLog
	ledger.CorrectionReader
	ledger.DraftStore
	// ClientSalt returns the secret salt of client-address hashes.
	ClientSalt(ctx context.Context) (string, error)
}

// Publishing is the write side of the core: sign-in and tokens (this
// file), the use cases of the programme's lifecycle (use.go), drafts and
// corrections (corrections.go). Every door — GraphQL mutations, the command
// line, the import — calls these, and each checks ledger.Authorize first.
type Publishing struct {
	Store Store
	// Now returns the current time; time.Now when nil.
	Now func() time.Time
	// Params are the argon2id parameters of new password hashes;
	// argon2id.DefaultParams (64 MiB, 1 pass, 2 lanes) when nil.
	Params *argon2id.Params
	// SessionTTL is how long a sign-in's session token lasts; 12 h when 0.
	SessionTTL time.Duration

	throttle throttle
	saltOnce sync.Once
	salt     string
	saltErr  error
}

func (p *Publishing) now() time.Time {
	if p.Now != nil {
		return p.Now()
	}
	return time.Now()
}

// Operator returns the actor of a person at the server's command line, who
// holds the database's keys: a bureau administrator named "cli:" + name,
// without an account (its audit entries have account 0).
func Operator(name string) ledger.Actor {
	return ledger.Actor{AccountID: -1, Login: "cli:" + name, Roles: []ledger.Role{ledger.RoleBureau}, Credential: "cli"}
}

// ActorOf returns the actor of an account, as a door that signed it in
// another way (the command line's --as) calls with it.
func ActorOf(a *ledger.Account, credential string) ledger.Actor {
	return ledger.Actor{AccountID: a.ID, Login: a.Login, OrgID: a.OrgID, Roles: a.Roles, Credential: credential}
}

// AccountAs returns the actor of the account with a login, for the command
// line and the import (--as LOGIN); a disabled account is refused.
func (p *Publishing) AccountAs(ctx context.Context, login string) (ledger.Actor, error) {
	a, err := p.Store.Account(ctx, login)
	if err != nil {
		return ledger.Actor{}, err
	}
	if a.Disabled {
		return ledger.Actor{}, ledger.Errorf(ledger.EFORBIDDEN, "account %s is disabled", login)
	}
	return ActorOf(a, "cli"), nil
}

// HashPassword returns the argon2id hash of a password that CheckPassword accepts.
func (p *Publishing) HashPassword(pw string) (string, error) {
	if err := ledger.CheckPassword(pw); err != nil {
		return "", err
	}
	params := argon2id.DefaultParams
	if p.Params != nil {
		params = p.Params
	}
	return argon2id.CreateHash(pw, params)
}

// AddAccount creates an account with a password (bureau administrators only).
func (p *Publishing) AddAccount(ctx context.Context, actor ledger.Actor, a *ledger.Account, password string) error {
	role, err := ledger.Authorize(actor, ledger.ActManageAccounts, nil)
	if err != nil {
		return err
	}
	if err := a.Validate(); err != nil {
		return err
	}
	if a.PasswordHash, err = p.HashPassword(password); err != nil {
		return err
	}
	return p.Store.CreateAccount(ctx, a, ledger.AuditEntryOf(actor, role, ledger.ActManageAccounts, "account", 0,
		"account "+a.Login+" created with roles "+rolesList(a.Roles)))
}

// Accounts lists every account (bureau administrators only).
func (p *Publishing) Accounts(ctx context.Context, actor ledger.Actor) ([]*ledger.Account, error) {
	if _, err := ledger.Authorize(actor, ledger.ActManageAccounts, nil); err != nil {
		return nil, err
	}
	return p.Store.Accounts(ctx)
}

// tokenPrefix starts every secret, so a leaked one is recognised by scanners.
const tokenPrefix = "clt_"

// newSecret returns a random token secret and its stored hash.
func newSecret() (secret, hash string, err error) {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		return "", "", err
	}
	secret = tokenPrefix + base64.RawURLEncoding.EncodeToString(b)
	return secret, hashSecret(secret), nil
}

func hashSecret(s string) string {
	h := sha256.Sum256([]byte(s))
	return hex.EncodeToString(h[:])
}

// CreateToken issues an API token for the account with a login, valid for
// ttl: an account for itself, a bureau administrator for anyone. The
// secret is returned once and stored only as its hash.
func (p *Publishing) CreateToken(ctx context.Context, actor ledger.Actor, login, name string, ttl time.Duration) (string, *ledger.Token, error) {
	acct, role, err := p.accountFor(ctx, actor, login)
	if err != nil {
		return "", nil, err
	}
	if ttl <= 0 || ttl > 2*365*24*time.Hour {
		return "", nil, ledger.Invalid("expiresIn", "a token lasts more than nothing and at most two years")
	}
	secret, hash, err := newSecret()
	if err != nil {
		return "", nil, err
	}
	now := p.now()
	t := &ledger.Token{AccountID: acct.ID, Kind: ledger.APIToken, Name: strings.TrimSpace(name), Hash: hash, CreatedAt: now, ExpiresAt: now.Add(ttl)}
	err = p.Store.CreateToken(ctx, t, ledger.AuditEntryOf(actor, role, ledger.ActManageAccounts, "token", 0,
		"API token "+t.Name+" created for "+acct.Login))
	return secret, t, err
}

// RevokeToken revokes a token of the account with a login (its own, or any
// for a bureau administrator).
func (p *Publishing) RevokeToken(ctx context.Context, actor ledger.Actor, id int64) error {
	if actor.Anonymous() {
		_, err := ledger.Authorize(actor, ledger.ActManageAccounts, nil)
		return err
	}
	toks, err := p.Store.Tokens(ctx, 0)
	if err != nil {
		return err
	}
	for _, t := range toks {
		if t.ID != id {
			continue
		}
		acct, err := p.Store.AccountByID(ctx, t.AccountID)
		if err != nil {
			return err
		}
		_, role, err := p.accountFor(ctx, actor, acct.Login)
		if err != nil {
			return err
		}
		return p.Store.RevokeToken(ctx, id, p.now(), ledger.AuditEntryOf(actor, role, ledger.ActManageAccounts, "token", id,
			"token "+strconv.FormatInt(id, 10)+" of "+acct.Login+" revoked"))
	}
	return ledger.NotFound("token", id)
}

// Tokens lists the tokens of the account with a login ("" for every
// account's, bureau administrators only).
func (p *Publishing) Tokens(ctx context.Context, actor ledger.Actor, login string) ([]*ledger.Token, error) {
	if login == "" {
		if _, err := ledger.Authorize(actor, ledger.ActManageAccounts, nil); err != nil {
			return nil, err
		}
		return p.Store.Tokens(ctx, 0)
	}
	acct, _, err := p.accountFor(ctx, actor, login)
	if err != nil {
		return nil, err
	}
	return p.Store.Tokens(ctx, acct.ID)
}

// accountFor returns the account with a login if actor may manage its
// credentials (its own, or as a bureau administrator), with the role that
// allows it.
func (p *Publishing) accountFor(ctx context.Context, actor ledger.Actor, login string) (*ledger.Account, ledger.Role, error) {
	if actor.Anonymous() {
		_, err := ledger.Authorize(actor, ledger.ActManageAccounts, nil)
		return nil, "", err
	}
	if actor.Login == login && actor.AccountID > 0 {
		acct, err := p.Store.AccountByID(ctx, actor.AccountID)
		if err != nil {
			return nil, "", err
		}
		return acct, actor.Roles[0], nil
	}
	role, err := ledger.Authorize(actor, ledger.ActManageAccounts, nil)
	if err != nil {
		return nil, "", err
	}
	acct, err := p.Store.Account(ctx, login)
	return acct, role, err
}

// ClientHash returns the salted hash the audit log keeps of a client
// address (16 hex digits), never the address.
func (p *Publishing) ClientHash(ctx context.Context, addr string) string {
	if addr == "" {
		return ""
	}
	p.saltOnce.Do(func() { p.salt, p.saltErr = p.Store.ClientSalt(ctx) })
	if p.saltErr != nil {
		return "unsalted"
	}
	h := sha256.Sum256([]byte(p.salt + "|" + addr))
	return hex.EncodeToString(h[:8])
}

// dummyHash is verified against when a login does not exist, so a wrong
// login takes as long as a wrong password.
var dummyHash = sync.OnceValue(func() string {
	h, _ := argon2id.CreateHash("not a password of anyone", argon2id.DefaultParams)
	return h
})

// SignIn checks a login and password and issues a session token, throttled
// per account and per client (addr, the client's address): after
// loginLimit failures of an account, or clientLimit of a client, within
// throttleWindow, further attempts are refused (RATE_LIMITED) until the
// window has passed, whatever the password. Every attempt, signed in or
// refused, is written to the audit log; the password never is.
func (p *Publishing) SignIn(ctx context.Context, login, password, addr string) (string, *ledger.Token, error) {
	client := p.ClientHash(ctx, addr)
	now := p.now()
	login = strings.ToLower(strings.TrimSpace(login))
	fail := func(summary string) error {
		_ = p.Store.AppendAudit(ctx, &ledger.AuditEntry{Login: login, Action: ledger.AuditSignInFailed, Summary: summary, Client: client})
		return &ledger.Error{Code: ledger.EUNAUTHENTICATED, Message: "wrong login or password"}
	}
	if wait := p.throttle.blocked(now, "login:"+login, "client:"+client); wait > 0 {
		_ = p.Store.AppendAudit(ctx, &ledger.AuditEntry{Login: login, Action: ledger.AuditSignInFailed, Summary: "throttled", Client: client})
		return "", nil, &ledger.Error{Code: ledger.ERATELIMITED, Message: "too many failed sign-ins: try again in " + wait.Round(time.Second).String()}
	}
	acct, err := p.Store.Account(ctx, login)
	if err != nil && ledger.ErrorCode(err) != ledger.ENOTFOUND {
		return "", nil, err
	}
	hash := ""
	if acct != nil {
		hash = acct.PasswordHash
	} else {
		hash = dummyHash()
	}
	ok, err := argon2id.ComparePasswordAndHash(password, hash)
	if err != nil || !ok || acct == nil || acct.Disabled {
		p.throttle.fail(now, "login:"+login, "client:"+client)
		return "", nil, fail("wrong login or password")
	}
	p.throttle.forget("login:" + login)
	secret, hash, err := newSecret()
	if err != nil {
		return "", nil, err
	}
	ttl := p.SessionTTL
	if ttl == 0 {
		ttl = 12 * time.Hour
	}
	t := &ledger.Token{AccountID: acct.ID, Kind: ledger.SessionToken, Name: "sign-in", Hash: hash, CreatedAt: now, ExpiresAt: now.Add(ttl)}
	entry := &ledger.AuditEntry{AccountID: acct.ID, Login: acct.Login, Role: acct.Roles[0], OrgID: acct.OrgID,
		Action: ledger.AuditSignIn, Summary: "signed in", Client: client}
	if err := p.Store.CreateToken(ctx, t, entry); err != nil {
		return "", nil, err
	}
	return secret, t, nil
}

// Authenticate resolves a bearer token to its actor: an unknown, expired
// or revoked token, or one of a disabled account, is refused with
// UNAUTHENTICATED. The token's last use is recorded at most once a minute.
func (p *Publishing) Authenticate(ctx context.Context, secret, addr string) (ledger.Actor, error) {
	refuse := &ledger.Error{Code: ledger.EUNAUTHENTICATED, Message: "the bearer token is not valid (unknown, expired or revoked)"}
	if !strings.HasPrefix(secret, tokenPrefix) {
		return ledger.Actor{}, refuse
	}
	h := hashSecret(secret)
	t, err := p.Store.TokenByHash(ctx, h)
	if ledger.ErrorCode(err) == ledger.ENOTFOUND {
		return ledger.Actor{}, refuse
	} else if err != nil {
		return ledger.Actor{}, err
	}
	now := p.now()
	if subtle.ConstantTimeCompare([]byte(t.Hash), []byte(h)) != 1 || !t.Usable(now) {
		return ledger.Actor{}, refuse
	}
	acct, err := p.Store.AccountByID(ctx, t.AccountID)
	if err != nil {
		return ledger.Actor{}, err
	}
	if acct.Disabled {
		return ledger.Actor{}, refuse
	}
	if t.LastUsedAt == nil || now.Sub(*t.LastUsedAt) > time.Minute {
		if err := p.Store.TouchToken(ctx, t.ID, now); err != nil {
			return ledger.Actor{}, err
		}
	}
	a := ActorOf(acct, t.Credential())
	a.Client = p.ClientHash(ctx, addr)
	return a, nil
}

// AuditLog returns entries of the audit log, newest first (bureau
// administrators only).
func (p *Publishing) AuditLog(ctx context.Context, actor ledger.Actor, f ledger.AuditFilter, offset, limit int) ([]*ledger.AuditEntry, int, error) {
	if _, err := ledger.Authorize(actor, ledger.ActReadAuditLog, nil); err != nil {
		return nil, 0, err
	}
	if limit <= 0 || limit > 1000 {
		limit = 100
	}
	return p.Store.AuditEntries(ctx, f, offset, limit)
}

// Throttling of sign-ins.
const (
	loginLimit     = 5                // failures of one account
	clientLimit    = 20               // failures from one client
	throttleWindow = 15 * time.Minute // counted over this window, and refused for it
	throttleKeys   = 100_000          // keys remembered; the oldest are forgotten first
)

// throttle counts failed sign-ins per key within a window.
type throttle struct {
	mu   sync.Mutex
	seen map[string]*failures
}

type failures struct {
	n     int
	first time.Time
}

func (t *throttle) limit(key string) int {
	if strings.HasPrefix(key, "client:") {
		return clientLimit
	}
	return loginLimit
}

// blocked returns how long the first of keys that is over its limit stays blocked, or 0.
func (t *throttle) blocked(now time.Time, keys ...string) time.Duration {
	t.mu.Lock()
	defer t.mu.Unlock()
	for _, k := range keys {
		f := t.seen[k]
		if f == nil {
			continue
		}
		if now.Sub(f.first) >= throttleWindow {
			delete(t.seen, k)
			continue
		}
		if f.n >= t.limit(k) {
			return throttleWindow - now.Sub(f.first)
		}
	}
	return 0
}

func (t *throttle) fail(now time.Time, keys ...string) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.seen == nil {
		t.seen = map[string]*failures{}
	}
	if len(t.seen) >= throttleKeys {
		for k, f := range t.seen { // forget expired windows, then any
			if now.Sub(f.first) >= throttleWindow || len(t.seen) >= throttleKeys {
				delete(t.seen, k)
			}
		}
	}
	for _, k := range keys {
		f := t.seen[k]
		if f == nil || now.Sub(f.first) >= throttleWindow {
			f = &failures{first: now}
			t.seen[k] = f
		}
		f.n++
	}
}

func (t *throttle) forget(key string) {
	t.mu.Lock()
	defer t.mu.Unlock()
	delete(t.seen, key)
}

func rolesList(rs []ledger.Role) string {
	s := make([]string, len(rs))
	for i, r := range rs {
		s[i] = string(r)
	}
	return strings.Join(s, ",")
}
