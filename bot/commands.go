package bot

import (
	"cmp"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode"

	"github.com/feedbackbot/feedbackbot"
	"github.com/feedbackbot/feedbackbot/analysis/emerging"
	"github.com/feedbackbot/feedbackbot/analysis/health"
	"github.com/feedbackbot/feedbackbot/store"
)

// CommandStore is everything the command handler reads and writes.
type CommandStore interface {
	DigestStore
	HistoryStore
	Append(ctx context.Context, events ...feedbackbot.Event) (int, error)
	Newest(ctx context.Context, key string) (m feedbackbot.Message, found bool, err error)
	Apply(ctx context.Context, items ...store.Applied) (int, error)
	GetDoc(ctx context.Context, workspace, kind, id string) ([]byte, error)
	GetDocs(ctx context.Context, workspace, kind string, ids ...string) (map[string][]byte, error)
	PutDoc(ctx context.Context, workspace, kind, id string, data []byte) error
	DeleteDoc(ctx context.Context, workspace, kind, id string) error
	AcquireLease(ctx context.Context, name, holder string, ttl time.Duration) (bool, error)
	ReleaseLease(ctx context.Context, name, holder string) error
}

// Bot answers /feedback commands and button presses for every platform.
type Bot struct {
	Store    CommandStore
	Accounts map[string]feedbackbot.Account
	Params   health.Params
	// TierTargets are first-response targets by account tier ("" is the default).
	TierTargets map[string]health.Targets
	// Now is the clock; every answer is computed as of its value.
	Now func() time.Time
	// Charts attaches the digest chart to digest replies.
	Charts bool
	// Themes are the configured theme names (see DigestRequest.Themes).
	Themes []string
	// Known is the configured taxonomy's vocabulary (see DigestRequest.Known).
	Known emerging.Vocabulary
	// Analyzer tags a message again when staff correct its tags (the worker's).
	Analyzer Analyzer
}

// Doc kinds the bot writes.
const (
	DocAlert = "alert"
	DocAudit = "audit"
)

// HelpText lists the subcommands.
const HelpText = "*/feedback* — customer feedback, for staff only\n" +
	"• `help` — this list\n" +
	"• `log ACCOUNT text…` — record feedback heard elsewhere (a call, an email)\n" +
	"• `account ACCOUNT` — health with the quotes and figures behind it, the next step when at risk, how they felt, latest messages and where its alert stands\n" +
	"• `themes [7d]` — what customers talk about, with the change\n" +
	"• `risk` — the accounts at risk and why\n" +
	"• `digest [7d]` — the satisfaction digest for a period\n" +
	"• `survey [csat|nps] ACCOUNT [thread]` — ask the customer for a rating (at most once a month)\n" +
	"• `survey kano ACCOUNT FEATURE` — ask how they would feel with a feature and without it (Kano)\n" +
	"• `kano [90d]` — what the features asked about are to customers: must-be, attractive, indifferent…\n" +
	"• `requests [30d]` — what customers asked for, grouped, with who asked and what Kano surveys found\n" +
	"• `correct MESSAGE_LINK [negative] [intent] [+theme -theme] [reply=no]` — fix a message's tags where analysis got them wrong (`correct` alone explains)\n" +
	"• `forget USER_ID` — erase a person's messages, answers and quotes (asks to confirm)"

// HandleCommand answers one command. Errors carry feedbackbot codes; adapters show
// feedbackbot.ErrorMessage(err) to the user and log the rest.
func (b *Bot) HandleCommand(ctx context.Context, cmd feedbackbot.Command) (feedbackbot.Document, error) {
	now := b.now()
	if action, value, _ := strings.Cut(strings.TrimSpace(cmd.Text), " "); cmd.Button && action == "survey.answer" {
		return b.answerSurvey(ctx, cmd, value, now) // the one thing customers may do
	}
	if !cmd.Staff {
		// Adapters refuse first; this is the second lock on the same door. The reply
		// says nothing about what the bot holds.
		return ephemeral("Sorry, this command is only available to the team that runs feedbackbot."), nil
	}
	name, rest, _ := strings.Cut(strings.TrimSpace(cmd.Text), " ")
	rest = strings.TrimSpace(rest)
	switch strings.ToLower(name) {
	case "", "help":
		return ephemeral(HelpText), nil
	case "log":
		return b.logFeedback(ctx, cmd, rest, now)
	case "account":
		return b.account(ctx, cmd, rest, now)
	case "account.open":
		cmd, rest := buttonTarget(cmd, rest)
		return b.account(ctx, cmd, rest, now)
	case "themes":
		return b.themes(ctx, cmd, rest, now)
	case "risk":
		return b.risk(ctx, cmd, now)
	case "digest":
		return b.digest(ctx, cmd, rest, now)
	case "survey":
		return b.survey(ctx, cmd, rest, now)
	case "kano":
		return b.kanoReport(ctx, cmd, rest, now)
	case "requests":
		return b.requestsReport(ctx, cmd, rest, now)
	case "alert.ack", "alert.snooze":
		cmd, rest := buttonTarget(cmd, rest)
		return b.alertAction(ctx, cmd, name, rest, now)
	case "correct":
		return b.correct(ctx, cmd, rest, now)
	case "forget", "forget.confirm":
		return b.forget(ctx, cmd, rest, strings.ToLower(name) == "forget.confirm", now)
	}
	return ephemeral(fmt.Sprintf("I don't know `%s`.\n\n%s", feedbackbot.EscapeMarkup(ShortText(name, 40)), HelpText)), nil
}

