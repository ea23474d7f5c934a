// Package gqlserver turns a gqlgen schema into an HTTP endpoint that behaves
// like Directus's: JSON POST for mutations, GET for queries, single-use
// sensitive mutations, a complexity limit, and Directus's error wrapper. Both
// /graphql and /graphql/system are built with it.
package gqlserver

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"

	"github.com/99designs/gqlgen/graphql"
	"github.com/99designs/gqlgen/graphql/errcode"
	"github.com/99designs/gqlgen/graphql/handler"
	"github.com/99designs/gqlgen/graphql/handler/extension"
	"github.com/99designs/gqlgen/graphql/handler/lru"
	"github.com/99designs/gqlgen/graphql/handler/transport"
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
	srv.AddTransport(transport.GET{})
	srv.AddTransport(transport.POST{})
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
	if r.Method == http.MethodGet && e.opts.Playground != nil && playground.WantsHTML(r) && r.URL.Query().Get("query") == "" {
		e.opts.Playground.ServeHTTP(w, r)
		return
	}
	if r.Method == http.MethodPost {
		// Check the body ourselves: gqlgen echoes an undecodable body in
		// its error, and the body may hold a password.
		raw, err := io.ReadAll(http.MaxBytesReader(w, r.Body, e.opts.MaxBody))
		if err != nil {
			var mbe *http.MaxBytesError
			if errors.As(err, &mbe) {
				writeErrors(w, http.StatusRequestEntityTooLarge, directusError(auth.InvalidPayload("Request entity too large")))
				return
			}
			writeErrors(w, http.StatusBadRequest, directusError(auth.InvalidPayload("Could not read the request body")))
			return
		}
		if isJSON(r.Header.Get("Content-Type")) && !json.Valid(raw) {
			writeErrors(w, http.StatusBadRequest, directusError(auth.InvalidPayload("The request body is not valid JSON")))
			return
		}
		r.Body = io.NopCloser(bytes.NewReader(raw))
	}
	rec := &recorder{header: http.Header{}, status: http.StatusOK}
	ctx := context.WithValue(r.Context(), exchangeKey{}, &Exchange{W: w, R: r})
	e.gql.ServeHTTP(rec, r.WithContext(ctx))
	rec.flush(w)
}

func isJSON(ct string) bool {
	return bytes.HasPrefix(bytes.TrimSpace([]byte(ct)), []byte("application/json"))
}
