package text

import (
	"reflect"
	"strings"
	"testing"
)

func TestClean(t *testing.T) {
	tests := []struct{ in, want string }{
		{"hi <@U123> see <#C1|general>", "hi   see  "}, // a channel link is no word of the author's
		{"docs: <https://x.io/a|the guide> and https://y.io/b ok", "docs:  the guide  and   ok"},
		{"> you said it's fine\nit is NOT fine", "it is NOT fine"},
		{"run `rm -rf` then\n```\npanic: bad\n```\ngreat :tada:", "run   then\ngreat  🎉"},
		{"a &amp; b &lt;3", "a & b <3"},
		{"time 10:30:00 ok", "time 10:30:00 ok"},
		{"bad \xff utf8", "bad   utf8"},
	}
	for _, tt := range tests {
		got := strings.Join(strings.Fields(Clean(tt.in)), " ")
		want := strings.Join(strings.Fields(tt.want), " ")
		if got != want {
			t.Errorf("Clean(%q) = %q, want %q", tt.in, got, want)
		}
	}
}

func TestTokens(t *testing.T) {
	tests := []struct {
		in   string
		want []string
	}{
		{"Great, another outage🙄!!", []string{"Great", "another", "outage", "🙄"}},
		{"not bad :) at all...", []string{"not", "bad", ":)", "at", "all"}},
		{"we're evaluating other vendors.", []string{"we're", "evaluating", "other", "vendors"}},
		{"👍🏽 thanks ❤️", []string{"👍", "thanks", "❤"}},
		{"-- ... !!", nil},
	}
	for _, tt := range tests {
		got := Tokens(tt.in, nil)
		if len(got) == 0 && len(tt.want) == 0 {
			continue
		}
		if !reflect.DeepEqual(got, tt.want) {
			t.Errorf("Tokens(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func FuzzCleanTokens(f *testing.F) {
	for _, s := range []string{"<@U1> hi", "```x", "<https://a|b", ":tada", "\xff\xfe", "> q\nx"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		for _, tok := range Tokens(Clean(s), nil) {
			if tok == "" {
				t.Fatal("empty token")
			}
		}
	})
}

func BenchmarkTokenise(b *testing.B) {
	s := "Hey <@U042> — the CSV export is broken AGAIN since Tuesday's release :rage: we were charged twice too!!! <https://status.x.io|status page>"
	b.ReportAllocs()
	var buf []string
	for i := 0; i < b.N; i++ {
		buf = Tokens(Clean(s), buf)
	}
}
