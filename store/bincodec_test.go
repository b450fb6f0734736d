package store

import (
	"math"
	"reflect"
	"strings"
	"testing"
	"time"
)

// checkBinary holds the binary form to the JSON one: it fails to encode exactly
// where AppendStored fails, decodes to what the JSON decodes to, and every
// shorter or longer copy of it is refused, not misread.
func checkBinary(t *testing.T, s *Stored) {
	t.Helper()
	js, jsErr := AppendStored(nil, s)
	bin, binErr := AppendStoredBinary(nil, s)
	if (jsErr == nil) != (binErr == nil) {
		t.Fatalf("AppendStoredBinary error %v, AppendStored: %v", binErr, jsErr)
	}
	if jsErr != nil {
		return
	}
	var want, got Stored
	if err := DecodeStored(js, &want); err != nil {
		t.Fatal(err)
	}
	if !IsBinaryStored(string(bin)) || IsBinaryStored(string(js)) {
		t.Fatalf("IsBinaryStored: binary %v, JSON %v", IsBinaryStored(string(bin)), IsBinaryStored(string(js)))
	}
	if err := DecodeStoredBinaryShared(string(bin), &got); err != nil {
		t.Fatalf("decode %q: %v", bin, err)
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("binary round trip:\n got %#v\nwant %#v", got, want)
	}
	if len(bin) >= len(js) {
		t.Errorf("binary form %d bytes, JSON %d", len(bin), len(js))
	}
	for n := range len(bin) {
		got.Message.Text = "left"
		if err := DecodeStoredBinaryShared(string(bin[:n]), &got); err == nil {
			t.Fatalf("the first %d of %d bytes decoded", n, len(bin))
		}
		if got.Message.Text != "" {
			t.Fatalf("a refused record left text %q", got.Message.Text)
		}
	}
	if err := DecodeStoredBinaryShared(string(bin)+"\x00", &got); err == nil {
		t.Fatal("a record with a byte after it decoded")
	}
	for _, after := range []string{"", "\x00", "a stamp and counters"} {
		if n, err := StoredBinaryLen(string(bin) + after); err != nil || n != len(bin) {
			t.Fatalf("StoredBinaryLen with %q after the record: %d, %v; the record is %d bytes", after, n, err, len(bin))
		}
	}
	for n := range len(bin) {
		if _, err := StoredBinaryLen(string(bin[:n])); err == nil {
			t.Fatalf("StoredBinaryLen of the first %d of %d bytes: no error", n, len(bin))
		}
	}
}

func TestBinaryStoredMatchesJSON(t *testing.T) {
	local := time.FixedZone("somewhere", 5*3600+30*60)
	cases := []struct {
		name string
		edit func(s *Stored)
	}{
		{"a realistic message", func(s *Stored) {}},
		{"nothing set", func(s *Stored) { *s = Stored{} }},
		{"themes empty, not null", func(s *Stored) { s.Tags.Themes = []string{} }},
		{"themes null", func(s *Stored) { s.Tags.Themes = nil }},
		{"never edited, no reactions", func(s *Stored) { s.Message.EditedAt, s.Message.Reactions = time.Time{}, nil }},
		{"reactions of every sign", func(s *Stored) { s.Message.Reactions = map[string]int{"a": -3, "b": 0, "c": 1 << 40} }},
		{"invalid UTF-8 everywhere", func(s *Stored) {
			s.Message.Text, s.Message.Author, s.Tags.Themes = "bad \xff\xfe text \xc3", "\x80", []string{"\xed\xa0\x80"}
			s.Message.Reactions = map[string]int{"\xff": 1}
		}},
		{"control characters and HTML", func(s *Stored) { s.Message.Text = "<b>&</b>\u2028\x00\t\"\\" }},
		{"truncated, not waiting", func(s *Stored) { s.Message.Truncated, s.Tags.NeedsReply = true, false }},
		{"a named zone with an offset", func(s *Stored) { s.Message.Time = s.Message.Time.In(local) }},
		{"the local zone", func(s *Stored) { s.Message.Time = s.Message.Time.In(time.Local) }},
		{"offset 0 in a named zone", func(s *Stored) { s.Message.Time = s.Message.Time.In(time.FixedZone("GMT", 0)) }},
		{"an offset with seconds, which JSON drops", func(s *Stored) { s.Message.Time = s.Message.Time.In(time.FixedZone("", 3601)) }},
		{"an offset of a day: JSON refuses it", func(s *Stored) { s.Message.Time = s.Message.Time.In(time.FixedZone("", 24*3600)) }},
		{"year 10000: JSON refuses it", func(s *Stored) { s.Message.Time = time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC) }},
		{"year -1 edited: JSON refuses it", func(s *Stored) { s.Message.EditedAt = time.Date(-1, 1, 1, 0, 0, 0, 0, time.UTC) }},
		{"before 1970, to the nanosecond", func(s *Stored) { s.Message.Time = time.Date(1, 1, 1, 0, 0, 0, 1, time.UTC) }},
		{"NaN score: JSON refuses it", func(s *Stored) { s.Tags.Sentiment.Score = math.NaN() }},
		{"infinite score: JSON refuses it", func(s *Stored) { s.Tags.Sentiment.Score = math.Inf(-1) }},
		{"negative zero and a tiny score", func(s *Stored) { s.Tags.Sentiment.Score = math.Copysign(0, -1) }},
		{"a tiny score", func(s *Stored) { s.Tags.Sentiment.Score = 1e-300 }},
		{"a long text", func(s *Stored) { s.Message.Text = strings.Repeat("long 😀 text ", 4000) }},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			s := realistic()
			c.edit(&s)
			checkBinary(t, &s)
		})
	}
}

