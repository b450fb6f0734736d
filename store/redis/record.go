package redisstore

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/redis/go-redis/v9"
)

// A message record (fb:{ws}:m:<key>) is a hash written by Apply whose field m holds
// what the applied revision contributed:
//
//	"1\n" stamp "\n" bucket "\n" index spec "\n" contributions
//
// The stamp is revision@analyzer, the bucket the hour's unix seconds, the spec and the
// contributions single-line JSON (their strings escape every control character).
// Versions before 2026-12-02 wrote the four as fields of their own (s, b, k, c);
// both forms are read, and a record is rewritten in this one when its message is
// applied again. The stored JSON is longer than hash-max-listpack-value (64 bytes),
// so a record is a real hash table, where each field costs a table entry: writing
// five fields cost Redis about 9,000 instructions a message more than two (go run
// ./bench rediscost -workload import: 178,316 and 169,284; the pipeline workload
// 163,436 and 154,151). One string of all five was cheaper still (165,154 and
// 149,659) and 8% smaller (bench digest: 2,893 bytes a message against 3,150), but
// every read of messages then fetched the spec and contributions too, and digests
// took 66-84 ms against 55-62 (go run ./bench digest -stores redis -sizes
// 10000,100000, alternating).
//
// The stored message and tags are a string of its own beside the hash
// (fb:{ws}:d:<key>), written since the nineteenth session of 2026-12-04 in the binary form of
// store.AppendStoredBinary, which decodes in a quarter of the JSON's time and takes
// 335 bytes a message where the JSON took 560 (bench digest at 100k); the JSON of
// an older version is read as it is (decodeStored tells them by the first byte)
// and replaced when its message is applied again. A digest
// reads some 18,000 messages at a million, which took as many HGETs, and a string is
// read with one MGET per dataChunk. Versions before 2026-12-04 kept it in the hash
// as field d: readData reads it there where there is no string, and
// BuildAccountDays moves it out once.
const metaVersion = "1\n"

// dataChunk is how many data strings one MGET reads.
const dataChunk = 1000

// readData returns the stored JSON of workspace k's messages (by message key), ""
// for a message with no record (deleted since its key was read). It sends one MGET
// of their data strings per dataChunk, pipelined, and then, only for those it did
// not find, an HGET of the hash field of a record written before 2026-12-04
// followed by a GET of the string again, as the back-fill may move the JSON from
// the one to the other between two reads.
func (s *Store) readData(ctx context.Context, k wsKeys, members []string) ([]string, error) {
	out := make([]string, len(members))
	// (MGET read as strings, a missing one as "": a stored JSON is never empty; the
	// client's MGet boxes every value in an interface, an allocation a message)
	cmds := make([]*redis.StringSliceCmd, 0, (len(members)+dataChunk-1)/dataChunk)
	_, _ = s.rdb.Pipelined(ctx, func(p redis.Pipeliner) error {
		for chunk := range slices.Chunk(members, dataChunk) {
			args := make([]any, 1, 1+len(chunk))
			args[0] = "mget"
			for _, m := range chunk {
				args = append(args, k.recData(m))
			}
			cmd := redis.NewStringSliceCmd(ctx, args...)
			_ = p.Process(ctx, cmd)
			cmds = append(cmds, cmd)
		}
		return nil
	})
	var missing []int
	for c, cmd := range cmds {
		vals, err := cmd.Result()
		if err != nil {
			return nil, err
		}
		copy(out[c*dataChunk:], vals)
		for i, v := range vals {
			if v == "" {
				missing = append(missing, c*dataChunk+i)
			}
		}
	}
	if len(missing) == 0 {
		return out, nil
	}
	old := make([][2]*redis.StringCmd, len(missing))
	_, _ = s.rdb.Pipelined(ctx, func(p redis.Pipeliner) error {
		for j, i := range missing {
			old[j] = [2]*redis.StringCmd{p.HGet(ctx, k.rec(members[i]), "d"), p.Get(ctx, k.recData(members[i]))}
		}
		return nil
	})
	for j, i := range missing {
		for _, c := range old[j] {
			v, err := c.Result()
			if err != nil && !errors.Is(err, redis.Nil) {
				return nil, err
			}
			if v != "" {
				out[i] = v
				break
			}
		}
	}
	return out, nil
}

