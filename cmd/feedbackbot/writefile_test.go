package main

import (
	"io"
	"os"
	"path/filepath"
	"syscall"
	"testing"
)

// TestWriteBesideSpecialFiles: a named pipe (as /dev/null or /dev/stdout would be)
// is written into, not renamed over (export --out /dev/null as root replaced the
// machine's /dev/null with a regular file, a review's find); a symbolic link is
// followed, the file it names replaced and the link kept; a regular file is
// replaced whole.
func TestWriteBesideSpecialFiles(t *testing.T) {
	dir := t.TempDir()
	write := func(s string) func(io.Writer) error {
		return func(w io.Writer) error { _, err := io.WriteString(w, s); return err }
	}

	fifo := filepath.Join(dir, "pipe")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Skipf("no named pipes here: %v", err)
	}
	// The reader first, without blocking: the write then finds it, and a rename
	// over the pipe (the bug) leaves it with nothing to read instead of hanging.
	r, err := os.OpenFile(fifo, os.O_RDONLY|syscall.O_NONBLOCK, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	if err := writeBeside(fifo, 0o600, write("through the pipe")); err != nil {
		t.Fatal(err)
	}
	if b, _ := io.ReadAll(r); string(b) != "through the pipe" {
		t.Errorf("the pipe's reader got %q", b)
	}
	if fi, err := os.Lstat(fifo); err != nil || fi.Mode()&os.ModeNamedPipe == 0 {
		t.Errorf("the pipe is now %v, %v: replaced by a file", fi.Mode(), err)
	}

	target := filepath.Join(dir, "target.jsonl")
	link := filepath.Join(dir, "link.jsonl")
	os.WriteFile(target, []byte("old"), 0o600)
	if err := os.Symlink(target, link); err != nil {
		t.Fatal(err)
	}
	if err := writeBeside(link, 0o600, write("new")); err != nil {
		t.Fatal(err)
	}
	if b, _ := os.ReadFile(target); string(b) != "new" {
		t.Errorf("the link's file holds %q", b)
	}
	if fi, err := os.Lstat(link); err != nil || fi.Mode()&os.ModeSymlink == 0 {
		t.Errorf("the link is now %v, %v", fi.Mode(), err)
	}

	if err := writeBeside(dir, 0o600, write("x")); err == nil {
		t.Error("a directory was written")
	}
}

func TestWrapProse(t *testing.T) {
	tests := []struct {
		in    string
		width int
		want  string
	}{
		{"a bb ccc dddd", 6, "a bb\nccc\ndddd"},
		{"  spaced   out\ttext ", 40, "spaced out text"},
		{"averyveryverylongword x", 5, "averyveryverylongword\nx"},
		{"é é é é", 3, "é é\né é"}, // characters, not bytes
		{"", 10, ""},
	}
	for _, tc := range tests {
		if got := wrapProse(tc.in, tc.width); got != tc.want {
			t.Errorf("wrapProse(%q, %d) = %q, want %q", tc.in, tc.width, got, tc.want)
		}
	}
}

func TestPrintable(t *testing.T) {
	for in, want := range map[string]string{
		"ext-acme/2026-11-02.json: skipped":             "ext-acme/2026-11-02.json: skipped",
		"\x1b]2;pwned\a\x1b[2Kx/2026-11-02.json":        `\x1b]2;pwned\a\x1b[2Kx/2026-11-02.json`,
		"tab\there, é and 😀 stay, \u009b (C1) does not": `tab\there, é and 😀 stay, \u009b (C1) does not`,
	} {
		if got := printable(in); got != want {
			t.Errorf("printable(%q) = %q, want %q", in, got, want)
		}
	}
}
