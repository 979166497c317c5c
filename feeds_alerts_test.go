package main

import (
	"bytes"
	"context"
	"encoding/base64"
	"io"
	"log/slog"
	"mime"
	"net"
	"net/http"
	"net/http/httptest"
	"net/mail"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-smtp"

	"civicledger/demo"
	"civicledger/ledger"
	"civicledger/store"
	"civicledger/store/storetest"
)

// mailbox is an SMTP server run by the test (go-smtp, in process) that
// keeps every message it is given.
type mailbox struct {
	addr string
	got  chan received
}

type received struct {
	from string
	to   []string
	msg  *mail.Message
	body string
}

type smtpBackend struct{ box *mailbox }

func (b smtpBackend) NewSession(*smtp.Conn) (smtp.Session, error) {
	return &smtpSession{box: b.box}, nil
}

type smtpSession struct {
	box  *mailbox
	from string
	to   []string
}

func (s *smtpSession) Reset()        { s.from, s.to = "", nil }
func (s *smtpSession) Logout() error { return nil }
func (s *smtpSession) Mail(from string, _ *smtp.MailOptions) error {
	s.from = from
	return nil
}
func (s *smtpSession) Rcpt(to string, _ *smtp.RcptOptions) error {
	s.to = append(s.to, to)
	return nil
}
func (s *smtpSession) Data(r io.Reader) error {
	raw, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	m, err := mail.ReadMessage(bytes.NewReader(raw))
	if err != nil {
		return err
	}
	b, _ := io.ReadAll(m.Body)
	body := string(b)
	if m.Header.Get("Content-Transfer-Encoding") == "base64" {
		dec, err := base64.StdEncoding.DecodeString(strings.Join(strings.Fields(body), ""))
		if err != nil {
			return err
		}
		body = string(dec)
	}
	s.box.got <- received{from: s.from, to: s.to, msg: m, body: body}
	return nil
}

func startMailbox(t *testing.T) *mailbox {
	t.Helper()
	box := &mailbox{got: make(chan received, 16)}
	srv := smtp.NewServer(smtpBackend{box: box})
	srv.Domain = "localhost"
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go func() { _ = srv.Serve(ln) }()
	t.Cleanup(func() { srv.Close() })
	box.addr = ln.Addr().String()
	return box
}

// next returns the next message the server received; the send returned
// before this is called, so the message is already there.
func (b *mailbox) next(t *testing.T) received {
	t.Helper()
	select {
	case m := <-b.got:
		return m
	default:
		t.Fatal("no mail was received")
		return received{}
	}
}

func (b *mailbox) empty(t *testing.T) {
	t.Helper()
	select {
	case m := <-b.got:
		t.Fatalf("unexpected mail %q: %s", m.msg.Header.Get("Subject"), m.body)
	default:
	}
}

// lockedBuffer is a log sink shared by the server's goroutines.
type lockedBuffer struct {
	sync.Mutex
	b bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) { l.Lock(); defer l.Unlock(); return l.b.Write(p) }
func (l *lockedBuffer) String() string              { l.Lock(); defer l.Unlock(); return l.b.String() }

// TestAlertCycle runs a whole subscription on both dialects, through the
// portal's own handler (with its request log) and a real SMTP server:
// subscribe → confirmation mail → confirm → a write → digest → RFC 8058
// one-click unsubscribe → the address is gone from the database, and the
// log of all of it never holds the address.
func TestAlertCycle(t *testing.T) {
	for _, d := range storetest.Dialects {
		t.Run(string(d), func(t *testing.T) { alertCycle(t, d) })
	}
}

// alertPortal opens a portal with alerts on, a small demo ledger and its
// search index, mailing through a test SMTP server, logging into logs.
func alertPortal(t *testing.T, d store.Dialect) (*app, *httptest.Server, *mailbox, *lockedBuffer, []*ledger.Project) {
	ctx := context.Background()
	dir := t.TempDir()
	dbURL := filepath.Join(dir, "civicledger.db")
	if d == store.Postgres {
		dbURL = storetest.PostgresSchema(t)
	}
	box := startMailbox(t)
	cfg := config{DataDir: dir, DatabaseURL: dbURL, LogLevel: "debug",
		Alerts: alertConfig{PublicURL: "https://gongyi.example.org", SMTPAddr: box.addr, From: "alerts@gongyi.example.org", digestAt: "07:00", AlertLimit: 6}}
	if err := cfg.Alerts.resolve(); err != nil {
		t.Fatal(err)
	}
	logs := &lockedBuffer{}
	log := slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	a, err := open(ctx, cfg, log)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(a.close)
	if _, err := demo.Load(ctx, a.db, demo.Options{Projects: 12, ReportsPerProject: 2}); err != nil {
		t.Fatal(err)
	}
	if err := a.follower.CatchUp(ctx); err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(a.handler)
	t.Cleanup(srv.Close)
	ps, _, err := a.db.FindProjects(ctx, ledger.ProjectFilter{}, ledger.ProjectOrder{}, 0, 2)
	if err != nil || len(ps) < 2 {
		t.Fatalf("no project: %v", err)
	}
	return a, srv, box, logs, ps
}

