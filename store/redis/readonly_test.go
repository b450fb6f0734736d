package redisstore_test

import (
	"net"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/feedbackbot/feedbackbot"
	"github.com/feedbackbot/feedbackbot/store"
	redisstore "github.com/feedbackbot/feedbackbot/store/redis"
	"github.com/feedbackbot/feedbackbot/store/storetest"
)

// privateRedis starts a redis-server of the test's own (no persistence) on a free
// loopback port, for what a shared server must not be put through, and stops it
// when the test ends.
func privateRedis(t *testing.T) *redis.Client {
	t.Helper()
	bin, err := exec.LookPath("redis-server")
	if err != nil {
		if os.Getenv("FEEDBACKBOT_REQUIRE_REDIS") == "1" {
			t.Fatalf("redis-server not on PATH (FEEDBACKBOT_REQUIRE_REDIS=1): %v", err)
		}
		t.Skip("redis-server not on PATH: skipping (install redis-server to run it)")
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := strconv.Itoa(ln.Addr().(*net.TCPAddr).Port)
	ln.Close()
	cmd := exec.Command(bin, "--port", port, "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--dir", t.TempDir())
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
	c := redis.NewClient(&redis.Options{Addr: "127.0.0.1:" + port, MaxRetries: -1})
	t.Cleanup(func() { c.Close() })
	for end := time.Now().Add(5 * time.Second); c.Ping(t.Context()).Err() != nil; time.Sleep(20 * time.Millisecond) {
		if time.Now().After(end) {
			t.Fatal("the test's redis-server did not answer within 5 s")
		}
	}
	return c
}

// TestApplyOnAReadOnlyReplicaSaysUnavailable: a Redis that refuses writes with
// READONLY (a replica, as after a failover) refuses the staged records Apply queues
// in its transaction, and EXEC then discards the whole transaction, the script
// answering only EXECABORT. Apply's error is the refusal itself: unavailable (the
// worker tries again, and says so), naming READONLY, as Append's is.
func TestApplyOnAReadOnlyReplicaSaysUnavailable(t *testing.T) {
	c := privateRedis(t)
	ctx := t.Context()
	s := redisstore.New(c, redisstore.Options{Prefix: "ro"})
	m := storetest.Msg("W1", "m1", "the export fails", "", "A1", "C1", storetest.Base)
	if _, err := s.Append(ctx, storetest.Put(m)); err != nil {
		t.Fatal(err)
	}
	es, err := s.Read(ctx, "w", 10, 0)
	if err != nil || len(es) != 1 {
		t.Fatalf("Read = %d entries, %v", len(es), err)
	}
	// a replica of a primary that is not there: every write answers READONLY
	if err := c.Do(ctx, "REPLICAOF", "127.0.0.1", "1").Err(); err != nil {
		t.Fatal(err)
	}
	_, err = s.Apply(ctx, store.Applied{Entry: es[0], Tags: storetest.Tags(-0.5, "v1")})
	if err == nil {
		t.Fatal("Apply succeeded on a Redis refusing writes")
	}
	if !redisstore.IsUnavailable(err) || !strings.Contains(err.Error(), "READONLY") {
		t.Errorf("Apply on a read-only replica: %v (code %q); want unavailable, naming READONLY", err, feedbackbot.ErrorCode(err))
	}
	_, err = s.Append(ctx, storetest.Put(storetest.Msg("W1", "m2", "x", "", "A1", "C1", storetest.Base)))
	if !redisstore.IsUnavailable(err) || !strings.Contains(err.Error(), "READONLY") {
		t.Errorf("Append on a read-only replica: %v (code %q); want unavailable, naming READONLY", err, feedbackbot.ErrorCode(err))
	}
}
