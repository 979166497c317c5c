package ledger

import (
	"fmt"
	"strings"
)

// The unified social credit code (统一社会信用代码, GB 32100-2015) is 18
// characters from a 31-character alphabet (digits and capitals without I, O,
// Z, S, V). Position 18 is a check character over the first 17, weighted by
// 3^(i) mod 31. Positions 9–17 are the organization code of GB 11714, whose
// own last character is a check over its first eight.

// CreditCodeAlphabet is the characters of a credit code, each standing for
// its index in the check-character sum.
const CreditCodeAlphabet = "0123456789ABCDEFGHJKLMNPQRTUWXY"

var creditWeights = [17]int{1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28}

var orgCodeWeights = [8]int{3, 7, 9, 10, 5, 8, 4, 2}

// CreditCheckChar returns the GB 32100 check character for the first 17
// characters of a credit code, or an error naming the first bad character.
func CreditCheckChar(first17 string) (byte, error) {
	if len(first17) != 17 {
		return 0, fmt.Errorf("needs 17 characters, got %d", len(first17))
	}
	sum := 0
	for i := 0; i < 17; i++ {
		v := strings.IndexByte(CreditCodeAlphabet, first17[i])
		if v < 0 {
			return 0, fmt.Errorf("character %d (%q) is not allowed in a credit code", i+1, first17[i])
		}
		sum += v * creditWeights[i]
	}
	c := 31 - sum%31
	if c == 31 {
		c = 0
	}
	return CreditCodeAlphabet[c], nil
}

// OrgCodeCheckChar returns the GB 11714 check character of an organization
// code's first eight characters (positions 9–16 of a credit code).
func OrgCodeCheckChar(first8 string) (byte, error) {
	if len(first8) != 8 {
		return 0, fmt.Errorf("needs 8 characters, got %d", len(first8))
	}
	sum := 0
	for i := 0; i < 8; i++ {
		c := first8[i]
		var v int
		switch {
		case c >= '0' && c <= '9':
			v = int(c - '0')
		case c >= 'A' && c <= 'Z':
			v = int(c-'A') + 10
		default:
			return 0, fmt.Errorf("character %q is not allowed in an organization code", c)
		}
		sum += v * orgCodeWeights[i]
	}
	switch c := 11 - sum%11; c {
	case 10:
		return 'X', nil
	case 11:
		return '0', nil
	default:
		return byte('0' + c), nil
	}
}

// ValidateCreditCode checks an 18-character unified social credit code and
// returns an EINVALID error for field naming what is wrong: length,
// alphabet, administrative division digits, the organization-code check
// (position 17) or the code's own check character (position 18).
func ValidateCreditCode(field, code string) error {
	if len(code) != 18 {
		return Invalid(field, "统一社会信用代码 must be 18 characters, got %d", len([]rune(code)))
	}
	for i := 0; i < 18; i++ {
		if strings.IndexByte(CreditCodeAlphabet, code[i]) < 0 {
			return Invalid(field, "统一社会信用代码 has %q at position %d; only digits and capitals except I, O, S, V, Z are allowed", code[i], i+1)
		}
	}
	for i := 2; i < 8; i++ {
		if code[i] < '0' || code[i] > '9' {
			return Invalid(field, "统一社会信用代码 positions 3–8 are the administrative division code and must be digits")
		}
	}
	oc, err := OrgCodeCheckChar(code[8:16])
	if err != nil {
		return Invalid(field, "统一社会信用代码 positions 9–16: %v", err)
	}
	if code[16] != oc {
		return Invalid(field, "统一社会信用代码 has organization-code check character %q at position 17, expected %q", code[16], oc)
	}
	want, _ := CreditCheckChar(code[:17])
	if code[17] != want {
		return Invalid(field, "统一社会信用代码 check character is %q, expected %q: the code is mistyped", code[17], want)
	}
	return nil
}

// MakeCreditCode completes a credit code from its registration department,
// organization type, six-digit division and eight-character organization
// body, computing both check characters. It is used by the demo generator
// and tests; it does not validate the alphabet of body.
func MakeCreditCode(dept, typ byte, division, body string) string {
	oc, _ := OrgCodeCheckChar(body)
	first17 := string([]byte{dept, typ}) + division + body + string(oc)
	c, _ := CreditCheckChar(first17)
	return first17 + string(c)
}
