package ledger

import (
	"errors"
	"testing"
)

// wantRefusal checks err against a table case: field "" means the input is
// accepted (err nil); otherwise err must be an EINVALID *Error naming field.
func wantRefusal(t *testing.T, name string, err error, field string) {
	t.Helper()
	wantCode(t, name, err, EINVALID, field)
}

// wantCode is wantRefusal for any code: field "" with code "" means nil.
func wantCode(t *testing.T, name string, err error, code, field string) {
	t.Helper()
	if code == "" || (code == EINVALID && field == "") {
		if err != nil {
			t.Errorf("%s: refused (%v), want accepted", name, err)
		}
		return
	}
	var e *Error
	if !errors.As(err, &e) {
		t.Errorf("%s: got %v, want a %s refusal of %s", name, err, code, field)
		return
	}
	if e.Code != code || e.Field != field {
		t.Errorf("%s: got %s on %q (%v), want %s on %q", name, e.Code, e.Field, err, code, field)
	}
	if e.Message == "" {
		t.Errorf("%s: refusal without a message", name)
	}
}

func ptr[T any](v T) *T { return &v }