func (b *Bot) now() time.Time {
	if b.Now == nil {
		return time.Now().UTC()
	}
	return b.Now().UTC()
}

func ephemeral(text string) feedbackbot.Document {
	return feedbackbot.Document{Ephemeral: true, Fallback: text, Blocks: []feedbackbot.Block{{Kind: feedbackbot.BlockText, Text: text}}}
}

// resolveAccount finds an account by id or name (see ResolveAccount).
func (b *Bot) resolveAccount(ctx context.Context, ws, q string) (feedbackbot.Account, error) {
	return ResolveAccount(ctx, b.Store, b.Accounts, ws, q)
}

// accountLister lists the accounts seen in a workspace, and reads their messages
// for the names stored with them.
type accountLister interface {
	Accounts(ctx context.Context, workspace string) ([]string, error)
	Messages(ctx context.Context, q store.Query) ([]store.Stored, error)
}

// ResolveAccount finds an account by id or configured name (both case-insensitive),
// by the name stored with its messages (Message.AccountName: a Slack Connect team's
// name, an account seen only in history), or by the one account whose id or either
// name contains q. Several matches are EINVALID (naming them), none is ENOTFOUND:
// a configured name is several accounts' when an unconfigured account's stored name
// is the same (see accountNames.exact). The account returned has its configured
// name, else its stored one.
func ResolveAccount(ctx context.Context, st accountLister, configured map[string]feedbackbot.Account, ws, q string) (feedbackbot.Account, error) {
	q = strings.TrimSpace(q)
	if q == "" {
		return feedbackbot.Account{}, feedbackbot.Errorf(feedbackbot.EINVALID, "Name an account, e.g. `account acme`.")
	}
	return (&accountNames{st: st, configured: configured, ws: ws}).resolve(ctx, q)
}

// accountNames is the one way /feedback account, log and survey (and risk
// --account) tell which accounts a query names: ResolveAccount and leadingAccount
// both ask it. It lists a workspace's accounts, and reads the names stored with
// them, at most once each, however many runs of words leadingAccount tries.
type accountNames struct {
	st         accountLister
	configured map[string]feedbackbot.Account
	ws         string

	ids    []string
	listed bool
	stored map[string]string // the names stored with the accounts read
	read   map[string]bool   // the accounts whose stored names were read
}

// list lists the workspace's accounts (once).
func (x *accountNames) list(ctx context.Context) ([]string, error) {
	if !x.listed {
		ids, err := x.st.Accounts(ctx, x.ws)
		if err != nil {
			return nil, fmt.Errorf("list accounts: %w", err)
		}
		x.ids, x.listed = ids, true
	}
	return x.ids, nil
}

// storedNames reads the names stored with the accounts of ids not read yet and
// returns all read so far; nil, reading none, in a workspace of more than
// MaxNameScan accounts: a large community's members are accounts each, and a read
// of every one's messages would outlast a chat command's few seconds.
func (x *accountNames) storedNames(ctx context.Context, ids []string) (map[string]string, error) {
	all, err := x.list(ctx)
	if err != nil || len(all) > MaxNameScan {
		return nil, err
	}
	if x.read == nil {
		x.read, x.stored = map[string]bool{}, map[string]string{}
	}
	todo := slices.DeleteFunc(slices.Clone(ids), func(id string) bool { return x.read[id] })
	if len(todo) > 0 {
		names, err := StoredAccountNames(ctx, x.st, x.ws, todo)
		if err != nil {
			return nil, err
		}
		for _, id := range todo {
			x.read[id] = true
		}
		maps.Copy(x.stored, names)
	}
	return x.stored, nil
}

// exact returns every account q names exactly (case aside):
//   - the configured account whose id q is, as configured: that one alone (the
//     way to pick one of several of a name);
//   - else the configured accounts whose id or configured name q is, and the
//     unconfigured ones whose id it is; one named by its id is that one alone;
//   - one configured account named by its configured name, with the unconfigured
//     accounts whose stored name q is too: a configured "Acme Corp" and a Slack
//     Connect team stored as "Acme Corp" are two accounts, and answering with the
//     configured one showed one company's health as the other's (a review's
//     find);
//   - with deep, when nothing above matches, the accounts whose stored name q is.
//
// Several accounts are every one of them, for severalAccounts: the caller refuses
// the name, never tries another. The configured id costs no store read; a unique
// configured name costs listing the accounts and reading the stored names of the
// unconfigured ones (within MaxNameScan).
func (x *accountNames) exact(ctx context.Context, q string, deep bool) ([]feedbackbot.Account, error) {
	if a, ok := x.configured[q]; ok {
		a.ID = cmp.Or(a.ID, q)
		return []feedbackbot.Account{a}, nil
	}
	// Every configured account the name or id names, not the first the map gives:
	// two sharing a name (one company's US and EU contracts) answered with either,
	// at random (a review's find).
	var found []feedbackbot.Account
	byID := false
	for id, a := range x.configured {
		switch {
		case strings.EqualFold(a.ID, q) || strings.EqualFold(id, q):
			byID = true
		case !strings.EqualFold(a.Name, q):
			continue
		}
		a.ID = cmp.Or(a.ID, id)
		found = append(found, a)
	}
	if len(found) > 1 || byID {
		return found, nil
	}
	named := len(found) == 1 // by its configured name
	ids, err := x.list(ctx)
	if err != nil {
		return nil, err
	}
	var others []string // the accounts not configured
	for _, id := range ids {
		if _, ok := x.configured[id]; ok {
			continue
		}
		others = append(others, id)
		if strings.EqualFold(id, q) {
			found = append(found, feedbackbot.Account{ID: id})
		}
	}
	if !named && (len(found) > 0 || !deep) {
		return found, nil
	}
	scan := ids
	if named {
		scan = others
	}
	stored, err := x.storedNames(ctx, scan)
	if err != nil {
		return nil, err
	}
	for _, id := range scan {
		if !strings.EqualFold(stored[id], q) || slices.ContainsFunc(found, func(a feedbackbot.Account) bool { return a.ID == id }) {
			continue
		}
		a := x.configured[id]
		a.ID = id
		a.Name = cmp.Or(a.Name, stored[id])
		found = append(found, a)
	}
	return found, nil
}

