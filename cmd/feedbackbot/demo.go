package main

import (
	"bufio"
	"bytes"
	"cmp"
	"context"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/feedbackbot/feedbackbot"
	"github.com/feedbackbot/feedbackbot/analysis"
	"github.com/feedbackbot/feedbackbot/analysis/health"
	"github.com/feedbackbot/feedbackbot/bot"
	"github.com/feedbackbot/feedbackbot/cmd/feedbackbot/demodata"
	"github.com/feedbackbot/feedbackbot/config"
	"github.com/feedbackbot/feedbackbot/store"
	boltstore "github.com/feedbackbot/feedbackbot/store/bolt"
	"gopkg.in/yaml.v3"
)

// DemoWorkspace is the Slack team id the sample conversations are filed under.
const DemoWorkspace = "T0DEMO"

type demoLine struct {
	Day     int    `json:"day"`
	At      string `json:"at"`
	Account string `json:"account"`
	Channel string `json:"channel"`
	Role    string `json:"role"`
	Author  string `json:"author"`
	Text    string `json:"text"`
	Conv    string `json:"conv"`
}

// demoMessages turns the bundled conversations into messages relative to now. The
// first message of a conversation is its root; later ones reply in its thread.
func demoMessages(now time.Time, accts map[string]feedbackbot.Account) ([]feedbackbot.Message, error) {
	day0 := now.UTC().Truncate(24 * time.Hour)
	roots := map[string]string{}
	var out []feedbackbot.Message
	sc := bufio.NewScanner(bytes.NewReader(demodata.Conversations))
	sc.Buffer(make([]byte, 0, 64*1024), 1<<20)
	for n := 1; sc.Scan(); n++ {
		if strings.TrimSpace(sc.Text()) == "" {
			continue
		}
		var l demoLine
		if err := json.Unmarshal(sc.Bytes(), &l); err != nil {
			return nil, fmt.Errorf("demo data line %d: %w", n, err)
		}
		clock, err := time.Parse("15:04", l.At)
		if err != nil {
			return nil, fmt.Errorf("demo data line %d: time %q: %w", n, l.At, err)
		}
		t := day0.AddDate(0, 0, l.Day).Add(time.Duration(clock.Hour())*time.Hour + time.Duration(clock.Minute())*time.Minute + time.Duration(n)*time.Millisecond)
		if t.After(now) {
			continue
		}
		ts := fmt.Sprintf("%d.%06d", t.Unix(), t.Nanosecond()/1000)
		ch := "C" + strings.ToUpper(strings.ReplaceAll(l.Channel, "-", ""))
		m := feedbackbot.Message{
			ID: ch + ":" + ts, Platform: feedbackbot.PlatformSlack, Workspace: DemoWorkspace,
			Channel: ch, ChannelName: l.Channel, Author: l.Author, AuthorName: l.Author,
			Role: feedbackbot.Role(l.Role), Account: l.Account, AccountName: accts[l.Account].Name,
			Text: l.Text, Time: t,
			Permalink: fmt.Sprintf("https://northwind.slack.com/archives/%s/p%s", ch, strings.ReplaceAll(ts, ".", "")),
		}
		if l.Conv != "" {
			if root, ok := roots[l.Conv]; ok {
				m.Thread = root
				// (a reply's link names its thread, as Slack's own links do)
				m.Permalink += "?thread_ts=" + strings.TrimPrefix(root, ch+":") + "&cid=" + ch
			} else {
				roots[l.Conv] = m.ID
			}
		}
		out = append(out, m)
	}
	return out, sc.Err()
}

// demoDocKind and demoAsOfID name the document in which a demo store keeps the
// moment its sample was laid out for.
const demoDocKind, demoAsOfID = "demo", "as-of"

// demoReplayedID marks a demo store whose alert passes were replayed.
const demoReplayedID = "alerts-replayed"

