package ledger

import (
	"errors"
	"math"
	"math/big"
	"strings"
	"testing"
	"time"
	"unicode/utf8"
)

// Fuzz targets for the parsers of outside input the domain owns: money and
// date scalars and credit codes. Seeds are the table tests' cases plus
// testdata/fuzz/<target>/ (regressions the fuzzer found). ./test.sh runs
// each for a few seconds; run one longer with
//   go test -run '^$' -fuzz '^FuzzParseMoney$' -fuzztime 1m ./ledger/

// maxMessage bounds a refusal's message: whatever the input, the answer
// quotes at most an excerpt of it.
const maxMessage = 300

// checkRefusal fails unless err is an EINVALID *Error naming field (or no
// field, when field is "") with a short, valid UTF-8 message.
func checkRefusal(t *testing.T, err error, field string) {
	t.Helper()
	var e *Error
	if !errors.As(err, &e) {
		t.Fatalf("refusal is not a *ledger.Error: %T %v", err, err)
	}
	if e.Code != EINVALID || e.Field != field {
		t.Fatalf("refusal has code %s and field %q, want %s and %q", e.Code, e.Field, EINVALID, field)
	}
	if e.Message == "" || len(e.Message) > maxMessage || !utf8.ValidString(e.Message) {
		t.Fatalf("refusal message of %d bytes (valid UTF-8: %v): %.400q", len(e.Message), utf8.ValidString(e.Message), e.Message)
	}
}

// FuzzParseMoney: any text is either an amount whose canonical form parses
// back to it, or an EINVALID refusal (the GraphQL scalar reads strings
// with ParseMoney: resolvers/scalars).
func FuzzParseMoney(f *testing.F) {
	for _, s := range []string{"0", "1234.56", "-3.00", "+7.01", " 12.30 ", "1.234", "abc", "", "1e5",
		"92233720368547758.07", "-92233720368547758.08", "92233720368547758.08", "１２", "-", strings.Repeat("9", 100)} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		m, err := ParseMoney(s)
		if err != nil {
			checkRefusal(t, err, "")
			return
		}
		back, err := ParseMoney(m.String())
		if err != nil || back != m {
			t.Fatalf("ParseMoney(%q) = %d, whose String %q parses to %d, %v", s, int64(m), m.String(), int64(back), err)
		}
		// The value is what the decimal says: compare in exact arithmetic.
		r, ok := new(big.Rat).SetString(strings.TrimPrefix(strings.TrimSpace(s), "+"))
		if !ok || r.Cmp(big.NewRat(int64(m), 100)) != 0 {
			t.Fatalf("ParseMoney(%q) = %s", s, m)
		}
	})
}

// FuzzMoneyArithmetic: every Money prints and parses back; integer yuan
// from GraphQL are exact or refused; Ratio is a/b within half a unit of
// its fourth decimal.
func FuzzMoneyArithmetic(f *testing.F) {
	for _, p := range [][2]int64{{0, 1}, {1, 3}, {2, 3}, {-1, 20000}, {1, 20000}, {12_000_000_000, 9_000_000_000},
		{math.MaxInt64, 1}, {math.MinInt64, -1}, {math.MinInt64, math.MaxInt64}, {5, 0}} {
		f.Add(p[0], p[1])
	}
	f.Fuzz(func(t *testing.T, a, b int64) {
		for _, v := range []int64{a, b} {
			m := Money(v)
			back, err := ParseMoney(m.String())
			if err != nil || back != m {
				t.Fatalf("Money(%d).String() = %q parses to %d, %v", v, m.String(), int64(back), err)
			}
			y, err := WholeYuan(v)
			want := new(big.Int).Mul(big.NewInt(v), big.NewInt(100))
			if want.IsInt64() {
				if err != nil || int64(y) != want.Int64() {
					t.Fatalf("WholeYuan(%d) = %d, %v", v, int64(y), err)
				}
			} else if err == nil {
				t.Fatalf("WholeYuan(%d) overflowed to %d", v, int64(y))
			} else {
				checkRefusal(t, err, "")
			}
		}
		got := Ratio(Money(a), Money(b))
		if b == 0 {
			if got != "" {
				t.Fatalf("Ratio(%d, 0) = %q", a, got)
			}
			return
		}
		r, ok := new(big.Rat).SetString(got)
		if !ok || !strings.Contains(got, ".") || len(got)-strings.IndexByte(got, '.') != 5 {
			t.Fatalf("Ratio(%d, %d) = %q is not a decimal with four places", a, b, got)
		}
		exact := big.NewRat(a, 1)
		exact.Quo(exact, big.NewRat(b, 1))
		diff := new(big.Rat).Sub(r, exact)
		if diff.Abs(diff).Cmp(big.NewRat(1, 20000)) > 0 {
			t.Fatalf("Ratio(%d, %d) = %s, exact %s", a, b, got, exact.FloatString(8))
		}
		if got == "-0.0000" {
			t.Fatalf("Ratio(%d, %d) = -0.0000", a, b)
		}
	})
}

// FuzzParseDate: any text is either a real calendar day that prints back
// the same, or an EINVALID refusal.
func FuzzParseDate(f *testing.F) {
	for _, s := range []string{"2015-06-02", "2016-02-29", "2015-02-29", "2015-13-45", "15-06-02", "2015-6-2",
		"0000-01-01", "9999-12-31", "2015-06-02T00:00:00Z", "", "２０１５-06-02", "+015-06-02"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		d, err := ParseDate(s)
		if err != nil {
			checkRefusal(t, err, "")
			if Date(s).Valid() {
				t.Fatalf("Date(%q).Valid() but ParseDate refuses it", s)
			}
			return
		}
		if string(d) != s || !d.Valid() {
			t.Fatalf("ParseDate(%q) = %q", s, d)
		}
		tm := d.Time()
		if tm.Format(time.DateOnly) != s || tm.Location() != Shanghai || DateOf(tm) != d || d.Year() != tm.Year() {
			t.Fatalf("Date(%q): Time %v, DateOf %s, Year %d", s, tm, DateOf(tm), d.Year())
		}
	})
}

// FuzzCreditCode: any text is either a credit code whose two check
// characters are right (so MakeCreditCode rebuilds it from its parts), or
// an EINVALID refusal naming the field.
func FuzzCreditCode(f *testing.F) {
	for _, s := range []string{"91350100M000100Y43", "91350100M000100Y44", "91350100M000100Y4", "",
		"9135010统一社0000", "I1350100M000100Y43", "91350100m000100y43", MakeCreditCode('5', '2', "350102", "MA2XY7B0")} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		err := ValidateCreditCode("organization.creditCode", s)
		if err != nil {
			checkRefusal(t, err, "organization.creditCode")
			return
		}
		if len(s) != 18 {
			t.Fatalf("%q accepted with %d bytes", s, len(s))
		}
		if made := MakeCreditCode(s[0], s[1], s[2:8], s[8:16]); made != s {
			t.Fatalf("%q accepted, but its parts make %q", s, made)
		}
		o := &Organization{CreditCode: s, Name: "x", Kind: Undertaker}
		if err := o.Validate(); err != nil {
			t.Fatalf("%q accepted alone but not in an organization: %v", s, err)
		}
	})
}
