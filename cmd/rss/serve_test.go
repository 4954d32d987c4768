package main

import (
	"context"
	"fmt"
	"io"
	"net/http"
	neturl "net/url"
	"regexp"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"rss/pg"
	"rss/pg/pgtest"
)

// lockedBuffer is an io.Writer the server and the test share.
type lockedBuffer struct {
	mu sync.Mutex
	b  []byte
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.b = append(l.b, p...)
	return len(p), nil
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return string(l.b)
}

// `rss serve` on port 0 says the port it bound, which answers: it said it
// listened on port 0 (a black-box pass).
func TestServeSaysThePortItBound(t *testing.T) {
	name := fmt.Sprintf("rss_serve_test_%d", time.Now().UnixNano())
	url := pgtest.WithDatabase(pgtest.ServerURL(), name)
	_, err := pg.EnsureDatabase(t.Context(), url)
	require.NoError(t, err)
	t.Cleanup(func() { _ = pgtest.Drop(name) })
	t.Setenv("DATABASE_URL", url)
	t.Setenv("RSS_ADDR", "127.0.0.1:0")
	require.NoError(t, run(t.Context(), []string{"migrate"}, io.Discard, io.Discard))

	ctx, cancel := context.WithCancel(t.Context())
	var out lockedBuffer
	done := make(chan error, 1)
	go func() { done <- run(ctx, []string{"serve"}, &out, io.Discard) }()
	said := regexp.MustCompile(`rss listening on 127\.0\.0\.1:(\d+)\n`)
	var port string
	require.Eventually(t, func() bool {
		if m := said.FindStringSubmatch(out.String()); m != nil {
			port = m[1]
			return true
		}
		return false
	}, 30*time.Second, 20*time.Millisecond, "serve never said where it listens: %q", out.String())
	assert.NotEqual(t, "0", port)
	assert.Contains(t, out.String(), "console: http://127.0.0.1:"+port+"/console/")
	// Said alone, on a database with no demo data, too: no key was printed
	// "above" (a black-box pass).
	assert.NotContains(t, out.String(), "above")
	assert.Contains(t, out.String(), "rss apikey create")
	resp, err := http.Get("http://127.0.0.1:" + port + "/healthz")
	require.NoError(t, err)
	resp.Body.Close()
	assert.Equal(t, http.StatusOK, resp.StatusCode)
	cancel()
	select {
	case err := <-done:
		require.NoError(t, err)
	case <-time.After(30 * time.Second):
		t.Fatal("serve did not stop")
	}
}

// A shutdown that times out says how many requests it cut off: it ended on
// "context deadline exceeded" alone (an on-call black-box pass, the
// database stopped under requests in flight).
func TestServeShutdownSaysWhatItCutOff(t *testing.T) {
	_, dbURL := pgtest.NewDBURL(t)
	u, err := neturl.Parse(dbURL)
	require.NoError(t, err)
	proxy := pgtest.NewProxy(t, u.Host)
	u.Host = proxy.Addr()
	t.Setenv("DATABASE_URL", u.String())
	t.Setenv("RSS_ADDR", "127.0.0.1:0")
	t.Setenv("RSS_SHUTDOWN_TIMEOUT", "300ms")

	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	var out lockedBuffer
	done := make(chan error, 1)
	go func() { done <- run(ctx, []string{"serve"}, &out, io.Discard) }()
	said := regexp.MustCompile(`rss listening on (127\.0\.0\.1:\d+)\n`)
	var addr string
	require.Eventually(t, func() bool {
		if m := said.FindStringSubmatch(out.String()); m != nil {
			addr = m[1]
			return true
		}
		return false
	}, 30*time.Second, 20*time.Millisecond, "serve never said where it listens: %q", out.String())

	proxy.Freeze()
	defer proxy.Thaw()
	// A request whose key is read from the stopped database, its client
	// waiting.
	go func() {
		r, err := http.NewRequest(http.MethodGet, "http://"+addr+"/v1/clients", nil)
		if err != nil {
			return
		}
		r.Header.Set("Authorization", "Bearer rss_demohra01_hartfordrecoveryalliancedemokey")
		if resp, err := http.DefaultClient.Do(r); err == nil {
			resp.Body.Close()
		}
	}()
	time.Sleep(500 * time.Millisecond)
	cancel()
	select {
	case err := <-done:
		require.Error(t, err)
		assert.Contains(t, err.Error(), "1 requests were still in flight after RSS_SHUTDOWN_TIMEOUT (300ms)")
	case <-time.After(10 * time.Second):
		t.Fatal("serve did not stop")
	}
}
