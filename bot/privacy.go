package bot

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/feedbackbot/feedbackbot"
	"github.com/feedbackbot/feedbackbot/store"
)

// PrivacyStore is what erasing a person needs: the store's People operations and
// the documents that may mention them (survey answers, alerts' evidence).
type PrivacyStore interface {
	store.People
	evidenceDocs
	DeleteDoc(ctx context.Context, workspace, kind, id string) error
}

// Forgotten says what ForgetPerson erased.
type Forgotten struct {
	Messages      int `json:"messages"`
	SurveyAnswers int `json:"survey_answers"`
	// Evidence counts quotes of the person's messages removed from stored alerts.
	Evidence int `json:"alert_evidence"`
	// DigestQuotes counts quotes of the person's messages removed from posted
	// digests' records (their messages in the chat are edited on the scheduler's
	// next tick).
	DigestQuotes int `json:"digest_quotes"`
	// Corrections counts staff's corrections of the person's messages deleted.
	Corrections int `json:"corrections"`
	// Unsigned counts the corrections the person made as staff that their id was
	// taken out of (the corrections stay: they are the team's).
	Unsigned int `json:"corrections_unsigned"`
	// Alerts and Digests count the stored alerts and posted digests' records
	// changed: besides the quotes above, an alert about an account that is the
	// person, or a digest naming it (a Discord community member is their own
	// account), changes without a quote of theirs.
	Alerts  int `json:"alerts"`
	Digests int `json:"digests"`
	// Keys are the keys of the person's messages erased (their ids, for
	// LearnedNotice: a learned layer names the messages it learned from).
	Keys []string `json:"-"`
}

// learner is an analyzer that can say which messages its layer learned from
// (analysis.Analyzer.LearnedFromWith: names keyed with the workspace's learn
// secret, or not keyed, as the layer was learned).
type learner interface {
	LearnedFromWith(secret []byte, keys ...string) int
}

// LearnedNotice says, when the analyzer in use learned from staff corrections of
// some of the keys' messages (a layer of feedbackbot learn), that its weights still
// carry what it learned from them and how to learn it again without them; "" when
// it learned from none.
func LearnedNotice(a Analyzer, secret []byte, keys []string) string {
	l, ok := a.(learner)
	if !ok || len(keys) == 0 {
		return ""
	}
	n := l.LearnedFromWith(secret, keys...)
	if n == 0 {
		return ""
	}
	return fmt.Sprintf("The learned layer in use (analysis.layer) was trained on staff's corrections of %d of their messages, and its weights still carry what it learned from them: "+
		"run feedbackbot learn again (it learns only from what the store holds now) and point analysis.layer at the new file, or remove analysis.layer to use the shipped layer.", n)
}

// ForgetPerson erases one person (an author id) from a workspace: their messages
// everywhere the store keeps them (log, tags, indexes; rollups adjusted), their
// survey answers, and quotes of their messages in stored alerts. Calling it again
// erases nothing more.
// DocForgotten marks a person erased by ForgetPerson (the id alone, no content):
// their survey answers are not stored any more. (The store keeps their messages out
// itself.)
const DocForgotten = "forgotten-person"

