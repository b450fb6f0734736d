package config

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestInferredSlackModeProblemNamesTheTokensNotSlackMode: with SLACK_BOT_TOKEN
// alone nobody set slack.mode (HTTP was inferred, SLACK_APP_TOKEN being unset),
// yet the problem said "slack.mode is http but SLACK_SIGNING_SECRET is not set".
// It names the two ways to receive events now, and stays a problem of receiving
// only (backfill, which only calls the Web API, still runs). A mode the user did
// write is still named as they wrote it.
func TestInferredSlackModeProblemNamesTheTokensNotSlackMode(t *testing.T) {
	t.Chdir(t.TempDir()) // (no feedbackbot.yaml here)
	_, err := Load("", env(map[string]string{"SLACK_BOT_TOKEN": "xoxb-only"}))
	var p *Problems
	if !errors.As(err, &p) || len(p.Errs) != 1 {
		t.Fatalf("want one problem, got %v", err)
	}
	msg := p.Errs[0].Error()
	const want = "SLACK_BOT_TOKEN is set without a way to receive events: set SLACK_SIGNING_SECRET (HTTP events"
	if !strings.HasPrefix(msg, want) || !strings.Contains(msg, "SLACK_APP_TOKEN") || strings.Contains(msg, "slack.mode") {
		t.Errorf("problem = %q\nwant it to begin %q, name SLACK_APP_TOKEN and not slack.mode", msg, want)
	}
	if WithoutReceiving(err) != nil {
		t.Errorf("the problem is not one of receiving events only: %v", WithoutReceiving(err))
	}

	path := filepath.Join(t.TempDir(), "c.yaml")
	if err := os.WriteFile(path, []byte("slack: {mode: http}\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := Load(path, env(map[string]string{"SLACK_BOT_TOKEN": "xoxb-only"})); err == nil ||
		!strings.Contains(err.Error(), "slack.mode is http but SLACK_SIGNING_SECRET is not set") {
		t.Errorf("a slack.mode written in the file is not named: %v", err)
	}
}

// TestSectionProblemsAreThoseValidateFindsInThePart: config check runs a part's online checks
// when that part has no problem of its own, whatever the problems elsewhere; the
// parts' problems are Validate's, not others.
func TestSectionProblemsAreThoseValidateFindsInThePart(t *testing.T) {
	cfg := Default()
	cfg.Log.Level = "verbose"
	cfg.Analysis.Layer = filepath.Join(t.TempDir(), "nope.json")
	cfg.Slack.BotToken = "xoxp-user"
	cfg.Slack.SigningSecret = "s"
	cfg.Slack.Mode = "http"
	cfg.Discord.InternalChannels = []string{"general"}
	all := cfg.Validate()
	for section, want := range map[string]string{"analyzer": "analysis.layer", "slack": "does not look like a bot token", "discord": "discord.internal_channels"} {
		got := cfg.SectionProblems(section)
		if len(got) != 1 || !strings.Contains(got[0].Error(), want) {
			t.Errorf("SectionProblems(%s) = %v, want one problem with %q", section, got, want)
			continue
		}
		found := false
		for _, e := range all {
			found = found || e.Error() == got[0].Error()
		}
		if !found {
			t.Errorf("SectionProblems(%s)'s %q is not among Validate's %v", section, got[0], all)
		}
	}
	if n := len(all); n != 4 {
		t.Errorf("Validate found %d problems, want 4 (log.level and one per part): %v", n, all)
	}
}
