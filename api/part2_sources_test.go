package api_test

import (
	"fmt"
	"io/fs"
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/lib/pq"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"rss"
	"rss/pg"
)

// kimsWindowClosed narrows ATR's GPRA follow-up window so that HRA's
// intake of Kim (day -30, no follow-up) has had its window close on day
// -10, before today: a reason drawn from it quotes HRA's interview.
func kimsWindowClosed(t *testing.T, e *env) string {
	t.Helper()
	_, err := e.db.Exec(`UPDATE programs SET gpra_followup_open_days = 5, gpra_followup_close_days = 20 WHERE code = 'ATR'`)
	require.NoError(t, err)
	// The stays enrolled already keep their windows (migration 00083).
	_, err = e.db.Exec(`UPDATE enrollments SET gpra_followup_open_days = 5, gpra_followup_close_days = 20 WHERE program_code = 'ATR'`)
	require.NoError(t, err)
	return day(-10)
}

// reasonCodes are a request's reason codes as read.
func reasonCodes(m map[string]any) []string {
	var out []string
	for _, c := range m["reason_codes"].([]any) {
		out = append(out, c.(string))
	}
	return out
}

// V30's reason on a BCS request for Kim, whose stay has no intake of its
// own, is drawn from HRA's intake counted under HRA's consent disclosing
// GPRA interviews: "follow-up window closed" on HRA's intake date plus the
// window. It read the same after the consent was revoked, on GET, the
// list, the replay and the console, and no reading of it was recorded (a
// black-box pass, high). Now it names HRA as its source: shown under the
// consent in force, each showing a disclosure against HRA's record of
// Kim; after the revocation, CONFLICT_ON_FILE with no trace, as a
// duplicate-service reason reads.
func TestGPRAReasonFromAnotherAgencysIntakeIsItsRecord(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	kimHRA, kimBCS := e.demo.Clients["Kim/HRA"], e.demo.Clients["Kim/BCS"]
	hra := e.demo.Providers["HRA"]
	closed := kimsWindowClosed(t, e)
	give := kimsConsentsToBCS(t, e, "treatment")
	give("gpra_interviews")
	consent := itFixtureID(t, e, `SELECT max(id) FROM consents WHERE client_id = $1`, kimHRA)

	v := itVoucher(t, e, keyBCS, kimBCS, "ATR-DT", 4, 1, 20)
	id := itNum(t, v, "id")
	path := itPath("/v1/voucher-requests/%d", id)
	disclosed := func() int {
		return e.count(`SELECT count(*) FROM audit_events WHERE action = 'disclose' AND entity_type = 'voucher_request'
			AND entity_id = $1 AND client_id = $2`, itStr(id), kimHRA)
	}
	gpraReason := func(m map[string]any) map[string]any {
		for _, r := range m["reasons"].([]any) {
			if r := r.(map[string]any); r["code"] == "GPRA_FOLLOWUP_OVERDUE" {
				return r
			}
		}
		return nil
	}
	r := gpraReason(v)
	require.NotNil(t, r, "HRA's intake counted; its window closed: %v", v["reasons"])
	assert.Equal(t, "follow-up window closed "+closed, r["detail"])
	assert.Equal(t, float64(hra), r["source_provider_id"], "the window is HRA's intake's")
	// The follow-up is HRA's to record, which BCS cannot: it was told to
	// record it (a GPRA black-box pass of the forty-third stop).
	assert.Contains(t, r["next_step"], "the other agency's stay")
	assert.NotContains(t, r["next_step"], "Record the follow-up")
	assert.Equal(t, 1, disclosed(), "the answer showed it: a disclosure of HRA's record")

	got := e.get(keyBCS, path)
	require.Equal(t, http.StatusOK, got.Status, "%s", got.Body)
	assert.NotNil(t, gpraReason(got.JSON(t)), "shown under the consent in force")
	assert.Equal(t, 2, disclosed(), "each showing is recorded")

	r2 := e.post(keyHRA, itPath("/v1/consents/%d/revoke", consent), map[string]any{"reason": "client asked"})
	require.Equal(t, http.StatusOK, r2.Status, "%s", r2.Body)
	for _, read := range []struct {
		name string
		path string
	}{
		{"get", path},
		{"list", itPath("/v1/voucher-requests?client_id=%d", kimBCS)},
		{"replay", path + "/replay"},
	} {
		got := e.get(keyBCS, read.path)
		require.Equal(t, http.StatusOK, got.Status, "%s: %s", read.name, got.Body)
		assert.False(t, strings.Contains(string(got.Body), closed), "%s: HRA's intake date, plus the window, after the revocation", read.name)
		assert.False(t, strings.Contains(string(got.Body), "GPRA_FOLLOWUP_OVERDUE"), read.name)
	}
	m := e.get(keyBCS, path).JSON(t)
	assert.Contains(t, reasonCodes(m), "CONFLICT_ON_FILE")
	assert.Nil(t, m["trace"], "a withheld reason takes the trace with it")
	assert.Equal(t, 2, disclosed(), "nothing shown, nothing recorded")

	msc := e.get(keyReviewer, path).JSON(t)
	assert.Contains(t, reasonCodes(msc), "GPRA_FOLLOWUP_OVERDUE", "the MSC reads the reason as decided")
	assert.True(t, slices.ContainsFunc(msc["trace"].([]any), func(t any) bool {
		return t.(map[string]any)["rule"] == "V30" && t.(map[string]any)["source_provider_id"] == float64(hra)
	}), "and the trace entry names its source")
}

