package bolt

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"reflect"
	"testing"
	"time"

	"github.com/feedbackbot/feedbackbot"
	"github.com/feedbackbot/feedbackbot/store"
	"github.com/feedbackbot/feedbackbot/store/storetest"
	"go.etcd.io/bbolt"
)

// records are the shapes a message record takes: a customer's with themes,
// reactions and an edit; a staff reply; no themes at all (null, not empty); a time
// at an offset; text that is not UTF-8; contributions whose names are prefixes of
// each other, with negative values.
func records(t testing.TB) []record {
	t.Helper()
	mk := func(m feedbackbot.Message, tags feedbackbot.Tags) record {
		return record{Message: m, Tags: tags, Stamp: m.Revision() + "@" + tags.Analyzer, Contrib: feedbackbot.Contributions(&m, &tags)}
	}
	cust := storetest.Msg("W1", "C1-0001", "the export has failed since the release :(", "", "A1", "C1", storetest.Base)
	cust.Reactions = map[string]int{"+1": 2, "eyes": 1}
	cust.EditedAt = storetest.Base.Add(time.Minute)
	cust.Thread, cust.ReplyTo, cust.AccountName, cust.Permalink = "1.0", "U9", "Acme", "https://x.slack.com/p1"
	custTags := storetest.Tags(-0.62, "fb-8+abc.def", "bug", "reliability")
	custTags.Intent, custTags.NeedsReply, custTags.Sentiment.Emotion = feedbackbot.IntentBugReport, true, feedbackbot.EmotionFrustration

	staff := storetest.Msg("W1", "C1-0002", "we're on it", feedbackbot.RoleStaff, "A1", "C1", storetest.Base.Add(time.Hour))
	bare := storetest.Msg("W2", "x", "", "", "", "C2", storetest.Base)
	noThemes := storetest.Tags(0, "v1")
	noThemes.Themes = nil
	zoned := storetest.Msg("W1", "z", "hello", "", "A2", "C1", storetest.Base.In(time.FixedZone("", 5*3600+30*60)))
	badText := storetest.Msg("W1", "u", "caf\xe9 \xff broken", "", "A2", "C1", storetest.Base)

	out := []record{
		mk(cust, custTags),
		mk(staff, storetest.Tags(0.3, "v1")),
		mk(bare, noThemes),
		mk(zoned, storetest.Tags(0.9, "v1", "praise")),
		mk(badText, storetest.Tags(-0.1, "v1")),
	}
	prefixes := mk(cust, custTags)
	prefixes.Contrib = map[string]int64{"a": -5, "ab": 7, "abc": 1 << 40, "b": -1 << 50, "acct|A1|customer": 1, "acct|A1|score_milli": -620}
	out = append(out, prefixes)
	none := mk(staff, storetest.Tags(0, "v1"))
	none.Contrib, none.Stamp = nil, ""
	return append(out, none)
}

// TestRecordForms: a binary record decodes to exactly what the same record's JSON
// (the form of versions before 2026-12-05) decodes to, whole (apply's old record)
// and as the reads take it (message and tags); every record cut short, or with a
// byte after it, is an error, never a panic.
func TestRecordForms(t *testing.T) {
	for i, rec := range records(t) {
		t.Run(fmt.Sprint(i), func(t *testing.T) {
			bin, err := encodeRecord(&rec)
			if err != nil {
				t.Fatal(err)
			}
			js, err := encodeRecordJSON(&rec)
			if err != nil {
				t.Fatal(err)
			}
			if !store.IsBinaryStored(string(bin)) || store.IsBinaryStored(string(js)) {
				t.Fatalf("forms not told apart: binary %.8q, JSON %.8q", bin, js)
			}
			var fromBin, fromJSON record
			if err := decodeRecord(bin, &fromBin); err != nil {
				t.Fatalf("decode binary: %v", err)
			}
			if err := decodeRecord(js, &fromJSON); err != nil {
				t.Fatalf("decode JSON: %v", err)
			}
			if !reflect.DeepEqual(fromBin, fromJSON) {
				t.Errorf("binary record decodes to\n%+v\nits JSON to\n%+v", fromBin, fromJSON)
			}
			if !reflect.DeepEqual(fromBin.Contrib, rec.Contrib) || fromBin.Stamp != rec.Stamp {
				t.Errorf("stamp, contributions = %q, %v; want %q, %v", fromBin.Stamp, fromBin.Contrib, rec.Stamp, rec.Contrib)
			}
			key := []byte(rec.Message.Key())
			stBin, err := decodeStored(key, bin)
			if err != nil {
				t.Fatal(err)
			}
			stJSON, err := decodeStored(key, js)
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(stBin, stJSON) {
				t.Errorf("read of binary record\n%+v\nof JSON\n%+v", stBin, stJSON)
			}
			if len(bin) >= len(js) {
				t.Errorf("binary record %d bytes, its JSON %d", len(bin), len(js))
			}
			for n := range len(bin) {
				var r record
				if err := decodeRecord(bin[:n], &r); err == nil {
					t.Errorf("record cut to %d of %d bytes decoded", n, len(bin))
				}
				if n > 0 {
					if _, err := decodeStored(key, bin[:n]); err == nil && n < len(bin)-len(trailerOf(t, &rec)) {
						t.Errorf("message cut to %d of %d bytes read", n, len(bin))
					}
				}
			}
			var r record
			if err := decodeRecord(append(bin, 0), &r); err == nil {
				t.Error("a byte after the record decoded")
			}
		})
	}
}

