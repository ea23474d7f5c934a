// Package graph serves /graphql: resolvers are adapters over internal/auth.
package graph

//go:generate go -C .. tool gqlgen generate --config gqlgen.yml

import "github.com/gatehouse/gatehouse/internal/auth"

// Resolver is the root of /graphql's resolvers.
type Resolver struct {
	Auth *auth.Service
}