// Migration 00072 names the sources of the GPRA facts and of V30's reason
// in decisions stored before they were named: a request decided now,
// stripped of them as it would have been stored, reads as decided once
// the migration's statements run again, and after HRA's consent ends BCS
// reads CONFLICT_ON_FILE in its place.
func TestMigrationNamesStoredGPRASources(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	kimHRA, kimBCS := e.demo.Clients["Kim/HRA"], e.demo.Clients["Kim/BCS"]
	kimsWindowClosed(t, e)
	give := kimsConsentsToBCS(t, e, "treatment")
	give("gpra_interviews")
	own := itVoucher(t, e, keyHRA, kimHRA, "ATR-DT", 4, 1, 20) // HRA's own intake: its own source
	other := itVoucher(t, e, keyBCS, kimBCS, "ATR-DT", 4, 1, 20)
	ids := []int64{itNum(t, own, "id"), itNum(t, other, "id")}
	type stored struct{ Facts, Hits, Trace string }
	read := func() []stored {
		var out []stored
		for _, id := range ids {
			var s stored
			require.NoError(t, e.db.Get(&s, `SELECT facts::text AS facts, hits::text AS hits, trace::text AS trace
				FROM voucher_requests WHERE id = $1`, id))
			out = append(out, s)
		}
		return out
	}
	decided := read()
	assert.Contains(t, decided[1].Hits, `"source_provider_id"`)
	_, err := e.db.Exec(`UPDATE voucher_requests SET facts = (facts::jsonb #- '{gpra,intake_provider_id}' #- '{gpra,followup_provider_id}')::json,
		hits = (SELECT jsonb_agg(h - 'source_provider_id' ORDER BY n) FROM jsonb_array_elements(hits::jsonb) WITH ORDINALITY x(h, n))::json,
		trace = (SELECT jsonb_agg(r - 'source_provider_id' ORDER BY n) FROM jsonb_array_elements(trace::jsonb) WITH ORDINALITY x(r, n))::json
		WHERE id = ANY ($1)`, pq.Array(ids))
	require.NoError(t, err)
	require.NotContains(t, read()[1].Hits, `"source_provider_id"`, "stored as before 00072")

	raw, err := fs.ReadFile(pg.MigrationsFS(), "00072_gpra_fact_sources.sql")
	require.NoError(t, err)
	up, _, ok := strings.Cut(string(raw), "-- +goose Down")
	require.True(t, ok)
	tx, err := e.db.Begin()
	require.NoError(t, err)
	_, err = tx.Exec(up)
	require.NoError(t, err)
	require.NoError(t, tx.Commit())
	for i, now := range read() {
		assert.JSONEq(t, decided[i].Facts, now.Facts, "the facts' sources as the rules name them now")
		assert.JSONEq(t, decided[i].Hits, now.Hits)
		assert.JSONEq(t, decided[i].Trace, now.Trace)
	}

	consent := itFixtureID(t, e, `SELECT max(id) FROM consents WHERE client_id = $1`, kimHRA)
	r := e.post(keyHRA, itPath("/v1/consents/%d/revoke", consent), map[string]any{"reason": "client asked"})
	require.Equal(t, http.StatusOK, r.Status, "%s", r.Body)
	assert.Contains(t, reasonCodes(e.get(keyBCS, itPath("/v1/voucher-requests/%d", ids[1])).JSON(t)), "CONFLICT_ON_FILE")
}

