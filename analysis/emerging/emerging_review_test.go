package emerging

import (
	"fmt"
	"math/rand/v2"
	"runtime"
	"slices"
	"strings"
	"testing"
)

// phrasesOf lists the phrases of themes, in order.
func phrasesOf(ths []Theme) []string {
	var out []string
	for _, th := range ths {
		out = append(out, th.Phrases...)
	}
	return out
}

// TestShortcodeEmojiAreNotPhrases: a :shortcode: emoji text.Clean does not know (a
// workspace's own, :partyparrot:, or a standard one missing from its table,
// :pensive:) kept its colons through Clean, lost them in Tokens and became an
// emerging theme (a review's find). Any shortcode is left out, and separates the
// words around it as a known emoji does; colons between words or numbers are not
// shortcodes.
func TestShortcodeEmojiAreNotPhrases(t *testing.T) {
	period := docs("p",
		"the sync failed again :pensive:",
		"ok I will wait :partyparrot:",
		"it works now :partyparrot::partyparrot:",
		"fixed, thanks :partyparrot:!",
		"still slow :pensive:",
		"hmm :pensive: :blob-wave: :+1::skin-tone-2:",
		"welcome back :blob-wave:",
	)
	got := phrasesOf(Emerging(period, history(), 3, Vocabulary{}))
	for _, p := range got {
		for _, w := range []string{"pensive", "partyparrot", "blob", "wave", "skin", "tone"} {
			if slices.Contains(strings.Fields(p), w) {
				t.Errorf("the emoji shortcode word %q is in an emerging phrase %q (all: %q)", w, p, got)
			}
		}
	}
	for _, c := range []struct {
		in   string
		want []string
	}{
		{"dark :pensive: mode", []string{"dark", "", "mode"}},
		{"export:csv:done", []string{""}}, // (one token, not a word)
		{"meeting at 10:30:45 tonight", []string{"meeting", "", "", "tonight"}},
		{"ERROR :Custom_Emoji: sync", []string{"error", "", "sync"}},
	} {
		if words := contentWords(tokensOf(c.in, true, nil), nil, nil); !slices.Equal(words, c.want) {
			t.Errorf("%q: words %q, want %q", c.in, words, c.want)
		}
	}
	if got := dropShortcodes("at 10:30:45, error:timeout:retry"); got != "at 10:30:45, error:timeout:retry" {
		t.Errorf("colons inside words and numbers are no shortcodes: %q", got)
	}
}

// TestFunctionWordsAreNotPhrases: English contractions of function words
// ("that's", "there's", "let's", "i'll") and negated auxiliaries were emerging
// themes in a week that happened to use them more (a review's find). They are
// function words by their form, whichever they are.
func TestFunctionWordsAreNotPhrases(t *testing.T) {
	period := docs("p",
		"that's odd, the sync stalls",
		"that's weird, billing looks off",
		"let's talk later, that's it",
		"there's a lag, that's all",
		"there's no reply yet, let's wait",
		"what's the status? i'll check later",
		"what's going on? i'll retry",
		"we'll see, they'd said who's on it",
		"we'll wait, they'd promised, who's there?",
		"shouldn't it work? wouldn't you think so",
		"shouldn't be hard, wouldn't it",
	)
	got := phrasesOf(Emerging(period, history(), 3, Vocabulary{}))
	for _, p := range got {
		if strings.Contains(p, "'") {
			t.Errorf("a contraction is an emerging phrase %q (all: %q)", p, got)
		}
	}
	// By form, none of them listed.
	for _, w := range strings.Fields(`i'll i'd you'll you'd he's he'll he'd she's she'll it'll it'd we'll we'd they'll they'd
		they've that'll that'd there'll there'd here's who's who'll who'd where's when's how's how'd what're what'll let's`) {
		if functionWords[w] != 0 {
			t.Fatalf("%q is listed", w)
		}
		if !functionWord(w, langEnglish) {
			t.Errorf("%q is a function word", w)
		}
	}
	for _, w := range []string{"isn't", "aren't", "hasn't", "haven't", "couldn't", "mightn't", "mustn't", "needn't", "ain't", "that’s"} {
		if words := contentWords([]string{w}, nil, nil); words[0] != "" {
			t.Errorf("%q is a function word", w)
		}
	}
	if functionWord("customer's", langEnglish) {
		t.Error("customer's is a content word")
	}
}

