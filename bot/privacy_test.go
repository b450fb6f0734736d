package bot_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/feedbackbot/feedbackbot"
	"github.com/feedbackbot/feedbackbot/bot"
	"github.com/feedbackbot/feedbackbot/store"
	boltstore "github.com/feedbackbot/feedbackbot/store/bolt"
)

// danaAndLee captures and analyses three customer messages of text in workspace
// T1, account acme: XDANA's one and two hours before now, XLEE's three.
func danaAndLee(t *testing.T, st store.Store, now time.Time, text string) []feedbackbot.Message {
	t.Helper()
	var msgs []feedbackbot.Message
	for i, author := range []string{"XDANA", "XDANA", "XLEE"} {
		msgs = append(msgs, feedbackbot.Message{ID: fmt.Sprintf("C1:%d.000100", now.Add(-time.Duration(i+1)*time.Hour).Unix()), Platform: feedbackbot.PlatformSlack,
			Workspace: "T1", Channel: "C1", Author: author, Role: feedbackbot.RoleCustomer, Account: "acme",
			Text: text, Time: now.Add(-time.Duration(i+1) * time.Hour)})
	}
	return captured(t, st, msgs...)
}

// TestForgetCommand: "/feedback forget USER" asks to confirm; the button erases the
// person's messages, survey answers and quotes in alerts, audited, and nobody else's.
func TestForgetCommand(t *testing.T) {
	for name, open := range backends(t) {
		t.Run(name, func(t *testing.T) {
			ctx := context.Background()
			st := open(t)
			now := time.Date(2026, 11, 20, 9, 0, 0, 0, time.UTC)
			msgs := danaAndLee(t, st, now, "we were charged twice and nobody answers")
			dana, lee := msgs[0].Key(), msgs[2].Key()
			answer, _ := json.Marshal(bot.SurveyAnswer{Kind: "csat", Score: 2, Account: "acme", User: "XDANA", Time: now})
			other, _ := json.Marshal(bot.SurveyAnswer{Kind: "csat", Score: 5, Account: "acme", User: "XLEE", Time: now})
			alert, _ := json.Marshal(feedbackbot.Alert{Fingerprint: "fp1", Workspace: "T1", Reasons: []feedbackbot.Reason{{Code: "negative_share",
				Evidence: []feedbackbot.Evidence{{MessageKey: dana, Quote: "we were charged twice"}, {MessageKey: lee, Quote: "we were charged twice"}, {Figure: "3 of 3 negative"}}}}})
			for _, d := range []struct {
				kind, id string
				raw      []byte
			}{{bot.DocSurveyAnswer, "a1", answer}, {bot.DocSurveyAnswer, "a2", other}, {bot.DocAlert, "fp1", alert}} {
				if err := st.PutDoc(ctx, "T1", d.kind, d.id, d.raw); err != nil {
					t.Fatal(err)
				}
			}
			b := &bot.Bot{Store: st, Now: func() time.Time { return now }}
			staff := feedbackbot.Command{Platform: feedbackbot.PlatformSlack, Workspace: "T1", User: "USTAFF", Staff: true, Text: "forget XDANA"}
			ask, err := b.HandleCommand(ctx, staff)
			if err != nil || !ask.Ephemeral || !strings.Contains(ask.Fallback, "cannot be undone") || !strings.Contains(ask.Fallback, "Stored here by XDANA: 2 messages analysed and 1 survey answer") {
				t.Fatalf("forget without confirming: %v %+v", err, ask)
			}
			// A mistyped id is named as such before anyone confirms.
			typo := staff
			typo.Text = "forget XDAN"
			if doc, err := b.HandleCommand(ctx, typo); err != nil || !strings.Contains(doc.Fallback, "Nothing by XDAN is stored here: check the id") {
				t.Errorf("forget of an id with nothing stored: %v %q", err, doc.Fallback)
			}
			if n := authored(t, st, "XDANA"); n != 2 {
				t.Fatalf("asking to confirm erased something: %d left", n)
			}
			// Typing the confirmation instead of pressing the button is refused.
			if _, err := b.HandleCommand(ctx, feedbackbot.Command{Workspace: "T1", User: "USTAFF", Staff: true, Text: "forget.confirm XDANA"}); feedbackbot.ErrorCode(err) != feedbackbot.EINVALID {
				t.Fatalf("typed confirmation: %v", err)
			}
			// A customer cannot press it.
			if doc, _ := b.HandleCommand(ctx, feedbackbot.Command{Workspace: "T1", User: "XLEE", Button: true, Text: "forget.confirm XDANA"}); !strings.Contains(doc.Fallback, "only available") {
				t.Fatalf("a customer pressed forget: %+v", doc)
			}
			done, err := b.HandleCommand(ctx, feedbackbot.Command{Platform: feedbackbot.PlatformSlack, Workspace: "T1", User: "USTAFF", Staff: true, Button: true, Text: "forget.confirm XDANA"})
			if err != nil || !strings.Contains(done.Fallback, "2 messages, 1 survey answer, 1 quote in alerts") {
				t.Fatalf("forget: %v %q", err, done.Fallback)
			}
			if n := authored(t, st, "XDANA"); n != 0 {
				t.Errorf("%d messages of the forgotten person remain", n)
			}
			if n := authored(t, st, "XLEE"); n != 1 {
				t.Errorf("another person's messages changed: %d", n)
			}
			if _, err := st.GetDoc(ctx, "T1", bot.DocSurveyAnswer, "a1"); !feedbackbot.IsNotFound(err) {
				t.Errorf("the survey answer remains: %v", err)
			}
			if _, err := st.GetDoc(ctx, "T1", bot.DocSurveyAnswer, "a2"); err != nil {
				t.Errorf("another person's answer is gone: %v", err)
			}
			raw, err := st.GetDoc(ctx, "T1", bot.DocAlert, "fp1")
			if err != nil || strings.Contains(string(raw), dana) || !strings.Contains(string(raw), lee) || !strings.Contains(string(raw), "3 of 3 negative") {
				t.Errorf("alert evidence after forget: %s %v", raw, err)
			}
			audit, err := st.ListDocs(ctx, "T1", bot.DocAudit)
			if err != nil || !strings.Contains(fmt.Sprint(docsText(audit)), `"action":"forget"`) {
				t.Errorf("forget not audited: %v %v", docsText(audit), err)
			}
			// Again: nothing more to erase.
			again, err := bot.ForgetPerson(ctx, st, "T1", "XDANA")
			if err != nil || again.Messages+again.SurveyAnswers+again.Evidence+again.Corrections != 0 {
				t.Errorf("second forget = %+v, %v", again, err)
			}
			// Confirmed for an id with nothing stored, the reply says nothing was held
			// (it said "Forgot XDAN: 0 message(s)…", as if someone had been erased).
			none, err := b.HandleCommand(ctx, feedbackbot.Command{Platform: feedbackbot.PlatformSlack, Workspace: "T1", User: "USTAFF", Staff: true, Button: true, Text: "forget.confirm XDAN"})
			if err != nil || !strings.Contains(none.Fallback, "Nothing held for XDAN here: nothing was erased") || strings.Contains(none.Fallback, "Forgot") {
				t.Errorf("forget of an id with nothing stored, confirmed: %v %q", err, none.Fallback)
			}
		})
	}
}

