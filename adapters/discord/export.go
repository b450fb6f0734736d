package discordadapter

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"
	"unicode"

	"github.com/feedbackbot/feedbackbot"
)

// ImportOptions configure an import of DiscordChatExporter JSON files.
type ImportOptions struct {
	StaffRoles      []string
	StaffUsers      []string
	RoleAccounts    map[string]string
	ChannelAccounts map[string]string
	AccountNames    map[string]string
	// Channels, IgnoreChannels and InternalChannels leave out what live capture
	// leaves out (see Config): ignored and internal channels, and, when Channels is
	// set, every channel not in it. Threads go with their channel.
	Channels         []string
	IgnoreChannels   []string
	InternalChannels []string
	// Guilds, when set, are the only servers whose messages are taken, as in live
	// capture (an export of another server is left out, counted).
	Guilds []string
	// Progress receives a line per file and every 10,000 messages (nil: silent).
	Progress io.Writer
	// MaxFileBytes skips larger files (default 4 GiB).
	MaxFileBytes int64
	// MaxMessageBytes skips a message whose JSON is larger, and names it (default
	// 4 MiB: Discord allows 4,000 characters of text, and DiscordChatExporter adds
	// embeds, attachments, mentions and reactions); the rest of its file is imported.
	// It bounds the memory one message takes, whatever the file holds.
	MaxMessageBytes int64
	// Batch is how many events go to the store at once (default 500).
	Batch int
}

// skipOtherGuild is why an import leaves out the messages of a server that
// ImportOptions.Guilds does not list.
const skipOtherGuild = "server not in discord.guilds"

// ImportOptions are the options an import of this configuration's servers needs:
// it takes the same channels and accounts as live capture.
func (c Config) ImportOptions() ImportOptions {
	return ImportOptions{StaffRoles: c.StaffRoles, StaffUsers: c.StaffUsers, RoleAccounts: c.RoleAccounts,
		ChannelAccounts: c.ChannelAccounts, AccountNames: c.AccountNames, Channels: c.Channels,
		IgnoreChannels: c.IgnoreChannels, InternalChannels: c.InternalChannels, Guilds: c.Guilds}
}

// ImportSummary says what an import did.
type ImportSummary struct {
	Files    int // files imported
	Messages int // messages read in them
	Appended int // events new to the store (a re-import appends none)
	Skipped  map[string]int
	// FilesSkipped counts the files left out whole (malformed, truncated, hostile,
	// over a limit, unreadable); each is named in Errors.
	FilesSkipped int
	// Errors names the skipped files, and the first maxReported malformed messages
	// (the rest are counted in Skipped[skipInvalid]).
	Errors []string
}

// skipInvalid is the Skipped reason of a malformed message (no Discord id, no
// author, a bad timestamp, a field of the wrong type).
const skipInvalid = "invalid message"

// skipStoredNewer is the Skipped reason of a message the store holds edited later
// than the export's copy: appended after the edit, the copy would become the
// latest version and undo it.
const skipStoredNewer = "stored with a later edit than the export's"

// storedAsNew reports whether the store holds m edited as late as m or later
// (skip; newer: strictly later), so that importing m adds nothing or undoes an
// edit. It reads the newest version in the log where the store can (store.Log's
// Newest): the analysed message alone missed a live edit not analysed yet, and an
// older export's copy, appended over it, brought back the text the edit took out (a
// review's find). A nil lookup finds nothing.
func storedAsNew(ctx context.Context, lookup messageLookup, m feedbackbot.Message) (skip, newer bool, err error) {
	have, found, err := newestStored(ctx, lookup, m.Key())
	if err != nil || !found {
		return false, false, err
	}
	return !m.EditedAt.After(have.EditedAt), have.EditedAt.After(m.EditedAt), nil
}

// newestStored is the newest version of a message the store holds: in the log where
// the store can tell (store.Log's Newest: captured, analysed or not), else the
// analysed one. A nil lookup finds nothing.
func newestStored(ctx context.Context, lookup messageLookup, key string) (feedbackbot.Message, bool, error) {
	if lookup == nil {
		return feedbackbot.Message{}, false, nil
	}
	if nl, ok := lookup.(interface {
		Newest(ctx context.Context, key string) (feedbackbot.Message, bool, error)
	}); ok {
		cur, found, err := nl.Newest(ctx, key)
		if feedbackbot.ErrorCode(err) == feedbackbot.ECONFLICT {
			return feedbackbot.Message{}, false, nil // (its entry gone from the log: as never held)
		}
		return cur, found && err == nil, err
	}
	st, err := lookup.Message(ctx, key)
	if feedbackbot.IsNotFound(err) {
		return feedbackbot.Message{}, false, nil
	}
	return st.Message, err == nil, err
}

