package api

import (
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"

	"github.com/gin-gonic/gin"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"rss/access"
	"rss/pg"
	"rss/pg/pgtest"
)

// A 4xx the domain answered through c.Data (which sets Content-Length)
// under a key another request had answered meanwhile is replaced by the
// key's 422, and the replacement sends none of the first answer's
// headers: it kept the first's Content-Length, the connection was cut
// short of it and clients read a transport error (a race black-box pass:
// one key, four claim bodies at once).
func TestKeyReusedAnswerCarriesOnlyItsOwnHeaders(t *testing.T) {
	db := pgtest.NewDB(t)
	var keyID int64
	require.NoError(t, db.Get(&keyID, `SELECT id FROM api_keys ORDER BY id LIMIT 1`))
	_, err := db.Exec(`INSERT INTO idempotency_keys (scope, api_key_id, key, request_hash, method, path, status_code, content_type, response)
		VALUES (1, $1, 'k', '\x00', 'POST', '/x', 201, 'application/json', '{}')`, keyID)
	require.NoError(t, err)

	gin.SetMode(gin.TestMode)
	e := gin.New()
	e.POST("/x", func(c *gin.Context) {
		c.Header("X-Request-Id", "r1") // set before the write, as the request's own middleware does
		c.Set(ctxActor, access.Actor{KeyID: keyID, Role: access.RoleProvider, ProviderID: 1})
	}, idempotent(pg.NewIdempotency(db)), func(c *gin.Context) {
		c.Header("Content-Disposition", "attachment")
		c.Data(http.StatusConflict, "application/problem+json", []byte(`{"code":"claim_number_reused","detail":"`+strings.Repeat("x", 300)+`"}`))
	})
	w := httptest.NewRecorder()
	r := httptest.NewRequest(http.MethodPost, "/x", strings.NewReader(`{"another":"body"}`))
	r.Header.Set("Idempotency-Key", "k")
	e.ServeHTTP(w, r)

	require.Equal(t, http.StatusUnprocessableEntity, w.Code, "%s", w.Body)
	assert.Contains(t, w.Body.String(), "idempotency_key_reused")
	if n := w.Header().Get("Content-Length"); n != "" {
		assert.Equal(t, strconv.Itoa(w.Body.Len()), n, "the length sent is the body's")
	}
	assert.Empty(t, w.Header().Get("Content-Disposition"), "the replaced answer's header")
	assert.Equal(t, "application/problem+json", w.Header().Get("Content-Type"))
	assert.Equal(t, "r1", w.Header().Get("X-Request-Id"), "what was set before the handler stays")
}