// The voucher rules read another agency's consents for treatment, whatever
// purpose the request states (a voucher request is the agency's treatment
// planning): X-Purpose-Of-Use: payment made them read HRA's payment-only
// consent, and BCS's request for Kim, denied GPRA_INTAKE_MISSING without
// the header, was approved on HRA's intake with it, the disclosure
// recorded "for payment" (a black-box pass). Both are decided alike now,
// nothing disclosed; under a treatment consent the disclosure is for
// treatment, whatever the header.
func TestVoucherRulesReadConsentsForTreatmentWhateverTheHeader(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	kimHRA, kimBCS := e.demo.Clients["Kim/HRA"], e.demo.Clients["Kim/BCS"]
	intake := itStr(itFixtureID(t, e, `SELECT id FROM gpra_interviews WHERE client_id = $1 AND kind = 'intake'`, kimHRA))
	submit := func(purpose string) map[string]any {
		t.Helper()
		h := map[string]string{}
		if purpose != "" {
			h["X-Purpose-Of-Use"] = purpose
		}
		r := e.do(req{Method: http.MethodPost, Path: "/v1/voucher-requests", Key: keyBCS, Header: h, Body: map[string]any{
			"client_id": kimBCS, "service_code": "ATR-DT", "units": 4, "start_date": day(1), "end_date": day(20)}})
		require.Equal(t, http.StatusCreated, r.Status, "%s", r.Body)
		return r.JSON(t)
	}
	kimsConsentsToBCS(t, e, "payment")("gpra_interviews")
	for _, purpose := range []string{"", "treatment", "payment", "care_coordination"} {
		v := submit(purpose)
		assert.Equal(t, "denied", v["decision"], purpose)
		assert.Contains(t, reasonCodes(v), "GPRA_INTAKE_MISSING", "%q: a payment-only consent opens nothing to the rules", purpose)
	}
	assert.Zero(t, itAudit(e, "disclose", "gpra_interview", intake))

	kimsConsentsToBCS2 := func() {
		r := e.post(keyHRA, "/v1/consents", map[string]any{"client_id": kimHRA, "recipient_type": "provider",
			"recipient_provider_id": e.demo.Providers["BCS"], "recipient_name": "BCS", "purposes": []string{"treatment"},
			"information": "GPRA", "records": []string{"gpra_interviews"}, "signed_on": day(0), "expires_on": day(90)})
		require.Equal(t, http.StatusCreated, r.Status, "%s", r.Body)
	}
	kimsConsentsToBCS2()
	v := submit("payment")
	assert.NotContains(t, reasonCodes(v), "GPRA_INTAKE_MISSING", "a treatment consent opens the intake to the rules")
	assert.Equal(t, 1, e.count(`SELECT count(*) FROM audit_events WHERE action = 'disclose' AND entity_type = 'gpra_interview'
		AND entity_id = $1 AND purpose = 'treatment'`, intake), "disclosed for treatment, what the rules read it for")
}

// itATRReady makes client, of the agency of key, ready for ATR-TR
// vouchers through the API: an ATR enrollment from day -10 (with staff,
// the primary case manager's), a completed intake that day, a payment
// consent to the MSC and a care plan listing ATR-TR.
func itATRReady(t *testing.T, e *env, key string, client int64, staff any) {
	t.Helper()
	itATRReadyFor(t, e, key, client, staff, "ATR-TR")
}

// itATRReadyFor is itATRReady with a care plan listing services.
func itATRReadyFor(t *testing.T, e *env, key string, client int64, staff any, services ...string) {
	t.Helper()
	planned := make([]map[string]any, len(services))
	for i, code := range services {
		planned[i] = map[string]any{"service_code": code}
	}
	enroll := map[string]any{"client_id": client, "program_code": "ATR", "start_date": day(-10)}
	if staff != nil {
		enroll["assigned_staff_id"], enroll["primary_case_manager"] = staff, true
	}
	for _, b := range []struct {
		path string
		body map[string]any
	}{
		{"/v1/enrollments", enroll},
		{"/v1/gpra-interviews", map[string]any{"client_id": client, "kind": "intake", "instrument": "SUPRT-2025", "status": "completed",
			"interview_date": day(-10)}},
		{"/v1/consents", map[string]any{"client_id": client, "recipient_type": "msc", "recipient_name": "Management Services Contractor",
			"purposes": []string{"payment"}, "information": "enrollment and services", "signed_on": day(-10), "expires_on": day(365)}},
		{"/v1/care-plans", map[string]any{"client_id": client, "program_code": "ATR", "kind": "rss_care_plan", "start_date": day(-10),
			"end_date": day(300), "services": planned}},
	} {
		r := e.post(key, b.path, b.body)
		require.Equal(t, http.StatusCreated, r.Status, "%s: %s", b.path, r.Body)
	}
}

// itATRCapAt300 sets the ATR program's episode dollar cap to 300.00, for
// a few vouchers to reach it.
func itATRCapAt300(t *testing.T, e *env) {
	t.Helper()
	r := e.do(req{Method: http.MethodPatch, Path: "/v1/reference/programs/ATR", Key: keyAdmin,
		Body: map[string]any{"episode_dollar_cap": "300.00", "reason": "the state's new cap"}})
	require.Equal(t, http.StatusOK, r.Status, "%s", r.Body)
}

// itRegisterBorn registers at key's agency a client of that name and date
// of birth in Bridgeport: a second agency's registration of the same name
// and birth is the same person.
func itRegisterBorn(t *testing.T, e *env, key, first, last, born string) int64 {
	t.Helper()
	r := e.post(key, "/v1/clients", map[string]any{"first_name": first, "last_name": last, "date_of_birth": born,
		"catchment_area": "bridgeport", "gender": "U"})
	require.Equal(t, http.StatusCreated, r.Status, "%s", r.Body)
	return itID(t, r)
}