func alertCycle(t *testing.T, d store.Dialect) {
	ctx := context.Background()
	a, srv, box, logs, ps := alertPortal(t, d)
	p := ps[0]
	const addr = "reader.test+alerts@example.org"

	post := func(path string, form url.Values) (int, string) {
		t.Helper()
		res, err := http.PostForm(srv.URL+path, form)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		b, _ := io.ReadAll(res.Body)
		return res.StatusCode, string(b)
	}

	// Refused input names the field, and never repeats the address.
	for _, c := range []struct {
		form  url.Values
		field string
	}{
		{url.Values{"email": {"not an address"}, "project": {p.Code}}, `"field":"email"`},
		{url.Values{"email": {addr}, "project": {"NO-SUCH"}}, `"field":"project"`},
		{url.Values{"email": {addr}, "search": {"stages=NOPE"}}, `"field":"search"`},
	} {
		if code, body := post("/alerts/subscribe", c.form); code != 400 || !strings.Contains(body, c.field) || strings.Contains(body, addr) {
			t.Fatalf("%v: %d %s", c.form, code, body)
		}
	}
	box.empty(t)

	// Subscribe to the project and to a saved search: one confirmation
	// mail each, nothing else.
	if code, body := post("/alerts/subscribe", url.Values{"email": {addr}, "project": {p.Code}}); code != 202 || strings.Contains(body, addr) {
		t.Fatalf("subscribe: %d %s", code, body)
	}
	conf := box.next(t)
	if len(conf.to) != 1 || conf.to[0] != addr || conf.from != "alerts@gongyi.example.org" {
		t.Fatalf("envelope %s → %v", conf.from, conf.to)
	}
	subject, _ := new(mime.WordDecoder).DecodeHeader(conf.msg.Header.Get("Subject"))
	if !strings.Contains(subject, "请确认订阅") || !strings.Contains(subject, p.Code) || conf.msg.Header.Get("List-Unsubscribe") != "" {
		t.Fatalf("confirmation mail: %q %v", subject, conf.msg.Header)
	}
	link := regexp.MustCompile(`https://gongyi\.example\.org/alerts/confirm\?token=\S+`).FindString(conf.body)
	if link == "" {
		t.Fatalf("no confirmation link in %s", conf.body)
	}
	if code, _ := post("/alerts/subscribe", url.Values{"email": {addr}, "search": {"q=梧桐巷&kinds=REPORT"}}); code != 202 {
		t.Fatalf("subscribe to a search: %d", code)
	}
	searchLink := regexp.MustCompile(`https://gongyi\.example\.org/alerts/confirm\?token=\S+`).FindString(box.next(t).body)

	// Nothing is sent until confirmed, even when something changes.
	publish := func(code, title string, p *ledger.Project) {
		t.Helper()
		r := &ledger.Report{Code: code, Kind: ledger.QuarterlySummary, Title: title, Body: title + "。本季度服务照常开展。",
			ProjectID: &p.ID, PublishedOn: ledger.DateOf(time.Now())}
		if err := a.db.PublishReport(ctx, ledger.Attribution{Actor: "alerts-test", Role: ledger.RoleUndertaker}, r); err != nil {
			t.Fatal(err)
		}
		if err := a.follower.CatchUp(ctx); err != nil {
			t.Fatal(err)
		}
	}
	publish("ALERT-R0", "确认前的季度总结", p)
	if rep, err := a.digests.SendDigests(ctx); err != nil || rep.Mails != 0 {
		t.Fatalf("digest before confirmation: %+v %v", rep, err)
	}
	box.empty(t)

	// Opening the link shows a button; only its POST confirms, once.
	res, err := http.Get(strings.Replace(link, "https://gongyi.example.org", srv.URL, 1))
	if err != nil {
		t.Fatal(err)
	}
	page, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if res.StatusCode != 200 || !strings.Contains(string(page), `method="post"`) {
		t.Fatalf("confirmation page: %d %s", res.StatusCode, page)
	}
	if rep, _ := a.digests.SendDigests(ctx); rep.Mails != 0 {
		t.Fatal("the GET confirmed the subscription")
	}
	for _, l := range []string{link, searchLink} {
		u, _ := url.Parse(l)
		if code, body := post("/alerts/confirm", url.Values{"token": {u.Query().Get("token")}}); code != 200 {
			t.Fatalf("confirm: %d %s", code, body)
		}
	}
	u, _ := url.Parse(link)
	if code, _ := post("/alerts/confirm", url.Values{"token": {u.Query().Get("token")}}); code != 404 {
		t.Fatalf("a spent token confirmed again: %d", code)
	}

	// A write after confirmation: the next digest has it, and only it.
	publish("ALERT-R1", "梧桐巷长者食堂季度总结", p)
	publish("ALERT-OTHER", "另一个项目的季度总结", ps[1])
	ann := &ledger.Announcement{Code: "ALERT-A1", Kind: ledger.MidtermResults, Title: "中期评审结果补充公告",
		Body: "补充公告正文。", PublishedOn: ledger.DateOf(time.Now()), ProjectIDs: []int64{p.ID}}
	if err := a.db.PublishAnnouncement(ctx, ledger.Attribution{Actor: "alerts-test", Role: ledger.RoleEvaluator}, ann); err != nil {
		t.Fatal(err)
	}
	if err := a.follower.CatchUp(ctx); err != nil {
		t.Fatal(err)
	}
	rep, err := a.digests.SendDigests(ctx)
	if err != nil || rep.Mails != 1 {
		t.Fatalf("digest: %+v %v", rep, err)
	}
	dg := box.next(t)
	unsub := dg.msg.Header.Get("List-Unsubscribe")
	if dg.to[0] != addr || !strings.HasPrefix(unsub, "<https://gongyi.example.org/alerts/unsubscribe?token=") ||
		dg.msg.Header.Get("List-Unsubscribe-Post") != "List-Unsubscribe=One-Click" {
		t.Fatalf("digest headers: %v", dg.msg.Header)
	}
	if !strings.Contains(dg.body, "梧桐巷长者食堂季度总结") || !strings.Contains(dg.body, "https://gongyi.example.org/reports/ALERT-R1") ||
		!strings.Contains(dg.body, "https://gongyi.example.org/announcements/ALERT-A1") ||
		strings.Contains(dg.body, "确认前的季度总结") || strings.Contains(dg.body, "另一个项目") || !strings.Contains(dg.body, "【关注的项目 "+p.Code+"】") ||
		!strings.Contains(dg.body, "【保存的搜索：梧桐巷 · 报告】") {
		t.Fatalf("digest body:\n%s", dg.body)
	}
	box.empty(t)
	if rep, _ := a.digests.SendDigests(ctx); rep.Mails != 0 {
		t.Fatal("the same changes were sent twice")
	}
	box.empty(t)

	// Too many subscription requests from one client are refused.
	code, _ := post("/alerts/subscribe", url.Values{"email": {"other@example.org"}, "project": {p.Code}})
	_ = box.next(t)
	if code != 202 {
		t.Fatalf("sixth request: %d", code)
	}
	if code, _ := post("/alerts/subscribe", url.Values{"email": {"other@example.org"}, "project": {p.Code}}); code != 429 {
		t.Fatalf("seventh request from one client in an hour (limit 6): %d, want 429", code)
	}

	// One-click unsubscribe (RFC 8058): a POST of List-Unsubscribe=One-Click
	// to the header's URL deletes the address.
	target := strings.Replace(strings.Trim(unsub, "<>"), "https://gongyi.example.org", srv.URL, 1)
	res, err = http.Post(target, "application/x-www-form-urlencoded", strings.NewReader("List-Unsubscribe=One-Click"))
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != 200 {
		t.Fatalf("one-click unsubscribe: %d", res.StatusCode)
	}
	if ok, err := a.db.SubscriberExists(ctx, addr); err != nil || ok {
		t.Fatalf("the address is still in the database (%v)", err)
	}
	subs, err := a.db.ConfirmedSubscriptions(ctx)
	if err != nil || len(subs) != 0 {
		t.Fatalf("subscriptions left: %d %v", len(subs), err)
	}
	publish("ALERT-R2", "梧桐巷退订后的季度总结", p)
	if rep, _ := a.digests.SendDigests(ctx); rep.Mails != 0 {
		t.Fatal("a digest after unsubscribing")
	}
	box.empty(t)

	// The log saw every step and never the address.
	text := logs.String()
	for _, step := range []string{"path=/alerts/subscribe", "path=/alerts/confirm", "path=/alerts/unsubscribe", "alert digests"} {
		if !strings.Contains(text, step) {
			t.Fatalf("the log lacks %q:\n%s", step, text)
		}
	}
	for _, secret := range []string{addr, "reader.test", "other@example.org"} {
		if strings.Contains(text, secret) {
			t.Fatalf("the log holds %q:\n%s", secret, text)
		}
	}
}