func ForgetPerson(ctx context.Context, st PrivacyStore, workspace, user string) (Forgotten, error) {
	var out Forgotten
	keys := map[string]bool{}
	err := st.AuthorMessages(ctx, workspace, user, func(s store.Stored) error {
		keys[s.Message.Key()] = true
		return nil
	})
	if err != nil {
		return out, fmt.Errorf("forget %s: list messages: %w", user, err)
	}
	logged, err := st.AuthorKeys(ctx, workspace, user)
	if err != nil {
		return out, fmt.Errorf("forget %s: list messages: %w", user, err)
	}
	ownKeys := maps.Clone(keys)
	for _, k := range logged {
		ownKeys[k] = true
	}
	out.Keys = slices.Sorted(maps.Keys(ownKeys)) // (set before anything can fail)
	// Their messages' corrections go first: once the messages are erased, a run
	// again after a failure further on finds no keys of theirs to go by. The
	// corrections they made as staff stay (they are the team's), without their id.
	out.Corrections, out.Unsigned, err = dropCorrections(ctx, st, workspace, func(key string, _ feedbackbot.Correction) bool { return ownKeys[key] }, user)
	if err != nil {
		return out, fmt.Errorf("forget %s: %w", user, err)
	}
	if out.Messages, err = st.Forget(ctx, workspace, user); err != nil {
		return out, fmt.Errorf("forget %s: %w", user, err)
	}
	// Before their answers go: a survey question posted earlier can still be
	// pressed, and its answer must find them forgotten (it was stored again).
	if err := st.PutDoc(ctx, workspace, DocForgotten, user, []byte("1")); err != nil {
		return out, fmt.Errorf("forget %s: remember them as forgotten: %w", user, err)
	}
	out.SurveyAnswers, err = deleteSurveyAnswers(ctx, st, workspace, "", func(a SurveyAnswer) bool { return a.User == user })
	if err != nil {
		return out, fmt.Errorf("forget %s: %w", user, err)
	}
	alerts, digests := personCut(keys, user)
	out.Evidence, out.Alerts, err = rewriteAlerts(ctx, st, workspace, alerts)
	if err != nil {
		return out, fmt.Errorf("forget %s: %w", user, err)
	}
	out.DigestQuotes, out.Digests, err = rewriteDigests(ctx, st, workspace, digests)
	if err != nil {
		return out, fmt.Errorf("forget %s: %w", user, err)
	}
	return out, nil
}

// personCut is what erasing user takes out of stored alerts (alerts: an edit for
// rewriteAlerts) and posted digests, keys being the keys of their messages: quotes
// of them, found by author too (a message deleted on the platform, or erased by
// an earlier run that failed before this step, is no longer listed), and every
// entry of an account that is the person (a community member's).
func personCut(keys map[string]bool, user string) (alerts func(*feedbackbot.Alert) (int, bool), digests digestCut) {
	quoted := func(e feedbackbot.Evidence) bool {
		return (e.MessageKey != "" && keys[e.MessageKey]) || (e.Author != "" && e.Author == user)
	}
	alerts = func(al *feedbackbot.Alert) (int, bool) {
		n := dropEvidence(al, quoted)
		own := forgetOwnAccount(al, user)
		// (an earlier message of the alert may quote them still, its quote gone
		// from the evidence since: Quoted says so)
		earlier := al.ForgetQuoted(user)
		answered := forgetAnswerer(al, user)
		return n, n > 0 || own || earlier || answered
	}
	digests = digestCut{
		quote: func(q feedbackbot.Quote) bool {
			return (q.MessageKey != "" && keys[q.MessageKey]) || (q.AuthorID != "" && q.AuthorID == user)
		},
		evidence: quoted,
		account:  func(id string) bool { return id == user },
	}
	return alerts, digests
}

// Nothing reports whether ForgetPerson erased nothing at all.
func (f Forgotten) Nothing() bool {
	return f.Messages+f.SurveyAnswers+f.Evidence+f.DigestQuotes+f.Corrections+f.Unsigned+f.Alerts+f.Digests == 0
}

// Held is what a workspace holds of a person (PersonHeld): what ForgetPerson erases.
type Held struct {
	// Messages are the messages they wrote that analysis applied; Logged the other
	// messages of theirs the capture log still holds (not analysed yet, or deleted on
	// the platform), which ForgetPerson erases too.
	Messages, Logged int
	Answers          int // their survey answers
	// Alerts and Digests are the stored alerts and posted digests that quote them
	// or name them as an account (a Discord community member's), which
	// ForgetPerson takes them out of: retention takes out the quotes of expired
	// messages, not an account's name, so a member whose messages all expired
	// is still named in posted digests (a review found "nothing stored" said then).
	Alerts, Digests int
	// Signed counts the corrections they made as staff, which keep their id until
	// ForgetPerson takes it out (a staff member who only corrected tags was
	// "nothing stored", and forget refused them without --force).
	Signed int
}

