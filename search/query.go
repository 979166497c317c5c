package search

import (
	"slices"
	"strings"
	"sync"
	"unicode"
	"unicode/utf8"

	"github.com/blevesearch/bleve/v2/search/query"
	"github.com/go-ego/gse"

	"civicledger/ledger"
)

// Clause is one chunk of a query text: a plain term, a "quoted phrase",
// or either of them excluded with a leading minus.
type Clause struct {
	Text    string // normalised (see Normalize), without quotes or minus
	Phrase  bool   // given in quotes: its words must appear together, in order
	Exclude bool   // given with a leading -: records containing it are left out
}

// ParseText splits a query text into clauses. It does not use bleve's
// query-string syntax (which turns a Chinese term into an OR of bigrams):
// chunks are separated by white space; "double", “curly” or 「corner」
// quotes make a phrase; a leading - (or －) excludes the chunk. Anything
// else, including punctuation, is text to search for.
func ParseText(s string) []Clause {
	s = Normalize(s)
	var out []Clause
	rs := []rune(s)
	for i := 0; i < len(rs); {
		if unicode.IsSpace(rs[i]) {
			i++
			continue
		}
		exclude := false
		if rs[i] == '-' && i+1 < len(rs) && !unicode.IsSpace(rs[i+1]) {
			exclude = true
			i++
		}
		if close, ok := quotePair(rs[i]); ok {
			j := i + 1
			for j < len(rs) && rs[j] != close && !(close == '"' && rs[j] == '”') {
				j++
			}
			if t := strings.TrimSpace(string(rs[i+1 : min(j, len(rs))])); t != "" {
				out = append(out, Clause{Text: t, Phrase: true, Exclude: exclude})
			}
			i = j + 1
			continue
		}
		j := i
		for j < len(rs) && !unicode.IsSpace(rs[j]) {
			j++
		}
		if t := string(rs[i:j]); strings.Trim(t, "-+") != "" {
			out = append(out, Clause{Text: strings.TrimLeft(t, "+"), Exclude: exclude})
		}
		i = j
	}
	return out
}

// quotePair returns the closing quote of an opening one.
func quotePair(r rune) (rune, bool) {
	switch r {
	case '"':
		return '"', true
	case '“':
		return '”', true
	case '「':
		return '」', true
	case '『':
		return '』', true
	}
	return 0, false
}

// unit is one required part of a clause: the texts that satisfy it, each
// as phrase terms at character offsets ("" fills a gap; one term is a
// term query).
type unit struct {
	text   string     // normalised text, for the bigram fallback
	alts   [][]string // the word-field forms: the unit itself and its synonyms
	syn    []string   // texts of all alternatives (unit first)
	sub    []bool     // per alternative: no dictionary word, matched as a string on the pair fields
	weight []float64  // per alternative; missing: 1 for the first, synonymWeight for the others
	substr bool       // characters the dictionary does not know: matched on the pair fields
	chars  bool       // made of single characters (no dictionary word): may fall back to pairs
	via    Via        // how the unit was widened beyond its own text, if at all
	run    int        // 1 + the index in plan.runs of the run of a plain clause it comes from; 0 otherwise
}

// isSub reports whether alternative i is matched as a string.
func (u *unit) isSub(i int) bool { return i < len(u.sub) && u.sub[i] }

// weightOf returns the weight of alternative i.
func (u *unit) weightOf(i int) float64 {
	switch {
	case i < len(u.weight):
		return u.weight[i]
	case i == 0:
		return 1
	}
	return synonymWeight
}

// addAlt adds the text s as an alternative of u, analysed for the word
// fields; a text with characters that are no dictionary word is matched as
// a string. It reports whether s was added.
func (u *unit) addAlt(s string, weight float64) bool {
	if slices.Contains(u.syn, s) {
		return false
	}
	form, sub := altForm(s)
	if form == nil {
		return false
	}
	for len(u.sub) < len(u.alts) {
		u.sub = append(u.sub, false)
	}
	for len(u.weight) < len(u.alts) {
		u.weight = append(u.weight, u.weightOf(len(u.weight)))
	}
	u.alts = append(u.alts, form)
	u.syn = append(u.syn, s)
	u.sub = append(u.sub, sub)
	u.weight = append(u.weight, weight)
	return true
}