func (m *Main) cmdDemo(ctx context.Context, args []string) error {
	fs, cfgPath := m.flags("demo")
	export := fs.String("slack-export", "", "also write the sample conversations to `FILE.zip` as a Slack workspace export (for import --slack-export FILE.zip --team "+DemoWorkspace+")")
	dir := fs.String("dir", "", "the `DIR` for the demo's store and chart, kept afterwards (default: a new temporary directory)")
	at := fs.String("as-of", "", "pretend it is this moment, RFC 3339 `TIME` or a date (default: the most recent 09:00 UTC)")
	period := 7 * 24 * time.Hour
	fs.Var(durationFlag{d: &period}, "period", "the digest's `PERIOD`, such as 7d or 24h (1h..92d)")
	if err := parse(fs, args); err != nil {
		return err
	}
	// The most recent 09:00 UTC: a morning digest, never a moment in the future.
	now := time.Now().UTC().Truncate(24 * time.Hour).Add(9 * time.Hour)
	if now.After(time.Now()) {
		now = now.AddDate(0, 0, -1)
	}
	if *at != "" {
		var err error
		if now, err = asOf(*at); err != nil {
			return err
		}
	}
	// The demo runs on its own settings unless given a --config: a team's
	// feedbackbot.yaml (its taxonomy, response targets) changed what the demo
	// printed, without a word, and its "Try next" commands, which read the demo's
	// own configuration, then disagreed with it (a review's find).
	path := *cfgPath
	if path == "" {
		if _, err := os.Stat(config.DefaultFile); err == nil {
			fmt.Fprintf(m.Stderr, "demo: not reading ./%s: the demo runs on its own settings (pass --config %s to try yours)\n", config.DefaultFile, config.DefaultFile)
		}
		path = os.DevNull
	}
	cfg, err := m.load(path)
	if err != nil {
		return err
	}
	if *dir != "" {
		if fi, err := os.Stat(*dir); err == nil && !fi.IsDir() {
			// (it said "bolt: create data directory: mkdir …: not a directory")
			return usagef("demo: --dir %s is a file: give a directory (a new one is created)", *dir)
		}
	}
	// The export's path is checked before anything is made: it was written after
	// the store's directory was created and announced, and a path in a directory
	// that does not exist left that directory behind, empty (a review's find).
	if *export != "" {
		if err := demoExportPathOK(*export, *dir); err != nil {
			return err
		}
	}
	made := "" // the directory the demo made, removed should the export fail
	if *dir == "" {
		if *dir, err = os.MkdirTemp("", "feedbackbot-demo-"); err != nil {
			return fmt.Errorf("demo: %w", err)
		}
		made = *dir
	} else if _, err := os.Stat(*dir); errors.Is(err, os.ErrNotExist) {
		made = *dir
	}
	if err := demoConfigFree(filepath.Join(*dir, demoConfigName)); err != nil {
		return err
	}
	if err := demoChartFree(filepath.Join(*dir, demoChartName)); err != nil {
		return err
	}
	// The sample's times follow --as-of: a store that holds it as of another moment
	// would hold two overlapping copies, and every figure would be wrong. Refused
	// before anything is said or written ("Pretending it is … Store: …" came first,
	// and the export was written, a new user's find).
	stamp := now.UTC().Format(time.RFC3339)
	if err := m.demoStoreFree(ctx, cfg, *dir, stamp); err != nil {
		return err
	}
	// (--slack-export DIR/x.zip failed for a new --dir: the export is written first)
	if err := os.MkdirAll(*dir, 0o700); err != nil {
		return fmt.Errorf("demo: %w", err)
	}
	cfg.Store.RedisURL = ""
	cfg.Store.DataDir = *dir
	var accounts []feedbackbot.Account
	if err := json.Unmarshal(demodata.Accounts, &accounts); err != nil {
		return fmt.Errorf("demo accounts: %w", err)
	}
	cfg.Accounts = append(cfg.Accounts, accounts...)
	accts := accountMap(cfg.Accounts)

	out := m.Stdout
	community := 0
	for _, a := range accounts {
		if a.Tier == "community" {
			community++
		}
	}
	fmt.Fprintf(out, "feedbackbot demo: Northwind Analytics, %d customer accounts in Slack Connect channels and %d community members, four weeks of chat.\n",
		len(accounts)-community, community)
	fmt.Fprintf(out, "Pretending it is %s. Store: %s\n\n", now.Format("Mon 2 Jan 2006 15:04 MST"), *dir)

	msgs, err := demoMessages(now, accts)
	if err != nil {
		return err
	}
	if *export != "" {
		if err := writeSlackExport(*export, msgs, now); err != nil {
			if made != "" {
				os.Remove(made) // (nothing is in it yet: the store is opened below)
			}
			return err
		}
		fmt.Fprintf(out, "Wrote the %d sample messages as a Slack export: %s\n\n", len(msgs), *export)
	}
	st, _, err := m.openStore(ctx, cfg)
	if err != nil {
		return err
	}
	defer st.Close()
	// (checked again, now that the store is open for this run: demoStoreFree found
	// none, or one of this demo's)
	if fresh, err := demoStoreCheck(ctx, st, *dir, stamp); err != nil {
		return err
	} else if fresh {
		if err := st.PutDoc(ctx, DemoWorkspace, demoDocKind, demoAsOfID, []byte(stamp)); err != nil {
			return fmt.Errorf("demo: %w", err)
		}
	}

	start := time.Now()
	events := make([]feedbackbot.Event, 0, len(msgs))
	for _, msg := range msgs {
		if err := msg.Normalize(); err != nil {
			return fmt.Errorf("demo message %s: %w", msg.ID, err)
		}
		events = append(events, feedbackbot.Event{Kind: feedbackbot.EventPut, Message: msg})
	}
	appended, err := st.Append(ctx, events...)
	if err != nil {
		return fmt.Errorf("capture: %w", err)
	}
	fmt.Fprintf(out, "1. Captured %d messages into the log (%d new; re-running the demo on the same --dir stores nothing twice).\n", len(events), appended)

	a, err := newAnalyzer(cfg)
	if err != nil {
		return err
	}
	w := &bot.Worker{Store: st, Analyzer: a, Consumer: "demo", Batch: cfg.Analysis.Batch, Logger: m.log()}
	n, err := w.Drain(ctx)
	if err != nil {
		return fmt.Errorf("analysis: %w", err)
	}
	if n > 0 {
		fmt.Fprintf(out, "2. Analysed %s: sentiment, themes and intent for every message, hourly rollups updated (%s).\n\n",
			feedbackbot.CountNoun(n, "log entry", "log entries"), time.Since(start).Round(time.Millisecond))
	} else {
		// A run on a --dir the demo filled before: "Analysed 0 log entries:
		// sentiment, themes and intent for every message" said it did what it did
		// not (a new user's find).
		keys, err := st.PeriodKeys(ctx, DemoWorkspace, time.Time{}, time.Time{}, store.MaxPeriodKeys)
		if err != nil {
			return fmt.Errorf("demo: %w", err)
		}
		fmt.Fprintf(out, "2. Nothing new to analyse: the store holds %s already analysed (sentiment, themes and intent), by an earlier run on this --dir.\n\n",
			feedbackbot.CountNoun(len(keys), "message", "messages"))
	}
	if err := demoCorrection(ctx, out, st, cfg, a, msgs, now); err != nil {
		return err
	}

	// The alerts the running bot would have raised and closed over the four weeks,
	// so the digest can follow them up: once a --dir (a second replay over alerts
	// already closed would close them again, before they were raised), and from
	// the start again after a run that stopped part-way (or a --dir of a version
	// without the replay).
	switch _, err := st.GetDoc(ctx, DemoWorkspace, demoDocKind, demoReplayedID); {
	case err == nil:
	case !feedbackbot.IsNotFound(err):
		return fmt.Errorf("demo: %w", err)
	default:
		start := time.Now()
		raised, closed, err := replayAlerts(ctx, st, cfg, now.Add(-demoReplay), now)
		if err != nil {
			return err
		}
		if err := st.PutDoc(ctx, DemoWorkspace, demoDocKind, demoReplayedID, []byte(stamp)); err != nil {
			return fmt.Errorf("demo: %w", err)
		}
		fmt.Fprintf(out, "   Replayed the bot's alert passes, every %s over the four weeks: %s raised, %d closed (%s).\n\n",
			config.FormatDuration(demoPassEvery), feedbackbot.CountNoun(raised, "alert or reply-due heads-up", "alerts and reply-due heads-ups"), closed, time.Since(start).Round(time.Millisecond))
	}
	if err := demoKano(ctx, st, msgs, accountMap(cfg.Accounts), now); err != nil {
		return err
	}
	d, png, err := buildDigest(ctx, st, cfg, DemoWorkspace, now, period, time.UTC, true)
	if err != nil {
		return err
	}
	chartPath := filepath.Join(*dir, demoChartName)
	if err := writeDemoChart(chartPath, png); err != nil {
		return err
	}
	fmt.Fprintln(out, "3. The digest the team would get in its internal channel:")
	fmt.Fprintln(out)
	fmt.Fprint(out, indent(bot.RenderText(bot.DigestDocument(d, png)), "   │ "))
	fmt.Fprintln(out)

	hs, err := bot.Risk(ctx, st, riskRequest(cfg, DemoWorkspace, now))
	if err != nil {
		return err
	}
	atRisk := bot.AtRisk(hs)
	shown, err := demoAlerts(ctx, st, atRisk, now)
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "4. At-risk alerts (%d of %d accounts at risk: health below %d, or two churn signals), as the alert channel has them now:\n\n", len(atRisk), len(hs), cfg.Alerts.Threshold)
	for _, al := range shown {
		fmt.Fprint(out, indent(bot.RenderText(bot.AlertDocument(al)), "   │ "))
		fmt.Fprintln(out)
	}
	fmt.Fprintln(out, "5. Every account's health:")
	fmt.Fprintln(out)
	var table strings.Builder
	printRisk(&table, hs, now, riskRequest(cfg, DemoWorkspace, now).Params.WithDefaults().Baseline)
	fmt.Fprint(out, indent(table.String(), "   "))
	fmt.Fprintln(out)
	if err := printDemoKano(ctx, out, st, accountMap(cfg.Accounts), now); err != nil {
		return err
	}
	fmt.Fprintf(out, "\nChart: %s\n", chartPath)
	// The commands to try next read the demo's accounts (names, tiers, owners,
	// revenue) from a configuration file beside its store, as the demo did: without
	// it their answers had no revenue at stake, no tier and no owner.
	absDir, err := filepath.Abs(*dir)
	if err != nil {
		return fmt.Errorf("demo: %w", err)
	}
	// (its own name: feedbackbot.yaml is the file every command reads by default,
	// and demo --dir . would have replaced a user's own, a review's find)
	cfgFile := filepath.Join(absDir, demoConfigName)
	if err := writeDemoConfig(cfgFile, absDir, accounts); err != nil {
		return err
	}
	// FEEDBACKBOT_DATA as well: the environment wins over a configuration file.
	// The paths are quoted for the shell: --dir "my dir" printed commands that
	// could not be pasted (a review's find).
	fmt.Fprintf(out, `
Try next (the same store, with the demo's accounts from %[2]s):
  FEEDBACKBOT_DATA=%[1]s %[4]s risk --config %[2]s --as-of %[3]s
  FEEDBACKBOT_DATA=%[1]s %[4]s risk --config %[2]s --as-of %[3]s --account fennel
  FEEDBACKBOT_DATA=%[1]s %[4]s digest --config %[2]s --as-of %[3]s --period 28d --json
  FEEDBACKBOT_DATA=%[1]s %[4]s kano --config %[2]s --as-of %[3]s
  FEEDBACKBOT_DATA=%[1]s %[4]s requests --config %[2]s --as-of %[3]s --period 28d
  echo '{"text":"we were charged twice and nobody answers"}' | %[4]s analyze
`, shellWord(absDir), shellWord(cfgFile), now.Format(time.RFC3339), demoSelf(m))
	return nil
}

