package bolt

import (
	"context"
	"fmt"
	"os"
	"path/filepath"

	"go.etcd.io/bbolt"
)

// compactTxBytes bounds each transaction of the copy, so memory stays flat.
const compactTxBytes = 64 << 20

// Compact rewrites the store's file with its live data only. bbolt never overwrites a
// page in place and does not clear freed pages, so the bytes of deleted and forgotten
// messages stay in the file until their pages are reused; after Compact they are gone
// from it. The copy is written beside the file (it needs that much free space) and
// renamed over it. Every other operation waits while it runs, and its cost grows with
// the whole file: run it after Forget (feedbackbot forget does) or a day's expiry (the
// retention pass does), not after every delete.
// If the file cannot be reopened afterwards the store is closed and says why.
func (s *Store) Compact(ctx context.Context) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	s.life.Lock()
	defer s.life.Unlock()
	if s.isClosed {
		return errClosed
	}
	tmp := s.path + ".compact"
	_ = os.Remove(tmp) // left by a crash during an earlier compaction
	dst, err := bbolt.Open(tmp, 0o600, boltOptions(s.lockTimeout, false))
	if err != nil {
		return fmt.Errorf("bolt: compact: %w", err)
	}
	if err := bbolt.Compact(dst, s.db, compactTxBytes); err != nil {
		dst.Close()
		os.Remove(tmp)
		return fmt.Errorf("bolt: compact %s: %w", s.path, err)
	}
	if err := dst.Close(); err != nil {
		os.Remove(tmp)
		return fmt.Errorf("bolt: compact %s: %w", s.path, err)
	}
	if err := os.Rename(tmp, s.path); err != nil {
		os.Remove(tmp)
		return fmt.Errorf("bolt: compact %s: %w", s.path, err)
	}
	if d, err := os.Open(filepath.Dir(s.path)); err == nil {
		_ = d.Sync() // make the rename durable
		d.Close()
	}
	// The old file (now unlinked) is closed only after the rename, and the compacted
	// one opened at once, so the lock is free for the shortest possible time.
	_ = s.db.Close()
	db, err := bbolt.Open(s.path, 0o600, boltOptions(s.lockTimeout, s.noFreelistSync))
	if err != nil {
		s.isClosed = true
		close(s.closed)
		return fmt.Errorf("bolt: reopen %s after compacting it (the store is closed now): %w", s.path, err)
	}
	s.db = db
	s.commit.db = db
	return nil
}
