package ledger

import (
	"math"
	"strings"
	"testing"
)

func TestParseMoney(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want Money
		bad  bool
	}{
		{"0", 0, false},
		{"1234", 123400, false},
		{"1234.5", 123450, false},
		{"1234.56", 123456, false},
		{"-3.00", -300, false},
		{"+7.01", 701, false},
		{" 12.30 ", 1230, false},
		{"0007.5", 750, false},
		{"-0", 0, false},
		{"92233720368547758.07", math.MaxInt64, false},
		{"-92233720368547758.08", math.MinInt64, false},
		{"92233720368547758.08", 0, true},
		{"-92233720368547758.09", 0, true},
		{"99999999999999999999", 0, true},
		{"", 0, true},
		{"   ", 0, true},
		{"abc", 0, true},
		{"1.234", 0, true},
		{"1.", 0, true},
		{".5", 0, true},
		{"-", 0, true},
		{"--1", 0, true},
		{"1e5", 0, true},
		{"1,000", 0, true},
		{"1 000", 0, true},
		{"１２", 0, true}, // full-width digits
		{"0x10", 0, true},
		{"NaN", 0, true},
	} {
		got, err := ParseMoney(tc.in)
		if tc.bad {
			wantRefusal(t, "ParseMoney("+tc.in+")", InField("amount", err), "amount")
			continue
		}
		if err != nil || got != tc.want {
			t.Errorf("ParseMoney(%q) = %d, %v; want %d", tc.in, got, err, tc.want)
		}
	}
}

func TestMoneyString(t *testing.T) {
	for _, tc := range []struct {
		m    Money
		want string
	}{
		{0, "0.00"}, {5, "0.05"}, {-5, "-0.05"}, {100, "1.00"}, {123456, "1234.56"}, {-300, "-3.00"},
		{Yuan(5_000_000), "5000000.00"},
		{math.MaxInt64, "92233720368547758.07"}, {math.MinInt64, "-92233720368547758.08"},
	} {
		if got := tc.m.String(); got != tc.want {
			t.Errorf("Money(%d).String() = %q, want %q", int64(tc.m), got, tc.want)
		}
		if back, err := ParseMoney(tc.want); err != nil || back != tc.m {
			t.Errorf("ParseMoney(%q) = %d, %v; want %d back", tc.want, back, err, int64(tc.m))
		}
	}
}

func TestRatio(t *testing.T) {
	for _, tc := range []struct {
		a, b Money
		want string
	}{
		{Yuan(120_000_000), Yuan(90_000_000), "1.3333"},
		{2, 3, "0.6667"},
		{1, 3, "0.3333"},
		{1, 20000, "0.0001"}, // 0.00005 rounds half away from zero
		{1, 20001, "0.0000"},
		{-1, 20000, "-0.0001"},
		{1, -3, "-0.3333"},
		{-2, -3, "0.6667"},
		{-1, 30000, "0.0000"}, // never "-0.0000"
		{0, 5, "0.0000"},
		{5, 0, ""},
		{Yuan(10), Yuan(10), "1.0000"},
		// Beyond where a×10000 fits 64 bits: exact all the same.
		{math.MaxInt64, 1, "9223372036854775807.0000"},
		{math.MinInt64, 1, "-9223372036854775808.0000"},
		{math.MaxInt64, math.MaxInt64, "1.0000"},
		{math.MinInt64, math.MinInt64, "1.0000"},
		{1, math.MinInt64, "0.0000"},
		{math.MaxInt64, 3, "3074457345618258602.3333"},
	} {
		if got := Ratio(tc.a, tc.b); got != tc.want {
			t.Errorf("Ratio(%d, %d) = %q, want %q", int64(tc.a), int64(tc.b), got, tc.want)
		}
	}
}

func TestExcerpt(t *testing.T) {
	long := strings.Repeat("ab", 30)
	for _, tc := range []struct{ in, want string }{
		{"abc", `"abc"`},
		{"", `""`},
		{long, `"` + long[:40] + `"…`},
		{strings.Repeat("统", 20), `"` + strings.Repeat("统", 13) + `"…`}, // 39 bytes: no character is cut
		{"\xff", `"\xff"`},
	} {
		if got := Excerpt(tc.in); got != tc.want {
			t.Errorf("Excerpt(%q) = %s, want %s", tc.in, got, tc.want)
		}
	}
}

func TestRoundYuan(t *testing.T) {
	for _, tc := range []struct{ in, want Money }{
		{0, 0}, {49, 0}, {50, 100}, {149, 100}, {150, 200}, {-49, 0}, {-50, -100}, {-150, -200}, {Yuan(7), Yuan(7)},
	} {
		if got := tc.in.RoundYuan(); got != tc.want {
			t.Errorf("Money(%d).RoundYuan() = %d, want %d", int64(tc.in), int64(got), int64(tc.want))
		}
	}
}
