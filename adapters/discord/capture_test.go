package discordadapter

import (
	"maps"
	"testing"
	"time"

	"github.com/bwmarrin/discordgo"

	"github.com/feedbackbot/feedbackbot"
)

// staff2 is a second staff member (by role).
const staff2 = "200000000000000004"

// replyTo is a staff member's reply to m as the gateway and REST deliver it: the
// referenced message without member and guild_id.
func replyTo(m map[string]any, author, text string) map[string]any {
	r := message(chGeneral, author, []string{roleStaff}, text)
	r["type"] = 19
	r["message_reference"] = map[string]any{"message_id": m["id"], "channel_id": m["channel_id"], "guild_id": guild}
	r["referenced_message"] = partialReference(m)
	return r
}

// withoutText is a message capture does not store (an attachment alone).
func withoutText(m map[string]any) map[string]any {
	m["content"] = ""
	m["attachments"] = []any{map[string]any{"id": "900000000000000001", "filename": "screenshot.png", "size": 1024,
		"url": "https://cdn.example/screenshot.png", "proxy_url": "https://cdn.example/screenshot.png"}}
	return m
}

// TestStaffReplyCountsForRepliedToAccount: a staff reply counts for the account of
// the message it answers, decided by that message as captured (Discord's
// referenced_message carries no member, so no roles), else by its author's roles
// as Discord has them now; never for a staff member, nor for a role-mapped
// customer's user id. In each case another customer spoke in the channel after
// the message replied to, so the channel's last customer would be wrong too.
func TestStaffReplyCountsForRepliedToAccount(t *testing.T) {
	const leaver = "200000000000000055" // no longer a member of the server
	member, acme, staff := []string{roleMember}, []string{roleAcme}, []string{roleStaff}
	tests := []struct {
		name string
		// conversation dispatches the messages before the reply and returns the one
		// replied to.
		conversation func(f *fixture) map[string]any
		unresolved   bool // Discord sent no referenced_message (only message_reference)
		want         string
	}{
		{name: "a role-mapped customer's captured message", want: "acme",
			conversation: func(f *fixture) map[string]any {
				bob := message(chGeneral, userBob, acme, "our SSO login broke this morning")
				f.fake.Dispatch("MESSAGE_CREATE", bob)
				f.fake.Dispatch("MESSAGE_CREATE", message(chGeneral, userAlice, member, "is the export slow for anyone else?"))
				return bob
			}},
		{name: "a colleague's captured answer", want: userAlice,
			conversation: func(f *fixture) map[string]any {
				f.fake.Dispatch("MESSAGE_CREATE", message(chGeneral, userAlice, member, "the export fails every night, can you help?"))
				colleague := message(chGeneral, userStaff, staff, "looking into it, I think it is the new exporter")
				f.fake.Dispatch("MESSAGE_CREATE", colleague)
				f.fake.Dispatch("MESSAGE_CREATE", message(chGeneral, userBob, acme, "unrelated: where do I change my plan?"))
				return colleague
			}},
		{name: "a role-mapped customer's message never captured", want: "acme",
			conversation: func(f *fixture) map[string]any {
				f.fake.AddMember(guild, &discordgo.Member{User: &discordgo.User{ID: userBob}, Roles: acme})
				bob := withoutText(message(chGeneral, userBob, acme, ""))
				f.fake.Dispatch("MESSAGE_CREATE", bob)
				f.fake.Dispatch("MESSAGE_CREATE", message(chGeneral, userAlice, member, "is the export slow for anyone else?"))
				return bob
			}},
		{name: "a colleague's message never captured", want: userAlice,
			conversation: func(f *fixture) map[string]any {
				f.fake.Dispatch("MESSAGE_CREATE", message(chGeneral, userAlice, member, "the export fails every night, can you help?"))
				colleague := withoutText(message(chGeneral, userStaff, staff, ""))
				f.fake.Dispatch("MESSAGE_CREATE", colleague)
				return colleague
			}},
		{name: "a message never captured, by someone who left", want: leaver,
			conversation: func(f *fixture) map[string]any {
				gone := withoutText(message(chGeneral, leaver, member, ""))
				f.fake.Dispatch("MESSAGE_CREATE", gone)
				f.fake.Dispatch("MESSAGE_CREATE", message(chGeneral, userAlice, member, "is the export slow for anyone else?"))
				return gone
			}},
		{name: "a captured message Discord did not resolve", unresolved: true, want: "acme",
			conversation: func(f *fixture) map[string]any {
				bob := message(chGeneral, userBob, acme, "our SSO login broke this morning")
				f.fake.Dispatch("MESSAGE_CREATE", bob)
				f.fake.Dispatch("MESSAGE_CREATE", message(chGeneral, userAlice, member, "is the export slow for anyone else?"))
				return bob
			}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			f := newFixture(t, testConfig(), nil)
			replied := tc.conversation(f)
			reply := replyTo(replied, staff2, "sorry about that, a fix ships tomorrow")
			if tc.unresolved {
				reply["referenced_message"] = nil
			}
			f.fake.Dispatch("MESSAGE_CREATE", reply)
			id := reply["id"].(string)
			f.eventually("the reply captured", func() bool { _, ok := replay(t, f.st)[id]; return ok })
			if got := replay(t, f.st)[id]; got.Role != feedbackbot.RoleStaff || got.Account != tc.want {
				t.Errorf("the staff reply is stored as %s for account %q, want staff for %q", got.Role, got.Account, tc.want)
			}
		})
	}
}

