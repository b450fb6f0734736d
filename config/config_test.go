package config

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"gopkg.in/yaml.v3"
)

func env(m map[string]string) func(string) string { return func(k string) string { return m[k] } }

func TestExampleFileIsValid(t *testing.T) {
	cfg, err := Load("../feedbackbot.example.yaml", env(nil))
	if err != nil {
		t.Fatalf("the shipped example must validate: %v", err)
	}
	if cfg.Store.ClaimIdle.D() != time.Minute || cfg.Server.Addr != "127.0.0.1:8080" {
		t.Errorf("unexpected values: %+v", cfg.Store)
	}
}

func TestEveryProblemReportedAtOnce(t *testing.T) {
	_, err := Load("testdata/bad.yaml", env(nil))
	var p *Problems
	if !errors.As(err, &p) {
		t.Fatalf("want *Problems, got %v", err)
	}
	for _, want := range []string{
		"store.claim_idle", "server.addr", "log.level", "log.format", "analysis.workers",
		`id "acme" appears twice`, "value -5 is negative", `id "acme|eu" has a '|'`, `account "acme eu" has a space`, `slack.channel_accounts: channel CACME's account "" is empty`, "Mars/Olympus", `"99 9 * * *"`,
		"not listed in slack.internal_channels", "alerts.repeat_interval", "retention.messages: 30d is too short",
	} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("problem %q not reported; got:\n%v", want, err)
		}
	}
	if len(p.Errs) < 15 {
		t.Errorf("want at least 15 problems, got %d", len(p.Errs))
	}
}

func TestUnknownKeyAndBadYAML(t *testing.T) {
	dir := t.TempDir()
	for name, body := range map[string]string{
		"typo.yaml":  "store:\n  data_dri: x\n",
		"bad.yaml":   "store: [\n",
		"utf8.yaml":  "log:\n  level: \xff\xfe\n",
		"token.yaml": "slack:\n  bot_token: xoxb-inline\n",
	} {
		path := filepath.Join(dir, name)
		if err := os.WriteFile(path, []byte(body), 0o600); err != nil {
			t.Fatal(err)
		}
		_, err := Load(path, env(nil))
		if err == nil || !strings.Contains(err.Error(), path) {
			t.Errorf("%s: want an error naming the file, got %v", name, err)
		}
	}
}

func TestMissingExplicitFile(t *testing.T) {
	_, err := Load(filepath.Join(t.TempDir(), "nope.yaml"), env(nil))
	if err == nil || !strings.Contains(err.Error(), "nope.yaml") {
		t.Fatalf("want error naming the file, got %v", err)
	}
}

