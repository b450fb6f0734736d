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
// Slack Connect channel, one pending Slack Connect, a DM with a customer, a group
// DM, and a channel with a guest or someone of another organisation among its members
// are refused even when listed in internal_channels, and so is a channel that became
// shared after the alert was posted; with staff_user_groups, so are a member outside
// the groups and a public channel. Slack is never asked to post or edit.
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
			case "CPUBLIC":
				kind = `"is_channel":true,"is_private":false`
			}
			fmt.Fprintf(w, `{"ok":true,"channel":{"id":%q,%s}}`, ch, kind)
		})
		c.Handle("/chat.postMessage", func(w http.ResponseWriter, r *http.Request) {
			posts.Add(1)
			r.ParseForm()
			fmt.Fprintf(w, `{"ok":true,"channel":%q,"ts":"1700000999.000100"}`, r.Form.Get("channel"))
		})
		c.Handle("/usergroups.users.list", func(w http.ResponseWriter, r *http.Request) {
			w.Write([]byte(`{"ok":true,"users":["UMARIA"]}`))
		})
		c.Handle("/chat.update", func(w http.ResponseWriter, r *http.Request) {
			updates.Add(1)
			r.ParseForm()
			fmt.Fprintf(w, `{"ok":true,"channel":%q,"ts":"1700000999.000100"}`, r.Form.Get("channel"))
		})
	}
	f := newFixture(t, binder)
	f.a.cfg.InternalChannels = []string{"CINTERNAL", "CSHARED", "CPENDING", "DCUSTOMER", "GMPIM", "CLATER", "CGUESTS", "CFOREIGN", "CPAGED", "CTEAM", "CPUBLIC"}
	doc := feedbackbot.Document{Fallback: "Acme is at risk", Blocks: []feedbackbot.Block{{Kind: feedbackbot.BlockText, Text: "“we are cancelling” — dana"}}}
	ctx := context.Background()
	for _, tc := range []struct{ channel, want string }{
		{"CSHARED", "shared with another organisation"},
		{"CPENDING", "shared with another organisation"},
		{"DCUSTOMER", "direct message"},
		{"GMPIM", "direct message"},
		{"CRANDOM", "not an internal channel"},
		{"CGUESTS", "GGUEST, a guest"},
		{"CFOREIGN", "FOUT, of another organisation"},
		{"CPAGED", "RGUEST, a guest"}, // on the second page of members
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
	// With staff_user_groups, a member outside the groups and a public channel are
	// refused too; a private channel of group members (and the bot) is fine.
	f.a.cfg.StaffUserGroups = []string{"SCS"}
	for _, tc := range []struct{ channel, want string }{{"CTEAM", "UTOM, who is not in slack.staff_user_groups"}, {"CPUBLIC", "is public"}} {
		if _, err := f.a.Post(ctx, tc.channel, doc); feedbackbot.ErrorCode(err) != feedbackbot.EUNAUTHORIZED || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("post to %s with staff groups: %v; want a refusal saying %q", tc.channel, err, tc.want)
		}
	}
	if err := f.a.CheckDestination(ctx, "CINTERNAL"); err != nil {
		t.Errorf("a private channel of staff: %v", err)
	}
	f.a.cfg.StaffUserGroups = nil
	if posts.Load() != 1 {
		t.Fatalf("refused destinations reached Slack: %d posts", posts.Load())
	}
	// config check runs the same checks over the list and reports every problem.
	errs := f.a.CheckDestinations(ctx, []string{"CINTERNAL", "CSHARED", "DCUSTOMER", "GMPIM"})
	if len(errs) != 3 {
		t.Fatalf("CheckDestinations: %v; want the shared channel and both DMs", errs)
	}
}
