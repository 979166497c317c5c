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
//   - BigramTokenizer emits overlapping character pairs (and the last
//     character of each run), the fallback for partial words such as 适老.
//
// Latin words, numbers and codes stay whole tokens in both, with their
// parts (split at - _ /) as extra tokens at their own offsets.

// Names under which the tokenizers and analyzers are registered with bleve.
const (
	WordTokenizerName   = "civicledger_word"
	BigramTokenizerName = "civicledger_bigram"
	WordAnalyzerName    = "civicledger_word"
	BigramAnalyzerName  = "civicledger_bigram"
)

// analysisVersion changes whenever the code of the tokenizers changes what
// they emit; it is part of the fingerprint.
const analysisVersion = "2"

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
	for _, s := range []string{analysisVersion, baseWords, userWords, t2sTable} {
		fmt.Fprintf(h, "%d:", len(s))
		h.Write([]byte(s))
	}
	return hex.EncodeToString(h.Sum(nil))[:16]
}

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
	if err := seg.LoadDictStr(b.String()); err != nil {
		panic(fmt.Sprintf("search: loading the segmentation dictionary: %v", err))
	}
	return seg
})

// LoadDictionary loads the segmentation dictionary now rather than on the
// first document or query (it takes about half a second).
func LoadDictionary() { segmenter() }

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

// text is normalised input with the byte offset of each rune in the
// original input.
type text struct {
	runes []rune // normalised
	at    []int  // at[i] is the byte offset of rune i in the input; at[len] = len(input)
}

func newText(input []byte) text {
	t := text{runes: make([]rune, 0, len(input)/2), at: make([]int, 0, len(input)/2+1)}
	for i := 0; i < len(input); {
		r, size := utf8.DecodeRune(input[i:])
		t.runes = append(t.runes, NormalizeRune(r))
		t.at = append(t.at, i)
		i += size
	}
	t.at = append(t.at, len(input))
	return t
}

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

// token is one emitted term: runes [start, end) of the text.
type token struct {
	term       string
	start, end int
}

// alnumTokens emits an alphanumeric run whole and, when it contains - _ or /,
// each part between them.
func (t text) alnumTokens(r run, emit func(token)) {
	emit(token{string(t.runes[r.start:r.end]), r.start, r.end})
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
				emit(token{string(t.runes[p:i]), p, i})
			}
			p = i + 1
		}
	}
}

// wordTokens segments a Han run with gse: each word of the best
// segmentation, then recursively the dictionary words (two characters or
// more) inside it.
func (t text) wordTokens(r run, emit func(token)) {
	s := string(t.runes[r.start:r.end])
	// gse works in bytes; map byte offsets in s back to runes.
	byteToRune := make([]int, len(s)+1)
	ri := r.start
	for bi := range s {
		byteToRune[bi] = ri
		ri++
	}
	byteToRune[len(s)] = r.end
	var sub func(base int, segs []*gse.Segment)
	sub = func(base int, segs []*gse.Segment) {
		for _, sg := range segs {
			tk := sg.Token()
			if w := tk.Text(); utf8.RuneCountInString(w) > 1 {
				emit(token{w, byteToRune[base+sg.Start()], byteToRune[base+sg.End()]})
			}
			sub(base+sg.Start(), tk.Segments())
		}
	}
	for _, sg := range segmenter().Segment([]byte(s)) {
		tk := sg.Token()
		emit(token{tk.Text(), byteToRune[sg.Start()], byteToRune[sg.End()]})
		sub(sg.Start(), tk.Segments())
	}
}

// bigramTokens emits each overlapping pair of a Han run and its last
// character alone, so that every character starts some token.
func (t text) bigramTokens(r run, emit func(token)) {
	for i := r.start; i+1 < r.end; i++ {
		emit(token{string(t.runes[i : i+2]), i, i + 2})
	}
	emit(token{string(t.runes[r.end-1 : r.end]), r.end - 1, r.end})
}

// analyze runs han on each Han run and alnumTokens on the others.
func analyze(input []byte, han func(text, run, func(token))) []token {
	t := newText(input)
	var out []token
	emit := func(tk token) { out = append(out, tk) }
	for _, r := range t.runs() {
		if r.class == classHan {
			han(t, r, emit)
		} else {
			t.alnumTokens(r, emit)
		}
	}
	return out
}

func toStream(input []byte, han func(text, run, func(token))) analysis.TokenStream {
	t := newText(input)
	stream := make(analysis.TokenStream, 0, len(t.runes)/2+1)
	emit := func(tk token) {
		typ := analysis.Ideographic
		if r, _ := utf8.DecodeRuneInString(tk.term); classOf(r) != classHan {
			typ = analysis.AlphaNumeric
			if unicode.IsDigit(r) {
				typ = analysis.Numeric
			}
		}
		stream = append(stream, &analysis.Token{
			Term:     []byte(tk.term),
			Start:    t.at[tk.start],
			End:      t.at[tk.end],
			Position: tk.start + 1, // character offsets, 1-based as bleve expects
			Type:     typ,
		})
	}
	for _, r := range t.runs() {
		if r.class == classHan {
			han(t, r, emit)
		} else {
			t.alnumTokens(r, emit)
		}
	}
	return stream
}

// WordTokenizer is the bleve tokenizer of the word fields (see the package
// comment on analysis).
type WordTokenizer struct{}

// Tokenize implements analysis.Tokenizer.
func (WordTokenizer) Tokenize(input []byte) analysis.TokenStream {
	return toStream(input, text.wordTokens)
}

// BigramTokenizer is the bleve tokenizer of the bigram fallback fields.
type BigramTokenizer struct{}

// Tokenize implements analysis.Tokenizer.
func (BigramTokenizer) Tokenize(input []byte) analysis.TokenStream {
	return toStream(input, text.bigramTokens)
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