// Nothing reports whether ForgetPerson would erase nothing of the person's.
func (h Held) Nothing() bool { return h.Messages+h.Logged+h.Answers+h.Alerts+h.Digests+h.Signed == 0 }

// String says what is held, for the chat preview and the CLI alike, such as "3
// messages analysed and 2 more in the capture log not analysed yet or deleted on
// the platform, and 1 survey answer".
func (h Held) String() string {
	const logged = "in the capture log not analysed yet or deleted on the platform"
	msgs := feedbackbot.Plural(h.Messages, "message") + " analysed"
	switch {
	case h.Logged > 0 && h.Messages > 0:
		msgs += fmt.Sprintf(" and %d more %s,", h.Logged, logged)
	case h.Logged > 0:
		msgs = fmt.Sprintf("%s %s,", feedbackbot.Plural(h.Logged, "message"), logged)
	}
	out := fmt.Sprintf("%s and %s", msgs, feedbackbot.Plural(h.Answers, "survey answer"))
	switch {
	case h.Alerts > 0 && h.Digests > 0:
		out += fmt.Sprintf("; they are quoted or named in %s and %s", feedbackbot.Plural(h.Alerts, "alert"), feedbackbot.Plural(h.Digests, "posted digest"))
	case h.Alerts > 0:
		out += fmt.Sprintf("; they are quoted or named in %s", feedbackbot.Plural(h.Alerts, "alert"))
	case h.Digests > 0:
		out += fmt.Sprintf("; they are quoted or named in %s", feedbackbot.Plural(h.Digests, "posted digest"))
	}
	if h.Signed > 0 {
		out += fmt.Sprintf("; their id is on %s they made as staff", feedbackbot.Plural(h.Signed, "correction"))
	}
	return out
}

// forgotText says what forgetting user erased, for the chat.
func forgotText(user string, res Forgotten) string {
	text := fmt.Sprintf("Forgot %s: %s, %s, %s in alerts, %d in posted digests. Their future messages will not be stored.",
		user, feedbackbot.Plural(res.Messages, "message"), feedbackbot.Plural(res.SurveyAnswers, "survey answer"), feedbackbot.Plural(res.Evidence, "quote"), res.DigestQuotes)
	if res.Corrections > 0 {
		text += fmt.Sprintf(" %s of their messages deleted.", feedbackbot.Plural(res.Corrections, "staff correction"))
	}
	if res.Unsigned > 0 {
		text += " " + unsignedText(res.Unsigned)
	}
	if docs := changedDocs(res); docs != "" {
		text += " " + docs
	}
	return text
}

// changedDocs says which alerts and posted digests forgetting changed ("" for
// none), for the chat and the CLI: a member who is their own account leaves
// them without a quote being counted.
func changedDocs(res Forgotten) string {
	var parts []string
	if res.Alerts > 0 {
		parts = append(parts, feedbackbot.Plural(res.Alerts, "alert"))
	}
	if res.Digests > 0 {
		parts = append(parts, feedbackbot.Plural(res.Digests, "posted digest"))
	}
	if len(parts) == 0 {
		return ""
	}
	return "Taken out of " + strings.Join(parts, " and ") + "; the running bot edits their messages in the chat."
}

// ChangedDocs is changedDocs for the CLI.
func ChangedDocs(res Forgotten) string { return changedDocs(res) }

// unsignedText says that the person's id was taken out of n corrections they made.
func unsignedText(n int) string {
	return fmt.Sprintf("Their id was taken out of %s they made as staff (the corrections stay).", feedbackbot.Plural(n, "correction"))
}

// UnsignedText is unsignedText for the CLI.
func UnsignedText(n int) string { return unsignedText(n) }