// itBCSStrangerAndKnown registers at BCS, ready for ATR-TR vouchers
// (itATRReady), a stranger and the person another agency knows (the same
// name and date of birth): the pair whose answers Part 2 holds alike.
func itBCSStrangerAndKnown(t *testing.T, e *env, person identity) (stranger, known int64) {
	t.Helper()
	return itBCSStrangerAndKnownAs(t, e, person, nil)
}

// itBCSStrangerAndKnownAs is itBCSStrangerAndKnown with each enrolled
// primary, staff their case manager, when staff is not nil.
func itBCSStrangerAndKnownAs(t *testing.T, e *env, person identity, staff any) (stranger, known int64) {
	t.Helper()
	register := func(first, last string) int64 {
		r := e.post(keyBCS, "/v1/clients", map[string]any{"first_name": first, "last_name": last,
			"date_of_birth": person.DOB.String(), "catchment_area": "bridgeport", "gender": "U"})
		require.Equal(t, http.StatusCreated, r.Status, "%s", r.Body)
		client := itID(t, r)
		itATRReady(t, e, keyBCS, client, staff)
		return client
	}
	return register("Nobody", "Itstranger"), register(person.First, person.Last)
}

// The mirror of the case below: BCS opened the episode, HRA (with no
// consent naming BCS) joined it and a reviewer's exception raised the cap
// for HRA's grant. BCS's request of its own over the cap read "left of
// 312.00", HRA's raise, where a stranger's read 300.00 (a re-check of a
// Part 2 black-box pass): the raise is HRA's record, never quoted. BCS's
// own authorizations alone past its own cap (300.00) read that reason in
// clear, as the stranger's do (withheld as CONFLICT_ON_FILE, it told the
// known person from the stranger: a lifecycle black-box pass of the
// thirty-sixth stop); HRA's authorization over the same days is a
// conflict of its own, withheld beside it.
func TestEpisodeCapRaisedForAnotherAgencyIsItsRecord(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	itATRCapAt300(t, e)
	register := func(key, first, last string) int64 { return itRegisterBorn(t, e, key, first, last, "1988-03-04") }
	known, stranger := register(keyBCS, "Vera", "Mirrorcase"), register(keyBCS, "Nobody", "Itstranger")
	itATRReady(t, e, keyBCS, known, nil) // BCS opens the episode
	itATRReady(t, e, keyBCS, stranger, nil)
	atHRA := register(keyHRA, "Vera", "Mirrorcase") // the same person
	itATRReady(t, e, keyHRA, atHRA, e.demo.Staff["Okafor"])
	v := itVoucher(t, e, keyHRA, atHRA, "ATR-TR", 26, 0, 29) // 312.00
	require.Equal(t, "pended", v["decision"], "%v", v)
	r := e.post(keyReviewer, itPath("/v1/voucher-requests/%d/decision", itNum(t, v, "id")), map[string]any{"action": "approve",
		"note": "an exception", "acknowledge": []string{"EPISODE_DOLLAR_CAP_EXCEEDED"}})
	require.Equal(t, http.StatusOK, r.Status, "%s", r.Body)

	s := itVoucher(t, e, keyBCS, stranger, "ATR-TR", 40, 0, 29) // 480.00
	assert.Equal(t, []any{"EPISODE_DOLLAR_CAP_EXCEEDED"}, s["reason_codes"], "%v", s)
	k := itVoucher(t, e, keyBCS, known, "ATR-TR", 40, 0, 29)
	assert.Equal(t, "pended", k["decision"], "%v", k)
	assert.Equal(t, []any{"EPISODE_DOLLAR_CAP_EXCEEDED", "CONFLICT_ON_FILE"}, k["reason_codes"], "%v", k)
	reasons := func(m map[string]any) []any { return m["reasons"].([]any) }
	assert.Equal(t, reasons(s)[0], reasons(k)[0], "the own reason reads as the stranger's")
	assert.NotContains(t, fmt.Sprint(k), "312.00", "HRA's raise is not quoted")
}

// An agency that joined another's episode before the MSC lowered the cap
// is judged by the cap of the day it joined, as a stranger enrolled that
// day is: judged by today's, its second 200.00 request for the person was
// pended where the stranger's was approved (a re-check of a Part 2 pass).
func TestAgencyJoinedBeforeTheCapChangedIsJudgedAsAStranger(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	hra := itATRClient(t, e, day(-20)) // HRA opens the episode under 4000.00
	person := identityOf(t, e, hra.Client)
	stranger, known := itBCSStrangerAndKnown(t, e, person)
	r := e.do(req{Method: http.MethodPatch, Path: "/v1/reference/programs/ATR", Key: keyAdmin,
		Body: map[string]any{"episode_dollar_cap": "300.00", "reason": "the state's new cap"}})
	require.Equal(t, http.StatusOK, r.Status, "%s", r.Body)
	for _, span := range [][2]int{{0, 29}, {30, 59}} { // 200.00 each: 400.00 of the 4000.00 both joined under
		s := itVoucher(t, e, keyBCS, stranger, "ATR-TR", 16, span[0], span[1])
		k := itVoucher(t, e, keyBCS, known, "ATR-TR", 16, span[0], span[1])
		assert.Equal(t, "approved", s["decision"], "%v", s)
		for _, f := range []string{"decision", "reason_codes", "reasons", "units_granted"} {
			assert.Equal(t, s[f], k[f], f)
		}
	}
}

