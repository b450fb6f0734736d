package feedbackbot_test

import (
	"maps"
	"slices"
	"testing"
	"time"

	"github.com/feedbackbot/feedbackbot"
)

func TestContributions(t *testing.T) {
	cust := feedbackbot.Message{Role: feedbackbot.RoleCustomer, Channel: "C1", Account: "A1"}
	tests := []struct {
		name string
		m    feedbackbot.Message
		tags feedbackbot.Tags
		want map[string]int64
	}{
		{"negative customer message with a theme and an intent", cust,
			feedbackbot.Tags{Sentiment: feedbackbot.Sentiment{Label: feedbackbot.Negative, Score: -0.5}, Themes: []string{"billing"},
				Intent: feedbackbot.IntentComplaint, NeedsReply: true},
			map[string]int64{"n": 1, "cust": 1, "neg": 1, "score_milli": -500, "score_sq_milli": 250, "needs_reply": 1, "emotions_counted": 1,
				"intent|complaint|cust": 1, "theme|billing|cust": 1, "theme|billing|neg": 1, "theme|billing|score_milli": -500,
				"ch|C1|cust": 1, "ch|C1|neg": 1, "ch|C1|score_milli": -500, "ch|C1|score_sq_milli": 250,
				"acct|A1|cust": 1, "acct|A1|neg": 1, "acct|A1|score_milli": -500, "acct|A1|score_sq_milli": 250}},
		{"neutral customer message: zero sums are left out, a score out of range is clamped", feedbackbot.Message{Channel: "C1"},
			feedbackbot.Tags{Sentiment: feedbackbot.Sentiment{Score: 0}},
			map[string]int64{"n": 1, "cust": 1, "neu": 1, "emotions_counted": 1, "ch|C1|cust": 1, "ch|C1|neu": 1}},
		{"positive score above 1", cust, feedbackbot.Tags{Sentiment: feedbackbot.Sentiment{Score: 3}},
			map[string]int64{"n": 1, "cust": 1, "pos": 1, "score_milli": 1000, "score_sq_milli": 1000, "emotions_counted": 1,
				"ch|C1|cust": 1, "ch|C1|pos": 1, "ch|C1|score_milli": 1000, "ch|C1|score_sq_milli": 1000,
				"acct|A1|cust": 1, "acct|A1|pos": 1, "acct|A1|score_milli": 1000, "acct|A1|score_sq_milli": 1000}},
		{"an emotion is counted for a customer", feedbackbot.Message{Role: feedbackbot.RoleCustomer, Channel: "C1"},
			feedbackbot.Tags{Sentiment: feedbackbot.Sentiment{Score: 0.5, Emotion: feedbackbot.EmotionGratitude}},
			map[string]int64{"n": 1, "cust": 1, "pos": 1, "score_milli": 500, "score_sq_milli": 250, "emotions_counted": 1, "emotion|gratitude|cust": 1,
				"ch|C1|cust": 1, "ch|C1|pos": 1, "ch|C1|score_milli": 500, "ch|C1|score_sq_milli": 250}},
		{"not by an engine before fb-9, which did not count emotions", feedbackbot.Message{Role: feedbackbot.RoleCustomer, Channel: "C1"},
			feedbackbot.Tags{Sentiment: feedbackbot.Sentiment{Score: 0.5, Emotion: feedbackbot.EmotionGratitude}, Analyzer: "fb-8+abc.def"},
			map[string]int64{"n": 1, "cust": 1, "pos": 1, "score_milli": 500, "score_sq_milli": 250,
				"ch|C1|cust": 1, "ch|C1|pos": 1, "ch|C1|score_milli": 500, "ch|C1|score_sq_milli": 250}},
		{"by fb-10", feedbackbot.Message{Role: feedbackbot.RoleCustomer, Channel: "C1"},
			feedbackbot.Tags{Sentiment: feedbackbot.Sentiment{Score: 0.5, Emotion: feedbackbot.EmotionGratitude}, Analyzer: "fb-10+abc-rules"},
			map[string]int64{"n": 1, "cust": 1, "pos": 1, "score_milli": 500, "score_sq_milli": 250, "emotions_counted": 1, "emotion|gratitude|cust": 1,
				"ch|C1|cust": 1, "ch|C1|pos": 1, "ch|C1|score_milli": 500, "ch|C1|score_sq_milli": 250}},
		{"not for staff", feedbackbot.Message{Role: feedbackbot.RoleStaff, Channel: "C1"},
			feedbackbot.Tags{Sentiment: feedbackbot.Sentiment{Score: -0.5, Emotion: feedbackbot.EmotionFrustration}},
			map[string]int64{"n": 1, "staff": 1, "ch|C1|staff": 1}},
		{"staff", feedbackbot.Message{Role: feedbackbot.RoleStaff, Channel: "C1", Account: "A1"}, feedbackbot.Tags{},
			map[string]int64{"n": 1, "staff": 1, "ch|C1|staff": 1, "acct|A1|staff": 1}},
		{"bot", feedbackbot.Message{Role: feedbackbot.RoleBot, Channel: "C1"}, feedbackbot.Tags{},
			map[string]int64{"n": 1, "bot": 1}},
		{"a churn signal counts per account", cust,
			feedbackbot.Tags{Sentiment: feedbackbot.Sentiment{Score: -0.2}, Intent: feedbackbot.IntentChurnSignal, Analyzer: "fb-10+abc-rules"},
			map[string]int64{"n": 1, "cust": 1, "neg": 1, "score_milli": -200, "score_sq_milli": 40, "emotions_counted": 1, "intent|churn_signal|cust": 1,
				"ch|C1|cust": 1, "ch|C1|neg": 1, "ch|C1|score_milli": -200, "ch|C1|score_sq_milli": 40,
				"acct|A1|cust": 1, "acct|A1|neg": 1, "acct|A1|score_milli": -200, "acct|A1|score_sq_milli": 40, "acct|A1|churn": 1}},
		{"so does a message about cancellation, once however often", cust,
			feedbackbot.Tags{Sentiment: feedbackbot.Sentiment{Score: 0}, Intent: feedbackbot.IntentChurnSignal, Themes: []string{"cancellation", "cancellation"}},
			map[string]int64{"n": 1, "cust": 1, "neu": 1, "emotions_counted": 1, "intent|churn_signal|cust": 1,
				"theme|cancellation|cust": 1, "theme|cancellation|neu": 1, "ch|C1|cust": 1, "ch|C1|neu": 1,
				"acct|A1|cust": 1, "acct|A1|neu": 1, "acct|A1|churn": 1}},
		{"a churn signal without an account counts in none", feedbackbot.Message{Role: feedbackbot.RoleCustomer, Channel: "C1"},
			feedbackbot.Tags{Sentiment: feedbackbot.Sentiment{Score: 0}, Themes: []string{"cancellation"}},
			map[string]int64{"n": 1, "cust": 1, "neu": 1, "emotions_counted": 1,
				"theme|cancellation|cust": 1, "theme|cancellation|neu": 1, "ch|C1|cust": 1, "ch|C1|neu": 1}},
		{"staff's churn words are not the customer's", feedbackbot.Message{Role: feedbackbot.RoleStaff, Channel: "C1", Account: "A1"},
			feedbackbot.Tags{Intent: feedbackbot.IntentChurnSignal, Themes: []string{"cancellation"}},
			map[string]int64{"n": 1, "staff": 1, "ch|C1|staff": 1, "acct|A1|staff": 1}},
		{"a theme twice counts once; a separator in a key is replaced",
			feedbackbot.Message{Role: feedbackbot.RoleCustomer, Channel: "C|1"},
			feedbackbot.Tags{Sentiment: feedbackbot.Sentiment{Score: 0.5}, Themes: []string{"docs", "docs"}},
			map[string]int64{"n": 1, "cust": 1, "pos": 1, "score_milli": 500, "score_sq_milli": 250, "emotions_counted": 1,
				"theme|docs|cust": 1, "theme|docs|pos": 1, "theme|docs|score_milli": 500,
				"ch|C/1|cust": 1, "ch|C/1|pos": 1, "ch|C/1|score_milli": 500, "ch|C/1|score_sq_milli": 250}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := feedbackbot.Contributions(&tt.m, &tt.tags); !maps.Equal(got, tt.want) {
				t.Errorf("Contributions = %v\nwant %v", got, tt.want)
			}
			got := map[string]int64{}
			for _, c := range feedbackbot.AppendContributions(nil, &tt.m, &tt.tags) {
				if _, dup := got[c.Name]; dup || c.Value == 0 {
					t.Errorf("AppendContributions gives %s again or zero (%d)", c.Name, c.Value)
				}
				got[c.Name] = c.Value
			}
			if !maps.Equal(got, tt.want) {
				t.Errorf("AppendContributions = %v\nwant %v", got, tt.want)
			}
		})
	}
}

