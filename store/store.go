// Package store defines the domain-level storage contract of feedbackbot: the capture
// log, derived state (tags, rollups, indexes), small documents and leases. Backends live
// in subpackages (store/bolt, store/redis) and must all pass store/storetest.
package store

import (
	"context"
	"errors"
	"math"
	"strings"
	"time"

	"github.com/feedbackbot/feedbackbot"
)

// Store is everything the pipeline and the bot need from storage.
type Store interface {
	Log
	Derived
	People
	Retention
	Docs
	Leases
	// Close releases the backend. It does not stop other processes' work.
	Close() error
}

// Entry is one event read from the capture log.
type Entry struct {
	// ID is the entry's position in its workspace log (opaque, increasing within a workspace).
	ID        string
	Workspace string
	Event     feedbackbot.Event
	// Deliveries counts how many times this entry was handed to a consumer, including this one.
	Deliveries int64
}

// Log is the durable, append-only capture log, consumed at least once by analysis workers.
//
// Contract:
//   - Append returns only after the events are durable; it returns the number of events
//     actually appended. An event whose message key and revision equal the latest stored
//     ones is a redelivery and is skipped (not an error). A delete of a message that is
//     already deleted is skipped too, and so is any put of a deleted message: Slack and
//     Discord never bring a deleted message back, so such a put is a replay (a
//     redelivery, back-fill or re-import of an older copy) and must not resurrect it. A
//     delete of a message never stored appends nothing (it counts 0) but is remembered
//     as that message's deletion (a few bytes, no text), so that its put arriving after
//     it (Slack's retry of a first delivery that failed, landing after the customer
//     deleted the message) is skipped as well. Events must be Normalize()d.
//   - Read hands out entries not yet delivered to anyone, plus entries delivered to a
//     consumer that has not acknowledged them for longer than the backend's claim
//     timeout (a crashed worker's), across all workspaces, at most max of them
//     (max <= 0 means DefaultReadMax). It waits up to wait for something to arrive
//     and returns an empty slice (not an error) when nothing did.
//   - An entry stays pending until Ack; acking twice or acking an unknown entry is a
//     no-op, and so is acking an entry whose ID or Workspace cannot be the log's (an
//     id of another form, or none): Ack acknowledges the batch's other entries.
//   - Replay calls fn for every entry of one workspace's log in order, without touching
//     consumer state, for re-analysis; fn's error stops it and is returned.
//   - Newest returns the newest version of a message put in the log, whether or not
//     analysis has applied it yet (found is false when it was never put, or was
//     deleted or erased since). AppendOver appends one event only if its message's
//     latest revision is still base, atomically with that check, and reports false
//     (appending nothing) when another version came first. Together they are a
//     read-modify-write of one message that no concurrent capture, on this replica
//     or another, can undo: a reaction counted on a message must not bring back the
//     text an edit just replaced, nor lose another replica's reaction. A put equal
//     to the base, or otherwise skipped as Append skips it, is not a conflict. op
//     names the change (a platform's event id: one per reaction, whatever the
//     attempt or replica): a call with the op of a write that landed in the last
//     10 minutes reports true and appends nothing, whatever its base, so neither a
//     retry after a lost reply (which would find its own write in the way) nor the
//     platform's redelivery of the event to another replica (which would build on
//     it) counts the change twice. (The embedded store, one process, remembers ops
//     in memory: a redelivery after a restart is not recognised.)
type Log interface {
	Append(ctx context.Context, events ...feedbackbot.Event) (int, error)
	Newest(ctx context.Context, key string) (m feedbackbot.Message, found bool, err error)
	AppendOver(ctx context.Context, base, op string, ev feedbackbot.Event) (ok bool, err error)
	Read(ctx context.Context, consumer string, max int, wait time.Duration) ([]Entry, error)
	Ack(ctx context.Context, entries ...Entry) error
	// Backlog counts entries appended but not yet acknowledged (undelivered + pending).
	Backlog(ctx context.Context) (int64, error)
	Replay(ctx context.Context, workspace string, fn func(Entry) error) error
}

// Filler is a Log that can append only what it has never held: an import of an
// export taken some time ago must fill in the history, not put back the text of a
// message its author edited since (captured live), nor its reaction counts or
// account. Both stores implement it.
//
// Contract: AppendNew is Append, except that a put of a message whose key the log
// holds in any version (or as deleted, or erased) is skipped. Deletes are as Append's.
type Filler interface {
	AppendNew(ctx context.Context, events ...feedbackbot.Event) (int, error)
}

