// Command feedbackbot listens to customers in Slack and Discord, tags every message
// with sentiment, themes and intent, and tells the team what customers feel, what they
// talk about and which accounts are slipping away. This is the only place that wires
// config, stores, adapters and the bot together.
package main

import (
	"cmp"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"runtime/debug"
	"slices"
	"strings"
	"syscall"
	"time"

	"github.com/feedbackbot/feedbackbot"
	"github.com/feedbackbot/feedbackbot/analysis"
	"github.com/feedbackbot/feedbackbot/bot"
	"github.com/feedbackbot/feedbackbot/config"
	"github.com/feedbackbot/feedbackbot/store"
	boltstore "github.com/feedbackbot/feedbackbot/store/bolt"
	redisstore "github.com/feedbackbot/feedbackbot/store/redis"
)

// version is set at build time with -ldflags "-X main.version=...".
var version = "dev"

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	m := &Main{Stdin: os.Stdin, Stdout: &terminalSafe{w: os.Stdout}, Stderr: os.Stderr, Getenv: os.Getenv, Self: selfCommand(os.Args[0])}
	// go-redis prints its own dial failures to stderr; ours say the same once, in words.
	redisstore.RouteClientLogs(m.log)
	err := m.Run(ctx, os.Args[1:])
	stop()
	os.Exit(exitCode(m.Stderr, err))
}

// exitCode prints err for people and picks the exit status: 2 for usage errors.
func exitCode(w io.Writer, err error) int {
	var ue *usageError
	switch {
	case err == nil:
		return 0
	case errors.Is(err, flag.ErrHelp):
		return 0
	case errors.As(err, &ue):
		fmt.Fprintf(w, "feedbackbot: %v\n", err)
		if !ue.bare {
			fmt.Fprintf(w, "Run '%s' for usage.\n", ue.helpCommand())
		}
		return 2
	}
	fmt.Fprintf(w, "feedbackbot: %v\n", err)
	return 1
}

// usageError is a mistake in the command line: exit status 2.
type usageError struct {
	msg  string
	cmd  string // the command whose --help to point to; empty: the general help
	bare bool   // the message says all there is to say: no pointer to the help
}

func (e *usageError) Error() string { return e.msg }

func (e *usageError) helpCommand() string {
	if e.cmd == "" {
		return "feedbackbot help"
	}
	return "feedbackbot " + e.cmd + " --help"
}

func usagef(format string, args ...any) error { return &usageError{msg: fmt.Sprintf(format, args...)} }

// refusef is a refusal that explains itself (a destructive command without --yes):
// exit status 2, without a pointer to the help.
func refusef(format string, args ...any) error {
	return &usageError{msg: fmt.Sprintf(format, args...), bare: true}
}

// Main is the program: its streams and environment are fields so tests can run it
// in-process.
type Main struct {
	Stdin          io.Reader
	Stdout, Stderr io.Writer
	Getenv         func(string) string
	// Self is how the text tells a user to run feedbackbot again (selfCommand);
	// empty: "go run ./cmd/feedbackbot", as from a checkout.
	Self string

	logger *slog.Logger
}

// self is the command that runs feedbackbot again, for the text's "try next" lines.
func (m *Main) self() string { return cmp.Or(m.Self, goRunSelf) }

// shellSelf is self as a shell reads it back: a path with a space in it
// (/opt/my tools/feedbackbot) quoted, "go run ./cmd/feedbackbot" as it is.
func (m *Main) shellSelf() string {
	if s := m.self(); s != goRunSelf {
		return shellWord(s)
	}
	return goRunSelf
}

// goRunSelf runs feedbackbot from the repository's root.
const goRunSelf = "go run ./cmd/feedbackbot"

// selfCommand is how to run this program again: "go run ./cmd/feedbackbot" when
// go run built it (in a go-build temporary directory), its name when it was found
// on PATH, else its absolute path. The demo's "Try next" lines said go run to the
// built binary and in the container, which have no Go (a review's find).
func selfCommand(arg0 string) string {
	exe, err := os.Executable()
	if err != nil || strings.Contains(exe, string(filepath.Separator)+"go-build") {
		return goRunSelf
	}
	return selfName(exe, arg0, exec.LookPath)
}

