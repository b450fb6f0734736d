package redisstore

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/feedbackbot/feedbackbot"
	"github.com/feedbackbot/feedbackbot/store"
)

// Options tune the store. The zero value is usable.
type Options struct {
	// Prefix starts every key; default "fb". Several deployments can share one Redis
	// with different prefixes.
	Prefix string
	// ClaimIdle is how long an entry may stay unacknowledged before Read hands it to
	// another consumer; default 1 minute. Keep it well above the time a worker needs
	// to analyse and apply one batch.
	ClaimIdle time.Duration
	// Group is the consumer group name of the analysis workers; default "analysis".
	Group string
	// ConsumerIdle is how long a consumer of the group may go without reading, holding
	// no pending entries, before Read deletes it; default 1 hour. Every process names
	// its workers host:pid:rand:n, so without this each restart would leave its names in
	// the group for good.
	ConsumerIdle time.Duration
	// MaxLen caps each workspace's log stream approximately (XADD MAXLEN ~); 0 means
	// no cap. Trimming removes the oldest entries whether they were acknowledged or
	// not, so a cap below the worst backlog drops pending entries before analysis, and
	// Replay (re-analysis) only sees what is left: size it well above both.
	MaxLen int64
	// PollInterval is how often Read looks for new entries while it waits on more than
	// one workspace (with one it blocks in Redis instead); default 100ms.
	PollInterval time.Duration
	// Logger receives warnings about unreadable log entries; default slog.Default().
	Logger *slog.Logger
	// Now is the clock that dates what the store records of its own, such as when a
	// person was forgotten (default time.Now); leases and claims run on Redis's.
	Now func() time.Time
}

// Store is the Redis backend of store.Store. It is safe for concurrent use.
type Store struct {
	rdb       redis.UniversalClient
	ownClient bool
	prefix    string
	group     string
	claimIdle time.Duration
	maxLen    int64
	poll      time.Duration
	log       *slog.Logger
	chunk     int // items an apply script carries at most (applyChunk; smaller in tests)
	consIdle  time.Duration
	lastPrune atomic.Int64 // unix nanoseconds of the last pruning of idle consumers
	// onceTokens are the tokens of once markers whose call failed (Once), by
	// name, sent again by the next call
	onceMu     sync.Mutex
	onceTokens map[string]string

	groups sync.Map // stream key -> struct{}: consumer group known to exist
	listed sync.Map // workspace -> struct{}: listed in the workspace set by this process (appendEvents)
	// lagTrusted: stream key -> the max-deleted-entry-id after which this process
	// set its group's entries-read right (recountLag): Redis's lag holds until
	// another deletion.
	now        func() time.Time
	lagTrusted sync.Map
	lagCounts  sync.Map      // stream key -> lagCount: the last count of its lag (recountLag)
	keys       keyring       // data keys of the log's sealed entries (sealed.go)
	rr         atomic.Uint64 // rotates the order Read visits workspaces, for fairness
}

// Open connects to the Redis server(s) described by url (see ParseURL) and checks the
// connection. When Redis cannot be reached the error carries EUNAVAILABLE and names the
// address, never the password; credentials refused by the server give EINVALID.
func Open(ctx context.Context, url string, opts Options) (*Store, error) {
	uo, err := ParseURL(url)
	if err != nil {
		return nil, err
	}
	client := newClient(uo)
	where := describe(uo)
	pctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	if err := client.Ping(pctx).Err(); err != nil {
		_ = client.Close()
		if redis.IsAuthError(err) || redis.IsPermissionError(err) {
			return nil, withCode(feedbackbot.EINVALID, "Redis at "+where+" refused the credentials of the configured URL", err)
		}
		if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) && ctx.Err() != nil {
			return nil, fmt.Errorf("connect to Redis at %s: %w", where, err) // the caller's own, as it is
		}
		if !transient(err) {
			// The server answered and said no (a database number past its
			// databases setting, say): retrying the same URL cannot help.
			return nil, withCode(feedbackbot.EINVALID, "Redis at "+where+" refused the connection"+refusalHint(err), err)
		}
		return nil, withCode(feedbackbot.EUNAVAILABLE, "cannot reach Redis at "+where, err)
	}
	if v, ok := serverVersion(pctx, client); ok && !atLeast(v, 6, 2) {
		_ = client.Close()
		return nil, feedbackbot.Errorf(feedbackbot.EINVALID, "Redis at %s is version %s; feedbackbot needs 6.2 or later", where, v)
	}
	s := New(client, opts)
	s.ownClient = true
	return s, nil
}

