package search

import (
	_ "embed"
	"slices"
	"strings"
	"sync"
	"unicode"
	"unicode/utf8"

	"github.com/mozillazg/go-pinyin"

	"civicledger/ledger"
)

// What people type besides the official vocabulary: everyday words
// (data/colloquial.txt), English (data/english.txt and the English names of
// ledger's enumerations) and pinyin. All of it applies to queries only, so
// these tables can grow without rebuilding the index.

var (
	//go:embed data/colloquial.txt
	colloquialTable string
	//go:embed data/english.txt
	englishTable string
	//go:embed data/domain.txt
	domainTable string
)

// Via says how a word of a query was widened.
type Via string

// Ways a word is widened.
const (
	ViaSynonym Via = "SYNONYM" // an everyday word and the official one, or equivalent terms
	ViaParts   Via = "PARTS"   // a compound found in no record, searched by its parts
	ViaPinyin  Via = "PINYIN"  // pinyin, searched as the Chinese words it spells
	ViaEnglish Via = "ENGLISH" // English, searched as its Chinese terms
	// ViaSpelling: a word found in no record whose homophone among the
	// domain's words records hold (a wrong pick of the input method:
	// 老年仁 for 老年人), searched as that word.
	ViaSpelling Via = "SPELLING"
)

// Expansion is a word of a query and the terms searched for it besides.
type Expansion struct {
	Word  string
	Via   Via
	Terms []string
}

// querySynonyms maps a normalised word to the words a query for it also
// searches: the groups of data/synonyms.txt both ways, and the lines of
// data/colloquial.txt (one way with >, both ways without).
var querySynonyms = sync.OnceValue(func() map[string][]string {
	m := map[string][]string{}
	add := func(from string, to ...string) {
		for _, t := range to {
			if t != from && !slices.Contains(m[from], t) {
				m[from] = append(m[from], t)
			}
		}
	}
	for w, alts := range synonyms() {
		add(w, alts...)
	}
	eachLine(colloquialTable, func(f []string) {
		for i := range f {
			f[i] = Normalize(f[i])
		}
		if i := slices.Index(f, ">"); i > 0 {
			for _, w := range f[:i] {
				add(w, f[i+1:]...)
			}
			return
		}
		for _, w := range f {
			add(w, f...)
		}
	})
	return m
})

// english maps a lower-case English word or phrase to Chinese terms, and
// the service area whose name it is.
type englishEntry struct {
	terms []string
	area  ledger.ServiceArea
}

var englishWords = sync.OnceValue(func() map[string]*englishEntry {
	m := map[string]*englishEntry{}
	add := func(phrase string, area ledger.ServiceArea, terms ...string) {
		phrase = strings.Join(strings.Fields(strings.ToLower(phrase)), " ")
		e := m[phrase]
		if e == nil {
			e = &englishEntry{}
			m[phrase] = e
		}
		if area != "" {
			e.area = area
		}
		for _, t := range terms {
			if t = Normalize(t); !slices.Contains(e.terms, t) {
				e.terms = append(e.terms, t)
			}
		}
	}
	name := func(v string) string { return strings.ReplaceAll(strings.ToLower(v), "_", " ") }
	for _, a := range ledger.ServiceAreas {
		add(name(string(a)), a, ledger.Label(a))
		// The first word alone (elderly, disability, poverty, community)
		// names the area too.
		add(strings.Fields(name(string(a)))[0], a, ledger.Label(a))
	}
	for _, s := range ledger.Stages {
		add(name(string(s)), "", ledger.Label(s))
	}
	var kinds []string
	kinds = append(kinds, strs(ledger.ReportKinds)...)
	kinds = append(kinds, strs(ledger.AnnouncementKinds)...)
	kinds = append(kinds, strs(ledger.OrgKinds)...)
	for _, k := range kinds {
		if l := ledger.Label(k); l != k {
			add(name(k), "", l)
		}
	}
	eachLine(englishTable, func(f []string) {
		if i := slices.Index(f, ">"); i > 0 {
			add(strings.Join(f[:i], " "), "", f[i+1:]...)
		}
	})
	return m
})

// lookupEnglish finds the entry of an English word or phrase, reducing a
// plural when the word itself is not known.
func lookupEnglish(s string) *englishEntry {
	m := englishWords()
	if e := m[s]; e != nil {
		return e
	}
	for _, r := range [][2]string{{"ies", "y"}, {"es", ""}, {"s", ""}} {
		if base, ok := strings.CutSuffix(s, r[0]); ok && len(base) > 2 {
			if e := m[base+r[1]]; e != nil {
				return e
			}
		}
	}
	return nil
}

