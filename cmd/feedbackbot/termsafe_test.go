package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"unicode/utf8"
)

// TestTerminalSafeEscapesControls: standard output escapes every control
// character but a line break and a tab, C1 controls in their UTF-8 form too,
// even split between two writes; other text, multi-byte letters and emoji
// among it, passes as it is, and JSON stays valid with the same text.
func TestTerminalSafeEscapesControls(t *testing.T) {
	for _, tc := range []struct {
		name   string
		writes []string
		want   string
	}{
		{"plain text", []string{"héllo 🙄\tworld\n"}, "héllo 🙄\tworld\n"},
		{"clear screen and a title", []string{"bad \x1b[2J\x1b]0;pwned\x07 end\n"}, `bad \u001b[2J\u001b]0;pwned\u0007 end` + "\n"},
		{"carriage return and DEL", []string{"a\rb\x7fc"}, `a\u000db\u007fc`},
		{"a C1 control (CSI)", []string{"x\u009b2Jy"}, `x\u009b2Jy`},
		// (held back, the pair escaped whole: a buffered writer cuts anywhere, and an
		// 0xC2 written alone before the escape was invalid UTF-8)
		{"a C1 control split between writes", []string{"x\xc2", "\x9b2J"}, `x\u009b2J`},
		{"a letter split after 0xC2", []string{"a\xc2", "\xa9b"}, "a©b"},
		{"an 0xC2 alone at the end, flushed as it came", []string{"z\xc2"}, "z\xc2"},
		{"a letter split between writes", []string{"\xc3", "\xa9t\xc3\xa9"}, "été"},
		{"NUL", []string{"a\x00b"}, `a\u0000b`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var b bytes.Buffer
			w := &terminalSafe{w: &b}
			for _, s := range tc.writes {
				if n, err := w.Write([]byte(s)); n != len(s) || err != nil {
					t.Fatalf("Write = %d, %v; want %d, nil", n, err, len(s))
				}
			}
			if err := w.Flush(); err != nil {
				t.Fatal(err)
			}
			if b.String() != tc.want {
				t.Errorf("wrote %q, want %q", b.String(), tc.want)
			}
		})
	}
	// JSON: encoding/json leaves DEL and C1 controls raw; escaped, they are the
	// same JSON string.
	text := "bad \x7f and \u009b2J, \x1b[2J"
	raw, _ := json.Marshal(map[string]string{"text": text})
	var b bytes.Buffer
	(&terminalSafe{w: &b}).Write(raw)
	var got map[string]string
	if err := json.Unmarshal(b.Bytes(), &got); err != nil || got["text"] != text || strings.ContainsAny(b.String(), "\x1b\x7f\u009b") {
		t.Errorf("JSON through it: %s (%v); want valid, the same text, no raw control", b.String(), err)
	}
}

// TestTerminalSafeKeepsJSONLinesWhole: JSON Lines of texts full of a C1
// control (U+0085, Windows-1252's "…" read as Latin-1, which encoding/json
// leaves raw), written in pieces of any size, as a buffered writer (analyze's,
// export's) cuts them, stay valid UTF-8 and decode to their text: an 0xC2 cut
// from its continuation was written alone before the escape (a review's find).
func TestTerminalSafeKeepsJSONLinesWhole(t *testing.T) {
	text := "Works \u2026 well" + strings.Repeat("x\u0085", 5)
	var in bytes.Buffer
	for i := range 20 {
		b, _ := json.Marshal(map[string]any{"id": i, "text": text})
		in.Write(append(b, '\n'))
	}
	if !bytes.Contains(in.Bytes(), []byte("\xc2\x85")) {
		t.Fatal("set-up: encoding/json escaped U+0085 itself")
	}
	for size := 1; size <= 8; size++ {
		var raw bytes.Buffer
		out := &terminalSafe{w: &raw}
		for b := in.Bytes(); len(b) > 0; b = b[min(size, len(b)):] {
			if _, err := out.Write(b[:min(size, len(b))]); err != nil {
				t.Fatal(err)
			}
		}
		if err := out.Flush(); err != nil {
			t.Fatal(err)
		}
		if !utf8.Valid(raw.Bytes()) || bytes.Contains(raw.Bytes(), []byte("\xc2\x85")) {
			t.Fatalf("written %d bytes at a time: invalid UTF-8, or a raw C1 control", size)
		}
		for _, l := range strings.Split(strings.TrimSpace(raw.String()), "\n") {
			var r struct {
				Text string `json:"text"`
			}
			if err := json.Unmarshal([]byte(l), &r); err != nil || r.Text != text {
				t.Fatalf("written %d bytes at a time, a line decodes to %q (%v)", size, r.Text, err)
			}
		}
	}
}

