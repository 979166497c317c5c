// Package alerts sends email alerts on a saved search or a followed
// project: a subscription is confirmed by a single-use link mailed to the
// address (double opt-in; nothing else is sent until then), and each
// confirmed address gets a daily digest of what changed, read from the
// ledger's outbox, with a one-click unsubscribe (RFC 8058) that deletes the
// address. It is a door over the application core (package portal), the
// ledger's outbox and a ledger.SubscriptionStore.
//
//	POST /alerts/subscribe     email=…&project=CODE  or  email=…&search=q%3D…%26kinds%3D…   (form or JSON)
//	GET  /alerts/confirm?token=…      a page whose button confirms (mail scanners fetch links)
//	POST /alerts/confirm?token=…      confirms, once
//	GET  /alerts/unsubscribe?token=…  a page whose button unsubscribes
//	POST /alerts/unsubscribe?token=…  one-click unsubscribe (RFC 8058): deletes the address
//
// Addresses are personal data: no answer shows one (a subscription is
// answered the same whether the address was known or not), no log line
// holds one (errors are logged with the address taken out), and
// unsubscribing deletes it with all its subscriptions. Tokens travel in
// query strings, which the request log leaves out.
package alerts

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"html/template"
	"log/slog"
	"mime"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"

	lru "github.com/hashicorp/golang-lru/v2"
	"golang.org/x/time/rate"

	"civicledger/ledger"
	"civicledger/portal"
)

// ConfirmWithin is how long a confirmation link stays valid; an address
// whose subscriptions are all unconfirmed after it is deleted.
const ConfirmWithin = 72 * time.Hour

// Alerts is the email alert service and its HTTP endpoints.
type Alerts struct {
	// Portal is the application core (projects, saved searches).
	Portal *portal.Portal
	// Store keeps the subscriptions (the store implements it).
	Store ledger.SubscriptionStore
	// Outbox is the ledger's change log the digests read.
	Outbox ledger.Outbox
	// Watermark is the outbox position through which the search index has
	// caught up: digests report changes up to it, so a saved search sees
	// them.
	Watermark func() int64
	// Mailer sends the mail.
	Mailer Mailer
	// From is the sender address of the mails.
	From string
	// PublicURL is the portal's public address for links in mails.
	PublicURL string
	// ClientKey names the client a subscription is charged to (the API's
	// key, which knows the trusted proxies); the remote host when nil.
	ClientKey func(*http.Request) string
	// Limit is how many subscription requests one client may make per
	// hour (DefaultLimit when 0).
	Limit int
	// Now is the clock (time.Now when nil).
	Now func() time.Time
	// Log receives counts and errors, never an address.
	Log *slog.Logger

	limitersOnce sync.Once
	limiters     *lru.Cache[string, *rate.Limiter]
}

// DefaultLimit is the subscription requests one client may make per hour.
const DefaultLimit = 10

func (a *Alerts) now() time.Time {
	if a.Now != nil {
		return a.Now()
	}
	return time.Now()
}

func (a *Alerts) log() *slog.Logger {
	if a.Log != nil {
		return a.Log
	}
	return slog.Default()
}

// Register adds the alert endpoints to mux.
func (a *Alerts) Register(mux *http.ServeMux) {
	mux.HandleFunc("POST /alerts/subscribe", a.subscribe)
	mux.HandleFunc("GET /alerts/confirm", a.page(confirmPage))
	mux.HandleFunc("POST /alerts/confirm", a.confirm)
	mux.HandleFunc("GET /alerts/unsubscribe", a.page(unsubscribePage))
	mux.HandleFunc("POST /alerts/unsubscribe", a.unsubscribe)
}

// hash is the stored form of a confirmation token.
func hash(token string) string {
	s := sha256.Sum256([]byte(token))
	return hex.EncodeToString(s[:])
}

// redact takes an address out of an error's text (an SMTP server's reply
// may quote it) before the error is logged.
func redact(err error, addr string) string {
	if err == nil {
		return ""
	}
	s := err.Error()
	if addr != "" {
		s = strings.ReplaceAll(s, addr, "[address]")
	}
	return s
}

