package api_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"rss/api"
	"rss/fixtures"
	"rss/pg"
	"rss/pg/pgtest"
)

// TestSameClaimNumberAtOnce sends one claim number many times at once,
// through two server instances with their own pools, as single claims
// (group-committed) and inside bulks: the same body is answered with the
// claim on file every time, another body is a 409, and nothing is a 5xx.
// Whoever commits first, the others must see its claim, whether or not the
// client has an authorization whose lock they would queue on.
func TestSameClaimNumberAtOnce(t *testing.T) {
	db, url := pgtest.NewDBURL(t)
	now := time.Date(fixtures.TestToday.Year(), fixtures.TestToday.Month(), fixtures.TestToday.Day(), 10, 0, 0, 987654321, loc)
	servers := make([]*httptest.Server, 2)
	for i := range servers {
		pool, err := pg.Open(t.Context(), url, 10)
		require.NoError(t, err)
		t.Cleanup(func() { pool.Close() })
		clock := func() time.Time { return now }
		srv := api.Open(pool, api.Options{Now: clock, Location: loc, KeyTTL: time.Minute, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
		servers[i] = httptest.NewServer(srv)
		t.Cleanup(servers[i].Close)
	}
	demo, err := fixtures.DemoIDs(t.Context(), db)
	require.NoError(t, err)
	client := &http.Client{Timeout: time.Minute}
	var seq atomic.Int64
	call := func(server int, method, path string, body any) (int, []byte) {
		raw, err := json.Marshal(body)
		if err != nil {
			panic(err)
		}
		req, err := http.NewRequest(method, servers[server].URL+path, bytes.NewReader(raw))
		if err != nil {
			panic(err)
		}
		req.Header.Set("Authorization", "Bearer "+keyHRA)
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Idempotency-Key", fmt.Sprintf("race-%d", seq.Add(1)))
		resp, err := client.Do(req)
		if err != nil {
			t.Errorf("%s %s: %v", method, path, err)
			return 0, nil
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, b
	}

	st, b := call(0, http.MethodPost, "/v1/voucher-requests", map[string]any{"client_id": demo.Clients["Rivera"],
		"service_code": "ATR-CM", "units": 96, "start_date": day(-14), "end_date": day(60)})
	require.Equal(t, http.StatusCreated, st, "%s", b)
	claimOf := func(number, clientKey string, units int) map[string]any {
		return map[string]any{"claim_number": number, "client_id": demo.Clients[clientKey], "rendering_staff_id": demo.Staff["Okafor"],
			"place_of_service": "11", "lines": []any{cmLine(day(-3), units, fmt.Sprintf("%d.00", 15*units))}}
	}

	type sender struct {
		bulk bool
		body int // which of the round's bodies it sends
	}
	rounds := []struct {
		name    string
		client  string // Kim has no authorization: nothing is locked for her
		senders []sender
	}{
		{"single, same body", "Rivera", repeat(16, func(i int) sender { return sender{} })},
		{"single, same body, no authorization", "Kim", repeat(16, func(i int) sender { return sender{} })},
		{"bulk, same body", "Rivera", repeat(8, func(i int) sender { return sender{bulk: true} })},
		{"bulk, same body, no authorization", "Kim", repeat(8, func(i int) sender { return sender{bulk: true} })},
		{"single and bulk, two bodies", "Rivera", repeat(16, func(i int) sender { return sender{bulk: i%3 == 0, body: i % 2} })},
		{"single and bulk, two bodies, no authorization", "Kim", repeat(16, func(i int) sender { return sender{bulk: i%3 == 0, body: i % 2} })},
	}
	for r, round := range rounds {
		t.Run(round.name, func(t *testing.T) {
			number := fmt.Sprintf("SAME-%d", r)
			bodies := []map[string]any{claimOf(number, round.client, 1+r%3), claimOf(number, round.client, 4+r%3)}
			type answer struct {
				status int
				body   int
				claim  json.RawMessage
				raw    []byte
			}
			answers := make([]answer, len(round.senders))
			var wg sync.WaitGroup
			start := make(chan struct{})
			for i, s := range round.senders {
				wg.Add(1)
				go func() {
					defer wg.Done()
					<-start
					a := answer{body: s.body}
					defer func() { answers[i] = a }()
					if !s.bulk {
						a.status, a.raw = call(i%2, http.MethodPost, "/v1/claims", bodies[s.body])
						a.claim = a.raw
					} else {
						// Each bulk also carries a claim of its own, which the
						// race over the shared number must not touch.
						own := claimOf(fmt.Sprintf("%s-OWN-%d", number, i), round.client, 1)
						own["lines"] = []any{cmLine(day(-4-i), 1, "15.00")}
						st, raw := call(i%2, http.MethodPost, "/v1/claims/bulk", map[string]any{"claims": []any{bodies[s.body], own}})
						a.raw = raw
						if st != http.StatusOK {
							a.status = st
							return
						}
						var out struct {
							Results []struct {
								Status  int             `json:"status"`
								Claim   json.RawMessage `json:"claim"`
								Problem *struct {
									Code string `json:"code"`
								} `json:"problem"`
							} `json:"results"`
						}
						if err := json.Unmarshal(raw, &out); err != nil || len(out.Results) != 2 {
							t.Errorf("bulk answer: %s", raw)
							return
						}
						a.status, a.claim = out.Results[0].Status, out.Results[0].Claim
						if out.Results[0].Problem != nil {
							a.raw, _ = json.Marshal(out.Results[0].Problem)
						}
						assert.Equal(t, http.StatusCreated, out.Results[1].Status, "the bulk's own claim: %s", raw)
					}
				}()
			}
			close(start)
			wg.Wait()

			var stored []struct {
				ID   int64  `db:"id"`
				Hash []byte `db:"request_hash"`
			}
			require.NoError(t, db.SelectContext(t.Context(), &stored, `SELECT id, request_hash FROM claims WHERE claim_number = $1`, number))
			require.Len(t, stored, 1, "one claim number, one claim")
			var onFile map[string]any
			st, raw := call(0, http.MethodGet, fmt.Sprintf("/v1/claims/%d", stored[0].ID), nil)
			require.Equal(t, http.StatusOK, st, "%s", raw)
			require.NoError(t, json.Unmarshal(raw, &onFile))
			onFile = withoutTraces(onFile)
			winner := -1
			for _, a := range answers {
				if a.status == http.StatusCreated {
					winner = a.body
				}
			}
			created := 0
			for i, a := range answers {
				require.Less(t, a.status, 500, "sender %d: never a 5xx: %s", i, a.raw)
				if a.body == winner {
					assert.Contains(t, []int{http.StatusCreated, http.StatusOK}, a.status, "sender %d, same body as the claim on file: %s", i, a.raw)
					if a.status == http.StatusCreated {
						created++
					}
					var got map[string]any
					if assert.NoError(t, json.Unmarshal(a.claim, &got), "sender %d: %s", i, a.raw) {
						assert.Equal(t, onFile, got, "sender %d: the answer is the claim on file", i)
					}
					continue
				}
				assert.Equal(t, http.StatusConflict, a.status, "sender %d, another body: %s", i, a.raw)
				assert.Contains(t, string(a.raw), "claim_number_reused", "sender %d", i)
			}
			assert.Equal(t, 1, created, "one answer created the claim")
		})
	}
	var used, counted int
	require.NoError(t, db.QueryRowxContext(t.Context(), `SELECT (SELECT COALESCE(sum(units_used), 0) FROM authorizations),
		(SELECT COALESCE(sum(units_allowed), 0) FROM claim_lines WHERE counted)`).Scan(&used, &counted))
	assert.Equal(t, counted, used, "the ledger holds exactly the lines paid")
}

func repeat[T any](n int, f func(i int) T) []T {
	out := make([]T, n)
	for i := range out {
		out[i] = f(i)
	}
	return out
}