// maxReported bounds the malformed messages an import names one by one.
const maxReported = 20

// Problems counts what the import left out that a person should look at: skipped
// files and malformed messages; not bots, system messages or empty posts.
func (s ImportSummary) Problems() int {
	return s.FilesSkipped + s.Skipped[skipInvalid]
}

// badFile is a problem that makes a whole file unusable: it is skipped, and named
// in the summary.
type badFile struct{ err error }

func (b badFile) Error() string { return b.err.Error() }
func (b badFile) Unwrap() error { return b.err }

// skipFile is the badFile of the file named name (a path or a base name).
func skipFile(name, format string, args ...any) error {
	return badFile{feedbackbot.Errorf(feedbackbot.EINVALID, "discord export %s: %s (the file was skipped)", name, fmt.Sprintf(format, args...))}
}

// The parts of DiscordChatExporter's JSON format that feedbackbot reads.
type dceHeader struct {
	Guild struct {
		ID   string `json:"id"`
		Name string `json:"name"`
	} `json:"guild"`
	Channel struct {
		ID         string `json:"id"`
		Type       string `json:"type"`
		CategoryID string `json:"categoryId"`
		Category   string `json:"category"`
		Name       string `json:"name"`
	} `json:"channel"`
}

type dceMessage struct {
	ID              string   `json:"id"`
	Type            string   `json:"type"`
	Timestamp       string   `json:"timestamp"`
	TimestampEdited *string  `json:"timestampEdited"`
	Content         string   `json:"content"`
	Author          *dceUser `json:"author"`
	// Mentions are the users the message mentions, written as its author is.
	Mentions  []dceUser `json:"mentions"`
	Reactions []struct {
		Emoji struct {
			ID   string `json:"id"`
			Name string `json:"name"`
		} `json:"emoji"`
		Count int `json:"count"`
	} `json:"reactions"`
	Reference *struct {
		MessageID string `json:"messageId"`
	} `json:"reference"`
}

// dceUser is a message's author, or a user it mentions.
type dceUser struct {
	ID       string `json:"id"`
	Name     string `json:"name"`
	Nickname string `json:"nickname"`
	IsBot    bool   `json:"isBot"`
	Roles    []struct {
		ID   string `json:"id"`
		Name string `json:"name"`
	} `json:"roles"`
}

// staff reports whether the user is staff by the import's options.
func (u dceUser) staff(opts ImportOptions) bool {
	if slices.Contains(opts.StaffUsers, u.ID) {
		return true
	}
	for _, r := range u.Roles {
		if slices.Contains(opts.StaffRoles, r.ID) {
			return true
		}
	}
	return false
}

// account is the account a customer's message counts for outside a mapped
// channel: their role's, else their own.
func (u dceUser) account(opts ImportOptions) string {
	for _, r := range u.Roles {
		if acct, ok := opts.RoleAccounts[r.ID]; ok {
			return acct
		}
	}
	return u.ID
}

// mentionedAccount is the account of the customers a staff message mentions, as
// capture's mentionedAccount has it: when they are all of one, else "".
func (m dceMessage) mentionedAccount(opts ImportOptions) string {
	acct := ""
	for i, u := range m.Mentions {
		if i == maxMentions {
			break
		}
		if !snowflake(u.ID) || u.IsBot || u.ID == m.Author.ID || u.staff(opts) {
			continue
		}
		switch known := u.account(opts); {
		case acct == "":
			acct = known
		case acct != known:
			return ""
		}
	}
	return acct
}

// maxID bounds ids: Discord snowflakes are at most 20 digits.
const maxID = 32

