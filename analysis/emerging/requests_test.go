package emerging

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
)

func asked(pairs ...string) []Asked {
	var out []Asked
	for i := 0; i+1 < len(pairs); i += 2 {
		out = append(out, Asked{Doc: Doc{Key: fmt.Sprintf("k%02d", i/2), Text: pairs[i+1], Time: t0}, Account: pairs[i]})
	}
	return out
}

func TestRequestsGroupWhatIsAsked(t *testing.T) {
	var bg Background
	for _, d := range history() {
		bg.Add(d.Text)
	}
	in := asked(
		"acme", "Would love dark mode, the white theme is blinding at night",
		"globex", "any plans for dark mode?",
		"initech", "Dark mode please!",
		"acme", "dark mode, pretty please",
		"umbrella", "We need SAML SSO before our security review",
		"globex", "is SSO with Okta on the roadmap?",
		"hooli", "a Terraform provider for alert rules would save us hours",
		"hooli", "please add it",
		"stark", "The scheduled PDF reports are a hit with our execs. Any chance of adding a company logo to the header?",
		"wayne", "Single sign-on through Azure AD would help our IT team",
	)
	got := Requests(in, &bg, 10)
	type brief struct {
		Label    string
		Accounts []string
		Keys     []string
	}
	var b []brief
	for _, r := range got {
		b = append(b, brief{r.Label, r.Accounts, r.Keys})
	}
	want := []brief{
		{"dark mode", []string{"acme", "globex", "initech"}, []string{"k00", "k01", "k02", "k03"}},
		{"SSO", []string{"globex", "umbrella", "wayne"}, []string{"k04", "k05", "k09"}},
		{"company logo", []string{"stark"}, []string{"k08"}},
		{"terraform provider", []string{"hooli"}, []string{"k06"}},
	}
	if fmt.Sprint(b) != fmt.Sprint(want) {
		t.Fatalf("requests\n got %v\nwant %v", b, want)
	}
	// The quote is the member with the most of the group's terms, then the shortest.
	if got[0].Quote.Key != "k02" {
		t.Errorf("dark mode's quote is %q (%s), want the shortest that says it, k02", got[0].Quote.Key, got[0].Quote.Text)
	}
	if again := Requests(in, &bg, 10); fmt.Sprint(again) != fmt.Sprint(got) {
		t.Fatal("requests must be deterministic")
	}
	if top := Requests(in, &bg, 1); len(top) != 1 || top[0].Label != "dark mode" {
		t.Fatalf("k=1 keeps the most asked only, got %+v", top)
	}
}

// A word every other message uses does not make one request of two: the specific
// terms group them.
func TestRequestsCommonWordsDoNotMerge(t *testing.T) {
	var bg Background
	for i := range 200 {
		bg.Add(fmt.Sprintf("the dashboard shows the numbers of report %d", i))
	}
	in := asked(
		"acme", "a pinned dashboard as the landing page",
		"globex", "pinned dashboard for the ops team landing page",
		"initech", "dashboard exports to excel",
		"hooli", "excel exports of a dashboard",
	)
	got := Requests(in, &bg, 10)
	var groups [][]string
	for _, r := range got {
		groups = append(groups, r.Keys)
	}
	slices.SortFunc(groups, slices.Compare)
	want := [][]string{{"k00", "k01"}, {"k02", "k03"}}
	if fmt.Sprint(groups) != fmt.Sprint(want) {
		t.Fatalf("groups %v, want %v (labels %v)", groups, want, labels(got))
	}
	for _, r := range got {
		if r.Label == "dashboard" {
			t.Errorf("a word of every message labels a request: %+v", r)
		}
	}
}

func TestRequestsEdges(t *testing.T) {
	tests := []struct {
		name string
		in   []Asked
		k    int
		want int
	}{
		{"none", nil, 5, 0},
		{"k zero", asked("a", "dark mode"), 0, 0},
		{"only asking words", asked("a", "please add it", "b", "would be nice to have, any plans?"), 5, 0},
		{"one request", asked("a", "dark mode"), 5, 1},
		{"one account twice", asked("a", "dark mode", "a", "dark mode again"), 5, 1},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := Requests(tc.in, nil, tc.k)
			if len(got) != tc.want {
				t.Fatalf("got %d requests %v, want %d", len(got), labels(got), tc.want)
			}
			for _, r := range got {
				if len(r.Accounts) != 1 || r.Quote.Key == "" || !slices.Contains(r.Keys, r.Quote.Key) {
					t.Errorf("request %+v: one account, a quote among its requests", r)
				}
			}
		})
	}
}

