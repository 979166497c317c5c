package search

import (
	"bufio"
	"crypto/sha256"
	_ "embed"
	"encoding/hex"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"unicode"
	"unicode/utf8"

	"github.com/blevesearch/bleve/v2/analysis"
	"github.com/blevesearch/bleve/v2/registry"
	"github.com/go-ego/gse"
)

// The analysis of Civic Ledger's Chinese text. Two tokenizers share one
// normalisation (full-width → half-width, lowercase, traditional →
// simplified, rune for rune so offsets into the original text survive):
//
//   - WordTokenizer segments Chinese with gse over a trimmed dictionary plus
//     the domain dictionary, and emits each word and, in search mode, the
//     dictionary words inside it, each at the character offset where it
//     starts (so a phrase query can mix granularities: 长者食堂 and 长者 食堂
//     both match);
//   - BigramTokenizer emits the overlapping character pairs of Han text
//     (and the last character of each run) that the word tokens do not
//     hold at their place, the fallback for partial words such as 适老:
//     a pair is searched in both fields (see hanBoth).
//
// Latin words, numbers and codes stay whole tokens of the word fields,
// with their parts (split at - _ /) as extra tokens at their own offsets;
// the pair fields leave them out (the fallback searches them in the word
// fields).

// Names under which the tokenizers and analyzers are registered with bleve.
const (
	WordTokenizerName   = "civicledger_word"
	BigramTokenizerName = "civicledger_bigram"
	WordAnalyzerName    = "civicledger_word"
	BigramAnalyzerName  = "civicledger_bigram"
)

// analysisVersion changes whenever the code of the tokenizers or the
// mapping changes what the index holds; it is part of the fingerprint.
const analysisVersion = "7"

var (
	//go:embed data/words.txt
	baseWords string
	//go:embed data/user.txt
	userWords string
	//go:embed data/t2s.txt
	t2sTable string
	//go:embed data/synonyms.txt
	synonymTable string
	//go:embed data/stopwords.txt
	stopTable string
	//go:embed data/areas.txt
	areaTable string
)

func init() {
	registry.RegisterTokenizer(WordTokenizerName, func(map[string]any, *registry.Cache) (analysis.Tokenizer, error) {
		return WordTokenizer{}, nil
	})
	registry.RegisterTokenizer(BigramTokenizerName, func(map[string]any, *registry.Cache) (analysis.Tokenizer, error) {
		return BigramTokenizer{}, nil
	})
	registry.RegisterAnalyzer(WordAnalyzerName, func(_ map[string]any, c *registry.Cache) (analysis.Analyzer, error) {
		return &analysis.DefaultAnalyzer{Tokenizer: WordTokenizer{}}, nil
	})
	registry.RegisterAnalyzer(BigramAnalyzerName, func(_ map[string]any, c *registry.Cache) (analysis.Analyzer, error) {
		return &analysis.DefaultAnalyzer{Tokenizer: BigramTokenizer{}}, nil
	})
}

// Fingerprint identifies the analysis settings and dictionaries. An index
// built with another fingerprint must be rebuilt.
func Fingerprint() string {
	h := sha256.New()
	for _, s := range []string{analysisVersion, baseWords, userWords, t2sTable, stopTable, synonymTable} {
		fmt.Fprintf(h, "%d:", len(s))
		h.Write([]byte(s))
	}
	return hex.EncodeToString(h.Sum(nil))[:16]
}

// stopRunes are the single-character function words the word fields do
// not index (data/stopwords.txt).
var stopRunes = sync.OnceValue(func() map[rune]bool {
	m := map[rune]bool{}
	eachLine(stopTable, func(f []string) {
		if rs := []rune(Normalize(f[0])); len(rs) == 1 {
			m[rs[0]] = true
		}
	})
	return m
})

// ---- normalisation ----

var t2s = sync.OnceValue(func() map[rune]rune {
	m := make(map[rune]rune, 4200)
	eachLine(t2sTable, func(f []string) {
		if len(f) == 2 {
			from, _ := utf8.DecodeRuneInString(f[0])
			to, _ := utf8.DecodeRuneInString(f[1])
			m[from] = to
		}
	})
	return m
})