// selfName is selfCommand's answer for the program exe, run as arg0: its name
// where PATH finds this very program by it (run by name, or by a path, as the
// container's ENTRYPOINT runs /usr/local/bin/feedbackbot: that printed the whole
// path, a review found), else exe.
func selfName(exe, arg0 string, lookPath func(string) (string, error)) string {
	name := filepath.Base(arg0)
	if !strings.ContainsRune(arg0, filepath.Separator) {
		return name // found on PATH
	}
	found, err := lookPath(name)
	if err != nil {
		return exe
	}
	a, err1 := os.Stat(found)
	b, err2 := os.Stat(exe)
	if err1 == nil && err2 == nil && os.SameFile(a, b) {
		return name
	}
	return exe
}

type command struct {
	name, args, summary string
	run                 func(m *Main, ctx context.Context, args []string) error
}

func commands() []command {
	return []command{
		{"demo", "[--dir DIR] [--as-of TIME] [--period 7d] [--slack-export FILE.zip]", "run the whole pipeline on bundled sample conversations (no Redis, no tokens)", (*Main).cmdDemo},
		{"run", "[--config FILE]", "run the bot: adapters, analysis workers, scheduler, /healthz /readyz /metrics", (*Main).cmdRun},
		{"import", "--slack-export FILE.zip --team ID [--team-domain acme] | --discord-export FILE.json|DIR", "import a Slack or Discord export (idempotent), then analyse it", (*Main).cmdImport},
		{"backfill", "--channel C... [--since 30d] [--thread-lookback 30d] [--page-size 200] [--calls-per-minute 50]", "fetch a Slack channel's history (resumable, rate-limit aware), then analyse it", (*Main).cmdBackfill},
		{"analyze", "[--workers N] [--mode chat|text] < input.jsonl > tags.jsonl", "read JSON Lines {\"text\": ...} (an \"id\" is echoed) on stdin, write tags as JSON Lines", (*Main).cmdAnalyze},
		{"digest", "[--workspace ID] [--period 7d] [--as-of TIME] [--tz ZONE] [--json] [--chart FILE]", "print the satisfaction digest for a period", (*Main).cmdDigest},
		{"risk", "[--workspace ID] [--account ACCOUNT] [--as-of TIME] [--json]", "list the accounts' health scores, engagement and main reasons (those with a customer message in 8 weeks or a recent survey answer), or one account's evidence", (*Main).cmdRisk},
		{"kano", "[--workspace ID] [--period 90d] [--as-of TIME] [--json]", "what the features asked about in Kano surveys are to the customers who answered: must-be, attractive, indifferent…", (*Main).cmdKano},
		{"requests", "[--workspace ID] [--period 30d] [--as-of TIME] [--top 10] [--json]", "what customers asked for: feature requests grouped, who asked, their value, and what Kano surveys found", (*Main).cmdRequests},
		{"reanalyze", "[--workspace ID]", "re-tag all history with the current analyzer and taxonomy; apply channel_accounts to it", (*Main).cmdReanalyze},
		{"learn", "[--workspace W] [--out FILE] [--weight N] [--folds N]", "retrain the analyzer with staff's corrections (/feedback correct) and measure it on them", (*Main).cmdLearn},
		{"export", "[--workspace W] --user U [--out FILE]", "export one person's stored messages and tags as JSON Lines (privacy); fails if nothing is held of them", (*Main).cmdExport},
		{"forget", "[--workspace W] --user U --yes [--force]", "erase one person's messages from the store and keep them out (privacy)", (*Main).cmdForget},
		{"expire", "[--workspace W] [--older-than 365d] [--as-of TIME] [--force] --yes", "delete messages older than an age, keeping hourly totals (retention; run does it daily)", (*Main).cmdExpire},
		{"config", "check [--config FILE]", "validate the configuration and report every problem", (*Main).cmdConfig},
		{"version", "", "print the version", (*Main).cmdVersion},
	}
}