// An episode keeps the program's dollar cap of the day it opened, raised
// by a reviewer's exception. BCS's request for a person HRA enrolled before
// the MSC changed ATR's cap was judged by HRA's day's cap, in clear
// ("480.00 asked, 300.00 left of 300.00"), where a stranger's was judged by
// today's (a Part 2 black-box pass); judged by today's program cap, a
// second request after an exception read "left of 300.00" where a
// stranger's read the raised 480.00 (its re-check). BCS's own records are
// judged by the cap its own episode would carry, and where the episode's
// cap is not that, the cap is the opening agency's record: the reason is
// withheld as CONFLICT_ON_FILE, never quoting either amount.
func TestEpisodeCapKeptFromAnotherAgencysDayIsItsRecord(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name      string
		then, now string
		exception bool // the reviewer grants the first over the cap; a second follows
		alike     bool // the known person's answers read as a stranger's
	}{
		{name: "raised since", then: "300.00", now: "4000.00"},
		// BCS joined under today's cap, 300.00: its own 480.00 pass it
		// alone, the stranger's reason, read in clear (it was withheld:
		// a lifecycle black-box pass of the thirty-sixth stop).
		{name: "lowered since", then: "4000.00", now: "300.00", alike: true},
		{name: "unchanged", then: "300.00", now: "300.00", alike: true},
		// BCS's own exception raised the cap HRA's episode opened with:
		// its own episode's would have risen alike (a known gap of the
		// sixteenth stop read CONFLICT_ON_FILE here).
		{name: "unchanged, then an exception", then: "300.00", now: "300.00", exception: true, alike: true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv(t)
			setCap := func(c string) {
				r := e.do(req{Method: http.MethodPatch, Path: "/v1/reference/programs/ATR", Key: keyAdmin,
					Body: map[string]any{"episode_dollar_cap": c, "reason": "the state's new cap"}})
				require.Equal(t, http.StatusOK, r.Status, "%s", r.Body)
			}
			setCap(tc.then)
			hra := itATRClient(t, e, day(-20))
			if tc.now != tc.then {
				setCap(tc.now)
			}
			person := identityOf(t, e, hra.Client)

			stranger, known := itBCSStrangerAndKnown(t, e, person)
			ask := func(client int64) map[string]any {
				v := itVoucher(t, e, keyBCS, client, "ATR-TR", 40, 0, 29) // 480.00
				if !tc.exception {
					return v
				}
				require.Equal(t, "pended", v["decision"], "%v", v)
				r := e.post(keyReviewer, itPath("/v1/voucher-requests/%d/decision", itNum(t, v, "id")), map[string]any{"action": "approve",
					"note": "an exception", "acknowledge": []string{"EPISODE_DOLLAR_CAP_EXCEEDED"}})
				require.Equal(t, http.StatusOK, r.Status, "%s", r.Body)
				return itVoucher(t, e, keyBCS, client, "ATR-TR", 5, 30, 40) // 60.00 more
			}
			s, k := ask(stranger), ask(known)
			if tc.alike {
				for _, f := range []string{"decision", "reason_codes", "reasons", "units_granted"} {
					assert.Equal(t, s[f], k[f], f)
				}
				return
			}
			assert.Equal(t, "pended", k["decision"], "%v", k)
			assert.Equal(t, []any{"CONFLICT_ON_FILE"}, k["reason_codes"], "%v", k)
			for _, amount := range []string{"300.00", "480.00", "4000.00"} {
				assert.NotContains(t, fmt.Sprint(k), amount, "no cap is quoted")
			}
		})
	}
}

