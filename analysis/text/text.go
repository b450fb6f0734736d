// Package text turns chat messages into the words analysis reads: it removes Slack
// and Discord markup (mentions, channel links, URLs with labels, code, quoted lines),
// turns :shortcode: emoji into Unicode, and splits text into tokens that keep
// emoticons and emoji intact. It allocates little and holds no state.
package text

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// Clean returns the author's own words from a chat message: code (fenced blocks,
// wherever their ``` stands on a line, and inline code), quoted lines ("> ..."),
// everything after a multi-line quote (">>> ..."), struck-out text ("~~...~~",
// "~...~"), user and channel mentions and bare URLs are removed; <url|label> keeps
// the label; :shortcode: emoji become Unicode where known.
func Clean(s string) string {
	if !utf8.ValidString(s) {
		s = strings.ToValidUTF8(s, " ")
	}
	// (a bare URL has its "://": the ':' lets it through)
	if !strings.ContainsAny(s, "`<>:&\n~") {
		return s
	}
	var b strings.Builder
	b.Grow(len(s))
	inFence := false
	for line := range strings.SplitSeq(s, "\n") {
		if !inFence {
			t := strings.TrimSpace(line)
			if strings.HasPrefix(t, ">>>") || strings.HasPrefix(t, "&gt;&gt;&gt;") {
				// ">>> " quotes the rest of the message (Discord, and Slack's
				// mrkdwn), not just its own line: none of it is the writer's
				break
			}
			if strings.HasPrefix(t, ">") || strings.HasPrefix(t, "&gt;") {
				continue
			}
		}
		// A fence may open or close anywhere on a line ("here is the output ```",
		// "``` any idea?"): the text before an opening one and after a closing one
		// is the author's, and "```npm install``` fails" is code, then text.
		wrote := false
		for {
			k := strings.Index(line, "```")
			if k < 0 {
				break
			}
			if !inFence && k > 0 {
				cleanLine(&b, line[:k])
				b.WriteByte(' ')
				wrote = true
			}
			inFence = !inFence
			line = line[k+3:]
		}
		if !inFence {
			cleanLine(&b, line)
			wrote = true
		}
		if wrote {
			b.WriteByte('\n')
		}
	}
	return b.String()
}

func cleanLine(b *strings.Builder, s string) {
	for i := 0; i < len(s); {
		c := s[i]
		switch {
		case c == '`':
			if j := strings.IndexByte(s[i+1:], '`'); j >= 0 {
				b.WriteByte(' ')
				i += j + 2
				continue
			}
		case c == '<':
			// Slack markup holds no '<' (Slack escapes it): look no further than
			// the next one, so a line of unmatched '<' is read once, not once each.
			if j := strings.IndexAny(s[i+1:], "<>"); j >= 0 && s[i+1+j] == '>' {
				inner := s[i+1 : i+1+j]
				if label, ok := markupLabel(inner); ok {
					b.WriteByte(' ')
					b.WriteString(label)
					b.WriteByte(' ')
					i += j + 2
					continue
				}
			}
		case c == '&':
			for _, ent := range [...][2]string{{"&amp;", "&"}, {"&lt;", "<"}, {"&gt;", ">"}} {
				if strings.HasPrefix(s[i:], ent[0]) {
					b.WriteString(ent[1])
					i += len(ent[0])
					goto next
				}
			}
		case c == '~':
			if k := struck(s, i); k > 0 {
				b.WriteByte(' ')
				i = k
				continue
			}
		case c == ':':
			if j := strings.IndexByte(s[i+1:], ':'); j > 0 && j < 64 {
				code := s[i+1 : i+1+j]
				if e, ok := Shortcode(code); ok {
					b.WriteByte(' ')
					b.WriteString(e)
					b.WriteByte(' ')
					i += j + 2
					continue
				}
			}
		case c == 'h' && (strings.HasPrefix(s[i:], "http://") || strings.HasPrefix(s[i:], "https://")):
			j := i
			for j < len(s) && s[j] != ' ' && s[j] != '\t' {
				j++
			}
			b.WriteByte(' ')
			i = j
			continue
		}
		b.WriteByte(c)
		i++
	next:
	}
}

