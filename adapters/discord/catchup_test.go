package discordadapter

import (
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/bwmarrin/discordgo"

	"github.com/feedbackbot/feedbackbot"
	"github.com/feedbackbot/feedbackbot/analysis"
	"github.com/feedbackbot/feedbackbot/bot"
	"github.com/feedbackbot/feedbackbot/store"
)

// TestCatchUpKeepsLiveEdits: catch-up's REST copy of a message never undoes a newer
// version captured live (the store skips only an equal revision, so an older copy
// appended after an edit would become the latest):
//   - edited live while catch-up's page is in flight: the page (served before the
//     edit) still has the old text; the copy is not taken, and catch-up stops at the
//     first message the new session captured live;
//   - edited live before the session ended and analysed: the store holds the edit,
//     and a REST copy without it is skipped.
func TestCatchUpKeepsLiveEdits(t *testing.T) {
	member := []string{roleMember}
	at := func(d time.Duration) string { return time.Now().UTC().Add(d).Format(time.RFC3339Nano) }
	edit := func(m map[string]any, text string) []byte {
		e := maps.Clone(m)
		e["content"], e["edited_timestamp"] = text, at(time.Minute)
		raw, err := json.Marshal(e)
		if err != nil {
			t.Fatal(err)
		}
		return raw
	}
	// begin captures a message an hour old and analyses it: catch-up starts after it.
	begin := func(t *testing.T) (*cluster, *replica) {
		c := newCluster(t)
		a := c.start("first", false, nil)
		a.waitReady(t, 1, 5*time.Second)
		old := message(chGeneral, userAlice, member, "the export has been slow all week")
		old["timestamp"] = at(-time.Hour)
		c.fake.Dispatch("MESSAGE_CREATE", old)
		waitFor(t, "live capture", 5*time.Second, func() bool { return len(replay(t, c.st)) == 1 })
		return c, a
	}
	const v1, v2 = "export fails with a 500", "export fails with a 500 on files over 2 GB"

	t.Run("edited live while the page is in flight", func(t *testing.T) {
		c, a := begin(t)
		analyse(t, c.st)
		a.stop(t)
		missed := message(chGeneral, userAlice, member, v1) // written while no session is up
		missed["timestamp"] = at(0)
		c.fake.AddMessage(missed)
		id := missed["id"].(string)
		page := "/channels/" + chGeneral + "/messages"
		release := c.fake.HoldNext("GET", page)
		b := c.start("second", false, nil)
		b.waitReady(t, 1, 5*time.Second)
		waitFor(t, "catch-up's page request", 5*time.Second, func() bool { return c.fake.Held(page) })
		// While the page is in flight the member edits the missed message (the page
		// does not have the edit) and writes again (the page has that one).
		c.fake.DispatchRaw("MESSAGE_UPDATE", edit(missed, v2))
		next := message(chGeneral, userAlice, member, "any news on this?")
		next["timestamp"] = at(time.Second)
		c.fake.Dispatch("MESSAGE_CREATE", next)
		waitFor(t, "the edit and the new message captured live", 5*time.Second, func() bool {
			got := replay(t, c.st)
			_, ok := got[next["id"].(string)]
			return got[id].Text == v2 && ok
		})
		release()
		b.waitCatchUp(t)
		time.Sleep(100 * time.Millisecond) // let anything queued land
		if got := replay(t, c.st)[id]; got.Text != v2 {
			t.Errorf("the catch-up's REST copy undid the live edit: the latest version is %q, want %q", got.Text, v2)
		}
		counts := logCounts(t, c.st)
		if counts[id] != 1 || counts[next["id"].(string)] != 1 {
			t.Errorf("log entries: edited message %d, next message %d; want 1 and 1 (the live ones)", counts[id], counts[next["id"].(string)])
		}
		if l := b.logs.String(); !strings.Contains(l, "messages=0 skipped=1") {
			t.Errorf("catch-up should skip the message edited live and stop at the one captured live:\n%s", l)
		}
	})

	t.Run("edited live before the session ended, and analysed", func(t *testing.T) {
		c, a := begin(t)
		m := message(chGeneral, userAlice, member, v1)
		m["timestamp"] = at(0)
		c.fake.Dispatch("MESSAGE_CREATE", m)
		// The edit reaches the gateway; REST goes on serving the first text, as a
		// page served just before the edit would.
		c.fake.DispatchRaw("MESSAGE_UPDATE", edit(m, v2))
		id := m["id"].(string)
		waitFor(t, "the edit captured live", 5*time.Second, func() bool { return replay(t, c.st)[id].Text == v2 })
		analyse(t, c.st)
		a.stop(t)
		// The edited message is too recent to start from (it may be the new
		// session's), so catch-up starts before it and fetches it again.
		b := c.start("second", false, nil)
		b.waitReady(t, 1, 5*time.Second)
		b.waitCatchUp(t)
		time.Sleep(100 * time.Millisecond)
		if got := replay(t, c.st)[id]; got.Text != v2 {
			t.Errorf("the catch-up's REST copy undid the edit: the latest version is %q, want %q", got.Text, v2)
		}
		if n := logCounts(t, c.st)[id]; n != 2 {
			t.Errorf("the edited message is in the log %d times, want 2 (created, edited)", n)
		}
		if l := b.logs.String(); !strings.Contains(l, "messages=0 skipped=1") {
			t.Errorf("catch-up should skip the message the store holds edited:\n%s", l)
		}
		if reqs := c.fake.Requests("/channels/" + chGeneral + "/messages"); len(reqs) == 0 {
			t.Error("catch-up did not fetch #general")
		}
	})
}

