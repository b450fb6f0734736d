package main

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"sync"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/feedbackbot/feedbackbot"
	"github.com/feedbackbot/feedbackbot/analysis/emerging"
	"github.com/feedbackbot/feedbackbot/bot"
	"github.com/feedbackbot/feedbackbot/config"
	"github.com/feedbackbot/feedbackbot/store"
)

// server is the running bot: HTTP endpoints, analysis workers and adapters.
type server struct {
	cfg        config.Config
	st         store.Store
	stats      *bot.WorkerStats
	capture    *bot.CaptureStats
	posts      prometheus.Counter
	postErrors prometheus.Counter
	deletes    prometheus.Counter
	registry   *prometheus.Registry
	mux        *http.ServeMux
	ready      func(ctx context.Context) error
	// backlog is the log backlog as last counted by watchBacklog (-1: unknown), for
	// the gauge: a scrape never waits for the count.
	backlog atomic.Int64
}

// readiness is what /readyz checks: that the store answers, by Ping where the store
// has one. It checked by counting the backlog, and a Redis store counts it entry by
// entry once entries were deleted from the log (forget, retention): past a million or
// two waiting entries the count outlasted the probe's 2 s, and every replica reported
// not ready at once, with Redis answering PING in 0.2 ms (a review's find).
func readiness(st store.Store) func(ctx context.Context) error {
	if p, ok := st.(interface{ Ping(context.Context) error }); ok {
		return p.Ping
	}
	return func(ctx context.Context) error {
		_, err := st.Backlog(ctx)
		return err
	}
}

// watchBacklog counts the backlog every interval (up to 30 s a count) for the gauge,
// until ctx ends.
func (s *server) watchBacklog(ctx context.Context, every time.Duration) {
	for {
		cctx, cancel := context.WithTimeout(ctx, 30*time.Second)
		n, err := s.st.Backlog(cctx)
		cancel()
		if err != nil {
			n = -1
		}
		s.backlog.Store(n)
		t := time.NewTimer(every)
		select {
		case <-ctx.Done():
			t.Stop()
			return
		case <-t.C:
		}
	}
}

// maxStaleChecks bounds the workspaces run checks for stale tags at start.
const maxStaleChecks = 100

func (m *Main) cmdRun(ctx context.Context, args []string) error {
	fs, cfgPath := m.flags("run")
	if err := parse(fs, args); err != nil {
		return err
	}
	cfg, err := m.load(*cfgPath)
	if err != nil {
		return err
	}
	defer bot.SetCollector(m.Getenv, bot.GCPercent)()
	ln, err := net.Listen("tcp", cfg.Server.Addr)
	if err != nil {
		return fmt.Errorf("listen on %s (server.addr / FEEDBACKBOT_ADDR): %w", cfg.Server.Addr, err)
	}
	return m.serve(ctx, cfg, ln)
}

