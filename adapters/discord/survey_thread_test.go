package discordadapter

import (
	"strings"
	"testing"
	"time"
)

// TestSurveyNotAskedInAThreadOfAnInternalChannel: a thread of an internal
// channel is internal too (channelSkip reads a thread by its parent: nothing in it
// is captured), but the survey refusal compares the interaction's channel id with
// internal_channels only, so a survey asked in such a thread is posted there for
// staff alone and the account's Kano cooldown is spent on nobody.
func TestSurveyNotAskedInAThreadOfAnInternalChannel(t *testing.T) {
	now := time.Date(2026, 11, 20, 12, 0, 0, 0, time.UTC)
	f := kanoFixture(t, "acme", "Acme Corp", now)
	const thInternal = "763000000000000099"
	f.fake.Dispatch("THREAD_CREATE", map[string]any{"id": thInternal, "guild_id": guild, "parent_id": chInternal, "type": 11, "name": "triage"})
	time.Sleep(100 * time.Millisecond) // (the state takes the thread)
	r := askKano(t, f, "762000000000000091", thInternal, "acme", "Dark mode")
	if len(r.Data.Components) != 0 || r.Data.Flags&int(ephemeralFlag) == 0 ||
		len(r.Data.Embeds) == 0 || !strings.Contains(r.Data.Embeds[0].Description, "ask in the account's own channel") {
		t.Errorf("a survey asked in a thread of the internal channel was posted there: %+v", r)
	}
}
