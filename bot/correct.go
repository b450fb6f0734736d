package bot

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/feedbackbot/feedbackbot"
	"github.com/feedbackbot/feedbackbot/store"
)

// DocCorrection holds staff's corrections of messages' tags (a
// feedbackbot.Correction), by message key. The worker applies them over analysis
// whenever it analyses a message again (an edit, a redelivery), and so does
// Reanalyze, so a correction outlives a new analyzer or taxonomy.
const DocCorrection = "correction"

// CorrectUsage is the correct command's help.
const CorrectUsage = "Usage: `correct MESSAGE_LINK [changes…]`, where MESSAGE_LINK is the message's link " +
	"(Slack: ⋯ › Copy link; Discord: ⋯ › Copy Message Link) and the changes are any of " +
	"`positive`, `neutral` or `negative` (its sentiment); an intent (`question`, `bug_report`, `feature_request`, " +
	"`complaint`, `praise`, `churn_signal`, `other`, or `intent=…`); `+THEME` or `-THEME` (add or take away a theme), " +
	"or `themes=a,b` (exactly these; `themes=` for none); `reply=yes` or `reply=no` (whether it waits for an answer); " +
	"or `undo` (analysis's tags again). With no changes it shows the message's tags."

// docsGetter reads documents by id.
type docsGetter interface {
	GetDocs(ctx context.Context, workspace, kind string, ids ...string) (map[string][]byte, error)
}

// correctedApplier is what applyCorrected needs: the corrections, and Apply.
type correctedApplier interface {
	docsGetter
	Apply(ctx context.Context, items ...store.Applied) (int, error)
}

// themeNamer is an analyzer that says its taxonomy's themes (*analysis.Analyzer):
// a correction adds none that the taxonomy no longer has.
type themeNamer interface{ ThemeNames() []string }

// knownThemes are a's taxonomy's themes, or nil (any) when it does not say them.
func knownThemes(a Analyzer) []string {
	if tn, ok := a.(themeNamer); ok {
		return tn.ThemeNames()
	}
	return nil
}

// maxCorrectionRounds bounds applyCorrected's re-reads.
const maxCorrectionRounds = 4

// applyCorrected applies items, whose Tags are analysis's, with staff's stored
// corrections over the puts' tags (one GetDocs a workspace), then reads the
// corrections again and applies once more the items whose correction changed
// meanwhile, until none did: a correction saved or undone while the batch was on
// its way (the correct command applies its own at once; the worker's older tags,
// under another analyzer name, would otherwise replace it). items keep analysis's
// tags. A correction that cannot be read is left out and named in bad (its message
// keeps analysis's tags): one damaged document must not stop the pipeline. known,
// when not nil, are the themes a correction may add.
func applyCorrected(ctx context.Context, st correctedApplier, items []store.Applied, known []string) (applied int, fixed, bad []string, err error) {
	out := slices.Clone(items)
	var seen map[int]string
	damaged := map[int]bool{}
	var now map[int]string
	keysOf := func(in func(i int) bool) []string {
		var keys []string
		for i := range items {
			if in(i) {
				keys = append(keys, items[i].Entry.Event.Message.Key())
			}
		}
		return keys
	}
	result := func(err error) (int, []string, []string, error) {
		fixed := keysOf(func(i int) bool { _, has := now[i]; return has && !damaged[i] })
		return applied, fixed, keysOf(func(i int) bool { return damaged[i] }), err
	}
	for round := 0; ; round++ {
		var err error
		if now, err = readCorrections(ctx, st, items); err != nil {
			return result(err)
		}
		var batch []store.Applied
		for i, it := range items {
			if it.Entry.Event.Kind != feedbackbot.EventPut {
				if round == 0 {
					batch = append(batch, it)
				}
				continue
			}
			raw, has := now[i]
			if round > 0 && raw == seen[i] {
				continue
			}
			out[i].Tags = it.Tags
			delete(damaged, i)
			if has {
				var c feedbackbot.Correction
				if json.Unmarshal([]byte(raw), &c) != nil {
					damaged[i] = true
				} else {
					out[i].Tags = withKnownThemes(c.Apply(it.Tags, it.Entry.Event.Message.FromCustomer()), it.Tags, known)
				}
			}
			batch = append(batch, out[i])
		}
		if len(batch) == 0 || round == maxCorrectionRounds {
			return result(nil)
		}
		n, err := st.Apply(ctx, batch...)
		applied += n
		if err != nil {
			return result(err)
		}
		seen = now
	}
}