// TestBinaryStoredRefusesOtherInput: JSON, an unknown version and numbers out of
// range are errors, and a refused record leaves s zero.
func TestBinaryStoredRefusesOtherInput(t *testing.T) {
	s := realistic()
	bin, err := AppendStoredBinary(nil, &s)
	if err != nil {
		t.Fatal(err)
	}
	js := string(mustMarshal(t, &s))
	for name, data := range map[string]string{
		"empty":             "",
		"JSON":              js,
		"another version":   "\x02" + string(bin[1:]),
		"a string too long": "\x01\xff\xff\xff\xff\x0f" + string(bin[1:]),
		"a varint too long": "\x01" + strings.Repeat("\x80", 11),
	} {
		got := realistic()
		if err := DecodeStoredBinaryShared(data, &got); err == nil {
			t.Errorf("%s: decoded", name)
		} else if !reflect.DeepEqual(got, Stored{}) {
			t.Errorf("%s: refused, but left %#v", name, got)
		}
	}
}

// FuzzDecodeStoredBinary: any input is decoded or refused, never a panic, and what
// decodes encodes again to a record that decodes the same.
func FuzzDecodeStoredBinary(f *testing.F) {
	s := realistic()
	for _, edit := range []func(){func() {}, func() { s.Message.Reactions, s.Tags.Themes = nil, nil }, func() { s = Stored{} }} {
		edit()
		bin, err := AppendStoredBinary(nil, &s)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(bin)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		var got Stored
		rest, err := DecodeStoredBinaryPrefix(string(data), &got)
		n, lenErr := StoredBinaryLen(string(data))
		// (it reads no values: it may pass what the decoder then refuses, a time
		// out of range, never refuse what decodes)
		if err == nil && (lenErr != nil || n != len(data)-len(rest)) {
			t.Fatalf("StoredBinaryLen %d, %v; the record decoded is %d bytes (%v)", n, lenErr, len(data)-len(rest), err)
		}
		if err := DecodeStoredBinaryShared(string(data), &got); err != nil {
			return
		}
		again, err := AppendStoredBinary(nil, &got)
		if err != nil {
			return // (a time the JSON form refuses: a record no encoder wrote)
		}
		var back Stored
		if err := DecodeStoredBinaryShared(string(again), &back); err != nil {
			t.Fatalf("re-encoded record refused: %v", err)
		}
	})
}

// BenchmarkDecodeStoredShared: a record as Redis replies hold it, in JSON and in
// the binary form.
func BenchmarkDecodeStoredShared(b *testing.B) {
	s := realistic()
	js := string(mustMarshal(b, &s))
	bin, err := AppendStoredBinary(nil, &s)
	if err != nil {
		b.Fatal(err)
	}
	for _, c := range []struct {
		name   string
		data   string
		decode func(string, *Stored) error
	}{{"json", js, DecodeStoredShared}, {"binary", string(bin), DecodeStoredBinaryShared}} {
		b.Run(c.name, func(b *testing.B) {
			b.SetBytes(int64(len(c.data)))
			b.ReportAllocs()
			for b.Loop() {
				var st Stored
				if err := c.decode(c.data, &st); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkAppendStoredBinary: a record as Apply writes it, in each form.
func BenchmarkAppendStoredBinary(b *testing.B) {
	s := realistic()
	for _, c := range []struct {
		name   string
		encode func([]byte, *Stored) ([]byte, error)
	}{{"json", AppendStored}, {"binary", AppendStoredBinary}} {
		b.Run(c.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, err := c.encode(nil, &s); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
