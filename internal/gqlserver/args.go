package gqlserver

import (
	"context"
	"slices"

	"github.com/99designs/gqlgen/graphql"

	"github.com/gatehouse/gatehouse/internal/auth"
)

// checkArgs is the edge check (auth.CheckText, the one REST applies to its
// bodies and query strings) on every string argument of every field, inline
// or from variables, before the resolver runs. A refused argument fails its
// field with INVALID_PAYLOAD naming it (input-object members by their own
// name); the resolver, and so the service, never sees it.
func checkArgs(ctx context.Context, next graphql.Resolver) (any, error) {
	fc := graphql.GetFieldContext(ctx)
	if fc == nil || fc.Field.Field == nil || len(fc.Field.Arguments) == 0 {
		return next(ctx)
	}
	var vars map[string]any
	if graphql.HasOperationContext(ctx) {
		vars = graphql.GetOperationContext(ctx).Variables
	}
	args := fc.Field.ArgumentMap(vars)
	names := make([]string, 0, len(args))
	for k := range args {
		names = append(names, k)
	}
	slices.Sort(names)
	for _, name := range names {
		if err := auth.CheckTexts(name, args[name]); err != nil {
			return nil, err
		}
	}
	return next(ctx)
}
