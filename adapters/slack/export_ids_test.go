package slackadapter

import (
	"context"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/feedbackbot/feedbackbot"
	"github.com/feedbackbot/feedbackbot/bot"
	"github.com/feedbackbot/feedbackbot/store"
)

// exportFixture is the export under testdata/dir as an export's files (path in the
// zip -> content).
func exportFixture(t *testing.T, dir string) map[string]string {
	t.Helper()
	root := filepath.Join("testdata", dir)
	files := map[string]string{}
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		rel, err := filepath.Rel(root, p)
		files[filepath.ToSlash(rel)] = string(b)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return files
}

// storedMessages is every message the log of workspace ws holds.
func storedMessages(t *testing.T, st store.Store, ws string) []feedbackbot.Message {
	t.Helper()
	var out []feedbackbot.Message
	if err := st.Replay(context.Background(), ws, func(e store.Entry) error {
		out = append(out, e.Event.Message)
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	return out
}

// TestImportSkipsChannelsWhoseIDIsNotASlackID: a channel list's id goes into each
// of its messages' ids and links (Permalink), and a digest put the link, as it
// was, into the <url|label> of each quote: channels.json naming the id
// "CBETA|Nov 2><!channel>" pinged the internal channel from every digest quoting
// that channel (a review's find). A channel whose id is not C, G or D and capital
// letters and digits is skipped, named in the summary with its id, and its
// messages counted as skipped for that reason; every other channel imports.
func TestImportSkipsChannelsWhoseIDIsNotASlackID(t *testing.T) {
	st := openStore(t)
	sum, err := ImportExport(context.Background(), writeZip(t, exportFixture(t, "export_bad_ids")),
		ImportOptions{HomeTeam: home, TeamDomain: "acme"}, st)
	if err != nil {
		t.Fatal(err)
	}
	if sum.Appended != 4 || sum.Messages != 13 || sum.Files != 10 || sum.Skipped[skipBadChannelID] != 9 || sum.FilesSkipped != 0 {
		t.Errorf("summary %+v; want the 4 messages of the 3 good channels in, the 9 of 7 bad ids skipped as such", sum)
	}
	if sum.Problems() != 9 {
		t.Errorf("Problems() = %d, want the 9 messages skipped (the import must not pass as clean)", sum.Problems())
	}
	bad := []struct {
		list, id, folder string
		messages         int
	}{
		{"channels.json", "CBETA|Nov 2><!channel>", "ext-beta", 2},
		{"channels.json", "cgamma", "ext-gamma", 2},
		{"channels.json", "CDELTA ", "ext-delta", 1},
		{"channels.json", "C" + strings.Repeat("A1", 20), "ext-long", 1},
		{"channels.json", "", "ext-noid", 1},
		{"groups.json", "G1\x1b[2J", "acme-x", 1},
		{"dms.json", "XDM1", "XDM1", 1},
	}
	all := strings.Join(sum.Errors, "\n")
	if len(sum.Errors) != len(bad) {
		t.Errorf("want one problem line per bad channel, got %d:\n%s", len(sum.Errors), all)
	}
	for _, b := range bad {
		t.Run(b.folder, func(t *testing.T) {
			var line string
			for _, e := range sum.Errors {
				if strings.Contains(e, " in "+b.folder+"/ skipped") {
					line = e
				}
			}
			id := "its id " + strconv.Quote(b.id) + " is not a Slack channel id"
			if b.id == "" {
				id = "it has no id, and needs a Slack channel id"
			}
			want := []string{b.list + ": ", id,
				feedbackbot.CountNoun(b.messages, "message", "messages") + " of 1 daily file in " + b.folder + "/"}
			for _, w := range want {
				if !strings.Contains(line, w) {
					t.Errorf("the channel is not named as %q:\n%s", w, all)
				}
			}
			if strings.ContainsAny(line, "\x1b\n") {
				t.Errorf("a problem line carries the id's control characters: %q", line)
			}
		})
	}
	msgs := storedMessages(t, st, home)
	if len(msgs) != 4 {
		t.Fatalf("stored %d messages, want 4", len(msgs))
	}
	for _, m := range msgs {
		if !slackChannelID(m.Channel) || !feedbackbot.LinkURL(m.Permalink) ||
			m.Permalink != "https://acme.slack.com/archives/"+m.Channel+"/p"+strings.ReplaceAll(strings.TrimPrefix(m.ID, m.Channel+":"), ".", "") {
			t.Errorf("stored %s with channel %q and link %q", m.Key(), m.Channel, m.Permalink)
		}
	}
}

// TestImportedQuotesLinkWithoutMarkup: what TestImportSkipsChannelsWhoseIDIsNotASlackID
// imports, quoted in a digest as the bot quotes (ShortText of QuoteText, with the
// message's link), renders to Slack blocks whose only markup is the quotes' links
// to acme.slack.com: no <!channel>, no link ended early.
func TestImportedQuotesLinkWithoutMarkup(t *testing.T) {
	st := openStore(t)
	if _, err := ImportExport(context.Background(), writeZip(t, exportFixture(t, "export_bad_ids")),
		ImportOptions{HomeTeam: home, TeamDomain: "acme"}, st); err != nil {
		t.Fatal(err)
	}
	msgs := storedMessages(t, st, home)
	var qs []feedbackbot.Quote
	for _, m := range msgs {
		qs = append(qs, feedbackbot.Quote{MessageKey: m.Key(), Account: m.Account, Author: m.Author,
			Text: bot.ShortText(feedbackbot.QuoteText(m), bot.MaxQuoteRunes), Time: m.Time, Permalink: m.Permalink})
	}
	at := time.Unix(1793606400, 0).UTC()
	d := feedbackbot.Digest{From: at.Add(-time.Hour), To: at.Add(time.Hour), Messages: int64(len(qs)), Complaints: qs}
	spans := markupSpans(renderedText(t, bot.DigestDocument(d, nil)))
	for _, link := range spans {
		if !strings.HasPrefix(link, "<https://acme.slack.com/archives/") || strings.Count(link, "|") != 1 || !strings.HasSuffix(link, "|Nov 2>") {
			t.Errorf("markup other than a quote's link: %q", link)
		}
	}
	if len(spans) != len(msgs) {
		t.Errorf("%d links for %d quotes: %q", len(spans), len(msgs), spans)
	}
}

// TestSlackChannelID: the ids Slack gives conversations (C, G or D, then capital
// letters and digits) and nothing else.
func TestSlackChannelID(t *testing.T) {
	for _, tt := range []struct {
		id   string
		want bool
	}{
		{"C0123ABCD", true},
		{"C05KXRJ1G2L", true},
		{"GESC", true},
		{"DACMEDM", true},
		{"C1", true},
		{"C" + strings.Repeat("9", maxChannelID-1), true},
		{"C" + strings.Repeat("9", maxChannelID), false},
		{"", false},
		{"C", false},
		{"cacme", false},
		{"Cacme", false},
		{"UDANA", false},
		{"TACME", false},
		{"C ACME", false},
		{"CACME\n", false},
		{"CACME|Nov 2><!channel>", false},
		{"C1/../C2", false},
		{"C1\x1b[2J", false},
		{"CÄ1", false},
	} {
		if got := slackChannelID(tt.id); got != tt.want {
			t.Errorf("slackChannelID(%q) = %v, want %v", tt.id, got, tt.want)
		}
	}
}

// TestPermalinkOnlyOfSlackIDs: a message's link to Slack is made of a Slack
// channel id and ts only, and left out otherwise (live capture makes them too).
func TestPermalinkOnlyOfSlackIDs(t *testing.T) {
	for _, tt := range []struct {
		domain, channel, ts, thread, want string
	}{
		{"acme", "C05KXRJ1G2L", "1793606400.000100", "", "https://acme.slack.com/archives/C05KXRJ1G2L/p1793606400000100"},
		{"acme.enterprise", "GESC", "1793606400", "", "https://acme.enterprise.slack.com/archives/GESC/p1793606400"},
		{"", "C1", "1793606400.000100", "", ""},
		{"acme", "CACME|Nov 2><!channel>", "1793606400.000100", "", ""},
		{"acme", "c1", "1793606400.000100", "", ""},
		{"acme", "C1", "1793606400.000100|x", "", ""},
		{"acme", "C1", "", "", ""},
		// a thread reply's link names its thread, as chat.getPermalink's do
		{"acme", "C1", "1793606400.000200", "1793606400.000100",
			"https://acme.slack.com/archives/C1/p1793606400000200?thread_ts=1793606400.000100&cid=C1"},
		// a thread's parent is no reply
		{"acme", "C1", "1793606400.000100", "1793606400.000100", "https://acme.slack.com/archives/C1/p1793606400000100"},
		// a thread ts that is not Slack's is left out
		{"acme", "C1", "1793606400.000200", "1.1&cid=C2|x>", "https://acme.slack.com/archives/C1/p1793606400000200"},
	} {
		if got := permalink(tt.domain, tt.channel, tt.ts, tt.thread); got != tt.want {
			t.Errorf("permalink(%q, %q, %q, %q) = %q, want %q", tt.domain, tt.channel, tt.ts, tt.thread, got, tt.want)
		}
	}
}
