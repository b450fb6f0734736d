package main

import (
	"maps"
	"strings"
	"testing"
	"time"

	"github.com/feedbackbot/feedbackbot"
)

// TestDiscordEditDuringAnOutageKeepsTheCapturedReactions: while Redis is away,
// members edit messages captured before this process started (ones it does not
// remember). Discord's MESSAGE_UPDATE lists the reactions as Discord counts them,
// bots' included, or none at all: an edit builds on the captured version instead,
// and waits for the store with the message's reactions, in order.
//   - A, stored with two members' 👍: a third 👍 waits for the store, then the edit
//     lists no reactions. Stored: the edit with 👍 3 (it was stored with the edit's
//     none: the two stored 👍 and the waiting one lost).
//   - B, stored with a member's 👍: the edit lists 👍 1 and an auto-react bot's ✅.
//     Stored: 👍 1 and no ✅ (it was stored with the bot's ✅, which marks the
//     conversation resolved).
//   - C: a 👍 waits, then C is edited and deleted in the same outage: it stays
//     deleted (neither the waiting reaction nor the waiting edit brings it back).
func TestDiscordEditDuringAnOutageKeepsTheCapturedReactions(t *testing.T) {
	const idA, idB, idC = "1200000000000000046", "1200000000000000047", "1200000000000000048"
	sent := time.Now().Add(-time.Hour).UTC()
	d := startDiscordOverProxy(t, idA, sent)
	stored := func(id string, reactions map[string]int) {
		t.Helper()
		m := feedbackbot.Message{ID: id, Platform: feedbackbot.PlatformDiscord, Workspace: dGuild, Channel: dGeneral, Author: dAlice, AuthorName: "alice",
			Text: "we were charged twice", Time: sent, Role: feedbackbot.RoleCustomer, Account: dAlice, Reactions: reactions}
		if _, err := d.st.Append(t.Context(), feedbackbot.Event{Kind: feedbackbot.EventPut, Message: m}); err != nil {
			t.Fatal(err)
		}
	}
	stored(idA, map[string]int{"👍": 2})
	stored(idB, map[string]int{"👍": 1})
	stored(idC, nil)
	edit := func(id string, reactions []map[string]any) {
		data := map[string]any{"id": id, "channel_id": dGeneral, "guild_id": dGuild, "type": 0,
			"content": "we were charged twice this month", "timestamp": sent.Format(time.RFC3339Nano),
			"edited_timestamp": time.Now().UTC().Format(time.RFC3339Nano),
			"author":           map[string]any{"id": dAlice, "username": "alice"}, "member": map[string]any{"roles": []string{dMember}}}
		if reactions != nil {
			data["reactions"] = reactions
		}
		d.fake.Dispatch("MESSAGE_UPDATE", data)
	}

	// The events come a second apart: a handler that reads the store, down, holds
	// the gateway's reader for go-redis's dial retries, and the fake gateway's
	// heartbeat (every 0.5 s, Discord's every 41 s) is acknowledged on that reader:
	// events sent all at once held it past discordgo's 2.5 s, which reconnected,
	// and an event sent meanwhile was lost.
	d.p.Down()
	d.react("MESSAGE_REACTION_ADD", idA)
	time.Sleep(1500 * time.Millisecond)
	edit(idA, nil)
	time.Sleep(time.Second)
	edit(idB, []map[string]any{{"emoji": map[string]any{"name": "👍"}, "count": 1}, {"emoji": map[string]any{"name": "✅"}, "count": 1}})
	time.Sleep(time.Second)
	d.react("MESSAGE_REACTION_ADD", idC)
	time.Sleep(time.Second)
	edit(idC, nil)
	d.fake.Dispatch("MESSAGE_DELETE", map[string]any{"id": idC, "channel_id": dGeneral, "guild_id": dGuild})
	time.Sleep(2 * time.Second)
	d.p.Up()

	newest := func(id string) (feedbackbot.Message, bool) {
		m, found, err := d.st.Newest(t.Context(), "discord/"+dGuild+"/"+id)
		if err != nil {
			t.Fatal(err)
		}
		return m, found
	}
	for end := time.Now().Add(30 * time.Second); time.Now().Before(end); time.Sleep(100 * time.Millisecond) {
		a, _ := newest(idA)
		b, _ := newest(idB)
		_, c := newest(idC)
		if a.Text == "we were charged twice this month" && b.Text == a.Text && !c {
			break
		}
	}
	d.stop() // (what still waits is tried once more, and the queue drained, with Redis up)
	defer func() {
		if t.Failed() {
			for _, l := range strings.Split(d.errb.String(), "\n") {
				if strings.Contains(l, "discord") && !strings.Contains(l, "pool.go") {
					t.Log(l)
				}
			}
		}
	}()
	a, _ := newest(idA)
	if a.Text != "we were charged twice this month" || !maps.Equal(a.Reactions, map[string]int{"👍": 3}) {
		t.Errorf("A, stored with 👍 2, a 👍 and an edit listing no reactions during an outage: stored %q with %v, want the edit with 👍 3", a.Text, a.Reactions)
	}
	b, _ := newest(idB)
	if b.Text != "we were charged twice this month" || !maps.Equal(b.Reactions, map[string]int{"👍": 1}) {
		t.Errorf("B, stored with 👍 1, edited during an outage, the edit listing 👍 1 and a bot's ✅: stored %q with %v, want the edit with 👍 1", b.Text, b.Reactions)
	}
	if c, found := newest(idC); found {
		t.Errorf("C, reacted to, edited and deleted during an outage: stored %q with %v, want it deleted", c.Text, c.Reactions)
	}
}
