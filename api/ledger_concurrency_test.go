package api_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"rss/api"
	"rss/billing"
	"rss/fixtures"
	"rss/pg"
	"rss/pg/pgtest"
)

// TestLedgerNeverOverdraws drives 64 goroutines through two independent
// server instances (each with its own connection pool, on loopback) against
// one 100-unit authorization and one episode dollar cap, round after round.
// Demand is more than twice the supply, so any lost update would overdraw;
// the schema's CHECKs would then refuse the write and surface as a 5xx,
// which the test also forbids.
func TestLedgerNeverOverdraws(t *testing.T) {
	db, url := pgtest.NewDBURL(t)
	now := time.Date(fixtures.TestToday.Year(), fixtures.TestToday.Month(), fixtures.TestToday.Day(), 10, 0, 0, 0, loc)
	clock := func() time.Time { return now }
	servers := make([]*httptest.Server, 2)
	for i := range servers {
		pool, err := pg.Open(t.Context(), url, 10)
		require.NoError(t, err)
		t.Cleanup(func() { pool.Close() })
		srv := api.Open(pool, api.Options{Now: clock, Location: loc, KeyTTL: time.Minute, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
		servers[i] = httptest.NewServer(srv)
		t.Cleanup(servers[i].Close)
	}
	demo, err := fixtures.DemoIDs(t.Context(), db)
	require.NoError(t, err)
	client := &http.Client{Timeout: 30 * time.Second}
	call := func(base, method, path, key string, body any) (int, []byte) {
		raw, err := json.Marshal(body)
		require.NoError(t, err)
		req, err := http.NewRequest(method, base+path, bytes.NewReader(raw))
		require.NoError(t, err)
		req.Header.Set("Authorization", "Bearer "+key)
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Idempotency-Key", fmt.Sprintf("k-%d-%d", time.Now().UnixNano(), rand.Int64()))
		resp, err := client.Do(req)
		require.NoError(t, err)
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, b
	}

	// One voucher may carry 100 ATR case-management units in this test.
	st, b := call(servers[0].URL, http.MethodPatch, "/v1/reference/services/ATR-CM", keyAdmin, map[string]any{"per_voucher_max": 100})
	require.Equal(t, http.StatusOK, st, "%s", b)

	rounds := []struct {
		client string
		cap    string // the episode's dollar cap for the round
	}{
		{"Rivera", "4000.00"}, // units bind: 100 × 15.00 = 1500.00 < cap
		{"Nguyen", "1000.00"}, // dollars bind before units
		{"Kim", "1500.00"},    // both bind at once: 100 × 15.00 = 1500.00
		{"Price", "1002.50"},  // a cap that is not a multiple of the rate
	}
	for r, round := range rounds {
		t.Run(round.client, func(t *testing.T) {
			cid := demo.Clients[round.client]
			st, b := call(servers[r%2].URL, http.MethodPost, "/v1/voucher-requests", keyHRA, map[string]any{
				"client_id": cid, "service_code": "ATR-CM", "units": 100, "start_date": day(-14), "end_date": day(75)})
			require.Equal(t, http.StatusCreated, st, "%s", b)
			var vr struct {
				Decision        string `json:"decision"`
				AuthorizationID int64  `json:"authorization_id"`
				UnitsGranted    int    `json:"units_granted"`
			}
			require.NoError(t, json.Unmarshal(b, &vr))
			require.Equal(t, "approved", vr.Decision, "%s", b)
			require.Equal(t, 100, vr.UnitsGranted)
			_, err := db.ExecContext(t.Context(), `UPDATE episodes SET dollar_cap = $2
				WHERE id = (SELECT episode_id FROM authorizations WHERE id = $1)`, vr.AuthorizationID, round.cap)
			require.NoError(t, err)

			const goroutines, perG = 64, 3
			var mu sync.Mutex
			var answeredUnits, statuses = 0, map[int]int{}
			var wg sync.WaitGroup
			for g := range goroutines {
				wg.Add(1)
				go func() {
					defer wg.Done()
					rng := rand.New(rand.NewPCG(uint64(r), uint64(g)))
					for k := range perG {
						lines := []map[string]any{}
						for range 1 + rng.IntN(2) {
							units := 1 + rng.IntN(5)
							lines = append(lines, map[string]any{"service_code": "ATR-CM", "date_of_service": day(-rng.IntN(15)),
								"units": units, "charge": fmt.Sprintf("%d.00", 15*units)})
						}
						st, b := call(servers[g%2].URL, http.MethodPost, "/v1/claims", keyHRA, map[string]any{
							"claim_number": fmt.Sprintf("R%d-G%d-%d", r, g, k), "client_id": cid,
							"rendering_staff_id": demo.Staff["Okafor"], "place_of_service": "11", "lines": lines})
						var c billing.Claim
						if st == http.StatusCreated {
							if err := json.Unmarshal(b, &c); err != nil {
								t.Errorf("decode claim: %v", err)
							}
						}
						mu.Lock()
						statuses[st]++
						for _, l := range c.Lines {
							answeredUnits += l.UnitsAllowed
						}
						mu.Unlock()
					}
				}()
			}
			wg.Wait()

			assert.Equal(t, map[int]int{http.StatusCreated: goroutines * perG}, statuses, "every claim is adjudicated; none fails")
			var ledger struct {
				Used, Authorized, Counted int
				Paid, EpisodePaid, Cap    string
				OverCap                   bool
			}
			require.NoError(t, db.QueryRowxContext(t.Context(), `
				SELECT a.units_used, a.units_authorized,
				       (SELECT COALESCE(sum(units_allowed), 0) FROM claim_lines WHERE authorization_id = a.id AND counted),
				       (SELECT COALESCE(sum(paid), 0) FROM claim_lines WHERE episode_id = e.id AND counted)::text,
				       e.dollars_paid::text, e.dollar_cap::text, e.dollars_paid > e.dollar_cap
				FROM authorizations a JOIN episodes e ON e.id = a.episode_id WHERE a.id = $1`, vr.AuthorizationID).
				Scan(&ledger.Used, &ledger.Authorized, &ledger.Counted, &ledger.Paid, &ledger.EpisodePaid, &ledger.Cap, &ledger.OverCap))
			assert.Equal(t, ledger.Counted, ledger.Used, "units_used equals the units of the paid lines exactly")
			assert.Equal(t, answeredUnits, ledger.Used, "the answers given add up to the ledger")
			assert.LessOrEqual(t, ledger.Used, 100)
			assert.Equal(t, ledger.Paid, ledger.EpisodePaid, "dollars_paid equals the paid lines exactly")
			assert.False(t, ledger.OverCap, "dollars %s within cap %s", ledger.EpisodePaid, ledger.Cap)
			t.Logf("round %s: %d units used of 100, %s paid of cap %s", round.client, ledger.Used, ledger.EpisodePaid, ledger.Cap)
			// Demand exceeded supply, so the binding limit was reached.
			capLeft := mustMoney(ledger.Cap) - mustMoney(ledger.EpisodePaid)
			assert.True(t, ledger.Used == 100 || capLeft < 15*100, "a limit binds: used %d, cap left %.2f", ledger.Used, float64(capLeft)/100)
		})
	}
}

// mustMoney parses "12.34" into cents.
func mustMoney(s string) int64 {
	var whole, cents int64
	_, err := fmt.Sscanf(s, "%d.%d", &whole, &cents)
	if err != nil {
		panic(err)
	}
	return whole*100 + cents
}