// clusterReload is how old a cluster client's map of the slots may grow before its
// next command reloads it; go-redis's default is a minute. A redirect (MOVED, ASK)
// reloads it at once, but a master that died redirects nothing: the commands of its
// slots go on failing against its address until a reload finds the replica that took
// over, which left a Redis Cluster failover that took three seconds a minute of
// failed writes (a review's find: TestFailoverOfAKilledMaster). A reload reads the
// topology from one node, in the background, at most this often while commands run.
const clusterReload = 2 * time.Second

// newClient is redis.NewUniversalClient, but a cluster client reloads its map of the
// slots every clusterReload.
func newClient(uo *redis.UniversalOptions) redis.UniversalClient {
	if uo.MasterName == "" && (len(uo.Addrs) > 1 || uo.IsClusterMode) {
		co := uo.Cluster()
		co.ClusterStateReloadInterval = clusterReload
		return redis.NewClusterClient(co)
	}
	return redis.NewUniversalClient(uo)
}

// refusalHint says, where the usual cause of a server's refusal of a new connection
// is known, what to change (the error itself follows it).
func refusalHint(err error) string {
	if strings.Contains(err.Error(), "DB index is out of range") {
		return " (the URL's /N picks the database: a server has 16, 0 to 15, unless its databases setting says otherwise; Redis Cluster has only 0)"
	}
	return ""
}

// serverVersion reads redis_version from INFO; ok is false when INFO is not allowed
// (some managed services restrict it) or says nothing usable.
func serverVersion(ctx context.Context, client redis.UniversalClient) (string, bool) {
	info, err := client.Info(ctx, "server").Result()
	if err != nil {
		return "", false
	}
	for line := range strings.Lines(info) {
		if v, ok := strings.CutPrefix(strings.TrimSpace(line), "redis_version:"); ok {
			return v, v != ""
		}
	}
	return "", false
}

// atLeast reports whether version v (such as "7.0.15") is at least major.minor.
func atLeast(v string, major, minor int) bool {
	parts := strings.SplitN(v, ".", 3)
	ma, err := strconv.Atoi(parts[0])
	if err != nil {
		return true // not a version we can read: let the commands speak
	}
	mi := 0
	if len(parts) > 1 {
		mi, _ = strconv.Atoi(parts[1])
	}
	return ma > major || (ma == major && mi >= minor)
}

// Ping checks that Redis answers, for readiness probes; failures carry EUNAVAILABLE.
func (s *Store) Ping(ctx context.Context) error {
	err := s.rdb.Ping(ctx).Err()
	if err != nil && !errors.Is(err, context.Canceled) {
		return fmt.Errorf("redis ping: %w", withCode(feedbackbot.EUNAVAILABLE, unavailableMsg, err))
	}
	return err
}

// describe names the servers of uo for messages: addresses, never credentials.
func describe(uo *redis.UniversalOptions) string {
	addrs := strings.Join(uo.Addrs, ",")
	switch {
	case uo.MasterName != "":
		return fmt.Sprintf("%s (master %q via sentinels)", addrs, uo.MasterName)
	case uo.IsClusterMode || len(uo.Addrs) > 1:
		return addrs + " (cluster)"
	}
	return addrs
}

// New wraps an existing client. The caller keeps ownership of it: Close does not
// close a client passed to New. A cluster client keeps the ClusterStateReloadInterval
// it was made with: Open makes its own reload every clusterReload (see there why).
func New(client redis.UniversalClient, opts Options) *Store {
	s := &Store{
		rdb:       client,
		prefix:    escapeTag(opts.Prefix),
		group:     opts.Group,
		claimIdle: opts.ClaimIdle,
		maxLen:    opts.MaxLen,
		now:       opts.Now,
		poll:      opts.PollInterval,
		log:       opts.Logger,
		chunk:     applyChunk,
		consIdle:  opts.ConsumerIdle,
	}
	if s.consIdle <= 0 {
		s.consIdle = time.Hour
	}
	if s.prefix == "" {
		s.prefix = "fb"
	}
	if s.group == "" {
		s.group = "analysis"
	}
	if s.claimIdle <= 0 {
		s.claimIdle = time.Minute
	}
	if s.now == nil {
		s.now = time.Now
	}
	if s.maxLen < 0 {
		s.maxLen = 0
	}
	if s.poll <= 0 {
		s.poll = 100 * time.Millisecond
	}
	if s.log == nil {
		s.log = slog.Default()
	}
	return s
}

// Client returns the underlying go-redis client (for health checks and metrics).
func (s *Store) Client() redis.UniversalClient { return s.rdb }