// TestCatchUpStaffReplyCountsForRepliedToAccount: the same holds for staff replies
// written while no session was up and captured by catch-up over REST (whose
// referenced_message carries no member either).
func TestCatchUpStaffReplyCountsForRepliedToAccount(t *testing.T) {
	member, acme := []string{roleMember}, []string{roleAcme}
	now := time.Now().UTC()
	at := func(m map[string]any, d time.Duration) map[string]any {
		m["timestamp"] = now.Add(d).Format(time.RFC3339Nano)
		return m
	}
	c := newCluster(t)
	c.fake.AddMember(guild, &discordgo.Member{User: &discordgo.User{ID: userBob}, Roles: acme})
	c.fake.AddMember(guild, &discordgo.Member{User: &discordgo.User{ID: staff2}, Roles: []string{roleStaff}})
	first := c.start("first", false, nil)
	first.waitReady(t, 1, 5*time.Second)
	bob := at(message(chGeneral, userBob, acme, "our SSO login broke this morning"), -time.Hour)
	alice := at(message(chGeneral, userAlice, member, "is the export slow for anyone else?"), -50*time.Minute)
	c.fake.Dispatch("MESSAGE_CREATE", bob)
	c.fake.Dispatch("MESSAGE_CREATE", alice)
	waitFor(t, "live capture", 5*time.Second, func() bool { return len(replay(t, c.st)) == 2 })
	analyse(t, c.st)
	first.stop(t)
	c.waitNoSession(t)

	// Written while no session is up.
	toBob := at(replyTo(bob, userStaff, "sorry Bob, we are on it"), -10*time.Minute)
	toColleague := at(replyTo(toBob, staff2, "the fix for the SSO login ships tomorrow"), -9*time.Minute)
	screenshot := at(withoutText(message(chGeneral, userBob, acme, "")), -8*time.Minute)
	toScreenshot := at(replyTo(screenshot, userStaff, "thanks for the screenshot, Bob"), -7*time.Minute)
	for _, m := range []map[string]any{toBob, toColleague, screenshot, toScreenshot} {
		c.fake.AddMessage(m)
	}
	second := c.start("second", false, nil)
	second.waitReady(t, 1, 5*time.Second)
	second.waitCatchUp(t)
	second.stop(t) // the capture queue is drained into the store
	got := replay(t, c.st)
	for name, m := range map[string]map[string]any{"a reply to a role-mapped customer": toBob,
		"a reply to a colleague's answer": toColleague, "a reply to a customer's message never captured": toScreenshot} {
		if s, ok := got[m["id"].(string)]; !ok || s.Role != feedbackbot.RoleStaff || s.Account != "acme" {
			t.Errorf("%s caught up: stored %v as %s for account %q, want staff for acme", name, ok, s.Role, s.Account)
		}
	}
}

