package pg

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

// The database a DATABASE_URL names labels /metrics' pool gauges: every
// deployment read "rss" whatever it named (a black-box pass).
func TestDatabaseName(t *testing.T) {
	for _, tc := range []struct{ url, want string }{
		{"postgres://postgres@127.0.0.1:5432/rss?sslmode=disable", "rss"},
		{"postgresql://u:p@db.example/claims_prod", "claims_prod"},
		{"postgres://u@h/ignored?dbname=from_query", "from_query"},
		{"postgres://u@h:5432", ""},
		{"postgres://u@h/", ""},
		{"postgres://%zz", ""},
		{"host=/var/run/postgresql dbname=rss_test user=postgres", "rss_test"},
		{"dbname='quoted' sslmode=disable", "quoted"},
		{"host=h dbname = spaced user=u", "spaced"}, // libpq allows white space around "="
		{"host=h mydbname=not_this", ""},
		{"host=localhost user=postgres", ""},
		{"", ""},
	} {
		assert.Equal(t, tc.want, DatabaseName(tc.url), tc.url)
	}
}