// TestOtherLanguagesFunctionWordsAreNotPhrases: a week of German messages beside
// an English history made "und der", "die" and "nicht" emerging themes (a review's
// find): English's stopwords were the only ones, and in an English history they
// are rare. A message's language is told by its function words, and those of
// its language are left out; its content words stay, and an English message's
// "die" is a word.
func TestOtherLanguagesFunctionWordsAreNotPhrases(t *testing.T) {
	period := docs("p",
		"die Rechnung ist nicht korrekt und der Betrag fehlt",
		"warum ist die Rechnung nicht da und der Export auch nicht",
		"die Rechnung kommt nicht an, und der Support antwortet nicht",
		"ich finde die Rechnung nicht und der Link ist kaputt",
		"la facture est fausse et le montant n'est pas là",
		"je ne trouve pas la facture et le lien est cassé",
		"how do I invite a teammate?",
	)
	got := phrasesOf(Emerging(period, history(), 3, Vocabulary{}))
	if !slices.Contains(got, "rechnung") {
		t.Errorf("the invoice (Rechnung) is new, not among %q", got)
	}
	for _, p := range got {
		for _, w := range strings.Fields(p) {
			if slices.Contains([]string{"und", "der", "die", "nicht", "ist", "est", "pas", "les", "n'est"}, w) {
				t.Errorf("the function word %q is in an emerging phrase %q (all: %q)", w, p, got)
			}
		}
	}
	words := contentWords(tokensOf("the workers die when the queue is full", true, nil), nil, nil)
	if !slices.Contains(words, "die") {
		t.Errorf("in an English message, die is a word: %q", words)
	}
}

// TestHyphenatedFormIsNotNew: history is compared by stem, but "dark-mode" was one
// word and "dark mode" a pair, so a topic of the four weeks, written "dark mode",
// was new written "dark-mode" (a review's find). Words are split on hyphens and
// underscores first; and a phrase of a twentieth of the history is no new topic
// however much more it is written now.
func TestHyphenatedFormIsNotNew(t *testing.T) {
	h := history()
	for i := range 40 {
		h = append(h, Doc{Key: fmt.Sprintf("hd%d", i), Text: fmt.Sprintf("any news on dark mode for report %d?", i), Time: t0})
	}
	period := docs("p", "dark-mode please", "we need dark_mode", "Dark-Mode when?", "how do I invite a teammate?")
	if got := phrasesOf(Emerging(period, h, 3, Vocabulary{})); slices.ContainsFunc(got, func(p string) bool { return strings.Contains(p, "dark") }) {
		t.Errorf("dark mode was talked about all along, but its hyphenated form is new: %q", got)
	}
	// With no history of it, the hyphenated form is the pair.
	if got := phrasesOf(Emerging(period, history(), 3, Vocabulary{})); !slices.Contains(got, "dark mode") {
		t.Errorf("dark-mode, new, is the phrase dark mode: %q", got)
	}
}

// mixed is a period of three new topics: dark mode (in the mobile app and the
// query editor) and the invoice pdf's VAT.
var mixed = []string{
	"dark mode in the mobile app please", "dark mode in the mobile app would help", "the mobile app needs dark mode",
	"dark mode for the query editor", "query editor dark mode when", "dark mode in query editor",
	"dark mode everywhere", "dark mode soon?", "invoice pdf lacks vat", "invoice pdf vat missing", "vat on invoice pdf",
	"mobile app crashes on login", "mobile app slow",
}

// TestThemeQuoteSaysItsLabel: k-means ran once from one seed, so unrelated phrases
// shared a cluster, and a theme labelled "query editor" (with "invoice pdf" and
// "vat") was quoted by "vat on invoice pdf" (a review's find). The best of several
// starts is kept, a theme lists only phrases two of its messages have, and its
// quote says its label.
func TestThemeQuoteSaysItsLabel(t *testing.T) {
	ths := Emerging(docs("p", mixed...), history(), 3, Vocabulary{})
	if len(ths) == 0 {
		t.Fatal("no themes")
	}
	for _, th := range ths {
		if !strings.Contains(strings.ToLower(th.Quote.Text), th.Label) {
			t.Errorf("theme %q (phrases %q) is quoted by %q, which does not say it", th.Label, th.Phrases, th.Quote.Text)
		}
	}
}