// Close closes the client if Open created it.
func (s *Store) Close() error {
	if !s.ownClient {
		return nil
	}
	err := s.rdb.Close()
	if errors.Is(err, redis.ErrClosed) {
		return nil
	}
	return err
}

// escapeTag makes s safe inside a {hash tag}: Redis hashes the text between the first
// '{' and the next '}', so neither may appear in a workspace id (or the prefix).
func escapeTag(s string) string {
	if !strings.ContainsAny(s, "{}%") {
		return s
	}
	return tagEscaper.Replace(s)
}

var tagEscaper = strings.NewReplacer("%", "%25", "{", "%7B", "}", "%7D")

// wsKeys names the keys of one workspace; every one of them carries the workspace's
// hash tag, so they all live in one cluster slot.
type wsKeys string

func (s *Store) ws(workspace string) wsKeys {
	return wsKeys(s.prefix + ":{" + escapeTag(workspace) + "}")
}

func (k wsKeys) log() string              { return string(k) + ":log" }
func (k wsKeys) latest() string           { return string(k) + ":latest" }
func (k wsKeys) rec(msgKey string) string { return string(k) + ":m:" + msgKey }
func (k wsKeys) staged(item int) string   { return string(k) + ":st:" + strconv.Itoa(item) }

// recData is the string holding an applied message's stored JSON (see record.go),
// and stagedData the staged copy a put writes before its apply script moves it
// there (as staged is its record's).
func (k wsKeys) recData(msgKey string) string { return string(k) + ":d:" + msgKey }
func (k wsKeys) stagedData(item int) string   { return string(k) + ":sd:" + strconv.Itoa(item) }

// recDataBuilt marks a workspace whose records keep their stored JSON in recData
// strings, not in their hash's field d as versions before 2026-12-04 did (set by
// the first apply of a new workspace, or once BuildAccountDays's walk has moved
// them; readers look in the hash wherever no string is found, marked or not).
func (k wsKeys) recDataBuilt() string { return string(k) + ":dv" }

func (k wsKeys) rollup(bucket int64) string { return k.rollupAt(strconv.FormatInt(bucket, 10)) }

// rollupAt is rollup with the bucket already formatted.
func (k wsKeys) rollupAt(bucket string) string { return string(k) + ":r:" + bucket }
func (k wsKeys) buckets() string               { return string(k) + ":rb" }
func (k wsKeys) timeAll() string               { return string(k) + ":t" }
func (k wsKeys) timeAccount(a string) string {
	return string(k) + ":ta:" + a
}
func (k wsKeys) timeChannel(c string) string { return string(k) + ":tc:" + c }
func (k wsKeys) notable(kind string, day time.Time) string {
	return k.notableOn(kind, day.Format(notableDay))
}

// notableOn is notable with the day already formatted (notableDay).
func (k wsKeys) notableOn(kind, day string) string { return string(k) + ":n:" + kind + ":" + day }

// notableDay is the layout of a notable set's day.
const notableDay = "20060102"

func (k wsKeys) accounts() string            { return string(k) + ":accts" }
func (k wsKeys) authorIndex(a string) string { return string(k) + ":au:" + a }
func (k wsKeys) authorKeys(a string) string  { return string(k) + ":ak:" + a }
func (k wsKeys) logEntries() string          { return string(k) + ":le" }
func (k wsKeys) op(op string) string         { return string(k) + ":op:" + op }
func (k wsKeys) forgotten() string           { return string(k) + ":forgotten" }
func (k wsKeys) dataKeyOf() string           { return string(k) + ":dko" } // author -> data key id
func (k wsKeys) dataKeys() string            { return string(k) + ":dk" }  // data key id -> key
func (k wsKeys) peopleIndexed() string       { return string(k) + ":people" }
func (k wsKeys) doc(kind string) string      { return string(k) + ":doc:" + kind }

// migrationGuard is a key nothing ever writes, declared by every apply, forget and
// expire script so that Redis Cluster refuses the script (TRYAGAIN) while the
// workspace's slot moves between masters, on both of them. Redis checks the keys a
// script declares before running it, then each command of the script as it runs,
// and refuses a command on a key the source of a migration does not hold: a
// delete, forget or expiry that emptied a rollup hour (its last HDEL deletes the
// hash) failed at the HLEN after it, an internal error with the script's first
// writes made and the rest not. A delete's record was gone, so its retry changed
// nothing and the hours after the failing one counted the message for good; a
// forget's was not, and its retry subtracted again what it had subtracted (a
// review's find: TestReshardingUnderLoad, TestErasingWhileTheSlotMigrates). A
// declared key that does not exist makes Redis refuse the script before it starts
// while the slot migrates: unavailable until the move ends, as the apply of a put
// (whose staged record is a new key) already was.
func (k wsKeys) migrationGuard() string { return string(k) + ":mg" }

