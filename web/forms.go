package web

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/hex"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"civicledger/ledger"
	"civicledger/portal"
)

// The feedback and objection forms post without JavaScript to the core's
// participation use cases. Each form carries a CSRF token (the same random
// value in a SameSite=Strict cookie and a hidden field, and a POST whose
// Origin is another site is refused) and an idempotency key made when the
// form was shown, so a double click or a reload stores one submission. A
// refused submission shows the form again with what was typed and, next to
// each field, what to fix; an accepted one answers with a receipt page.

// maxForm is the largest form body accepted.
const maxForm = 64 << 10

// form is a form's state for its template.
type form struct {
	Values  url.Values
	Errors  map[string]string // by form field: what to fix
	Problem string            // a refusal that is not about one field
	CSRF    string
	Key     string // idempotency key
}

// Get is the value typed into a field.
func (f *form) Get(name string) string { return f.Values.Get(name) }

// Err is the message for a field, "" when it is fine.
func (f *form) Err(name string) string { return f.Errors[name] }

// randomToken is 16 random bytes in hex.
func randomToken() string {
	var b [16]byte
	if _, err := rand.Read(b[:]); err != nil {
		panic(err)
	}
	return hex.EncodeToString(b[:])
}

// newForm starts a form: the visitor's CSRF token (set as a cookie when
// they have none) and a fresh idempotency key.
func newForm(w http.ResponseWriter, r *http.Request) *form {
	f := &form{Values: url.Values{}, Errors: map[string]string{}, Key: randomToken()}
	if c, err := r.Cookie("csrf"); err == nil && len(c.Value) == 32 {
		f.CSRF = c.Value
	} else {
		f.CSRF = randomToken()
		http.SetCookie(w, &http.Cookie{Name: "csrf", Value: f.CSRF, Path: "/", HttpOnly: true,
			SameSite: http.SameSiteStrictMode, Secure: r.TLS != nil})
	}
	return f
}

// readForm parses a posted form and checks its CSRF token and origin; it
// returns the form as typed, or an EFORBIDDEN error.
func readForm(w http.ResponseWriter, r *http.Request) (*form, error) {
	r.Body = http.MaxBytesReader(w, r.Body, maxForm)
	if err := r.ParseForm(); err != nil {
		return nil, ledger.Invalid("form", "the form could not be read (at most %d KB)", maxForm>>10)
	}
	f := &form{Values: r.PostForm, Errors: map[string]string{}, Key: r.PostForm.Get("key")}
	if f.Key == "" || len(f.Key) > 64 {
		f.Key = randomToken()
	}
	c, err := r.Cookie("csrf")
	token := r.PostForm.Get("csrf")
	if err != nil || token == "" || subtle.ConstantTimeCompare([]byte(c.Value), []byte(token)) != 1 {
		return nil, ledger.Errorf(ledger.EFORBIDDEN, "csrf")
	}
	if o := r.Header.Get("Origin"); o != "" && o != "null" {
		if u, err := url.Parse(o); err != nil || u.Host != r.Host {
			return nil, ledger.Errorf(ledger.EFORBIDDEN, "csrf")
		}
	}
	f.CSRF = token
	return f, nil
}

// withClient tells the core who is submitting (for its rate limits, which
// keep only a salted hash of the address).
func (h *Handler) withClient(r *http.Request) *http.Request {
	key := ""
	if h.opts.ClientKey != nil {
		key = h.opts.ClientKey(r)
	} else if host, _, err := net.SplitHostPort(r.RemoteAddr); err == nil {
		key = host
	}
	return r.WithContext(ledger.WithClient(r.Context(), key))
}

// refusal puts a refused submission's error next to its field, or at the
// top of the form; fields maps the core's input fields to the form's.
func (f *form) refusal(v *view, err error, fields map[string]string) {
	field := strings.TrimPrefix(ledger.ErrorField(err), "input.")
	if name, ok := fields[field]; ok {
		f.Errors[name] = v.T("fix_"+name) + " (" + ledger.ErrorMessage(err) + ")"
		return
	}
	if ledger.ErrorCode(err) == ledger.ERATELIMITED {
		f.Problem = v.T("tooMany") + " (" + ledger.ErrorMessage(err) + ")"
		return
	}
	f.Problem = ledger.ErrorMessage(err)
}

