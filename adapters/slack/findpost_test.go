package slackadapter

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/slack-go/slack/slacktest"

	"github.com/feedbackbot/feedbackbot"
)

// markedHistory is the part of Slack a post and the search for it talk to: the
// posts of CINTERNAL with their metadata, newest first, served two to a page by
// conversations.history (those from oldest to latest, both included, where they
// are given), behind messages of others (a colleague's, another app's with the
// same metadata).
type markedHistory struct {
	mu       sync.Mutex
	n        int
	messages []map[string]any // newest first
	// historyErr, when set, is conversations.history's answer (an error).
	historyErr string
	// limited is how many times page 2 is answered 429 (Retry-After 0) first.
	limited int
	// asked: the history calls' cursor, oldest and include_all_metadata, in order;
	// latest, their latest
	asked, latest []string
	// noUser: auth.test names no user; noCursor: page 1 says there is more and
	// gives no cursor
	noUser, noCursor bool
}

func (h *markedHistory) bind(c slacktest.Customize) {
	c.Handle("/auth.test", func(w http.ResponseWriter, r *http.Request) {
		h.mu.Lock()
		user := "UBOT"
		if h.noUser {
			user = ""
		}
		h.mu.Unlock()
		fmt.Fprint(w, `{"ok":true,"team_id":"`+home+`","user_id":"`+user+`","url":"https://northwind.slack.com/"}`)
	})
	c.Handle("/chat.postMessage", func(w http.ResponseWriter, r *http.Request) {
		_ = r.ParseForm()
		h.mu.Lock()
		defer h.mu.Unlock()
		h.n++
		m := map[string]any{"type": "message", "user": "UBOT", "bot_id": "BBOT", "ts": fmt.Sprintf("1700001000.%06d", h.n), "text": r.Form.Get("text")}
		if raw := r.Form.Get("metadata"); raw != "" {
			var md map[string]any
			if err := json.Unmarshal([]byte(raw), &md); err != nil {
				fmt.Fprintf(w, `{"ok":false,"error":"invalid_metadata_format"}`)
				return
			}
			m["metadata"] = md
		}
		h.messages = append([]map[string]any{m}, h.messages...)
		fmt.Fprintf(w, `{"ok":true,"channel":%q,"ts":%q}`, r.Form.Get("channel"), m["ts"])
	})
	c.Handle("/conversations.history", func(w http.ResponseWriter, r *http.Request) {
		_ = r.ParseForm()
		h.mu.Lock()
		defer h.mu.Unlock()
		cursor := r.Form.Get("cursor")
		h.asked = append(h.asked, cursor+" "+r.Form.Get("oldest")+" "+r.Form.Get("include_all_metadata"))
		if h.historyErr != "" {
			fmt.Fprintf(w, `{"ok":false,"error":%q}`, h.historyErr)
			return
		}
		if cursor != "" && h.limited > 0 {
			h.limited--
			w.Header().Set("Retry-After", "0")
			w.WriteHeader(http.StatusTooManyRequests)
			return
		}
		h.latest = append(h.latest, r.Form.Get("latest"))
		span := h.messages
		if oldest, latest := r.Form.Get("oldest"), r.Form.Get("latest"); oldest != "" || latest != "" {
			span = nil
			for _, m := range h.messages {
				ts := m["ts"].(string) // (all of the same length: compared as text)
				if (oldest == "" || ts >= oldest) && (latest == "" || ts <= latest) {
					span = append(span, m)
				}
			}
		}
		start := 0
		fmt.Sscanf(cursor, "from%d", &start)
		end := min(start+2, len(span))
		page := map[string]any{"ok": true, "messages": span[start:end], "has_more": end < len(span)}
		if end < len(span) && !h.noCursor {
			page["response_metadata"] = map[string]any{"next_cursor": fmt.Sprintf("from%d", end)}
		}
		json.NewEncoder(w).Encode(page)
	})
}

// add puts a message of someone else's in the channel, newest.
func (h *markedHistory) add(user, mark string) { h.addAt(user, mark, 1700001000) }