// record is a message record's fields as read, each "" where there is none.
type record struct {
	stamp, bucket, spec, contrib, data string
}

// appendMeta appends a record's m field.
func appendMeta(b []byte, stamp, bucket string, spec, contrib []byte) []byte {
	b = append(b, metaVersion...)
	b = append(append(b, stamp...), '\n')
	b = append(append(b, bucket...), '\n')
	b = append(append(b, spec...), '\n')
	return append(b, contrib...)
}

// parseMeta reads a record's m field into r.
func parseMeta(v string, r *record) error {
	rest, ok := strings.CutPrefix(v, metaVersion)
	if !ok {
		return fmt.Errorf("not a version-1 record (%.12q)", v)
	}
	var f [3]string
	for i := range f {
		var ok bool
		if f[i], rest, ok = strings.Cut(rest, "\n"); !ok {
			return fmt.Errorf("record ends after %d of its 4 fields", i)
		}
	}
	r.stamp, r.bucket, r.spec, r.contrib = f[0], f[1], f[2], rest
	return nil
}

// readRecordLua defines readrec(key) for a script: the record's {stamp,
// contributions, index spec, bucket}, as HMGET key s c k b returned them from a
// record of an older version (every field nil where there is no record).
const readRecordLua = `
local function readrec(key)
  local v = redis.call('HMGET', key, 's', 'c', 'k', 'b', 'm')
  local m = v[5]
  if not m then return v end
  local a = string.find(m, '\n', 3, true)
  local b = string.find(m, '\n', a + 1, true)
  local c = string.find(m, '\n', b + 1, true)
  return {string.sub(m, 3, a - 1), string.sub(m, c + 1), string.sub(m, b + 1, c - 1), string.sub(m, a + 1, b - 1)}
end
`

// getRecords reads the records of workspace k's messages (by message key),
// pipelined, with their stored JSON where data is set (read by readData, after
// the records: a record read without its JSON is the common case).
func (s *Store) getRecords(ctx context.Context, k wsKeys, members []string, data bool) ([]record, error) {
	return s.getRecordsWith(ctx, k, members, data, nil)
}

// getRecordsWith is getRecords with extra commands in the records' pipeline (the
// caller reads their replies once it returns).
func (s *Store) getRecordsWith(ctx context.Context, k wsKeys, members []string, data bool, extra func(redis.Pipeliner)) ([]record, error) {
	cmds := make([]*redis.SliceCmd, len(members))
	_, _ = s.rdb.Pipelined(ctx, func(p redis.Pipeliner) error {
		for i, m := range members {
			cmds[i] = p.HMGet(ctx, k.rec(m), "m", "s", "b", "k", "c")
		}
		if extra != nil {
			extra(p)
		}
		return nil
	})
	out := make([]record, len(members))
	for i, c := range cmds {
		v, err := c.Result()
		if err != nil {
			return nil, err
		}
		r := &out[i]
		if m, ok := v[0].(string); ok {
			if err := parseMeta(m, r); err != nil {
				return nil, fmt.Errorf("record of %s: %w", members[i], err)
			}
		} else {
			r.stamp, _ = v[1].(string)
			r.bucket, _ = v[2].(string)
			r.spec, _ = v[3].(string)
			r.contrib, _ = v[4].(string)
		}
	}
	if data {
		raw, err := s.readData(ctx, k, members)
		if err != nil {
			return nil, err
		}
		for i := range out {
			out[i].data = raw[i]
		}
	}
	return out, nil
}
