package redisstore

import (
	"strings"
	"testing"
)

func TestAtLeast(t *testing.T) {
	for _, c := range []struct {
		v    string
		want bool
	}{
		{"7.0.15", true}, {"6.2.0", true}, {"6.2", true}, {"6.0.16", false}, {"5.0.7", false},
		{"10.0.0", true}, {"6.10.1", true}, {"weird", true},
	} {
		if got := atLeast(c.v, 6, 2); got != c.want {
			t.Errorf("atLeast(%q, 6, 2) = %v, want %v", c.v, got, c.want)
		}
	}
}

func TestEscapeTag(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		{"T123", "T123"},
		{"W{1}", "W%7B1%7D"},
		{"}{", "%7D%7B"},
		{"50%", "50%25"},
		{"%7B", "%257B"}, // escaping is injective: a literal "%7B" differs from "{"
	} {
		got := escapeTag(c.in)
		if got != c.want {
			t.Errorf("escapeTag(%q) = %q, want %q", c.in, got, c.want)
		}
	}
	// The hash tag of every workspace key is exactly the escaped workspace id.
	s := New(nil, Options{Prefix: "p{x}"})
	k := s.ws("a}b{c")
	for _, key := range []string{k.log(), k.latest(), k.rec("slack/a}b{c/m{1}"), k.timeAccount("A{1}"), k.doc("x}")} {
		open := strings.IndexByte(key, '{')
		end := strings.IndexByte(key[open+1:], '}')
		if open < 0 || end < 0 || key[open+1:open+1+end] != "a%7Db%7Bc" {
			t.Errorf("key %q: hash tag is not the escaped workspace", key)
		}
	}
}