// analyse applies everything captured so far.
func analyse(t *testing.T, st store.Store) {
	t.Helper()
	an, err := analysis.New(analysis.DefaultTaxonomy())
	if err != nil {
		t.Fatal(err)
	}
	if _, err := (&bot.Worker{Store: st, Analyzer: an, Consumer: "t"}).Drain(context.Background()); err != nil {
		t.Fatal(err)
	}
}

// logCounts counts the capture log's entries per message id.
func logCounts(t *testing.T, st store.Store) map[string]int {
	t.Helper()
	out := map[string]int{}
	if err := st.Replay(context.Background(), guild, func(e store.Entry) error { out[e.Event.Message.ID]++; return nil }); err != nil {
		t.Fatal(err)
	}
	return out
}

// TestCatchUpTakesOfflineEditsAndDeletions: what members did to stored messages
// while no session was up reaches the store when the next session catches up: an
// edit (a later edit time) is captured as an edit, a message deleted or edited down
// to no text is deleted (the first only after Discord says 404 Unknown Message for
// it), and the rest, including a forum post's message that #general's pages do
// not list, is left as stored.
func TestCatchUpTakesOfflineEditsAndDeletions(t *testing.T) {
	member := []string{roleMember}
	c := newCluster(t)
	a := c.start("first", false, nil)
	a.waitReady(t, 1, 5*time.Second)
	live := map[string]map[string]any{
		"edited":  message(chGeneral, userAlice, member, "the export fails"),
		"deleted": message(chGeneral, userAlice, member, "please ignore this one"),
		"staff":   message(chGeneral, userStaff, []string{roleStaff}, "looking into it"),
		"emptied": message(chGeneral, userAlice, member, "my token is abc123, does that help?"),
		"kept":    message(chGeneral, userAlice, member, "thanks for the quick answer"),
		"forum":   message(thPost, userAlice, member, "still failing with a 500"),
	}
	for _, name := range []string{"edited", "deleted", "staff", "emptied", "kept", "forum"} {
		c.fake.Dispatch("MESSAGE_CREATE", live[name])
	}
	waitFor(t, "live capture", 5*time.Second, func() bool { return len(replay(t, c.st)) == len(live) })
	analyse(t, c.st)
	a.stop(t)
	c.waitNoSession(t)

	id := func(name string) string { return live[name]["id"].(string) }
	editedAt := time.Now().UTC().Format(time.RFC3339Nano)
	change := func(name, text string) {
		m := maps.Clone(live[name])
		m["content"], m["edited_timestamp"] = text, editedAt
		c.fake.Offline("MESSAGE_UPDATE", m)
	}
	change("edited", "the export fails on files over 2 GB")
	change("emptied", "")
	c.fake.Offline("MESSAGE_DELETE", map[string]any{"id": id("deleted"), "channel_id": chGeneral, "guild_id": guild})
	fresh := message(chGeneral, userAlice, member, "any news?")
	c.fake.AddMessage(fresh)

	b := c.start("second", false, nil)
	b.waitReady(t, 1, 5*time.Second)
	b.waitCatchUp(t)
	time.Sleep(100 * time.Millisecond) // let anything queued land
	analyse(t, c.st)

	stored := func(id string) (feedbackbot.Message, bool) {
		t.Helper()
		s, err := c.st.Message(t.Context(), "discord/"+guild+"/"+id)
		if feedbackbot.IsNotFound(err) {
			return feedbackbot.Message{}, false
		}
		if err != nil {
			t.Fatal(err)
		}
		return s.Message, true
	}
	if m, ok := stored(id("edited")); !ok || m.Text != "the export fails on files over 2 GB" {
		t.Errorf("the offline edit: stored %q (%v)", m.Text, ok)
	}
	for _, name := range []string{"deleted", "emptied"} {
		if m, ok := stored(id(name)); ok {
			t.Errorf("the message %s offline is still stored: %q", name, m.Text)
		}
	}
	for _, name := range []string{"staff", "kept", "forum"} {
		if _, ok := stored(id(name)); !ok {
			t.Errorf("the %s message was deleted", name)
		}
	}
	if _, ok := stored(fresh["id"].(string)); !ok {
		t.Error("the message written offline was not captured")
	}
	counts := logCounts(t, c.st)
	for name, want := range map[string]int{"edited": 2, "deleted": 2, "emptied": 2, "staff": 1, "kept": 1, "forum": 1} {
		if counts[id(name)] != want {
			t.Errorf("the %s message is in the log %d times, want %d", name, counts[id(name)], want)
		}
	}
	if l := b.logs.String(); !strings.Contains(l, "messages=1 skipped=0 edits=1 deletions=2") {
		t.Errorf("catch-up should capture one message, one edit and two deletions:\n%s", l)
	}
	// Only the message REST stopped listing was asked for by itself.
	if n := len(c.fake.Requests("/channels/" + chGeneral + "/messages/" + id("deleted"))); n != 1 {
		t.Errorf("the deleted message was asked for %d times, want once", n)
	}
	if n := len(c.fake.Requests("/channels/" + chGeneral + "/messages/" + id("forum"))); n != 0 {
		t.Errorf("the forum post's message was asked for in #general %d times", n)
	}
}

