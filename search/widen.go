package search

import (
	"cmp"
	"context"
	"slices"
	"strings"
	"unicode/utf8"

	index "github.com/blevesearch/bleve_index_api"
)

// What a query does with the index's term dictionary: compounds that no
// record holds fall back to their parts, and a query with few hits
// suggests the closest terms the index holds ("did you mean").

// lexicon reads the term dictionaries of all shards for one search.
type lexicon struct {
	readers []index.IndexReader
}

func (s *shards) lexicon() (*lexicon, error) {
	lx := &lexicon{}
	for _, bi := range s.idx {
		adv, err := bi.Advanced()
		if err != nil {
			lx.close()
			return nil, err
		}
		r, err := adv.Reader()
		if err != nil {
			lx.close()
			return nil, err
		}
		lx.readers = append(lx.readers, r)
	}
	return lx, nil
}

func (lx *lexicon) close() {
	for _, r := range lx.readers {
		r.Close()
	}
}

// count returns how many records hold term in field.
func (lx *lexicon) count(field, term string) uint64 {
	var n uint64
	for _, r := range lx.readers {
		tfr, err := r.TermFieldReader(context.Background(), []byte(term), field, false, false, false)
		if err != nil {
			continue
		}
		n += tfr.Count()
		tfr.Close()
	}
	return n
}

// wordCount returns how many records hold term in a word field at most
// (the largest of the fields' counts).
func (lx *lexicon) wordCount(term string) uint64 {
	var n uint64
	for _, f := range wordFields {
		n = max(n, lx.count(f.field, term))
	}
	return n
}

// present reports whether alternative i of u can match: every term of a
// word form is indexed, or every pair of a string is.
func (lx *lexicon) present(u *unit, i int) bool {
	if u.isSub(i) {
		pairs, _ := bigramForm(u.syn[i])
		for _, p := range pairs {
			found := false
			for _, f := range bigramFields {
				if lx.count(f.pair, p) > 0 || lx.count(f.field, p) > 0 {
					found = true
					break
				}
			}
			if !found {
				return false
			}
		}
		return true
	}
	any := false
	for _, t := range u.alts[i] {
		if t == "" {
			continue
		}
		if lx.wordCount(t) == 0 {
			return false
		}
		any = true
	}
	return any
}

// partWeight is the weight of a compound's parts: below a whole word.
const partWeight = 0.5

// widenCompounds widens the words of p that no record holds. A run of
// text that records do not hold as a word but hold a homophone of among the
// domain's words is searched as that word (老年仁 → 老年人). A word that
// records hold in none of its forms is replaced by the longest words
// inside it that they hold (低保户 → 低保, 养老院 → 养老), each required
// with its synonyms, weighing less than a word typed. It returns what it
// replaced.
func (lx *lexicon) widenCompounds(p *plan) []Expansion {
	var out []Expansion
	var must []unit
	for i := 0; i < len(p.must); {
		u := p.must[i]
		if u.run == 0 {
			must = append(must, u)
			i++
			continue
		}
		j := i
		for j < len(p.must) && p.must[j].run == u.run {
			j++
		}
		group := p.must[i:j]
		i = j
		run := p.runs[u.run-1]
		if h := lx.homophone(run); h != "" {
			form, _ := altForm(h)
			must = append(must, withSynonyms(h, form))
			out = append(out, Expansion{Word: run, Via: ViaSpelling, Terms: []string{h}})
			continue
		}
		for _, u := range group {
			parts := lx.partsOf(&u)
			if len(parts) == 0 {
				must = append(must, u)
				continue
			}
			for _, part := range parts {
				form, _ := altForm(part)
				pu := withSynonyms(part, form)
				w := make([]float64, len(pu.alts))
				for i := range w {
					w[i] = pu.weightOf(i) * partWeight
				}
				pu.weight = w
				must = append(must, pu)
			}
			out = append(out, Expansion{Word: u.text, Via: ViaParts, Terms: parts})
		}
	}
	p.must = must
	return out
}

// dropLeftovers drops from p the single characters next to words of their
// run (低保金 → 低保 金 → 低保, 帮老人洗澡 → 帮 老人 洗澡 → 老人 洗澡), for
// when neither the words nor the character pairs found anything. It
// returns what it dropped, nil when nothing.
func (lx *lexicon) dropLeftovers(p *plan) []Expansion {
	var out []Expansion
	var must []unit
	for i := 0; i < len(p.must); {
		j := i + 1
		for p.must[i].run != 0 && j < len(p.must) && p.must[j].run == p.must[i].run {
			j++
		}
		group := p.must[i:j]
		i = j
		var kept []string
		dropped := false
		for _, u := range group {
			if len(group) > 1 && u.run != 0 && u.chars && !u.substr && utf8.RuneCountInString(u.text) == 1 {
				dropped = true
				continue
			}
			must = append(must, u)
			kept = append(kept, u.text)
		}
		if dropped && len(kept) > 0 {
			out = append(out, Expansion{Word: p.runs[group[0].run-1], Via: ViaParts, Terms: kept})
		}
	}
	if out != nil {
		p.must = must
	}
	return out
}