// serve runs the bot on ln until ctx ends, then drains: HTTP stops taking requests
// and finishes those in flight, workers finish the batch in flight, the adapters
// stop once HTTP has drained (Slack's finishing the replies its requests began,
// Discord's draining its capture queue), and the store closes last.
func (m *Main) serve(ctx context.Context, cfg config.Config, ln net.Listener) error {
	log := m.log()
	st, where, err := m.openWriterStore(ctx, cfg)
	if err != nil {
		ln.Close()
		return err
	}
	defer st.Close()
	a, err := newAnalyzer(cfg)
	if err != nil {
		ln.Close()
		return err
	}
	if rt := a.RuleThemes(); len(rt) > 0 {
		log.Info("themes decided by their rules alone: edited or added in analysis.themes (the learned theme heads know the default taxonomy's themes only)", "themes", rt)
	}
	s := &server{cfg: cfg, st: st, stats: new(bot.WorkerStats), capture: new(bot.CaptureStats), registry: prometheus.NewRegistry(), mux: http.NewServeMux(),
		posts:      prometheus.NewCounter(prometheus.CounterOpts{Namespace: "feedbackbot", Name: "posts_total", Help: "Digests, alerts and updates posted to chat."}),
		postErrors: prometheus.NewCounter(prometheus.CounterOpts{Namespace: "feedbackbot", Name: "post_errors_total", Help: "Posts that failed after the adapter's retries."}),
		deletes: prometheus.NewCounter(prometheus.CounterOpts{Namespace: "feedbackbot", Name: "posts_deleted_total",
			Help: "Posted messages the bot deleted: a replica's copy of a digest or alert another replica posted too, or a message an erasure could not edit."})}
	s.ready = readiness(st)
	s.backlog.Store(-1)
	s.routes()

	replica := replicaID()
	log.Info("replica", "id", replica)
	var wg sync.WaitGroup
	workerCtx, stopWorkers := context.WithCancel(ctx)
	defer stopWorkers()
	// The adapters are not stopped by the signal itself but once HTTP has drained
	// (see the end): a request in flight at SIGTERM (a button press, a slash
	// command) is handled by the Slack adapter, whose Run waits for the replies it
	// starts (Close). Stopped with the signal, it waited before the request came,
	// and the reply ran after the store had closed (a review's find).
	adapterCtx, stopAdapters := context.WithCancel(context.WithoutCancel(ctx))
	defer stopAdapters()
	// In the background: a bot in thousands of Discord servers would start that
	// many reads later (a review's find); shutdown cancels it and waits for it.
	wg.Go(func() {
		wss, err := st.Workspaces(workerCtx)
		if err != nil {
			return
		}
		now := time.Now().UTC()
		for i, w := range wss {
			if i == maxStaleChecks {
				break
			}
			if stale, read, other := staleTags(workerCtx, st, w, a.Version(), now.Add(-riskWindow), now); stale > 0 {
				log.Warn("messages were tagged by another analyzer (the taxonomy, analysis.layer or feedbackbot changed): digests and health read their old tags until feedbackbot reanalyze re-tags them",
					"workspace", w, "stale", stale, "of", read, "tagged_by", other, "analyzer", a.Version())
			}
		}
	})
	errs := make(chan error, cfg.Analysis.Workers+len(platformStarters)+1)
	for i := range cfg.Analysis.Workers {
		w := &bot.Worker{Store: st, Analyzer: a, Consumer: fmt.Sprintf("%s:%d", replica, i),
			Batch: cfg.Analysis.Batch, Logger: log.With("worker", i), Stats: s.stats}
		wg.Go(func() {
			if err := w.Run(workerCtx); err != nil {
				errs <- fmt.Errorf("analysis worker %d: %w", i, err)
			}
		})
	}

	// Adapters capture through bot.Capture: a short store outage is ridden out with
	// backoff, a long one fails the append so the platform redelivers later (Slack),
	// or is retried by the adapter's own queue (Discord, which does not redeliver).
	capture := &bot.Capture{Log: st, Logger: log.With("component", "capture"), Stats: s.capture}
	cst := &captureStore{Store: st, capture: capture}
	known := emerging.NewVocabulary(cfg.Taxonomy())
	b := &bot.Bot{Store: cst, Accounts: accountMap(cfg.Accounts), Params: cfg.HealthParams(), TierTargets: cfg.TierTargets(), Charts: true, Themes: cfg.ThemeNames(), Known: known, Analyzer: a}
	posters := map[feedbackbot.Platform]bot.Poster{}
	var alertPoster bot.AlertPoster
	for name, start := range platformStarters {
		p, err := start(ctx, platformEnv{Config: cfg, Store: cst, Commands: b, Mux: s.mux, Logger: log.With("platform", name), Replica: replica})
		if err != nil {
			stopWorkers()
			stopAdapters()
			wg.Wait()
			ln.Close()
			return fmt.Errorf("start %s: %w", name, err)
		}
		if p == nil {
			continue
		}
		counted := countPosts(&countingPoster{AlertPoster: p.Poster, posts: s.posts, errors: s.postErrors, deletes: s.deletes})
		posters[p.Name] = counted
		if string(p.Name) == cfg.Alerts.Platform {
			alertPoster = counted
		}
		if p.Run != nil {
			wg.Go(func() {
				if err := p.Run(adapterCtx); err != nil && adapterCtx.Err() == nil {
					errs <- fmt.Errorf("%s: %w", name, err)
				}
			})
		}
	}
	if jobs, err := digestJobs(cfg); err != nil {
		stopWorkers()
		stopAdapters()
		wg.Wait()
		ln.Close()
		return err
	} else if len(jobs) > 0 {
		sched := &bot.Scheduler{Store: st, Posters: posters, Jobs: jobs, Holder: replica,
			Accounts: accountMap(cfg.Accounts), Params: cfg.HealthParams(), TierTargets: cfg.TierTargets(),
			Logger: log.With("component", "scheduler"), Charts: true, Themes: cfg.ThemeNames(), Known: known}
		wg.Go(func() { sched.Run(workerCtx, 30*time.Second, func() time.Time { return time.Now().UTC() }) })
	}
	if age := cfg.Retention.Messages.D(); age > 0 {
		ret := &bot.Retention{Store: st, MaxAge: age, Logger: log.With("component", "retention")}
		wg.Go(func() { ret.Run(workerCtx, time.Hour, func() time.Time { return time.Now().UTC() }) })
	}
	// A destination on a platform that is not connected would be silent: say so.
	for _, w := range unpostable(cfg, posters) {
		log.Warn(w)
	}
	if alertPoster != nil && cfg.Alerts.Channel != "" {
		al := newAlerter(st, alertPoster, cfg.Alerts.Channel, cfg, log.With("component", "alerts"))
		wg.Go(func() { runAlerts(workerCtx, st, al, cfg, log, replica) })
	}

	wg.Go(func() { s.watchBacklog(workerCtx, 15*time.Second) })
	srv := newHTTPServer(s.mux)
	wg.Go(func() {
		if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			errs <- fmt.Errorf("http server: %w", err)
		}
	})
	log.Info("feedbackbot running", "addr", ln.Addr().String(), "store", where, "workers", cfg.Analysis.Workers,
		"analyzer", a.Version(), "slack", cfg.Slack.Enabled(), "discord", cfg.Discord.Enabled())
	if !cfg.Slack.Enabled() && !cfg.Discord.Enabled() {
		log.Warn("no chat platform configured: nothing will be captured until SLACK_BOT_TOKEN or DISCORD_TOKEN is set " +
			"(the workers still analyse what import and backfill write; see 'feedbackbot config check')")
	}

	var runErr error
	select {
	case <-ctx.Done():
		log.Info("shutting down: draining in-flight work")
	case runErr = <-errs:
		log.Error("stopping after a fatal error", "err", runErr)
	}
	shutdownCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 30*time.Second)
	defer cancel()
	if err := srv.Shutdown(shutdownCtx); err != nil {
		log.Warn("http shutdown", "err", err)
	}
	// Every request has been answered (unless the 30 s ran out): no handler starts
	// work any more. The adapters stop now, and wg waits for them (Slack's replies
	// in flight, Discord's capture queue) before the store closes.
	stopAdapters()
	stopWorkers()
	wg.Wait()
	log.Info("stopped", "analysed", s.stats.Analysed.Load(), "applied", s.stats.Applied.Load())
	return runErr
}

