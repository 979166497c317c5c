package search

import (
	"bytes"
	"html"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/blevesearch/bleve/v2/search"
)

// Fragment sizes, in characters.
const (
	fragmentBefore = 30
	fragmentLength = 120
)

// highlighter marks the matches of one query in stored text: from the
// term locations of the word fields, or for the bigram fallback (whose
// fields keep no positions) by finding the searched texts.
type highlighter struct {
	needles [][]byte // bigram fallback: normalised texts to find
}

func newHighlighter(p *plan, bigram bool) *highlighter {
	hl := &highlighter{}
	for _, u := range p.must {
		for i, s := range u.syn {
			if bigram || u.substr || u.isSub(i) {
				hl.needles = append(hl.needles, []byte(s))
			}
		}
	}
	return hl
}

// find returns the places of the needles in s.
func (hl *highlighter) find(s string) []span {
	t := newText([]byte(s))
	b2r := make(map[int32]int, len(t.nat))
	for i, o := range t.nat {
		b2r[o] = i
	}
	var out []span
	for _, n := range hl.needles {
		for from := 0; len(n) > 0; {
			i := bytes.Index(t.norm[from:], n)
			if i < 0 {
				break
			}
			st, en := b2r[int32(from+i)], b2r[int32(from+i+len(n))]
			out = append(out, span{int(t.at[st]), int(t.at[en]), string(n)})
			from += i + len(n)
		}
	}
	return out
}

// span is a match: bytes [start, end) of the stored text, and the term
// that matched there.
type span struct {
	start, end int
	term       string
}

// spans returns the ordered matches of the locations in s.
func (hl *highlighter) spans(s string, tlm search.TermLocationMap) []span {
	var out []span
	if hl.needles != nil {
		out = hl.find(s)
	}
	for term, locs := range tlm {
		for _, l := range locs {
			st, en := int(l.Start), int(l.End)
			if st < 0 || en > len(s) || st >= en {
				continue
			}
			out = append(out, span{st, en, term})
		}
	}
	slices.SortFunc(out, func(a, b span) int { return a.start - b.start })
	return out
}

// merge joins overlapping spans (居家养老 and 养老 inside it).
func merge(spans []span) []span {
	merged := make([]span, 0, len(spans))
	for _, sp := range spans {
		if n := len(merged); n > 0 && sp.start <= merged[n-1].end {
			merged[n-1].end = max(merged[n-1].end, sp.end)
			continue
		}
		merged = append(merged, sp)
	}
	return merged
}

// mark returns s HTML-escaped with its matches in <mark>.
func (hl *highlighter) mark(s string, tlm search.TermLocationMap) string {
	return markSpans(s, 0, len(s), merge(hl.spans(s, tlm)))
}

// markSpans escapes s[from:to] and wraps the spans inside it in <mark>.
func markSpans(s string, from, to int, spans []span) string {
	var b strings.Builder
	at := from
	for _, sp := range spans {
		if sp.end <= from || sp.start >= to {
			continue
		}
		st, en := max(sp.start, from), min(sp.end, to)
		b.WriteString(html.EscapeString(s[at:st]))
		b.WriteString("<mark>")
		b.WriteString(html.EscapeString(s[st:en]))
		b.WriteString("</mark>")
		at = en
	}
	b.WriteString(html.EscapeString(s[at:to]))
	return b.String()
}

// fragments returns up to n passages of s around its matches, those with
// the most different terms (then the most matches) chosen first and then
// put in text order; the start of s when nothing in it matched.
func (hl *highlighter) fragments(s string, tlm search.TermLocationMap, n int) []string {
	if s == "" {
		return nil
	}
	raw := hl.spans(s, tlm)
	spans := merge(raw)
	if len(spans) == 0 {
		end := forward(s, 0, fragmentLength)
		f := html.EscapeString(strings.TrimSpace(s[:end]))
		if end < len(s) {
			f += "…"
		}
		return []string{f}
	}
	type window struct{ start, end, score int }
	var cands []window
	terms := map[string]bool{}
	for _, sp := range spans {
		ws := backward(s, sp.start, fragmentBefore)
		we := max(forward(s, ws, fragmentLength), sp.end)
		c := 0
		clear(terms)
		for _, o := range raw {
			if o.start >= ws && o.end <= we {
				c++
				terms[o.term] = true
			}
		}
		cands = append(cands, window{ws, we, 1000*len(terms) + c})
	}
	slices.SortStableFunc(cands, func(a, b window) int { return b.score - a.score })
	var chosen []window
	for _, c := range cands {
		if len(chosen) == n {
			break
		}
		overlaps := false
		for _, o := range chosen {
			if c.start < o.end && o.start < c.end {
				overlaps = true
				break
			}
		}
		if !overlaps {
			chosen = append(chosen, c)
		}
	}
	slices.SortFunc(chosen, func(a, b window) int { return a.start - b.start })
	out := make([]string, 0, len(chosen))
	for _, w := range chosen {
		f := strings.TrimSpace(markSpans(s, w.start, w.end, spans))
		if w.start > 0 && !endsSentence(s, w.start) {
			f = "…" + f
		}
		if w.end < len(s) {
			f += "…"
		}
		out = append(out, f)
	}
	return out
}

// endsSentence reports whether the rune before byte i closes a sentence.
func endsSentence(s string, i int) bool {
	r, _ := utf8.DecodeLastRuneInString(s[:i])
	switch r {
	case '。', '！', '？', '；', '\n', '.', '!', '?', ';':
		return true
	}
	return false
}

// backward moves from byte i up to k runes back, stopping just after the
// end of a sentence.
func backward(s string, i, k int) int {
	for ; k > 0 && i > 0; k-- {
		if endsSentence(s, i) {
			break
		}
		_, size := utf8.DecodeLastRuneInString(s[:i])
		i -= size
	}
	return i
}

// forward moves from byte i up to k runes on.
func forward(s string, i, k int) int {
	for ; k > 0 && i < len(s); k-- {
		_, size := utf8.DecodeRuneInString(s[i:])
		i += size
	}
	return i
}
