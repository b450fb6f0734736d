package bot_test

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/feedbackbot/feedbackbot"
	"github.com/feedbackbot/feedbackbot/analysis/health"
	"github.com/feedbackbot/feedbackbot/bot"
)

// TestForgetStaffWhoAnsweredAnAlert: a staff member acknowledged an alert (the
// press replaced its message with "Acknowledged by maria"), then asked to be
// forgotten. Their name stayed in the stored alert, in the staff's account line
// and in the posted message, and with nothing else of theirs held, forget was
// refused as a mistyped id. Now the alert counts as held, forget takes the name
// and the id out (the alert still answered, "by a staff member"), and the next
// pass edits the message. A pass that read the alert before the forget and saves
// after it does not write the name back.
func TestForgetStaffWhoAnsweredAnAlert(t *testing.T) {
	for name, open := range backends(t) {
		t.Run(name, func(t *testing.T) {
			ctx := t.Context()
			st := open(t)
			al, p, t0, h, fp := raisedAlert(t, st)
			press := func(at time.Time, user, userName string) {
				doc := pressAlertButton(t, st, at, user, userName, "alert.ack "+fp)
				for id := range p.docs { // (the platform replaces the pressed message)
					p.docs[id] = doc
				}
			}
			press(t0.Add(time.Hour), "UMARIA", "maria")
			if !strings.Contains(docText(p.docs["1"]), "Acknowledged by maria") {
				t.Fatalf("the pressed message: %s", docText(p.docs["1"]))
			}
			held, err := bot.PersonHeld(ctx, st.(bot.PrivacyStore), "T1", "UMARIA")
			if err != nil || held.Alerts != 1 || held.Nothing() {
				t.Fatalf("held of the staff member: %+v, %v; want the alert they answered", held, err)
			}
			res, err := bot.ForgetPerson(ctx, st.(bot.PrivacyStore), "T1", "UMARIA")
			if err != nil || res.Alerts != 1 {
				t.Fatalf("forget: %+v, %v; want 1 alert changed", res, err)
			}
			n := p.n
			if _, err := al.Evaluate(ctx, "T1", []feedbackbot.Health{h}, t0.Add(2*time.Hour)); err != nil {
				t.Fatal(err)
			}
			if p.n != n {
				t.Errorf("%d messages posted after the forget; the alert is answered still", p.n-n)
			}
			names := func(what string) {
				t.Helper()
				got := readAlert(t, st, fp)
				raw, _ := json.Marshal(got)
				if strings.Contains(string(raw), "maria") || strings.Contains(string(raw), "UMARIA") {
					t.Errorf("%s: the stored alert names the forgotten staff member: %s", what, raw)
				}
				if got.Status != feedbackbot.AlertAcknowledged || got.AckedBy != bot.ForgottenStaff {
					t.Errorf("%s: status %s by %q; want acknowledged by %q", what, got.Status, got.AckedBy, bot.ForgottenStaff)
				}
				line := bot.AccountAlertLine(map[string]*feedbackbot.Alert{fp: &got}, "acme", t0.Add(2*time.Hour))
				if !strings.Contains(line, "acknowledged by "+bot.ForgottenStaff) {
					t.Errorf("%s: the account's alert line: %q", what, line)
				}
				for id, doc := range p.docs {
					if strings.Contains(docText(doc), "maria") {
						t.Errorf("%s: message %s still names them: %s", what, id, docText(doc))
					}
				}
			}
			names("after the forget and a pass")
			if again, err := bot.ForgetPerson(ctx, st.(bot.PrivacyStore), "T1", "UMARIA"); err != nil || !again.Nothing() {
				t.Errorf("forget again: %+v, %v; want nothing more", again, err)
			}

			// Acknowledged by sam, it gets worse: the pass opens it again and
			// posts; sam is forgotten meanwhile, and the pass saves its copy.
			press(t0.Add(3*time.Hour), "USAM", "sam")
			p.press = func() {
				if _, err := bot.ForgetPerson(ctx, st.(bot.PrivacyStore), "T1", "USAM"); err != nil {
					t.Fatal(err)
				}
			}
			if out, err := al.Evaluate(ctx, "T1", []feedbackbot.Health{atRisk("acme", 20, health.ReasonSentimentLow, "k1")}, t0.Add(4*time.Hour)); err != nil || out.Repeated != 1 {
				t.Fatalf("worse: %+v, %v", out, err)
			}
			got := readAlert(t, st, fp)
			if raw, _ := json.Marshal(got); strings.Contains(string(raw), "sam") || strings.Contains(string(raw), "USAM") {
				t.Errorf("a pass saved over the forget: %s", raw)
			}
		})
	}
}