// trailerOf is the store's fields of rec's binary record: what follows the message.
func trailerOf(t *testing.T, rec *record) []byte {
	t.Helper()
	st := store.Stored{Message: rec.Message, Tags: rec.Tags}
	head, err := store.AppendStoredBinary(nil, &st)
	if err != nil {
		t.Fatal(err)
	}
	bin, err := encodeRecord(rec)
	if err != nil {
		t.Fatal(err)
	}
	return bin[len(head):]
}

// TestRecordTrailerRefusesBadNames: a contribution's name claiming more of the name
// before it than there is, and counts beyond the bytes left, are errors.
func TestRecordTrailerRefusesBadNames(t *testing.T) {
	st := store.Stored{Message: storetest.Msg("W1", "m", "hi", "", "A1", "C1", storetest.Base), Tags: storetest.Tags(0, "v1")}
	head, err := store.AppendStoredBinary(nil, &st)
	if err != nil {
		t.Fatal(err)
	}
	build := func(parts ...uint64) []byte {
		b := append([]byte(nil), head...)
		b = append(binary.AppendUvarint(b, 1), 's') // stamp "s"
		for _, p := range parts {
			b = binary.AppendUvarint(b, p)
		}
		return b
	}
	tests := map[string][]byte{
		"shares more than the name before": append(build(1, 3, 1), 'x', 2), // one name, sharing 3 of none
		"count beyond the bytes":           build(1000),
		"name longer than the bytes":       build(1, 0, 50),
		"value cut off":                    append(build(1, 0, 1), 'x'),
	}
	for name, data := range tests {
		var r record
		if err := decodeRecord(data, &r); err == nil {
			t.Errorf("%s: decoded (%+v)", name, r.Contrib)
		}
	}
	ok := append(build(2, 0, 2), 'a', 'b', 2, 1, 1, 'c', 4) // "ab"=1, "ac"=2
	var r record
	if err := decodeRecord(ok, &r); err != nil || !reflect.DeepEqual(r.Contrib, map[string]int64{"ab": 1, "ac": 2}) || r.Stamp != "s" {
		t.Errorf("hand-made record = %q, %v, %v; want s, map[ab:1 ac:2]", r.Stamp, r.Contrib, err)
	}
}

