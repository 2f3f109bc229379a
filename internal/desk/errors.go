package desk

import (
	"errors"
	"fmt"
)

// Code classifies an error for the people and programs that see it. The web
// package maps each code to one HTTP status, in one place.
type Code string

// The error codes.
const (
	Invalid      Code = "invalid"      // bad input; Field names what
	NotFound     Code = "not_found"    // no such thing (or not yours to see)
	Conflict     Code = "conflict"     // already exists / changed meanwhile
	Unauthorized Code = "unauthorized" // not logged in / bad credentials
	Forbidden    Code = "forbidden"    // logged in, but not allowed
	TooLarge     Code = "too_large"    // over a size limit
	RateLimited  Code = "rate_limited" // slow down
	Unavailable  Code = "unavailable"  // store down: try again later
	Internal     Code = "internal"     // a bug or an unexpected failure
)

// Error is a domain error: a code, a message safe to show, the field it is
// about (for forms and 400s), and the underlying cause, never shown.
type Error struct {
	Code    Code
	Message string
	Field   string
	Err     error
}

func (e *Error) Error() string {
	switch {
	case e.Err != nil && e.Message != "":
		return e.Message + ": " + e.Err.Error()
	case e.Err != nil:
		return e.Err.Error()
	}
	return e.Message
}

func (e *Error) Unwrap() error { return e.Err }

// Errorf makes an Error with a formatted, user-safe message.
func Errorf(code Code, format string, a ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, a...)}
}

// FieldError is an Invalid error about one input field.
func FieldError(field, format string, a ...any) *Error {
	return &Error{Code: Invalid, Field: field, Message: fmt.Sprintf(format, a...)}
}

// ErrNotFound is returned by stores for a missing row.
var ErrNotFound = &Error{Code: NotFound, Message: "not found"}

// ErrorCode finds the code of err: Internal for anything that is not an *Error.
func ErrorCode(err error) Code {
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	return Internal
}

// ErrorMessage is what may be shown to a client for err; internal errors get
// a generic sentence so no SQL or stack ever leaks.
func ErrorMessage(err error) string {
	var e *Error
	if errors.As(err, &e) && e.Code != Internal && e.Message != "" {
		return e.Message
	}
	if ErrorCode(err) == Unavailable {
		return "the service is temporarily unavailable; please try again shortly"
	}
	return "something went wrong on our side; it has been logged"
}

// ErrorField is the input field err is about, if any.
func ErrorField(err error) string {
	var e *Error
	if errors.As(err, &e) {
		return e.Field
	}
	return ""
}

// ValidationErrors collects several field errors, for forms that show every
// problem at once.
type ValidationErrors map[string]string

// Add records a message for a field (the first one wins).
func (v ValidationErrors) Add(field, msg string) {
	if _, ok := v[field]; !ok {
		v[field] = msg
	}
}

// Err returns nil when there is nothing wrong, else an Invalid *Error naming
// the first field (in the order given) and carrying the whole set. Its
// message is that field's, as it is: the field is named by Field, for
// programs, never as a prefix of what people read.
func (v ValidationErrors) Err(order ...string) error {
	if len(v) == 0 {
		return nil
	}
	for _, f := range order {
		if msg, ok := v[f]; ok {
			return &Error{Code: Invalid, Field: f, Message: msg, Err: v}
		}
	}
	for f, msg := range v {
		return &Error{Code: Invalid, Field: f, Message: msg, Err: v}
	}
	return nil
}

func (v ValidationErrors) Error() string { return fmt.Sprintf("%d invalid field(s)", len(v)) }

// FieldErrors extracts per-field messages from err, if it carries them.
func FieldErrors(err error) ValidationErrors {
	var v ValidationErrors
	if errors.As(err, &v) {
		return v
	}
	if f := ErrorField(err); f != "" {
		return ValidationErrors{f: ErrorMessage(err)}
	}
	return nil
}