// TestChatForgetHeldOnlyByTheLog: /feedback forget counts what is held as forget
// does (bot.PersonHeld): a person whose messages only the capture log holds (not
// analysed yet, or deleted on the platform) is held, not a mistyped id (the preview
// said "Nothing by U is stored here"), and the button erases them from the log, so
// re-analysis cannot bring them back. Both stores.
func TestChatForgetHeldOnlyByTheLog(t *testing.T) {
	now := time.Date(2026, 11, 20, 9, 0, 0, 0, time.UTC)
	msg := feedbackbot.Message{ID: "C1:1763625600.000100", Platform: feedbackbot.PlatformSlack, Workspace: "T1", Channel: "C1",
		Author: "XKIM", Role: feedbackbot.RoleCustomer, Account: "acme", Text: "my card ends 4242", Time: now.Add(-time.Hour)}
	if err := msg.Normalize(); err != nil {
		t.Fatal(err)
	}
	deleted := feedbackbot.Message{ID: msg.ID, Platform: msg.Platform, Workspace: msg.Workspace}
	for _, c := range []struct {
		name    string
		events  []feedbackbot.Event
		analyse bool // analysed before the command (else only appended)
	}{
		{"not analysed yet", []feedbackbot.Event{{Kind: feedbackbot.EventPut, Message: msg}}, false},
		{"deleted on the platform", []feedbackbot.Event{{Kind: feedbackbot.EventPut, Message: msg}, {Kind: feedbackbot.EventDelete, Message: deleted}}, true},
	} {
		for name, open := range backends(t) {
			t.Run(c.name+"/"+name, func(t *testing.T) {
				ctx := context.Background()
				st := open(t)
				if _, err := st.Append(ctx, c.events...); err != nil {
					t.Fatal(err)
				}
				drain := func() {
					t.Helper()
					if _, err := (&bot.Worker{Store: st, Analyzer: analyzer(t), Consumer: "t"}).Drain(ctx); err != nil {
						t.Fatal(err)
					}
				}
				if c.analyse {
					drain()
				}
				if n := authored(t, st, "XKIM"); n != 0 {
					t.Fatalf("%d applied messages by XKIM; the case wants them in the log only", n)
				}
				b := &bot.Bot{Store: st, Now: func() time.Time { return now }}
				staff := feedbackbot.Command{Platform: feedbackbot.PlatformSlack, Workspace: "T1", User: "USTAFF", Staff: true, Text: "forget XKIM"}
				ask, err := b.HandleCommand(ctx, staff)
				if err != nil || strings.Contains(ask.Fallback, "Nothing by XKIM") || !strings.Contains(ask.Fallback, "Stored here by XKIM: 1 message in the capture log not analysed yet or deleted on the platform") {
					t.Fatalf("forget of a person held only by the log, before confirming: %v %q", err, ask.Fallback)
				}
				staff.Button, staff.Text = true, "forget.confirm XKIM"
				done, err := b.HandleCommand(ctx, staff)
				if err != nil || !strings.Contains(done.Fallback, "Forgot XKIM: 1 message,") {
					t.Fatalf("forget confirmed: %v %q", err, done.Fallback)
				}
				drain() // a worker late with the entry brings nothing back
				if n := authored(t, st, "XKIM"); n != 0 {
					t.Errorf("%d messages by XKIM after forget", n)
				}
				err = st.Replay(ctx, "T1", func(e store.Entry) error {
					if e.Event.Message.Author == "XKIM" || strings.Contains(e.Event.Message.Text, "4242") {
						t.Errorf("the capture log still holds %+v", e.Event)
					}
					return nil
				})
				if err != nil {
					t.Fatal(err)
				}
				staff.Button, staff.Text = false, "forget XKIM"
				if again, err := b.HandleCommand(ctx, staff); err != nil || !strings.Contains(again.Fallback, "Nothing by XKIM is stored here") {
					t.Errorf("forget after forget: %v %q", err, again.Fallback)
				}
			})
		}
	}
}