// TestCatchUpLookBackIsBounded: a channel where messages capture does not store
// (a bot's feed) fill the pages between the stored ones: the look-back stops after
// its own two pages, leaves the stored messages it did not reach as they are (never
// deleted for not being listed), and new messages are still caught up, a staff
// reply counting for the customer who wrote last (whose message the look-back
// skipped; it counted for the one before, a review found).
func TestCatchUpLookBackIsBounded(t *testing.T) {
	member := []string{roleMember}
	c := newCluster(t)
	a := c.start("first", false, nil)
	a.waitReady(t, 1, 5*time.Second)
	old := message(chGeneral, userAlice, member, "the export fails")
	c.fake.Dispatch("MESSAGE_CREATE", old)
	for i := range 450 {
		feed := message(chGeneral, "900000000000000077", nil, fmt.Sprintf("build %d passed", i))
		feed["author"].(map[string]any)["bot"] = true
		c.fake.AddMessage(feed)
	}
	recent := message(chGeneral, userBob, []string{roleAcme, roleMember}, "any news on the export?")
	c.fake.Dispatch("MESSAGE_CREATE", recent)
	waitFor(t, "live capture", 5*time.Second, func() bool { return len(replay(t, c.st)) == 2 })
	analyse(t, c.st)
	a.stop(t)
	c.waitNoSession(t)
	edit := maps.Clone(old)
	edit["content"], edit["edited_timestamp"] = "the export fails on files over 2 GB", time.Now().UTC().Format(time.RFC3339Nano)
	c.fake.Offline("MESSAGE_UPDATE", edit)
	reply := message(chGeneral, userStaff, []string{roleStaff}, "we are on it")
	c.fake.AddMessage(reply)
	fresh := message(chGeneral, userAlice, member, "hello?")
	c.fake.AddMessage(fresh)

	b := c.start("second", false, nil)
	b.waitReady(t, 1, 5*time.Second)
	b.waitCatchUp(t)
	time.Sleep(100 * time.Millisecond)
	got := replay(t, c.st)
	if got[old["id"].(string)].Text != "the export fails on files over 2 GB" {
		t.Errorf("the edit within the look-back was not taken: %q", got[old["id"].(string)].Text)
	}
	if _, ok := got[fresh["id"].(string)]; !ok {
		t.Error("the new message was not caught up")
	}
	if acct, want := got[reply["id"].(string)].Account, got[recent["id"].(string)].Account; acct != want || want == got[old["id"].(string)].Account {
		t.Errorf("the staff reply counts for %q, want the last customer's %q", acct, want)
	}
	if n := logCounts(t, c.st)[recent["id"].(string)]; n != 1 {
		t.Errorf("the stored message the look-back did not reach is in the log %d times, want 1 (untouched)", n)
	}
	if l := b.logs.String(); !strings.Contains(l, "messages=2 skipped=0 edits=1 deletions=0") {
		t.Errorf("catch-up should capture two messages and one edit, and delete nothing:\n%s", l)
	}
	if n := len(c.fake.Requests("/channels/" + chGeneral + "/messages")); n != 3 {
		t.Errorf("%d pages fetched, want 3 (two of look-back, one of new messages)", n)
	}
}

