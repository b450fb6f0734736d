package redisstore

import (
	"cmp"
	"context"
	"crypto/rand"
	"errors"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/feedbackbot/feedbackbot"
)

// PutDoc stores a document in the workspace's hash of that kind.
func (s *Store) PutDoc(ctx context.Context, workspace, kind, id string, data []byte) error {
	if err := docArgs(workspace, kind, id); err != nil {
		return err
	}
	return wrapErr("put document", s.rdb.HSet(ctx, s.ws(workspace).doc(kind), id, data).Err())
}

// CreateDoc implements store.Docs: one HSETNX.
func (s *Store) CreateDoc(ctx context.Context, workspace, kind, id string, data []byte) (bool, error) {
	if err := docArgs(workspace, kind, id); err != nil {
		return false, err
	}
	created, err := s.rdb.HSetNX(ctx, s.ws(workspace).doc(kind), id, data).Result()
	if err != nil {
		return false, wrapErr("create document", err)
	}
	return created, nil
}

// GetDoc returns a document, or ENOTFOUND.
func (s *Store) GetDoc(ctx context.Context, workspace, kind, id string) ([]byte, error) {
	if err := docArgs(workspace, kind, id); err != nil {
		return nil, err
	}
	b, err := s.rdb.HGet(ctx, s.ws(workspace).doc(kind), id).Bytes()
	if errors.Is(err, redis.Nil) {
		return nil, feedbackbot.Errorf(feedbackbot.ENOTFOUND, "no %s document %q", kind, id)
	}
	if err != nil {
		return nil, wrapErr("get document", err)
	}
	return b, nil
}

// GetDocs implements store.Docs: one HMGET.
func (s *Store) GetDocs(ctx context.Context, workspace, kind string, ids ...string) (map[string][]byte, error) {
	out := map[string][]byte{}
	for _, id := range ids {
		if err := docArgs(workspace, kind, id); err != nil {
			return nil, err
		}
	}
	if len(ids) == 0 {
		return out, nil
	}
	vals, err := s.rdb.HMGet(ctx, s.ws(workspace).doc(kind), ids...).Result()
	if err != nil {
		return nil, wrapErr("get documents", err)
	}
	for i, v := range vals {
		if s, ok := v.(string); ok {
			out[ids[i]] = []byte(s)
		}
	}
	return out, nil
}

// ListDocs returns every document of a kind (an empty map when there are none).
func (s *Store) ListDocs(ctx context.Context, workspace, kind string) (map[string][]byte, error) {
	if err := docArgs(workspace, kind, "-"); err != nil {
		return nil, err
	}
	h, err := s.rdb.HGetAll(ctx, s.ws(workspace).doc(kind)).Result()
	if err != nil {
		return nil, wrapErr("list documents", err)
	}
	out := make(map[string][]byte, len(h))
	for id, v := range h {
		out[id] = []byte(v)
	}
	return out, nil
}

// ListDocsPrefix returns the documents of a kind whose id begins with a prefix: one
// HSCAN with MATCH per prefix, pipelined, so Redis sends only those.
func (s *Store) ListDocsPrefix(ctx context.Context, workspace, kind string, prefixes ...string) (map[string][]byte, error) {
	if err := docArgs(workspace, kind, "-"); err != nil {
		return nil, err
	}
	key := s.ws(workspace).doc(kind)
	out := map[string][]byte{}
	cursors := make([]uint64, len(prefixes))
	open := make([]int, len(prefixes)) // the scans (by prefix) that have not returned cursor 0 yet
	for i := range open {
		open[i] = i
	}
	for len(open) > 0 {
		cmds := make([]*redis.ScanCmd, len(open))
		_, err := s.rdb.Pipelined(ctx, func(p redis.Pipeliner) error {
			for j, i := range open {
				cmds[j] = p.HScan(ctx, key, cursors[i], globEscape(prefixes[i])+"*", 1000)
			}
			return nil
		})
		if err != nil {
			return nil, wrapErr("list documents", err)
		}
		still := open[:0]
		for j, i := range open {
			kv, next := cmds[j].Val()
			for k := 0; k+1 < len(kv); k += 2 { // HSCAN may repeat a field: the map keeps one
				out[kv[k]] = []byte(kv[k+1])
			}
			if cursors[i] = next; next != 0 {
				still = append(still, i)
			}
		}
		open = still
	}
	return out, nil
}

