package redisstore

import (
	"slices"
	"strconv"
	"unicode/utf8"

	"github.com/feedbackbot/feedbackbot"
)

// appendCounters appends counters as a JSON object. It is what json.Marshal of the
// map would produce up to key order (Lua's cjson reads it), without reflection or
// sorting: encoding every message's counters was the largest cost of Apply in Go.
func appendCounters(b []byte, counters map[string]int64) []byte {
	b = slices.Grow(b, 40*len(counters)+2)
	b = append(b, '{')
	for k, v := range counters {
		b = appendCounter(b, k, v)
	}
	return closeObject(b)
}

// appendCounterList is appendCounters of a list of counters, each name once.
func appendCounterList(b []byte, counters []feedbackbot.Counter) []byte {
	b = slices.Grow(b, 40*len(counters)+2)
	b = append(b, '{')
	for _, c := range counters {
		b = appendCounter(b, c.Name, c.Value)
	}
	return closeObject(b)
}

// appendCounter appends "name":v and a comma.
func appendCounter(b []byte, name string, v int64) []byte {
	b = appendJSONString(b, name)
	b = append(b, ':')
	return append(strconv.AppendInt(b, v, 10), ',')
}

// closeObject ends an object of appendCounter's members: the last comma becomes
// the closing brace.
func closeObject(b []byte) []byte {
	if b[len(b)-1] == ',' {
		b[len(b)-1] = '}'
		return b
	}
	return append(b, '}')
}

// appendJSONString appends s as a JSON string. Like encoding/json it replaces invalid
// UTF-8 with U+FFFD and escapes control characters, quotes and backslashes (HTML
// characters are left alone: nothing here is embedded in HTML).
func appendJSONString(b []byte, s string) []byte {
	const hex = "0123456789abcdef"
	b = append(b, '"')
	for i := 0; i < len(s); {
		// a run of bytes that need no escaping (all of most keys and counter
		// names) is appended at once
		j := i
		for j < len(s) && s[j] >= 0x20 && s[j] < utf8.RuneSelf && s[j] != '"' && s[j] != '\\' {
			j++
		}
		if j > i {
			b = append(b, s[i:j]...)
			i = j
			continue
		}
		c := s[i]
		if c < utf8.RuneSelf {
			switch {
			case c == '"' || c == '\\':
				b = append(b, '\\', c)
			case c == '\n':
				b = append(b, '\\', 'n')
			case c == '\r':
				b = append(b, '\\', 'r')
			case c == '\t':
				b = append(b, '\\', 't')
			case c < 0x20:
				b = append(b, '\\', 'u', '0', '0', hex[c>>4], hex[c&0xf])
			default:
				b = append(b, c)
			}
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && size == 1:
			b = append(b, `\ufffd`...)
		case r == '\u2028' || r == '\u2029':
			b = append(b, '\\', 'u', '2', '0', '2', hex[r&0xf])
		default:
			b = append(b, s[i:i+size]...)
		}
		i += size
	}
	return append(b, '"')
}

// appendSpec appends an index spec ([key, role] pairs) as a JSON array of arrays, as
// json.Marshal would.
func appendSpec(b []byte, spec [][2]string) []byte {
	b = append(b, '[')
	for i, e := range spec {
		if i > 0 {
			b = append(b, ',')
		}
		b = append(b, '[')
		b = appendJSONString(b, e[0])
		b = append(b, ',')
		b = appendJSONString(b, e[1])
		b = append(b, ']')
	}
	return append(b, ']')
}
