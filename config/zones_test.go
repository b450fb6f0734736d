package config

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestSuggestZone: a name time.LoadLocation does not know is matched to the zone
// most likely meant: a city without its region, a name in other case or with
// spaces, a typo; nothing when no zone is near, or when several are equally so.
func TestSuggestZone(t *testing.T) {
	if len(zoneNames()) == 0 {
		t.Skip("no time zone database directory to list on this machine")
	}
	for _, tt := range []struct{ name, want string }{
		{"Paris", "Europe/Paris"},
		{"paris", "Europe/Paris"},
		{"europe/paris", "Europe/Paris"},
		{"New York", "America/New_York"},
		{"Europe/Berln", "Europe/Berlin"},
		{"Europe/Berlln", "Europe/Berlin"},
		{"Tokio", "Asia/Tokyo"},
		{"Xyzzyplugh", ""},
		{"", ""},
		{"../../etc/passwd", ""},
	} {
		if got := SuggestZone(tt.name); got != tt.want {
			t.Errorf("SuggestZone(%q) = %q, want %q", tt.name, got, tt.want)
		}
	}
}

// TestZoneTypoSuggested: config check names the zone a misspelt timezone most
// likely meant, for business hours and for digests.
func TestZoneTypoSuggested(t *testing.T) {
	if len(zoneNames()) == 0 {
		t.Skip("no time zone database directory to list on this machine")
	}
	path := filepath.Join(t.TempDir(), "c.yaml")
	body := "response_targets:\n  business_hours:\n    timezone: Europe/Berln\n" +
		"slack:\n  internal_channels: [C1]\n" +
		"digests:\n  - channel: C1\n    platform: slack\n    workspace: T1\n    schedule: \"0 9 * * 1-5\"\n    timezone: Paris\n"
	if err := os.WriteFile(path, []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}
	_, err := Load(path, env(nil))
	for _, want := range []string{
		`response_targets.business_hours.timezone: "Europe/Berln" is not a known IANA zone (did you mean "Europe/Berlin"?)`,
		`timezone "Paris" is not a known IANA zone (did you mean "Europe/Paris"?)`,
	} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("want %q in\n%v", want, err)
		}
	}
}