// addAt is add at the second sec (at or after the messages' before).
func (h *markedHistory) addAt(user, mark string, sec int64) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.n++
	m := map[string]any{"type": "message", "user": user, "ts": fmt.Sprintf("%d.%06d", sec, h.n), "text": "hello"}
	if mark != "" {
		m["metadata"] = map[string]any{"event_type": markEventType, "event_payload": map[string]any{"mark": mark}}
	}
	h.messages = append([]map[string]any{m}, h.messages...)
}

// TestFindPostFindsTheBotsMarkedMessage: a document's mark goes with its post
// as message metadata, unseen, and FindPost finds that message again in the
// channel's history (asking for the metadata, from the time given, a page at a
// time, a rate-limited page waited out and asked for again with its cursor):
// the bot's own message only, not another app's or a person's bearing the same
// metadata. None is ENOTFOUND; a history that cannot be read is an error of
// its own, so that no caller takes it for "none".
func TestFindPostFindsTheBotsMarkedMessage(t *testing.T) {
	const mark = "digest/T1/daily:1762074000"
	since := time.Unix(1700000000, 0)
	for _, tc := range []struct {
		name       string
		limited    int
		historyErr string
		noUser     bool
		noCursor   bool
		marked     bool // the post carries the mark
		wantErr    string
	}{
		{name: "found two pages back", marked: true},
		{name: "found two pages back, page 2 rate limited", marked: true, limited: 2},
		{name: "posted without the mark", wantErr: feedbackbot.ENOTFOUND},
		{name: "history unreadable", marked: true, historyErr: "missing_scope", wantErr: feedbackbot.EINTERNAL},
		// (a search that did not look everywhere, or cannot tell the bot's own
		// messages, does not say there is none)
		{name: "more said, no cursor given", marked: true, noCursor: true, wantErr: feedbackbot.EINTERNAL},
		{name: "no bot user", marked: true, noUser: true, wantErr: feedbackbot.EINTERNAL},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h := &markedHistory{}
			f := newFixture(t, h.bind)
			doc := feedbackbot.Document{Fallback: "digest", Blocks: []feedbackbot.Block{{Kind: feedbackbot.BlockText, Text: "digest"}}}
			if tc.marked {
				doc.Mark = mark
			}
			ref, err := f.a.Post(context.Background(), "CINTERNAL", doc)
			if err != nil {
				t.Fatal(err)
			}
			f.a.Post(context.Background(), "CINTERNAL", feedbackbot.Document{Fallback: "another run", Mark: "digest/T1/daily:1761987600"})
			h.add("UMARIA", "")      // a colleague's message after the digest
			h.add("UMARIA", mark)    // (no person can post metadata: another app's user, say)
			h.add("UOTHERAPP", mark) // another app's message with the same metadata
			h.add("UMARIA", "")      // and the newest
			h.mu.Lock()
			h.limited, h.historyErr, h.noUser, h.noCursor = tc.limited, tc.historyErr, tc.noUser, tc.noCursor
			h.mu.Unlock()
			got, err := f.a.FindPost(context.Background(), "CINTERNAL", mark, since)
			if tc.wantErr == "" {
				if err != nil || got != ref {
					t.Fatalf("FindPost = %+v, %v; want %+v, the bot's marked post", got, err, ref)
				}
			} else if code := feedbackbot.ErrorCode(err); code != tc.wantErr {
				t.Fatalf("FindPost = %+v, %v (code %q); want code %q", got, err, code, tc.wantErr)
			}
			h.mu.Lock()
			asked := slices.Clone(h.asked)
			h.mu.Unlock()
			if tc.noUser {
				if len(asked) != 0 {
					t.Errorf("history asked for %q with no bot user to look for", asked)
				}
				return
			}
			if len(asked) == 0 || asked[0] != " 1700000000.000000 1" {
				t.Errorf("history asked for %q; want from the time given (oldest 1700000000.000000) with the metadata (include_all_metadata 1)", asked)
			}
			if tc.limited > 0 && !slices.Equal(asked[1:], []string{"from2 1700000000.000000 1", "from2 1700000000.000000 1", "from2 1700000000.000000 1", "from4 1700000000.000000 1"}) {
				t.Errorf("history pages asked for %q; want page 2 asked again with its cursor after each 429", asked)
			}
		})
	}
}

