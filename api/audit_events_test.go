package api_test

import (
	"fmt"
	"net/http"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// The audit log is read back through the API by the MSC's admin (it was
// read in the database only): a client's events and the reads that listed
// it, narrowed by record, action, key and days, paged oldest first, the
// read itself audited; every other role is refused.
func TestAuditLogIsReadByTheAdmin(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	c := itATRClient(t, e, day(-10))
	v := itVoucher(t, e, keyHRA, c.Client, "ATR-TR", 4, 0, 10)
	require.Equal(t, "approved", v["decision"], "%v", v)
	auth := itNum(t, v, "authorization_id")
	r := e.post(keyHRA, "/v1/claims", map[string]any{"claim_number": "AUD-1", "client_id": c.Client,
		"rendering_staff_id": e.demo.Staff["Okafor"], "place_of_service": "11",
		"lines": []map[string]any{{"service_code": "ATR-TR", "date_of_service": day(0), "units": 1, "charge": "12.00"}}})
	require.Equal(t, http.StatusCreated, r.Status, "%s", r.Body)
	claim := itID(t, r)
	r = e.post(keyHRA, "/v1/claims", map[string]any{"claim_number": "AUD-1V", "client_id": c.Client, "frequency": "8", "original_claim_id": claim})
	require.Equal(t, http.StatusCreated, r.Status, "%s", r.Body)
	voider := itID(t, r)
	r = e.post(keyReviewer, itPath("/v1/authorizations/%d/void", auth), map[string]any{"reason": "entered for the wrong client"})
	require.Equal(t, http.StatusOK, r.Status, "%s", r.Body)
	itGetReport(t, e, keyReviewer, fmt.Sprintf("/v1/reports/state-extract?from=%s&to=%s", day(-30), day(0)))

	list := func(query string) []map[string]any {
		t.Helper()
		return itItems(t, e.get(keyAdmin, "/v1/audit-events?"+query))
	}
	// The claim voided says so, and by which claim (a black-box pass found
	// only the void's own creation).
	voided := list(fmt.Sprintf("entity_type=claim&entity_id=%d", claim))
	require.Len(t, voided, 2, "%v", voided)
	assert.Equal(t, "create", voided[0]["action"])
	assert.Equal(t, "void", voided[1]["action"])
	assert.Equal(t, fmt.Sprintf("voided by claim %d", voider), voided[1]["outcome"])
	assert.Equal(t, float64(c.Client), voided[1]["client_id"])
	void := list(fmt.Sprintf("entity_type=authorization&entity_id=%d&action=void", auth))
	require.Len(t, void, 1)
	assert.Equal(t, "reviewer", void[0]["actor_role"])
	assert.Equal(t, float64(c.Client), void[0]["client_id"])

	mine := list(fmt.Sprintf("client_id=%d&limit=500", c.Client))
	var actions []string
	listed := false
	for _, ev := range mine {
		assert.Equal(t, float64(c.Client), ev["client_id"], "%v", ev)
		actions = append(actions, ev["action"].(string)+" "+ev["entity_type"].(string))
		if ev["entity_id"] == "read_set" {
			listed = true
			assert.NotNil(t, ev["records"])
		}
	}
	assert.Contains(t, actions, "create enrollment")
	assert.Contains(t, actions, "void authorization")
	assert.True(t, listed, "the state extract's read set named the record: %v", actions)
	for i := 1; i < len(mine); i++ {
		assert.Less(t, mine[i-1]["id"].(float64), mine[i]["id"].(float64), "oldest first")
	}

	// Paged: two at a time reach the same entries.
	var paged []map[string]any
	next := fmt.Sprintf("/v1/audit-events?client_id=%d&limit=2", c.Client)
	for range 100 {
		r := e.get(keyAdmin, next)
		require.Equal(t, http.StatusOK, r.Status, "%s", r.Body)
		paged = append(paged, itItems(t, r)...)
		cur, _ := r.JSON(t)["next_cursor"].(string)
		if cur == "" {
			break
		}
		next = fmt.Sprintf("/v1/audit-events?client_id=%d&limit=2&cursor=%s", c.Client, cur)
	}
	// Each page's own read is audited too, so the pages run on past the
	// entries read at first, which they list in the same order.
	require.GreaterOrEqual(t, len(paged), len(mine))
	for i := range mine {
		assert.Equal(t, mine[i]["id"], paged[i]["id"])
	}

	assert.Empty(t, list(fmt.Sprintf("client_id=%d&to=%s", c.Client, "2000-01-01")), "days narrow it")
	readsOf := func() int {
		return e.count(`SELECT count(*) FROM audit_records WHERE action = 'read' AND entity_type = 'audit_log' AND client_id = $1`, c.Client)
	}
	assert.Positive(t, readsOf(), "the read is audited under the client")
	// However narrowed, the read names the clients whose entries it showed.
	before := readsOf()
	require.Len(t, list(fmt.Sprintf("entity_type=claim&entity_id=%d", claim)), 2)
	assert.Equal(t, before+2, readsOf(), "one for each entry shown")
	requireProblem(t, e.get(keyAdmin, "/v1/audit-events?client_id=999999"), http.StatusNotFound, "not_found")

	itNothingWritten(t, e, func() {
		for _, key := range []string{keyHRA, keyReviewer, keyFinance} {
			requireProblem(t, e.get(key, "/v1/audit-events"), http.StatusForbidden, "forbidden")
		}
		// The intro's code for fields that go together (it read
		// requires_entity_type, documented nowhere: a contract pass).
		assert.Equal(t, "pair_required", itFieldCode(requireProblem(t, e.get(keyAdmin, "/v1/audit-events?entity_id=5"),
			http.StatusUnprocessableEntity, "validation_failed"), "entity_id"))
		requireProblem(t, e.get(keyAdmin, "/v1/audit-events?action=DROP%20TABLE"), http.StatusUnprocessableEntity, "validation_failed")
		requireProblem(t, e.get(keyAdmin, "/v1/audit-events?from=2026-06-10&to=2026-06-01"), http.StatusUnprocessableEntity, "validation_failed")
		requireProblem(t, e.get(keyAdmin, "/v1/audit-events?client_id=-1"), http.StatusUnprocessableEntity, "validation_failed")
		requireProblem(t, e.get(keyAdmin, "/v1/audit-events?who=me"), http.StatusUnprocessableEntity, "validation_failed")
	})
}