// withKnownThemes keeps the corrected tags' themes that analysis gave or the
// taxonomy still has (known; nil: all): a theme since taken out of the taxonomy,
// added by an older correction, is not tagged.
func withKnownThemes(t, analysed feedbackbot.Tags, known []string) feedbackbot.Tags {
	if known == nil {
		return t
	}
	t.Themes = slices.DeleteFunc(slices.Clone(t.Themes), func(th string) bool {
		return !slices.Contains(known, th) && !slices.Contains(analysed.Themes, th)
	})
	return t
}

// readCorrections reads the stored corrections of the items' puts, by item index
// (the raw documents, so that a change is seen by comparing them).
func readCorrections(ctx context.Context, st docsGetter, items []store.Applied) (map[int]string, error) {
	byWS := map[string][]int{}
	for i, it := range items {
		if it.Entry.Event.Kind == feedbackbot.EventPut {
			ws := it.Entry.Event.Message.Workspace
			byWS[ws] = append(byWS[ws], i)
		}
	}
	out := map[int]string{}
	for ws, idx := range byWS {
		keys := make([]string, len(idx))
		for j, i := range idx {
			keys[j] = items[i].Entry.Event.Message.Key()
		}
		docs, err := st.GetDocs(ctx, ws, DocCorrection, keys...)
		if err != nil {
			return nil, fmt.Errorf("read corrections: %w", err)
		}
		for j, i := range idx {
			if raw, ok := docs[keys[j]]; ok {
				out[i] = string(raw)
			}
		}
	}
	return out, nil
}