// ImportExport reads a DiscordChatExporter JSON export (one file, or a directory of
// them) into the sink. Each file is read and checked whole before any of it is
// written: a malformed, truncated or hostile file is skipped with a clear error in
// the summary and nothing of it written, and the other files are imported. A
// malformed or oversized message in a sound file is skipped and reported (Skipped,
// Errors), the rest of the file imported. Re-importing stores nothing twice, and
// an export older than what the store holds undoes no edit: when the sink can look
// messages up, a copy the store holds edited as late or later is skipped, as
// catch-up skips one. The error returned is one that stops everything: no export
// at path, the store, ctx.
func ImportExport(ctx context.Context, path string, opts ImportOptions, sink Sink) (ImportSummary, error) {
	sum := ImportSummary{Skipped: map[string]int{}}
	if opts.MaxFileBytes <= 0 {
		opts.MaxFileBytes = 4 << 30
	}
	if opts.MaxMessageBytes <= 0 {
		opts.MaxMessageBytes = 4 << 20
	}
	if opts.Batch <= 0 {
		opts.Batch = 500
	}
	files, odd, err := exportFiles(path)
	if err != nil {
		return sum, err
	}
	for _, f := range odd {
		sum.FilesSkipped++
		sum.Errors = append(sum.Errors, fmt.Sprintf("discord export %s: not a regular file (a symbolic link, a FIFO or a device; the file was skipped)", f))
	}
	for i, f := range files {
		if opts.Progress != nil {
			fmt.Fprintf(opts.Progress, "[%d/%d] %s\n", i+1, len(files), strings.Map(func(r rune) rune { // (a file's name, never a terminal's escape)
				if unicode.IsControl(r) {
					return '?'
				}
				return r
			}, filepath.Base(f)))
		}
		// Check the whole file first, then write it.
		err := importFile(ctx, f, opts, nil, &ImportSummary{Skipped: map[string]int{}})
		if err == nil {
			err = importFile(ctx, f, opts, sink, &sum)
		}
		var bad badFile
		switch {
		case errors.As(err, &bad):
			sum.FilesSkipped++
			sum.Errors = append(sum.Errors, bad.Error())
			if opts.Progress != nil {
				fmt.Fprintf(opts.Progress, "  skipped: %v\n", bad)
			}
		case err != nil:
			return sum, err
		default:
			sum.Files++
		}
	}
	return sum, nil
}

// exportFiles lists the JSON files to import.
// exportFiles lists the files to import: path, or a directory's .json files; odd
// are the directory's .json entries that are not regular files (symbolic links,
// FIFOs, devices), never opened and reported as skipped (they were left out
// without a word, a review found).
func exportFiles(path string) (files, odd []string, err error) {
	fi, err := os.Stat(path)
	if err != nil {
		return nil, nil, fmt.Errorf("discord export: %w", err)
	}
	if !fi.IsDir() {
		if !fi.Mode().IsRegular() {
			// a FIFO would block the open (and the process) until someone writes to it
			return nil, nil, feedbackbot.Errorf(feedbackbot.EINVALID, "discord export %s is not a regular file or a directory", path)
		}
		return []string{path}, nil, nil
	}
	entries, err := os.ReadDir(path)
	if err != nil {
		return nil, nil, fmt.Errorf("discord export: %w", err)
	}
	for _, e := range entries {
		if !strings.EqualFold(filepath.Ext(e.Name()), ".json") || e.IsDir() {
			continue
		}
		if e.Type().IsRegular() {
			files = append(files, filepath.Join(path, e.Name()))
		} else {
			odd = append(odd, filepath.Join(path, e.Name()))
		}
	}
	if len(files)+len(odd) == 0 {
		return nil, nil, feedbackbot.Errorf(feedbackbot.EINVALID, "discord export: %s holds no .json files (export with DiscordChatExporter's JSON format)", path)
	}
	slices.Sort(files)
	slices.Sort(odd)
	return files, odd, nil
}

// importFile streams one file. With a nil sink it only checks. A problem of the
// file itself is a badFile.
func importFile(ctx context.Context, path string, opts ImportOptions, sink Sink, sum *ImportSummary) error {
	skip := func(format string, args ...any) error { return skipFile(path, format, args...) }
	fh, err := os.Open(path)
	if err != nil {
		return skip("%v", err)
	}
	defer fh.Close()
	fi, err := fh.Stat()
	if err != nil {
		return skip("%v", err)
	}
	if !fi.Mode().IsRegular() {
		return skip("not a regular file")
	}
	if fi.Size() > opts.MaxFileBytes {
		return skip("%d bytes, over the %d-byte limit", fi.Size(), opts.MaxFileBytes)
	}
	return importReader(ctx, path, fh, opts, sink, sum)
}