// TestEditKeepsLiveReactionCounts: an edit re-captures the message with the
// reaction counts capture tracked (members' reactions, bots' left out), from the
// version queued in this process or, after a restart, the store's: not with the
// counts MESSAGE_UPDATE lists (Discord's, bots' included), nor with none when it
// lists none.
func TestEditKeepsLiveReactionCounts(t *testing.T) {
	tests := []struct {
		name      string
		reactions []any // what MESSAGE_UPDATE lists (nil: no reactions field)
		restart   bool  // edited in a later process than the reactions were captured in
	}{
		{name: "the update lists Discord's counts", reactions: []any{
			map[string]any{"count": 1, "me": false, "emoji": map[string]any{"name": "✅"}},
			map[string]any{"count": 1, "me": false, "emoji": map[string]any{"name": "👍"}}}},
		{name: "the update lists no reactions"},
		{name: "the update lists no reactions, after a restart", restart: true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c, first, m, _ := reactedMessage(t)
			id := m["id"].(string)
			editor := first
			if tc.restart {
				analyse(t, c.st)
				first.stop(t)
				c.waitNoSession(t)
				editor = c.start("second", false, nil)
				editor.waitReady(t, 1, 5*time.Second)
				editor.waitCatchUp(t)
			}
			edit := maps.Clone(m)
			edit["content"], edit["edited_timestamp"] = "the export fails every night", time.Now().UTC().Format(time.RFC3339Nano)
			if tc.reactions != nil {
				edit["reactions"] = tc.reactions
			}
			c.fake.Dispatch("MESSAGE_UPDATE", edit)
			waitFor(t, "the edit captured", 5*time.Second, func() bool { return replay(t, c.st)[id].Text == edit["content"] })
			editor.stop(t)
			analyse(t, c.st)
			s, err := c.st.Message(t.Context(), "discord/"+guild+"/"+id)
			if err != nil {
				t.Fatal(err)
			}
			if got := s.Message.Reactions; len(got) != 1 || got["👍"] != 1 || s.Message.Text != edit["content"] {
				t.Errorf("after the member's edit the stored message is %q with reactions %v, want the edited text with 👍:1 (the bot's ✅ not counted)",
					s.Message.Text, got)
			}
		})
	}
}

// TestStaffReplyMemberLookupDoesNotHoldGateway: the roles of a replied-to author
// whose message capture did not store are read over REST inside the gateway's
// handler, and with SyncEvents every later event (interactions included, which
// Discord answers within 3 s) waits for it. A lookup Discord answers late, or
// rate-limits for longer than its budget, gives up: the staff reply counts for
// the conversation's last customer and the next event is captured while Discord
// still has not answered. (Capture's own bound is raised to a minute, so that
// only the lookup's budget can free the reader in time.)
func TestStaffReplyMemberLookupDoesNotHoldGateway(t *testing.T) {
	for _, tc := range []struct {
		name string
		slow func(f *fixture, route string) (held func() bool)
	}{
		{name: "Discord holds the answer", slow: func(f *fixture, route string) func() bool {
			f.fake.HoldNext("GET", route)
			return func() bool { return f.fake.Held(route) }
		}},
		{name: "Discord rate-limits the route for 30s", slow: func(f *fixture, route string) func() bool {
			f.fake.RateLimitNext("GET", route, 30*time.Second, false)
			return nil
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f, shot, route := screenshotOfBob(t)
			held := tc.slow(f, route)
			reply := replyTo(shot, userStaff, "thanks for the screenshot, Bob")
			later := message(chGeneral, userAlice, []string{roleMember}, "is the dashboard slow for anyone else?")
			f.fake.Dispatch("MESSAGE_CREATE", reply)
			f.fake.Dispatch("MESSAGE_CREATE", later)
			waitFor(t, "the event after the staff reply captured", 20*time.Second, func() bool {
				_, ok := replay(t, f.st)[later["id"].(string)]
				return ok
			})
			if held != nil && !held() {
				t.Fatal("the member lookup was answered before the later event was captured: the test proves nothing")
			}
			if got, ok := replay(t, f.st)[reply["id"].(string)]; !ok || got.Role != feedbackbot.RoleStaff || got.Account != userAlice {
				t.Errorf("the staff reply is stored (%v) as %s for %q, want staff for the conversation's last customer %q", ok, got.Role, got.Account, userAlice)
			}
		})
	}
}

// screenshotOfBob starts a fixture (capture's timeout a minute, so only the
// member lookup's bound holds the reader) where alice wrote, then bob, an acme
// member, posted a screenshot capture does not store: a staff reply to it looks
// bob up over REST, on route.
func screenshotOfBob(t *testing.T) (f *fixture, shot map[string]any, route string) {
	t.Helper()
	old := captureTimeout
	captureTimeout = time.Minute
	t.Cleanup(func() { captureTimeout = old })
	f = newFixture(t, testConfig(), nil)
	f.fake.AddMember(guild, &discordgo.Member{User: &discordgo.User{ID: userBob}, Roles: []string{roleAcme}})
	f.fake.Dispatch("MESSAGE_CREATE", message(chGeneral, userAlice, []string{roleMember}, "the export fails every night"))
	shot = withoutText(message(chGeneral, userBob, []string{roleAcme}, ""))
	f.fake.Dispatch("MESSAGE_CREATE", shot)
	return f, shot, "/guilds/" + guild + "/members/" + userBob
}

