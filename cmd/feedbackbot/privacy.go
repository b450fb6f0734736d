package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"slices"
	"strings"
	"time"

	"github.com/feedbackbot/feedbackbot"
	"github.com/feedbackbot/feedbackbot/bot"
	"github.com/feedbackbot/feedbackbot/store"
)

// The privacy commands serve a person's rights over what feedbackbot stores about
// them in one workspace: a copy of their messages (export) and erasure (forget). A
// person is the author id their platform gives them (a Slack user id, a Discord user
// id). Both are audited in the workspace's "audit" documents before they run, like the
// bot's commands that reveal or change customer data, and again with the outcome.

// privacyAudit is the audit document of an export or a forget.
type privacyAudit struct {
	Time     time.Time `json:"time"`
	Platform string    `json:"platform"`
	User     string    `json:"user"`   // who ran the command
	Action   string    `json:"action"` // "export" or "forget"
	Target   string    `json:"target"` // the person concerned
	Result   string    `json:"result"` // "started", "done", "failed" or "interrupted"
	Messages int       `json:"messages"`
	Error    string    `json:"error,omitempty"`
}

// auditor writes one audit document and updates it with the outcome.
type auditor struct {
	st  store.Docs
	ws  string
	id  string
	doc privacyAudit
}

func (m *Main) startAudit(ctx context.Context, st store.Docs, ws, action, target string) (*auditor, error) {
	op := m.Getenv("USER")
	if op == "" {
		op = "unknown"
	}
	now := time.Now().UTC()
	a := &auditor{st: st, ws: ws, id: fmt.Sprintf("%020d-cli-%s", now.UnixNano(), op),
		doc: privacyAudit{Time: now, Platform: "cli", User: op, Action: action, Target: target, Result: "started"}}
	if err := a.put(ctx); err != nil {
		return nil, fmt.Errorf("audit %s (nothing was done): %w", action, err)
	}
	return a, nil
}

// auditOnce records a command that reveals data (digest, risk) before it answers; a
// command that cannot be audited is not carried out.
func (m *Main) auditOnce(ctx context.Context, st store.Docs, ws, action, target string) error {
	a, err := m.startAudit(ctx, st, ws, action, target)
	if err != nil {
		return err
	}
	a.doc.Result = "done"
	if err := a.put(ctx); err != nil {
		return fmt.Errorf("audit %s (nothing was shown): %w", action, err)
	}
	return nil
}

// finish records the outcome; an error of the command itself wins over one of the audit.
// A command interrupted (Ctrl-C: its context cancelled) is recorded as
// "interrupted", with what it did, in a write of its own: the entry stayed
// "started" after a reanalyze was interrupted, its write refused by the
// cancelled context (a review's find).
func (a *auditor) finish(ctx context.Context, n int, err error) error {
	a.doc.Result, a.doc.Messages = "done", n
	switch {
	case errors.Is(err, context.Canceled):
		a.doc.Result, a.doc.Error = "interrupted", err.Error()
	case err != nil:
		a.doc.Result, a.doc.Error = "failed", err.Error()
	}
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), auditFinishTimeout)
	defer cancel()
	if aerr := a.put(ctx); aerr != nil {
		if err != nil {
			return err
		}
		return fmt.Errorf("%s succeeded, but its audit entry could not be completed: %w", a.doc.Action, aerr)
	}
	return err
}

// auditFinishTimeout bounds the write of an audit entry's outcome, which is made
// even after the command was interrupted.
const auditFinishTimeout = 10 * time.Second

func (a *auditor) put(ctx context.Context) error {
	raw, err := json.Marshal(a.doc)
	if err != nil {
		return err
	}
	return a.st.PutDoc(ctx, a.ws, bot.DocAudit, a.id, raw)
}

// personFlags adds the flags naming a person.
func personFlags(fs *flag.FlagSet) (ws, user *string) {
	ws = fs.String("workspace", "", "the workspace `ID` (Slack team or Discord guild id)")
	user = fs.String("user", "", "the person's user `ID` on that platform (the author of their messages)")
	return ws, user
}

