package discordadapter

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/bwmarrin/discordgo"

	"github.com/feedbackbot/feedbackbot"
)

func TestRedactTokens(t *testing.T) {
	const token = "aW50ZXJhY3Rpb246MTIz.c2VjcmV0-dG9rZW4_x"
	tests := []struct{ name, in, want string }{
		{"a rate limit on an interaction's callback",
			"Rate limit exceeded on https://discord.com/api/v9/interactions/700000000000000001/" + token + "/callback, retry after 1s",
			"Rate limit exceeded on https://discord.com/api/v9/interactions/700000000000000001/[token]/callback, retry after 1s"},
		{"a network error on a deferred reply's edit",
			`Patch "https://discord.com/api/v9/webhooks/900000000000000002/` + token + `/messages/@original": context deadline exceeded`,
			`Patch "https://discord.com/api/v9/webhooks/900000000000000002/[token]/messages/@original": context deadline exceeded`},
		{"a follow-up with a query string",
			`Post "https://discord.com/api/v9/webhooks/900000000000000002/` + token + `?wait=true": EOF`,
			`Post "https://discord.com/api/v9/webhooks/900000000000000002/[token]?wait=true": EOF`},
		{"two URLs in one line",
			"/interactions/1/" + token + "/callback then /webhooks/2/" + token,
			"/interactions/1/[token]/callback then /webhooks/2/[token]"},
		{"a URL without a token", "Rate limit exceeded on https://discord.com/api/v9/channels/400000000000000003/messages, retry after 1s",
			"Rate limit exceeded on https://discord.com/api/v9/channels/400000000000000003/messages, retry after 1s"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := redactTokens(tc.in); got != tc.want {
				t.Errorf("redactTokens(%q)\n = %q\nwant %q", tc.in, got, tc.want)
			}
		})
	}
	t.Run("errors keep their types, without the token anywhere in them", func(t *testing.T) {
		u := "https://discord.com/api/v9/interactions/1/" + token + "/callback"
		rl := &discordgo.RateLimitError{RateLimit: &discordgo.RateLimit{TooManyRequests: &discordgo.TooManyRequests{RetryAfter: time.Second}, URL: u}}
		ue := &url.Error{Op: "Post", URL: u, Err: context.DeadlineExceeded}
		for _, err := range []error{rl, ue, fmt.Errorf("discord reply: %w", ue)} {
			got := redact(err)
			if strings.Contains(got.Error(), token) {
				t.Errorf("redact(%T) = %q", err, got)
			}
			var gotRL *discordgo.RateLimitError
			var gotUE *url.Error
			switch {
			case errors.As(err, &gotRL):
				if !errors.As(got, &gotRL) || strings.Contains(gotRL.URL, token) {
					t.Errorf("the rate limit is lost or still holds the token: %v", gotRL)
				}
			case errors.As(err, &gotUE):
				if !errors.As(got, &gotUE) || strings.Contains(gotUE.URL, token) || !errors.Is(got, context.DeadlineExceeded) {
					t.Errorf("the network error is lost or still holds the token: %v", gotUE)
				}
			}
		}
		if redact(nil) != nil {
			t.Error("redact(nil) is not nil")
		}
	})
}

// TestInteractionTokensStayOutOfTheLog: an interaction's token is in the URL of
// every reply to it, and discordgo's rate-limit errors name that URL. Whichever
// reply fails, the log names the call and the interaction, never the token.
func TestInteractionTokensStayOutOfTheLog(t *testing.T) {
	release := make(chan struct{})
	cmds := commandsFunc(func(ctx context.Context, c feedbackbot.Command) (feedbackbot.Document, error) {
		if c.Text == "digest 30d" {
			select {
			case <-release:
			case <-ctx.Done():
			}
		}
		return feedbackbot.Document{Fallback: "ok"}, nil
	})
	logs := &lockedBuffer{}
	cfg := testConfig()
	cfg.CommandTimeout = 200 * time.Millisecond
	cfg.Logger = slog.New(slog.NewTextHandler(io.MultiWriter(logs, testWriter{t}), &slog.HandlerOptions{Level: slog.LevelDebug}))
	f := newFixture(t, cfg, cmds)
	tests := []struct {
		name, id, sub string
		opts          []any
		slow          bool // the command waits to be let go: its reply is deferred
		// limited are the calls answered with 429s until retry gives up, by method
		// and path (with TOKEN for the interaction's token).
		limited [][2]string
		// want are the log lines, in order; a slow command is let go after the first.
		want []string
		// shown is what the log keeps of the URL.
		shown string
	}{
		{"an immediate reply", "730000000000000001", "risk", nil, false,
			[][2]string{{"POST", "/interactions/730000000000000001/"}},
			[]string{"could not reply to interaction"}, "/interactions/730000000000000001/[token]/callback"},
		{"a deferred reply and its edit", "730000000000000002", "digest", []any{map[string]any{"name": "period", "type": 3, "value": "30d"}}, true,
			[][2]string{{"POST", "/interactions/730000000000000002/"}, {"PATCH", "/webhooks/" + f.fake.AppID + "/TOKEN/"}},
			[]string{"could not defer reply", "could not send deferred reply"}, "/webhooks/" + f.fake.AppID + "/[token]/messages/@original"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			token := "aW50ZXJhY3Rpb246" + tc.id + ".c2VjcmV0-dG9rZW4"
			for _, l := range tc.limited {
				for range maxAttempts {
					f.fake.RateLimitNext(l[0], strings.ReplaceAll(l[1], "TOKEN", token), 10*time.Millisecond, false)
				}
			}
			f.fake.Dispatch("INTERACTION_CREATE", map[string]any{"id": tc.id, "application_id": f.fake.AppID, "type": 2, "token": token,
				"guild_id": guild, "channel_id": chInternal,
				"member": map[string]any{"user": map[string]any{"id": userStaff, "username": "s"}, "roles": []string{roleStaff}},
				"data": map[string]any{"id": "1", "name": "feedback", "type": 1,
					"options": []any{map[string]any{"name": tc.sub, "type": 1, "options": tc.opts}}}})
			for i, line := range tc.want {
				waitFor(t, line, 10*time.Second, func() bool { return strings.Contains(logs.String(), line) })
				if i == 0 && tc.slow {
					release <- struct{}{}
				}
			}
			for _, l := range tc.limited {
				if n := len(f.fake.Requests(strings.ReplaceAll(l[1], "TOKEN", token))); n != maxAttempts {
					t.Errorf("%s %s: %d requests, want %d (every one rate limited)", l[0], l[1], n, maxAttempts)
				}
			}
			out := logs.String()
			if strings.Contains(out, token) {
				t.Errorf("the interaction's token is in the log:\n%s", out)
			}
			if !strings.Contains(out, tc.shown) {
				t.Errorf("the log does not say which call failed (%s):\n%s", tc.shown, out)
			}
		})
	}
}