// partsOf returns the parts of a word of three characters or more that
// records hold in none of its forms, nil for any other unit.
func (lx *lexicon) partsOf(u *unit) []string {
	if u.chars || u.substr || !isHan(u.text) || utf8.RuneCountInString(u.text) < 3 {
		return nil
	}
	for i := range u.alts {
		if u.alts[i] != nil && lx.present(u, i) {
			return nil
		}
	}
	return lx.parts(u.text)
}

// homophone returns the domain word spelled like run that records hold
// most, when records hold run in no word field; "" otherwise.
func (lx *lexicon) homophone(run string) string {
	n := utf8.RuneCountInString(run)
	if n < 2 || n > 8 || !isHan(run) || lx.wordCount(run) > 0 {
		return ""
	}
	best, most := "", uint64(0)
	for _, py := range pinyinOf(run) {
		for _, h := range pinyinWords()[py] {
			if h == run {
				continue
			}
			if k := lx.wordCount(h); k > most {
				best, most = h, k
			}
		}
	}
	return best
}

// parts covers a word with the longest words of two characters or more
// that records hold, from the left; characters that start none are left out.
func (lx *lexicon) parts(w string) []string {
	rs := []rune(w)
	var out []string
	for i := 0; i < len(rs); {
		n := 0
		for j := len(rs); j >= i+2; j-- {
			if j-i == len(rs) {
				continue // the whole word: not held
			}
			if lx.wordCount(string(rs[i:j])) > 0 {
				n = j - i
				break
			}
		}
		if n == 0 {
			i++
			continue
		}
		out = append(out, string(rs[i:i+n]))
		i += n
	}
	return out
}

func isHan(s string) bool {
	for _, r := range s {
		if classOf(r) != classHan {
			return false
		}
	}
	return s != ""
}

// Suggestions: at most maxSuggestions, when a query finds fewer than
// suggestBelow records or only partial matches.
const (
	maxSuggestions = 3
	suggestBelow   = 5
)

// suggest returns queries close to text whose changed word the index
// holds: for each run of the text the index does not hold as a word, its
// homophones among the domain's words (a wrong pick of the input method:
// 老年仁 → 老年人) and the indexed words one character away (two for
// longer words), the most common first; for Latin text, the English
// glossary and pinyin spellings one or two letters away.
func (lx *lexicon) suggest(text string) []string {
	norm := Normalize(text)
	type cand struct {
		word, with string
		homophone  bool
		count      uint64
	}
	var cands []cand
	for _, c := range ParseText(text) {
		if c.Exclude {
			continue
		}
		t := newText([]byte(c.Text))
		for _, r := range t.runs() {
			w := string(t.runes[r.start:r.end])
			n := r.end - r.start
			if r.class == classHan {
				if n < 2 || n > 8 || lx.wordCount(w) > 0 {
					continue
				}
				seen := map[string]bool{w: true}
				for _, py := range pinyinOf(w) {
					for _, h := range pinyinWords()[py] {
						if !seen[h] {
							seen[h] = true
							if k := lx.wordCount(h); k > 0 {
								cands = append(cands, cand{w, h, true, k})
							}
						}
					}
				}
				if n < 3 {
					continue // two characters one apart: any word sharing one
				}
				fuzz := 1
				if n >= 5 {
					fuzz = 2
				}
				for _, rd := range lx.readers {
					fr, ok := rd.(index.IndexReaderFuzzy)
					if !ok {
						continue
					}
					for _, f := range []string{fTitle, fBody} {
						fd, err := fr.FieldDictFuzzy(f, w, fuzz, "")
						if err != nil {
							continue
						}
						for e, err := fd.Next(); err == nil && e != nil; e, err = fd.Next() {
							if !seen[e.Term] && utf8.RuneCountInString(e.Term) >= n-1 && isHan(e.Term) {
								seen[e.Term] = true
								cands = append(cands, cand{w, e.Term, false, lx.wordCount(e.Term)})
							}
						}
						fd.Close()
					}
				}
				continue
			}
			if !latinWord(w) || n < 4 || lookupEnglish(w) != nil || lookupPinyin(w) != nil || lx.wordCount(w) > 0 {
				continue
			}
			limit := 1
			if n >= 6 {
				limit = 2
			}
			for e := range englishWords() {
				if !strings.Contains(e, " ") && editDistance(w, e) <= limit {
					cands = append(cands, cand{w, e, false, 1})
				}
			}
			for py, ws := range pinyinWords() {
				if editDistance(w, py) <= limit {
					cands = append(cands, cand{w, py, false, lx.wordCount(ws[0])})
				}
			}
		}
	}
	slices.SortStableFunc(cands, func(a, b cand) int {
		if a.homophone != b.homophone {
			if a.homophone {
				return -1
			}
			return 1
		}
		if c := cmp.Compare(b.count, a.count); c != 0 {
			return c
		}
		return strings.Compare(a.with, b.with)
	})
	var out []string
	for _, c := range cands {
		s := strings.Replace(norm, c.word, c.with, 1)
		if s != norm && !slices.Contains(out, s) {
			out = append(out, s)
		}
		if len(out) == maxSuggestions {
			break
		}
	}
	return out
}
