package slackadapter

import (
	"cmp"
	"context"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strings"

	"github.com/slack-go/slack"
)

// botScope is an OAuth scope of the bot token, and what goes without it.
type botScope struct {
	name, without string
}

// botScopes are the scopes deploy/slack-app-manifest.yaml asks for, each with
// what the bot cannot do without it. usergroups:read is asked for only where
// staff are named by user group (Config.StaffUserGroups).
var botScopes = []botScope{
	{"chat:write", "no digest or alert can be posted"},
	{"channels:read", "no public channel can be checked as internal, so none is posted to"},
	{"groups:read", "no private channel can be checked as internal, so none is posted to"},
	{"channels:history", "in public channels, a digest or alert a stopped replica posted unrecorded is not found (it is posted again), and a deleted post's thread stays"},
	{"groups:history", "the same in private channels"},
	{"files:write", "digests go without their chart"},
	{"users:read", "staff cannot be told from customers"},
	{"reactions:read", "reactions to customer messages are not counted"},
	{"commands", "/feedback does not answer"},
}

// MissingScopes asks Slack which scopes the bot token has (auth.test answers
// them in its X-OAuth-Scopes header: Start's answer's, where it had one, else
// it asks) and returns those of botScopes it lacks, each as "scope (what goes
// without it)". A token added to the app before a scope was, and not
// reinstalled since, works until the bot needs that scope: then only the log
// says why (a digest posted again, a chart missing). An answer without the
// header (a proxy, a test server) says nothing: nil.
func (a *Adapter) MissingScopes(ctx context.Context) ([]string, error) {
	a.mu.Lock()
	header := a.scopes
	a.mu.Unlock()
	if header == nil {
		url := cmp.Or(a.cfg.APIURL, slack.APIURL) + "auth.test"
		req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, nil)
		if err != nil {
			return nil, fmt.Errorf("slack auth.test: %w", err)
		}
		req.Header.Set("Authorization", "Bearer "+a.cfg.BotToken)
		resp, err := a.http.Do(req)
		if err != nil {
			return nil, fmt.Errorf("slack auth.test: %w", err)
		}
		defer resp.Body.Close()
		_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
		var ok bool
		if header, ok = resp.Header["X-Oauth-Scopes"]; !ok {
			return nil, nil
		}
	}
	var have []string
	for _, h := range header {
		for s := range strings.SplitSeq(h, ",") {
			have = append(have, strings.TrimSpace(s))
		}
	}
	need := slices.Clone(botScopes)
	if len(a.cfg.StaffUserGroups) > 0 {
		need = append(need, botScope{"usergroups:read", "staff cannot be named by user group (slack.staff_user_groups)"})
	}
	var missing []string
	for _, s := range need {
		if !slices.Contains(have, s.name) {
			missing = append(missing, s.name+" ("+s.without+")")
		}
	}
	return missing, nil
}
