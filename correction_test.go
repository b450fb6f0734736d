package feedbackbot

import (
	"slices"
	"strings"
	"testing"
)

func TestCorrectionApply(t *testing.T) {
	yes, no := true, false
	praise := Tags{Sentiment: Sentiment{Label: Positive, Score: 0.82, Emotion: EmotionGratitude}, Themes: []string{"usability"}, Intent: IntentPraise, Analyzer: "fb-9+a.b"}
	question := Tags{Sentiment: Sentiment{Label: Neutral, Score: 0.01, Emotion: EmotionConfusion}, Themes: []string{"access"}, Intent: IntentQuestion, NeedsReply: true, Analyzer: "fb-9+a.b"}
	for _, c := range []struct {
		name     string
		fix      Correction
		in       Tags
		customer bool
		want     Tags
	}{
		{"negative keeps the strength, drops the joy", Correction{Sentiment: Negative}, praise, true,
			Tags{Sentiment: Sentiment{Label: Negative, Score: -0.82}, Themes: []string{"usability"}, Intent: IntentPraise}},
		{"a label analysis scored near 0 gets 0.5", Correction{Sentiment: Negative}, question, true,
			Tags{Sentiment: Sentiment{Label: Negative, Score: -0.5, Emotion: EmotionConfusion}, Themes: []string{"access"}, Intent: IntentQuestion, NeedsReply: true}},
		{"neutral scores 0 and keeps confusion", Correction{Sentiment: Neutral}, Tags{Sentiment: Sentiment{Label: Negative, Score: -0.4, Emotion: EmotionConfusion}, Intent: IntentQuestion, Analyzer: "fb-9+a.b"}, true,
			Tags{Sentiment: Sentiment{Label: Neutral, Emotion: EmotionConfusion}, Themes: []string{}, Intent: IntentQuestion}},
		{"the same label changes nothing of the sentiment", Correction{Sentiment: Positive, AddThemes: []string{"billing"}}, praise, true,
			Tags{Sentiment: praise.Sentiment, Themes: []string{"usability", "billing"}, Intent: IntentPraise}},
		{"an intent that asks waits for a reply", Correction{Intent: IntentComplaint}, praise, true,
			Tags{Sentiment: praise.Sentiment, Themes: []string{"usability"}, Intent: IntentComplaint, NeedsReply: true}},
		{"a staff message never waits", Correction{Intent: IntentComplaint, NeedsReply: &yes}, praise, false,
			Tags{Sentiment: praise.Sentiment, Themes: []string{"usability"}, Intent: IntentComplaint}},
		{"an intent that asks nothing does not", Correction{Intent: IntentOther}, question, true,
			Tags{Sentiment: question.Sentiment, Themes: []string{"access"}, Intent: IntentOther}},
		{"reply=no wins over the intent", Correction{Intent: IntentBugReport, NeedsReply: &no}, praise, true,
			Tags{Sentiment: praise.Sentiment, Themes: []string{"usability"}, Intent: IntentBugReport}},
		{"themes added and taken away", Correction{AddThemes: []string{"bug", "usability"}, RemoveThemes: []string{"usability"}}, praise, true,
			Tags{Sentiment: praise.Sentiment, Themes: []string{"bug", "usability"}, Intent: IntentPraise}},
		{"only these themes", Correction{OnlyThemes: true, AddThemes: []string{"bug"}}, praise, true,
			Tags{Sentiment: praise.Sentiment, Themes: []string{"bug"}, Intent: IntentPraise}},
		{"no themes", Correction{OnlyThemes: true}, praise, true,
			Tags{Sentiment: praise.Sentiment, Themes: []string{}, Intent: IntentPraise}},
	} {
		t.Run(c.name, func(t *testing.T) {
			in := c.in
			in.Themes = slices.Clone(c.in.Themes)
			got := c.fix.Apply(in, c.customer)
			if !strings.HasPrefix(got.Analyzer, "fb-9+a.b+fix.") {
				t.Errorf("analyzer %q names no correction", got.Analyzer)
			}
			got.Analyzer = ""
			if got.Sentiment != c.want.Sentiment || got.Intent != c.want.Intent || got.NeedsReply != c.want.NeedsReply || !slices.Equal(got.Themes, c.want.Themes) {
				t.Errorf("got %+v\nwant %+v", got, c.want)
			}
			if !slices.Equal(in.Themes, c.in.Themes) {
				t.Errorf("the tags given were changed: %v", in.Themes)
			}
		})
	}
	if got := (Correction{}).Apply(praise, true); got.Analyzer != praise.Analyzer {
		t.Errorf("an empty correction renamed the analyzer: %q", got.Analyzer)
	}
	a := Correction{Sentiment: Negative}.Apply(praise, true).Analyzer
	b := Correction{Sentiment: Negative, By: "U2"}.Apply(praise, true).Analyzer
	d := Correction{Sentiment: Neutral}.Apply(praise, true).Analyzer
	if a != b || a == d {
		t.Errorf("analyzer names %q, %q, %q: want the same for the same tags whoever set them, another for other tags", a, b, d)
	}
}

func TestCorrectionMerge(t *testing.T) {
	yes := true
	old := Correction{Sentiment: Negative, AddThemes: []string{"bug"}, RemoveThemes: []string{"usability"}, By: "U1"}
	for _, c := range []struct {
		name string
		n    Correction
		want Correction
	}{
		{"later fields win, earlier ones stay", Correction{Intent: IntentComplaint, NeedsReply: &yes, By: "U2"},
			Correction{Sentiment: Negative, Intent: IntentComplaint, NeedsReply: &yes, AddThemes: []string{"bug"}, RemoveThemes: []string{"usability"}, By: "U2"}},
		{"a theme added back is no longer removed, and the other way", Correction{AddThemes: []string{"usability"}, RemoveThemes: []string{"bug"}, By: "U2"},
			Correction{Sentiment: Negative, AddThemes: []string{"usability"}, RemoveThemes: []string{"bug"}, By: "U2"}},
		{"exact themes replace the lists", Correction{OnlyThemes: true, AddThemes: []string{"billing"}, By: "U2"},
			Correction{Sentiment: Negative, OnlyThemes: true, AddThemes: []string{"billing"}, By: "U2"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			got := old.Merge(c.n)
			if got.Sentiment != c.want.Sentiment || got.Intent != c.want.Intent || got.OnlyThemes != c.want.OnlyThemes || got.By != c.want.By ||
				!slices.Equal(got.AddThemes, c.want.AddThemes) || !slices.Equal(got.RemoveThemes, c.want.RemoveThemes) ||
				(got.NeedsReply == nil) != (c.want.NeedsReply == nil) {
				t.Errorf("got %+v\nwant %+v", got, c.want)
			}
		})
	}
}

func TestTaggedBy(t *testing.T) {
	for in, want := range map[string]string{
		"":                                      "",
		"fb-9+a8e660ed.42e7c674":                "fb-9+a8e660ed.42e7c674",
		"fb-9+a8e660ed.42e7c674+fix.f3130b99":   "fb-9+a8e660ed.42e7c674",
		"fb-9+a8e660ed-rules+fix.f3130b99+fix.": "fb-9+a8e660ed-rules",
	} {
		if got := TaggedBy(in); got != want {
			t.Errorf("TaggedBy(%q) = %q, want %q", in, got, want)
		}
	}
}
