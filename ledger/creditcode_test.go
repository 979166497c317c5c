package ledger

import (
	"strings"
	"testing"
)

func TestValidateCreditCode(t *testing.T) {
	valid := MakeCreditCode('5', '1', "350102", "MA2XY7B0")
	if len(valid) != 18 {
		t.Fatalf("MakeCreditCode gave %q", valid)
	}
	// A code of the right form (the API tests use it as an unknown one).
	const published = "91350100M000100Y43"
	swapLast := func(c string) string {
		b := []byte(c)
		b[17] = CreditCodeAlphabet[(strings.IndexByte(CreditCodeAlphabet, b[17])+1)%31]
		return string(b)
	}
	for _, tc := range []struct {
		name, code string
		bad        bool
	}{
		{"made", valid, false},
		{"published", published, false},
		{"mistyped check character", swapLast(valid), true},
		{"mistyped body", valid[:10] + string(valid[11]) + string(valid[10]) + valid[12:], true},
		{"17 characters", valid[:17], true},
		{"19 characters", valid + "0", true},
		{"empty", "", true},
		{"lower case", strings.ToLower(published), true},
		{"letter I", "I" + published[1:], true},
		{"letter O", published[:10] + "O" + published[11:], true},
		{"division not digits", published[:2] + "A50100M000100Y43", true},
		{"18 bytes, fewer runes", "9135010" + "统一社" + "0000", true},
		{"organization-code check", published[:16] + "X" + published[17:], true},
	} {
		err := ValidateCreditCode("organization.creditCode", tc.code)
		if tc.bad {
			wantRefusal(t, tc.name, err, "organization.creditCode")
		} else if err != nil {
			t.Errorf("%s: %q refused: %v", tc.name, tc.code, err)
		}
	}
}

func TestCheckCharacters(t *testing.T) {
	for _, tc := range []struct {
		first17 string
		want    byte
		bad     bool
	}{
		{"91350100M000100Y4", '3', false},
		{"91350100M000100Y", 0, true},  // 16
		{"91350100M000100YI", 0, true}, // I
	} {
		got, err := CreditCheckChar(tc.first17)
		if (err != nil) != tc.bad || got != tc.want {
			t.Errorf("CreditCheckChar(%q) = %q, %v", tc.first17, got, err)
		}
	}
	for _, tc := range []struct {
		first8 string
		want   byte
		bad    bool
	}{
		{"M000100Y", '4', false},
		{"00000000", '0', false}, // sum 0: 11 - 0 = 11 is written 0
		{"10000000", '8', false}, // sum 1×3: 11 - 3
		{"40000000", 'X', false}, // sum 4×3 = 12 ≡ 1: 11 - 1 = 10 is written X
		{"M000100", 0, true},
		{"M000100y", 0, true},
	} {
		got, err := OrgCodeCheckChar(tc.first8)
		if (err != nil) != tc.bad || got != tc.want {
			t.Errorf("OrgCodeCheckChar(%q) = %q, %v; want %q", tc.first8, got, err, tc.want)
		}
	}
}
