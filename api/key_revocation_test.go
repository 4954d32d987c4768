package api_test

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"rss/access"
	"rss/api"
	"rss/fixtures"
	"rss/pg"
	"rss/pg/pgtest"
)

// TestRevokedKeyRefusedAtOnce: in the process that revoked it, a key is
// refused by the very next request, although it was cached a moment
// before and the cache's clock has not moved (so the TTL cannot be what
// refuses it). No listener runs here: the revocation itself drops the key
// once it has committed.
func TestRevokedKeyRefusedAtOnce(t *testing.T) {
	t.Parallel()
	e := itNewEnv(t, itOpts{keyTTL: time.Hour})
	r := e.post(keyAdmin, "/v1/api-keys", map[string]any{"role": "finance", "label": "to revoke"})
	require.Equal(t, http.StatusCreated, r.Status, "body: %s", r.Body)
	key, id := r.JSON(t)["key"].(string), itID(t, r)
	require.Equal(t, http.StatusOK, e.get(key, "/v1/batches").Status, "the key works and is now cached")

	// A reason of two lines is refused and revokes nothing.
	r = e.post(keyAdmin, itPath("/v1/api-keys/%d/revoke", id), map[string]any{"reason": "left\nthe agency"})
	require.Equal(t, "invalid_character", itFieldCode(requireProblem(t, r, http.StatusUnprocessableEntity, "validation_failed"), "reason"))
	require.Equal(t, http.StatusOK, e.get(key, "/v1/batches").Status, "a refused revocation leaves the key working")

	r = e.post(keyAdmin, itPath("/v1/api-keys/%d/revoke", id), nil)
	require.Equal(t, http.StatusOK, r.Status, "body: %s", r.Body)
	requireProblem(t, e.get(key, "/v1/batches"), http.StatusUnauthorized, "unauthorized")
	requireProblem(t, e.post(key, "/v1/batches", map[string]any{"payer_route": "payment_register", "through_date": day(0)}),
		http.StatusUnauthorized, "unauthorized")

}

// itProcess is one server instance with its own pool and key cache, as a
// second `rss serve` would be.
type itProcess struct {
	srv   *api.Server
	keys  *access.Keys
	clock *itClock // the key cache's clock, frozen unless moved
	stop  context.CancelFunc
}

func itStartProcess(t *testing.T, url string, listen bool) *itProcess {
	t.Helper()
	pool, err := pg.Open(t.Context(), url, 4)
	require.NoError(t, err)
	t.Cleanup(func() { pool.Close() })
	now := time.Date(fixtures.TestToday.Year(), fixtures.TestToday.Month(), fixtures.TestToday.Day(), 10, 0, 0, 0, loc)
	clock := &itClock{t: now}
	keys := access.NewKeys(pool, time.Hour, clock.Now)
	logger := slog.New(slog.NewTextHandler(io.Discard, nil))
	p := &itProcess{keys: keys, clock: clock, stop: func() {}}
	if listen {
		ctx, cancel := context.WithCancel(context.Background())
		t.Cleanup(cancel)
		p.stop = cancel
		require.NoError(t, keys.Listen(ctx, url, logger))
		require.True(t, keys.Listening())
	}
	svc := func() time.Time { return now }
	p.srv = api.Open(pool, api.Options{Now: svc, Location: loc, Keys: keys, Logger: logger})
	return p
}

func (p *itProcess) status(t *testing.T, key, path string) int {
	t.Helper()
	r := httptest.NewRequest(http.MethodGet, path, nil)
	r.Header.Set("Authorization", "Bearer "+key)
	w := httptest.NewRecorder()
	p.srv.ServeHTTP(w, r)
	return w.Code
}

func (p *itProcess) post(t *testing.T, key, path, body string) (int, []byte) {
	t.Helper()
	r := httptest.NewRequest(http.MethodPost, path, nil)
	if body != "" {
		r = httptest.NewRequest(http.MethodPost, path, strings.NewReader(body))
		r.Header.Set("Content-Type", "application/json")
	}
	r.Header.Set("Authorization", "Bearer "+key)
	r.Header.Set("Idempotency-Key", "rev-"+itStr(idemSeq.Add(1)))
	w := httptest.NewRecorder()
	p.srv.ServeHTTP(w, r)
	return w.Code, w.Body.Bytes()
}

