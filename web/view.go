package web

import (
	"net/http"
	"net/url"
	"strings"

	"civicledger/ledger"
)

// view is what every page template gets: the visitor's language and mode,
// the page's title, description and canonical address, the data set's
// note, and the page's own data.
type view struct {
	Lang        string // "zh" or "en"
	Care        bool   // elderly-friendly mode (适老化)
	Page        string // template name, for the navigation
	Title       string
	Description string
	Canonical   string
	Base        string
	Path        string // the request's path and query, for the switches
	NoIndex     bool
	Meta        *ledger.Meta
	Data        any
	today       ledger.Date
}

// newView reads the visitor's language (?lang= or the lang cookie) and
// elderly-friendly mode (the care cookie). A language given in the address
// is remembered in the cookie (when w is not nil), so a shared English link
// keeps the visitor in English as they browse on.
func (h *Handler) newView(w http.ResponseWriter, r *http.Request) *view {
	v := &view{Lang: "zh", Base: h.base(r), Path: r.URL.RequestURI(), today: h.core.Today()}
	cookie := ""
	if c, err := r.Cookie("lang"); err == nil {
		cookie = c.Value
	}
	if cookie == "en" {
		v.Lang = "en"
	}
	if l := r.URL.Query().Get("lang"); l == "en" || l == "zh" {
		v.Lang = l
		if w != nil && l != cookie && !(l == "zh" && cookie == "") {
			setPref(w, r, "lang", l)
		}
	}
	if c, err := r.Cookie("care"); err == nil && c.Value == "1" {
		v.Care = true
	}
	// The canonical address is the page without the visitor's paging
	// position, in the language shown.
	q := r.URL.Query()
	q.Del("after")
	q.Del("before")
	q.Del("lang")
	if v.Lang == "en" {
		q.Set("lang", "en")
	}
	v.Canonical = v.Base + r.URL.Path
	if enc := q.Encode(); enc != "" {
		v.Canonical += "?" + enc
	}
	v.Meta = h.dataset(r.Context())
	return v
}

// En reports whether the page is in English.
func (v *view) En() bool { return v.Lang == "en" }

// HTMLLang is the page's lang attribute.
func (v *view) HTMLLang() string {
	if v.En() {
		return "en"
	}
	return "zh-CN"
}

// RecordLang is the lang attribute for the records' own text (always
// Chinese): set on an element only on an English page.
func (v *view) RecordLang() string {
	if v.En() {
		return "zh-CN"
	}
	return ""
}

// T is the page's text for key in its language.
func (v *view) T(key string) string {
	s, ok := texts[key]
	if !ok {
		return key
	}
	if v.En() {
		return s[1]
	}
	return s[0]
}

// L is the label of an enumeration value in the page's language.
func (v *view) L(value any) string {
	s := strings.TrimSpace(toString(value))
	if s == "" {
		return ""
	}
	if v.En() {
		if e, ok := englishLabels[s]; ok {
			return e
		}
		return humanize(s)
	}
	return ledger.Label(s)
}

// Switch returns the address that sets a preference and comes back here.
func (v *view) Switch(name, value string) string {
	return "/prefs?" + url.Values{name: {value}, "back": {v.Path}}.Encode()
}

// Today is the portal's date.
func (v *view) Today() ledger.Date { return v.today }

func toString(v any) string {
	switch x := v.(type) {
	case string:
		return x
	case interface{ String() string }:
		return x.String()
	case ledger.ServiceArea:
		return string(x)
	case ledger.Stage:
		return string(x)
	case ledger.Outcome:
		return string(x)
	case ledger.ReviewKind:
		return string(x)
	case ledger.OrgKind:
		return string(x)
	case ledger.TrancheKind:
		return string(x)
	case ledger.MetricKind:
		return string(x)
	case ledger.Provenance:
		return string(x)
	case ledger.AnnouncementKind:
		return string(x)
	case ledger.ReportKind:
		return string(x)
	case ledger.AuditResult:
		return string(x)
	case ledger.Role:
		return string(x)
	case ledger.Grade:
		return string(x)
	case ledger.ProjectScope:
		return string(x)
	case ledger.DocKind:
		return string(x)
	}
	return ""
}

// humanize turns ELDERLY_SUPPORT into "Elderly support".
func humanize(s string) string {
	s = strings.ToLower(strings.ReplaceAll(s, "_", " "))
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}