// TestStaffAnswerAfterRestart: a staff answer in a conversation whose customer
// wrote before the restart counts for that customer's account (from the store),
// not for none: an answer without an account left the question looking
// unanswered. An answer written while no session was up, which catch-up fetches
// after looking back at the question, counts for the account the question was
// stored with, even when its author's roles say otherwise now (Bob has left the
// guild, and with it the role that made him acme's): it counted for Bob himself.
func TestStaffAnswerAfterRestart(t *testing.T) {
	c := newCluster(t)
	a := c.start("first", false, nil)
	a.waitReady(t, 1, 5*time.Second)
	question := message(chGeneral, userBob, []string{roleAcme, roleMember}, "how do I export to CSV?")
	c.fake.Dispatch("MESSAGE_CREATE", question)
	waitFor(t, "live capture", 5*time.Second, func() bool { return len(replay(t, c.st)) == 1 })
	analyse(t, c.st)
	a.stop(t)
	c.waitNoSession(t)
	offline := message(chGeneral, userStaff, []string{roleStaff}, "looking into it")
	c.fake.AddMessage(offline)
	b := c.start("second", false, nil)
	b.waitReady(t, 1, 5*time.Second)
	b.waitCatchUp(t) // (so that only the gateway delivers the answer)
	waitFor(t, "the offline answer caught up", 5*time.Second, func() bool { _, ok := replay(t, c.st)[offline["id"].(string)]; return ok })
	if acct := replay(t, c.st)[offline["id"].(string)].Account; acct != "acme" {
		t.Errorf("the staff answer written offline counts for %q, want acme", acct)
	}
	answer := message(chGeneral, userStaff, []string{roleStaff}, "Settings, then Export")
	c.fake.Dispatch("MESSAGE_CREATE", answer)
	waitFor(t, "the answer captured", 5*time.Second, func() bool { _, ok := replay(t, c.st)[answer["id"].(string)]; return ok })
	got := replay(t, c.st)
	if acct, want := got[answer["id"].(string)].Account, got[question["id"].(string)].Account; acct != want || want == "" {
		t.Errorf("the staff answer after the restart counts for %q, want the customer's %q", acct, want)
	}
}

