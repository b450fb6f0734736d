package bolt

import (
	"bytes"
	"context"
	"encoding/binary"
	"fmt"
	"time"

	"github.com/feedbackbot/feedbackbot"
	"go.etcd.io/bbolt"
)

func checkDoc(ws, kind, id string) error {
	for _, f := range []struct{ what, v string }{{"workspace", ws}, {"document kind", kind}, {"document id", id}} {
		if err := checkIdent(f.what, f.v); err != nil {
			return err
		}
	}
	return nil
}

// docKind returns the bucket of one workspace's documents of a kind.
func docKind(tx *bbolt.Tx, ws, kind string, create bool) (*bbolt.Bucket, error) {
	root := tx.Bucket(bDocs)
	if !create {
		if w := root.Bucket([]byte(ws)); w != nil {
			return w.Bucket([]byte(kind)), nil
		}
		return nil, nil
	}
	w, err := root.CreateBucketIfNotExists([]byte(ws))
	if err != nil {
		return nil, err
	}
	return w.CreateBucketIfNotExists([]byte(kind))
}

// PutDoc implements store.Docs; the document is durable when it returns.
func (s *Store) PutDoc(ctx context.Context, workspace, kind, id string, data []byte) error {
	if err := checkDoc(workspace, kind, id); err != nil {
		return fmt.Errorf("bolt: put document: %w", err)
	}
	v := append([]byte{}, data...) // the caller may reuse data before the commit
	err := s.update(ctx, func(tx *bbolt.Tx) error {
		b, err := docKind(tx, workspace, kind, true)
		if err != nil {
			return err
		}
		return b.Put([]byte(id), v)
	})
	if err != nil {
		return fmt.Errorf("bolt: put document %s/%s: %w", kind, id, err)
	}
	return nil
}

// CreateDoc implements store.Docs: the read and the write in one transaction,
// durable when it returns.
func (s *Store) CreateDoc(ctx context.Context, workspace, kind, id string, data []byte) (bool, error) {
	if err := checkDoc(workspace, kind, id); err != nil {
		return false, fmt.Errorf("bolt: create document: %w", err)
	}
	v := append([]byte{}, data...)
	created := false
	err := s.update(ctx, func(tx *bbolt.Tx) error {
		created = false // (a transaction may be run again)
		b, err := docKind(tx, workspace, kind, true)
		if err != nil {
			return err
		}
		if b.Get([]byte(id)) != nil {
			return nil
		}
		created = true
		return b.Put([]byte(id), v)
	})
	if err != nil {
		return false, fmt.Errorf("bolt: create document %s/%s: %w", kind, id, err)
	}
	return created, nil
}

