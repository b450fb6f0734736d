package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/feedbackbot/feedbackbot"
	"github.com/feedbackbot/feedbackbot/analysis"
	"github.com/feedbackbot/feedbackbot/config"
	boltstore "github.com/feedbackbot/feedbackbot/store/bolt"
)

// runCLI runs the program in-process as main does: the exit status and both streams.
func runCLI(t *testing.T, env map[string]string, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	m, out, errb := testMain(env)
	err := m.Run(context.Background(), args)
	code = exitCode(m.Stderr, err)
	return code, out.String(), errb.String()
}

// startServe does what `run` does with m once its flags are read: it loads the
// config at cfgPath ("" for the environment only) and serves on a free port of
// 127.0.0.1, in the background. cancel is SIGTERM and done receives what serve
// returns; the test's cleanup cancels too, should the test stop first.
func startServe(t *testing.T, m *Main, cfgPath string) (addr string, cancel context.CancelFunc, done <-chan error) {
	t.Helper()
	cfg, err := m.load(cfgPath)
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	served := make(chan error, 1)
	go func() { served <- m.serve(ctx, cfg, ln) }()
	return ln.Addr().String(), cancel, served
}

// TestCommandLine: help goes to standard output and exits 0; a mistake is said once,
// on standard error, points to the help of the command it was made in and exits 2;
// a refusal that explains itself adds no pointer.
func TestCommandLine(t *testing.T) {
	t.Chdir(t.TempDir())
	// an export that is there, for the cases that are about something else: an
	// empty zip archive (import refuses a file that is none before asking more)
	if err := os.WriteFile("x.zip", []byte("PK\x05\x06"+strings.Repeat("\x00", 18)), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name          string
		args          []string
		code          int
		stdout        []string // each must appear on standard output
		stderr        []string // each must appear on standard error
		notStderr     []string
		stdoutIsEmpty bool
	}{
		{name: "no command", args: nil, code: 2, stderr: []string{"Usage: feedbackbot COMMAND", "feedbackbot: no command given"}, notStderr: []string{"Run '"}, stdoutIsEmpty: true},
		{name: "help", args: []string{"help"}, code: 0, stdout: []string{"Commands:", "demo", "'feedbackbot help COMMAND'"}},
		{name: "--help", args: []string{"--help"}, code: 0, stdout: []string{"Commands:", "  config check validate"}},
		{name: "help for a command", args: []string{"help", "digest"}, code: 0, stdout: []string{"Usage: feedbackbot digest", "\n  -period PERIOD\n", "\n  -as-of TIME\n", "\n  -chart FILE\n", "\n  -workspace ID\n", "\n  -tz ZONE\n"}},
		{name: "help config", args: []string{"help", "config"}, code: 0, stdout: []string{"Usage: feedbackbot config check"}},
		{name: "help config check", args: []string{"help", "config", "check"}, code: 0, stdout: []string{"Usage: feedbackbot config check"}},
		{name: "config --help", args: []string{"config", "--help"}, code: 0, stdout: []string{"Usage: feedbackbot config check"}},
		{name: "help for no such command", args: []string{"help", "nope"}, code: 2, stderr: []string{`help: unknown command "nope"`}},
		{name: "command --help", args: []string{"risk", "--help"}, code: 0, stdout: []string{"Usage: feedbackbot risk", "Flags:"}},
		{name: "demo --help names its placeholders", args: []string{"demo", "--help"}, code: 0, stdout: []string{"\n  -slack-export FILE.zip\n", "\n  -dir DIR\n", "\n  -period PERIOD\n"}},
		// Each flag's value is named for what it is, and a range enforced is said
		// (they said string, int or duration, and --workers 300 was refused unannounced).
		{name: "expire --help names its placeholders", args: []string{"expire", "--help"}, code: 0, stdout: []string{"\n  -as-of TIME\n", "\n  -older-than AGE\n", "\n  -workspace ID\n"}},
		{name: "export --help names its placeholders", args: []string{"export", "--help"}, code: 0, stdout: []string{"\n  -out FILE\n", "\n  -user ID\n", "\n  -workspace ID\n"}},
		{name: "import --help names its placeholders", args: []string{"import", "--help"}, code: 0,
			stdout: []string{"\n  -slack-export FILE.zip\n", "\n  -team ID\n", "\n  -discord-export FILE.json|DIR\n"}},
		{name: "analyze --help says its range", args: []string{"analyze", "--help"}, code: 0, stdout: []string{"\n  -workers N\n", "1..256", "\n  -mode MODE\n"}},
		{name: "learn --help says its range", args: []string{"learn", "--help"}, code: 0, stdout: []string{"\n  -weight N\n", "1..100", "\n  -folds N\n", "2..10"}},
		{name: "backfill --help says its range", args: []string{"backfill", "--help"}, code: 0,
			stdout: []string{"\n  -page-size N\n", "1..1000", "\n  -channel ID\n", "\n  -since PERIOD\n", "\n  -thread-lookback PERIOD\n"}},
		{name: "--version", args: []string{"--version"}, code: 0, stdout: []string{"feedbackbot dev"}},
		{name: "version with an argument", args: []string{"version", "x"}, code: 2, stderr: []string{`version: unexpected argument "x"`}},
		{name: "a bare account names --account", args: []string{"risk", "acme"}, code: 2,
			stderr: []string{`risk: unexpected argument "acme" (did you mean --account acme?)`, "Run 'feedbackbot risk --help'"}},
		{name: "a bare period names --period", args: []string{"digest", "30d", "--json"}, code: 2,
			stderr: []string{`digest: unexpected argument "30d" (did you mean --period 30d?)`}},
		// (it failed at the end: "rename /tmp/.x.123.tmp /tmp/x: file exists")
		{name: "export into a directory", args: []string{"export", "--workspace", "T1", "--user", "U1", "--out", "."}, code: 2,
			stderr: []string{"export: --out . is a directory: give a file name, such as U1.jsonl"}},
		// A date is --as-of and a word a workspace (both were "did you mean --period …?").
		{name: "a bare date", args: []string{"digest", "2026-12-01"}, code: 2,
			stderr: []string{`digest: unexpected argument "2026-12-01" (did you mean --as-of 2026-12-01?)`}},
		{name: "a bare workspace", args: []string{"digest", "T0DEMO"}, code: 2,
			stderr: []string{`digest: unexpected argument "T0DEMO" (did you mean --workspace T0DEMO?)`}},
		{name: "a bare age", args: []string{"expire", "90d"}, code: 2,
			stderr: []string{`expire: unexpected argument "90d" (did you mean --older-than 90d?)`}},
		{name: "a bare argument with a space is quoted in the guess", args: []string{"risk", "Acme Corp"}, code: 2,
			stderr: []string{`risk: unexpected argument "Acme Corp" (did you mean --account 'Acme Corp'?)`}},
		{name: "no guess for a flag already given", args: []string{"risk", "--account", "acme", "extra"}, code: 2,
			stderr: []string{`risk: unexpected argument "extra"`}, notStderr: []string{"did you mean"}},
		{name: "after --, a flag-like argument gets no guess", args: []string{"risk", "--", "-x"}, code: 2,
			stderr: []string{`risk: unexpected argument "-x"`}, notStderr: []string{"did you mean"}},
		{name: "unknown command", args: []string{"nope"}, code: 2, stderr: []string{`unknown command "nope"`, "Run 'feedbackbot help' for usage."}, notStderr: []string{"did you mean"}},
		// Typos and the other words people type get a guess; the review's misfires
		// do not come back ("export T0DEMO noah.g" was "did you mean --user T0DEMO?").
		{name: "a mistyped command", args: []string{"dgest"}, code: 2, stderr: []string{`unknown command "dgest" (did you mean digest?)`}},
		// (it said `unknown command "--config" (did you mean config?)`)
		{name: "a flag before the command", args: []string{"--config", "my config.yaml", "digest", "--period", "7d"}, code: 2,
			stderr: []string{`--config is a flag: flags go after the command, as in: feedbackbot digest --config 'my config.yaml' --period 7d`}, notStderr: []string{"did you mean"}},
		{name: "a flag before the command, words a shell reads", args: []string{"--account", "AT&T", "risk", "--channel", "#support", "--as-of", "2026-01-01T00:00:00Z"}, code: 2,
			stderr: []string{`as in: feedbackbot risk --account 'AT&T' --channel '#support' --as-of 2026-01-01T00:00:00Z`}},
		{name: "a flag and no command", args: []string{"--config=x.yaml"}, code: 2,
			stderr: []string{`--config=x.yaml is a flag: flags go after the command, as in: feedbackbot digest --config FILE`}},
		{name: "help for a mistyped command", args: []string{"help", "rsik"}, code: 2, stderr: []string{`help: unknown command "rsik" (did you mean risk?)`}},
		{name: "a mistyped flag", args: []string{"risk", "--acount", "acme"}, code: 2, stderr: []string{"risk: unknown flag --acount (did you mean --account?)"}},
		{name: "a flag without its dash", args: []string{"digest", "--asof", "2026-12-01"}, code: 2, stderr: []string{"digest: unknown flag --asof (did you mean --as-of?)"}},
		{name: "another word for a flag", args: []string{"digest", "--since", "30d"}, code: 2, stderr: []string{"digest: unknown flag --since (did you mean --period?)"}},
		{name: "a bare switch", args: []string{"digest", "json"}, code: 2, stderr: []string{`digest: unexpected argument "json" (did you mean --json?)`}},
		{name: "a bare workspace and person", args: []string{"export", "T0DEMO", "noah.g"}, code: 2,
			stderr: []string{`export: unexpected argument "T0DEMO" (did you mean --workspace T0DEMO --user noah.g?)`}},
		{name: "a time of day after a date", args: []string{"digest", "--as-of", "2026-12-05", "09:00"}, code: 2,
			stderr: []string{`digest: unexpected argument "09:00" (a date and a time are one value: --as-of 2026-12-05T09:00)`}},
		{name: "a bare archive to import", args: []string{"import", "export.zip"}, code: 2, stderr: []string{`import: unexpected argument "export.zip" (did you mean --slack-export export.zip?)`}},
		{name: "a file for analyze", args: []string{"analyze", "extra.txt"}, code: 2, stderr: []string{`analyze reads JSON Lines on standard input: analyze < extra.txt`}},
		{name: "a mode for analyze", args: []string{"analyze", "text"}, code: 2, stderr: []string{`analyze: unexpected argument "text" (did you mean --mode text?)`}},
		{name: "a bare workspace and person before a flag", args: []string{"export", "T0DEMO", "noah.g", "--out", "x.jsonl"}, code: 2,
			stderr: []string{`(did you mean --workspace T0DEMO --user noah.g?)`}},
		{name: "unknown flag", args: []string{"digest", "--bogus"}, code: 2,
			stderr: []string{"feedbackbot: digest: unknown flag --bogus\nRun 'feedbackbot digest --help' for usage.\n"}, notStderr: []string{"Flags:", "provided but not defined"}, stdoutIsEmpty: true},
		{name: "bad flag value", args: []string{"digest", "--period", "7"}, code: 2,
			stderr: []string{`digest: --period "7": `, "Run 'feedbackbot digest --help'"}, notStderr: []string{"Flags:", "invalid value"}},
		// Go's flag package wording, said in ours (it said `invalid value "abc" for flag -workers: parse error`).
		{name: "a number that is not", args: []string{"analyze", "--workers", "abc"}, code: 2,
			stderr: []string{`analyze: --workers "abc": not a whole number`}, notStderr: []string{"parse error"}},
		{name: "a boolean that is not", args: []string{"digest", "--json=maybe"}, code: 2,
			stderr: []string{`digest: --json="maybe": not true or false`}, notStderr: []string{"parse error"}},
		// Both ends of a range as people type them (it said "1h0m0s..92d").
		{name: "a period out of range", args: []string{"digest", "--period", "400d"}, code: 2,
			stderr: []string{`digest: --period "400d": 400d is out of range 1h..92d`}, notStderr: []string{"0m0s"}},
		{name: "a period too short", args: []string{"demo", "--period", "30m"}, code: 2,
			stderr: []string{"30m is out of range 1h..92d"}, notStderr: []string{"0m0s"}},
		{name: "a look-back out of range", args: []string{"backfill", "--channel", "C1", "--thread-lookback", "400d"}, code: 2,
			stderr: []string{"400d is out of range 0..365d"}},
		// Examples of a duration from the flag's own range (it offered 90s and 1y to
		// --period, which then refused them as out of range 1h..92d).
		{name: "a period that is no duration", args: []string{"digest", "--period", "7days"}, code: 2,
			stderr: []string{`digest: --period "7days": "7days" is not a duration (e.g. 12h, 7d, 2w, 30d)`}, notStderr: []string{"90s", "1y"}},
		{name: "a look-back that is no duration", args: []string{"backfill", "--channel", "C1", "--thread-lookback", "soon"}, code: 2,
			stderr: []string{`"soon" is not a duration (e.g. 90s, 15m, 12h, 7d, 2w, 30d, 1y)`}},
		{name: "a period of more than ten years", args: []string{"digest", "--period", "11y"}, code: 2,
			stderr: []string{"11y is out of range 1h..92d"}, notStderr: []string{"3650 days"}},
		{name: "an age that is no duration", args: []string{"expire", "--older-than", "soon", "--yes"}, code: 2,
			stderr: []string{`--older-than: "soon" is not an age (e.g. 7d, 2w, 30d, 1y)`}, notStderr: []string{"90s", "15m"}},
		// --chart is checked before the digest is built (it was written last, in Go's
		// words), as export --out and learn --out are: here, before any store is
		// looked for.
		{name: "a chart into a directory", args: []string{"digest", "--chart", "."}, code: 2,
			stderr: []string{"digest: --chart . is a directory: give a file name, such as digest.png", "Run 'feedbackbot digest --help'"}},
		{name: "a chart in a directory that is not there", args: []string{"digest", "--chart", "nope/chart.png"}, code: 2,
			stderr: []string{"--chart nope/chart.png: the directory nope does not exist"}},
		{name: "a chart in a file", args: []string{"digest", "--chart", "x.zip/chart.png"}, code: 2,
			stderr: []string{"--chart x.zip/chart.png: x.zip is a file, not a directory"}},
		{name: "a chart that is no PNG", args: []string{"digest", "--chart", "chart.jpg"}, code: 2,
			stderr: []string{"--chart chart.jpg: the chart is a PNG image: give a file name ending in .png, such as chart.png"}},
		{name: "a learned layer into a directory", args: []string{"learn", "--out", "."}, code: 2,
			stderr: []string{"learn: --out . is a directory: give a file name, such as feedbackbot-layer.json"}},
		{name: "a learned layer in a directory that is not there", args: []string{"learn", "--out", "nope/layer.json"}, code: 2,
			stderr: []string{"--out nope/layer.json: the directory nope does not exist"}},
		{name: "flag without its value", args: []string{"risk", "--as-of"}, code: 2, stderr: []string{"risk: flag needs an argument", "Run 'feedbackbot risk --help'"}},
		{name: "bad --as-of", args: []string{"risk", "--as-of", "yesterday"}, code: 2, stderr: []string{`--as-of "yesterday"`, "Run 'feedbackbot risk --help'"}},
		{name: "missing argument", args: []string{"export", "--workspace", "T1"}, code: 2, stderr: []string{"export needs --user", "Run 'feedbackbot export --help'"}},
		{name: "config without check", args: []string{"config"}, code: 2, stderr: []string{"Run 'feedbackbot config check --help'"}},
		{name: "forget without --yes explains itself", args: []string{"forget", "--workspace", "T1", "--user", "U1"}, code: 2,
			stderr: []string{"run forget again with --yes"}, notStderr: []string{"Run '"}},
		{name: "expire without --yes explains itself", args: []string{"expire", "--older-than", "180d"}, code: 2,
			stderr: []string{"run it again with --yes"}, notStderr: []string{"Run '"}},
		{name: "a Slack import needs --team, before any store is opened", args: []string{"import", "--slack-export", "x.zip"}, code: 2,
			stderr: []string{"import: name your own (staff) workspace with --team ID", "Run 'feedbackbot import --help'"}, notStderr: []string{"Importing into"}},
		// A file that is not there is said first, and plainly (--team was asked for
		// first, then "import: stat nope.zip: no such file or directory").
		{name: "a Slack export that is not there, without --team", args: []string{"import", "--slack-export", "nope.zip"}, code: 2,
			stderr: []string{"import: --slack-export nope.zip: no such file\n", "Run 'feedbackbot import --help'"}, notStderr: []string{"--team ID", "stat "}},
		{name: "a Slack export that is not there", args: []string{"import", "--slack-export", "nope.zip", "--team", "T1"}, code: 2,
			stderr: []string{"import: --slack-export nope.zip: no such file\n"}, notStderr: []string{"stat "}},
		{name: "a Discord export that is not there", args: []string{"import", "--discord-export", "nope.json"}, code: 2,
			stderr: []string{"import: --discord-export nope.json: no such file\n"}, notStderr: []string{"stat "}},
		{name: "import names both formats", args: []string{"import", "--help"}, code: 0, stdout: []string{"--slack-export FILE.zip --team ID [--team-domain acme] | --discord-export FILE.json|DIR"}},
		{name: "expire echoes the age as given", args: []string{"expire", "--older-than", "2h", "--yes"}, code: 2,
			stderr: []string{"--older-than 2h is less than a day"}, notStderr: []string{"2h0m0s"}},
		{name: "expire with an age of none says so", args: []string{"expire", "--older-than", "0d", "--yes"}, code: 2,
			stderr: []string{"--older-than 0d: give an age of a day or more"}, notStderr: []string{"needs an age"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			code, stdout, stderr := runCLI(t, nil, tc.args...)
			if code != tc.code {
				t.Errorf("exit status %d, want %d\nstdout:\n%s\nstderr:\n%s", code, tc.code, stdout, stderr)
			}
			for _, want := range tc.stdout {
				if !strings.Contains(stdout, want) {
					t.Errorf("stdout lacks %q:\n%s", want, stdout)
				}
			}
			for _, want := range tc.stderr {
				if !strings.Contains(stderr, want) {
					t.Errorf("stderr lacks %q:\n%s", want, stderr)
				}
			}
			for _, bad := range tc.notStderr {
				if strings.Contains(stderr, bad) {
					t.Errorf("stderr has %q:\n%s", bad, stderr)
				}
			}
			if tc.code == 0 && stderr != "" {
				t.Errorf("help wrote to stderr:\n%s", stderr)
			}
			if tc.stdoutIsEmpty && stdout != "" {
				t.Errorf("a mistake wrote to stdout:\n%s", stdout)
			}
			if strings.Contains(stdout+stderr, "`") {
				t.Errorf("a backquote leaked into the help:\n%s%s", stdout, stderr)
			}
		})
	}
}