// TestForgetPreviewCountsEverythingHeld: the /feedback forget preview (bot.PersonHeld,
// which the CLI's forget shares) counts a person's analysed messages and, beside them,
// those only the capture log holds (not analysed yet, or deleted on the platform),
// as many as the button then erases. It counted the log only when nothing else was
// held, by reading the whole log (past a chat command's timeout on a big workspace,
// for a mistyped id), so a person with both got a count that left the log's out.
// Both stores.
func TestForgetPreviewCountsEverythingHeld(t *testing.T) {
	now := time.Date(2026, 11, 20, 9, 0, 0, 0, time.UTC)
	n := 0
	msg := func(author string) feedbackbot.Message {
		n++
		at := now.Add(-time.Duration(n) * time.Minute)
		return feedbackbot.Message{ID: fmt.Sprintf("C1:%d.%06d", at.Unix(), n), Platform: feedbackbot.PlatformSlack, Workspace: "T1", Channel: "C1",
			Author: author, Role: feedbackbot.RoleCustomer, Account: "acme", Text: "the invoice export is broken", Time: at}
	}
	for _, c := range []struct {
		name                        string
		analysed, deleted, appended int  // XKIM's messages: analysed; analysed, then deleted on the platform; appended only
		edited                      bool // an edit of an analysed message appended, not analysed yet
		answers                     int
		want                        string // in the preview
	}{
		{name: "analysed only", analysed: 2, want: "Stored here by XKIM: 2 messages analysed and 0 survey answers"},
		{name: "edit not analysed yet", analysed: 2, edited: true, want: "Stored here by XKIM: 2 messages analysed and 0 survey answers"},
		{name: "some analysed, some only in the log", analysed: 2, deleted: 1, appended: 1, answers: 1,
			want: "Stored here by XKIM: 2 messages analysed and 2 more in the capture log not analysed yet or deleted on the platform, and 1 survey answer"},
		{name: "only in the log", deleted: 1, appended: 2,
			want: "Stored here by XKIM: 3 messages in the capture log not analysed yet or deleted on the platform, and 0 survey answers"},
		{name: "nothing", want: "Nothing by XKIM is stored here"},
	} {
		for name, open := range backends(t) {
			t.Run(c.name+"/"+name, func(t *testing.T) {
				ctx := context.Background()
				st := open(t)
				var kim []feedbackbot.Message
				for range c.analysed + c.deleted {
					kim = append(kim, msg("XKIM"))
				}
				kim = captured(t, st, append(kim, msg("XLEE"))...)[:len(kim)] // and someone else's
				var later []feedbackbot.Event
				for _, m := range kim[c.analysed:] {
					later = append(later, feedbackbot.Event{Kind: feedbackbot.EventDelete, Message: feedbackbot.Message{ID: m.ID, Platform: m.Platform, Workspace: m.Workspace}})
				}
				if len(later) > 0 {
					if _, err := st.Append(ctx, later...); err != nil {
						t.Fatal(err)
					}
					if _, err := (&bot.Worker{Store: st, Analyzer: analyzer(t), Consumer: "t"}).Drain(ctx); err != nil {
						t.Fatal(err)
					}
				}
				later = later[:0]
				for range c.appended {
					m := msg("XKIM")
					if err := m.Normalize(); err != nil {
						t.Fatal(err)
					}
					later = append(later, feedbackbot.Event{Kind: feedbackbot.EventPut, Message: m})
				}
				if c.edited {
					e := kim[0]
					e.Text, e.EditedAt = "the invoice export is broken again", now
					later = append(later, feedbackbot.Event{Kind: feedbackbot.EventPut, Message: e})
				}
				if len(later) > 0 {
					if _, err := st.Append(ctx, later...); err != nil {
						t.Fatal(err)
					}
				}
				for i := range c.answers {
					raw, _ := json.Marshal(bot.SurveyAnswer{Kind: "csat", Score: 2, Account: "acme", User: "XKIM", Time: now})
					if err := st.PutDoc(ctx, "T1", bot.DocSurveyAnswer, fmt.Sprintf("a%d", i), raw); err != nil {
						t.Fatal(err)
					}
				}
				b := &bot.Bot{Store: st, Now: func() time.Time { return now }}
				staff := feedbackbot.Command{Platform: feedbackbot.PlatformSlack, Workspace: "T1", User: "USTAFF", Staff: true, Text: "forget XKIM"}
				ask, err := b.HandleCommand(ctx, staff)
				if err != nil {
					t.Fatal(err)
				}
				if !strings.Contains(ask.Fallback, c.want) {
					t.Errorf("preview %q; want %q", ask.Fallback, c.want)
				}
				// Whatever the wording, the messages the preview counts are those the
				// button erases.
				counted := 0
				for _, m := range previewCount.FindAllStringSubmatch(ask.Fallback, -1) {
					k, _ := strconv.Atoi(m[1])
					counted += k
				}
				staff.Button, staff.Text = true, "forget.confirm XKIM"
				done, err := b.HandleCommand(ctx, staff)
				if err != nil {
					t.Fatal(err)
				}
				erased := c.analysed + c.deleted + c.appended
				if want := fmt.Sprintf("Forgot XKIM: %s, %s", nouns(erased, "message"), nouns(c.answers, "survey answer")); erased > 0 && !strings.Contains(done.Fallback, want) {
					t.Errorf("confirmed: %q; want %q", done.Fallback, want)
				}
				if counted != erased {
					t.Errorf("the preview counts %s, the button erases %d: %q", nouns(counted, "message"), erased, ask.Fallback)
				}
				if n := authored(t, st, "XLEE"); n != 1 {
					t.Errorf("%d messages by XLEE after forgetting XKIM, want 1", n)
				}
			})
		}
	}
}