// configuredNames reports whether q is a configured account's id or name (case
// aside), reading nothing.
func (x *accountNames) configuredNames(q string) bool {
	for id, a := range x.configured {
		if strings.EqualFold(id, q) || strings.EqualFold(a.ID, q) || strings.EqualFold(a.Name, q) {
			return true
		}
	}
	return false
}

// resolve is ResolveAccount of a q trimmed and not empty.
func (x *accountNames) resolve(ctx context.Context, q string) (feedbackbot.Account, error) {
	found, err := x.exact(ctx, q, true)
	switch {
	case err != nil:
		return feedbackbot.Account{}, err
	case len(found) == 1:
		return found[0], nil
	case len(found) > 1:
		return feedbackbot.Account{}, severalAccounts(q, found)
	}
	// Part of an id or either name.
	ids, err := x.list(ctx)
	if err != nil {
		return feedbackbot.Account{}, err
	}
	stored, err := x.storedNames(ctx, ids)
	if err != nil {
		return feedbackbot.Account{}, err
	}
	lq := strings.ToLower(q)
	var partial []feedbackbot.Account
	for _, id := range ids {
		a := x.configured[id]
		a.ID = id
		if a.Name == "" {
			a.Name = stored[id]
		}
		if strings.Contains(strings.ToLower(id+"\x00"+x.configured[id].Name+"\x00"+stored[id]), lq) {
			partial = append(partial, a)
		}
	}
	switch {
	case len(partial) == 1:
		return partial[0], nil
	case len(partial) > 1:
		return feedbackbot.Account{}, severalAccounts(q, partial)
	}
	if stored == nil && len(ids) > MaxNameScan {
		return feedbackbot.Account{}, feedbackbot.Errorf(feedbackbot.ENOTFOUND,
			"No account matches %s by id or configured name (with %d accounts, more than %d, the names stored with their messages are not searched: give the id, or name the account under accounts in the config).",
			echoed(q), len(ids), MaxNameScan)
	}
	return feedbackbot.Account{}, feedbackbot.Errorf(feedbackbot.ENOTFOUND, "No account matches %s.", echoed(q))
}

// MaxNameScan is the most accounts whose stored names ResolveAccount reads (a
// few messages each) when no id matches: all of them when no configured name
// does either, the unconfigured ones when one configured name does.
const MaxNameScan = 2000

// maxChoices is how many of several accounts a query matches its reply names.
const maxChoices = 10

// severalAccounts is the EINVALID error of a query q that matches the accounts
// found (two or more): it names the first maxChoices of them by id, in the ids'
// order (the same list whichever order they were found in), and counts the rest.
func severalAccounts(q string, found []feedbackbot.Account) error {
	found = slices.SortedFunc(slices.Values(found), func(a, b feedbackbot.Account) int { return cmp.Compare(a.ID, b.ID) })
	names := make([]string, 0, min(len(found), maxChoices))
	for _, a := range found[:min(len(found), maxChoices)] {
		names = append(names, accountChoice(a))
	}
	more := ""
	if len(found) > maxChoices {
		more = fmt.Sprintf(" and %d more", len(found)-maxChoices)
	}
	return feedbackbot.Errorf(feedbackbot.EINVALID, "%s matches several accounts: %s%s; give the id.", echoed(q), strings.Join(names, ", "), more)
}

// accountChoice names an account among several: its name and, to tell it apart, its id.
func accountChoice(a feedbackbot.Account) string {
	if a.Name == "" || a.Name == a.ID {
		return feedbackbot.EscapeMarkup(a.ID)
	}
	return feedbackbot.EscapeMarkup(a.Name + " (" + a.ID + ")")
}

// StoredAccountNames returns, for each account of ids that has messages, the name
// stored with its newest messages (Message.AccountName; accounts without one are
// left out). It reads a few messages an account, a few accounts at a time.
func StoredAccountNames(ctx context.Context, st interface {
	Messages(ctx context.Context, q store.Query) ([]store.Stored, error)
}, ws string, ids []string) (map[string]string, error) {
	names := make([]string, len(ids))
	errs := make([]error, len(ids))
	jobs := make(chan int)
	var wg sync.WaitGroup
	for range min(riskParallel, len(ids)) {
		wg.Go(func() {
			for i := range jobs {
				rows, err := st.Messages(ctx, store.Query{Workspace: ws, Account: ids[i], Limit: 20})
				if err != nil {
					errs[i] = fmt.Errorf("account names: messages of account %s: %w", ids[i], err)
					continue
				}
				for _, r := range rows { // newest first
					if r.Message.AccountName != "" {
						names[i] = r.Message.AccountName
						break
					}
				}
			}
		})
	}
	for i := range ids {
		jobs <- i
	}
	close(jobs)
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			return nil, err // (the first: a store that is down fails every account alike)
		}
	}
	out := make(map[string]string, len(ids))
	for i, id := range ids {
		if names[i] != "" {
			out[id] = names[i]
		}
	}
	return out, nil
}

