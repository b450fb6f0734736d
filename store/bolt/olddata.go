package bolt

import (
	"fmt"
	"os"
	"path/filepath"
	"time"

	"go.etcd.io/bbolt"
)

// DropAccountDays is for tests and benchmarks only: it makes the closed store file
// in dir look like one written before account-day counters existed (every
// workspace's counters and the meta key that marks them built are removed), so that
// the next Open runs the one-off migration that builds them. It fails if the file
// does not exist or another process has it open.
func DropAccountDays(dir string) error {
	path := filepath.Join(dir, FileName)
	if _, err := os.Stat(path); err != nil {
		return fmt.Errorf("bolt: drop account days: %w", err)
	}
	db, err := bbolt.Open(path, 0o600, boltOptions(time.Second, false))
	if err != nil {
		return fmt.Errorf("bolt: drop account days: open %s: %w", path, err)
	}
	err = db.Update(func(tx *bbolt.Tx) error {
		meta, ws := tx.Bucket(bMeta), tx.Bucket(bWS)
		if meta == nil || ws == nil {
			return corrupt(path)
		}
		if err := meta.Delete(kAcctDays); err != nil {
			return err
		}
		return ws.ForEachBucket(func(k []byte) error {
			if ws.Bucket(k).Bucket(bAcctDay) == nil {
				return nil
			}
			return ws.Bucket(k).DeleteBucket(bAcctDay)
		})
	})
	if cerr := db.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("bolt: drop account days in %s: %w", path, err)
	}
	return nil
}
