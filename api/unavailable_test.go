package api_test

import (
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"sync"
	"testing"
	"time"

	"github.com/getkin/kin-openapi/routers/gorillamux"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"rss/api"
	"rss/fixtures"
	"rss/pg"
	"rss/pg/pgtest"
)

// itProxy stands between the server's pool and PostgreSQL, so a test can
// make the database unreachable the way a restart does (connections reset,
// new ones refused) and bring it back on the same address.
type itProxy struct {
	t      *testing.T
	target string
	addr   string

	mu    sync.Mutex
	ln    net.Listener
	conns map[net.Conn]bool
	// gate holds every byte in flight while it is locked (freeze): the
	// connections stay open and nothing answers, as a database whose
	// processes are stopped.
	gate sync.RWMutex
}

func itNewProxy(t *testing.T, target string) *itProxy {
	p := &itProxy{t: t, target: target, conns: map[net.Conn]bool{}}
	p.start("127.0.0.1:0")
	t.Cleanup(p.stop)
	return p
}

func (p *itProxy) start(addr string) {
	p.t.Helper()
	ln, err := net.Listen("tcp", addr)
	require.NoError(p.t, err)
	p.mu.Lock()
	p.ln, p.addr = ln, ln.Addr().String()
	p.mu.Unlock()
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go p.serve(c)
		}
	}()
}

func (p *itProxy) serve(c net.Conn) {
	up, err := net.Dial("tcp", p.target)
	if err != nil {
		c.Close()
		return
	}
	p.mu.Lock()
	p.conns[c], p.conns[up] = true, true
	p.mu.Unlock()
	done := make(chan struct{}, 2)
	pipe := func(dst, src net.Conn) {
		buf := make([]byte, 32<<10)
		for {
			n, err := src.Read(buf)
			if n > 0 {
				p.gate.RLock()
				_, werr := dst.Write(buf[:n])
				p.gate.RUnlock()
				if werr != nil {
					break
				}
			}
			if err != nil {
				break
			}
		}
		done <- struct{}{}
	}
	go pipe(up, c)
	go pipe(c, up)
	<-done
	c.Close()
	up.Close()
}

// freeze holds every byte in flight until thaw.
func (p *itProxy) freeze() { p.gate.Lock() }
func (p *itProxy) thaw()   { p.gate.Unlock() }

// stop refuses new connections and resets the open ones.
func (p *itProxy) stop() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.ln != nil {
		p.ln.Close()
		p.ln = nil
	}
	for c := range p.conns {
		if tc, ok := c.(*net.TCPConn); ok {
			_ = tc.SetLinger(0) // RST, as a killed server sends
		}
		c.Close()
		delete(p.conns, c)
	}
}