// MessageRef turns what staff paste to name a message into its key in workspace
// of platform (where the command was typed): a Slack message link
// (https://x.slack.com/archives/C123/p1700000000123456, a thread reply's
// ?thread_ts included; Slack may send it as <link> or <link|label>), a Discord
// message link (https://discord.com/channels/GUILD/CHANNEL/MESSAGE, ptb. and
// canary. too), or a message key itself (slack/T1/C1:1700000000.123456). A link
// into another workspace or server, or of the other platform, is EINVALID, saying
// so.
func MessageRef(ref, workspace string, platform feedbackbot.Platform) (string, error) {
	ref = strings.TrimSpace(ref)
	if strings.HasPrefix(ref, "<") && strings.HasSuffix(ref, ">") {
		ref, _, _ = strings.Cut(ref[1:len(ref)-1], "|")
	}
	bad := func(why string) error {
		return feedbackbot.Errorf(feedbackbot.EINVALID, "`%s` is not a message link I can read: %s. %s",
			feedbackbot.EscapeMarkup(ShortText(ref, 80)), why, "Copy the message's link (Slack: ⋯ › Copy link; Discord: ⋯ › Copy Message Link).")
	}
	other := func(p feedbackbot.Platform) error {
		if platform != "" && platform != p && platform != feedbackbot.PlatformManual {
			return feedbackbot.Errorf(feedbackbot.EINVALID, "That is a %s message: correct it from %s, where it was captured.", platformName(p), platformName(p))
		}
		return nil
	}
	if !strings.Contains(ref, "://") {
		p, ws, id, err := feedbackbot.ParseKey(ref)
		if err != nil {
			return "", bad("it is neither a link nor a message key")
		}
		if ws != workspace {
			return "", feedbackbot.Errorf(feedbackbot.EINVALID, "That message is in another workspace (%s); correct it from there.", feedbackbot.EscapeMarkup(ws))
		}
		return string(p) + "/" + ws + "/" + id, nil
	}
	u, err := url.Parse(ref)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") {
		return "", bad("it is not a web address")
	}
	parts := strings.Split(strings.Trim(u.Path, "/"), "/")
	host := strings.ToLower(u.Hostname())
	isHost := func(domain string) bool { return host == domain || strings.HasSuffix(host, "."+domain) }
	switch {
	case isHost("slack.com") && len(parts) >= 3 && parts[0] == "archives":
		if err := other(feedbackbot.PlatformSlack); err != nil {
			return "", err
		}
		channel, p := parts[1], parts[2]
		digits := strings.TrimPrefix(p, "p")
		if channel == "" || len(digits) != len(p)-1 || len(digits) < 7 || strings.Trim(digits, "0123456789") != "" {
			return "", bad("its last part should be p and the message's time stamp, as Slack's Copy link gives it")
		}
		ts := digits[:len(digits)-6] + "." + digits[len(digits)-6:]
		return string(feedbackbot.PlatformSlack) + "/" + workspace + "/" + channel + ":" + ts, nil
	case (isHost("discord.com") || isHost("discordapp.com")) && len(parts) == 4 && parts[0] == "channels":
		if err := other(feedbackbot.PlatformDiscord); err != nil {
			return "", err
		}
		guild, msg := parts[1], parts[3]
		if guild == "@me" {
			return "", feedbackbot.Errorf(feedbackbot.EINVALID, "That is a direct message, not a server's: the bot captures only its servers' channels.")
		}
		if msg == "" || strings.Trim(msg, "0123456789") != "" {
			return "", bad("it ends in no message id")
		}
		if guild != workspace {
			return "", feedbackbot.Errorf(feedbackbot.EINVALID, "That message is in another Discord server (%s); correct it from there.", feedbackbot.EscapeMarkup(guild))
		}
		return string(feedbackbot.PlatformDiscord) + "/" + guild + "/" + msg, nil
	}
	return "", bad("it is not a Slack or Discord message link")
}

// platformName names a platform for people ("Slack", "Discord").
func platformName(p feedbackbot.Platform) string {
	if p == "" {
		return ""
	}
	return strings.ToUpper(string(p[:1])) + string(p[1:])
}

