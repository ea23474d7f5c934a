package directus_test

import (
	"bytes"
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/gatehouse/gatehouse/internal/app/apptest"
	"github.com/gatehouse/gatehouse/internal/directus"
	"github.com/gatehouse/gatehouse/internal/store/storetest"
)

// A large Directus reports progress, and imports in reasonable time.
func TestImportLargeTablesShowsProgress(t *testing.T) {
	const n = 3000
	role := "a0000000-0000-4000-8000-0000000000aa"
	snap := &directus.Snapshot{LatestMigration: "20260909A", Policies: map[string]directus.Policy{"p": {App: true}},
		Roles: []directus.Role{{ID: role, Name: "Bulk"}}}
	snap.Access = []directus.Access{{Role: &role, Policy: "p"}}
	hash := "$argon2id$v=19$m=65536,t=3,p=4$GKUycwqQ/TxUmspsckZ+5A$E5yOCPTOZzOo1cMrF7RS6qGT+mU6LyHQFvrC6rveMQ4"
	for i := range n {
		id := fmt.Sprintf("d0000000-0000-4000-8000-%012d", i)
		email := fmt.Sprintf("bulk%d@example.com", i)
		snap.Users = append(snap.Users, directus.User{ID: id, Email: &email, Password: &hash, Status: "active",
			RoleID: &role, Provider: "default"})
		uid := id
		snap.Sessions = append(snap.Sessions, directus.Session{Token: fmt.Sprintf("%064d", i), User: &uid,
			Expires: time.Now().Add(24 * time.Hour)})
	}
	storetest.Each(t, func(t *testing.T, client string) {
		s := apptest.New(t, client)
		var out, progress bytes.Buffer
		im := directus.New(s.App.Store, s.App.Auth, directus.Options{Now: s.Clock.Now, Out: &out, Progress: &progress})
		start := time.Now()
		rep, err := im.ImportSnapshot(context.Background(), snap)
		if err != nil {
			t.Fatal(err)
		}
		took := time.Since(start)
		if rep.Users.Created != n || rep.Sessions.Created != n {
			t.Fatalf("%+v", rep)
		}
		for _, want := range []string{"users: 1000/3000", "users: 2000/3000", "writing users: 3000/3000", "writing sessions: 3000/3000"} {
			if !strings.Contains(progress.String(), want) {
				t.Fatalf("progress lacks %q:\n%s", want, progress.String())
			}
		}
		start = time.Now()
		if rep, err := im.ImportSnapshot(context.Background(), snap); err != nil || rep.Changed() {
			t.Fatalf("again: %+v %v", rep, err)
		}
		t.Logf("%s: %d users + %d sessions imported in %s, checked again in %s", client, n, n, took.Round(time.Millisecond),
			time.Since(start).Round(time.Millisecond))
	})
}