// demoStoreFree refuses, before the demo says or writes anything, a --dir whose
// store the demo did not make or made as of another moment; a --dir without a
// store is free (the demo makes one).
func (m *Main) demoStoreFree(ctx context.Context, cfg config.Config, dir, stamp string) error {
	if !fileExists(filepath.Join(dir, boltstore.FileName)) {
		return nil
	}
	cfg.Store.RedisURL, cfg.Store.DataDir = "", dir
	st, _, err := m.openStore(ctx, cfg)
	if err != nil {
		return err
	}
	defer st.Close()
	_, err = demoStoreCheck(ctx, st, dir, stamp)
	return err
}

// demoStoreCheck refuses a store that holds the demo as of another moment than
// stamp, or that the demo did not make; fresh: the store holds nothing yet.
func demoStoreCheck(ctx context.Context, st store.Store, dir, stamp string) (fresh bool, err error) {
	switch prev, err := st.GetDoc(ctx, DemoWorkspace, demoDocKind, demoAsOfID); {
	case err == nil && string(prev) != stamp:
		return false, refusef("%s already holds the demo as of %s: run it there with --as-of %s, or give another --dir", dir, prev, prev)
	case err == nil:
		return false, nil
	case !feedbackbot.IsNotFound(err):
		return false, fmt.Errorf("demo: %w", err)
	}
	// A store the demo did not make (the default ./feedbackbot-data, say) would
	// get four weeks of fictional customers, and a bot running on it would post
	// their alerts to the real channel (a review's find).
	wss, err := st.Workspaces(ctx)
	if err != nil {
		return false, fmt.Errorf("demo: %w", err)
	}
	if len(wss) > 0 {
		return false, refusef("%s holds a store the demo did not make (workspaces %s): give the demo a directory of its own, such as a new one", dir, strings.Join(wss, ", "))
	}
	return true, nil
}

