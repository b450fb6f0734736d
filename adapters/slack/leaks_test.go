package slackadapter

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/slack-go/slack/slacktest"

	"github.com/feedbackbot/feedbackbot"
)

// TestPostRefusesWhatIsNotInternal: at post time (and when an alert is edited), a
// Slack Connect channel, one pending Slack Connect, a DM with a customer and a group
// DM are refused even when listed in internal_channels, and so is a channel that
// became shared after the alert was posted; Slack is never asked to post or edit.
func TestPostRefusesWhatIsNotInternal(t *testing.T) {
	var posts, updates atomic.Int64
	var sharedNow atomic.Bool
	binder := func(c slacktest.Customize) {
		c.Handle("/conversations.info", func(w http.ResponseWriter, r *http.Request) {
			r.ParseForm()
			ch := r.Form.Get("channel")
			kind := `"is_channel":true,"is_private":true`
			switch ch {
			case "CSHARED":
				kind = `"is_channel":true,"is_ext_shared":true,"is_shared":true`
			case "CPENDING":
				kind = `"is_channel":true,"is_pending_ext_shared":true`
			case "DCUSTOMER":
				kind = `"is_im":true,"user":"XDANA"`
			case "GMPIM":
				kind = `"is_mpim":true,"is_group":true`
			case "CLATER":
				if sharedNow.Load() {
					kind = `"is_channel":true,"is_ext_shared":true`
				}
			}
			fmt.Fprintf(w, `{"ok":true,"channel":{"id":%q,%s}}`, ch, kind)
		})
		c.Handle("/chat.postMessage", func(w http.ResponseWriter, r *http.Request) {
			posts.Add(1)
			r.ParseForm()
			fmt.Fprintf(w, `{"ok":true,"channel":%q,"ts":"1700000999.000100"}`, r.Form.Get("channel"))
		})
		c.Handle("/chat.update", func(w http.ResponseWriter, r *http.Request) {
			updates.Add(1)
			r.ParseForm()
			fmt.Fprintf(w, `{"ok":true,"channel":%q,"ts":"1700000999.000100"}`, r.Form.Get("channel"))
		})
	}
	f := newFixture(t, binder)
	f.a.cfg.InternalChannels = []string{"CINTERNAL", "CSHARED", "CPENDING", "DCUSTOMER", "GMPIM", "CLATER"}
	doc := feedbackbot.Document{Fallback: "Acme is at risk", Blocks: []feedbackbot.Block{{Kind: feedbackbot.BlockText, Text: "“we are cancelling” — dana"}}}
	ctx := context.Background()
	for _, tc := range []struct{ channel, want string }{
		{"CSHARED", "shared with another organisation"},
		{"CPENDING", "shared with another organisation"},
		{"DCUSTOMER", "direct message"},
		{"GMPIM", "direct message"},
		{"CRANDOM", "not an internal channel"},
	} {
		_, err := f.a.Post(ctx, tc.channel, doc)
		if feedbackbot.ErrorCode(err) != feedbackbot.EUNAUTHORIZED || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("post to %s: %v; want a refusal saying %q", tc.channel, err, tc.want)
		}
		if err := f.a.Update(ctx, feedbackbot.PostRef{Platform: feedbackbot.PlatformSlack, Destination: tc.channel, ID: "1700000999.000100"}, doc); feedbackbot.ErrorCode(err) != feedbackbot.EUNAUTHORIZED {
			t.Errorf("update in %s: %v; want a refusal", tc.channel, err)
		}
	}
	if posts.Load() != 0 || updates.Load() != 0 {
		t.Fatalf("refused destinations reached Slack: %d posts, %d updates", posts.Load(), updates.Load())
	}
	// A private internal channel is fine; once it is shared, the alert is not edited.
	ref, err := f.a.Post(ctx, "CLATER", doc)
	if err != nil || posts.Load() != 1 {
		t.Fatalf("post to an internal channel: %v", err)
	}
	if err := f.a.Update(ctx, ref, doc); err != nil || updates.Load() != 1 {
		t.Fatalf("update in an internal channel: %v", err)
	}
	sharedNow.Store(true)
	if err := f.a.Update(ctx, ref, doc); feedbackbot.ErrorCode(err) != feedbackbot.EUNAUTHORIZED || updates.Load() != 1 {
		t.Fatalf("update after the channel was shared: %v (%d updates)", err, updates.Load())
	}
	// config check runs the same checks over the list and reports every problem.
	errs := f.a.CheckDestinations(ctx, []string{"CINTERNAL", "CSHARED", "DCUSTOMER", "GMPIM"})
	if len(errs) != 3 {
		t.Fatalf("CheckDestinations: %v; want the shared channel and both DMs", errs)
	}
}