// eachLine calls fn with the space-separated fields of each line of a data
// file, skipping blank lines and # comments.
func eachLine(data string, fn func([]string)) {
	sc := bufio.NewScanner(strings.NewReader(data))
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if line == "" || line[0] == '#' {
			continue
		}
		fn(strings.Fields(line))
	}
}

// NormalizeRune maps one rune to its search form: full-width ASCII to
// half-width, the ideographic space to a space, letters to lower case and
// traditional Chinese characters to simplified ones.
func NormalizeRune(r rune) rune {
	switch {
	case r >= 0xFF01 && r <= 0xFF5E:
		r -= 0xFEE0
	case r == 0x3000:
		return ' '
	}
	if r < utf8.RuneSelf {
		if 'A' <= r && r <= 'Z' {
			r += 'a' - 'A'
		}
		return r
	}
	if s, ok := t2s()[r]; ok {
		return s
	}
	return unicode.ToLower(r)
}

// Normalize returns s in its search form, rune for rune (see NormalizeRune).
func Normalize(s string) string {
	var b strings.Builder
	b.Grow(len(s))
	for _, r := range s {
		b.WriteRune(NormalizeRune(r))
	}
	return b.String()
}

// ---- segmentation ----

// segmenter is the process-wide gse segmenter, loaded on first use.
var segmenter = sync.OnceValue(func() *gse.Segmenter {
	seg := &gse.Segmenter{NotLoadHMM: true, SkipLog: true}
	var b strings.Builder
	b.Grow(len(userWords) + len(baseWords))
	// User words first: the first definition of a word wins.
	eachLine(userWords, func(f []string) {
		freq := "3000"
		if len(f) > 1 {
			freq = f[1]
		}
		b.WriteString(Normalize(f[0]) + " " + freq + "\n")
	})
	eachLine(baseWords, func(f []string) {
		if len(f) > 1 {
			b.WriteString(f[0] + " " + f[1] + "\n")
		}
	})
	// Synonyms last (where the dictionary lacks them): each is then one
	// term, and a synonym costs a term lookup rather than a phrase.
	eachLine(synonymTable, func(f []string) {
		for _, w := range f {
			b.WriteString(Normalize(w) + " 3000\n")
		}
	})
	if err := seg.LoadDictStr(b.String()); err != nil {
		panic(fmt.Sprintf("search: loading the segmentation dictionary: %v", err))
	}
	return seg
})

// LoadDictionary loads the segmentation dictionary now rather than on the
// first document or query (it takes about half a second).
func LoadDictionary() { dictionary() }

// runeClass sorts normalised runes into the runs the tokenizers handle.
type runeClass uint8

const (
	classOther runeClass = iota
	classHan
	classAlnum
	classJoin // - _ / . , : joining two alphanumerics
)

func classOf(r rune) runeClass {
	switch {
	case r < utf8.RuneSelf:
		switch {
		case 'a' <= r && r <= 'z', '0' <= r && r <= '9':
			return classAlnum
		case r == '-' || r == '_' || r == '/' || r == '.' || r == ',' || r == ':':
			return classJoin
		}
		return classOther
	case unicode.Is(unicode.Han, r):
		return classHan
	case unicode.IsLetter(r) || unicode.IsDigit(r):
		return classAlnum
	}
	return classOther
}

// text is normalised input: its runes, its UTF-8 bytes, and for each rune
// its byte offset in the original input and in the normalised bytes.
type text struct {
	runes []rune  // normalised
	norm  []byte  // normalised, UTF-8
	at    []int32 // at[i]: byte offset of rune i in the input; at[len] = len(input)
	nat   []int32 // nat[i]: byte offset of rune i in norm; nat[len] = len(norm)
}

func newText(input []byte) text {
	n := utf8.RuneCount(input)
	t := text{runes: make([]rune, 0, n), norm: make([]byte, 0, len(input)), at: make([]int32, 0, n+1), nat: make([]int32, 0, n+1)}
	for i := 0; i < len(input); {
		r, size := utf8.DecodeRune(input[i:])
		nr := NormalizeRune(r)
		t.runes = append(t.runes, nr)
		t.at = append(t.at, int32(i))
		t.nat = append(t.nat, int32(len(t.norm)))
		t.norm = utf8.AppendRune(t.norm, nr)
		i += size
	}
	t.at = append(t.at, int32(len(input)))
	t.nat = append(t.nat, int32(len(t.norm)))
	return t
}

