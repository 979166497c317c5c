package search

import (
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/go-ego/gse"
	"github.com/google/go-cmp/cmp"
)

func TestNormalize(t *testing.T) {
	for in, want := range map[string]string{
		"ＰＰＰ模式":        "ppp模式",
		"長者食堂":         "长者食堂",
		"徐匯區　養老":       "徐汇区 养老",
		"ＦＬ－２０１６－０００１": "fl-2016-0001",
		"Ünïcode ABC":  "ünïcode abc",
	} {
		if got := Normalize(in); got != want {
			t.Errorf("Normalize(%q) = %q, want %q", in, got, want)
		}
	}
}

func terms(s string) []string {
	var out []string
	for _, tk := range analyze([]byte(s), text.wordTokens) {
		out = append(out, tk.term)
	}
	return out
}

func TestWordTokens(t *testing.T) {
	for _, tc := range []struct {
		in       string
		want     []string // must all be emitted
		wantNot  []string // must not be emitted: the bigram false matches
		position string   // one term@offset that must be there
	}{
		{in: "国家政策支持家政服务", want: []string{"国家", "政策", "家政", "服务"}, position: "家政@6"},
		{in: "国家政策", wantNot: []string{"家政"}},
		{in: "上海市长宁区民政局", want: []string{"长宁区", "长宁"}, wantNot: []string{"市长"}},
		{in: "本市长宁区", wantNot: []string{"市长"}},
		{in: "副市长调研", want: []string{"市长"}},
		{in: "半失能老人助餐", want: []string{"半失能", "失能", "老人", "助餐"}, position: "助餐@5"},
		{in: "長者食堂", want: []string{"长者食堂", "长者", "食堂"}, position: "食堂@2"},
		{in: "适老化改造", want: []string{"适老化"}, wantNot: []string{"适老"}},
		{in: "撬动社会资金1.2亿元", want: []string{"撬动社会资金", "社会资金", "1.2", "亿元"}},
		{in: "午餐提供米饭、粥和蛋", want: []string{"粥", "蛋"}},
		{in: "编号FL-2016-0001，代码91310000MA1FL2KX3Q", want: []string{"fl-2016-0001", "fl", "2016", "0001", "91310000ma1fl2kx3q"}, position: "2016@5"},
		{in: "ＰＰＰ模式", want: []string{"ppp", "模式"}},
	} {
		got := terms(tc.in)
		for _, w := range tc.want {
			if !slices.Contains(got, w) {
				t.Errorf("%s: %q missing from %v", tc.in, w, got)
			}
		}
		for _, w := range tc.wantNot {
			if slices.Contains(got, w) {
				t.Errorf("%s: %q must not be a term: %v", tc.in, w, got)
			}
		}
		if tc.position != "" && !slices.Contains(Terms(tc.in), tc.position) {
			t.Errorf("%s: want %s in %v", tc.in, tc.position, Terms(tc.in))
		}
	}
}

// TestTokenOffsets checks that positions are character offsets and that
// Start/End point into the original (full-width, traditional) bytes.
func TestTokenOffsets(t *testing.T) {
	in := "ＰＰＰ與長者食堂"
	var got []string
	for _, tk := range (WordTokenizer{}).Tokenize([]byte(in)) {
		got = append(got, string(tk.Term)+"="+in[tk.Start:tk.End]+"@"+itoa(tk.Position))
	}
	want := []string{"ppp=ＰＰＰ@1", "长者食堂=長者食堂@5", "长者=長者@5", "食堂=食堂@7"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("tokens (-want +got):\n%s", diff)
	}
}

func itoa(i int) string { return strconv.Itoa(i) }

func TestBigramTokens(t *testing.T) {
	var got []string
	for _, tk := range (BigramTokenizer{}).Tokenize([]byte("适老化 粥 FL-2016")) {
		got = append(got, string(tk.Term)+"@"+itoa(tk.Position))
	}
	// 老化 is a word token at its place and 粥 a word: the word field holds
	// them. Codes are left to the word field too.
	want := []string{"适老@1", "化@3"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("bigram tokens (-want +got):\n%s", diff)
	}
}

