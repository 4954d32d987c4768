package api_test

import (
	"fmt"
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// The own caps and rooms of exceptions in an episode two agencies share,
// as a white-box review of voucher-2026.12.22 found them.

// approveException has a reviewer approve the pended request v past the
// dollar cap and returns the authorization granted.
func (c *ownCapCase) approveException(t *testing.T, v map[string]any) int64 {
	t.Helper()
	return itCapException(t, c.e, v)
}

// itCapException has a reviewer approve the pended request v past the
// episode's dollar cap (EPISODE_DOLLAR_CAP_EXCEEDED acknowledged) and
// returns the authorization granted.
func itCapException(t *testing.T, e *env, v map[string]any) int64 {
	t.Helper()
	require.Equal(t, "pended", v["decision"], "%v", v)
	r := e.post(keyReviewer, itPath("/v1/voucher-requests/%d/decision", itNum(t, v, "id")), map[string]any{"action": "approve",
		"note": "an exception", "acknowledge": []string{"EPISODE_DOLLAR_CAP_EXCEEDED"}})
	require.Equal(t, http.StatusOK, r.Status, "%s", r.Body)
	return itFixtureID(t, e, `SELECT id FROM authorizations WHERE voucher_request_id = $1`, itNum(t, v, "id"))
}

// The room other agencies' standing exceptions keep (others_own_caps) is
// read in the statement that takes the agency's intake lock and the
// episode's lock (vouchers' lockStatement): under READ COMMITTED the
// statement reads episode_cap_raises as of its start, before it waited,
// while the episode's cap (the row it locks) and the authorizations (the
// facts statement after it) are read as they are once the lock is held.
// HRA's request waits behind a writer holding HRA's intake lock alone (a
// staff record's change, an agreement's, a deactivation); meanwhile a
// reviewer's exception for BCS raises the cap to 420.00 and a line paid
// under the fee leaves BCS 59.95 of room. Read then, the room is missing
// and HRA's 48.00 is approved into it with no reviewer, past the program's
// cap on BCS's exception; read under the lock, it pends, as
// TestAnotherAgencyTakesNoRoomOfAStandingException holds without the race.
func TestRoomsReadUnderTheLock(t *testing.T) {
	t.Parallel()
	c := newOwnCapCase(t)
	ctx := t.Context()
	v := itVoucher(t, c.e, keyBCS, c.known, "ATR-TR", 30, 0, 29) // 360.00, pended
	require.Equal(t, "pended", v["decision"], "%v", v)

	holder, err := c.e.db.BeginTxx(ctx, nil)
	require.NoError(t, err)
	defer holder.Rollback() //nolint:errcheck
	_, err = holder.ExecContext(ctx, `SELECT pg_advisory_xact_lock(agency_intake_lock_key($1))`, c.e.demo.Providers["HRA"])
	require.NoError(t, err)

	answer := make(chan resp, 1)
	go func() {
		answer <- c.e.post(keyHRA, "/v1/voucher-requests", map[string]any{"client_id": c.atHRA, "service_code": "ATR-TR", "units": 4,
			"start_date": day(60), "end_date": day(70)}) // 48.00
	}()
	require.Eventually(t, func() bool {
		var waiting int
		require.NoError(t, c.e.db.GetContext(ctx, &waiting, `SELECT count(*) FROM pg_locks l JOIN pg_database d ON d.oid = l.database
			WHERE l.locktype = 'advisory' AND NOT l.granted AND d.datname = current_database()`))
		return waiting > 0
	}, 30*time.Second, 20*time.Millisecond, "HRA's request waits for its intake lock")

	a := c.approveException(t, v)
	c.underFee(t, c.known, a, "UNDER-RACE")
	require.Equal(t, "420.00", c.episodeCap(t, a))
	require.NoError(t, holder.Commit())

	r := <-answer
	require.Equal(t, http.StatusCreated, r.Status, "%s", r.Body)
	h := r.JSON(t)
	assert.Equal(t, "pended", h["decision"], "HRA's unreviewed grant takes BCS's room: %v", h)
}

// Another agency's exception on top of the agency's own leaves the
// agency's own cap where its own exception put it. BCS's 360.00 exception
// raised the episode to 420.00 and a line paid under the fee leaves BCS
// 300.05; a reviewer approves HRA's 48.00 into BCS's room, and the cap
// rises to 468.00, BCS's room kept beside it (ledger.RaiseEpisodeCap).
// The snapshot then judges BCS's own by the cap before HRA's raise
// (420.00, the second case of its switch, ahead of own_after 360.00), so
// BCS's 72.00, past its own 360.00 by its own alone, passes the own check
// and meets the episode's total: CONFLICT_ON_FILE, sourced to HRA, where
// the stranger's reads "72.00 asked, 59.95 left of 360.00 by this agency's
// authorizations alone" (42 CFR Part 2). TestAReviewersExceptionForAnother-
// AgencyKeepsTheRoom voids HRA's first, so the cap before HRA's raise is
// 360.00 and the two coincide. BCS's 132.00, past 420.00 alone, reads
// "119.95 left of 420.00 by this agency's authorizations alone" in clear:
// 420.00 is BCS's 360.00 and HRA's 60.00 at BCS's raise, another agency's
// dollars quoted to BCS (withheld before voucher-2026.12.22).
func TestAnotherAgencysExceptionLeavesTheOwnCap(t *testing.T) {
	t.Parallel()
	c := newOwnCapCase(t)
	ask := func(client int64, n int) []map[string]any {
		a := c.except(t, client)
		c.underFee(t, client, a, fmt.Sprintf("UNDER-%d", n))
		if client == c.known {
			c.approveException(t, itVoucher(t, c.e, keyHRA, c.atHRA, "ATR-TR", 4, 71, 80)) // 48.00 into BCS's room
			require.Equal(t, "468.00", c.episodeCap(t, a))
		}
		// 72.00 and 132.00, each pended (nothing granted between them).
		return []map[string]any{itVoucher(t, c.e, keyBCS, client, "ATR-TR", 6, 30, 40), itVoucher(t, c.e, keyBCS, client, "ATR-TR", 11, 30, 40)}
	}
	s, k := ask(c.stranger, 1), ask(c.known, 2)
	require.Equal(t, "pended", s[0]["decision"], "%v", s[0])
	assert.Contains(t, fmt.Sprint(s[0]["reasons"]), "72.00 asked, 59.95 left of 360.00 by this agency's authorizations alone")
	assertSameAnswer(t, s[0], k[0])
	// Past 420.00 by its own alone, the own reason is read in clear
	// (voucher-2026.12.22) quoting 420.00, the cap with HRA's 60.00 in it.
	assert.Contains(t, fmt.Sprint(s[1]["reasons"]), "132.00 asked, 59.95 left of 360.00 by this agency's authorizations alone")
	assert.NotContains(t, fmt.Sprint(k[1]), "420.00", "the cap before HRA's raise holds HRA's dollars")
	assertSameAnswer(t, s[1], k[1])
}

// The room HRA's own exception freed is taken by BCS past the own cap its
// exception gave it. BCS's 360.00 exception (room 59.95 once a line is
// paid under the fee); a reviewer approves HRA's 48.00 into that room (the
// cap to 468.00, HRA's raise kept with the cap before it, 420.00); HRA's
// line paid under the fee frees 47.96 of HRA's grant. BCS's own are then
// judged by 420.00 (the cap before HRA's raise) where its own exception
// gave it 360.00, and the episode's cap has the 47.96 beside BCS's room:
// BCS's 96.00 (its own to 396.05) is approved with no reviewer, past the
// 360.00 a reviewer approved for BCS, where the stranger's pends "96.00
// asked, 59.95 left of 360.00 by this agency's authorizations alone".
func TestAnotherAgencysExceptionIsNoRoomForTheFirst(t *testing.T) {
	t.Parallel()
	c := newOwnCapCase(t)
	ask := func(client int64, n int) map[string]any {
		a := c.except(t, client)
		c.underFee(t, client, a, fmt.Sprintf("UNDER-%d", n))
		if client == c.known {
			v := itVoucher(t, c.e, keyHRA, c.atHRA, "ATR-TR", 4, 0, 3) // 48.00 into BCS's room, beside BCS's days
			require.Equal(t, "pended", v["decision"], "%v", v)
			r := c.e.post(keyReviewer, itPath("/v1/voucher-requests/%d/decision", itNum(t, v, "id")), map[string]any{"action": "approve",
				"note": "an exception for HRA", "acknowledge": []string{"EPISODE_DOLLAR_CAP_EXCEEDED", "DUPLICATE_SERVICE_OTHER_PROVIDER"}})
			require.Equal(t, http.StatusOK, r.Status, "%s", r.Body)
			h := itFixtureID(t, c.e, `SELECT id FROM authorizations WHERE voucher_request_id = $1`, itNum(t, v, "id"))
			require.Equal(t, "468.00", c.episodeCap(t, a))
			var number string
			require.NoError(t, c.e.db.GetContext(t.Context(), &number, `SELECT number FROM authorizations WHERE id = $1`, h))
			r = c.e.post(keyHRA, "/v1/claims", map[string]any{"claim_number": "HRA-UNDER", "client_id": c.atHRA,
				"rendering_staff_id": c.e.demo.Staff["Okafor"], "place_of_service": "11", "lines": []map[string]any{{"service_code": "ATR-TR",
					"date_of_service": day(0), "units": 4, "charge": "0.04", "authorization_number": number}}})
			require.Equal(t, http.StatusCreated, r.Status, "%s", r.Body)
			require.Equal(t, "paid", r.JSON(t)["status"], "%s", r.Body) // HRA's grant holds 0.04: 47.96 freed
		}
		return itVoucher(t, c.e, keyBCS, client, "ATR-TR", 8, 30, 40) // 96.00
	}
	s, k := ask(c.stranger, 1), ask(c.known, 2)
	require.Equal(t, "pended", s["decision"], "%v", s)
	assert.Contains(t, fmt.Sprint(s["reasons"]), "96.00 asked, 59.95 left of 360.00 by this agency's authorizations alone")
	assert.Equal(t, "pended", k["decision"], "BCS's grant passes its own 360.00 with no reviewer: %v", k)
	assertSameAnswer(t, s, k)
}
