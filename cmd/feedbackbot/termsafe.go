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
	// lead: the last byte written was 0xC2, which begins a C1 control's UTF-8
	// form when the next write starts with 0x80–0x9F
	lead bool
}

func (t *terminalSafe) Write(p []byte) (int, error) {
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
		case c >= 0x80 && c <= 0x9f && i == 0 && t.lead:
			// (its 0xC2 went out with the last write: alone, followed by the
			// escape, it is an invalid byte a terminal shows as one, no control)
		default:
			continue
		}
		out = append(out, p[from:end]...)
		out = fmt.Appendf(out, `\u%04x`, c)
		from = i + 1
	}
	if len(p) > 0 {
		t.lead = p[len(p)-1] == 0xc2
	}
	if out == nil {
		if _, err := t.w.Write(p); err != nil {
			return 0, err
		}
		return len(p), nil
	}
	out = append(out, p[from:]...)
	if _, err := t.w.Write(out); err != nil {
		return 0, err
	}
	return len(p), nil
}