// TestChurnSignal: a churn_signal intent is one; the cancellation theme is one
// only with another intent than praise or a question and a label that is not
// positive, so that "thanks for helping us avoid cancelling" and "how do I cancel
// a scheduled export?" count neither in health nor in the account's churn counter.
func TestChurnSignal(t *testing.T) {
	cancel := []string{"billing", "cancellation"}
	tests := []struct {
		name string
		tags feedbackbot.Tags
		want bool
	}{
		{"churn_signal intent", feedbackbot.Tags{Intent: feedbackbot.IntentChurnSignal}, true},
		{"churn_signal intent, even labelled positive", feedbackbot.Tags{Intent: feedbackbot.IntentChurnSignal,
			Sentiment: feedbackbot.Sentiment{Score: 0.4, Label: feedbackbot.Positive}}, true},
		{"cancellation in a complaint", feedbackbot.Tags{Intent: feedbackbot.IntentComplaint, Themes: cancel,
			Sentiment: feedbackbot.Sentiment{Score: -0.4, Label: feedbackbot.Negative}}, true},
		{"cancellation, no intent, neutral", feedbackbot.Tags{Themes: cancel}, true},
		{"cancellation, intent other, label unset and score negative", feedbackbot.Tags{Intent: feedbackbot.IntentOther, Themes: cancel,
			Sentiment: feedbackbot.Sentiment{Score: -0.3}}, true},
		{"cancellation in praise", feedbackbot.Tags{Intent: feedbackbot.IntentPraise, Themes: cancel,
			Sentiment: feedbackbot.Sentiment{Score: 0.6, Label: feedbackbot.Positive}}, false},
		{"cancellation in praise, even negative", feedbackbot.Tags{Intent: feedbackbot.IntentPraise, Themes: cancel,
			Sentiment: feedbackbot.Sentiment{Score: -0.2, Label: feedbackbot.Negative}}, false},
		{"cancellation in a question", feedbackbot.Tags{Intent: feedbackbot.IntentQuestion, Themes: []string{"cancellation"}}, false},
		{"cancellation labelled positive", feedbackbot.Tags{Intent: feedbackbot.IntentOther, Themes: cancel,
			Sentiment: feedbackbot.Sentiment{Score: 0.5, Label: feedbackbot.Positive}}, false},
		{"cancellation, label unset and score positive", feedbackbot.Tags{Themes: cancel,
			Sentiment: feedbackbot.Sentiment{Score: 0.5}}, false},
		{"neither", feedbackbot.Tags{Intent: feedbackbot.IntentComplaint, Themes: []string{"billing"},
			Sentiment: feedbackbot.Sentiment{Score: -0.6, Label: feedbackbot.Negative}}, false},
	}
	m := feedbackbot.Message{Role: feedbackbot.RoleCustomer, Channel: "C1", Account: "A1"}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := feedbackbot.ChurnSignal(&tt.tags); got != tt.want {
				t.Errorf("ChurnSignal = %v, want %v", got, tt.want)
			}
			if got := feedbackbot.Contributions(&m, &tt.tags)["acct|A1|churn"]; got != map[bool]int64{true: 1}[tt.want] {
				t.Errorf("the account's churn counter = %d; ChurnSignal wants %v", got, tt.want)
			}
		})
	}
}