// altForm analyses an alternative text: its phrase form, and whether it
// holds two or more characters in a row that are no dictionary word (视障),
// which the index holds only where a text was cut the same way.
func altForm(s string) ([]string, bool) {
	t := newText([]byte(s))
	var toks []token
	sub := false
	for _, r := range t.runs() {
		rt := t.queryTokens(r)
		singles := 0
		for _, tk := range rt {
			if utf8.RuneCountInString(tk.term) == 1 && classOf([]rune(tk.term)[0]) == classHan {
				if singles++; singles > 1 {
					sub = true
				}
			} else {
				singles = 0
			}
		}
		toks = append(toks, rt...)
	}
	return phraseOf(toks), sub
}

// plan is a query text analysed for the index.
type plan struct {
	must    []unit     // every unit must match
	boost   [][]string // optional phrase per run of a plain clause, boosted
	exclude []unit     // no unit may match
	areas   []ledger.ServiceArea
	runs    []string // the Han or Latin runs of plain clauses (see unit.run)
	only    []string // when set, the keys of the only records that may match
}

// holds reports whether a normalised text holds every required part of
// p whole: the run of a plain clause it came from, or one of its
// alternatives.
func (p *plan) holds(text string) bool {
	for _, u := range p.must {
		if u.run > 0 {
			if !strings.Contains(text, p.runs[u.run-1]) {
				return false
			}
			continue
		}
		if !slices.ContainsFunc(u.syn, func(s string) bool { return strings.Contains(text, s) }) {
			return false
		}
	}
	return true
}

// expansions lists how the plan's units were widened.
func (p *plan) expansions() []Expansion {
	var out []Expansion
	for _, u := range p.must {
		if u.via != "" && len(u.syn) > 1 {
			out = append(out, Expansion{Word: u.text, Via: u.via, Terms: slices.Clone(u.syn[1:])})
		}
	}
	return out
}

func (p *plan) empty() bool { return len(p.must) == 0 }

// fallback reports whether the plan may fall back to the character pairs
// when its words find nothing: only when some part of it is made of
// characters that are no dictionary word. A word that is in no document
// finds nothing, rather than the pairs of other words that happen to spell
// it (家政 in 国家政策, 市长 in 本市长宁区).
func (p *plan) fallback() bool {
	for _, u := range p.must {
		if u.chars {
			return true
		}
	}
	return false
}

func hasSingle(toks []token) bool {
	for _, tk := range toks {
		if utf8.RuneCountInString(tk.term) == 1 && classOf([]rune(tk.term)[0]) == classHan {
			return true
		}
	}
	return false
}

var (
	synonyms = sync.OnceValue(func() map[string][]string {
		m := map[string][]string{}
		eachLine(synonymTable, func(f []string) {
			for i := range f {
				f[i] = Normalize(f[i])
			}
			for i, w := range f {
				alts := append([]string{w}, f[:i]...)
				m[w] = append(alts, f[i+1:]...)
			}
		})
		return m
	})
	stopWords = sync.OnceValue(func() map[string]bool {
		m := map[string]bool{}
		eachLine(stopTable, func(f []string) { m[Normalize(f[0])] = true })
		return m
	})
	areaWords = sync.OnceValue(func() map[string]ledger.ServiceArea {
		m := map[string]ledger.ServiceArea{}
		eachLine(areaTable, func(f []string) {
			for _, w := range f[1:] {
				m[Normalize(w)] = ledger.ServiceArea(f[0])
			}
		})
		return m
	})
)