// struck returns where struck-out text that opens at s[i] ends, past its closing
// tilde(s), or -1: "~~gone~~" (Discord) and "~gone~" (Slack) retract what they
// strike. The opening tilde starts a word, text (not a space, nor "/" of a
// "~/path") follows it, and the next one on the line closes it if it ends a word,
// after text: "~5 minutes", "about ~10 ~20" and "~/bin" strike nothing.
func struck(s string, i int) int {
	if i > 0 && (s[i-1] == '~' || wordByte(s[i-1])) {
		return -1
	}
	n := 1
	if i+1 < len(s) && s[i+1] == '~' {
		n = 2
	}
	open := i + n
	if open >= len(s) || s[open] == ' ' || s[open] == '\t' || s[open] == '~' || s[open] == '/' {
		return -1
	}
	// the next delimiter on the line closes it, if it can (one look: a line of
	// a thousand tildes is read once, not once a tilde)
	k := strings.Index(s[open:min(len(s), open+maxStruck)], s[i:open])
	if k < 0 {
		return -1
	}
	k += open
	end := k + n
	if c := s[k-1]; c == ' ' || c == '\t' || end < len(s) && (s[end] == '~' || wordByte(s[end])) {
		return -1
	}
	return end
}

// maxStruck bounds the length of struck-out text.
const maxStruck = 512

// wordByte reports a byte of a word: an ASCII letter or digit, '_', or a byte of
// a non-ASCII character.
func wordByte(c byte) bool {
	return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '_' || c >= utf8.RuneSelf
}

// markupLabel interprets Slack's <...> markup: mentions and channel links vanish,
// links keep their label.
func markupLabel(inner string) (string, bool) {
	if inner == "" || strings.ContainsAny(inner, " \n") && !strings.Contains(inner, "|") {
		return "", false
	}
	target, label, hasLabel := strings.Cut(inner, "|")
	switch {
	case strings.HasPrefix(target, "@"), strings.HasPrefix(target, "!"):
		return "", true // a person or @here: not the author's sentiment
	case strings.HasPrefix(target, "#"):
		// a channel (Slack's <#C024BE7LR|outages>, Discord's <#123>): its name is
		// no word of the author's ("see #fails lol" reports no bug)
		return "", true
	case strings.HasPrefix(target, "http"), strings.HasPrefix(target, "mailto:"):
		if hasLabel {
			return label, true
		}
		return "", true
	}
	return "", false
}

// asciiSpace marks the ASCII white space that ends a word.
var asciiSpace = [256]bool{' ': true, '\n': true, '\t': true, '\r': true}

// Tokens splits cleaned text into words, emoticons and emoji. Punctuation around a
// word is dropped unless what remains is two characters or fewer (":)", ":-(" stay
// whole); each emoji rune becomes its own token.
func Tokens(s string, dst []string) []string {
	dst = dst[:0]
	start := -1
	flush := func(end int) {
		if start >= 0 {
			if w := stripPunct(s[start:end]); w != "" {
				dst = append(dst, w)
			}
			start = -1
		}
	}
	for i := 0; i < len(s); {
		if c := s[i]; c < utf8.RuneSelf {
			// ASCII, most of chat: white space ends a word, anything else is part of
			// one (no emoji, joiner or other space is ASCII); a word's letters are
			// read in a loop of their own, a test a byte
			if asciiSpace[c] {
				flush(i)
				i++
				continue
			}
			if start < 0 {
				start = i
			}
			i++
			for i < len(s) && s[i] < utf8.RuneSelf && !asciiSpace[s[i]] {
				i++
			}
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case unicode.IsSpace(r):
			flush(i)
		case IsEmoji(r):
			flush(i)
			dst = append(dst, s[i:i+size])
		case r == 0xFE0F || r == 0x200D || (r >= 0x1F3FB && r <= 0x1F3FF):
			// variation selectors, joiners and skin tones belong to the emoji before
			flush(i)
		default:
			if start < 0 {
				start = i
			}
		}
		i += size
	}
	flush(len(s))
	return dst
}