// ParseCorrection reads the changes of a correct command (see CorrectUsage),
// against the configured theme names (any case; the configured spelling is
// kept); removable are themes an earlier correction added, which `-name` takes
// away even when the taxonomy no longer has them. undo is true for `undo` alone.
func ParseCorrection(words []string, themes, removable []string) (c feedbackbot.Correction, undo bool, err error) {
	invalid := func(format string, args ...any) error {
		return feedbackbot.Errorf(feedbackbot.EINVALID, format, args...)
	}
	find := func(names []string, name string) (string, bool) {
		i := slices.IndexFunc(names, func(n string) bool { return strings.EqualFold(n, name) })
		if i < 0 {
			return "", false
		}
		return names[i], true
	}
	theme := func(name string, remove bool) (string, error) {
		name = strings.TrimSpace(name)
		if t, ok := find(themes, name); ok {
			return t, nil
		}
		if t, ok := find(removable, name); ok && remove {
			return t, nil
		}
		return "", invalid("There is no theme `%s`. The themes are %s.", feedbackbot.EscapeMarkup(ShortText(name, 40)), "`"+strings.Join(themes, "`, `")+"`")
	}
	intent := func(v string) (feedbackbot.Intent, bool) {
		i := feedbackbot.Intent(strings.ToLower(v))
		return i, slices.Contains(feedbackbot.Intents(), i)
	}
	// What each field was set to, and by which word, to refuse "positive negative"
	// (and take "negative sentiment=negative").
	set, by := map[string]string{}, map[string]string{}
	once := func(field, value, word string) error {
		if prev, ok := set[field]; ok && prev != value {
			return invalid("`%s` and `%s` both set the %s; give one.", feedbackbot.EscapeMarkup(by[field]), feedbackbot.EscapeMarkup(ShortText(word, 40)), field)
		}
		set[field], by[field] = value, word
		return nil
	}
	addOrRemove := "" // the first +theme or -theme word
	for _, w := range words {
		lw := strings.ToLower(w)
		key, val, hasEq := strings.Cut(lw, "=")
		switch {
		case lw == "undo" || lw == "reset":
			if len(words) > 1 {
				return c, false, invalid("`undo` takes no other changes: it puts analysis's tags back.")
			}
			return c, true, nil
		case lw == "positive" || lw == "neutral" || lw == "negative" || (hasEq && key == "sentiment"):
			l := lw
			if hasEq {
				l = val
			}
			if l != "positive" && l != "neutral" && l != "negative" {
				return c, false, invalid("The sentiment is `positive`, `neutral` or `negative`, not `%s`.", feedbackbot.EscapeMarkup(ShortText(val, 40)))
			}
			if err := once("sentiment", l, w); err != nil {
				return c, false, err
			}
			c.Sentiment = feedbackbot.SentimentLabel(l)
		case hasEq && key == "intent":
			i, ok := intent(val)
			if !ok {
				return c, false, invalid("There is no intent `%s`. The intents are `question`, `bug_report`, `feature_request`, `complaint`, `praise`, `churn_signal` and `other`.", feedbackbot.EscapeMarkup(ShortText(val, 40)))
			}
			if err := once("intent", string(i), w); err != nil {
				return c, false, err
			}
			c.Intent = i
		case hasEq && (key == "themes" || key == "theme"):
			if addOrRemove != "" {
				return c, false, invalid("`%s` and `%s`: set the themes exactly or add and take away, not both.", feedbackbot.EscapeMarkup(ShortText(addOrRemove, 40)), feedbackbot.EscapeMarkup(ShortText(w, 40)))
			}
			if err := once("themes", val, w); err != nil {
				return c, false, err
			}
			c.OnlyThemes, c.AddThemes, c.RemoveThemes = true, nil, nil
			for _, n := range strings.Split(val, ",") {
				if strings.TrimSpace(n) == "" {
					continue
				}
				t, err := theme(n, false)
				if err != nil {
					return c, false, err
				}
				if !slices.Contains(c.AddThemes, t) {
					c.AddThemes = append(c.AddThemes, t)
				}
			}
		case hasEq && (key == "reply" || key == "needs_reply"):
			var v bool
			switch val {
			case "yes", "true", "y":
				v = true
			case "no", "false", "n":
			default:
				return c, false, invalid("`reply=` is `yes` (it waits for an answer) or `no`, not `%s`.", feedbackbot.EscapeMarkup(ShortText(val, 40)))
			}
			if err := once("reply", strconv.FormatBool(v), w); err != nil {
				return c, false, err
			}
			c.NeedsReply = &v
		case strings.HasPrefix(lw, "+") || strings.HasPrefix(lw, "-"):
			if _, ok := set["themes"]; ok {
				return c, false, invalid("`%s` and `%s`: set the themes exactly or add and take away, not both.", feedbackbot.EscapeMarkup(by["themes"]), feedbackbot.EscapeMarkup(ShortText(w, 40)))
			}
			if addOrRemove == "" {
				addOrRemove = w
			}
			t, err := theme(lw[1:], lw[0] == '-')
			if err != nil {
				return c, false, err
			}
			// each word merged over the ones before, as a later correction is
			if lw[0] == '+' {
				c = c.Merge(feedbackbot.Correction{AddThemes: []string{t}})
			} else {
				c = c.Merge(feedbackbot.Correction{RemoveThemes: []string{t}})
			}
		default:
			if i, ok := intent(lw); ok && !hasEq {
				if err := once("intent", string(i), w); err != nil {
					return c, false, err
				}
				c.Intent = i
				continue
			}
			hint := ""
			if t, ok := find(themes, lw); ok {
				hint = fmt.Sprintf(" To tag the theme, write `+%s`.", t)
			}
			return c, false, invalid("I don't know the change `%s`.%s %s", feedbackbot.EscapeMarkup(ShortText(w, 40)), hint, CorrectUsage)
		}
	}
	return c, false, nil
}