func (m *Main) usage(w io.Writer) {
	fmt.Fprint(w, `feedbackbot: customer feedback from Slack and Discord, tagged, summarised, and watched.

Usage: feedbackbot COMMAND [flags]

Commands:
`)
	for _, c := range commands() {
		// a subcommand is part of the name ("config check")
		name := c.name
		if sub, _, _ := strings.Cut(c.args, " "); sub != "" && !strings.HasPrefix(sub, "-") && !strings.HasPrefix(sub, "[") {
			name += " " + sub
		}
		fmt.Fprintf(w, "  %-12s %s\n", name, c.summary)
	}
	fmt.Fprint(w, `
Start here:   `+m.shellSelf()+` demo
Every command takes --config FILE (default feedbackbot.yaml if present); see
feedbackbot.example.yaml. 'feedbackbot help COMMAND' lists a command's flags.
Store: the embedded store in $FEEDBACKBOT_DATA (default ./feedbackbot-data), or Redis when
REDIS_URL is set.
`)
}

// Run runs one command. An error writing standard output fails a command that
// did not fail already (its plain text is written with fmt.Fprint*, whose errors
// went unread: digest > /dev/full exited 0), save a broken pipe: the reader
// stopped reading (digest | head -1), which is no failure of ours (the program
// dies of SIGPIPE there, quietly, as it always has, when standard output is
// file descriptor 1).
func (m *Main) Run(ctx context.Context, args []string) error {
	err := m.run(ctx, args)
	t, ok := m.Stdout.(*terminalSafe)
	if !ok {
		return err
	}
	werr := t.Flush() // (a byte it held back at the end: terminalSafe)
	if werr == nil || errors.Is(werr, syscall.EPIPE) || (err != nil && !errors.Is(err, flag.ErrHelp)) {
		return err
	}
	return fmt.Errorf("write output: %w", werr)
}

func (m *Main) run(ctx context.Context, args []string) error {
	if m.Getenv == nil {
		m.Getenv = os.Getenv
	}
	if m.Stdin == nil {
		m.Stdin = strings.NewReader("")
	}
	if len(args) == 0 {
		m.usage(m.Stderr)
		return &usageError{msg: "no command given", bare: true}
	}
	switch args[0] {
	case "help", "-h", "-help", "--help":
		if len(args) == 1 {
			m.usage(m.Stdout)
			return nil
		}
		if len(args) == 3 && args[1] == "config" && args[2] == "check" {
			args = args[:2] // the help lists it as "config check"
		}
		if len(args) > 2 {
			return usagef("help: give one command, e.g. feedbackbot help digest")
		}
		// help about help (it said `unknown command "help"`)
		if slices.Contains([]string{"help", "-h", "-help", "--help"}, args[1]) {
			fmt.Fprint(m.Stdout, "Usage: feedbackbot help [COMMAND]\n\n"+
				"Without a command, lists the commands; with one, its usage and flags (as feedbackbot COMMAND --help does).\n")
			return nil
		}
		// feedbackbot help COMMAND is COMMAND --help.
		if args[1] == "config" {
			return m.run(ctx, []string{"config", "check", "--help"})
		}
		if _, ok := lookup(args[1]); !ok {
			return usagef("help: unknown command %q%s", args[1], didYouMean("", nearest(args[1], commandNames())))
		}
		return m.run(ctx, []string{args[1], "--help"})
	case "-version", "--version":
		return m.cmdVersion(ctx, nil)
	}
	c, ok := lookup(args[0])
	if !ok && strings.HasPrefix(args[0], "-") {
		// a flag before the command (feedbackbot --config x.yaml digest) was
		// "unknown command "--config" (did you mean config?)", a new user's review
		return usagef("%s is a flag: flags go after the command, %s", args[0], flagsAfter(args))
	}
	if !ok {
		return usagef("unknown command %q%s", args[0], didYouMean("", nearest(args[0], commandNames())))
	}
	err := c.run(m, ctx, args[1:])
	// A usage error points to the help of the command it came from.
	var ue *usageError
	if errors.As(err, &ue) && ue.cmd == "" {
		ue.cmd = c.name
		if c.name == "config" {
			ue.cmd = "config check"
		}
	}
	return err
}