func TestEnvironmentOverridesAndSecretFiles(t *testing.T) {
	dir := t.TempDir()
	tokenFile := filepath.Join(dir, "discord")
	if err := os.WriteFile(tokenFile, []byte("MTEy.discord-secret.token\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	cfg, err := Load(filepath.Join(dir, "absent-but-default.yaml"), env(nil))
	if err == nil {
		t.Fatal("an explicit missing file must fail")
	}
	t.Chdir(dir) // no feedbackbot.yaml here: defaults plus environment
	cfg, err = Load("", env(map[string]string{
		"FEEDBACKBOT_DATA":     "/var/lib/fb",
		"FEEDBACKBOT_ADDR":     "0.0.0.0:9090",
		"SLACK_BOT_TOKEN":      "xoxb-test-bot-token",
		"SLACK_APP_TOKEN":      "xapp-test-app-token",
		"DISCORD_TOKEN_FILE":   tokenFile,
		"REDIS_URL":            "redis://:hunter2@localhost:6379/0",
		"FEEDBACKBOT_WORKERS":  "4",
		"SLACK_SIGNING_SECRET": "",
	}))
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Store.DataDir != "/var/lib/fb" || cfg.Server.Addr != "0.0.0.0:9090" || cfg.Analysis.Workers != 4 {
		t.Errorf("overrides not applied: %+v %+v", cfg.Store, cfg.Server)
	}
	if cfg.Slack.Mode != "socket" {
		t.Errorf("an app token makes socket the default mode, got %q", cfg.Slack.Mode)
	}
	if cfg.Discord.Token.Value() != "MTEy.discord-secret.token" {
		t.Errorf("token file not read (trimmed)")
	}
	// No printing path shows a secret.
	y, _ := yaml.Marshal(cfg)
	j, _ := json.Marshal(cfg)
	for _, out := range []string{fmt.Sprintf("%v %+v %#v %s", cfg, cfg, cfg, cfg.Slack.BotToken), string(y), string(j)} {
		for _, secret := range []string{"xoxb-test-bot-token", "xapp-test-app-token", "MTEy.discord-secret.token", "hunter2"} {
			if strings.Contains(out, secret) {
				t.Fatalf("secret %q printed in: %s", secret, out)
			}
		}
	}
}

// TestSecretFileUnreadable: an unreadable secret file is reported by the variable
// that names it, without repeating its value: a secret put in NAME_FILE by mistake
// (the token itself, a URL with its password) was printed in full (a review's find).
func TestSecretFileUnreadable(t *testing.T) {
	t.Chdir(t.TempDir())
	for name, value := range map[string]string{
		"SLACK_BOT_TOKEN_FILE": "xoxb-1234567890-abcdefSECRET",
		"REDIS_URL_FILE":       "redis://:hunter2SECRET@redis:6379/0",
		"DISCORD_TOKEN_FILE":   "MTIz.discord-SECRET.token",
		"SLACK_APP_TOKEN_FILE": "/nonexistent/SECRET/token",
	} {
		_, err := Load("", env(map[string]string{name: value}))
		if err == nil || !strings.Contains(err.Error(), "named by "+name) || !strings.Contains(err.Error(), "no such file") {
			t.Errorf("%s: want an error naming the variable and the cause, got %v", name, err)
		} else if strings.Contains(err.Error(), "SECRET") {
			t.Errorf("%s: the error repeats its value: %v", name, err)
		}
	}
}

func TestSlackModeRequirements(t *testing.T) {
	t.Chdir(t.TempDir())
	tests := []struct {
		name string
		env  map[string]string
		want string
	}{
		{"http without signing secret", map[string]string{"SLACK_BOT_TOKEN": "xoxb-1", "SLACK_MODE": "http"}, "SLACK_SIGNING_SECRET"},
		{"socket without app token", map[string]string{"SLACK_BOT_TOKEN": "xoxb-1", "SLACK_MODE": "socket", "SLACK_SIGNING_SECRET": "s"}, "SLACK_APP_TOKEN"},
		{"wrong token kind", map[string]string{"SLACK_BOT_TOKEN": "xoxp-user", "SLACK_SIGNING_SECRET": "s"}, "does not look like a bot token"},
		{"app token without bot token", map[string]string{"SLACK_APP_TOKEN": "xapp-1"}, "SLACK_BOT_TOKEN is not"},
		{"fine", map[string]string{"SLACK_BOT_TOKEN": "xoxb-1", "SLACK_SIGNING_SECRET": "s"}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Load("", env(tt.env))
			switch {
			case tt.want == "" && err != nil:
				t.Fatalf("unexpected error: %v", err)
			case tt.want != "" && (err == nil || !strings.Contains(err.Error(), tt.want)):
				t.Fatalf("want %q, got %v", tt.want, err)
			}
		})
	}
}

func TestDurations(t *testing.T) {
	for in, want := range map[string]time.Duration{"90s": 90 * time.Second, "7d": 7 * 24 * time.Hour, "1h30m": 90 * time.Minute,
		"2w": 14 * 24 * time.Hour, "1y": 365 * 24 * time.Hour, "10y": 3650 * 24 * time.Hour, "0w": 0} {
		got, err := ParseDuration(in)
		if err != nil || got != want {
			t.Errorf("ParseDuration(%q) = %v, %v; want %v", in, got, err, want)
		}
	}
	for bad, says := range map[string]string{"": "not a duration", "7 days": "not a duration", "-d": "not a duration", "1.5d": "not a duration",
		"-1d": "not a duration", "+7d": "not a duration", "007d": "not a duration",
		"3651d": "more than 3650 days", "99999d": "more than 3650 days", "99999999999999999999d": "more than 3650 days",
		"11y": "more than 3650 days", "522w": "more than 3650 days", "1.5w": "not a duration", "-1y": "not a duration", "w": "not a duration",
		"2 weeks": "not a duration"} {
		if _, err := ParseDuration(bad); err == nil || !strings.Contains(err.Error(), says) {
			t.Errorf("ParseDuration(%q) = %v, want an error saying %q", bad, err, says)
		} else if errors.Is(err, ErrNotDuration) != (says == "not a duration") {
			// (a flag says its own examples for text that is no duration, and its
			// range for one too long)
			t.Errorf("ParseDuration(%q) = %v: errors.Is(ErrNotDuration) is %v", bad, err, !(says == "not a duration"))
		}
	}
	if got, err := ParseDuration("3650d"); err != nil || got != 3650*24*time.Hour {
		t.Errorf("ParseDuration(3650d) = %v, %v", got, err)
	}
	// Durations print as people type them, and parse back: "1h", not "1h0m0s",
	// beside "92d" (a range said "1h0m0s..92d").
	for d, want := range map[time.Duration]string{48 * time.Hour: "2d", 90 * time.Minute: "1h30m", time.Hour: "1h", 36 * time.Hour: "36h",
		2 * time.Minute: "2m", 90 * time.Second: "1m30s", 0: "0", 1500 * time.Millisecond: "1.5s", -time.Hour: "-1h", time.Hour + 500*time.Millisecond: "1h0m0.5s"} {
		got := FormatDuration(d)
		if got != want {
			t.Errorf("FormatDuration(%v) = %q, want %q", d, got, want)
		}
		if back, err := ParseDuration(got); err != nil || back != d {
			t.Errorf("ParseDuration(FormatDuration(%v)) = %v, %v", d, back, err)
		}
	}
}

// FuzzParse: no config file, however hostile, panics the parser or validation.
func FuzzParse(f *testing.F) {
	for _, s := range []string{"store: {data_dir: x}", "digests: [{schedule: '* * * * *', timezone: UTC}]", "analysis: {themes: [{name: a}]}", "a: &a [*a, *a]", "\xff"} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		cfg := Default()
		if err := Parse(data, &cfg); err != nil {
			return
		}
		_ = cfg.Validate()
	})
}

