package api_test

import (
	"fmt"
	"net/http"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// ownCapCase is one person BCS serves with another agency (HRA) beside it
// in the episode and one stranger BCS alone serves, both at a program
// dollar cap of 300.00 where HRA's authorization holds 60.00.
type ownCapCase struct {
	e                *env
	known, stranger  int64
	atHRA            int64 // the known person's record at HRA
	hraAuthorization int64
}

func newOwnCapCase(t *testing.T) *ownCapCase { return newOwnCapCaseOpened(t, true) }

// newOwnCapCaseOpened is the case with BCS opening the person's episode
// (HRA joins it), or, bcsOpens false, joining the one HRA opened.
func newOwnCapCaseOpened(t *testing.T, bcsOpens bool) *ownCapCase {
	e := newEnv(t)
	itATRCapAt300(t, e)
	register := func(key, first, last string) int64 { return itRegisterBorn(t, e, key, first, last, "1988-03-04") }
	c := &ownCapCase{e: e}
	atHRA := func() {
		c.atHRA = register(keyHRA, "Vera", "Owncase") // the same person
		itATRReady(t, e, keyHRA, c.atHRA, nil)
	}
	if !bcsOpens {
		atHRA()
	}
	c.known, c.stranger = register(keyBCS, "Vera", "Owncase"), register(keyBCS, "Nobody", "Itstranger")
	itATRReady(t, e, keyBCS, c.known, nil)
	itATRReady(t, e, keyBCS, c.stranger, nil)
	if bcsOpens {
		atHRA()
	}
	h := itVoucher(t, e, keyHRA, c.atHRA, "ATR-TR", 5, 60, 70) // 60.00
	require.Equal(t, "approved", h["decision"], "%v", h)
	c.hraAuthorization = itFixtureID(t, e, `SELECT id FROM authorizations WHERE voucher_request_id = $1`, itNum(t, h, "id"))
	return c
}

// except has a reviewer approve BCS's 360.00 for client past the cap by
// its own alone: the exception raises the cap. It returns the
// authorization's id.
func (c *ownCapCase) except(t *testing.T, client int64) int64 {
	t.Helper()
	return itCapException(t, c.e, itVoucher(t, c.e, keyBCS, client, "ATR-TR", 30, 0, 29))
}

// askAfterUnderFee asks BCS's next units of ATR-TR (12.00 each, days 30
// to 40) for the stranger and then the known person, each after BCS's
// exception and n lines paid under the fee (exceptedUnderFee); known runs
// between the known person's exception and its ask (another agency's
// void, an end) when not nil. The stranger's answer first.
func (c *ownCapCase) askAfterUnderFee(t *testing.T, units int, known func(authorization int64)) (stranger, shared map[string]any) {
	t.Helper()
	c.exceptedUnderFee(t, c.stranger, 1)
	stranger = itVoucher(t, c.e, keyBCS, c.stranger, "ATR-TR", units, 30, 40)
	a := c.exceptedUnderFee(t, c.known, 2)
	if known != nil {
		known(a)
	}
	return stranger, itVoucher(t, c.e, keyBCS, c.known, "ATR-TR", units, 30, 40)
}

// underFee pays one line of five units at 0.05 on the authorization: what
// it holds falls from 360.00 to 300.05.
func (c *ownCapCase) underFee(t *testing.T, client, authorization int64, claim string) {
	var number string
	require.NoError(t, c.e.db.GetContext(t.Context(), &number, `SELECT number FROM authorizations WHERE id = $1`, authorization))
	r := c.e.post(keyBCS, "/v1/claims", map[string]any{"claim_number": claim, "client_id": client,
		"rendering_staff_id": c.e.demo.Staff["Ibrahim"], "place_of_service": "11", "lines": []map[string]any{{"service_code": "ATR-TR",
			"date_of_service": day(0), "units": 5, "charge": "0.05", "authorization_number": number}}})
	require.Equal(t, http.StatusCreated, r.Status, "%s", r.Body)
	require.Equal(t, "paid", r.JSON(t)["status"], "%s", r.Body)
}

// exceptedUnderFee is BCS's exception for client (except) with a line of
// it paid under the fee (underFee, claim UNDER-n): what its own
// authorizations hold falls below its kept cap. It returns the
// authorization's id.
func (c *ownCapCase) exceptedUnderFee(t *testing.T, client int64, n int) int64 {
	a := c.except(t, client)
	c.underFee(t, client, a, fmt.Sprintf("UNDER-%d", n))
	return a
}

func (c *ownCapCase) void(t *testing.T, authorization int64) {
	r := c.e.post(keyReviewer, itPath("/v1/authorizations/%d/void", authorization), map[string]any{"reason": "issued in error"})
	require.Equal(t, http.StatusOK, r.Status, "%s", r.Body)
}

// ownAfter is what BCS's raises of the client's episode keep as its own
// cap, with the episode's cap after them (migration 00114).
func (c *ownCapCase) ownAfter(t *testing.T, authorization int64) (own, after string) {
	var row struct {
		Own   string `db:"own_after"`
		After string `db:"cap_after"`
	}
	require.NoError(t, c.e.db.GetContext(t.Context(), &row, `SELECT r.own_after::text, r.cap_after::text FROM episode_cap_raises r
		JOIN authorizations a ON a.episode_id = r.episode_id AND a.provider_id = r.provider_id WHERE a.id = $1`, authorization))
	return row.Own, row.After
}

func assertSameAnswer(t *testing.T, stranger, known map[string]any) {
	t.Helper()
	for _, f := range []string{"decision", "reason_codes", "reasons", "units_granted"} {
		assert.Equal(t, stranger[f], known[f], f)
	}
}

// After its own exception in an episode another agency shares, BCS's own
// cap stays where the exception raised it (what its own authorizations
// held then), as a stranger's episode cap does; it is not read from what
// they hold today. A line paid under the fee lowers both holdings alike:
// read from today's holdings, the known person's own cap fell with them,
// and its next request was pended "0.00 left of 300.05 by this agency's
// authorizations alone" where the stranger's fitted under its raised cap
// and was approved: whether another agency serves the person changed the
// decision (42 CFR Part 2).
func TestOwnCapStaysWhereItsExceptionRaisedIt(t *testing.T) {
	t.Parallel()
	c := newOwnCapCase(t)
	s, k := c.askAfterUnderFee(t, 4, nil) // 48.00
	assert.Equal(t, "approved", s["decision"], "%v", s)
	assertSameAnswer(t, s, k)
}

// BCS joined the episode HRA opened: its own exception's kept cap is its
// own cap as the opener's is. The joiner's own cap was the program's cap of
// its day raised to what it held today, so a line paid under the fee
// lowered it and BCS's next request, inside its exception's room, pended
// "… left of 300.05 by this agency's authorizations alone" where the
// stranger's was approved (a re-check of the thirty-sixth stop; 42 CFR
// Part 2).
func TestOwnCapOfAJoinerStaysWhereItsExceptionRaisedIt(t *testing.T) {
	t.Parallel()
	c := newOwnCapCaseOpened(t, false)
	s, k := c.askAfterUnderFee(t, 4, nil) // 48.00
	assert.Equal(t, "approved", s["decision"], "%v", s)
	assertSameAnswer(t, s, k)
	// Past its kept cap, both read it alike.
	s, k = itVoucher(t, c.e, keyBCS, c.stranger, "ATR-TR", 2, 41, 45), itVoucher(t, c.e, keyBCS, c.known, "ATR-TR", 2, 41, 45)
	assert.Equal(t, "pended", s["decision"], "%v", s)
	assertSameAnswer(t, s, k)
}

// The own cap a raise keeps is what the agency's own authorizations hold,
// the grant in full: with no other agency in the episode, the episode's
// cap after the raise; beside HRA's 60.00, its own 360.00 of the 420.00.
func TestOwnCapKeptAtTheRaise(t *testing.T) {
	t.Parallel()
	c := newOwnCapCase(t)
	own, after := c.ownAfter(t, c.except(t, c.stranger))
	assert.Equal(t, "360.00", own)
	assert.Equal(t, after, own, "a stranger's own cap is its episode's")
	own, after = c.ownAfter(t, c.except(t, c.known))
	assert.Equal(t, "360.00", own)
	assert.Equal(t, "420.00", after)
}

// Another agency's void after the exception leaves the agency's own cap
// where the exception raised it: HRA's authorization voided once BCS's
// holdings fell, BCS's next request past its own reads the cap the
// stranger's does (360.00), not what BCS held at HRA's void (300.05).
func TestOwnCapStaysThroughAnotherAgencysVoid(t *testing.T) {
	t.Parallel()
	c := newOwnCapCase(t)
	s, k := c.askAfterUnderFee(t, 6, func(a int64) { // 72.00, past 360.00 by its own alone
		c.void(t, c.hraAuthorization)
		own, _ := c.ownAfter(t, a)
		assert.Equal(t, "360.00", own, "HRA's void leaves BCS's own cap")
	})
	require.Equal(t, "pended", s["decision"], "%v", s)
	assert.Contains(t, fmt.Sprint(s["reasons"]), "59.95 left of 360.00 by this agency's authorizations alone")
	assertSameAnswer(t, s, k)
}

// The agency's own void of the authorization its exception was for
// lowers its own cap as it lowers a stranger's episode cap: back to the
// cap before (300.00), read alike with another agency in the episode or
// none.
func TestOwnCapFallsWithItsOwnVoid(t *testing.T) {
	t.Parallel()
	c := newOwnCapCase(t)
	ask := func(client int64) map[string]any {
		a := c.except(t, client)
		c.void(t, a)
		own, _ := c.ownAfter(t, a)
		assert.Equal(t, "300.00", own, "its own void lowers its own cap")
		return itVoucher(t, c.e, keyBCS, client, "ATR-TR", 30, 30, 40) // 360.00 again
	}
	s, k := ask(c.stranger), ask(c.known)
	require.Equal(t, "pended", s["decision"], "%v", s)
	assert.Contains(t, fmt.Sprint(s["reasons"]), "300.00 left of 300.00 by this agency's authorizations alone")
	assertSameAnswer(t, s, k)
	// Under it, both are approved alike.
	s, k = itVoucher(t, c.e, keyBCS, c.stranger, "ATR-TR", 20, 45, 50), itVoucher(t, c.e, keyBCS, c.known, "ATR-TR", 20, 45, 50)
	assert.Equal(t, "approved", s["decision"], "%v", s)
	assertSameAnswer(t, s, k)
}

// The room a reviewer's exception gave BCS's grant is BCS's: another
// agency whose void would have left it (a floor at BCS's own_after in
// ledger.ReleaseEpisodeCap, tried and taken back: a white-box review)
// must not take it with no reviewer. BCS's 360.00 exception raised the episode (program cap
// 300.00) to 420.00; a line paid under the fee leaves BCS holding 300.05;
// HRA's void of its 60.00 leaves the cap at 360.00. HRA's next 48.00
// would take the episode to 348.05, past the program's cap and into the
// room approved for BCS's grant alone: it must pend, as it did when the
// void lowered the cap to what was held (300.05).
func TestAnotherAgencyTakesNoRoomOfAnExceptionNotItsOwn(t *testing.T) {
	t.Parallel()
	c := newOwnCapCase(t)
	a := c.except(t, c.known)
	c.underFee(t, c.known, a, "UNDER-1")
	c.void(t, c.hraAuthorization)
	h := itVoucher(t, c.e, keyHRA, c.atHRA, "ATR-TR", 4, 60, 70) // 48.00
	assert.Equal(t, "pended", h["decision"], "HRA's unreviewed grant passes the program cap on BCS's exception: %v", h)
	// The episode's total is BCS's record to HRA: the reason names a source.
	assert.Contains(t, h["reason_codes"], "CONFLICT_ON_FILE")
}

// Another agency's exception that raised the episode's cap leaves the
// agency's own cap its own: a request its own authorizations take past
// that cap alone reads the cap in clear, as a stranger's does. HRA holds
// 60.00 of a person BCS also serves and 60.00 of a stranger; a reviewer's
// exception for BCS raised the shared episode's cap to 420.00; HRA's next
// 300.00 passes 300.00 by its own alone. It read CONFLICT_ON_FILE, the
// reason sourced to BCS's raise, where the stranger's read
// EPISODE_DOLLAR_CAP_EXCEEDED (a lifecycle black-box pass, 42 CFR Part 2).
func TestAnotherAgencysRaiseLeavesTheOwnReasonInClear(t *testing.T) {
	t.Parallel()
	c := newOwnCapCase(t)
	c.except(t, c.known)
	var atHRA int64
	require.NoError(t, c.e.db.GetContext(t.Context(), &atHRA, `SELECT client_id FROM authorizations WHERE id = $1`, c.hraAuthorization))
	stranger := itRegisterBorn(t, c.e, keyHRA, "Only", "Athra", "1979-05-06")
	itATRReady(t, c.e, keyHRA, stranger, nil)
	require.Equal(t, "approved", itVoucher(t, c.e, keyHRA, stranger, "ATR-TR", 5, 60, 70)["decision"]) // 60.00
	s := itVoucher(t, c.e, keyHRA, stranger, "ATR-TR", 25, 71, 90)                                     // 300.00
	k := itVoucher(t, c.e, keyHRA, atHRA, "ATR-TR", 25, 71, 90)
	require.Equal(t, "pended", s["decision"], "%v", s)
	assert.Contains(t, s["reason_codes"], "EPISODE_DOLLAR_CAP_EXCEEDED")
	assert.Contains(t, fmt.Sprint(s["reasons"]), "300.00 asked, 240.00 left of 300.00 by this agency's authorizations alone")
	assertSameAnswer(t, s, k)
}