// isRefusal reports whether err is a refusal of what was typed (shown on
// the form) rather than a failure (the error page).
func isRefusal(err error) bool {
	switch ledger.ErrorCode(err) {
	case ledger.EINVALID, ledger.ERATELIMITED, ledger.ECONFLICT:
		return true
	}
	return false
}

func optionalRating(f *form, name string) *int {
	s := f.Get(name)
	if s == "" {
		return nil
	}
	n, err := strconv.Atoi(s)
	if err != nil {
		n = -1 // refused by the core, naming the field
	}
	return &n
}

// Feedback

type feedbackReceipt struct {
	R *portal.FeedbackReceipt
}

var feedbackFields = map[string]string{"rating": "rating", "serviceQuality": "serviceQuality", "staffAttitude": "staffAttitude",
	"lifeEffect": "lifeEffect", "comment": "comment", "respondent": "respondent", "code": "fcode"}

func (h *Handler) postFeedback(w http.ResponseWriter, r *http.Request, v *view) error {
	code := r.PathValue("code")
	f, err := readForm(w, r)
	if err != nil {
		return err
	}
	rating, _ := strconv.Atoi(f.Get("rating"))
	in := portal.FeedbackInput{Project: code, Code: f.Get("fcode"), Rating: rating,
		ServiceQuality: optionalRating(f, "serviceQuality"), StaffAttitude: optionalRating(f, "staffAttitude"),
		LifeEffect: optionalRating(f, "lifeEffect"), Comment: f.Get("comment"),
		Respondent: ledger.Respondent(f.Get("respondent")), IdempotencyKey: f.Key}
	rec, err := h.core.SubmitFeedback(h.withClient(r).Context(), in)
	if err != nil {
		if !isRefusal(err) {
			return err
		}
		f.refusal(v, err, feedbackFields)
		return h.renderProject(w, r, v, code, f, http.StatusUnprocessableEntity)
	}
	v.Title, v.Description, v.NoIndex = v.T("feedbackThanks"), v.T("feedbackThanks"), true
	v.Data = feedbackReceipt{R: rec}
	return h.render(w, r, v, "receipt", http.StatusOK)
}

// Objections

type objectionReceipt struct {
	R *portal.ObjectionReceipt
}

var objectionFields = map[string]string{"project": "project", "name": "name", "contact": "contact", "text": "text"}

func (h *Handler) postObjection(w http.ResponseWriter, r *http.Request, v *view) error {
	code := r.PathValue("code")
	f, err := readForm(w, r)
	if err != nil {
		return err
	}
	in := portal.ObjectionInput{Announcement: code, Project: f.Get("project"), Name: f.Get("name"), Contact: f.Get("contact"),
		Text: f.Get("text"), IdempotencyKey: f.Key}
	rec, err := h.core.FileObjection(h.withClient(r).Context(), in)
	if err != nil {
		if !isRefusal(err) {
			return err
		}
		f.refusal(v, err, objectionFields)
		return h.renderAnnouncement(w, r, v, code, f, http.StatusUnprocessableEntity)
	}
	v.Title, v.Description, v.NoIndex = v.T("objectionThanks"), v.T("objectionThanks"), true
	v.Data = objectionReceipt{R: rec}
	return h.render(w, r, v, "receipt", http.StatusOK)
}

// objectionStatus shows where an objection stands, by its receipt.
func (h *Handler) objectionStatus(w http.ResponseWriter, r *http.Request, v *view) error {
	receipt := strings.TrimSpace(r.URL.Query().Get("receipt"))
	v.Title, v.Description, v.NoIndex = v.T("objectionStatus"), v.T("objectionStatusDesc"), true
	d := struct {
		Receipt string
		O       *portal.PublicObjection
		Asked   bool
	}{Receipt: receipt, Asked: receipt != ""}
	if receipt != "" {
		o, err := h.core.ObjectionStatus(r.Context(), receipt)
		if err != nil && ledger.ErrorCode(err) != ledger.ENOTFOUND && ledger.ErrorCode(err) != ledger.EINVALID {
			return err
		}
		d.O = o
	}
	v.Data = d
	return h.render(w, r, v, "objection", http.StatusOK)
}
