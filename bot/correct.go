package bot

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"slices"
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

// applyCorrections puts stored corrections over the tags of the batch's puts (one
// GetDocs a workspace). A correction that cannot be read is left out, named in
// bad, and the message keeps analysis's tags: one damaged document must not stop
// the pipeline.
func applyCorrections(ctx context.Context, st docsGetter, items []store.Applied) (bad []string, err error) {
	byWS := map[string][]int{}
	for i, it := range items {
		if it.Entry.Event.Kind == feedbackbot.EventPut {
			ws := it.Entry.Event.Message.Workspace
			byWS[ws] = append(byWS[ws], i)
		}
	}
	for ws, idx := range byWS {
		keys := make([]string, len(idx))
		for j, i := range idx {
			keys[j] = items[i].Entry.Event.Message.Key()
		}
		docs, err := st.GetDocs(ctx, ws, DocCorrection, keys...)
		if err != nil {
			return nil, fmt.Errorf("read corrections: %w", err)
		}
		if len(docs) == 0 {
			continue
		}
		for j, i := range idx {
			raw, ok := docs[keys[j]]
			if !ok {
				continue
			}
			var c feedbackbot.Correction
			if err := json.Unmarshal(raw, &c); err != nil {
				bad = append(bad, keys[j])
				continue
			}
			items[i].Tags = c.Apply(items[i].Tags, isCustomer(&items[i].Entry.Event.Message))
		}
	}
	return bad, nil
}

// isCustomer says whether m's author is a customer, as analysis decides it (a
// message of no role is taken for a customer's).
func isCustomer(m *feedbackbot.Message) bool {
	return m.Role == feedbackbot.RoleCustomer || m.Role == ""
}