// TestRepliedAuthorLookedUpOnce: the replied-to author's member, read over REST,
// is remembered for a while (someone who is no member too): staff replies to one
// author's uncaptured messages cost one lookup, not one each on the gateway's reader.
func TestRepliedAuthorLookedUpOnce(t *testing.T) {
	const leaver = "200000000000000055" // no longer a member of the server
	f := newFixture(t, testConfig(), nil)
	f.fake.AddMember(guild, &discordgo.Member{User: &discordgo.User{ID: userBob}, Roles: []string{roleAcme}})
	want := map[string]string{}
	for _, tc := range []struct{ author, account string }{{userBob, "acme"}, {leaver, leaver}} {
		shot := withoutText(message(chGeneral, tc.author, []string{roleMember}, ""))
		f.fake.Dispatch("MESSAGE_CREATE", shot)
		for _, text := range []string{"thanks for the screenshot", "and we fixed the export"} {
			r := replyTo(shot, userStaff, text)
			want[r["id"].(string)] = tc.account
			f.fake.Dispatch("MESSAGE_CREATE", r)
		}
	}
	f.eventually("the replies captured", func() bool {
		got := replay(t, f.st)
		for id := range want {
			if _, ok := got[id]; !ok {
				return false
			}
		}
		return true
	})
	got := replay(t, f.st)
	for id, acct := range want {
		if got[id].Account != acct {
			t.Errorf("reply %s counts for %q, want %q", id, got[id].Account, acct)
		}
	}
	for _, user := range []string{userBob, leaver} {
		if n := len(f.fake.Requests("/guilds/" + guild + "/members/" + user)); n != 1 {
			t.Errorf("member %s was fetched %d times for two replies to one message, want once", user, n)
		}
	}
}

// TestStaffEditOfCapturedReplyLooksNothingUp: an edit of a staff reply already
// captured keeps the account it counted for (keepCaptured), so the replied-to
// author is not looked up again on the gateway's reader, here after the first
// lookup failed (a failure is not remembered).
func TestStaffEditOfCapturedReplyLooksNothingUp(t *testing.T) {
	f := newFixture(t, testConfig(), nil)
	f.fake.AddMember(guild, &discordgo.Member{User: &discordgo.User{ID: userBob}, Roles: []string{roleAcme}})
	f.fake.Dispatch("MESSAGE_CREATE", message(chGeneral, userAlice, []string{roleMember}, "the export fails every night"))
	shot := withoutText(message(chGeneral, userBob, []string{roleAcme}, ""))
	f.fake.Dispatch("MESSAGE_CREATE", shot)
	route := "/guilds/" + guild + "/members/" + userBob
	f.fake.FailNext("GET", route, 500, 1)
	reply := replyTo(shot, userStaff, "thanks for the screenshot, Bob")
	f.fake.Dispatch("MESSAGE_CREATE", reply)
	id := reply["id"].(string)
	f.eventually("the reply captured", func() bool { _, ok := replay(t, f.st)[id]; return ok })
	edit := maps.Clone(reply)
	edit["content"], edit["edited_timestamp"] = "thanks for the screenshot, Bob: fixed", time.Now().UTC().Format(time.RFC3339Nano)
	f.fake.Dispatch("MESSAGE_UPDATE", edit)
	f.eventually("the edit captured", func() bool { return replay(t, f.st)[id].Text == edit["content"] })
	if got := replay(t, f.st)[id]; got.Account != userAlice {
		t.Errorf("the edited reply counts for %q, want %q as captured", got.Account, userAlice)
	}
	if n := len(f.fake.Requests(route)); n != 1 {
		t.Errorf("Bob's member was fetched %d times for a reply and its edit, want once (the reply's)", n)
	}
}

