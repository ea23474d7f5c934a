package store

import "github.com/jackc/pgx/v5"

// SetExecMode picks how s runs its request-path queries, for benchmarks
// that compare the modes.
func SetExecMode(s *Store, m pgx.QueryExecMode) { s.execMode = m }
