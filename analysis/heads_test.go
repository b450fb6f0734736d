package analysis

import (
	"encoding/json"
	"maps"
	"slices"
	"strings"
	"testing"

	"github.com/feedbackbot/feedbackbot"
)

// TestThemeHeads: the shipped layer's theme heads decide the default taxonomy's
// themes; a theme a team edits (or adds) is decided by its own rules, exactly as
// without heads, while the themes it keeps as the default defines them still get
// their heads.
func TestThemeHeads(t *testing.T) {
	shipped := newA(t)
	if shipped.heads == nil {
		t.Fatal("the shipped layer has no theme heads")
	}
	for i, col := range shipped.heads {
		if col < 0 {
			t.Errorf("default theme %s has no head", shipped.names[i])
		}
	}
	raw := withoutHeads(t, layerJSON)
	edited := DefaultTaxonomy()
	bi := slices.IndexFunc(edited, func(th Theme) bool { return th.Name == "billing" })
	edited[bi].Keywords = append(slices.Clone(edited[bi].Keywords), "quota")
	edited = append(edited, Theme{Name: "mobile", Keywords: []string{"android", "ios", "iphone"}})
	teamA, err := New(edited)
	if err != nil {
		t.Fatal(err)
	}
	if got := teamA.RuleThemes(); !slices.Equal(got, []string{"billing", "mobile"}) {
		t.Errorf("RuleThemes = %q, want the edited billing and the added mobile", got)
	}
	allEdited := Taxonomy{{Name: "billing", Keywords: []string{"invoice"}}, {Name: "mobile", Keywords: []string{"ios"}}}
	if b, err := New(allEdited); err != nil || !slices.Equal(b.RuleThemes(), []string{"billing", "mobile"}) {
		t.Errorf("a taxonomy of edited themes alone: RuleThemes %q, %v", b.RuleThemes(), err)
	}
	if got := shipped.RuleThemes(); len(got) != 0 {
		t.Errorf("the default taxonomy's RuleThemes = %q, want none", got)
	}
	rulesA, err := NewWithLayer(edited, raw) // the same layer without heads: the rules decide every theme
	if err != nil {
		t.Fatal(err)
	}
	if rulesA.heads != nil {
		t.Fatal("a layer without heads gives heads")
	}
	differ := 0
	for _, p := range layerSets {
		for _, r := range readExamples(t, p) {
			m := &feedbackbot.Message{Text: r.Text, Role: feedbackbot.RoleCustomer}
			base, team, rules := shipped.AnalyzeMessage(m).Themes, teamA.AnalyzeMessage(m).Themes, rulesA.AnalyzeMessage(m).Themes
			for _, name := range []string{"billing", "mobile"} {
				if slices.Contains(team, name) != slices.Contains(rules, name) {
					t.Fatalf("%q: edited theme %s is %v with heads, %v by its rules", r.Text, name, team, rules)
				}
			}
			// the kept themes' heads read the rules' themes among their features,
			// so they are the default's wherever the edited billing rules match as
			// the default's do: where the added keyword is absent
			for _, th := range DefaultTaxonomy() {
				if strings.Contains(strings.ToLower(r.Text), "quota") {
					break
				}
				if th.Name != "billing" && slices.Contains(team, th.Name) != slices.Contains(base, th.Name) {
					t.Fatalf("%q: kept theme %s: %v in the team's taxonomy, %v in the default", r.Text, th.Name, team, base)
				}
			}
			if !slices.Equal(base, rules) {
				differ++
			}
		}
	}
	if differ == 0 {
		t.Error("the heads never change a theme on the training sets")
	}
	if ro := shipped.RulesOnly(); ro.heads != nil {
		t.Error("a rules-only analyzer keeps the heads")
	}
	t.Logf("the heads change the themes of %d training rows", differ)
}

