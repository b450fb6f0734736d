package main

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"net/http"
	"os"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/feedbackbot/feedbackbot"
	"github.com/feedbackbot/feedbackbot/bot"
	"github.com/feedbackbot/feedbackbot/config"
	"github.com/feedbackbot/feedbackbot/store"
)

// platformEnv is what a chat platform adapter gets to start with.
type platformEnv struct {
	Config config.Config
	Store  store.Store
	// Commands answers /feedback and buttons (a *bot.Bot).
	Commands *bot.Bot
	// Mux is the HTTP server's mux (Slack HTTP mode registers /slack/... here).
	Mux    *http.ServeMux
	Logger *slog.Logger
	// Replica names this run of the service (replicaID) for its leases.
	Replica string
}

// platform is a started adapter.
type platform struct {
	Name   feedbackbot.Platform
	Poster bot.AlertPoster // posts digests and alerts; refuses non-internal channels
	// Run blocks until ctx ends (or a fatal error); nil when the adapter has no loop.
	Run func(ctx context.Context) error
}

// platformStarter starts one platform when its configuration enables it and
// returns nil, nil when it is not configured.
type platformStarter func(ctx context.Context, env platformEnv) (*platform, error)

// platformStarters is filled by each adapter's wiring file (slack_wire.go,
// discord_wire.go) in init, so adapters plug in without editing the core.
var platformStarters = map[string]platformStarter{}

// importer reads one export format into the store; flags are the import command's.
type importer struct {
	flag, help string
	// needsTeam: the format does not say which workspace is the staff's (Slack).
	needsTeam bool
	// domain reads --team-domain, for a format that does not name the workspace's
	// domain, which links to messages need (Slack); nil: the format takes none.
	domain func(string) (string, error)
	// check refuses, before any store is opened, a path that is there but is no
	// export of this format (fi is its os.Stat); nil: any path is tried.
	check func(path string, fi fs.FileInfo) error
	// open, when set, reads the export and runs every check the import makes
	// before it writes, before any store is opened: an export it refuses leaves
	// no store behind. What it returns reaches run as importOptions.Opened, and
	// is closed after it.
	open func(cfg config.Config, path string, opts importOptions) (io.Closer, error)
	run  func(ctx context.Context, m *Main, st store.Store, cfg config.Config, path string, opts importOptions) error
}

type importOptions struct {
	Team       string    // home (staff) workspace for Slack exports
	TeamDomain string    // the workspace's domain ("acme" for acme.slack.com), for links to messages
	Progress   io.Writer // progress lines for people
	Opened     io.Closer // what the importer's open returned; nil without one
}

// importers is filled by adapters' wiring files, keyed by format name.
var importers = map[string]importer{}