func stripPunct(w string) string {
	i, j := 0, len(w)
	for i < j && isPunct(w[i]) {
		i++
	}
	for j > i && isPunct(w[j-1]) {
		j--
	}
	if j-i <= 2 {
		if j-i == 0 && len(w) <= 1 {
			return ""
		}
		if len(w) <= 4 && hasLetterOrPunctFace(w) {
			return w // an emoticon such as :) or :-( or <3
		}
		if j-i == 0 {
			return ""
		}
	}
	return w[i:j]
}

func hasLetterOrPunctFace(w string) bool {
	// (a loop: strings.ContainsAny built its byte set on every call, for every
	// short token of every message)
	for i := 0; i < len(w); i++ {
		if c := w[i]; c == ':' || c == ';' || c == '=' {
			return true
		}
	}
	return w == "<3"
}

func isPunct(c byte) bool { return punct[c] }

// punct marks ASCII punctuation: a table, where a switch of 32 cases cost a few
// branches a byte at the ends of every token.
var punct = func() (t [256]bool) {
	for _, c := range []byte("!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~") {
		t[c] = true
	}
	return t
}()

// IsEmoji reports whether r is a pictographic emoji (not a letter, digit or symbol
// that happens to live in a high plane).
func IsEmoji(r rune) bool {
	switch {
	case r >= 0x1F300 && r <= 0x1FAFF:
		return !(r >= 0x1F3FB && r <= 0x1F3FF)
	case r >= 0x2600 && r <= 0x27BF:
		return true
	case r == 0x2B50 || r == 0x2B55 || r == 0x2705 || r == 0x274C || r == 0x2764:
		return true
	}
	return false
}

// Lower returns s in lower case, without allocating when it already is.
func Lower(s string) string {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c >= utf8.RuneSelf || ('A' <= c && c <= 'Z') {
			return strings.ToLower(s)
		}
	}
	return s
}

// IsUpper reports whether s has letters and all of them are upper case (SHOUTING).
func IsUpper(s string) bool {
	letters := 0
	for _, r := range s {
		if unicode.IsLetter(r) {
			if !unicode.IsUpper(r) {
				return false
			}
			letters++
		}
	}
	return letters > 0
}

// CodeTrouble reports an error pasted as code in a chat message: a code block or
// inline code holding an error word ("Error:", "Exception", "Traceback", "panic",
// "permission denied", "ECONNREFUSED", "HTTP/2 503"). Clean removes code, so the
// words that report the failure would otherwise be lost.
func CodeTrouble(s string) bool {
	if strings.IndexByte(s, '`') < 0 {
		return false
	}
	inFence := false
	for line := range strings.Lines(s) {
		// fences open and close anywhere on a line, as Clean reads them
		for {
			k := strings.Index(line, "```")
			if k < 0 {
				break
			}
			if inFence && errorText(line[:k]) || !inFence && inlineTrouble(line[:k]) {
				return true
			}
			inFence = !inFence
			line = line[k+3:]
		}
		if inFence && errorText(line) || !inFence && inlineTrouble(line) {
			return true
		}
	}
	return false
}

// inlineTrouble reports an error marker in the inline code (`...`) of text.
func inlineTrouble(rest string) bool {
	for {
		i := strings.IndexByte(rest, '`')
		if i < 0 {
			return false
		}
		j := strings.IndexByte(rest[i+1:], '`')
		if j < 0 {
			return false
		}
		if errorText(rest[i+1 : i+1+j]) {
			return true
		}
		rest = rest[i+j+2:]
	}
}

// errorMarkers are the words of pasted errors, lower case.
var errorMarkers = [...]string{"error", "exception", "traceback", "fatal", "panic", "failed", "failure",
	"denied", "refused", "timed out", "econn", "enoent", "eacces", "segmentation fault", "http/2 5", "http/1.1 5",
	"http/2 4", "http/1.1 4", "status\": 5"}

// errorText reports an error marker in s, in any case.
func errorText(s string) bool {
	if len(s) > 4096 {
		s = s[:4096]
	}
	low := Lower(s)
	for _, m := range errorMarkers {
		if strings.Contains(low, m) {
			return true
		}
	}
	return false
}