// correct answers "correct LINK [changes…]": it stores staff's correction of a
// message's tags (merged over an earlier one), applies it at once (the rollups,
// health and digests count the message as corrected), and says what changed.
// The message's lease holds the read, the write and the apply together, so two
// staff correcting one message at once both count; an edit that lands meanwhile
// is analysed and corrected again (and the worker, which reads corrections again
// after it applies, puts a correction saved during its batch back over it).
func (b *Bot) correct(ctx context.Context, cmd feedbackbot.Command, rest string, now time.Time) (feedbackbot.Document, error) {
	rest = strings.TrimSpace(rest)
	if rest == "" {
		return feedbackbot.Document{}, feedbackbot.Errorf(feedbackbot.EINVALID, "%s", CorrectUsage)
	}
	ref, changes := firstWordOrLink(rest)
	key, err := MessageRef(ref, cmd.Workspace, cmd.Platform)
	if err != nil {
		return feedbackbot.Document{}, err
	}
	if b.Analyzer == nil {
		return feedbackbot.Document{}, errors.New("correct: the bot has no analyzer")
	}
	var doc feedbackbot.Document
	err = withLease(ctx, b.Store, "correct:"+key, "the message's correction", func() error {
		var err error
		doc, err = b.correctHeld(ctx, cmd, key, strings.Fields(changes), now)
		return err
	})
	return doc, err
}

// firstWordOrLink splits s into its first word, or a Slack-style <link|label>
// whose label may hold spaces, and the rest.
func firstWordOrLink(s string) (first, rest string) {
	if strings.HasPrefix(s, "<") {
		if i := strings.IndexByte(s, '>'); i > 0 {
			return s[:i+1], s[i+1:]
		}
	}
	first, rest, _ = strings.Cut(s, " ")
	return first, rest
}

