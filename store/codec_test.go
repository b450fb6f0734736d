package store

import (
	"bytes"
	"encoding/json"
	"fmt"
	"maps"
	"math"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/feedbackbot/feedbackbot"
)

// realistic is a typical captured customer message with its tags (~600 bytes of JSON).
func realistic() Stored {
	return Stored{
		Message: feedbackbot.Message{
			ID: "C024BE91L:1712345678.123456", Platform: feedbackbot.PlatformSlack, Workspace: "T0001ACME",
			Channel: "C024BE91L", ChannelName: "ext-globex-support", Thread: "C024BE91L:1712345600.000100",
			Author: "U07ABCDEF", AuthorName: "Dana Whitfield", Role: feedbackbot.RoleCustomer,
			Account: "T0GLOBEX", AccountName: "Globex Corp",
			Text: "Hey <@U123ABC>, the nightly export failed again — 3rd time this week 😩. " +
				"Logs say `timeout after 30s` on the \"orders\" table & retries don't help. Can you take a look? " +
				"We need this fixed before Monday's board review.",
			Time:      time.Date(2024, 4, 5, 19, 34, 38, 123456000, time.UTC),
			EditedAt:  time.Date(2024, 4, 5, 19, 36, 2, 0, time.UTC),
			Permalink: "https://acme.slack.com/archives/C024BE91L/p1712345678123456",
			Reactions: map[string]int{"eyes": 2, "+1": 1},
		},
		Tags: feedbackbot.Tags{
			Sentiment:  feedbackbot.Sentiment{Label: feedbackbot.Negative, Score: -0.6249, Emotion: feedbackbot.EmotionFrustration},
			Themes:     []string{"export", "reliability", "performance"},
			Intent:     feedbackbot.IntentBugReport,
			NeedsReply: true,
			Analyzer:   "rules/v7@taxonomy-2024-03",
		},
	}
}

