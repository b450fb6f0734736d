package redisstore

import (
	"context"
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
	"sync"

	"github.com/redis/go-redis/v9"
)

// A put's log entry is sealed under its author's data key (AES-256-GCM), kept in
// the workspace's key hashes; Forget deletes the key first. Deleting entries from a
// Redis stream (XDEL) only marks them: their bytes stay in the stream's node until
// every entry of the node is gone, and with them in snapshots (RDB), replicas' full
// syncs and keys moved between cluster nodes. Without its key, what stays is noise
// (a review's find: a forgotten customer's words were still in the log's DUMP).
// Deletes carry no text and stay plain, as do the entries written before (they
// begin with '{').

// sealMagic begins a sealed entry: no event JSON begins with a zero byte.
const sealMagic = "\x00fbs1"

const (
	keyIDLen = 8 // bytes of a data key's id
	dataKey  = 32
)

// keyring holds the data keys this process has read or made, by workspace and
// author and by workspace and key id. It is a cache: the hashes in Redis are the
// record, and Forget empties the entries of the people it erases. It is reset
// when it holds maxKeyring keys (reading one again costs a round trip).
type keyring struct {
	mu       sync.Mutex
	byAuthor map[[2]string]sealKey
	byID     map[[2]string]cipher.AEAD
}

type sealKey struct {
	id   string // keyIDLen bytes
	aead cipher.AEAD
}

const maxKeyring = 100_000

func newAEAD(key []byte) (cipher.AEAD, error) {
	if len(key) != dataKey {
		return nil, fmt.Errorf("data key of %d bytes, want %d", len(key), dataKey)
	}
	b, err := aes.NewCipher(key)
	if err != nil {
		return nil, err
	}
	return cipher.NewGCM(b)
}

func (kr *keyring) author(ws, author string) (sealKey, bool) {
	kr.mu.Lock()
	defer kr.mu.Unlock()
	k, ok := kr.byAuthor[[2]string{ws, author}]
	return k, ok
}

func (kr *keyring) id(ws, id string) (cipher.AEAD, bool) {
	kr.mu.Lock()
	defer kr.mu.Unlock()
	a, ok := kr.byID[[2]string{ws, id}]
	return a, ok
}

func (kr *keyring) put(ws, author, id string, aead cipher.AEAD) {
	kr.mu.Lock()
	defer kr.mu.Unlock()
	if kr.byID == nil || len(kr.byID) >= maxKeyring || len(kr.byAuthor) >= maxKeyring {
		kr.byAuthor, kr.byID = map[[2]string]sealKey{}, map[[2]string]cipher.AEAD{}
	}
	kr.byID[[2]string{ws, id}] = aead
	if author != "" {
		kr.byAuthor[[2]string{ws, author}] = sealKey{id: id, aead: aead}
	}
}

// drop forgets an author's key, and the key by its id.
func (kr *keyring) drop(ws, author string) {
	kr.mu.Lock()
	defer kr.mu.Unlock()
	if k, ok := kr.byAuthor[[2]string{ws, author}]; ok {
		delete(kr.byID, [2]string{ws, k.id})
		delete(kr.byAuthor, [2]string{ws, author})
	}
}

// dataKeysScript returns each author's data key, making the ones missing from the
// key the caller proposes, atomically (two replicas making one author's key at once
// agree on the first).
//
// KEYS[1] author -> key id hash, KEYS[2] key id -> key hash, KEYS[3] the people
// forgotten. ARGV: author, proposed key id, proposed key, for each author.
// Returns key id, key and "1" (kept) for each author; a forgotten author gets
// the proposed key back and "0", stored nowhere: their entries are refused, and
// a key made for them named them in the store again (a review's find).
var dataKeysScript = redis.NewScript(`
local out = {}
for i = 1, #ARGV, 3 do
  local id = redis.call('HGET', KEYS[1], ARGV[i])
  local key = id and redis.call('HGET', KEYS[2], id)
  local kept = '1'
  if not key then
    id, key = ARGV[i + 1], ARGV[i + 2]
    if redis.call('HEXISTS', KEYS[3], ARGV[i]) == 1 then
      kept = '0'
    else
      redis.call('HSET', KEYS[1], ARGV[i], id)
      redis.call('HSET', KEYS[2], id, key)
    end
  end
  out[#out + 1] = id
  out[#out + 1] = key
  out[#out + 1] = kept
end
return out
`)