// TestForgetPreviewDoesNotReadTheLog: the preview of a mistyped id (nothing held)
// read the workspace's whole capture log, which on a big workspace ran past the chat
// adapters' command timeout; it reads the person's index entries only. Both stores.
func TestForgetPreviewDoesNotReadTheLog(t *testing.T) {
	now := time.Date(2026, 11, 20, 9, 0, 0, 0, time.UTC)
	for name, open := range backends(t) {
		t.Run(name, func(t *testing.T) {
			st := open(t)
			captured(t, st, feedbackbot.Message{ID: "C1:1763625600.000100", Platform: feedbackbot.PlatformSlack, Workspace: "T1", Channel: "C1",
				Author: "XLEE", Role: feedbackbot.RoleCustomer, Account: "acme", Text: "the invoice export is broken", Time: now.Add(-time.Hour)})
			b := &bot.Bot{Store: noReplay{st}, Now: func() time.Time { return now }}
			doc, err := b.HandleCommand(context.Background(), feedbackbot.Command{Platform: feedbackbot.PlatformSlack, Workspace: "T1", User: "USTAFF", Staff: true, Text: "forget XKIMM"})
			if err != nil || !strings.Contains(doc.Fallback, "Nothing by XKIMM is stored here") {
				t.Errorf("preview of a mistyped id: %v %q", err, doc.Fallback)
			}
		})
	}
}