// echoed is typed text quoted back in a reply: in Go's quotes, with Slack's escapes
// (adapters hand text on as typed, so a typed "<!channel>" would otherwise go live).
func echoed(s string) string { return feedbackbot.EscapeMarkup(strconv.Quote(s)) }

// afterFields is s after its first n whitespace-separated fields, as written.
func afterFields(s string, n int) string {
	for range n {
		s = strings.TrimLeftFunc(s, unicode.IsSpace)
		if i := strings.IndexFunc(s, unicode.IsSpace); i >= 0 {
			s = s[i:]
		} else {
			s = ""
		}
	}
	return s
}

func (b *Bot) logFeedback(ctx context.Context, cmd feedbackbot.Command, rest string, now time.Time) (feedbackbot.Document, error) {
	words := strings.Fields(rest)
	if len(words) < 2 {
		return feedbackbot.Document{}, feedbackbot.Errorf(feedbackbot.EINVALID, "Usage: `log ACCOUNT what the customer said`.")
	}
	// The account may be a name of several words ("Acme Corp": Discord's options
	// arrive joined), the longest run of leading words naming one exactly (a
	// review found "Corp they want SSO" logged for Acme); the text keeps its lines.
	if len(words) <= maxAccountWords {
		// "log Acme Corp", the whole of it an account's name: nothing to log (it
		// logged "Corp" for Acme Corp).
		if a, n, err := b.leadingAccount(ctx, cmd.Workspace, words, 0); err == nil && n == len(words) {
			return feedbackbot.Document{}, feedbackbot.Errorf(feedbackbot.EINVALID, "What did *%s* say? Usage: `log ACCOUNT what the customer said`.", accountLabel(a))
		}
	}
	acct, n, err := b.leadingAccount(ctx, cmd.Workspace, words, 1)
	if err != nil {
		return feedbackbot.Document{}, err
	}
	text := strings.TrimSpace(afterFields(rest, n))
	sum := sha256.Sum256([]byte(cmd.User + "\x00" + now.Format(time.RFC3339Nano) + "\x00" + text))
	m := feedbackbot.Message{
		ID: "log-" + hex.EncodeToString(sum[:8]), Platform: feedbackbot.PlatformManual, Workspace: cmd.Workspace,
		Channel: "manual", ChannelName: "logged by staff", Author: "logged-by:" + cmd.User, AuthorName: "logged by " + cmp.Or(cmd.UserName, cmd.User),
		Role: feedbackbot.RoleCustomer, Account: acct.ID, AccountName: acct.Name, Text: text, Time: now,
	}
	if err := m.Normalize(); err != nil {
		return feedbackbot.Document{}, err
	}
	if err := b.audit(ctx, cmd, "log", acct.ID, now); err != nil {
		return feedbackbot.Document{}, err
	}
	if _, err := b.Store.Append(ctx, feedbackbot.Event{Kind: feedbackbot.EventPut, Message: m}); err != nil {
		return feedbackbot.Document{}, fmt.Errorf("log feedback: %w", err)
	}
	return ephemeral(fmt.Sprintf("Logged for *%s*: “%s”. It will show up in the account's history and the next digest.", accountLabel(acct), feedbackbot.EscapeMarkup(ShortText(text, 200)))), nil
}

func (b *Bot) account(ctx context.Context, cmd feedbackbot.Command, q string, now time.Time) (feedbackbot.Document, error) {
	acct, err := b.resolveAccount(ctx, cmd.Workspace, q)
	if err != nil {
		return feedbackbot.Document{}, err
	}
	// SkipSilent: an account with nothing to assess comes back as none, and is said
	// to have nothing to assess (it showed "health 100/100, At risk: no", as if
	// healthy), as risk --account says.
	// Its health, latest messages and alerts are read at the same time (on Redis,
	// one round trip's wait instead of three in a row); the first error, in this
	// order, wins.
	var (
		hs     []feedbackbot.Health
		rows   []store.Stored
		alerts map[string]*feedbackbot.Alert
		errs   [3]error
		wg     sync.WaitGroup
	)
	wg.Go(func() {
		hs, errs[0] = Risk(ctx, b.Store, RiskRequest{Workspace: cmd.Workspace, Now: now, Accounts: b.Accounts, Params: b.Params, TierTargets: b.TierTargets, Only: acct.ID, SkipSilent: true})
	})
	wg.Go(func() {
		if rows, errs[1] = b.Store.Messages(ctx, store.Query{Workspace: cmd.Workspace, Account: acct.ID, To: now.Add(time.Nanosecond), Limit: 5}); errs[1] != nil {
			errs[1] = fmt.Errorf("account history: %w", errs[1])
		}
	})
	wg.Go(func() {
		if alerts, errs[2] = accountAlerts(ctx, b.Store, cmd.Workspace, acct.ID); errs[2] != nil {
			errs[2] = fmt.Errorf("account alerts: %w", errs[2])
		}
	})
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			return feedbackbot.Document{}, err
		}
	}
	if err := b.audit(ctx, cmd, "account", acct.ID, now); err != nil {
		return feedbackbot.Document{}, err
	}
	var later *store.Stored
	if len(hs) == 0 {
		if later, err = MessageAfter(ctx, b.Store, cmd.Workspace, acct.ID, rows, now); err != nil {
			return feedbackbot.Document{}, err
		}
	}
	return accountReply(accountView{Workspace: cmd.Workspace, Account: acct, Health: hs, Latest: rows, Later: later, Alerts: alerts,
		Params: b.Params.WithDefaults()}, now), nil
}

