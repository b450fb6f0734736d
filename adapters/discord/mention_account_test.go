package discordadapter

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/bwmarrin/discordgo"

	"github.com/feedbackbot/feedbackbot"
)

// TestStaffMessageCountsForTheMemberItMentions: in a community channel, a staff
// message that mentions members of one account ("@bob the export is fixed")
// counts for that account, not for whichever member wrote last (it did, and bob's
// question stayed unanswered in his account's health). A member seen writing is
// known by the roles their message carried; one not seen is read over REST;
// mentions of two accounts' members, or of staff alone, leave the conversation's
// last customer; a reply counts for the message it replies to, whatever it
// mentions.
func TestStaffMessageCountsForTheMemberItMentions(t *testing.T) {
	const carol = "200000000000000077" // an acme member who has not written
	f := newFixture(t, testConfig(), nil)
	f.fake.AddMember(guild, &discordgo.Member{User: &discordgo.User{ID: carol}, Roles: []string{roleAcme}})
	bob := message(chGeneral, userBob, []string{roleAcme}, "our SSO login broke this morning")
	f.fake.Dispatch("MESSAGE_CREATE", bob)
	f.fake.Dispatch("MESSAGE_CREATE", message(chGeneral, userAlice, []string{roleMember}, "is the export slow for anyone else?"))
	mentioning := func(text string, users ...string) map[string]any {
		m := message(chGeneral, staff2, []string{roleStaff}, text)
		var mentions []map[string]any
		for _, u := range users {
			mentions = append(mentions, map[string]any{"id": u, "username": "user" + u[len(u)-2:]})
		}
		m["mentions"] = mentions
		return m
	}
	reply := replyTo(bob, staff2, "<@"+userAlice+"> had the same, fixed for both")
	reply["mentions"] = []map[string]any{{"id": userAlice, "username": "alice"}}
	for _, c := range []struct {
		msg       map[string]any
		want, why string
	}{
		{mentioning("<@"+userBob+"> SSO is fixed, sorry", userBob), "acme", "mentions bob, seen writing"},
		{mentioning("<@"+carol+"> your invoice is sorted", carol), "acme", "mentions carol, read over REST"},
		{mentioning("<@"+userBob+"> <@"+userAlice+"> both fixed", userBob, userAlice), userAlice, "mentions two accounts' members"},
		{mentioning("<@"+userStaff+"> can you look at the export?", userStaff), userAlice, "mentions a colleague alone"},
		{reply, "acme", "replies to bob"},
	} {
		f.fake.Dispatch("MESSAGE_CREATE", c.msg)
		id := c.msg["id"].(string)
		f.eventually("the staff message captured", func() bool { _, ok := replay(t, f.st)[id]; return ok })
		if got := replay(t, f.st)[id]; got.Role != feedbackbot.RoleStaff || got.Account != c.want {
			t.Errorf("staff message that %s: stored as %s for %q, want staff for %q", c.why, got.Role, got.Account, c.want)
		}
	}
}

// TestImportStaffMessageCountsForTheMemberItMentions: an imported export files a
// staff message that mentions members of one account under that account, as live
// capture does (by the roles the export gives the mentioned member); mentions of
// two accounts' members, or of staff alone, leave the last customer's.
func TestImportStaffMessageCountsForTheMemberItMentions(t *testing.T) {
	user := func(id, role string) string { return fmt.Sprintf(`{"id":%q,"name":"u","roles":[{"id":%q}]}`, id, role) }
	msg := func(id, author, role, text string, mentioned ...string) string {
		return fmt.Sprintf(`{"id":%q,"type":"Default","timestamp":"2026-11-20T10:00:00+00:00","content":%q,"author":%s,"mentions":[%s]}`,
			id, text, user(author, role), strings.Join(mentioned, ","))
	}
	const carol = "200000000000000077"
	want := map[string]string{}
	staffMsg := func(id, account, text string, mentioned ...string) string {
		want[id] = account
		return msg(id, userStaff, roleStaff, text, mentioned...)
	}
	msgs := []string{
		msg("1250000000000000801", userBob, roleAcme, "our SSO login broke"),
		msg("1250000000000000802", userAlice, roleMember, "is the export slow?"),
		staffMsg("1250000000000000803", "acme", "<@"+userBob+"> SSO is fixed", user(userBob, roleAcme)),
		staffMsg("1250000000000000804", "acme", "<@"+carol+"> invoice sorted", user(carol, roleAcme)),
		staffMsg("1250000000000000805", userAlice, "both fixed", user(userBob, roleAcme), user(userAlice, roleMember)),
		staffMsg("1250000000000000806", userAlice, "<@"+staff2+"> can you look?", user(staff2, roleStaff)),
	}
	dir := t.TempDir()
	body := fmt.Sprintf(`{"guild":{"id":%q},"channel":{"id":%q,"type":"GuildTextChat","name":"general"},"messages":[%s]}`, guild, chGeneral, strings.Join(msgs, ","))
	if err := os.WriteFile(filepath.Join(dir, "general.json"), []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}
	st := openBolt(t)
	if _, err := ImportExport(t.Context(), dir, importOpts(), st); err != nil {
		t.Fatal(err)
	}
	got := replay(t, st)
	for id, acct := range want {
		if m := got[id]; m.Role != feedbackbot.RoleStaff || m.Account != acct {
			t.Errorf("staff message %s (%q) imported as %s for %q, want staff for %q", id, m.Text, m.Role, m.Account, acct)
		}
	}
}

