package web

import (
	"fmt"
	"html/template"
	"strconv"
	"strings"
	"time"

	"civicledger/ledger"
)

// formatFuncs are the template functions that format figures. Each figure
// is shown rounded for reading, inside a <data> element whose value is the
// exact figure as the API gives it.
var formatFuncs = template.FuncMap{
	"money":      moneyHTML,
	"count":      countHTML,
	"ratio":      ratioHTML,
	"num":        groupDigits,
	"yuan":       yuanText,
	"paras":      paragraphs,
	"safe":       func(s string) template.HTML { return template.HTML(s) }, // search highlights, escaped by the search package
	"add":        func(a, b int) int { return a + b },
	"derefi":     func(p *int64) int64 { return deref(p) },
	"deref":      func(p *float64) float64 { return derefF(p) },
	"fixed":      func(f float64, n int) string { return strconv.FormatFloat(f, 'f', n, 64) },
	"toMoney":    func(n int64) ledger.Money { return ledger.Money(n) },
	"derefMoney": func(p *int64) ledger.Money { return ledger.Money(deref(p)) },
	"rfc3339":    ledger.FormatTime,
	"shtime":     func(t time.Time) string { return t.In(ledger.Shanghai).Format("2006-01-02 15:04") },
	"list":       func(xs ...string) []string { return xs },
	"args": func(kv ...any) map[string]any {
		m := make(map[string]any, len(kv)/2)
		for i := 0; i+1 < len(kv); i += 2 {
			m[kv[i].(string)] = kv[i+1]
		}
		return m
	},
}

func deref(p *int64) int64 {
	if p == nil {
		return 0
	}
	return *p
}

func derefF(p *float64) float64 {
	if p == nil {
		return 0
	}
	return *p
}

// groupDigits writes n with thousands separators.
func groupDigits(n int64) string {
	s := strconv.FormatInt(n, 10)
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	var b strings.Builder
	for i, c := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(c)
	}
	if neg {
		return "-" + b.String()
	}
	return b.String()
}

// yuanText is an amount for reading: 万元 and 亿元 in Chinese, millions in
// English.
func yuanText(m ledger.Money, lang string) string {
	y := float64(m) / 100
	if lang == "en" {
		switch {
		case y >= 1e6 || y <= -1e6:
			return fmt.Sprintf("¥%.2f million", y/1e6)
		default:
			whole := int64(m) / 100
			return fmt.Sprintf("¥%s.%02d", groupDigits(whole), abs(int64(m)%100))
		}
	}
	switch {
	case y >= 1e8 || y <= -1e8:
		return fmt.Sprintf("%.2f亿元", y/1e8)
	case y >= 1e4 || y <= -1e4:
		return fmt.Sprintf("%.2f万元", y/1e4)
	default:
		return fmt.Sprintf("%s元", m.String())
	}
}

func abs(n int64) int64 {
	if n < 0 {
		return -n
	}
	return n
}

// moneyHTML is an amount as <data value="exact decimal">readable</data>.
func moneyHTML(m ledger.Money, lang string) template.HTML {
	return template.HTML(fmt.Sprintf(`<data value="%s">%s</data>`, m.String(), template.HTMLEscapeString(yuanText(m, lang))))
}

// countHTML is a count as <data value="n">n,nnn</data>.
func countHTML(n int64) template.HTML {
	return template.HTML(fmt.Sprintf(`<data value="%d">%s</data>`, n, groupDigits(n)))
}

// ratioHTML is a ratio a/b as the API gives it (four decimals), shown as
// "1 : 1.33"; empty when b is zero.
func ratioHTML(a, b ledger.Money) template.HTML {
	r := ledger.Ratio(a, b)
	if r == "" {
		return "—"
	}
	f, _ := strconv.ParseFloat(r, 64)
	return template.HTML(fmt.Sprintf(`<data value="%s">1 : %.2f</data>`, r, f))
}

// paragraphs splits a record's text into paragraphs at blank lines or line
// breaks.
func paragraphs(s string) []string {
	var out []string
	for _, p := range strings.Split(strings.ReplaceAll(s, "\r\n", "\n"), "\n") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}
