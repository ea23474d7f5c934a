package directus

import (
	"context"
	"database/sql"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"
)

// The Directus versions this importer knows, by migration: policies (and so
// the tables read here) arrived with 11.0; the newest known is 12.4.0's.
const (
	firstKnownMigration  = "20240806A" // Permissions Policies (Directus 11.0.0)
	latestKnownMigration = "20260909A" // Add Flows Module (Directus 12.4.0)
	latestKnownVersion   = "12.4.0"
)

// Snapshot is what the importer reads from Directus, in one read-only
// transaction so the tables agree with each other.
type Snapshot struct {
	LatestMigration string
	Roles           []Role
	Policies        map[string]Policy
	Access          []Access
	Users           []User
	Sessions        []Session
}

// Role is a directus_roles row.
type Role struct {
	ID, Name    string
	Description *string
	Parent      *string
}

// Policy is the part of a directus_policies row that reaches Gatehouse.
type Policy struct{ Admin, App bool }

// Access is a directus_access row: a policy attached to a role or a user.
type Access struct {
	Role, User *string
	Policy     string
}

// User is a directus_users row.
type User struct {
	ID                                 string
	FirstName, LastName, Email         *string
	Password, TFASecret, Token, RoleID *string
	Status, Provider                   string
	LastAccess                         *time.Time
}

// Session is a directus_sessions row.
type Session struct {
	Token                         string
	User                          *string
	Expires                       time.Time
	IP, UserAgent, Origin         *string
	Share, NextToken, OAuthClient *string
}

// need lists the columns read from each table; all must exist.
var need = map[string][]string{
	"directus_users":    {"id", "first_name", "last_name", "email", "password", "tfa_secret", "status", "role", "token", "last_access", "provider"},
	"directus_roles":    {"id", "name", "description", "parent"},
	"directus_policies": {"id", "admin_access", "app_access"},
	"directus_access":   {"role", "user", "policy"},
	"directus_sessions": {"token", "user", "expires", "ip", "user_agent", "share", "origin", "next_token"},
}

// Read checks that the source is a Directus database of a known version and
// reads it. allowNewer reads a database with migrations newer than the
// importer knows (the columns read are still checked).
func (s *Source) Read(ctx context.Context, allowNewer bool) (*Snapshot, error) {
	opts := &sql.TxOptions{ReadOnly: true}
	if s.pg {
		opts.Isolation = sql.LevelRepeatableRead // one snapshot for every table
	}
	tx, err := s.db.BeginTx(ctx, opts)
	if err != nil {
		return nil, fmt.Errorf("read Directus: %w", err)
	}
	defer tx.Rollback() //nolint:errcheck // read-only
	snap := &Snapshot{}
	if snap.LatestMigration, err = s.checkVersion(ctx, tx, allowNewer); err != nil {
		return nil, err
	}
	sessionCols, err := s.columns(ctx, tx, "directus_sessions")
	if err != nil {
		return nil, err
	}
	if err := s.readRoles(ctx, tx, snap); err != nil {
		return nil, fmt.Errorf("read directus_roles: %w", err)
	}
	if err := s.readPolicies(ctx, tx, snap); err != nil {
		return nil, fmt.Errorf("read directus_policies/directus_access: %w", err)
	}
	if err := s.readUsers(ctx, tx, snap); err != nil {
		return nil, fmt.Errorf("read directus_users: %w", err)
	}
	if err := s.readSessions(ctx, tx, snap, sessionCols["oauth_client"]); err != nil {
		return nil, fmt.Errorf("read directus_sessions: %w", err)
	}
	return snap, nil
}

func (s *Source) checkVersion(ctx context.Context, tx *sql.Tx, allowNewer bool) (string, error) {
	cols, err := s.columns(ctx, tx, "directus_migrations")
	if err != nil {
		return "", err
	}
	if !cols["version"] {
		return "", fmt.Errorf("%w: it has no directus_migrations table", ErrNotDirectus)
	}
	rows, err := tx.QueryContext(ctx, "SELECT version FROM directus_migrations")
	if err != nil {
		return "", err
	}
	var versions []string
	for rows.Next() {
		var v string
		if err := rows.Scan(&v); err != nil {
			rows.Close()
			return "", err
		}
		versions = append(versions, v)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return "", err
	}
	sort.Strings(versions)
	has := func(v string) bool {
		i := sort.SearchStrings(versions, v)
		return i < len(versions) && versions[i] == v
	}
	if len(versions) == 0 {
		return "", fmt.Errorf("%w: directus_migrations is empty (run `directus bootstrap` first)", ErrNotDirectus)
	}
	latest := versions[len(versions)-1]
	if !has(firstKnownMigration) {
		return "", fmt.Errorf("%w: it is older than Directus 11 (migration %s is missing; latest is %s): upgrade Directus to 11 or later first",
			ErrNotDirectus, firstKnownMigration, latest)
	}
	if latest > latestKnownMigration && !allowNewer {
		return "", fmt.Errorf("%w: its latest migration %s is newer than the newest this importer knows (%s, Directus %s); "+
			"upgrade Gatehouse, or pass --allow-unknown-version to try anyway", ErrNotDirectus, latest, latestKnownMigration, latestKnownVersion)
	}
	for table, want := range need {
		have, err := s.columns(ctx, tx, table)
		if err != nil {
			return "", err
		}
		for _, c := range want {
			if !have[c] {
				return "", fmt.Errorf("%w: %s has no column %q", ErrNotDirectus, table, c)
			}
		}
	}
	return latest, nil
}

