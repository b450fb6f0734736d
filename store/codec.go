package store

// A hand-written JSON codec for Stored records and rollup counters. Decoding stored
// records with encoding/json was over half of a digest's CPU (reflection, plus the
// garbage of its scanner); these functions read and write exactly the JSON
// encoding/json does for these types, without reflection, so existing data stays
// readable and new data is byte-for-byte what json.Marshal wrote.
//
// The decoders accept what json.Unmarshal accepts into the same types and reject
// what it rejects: members in any order, unknown members skipped, keys matched
// exactly first and then case-insensitively, null leaving a field alone (and
// clearing a map or slice), all string escapes, invalid UTF-8 and invalid
// surrogates replaced with U+FFFD, duplicate members merged as encoding/json merges
// them. Errors name what was wrong and its offset; their text is not
// encoding/json's.

import (
	"bytes"
	"fmt"
	"math"
	"slices"
	"strconv"
	"time"
	"unicode/utf16"
	"unicode/utf8"
	"unsafe"

	"github.com/feedbackbot/feedbackbot"
)

// maxDepth is encoding/json's nesting limit: deeper input is a syntax error.
const maxDepth = 10000

// DecodeStored decodes the JSON of a Stored record (what json.Marshal of a Stored
// writes) into s, as json.Unmarshal(data, s) would. Strings never alias data.
func DecodeStored(data []byte, s *Stored) error {
	return DecodeStoredWith(data, s, nil)
}

// DecodeStoredShared is DecodeStored for a record held in an immutable string: the
// decoded strings that needed no unescaping share data's memory instead of being
// copied (a record read from Redis is a fresh string go-redis never reuses; a record
// read from bbolt must be copied, since its memory is the database's map). Every
// string of a record then keeps the whole record's memory alive.
func DecodeStoredShared(data string, s *Stored) error {
	d := decoder{data: unsafe.Slice(unsafe.StringData(data), len(data)), shared: true}
	if err := d.top(); err != nil {
		return err
	}
	return d.end(d.stored(s, nil))
}

// DecodeStoredWith is DecodeStored for a record with more top-level members next to
// message and tags: other gets each such member's name (unescaped) and raw value
// (valid JSON, aliasing data) and its error stops decoding. With other nil they are
// skipped.
func DecodeStoredWith(data []byte, s *Stored, other func(name, raw []byte) error) error {
	d := decoder{data: data}
	if err := d.top(); err != nil {
		return err
	}
	return d.end(d.stored(s, other))
}

// DecodeEvent decodes the JSON of a capture-log event (what json.Marshal of a
// feedbackbot.Event writes) into e, as json.Unmarshal(data, e) would. Every
// analysis worker, import and reanalyze reads each entry of the log this way.
func DecodeEvent(data []byte, e *feedbackbot.Event) error {
	d := decoder{data: data}
	if err := d.top(); err != nil {
		return err
	}
	return d.end(d.event(e))
}

// DecodeCounters decodes a JSON object of name -> integer (a rollup's counts, a
// record's contributions) into into, as json.Unmarshal into a non-nil map would:
// members are added to what into holds, a null value counts 0. A top-level null
// leaves into alone (json.Unmarshal would set the map to nil).
func DecodeCounters(data []byte, into map[string]int64) error {
	d := decoder{data: data}
	if err := d.top(); err != nil {
		return err
	}
	return d.end(d.counters(into))
}

// DecodeCountersOf is DecodeCounters keeping only the counters named (the others
// are read, checked and dropped without a string or a map entry each): for a
// reader that wants two counters of a record of dozens. With no names it keeps
// nothing (DecodeCounters keeps all).
func DecodeCountersOf(data []byte, names []string, into map[string]int64) error {
	d := decoder{data: data}
	if err := d.top(); err != nil {
		return err
	}
	if ok, err := d.structStart("an object of counters"); !ok {
		return d.end(err)
	}
	return d.end(d.members(func(key []byte) error {
		n, err := d.count()
		if err != nil {
			return err
		}
		for _, name := range names {
			if string(key) == name {
				into[name] = n
				break
			}
		}
		return nil
	}))
}

// DecodeString decodes a JSON string into dst as json.Unmarshal would (null leaves
// dst alone).
func DecodeString(data []byte, dst *string) error {
	d := decoder{data: data}
	if err := d.top(); err != nil {
		return err
	}
	return d.end(d.stringField(dst))
}

type decoder struct {
	data    []byte
	pos     int
	depth   int
	scratch []byte // unescaped strings and keys
	// shared: data is an immutable string's memory, and a string read straight from
	// it (inData: the last stringBytes returned part of data, not of scratch) may
	// share it.
	shared, inData bool
}

