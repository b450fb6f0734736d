package redisstore

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/redis/go-redis/v9"
)

// A message record (fb:{ws}:m:<key>) is one string, written by Apply:
//
//	"1\n" stamp "\n" bucket "\n" index spec "\n" contributions "\n" stored JSON
//
// The stamp is revision@analyzer, the bucket the hour's unix seconds, the spec and
// the contributions single-line JSON (their strings escape every control
// character), and the stored JSON last, so it may hold anything. Versions before
// 2026-12-02 wrote a hash of the same fields (s, b, k, c, d); both are read, and a
// record is rewritten as a string when its message is applied again. A hash with a
// kilobyte-long field is a real hash table (its value is longer than
// hash-max-listpack-value): writing the five fields cost Redis 13,000 instructions
// more a message than one string (go run ./bench rediscost -workload import: 178,316
// a message with hashes, 165,154 with strings; the pipeline workload 163,436 and
// 149,659), and its table entries memory.
const recordVersion = "1\n"

// record is a message record's fields as read; found is false where there is none.
type record struct {
	found                              bool
	stamp, bucket, spec, contrib, data string
}

// appendRecord appends a record's string form.
func appendRecord(b []byte, stamp, bucket string, spec, contrib, data []byte) []byte {
	b = append(b, recordVersion...)
	b = append(append(b, stamp...), '\n')
	b = append(append(b, bucket...), '\n')
	b = append(append(b, spec...), '\n')
	b = append(append(b, contrib...), '\n')
	return append(b, data...)
}

// parseRecord reads a record's string form.
func parseRecord(v string) (record, error) {
	rest, ok := strings.CutPrefix(v, recordVersion)
	if !ok {
		return record{}, fmt.Errorf("not a version-1 record (%.12q)", v)
	}
	var f [4]string
	for i := range f {
		var ok bool
		if f[i], rest, ok = strings.Cut(rest, "\n"); !ok {
			return record{}, fmt.Errorf("record ends after %d of its 5 fields", i)
		}
	}
	return record{found: true, stamp: f[0], bucket: f[1], spec: f[2], contrib: f[3], data: rest}, nil
}

// readRecordLua defines readrec(key) for a script: the record's {stamp,
// contributions, index spec, bucket}, as HMGET key s c k b of a hash record would
// return them (every field nil where there is no record).
const readRecordLua = `
local function readrec(key)
  local r = redis.pcall('GET', key)
  if not r then return {} end
  if type(r) == 'table' then
    -- WRONGTYPE: a hash record of a version before 2026-12-02
    return redis.call('HMGET', key, 's', 'c', 'k', 'b')
  end
  local a = string.find(r, '\n', 3, true)
  local b = string.find(r, '\n', a + 1, true)
  local c = string.find(r, '\n', b + 1, true)
  local d = string.find(r, '\n', c + 1, true)
  return {string.sub(r, 3, a - 1), string.sub(r, c + 1, d - 1), string.sub(r, b + 1, c - 1), string.sub(r, a + 1, b - 1)}
end
`

// getRecords reads the records at keys, pipelined (with a second pipeline for the
// hash records of older versions, if any); "" keys are skipped.
func (s *Store) getRecords(ctx context.Context, keys []string) ([]record, error) {
	out := make([]record, len(keys))
	cmds := make([]*redis.StringCmd, len(keys))
	_, _ = s.rdb.Pipelined(ctx, func(p redis.Pipeliner) error {
		for i, k := range keys {
			if k != "" {
				cmds[i] = p.Get(ctx, k)
			}
		}
		return nil
	})
	var hashes []int
	for i, c := range cmds {
		if c == nil {
			continue
		}
		v, err := c.Result()
		switch {
		case errors.Is(err, redis.Nil):
		case err != nil && strings.HasPrefix(err.Error(), "WRONGTYPE"):
			hashes = append(hashes, i)
		case err != nil:
			return nil, err
		default:
			if out[i], err = parseRecord(v); err != nil {
				return nil, fmt.Errorf("record %s: %w", keys[i], err)
			}
		}
	}
	if len(hashes) == 0 {
		return out, nil
	}
	old := make([]*redis.SliceCmd, len(hashes))
	_, _ = s.rdb.Pipelined(ctx, func(p redis.Pipeliner) error {
		for j, i := range hashes {
			old[j] = p.HMGet(ctx, keys[i], "s", "b", "k", "c", "d")
		}
		return nil
	})
	for j, i := range hashes {
		v, err := old[j].Result()
		if err != nil {
			return nil, err
		}
		r := &out[i]
		r.stamp, _ = v[0].(string)
		r.bucket, _ = v[1].(string)
		r.spec, _ = v[2].(string)
		r.contrib, _ = v[3].(string)
		r.data, _ = v[4].(string)
		r.found = r.stamp != "" || r.data != ""
	}
	return out, nil
}
