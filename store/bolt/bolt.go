// Package bolt is feedbackbot's embedded, durable, single-file store: the zero-setup
// default when no Redis is configured. Everything (capture log, consumer state,
// derived state, documents, leases) lives in one bbolt file, dir/feedbackbot.db.
//
// Why bbolt (go.etcd.io/bbolt): pure Go (no cgo, one static binary), MIT, a single
// file, ACID transactions with an fsync on every commit, an exclusive file lock so two
// processes cannot share the file by mistake, and well kept by the etcd maintainers
// who run it under etcd. SQLite through modernc.org/sqlite is also pure Go but much
// bigger, and SQL buys nothing here: every query is a range over an ordered key, which
// bbolt's B+tree cursors do directly. redka (a Redis API over SQL) has no streams or
// Lua, so it could not share the Redis backend's design anyway.
//
// Layout, one bucket per workspace under "ws" (keys are big-endian so they sort):
//
//	log      seq -> JSON event             (bucket sequence = last entry id)
//	pend     seq -> delivered-at, count, consumer
//	cursor   (a key) last delivered seq
//	latest   message key -> "p"+revision | "d" (tombstone): capture dedupe
//	msg      message key -> record (message, tags, applied stamp, contributions;
//	         binary, see record.go, or the JSON of versions before 2026-12-05)
//	roll     hour -> counters (binary, see encodeCounters, or JSON before 2026-12-05)
//	t        time+key -> nil               (workspace time index)
//	acct/ch  account|channel -> time+key   (per-dimension time indexes)
//	neg/pos  hour+extremity+time desc+key  (notable, most extreme first per hour)
//	accounts account -> nil
//	au       author -> time+key            (applied messages per author: export, Forget)
//	ak       author -> key -> nil          (every message key the author ever put in the log)
//	aq       seq -> author, key            (ak's newest entries, folded into it in batches)
//	le       message key -> seq...         (the log entries of each message, for Forget)
//	gone     (a key) log entries Forget removed before they were delivered
//
// and, outside the workspace buckets, "forgotten": workspace -> author -> when (authors
// erased by Forget, whose later events Append skips). A file written before the author
// indexes existed gets them built once, when Open finds the "people" meta key missing.
//
// Writers coalesce: concurrent Append, Apply, Ack and document calls share one
// transaction and one fsync (group commit), without a fixed batching delay.
package bolt

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"sync"
	"time"

	"github.com/feedbackbot/feedbackbot"
	"github.com/feedbackbot/feedbackbot/store"
	"go.etcd.io/bbolt"
	berrors "go.etcd.io/bbolt/errors"
)

// FileName is the name of the store's file inside its directory.
const FileName = "feedbackbot.db"

// Options tune the store. The zero value is usable.
type Options struct {
	// ClaimIdle is how long a delivered entry may stay unacknowledged before Read hands
	// it to another consumer (default 1 minute).
	ClaimIdle time.Duration
	// LockTimeout is how long Open waits for another process to release the file
	// (default 1 second).
	LockTimeout time.Duration
	// Now is the clock for claim times and leases (default time.Now).
	Now func() time.Time
	// NoFreelistSync suits long-running writers (the bot, an import): commits leave
	// out bbolt's list of free pages, as etcd runs it, so they write less (importing
	// 100,000 messages took 20 s instead of 30 s). Open then rebuilds the list by
	// reading the whole file once (about 5 s at a million messages), and Close writes
	// it back, so the next Open, by a short command, is quick again. Durability is
	// the same either way: data and meta pages are synced on every commit.
	NoFreelistSync bool
	// Logger receives what Open says about one-off work on an older file (building
	// the account-day counters), which can take a while on a large one; default
	// slog.Default().
	Logger *slog.Logger

	// authorFold is authorQueueFold unless set (tests fold after every few entries).
	authorFold uint64
	// jsonRecords writes message records and counters (hourly rollups, account
	// days) in JSON, as versions before 2026-12-05 did (tests make files of those
	// versions with it).
	jsonRecords bool
}