// str is b as a string: b itself when it is part of shared data, else a copy.
func (d *decoder) str(b []byte) string {
	if d.shared && d.inData && len(b) > 0 {
		return unsafe.String(unsafe.SliceData(b), len(b))
	}
	return string(b)
}

// DecodeError is a malformed record or one of a type encoding/json would refuse.
type DecodeError struct {
	Offset int64
	Msg    string
}

func (e *DecodeError) Error() string {
	return fmt.Sprintf("decode stored JSON: %s at offset %d", e.Msg, e.Offset)
}

func (d *decoder) errorf(format string, args ...any) error {
	return &DecodeError{Offset: int64(d.pos), Msg: fmt.Sprintf(format, args...)}
}

func (d *decoder) syntax(what string) error {
	if d.pos >= len(d.data) {
		return d.errorf("unexpected end of input, want %s", what)
	}
	return d.errorf("invalid character %q, want %s", d.data[d.pos], what)
}

func (d *decoder) typeError(want string) error {
	return d.errorf("cannot decode %s into %s", d.kind(), want)
}

// kind names the JSON value starting at pos.
func (d *decoder) kind() string {
	if d.pos >= len(d.data) {
		return "end of input"
	}
	switch c := d.data[d.pos]; {
	case c == '"':
		return "a string"
	case c == '{':
		return "an object"
	case c == '[':
		return "an array"
	case c == 't' || c == 'f':
		return "a bool"
	case c == 'n':
		return "null"
	case c == '-' || c >= '0' && c <= '9':
		return "a number"
	}
	return fmt.Sprintf("invalid character %q", d.data[d.pos])
}

func isSpace(c byte) bool { return c == ' ' || c == '\n' || c == '\r' || c == '\t' }

func (d *decoder) ws() {
	for d.pos < len(d.data) && isSpace(d.data[d.pos]) {
		d.pos++
	}
}

// top skips leading whitespace and checks there is a value.
func (d *decoder) top() error {
	d.ws()
	if d.pos >= len(d.data) {
		return d.syntax("a value")
	}
	return nil
}

// end passes on err, the top-level value's error, or else checks nothing but
// whitespace follows that value.
func (d *decoder) end(err error) error {
	if err != nil {
		return err
	}
	d.ws()
	if d.pos != len(d.data) {
		return d.errorf("invalid character %q after top-level value", d.data[d.pos])
	}
	return nil
}

func (d *decoder) literal(lit string) error {
	if len(d.data)-d.pos >= len(lit) && string(d.data[d.pos:d.pos+len(lit)]) == lit {
		d.pos += len(lit)
		return nil
	}
	for i := 0; d.pos < len(d.data) && d.data[d.pos] == lit[i]; i++ {
		d.pos++ // to the offending byte
	}
	return d.syntax("literal " + lit)
}

// objectStart consumes '{' and reports whether a member follows.
func (d *decoder) objectStart() (bool, error) {
	d.pos++ // '{'
	if d.depth++; d.depth > maxDepth {
		return false, d.errorf("exceeded max depth")
	}
	d.ws()
	if d.pos < len(d.data) && d.data[d.pos] == '}' {
		d.pos++
		d.depth--
		return false, nil
	}
	return true, nil
}

// objectNext consumes ',' (true: another member follows) or '}' after a member.
func (d *decoder) objectNext() (bool, error) {
	d.ws()
	if d.pos < len(d.data) {
		switch d.data[d.pos] {
		case ',':
			d.pos++
			return true, nil
		case '}':
			d.pos++
			d.depth--
			return false, nil
		}
	}
	return false, d.syntax("',' or '}' after object member")
}

// members reads the object at pos (its '{'), calling member for each member with
// pos at the value, which member must read or skip; the first error ends it. The
// key aliases data or the scratch buffer: valid until the next string is read.
func (d *decoder) members(member func(key []byte) error) error {
	more, err := d.objectStart()
	for err == nil && more {
		var key []byte
		if key, err = d.key(); err != nil {
			return err
		}
		if err = member(key); err != nil {
			return err
		}
		more, err = d.objectNext()
	}
	return err
}

// key reads a member's name and the ':' after it, leaving pos at the value. The name
// aliases data or the scratch buffer: valid until the next string is read.
func (d *decoder) key() ([]byte, error) {
	d.ws()
	if d.pos >= len(d.data) || d.data[d.pos] != '"' {
		return nil, d.syntax("string for object key")
	}
	k, err := d.stringBytes()
	if err != nil {
		return nil, err
	}
	d.ws()
	if d.pos >= len(d.data) || d.data[d.pos] != ':' {
		return nil, d.syntax("':' after object key")
	}
	d.pos++
	d.ws()
	if d.pos >= len(d.data) {
		return nil, d.syntax("a value")
	}
	return k, nil
}

