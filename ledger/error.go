package ledger

import (
	"errors"
	"fmt"
)

// Error codes. Each transport maps a code once: GraphQL to extensions.code,
// HTTP pages to a status. Anything that is not an *Error is internal and its
// text never reaches a client.
const (
	ENOTFOUND        = "NOT_FOUND"             // the record does not exist (404)
	EINVALID         = "BAD_USER_INPUT"        // input refused; Field names the input (400/422)
	ECONFLICT        = "CONFLICT"              // the write conflicts with stored state (409)
	EUNAUTHENTICATED = "UNAUTHENTICATED"       // the caller is not signed in, or its credentials are not valid (401)
	EFORBIDDEN       = "FORBIDDEN"             // the caller's role may not do this (403)
	ERATELIMITED     = "RATE_LIMITED"          // too many attempts; try again later (429)
	EUNAVAILABLE     = "UNAVAILABLE"           // a dependency is down or overloaded (503)
	EINTERNAL        = "INTERNAL_SERVER_ERROR" // anything else; detail is logged, not shown (500)
)

// Error is the one error type of the domain. Message is written for the
// person who caused it and is safe to show; Field is the dotted path of the
// refused input ("tranche.amount"), empty when the error is not about one input.
type Error struct {
	Code    string
	Field   string
	Message string
}

// Error implements the error interface.
func (e *Error) Error() string {
	if e.Field != "" {
		return fmt.Sprintf("%s: %s", e.Field, e.Message)
	}
	return e.Message
}

// Errorf returns an *Error with the given code and a formatted message.
func Errorf(code, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// Invalid returns an EINVALID error that names the refused field.
func Invalid(field, format string, args ...any) *Error {
	return &Error{Code: EINVALID, Field: field, Message: fmt.Sprintf(format, args...)}
}

// NotFound returns an ENOTFOUND error for a kind of record and its key.
func NotFound(kind string, key any) *Error {
	return &Error{Code: ENOTFOUND, Message: fmt.Sprintf("%s %v not found", kind, key)}
}

// ErrorCode returns the code of err, EINTERNAL when err is not an *Error and
// "" when err is nil.
func ErrorCode(err error) string {
	var e *Error
	if err == nil {
		return ""
	} else if errors.As(err, &e) {
		return e.Code
	}
	return EINTERNAL
}

// ErrorMessage returns the client-safe message of err: the message of an
// *Error, or a generic sentence for anything internal.
func ErrorMessage(err error) string {
	var e *Error
	if err == nil {
		return ""
	} else if errors.As(err, &e) {
		return e.Error()
	}
	return "internal error"
}

// ErrorField returns the refused field named by err, or "".
func ErrorField(err error) string {
	var e *Error
	if errors.As(err, &e) {
		return e.Field
	}
	return ""
}

// InField returns err with its refused field placed under field: an *Error
// without a field gets field, one with a field gets "field.its-field". A
// scalar that cannot know where it was given (a Money or Date value) is
// refused without a field, and the transport that knows the argument names
// it this way. Any other error is returned unchanged.
func InField(field string, err error) error {
	var e *Error
	if field == "" || !errors.As(err, &e) {
		return err
	}
	out := *e
	if out.Field == "" {
		out.Field = field
	} else {
		out.Field = field + "." + out.Field
	}
	return &out
}
