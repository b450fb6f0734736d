// Command feedbackbot listens to customers in Slack and Discord, tags every message
// with sentiment, themes and intent, and tells the team what customers feel, what they
// talk about and which accounts are slipping away. This is the only place that wires
// config, stores, adapters and the bot together.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
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
	m := &Main{Stdin: os.Stdin, Stdout: os.Stdout, Stderr: os.Stderr, Getenv: os.Getenv}
	err := m.Run(ctx, os.Args[1:])
	stop()
	os.Exit(exitCode(m.Stderr, err))
}

// exitCode prints err for people and picks the exit status: 2 for usage errors.
func exitCode(w io.Writer, err error) int {
	switch {
	case err == nil:
		return 0
	case errors.Is(err, flag.ErrHelp):
		return 0
	case errors.As(err, new(*usageError)):
		fmt.Fprintf(w, "feedbackbot: %v\nRun 'feedbackbot help' for usage.\n", err)
		return 2
	}
	fmt.Fprintf(w, "feedbackbot: %v\n", err)
	return 1
}

type usageError struct{ msg string }

func (e *usageError) Error() string { return e.msg }

func usagef(format string, args ...any) error { return &usageError{fmt.Sprintf(format, args...)} }

// Main is the program: its streams and environment are fields so tests can run it
// in-process.
type Main struct {
	Stdin          io.Reader
	Stdout, Stderr io.Writer
	Getenv         func(string) string

	logger *slog.Logger
}

type command struct {
	name, args, summary string
	run                 func(m *Main, ctx context.Context, args []string) error
}

func commands() []command {
	return []command{
		{"demo", "[--dir DIR] [--as-of TIME] [--period 7d] [--slack-export FILE.zip]", "run the whole pipeline on bundled sample conversations (no Redis, no tokens)", (*Main).cmdDemo},
		{"run", "[--config FILE]", "run the bot: adapters, analysis workers, scheduler, /healthz /readyz /metrics", (*Main).cmdRun},
		{"import", "--slack-export FILE.zip [--team ID] | --discord-export FILE.json", "import a Slack or Discord export (idempotent), then analyse it", (*Main).cmdImport},
		{"backfill", "--channel C... [--since 30d]", "fetch a Slack channel's history (resumable, rate-limit aware), then analyse it", (*Main).cmdBackfill},
		{"analyze", "[--workers N]", "read JSON Lines {\"text\": ...} on stdin, write tags as JSON Lines", (*Main).cmdAnalyze},
		{"digest", "[--workspace ID] [--period 7d] [--as-of TIME] [--json] [--chart FILE]", "print the satisfaction digest for a period", (*Main).cmdDigest},
		{"risk", "[--workspace ID] [--as-of TIME] [--json]", "list every account's health score and the reasons", (*Main).cmdRisk},
		{"reanalyze", "[--workspace ID]", "re-tag all history with the current analyzer and taxonomy", (*Main).cmdReanalyze},
		{"export", "--workspace W --user U [--out FILE]", "export one person's stored messages and tags as JSON Lines (privacy)", (*Main).cmdExport},
		{"forget", "--workspace W --user U --yes", "erase one person's messages from the store and keep them out (privacy)", (*Main).cmdForget},
		{"expire", "[--workspace W] [--older-than 365d] [--as-of TIME] --yes", "delete messages older than an age, keeping hourly totals (retention; run does it daily)", (*Main).cmdExpire},
		{"config", "check [--config FILE]", "validate the configuration and report every problem", (*Main).cmdConfig},
		{"version", "", "print the version", (*Main).cmdVersion},
	}
}

func (m *Main) usage() {
	w := m.Stdout
	fmt.Fprint(w, `feedbackbot: customer feedback from Slack and Discord, tagged, summarised, and watched.

Usage: feedbackbot COMMAND [flags]

Commands:
`)
	for _, c := range commands() {
		fmt.Fprintf(w, "  %-10s %s\n", c.name, c.summary)
	}
	fmt.Fprint(w, `
Start here:   go run ./cmd/feedbackbot demo
Every command takes --config FILE (default feedbackbot.yaml if present); see
feedbackbot.example.yaml. 'feedbackbot COMMAND --help' lists a command's flags.
Store: the embedded store in $FEEDBACKBOT_DATA (default ./feedbackbot-data), or Redis when
REDIS_URL is set.
`)
}

// Run runs one command.
func (m *Main) Run(ctx context.Context, args []string) error {
	if m.Getenv == nil {
		m.Getenv = os.Getenv
	}
	if m.Stdin == nil {
		m.Stdin = strings.NewReader("")
	}
	if len(args) == 0 || args[0] == "help" || args[0] == "-h" || args[0] == "--help" {
		m.usage()
		if len(args) == 0 {
			return usagef("no command given")
		}
		return nil
	}
	for _, c := range commands() {
		if c.name == args[0] {
			return c.run(m, ctx, args[1:])
		}
	}
	return usagef("unknown command %q", args[0])
}

