package main

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/feedbackbot/feedbackbot/store"
)

// peopleSample is how many of a workspace's latest messages personHint reads for
// the people who wrote them.
const peopleSample = 5000

// personHint says in sentences, for an id the store holds nothing by in a workspace, whom it
// most likely meant: the authors of the workspace's latest messages whose id or
// name matches it (a name, "noah.g", typed for the id UNOAHG; a typo of either),
// and the other workspaces that hold messages by that id. "" when it finds none.
// Access and erasure requests arrive by name, and the text digest shows no ids (a
// review's find).
func personHint(ctx context.Context, st interface {
	messageReader
	Workspaces(ctx context.Context) ([]string, error)
	AuthorKeys(ctx context.Context, workspace, author string) ([]string, error)
}, ws, user string) string {
	var hints []string
	if rows, err := st.Messages(ctx, store.Query{Workspace: ws, Limit: peopleSample}); err == nil {
		seen := map[string]bool{}
		var near []string
		u := strings.ToLower(user)
		for _, s := range rows {
			m := s.Message
			if m.Author == "" || seen[m.Author] {
				continue
			}
			seen[m.Author] = true
			id, name := strings.ToLower(m.Author), strings.ToLower(m.AuthorName)
			if id == u || name == u || (name != "" && len(u) >= 3 && strings.Contains(name, u)) ||
				editDistance(u, id) <= 2 || (name != "" && editDistance(u, name) <= 2) {
				label := m.Author
				if m.AuthorName != "" && m.AuthorName != m.Author {
					label += " (" + m.AuthorName + ")"
				}
				near = append(near, label)
			}
		}
		if len(near) > 0 {
			slices.Sort(near)
			if len(near) > 5 {
				near = append(near[:5], "…")
			}
			hints = append(hints, "Did you mean "+strings.Join(near, ", ")+"?")
		}
	}
	if wss, err := st.Workspaces(ctx); err == nil {
		var other []string
		for _, w := range wss {
			if w == ws {
				continue
			}
			if keys, err := st.AuthorKeys(ctx, w, user); err == nil && len(keys) > 0 {
				other = append(other, w)
			}
		}
		if len(other) > 0 {
			hints = append(hints, fmt.Sprintf("The store holds messages by %s in workspace %s.", user, strings.Join(other, ", ")))
		}
	}
	return strings.Join(hints, " ")
}