// PersonHeld counts what a workspace holds of a person: the messages they wrote that
// analysis applied, the others of theirs the capture log holds (store.People's
// AuthorKeys, beyond the applied ones), and their survey answers. Both forget and
// /feedback forget ask it before saying what the erasure takes, or that nothing is
// held (a mistyped id). It reads the person's own entries of the store's author
// index, never the whole capture log: it read that log until a match when nothing
// else was held, which for a mistyped id on a big workspace ran past a chat
// command's timeout, and left the log-only messages of a person with applied ones
// out of the count.
func PersonHeld(ctx context.Context, st PrivacyStore, workspace, user string) (Held, error) {
	var h Held
	applied := map[string]bool{}
	err := st.AuthorMessages(ctx, workspace, user, func(s store.Stored) error {
		applied[s.Message.Key()] = true
		return nil
	})
	if err != nil {
		return Held{}, fmt.Errorf("messages: %w", err)
	}
	h.Messages = len(applied)
	keys, err := st.AuthorKeys(ctx, workspace, user)
	if err != nil {
		return Held{}, fmt.Errorf("capture log: %w", err)
	}
	for _, k := range keys {
		if !applied[k] {
			h.Logged++
		}
	}
	as, err := PersonSurveyAnswers(ctx, st, workspace, user)
	if err != nil {
		return Held{}, err
	}
	h.Answers = len(as)
	// The alerts and posted digests an erasure would change, tried on copies.
	alerts, digests := personCut(applied, user)
	ids, err := alertsTouched(ctx, st, workspace, alerts)
	if err != nil {
		return Held{}, err
	}
	runs, err := digestsTouched(ctx, st, workspace, digests)
	if err != nil {
		return Held{}, err
	}
	h.Alerts, h.Digests = len(ids), len(runs)
	if h.Signed, err = signedCorrections(ctx, st, workspace, user); err != nil {
		return Held{}, err
	}
	return h, nil
}

// forgetOwnAccount closes an alert about an account that is the person (a Discord
// community member is their own account: its id is theirs, its name their display
// name) without a recovery notice, which would post their name again, and takes
// their name out of it (and, through Redacted, out of its posted messages). It
// reports whether it changed the alert.
func forgetOwnAccount(al *feedbackbot.Alert, user string) bool {
	if al.Account.ID != user || (al.Account.Name == "" && al.Status == feedbackbot.AlertResolved) {
		return false // not theirs, or done by an earlier run
	}
	al.Account.Name = ""
	if al.Status != feedbackbot.AlertResolved {
		// (said as that when its messages are edited, not "Recovered")
		al.Status, al.ResolvedAt, al.ClosedReason = feedbackbot.AlertResolved, al.UpdatedAt, ClosedForgotten
	}
	return true
}

// ForgottenStaff stands for a staff member who acknowledged or snoozed an alert
// and was forgotten since: the alert still says it was answered, by whom no more.
const ForgottenStaff = "a staff member"

// forgetAnswerer takes the person out of an alert they acknowledged or snoozed as
// staff: their name (AckedBy) and id, their id among its Answerers, and, through
// Redacted, the "Acknowledged by" their press left on any of its posted messages
// (each is edited to the alert as it is now). An alert answered before the id was
// kept is theirs when the name shown is their id (they had no display name). It
// reports whether it changed the alert.
func forgetAnswerer(al *feedbackbot.Alert, user string) bool {
	if user == "" {
		return false
	}
	changed := false
	if answererID(al) == user {
		al.AckedBy, al.AckedByID = ForgottenStaff, ""
		changed = true
	}
	// (their press may be on an earlier message: a repeat's, an earlier episode's)
	if i := slices.Index(al.Answerers, user); i >= 0 {
		al.Answerers = slices.Delete(slices.Clone(al.Answerers), i, i+1)
		changed = true
	}
	return changed
}

// answererID is the id of the staff member who acknowledged or snoozed al: the
// name shown in an alert answered before the id was kept ("" when nobody did,
// or they were forgotten).
func answererID(al *feedbackbot.Alert) string {
	if al.AckedByID != "" || al.AckedBy == ForgottenStaff {
		return al.AckedByID
	}
	return al.AckedBy
}