// TestCatchUpKeepsTheNicknameOfAnAuthorSeenLive: a member's live message puts
// their roles in the members' cache for mentions; catch-up after a fresh session
// names authors by the cached member, which had no nickname, so a missed message
// was stored under their user name ("User 01" beside "Alice (Globex)").
func TestCatchUpKeepsTheNicknameOfAnAuthorSeenLive(t *testing.T) {
	const nick = "Alice (Globex)"
	f := newFixture(t, testConfig(), nil)
	f.fake.AddMember(guild, &discordgo.Member{User: &discordgo.User{ID: userAlice, Username: "user01", GlobalName: "User 01"},
		Nick: nick, Roles: []string{roleMember}})
	live := message(chGeneral, userAlice, []string{roleMember}, "the export is slow again")
	live["member"] = map[string]any{"roles": []string{roleMember}, "nick": nick}
	live["timestamp"] = time.Now().UTC().Add(-time.Hour).Format(time.RFC3339Nano)
	f.fake.Dispatch("MESSAGE_CREATE", live)
	f.eventually("live capture", func() bool { _, ok := replay(t, f.st)[live["id"].(string)]; return ok })
	analyse(t, f.st) // (catch-up starts after the newest stored message)
	missed := message(chGeneral, userAlice, []string{roleMember}, "any news on the export?")
	missed["member"] = map[string]any{"roles": []string{roleMember}, "nick": nick}
	missed["timestamp"] = time.Now().UTC().Format(time.RFC3339Nano)
	f.fake.AddMessage(missed) // written while no session is up: REST serves it
	// The session ends (closed with 1000, which Discord does not resume): the
	// adapter reconnects with a fresh session, and catches up over REST.
	if err := f.a.Session().Close(); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "catch-up of the missed message", 20*time.Second, func() bool { _, ok := replay(t, f.st)[missed["id"].(string)]; return ok })
	got := replay(t, f.st)
	for _, id := range []string{live["id"].(string), missed["id"].(string)} {
		if m := got[id]; m.AuthorName != nick || m.AccountName != nick {
			t.Errorf("message %s (%q): author name %q, account name %q; want %q for both", id, m.Text, m.AuthorName, m.AccountName, nick)
		}
	}
}

// TestPingingStaffReplyHoldsTheGatewayOnce: a staff reply pings its author (as
// Discord's replies do by default); with Discord slow to answer, the author was
// looked up as the one replied to and again as the one mentioned, each within its
// own second, and the gateway's reader waited two. The lookups share one bound.
func TestPingingStaffReplyHoldsTheGatewayOnce(t *testing.T) {
	f, shot, route := screenshotOfBob(t)
	f.fake.HoldNext("GET", route) // Discord is slow to answer (every lookup of bob)
	f.fake.HoldNext("GET", route)
	reply := replyTo(shot, userStaff, "thanks for the screenshot, Bob")
	reply["mentions"] = []map[string]any{{"id": userBob, "username": "user02"}}
	later := message(chGeneral, userAlice, []string{roleMember}, "is the dashboard slow for anyone else?")
	start := time.Now()
	f.fake.Dispatch("MESSAGE_CREATE", reply)
	f.fake.Dispatch("MESSAGE_CREATE", later)
	waitFor(t, "the event after the staff reply captured", 20*time.Second, func() bool {
		_, ok := replay(t, f.st)[later["id"].(string)]
		return ok
	})
	held := time.Since(start)
	if n := len(f.fake.Requests(route)); n > 1 || held > memberLookupBudget+600*time.Millisecond {
		t.Errorf("one pinging staff reply looked its author up %d times and held the gateway's reader %s; want one lookup, within about %s",
			n, held.Round(time.Millisecond), memberLookupBudget)
	}
}