// SubscribeTo follows a project (its code) or a saved search (its query
// string): exactly one of the two, else it is refused naming "project".
// The same rule for the HTTP endpoint and the GraphQL mutation. It records
// a pending subscription of email to the project (kind PROJECT, target its
// code) or the saved search (kind SEARCH, target a query string as the
// search feed takes) and mails the confirmation link. An
// address already confirmed for it gets no mail. client is charged one of
// its subscription requests per hour (refused as UNAVAILABLE past them).
func (a *Alerts) SubscribeTo(ctx context.Context, client, email, project, search string) error {
	email, project = strings.TrimSpace(email), strings.TrimSpace(project)
	switch {
	case project != "" && search != "" && a.allow(client):
		return ledger.Invalid("project", "follow a project or a search, not both in one request")
	case project != "":
		return a.Subscribe(ctx, client, email, ledger.AlertProject, project)
	case search != "":
		return a.Subscribe(ctx, client, email, ledger.AlertSearch, search)
	case !a.allow(client):
		return tooMany
	}
	if err := ledger.CheckEmail("email", email); err != nil {
		return err
	}
	return ledger.Invalid("project", "name a project (project) or a saved search (search) to follow")
}

// Subscribe is SubscribeTo for a target of a given kind.
func (a *Alerts) Subscribe(ctx context.Context, client, email string, kind ledger.AlertKind, target string) error {
	if !a.allow(client) {
		return tooMany
	}
	if err := ledger.CheckEmail("email", email); err != nil {
		return err
	}
	var what string
	switch kind {
	case ledger.AlertProject:
		p, err := a.Portal.Project(ctx, target)
		if err != nil {
			return err
		}
		if p == nil {
			return ledger.Invalid("project", "no project has code %s", ledger.Excerpt(target))
		}
		what = "项目 " + p.Code + "「" + p.Title + "」"
	case ledger.AlertSearch:
		v, err := url.ParseQuery(strings.TrimPrefix(target, "?"))
		if err != nil {
			return ledger.Invalid("search", "not a query string such as q=养老&kinds=REPORT")
		}
		text, q, err := portal.ParseSearchParams(v)
		if err != nil {
			return ledger.Invalid("search", "%s", ledger.ErrorMessage(err)) // names the search's own parameter
		}
		target = portal.SearchParams(text, q)
		if target == "" {
			return ledger.Invalid("search", "a saved search needs search text or a filter")
		}
		what = "搜索「" + describe(text, q) + "」"
	default:
		return ledger.Invalid("kind", "alerts follow a PROJECT or a SEARCH")
	}
	token := rand.Text()
	now := a.now()
	confirmed, err := a.Store.Subscribe(ctx, email, kind, target, hash(token), rand.Text(), now.Add(ConfirmWithin), now)
	if ledger.ErrorCode(err) == ledger.ECONFLICT {
		// The same address subscribed at the same moment from elsewhere:
		// its row exists now, so the second attempt updates it.
		confirmed, err = a.Store.Subscribe(ctx, email, kind, target, hash(token), rand.Text(), now.Add(ConfirmWithin), now)
	}
	if err != nil || confirmed {
		return err
	}
	link := a.PublicURL + "/alerts/confirm?token=" + url.QueryEscape(token)
	body := "您好：\n\n有人（希望是您本人）在公益金阳光公示平台用此邮箱订阅了" + what + "的每日更新摘要。\n\n" +
		"请打开以下链接确认订阅（" + strconv.Itoa(int(ConfirmWithin.Hours())) + " 小时内有效，仅可使用一次）：\n" + link + "\n\n" +
		"如果不是您本人的操作，请忽略本邮件：未经确认，我们不会再给您发送任何邮件，并将在期满后删除此邮箱地址。\n"
	msg := &message{from: a.From, to: email, subject: "请确认订阅：" + what, body: body, now: now}
	if err := a.Mailer.Send(ctx, email, msg.bytes()); err != nil {
		a.log().Error("alert confirmation mail not sent", "err", redact(err, email))
		return ledger.Errorf(ledger.EUNAVAILABLE, "the confirmation mail could not be sent; please try again later")
	}
	a.log().Info("alert confirmation mail sent", "kind", string(kind))
	return nil
}