// TestDatabaseUnavailable: while PostgreSQL cannot be reached, every
// request that needs it (a read, a POST in its idempotent transaction, a
// claim in the grouped intake, a bulk submission, a key not yet cached)
// is a 503 problem with Retry-After, not a 500, and /readyz is a 503.
// Once the database is back, the same POSTs with the same
// Idempotency-Keys go through, once each.
func TestDatabaseUnavailable(t *testing.T) {
	t.Parallel()
	db, dbURL := pgtest.NewDBURL(t)
	u, err := url.Parse(dbURL)
	require.NoError(t, err)
	proxy := itNewProxy(t, u.Host)
	u.Host = proxy.addr
	pool, err := pg.Open(t.Context(), u.String(), 4)
	require.NoError(t, err)
	t.Cleanup(func() { pool.Close() })
	now := time.Date(fixtures.TestToday.Year(), fixtures.TestToday.Month(), fixtures.TestToday.Day(), 10, 0, 0, 0, loc)
	clock := func() time.Time { return now }
	srv := api.Open(pool, api.Options{Now: clock, Location: loc, KeyTTL: time.Hour, KeyNow: clock,
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	demo, err := fixtures.DemoIDs(t.Context(), db)
	require.NoError(t, err)
	e := &env{t: t, db: db, srv: srv, demo: demo, now: now}

	rivera, kim := e.demo.Clients["Rivera"], e.demo.Clients["Kim"]
	claim := map[string]any{"claim_number": "DOWN-1", "client_id": kim, "rendering_staff_id": e.demo.Staff["Okafor"], "place_of_service": "11",
		"lines": []any{map[string]any{"service_code": "ATR-TR", "date_of_service": day(-1), "units": 1, "charge": "12.00"}}}
	bulkClaim := map[string]any{"claim_number": "DOWN-2", "client_id": kim, "rendering_staff_id": e.demo.Staff["Okafor"], "place_of_service": "11",
		"lines": []any{map[string]any{"service_code": "ATR-TR", "date_of_service": day(-2), "units": 1, "charge": "12.00"}}}
	posts := []req{
		{Method: http.MethodPost, Path: "/v1/voucher-requests", Key: keyHRA, IdemKey: "down-voucher",
			Body: map[string]any{"client_id": rivera, "service_code": "ATR-CM", "units": 10, "start_date": day(0), "end_date": day(9)}},
		{Method: http.MethodPost, Path: "/v1/claims", Key: keyHRA, IdemKey: "down-claim", Body: claim},
		{Method: http.MethodPost, Path: "/v1/claims/bulk", Key: keyHRA, IdemKey: "down-bulk", Body: map[string]any{"claims": []any{bulkClaim}}},
	}
	// Up: the keys in use are cached, the statements prepared.
	require.Equal(t, http.StatusOK, e.get("", "/readyz").Status)
	require.Equal(t, http.StatusOK, e.get(keyHRA, itPath("/v1/clients/%d", rivera)).Status)
	vouchersBefore, claimsBefore := e.count(`SELECT count(*) FROM voucher_requests`), e.count(`SELECT count(*) FROM claims`)

	proxy.stop()
	doc := oaDoc(t)
	router, err := gorillamux.NewRouter(doc)
	require.NoError(t, err)
	down := []req{
		{Method: http.MethodGet, Path: itPath("/v1/clients/%d", rivera), Key: keyHRA},
		{Method: http.MethodGet, Path: "/v1/authorizations", Key: keyHRA},
		{Method: http.MethodGet, Path: "/v1/batches", Key: keyFinance}, // a key not cached yet
	}
	for _, r := range append(down, posts...) {
		for range 3 { // the pool's dead connections first, then refused dials
			w := e.do(r)
			p := requireProblem(t, w, http.StatusServiceUnavailable, "unavailable")
			assert.Equal(t, "2", w.Header.Get("Retry-After"), "%s %s", r.Method, r.Path)
			assert.NotContains(t, p["detail"], "127.0.0.1", "the problem does not describe the network")
		}
	}
	// The document describes the 503 (its Retry-After included).
	oaValidate(t, e, doc, router, oaCall{name: "database down", method: http.MethodGet, path: "/v1/authorizations", key: keyHRA,
		want: http.StatusServiceUnavailable})
	r := e.get("", "/readyz")
	requireProblem(t, r, http.StatusServiceUnavailable, "not_ready")
	assert.Equal(t, "2", r.Header.Get("Retry-After"))

	proxy.start(proxy.addr)
	require.Equal(t, http.StatusOK, e.get("", "/readyz").Status)
	for _, p := range posts {
		w := e.do(p)
		require.Less(t, w.Status, 300, "%s after the outage: %s", p.Path, w.Body)
		again := e.do(p)
		require.Equal(t, w.Status, again.Status)
		assert.Equal(t, "true", again.Header.Get("Idempotent-Replayed"), "%s", p.Path)
	}
	assert.Equal(t, vouchersBefore+1, e.count(`SELECT count(*) FROM voucher_requests`))
	assert.Equal(t, claimsBefore+2, e.count(`SELECT count(*) FROM claims`))
}

// A database that keeps its connections and never answers (its processes
// stopped, a hung volume) leaves /readyz unready within its 2 s: it hung
// until the database came back, 147 s (a black-box pass).
func TestReadyzAnswersWhenTheDatabaseHangs(t *testing.T) {
	t.Parallel()
	_, dbURL := pgtest.NewDBURL(t)
	u, err := url.Parse(dbURL)
	require.NoError(t, err)
	proxy := itNewProxy(t, u.Host)
	u.Host = proxy.addr
	pool, err := pg.Open(t.Context(), u.String(), 2)
	require.NoError(t, err)
	srv := api.Open(pool, api.Options{Now: time.Now, Location: loc, KeyTTL: time.Hour, KeyNow: time.Now,
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	get := func() *httptest.ResponseRecorder {
		w := httptest.NewRecorder()
		srv.ServeHTTP(w, httptest.NewRequest(http.MethodGet, "/readyz", nil))
		return w
	}
	require.Equal(t, http.StatusOK, get().Code)
	proxy.freeze()
	// The database comes back on its own, later: a check that waited for
	// it answers then, with another reason.
	var once sync.Once
	thaw := func() { once.Do(proxy.thaw) }
	back := time.AfterFunc(20*time.Second, thaw)
	w := get()
	// Probes while the first still waits hold no more connections.
	var inUse []int
	for range 3 {
		again := get()
		assert.Equal(t, http.StatusServiceUnavailable, again.Code)
		assert.Contains(t, again.Body.String(), "has not answered a check started earlier")
		inUse = append(inUse, pool.Stats().InUse)
	}
	back.Stop()
	thaw()
	assert.Equal(t, http.StatusServiceUnavailable, w.Code, "%s", w.Body)
	assert.Contains(t, w.Body.String(), "did not answer within 2 s", "answered at its deadline, not when the database came back")
	assert.Equal(t, []int{1, 1, 1}, inUse, "one connection waits, whatever the probes")
	t.Cleanup(func() { pool.Close() })
}