// stringBytes reads the string at pos (a '"'), returning its unescaped, valid UTF-8
// content: a slice of data when nothing needed changing, else of the scratch buffer.
func (d *decoder) stringBytes() ([]byte, error) {
	start := d.pos + 1
	i := start
	ascii := true
	for {
		if i >= len(d.data) {
			d.pos = i
			return nil, d.syntax("'\"' ending the string")
		}
		c := d.data[i]
		if c == '"' {
			s := d.data[start:i]
			d.pos = i + 1
			if ascii || utf8.Valid(s) {
				d.inData = true
				return s, nil
			}
			return d.unquote(start, i)
		}
		if c == '\\' {
			return d.unquote(start, i)
		}
		if c < 0x20 {
			d.pos = i
			return nil, d.errorf("invalid control character %q in string", c)
		}
		if c >= utf8.RuneSelf {
			ascii = false
		}
		i++
	}
}

// unquote decodes the string starting at start (after the quote) into the scratch
// buffer; data[start:i] needs nothing but the UTF-8 check.
func (d *decoder) unquote(start, i int) ([]byte, error) {
	d.inData = false
	end := i // the closing quote, roughly: to size the buffer once
	for end < len(d.data) && d.data[end] != '"' {
		if d.data[end] == '\\' {
			end++
		}
		end++
	}
	if n := end - start + 8; cap(d.scratch) < n {
		d.scratch = make([]byte, 0, max(n, 64))
	}
	b := appendValidUTF8(d.scratch[:0], d.data[start:i])
	for {
		if i >= len(d.data) {
			d.pos = i
			return nil, d.syntax("'\"' ending the string")
		}
		c := d.data[i]
		switch {
		case c == '"':
			d.pos = i + 1
			d.scratch = b
			return b, nil
		case c < 0x20:
			d.pos = i
			return nil, d.errorf("invalid control character %q in string", c)
		case c == '\\':
			if i+1 >= len(d.data) {
				d.pos = i + 1
				return nil, d.syntax("escape character")
			}
			switch e := d.data[i+1]; e {
			case '"', '\\', '/':
				b = append(b, e)
				i += 2
			case 'b':
				b = append(b, '\b')
				i += 2
			case 'f':
				b = append(b, '\f')
				i += 2
			case 'n':
				b = append(b, '\n')
				i += 2
			case 'r':
				b = append(b, '\r')
				i += 2
			case 't':
				b = append(b, '\t')
				i += 2
			case 'u':
				r := hex4(d.data[i+2:])
				if r < 0 {
					d.pos = i + 2
					return nil, d.syntax("four hex digits after \\u")
				}
				i += 6
				if utf16.IsSurrogate(r) {
					// As encoding/json: a valid pair is one rune, anything else makes
					// this escape U+FFFD and leaves what follows to be read on its own.
					if i+1 < len(d.data) && d.data[i] == '\\' && d.data[i+1] == 'u' {
						if r2 := hex4(d.data[i+2:]); r2 >= 0 {
							if dec := utf16.DecodeRune(r, r2); dec != utf8.RuneError {
								b = utf8.AppendRune(b, dec)
								i += 6
								break
							}
						}
					}
					r = utf8.RuneError
				}
				b = utf8.AppendRune(b, r)
			default:
				d.pos = i + 1
				return nil, d.syntax("escape character")
			}
		case c < utf8.RuneSelf:
			b = append(b, c)
			i++
		default:
			r, size := utf8.DecodeRune(d.data[i:])
			if r == utf8.RuneError && size == 1 {
				b = append(b, "\uFFFD"...)
			} else {
				b = append(b, d.data[i:i+size]...)
			}
			i += size
		}
	}
}

// appendValidUTF8 appends s with each invalid byte replaced by U+FFFD.
func appendValidUTF8(b, s []byte) []byte {
	for i := 0; i < len(s); {
		if s[i] < utf8.RuneSelf {
			b = append(b, s[i])
			i++
			continue
		}
		r, size := utf8.DecodeRune(s[i:])
		if r == utf8.RuneError && size == 1 {
			b = append(b, "\uFFFD"...)
		} else {
			b = append(b, s[i:i+size]...)
		}
		i += size
	}
	return b
}

func hex4(s []byte) rune {
	if len(s) < 4 {
		return -1
	}
	var r rune
	for _, c := range s[:4] {
		switch {
		case '0' <= c && c <= '9':
			c -= '0'
		case 'a' <= c && c <= 'f':
			c = c - 'a' + 10
		case 'A' <= c && c <= 'F':
			c = c - 'A' + 10
		default:
			return -1
		}
		r = r<<4 | rune(c)
	}
	return r
}

