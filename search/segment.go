package search

import (
	"math"
	"sync"
	"unicode/utf8"

	"github.com/go-ego/gse"
)

// The shortest-path segmentation of gse (Segmenter.Segment), over gse's
// dictionary and trie, rewritten to reuse its buffers: gse allocates
// several slices for every run of text, which made segmentation and the
// garbage it leaves a third of the indexing time.

// words is the loaded dictionary with, for each of its tokens, its length
// in characters and its path length (log2(total/freq), as gse computes it).
type words struct {
	seg    *gse.Segmenter
	info   map[*gse.Token]tokenInfo
	maxLen int
}

type tokenInfo struct {
	chars int32
	dist  float32
}

// pseudoDist is gse's path length of a character the dictionary lacks.
const pseudoDist = 32

var dictionary = sync.OnceValue(func() *words {
	seg := segmenter()
	d := seg.Dict
	w := &words{seg: seg, info: make(map[*gse.Token]tokenInfo, d.NumTokens()), maxLen: d.MaxTokenLen()}
	logTotal := math.Log2(d.TotalFreq())
	for i := range d.Tokens {
		tk := &d.Tokens[i]
		w.info[tk] = tokenInfo{chars: int32(utf8.RuneCountInString(tk.Text())), dist: float32(logTotal - math.Log2(tk.Freq()))}
	}
	return w
})

type jumper struct {
	dist  float32
	chars int32
	tok   *gse.Token // nil: a single character the dictionary lacks
}

// scratch holds the buffers of one segmentation.
type scratch struct {
	chars   []gse.Text
	tokens  []*gse.Token
	jumpers []jumper
	out     []int32 // segment ends, backwards
}

var scratches = sync.Pool{New: func() any { return new(scratch) }}

// segment splits s, normalised Han text, into the words of the shortest
// path and calls emit with each word's character span [start, end) and its
// dictionary token (nil for a character the dictionary lacks), in order.
func (w *words) segment(s []byte, emit func(start, end int, tok *gse.Token)) {
	sc := scratches.Get().(*scratch)
	defer scratches.Put(sc)
	sc.chars = sc.chars[:0]
	for i := 0; i < len(s); {
		_, size := utf8.DecodeRune(s[i:])
		sc.chars = append(sc.chars, s[i:i+size])
		i += size
	}
	n := len(sc.chars)
	if cap(sc.jumpers) < n {
		sc.jumpers = make([]jumper, n)
	}
	js := sc.jumpers[:n]
	clear(js)
	if len(sc.tokens) < w.maxLen {
		sc.tokens = make([]*gse.Token, w.maxLen)
	}
	update := func(j *jumper, dist float32, chars int32, tok *gse.Token) {
		if j.dist == 0 || j.dist > dist {
			*j = jumper{dist: dist, chars: chars, tok: tok}
		}
	}
	for cur := 0; cur < n; cur++ {
		var base float32
		if cur > 0 {
			base = js[cur-1].dist
		}
		k := w.seg.Dict.LookupTokens(sc.chars[cur:min(cur+w.maxLen, n)], sc.tokens)
		first := int32(0)
		for i := 0; i < k; i++ {
			inf := w.info[sc.tokens[i]]
			if i == 0 {
				first = inf.chars
			}
			update(&js[cur+int(inf.chars)-1], base+inf.dist, inf.chars, sc.tokens[i])
		}
		if k == 0 || first > 1 {
			update(&js[cur], base+pseudoDist, 1, nil)
		}
	}
	sc.out = sc.out[:0]
	for end := n; end > 0; end -= int(js[end-1].chars) {
		sc.out = append(sc.out, int32(end))
	}
	for i := len(sc.out) - 1; i >= 0; i-- {
		end := int(sc.out[i])
		j := js[end-1]
		emit(end-int(j.chars), end, j.tok)
	}
}
