package main

import (
	"bytes"
	"context"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"runtime"
	"strings"
	"sync/atomic"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/feedbackbot/feedbackbot/analysis"
)

func analyzer(t testing.TB) *analysis.Analyzer {
	a, err := analysis.New(analysis.DefaultTaxonomy())
	if err != nil {
		t.Fatal(err)
	}
	return a
}

func TestRunAnalyzeLines(t *testing.T) {
	a := analyzer(t)
	long := strings.Repeat("x", maxLineBytes+10)
	in := strings.Join([]string{
		`{"text":"we were charged twice"}`,
		`plain text line that is fine`,
		`{"text": 5}`,
		`{broken`,
		``, // blank: no input, no output, but counted in the lines' numbers
		`{"other":"x"}`,
		"{\"text\":\"bad \xff utf8\"}",
		long,
		`{"text":"` + strings.Repeat("slow ", analysis.MaxAnalyzedBytes/4) + `"}`,
		`{"id": {"row" : 7, "src":"csv"}, "text":"thanks, that fixed it"}`,
		`{"text":"last one"}`,
		"\x00too long", // once the reader's own mark for a long line
		`{"id": 7, "text": null}`,
		`[1, 2]`,
		`null`,
		" \t", // blank too
	}, "\n")
	var out bytes.Buffer
	n, failed, err := analyzeStream(context.Background(), strings.NewReader(in), &out, a, 3)
	if err != nil || n != 14 || failed != 7 {
		t.Fatalf("lines %d, failed %d, err %v; want 14 lines (16 less 2 blank), 7 failed", n, failed, err)
	}
	rows := map[int]map[string]any{} // by the input line's number
	for i, l := range strings.Split(strings.TrimSpace(out.String()), "\n") {
		var m map[string]any
		if err := json.Unmarshal([]byte(l), &m); err != nil {
			t.Fatalf("output is not JSON: %q", l)
		}
		line := i + 1
		if line >= 5 {
			line++ // (line 5 is blank)
		}
		rows[line] = m
	}
	if len(rows) != 14 {
		t.Fatalf("want one output per input line that is not blank, got %d", len(rows))
	}
	wantErr := map[int]string{3: "must be a string, not a JSON number", 4: "invalid JSON", 6: `no "text"`, 8: "longer than",
		13: `field "text" is null`, 14: "a JSON array, not an object", 15: "a JSON null, not an object"}
	for line, r := range rows {
		if want, ok := wantErr[line]; ok {
			// (the line numbers after a blank line are the input's)
			if !strings.Contains(fmt.Sprint(r["error"]), want) || r["line"] != float64(line) {
				t.Errorf("line %d: %v, want error containing %q", line, r, want)
			}
			continue
		}
		if _, ok := r["sentiment"]; !ok {
			t.Errorf("line %d: no sentiment: %v", line, r)
		}
	}
	if rows[1]["sentiment"].(map[string]any)["label"] != "negative" {
		t.Errorf("charged twice: %v", rows[1])
	}
	if !strings.Contains(rows[7]["text"].(string), "\uFFFD") {
		t.Errorf("invalid UTF-8 should be repaired: %q", rows[7]["text"])
	}
	if rows[9]["truncated"] != true {
		t.Errorf("long text should say truncated: %v", rows[9]["truncated"])
	}
	if id, _ := json.Marshal(rows[10]["id"]); string(id) != `{"row":7,"src":"csv"}` || rows[10]["text"] != "thanks, that fixed it" {
		t.Errorf("the input's id should be echoed: %v", rows[10])
	}
	if _, ok := rows[1]["id"]; ok || rows[11]["text"] != "last one" {
		t.Errorf("no id in, no id out; order kept: %v, %v", rows[1], rows[11])
	}
	if rows[13]["id"] != float64(7) {
		t.Errorf("a line that failed keeps its id: %v", rows[13])
	}
	if !strings.HasPrefix(strings.Split(out.String(), "\n")[8], `{"id":{"row":7,"src":"csv"},"text":`) {
		t.Errorf("id should come first, compacted: %s", strings.Split(out.String(), "\n")[8])
	}
}