// TestFileProblemsInTheFilesTerms: keys and values that do not fit are reported by
// file and line, in the file's words (the section, the key meant, what a value should
// be), together with every other problem, and never with a secret's value.
func TestFileProblemsInTheFilesTerms(t *testing.T) {
	for _, tc := range []struct {
		name, body string
		want       []string // each must appear in the error
		problems   int
	}{
		{"typo", "store:\n  claim_idel: 1m\n", []string{`:2: unknown key "claim_idel" in store (did you mean "claim_idle"?)`}, 1},
		{"top level", "respons_targets: {}\n", []string{`:1: unknown key "respons_targets" at the top level (did you mean "response_targets"?)`}, 1},
		{"far from any key", "log:\n  colour: red\n", []string{`:2: unknown key "colour" in log (it takes level, format)`}, 1},
		{"in a list", "digests:\n  - chanel: C1\n", []string{`:2: unknown key "chanel" in digests[] (did you mean "channel"?)`}, 4},
		{"in a theme", "analysis:\n  themes:\n    - name: a\n      keyword: [x]\n", []string{`:4: unknown key "keyword" in analysis.themes[] (did you mean "keywords"?)`}, 2},
		{"in an account", "accounts:\n  - id: a\n    vaule: 5\n", []string{`:3: unknown key "vaule" in accounts[] (did you mean "value"?)`}, 1},
		{"word for a number", "analysis:\n  workers: two\n", []string{`:2: "two" is not a whole number`}, 1},
		{"list for a number", "analysis:\n  batch: [1]\n", []string{`:2: a list where a whole number belongs`}, 1},
		{"bad duration", "store:\n  claim_idle: soon\n", []string{`:2: "soon" is not a duration`}, 1},
		{"secret in the file", "slack:\n  bot_token: xoxb-inline-secret\n", []string{`:2: slack.bot_token: secrets never go in this file; set SLACK_BOT_TOKEN in the environment`}, 1},
		{"every problem at once", "store:\n  claim_idel: 1m\n  key_prefix: fb\nlog:\n  level: loud\nalerts:\n  repeat_interval: soon\n",
			[]string{`:2: unknown key "claim_idel"`, `:7: "soon" is not a duration`, `log.level: "loud"`}, 3},
	} {
		t.Run(tc.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "c.yaml")
			if err := os.WriteFile(path, []byte(tc.body), 0o600); err != nil {
				t.Fatal(err)
			}
			_, err := Load(path, env(nil))
			var p *Problems
			if !errors.As(err, &p) {
				t.Fatalf("want *Problems, got %v", err)
			}
			for _, want := range tc.want {
				if !strings.Contains(err.Error(), path+want) && !strings.Contains(err.Error(), want) {
					t.Errorf("missing %q in:\n%v", want, err)
				}
			}
			if len(p.Errs) != tc.problems {
				t.Errorf("%d problems, want %d:\n%v", len(p.Errs), tc.problems, err)
			}
			for _, bad := range []string{"config.", "!!str", "not found in type", "xoxb-inline-secret"} {
				if strings.Contains(err.Error(), bad) {
					t.Errorf("error speaks Go or shows a secret (%q):\n%v", bad, err)
				}
			}
		})
	}
}