// TestCatchUpThreadStartsBeforeEarlierChannelsCatchUp: every channel and thread of
// a guild starts its catch-up from what was stored before the guild's catch-up
// began. What an earlier channel's catch-up captures (messages written while no
// session was up), once analysis has stored it, must not move a later thread's
// start past the thread's own missed messages: a thread's start is its parent's
// newest stored message, and a sibling thread's or the parent's missed messages
// are stored under the parent too. #acme's page, between the two in catch-up
// order, is held until analysis has run, as the workers do alongside catch-up.
func TestCatchUpThreadStartsBeforeEarlierChannelsCatchUp(t *testing.T) {
	sibling := &discordgo.Channel{ID: "400000000000000101", Name: "SSO question", Type: discordgo.ChannelTypeGuildPublicThread, ParentID: chForum}
	post := &discordgo.Channel{ID: thPost, Name: "Export fails with 500", Type: discordgo.ChannelTypeGuildPublicThread, ParentID: chForum}
	newPost := &discordgo.Channel{ID: "400000000000000102", Name: "Billing is wrong", Type: discordgo.ChannelTypeGuildPublicThread, ParentID: chForum}
	general := &discordgo.Channel{ID: chGeneral, Name: "general", Type: discordgo.ChannelTypeGuildText}
	generalThread := &discordgo.Channel{ID: "400000000000000103", Name: "export help", Type: discordgo.ChannelTypeGuildPublicThread, ParentID: chGeneral}
	tests := []struct {
		name            string
		earlier, target *discordgo.Channel // caught up in this order, #acme between them
		storedEarlier   int                // messages stored in earlier before the bot went down
		storedTarget    int                // and in target
		createdDown     bool               // target was created while the bot was down
	}{
		{name: "a quiet forum post after a sibling post", earlier: sibling, target: post, storedEarlier: 1},
		// The parent's 50 newest stored messages are all the sibling's: the post's own
		// older one does not lower its start.
		{name: "a forum post after a busy sibling post", earlier: sibling, target: post, storedEarlier: catchUpLookBack + 5, storedTarget: 1},
		{name: "a forum post created while down, after a sibling post", earlier: sibling, target: newPost, storedEarlier: 1, createdDown: true},
		{name: "a thread after its parent channel", earlier: general, target: generalThread, storedEarlier: 1},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c := newCluster(t)
			g, chans := fakeGuild()
			var list []*discordgo.Channel // the guild's other channels, earlier, #acme, target
			for _, ch := range chans {
				if ch.ID != chAcme && ch.ID != thPost && ch.ID != tc.earlier.ID {
					list = append(list, ch)
				}
			}
			list = append(list, tc.earlier, &discordgo.Channel{ID: chAcme, Name: "acme-shared", Type: discordgo.ChannelTypeGuildText})
			if !tc.createdDown {
				list = append(list, tc.target)
			}
			c.fake.AddGuild(g, list...)

			now := time.Now().UTC()
			msg := func(ch, text string, d time.Duration) map[string]any {
				m := message(ch, userAlice, []string{roleMember}, text)
				m["timestamp"] = now.Add(d).Format(time.RFC3339Nano)
				return m
			}
			first := c.start("first", false, nil)
			first.waitReady(t, 1, 5*time.Second)
			n := 0
			for i := range tc.storedTarget {
				c.fake.Dispatch("MESSAGE_CREATE", msg(tc.target.ID, fmt.Sprintf("the export fails, attempt %d", i), -3*time.Hour+time.Duration(i)*time.Second))
				n++
			}
			for i := range tc.storedEarlier {
				c.fake.Dispatch("MESSAGE_CREATE", msg(tc.earlier.ID, fmt.Sprintf("sso question number %d", i), -2*time.Hour+time.Duration(i)*time.Second))
				n++
			}
			c.fake.Dispatch("MESSAGE_CREATE", msg(chAcme, "acme says hi", -90*time.Minute))
			n++
			waitFor(t, "live capture", 10*time.Second, func() bool { return len(replay(t, c.st)) == n })
			analyse(t, c.st)
			first.stop(t)
			c.waitNoSession(t)

			// Written while no session is up: first in the target, then in earlier.
			if tc.createdDown {
				c.fake.AddGuild(g, append(list, tc.target)...)
			}
			lost := msg(tc.target.ID, "we were charged twice this month, please help", -3*time.Minute)
			c.fake.AddMessage(lost)
			later := msg(tc.earlier.ID, "any update on SSO?", -2*time.Minute)
			c.fake.AddMessage(later)

			acmePage := "/channels/" + chAcme + "/messages"
			release := c.fake.HoldNext("GET", acmePage)
			second := c.start("second", false, nil)
			second.waitReady(t, 1, 5*time.Second)
			waitFor(t, "#acme's page held", 10*time.Second, func() bool { return c.fake.Held(acmePage) })
			waitFor(t, "earlier's missed message captured", 10*time.Second, func() bool { _, ok := replay(t, c.st)[later["id"].(string)]; return ok })
			analyse(t, c.st)
			release()
			second.waitCatchUp(t)
			second.stop(t) // the capture queue is drained into the store
			if _, ok := replay(t, c.st)[lost["id"].(string)]; !ok {
				var afters []string
				for _, r := range c.fake.Requests("/channels/" + tc.target.ID + "/messages") {
					afters = append(afters, r.Query.Get("after"))
				}
				t.Errorf("a message written in %s while the bot was down was never captured (catch-up asked for messages after %v; the lost one is %s, earlier's %s)",
					tc.target.Name, afters, lost["id"], later["id"])
			}
		})
	}
}