// TestForgetStaffWhoAnsweredBeforeIDsWereKept: an alert answered before the
// answerer's id was stored names them by id when they had no display name; forget
// finds them by it, and leaves another answerer's name alone.
func TestForgetStaffWhoAnsweredBeforeIDsWereKept(t *testing.T) {
	for name, open := range backends(t) {
		t.Run(name, func(t *testing.T) {
			ctx := context.Background()
			st := open(t)
			al, _ := refAlerter(st)
			t0 := time.Date(2026, 11, 2, 9, 0, 0, 0, time.UTC)
			for _, c := range []struct{ account, ackedBy string }{{"acme", "U0LEGACY"}, {"globex", "lee"}} {
				h := atRisk(c.account, 40, health.ReasonSentimentLow, "k-"+c.account)
				if _, err := al.Evaluate(ctx, "T1", []feedbackbot.Health{h}, t0); err != nil {
					t.Fatal(err)
				}
				fp := bot.AlertFor("T1", h, t0).Fingerprint
				got := readAlert(t, st, fp)
				got.Status, got.AckedBy = feedbackbot.AlertAcknowledged, c.ackedBy // (as stored before)
				raw, _ := json.Marshal(got)
				if err := st.PutDoc(ctx, "T1", bot.DocAlert, fp, raw); err != nil {
					t.Fatal(err)
				}
			}
			res, err := bot.ForgetPerson(ctx, st.(bot.PrivacyStore), "T1", "U0LEGACY")
			if err != nil || res.Alerts != 1 {
				t.Fatalf("forget: %+v, %v; want the one alert they answered", res, err)
			}
			docs, err := st.ListDocs(ctx, "T1", bot.DocAlert)
			if err != nil {
				t.Fatal(err)
			}
			var by []string
			for _, raw := range docs {
				var a feedbackbot.Alert
				if err := json.Unmarshal(raw, &a); err != nil {
					t.Fatal(err)
				}
				by = append(by, a.Account.ID+":"+a.AckedBy)
			}
			if got := strings.Join(by, ","); !strings.Contains(got, "acme:"+bot.ForgottenStaff) || !strings.Contains(got, "globex:lee") {
				t.Errorf("answered by %s; want acme's answerer forgotten, globex's kept", got)
			}
		})
	}
}