func (s *Source) readRoles(ctx context.Context, tx *sql.Tx, snap *Snapshot) error {
	return scanRows(ctx, tx, "SELECT id, name, description, parent FROM directus_roles ORDER BY id", func(v []any) {
		snap.Roles = append(snap.Roles, Role{ID: str(v[0]), Name: str(v[1]), Description: strp(v[2]), Parent: strp(v[3])})
	})
}

func (s *Source) readPolicies(ctx context.Context, tx *sql.Tx, snap *Snapshot) error {
	snap.Policies = map[string]Policy{}
	err := scanRows(ctx, tx, "SELECT id, admin_access, app_access FROM directus_policies", func(v []any) {
		snap.Policies[str(v[0])] = Policy{Admin: boolean(v[1]), App: boolean(v[2])}
	})
	if err != nil {
		return err
	}
	return scanRows(ctx, tx, `SELECT role, "user", policy FROM directus_access`, func(v []any) {
		snap.Access = append(snap.Access, Access{Role: strp(v[0]), User: strp(v[1]), Policy: str(v[2])})
	})
}

func (s *Source) readUsers(ctx context.Context, tx *sql.Tx, snap *Snapshot) error {
	return scanRows(ctx, tx, `SELECT id, first_name, last_name, email, password, tfa_secret, status, role, token,
		last_access, provider FROM directus_users ORDER BY id`, func(v []any) {
		u := User{ID: str(v[0]), FirstName: strp(v[1]), LastName: strp(v[2]), Email: strp(v[3]), Password: strp(v[4]),
			TFASecret: strp(v[5]), Status: str(v[6]), RoleID: strp(v[7]), Token: strp(v[8]), Provider: str(v[10])}
		if t, ok := timestamp(v[9]); ok {
			u.LastAccess = &t
		}
		snap.Users = append(snap.Users, u)
	})
}

func (s *Source) readSessions(ctx context.Context, tx *sql.Tx, snap *Snapshot, hasOAuth bool) error {
	oauth := "NULL"
	if hasOAuth {
		oauth = "oauth_client"
	}
	return scanRows(ctx, tx, `SELECT token, "user", expires, ip, user_agent, origin, share, next_token, `+oauth+
		` FROM directus_sessions ORDER BY token`, func(v []any) {
		se := Session{Token: str(v[0]), User: strp(v[1]), IP: strp(v[3]), UserAgent: strp(v[4]), Origin: strp(v[5]),
			Share: strp(v[6]), NextToken: strp(v[7]), OAuthClient: strp(v[8])}
		se.Expires, _ = timestamp(v[2]) // unreadable: zero, so expired
		snap.Sessions = append(snap.Sessions, se)
	})
}

// scanRows runs q and hands each row's values to fn as driver values.
func scanRows(ctx context.Context, tx *sql.Tx, q string, fn func([]any)) error {
	rows, err := tx.QueryContext(ctx, q)
	if err != nil {
		return err
	}
	defer rows.Close()
	cols, err := rows.Columns()
	if err != nil {
		return err
	}
	vals := make([]any, len(cols))
	ptrs := make([]any, len(cols))
	for i := range vals {
		ptrs[i] = &vals[i]
	}
	for rows.Next() {
		if err := rows.Scan(ptrs...); err != nil {
			return err
		}
		fn(vals)
	}
	return rows.Err()
}

// The conversions below accept what either driver returns: PostgreSQL
// gives typed values, SQLite gives integers for booleans and milliseconds
// for Directus's datetimes (or text, from older Directus versions).

func strp(v any) *string {
	switch x := v.(type) {
	case nil:
		return nil
	case string:
		return &x
	case []byte:
		s := string(x)
		return &s
	case [16]byte: // a pgx uuid scanned into any
		s := fmt.Sprintf("%x-%x-%x-%x-%x", x[0:4], x[4:6], x[6:8], x[8:10], x[10:16])
		return &s
	}
	s := fmt.Sprint(v)
	return &s
}

func str(v any) string {
	if p := strp(v); p != nil {
		return *p
	}
	return ""
}

func boolean(v any) bool {
	switch x := v.(type) {
	case bool:
		return x
	case int64:
		return x != 0
	case string:
		return x == "1" || strings.EqualFold(x, "true")
	}
	return false
}

func timestamp(v any) (time.Time, bool) {
	switch x := v.(type) {
	case time.Time:
		return x.UTC(), true
	case int64:
		return time.UnixMilli(x).UTC(), true
	case float64:
		return time.UnixMilli(int64(x)).UTC(), true
	case string, []byte:
		s := strings.TrimSpace(str(x))
		if ms, err := strconv.ParseInt(s, 10, 64); err == nil {
			return time.UnixMilli(ms).UTC(), true
		}
		for _, f := range []string{time.RFC3339Nano, "2006-01-02 15:04:05.999999999Z07:00", "2006-01-02 15:04:05.999999999", "2006-01-02T15:04:05.999999999"} {
			if t, err := time.Parse(f, s); err == nil {
				return t.UTC(), true
			}
		}
	}
	return time.Time{}, false
}
