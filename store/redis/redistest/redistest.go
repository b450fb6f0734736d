// Package redistest gives tests a real Redis: a client for REDIS_URL (default
// redis://127.0.0.1:6379/0, any form redisstore.ParseURL accepts, cluster included)
// and a key prefix of their own, whose keys are deleted when the test ends. Tests skip
// when Redis is not reachable, unless FEEDBACKBOT_REQUIRE_REDIS=1 makes that a failure.
package redistest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/feedbackbot/feedbackbot/store"
	redisstore "github.com/feedbackbot/feedbackbot/store/redis"
)

// DefaultURL is used when REDIS_URL is not set.
const DefaultURL = "redis://127.0.0.1:6379/0"

// URL returns the Redis URL tests use: REDIS_URL or DefaultURL.
func URL() string {
	if u := os.Getenv("REDIS_URL"); u != "" {
		return u
	}
	return DefaultURL
}

// probe remembers, per process, whether Redis answered, so that when it is down every
// test skips at once instead of each waiting for its own connection attempts.
var probe struct {
	once sync.Once
	err  error
}

// Client returns a client for URL() and a key prefix unique to this test (such as
// "fbtest:3f9a0c1d2b4e5f60"). When the test ends, every key starting with the prefix is
// deleted (on every master of a cluster) and the client is closed.
func Client(t testing.TB) (redis.UniversalClient, string) {
	t.Helper()
	raw := URL()
	opts, err := redisstore.ParseURL(raw)
	if err != nil {
		t.Fatalf("REDIS_URL: %v", err)
	}
	probe.once.Do(func() {
		po := *opts
		po.MaxRetries = -1
		po.DialerRetries = 1
		po.DialTimeout = 2 * time.Second
		c := redis.NewUniversalClient(&po)
		defer c.Close()
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		probe.err = c.Ping(ctx).Err()
	})
	if probe.err != nil {
		msg := fmt.Sprintf("Redis not reachable at %s (%v): set REDIS_URL or start redis-server; skipping", redisstore.RedactURL(raw), probe.err)
		if os.Getenv("FEEDBACKBOT_REQUIRE_REDIS") == "1" {
			t.Fatalf("%s (FEEDBACKBOT_REQUIRE_REDIS=1)", strings.TrimSuffix(msg, "; skipping"))
		}
		t.Skip(msg)
	}
	client := redis.NewUniversalClient(opts)
	prefix := "fbtest:" + randomHex(8)
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		if err := DeletePrefix(ctx, client, prefix); err != nil {
			t.Errorf("redistest: deleting keys under %s: %v", prefix, err)
		}
		_ = client.Close()
	})
	return client, prefix
}

// DeletePrefix deletes every key that starts with prefix, with SCAN and UNLINK, on
// every master when client is a cluster client.
func DeletePrefix(ctx context.Context, client redis.UniversalClient, prefix string) error {
	return eachMaster(ctx, client, func(ctx context.Context, c redis.Cmdable) error {
		return scan(ctx, c, prefix, func(keys []string) error {
			// One UNLINK per key: on a cluster master, keys of one batch span slots.
			_, err := c.Pipelined(ctx, func(p redis.Pipeliner) error {
				for _, k := range keys {
					p.Unlink(ctx, k)
				}
				return nil
			})
			return err
		})
	})
}

// Keys returns every key that starts with prefix, sorted, from every master of a
// cluster: what a test left behind.
func Keys(ctx context.Context, client redis.UniversalClient, prefix string) ([]string, error) {
	var mu sync.Mutex
	var out []string
	err := eachMaster(ctx, client, func(ctx context.Context, c redis.Cmdable) error {
		return scan(ctx, c, prefix, func(keys []string) error {
			mu.Lock()
			out = append(out, keys...)
			mu.Unlock()
			return nil
		})
	})
	slices.Sort(out)
	return out, err
}

func eachMaster(ctx context.Context, client redis.UniversalClient, fn func(context.Context, redis.Cmdable) error) error {
	if cc, ok := client.(*redis.ClusterClient); ok {
		return cc.ForEachMaster(ctx, func(ctx context.Context, c *redis.Client) error { return fn(ctx, c) })
	}
	return fn(ctx, client)
}

