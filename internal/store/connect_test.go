package store_test

import (
	"context"
	"net"
	"strings"
	"testing"

	"github.com/gatehouse/gatehouse/internal/store"
)

// Issue 20: an unreachable PostgreSQL at start said only "cannot connect to
// the database server". The message names the server tried and the cause,
// never the password.
func TestConnectErrorNamesServerAndCause(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close() // a port nothing listens on
	_, err = store.Open(context.Background(), store.Options{Client: "pg", DSN: "postgres://gh:hunter2-secret@" + addr + "/gatehouse?connect_timeout=5"})
	if err == nil {
		t.Fatal("connected to a closed port")
	}
	msg := err.Error()
	for _, want := range []string{"cannot connect to the database server", addr, "connection refused", `"gatehouse"`} {
		if !strings.Contains(msg, want) {
			t.Errorf("%q lacks %q", msg, want)
		}
	}
	if strings.Contains(msg, "hunter2") {
		t.Fatalf("the password is in %q", msg)
	}
}