// nothingToAssess is the account reply's head for an account Risk has nothing to
// assess of (no message in the windows health reads, no survey answer): no score,
// and why. rows are its latest messages, older than those windows, if any.
func nothingToAssess(acct feedbackbot.Account, rows []store.Stored, later *store.Stored, now time.Time, p health.Params) feedbackbot.Document {
	if acct.Name == "" && len(rows) > 0 {
		acct.Name = rows[0].Message.AccountName
	}
	if acct.Name == "" && later != nil {
		acct.Name = later.Message.AccountName
	}
	title := fmt.Sprintf("%s — nothing to assess", accountLabel(acct))
	var newest *store.Stored
	if len(rows) > 0 {
		newest = &rows[0]
	}
	text := "Nothing to assess " + NothingToAssess(now, p, newest, later)
	return feedbackbot.Document{Ephemeral: true, Fallback: title, Blocks: []feedbackbot.Block{
		{Kind: feedbackbot.BlockHeader, Text: title}, {Kind: feedbackbot.BlockText, Text: text}}}
}

// NothingToAssess says why an account has no health score as of now, for
// /feedback account and risk --account alike: no message in the windows health
// reads (p's, with defaults) and no survey answer in its recent window, and either
// the date of its newest message (newest, older than those windows) or, with none,
// that its messages all come after now (later: one of them, a moment asked of in
// the past) or that the store holds none of it any more. It reads "as of ...: ...".
func NothingToAssess(now time.Time, p health.Params, newest, later *store.Stored) string {
	p = p.WithDefaults()
	text := fmt.Sprintf("as of %s: no customer message in the last %s (what account health reads) and no survey answer in the last %s, so it has no health score.",
		now.Format("2006-01-02 15:04 MST"), windowDays(p.Baseline), windowDays(p.Recent))
	if newest == nil && later != nil {
		return text + " It has no message before that moment: its messages come after it."
	}
	if newest == nil {
		return text + " The store holds no message of it any more: they moved to another account (channel_accounts, applied to history by reanalyze), or were deleted or erased."
	}
	return text + fmt.Sprintf(" Its newest message is of %s.", newest.Message.Time.UTC().Format("2006-01-02"))
}

// MessageAfter is one of an account's messages after now where it has none up to
// now (rows, read up to now, is empty): a moment asked of in the past, before the
// account wrote (/feedback account and risk --account). Nil otherwise.
func MessageAfter(ctx context.Context, st interface {
	Messages(ctx context.Context, q store.Query) ([]store.Stored, error)
}, workspace, account string, rows []store.Stored, now time.Time) (*store.Stored, error) {
	if len(rows) > 0 {
		return nil, nil
	}
	later, err := st.Messages(ctx, store.Query{Workspace: workspace, Account: account, From: now, Limit: 1})
	if err != nil {
		return nil, fmt.Errorf("account history: %w", err)
	}
	if len(later) == 0 {
		return nil, nil
	}
	return &later[0], nil
}

// windowDays writes a window of whole days as "56 days" (health's windows are), any
// other as Go does.
func windowDays(d time.Duration) string {
	switch {
	case d == 24*time.Hour:
		return "1 day"
	case d > 0 && d%(24*time.Hour) == 0:
		return fmt.Sprintf("%d days", d/(24*time.Hour))
	}
	return d.String()
}

// accountHealth is the account reply's head: its score, whether it is at risk,
// what the score rests on (each reason with the quotes and figures behind it), the
// suggested next step when it is at risk, and how its customers felt. workspace is
// the account's (the next step is its alert's: AlertFor).
func accountHealth(workspace string, h feedbackbot.Health, recent time.Duration, now time.Time) feedbackbot.Document {
	title := fmt.Sprintf("%s — health %d/100", accountLabel(h.Account), h.Score)
	doc := feedbackbot.Document{Ephemeral: true, Fallback: title}
	doc.Blocks = append(doc.Blocks, feedbackbot.Block{Kind: feedbackbot.BlockHeader, Text: title})
	fields := []feedbackbot.Field{{Label: "At risk", Value: map[bool]string{true: "yes", false: "no"}[h.AtRisk]}}
	if h.Account.Tier != "" {
		fields = append(fields, feedbackbot.Field{Label: "Tier", Value: h.Account.Tier})
	}
	if h.Account.Value > 0 {
		fields = append(fields, feedbackbot.Field{Label: "Value", Value: money(h.Account.Value) + "/yr"})
	}
	if !h.LastCustomerAt.IsZero() {
		fields = append(fields, feedbackbot.Field{Label: "Last heard from",
			Value: fmt.Sprintf("%s (%s ago)", stampUTC(h.LastCustomerAt), health.Ago(now.Sub(h.LastCustomerAt)))})
	}
	doc.Blocks = append(doc.Blocks, feedbackbot.Block{Kind: feedbackbot.BlockFields, Fields: fields})
	if len(h.Reasons) > 0 {
		doc.Blocks = append(doc.Blocks, feedbackbot.Block{Kind: feedbackbot.BlockText, Text: "*What the score rests on*\n" + reasonsWithEvidence(h.Reasons, maxAccountEvidence)})
	}
	if h.AtRisk {
		// (the alert's, as risk --account gives it: one table of next steps)
		doc.Blocks = append(doc.Blocks, feedbackbot.Block{Kind: feedbackbot.BlockText, Text: "*Suggested next step:* " + AlertFor(workspace, h, now).NextStep})
	}
	if t := EmotionsLine(h, recent); t != "" {
		doc.Blocks = append(doc.Blocks, feedbackbot.Block{Kind: feedbackbot.BlockText, Text: "*How they felt* " + t})
	}
	return doc
}

