package api

import (
	"bytes"
	"encoding/json"
	"testing"
)

// The cost extension written by hand is what encoding/json writes for the
// map it replaced, with and without a budget, in an answer and alone.
func TestCostExtensionAsEncodingJSON(t *testing.T) {
	for _, c := range []struct {
		ext  *costExtension
		want map[string]any
	}{
		{&costExtension{Requested: 7}, map[string]any{"requested": 7}},
		{&costExtension{Requested: 120, Limit: 100000, Remaining: 99880, ResetAt: "2026-11-29T17:00:00Z", budget: true},
			map[string]any{"requested": 120, "remaining": 99880, "limit": 100000, "resetAt": "2026-11-29T17:00:00Z"}},
	} {
		var got, want bytes.Buffer
		if err := (&response{Data: json.RawMessage(`{"a":1}`), Extensions: map[string]any{"cost": c.ext}}).encode(&got); err != nil {
			t.Fatal(err)
		}
		if err := json.NewEncoder(&want).Encode(map[string]any{"data": map[string]int{"a": 1}, "extensions": map[string]any{"cost": c.want}}); err != nil {
			t.Fatal(err)
		}
		if got.String() != want.String() {
			t.Errorf("answer:\n got %s\nwant %s", got.String(), want.String())
		}
		alone, err := json.Marshal(c.ext)
		wantAlone, _ := json.Marshal(c.want)
		if err != nil || string(alone) != string(wantAlone) {
			t.Errorf("alone: got %s, %v; want %s", alone, err, wantAlone)
		}
	}
}