func (m *Main) cmdExport(ctx context.Context, args []string) error {
	fs, cfgPath := m.flags("export")
	ws, user := personFlags(fs)
	out := fs.String("out", "", "write to `FILE` (mode 0600) instead of standard output (- is standard output)")
	if err := parse(fs, args); err != nil {
		return err
	}
	if *out == "-" {
		*out = "" // (it wrote a file named "-" holding the person's data)
	}
	if *user == "" {
		return usagef("export needs --user: whose messages (and --workspace, where the store holds several)")
	}
	// The file to write is checked before any work, as digest --chart's and learn
	// --out's are: a directory (it failed at the end: "rename /tmp/.x.123.tmp /tmp/x:
	// file exists"), or one in a directory that does not exist, which failed with
	// status 1 after the store was opened, the export audited and the person's data
	// read (a review's find).
	if *out != "" {
		if err := checkOutPath("export", "out", *out, *user+".jsonl"); err != nil {
			return err
		}
	}
	_, st, _, err := m.session(ctx, *cfgPath)
	if err != nil {
		return err
	}
	defer st.Close()
	if err := m.defaultWorkspace(ctx, st, ws); err != nil {
		return err
	}
	m.warnUnknownWorkspace(ctx, st, *ws)
	a, err := m.startAudit(ctx, st, *ws, "export", *user)
	if err != nil {
		return err
	}
	answers, err := bot.PersonSurveyAnswers(ctx, st, *ws, *user)
	var features map[string]string // (a Kano answer names its feature by an id)
	if err == nil && slices.ContainsFunc(answers, func(a bot.SurveyAnswer) bool { return a.Feature != "" }) {
		features, err = bot.KanoFeatureNames(ctx, st, *ws)
	}
	n := 0
	if err == nil {
		n, err = exportTo(ctx, st, *ws, *user, answers, features, *out, m.Stdout)
	} else {
		err = fmt.Errorf("export: %w", err)
	}
	nothing := errors.Is(err, errNothingHeld)
	if nothing {
		err = nil // (audited as done: the store was searched, and holds nothing of them)
	}
	if err = a.finish(ctx, n, err); err != nil {
		return err
	}
	if nothing {
		// An empty export with success looked like a copy of someone's data; the
		// person asking must be told the store holds none (or the id is mistyped).
		why := "check the id: the author id of their messages, such as U0123ABC on Slack"
		if hint := personHint(ctx, st, *ws, *user); hint != "" {
			why += ". " + hint
		}
		if _, err := st.GetDoc(ctx, *ws, bot.DocForgotten, *user); err == nil {
			why = "they were erased by forget, and their later messages are not stored"
		}
		return feedbackbot.Errorf(feedbackbot.ENOTFOUND, "no data held for user %s in workspace %s: no message, earlier version or survey answer by them, so nothing was exported; %s",
			*user, *ws, why)
	}
	dest := "standard output"
	if *out != "" {
		dest = *out
	}
	fmt.Fprintf(m.Stderr, "Exported %s and %s by %s in workspace %s to %s.\n", feedbackbot.CountNoun(n, "message", "messages"), feedbackbot.CountNoun(len(answers), "survey answer", "survey answers"), *user, *ws, dest)
	return nil
}

// errNothingHeld is exportTo's answer when the store holds nothing of the person:
// nothing was written, and no file created.
var errNothingHeld = errors.New("nothing held")