// demoSelf is how the demo's "Try next" commands run feedbackbot: with REDIS_URL
// set in the environment they would read Redis, not the demo's store (a review's
// find), so they clear it.
func demoSelf(m *Main) string {
	if m.Getenv("REDIS_URL") != "" {
		return "REDIS_URL= " + m.shellSelf()
	}
	return m.shellSelf()
}

// demoConfigName is the configuration file the demo writes beside its store, and
// demoConfigHeader what it begins with.
const (
	demoConfigName   = "feedbackbot-demo.yaml"
	demoConfigHeader = "# Written by `feedbackbot demo`: its store and its sample accounts.\n"
)

// demoConfigFree refuses a configuration file at path that the demo did not write
// (one it wrote, or none, it may write over).
func demoConfigFree(path string) error {
	if prev, err := os.ReadFile(path); err == nil && !bytes.HasPrefix(prev, []byte(demoConfigHeader)) {
		return refusef("%s exists and the demo did not write it: it is left as it is (give the demo another --dir)", path)
	}
	return nil
}

// demoChartName is the chart the demo writes beside its store.
const demoChartName = "digest.png"

// demoChartMark is the PNG text chunk (keyword Software) that marks the charts
// the demo writes, as demoConfigHeader marks its configuration: a digest.png of
// the user's in --dir was written over, through a symbolic link too (a review's
// find).
var demoChartMark = pngTextChunk("Software", "feedbackbot demo")