func FuzzDecodeRecord(f *testing.F) {
	for _, rec := range records(f) {
		bin, err := encodeRecord(&rec)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(bin)
		js, err := encodeRecordJSON(&rec)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(js)
	}
	f.Add(encodeCounters(map[string]int64{"acct|A1|cust": 3, "acct|A1|neg": -2, "n": 1 << 40}))
	f.Fuzz(func(t *testing.T, data []byte) {
		_, _ = decodeStored([]byte("k"), data)
		counts := map[string]int64{}
		if decodeCounters(data, counts) == nil && len(data) > 0 && data[0] == binCounters {
			back := map[string]int64{}
			if err := decodeCounters(encodeCounters(counts), back); err != nil || !reflect.DeepEqual(back, counts) {
				t.Fatalf("counters %v re-encoded decode to %v, %v", counts, back, err)
			}
		}
		_ = decodeCountersOf(data, []string{"n", "acct|A1|cust"}, map[string]int64{})
		var r record
		if decodeRecord(data, &r) != nil {
			return
		}
		// A record that decodes encodes to one that decodes again, with the same
		// stamp and contributions, and re-encoding settles: encoding normalises
		// as the JSON form would (invalid UTF-8 becomes U+FFFD, an offset's
		// seconds are dropped, offset 0 becomes UTC).
		again, err := encodeRecord(&r)
		if err != nil {
			return // (JSON takes times and scores the binary form refuses to write)
		}
		var back record
		if err := decodeRecord(again, &back); err != nil {
			t.Fatalf("re-encoded record does not decode: %v", err)
		}
		if len(r.Contrib) == 0 {
			r.Contrib = nil // (an empty map and none are written alike)
		}
		if back.Stamp != r.Stamp || !reflect.DeepEqual(back.Contrib, r.Contrib) {
			t.Fatalf("re-encoded stamp, contributions %q, %v; want %q, %v", back.Stamp, back.Contrib, r.Stamp, r.Contrib)
		}
		// Normalising takes at most two steps, as through JSON: a zone a few
		// seconds from UTC is written "+00:00" and read back as Local at offset
		// 0, which is then written as UTC.
		enc := again
		for step := range 3 {
			var next record
			if err := decodeRecord(enc, &next); err != nil {
				t.Fatalf("step %d: re-encoded record does not decode: %v", step, err)
			}
			nextEnc, err := encodeRecord(&next)
			if err != nil {
				t.Fatalf("step %d: re-encoded record does not encode again: %v", step, err)
			}
			if bytes.Equal(nextEnc, enc) {
				return
			}
			enc = nextEnc
		}
		t.Fatalf("encoding never settles: %q", enc)
	})
}

// TestCountersForms: counters in binary decode to what they were and to what their
// JSON (the form before 2026-12-05) decodes to, whole and picked by name; cut short
// or followed by more, they are an error.
func TestCountersForms(t *testing.T) {
	for i, counts := range []map[string]int64{
		{},
		{"n": 1},
		{"acct|A1|cust": 3, "acct|A1|neg": -2, "acct|A1|score_milli": -1250, "acct|A10|cust": 1, "n": 1 << 40, "theme|bug|cust": 7},
	} {
		bin := encodeCounters(counts)
		js := store.AppendCounters(nil, counts)
		for form, v := range map[string][]byte{"binary": bin, "JSON": js} {
			got := map[string]int64{}
			if err := decodeCounters(v, got); err != nil || !reflect.DeepEqual(got, counts) {
				t.Errorf("%d %s: %v, %v; want %v", i, form, got, err, counts)
			}
			picked := map[string]int64{}
			names := []string{"acct|A1|neg", "n", "missing"}
			if err := decodeCountersOf(v, names, picked); err != nil {
				t.Fatal(err)
			}
			want := map[string]int64{}
			for _, n := range names {
				if c, ok := counts[n]; ok {
					want[n] = c
				}
			}
			if !reflect.DeepEqual(picked, want) {
				t.Errorf("%d %s: picked %v, want %v", i, form, picked, want)
			}
		}
		for n := 1; n < len(bin); n++ {
			if err := decodeCounters(bin[:n], map[string]int64{}); err == nil {
				t.Errorf("%d: counters cut to %d of %d bytes decoded", i, n, len(bin))
			}
		}
		if err := decodeCounters(append(bin, 0), map[string]int64{}); err == nil {
			t.Errorf("%d: a byte after the counters decoded", i)
		}
		if len(bin) >= len(js) && len(counts) > 0 {
			t.Errorf("%d: binary %d bytes, JSON %d", i, len(bin), len(js))
		}
	}
}

// TestConformanceJSONRecords runs the suite on a store writing records as versions
// before 2026-12-05 did: every read and apply still takes them.
func TestConformanceJSONRecords(t *testing.T) {
	storetest.Run(t, func(t *testing.T) store.Store { return openTest(t, t.TempDir(), Options{jsonRecords: true}) })
}

