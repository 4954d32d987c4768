package vouchers

import (
	"encoding/base64"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"rss"
)

// Only a cursor the API issued is taken: "id:02" and "id:+2" read as id 2
// though the API never gives them, and its documents say such a cursor is
// a 422 (an integration black-box pass).
func TestCursorOnlyAsIssued(t *testing.T) {
	t.Parallel()
	after, limit, err := Page{Cursor: Cursor(42)}.after()
	require.NoError(t, err)
	assert.Equal(t, int64(42), after)
	assert.Equal(t, defaultLimit, limit)
	for _, raw := range []string{"id:02", "id:+2", "id: 2", "id:2 ", "id:0", "id:-3", "2", "id:", "id:99999999999999999999"} {
		_, _, err := Page{Cursor: base64.RawURLEncoding.EncodeToString([]byte(raw))}.after()
		assert.ErrorIs(t, err, rss.ErrInvalid, raw)
	}
	_, _, err = Page{Cursor: base64.URLEncoding.EncodeToString([]byte("id:2"))}.after()
	assert.ErrorIs(t, err, rss.ErrInvalid, "padded: not the form issued")
}