// planText analyses a query text.
func planText(s string) *plan {
	p := &plan{}
	seenArea := map[ledger.ServiceArea]bool{}
	clauses := ParseText(s)
	for ci := 0; ci < len(clauses); ci++ {
		c := clauses[ci]
		if u, area, n := foreignUnit(clauses[ci:]); n > 0 {
			p.must = append(p.must, u)
			if area != "" && !seenArea[area] {
				seenArea[area] = true
				p.areas = append(p.areas, area)
			}
			ci += n - 1
			continue
		}
		t := newText([]byte(c.Text))
		for _, r := range t.runs() {
			toks := t.queryTokens(r)
			if len(toks) == 0 {
				continue
			}
			whole := phraseOf(toks)
			runText := string(t.runes[r.start:r.end])
			if a, ok := areaWords()[runText]; ok && !c.Exclude && !seenArea[a] {
				seenArea[a] = true
				p.areas = append(p.areas, a)
			}
			switch {
			case c.Exclude:
				p.exclude = append(p.exclude, unit{text: runText, alts: [][]string{whole}, syn: []string{runText}})
			case c.Phrase:
				p.must = append(p.must, unit{text: runText, alts: [][]string{whole}, syn: []string{runText}, chars: hasSingle(toks)})
			default:
				units := plainUnits(toks)
				if len(units) == 0 { // only stop words: left to the fallback
					units = []unit{{text: runText, syn: []string{runText}, chars: true}}
				}
				p.runs = append(p.runs, runText)
				for _, u := range units {
					u.run = len(p.runs)
					if a, ok := areaWords()[u.text]; ok && !seenArea[a] {
						seenArea[a] = true
						p.areas = append(p.areas, a)
					}
					p.must = append(p.must, u)
				}
				if len(toks) > 1 && len(whole) > 1 {
					p.boost = append(p.boost, whole)
				}
			}
		}
	}
	return p
}

// queryTokens analyses one run of a query: the best segmentation of Han
// text (without the words inside words, which the index side adds), and
// the parts of a code or Latin word.
func (t text) queryTokens(r run) []token {
	var out []token
	if r.class != classHan {
		t.alnumTokens(r, func(s, e int) { out = append(out, token{string(t.term(s, e)), s, e}) })
		if len(out) > 1 {
			return out[1:] // the parts, as a phrase: matches the whole too
		}
		return out
	}
	dictionary().segment(t.term(r.start, r.end), func(s, e int, _ *gse.Token) {
		out = append(out, token{string(t.term(r.start+s, r.start+e)), r.start + s, r.start + e})
	})
	return out
}

// phraseOf lays tokens out at their character offsets, "" in the gaps.
// Stop words, which the index leaves out, leave their place empty; nil
// when only stop words remain.
func phraseOf(toks []token) []string {
	isStop := func(tk token) bool { return stopWords()[tk.term] }
	for len(toks) > 0 && isStop(toks[0]) {
		toks = toks[1:]
	}
	for len(toks) > 0 && isStop(toks[len(toks)-1]) {
		toks = toks[:len(toks)-1]
	}
	if len(toks) == 0 {
		return nil
	}
	first := toks[0].start
	out := make([]string, toks[len(toks)-1].start-first+1)
	for _, tk := range toks {
		if !isStop(tk) {
			out[tk.start-first] = tk.term
		}
	}
	return out
}

// plainUnits turns the tokens of one run of a plain clause into required
// units: words (with their synonyms), runs of single characters kept
// together as a phrase (names, words the dictionary lacks); single-
// character stop words are dropped.
func plainUnits(toks []token) []unit {
	var out []unit
	var singles []token
	flush := func() {
		if len(singles) > 0 {
			txt := ""
			for _, s := range singles {
				txt += s.term
			}
			u := withSynonyms(txt, phraseOf(singles))
			// Two or more characters that are no word (台账 when the
			// dictionary lacks it, a name): a substring, as the pair
			// fields match it, rather than single characters in a row,
			// which the index holds only where the text was cut the same way.
			u.substr = len(singles) > 1
			u.chars = true
			out = append(out, u)
			singles = nil
		}
	}
	for i := 0; i < len(toks); {
		// The longest run of tokens (up to 4) that spells a synonym.
		if n, txt := synonymAt(toks[i:]); n > 0 {
			flush()
			out = append(out, withSynonyms(txt, phraseOf(toks[i:i+n])))
			i += n
			continue
		}
		tk := toks[i]
		i++
		if utf8.RuneCountInString(tk.term) == 1 && classOf([]rune(tk.term)[0]) == classHan {
			if stopWords()[tk.term] {
				flush()
				continue
			}
			singles = append(singles, tk)
			continue
		}
		flush()
		out = append(out, withSynonyms(tk.term, []string{tk.term}))
	}
	flush()
	return out
}