// number checks the JSON number at pos and returns it.
func (d *decoder) number() ([]byte, error) {
	start := d.pos
	data := d.data
	i := d.pos
	if i < len(data) && data[i] == '-' {
		i++
	}
	switch {
	case i < len(data) && data[i] == '0':
		i++
	case i < len(data) && '1' <= data[i] && data[i] <= '9':
		for i++; i < len(data) && '0' <= data[i] && data[i] <= '9'; i++ {
		}
	default:
		d.pos = i
		return nil, d.syntax("digit in number")
	}
	if i < len(data) && data[i] == '.' {
		i++
		if i >= len(data) || data[i] < '0' || data[i] > '9' {
			d.pos = i
			return nil, d.syntax("digit after decimal point")
		}
		for i++; i < len(data) && '0' <= data[i] && data[i] <= '9'; i++ {
		}
	}
	if i < len(data) && (data[i] == 'e' || data[i] == 'E') {
		i++
		if i < len(data) && (data[i] == '+' || data[i] == '-') {
			i++
		}
		if i >= len(data) || data[i] < '0' || data[i] > '9' {
			d.pos = i
			return nil, d.syntax("digit in exponent")
		}
		for i++; i < len(data) && '0' <= data[i] && data[i] <= '9'; i++ {
		}
	}
	d.pos = i
	return data[start:i], nil
}

// skip checks and steps over the value at pos.
func (d *decoder) skip() error {
	if d.pos >= len(d.data) {
		return d.syntax("a value")
	}
	switch c := d.data[d.pos]; {
	case c == '"':
		return d.skipString()
	case c == '{':
		return d.members(func([]byte) error { return d.skip() })
	case c == '[':
		more, err := d.arrayStart()
		for err == nil && more {
			if err = d.skip(); err == nil {
				more, err = d.arrayNext()
			}
		}
		return err
	case c == 't':
		return d.literal("true")
	case c == 'f':
		return d.literal("false")
	case c == 'n':
		return d.literal("null")
	case c == '-' || '0' <= c && c <= '9':
		_, err := d.number()
		return err
	}
	return d.syntax("a value")
}

// skipString checks and steps over a string without unescaping it.
func (d *decoder) skipString() error {
	i := d.pos + 1
	for i < len(d.data) {
		switch c := d.data[i]; {
		case c == '"':
			d.pos = i + 1
			return nil
		case c < 0x20:
			d.pos = i
			return d.errorf("invalid control character %q in string", c)
		case c == '\\':
			if i+1 >= len(d.data) {
				d.pos = i + 1
				return d.syntax("escape character")
			}
			switch d.data[i+1] {
			case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
				i += 2
			case 'u':
				if hex4(d.data[i+2:]) < 0 {
					d.pos = i + 2
					return d.syntax("four hex digits after \\u")
				}
				i += 6
			default:
				d.pos = i + 1
				return d.syntax("escape character")
			}
		default:
			i++
		}
	}
	d.pos = i
	return d.syntax("'\"' ending the string")
}

// arrayStart consumes '[' and reports whether an element follows.
func (d *decoder) arrayStart() (bool, error) {
	d.pos++
	if d.depth++; d.depth > maxDepth {
		return false, d.errorf("exceeded max depth")
	}
	d.ws()
	if d.pos < len(d.data) && d.data[d.pos] == ']' {
		d.pos++
		d.depth--
		return false, nil
	}
	if d.pos >= len(d.data) {
		return false, d.syntax("a value")
	}
	return true, nil
}

// arrayNext consumes ',' (true: another element follows) or ']' after an element.
func (d *decoder) arrayNext() (bool, error) {
	d.ws()
	if d.pos < len(d.data) {
		switch d.data[d.pos] {
		case ',':
			d.pos++
			d.ws()
			if d.pos >= len(d.data) {
				return false, d.syntax("a value")
			}
			return true, nil
		case ']':
			d.pos++
			d.depth--
			return false, nil
		}
	}
	return false, d.syntax("',' or ']' after array element")
}

// null consumes a null at pos, reporting whether there was one.
func (d *decoder) null() (bool, error) {
	if d.data[d.pos] != 'n' {
		return false, nil
	}
	return true, d.literal("null")
}

func (d *decoder) stringField(dst *string) error {
	switch d.data[d.pos] {
	case '"':
		b, err := d.stringBytes()
		if err != nil {
			return err
		}
		*dst = d.str(b)
		return nil
	case 'n':
		return d.literal("null")
	}
	return d.typeError("a string")
}

// enumField is stringField for a field with a few usual values: those are not
// allocated again for every record.
func (d *decoder) enumField(dst *string, usual []string) error {
	if d.data[d.pos] != '"' {
		return d.stringField(dst)
	}
	b, err := d.stringBytes()
	if err != nil {
		return err
	}
	for _, u := range usual {
		if string(b) == u {
			*dst = u
			return nil
		}
	}
	*dst = d.str(b)
	return nil
}

