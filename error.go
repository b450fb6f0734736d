package feedbackbot

import (
	"errors"
	"fmt"
)

// Application error codes. The edge (a slash-command reply, an HTTP status, a CLI
// exit message) turns them into a clear, safe message; logs keep the wrapped detail.
const (
	ECONFLICT     = "conflict"
	EINVALID      = "invalid"
	ENOTFOUND     = "not_found"
	EUNAUTHORIZED = "unauthorized"
	EUNAVAILABLE  = "unavailable" // a dependency (Redis, a platform API) cannot be reached now; retry
	EINTERNAL     = "internal"
)

// Error is an application error with a code and a message fit for the user.
type Error struct {
	Code    string
	Message string
}

// Error returns the message alone: it is written for people; the code is for
// programs (ErrorCode).
func (e *Error) Error() string { return e.Message }

// Errorf returns an *Error with the given code and a formatted message.
func Errorf(code, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// ErrorCode returns the code of the first *Error in err's chain, EINTERNAL for any
// other non-nil error, and "" for nil.
func ErrorCode(err error) string {
	if err == nil {
		return ""
	}
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	return EINTERNAL
}

// ErrorMessage returns the user-facing message of err: the *Error's message, or a
// generic one for internal errors so details never leak to chat.
func ErrorMessage(err error) string {
	if err == nil {
		return ""
	}
	var e *Error
	if errors.As(err, &e) {
		return e.Message
	}
	return "Internal error."
}

// IsNotFound reports whether err carries ENOTFOUND.
func IsNotFound(err error) bool { return ErrorCode(err) == ENOTFOUND }
