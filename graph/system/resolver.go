// Package system serves /graphql/system with Directus's names and types, so
// Directus SDK apps work unchanged. Resolvers are adapters over internal/auth.
package system

//go:generate go tool gqlgen generate --config gqlgen.yml

import "github.com/gatehouse/gatehouse/internal/auth"

// Resolver is the root of /graphql/system's resolvers.
type Resolver struct {
	Auth *auth.Service
}
