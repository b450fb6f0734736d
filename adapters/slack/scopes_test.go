package slackadapter_test

import (
	"net/http"
	"net/http/httptest"
	"os"
	"slices"
	"strings"
	"sync/atomic"
	"testing"

	"gopkg.in/yaml.v3"

	slackadapter "github.com/feedbackbot/feedbackbot/adapters/slack"
)

// TestMissingScopesNamesWhatGoesWithout: the scopes auth.test says the bot token
// has (its X-OAuth-Scopes header) are checked against those the bot uses, each
// missing one named with what goes without it; usergroups:read only where
// staff are named by user group; an answer without the header says nothing.
func TestMissingScopesNamesWhatGoesWithout(t *testing.T) {
	const all = "channels:history,groups:history,channels:read,groups:read,chat:write,commands,files:write,users:read,reactions:read,team:read"
	for _, tc := range []struct {
		name   string
		header *string
		groups []string
		want   []string // the scopes named, in order
	}{
		{name: "every scope", header: ptr(all)},
		{name: "every scope, spaced", header: ptr(strings.ReplaceAll(all, ",", ", "))},
		{name: "no history, no files", header: ptr("channels:read,groups:read,chat:write,commands,users:read,reactions:read,team:read"),
			want: []string{"channels:history", "groups:history", "files:write"}},
		{name: "staff by user group", header: ptr(all), groups: []string{"S0STAFF"}, want: []string{"usergroups:read"}},
		{name: "staff by user group, granted", header: ptr(all + ",usergroups:read"), groups: []string{"S0STAFF"}},
		// (team:read was asked for until 2026-12-07, though no call needs it: the
		// home team comes from auth.test; a token without it failed config check)
		{name: "every scope used, no team:read", header: ptr(strings.ReplaceAll(all, ",team:read", ""))},
		{name: "no header", header: nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if names := missingScopes(t, tc.header, tc.groups); !slices.Equal(names, tc.want) {
				t.Errorf("missing %q, want %q", names, tc.want)
			}
		})
	}
}

// missingScopes asks MissingScopes of an adapter whose auth.test answers with
// header as its X-OAuth-Scopes (nil: none) and returns the scopes named,
// failing the test where one does not say what goes without it.
func missingScopes(t *testing.T, header *string, groups []string) []string {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/api/auth.test" || r.Header.Get("Authorization") != "Bearer xoxb-scopes-SECRET" {
			http.Error(w, "unexpected request", http.StatusBadRequest)
			return
		}
		if header != nil {
			w.Header().Set("X-OAuth-Scopes", *header)
		}
		w.Header().Set("Content-Type", "application/json")
		w.Write([]byte(`{"ok":true,"user_id":"UBOT","team_id":"T1"}`))
	}))
	defer srv.Close()
	a, err := slackadapter.New(slackadapter.Config{BotToken: "xoxb-scopes-SECRET", SigningSecret: "s", APIURL: srv.URL + "/api/",
		StaffUserGroups: groups}, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	missing, err := a.MissingScopes(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, m := range missing {
		name, why, ok := strings.Cut(m, " (")
		if !ok || len(why) < 10 {
			t.Errorf("%q does not say what goes without the scope", m)
		}
		names = append(names, name)
	}
	return names
}

func ptr(s string) *string { return &s }

// TestMissingScopesAreTheManifests: a token with no scope lacks exactly the bot
// scopes deploy/slack-app-manifest.yaml asks for (staff named by user group), so
// the two lists cannot drift apart.
func TestMissingScopesAreTheManifests(t *testing.T) {
	raw, err := os.ReadFile("../../deploy/slack-app-manifest.yaml")
	if err != nil {
		t.Fatal(err)
	}
	var manifest struct {
		OAuth struct {
			Scopes struct {
				Bot []string `yaml:"bot"`
			} `yaml:"scopes"`
		} `yaml:"oauth_config"`
	}
	if err := yaml.Unmarshal(raw, &manifest); err != nil {
		t.Fatal(err)
	}
	names := missingScopes(t, ptr(""), []string{"S0STAFF"})
	slices.Sort(names)
	want := slices.Sorted(slices.Values(manifest.OAuth.Scopes.Bot))
	if len(want) == 0 || !slices.Equal(names, want) {
		t.Errorf("the scopes checked are %q; the manifest asks for %q", names, want)
	}
}

// TestMissingScopesTakesStartsAnswer: the scopes come from the answer to the
// auth.test Start made (kept from its headers), so config check and start ask
// Slack once; an adapter not started asks itself.
func TestMissingScopesTakesStartsAnswer(t *testing.T) {
	for _, start := range []bool{true, false} {
		var asked atomic.Int64
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if r.URL.Path != "/api/auth.test" {
				http.Error(w, "unexpected request", http.StatusBadRequest)
				return
			}
			asked.Add(1)
			w.Header().Set("X-OAuth-Scopes", "chat:write,commands,channels:read,groups:read,users:read,reactions:read,team:read,files:write")
			w.Header().Set("Content-Type", "application/json")
			w.Write([]byte(`{"ok":true,"user_id":"UBOT","team_id":"T1","url":"https://acme.slack.com/"}`))
		}))
		a, err := slackadapter.New(slackadapter.Config{BotToken: "xoxb-scopes-SECRET", SigningSecret: "s", APIURL: srv.URL + "/api/"}, nil, nil)
		if err != nil {
			t.Fatal(err)
		}
		if start {
			if err := a.Start(t.Context()); err != nil {
				t.Fatal(err)
			}
		}
		missing, err := a.MissingScopes(t.Context())
		srv.Close()
		if err != nil || len(missing) != 2 || !strings.HasPrefix(missing[0], "channels:history (") || !strings.HasPrefix(missing[1], "groups:history (") {
			t.Errorf("started %v: missing %q, %v; want the two history scopes", start, missing, err)
		}
		if n := asked.Load(); n != 1 {
			t.Errorf("started %v: auth.test asked %d times, want once", start, n)
		}
	}
}