// exportTo writes the person's messages as JSON Lines to path, or to stdout when path
// is empty, then the earlier versions the capture log holds of them, one
// {"earlier_version": {...}} line each, then their survey answers, one
// {"survey_answer": {...}} line each (a Kano answer with its feature's name from
// features, the question and the answer in words). A
// file is written beside its final name and renamed when complete, so a failed
// export leaves no partial file behind. It returns the messages written, and
// errNothingHeld, having written nothing, when there was nothing to write. It reads
// the person's messages and capture-log entries only (store.People), never the log.
func exportTo(ctx context.Context, st store.People, ws, user string, answers []bot.SurveyAnswer, features map[string]string, path string, stdout io.Writer) (int, error) {
	if path == "" {
		return exportStream(ctx, st, ws, user, answers, features, stdout)
	}
	n := 0
	var werr error // exportStream's own, as it says it (errNothingHeld among them)
	err := writeBeside(path, 0o600, func(w io.Writer) error {
		n, werr = exportStream(ctx, st, ws, user, answers, features, w)
		return werr
	})
	if err != nil && werr == nil {
		return n, fmt.Errorf("export: %w", err)
	}
	return n, err
}

// exportStream writes exportTo's lines to w.
func exportStream(ctx context.Context, st store.People, ws, user string, answers []bot.SurveyAnswer, features map[string]string, w io.Writer) (int, error) {
	bw := bufio.NewWriter(w)
	enc := json.NewEncoder(bw)
	n := 0
	current := map[string]bool{} // key and revision of each message as it is now
	err := st.AuthorMessages(ctx, ws, user, func(s store.Stored) error {
		n++
		current[s.Message.Key()+"\x00"+s.Message.Revision()] = true
		return enc.Encode(s)
	})
	if err != nil {
		return n, fmt.Errorf("export: %w", err)
	}
	// The capture log keeps every version until retention or forget removes it: the
	// text before an edit, and messages deleted on the platform. They are stored, so
	// they are exported (only the current records were, a review found). Only the
	// person's entries are read, from the author index (it read the whole log, a
	// million entries on a big workspace, for one person's request).
	err = st.AuthorEntries(ctx, ws, user, func(e store.Entry) error {
		m := e.Event.Message
		if e.Event.Kind != feedbackbot.EventPut || m.Author != user || current[m.Key()+"\x00"+m.Revision()] {
			return nil
		}
		current[m.Key()+"\x00"+m.Revision()] = true // (a redelivered version once)
		return enc.Encode(struct {
			Version feedbackbot.Message `json:"earlier_version"`
			Note    string              `json:"note"`
		}{m, "kept in the capture log until retention or forget removes it: an earlier version, a message deleted on the platform, or one not analysed yet"})
	})
	if err != nil {
		return n, fmt.Errorf("export: capture log: %w", err)
	}
	for _, a := range answers {
		// A Kano answer says, in words, which feature and question it answers and
		// what (its record holds ids and a number).
		question, answer := bot.KanoWordsOf(a)
		if err := enc.Encode(struct {
			SurveyAnswer bot.SurveyAnswer `json:"survey_answer"`
			Feature      string           `json:"feature,omitempty"`
			Question     string           `json:"question,omitempty"`
			Answer       string           `json:"answer,omitempty"`
		}{a, features[a.Feature], question, answer}); err != nil {
			return n, fmt.Errorf("export: %w", err)
		}
	}
	if n == 0 && len(current) == 0 && len(answers) == 0 {
		return 0, errNothingHeld // (nothing was encoded, so nothing reached w)
	}
	if err := bw.Flush(); err != nil {
		return n, fmt.Errorf("export: %w", err)
	}
	return n, nil
}