// TestJSONRecordsUpgrade: a file of an older version (JSON records) opened by this
// one gives the same messages, rollups and account days as a file written in
// binary all along; its edits, deletes and re-analyses subtract the old records'
// own contributions, and rewrite what they touch in binary.
func TestJSONRecordsUpgrade(t *testing.T) {
	ctx := t.Context()
	var ms []feedbackbot.Message
	for i := range 120 {
		role := feedbackbot.Role("")
		if i%4 == 3 {
			role = feedbackbot.RoleStaff
		}
		ms = append(ms, storetest.Msg("W1", fmt.Sprintf("C%d-%04d", i%3, i), fmt.Sprintf("message %d: the export is slow", i),
			role, fmt.Sprintf("A%d", i%5), fmt.Sprintf("C%d", i%3), storetest.Base.Add(time.Duration(i)*37*time.Minute)))
	}
	tagOf := func(analyzer string) func(e store.Entry) feedbackbot.Tags {
		return func(e store.Entry) feedbackbot.Tags {
			var n int
			fmt.Sscanf(e.Event.Message.Text, "message %d", &n)
			return storetest.Tags(float64(n%7-3)/4, analyzer, []string{"performance", "bug", "billing"}[n%3])
		}
	}
	var first, later []feedbackbot.Event
	for _, m := range ms {
		first = append(first, storetest.Put(m))
	}
	for i, m := range ms {
		switch i % 6 {
		case 0:
			m.Text += " (edited)"
			m.EditedAt = m.Time.Add(time.Hour)
			later = append(later, storetest.Put(m))
		case 1:
			later = append(later, storetest.Delete(m))
		}
	}

	oldDir := t.TempDir()
	old := openTest(t, oldDir, Options{jsonRecords: true})
	storetest.AppendApplyEach(ctx, t, old, first, tagOf("v1"))
	if err := old.Close(); err != nil {
		t.Fatal(err)
	}
	if bin, js := recordForms(t, oldDir); bin != 0 || js <= len(ms) {
		t.Fatalf("older file: %d binary, %d JSON records; want none binary, the %d messages and their counters JSON", bin, js, len(ms))
	}
	upgraded := openTest(t, oldDir, Options{})
	fresh := openTest(t, t.TempDir(), Options{})
	storetest.AppendApplyEach(ctx, t, fresh, first, tagOf("v1"))

	same := func(step string) {
		t.Helper()
		from, to := storetest.Base.Add(-time.Hour), storetest.Base.Add(200*time.Hour)
		q := store.Query{Workspace: "W1", From: from, To: to, Limit: store.MaxQueryLimit}
		a, err := upgraded.Messages(ctx, q)
		if err != nil {
			t.Fatal(err)
		}
		b, err := fresh.Messages(ctx, q)
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(a, b) {
			t.Errorf("%s: messages differ from a file written in binary (%d, %d)", step, len(a), len(b))
		}
		ra, err := upgraded.Rollups(ctx, "W1", from, to)
		if err != nil {
			t.Fatal(err)
		}
		rb, err := fresh.Rollups(ctx, "W1", from, to)
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(ra, rb) {
			t.Errorf("%s: rollups differ:\n%v\n%v", step, feedbackbot.Totals(ra), feedbackbot.Totals(rb))
		}
		for a := range 5 {
			acct := fmt.Sprintf("A%d", a)
			da, err := upgraded.AccountDays(ctx, "W1", acct, from, to)
			if err != nil {
				t.Fatal(err)
			}
			db, err := fresh.AccountDays(ctx, "W1", acct, from, to)
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(da, db) {
				t.Errorf("%s: account %s's days differ:\n%v\n%v", step, acct, da, db)
			}
			checkDayCounts(t, upgraded, acct, from, to)
			checkDayCounts(t, fresh, acct, from, to)
			// An account's read takes the records its index holds (none for the
			// older file's records, which it looks up) and, where a record is
			// in both forms, the same messages.
			q := store.Query{Workspace: "W1", Account: acct, From: from, To: to, Limit: store.MaxQueryLimit}
			ma, err := upgraded.Messages(ctx, q)
			if err != nil {
				t.Fatal(err)
			}
			mb, err := fresh.Messages(ctx, q)
			if err != nil {
				t.Fatal(err)
			}
			if len(ma) == 0 || !reflect.DeepEqual(ma, mb) {
				t.Errorf("%s: account %s's messages differ from a file written in binary (%d, %d)", step, acct, len(ma), len(mb))
			}
		}
		checkAccountCopies(t, fresh, false)
		checkAccountCopies(t, upgraded, true)
	}
	same("opened")
	for _, s := range []*Store{upgraded, fresh} {
		storetest.AppendApplyEach(ctx, t, s, later, tagOf("v1"))
	}
	same("edited and deleted")
	// Re-analysis of the log (as reanalyze does): every record still stored is
	// rewritten.
	for _, s := range []*Store{upgraded, fresh} {
		reanalyse(t, s, tagOf("v2"))
	}
	same("re-analysed")
	checkAccountCopies(t, upgraded, false) // (every record rewritten in binary)
	if err := upgraded.Close(); err != nil {
		t.Fatal(err)
	}
	if bin, js := recordForms(t, oldDir); js != 0 || bin <= len(ms)-len(ms)/6 {
		t.Errorf("after edits and re-analysis: %d binary, %d JSON records; want the %d messages and their counters binary, none JSON", bin, js, len(ms)-len(ms)/6)
	}
}