// TestUnknownWorkspace: a --workspace the store has never seen is a usage error that
// names the ones it has (a typo must not print an empty digest or a clean bill of
// health); export and forget warn and still run, since forgetting someone before
// their first message is legitimate (and export then says it holds nothing of them).
func TestUnknownWorkspace(t *testing.T) {
	dir := t.TempDir()
	t.Chdir(dir)
	empty := t.TempDir()
	if code, _, stderr := runCLI(t, nil, "demo", "--dir", dir, "--as-of", "2026-11-20T09:00:00Z"); code != 0 {
		t.Fatalf("demo: %s", stderr)
	}
	env := map[string]string{"FEEDBACKBOT_DATA": dir, "USER": "tester"}
	for _, tc := range []struct {
		name string
		env  map[string]string
		args []string
		code int
		want string
	}{
		{"digest", env, []string{"digest", "--workspace", "T0DEMOX", "--as-of", "2026-11-20"}, 2, "--workspace T0DEMOX: no such workspace in the store (it holds T0DEMO)"},
		{"risk", env, []string{"risk", "--workspace", "T0DEMOX"}, 2, "no such workspace in the store (it holds T0DEMO)"},
		{"reanalyze", env, []string{"reanalyze", "--workspace", "T0DEMOX"}, 2, "no such workspace in the store (it holds T0DEMO)"},
		{"expire", env, []string{"expire", "--workspace", "T0DEMOX", "--older-than", "365d", "--yes"}, 2, "no such workspace in the store (it holds T0DEMO)"},
		{"no store", map[string]string{"FEEDBACKBOT_DATA": empty}, []string{"risk", "--workspace", "T1"}, 1, "no store in " + empty + ": nothing was captured there"},
		{"export warns", env, []string{"export", "--workspace", "T0DEMOX", "--user", "dana.k"}, 1, "warning: the store has no workspace T0DEMOX (it holds only T0DEMO)"},
		{"export says nothing is held", env, []string{"export", "--workspace", "T0DEMOX", "--user", "dana.k"}, 1, "no data held for user dana.k in workspace T0DEMOX"},
		// and where the id does have messages (a review's find)
		{"export names the workspace that holds them", env, []string{"export", "--workspace", "T0DEMOX", "--user", "dana.k"}, 1, "The store holds messages by dana.k in workspace T0DEMO."},
		// with one workspace stored, export and forget take it, as digest and risk do
		{"export picks the only workspace", env, []string{"export", "--user", "dana.k"}, 0, "Exported 11 messages"},
		{"forget refuses nothing to forget", env, []string{"forget", "--workspace", "T0DEMOX", "--user", "dana.k", "--yes"}, 2, "holds no message, survey answer, alert or posted digest of or about dana.k, nor a correction they made, in workspace T0DEMOX"},
		{"forget warns", env, []string{"forget", "--workspace", "T0DEMOX", "--user", "dana.k", "--yes", "--force"}, 0, "warning: the store has no workspace T0DEMOX"},
		// forced, they are recorded as forgotten: again, that is said, exit 0
		{"forget again", env, []string{"forget", "--workspace", "T0DEMOX", "--user", "dana.k", "--yes"}, 0, ""},
		{"known workspace", env, []string{"risk", "--workspace", "T0DEMO", "--as-of", "2026-11-20T09:00:00Z"}, 0, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			code, stdout, stderr := runCLI(t, tc.env, tc.args...)
			if code != tc.code || !strings.Contains(stderr, tc.want) {
				t.Errorf("exit %d (want %d), stderr lacks %q:\n%s\nstdout:\n%s", code, tc.code, tc.want, stderr, firstLines(stdout, 5))
			}
		})
	}
	// Nothing erased in the demo's workspace by the forget in the wrong one.
	if _, stdout, _ := runCLI(t, env, "export", "--workspace", DemoWorkspace, "--user", "dana.k"); stdout == "" {
		t.Errorf("forget in another workspace erased dana.k in %s", DemoWorkspace)
	}
}