// TestSameMessagesSameThemes: the same messages in another order gave other
// themes (k-means++ picked its first centre by position, and ties went to the
// first cluster), so "new this period" depended on the order the store returned
// the period in (a review's find).
func TestSameMessagesSameThemes(t *testing.T) {
	p := docs("p", mixed...)
	want := fmt.Sprint(Emerging(p, history(), 3, Vocabulary{}))
	r := slices.Clone(p)
	slices.Reverse(r)
	if got := fmt.Sprint(Emerging(r, history(), 3, Vocabulary{})); got != want {
		t.Errorf("the same messages in reverse order give other themes:\n%s\n%s", want, got)
	}
	rng := rand.New(rand.NewPCG(3, 5))
	for range 20 {
		rng.Shuffle(len(r), func(i, j int) { r[i], r[j] = r[j], r[i] })
		if got := fmt.Sprint(Emerging(r, history(), 3, Vocabulary{})); got != want {
			t.Fatalf("the same messages shuffled give other themes:\n%s\n%s", want, got)
		}
	}
	if !slices.Equal(p, docs("p", mixed...)) {
		t.Error("Emerging reordered its caller's period")
	}
}

// TestOnePersonIsNoTheme: one customer writing four times about their webhook was
// a theme ahead of what several people said (a review's find). A phrase, and a
// theme, takes two people (Doc.Author); a message of no author is someone no
// other message's author is.
func TestOnePersonIsNoTheme(t *testing.T) {
	by := func(author string, texts ...string) []Doc {
		ds := docs(author+"-", texts...)
		for i := range ds {
			ds[i].Author = author
		}
		return ds
	}
	period := slices.Concat(
		by("U9", "our webhook retries are stuck again", "webhook retries still stuck, any news?",
			"hello? webhook retries are piling up", "webhook retries stuck for 3 days now"),
		by("U1", "the query editor froze twice today"),
		by("U2", "is the query editor going to support snippets?"),
		by("U3", "how do I invite a teammate?"),
	)
	got := phrasesOf(Emerging(period, history(), 3, Vocabulary{}))
	if slices.ContainsFunc(got, func(p string) bool { return strings.Contains(p, "webhook") || strings.Contains(p, "retries") }) {
		t.Errorf("one person's four messages are a theme: %q", got)
	}
	if !slices.Contains(got, "query editor") {
		t.Errorf("two people's query editor is new, not among %q", got)
	}
	// The same messages of no author are four people's.
	for i := range period {
		period[i].Author = ""
	}
	if got := phrasesOf(Emerging(period, history(), 3, Vocabulary{})); !slices.Contains(got, "webhook retries") {
		t.Errorf("four messages of no author: webhook retries is new, not among %q", got)
	}
}

// TestLongMessagesAreBounded: every byte of every period message was read and its
// whole term set kept until Emerging returned, so 100 pasted logs of 40 KB
// allocated 220 MiB and took over a second (a review's find). Each message's
// first maxTermBytes are read, and its words kept as ids only until its phrases
// are known.
func TestLongMessagesAreBounded(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	vocab := make([]string, 20000)
	for i := range vocab {
		var b strings.Builder
		for range 4 + rng.IntN(5) {
			b.WriteByte(byte('a' + rng.IntN(26)))
		}
		vocab[i] = b.String()
	}
	var period []Doc
	for i := range 100 {
		var b strings.Builder
		for b.Len() < 40000 {
			b.WriteString(vocab[rng.IntN(len(vocab))] + " ")
		}
		period = append(period, Doc{Key: fmt.Sprint(i), Text: b.String(), Time: t0})
	}
	runtime.GC()
	var m0, m1 runtime.MemStats
	runtime.ReadMemStats(&m0)
	Emerging(period, history(), 3, Vocabulary{})
	runtime.ReadMemStats(&m1)
	if mib := (m1.TotalAlloc - m0.TotalAlloc) >> 20; mib > 64 {
		t.Errorf("100 messages of 40 KB allocated %d MiB", mib)
	}
	// What a message says past its first maxTermBytes is not read.
	long := strings.Repeat("lorem ipsum ", maxTermBytes/12+10)
	p := docs("p", long+"query editor crashes", long+"query editor crashes", "how do I invite a teammate?")
	if got := phrasesOf(Emerging(p, history(), 3, Vocabulary{})); slices.Contains(got, "query editor") {
		t.Errorf("words past the first %d bytes were read: %q", maxTermBytes, got)
	}
}