// Stored is a message as derived state holds it, with its tags.
type Stored = feedbackbot.Tagged

// Query selects stored messages. Workspace is required; Account and Channel narrow it
// (at most one of them). From is inclusive, To exclusive; zero means unbounded.
// Results are newest first; Limit <= 0 means a backend default of 100, and no backend
// returns more than 1000 at once.
type Query struct {
	Workspace string
	Account   string
	Channel   string
	From, To  time.Time
	Limit     int
}

// Applied pairs a log entry with the tags analysis produced for it (zero Tags for a delete).
type Applied struct {
	Entry Entry
	Tags  feedbackbot.Tags
}

// Notable kinds.
const (
	NotableNegative = "negative"
	NotablePositive = "positive"
)

// Derived holds what analysis derives from the log. It can always be rebuilt from it.
//
// Contract for Apply (each item is handled independently and atomically; a batch is
// one round trip or one transaction where the backend can, for throughput):
//   - For a put entry, Apply records tags for that message revision and adjusts the
//     rollup of the message's bucket by feedbackbot.Contributions, atomically: the
//     contributions of whatever was applied before for the same message (an older
//     revision, or the same revision under another tags.Analyzer) are subtracted first.
//   - Applying the same entry with the same tags.Analyzer again is a no-op, so
//     at-least-once delivery counts each message exactly once.
//   - A put entry whose revision is no longer the latest for its key (an edit or a delete
//     came after it) is a no-op: the later entry wins.
//   - For a delete entry, Apply removes the message, its tags, its index entries and its
//     contributions; tags are ignored.
//   - Apply returns how many items changed anything. On error, some items may have been
//     applied; retrying the whole batch is safe.
//
// Messages, Notable and the indexes behind them only include applied messages.
type Derived interface {
	Apply(ctx context.Context, items ...Applied) (applied int, err error)
	// Message returns one applied message by its key; ENOTFOUND if absent or deleted.
	Message(ctx context.Context, key string) (Stored, error)
	Messages(ctx context.Context, q Query) ([]Stored, error)
	// PeriodKeys returns the keys of a workspace's applied messages in [from, to)
	// (either bound open when zero), newest first, in the order Messages returns
	// them, at most limit (1..MaxPeriodKeys): their index alone, none of their
	// records read, for a caller that holds most of the records already. Redis
	// indexes whole microseconds, so a message whose time has a finer part within
	// a bound's microsecond may be placed on either side of it; Slack's and
	// Discord's times are whole microseconds.
	PeriodKeys(ctx context.Context, workspace string, from, to time.Time, limit int) ([]string, error)
	// Rollups returns the non-empty buckets of one workspace whose start is in [from, to),
	// in time order; a zero bound is open (a zero from reads from the workspace's
	// first bucket, a zero to up to its last). Its cost grows with the period, never
	// with the whole history (an open bound ends at the data's first or last bucket).
	// With counters named, each bucket holds only those of them it has (non-zero),
	// a bucket with none is left out, and a networked backend fetches no others:
	// for reads that need a few counters of many buckets, such as the totals of a
	// period to compare with (an hour holds a few counters per account and channel).
	Rollups(ctx context.Context, workspace string, from, to time.Time, counters ...string) ([]feedbackbot.Rollup, error)
	// Notable returns up to limit customer messages in [from, to) with the most negative
	// (kind NotableNegative) or most positive (NotablePositive) sentiment, most extreme
	// first; ties are broken by newer first. A zero bound is open: the period then
	// starts at the workspace's first rollup bucket, or ends after its last, however
	// long the history (an open read costs what its days with data cost, not one
	// read a day of the whole span, and is never refused as too long a period).
	// Backends keep at least the 50 most extreme per UTC day and kind, so cost grows
	// with the period, not with its volume.
	Notable(ctx context.Context, workspace, kind string, from, to time.Time, limit int) ([]Stored, error)
	// Workspaces lists every workspace that has ever had an event appended, sorted.
	// It may also list a workspace whose events were all skipped (a networked
	// backend lists a workspace before it appends to it, so that no crash between
	// the two leaves an appended entry unread, and cannot know beforehand that
	// nothing will be appended); such a workspace holds nothing.
	Workspaces(ctx context.Context) ([]string, error)
	// Accounts lists the account ids seen on applied messages of a workspace, sorted.
	Accounts(ctx context.Context, workspace string) ([]string, error)
	// AccountDays returns one account's daily counters for the UTC days whose start is
	// in [from, to), a zero bound open as Rollups's (from the day of the workspace's
	// first rollup bucket, or up to that of its last), non-empty days only, in time
	// order: for each day the account dimension of the hourly rollups
	// (CounterName(DimAccount, account, c)) summed over the day, keyed by the
	// counter alone (CntCustomer, CntScoreMilli, ...).
	// Backends keep them in the same atomic step as the hourly rollups, so they
	// always equal those sums (retention keeps both). Its cost grows with the days
	// asked for, never with the history: with an open bound, with the days that
	// hold data, however long the span between them (never refused as too long a
	// period). A store whose data predates these counters
	// returns ErrAccountDaysMissing until they are rebuilt (see AccountDaysBuilder).
	// With counters named, as with Rollups, each day holds only those of them it has
	// (non-zero), a day with none is left out, and a networked backend fetches no
	// others (account health reads two counters of each of its baseline's days).
	AccountDays(ctx context.Context, workspace, account string, from, to time.Time, counters ...string) ([]feedbackbot.Rollup, error)
}