// TestFindPostReadsTheSpanOfThePostFirst: the bot's post an hour after since is
// found however many messages came after it: FindPost reads the two hours from
// since first (newest first within them), then the rest. Read newest first from
// now, ten pages of later messages hid it. A mark never posted is looked for in
// both spans, and is ENOTFOUND.
func TestFindPostReadsTheSpanOfThePostFirst(t *testing.T) {
	const mark = "digest/T1/daily:1762074000"
	since := time.Unix(1700001000-3600, 0) // (the fake posts at 1700001000)
	h := &markedHistory{}
	f := newFixture(t, h.bind)
	ref, err := f.a.Post(context.Background(), "CINTERNAL", feedbackbot.Document{Fallback: "digest", Mark: mark})
	if err != nil {
		t.Fatal(err)
	}
	for i := range 2*maxFindPages + 5 { // (two a page) from three hours after since
		h.addAt("UMARIA", "", 1700001000+2*3600+int64(i))
	}
	if got, err := f.a.FindPost(context.Background(), "CINTERNAL", mark, since); err != nil || got != ref {
		t.Fatalf("FindPost behind %d pages of later messages = %+v, %v; want %+v", maxFindPages, got, err, ref)
	}
	h.mu.Lock()
	if len(h.latest) == 0 || h.latest[0] != "1700004600.000000" {
		t.Errorf("the first page asked up to %q; want the two hours from since (1700004600.000000)", h.latest)
	}
	h.asked, h.latest = nil, nil
	h.mu.Unlock()
	// a mark never posted: the first span, then the rest (more than ten pages: an
	// error, not "none")
	if got, err := f.a.FindPost(context.Background(), "CINTERNAL", "digest/T1/never", since); err == nil || feedbackbot.IsNotFound(err) {
		t.Errorf("FindPost of a mark never posted, behind more than %d pages = %+v, %v; want an error saying it did not look everywhere", maxFindPages, got, err)
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	if len(h.asked) != 1+maxFindPages || h.latest[0] == "" || h.latest[1] != "" || h.asked[1] != " 1700004600.000000 1" {
		t.Errorf("asked %q, latest %q; want the first span's page, then %d pages of the rest", h.asked, h.latest, maxFindPages)
	}
}

// TestUpdateKeepsTheMark: an edit of a marked document sends its mark again
// (an alert's message found in the channel and edited into another pass's
// alert stays findable), and an edit of an unmarked one sends no metadata.
func TestUpdateKeepsTheMark(t *testing.T) {
	var mu sync.Mutex
	var sent []string
	f := newFixture(t, func(c slacktest.Customize) {
		c.Handle("/chat.update", func(w http.ResponseWriter, r *http.Request) {
			_ = r.ParseForm()
			mu.Lock()
			sent = append(sent, r.Form.Get("metadata"))
			mu.Unlock()
			fmt.Fprintf(w, `{"ok":true,"channel":%q,"ts":%q}`, r.Form.Get("channel"), r.Form.Get("ts"))
		})
	})
	ref := feedbackbot.PostRef{Platform: feedbackbot.PlatformSlack, Destination: "CINTERNAL", ID: "1700001000.000001"}
	for _, mark := range []string{"alert/T1/fp/0001-01-01T00:00:00Z", ""} {
		if err := f.a.Update(context.Background(), ref, feedbackbot.Document{Fallback: "alert", Mark: mark}); err != nil {
			t.Fatal(err)
		}
	}
	mu.Lock()
	defer mu.Unlock()
	want := []string{`{"event_type":"feedbackbot_post","event_payload":{"mark":"alert/T1/fp/0001-01-01T00:00:00Z"}}`, ""}
	if !slices.Equal(sent, want) {
		t.Errorf("chat.update sent metadata %q, want %q", sent, want)
	}
}
