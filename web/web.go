// Package web serves the citizens' pages: server-rendered HTML in Chinese
// first (English on request), over the same application core (package
// portal) as the GraphQL API. It is a door: it turns a request into one or
// a few core calls and renders their answer; it writes no SQL, imports no
// store and holds no business rule, so a page shows exactly the figures
// the API gives.
//
// Templates and static files are embedded and parsed once, at New; a page
// is rendered into a buffer before anything is written, so a failure shows
// the error page instead of half a page. Static files are served under
// names carrying a hash of their content, cached for a year. Every answer
// carries a Content-Security-Policy with no inline script.
package web

import (
	"bytes"
	"context"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"fmt"
	"html/template"
	"io/fs"
	"log/slog"
	"net/http"
	"net/url"
	"path"
	"strings"
	"time"

	"civicledger/ledger"
	"civicledger/portal"
)

//go:embed templates/*.html
var templateFS embed.FS

//go:embed static
var staticFS embed.FS

// Options configure the pages.
type Options struct {
	// BaseURL is the portal's public address (https://example.org), used in
	// canonical links, Open Graph tags, the sitemap and QR codes; when
	// empty it is taken from each request's Host.
	BaseURL string
	// Log receives internal errors (their detail is never shown).
	Log *slog.Logger
	// ClientKey names the client of a form submission for the core's rate
	// limits (the API's, so both doors count alike); the connection's
	// address when nil.
	ClientKey func(*http.Request) string
}

// Handler serves the pages.
type Handler struct {
	core    *portal.Portal
	opts    Options
	log     *slog.Logger
	pages   map[string]*template.Template
	assets  map[string]asset // by logical name, e.g. "style.css"
	byPath  map[string]asset // by fingerprinted file name
	mux     *http.ServeMux
	started time.Time
}

type asset struct {
	name, hashed, ctype string
	body                []byte
}

// pageNames are the templates each page is rendered with (beside layout).
var pageNames = []string{"home", "projects", "project", "organizations", "organization", "announcements",
	"announcement", "report", "search", "cases", "collection", "about", "opendata", "error", "receipt", "objection", "corrections"}

// New parses the embedded templates and fingerprints the static files; an
// error means the binary itself is broken.
func New(core *portal.Portal, opts Options) (*Handler, error) {
	h := &Handler{core: core, opts: opts, log: opts.Log, pages: map[string]*template.Template{},
		assets: map[string]asset{}, byPath: map[string]asset{}, started: time.Now()}
	if h.log == nil {
		h.log = slog.New(slog.DiscardHandler)
	}
	opts.BaseURL = strings.TrimRight(opts.BaseURL, "/")
	h.opts = opts
	err := fs.WalkDir(staticFS, "static", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := staticFS.ReadFile(p)
		if err != nil {
			return err
		}
		sum := sha256.Sum256(b)
		name := path.Base(p)
		ext := path.Ext(name)
		a := asset{name: name, hashed: strings.TrimSuffix(name, ext) + "." + hex.EncodeToString(sum[:6]) + ext, body: b,
			ctype: map[string]string{".css": "text/css; charset=utf-8", ".js": "text/javascript; charset=utf-8",
				".svg": "image/svg+xml", ".ico": "image/x-icon"}[ext]}
		h.assets[name], h.byPath[a.hashed] = a, a
		return nil
	})
	if err != nil {
		return nil, err
	}
	funcs := template.FuncMap{
		"asset": func(name string) (string, error) {
			a, ok := h.assets[name]
			if !ok {
				return "", fmt.Errorf("no static file %q", name)
			}
			return "/static/" + a.hashed, nil
		},
	}
	for k, v := range formatFuncs {
		funcs[k] = v
	}
	for _, name := range pageNames {
		t, err := template.New(name).Funcs(funcs).ParseFS(templateFS, "templates/layout.html", "templates/parts.html", "templates/"+name+".html")
		if err != nil {
			return nil, fmt.Errorf("template %s: %w", name, err)
		}
		if t.Lookup("content") == nil || t.Lookup("layout") == nil {
			return nil, fmt.Errorf("template %s defines no content", name)
		}
		h.pages[name] = t
	}
	h.routes()
	return h, nil
}

