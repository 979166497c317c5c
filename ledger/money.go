package ledger

import (
	"fmt"
	"math"
	"math/big"
	"strconv"
	"strings"
	"unicode/utf8"
)

// Money is an amount of Chinese yuan counted in fen (1 yuan = 100 fen).
// It is int64 everywhere: a year's budget passes 2^31 fen. It never becomes a
// float; in GraphQL and exports it travels as a decimal string "1234.56".
type Money int64

// Yuan returns an amount of whole yuan as Money.
func Yuan(y int64) Money { return Money(y * 100) }

// String formats m as a decimal string of yuan with exactly two decimals.
func (m Money) String() string {
	neg := m < 0
	u := uint64(m)
	if neg {
		u = uint64(-m)
	}
	s := fmt.Sprintf("%d.%02d", u/100, u%100)
	if neg {
		return "-" + s
	}
	return s
}

// RoundYuan rounds m to whole yuan, half a yuan away from zero.
func (m Money) RoundYuan() Money {
	r := m % 100 // the sign of m
	m -= r
	switch {
	case r >= 50:
		m += 100
	case r <= -50:
		m -= 100
	}
	return m
}

// ParseMoney parses a decimal string of yuan ("1234", "1234.5", "1234.56",
// "-3.00") into Money. More than two decimals, exponents, separators or an
// amount that does not fit int64 fen are refused with an EINVALID error
// without a field (the caller names it, see InField). Every Money's String
// parses back to the same Money.
func ParseMoney(s string) (Money, error) {
	t := strings.TrimSpace(s)
	if t == "" {
		return 0, Invalid("", "amount is empty")
	}
	neg := false
	if t[0] == '-' || t[0] == '+' {
		neg = t[0] == '-'
		t = t[1:]
	}
	whole, frac, hasDot := strings.Cut(t, ".")
	if whole == "" || (hasDot && (frac == "" || len(frac) > 2)) || !digits(whole) || !digits(frac) {
		return 0, Invalid("", "amount %s is not a decimal number of yuan with at most two decimals", Excerpt(s))
	}
	for len(frac) < 2 {
		frac += "0"
	}
	// In uint64 so that the most negative Money, whose magnitude passes
	// MaxInt64 by one fen, parses too.
	y, err := strconv.ParseUint(whole, 10, 64)
	f, _ := strconv.ParseUint(frac, 10, 64)
	limit := uint64(math.MaxInt64)
	if neg {
		limit++
	}
	if err != nil || y > (limit-f)/100 {
		return 0, Invalid("", "amount %s is too large", Excerpt(s))
	}
	u := y*100 + f
	if neg {
		return Money(-u), nil // two's complement: -(1<<63) is itself
	}
	return Money(u), nil
}

// digits reports whether s has only ASCII digits.
func digits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// Excerpt quotes s for an error message, cut to its first 40 bytes (on a
// character boundary) so that a refused input is recognisable without
// being echoed whole: a 400 KB value must not make a 400 KB answer.
func Excerpt(s string) string {
	const max = 40
	if len(s) <= max {
		return strconv.Quote(s)
	}
	cut := max
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return strconv.Quote(s[:cut]) + "…"
}

// maxYuan is the largest whole number of yuan Money holds.
const maxYuan = math.MaxInt64 / 100

// WholeYuan returns y yuan, refusing (EINVALID, without a field) an amount
// Money cannot hold.
func WholeYuan(y int64) (Money, error) {
	if y > maxYuan || y < -maxYuan {
		return 0, Invalid("", "amount %d yuan is too large", y)
	}
	return Yuan(y), nil
}

// Ratio returns a/b rounded to four decimals (half away from zero) as a
// decimal string, or "" when b is zero. It is used for leverage ratios,
// which must not pass through floats in a way that shows binary noise; the
// arithmetic is exact for every pair of amounts.
func Ratio(a, b Money) string {
	if b == 0 {
		return ""
	}
	neg := (a < 0) != (b < 0) && a != 0
	ua, ub := magnitude(a), magnitude(b)
	var s string
	if ua <= math.MaxUint64/10000 {
		// The common case, in machine integers: no allocation.
		num := ua * 10000
		q, r := num/ub, num%ub
		if r >= ub-r {
			q++
		}
		s = fmt.Sprintf("%d.%04d", q/10000, q%10000)
	} else {
		num := new(big.Int).Mul(new(big.Int).SetUint64(ua), big.NewInt(10000))
		den := new(big.Int).SetUint64(ub)
		q, r := new(big.Int).QuoRem(num, den, new(big.Int))
		if r.Lsh(r, 1).Cmp(den) >= 0 {
			q.Add(q, big.NewInt(1))
		}
		frac := new(big.Int)
		q.QuoRem(q, big.NewInt(10000), frac)
		s = fmt.Sprintf("%s.%04d", q.String(), frac.Int64())
	}
	if neg && s != "0.0000" {
		s = "-" + s
	}
	return s
}

// magnitude returns |m| as uint64, exact for the most negative Money too.
func magnitude(m Money) uint64 {
	if m < 0 {
		return uint64(-m) // -(1<<63) wraps to itself, which is 1<<63 as uint64
	}
	return uint64(m)
}
