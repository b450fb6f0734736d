package slackadapter

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/feedbackbot/feedbackbot/store"
)

// TestLoadStaysUp sends 10,000 Slack events and 1,000 slash commands at the HTTP
// endpoints from 32 clients at once; a tenth are malformed or badly signed, and 500
// valid events are delivered twice (Slack's retries). Every valid event is stored
// exactly once, every bad request is refused, and goroutines and heap return to
// where they were.
func TestLoadStaysUp(t *testing.T) {
	if testing.Short() {
		t.Skip("load test: skipped with -short")
	}
	f := newFixture(t)
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 64}, Timeout: 30 * time.Second}
	defer client.CloseIdleConnections()
	send := func(path, body, ctype string, signed bool) (int, error) {
		req, _ := http.NewRequest(http.MethodPost, f.srv.URL+path, strings.NewReader(body))
		req.Header.Set("Content-Type", ctype)
		sign(req, body, time.Now())
		if !signed {
			req.Header.Set("X-Slack-Signature", "v0="+strings.Repeat("ab", 32))
		}
		resp, err := client.Do(req)
		if err != nil {
			return 0, err
		}
		_, _ = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		return resp.StatusCode, nil
	}
	// Warm up so lazily started goroutines (HTTP keep-alives) exist before the baseline.
	if code, err := send("/slack/events", `{"type":"url_verification","challenge":"x"}`, "application/json", true); err != nil || code != 200 {
		t.Fatalf("warm-up: %d %v", code, err)
	}
	runtime.GC()
	var before runtime.MemStats
	runtime.ReadMemStats(&before)
	goroutinesBefore := runtime.NumGoroutine()

	type job struct {
		path, body, ctype string
		signed            bool
		want              int
		retry             bool // one of two deliveries of an event (Slack's retry)
	}
	const events, commands = 10_000, 1_000
	jobs := make(chan job, 256)
	var valid atomic.Int64
	go func() {
		defer close(jobs)
		base := time.Now().Add(-time.Hour).Unix()
		for i := range events {
			ev := map[string]any{"type": "message", "user": fmt.Sprintf("X%04d", i%300), "user_team": "TACME", "channel": "CSHARED",
				"ts": fmt.Sprintf("%d.%06d", base+int64(i/1000), i%1000), "text": fmt.Sprintf("message %d: the export is slow again", i)}
			body, _ := json.Marshal(map[string]any{"type": "event_callback", "team_id": home, "event_id": fmt.Sprintf("Ev%05d", i), "event": ev,
				"authorizations": []map[string]any{{"team_id": home}}})
			switch {
			case i%20 == 0:
				jobs <- job{"/slack/events", string(body), "application/json", false, 401, false} // badly signed
			case i%20 == 1:
				jobs <- job{"/slack/events", string(body[:len(body)/2]), "application/json", true, 400, false} // malformed
			default:
				valid.Add(1)
				// Slack retries every twentieth event; the two deliveries may be
				// handled in either order, or at once
				retried := i%20 == 2
				jobs <- job{"/slack/events", string(body), "application/json", true, 200, retried}
				if retried {
					jobs <- job{"/slack/events", string(body), "application/json", true, 200, true}
				}
			}
			if i%10 == 0 && i/10 < commands {
				n := i / 10
				form := url.Values{"command": {"/feedback"}, "text": {"help"}, "user_id": {"UMARIA"}, "team_id": {home}, "channel_id": {"CINTERNAL"},
					"response_url": {f.srv.URL + "/nowhere"}}.Encode()
				if n%10 == 0 {
					jobs <- job{"/slack/commands", form, "application/x-www-form-urlencoded", false, 401, false}
				} else {
					jobs <- job{"/slack/commands", form, "application/x-www-form-urlencoded", true, 200, false}
				}
			}
		}
	}()
	var wg sync.WaitGroup
	var mu sync.Mutex
	wrong := map[string]int{}
	start := time.Now()
	for range 32 {
		wg.Go(func() {
			for j := range jobs {
				code, err := send(j.path, j.body, j.ctype, j.signed)
				// A delivery that comes while the other one of its event is still being
				// written is answered 503 (not acknowledged: that write may yet
				// fail), and Slack retries again later.
				for tries := 0; j.retry && err == nil && code == http.StatusServiceUnavailable && tries < 200; tries++ {
					time.Sleep(5 * time.Millisecond)
					code, err = send(j.path, j.body, j.ctype, j.signed)
				}
				if err != nil || code != j.want {
					mu.Lock()
					wrong[fmt.Sprintf("%s want %d got %d (%v)", j.path, j.want, code, err)]++
					mu.Unlock()
				}
			}
		})
	}
	wg.Wait()
	elapsed := time.Since(start)
	for w, n := range wrong {
		t.Errorf("%d× %s", n, w)
	}
	seen := map[string]int{}
	if err := f.st.Replay(context.Background(), home, func(e store.Entry) error {
		seen[e.Event.Message.Key()]++
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	if int64(len(seen)) != valid.Load() {
		t.Errorf("stored %d distinct messages, want %d", len(seen), valid.Load())
	}
	for k, n := range seen {
		if n != 1 {
			t.Errorf("%s stored %d times", k, n)
		}
	}
	if got := f.handled.Load(); got != commands-commands/10 {
		t.Errorf("bot answered %d commands, want %d", got, commands-commands/10)
	}
	t.Logf("%d requests in %v (%.0f/s)", events+events/20+commands, elapsed, float64(events+events/20+commands)/elapsed.Seconds())

	// Nothing keeps growing once the load has passed.
	client.CloseIdleConnections()
	deadline := time.Now().Add(10 * time.Second)
	for runtime.NumGoroutine() > goroutinesBefore+5 && time.Now().Before(deadline) {
		time.Sleep(50 * time.Millisecond)
	}
	if g := runtime.NumGoroutine(); g > goroutinesBefore+5 {
		t.Errorf("goroutines: %d before, %d after", goroutinesBefore, g)
	}
	runtime.GC()
	var after runtime.MemStats
	runtime.ReadMemStats(&after)
	if growth := int64(after.HeapAlloc) - int64(before.HeapAlloc); growth > 32<<20 {
		t.Errorf("heap grew by %d MiB", growth>>20)
	}
}
