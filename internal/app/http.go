package app

import (
	"net/http"

	"github.com/99designs/gqlgen/graphql"

	"github.com/gatehouse/gatehouse/graph"
	"github.com/gatehouse/gatehouse/graph/system"
	"github.com/gatehouse/gatehouse/internal/gqlserver"
	"github.com/gatehouse/gatehouse/internal/playground"
	"github.com/gatehouse/gatehouse/internal/rest"
)

// Single-use mutations per endpoint: each may appear once per operation, so a
// request cannot batch credential guesses.
var (
	singleUseOurs = []string{"login", "refresh", "requestPasswordReset", "resetPassword", "acceptInvite", "register",
		"verifyEmail", "generateTfa", "enableTfa", "disableTfa", "generateRecoveryCodes"}
	singleUseSystem = []string{"auth_login", "auth_refresh", "auth_password_request", "auth_password_reset",
		"users_register", "users_register_verify", "users_invite_accept",
		"users_me_tfa_generate", "users_me_tfa_enable", "users_me_tfa_disable"}
)

const playgroundAssets = "/graphql/playground/"

// Handler is the whole HTTP surface: REST, /graphql, /graphql/system and the
// playground, behind the shared middleware.
func (a *App) Handler() http.Handler {
	cfg := a.Config
	api := rest.New(a.Auth, rest.Options{MaxBody: int64(cfg.MaxPayloadSize), RequestTimeout: cfg.RequestTimeout.D(),
		JWKS: a.Keys.JWKS, JWKSMaxAge: cfg.JWKSMaxAge.D(), OpenAPI: a.OpenAPI, Logger: a.Log})
	mux := http.NewServeMux()
	api.Routes(mux)
	a.Pages.Routes(mux)

	endpoint := func(es graphql.ExecutableSchema, path, example string, single []string) http.Handler {
		o := gqlserver.Options{Introspection: cfg.GraphQLIntrospection, ComplexityLimit: cfg.GraphQLComplexityLimit,
			SingleUse: single, MaxBody: int64(cfg.MaxPayloadSize), Logger: a.Log}
		if cfg.GraphQLPlayground {
			o.Playground = playground.Page{Endpoint: path, Assets: playgroundAssets, Title: "Gatehouse " + path, Example: example}.Handler()
		}
		return gqlserver.New(es, o)
	}
	mux.Handle("/graphql", endpoint(graph.NewExecutableSchema(graph.Config{Resolvers: &graph.Resolver{Auth: a.Auth}}),
		"/graphql", playground.ExampleGatehouse, singleUseOurs))
	mux.Handle("/graphql/system", endpoint(system.NewExecutableSchema(system.Config{Resolvers: &system.Resolver{Auth: a.Auth}}),
		"/graphql/system", playground.ExampleDirectus, singleUseSystem))
	if cfg.GraphQLPlayground {
		mux.Handle("GET "+playgroundAssets, playground.Handler("/graphql", playgroundAssets, ""))
	}
	return a.Ops.Wrap(api.Wrap(mux))
}