// pngSigIHDR is how every PNG begins: its signature, then its IHDR chunk's
// length (13) and type; the IHDR chunk ends at pngIHDREnd.
const (
	pngSigIHDR = "\x89PNG\r\n\x1a\n\x00\x00\x00\x0dIHDR"
	pngIHDREnd = 8 + 4 + 4 + 13 + 4
)

// pngTextChunk is a PNG tEXt chunk of keyword and text.
func pngTextChunk(keyword, text string) []byte {
	data := append([]byte("tEXt"+keyword+"\x00"), text...)
	chunk := binary.BigEndian.AppendUint32(nil, uint32(len(data)-4))
	chunk = append(chunk, data...)
	return binary.BigEndian.AppendUint32(chunk, crc32.ChecksumIEEE(data))
}

// demoChartFree refuses a file at path that the demo did not write (one it
// wrote, or none, it may write over): anything but a regular file holding
// demoChartMark after its header, a symbolic link among them, whatever it names.
// An unmarked PNG beside the demo's own configuration file is an earlier
// version's chart (before 2026-12-07 the charts were not marked, and re-running
// the demo on its directory was refused, a review found).
func demoChartFree(path string) error {
	fi, err := os.Lstat(path)
	if errors.Is(err, os.ErrNotExist) {
		return nil
	}
	ours := false
	if err == nil && fi.Mode().IsRegular() {
		if f, err := os.Open(path); err == nil {
			head := make([]byte, pngIHDREnd+len(demoChartMark))
			_, err = io.ReadFull(f, head)
			f.Close()
			isPNG := err == nil && string(head[:len(pngSigIHDR)]) == pngSigIHDR
			ours = isPNG && (bytes.Equal(head[pngIHDREnd:], demoChartMark) || demoConfigBeside(path))
		}
	}
	if !ours {
		return refusef("%s exists and the demo did not write it: it is left as it is (give the demo another --dir)", path)
	}
	return nil
}

