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
// conversations.history, behind messages of others (a colleague's, another app's
// with the same metadata).
type markedHistory struct {
	mu       sync.Mutex
	n        int
	messages []map[string]any // newest first
	// historyErr, when set, is conversations.history's answer (an error).
	historyErr string
	// limited is how many times page 2 is answered 429 (Retry-After 0) first.
	limited int
	// asked: the history calls' cursor, oldest and include_all_metadata, in order
	asked []string
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
		start := 0
		fmt.Sscanf(cursor, "from%d", &start)
		end := min(start+2, len(h.messages))
		page := map[string]any{"ok": true, "messages": h.messages[start:end], "has_more": end < len(h.messages)}
		if end < len(h.messages) && !h.noCursor {
			page["response_metadata"] = map[string]any{"next_cursor": fmt.Sprintf("from%d", end)}
		}
		json.NewEncoder(w).Encode(page)
	})
}

// add puts a message of someone else's in the channel, newest.
func (h *markedHistory) add(user, mark string) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.n++
	m := map[string]any{"type": "message", "user": user, "ts": fmt.Sprintf("1700001000.%06d", h.n), "text": "hello"}
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
