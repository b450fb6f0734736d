package emerging

import (
	"fmt"
	"strings"
	"testing"
	"time"
)

var t0 = time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)

func docs(prefix string, texts ...string) []Doc {
	var out []Doc
	for i, s := range texts {
		out = append(out, Doc{Key: fmt.Sprintf("%s%d", prefix, i), Text: s, Time: t0.Add(time.Duration(i) * time.Hour)})
	}
	return out
}

func history() []Doc {
	var texts []string
	for i := range 60 {
		texts = append(texts,
			fmt.Sprintf("how do I invite a teammate to workspace %d?", i),
			"the dashboard loads slowly in the morning",
			"can we export the report to csv")
	}
	return docs("h", texts...)
}

func TestNewTopicSurfaces(t *testing.T) {
	period := docs("p",
		"the invoice pdf is missing the VAT number",
		"our finance team says the invoice pdf has no VAT line",
		"invoice pdf without VAT again, auditors are asking",
		"how do I invite a teammate?",
		"the dashboard loads slowly today",
		"would love dark mode for late nights",
		"any plans for dark mode? my eyes hurt",
		"dark mode please, the white theme is blinding",
	)
	got := Emerging(period, history(), 3)
	if len(got) < 2 {
		t.Fatalf("want the two new topics, got %+v", got)
	}
	var labels []string
	for _, th := range got {
		labels = append(labels, strings.Join(th.Phrases, "/"))
		if th.Size < 2 || th.Quote.Text == "" {
			t.Errorf("theme %+v needs a size and a quote", th)
		}
	}
	all := strings.Join(labels, " | ")
	if !strings.Contains(all, "dark mode") || !(strings.Contains(all, "invoice pdf") || strings.Contains(all, "vat")) {
		t.Fatalf("emerging themes %q miss the new topics", all)
	}
	if strings.Contains(all, "invite") || strings.Contains(all, "dashboard") {
		t.Fatalf("old topics are not new: %q", all)
	}
	again := Emerging(period, history(), 3)
	if fmt.Sprint(again) != fmt.Sprint(got) {
		t.Fatal("emerging themes must be deterministic")
	}
}

func TestNothingNew(t *testing.T) {
	period := docs("p", "how do I invite a teammate to workspace 3?", "the dashboard loads slowly in the morning", "can we export the report to csv", "the dashboard loads slowly in the morning")
	if got := Emerging(period, history(), 3); len(got) != 0 {
		t.Fatalf("a period with nothing new yields nothing, got %+v", got)
	}
	if got := Emerging(nil, history(), 3); got != nil {
		t.Fatal("no period, no themes")
	}
}

func BenchmarkEmerging(b *testing.B) {
	h := history()
	var texts []string
	for i := range 300 {
		texts = append(texts, fmt.Sprintf("message %d about the invoice pdf and dark mode and slow dashboards", i))
	}
	p := docs("p", texts...)
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		Emerging(p, h, 4)
	}
}