// TestCatchUpFindsThreadsArchivedMeanwhile: a forum post a customer wrote in
// while no session was up, archived since (Discord archives a thread after an
// hour to a week without a message, and GUILD_CREATE lists active threads only),
// is caught up: its channel's archived threads are listed back to the newest
// message stored under it. It was never caught up, and nothing said so (a
// review's find).
func TestCatchUpFindsThreadsArchivedMeanwhile(t *testing.T) {
	c := newCluster(t)
	offline := archivedPostMeanwhile(t, c)
	b := c.start("second", false, nil)
	b.waitReady(t, 1, 5*time.Second)
	b.waitCatchUp(t)
	time.Sleep(100 * time.Millisecond) // let anything queued land
	analyse(t, c.st)
	if _, err := c.st.Message(t.Context(), "discord/"+guild+"/"+offline["id"].(string)); err != nil {
		t.Errorf("the message written in the post archived meanwhile: %v", err)
	}
	if n := len(c.fake.Requests("/channels/" + chForum + "/threads/archived/public")); n == 0 {
		t.Error("the forum's archived posts were not listed")
	}
}

// startFailsOnce is the test's store, but its listing of an armed channel's
// messages (the catch-up's start) fails as an outage does the first time it is
// asked.
type startFailsOnce struct {
	store.Store
	mu    sync.Mutex
	armed map[string]bool
}

func (s *startFailsOnce) arm(channels ...string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.armed = map[string]bool{}
	for _, c := range channels {
		s.armed[c] = true
	}
}

func (s *startFailsOnce) Messages(ctx context.Context, q store.Query) ([]store.Stored, error) {
	s.mu.Lock()
	fail := s.armed[q.Channel]
	delete(s.armed, q.Channel)
	s.mu.Unlock()
	if fail {
		return nil, feedbackbot.Errorf(feedbackbot.EUNAVAILABLE, "store unreachable (a failover)")
	}
	return s.Store.Messages(ctx, q)
}