// maxHeaderBytes bounds each of the export's other fields: the guild and channel
// objects (an id, a name, a few more fields each), dateRange, exportedAt and such.
const maxHeaderBytes = 1 << 20

// tooLarge is a JSON value over its size limit; the reader has read past it, so
// what follows can still be read.
type tooLarge struct{ size, limit int64 }

func (e *tooLarge) Error() string {
	return fmt.Sprintf("%d bytes, over the %d-byte limit", e.size, e.limit)
}

// jsonReader reads an export's outline (the object, its field names, the messages
// list) byte by byte, and each value in it (the guild, a message) as raw JSON of
// at most a set size: a longer value is read to its end and dropped, not buffered,
// so one huge message costs a skipped message rather than the memory it would take
// or the rest of its file. Whether a value is valid JSON is json.Unmarshal's
// business; the reader only finds where it ends.
type jsonReader struct {
	r   *bufio.Reader
	off int64  // bytes consumed
	buf []byte // the last value, reused
}

// peek skips whitespace and returns the next byte without consuming it.
func (j *jsonReader) peek() (byte, error) {
	for {
		b, err := j.r.Peek(1)
		if err != nil {
			return 0, err
		}
		switch b[0] {
		case ' ', '\t', '\n', '\r':
			j.r.ReadByte()
			j.off++
			continue
		}
		return b[0], nil
	}
}

// take consumes the byte peek returned.
func (j *jsonReader) take() {
	j.r.ReadByte()
	j.off++
}

// errSyntax is a byte where the outline needs another.
var errSyntax = errors.New("unexpected character")

// value reads the next value and returns its bytes (valid until the next call); one
// longer than max is read to its end and reported as a *tooLarge. It scans the
// reader's buffer a chunk at a time.
func (j *jsonReader) value(max int64) ([]byte, error) {
	first, err := j.peek()
	if err != nil {
		return nil, noEOF(err)
	}
	j.buf = j.buf[:0]
	var n int64 // the value's bytes so far
	// keep consumes the chunk's first k bytes into the value.
	keep := func(chunk []byte, k int) {
		if n < max {
			j.buf = append(j.buf, chunk[:min(int64(k), max-n)]...)
		}
		n += int64(k)
		j.r.Discard(k)
		j.off += int64(k)
	}
	scalar := first != '"' && first != '{' && first != '['
	depth, inString, escaped := 0, false, false
	for {
		if j.r.Buffered() == 0 {
			if _, err := j.r.Peek(1); err != nil {
				if scalar && err == io.EOF && n > 0 {
					return j.done(n, max) // a number, true, false or null at the very end
				}
				return nil, noEOF(err)
			}
		}
		chunk, _ := j.r.Peek(j.r.Buffered())
		if scalar {
			// a number, true, false or null ends before the next delimiter
			if i := bytes.IndexAny(chunk, " \t\r\n,:]}"); i >= 0 {
				if i == 0 && n == 0 {
					return nil, fmt.Errorf("%w %q", errSyntax, chunk[0])
				}
				keep(chunk, i)
				return j.done(n, max)
			}
			keep(chunk, len(chunk))
			continue
		}
		end := -1
	scan:
		for i := 0; i < len(chunk); i++ {
			if inString {
				if escaped {
					escaped = false
					continue
				}
				// jump to the closing quote or the first escape before it
				q := bytes.IndexByte(chunk[i:], '"')
				if q < 0 {
					q = len(chunk) - i
				}
				if e := bytes.IndexByte(chunk[i:i+q], '\\'); e >= 0 {
					i += e
					escaped = true
					continue
				}
				if i += q; i == len(chunk) {
					break // the string goes on in the next chunk
				}
				inString = false
				if depth == 0 {
					end = i
					break scan
				}
				continue
			}
			switch chunk[i] {
			case '"':
				inString = true
			case '{', '[':
				depth++
			case '}', ']':
				if depth--; depth < 0 {
					return nil, errSyntax
				}
				if depth == 0 {
					end = i
					break scan
				}
			}
		}
		if end >= 0 {
			keep(chunk, end+1)
			return j.done(n, max)
		}
		keep(chunk, len(chunk))
	}
}

func (j *jsonReader) done(n, max int64) ([]byte, error) {
	if n > max {
		return nil, &tooLarge{size: n, limit: max}
	}
	return j.buf, nil
}

