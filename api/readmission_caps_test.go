package api_test

import (
	"fmt"
	"net/http"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// readmittedCase is HRA's history with two people: one BCS keeps enrolled
// (its stay, begun on day -20, keeps the person's episode open), known,
// and a stranger no other agency knows. Each was enrolled at HRA on day
// -13, granted an ATR-TR authorization of the first stay over days -13 to
// -6, 10 trips of it paid on day -12, discharged on day -6 and enrolled
// again today, after a break (its intake recorded that day): the
// stranger's new stay opens an episode of its own, the known person's goes on in the one BCS keeps open, where
// the first stay's ended authorization holds its unused trips until its
// claims are due.
type readmittedCase struct {
	e               *env
	stranger, known int64
	atBCS           int64            // the known person's record at BCS, ready for ATR-TR vouchers
	earlier         map[int64]string // the first stay's authorization number, by client
}

func newReadmittedCase(t *testing.T, e *env, trips int) *readmittedCase {
	t.Helper()
	c := &readmittedCase{e: e, earlier: map[int64]string{}}
	ready := func(key string, client int64, from int) {
		for _, b := range []struct {
			path string
			body map[string]any
		}{
			{"/v1/enrollments", map[string]any{"client_id": client, "program_code": "ATR", "start_date": day(from)}},
			{"/v1/gpra-interviews", map[string]any{"client_id": client, "kind": "intake", "instrument": "SUPRT-2025", "status": "completed",
				"interview_date": day(from)}},
			{"/v1/consents", map[string]any{"client_id": client, "recipient_type": "msc", "recipient_name": "Management Services Contractor",
				"purposes": []string{"payment"}, "information": "enrollment and services", "signed_on": day(from), "expires_on": day(365)}},
			{"/v1/care-plans", map[string]any{"client_id": client, "program_code": "ATR", "kind": "rss_care_plan", "start_date": day(from),
				"end_date": day(300), "services": []map[string]any{{"service_code": "ATR-TR"}}}},
		} {
			r := e.post(key, b.path, b.body)
			require.Equal(t, http.StatusCreated, r.Status, "%s: %s", b.path, r.Body)
		}
	}
	c.atBCS = itRegisterBorn(t, e, keyBCS, "Vera", "Readmitcase", "1988-03-04")
	ready(keyBCS, c.atBCS, -20)
	c.stranger = itRegisterBorn(t, e, keyHRA, "Nobody", "Readmitstranger", "1988-03-04")
	c.known = itRegisterBorn(t, e, keyHRA, "Vera", "Readmitcase", "1988-03-04")
	for _, client := range []int64{c.stranger, c.known} {
		ready(keyHRA, client, -13)
		v := itVoucher(t, e, keyHRA, client, "ATR-TR", trips, -13, -6)
		require.Equal(t, "approved", v["decision"], "%v", v)
		c.earlier[client] = v["authorization_number"].(string)
		c.claim(t, client, fmt.Sprintf("EARLY-%d", client), day(-12), 10, "")
		stay := itFixtureID(t, e, `SELECT id FROM enrollments WHERE client_id = $1 AND discharge_date IS NULL`, client)
		r := e.post(keyHRA, itPath("/v1/enrollments/%d/discharge", stay), map[string]any{"discharge_date": day(-6),
			"reason_code": "goals_met", "reason": "done"})
		require.Equal(t, http.StatusOK, r.Status, "%s", r.Body)
		r = e.post(keyHRA, "/v1/enrollments", map[string]any{"client_id": client, "program_code": "ATR", "start_date": day(0)})
		require.Equal(t, http.StatusCreated, r.Status, "%s", r.Body)
		r = e.post(keyHRA, "/v1/gpra-interviews", map[string]any{"client_id": client, "kind": "intake", "instrument": "SUPRT-2025",
			"status": "completed", "interview_date": day(0)})
		require.Equal(t, http.StatusCreated, r.Status, "%s", r.Body)
	}
	require.Equal(t, 2, e.count(`SELECT count(DISTINCT episode_id) FROM enrollments WHERE client_id = $1`, c.stranger),
		"the stranger's readmission after a break opens an episode of its own")
	require.Equal(t, 1, e.count(`SELECT count(DISTINCT episode_id) FROM enrollments WHERE client_id IN ($1, $2)`, c.known, c.atBCS),
		"the known person's goes on in the episode BCS keeps open")
	return c
}

// claim bills trips of ATR-TR on day on for client at HRA (on the
// authorization numbered number, or the one the day picks) and requires
// the line paid in full.
func (c *readmittedCase) claim(t *testing.T, client int64, claimNumber, on string, trips int, number string) {
	t.Helper()
	line := map[string]any{"service_code": "ATR-TR", "date_of_service": on, "units": trips, "charge": fmt.Sprintf("%d.00", 12*trips)}
	if number != "" {
		line["authorization_number"] = number
	}
	r := c.e.post(keyHRA, "/v1/claims", map[string]any{"claim_number": claimNumber, "client_id": client,
		"rendering_staff_id": c.e.demo.Staff["Okafor"], "place_of_service": "11", "lines": []any{line}})
	require.Equal(t, http.StatusCreated, r.Status, "%s", r.Body)
	l := itLine(t, r)
	assert.Equal(t, "paid", l["status"], "%s on %s: %v", claimNumber, on, l["adjustments"])
	assert.Equal(t, fmt.Sprintf("%d.00", 12*trips), l["paid"], "%s on %s", claimNumber, on)
}

// episodeOf is the known person's episode (the one BCS keeps open).
func (c *readmittedCase) episodeOf(t *testing.T, client int64) int64 {
	return itFixtureID(t, c.e, `SELECT episode_id FROM enrollments WHERE client_id = $1 AND discharge_date IS NULL`, client)
}

// A person BCS keeps enrolled, discharged by HRA and enrolled again after
// a break, stays in BCS's episode, where the first stay's ended
// authorization holds its unused trips (until its claims are due). HRA's
// next request was judged with them: past the service's unit maximum it
// pended CONFLICT_ON_FILE, the authorization read as BCS's record, where
// a stranger's, whose readmission opened an episode of its own, was
// approved: the provider learned another agency served the person (42
// CFR Part 2). It reads as the stranger's now, and the claims on both
// stays' authorizations are paid as the stranger's are; the maximum still
// holds every other grant in the episode.
func TestReadmissionAfterABreakReadsAsAStrangersUnitMaximum(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	r := e.patch(keyAdmin, "/v1/reference/services/ATR-TR", map[string]any{"per_episode_max": 50, "reason": "the state's new limit"})
	require.Equal(t, http.StatusOK, r.Status, "%s", r.Body)
	c := newReadmittedCase(t, e, 40)

	s := itVoucher(t, e, keyHRA, c.stranger, "ATR-TR", 30, 0, 20)
	k := itVoucher(t, e, keyHRA, c.known, "ATR-TR", 30, 0, 20) // 40 held of the first stay + 30 > 50
	require.Equal(t, "approved", s["decision"], "%v", s)
	assertSameAnswer(t, s, k)
	assert.NotContains(t, reasonCodes(k), "CONFLICT_ON_FILE")

	// Claims pay as the stranger's: the new authorization's 30 trips, and
	// the first stay's late ones, for a day it covered.
	for _, client := range []int64{c.stranger, c.known} {
		c.claim(t, client, fmt.Sprintf("NEW-%d", client), day(0), 30, "")
		c.claim(t, client, fmt.Sprintf("LATE-%d", client), day(-8), 30, c.earlier[client])
	}
	ep := c.episodeOf(t, c.known)
	assert.Equal(t, 70, e.count(`SELECT sum(units_used)::int FROM authorizations WHERE episode_id = $1 AND service_code = 'ATR-TR'`, ep))
	assert.Equal(t, 70, e.count(`SELECT max_units FROM episode_unit_maxima WHERE episode_id = $1 AND service_code = 'ATR-TR'`, ep),
		"the maximum rose to what the two stays hold, recorded")
	// Audited under the client, with the figure, as a cap exception is
	// (it named neither: an episode-caps black-box pass of the forty-sixth
	// stop).
	assert.Equal(t, 1, e.count(`SELECT count(*) FROM audit_events WHERE action = 'readmission_room' AND client_id = $1
		AND outcome = 'ATR-TR max_units 70'`, c.known))

	// The maximum still holds every other grant: HRA's own alone past it
	// reads as the stranger's, and BCS's request in the episode pends.
	s = itVoucher(t, e, keyHRA, c.stranger, "ATR-TR", 25, 21, 30)
	k = itVoucher(t, e, keyHRA, c.known, "ATR-TR", 25, 21, 30)
	require.Equal(t, "pended", s["decision"], "%v", s)
	assert.Equal(t, []string{"EPISODE_UNITS_EXCEEDED"}, reasonCodes(s))
	assertSameAnswer(t, s, k)
	b := itVoucher(t, e, keyBCS, c.atBCS, "ATR-TR", 5, 1, 10)
	assert.Equal(t, "pended", b["decision"], "%v", b)
	m := e.get(keyReviewer, itPath("/v1/voucher-requests/%d", itNum(t, b, "id"))).JSON(t)
	assert.Contains(t, m["reason_codes"], "EPISODE_UNITS_EXCEEDED")
}

// The dollar side of the same history, at a program cap of 300.00: the
// first stay's authorization of 20 trips (240.00) holds its 120.00 unpaid
// in the episode BCS keeps open, and HRA's next request of 120.00 pended
// CONFLICT_ON_FILE where the stranger's was approved. It reads as the
// stranger's now; the claims of both stays are paid as the stranger's
// are, the episode's payments held to its cap and the room kept beside it
// for the first stay, and no more.
func TestReadmissionAfterABreakReadsAsAStrangersDollarCap(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	itATRCapAt300(t, e)
	c := newReadmittedCase(t, e, 20)

	s := itVoucher(t, e, keyHRA, c.stranger, "ATR-TR", 10, 0, 20)
	k := itVoucher(t, e, keyHRA, c.known, "ATR-TR", 10, 0, 20) // 240.00 held of the first stay + 120.00 > 300.00
	require.Equal(t, "approved", s["decision"], "%v", s)
	assertSameAnswer(t, s, k)
	assert.NotContains(t, reasonCodes(k), "CONFLICT_ON_FILE")

	for _, client := range []int64{c.stranger, c.known} {
		c.claim(t, client, fmt.Sprintf("NEW-%d", client), day(0), 10, "")
		c.claim(t, client, fmt.Sprintf("LATE-%d", client), day(-8), 10, c.earlier[client])
	}
	ep := c.episodeOf(t, c.known)
	var money struct {
		Cap  string `db:"dollar_cap"`
		Paid string `db:"dollars_paid"`
		Room string `db:"readmission_room"`
	}
	require.NoError(t, e.db.GetContext(t.Context(), &money, `SELECT dollar_cap::text, dollars_paid::text, readmission_room::text
		FROM episodes WHERE id = $1`, ep))
	assert.Equal(t, "300.00", money.Cap, "the cap the rules judge by stays")
	assert.Equal(t, "360.00", money.Paid)
	assert.Equal(t, "60.00", money.Room, "the room beside it: what the first stay held past the cap at the grant")
	assert.Equal(t, 1, e.count(`SELECT count(*) FROM audit_events WHERE action = 'readmission_room' AND client_id = $1
		AND outcome = 'dollars 60.00'`, c.known), "audited under the client, with the figure")

	// The cap still holds every other grant: HRA's own alone past it reads
	// as the stranger's, and BCS's request in the episode pends.
	s = itVoucher(t, e, keyHRA, c.stranger, "ATR-TR", 20, 21, 30)
	k = itVoucher(t, e, keyHRA, c.known, "ATR-TR", 20, 21, 30)
	require.Equal(t, "pended", s["decision"], "%v", s)
	assert.Equal(t, []string{"EPISODE_DOLLAR_CAP_EXCEEDED"}, reasonCodes(s))
	assertSameAnswer(t, s, k)
	b := itVoucher(t, e, keyBCS, c.atBCS, "ATR-TR", 1, 1, 10)
	assert.Equal(t, "pended", b["decision"], "%v", b)
	m := e.get(keyReviewer, itPath("/v1/voucher-requests/%d", itNum(t, b, "id"))).JSON(t)
	assert.Contains(t, m["reason_codes"], "EPISODE_DOLLAR_CAP_EXCEEDED")
}
