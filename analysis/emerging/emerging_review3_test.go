package emerging

import (
	"slices"
	"strings"
	"testing"
	"time"
)

// TestEnglishWordsAreNotOtherLanguages: the language guess counted "van", "door",
// "plus", "die", "car", "son" (English content words) as other languages' function
// words, and dropped them from English messages: "the van door sensor" was Dutch
// (van, door: 2 > the: 1) and "Maria de la Cruz ... plus plan" French (a
// review's find). Words that are English too tell no language, English's
// stopwords are English's, and another language needs two more than English.
func TestEnglishWordsAreNotOtherLanguages(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		{"the van door sensor reports open", "door"},
		{"van door sensor offline since update", "van"},
		{"Export for Maria de la Cruz fails with Plus plan", "plus"},
		{"die casting die quote is missing", "casting"}, // (kept: control)
		{"die casting die quote is missing", "die"},
	} {
		words := contentWords(tokensOf(c.in, true, nil), nil, nil)
		if !slices.Contains(words, c.want) {
			t.Errorf("%q (English): words %q lack %q", c.in, words, c.want)
		}
	}
	period := []Doc{
		{Key: "p1", Author: "U1", Time: t0, Text: "the van door sensor reports open"},
		{Key: "p2", Author: "U2", Time: t0, Text: "van door sensor stuck after update"},
		{Key: "p3", Author: "U3", Time: t0, Text: "our van door sensor shows the wrong state"},
		{Key: "p4", Author: "U4", Time: t0, Text: "how do I invite a teammate?"},
	}
	got := phrasesOf(Emerging(period, history(), 3, Vocabulary{}))
	if !slices.ContainsFunc(got, func(p string) bool { return strings.Contains(p, "door") }) {
		t.Errorf("three people's \"van door sensor\": phrases %q say nothing of doors", got)
	}
}

// TestHeadKeepsAWholeLastWord: a cut that fell right after a whole word (s[n] is
// a space) still backed up to the space before it and dropped that word (a
// review's find).
func TestHeadKeepsAWholeLastWord(t *testing.T) {
	s := strings.Repeat("abcd ", 799) + "vwxyz" + " tail words"
	if len(s[:maxTermBytes]) != maxTermBytes || s[maxTermBytes] != ' ' {
		t.Fatal("setup")
	}
	if got := head(s, maxTermBytes); !strings.HasSuffix(got, "vwxyz") {
		t.Errorf("head ends %q: the whole word \"vwxyz\" that ends at byte %d is dropped", got[len(got)-10:], maxTermBytes)
	}
}

// TestNoTwoThemesShareALabel: the digest's k (3) gave two themes both labelled
// "odd" (a phrase strongest in two clusters: a review's find). A label is one
// theme's; another cluster takes its next phrase.
func TestNoTwoThemesShareALabel(t *testing.T) {
	rows := []struct {
		key, author string
		hour        int
		text        string
	}{
		{"k000", "U2", 1, "dark mode is odd"}, {"k001", "U3", 2, "saml login is odd"},
		{"k002", "U2", 1, "the webhook retries and query editor again with webhook retries"},
		{"k003", "U1", 3, "invoice pdf is odd"}, {"k004", "U1", 0, "the query editor and webhook retries again"},
		{"k005", "U1", 0, "the invoice pdf and slack huddle again"},
		{"k006", "U1", 4, "the saml login and slack huddle again with invoice pdf"},
		{"k007", "U0", 0, "the query editor and webhook retries again with dark mode"},
		{"k008", "U2", 0, "saml login is odd"}, {"k009", "U1", 0, "the dark mode and gantt chart again with query editor"},
		{"k010", "U3", 0, "query editor is odd"}, {"k011", "U0", 0, "gantt chart is odd"},
		{"k012", "U3", 1, "the audit trail and query editor again with slack huddle"},
		{"k013", "U0", 0, "the slack huddle and webhook retries again with slack huddle"},
		{"k014", "U0", 3, "audit trail is odd"}, {"k015", "U0", 0, "the gantt chart and saml login again with saml login"},
		{"k016", "U2", 2, "the gantt chart and webhook retries again with invoice pdf"}, {"k017", "U0", 0, "slack huddle is odd"},
		{"k018", "U0", 4, "the invoice pdf and slack huddle again with webhook retries"},
		{"k019", "U2", 1, "the slack huddle and slack huddle again"}, {"k020", "U3", 3, "webhook retries is odd"},
		{"k021", "U3", 3, "slack huddle is odd"}, {"k022", "U1", 3, "dark mode is odd"}, {"k023", "U1", 1, "invoice pdf is odd"},
		{"k024", "U2", 2, "webhook retries is odd"}, {"k025", "U3", 4, "webhook retries is odd"},
		{"k026", "U3", 2, "the dark mode and slack huddle again"},
		{"k027", "U0", 3, "the webhook retries and saml login again with gantt chart"},
	}
	var period []Doc
	for _, r := range rows {
		period = append(period, Doc{Key: r.key, Author: r.author, Time: t0.Add(time.Duration(r.hour) * time.Hour), Text: r.text})
	}
	seen := map[string]bool{}
	for _, th := range Emerging(period, history(), 3, Vocabulary{}) {
		if seen[th.Label] {
			t.Errorf("two themes are labelled %q", th.Label)
		}
		seen[th.Label] = true
	}
}

// TestSmallHistoryShare: in a history of 10 messages, one (10%, over the 5%
// rule's share) said "dark mode"; the rule needed two history messages, so below
// 40 messages of history it never applied to a phrase said once (a review's
// find). There, one is enough.
func TestSmallHistoryShare(t *testing.T) {
	hist := docs("h", "would love dark mode someday", "how do I invite a teammate?", "the dashboard loads slowly",
		"can we export the report to csv", "how do I invite a teammate?", "the dashboard loads slowly",
		"can we export the report to csv", "how do I invite a teammate?", "the dashboard loads slowly", "can we export the report to csv")
	period := []Doc{
		{Key: "p1", Author: "U1", Time: t0, Text: "any plans for dark mode?"},
		{Key: "p2", Author: "U2", Time: t0, Text: "dark mode please"},
		{Key: "p3", Author: "U3", Time: t0, Text: "dark mode for late nights"},
		{Key: "p4", Author: "U4", Time: t0, Text: "the dashboard loads slowly"},
	}
	if got := phrasesOf(Emerging(period, hist, 3, Vocabulary{})); slices.Contains(got, "dark mode") {
		t.Errorf("\"dark mode\", in 10%% of the history, is new: %q", got)
	}
}
