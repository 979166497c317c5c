package ledger

import (
	"strings"
	"testing"
)

func TestCheckEmail(t *testing.T) {
	for _, c := range []struct {
		addr string
		ok   bool
	}{
		{"reader@example.org", true},
		{"reader.test+alerts@mail.example.org", true},
		{"", false},
		{"reader", false},
		{"reader@localhost", false},
		{"Reader <reader@example.org>", false},
		{"a@example.org, b@example.org", false},
		{"reader@example.org\r\nBcc: x@example.org", false},
		{strings.Repeat("a", 250) + "@example.org", false},
	} {
		err := CheckEmail("email", c.addr)
		if (err == nil) != c.ok {
			t.Errorf("CheckEmail(%q) = %v, want ok %v", c.addr, err, c.ok)
		}
		if err != nil && (ErrorField(err) != "email" || (c.addr != "" && strings.Contains(err.Error(), c.addr))) {
			t.Errorf("CheckEmail(%q): %v names no field or repeats the address", c.addr, err)
		}
	}
}
