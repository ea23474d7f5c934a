// Package gqlserver turns a gqlgen schema into an HTTP endpoint that behaves
// like Directus's and follows GraphQL over HTTP: JSON POST for mutations, GET
// for queries (a mutation over GET is 405), the response media type
// negotiated from Accept, single-use sensitive mutations, a complexity limit,
// and Directus's error wrapper. Both /graphql and /graphql/system are built
// with it.
package gqlserver

import (
	"context"
	"log/slog"
	"net/http"
	"strings"

	"github.com/99designs/gqlgen/graphql"
	"github.com/99designs/gqlgen/graphql/errcode"
	"github.com/99designs/gqlgen/graphql/handler"
	"github.com/99designs/gqlgen/graphql/handler/extension"
	"github.com/99designs/gqlgen/graphql/handler/lru"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/validator/rules"

	"github.com/gatehouse/gatehouse/internal/auth"
	"github.com/gatehouse/gatehouse/internal/playground"
)

// gqlgen answers an over-complex document with 200, as if it had run;
// Directus counts it as a validation failure. Registering the code as a
// protocol error makes gqlgen refuse it like any other invalid document
// (a one-time setting of gqlgen's own registry, hence init).
func init() {
	errcode.RegisterErrorType("COMPLEXITY_LIMIT_EXCEEDED", errcode.KindProtocol)
}

// Options configure one endpoint.
type Options struct {
	Introspection   bool
	ComplexityLimit int          // 0 = 200
	SingleUse       []string     // root fields allowed at most once per operation
	Playground      http.Handler // served to browsers on GET; nil = none
	MaxBody         int64        // 0 = 1 MiB
	Logger          *slog.Logger
}

// New builds the endpoint for es.
func New(es graphql.ExecutableSchema, o Options) http.Handler {
	if o.ComplexityLimit <= 0 {
		o.ComplexityLimit = 200
	}
	if o.MaxBody <= 0 {
		o.MaxBody = 1 << 20
	}
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
	srv := handler.New(es)
	srv.AddTransport(transport{maxBody: o.MaxBody})
	srv.SetQueryCache(lru.New[*ast.QueryDocument](1000))
	if o.Introspection {
		srv.Use(extension.Introspection{})
	}
	srv.SetDisableSuggestion(!o.Introspection)
	srv.Use(extension.FixedComplexityLimit(o.ComplexityLimit))
	single := singleUse(o.SingleUse)
	srv.SetValidationRulesFn(func() *rules.Rules {
		r := rules.NewDefaultRules()
		r.AddRule(single.Name, single.RuleFunc)
		return r
	})
	srv.AroundFields(checkArgs)
	srv.SetErrorPresenter(presenter(o.Logger))
	srv.SetRecoverFunc(func(ctx context.Context, v any) error {
		o.Logger.ErrorContext(ctx, "panic in a resolver", "panic", v)
		return auth.ErrInternal
	})
	return &endpoint{gql: srv, opts: o}
}

type endpoint struct {
	gql  *handler.Server
	opts Options
}

func (e *endpoint) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	switch {
	case r.Method == http.MethodGet && e.opts.Playground != nil && playground.WantsHTML(r) && r.URL.Query().Get("query") == "":
		e.opts.Playground.ServeHTTP(w, r)
		return
	case r.Method != http.MethodGet && r.Method != http.MethodPost:
		writeRequestError(w, negotiate(strings.Join(r.Header.Values("Accept"), ",")),
			auth.MethodNotAllowed(methodName(r.Method), http.MethodGet, http.MethodPost))
		return
	}
	ctx := context.WithValue(r.Context(), exchangeKey{}, &Exchange{W: w, R: r})
	e.gql.ServeHTTP(w, r.WithContext(ctx))
}

// methodName is the method to name in an error: a standard one as sent, any
// other as "OTHER", so no error repeats an arbitrary token from the request.
func methodName(m string) string {
	switch m {
	case http.MethodHead, http.MethodPut, http.MethodPatch, http.MethodDelete, http.MethodOptions,
		http.MethodConnect, http.MethodTrace:
		return m
	}
	return "OTHER"
}