var (
	platforms = []string{string(feedbackbot.PlatformSlack), string(feedbackbot.PlatformDiscord), string(feedbackbot.PlatformManual)}
	roles     = []string{string(feedbackbot.RoleCustomer), string(feedbackbot.RoleStaff), string(feedbackbot.RoleBot)}
	labels    = []string{string(feedbackbot.Positive), string(feedbackbot.Neutral), string(feedbackbot.Negative)}
	emotions  = []string{string(feedbackbot.EmotionAnger), string(feedbackbot.EmotionFrustration), string(feedbackbot.EmotionJoy),
		string(feedbackbot.EmotionGratitude), string(feedbackbot.EmotionConfusion)}
	intents = []string{string(feedbackbot.IntentQuestion), string(feedbackbot.IntentBugReport), string(feedbackbot.IntentFeatureRequest),
		string(feedbackbot.IntentComplaint), string(feedbackbot.IntentPraise), string(feedbackbot.IntentChurnSignal), string(feedbackbot.IntentOther)}
)

func (d *decoder) boolField(dst *bool) error {
	switch d.data[d.pos] {
	case 't':
		*dst = true
		return d.literal("true")
	case 'f':
		*dst = false
		return d.literal("false")
	case 'n':
		return d.literal("null")
	}
	return d.typeError("a bool")
}

func (d *decoder) floatField(dst *float64) error {
	if ok, err := d.null(); ok || err != nil {
		return err
	}
	c := d.data[d.pos]
	if c != '-' && (c < '0' || c > '9') {
		return d.typeError("a float")
	}
	at := d.pos
	num, err := d.number()
	if err != nil {
		return err
	}
	// ParseFloat does not keep its argument (its errors copy it).
	f, err := strconv.ParseFloat(unsafe.String(unsafe.SliceData(num), len(num)), 64)
	if err != nil {
		d.pos = at
		return d.errorf("number %s out of range for a float", num)
	}
	*dst = f
	return nil
}

// intValue reads a number that must be an integer of 64 bits.
func (d *decoder) intValue() (int64, error) {
	c := d.data[d.pos]
	if c != '-' && (c < '0' || c > '9') {
		return 0, d.typeError("an integer")
	}
	at := d.pos
	num, err := d.number()
	if err != nil {
		return 0, err
	}
	n, err := strconv.ParseInt(unsafe.String(unsafe.SliceData(num), len(num)), 10, 64)
	if err != nil {
		d.pos = at
		return 0, d.errorf("number %s is not a 64-bit integer", num)
	}
	return n, nil
}

func (d *decoder) timeField(dst *time.Time) error {
	switch d.data[d.pos] {
	case '"':
		start := d.pos
		if err := d.skipString(); err != nil {
			return err
		}
		// Exactly what encoding/json does: hand the quoted bytes, escapes and all,
		// to time.Time's UnmarshalJSON.
		if err := dst.UnmarshalJSON(d.data[start:d.pos]); err != nil {
			d.pos = start
			return d.errorf("%v", err)
		}
		return nil
	case 'n':
		return d.literal("null")
	}
	return d.typeError("a time")
}

// matchField finds key among names as encoding/json matches struct fields: exactly,
// else case-insensitively (Unicode simple folding). -1 when none matches.
func matchField(key []byte, names []string) int {
	for i, n := range names {
		if string(key) == n {
			return i
		}
	}
	for i, n := range names {
		if bytes.EqualFold(key, []byte(n)) {
			return i
		}
	}
	return -1
}

var (
	eventFields   = []string{"kind", "message"}
	eventKinds    = []string{string(feedbackbot.EventPut), string(feedbackbot.EventDelete)}
	storedFields  = []string{"message", "tags"}
	messageFields = []string{"id", "platform", "workspace", "channel", "channel_name", "thread", "reply_to",
		"author", "author_name", "role", "account", "account_name", "text", "truncated", "time", "edited_at",
		"permalink", "reactions"}
	tagsFields      = []string{"sentiment", "themes", "intent", "needs_reply", "analyzer"}
	sentimentFields = []string{"label", "score", "emotion"}
)

// structStart handles what may stand for a struct: an object (true: decode its
// members), null (false, nil: left alone) or anything else (a type error).
func (d *decoder) structStart(what string) (bool, error) {
	switch d.data[d.pos] {
	case '{':
		return true, nil
	case 'n':
		return false, d.literal("null")
	}
	return false, d.typeError(what)
}

