package main

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// writeBeside writes the file at path through write: into a temporary file beside
// it (created 0600), synced, given mode, and renamed over path once complete, so
// that a failed or interrupted write leaves no partial file (and the file is never
// readable by others while it is written). An error of write comes back as it is,
// with the temporary file removed; any other error names path, never the
// temporary name (".x.jsonl.4212119420.tmp" said nothing to the user).
//
// A path that names no regular file (/dev/null, /dev/stdout, a named pipe) is
// written into as it is: renamed over, /dev/null became a regular file, for
// every program on the machine, after export --out /dev/null as root (a review's
// find). A symbolic link is followed: the file it names is replaced, the link
// stays.
func writeBeside(path string, mode os.FileMode, write func(io.Writer) error) error {
	if target, err := filepath.EvalSymlinks(path); err == nil {
		path = target
	}
	if fi, err := os.Stat(path); err == nil && !fi.Mode().IsRegular() {
		if fi.IsDir() {
			return fmt.Errorf("cannot write %s: it is a directory", path)
		}
		f, err := os.OpenFile(path, os.O_WRONLY, 0)
		if err != nil {
			return fmt.Errorf("cannot write %s: %w", path, err)
		}
		if err := write(f); err != nil {
			f.Close()
			return err
		}
		if err := f.Close(); err != nil {
			return fmt.Errorf("cannot write %s: %w", path, err)
		}
		return nil
	}
	return replaceFile(path, mode, write)
}

// replaceFile writes the file at path as writeBeside does, into a temporary file
// beside it renamed over path once complete, but whatever is at path is replaced,
// never written through: a symbolic link there is replaced by the file, the file
// it names left alone.
func replaceFile(path string, mode os.FileMode, write func(io.Writer) error) error {
	tmp, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".*.tmp")
	if err != nil {
		var pe *fs.PathError
		if errors.As(err, &pe) {
			err = pe.Err
		}
		return fmt.Errorf("cannot write %s: %w", path, err)
	}
	defer os.Remove(tmp.Name()) // a no-op once renamed
	if err := write(tmp); err != nil {
		tmp.Close()
		return err
	}
	err = tmp.Sync()
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err == nil && mode != 0o600 {
		err = os.Chmod(tmp.Name(), mode)
	}
	if err == nil {
		err = os.Rename(tmp.Name(), path)
	}
	if err != nil {
		return fmt.Errorf("cannot write %s: %w", path, err)
	}
	return nil
}

// checkOutPath checks, before any work, the path a command's flag names a file to
// write at: not a directory, and in a directory that exists. Unchecked, the write
// came last, after seconds or minutes of work, and failed there in Go's words
// ("rename …tmp …: file exists", "open …: no such file or directory"). example is
// a file name to suggest inside a directory given. Its errors are usage errors
// (exit status 2).
func checkOutPath(cmd, flag, path, example string) error {
	if fi, err := os.Stat(path); err == nil && fi.IsDir() {
		return usagef("%s: --%s %s is a directory: give a file name, such as %s", cmd, flag, path, filepath.Join(path, example))
	}
	if dir := filepath.Dir(path); dir != "." {
		switch fi, err := os.Stat(dir); {
		case err == nil && !fi.IsDir():
			return usagef("--%s %s: %s is a file, not a directory", flag, path, dir)
		case err != nil:
			return usagef("--%s %s: the directory %s does not exist", flag, path, dir)
		}
	}
	return nil
}

// printable is s with its control characters written as Go escapes ("\x1b"): a
// name out of an archive (a zip member's) reaches the terminal as text, never as
// an escape sequence that sets its title or erases a line (a review of hostile
// input).
func printable(s string) string {
	if strings.IndexFunc(s, unicode.IsControl) < 0 {
		return s
	}
	var b strings.Builder
	for _, r := range s {
		if unicode.IsControl(r) {
			q := strconv.QuoteRune(r)
			b.WriteString(q[1 : len(q)-1])
			continue
		}
		b.WriteRune(r)
	}
	return b.String()
}

// proseWidth is the width the commands' notes under their tables are wrapped at.
const proseWidth = 100

// wrapProse breaks a paragraph between words into lines of at most width
// characters (a longer word stands alone), for the notes under the tables: one
// line of 230 characters was hard to read in a terminal (a new user's review).
func wrapProse(s string, width int) string {
	var b strings.Builder
	n := 0
	for _, w := range strings.Fields(s) {
		l := utf8.RuneCountInString(w)
		switch {
		case n == 0:
		case n+1+l > width:
			b.WriteByte('\n')
			n = 0
		default:
			b.WriteByte(' ')
			n++
		}
		b.WriteString(w)
		n += l
	}
	return b.String()
}
