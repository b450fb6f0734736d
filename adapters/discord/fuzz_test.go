package discordadapter

import (
	"context"
	"encoding/json"
	"errors"
	"hash/fnv"
	"net/http"
	"testing"
	"unicode/utf8"

	"github.com/bwmarrin/discordgo"

	"github.com/feedbackbot/feedbackbot"
)

// FuzzNormalize feeds gateway MESSAGE_CREATE payloads, as discordgo decodes them, to
// Normalize: it never panics, and whatever it captures is a valid, normalised
// message of a known channel with a role it can justify.
func FuzzNormalize(f *testing.F) {
	seeds := []map[string]any{
		message(chGeneral, userAlice, []string{roleMember}, "The export keeps failing 😤"),
		message(thPost, userStaff, []string{roleStaff}, "Fixed in 2.3.1"),
		message(chAcme, userBob, []string{roleAcme}, "\xff\xfe bad utf-8"),
	}
	for _, s := range seeds {
		b, _ := json.Marshal(s)
		f.Add(b)
	}
	f.Add([]byte(`{"id":"1","guild_id":"1","channel_id":"1","author":{"id":"1","bot":false},"type":19,"referenced_message":{"author":null},"message_reference":{}}`))
	cfg := testConfig()
	a, err := New(cfg, nil, nil)
	if err != nil {
		f.Fatal(err)
	}
	// Offline: a reply to a message never captured looks its author up over REST,
	// which must not reach Discord from a fuzz run.
	a.s.Client = &http.Client{Transport: offline{}}
	g, chans := fakeGuild()
	g.Channels = chans
	for _, c := range chans {
		c.GuildID = guild
	}
	if err := a.s.State.GuildAdd(g); err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		var m discordgo.Message
		if json.Unmarshal(data, &m) != nil {
			return // discordgo drops what it cannot decode
		}
		// Only channels the state knows: an unknown one would be looked up over REST.
		h := fnv.New32a()
		h.Write([]byte(m.ChannelID))
		m.ChannelID = chans[int(h.Sum32())%len(chans)].ID
		out, ok, err := a.Normalize(context.Background(), &m)
		if err != nil {
			if feedbackbot.ErrorCode(err) != feedbackbot.EINVALID {
				t.Fatalf("error without a clear code: %v", err)
			}
			return
		}
		if !ok {
			return
		}
		if !utf8.ValidString(out.Text) || len(out.Text) > feedbackbot.MaxTextBytes || out.Workspace != guild || out.ID == "" ||
			out.Channel == "" || out.Channel == chInternal || out.Channel == chLeaky {
			t.Fatalf("captured an invalid message: %+v", out)
		}
		if m.Author == nil || m.Author.Bot || m.WebhookID != "" {
			t.Fatalf("captured a bot or webhook message")
		}
		if out.Role == feedbackbot.RoleStaff && m.Author.ID != owner && (m.Member == nil || !hasAny(m.Member.Roles, cfg.StaffRoles)) {
			t.Fatalf("staff without a staff role: %+v", out)
		}
	})
}

// offline is a transport that reaches nothing.
type offline struct{}

func (offline) RoundTrip(*http.Request) (*http.Response, error) {
	return nil, errors.New("offline: the fuzz test reaches no server")
}

func hasAny(have, want []string) bool {
	for _, h := range have {
		for _, w := range want {
			if h == w {
				return true
			}
		}
	}
	return false
}