// vocabulary is the domain's Chinese words: the domain dictionary, the
// area words, data/domain.txt, synonyms, everyday words and the
// glossary's terms (with the enumerations' labels). Pinyin queries and homophone suggestions choose
// among them.
var vocabulary = sync.OnceValue(func() []string {
	seen := map[string]bool{}
	var out []string
	add := func(w string) {
		w = Normalize(w)
		if utf8.RuneCountInString(w) < 2 || seen[w] {
			return
		}
		for _, r := range w {
			if classOf(r) != classHan {
				return
			}
		}
		seen[w] = true
		out = append(out, w)
	}
	eachLine(userWords, func(f []string) { add(f[0]) })
	eachLine(domainTable, func(f []string) {
		for _, w := range f {
			add(w)
		}
	})
	eachLine(areaTable, func(f []string) {
		for _, w := range f[1:] {
			add(w)
		}
	})
	for w, alts := range querySynonyms() {
		add(w)
		for _, a := range alts {
			add(a)
		}
	}
	for _, e := range englishWords() {
		for _, t := range e.terms {
			add(t)
		}
	}
	return out
})

// pinyinArgs: plain syllables without tones, every reading of a character.
var pinyinArgs = func() pinyin.Args {
	a := pinyin.NewArgs()
	a.Style = pinyin.Normal
	a.Heteronym = true
	return a
}()

// pinyinOf returns the toneless pinyin spellings of a Chinese word, one
// per combination of readings (at most 16), syllables run together.
func pinyinOf(w string) []string {
	out := []string{""}
	for _, r := range w {
		readings := pinyin.SinglePinyin(r, pinyinArgs)
		if len(readings) == 0 {
			return nil
		}
		var next []string
		for _, p := range out {
			for _, rd := range readings {
				if len(next) < 16 {
					next = append(next, p+rd)
				}
			}
		}
		out = slices.Compact(next)
	}
	return out
}

// pinyinWords maps toneless pinyin (syllables run together) to the words
// of the vocabulary spelled so.
var pinyinWords = sync.OnceValue(func() map[string][]string {
	m := map[string][]string{}
	for _, w := range vocabulary() {
		for _, p := range pinyinOf(w) {
			if !slices.Contains(m[p], w) {
				m[p] = append(m[p], w)
			}
		}
	}
	for _, ws := range m {
		slices.Sort(ws)
	}
	return m
})

// toneless strips tone marks and tone numbers from a pinyin spelling:
// yǎng lǎo, yang3lao3 and yanglao all become yanglao. ü is written v or u.
func toneless(s string) string {
	var b strings.Builder
	for _, r := range s {
		switch {
		case r >= '1' && r <= '5':
			continue
		case unicode.IsSpace(r) || r == '\'' || r == '-':
			continue
		}
		if base, ok := toneBase[r]; ok {
			r = base
		}
		b.WriteRune(r)
	}
	return b.String()
}

var toneBase = func() map[rune]rune {
	m := map[rune]rune{}
	for base, marked := range map[rune]string{'a': "āáǎà", 'e': "ēéěè", 'i': "īíǐì", 'o': "ōóǒò", 'u': "ūúǔù", 'v': "ǖǘǚǜü"} {
		for _, r := range marked {
			m[r] = base
		}
	}
	return m
}()

// lookupPinyin returns the vocabulary words a pinyin spelling stands for.
func lookupPinyin(s string) []string {
	s = toneless(s)
	if len(s) < 4 { // two syllables at least: ma, li… are English or codes
		return nil
	}
	if ws := pinyinWords()[s]; ws != nil {
		return ws
	}
	return pinyinWords()[strings.ReplaceAll(s, "v", "u")]
}

// latinWord reports whether s is a word of Latin letters (with tone marks
// or tone numbers), which may be English or pinyin.
func latinWord(s string) bool {
	letters := 0
	for _, r := range s {
		switch {
		case 'a' <= r && r <= 'z':
			letters++
		case r >= '1' && r <= '5', r == '\'':
		default:
			if _, ok := toneBase[r]; !ok {
				return false
			}
			letters++
		}
	}
	return letters > 0
}

// editDistance is the Levenshtein distance of two strings in runes.
func editDistance(a, b string) int {
	ra, rb := []rune(a), []rune(b)
	prev := make([]int, len(rb)+1)
	cur := make([]int, len(rb)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(ra); i++ {
		cur[0] = i
		for j := 1; j <= len(rb); j++ {
			c := 1
			if ra[i-1] == rb[j-1] {
				c = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+c)
		}
		prev, cur = cur, prev
	}
	return prev[len(rb)]
}
