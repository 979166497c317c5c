package ledger

import (
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"
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

// ParseMoney parses a decimal string of yuan ("1234", "1234.5", "1234.56",
// "-3.00") into Money. More than two decimals, exponents, separators or an
// amount that does not fit int64 fen are refused.
func ParseMoney(s string) (Money, error) {
	t := strings.TrimSpace(s)
	if t == "" {
		return 0, fmt.Errorf("amount is empty")
	}
	neg := false
	if t[0] == '-' || t[0] == '+' {
		neg = t[0] == '-'
		t = t[1:]
	}
	whole, frac, hasDot := strings.Cut(t, ".")
	if whole == "" || (hasDot && (frac == "" || len(frac) > 2)) {
		return 0, fmt.Errorf("amount %q is not a decimal number of yuan with at most two decimals", s)
	}
	for _, part := range []string{whole, frac} {
		for _, r := range part {
			if r < '0' || r > '9' {
				return 0, fmt.Errorf("amount %q is not a decimal number of yuan with at most two decimals", s)
			}
		}
	}
	for len(frac) < 2 {
		frac += "0"
	}
	y, err := strconv.ParseInt(whole, 10, 64)
	if err != nil || y > (math.MaxInt64-99)/100 {
		return 0, fmt.Errorf("amount %q is too large", s)
	}
	f, _ := strconv.ParseInt(frac, 10, 64)
	v := y*100 + f
	if neg {
		v = -v
	}
	return Money(v), nil
}

// MarshalGQL writes m as a JSON string of yuan (gqlgen scalar marshalling).
func (m Money) MarshalGQL(w io.Writer) {
	_, _ = io.WriteString(w, strconv.Quote(m.String()))
}

// UnmarshalGQL reads Money from a GraphQL string (or an integer of yuan).
func (m *Money) UnmarshalGQL(v any) error {
	switch x := v.(type) {
	case string:
		p, err := ParseMoney(x)
		if err != nil {
			return err
		}
		*m = p
		return nil
	case int:
		*m = Yuan(int64(x))
		return nil
	case int64:
		*m = Yuan(x)
		return nil
	default:
		return fmt.Errorf("money must be a decimal string of yuan such as \"1234.56\"")
	}
}

// Ratio returns a/b rounded to four decimals as a decimal string, or "" when
// b is zero. It is used for leverage ratios, which must not pass through floats
// in a way that shows binary noise.
func Ratio(a, b Money) string {
	if b == 0 {
		return ""
	}
	// a/b with 4 decimals, rounded half away from zero, in integer arithmetic.
	num := int64(a) * 10000
	q := num / int64(b)
	r := num % int64(b)
	if 2*abs64(r) >= abs64(int64(b)) {
		if (num < 0) != (int64(b) < 0) {
			q--
		} else {
			q++
		}
	}
	neg := q < 0
	if neg {
		q = -q
	}
	s := fmt.Sprintf("%d.%04d", q/10000, q%10000)
	if neg {
		s = "-" + s
	}
	return s
}

func abs64(v int64) int64 {
	if v < 0 {
		return -v
	}
	return v
}