// stampUTC writes a moment as the account and risk replies give alerts' and
// messages' times: "Nov 22 07:00 UTC".
func stampUTC(t time.Time) string { return t.UTC().Format("Jan 2 15:04 MST") }

// severityTitle is a severity as a title begins: "Critical".
func severityTitle(s feedbackbot.Severity) string {
	name := s.String()
	return strings.ToUpper(name[:1]) + name[1:]
}

// openAlertState says where an open alert stands as of now: how severe, since
// when, the health it was raised at, and who acknowledged or snoozed it, or that
// nobody has ("Critical, open since Nov 22 07:00 UTC (2 hours), raised at health
// 30: acknowledged by maria on Nov 22 08:00 UTC.").
func openAlertState(al *feedbackbot.Alert, now time.Time) string {
	text := fmt.Sprintf("%s, open since %s (%s)", severityTitle(al.Severity), stampUTC(al.RaisedAt), health.Ago(now.Sub(al.RaisedAt)))
	if al.RaisedScore != nil {
		text += fmt.Sprintf(", raised at health %d", *al.RaisedScore)
	}
	switch {
	case al.SnoozedAt(now):
		text += fmt.Sprintf(": snoozed by %s until %s", feedbackbot.EscapeMarkup(al.AckedBy), stampUTC(al.SnoozedUntil))
	case al.Status == feedbackbot.AlertAcknowledged && al.AckedBy != "":
		when := ""
		if !al.AnsweredAt.IsZero() {
			when = " on " + stampUTC(al.AnsweredAt)
		}
		text += fmt.Sprintf(": acknowledged by %s%s", feedbackbot.EscapeMarkup(al.AckedBy), when)
	case !al.AckedAt.IsZero():
		text += ": *not acknowledged* since it got worse or its snooze ran out (first answered " + stampUTC(al.AckedAt) + ")"
	default:
		text += ": *not acknowledged*"
	}
	return text + "."
}

// AccountAlertLine says where an account's at-risk alert stands as of now, for
// /feedback account: its open alert (how severe, since when, the health it was
// raised at, and who acknowledged or snoozed it, or that nobody has), else a
// reply-due heads-up open for it, else how its last alert that closed in the last
// feedbackbot.AlertEpisodesKept ended (recovered, or closed with nothing new since
// it); "" when none of these.
func AccountAlertLine(alerts map[string]*feedbackbot.Alert, id string, now time.Time) string {
	ongoing, _ := openByAccount(alerts)
	if al := ongoing[id]; al != nil {
		return openAlertState(al, now)
	}
	var last *feedbackbot.Alert
	for _, fp := range slices.Sorted(maps.Keys(alerts)) {
		al := alerts[fp]
		if al.Account.ID != id {
			continue
		}
		if open(al) { // (only a reply-due heads-up: the others are ongoing's)
			return fmt.Sprintf("A reply is due: heads-up raised %s.", stampUTC(al.RaisedAt))
		}
		if al.ClosedReason == ClosedMerged || al.ResolvedAt.After(now) || now.Sub(al.ResolvedAt) > feedbackbot.AlertEpisodesKept ||
			al.Cause == health.ReasonReplyDue {
			continue
		}
		if last == nil || al.ResolvedAt.After(last.ResolvedAt) {
			last = al
		}
	}
	if last == nil {
		return ""
	}
	took := minutesWords(last.ResolvedAt.Sub(last.RaisedAt).Minutes())
	switch ep := last.Episode(); {
	case ep.Recovered && last.RaisedScore != nil:
		return fmt.Sprintf("The last one, raised %s, recovered %s, %s later (health %d → %d).", stampUTC(last.RaisedAt), stampUTC(last.ResolvedAt), took, *last.RaisedScore, last.Score)
	case ep.Recovered:
		return fmt.Sprintf("The last one, raised %s, recovered %s, %s later (health %d).", stampUTC(last.RaisedAt), stampUTC(last.ResolvedAt), took, last.Score)
	case last.ClosedReason == ClosedSilent:
		return fmt.Sprintf("The last one, raised %s, closed %s with nothing recent to judge: not a recovery.", stampUTC(last.RaisedAt), stampUTC(last.ResolvedAt))
	case last.ClosedReason == ClosedChurnStands:
		return fmt.Sprintf("The last one, raised %s, closed %s with its churn signal not taken back: not a recovery.", stampUTC(last.RaisedAt), stampUTC(last.ResolvedAt))
	}
	return fmt.Sprintf("The last one, raised %s, closed %s.", stampUTC(last.RaisedAt), stampUTC(last.ResolvedAt))
}

// EmotionsLine says how an account's customers felt in the recent window health
// judges ("over the last 14 days: frustration 3, confusion 1, of 9 customer
// messages"), "" when none of its messages expressed a clear emotion.
func EmotionsLine(h feedbackbot.Health, recent time.Duration) string {
	if len(h.Emotions) == 0 {
		return ""
	}
	parts := make([]string, len(h.Emotions))
	for i, e := range h.Emotions {
		parts[i] = fmt.Sprintf("%s %d", e.Name, e.Count)
	}
	return fmt.Sprintf("over the last %s: %s, of %d customer messages", windowDays(recent), strings.Join(parts, ", "), h.RecentMessages)
}

