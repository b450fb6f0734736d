package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"unicode/utf8"

	"github.com/feedbackbot/feedbackbot"
	"github.com/feedbackbot/feedbackbot/analysis"
	"github.com/feedbackbot/feedbackbot/store"
)

const (
	// maxLineBytes is the longest input line accepted; longer ones get an error object.
	maxLineBytes = 1 << 20
	analyzeBatch = 512
	// analyzeBatchBytes cuts a batch of long lines before analyzeBatch of them.
	analyzeBatchBytes = 1 << 20
)

type analyzeBatchJob struct {
	seq   int
	first int // line number of lines[0]
	lines [][]byte
	// longIDs are the ids of the batch's lines too long to analyse (nil in
	// lines), by index, where their first bytes gave one
	longIDs map[int]json.RawMessage
	out     *bytes.Buffer
}

var batchPool = sync.Pool{New: func() any { return &analyzeBatchJob{} }}

// runAnalyze reads JSON Lines ({"text": "..."}, optionally with an "id" that is
// echoed; a line that does not start with '{' is plain text) and writes one JSON
// object per input line, in order; a blank line (empty or white space) is no
// input and is skipped, though counted in the line numbers. A malformed
// line yields {"line": N, "error": "..."} and the stream goes on. Memory is bounded
// by workers x batch size, whatever the input length. It returns how many lines
// were input (blank ones left out): one output line each.
func runAnalyze(ctx context.Context, in io.Reader, out io.Writer, a *analysis.Analyzer, workers int) (int, error) {
	lines, _, err := analyzeStream(ctx, in, out, a, workers)
	return lines, err
}

// analyzeStream is runAnalyze, also counting the lines that got an error object.
func analyzeStream(ctx context.Context, in io.Reader, out io.Writer, a *analysis.Analyzer, workers int) (lines, failed int, err error) {
	var bad atomic.Int64
	blank := 0 // blank lines read: lines numbers every line, and returns the others
	defer func() { failed, lines = int(bad.Load()), lines-blank }()
	if workers < 1 {
		workers = 1
	}
	jobs := make(chan *analyzeBatchJob, workers)
	done := make(chan *analyzeBatchJob, workers)
	var wg sync.WaitGroup
	for range workers {
		wg.Go(func() {
			ses := a.Session()
			defer ses.Close()
			for j := range jobs {
				j.out.Reset()
				for i, line := range j.lines {
					if line == nil { // (too long: its id, when its first bytes gave one)
						appendErrorID(j.out, j.first+i, j.longIDs[i], fmt.Sprintf("line is longer than %d bytes", maxLineBytes))
						bad.Add(1)
						continue
					}
					if !appendResult(j.out, ses, j.first+i, line) {
						bad.Add(1)
					}
				}
				done <- j
			}
		})
	}
	// The writer puts batches back in order; at most 2*workers batches are in flight:
	// the reader takes a slot before it starts a batch and the writer frees it once
	// the batch is written. Without the slots nothing bounded it: behind one slow
	// batch, the other workers' finished batches piled up in pending, and a stream of
	// short lines was read whole into memory before the first line was written (122
	// MiB for 150,000 lines, a review found: TestAnalyzeReadsAheadBoundedly).
	slots := make(chan struct{}, 2*workers)
	bw := bufio.NewWriterSize(out, 256<<10)
	writeErr := make(chan error, 1)
	go func() {
		pending := map[int]*analyzeBatchJob{}
		next := 0
		var err error
		for j := range done {
			pending[j.seq] = j
			for {
				b, ok := pending[next]
				if !ok {
					break
				}
				delete(pending, next)
				if err == nil {
					_, err = bw.Write(b.out.Bytes())
				}
				batchPool.Put(b)
				<-slots
				next++
			}
		}
		if err == nil {
			err = bw.Flush()
		}
		writeErr <- err
	}()

	br := bufio.NewReaderSize(in, 256<<10)
	seq := 0
	var readErr error
	var cur *analyzeBatchJob
	var arena []byte
	send := func() {
		if cur == nil || len(cur.lines) == 0 {
			return
		}
		jobs <- cur
		cur = nil
		seq++
	}
	for {
		if err := ctx.Err(); err != nil {
			readErr = err
			break
		}
		line, tooLong, err := readLine(br)
		if err == io.EOF && line == nil {
			break
		}
		if err != nil && err != io.EOF {
			readErr = fmt.Errorf("read input: %w", err)
			break
		}
		lines++
		if cur == nil {
			select {
			case slots <- struct{}{}:
			case <-ctx.Done():
				readErr = ctx.Err()
			}
			if readErr != nil {
				lines--
				break
			}
			cur = batchPool.Get().(*analyzeBatchJob)
			cur.seq, cur.first, cur.lines = seq, lines, cur.lines[:0]
			clear(cur.longIDs)
			if cur.out == nil {
				cur.out = new(bytes.Buffer)
			}
			arena = make([]byte, 0, 64<<10)
		}
		if !tooLong && blankLine(lines, line) {
			// (a file ending in an extra blank line was reported as partly failed)
			blank++
		}
		if tooLong {
			// nil marks it: every line read, an empty one too, is a non-nil slice of
			// the arena, so no input can pass for it
			cur.lines = append(cur.lines, nil)
			if id := leadingID(trimLine(lines, line)); id != nil {
				if cur.longIDs == nil {
					cur.longIDs = map[int]json.RawMessage{}
				}
				cur.longIDs[len(cur.lines)-1] = id
			}
		} else {
			// Lines are copied into a per-batch arena: the reader's buffer is reused.
			start := len(arena)
			arena = append(arena, line...)
			cur.lines = append(cur.lines, arena[start:len(arena):len(arena)])
		}
		// A batch is cut by bytes too: lines of 64 KiB, 512 a batch and 2 batches a
		// worker in flight, held over a GiB (a review measured 1.2 GiB of heap).
		if len(cur.lines) == analyzeBatch || len(arena) >= analyzeBatchBytes {
			send()
		}
		if err == io.EOF {
			break
		}
	}
	send()
	close(jobs)
	wg.Wait()
	close(done)
	if err := <-writeErr; err != nil {
		return lines, 0, fmt.Errorf("write output: %w", err)
	}
	return lines, 0, readErr
}

