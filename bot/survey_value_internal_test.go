package bot

import (
	"strings"
	"testing"
	"time"

	"github.com/feedbackbot/feedbackbot/analysis/emerging"
)

// TestSurveyButtonValues: a CSAT or NPS button's value carries the question's
// asked time after its thread, and is read back the same; a value posted before
// (kind|score|account|thread) is read as legacy, no asked time, whatever its
// thread (a Slack channel:ts, a Discord snowflake, one typed with a "|" in it);
// Kano values are read as before.
func TestSurveyButtonValues(t *testing.T) {
	asked := time.Date(2026, 11, 2, 9, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		value   string
		ok      bool
		want    surveyButton
		comment string
	}{
		{surveyButtonValue(SurveyCSAT, 4, "acme", "C1:1700000000.000100", asked), true,
			surveyButton{kind: SurveyCSAT, score: 4, account: "acme", thread: "C1:1700000000.000100", asked: asked}, "new, Slack thread"},
		{surveyButtonValue(SurveyNPS, 0, "acme", "", asked), true, surveyButton{kind: SurveyNPS, account: "acme", asked: asked}, "new, no thread"},
		{surveyButtonValue(SurveyNPS, 10, "acme", "a|b", asked), true, surveyButton{kind: SurveyNPS, score: 10, account: "acme", thread: "a|b", asked: asked}, "new, typed thread with a bar"},
		{"csat|5|acme|", true, surveyButton{kind: SurveyCSAT, score: 5, account: "acme"}, "legacy, no thread"},
		{"nps|9|acme|1312345678901234567", true, surveyButton{kind: SurveyNPS, score: 9, account: "acme", thread: "1312345678901234567"}, "legacy, Discord thread"},
		{"csat|2|acme|C1:1700000000.000100", true, surveyButton{kind: SurveyCSAT, score: 2, account: "acme", thread: "C1:1700000000.000100"}, "legacy, Slack thread"},
		{"kano-f|3|acme|C1:1.2|0123456789ab", true, surveyButton{kind: SurveyKanoF, score: 3, account: "acme", thread: "C1:1.2", feature: "0123456789ab"}, "Kano"},
		{"csat|9|acme|", false, surveyButton{}, "score out of range"},
		{"nps|x|acme|", false, surveyButton{}, "no score"},
		{"kano-d|3|acme|C1:1.2", false, surveyButton{}, "Kano without its feature"},
		{"other|3|acme|", false, surveyButton{}, "unknown kind"},
		{"csat|3|acme", false, surveyButton{}, "three parts"},
	} {
		got, ok := parseSurveyButton(tc.value)
		if ok != tc.ok || (ok && got != tc.want) {
			t.Errorf("%s: %q read as %+v, %v; want %+v, %v", tc.comment, tc.value, got, ok, tc.want, tc.ok)
		}
	}
	if v := surveyButtonValue(SurveyCSAT, 1, "acme", "", time.Time{}); v != "csat|1|acme|" {
		t.Errorf("legacy value %q", v)
	}
}

// TestKanoAcronymsAreTheGroupings: kanoFor writes out the acronyms request
// grouping knows (analysis/emerging's own table, emerging.KnownAcronyms): each of
// acronymPhrases is one that grouping puts together with its phrase, so a
// request and a Kano feature named one way and the other are matched as the
// requests themselves are grouped.
func TestKanoAcronymsAreTheGroupings(t *testing.T) {
	for acr, phrase := range acronymPhrases {
		asked := []emerging.Asked{
			{Doc: emerging.Doc{Key: "1", Text: "We need " + strings.ToUpper(acr) + " soon"}, Account: "a"},
			{Doc: emerging.Doc{Key: "2", Text: "Could you add " + phrase + "?"}, Account: "b"},
		}
		rs := emerging.Requests(asked, nil, 5)
		if len(rs) != 1 || len(rs[0].Accounts) != 2 {
			t.Errorf("%s and %q are not grouped as one request (%+v): kanoFor would match what grouping does not", strings.ToUpper(acr), phrase, rs)
		}
		if _, ok := kanoFor(strings.ToUpper(acr), map[string]string{"f1": phrase}); !ok {
			t.Errorf("a request for %s does not find the feature %q", strings.ToUpper(acr), phrase)
		}
		if _, ok := kanoFor(phrase, map[string]string{"f1": strings.ToUpper(acr) + " for admins"}); !ok {
			t.Errorf("a request for %q does not find the feature %q", phrase, strings.ToUpper(acr)+" for admins")
		}
	}
}