func BenchmarkContributions(b *testing.B) {
	m := feedbackbot.Message{Role: feedbackbot.RoleCustomer, Channel: "C0123", Account: "acct-42"}
	tags := feedbackbot.Tags{Sentiment: feedbackbot.Sentiment{Label: feedbackbot.Negative, Score: -0.62},
		Themes: []string{"billing", "support"}, Intent: feedbackbot.IntentComplaint, NeedsReply: true}
	b.ReportAllocs()
	for b.Loop() {
		feedbackbot.Contributions(&m, &tags)
	}
}

func BenchmarkAppendContributions(b *testing.B) {
	m := feedbackbot.Message{Role: feedbackbot.RoleCustomer, Channel: "C0123", Account: "acct-42"}
	tags := feedbackbot.Tags{Sentiment: feedbackbot.Sentiment{Label: feedbackbot.Negative, Score: -0.62},
		Themes: []string{"billing", "support"}, Intent: feedbackbot.IntentComplaint, NeedsReply: true}
	b.ReportAllocs()
	buf := make([]feedbackbot.Counter, 0, 32)
	for b.Loop() {
		buf = feedbackbot.AppendContributions(buf[:0], &m, &tags)
	}
}

func TestCounterNames(t *testing.T) {
	tests := []struct {
		dim, key, counter string
		wantKey           string // the key as it splits back ('|' in a key becomes '/')
	}{
		{feedbackbot.DimAccount, "T042", feedbackbot.CntNegative, "T042"},
		{feedbackbot.DimChannel, "a|b", feedbackbot.CntCustomer, "a/b"},
		{feedbackbot.DimTheme, "", feedbackbot.CntMessages, ""},
	}
	for _, tt := range tests {
		name := feedbackbot.CounterName(tt.dim, tt.key, tt.counter)
		dim, key, counter, ok := feedbackbot.SplitCounter(name)
		if !ok || dim != tt.dim || key != tt.wantKey || counter != tt.counter {
			t.Errorf("SplitCounter(%q) = %q, %q, %q, %v", name, dim, key, counter, ok)
		}
	}
	if _, _, _, ok := feedbackbot.SplitCounter(feedbackbot.CntMessages); ok {
		t.Errorf("SplitCounter(%q) split an undimensioned name", feedbackbot.CntMessages)
	}
}

