package bolt

import (
	"encoding/binary"
	"fmt"
	"slices"
	"unsafe"

	"github.com/feedbackbot/feedbackbot/store"
)

// A record in the msg bucket is written in binary: store.AppendStoredBinary's
// form of the message and its tags, then the store's own two fields,
//
//	stamp          length (uvarint) and bytes
//	contributions  count (uvarint), then each name and value (varint), names
//	               in order, each name as the length of the prefix it shares
//	               with the one before (uvarint) and the rest (length and
//	               bytes): "acct|A1|cust", "acct|A1|neg" share 8 bytes
//
// Account health reads every message of every account's last fifteen days a
// digest (some 15,000 at a thousand messages a day), and decoding them was most
// of the embedded store's digest: the binary form decodes in a quarter of the
// JSON's time (see store/bincodec.go). Files written before 2026-12-05 hold JSON
// records (encodeRecordJSON), which every read still takes; a record is
// rewritten in binary when it is next applied.

// encodeRecord writes rec in the binary form.
func encodeRecord(rec *record) ([]byte, error) {
	st := store.Stored{Message: rec.Message, Tags: rec.Tags}
	b, err := store.AppendStoredBinary(make([]byte, 0, 256+len(rec.Message.Text)+24*len(rec.Contrib)), &st)
	if err != nil {
		return nil, err
	}
	b = appendRawString(b, rec.Stamp)
	return appendCounters(b, rec.Contrib), nil
}

// appendCounters appends counts as a record's contributions are written: their
// number, then each name, front-coded, and value, names in order.
func appendCounters(b []byte, counts map[string]int64) []byte {
	names := make([]string, 0, len(counts))
	for name := range counts {
		names = append(names, name)
	}
	slices.Sort(names)
	b = binary.AppendUvarint(b, uint64(len(names)))
	prev := ""
	for _, name := range names {
		shared := commonPrefix(prev, name)
		b = binary.AppendUvarint(b, uint64(shared))
		b = binary.AppendVarint(appendRawString(b, name[shared:]), counts[name])
		prev = name
	}
	return b
}

// binCounters is the first byte of a record of counters (an hour's rollup, an
// account's day) in binary: the version byte, then appendCounters' form. Versions
// before 2026-12-05 wrote them as JSON, which starts with '{' (or "null").
const binCounters = 0x01

// encodeCounters writes counts in binary.
func encodeCounters(counts map[string]int64) []byte {
	return appendCounters(append(make([]byte, 0, 16+24*len(counts)), binCounters), counts)
}

// decodeCounters sets into the counters of v, in either form.
func decodeCounters(v []byte, into map[string]int64) error {
	if len(v) == 0 || v[0] != binCounters {
		return store.DecodeCounters(v, into)
	}
	r := store.NewBinaryReader(unsafeString(v[1:]))
	readCounters(r, func(name []byte, val int64) { into[string(name)] = val })
	return r.End()
}

// decodeCountersOf is decodeCounters keeping only the counters named.
func decodeCountersOf(v []byte, names []string, into map[string]int64) error {
	if len(v) == 0 || v[0] != binCounters {
		return store.DecodeCountersOf(v, names, into)
	}
	r := store.NewBinaryReader(unsafeString(v[1:]))
	readCounters(r, func(name []byte, val int64) {
		for _, want := range names {
			if string(name) == want {
				into[want] = val
				return
			}
		}
	})
	return r.End()
}

// decodeCountersTo is decodeCountersOf into vals, each names[i]'s value (0 when
// v has none) in vals[i].
func decodeCountersTo(v []byte, names []string, vals []int64) error {
	clear(vals)
	if len(v) == 0 || v[0] != binCounters {
		m := make(map[string]int64, len(names))
		if err := store.DecodeCountersOf(v, names, m); err != nil {
			return err
		}
		for i, name := range names {
			vals[i] = m[name]
		}
		return nil
	}
	r := store.NewBinaryReader(unsafeString(v[1:]))
	readCounters(r, func(name []byte, val int64) {
		for i, want := range names {
			if string(name) == want {
				vals[i] = val // (and a name asked for twice, its every slot)
			}
		}
	})
	return r.End()
}

// commonPrefix is the length of the longest prefix a and b share.
func commonPrefix(a, b string) int {
	n := min(len(a), len(b))
	for i := range n {
		if a[i] != b[i] {
			return i
		}
	}
	return n
}

// appendRawString appends s as store.BinaryReader's Str reads it, its length and
// its bytes as they are: a stamp and counter names are kept exactly, for a
// subtraction to find the counter it added to.
func appendRawString(b []byte, s string) []byte {
	return append(binary.AppendUvarint(b, uint64(len(s))), s...)
}

// decodeRecord reads a record in either form. Its strings are copies: v is only
// valid inside the transaction.
func decodeRecord(v []byte, rec *record) error {
	if !store.IsBinaryStored(unsafeString(v)) {
		return decodeRecordJSON(v, rec)
	}
	var st store.Stored
	rest, err := store.DecodeStoredBinaryPrefix(string(v), &st)
	if err != nil {
		return err
	}
	rec.Message, rec.Tags = st.Message, st.Tags
	r := store.NewBinaryReader(rest)
	rec.Stamp = r.Str()
	rec.Contrib = nil
	readCounters(r, func(name []byte, val int64) {
		if rec.Contrib == nil {
			rec.Contrib = make(map[string]int64, 24)
		}
		rec.Contrib[string(name)] = val
	})
	return r.End()
}

// decodeStored reads a record's message and tags in either form, skipping its
// stamp and contributions. Its strings are copies (v is only valid inside the
// transaction): of a binary record, one copy of the record (not of what follows
// it) that they all share.
func decodeStored(key, v []byte) (store.Stored, error) {
	var st store.Stored
	if err := decodeStoredInto(key, v, &st); err != nil {
		return store.Stored{}, err
	}
	return st, nil
}

// decodeStoredInto is decodeStored into st, which must be zero: a query decodes
// its records into the slice it returns, not each into a value copied there.
func decodeStoredInto(key, v []byte, st *store.Stored) error {
	var err error
	if store.IsBinaryStored(unsafeString(v)) {
		// One copy of the record that its strings share, without the stamp and
		// contributions after it.
		var n int
		if n, err = store.StoredBinaryLen(unsafeString(v)); err == nil {
			_, err = store.DecodeStoredBinaryPrefix(string(v[:n]), st)
		}
	} else {
		err = store.DecodeStored(v, st)
	}
	if err != nil {
		return fmt.Errorf("decode message %s: %w", key, err)
	}
	return nil
}

// unsafeString views b as a string without copying, for a test of its first byte.
func unsafeString(b []byte) string { return unsafe.String(unsafe.SliceData(b), len(b)) }

// readCounters reads appendCounters' form, calling each with every name (valid
// until the next call) and value.
func readCounters(r *store.BinaryReader, each func(name []byte, val int64)) {
	n := r.Count()
	var name []byte // (names share the prefix of the one before them)
	for range n {
		shared := r.Uvarint()
		suffix := r.Str()
		if shared > uint64(len(name)) {
			r.Fail("a counter's name sharing %d bytes of %d", shared, len(name))
		}
		if r.Err() != nil {
			return
		}
		name = append(name[:shared], suffix...)
		val := r.Varint()
		if r.Err() != nil {
			return
		}
		each(name, val)
	}
}