func labels(rs []Request) []string {
	var out []string
	for _, r := range rs {
		out = append(out, r.Label)
	}
	return out
}

func BenchmarkRequests(b *testing.B) {
	var bg Background
	for _, d := range history() {
		bg.Add(d.Text)
	}
	topics := []string{"dark mode", "saml sso", "terraform provider", "csv export", "audit log", "slack alerts", "custom roles", "api rate limits"}
	var in []Asked
	for i := range 2000 {
		in = append(in, Asked{Doc: Doc{Key: fmt.Sprint(i), Text: fmt.Sprintf("would love %s for team %d, and maybe %s too", topics[i%len(topics)], i%37, topics[(i/8)%len(topics)])},
			Account: fmt.Sprintf("acct%d", i%300)})
	}
	b.ReportAllocs()
	for b.Loop() {
		Requests(in, &bg, 10)
	}
}

// BenchmarkRequestsBig: 10,000 requests of ten words from a vocabulary of 2,000,
// 100 listed (feedbackbot requests --top 100), and 300 requests of 35 KB each: a
// review measured 18 s and 2.5 min for these before the grouping kept its terms'
// counts (and read 4,000 bytes of a request).
func BenchmarkRequestsBig(b *testing.B) {
	words := make([]string, 2000)
	for i := range words {
		words[i] = fmt.Sprintf("w%cx%cq%c", 'a'+i%26, 'a'+(i/26)%26, 'a'+(i/676)%26)
	}
	r := rand.New(rand.NewPCG(1, 2))
	var many []Asked
	for i := range 10_000 {
		var ws []string
		for range 10 {
			ws = append(ws, words[r.IntN(len(words))])
		}
		many = append(many, Asked{Doc: Doc{Key: fmt.Sprint(i), Text: strings.Join(ws, " ")}, Account: fmt.Sprintf("a%d", i%500)})
	}
	var long []Asked
	for i := range 300 {
		var sb strings.Builder
		for sb.Len() < 35_000 {
			sb.WriteString(words[r.IntN(len(words))] + " ")
		}
		long = append(long, Asked{Doc: Doc{Key: fmt.Sprint(i), Text: sb.String()}, Account: fmt.Sprintf("a%d", i)})
	}
	b.Run("10k-requests-top100", func(b *testing.B) {
		for b.Loop() {
			Requests(many, nil, 100)
		}
	})
	b.Run("300-long-requests", func(b *testing.B) {
		for b.Loop() {
			Requests(long, nil, 10)
		}
	})
}

func TestRequestsAcronyms(t *testing.T) {
	var bg Background
	for _, d := range history() {
		bg.Add(d.Text)
	}
	for _, tc := range []struct {
		name string
		in   []Asked
		want string // labels and keys
	}{
		{"an acronym is the phrase it stands for", asked(
			"a", "Any plans for SSO?",
			"b", "we need single sign-on",
			"c", "Single sign-on via Okta please"),
			"[single sign-on k00 k01 k02]"},
		{"the phrase of the most requests", asked(
			"a", "is CSV export planned?",
			"b", "comma-separated values download please",
			"c", "comma-separated values for invoices",
			"d", "cost-sharing view for finance"),
			"[comma-separated values k00 k01 k02] [cost-sharing view k03]"},
		{"other initials do not merge", asked(
			"a", "Any plans for SSO?",
			"b", "we need single login"),
			"[SSO k00] [single login k01]"},
		{"initials alone are no expansion", asked(
			"a", "Any plans for SSO?",
			"b", "self-service onboarding for new seats please",
			"c", "could we get a PDF of the weekly report",
			"d", "pre-defined filters on the audit log would help"),
			"[SSO k00] [pre-defined filters k03] [self-service onboarding k01] [weekly report k02]"},
		{"an expansion written with its acronym", asked(
			"a", "any plans for account-based marketing (ABM) reports?",
			"b", "ABM dashboards please",
			"c", "account-based marketing would be huge for us"),
			"[account-based marketing k00 k01 k02]"},
		{"a shouted message has no acronyms", asked(
			"a", "WE NEED DARK MODE NOW",
			"b", "dark mode please"),
			"[dark mode k00 k01]"},
		{"lower case is the acronym's too, once capitals show it", asked(
			"a", "sso would be great",
			"b", "single sign-on?",
			"c", "SSO with Okta"),
			"[SSO k00 k01 k02]"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var got []string
			for _, r := range Requests(tc.in, &bg, 10) {
				got = append(got, fmt.Sprint(append([]string{r.Label}, r.Keys...)))
			}
			if s := strings.Join(got, " "); s != tc.want {
				t.Errorf("got %s, want %s", s, tc.want)
			}
		})
	}
}
