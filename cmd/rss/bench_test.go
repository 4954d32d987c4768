package main

import (
	"encoding/json"
	"fmt"
	"net/url"
	"os"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"rss"
	"rss/pg"
	"rss/pg/pgtest"
)

// The bulk phase writes its claims as bytes: they are the claims the other
// phases marshal from maps.
func TestBenchAppendClaimIsClaim(t *testing.T) {
	mk := func() *bench {
		b := &bench{ids: []int64{11, 12, 13}, staff: 7, today: rss.NewDate(time.Date(2026, 3, 2, 0, 0, 0, 0, time.UTC))}
		b.cursor = make([]atomic.Int64, len(b.ids))
		return b
	}
	viaMap, viaBytes := mk(), mk()
	for i := range 40 {
		want, err := json.Marshal(viaMap.claim(i%3, 1+i%4))
		require.NoError(t, err)
		var w, g any
		require.NoError(t, json.Unmarshal(want, &w))
		require.NoError(t, json.Unmarshal(viaBytes.appendClaim(nil, i%3, 1+i%4), &g))
		assert.Equal(t, w, g)
	}
}

func TestBulkSummary(t *testing.T) {
	s, err := bulkSummary([]byte(`{"results":[{"index":0,"summary":"x"}],"summary":{"claims":1,"created":1,"existing":0,"refused":0,"lines":10}}`))
	require.NoError(t, err)
	assert.Equal(t, 1, s.Created)
	assert.Equal(t, 10, s.Lines)
	s, err = bulkSummary([]byte(`{"summary":{"created":2,"lines":3},"results":[]}`))
	require.NoError(t, err, "read whole when the summary is not last")
	assert.Equal(t, 2, s.Created)
	_, err = bulkSummary([]byte(`{"results":[]}`))
	require.Error(t, err)
}

// The close phase fills its scratch database in SQL, beside the API: a
// schema rule added since (a payer consent names its payer, migration
// 00065) failed its insert and `rss bench` with it, and nothing ran it (a
// re-check found it). Fifty lines run it whole.
func TestBenchCloseRuns(t *testing.T) {
	_, url := pgtest.NewDBURL(t)
	res, err := benchClose(t.Context(), config{DatabaseURL: url, Location: time.UTC}, 50, "", t.Logf)
	require.NoError(t, err)
	assert.Equal(t, 50, res.lines)
}

// A bench's scratch database is DATABASE_URL naming another database in
// key=value form too: the URL came back unchanged, and bench, bench export
// and bench reports seeded, billed and closed batches in the database
// DATABASE_URL named, production's (an on-call pass).
func TestBenchScratchOfKeyValueSettings(t *testing.T) {
	live, liveURL := pgtest.NewDBURL(t)
	u, err := url.Parse(liveURL)
	require.NoError(t, err)
	kv := fmt.Sprintf("host=%s port=%s user=%s dbname=%s sslmode=disable", u.Hostname(), u.Port(), u.User.Username(),
		strings.TrimPrefix(u.Path, "/"))
	var before int
	require.NoError(t, live.Get(&before, `SELECT count(*) FROM clients`))

	sc, err := newScratch(t.Context(), config{DatabaseURL: kv, Location: time.UTC}, fmt.Sprintf("rss_bench_kv_%d", os.Getpid()))
	require.NoError(t, err)
	assert.Equal(t, sc.name, pg.DatabaseName(sc.url))
	var seeded int
	require.NoError(t, sc.db.Get(&seeded, `SELECT count(*) FROM clients`))
	assert.NotZero(t, seeded, "the demo data went to the scratch database")
	sc.close(false)

	var after int
	require.NoError(t, live.Get(&after, `SELECT count(*) FROM clients`))
	assert.Equal(t, before, after, "the database DATABASE_URL names is untouched")
	var left bool
	require.NoError(t, live.Get(&left, `SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = $1)`, sc.name))
	assert.False(t, left, "the scratch database is dropped")
}
