package store

// A compact binary form of a Stored record, for stores that read many records a
// request (Redis: account health reads some 16,000 of them a digest). The JSON
// form spends most of its bytes and most of its decoding on member names,
// quoting and time parsing; this one is the values alone, in a fixed order,
// strings as a length and their bytes.
//
//	0x01                              version (JSON starts with '{' or a space)
//	14 strings                        id, platform, workspace, channel, channel
//	                                  name, thread, reply to, author, author name,
//	                                  role, account, account name, text, permalink
//	flags                             1 truncated, 2 needs reply, 4 edited, 8 themes
//	                                  not null
//	time                              unix seconds (varint), nanoseconds (uvarint),
//	                                  zone (varint: 1 for UTC, else twice the
//	                                  offset in seconds)
//	edited time                       the same, when flag 4
//	reactions                         count (uvarint), then name and count (varint)
//	                                  each, names in order
//	label, score, emotion             a string, 8 bytes (IEEE 754, little-endian),
//	                                  a string
//	themes                            count (uvarint), then each (none when null)
//	intent, analyzer                  strings
//
// A string is its length (uvarint) and its bytes, valid UTF-8 (invalid bytes are
// replaced with U+FFFD when written, as JSON's encoder replaces them). A change to
// the fields is a new version byte; every version stays readable.
//
// It holds exactly what the JSON does, and a record decodes to what its JSON
// decodes to, the times' zones included (UTC for offset 0, Local where the offset
// is Local's then, a fixed zone otherwise, as time.Time's UnmarshalJSON does);
// encoding fails where AppendStored's does.

import (
	"encoding/binary"
	"fmt"
	"math"
	"slices"
	"time"
	"unicode/utf8"
	"unsafe"

	"github.com/feedbackbot/feedbackbot"
)

// binVersion is the first byte of a binary record.
const binVersion = 0x01

// The flags byte.
const (
	binTruncated = 1 << iota
	binNeedsReply
	binEdited
	binThemes
)

// IsBinaryStored reports whether data is a binary record (AppendStoredBinary)
// rather than JSON.
func IsBinaryStored(data string) bool { return len(data) > 0 && data[0] == binVersion }

// AppendStoredBinary appends the binary form of s. It fails where AppendStored
// does: a time outside years 0-9999 or at an offset of a day or more, a NaN or
// infinite score.
func AppendStoredBinary(b []byte, s *Stored) ([]byte, error) {
	m, t := &s.Message, &s.Tags
	if math.IsNaN(t.Sentiment.Score) || math.IsInf(t.Sentiment.Score, 0) {
		return nil, fmt.Errorf("encode score: unsupported value %v", t.Sentiment.Score)
	}
	tm, err := binTime(m.Time)
	if err != nil {
		return nil, fmt.Errorf("encode message time: %w", err)
	}
	var edited time.Time
	if !m.EditedAt.IsZero() {
		if edited, err = binTime(m.EditedAt); err != nil {
			return nil, fmt.Errorf("encode message edit time: %w", err)
		}
	}
	b = slices.Grow(b, 96+len(m.ID)+len(m.Workspace)+len(m.Channel)+len(m.ChannelName)+len(m.Thread)+
		len(m.Author)+len(m.AuthorName)+len(m.Account)+len(m.AccountName)+len(m.Text)+len(m.Permalink)+len(t.Analyzer))
	b = append(b, binVersion)
	for _, f := range [...]string{m.ID, string(m.Platform), m.Workspace, m.Channel, m.ChannelName, m.Thread,
		m.ReplyTo, m.Author, m.AuthorName, string(m.Role), m.Account, m.AccountName, m.Text, m.Permalink} {
		b = appendBinString(b, f)
	}
	var flags byte
	if m.Truncated {
		flags |= binTruncated
	}
	if t.NeedsReply {
		flags |= binNeedsReply
	}
	if !m.EditedAt.IsZero() {
		flags |= binEdited
	}
	if t.Themes != nil {
		flags |= binThemes
	}
	b = appendBinTime(append(b, flags), tm)
	if !m.EditedAt.IsZero() {
		b = appendBinTime(b, edited)
	}
	b = binary.AppendUvarint(b, uint64(len(m.Reactions)))
	if len(m.Reactions) > 0 {
		names := make([]string, 0, len(m.Reactions))
		for name := range m.Reactions {
			names = append(names, name)
		}
		slices.Sort(names)
		for _, name := range names {
			b = binary.AppendVarint(appendBinString(b, name), int64(m.Reactions[name]))
		}
	}
	b = appendBinString(b, string(t.Sentiment.Label))
	b = binary.LittleEndian.AppendUint64(b, math.Float64bits(t.Sentiment.Score))
	b = appendBinString(b, string(t.Sentiment.Emotion))
	if t.Themes != nil {
		b = binary.AppendUvarint(b, uint64(len(t.Themes)))
		for _, th := range t.Themes {
			b = appendBinString(b, th)
		}
	}
	b = appendBinString(b, string(t.Intent))
	return appendBinString(b, t.Analyzer), nil
}

