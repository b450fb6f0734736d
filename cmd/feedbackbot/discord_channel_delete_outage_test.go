package main

import (
	"testing"
	"time"

	"github.com/feedbackbot/feedbackbot/store"
)

// TestDiscordChannelDeletedDuringAnOutageTakesItsMessages: a channel is deleted
// (CHANNEL_DELETE: Discord sends no MESSAGE_DELETE for its messages, and sends
// this once) while Redis is away, and its message stored before this process
// started goes once Redis is back. The stored messages were read once, the read
// failed, and they stayed, quotable in digests and alerts (a review's find).
func TestDiscordChannelDeletedDuringAnOutageTakesItsMessages(t *testing.T) {
	const id = "1200000000000000049"
	d := startDiscordOverProxy(t, id, time.Now().Add(-time.Hour).UTC())
	// (the deletion finds the channel's messages among those analysed)
	for end := time.Now().Add(20 * time.Second); ; time.Sleep(100 * time.Millisecond) {
		rows, err := d.st.Messages(t.Context(), store.Query{Workspace: dGuild, Channel: dGeneral, Limit: 10})
		if err != nil {
			t.Fatal(err)
		}
		if len(rows) == 1 {
			break
		}
		if time.Now().After(end) {
			t.Fatalf("the stored message was never analysed (%d listed)", len(rows))
		}
	}

	d.p.Down()
	d.fake.Dispatch("CHANNEL_DELETE", map[string]any{"id": dGeneral, "guild_id": dGuild, "type": 0})
	time.Sleep(2 * time.Second)
	d.p.Up()
	found := true
	for end := time.Now().Add(30 * time.Second); found && time.Now().Before(end); time.Sleep(100 * time.Millisecond) {
		var err error
		if _, found, err = d.st.Newest(t.Context(), d.key); err != nil {
			t.Fatal(err)
		}
	}
	if found {
		t.Fatal("a channel deleted during a 2 s Redis outage: its stored message is still stored 30 s after Redis returned")
	}
}