// lineSource produces n JSON lines without holding them in memory: line n times
// when it is set, else numbered short messages.
type lineSource struct {
	n, i int
	line string
	buf  []byte
}

func (s *lineSource) Read(p []byte) (int, error) {
	for len(s.buf) < len(p) && s.i < s.n {
		if s.line != "" {
			s.buf = append(s.buf, s.line...)
		} else {
			s.buf = fmt.Appendf(s.buf, `{"text":"message %d: the export is broken again since the release, please help"}`+"\n", s.i)
		}
		s.i++
	}
	if len(s.buf) == 0 {
		return 0, io.EOF
	}
	n := copy(p, s.buf)
	s.buf = s.buf[n:]
	return n, nil
}

// TestRunAnalyzeConstantMemory streams 100k lines and checks the heap stays bounded
// (memory, not time: the machine is shared).
func TestRunAnalyzeConstantMemory(t *testing.T) {
	if testing.Short() {
		t.Skip("long stream")
	}
	a := analyzer(t)
	var peak uint64
	w := &peakWriter{check: func() {
		var ms runtime.MemStats
		runtime.ReadMemStats(&ms)
		peak = max(peak, ms.HeapInuse)
	}}
	n, err := runAnalyze(context.Background(), &lineSource{n: 100_000}, w, a, 2)
	if err != nil || n != 100_000 || w.lines != 100_000 {
		t.Fatalf("n %d lines out %d err %v", n, w.lines, err)
	}
	if peak > 64<<20 {
		t.Fatalf("heap in use peaked at %d MiB over a 100k-line stream; want < 64 MiB", peak>>20)
	}
	t.Logf("peak heap in use %.1f MiB", float64(peak)/(1<<20))
}

type peakWriter struct {
	lines, writes int
	check         func()
}

func (w *peakWriter) Write(p []byte) (int, error) {
	w.lines += bytes.Count(p, []byte("\n"))
	if w.writes++; w.writes%50 == 0 {
		w.check()
	}
	return len(p), nil
}

func FuzzRunAnalyze(f *testing.F) {
	a := analyzer(f)
	for _, s := range []string{`{"text":"hi"}`, "{", "\n\n", `{"text":null}`, "\xff\n{\"text\":\"\\ud800\"}"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in string) {
		var out bytes.Buffer
		n, err := runAnalyze(context.Background(), strings.NewReader(in), &out, a, 2)
		if err != nil {
			t.Fatal(err)
		}
		if got := strings.Count(out.String(), "\n"); got != n {
			t.Fatalf("%d input lines, %d output lines", n, got)
		}
	})
}

// FuzzFastText: whenever the fast path accepts a line, encoding/json reads the same text.
// TestFastTextEscapes: the fast path decodes a string's escapes (as Go's
// json.Marshal writes '&', '<' and '>') and leaves surrogates, unknown escapes and
// other shapes to encoding/json.
func TestFastTextEscapes(t *testing.T) {
	for _, tt := range []struct {
		in   string
		want string
		ok   bool
	}{
		{`{"text":"a\u0026b \u003cc\u003e"}`, "a&b <c>", true},
		{`{"text":"say \"hi\"\n\tnow \\ \/"}`, "say \"hi\"\n\tnow \\ /", true},
		{`{"text":"\u00e9t\u00C9"}`, "étÉ", true},
		{`{"text":"plain"}`, "plain", true},
		{`{"text":"\ud83d\ude00"}`, "", false},
		{`{"text":"bad \x"}`, "", false},
		{`{"text":"short \u12"}`, "", false},
		{`{"text":"open`, "", false},
	} {
		got, ok := fastText([]byte(tt.in))
		if ok != tt.ok || got != tt.want {
			t.Errorf("fastText(%s) = %q, %v; want %q, %v", tt.in, got, ok, tt.want, tt.ok)
		}
		if ok {
			var in struct {
				Text *string `json:"text"`
			}
			if err := json.Unmarshal([]byte(tt.in), &in); err != nil || in.Text == nil || *in.Text != got {
				t.Errorf("encoding/json reads %s as %v (%v)", tt.in, in.Text, err)
			}
		}
	}
}