// readLine returns the next line without its newline; lines longer than
// maxLineBytes are skipped to their end and reported with tooLong, line then
// their first longHead bytes (where an id may be found: leadingID).
func readLine(br *bufio.Reader) (line []byte, tooLong bool, err error) {
	var long, head []byte
	for {
		frag, err := br.ReadSlice('\n')
		switch {
		case err == bufio.ErrBufferFull:
			if !tooLong {
				long = append(long, frag...)
				if len(long) > maxLineBytes+2 { // (room for the "\r\n" still to come)
					tooLong, head, long = true, long[:longHead:longHead], nil
				}
			}
			continue
		case err != nil && len(frag) == 0 && long == nil && !tooLong:
			return nil, false, err
		}
		if tooLong {
			return head, true, err
		}
		if long != nil {
			frag = append(long, frag...)
		}
		frag = bytes.TrimRight(frag, "\r\n")
		if len(frag) > maxLineBytes { // (its line end not counted: a line of exactly the limit was refused)
			return frag[:longHead:longHead], true, err
		}
		return frag, false, err
	}
}

// longHead is how much of a line too long to analyse is kept to look for its id.
const longHead = 4 << 10

// leadingID is the "id" of a JSON object whose first bytes are head, where the
// id comes before the first member head does not hold whole (an object with its
// id first, the usual order); nil otherwise. As encoding/json reads the line's
// id, its name matches in any case ("ID") and the last of two wins. A line too
// long to analyse is reported with it (it was reported by line number alone, a
// new user's review).
func leadingID(head []byte) json.RawMessage {
	if len(head) == 0 || head[0] != '{' {
		return nil
	}
	dec := json.NewDecoder(bytes.NewReader(head))
	if _, err := dec.Token(); err != nil {
		return nil
	}
	var id json.RawMessage
	for dec.More() {
		k, err := dec.Token()
		key, ok := k.(string)
		if err != nil || !ok {
			return id
		}
		var v json.RawMessage
		if err := dec.Decode(&v); err != nil {
			return id
		}
		if strings.EqualFold(key, "id") {
			id = v
		}
	}
	return id
}

type analyzeInput struct {
	// Text is kept raw, so a null, an absent field and a value of the wrong type
	// are told apart.
	Text json.RawMessage `json:"text"`
	// ID, when the line has one (any JSON value), is echoed first in the output so
	// results can be joined back to their source rows.
	ID json.RawMessage `json:"id"`
}

// chatAnalyzer tags one text as support chat (analysis.Analyzer or its Session).
type chatAnalyzer interface {
	AnalyzeChat(text string) feedbackbot.Tags
}

// trimLine is line n without the white space around it, nor, on the first line, a
// byte-order mark: Windows editors and "CSV UTF-8" exports begin with one, and it
// hid the first line's JSON (read as plain text, its id dropped).
func trimLine(n int, line []byte) []byte {
	trimmed := bytes.TrimSpace(line)
	if n == 1 {
		trimmed = bytes.TrimSpace(bytes.TrimPrefix(trimmed, []byte("\ufeff")))
	}
	return trimmed
}