// archivedPostMeanwhile captures a forum post's message and one in #general
// live, stops that session, and has a customer write in the post while no
// session is up before the post is archived: the message a new session's
// catch-up must find.
func archivedPostMeanwhile(t *testing.T, c *cluster) (offline map[string]any) {
	t.Helper()
	member := []string{roleMember}
	a := c.start("first", false, nil)
	a.waitReady(t, 1, 5*time.Second)
	for _, m := range []map[string]any{message(thPost, userAlice, member, "the export fails with a 500"), message(chGeneral, userAlice, member, "hello")} {
		c.fake.Dispatch("MESSAGE_CREATE", m)
	}
	waitFor(t, "live capture", 5*time.Second, func() bool { return len(replay(t, c.st)) == 2 })
	analyse(t, c.st)
	a.stop(t)
	c.waitNoSession(t)
	offline = message(thPost, userAlice, member, "still failing, any news?")
	offline["timestamp"] = "2026-11-21T10:00:00.000000+00:00"
	c.fake.AddMessage(offline)
	c.fake.ArchiveThread(thPost, time.Date(2026, 11, 22, 10, 0, 0, 0, time.UTC))
	return offline
}

// TestCatchUpListsArchivedPostsOnceTheStoreAnswers: the store does not answer
// for a forum's start as the session begins. Its posts archived meanwhile are
// listed and caught up once it does (catchUpAgain); they were never listed, and
// the forum, which has no messages of its own, was in no retry ("channels_to_retry=0":
// a review's find).
func TestCatchUpListsArchivedPostsOnceTheStoreAnswers(t *testing.T) {
	defer func(w time.Duration) { catchUpRetryWait = w }(catchUpRetryWait)
	catchUpRetryWait = 50 * time.Millisecond
	c := newCluster(t)
	flaky := &startFailsOnce{Store: c.st}
	c.st = flaky
	offline := archivedPostMeanwhile(t, c)
	flaky.arm(chForum)
	b := c.start("second", false, nil)
	b.waitReady(t, 1, 5*time.Second)
	b.waitCatchUp(t)
	waitFor(t, "the retry's summary", 10*time.Second, func() bool {
		return strings.Contains(b.logs.String(), "discord catch-up: channels the store had stopped are caught up")
	})
	time.Sleep(100 * time.Millisecond) // let anything queued land
	b.stop(t)
	if _, ok := replay(t, c.st)[offline["id"].(string)]; !ok {
		t.Errorf("the message written in the post archived meanwhile was never captured (archived listings: %d); logs:\n%s",
			len(c.fake.Requests("/channels/"+chForum+"/threads/archived/public")), b.logs.String())
	}
	if logs := b.logs.String(); !strings.Contains(logs, "forum not caught up: the store did not answer") {
		t.Errorf("the forum the store did not answer for is not named:\n%s", logs)
	}
}

// TestCatchUpListsActiveThreadsOnceARound: the store did not answer for two
// channels' starts; once it does, their threads are listed with one request for
// the server's active threads, not one a channel (a review's find: N channels
// stopped by a failover sent N of the same server-wide request).
func TestCatchUpListsActiveThreadsOnceARound(t *testing.T) {
	defer func(w time.Duration) { catchUpRetryWait = w }(catchUpRetryWait)
	catchUpRetryWait = 50 * time.Millisecond
	c := newCluster(t)
	flaky := &startFailsOnce{Store: c.st}
	c.st = flaky
	offline := archivedPostMeanwhile(t, c)
	flaky.arm(chForum, chGeneral)
	b := c.start("second", false, nil)
	b.waitReady(t, 1, 5*time.Second)
	b.waitCatchUp(t)
	waitFor(t, "the retry's summary", 10*time.Second, func() bool {
		return strings.Contains(b.logs.String(), "discord catch-up: channels the store had stopped are caught up")
	})
	time.Sleep(100 * time.Millisecond) // let anything queued land
	b.stop(t)
	if n := len(c.fake.Requests("/guilds/" + guild + "/threads/active")); n != 1 {
		t.Errorf("the server's active threads were listed %d times, want once", n)
	}
	if _, ok := replay(t, c.st)[offline["id"].(string)]; !ok {
		t.Error("the message written in the post archived meanwhile was never captured")
	}
}