// DayCounts is one UTC day's values of the counters a read named, in the order
// it named them: an account's day as a store that reads them without a map a
// day gives it (the embedded store's AccountDayCounts).
type DayCounts struct {
	Start  time.Time
	Counts []int64
}

// DayCountsOf is days as DayCounts of counters, in that order (a counter a day
// does not have is 0).
func DayCountsOf(days []feedbackbot.Rollup, counters ...string) []DayCounts {
	out := make([]DayCounts, len(days))
	vals := make([]int64, len(days)*len(counters))
	for i, d := range days {
		out[i] = DayCounts{Start: d.Start, Counts: vals[i*len(counters) : (i+1)*len(counters) : (i+1)*len(counters)]}
		for j, c := range counters {
			out[i].Counts[j] = d.Counts[c]
		}
	}
	return out
}

// ErrAccountDaysMissing says a workspace's account-day counters do not cover its
// history yet (data applied by an older version): callers read messages instead.
var ErrAccountDaysMissing = errors.New("account-day counters are not built for this workspace yet")

// AccountDaysBuilder is implemented by stores that can be missing account-day
// counters for old data; BuildAccountDays fills them for one workspace (and
// upgrades whatever else of an older version's layout a walk of its messages
// can: on Redis the account weeks and the records' stored JSON). It is
// idempotent and safe while other processes apply. It walks the workspace's applied
// messages, so at a million it takes a while: progress, when not nil, is called
// with done 0 and total about how many messages it will walk, before it starts
// (never when the workspace is built already), then with how many it has walked
// after each chunk of them. progress runs on the caller's goroutine and slows the
// walk by what it costs.
type AccountDaysBuilder interface {
	BuildAccountDays(ctx context.Context, workspace string, progress func(done, total int)) error
}

// DayStart returns the start of the UTC day holding t.
func DayStart(t time.Time) time.Time { return t.UTC().Truncate(24 * time.Hour) }

// AccountKey is the account id as counter names spell it (CounterName replaces the
// separator), which is how AccountDays keys its counters.
func AccountKey(account string) string {
	_, k, _, _ := feedbackbot.SplitCounter(feedbackbot.CounterName(feedbackbot.DimAccount, account, "x"))
	return k
}

// AccountCounters returns the account-dimension counters of contributions, keyed
// by the counter alone, and the account's name as the counters spell it ("" when
// there are none): what AccountDays keeps per day.
func AccountCounters(c map[string]int64) (account string, out map[string]int64) {
	for name, v := range c {
		if key, cnt, ok := accountCounter(name); ok {
			if out == nil {
				out = make(map[string]int64, 8)
			}
			account = key
			out[cnt] += v
		}
	}
	return account, out
}

// AppendAccountCounters is AccountCounters of feedbackbot.AppendContributions's
// counters (each name once), appended to dst.
func AppendAccountCounters(dst, cs []feedbackbot.Counter) (account string, out []feedbackbot.Counter) {
	for _, c := range cs {
		if key, cnt, ok := accountCounter(c.Name); ok {
			account = key
			dst = append(dst, feedbackbot.Counter{Name: cnt, Value: c.Value})
		}
	}
	return account, dst
}

// accountCounter splits an account-dimension counter name into the account as
// names spell it and the counter.
func accountCounter(name string) (account, counter string, ok bool) {
	const prefix = feedbackbot.DimAccount + "|" // CounterName's layout, without allocating
	rest, ok := strings.CutPrefix(name, prefix)
	if !ok {
		return "", "", false
	}
	return strings.Cut(rest, "|")
}

