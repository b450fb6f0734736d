package main

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/feedbackbot/feedbackbot/bot"
	"github.com/feedbackbot/feedbackbot/store"
)

// TestExportNamesTheKanoFeature: a person's export is what the store holds of
// them, for them to read. Their Kano answers are exported as the feature's
// 12-hex-character id and a score of 1..5 ({"kind":"kano-f","score":2,...,
// "feature":"3f…"}): which feature they were asked about, held by the store under
// that id, is nowhere in the export.
func TestExportNamesTheKanoFeature(t *testing.T) {
	dir := demoStore(t)
	const who = "dana.k"
	var kano int
	inStore(t, dir, func(st store.Store) {
		as, err := bot.PersonSurveyAnswers(t.Context(), st, DemoWorkspace, who)
		if err != nil {
			t.Fatal(err)
		}
		for _, a := range as {
			if a.Feature != "" {
				kano++
			}
		}
	})
	if kano == 0 {
		t.Fatalf("the demo holds no Kano answer by %s", who)
	}
	out, errOut, err := run(t, dir, "export", "--workspace", DemoWorkspace, "--user", who)
	if err != nil {
		t.Fatalf("export: %v\n%s", err, errOut)
	}
	for _, line := range strings.Split(strings.TrimSpace(out), "\n") {
		if !strings.HasPrefix(line, `{"survey_answer":`) {
			continue
		}
		var a struct {
			SurveyAnswer map[string]any `json:"survey_answer"`
		}
		if err := json.Unmarshal([]byte(line), &a); err != nil {
			t.Fatal(err)
		}
		if kind, _ := a.SurveyAnswer["kind"].(string); strings.HasPrefix(kind, "kano") &&
			!strings.Contains(line, "SAML single sign-on") && !strings.Contains(line, "AI summaries of dashboards") {
			t.Errorf("a Kano answer exported without its feature's name: %s", line)
		}
	}
}
