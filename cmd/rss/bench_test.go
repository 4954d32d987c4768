package main

import (
	"encoding/json"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"rss"
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