// acctDay is the hash of an account's counters for the UTC day starting at day (unix
// seconds); acct is the account as counter names spell it (store.AccountKey).
// Versions before 2026-12-04 kept them (a record's spec names its day with role
// "a"); BuildAccountDays moves them into the workspace days (acctCounters).
func (k wsKeys) acctDay(day int64, acct string) string {
	return string(k) + ":ad:" + strconv.FormatInt(day, 10) + ":" + acct
}

// acctDays marked a workspace whose account-day hashes (acctDay) covered every
// applied message: versions before 2026-12-04 wrote and read it. BuildAccountDays
// moves what those hashes hold into the workspace days (acctCounters).
func (k wsKeys) acctDays() string { return string(k) + ":adv" }

// acctCounters is the hash of every account's counters for the UTC day starting at
// day (unix seconds): field <acct>|<counter>, acct as counter names spell it
// (store.AccountKey). One hash a day for the whole workspace, so that account
// health reads a day of every account with one command (AccountsDays), where the
// hashes of one account a day (acctDay) took one a day and account: 8,200 of a
// digest's commands at 200 accounts.
func (k wsKeys) acctCounters(day int64) string {
	return string(k) + ":ac:" + strconv.FormatInt(day, 10)
}

// acctCountersBuilt marks a workspace whose workspace days (acctCounters) cover
// every applied message.
func (k wsKeys) acctCountersBuilt() string { return string(k) + ":acv" }

// acctWeek is the time index of one account's messages of the 7-day period starting
// at week (unix seconds, a multiple of weekSeconds; see weekOf).
func (k wsKeys) acctWeek(week int64, acct string) string {
	return string(k) + ":aw:" + strconv.FormatInt(week, 10) + ":" + acct
}

// acctWeeks marks a workspace whose account-week indexes hold every applied message.
func (k wsKeys) acctWeeks() string { return string(k) + ":awv" }

// weekSeconds is the span of an account-week index.
const weekSeconds = 7 * 24 * 3600

// weekOf is the start of the account-week period holding unix second sec.
func weekOf(sec int64) int64 {
	w := sec - sec%weekSeconds
	if sec%weekSeconds < 0 {
		w -= weekSeconds
	}
	return w
}

// Cross-workspace keys: used alone, never with tagged keys in one script or MULTI.
func (s *Store) workspacesKey() string       { return s.prefix + ":workspaces" }
func (s *Store) leaseKey(name string) string { return s.prefix + ":lease:" + name }
func (s *Store) onceKey(name string) string  { return s.prefix + ":once:" + name }

// evalCall is one script invocation of a pipelined batch.
type evalCall struct {
	keys []string
	args []any
}

// evalAll runs sc once per call in one pipeline (EVALSHA), followed by whatever extra
// queues; calls that fail with NOSCRIPT (a restarted or new server) are run again with
// EVAL, which also caches the script. It returns every call's command, and the first
// error other than redis.Nil.
func (s *Store) evalAll(ctx context.Context, sc *redis.Script, calls []evalCall, extra func(redis.Pipeliner) []redis.Cmder) ([]*redis.Cmd, error) {
	cmds := make([]*redis.Cmd, len(calls))
	var more []redis.Cmder
	_, _ = s.rdb.Pipelined(ctx, func(p redis.Pipeliner) error {
		for i, c := range calls {
			cmds[i] = sc.EvalSha(ctx, p, c.keys, c.args...)
		}
		if extra != nil {
			more = extra(p)
		}
		return nil
	})
	var retry []int
	for i, c := range cmds {
		if redis.HasErrorPrefix(c.Err(), "NOSCRIPT") {
			retry = append(retry, i)
		}
	}
	if len(retry) > 0 {
		_, _ = s.rdb.Pipelined(ctx, func(p redis.Pipeliner) error {
			for _, i := range retry {
				cmds[i] = sc.Eval(ctx, p, calls[i].keys, calls[i].args...)
			}
			return nil
		})
	}
	for _, c := range cmds {
		if err := c.Err(); err != nil && !errors.Is(err, redis.Nil) {
			return cmds, err
		}
	}
	for _, c := range more {
		if err := c.Err(); err != nil && !errors.Is(err, redis.Nil) {
			return cmds, err
		}
	}
	return cmds, nil
}

func invalid(format string, args ...any) error {
	return feedbackbot.Errorf(feedbackbot.EINVALID, format, args...)
}

// Interface guard.
var _ store.Store = (*Store)(nil)
