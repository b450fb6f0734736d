package redisstore

import (
	"encoding/json"
	"maps"
	"testing"

	"github.com/feedbackbot/feedbackbot"
)

func TestAppendCounters(t *testing.T) {
	tests := []map[string]int64{
		{},
		{"messages": 1},
		{"account:T\"1\\x:customer": -3, "theme:billing:score_milli": -750, "ch:C1\n\t\x01:neg": 1},
		{"bad:\xff\xfe:x": 2, "sep:\u2028\u2029": 9, "emoji:🎉": 1 << 40},
	}
	for _, want := range tests {
		enc := appendCounters(nil, want)
		var got map[string]int64
		if err := json.Unmarshal(enc, &got); err != nil {
			t.Fatalf("appendCounters(%v) = %s: not JSON: %v", want, enc, err)
		}
		std, _ := json.Marshal(want)
		var wantBack map[string]int64
		if err := json.Unmarshal(std, &wantBack); err != nil {
			t.Fatal(err)
		}
		if !maps.Equal(got, wantBack) {
			t.Errorf("appendCounters(%v) decodes to %v, encoding/json's to %v", want, got, wantBack)
		}
		var list []feedbackbot.Counter
		for k, v := range want {
			list = append(list, feedbackbot.Counter{Name: k, Value: v})
		}
		enc = appendCounterList(nil, list)
		got = nil
		if err := json.Unmarshal(enc, &got); err != nil {
			t.Fatalf("appendCounterList(%v) = %s: not JSON: %v", list, enc, err)
		}
		if !maps.Equal(got, wantBack) {
			t.Errorf("appendCounterList(%v) decodes to %v, encoding/json's to %v", list, got, wantBack)
		}
	}
}

func TestAppendSpec(t *testing.T) {
	spec := [][2]string{{"fb:{T1}:r:1700000000", "r"}, {"fb:{T1}:ta:A\"1", "t"}, {"fb:{T1}:n:neg:20261102", "n-"}}
	want, _ := json.Marshal(spec)
	if got := appendSpec(nil, spec); string(got) != string(want) {
		t.Errorf("appendSpec = %s, want %s", got, want)
	}
	if got := appendSpec(nil, nil); string(got) != "[]" {
		t.Errorf("appendSpec(nil) = %s, want []", got)
	}
}