func (s *server) routes() {
	s.mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		fmt.Fprintln(w, "ok")
	})
	s.mux.HandleFunc("GET /readyz", func(w http.ResponseWriter, r *http.Request) {
		ctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
		defer cancel()
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		if err := s.ready(ctx); err != nil {
			w.WriteHeader(http.StatusServiceUnavailable)
			fmt.Fprintln(w, "store unavailable")
			return
		}
		fmt.Fprintln(w, "ready")
	})
	counter := func(name, help string, f func() float64) {
		s.registry.MustRegister(prometheus.NewCounterFunc(prometheus.CounterOpts{Namespace: "feedbackbot", Name: name, Help: help}, f))
	}
	counter("events_captured_total", "Platform events handed to capture.", func() float64 { return float64(s.capture.Events.Load()) })
	counter("events_stored_total", "Captured events newly stored (redeliveries excluded).", func() float64 { return float64(s.capture.Appended.Load()) })
	counter("capture_retries_total", "Capture appends retried while the store was unavailable.", func() float64 { return float64(s.capture.Retries.Load()) })
	counter("capture_failures_total", "Capture appends given up on: Slack redelivers them; Discord's capture queue gave them up (lost).", func() float64 { return float64(s.capture.Failures.Load()) })
	s.registry.MustRegister(s.posts, s.postErrors, s.deletes)
	counter("log_entries_read_total", "Capture log entries handed to analysis workers.", func() float64 { return float64(s.stats.Read.Load()) })
	counter("messages_analysed_total", "Messages analysed.", func() float64 { return float64(s.stats.Analysed.Load()) })
	counter("derived_updates_total", "Messages whose tags and rollups changed.", func() float64 { return float64(s.stats.Applied.Load()) })
	counter("store_retries_total", "Store calls retried after an error.", func() float64 { return float64(s.stats.Retries.Load()) })
	counter("store_errors_total", "Store errors seen by workers.", func() float64 { return float64(s.stats.Errors.Load()) })
	s.registry.MustRegister(prometheus.NewGaugeFunc(prometheus.GaugeOpts{Namespace: "feedbackbot", Name: "log_backlog",
		Help: "Capture log entries not yet acknowledged by analysis (lag), counted every 15 s; -1 when the count failed."}, func() float64 {
		return float64(s.backlog.Load())
	}))
	s.registry.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	s.mux.Handle("GET /metrics", promhttp.HandlerFor(s.registry, promhttp.HandlerOpts{}))
}