// flagsAfter is the command line args (which begins with a flag) with its
// command moved first, as it should be written, or, with no command in it, an
// example.
func flagsAfter(args []string) string {
	for i, a := range args {
		if _, ok := lookup(a); ok && !strings.HasPrefix(a, "-") {
			moved := slices.Concat([]string{"feedbackbot", a}, args[:i], args[i+1:])
			for j, w := range moved {
				moved[j] = shellWord(w)
			}
			return "as in: " + strings.Join(moved, " ")
		}
	}
	return "as in: feedbackbot digest --config FILE"
}

// shellWord is w as a POSIX shell reads it back: as it is when it holds only
// letters, digits and _@%+=:,./- (no character a shell gives a meaning), else in
// single quotes ("AT&T" ran "AT" in the background, "#support" began a comment,
// a review found).
func shellWord(w string) string {
	plain := w != "" && strings.IndexFunc(w, func(r rune) bool {
		return !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || strings.ContainsRune("_@%+=:,./-", r))
	}) < 0
	if plain {
		return w
	}
	return "'" + strings.ReplaceAll(w, "'", `'\''`) + "'"
}

func lookup(name string) (command, bool) {
	for _, c := range commands() {
		if c.name == name {
			return c, true
		}
	}
	return command{}, false
}

// flags makes a command's flag set with the shared --config flag. Its help, asked
// for with -h or --help, goes to standard output.
func (m *Main) flags(name string) (*flag.FlagSet, *string) {
	args := synopsis(name)
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(m.Stdout)
	cfg := fs.String("config", "", "configuration `FILE` (default feedbackbot.yaml if present)")
	fs.Usage = func() {
		fmt.Fprintf(fs.Output(), "Usage: %s\n\nFlags:\n", strings.TrimSpace("feedbackbot "+name+" "+args))
		fs.PrintDefaults()
	}
	return fs, cfg
}

// parse parses a command's flags. A mistake is reported once, as a usage error
// naming the command, without the whole flag list (--help shows that).
func parse(fs *flag.FlagSet, args []string) error {
	out, usage := fs.Output(), fs.Usage
	fs.SetOutput(io.Discard)
	fs.Usage = func() {}
	err := fs.Parse(args)
	fs.SetOutput(out)
	fs.Usage = usage
	if err != nil {
		if errors.Is(err, flag.ErrHelp) {
			usage()
			return err
		}
		msg := err.Error()
		if name, ok := strings.CutPrefix(msg, "flag provided but not defined: -"); ok {
			var names []string
			fs.VisitAll(func(f *flag.Flag) { names = append(names, f.Name) })
			bare := strings.TrimPrefix(name, "-")
			best := nearest(bare, names)
			if syn, ok := flagSynonyms[bare]; ok && best == "" && fs.Lookup(syn) != nil {
				best = syn
			}
			msg = "unknown flag --" + name + didYouMean("--", best)
		}
		// flag's own `invalid boolean value "maybe" for -json: parse error`
		if rest, ok := strings.CutPrefix(msg, "invalid boolean value "); ok {
			if val, name, ok := strings.Cut(rest, " for -"); ok {
				name, _, _ = strings.Cut(name, ":")
				msg = fmt.Sprintf("--%s=%s: not true or false", name, val)
			}
		}
		// flag's own `invalid value "abc" for flag -workers: parse error`
		if rest, ok := strings.CutPrefix(msg, "invalid value "); ok {
			if val, name, ok := strings.Cut(rest, " for flag -"); ok {
				name, why, _ := strings.Cut(name, ": ")
				switch why {
				case "parse error":
					why = "not a whole number"
				case "value out of range":
					why = "out of range"
				}
				msg = fmt.Sprintf("--%s %s: %s", name, val, why)
			}
		}
		return &usageError{msg: fs.Name() + ": " + msg, cmd: fs.Name()}
	}
	if fs.NArg() > 0 {
		arg := fs.Arg(0)
		msg := fmt.Sprintf("%s: unexpected argument %q", fs.Name(), arg)
		if hint := bareArgHint(fs, fs.Args()); hint != "" {
			return &usageError{msg: msg + " (" + hint + ")", cmd: fs.Name()}
		}
		if name, ok := bareArgFlagFor(fs, arg); ok && !strings.HasPrefix(arg, "-") && !flagSet(fs, name) {
			if strings.ContainsAny(arg, " \t'\"\\$`") {
				arg = "'" + strings.ReplaceAll(arg, "'", `'\''`) + "'" // quoted for a shell
			}
			msg += fmt.Sprintf(" (did you mean --%s %s?)", name, arg)
		}
		return &usageError{msg: msg, cmd: fs.Name()}
	}
	return nil
}

