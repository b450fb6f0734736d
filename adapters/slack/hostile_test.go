package slackadapter

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/feedbackbot/feedbackbot"
	"github.com/feedbackbot/feedbackbot/analysis"
	"github.com/feedbackbot/feedbackbot/store"
)

// TestOversizedAndInvalidUTF8Event: a 100 KB message full of invalid UTF-8 is
// accepted (200), repaired, stored cut at MaxTextBytes and flagged, and analysed; a
// 30 KB message (over the analysis cut, under the storage cap) is stored whole.
func TestOversizedAndInvalidUTF8Event(t *testing.T) {
	f := newFixture(t)
	huge := strings.Repeat("the export is broken \xff\xfe again ", 100_000/30)
	whole := strings.Repeat("billing is wrong ", 30_000/17)
	for i, text := range []string{huge, whole} {
		ts := "1700000000.00010" + string(rune('0'+i))
		if code := f.event("Ebig"+ts, map[string]any{"type": "message", "user": "XDANA", "user_team": "TACME", "channel": "C1", "ts": ts, "text": text}); code != 200 {
			t.Fatalf("message %d: status %d", i, code)
		}
	}
	s, ok := f.stored(key("C1", "1700000000.000100"))
	if !ok {
		t.Fatal("the oversized message was not stored")
	}
	m := s.Message
	if !utf8.ValidString(m.Text) || len(m.Text) > feedbackbot.MaxTextBytes || len(m.Text) < feedbackbot.MaxTextBytes-8 || !m.Truncated ||
		!strings.Contains(m.Text, "\uFFFD") || s.Tags.Sentiment.Label == "" {
		t.Fatalf("oversized message stored as %d bytes, valid %v, truncated %v, tags %+v", len(m.Text), utf8.ValidString(m.Text), m.Truncated, s.Tags.Sentiment)
	}
	s, ok = f.stored(key("C1", "1700000000.000101"))
	if !ok || s.Message.Text != whole || s.Message.Truncated || len(whole) <= analysis.MaxAnalyzedBytes || s.Tags.Sentiment.Label == "" {
		t.Fatalf("a 30 KB message should be stored whole and analysed: %d bytes, truncated %v", len(s.Message.Text), s.Message.Truncated)
	}
}

// serveSignedForm hands a signed form body straight to an adapter handler (no HTTP
// server: fuzzing wants speed) and returns what it wrote.
func serveSignedForm(h http.HandlerFunc, path, body string) *httptest.ResponseRecorder {
	req := httptest.NewRequest(http.MethodPost, path, strings.NewReader(body))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	sign(req, body, time.Now())
	w := httptest.NewRecorder()
	h(w, req)
	return w
}

// staffByFixture is who usersJSON makes staff (no groups, no Grid in the fixture).
func staffByFixture(user, team string) bool {
	return strings.HasPrefix(user, "U") && (team == "" || team == home)
}

// FuzzSlashCommands posts signed /slack/commands bodies. Nothing panics; every
// answer is 200 or 400; the bot is asked only for staff, as staff.
func FuzzSlashCommands(f *testing.F) {
	for _, s := range []string{
		slash("UMARIA", home, "risk", "https://hooks.example/x"),
		slash("XDANA", "TACME", "account acme", "https://hooks.example/x"),
		slash("GGUEST", home, "forget XDANA", ""),
		"command=%2Ffeedback&text=%ZZ", "", "user_id=UX&user_id=XY&team_id=" + home, "text=" + strings.Repeat("a", 5000),
		slash("UMARIA", home, "survey.answer csat|5|acme|", "javascript:alert(1)"),
	} {
		f.Add(s)
	}
	fx := newFixture(f)
	bot := &askRecorder{}
	fx.cmds = bot
	f.Fuzz(func(t *testing.T, body string) {
		bot.reset()
		w := serveSignedForm(fx.a.handleCommand, "/slack/commands", body)
		if w.Code != 200 && w.Code != 400 && w.Code != 413 {
			t.Fatalf("status %d", w.Code)
		}
		if w.Code != 200 {
			return
		}
		var reply map[string]any
		if err := json.Unmarshal(w.Body.Bytes(), &reply); err != nil {
			t.Fatalf("reply is not JSON: %q", w.Body.String())
		}
		form, _ := url.ParseQuery(body)
		asked := bot.calls()
		for _, c := range asked {
			if !c.Staff || !staffByFixture(form.Get("user_id"), form.Get("team_id")) || c.Button {
				t.Fatalf("the bot was asked for user %q team %q as staff %v: %.80q", c.User, form.Get("team_id"), c.Staff, c.Text)
			}
		}
		if len(asked) == 0 && !strings.Contains(w.Body.String(), refusal) {
			t.Fatalf("neither answered nor refused: %s", w.Body.String())
		}
	})
}

