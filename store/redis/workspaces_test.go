package redisstore_test

import (
	"slices"
	"strings"
	"testing"

	"github.com/redis/go-redis/v9"

	redisstore "github.com/feedbackbot/feedbackbot/store/redis"
	"github.com/feedbackbot/feedbackbot/store/redis/redistest"
	"github.com/feedbackbot/feedbackbot/store/storetest"
)

// TestAppendListsWorkspaceFirst guards the workspace set against a process that
// dies inside an Append: a workspace is listed (fb:workspaces, the logs Read
// reads) before its events are appended, so another process reads what was
// appended. The first append to a workspace used to list it in a round trip after
// the append scripts, and a process that died between the two left the entries
// unread until the next append to that workspace.
func TestAppendListsWorkspaceFirst(t *testing.T) {
	ctx := t.Context()
	client, prefix := redistest.Client(t)
	dying := &cmdLog{}
	client.AddHook(dying)
	opts := redisstore.Options{Prefix: prefix, ClaimIdle: storetest.ClaimIdle}
	s := redisstore.New(client, opts)
	// (another workspace first: the append script is loaded, so that it runs with EVALSHA)
	if n, err := s.Append(ctx, storetest.Put(storetest.Msg("W0", "m0", "hello", "", "A1", "C1", storetest.Base))); err != nil || n != 1 {
		t.Fatalf("Append(W0) = %d, %v", n, err)
	}
	t.Cleanup(func() { dying.revive() }) // (for redistest's clean-up, which runs after)
	log := prefix + ":{W1}:log"
	dying.dieAfter(func(cs []redis.Cmder) bool {
		for _, c := range cs {
			if strings.EqualFold(c.Name(), "evalsha") && slices.Contains(c.Args(), any(log)) {
				return true // the append script of W1 ran: the process dies here
			}
		}
		return false
	})
	m := storetest.Msg("W1", "m1", "the export fails", "", "A1", "C1", storetest.Base)
	_, _ = s.Append(ctx, storetest.Put(m)) // (whether it reports the death or not)

	other, _ := redistest.Client(t)
	s2 := redisstore.New(other, opts)
	var got []string
	for {
		es, err := s2.Read(ctx, "c2", 10, 0)
		if err != nil {
			t.Fatal(err)
		}
		if len(es) == 0 {
			break
		}
		for _, e := range es {
			got = append(got, e.Event.Message.Key())
		}
		if err := s2.Ack(ctx, es...); err != nil {
			t.Fatal(err)
		}
	}
	if n, _ := other.XLen(ctx, prefix+":{W1}:log").Result(); n != 1 {
		t.Fatalf("W1's log holds %d entries after the append, want 1 (the scenario needs it appended)", n)
	}
	if !slices.Contains(got, m.Key()) {
		wss, _ := s2.Workspaces(ctx)
		t.Errorf("another process read %v (workspaces %v), want W1's entry %s among them: appended, never listed", got, wss, m.Key())
	}
}