func FuzzFastText(f *testing.F) {
	for _, s := range []string{`{"text":"hi"}`, `{"text" : "a b" }`, `{"text":"a\"b"}`, `{"text":"x","y":1}`, "{\"text\":\"\x01\"}", `{"text":"é"}`,
		`{"text":"a\u0026b \u003cc\u003e"}`, `{"text":"\ud83d\ude00"}`, `{"text":"x\n\ty\\\/\b\f\r"}`, `{"text":"\u00E9\u0041"}`, `{"text":"bad \x"}`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		fast, ok := fastText(b)
		if !ok {
			return
		}
		var in struct {
			Text *string `json:"text"`
		}
		if err := json.Unmarshal(b, &in); err != nil || in.Text == nil {
			t.Fatalf("fast path accepted %q that JSON rejects: %v", b, err)
		}
		if fast != *in.Text {
			t.Fatalf("fast %q != json %q", fast, *in.Text)
		}
	})
}

// TestAnalyzeModes: `analyze` reads support chat by default (the rules and the layer,
// as the bot tags what it captures); --mode text keeps the rules alone; any other
// mode is a usage error naming both.
func TestAnalyzeModes(t *testing.T) {
	a := analyzer(t)
	// Rows of a training set the layer reads differently from the rules.
	var in strings.Builder
	var texts []string
	for _, line := range strings.Split(strings.TrimSpace(mustRead(t, "../../analysis/testdata/chat_dev.jsonl")), "\n") {
		var row struct{ Text string }
		if err := json.Unmarshal([]byte(line), &row); err != nil {
			t.Fatal(err)
		}
		if a.AnalyzeChat(row.Text).Sentiment.Label != a.Analyze(row.Text).Sentiment.Label {
			texts = append(texts, row.Text)
			b, _ := json.Marshal(map[string]string{"text": row.Text})
			in.Write(b)
			in.WriteByte('\n')
		}
	}
	if len(texts) == 0 {
		t.Fatal("the layer changed no label of the dev set")
	}
	labels := func(mode ...string) []string {
		m, out, errb := testMain(nil)
		m.Stdin = strings.NewReader(in.String())
		if err := m.Run(context.Background(), append([]string{"analyze"}, mode...)); err != nil {
			t.Fatalf("analyze %v: %v\n%s", mode, err, errb)
		}
		var got []string
		for _, l := range strings.Split(strings.TrimSpace(out.String()), "\n") {
			var r struct {
				Sentiment struct{ Label string }
			}
			if err := json.Unmarshal([]byte(l), &r); err != nil {
				t.Fatalf("output is not JSON: %q", l)
			}
			got = append(got, r.Sentiment.Label)
		}
		return got
	}
	chat, dflt, text := labels("--mode", "chat"), labels(), labels("--mode", "text")
	for i, s := range texts {
		if want := string(a.AnalyzeChat(s).Sentiment.Label); chat[i] != want || dflt[i] != want {
			t.Errorf("%q: chat mode %s, default %s, want %s", s, chat[i], dflt[i], want)
		}
		if want := string(a.Analyze(s).Sentiment.Label); text[i] != want {
			t.Errorf("%q: text mode %s, want the rules' %s", s, text[i], want)
		}
	}
	m, _, errb := testMain(nil)
	m.Stdin = strings.NewReader("")
	err := m.Run(context.Background(), []string{"analyze", "--mode", "tweets"})
	if err == nil || !strings.Contains(err.Error()+errb.String(), "use chat") {
		t.Errorf("--mode tweets: err %v, stderr %q; want a usage error naming the modes", err, errb)
	}
}

