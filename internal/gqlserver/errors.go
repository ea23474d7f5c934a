package gqlserver

import (
	"context"
	"errors"
	"log/slog"
	"net/http"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/gqlerror"

	"github.com/gatehouse/gatehouse/internal/auth"
	"github.com/gatehouse/gatehouse/internal/httpio"
)

// presenter maps errors to GraphQL errors: the one place GraphQL decides how
// an error reads. Service errors keep their Directus code; GraphQL's own
// (parse, validation) pass through; anything else is an internal error whose
// cause is logged, never shown.
func presenter(log *slog.Logger) graphql.ErrorPresenterFunc {
	return func(ctx context.Context, err error) *gqlerror.Error {
		gqlErr := graphql.DefaultErrorPresenter(ctx, err)
		var ae *auth.Error
		if errors.As(err, &ae) {
			if ae.Code == auth.CodeInternal {
				log.ErrorContext(ctx, "graphql operation failed", "err", errors.Unwrap(ae))
			}
			gqlErr.Message = ae.Message
			gqlErr.Extensions = map[string]any{"code": ae.Code}
			for k, v := range ae.Extensions {
				gqlErr.Extensions[k] = v
			}
			gqlErr.Err = nil
			return gqlErr
		}
		var ge *gqlerror.Error
		if errors.As(err, &ge) && ge.Err == nil {
			return gqlErr // GraphQL's own error: safe to show
		}
		log.ErrorContext(ctx, "graphql operation failed", "err", err)
		gqlErr.Message = auth.ErrInternal.Message
		gqlErr.Extensions = map[string]any{"code": auth.CodeInternal}
		gqlErr.Err = nil
		return gqlErr
	}
}

// writeRequestError answers a request refused before GraphQL saw it (body,
// parameters, method) in Directus's envelope and status (httpio, as REST),
// in the negotiated media type: an application/graphql-response+json client
// reads it as a GraphQL response whose errors carry extensions.code.
func writeRequestError(w http.ResponseWriter, media string, err error) {
	e := auth.AsError(err)
	httpio.WriteErrorAs(w, httpio.Status(e), media+"; charset=utf-8", e)
}

// writeInvalid answers a document GraphQL refused (parse, validation,
// variables, complexity, single use) with Directus's wrapper: 400, one
// GRAPHQL_VALIDATION error holding the inner errors. The spec asks for 400
// under application/graphql-response+json too, and the wrapper is a GraphQL
// response there, so one shape serves both media types.
func writeInvalid(w http.ResponseWriter, media string, errs gqlerror.List) {
	inner := make([]any, 0, len(errs))
	for _, e := range errs {
		inner = append(inner, innerError(e))
	}
	writeRequestError(w, media, &auth.Error{Code: auth.CodeGraphQLValidation,
		Message: "GraphQL validation error.", Extensions: map[string]any{"errors": inner}})
}

// innerError is a GraphQL error's message (without any value the client
// sent: see scrub), locations and path: gqlgen's own extensions (its error
// codes) are dropped, as the wrapper always did.
func innerError(e *gqlerror.Error) map[string]any {
	m := map[string]any{"message": scrub(e.Message)}
	if len(e.Locations) > 0 {
		m["locations"] = e.Locations
	}
	if len(e.Path) > 0 {
		m["path"] = e.Path
	}
	return m
}
