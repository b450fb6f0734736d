package main

import (
	"archive/zip"
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	boltstore "github.com/feedbackbot/feedbackbot/store/bolt"
)

// importTexts are the shapes of generated customer and staff messages; %s and %d
// are filled per message so that no two texts are alike.
var importTexts = []string{
	"we were charged twice for invoice %d, please refund the second one",
	"thanks, the new %s dashboard is great! :tada:",
	"how do I set up SSO with Okta for the %s team?",
	"the CSV export is broken since the release, file %d is empty",
	"ok 👍",
	"%s dashboards keep timing out for our EU users since this morning",
	"would be great if scheduled reports supported PDF for %s",
	"we're evaluating other vendors before the renewal in %d days",
	"still waiting on a reply about ticket #%d",
	"can you add <@U%d> to the shared channel?",
	"login with Google fails with error %d for half of the %s group",
	"love the new filters, saved us hours this week",
	"is there an API endpoint to pull %s usage per seat?",
	"the mobile app crashes when I open report %d",
	"great, another outage 🙄 that's the %s sync again",
	"docs for the %s webhook are out of date, the payload changed",
}

var importWords = []string{"billing", "ops", "sales", "finance", "marketing", "support", "EMEA", "APAC", "growth", "data"}

var staffTexts = []string{
	"thanks for flagging, looking into ticket %d now",
	"fixed in today's release, can you try again?",
	"I've refunded invoice %d, sorry about that",
	"good question: Settings → Security → SSO, docs here <https://docs.example.com/%s|SSO guide>",
}