// forget answers "forget USER" with a confirmation button, and the button
// ("forget.confirm USER") by erasing the person.
func (b *Bot) forget(ctx context.Context, cmd feedbackbot.Command, rest string, confirmed bool, now time.Time) (feedbackbot.Document, error) {
	user := strings.Trim(strings.TrimSpace(rest), "<@>")
	if user == "" || strings.ContainsAny(user, " \t\n") {
		return feedbackbot.Document{}, feedbackbot.Errorf(feedbackbot.EINVALID, "Usage: `forget USER_ID` (the person's platform id).")
	}
	ps, ok := b.Store.(PrivacyStore)
	if !ok {
		return feedbackbot.Document{}, feedbackbot.Errorf(feedbackbot.EINTERNAL, "this store cannot erase people")
	}
	if !confirmed {
		h, err := PersonHeld(ctx, ps, cmd.Workspace, user)
		if err != nil {
			return feedbackbot.Document{}, fmt.Errorf("forget %s: %w", user, err)
		}
		who := feedbackbot.EscapeMarkup(user) // typed text, echoed: escaped (see echoed)
		// (it gave messages held only by the log as a yes or no, and only when nothing
		// else was held, so a person with analysed ones got a count that left them out)
		held := fmt.Sprintf("Stored here by %s: %s; confirming erases them all.", who, h)
		if h.Nothing() {
			// Most likely a mistyped id: say so before anyone confirms.
			held = fmt.Sprintf("Nothing by %s is stored here: check the id (the person's platform id, such as U0123ABC); confirming only refuses their messages from now on.", who)
		}
		text := fmt.Sprintf("*Forget %s?* This erases every message they wrote in this workspace (and its analysis; totals are adjusted), "+
			"their survey answers, and quotes of them in alerts, and refuses their messages from now on. It cannot be undone. %s", who, held)
		return feedbackbot.Document{Ephemeral: true, Fallback: text, Blocks: []feedbackbot.Block{{Kind: feedbackbot.BlockText, Text: text},
			{Kind: feedbackbot.BlockActions, Buttons: []feedbackbot.Button{{Label: "Forget " + feedbackbot.EscapeMarkup(ShortText(user, 40)), Action: "forget.confirm", Value: user, Style: "danger"}}}}}, nil
	}
	if !cmd.Button {
		return feedbackbot.Document{}, feedbackbot.Errorf(feedbackbot.EINVALID, "Confirm with the button of `forget %s`.", feedbackbot.EscapeMarkup(user))
	}
	if err := b.audit(ctx, cmd, "forget", user, now); err != nil {
		return feedbackbot.Document{}, err
	}
	res, err := ForgetPerson(ctx, ps, cmd.Workspace, user)
	if err != nil {
		return feedbackbot.Document{}, err
	}
	text := forgotText(user, res)
	if len(res.Keys) > 0 {
		// (the person is erased either way: a secret that cannot be read costs the
		// notice, not the answer)
		if secret, err := LearnSecret(ctx, b.Store, cmd.Workspace, false); err != nil {
			text += " Whether the learned layer in use learned from their messages could not be told: " + feedbackbot.ErrorMessage(err) + "."
		} else if notice := LearnedNotice(b.Analyzer, secret, res.Keys); notice != "" {
			text += " " + notice
		}
	}
	if res.Nothing() {
		// (it said "Forgot U: 0 message(s)…", as if someone had been erased)
		text = fmt.Sprintf("Nothing held for %s here: nothing was erased. They are recorded as forgotten, so their future messages will not be stored.", feedbackbot.EscapeMarkup(user))
	}
	// The embedded store keeps erased bytes in free pages of its file until they are
	// reused: rewrite it, as feedbackbot forget does (the chat command did not, and
	// the erased text stayed readable in the file).
	if c, ok := optional(b.Store).(compacter); ok {
		switch err := c.Compact(ctx); {
		case err != nil:
			return feedbackbot.Document{}, fmt.Errorf("forget %s: the messages are erased, but rewriting the store file to remove their bytes failed (run forget again to retry): %w", user, err)
		default:
			text += " The store file was rewritten, so no erased bytes remain in it."
		}
	}
	return ephemeral(text), nil
}

// compacter is a store that rewrites its file with live data only (the embedded
// store; Redis frees memory itself).
type compacter interface {
	Compact(ctx context.Context) error
}
