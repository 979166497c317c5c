package web_test

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"golang.org/x/net/html"

	"civicledger/ledger"
	"civicledger/portal"
	"civicledger/store"
)

// formOf reads a page's form (by its action) and the CSRF cookie the page
// set: the hidden fields' values, ready to post.
func formOf(t *testing.T, s *site, page, action string) (url.Values, []*http.Cookie) {
	t.Helper()
	doc, resp, _ := s.page(t, page, http.StatusOK)
	forms := find(doc, tag("form", "action", action))
	if len(forms) != 1 {
		t.Fatalf("%s: no form posting to %s", page, action)
	}
	vals := url.Values{}
	for _, in := range find(forms[0], tag("input", "type", "hidden")) {
		vals.Set(attr(in, "name"), attr(in, "value"))
	}
	return vals, resp.Cookies()
}

// post sends a form as a browser would.
func (s *site) post(t *testing.T, path string, vals url.Values, cookies []*http.Cookie, origin string) (*html.Node, int, string) {
	t.Helper()
	req := httptest.NewRequest("POST", path, strings.NewReader(vals.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	if origin != "" {
		req.Header.Set("Origin", origin)
	}
	for _, c := range cookies {
		req.AddCookie(c)
	}
	rec := httptest.NewRecorder()
	s.handler.ServeHTTP(rec, req)
	body, _ := io.ReadAll(rec.Result().Body)
	doc, err := html.Parse(strings.NewReader(string(body)))
	if err != nil {
		t.Fatal(err)
	}
	return doc, rec.Code, string(body)
}

func byID(doc *html.Node, id string) string {
	ns := find(doc, func(n *html.Node) bool { return attr(n, "id") == id })
	if len(ns) != 1 {
		return ""
	}
	return text(ns[0])
}

// TestFeedbackForm: the feedback form posts without JavaScript; a refused
// submission comes back with what was typed and the error next to its
// field; an accepted one answers with a receipt; a resubmission of the
// same form stores nothing twice; a post without the form's token is
// refused.
func TestFeedbackForm(t *testing.T) {
	s := demoSite(t, store.SQLite)
	project := pageTypes(t, s)["project"]
	action := project + "/feedback"
	vals, cookies := formOf(t, s, project, action)
	if vals.Get("csrf") == "" || vals.Get("key") == "" || len(cookies) == 0 {
		t.Fatalf("form without token or key: %v %v", vals, cookies)
	}

	// No rating: refused, the comment kept, the error beside the rating.
	vals.Set("comment", "服务很好，谢谢社工")
	vals.Set("respondent", "FAMILY")
	doc, code, _ := s.post(t, action, vals, cookies, "http://example.com")
	if code != http.StatusUnprocessableEntity {
		t.Fatalf("no rating: status %d", code)
	}
	if byID(doc, "f-rating-err") == "" {
		t.Error("no error next to the rating")
	}
	if ta := find(doc, tag("textarea", "name", "comment")); len(ta) != 1 || text(ta[0]) != "服务很好，谢谢社工" {
		t.Error("the comment typed was not kept")
	}
	if sel := find(doc, tag("option", "value", "FAMILY")); len(sel) != 1 || !hasAttr(sel[0], "selected") {
		t.Error("the respondent chosen was not kept")
	}

	// A wrong feedback code: refused beside the code field.
	vals.Set("rating", "4")
	vals.Set("fcode", "AAAA-AAAA-AA")
	doc, code, _ = s.post(t, action, vals, cookies, "")
	if code != http.StatusUnprocessableEntity || byID(doc, "f-fcode-err") == "" {
		t.Errorf("bad code: status %d, no error beside the code", code)
	}

	// Accepted: a receipt.
	vals.Del("fcode")
	doc, code, _ = s.post(t, action, vals, cookies, "")
	receipt := byID(doc, "receipt-no")
	if code != http.StatusOK || !strings.HasPrefix(receipt, "FK-") {
		t.Fatalf("accepted: status %d, receipt %q", code, receipt)
	}
	// The same form sent again (a double click, a reload): the same receipt.
	doc, code, body := s.post(t, action, vals, cookies, "")
	if code != http.StatusOK || byID(doc, "receipt-no") != receipt || !strings.Contains(body, "没有重复保存") {
		t.Errorf("resubmission: status %d, receipt %q (first %q)", code, byID(doc, "receipt-no"), receipt)
	}

	// Without the token, or from another site: refused.
	for name, c := range map[string]struct {
		cookies []*http.Cookie
		origin  string
	}{"no cookie": {nil, ""}, "other site": {cookies, "https://evil.example"}} {
		if _, code, _ := s.post(t, action, vals, c.cookies, c.origin); code != http.StatusForbidden {
			t.Errorf("%s: status %d, want 403", name, code)
		}
	}
}

func hasAttr(n *html.Node, key string) bool {
	for _, a := range n.Attr {
		if a.Key == key {
			return true
		}
	}
	return false
}

// TestObjectionForm: on a notice open today the objection form is there;
// a missing name comes back with the text kept; an accepted objection
// answers with a receipt whose number finds its state.
func TestObjectionForm(t *testing.T) {
	s := demoSite(t, store.SQLite)
	page := "/announcements/" + s.notice.Code
	action := page + "/objection"
	vals, cookies := formOf(t, s, page, action)
	doc, _, _ := s.page(t, page, http.StatusOK)
	opts := find(doc, func(n *html.Node) bool {
		return n.Data == "option" && n.Parent != nil && attr(n.Parent, "name") == "project"
	})
	if len(opts) == 0 {
		t.Fatal("no project to object to")
	}
	vals.Set("project", attr(opts[0], "value"))
	vals.Set("text", "该机构去年的项目没有按时完成。")
	vals.Set("contact", "13800000000")
	doc, code, _ := s.post(t, action, vals, cookies, "")
	if code != http.StatusUnprocessableEntity || byID(doc, "o-name-err") == "" {
		t.Fatalf("no name: status %d, no error beside the name", code)
	}
	if ta := find(doc, tag("textarea", "name", "text")); len(ta) != 1 || text(ta[0]) != "该机构去年的项目没有按时完成。" {
		t.Error("the objection typed was not kept")
	}
	vals.Set("name", "张三")
	doc, code, _ = s.post(t, action, vals, cookies, "")
	receipt := byID(doc, "receipt-no")
	if code != http.StatusOK || !strings.HasPrefix(receipt, "YY-") {
		t.Fatalf("accepted: status %d, receipt %q", code, receipt)
	}
	doc, _, _ = s.page(t, "/objections?receipt="+url.QueryEscape(receipt), http.StatusOK)
	if st := byID(doc, "objection-state"); !strings.Contains(st, "已收到") {
		t.Errorf("status of %s: %q", receipt, st)
	}
}

// TestCorrectionsRegister: a correction published through the core is on
// the register page with its reason, linking to the corrected project.
func TestCorrectionsRegister(t *testing.T) {
	s := demoSite(t, store.SQLite)
	ctx := context.Background()
	depts, err := s.core.Organizations(ctx, []ledger.OrgKind{ledger.Department}, portal.PageArgs{First: ptr(1)})
	if err != nil || len(depts.Items) == 0 {
		t.Fatal("no department", err)
	}
	ps, err := s.core.Projects(s.core.WithLoaders(ctx), ledger.ProjectFilter{Years: []int{2012}}, ledger.ProjectOrder{Field: ledger.OrderByCode}, portal.PageArgs{First: ptr(1)}, nil)
	if err != nil || len(ps.Items) == 0 {
		t.Fatal("no project", err)
	}
	p := ps.Items[0]
	bureau := ledger.Actor{AccountID: 1, Login: "bureau", OrgID: depts.Items[0].ID, Roles: []ledger.Role{ledger.RoleBureau}}
	reason := "服务对象人数笔误，更正为协议所载数字"
	group := p.TargetGroup + "（更正）"
	if _, err := s.core.Publishing.CorrectProject(ctx, bureau, &portal.ProjectCorrection{Code: p.Code, Reason: reason, TargetGroup: &group}); err != nil {
		t.Fatal(err)
	}
	doc, _, _ := s.page(t, "/corrections", http.StatusOK)
	list := find(doc, tag("ol", "id", "corrections"))
	if len(list) != 1 || !strings.Contains(text(list[0]), reason) {
		t.Fatal("the correction's reason is not on the register")
	}
	if len(find(list[0], tag("a", "href", "/projects/"+p.Code+"#history"))) == 0 {
		t.Error("the register does not link to the corrected project")
	}
	doc, _, _ = s.page(t, "/projects/"+p.Code, http.StatusOK)
	hist := find(doc, tag("section", "id", "history"))
	if len(hist) != 1 || !strings.Contains(text(hist[0]), reason) {
		t.Error("the project's history does not show the correction")
	}
}
