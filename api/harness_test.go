package api_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strconv"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jmoiron/sqlx"
	"github.com/stretchr/testify/require"

	"rss/access"
	"rss/api"
	"rss/fixtures"
	"rss/pg/pgtest"
)

// env is one test's server over its own database, with the clock on the
// day the demo data was built around.
type env struct {
	t    *testing.T
	db   *sqlx.DB
	srv  *api.Server
	demo fixtures.Demo
	now  time.Time
}

var loc = func() *time.Location {
	l, err := time.LoadLocation("America/New_York")
	if err != nil {
		panic(err)
	}
	return l
}()

func newEnv(t *testing.T) *env {
	t.Helper()
	db := pgtest.NewDB(t)
	now := time.Date(fixtures.TestToday.Year(), fixtures.TestToday.Month(), fixtures.TestToday.Day(), 10, 0, 0, 0, loc)
	srv := api.Open(db, api.Options{Now: func() time.Time { return now }, Location: loc,
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	demo, err := fixtures.DemoIDs(t.Context(), db)
	require.NoError(t, err)
	return &env{t: t, db: db, srv: srv, demo: demo, now: now}
}

// Keys of the demo roles.
var (
	keyHRA      = fixtures.Key(access.RoleProvider, "HRA")
	keyBCS      = fixtures.Key(access.RoleProvider, "BCS")
	keyECRA     = fixtures.Key(access.RoleProvider, "ECRA")
	keyPWE      = fixtures.Key(access.RoleProvider, "PWE")
	keyReviewer = fixtures.Key(access.RoleReviewer, "")
	keyFinance  = fixtures.Key(access.RoleFinance, "")
	keyAdmin    = fixtures.Key(access.RoleAdmin, "")
)

var idemSeq atomic.Int64

// resp is a decoded response.
type resp struct {
	Status int
	Header http.Header
	Body   []byte
}

// JSON decodes the body into a map.
func (r resp) JSON(t *testing.T) map[string]any {
	t.Helper()
	var m map[string]any
	require.NoError(t, json.Unmarshal(r.Body, &m), "body: %s", r.Body)
	return m
}

// Into decodes the body into v.
func (r resp) Into(t *testing.T, v any) {
	t.Helper()
	require.NoError(t, json.Unmarshal(r.Body, v), "body: %s", r.Body)
}

// req is one request; Body may be a string (sent raw) or any value (JSON).
type req struct {
	Method, Path, Key string
	Body              any
	IdemKey           string // POSTs get a fresh key unless set; "-" sends none
	Header            map[string]string
	Ctx               context.Context // the request's context, when not the test's
}

func (e *env) do(r req) resp {
	e.t.Helper()
	var body io.Reader
	switch b := r.Body.(type) {
	case nil:
	case string:
		body = bytes.NewBufferString(b)
	case []byte:
		body = bytes.NewReader(b)
	case io.Reader: // of no length, as a chunked body arrives
		body = b
	default:
		raw, err := json.Marshal(b)
		require.NoError(e.t, err)
		body = bytes.NewReader(raw)
	}
	hr := httptest.NewRequest(r.Method, r.Path, body)
	if r.Ctx != nil {
		hr = hr.WithContext(r.Ctx)
	}
	if r.Key != "" {
		hr.Header.Set("Authorization", "Bearer "+r.Key)
	}
	if r.Body != nil {
		hr.Header.Set("Content-Type", "application/json")
	}
	if r.Method == http.MethodPost && r.IdemKey != "-" {
		k := r.IdemKey
		if k == "" {
			k = "test-" + strconv.FormatInt(idemSeq.Add(1), 10)
		}
		hr.Header.Set("Idempotency-Key", k)
	}
	for k, v := range r.Header {
		hr.Header.Set(k, v)
	}
	w := httptest.NewRecorder()
	e.srv.ServeHTTP(w, hr)
	return resp{Status: w.Code, Header: w.Header(), Body: w.Body.Bytes()}
}

func (e *env) get(key, path string) resp {
	return e.do(req{Method: http.MethodGet, Path: path, Key: key})
}

func (e *env) post(key, path string, body any) resp {
	return e.do(req{Method: http.MethodPost, Path: path, Key: key, Body: body})
}

// count returns a single integer from the database (for "writes nothing" checks).
func (e *env) count(q string, args ...any) int {
	e.t.Helper()
	var n int
	require.NoError(e.t, e.db.GetContext(e.t.Context(), &n, q, args...))
	return n
}

// day is the test clock's date plus n days, as "YYYY-MM-DD".
func day(n int) string { return fixtures.TestToday.AddDays(n).String() }

// requireProblem checks a problem+json response with a status and code.
func requireProblem(t *testing.T, r resp, status int, code string) map[string]any {
	t.Helper()
	require.Equal(t, status, r.Status, "body: %s", r.Body)
	require.Equal(t, "application/problem+json", r.Header.Get("Content-Type"))
	p := r.JSON(t)
	require.Equal(t, code, p["code"], "body: %s", r.Body)
	require.Equal(t, float64(status), p["status"])
	return p
}