// Store is the bbolt backend. It is safe for concurrent use.
type Store struct {
	db          *bbolt.DB
	path        string
	claimIdle   time.Duration
	lockTimeout time.Duration
	now         func() time.Time
	// noFreelistSync is Options.NoFreelistSync, kept for reopening after Compact.
	noFreelistSync bool
	// authorFold is how long the author queue grows before Append folds it.
	authorFold uint64
	// jsonRecords: see Options.
	jsonRecords bool
	log         *slog.Logger

	// wake is closed and replaced whenever entries are appended, waking waiting Reads.
	wakeMu sync.Mutex
	wake   chan struct{}
	closed chan struct{}

	// life is held (shared) by every operation while it uses the file, and exclusively
	// by Close, so Close waits for operations in flight and none starts after it.
	life     sync.RWMutex
	isClosed bool

	commit committer
	ops    opMemory // recent writes over a base, for their retries
	// opTurns serialise the AppendOver calls of one op (by its stripe).
	opTurns [opStripes]sync.Mutex
	rrMu    sync.Mutex
	rr      int // rotates the workspace Read starts with, for fairness
}

// Format version kept in the meta bucket; Open refuses files of another format.
const formatVersion = "1"

var (
	bMeta   = []byte("meta")
	bWS     = []byte("ws")
	bDocs   = []byte("docs")
	bLeases = []byte("leases")
	bOnce   = []byte("once")
	// bForgotten lives outside the workspace buckets so that forgetting someone in a
	// workspace with no events yet does not make it a workspace.
	bForgotten = []byte("forgotten")
	kFormat    = []byte("format")
	// kPeople marks a file whose author and log-entry indexes are complete.
	kPeople = []byte("people")
	// kAcctDays marks a file whose account-day counters cover every workspace.
	kAcctDays = []byte("acctdays")
)

