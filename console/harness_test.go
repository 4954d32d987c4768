package console_test

import (
	"bytes"
	"encoding/json"
	"html"
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"sync"
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

// world is one test's rss (API and console, the one wiring cmd uses) over
// its own database, listening on 127.0.0.1, with a clock the test moves.
type world struct {
	t     *testing.T
	db    *sqlx.DB
	srv   *httptest.Server
	rss   *api.Server
	clock *clock
	demo  fixtures.Demo
}

type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) Advance(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

var loc = func() *time.Location {
	l, err := time.LoadLocation("America/New_York")
	if err != nil {
		panic(err)
	}
	return l
}()

func newWorld(t *testing.T) *world {
	t.Helper()
	return newWorldWith(t, api.Options{})
}

// newWorldWith is newWorld with options (a console page size, a logger);
// the clocks are the test's, and the logger too unless one is given.
func newWorldWith(t *testing.T, o api.Options) *world {
	t.Helper()
	db := pgtest.NewDB(t)
	start := time.Date(fixtures.TestToday.Year(), fixtures.TestToday.Month(), fixtures.TestToday.Day(), 10, 0, 0, 0, loc)
	c := &clock{t: start}
	o.Now, o.Location, o.KeyNow = c.Now, loc, c.Now
	if o.Logger == nil {
		o.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	srv := api.Open(db, o)
	hs := httptest.NewServer(srv) // 127.0.0.1 only
	t.Cleanup(hs.Close)
	demo, err := fixtures.DemoIDs(t.Context(), db)
	require.NoError(t, err)
	return &world{t: t, db: db, srv: hs, rss: srv, clock: c, demo: demo}
}

// Keys of the demo roles.
var (
	keyHRA      = fixtures.Key(access.RoleProvider, "HRA")
	keyBCS      = fixtures.Key(access.RoleProvider, "BCS")
	keyReviewer = fixtures.Key(access.RoleReviewer, "")
	keyFinance  = fixtures.Key(access.RoleFinance, "")
	keyAdmin    = fixtures.Key(access.RoleAdmin, "")
)

// user is a browser without a browser: a cookie jar that never follows
// redirects on its own, so each answer can be checked.
type user struct {
	w *world
	c *http.Client
}

func (w *world) user() *user {
	jar, err := cookiejar.New(nil)
	require.NoError(w.t, err)
	return &user{w: w, c: &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
}

type page struct {
	Status int
	Header http.Header
	Body   string
}

func (u *user) get(path string) page {
	u.w.t.Helper()
	r, err := u.c.Get(u.w.srv.URL + path)
	require.NoError(u.w.t, err)
	return read(u.w.t, r)
}

func (u *user) post(path string, form url.Values) page {
	u.w.t.Helper()
	r, err := u.c.PostForm(u.w.srv.URL+path, form)
	require.NoError(u.w.t, err)
	return read(u.w.t, r)
}

func read(t *testing.T, r *http.Response) page {
	defer r.Body.Close()
	b, err := io.ReadAll(r.Body)
	require.NoError(t, err)
	return page{Status: r.StatusCode, Header: r.Header, Body: string(b)}
}

var csrfField = regexp.MustCompile(`name="csrf" value="([^"]+)"`)

// csrf is the token the page's forms carry.
var hiddenField = regexp.MustCompile(`<input type="hidden" name="([^"]+)" value="([^"]*)">`)

// hidden is the page's hidden form fields, as its forms would post them
// (the page's one form, or the last of each name).
func (p page) hidden() url.Values {
	v := url.Values{}
	for _, m := range hiddenField.FindAllStringSubmatch(p.Body, -1) {
		v.Set(m[1], html.UnescapeString(m[2]))
	}
	return v
}

func (p page) csrf(t *testing.T) string {
	t.Helper()
	m := csrfField.FindStringSubmatch(p.Body)
	require.NotNil(t, m, "no csrf field in %s", p.Body)
	return html.UnescapeString(m[1])
}

// signIn signs u in with key and returns the start page.
func (u *user) signIn(key string) page {
	u.w.t.Helper()
	form := u.get("/console/sign-in")
	require.Equal(u.w.t, http.StatusOK, form.Status)
	r := u.post("/console/sign-in", url.Values{"csrf": {form.csrf(u.w.t)}, "api_key": {key}})
	require.Equal(u.w.t, http.StatusSeeOther, r.Status, "body: %s", r.Body)
	require.Equal(u.w.t, "/console/", r.Header.Get("Location"))
	home := u.get("/console/")
	require.Equal(u.w.t, http.StatusOK, home.Status)
	return home
}

var idemSeq atomic.Int64

// api calls the JSON API with a bearer key.
func (w *world) api(method, key, path string, body any) (int, map[string]any) {
	w.t.Helper()
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		require.NoError(w.t, err)
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequest(method, w.srv.URL+path, rd)
	require.NoError(w.t, err)
	req.Header.Set("Authorization", "Bearer "+key)
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if method == http.MethodPost {
		req.Header.Set("Idempotency-Key", "console-test-"+strconv.FormatInt(idemSeq.Add(1), 10))
	}
	r, err := http.DefaultClient.Do(req)
	require.NoError(w.t, err)
	p := read(w.t, r)
	var m map[string]any
	if strings.HasPrefix(p.Header.Get("Content-Type"), "application/json") || strings.HasPrefix(p.Header.Get("Content-Type"), "application/problem+json") {
		require.NoError(w.t, json.Unmarshal([]byte(p.Body), &m), "body: %s", p.Body)
	}
	return p.Status, m
}

func day(n int) string { return fixtures.TestToday.AddDays(n).String() }

// pended submits a voucher request the rules pend (a follow-up GPRA is
// missing for Johnson at HRA in the demo data) and returns its id.
func (w *world) pended() int64 {
	w.t.Helper()
	status, v := w.api(http.MethodPost, keyHRA, "/v1/voucher-requests", map[string]any{"client_id": w.demo.Clients["Johnson"],
		"service_code": "ATR-CM", "units": 40, "start_date": day(0), "end_date": day(59)})
	require.Equal(w.t, http.StatusCreated, status, "%v", v)
	require.Equal(w.t, "pended", v["decision"], "%v", v["reason_codes"])
	return int64(v["id"].(float64))
}