// MessageRef turns what staff paste to name a message into its key in workspace:
// a Slack message link (https://x.slack.com/archives/C123/p1700000000123456, a
// thread reply's ?thread_ts included; Slack may send it as <link> or <link|label>),
// a Discord message link (https://discord.com/channels/GUILD/CHANNEL/MESSAGE), or
// a message key itself (slack/T1/C1:1700000000.123456, as the CLI prints keys). A
// link into another workspace or server is EINVALID, saying so.
func MessageRef(ref, workspace string) (string, error) {
	ref = strings.TrimSpace(ref)
	if strings.HasPrefix(ref, "<") && strings.HasSuffix(ref, ">") {
		ref, _, _ = strings.Cut(ref[1:len(ref)-1], "|")
	}
	bad := func(why string) error {
		return feedbackbot.Errorf(feedbackbot.EINVALID, "`%s` is not a message link I can read: %s. %s",
			feedbackbot.EscapeMarkup(ShortText(ref, 80)), why, "Copy the message's link (Slack: ⋯ › Copy link; Discord: ⋯ › Copy Message Link).")
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
	switch {
	case strings.HasSuffix(host, ".slack.com") && len(parts) >= 3 && parts[0] == "archives":
		channel, p := parts[1], parts[2]
		digits := strings.TrimPrefix(p, "p")
		if channel == "" || len(digits) != len(p)-1 || len(digits) < 7 || strings.Trim(digits, "0123456789") != "" {
			return "", bad("its last part should be p and the message's time stamp, as Slack's Copy link gives it")
		}
		ts := digits[:len(digits)-6] + "." + digits[len(digits)-6:]
		return string(feedbackbot.PlatformSlack) + "/" + workspace + "/" + channel + ":" + ts, nil
	case (host == "discord.com" || host == "discordapp.com" || strings.HasSuffix(host, ".discord.com")) && len(parts) == 4 && parts[0] == "channels":
		guild, msg := parts[1], parts[3]
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

// ParseCorrection reads the changes of a correct command (see CorrectUsage),
// against the configured theme names. undo is true for `undo` alone.
func ParseCorrection(words []string, themes []string) (c feedbackbot.Correction, undo bool, err error) {
	invalid := func(format string, args ...any) error {
		return feedbackbot.Errorf(feedbackbot.EINVALID, format, args...)
	}
	theme := func(name string) (string, error) {
		name = strings.ToLower(strings.TrimSpace(name))
		if !slices.Contains(themes, name) {
			return "", invalid("There is no theme `%s`. The themes are %s.", feedbackbot.EscapeMarkup(ShortText(name, 40)), "`"+strings.Join(themes, "`, `")+"`")
		}
		return name, nil
	}
	intent := func(v string) (feedbackbot.Intent, bool) {
		i := feedbackbot.Intent(strings.ToLower(v))
		return i, slices.Contains(feedbackbot.Intents(), i)
	}
	set := map[string]string{} // what each field was set by, to refuse "positive negative"
	once := func(field, word string) error {
		if prev, ok := set[field]; ok && !strings.EqualFold(prev, word) {
			return invalid("`%s` and `%s` both set the %s; give one.", feedbackbot.EscapeMarkup(prev), feedbackbot.EscapeMarkup(ShortText(word, 40)), field)
		}
		set[field] = word
		return nil
	}
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
			if err := once("sentiment", w); err != nil {
				return c, false, err
			}
			c.Sentiment = feedbackbot.SentimentLabel(l)
		case hasEq && key == "intent":
			i, ok := intent(val)
			if !ok {
				return c, false, invalid("There is no intent `%s`. The intents are `question`, `bug_report`, `feature_request`, `complaint`, `praise`, `churn_signal` and `other`.", feedbackbot.EscapeMarkup(ShortText(val, 40)))
			}
			if err := once("intent", w); err != nil {
				return c, false, err
			}
			c.Intent = i
		case hasEq && (key == "themes" || key == "theme"):
			if err := once("themes", w); err != nil {
				return c, false, err
			}
			c.OnlyThemes, c.AddThemes, c.RemoveThemes = true, nil, nil
			for _, n := range strings.Split(val, ",") {
				if strings.TrimSpace(n) == "" {
					continue
				}
				t, err := theme(n)
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
			if err := once("reply", w); err != nil {
				return c, false, err
			}
			c.NeedsReply = &v
		case strings.HasPrefix(lw, "+") || strings.HasPrefix(lw, "-"):
			if set["themes"] != "" {
				return c, false, invalid("`%s` and `%s`: set the themes exactly or add and take away, not both.", feedbackbot.EscapeMarkup(set["themes"]), feedbackbot.EscapeMarkup(ShortText(w, 40)))
			}
			t, err := theme(lw[1:])
			if err != nil {
				return c, false, err
			}
			if lw[0] == '+' {
				c.RemoveThemes = without(c.RemoveThemes, t)
				if !slices.Contains(c.AddThemes, t) {
					c.AddThemes = append(c.AddThemes, t)
				}
			} else {
				c.AddThemes = without(c.AddThemes, t)
				if !slices.Contains(c.RemoveThemes, t) {
					c.RemoveThemes = append(c.RemoveThemes, t)
				}
			}
		default:
			if i, ok := intent(lw); ok && !hasEq {
				if err := once("intent", w); err != nil {
					return c, false, err
				}
				c.Intent = i
				continue
			}
			hint := ""
			if slices.Contains(themes, lw) {
				hint = fmt.Sprintf(" To tag the theme, write `+%s`.", lw)
			}
			return c, false, invalid("I don't know the change `%s`.%s %s", feedbackbot.EscapeMarkup(ShortText(w, 40)), hint, CorrectUsage)
		}
	}
	return c, false, nil
}

func without(s []string, v string) []string {
	return slices.DeleteFunc(slices.Clone(s), func(x string) bool { return x == v })
}

// correct answers "correct LINK [changes…]": it stores staff's correction of a
// message's tags (merged over an earlier one), applies it at once (the rollups,
// health and digests count the message as corrected), and says what changed.
func (b *Bot) correct(ctx context.Context, cmd feedbackbot.Command, rest string, now time.Time) (feedbackbot.Document, error) {
	words := strings.Fields(rest)
	if len(words) == 0 {
		return feedbackbot.Document{}, feedbackbot.Errorf(feedbackbot.EINVALID, "%s", CorrectUsage)
	}
	key, err := MessageRef(words[0], cmd.Workspace)
	if err != nil {
		return feedbackbot.Document{}, err
	}
	fix, undo, err := ParseCorrection(words[1:], b.Themes)
	if err != nil {
		return feedbackbot.Document{}, err
	}
	if b.Analyzer == nil {
		return feedbackbot.Document{}, errors.New("correct: the bot has no analyzer")
	}
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
	switch {
	case err == nil:
		if err := json.Unmarshal(raw, &old); err != nil {
			old = feedbackbot.Correction{} // damaged: this correction replaces it
		}
	case feedbackbot.ErrorCode(err) != feedbackbot.ENOTFOUND:
		return feedbackbot.Document{}, fmt.Errorf("correct: read the earlier correction: %w", err)
	}
	analysed := b.Analyzer.AnalyzeMessage(&m)
	customer := isCustomer(&m)
	before := old.Apply(analysed, customer)
	if len(words) == 1 {
		return ephemeral(correctionView(m, analysed, before, old)), nil
	}
	action := "correct"
	merged := old.Merge(fix)
	merged.MessageTime, merged.By, merged.At = m.Time, cmd.User, now
	if undo {
		action, merged = "correct.undo", feedbackbot.Correction{}
	}
	if err := b.audit(ctx, cmd, action, key, now); err != nil {
		return feedbackbot.Document{}, err
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
	after := merged.Apply(analysed, customer)
	item := store.Applied{Entry: store.Entry{Workspace: cmd.Workspace, Event: feedbackbot.Event{Kind: feedbackbot.EventPut, Message: m}}, Tags: after}
	if _, err := b.Store.Apply(ctx, item); err != nil {
		// Saved: the worker applies it when it next analyses the message, and
		// reanalyze does; say so rather than that nothing happened.
		return feedbackbot.Document{}, fmt.Errorf("correct: the correction is saved but the totals were not updated yet (run the command again, or reanalyze): %w", err)
	}
	head := "*Corrected.* Digests, account health and alerts count this message so from now on."
	if undo {
		head = "*Correction removed.* The message has analysis's tags again."
	}
	return ephemeral(head + "\n" + correctionView(m, analysed, after, merged)), nil
}

// correctionView shows a message and its tags: as analysis gave them, and as
// corrected where they differ.
func correctionView(m feedbackbot.Message, analysed, now feedbackbot.Tags, c feedbackbot.Correction) string {
	var sb strings.Builder
	who := m.AuthorName
	if who == "" {
		who = m.Author
	}
	fmt.Fprintf(&sb, "> “%s” — %s, %s\n", ShortText(feedbackbot.QuoteText(m), 200), feedbackbot.EscapeMarkup(ShortText(who, 40)),
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
// deleted. A correction that cannot be read is deleted only when drop selects it
// by key.
func dropCorrections(ctx context.Context, st correctionDocs, workspace string, drop func(key string, c feedbackbot.Correction) bool, by string) (int, error) {
	docs, err := st.ListDocs(ctx, workspace, DocCorrection)
	if err != nil {
		return 0, fmt.Errorf("corrections: %w", err)
	}
	n := 0
	for key, raw := range docs {
		var c feedbackbot.Correction
		damaged := json.Unmarshal(raw, &c) != nil
		switch {
		case drop(key, c):
			if err := st.DeleteDoc(ctx, workspace, DocCorrection, key); err != nil && !feedbackbot.IsNotFound(err) {
				return n, fmt.Errorf("correction of %s: %w", key, err)
			}
			n++
		case !damaged && by != "" && c.By == by:
			c.By = ""
			b, err := json.Marshal(c)
			if err != nil {
				return n, err
			}
			if err := st.PutDoc(ctx, workspace, DocCorrection, key, b); err != nil {
				return n, fmt.Errorf("correction of %s: %w", key, err)
			}
		}
	}
	return n, nil
}
