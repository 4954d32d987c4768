package api_test

import (
	"io"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// The server's routes marked unhurried answer past its write timeout
// through the whole middleware chain: the lift worked on a bare router
// while every real route kept rss serve's 120 s, and an 835 import that
// ran past it committed while its client read an empty reply (a payer
// black-box pass of the thirty-eighth stop). Here the timeout is 300 ms
// and a lock another transaction holds keeps the work waiting 900 ms; the
// claims list, not marked so, is cut off.
func TestUnhurriedRoutesOutlastTheWriteTimeout(t *testing.T) {
	e := newEnv(t)
	ts := httptest.NewUnstartedServer(e.srv)
	ts.Config.WriteTimeout = 300 * time.Millisecond
	ts.Start()
	defer ts.Close()
	// A connection each: a GET cut off on a reused one is sent again by
	// the client, after the lock is gone.
	client := &http.Client{Transport: &http.Transport{DisableKeepAlives: true}}
	get := func(path string) (int, error) {
		tx, err := e.db.BeginTx(t.Context(), nil)
		require.NoError(t, err)
		_, err = tx.Exec(`LOCK TABLE claims IN ACCESS EXCLUSIVE MODE`)
		require.NoError(t, err)
		time.AfterFunc(900*time.Millisecond, func() { _ = tx.Rollback() })
		req, err := http.NewRequest(http.MethodGet, ts.URL+path, nil)
		require.NoError(t, err)
		req.Header.Set("Authorization", "Bearer "+keyFinance)
		res, err := client.Do(req)
		if err != nil {
			return 0, err
		}
		defer res.Body.Close()
		_, err = io.ReadAll(res.Body)
		return res.StatusCode, err
	}
	_, err := get("/v1/claims")
	require.Error(t, err, "the write timeout cuts a route not marked unhurried off")
	t0 := time.Now()
	status, err := get("/v1/batches/preview?payer_route=payment_register&through_date=" + e.now.Format("2006-01-02"))
	require.NoError(t, err, "a batch preview answers however long it waited")
	assert.Equal(t, http.StatusOK, status)
	assert.Greater(t, time.Since(t0), 600*time.Millisecond, "it waited for the lock")
}