// TestThemeHeadsRefused: a layer file with malformed theme heads does not load.
func TestThemeHeadsRefused(t *testing.T) {
	var f map[string]json.RawMessage
	if err := json.Unmarshal(layerJSON, &f); err != nil {
		t.Fatal(err)
	}
	var heads map[string]json.RawMessage
	if err := json.Unmarshal(f["themes"], &heads); err != nil {
		t.Fatal(err)
	}
	cases := map[string]func(f, heads map[string]json.RawMessage){
		"threshold 0":      func(f, _ map[string]json.RawMessage) { f["theme_threshold"] = json.RawMessage("0") },
		"threshold 1":      func(f, _ map[string]json.RawMessage) { f["theme_threshold"] = json.RawMessage("1") },
		"new threshold 1":  func(f, _ map[string]json.RawMessage) { f["theme_threshold_new"] = json.RawMessage("1") },
		"new threshold -1": func(f, _ map[string]json.RawMessage) { f["theme_threshold_new"] = json.RawMessage("-1") },
		"not independent":  func(_, h map[string]json.RawMessage) { delete(h, "independent") },
		// trained alongside another default taxonomy (or a file from before the
		// record): its heads would decide themes whose definition moved
		"another default taxonomy": func(f, _ map[string]json.RawMessage) { f["themes_taxonomy"] = json.RawMessage(`"00000000"`) },
		"no taxonomy record":       func(f, _ map[string]json.RawMessage) { delete(f, "themes_taxonomy") },
		"unknown theme": func(_, h map[string]json.RawMessage) {
			var classes []string
			json.Unmarshal(h["classes"], &classes)
			classes[0] = "mobile"
			h["classes"], _ = json.Marshal(classes)
		},
	}
	for name, mutate := range cases {
		t.Run(name, func(t *testing.T) {
			ff, hh := maps.Clone(f), maps.Clone(heads)
			mutate(ff, hh)
			ff["themes"], _ = json.Marshal(hh)
			b, _ := json.Marshal(ff)
			if _, err := NewWithLayer(DefaultTaxonomy(), b); err == nil {
				t.Error("loads")
			}
		})
	}
}

// TestThemeThresholdNew: with theme_threshold_new a head tags a theme its rules
// did not match only at that probability, and keeps one they matched at the
// theme threshold as before.
func TestThemeThresholdNew(t *testing.T) {
	var f map[string]json.RawMessage
	if err := json.Unmarshal(layerJSON, &f); err != nil {
		t.Fatal(err)
	}
	if _, ok := f["theme_threshold_new"]; ok {
		t.Skip("the shipped layer sets theme_threshold_new; this test compares against one without")
	}
	shipped := newA(t)
	f["theme_threshold_new"] = json.RawMessage("0.9999")
	b, _ := json.Marshal(f)
	strict, err := NewWithLayer(DefaultTaxonomy(), b)
	if err != nil {
		t.Fatal(err)
	}
	rules, err := NewWithLayer(DefaultTaxonomy(), withoutHeads(t, layerJSON))
	if err != nil {
		t.Fatal(err)
	}
	var dropped, kept int
	for _, r := range readExamples(t, "testdata/chat_train2.jsonl") {
		m := &feedbackbot.Message{Text: r.Text, Role: feedbackbot.RoleCustomer}
		byRules, byHeads, byStrict := rules.AnalyzeMessage(m).Themes, shipped.AnalyzeMessage(m).Themes, strict.AnalyzeMessage(m).Themes
		for _, th := range byHeads {
			switch {
			case slices.Contains(byRules, th) && !slices.Contains(byStrict, th):
				t.Errorf("%q: %s, matched by the rules and kept by its head, was dropped", r.Text, th)
			case !slices.Contains(byRules, th) && slices.Contains(byStrict, th):
				// a theme the intent implies (bug_report: bug, ...) is added after the heads
				if th != "feature_request" && th != "bug" && th != "cancellation" {
					t.Errorf("%q: %s, which its rules did not match, was still tagged at p >= 0.9999", r.Text, th)
				}
			case !slices.Contains(byRules, th):
				dropped++
			default:
				kept++
			}
		}
	}
	if dropped == 0 || kept == 0 {
		t.Errorf("dropped %d themes the rules did not match, kept %d they did: the set should have both", dropped, kept)
	}
	t.Logf("dropped %d themes the rules did not match, kept %d they did", dropped, kept)
}
