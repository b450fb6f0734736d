// Package redisstore is the Redis backend of store.Store, for deployments with several
// replicas: single server, Sentinel or Cluster through one go-redis UniversalClient.
// The capture log is one Redis Stream per workspace read through a consumer group;
// derived state is kept exactly once by Lua scripts that check revisions and stamps.
//
// # Key layout
//
// Every key starts with the prefix (Options.Prefix, default "fb"). Keys of one
// workspace carry its id as a hash tag, {ws} (with '{', '}' and '%' percent-escaped),
// so they share one cluster slot and every script or pipeline of one workspace's keys
// is valid on a cluster:
//
//	fb:{ws}:log              stream: the capture log; field "e" holds the event JSON
//	fb:{ws}:latest           hash: message key -> latest appended revision, "-" once deleted,
//	                         "!" once erased by Forget
//	fb:{ws}:m:<key>          hash: an applied message: m its stamp
//	                         (revision@analyzer, a line break in the analyzer's
//	                         name written as \n, a backslash as \\: see
//	                         stampAnalyzer), bucket, index spec and
//	                         contributions JSON (see appendMeta); versions before
//	                         2026-12-02 wrote m's parts as fields s, b, k and c,
//	                         still read, replaced when the message is applied again;
//	                         versions before 2026-12-04 kept the stored JSON here as
//	                         field d, read where there is no data string, moved out
//	                         by BuildAccountDays
//	fb:{ws}:d:<key>          string: the applied message and its tags, in the
//	                         binary form of store.AppendStoredBinary (JSON where a
//	                         version before 2026-12-04 (19th session) applied it;
//	                         read with MGET: see readData)
//	fb:{ws}:dv               string: no record holds its stored JSON (set by the
//	                         first apply of a new workspace, or by BuildAccountDays)
//	fb:{ws}:st:<n>           hash: a put's record, staged for the apply script in
//	                         the same MULTI/EXEC
//	fb:{ws}:sd:<n>           string: a put's data string, staged the same way
//	fb:{ws}:r:<unix>         hash: the rollup counters of the hour starting at <unix>
//	fb:{ws}:rb               zset: non-empty rollup hours (member and score <unix>)
//	fb:{ws}:ac:<unix>        hash: every account's counters for the UTC day starting
//	                         at <unix>, field <acct>|<counter> (the hours'
//	                         acct|<acct>|<counter> counters); a record's spec names
//	                         it with role "d"
//	fb:{ws}:acv              string: the account days cover the workspace (set by the
//	                         first apply of a new workspace, or by BuildAccountDays)
//	fb:{ws}:ad:<unix>:<acct> hash: one account's counters of a day, without the
//	fb:{ws}:adv                dimension, and its marker: the layout before
//	                           2026-12-04 (spec role "a"), which BuildAccountDays
//	                           moves into fb:{ws}:ac:<unix> and deletes
//	fb:{ws}:t                zset: applied messages by time (score: unix microseconds)
//	fb:{ws}:ta:<account>     zset: the same, per account, kept only in a workspace the
//	                         account weeks do not cover yet (data of versions before
//	                         2026-12-01, until BuildAccountDays): once they do, every
//	                         account read walks the weeks, and a record's spec still
//	                         names it (removing from a missing set costs nothing)
//	fb:{ws}:aw:<unix>:<acct> zset: the same, per account and 7-day period starting at
//	                         <unix> (a multiple of 7 days): a recent window is read
//	                         from a few small sets, not from the account's history
//	fb:{ws}:awv              string: the account weeks cover the workspace (set by the
//	                         first apply of a new workspace, or by BuildAccountDays)
//	fb:{ws}:tc:<channel>     zset: the same, per channel
//	fb:{ws}:n:neg:<yyyymmdd> zset: customer messages with a negative score that UTC day,
//	fb:{ws}:n:pos:<yyyymmdd>       resp. positive; score is the sentiment; every such
//	                               message of the day (Notable reads a day's most
//	                               extreme a page at a time, ties and all)
//	fb:{ws}:accts            set: accounts seen on applied messages
//	fb:{ws}:ak:<author>      set: every message key the author put in the log (export,
//	                         Forget and AuthorKeys; the times come from fb:{ws}:t)
//	fb:{ws}:au:<author>      zset: the author's applied messages by time, written by
//	                         versions before 2026-12-02 and still read and emptied, no
//	                         longer added to (one sorted-set member less a message)
//	fb:{ws}:le               hash: message key -> its log entry ids, space-separated
//	fb:{ws}:forgotten        hash: author -> when Forget erased them (Append skips them)
//	fb:{ws}:people           string: the ak/le indexes cover the whole log; a log
//	                         written before they existed is indexed once, on its first
//	                         export or erasure
//	fb:{ws}:doc:<kind>       hash: documents of a kind by id
//	fb:{ws}:op:<op>          string: a write over a base (AppendOver) landed; kept 10
//	                         minutes, for that write's retries
//	fb:{ws}:mg               never written: declared by the apply, forget and expire
//	                         scripts, so that Redis Cluster refuses them (TRYAGAIN)
//	                         while the workspace's slot migrates (see migrationGuard)
//
// Keys outside any workspace are only ever used on their own, never in a script or
// MULTI with tagged keys:
//
//	fb:workspaces            set: workspaces with appended events (each listed
//	                         before its first append, so one whose events were
//	                         all skipped may be listed too, with an empty log)
//	fb:lease:<name>          string: the holder of a lease (SET NX PX)
//	fb:once:<name>           string: a once-marker (SET NX PX)
//
// # Exactly-once derived state
//
// Append runs one script per event: it compares the message's revision with
// fb:{ws}:latest, updates it and XADDs, so redeliveries are skipped atomically. Apply
// runs one script per item: a put whose revision is not the latest, or whose stamp is
// already applied, changes nothing; otherwise the record's previous contributions and
// index entries are removed and the new ones added, all in one atomic step. Redelivery
// and concurrent workers therefore count every message once.
//
// Forget erases one message per script: it marks the key erased in fb:{ws}:latest,
// removes the record as a delete would, XDELs and XACKs its log entries (listed in
// fb:{ws}:le), so no worker reads, reclaims or re-applies them.
//
// # Errors
//
// Errors that mean Redis cannot serve now (network, timeouts, LOADING, failover,
// OOM...) carry feedbackbot.EUNAVAILABLE; test with IsUnavailable. The wrapped go-redis
// error stays reachable with errors.Is and errors.As.
package redisstore