// binTime is t as the JSON form holds it, or the error writing it there gives (a
// year outside 0-9999, an offset of a day or more). A time at offset 0 is held as
// it is; another is written as JSON writes it and read back, so that an offset of
// a fraction of a minute (whose seconds JSON drops) comes back as from JSON.
func binTime(t time.Time) (time.Time, error) {
	if _, off := t.Zone(); off != 0 {
		text, err := t.AppendText(nil)
		if err != nil {
			return t, err
		}
		var back time.Time
		if err := back.UnmarshalText(text); err != nil {
			return t, err
		}
		return back, nil
	}
	if y := t.Year(); y < 0 || y > 9999 {
		return t, fmt.Errorf("year outside of range [0,9999]")
	}
	return t.UTC(), nil // (JSON writes offset 0 as Z, read as UTC)
}

func appendBinString(b []byte, s string) []byte {
	if utf8.ValidString(s) {
		return append(binary.AppendUvarint(b, uint64(len(s))), s...)
	}
	v := appendValidUTF8(nil, []byte(s))
	return append(binary.AppendUvarint(b, uint64(len(v))), v...)
}

// appendBinTime appends a time binTime returned. Its zone is twice its offset,
// plus one for UTC: the JSON form tells Z (UTC) from +00:00 (Local where Local is
// at offset 0 then, else a zone of offset 0), which a time whose offset was a few
// seconds comes back as.
func appendBinTime(b []byte, t time.Time) []byte {
	_, off := t.Zone()
	zone := 2 * int64(off)
	if t.Location() == time.UTC {
		zone = 1
	}
	b = binary.AppendVarint(b, t.Unix())
	b = binary.AppendUvarint(b, uint64(t.Nanosecond()))
	return binary.AppendVarint(b, zone)
}

// DecodeStoredBinaryShared decodes a binary record (AppendStoredBinary) held in an
// immutable string into s, as DecodeStoredShared decodes JSON: its strings share
// data's memory. Truncated or malformed input is an error naming the offset, and
// leaves s zero.
func DecodeStoredBinaryShared(data string, s *Stored) error {
	rest, err := DecodeStoredBinaryPrefix(data, s)
	if err == nil && rest != "" {
		*s = Stored{}
		return fmt.Errorf("decode binary record: %d bytes after the record at offset %d", len(rest), len(data)-len(rest))
	}
	return err
}

// DecodeStoredBinaryPrefix decodes the binary record that data starts with, as
// DecodeStoredBinaryShared does, and returns what follows it: a store may keep
// fields of its own after the record (the embedded store keeps a record's applied
// stamp and rollup contributions there).
func DecodeStoredBinaryPrefix(data string, s *Stored) (rest string, err error) {
	*s = Stored{}
	if !IsBinaryStored(data) {
		return "", fmt.Errorf("decode binary record: not one (%.8q)", data)
	}
	d := BinaryReader{data: data, pos: 1}
	m, t := &s.Message, &s.Tags
	var role, platform string
	for _, dst := range [...]*string{&m.ID, &platform, &m.Workspace, &m.Channel, &m.ChannelName, &m.Thread,
		&m.ReplyTo, &m.Author, &m.AuthorName, &role, &m.Account, &m.AccountName, &m.Text, &m.Permalink} {
		*dst = d.Str()
	}
	m.Platform, m.Role = feedbackbot.Platform(platform), feedbackbot.Role(role)
	flags := d.byte()
	m.Truncated, t.NeedsReply = flags&binTruncated != 0, flags&binNeedsReply != 0
	m.Time = d.time()
	if flags&binEdited != 0 {
		m.EditedAt = d.time()
	}
	if n := d.Count(); n > 0 {
		m.Reactions = make(map[string]int, n)
		for range n {
			name := d.Str()
			m.Reactions[name] = int(d.Varint())
		}
	}
	t.Sentiment.Label = feedbackbot.SentimentLabel(d.Str())
	t.Sentiment.Score = math.Float64frombits(d.uint64())
	t.Sentiment.Emotion = feedbackbot.Emotion(d.Str())
	if flags&binThemes != 0 {
		n := d.Count()
		t.Themes = make([]string, n)
		for i := range t.Themes {
			t.Themes[i] = d.Str()
		}
	}
	t.Intent = feedbackbot.Intent(d.Str())
	t.Analyzer = d.Str()
	if d.err != nil {
		*s = Stored{}
		return "", d.err
	}
	return data[d.pos:], nil
}

