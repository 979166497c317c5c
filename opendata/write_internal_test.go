package opendata

import (
	"encoding/json"
	"strings"
	"testing"
)

// appendJSONString writes what encoding/json reads back as the same text
// (invalid UTF-8 read back as U+FFFD, as encoding/json writes it).
func TestAppendJSONString(t *testing.T) {
	for _, s := range []string{"", "plain", `quote " backslash \ slash /`, "line\nfeed\r\ttab\x00\x1f\x7f",
		"社区公益 <b>&amp;</b>", "\u2028\u2029", "bad \xff\xfe utf-8", "emoji 🙂", strings.Repeat("长", 1000)} {
		var got string
		if err := json.Unmarshal(appendJSONString(nil, s), &got); err != nil {
			t.Fatalf("%q: %v in %s", s, err, appendJSONString(nil, s))
		}
		want := strings.ToValidUTF8(s, "\ufffd")
		if s == "bad \xff\xfe utf-8" {
			want = "bad \ufffd\ufffd utf-8"
		}
		if got != want {
			t.Errorf("%q read back as %q", s, got)
		}
	}
}