// valueFeed hands one value at a time to a json.Decoder that lives as long as the
// file (json.Unmarshal would scan each message twice and allocate its state
// anew). Each value is followed by a space, so that the decoder finds the end of a
// bare number without asking for more.
type valueFeed struct{ b []byte }

// errFedAll is what the decoder gets if it asks for more than one value: a value
// the reader found the end of that the decoder did not (never for valid JSON).
var errFedAll = errors.New("the value ends early")

func (f *valueFeed) Read(p []byte) (int, error) {
	if len(f.b) == 0 {
		return 0, errFedAll
	}
	n := copy(p, f.b)
	f.b = f.b[n:]
	return n, nil
}

// recentMessages bounds the customer messages an import remembers the account of,
// for the staff replies that quote them: a reply to an older one is given the
// conversation's latest customer account instead. Each costs about 110 bytes (a
// million in a map took 108 MB), so this stays near 11 MB however long the file.
const recentMessages = 100_000

// recentAccounts is the account of each of a file's latest customer messages, and
// of its latest customer message (a file is one conversation: a channel or a
// thread).
type recentAccounts struct {
	byMessage  map[string]string
	order      []string // byMessage's keys, oldest first, as a ring from next
	next       int
	limit      int
	lastInConv string
}

func newRecentAccounts(limit int) *recentAccounts {
	return &recentAccounts{byMessage: map[string]string{}, limit: max(1, limit)}
}

func (r *recentAccounts) add(id, account string) {
	r.lastInConv = account
	r.remember(id, account)
}

// remember records a message's account without making it the conversation's latest
// (a message without text, or one read back from the store).
func (r *recentAccounts) remember(id, account string) {
	if _, ok := r.byMessage[id]; ok {
		r.byMessage[id] = account
		return
	}
	if len(r.order) < r.limit {
		r.order = append(r.order, id)
	} else {
		delete(r.byMessage, r.order[r.next])
		r.order[r.next] = id
		r.next = (r.next + 1) % len(r.order)
	}
	r.byMessage[id] = account
}

// messageName names the i-th message (from 0) in errors.
func messageName(i int) string { return fmt.Sprintf("message #%d", i+1) }

// noEOF is io.ErrUnexpectedEOF for an end inside a value.
func noEOF(err error) error {
	if err == io.EOF {
		return io.ErrUnexpectedEOF
	}
	return err
}

