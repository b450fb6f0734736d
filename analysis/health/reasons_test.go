package health

import (
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"slices"
	"strconv"
	"strings"
	"testing"
)

// TestReasonCodesListsEveryReason: every Reason* constant of the package is in
// ReasonCodes, which is what an account's alerts are looked up by (a code left
// out would hide its alerts from /feedback account).
func TestReasonCodesListsEveryReason(t *testing.T) {
	entries, err := os.ReadDir(".")
	if err != nil {
		t.Fatal(err)
	}
	var declared []string
	for _, e := range entries {
		if !strings.HasSuffix(e.Name(), ".go") || strings.HasSuffix(e.Name(), "_test.go") {
			continue
		}
		f, err := parser.ParseFile(token.NewFileSet(), e.Name(), nil, 0)
		if err != nil {
			t.Fatal(err)
		}
		ast.Inspect(f, func(n ast.Node) bool {
			spec, ok := n.(*ast.ValueSpec)
			if !ok {
				return true
			}
			for i, name := range spec.Names {
				if !strings.HasPrefix(name.Name, "Reason") || i >= len(spec.Values) {
					continue
				}
				if lit, ok := spec.Values[i].(*ast.BasicLit); ok && lit.Kind == token.STRING {
					v, err := strconv.Unquote(lit.Value)
					if err != nil {
						t.Fatal(err)
					}
					declared = append(declared, v)
				}
			}
			return true
		})
	}
	if len(declared) < 11 {
		t.Fatalf("found %d reason constants, want at least 11: %v", len(declared), declared)
	}
	for _, code := range declared {
		if !slices.Contains(ReasonCodes(), code) {
			t.Errorf("reason %q is not in ReasonCodes", code)
		}
	}
}