// Confirm spends a confirmation token: the subscription is confirmed and
// told of changes from now on.
func (a *Alerts) Confirm(ctx context.Context, token string) (*ledger.Subscription, error) {
	if token == "" {
		return nil, ledger.Invalid("token", "the link has no token")
	}
	var seq int64
	if a.Watermark != nil {
		seq = a.Watermark()
	}
	s, err := a.Store.ConfirmSubscription(ctx, hash(token), seq, a.now())
	if ledger.ErrorCode(err) == ledger.ENOTFOUND {
		return nil, ledger.Errorf(ledger.ENOTFOUND, "this confirmation link has been used or has expired")
	}
	if err == nil {
		a.log().Info("alert subscription confirmed", "kind", string(s.Kind))
	}
	return s, err
}

// Unsubscribe deletes the address whose unsubscribe token is token, with
// all its subscriptions. An unknown token is not an error: the address is
// gone either way.
func (a *Alerts) Unsubscribe(ctx context.Context, token string) error {
	if token == "" {
		return ledger.Invalid("token", "the link has no token")
	}
	err := a.Store.Unsubscribe(ctx, token)
	if ledger.ErrorCode(err) == ledger.ENOTFOUND {
		return nil
	}
	if err == nil {
		a.log().Info("alert address unsubscribed and deleted")
	}
	return err
}

// describe is a saved search in words.
func describe(text string, q *portal.SearchQuery) string {
	var parts []string
	if text != "" {
		parts = append(parts, text)
	}
	for _, k := range q.Kinds {
		parts = append(parts, portal.KindLabel(k))
	}
	parts = append(parts, q.SubKinds...)
	for _, s := range q.ServiceAreas {
		parts = append(parts, ledger.Label(s))
	}
	for _, y := range q.Years {
		parts = append(parts, strconv.Itoa(y)+"年")
	}
	parts = append(parts, q.Districts...)
	parts = append(parts, q.Organizations...)
	for _, s := range q.Stages {
		parts = append(parts, ledger.Label(s))
	}
	return strings.Join(parts, " · ")
}

// HTTP endpoints.

// tooMany refuses a client past its subscription requests.
var tooMany = ledger.Errorf(ledger.EUNAVAILABLE, "too many subscription requests from this client; try again in an hour")

// clientKey names the client of a request.
func (a *Alerts) clientKey(r *http.Request) string {
	if a.ClientKey != nil {
		return a.ClientKey(r)
	}
	host, _, _ := net.SplitHostPort(r.RemoteAddr)
	return host
}

// allow charges one subscription request to a client.
func (a *Alerts) allow(key string) bool {
	a.limitersOnce.Do(func() { a.limiters, _ = lru.New[string, *rate.Limiter](10000) })
	n := a.Limit
	if n <= 0 {
		n = DefaultLimit
	}
	l, ok := a.limiters.Get(key)
	if !ok {
		l = rate.NewLimiter(rate.Every(time.Hour/time.Duration(n)), n)
		a.limiters.Add(key, l)
	}
	return l.Allow()
}

// subscribeForm is what a subscription request carries.
type subscribeForm struct {
	Email   string `json:"email"`
	Project string `json:"project"`
	Search  string `json:"search"`
}

