package api

import (
	"bufio"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// A body that does not arrive within the server's read deadline is a 408
// saying so, not a 400 blaming the JSON: a valid bulk sent over a slow
// link read "the request body could not be read" (an on-call black-box
// pass). Here the deadline is 200 ms and the body's second half comes
// after 600.
func TestSlowBodyIsATimeoutNotBadJSON(t *testing.T) {
	ts := httptest.NewUnstartedServer(bodyReader())
	ts.Config.ReadTimeout = 200 * time.Millisecond
	ts.Start()
	defer ts.Close()

	body, w := io.Pipe()
	go func() {
		_, _ = w.Write([]byte(`{"claims": [`))
		time.Sleep(600 * time.Millisecond)
		_, _ = w.Write([]byte(`]}`))
		_ = w.Close()
	}()
	req, err := http.NewRequest(http.MethodPost, ts.URL+"/read", body)
	require.NoError(t, err)
	req.ContentLength = 14
	res, err := ts.Client().Do(req)
	require.NoError(t, err)
	defer res.Body.Close()
	assert.Equal(t, http.StatusRequestTimeout, res.StatusCode)
	var p map[string]any
	require.NoError(t, json.NewDecoder(res.Body).Decode(&p))
	assert.Equal(t, "body_timeout", p["code"])
	assert.Contains(t, p["detail"], "60 s")
}

// A client that leaves during its body is answered, logged and counted as
// a client that left (499), not as a 400 blaming its JSON (an on-call
// pass: a client killed mid-body read as malformed_json).
func TestBodyCutShortIsAClientThatLeft(t *testing.T) {
	ts := httptest.NewServer(bodyReader())
	defer ts.Close()

	conn, err := net.Dial("tcp", ts.Listener.Addr().String())
	require.NoError(t, err)
	defer conn.Close()
	_, err = io.WriteString(conn, "POST /read HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{\"client_id\": 1,")
	require.NoError(t, err)
	require.NoError(t, conn.(*net.TCPConn).CloseWrite())
	res, err := http.ReadResponse(bufio.NewReader(conn), nil)
	require.NoError(t, err)
	defer res.Body.Close()
	assert.Equal(t, StatusClientClosedRequest, res.StatusCode)
	var p map[string]any
	require.NoError(t, json.NewDecoder(res.Body).Decode(&p))
	assert.Equal(t, "client_closed_request", p["code"])
}

// A body that is not a JSON object is told so, whatever its struct's
// fields are: a discharge sent as [] read "must be a date" (an enrollment
// black-box pass), since the struct's type text names rss.Date.
func TestJSONKindOfABodysOwnStruct(t *testing.T) {
	for _, goType := range []string{`struct { DischargeDate rss.Date "json:\"discharge_date\"" }`, "struct { Units int }",
		"map[string]interface {}"} {
		assert.Equal(t, "an object", jsonKind(goType), goType)
	}
	assert.Equal(t, `a date "YYYY-MM-DD"`, jsonKind("rss.Date"))
	assert.Equal(t, "a whole number", jsonKind("int64"))
}

// bodyReader is a router whose one route, POST /read, reads its body as
// every handler does (readBody) and answers "read".
func bodyReader() *gin.Engine {
	gin.SetMode(gin.TestMode)
	e := gin.New()
	e.POST("/read", func(c *gin.Context) {
		if _, err := readBody(c); err != nil {
			return
		}
		c.String(http.StatusOK, "read")
	})
	return e
}