// reanalyse applies W1's log again with tags, as reanalyze does: every record
// still stored is rewritten.
func reanalyse(t *testing.T, s *Store, tags func(store.Entry) feedbackbot.Tags) {
	t.Helper()
	var items []store.Applied
	if err := s.Replay(t.Context(), "W1", func(e store.Entry) error {
		items = append(items, store.Applied{Entry: e, Tags: tags(e)})
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Apply(t.Context(), items...); err != nil {
		t.Fatal(err)
	}
}

// checkDayCounts checks that AccountDayCounts gives what AccountDays gives, for
// counters named in either order, one alone, and one no day has.
func checkDayCounts(t *testing.T, s *Store, acct string, from, to time.Time) {
	t.Helper()
	for _, counters := range [][]string{
		{feedbackbot.CntCustomer, feedbackbot.CntScoreMilli},
		{feedbackbot.CntScoreMilli, feedbackbot.CntCustomer},
		{feedbackbot.CntScoreMilli},
		{feedbackbot.CntCustomer, feedbackbot.CntCustomer},
		{"no_such_counter"},
	} {
		days, err := s.AccountDays(t.Context(), "W1", acct, from, to, counters...)
		if err != nil {
			t.Fatal(err)
		}
		counts, err := s.AccountDayCounts(t.Context(), "W1", acct, from, to, counters...)
		if err != nil {
			t.Fatal(err)
		}
		if want := store.DayCountsOf(days, counters...); !reflect.DeepEqual(counts, want) && len(counts)+len(want) > 0 {
			t.Errorf("AccountDayCounts(%s, %v) = %v, want %v", acct, counters, counts, want)
		}
		if len(days) == 0 && counters[0] != "no_such_counter" {
			t.Errorf("AccountDays(%s, %v): no days", acct, counters)
		}
	}
}

// checkAccountCopies checks that every entry of s's account indexes holds its
// record as the msg bucket has it (accountCopy), or, with older true, nothing
// where the record is in JSON (a file of an older version, read by lookup).
func checkAccountCopies(t *testing.T, s *Store, older bool) {
	t.Helper()
	n := 0
	err := s.view(t.Context(), func(tx *bbolt.Tx) error {
		return tx.Bucket(bWS).ForEachBucket(func(ws []byte) error {
			b := tx.Bucket(bWS).Bucket(ws)
			msgs := b.Bucket(bMsg)
			return b.Bucket(bAcct).ForEachBucket(func(acct []byte) error {
				return b.Bucket(bAcct).Bucket(acct).ForEach(func(k, v []byte) error {
					n++
					rec := msgs.Get(k[12:])
					switch {
					case rec == nil:
						t.Errorf("account %s's index names %s, which is not stored", acct, k[12:])
					case len(v) == 0 && older && !store.IsBinaryStored(string(rec)):
					case !bytes.Equal(v, accountCopy(rec)):
						t.Errorf("account %s's index holds %q for %s, whose record starts %q", acct, v, k[12:], accountCopy(rec))
					}
					return nil
				})
			})
		})
	})
	if err != nil {
		t.Fatal(err)
	}
	if n == 0 {
		t.Error("no account index entries")
	}
}

// recordForms counts the binary and JSON records of the closed store in dir:
// messages, hourly rollups and account days.
func recordForms(t *testing.T, dir string) (bin, js int) {
	t.Helper()
	db, err := bbolt.Open(dir+"/"+FileName, 0o600, &bbolt.Options{Timeout: time.Second, ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	err = db.View(func(tx *bbolt.Tx) error {
		b := tx.Bucket(bWS).Bucket([]byte("W1"))
		for _, name := range [][]byte{bMsg, bRoll, bAcctDay} {
			err := b.Bucket(name).ForEach(func(_, v []byte) error {
				if v[0] == binCounters { // (and store.IsBinaryStored)
					bin++
				} else {
					js++
				}
				return nil
			})
			if err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return bin, js
}

// TestBackwardReaderAgreesWithGet: whatever order keys are asked in (newest first,
// jumps, keys that are not there, before the first and after the last), the reader
// gives what Bucket.Get gives.
func TestBackwardReaderAgreesWithGet(t *testing.T) {
	s := openTest(t, t.TempDir(), Options{})
	var keys [][]byte
	for c := range 3 {
		for i := range 400 {
			keys = append(keys, fmt.Appendf(nil, "slack/W1/C%d:%010d.000100", c, 1_700_000_000+2*i))
		}
	}
	err := s.db.Update(func(tx *bbolt.Tx) error {
		b, err := tx.CreateBucket([]byte("t"))
		if err != nil {
			return err
		}
		for i, k := range keys {
			if err := b.Put(k, fmt.Appendf(nil, "v%d", i)); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	missing := func(k []byte) []byte { return append(append([]byte(nil), k...), '!') }
	var desc, mixed [][]byte
	for i := len(keys) - 1; i >= 0; i-- {
		desc = append(desc, keys[i])
	}
	for i := range 3000 {
		switch j := (i * 7919) % len(keys); i % 5 {
		case 0:
			mixed = append(mixed, missing(keys[j]))
		case 1:
			mixed = append(mixed, keys[(j+1)%len(keys)])
		default:
			mixed = append(mixed, keys[j])
		}
	}
	mixed = append(mixed, []byte("a"), []byte("zzz"), keys[0], []byte("a"), keys[len(keys)-1], keys[len(keys)-2])
	// An account's messages in channels it shares, newest first: every fifth
	// record (within the steps back), every 40th (beyond them), and between them
	// keys that are not there, before a present one a step or more back.
	var fifth, fortieth, gaps [][]byte
	for i := len(keys) - 1; i >= 0; i-- {
		if i%5 == 0 {
			fifth = append(fifth, keys[i])
		}
		if i%40 == 0 {
			fortieth = append(fortieth, keys[i])
		}
		if i%3 == 0 {
			gaps = append(gaps, missing(keys[i]), keys[i])
		}
	}
	for name, order := range map[string][][]byte{"newest first": desc, "oldest first": keys, "mixed": mixed,
		"every fifth newest first": fifth, "every 40th newest first": fortieth, "missing between": gaps} {
		err := s.db.View(func(tx *bbolt.Tx) error {
			b := tx.Bucket([]byte("t"))
			r := backwardReader{c: b.Cursor()}
			for i, k := range order {
				if got, want := r.get(k), b.Get(k); !bytes.Equal(got, want) || (got == nil) != (want == nil) {
					t.Errorf("%s: key %d (%s): %q, Get gives %q", name, i, k, got, want)
					return nil
				}
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}
}

// BenchmarkDecodeCounters decodes an hour's rollup of 400 counters (40 accounts'
// seven, 40 channels' seven, 120 others) in either form, whole (the digest's
// rollups) and two counters picked (health's account days).
func BenchmarkDecodeCounters(b *testing.B) {
	counts := map[string]int64{}
	for i := range 40 {
		for _, c := range []string{"cust", "neg", "neu", "pos", "score_milli", "score_sq_milli", "staff"} {
			counts[fmt.Sprintf("acct|A%03d|%s", i, c)] = int64(i*31 - 500)
			counts[fmt.Sprintf("ch|C%08d|%s", i, c)] = int64(i * 17)
		}
	}
	for i := range 120 {
		counts[fmt.Sprintf("theme|t%02d|c%d", i/5, i%5)] = int64(i)
	}
	for form, v := range map[string][]byte{"json": store.AppendCounters(nil, counts), "binary": encodeCounters(counts)} {
		b.Run(form+"/all", func(b *testing.B) {
			b.SetBytes(int64(len(v)))
			b.ReportAllocs()
			for b.Loop() {
				into := make(map[string]int64, len(counts))
				if err := decodeCounters(v, into); err != nil || len(into) != len(counts) {
					b.Fatal(err, len(into))
				}
			}
		})
		b.Run(form+"/two", func(b *testing.B) {
			names := []string{"acct|A007|cust", "acct|A007|score_milli"}
			into := map[string]int64{}
			b.ReportAllocs()
			for b.Loop() {
				clear(into)
				if err := decodeCountersOf(v, names, into); err != nil || len(into) != 2 {
					b.Fatal(err, len(into))
				}
			}
		})
	}
}

// TestAccountIndexKeepsItsRecords: the account index's copy of each record
// follows every change to it (an edit in place, an edit that moves the message
// in time or to another account, a reaction, a re-analysis, a delete, an
// erasure, retention), and an account's read gives what reading each of its
// messages by key gives.
func TestAccountIndexKeepsItsRecords(t *testing.T) {
	ctx := t.Context()
	s := openTest(t, t.TempDir(), Options{})
	var ms []feedbackbot.Message
	for i := range 60 {
		ms = append(ms, storetest.Msg("W1", fmt.Sprintf("C%d-%04d", i%2, i), fmt.Sprintf("message %d", i), "",
			fmt.Sprintf("A%d", i%3), fmt.Sprintf("C%d", i%2), storetest.Base.Add(time.Duration(i)*time.Hour)))
	}
	tagOf := func(analyzer string) func(store.Entry) feedbackbot.Tags {
		return func(e store.Entry) feedbackbot.Tags {
			return storetest.Tags(float64(len(e.Event.Message.Text)%5-2)/4, analyzer, "bug")
		}
	}
	var events []feedbackbot.Event
	for _, m := range ms {
		events = append(events, storetest.Put(m))
	}
	storetest.AppendApplyEach(ctx, t, s, events, tagOf("v1"))
	events = nil
	for i, m := range ms {
		switch i % 6 {
		case 0: // edited in place
			m.Text, m.EditedAt = m.Text+" (edited, longer)", m.Time.Add(time.Minute)
		case 1: // moved to another account
			m.Account, m.AccountName, m.EditedAt = "A9", "Account A9", m.Time.Add(time.Minute)
		case 2: // a reaction
			m.Reactions = map[string]int{"eyes": 2}
		case 3: // moved in time
			m.Time, m.EditedAt = m.Time.Add(-30*time.Minute), m.Time.Add(time.Minute)
		case 4:
			events = append(events, storetest.Delete(m))
			continue
		default:
			continue
		}
		events = append(events, storetest.Put(m))
	}
	storetest.AppendApplyEach(ctx, t, s, events, tagOf("v1"))
	checkAccountCopies(t, s, false) // (before the re-analysis rewrites every record)
	reanalyse(t, s, tagOf("v2"))
	if n, err := s.Forget(ctx, "W1", "U-C1-0011"); err != nil || n != 1 {
		t.Fatalf("Forget = %d, %v; want 1", n, err)
	}
	if _, err := s.Expire(ctx, "W1", storetest.Base.Add(6*time.Hour)); err != nil {
		t.Fatal(err)
	}
	checkAccountCopies(t, s, false)
	total := 0
	for _, acct := range []string{"A0", "A1", "A2", "A9"} {
		got, err := s.Messages(ctx, store.Query{Workspace: "W1", Account: acct, Limit: store.MaxQueryLimit})
		if err != nil {
			t.Fatal(err)
		}
		total += len(got)
		for _, st := range got {
			byKey, err := s.Message(ctx, st.Message.Key())
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(st, byKey) {
				t.Errorf("account %s's read gives %s as\n%+v\nits record is\n%+v", acct, st.Message.Key(), st, byKey)
			}
			if st.Tags.Analyzer != "v2" || st.Message.Account != acct {
				t.Errorf("account %s's read gives %s of account %s analysed by %s", acct, st.Message.Key(), st.Message.Account, st.Tags.Analyzer)
			}
		}
	}
	// 60, less 10 deleted, one erased and those before the sixth hour (5 of the
	// first 6: one of them was deleted).
	if want := 60 - 10 - 1 - 5; total != want {
		t.Errorf("the accounts' reads give %d messages, want %d", total, want)
	}
}
