package bot_test

import (
	"fmt"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/feedbackbot/feedbackbot"
	"github.com/feedbackbot/feedbackbot/bot"
)

// fb8Analyzer tags as the analyzer does but without emotions, as engines before
// fb-9 left the rollups (they tagged emotions but did not count them).
type fb8Analyzer struct{ bot.Analyzer }

func (a fb8Analyzer) AnalyzeMessage(m *feedbackbot.Message) feedbackbot.Tags {
	t := a.Analyzer.AnalyzeMessage(m)
	t.Sentiment.Emotion = ""
	return t
}

// TestDigestCountsEmotions: the digest counts the period's customer messages by the
// emotion analysis tagged (staff messages not), compares them with the previous
// period's, and renders them; when the previous period was counted before
// emotions were (engine fb-8), it shows the counts without a comparison, not every
// emotion as "new".
func TestDigestCountsEmotions(t *testing.T) {
	end := time.Date(2026, 11, 22, 9, 0, 0, 0, time.UTC)
	week := 7 * 24 * time.Hour
	msg := func(i int, at time.Time, role feedbackbot.Role, text string) feedbackbot.Message {
		return feedbackbot.Message{ID: fmt.Sprintf("C1:%d.%06d", at.Unix(), i), Platform: feedbackbot.PlatformSlack, Workspace: "TE",
			Channel: "C1", Author: fmt.Sprintf("U%d", i), Role: role, Account: "acme", Text: text, Time: at}
	}
	texts := []string{"thank you so much, this is wonderful", "thanks a lot for the quick fix, really appreciate it",
		"still waiting on a reply, this is so frustrating", "I am confused, how do I set up the SSO connector?",
		"the dashboard loads in two seconds"}
	var period, prev []feedbackbot.Message
	for i, text := range texts {
		period = append(period, msg(i, end.Add(-time.Duration(i+1)*time.Hour), feedbackbot.RoleCustomer, text))
	}
	period = append(period, msg(9, end.Add(-10*time.Hour), feedbackbot.RoleStaff, "thank you so much, this is wonderful"))
	for i, text := range texts[1:3] {
		prev = append(prev, msg(20+i, end.Add(-week-time.Duration(i+1)*time.Hour), feedbackbot.RoleCustomer, text))
	}
	// What analysis tags them with, counted as the digest should.
	a := analyzer(t)
	count := func(msgs []feedbackbot.Message) map[string]int64 {
		c := map[string]int64{}
		for _, m := range msgs {
			if e := a.AnalyzeMessage(&m).Sentiment.Emotion; e != "" && m.Role == feedbackbot.RoleCustomer {
				c[string(e)]++
			}
		}
		return c
	}
	wantNow, wantPrev := count(period), count(prev)
	if len(wantNow) < 3 || len(wantPrev) < 2 {
		t.Fatalf("the sample should express several emotions: %v, before %v", wantNow, wantPrev)
	}
	for name, open := range backends(t) {
		for _, older := range []bool{false, true} {
			t.Run(fmt.Sprintf("%s/previous-by-fb-8=%v", name, older), func(t *testing.T) {
				st := open(t)
				if older {
					ingest(t, st, fb8Analyzer{a}, prev...)
				} else {
					captured(t, st, prev...)
				}
				captured(t, st, period...)
				d, err := bot.BuildDigest(t.Context(), st, bot.DigestRequest{Workspace: "TE", From: end.Add(-week), To: end, Now: end,
					Themes: []string{"support"}})
				if err != nil {
					t.Fatal(err)
				}
				got, gotPrev := map[string]int64{}, map[string]int64{}
				for i, e := range d.Emotions {
					if e.Count > 0 {
						got[e.Name] = e.Count
					}
					if d.EmotionsCompared && d.PrevEmotions[i].Count > 0 {
						gotPrev[e.Name] = d.PrevEmotions[i].Count
					}
				}
				if !reflect.DeepEqual(got, wantNow) {
					t.Errorf("emotions %v, want %v", got, wantNow)
				}
				doc := bot.DigestDocument(d, nil)
				felt := ""
				for _, b := range doc.Blocks {
					if strings.HasPrefix(b.Text, "*How customers felt*") {
						felt = b.Text
					}
				}
				if older {
					if d.EmotionsCompared || len(gotPrev) != 0 || strings.Contains(felt, "(new)") {
						t.Errorf("previous period counted before emotions were: compared %v, %v, rendered %q", d.EmotionsCompared, gotPrev, felt)
					}
				} else if !d.EmotionsCompared || !reflect.DeepEqual(gotPrev, wantPrev) {
					t.Errorf("previous emotions %v (compared %v), want %v", gotPrev, d.EmotionsCompared, wantPrev)
				}
				want := fmt.Sprintf("gratitude: %d (%d%% of customer messages)", wantNow["gratitude"], wantNow["gratitude"]*100/int64(len(texts)))
				if !strings.Contains(felt, want) || older == strings.Contains(felt, "messages) (") {
					t.Errorf("the digest says %q; want %q, compared with the week before: %v", felt, want, !older)
				}
			})
		}
	}
}

// TestAccountSaysHowTheyFelt: /feedback account says how the account's customers
// felt over the recent window, from what analysis tagged their messages with.
func TestAccountSaysHowTheyFelt(t *testing.T) {
	now := time.Date(2026, 11, 22, 9, 0, 0, 0, time.UTC)
	texts := []string{"thank you so much, this is wonderful", "thanks a lot for the quick fix, really appreciate it",
		"still waiting on a reply, this is so frustrating", "the dashboard loads in two seconds"}
	var msgs []feedbackbot.Message
	for i, text := range texts {
		at := now.Add(-time.Duration(i+1) * 24 * time.Hour)
		msgs = append(msgs, feedbackbot.Message{ID: fmt.Sprintf("C1:%d.%06d", at.Unix(), i), Platform: feedbackbot.PlatformSlack, Workspace: "TE",
			Channel: "C1", Author: "U1", Role: feedbackbot.RoleCustomer, Account: "acme", Text: text, Time: at})
	}
	a := analyzer(t)
	n := map[feedbackbot.Emotion]int{}
	for _, m := range msgs {
		n[a.AnalyzeMessage(&m).Sentiment.Emotion]++
	}
	if n[feedbackbot.EmotionGratitude] != 2 || n[feedbackbot.EmotionFrustration] != 1 {
		t.Fatalf("the sample's emotions: %v", n)
	}
	for name, open := range backends(t) {
		t.Run(name, func(t *testing.T) {
			st := open(t)
			captured(t, st, msgs...)
			b := &bot.Bot{Store: st, Now: func() time.Time { return now }}
			doc, err := b.HandleCommand(t.Context(), feedbackbot.Command{Workspace: "TE", User: "U9", Staff: true, Text: "account acme"})
			if err != nil {
				t.Fatal(err)
			}
			if want := "*How they felt* over the last 14 days: frustration 1, gratitude 2, of 4 customer messages"; !containsText(doc, want) {
				t.Errorf("the account reply does not say %q: %+v", want, doc.Blocks)
			}
		})
	}
}
