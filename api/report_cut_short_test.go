package api_test

import (
	"bytes"
	"errors"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// goneClient is a client that hangs up once the answer has begun: its
// first write goes out, every later one fails as a reset connection does.
type goneClient struct {
	h      http.Header
	status int
	writes int
}

func (w *goneClient) Header() http.Header { return w.h }
func (w *goneClient) WriteHeader(s int)   { w.status = s }
func (w *goneClient) Write(p []byte) (int, error) {
	w.writes++
	if w.writes > 1 {
		return 0, errors.New("write: connection reset by peer")
	}
	return len(p), nil
}

// A report cut short after its first byte (the client hung up, or the
// database failed mid-stream) panics with http.ErrAbortHandler, which
// net/http swallows. The panic unwound through observe, so the request was
// never logged, never counted in rss_http_requests_total, and the in-flight
// gauge (rss_http_requests_in_flight, Server.InFlight, which `rss serve`
// also waits on at shutdown) kept it for good (a white-box review).
func TestReportCutShortIsLoggedAndLeavesFlight(t *testing.T) {
	log := &itSyncWriter{w: &bytes.Buffer{}}
	e := itNewEnv(t, itOpts{log: log})
	hr := httptest.NewRequest(http.MethodGet, "/v1/reports/caseload", nil)
	hr.Header.Set("Authorization", "Bearer "+keyReviewer)
	hr.Header.Set("X-Request-Id", "cut-short-report")
	w := &goneClient{h: http.Header{}}
	func() {
		// net/http's conn.serve recovers ErrAbortHandler silently.
		defer func() {
			r := recover()
			require.NotNil(t, r, "the report was cut short")
			require.ErrorIs(t, r.(error), http.ErrAbortHandler)
		}()
		e.srv.ServeHTTP(w, hr)
	}()
	require.Greater(t, w.writes, 1, "the answer had begun")
	assert.Zero(t, e.srv.InFlight(), "the request is over, yet it stays in flight")
	assert.Contains(t, log.String(), "cut-short-report", "a request cut short is logged (its request id)")
	assert.Contains(t, log.String(), `"cut_short":true`)
	assert.Contains(t, log.String(), "connection reset by peer", "its cause is logged")
}
