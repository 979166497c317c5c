package portal_test

import (
	"net/url"
	"testing"

	"github.com/google/go-cmp/cmp"

	"civicledger/ledger"
	"civicledger/portal"
)

// TestSearchParams: a saved search read from a query string comes back as
// one canonical query string, whatever the order or form of its lists, and
// reads back to the same search; refusals name the parameter.
func TestSearchParams(t *testing.T) {
	a, _ := url.ParseQuery("years=2016,2015&kinds=REPORT&q=+养老+&serviceAreas=ELDERLY_SUPPORT&serviceAreas=POVERTY_RELIEF&districts=东城区")
	b, _ := url.ParseQuery("districts=东城区&serviceAreas=POVERTY_RELIEF,ELDERLY_SUPPORT&kinds=REPORT&years=2015&years=2016&q=养老")
	text, q, err := portal.ParseSearchParams(a)
	if err != nil {
		t.Fatal(err)
	}
	want := &portal.SearchQuery{Kinds: []ledger.DocKind{ledger.DocReport}, ServiceAreas: []ledger.ServiceArea{ledger.ElderlySupport, ledger.PovertyRelief},
		Years: []int{2016, 2015}, Districts: []string{"东城区"}}
	if text != "养老" || !cmp.Equal(q, want) {
		t.Fatalf("parsed %q %+v", text, q)
	}
	t2, q2, err := portal.ParseSearchParams(b)
	if err != nil {
		t.Fatal(err)
	}
	canon := portal.SearchParams(text, q)
	if canon != portal.SearchParams(t2, q2) {
		t.Fatalf("two spellings of one search: %s and %s", canon, portal.SearchParams(t2, q2))
	}
	back, _ := url.ParseQuery(canon)
	t3, q3, err := portal.ParseSearchParams(back)
	if err != nil || portal.SearchParams(t3, q3) != canon {
		t.Fatalf("round trip of %s: %v", canon, err)
	}
	for query, field := range map[string]string{"kinds=BOOK": "kinds", "serviceAreas=x": "serviceAreas", "years=twenty": "years",
		"stages=LATE": "stages", "color=red": "color"} {
		v, _ := url.ParseQuery(query)
		if _, _, err := portal.ParseSearchParams(v); ledger.ErrorField(err) != field {
			t.Errorf("%s: %v, want a refusal of %s", query, err, field)
		}
	}
}