// demoConfigBeside says whether the directory of path holds the demo's own
// configuration file (a regular file beginning with demoConfigHeader).
func demoConfigBeside(path string) bool {
	cfg := filepath.Join(filepath.Dir(path), demoConfigName)
	if fi, err := os.Lstat(cfg); err != nil || !fi.Mode().IsRegular() {
		return false
	}
	b, err := os.ReadFile(cfg)
	return err == nil && bytes.HasPrefix(b, []byte(demoConfigHeader))
}

// writeDemoChart writes the chart png at path, marked as the demo's: over none
// or one the demo wrote, beside and renamed (a symbolic link at path is never
// followed).
func writeDemoChart(path string, png []byte) error {
	if len(png) < pngIHDREnd || string(png[:len(pngSigIHDR)]) != pngSigIHDR {
		return fmt.Errorf("demo: the chart is not a PNG image")
	}
	if err := demoChartFree(path); err != nil {
		return err
	}
	marked := slices.Concat(png[:pngIHDREnd], demoChartMark, png[pngIHDREnd:])
	err := replaceFile(path, 0o644, func(w io.Writer) error { // (sample data, no secret)
		_, err := w.Write(marked)
		return err
	})
	if err != nil {
		return fmt.Errorf("write chart: %w", err)
	}
	return nil
}

// writeDemoConfig writes the configuration the commands after the demo read: its
// store's directory and its accounts, nothing of a configuration the demo was
// given (which may name secrets).
func writeDemoConfig(path, dir string, accounts []feedbackbot.Account) error {
	type account struct {
		ID    string  `yaml:"id"`
		Name  string  `yaml:"name"`
		Tier  string  `yaml:"tier,omitempty"`
		Owner string  `yaml:"owner,omitempty"`
		Value float64 `yaml:"value,omitempty"`
	}
	doc := struct {
		Store struct {
			DataDir string `yaml:"data_dir"`
		} `yaml:"store"`
		Accounts []account `yaml:"accounts"`
	}{}
	doc.Store.DataDir = dir
	for _, a := range accounts {
		doc.Accounts = append(doc.Accounts, account(a))
	}
	raw, err := yaml.Marshal(doc)
	if err != nil {
		return fmt.Errorf("demo config: %w", err)
	}
	raw = append([]byte(demoConfigHeader), raw...)
	if err := demoConfigFree(path); err != nil {
		return err
	}
	if err := os.WriteFile(path, raw, 0o644); err != nil {
		return fmt.Errorf("demo config: %w", err)
	}
	return nil
}

// demoReplay is how far back the demo replays the bot's alert passes, and
// demoPassEvery how often (the bot evaluates every five minutes; every four hours
// is enough for a sample whose messages are hours apart).
const (
	demoReplay    = 28 * 24 * time.Hour
	demoPassEvery = 4 * time.Hour
)