func (m *Main) cmdImport(ctx context.Context, args []string) error {
	fs, cfgPath := m.flags("import")
	paths := map[string]*string{}
	names := make([]string, 0, len(importers))
	for n := range importers {
		names = append(names, n)
	}
	slices.Sort(names)
	for _, n := range names {
		paths[n] = fs.String(importers[n].flag, "", importers[n].help)
	}
	team := fs.String("team", "", "the home (staff) workspace's team `ID`, for Slack exports")
	domain := fs.String("team-domain", "", "the Slack workspace's `DOMAIN` (acme for acme.slack.com), for links from quotes to the messages in Slack: "+
		"a Slack export does not name it")
	if err := parse(fs, args); err != nil {
		return err
	}
	var chosen []string
	for _, n := range names {
		if *paths[n] != "" {
			chosen = append(chosen, n)
		}
	}
	if len(chosen) != 1 {
		var flags []string
		for _, n := range names {
			flags = append(flags, "--"+importers[n].flag)
		}
		return usagef("import: give exactly one of %s", strings.Join(flags, ", "))
	}
	// A path that is not there, or is no export of the format (an unzipped Slack
	// export, a file that is no zip), is said first, and plainly: before --team
	// was asked for (and, given, "import: stat nope.zip: no such file or
	// directory"), and before any store is opened (a mistyped one left a new,
	// empty store behind, a review's find, after which commands said "the store
	// holds no messages yet" rather than "no store"; a directory did too, and
	// failed with status 1, "dir is not a regular file", a new user's).
	if err := checkImportPath(importers[chosen[0]], *paths[chosen[0]]); err != nil {
		return err
	}
	cfg, err := m.load(*cfgPath)
	if err != nil {
		return err
	}
	if importers[chosen[0]].needsTeam && *team == "" && cfg.Slack.TeamID == "" {
		return usagef("import: name your own (staff) workspace with --team ID (or slack.team_id): the export does not say which team is yours")
	}
	if *domain != "" {
		read := importers[chosen[0]].domain
		if read == nil {
			return usagef("import: --team-domain is for Slack exports (--%s): this export has its own links", importers[chosen[0]].flag)
		}
		if *domain, err = read(*domain); err != nil {
			return usagef("import: %v", err) // (before any store is opened)
		}
	}
	imp := importers[chosen[0]]
	opts := importOptions{Team: *team, TeamDomain: *domain, Progress: m.Stderr}
	if imp.open != nil {
		// (a Slack archive with a ../ member, no users.json or no user of --team
		// was refused only once the store was open, which left a new, empty one
		// behind, as a missing path did)
		opened, err := imp.open(cfg, *paths[chosen[0]], opts)
		if err != nil {
			return err
		}
		defer opened.Close()
		opts.Opened = opened
	}
	st, where, err := m.openWriterStore(ctx, cfg)
	if err != nil {
		return err
	}
	defer st.Close()
	a, err := newAnalyzer(cfg)
	if err != nil {
		return err
	}
	fmt.Fprintf(m.Stderr, "Importing into the %s\n", where)
	defer bot.SetCollector(m.Getenv, importGCPercent)()
	// Analyse while importing, with the configured number of workers, so that the
	// import ends with everything analysed (digests and risk see it at once) and the
	// two overlap instead of taking turns.
	an := startAnalysis(ctx, m, st, a, cfg.Analysis.Workers, max(cfg.Analysis.Batch, importBatch))
	var partial importProblems
	if err := imp.run(ctx, m, st, cfg, *paths[chosen[0]], opts); err != nil && !errors.As(err, &partial) {
		an.stop()
		var stopped importStopped
		if errors.As(err, &stopped) && ctx.Err() != nil {
			// (Ctrl-C said "feedbackbot: context canceled" alone)
			return fmt.Errorf("import interrupted (%w): %s stored, %s analysed so far; running the same command again finishes it (nothing is stored twice)",
				context.Cause(ctx), feedbackbot.CountNoun(stopped.stored, "new message", "new messages"), feedbackbot.CountNoun(int(an.stats.Read.Load()), "log entry", "log entries"))
		}
		return err
	}
	n, err := an.finish(ctx, m.Stderr)
	if err != nil && ctx.Err() != nil {
		an.stop() // (finish has; the count is final only once the workers stopped)
		return fmt.Errorf("import interrupted (%w) while analysing: everything was stored, %s analysed so far; running the same command again analyses the rest (nothing is stored twice)",
			context.Cause(ctx), feedbackbot.CountNoun(int(an.stats.Read.Load()), "log entry", "log entries"))
	}
	if err != nil {
		return fmt.Errorf("analyse imported messages: %w", err)
	}
	fmt.Fprintf(m.Stdout, "Analysed %s.\n", feedbackbot.CountNoun(n, "log entry", "log entries"))
	if partial.n > 0 {
		return partial // exit status 1: a script can tell that something was left out
	}
	return nil
}

// importStopped is the error of an import that stopped part-way for err (an
// interruption), with how many new messages it had stored by then.
type importStopped struct {
	stored int
	err    error
}

func (e importStopped) Error() string { return e.err.Error() }
func (e importStopped) Unwrap() error { return e.err }

// checkImportPath says, as a usage error, that the path given to the importer's
// flag names nothing, or (imp.check) no export of its format; a path that cannot
// be read for another reason is said in the same words, as an error of the
// machine's (exit status 1).
func checkImportPath(imp importer, path string) error {
	flag := imp.flag
	fi, err := os.Stat(path)
	var pe *fs.PathError
	switch {
	case err == nil:
		if imp.check != nil {
			return imp.check(path, fi)
		}
		return nil
	case errors.Is(err, fs.ErrNotExist):
		return usagef("import: --%s %s: no such file", flag, path)
	case errors.As(err, &pe):
		err = pe.Err // (the path is said once: "stat nope.zip: …" repeated it)
	}
	return fmt.Errorf("import: --%s %s: %w", flag, path, err)
}