func mustRead(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// slowThenFast is an input of one batch of long lines (slow to analyse) followed by
// many batches of short ones; read counts the short lines read so far.
type slowThenFast struct {
	slow, fast, i int
	line          string
	buf           []byte
	read          atomic.Int64
}

func (s *slowThenFast) Read(p []byte) (int, error) {
	for len(s.buf) < len(p) && s.i < s.slow+s.fast {
		if s.i < s.slow {
			s.buf = append(s.buf, s.line...)
		} else {
			s.buf = fmt.Appendf(s.buf, "ok %d\n", s.i)
		}
		s.i++
	}
	if len(s.buf) == 0 {
		return 0, io.EOF
	}
	n := copy(p, s.buf)
	s.buf = s.buf[n:]
	if s.i > s.slow {
		s.read.Store(int64(s.i - s.slow))
	}
	return n, nil
}

// firstWrite notes how far the reader had got when the first output was written.
type firstWrite struct {
	src   *slowThenFast
	ahead int64
	seen  bool
}

func (w *firstWrite) Write(p []byte) (int, error) {
	if !w.seen {
		w.seen, w.ahead = true, w.src.read.Load()
	}
	return len(p), nil
}

// TestAnalyzeReadsAheadBoundedly: behind one slow batch, the reader kept reading and
// the other workers' finished batches piled up: 300 batches (150,000 lines, 122 MiB)
// were read before the first line was written (a review's find). At most 2×workers
// batches are in flight.
func TestAnalyzeReadsAheadBoundedly(t *testing.T) {
	a := analyzer(t)
	var words strings.Builder
	for i := 0; words.Len() < 16<<10; i++ {
		fmt.Fprintf(&words, "the export w%d is broken again and support never replied ", i)
	}
	src := &slowThenFast{slow: analyzeBatch, fast: 600 * analyzeBatch, line: words.String() + "\n"}
	w := &firstWrite{src: src}
	const workers = 2
	n, err := runAnalyze(context.Background(), src, w, a, workers)
	if err != nil || n != src.slow+src.fast {
		t.Fatalf("n %d err %v", n, err)
	}
	// 2×workers batches, plus what the 256 KiB input buffer holds beyond them
	// (about 26,000 lines of "ok 123456", 51 batches)
	buffered := int64(256<<10) / int64(len(fmt.Sprintf("ok %d\n", src.slow+src.fast))) / analyzeBatch
	if batches := w.ahead / analyzeBatch; batches > 2*workers+buffered+1 {
		t.Fatalf("%d batches read ahead of the writer; want at most %d (%d in flight, %d in the input buffer)", batches, 2*workers+buffered+1, 2*workers, buffered)
	}
}

// TestAnalyzeEdgesOfInput: an id holding bytes that are not UTF-8 comes out as valid
// JSON (it was echoed raw), and a line of exactly the length limit is taken whatever
// its line end (it was refused when followed by a newline). Review finds.
func TestAnalyzeEdgesOfInput(t *testing.T) {
	a := analyzer(t)
	var out bytes.Buffer
	if _, err := runAnalyze(context.Background(), strings.NewReader("{\"id\": \"r\xff1\", \"text\":\"hi\"}\n"), &out, a, 1); err != nil {
		t.Fatal(err)
	}
	var m map[string]json.RawMessage
	if l := strings.TrimSpace(out.String()); !utf8.ValidString(l) || json.Unmarshal([]byte(l), &m) != nil || string(m["id"]) != `"r\ufffd1"` && string(m["id"]) != "\"r\uFFFD1\"" {
		t.Errorf("output line not valid UTF-8 JSON with the id repaired: %q", l)
	}
	line := strings.Repeat("x", maxLineBytes)
	for _, in := range []string{line, line + "\n", line + "\r\n"} {
		out.Reset()
		if _, err := runAnalyze(context.Background(), strings.NewReader(in), &out, a, 1); err != nil {
			t.Fatal(err)
		}
		if strings.Contains(out.String(), "longer than") {
			t.Errorf("a %d-byte line ending %q was refused", maxLineBytes, in[maxLineBytes:])
		}
	}
}

// TestRunAnalyzeMemoryWithLongLines: batches are 512 lines whatever their length,
// up to 2×workers of them in flight, each holding its lines and their output (which
// echoes the text): a stream of 64 KiB texts (lines up to 1 MiB are accepted) peaked
// at gigabytes of heap with two workers, where short lines take ~50 MiB.
//
// It analyses 125 MiB of text, which the race detector slows to most of a
// minute: .ci/run runs it in its step without -race.
func TestRunAnalyzeMemoryWithLongLines(t *testing.T) {
	if raceEnabled {
		t.Skip("a memory test of 125 MiB of text: run without -race (.ci/run does, beside the layer's training tests)")
	}
	a := analyzer(t)
	line := `{"text":"` + strings.Repeat("the export is broken ", (64<<10)/21) + `"}` + "\n"
	var peak atomic.Uint64
	stop := make(chan struct{})
	go func() {
		for {
			select {
			case <-stop:
				return
			case <-time.After(10 * time.Millisecond):
				var ms runtime.MemStats
				runtime.ReadMemStats(&ms)
				if ms.HeapInuse > peak.Load() {
					peak.Store(ms.HeapInuse)
				}
			}
		}
	}()
	n, err := runAnalyze(context.Background(), &lineSource{n: 2000, line: line}, io.Discard, a, 2)
	close(stop)
	if err != nil || n != 2000 {
		t.Fatalf("n %d err %v", n, err)
	}
	if p := peak.Load(); p > 256<<20 {
		t.Fatalf("heap in use peaked at %d MiB for a stream of 2,000 lines of 64 KiB (125 MiB in all); want < 256 MiB", p>>20)
	}
}

// TestAnalyzeExitStatus: lines that fail are counted on standard error, and a
// stream of which no line could be analysed exits non-zero (it exited 0, silent,
// with every line an error object: a wrong file looked analysed).
func TestAnalyzeExitStatus(t *testing.T) {
	for _, c := range []struct {
		in     string
		code   int
		stderr string
	}{
		{`{"text":"fine"}` + "\n" + `{"text":"also fine"}`, 0, ""},
		{`{"text":"fine"}` + "\n" + `{"text":null}`, 0, "analyze: 1 of 2 lines could not be analysed"},
		{`{"text":null}` + "\n" + `[1]`, 1, "none of the 2 lines could be analysed: each has {\"line\": N, \"error\": \"...\"} in the output; want {\"text\": \"...\"} or a line of plain text"},
		// Blank lines are no input: neither failures nor counted (a file ending in
		// an extra blank line was "1 of 3 line(s) could not be analysed").
		{`{"text":"fine"}` + "\n" + `{"text":"also fine"}` + "\n\n", 0, ""},
		{"\r\n" + `{"text":"fine"}` + "\n  \t\n" + `{"text":null}` + "\n", 0, "analyze: 1 of 2 lines could not be analysed"},
		{"\n", 0, ""},
		{`{"text":null}` + "\n\n", 1, "analyze: the 1 line could not be analysed: it has {\"line\": N, \"error\": \"...\"} in the output; want {\"text\": \"...\"} or a line of plain text"},
	} {
		m, out, errb := testMain(nil)
		m.Stdin = strings.NewReader(c.in)
		code := exitCode(m.Stderr, m.Run(context.Background(), []string{"analyze"}))
		if code != c.code || (c.stderr == "") != (errb.Len() == 0) || !strings.Contains(errb.String(), c.stderr) ||
			strings.Count(out.String(), "\n") != nonBlankLines(c.in) {
			t.Errorf("%q: exit %d, stderr %q, stdout %q; want %d, %q and a line out a line in", c.in, code, errb, out, c.code, c.stderr)
		}
	}
}

// nonBlankLines counts the lines of s that are not blank (empty or white space).
func nonBlankLines(s string) int {
	n := 0
	for l := range strings.Lines(s) {
		if strings.TrimSpace(l) != "" {
			n++
		}
	}
	return n
}

// TestJSONSpecialsIsExact: the eight-byte test of fastText's scan says "none"
// only where no byte is a quote, a backslash, a control character or past ASCII,
// for every byte at every position and for random words.
func TestJSONSpecialsIsExact(t *testing.T) {
	special := func(c byte) bool { return c == '"' || c == '\\' || c < 0x20 || c >= 0x80 }
	check := func(w [8]byte) {
		want := false
		for _, c := range w {
			want = want || special(c)
		}
		if got := jsonSpecials(binary.LittleEndian.Uint64(w[:])); got != want {
			t.Fatalf("%q: jsonSpecials %v, want %v", w[:], got, want)
		}
	}
	for p := range 8 {
		for c := range 256 {
			w := [8]byte{'a', 'b', 'c', 'd', 'e', 'f', 'g', 'h'}
			w[p] = byte(c)
			check(w)
		}
	}
	r := rand.New(rand.NewPCG(1, 2))
	for range 200_000 {
		var w [8]byte
		for k := range w {
			w[k] = byte(0x18 + r.IntN(0x70)) // mostly printable, some either side
		}
		check(w)
	}
}

// TestTooLongLineKeepsItsID: a line over the limit is reported with its id where
// the id comes before the text (the usual order), read from the line's first
// bytes; after the text, or in a line that is no object, there is none to give.
// It was reported by line number alone (a new user's review).
func TestTooLongLineKeepsItsID(t *testing.T) {
	big := strings.Repeat("a", maxLineBytes+10)
	in := strings.Join([]string{
		`{"id":"big","text":"` + big + `"}`,
		`{ "id" : {"row": 7, "src": "csv"}, "text":"` + big + `"}`,
		`{"src":"csv","id":42,"text":"` + big + `"}`,
		`{"text":"` + big + `","id":"after"}`,
		big,
		`{"ID":7,"id":8,"Id":9,"text":"` + big + `"}`, // (as encoding/json reads it: any case, the last)
		`{"id":"fine","text":"ok"}`,
	}, "\n")
	var out bytes.Buffer
	n, failed, err := analyzeStream(context.Background(), strings.NewReader(in), &out, analyzer(t), 2)
	if err != nil || n != 7 || failed != 6 {
		t.Fatalf("lines %d, failed %d, err %v; want 7 lines, 6 failed", n, failed, err)
	}
	want := []string{
		`{"id":"big","line":1,"error":"line is longer than 1048576 bytes"}`,
		`{"id":{"row":7,"src":"csv"},"line":2,"error":"line is longer than 1048576 bytes"}`,
		`{"id":42,"line":3,"error":"line is longer than 1048576 bytes"}`,
		`{"line":4,"error":"line is longer than 1048576 bytes"}`,
		`{"line":5,"error":"line is longer than 1048576 bytes"}`,
		`{"id":9,"line":6,"error":"line is longer than 1048576 bytes"}`,
	}
	got := strings.Split(strings.TrimSpace(out.String()), "\n")
	for i, w := range want {
		if got[i] != w {
			t.Errorf("line %d: %s, want %s", i+1, got[i], w)
		}
	}
	if !strings.HasPrefix(got[6], `{"id":"fine","text":"ok"`) {
		t.Errorf("the line after them: %s", got[6])
	}
}
