package api_test

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/getkin/kin-openapi/routers/gorillamux"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"rss/api"
	"rss/fixtures"
	"rss/pg/pgtest"
)

// TestDatabaseUnavailable: while PostgreSQL cannot be reached, every
// request that needs it (a read, a POST in its idempotent transaction, a
// claim in the grouped intake, a bulk submission, a key not yet cached)
// is a 503 problem with Retry-After, not a 500, and /readyz is a 503.
// Once the database is back, the same POSTs with the same
// Idempotency-Keys go through, once each.
func TestDatabaseUnavailable(t *testing.T) {
	t.Parallel()
	db, pool, proxy := pgtest.NewProxiedDB(t, 4)
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

	proxy.Stop()
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

	proxy.Start(proxy.Addr())
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
// until the database came back, 147 s (a black-box pass). Each check's
// connection is cut at its deadline, so probes hold none.
func TestReadyzAnswersWhenTheDatabaseHangs(t *testing.T) {
	t.Parallel()
	_, pool, proxy := pgtest.NewProxiedDB(t, 2)
	srv := api.Open(pool, api.Options{Now: time.Now, Location: loc, KeyTTL: time.Hour, KeyNow: time.Now,
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	get := func() *httptest.ResponseRecorder {
		w := httptest.NewRecorder()
		srv.ServeHTTP(w, httptest.NewRequest(http.MethodGet, "/readyz", nil))
		return w
	}
	require.Equal(t, http.StatusOK, get().Code)
	proxy.Freeze()
	// The database comes back on its own, later: a check that waited for
	// it would answer then.
	var once sync.Once
	thaw := func() { once.Do(proxy.Thaw) }
	back := time.AfterFunc(20*time.Second, thaw)
	for range 3 {
		start := time.Now()
		w := get()
		assert.Less(t, time.Since(start), 3*time.Second, "answered by its deadline")
		assert.Equal(t, http.StatusServiceUnavailable, w.Code, "%s", w.Body)
		assert.Contains(t, w.Body.String(), "did not answer within 2 s", "answered at its deadline, not when the database came back")
		// The answer may come a moment before the check's connection is
		// closed; it is not held longer.
		assert.Eventually(t, func() bool { return pool.Stats().InUse == 0 }, time.Second, 10*time.Millisecond,
			"no check holds its connection past its deadline")
	}
	back.Stop()
	thaw()
	require.Equal(t, http.StatusOK, get().Code, "ready once the database answers")
}

// A request whose client leaves while the database keeps its connections
// and answers nothing (its processes stopped) ends there: it held its
// connection until the database came back (a black-box pass: a POST
// committed 147 s later, its client long gone). So does a single claim's
// group once every client in it has left (the claims were written when the
// database came back: a re-check). Nothing of them is written, the pool is
// whole when the database answers, and each client's retry with the same
// key is decided once. A POST whose key is not cached ends within the key
// lookup's 5 s as a 503, whether or not its client waits: net/http sees no
// client leave before the body is read, and the key is read first.
func TestRequestEndsWhenItsClientLeavesAHungDatabase(t *testing.T) {
	t.Parallel()
	db, pool, proxy := pgtest.NewProxiedDB(t, 4)
	now := time.Date(fixtures.TestToday.Year(), fixtures.TestToday.Month(), fixtures.TestToday.Day(), 10, 0, 0, 0, loc)
	clock := func() time.Time { return now }
	var logged strings.Builder
	var logMu sync.Mutex
	srv := api.Open(pool, api.Options{Now: clock, Location: loc, KeyTTL: time.Hour, KeyNow: clock,
		Logger: slog.New(slog.NewTextHandler(lockedWriter{&logMu, &logged}, nil))})
	demo, err := fixtures.DemoIDs(t.Context(), db)
	require.NoError(t, err)
	e := &env{t: t, db: db, srv: srv, demo: demo, now: now}
	rivera, kim := e.demo.Clients["Rivera"], e.demo.Clients["Kim"]
	require.Equal(t, http.StatusOK, e.get(keyHRA, itPath("/v1/clients/%d", rivera)).Status) // HRA's key cached, BCS's not
	vouchers, claims := e.count(`SELECT count(*) FROM voucher_requests`), e.count(`SELECT count(*) FROM claims`)

	voucher := req{Method: http.MethodPost, Path: "/v1/voucher-requests", Key: keyHRA, IdemKey: "left-voucher",
		Body: map[string]any{"client_id": rivera, "service_code": "ATR-CM", "units": 10, "start_date": day(0), "end_date": day(9)}}
	claim := req{Method: http.MethodPost, Path: "/v1/claims", Key: keyHRA, IdemKey: "left-claim",
		Body: map[string]any{"claim_number": "LEFT-1", "client_id": kim, "rendering_staff_id": e.demo.Staff["Okafor"], "place_of_service": "11",
			"lines": []any{map[string]any{"service_code": "ATR-TR", "date_of_service": day(-1), "units": 1, "charge": "12.00"}}}}
	uncached := req{Method: http.MethodPost, Path: "/v1/voucher-requests", Key: keyBCS, IdemKey: "uncached-voucher",
		Body: map[string]any{"client_id": e.demo.Clients["Kim/BCS"], "service_code": "ATR-TR", "units": 1, "start_date": day(0), "end_date": day(0)}}
	// within runs r and fails when it has not returned by limit.
	within := func(r req, limit time.Duration) resp {
		t.Helper()
		got := make(chan resp, 1)
		go func() { got <- e.do(r) }()
		select {
		case w := <-got:
			return w
		case <-time.After(limit):
			proxy.Thaw()
			<-got
			t.Fatalf("%s %s still held its connection %s in", r.Method, r.Path, limit)
			return resp{}
		}
	}
	proxy.Freeze()
	for _, r := range []req{voucher, claim} {
		// The client gives up after 300 ms (the server's request context
		// is cancelled as its connection closes).
		ctx, cancel := context.WithCancel(t.Context())
		time.AfterFunc(300*time.Millisecond, cancel)
		r.Ctx = ctx
		within(r, 5*time.Second)
		cancel()
	}
	w := within(uncached, 8*time.Second)
	requireProblem(t, w, http.StatusServiceUnavailable, "unavailable")
	assert.Equal(t, "2", w.Header.Get("Retry-After"))
	proxy.Thaw()
	assert.Eventually(t, func() bool { return pool.Stats().InUse == 0 }, 2*time.Second, 10*time.Millisecond,
		"the requests' connections are back or closed")
	assert.Equal(t, vouchers, e.count(`SELECT count(*) FROM voucher_requests`), "nothing of the left request is written")

	for _, r := range []req{voucher, claim, uncached} {
		w := e.do(r)
		require.Less(t, w.Status, 300, "%s: %s", r.Path, w.Body)
		assert.Empty(t, w.Header.Get("Idempotent-Replayed"), "%s: decided now, not when its client had left", r.Path)
		again := e.do(r)
		assert.Equal(t, "true", again.Header.Get("Idempotent-Replayed"), "%s", r.Path)
	}
	assert.Equal(t, vouchers+2, e.count(`SELECT count(*) FROM voucher_requests`))
	assert.Equal(t, claims+1, e.count(`SELECT count(*) FROM claims`))
	logMu.Lock()
	defer logMu.Unlock()
	assert.NotContains(t, logged.String(), "level=ERROR", "a client that left is not the server's error")
}

type lockedWriter struct {
	mu *sync.Mutex
	w  io.Writer
}

func (l lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}