// Open opens (creating if needed) the store in dir. It fails with a clear error when
// another process holds the file or when the file is not a feedbackbot database.
func Open(ctx context.Context, dir string, opts Options) (*Store, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if opts.ClaimIdle <= 0 {
		opts.ClaimIdle = time.Minute
	}
	if opts.LockTimeout <= 0 {
		opts.LockTimeout = time.Second
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.Logger == nil {
		opts.Logger = slog.Default()
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("bolt: create data directory: %w", err)
	}
	path := filepath.Join(dir, FileName)
	db, err := bbolt.Open(path, 0o600, boltOptions(opts.LockTimeout, opts.NoFreelistSync))
	var pathErr *fs.PathError
	switch {
	case errors.Is(err, berrors.ErrTimeout):
		return nil, fmt.Errorf("%w (%w)", feedbackbot.Errorf(feedbackbot.EUNAVAILABLE,
			"store file %s is in use by another feedbackbot process (its lock was not released within %s); stop that process or use another data directory",
			path, opts.LockTimeout), err)
	case errors.As(err, &pathErr):
		return nil, fmt.Errorf("bolt: open %s: %w", path, err)
	case err != nil:
		// Anything else bbolt reports while reading the file's header (invalid
		// database, version mismatch, checksum error, file size too small) means the
		// file is not a bbolt file or is damaged.
		return nil, fmt.Errorf("%w (%w)", corrupt(path), err)
	}
	if err := initDB(ctx, db, path, opts.Logger); err != nil {
		db.Close()
		return nil, err
	}
	s := &Store{
		db:             db,
		path:           path,
		claimIdle:      opts.ClaimIdle,
		lockTimeout:    opts.LockTimeout,
		noFreelistSync: opts.NoFreelistSync,
		authorFold:     cmp.Or(opts.authorFold, authorQueueFold),
		jsonRecords:    opts.jsonRecords,
		now:            opts.Now,
		log:            opts.Logger,
		wake:           make(chan struct{}),
		closed:         make(chan struct{}),
	}
	s.commit.db = db
	return s, nil
}

func boltOptions(lockTimeout time.Duration, noFreelistSync bool) *bbolt.Options {
	return &bbolt.Options{Timeout: lockTimeout, FreelistType: bbolt.FreelistMapType, NoFreelistSync: noFreelistSync}
}

func corrupt(path string) error {
	return feedbackbot.Errorf(feedbackbot.EINTERNAL,
		"store file %s is not a feedbackbot database or is corrupt; move it aside (or restore a backup) and start again", path)
}

// initDB creates the top-level buckets of a new file, or checks an existing file is
// ours and runs the one-off migrations an older file needs, saying so on log when
// there is data to migrate.
func initDB(ctx context.Context, db *bbolt.DB, path string, log *slog.Logger) error {
	var built *acctDaysBuilt
	var people *peopleIndexed
	var peopleTook time.Duration
	start := time.Now()
	err := db.Update(func(tx *bbolt.Tx) error {
		meta := tx.Bucket(bMeta)
		if meta == nil {
			empty := true
			_ = tx.ForEach(func([]byte, *bbolt.Bucket) error { empty = false; return nil })
			if !empty {
				return corrupt(path)
			}
			var err error
			if meta, err = tx.CreateBucket(bMeta); err != nil {
				return err
			}
			if err := meta.Put(kFormat, []byte(formatVersion)); err != nil {
				return err
			}
		}
		if v := meta.Get(kFormat); string(v) != formatVersion {
			return fmt.Errorf("%w: format %q, this build reads format %s", corrupt(path), v, formatVersion)
		}
		for _, b := range [][]byte{bWS, bDocs, bLeases, bOnce, bForgotten} {
			if _, err := tx.CreateBucketIfNotExists(b); err != nil {
				return err
			}
		}
		// The workspaces an older file's migrations below have to walk (none in a
		// new file, which then logs nothing).
		n := 0
		if meta.Get(kPeople) == nil || meta.Get(kAcctDays) == nil {
			_ = tx.Bucket(bWS).ForEachBucket(func([]byte) error { n++; return nil })
		}
		if meta.Get(kPeople) == nil {
			// A file from before the author indexes: build them once from the log
			// and the messages (reads both whole: say so, as for account days).
			if n > 0 {
				log.InfoContext(ctx, "building the author indexes of data from an older version, once, from the capture log; the store opens when they are done",
					"file", path, "workspaces", n)
			}
			t0 := time.Now()
			res, err := indexPeople(tx)
			if err != nil {
				return fmt.Errorf("build the author indexes: %w", err)
			}
			if n > 0 {
				people, peopleTook = &res, time.Since(t0)
			}
			if err := meta.Put(kPeople, []byte("1")); err != nil {
				return err
			}
		}
		if meta.Get(kAcctDays) == nil {
			// A file from before account-day counters: sum them from the hourly
			// rollups once (they hold the same account counters, retention included).
			// It reads every hourly rollup, so on a large file it takes a while:
			// say so, or the start-up looks like a hang.
			if n > 0 {
				log.InfoContext(ctx, "building the account-day counters of data from an older version, once, from the hourly rollups; the store opens when they are done",
					"file", path, "workspaces", n)
			}
			start = time.Now()
			res, err := buildAccountDays(tx)
			if err != nil {
				return fmt.Errorf("build the account-day counters: %w", err)
			}
			if n > 0 {
				built = &res
			}
			return meta.Put(kAcctDays, []byte("1"))
		}
		return nil
	})
	if people != nil && err == nil {
		log.InfoContext(ctx, "built the author indexes", "file", path, "workspaces", people.workspaces,
			"log_entries", people.entries, "messages", people.messages, "seconds", roundSeconds(peopleTook))
	}
	if built != nil && err == nil {
		log.InfoContext(ctx, "built the account-day counters", "file", path, "workspaces", built.workspaces,
			"hours", built.hours, "account_days", built.days, "seconds", roundSeconds(time.Since(start)))
	}
	var fe *feedbackbot.Error
	if errors.As(err, &fe) {
		return err
	}
	if err != nil {
		return fmt.Errorf("bolt: initialise %s: %w", path, err)
	}
	return nil
}

// roundSeconds is d in seconds to two decimals, for logs.
func roundSeconds(d time.Duration) float64 {
	return float64(d.Round(10*time.Millisecond)) / float64(time.Second)
}

// Path returns the store's file.
func (s *Store) Path() string { return s.path }

// Close waits for writes in flight, then closes the file. Waiting Reads return.
func (s *Store) Close() error {
	s.life.Lock()
	defer s.life.Unlock()
	if s.isClosed {
		return nil
	}
	s.isClosed = true
	close(s.closed)
	// One last commit, when there is something to write (nothing else writes now: life
	// is held): the author queues folded, so a file closed cleanly keeps every author's
	// keys in ak alone, as versions before the queue read them; and with NoFreelistSync
	// the free-page list, so that the next Open need not read the whole file to rebuild it.
	saveFreelist := s.db.NoFreelistSync
	s.db.NoFreelistSync = false
	err := s.db.Update(func(tx *bbolt.Tx) error {
		folded, err := foldAuthorQueues(tx)
		if err == nil && !folded && !saveFreelist {
			return errRollback // nothing to write
		}
		return err
	})
	if err != nil && err != errRollback {
		_ = s.db.Close()
		return fmt.Errorf("bolt: close %s: fold the author queues, save the free-page list: %w", s.path, err)
	}
	if err := s.db.Close(); err != nil {
		return fmt.Errorf("bolt: close %s: %w", s.path, err)
	}
	return nil
}

// update runs fn in a write transaction shared with concurrent callers (one fsync).
func (s *Store) update(ctx context.Context, fn func(*bbolt.Tx) error) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	s.life.RLock()
	defer s.life.RUnlock()
	if s.isClosed {
		return errClosed
	}
	return s.commit.run(fn)
}