func mustMarshal(t testing.TB, v any) []byte {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// checkDecode compares DecodeStored, DecodeCounters and DecodeString with
// json.Unmarshal on data: the same error or not, and equal values on success.
func checkDecode(t *testing.T, data []byte) {
	t.Helper()
	var want Stored
	wantErr := json.Unmarshal(data, &want)
	buf := bytes.Clone(data)
	var got Stored
	gotErr := DecodeStored(buf, &got)
	if (wantErr == nil) != (gotErr == nil) {
		t.Fatalf("DecodeStored(%q): error %v, encoding/json: %v", data, gotErr, wantErr)
	}
	if wantErr == nil {
		for i := range buf {
			buf[i] = 'X' // decoded strings must not alias the input
		}
		if !reflect.DeepEqual(got, want) {
			t.Fatalf("DecodeStored(%q):\n got %#v\nwant %#v", data, got, want)
		}
	}
	var shared Stored // strings may share data's memory: the same values
	if err := DecodeStoredShared(string(data), &shared); (err == nil) != (wantErr == nil) {
		t.Fatalf("DecodeStoredShared(%q): error %v, encoding/json: %v", data, err, wantErr)
	}
	if wantErr == nil && !reflect.DeepEqual(shared, want) {
		t.Fatalf("DecodeStoredShared(%q):\n got %#v\nwant %#v", data, shared, want)
	}

	var wantE, gotE feedbackbot.Event
	wantErr = json.Unmarshal(data, &wantE)
	buf = bytes.Clone(data)
	gotErr = DecodeEvent(buf, &gotE)
	if (wantErr == nil) != (gotErr == nil) {
		t.Fatalf("DecodeEvent(%q): error %v, encoding/json: %v", data, gotErr, wantErr)
	}
	if wantErr == nil {
		for i := range buf {
			buf[i] = 'X'
		}
		if !reflect.DeepEqual(gotE, wantE) {
			t.Fatalf("DecodeEvent(%q):\n got %#v\nwant %#v", data, gotE, wantE)
		}
	}

	wantC := map[string]int64{}
	wantErr = json.Unmarshal(data, &wantC)
	gotC := map[string]int64{}
	gotErr = DecodeCounters(data, gotC)
	if (wantErr == nil) != (gotErr == nil) {
		t.Fatalf("DecodeCounters(%q): error %v, encoding/json: %v", data, gotErr, wantErr)
	}
	if wantErr == nil && len(wantC)+len(gotC) > 0 && !reflect.DeepEqual(gotC, wantC) {
		t.Fatalf("DecodeCounters(%q): got %v, want %v", data, gotC, wantC)
	}
	// DecodeCountersOf: the same errors, and the named counters alone (every other
	// key of encoding/json's, and one that is not there)
	names := []string{"not-there"}
	for i, k := range slices.Sorted(maps.Keys(wantC)) {
		if i%2 == 0 {
			names = append(names, k)
		}
	}
	gotOf := map[string]int64{}
	gotErr = DecodeCountersOf(data, names, gotOf)
	if (wantErr == nil) != (gotErr == nil) {
		t.Fatalf("DecodeCountersOf(%q): error %v, encoding/json: %v", data, gotErr, wantErr)
	}
	if wantErr == nil {
		wantOf := map[string]int64{}
		for _, k := range names {
			if n, ok := wantC[k]; ok {
				wantOf[k] = n
			}
		}
		if !maps.Equal(gotOf, wantOf) {
			t.Fatalf("DecodeCountersOf(%q, %q): got %v, want %v", data, names, gotOf, wantOf)
		}
	}

	var wantS, gotS string
	wantErr = json.Unmarshal(data, &wantS)
	gotErr = DecodeString(data, &gotS)
	if (wantErr == nil) != (gotErr == nil) || wantErr == nil && gotS != wantS {
		t.Fatalf("DecodeString(%q): %q, %v; encoding/json: %q, %v", data, gotS, gotErr, wantS, wantErr)
	}
}

// decodeCases are JSON texts, good and bad, checked against encoding/json; they also
// seed the fuzzer.
var decodeCases = []string{
	`{}`, `null`, ` null `, `{"message":null,"tags":null}`, `[]`, `"x"`, `1`, `true`, ``, ` `, `{`, `}`,
	`{"message":{}}`, `{"message":{},}`, `{"message" {}}`, `{"message":{}} x`, `{"message":{}}{}`,
	`{"message":{"id":"a","id":"b"}}`,
	`{"message":{"id":"a"},"message":{"text":"b"}}`,
	`{"message":{"ID":"a","Text":"b","TEXT":"c","text":"d"}}`,
	`{"Message":{"Platform":"slack","WORKSPACE":"T1"},"TAGS":{"Themes":["x"]}}`,
	`{"message":{"wor\u212aspace":"kelvin","\u017fext":"long s"}}`,
	`{"message":{"\u0130d":"dotted I"}}`,
	`{"mess\u0061ge":{"t\u0065xt":"escaped key"}}`,
	`{"message":{"text":"\"\\\/\b\f\n\r\t\u0041\u00e9\u20ac\ud83d\ude00"}}`,
	`{"message":{"text":"\ud83d"}}`, `{"message":{"text":"\ude00"}}`, `{"message":{"text":"\ud83d\u0041"}}`,
	`{"message":{"text":"\ud83d\ud83d\ude00"}}`, `{"message":{"text":"\ud83dx"}}`, `{"message":{"text":"\uDBFF\uDFFF"}}`,
	`{"message":{"text":"\u12"}}`, `{"message":{"text":"\x"}}`, `{"message":{"text":"\'"}}`,
	"{\"message\":{\"text\":\"a\tb\"}}", "{\"message\":{\"text\":\"a\x00\"}}",
	"{\"message\":{\"text\":\"bad \xff\xfe utf8 \xe2\x82\"}}", "{\"message\":{\"te\xffxt\":\"k\"}}",
	"{\"message\":{\"text\":\"esc \\n then bad \xc3\"}}",
	"{\"message\":{\"reactions\":{\"\xff\":1}}}",
	`{"message":{"text":"<@U123> & <#C1|general> \u003c\u2028\u2029"}}`,
	`{"message":{"text":1}}`, `{"message":{"text":true}}`, `{"message":{"text":{}}}`, `{"message":{"text":[]}}`,
	`{"message":{"text":null,"id":null,"role":null}}`, `{"message":{"id":"a"},"message":null}`,
	`{"message":{"truncated":true}}`, `{"message":{"truncated":"true"}}`, `{"message":{"truncated":1}}`,
	`{"message":{"truncated":null}}`, `{"message":{"truncated":tru}}`, `{"message":{"truncated":nul}}`,
	`{"message":{"time":"2024-04-05T19:34:38.123456789Z"}}`, `{"message":{"time":"2024-04-05T19:34:38+02:00"}}`,
	`{"message":{"time":"2024-04-05T19:34:38.5-07:30"}}`, `{"message":{"time":"2024-04-05 19:34:38Z"}}`,
	`{"message":{"time":"2024-04-05T19:34:38\u005a"}}`, `{"message":{"time":null}}`, `{"message":{"time":0}}`,
	`{"message":{"time":{}}}`, `{"message":{"time":[]}}`, `{"message":{"time":""}}`, `{"message":{"time":"0001-01-01T00:00:00Z"}}`,
	`{"message":{"time":"2024-02-30T00:00:00Z"}}`, `{"message":{"time":"2024-04-05T24:00:00Z"}}`,
	`{"message":{"edited_at":"2024-04-05T19:34:38.000000001Z","time":"2024-04-05T19:34:38Z"}}`,
	`{"message":{"reactions":{"+1":3,"eyes":1}}}`, `{"message":{"reactions":{}}}`, `{"message":{"reactions":null}}`,
	`{"message":{"reactions":{"a":1},"reactions":{"b":2}}}`, `{"message":{"reactions":{"a":1},"reactions":null}}`,
	`{"message":{"reactions":{"a":null}}}`, `{"message":{"reactions":{"a":1.5}}}`, `{"message":{"reactions":{"a":1e2}}}`,
	`{"message":{"reactions":{"a":"1"}}}`, `{"message":{"reactions":{"a":-0}}}`, `{"message":{"reactions":{"a":9223372036854775807}}}`,
	`{"message":{"reactions":{"a":9223372036854775808}}}`, `{"message":{"reactions":{"a":-9223372036854775808}}}`,
	`{"message":{"reactions":[]}}`, `{"message":{"reactions":{"a":1,}}}`, `{"message":{"reactions":{"a":01}}}`,
	`{"tags":{"sentiment":{"label":"negative","score":-0.5,"emotion":"anger"}}}`,
	`{"tags":{"sentiment":{"score":1e400}}}`, `{"tags":{"sentiment":{"score":-1e400}}}`, `{"tags":{"sentiment":{"score":1e-400}}}`,
	`{"tags":{"sentiment":{"score":-0}}}`, `{"tags":{"sentiment":{"score":0.1E+2}}}`, `{"tags":{"sentiment":{"score":"0.5"}}}`,
	`{"tags":{"sentiment":{"score":.5}}}`, `{"tags":{"sentiment":{"score":1.}}}`, `{"tags":{"sentiment":{"score":1e}}}`,
	`{"tags":{"sentiment":{"score":-}}}`, `{"tags":{"sentiment":{"score":+1}}}`, `{"tags":{"sentiment":{"score":00}}}`,
	`{"tags":{"sentiment":{"score":null}}}`, `{"tags":{"sentiment":null}}`, `{"tags":{"sentiment":[]}}`,
	`{"tags":{"sentiment":{"score":123456789012345678901234567890}}}`, `{"tags":{"sentiment":{"score":NaN}}}`,
	`{"tags":{"themes":["a","b"]}}`, `{"tags":{"themes":[]}}`, `{"tags":{"themes":null}}`, `{"tags":{"themes":[null]}}`,
	`{"tags":{"themes":["a","b"],"themes":[null]}}`, `{"tags":{"themes":["a","b","c"],"themes":["x"],"themes":[null,null,null]}}`,
	`{"tags":{"themes":["a"],"themes":[]}}`, `{"tags":{"themes":["a",1]}}`, `{"tags":{"themes":{}}}`, `{"tags":{"themes":"a"}}`,
	`{"tags":{"themes":["a",]}}`, `{"tags":{"themes":[,]}}`, `{"tags":{"themes":["a" "b"]}}`, `{"tags":{"themes":[}}`,
	`{"tags":{"needs_reply":true,"intent":"question","analyzer":"rules/v1"}}`, `{"tags":{"needs_reply":0}}`,
	`{"extra":{"a":[1,2,{"b":null,"c":[true,false,"x\u00e9"]}],"d":-1.5e-3},"message":{"id":"m1","other":[[]]}}`,
	`{"extra":[1,2,}`, `{"extra":{"a" 1}}`, `{"extra":"\q"}`, `{"extra":tru}`, `{"extra":nulll}`, `{"extra":01}`,
	`{"stamp":"abc@rules","contrib":{"messages":1,"neg":1}}`, `{"a":1,"a":2}`, `{"a":1,"b":null}`, `{"a":1,"b":"x"}`,
	`{"a":1,"b":2.0}`, `{"messages":1,"sentiment:neg":-3}`, `{"a":{"b":1}}`, `{"a":[1]}`, "\t{ \"a\" :\r\n1 } \n",
	`{"message":{"text":"a\nb","author_name":"c\td","channel_name":"\u00e9","id":"plain"},"tags":{"themes":["x\"y","z"]}}`,
	"{\"message\":{\"text\":\"\xe2\x80\xa8 line sep\"}}", `{"message":{"text":"\u0000"}}`,
	`{"message":{"text":"a"` + strings.Repeat(" ", 3) + `}}`, `{"message":"a"}`, `{"message":[]}`, `{"tags":1}`,
	"\ufeff{}", `{"message":{}}}`, `{"message":{}]`, `{,}`, `{"a"}`, `{"a":}`, `{1:2}`, `{"a":1 "b":2}`,
}

func TestDecodeMatchesEncodingJSON(t *testing.T) {
	for _, c := range decodeCases {
		checkDecode(t, []byte(c))
	}
	s := realistic()
	checkDecode(t, mustMarshal(t, &s))
	var zero Stored
	checkDecode(t, mustMarshal(t, &zero))
	s.Tags.Themes = []string{}
	s.Message.Reactions = nil
	checkDecode(t, mustMarshal(t, &s))
	// Bolt's records: a Stored with a stamp and rollup contributions.
	rec := struct {
		Stored
		Stamp   string           `json:"stamp"`
		Contrib map[string]int64 `json:"contrib"`
	}{realistic(), "1f2e3d@rules/v7", map[string]int64{"messages": 1, "sentiment:negative": 1}}
	checkDecode(t, mustMarshal(t, &rec))
}

func TestDecodeDepth(t *testing.T) {
	for _, n := range []int{9998, 9999, 10000, 10001} {
		data := `{"x":` + strings.Repeat("[", n) + strings.Repeat("]", n) + `}`
		checkDecode(t, []byte(data))
		data = `{"x":` + strings.Repeat(`{"a":`, n) + "1" + strings.Repeat("}", n) + `}`
		checkDecode(t, []byte(data))
	}
}

func TestDecodeStoredWith(t *testing.T) {
	s := realistic()
	rec := struct {
		Stored
		Stamp   string           `json:"stamp"`
		Contrib map[string]int64 `json:"contrib"`
	}{s, "1f2e3d@rules/v7", map[string]int64{"messages": 1, "neg": 1}}
	data := mustMarshal(t, &rec)
	var got Stored
	var stamp string
	contrib := map[string]int64{}
	err := DecodeStoredWith(data, &got, func(name, raw []byte) error {
		switch string(name) {
		case "stamp":
			return DecodeString(raw, &stamp)
		case "contrib":
			return DecodeCounters(raw, contrib)
		}
		t.Errorf("unexpected member %q", name)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, s) || stamp != rec.Stamp || !reflect.DeepEqual(contrib, rec.Contrib) {
		t.Fatalf("got %#v %q %v", got, stamp, contrib)
	}
	// An escaped name is unescaped and does not change under the callback.
	err = DecodeStoredWith([]byte(`{"st\u0061mp":{"\u0078":{"\u0079\u0079\u0079\u0079\u0079":1}}}`), &got, func(name, raw []byte) error {
		if string(name) != "stamp" {
			t.Errorf("name %q", name)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

func TestAppendStoredMatchesMarshal(t *testing.T) {
	cases := []Stored{{}, realistic()}
	s := realistic()
	s.Message.Text = "<script>&amp;</script> \u2028\u2029 \x00\x01\x1f\x7f \b\f\n\r\t \"q\" \\ / \xff\xc3 é 😀 \U0010FFFF"
	s.Message.Reactions = map[string]int{"<b>": -1, "\xff": 2, "z": 0, "a": 1 << 40}
	s.Message.Truncated = true
	s.Message.Time = time.Date(2024, 4, 5, 19, 34, 38, 1, time.FixedZone("X", -(7*3600+30*60)))
	s.Tags.Themes = []string{}
	s.Tags.NeedsReply = false
	cases = append(cases, s)
	for _, f := range []float64{0, math.Copysign(0, -1), 1, -1, 0.1, 1e-6, 9.99999e-7, 1e-7, 1e20, 1e21, 123456789.125, -5e-324, math.MaxFloat64} {
		s := realistic()
		s.Tags.Sentiment.Score = f
		cases = append(cases, s)
	}
	for _, s := range cases {
		want := mustMarshal(t, &s)
		got, err := AppendStored([]byte("prefix"), &s)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got[len("prefix"):], want) {
			t.Fatalf("AppendStored:\n got %s\nwant %s", got, want)
		}
	}
	bad := []func(*Stored){
		func(s *Stored) { s.Tags.Sentiment.Score = math.NaN() },
		func(s *Stored) { s.Tags.Sentiment.Score = math.Inf(-1) },
		func(s *Stored) { s.Message.Time = time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC) },
		func(s *Stored) { s.Message.EditedAt = time.Date(-1, 1, 1, 0, 0, 0, 0, time.UTC) },
		func(s *Stored) { s.Message.Time = time.Date(2024, 1, 1, 0, 0, 0, 0, time.FixedZone("", 24*3600)) },
	}
	for i, f := range bad {
		s := realistic()
		f(&s)
		if _, err := json.Marshal(&s); err == nil {
			t.Fatalf("case %d: json.Marshal accepts it", i)
		}
		if _, err := AppendStored(nil, &s); err == nil {
			t.Fatalf("case %d: AppendStored accepts what json.Marshal refuses", i)
		}
	}
}

func TestAppendCounters(t *testing.T) {
	for _, c := range []map[string]int64{nil, {}, {"messages": 1, "a<b": -2, "\xff": 3, "é": 1 << 62}} {
		want := mustMarshal(t, c)
		if got := AppendCounters(nil, c); !bytes.Equal(got, want) {
			t.Fatalf("AppendCounters(%v) = %s, want %s", c, got, want)
		}
	}
}

func TestDecodeStoredAllocs(t *testing.T) {
	s := realistic()
	data := mustMarshal(t, &s)
	allocs := testing.AllocsPerRun(100, func() {
		var got Stored
		if err := DecodeStored(data, &got); err != nil {
			t.Fatal(err)
		}
	})
	// 14 strings, 3 themes and their slice, the reactions map and its 2 keys.
	if allocs > 24 {
		t.Fatalf("DecodeStored allocates %v times per record", allocs)
	}
	// Shared, the strings without escapes are not copied: the themes' slice, the
	// reactions map and its keys, the text (it has escapes) are left.
	raw := string(data)
	allocs = testing.AllocsPerRun(100, func() {
		var got Stored
		if err := DecodeStoredShared(raw, &got); err != nil {
			t.Fatal(err)
		}
	})
	if allocs > 8 {
		t.Fatalf("DecodeStoredShared allocates %v times per record", allocs)
	}
}

func FuzzDecodeStored(f *testing.F) {
	for _, c := range decodeCases {
		f.Add([]byte(c))
	}
	s := realistic()
	f.Add(mustMarshal(f, &s))
	var zero Stored
	f.Add(mustMarshal(f, &zero))
	s.Message.Text = "emoji 😀👍🏽 and <@U123|dana> &lt; \u2028 \"quoted\" \\ tab\tnl\n \x01"
	s.Message.Reactions = map[string]int{"+1": 1, "heart_eyes": 12, "skin-tone-2": 0}
	s.Tags.Themes = []string{}
	f.Add(mustMarshal(f, &s))
	f.Add([]byte(strings.ReplaceAll(string(mustMarshal(f, &s)), `"text"`, `"TeXt"`)))
	f.Add([]byte(strings.ReplaceAll(string(mustMarshal(f, &s)), `"tags":{`, `"tags":{"unknown":[{"x":null}],`)))
	ev := feedbackbot.Event{Kind: feedbackbot.EventPut, Message: s.Message}
	f.Add(mustMarshal(f, &ev))
	f.Add([]byte(strings.ReplaceAll(string(mustMarshal(f, &ev)), `"kind":"put"`, `"KIND":"delete","other":[1,{"kind":2}]`)))
	f.Add([]byte(`{"kind":"delete","message":null}`))
	f.Add([]byte(`{"kind":7,"message":{}}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		checkDecode(t, data)
	})
}

func FuzzAppendStored(f *testing.F) {
	f.Add("C1:1712345678.1", "Hey <@U123>, export failed 😩 & \"retries\"", "Dana", "eyes", 2, -0.625, "export", true, int64(1712345678), int64(123456789), int64(0), 0)
	f.Add("", "", "", "", 0, 0.0, "", false, int64(0), int64(0), int64(-62135596800), 0)
	f.Add("\xff", "\u2028\u2029\x00\b\f", "é", "\xfe", -1, 1e-7, "\x7f", false, int64(-62135596801), int64(0), int64(253402300800), 3600)
	f.Add("a", "b", "c", "d", 1<<40, 1e21, "t", true, int64(1712345678), int64(1), int64(1712345679), -27000)
	f.Fuzz(func(t *testing.T, id, text, name, react string, count int, score float64, theme string, flag bool, sec, nsec, edited int64, offset int) {
		s := Stored{
			Message: feedbackbot.Message{
				ID: id, Platform: feedbackbot.Platform(react), Workspace: name, Channel: theme, ChannelName: id,
				Author: text, AuthorName: name, Role: feedbackbot.Role(id), Account: react, Text: text,
				Truncated: flag, Time: time.Unix(sec, nsec).In(time.FixedZone("", offset%(30*3600))),
				Permalink: theme,
			},
			Tags: feedbackbot.Tags{
				Sentiment: feedbackbot.Sentiment{Label: feedbackbot.SentimentLabel(theme), Score: score, Emotion: feedbackbot.Emotion(react)},
				Intent:    feedbackbot.Intent(name), NeedsReply: !flag, Analyzer: text,
			},
		}
		if edited != 0 {
			s.Message.EditedAt = time.Unix(edited, nsec).UTC()
		}
		if react != "" || count != 0 {
			s.Message.Reactions = map[string]int{react: count, theme: -count}
		}
		if flag {
			s.Tags.Themes = []string{theme, text}
		} else if count%2 == 0 {
			s.Tags.Themes = []string{}
		}
		checkBinary(t, &s)
		ev := feedbackbot.Event{Kind: feedbackbot.EventKind(name), Message: s.Message}
		wantE, wantEErr := json.Marshal(&ev)
		gotE, gotEErr := AppendEvent(nil, &ev)
		if (wantEErr == nil) != (gotEErr == nil) {
			t.Fatalf("AppendEvent error %v, json.Marshal: %v", gotEErr, wantEErr)
		}
		if wantEErr == nil && !bytes.Equal(gotE, wantE) {
			t.Fatalf("AppendEvent:\n got %s\nwant %s", gotE, wantE)
		}
		want, wantErr := json.Marshal(&s)
		got, gotErr := AppendStored(nil, &s)
		if (wantErr == nil) != (gotErr == nil) {
			t.Fatalf("AppendStored error %v, json.Marshal: %v", gotErr, wantErr)
		}
		if wantErr != nil {
			return
		}
		if !bytes.Equal(got, want) {
			t.Fatalf("AppendStored:\n got %s\nwant %s", got, want)
		}
		var back, wantBack Stored
		if err := DecodeStored(got, &back); err != nil {
			t.Fatal(err)
		}
		if err := json.Unmarshal(want, &wantBack); err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(back, wantBack) {
			t.Fatalf("round trip:\n got %#v\nwant %#v", back, wantBack)
		}
	})
}

// benchAgainstJSON times the same work done by encoding/json and by the codec, as
// the sub-benchmarks "encoding-json" and "codec"; size is the bytes one call handles
// (0: no throughput reported).
func benchAgainstJSON(b *testing.B, size int, stdlib, codec func() error) {
	for _, c := range []struct {
		name string
		run  func() error
	}{{"encoding-json", stdlib}, {"codec", codec}} {
		b.Run(c.name, func(b *testing.B) {
			if size > 0 {
				b.SetBytes(int64(size))
			}
			b.ReportAllocs()
			for b.Loop() {
				if err := c.run(); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

func BenchmarkDecodeStored(b *testing.B) {
	s := realistic()
	data := mustMarshal(b, &s)
	benchAgainstJSON(b, len(data),
		func() error { var st Stored; return json.Unmarshal(data, &st) },
		func() error { var st Stored; return DecodeStored(data, &st) })
}

// BenchmarkDecodeEvent: a capture-log entry, as each worker reads it.
func BenchmarkDecodeEvent(b *testing.B) {
	s := realistic()
	data := mustMarshal(b, &feedbackbot.Event{Kind: feedbackbot.EventPut, Message: s.Message})
	benchAgainstJSON(b, len(data),
		func() error { var e feedbackbot.Event; return json.Unmarshal(data, &e) },
		func() error { var e feedbackbot.Event; return DecodeEvent(data, &e) })
}

// BenchmarkAppendEvent: a capture-log entry, as Append writes it.
func BenchmarkAppendEvent(b *testing.B) {
	s := realistic()
	ev := feedbackbot.Event{Kind: feedbackbot.EventPut, Message: s.Message}
	benchAgainstJSON(b, 0,
		func() error { _, err := json.Marshal(&ev); return err },
		func() error { _, err := AppendEvent(nil, &ev); return err })
}

func BenchmarkAppendStored(b *testing.B) {
	s := realistic()
	benchAgainstJSON(b, 0,
		func() error { _, err := json.Marshal(&s); return err },
		func() error { _, err := AppendStored(nil, &s); return err })
}

func BenchmarkDecodeCounters(b *testing.B) {
	c := map[string]int64{"messages": 412, "customer": 371, "staff": 41, "sentiment:negative": 88, "sentiment:positive": 120,
		"sentiment:neutral": 163, "intent:bug_report": 37, "intent:question": 140, "theme:export": 22, "needs_reply": 19}
	data := mustMarshal(b, c)
	benchAgainstJSON(b, 0,
		func() error { m := map[string]int64{}; return json.Unmarshal(data, &m) },
		func() error { m := map[string]int64{}; return DecodeCounters(data, m) })
}

// BenchmarkDecodeCountersOf: two counters of a record of 200 (an hour's rollup
// names each account and channel), against decoding it whole and picking them.
func BenchmarkDecodeCountersOf(b *testing.B) {
	c := map[string]int64{}
	for i := range 200 {
		c[fmt.Sprintf("account|acct-%03d|customer", i)] = int64(i)
	}
	c["customer"], c["score_milli"] = 371, -1200
	data := mustMarshal(b, c)
	names := []string{"customer", "score_milli"}
	b.Run("whole", func(b *testing.B) {
		b.ReportAllocs()
		for range b.N {
			m := map[string]int64{}
			if err := DecodeCounters(data, m); err != nil || m["customer"] != 371 {
				b.Fatal(err)
			}
		}
	})
	b.Run("named", func(b *testing.B) {
		b.ReportAllocs()
		for range b.N {
			m := map[string]int64{}
			if err := DecodeCountersOf(data, names, m); err != nil || m["customer"] != 371 || len(m) != 2 {
				b.Fatal(err)
			}
		}
	})
}

func TestAccountCounters(t *testing.T) {
	m := feedbackbot.Message{ID: "C1:1", Platform: feedbackbot.PlatformSlack, Workspace: "T1", Channel: "C1",
		Role: feedbackbot.RoleCustomer, Account: "a|b", Time: time.Unix(1700000000, 0)}
	tags := feedbackbot.Tags{Sentiment: feedbackbot.Sentiment{Score: -0.5}, Themes: []string{"acct"}}
	acct, got := AccountCounters(feedbackbot.Contributions(&m, &tags))
	want := map[string]int64{feedbackbot.CntCustomer: 1, feedbackbot.CntNegative: 1, feedbackbot.CntScoreMilli: -500, feedbackbot.CntScoreSqMilli: 250}
	if acct != AccountKey("a|b") || acct != "a/b" || !maps.Equal(got, want) {
		t.Errorf("AccountCounters = %q %v, want %q %v", acct, got, "a/b", want)
	}
	if acct, got := AccountCounters(map[string]int64{"n": 1, "ch|C1|cust": 1}); acct != "" || got != nil {
		t.Errorf("AccountCounters without an account = %q %v", acct, got)
	}
}

// FuzzAppendString checks AppendString byte for byte against json.Marshal, and
// AppendText against a json.Encoder with SetEscapeHTML(false), on any string.
func FuzzAppendString(f *testing.F) {
	for _, s := range []string{"", "plain", "q\"b\\", "\x00\x08\x0c\x1f\x7f", "\xff", "\u2028\u2029", "é🎉", "\xed\xa0\x80", "<@U1> & <#C2|x>"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		want, err := json.Marshal(s)
		if err != nil {
			t.Fatal(err)
		}
		if got := AppendString([]byte("x"), s); string(got) != "x"+string(want) {
			t.Errorf("AppendString(%q) = %s, json.Marshal %s", s, got[1:], want)
		}
		var buf bytes.Buffer
		enc := json.NewEncoder(&buf)
		enc.SetEscapeHTML(false)
		if err := enc.Encode(s); err != nil {
			t.Fatal(err)
		}
		text := strings.TrimSuffix(buf.String(), "\n")
		if got := AppendText(nil, s); string(got) != text {
			t.Errorf("AppendText(%q) = %s, a json.Encoder without HTML escaping %s", s, got, text)
		}
	})
}

// TestNeverEditedHasNoEditTime: a message never edited is written without
// "edited_at" (every line of a privacy export said "0001-01-01T00:00:00Z"), by
// the codec as by encoding/json, and reads back with a zero edit time.
func TestNeverEditedHasNoEditTime(t *testing.T) {
	s := Stored{Message: feedbackbot.Message{ID: "C1:1", Text: "hi", Time: time.Date(2026, 11, 2, 9, 0, 0, 0, time.UTC)}}
	b, err := AppendStored(nil, &s)
	if err != nil {
		t.Fatal(err)
	}
	j, _ := json.Marshal(&s)
	if strings.Contains(string(b), "edited_at") || strings.Contains(string(j), "edited_at") {
		t.Errorf("codec %s\njson %s\nwant no edited_at", b, j)
	}
	var back Stored
	if err := DecodeStored(b, &back); err != nil || !back.Message.EditedAt.IsZero() {
		t.Errorf("decoded edit time %v, %v; want zero", back.Message.EditedAt, err)
	}
}
