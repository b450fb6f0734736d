package slackadapter

import (
	"context"
	"fmt"
	"net/http"
	"slices"
	"sync"
	"testing"

	"github.com/slack-go/slack/slacktest"

	"github.com/feedbackbot/feedbackbot"
)

// threadServer is the part of Slack a deletion talks to: a thread of replies to
// the message 1700000999.000100 in CINTERNAL (the bot's chart, a colleague's
// reply, a reply of the bot's with no file), in pages of two, and what was
// deleted, in order.
type threadServer struct {
	mu      sync.Mutex
	deleted []string // "file F1", "message TS"
	gone    map[string]bool
	// repliesErr, when set, is conversations.replies' answer (an error).
	repliesErr string
	// limited is how many times page 2 is answered 429 (Retry-After 0) before it is served.
	limited int
	// pages asked for, by cursor ("" the first)
	pages []string
	// fileErr, when set, is files.delete's answer (an error).
	fileErr string
}

const threadTS = "1700000999.000100"

func (s *threadServer) bind(c slacktest.Customize) {
	c.Handle("/auth.test", func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprint(w, `{"ok":true,"team_id":"`+home+`","user_id":"UBOT","url":"https://northwind.slack.com/"}`)
	})
	c.Handle("/conversations.replies", func(w http.ResponseWriter, r *http.Request) {
		_ = r.ParseForm()
		if s.repliesErr != "" {
			fmt.Fprintf(w, `{"ok":false,"error":%q}`, s.repliesErr)
			return
		}
		if r.Form.Get("channel") != "CINTERNAL" || r.Form.Get("ts") != threadTS {
			fmt.Fprint(w, `{"ok":false,"error":"thread_not_found"}`)
			return
		}
		s.mu.Lock()
		parentGone := s.gone["message "+threadTS]
		s.mu.Unlock()
		if parentGone {
			fmt.Fprint(w, `{"ok":false,"error":"thread_not_found"}`)
			return
		}
		s.mu.Lock()
		s.pages = append(s.pages, r.Form.Get("cursor"))
		limit := r.Form.Get("cursor") == "page2" && s.limited > 0
		if limit {
			s.limited--
		}
		s.mu.Unlock()
		if limit {
			w.Header().Set("Retry-After", "0")
			w.WriteHeader(http.StatusTooManyRequests)
			return
		}
		if r.Form.Get("cursor") == "" {
			fmt.Fprint(w, `{"ok":true,"messages":[`+
				`{"type":"message","user":"UBOT","ts":"`+threadTS+`","text":"digest","reply_count":3},`+
				`{"type":"message","user":"UBOT","ts":"1700000999.000200","thread_ts":"`+threadTS+`","files":[{"id":"F1","name":"digest.png"}]}],`+
				`"has_more":true,"response_metadata":{"next_cursor":"page2"}}`)
			return
		}
		fmt.Fprint(w, `{"ok":true,"messages":[`+
			`{"type":"message","user":"UMARIA","ts":"1700000999.000300","thread_ts":"`+threadTS+`","text":"thanks"},`+
			`{"type":"message","user":"UBOT","ts":"1700000999.000400","thread_ts":"`+threadTS+`","text":"a note"}],`+
			`"has_more":false}`)
	})
	c.Handle("/files.delete", func(w http.ResponseWriter, r *http.Request) {
		_ = r.ParseForm()
		if s.fileErr != "" {
			fmt.Fprintf(w, `{"ok":false,"error":%q}`, s.fileErr)
			return
		}
		s.note(w, "file "+r.Form.Get("file"), "file_not_found")
	})
	c.Handle("/chat.delete", func(w http.ResponseWriter, r *http.Request) {
		_ = r.ParseForm()
		s.note(w, "message "+r.Form.Get("ts"), "message_not_found")
	})
}

func (s *threadServer) note(w http.ResponseWriter, what, notFound string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.gone[what] {
		fmt.Fprintf(w, `{"ok":false,"error":%q}`, notFound)
		return
	}
	if s.gone == nil {
		s.gone = map[string]bool{}
	}
	s.gone[what] = true
	s.deleted = append(s.deleted, what)
	fmt.Fprint(w, `{"ok":true}`)
}

func (s *threadServer) log() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.deleted)
}

// TestDeleteTakesTheBotsThreadRepliesAlong: deleting a message the bot posted (a
// digest copy another replica posted too, an alert holding an erased quote in a
// channel shared since) deletes what the bot posted in its thread first, its
// chart's file (a page of replies at a time), then the message: Slack shows
// nothing of it, where the chart stayed under "This message was deleted." A
// colleague's reply stays. A thread that cannot be read does not hold the
// message's own deletion back, and a second deletion finds the message gone.
func TestDeleteTakesTheBotsThreadRepliesAlong(t *testing.T) {
	ref := feedbackbot.PostRef{Platform: feedbackbot.PlatformSlack, Destination: "CINTERNAL", ID: threadTS}
	all := []string{"file F1", "message 1700000999.000400", "message " + threadTS}
	for _, tc := range []struct {
		name       string
		start      bool   // auth.test at Start (else asked at the deletion)
		repliesErr string // conversations.replies fails so
		limited    int    // page 2 is rate limited so many times first
		fileErr    string // files.delete fails so
		want       []string
	}{
		{"after Start", true, "", 0, "", all},
		{"bot user asked at the deletion", false, "", 0, "", all},
		{"thread unreadable", true, "missing_scope", 0, "", []string{"message " + threadTS}},
		// (slack-go answers a 429 with an empty cursor: taken, it read page 1 again,
		// for ever where page 2 is limited each time it follows page 1)
		{"page 2 rate limited", true, "", 2, "", all},
		// (the bot's later replies are deleted all the same)
		{"a file that cannot be deleted", true, "", 0, "cant_delete_file", []string{"message 1700000999.000400", "message " + threadTS}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			srv := &threadServer{repliesErr: tc.repliesErr, limited: tc.limited, fileErr: tc.fileErr}
			f := newFixture(t, srv.bind)
			ctx := context.Background()
			if tc.start {
				if err := f.a.Start(ctx); err != nil {
					t.Fatal(err)
				}
			}
			if err := f.a.Delete(ctx, ref); err != nil {
				t.Fatalf("delete: %v", err)
			}
			if got := srv.log(); !slices.Equal(got, tc.want) {
				t.Errorf("deleted %q, want %q (the bot's replies first, the colleague's kept)", got, tc.want)
			}
			if tc.repliesErr == "" {
				srv.mu.Lock()
				pages := slices.Clone(srv.pages)
				srv.mu.Unlock()
				if want := append([]string{""}, slices.Repeat([]string{"page2"}, tc.limited+1)...); !slices.Equal(pages, want) {
					t.Errorf("pages asked for %q, want %q (page 2 again after each 429, never page 1)", pages, want)
				}
			}
			if err := f.a.Delete(ctx, ref); !feedbackbot.IsNotFound(err) {
				t.Errorf("deleting it again: %v, want ENOTFOUND (the message is gone)", err)
			}
			if got := srv.log(); len(got) != len(tc.want) {
				t.Errorf("deleting it again deleted more: %q", got)
			}
		})
	}
}