// replayAlerts runs the bot's alert passes over [from, to), as the running bot
// would have (its alerts kept in the store, their posts going nowhere), and counts
// the alerts (and reply-due heads-ups) raised and closed.
func replayAlerts(ctx context.Context, st store.Store, cfg config.Config, from, to time.Time) (raised, closed int, err error) {
	// What a replay that stopped part-way left goes first.
	left, err := st.ListDocs(ctx, DemoWorkspace, bot.DocAlert)
	if err != nil {
		return 0, 0, fmt.Errorf("demo: alerts: %w", err)
	}
	for id := range left {
		if err := st.DeleteDoc(ctx, DemoWorkspace, bot.DocAlert, id); err != nil {
			return 0, 0, fmt.Errorf("demo: alerts: %w", err)
		}
	}
	al := newAlerter(st, &nowherePoster{}, cmp.Or(cfg.Alerts.Channel, "demo-alerts"), cfg, nil) // (no logger: the alerter discards its lines)
	// every demoPassEvery, and last at to itself: the alerts stand as the bot's would now
	for at := from; ; at = at.Add(demoPassEvery) {
		if at.After(to) {
			at = to
		}
		hs, err := bot.Risk(ctx, st, riskRequest(cfg, DemoWorkspace, at))
		if err != nil {
			return raised, closed, fmt.Errorf("demo: alerts as of %s: %w", at.Format(time.RFC3339), err)
		}
		out, err := al.Evaluate(ctx, DemoWorkspace, hs, at)
		if err != nil {
			return raised, closed, fmt.Errorf("demo: alerts as of %s: %w", at.Format(time.RFC3339), err)
		}
		raised, closed = raised+out.Raised, closed+out.Resolved
		if !at.Before(to) {
			return raised, closed, nil
		}
	}
}

// demoAlerts are the alerts to show for the accounts at risk: each account's open
// at-risk alerts as the replayed passes left them in the store (raised when the
// pass raised them, updated at its last), in the order of atRisk; an account the
// passes left without one (none should be) gets the alert a pass would raise now.
func demoAlerts(ctx context.Context, st store.Store, atRisk []feedbackbot.Health, now time.Time) ([]feedbackbot.Alert, error) {
	raw, err := st.ListDocs(ctx, DemoWorkspace, bot.DocAlert)
	if err != nil {
		return nil, fmt.Errorf("demo: alerts: %w", err)
	}
	byAccount := map[string][]feedbackbot.Alert{}
	for id, r := range raw {
		var al feedbackbot.Alert
		if err := json.Unmarshal(r, &al); err != nil {
			return nil, fmt.Errorf("demo: alert %s: %w", id, err)
		}
		if al.Status == feedbackbot.AlertResolved || al.Cause == health.ReasonReplyDue {
			continue
		}
		byAccount[al.Account.ID] = append(byAccount[al.Account.ID], al)
	}
	var out []feedbackbot.Alert
	for _, h := range atRisk {
		open := byAccount[h.Account.ID]
		if len(open) == 0 {
			out = append(out, bot.AlertFor(DemoWorkspace, h, now))
			continue
		}
		slices.SortFunc(open, func(a, b feedbackbot.Alert) int { return a.RaisedAt.Compare(b.RaisedAt) })
		out = append(out, open...)
	}
	return out, nil
}

// nowherePoster is the demo's alert channel: posts are numbered and dropped.
type nowherePoster struct{ n int }

func (p *nowherePoster) Post(_ context.Context, channel string, _ feedbackbot.Document) (feedbackbot.PostRef, error) {
	p.n++
	return feedbackbot.PostRef{Platform: "demo", Destination: channel, ID: strconv.Itoa(p.n)}, nil
}

func (p *nowherePoster) Update(context.Context, feedbackbot.PostRef, feedbackbot.Document) error {
	return nil
}

func (p *nowherePoster) Delete(context.Context, feedbackbot.PostRef) error { return nil }

func indent(s, prefix string) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	for i, l := range lines {
		lines[i] = strings.TrimRight(prefix+l, " ")
	}
	return strings.Join(lines, "\n") + "\n"
}

// demoFix is a sample message the demo corrects, as staff would, when analysis
// tags it with Theme: a theme word read in another sense, or anger read as a wish
// to leave. The demo corrects the first of demoFixes that analysis gets wrong, so
// that retraining the layer (which may read one of them right) leaves it one to
// correct; Why says why the tag is wrong.
type demoFix struct{ Prefix, Theme, Why string }