// FuzzInteractions posts signed /slack/interactions bodies (block_actions and any
// other payload). Nothing panics; every answer is 200 or 400; only staff, or a
// customer's survey answer, reach the bot.
func FuzzInteractions(f *testing.F) {
	for _, s := range []string{
		interaction("UMARIA", home, home, "", "alert.ack", "fp1"),
		interaction("XDANA", "TACME", "TACME", "", "forget.confirm", "XLEE"),
		interaction("XDANA", "TACME", "TACME", "", "survey.answer", "csat|5|TACME|"),
		`payload={"type":"block_actions","actions":[null]}`, `payload={"type":"block_actions","actions":[]}`,
		`payload={"type":"view_submission","view":{"state":{"values":{}}}}`, `payload={"type":"block_actions","state":{"values":{"b":{"a":{"type":"x"}}}}}`,
		`payload={`, "payload=%7B%22type%22%3A%22block_actions%22%2C%22actions%22%3A%5B%7B%7D%5D%7D", "", "%zz",
	} {
		f.Add(s)
	}
	fx := newFixture(f)
	bot := &askRecorder{}
	fx.cmds = bot
	fx.a.http = &hookRecorder{bodies: make(chan string, 1<<20)} // (answers go to response_url)
	f.Fuzz(func(t *testing.T, body string) {
		bot.reset()
		w := serveSignedForm(fx.a.handleInteraction, "/slack/interactions", body)
		fx.a.wg.Wait() // the press is answered after its acknowledgement
		if w.Code != 200 && w.Code != 400 && w.Code != 413 {
			t.Fatalf("status %d", w.Code)
		}
		for _, c := range bot.calls() {
			if !c.Button {
				t.Fatalf("a button reached the bot as a typed command: %+v", c)
			}
			if !c.Staff && !strings.HasPrefix(c.Text, "survey.answer ") {
				t.Fatalf("a non-staff button reached the bot: %+v", c)
			}
			if c.Staff && !strings.HasPrefix(c.User, "U") {
				t.Fatalf("%s treated as staff", c.User)
			}
		}
	})
}

// FuzzSocketEventsAPI feeds Socket Mode events_api payloads to the code that
// captures them. Nothing panics, and every payload is acknowledged (the store is up):
// one that will never parse is acknowledged and dropped, not redelivered forever.
func FuzzSocketEventsAPI(f *testing.F) {
	for _, s := range []string{
		`{"type":"event_callback","team_id":"THOME","event_id":"EvS1","event":{"type":"message","user":"XDANA","user_team":"TACME","channel":"C9","ts":"1700000000.000100","text":"socket hello"}}`,
		`{"type":"event_callback","event_id":"EvS2","event":{"type":"message","subtype":"message_changed","channel":"C9","message":{"user":"X","ts":"1.1","edited":{"ts":"x"}}}}`,
		`{"type":"event_callback","event_id":"EvS3","event":{"type":"reaction_added","item":{"type":"message","channel":"C9","ts":"1700000000.000100"},"reaction":"tada"}}`,
		`{"type":"event_callback","event_id":"EvS4","event":{"type":"message","user":"X","channel":"C","ts":"-1"}}`,
		`{"type":"event_callback","event":"nope"}`, `{`, `null`, `[]`, `{"type":"app_rate_limited"}`,
	} {
		f.Add([]byte(s))
	}
	fx := newFixture(f)
	f.Fuzz(func(t *testing.T, payload []byte) {
		if !fx.a.socketEventsAPI(context.Background(), payload, false) {
			t.Fatalf("payload not acknowledged: %q", payload)
		}
	})
}