// dropDataKeyScript deletes an author's data key.
//
// KEYS[1] author -> key id hash, KEYS[2] key id -> key hash. ARGV[1] author.
var dropDataKeyScript = redis.NewScript(`
local id = redis.call('HGET', KEYS[1], ARGV[1])
if id then redis.call('HDEL', KEYS[2], id) end
redis.call('HDEL', KEYS[1], ARGV[1])
return id and 1 or 0
`)

// sealKeys returns the data keys of the authors of a workspace, making those it
// has none of.
func (s *Store) sealKeys(ctx context.Context, ws string, authors []string) (map[string]sealKey, error) {
	out := make(map[string]sealKey, len(authors))
	var args []any
	for _, a := range authors {
		if k, ok := s.keys.author(ws, a); ok {
			out[a] = k
			continue
		}
		buf := make([]byte, keyIDLen+dataKey)
		if _, err := rand.Read(buf); err != nil {
			return nil, fmt.Errorf("data key: %w", err)
		}
		args = append(args, a, string(buf[:keyIDLen]), string(buf[keyIDLen:]))
	}
	if len(args) == 0 {
		return out, nil
	}
	k := s.ws(ws)
	res, err := dataKeysScript.Run(ctx, s.rdb, []string{k.dataKeyOf(), k.dataKeys(), k.forgotten()}, args...).StringSlice()
	if err != nil {
		return nil, wrapErr("data keys", err)
	}
	if len(res) != len(args) {
		return nil, fmt.Errorf("redis data keys: %d values for %d authors", len(res), len(args)/3)
	}
	for i := 0; i < len(args); i += 3 {
		a, id, key, kept := args[i].(string), res[i], res[i+1], res[i+2]
		aead, err := newAEAD([]byte(key))
		if err != nil {
			return nil, fmt.Errorf("redis data key of an author: %w", err)
		}
		if kept == "1" {
			s.keys.put(ws, a, id, aead) // (a forgotten author's is used once: their entries are refused)
		}
		out[a] = sealKey{id: id, aead: aead}
	}
	return out, nil
}

// seal returns payload sealed under k: magic, key id, nonce, then the ciphertext
// with its tag; the workspace is authenticated with it.
func seal(k sealKey, ws string, payload []byte) []byte {
	ns := k.aead.NonceSize()
	out := make([]byte, 0, len(sealMagic)+keyIDLen+ns+len(payload)+k.aead.Overhead())
	out = append(append(out, sealMagic...), k.id...)
	nonce := out[len(out) : len(out)+ns]
	out = out[:len(out)+ns]
	if _, err := rand.Read(nonce); err != nil {
		panic(fmt.Sprintf("redis store: no randomness for a nonce: %v", err)) // crypto/rand does not fail on supported systems
	}
	return k.aead.Seal(out, nonce, payload, []byte(ws))
}

// errKeyGone is the error of a sealed entry whose data key was deleted: its author
// was forgotten.
var errKeyGone = errors.New("its author's data key is gone (forgotten)")

// errKeysUnreadable marks a data key that could not be read (Redis failing, the
// context done): the entry is not gone, only unread for now.
var errKeysUnreadable = errors.New("its data key cannot be read now")