// TestCommandsPrintNoControlOfAMessage: a customer's message with terminal
// escapes (clear the screen, OSC 52 to the clipboard), imported as it came, is
// quoted by digest, risk --account and requests with the escapes made visible
// text; the message is stored as it was (export's JSON decodes to it). They went
// to the terminal raw until 2026-12-07 (a new user's review).
func TestCommandsPrintNoControlOfAMessage(t *testing.T) {
	dir := t.TempDir()
	t.Chdir(dir)
	const hostile = "This is terrible, support is useless \x1b[2J\x1b[H\x1b]52;c;ZWNobyBwd25lZA==\x07 fix it. Any chance of adding a dark mode? \u009b2J"
	body, _ := json.Marshal([]map[string]string{
		{"type": "message", "user": "UDANA", "text": hostile, "ts": "1795168800.000100"},
		{"type": "message", "user": "UDANA", "text": "still broken, this is really frustrating", "ts": "1795172400.000100"},
	})
	p := writeExportZip(t, dir, map[string]string{
		"users.json":               `[{"id":"UDANA","team_id":"TACME","name":"dana"},{"id":"UMARIA","team_id":"THOME","name":"maria"}]`,
		"channels.json":            `[{"id":"CACME","name":"ext-acme"}]`,
		"ext-acme/2026-11-20.json": string(body),
	})
	env := map[string]string{"FEEDBACKBOT_DATA": filepath.Join(dir, "data")}
	if code, stdout, stderr := runCLI(t, env, "import", "--slack-export", p, "--team", "THOME"); code != 0 {
		t.Fatalf("import: exit %d\n%s\n%s", code, stdout, stderr)
	}
	const asof = "2026-11-21T09:00:00Z"
	for _, args := range [][]string{
		{"digest", "--as-of", asof},
		{"risk", "--as-of", asof, "--account", "TACME"},
		{"requests", "--as-of", asof},
		{"digest", "--as-of", asof, "--json"},
	} {
		code, stdout, stderr := runCLI(t, env, args...)
		if code != 0 {
			t.Fatalf("%v: exit %d\n%s", args, code, stderr)
		}
		if strings.ContainsAny(stdout, "\x1b\x07\u009b") {
			t.Errorf("%v printed a raw control character:\n%q", args, stdout)
		}
		if !strings.Contains(stdout, `\u001b[2J`) {
			t.Errorf("%v does not quote the message with its escapes visible:\n%s", args, stdout)
		}
	}
	code, stdout, stderr := runCLI(t, env, "export", "--workspace", "THOME", "--user", "UDANA")
	if code != 0 {
		t.Fatalf("export: exit %d\n%s", code, stderr)
	}
	var line struct {
		Message struct {
			Text string `json:"text"`
		} `json:"message"`
	}
	first, _, _ := strings.Cut(stdout, "\n")
	if err := json.Unmarshal([]byte(first), &line); err != nil || line.Message.Text != hostile {
		t.Errorf("export's first line: %v, text %q; want the message as it came", err, line.Message.Text)
	}
}

// failingWriter fails every write with err.
type failingWriter struct{ err error }

func (w failingWriter) Write([]byte) (int, error) { return 0, w.err }