// parsePeriod reads an optional "24h" / "7d" / "2w" argument (default 7 days; 1h..92d).
func parsePeriod(arg string) (time.Duration, error) {
	arg = strings.TrimSpace(arg)
	if arg == "" {
		return 7 * 24 * time.Hour, nil
	}
	var n int
	var unit string
	if _, err := fmt.Sscanf(arg, "%d%s", &n, &unit); err == nil {
		step := map[string]time.Duration{"h": time.Hour, "d": 24 * time.Hour, "w": 7 * 24 * time.Hour}[unit]
		switch {
		case step == 0:
		case n > 0 && n <= int(maxPeriod/step): // (no overflow: n is at most 92 days' worth)
			return time.Duration(n) * step, nil
		default:
			// A period, but not one a digest covers: say the range, in the units
			// people type (it said "not a period" for 400d).
			return 0, feedbackbot.Errorf(feedbackbot.EINVALID, "%s is out of range 1h..92d: use e.g. `24h`, `7d` or `2w`.", echoed(ShortText(arg, 20)))
		}
	}
	return 0, feedbackbot.Errorf(feedbackbot.EINVALID, "%s is not a period: use e.g. `24h`, `7d` or `2w` (1h..92d).", echoed(ShortText(arg, 20)))
}

// maxPeriod is the longest period a command's digest covers.
const maxPeriod = 92 * 24 * time.Hour

func (b *Bot) themes(ctx context.Context, cmd feedbackbot.Command, arg string, now time.Time) (feedbackbot.Document, error) {
	period, err := parsePeriod(arg)
	if err != nil {
		return feedbackbot.Document{}, err
	}
	d, err := BuildDigest(ctx, b.Store, DigestRequest{Workspace: cmd.Workspace, From: now.Add(-period), To: now, Now: now, Accounts: b.Accounts, Params: b.Params, TierTargets: b.TierTargets, Themes: b.Themes, Known: b.Known})
	if err != nil {
		return feedbackbot.Document{}, err
	}
	if err := b.audit(ctx, cmd, "themes", "", now); err != nil {
		return feedbackbot.Document{}, err
	}
	title := fmt.Sprintf("Themes · %s", periodLabel(d))
	doc := feedbackbot.Document{Ephemeral: true, Fallback: title}
	doc.Blocks = append(doc.Blocks, feedbackbot.Block{Kind: feedbackbot.BlockHeader, Text: title})
	if len(d.Themes) == 0 {
		doc.Blocks = append(doc.Blocks, feedbackbot.Block{Kind: feedbackbot.BlockText, Text: "No themes in this period."})
		return doc, nil
	}
	// As the digest lists them: the themes of this period (one that vanished
	// read "0 (▼ 100%)"), compared only where the period before held customer
	// messages (every theme read "(new)" after a quiet one; a review's find).
	compared := d.PrevCustomerMessages > 0
	var sb strings.Builder
	for _, t := range d.Themes {
		if t.Count == 0 {
			continue
		}
		idx := "n/a"
		if t.Index != nil {
			idx = signedFixed(*t.Index, 2)
		}
		change := ""
		if compared {
			change = " " + deltaCount(t.Count, t.Prev)
		}
		fmt.Fprintf(&sb, "• *%s*: %d%s · sentiment %s · %d negative\n", themeLabel(t.Name), t.Count, change, idx, t.Negative)
	}
	if sb.Len() == 0 {
		sb.WriteString("No themes in this period.")
	} else if !compared {
		fmt.Fprintf(&sb, "Not compared: the %s before held no customer message.", periodWords(d.From, d.To))
	}
	doc.Blocks = append(doc.Blocks, feedbackbot.Block{Kind: feedbackbot.BlockText, Text: strings.TrimSpace(sb.String())})
	return doc, nil
}

func (b *Bot) risk(ctx context.Context, cmd feedbackbot.Command, now time.Time) (feedbackbot.Document, error) {
	hs, err := Risk(ctx, b.Store, RiskRequest{Workspace: cmd.Workspace, Now: now, Accounts: b.Accounts, Params: b.Params, TierTargets: b.TierTargets, SkipSilent: true})
	if err != nil {
		return feedbackbot.Document{}, err
	}
	at := AtRisk(hs)
	ids := make([]string, len(at))
	for i, h := range at {
		ids[i] = h.Account.ID
	}
	alerts, err := accountAlerts(ctx, b.Store, cmd.Workspace, ids...) // (theirs alone)
	if err != nil {
		return feedbackbot.Document{}, fmt.Errorf("risk: %w", err)
	}
	ongoing, _ := openByAccount(alerts)
	if err := b.audit(ctx, cmd, "risk", "", now); err != nil {
		return feedbackbot.Document{}, err
	}
	title := fmt.Sprintf("Accounts at risk: %d of %d", len(at), len(hs))
	doc := feedbackbot.Document{Ephemeral: true, Fallback: title}
	doc.Blocks = append(doc.Blocks, feedbackbot.Block{Kind: feedbackbot.BlockHeader, Text: title})
	if len(at) == 0 {
		doc.Blocks = append(doc.Blocks, feedbackbot.Block{Kind: feedbackbot.BlockText, Text: "No account is at risk right now."})
	}
	for _, h := range at {
		var sb strings.Builder
		fmt.Fprintf(&sb, "*%s* — health %d/100", accountLabel(h.Account), h.Score)
		if h.Account.Value > 0 {
			fmt.Fprintf(&sb, " · %s/yr", money(h.Account.Value))
		}
		if e := EngagementLabel(h.Engagement); e != "" {
			sb.WriteString(" · engagement " + e)
		}
		for i, r := range h.Reasons {
			if i == 3 || r.Impact >= 0 {
				break
			}
			sb.WriteString("\n• " + r.Text)
		}
		if al := ongoing[h.Account.ID]; al != nil {
			sb.WriteString("\nAlert: " + openAlertState(al, now))
		}
		doc.Blocks = append(doc.Blocks, feedbackbot.Block{Kind: feedbackbot.BlockText, Text: sb.String()})
	}
	return doc, nil
}