// TestParseTS: a Slack ts is seconds, a dot and six decimals; it is also the
// message's id, so anything else (a sign, a seventh decimal, trailing bytes) is
// refused rather than cut off into an id that a clean copy of it would not match.
func TestParseTS(t *testing.T) {
	tests := []struct {
		ts   string
		want time.Time
		ok   bool
	}{
		{"1762160000.000100", time.Unix(1762160000, 100_000).UTC(), true},
		{"1762160000", time.Unix(1762160000, 0).UTC(), true},
		{"1762160000.5", time.Unix(1762160000, 500_000_000).UTC(), true},
		{"1763280000.000100\x00x", time.Time{}, false},
		{"1762160000.0001001", time.Time{}, false},
		{"+1762160000.000100", time.Time{}, false},
		{"1762160000.", time.Time{}, false},
		{"", time.Time{}, false},
		{"0.000100", time.Time{}, false},
		{"abc.def", time.Time{}, false},
		{"253402300799.000000", time.Unix(253402300799, 0).UTC(), true}, // the last second of 9999
		{"999999999999.000100", time.Time{}, false},                     // past it: the store cannot write it
	}
	for _, tt := range tests {
		got, err := parseTS(tt.ts)
		if (err == nil) != tt.ok || !got.Equal(tt.want) {
			t.Errorf("parseTS(%q) = %v, %v; want %v, ok %v", tt.ts, got, err, tt.want, tt.ok)
		}
	}
}

// gatedSink holds each Append until the test opens the gate, then writes to the real
// store, or fails (a store that did not answer in time) when fail is set.
type gatedSink struct {
	Sink
	entered chan struct{}
	gate    chan bool // true: write; false: fail
}

func (g *gatedSink) Append(ctx context.Context, evs ...feedbackbot.Event) (int, error) {
	g.entered <- struct{}{}
	if !<-g.gate {
		return 0, feedbackbot.Errorf(feedbackbot.EUNAVAILABLE, "store did not answer in time")
	}
	return g.Sink.Append(ctx, evs...)
}

// TestRetryDuringASlowCaptureIsNotAcknowledged: Slack retries an event 3 s after
// sending it when it has no answer; a retry that arrives while the first delivery is
// still being written gets 503, not 200, so that the event is not lost if that write
// fails: after the failure the next retry is captured, and once captured a retry is
// acknowledged at once. The message is stored once.
func TestRetryDuringASlowCaptureIsNotAcknowledged(t *testing.T) {
	f := newFixture(t)
	g := &gatedSink{Sink: f.st, entered: make(chan struct{}, 4), gate: make(chan bool, 4)}
	f.a.sink = g
	ev := map[string]any{"type": "message", "user": "XDANA", "user_team": "TACME", "channel": "C1", "ts": "1700000000.000100", "text": "hi"}
	first := make(chan int, 1)
	go func() { first <- f.event("EvSlow", ev) }()
	<-g.entered // the first delivery is being written
	if code := f.event("EvSlow", ev); code != http.StatusServiceUnavailable {
		t.Errorf("a retry during the first delivery's write: %d, want 503", code)
	}
	g.gate <- false // the first write fails
	if code := <-first; code != http.StatusInternalServerError {
		t.Errorf("the failed first delivery: %d, want 500", code)
	}
	g.gate <- true // the next retry is written
	if code := f.event("EvSlow", ev); code != http.StatusOK {
		t.Errorf("the retry after the failure: %d, want 200", code)
	}
	<-g.entered
	if code := f.event("EvSlow", ev); code != http.StatusOK {
		t.Errorf("a retry of a captured event: %d, want 200", code)
	}
	select {
	case <-g.entered:
		t.Error("a retry of a captured event was written again")
	default:
	}
	var entries int
	f.st.Replay(context.Background(), home, func(store.Entry) error { entries++; return nil })
	if entries != 1 {
		t.Errorf("stored %d log entries, want 1", entries)
	}
}