// People serves a person's privacy rights over what the store holds about them in one
// workspace: a copy of their messages (export) and erasure (the right to be forgotten).
// A person is an author id (feedbackbot.Message.Author) within a workspace. Backends
// keep an author index, maintained by Append and Apply, so that both cost in
// proportion to the author's messages, never to the workspace.
//
// Contract for AuthorMessages:
//   - fn is called for every applied message whose author is author, oldest first (by
//     message time), with its tags. Deleted and forgotten messages are not included.
//   - It reads in bounded chunks and calls fn outside any transaction, so memory stays
//     flat and fn may call the store. fn's error stops it and is returned.
//
// Contract for Forget (erasure of every message one of whose versions author wrote):
//   - Derived state: each message is removed exactly as a delete would remove it
//     (record, tags, time, account, channel, author and notable indexes), and its rollup
//     contributions are subtracted, so every counter still equals the sum of the
//     remaining messages' contributions.
//   - Capture log: every event of those messages (puts, edits, deletes) is removed, so
//     Replay and re-analysis cannot bring the text back. Entries not yet delivered are
//     never handed out; entries delivered but unacknowledged stop being pending (not
//     reclaimed, not counted by Backlog). A worker that acknowledges such an entry
//     later changes nothing, and a worker that applies it later changes nothing either:
//     Apply treats a forgotten message like one superseded by a later revision.
//   - Future events: the author is remembered as forgotten in the workspace (their id
//     is kept, only to recognise them), and Append skips every later put by that author
//     and every later event of a forgotten message, without an error and without
//     counting it, so a redelivery, back-fill or re-import cannot bring them back.
//   - It returns how many distinct messages it erased anything of (an applied message,
//     or log entries of a message not yet applied or already deleted); it is
//     idempotent, so forgetting again returns 0.
//   - Each message is erased atomically. When Forget fails part-way some messages may
//     be erased already (the author is remembered first); calling it again finishes.
//   - The message leaves the author index of each of its authors (an edit by another
//     author puts it in theirs too), as Expire's. A limit of a backend that keeps
//     its log bounded (Redis with MaxLen): an earlier author whose put of the
//     message was trimmed from the log before the erasure keeps an index entry
//     naming the message's key (a key, no text: AuthorKeys and AuthorEntries leave
//     it out, their Forget erases nothing of it).
//   - Documents (Docs) are not touched: what callers keep there about the person
//     (quotes in alerts, survey answers) is theirs to erase.
//
// Contract for AuthorKeys (what Forget would erase, without reading the log):
//   - It returns, sorted and once each, the key of every message one of whose versions
//     author put in the capture log and of which the store still holds something:
//     applied, not applied yet, or deleted on the platform (its log entries stay until
//     retention or Forget removes them). Messages erased by Forget or expired by
//     retention are not included, nor messages only other authors wrote; an author
//     with none, or a workspace never seen, gives an empty result, not an error.
//   - It answers from the author index (built first where a log predates it, as
//     AuthorMessages and Forget do), so its cost follows the author's own messages,
//     never the size of the log: a preview of an erasure, asked for a mistyped id
//     on a big workspace, must still answer within a chat command's timeout.
//
// Contract for AuthorEntries (the capture log's part of an export):
//   - fn is called, in log order (oldest first), for every entry the capture log
//     still holds of the messages AuthorKeys lists: each put whose author is author
//     (the first version, each edit, the version a delete left behind, one not
//     applied or not even delivered yet) and each delete of one of those messages.
//     Puts of the same message key by another author are theirs and are left out.
//     Entries erased by Forget or expired by retention are not included; an author
//     with none, forgotten, or a workspace never seen, gives no call and no error.
//   - Entries are as Replay gives them (Deliveries is 0); consumer state is not
//     touched.
//   - It answers from the author and log-entry indexes (built first where a log
//     predates them), reading the author's entries by id in bounded chunks, so its
//     cost and memory follow the author's entries, never the size of the log; fn
//     runs outside any transaction and may call the store; its error stops it and
//     is returned.
type People interface {
	AuthorMessages(ctx context.Context, workspace, author string, fn func(Stored) error) error
	AuthorKeys(ctx context.Context, workspace, author string) ([]string, error)
	AuthorEntries(ctx context.Context, workspace, author string, fn func(Entry) error) error
	Forget(ctx context.Context, workspace, author string) (int, error)
}