// TestOutputWriteErrorsFail: a command whose standard output cannot be written
// fails with "write output: …" (digest > /dev/full exited 0: the plain text is
// written with fmt.Fprint*, whose errors went unread; only the --json paths
// failed), its help too; one that failed already says its own error; a broken
// pipe (digest | head -1) stays quiet, as the program has always been there.
func TestOutputWriteErrorsFail(t *testing.T) {
	dir := t.TempDir()
	t.Chdir(dir)
	asof := "2026-11-20T09:00:00Z"
	demo := filepath.Join(dir, "demo")
	if code, _, stderr := runCLI(t, nil, "demo", "--dir", demo, "--as-of", asof); code != 0 {
		t.Fatalf("demo: exit %d\n%s", code, stderr)
	}
	env := map[string]string{"FEEDBACKBOT_DATA": demo}
	full := failingWriter{&os.PathError{Op: "write", Path: "/dev/stdout", Err: syscall.ENOSPC}}
	pipe := failingWriter{&os.PathError{Op: "write", Path: "/dev/stdout", Err: syscall.EPIPE}}
	for _, tc := range []struct {
		name string
		w    failingWriter
		args []string
		code int
		says string // on stderr; "" for nothing
	}{
		{"digest", full, []string{"digest", "--as-of", asof}, 1, "feedbackbot: write output: write /dev/stdout: no space left on device\n"},
		{"digest --json", full, []string{"digest", "--as-of", asof, "--json"}, 1, "no space left on device"},
		{"risk", full, []string{"risk", "--as-of", asof}, 1, "write output: "},
		{"risk --account", full, []string{"risk", "--as-of", asof, "--account", "fennel"}, 1, "write output: "},
		{"kano", full, []string{"kano", "--as-of", asof}, 1, "write output: "},
		{"requests", full, []string{"requests", "--as-of", asof}, 1, "write output: "},
		{"config check", full, []string{"config", "check"}, 1, "write output: "},
		{"demo", full, []string{"demo", "--dir", demo, "--as-of", asof}, 1, "write output: "},
		{"version", full, []string{"version"}, 1, "write output: "},
		{"help", full, []string{"help"}, 1, "write output: "},
		{"a command's --help", full, []string{"digest", "--help"}, 1, "write output: "},
		{"a command that failed already", full, []string{"digest", "--workspace", "TNOPE"}, 2, "--workspace TNOPE: no such workspace"},
		{"a broken pipe", pipe, []string{"digest", "--as-of", asof}, 0, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			m, _, errb := testMain(env)
			m.Stdout = &terminalSafe{w: tc.w}
			code := exitCode(m.Stderr, m.Run(t.Context(), tc.args))
			if code != tc.code || !strings.Contains(errb.String(), tc.says) || (tc.says == "" && errb.Len() > 0) {
				t.Errorf("exit %d, want %d; stderr, want %q:\n%s", code, tc.code, tc.says, errb)
			}
			if tc.code == 2 && strings.Contains(errb.String(), "write output") {
				t.Errorf("a write error said over the command's own:\n%s", errb)
			}
		})
	}
}

// TestTerminalSafeRemembersWriteError: the first write error is kept, and Flush
// returns it, a byte held back and failing at Flush too; nothing is written after
// it.
func TestTerminalSafeRemembersWriteError(t *testing.T) {
	full := errors.New("no space left on device")
	for _, tc := range []struct {
		name   string
		writes []string
		failAt int // the write to the underlying writer that fails (1 for the first)
	}{
		{"the first write", []string{"a", "b"}, 1},
		{"a later write", []string{"a", "b", "c"}, 2},
		{"the byte flushed", []string{"ok\xc2"}, 2},
	} {
		t.Run(tc.name, func(t *testing.T) {
			w := &countingWriter{failAt: tc.failAt, err: full}
			ts := &terminalSafe{w: w}
			for _, s := range tc.writes {
				ts.Write([]byte(s))
			}
			if err := ts.Flush(); !errors.Is(err, full) {
				t.Errorf("Flush = %v, want %v", err, full)
			}
			if w.n != tc.failAt {
				t.Errorf("%d writes reached the writer; want none after the failed one (%d)", w.n, tc.failAt)
			}
		})
	}
}

// countingWriter counts its writes and fails the failAt-th with err.
type countingWriter struct {
	n, failAt int
	err       error
}

func (w *countingWriter) Write(p []byte) (int, error) {
	w.n++
	if w.n == w.failAt {
		return 0, w.err
	}
	return len(p), nil
}