// StoredBinaryLen is the length of the binary record data starts with, as
// DecodeStoredBinaryPrefix reads it, without decoding it: a store that keeps
// fields of its own after the record, and must copy what it decodes out of
// memory it does not own, copies the record alone (the embedded store's
// contributions after it are a third of its bytes, read by no query).
func StoredBinaryLen(data string) (int, error) {
	if !IsBinaryStored(data) {
		return 0, fmt.Errorf("decode binary record: not one (%.8q)", data)
	}
	d := BinaryReader{data: data, pos: 1}
	for range 14 { // the message's strings, as DecodeStoredBinaryPrefix lists them
		d.Str()
	}
	flags := d.byte()
	skipTime := func() { d.Varint(); d.Uvarint(); d.Varint() }
	skipTime()
	if flags&binEdited != 0 {
		skipTime()
	}
	for range d.Count() { // reactions
		d.Str()
		d.Varint()
	}
	d.Str() // sentiment label
	d.uint64()
	d.Str() // emotion
	if flags&binThemes != 0 {
		for range d.Count() {
			d.Str()
		}
	}
	d.Str() // intent
	d.Str() // analyzer
	if d.err != nil {
		return 0, d.err
	}
	return d.pos, nil
}

// BinaryReader reads a binary record, or fields a store keeps after one in the
// same pieces (strings as a length and their bytes, binary.AppendUvarint,
// binary.AppendVarint); the
// first error stops it (later reads return zero values) and is kept.
type BinaryReader struct {
	data string
	pos  int
	err  error
}

// NewBinaryReader reads data from its start.
func NewBinaryReader(data string) *BinaryReader { return &BinaryReader{data: data} }

// End is the first error, or one for bytes left unread.
func (d *BinaryReader) End() error {
	if d.err == nil && d.pos != len(d.data) {
		d.Fail("%d bytes after the record", len(d.data)-d.pos)
	}
	return d.err
}

// Err is the first error, nil when every read so far was good.
func (d *BinaryReader) Err() error { return d.err }

// Fail stops the reader with an error (the first is kept), for a value read that
// its caller finds wrong.
func (d *BinaryReader) Fail(format string, args ...any) {
	if d.err == nil {
		d.err = fmt.Errorf("decode binary record: %s at offset %d", fmt.Sprintf(format, args...), d.pos)
	}
	d.pos = len(d.data)
}

func (d *BinaryReader) bytes() []byte {
	return unsafe.Slice(unsafe.StringData(d.data[d.pos:]), len(d.data)-d.pos)
}

// Uvarint reads an unsigned number (binary.AppendUvarint).
func (d *BinaryReader) Uvarint() uint64 {
	if d.err != nil {
		return 0
	}
	v, n := binary.Uvarint(d.bytes())
	if n <= 0 {
		d.Fail("a number is cut off or too long")
		return 0
	}
	d.pos += n
	return v
}

// Varint reads a signed number, zig-zag encoded as binary.AppendVarint writes it.
func (d *BinaryReader) Varint() int64 {
	u := d.Uvarint()
	return int64(u>>1) ^ -int64(u&1)
}

// Count reads a count of things of at least a byte each: no more than remain.
func (d *BinaryReader) Count() int {
	n := d.Uvarint()
	if n > uint64(len(d.data)-d.pos) {
		d.Fail("a count of %d with %d bytes left", n, len(d.data)-d.pos)
		return 0
	}
	return int(n)
}

// Str reads a string (its length, then its bytes), sharing the data's memory.
func (d *BinaryReader) Str() string {
	n := d.Count()
	if d.err != nil {
		return ""
	}
	s := d.data[d.pos : d.pos+n]
	d.pos += n
	return s
}

func (d *BinaryReader) byte() byte {
	if d.err != nil {
		return 0
	}
	if d.pos >= len(d.data) {
		d.Fail("the record ends early")
		return 0
	}
	d.pos++
	return d.data[d.pos-1]
}

func (d *BinaryReader) uint64() uint64 {
	if d.err != nil {
		return 0
	}
	if len(d.data)-d.pos < 8 {
		d.Fail("the record ends early")
		return 0
	}
	v := binary.LittleEndian.Uint64(d.bytes())
	d.pos += 8
	return v
}

func (d *BinaryReader) time() time.Time {
	sec, nsec, zone := d.Varint(), d.Uvarint(), d.Varint()
	if d.err != nil {
		return time.Time{}
	}
	off := zone / 2
	if nsec >= 1e9 || off <= -24*3600 || off >= 24*3600 || (zone%2 != 0 && zone != 1) {
		d.Fail("a time of %d s, %d ns, zone %d", sec, nsec, zone)
		return time.Time{}
	}
	t := time.Unix(sec, int64(nsec))
	if zone == 1 {
		return t.UTC()
	}
	// As time.Parse, which the JSON form is read with: Local where its offset
	// then is this one, else a zone of this offset without a name.
	if local := t.In(time.Local); localOffset(local) == int(off) {
		return local
	}
	return t.In(time.FixedZone("", int(off)))
}

func localOffset(t time.Time) int {
	_, off := t.Zone()
	return off
}