func (a *Alerts) subscribe(w http.ResponseWriter, r *http.Request) {
	client := a.clientKey(r)
	r.Body = http.MaxBytesReader(w, r.Body, 16<<10)
	var f subscribeForm
	mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if mt == "application/json" {
		if err := json.NewDecoder(r.Body).Decode(&f); err != nil {
			writeError(w, a.log(), ledger.Invalid("body", "not a JSON object with email and project or search"))
			return
		}
	} else {
		if err := r.ParseForm(); err != nil {
			writeError(w, a.log(), ledger.Invalid("body", "not a form with email and project or search"))
			return
		}
		f = subscribeForm{Email: r.PostForm.Get("email"), Project: r.PostForm.Get("project"), Search: r.PostForm.Get("search")}
	}
	err := a.SubscribeTo(r.Context(), client, f.Email, f.Project, f.Search)
	if err == tooMany {
		w.Header().Set("Retry-After", "3600")
		writeJSON(w, http.StatusTooManyRequests, map[string]string{"error": ledger.ErrorMessage(err)})
		return
	}
	if err != nil {
		writeError(w, a.log(), err)
		return
	}
	writeJSON(w, http.StatusAccepted, map[string]string{"status": "PENDING",
		"message": "如地址有效，确认邮件已发送；请在 " + strconv.Itoa(int(ConfirmWithin.Hours())) + " 小时内点击邮件中的链接确认订阅。"})
}

func (a *Alerts) confirm(w http.ResponseWriter, r *http.Request) {
	if _, err := a.Confirm(r.Context(), token(r)); err != nil {
		writeError(w, a.log(), err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]string{"status": "CONFIRMED", "message": "订阅已确认：每日摘要将发送到您的邮箱。"})
}

func (a *Alerts) unsubscribe(w http.ResponseWriter, r *http.Request) {
	if err := a.Unsubscribe(r.Context(), token(r)); err != nil {
		writeError(w, a.log(), err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]string{"status": "UNSUBSCRIBED", "message": "已退订：您的邮箱地址及其全部订阅已删除。"})
}

// token reads the token from the query string or a posted form.
func token(r *http.Request) string {
	if t := r.URL.Query().Get("token"); t != "" {
		return t
	}
	r.Body = http.MaxBytesReader(nil, r.Body, 4<<10)
	_ = r.ParseForm()
	return r.PostForm.Get("token")
}

var pages = template.Must(template.New("").Parse(`
{{define "page"}}<!doctype html><html lang="zh-CN"><meta charset="utf-8"><meta name="viewport" content="width=device-width">
<title>{{.Title}}</title><body><h1>{{.Title}}</h1><p>{{.Text}}</p>
<form method="post" action="{{.Action}}"><input type="hidden" name="token" value="{{.Token}}"><button type="submit">{{.Button}}</button></form></body></html>{{end}}`))

type pageData struct{ Title, Text, Action, Token, Button string }

var (
	confirmPage     = pageData{Title: "确认订阅", Text: "点击下面的按钮，确认用此邮箱接收每日更新摘要。", Action: "/alerts/confirm", Button: "确认订阅"}
	unsubscribePage = pageData{Title: "退订", Text: "点击下面的按钮退订：您的邮箱地址及其全部订阅将被删除。", Action: "/alerts/unsubscribe", Button: "退订"}
)

// page shows a page whose button posts the link's token: a mail scanner
// that fetches the link does not confirm or unsubscribe.
func (a *Alerts) page(p pageData) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		p := p
		p.Token = r.URL.Query().Get("token")
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.Header().Set("Cache-Control", "no-store")
		_ = pages.ExecuteTemplate(w, "page", p)
	}
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

// writeError answers an error: refusals with their message and field, any
// other error as an internal error, logged (its text holds no address: the
// store's errors do not quote values).
func writeError(w http.ResponseWriter, log *slog.Logger, err error) {
	status := http.StatusInternalServerError
	body := map[string]string{"error": "internal error"}
	switch ledger.ErrorCode(err) {
	case ledger.EINVALID:
		status = http.StatusBadRequest
		body["error"] = ledger.ErrorMessage(err)
		if f := ledger.ErrorField(err); f != "" {
			body["field"] = f
		}
	case ledger.ENOTFOUND:
		status, body["error"] = http.StatusNotFound, ledger.ErrorMessage(err)
	case ledger.EUNAVAILABLE:
		status, body["error"] = http.StatusServiceUnavailable, ledger.ErrorMessage(err)
	default:
		log.Error("alert request failed", "err", fmt.Sprint(err))
	}
	writeJSON(w, status, body)
}