// runImportBench generates a Slack workspace export and times `feedbackbot import`
// (a separate process, built from this tree) from start to fully analysed, per store.
func runImportBench(ctx context.Context, args []string) error {
	fs := newFlags("import")
	n := fs.Int("messages", 1_000_000, "messages in the generated export")
	channels := fs.Int("channels", 100, "customer channels (one account each)")
	days := fs.Int("days", 365, "days of history")
	kinds := fs.String("stores", "bolt,redis", "stores to measure")
	settleFor := fs.Duration("settle", 3*time.Minute, "before each import, wait at most this long for the machine to go quiet (0: never wait)")
	runs := fs.Int("runs", 1, "runs per store (the median is reported)")
	redisURL := fs.String("redis", envOr("REDIS_URL", "redis://127.0.0.1:6379/0"), "Redis URL")
	keep := fs.String("export", "", "write the generated export here and keep it (default: a temporary file)")
	fs.Parse(args)

	tmp, err := os.MkdirTemp("", "feedbackbot-bench-import-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(tmp)
	zipPath := *keep
	if zipPath == "" {
		zipPath = filepath.Join(tmp, "export.zip")
	}
	t0 := time.Now()
	files, err := writeBenchExport(zipPath, *n, *channels, *days)
	if err != nil {
		return fmt.Errorf("generate export: %w", err)
	}
	st, _ := os.Stat(zipPath)
	fmt.Fprintf(os.Stderr, "bench import: generated %d messages in %d daily files (%.0f MB zipped) in %s\n",
		*n, files, float64(st.Size())/1e6, time.Since(t0).Round(time.Millisecond))
	bin := filepath.Join(tmp, "feedbackbot")
	build := exec.CommandContext(ctx, "go", "build", "-o", bin, "./cmd/feedbackbot")
	build.Stderr = os.Stderr
	if err := build.Run(); err != nil {
		return fmt.Errorf("build feedbackbot: %w", err)
	}
	asOf := benchExportStart.AddDate(0, 0, *days).Format(time.RFC3339)
	rows := [][]string{{"store", "messages", "import + analysis: median (each run)", "messages/s", "import peak RSS (anon)", "digest 7d then", "its RSS (anon)", "risk then", "its RSS (anon)", "file", "runs"}}
	out := map[string]any{"messages": *n, "daily_files": files}
	for _, kind := range strings.Split(*kinds, ",") {
		var secs, rss, anon, dsecs, drss, danon, rsecs, rrss, ranon, sizes []float64
		for run := range *runs {
			settle(ctx, fmt.Sprintf("the %s import", kind), *settleFor)
			r, err := importRun(ctx, bin, zipPath, kind, *redisURL, tmp, run, asOf)
			if err != nil {
				return fmt.Errorf("%s: %w", kind, err)
			}
			secs, rss, anon = append(secs, r.importSec), append(rss, r.importRSS), append(anon, r.importAnon)
			dsecs, drss, danon = append(dsecs, r.digestSec), append(drss, r.digestRSS), append(danon, r.digestAnon)
			rsecs, rrss, ranon = append(rsecs, r.riskSec), append(rrss, r.riskRSS), append(ranon, r.riskAnon)
			sizes = append(sizes, r.fileBytes)
		}
		out[kind+"_seconds"], out[kind+"_messages_per_sec"], out[kind+"_peak_rss_mib"] = median(secs), float64(*n)/median(secs), median(rss)
		out[kind+"_seconds_each_run"] = secs
		out[kind+"_anon_rss_mib"] = median(anon)
		out[kind+"_digest_seconds"], out[kind+"_digest_rss_mib"], out[kind+"_digest_anon_rss_mib"] = median(dsecs), median(drss), median(danon)
		out[kind+"_risk_seconds"], out[kind+"_risk_rss_mib"], out[kind+"_risk_anon_rss_mib"] = median(rsecs), median(rrss), median(ranon)
		file := "–"
		if size := median(sizes); size > 0 {
			out[kind+"_file_bytes"] = size
			file = fmt.Sprintf("%.0f MB (%.0f bytes a message)", size/1e6, size/float64(*n))
		}
		each := make([]string, len(secs))
		for i, x := range secs {
			each[i] = fmt.Sprintf("%.1f", x)
		}
		rows = append(rows, []string{kind, strconv.Itoa(*n), fmt.Sprintf("%.1f s (%s)", median(secs), strings.Join(each, ", ")),
			fmt.Sprintf("%.0f", float64(*n)/median(secs)), mib(median(rss), median(anon)),
			fmt.Sprintf("%.2f s", median(dsecs)), mib(median(drss), median(danon)),
			fmt.Sprintf("%.2f s", median(rsecs)), mib(median(rrss), median(ranon)), file, strconv.Itoa(len(secs))})
	}
	table(rows)
	printJSON(out)
	return nil
}

// importFigures are one import run's measurements: wall seconds and peak RSS (MiB)
// of the import, then of a digest and a risk assessment over what it stored (whole
// processes, opening the store included), and the embedded store's file size after
// the import (0 on Redis: bench digest measures its memory a message).
type importFigures struct {
	importSec, importRSS, importAnon float64
	digestSec, digestRSS, digestAnon float64
	riskSec, riskRSS, riskAnon       float64
	fileBytes                        float64
}

// importRun runs one import into a fresh store, then a digest and a risk
// assessment as of the end of the history, each as its own process.
func importRun(ctx context.Context, bin, zipPath, kind, redisURL, tmp string, run int, asOf string) (importFigures, error) {
	var f importFigures
	dir := filepath.Join(tmp, fmt.Sprintf("%s-%d", kind, run))
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return f, err
	}
	cfg := filepath.Join(dir, "feedbackbot.yaml")
	prefix := fmt.Sprintf("fbbench:import:%d:%d", os.Getpid(), run)
	if err := os.WriteFile(cfg, []byte("store:\n  key_prefix: \""+prefix+"\"\n"), 0o600); err != nil {
		return f, err
	}
	env := append(os.Environ(), "FEEDBACKBOT_DATA="+dir, "REDIS_URL=")
	if kind == "redis" {
		env = append(os.Environ(), "FEEDBACKBOT_DATA="+dir, "REDIS_URL="+redisURL)
		defer func() {
			if _, cleanup, err := openRedisPrefix(context.WithoutCancel(ctx), redisURL, prefix); err == nil {
				cleanup()
			}
		}()
	}
	timed := func(args ...string) (float64, float64, float64, error) {
		cmd := exec.CommandContext(ctx, bin, args...)
		cmd.Env = env
		cmd.Stderr = os.Stderr
		if args[0] == "import" {
			cmd.Stdout = os.Stderr
		}
		start := time.Now()
		kib, anon, err := runPeakRSS(cmd)
		if err != nil {
			return 0, 0, 0, fmt.Errorf("feedbackbot %s: %w", args[0], err)
		}
		return time.Since(start).Seconds(), float64(kib) / 1024, float64(anon) / 1024, nil
	}
	var err error
	if f.importSec, f.importRSS, f.importAnon, err = timed("import", "--config", cfg, "--slack-export", zipPath, "--team", "THOME"); err != nil {
		return f, err
	}
	if kind != "redis" {
		st, err := os.Stat(filepath.Join(dir, boltstore.FileName))
		if err != nil {
			return f, fmt.Errorf("the embedded store's file after the import: %w", err)
		}
		f.fileBytes = float64(st.Size())
	}
	if f.digestSec, f.digestRSS, f.digestAnon, err = timed("digest", "--config", cfg, "--as-of", asOf, "--json"); err != nil {
		return f, err
	}
	if f.riskSec, f.riskRSS, f.riskAnon, err = timed("risk", "--config", cfg, "--as-of", asOf, "--json"); err != nil {
		return f, err
	}
	return f, nil
}