// A person HRA keeps enrolled stays in HRA's episode when BCS discharges
// and enrolls them again, as a stranger's next stay at BCS, begun the
// same day, goes on in its own episode. BCS's authorizations of its
// earlier stay held 240.00 of the episode's 300.00: a request within the
// cap reads as a stranger's (before the nineteenth stop the stranger's
// readmission opened an episode afresh, and the known person's pended "60.00
// left of 300.00 by this agency's authorizations alone" where the
// stranger's was approved, a re-check of a Part 2 black-box pass), and so
// does one over it.
func TestAgencyStayAfterDischargeIsJudgedAsAStranger(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	hra, stranger, known, stays := bcsStaysBesideHRAs(t, e)
	for _, client := range []int64{stranger, known} {
		r := e.post(keyBCS, itPath("/v1/enrollments/%d/discharge", stays[client]), map[string]any{"discharge_date": day(0), "reason_code": "goals_met",
			"reason": "done"})
		require.Equal(t, http.StatusOK, r.Status, "%s", r.Body)
		for _, b := range []struct {
			path string
			body map[string]any
		}{
			{"/v1/enrollments", map[string]any{"client_id": client, "program_code": "ATR", "start_date": day(0)}},
			{"/v1/gpra-interviews", map[string]any{"client_id": client, "kind": "intake", "instrument": "SUPRT-2025", "status": "completed",
				"interview_date": day(0)}},
		} {
			r := e.post(keyBCS, b.path, b.body)
			require.Equal(t, http.StatusCreated, r.Status, "%s: %s", b.path, r.Body)
		}
	}
	require.Equal(t, 1, e.count(`SELECT count(DISTINCT episode_id) FROM enrollments WHERE client_id IN ($1, $2)`, known, hra.Client),
		"the known person's new stay is in HRA's episode")

	s, k := itVoucher(t, e, keyBCS, stranger, "ATR-TR", 5, 0, 16), itVoucher(t, e, keyBCS, known, "ATR-TR", 5, 0, 16) // 60.00 each
	assert.Equal(t, "approved", s["decision"], "%v", s)
	for _, f := range []string{"decision", "reason_codes", "reasons", "units_granted"} {
		assert.Equal(t, s[f], k[f], f)
	}
	// Over the cap: each stay went on in its episode (discharged and
	// enrolled again the same day: one stay, since the nineteenth stop),
	// so both requests pend on the agency's own authorizations of its
	// unbroken stay, alike. The known person's read CONFLICT_ON_FILE, as
	// if they were HRA's record, where the stranger's read the cap: the
	// difference said another agency was in the episode (a re-check at
	// the twenty-second stop).
	s, k = itVoucher(t, e, keyBCS, stranger, "ATR-TR", 10, 0, 16), itVoucher(t, e, keyBCS, known, "ATR-TR", 10, 0, 16) // 120.00 more
	assert.Equal(t, "pended", s["decision"], "%v", s)
	assert.Equal(t, []any{"EPISODE_DOLLAR_CAP_EXCEEDED"}, s["reason_codes"], "%v", s)
	for _, f := range []string{"decision", "reason_codes", "reasons", "units_granted"} {
		assert.Equal(t, s[f], k[f], f)
	}
}

// A request the agency's own records deny reads the same for a person
// another agency serves as for a stranger: the same reasons, no
// CONFLICT_ON_FILE, no trace, and a replay and a GET alike. An agency that
// only registered the person read CONFLICT_ON_FILE where the other agency
// held the service and not after its last day, a probe the MSC never saw,
// since a denied request reaches no reviewer (a black-box pass).
func TestOwnDenialReadsTheSameForAStranger(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	vera := identity{First: "Vera", Last: "Probecase", DOB: rss.MustDate("1988-03-04")}
	atHRA := itRegisterAs(t, e, keyHRA, vera)
	itATRReady(t, e, keyHRA, atHRA, e.demo.Staff["Okafor"])
	v := itVoucher(t, e, keyHRA, atHRA, "ATR-TR", 10, 0, 29)
	require.Equal(t, "approved", v["decision"], "%v", v)
	// BCS registers the same person and a stranger, and nothing else.
	known, stranger := itRegisterAs(t, e, keyBCS, vera), itRegisterAs(t, e, keyBCS, identity{First: "Nobody", Last: "Probestranger", DOB: vera.DOB})
	ask := func(client int64) (map[string]any, resp) {
		r := e.do(req{Method: http.MethodPost, Path: "/v1/voucher-requests", Key: keyBCS, IdemKey: "probe-" + itStr(client),
			Body: map[string]any{"client_id": client, "service_code": "ATR-TR", "units": 2, "start_date": day(5), "end_date": day(5)}})
		require.Equal(t, http.StatusCreated, r.Status, "%s", r.Body)
		return r.JSON(t), r
	}
	k, kr := ask(known)
	s, _ := ask(stranger)
	require.Equal(t, "denied", s["decision"], "%v", s)
	assert.Equal(t, s["decision"], k["decision"])
	assert.Equal(t, s["reason_codes"], k["reason_codes"], "the same reasons as a stranger's")
	assert.NotContains(t, k["reason_codes"], "CONFLICT_ON_FILE")
	assert.Nil(t, k["trace"], "no trace: %s", kr.Body)
	assert.Nil(t, s["trace"], "no trace for the stranger either")
	for _, path := range []string{itPath("/v1/voucher-requests/%d", itNum(t, k, "id")), itPath("/v1/voucher-requests/%d/replay", itNum(t, k, "id"))} {
		r := e.get(keyBCS, path)
		require.Equal(t, http.StatusOK, r.Status, "%s", r.Body)
		assert.NotContains(t, string(r.Body), "CONFLICT_ON_FILE", path)
		assert.NotContains(t, string(r.Body), `"trace":[`, path)
	}
	// The retry's answer too.
	again, _ := ask(known)
	assert.Equal(t, k["reason_codes"], again["reason_codes"])
	assert.Nil(t, again["trace"])
	// The MSC reads every reason.
	m := e.get(keyReviewer, itPath("/v1/voucher-requests/%d", itNum(t, k, "id"))).JSON(t)
	assert.Contains(t, m["reason_codes"], "DUPLICATE_SERVICE_OTHER_PROVIDER")
	assert.NotNil(t, m["trace"])
}

