package resolvers

import (
	"encoding/base64"
	"strings"
)

// Global object IDs: base64url of "Type:key" where key is the record's
// public code (project code, credit code, report code, year), so IDs stay
// the same across databases and re-imports.
func globalID(typ, key string) string {
	return base64.RawURLEncoding.EncodeToString([]byte(typ + ":" + key))
}

func parseGlobalID(id string) (typ, key string, ok bool) {
	b, err := base64.RawURLEncoding.DecodeString(id)
	if err != nil {
		return "", "", false
	}
	typ, key, ok = strings.Cut(string(b), ":")
	return typ, key, ok && key != ""
}