// blankLine reports whether line n is blank (empty or white space): no input,
// which appendResult writes nothing for.
func blankLine(n int, line []byte) bool { return line != nil && len(trimLine(n, line)) == 0 }

// appendResult writes line n's tags, or its error object (and reports false), or
// nothing for a blank line.
func appendResult(b *bytes.Buffer, a chatAnalyzer, n int, line []byte) bool {
	if line == nil { // longer than maxLineBytes (see analyzeStream)
		appendError(b, n, fmt.Sprintf("line is longer than %d bytes", maxLineBytes))
		return false
	}
	trimmed := trimLine(n, line)
	if len(trimmed) == 0 {
		return true // a blank line is no input: nothing to say of it (see blankLine)
	}
	var txt string
	var id json.RawMessage
	valid := false
	if t, ok := fastText(trimmed); ok {
		txt, valid = t, true // fastText takes valid UTF-8 only
	} else if trimmed[0] == '{' {
		var in analyzeInput
		if err := json.Unmarshal(trimmed, &in); err != nil {
			var se *json.SyntaxError
			msg := err.Error()
			if errors.As(err, &se) {
				msg = fmt.Sprintf("invalid JSON at byte %d: %v", se.Offset, err)
			}
			appendError(b, n, msg)
			return false
		}
		switch {
		case in.Text == nil:
			appendErrorID(b, n, in.ID, `JSON object has no "text" field: want {"text": "..."}`)
			return false
		case string(in.Text) == "null":
			appendErrorID(b, n, in.ID, `field "text" is null: want a string`)
			return false
		case in.Text[0] != '"':
			appendErrorID(b, n, in.ID, fmt.Sprintf(`field "text" must be a string, not a JSON %s`, jsonKind(in.Text[0])))
			return false
		}
		if err := json.Unmarshal(in.Text, &txt); err != nil {
			appendErrorID(b, n, in.ID, fmt.Sprintf(`field "text": %v`, err)) // (Unmarshal took the line: cannot happen)
			return false
		}
		id = in.ID
	} else if (trimmed[0] == '[' || string(trimmed) == "null") && json.Valid(trimmed) {
		// (a JSON array or null was analysed as the text "[...]" or "null")
		appendError(b, n, fmt.Sprintf(`a JSON %s, not an object: want {"text": "..."} or plain text`, jsonKind(trimmed[0])))
		return false
	} else {
		txt = string(line)
		if n == 1 {
			txt = strings.TrimPrefix(txt, "\ufeff") // (a byte-order mark is no text: it was echoed, a review found)
		}
	}
	if !valid && !utf8.ValidString(txt) {
		txt = strings.ToValidUTF8(txt, "\uFFFD")
	}
	truncated := len(txt) > analysis.MaxAnalyzedBytes
	tags := a.AnalyzeChat(txt)
	b.WriteByte('{')
	appendID(b, id)
	b.WriteString(`"text":`)
	b.Write(store.AppendText(b.AvailableBuffer(), txt))
	b.WriteString(`,"sentiment":{"label":"`)
	b.WriteString(string(tags.Sentiment.Label))
	b.WriteString(`","score":`)
	b.Write(strconv.AppendFloat(b.AvailableBuffer(), tags.Sentiment.Score, 'f', -1, 64))
	if tags.Sentiment.Emotion != "" {
		b.WriteString(`,"emotion":"`)
		b.WriteString(string(tags.Sentiment.Emotion))
		b.WriteByte('"')
	}
	b.WriteString(`},"themes":[`)
	for i, t := range tags.Themes {
		if i > 0 {
			b.WriteByte(',')
		}
		b.Write(store.AppendText(b.AvailableBuffer(), t))
	}
	b.WriteString(`],"intent":"`)
	b.WriteString(string(tags.Intent))
	b.WriteString(`","needs_reply":`)
	b.WriteString(strconv.FormatBool(tags.NeedsReply))
	if truncated {
		b.WriteString(`,"truncated":true`)
	}
	b.WriteString("}\n")
	return true
}

// appendID writes `"id":ID,` when the line had an id.
func appendID(b *bytes.Buffer, id json.RawMessage) {
	if len(id) == 0 || string(id) == "null" {
		return
	}
	b.WriteString(`"id":`)
	if !utf8.Valid(id) {
		// (bytes that are not UTF-8 can only be inside its strings: the output
		// line stays valid JSON; they were echoed raw, a review found)
		id = bytes.ToValidUTF8(id, []byte("\uFFFD"))
	}
	if err := json.Compact(b, id); err != nil {
		// Unmarshal accepted it, so Compact cannot fail; never write half a value.
		b.WriteString("null")
	}
	b.WriteByte(',')
}