// term returns the normalised bytes of runes [start, end).
func (t text) term(start, end int) []byte { return t.norm[t.nat[start]:t.nat[end]] }

// run is a maximal stretch of one class: [start, end) in runes.
type run struct {
	class      runeClass
	start, end int
}

// runs splits t into Han runs and alphanumeric runs (with joiners kept only
// between alphanumerics); everything else separates.
func (t text) runs() []run {
	var out []run
	n := len(t.runes)
	for i := 0; i < n; {
		c := classOf(t.runes[i])
		switch c {
		case classHan:
			j := i + 1
			for j < n && classOf(t.runes[j]) == classHan {
				j++
			}
			out = append(out, run{classHan, i, j})
			i = j
		case classAlnum:
			j := i + 1
			for j < n {
				cj := classOf(t.runes[j])
				if cj == classAlnum {
					j++
					continue
				}
				if cj == classJoin && j+1 < n && classOf(t.runes[j+1]) == classAlnum && joins(t.runes[j], t.runes[j-1], t.runes[j+1]) {
					j += 2
					continue
				}
				break
			}
			out = append(out, run{classAlnum, i, j})
			i = j
		default:
			i++
		}
	}
	return out
}

// joins reports whether joiner r between prev and next keeps them in one
// token: - _ / always (codes, dates); . , : only between digits (1.2, 9,000, 8:30).
func joins(r, prev, next rune) bool {
	switch r {
	case '.', ',', ':':
		return unicode.IsDigit(prev) && unicode.IsDigit(next)
	}
	return true
}

// span is an emitted term: runes [start, end) of the text.
type emitFunc func(start, end int)

// alnumTokens emits an alphanumeric run whole and, when it contains - _ or /,
// each part between them.
func (t text) alnumTokens(r run, emit emitFunc) {
	emit(r.start, r.end)
	split := false
	for i := r.start; i < r.end; i++ {
		if c := t.runes[i]; c == '-' || c == '_' || c == '/' {
			split = true
			break
		}
	}
	if !split {
		return
	}
	p := r.start
	for i := r.start; i <= r.end; i++ {
		if i == r.end || t.runes[i] == '-' || t.runes[i] == '_' || t.runes[i] == '/' {
			if i > p {
				emit(p, i)
			}
			p = i + 1
		}
	}
}

// wordTokens segments a Han run with gse: each word of the best
// segmentation, then recursively the dictionary words (two characters or
// more) inside it. b2r maps byte offsets in t.norm to rune offsets.
func (t text) wordTokens(r run, b2r []int32, emit emitFunc) {
	var sub func(at int, segs []*gse.Segment)
	sub = func(at int, segs []*gse.Segment) {
		for _, sg := range segs {
			s, e := int(b2r[at+sg.Start()]), int(b2r[at+sg.End()])
			if e-s > 1 {
				emit(s, e)
			}
			sub(at+sg.Start(), sg.Token().Segments())
		}
	}
	dictionary().segment(t.norm[t.nat[r.start]:t.nat[r.end]], func(s, e int, tok *gse.Token) {
		if e-s == 1 && stopRunes()[t.runes[r.start+s]] {
			return // 的, 了, 在…: not indexed; phrases leave their place empty
		}
		emit(r.start+s, r.start+e)
		if tok != nil {
			sub(int(t.nat[r.start+s]), tok.Segments())
		}
	})
}

// hanBoth segments a Han run once for both fields: it emits the word
// tokens to word and to pair each character pair that no two-character
// word token holds at its place, and the last character of the run unless
// a word token starts there, so that every character starts some token of
// one field or the other. A substring is then found by its pairs, each in
// the pair field or as a word (see pairsQuery), with about half the pair
// postings of all pairs. word or pair may be nil.
func (t text) hanBoth(r run, b2r []int32, word, pair emitFunc) {
	sc := coverPool.Get().(*[]bool)
	cov := *sc
	if cap(cov) < r.end-r.start {
		cov = make([]bool, r.end-r.start)
	}
	cov = cov[:r.end-r.start]
	clear(cov)
	t.wordTokens(r, b2r, func(s, e int) {
		if word != nil {
			word(s, e)
		}
		if e-s == 2 || (e-s == 1 && e == r.end) {
			cov[s-r.start] = true
		}
	})
	if pair != nil {
		for i := r.start; i+1 < r.end; i++ {
			if !cov[i-r.start] {
				pair(i, i+2)
			}
		}
		if !cov[r.end-1-r.start] {
			pair(r.end-1, r.end)
		}
	}
	*sc = cov
	coverPool.Put(sc)
}