// importReader reads one export from r; path names it in errors. A problem that
// makes the file unusable is a badFile; a malformed or oversized message is skipped
// and counted in sum.
func importReader(ctx context.Context, path string, r io.Reader, opts ImportOptions, sink Sink, sum *ImportSummary) error {
	name := filepath.Base(path)
	bad := func(format string, args ...any) error { return skipFile(name, format, args...) }
	j := &jsonReader{r: bufio.NewReaderSize(io.LimitReader(r, opts.MaxFileBytes), 64<<10)}
	feed := &valueFeed{}
	newDecoder := func() *json.Decoder { return json.NewDecoder(feed) }
	dec := newDecoder()
	broken := func(what string, err error) error {
		var big *tooLarge
		switch {
		case errors.As(err, &big):
			return bad("%s is over the %d-byte limit", what, big.limit)
		case errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF):
			return bad("the file ends in %s at byte %d: is it truncated?", what, j.off)
		}
		return bad("broken JSON in %s at byte %d: %v", what, j.off, err)
	}
	// expect consumes the next byte if it is one of want.
	expect := func(what, want string) (byte, error) {
		c, err := j.peek()
		if err != nil {
			return 0, broken(what, noEOF(err))
		}
		if strings.IndexByte(want, c) < 0 {
			return 0, broken(what, fmt.Errorf("%w %q (want one of %s)", errSyntax, c, want))
		}
		j.take()
		return c, nil
	}
	// (a UTF-8 byte order mark, as Windows editors write one, is skipped: the
	// file was refused as no JSON object, a review found)
	if b, err := j.r.Peek(3); err == nil && string(b) == "\xef\xbb\xbf" {
		j.r.Discard(3)
		j.off += 3
	}
	if c, err := j.peek(); err != nil || c != '{' {
		return bad("not a DiscordChatExporter JSON export (it must be a JSON object)")
	}
	j.take()
	var hdr dceHeader
	rawHeader := map[string]json.RawMessage{}
	var batch []feedbackbot.Event
	accounts := newRecentAccounts(recentMessages) // for staff replies
	lookup, _ := sink.(messageLookup)             // nil while checking, or for a sink that cannot look up
	sawMessages := false
	flush := func() error {
		if sink == nil || len(batch) == 0 {
			batch = batch[:0]
			return nil
		}
		n, err := sink.Append(ctx, batch...)
		if err != nil {
			return fmt.Errorf("discord export %s: store: %w", name, err)
		}
		sum.Appended += n
		batch = batch[:0]
		return nil
	}
	invalid := func(i int, id string, err error) {
		sum.Skipped[skipInvalid]++
		if len(sum.Errors) < maxReported {
			which := messageName(i)
			if id != "" { // (one too large to read has none known: it said id "")
				which += fmt.Sprintf(" (id %q)", clip(id, maxID))
			}
			sum.Errors = append(sum.Errors, fmt.Sprintf("discord export %s: %s skipped: %v", name, which, err))
		}
	}
	// messages reads the list after "messages": and imports what it can.
	messages := func() error {
		if c, err := j.peek(); err != nil || c != '[' {
			if err != nil {
				return broken(`"messages"`, noEOF(err))
			}
			return bad(`"messages" is not a list`)
		}
		j.take()
		if c, err := j.peek(); err == nil && c == ']' {
			j.take()
			return nil
		}
		for i := 0; ; i++ {
			if err := ctx.Err(); err != nil {
				return err
			}
			raw, err := j.value(opts.MaxMessageBytes)
			var big *tooLarge
			switch {
			case errors.As(err, &big):
				sum.Messages++
				invalid(i, "", fmt.Errorf("over the %d-byte limit (%d bytes)", big.limit, big.size))
			case err != nil:
				return broken(messageName(i), err)
			default:
				sum.Messages++
				var m dceMessage
				feed.b = append(raw, ' ')
				if err := dec.Decode(&m); err != nil {
					var te *json.UnmarshalTypeError
					if errors.As(err, &te) {
						invalid(i, m.ID, fmt.Errorf("a field has the wrong type: %v", err))
						break
					}
					// Broken JSON inside the message ("content":tru, a comma before
					// "}"): the reader found where it ends by its brackets and strings,
					// so it alone is skipped and the list goes on; the decoder keeps a
					// syntax error for good, so the next message gets a new one.
					invalid(i, m.ID, fmt.Errorf("not valid JSON: %v", err))
					dec = newDecoder()
					break
				}
				// A reply to a message of another file (DiscordChatExporter's
				// --partition splits a channel) or of an earlier import counts for
				// that message's customer, read back from the store.
				if r := m.Reference; r != nil && lookup != nil && snowflake(r.MessageID) && accounts.byMessage[r.MessageID] == "" {
					ref, found, err := newestStored(ctx, lookup, string(feedbackbot.PlatformDiscord)+"/"+hdr.Guild.ID+"/"+r.MessageID)
					if err != nil {
						return fmt.Errorf("discord export %s: store: look up message %s: %w", name, r.MessageID, err)
					}
					if found && ref.Role == feedbackbot.RoleCustomer {
						accounts.remember(r.MessageID, ref.Account)
					}
				}
				ev, reason, err := convertExport(hdr, m, opts, accounts)
				if err != nil {
					invalid(i, m.ID, err)
					break
				}
				if reason != "" {
					sum.Skipped[reason]++
					break
				}
				skip, newer, err := storedAsNew(ctx, lookup, ev.Message)
				if err != nil {
					return fmt.Errorf("discord export %s: store: look up message %s: %w", name, ev.Message.ID, err)
				}
				if newer {
					sum.Skipped[skipStoredNewer]++
				}
				if skip {
					break
				}
				batch = append(batch, ev)
				if len(batch) >= opts.Batch {
					if err := flush(); err != nil {
						return err
					}
				}
				if sink != nil && opts.Progress != nil && sum.Messages%10_000 == 0 {
					fmt.Fprintf(opts.Progress, "  %d messages, %d new\n", sum.Messages, sum.Appended)
				}
			}
			c, err := j.peek()
			switch {
			case err != nil:
				return broken("the messages list after "+messageName(i), noEOF(err))
			case c == ']':
				j.take()
				return nil
			case c != ',':
				return broken("the messages list after "+messageName(i), fmt.Errorf("%w %q (want , or ])", errSyntax, c))
			}
			j.take()
		}
	}
	if c, err := j.peek(); err == nil && c == '}' {
		j.take()
	} else {
		for {
			if c, err := j.peek(); err != nil || c != '"' {
				if err != nil {
					return broken("a field name", noEOF(err))
				}
				return broken("a field name", fmt.Errorf("%w %q", errSyntax, c))
			}
			raw, err := j.value(maxHeaderBytes)
			if err != nil {
				return broken("a field name", err)
			}
			var key string
			if err := json.Unmarshal(raw, &key); err != nil {
				return broken("a field name", err)
			}
			if _, err := expect(fmt.Sprintf("%q", clip(key, 40)), ":"); err != nil {
				return err
			}
			if key == "messages" {
				if err := decodeHeader(rawHeader, &hdr); err != nil {
					return bad("%v", err)
				}
				sawMessages = true
				if err := messages(); err != nil {
					return err
				}
			} else {
				raw, err := j.value(maxHeaderBytes)
				if err != nil {
					return broken(fmt.Sprintf("%q", clip(key, 40)), err)
				}
				// Only the guild and the channel are kept; other fields (dateRange,
				// exportedAt, ...) are dropped at once.
				if key == "guild" || key == "channel" {
					if !json.Valid(raw) {
						return broken(fmt.Sprintf("%q", key), errors.New("not valid JSON"))
					}
					rawHeader[key] = bytes.Clone(raw)
				}
			}
			c, err := expect("the export's object", ",}")
			if err != nil {
				return err
			}
			if c == '}' {
				break
			}
		}
	}
	if _, err := j.peek(); err != io.EOF {
		// a second export pasted after the first, or garbage: its messages would be lost
		return bad("data after the export's JSON object at byte %d", j.off)
	}
	if !sawMessages {
		return bad(`no "messages" list: is this a DiscordChatExporter JSON export?`)
	}
	return flush()
}