// stored is DecodeStoredWith's record: a null leaves s alone.
func (d *decoder) stored(s *Stored, other func(name, raw []byte) error) error {
	if ok, err := d.structStart("a stored record"); !ok {
		return err
	}
	return d.members(func(key []byte) error {
		switch matchField(key, storedFields) {
		case 0:
			return d.message(&s.Message)
		case 1:
			return d.tags(&s.Tags)
		}
		if other == nil {
			return d.skip()
		}
		name := key
		if len(d.scratch) > 0 && unsafe.SliceData(key) == unsafe.SliceData(d.scratch) {
			name = bytes.Clone(key) // skip may reuse the scratch buffer
		}
		start := d.pos
		if err := d.skip(); err != nil {
			return err
		}
		return other(name, d.data[start:d.pos])
	})
}

// event is DecodeEvent's event: a null leaves e alone.
func (d *decoder) event(e *feedbackbot.Event) error {
	if ok, err := d.structStart("a log event"); !ok {
		return err
	}
	return d.members(func(key []byte) error {
		switch matchField(key, eventFields) {
		case 0:
			return d.enumField((*string)(&e.Kind), eventKinds)
		case 1:
			return d.message(&e.Message)
		}
		return d.skip()
	})
}

func (d *decoder) message(m *feedbackbot.Message) error {
	if ok, err := d.structStart("a message"); !ok {
		return err
	}
	return d.members(func(key []byte) error {
		switch matchField(key, messageFields) {
		case 0:
			return d.stringField(&m.ID)
		case 1:
			return d.enumField((*string)(&m.Platform), platforms)
		case 2:
			return d.stringField(&m.Workspace)
		case 3:
			return d.stringField(&m.Channel)
		case 4:
			return d.stringField(&m.ChannelName)
		case 5:
			return d.stringField(&m.Thread)
		case 6:
			return d.stringField(&m.ReplyTo)
		case 7:
			return d.stringField(&m.Author)
		case 8:
			return d.stringField(&m.AuthorName)
		case 9:
			return d.enumField((*string)(&m.Role), roles)
		case 10:
			return d.stringField(&m.Account)
		case 11:
			return d.stringField(&m.AccountName)
		case 12:
			return d.stringField(&m.Text)
		case 13:
			return d.boolField(&m.Truncated)
		case 14:
			return d.timeField(&m.Time)
		case 15:
			return d.timeField(&m.EditedAt)
		case 16:
			return d.stringField(&m.Permalink)
		case 17:
			return d.reactions(m)
		}
		return d.skip()
	})
}

func (d *decoder) reactions(m *feedbackbot.Message) error {
	switch d.data[d.pos] {
	case 'n':
		m.Reactions = nil // null clears a map
		return d.literal("null")
	case '{':
	default:
		return d.typeError("reactions")
	}
	if m.Reactions == nil {
		m.Reactions = make(map[string]int, 4)
	}
	return d.members(func(key []byte) error {
		n, err := d.count()
		if err != nil {
			return err
		}
		if int64(int(n)) != n {
			return d.errorf("count %d overflows int", n)
		}
		m.Reactions[string(key)] = int(n)
		return nil
	})
}

// counters is DecodeCounters' object: a null leaves into alone.
func (d *decoder) counters(into map[string]int64) error {
	if ok, err := d.structStart("an object of counters"); !ok {
		return err
	}
	return d.members(func(key []byte) error {
		n, err := d.count()
		if err != nil {
			return err
		}
		into[string(key)] = n
		return nil
	})
}

// count reads a map's integer value; null stores a zero, as encoding/json does.
func (d *decoder) count() (int64, error) {
	if d.data[d.pos] == 'n' {
		return 0, d.literal("null")
	}
	return d.intValue()
}

func (d *decoder) tags(t *feedbackbot.Tags) error {
	if ok, err := d.structStart("tags"); !ok {
		return err
	}
	return d.members(func(key []byte) error {
		switch matchField(key, tagsFields) {
		case 0:
			return d.sentiment(&t.Sentiment)
		case 1:
			return d.themes(t)
		case 2:
			return d.enumField((*string)(&t.Intent), intents)
		case 3:
			return d.boolField(&t.NeedsReply)
		case 4:
			return d.stringField(&t.Analyzer)
		}
		return d.skip()
	})
}

func (d *decoder) sentiment(s *feedbackbot.Sentiment) error {
	if ok, err := d.structStart("a sentiment"); !ok {
		return err
	}
	return d.members(func(key []byte) error {
		switch matchField(key, sentimentFields) {
		case 0:
			return d.enumField((*string)(&s.Label), labels)
		case 1:
			return d.floatField(&s.Score)
		case 2:
			return d.enumField((*string)(&s.Emotion), emotions)
		}
		return d.skip()
	})
}