// scan calls fn with each batch of keys starting with prefix.
func scan(ctx context.Context, c redis.Cmdable, prefix string, fn func([]string) error) error {
	pattern := escapeGlob(prefix) + "*"
	var cursor uint64
	for {
		keys, next, err := c.Scan(ctx, cursor, pattern, 1000).Result()
		if err != nil {
			return err
		}
		if len(keys) > 0 {
			if err := fn(keys); err != nil {
				return err
			}
		}
		if next == 0 {
			return nil
		}
		cursor = next
	}
}

// escapeGlob quotes the characters SCAN MATCH treats specially.
func escapeGlob(s string) string {
	var b strings.Builder
	for _, r := range s {
		if strings.ContainsRune(`*?[]\`, r) {
			b.WriteByte('\\')
		}
		b.WriteRune(r)
	}
	return b.String()
}

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// DropAccountDays makes every workspace under prefix look like data applied before
// account-day counters existed, as tests and benchmarks of the migration need: it
// deletes the workspace-day hashes (fb:{ws}:ac:*) and the marker saying they are
// built, and strips the workspace-day entries ("d") from every record's index
// spec. Records are rewritten server-side, one script call per record, pipelined a
// thousand at a time, so a million records take seconds, not minutes.
func DropAccountDays(ctx context.Context, client redis.UniversalClient, prefix string) error {
	return dropIndex(ctx, client, prefix, "account days", []string{":{*}:ac:*", ":{*}:acv"}, "d", "")
}

// OwnAccountDays makes every workspace under prefix look like data versions
// before 2026-12-04 applied, which kept each account's day counters in a hash of
// its own (fb:{ws}:ad:<day>:<account>, the counters without their dimension) and
// named it in the record's spec with role "a": each record's workspace-day entry
// ("d") becomes its account's own day, which gets its counters; then the workspace
// days go, and each workspace's marker (fb:{ws}:acv) becomes the old one
// (fb:{ws}:adv).
func OwnAccountDays(ctx context.Context, client redis.UniversalClient, prefix string) error {
	return eachMaster(ctx, client, func(ctx context.Context, c redis.Cmdable) error {
		if err := ownDayScript.Load(ctx, c).Err(); err != nil {
			return fmt.Errorf("redistest: own account days: %w", err)
		}
		for _, pat := range []string{":{*}:m:*", ":{*}:ac:*", ":{*}:acv"} {
			err := scanKeys(ctx, c, escapeGlob(prefix)+pat, func(p redis.Pipeliner, k string) {
				switch pat {
				case ":{*}:m:*":
					ownDayScript.EvalSha(ctx, p, []string{k})
				case ":{*}:ac:*":
					p.Unlink(ctx, k)
				default:
					p.Rename(ctx, k, strings.TrimSuffix(k, ":acv")+":adv")
				}
			})
			if err != nil {
				return fmt.Errorf("redistest: own account days: %w", err)
			}
		}
		return nil
	})
}

// scanKeys calls fn with a pipeline for every key matching pattern, a thousand at
// a time.
func scanKeys(ctx context.Context, c redis.Cmdable, pattern string, fn func(redis.Pipeliner, string)) error {
	var cursor uint64
	for {
		keys, next, err := c.Scan(ctx, cursor, pattern, 1000).Result()
		if err != nil {
			return err
		}
		_, err = c.Pipelined(ctx, func(p redis.Pipeliner) error {
			for _, k := range keys {
				fn(p, k)
			}
			return nil
		})
		if err != nil {
			return err
		}
		if next == 0 {
			return nil
		}
		cursor = next
	}
}

// ownDayScript rewrites the record at KEYS[1] (either layout: field m, or fields k
// and c) as OwnAccountDays says.
var ownDayScript = redis.NewScript(`
local m = redis.call('HGET', KEYS[1], 'm')
local head, spec, contrib
if m then
  local a = string.find(m, '\n', 3, true)
  local b = string.find(m, '\n', a + 1, true)
  local c = string.find(m, '\n', b + 1, true)
  head, spec, contrib = string.sub(m, 1, b), string.sub(m, b + 1, c - 1), string.sub(m, c + 1)
else
  spec, contrib = redis.call('HGET', KEYS[1], 'k'), redis.call('HGET', KEYS[1], 'c')
end
if not spec or not contrib then return 0 end
local entries, changed = cjson.decode(spec), false
for _, e in ipairs(entries) do
  if e[2] == 'd' then
    local counts, acct = {}, nil
    for c, v in pairs(cjson.decode(contrib)) do
      local a, n = string.match(c, '^acct|([^|]*)|(.+)$')
      if a then acct, counts[n] = a, v end
    end
    local own = string.gsub(e[1], ':ac:(%-?%d+)$', ':ad:%1:') .. acct
    for n, v in pairs(counts) do redis.call('HINCRBY', own, n, string.format('%d', v)) end
    e[1], e[2], changed = own, 'a', true
  end
end
if not changed then return 0 end
if m then
  redis.call('HSET', KEYS[1], 'm', head .. cjson.encode(entries) .. '\n' .. contrib)
else
  redis.call('HSET', KEYS[1], 'k', cjson.encode(entries))
end
return 1
`)

// DropAccountWeeks makes every workspace under prefix look like data applied before
// account-week time indexes existed: it deletes them (fb:{ws}:aw:*) and the marker
// saying they are built, and strips their entries from every record's index spec.
func DropAccountWeeks(ctx context.Context, client redis.UniversalClient, prefix string) error {
	return dropIndex(ctx, client, prefix, "account weeks", []string{":{*}:aw:*", ":{*}:awv"}, "t", ":aw:")
}

// dropIndex unlinks the keys matching patterns (under prefix) and strips from every
// record's spec the entries of role whose key contains infix ("" for any).
func dropIndex(ctx context.Context, client redis.UniversalClient, prefix, what string, patterns []string, role, infix string) error {
	return eachMaster(ctx, client, func(ctx context.Context, c redis.Cmdable) error {
		if err := stripSpecScript.Load(ctx, c).Err(); err != nil {
			return fmt.Errorf("redistest: drop %s: %w", what, err)
		}
		for _, pat := range append(patterns, ":{*}:m:*") {
			err := scanKeys(ctx, c, escapeGlob(prefix)+pat, func(p redis.Pipeliner, k string) {
				if pat == ":{*}:m:*" {
					stripSpecScript.EvalSha(ctx, p, []string{k}, role, infix)
				} else {
					p.Unlink(ctx, k)
				}
			})
			if err != nil {
				return fmt.Errorf("redistest: drop %s: %w", what, err)
			}
		}
		return nil
	})
}

// stripSpecScript removes from a record's index spec (field k: a JSON list of [key,
// role] pairs) the entries of role ARGV[1] whose key contains ARGV[2] ("" for any).
var stripSpecScript = redis.NewScript(oldRecordLua + `
local raw = redis.call('HGET', KEYS[1], 'k')
if not raw then return 0 end
local spec, kept = cjson.decode(raw), {}
for _, e in ipairs(spec) do
  if e[2] ~= ARGV[1] or (ARGV[2] ~= '' and not string.find(e[1], ARGV[2], 1, true)) then kept[#kept + 1] = e end
end
if #kept == #spec then return 0 end
local out = '[]'
if #kept > 0 then out = cjson.encode(kept) end
redis.call('HSET', KEYS[1], 'k', out)
return 1
`)

// oldRecordLua rewrites the record at KEYS[1], if it has this version's field m
// ("1\n" stamp, bucket, spec, each ended by "\n", then the contributions), with m's
// parts as the fields s, b, k and c that versions before 2026-12-02 wrote.
const oldRecordLua = `
local m = redis.call('HGET', KEYS[1], 'm')
if m and string.sub(m, 1, 2) == '1\n' then
  local f, at = {}, 3
  for i = 1, 3 do
    local nl = string.find(m, '\n', at, true)
    f[i] = string.sub(m, at, nl - 1)
    at = nl + 1
  end
  redis.call('HDEL', KEYS[1], 'm')
  redis.call('HSET', KEYS[1], 's', f[1], 'b', f[2], 'k', f[3], 'c', string.sub(m, at))
end
`

// oldRecordScript rewrites the record KEYS[1] as oldRecordLua does and moves its
// data string KEYS[2] into it.
var oldRecordScript = redis.NewScript(hashDataLua + oldRecordLua + "hashdata(KEYS[2], KEYS[1])\nreturn 1")

// OldRecord rewrites a message record (fb:{ws}:m:<key>) as versions before
// 2026-12-02 stored it, each part a field of its own and its stored JSON a field
// too, for tests of data those versions wrote.
func OldRecord(ctx context.Context, client redis.UniversalClient, key string) error {
	data := strings.Replace(key, "}:m:", "}:d:", 1)
	if raw, err := client.Get(ctx, data).Result(); err == nil {
		js, ok, err := asJSON(raw)
		if err == nil && ok {
			err = client.Set(ctx, data, js, redis.KeepTTL).Err()
		}
		if err != nil {
			return fmt.Errorf("redistest: old record %s: %w", key, err)
		}
	}
	if err := oldRecordScript.Run(ctx, client, []string{key, data}).Err(); err != nil {
		return fmt.Errorf("redistest: old record %s: %w", key, err)
	}
	return nil
}

// JSONData rewrites every data string under prefix (fb:{ws}:d:<key>) that is in
// the binary form as the JSON that versions before the nineteenth session of 2026-12-04 wrote, for tests of data
// those versions applied.
func JSONData(ctx context.Context, client redis.UniversalClient, prefix string) error {
	return eachMaster(ctx, client, func(ctx context.Context, c redis.Cmdable) error {
		var cursor uint64
		for {
			keys, next, err := c.Scan(ctx, cursor, escapeGlob(prefix)+":{*}:d:*", 1000).Result()
			if err != nil {
				return fmt.Errorf("redistest: JSON data: %w", err)
			}
			vals := make([]*redis.StringCmd, len(keys))
			if _, err := c.Pipelined(ctx, func(p redis.Pipeliner) error {
				for i, k := range keys {
					vals[i] = p.Get(ctx, k)
				}
				return nil
			}); err != nil && !errors.Is(err, redis.Nil) { // (a key gone since the scan reads as "")
				return fmt.Errorf("redistest: JSON data: %w", err)
			}
			if _, err := c.Pipelined(ctx, func(p redis.Pipeliner) error {
				for i, k := range keys {
					js, ok, err := asJSON(vals[i].Val())
					if err != nil {
						return fmt.Errorf("%s: %w", k, err)
					}
					if ok {
						p.Set(ctx, k, js, redis.KeepTTL)
					}
				}
				return nil
			}); err != nil {
				return fmt.Errorf("redistest: JSON data: %w", err)
			}
			if next == 0 {
				return nil
			}
			cursor = next
		}
	})
}

// asJSON is a data string in the binary form rewritten as the JSON older versions
// wrote; ok is false for one that is not in the binary form.
func asJSON(raw string) (js []byte, ok bool, err error) {
	if !store.IsBinaryStored(raw) {
		return nil, false, nil
	}
	var st store.Stored
	if err := store.DecodeStoredBinaryShared(raw, &st); err != nil {
		return nil, false, err
	}
	js, err = store.AppendStored(nil, &st)
	return js, err == nil, err
}

// HashData makes every workspace under prefix look like data versions before
// 2026-12-04 applied, which kept a record's stored JSON in its hash as field d: each
// data string (fb:{ws}:d:<key>) moves into its record (fb:{ws}:m:<key>), as JSON
// (see JSONData), and each workspace's marker that its data strings are built
// (fb:{ws}:dv) goes.
func HashData(ctx context.Context, client redis.UniversalClient, prefix string) error {
	if err := JSONData(ctx, client, prefix); err != nil {
		return err
	}
	return eachMaster(ctx, client, func(ctx context.Context, c redis.Cmdable) error {
		if err := hashDataScript.Load(ctx, c).Err(); err != nil {
			return fmt.Errorf("redistest: hash data: %w", err)
		}
		for _, pat := range []string{":{*}:d:*", ":{*}:dv"} {
			err := scanKeys(ctx, c, escapeGlob(prefix)+pat, func(p redis.Pipeliner, k string) {
				if pat == ":{*}:dv" {
					p.Unlink(ctx, k)
				} else {
					hashDataScript.EvalSha(ctx, p, []string{k, recordOf(k)})
				}
			})
			if err != nil {
				return fmt.Errorf("redistest: hash data: %w", err)
			}
		}
		return nil
	})
}

// recordOf is the record key (fb:{ws}:m:<key>) of a data string (fb:{ws}:d:<key>);
// the hash tag escapes '}', so its first "}:d:" ends the tag.
func recordOf(data string) string {
	return strings.Replace(data, "}:d:", "}:m:", 1)
}

// hashDataScript moves the data string KEYS[1] into its record KEYS[2] as field d.
var hashDataScript = redis.NewScript(hashDataLua + "hashdata(KEYS[1], KEYS[2])\nreturn 1")

// hashDataLua defines hashdata(data, rec), which moves the data string data, if
// there is one, into the record rec as field d.
const hashDataLua = `
local function hashdata(data, rec)
  local d = redis.call('GET', data)
  if d then
    redis.call('HSET', rec, 'd', d)
    redis.call('DEL', data)
  end
end
`