// unpostable names the configured destinations whose platform is not connected in
// this process (no token): nothing would be posted there, and nothing said.
func unpostable[P any](cfg config.Config, posters map[feedbackbot.Platform]P) []string {
	var out []string
	if cfg.Alerts.Channel != "" {
		if _, ok := posters[feedbackbot.Platform(cfg.Alerts.Platform)]; !ok {
			out = append(out, fmt.Sprintf("alerts go to %s channel %s, but %s is not connected (no token): no alerts will be posted", cfg.Alerts.Platform, cfg.Alerts.Channel, cfg.Alerts.Platform))
		}
	}
	for _, d := range cfg.Digests {
		if _, ok := posters[feedbackbot.Platform(d.Platform)]; !ok {
			out = append(out, fmt.Sprintf("digest %s goes to %s channel %s, but %s is not connected (no token): it will not be posted", d.JobName(), d.Platform, d.Channel, d.Platform))
		}
	}
	return out
}

// digestJobs turns the configured digests into scheduler jobs.
func digestJobs(cfg config.Config) ([]bot.Job, error) {
	var jobs []bot.Job
	for _, d := range cfg.Digests {
		sched, loc, err := d.ParseSchedule()
		if err != nil {
			return nil, fmt.Errorf("digest %s: %w", d.Name, err)
		}
		period := d.Period.D()
		if period == 0 {
			period = 24 * time.Hour
		}
		jobs = append(jobs, bot.Job{Name: d.JobName(), Platform: feedbackbot.Platform(d.Platform), Channel: d.Channel,
			Workspace: d.Workspace, Schedule: sched, Location: loc, Period: period})
	}
	return jobs, nil
}

// replicaID names one run of the service for its leases and consumer names:
// hostname:pid and a random suffix, since two containers sharing a hostname (host
// networking, a fixed hostname:) are both pid 1, and each then renewed the other's
// leases: a scheduled digest went out twice (a review's find).
func replicaID() string {
	host, _ := os.Hostname()
	var b [4]byte
	_, _ = rand.Read(b[:])
	return fmt.Sprintf("%s:%d:%x", host, os.Getpid(), b)
}

// newAlerter is the alerter cfg describes, posting to channel with poster.
func newAlerter(st store.Store, poster bot.AlertPoster, channel string, cfg config.Config, log *slog.Logger) *bot.Alerter {
	al := &bot.Alerter{Store: st, Poster: poster, Channel: channel, RepeatInterval: cfg.Alerts.RepeatInterval.D(), Logger: log}
	if cfg.Alerts.MinSeverity == "critical" {
		al.MinSeverity = feedbackbot.SeverityCritical
	}
	return al
}

