package main

import (
	"bytes"
	"encoding/json"
	"path/filepath"
	"strings"
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