// GetDoc implements store.Docs.
func (s *Store) GetDoc(ctx context.Context, workspace, kind, id string) ([]byte, error) {
	if err := checkDoc(workspace, kind, id); err != nil {
		return nil, fmt.Errorf("bolt: get document: %w", err)
	}
	var out []byte
	err := s.view(ctx, func(tx *bbolt.Tx) error {
		b, _ := docKind(tx, workspace, kind, false)
		if b == nil {
			return nil
		}
		if v := b.Get([]byte(id)); v != nil {
			out = append([]byte{}, v...)
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("bolt: get document %s/%s: %w", kind, id, err)
	}
	if out == nil {
		return nil, feedbackbot.Errorf(feedbackbot.ENOTFOUND, "no %s document %q", kind, id)
	}
	return out, nil
}

// GetDocs implements store.Docs: one read transaction.
func (s *Store) GetDocs(ctx context.Context, workspace, kind string, ids ...string) (map[string][]byte, error) {
	for _, id := range ids {
		if err := checkDoc(workspace, kind, id); err != nil {
			return nil, fmt.Errorf("bolt: get documents: %w", err)
		}
	}
	out := map[string][]byte{}
	err := s.view(ctx, func(tx *bbolt.Tx) error {
		b, _ := docKind(tx, workspace, kind, false)
		if b == nil {
			return nil
		}
		for _, id := range ids {
			if v := b.Get([]byte(id)); v != nil {
				out[id] = append([]byte{}, v...)
			}
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("bolt: get documents of kind %s: %w", kind, err)
	}
	return out, nil
}

// ListDocs implements store.Docs: every id begins with "".
func (s *Store) ListDocs(ctx context.Context, workspace, kind string) (map[string][]byte, error) {
	return s.ListDocsPrefix(ctx, workspace, kind, "")
}

// ListDocsPrefix implements store.Docs: a cursor seek per prefix.
func (s *Store) ListDocsPrefix(ctx context.Context, workspace, kind string, prefixes ...string) (map[string][]byte, error) {
	out := map[string][]byte{}
	err := s.view(ctx, func(tx *bbolt.Tx) error {
		b, _ := docKind(tx, workspace, kind, false)
		if b == nil {
			return nil
		}
		c := b.Cursor()
		for _, p := range prefixes {
			for k, v := c.Seek([]byte(p)); k != nil && bytes.HasPrefix(k, []byte(p)); k, v = c.Next() {
				out[string(k)] = append([]byte{}, v...)
			}
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("bolt: list %s documents: %w", kind, err)
	}
	return out, nil
}

// DeleteDoc implements store.Docs.
func (s *Store) DeleteDoc(ctx context.Context, workspace, kind, id string) error {
	if err := checkDoc(workspace, kind, id); err != nil {
		return fmt.Errorf("bolt: delete document: %w", err)
	}
	err := s.update(ctx, func(tx *bbolt.Tx) error {
		b, _ := docKind(tx, workspace, kind, false)
		if b == nil {
			return nil
		}
		return b.Delete([]byte(id))
	})
	if err != nil {
		return fmt.Errorf("bolt: delete document %s/%s: %w", kind, id, err)
	}
	return nil
}

// A lease value is its expiry (Unix nanoseconds) followed by the holder.
func encodeLease(exp time.Time, holder string) []byte {
	return append(u64(uint64(exp.UnixNano())), holder...)
}

func decodeLease(v []byte) (time.Time, string) {
	if len(v) < 8 {
		return time.Time{}, ""
	}
	return time.Unix(0, int64(binary.BigEndian.Uint64(v))), string(v[8:])
}

func checkLease(name string, ttl time.Duration) error {
	if err := checkIdent("lease name", name); err != nil {
		return err
	}
	if ttl <= 0 {
		return feedbackbot.Errorf(feedbackbot.EINVALID, "lease %s needs a positive ttl, not %s", name, ttl)
	}
	return nil
}

// AcquireLease implements store.Leases. The file lock already makes this process the
// only one using the store; the lease still keeps its meaning between components.
func (s *Store) AcquireLease(ctx context.Context, name, holder string, ttl time.Duration) (bool, error) {
	if err := checkLease(name, ttl); err != nil {
		return false, fmt.Errorf("bolt: acquire lease: %w", err)
	}
	if err := checkIdent("lease holder", holder); err != nil {
		return false, fmt.Errorf("bolt: acquire lease: %w", err)
	}
	var ok bool
	err := s.update(ctx, func(tx *bbolt.Tx) error {
		ok = false
		b := tx.Bucket(bLeases)
		now := s.now()
		if v := b.Get([]byte(name)); v != nil {
			exp, h := decodeLease(v)
			if h != holder && now.Before(exp) {
				return nil
			}
		}
		ok = true
		return b.Put([]byte(name), encodeLease(now.Add(ttl), holder))
	})
	if err != nil {
		return false, fmt.Errorf("bolt: acquire lease %s: %w", name, err)
	}
	return ok, nil
}

// ReleaseLease implements store.Leases.
func (s *Store) ReleaseLease(ctx context.Context, name, holder string) error {
	err := s.update(ctx, func(tx *bbolt.Tx) error {
		b := tx.Bucket(bLeases)
		if v := b.Get([]byte(name)); v != nil {
			if _, h := decodeLease(v); h == holder {
				return b.Delete([]byte(name))
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("bolt: release lease %s: %w", name, err)
	}
	return nil
}

// Once implements store.Leases. Expired markers are pruned as it goes; there are few
// (one per scheduled post), so a scan is cheap.
func (s *Store) Once(ctx context.Context, name string, ttl time.Duration) (bool, error) {
	if err := checkLease(name, ttl); err != nil {
		return false, fmt.Errorf("bolt: once: %w", err)
	}
	var first bool
	err := s.update(ctx, func(tx *bbolt.Tx) error {
		first = false
		b := tx.Bucket(bOnce)
		now := s.now()
		if v := b.Get([]byte(name)); v != nil {
			if exp, _ := decodeLease(v); now.Before(exp) {
				return nil
			}
		}
		var expired [][]byte
		if err := b.ForEach(func(k, v []byte) error {
			if exp, _ := decodeLease(v); !now.Before(exp) {
				expired = append(expired, append([]byte{}, k...))
			}
			return nil
		}); err != nil {
			return err
		}
		for _, k := range expired {
			if err := b.Delete(k); err != nil {
				return err
			}
		}
		first = true
		return b.Put([]byte(name), encodeLease(now.Add(ttl), ""))
	})
	if err != nil {
		return false, fmt.Errorf("bolt: once %s: %w", name, err)
	}
	return first, nil
}
