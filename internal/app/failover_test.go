package app_test

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gatehouse/gatehouse/internal/app/apptest"
	"github.com/gatehouse/gatehouse/internal/store"
	"github.com/gatehouse/gatehouse/internal/store/storetest"
)

// answer is one HTTP exchange made by a load worker.
type answer struct {
	status int
	code   string         // errors[0].extensions.code
	data   map[string]any // body.data
	err    error          // transport error
}

// outcome classes the answers of the load workers.
type outcome struct {
	promoted  bool // sent after the standby was promoted
	status    int
	code      string
	transport bool // no HTTP answer at all
}

// post sends a JSON POST without touching testing.T (load workers run on
// their own goroutines).
func post(client *http.Client, url string, body any) answer {
	raw, _ := json.Marshal(body)
	res, err := client.Post(url, "application/json", bytes.NewReader(raw))
	if err != nil {
		return answer{err: err}
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	r := &apptest.Response{Response: res, Body: b}
	return answer{status: res.StatusCode, code: r.Code(), data: r.Data()}
}

// TestPrimaryFailover runs Gatehouse on a synchronous primary + standby pair
// named together in DB_CONNECTION_STRING (target_session_attrs=read-write),
// lets the standby fall behind and kills the primary under refresh and login
// load, promotes the standby, and checks: every answer meanwhile is 200 or a
// clean 503, the same server recovers without a restart, and no refresh that
// answered 200 is lost (each worker's chain of tokens goes on after the
// failover; with an asynchronous standby the rotations it had not received
// are lost and those chains end in 401).
func TestPrimaryFailover(t *testing.T) {
	c := storetest.NewCluster(t)
	c.Exec("CREATE DATABASE gatehouse")
	o := store.Options{Client: "pg", DSN: c.DSN("gatehouse")}
	storetest.Migrate(t, o)
	s := apptest.NewOn(t, o)
	client := &http.Client{Timeout: 15 * time.Second}

	const refreshers, loginers = 6, 2
	var (
		stop       atomic.Bool
		mu         sync.Mutex
		statuses   = map[outcome]int{}
		promoted   atomic.Bool
		afterOK    = make([]atomic.Int32, refreshers) // 200s per worker after promotion
		lastTokens = make([]string, refreshers)
	)
	note := func(a answer) {
		mu.Lock()
		defer mu.Unlock()
		statuses[outcome{promoted.Load(), a.status, a.code, a.err != nil}]++
	}
	var wg sync.WaitGroup
	for i := range refreshers {
		rt := s.Login(apptest.AdminEmail, apptest.AdminPassword).Data()["refresh_token"].(string)
		wg.Add(1)
		go func() {
			defer wg.Done()
			for !stop.Load() {
				a := post(client, s.URL+"/auth/refresh", map[string]any{"refresh_token": rt})
				note(a)
				if a.status == 200 {
					// The successor is what this client holds now; a lost
					// rotation would make its next refresh fail.
					rt = a.data["refresh_token"].(string)
					if promoted.Load() {
						afterOK[i].Add(1)
					}
					continue
				}
				time.Sleep(20 * time.Millisecond)
			}
			lastTokens[i] = rt
		}()
	}
	for range loginers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for !stop.Load() {
				note(post(client, s.URL+"/auth/login", map[string]any{"email": apptest.AdminEmail, "password": apptest.AdminPassword}))
				time.Sleep(10 * time.Millisecond)
			}
		}()
	}

	time.Sleep(time.Second) // load on the healthy pair
	// The standby falls behind: commits wait for it (synchronous), so
	// refreshes hang instead of answering 200 with a rotation the standby
	// lacks. Then the primary dies with those commits unacknowledged.
	resume := c.PauseReplication()
	time.Sleep(500 * time.Millisecond)
	c.KillPrimary()
	resume()
	time.Sleep(time.Second) // load with no primary at all
	c.Promote()
	promoted.Store(true)
	// Recovered when every refresh chain has moved on the new primary.
	deadline := time.Now().Add(20 * time.Second)
	for {
		done := true
		for i := range afterOK {
			done = done && afterOK[i].Load() >= 3
		}
		if done || time.Now().After(deadline) {
			break
		}
		time.Sleep(50 * time.Millisecond)
	}
	stop.Store(true)
	wg.Wait()
	t.Logf("answers: %+v", statuses)

	unavailable := 0
	for k, n := range statuses {
		switch {
		case k.status == 200 && !k.transport:
		case k.status == 503 && k.code == "SERVICE_UNAVAILABLE" && !k.transport:
			unavailable += n
		default:
			t.Errorf("%d × %+v: only 200 and clean 503s may answer", n, k)
		}
	}
	if unavailable == 0 {
		t.Error("no 503 during the switch: the test did not see the failover")
	}
	for i := range afterOK {
		if afterOK[i].Load() < 3 {
			t.Errorf("refresh worker %d: %d successes after the promotion, want 3: not recovered", i, afterOK[i].Load())
		}
		// Each chain's newest token still works.
		if a := post(client, s.URL+"/auth/refresh", map[string]any{"refresh_token": lastTokens[i]}); a.status != 200 {
			t.Errorf("worker %d's newest token after the failover: %d %s", i, a.status, a.code)
		}
	}
}