// importProblems is what an importer returns when it imported what it could read
// and reported the rest (n problems, listed in its summary): the command still
// analyses what was imported, then fails.
type importProblems struct {
	n    int
	none bool // nothing could be read: no message was imported
	// parts names what an export's problems are in ("daily files, messages or
	// users" when empty, a Slack export's)
	parts string
}

func (e importProblems) Error() string {
	if e.none {
		// (it said "everything else was imported" of an import that read nothing)
		return fmt.Sprintf("the import read no message: its %s, counted and named above, left everything out "+
			"(repair the export and import it again)", feedbackbot.CountNoun(e.n, "problem", "problems"))
	}
	return fmt.Sprintf("the import left out %s: %s, counted and named above; everything else was imported and analysed "+
		"(import the repaired export again: nothing is stored twice)", feedbackbot.CountNoun(e.n, "problem", "problems"), cmp.Or(e.parts, "daily files, messages or users"))
}

// importBatch is the smallest batch import's workers read: a back-fill has no
// latency to keep, and larger transactions write each page of the store's indexes
// once for many messages (the embedded store, 100,000 imported messages: 20 s at
// 200, 10 s at 1,000; Redis, go run ./bench rediscost -workload import: 184,774
// instructions a message at 1,000, 178,602 at 2,000).
const importBatch = 2000

// importGCPercent is the Go collector's target during an import (unless GOGC is
// set): it allocates fast and briefly, and at the default of 100 the collector took
// a tenth of the process's CPU, competing on a small machine with the one goroutine
// that writes the embedded store (a 200,000-message import: see the README's
// Throughput).
const importGCPercent = 400

// analysisRun is a set of analysis workers started for one command.
type analysisRun struct {
	st     store.Store
	stats  *bot.WorkerStats
	cancel context.CancelFunc
	wg     sync.WaitGroup
	errs   chan error
}

// startAnalysis starts n workers consuming the capture log until finish or stop.
func startAnalysis(ctx context.Context, m *Main, st store.Store, a bot.Analyzer, n, batch int) *analysisRun {
	wctx, cancel := context.WithCancel(ctx)
	r := &analysisRun{st: st, stats: new(bot.WorkerStats), cancel: cancel, errs: make(chan error, n)}
	host, _ := os.Hostname()
	for i := range max(n, 1) {
		w := &bot.Worker{Store: st, Analyzer: a, Consumer: fmt.Sprintf("import:%s:%d:%d", host, os.Getpid(), i),
			Batch: batch, Wait: 200 * time.Millisecond, Logger: m.log(), Stats: r.stats}
		r.wg.Go(func() {
			if err := w.Run(wctx); err != nil {
				r.errs <- err
			}
		})
	}
	return r
}

// stop ends the workers after their batches in flight.
func (r *analysisRun) stop() {
	r.cancel()
	r.wg.Wait()
}

// finish waits until the log's backlog is empty, reporting progress to w about once
// a second, then stops the workers and returns how many entries they processed.
func (r *analysisRun) finish(ctx context.Context, w io.Writer) (int, error) {
	defer r.stop()
	tick := time.NewTicker(100 * time.Millisecond)
	defer tick.Stop()
	last := time.Now()
	for {
		backlog, err := r.st.Backlog(ctx)
		if err != nil {
			return int(r.stats.Read.Load()), err
		}
		if backlog == 0 {
			return int(r.stats.Read.Load()), nil
		}
		if time.Since(last) >= time.Second {
			last = time.Now()
			fmt.Fprintf(w, "analysed %s, %d to go\n", feedbackbot.CountNoun(int(r.stats.Read.Load()), "log entry", "log entries"), backlog)
		}
		select {
		case err := <-r.errs:
			return int(r.stats.Read.Load()), err
		case <-ctx.Done():
			return int(r.stats.Read.Load()), ctx.Err()
		case <-tick.C:
		}
	}
}
