package discordadapter

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/bwmarrin/discordgo"

	"github.com/feedbackbot/feedbackbot"
)

// TestInteractionDeadlineCountsFromCreation: Discord's 3 seconds for the first
// answer run from the interaction's creation (its id's time), so the adapter
// defers a reply not ready CommandTimeout after that creation, not after its
// handler started: with SyncEvents the handler starts only once the gateway's
// earlier events were handled, and one waiting on REST (a channel the state does
// not know) holds it. A creation time far from this host's clock is its skew: the
// wait then counts from now, neither cut to nothing (a quick command still answers
// directly) nor stretched past CommandTimeout.
func TestInteractionDeadlineCountsFromCreation(t *testing.T) {
	tests := []struct {
		name string
		run  time.Duration // how long the command takes
		// arrive makes the interaction (its id) and dispatches it.
		arrive   func(f *fixture, dispatch func(id string))
		deferred bool // the first answer is a deferral
	}{
		{name: "the handler starts late, behind a slow event", run: time.Second, deferred: true,
			arrive: func(f *fixture, dispatch func(id string)) {
				const chOld = "400000000000000099" // known to REST, not to the gateway state
				g, chans := fakeGuild()
				f.fake.AddGuild(g, append(chans, &discordgo.Channel{ID: chOld, Name: "old-thread",
					Type: discordgo.ChannelTypeGuildPublicThread, ParentID: chGeneral})...)
				release := f.fake.HoldNext("GET", "/channels/"+chOld)
				f.fake.Dispatch("MESSAGE_CREATE", message(chOld, userAlice, []string{roleMember}, "still broken here"))
				f.eventually("the channel lookup held", func() bool { return f.fake.Held("/channels/" + chOld) })
				dispatch(snowflakeAt(time.Now()))
				time.Sleep(2 * time.Second) // the lookup's answer takes its time
				release()
			}},
		{name: "the interaction arrives 2.3 s after its creation", run: time.Second, deferred: true,
			arrive: func(_ *fixture, dispatch func(id string)) {
				dispatch(snowflakeAt(time.Now().Add(-2300 * time.Millisecond)))
			}},
		{name: "a clock a minute ahead", run: 500 * time.Millisecond, deferred: false,
			arrive: func(_ *fixture, dispatch func(id string)) { dispatch(snowflakeAt(time.Now().Add(-time.Minute))) }},
		{name: "a clock a minute behind", run: 3 * time.Second, deferred: true,
			arrive: func(_ *fixture, dispatch func(id string)) { dispatch(snowflakeAt(time.Now().Add(time.Minute))) }},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			cmds := commandsFunc(func(ctx context.Context, c feedbackbot.Command) (feedbackbot.Document, error) {
				select {
				case <-time.After(tc.run):
				case <-ctx.Done():
					return feedbackbot.Document{}, ctx.Err()
				}
				return ephemeralText("done"), nil
			})
			f := newFixture(t, testConfig(), cmds)
			var id string
			tc.arrive(f, func(i string) {
				id = i
				f.fake.Dispatch("INTERACTION_CREATE", map[string]any{"id": id, "application_id": f.fake.AppID, "type": 2,
					"token": "tok-" + id, "guild_id": guild, "channel_id": chInternal,
					"member": map[string]any{"user": map[string]any{"id": userStaff, "username": "s"}, "roles": []string{roleStaff}},
					"data":   map[string]any{"id": "1", "name": "feedback", "type": 1, "options": []any{map[string]any{"name": "risk", "type": 1}}}})
			})
			req, ok := f.fake.WaitRequest("/interactions/"+id+"/", 0, 10*time.Second)
			if !ok {
				t.Fatal("the interaction was not answered")
			}
			var resp discordgo.InteractionResponse
			if err := json.Unmarshal(req.JSON, &resp); err != nil {
				t.Fatal(err)
			}
			want := discordgo.InteractionResponseChannelMessageWithSource
			if tc.deferred {
				want = discordgo.InteractionResponseDeferredChannelMessageWithSource
			}
			if resp.Type != want {
				t.Fatalf("the first answer is of type %d, want %d: %s", resp.Type, want, req.JSON)
			}
			if tc.deferred {
				edit, ok := f.fake.WaitRequest("/webhooks/"+f.fake.AppID+"/tok-"+id+"/messages/@original", 0, 10*time.Second)
				if !ok || !strings.Contains(string(edit.JSON), "done") {
					t.Errorf("the deferred reply was not filled in: %s", edit.JSON)
				}
			}
		})
	}
}

// TestChecksBeforeTheAnswerEndByTheDeadline: a survey asked in a thread the
// gateway's state does not know is checked against the internal channels over
// REST before the command runs; that lookup waiting (a rate limit, a slow
// Discord) held the first answer past Discord's 3 seconds. It ends by the
// deadline, falls back as a failed lookup does, and the caller is answered while
// it is still held.
func TestChecksBeforeTheAnswerEndByTheDeadline(t *testing.T) {
	cmds := commandsFunc(func(ctx context.Context, c feedbackbot.Command) (feedbackbot.Document, error) {
		return ephemeralText("asked"), nil
	})
	f := newFixture(t, testConfig(), cmds)
	const chOld = "400000000000000098" // known to REST, not to the gateway state
	g, chans := fakeGuild()
	f.fake.AddGuild(g, append(chans, &discordgo.Channel{ID: chOld, Name: "old-thread",
		Type: discordgo.ChannelTypeGuildPublicThread, ParentID: chGeneral})...)
	release := f.fake.HoldNext("GET", "/channels/"+chOld)
	defer release()
	id := snowflakeAt(time.Now())
	f.fake.Dispatch("INTERACTION_CREATE", map[string]any{"id": id, "application_id": f.fake.AppID, "type": 2,
		"token": "tok-" + id, "guild_id": guild, "channel_id": chOld,
		"member": map[string]any{"user": map[string]any{"id": userStaff, "username": "s"}, "roles": []string{roleStaff}},
		"data": map[string]any{"id": "1", "name": "feedback", "type": 1, "options": []any{map[string]any{"name": "survey", "type": 1,
			"options": []any{map[string]any{"name": "kind", "type": 3, "value": "csat"}, map[string]any{"name": "account", "type": 3, "value": "acme"}}}}}})
	if _, ok := f.fake.WaitRequest("/interactions/"+id+"/", 0, 10*time.Second); !ok {
		t.Fatal("the interaction was not answered while its channel's lookup was held")
	}
}