// TestAlertSettingsRefusedByName: feed and alert settings that do not
// parse, or SMTP without what its mails need, are refused at start by name;
// the alert endpoints answer 503 without SMTP.
func TestAlertSettingsRefusedByName(t *testing.T) {
	for _, c := range []struct {
		env  map[string]string
		args []string
		name string // in the error
	}{
		{nil, []string{"-public-url", "ftp://gongyi.example.org"}, "-public-url"},
		{nil, []string{"-public-url", "https://gongyi.example.org/portal"}, "-public-url"},
		{map[string]string{"CIVICLEDGER_DIGEST_AT": "7h"}, nil, "CIVICLEDGER_DIGEST_AT"},
		{map[string]string{"CIVICLEDGER_ALERT_LIMIT": "many"}, nil, "CIVICLEDGER_ALERT_LIMIT"},
		{nil, []string{"-alert-limit", "0"}, "-alert-limit"},
		{nil, []string{"-smtp-addr", "smtp.example.org"}, "-smtp-addr"},
		{nil, []string{"-smtp-addr", "smtp.example.org:587", "-smtp-from", "alerts@example.org"}, "-public-url"},
		{nil, []string{"-smtp-addr", "smtp.example.org:587", "-public-url", "https://gongyi.example.org"}, "-smtp-from"},
	} {
		for k, v := range c.env {
			t.Setenv(k, v)
		}
		_, _, err := parseArgs(c.args)
		if err == nil || !strings.Contains(err.Error(), c.name) {
			t.Errorf("%v %q: err %v, want one naming %s", c.env, c.args, err, c.name)
		}
		for k := range c.env {
			os.Unsetenv(k)
		}
	}
	_, cfg, err := parseArgs([]string{"-smtp-addr", "smtp.example.org:587", "-smtp-from", "alerts@gongyi.example.org",
		"-public-url", "https://gongyi.example.org/", "-digest-at", "06:30"})
	if err != nil || cfg.Alerts.PublicURL != "https://gongyi.example.org" || cfg.Alerts.DigestAt != 6*time.Hour+30*time.Minute {
		t.Fatalf("settings: %+v %v", cfg.Alerts, err)
	}
	_, url := startPortal(t)
	res, err := http.PostForm(url+"/alerts/subscribe", map[string][]string{"email": {"a@example.org"}, "project": {"x"}})
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusServiceUnavailable {
		t.Fatalf("alerts without SMTP: %d", res.StatusCode)
	}
}

