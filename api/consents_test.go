package api_test

import (
	"net/http"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// Ten POSTs of one consent at once (each its own Idempotency-Key, as two
// staff or a retrying client send them) recorded ten consents. One is
// recorded now, the others are 409 consent_exists, and none is a 5xx; the
// purposes in another order are the same form; once it is revoked the
// form may be recorded again.
func TestSameConsentAtOnce(t *testing.T) {
	e := newEnv(t)
	client := e.demo.Clients["Rivera"]
	body := map[string]any{"client_id": client, "recipient_type": "msc", "recipient_name": "MSC",
		"purposes": []string{"payment", "care_coordination"}, "information": "voucher requests and claims", "signed_on": day(-1),
		"expires_on": day(300)}
	before := e.count(`SELECT count(*) FROM consents WHERE client_id = $1`, client)
	const n = 10
	statuses := make([]int, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			statuses[i] = e.do(req{Method: http.MethodPost, Path: "/v1/consents", Key: keyHRA, Body: body}).Status
		}()
	}
	wg.Wait()
	created := 0
	for _, s := range statuses {
		assert.Contains(t, []int{http.StatusCreated, http.StatusConflict}, s)
		if s == http.StatusCreated {
			created++
		}
	}
	assert.Equal(t, 1, created, "%v", statuses)
	assert.Equal(t, before+1, e.count(`SELECT count(*) FROM consents WHERE client_id = $1`, client))

	reordered := itWith(body, "purposes", []string{"care_coordination", "payment", "payment"})
	p := requireProblem(t, e.post(keyHRA, "/v1/consents", reordered), http.StatusConflict, "consent_exists")
	assert.NotContains(t, p["detail"], "pq")
	id := itFixtureID(t, e, `SELECT max(id) FROM consents WHERE client_id = $1`, client)
	r := e.post(keyHRA, itPath("/v1/consents/%d/revoke", id), map[string]any{"reason": "recorded in error"})
	require.Equal(t, http.StatusOK, r.Status, "%s", r.Body)
	r = e.post(keyHRA, "/v1/consents", reordered)
	require.Equal(t, http.StatusCreated, r.Status, "%s", r.Body)
	assert.Equal(t, []any{"care_coordination", "payment"}, r.JSON(t)["purposes"], "stored sorted, once each")
}
