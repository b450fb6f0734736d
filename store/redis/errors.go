package redisstore

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/redis/go-redis/v9"

	"github.com/feedbackbot/feedbackbot"
)

// codedError carries a feedbackbot code (with a message safe for users) and the
// underlying cause. Its Unwrap returns both, so feedbackbot.ErrorCode(err) finds the
// code while errors.Is/As still reach the Redis or network error underneath.
type codedError struct {
	code  *feedbackbot.Error
	cause error
}

func (e *codedError) Error() string   { return e.code.Message + ": " + e.cause.Error() }
func (e *codedError) Unwrap() []error { return []error{e.code, e.cause} }

func withCode(code, msg string, cause error) error {
	return &codedError{code: &feedbackbot.Error{Code: code, Message: msg}, cause: cause}
}

// IsUnavailable reports whether err means the Redis store cannot serve requests right
// now (connection refused or reset, timeouts, a server still loading its data set, a
// failover in progress, out of memory...) and the operation may succeed if retried
// later. It is the same as feedbackbot.ErrorCode(err) == feedbackbot.EUNAVAILABLE:
// every error this package returns for such a condition carries that code.
func IsUnavailable(err error) bool {
	return feedbackbot.ErrorCode(err) == feedbackbot.EUNAVAILABLE
}

// unavailableMsg is the user-facing message of an unavailable store; details stay in
// the wrapped cause, for logs.
const unavailableMsg = "the Redis store is unavailable, try again later"

// wrapErr wraps an error from go-redis for operation op: unavailability is marked with
// EUNAVAILABLE, anything else keeps its cause (and reads as EINTERNAL).
func wrapErr(op string, err error) error {
	if err == nil {
		return nil
	}
	if transient(err) {
		return fmt.Errorf("redis %s: %w", op, withCode(feedbackbot.EUNAVAILABLE, unavailableMsg, err))
	}
	return fmt.Errorf("redis %s: %w", op, err)
}

// transientPrefixes are server replies that mean "not now" rather than "never".
// BUSY is followed by a space so that BUSYGROUP and BUSYKEY do not match.
var transientPrefixes = []string{
	"LOADING", "READONLY", "CLUSTERDOWN", "TRYAGAIN", "MASTERDOWN", "NOREPLICAS",
	"OOM", "BUSY ", "NOAUTH", "WRONGPASS", "NOPERM", "ERR max number of clients",
	"UNBLOCKED", "MOVED", "ASK",
}

// transient classifies err: server replies by their prefix, everything that is not a
// server reply (network errors, EOF, pool timeouts, a closed client) as unavailable,
// except the caller's own cancellation.
func transient(err error) bool {
	if errors.Is(err, context.Canceled) || errors.Is(err, redis.Nil) {
		return false
	}
	var rerr redis.Error
	if errors.As(err, &rerr) {
		msg := rerr.Error()
		for _, p := range transientPrefixes {
			if strings.HasPrefix(msg, p) {
				return true
			}
		}
		return false
	}
	return true
}