// runAlerts runs an alert pass (alertPass) at start and every 5 minutes until ctx
// ends, as holder of the alerts lease.
func runAlerts(ctx context.Context, st store.Store, al *bot.Alerter, cfg config.Config, log *slog.Logger, holder string) {
	t := time.NewTicker(5 * time.Minute)
	defer t.Stop()
	// At shutdown the lease goes at once, so another replica takes the alerts at its
	// next tick instead of after the lease's 10 minutes (a restarted process has
	// another holder id, and could not renew it either).
	defer func() {
		if err := st.ReleaseLease(context.WithoutCancel(ctx), bot.AlertsLease, holder); err != nil {
			log.Warn("alerts: release the lease", "err", err)
		}
	}()
	// Alerts posted and not saved are kept in memory only: saved (or deleted as
	// copies) once more at shutdown, for a while, or another replica posts them
	// again beside this process's message.
	defer func() {
		sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), time.Minute)
		defer cancel()
		if left, err := al.SaveUnsaved(sctx); left > 0 {
			log.Error("alerts: posted but not saved at shutdown, or copies not deleted; another replica may post them again (delete the extra messages by hand)", "unsaved", left, "err", err)
		}
	}()
	for {
		alertPass(ctx, st, al, cfg, log, holder)
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// alertPass is one tick of runAlerts: with the alerts lease (bot.AlertsLease,
// taken for bot.AlertsLeaseTTL), it evaluates every workspace's alerts. The lease
// is renewed before each workspace after the first (one store round trip) and,
// by the alerter, before each post; once another replica holds it (this pass
// outlived it: a back-fill, a slow platform, a paused process), the pass ends
// there, posting nothing more: that replica's pass posts the alerts now (both
// posted them, a review found). A stopped pass (ctx done) ends too, the post in
// flight finishing. al renews the lease as holder (its Holder is set to it).
func alertPass(ctx context.Context, st store.Store, al *bot.Alerter, cfg config.Config, log *slog.Logger, holder string) {
	al.Holder = holder
	// (alerts this replica posted and could not save: saved, or deleted as copies
	// of another replica's, lease or not)
	if left, err := al.SaveUnsaved(ctx); err != nil {
		log.Warn("alerts: could not save alerts posted earlier; tried again next tick", "unsaved", left, "err", err)
	}
	if ok, err := st.AcquireLease(ctx, bot.AlertsLease, holder, bot.AlertsLeaseTTL); err != nil || !ok {
		return
	}
	now := time.Now().UTC()
	wss, err := st.Workspaces(ctx)
	if err != nil {
		log.Warn("alerts: list workspaces", "err", err)
	}
	for i, ws := range wss {
		if ctx.Err() != nil {
			return
		}
		if i > 0 {
			if err := al.KeepLease(ctx); err != nil {
				if errors.Is(err, bot.ErrAlertsLeaseLost) {
					log.Warn("alerts: the alerts lease is lost: this pass ends, another replica evaluates the alerts", "workspace", ws, "err", err)
				} else {
					log.Warn("alerts: could not renew the alerts lease (a store error): this pass ends; the next tick takes it again", "workspace", ws, "err", err)
				}
				return
			}
		}
		// Data applied before account-day counters existed gets them once,
		// and an older version's record layout is upgraded (a no-op
		// after), by the replica holding the lease; until then Risk reads
		// the messages, so alerts stay right meanwhile.
		// A back-fill of tens of millions of messages outlasts the lease:
		// it is renewed as the walk goes, so no other replica starts the
		// same walk and alerts are not evaluated twice.
		report := logAccountDays(ctx, log, ws, 10*time.Second)
		report.tick = leaseKeeper(ctx, st, log, bot.AlertsLease, holder, bot.AlertsLeaseTTL, time.Minute)
		if err := report.build(ctx, st, ws); err != nil {
			log.Warn("alerts: build account days", "workspace", ws, "err", err)
		}
		// Survey answers an older version kept in one list move into
		// their weeks once, so readers stop reading all of them.
		if n, err := bot.MoveSurveyAnswers(ctx, st, ws); err != nil {
			log.Warn("alerts: move survey answers", "workspace", ws, "err", err)
		} else if n > 0 {
			log.Info("moved survey answers into their weeks (once, for data from an older version)", "workspace", ws, "answers", n)
		}
		// Weeks an older version listed get their account index once.
		if n, err := bot.IndexSurveyWeeks(ctx, st, ws); err != nil {
			log.Warn("alerts: index survey weeks", "workspace", ws, "err", err)
		} else if n > 0 {
			log.Info("indexed survey weeks by account (once, for data from an older version)", "workspace", ws, "weeks", n)
		}
		hs, err := bot.Risk(ctx, st, riskRequest(cfg, ws, now))
		if err != nil {
			log.Warn("alerts: risk", "workspace", ws, "err", err)
			continue
		}
		out, err := al.Evaluate(ctx, ws, hs, now)
		switch {
		case errors.Is(err, bot.ErrAlertsLeaseLost):
			log.Warn("alerts: the alerts lease is lost: this pass ends, another replica evaluates the alerts", "workspace", ws,
				"raised", out.Raised, "updated", out.Updated, "repeated", out.Repeated, "resolved", out.Resolved)
			return
		case err != nil && ctx.Err() != nil:
			log.Info("alerts: pass stopped", "workspace", ws, "raised", out.Raised, "repeated", out.Repeated, "resolved", out.Resolved)
			return
		case err != nil:
			// (with what the pass did all the same: an alert the platform refused,
			// or a failed search of the sweep, leaves the others' work done)
			log.Warn("alerts: evaluate", "workspace", ws, "err", err, "raised", out.Raised, "updated", out.Updated, "repeated", out.Repeated,
				"resolved", out.Resolved, "left_to_another_replica", out.Elsewhere, "stray_messages_deleted", out.Swept)
			continue
		}
		log.Info("alerts evaluated", "workspace", ws, "raised", out.Raised, "updated", out.Updated, "repeated", out.Repeated, "resolved", out.Resolved,
			"left_to_another_replica", out.Elsewhere, "stray_messages_deleted", out.Swept)
	}
}

// captureStore is the store as adapters see it: appends go through bot.Capture.
type captureStore struct {
	store.Store
	capture *bot.Capture
}

func (c *captureStore) Append(ctx context.Context, events ...feedbackbot.Event) (int, error) {
	return c.capture.Append(ctx, events...)
}

// The Slack adapter stores a message's first delivery with AppendNew where its
// sink has it, and Append (which would replace an edit stored before it) where not.
var _ bot.NewAppender = (*captureStore)(nil)

// AppendNew goes through capture too (a first delivery, which must not replace
// a version stored before it: store.Filler).
func (c *captureStore) AppendNew(ctx context.Context, events ...feedbackbot.Event) (int, error) {
	return c.capture.AppendNew(ctx, events...)
}

// AppendOver goes through capture too (a reaction is captured with retries and
// counted like any other event).
func (c *captureStore) AppendOver(ctx context.Context, base, op string, ev feedbackbot.Event) (bool, error) {
	return c.capture.AppendOver(ctx, base, op, ev)
}

// GaveUp counts an event an adapter gave up on in capture's failures.
func (c *captureStore) GaveUp() { c.capture.GaveUp() }

// NewestRetried goes through capture too (the Slack adapter's edits, reactions and
// redeliveries read what is stored with an append's backoff).
func (c *captureStore) NewestRetried(ctx context.Context, key string) (feedbackbot.Message, bool, error) {
	return c.capture.NewestRetried(ctx, key)
}

// AppendQueued goes through capture for an adapter whose own queue retries a
// batch until it is stored (Discord's: Discord never redelivers), so that each
// event is counted once and only a batch the queue gives up on is a failure.
func (c *captureStore) AppendQueued(ctx context.Context, retry bool, events ...feedbackbot.Event) (int, error) {
	return c.capture.AppendQueued(ctx, retry, events...)
}

// QueueGaveUp counts a batch an adapter's queue gave up on in capture's failures.
func (c *captureStore) QueueGaveUp(events int) { c.capture.QueueGaveUp(events) }

// Unwrap is the store itself (bot.Unwrapper): only its appends are wrapped, and
// its optional methods, which the embedded interface hides, are used (Compact
// after /feedback forget, which did not rewrite the file in run until it was
// passed on by hand: a review's find; the reads of several accounts at once).
func (c *captureStore) Unwrap() store.Store { return c.Store }

// postFinder is a platform's search for a post of the bot's by its mark (the
// Slack and Discord adapters' FindPost), which the scheduler and the alerter look for.
type postFinder interface {
	FindPost(ctx context.Context, channel, mark string, since time.Time) (feedbackbot.PostRef, error)
}

// destinationChecker is a platform's check that a channel may hold customer
// analysis (the Slack and Discord adapters' CheckDestination), which the
// scheduler asks before deleting a digest recorded by its reference alone.
type destinationChecker interface {
	CheckDestination(ctx context.Context, channel string) error
}

// countPosts is c with what its poster has of the optional methods the bot looks
// for on a poster (its search, FindPost, and its check, CheckDestination), each
// forwarded, as the wrapper alone would hide them: a wrapper that hid FindPost
// left every replica to post again the digest or alert of a replica that died
// after its post, and one that hid CheckDestination left an old digest readable
// in a channel shared with customers since (a review's find). A wrapper that
// always had them would claim what a platform cannot do (announce posts a
// platform without search can never find).
func countPosts(c *countingPoster) bot.AlertPoster {
	f, finds := c.AlertPoster.(postFinder)
	d, checks := c.AlertPoster.(destinationChecker)
	switch {
	case finds && checks:
		return &struct {
			*countingPoster
			postFinder
			destinationChecker
		}{c, f, d}
	case finds:
		return &struct {
			*countingPoster
			postFinder
		}{c, f}
	case checks:
		return &struct {
			*countingPoster
			destinationChecker
		}{c, d}
	}
	return c
}

// countingPoster counts posts and failures for /metrics.
type countingPoster struct {
	bot.AlertPoster
	posts, errors, deletes prometheus.Counter
}

func (p *countingPoster) Post(ctx context.Context, channel string, doc feedbackbot.Document) (feedbackbot.PostRef, error) {
	ref, err := p.AlertPoster.Post(ctx, channel, doc)
	p.count(err)
	return ref, err
}

// Update edits a posted message. An edit of a message gone already (deleted in
// the chat: the bot is done with it), or one the channel refuses (shared since:
// the bot deletes the message instead, counted as a deletion), is neither a post
// nor a failed one: post_errors_total rose at every Slack Connect share of a
// channel holding a digest (a review's find).
func (p *countingPoster) Update(ctx context.Context, ref feedbackbot.PostRef, doc feedbackbot.Document) error {
	err := p.AlertPoster.Update(ctx, ref, doc)
	if feedbackbot.IsNotFound(err) || feedbackbot.ErrorCode(err) == feedbackbot.EUNAUTHORIZED {
		return err
	}
	p.count(err)
	return err
}

// Delete deletes a posted alert (an erasure's, where it may not edit it any
// more): forwarded, or the interface would hide it, as the embedded one did.
// A deletion is counted apart (not as a post): replicas that raced to post show
// in it, beside the erasures'. A message found gone already is neither.
func (p *countingPoster) Delete(ctx context.Context, ref feedbackbot.PostRef) error {
	err := p.AlertPoster.Delete(ctx, ref)
	switch {
	case err == nil:
		p.deletes.Inc()
	case !feedbackbot.IsNotFound(err):
		p.errors.Inc()
	}
	return err
}

func (p *countingPoster) count(err error) {
	if err != nil {
		p.errors.Inc()
		return
	}
	p.posts.Inc()
}

// newHTTPServer bounds what one client can hold: slow headers (a slowloris), slow
// bodies, slow readers of the answer, idle keep-alives and huge headers. Request
// bodies are bounded by each handler (Slack's at 1 MiB).
func newHTTPServer(h http.Handler) *http.Server {
	return &http.Server{Handler: h, ReadHeaderTimeout: 5 * time.Second, ReadTimeout: 15 * time.Second,
		WriteTimeout: 30 * time.Second, IdleTimeout: 120 * time.Second, MaxHeaderBytes: 64 << 10}
}

// leaseKeeper returns a function that renews a lease holder holds, at most once
// every interval: called from a long step's progress, it keeps the lease from
// running out under it.
func leaseKeeper(ctx context.Context, st interface {
	AcquireLease(ctx context.Context, name, holder string, ttl time.Duration) (bool, error)
}, log *slog.Logger, name, holder string, ttl, every time.Duration) func() {
	last := time.Now()
	return func() {
		if time.Since(last) < every {
			return
		}
		last = time.Now()
		if ok, err := st.AcquireLease(ctx, name, holder, ttl); err != nil || !ok {
			log.Warn("could not renew a lease during a long step", "lease", name, "held", ok, "err", err)
		}
	}
}
