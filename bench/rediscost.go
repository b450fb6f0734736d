package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"

	slackadapter "github.com/feedbackbot/feedbackbot/adapters/slack"
	"github.com/feedbackbot/feedbackbot/analysis"
	"github.com/feedbackbot/feedbackbot/bot"
	"github.com/feedbackbot/feedbackbot/store"
)

// runRedisCost measures what capture and analysis cost Redis a message, in figures
// that do not move with the machine's speed: the instructions the server executes
// (callgrind) and the commands it runs (INFO commandstats). The shared machine's
// speed moves by up to 2x between days, so a change of a few percent in the server's
// work cannot be told from wall-clock runs; instruction counts are the same from run
// to run (about 0.4% apart) for the same code, whatever else the machine is doing.
//
// The workload is fixed, unlike bench pipeline's, whose batches depend on timing:
// the pipeline's messages captured in batches, then analysed by one worker in
// batches of the same size. By default it starts its own redis-server under
// valgrind --tool=callgrind on a free loopback port (valgrind and redis-server must
// be installed); -redis measures an existing server instead, with commands only.
func runRedisCost(ctx context.Context, args []string) error {
	fs := newFlags("rediscost")
	n := fs.Int("messages", 20_000, "messages captured, then analysed")
	batch := fs.Int("batch", 500, "capture and worker batch")
	workload := fs.String("workload", "pipeline", "pipeline: bench pipeline's messages; import: a Slack export shaped as bench import's (100 channels, its messages a channel-day), imported as feedbackbot import does")
	redisURL := fs.String("redis", "", "measure this server's commands instead of starting one under callgrind")
	keep := fs.String("callgrind-out", "", "keep the callgrind profile of the analysis here, and of the capture with .capture added (for callgrind_annotate)")
	fs.Parse(args)
	if *n <= 0 || *batch <= 0 {
		return fmt.Errorf("-messages and -batch must be positive")
	}
	var capture func(context.Context, store.Store) error
	switch *workload {
	case "pipeline":
		capture = func(ctx context.Context, st store.Store) error {
			return captureBatches(ctx, st, *n, *batch, pipelineMessage)
		}
	case "import":
		// bench import's million over 365 days and 100 channels is 27 messages a
		// channel-day: the same density over fewer days
		tmp, err := os.MkdirTemp("", "feedbackbot-rediscost-export-")
		if err != nil {
			return err
		}
		defer os.RemoveAll(tmp)
		zipPath := filepath.Join(tmp, "export.zip")
		if _, err := writeBenchExport(zipPath, *n, 100, max(1, *n*365/1_000_000)); err != nil {
			return fmt.Errorf("write the export: %w", err)
		}
		capture = func(ctx context.Context, st store.Store) error {
			sum, err := slackadapter.ImportExport(ctx, zipPath, slackadapter.ImportOptions{HomeTeam: "THOME"}, st)
			if err != nil {
				return err
			}
			if sum.Appended != *n {
				return fmt.Errorf("imported %d messages, want %d", sum.Appended, *n)
			}
			return nil
		}
	default:
		return fmt.Errorf("-workload is pipeline or import, not %q", *workload)
	}
	url, counter := *redisURL, (*callgrindServer)(nil)
	if url == "" {
		var err error
		if counter, err = startCallgrindRedis(ctx); err != nil {
			return err
		}
		defer counter.stop()
		url = counter.url
	}
	prefix := fmt.Sprintf("fbbench:cost:%d", os.Getpid())
	st, cleanup, err := openRedisPrefix(ctx, url, prefix)
	if err != nil {
		return err
	}
	defer cleanup()
	a, err := analysis.New(analysis.DefaultTaxonomy())
	if err != nil {
		return err
	}
	before, err := readCmdStats(ctx, st.Client())
	if err != nil {
		return err
	}
	if counter != nil {
		if err := counter.control(ctx, "-z"); err != nil {
			return err
		}
	}
	fmt.Fprintf(os.Stderr, "bench rediscost: capturing %d messages (%s), then analysing them with one worker in batches of %d\n", *n, *workload, *batch)
	if err := capture(ctx, st); err != nil {
		return err
	}
	var captureInstr int64
	if counter != nil {
		// a dump zeroes the counts: the next one is the analysis's alone
		if captureInstr, err = counter.dump(ctx, suffixed(*keep, ".capture")); err != nil {
			return err
		}
	}
	done, err := (&bot.Worker{Store: st, Analyzer: a, Consumer: "rediscost", Batch: *batch}).Drain(ctx)
	if err != nil {
		return err
	}
	if done != *n {
		return fmt.Errorf("analysed %d log entries, want %d", done, *n)
	}
	var instr int64
	if counter != nil {
		if instr, err = counter.dump(ctx, *keep); err != nil {
			return err
		}
	}
	after, err := readCmdStats(ctx, st.Client())
	if err != nil {
		return err
	}
	per := after.since(before, *n)
	delete(per, "info") // the bench's own
	names := make([]string, 0, len(per))
	for name := range per {
		names = append(names, name)
	}
	slices.Sort(names)
	var calls []string
	for _, name := range names {
		if per[name][0] >= 0.005 { // not the set-up's few calls
			calls = append(calls, fmt.Sprintf("%s %.2f", name, per[name][0]))
		}
	}
	rows := [][]string{{"workload", "messages", "batch", "Redis instructions a message (callgrind): all = capture + analysis", "commands a message (INFO commandstats, scripts' own included)"}}
	ir := "– (-redis: not counted)"
	if instr > 0 {
		ir = fmt.Sprintf("%d = %d + %d", (captureInstr+instr)/int64(*n), captureInstr/int64(*n), instr/int64(*n))
	}
	rows = append(rows, []string{*workload, strconv.Itoa(*n), strconv.Itoa(*batch), ir, strings.Join(calls, ", ")})
	table(rows)
	out := map[string]any{"workload": *workload, "messages": *n, "batch": *batch, "calls_per_message": func() map[string]float64 {
		m := map[string]float64{}
		for name, v := range per {
			m[name] = v[0]
		}
		return m
	}()}
	if instr > 0 {
		out["instructions_per_message"] = float64(captureInstr+instr) / float64(*n)
		out["capture_instructions_per_message"] = float64(captureInstr) / float64(*n)
		out["analysis_instructions_per_message"] = float64(instr) / float64(*n)
	}
	printJSON(out)
	return nil
}

