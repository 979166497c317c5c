package ledger

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"strings"
)

// Feedback codes (反馈码): single-use codes an evaluator hands out on paper
// so that a rating from a real service recipient counts as verified.
//
// A code is 8 random symbols and 1 check symbol, printed in groups of three
// (K7M-3QX-9PA). The alphabet is Crockford's base 32 without Z (so 31
// symbols, a prime): no I, L, O, U, Z, which read like 1, 0, V and 2, and
// a typed I/L, O, U or Z is read as the symbol it looks like. The check
// symbol makes the weighted sum of all nine symbols 0 modulo 31 (weights 1
// to 9); since 31 is prime and every weight is below it, any one wrong
// symbol and any swap of two neighbouring symbols is caught before the
// code is sent. 31^8 ≈ 8.5×10^11 codes: guessing one is hopeless under the
// rate limits.
const codeAlphabet = "0123456789ABCDEFGHJKMNPQRSTVWXY"

// FeedbackCodeLen is the length of a feedback code without its hyphens.
const FeedbackCodeLen = 9

var codeValue = func() [256]int8 {
	var v [256]int8
	for i := range v {
		v[i] = -1
	}
	for i := 0; i < len(codeAlphabet); i++ {
		v[codeAlphabet[i]] = int8(i)
		if c := codeAlphabet[i]; c >= 'A' && c <= 'Z' {
			v[c+'a'-'A'] = int8(i)
		}
	}
	for c, as := range map[byte]byte{'O': '0', 'I': '1', 'L': '1', 'U': 'V', 'Z': '2'} {
		v[c], v[c+'a'-'A'] = v[as], v[as]
	}
	return v
}()

func codeCheck(vals []int) int {
	sum := 0
	for i, v := range vals {
		sum += (i + 1) * v
	}
	// the check c at weight len(vals)+1 makes the sum 0 mod 31
	w := len(vals) + 1
	for c := 0; c < 31; c++ {
		if (sum+w*c)%31 == 0 {
			return c
		}
	}
	panic("unreachable: 31 is prime")
}

// NewFeedbackCode returns a fresh random code in its canonical form (nine
// symbols, no hyphens).
func NewFeedbackCode() string {
	var b [FeedbackCodeLen - 1]byte
	vals := make([]int, 0, FeedbackCodeLen-1)
	out := make([]byte, 0, FeedbackCodeLen)
	for len(vals) < FeedbackCodeLen-1 {
		if _, err := rand.Read(b[:]); err != nil {
			panic(err)
		}
		for _, x := range b {
			if x < 248 && len(vals) < FeedbackCodeLen-1 { // 248 = 8×31: no bias
				vals = append(vals, int(x%31))
				out = append(out, codeAlphabet[x%31])
			}
		}
	}
	return string(append(out, codeAlphabet[codeCheck(vals)]))
}

// FeedbackCodeFrom makes a valid code from 8 symbol values (each taken
// modulo 31), for generated data that must be the same every time.
func FeedbackCodeFrom(syms [FeedbackCodeLen - 1]int) string {
	vals := make([]int, len(syms))
	out := make([]byte, 0, FeedbackCodeLen)
	for i, s := range syms {
		vals[i] = ((s % 31) + 31) % 31
		out = append(out, codeAlphabet[vals[i]])
	}
	return string(append(out, codeAlphabet[codeCheck(vals)]))
}

// FormatFeedbackCode prints a canonical code in groups of three.
func FormatFeedbackCode(code string) string {
	if len(code) != FeedbackCodeLen {
		return code
	}
	return code[:3] + "-" + code[3:6] + "-" + code[6:]
}

// ParseFeedbackCode reads a code as a person typed it: any case, with
// spaces or hyphens, look-alike letters read as their symbols. It returns
// the canonical form, or an EINVALID error for field when the code has the
// wrong length, a symbol outside the alphabet or a wrong check symbol.
func ParseFeedbackCode(field, s string) (string, error) {
	vals := make([]int, 0, FeedbackCodeLen)
	for _, r := range s {
		switch {
		case r == '-' || r == ' ' || r == '\u3000' || r == '－':
			continue
		case r >= 0xFF01 && r <= 0xFF5E: // full-width ASCII from a Chinese keyboard
			r -= 0xFEE0
		}
		if r > 0xFF || codeValue[r] < 0 {
			return "", Invalid(field, "a feedback code has only the letters and digits printed on the card; %q is not one of them", r)
		}
		vals = append(vals, int(codeValue[r]))
	}
	if len(vals) != FeedbackCodeLen {
		return "", Invalid(field, "a feedback code has %d letters and digits, got %d", FeedbackCodeLen, len(vals))
	}
	if codeCheck(vals[:FeedbackCodeLen-1]) != vals[FeedbackCodeLen-1] {
		return "", Invalid(field, "this feedback code has a typing error: please check it against the card")
	}
	var b strings.Builder
	for _, v := range vals {
		b.WriteByte(codeAlphabet[v])
	}
	return b.String(), nil
}

// HashFeedbackCode returns the hex SHA-256 of a canonical code. The store
// keeps only this: codes are single-use secrets, so neither the database,
// its backups nor its logs show one. (A copy of the database still lets a
// determined attacker search all 31^8 codes offline; after a leak, the
// unused codes of a batch should be withdrawn and new ones issued.)
func HashFeedbackCode(code string) string {
	h := sha256.Sum256([]byte("civicledger feedback code\x00" + code))
	return hex.EncodeToString(h[:])
}
