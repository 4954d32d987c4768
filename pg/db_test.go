package pg

import (
	"testing"

	"github.com/lib/pq"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// The database a DATABASE_URL names labels /metrics' pool gauges: every
// deployment read "rss" whatever it named (a black-box pass).
func TestDatabaseName(t *testing.T) {
	for _, tc := range []struct{ url, want string }{
		{"postgres://postgres@127.0.0.1:5432/rss?sslmode=disable", "rss"},
		{"postgresql://u:p@db.example/claims_prod", "claims_prod"},
		{"postgres://u@h/?dbname=from_query", "from_query"},
		{"host=h database=synonym", "synonym"},
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

// The bench's scratch database is DATABASE_URL naming another database,
// in either form: a key=value DATABASE_URL came back unchanged, and the
// bench wrote into the database it named (an on-call pass); and read by a
// pattern, a database setting, a dbname right after a quoted value or a
// setting left empty at the end sent it elsewhere (its re-check). The
// driver reads the settings made here as naming that database alone.
func TestWithDatabase(t *testing.T) {
	for _, tc := range []struct{ url, want string }{
		{"postgres://postgres@127.0.0.1:5432/rss?sslmode=disable", "postgres://postgres@127.0.0.1:5432/scratch_1?sslmode=disable"},
		{"postgresql://u:p%40w@h/rss", "postgresql://u:p%40w@h/scratch_1"},
		{"postgres://u@h/rss?dbname=other&sslmode=disable", "postgres://u@h/scratch_1?sslmode=disable"},
		{"postgres://u@h/rss?database=other", "postgres://u@h/scratch_1"},
		{"postgres://u@h:5432", "postgres://u@h:5432/scratch_1"},
		{"host=127.0.0.1 user=postgres dbname=rss sslmode=disable", "host='127.0.0.1' user='postgres' sslmode='disable' dbname='scratch_1'"},
		{"dbname = 'rss live' host=h", "host='h' dbname='scratch_1'"},
		{"host=h dbname=a database=b", "host='h' dbname='scratch_1'"},
		{"host=h password='p w'dbname=rss", "host='h' password='p w' dbname='scratch_1'"},
		{"host=h dbname=rss password=", "host='h' password='' dbname='scratch_1'"},
		{`host=h application_name='a dbname=b' dbname=rss`, `host='h' application_name='a dbname=b' dbname='scratch_1'`},
	} {
		got, err := WithDatabase(tc.url, "scratch_1")
		assert.NoError(t, err, tc.url)
		assert.Equal(t, tc.want, got, tc.url)
		assert.Equal(t, "scratch_1", DatabaseName(got), tc.url)
		assert.Equal(t, 1, DatabaseNamings(got), tc.url)
		cfg, err := pq.NewConfig(got)
		assert.NoError(t, err, tc.url)
		assert.Equal(t, "scratch_1", cfg.Database, "as the driver reads it: %s", tc.url)
	}
	_, err := WithDatabase("host=h user=u password=S3CRET", "scratch_1")
	assert.Error(t, err)
	assert.NotContains(t, err.Error(), "S3CRET")
	// A setting the driver refuses is named, with the value it read; it
	// was "use a postgres:// URL" of a postgres:// URL (an on-call pass).
	for url, want := range map[string]string{
		"postgres://u:S3CRET@h/rss?sslmode=bogus":           `DATABASE_URL: wrong value for "sslmode": "bogus" is not supported`,
		"postgres://u:S3CRET@h/rss?connect_timeout=abc":     `DATABASE_URL: wrong value for "connect_timeout"`,
		"host=h password=S3CRET dbname=rss sslmode=bogus":   `DATABASE_URL: wrong value for "sslmode"`,
		"host=h password=S3CRET dbname=rss sslmode=disable": "",
	} {
		_, err := WithDatabase(url, "scratch_1")
		if want == "" {
			assert.NoError(t, err, url)
			continue
		}
		require.Error(t, err, url)
		assert.Contains(t, err.Error(), want, url)
		assert.NotContains(t, err.Error(), "S3CRET", url)
	}
}

// The places a DATABASE_URL names its database in are counted, and one
// the driver reads otherwise is refused, as the configuration refuses them.
func TestDatabaseNamings(t *testing.T) {
	for url, want := range map[string]int{
		"postgres://u@h/rss":                          1,
		"postgres://u@h/?dbname=rss":                  1,
		"postgres://u@h/rss?dbname=decoy":             2,
		"postgres://u@h/rss?database=decoy":           2,
		"host=h dbname=rss":                           1,
		"host=h dbname=rss dbname=postgres":           2,
		"host=h dbname=rss database=postgres":         2,
		"host=h password='x'dbname=postgres dbname=a": 2,
		"dbname = rss host=h dbname='x'":              2,
		"host=h mydbname=x":                           0,
		"host=h application_name='a dbname=b'":        0,
		"postgres://u@h/rss?dbname=a&dbname=b":        3,
		"postgres://u@h/rss?dbname=":                  1,
	} {
		assert.Equal(t, want, DatabaseNamings(url), url)
	}
	assert.NoError(t, CheckNamesOneDatabase("host=h application_name='a dbname=b' dbname=rss"))
	assert.NoError(t, CheckNamesOneDatabase("postgres://u@h/rss?sslmode=disable"))
	assert.Error(t, CheckNamesOneDatabase("host=h dbname=rss database=postgres"))
	assert.Error(t, CheckNamesOneDatabase("host=h password='x'dbname=postgres dbname=rss"))
	// Any setting given twice: the driver keeps a URL's first and psql the
	// last, so rss ran unencrypted where psql required TLS (a black-box pass).
	for _, url := range []string{"postgres://u:S3CRET@h/rss?sslmode=disable&sslmode=require", "host=h dbname=rss sslmode=disable sslmode=require"} {
		err := CheckNamesOneDatabase(url)
		require.Error(t, err, url)
		assert.Contains(t, err.Error(), "gives the setting sslmode more than once")
		assert.NotContains(t, err.Error(), "S3CRET")
	}
	assert.NoError(t, CheckNamesOneDatabase("postgres://u@h/rss?sslmode=disable&connect_timeout=5"))
}