// themes decodes into the existing slice the way encoding/json does: elements are
// decoded in place (a null element keeps what the backing array held), the length
// becomes the array's, and an empty array makes an empty, non-nil slice.
func (d *decoder) themes(t *feedbackbot.Tags) error {
	switch d.data[d.pos] {
	case 'n':
		t.Themes = nil // null clears a slice
		return d.literal("null")
	case '[':
	default:
		return d.typeError("themes")
	}
	s := t.Themes
	if s == nil {
		// A larger capacity than encoding/json's changes nothing visible: elements
		// past those ever written are zero either way.
		s = make([]string, 0, 4)
	}
	i := 0
	more, err := d.arrayStart()
	for err == nil && more {
		if i < cap(s) {
			s = s[:i+1]
		} else {
			s = append(s, "")
		}
		if err = d.stringField(&s[i]); err != nil {
			return err
		}
		i++
		more, err = d.arrayNext()
	}
	if err != nil {
		return err
	}
	if i == 0 {
		s = []string{}
	}
	t.Themes = s[:i]
	return nil
}

// AppendStored appends the JSON of s, byte for byte what json.Marshal(s) writes. It
// fails where json.Marshal does: a time outside years 0-9999 (or with an offset RFC
// 3339 cannot write), a NaN or infinite score.
func AppendStored(b []byte, s *Stored) ([]byte, error) {
	t := &s.Tags
	b, err := appendMessage(slices.Grow(b, 320+len(s.Message.Text)), `{"message":{"id":`, &s.Message)
	if err != nil {
		return nil, err
	}
	b = appendMember(b, `,"tags":{"sentiment":{"label":`, string(t.Sentiment.Label))
	b = append(b, `,"score":`...)
	if b, err = appendFloat(b, t.Sentiment.Score); err != nil {
		return nil, err
	}
	b = appendNonEmpty(b, `,"emotion":`, string(t.Sentiment.Emotion))
	b = append(b, `},"themes":`...)
	if t.Themes == nil {
		b = append(b, "null"...)
	} else {
		b = append(b, '[')
		for i, th := range t.Themes {
			if i > 0 {
				b = append(b, ',')
			}
			b = AppendString(b, th)
		}
		b = append(b, ']')
	}
	b = appendMember(b, `,"intent":`, string(t.Intent))
	if t.NeedsReply {
		b = append(b, `,"needs_reply":true`...)
	} else {
		b = append(b, `,"needs_reply":false`...)
	}
	b = appendMember(b, `,"analyzer":`, t.Analyzer)
	return append(b, "}}"...), nil
}

// AppendEvent appends the JSON of a capture-log event, byte for byte what
// json.Marshal(e) writes; it fails where json.Marshal does (see AppendStored).
func AppendEvent(b []byte, e *feedbackbot.Event) ([]byte, error) {
	b = appendMember(slices.Grow(b, 200+len(e.Message.Text)), `{"kind":`, string(e.Kind))
	b, err := appendMessage(b, `,"message":{"id":`, &e.Message)
	if err != nil {
		return nil, err
	}
	return append(b, '}'), nil
}

// appendMessage appends before (which opens the message object, up to its id) and
// the rest of the message's object, as json.Marshal writes a feedbackbot.Message.
func appendMessage(b []byte, before string, m *feedbackbot.Message) ([]byte, error) {
	b = appendMember(b, before, m.ID)
	b = appendMember(b, `,"platform":`, string(m.Platform))
	b = appendMember(b, `,"workspace":`, m.Workspace)
	b = appendMember(b, `,"channel":`, m.Channel)
	b = appendNonEmpty(b, `,"channel_name":`, m.ChannelName)
	b = appendNonEmpty(b, `,"thread":`, m.Thread)
	b = appendNonEmpty(b, `,"reply_to":`, m.ReplyTo)
	b = appendMember(b, `,"author":`, m.Author)
	b = appendNonEmpty(b, `,"author_name":`, m.AuthorName)
	b = appendMember(b, `,"role":`, string(m.Role))
	b = appendNonEmpty(b, `,"account":`, m.Account)
	b = appendNonEmpty(b, `,"account_name":`, m.AccountName)
	b = appendMember(b, `,"text":`, m.Text)
	if m.Truncated {
		b = append(b, `,"truncated":true`...)
	}
	var err error
	b = append(b, `,"time":`...)
	if b, err = appendTime(b, m.Time); err != nil {
		return nil, fmt.Errorf("encode message time: %w", err)
	}
	if !m.EditedAt.IsZero() { // (omitzero, as the struct tag: a message never edited has none)
		b = append(b, `,"edited_at":`...)
		if b, err = appendTime(b, m.EditedAt); err != nil {
			return nil, fmt.Errorf("encode message edit time: %w", err)
		}
	}
	b = appendNonEmpty(b, `,"permalink":`, m.Permalink)
	if len(m.Reactions) > 0 {
		b = appendCounts(append(b, `,"reactions":`...), m.Reactions)
	}
	return append(b, '}'), nil
}