// flagSynonyms are flags people type for one of ours that no typo explains.
var flagSynonyms = map[string]string{"since": "period", "days": "period", "window": "period", "until": "as-of",
	"at": "as-of", "date": "as-of", "now": "as-of", "team": "workspace", "guild": "workspace", "server": "workspace",
	"output": "out", "o": "out", "file": "out", "customer": "account", "person": "user", "author": "user"}

// synopsis is a command's arguments as commands() lists them, the one place they
// are written: its --help, the command list and the README's Commands block
// (TestCommandsDocumented) all show them. name may carry a subcommand ("config
// check").
func synopsis(name string) string {
	cmd, sub, _ := strings.Cut(name, " ")
	for _, c := range commands() {
		if c.name == cmd {
			return strings.TrimSpace(strings.TrimPrefix(c.args, sub))
		}
	}
	return ""
}

// commandNames are the commands' names.
func commandNames() []string {
	var names []string
	for _, c := range commands() {
		names = append(names, c.name)
	}
	return names
}

// nearest is the one of names closest to s, within two edits (a typo: "dgest",
// "acount", "asof"), or "" when none is that close or s is too short to tell.
func nearest(s string, names []string) string {
	best, bestD := "", 3
	for _, n := range names {
		if d := editDistance(strings.ToLower(s), n); d < bestD {
			best, bestD = n, d
		}
	}
	if len(s) < 3 {
		return ""
	}
	return best
}

// didYouMean is " (did you mean PREFIXNAME?)", or "" for no name.
func didYouMean(prefix, name string) string {
	if name == "" {
		return ""
	}
	return " (did you mean " + prefix + name + "?)"
}

// editDistance is the Levenshtein distance of a and b, in characters (a typo in a
// name of another script is one edit, not the three bytes of its character).
func editDistance(as, bs string) int {
	a, b := []rune(as), []rune(bs)
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			sub := prev[j-1]
			if a[i-1] != b[j-1] {
				sub++
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, sub)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}

// bareArgHint says what bare arguments most likely meant where the usual guess
// (bareArgFlagFor) would mislead, or "": a bare word naming a switch ("digest
// json": --json), two words for a command that takes a workspace and a person
// ("export T0DEMO noah.g"), a time of day after a date (--as-of 2026-12-05
// 09:00, unquoted), an archive to import, a file for analyze, which reads
// standard input. (Each was a review's find: "did you mean --user T0DEMO?".)
func bareArgHint(fs *flag.FlagSet, args []string) string {
	arg := args[0]
	// the bare words: flag parsing stops at the first, so flags after them are
	// among args ("export T0DEMO noah.g --out x.jsonl")
	words := args
	if i := slices.IndexFunc(args, func(a string) bool { return strings.HasPrefix(a, "-") }); i >= 0 {
		words = args[:i]
	}
	if f := fs.Lookup(strings.ToLower(arg)); f != nil {
		if b, ok := f.Value.(interface{ IsBoolFlag() bool }); ok && b.IsBoolFlag() {
			return "did you mean --" + f.Name + "?"
		}
	}
	if len(words) == 2 && fs.Lookup("workspace") != nil && fs.Lookup("user") != nil {
		return fmt.Sprintf("did you mean --workspace %s --user %s?", words[0], words[1])
	}
	if flagSet(fs, "as-of") && len(arg) == 5 && arg[2] == ':' {
		if v := fs.Lookup("as-of").Value.String(); len(v) == len("2006-01-02") {
			return fmt.Sprintf("a date and a time are one value: --as-of %sT%s", v, arg)
		}
	}
	switch fs.Name() {
	case "import":
		low := strings.ToLower(arg)
		switch {
		case strings.HasSuffix(low, ".zip"):
			return "did you mean --slack-export " + arg + "?"
		case strings.HasSuffix(low, ".json"), strings.HasSuffix(low, ".csv"):
			return "did you mean --discord-export " + arg + "?"
		}
	case "analyze":
		if arg == "chat" || arg == "text" {
			return "did you mean --mode " + arg + "?"
		}
		return "analyze reads JSON Lines on standard input: analyze < " + arg
	}
	return ""
}