func TestNearestKey(t *testing.T) {
	keys := []string{"data_dir", "key_prefix", "claim_idle"}
	for _, tc := range []struct{ in, want string }{
		{"claim_idel", "claim_idle"}, {"data_dri", "data_dir"}, {"DATA_DIR", "data_dir"},
		{"keyprefix", "key_prefix"}, {"redis_url", ""}, {"dir", ""},
	} {
		if got := nearest(tc.in, keys); got != tc.want {
			t.Errorf("nearest(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

// TestOperatorMistakesRefused: a secret file mounted but empty (it switched the
// store to the embedded one, or a platform off, without a word), two digests sharing
// a name in one workspace (they shared their run records and one never posted), a
// digest without a workspace (it never posted), and a second YAML document (read as
// nothing) are each reported.
func TestOperatorMistakesRefused(t *testing.T) {
	empty := filepath.Join(t.TempDir(), "empty")
	if err := os.WriteFile(empty, []byte("\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	digest := func(name, channel, workspace string) string {
		return fmt.Sprintf("  - {name: %q, platform: slack, channel: %s, workspace: %q, schedule: \"0 9 * * *\"}\n", name, channel, workspace)
	}
	sched := func(expr string) string {
		return fmt.Sprintf("slack: {internal_channels: [C1]}\ndigests:\n  - {name: d, platform: slack, channel: C1, workspace: T1, schedule: %q}\n", expr)
	}
	for _, tc := range []struct {
		name, body string
		env        map[string]string
		want       string
	}{
		{"empty REDIS_URL_FILE", "", map[string]string{"REDIS_URL_FILE": empty}, "REDIS_URL: secret file " + empty + " (named by REDIS_URL_FILE) is empty"},
		{"empty SLACK_BOT_TOKEN_FILE", "", map[string]string{"SLACK_BOT_TOKEN_FILE": empty}, "SLACK_BOT_TOKEN: secret file " + empty + " (named by SLACK_BOT_TOKEN_FILE) is empty"},
		{"two digests of one name", "slack: {internal_channels: [C1]}\ndigests:\n" + digest("", "C1", "T1") + digest("", "C1", "T1"),
			nil, `digests[1]: digests[0] has the same name "C1" in the same workspace`},
		{"a digest without a workspace", "slack: {internal_channels: [C1]}\ndigests:\n" + digest("daily", "C1", ""), nil, "digests[0] (daily): workspace is empty"},
		{"a second document", "log: {level: info}\n---\nstore:\n  data_dri: x\n", nil, "more than one YAML document"},
		// (a review's finds: both passed)
		{"a blank REDIS_URL", "", map[string]string{"REDIS_URL": "   "}, "REDIS_URL is set but blank"},
		{"a survey share that is not a number", "surveys: {sample: .nan}\n", nil, "surveys.sample: NaN is not a share between 0 and 1"},
		// (a review's finds: config check passed them, and run failed, listened on a
		// random port, or posted at the wrong hour)
		{"a port out of range", "server: {addr: \"127.0.0.1:99999\"}\n", nil, "server.addr: \"127.0.0.1:99999\" has no usable port"},
		{"a negative port", "server: {addr: \"127.0.0.1:-1\"}\n", nil, "has no usable port"},
		{"no port", "server: {addr: \"127.0.0.1:\"}\n", nil, "has no usable port"},
		{"an account id too long for a Discord button", "accounts:\n  - {id: " + strings.Repeat("a", 49) + "}\n", nil, "longer than 48 characters"},
		{"a schedule that never fires", "slack: {internal_channels: [C1]}\ndigests:\n  - {name: d, platform: slack, channel: C1, workspace: T1, schedule: \"0 9 30 2 *\"}\n",
			nil, "never fires"},
		// (a review's find: @every has no fixed times, so a period could not start
		// at the run before)
		{"an @every schedule", "slack: {internal_channels: [C1]}\ndigests:\n  - {name: d, platform: slack, channel: C1, workspace: T1, schedule: \"@every 90m\"}\n",
			nil, "@every has no fixed times"},
		// Durations are said as they are written, not as Go prints them ("1h0m0s").
		{"a digest period out of range", "slack: {internal_channels: [C1]}\ndigests:\n  - {name: d, platform: slack, channel: C1, workspace: T1, schedule: \"0 9 * * *\", period: 400d}\n",
			nil, "digests[0] (d): period 400d is out of range 1h..92d"},
		{"a digest period too short", "slack: {internal_channels: [C1]}\ndigests:\n  - {name: d, platform: slack, channel: C1, workspace: T1, schedule: \"0 9 * * *\", period: 30m}\n",
			nil, "period 30m is out of range 1h..92d"},
		{"a claim_idle too short", "store: {claim_idle: 0s}\n", nil, "store.claim_idle: 0 is too short (at least 1s)"},
		{"a repeat_interval too short", "alerts: {repeat_interval: 30s}\n", nil, "alerts.repeat_interval: 30s is too short (at least 1m)"},
		// A schedule's mistakes in words, field by field (a review's finds: the parser
		// said "failed to parse int from funday: strconv.Atoi: ...", "expected exactly 5
		// fields, found 6: [0 0 9 * * *]" and "end of range (61) above maximum (59): 61").
		{"a weekday that is no name", sched("0 9 * * mon-funday"), nil, `the day of the week field "mon-funday": "funday" is not a number or a name (sun-sat)`},
		{"six fields", sched("0 0 9 * * *"), nil, `has 6 fields (a sixth field, for seconds, is not taken); a schedule is five fields`},
		{"one field", sched("daily"), nil, `has 1 field; a schedule is five fields`},
		{"a minute out of range", sched("61 9 * * *"), nil, `the minute field "61": 61 is outside 0-59`},
		{"an hour out of range", sched("0 25 * * *"), nil, `the hour field "25": 25 is outside 0-23`},
		{"a range backwards", sched("0 9 * * 5-1"), nil, `the day of the week field "5-1": the range 5-1 runs backwards`},
		{"a step of nothing", sched("*/0 9 * * *"), nil, `the minute field "*/0": the step after / must be a whole number of 1 or more`},
		{"a zone in the schedule", "slack: {internal_channels: [C1]}\ndigests:\n  - {name: d, platform: slack, channel: C1, workspace: T1, schedule: \"CRON_TZ=America/New_York 0 9 * * *\", timezone: America/New_York}\n",
			nil, "give the zone as timezone: America/New_York, not in the schedule"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			path := ""
			if tc.body != "" {
				path = filepath.Join(t.TempDir(), "c.yaml")
				if err := os.WriteFile(path, []byte(tc.body), 0o600); err != nil {
					t.Fatal(err)
				}
			}
			if _, err := Load(path, env(tc.env)); err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("Load = %v; want an error saying %q", err, tc.want)
			}
		})
	}
	// The same names in two workspaces, or two names in one, are fine.
	path := filepath.Join(t.TempDir(), "c.yaml")
	body := "slack: {internal_channels: [C1]}\ndigests:\n" + digest("daily", "C1", "T1") + digest("daily", "C1", "T2") + digest("weekly", "C1", "T1")
	if err := os.WriteFile(path, []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := Load(path, env(nil)); err != nil {
		t.Errorf("distinct digests refused: %v", err)
	}
}

// TestEnvProblemsNameTheVariable: a value that came from the environment is
// reported by its variable, as it was set, not by the YAML key no file of the
// user's wrote (FEEDBACKBOT_LOG_LEVEL=verbose said `log.level: "verbose" is not
// one of …`, a review's find); a value from the file keeps its key.
func TestEnvProblemsNameTheVariable(t *testing.T) {
	t.Chdir(t.TempDir())
	for _, tc := range []struct {
		name string
		body string // the config file, if any
		env  map[string]string
		want string
		not  string // the YAML key, when the environment set the value
	}{
		{"log level", "", map[string]string{"FEEDBACKBOT_LOG_LEVEL": "verbose"}, `FEEDBACKBOT_LOG_LEVEL="verbose" is not one of debug, info, warn, error`, "log.level"},
		{"log level over the file's", "log: {level: loud}\n", map[string]string{"FEEDBACKBOT_LOG_LEVEL": "verbose"}, `FEEDBACKBOT_LOG_LEVEL="verbose" is not one of`, "log.level"},
		{"log level from the file", "log: {level: loud}\n", nil, `log.level: "loud" is not one of`, "FEEDBACKBOT_LOG_LEVEL"},
		{"log format", "", map[string]string{"FEEDBACKBOT_LOG_FORMAT": "xml"}, `FEEDBACKBOT_LOG_FORMAT="xml" is not text or json`, "log.format"},
		{"address", "", map[string]string{"FEEDBACKBOT_ADDR": "localhost"}, `FEEDBACKBOT_ADDR="localhost" is not host:port`, "server.addr"},
		{"port", "", map[string]string{"FEEDBACKBOT_ADDR": "127.0.0.1:99999"}, `FEEDBACKBOT_ADDR="127.0.0.1:99999" has no usable port`, "server.addr"},
		{"workers", "", map[string]string{"FEEDBACKBOT_WORKERS": "300"}, `FEEDBACKBOT_WORKERS=300 is out of range 1..256`, "analysis.workers"},
		{"workers from the file", "analysis: {workers: 300}\n", nil, `analysis.workers: 300 is out of range 1..256`, "FEEDBACKBOT_WORKERS"},
		{"data directory", "", map[string]string{"FEEDBACKBOT_DATA": "  "}, "FEEDBACKBOT_DATA is blank, and REDIS_URL is not set", "store.data_dir"},
		{"slack mode", "", map[string]string{"SLACK_MODE": "sockets"}, `SLACK_MODE="sockets" is not socket or http`, "slack.mode"},
		{"slack mode's secret", "", map[string]string{"SLACK_MODE": "http", "SLACK_BOT_TOKEN": "xoxb-1"}, "SLACK_MODE is http but SLACK_SIGNING_SECRET is not set", "slack.mode"},
		{"slack mode's app token", "", map[string]string{"SLACK_MODE": "socket", "SLACK_BOT_TOKEN": "xoxb-1", "SLACK_SIGNING_SECRET": "s"},
			"SLACK_MODE is socket but SLACK_APP_TOKEN", "slack.mode"},
		{"slack mode from the file", "slack: {mode: sockets}\n", nil, `slack.mode: "sockets" is not socket or http`, "SLACK_MODE"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			path := ""
			if tc.body != "" {
				path = filepath.Join(t.TempDir(), "c.yaml")
				if err := os.WriteFile(path, []byte(tc.body), 0o600); err != nil {
					t.Fatal(err)
				}
			}
			_, err := Load(path, env(tc.env))
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("Load = %v; want an error saying %q", err, tc.want)
			}
			if strings.Contains(err.Error(), tc.not) {
				t.Errorf("Load = %v; names %s, which the user did not set", err, tc.not)
			}
		})
	}
}

// TestSlackModeCheckedWithoutTokens: config check, run before the secrets are in
// place, said "Configuration OK" to slack.mode: sockets; it is refused whether or
// not a token is set.
func TestSlackModeCheckedWithoutTokens(t *testing.T) {
	c := Default()
	c.Slack.Mode = "sockets"
	if errs := c.Validate(); !strings.Contains(fmt.Sprint(errs), `slack.mode: "sockets" is not socket or http`) {
		t.Errorf("Validate() = %v; want the mode refused", errs)
	}
}

// TestCronProblemAcceptsWhatTheParserTakes: the schedule's own check finds
// nothing in schedules the parser takes (so it only explains, never refuses more).
func TestCronProblemAcceptsWhatTheParserTakes(t *testing.T) {
	for _, s := range []string{"0 9 * * 1-5", "30 8 * * MON-FRI", "@daily", "@every 1h", "0 9 1,15 * *", "*/15 * * * *", "0 0-23/2 * jan-mar,dec sun",
		"0 9 ? * 1", "59 23 31 12 6", "0 9 * * 0"} {
		if _, err := cronParser.Parse(s); err != nil {
			t.Errorf("the parser refuses %q: %v", s, err)
		}
		if p := cronProblem(s); p != "" {
			t.Errorf("cronProblem(%q) = %q, want nothing", s, p)
		}
	}
}

// TestProblemsNameTheFile: a configuration's problems name the file read, and
// that it was read by default when no --config was given: "log.level: …" alone,
// from a ./feedbackbot.yaml the user never named, did not say where to look (a
// new user's review). Without a file (the environment alone), none is named.
func TestProblemsNameTheFile(t *testing.T) {
	dir := t.TempDir()
	t.Chdir(dir)
	bad := []byte("log:\n  level: verbose\n")
	if err := os.WriteFile(DefaultFile, bad, 0o600); err != nil {
		t.Fatal(err)
	}
	other := filepath.Join(dir, "other.yaml")
	if err := os.WriteFile(other, bad, 0o600); err != nil {
		t.Fatal(err)
	}
	none := func(string) string { return "" }
	env := func(k string) string { return map[string]string{"FEEDBACKBOT_LOG_LEVEL": "verbose"}[k] }
	for _, tc := range []struct {
		name   string
		chdir  string // "" for dir
		path   string
		getenv func(string) string
		want   string // the error's last line; "" for no note
	}{
		{"read by default", "", "", none, "  (configuration file: ./feedbackbot.yaml, read by default: no --config was given)"},
		{"given with --config", "", other, none, "  (configuration file: " + other + ")"},
		{"none: the environment alone", t.TempDir(), "", env, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if tc.chdir != "" {
				t.Chdir(tc.chdir)
			}
			_, err := Load(tc.path, tc.getenv)
			if err == nil {
				t.Fatal("no problem found")
			}
			msg := err.Error()
			last := msg[strings.LastIndex(msg, "\n")+1:]
			if tc.want == "" && strings.Contains(msg, "configuration file") || tc.want != "" && last != tc.want {
				t.Errorf("Load(%q):\n%s\nwant its last line %q", tc.path, msg, tc.want)
			}
		})
	}
}
