package api_test

import (
	"fmt"
	"net/http"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// The own cap an agency's raise starts from: its own cap just before the
// raise (its own latest standing exception's, or the cap its own episode
// opened with), not the episode's cap before it, which an earlier raise
// took to every agency's dollars.

// approveAcknowledging has a reviewer approve the pended request v with
// the reason codes acknowledged and returns the authorization granted.
func (c *ownCapCase) approveAcknowledging(t *testing.T, v map[string]any, codes ...string) int64 {
	t.Helper()
	require.Equal(t, "pended", v["decision"], "%v", v)
	r := c.e.post(keyReviewer, itPath("/v1/voucher-requests/%d/decision", itNum(t, v, "id")), map[string]any{"action": "approve",
		"note": "an exception", "acknowledge": codes})
	require.Equal(t, http.StatusOK, r.Status, "%s", r.Body)
	return itFixtureID(t, c.e, `SELECT id FROM authorizations WHERE voucher_request_id = $1`, itNum(t, v, "id"))
}

// hraUnderFee pays, at HRA, one line of five units at 0.05 on day 0 on
// the authorization: what it holds falls by 59.95.
func (c *ownCapCase) hraUnderFee(t *testing.T, client, authorization int64, claim string) {
	t.Helper()
	var number string
	require.NoError(t, c.e.db.GetContext(t.Context(), &number, `SELECT number FROM authorizations WHERE id = $1`, authorization))
	r := c.e.post(keyHRA, "/v1/claims", map[string]any{"claim_number": claim, "client_id": client,
		"rendering_staff_id": c.e.demo.Staff["Okafor"], "place_of_service": "11", "lines": []map[string]any{{"service_code": "ATR-TR",
			"date_of_service": day(0), "units": 5, "charge": "0.05", "authorization_number": number}}})
	require.Equal(t, http.StatusCreated, r.Status, "%s", r.Body)
	require.Equal(t, "paid", r.JSON(t)["status"], "%s", r.Body)
}

// hraStranger registers at HRA a person HRA alone serves, ready for ATR-TR
// and holding 60.00 on days 60 to 70, as HRA's authorization of the
// shared person does.
func (c *ownCapCase) hraStranger(t *testing.T) int64 {
	t.Helper()
	s := itRegisterBorn(t, c.e, keyHRA, "Only", "Athra", "1979-05-06")
	itATRReady(t, c.e, keyHRA, s, nil)
	require.Equal(t, "approved", itVoucher(t, c.e, keyHRA, s, "ATR-TR", 5, 60, 70)["decision"]) // 60.00
	return s
}

// ownAfterOf is the own cap the latest raise of the episode kept for the
// agency of the authorization.
func (c *ownCapCase) ownAfterOf(t *testing.T, authorization int64) string {
	t.Helper()
	var own string
	require.NoError(t, c.e.db.GetContext(t.Context(), &own, `SELECT r.own_after::text FROM episode_cap_raises r
		JOIN authorizations a ON a.episode_id = r.episode_id AND a.provider_id = r.provider_id WHERE a.id = $1
		ORDER BY r.id DESC LIMIT 1`, authorization))
	return own
}

// BCS's second exception in an episode HRA shares. Its first (360.00)
// raised the episode to 420.00, HRA's 60.00 in it; a line paid under the
// fee leaves BCS holding 300.05, and a reviewer approves its 108.00 past
// its own 360.00. A stranger's episode cap rises to 408.05, what BCS's own
// then hold; the shared episode's raise kept BCS's own cap at the episode's
// cap before it (420.00, HRA's 60.00 in it), so BCS's next 12.00 read
// "11.95 left of 420.00" where the stranger's read "0.00 left of 408.05"
// (42 CFR Part 2: the figure is HRA's dollars; and BCS could be granted
// past its own reviewed cap unreviewed). Alike whether BCS opened the
// episode or joined HRA's.
func TestASecondOwnExceptionKeepsTheOwnCap(t *testing.T) {
	t.Parallel()
	for _, opens := range []bool{true, false} {
		t.Run(map[bool]string{true: "opener", false: "joiner"}[opens], func(t *testing.T) {
			t.Parallel()
			c := newOwnCapCaseOpened(t, opens)
			ask := func(client int64, n int) map[string]any {
				c.exceptedUnderFee(t, client, n)
				v := itVoucher(t, c.e, keyBCS, client, "ATR-TR", 9, 30, 40) // 108.00, past 360.00 by its own alone
				assert.Contains(t, fmt.Sprint(v["reasons"]), "108.00 asked, 59.95 left of 360.00 by this agency's authorizations alone")
				a := c.approveException(t, v)
				assert.Equal(t, "408.05", c.ownAfterOf(t, a), "its own cap is what its own hold, as a stranger's episode cap is")
				return itVoucher(t, c.e, keyBCS, client, "ATR-TR", 1, 41, 45) // 12.00
			}
			s, k := ask(c.stranger, 1), ask(c.known, 2)
			require.Equal(t, "pended", s["decision"], "%v", s)
			assert.Contains(t, fmt.Sprint(s["reasons"]), "12.00 asked, 0.00 left of 408.05 by this agency's authorizations alone")
			assert.NotContains(t, fmt.Sprint(k["reasons"]), "420.00", "the episode's cap before the raise holds HRA's dollars")
			assertSameAnswer(t, s, k)
		})
	}
}

// HRA's own exception after BCS's earlier raise keeps HRA a room. A
// reviewer approved BCS's 300.00 past the episode's total (300.00, HRA's
// 60.00 in it), inside BCS's own 300.00: the cap rose to 360.00. A line of
// BCS's paid under the fee leaves it 59.95 under its own cap. A reviewer
// then approves HRA's 300.00 past its own 300.00 (own 360.00): the cap
// rises to 600.05, HRA's own cap kept at 360.00. But floored at the
// episode's cap before (360.00), HRA's own cap read as no raise of its own
// (not past the cap before), so once a line of HRA's paid under the fee
// freed 59.95 the room was anyone's: BCS's 48.00, inside its own cap, was
// approved into it with no reviewer, past the program's cap on HRA's
// exception, and HRA's own next 48.00, inside its own cap, then pended
// where a stranger's was approved (42 CFR Part 2).
func TestAnotherAgencysLaterExceptionKeepsItsRoom(t *testing.T) {
	t.Parallel()
	c := newOwnCapCase(t)
	stranger := c.hraStranger(t)

	b := itVoucher(t, c.e, keyBCS, c.known, "ATR-TR", 25, 0, 24) // 300.00: inside BCS's own cap, past the episode's total
	require.Contains(t, b["reason_codes"], "CONFLICT_ON_FILE")
	a := c.approveException(t, b)
	require.Equal(t, "360.00", c.episodeCap(t, a))
	c.underFee(t, c.known, a, "UNDER-1") // BCS holds 240.05

	ask := func(client int64, n int, codes ...string) map[string]any {
		v := itVoucher(t, c.e, keyHRA, client, "ATR-TR", 25, 0, 24) // 300.00, past HRA's own 300.00 by its own alone
		assert.Contains(t, fmt.Sprint(v["reasons"]), "300.00 asked, 240.00 left of 300.00 by this agency's authorizations alone")
		h := c.approveAcknowledging(t, v, codes...)
		assert.Equal(t, "360.00", c.ownAfterOf(t, h), "HRA's own cap is what its own hold")
		c.hraUnderFee(t, client, h, fmt.Sprintf("HRA-UNDER-%d", n)) // HRA holds 300.05: a room of 59.95
		if client == c.atHRA {
			require.Equal(t, "600.05", c.episodeCap(t, h))
			// BCS's 48.00, inside its own 300.00, would take HRA's room.
			o := itVoucher(t, c.e, keyBCS, c.known, "ATR-TR", 4, 30, 40)
			assert.Equal(t, "pended", o["decision"], "BCS's unreviewed grant takes HRA's room: %v", o)
			assert.Contains(t, o["reason_codes"], "CONFLICT_ON_FILE")
			assert.NotContains(t, fmt.Sprint(o["reasons"]), "59.95", "the room is HRA's record")
		}
		return itVoucher(t, c.e, keyHRA, client, "ATR-TR", 4, 71, 80) // 48.00, inside HRA's own 360.00
	}
	s := ask(stranger, 1, "EPISODE_DOLLAR_CAP_EXCEEDED")
	k := ask(c.atHRA, 2, "EPISODE_DOLLAR_CAP_EXCEEDED", "DUPLICATE_SERVICE_OTHER_PROVIDER") // beside BCS's days
	assert.Equal(t, "approved", s["decision"], "%v", s)
	assertSameAnswer(t, s, k)
}

// An agency's own void lowers its own cap to what its own authorizations
// hold, never below its own cap before the raise: not the episode's cap
// before it. BCS's exception raised the episode to 420.00; a reviewer's
// exception for HRA's 360.00 (its own 420.00) raised it to 780.00. Floored
// at the episode's 420.00, HRA's own cap read as no raise of its own and
// stayed at 420.00 through HRA's void of its 60.00, where a stranger's fell
// to 360.00: HRA's next 12.00 pended CONFLICT_ON_FILE where the stranger's
// read "0.00 left of 360.00" (42 CFR Part 2). Its void of the exception's
// grant then lowers its own cap to 300.00, its own before the raise.
func TestOwnVoidLowersTheOwnCapToItsOwnBefore(t *testing.T) {
	t.Parallel()
	c := newOwnCapCase(t)
	stranger := c.hraStranger(t)
	c.except(t, c.known) // the episode at 420.00
	first := map[int64]int64{c.atHRA: c.hraAuthorization, stranger: itFixtureID(t, c.e,
		`SELECT id FROM authorizations WHERE client_id = $1`, stranger)}
	grants := map[int64]int64{}
	ask := func(client int64) map[string]any {
		v := itVoucher(t, c.e, keyHRA, client, "ATR-TR", 30, 71, 100) // 360.00, past HRA's own 300.00
		grants[client] = c.approveException(t, v)
		assert.Equal(t, "420.00", c.ownAfterOf(t, grants[client]))
		c.void(t, first[client]) // HRA's own hold 360.00
		assert.Equal(t, "360.00", c.ownAfterOf(t, grants[client]), "its own void lowers its own cap to what its own hold")
		return itVoucher(t, c.e, keyHRA, client, "ATR-TR", 1, 101, 105) // 12.00
	}
	s, k := ask(stranger), ask(c.atHRA)
	require.Equal(t, "pended", s["decision"], "%v", s)
	assert.Contains(t, fmt.Sprint(s["reasons"]), "12.00 asked, 0.00 left of 360.00 by this agency's authorizations alone")
	assertSameAnswer(t, s, k)

	// The exception's grant voided too: its own cap falls to its own
	// before the raise (300.00), not the episode's (420.00).
	for _, client := range []int64{stranger, c.atHRA} {
		c.void(t, grants[client])
		assert.Equal(t, "300.00", c.ownAfterOf(t, grants[client]), "never below its own cap before the raise")
	}
	s = itVoucher(t, c.e, keyHRA, stranger, "ATR-TR", 26, 101, 126) // 312.00
	k = itVoucher(t, c.e, keyHRA, c.atHRA, "ATR-TR", 26, 101, 126)
	require.Equal(t, "pended", s["decision"], "%v", s)
	assert.Contains(t, fmt.Sprint(s["reasons"]), "312.00 asked, 300.00 left of 300.00 by this agency's authorizations alone")
	assertSameAnswer(t, s, k)
}

// A raise for an agency whose own cap before is past the episode's cap
// after it is none of its own: BCS joined, under a program cap of 500.00,
// the episode HRA opened under 300.00, and a reviewer approves its 420.00
// past the episode's total (420.00) though inside its own 500.00. Its own
// cap before is kept no higher than the cap after (the schema keeps the
// own cap within it), and BCS's own are still judged by its 500.00, as a
// stranger's enrolled that day are.
func TestAJoinersRaiseUnderItsOwnHigherCap(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	itATRCapAt300(t, e)
	atHRA := itRegisterBorn(t, e, keyHRA, "Vera", "Owncase", "1988-03-04")
	itATRReady(t, e, keyHRA, atHRA, nil)
	require.Equal(t, "approved", itVoucher(t, e, keyHRA, atHRA, "ATR-TR", 5, 60, 70)["decision"]) // 60.00
	r := e.do(req{Method: http.MethodPatch, Path: "/v1/reference/programs/ATR", Key: keyAdmin,
		Body: map[string]any{"episode_dollar_cap": "500.00", "reason": "the state's cap raised"}})
	require.Equal(t, http.StatusOK, r.Status, "%s", r.Body)
	c := &ownCapCase{e: e, atHRA: atHRA}
	c.known, c.stranger = itRegisterBorn(t, e, keyBCS, "Vera", "Owncase", "1988-03-04"), itRegisterBorn(t, e, keyBCS, "Nobody", "Itstranger", "1988-03-04")
	itATRReady(t, e, keyBCS, c.known, nil)
	itATRReady(t, e, keyBCS, c.stranger, nil)

	require.Equal(t, "approved", itVoucher(t, e, keyBCS, c.stranger, "ATR-TR", 30, 0, 29)["decision"]) // 360.00
	v := itVoucher(t, e, keyBCS, c.known, "ATR-TR", 30, 0, 29)                                         // 360.00, past the episode's 300.00
	a := c.approveAcknowledging(t, v, "EPISODE_DOLLAR_CAP_EXCEEDED")
	require.Equal(t, "420.00", c.episodeCap(t, a))
	var raise struct {
		Before string `db:"own_before"`
		After  string `db:"own_after"`
	}
	require.NoError(t, e.db.GetContext(t.Context(), &raise, `SELECT own_before::text, own_after::text FROM episode_cap_raises
		WHERE provider_id = $1`, e.demo.Providers["BCS"]))
	assert.Equal(t, "420.00", raise.Before, "no higher than the cap after")
	assert.Equal(t, raise.Before, raise.After, "no exception of its own")
	// Past its own 500.00 by its own alone, both read it in clear.
	s, k := itVoucher(t, e, keyBCS, c.stranger, "ATR-TR", 15, 30, 44), itVoucher(t, e, keyBCS, c.known, "ATR-TR", 15, 30, 44) // 180.00
	require.Equal(t, "pended", s["decision"], "%v", s)
	assert.Contains(t, fmt.Sprint(s["reasons"]), "180.00 asked, 140.00 left of 500.00 by this agency's authorizations alone")
	assertSameAnswer(t, s, k)
}

// An own raise that no longer stands still keeps the agency's own cap its
// own history. BCS's exception for 240.00 beside its 120.00 (own 360.00)
// raised the episode to 420.00; a reviewer's exception for HRA's 300.00
// raised it from there to 720.00. BCS's void of its 120.00 takes its own
// cap back to 300.00, its own before the raise, as a stranger's episode
// cap falls. Read from the cap before HRA's raise instead (420.00, HRA's
// 60.00 in it, the case for an agency with no raise of its own), BCS's
// 72.00 past its own 300.00 would read CONFLICT_ON_FILE where the
// stranger's reads the cap in clear (42 CFR Part 2).
func TestAnOwnRaiseNoLongerStandingKeepsTheOwnCap(t *testing.T) {
	t.Parallel()
	c := newOwnCapCase(t)
	ask := func(client int64) map[string]any {
		first := itVoucher(t, c.e, keyBCS, client, "ATR-TR", 10, 0, 9) // 120.00
		require.Equal(t, "approved", first["decision"], "%v", first)
		c.approveException(t, itVoucher(t, c.e, keyBCS, client, "ATR-TR", 20, 10, 29)) // 240.00, its own to 360.00
		if client == c.known {
			c.approveException(t, itVoucher(t, c.e, keyHRA, c.atHRA, "ATR-TR", 25, 71, 95)) // 300.00, HRA's own to 360.00
		}
		c.void(t, itFixtureID(t, c.e, `SELECT id FROM authorizations WHERE voucher_request_id = $1`, itNum(t, first, "id")))
		return itVoucher(t, c.e, keyBCS, client, "ATR-TR", 6, 30, 35) // 72.00
	}
	s, k := ask(c.stranger), ask(c.known)
	require.Equal(t, "pended", s["decision"], "%v", s)
	assert.Contains(t, fmt.Sprint(s["reasons"]), "72.00 asked, 60.00 left of 300.00 by this agency's authorizations alone")
	assertSameAnswer(t, s, k)
}