func synonymAt(toks []token) (int, string) {
	for n := min(4, len(toks)); n >= 1; n-- {
		txt := ""
		for _, tk := range toks[:n] {
			txt += tk.term
		}
		if _, ok := querySynonyms()[txt]; ok {
			return n, txt
		}
	}
	return 0, ""
}

// withSynonyms makes a unit of txt (analysed as form) and its synonyms,
// official and everyday (see querySynonyms).
func withSynonyms(txt string, form []string) unit {
	_, sub := altForm(txt)
	u := unit{text: txt, alts: [][]string{form}, syn: []string{txt}, sub: []bool{sub}}
	for _, alt := range querySynonyms()[txt] {
		if u.addAlt(alt, synonymWeight) {
			u.via = ViaSynonym
		}
		// An everyday word's official word brings its own equivalents
		// (吃饭 → 助餐 → 长者食堂); one step, through data/synonyms.txt only.
		for _, s := range synonyms()[alt] {
			u.addAlt(s, synonymWeight)
		}
	}
	return u
}

// foreignUnit makes a unit of the first plain clauses when they are
// English words or pinyin (up to four clauses: "old people", "yang lao"),
// with the Chinese terms they stand for as alternatives besides the text
// itself (codes and Latin words in records still match). It returns the
// number of clauses used, 0 when the first is neither, and for English
// names of a service area, the area.
func foreignUnit(cs []Clause) (unit, ledger.ServiceArea, int) {
	n := 0
	for n < len(cs) && n < 4 && !cs[n].Phrase && !cs[n].Exclude && latinWord(cs[n].Text) {
		n++
	}
	for ; n > 0; n-- {
		words := make([]string, n)
		for i := range words {
			words[i] = cs[i].Text
		}
		phrase := strings.Join(words, " ")
		var terms []string
		var area ledger.ServiceArea
		via := ViaEnglish
		if e := lookupEnglish(phrase); e != nil {
			terms, area = e.terms, e.area
		} else if ws := lookupPinyin(phrase); ws != nil {
			terms, via = ws, ViaPinyin
		} else {
			continue
		}
		form, _ := altForm(phrase)
		u := unit{text: phrase, alts: [][]string{form}, syn: []string{phrase}, via: via}
		for _, t := range terms {
			// Each term with its own synonyms (elderly → 老人 → 长者).
			u.addAlt(t, 1)
			for _, s := range querySynonyms()[t] {
				u.addAlt(s, synonymWeight)
			}
		}
		return u, area, n
	}
	return unit{}, "", 0
}

// synonymWeight is the weight of a synonym relative to the word typed.
const synonymWeight = 0.5

// fieldBoost is a field searched by the text of a query and its weight,
// with its pair field.
type fieldBoost struct {
	field string
	boost float64
	pair  string
}

var (
	wordFields   = []fieldBoost{{fTitle, 3, ""}, {fMeta, 2, ""}, {fBody, 1, ""}}
	bigramFields = []fieldBoost{{fTitle, 3, fTitle2}, {fMeta, 2, fMeta2}, {fBody, 1, fBody2}}
)

// termsQuery matches terms (a phrase with "" gaps, or one term) in field.
func termsQuery(terms []string, field string, boost float64) query.Query {
	if len(terms) == 1 {
		q := query.NewTermQuery(terms[0])
		q.SetField(field)
		q.SetBoost(boost)
		return q
	}
	q := query.NewPhraseQuery(terms, field)
	q.SetBoost(boost)
	return q
}

