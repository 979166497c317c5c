package ledger

import (
	"errors"
	"fmt"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestErrorAccessors(t *testing.T) {
	wrapped := fmt.Errorf("store: %w", Invalid("tranche.amount", "must be positive"))
	for _, tc := range []struct {
		name                 string
		err                  error
		code, message, field string
	}{
		{"nil", nil, "", "", ""},
		{"internal", errors.New("pq: relation does not exist"), EINTERNAL, "internal error", ""},
		{"invalid", Invalid("project.code", "must not be empty"), EINVALID, "project.code: must not be empty", "project.code"},
		{"wrapped", wrapped, EINVALID, "tranche.amount: must be positive", "tranche.amount"},
		{"not found", NotFound("project", "FC2015-001"), ENOTFOUND, "project FC2015-001 not found", ""},
		{"conflict", Errorf(ECONFLICT, "changed by %s", "someone"), ECONFLICT, "changed by someone", ""},
	} {
		got := []string{ErrorCode(tc.err), ErrorMessage(tc.err), ErrorField(tc.err)}
		if d := cmp.Diff([]string{tc.code, tc.message, tc.field}, got); d != "" {
			t.Errorf("%s (-want +got):\n%s", tc.name, d)
		}
	}
}

func TestInField(t *testing.T) {
	other := errors.New("disk full")
	for _, tc := range []struct {
		name, field string
		err         error
		want        string // field of the result
		same        bool   // the error is returned unchanged
	}{
		{"scalar without field", "filter.awardedMin", Invalid("", "bad amount"), "filter.awardedMin", false},
		{"nested field", "announcement", Invalid("projects[2]", "listed twice"), "announcement.projects[2]", false},
		{"no field to add", "", Invalid("x", "bad"), "x", true},
		{"not a ledger error", "filter", other, "", true},
		{"nil", "filter", nil, "", true},
	} {
		got := InField(tc.field, tc.err)
		if ErrorField(got) != tc.want {
			t.Errorf("%s: field %q, want %q", tc.name, ErrorField(got), tc.want)
		}
		if tc.same && got != tc.err {
			t.Errorf("%s: error changed to %v", tc.name, got)
		}
		if !tc.same && ErrorCode(got) != ErrorCode(tc.err) {
			t.Errorf("%s: code %s, want %s", tc.name, ErrorCode(got), ErrorCode(tc.err))
		}
	}
	// The original keeps its field: InField copies.
	e := Invalid("", "bad")
	_ = InField("a", e)
	if e.Field != "" {
		t.Errorf("InField changed its argument: %q", e.Field)
	}
}