// MustNew is New for start-up wiring: the templates are part of the
// binary, and the tests parse them, so an error here is a broken build.
func MustNew(core *portal.Portal, opts Options) *Handler {
	h, err := New(core, opts)
	if err != nil {
		panic(err)
	}
	return h
}

// handlerFunc is a page handler: it renders or returns an error, which
// errorPage turns into the error page.
type handlerFunc func(w http.ResponseWriter, r *http.Request, v *view) error

func (h *Handler) routes() {
	m := http.NewServeMux()
	page := func(pattern string, fn handlerFunc) {
		m.HandleFunc(pattern, func(w http.ResponseWriter, r *http.Request) {
			v := h.newView(w, r)
			ctx := h.core.WithLoaders(r.Context())
			r = r.WithContext(ctx)
			if err := fn(w, r, v); err != nil {
				h.errorPage(w, r, v, err)
			}
		})
	}
	page("GET /{$}", h.home)
	page("GET /projects", h.projects)
	page("GET /projects/{code}", h.project)
	page("GET /organizations", h.organizations)
	page("GET /organizations/{code}", h.organization)
	page("GET /announcements", h.announcements)
	page("GET /announcements/{code}", h.announcement)
	page("GET /reports/{code}", h.report)
	page("GET /search", h.search)
	page("GET /cases", h.cases)
	page("GET /cases/{id}", h.collection)
	page("POST /projects/{code}/feedback", h.postFeedback)
	page("POST /announcements/{code}/objection", h.postObjection)
	page("GET /objections", h.objectionStatus)
	page("GET /corrections", h.corrections)
	page("GET /about-data", h.about)
	page("GET /open-data", h.openData)
	m.HandleFunc("GET /charts/{name}", h.chartSVG)
	m.HandleFunc("GET /qr/{kind}/{code}", h.qrSVG)
	m.HandleFunc("GET /static/{file}", h.static)
	m.HandleFunc("GET /sitemap.xml", h.sitemap)
	m.HandleFunc("GET /robots.txt", h.robots)
	m.HandleFunc("GET /prefs", h.prefs)
	page("/", func(w http.ResponseWriter, r *http.Request, v *view) error {
		return ledger.NotFound("page", r.URL.Path)
	})
	h.mux = m
}

// csp allows only this site's own files: no inline script, no framing by
// anyone, forms posted only here.
const csp = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; font-src 'self'; " +
	"object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'"

// ServeHTTP serves a page with the security headers every page carries.
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	hd := w.Header()
	hd.Set("Content-Security-Policy", csp)
	hd.Set("X-Content-Type-Options", "nosniff")
	hd.Set("Referrer-Policy", "no-referrer")
	hd.Set("X-Frame-Options", "DENY")
	h.mux.ServeHTTP(w, r)
}

// render writes the page template name with v into a buffer, then sends it.
func (h *Handler) render(w http.ResponseWriter, r *http.Request, v *view, name string, status int) error {
	var buf bytes.Buffer
	v.Page = name
	if err := h.pages[name].ExecuteTemplate(&buf, "layout", v); err != nil {
		return err
	}
	hd := w.Header()
	hd.Set("Content-Type", "text/html; charset=utf-8")
	hd.Set("Content-Language", v.HTMLLang())
	hd.Set("Vary", "Cookie")
	hd.Set("Cache-Control", "no-cache")
	w.WriteHeader(status)
	if r.Method != http.MethodHead {
		_, _ = w.Write(buf.Bytes())
	}
	return nil
}