// wordQuery matches any alternative of u in any word field.
// Synonyms weigh half as much as the words typed.
func wordQuery(u unit) query.Query {
	var qs []query.Query
	for i, alt := range u.alts {
		if alt == nil {
			continue
		}
		w := u.weightOf(i)
		if u.isSub(i) {
			qs = append(qs, substrQuery(u.syn[i], w))
			continue
		}
		for _, f := range wordFields {
			qs = append(qs, termsQuery(alt, f.field, w*f.boost))
		}
	}
	if len(qs) == 0 {
		return query.NewMatchNoneQuery() // only stop words: the fallback finds them
	}
	return query.NewDisjunctionQuery(qs)
}

// bigramForm returns the bigram-field form of a Han text: its character
// pairs, or for one character the character as a prefix.
func bigramForm(s string) (pairs []string, prefix string) {
	rs := []rune(s)
	if len(rs) == 1 {
		return nil, s
	}
	for i := 0; i+1 < len(rs); i++ {
		pairs = append(pairs, string(rs[i:i+2]))
	}
	return pairs, ""
}

// pairsQuery matches every pair in a pair field or its word field: a
// pair that a word token holds at its place is indexed as that word only
// (see hanBoth), so each pair is looked up in both. The pair fields keep
// no positions: a conjunction of pairs stands in for the substring.
func pairsQuery(pairs []string, f fieldBoost) query.Query {
	var qs []query.Query
	for _, p := range slices.Compact(slices.Sorted(slices.Values(pairs))) {
		qs = append(qs, query.NewDisjunctionQuery([]query.Query{
			termsQuery([]string{p}, f.pair, f.boost),
			termsQuery([]string{p}, f.field, f.boost),
		}))
	}
	if len(qs) == 1 {
		return qs[0]
	}
	return query.NewConjunctionQuery(qs)
}

// alnumQuery matches every part of a code or Latin word in a word field
// (the pair fields leave them out).
func alnumQuery(parts []string, f fieldBoost) query.Query {
	var qs []query.Query
	for _, p := range slices.Compact(slices.Sorted(slices.Values(parts))) {
		qs = append(qs, termsQuery([]string{p}, f.field, f.boost))
	}
	if len(qs) == 1 {
		return qs[0]
	}
	return query.NewConjunctionQuery(qs)
}

// bigramQuery matches the text of any alternative of u as a substring of
// a text (by its pairs): the fallback when the word fields find nothing.
func bigramQuery(u unit) query.Query {
	var qs []query.Query
	for _, txt := range u.syn {
		qs = append(qs, substrQuery(txt, 1))
	}
	return query.NewDisjunctionQuery(qs)
}

// substrQuery matches txt as a string of characters (by its pairs) in any
// field, its weight multiplying the fields'.
func substrQuery(txt string, weight float64) query.Query {
	// Only a single run can be a substring; mixed text uses its runs.
	t := newText([]byte(txt))
	var parts []query.Query
	for _, r := range t.runs() {
		rt := string(t.runes[r.start:r.end])
		var byField []query.Query
		for _, f := range bigramFields {
			f.boost *= weight
			if r.class != classHan {
				var toks []token
				t.alnumTokens(r, func(s, e int) { toks = append(toks, token{string(t.term(s, e)), s, e}) })
				var parts []string
				for _, tk := range toks[min(1, len(toks)-1):] {
					parts = append(parts, tk.term)
				}
				byField = append(byField, alnumQuery(parts, f))
				continue
			}
			terms, prefix := bigramForm(rt)
			if prefix != "" {
				// A character starts a pair, the last character of a
				// run or a word.
				var any []query.Query
				for _, field := range []string{f.pair, f.field} {
					q := query.NewPrefixQuery(prefix)
					q.SetField(field)
					q.SetBoost(f.boost)
					any = append(any, q)
				}
				byField = append(byField, query.NewDisjunctionQuery(any))
			} else {
				byField = append(byField, pairsQuery(terms, f))
			}
		}
		parts = append(parts, query.NewDisjunctionQuery(byField))
	}
	switch len(parts) {
	case 0:
		return query.NewMatchNoneQuery()
	case 1:
		return parts[0]
	}
	return query.NewConjunctionQuery(parts)
}
