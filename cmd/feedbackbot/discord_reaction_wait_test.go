package main

import (
	"strings"
	"testing"
	"time"

	"github.com/feedbackbot/feedbackbot"
)

// TestDiscordReactionsWaitingForTheStoreKeepTheirOrder: a member adds 👍 while
// Redis is away (the reaction waits, with backoff), Redis returns, and the member
// takes the 👍 back: Discord's count is 0. The removal waits behind the add, so
// nothing stays stored (it was applied at once and the add over it later, 👍 1: a
// review's find).
func TestDiscordReactionsWaitingForTheStoreKeepTheirOrder(t *testing.T) {
	const id = "1200000000000000043"
	d := startDiscordOverProxy(t, id, time.Now().Add(-time.Hour).UTC())
	d.p.Down()
	d.react("MESSAGE_REACTION_ADD", id)
	time.Sleep(1700 * time.Millisecond) // (the waiting add's retries: 0.1, 0.3, 0.7, 1.5, then 3.1 s)
	d.p.Up()
	d.react("MESSAGE_REACTION_REMOVE", id) // applied at once: Redis answers
	time.Sleep(4 * time.Second)            // (the add's next retry, and the queue's write)
	got, _, err := d.st.Newest(t.Context(), d.key)
	if err != nil {
		t.Fatal(err)
	}
	if got.Reactions["👍"] != 0 {
		t.Fatalf("👍 added during an outage and removed after it: stored reactions %v, want none (Discord's count is 0)", got.Reactions)
	}
}

// TestDiscordEditDuringAnOutageHoldsTheWaitingReaction: a member adds 👍 while
// Redis is away (the reaction waits); the author edits the message during the same
// outage, and Discord's MESSAGE_UPDATE lists the reactions as they are now (👍 1,
// the waiting one included). The edit, whose read of the stored version failed, is
// queued with them, and the waiting reaction is dropped (it was applied over the
// edit's counts, 👍 2 for one reaction: a review's find).
func TestDiscordEditDuringAnOutageHoldsTheWaitingReaction(t *testing.T) {
	const id = "1200000000000000044"
	sent := time.Now().Add(-time.Hour).UTC()
	d := startDiscordOverProxy(t, id, sent)
	d.p.Down()
	d.react("MESSAGE_REACTION_ADD", id)
	time.Sleep(300 * time.Millisecond)
	d.fake.Dispatch("MESSAGE_UPDATE", map[string]any{"id": id, "channel_id": dGeneral, "guild_id": dGuild, "type": 0,
		"content": "we were charged twice this month", "timestamp": sent.Format(time.RFC3339Nano),
		"edited_timestamp": time.Now().UTC().Format(time.RFC3339Nano),
		"reactions":        []map[string]any{{"emoji": map[string]any{"name": "👍"}, "count": 1}},
		"author":           map[string]any{"id": dAlice, "username": "alice"}, "member": map[string]any{"roles": []string{dMember}}})
	time.Sleep(5 * time.Second) // (each read of the store, down, takes go-redis's dial retries)
	d.p.Up()
	var got feedbackbot.Message
	for end := time.Now().Add(10 * time.Second); time.Now().Before(end); time.Sleep(100 * time.Millisecond) {
		got, _, _ = d.st.Newest(t.Context(), d.key)
		if got.Text == "we were charged twice this month" && got.Reactions["👍"] >= 2 {
			break
		}
	}
	time.Sleep(500 * time.Millisecond)
	got, _, _ = d.st.Newest(t.Context(), d.key)
	if got.Text != "we were charged twice this month" {
		t.Fatalf("the edit was not stored: %q", got.Text)
	}
	if got.Reactions["👍"] != 1 {
		t.Fatalf("one 👍 (Discord's count 1) during an outage with an edit: stored reactions %v, want 👍 1", got.Reactions)
	}
}

// TestDiscordWaitingReactionTriedOnceMoreAtShutdown: a member reacts while Redis
// is away (the reaction waits); Redis comes back, and the bot is stopped (a deploy)
// before the reaction's next retry. The reaction is tried once more as the bot
// stops, and stored by the drain (it was given up untried: a review's find).
func TestDiscordWaitingReactionTriedOnceMoreAtShutdown(t *testing.T) {
	const id = "1200000000000000045"
	d := startDiscordOverProxy(t, id, time.Now().Add(-time.Hour).UTC())
	d.p.Down()
	d.react("MESSAGE_REACTION_ADD", id)
	// its retries 0.1, 0.2, 0.4 and 0.8 s apart, then 1.6 s: back at 1.8 s, stopped
	// at 2 s, it is between two tries (the logs are read once serve has stopped)
	time.Sleep(1800 * time.Millisecond)
	d.p.Up() // Redis is back, for good
	time.Sleep(200 * time.Millisecond)
	d.stop() // a deploy, before the reaction's next retry
	got, _, err := d.st.Newest(t.Context(), d.key)
	if err != nil {
		t.Fatal(err)
	}
	if got.Reactions["👍"] != 1 {
		for _, l := range strings.Split(d.errb.String(), "\n") {
			if strings.Contains(l, "reaction") {
				t.Log(l)
			}
		}
		t.Fatalf("a reaction waiting for Redis, which was back when the bot stopped: stored reactions %v, want 👍 1", got.Reactions)
	}
}