// itUntilRefused asks p with key until it answers 401. The notification
// travels between processes asynchronously, so this waits for it; the
// bound is far above any delivery time and far below the one-hour TTL, so
// a pass can only come from the notification.
func itUntilRefused(t *testing.T, p *itProcess, key string) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for p.status(t, key, "/v1/batches") != http.StatusUnauthorized {
		require.True(t, time.Now().Before(deadline), "the revoked key is still accepted by the other process")
		time.Sleep(2 * time.Millisecond)
	}
}

// TestRevocationReachesOtherProcesses runs two server instances, each
// with its own pool and key cache (TTL one hour, clock frozen), against
// one database. A key revoked through one is refused by the other as soon
// as PostgreSQL's notification arrives, and stays refused; a revocation
// made in SQL by hand reaches both the same way; when a process's
// listener is down, its cache falls back to the TTL.
func TestRevocationReachesOtherProcesses(t *testing.T) {
	t.Parallel()
	_, url := pgtest.NewDBURL(t)
	a, b := itStartProcess(t, url, true), itStartProcess(t, url, true)

	mint := func() (string, int64) {
		t.Helper()
		code, body := a.post(t, keyAdmin, "/v1/api-keys", `{"role":"finance","label":"two processes"}`)
		require.Equal(t, http.StatusCreated, code, "body: %s", body)
		r := resp{Status: code, Body: body}
		return r.JSON(t)["key"].(string), itID(t, r)
	}
	warm := func(key string) {
		t.Helper()
		require.Equal(t, http.StatusOK, a.status(t, key, "/v1/batches"))
		require.Equal(t, http.StatusOK, b.status(t, key, "/v1/batches"), "cached in the other process too")
	}

	key, id := mint()
	warm(key)
	code, body := a.post(t, keyAdmin, itPath("/v1/api-keys/%d/revoke", id), "")
	require.Equal(t, http.StatusOK, code, "body: %s", body)
	assert.Equal(t, http.StatusUnauthorized, a.status(t, key, "/v1/batches"), "refused at once where it was revoked")
	itUntilRefused(t, b, key)
	for range 20 {
		assert.Equal(t, http.StatusUnauthorized, b.status(t, key, "/v1/batches"), "and it stays refused")
	}

	// Revoked by hand in SQL: the trigger announces it to every process.
	key2, id2 := mint()
	warm(key2)
	admin, err := pg.Open(t.Context(), url, 1)
	require.NoError(t, err)
	defer admin.Close()
	_, err = admin.ExecContext(t.Context(), `UPDATE api_keys SET revoked_at = now() WHERE id = $1`, id2)
	require.NoError(t, err)
	itUntilRefused(t, a, key2)
	itUntilRefused(t, b, key2)

	// The listener's connection is cut: what is announced meanwhile may be
	// lost, so on reconnecting the process drops its whole cache.
	key3, id3 := mint()
	warm(key3)
	_, err = admin.ExecContext(t.Context(), `SELECT pg_terminate_backend(pid) FROM pg_stat_activity
		WHERE datname = current_database() AND query LIKE 'LISTEN%' AND pid <> pg_backend_pid()`)
	require.NoError(t, err)
	_, err = admin.ExecContext(t.Context(), `UPDATE api_keys SET revoked_at = now() WHERE id = $1`, id3)
	require.NoError(t, err)
	itUntilRefused(t, b, key3)

	// No listener at all: a revocation made elsewhere holds within the TTL.
	b.stop()
	for deadline := time.Now().Add(20 * time.Second); b.keys.Listening(); {
		require.True(t, time.Now().Before(deadline), "the listener did not stop")
		time.Sleep(2 * time.Millisecond)
	}
	key4, id4 := mint()
	warm(key4)
	code, body = a.post(t, keyAdmin, itPath("/v1/api-keys/%d/revoke", id4), "")
	require.Equal(t, http.StatusOK, code, "body: %s", body)
	assert.Equal(t, http.StatusUnauthorized, a.status(t, key4, "/v1/batches"))
	b.clock.Advance(time.Hour + time.Second)
	assert.Equal(t, http.StatusUnauthorized, b.status(t, key4, "/v1/batches"), "past the TTL the other process reads the revocation")
}