// bcsStaysBesideHRAs makes ATR's cap 300.00 and the person HRA keeps
// enrolled (its episode open), then at BCS that person (known) and a
// stranger, each with an authorization of 240.00 of ATR-TR over days -10
// to -1 paid in full; it gives HRA's client, the two BCS clients and
// their open BCS stays.
func bcsStaysBesideHRAs(t *testing.T, e *env) (hra itATR, stranger, known int64, stays map[int64]int64) {
	t.Helper()
	r := e.do(req{Method: http.MethodPatch, Path: "/v1/reference/programs/ATR", Key: keyAdmin,
		Body: map[string]any{"episode_dollar_cap": "300.00", "reason": "the state's new cap"}})
	require.Equal(t, http.StatusOK, r.Status, "%s", r.Body)
	hra = itATRClient(t, e, day(-20)) // HRA opens the episode and keeps it open
	stranger, known = itBCSStrangerAndKnown(t, e, identityOf(t, e, hra.Client))
	stays = map[int64]int64{}
	for i, client := range []int64{stranger, known} {
		v := itVoucher(t, e, keyBCS, client, "ATR-TR", 20, -10, -1) // 240.00
		require.Equal(t, "approved", v["decision"], "%v", v)
		var lines []any
		for d := -9; d <= -6; d++ {
			lines = append(lines, map[string]any{"service_code": "ATR-TR", "date_of_service": day(d), "units": 5, "charge": "60.00",
				"authorization_number": v["authorization_number"]})
		}
		r := e.post(keyBCS, "/v1/claims", map[string]any{"claim_number": fmt.Sprintf("STAY-%d", i), "client_id": client,
			"rendering_staff_id": e.demo.Staff["Ibrahim"], "place_of_service": "11", "lines": lines})
		require.Equal(t, http.StatusCreated, r.Status, "%s", r.Body)
		require.Equal(t, "paid", r.JSON(t)["status"], "%s", r.Body)
		stays[client] = itFixtureID(t, e, `SELECT id FROM enrollments WHERE client_id = $1 AND discharge_date IS NULL`, client)
	}
	return hra, stranger, known, stays
}

// An agency reads its own stays in the GPRA schedule in the order they
// began, never by the person's episode: episode ids are handed out as
// episodes open, so BCS's EMP stay, which joined the EMP episode HRA
// opened before BCS enrolled the person, sorted before BCS's own ATR stay
// entered first, where a stranger's read in the order entered (a Part 2
// white-box review). SPEC §7 makes ATR the only GPRA program; the schedule
// is written for any program with gpra_required, so EMP is given it here.
func TestGPRAScheduleOrderSaysNothingOfAnotherAgencysEpisode(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	for _, q := range []string{
		`UPDATE programs SET gpra_required = true, gpra_followup_open_days = 150, gpra_followup_close_days = 240,
			gpra_discharge_days = 30 WHERE code = 'EMP'`,
		fmt.Sprintf(`INSERT INTO provider_programs (provider_id, program_code) VALUES (%d, 'EMP'), (%d, 'EMP') ON CONFLICT DO NOTHING`,
			e.demo.Providers["HRA"], e.demo.Providers["BCS"]),
	} {
		_, err := e.db.Exec(q)
		require.NoError(t, err)
	}
	register := func(key, first, last, area string) int64 {
		t.Helper()
		r := e.post(key, "/v1/clients", map[string]any{"first_name": first, "last_name": last, "date_of_birth": "1983-02-14",
			"catchment_area": area, "gender": "U"})
		require.Equal(t, http.StatusCreated, r.Status, "%s", r.Body)
		return itID(t, r)
	}
	enroll := func(key string, client int64, program string, start int) int64 {
		t.Helper()
		r := e.post(key, "/v1/enrollments", map[string]any{"client_id": client, "program_code": program, "start_date": day(start)})
		require.Equal(t, http.StatusCreated, r.Status, "enroll %s: %s", program, r.Body)
		return itID(t, r)
	}
	order := func(client int64) []int64 {
		t.Helper()
		r := e.get(keyBCS, itPath("/v1/clients/%d/gpra-schedule", client))
		require.Equal(t, http.StatusOK, r.Status, "%s", r.Body)
		var body struct {
			Episodes []struct {
				EnrollmentID int64 `json:"enrollment_id"`
			} `json:"episodes"`
		}
		r.Into(t, &body)
		var ids []int64
		for _, s := range body.Episodes {
			ids = append(ids, s.EnrollmentID)
		}
		return ids
	}
	enroll(keyHRA, register(keyHRA, "Olive", "Twoprograms", "hartford"), "EMP", -30) // HRA's EMP episode opens first

	known := register(keyBCS, "Olive", "Twoprograms", "bridgeport")
	stranger := register(keyBCS, "Nobody", "Twostranger", "bridgeport")
	entered := map[int64][]int64{}
	for _, c := range []int64{known, stranger} {
		atr := enroll(keyBCS, c, "ATR", -20) // a new ATR episode
		emp := enroll(keyBCS, c, "EMP", -10) // the stranger's opens one; the known person's joins HRA's
		entered[c] = []int64{atr, emp}
	}
	require.Equal(t, entered[stranger], order(stranger), "a stranger's stays read in the order they began")
	assert.Equal(t, entered[known], order(known), "the person HRA serves reads alike")
}

