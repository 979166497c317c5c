package api

import (
	"reflect"
	"testing"
)

// FuzzScanBody: whatever the fast path accepts, decodeMembers accepts and
// reads alike; the usual bodies take the fast path.
func FuzzScanBody(f *testing.F) {
	usual := []string{
		`{"query":"{ hello }"}`,
		"{\"query\":\"query($code: String!) { project(code: $code) { code title\\n\\tround { year } } }\",\"variables\":{\"code\":\"FC2013-COM-1630\"}}",
		` { "query" : "q" , "operationName" : null , "variables" : { "a" : [1, {"b": "}"}], "n": 1.50 } } `,
		`{"extensions":{"persistedQuery":{"version":1,"sha256Hash":"abc"}}}`,
		`{"query":"a\"b\\c\/d\b\f\n\r\t","variables":null,"extensions":{}}`,
		`{"query":"x","query":"y","variables":{"a":1},"variables":{"b":2}}`,
		`{}`,
		`{"query":"q","variables":{"a":-12,"b":0,"c":true,"d":false,"e":null,"f":"x\ny","g":"h"}}`,
		`{"query":"q","variables":{"a":1.5,"b":1e3,"c":[1],"d":{"e":1}}}`,
	}
	for _, b := range usual {
		if _, ok := scanBody([]byte(b)); !ok {
			f.Errorf("the usual body %s does not take the fast path", b)
		}
		f.Add(b)
	}
	for _, b := range []string{
		`{"query":"\u0041"}`, `{"query":1}`, `{"query":"x"} x`, `{"query":"x",}`, `{"variables":[1]}`,
		`{"variables":{"a":}}`, `{"variables":{"a":1}`, `{"query":"x" "operationName":"y"}`, `{"other":1}`,
		`[{"query":"x"}]`, "{\"query\":\"a\tb\"}", `{"query":nul}`, `{"variables":{"a":"\q"}}`, `{"query":"x"}}`,
		`{"variables":{"a":"]"}}`, `{"variables":{"a":01}}`, `{"variables":{"a":-}}`, `{"variables":{"a":tru}}`,
		`{"variables":{"a":1,}}`, `{"variables":{"a":"x","a":2}}`, `{"variables":{"a":1 "b":2}}`, `{"variables":{"a":[}]}}`, `{"query":"x\`,
	} {
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, body string) {
		if _, ok := validUTF8JSON([]byte(body)); !ok {
			return // decodeBody refuses it before either path
		}
		fast, ok := scanBody([]byte(body))
		if !ok {
			return
		}
		slow, herr := decodeMembers([]byte(body))
		if herr != nil && (checkQuery(fast) == nil || checkQuery(fast).message != herr.message) {
			t.Fatalf("the fast path accepted %q, decodeMembers refused it: %s", body, herr.message)
		}
		if !reflect.DeepEqual(fast, slow) {
			t.Fatalf("%q:\nfast %#v\nslow %#v", body, fast, slow)
		}
	})
}
