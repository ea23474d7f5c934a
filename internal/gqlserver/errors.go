package gqlserver

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/gqlerror"

	"github.com/gatehouse/gatehouse/internal/auth"
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

// recorder holds gqlgen's response so a request-level failure can be
// rewritten in Directus's shape before anything reaches the client.
type recorder struct {
	header http.Header
	status int
	body   bytes.Buffer
}

func (r *recorder) Header() http.Header         { return r.header }
func (r *recorder) Write(b []byte) (int, error) { return r.body.Write(b) }
func (r *recorder) WriteHeader(status int)      { r.status = status }

// flush writes the response. gqlgen answers a document it refuses (parse,
// validation, complexity, transport) with a 4xx; Directus answers 400
// GRAPHQL_VALIDATION with the inner errors under extensions.errors.
func (r *recorder) flush(w http.ResponseWriter) {
	for k, v := range r.header {
		w.Header()[k] = v
	}
	if r.status < 400 {
		w.WriteHeader(r.status)
		_, _ = w.Write(r.body.Bytes())
		return
	}
	var resp struct {
		Errors []map[string]any `json:"errors"`
	}
	_ = json.Unmarshal(r.body.Bytes(), &resp)
	inner := make([]any, 0, len(resp.Errors))
	for _, e := range resp.Errors {
		delete(e, "extensions")
		inner = append(inner, e)
	}
	writeErrors(w, http.StatusBadRequest, map[string]any{
		"message":    "GraphQL validation error.",
		"extensions": map[string]any{"errors": inner, "code": "GRAPHQL_VALIDATION"},
	})
}

func directusError(e *auth.Error) map[string]any {
	ext := map[string]any{"code": e.Code}
	for k, v := range e.Extensions {
		ext[k] = v
	}
	return map[string]any{"message": e.Message, "extensions": ext}
}

func writeErrors(w http.ResponseWriter, status int, errs ...map[string]any) {
	b, _ := json.Marshal(map[string]any{"errors": errs})
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Del("Content-Length")
	w.WriteHeader(status)
	_, _ = w.Write(b)
}