// TestChangesAfterRestartBeforeAnalysis: after a restart, a message whose
// reactions capture logged but analysis has not applied yet (a backlog: the
// store's analysed copy does not know the message) is found in the log. An edit
// keeps the members' counts (not Discord's, bots' included, nor none), and a
// reaction is counted on them (not dropped).
func TestChangesAfterRestartBeforeAnalysis(t *testing.T) {
	for _, tc := range []struct {
		name string
		// change dispatches what happens after the restart to message m.
		change func(c *cluster, m map[string]any, react func(user, emoji string, bot bool))
		// done says the change is in the log.
		done func(m feedbackbot.Message) bool
		want map[string]int
	}{
		{name: "an edit listing Discord's counts", want: map[string]int{"👍": 1},
			change: func(c *cluster, m map[string]any, _ func(string, string, bool)) {
				edit := maps.Clone(m)
				edit["content"], edit["edited_timestamp"] = "the export fails every night", time.Now().UTC().Format(time.RFC3339Nano)
				edit["reactions"] = []any{
					map[string]any{"count": 1, "me": false, "emoji": map[string]any{"name": "✅"}},
					map[string]any{"count": 1, "me": false, "emoji": map[string]any{"name": "👍"}}}
				c.fake.Dispatch("MESSAGE_UPDATE", edit)
			},
			done: func(m feedbackbot.Message) bool { return m.Text == "the export fails every night" }},
		{name: "an edit listing no reactions", want: map[string]int{"👍": 1},
			change: func(c *cluster, m map[string]any, _ func(string, string, bool)) {
				edit := maps.Clone(m)
				edit["content"], edit["edited_timestamp"] = "the export fails every night", time.Now().UTC().Format(time.RFC3339Nano)
				c.fake.Dispatch("MESSAGE_UPDATE", edit)
			},
			done: func(m feedbackbot.Message) bool { return m.Text == "the export fails every night" }},
		{name: "a member's reaction", want: map[string]int{"👍": 1, "🎉": 1},
			change: func(_ *cluster, _ map[string]any, react func(string, string, bool)) { react(userAlice, "🎉", false) },
			done:   func(m feedbackbot.Message) bool { return m.Reactions["🎉"] == 1 }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c, first, m, react := reactedMessage(t)
			id := m["id"].(string)
			first.stop(t) // not analysed: a backlog at the restart
			c.waitNoSession(t)
			if _, err := c.st.Message(t.Context(), "discord/"+guild+"/"+id); !feedbackbot.IsNotFound(err) {
				t.Fatalf("the store's analysed copy knows the message already (err %v): the test proves nothing", err)
			}
			second := c.start("second", false, nil)
			second.waitReady(t, 1, 5*time.Second)
			tc.change(c, m, react)
			waitFor(t, "the change captured", 5*time.Second, func() bool { return tc.done(replay(t, c.st)[id]) })
			second.stop(t)
			analyse(t, c.st)
			s, err := c.st.Message(t.Context(), "discord/"+guild+"/"+id)
			if err != nil {
				t.Fatal(err)
			}
			if got := s.Message.Reactions; !maps.Equal(got, tc.want) {
				t.Errorf("stored reactions %v, want %v (the bot's ✅ left out, the members' counts kept)", got, tc.want)
			}
		})
	}
}

// autoBot is a bot that reacts to every message (its reactions are not counted).
const autoBot = "200000000000000999"

// reactedMessage starts a replica on a new cluster and captures a member's
// message of an hour ago with an auto-react bot's ✅ (not counted) and a
// member's 👍 on it; react adds a reaction to it.
func reactedMessage(t *testing.T) (c *cluster, first *replica, m map[string]any, react func(user, emoji string, bot bool)) {
	t.Helper()
	c = newCluster(t)
	first = c.start("first", false, nil)
	first.waitReady(t, 1, 5*time.Second)
	m = message(chGeneral, userAlice, []string{roleMember}, "the export fails")
	m["timestamp"] = time.Now().UTC().Add(-time.Hour).Format(time.RFC3339Nano)
	c.fake.Dispatch("MESSAGE_CREATE", m)
	react = func(user, emoji string, bot bool) {
		c.fake.Dispatch("MESSAGE_REACTION_ADD", map[string]any{"user_id": user, "message_id": m["id"], "channel_id": chGeneral, "guild_id": guild,
			"emoji": map[string]any{"name": emoji}, "member": map[string]any{"user": map[string]any{"id": user, "bot": bot}, "roles": []string{}}})
	}
	react(autoBot, "✅", true)
	react(userBob, "👍", false)
	id := m["id"].(string)
	waitFor(t, "the reaction captured", 5*time.Second, func() bool { return replay(t, c.st)[id].Reactions["👍"] == 1 })
	return c, first, m, react
}