// appendMember appends what comes before a string value (`,"name":`, or more at
// the start of an object) and then the value.
func appendMember(b []byte, before, s string) []byte {
	return AppendString(append(b, before...), s)
}

// appendNonEmpty is appendMember for an omitempty field: nothing when s is empty.
func appendNonEmpty(b []byte, before, s string) []byte {
	if s == "" {
		return b
	}
	return appendMember(b, before, s)
}

// AppendCounters appends counters as json.Marshal writes a map[string]int64: keys
// sorted, nil as null.
func AppendCounters(b []byte, counters map[string]int64) []byte {
	if counters == nil {
		return append(b, "null"...)
	}
	return appendCounts(b, counters)
}

// appendCounts appends a non-nil map of counts as json.Marshal writes it: keys
// sorted.
func appendCounts[N int | int64](b []byte, counts map[string]N) []byte {
	keys := make([]string, 0, len(counts))
	for k := range counts {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	b = append(b, '{')
	for i, k := range keys {
		if i > 0 {
			b = append(b, ',')
		}
		b = AppendString(b, k)
		b = append(b, ':')
		b = strconv.AppendInt(b, int64(counts[k]), 10)
	}
	return append(b, '}')
}

func appendTime(b []byte, t time.Time) ([]byte, error) {
	out, err := t.AppendText(append(b, '"'))
	if err != nil {
		return b, err
	}
	return append(out, '"'), nil
}

// appendFloat writes a float64 as encoding/json does: like ES6, 'f' format unless
// the magnitude is below 1e-6 or from 1e21 on, exponents without padding.
func appendFloat(b []byte, f float64) ([]byte, error) {
	if math.IsNaN(f) || math.IsInf(f, 0) {
		return nil, fmt.Errorf("encode score: unsupported value %v", f)
	}
	format := byte('f')
	if abs := math.Abs(f); abs != 0 && (abs < 1e-6 || abs >= 1e21) {
		format = 'e'
	}
	b = strconv.AppendFloat(b, f, format, -1, 64)
	if format == 'e' {
		if n := len(b); n >= 4 && b[n-4] == 'e' && b[n-3] == '-' && b[n-2] == '0' {
			b[n-2] = b[n-1]
			b = b[:n-1]
		}
	}
	return b, nil
}

// htmlSafe marks the ASCII bytes encoding/json writes as they are (with HTML
// escaping, its default): not control characters, '"', '\\', '<', '>' or '&'.
// textSafe marks them without HTML escaping (json.Encoder.SetEscapeHTML(false)).
var htmlSafe, textSafe = func() (h, t [utf8.RuneSelf]bool) {
	for c := 0x20; c < utf8.RuneSelf; c++ {
		t[c] = c != '"' && c != '\\'
		h[c] = t[c] && c != '<' && c != '>' && c != '&'
	}
	return h, t
}()

// AppendString appends s as a JSON string exactly as json.Marshal writes it: HTML
// characters and U+2028/U+2029 escaped, invalid UTF-8 replaced with U+FFFD.
func AppendString(b []byte, s string) []byte { return appendString(b, s, &htmlSafe) }

// AppendText appends s as a JSON string as a json.Encoder with SetEscapeHTML(false)
// writes it: as AppendString, but '<', '>' and '&' as they are, for output people
// read (Slack markup such as <@U123> stays legible) and for keys and counter names,
// which no HTML ever embeds.
func AppendText(b []byte, s string) []byte { return appendString(b, s, &textSafe) }

func appendString(b []byte, s string, safe *[utf8.RuneSelf]bool) []byte {
	const hex = "0123456789abcdef"
	b = append(b, '"')
	start := 0
	for i := 0; i < len(s); {
		if c := s[i]; c < utf8.RuneSelf {
			if safe[c] {
				i++
				continue
			}
			b = append(b, s[start:i]...)
			switch c {
			case '\\', '"':
				b = append(b, '\\', c)
			case '\b':
				b = append(b, '\\', 'b')
			case '\f':
				b = append(b, '\\', 'f')
			case '\n':
				b = append(b, '\\', 'n')
			case '\r':
				b = append(b, '\\', 'r')
			case '\t':
				b = append(b, '\\', 't')
			default:
				b = append(b, '\\', 'u', '0', '0', hex[c>>4], hex[c&0xf])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			b = append(b, s[start:i]...)
			b = append(b, `\ufffd`...)
			i++
			start = i
			continue
		}
		if r == '\u2028' || r == '\u2029' {
			b = append(b, s[start:i]...)
			b = append(b, '\\', 'u', '2', '0', '2', hex[r&0xf])
			i += size
			start = i
			continue
		}
		i += size
	}
	b = append(b, s[start:]...)
	return append(b, '"')
}