func (m *Main) cmdForget(ctx context.Context, args []string) error {
	fs, cfgPath := m.flags("forget")
	ws, user := personFlags(fs)
	yes := fs.Bool("yes", false, "confirm: the erasure cannot be undone")
	force := fs.Bool("force", false, "forget the id even when the store holds nothing by it (a person who has not written yet, or a run that failed part-way)")
	if err := parse(fs, args); err != nil {
		return err
	}
	if *user == "" {
		return usagef("forget needs --user: whom to forget (and --workspace, where the store holds several)")
	}
	if !*yes {
		where, flag := "its workspace", ""
		if *ws != "" {
			where, flag = "workspace "+*ws, " --workspace "+*ws
		}
		return refusef("forget erases every message %[1]s wrote in %[2]s from the store: text, tags, "+
			"their share of every count, and the capture log (so re-analysis cannot bring them back); "+
			"later messages by %[1]s will not be stored. It cannot be undone. If they asked for a copy, "+
			"export it first (feedbackbot export%[3]s --user %[1]s --out FILE); then run "+
			"forget again with --yes", *user, where, flag)
	}
	cfg, st, where, err := m.session(ctx, *cfgPath)
	if err != nil {
		return err
	}
	defer st.Close()
	if err := m.defaultWorkspace(ctx, st, ws); err != nil {
		return err
	}
	m.warnUnknownWorkspace(ctx, st, *ws)
	// Forgotten already (a retried script): not a mistyped id. ForgetPerson runs
	// again all the same, finishing what a failed run left (quotes in alerts).
	forgotten := false
	if *force {
		// Forced, a mistyped id or a name still says whom it most likely meant
		// (it ended "recorded as forgotten", exit 0, while the person it meant
		// stayed stored: a review's find).
		if held, err := bot.PersonHeld(ctx, st, *ws, *user); err == nil && held.Nothing() {
			if hint := personHint(ctx, st, *ws, *user); hint != "" {
				fmt.Fprintf(m.Stderr, "warning: the store holds nothing by %s in workspace %s. %s\n", *user, *ws, hint)
			}
		}
	} else {
		// A mistyped id would otherwise be "forgotten" with nothing erased, and the
		// person it meant stay stored, with a success message.
		// (PersonHeld counts the messages only the capture log holds too: a person
		// whose messages were all deleted on the platform, whom export lists, was
		// refused as nothing.)
		held, err := bot.PersonHeld(ctx, st, *ws, *user)
		if err != nil {
			return fmt.Errorf("forget: look up %s: %w", *user, err)
		}
		_, err = st.GetDoc(ctx, *ws, bot.DocForgotten, *user)
		forgotten = err == nil
		if held.Nothing() && !forgotten {
			hint := personHint(ctx, st, *ws, *user)
			if hint != "" {
				hint += " "
			}
			return refusef("the store holds no message, survey answer, alert or posted digest of or about %[1]s, nor a correction they made, in workspace %[2]s, so forget would erase nothing. %[3]s"+
				"Check the id (the author id of their messages, as `feedbackbot export` takes it). "+
				"To forget %[1]s anyway, so their future messages are refused (someone who has not written yet, or a forget that failed part-way), add --force", *user, *ws, hint)
		}
		fmt.Fprintf(m.Stdout, "Held for %s in workspace %s: %s.\n", *user, *ws, held)
	}
	a, err := m.startAudit(ctx, st, *ws, "forget", *user)
	if err != nil {
		return err
	}
	res, err := bot.ForgetPerson(ctx, st, *ws, *user)
	// Said whether or not the erasure finished: a run again after a failure finds
	// none of their keys left to tell by (a review's find).
	if cfg.Analysis.Layer != "" && len(res.Keys) > 0 {
		// The layer run uses: does it hold what it learned from their messages?
		a, lerr := newAnalyzer(cfg)
		var secret []byte
		if lerr == nil {
			secret, lerr = bot.LearnSecret(ctx, st, *ws, false) // (the layer names messages with it)
		}
		if lerr != nil {
			fmt.Fprintf(m.Stderr, "warning: could not tell whether analysis.layer learned from their messages: %v\n", lerr)
		} else if notice := bot.LearnedNotice(a, secret, res.Keys); notice != "" {
			fmt.Fprintln(m.Stdout, notice)
		}
	}
	if err != nil {
		err = fmt.Errorf("forget %s in %s: %w (some messages may be erased already; run it again to finish)", *user, *ws, err)
	}
	if err = a.finish(ctx, res.Messages, err); err != nil {
		return err
	}
	if res.Nothing() && forgotten {
		fmt.Fprintf(m.Stdout, "%s was forgotten already in workspace %s (%s): nothing more of theirs was held, and their later messages are not stored.\n", *user, *ws, where)
	} else if res.Nothing() {
		// (--force: "Forgot U: 0 message(s) erased" read as if someone had been erased)
		fmt.Fprintf(m.Stdout, "Nothing held for %s in workspace %s (%s): no message, survey answer or quote in alerts to erase.\n", *user, *ws, where)
		fmt.Fprintf(m.Stdout, "%s is recorded as forgotten: later messages by them will not be stored.\n", *user)
	} else {
		fmt.Fprintf(m.Stdout, "Forgot %s in workspace %s (%s): %s erased from messages, counts, indexes and the capture log; %s and %s in alerts removed.\n",
			*user, *ws, where, feedbackbot.CountNoun(res.Messages, "message", "messages"), feedbackbot.CountNoun(res.SurveyAnswers, "survey answer", "survey answers"), feedbackbot.CountNoun(res.Evidence, "quote", "quotes"))
		if res.DigestQuotes > 0 {
			fmt.Fprintf(m.Stdout, "%s of theirs removed from posted digests.\n", feedbackbot.CountNoun(res.DigestQuotes, "quote", "quotes"))
		}
		if docs := bot.ChangedDocs(res); docs != "" {
			fmt.Fprintln(m.Stdout, docs)
		}
		if res.Corrections > 0 {
			fmt.Fprintf(m.Stdout, "%s of their messages deleted.\n", feedbackbot.CountNoun(res.Corrections, "staff correction", "staff corrections"))
		}
		if res.Unsigned > 0 {
			fmt.Fprintln(m.Stdout, bot.UnsignedText(res.Unsigned))
		}
		fmt.Fprintf(m.Stdout, "Later messages by %s will not be stored.\n", *user)
	}
	// The embedded store leaves erased bytes in free pages of its file until they are
	// reused; rewriting the file removes them.
	if c, ok := st.(compacter); ok {
		start := time.Now()
		if err := c.Compact(ctx); err != nil {
			// (--force: with nothing held any more, forget would refuse the retry)
			return fmt.Errorf("the messages are erased, but rewriting the store file to remove their bytes failed (retry with the same command and --force): %w", err)
		}
		fmt.Fprintf(m.Stdout, "Rewrote the store file so no erased bytes remain in it (%s).\n", time.Since(start).Round(time.Millisecond))
	} else {
		fmt.Fprintln(m.Stdout, "Redis keeps older copies in its persistence files until they are rewritten: run BGREWRITEAOF (AOF) or wait for the next snapshot (RDB).")
	}
	fmt.Fprintln(m.Stdout, "Backups of the store made before now still hold the messages.")
	return nil
}

