package api

import (
	"io"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// A request whose work outlasts the server's write timeout still gets its
// answer on a route marked unhurried: an 835 import ran 124 s, committed,
// and its client got an empty reply (a black-box pass). Here the timeout
// is 100 ms and the work 300 ms. The router wraps its writer as the
// server's does (retryAfter, before every route): on a bare router the
// lift worked while the server's routes kept the 120 s timeout, the
// wrapper hiding the connection's writer from http.ResponseController (a
// payer black-box pass of the thirty-eighth stop).
func TestUnhurriedOutlastsTheWriteTimeout(t *testing.T) {
	gin.SetMode(gin.TestMode)
	e := gin.New()
	e.Use(retryAfter())
	slow := func(c *gin.Context) {
		time.Sleep(300 * time.Millisecond)
		c.String(http.StatusOK, "done")
	}
	e.GET("/slow", slow)
	e.GET("/unhurried", unhurried(), slow)
	ts := httptest.NewUnstartedServer(e)
	ts.Config.WriteTimeout = 100 * time.Millisecond
	ts.Start()
	defer ts.Close()
	get := func(path string) (string, error) {
		res, err := ts.Client().Get(ts.URL + path)
		if err != nil {
			return "", err
		}
		defer res.Body.Close()
		b, err := io.ReadAll(res.Body)
		return string(b), err
	}
	_, err := get("/slow")
	require.Error(t, err, "the write timeout cuts a plain route off")
	body, err := get("/unhurried")
	require.NoError(t, err)
	assert.Equal(t, "done", body)
}