func TestProgressTo(t *testing.T) {
	for _, tc := range []struct {
		name  string
		calls []int
		want  string
	}{
		{"into a file only the final line", []int{10, 500, 1000, -1}, "  T1: 1000 entries, done\n"},
		{"nothing read", []int{-1}, "  T1: 0 entries, done\n"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var b bytes.Buffer
			p := progressTo(&b, "  T1")
			for _, n := range tc.calls {
				p(n)
			}
			if b.String() != tc.want {
				t.Errorf("got %q, want %q", b.String(), tc.want)
			}
		})
	}
	f, err := os.Create(filepath.Join(t.TempDir(), "f"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if isTerminal(f) || isTerminal(&bytes.Buffer{}) {
		t.Errorf("a file or a buffer taken for a terminal")
	}
}

// TestAnalyzeLines: typed input gets the same answers as piped input, and an
// interrupt ends the wait for the next line at once.
func TestAnalyzeLines(t *testing.T) {
	a, err := analysis.New(analysis.DefaultTaxonomy())
	if err != nil {
		t.Fatal(err)
	}
	for _, in := range []string{
		"",
		"we were charged twice\n",
		"{\"text\":\"love the new editor\"}\n\n{bad json\nno newline at the end",
		"windows line\r\n{\"text\": 5}\r\n",
	} {
		var piped, typed bytes.Buffer
		if _, err := runAnalyze(context.Background(), strings.NewReader(in), &piped, a, 2); err != nil {
			t.Fatal(err)
		}
		if err := analyzeLines(context.Background(), strings.NewReader(in), &typed, a); err != nil {
			t.Fatal(err)
		}
		if typed.String() != piped.String() {
			t.Errorf("input %q:\ntyped %s\npiped %s", in, typed.String(), piped.String())
		}
	}
	r, w := io.Pipe()
	defer w.Close()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- analyzeLines(ctx, r, io.Discard, a) }()
	cancel()
	select {
	case err := <-done:
		if !errors.Is(err, context.Canceled) {
			t.Errorf("interrupted: %v", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("an interrupt did not end the wait for input")
	}
}

func TestConfigSource(t *testing.T) {
	t.Chdir(t.TempDir())
	if got := configSource(""); !strings.Contains(got, "no feedbackbot.yaml here") {
		t.Errorf("without a file: %q", got)
	}
	if got := configSource("x.yaml"); got != "x.yaml and the environment" {
		t.Errorf("explicit file: %q", got)
	}
	if err := os.WriteFile(config.DefaultFile, []byte("log: {level: info}\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if got := configSource(""); got != "feedbackbot.yaml and the environment" {
		t.Errorf("default file present: %q", got)
	}
}

// TestReadCommandsNeedAStore: a command that reads or erases what is stored, run
// where there is no store, says so and creates nothing (it used to leave an empty
// ./feedbackbot-data behind and report "no messages yet").
func TestReadCommandsNeedAStore(t *testing.T) {
	for _, args := range [][]string{
		{"digest"}, {"risk"}, {"reanalyze"},
		{"export", "--workspace", "T1", "--user", "U1"},
		{"forget", "--workspace", "T1", "--user", "U1", "--yes"},
		{"expire", "--older-than", "90d", "--yes"},
	} {
		t.Run(args[0], func(t *testing.T) {
			dir := t.TempDir()
			t.Chdir(dir)
			code, _, stderr := runCLI(t, nil, args...)
			if code != 1 || !strings.Contains(stderr, "no store in ./feedbackbot-data: nothing was captured there") {
				t.Errorf("exit %d, stderr:\n%s", code, stderr)
			}
			if _, err := os.Stat(filepath.Join(dir, "feedbackbot-data")); err == nil {
				t.Errorf("%v created a store directory", args)
			}
		})
	}
}

// TestConfigCheckReadsRedisURL: config check reads REDIS_URL as the store will, so a
// URL that cannot work fails the check (it used to pass as "Redis at <secret>"), and
// the password never shows.
func TestConfigCheckReadsRedisURL(t *testing.T) {
	t.Chdir(t.TempDir())
	for _, tc := range []struct {
		url  string
		code int
		want string
	}{
		{"redis://:hunter2@127.0.0.1:6379/0", 0, "Redis at redis://:xxxxx@127.0.0.1:6379/0"},
		{"redis+cluster://h1:7000,h2:7000", 1, "cannot reach Redis at h1:7000,h2:7000 (cluster)"},
		{"http://:hunter2@x:6379", 1, `REDIS_URL: unsupported scheme "http"`},
		{"redis://:hun ter2@[bad", 1, "REDIS_URL: address 1 has an invalid host"},
		{"redis+cluster://:hunter2@h1:7000/3", 1, "REDIS_URL: Redis Cluster has only database 0"},
	} {
		t.Run(tc.url, func(t *testing.T) {
			if tc.code == 0 {
				checkRedisURL(t) // config check opens the store: skips when no Redis answers
			}
			code, stdout, stderr := runCLI(t, map[string]string{"REDIS_URL": tc.url}, "config", "check")
			if code != tc.code || !strings.Contains(stdout+stderr, tc.want) {
				t.Errorf("exit %d (want %d), output lacks %q:\n%s%s", code, tc.code, tc.want, stdout, stderr)
			}
			if strings.Contains(stdout+stderr, "hunter2") || strings.Contains(stdout+stderr, "hun ter2") {
				t.Errorf("the password was printed:\n%s%s", stdout, stderr)
			}
		})
	}
}

// TestRiskOneAccount: risk --account shows one account with every reason, the quotes
// behind them and the next step; --json holds that one account; it finds an
// account by id, configured name or the name stored with its messages; an id the
// workspace has no messages from is a usage error naming the closest accounts first.
func TestRiskOneAccount(t *testing.T) {
	dir := t.TempDir()
	t.Chdir(dir)
	const asof = "2026-12-01T09:00:00Z"
	if code, _, stderr := runCLI(t, nil, "demo", "--dir", dir, "--as-of", asof); code != 0 {
		t.Fatalf("demo: %s", stderr)
	}
	env := map[string]string{"FEEDBACKBOT_DATA": dir, "USER": "tester"}
	code, stdout, stderr := runCLI(t, env, "risk", "--as-of", asof, "--account", "fennel")
	if code != 0 {
		t.Fatalf("risk --account fennel: exit %d: %s", code, stderr)
	}
	for _, want := range []string{"Fennel Foods (fennel): health ", "AT RISK", "What the score rests on:", "Silent for 15 days", "        > “", "Suggested next step: "} {
		if !strings.Contains(stdout, want) {
			t.Errorf("risk --account fennel lacks %q:\n%s", want, stdout)
		}
	}
	if strings.Contains(stdout, "Acme") {
		t.Errorf("risk --account fennel shows another account:\n%s", stdout)
	}
	code, stdout, stderr = runCLI(t, env, "risk", "--as-of", asof, "--account", "fennel", "--json")
	var out struct {
		Accounts []struct {
			ID      string `json:"id"`
			Reasons []any  `json:"reasons"`
		} `json:"accounts"`
	}
	if err := json.Unmarshal([]byte(stdout), &out); code != 0 || err != nil || len(out.Accounts) != 1 || out.Accounts[0].ID != "fennel" || len(out.Accounts[0].Reasons) == 0 {
		t.Errorf("risk --account fennel --json: exit %d, %v, %+v: %s", code, err, out, stderr)
	}
	// Asked of a moment before every account wrote, the list says why it is empty
	// (it printed a header over no rows).
	if code, stdout, stderr := runCLI(t, env, "risk", "--as-of", "2025-01-01T00:00:00Z"); code != 0 || !strings.Contains(stdout, "so there is nothing to assess") || strings.Contains(stdout, "ACCOUNT") {
		t.Errorf("risk before any message: exit %d: %s%s", code, stdout, stderr)
	}
	// An export to a directory that does not exist names the file asked for, not
	// its temporary one; it is refused before any work, as a mistake in the
	// command line (exit status 2), as digest --chart and learn --out are.
	if code, _, stderr := runCLI(t, env, "export", "--workspace", DemoWorkspace, "--user", "dana.k", "--out", filepath.Join(dir, "nope", "x.jsonl")); code != 2 ||
		!strings.Contains(stderr, "--out "+filepath.Join(dir, "nope", "x.jsonl")+": the directory "+filepath.Join(dir, "nope")+" does not exist") ||
		strings.Contains(stderr, ".tmp") {
		t.Errorf("export into a missing directory: exit %d: %s", code, stderr)
	}
	// Part of an id (or a configured name) is enough when it names one account.
	if code, stdout, stderr := runCLI(t, env, "risk", "--as-of", asof, "--account", "FENN"); code != 0 || !strings.HasPrefix(stdout, "Fennel Foods (fennel): health ") {
		t.Errorf("risk --account FENN: exit %d: %s%s", code, stdout, stderr)
	}
	if code, _, stderr := runCLI(t, env, "risk", "--as-of", asof, "--account", "m-"); code != 2 || !strings.Contains(stderr, `--account m-: "m-" matches several accounts: `) {
		t.Errorf("risk --account m- (several): exit %d: %s", code, stderr)
	}
	// The names stored with the messages (no config names them here: the demo's
	// accounts are its own), whole or in part, as --account's help says: only ids
	// and configured names were matched.
	for q, want := range map[string]string{"Blue Harbor": "Blue Harbor Shipping (blueharbor): health ", "logistics": "Acme Logistics (acme): health ",
		"cobalt retail": "Cobalt Retail (cobalt): health "} {
		if code, stdout, stderr := runCLI(t, env, "risk", "--as-of", asof, "--account", q); code != 0 || !strings.HasPrefix(stdout, want) {
			t.Errorf("risk --account %q: exit %d: %s%s", q, code, stdout, stderr)
		}
	}
	if code, _, stderr := runCLI(t, env, "risk", "--as-of", asof, "--account", "(community)"); code != 2 ||
		!strings.Contains(stderr, `"(community)" matches several accounts: Aiko (community) (m-aiko), `) {
		t.Errorf("risk --account (community) (several, by their stored names): exit %d: %s", code, stderr)
	}
	code, _, stderr = runCLI(t, env, "risk", "--as-of", asof, "--account", "acmee")
	if code != 2 || !strings.Contains(stderr, "--account acmee: no account in workspace T0DEMO matches it by id or name (its accounts, closest first: Acme Logistics (acme), ") {
		t.Errorf("an unknown account: exit %d: %s", code, stderr)
	}
	// The terminal shows names as written: the names of a part that names several
	// come from bot.ResolveAccount, which escapes them for Slack's markup.
	cfg := "accounts:\n  - {id: acme, name: \"Shop & Co\"}\n  - {id: fennel, name: \"Shop <Sons>\"}\n"
	if err := os.WriteFile("feedbackbot.yaml", []byte(cfg), 0o600); err != nil {
		t.Fatal(err)
	}
	code, _, stderr = runCLI(t, env, "risk", "--as-of", asof, "--account", "shop")
	if code != 2 || !strings.Contains(stderr, "matches several accounts") {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	if strings.Contains(stderr, "&amp;") || strings.Contains(stderr, "&lt;") || !strings.Contains(stderr, "Shop & Co") {
		t.Errorf("the terminal shows Slack's escapes: %s", stderr)
	}
}

// TestConfigCheckWarnsOfUnpostable: alerts or a digest aimed at a platform with no
// token would post nothing, without a word: config check says so (and run logs it).
func TestConfigCheckWarnsOfUnpostable(t *testing.T) {
	t.Chdir(t.TempDir())
	body := "slack: {internal_channels: [C1]}\ndiscord: {internal_channels: [\"123\"]}\nalerts: {platform: slack, channel: C1}\n" +
		"digests:\n  - {name: weekly, platform: discord, channel: \"123\", workspace: \"456\", schedule: \"0 9 * * 1\"}\n"
	if err := os.WriteFile("feedbackbot.yaml", []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}
	code, stdout, stderr := runCLI(t, nil, "config", "check")
	for _, want := range []string{"warning: alerts go to slack channel C1, but slack is not connected (no token): no alerts will be posted",
		"warning: digest weekly goes to discord channel 123, but discord is not connected (no token): it will not be posted"} {
		if code != 0 || !strings.Contains(stdout, want) {
			t.Errorf("exit %d, output lacks %q:\n%s%s", code, want, stdout, stderr)
		}
	}
}

// TestBackfillNeedsNoReceivingSecret: backfill only calls Slack's Web API, so a
// bot token is enough; it refused, "slack.mode is http but SLACK_SIGNING_SECRET is
// not set" (a review's find). A page size Slack does not take is refused.
func TestBackfillNeedsNoReceivingSecret(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		io.WriteString(w, `{"ok":true,"team_id":"THOME","user_id":"UBOT","team":"Home","messages":[],"has_more":false,"channel":{"id":"C1","name":"general"}}`)
	}))
	t.Cleanup(srv.Close)
	env := map[string]string{"SLACK_BOT_TOKEN": "xoxb-backfill", "SLACK_API_URL": srv.URL + "/", "FEEDBACKBOT_DATA": t.TempDir()}
	code, _, stderr := runCLI(t, env, "backfill", "--channel", "C1", "--since", "1d")
	if code != 0 || strings.Contains(stderr, "SIGNING_SECRET") {
		t.Errorf("backfill with a bot token alone: exit %d\n%s", code, stderr)
	}
	for _, size := range []string{"0", "-5", "1001"} {
		if code, _, stderr := runCLI(t, env, "backfill", "--channel", "C1", "--page-size", size); code != 2 || !strings.Contains(stderr, "--page-size "+size+" is out of range 1..1000") {
			t.Errorf("--page-size %s: exit %d\n%s", size, code, stderr)
		}
	}
}

// TestDigestAsOfDateInItsZone: a date given to --as-of is midnight in --tz, and
// the footer states the period in that zone, as the header counts its days (the
// date was midnight UTC, and the footer UTC, under a header of New York's days:
// a review's find).
func TestDigestAsOfDateInItsZone(t *testing.T) {
	dir := demoStore(t)
	out, errb, err := run(t, dir, "digest", "--as-of", "2026-11-20", "--period", "1d", "--tz", "America/New_York", "--json")
	if err != nil {
		t.Fatalf("digest: %v\n%s", err, errb)
	}
	var d feedbackbot.Digest
	if err := json.Unmarshal([]byte(out), &d); err != nil {
		t.Fatal(err)
	}
	if want := time.Date(2026, 11, 20, 5, 0, 0, 0, time.UTC); !d.To.Equal(want) || !d.From.Equal(want.Add(-24*time.Hour)) {
		t.Errorf("period %s to %s; want the day before midnight in New York, to %s", d.From, d.To, want)
	}
	out, errb, err = run(t, dir, "digest", "--as-of", "2026-11-20", "--period", "1d", "--tz", "America/New_York")
	if err != nil || !strings.Contains(out, "from 2026-11-19 00:00 to 2026-11-20 00:00 (America/New_York)") || !strings.Contains(out, "Thu 19 Nov") {
		t.Errorf("digest: %v\n%s%s", err, out, errb)
	}
	// A moment with its own zone is that moment, whatever --tz.
	out, _, err = run(t, dir, "digest", "--as-of", "2026-11-20T00:00:00Z", "--period", "1d", "--tz", "America/New_York", "--json")
	if err != nil || json.Unmarshal([]byte(out), &d) != nil || !d.To.Equal(time.Date(2026, 11, 20, 0, 0, 0, 0, time.UTC)) {
		t.Errorf("--as-of with a zone: to %s, %v", d.To, err)
	}
	// A week across the autumn change is midnight to midnight, 169 hours: it
	// began at 01:00 and left the hour before in no week (a review's find).
	out, errb, err = run(t, dir, "digest", "--as-of", "2026-11-02", "--tz", "America/New_York", "--json")
	if err != nil || json.Unmarshal([]byte(out), &d) != nil {
		t.Fatalf("digest: %v\n%s", err, errb)
	}
	if want := time.Date(2026, 10, 26, 4, 0, 0, 0, time.UTC); !d.From.Equal(want) || d.To.Sub(d.From) != 169*time.Hour {
		t.Errorf("the week to 2 Nov in New York is %s to %s; want from %s, 169 hours", d.From, d.To, want)
	}
}

// TestWriteColumnsByDisplayWidth: columns line up on a terminal whatever the
// script: a Japanese or emoji account name (two columns a character) pushed the
// rest of its row out of line under tabwriter, which counts runes.
func TestWriteColumnsByDisplayWidth(t *testing.T) {
	var b strings.Builder
	writeColumns(&b, [][]string{{"ACCOUNT", "HEALTH"}, {"株式会社テスト", "40"}, {"Café Crème", "55"}, {"Rocket 🚀 Labs", "70"}, {"e\u0301clair", "90"}})
	lines := strings.Split(strings.TrimSpace(b.String()), "\n")
	col := -1
	for _, l := range lines {
		i := strings.LastIndex(l, "  ")
		if i < 0 {
			t.Fatalf("no column gap in %q", l)
		}
		at := displayWidth(l[:i+2])
		if col >= 0 && at != col {
			t.Errorf("second column at %d in %q, want %d:\n%s", at, l, col, b.String())
		}
		col = at
	}
	for _, c := range []struct {
		s string
		w int
	}{{"abc", 3}, {"株式", 4}, {"🚀", 2}, {"e\u0301", 1}, {"👍\ufe0f", 2}, {"ｱ", 1}, {"Ａ", 2},
		// a review's finds: emoji outside the ranges first written down, a ZWJ
		// family, Hangul written with conjoining jamo
		{"✅", 2}, {"⭐", 2}, {"❤\ufe0f", 2}, {"🟢", 2}, {"⚡", 2}, {"☕", 2}, {"⌚", 2}, {"🆘", 2}, {"🀄", 2},
		{"👨\u200d👩\u200d👧", 2}, {"\u1100\u1161\u11a8", 2}, {"한", 2}} {
		if got := displayWidth(c.s); got != c.w {
			t.Errorf("displayWidth(%q) = %d, want %d", c.s, got, c.w)
		}
	}
}

// TestCommandsDocumented: each command's synopsis is the same in its --help, in
// the command list, and in the README's Commands block (the README's expire line
// lacked --as-of and made --older-than required, and forget's lacked --force: a
// review's find).
func TestCommandsDocumented(t *testing.T) {
	readme, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	block := string(readme)
	i := strings.Index(block, "## Commands\n\n```\n")
	if i < 0 {
		t.Fatal("no Commands block in the README")
	}
	block = block[i:]
	block = block[:strings.Index(block[len("## Commands\n\n```\n"):], "```")+len("## Commands\n\n```\n")]
	for _, c := range commands() {
		name, args := c.name, c.args
		if c.name == "config" {
			name, args = "config check", strings.TrimPrefix(c.args, "check ")
		}
		_, stdout, _ := runCLI(t, nil, append(strings.Fields(name), "--help")...)
		want := strings.TrimSpace("Usage: feedbackbot " + name + " " + args)
		if !strings.Contains(stdout, want+"\n") {
			t.Errorf("%s --help does not begin %q:\n%s", name, want, stdout)
		}
		if !strings.Contains(block, strings.TrimPrefix(want, "Usage: ")+"\n") {
			t.Errorf("the README's Commands block has no line %q", strings.TrimPrefix(want, "Usage: "))
		}
	}
}

// TestHelpNamesFlagValues: every flag that takes a value names it in --help by
// what it is (TIME, PERIOD, FILE, ID, AGE, N…), never by Go's type: "-as-of
// string" beside "-as-of TIME", "-period duration" beside "-period PERIOD" (a
// new user's review). A flag's usage names it with a backquoted word.
func TestHelpNamesFlagValues(t *testing.T) {
	for _, c := range commands() {
		name := c.name
		if name == "config" {
			name = "config check"
		}
		code, stdout, _ := runCLI(t, nil, append(strings.Fields(name), "--help")...)
		if code != 0 {
			t.Fatalf("%s --help: exit %d", name, code)
		}
		for line := range strings.Lines(stdout) {
			f := strings.Fields(line)
			if !strings.HasPrefix(line, "  -") || len(f) != 2 {
				continue
			}
			switch f[1] {
			case "string", "int", "uint", "int64", "float", "duration", "value":
				t.Errorf("%s --help: %s is named by its Go type: %s", name, f[0], strings.TrimSpace(line))
			}
		}
	}
}

// TestDigestComparesWithThePeriodBeforeOnItsCalendar: a New York week across
// the autumn change (26 Oct to 2 Nov, 169 hours) is compared with the week
// before on New York's calendar (19 to 26 Oct), not with the 169 hours before:
// a message of 18 Oct 23:30 was counted in it (a review's find).
func TestDigestComparesWithThePeriodBeforeOnItsCalendar(t *testing.T) {
	dir := t.TempDir()
	ctx := t.Context()
	ny, err := time.LoadLocation("America/New_York")
	if err != nil {
		t.Fatal(err)
	}
	func() {
		st, err := boltstore.Open(ctx, dir, boltstore.Options{})
		if err != nil {
			t.Fatal(err)
		}
		defer st.Close()
		m := feedbackbot.Message{ID: "C1:1.1", Platform: feedbackbot.PlatformSlack, Workspace: "T1", Channel: "C1",
			Author: "U1", Role: feedbackbot.RoleCustomer, Account: "acme", Text: "the export is broken again", Time: time.Date(2026, 10, 18, 23, 30, 0, 0, ny)}
		if err := m.Normalize(); err != nil {
			t.Fatal(err)
		}
		if _, err := st.Append(ctx, feedbackbot.Event{Kind: feedbackbot.EventPut, Message: m}); err != nil {
			t.Fatal(err)
		}
		analyseLog(ctx, t, st)
	}()
	out, errb, err := run(t, dir, "digest", "--workspace", "T1", "--as-of", "2026-11-02", "--tz", "America/New_York", "--json")
	if err != nil {
		t.Fatalf("digest: %v\n%s", err, errb)
	}
	var d feedbackbot.Digest
	if err := json.Unmarshal([]byte(out), &d); err != nil {
		t.Fatal(err)
	}
	if d.PrevCustomerMessages != 0 {
		t.Errorf("a message of 18 Oct 23:30 in New York is counted in the week before 26 Oct: prev %d", d.PrevCustomerMessages)
	}
}
