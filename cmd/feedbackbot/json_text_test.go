package main

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/feedbackbot/feedbackbot"
)

// TestJSONQuotesArePlainText: the quotes of digest --json and risk --json carry a
// message's plain text, as a JSON consumer expects ("R&D", not "R&amp;D"): Slack's
// escapes of the stored text are undone once ("&amp;lt;", a "&lt;" the customer
// typed, stays "&lt;"), its mentions and links flattened as the chat quotes are.
func TestJSONQuotesArePlainText(t *testing.T) {
	cases := []struct {
		name  string
		slack string // the message text as Slack sends it, escaped
		plain string // the quote a JSON consumer should read
		churn bool   // a churn signal: risk's evidence quotes it
	}{
		{"ampersand and angle brackets, churn", "we are evaluating other vendors, R&amp;D can't wait for the &lt;Export&gt; fix",
			"we are evaluating other vendors, R&D can't wait for the <Export> fix", true},
		{"praise with an ampersand and a comparison", "love the new R&amp;D board, 3 &gt; 2!", "love the new R&D board, 3 > 2!", false},
		{"an escape typed literally is decoded once", "the docs say to type &amp;lt;b&amp;gt; but the page is broken",
			"the docs say to type &lt;b&gt; but the page is broken", false},
		{"a mention and a link", "<@UMARIA> the <https://x.example/a?b=1&amp;c=2|report> is broken &amp; empty",
			"@UMARIA the report (https://x.example/a?b=1&c=2) is broken & empty", false},
	}
	dir := t.TempDir()
	t.Chdir(dir)
	var msgs []string
	for i, c := range cases {
		text, _ := json.Marshal(c.slack)
		msgs = append(msgs, fmt.Sprintf(`{"type":"message","user":"UDANA","text":%s,"ts":"%d.000100"}`, text, 1795168800+600*i))
	}
	p := writeExportZip(t, dir, map[string]string{
		"users.json":               `[{"id":"UMARIA","team_id":"THOME","name":"maria"},{"id":"UDANA","team_id":"TACME","name":"dana"}]`,
		"channels.json":            `[{"id":"CACME","name":"ext-acme"}]`,
		"ext-acme/2026-11-20.json": "[" + strings.Join(msgs, ",") + "]",
	})
	env := map[string]string{"FEEDBACKBOT_DATA": dir}
	if code, _, stderr := runCLI(t, env, "import", "--slack-export", p, "--team", "THOME"); code != 0 {
		t.Fatalf("import: exit %d: %s", code, stderr)
	}
	const asof = "2026-11-21T09:00:00Z"

	code, stdout, stderr := runCLI(t, env, "digest", "--as-of", asof, "--json")
	var d feedbackbot.Digest
	if err := json.Unmarshal([]byte(stdout), &d); code != 0 || err != nil {
		t.Fatalf("digest --json: exit %d, %v: %s", code, err, stderr)
	}
	if !strings.Contains(stdout, `R&D`) {
		t.Errorf("digest --json does not write R&D as it reads (escaped for HTML, or for Slack)")
	}
	quoted := map[string]bool{}
	for _, q := range append(d.Praise, d.Complaints...) {
		quoted[q.Text] = true
	}
	code, stdout, stderr = runCLI(t, env, "risk", "--as-of", asof, "--json")
	var risk struct {
		Accounts []struct {
			Reasons []feedbackbot.Reason `json:"reasons"`
		} `json:"accounts"`
	}
	if err := json.Unmarshal([]byte(stdout), &risk); code != 0 || err != nil {
		t.Fatalf("risk --json: exit %d, %v: %s", code, err, stderr)
	}
	if !strings.Contains(stdout, `R&D`) {
		t.Errorf("risk --json does not write R&D as it reads (escaped for HTML, or for Slack)")
	}
	evidence := map[string]bool{}
	for _, a := range risk.Accounts {
		for _, r := range a.Reasons {
			for _, e := range r.Evidence {
				evidence[e.Quote] = true
			}
		}
	}
	digestEvidence := map[string]bool{}
	for _, h := range d.AtRisk {
		for _, r := range h.Reasons {
			for _, e := range r.Evidence {
				digestEvidence[e.Quote] = true
			}
		}
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if !quoted[c.plain] {
				t.Errorf("digest --json quotes lack %q; they are %q", c.plain, keys(quoted))
			}
			if c.churn && !evidence[c.plain] {
				t.Errorf("risk --json evidence lacks %q; it is %q", c.plain, keys(evidence))
			}
			if c.churn && !digestEvidence[c.plain] {
				t.Errorf("digest --json at_risk evidence lacks %q; it is %q", c.plain, keys(digestEvidence))
			}
		})
	}
}

func keys(m map[string]bool) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	return out
}