// TestPairsCovered checks what the fallback relies on: every character
// pair of a text is a term of the pair field or of the word field, and
// every character starts a term of one of them.
func TestPairsCovered(t *testing.T) {
	for _, s := range []string{
		"适老化改造", "国家政策支持家政服务", "上海市长宁区民政局的长者食堂", "午餐提供米饭、粥和蛋",
		"审计发现，项目资金使用基本规范，但存在部分支出凭证不全、劳务费发放缺少签收记录等问题。",
		"王阿婆今年八十二岁，子女在外地工作，平时一个人生活。",
	} {
		terms := map[string]bool{}
		starts := map[int]bool{}
		for _, tk := range (WordTokenizer{}).Tokenize([]byte(s)) {
			terms[string(tk.Term)] = true
			starts[tk.Position] = true
		}
		for _, tk := range (BigramTokenizer{}).Tokenize([]byte(s)) {
			terms[string(tk.Term)] = true
			starts[tk.Position] = true
		}
		rs := []rune(s)
		for i := range rs {
			if classOf(rs[i]) != classHan {
				continue
			}
			if !starts[i+1] {
				t.Errorf("%s: no term starts at %c (%d)", s, rs[i], i)
			}
			if i+1 < len(rs) && classOf(rs[i+1]) == classHan && !terms[string(rs[i:i+2])] {
				t.Errorf("%s: pair %s is in neither field", s, string(rs[i:i+2]))
			}
		}
	}
}

func TestFingerprint(t *testing.T) {
	fp := Fingerprint()
	if len(fp) != 16 || fp != Fingerprint() {
		t.Errorf("fingerprint %q: want 16 stable hex digits", fp)
	}
	saved := userWords
	userWords += "\n新词\n"
	defer func() { userWords = saved }()
	if Fingerprint() == fp {
		t.Error("a dictionary change must change the fingerprint")
	}
}

func TestParseText(t *testing.T) {
	for in, want := range map[string][]Clause{
		`养老 助餐`:              {{Text: "养老"}, {Text: "助餐"}},
		`"长者食堂" -助餐`:         {{Text: "长者食堂", Phrase: true}, {Text: "助餐", Exclude: true}},
		`“居家 养老”　－市长`:        {{Text: "居家 养老", Phrase: true}, {Text: "市长", Exclude: true}},
		`-"审计 发现" ＰＰＰ`:       {{Text: "审计 发现", Phrase: true, Exclude: true}, {Text: "ppp"}},
		`FL-2016-0001 - +适老`: {{Text: "fl-2016-0001"}, {Text: "适老"}},
		`"未闭合的引号`:            {{Text: "未闭合的引号", Phrase: true}},
		`   `:                nil,
	} {
		if diff := cmp.Diff(want, ParseText(in)); diff != "" {
			t.Errorf("ParseText(%q) (-want +got):\n%s", in, diff)
		}
	}
}

func TestPlanText(t *testing.T) {
	p := planText("半失能 老人的助餐 -市长")
	var must []string
	for _, u := range p.must {
		must = append(must, strings.Join(u.syn, "|"))
	}
	want := []string{"半失能", "老人|老年人|长者|老年群体", "助餐|老年助餐|长者食堂|老年食堂"}
	if diff := cmp.Diff(want, must); diff != "" {
		t.Errorf("required units (-want +got):\n%s", diff)
	}
	// The stop word 的 is neither required nor indexed: its place in the phrase stays empty.
	if diff := cmp.Diff([][]string{{"老人", "", "", "助餐"}}, p.boost); diff != "" {
		t.Errorf("phrase clause (-want +got):\n%s", diff)
	}
	if len(p.exclude) != 1 || p.exclude[0].text != "市长" {
		t.Errorf("exclusions %+v", p.exclude)
	}
	// Single characters the dictionary does not know stay together.
	p = planText("犇羴鱻")
	if len(p.must) != 1 || len(p.must[0].alts[0]) != 3 {
		t.Errorf("犇羴鱻: units %+v, want one phrase of 3 characters", p.must)
	}
}

// TestSegmentMatchesGse checks the buffer-reusing segmentation against
// gse's own on the corpus and generated reports.
func TestSegmentMatchesGse(t *testing.T) {
	var texts []string
	for _, d := range loadCorpus(t) {
		texts = append(texts, d.Title, d.Body)
	}
	for _, d := range genDocs(50, 9) {
		texts = append(texts, d.Body)
	}
	for _, s := range texts {
		tx := newText([]byte(s))
		for _, r := range tx.runs() {
			if r.class != classHan {
				continue
			}
			run := tx.term(r.start, r.end)
			var mine, theirs []string
			dictionary().segment(run, func(s, e int, _ *gse.Token) { mine = append(mine, string(tx.term(r.start+s, r.start+e))) })
			for _, sg := range segmenter().Segment(run) {
				theirs = append(theirs, sg.Token().Text())
			}
			if diff := cmp.Diff(theirs, mine); diff != "" {
				t.Fatalf("%s: (-gse +ours):\n%s", run, diff)
			}
		}
	}
}