var coverPool = sync.Pool{New: func() any { return new([]bool) }}

// hanFunc tokenizes one Han run.
type hanFunc func(t text, r run, b2r []int32, emit emitFunc)

// each runs han on each Han run of t and alnumTokens on the others.
func (t text) each(han hanFunc, emit emitFunc) {
	t.eachRun(func(r run, b2r []int32) {
		if r.class != classHan {
			t.alnumTokens(r, emit)
			return
		}
		han(t, r, b2r, emit)
	})
}

// eachRun calls fn with each run of t and the map of byte offsets in
// t.norm to rune offsets (nil when t has no Han run).
func (t text) eachRun(fn func(r run, b2r []int32)) {
	var b2r []int32
	for _, r := range t.runs() {
		if r.class == classHan && b2r == nil {
			b2r = make([]int32, len(t.norm)+1)
			for i, o := range t.nat {
				b2r[o] = int32(i)
			}
		}
		fn(r, b2r)
	}
}

// dualTokens emits the tokens of both fields of t: to word those of the
// word field, to pair those of the pair field, which holds the pairs of
// Han runs that no word token holds (hanBoth) and nothing of alphanumeric
// runs (their tokens are the word field's: the fallback searches them
// there). Either may be nil.
func (t text) dualTokens(word, pair emitFunc) {
	t.eachRun(func(r run, b2r []int32) {
		if r.class != classHan {
			if word != nil {
				t.alnumTokens(r, word)
			}
			return
		}
		t.hanBoth(r, b2r, word, pair)
	})
}

// token is one term with its rune offsets, for the query side and tests.
type token struct {
	term       string
	start, end int
}

// analyze returns the tokens han and alnumTokens make of input.
func analyze(input []byte, han hanFunc) []token {
	t := newText(input)
	var out []token
	t.each(han, func(s, e int) { out = append(out, token{string(t.term(s, e)), s, e}) })
	return out
}

// streamer collects the tokens of one field of a text as a TokenStream.
type streamer struct {
	t    text
	slab []analysis.Token
}

func (st *streamer) emit(s, e int) {
	t := st.t
	typ := analysis.Ideographic
	if c := t.runes[s]; classOf(c) != classHan {
		typ = analysis.AlphaNumeric
		if unicode.IsDigit(c) {
			typ = analysis.Numeric
		}
	}
	st.slab = append(st.slab, analysis.Token{
		Term:     t.term(s, e),
		Start:    int(t.at[s]),
		End:      int(t.at[e]),
		Position: s + 1, // character offsets, 1-based as bleve expects
		Type:     typ,
	})
}

func (st *streamer) stream() analysis.TokenStream {
	stream := make(analysis.TokenStream, len(st.slab))
	for i := range st.slab {
		stream[i] = &st.slab[i]
	}
	return stream
}

// WordTokenizer is the bleve tokenizer of the word fields (see the package
// comment on analysis).
type WordTokenizer struct{}

// Tokenize implements analysis.Tokenizer.
func (WordTokenizer) Tokenize(input []byte) analysis.TokenStream {
	t := newText(input)
	w := &streamer{t: t, slab: make([]analysis.Token, 0, len(t.runes)*3/4+4)}
	t.dualTokens(w.emit, nil)
	return w.stream()
}

// BigramTokenizer is the bleve tokenizer of the bigram fallback fields.
type BigramTokenizer struct{}

// Tokenize implements analysis.Tokenizer.
func (BigramTokenizer) Tokenize(input []byte) analysis.TokenStream {
	t := newText(input)
	p := &streamer{t: t, slab: make([]analysis.Token, 0, len(t.runes)/2+4)}
	t.dualTokens(nil, p.emit)
	return p.stream()
}

// Terms returns the terms the word analyzer indexes for s, in order, as
// "term@offset" strings; it is meant for tests and diagnostics.
func Terms(s string) []string {
	var out []string
	for _, tk := range analyze([]byte(s), text.wordTokens) {
		out = append(out, tk.term+"@"+strconv.Itoa(tk.start))
	}
	return out
}