// correctHeld is correct's work, under the message's lease.
func (b *Bot) correctHeld(ctx context.Context, cmd feedbackbot.Command, key string, words []string, now time.Time) (feedbackbot.Document, error) {
	m, found, err := b.Store.Newest(ctx, key)
	if err != nil {
		return feedbackbot.Document{}, fmt.Errorf("correct: read the message: %w", err)
	}
	if !found {
		return feedbackbot.Document{}, feedbackbot.Errorf(feedbackbot.ENOTFOUND,
			"I hold no message at that link: it was never captured here (a channel the bot is not in, or before it joined and outside any import), or it was deleted or erased since.")
	}
	var old feedbackbot.Correction
	raw, err := b.Store.GetDoc(ctx, cmd.Workspace, DocCorrection, key)
	hadOne := err == nil
	switch {
	case err == nil:
		if err := json.Unmarshal(raw, &old); err != nil {
			old = feedbackbot.Correction{} // damaged: this correction replaces it
		}
	case feedbackbot.ErrorCode(err) != feedbackbot.ENOTFOUND:
		return feedbackbot.Document{}, fmt.Errorf("correct: read the earlier correction: %w", err)
	}
	// Audited as soon as the message is found, before anything of it is shown
	// ("correct LINK" alone showed a customer's words, unaudited: a review's find):
	// one entry a command, naming what it asked for; unaudited, nothing is shown.
	if err := b.audit(ctx, cmd, correctAction(words, hadOne), key, now); err != nil {
		return feedbackbot.Document{}, err
	}
	if !m.FromCustomer() {
		// (their tags count in no figure: "Corrected … count this message so" was untrue)
		return feedbackbot.Document{}, feedbackbot.Errorf(feedbackbot.EINVALID,
			"That message is by %s: only customers' messages count in sentiment, themes, digests and account health, so there is nothing to correct.", m.Role)
	}
	fix, undo, err := ParseCorrection(words, b.Themes, old.AddThemes)
	if err != nil {
		return feedbackbot.Document{}, err
	}
	tagsOf := func(m *feedbackbot.Message, c feedbackbot.Correction) (analysed, corrected feedbackbot.Tags) {
		analysed = b.Analyzer.AnalyzeMessage(m)
		return analysed, withKnownThemes(c.Apply(analysed, true), analysed, b.Themes)
	}
	if len(words) == 0 {
		analysed, tags := tagsOf(&m, old)
		return ephemeral(correctionView(m, analysed, tags, old)), nil
	}
	if undo && !hadOne {
		analysed, tags := tagsOf(&m, old)
		return ephemeral("*Nothing to undo:* that message has no correction.\n" + correctionView(m, analysed, tags, old)), nil
	}
	merged := old.Merge(fix)
	merged.MessageTime, merged.By, merged.At = m.Time, cmd.User, now
	if undo {
		merged = feedbackbot.Correction{}
	}
	if merged.Empty() {
		if err := b.Store.DeleteDoc(ctx, cmd.Workspace, DocCorrection, key); err != nil && feedbackbot.ErrorCode(err) != feedbackbot.ENOTFOUND {
			return feedbackbot.Document{}, fmt.Errorf("correct: remove the correction: %w", err)
		}
	} else {
		raw, err := json.Marshal(merged)
		if err != nil {
			return feedbackbot.Document{}, fmt.Errorf("correct: %w", err)
		}
		if err := b.Store.PutDoc(ctx, cmd.Workspace, DocCorrection, key, raw); err != nil {
			return feedbackbot.Document{}, fmt.Errorf("correct: save: %w", err)
		}
	}
	// Applied to the newest version; an edit that lands meanwhile (its put then
	// makes this one's a no-op) is tagged and applied again, a few times at most.
	var analysed, tags feedbackbot.Tags
	for try := 0; ; try++ {
		analysed, tags = tagsOf(&m, merged)
		item := store.Applied{Entry: store.Entry{Workspace: cmd.Workspace, Event: feedbackbot.Event{Kind: feedbackbot.EventPut, Message: m}}, Tags: tags}
		if _, err := b.Store.Apply(ctx, item); err != nil {
			// Saved: the worker applies it when it next analyses the message, and
			// reanalyze does; say so rather than that nothing happened.
			return feedbackbot.Document{}, fmt.Errorf("correct: the correction is saved but the totals were not updated yet (run the command again, or reanalyze): %w", err)
		}
		latest, found, err := b.Store.Newest(ctx, key)
		if err != nil || !found || latest.Revision() == m.Revision() || try == 3 {
			break
		}
		m = latest
	}
	head := "*Corrected.* Digests, account health and alerts count this message so from now on."
	if undo {
		head = "*Correction removed.* The message has analysis's tags again."
	}
	return ephemeral(head + "\n" + correctionView(m, analysed, tags, merged)), nil
}

// correctAction is the audit action of a correct command with the changes words,
// of a message that has a correction (hadOne) or not: "correct.view" when it only
// shows the message (no changes, or an undo with nothing to undo),
// "correct.undo", else "correct" (changes that ParseCorrection may yet refuse:
// the entry records what was asked, before the message is read out).
func correctAction(words []string, hadOne bool) string {
	undo := len(words) == 1 && (strings.EqualFold(words[0], "undo") || strings.EqualFold(words[0], "reset"))
	switch {
	case len(words) == 0 || undo && !hadOne:
		return "correct.view"
	case undo:
		return "correct.undo"
	}
	return "correct"
}