// flags makes a command's flag set with the shared --config flag.
func (m *Main) flags(name, args string) (*flag.FlagSet, *string) {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(m.Stderr)
	cfg := fs.String("config", "", "configuration file (default feedbackbot.yaml if present)")
	fs.Usage = func() {
		fmt.Fprintf(m.Stderr, "Usage: feedbackbot %s %s\n\nFlags:\n", name, args)
		fs.PrintDefaults()
	}
	return fs, cfg
}

func parse(fs *flag.FlagSet, args []string) error {
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return err
		}
		return usagef("%v", err)
	}
	if fs.NArg() > 0 {
		return usagef("%s: unexpected argument %q", fs.Name(), fs.Arg(0))
	}
	return nil
}

// load reads the configuration and sets up logging.
func (m *Main) load(path string) (config.Config, error) {
	cfg, err := config.Load(path, m.Getenv)
	if err != nil {
		return cfg, err
	}
	m.logger = newLogger(m.Stderr, cfg.Log)
	return cfg, nil
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

// openWriterStore opens the store for a long-running writer (run, import): the
// embedded store then leaves its free-page list out of each commit and saves it at
// Close (see boltstore.Options.NoFreelistSync).
func (m *Main) openWriterStore(ctx context.Context, cfg config.Config) (store.Store, string, error) {
	return m.openStoreFor(ctx, cfg, true)
}

func (m *Main) openStoreFor(ctx context.Context, cfg config.Config, writer bool) (store.Store, string, error) {
	if !cfg.Store.RedisURL.Empty() {
		st, err := redisstore.Open(ctx, cfg.Store.RedisURL.Value(), redisstore.Options{Prefix: cfg.Store.KeyPrefix, ClaimIdle: cfg.Store.ClaimIdle.D()})
		if err != nil {
			return nil, "", fmt.Errorf("open Redis store %s: %w", config.RedactURL(cfg.Store.RedisURL.Value()), err)
		}
		return st, "Redis at " + config.RedactURL(cfg.Store.RedisURL.Value()), nil
	}
	st, err := boltstore.Open(ctx, cfg.Store.DataDir, boltstore.Options{ClaimIdle: cfg.Store.ClaimIdle.D(), NoFreelistSync: writer})
	if err != nil {
		return nil, "", fmt.Errorf("open embedded store in %s: %w", cfg.Store.DataDir, err)
	}
	return st, "embedded store in " + cfg.Store.DataDir, nil
}

// session loads the configuration and opens the store it names; the caller closes it.
func (m *Main) session(ctx context.Context, cfgPath string) (config.Config, store.Store, string, error) {
	cfg, err := m.load(cfgPath)
	if err != nil {
		return cfg, nil, "", err
	}
	st, where, err := m.openStore(ctx, cfg)
	return cfg, st, where, err
}

// riskRequest is the at-risk assessment of a workspace as configured.
func riskRequest(cfg config.Config, ws string, now time.Time) bot.RiskRequest {
	return bot.RiskRequest{Workspace: ws, Now: now, Accounts: accountMap(cfg.Accounts), Params: cfg.HealthParams(), TierTargets: cfg.TierTargets()}
}

func newAnalyzer(cfg config.Config) (*analysis.Analyzer, error) {
	a, err := analysis.New(cfg.Taxonomy())
	if err != nil {
		return nil, fmt.Errorf("analysis: %w", err)
	}
	return a, nil
}

// accountMap indexes configured accounts by id.
func accountMap(accts []feedbackbot.Account) map[string]feedbackbot.Account {
	out := make(map[string]feedbackbot.Account, len(accts))
	for _, a := range accts {
		out[a.ID] = a
	}
	return out
}

// pickWorkspace returns the named workspace, or the only one in the store.
func pickWorkspace(ctx context.Context, st store.Store, want string) (string, error) {
	if want != "" {
		return want, nil
	}
	wss, err := st.Workspaces(ctx)
	if err != nil {
		return "", fmt.Errorf("list workspaces: %w", err)
	}
	switch len(wss) {
	case 0:
		return "", feedbackbot.Errorf(feedbackbot.ENOTFOUND, "the store holds no messages yet: capture or import some first (or try 'feedbackbot demo')")
	case 1:
		return wss[0], nil
	}
	return "", usagef("the store holds %d workspaces (%s): choose one with --workspace", len(wss), strings.Join(wss, ", "))
}

func (m *Main) cmdVersion(_ context.Context, args []string) error {
	fmt.Fprintf(m.Stdout, "feedbackbot %s\n", version)
	return nil
}
