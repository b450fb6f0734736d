package main

import (
	"fmt"
	"io"
)

// terminalSafe is standard output as the commands write it: every control
// character but a line break and a tab is written as its escape (\u001b), so a
// customer's message quoted by digest, risk or requests cannot drive the
// terminal it is printed on (clear the screen, set its title, write to the
// clipboard with OSC 52: a Discord member can type ESC in an ANSI code block).
// The messages are stored as they came; only what is printed is escaped. The
// escapes are JSON's too, so JSON output stays valid and decodes to the same
// text (encoding/json escapes C0 controls itself, not DEL or the C1 controls
// U+0080–U+009F, which some terminals obey in their UTF-8 form).
type terminalSafe struct {
	w io.Writer
	// held: the last write ended with 0xC2, which begins a C1 control's UTF-8
	// form when the next starts with 0x80–0x9F; it is held back until then (or
	// Flush), so that the pair is escaped whole (a buffered writer's cut between
	// them left an invalid 0xC2 before the escape: a review's find)
	held bool
	// err is the first error a write (or Flush) met: Main.Run reports it, since
	// the plain-text output is written with fmt.Fprint*, whose errors no one
	// read (digest > /dev/full said nothing and exited 0). Once set, nothing
	// more is written.
	err error
}

// fail remembers err, when it is the first, and returns it.
func (t *terminalSafe) fail(err error) error {
	if t.err == nil {
		t.err = err
	}
	return err
}

func (t *terminalSafe) Write(p []byte) (int, error) {
	if t.err != nil {
		return 0, t.err
	}
	n := len(p)
	if t.held {
		t.held = false
		p = append([]byte{0xc2}, p...)
	}
	var out []byte // nil while nothing needs escaping
	from := 0      // p[from:i] is not copied to out yet
	for i := 0; i < len(p); i++ {
		c := p[i]
		end := i // where the escaped character begins
		switch {
		case c == '\n' || c == '\t':
			continue
		case c < 0x20 || c == 0x7f:
		case c >= 0x80 && c <= 0x9f && i > 0 && p[i-1] == 0xc2:
			end = i - 1
		default:
			continue
		}
		out = append(out, p[from:end]...)
		out = fmt.Appendf(out, `\u%04x`, c)
		from = i + 1
	}
	if len(p) > from && p[len(p)-1] == 0xc2 {
		t.held, p = true, p[:len(p)-1]
	}
	if out == nil {
		if _, err := t.w.Write(p); err != nil {
			return 0, t.fail(err)
		}
		return n, nil
	}
	out = append(out, p[from:]...)
	if _, err := t.w.Write(out); err != nil {
		return 0, t.fail(err)
	}
	return n, nil
}

// Flush writes a byte held back at the end of the last write (an 0xC2 that no
// continuation followed: invalid UTF-8, written as it came), and returns the
// first error a write met, this one's or an earlier one's.
func (t *terminalSafe) Flush() error {
	if !t.held || t.err != nil {
		return t.err
	}
	t.held = false
	if _, err := t.w.Write([]byte{0xc2}); err != nil {
		return t.fail(err)
	}
	return nil
}