func (b *Bot) digest(ctx context.Context, cmd feedbackbot.Command, arg string, now time.Time) (feedbackbot.Document, error) {
	period, err := parsePeriod(arg)
	if err != nil {
		return feedbackbot.Document{}, err
	}
	d, err := DigestWithRisk(ctx, b.Store, RiskRequest{Workspace: cmd.Workspace, Now: now, Accounts: b.Accounts, Params: b.Params, TierTargets: b.TierTargets},
		DigestRequest{Workspace: cmd.Workspace, From: now.Add(-period), To: now, Now: now, Accounts: b.Accounts, Params: b.Params, TierTargets: b.TierTargets, Themes: b.Themes, Known: b.Known})
	if err != nil {
		return feedbackbot.Document{}, err
	}
	var png []byte
	if b.Charts {
		if png, err = DigestChart(d); err != nil {
			return feedbackbot.Document{}, err
		}
	}
	if err := b.audit(ctx, cmd, "digest", "", now); err != nil {
		return feedbackbot.Document{}, err
	}
	doc := DigestDocument(d, png)
	doc.Ephemeral = true
	return doc, nil
}

func (b *Bot) alertAction(ctx context.Context, cmd feedbackbot.Command, action, fp string, now time.Time) (feedbackbot.Document, error) {
	if fp == "" {
		return feedbackbot.Document{}, feedbackbot.Errorf(feedbackbot.EINVALID, "That button lost its alert id.")
	}
	// Read and written under the alert's lease: a pass of the alerter saving its
	// copy meanwhile would undo the press, or a press read before a pass resolved
	// the alert would open it again.
	var doc feedbackbot.Document
	err := withAlertLease(ctx, b.Store, cmd.Workspace, fp, func() error {
		raw, err := b.Store.GetDoc(ctx, cmd.Workspace, DocAlert, fp)
		if err != nil {
			if feedbackbot.IsNotFound(err) {
				return feedbackbot.Errorf(feedbackbot.ENOTFOUND, "That alert no longer exists.")
			}
			return fmt.Errorf("load alert: %w", err)
		}
		var a feedbackbot.Alert
		if err := json.Unmarshal(raw, &a); err != nil {
			return fmt.Errorf("decode alert %s: %w", fp, err)
		}
		who := cmp.Or(cmd.UserName, cmd.User)
		if a.Status == feedbackbot.AlertResolved {
			// A button of an older message of the alert (one a repeat replaced) or a
			// typed action: reopening it would post "Recovered" again at the next pass.
			if err := b.audit(ctx, cmd, action, fp, now); err != nil { // (it shows the alert)
				return err
			}
			doc = AlertDocument(a)
			doc.Blocks = append(doc.Blocks, feedbackbot.Block{Kind: feedbackbot.BlockContext,
				Text: fmt.Sprintf("Nothing to do: this alert was resolved at %s.", a.ResolvedAt.Format("Jan 2 15:04 MST"))})
			doc.Ephemeral = true
			return nil
		}
		a.MarkAnswered(now)
		switch action {
		case "alert.ack":
			a.Status, a.AckedBy, a.AckedByID = feedbackbot.AlertAcknowledged, who, cmd.User
		default:
			a.Status, a.AckedBy, a.AckedByID, a.SnoozedUntil = feedbackbot.AlertSnoozed, who, cmd.User, now.Add(7*24*time.Hour)
		}
		a.AddAnswerers(cmd.User)
		a.UpdatedAt = now
		raw, err = json.Marshal(a)
		if err != nil {
			return fmt.Errorf("encode alert: %w", err)
		}
		if err := b.audit(ctx, cmd, action, fp, now); err != nil {
			return err
		}
		if err := b.Store.PutDoc(ctx, cmd.Workspace, DocAlert, fp, raw); err != nil {
			return fmt.Errorf("save alert: %w", err)
		}
		doc = AlertDocument(a) // (which says who answered it)
		// Pressed, the answer replaces the alert in its internal channel; typed, it may be
		// in a customer's channel, so only the caller sees it.
		doc.Ephemeral = !cmd.Button
		return nil
	})
	if err != nil {
		return feedbackbot.Document{}, err
	}
	return doc, nil
}

// auditEntry records who ran a command that reveals or changes customer data.
type auditEntry struct {
	Time     time.Time            `json:"time"`
	Platform feedbackbot.Platform `json:"platform"`
	User     string               `json:"user"`
	Action   string               `json:"action"`
	Target   string               `json:"target,omitempty"`
}

// audit writes an audit entry before a command reveals or changes customer data; a
// command that cannot be audited is not carried out.
func (b *Bot) audit(ctx context.Context, cmd feedbackbot.Command, action, target string, now time.Time) error {
	raw, err := json.Marshal(auditEntry{Time: now, Platform: cmd.Platform, User: cmd.User, Action: action, Target: target})
	if err != nil {
		return fmt.Errorf("audit: %w", err)
	}
	// Time first, so ids sort by time; the random suffix keeps two entries written in
	// the same clock tick (a double click, a coarse clock) from overwriting each other.
	var nonce [6]byte
	_, _ = rand.Read(nonce[:])
	id := fmt.Sprintf("%020d-%s-%s-%s", now.UnixNano(), cmd.User, action, hex.EncodeToString(nonce[:]))
	if err := b.Store.PutDoc(ctx, cmd.Workspace, DocAudit, id, raw); err != nil {
		return fmt.Errorf("audit %s: %w", action, err)
	}
	return nil
}