// correctionView shows a message and its tags: as analysis gave them, and as
// corrected where they differ.
func correctionView(m feedbackbot.Message, analysed, now feedbackbot.Tags, c feedbackbot.Correction) string {
	var sb strings.Builder
	who := m.AuthorName
	if who == "" {
		who = m.Author
	}
	fmt.Fprintf(&sb, "> “%s” — %s, %s\n", replyQuote(feedbackbot.QuoteText(m), 200), feedbackbot.EscapeMarkup(ShortText(who, 40)),
		linked(m.Time.UTC().Format("Jan 2 15:04 UTC"), m.Permalink))
	field := func(name, got, was string) {
		if got == was {
			fmt.Fprintf(&sb, "• %s: %s\n", name, got)
		} else {
			fmt.Fprintf(&sb, "• %s: *%s* (analysis: %s)\n", name, got, was)
		}
	}
	field("sentiment", fmt.Sprintf("%s %+.2f", now.Sentiment.Label, now.Sentiment.Score), fmt.Sprintf("%s %+.2f", analysed.Sentiment.Label, analysed.Sentiment.Score))
	field("intent", string(now.Intent), string(analysed.Intent))
	field("themes", themeList(now.Themes), themeList(analysed.Themes))
	field("waits for a reply", yesNo(now.NeedsReply), yesNo(analysed.NeedsReply))
	if !c.Empty() && c.By != "" {
		fmt.Fprintf(&sb, "Corrected by %s on %s.", feedbackbot.EscapeMarkup(c.By), c.At.UTC().Format("Jan 2 15:04 UTC"))
	} else if c.Empty() {
		sb.WriteString("Not corrected: these are analysis's tags.")
	}
	return strings.TrimRight(sb.String(), "\n")
}

func themeList(ts []string) string {
	if len(ts) == 0 {
		return "none"
	}
	return strings.Join(ts, ", ")
}

func yesNo(v bool) string {
	if v {
		return "yes"
	}
	return "no"
}

// correctionDocs is what dropCorrections needs.
type correctionDocs interface {
	ListDocs(ctx context.Context, workspace, kind string) (map[string][]byte, error)
	PutDoc(ctx context.Context, workspace, kind, id string, data []byte) error
	DeleteDoc(ctx context.Context, workspace, kind, id string) error
}

// dropCorrections deletes the corrections drop selects (those of expired or erased
// messages) and takes the name of the staff member by out of the others (an
// erased person's id must not stay behind as a corrector). It returns how many it
// deleted and how many it took by's name out of. A correction that cannot be read
// is deleted only when drop selects it by key.
func dropCorrections(ctx context.Context, st correctionDocs, workspace string, drop func(key string, c feedbackbot.Correction) bool, by string) (dropped, unsigned int, err error) {
	docs, err := st.ListDocs(ctx, workspace, DocCorrection)
	if err != nil {
		return 0, 0, fmt.Errorf("corrections: %w", err)
	}
	for key, raw := range docs {
		var c feedbackbot.Correction
		damaged := json.Unmarshal(raw, &c) != nil
		switch {
		case drop(key, c):
			if err := st.DeleteDoc(ctx, workspace, DocCorrection, key); err != nil && !feedbackbot.IsNotFound(err) {
				return dropped, unsigned, fmt.Errorf("correction of %s: %w", key, err)
			}
			dropped++
		case !damaged && signedBy(c, by):
			c.By = ""
			b, err := json.Marshal(c)
			if err != nil {
				return dropped, unsigned, err
			}
			if err := st.PutDoc(ctx, workspace, DocCorrection, key, b); err != nil {
				return dropped, unsigned, fmt.Errorf("correction of %s: %w", key, err)
			}
			unsigned++
		}
	}
	return dropped, unsigned, nil
}

// signedBy reports whether the staff member by made the correction ("" is no one).
func signedBy(c feedbackbot.Correction, by string) bool { return by != "" && c.By == by }

// signedCorrections counts the readable corrections the staff member by made, whose
// name ForgetPerson takes out (PersonHeld).
func signedCorrections(ctx context.Context, st correctionDocs, workspace, by string) (int, error) {
	docs, err := st.ListDocs(ctx, workspace, DocCorrection)
	if err != nil {
		return 0, fmt.Errorf("corrections: %w", err)
	}
	n := 0
	for _, raw := range docs {
		var c feedbackbot.Correction
		if json.Unmarshal(raw, &c) == nil && signedBy(c, by) {
			n++
		}
	}
	return n, nil
}
