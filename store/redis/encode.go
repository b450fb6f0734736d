package redisstore

import (
	"slices"
	"strconv"

	"github.com/feedbackbot/feedbackbot"
	"github.com/feedbackbot/feedbackbot/store"
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
	b = store.AppendText(b, name)
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

// appendSpec appends an index spec ([key, role] pairs) as a JSON array of arrays, as
// json.Marshal would.
func appendSpec(b []byte, spec [][2]string) []byte {
	b = append(b, '[')
	for i, e := range spec {
		if i > 0 {
			b = append(b, ',')
		}
		b = append(b, '[')
		b = store.AppendText(b, e[0])
		b = append(b, ',')
		b = store.AppendText(b, e[1])
		b = append(b, ']')
	}
	return append(b, ']')
}