// TestAlertMutations: the GraphQL mutations run the same alert use cases:
// refused input is userErrors, a subscription mails its confirmation link,
// whose token confirms once, and an unsubscribe deletes the address.
func TestAlertMutations(t *testing.T) {
	ctx := context.Background()
	a, srv, box, logs, ps := alertPortal(t, store.SQLite)
	const addr = "mutation.reader@example.org"
	type payload struct {
		Status     *string
		Message    *string
		UserErrors []struct{ Field, Message, Code string }
	}
	call := func(query string, vars map[string]any) payload {
		t.Helper()
		var out map[string]payload
		gql(t, srv.URL, query, vars, &out)
		for _, p := range out {
			return p
		}
		return payload{}
	}
	sub := `mutation($in: SubscribeAlertInput!) { subscribeAlert(input: $in) { status message userErrors { field message code } } }`
	if p := call(sub, map[string]any{"in": map[string]any{"email": "nobody", "project": ps[0].Code}}); p.Status != nil ||
		len(p.UserErrors) != 1 || p.UserErrors[0].Field != "email" {
		t.Fatalf("bad address: %+v", p)
	}
	if p := call(sub, map[string]any{"in": map[string]any{"email": addr, "search": "q=养老&kinds=REPORT"}}); p.Status == nil || *p.Status != "PENDING" {
		t.Fatalf("subscribe: %+v", p)
	}
	link := regexp.MustCompile(`https://gongyi\.example\.org/alerts/confirm\?token=\S+`).FindString(box.next(t).body)
	u, _ := url.Parse(link)
	conf := `mutation($t: String!) { confirmAlert(token: $t) { status userErrors { field } } }`
	if p := call(conf, map[string]any{"t": u.Query().Get("token")}); p.Status == nil || *p.Status != "CONFIRMED" {
		t.Fatalf("confirm: %+v", p)
	}
	subs, err := a.db.ConfirmedSubscriptions(ctx)
	if err != nil || len(subs) != 1 || subs[0].Target != "q=%E5%85%BB%E8%80%81&kinds=REPORT" {
		t.Fatalf("confirmed: %+v %v", subs, err)
	}
	unsub := `mutation($t: String!) { unsubscribeAlert(token: $t) { status } }`
	if p := call(unsub, map[string]any{"t": subs[0].UnsubscribeToken}); p.Status == nil || *p.Status != "UNSUBSCRIBED" {
		t.Fatalf("unsubscribe: %+v", p)
	}
	if ok, _ := a.db.SubscriberExists(ctx, addr); ok {
		t.Fatal("the address is kept after unsubscribing")
	}
	if strings.Contains(logs.String(), addr) {
		t.Fatal("the log holds the address")
	}
}