// jsonKind names the JSON type of a value that starts with c.
func jsonKind(c byte) string {
	switch c {
	case '"':
		return "string"
	case '{':
		return "object"
	case '[':
		return "array"
	case 't', 'f':
		return "boolean"
	case 'n':
		return "null"
	}
	return "number"
}

func appendError(b *bytes.Buffer, n int, msg string) { appendErrorID(b, n, nil, msg) }

// appendErrorID writes line n's error object, with the line's id when it had one
// (so that rows that failed join back to their source too).
func appendErrorID(b *bytes.Buffer, n int, id json.RawMessage, msg string) {
	b.WriteByte('{')
	appendID(b, id)
	b.WriteString(`"line":`)
	b.WriteString(strconv.Itoa(n))
	b.WriteString(`,"error":`)
	b.Write(store.AppendText(b.AvailableBuffer(), msg))
	b.WriteString("}\n")
}

// fastText reads the common shape {"text":"..."} (optional spaces) without
// encoding/json; anything else takes the general path. A string with escapes (Go's
// json.Marshal writes every '<', '>' and '&' as \u003c, \u003e and \u0026: 7% of
// the tweet lines) is decoded by store.DecodeString, encoding/json's rules.
func fastText(b []byte) (string, bool) {
	rest, ok := bytes.CutPrefix(b, []byte(`{"text"`))
	if !ok {
		return "", false
	}
	rest = bytes.TrimLeft(rest, " ")
	if rest, ok = bytes.CutPrefix(rest, []byte(":")); !ok {
		return "", false
	}
	rest = bytes.TrimLeft(rest, " ")
	quoted := rest // the string, its quotes included
	if rest, ok = bytes.CutPrefix(rest, []byte(`"`)); !ok {
		return "", false
	}
	// the closing quote: the first one no backslash escapes; on the way, raw
	// control characters, which JSON forbids (the decoder says so), and whether
	// any byte is not ASCII (one pass, where three read the text). Eight bytes
	// with none of these are passed over at once.
	end, escaped, ascii := -1, false, true
	for i := 0; i < len(rest); i++ {
		for i+8 <= len(rest) && !jsonSpecials(binary.LittleEndian.Uint64(rest[i:])) {
			i += 8
		}
		if i == len(rest) {
			break
		}
		switch c := rest[i]; {
		case c == '\\':
			if surrogate(rest[i+1:]) {
				return "", false // UTF-16 halves: left to encoding/json itself
			}
			escaped = true
			i++
		case c == '"':
			end = i
		case c < 0x20:
			return "", false // left to the decoder, which says what is wrong
		case c >= 0x80:
			ascii = false
		}
		if end >= 0 {
			break
		}
	}
	if end < 0 {
		return "", false
	}
	// Only JSON's own whitespace: bytes.TrimSpace would also pass \f, \v and U+0085,
	// which the decoder rejects (found by FuzzFastText).
	if tail := bytes.Trim(rest[end+1:], " \t\r\n"); len(tail) != 1 || tail[0] != '}' {
		return "", false
	}
	if escaped {
		var txt string
		if err := store.DecodeString(quoted[:end+2], &txt); err != nil {
			return "", false // the general path says what is wrong
		}
		return txt, true
	}
	body := rest[:end]
	if !ascii && !utf8.Valid(body) {
		return "", false // repaired the way encoding/json repairs it, on the general path
	}
	return string(body), true
}

// jsonSpecials reports whether any of the eight bytes in x is a quote, a
// backslash, a control character or past ASCII. (Each test is exact for "any":
// a borrow can mark a byte wrongly only above a byte the test rightly marks.)
func jsonSpecials(x uint64) bool {
	const lo, hi = 0x0101010101010101, 0x8080808080808080
	q, bs := x^(lo*'"'), x^(lo*'\\')
	return ((q-lo)&^q|(bs-lo)&^bs|(x-lo*0x20)&^x|x)&hi != 0
}

// surrogate reports a \u escape of a UTF-16 surrogate (\uD800-\uDFFF) at the
// start of b, the byte after a backslash.
func surrogate(b []byte) bool {
	return len(b) >= 3 && b[0] == 'u' && (b[1] == 'd' || b[1] == 'D') && strings.IndexByte("89abcdefABCDEF", b[2]) >= 0
}