// updateAlone runs fn in its own write transaction; fn may return errRollback to
// discard its changes without an error (and without a write to disk).
func (s *Store) updateAlone(ctx context.Context, fn func(*bbolt.Tx) error) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	s.life.RLock()
	defer s.life.RUnlock()
	if s.isClosed {
		return errClosed
	}
	if err := s.db.Update(fn); err != nil && err != errRollback {
		return err
	}
	return nil
}

var errRollback = errors.New("rollback")

func (s *Store) view(ctx context.Context, fn func(*bbolt.Tx) error) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	s.life.RLock()
	defer s.life.RUnlock()
	if s.isClosed {
		return errClosed
	}
	return s.db.View(fn)
}

var errClosed = feedbackbot.Errorf(feedbackbot.EUNAVAILABLE, "the store is closed")

// committer is a group commit: a call that finds no commit running runs at once; calls
// arriving meanwhile queue and then share the next transaction. Unlike bbolt's
// DB.Batch it adds no delay when the store is idle.
type committer struct {
	db      *bbolt.DB
	mu      sync.Mutex
	queue   []*call
	running bool
}

type call struct {
	fn   func(*bbolt.Tx) error
	done chan error
}

func (c *committer) run(fn func(*bbolt.Tx) error) error {
	cl := &call{fn: fn, done: make(chan error, 1)}
	c.mu.Lock()
	c.queue = append(c.queue, cl)
	if !c.running {
		c.running = true
		c.mu.Unlock()
		c.loop()
	} else {
		c.mu.Unlock()
	}
	return <-cl.done
}

// loop commits what is queued; if more arrived meanwhile, a new goroutine carries on so
// the caller that started the loop returns as soon as its own call is done.
func (c *committer) loop() {
	c.mu.Lock()
	batch := c.queue
	c.queue = nil
	c.mu.Unlock()

	c.commit(batch)

	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.queue) == 0 {
		c.running = false
		return
	}
	go c.loop()
}

func (c *committer) commit(batch []*call) {
	if len(batch) == 1 {
		batch[0].done <- c.db.Update(batch[0].fn)
		return
	}
	failed := -1
	err := c.db.Update(func(tx *bbolt.Tx) error {
		for i, cl := range batch {
			if err := cl.fn(tx); err != nil {
				failed = i
				return err
			}
		}
		return nil
	})
	if err == nil {
		for _, cl := range batch {
			cl.done <- nil
		}
		return
	}
	// One call failed and rolled everyone back: the failing one gets its error, the
	// others run again on their own (their functions start from scratch each time).
	for i, cl := range batch {
		if i == failed {
			cl.done <- err
			continue
		}
		cl.done <- c.db.Update(cl.fn)
	}
}

// signal wakes Reads waiting for new entries.
func (s *Store) signal() {
	s.wakeMu.Lock()
	close(s.wake)
	s.wake = make(chan struct{})
	s.wakeMu.Unlock()
}

func (s *Store) waitChan() <-chan struct{} {
	s.wakeMu.Lock()
	defer s.wakeMu.Unlock()
	return s.wake
}

// maxIdent bounds identifiers used inside keys (bbolt keys are at most 32 KiB): the
// bound Message.Normalize holds a message's to, checked again here for what it
// leaves alone (a delete's identity, invalid UTF-8 that sanitize's repairs grow).
const maxIdent = feedbackbot.MaxIDBytes

func checkIdent(what, v string) error {
	if v == "" {
		return feedbackbot.Errorf(feedbackbot.EINVALID, "%s is empty", what)
	}
	if len(v) > maxIdent {
		return feedbackbot.Errorf(feedbackbot.EINVALID, "%s is longer than %d bytes", what, maxIdent)
	}
	return nil
}

// Interface guard.
var _ store.Store = (*Store)(nil)