// benchExportStart is the first day of the generated history.
var benchExportStart = time.Date(2025, 11, 1, 0, 0, 0, 0, time.UTC)

// writeBenchExport writes a Slack export of n messages: channels customer channels
// shared with one account each (Slack Connect: customers carry their team id), over
// days days, with staff answers and threads. It returns the number of daily files.
func writeBenchExport(path string, n, channels, days int) (int, error) {
	f, err := os.Create(path)
	if err != nil {
		return 0, err
	}
	bw := bufio.NewWriterSize(f, 1<<20)
	zw := zip.NewWriter(bw)
	put := func(name string, v any) error {
		w, err := zw.Create(name)
		if err != nil {
			return err
		}
		return json.NewEncoder(w).Encode(v)
	}
	type user struct {
		ID     string `json:"id"`
		TeamID string `json:"team_id"`
		Name   string `json:"name"`
	}
	type channel struct {
		ID   string `json:"id"`
		Name string `json:"name"`
	}
	type message struct {
		Type     string `json:"type"`
		User     string `json:"user"`
		Text     string `json:"text"`
		TS       string `json:"ts"`
		ThreadTS string `json:"thread_ts,omitempty"`
		UserTeam string `json:"user_team,omitempty"`
	}
	const perAccount, staff = 5, 20
	var users []user
	for s := range staff {
		users = append(users, user{ID: fmt.Sprintf("USTAFF%02d", s), TeamID: "THOME", Name: fmt.Sprintf("staff%02d", s)})
	}
	var chans []channel
	for c := range channels {
		chans = append(chans, channel{ID: fmt.Sprintf("C%05d", c), Name: fmt.Sprintf("ext-acct%03d", c)})
		for u := range perAccount {
			users = append(users, user{ID: fmt.Sprintf("U%03d%02d", c, u), TeamID: fmt.Sprintf("TACCT%03d", c), Name: fmt.Sprintf("cust%03d.%d", c, u)})
		}
	}
	if err := put("users.json", users); err != nil {
		return 0, err
	}
	if err := put("channels.json", chans); err != nil {
		return 0, err
	}
	rng := rand.New(rand.NewPCG(1, 2))
	start := benchExportStart
	files, written := 0, 0
	for d := range days {
		day := start.AddDate(0, 0, d)
		for c := range channels {
			// spread n evenly over the channel-days, the remainder to the first ones
			k := n / (days * channels)
			if d*channels+c < n%(days*channels) {
				k++
			}
			if k == 0 {
				continue
			}
			msgs := make([]message, 0, k)
			var root string
			for i := range k {
				sec := 8*3600 + i*(10*3600/k) + rng.IntN(30)
				ts := fmt.Sprintf("%d.%06d", day.Unix()+int64(sec), written%1_000_000)
				m := message{Type: "message", TS: ts}
				if i%4 == 3 {
					s := rng.IntN(staff)
					m.User, m.UserTeam = fmt.Sprintf("USTAFF%02d", s), "THOME"
					m.Text = fill(rng, staffTexts[rng.IntN(len(staffTexts))])
				} else {
					m.User, m.UserTeam = fmt.Sprintf("U%03d%02d", c, rng.IntN(perAccount)), fmt.Sprintf("TACCT%03d", c)
					m.Text = fill(rng, importTexts[rng.IntN(len(importTexts))])
				}
				if i%4 == 0 {
					root = ts
				} else {
					m.ThreadTS = root
				}
				msgs = append(msgs, m)
				written++
			}
			if err := put(chans[c].Name+"/"+day.Format("2006-01-02")+".json", msgs); err != nil {
				return 0, err
			}
			files++
		}
	}
	if err := zw.Close(); err != nil {
		return 0, err
	}
	if err := bw.Flush(); err != nil {
		return 0, err
	}
	return files, f.Close()
}

// fill puts a word and a number into a text shape.
func fill(rng *rand.Rand, shape string) string {
	out := shape
	// The random draws only where the shape has a slot: unconditional, they would
	// change every later draw, and the generated export with them.
	//lint:ignore S1017 the condition guards the draw, not the Replace
	if strings.Contains(out, "%s") {
		out = strings.Replace(out, "%s", importWords[rng.IntN(len(importWords))], 1)
	}
	//lint:ignore S1017 the condition guards the draw, not the Replace
	if strings.Contains(out, "%d") {
		out = strings.Replace(out, "%d", strconv.Itoa(rng.IntN(100000)), 1)
	}
	return out
}

// mib formats a peak RSS and the largest anonymous part seen.
func mib(peak, anon float64) string {
	return fmt.Sprintf("%.0f MiB (%.0f)", peak, anon)
}
