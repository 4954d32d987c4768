package main

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	neturl "net/url"
	"os"
	"os/exec"
	"regexp"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/jmoiron/sqlx"
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
	var out, logged lockedBuffer
	done := make(chan error, 1)
	go func() { done <- run(ctx, []string{"serve"}, &out, &logged) }()
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
	// Not sent to demo-keys, which refuses a database with no demo data,
	// and told what a new database needs (a new-user pass).
	assert.NotContains(t, out.String(), "rss demo-keys")
	assert.Contains(t, out.String(), "`rss seed`")
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
	// A clean stop is logged, after "shutting down": the log ended there,
	// as a process killed in its drain leaves it (an on-call pass).
	assert.Regexp(t, `(?s)"msg":"shutting down".*"msg":"stopped"`, logged.String())
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

// A serve that cannot bind its port stops before it touches the database:
// it migrated the schema first, and the older server holding the port went
// unready beside it (an on-call pass).
func TestServeBindsBeforeTouchingTheDatabase(t *testing.T) {
	taken, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	defer taken.Close()
	name := fmt.Sprintf("rss_serve_test_%d", time.Now().UnixNano())
	t.Cleanup(func() { _ = pgtest.Drop(name) })
	t.Setenv("DATABASE_URL", pgtest.WithDatabase(pgtest.ServerURL(), name))
	t.Setenv("RSS_ADDR", taken.Addr().String())

	err = run(t.Context(), []string{"serve"}, io.Discard, io.Discard)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "listen on "+taken.Addr().String())
	db, err := sqlx.Open("postgres", pgtest.ServerURL())
	require.NoError(t, err)
	defer db.Close()
	var exists bool
	require.NoError(t, db.Get(&exists, `SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = $1)`, name))
	assert.False(t, exists, "no database was created, nor migrated")
}

// A second interrupt or terminate ends a draining server at once, as a
// second Ctrl-C does, and a hang-up does not: it was swallowed, and the server waited out RSS_SHUTDOWN_TIMEOUT
// (an on-call pass). The test runs main in a child process (this test
// binary again), since the signal ends the process it reaches.
func TestSecondSignalEndsADrainingServer(t *testing.T) {
	if os.Getenv("RSS_TEST_MAIN") == "serve" {
		os.Args = []string{"rss", "serve"}
		main()
		return
	}
	_, dbURL := pgtest.NewDBURL(t)
	cmd := exec.Command(os.Args[0], "-test.run=^TestSecondSignalEndsADrainingServer$")
	cmd.Env = append(os.Environ(), "RSS_TEST_MAIN=serve", "DATABASE_URL="+dbURL, "RSS_ADDR=127.0.0.1:0", "RSS_SHUTDOWN_TIMEOUT=10m")
	stdout, err := cmd.StdoutPipe()
	require.NoError(t, err)
	require.NoError(t, cmd.Start())
	defer func() { _ = cmd.Process.Kill() }()
	said := regexp.MustCompile(`rss listening on (127\.0\.0\.1:\d+)`)
	addr := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			if m := said.FindStringSubmatch(sc.Text()); m != nil {
				addr <- m[1]
			}
		}
	}()
	var at string
	select {
	case at = <-addr:
	case <-time.After(60 * time.Second):
		t.Fatal("serve never said where it listens")
	}
	// A request in flight: its body never ends, so a graceful stop waits.
	conn, err := net.Dial("tcp", at)
	require.NoError(t, err)
	defer conn.Close()
	_, err = fmt.Fprintf(conn, "POST /v1/clients HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer rss_demohra01_hartfordrecoveryalliancedemokey\r\n"+
		"Content-Type: application/json\r\nIdempotency-Key: slow\r\nContent-Length: 100\r\n\r\n{")
	require.NoError(t, err)
	time.Sleep(300 * time.Millisecond)

	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	require.NoError(t, cmd.Process.Signal(syscall.SIGTERM))
	select {
	case err := <-exited:
		t.Fatalf("the first signal ended the server with a request in flight: %v", err)
	case <-time.After(time.Second):
	}
	// A hang-up during the drain (a supervisor's right after its
	// terminate, a terminal closing) does not cut it short.
	require.NoError(t, cmd.Process.Signal(syscall.SIGHUP))
	select {
	case err := <-exited:
		t.Fatalf("a hang-up during the drain ended the server: %v", err)
	case <-time.After(time.Second):
	}
	require.NoError(t, cmd.Process.Signal(syscall.SIGTERM))
	select {
	case err := <-exited:
		var ee *exec.ExitError
		require.ErrorAs(t, err, &ee, "ended by the signal")
	case <-time.After(30 * time.Second): // well before the body's 60 s read timeout
		t.Fatal("the second signal did not end the server (its shutdown waits 10m)")
	}
}

// A pool larger than the database server lets in is said at start (an
// on-call pass set RSS_DB_MAX_CONNS=100000 without a word); one within it
// says nothing.
func TestServeSaysAPoolBeyondTheServer(t *testing.T) {
	db, _ := pgtest.NewDBURL(t)
	var most int
	require.NoError(t, db.Get(&most, `SHOW max_connections`))
	assert.Empty(t, poolBeyondServer(t.Context(), db, most))
	warn := poolBeyondServer(t.Context(), db, 100000)
	assert.Contains(t, warn, "RSS_DB_MAX_CONNS=100000")
	assert.Contains(t, warn, fmt.Sprintf("max_connections (%d)", most))
}

// `rss serve` on a new database logs what it migrated, as `rss migrate`
// prints it: it went from schema 0 to the newest with nothing said (an
// on-call black-box pass of the forty-seventh stop). On a database already
// at the newest it says nothing of it.
func TestServeLogsWhatItMigrated(t *testing.T) {
	name := fmt.Sprintf("rss_serve_test_%d", time.Now().UnixNano())
	url := pgtest.WithDatabase(pgtest.ServerURL(), name)
	t.Cleanup(func() { _ = pgtest.Drop(name) })
	t.Setenv("DATABASE_URL", url)
	t.Setenv("RSS_ADDR", "127.0.0.1:0")
	for _, fresh := range []bool{true, false} {
		ctx, cancel := context.WithCancel(t.Context())
		var out, logged lockedBuffer
		done := make(chan error, 1)
		go func() { done <- run(ctx, []string{"serve"}, &out, &logged) }()
		require.Eventually(t, func() bool { return regexp.MustCompile(`rss listening on `).MatchString(out.String()) },
			60*time.Second, 20*time.Millisecond, "serve never listened: %q %q", out.String(), logged.String())
		cancel()
		select {
		case err := <-done:
			require.NoError(t, err)
		case <-time.After(30 * time.Second):
			t.Fatal("serve did not stop")
		}
		migrated := regexp.MustCompile(`"msg":"migrated","applied":\d+,"from_version":0,"to_version":` + fmt.Sprint(pg.SchemaVersion()))
		if fresh {
			assert.Regexp(t, migrated, logged.String())
		} else {
			assert.NotContains(t, logged.String(), `"msg":"migrated"`)
		}
	}
}