func decodeHeader(raw map[string]json.RawMessage, hdr *dceHeader) error {
	b, err := json.Marshal(raw)
	if err != nil {
		return err
	}
	if err := json.Unmarshal(b, hdr); err != nil {
		return fmt.Errorf("guild or channel header is malformed: %v", err)
	}
	switch {
	case !snowflake(hdr.Guild.ID):
		return fmt.Errorf(`"guild.id" must come before "messages" and be a Discord id, got %q`, clip(hdr.Guild.ID, maxID))
	case !snowflake(hdr.Channel.ID):
		return fmt.Errorf(`"channel.id" must come before "messages" and be a Discord id, got %q`, clip(hdr.Channel.ID, maxID))
	case hdr.Channel.CategoryID != "" && !snowflake(hdr.Channel.CategoryID):
		return fmt.Errorf(`"channel.categoryId" is not a Discord id: %q`, clip(hdr.Channel.CategoryID, maxID))
	}
	return nil
}

// skipNoText is the Skipped reason of a message without text.
const skipNoText = "no text (attachments or stickers only)"

// skipReason is skipNoText for a message without text (as it was counted before its
// account was looked at), else reason.
func skipReason(noText bool, reason string) string {
	if noText {
		return skipNoText
	}
	return reason
}

// snowflake accepts decimal ids of 1 to 20 digits.
func snowflake(s string) bool {
	if s == "" || len(s) > 20 {
		return false
	}
	for _, c := range s {
		if c < '0' || c > '9' {
			return false
		}
	}
	return true
}

