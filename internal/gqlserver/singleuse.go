package gqlserver

import (
	"fmt"

	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/validator/core"
)

// singleUse is a validation rule: each named root field may appear at most
// once per operation, however it is reached (aliases, fragments, inline
// fragments), so one request cannot batch many login or reset attempts.
func singleUse(names []string) core.Rule {
	limited := map[string]bool{}
	for _, n := range names {
		limited[n] = true
	}
	return core.Rule{Name: "SingleUseMutations", RuleFunc: func(observers *core.Events, addError core.AddErrFunc) {
		observers.OnOperation(func(walker *core.Walker, op *ast.OperationDefinition) {
			seen := map[string]int{}
			reported := map[string]bool{}
			countRootFields(walker.Document, op.SelectionSet, seen, map[string]bool{})
			for _, sel := range rootFieldsInOrder(walker.Document, op.SelectionSet, map[string]bool{}) {
				if limited[sel.Name] && seen[sel.Name] > 1 && !reported[sel.Name] {
					reported[sel.Name] = true
					addError(core.Message("%s", fmt.Sprintf("%q can only be used once per request", sel.Name)), core.At(sel.Position))
				}
			}
		})
	}}
}

func countRootFields(doc *ast.QueryDocument, set ast.SelectionSet, seen map[string]int, visiting map[string]bool) {
	for _, f := range rootFieldsInOrder(doc, set, visiting) {
		seen[f.Name]++
	}
}

// rootFieldsInOrder flattens fragments at the root into the fields they select.
func rootFieldsInOrder(doc *ast.QueryDocument, set ast.SelectionSet, visiting map[string]bool) []*ast.Field {
	var out []*ast.Field
	for _, sel := range set {
		switch s := sel.(type) {
		case *ast.Field:
			out = append(out, s)
		case *ast.InlineFragment:
			out = append(out, rootFieldsInOrder(doc, s.SelectionSet, visiting)...)
		case *ast.FragmentSpread:
			if visiting[s.Name] {
				continue // a cycle; another rule reports it
			}
			if frag := doc.Fragments.ForName(s.Name); frag != nil {
				visiting[s.Name] = true
				out = append(out, rootFieldsInOrder(doc, frag.SelectionSet, visiting)...)
				delete(visiting, s.Name)
			}
		}
	}
	return out
}