// globEscape quotes the characters a Redis MATCH pattern gives a meaning to.
func globEscape(s string) string {
	var b strings.Builder
	for i := range len(s) { // bytes, so an id that is not UTF-8 is matched as stored
		if strings.IndexByte(`*?[]\^-`, s[i]) >= 0 {
			b.WriteByte('\\')
		}
		b.WriteByte(s[i])
	}
	return b.String()
}

// DeleteDoc removes a document; a missing one is not an error.
func (s *Store) DeleteDoc(ctx context.Context, workspace, kind, id string) error {
	if err := docArgs(workspace, kind, id); err != nil {
		return err
	}
	return wrapErr("delete document", s.rdb.HDel(ctx, s.ws(workspace).doc(kind), id).Err())
}

func docArgs(workspace, kind, id string) error {
	if workspace == "" || kind == "" || id == "" {
		return invalid("documents need a workspace, a kind and an id")
	}
	return nil
}

// AcquireLease takes the lease with SET NX PX, or renews it with a compare-and-PEXPIRE
// script when holder already has it.
func (s *Store) AcquireLease(ctx context.Context, name, holder string, ttl time.Duration) (bool, error) {
	if name == "" || holder == "" {
		return false, invalid("leases need a name and a holder")
	}
	if ttl < time.Millisecond {
		return false, invalid("lease ttl must be at least 1ms")
	}
	key := s.leaseKey(name)
	ok, err := s.rdb.SetNX(ctx, key, holder, ttl).Result()
	if err != nil {
		return false, wrapErr("acquire lease", err)
	}
	if ok {
		return true, nil
	}
	n, err := renewScript.Run(ctx, s.rdb, []string{key}, holder, ttl.Milliseconds()).Int64()
	if err != nil {
		return false, wrapErr("renew lease", err)
	}
	return n == 1, nil
}

// ReleaseLease deletes the lease if holder has it (compare-and-DEL).
func (s *Store) ReleaseLease(ctx context.Context, name, holder string) error {
	if name == "" || holder == "" {
		return invalid("leases need a name and a holder")
	}
	err := releaseScript.Run(ctx, s.rdb, []string{s.leaseKey(name)}, holder).Err()
	return wrapErr("release lease", err)
}

// Once sets a marker with SET NX PX: true the first time within ttl. The marker
// holds a token of the call's own, so that a call whose write landed and whose
// reply was lost (go-redis sends it again, which then finds the marker; or the
// call fails) still learns the marker is its own: it read false, and the day's
// retention pass went undone on every replica (a review's find).
func (s *Store) Once(ctx context.Context, name string, ttl time.Duration) (bool, error) {
	if name == "" {
		return false, invalid("once markers need a name")
	}
	if ttl < time.Millisecond {
		return false, invalid("once ttl must be at least 1ms")
	}
	// A call that failed left its token behind (its SET may have landed, and the
	// outage ate the look that would have told): the next call for the name sends
	// the same one, and finds the marker its own (a review's find).
	s.onceMu.Lock()
	token := s.onceTokens[name]
	delete(s.onceTokens, name) // (one call sends it again: two at once both found the marker theirs)
	s.onceMu.Unlock()
	if token == "" {
		token = rand.Text()
	}
	ok, err := s.rdb.SetNX(ctx, s.onceKey(name), token, ttl).Result()
	if err == nil && ok {
		s.onceDone(name)
		return true, nil
	}
	got, gerr := s.rdb.Get(ctx, s.onceKey(name)).Result()
	switch {
	case gerr == nil && got == token:
		s.onceDone(name)
		return true, nil // (this process's write, its reply lost)
	case err != nil || gerr != nil && !errors.Is(gerr, redis.Nil):
		s.onceMu.Lock()
		if s.onceTokens == nil {
			s.onceTokens = map[string]string{}
		}
		s.onceTokens[name] = token
		s.onceMu.Unlock()
		return false, wrapErr("once", cmp.Or(err, gerr))
	}
	s.onceDone(name)
	return false, nil
}

// onceDone forgets the token of a once marker whose answer is known.
func (s *Store) onceDone(name string) {
	s.onceMu.Lock()
	delete(s.onceTokens, name)
	s.onceMu.Unlock()
}
