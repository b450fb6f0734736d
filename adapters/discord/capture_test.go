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
	const autoBot = "200000000000000999"
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
			c := newCluster(t)
			first := c.start("first", false, nil)
			first.waitReady(t, 1, 5*time.Second)
			m := message(chGeneral, userAlice, []string{roleMember}, "the export fails")
			m["timestamp"] = time.Now().UTC().Add(-time.Hour).Format(time.RFC3339Nano)
			c.fake.Dispatch("MESSAGE_CREATE", m)
			react := func(user, emoji string, bot bool) {
				c.fake.Dispatch("MESSAGE_REACTION_ADD", map[string]any{"user_id": user, "message_id": m["id"], "channel_id": chGeneral, "guild_id": guild,
					"emoji": map[string]any{"name": emoji}, "member": map[string]any{"user": map[string]any{"id": user, "bot": bot}, "roles": []string{}}})
			}
			react(autoBot, "✅", true)
			react(userBob, "👍", false)
			id := m["id"].(string)
			waitFor(t, "the reaction captured", 5*time.Second, func() bool { return replay(t, c.st)[id].Reactions["👍"] == 1 })
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