// flagSet reports whether the flag name was given on the command line.
func flagSet(fs *flag.FlagSet, name string) bool {
	set := false
	fs.Visit(func(f *flag.Flag) { set = set || f.Name == name })
	return set
}

// bareArgFlagFor is the flag a bare argument most likely meant: a date or time
// is --as-of, a duration the command's duration flag (--period, --older-than), and
// anything else to a command whose flag is a duration its --workspace ("digest
// T0DEMO" was "did you mean --period T0DEMO?"), else bareArgFlag's.
func bareArgFlagFor(fs *flag.FlagSet, arg string) (string, bool) {
	name, ok := bareArgFlag[fs.Name()]
	if !ok {
		return "", false
	}
	if fs.Lookup("as-of") != nil && arg != "now" {
		if _, err := asOf(arg); err == nil {
			return "as-of", true
		}
	}
	if name == "period" || name == "older-than" {
		if _, err := config.ParseDuration(arg); err != nil && fs.Lookup("workspace") != nil {
			return "workspace", true
		}
	}
	return name, true
}

// bareArgFlag is, for each command that takes none but has a flag a bare argument
// most likely meant ("feedbackbot risk acme"), that flag: the error names it.
var bareArgFlag = map[string]string{
	"risk":     "account",
	"export":   "user",
	"forget":   "user",
	"backfill": "channel",
	"digest":   "period",
	"kano":     "period",
	"requests": "period",
	"expire":   "older-than",
}

// load reads the configuration and sets up logging.
func (m *Main) load(path string) (config.Config, error) {
	cfg, err := loadConfig(path, m.Getenv)
	if err != nil {
		return cfg, err
	}
	m.logger = newLogger(m.Stderr, cfg.Log)
	return cfg, nil
}

// loadConfig is config.Load, with a --config FILE that is not there said as the
// mistake in the command line it is (exit status 2; it was "config: open x.yaml:
// no such file or directory", status 1). The default file may be absent: the
// defaults and the environment are the configuration then.
func loadConfig(path string, getenv func(string) string) (config.Config, error) {
	cfg, err := config.Load(path, getenv)
	var pe *fs.PathError
	if path != "" && errors.As(err, &pe) && pe.Path == path && errors.Is(pe.Err, fs.ErrNotExist) {
		return cfg, usagef("--config %s: no such file (without --config, ./%s is read when there is one; feedbackbot.example.yaml shows every setting)",
			path, config.DefaultFile)
	}
	return cfg, err
}

func newLogger(w io.Writer, c config.Log) *slog.Logger {
	var level slog.Level
	switch strings.ToLower(c.Level) {
	case "debug":
		level = slog.LevelDebug
	case "warn", "warning":
		level = slog.LevelWarn
	case "error":
		level = slog.LevelError
	}
	opts := &slog.HandlerOptions{Level: level}
	if c.Format == "json" {
		return slog.New(slog.NewJSONHandler(w, opts))
	}
	return slog.New(slog.NewTextHandler(w, opts))
}