func TestBucketsAndTotals(t *testing.T) {
	at := time.Date(2026, 11, 2, 10, 59, 59, 999, time.FixedZone("CET", 3600))
	if got, want := feedbackbot.BucketStart(at), time.Date(2026, 11, 2, 9, 0, 0, 0, time.UTC); !got.Equal(want) || got.Location() != time.UTC {
		t.Errorf("BucketStart(%v) = %v, want %v", at, got, want)
	}
	got := feedbackbot.Totals([]feedbackbot.Rollup{
		{Counts: map[string]int64{"n": 2, "neg": 1}},
		{Counts: map[string]int64{"n": 3, "pos": 1, "neg": -1}},
		{},
	})
	if want := map[string]int64{"n": 5, "neg": 0, "pos": 1}; !maps.Equal(got, want) {
		t.Errorf("Totals = %v, want %v", got, want)
	}
}

func TestEnumerations(t *testing.T) {
	if got := feedbackbot.Emotions(); len(got) != 5 || got[0] != feedbackbot.EmotionAnger || got[4] != feedbackbot.EmotionJoy {
		t.Errorf("Emotions() = %v: want all five, anger first and joy last", got)
	}
	intents := feedbackbot.Intents()
	if len(intents) != 7 || intents[0] != feedbackbot.IntentChurnSignal || intents[6] != feedbackbot.IntentOther {
		t.Errorf("Intents() = %v: want all seven, churn signal first and other last", intents)
	}
	for s, want := range map[feedbackbot.Severity]string{feedbackbot.SeverityInfo: "info", feedbackbot.SeverityWarning: "warning", feedbackbot.SeverityCritical: "critical"} {
		if s.String() != want {
			t.Errorf("Severity(%d) = %q, want %q", s, s.String(), want)
		}
	}
}

// TestAccountCounterNames: every account counter Contributions writes, for each
// label and with or without needs-reply, intent and themes, is one of
// AccountCounterNames (what a store reads of an account's days when no counter is
// named), and each of those is written by some message.
func TestAccountCounterNames(t *testing.T) {
	names := feedbackbot.AccountCounterNames()
	seen := map[string]bool{}
	for _, score := range []float64{-0.6, 0, 0.6} {
		for _, role := range []feedbackbot.Role{feedbackbot.RoleCustomer, feedbackbot.RoleStaff, feedbackbot.RoleBot, ""} {
			m := feedbackbot.Message{Role: role, Channel: "C1", Account: "A|1"}
			for _, tags := range []feedbackbot.Tags{
				{Sentiment: feedbackbot.Sentiment{Score: score}, NeedsReply: true, Intent: "question", Themes: []string{"billing"}},
				{Sentiment: feedbackbot.Sentiment{Score: score}, Intent: feedbackbot.IntentChurnSignal, Themes: []string{"cancellation"}},
			} {
				for name := range feedbackbot.Contributions(&m, &tags) {
					dim, key, counter, ok := feedbackbot.SplitCounter(name)
					if !ok || dim != feedbackbot.DimAccount {
						continue
					}
					if key != "A/1" {
						t.Errorf("%s: account spelled %q, want A/1", name, key)
					}
					seen[counter] = true
					if !slices.Contains(names, counter) {
						t.Errorf("account counter %s (score %v, role %q) is not in AccountCounterNames %v", name, score, role, names)
					}
				}
			}
		}
	}
	for _, n := range names {
		if !seen[n] {
			t.Errorf("AccountCounterNames lists %s, which no message writes", n)
		}
	}
}