// Retention deletes messages once they are older than a team keeps them.
//
// Contract for Expire (every message whose time is before before):
//   - Derived state: the message is removed as a delete would remove it (record,
//     tags, time, account, channel, author and notable indexes) except that its rollup
//     contributions stay: the hours it counted in keep their counts (and its account
//     day its account counters), so trends, digests of old periods and account
//     baselines still add up. (Re-analysis cannot re-tag it any more;
//     its hours keep the tags they had.)
//   - Capture log: every event of the message (puts, edits, deletes) is removed, with
//     the author-index entry of each of its authors that pointed to it (an edit can
//     change a message's author). Messages deleted before they expired are found
//     through the log and removed too, so no old text stays anywhere. A limit of a
//     backend that keeps its log bounded (Redis with MaxLen): an earlier author
//     whose put of the message was trimmed from the log before the expiry keeps an
//     index entry naming the message's key (a key, no text: AuthorKeys and
//     AuthorEntries leave it out, and Forget erases nothing of it).
//   - A message with a log entry not yet delivered or still pending is left alone
//     until analysis has acknowledged it (a later call expires it), so nothing old
//     enters the store uncounted and no worker loses an entry it holds.
//   - The message key is remembered as erased (a few bytes, no text), so that a
//     redelivery, back-fill or re-import can neither bring it back nor count it twice:
//     Append skips its events and Apply treats it as superseded.
//   - It works in bounded chunks (memory stays flat) and returns how many messages it
//     removed anything of; it is idempotent, so calling it again returns 0. Each
//     message is expired atomically; a failure part-way is finished by calling again.
//   - Documents (Docs) are not touched.
type Retention interface {
	Expire(ctx context.Context, workspace string, before time.Time) (int, error)
}

// Docs stores small JSON documents by workspace, kind and id: alerts, surveys, cursors,
// audit entries. Writes are durable when they return.
type Docs interface {
	PutDoc(ctx context.Context, workspace, kind, id string, data []byte) error
	// CreateDoc writes the document only if there is none with its id, atomically
	// (of two replicas creating it at once, one does), and reports whether it
	// wrote: a record that is its own claim, such as a digest run's "posted".
	CreateDoc(ctx context.Context, workspace, kind, id string, data []byte) (created bool, err error)
	// GetDoc returns ENOTFOUND when there is no such document.
	GetDoc(ctx context.Context, workspace, kind, id string) ([]byte, error)
	// GetDocs returns the documents of a kind with these ids, keyed by id, in one
	// read (one round trip): an id with no document is left out.
	GetDocs(ctx context.Context, workspace, kind string, ids ...string) (map[string][]byte, error)
	// ListDocs returns every document of a kind, keyed by id.
	ListDocs(ctx context.Context, workspace, kind string) (map[string][]byte, error)
	// ListDocsPrefix returns the documents of a kind whose id begins with any of the
	// prefixes, keyed by id: the others are not read (or, on Redis, not sent).
	ListDocsPrefix(ctx context.Context, workspace, kind string, prefixes ...string) (map[string][]byte, error)
	// DeleteDoc is a no-op when there is no such document.
	DeleteDoc(ctx context.Context, workspace, kind, id string) error
}

// Leases coordinate replicas: one runs the scheduler, each digest is posted once.
type Leases interface {
	// AcquireLease takes the named lease for holder for ttl, or renews it if holder
	// already has it. It returns false while another holder's lease is unexpired.
	AcquireLease(ctx context.Context, name, holder string, ttl time.Duration) (bool, error)
	// ReleaseLease gives the lease up if holder has it; otherwise it is a no-op.
	ReleaseLease(ctx context.Context, name, holder string) error
	// Once returns true the first time it is called with name within ttl, false after:
	// a marker so that a failover cannot run the same job twice (a day's retention).
	Once(ctx context.Context, name string, ttl time.Duration) (bool, error)
}

// DefaultReadMax is how many entries Read hands out at most when its max is <= 0.
const DefaultReadMax = 100

// DefaultQueryLimit and MaxQueryLimit bound Messages.
const (
	DefaultQueryLimit = 100
	MaxQueryLimit     = 1000
	// MaxPeriodKeys bounds what one PeriodKeys call returns.
	MaxPeriodKeys = 10_000
)

// ClampLimit applies the Query limit rules.
func ClampLimit(n int) int {
	switch {
	case n <= 0:
		return DefaultQueryLimit
	case n > MaxQueryLimit:
		return MaxQueryLimit
	}
	return n
}

// FiniteScore is a sentiment score every store can keep (JSON, a sorted-set score):
// NaN becomes 0 and the infinities ±1, so that one bad score cannot fail a batch
// on every retry.
func FiniteScore(x float64) float64 {
	switch {
	case math.IsNaN(x):
		return 0
	case math.IsInf(x, 1):
		return 1
	case math.IsInf(x, -1):
		return -1
	}
	return x
}
