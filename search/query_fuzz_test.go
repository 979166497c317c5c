package search

import (
	"context"
	"html"
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"

	"github.com/blevesearch/bleve/v2/search/query"

	"civicledger/ledger"
)

// Fuzz targets for the search query syntax, the text anyone may type into
// search(query:). Seeds are below and in testdata/fuzz/<target>/; ./test.sh
// runs each briefly.

var querySeeds = []string{
	`适老化 "长者食堂" -助餐`, `“长者 食堂”`, `「助残」 『扶贫』`, `-"家政 服务"`, `--x`, `- x`, `"unclosed phrase`,
	`ＡＢＣ　ｄｅｆ`, `長者食堂`, `FC2015-ELD-0001`, `91350100M000100Y43`, `+-+`, `""`, `"`, `-`, "\xff\xfe",
	`的 了 和`, `市长 家政 国家政策 本市长宁区`, `老人 老年人 长者`, strings.Repeat("助餐", 200),
}

// FuzzParseText: the clauses of any text are non-empty, normalised (so
// normalising is idempotent), free of their quotes and minus, and typing
// them back in gives the same clauses.
func FuzzParseText(f *testing.F) {
	for _, s := range querySeeds {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if n := Normalize(s); Normalize(n) != n {
			t.Fatalf("Normalize is not idempotent on %q: %q then %q", s, n, Normalize(n))
		}
		clauses := ParseText(s)
		var typed []string
		for _, c := range clauses {
			if strings.TrimSpace(c.Text) == "" {
				t.Fatalf("ParseText(%q) has an empty clause: %+v", s, clauses)
			}
			if Normalize(c.Text) != c.Text {
				t.Fatalf("ParseText(%q): clause %q is not normalised", s, c.Text)
			}
			if utf8.ValidString(s) && !utf8.ValidString(c.Text) {
				t.Fatalf("ParseText(%q): clause %q is not valid UTF-8", s, c.Text)
			}
			if !c.Phrase && strings.IndexFunc(c.Text, unicode.IsSpace) >= 0 {
				t.Fatalf("ParseText(%q): plain clause %q holds a space", s, c.Text)
			}
			txt := c.Text
			if c.Phrase {
				// Quote it with a pair whose closing quote it does not hold.
				open, close := "", ""
				for _, q := range [][2]string{{`"`, `"`}, {"「", "」"}, {"『", "』"}, {"“", "”"}} {
					if !strings.Contains(txt, q[1]) && !(q[0] == `"` && strings.Contains(txt, "”")) {
						open, close = q[0], q[1]
						break
					}
				}
				if open == "" {
					return // holds every closing quote: cannot be typed back as one phrase
				}
				txt = open + txt + close
			} else if _, quoted := quotePair([]rune(txt)[0]); quoted || txt[0] == '-' {
				// A plain chunk that starts with a quote or a minus was
				// typed after a +, which keeps it from opening a phrase or
				// excluding (+"0 is the text "0, +-0 the text -0).
				txt = "+" + txt
			}
			if c.Exclude {
				txt = "-" + txt
			}
			typed = append(typed, txt)
		}
		again := ParseText(strings.Join(typed, " "))
		if len(again) != len(clauses) {
			t.Fatalf("ParseText(%q) = %+v; typed back as %q it gives %+v", s, clauses, strings.Join(typed, " "), again)
		}
		for i := range again {
			if again[i] != clauses[i] {
				t.Fatalf("ParseText(%q) = %+v; typed back as %q it gives %+v", s, clauses, strings.Join(typed, " "), again)
			}
		}
	})
}

// FuzzQueryPlan: any text analyses into a plan whose bleve queries (word
// and pair fields, phrases) are valid, and whose highlighter marks only
// places inside the text it is shown.
func FuzzQueryPlan(f *testing.F) {
	for _, s := range querySeeds {
		f.Add(s, "本市长宁区开设长者食堂，为老年人提供助餐服务。")
	}
	f.Fuzz(func(t *testing.T, s, shown string) {
		p := planText(s)
		for _, u := range p.must {
			if u.text == "" || len(u.syn) == 0 {
				t.Fatalf("planText(%q): unit without text: %+v", s, u)
			}
		}
		qs := []query.Query{build(p, nil, false), build(p, nil, true)}
		if pq := phraseQuery(p); pq != nil {
			qs = append(qs, pq)
		}
		for _, q := range qs {
			if v, ok := q.(query.ValidatableQuery); ok {
				if err := v.Validate(); err != nil {
					t.Fatalf("planText(%q): invalid query: %v", s, err)
				}
			}
		}
		for _, bigram := range []bool{false, true} {
			for _, sp := range newHighlighter(p, bigram).find(shown) {
				if sp.start < 0 || sp.end > len(shown) || sp.start > sp.end {
					t.Fatalf("highlight of %q in %q at [%d, %d)", s, shown, sp.start, sp.end)
				}
			}
		}
	})
}

// FuzzSearch: any query text runs on a real index of the test corpus
// without error, or is refused as too long naming the field; a page holds no more hits than the total; every title
// with its marks taken out and unescaped is the title, and marks are
// balanced and never nested, in titles and passages alike.
func FuzzSearch(f *testing.F) {
	for _, s := range querySeeds {
		f.Add(s)
	}
	ix, _, _ := mustIndex(f, loadCorpus(f))
	f.Fuzz(func(t *testing.T, s string) {
		res, err := ix.Search(context.Background(), Query{Text: s})
		if err != nil {
			// Only a refusal of the text itself (too long) is allowed.
			if ledger.ErrorCode(err) != ledger.EINVALID || ledger.ErrorField(err) == "" || len(err.Error()) > 300 {
				t.Fatalf("Search(%.100q): %v", s, err)
			}
			return
		}
		if uint64(len(res.Hits)) > res.Total || len(res.Hits) > DefaultLimit {
			t.Fatalf("Search(%q): %d hits of %d", s, len(res.Hits), res.Total)
		}
		for _, h := range res.Hits {
			if plain := html.UnescapeString(checkMarks(t, s, h.TitleHTML)); plain != h.Title {
				t.Fatalf("Search(%q): title %q marked as %q", s, h.Title, h.TitleHTML)
			}
			for _, fr := range h.Fragments {
				checkMarks(t, s, fr)
			}
		}
	})
}

// checkMarks fails unless <mark> and </mark> alternate in marked, starting
// with <mark>, and no other tag is left unescaped; it returns the text
// without them.
func checkMarks(t *testing.T, q, marked string) string {
	t.Helper()
	var b strings.Builder
	open := false
	for rest := marked; rest != ""; {
		i := strings.IndexByte(rest, '<')
		if i < 0 {
			b.WriteString(rest)
			break
		}
		b.WriteString(rest[:i])
		rest = rest[i:]
		switch {
		case strings.HasPrefix(rest, "<mark>") && !open:
			rest, open = rest[len("<mark>"):], true
		case strings.HasPrefix(rest, "</mark>") && open:
			rest, open = rest[len("</mark>"):], false
		default:
			t.Fatalf("Search(%q): stray tag in %q", q, marked)
		}
	}
	if open {
		t.Fatalf("Search(%q): unclosed <mark> in %q", q, marked)
	}
	return b.String()
}