func (m *Main) log() *slog.Logger {
	if m.logger == nil {
		m.logger = slog.New(slog.NewTextHandler(m.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	}
	return m.logger
}

// openStore opens Redis when configured, else the embedded store.
func (m *Main) openStore(ctx context.Context, cfg config.Config) (store.Store, string, error) {
	return m.openStoreFor(ctx, cfg, false)
}

// openExistingStore opens the store for a command that reads or erases what is
// stored (digest, risk, reanalyze, export, forget, expire): an embedded store that
// does not exist is an error naming the directory, rather than a new empty store
// file left wherever the command happened to run.
func (m *Main) openExistingStore(ctx context.Context, cfg config.Config) (store.Store, string, error) {
	if cfg.Store.RedisURL.Empty() {
		_, err := os.Stat(filepath.Join(cfg.Store.DataDir, boltstore.FileName))
		if errors.Is(err, fs.ErrNotExist) {
			return nil, "", feedbackbot.Errorf(feedbackbot.ENOTFOUND, "no store in %s: nothing was captured there (FEEDBACKBOT_DATA or store.data_dir "+
				"names the directory that run, import or demo --dir wrote; or set REDIS_URL)", cfg.Store.DataDir)
		}
	}
	return m.openStore(ctx, cfg)
}

// openWriterStore opens the store for a long-running writer (run, import): the
// embedded store then leaves its free-page list out of each commit and saves it at
// Close (see boltstore.Options.NoFreelistSync).
func (m *Main) openWriterStore(ctx context.Context, cfg config.Config) (store.Store, string, error) {
	return m.openStoreFor(ctx, cfg, true)
}

func (m *Main) openStoreFor(ctx context.Context, cfg config.Config, writer bool) (store.Store, string, error) {
	if !cfg.Store.RedisURL.Empty() {
		st, err := redisstore.Open(ctx, cfg.Store.RedisURL.Value(), redisstore.Options{Prefix: cfg.Store.KeyPrefix, ClaimIdle: cfg.Store.ClaimIdle.D(), Logger: m.log()})
		if err != nil {
			return nil, "", fmt.Errorf("open Redis store %s: %w", redisstore.RedactURL(cfg.Store.RedisURL.Value()), err)
		}
		return st, "Redis at " + redisstore.RedactURL(cfg.Store.RedisURL.Value()), nil
	}
	st, err := boltstore.Open(ctx, cfg.Store.DataDir, boltstore.Options{ClaimIdle: cfg.Store.ClaimIdle.D(), NoFreelistSync: writer, Logger: m.log()})
	if err != nil {
		return nil, "", fmt.Errorf("open embedded store in %s: %w", cfg.Store.DataDir, err)
	}
	return st, "embedded store in " + cfg.Store.DataDir, nil
}

// session loads the configuration and opens the existing store it names; the caller
// closes it.
func (m *Main) session(ctx context.Context, cfgPath string) (config.Config, store.Store, string, error) {
	cfg, err := m.load(cfgPath)
	if err != nil {
		return cfg, nil, "", err
	}
	st, where, err := m.openExistingStore(ctx, cfg)
	return cfg, st, where, err
}

// readSession opens the store for a command that reads as of a moment: --as-of
// read (and warned of when ahead), the configuration and the store opened, and
// the workspace picked. The caller closes the store; on an error it is closed.
func (m *Main) readSession(ctx context.Context, cfgPath, at, ws string) (now time.Time, cfg config.Config, st store.Store, w string, err error) {
	if now, err = asOf(at); err != nil {
		return now, cfg, nil, "", err
	}
	m.warnFuture(now)
	if cfg, st, _, err = m.session(ctx, cfgPath); err != nil {
		return now, cfg, nil, "", err
	}
	if w, err = pickWorkspace(ctx, st, ws); err != nil {
		st.Close()
		return now, cfg, nil, "", err
	}
	return now, cfg, st, w, nil
}

// riskRequest is the at-risk assessment of a workspace as configured.
func riskRequest(cfg config.Config, ws string, now time.Time) bot.RiskRequest {
	return bot.RiskRequest{Workspace: ws, Now: now, Accounts: accountMap(cfg.Accounts), Params: cfg.HealthParams(), TierTargets: cfg.TierTargets()}
}

func newAnalyzer(cfg config.Config) (*analysis.Analyzer, error) {
	if cfg.Analysis.Layer == "" {
		a, err := analysis.New(cfg.Taxonomy())
		if err != nil {
			return nil, fmt.Errorf("analysis: %w", err)
		}
		return a, nil
	}
	b, err := readLayerFile(cfg.Analysis.Layer)
	if err != nil {
		return nil, err
	}
	a, err := analysis.NewWithLayer(cfg.Taxonomy(), b)
	if err != nil {
		return nil, fmt.Errorf("analysis.layer %s cannot be used (%w): a layer learned by another version of feedbackbot must be learned again "+
			"(feedbackbot learn), and a file that is not a layer written by feedbackbot learn cannot be one", cfg.Analysis.Layer, err)
	}
	return a, nil
}

// maxLayerBytes bounds a layer file read (the shipped one is about 4 MB).
const maxLayerBytes = 64 << 20

func readLayerFile(path string) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("analysis.layer: %w", err)
	}
	defer f.Close()
	b, err := io.ReadAll(io.LimitReader(f, maxLayerBytes+1))
	if err != nil {
		return nil, fmt.Errorf("analysis.layer: read %s: %w", path, err)
	}
	if len(b) > maxLayerBytes {
		return nil, fmt.Errorf("analysis.layer: %s is larger than %d MiB: not a layer file written by feedbackbot learn", path, maxLayerBytes>>20)
	}
	return b, nil
}