// TestForgetStaffWhosePressIsOnAnEarlierMessage: maria acknowledges the alert's
// message; it gets worse, so the pass posts a new message (the pressed one stays
// in the channel among the alert's earlier messages, still saying "Acknowledged
// by maria"); then sam acknowledges the new one, or the alert recovers and is
// raised again. Forgetting maria found nothing (the alert named sam, or nobody)
// and left her name in the chat; the alert keeps everyone who pressed any of its
// messages (Answerers) now.
func TestForgetStaffWhosePressIsOnAnEarlierMessage(t *testing.T) {
	for _, then := range []string{"another staff member answers", "a new episode"} {
		for name, open := range backends(t) {
			t.Run(then+"/"+name, func(t *testing.T) {
				ctx := t.Context()
				st := open(t)
				al, p, t0, _, fp := raisedAlert(t, st)
				press := func(at time.Time, msg, user, userName string) {
					t.Helper()
					p.docs[msg] = pressAlertButton(t, st, at, user, userName, "alert.ack "+fp) // (the platform replaces the pressed message only)
				}
				press(t0.Add(time.Hour), "1", "UMARIA", "maria")
				worse := atRisk("acme", 20, health.ReasonSentimentLow, "k1")
				if out, err := al.Evaluate(ctx, "T1", []feedbackbot.Health{worse}, t0.Add(2*time.Hour)); err != nil || out.Repeated != 1 {
					t.Fatalf("worse: %+v, %v", out, err)
				}
				switch then {
				case "another staff member answers":
					press(t0.Add(3*time.Hour), "2", "USAM", "sam")
				default:
					if _, err := al.Evaluate(ctx, "T1", nil, t0.Add(3*time.Hour)); err != nil { // recovered
						t.Fatal(err)
					}
					if _, err := al.Evaluate(ctx, "T1", []feedbackbot.Health{worse}, t0.Add(4*time.Hour)); err != nil { // raised again
						t.Fatal(err)
					}
				}
				if !strings.Contains(docText(p.docs["1"]), "Acknowledged by maria") {
					t.Fatalf("message 1 before the forget: %s", docText(p.docs["1"]))
				}
				held, err := bot.PersonHeld(ctx, st.(bot.PrivacyStore), "T1", "UMARIA")
				if err != nil || held.Alerts != 1 {
					t.Errorf("held of maria: %+v, %v; want the alert she answered", held, err)
				}
				if res, err := bot.ForgetPerson(ctx, st.(bot.PrivacyStore), "T1", "UMARIA"); err != nil || res.Alerts != 1 {
					t.Errorf("forget maria: %+v, %v; want the alert changed", res, err)
				}
				if _, err := al.Evaluate(ctx, "T1", []feedbackbot.Health{worse}, t0.Add(5*time.Hour)); err != nil {
					t.Fatal(err)
				}
				for id, doc := range p.docs {
					if strings.Contains(docText(doc), "maria") {
						t.Errorf("after the forget and a pass, message %s still names maria:\n%s", id, docText(doc))
					}
				}
				if raw, _ := json.Marshal(readAlert(t, st, fp)); strings.Contains(string(raw), "UMARIA") {
					t.Errorf("the stored alert keeps maria's id: %s", raw)
				}
			})
		}
	}
}

// TestEditedAlertStillSaysWhoAnswered: a message edited after a press (a forget
// of the staff member who pressed it, a new score) lost the press's note and read
// as an alert nobody had answered, buttons and all; every rendering of an answered
// alert says who answered it now ("a staff member" once they are forgotten).
func TestEditedAlertStillSaysWhoAnswered(t *testing.T) {
	for name, open := range backends(t) {
		t.Run(name, func(t *testing.T) {
			ctx := t.Context()
			st := open(t)
			al, p, t0, h, fp := raisedAlert(t, st)
			doc := pressAlertButton(t, st, t0.Add(time.Hour), "UMARIA", "maria", "alert.snooze "+fp)
			if got := strings.Count(docText(doc), "Snoozed by maria until Nov 9 10:00 UTC."); got != 1 {
				t.Errorf("the pressed message says who snoozed it %d times, want once:\n%s", got, docText(doc))
			}
			p.docs["1"] = doc
			if _, err := bot.ForgetPerson(ctx, st.(bot.PrivacyStore), "T1", "UMARIA"); err != nil {
				t.Fatal(err)
			}
			if _, err := al.Evaluate(ctx, "T1", []feedbackbot.Health{h}, t0.Add(2*time.Hour)); err != nil {
				t.Fatal(err)
			}
			if txt := docText(p.docs["1"]); !strings.Contains(txt, "Snoozed by "+bot.ForgottenStaff+" until Nov 9 10:00 UTC.") || strings.Contains(txt, "maria") {
				t.Errorf("the message after the forget does not say it is snoozed, or names maria:\n%s", txt)
			}
			// Acknowledged, then re-scored: the edit says who acknowledged it.
			pressAlertButton(t, st, t0.Add(3*time.Hour), "USAM", "sam", "alert.ack "+fp)
			if _, err := al.Evaluate(ctx, "T1", []feedbackbot.Health{atRisk("acme", 36, health.ReasonSentimentLow, "k1")}, t0.Add(4*time.Hour)); err != nil {
				t.Fatal(err)
			}
			if txt := docText(p.docs["1"]); !strings.Contains(txt, "health 36") || !strings.Contains(txt, "Acknowledged by sam at Nov 2 12:00 UTC.") {
				t.Errorf("the re-scored message:\n%s", txt)
			}
		})
	}
}
