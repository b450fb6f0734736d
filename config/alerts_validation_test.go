package config

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestAlertsDestinationValidated: alerts.platform and alerts.channel go together, and
// each problem names its key. `alerts: {channel: C1}` said `alerts: platform "" is
// not slack or discord` (naming neither the key nor that it is missing), and
// `alerts: {platform: slak}` passed as "Configuration OK" (a review's finds). The
// shipped example's `platform: slack` beside `channel: ""` still turns alerts off.
func TestAlertsDestinationValidated(t *testing.T) {
	const internal = "slack: {internal_channels: [C1]}\ndiscord: {internal_channels: [\"123\"]}\n"
	for _, tc := range []struct {
		name, body string
		want       []string // each must appear in the error
		notWant    []string // none may
		problems   int      // 0: Load must succeed
	}{
		{"a channel without a platform", internal + "alerts: {channel: C1}\n",
			[]string{"alerts.platform is missing: set slack or discord (the platform of alerts.channel C1)"}, []string{`platform ""`}, 1},
		{"a misspelt platform without a channel", "alerts: {platform: slak}\n",
			[]string{`alerts.platform "slak" is not slack or discord`, `alerts.channel is missing, though alerts.platform is "slak"`}, nil, 2},
		{"a misspelt platform with a channel", internal + "alerts: {platform: slak, channel: C1}\n",
			[]string{`alerts.platform "slak" is not slack or discord`}, []string{"alerts.channel is missing"}, 1},
		{"a platform without a channel", internal + "alerts: {platform: slack}\n",
			[]string{`alerts.channel is missing, though alerts.platform is "slack": set it to the id of one of slack.internal_channels, or write channel: "" to post no alerts`}, nil, 1},
		{"a discord platform without a channel", internal + "alerts:\n  platform: discord\n  threshold: 40\n",
			[]string{`alerts.channel is missing, though alerts.platform is "discord"`, "discord.internal_channels"}, nil, 1},
		{"a channel that is not internal", internal + "alerts: {platform: slack, channel: C9}\n",
			[]string{"alerts: channel C9 is not listed in slack.internal_channels"}, nil, 1},
		{"reported with every other problem", "log: {level: loud}\nalerts: {platform: slak}\nsurveys: {kind: stars}\n",
			[]string{`log.level: "loud"`, `alerts.platform "slak"`, "alerts.channel is missing", `surveys.kind: "stars"`}, nil, 4},
		{"a digest without a platform", internal + "digests:\n  - {name: d, channel: C1, workspace: T1, schedule: \"0 9 * * *\"}\n",
			[]string{"digests[0] (d): platform is missing: set slack or discord"}, []string{`platform ""`}, 1},
		// Accepted: alerts on, alerts off in each way the file can say it.
		{"slack alerts", internal + "alerts: {platform: slack, channel: C1}\n", nil, nil, 0},
		{"discord alerts", internal + "alerts: {platform: discord, channel: \"123\"}\n", nil, nil, 0},
		{"off as the example writes it", "alerts:\n  platform: slack\n  channel: \"\"\n", nil, nil, 0},
		{"off with a bare channel key", "alerts:\n  platform: slack\n  channel:\n", nil, nil, 0},
		{"off by leaving alerts out", "log: {level: info}\n", nil, nil, 0},
		{"off with only tuning", "alerts: {threshold: 40, min_severity: critical}\n", nil, nil, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "c.yaml")
			if err := os.WriteFile(path, []byte(tc.body), 0o600); err != nil {
				t.Fatal(err)
			}
			_, err := Load(path, env(nil))
			if tc.problems == 0 {
				if err != nil {
					t.Fatalf("Load refused a valid alerts section: %v", err)
				}
				return
			}
			var p *Problems
			if !errors.As(err, &p) {
				t.Fatalf("want *Problems, got %v", err)
			}
			for _, want := range tc.want {
				if !strings.Contains(err.Error(), want) {
					t.Errorf("missing %q in:\n%v", want, err)
				}
			}
			for _, bad := range tc.notWant {
				if strings.Contains(err.Error(), bad) {
					t.Errorf("%q should not appear in:\n%v", bad, err)
				}
			}
			if len(p.Errs) != tc.problems {
				t.Errorf("%d problems, want %d:\n%v", len(p.Errs), tc.problems, err)
			}
		})
	}
}

// TestAlertsValidateWithoutAFile: a configuration built in code (no file, so no
// channel key written) with a platform and no channel is refused too.
func TestAlertsValidateWithoutAFile(t *testing.T) {
	c := Default()
	c.Alerts.Platform = "slack"
	errs := c.Validate()
	if len(errs) != 1 || !strings.Contains(errs[0].Error(), `alerts.channel is missing, though alerts.platform is "slack"`) {
		t.Errorf("Validate() = %v; want the missing alerts.channel", errs)
	}
	c.Alerts.Platform, c.Alerts.Channel = "", "C1"
	if errs := c.Validate(); len(errs) != 1 || !strings.Contains(errs[0].Error(), "alerts.platform is missing") {
		t.Errorf("Validate() = %v; want the missing alerts.platform", errs)
	}
}