// errorPage shows what went wrong in the site's design: a missing record
// or page as 404, refused input with the field to fix as 400, anything
// else as a plain apology whose detail goes to the log only.
func (h *Handler) errorPage(w http.ResponseWriter, r *http.Request, v *view, err error) {
	status, msg := http.StatusInternalServerError, ""
	switch ledger.ErrorCode(err) {
	case ledger.ENOTFOUND:
		status = http.StatusNotFound
	case ledger.EINVALID:
		status, msg = http.StatusBadRequest, ledger.ErrorMessage(err)
	case ledger.EUNAVAILABLE:
		status = http.StatusServiceUnavailable
	case ledger.EFORBIDDEN:
		status = http.StatusForbidden
	case ledger.ERATELIMITED:
		status, msg = http.StatusTooManyRequests, ledger.ErrorMessage(err)
	default:
		if r.Context().Err() == nil {
			h.log.Error("page failed", "path", r.URL.Path, "err", err.Error())
		}
	}
	v.Title = v.T(fmt.Sprintf("error%d", status))
	v.Description = v.T("errorDesc")
	v.NoIndex = true
	v.Data = struct {
		Status  int
		Message string
	}{status, msg}
	if rerr := h.render(w, r, v, "error", status); rerr != nil {
		h.log.Error("error page failed", "err", rerr.Error())
		http.Error(w, http.StatusText(status), status)
	}
}

// static serves a fingerprinted file for a year; an old fingerprint is not
// found (the page that asked for it is older than the binary).
func (h *Handler) static(w http.ResponseWriter, r *http.Request) {
	a, ok := h.byPath[r.PathValue("file")]
	if !ok {
		h.errorPage(w, r, h.newView(nil, r), ledger.NotFound("file", r.PathValue("file")))
		return
	}
	w.Header().Set("Content-Type", a.ctype)
	w.Header().Set("Cache-Control", "public, max-age=31536000, immutable")
	http.ServeContent(w, r, a.hashed, h.started, bytes.NewReader(a.body))
}

// prefs remembers a visitor's language or elderly-friendly mode in a
// cookie and returns to the page they came from (a path on this site).
func (h *Handler) prefs(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	set := func(name, value string) { setPref(w, r, name, value) }
	if l := q.Get("lang"); l == "en" || l == "zh" {
		set("lang", l)
	}
	if c := q.Get("care"); c == "1" || c == "0" {
		set("care", c)
	}
	back := q.Get("back")
	if u, err := url.Parse(back); err != nil || !strings.HasPrefix(back, "/") || strings.HasPrefix(back, "//") || u.Host != "" {
		back = "/"
	} else if strings.Contains(back, "lang=") {
		// The language chosen now wins over one the page's address carried.
		q := u.Query()
		q.Del("lang")
		u.RawQuery = q.Encode()
		back = u.String()
	}
	w.Header().Set("Cache-Control", "no-store")
	http.Redirect(w, r, back, http.StatusSeeOther)
}

// setPref remembers a preference for a year.
func setPref(w http.ResponseWriter, r *http.Request, name, value string) {
	http.SetCookie(w, &http.Cookie{Name: name, Value: value, Path: "/", MaxAge: 365 * 24 * 3600,
		HttpOnly: true, SameSite: http.SameSiteLaxMode, Secure: r.TLS != nil})
}

func (h *Handler) robots(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	fmt.Fprintf(w, "User-agent: *\nDisallow: /graphql\nDisallow: /prefs\nSitemap: %s/sitemap.xml\n", h.base(r))
}

// base is the portal's public address for r.
func (h *Handler) base(r *http.Request) string {
	if h.opts.BaseURL != "" {
		return h.opts.BaseURL
	}
	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	}
	return scheme + "://" + r.Host
}

// dataset returns the data set's note for the page's banner.
func (h *Handler) dataset(ctx context.Context) *ledger.Meta {
	m, err := h.core.Dataset(ctx)
	if err != nil || m == nil {
		return &ledger.Meta{}
	}
	return m
}