// An agency's own exception raised the cap of an episode another agency
// shares and holds a grant in, to what every agency's authorizations held.
// BCS opened the episode and HRA (with no consent naming BCS) joined it,
// or HRA opened it and BCS joined; a reviewer's exception then raised the
// cap for BCS's grant past it, HRA's 60.00 among what the episode held.
// BCS's next request past its own raised cap read CONFLICT_ON_FILE, the
// episode's raised cap counting HRA's dollars, where a stranger's, with
// the same history and the same exception, read the cap in clear (a
// black-box pass of the thirty-fourth stop; HRA opening it, a known gap
// since the seventeenth). The cap BCS's own records read is its own:
// raised to what its own authorizations hold.
func TestOwnCapExceptionInASharedEpisodeReadsAsAStrangers(t *testing.T) {
	t.Parallel()
	for _, hraOpens := range []bool{false, true} {
		t.Run(fmt.Sprintf("HRA opens %v", hraOpens), func(t *testing.T) {
			t.Parallel()
			e := newEnv(t)
			itATRCapAt300(t, e)
			register := func(key, first, last string) int64 { return itRegisterBorn(t, e, key, first, last, "1988-03-04") }
			var hraAuth int64
			hra := func() {
				atHRA := register(keyHRA, "Vera", "Owncase") // the same person
				itATRReady(t, e, keyHRA, atHRA, nil)
				h := itVoucher(t, e, keyHRA, atHRA, "ATR-TR", 5, 60, 70) // 60.00, within the cap, on days of its own
				require.Equal(t, "approved", h["decision"], "%v", h)
				hraAuth = itNum(t, h, "authorization_id")
			}
			if hraOpens {
				hra()
			}
			known, stranger := register(keyBCS, "Vera", "Owncase"), register(keyBCS, "Nobody", "Itstranger")
			itATRReady(t, e, keyBCS, known, nil)
			itATRReady(t, e, keyBCS, stranger, nil)
			if !hraOpens {
				hra()
			}

			ask := func(client int64) map[string]any {
				v := itVoucher(t, e, keyBCS, client, "ATR-TR", 30, 0, 29) // 360.00, past the cap by BCS's own alone
				require.Equal(t, "pended", v["decision"], "%v", v)
				r := e.post(keyReviewer, itPath("/v1/voucher-requests/%d/decision", itNum(t, v, "id")), map[string]any{"action": "approve",
					"note": "an exception", "acknowledge": []string{"EPISODE_DOLLAR_CAP_EXCEEDED"}})
				require.Equal(t, http.StatusOK, r.Status, "%s", r.Body)
				return itVoucher(t, e, keyBCS, client, "ATR-TR", 5, 30, 40) // 60.00 past the raised cap
			}
			s, k := ask(stranger), ask(known)
			assert.Equal(t, "pended", s["decision"], "%v", s)
			assert.Equal(t, []any{"EPISODE_DOLLAR_CAP_EXCEEDED"}, s["reason_codes"], "%v", s)
			for _, f := range []string{"decision", "reason_codes", "reasons", "units_granted"} {
				assert.Equal(t, s[f], k[f], f)
			}
			assert.NotContains(t, fmt.Sprint(k), "420.00", "the episode's cap, HRA's dollars in it, is not quoted")

			// HRA's void lets the episode's cap fall back to what is held;
			// what BCS reads of its own cap is its own records' alone.
			r := e.post(keyReviewer, itPath("/v1/authorizations/%d/void", hraAuth), map[string]any{"reason": "issued in error"})
			require.Equal(t, http.StatusOK, r.Status, "%s", r.Body)
			s, k = itVoucher(t, e, keyBCS, stranger, "ATR-TR", 5, 41, 50), itVoucher(t, e, keyBCS, known, "ATR-TR", 5, 41, 50)
			assert.Equal(t, []any{"EPISODE_DOLLAR_CAP_EXCEEDED"}, s["reason_codes"], "%v", s)
			for _, f := range []string{"decision", "reason_codes", "reasons", "units_granted"} {
				assert.Equal(t, s[f], k[f], "after HRA's void: %s", f)
			}
		})
	}
}