var demoFixes = []demoFix{
	{"Exports are empty AGAIN.", "cancellation", "a broken export told in anger is no wish to leave"},
	{"The new anomaly detection is brilliant", "billing", "a pricing bug in their own shop is no billing matter"},
	{"Just so you know, we're evaluating other vendors", "onboarding", "weighing other vendors is no setup question"},
	{"Everything is down for us", "performance", "an outage is not slowness"},
}

// demoCorrectedID marks a store whose demo message the demo corrected (its doc
// holds the command, then the corrected message's prefix on a second line).
const demoCorrectedID = "corrected"

// demoCorrection corrects a demoFixes message's theme through the bot's own
// /feedback correct, so that the digest and health after it count the message as
// staff said.
func demoCorrection(ctx context.Context, out io.Writer, st store.Store, cfg config.Config, a *analysis.Analyzer, msgs []feedbackbot.Message, now time.Time) error {
	find := func(prefix string) (feedbackbot.Message, bool) {
		i := slices.IndexFunc(msgs, func(m feedbackbot.Message) bool { return strings.HasPrefix(m.Text, prefix) })
		if i < 0 {
			return feedbackbot.Message{}, false
		}
		return msgs[i], true
	}
	if doc, err := st.GetDoc(ctx, DemoWorkspace, demoDocKind, demoCorrectedID); err == nil {
		// Corrected by an earlier run (and maybe undone since, by whoever tries
		// the command): said, not done again (each run added an audit entry, and
		// overrode an undo), nor said as done by this run ("Staff corrected…",
		// a new user's find).
		text, prefix, _ := strings.Cut(string(doc), "\n")
		fix := demoFixes[0] // a store corrected before the list: its first
		for _, f := range demoFixes {
			if f.Prefix == prefix {
				fix = f
			}
		}
		if m, ok := find(fix.Prefix); ok {
			fmt.Fprintf(out, "   Staff's correction of %s's “%s…” (tagged %s, but %s), made by an earlier run on this --dir, is not made again:\n"+
				"   /feedback %s\n\n", cmp.Or(m.AccountName, m.Account), strings.TrimSuffix(fix.Prefix, "."), fix.Theme, fix.Why, text)
		}
		return nil
	} else if !feedbackbot.IsNotFound(err) {
		return fmt.Errorf("demo: %w", err)
	}
	for _, fix := range demoFixes {
		m, ok := find(fix.Prefix)
		if !ok || !slices.Contains(cfg.ThemeNames(), fix.Theme) {
			continue
		}
		stored, err := st.Message(ctx, m.Key())
		if err != nil {
			return fmt.Errorf("demo: %w", err)
		}
		if !slices.Contains(stored.Tags.Themes, fix.Theme) {
			continue // analysis reads it right
		}
		text := "correct " + m.Permalink + " -" + fix.Theme
		// made when staff read it, a couple of hours after it was written
		at := m.Time.Add(2 * time.Hour)
		if at.After(now) {
			at = now
		}
		b := &bot.Bot{Store: st, Analyzer: a, Themes: cfg.ThemeNames(), Now: func() time.Time { return at }}
		if _, err := b.HandleCommand(ctx, feedbackbot.Command{Platform: feedbackbot.PlatformSlack, Workspace: DemoWorkspace, User: "maria", Staff: true, Text: text}); err != nil {
			return fmt.Errorf("demo: %s: %w", text, err)
		}
		if err := st.PutDoc(ctx, DemoWorkspace, demoDocKind, demoCorrectedID, []byte(text+"\n"+fix.Prefix)); err != nil {
			return fmt.Errorf("demo: %w", err)
		}
		fmt.Fprintf(out, "   Staff corrected a tag analysis got wrong: %s's “%s…” was tagged\n"+
			"   %s, but %s (the digest and health below count it as\n"+
			"   corrected):\n"+
			"   /feedback %s\n\n",
			cmp.Or(m.AccountName, m.Account), strings.TrimSuffix(fix.Prefix, "."), fix.Theme, fix.Why, text)
		return nil
	}
	return nil // analysis reads every one right: nothing to correct
}