// callgrindServer is a redis-server running under valgrind --tool=callgrind.
type callgrindServer struct {
	url, dir string
	cmd      *exec.Cmd
}

// startCallgrindRedis starts redis-server under callgrind on a free loopback port,
// keeping nothing on disk, and waits until it answers.
func startCallgrindRedis(ctx context.Context) (*callgrindServer, error) {
	for _, tool := range []string{"valgrind", "callgrind_control", "redis-server"} {
		if _, err := exec.LookPath(tool); err != nil {
			return nil, fmt.Errorf("rediscost counts Redis's instructions with valgrind and needs %s on PATH (Debian: apt-get install valgrind redis-server), or give -redis URL to count commands only", tool)
		}
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	port := l.Addr().(*net.TCPAddr).Port
	l.Close()
	dir, err := os.MkdirTemp("", "feedbackbot-rediscost-")
	if err != nil {
		return nil, err
	}
	s := &callgrindServer{url: fmt.Sprintf("redis://127.0.0.1:%d/0", port), dir: dir}
	s.cmd = exec.Command("valgrind", "--tool=callgrind", "--callgrind-out-file="+filepath.Join(dir, "callgrind.out"),
		"redis-server", "--port", strconv.Itoa(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--dir", dir)
	log, err := os.Create(filepath.Join(dir, "server.log"))
	if err != nil {
		os.RemoveAll(dir)
		return nil, err
	}
	defer log.Close()
	s.cmd.Stdout, s.cmd.Stderr = log, log
	if err := s.cmd.Start(); err != nil {
		os.RemoveAll(dir)
		return nil, fmt.Errorf("start redis-server under valgrind: %w", err)
	}
	// wait with plain dials: a client's pool logs every dial it retries
	deadline := time.Now().Add(60 * time.Second)
	for !answers(ctx, port) {
		if time.Now().After(deadline) || ctx.Err() != nil {
			s.stop()
			return nil, fmt.Errorf("redis-server under valgrind did not answer on port %d within a minute", port)
		}
		time.Sleep(200 * time.Millisecond)
	}
	return s, nil
}

// control runs callgrind_control with flag (-z zero the counts, -d dump them) on the
// server.
func (s *callgrindServer) control(ctx context.Context, flag string) error {
	out, err := exec.CommandContext(ctx, "callgrind_control", flag, strconv.Itoa(s.cmd.Process.Pid)).CombinedOutput()
	if err != nil {
		return fmt.Errorf("callgrind_control %s: %w: %s", flag, err, strings.TrimSpace(string(out)))
	}
	return nil
}

// dump writes the counts since the last zeroing and returns their instructions,
// copying the profile to keep when it is set. Dumping zeroes the counts.
func (s *callgrindServer) dump(ctx context.Context, keep string) (int64, error) {
	old, _ := filepath.Glob(filepath.Join(s.dir, "callgrind.out*"))
	if err := s.control(ctx, "-d"); err != nil {
		return 0, err
	}
	var file string
	for deadline := time.Now().Add(10 * time.Second); file == "" && time.Now().Before(deadline); {
		now, _ := filepath.Glob(filepath.Join(s.dir, "callgrind.out*"))
		for _, f := range now {
			if !slices.Contains(old, f) {
				file = f
			}
		}
		if file == "" {
			time.Sleep(100 * time.Millisecond)
		}
	}
	if file == "" {
		return 0, errors.New("callgrind wrote no profile after callgrind_control -d")
	}
	if keep != "" {
		b, err := os.ReadFile(file)
		if err != nil {
			return 0, err
		}
		if err := os.WriteFile(keep, b, 0o644); err != nil {
			return 0, err
		}
	}
	f, err := os.Open(file)
	if err != nil {
		return 0, err
	}
	defer f.Close()
	return callgrindTotal(f)
}

// callgrindTotal reads a callgrind profile's total instruction count (its
// "summary:" or "totals:" line).
func callgrindTotal(r io.Reader) (int64, error) {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64*1024), 1<<20)
	for sc.Scan() {
		for _, p := range []string{"summary:", "totals:"} {
			if v, ok := strings.CutPrefix(sc.Text(), p); ok {
				f := strings.Fields(v)
				if len(f) == 0 {
					continue
				}
				return strconv.ParseInt(f[0], 10, 64)
			}
		}
	}
	if err := sc.Err(); err != nil {
		return 0, err
	}
	return 0, errors.New("callgrind profile has no summary or totals line")
}

// stop shuts the server down and removes its files.
func (s *callgrindServer) stop() {
	if opts, err := redis.ParseURL(s.url); err == nil {
		// SHUTDOWN answers by hanging up: no retry, or the client redials the stopped
		// server and logs each failure.
		opts.MaxRetries = -1
		c := redis.NewClient(opts)
		c.Shutdown(context.Background())
		c.Close()
	}
	done := make(chan error, 1)
	go func() { done <- s.cmd.Wait() }()
	select {
	case <-done:
	case <-time.After(30 * time.Second):
		s.cmd.Process.Kill()
		<-done
	}
	os.RemoveAll(s.dir)
}

// suffixed is path with suffix added, or "" when path is "".
func suffixed(path, suffix string) string {
	if path == "" {
		return ""
	}
	return path + suffix
}

// answers reports whether a server on the loopback port answers PING.
func answers(ctx context.Context, port int) bool {
	var d net.Dialer
	dctx, cancel := context.WithTimeout(ctx, time.Second)
	defer cancel()
	conn, err := d.DialContext(dctx, "tcp", net.JoinHostPort("127.0.0.1", strconv.Itoa(port)))
	if err != nil {
		return false
	}
	defer conn.Close()
	conn.SetDeadline(time.Now().Add(time.Second))
	if _, err := conn.Write([]byte("PING\r\n")); err != nil {
		return false
	}
	buf := make([]byte, 7)
	n, _ := io.ReadFull(conn, buf)
	return string(buf[:n]) == "+PONG\r\n"
}