// defaultWorkspace sets an empty --workspace to the only one the store holds, as
// digest and risk do (export and forget required it even then, a review's find);
// with several it is a usage error naming them.
func (m *Main) defaultWorkspace(ctx context.Context, st store.Store, ws *string) error {
	if *ws != "" {
		return nil
	}
	w, err := pickWorkspace(ctx, st, "")
	if err != nil {
		return err
	}
	*ws = w
	return nil
}

// warnUnknownWorkspace warns when the store has never seen the workspace: most
// likely a typo in --workspace, or the wrong store. The command still runs (forget
// then keeps the person out of that workspace from now on).
func (m *Main) warnUnknownWorkspace(ctx context.Context, st store.Store, ws string) {
	wss, err := st.Workspaces(ctx)
	if err != nil || slices.Contains(wss, ws) {
		return
	}
	holds := "no messages yet"
	if len(wss) > 0 {
		holds = "only " + strings.Join(wss, ", ")
	}
	fmt.Fprintf(m.Stderr, "warning: the store has no workspace %s (it holds %s); check --workspace, FEEDBACKBOT_DATA and REDIS_URL.\n", ws, holds)
}

// compacter is a store that can rewrite its storage without freed data (the embedded store).
type compacter interface {
	Compact(ctx context.Context) error
}
