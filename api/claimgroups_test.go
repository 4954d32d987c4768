package api_test

import (
	"fmt"
	"net/http"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// Single claims are committed in groups; every request must still get its
// own answer: created, the same claim again, a refusal, or a replay.
func TestClaimGroupsAnswerEachRequestOnItsOwn(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.authorizeRivera(96)
	type call struct {
		name   string
		key    string
		body   map[string]any
		status int
		code   string
	}
	var calls []call
	for i := range 24 {
		calls = append(calls, call{fmt.Sprintf("good %d", i), fmt.Sprintf("g-%d", i),
			e.riveraClaim(fmt.Sprintf("G-%d", i), cmLine(day(-1-i%9), 1+i/9, fmt.Sprintf("%d.00", 15*(1+i/9)))), http.StatusCreated, ""})
	}
	for i := range 6 {
		body := e.riveraClaim(fmt.Sprintf("B-%d", i), cmLine(day(-2), 1, "15.00"))
		body["client_id"] = 999999 + i
		calls = append(calls, call{fmt.Sprintf("unknown client %d", i), fmt.Sprintf("b-%d", i), body, http.StatusUnprocessableEntity, "validation_failed"})
	}
	// Two requests under one claim number with different content: one wins.
	calls = append(calls,
		call{"number race a", "r-a", e.riveraClaim("RACE", cmLine(day(-12), 1, "15.00")), 0, ""},
		call{"number race b", "r-b", e.riveraClaim("RACE", cmLine(day(-12), 2, "30.00")), 0, ""})

	results := make([]resp, len(calls))
	replays := make([]resp, 8)
	var wg sync.WaitGroup
	for i, c := range calls {
		wg.Add(1)
		go func() {
			defer wg.Done()
			results[i] = e.do(req{Method: http.MethodPost, Path: "/v1/claims", Key: keyHRA, Body: c.body, IdemKey: c.key})
		}()
	}
	// Retries of one request race their first attempt.
	for i := range replays {
		wg.Add(1)
		go func() {
			defer wg.Done()
			replays[i] = e.do(req{Method: http.MethodPost, Path: "/v1/claims", Key: keyHRA, Body: calls[0].body, IdemKey: calls[0].key})
		}()
	}
	wg.Wait()

	ids := map[float64]bool{}
	for i, c := range calls[:30] {
		r := results[i]
		if c.code != "" {
			requireProblem(t, r, c.status, c.code)
			continue
		}
		require.Equal(t, c.status, r.Status, "%s: %s", c.name, r.Body)
		id := r.JSON(t)["id"].(float64)
		assert.False(t, ids[id], "%s: every claim is its own", c.name)
		ids[id] = true
	}
	for _, r := range replays {
		assert.Equal(t, http.StatusCreated, r.Status)
		assert.JSONEq(t, string(results[0].Body), string(r.Body), "a retry gets the first answer")
	}
	a, b := results[30], results[31]
	statuses := []int{a.Status, b.Status}
	assert.ElementsMatch(t, []int{http.StatusCreated, http.StatusConflict}, statuses, "one claim number, one claim: %s / %s", a.Body, b.Body)

	assert.Equal(t, 25, e.count(`SELECT count(*) FROM claims`))
	assert.Equal(t, 25, e.count(`SELECT count(*) FROM idempotency_keys WHERE path = '/v1/claims'`), "refused requests store no record")
	assert.Equal(t, 25, e.count(`SELECT count(DISTINCT request_id) FROM audit_events WHERE entity_type = 'claim'`),
		"each claim is audited under its own request")
	var used, counted int
	require.NoError(t, e.db.QueryRowxContext(t.Context(), `SELECT (SELECT sum(units_used) FROM authorizations),
		(SELECT COALESCE(sum(units_allowed), 0) FROM claim_lines WHERE counted)`).Scan(&used, &counted))
	assert.Equal(t, counted, used)
}
