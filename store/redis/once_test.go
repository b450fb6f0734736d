package redisstore_test

import (
	"context"
	"errors"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	redisstore "github.com/feedbackbot/feedbackbot/store/redis"
)

// lostReply loses the reply to the first SET of a once marker: answer "sent
// again" runs it a second time, as go-redis does after a connection cut before
// the reply (the second finds the first's marker), answer "error" fails it.
type lostReply struct {
	answer string
	done   atomic.Bool
	down   atomic.Bool // "outage": the next command fails too
}

func (h *lostReply) DialHook(next redis.DialHook) redis.DialHook { return next }

func (h *lostReply) ProcessPipelineHook(next redis.ProcessPipelineHook) redis.ProcessPipelineHook {
	return next
}

func (h *lostReply) ProcessHook(next redis.ProcessHook) redis.ProcessHook {
	return func(ctx context.Context, c redis.Cmder) error {
		if h.down.Swap(false) { // (the outage takes the call's look too, then ends)
			err := errors.New("dial tcp: connection refused")
			c.SetErr(err)
			return err
		}
		args := c.Args()
		if len(args) < 2 || !strings.EqualFold(args[0].(string), "set") || !strings.Contains(args[1].(string), ":once:") || h.done.Swap(true) {
			return next(ctx, c)
		}
		if err := next(ctx, c); err != nil {
			return err
		}
		if h.answer == "error" || h.answer == "outage" {
			err := errors.New("read tcp: connection reset by peer")
			c.SetErr(err)
			h.down.Store(h.answer == "outage")
			return err
		}
		return next(ctx, c) // (sent again: NX finds the marker)
	}
}

// TestOnceWhoseReplyWasLost: a once marker whose SET landed and whose reply was
// lost is still this process's: true, whether the client sent it again (which
// then found the marker: it read false, and the day's retention pass went undone
// on every replica, a review found) or gave up with an error; and where an
// outage took the call's own look too, the call fails and the next one is true.
// A second call is false, as ever.
func TestOnceWhoseReplyWasLost(t *testing.T) {
	for _, answer := range []string{"sent again", "error", "outage"} {
		t.Run(answer, func(t *testing.T) {
			ctx := t.Context()
			s, client, _ := newStore(t, redisstore.Options{})
			client.AddHook(&lostReply{answer: answer})
			if answer == "outage" {
				if ok, err := s.Once(ctx, "retention:2026-12-07", time.Hour); err == nil || ok {
					t.Fatalf("Once during the outage = %v, %v; want an error", ok, err)
				}
			}
			if ok, err := s.Once(ctx, "retention:2026-12-07", time.Hour); err != nil || !ok {
				t.Fatalf("Once = %v, %v; want true: the marker is this process's", ok, err)
			}
			if ok, err := s.Once(ctx, "retention:2026-12-07", time.Hour); err != nil || ok {
				t.Errorf("Once again = %v, %v; want false", ok, err)
			}
		})
	}
}

// TestOnceAtOnceAfterAFailedCall: after a call an outage failed (its token left
// for the next), several calls at once for the name in one process: exactly one
// is true (each read the token left behind, and all found the marker theirs: a
// review's find).
func TestOnceAtOnceAfterAFailedCall(t *testing.T) {
	ctx := t.Context()
	s, client, _ := newStore(t, redisstore.Options{})
	client.AddHook(&lostReply{answer: "outage"})
	if ok, err := s.Once(ctx, "retention:x", time.Hour); err == nil || ok {
		t.Fatalf("Once during the outage = %v, %v; want an error", ok, err)
	}
	var trues atomic.Int32
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			if ok, err := s.Once(ctx, "retention:x", time.Hour); err == nil && ok {
				trues.Add(1)
			}
		})
	}
	wg.Wait()
	if n := trues.Load(); n != 1 {
		t.Errorf("%d calls found the marker theirs, want 1", n)
	}
}