// fetchKeys reads the data keys of ids from Redis, puts them in the keyring and
// returns them; an id missing from the result has no key any more (its author
// forgotten). A failure to read is errKeysUnreadable.
func (s *Store) fetchKeys(ctx context.Context, ws string, ids []string) (map[string]cipher.AEAD, error) {
	out := make(map[string]cipher.AEAD, len(ids))
	if len(ids) == 0 {
		return out, nil
	}
	vals, err := s.rdb.HMGet(ctx, s.ws(ws).dataKeys(), ids...).Result()
	if err != nil {
		return nil, fmt.Errorf("%w: %w", errKeysUnreadable, wrapErr("data keys", err))
	}
	for i, v := range vals {
		key, ok := v.(string)
		if !ok {
			continue // gone: its entries cannot be read
		}
		aead, err := newAEAD([]byte(key))
		if err != nil {
			return nil, fmt.Errorf("redis data key %s: %w", hex.EncodeToString([]byte(ids[i])), err)
		}
		s.keys.put(ws, "", ids[i], aead)
		out[ids[i]] = aead
	}
	return out, nil
}

// loadKeys reads into the keyring the data keys of the sealed entries among raws
// that it lacks, in one round trip.
func (s *Store) loadKeys(ctx context.Context, ws string, raws []string) error {
	var ids []string
	seen := map[string]bool{}
	for _, raw := range raws {
		id, ok, err := sealedKeyID(raw)
		if !ok || err != nil {
			continue
		}
		if _, ok := s.keys.id(ws, id); !ok && !seen[id] {
			seen[id] = true
			ids = append(ids, id)
		}
	}
	_, err := s.fetchKeys(ctx, ws, ids)
	return err
}

func sealed(raw string) bool { return len(raw) > 0 && raw[0] == 0 }

// sealedKeyID is the id of the data key a sealed entry was sealed under; ok is
// false for a plain entry, and a sealed one of an unknown format is an error.
func sealedKeyID(raw string) (id string, ok bool, err error) {
	if !sealed(raw) {
		return "", false, nil
	}
	if !strings.HasPrefix(raw, sealMagic) || len(raw) < len(sealMagic)+keyIDLen {
		return "", true, errors.New("sealed entry of an unknown format")
	}
	return raw[len(sealMagic) : len(sealMagic)+keyIDLen], true, nil
}

// unseal returns an entry's payload: a plain one as it is, a sealed one opened
// with its data key (read from Redis when the keyring lacks it). A key that could
// not be read is errKeysUnreadable; one Redis no longer holds, errKeyGone.
func (s *Store) unseal(ctx context.Context, ws, raw string) ([]byte, error) {
	id, isSealed, err := sealedKeyID(raw)
	if !isSealed {
		return []byte(raw), nil
	}
	if err != nil {
		return nil, err
	}
	aead, ok := s.keys.id(ws, id)
	if !ok {
		// (the key as read, not the keyring looked up again: a keyring reset by
		// another reader meanwhile made a key just read look gone)
		got, err := s.fetchKeys(ctx, ws, []string{id})
		if err != nil {
			return nil, err
		}
		if aead, ok = got[id]; !ok {
			return nil, errKeyGone
		}
	}
	body := raw[len(sealMagic)+keyIDLen:]
	ns := aead.NonceSize()
	if len(body) < ns {
		return nil, errors.New("sealed entry too short")
	}
	out, err := aead.Open(nil, []byte(body[:ns]), []byte(body[ns:]), []byte(ws))
	if err != nil {
		return nil, fmt.Errorf("open sealed entry: %w", err)
	}
	return out, nil
}

// dropDataKey deletes an author's data key, in Redis and in this process.
func (s *Store) dropDataKey(ctx context.Context, ws, author string) error {
	k := s.ws(ws)
	if err := dropDataKeyScript.Run(ctx, s.rdb, []string{k.dataKeyOf(), k.dataKeys()}, author).Err(); err != nil {
		return wrapErr("forget: data key", err)
	}
	s.keys.drop(ws, author)
	return nil
}
