package app_test

import (
	"fmt"
	"net/http"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gatehouse/gatehouse/internal/app/apptest"
	"github.com/gatehouse/gatehouse/internal/store/storetest"
	"github.com/gatehouse/gatehouse/internal/testproc"
)

// TestThreeInstancesBehindHAProxy runs deploy/haproxy/haproxy.cfg in front
// of three Gatehouse instances on one PostgreSQL database, logs in through
// it, kills one instance while clients keep refreshing, and checks that
// every refresh still answers 200: HAProxy retries a refused connection on
// another instance, and its health checks take the dead one out.
func TestThreeInstancesBehindHAProxy(t *testing.T) {
	bin := testproc.Require(t, "HAProxy", "/usr/sbin/haproxy", "haproxy")
	o := storetest.Options(t, "pg")
	var inst [3]*apptest.Server
	for i := range inst {
		inst[i] = apptest.NewOn(t, o, "IP_TRUST_PROXY=true")
	}
	listen := fmt.Sprintf("127.0.0.1:%d", testproc.FreePort(t))
	env := []string{"GATEHOUSE_LISTEN=" + listen}
	for i, s := range inst {
		env = append(env, fmt.Sprintf("GATEHOUSE_%d=%s", i+1, s.Listener.Addr()))
	}
	cfg, err := filepath.Abs("../../deploy/haproxy/haproxy.cfg")
	if err != nil {
		t.Fatal(err)
	}
	testproc.Run(t, bin, []string{"-c", "-q", "-f", cfg}, testproc.Options{Env: env})
	lb := testproc.Start(t, bin, []string{"-db", "-f", cfg}, testproc.Options{Env: env})
	lb.WaitTCP(t, listen, 10*time.Second)
	url := "http://" + listen
	client := &http.Client{Timeout: 10 * time.Second}

	// A session opened through the balancer rotates on every instance in turn.
	const workers = 4
	tokens := make([]string, workers)
	for i := range tokens {
		a := post(client, url+"/auth/login", map[string]any{"email": apptest.AdminEmail, "password": apptest.AdminPassword})
		if a.status != 200 {
			t.Fatalf("login through HAProxy: %d %s %v\n%s", a.status, a.code, a.err, lb.Output())
		}
		tokens[i] = a.data["refresh_token"].(string)
	}

	var stop atomic.Bool
	var mu sync.Mutex
	statuses := map[outcome]int{}
	var wg sync.WaitGroup
	for i := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for !stop.Load() {
				a := post(client, url+"/auth/refresh", map[string]any{"refresh_token": tokens[i]})
				mu.Lock()
				statuses[outcome{status: a.status, code: a.code, transport: a.err != nil}]++
				if a.err != nil {
					t.Log(a.err)
				}
				mu.Unlock()
				if a.status == 200 {
					tokens[i] = a.data["refresh_token"].(string)
				}
			}
		}()
	}
	time.Sleep(500 * time.Millisecond)
	// Instance 2 goes away: its listener closes, its connections drop.
	inst[1].CloseClientConnections()
	inst[1].Close()
	time.Sleep(2 * time.Second) // past the health checks that take it out
	stop.Store(true)
	wg.Wait()
	t.Logf("refreshes through HAProxy: %+v", statuses)
	for k, n := range statuses {
		if k.status != 200 || k.transport {
			t.Errorf("%d × %+v: every refresh should succeed\n%s", n, k, lb.Output())
		}
	}
	if !strings.Contains(lb.Output(), "gatehouse2 is DOWN") {
		t.Errorf("HAProxy's health checks did not take the dead instance out:\n%s", lb.Output())
	}
	// The survivors share the sessions: each chain goes on, and a new login works.
	for i, rt := range tokens {
		if a := post(client, url+"/auth/refresh", map[string]any{"refresh_token": rt}); a.status != 200 {
			t.Errorf("chain %d after the kill: %d %s", i, a.status, a.code)
		}
	}
	if a := post(client, url+"/auth/login", map[string]any{"email": apptest.AdminEmail, "password": apptest.AdminPassword}); a.status != 200 {
		t.Errorf("login after the kill: %d %s", a.status, a.code)
	}
}
