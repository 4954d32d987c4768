package api_test

import (
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"rss/api"
	"rss/fixtures"
	"rss/pg/pgtest"
)

// itClock is a settable clock for servers whose tests need time to pass.
type itClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *itClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *itClock) Advance(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

// itOpts changes how itNewEnv builds the server.
type itOpts struct {
	log    io.Writer     // JSON request log; nil discards it
	keyTTL time.Duration // API key cache TTL; 0 means one second, as in the harness
}

// itEnv is an env whose service clock and key-cache clock the test moves.
type itEnv struct {
	*env
	clock *itClock // the services' clock (starts at 10:00 on fixtures.TestToday)
	keys  *itClock // the key cache's clock
}

// itNewEnv builds a server the way the harness does, but with settable
// clocks and an optional log destination.
func itNewEnv(t *testing.T, o itOpts) *itEnv {
	t.Helper()
	db := pgtest.NewDB(t)
	start := time.Date(fixtures.TestToday.Year(), fixtures.TestToday.Month(), fixtures.TestToday.Day(), 10, 0, 0, 0, loc)
	clock := &itClock{t: start}
	keys := &itClock{t: start}
	ttl := o.keyTTL
	if ttl == 0 {
		ttl = time.Second
	}
	var h slog.Handler = slog.NewTextHandler(io.Discard, nil)
	if o.log != nil {
		h = slog.NewJSONHandler(o.log, nil)
	}
	srv := api.Open(db, api.Options{Now: clock.Now, Location: loc, KeyTTL: ttl, KeyNow: keys.Now, Logger: slog.New(h)})
	demo, err := fixtures.DemoIDs(t.Context(), db)
	require.NoError(t, err)
	return &itEnv{env: &env{t: t, db: db, srv: srv, demo: demo, now: start}, clock: clock, keys: keys}
}

// itTables lists every table of the schema, for the "writes nothing" check.
func itTables(e *env) []string {
	e.t.Helper()
	var names []string
	require.NoError(e.t, e.db.SelectContext(e.t.Context(), &names, `SELECT table_name::text FROM information_schema.tables
		WHERE table_schema = 'public' AND table_type = 'BASE TABLE' AND table_name <> 'goose_db_version' ORDER BY 1`))
	require.NotEmpty(e.t, names)
	return names
}

// itSnapshot fingerprints the content of every table (row count and an md5
// of the rows), so a comparison catches inserts, updates and deletes alike.
func itSnapshot(e *env) map[string]string {
	e.t.Helper()
	tables := itTables(e)
	parts := make([]string, len(tables))
	for i, name := range tables {
		parts[i] = fmt.Sprintf(`SELECT %s::text AS name, count(*)::text || ':' || coalesce(md5(string_agg(t::text, '|' ORDER BY t::text)), '') AS print FROM %s t`,
			"'"+name+"'", `"`+name+`"`)
	}
	var rows []struct {
		Name  string `db:"name"`
		Print string `db:"print"`
	}
	require.NoError(e.t, e.db.SelectContext(e.t.Context(), &rows, strings.Join(parts, " UNION ALL ")))
	out := make(map[string]string, len(rows))
	for _, r := range rows {
		out[r.Name] = r.Print
	}
	for _, must := range []string{"clients", "voucher_requests", "authorizations", "audit_events", "idempotency_keys"} {
		require.Contains(e.t, out, must)
	}
	return out
}

// itCounts are the row counts the brief names, kept beside the fingerprint
// so a failure says plainly which table grew.
func itCounts(e *env) map[string]int {
	out := map[string]int{}
	for _, tbl := range []string{"clients", "persons", "enrollments", "episodes", "consents", "gpra_interviews", "care_plans",
		"voucher_requests", "reviewer_decisions", "authorizations", "audit_events", "idempotency_keys", "api_keys", "claims"} {
		out[tbl] = e.count(`SELECT count(*) FROM ` + tbl)
	}
	return out
}

// itNothingWritten runs fn and asserts that no table changed.
func itNothingWritten(t *testing.T, e *env, fn func()) {
	t.Helper()
	counts, before := itCounts(e), itSnapshot(e)
	fn()
	assert.Equal(t, counts, itCounts(e), "row counts changed")
	assert.Equal(t, before, itSnapshot(e), "table contents changed")
}

// itID reads the numeric "id" (or another key) of a JSON object response.
func itID(t *testing.T, r resp, key ...string) int64 {
	t.Helper()
	k := "id"
	if len(key) > 0 {
		k = key[0]
	}
	m := r.JSON(t)
	v, ok := m[k].(float64)
	require.True(t, ok, "no numeric %q in %s", k, r.Body)
	return int64(v)
}

// itItems reads the "items" array of a list response.
func itItems(t *testing.T, r resp) []map[string]any {
	t.Helper()
	require.Equal(t, http.StatusOK, r.Status, "body: %s", r.Body)
	var l struct {
		Items []map[string]any `json:"items"`
	}
	r.Into(t, &l)
	require.NotNil(t, l.Items, "no items in %s", r.Body)
	return l.Items
}

// itFieldErrors returns the field names of a problem's errors.
func itFieldErrors(t *testing.T, p map[string]any) []string {
	t.Helper()
	raw, _ := p["errors"].([]any)
	out := make([]string, 0, len(raw))
	for _, x := range raw {
		f, ok := x.(map[string]any)
		require.True(t, ok)
		out = append(out, fmt.Sprint(f["field"]))
	}
	return out
}

// itFieldCode returns the code of the field error on field ("" when absent).
func itFieldCode(p map[string]any, field string) string {
	s, _ := itFieldError(p, field)["code"].(string)
	return s
}

// itFieldMessage is the message of field's error in problem p.
func itFieldMessage(p map[string]any, field string) string {
	s, _ := itFieldError(p, field)["message"].(string)
	return s
}

// itFieldError is field's entry in problem p's errors, nil when none.
func itFieldError(p map[string]any, field string) map[string]any {
	raw, _ := p["errors"].([]any)
	for _, x := range raw {
		if f, ok := x.(map[string]any); ok && f["field"] == field {
			return f
		}
	}
	return nil
}

func itPath(format string, args ...any) string { return fmt.Sprintf(format, args...) }

func itStr(id int64) string { return strconv.FormatInt(id, 10) }

var itNameSeq atomic.Int64

// itPerson returns a name no demo client has.
func itPerson(prefix string) (first, last string) {
	n := itNameSeq.Add(1)
	return prefix + "first", fmt.Sprintf("%slast%d", prefix, n)
}

// itNewClient registers a client with the agency of key.
func itNewClient(t *testing.T, e *env, key string, area string) int64 {
	t.Helper()
	first, last := itPerson("It")
	r := e.post(key, "/v1/clients", map[string]any{"first_name": first, "last_name": last, "date_of_birth": "1990-04-12",
		"gender": "F", "catchment_area": area})
	require.Equal(t, http.StatusCreated, r.Status, "body: %s", r.Body)
	return itID(t, r)
}

// itATR is what itATRClient made through the API.
type itATR struct {
	Client, Enrollment, Episode, Consent, Intake, CarePlan int64
}

// itATRClient registers a new HRA client and makes them ready for ATR
// vouchers through the API alone: an ATR enrollment with Okafor as primary
// case manager starting on start, a payment consent to the MSC, the intake
// GPRA on start and a care plan with case management and transportation.
func itATRClient(t *testing.T, e *env, start string) itATR {
	t.Helper()
	var out itATR
	out.Client = itNewClient(t, e, keyHRA, "hartford")
	r := e.post(keyHRA, "/v1/enrollments", map[string]any{"client_id": out.Client, "program_code": "ATR",
		"assigned_staff_id": e.demo.Staff["Okafor"], "primary_case_manager": true, "start_date": start})
	require.Equal(t, http.StatusCreated, r.Status, "enrollment: %s", r.Body)
	out.Enrollment = itID(t, r)
	assert.NotContains(t, r.JSON(t), "episode_id", "the person's episode is the MSC's to see")
	out.Episode = int64(e.count(`SELECT episode_id FROM enrollments WHERE id = $1`, out.Enrollment))
	r = e.post(keyHRA, "/v1/consents", map[string]any{"client_id": out.Client, "recipient_type": "msc",
		"recipient_name": "Management Services Contractor", "purposes": []string{"payment"},
		"information": "enrollment and services", "signed_on": start, "expires_on": day(365)})
	require.Equal(t, http.StatusCreated, r.Status, "consent: %s", r.Body)
	out.Consent = itID(t, r)
	r = e.post(keyHRA, "/v1/gpra-interviews", map[string]any{"client_id": out.Client, "kind": "intake",
		"instrument": "SUPRT-2025", "status": "completed", "interview_date": start})
	require.Equal(t, http.StatusCreated, r.Status, "intake: %s", r.Body)
	out.Intake = itID(t, r)
	r = e.post(keyHRA, "/v1/care-plans", map[string]any{"client_id": out.Client, "program_code": "ATR", "kind": "rss_care_plan",
		"start_date": start, "end_date": day(300), "services": []map[string]any{{"service_code": "ATR-CM"}, {"service_code": "ATR-TR"}}})
	require.Equal(t, http.StatusCreated, r.Status, "care plan: %s", r.Body)
	out.CarePlan = itID(t, r)
	return out
}

// itVoucher submits a voucher request and requires 201.
func itVoucher(t *testing.T, e *env, key string, client int64, service string, units, from, to int) map[string]any {
	t.Helper()
	r := e.post(key, "/v1/voucher-requests", map[string]any{"client_id": client, "service_code": service, "units": units,
		"start_date": day(from), "end_date": day(to)})
	require.Equal(t, http.StatusCreated, r.Status, "body: %s", r.Body)
	return r.JSON(t)
}

// itNum reads a JSON number field as an int64.
func itNum(t *testing.T, m map[string]any, key string) int64 {
	t.Helper()
	v, ok := m[key].(float64)
	require.True(t, ok, "no numeric %q in %v", key, m)
	return int64(v)
}

// itAudit counts the records the audit log says were acted on (audit
// events, a read set's once per record it lists) matching action, entity
// type and entity id (an empty string matches any).
func itAudit(e *env, action, entityType, entityID string) int {
	return e.count(`SELECT count(*) FROM audit_records WHERE ($1 = '' OR action = $1) AND ($2 = '' OR entity_type = $2)
		AND ($3 = '' OR entity_id = $3)`, action, entityType, entityID)
}

// itAwaitLockWaiters waits, bounded, until n sessions of e's database
// wait on a lock: the requests a test holds back have queued behind it.
func itAwaitLockWaiters(t *testing.T, e *env, n int, what string) {
	t.Helper()
	for tries, waiting := 0, 0; waiting < n; tries++ {
		require.Less(t, tries, 6000, "%s never queued (%d of %d waiting)", what, waiting, n)
		waiting = e.count(`SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'`)
		time.Sleep(10 * time.Millisecond)
	}
}