// noReplay is a store whose capture log cannot be read whole.
type noReplay struct{ store.Store }

func (noReplay) Replay(context.Context, string, func(store.Entry) error) error {
	return errors.New("the whole capture log was read")
}

// nouns is n and a regular noun for that many, as the bot says counts: "1
// message", "2 messages".
func nouns(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return fmt.Sprintf("%d %ss", n, noun)
}

// previewCount finds the message counts in a forget preview ("2 messages",
// "1 message", "2 more").
var previewCount = regexp.MustCompile(`(\d+) (?:messages?\b|more)`)

func authored(t *testing.T, st store.Store, author string) int {
	t.Helper()
	n := 0
	if err := st.AuthorMessages(context.Background(), "T1", author, func(store.Stored) error { n++; return nil }); err != nil {
		t.Fatal(err)
	}
	return n
}

func docsText(m map[string][]byte) []string {
	var out []string
	for _, v := range m {
		out = append(out, string(v))
	}
	return out
}

// TestChatForgetLeavesNoTextInTheFile: /feedback forget on the embedded store
// rewrites the file, as feedbackbot forget does; it erased the records and said so
// while the file still held the erased text in free pages (20 times here; a
// review's find).
func TestChatForgetLeavesNoTextInTheFile(t *testing.T) {
	ctx := context.Background()
	st, err := boltstore.Open(ctx, t.TempDir(), boltstore.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	now := time.Date(2026, 11, 20, 9, 0, 0, 0, time.UTC)
	const secret = "4111-2222-3333-4444"
	var msgs []feedbackbot.Message
	for i := range 40 {
		at := now.Add(-time.Duration(i+1) * time.Minute)
		m := feedbackbot.Message{ID: fmt.Sprintf("C1:%d.000100", at.Unix()), Platform: feedbackbot.PlatformSlack, Workspace: "T1", Channel: "C1",
			Author: "XLEE", Role: feedbackbot.RoleCustomer, Account: "acme", Text: fmt.Sprintf("other message %d", i), Time: at}
		if i%4 == 0 {
			m.Author, m.Text = "XDANA", fmt.Sprintf("my card number is %s (%d)", secret, i)
		}
		msgs = append(msgs, m)
	}
	captured(t, st, msgs...)
	b := &bot.Bot{Store: st, Now: func() time.Time { return now }}
	doc, err := b.HandleCommand(ctx, feedbackbot.Command{Platform: feedbackbot.PlatformSlack, Workspace: "T1", User: "USTAFF", Staff: true, Button: true, Text: "forget.confirm XDANA"})
	if err != nil || !strings.Contains(doc.Fallback, "Forgot XDANA: 10 messages") || !strings.Contains(doc.Fallback, "rewritten") {
		t.Fatalf("forget: %v %q", err, doc.Fallback)
	}
	raw, err := os.ReadFile(st.Path())
	if err != nil {
		t.Fatal(err)
	}
	if n := bytes.Count(raw, []byte(secret)); n > 0 {
		t.Errorf("after /feedback forget the store file still holds the erased text %d times", n)
	}
	if got, err := st.Message(ctx, msgs[1].Key()); err != nil || got.Message.Text != msgs[1].Text {
		t.Errorf("someone else's message after the rewrite: %q, %v", got.Message.Text, err)
	}
}

// TestSurveyAnswerAfterForgetIsNotStored: a survey question posted before a person
// was forgotten can still be pressed; the answer was stored under their id again
// (a review's find). They are thanked, and nothing is stored. Both stores.
func TestSurveyAnswerAfterForgetIsNotStored(t *testing.T) {
	for name, open := range backends(t) {
		t.Run(name, func(t *testing.T) {
			ctx := context.Background()
			st := open(t)
			now := time.Date(2026, 11, 20, 9, 0, 0, 0, time.UTC)
			captured(t, st, feedbackbot.Message{ID: "C1:1763625600.000100", Platform: feedbackbot.PlatformSlack, Workspace: "T1", Channel: "C1",
				Author: "XDANA", Role: feedbackbot.RoleCustomer, Account: "acme", Text: "we were charged twice", Time: now.Add(-time.Hour)})
			b := &bot.Bot{Store: st, Now: func() time.Time { return now }}
			if _, err := b.HandleCommand(ctx, feedbackbot.Command{Platform: feedbackbot.PlatformSlack, Workspace: "T1", User: "USTAFF", Staff: true, Button: true, Text: "forget.confirm XDANA"}); err != nil {
				t.Fatal(err)
			}
			for _, who := range []string{"XDANA", "XLEE"} {
				doc, err := b.HandleCommand(ctx, feedbackbot.Command{Platform: feedbackbot.PlatformSlack, Workspace: "T1", User: who, Button: true, Text: "survey.answer csat|1|acme|C1:1763625600.000100"})
				if err != nil || !strings.Contains(doc.Fallback, "Thank you") {
					t.Fatalf("%s's answer: %v %q", who, err, doc.Fallback)
				}
			}
			for who, want := range map[string]int{"XDANA": 0, "XLEE": 1} {
				as, err := bot.PersonSurveyAnswers(ctx, st, "T1", who)
				if err != nil || len(as) != want {
					t.Errorf("%s's stored answers: %d (%v), want %d", who, len(as), err, want)
				}
			}
		})
	}
}

// racingStore runs before, once, just ahead of the first PutDoc of a kind starting
// with prefix: another replica's work landing between two steps of this one's.
type racingStore struct {
	store.Store
	prefix string
	before func()
	once   sync.Once
}

func (r *racingStore) PutDoc(ctx context.Context, workspace, kind, id string, data []byte) error {
	if strings.HasPrefix(kind, r.prefix) {
		r.once.Do(r.before)
	}
	return r.Store.PutDoc(ctx, workspace, kind, id, data)
}

// TestSurveyAnswerRacingForget: a forget that runs while a survey answer is being
// written (after the answer found its author not forgotten, before it was stored)
// left the answer stored under the forgotten id; and an erasure that emptied the
// answer's week took the week off the list just before another person's answer went
// into it, so no reader (retention, export, forget, digests) saw that answer again.
// Both were a review's find; both stores.
func TestSurveyAnswerRacingForget(t *testing.T) {
	for name, open := range backends(t) {
		t.Run(name, func(t *testing.T) {
			ctx := context.Background()
			st := open(t)
			now := time.Date(2026, 11, 20, 9, 0, 0, 0, time.UTC)
			answer := func(b *bot.Bot, who string) {
				t.Helper()
				doc, err := b.HandleCommand(ctx, feedbackbot.Command{Platform: feedbackbot.PlatformSlack, Workspace: "T1", User: who, Button: true, Text: "survey.answer csat|2|acme|C1:1763625600.000100"})
				if err != nil || !strings.Contains(doc.Fallback, "Thank you") {
					t.Fatalf("%s's answer: %v %q", who, err, doc.Fallback)
				}
			}
			forget := func(who string) func() {
				return func() {
					if _, err := bot.ForgetPerson(ctx, st, "T1", who); err != nil {
						t.Error(err)
					}
				}
			}
			clock := func() time.Time { return now }
			// XDANA is forgotten while her own answer is written.
			answer(&bot.Bot{Store: &racingStore{Store: st, prefix: bot.DocSurveyAnswer + "/", before: forget("XDANA")}, Now: clock}, "XDANA")
			// A week later, XKIM's answer is the week's only one; XLEE answers while
			// XKIM is forgotten.
			later := func() time.Time { return now.AddDate(0, 0, 7) }
			answer(&bot.Bot{Store: st, Now: later}, "XKIM")
			answer(&bot.Bot{Store: &racingStore{Store: st, prefix: bot.DocSurveyAnswer + "/", before: forget("XKIM")}, Now: later}, "XLEE")
			for who, want := range map[string]int{"XDANA": 0, "XKIM": 0, "XLEE": 1} {
				as, err := bot.PersonSurveyAnswers(ctx, st, "T1", who)
				if err != nil || len(as) != want {
					t.Errorf("%s's answers as erasure and export see them: %d (%v), want %d", who, len(as), err, want)
				}
			}
			// What is stored, listed or not (2026-W47 and W48 are the two weeks).
			for _, week := range []string{"2026-W47", "2026-W48"} {
				docs, err := st.ListDocs(ctx, "T1", bot.DocSurveyAnswer+"/"+week)
				if err != nil {
					t.Fatal(err)
				}
				for id := range docs {
					if !strings.HasSuffix(id, "|XLEE") {
						t.Errorf("%s still holds answer %s", week, id)
					}
				}
			}
		})
	}
}

// learnedFrom is an analyzer whose layer learned from some messages, named with a
// workspace's learn secret (as a layer of feedbackbot learn says it did:
// analysis.Analyzer.LearnedFromWith): without that secret it tells none.
type learnedFrom struct {
	bot.Analyzer
	secret []byte
	keys   map[string]bool
}

func (l learnedFrom) LearnedFromWith(secret []byte, keys ...string) int {
	if !bytes.Equal(secret, l.secret) {
		return 0
	}
	n := 0
	for _, k := range keys {
		if l.keys[k] {
			n++
		}
	}
	return n
}

// TestForgetSaysTheLayerLearnedFromThem: forgetting a person whose messages the
// learned layer in use learned from says that its weights still carry them and how
// to learn it again; forgetting anyone else says nothing of it.
func TestForgetSaysTheLayerLearnedFromThem(t *testing.T) {
	ctx := t.Context()
	st := backends(t)["bolt"](t)
	now := time.Date(2026, 11, 20, 9, 0, 0, 0, time.UTC)
	msgs := danaAndLee(t, st, now, "the frobnicator went wobbly")
	secret, err := bot.LearnSecret(ctx, st, "T1", true) // (as feedbackbot learn made it)
	if err != nil {
		t.Fatal(err)
	}
	a := learnedFrom{Analyzer: analyzer(t), secret: secret, keys: map[string]bool{msgs[0].Key(): true, msgs[1].Key(): true}}
	b := &bot.Bot{Store: st, Analyzer: a, Now: func() time.Time { return now }}
	for _, tc := range []struct {
		user, want string
	}{
		{"XLEE", ""},
		{"XDANA", "The learned layer in use (analysis.layer) was trained on staff's corrections of 2 of their messages"},
	} {
		doc, err := b.HandleCommand(ctx, feedbackbot.Command{Platform: feedbackbot.PlatformSlack, Workspace: "T1", User: "USTAFF", Staff: true, Button: true, Text: "forget.confirm " + tc.user})
		if err != nil || !strings.Contains(doc.Fallback, "Forgot "+tc.user) {
			t.Fatalf("forget %s: %v %+v", tc.user, err, doc)
		}
		if got := strings.Contains(doc.Fallback, "learned layer"); got != (tc.want != "") || !strings.Contains(doc.Fallback, tc.want) {
			t.Errorf("forget %s says %q; want the learned layer named: %v", tc.user, doc.Fallback, tc.want != "")
		}
	}
}