// attribution is the configured channel → account maps, for bot.Reattribute.
func attribution(cfg config.Config) bot.Attribution {
	return bot.Attribution{Channels: map[feedbackbot.Platform]map[string]string{
		feedbackbot.PlatformSlack: cfg.Slack.ChannelAccounts, feedbackbot.PlatformDiscord: cfg.Discord.ChannelAccounts},
		Names: accountNames(cfg)}
}

// accountMap indexes configured accounts by id.
func accountMap(accts []feedbackbot.Account) map[string]feedbackbot.Account {
	out := make(map[string]feedbackbot.Account, len(accts))
	for _, a := range accts {
		out[a.ID] = a
	}
	return out
}

// pickWorkspace returns the named workspace, which must be in the store, or the only
// one in the store.
func pickWorkspace(ctx context.Context, st store.Store, want string) (string, error) {
	wss, err := selectWorkspaces(ctx, st, want)
	if err != nil {
		return "", err
	}
	switch len(wss) {
	case 0:
		return "", feedbackbot.Errorf(feedbackbot.ENOTFOUND, "the store holds no messages yet: capture or import some first (or try 'feedbackbot demo')")
	case 1:
		return wss[0], nil
	}
	return "", usagef("the store holds %d workspaces (%s): choose one with --workspace", len(wss), strings.Join(wss, ", "))
}

// selectWorkspaces returns the named workspace, which must be in the store, or,
// with none named, every workspace the store holds.
func selectWorkspaces(ctx context.Context, st store.Store, want string) ([]string, error) {
	wss, err := st.Workspaces(ctx)
	if err != nil {
		return nil, fmt.Errorf("list workspaces: %w", err)
	}
	if want == "" {
		return wss, nil
	}
	if !slices.Contains(wss, want) {
		return nil, unknownWorkspace(want, wss)
	}
	return []string{want}, nil
}

// unknownWorkspace is the error for a --workspace the store has never seen (a typo,
// or the wrong store).
func unknownWorkspace(want string, wss []string) error {
	if len(wss) == 0 {
		return usagef("--workspace %s: the store holds no messages yet (is FEEDBACKBOT_DATA or REDIS_URL the store you meant?)", want)
	}
	return usagef("--workspace %s: no such workspace in the store (it holds %s)", want, strings.Join(wss, ", "))
}

func (m *Main) cmdVersion(_ context.Context, args []string) error {
	fs, _ := m.flags("version")
	if err := parse(fs, args); err != nil {
		return err
	}
	fmt.Fprintf(m.Stdout, "feedbackbot %s\n", versionString(version, debug.ReadBuildInfo))
	return nil
}

// versionString is the version set at build time or, for a plain go build, the
// commit it was built from (a locally built binary said "dev" alone, no help in a
// support ticket: a review's find).
func versionString(v string, info func() (*debug.BuildInfo, bool)) string {
	if v != "dev" {
		return v
	}
	bi, ok := info()
	if !ok {
		return v
	}
	var rev, at string
	modified := false
	for _, s := range bi.Settings {
		switch s.Key {
		case "vcs.revision":
			rev = s.Value
		case "vcs.time":
			at = s.Value
		case "vcs.modified":
			modified = s.Value == "true"
		}
	}
	if rev == "" {
		// (GOFLAGS=-buildvcs=false, or no checkout): the toolchain at least
		return fmt.Sprintf("%s (%s; no commit recorded: build with -ldflags \"-X main.version=…\", as the Dockerfile does)", v, bi.GoVersion)
	}
	out := fmt.Sprintf("%s (commit %s", v, rev[:min(12, len(rev))])
	if at != "" {
		out += " of " + at
	}
	if modified {
		out += ", with uncommitted changes"
	}
	return out + ", " + bi.GoVersion + ")"
}