// TestCatchUpFindsAPostUnarchivedAsItBegins: a customer writes again in a post
// archived while no session was up just as the new session begins: Discord
// unarchives it, so it is in neither GUILD_CREATE (sent while it was archived)
// nor its forum's archived listing (made after). The server's active threads,
// listed after the archived ones, have it, and the message written while no
// session was up is caught up (a review's find: it was lost).
func TestCatchUpFindsAPostUnarchivedAsItBegins(t *testing.T) {
	c := newCluster(t)
	offline := archivedPostMeanwhile(t, c)
	listing := "/channels/" + chForum + "/threads/archived/public"
	release := c.fake.HoldNext("GET", listing)
	b := c.start("second", false, nil)
	b.waitReady(t, 1, 5*time.Second)
	waitFor(t, "the archived listing held", 10*time.Second, func() bool { return c.fake.Held(listing) })
	c.fake.UnarchiveThread(thPost)
	again := message(thPost, userAlice, []string{roleMember}, "hello? still broken")
	again["timestamp"] = time.Now().UTC().Format(time.RFC3339Nano)
	c.fake.AddMessage(again)
	c.fake.Dispatch("MESSAGE_CREATE", again)
	waitFor(t, "live capture of the new message", 5*time.Second, func() bool { _, ok := replay(t, c.st)[again["id"].(string)]; return ok })
	release()
	b.waitCatchUp(t)
	time.Sleep(200 * time.Millisecond) // let anything queued land
	b.stop(t)
	if _, ok := replay(t, c.st)[offline["id"].(string)]; !ok {
		t.Errorf("the message written in the post while no session was up was never captured (pages asked of the post: %d)",
			len(c.fake.Requests("/channels/"+thPost+"/messages")))
	}
	if n := len(c.fake.Requests("/guilds/" + guild + "/threads/active")); n != 1 {
		t.Errorf("the server's active threads were listed %d times, want once", n)
	}
}

// TestArchivedThreadsPagesWithinASecond: the listing of archived threads pages
// by archive time to the fraction of a second: 101 posts archived 50 ms apart
// are all listed over two pages, though the first page ends inside a second
// (discordgo's helper sent the cursor without its fraction, and the next page
// left out the posts archived earlier in that second: a review's find).
func TestArchivedThreadsPagesWithinASecond(t *testing.T) {
	f := newFixture(t, testConfig(), nil)
	g, chans := fakeGuild()
	base := time.Date(2026, 11, 22, 10, 0, 0, 0, time.UTC)
	var ids []string
	for i := range 101 {
		id := itoa(500_000_000_000_000_000 + int64(i))
		ids = append(ids, id)
		chans = append(chans, &discordgo.Channel{ID: id, Name: "post " + id, Type: discordgo.ChannelTypeGuildPublicThread, ParentID: chForum})
	}
	f.fake.AddGuild(g, chans...)
	for i, id := range ids {
		f.fake.ArchiveThread(id, base.Add(time.Duration(i)*50*time.Millisecond))
	}
	got, err := f.a.archivedThreads(t.Context(), chForum, base)
	if err != nil || len(got) != len(ids) {
		t.Fatalf("archivedThreads = %d threads, %v; want all %d", len(got), err, len(ids))
	}
	if n := len(f.fake.Requests("/channels/" + chForum + "/threads/archived/public")); n != 2 {
		t.Errorf("%d pages asked for, want 2", n)
	}
}