// convertExport turns one exported message into a put event, or a skip reason.
func convertExport(hdr dceHeader, m dceMessage, opts ImportOptions, accounts *recentAccounts) (feedbackbot.Event, string, error) {
	if !snowflake(m.ID) {
		return feedbackbot.Event{}, "", errors.New("the id is not a Discord id")
	}
	if m.Author == nil || !snowflake(m.Author.ID) {
		return feedbackbot.Event{}, "", errors.New("the author is missing or has no Discord id")
	}
	t, err := time.Parse(time.RFC3339Nano, m.Timestamp)
	if err != nil {
		return feedbackbot.Event{}, "", fmt.Errorf("bad timestamp %q", clip(m.Timestamp, 40))
	}
	switch {
	case m.Type != "Default" && m.Type != "Reply":
		return feedbackbot.Event{}, "system message (" + clip(m.Type, 30) + ")", nil
	case m.Author.IsBot:
		return feedbackbot.Event{}, "bot message", nil
	}
	noText := strings.TrimSpace(m.Content) == "" // skipped below, once its account is known
	channel, thread := hdr.Channel.ID, ""
	if strings.Contains(hdr.Channel.Type, "Thread") && hdr.Channel.CategoryID != "" {
		channel = hdr.Channel.CategoryID // a thread's category is its parent channel
		if m.ID != hdr.Channel.ID {
			thread = hdr.Channel.ID
		}
	}
	if len(opts.Guilds) > 0 && !slices.Contains(opts.Guilds, hdr.Guild.ID) {
		return feedbackbot.Event{}, skipReason(noText, skipOtherGuild), nil
	}
	ci := channelInfo{id: hdr.Channel.ID, parent: channel, thread: channel != hdr.Channel.ID}
	if reason := channelSkip(ci, opts.Channels, opts.IgnoreChannels, opts.InternalChannels); reason != "" {
		return feedbackbot.Event{}, skipReason(noText, reason), nil
	}
	out := feedbackbot.Message{ID: m.ID, Platform: feedbackbot.PlatformDiscord, Workspace: hdr.Guild.ID, Channel: channel,
		ChannelName: hdr.Channel.Name, Thread: thread, Author: m.Author.ID, AuthorName: cmpOr(m.Author.Nickname, m.Author.Name),
		Text: m.Content, Time: t, Permalink: "https://discord.com/channels/" + hdr.Guild.ID + "/" + hdr.Channel.ID + "/" + m.ID}
	if m.TimestampEdited != nil {
		// (a bad one was ignored, and the message imported as never edited: a later
		// edit in the export then counted as older than the stored copy)
		et, err := time.Parse(time.RFC3339Nano, *m.TimestampEdited)
		if err != nil {
			return feedbackbot.Event{}, "", fmt.Errorf("timestampEdited %q is not an RFC 3339 time", clip(*m.TimestampEdited, 40))
		}
		out.EditedAt = et.UTC()
	}
	if m.Reference != nil && snowflake(m.Reference.MessageID) {
		out.ReplyTo = m.Reference.MessageID
	}
	for _, r := range m.Reactions {
		name := cmpOr(r.Emoji.Name, r.Emoji.ID)
		if name != "" && r.Count > 0 {
			if out.Reactions == nil {
				out.Reactions = map[string]int{}
			}
			// (saturating: two counts near the largest int overflowed to −2, a
			// review found; Normalize then cuts it to MaxReactionCount)
			n := out.Reactions[clip(name, 64)]
			out.Reactions[clip(name, 64)] = n + min(r.Count, math.MaxInt-n)
		}
	}
	staff := m.Author.staff(opts)
	mapped, isMapped := opts.ChannelAccounts[hdr.Channel.ID]
	if !isMapped {
		mapped, isMapped = opts.ChannelAccounts[channel]
	}
	if staff {
		out.Role = feedbackbot.RoleStaff
		switch {
		case isMapped:
			out.Account = mapped
		case out.ReplyTo != "" && accounts.byMessage[out.ReplyTo] != "":
			out.Account = accounts.byMessage[out.ReplyTo]
		default: // (the customers it mentions, when of one account)
			out.Account = cmpOr(m.mentionedAccount(opts), accounts.lastInConv)
		}
	} else {
		out.Role = feedbackbot.RoleCustomer
		out.Account = m.Author.account(opts)
		if isMapped {
			out.Account = mapped
		}
		if noText {
			// A staff reply to a screenshot counts for its author, as live
			// capture has it (it went to whoever wrote text last, a review found).
			accounts.remember(m.ID, out.Account)
		} else {
			accounts.add(m.ID, out.Account)
		}
	}
	if noText {
		return feedbackbot.Event{}, skipNoText, nil
	}
	out.AccountName = opts.AccountNames[out.Account]
	if out.AccountName == "" && out.Account == m.Author.ID {
		out.AccountName = out.AuthorName
	}
	if err := out.Normalize(); err != nil {
		return feedbackbot.Event{}, "", err
	}
	return feedbackbot.Event{Kind: feedbackbot.EventPut, Message: out}, "", nil
}
