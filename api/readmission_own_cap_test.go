package api_test

import (
	"fmt"
	"net/http"
	"testing"

	"github.com/shopspring/decimal"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// Where a reviewer's cap exception meets a readmission judged as a
// stranger's (readmittedCase): the agency's own cap, and the cap the rules
// read beside the room kept for its earlier stay.

// except has a reviewer approve the pended request v past the episode's
// dollar cap (EPISODE_DOLLAR_CAP_EXCEEDED acknowledged) and returns the
// authorization granted.
func (c *readmittedCase) except(t *testing.T, v map[string]any) int64 {
	t.Helper()
	return itCapException(t, c.e, v)
}

// money is the episode's dollar cap, what it paid and the room it keeps
// for an agency's earlier stay.
func (c *readmittedCase) money(t *testing.T, episode int64) (capped, paid, room string) {
	t.Helper()
	var m struct {
		Cap  string `db:"dollar_cap"`
		Paid string `db:"dollars_paid"`
		Room string `db:"readmission_room"`
	}
	require.NoError(t, c.e.db.GetContext(t.Context(), &m, `SELECT dollar_cap::text, dollars_paid::text, readmission_room::text
		FROM episodes WHERE id = $1`, episode))
	return m.Cap, m.Paid, m.Room
}

// HRA's exception in its new stay, after a readmission into the episode
// BCS keeps open, kept its own cap at what all its authorizations in the
// episode held, the first stay's 240.00 among them (600.00), where a
// stranger's new episode, holding the new stay alone, rose to 360.00: its
// next 12.00 was approved where the stranger's read "0.00 left of 360.00"
// (42 CFR Part 2; and past its own reviewed cap unreviewed).
func TestAnExceptionAfterAReadmissionKeepsTheNewStaysOwnCap(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	itATRCapAt300(t, e)
	c := newReadmittedCase(t, e, 20) // the first stay's authorization holds 240.00
	ask := func(client int64) map[string]any {
		v := itVoucher(t, e, keyHRA, client, "ATR-TR", 30, 0, 29) // 360.00, past HRA's own 300.00 by its own alone
		assert.Contains(t, fmt.Sprint(v["reasons"]), "360.00 asked, 300.00 left of 300.00 by this agency's authorizations alone")
		a := c.except(t, v)
		var own string
		require.NoError(t, e.db.GetContext(t.Context(), &own, `SELECT r.own_after::text FROM episode_cap_raises r
			JOIN authorizations a ON a.episode_id = r.episode_id AND a.provider_id = r.provider_id WHERE a.id = $1
			ORDER BY r.id DESC LIMIT 1`, a))
		assert.Equal(t, "360.00", own, "its own cap is what its new stay holds, as the stranger's new episode's cap is")
		return itVoucher(t, e, keyHRA, client, "ATR-TR", 1, 30, 35) // 12.00
	}
	s, k := ask(c.stranger), ask(c.known)
	require.Equal(t, "pended", s["decision"], "%v", s)
	assert.Contains(t, fmt.Sprint(s["reasons"]), "12.00 asked, 0.00 left of 360.00 by this agency's authorizations alone")
	assertSameAnswer(t, s, k)
}

// The room kept beside the cap for HRA's first stay (60.00: the first
// stay's 240.00 and the new stay's 120.00 past 300.00) is no part of the
// cap the rules read. A reviewer's exception for BCS's 120.00 raised the
// cap to all the episode held (480.00), the room's 60.00 in it beside the
// room itself, and BCS's void let it fall only to what was held and paid
// (360.00, 60.00 of it paid in the room): the rules read a cap 60.00 past
// the program's that no reviewer granted, which, once the first stay's
// holdings fell (a late line under the fee, its unused trips no longer
// held), BCS was granted into unreviewed. The cap holds what the room
// does not: 420.00 after the exception, 300.00 (the program's) after the
// void, the schema's CHECK kept.
func TestTheReadmissionRoomIsNoPartOfTheCapTheRulesRead(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	itATRCapAt300(t, e)
	c := newReadmittedCase(t, e, 20)
	k := itVoucher(t, e, keyHRA, c.known, "ATR-TR", 10, 0, 20) // 120.00: 240.00 + 120.00 past 300.00
	require.Equal(t, "approved", k["decision"], "%v", k)
	ep := c.episodeOf(t, c.known)
	capped, _, room := c.money(t, ep)
	require.Equal(t, "300.00", capped)
	require.Equal(t, "60.00", room)

	// Both stays' trips paid, 60.00 of them in the room.
	c.claim(t, c.known, "LATE", day(-8), 10, c.earlier[c.known])
	c.claim(t, c.known, "NEW", day(0), 10, "")
	_, paid, _ := c.money(t, ep)
	require.Equal(t, "360.00", paid)

	b := itVoucher(t, e, keyBCS, c.atBCS, "ATR-TR", 10, 21, 30) // 120.00
	require.Contains(t, b["reason_codes"], "CONFLICT_ON_FILE")  // HRA's dollars take it past the cap
	a := c.except(t, b)
	capped, _, room = c.money(t, ep)
	assert.Equal(t, "420.00", capped, "what the episode holds (480.00) past the room kept beside the cap")
	assert.Equal(t, "60.00", room)

	// Voided, the cap falls past what was paid in the room, to the
	// program's: floored at the dollars paid, it stayed at 360.00.
	r := e.post(keyReviewer, itPath("/v1/authorizations/%d/void", a), map[string]any{"reason": "issued in error"})
	require.Equal(t, http.StatusOK, r.Status, "%s", r.Body)
	capped, _, room = c.money(t, ep)
	assert.Equal(t, "300.00", capped, "back to the program's cap: the room holds the first stay's dollars past it")
	assert.Equal(t, "60.00", room)
	o := itVoucher(t, e, keyBCS, c.atBCS, "ATR-TR", 1, 21, 30)
	assert.Equal(t, "pended", o["decision"], "%v", o)
}

// The room HRA's exception in its new stay keeps (its own cap past what
// its own authorizations hold) is its new stay's, as a stranger's new
// episode's cap keeps it. Counted with the first stay's holdings beside
// it (240.00, held in BCS's episode across the break), the room read as
// none once a line of the new stay was paid under the fee (the new stay
// holds 300.05 of its own 360.00; both stays 540.05), and BCS's next
// 48.00, unreviewed, was approved into it (the cap 600.00; 42 CFR Part 2
// and money), where without a readmission it pends CONFLICT_ON_FILE
// (TestAnotherAgencyTakesNoRoomOfAnExceptionNotItsOwn). HRA's own next
// request inside its own cap reads as the stranger's. The ledger keeps
// the room alike: an exception for BCS raises the cap past it.
func TestAnEarlierStayEatsNoRoomOfAnExceptionAfterAReadmission(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	itATRCapAt300(t, e)
	c := newReadmittedCase(t, e, 20) // the first stay's authorization holds 240.00
	except := func(client int64, n int) {
		v := itVoucher(t, e, keyHRA, client, "ATR-TR", 30, 0, 29) // 360.00, past HRA's own 300.00 by its own alone
		a := c.except(t, v)
		var number string
		require.NoError(t, e.db.GetContext(t.Context(), &number, `SELECT number FROM authorizations WHERE id = $1`, a))
		// Five trips paid under the fee: the new stay holds 300.05 of its own cap's 360.00.
		r := e.post(keyHRA, "/v1/claims", map[string]any{"claim_number": fmt.Sprintf("UNDER-%d", n), "client_id": client,
			"rendering_staff_id": e.demo.Staff["Okafor"], "place_of_service": "11", "lines": []map[string]any{{"service_code": "ATR-TR",
				"date_of_service": day(0), "units": 5, "charge": "0.05", "authorization_number": number}}})
		require.Equal(t, http.StatusCreated, r.Status, "%s", r.Body)
		require.Equal(t, "paid", r.JSON(t)["status"], "%s", r.Body)
	}
	except(c.stranger, 1)
	except(c.known, 2)

	b := itVoucher(t, e, keyBCS, c.atBCS, "ATR-TR", 4, 40, 50) // 48.00, inside the room HRA's exception keeps
	assert.Equal(t, "pended", b["decision"], "BCS's unreviewed grant takes the room of HRA's exception: %v", b["reasons"])
	assert.Contains(t, b["reason_codes"], "CONFLICT_ON_FILE")

	// A reviewer's exception for BCS's 48.00 raises the cap past what is
	// held (588.05) by the room HRA's exception keeps (59.95), as the room
	// of an exception in a stranger's episode is kept: counted with the
	// first stay's holdings, the room was none and the cap stayed at
	// 600.00, 11.95 past what was held.
	c.except(t, b)
	capped, _, _ := c.money(t, c.episodeOf(t, c.known))
	assert.Equal(t, "648.00", capped, "what is held and the room HRA's exception keeps")

	s := itVoucher(t, e, keyHRA, c.stranger, "ATR-TR", 4, 30, 35) // 48.00, inside its own 360.00
	k := itVoucher(t, e, keyHRA, c.known, "ATR-TR", 4, 30, 35)
	require.Equal(t, "approved", s["decision"], "%v", s)
	assertSameAnswer(t, s, k)
}

// The room BCS's standing exception keeps (59.95: its own 360.00 past
// the 300.05 its own hold after a line paid under the fee) stays BCS's
// through HRA's readmission after a break. HRA's grant of 240.00, judged
// as a stranger's (its first stay's 240.00 left out, BCS's room kept),
// leaves the episode holding 780.05 past its cap (600.00); the room
// beside the cap rose to that alone (180.05), so the episode's payable
// total left BCS's room unfunded, and BCS's next 48.00, inside its own
// reviewed cap, pended where a stranger's was approved (42 CFR Part 2),
// its claims met the cap (money). It reads as the stranger's, and its
// line is paid.
func TestAReadmissionsRoomKeepsAnotherAgencysExceptionRoom(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	itATRCapAt300(t, e)
	c := newReadmittedCase(t, e, 20) // the first stay's authorization holds 240.00
	alone := itRegisterBorn(t, e, keyBCS, "Nobody", "Roomstranger", "1979-05-06")
	itATRReady(t, e, keyBCS, alone, nil)
	// BCS's exception over days -5..-2 (360.00, past its own 300.00 by its
	// own alone), five trips of it paid under the fee.
	bill := func(client int64, claim, on string, trips int, charge, number string) map[string]any {
		line := map[string]any{"service_code": "ATR-TR", "date_of_service": on, "units": trips, "charge": charge}
		if number != "" {
			line["authorization_number"] = number
		}
		r := e.post(keyBCS, "/v1/claims", map[string]any{"claim_number": claim, "client_id": client,
			"rendering_staff_id": e.demo.Staff["Ibrahim"], "place_of_service": "11", "lines": []any{line}})
		require.Equal(t, http.StatusCreated, r.Status, "%s", r.Body)
		return itLine(t, r)
	}
	numbers := map[int64]string{}
	for n, client := range []int64{alone, c.atBCS} {
		a := c.except(t, itVoucher(t, e, keyBCS, client, "ATR-TR", 30, -5, -2))
		var number string
		require.NoError(t, e.db.GetContext(t.Context(), &number, `SELECT number FROM authorizations WHERE id = $1`, a))
		numbers[client] = number
		require.Equal(t, "paid", bill(client, fmt.Sprintf("UNDER-%d", n), day(-5), 5, "0.05", number)["status"])
	}

	// HRA's readmission, judged as a stranger's, granted past the cap.
	s := itVoucher(t, e, keyHRA, c.stranger, "ATR-TR", 20, 0, 20) // 240.00
	k := itVoucher(t, e, keyHRA, c.known, "ATR-TR", 20, 0, 20)
	require.Equal(t, "approved", s["decision"], "%v", s)
	assertSameAnswer(t, s, k)
	ep := c.episodeOf(t, c.known)
	capped, _, room := c.money(t, ep)
	assert.Equal(t, "600.00", capped, "the cap the rules read holds no part of the room")
	assert.Equal(t, "240.00", room, "what is held (780.05) and the room BCS's exception keeps (59.95), past the cap")

	// BCS's next 48.00, inside its own 360.00, reads as the stranger's.
	bs := itVoucher(t, e, keyBCS, alone, "ATR-TR", 4, -1, -1)
	bk := itVoucher(t, e, keyBCS, c.atBCS, "ATR-TR", 4, -1, -1)
	require.Equal(t, "approved", bs["decision"], "%v", bs)
	assertSameAnswer(t, bs, bk)
	require.Equal(t, "approved", bk["decision"], "%v", bk)

	// Every trip the episode holds is paid, BCS's 48.00 last: HRA's two
	// stays', and BCS's exception's 25 trips left.
	c.claim(t, c.known, "NEW", day(0), 20, "")
	c.claim(t, c.known, "LATE", day(-8), 10, c.earlier[c.known])
	for n, client := range []int64{alone, c.atBCS} {
		l := bill(client, fmt.Sprintf("REST-%d", n), day(-4), 25, "300.00", numbers[client])
		assert.Equal(t, "300.00", l["paid"], "%v", l["adjustments"])
		l = bill(client, fmt.Sprintf("ROOM-%d", n), day(-1), 4, "48.00", "")
		assert.Equal(t, "paid", l["status"], "%v", l["adjustments"])
		assert.Equal(t, "48.00", l["paid"], "%v", l["adjustments"])
	}
	capped, paid, _ := c.money(t, ep)
	assert.Equal(t, "600.00", capped)
	assert.Equal(t, "828.05", paid, "all the episode held: the cap and the room beside it")
}

// The room kept beside the cap for HRA's earlier stay (100.00, its
// authorization's 100.00 past the cap at the readmission's grant) outlasts
// what it was kept for: a line of that stay paid under the fee leaves it
// holding 40.00. HRA's new authorization voided, the cap fell from 460.00
// past all that room (to 300.00, the program's: what is held, 360.00, and
// the room BCS's standing exception keeps, 40.00, less 100.00), lower than
// what is held past the room (BCS's 320.00 and the stay's 40.00), and
// BCS's next 12.00, inside its own reviewed cap (360.00), pended
// CONFLICT_ON_FILE where a stranger's, in an episode of BCS's alone, was
// approved (42 CFR Part 2). The room falls first to what the earlier stay
// still holds, and only that comes off what is held.
func TestAReadmissionRoomFallsToWhatItIsStillKeptFor(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	itATRCapAt300(t, e)
	ready := func(key string, client int64, from int) int64 {
		t.Helper()
		var stay int64
		for _, b := range []struct {
			path string
			body map[string]any
		}{
			{"/v1/consents", map[string]any{"client_id": client, "recipient_type": "msc", "recipient_name": "Management Services Contractor",
				"purposes": []string{"payment", "care_coordination"}, "information": "enrollment and services", "signed_on": day(-120),
				"expires_on": day(300)}},
			{"/v1/enrollments", map[string]any{"client_id": client, "program_code": "ATR", "start_date": day(from)}},
			{"/v1/gpra-interviews", map[string]any{"client_id": client, "kind": "intake", "instrument": "SUPRT-2025", "status": "completed",
				"interview_date": day(from)}},
			{"/v1/care-plans", map[string]any{"client_id": client, "program_code": "ATR", "kind": "rss_care_plan", "start_date": day(from),
				"end_date": day(300), "services": []map[string]any{{"service_code": "ATR-DT"}, {"service_code": "ATR-TR"}}}},
		} {
			r := e.post(key, b.path, b.body)
			require.Equal(t, http.StatusCreated, r.Status, "%s: %s", b.path, r.Body)
			if b.path == "/v1/enrollments" {
				stay = itID(t, r)
			}
		}
		return stay
	}
	bill := func(key string, client int64, staff any, lines ...map[string]any) {
		t.Helper()
		r := e.post(key, "/v1/claims", map[string]any{"claim_number": fmt.Sprintf("C-%d-%d", client, len(lines)), "client_id": client,
			"rendering_staff_id": staff, "place_of_service": "11", "lines": lines})
		require.Equal(t, http.StatusCreated, r.Status, "%s", r.Body)
		for _, l := range r.JSON(t)["lines"].([]any) {
			require.Equal(t, "paid", l.(map[string]any)["status"], "%v", l)
		}
	}
	line := func(service string, on, units int, charge string) map[string]any {
		return map[string]any{"service_code": service, "date_of_service": day(on), "units": units, "charge": charge}
	}
	answers := map[string]map[string]any{}
	for _, who := range []struct{ name, last string }{{"stranger", "Roomalone"}, {"known", "Roomshared"}} {
		atBCS := itRegisterBorn(t, e, keyBCS, "Rea", who.last, "1971-04-09")
		ready(keyBCS, atBCS, -60)
		last := who.last
		if who.name == "stranger" {
			last = "Roomnobody"
		}
		atHRA := itRegisterBorn(t, e, keyHRA, "Rea", last, "1971-04-09")
		stay := ready(keyHRA, atHRA, -50)

		v := itVoucher(t, e, keyHRA, atHRA, "ATR-DT", 4, -14, -12) // the earlier stay's 100.00
		require.Equal(t, "approved", v["decision"], "%v", v)
		v = itVoucher(t, e, keyBCS, atBCS, "ATR-TR", 10, -14, -10) // 120.00
		require.Equal(t, "approved", v["decision"], "%v", v)
		itCapException(t, e, itVoucher(t, e, keyBCS, atBCS, "ATR-TR", 20, -9, 20)) // 240.00: BCS's own cap 360.00
		// 80.00 of BCS's 120.00: its exception keeps 40.00 of room.
		bill(keyBCS, atBCS, e.demo.Staff["Ibrahim"], line("ATR-TR", -14, 5, "40.00"), line("ATR-TR", -13, 5, "40.00"))

		r := e.post(keyHRA, itPath("/v1/enrollments/%d/discharge", stay), map[string]any{"discharge_date": day(-8),
			"reason_code": "goals_met", "reason": "done"})
		require.Equal(t, http.StatusOK, r.Status, "%s", r.Body)
		r = e.post(keyHRA, "/v1/enrollments", map[string]any{"client_id": atHRA, "program_code": "ATR", "start_date": day(-5)})
		require.Equal(t, http.StatusCreated, r.Status, "%s", r.Body)
		r = e.post(keyHRA, "/v1/gpra-interviews", map[string]any{"client_id": atHRA, "kind": "intake", "instrument": "SUPRT-2025",
			"status": "completed", "interview_date": day(-5)})
		require.Equal(t, http.StatusCreated, r.Status, "%s", r.Body)
		v = itVoucher(t, e, keyHRA, atHRA, "ATR-DT", 4, -5, -4) // the new stay's 100.00, judged as a stranger's
		require.Equal(t, "approved", v["decision"], "%v", v)
		ep := itFixtureID(t, e, `SELECT episode_id FROM enrollments WHERE client_id = $1 AND discharge_date IS NULL`, atBCS)
		if who.name == "known" {
			var room string
			require.NoError(t, e.db.GetContext(t.Context(), &room, `SELECT readmission_room::text FROM episodes WHERE id = $1`, ep))
			require.Equal(t, "100.00", room)
		}

		// The earlier stay billed under the fee (40.00 of its 100.00), the new stay's authorization voided.
		bill(keyHRA, atHRA, e.demo.Staff["Okafor"], line("ATR-DT", -13, 4, "40.00"))
		r = e.post(keyReviewer, itPath("/v1/authorizations/%d/void", itNum(t, v, "authorization_id")), map[string]any{"reason": "voided on review"})
		require.Equal(t, http.StatusOK, r.Status, "%s", r.Body)

		answers[who.name] = itVoucher(t, e, keyBCS, atBCS, "ATR-TR", 1, -3, -3) // 12.00, inside BCS's own 360.00

		var m struct {
			Cap  decimal.Decimal `db:"dollar_cap"`
			Paid decimal.Decimal `db:"dollars_paid"`
			Room decimal.Decimal `db:"readmission_room"`
		}
		require.NoError(t, e.db.GetContext(t.Context(), &m, `SELECT dollar_cap, dollars_paid, readmission_room FROM episodes WHERE id = $1`, ep))
		assert.True(t, m.Paid.LessThanOrEqual(m.Cap.Add(m.Room)), "%s: paid %s within cap %s and room %s", who.name, m.Paid, m.Cap, m.Room)
		if who.name == "known" {
			assert.Equal(t, "40.00", m.Room.StringFixed(2), "the room falls to what the earlier stay still holds")
			assert.Equal(t, "360.00", m.Cap.StringFixed(2), "what is held (360.00) and BCS's room (40.00), less the room")
		}
	}
	require.Equal(t, "approved", answers["stranger"]["decision"], "%v", answers["stranger"])
	assertSameAnswer(t, answers["stranger"], answers["known"])
	assert.NotContains(t, reasonCodes(answers["known"]), "CONFLICT_ON_FILE")
}
