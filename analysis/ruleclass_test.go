package analysis

import (
	"go/ast"
	"go/parser"
	"go/token"
	"slices"
	"strconv"
	"testing"
)

// TestRuleClassCoversAsksFor: a message runs asksFor only when one of its words
// has the class wAsk, which ruleClass gives the words asksFor's switch starts
// from, listed a second time there. This reads both switches' case words from the
// source and checks they are the same words: a case added to asksFor alone would
// be reached only in messages that happen to hold another asking word.
func TestRuleClassCoversAsksFor(t *testing.T) {
	asks := caseWords(t, "rules.go", "asksFor", func(*ast.CaseClause) bool { return true })
	marked := caseWords(t, "analysis.go", "ruleClass", func(c *ast.CaseClause) bool {
		found := false
		ast.Inspect(c, func(n ast.Node) bool {
			if id, ok := n.(*ast.Ident); ok && id.Name == "wAsk" {
				found = true
			}
			return !found
		})
		return found
	})
	if len(asks) < 10 {
		t.Fatalf("found %d case words in asksFor (%q): the test no longer reads rules.go right", len(asks), asks)
	}
	slices.Sort(asks)
	slices.Sort(marked)
	if !slices.Equal(asks, marked) {
		t.Errorf("asksFor starts from %q, ruleClass marks %q with wAsk", asks, marked)
	}
	for _, w := range asks {
		if ruleClass(w)&wAsk == 0 {
			t.Errorf("ruleClass(%q) lacks wAsk", w)
		}
	}
}

// caseWords returns the string literals of the case clauses (those keep accepts)
// of every switch in function fn of file.
func caseWords(t *testing.T, file, fn string, keep func(*ast.CaseClause) bool) []string {
	t.Helper()
	f, err := parser.ParseFile(token.NewFileSet(), file, nil, 0)
	if err != nil {
		t.Fatal(err)
	}
	var words []string
	for _, d := range f.Decls {
		fd, ok := d.(*ast.FuncDecl)
		if !ok || fd.Name.Name != fn {
			continue
		}
		ast.Inspect(fd.Body, func(n ast.Node) bool {
			c, ok := n.(*ast.CaseClause)
			if !ok || !keep(c) {
				return true
			}
			for _, e := range c.List {
				if lit, ok := e.(*ast.BasicLit); ok && lit.Kind == token.STRING {
					w, err := strconv.Unquote(lit.Value)
					if err != nil {
						t.Fatal(err)
					}
					words = append(words, w)
				}
			}
			return true
		})
	}
	return words
}
