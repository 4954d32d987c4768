package console_test

import (
	"html"
	"net/http"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"rss/vouchers"
)

// The request page lists the facts each rule read. A BCS request for Kim,
// whose stay has no intake of its own, counted HRA's intake under HRA's
// consent disclosing GPRA interviews, and BCS's page showed
// gpra.intake_date, HRA's interview's day, on every view and after the
// consent was revoked, unrecorded (a black-box pass, high; the other
// person-wide facts were stripped). A provider's page shows GPRA facts only
// when they are its own interviews'; the reviewer's shows them all.
func TestProviderPageLeavesOutAnotherAgencysGPRAFacts(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	kimHRA, kimBCS := w.demo.Clients["Kim/HRA"], w.demo.Clients["Kim/BCS"]
	var demo int64
	require.NoError(t, w.db.Get(&demo, `SELECT id FROM consents WHERE client_id = $1 AND recipient_provider_id = $2`, kimHRA,
		w.demo.Providers["BCS"]))
	status, body := w.api(http.MethodPost, keyHRA, "/v1/consents/"+strconv.FormatInt(demo, 10)+"/revoke",
		map[string]any{"reason": "replaced by a narrower form"})
	require.Equal(t, http.StatusOK, status, "%v", body)
	status, consent := w.api(http.MethodPost, keyHRA, "/v1/consents", map[string]any{"client_id": kimHRA, "recipient_type": "provider",
		"recipient_provider_id": w.demo.Providers["BCS"], "recipient_name": "BCS", "purposes": []string{"treatment"},
		"information": "GPRA interviews", "records": []string{"gpra_interviews"}, "signed_on": day(0), "expires_on": day(90)})
	require.Equal(t, http.StatusCreated, status, "%v", consent)
	var intake string
	require.NoError(t, w.db.Get(&intake, `SELECT interview_date::text FROM gpra_interviews WHERE client_id = $1 AND kind = 'intake'`, kimHRA))

	status, v := w.api(http.MethodPost, keyBCS, "/v1/voucher-requests", map[string]any{"client_id": kimBCS,
		"service_code": "ATR-DT", "units": 4, "start_date": day(1), "end_date": day(20)})
	require.Equal(t, http.StatusCreated, status, "%v", v)
	require.NotContains(t, v["reason_codes"], "GPRA_INTAKE_MISSING", "HRA's intake counted")
	path := "/console/requests/" + strconv.FormatInt(int64(v["id"].(float64)), 10)

	r := w.user()
	r.signIn(keyReviewer)
	p := r.get(path)
	require.Equal(t, http.StatusOK, p.Status)
	require.Contains(t, p.Body, intake, "the MSC reads the intake date the rules read")

	u := w.user()
	u.signIn(keyBCS)
	p = u.get(path)
	require.Equal(t, http.StatusOK, p.Status)
	assert.Contains(t, p.Body, "V30", "the trace is shown")
	assert.False(t, strings.Contains(html.UnescapeString(p.Body), intake), "HRA's intake date, under the consent")
	// The person-wide facts read withheld, not as the page's "—" for none
	// (a console black-box pass read "no dollars authorized").
	assert.Contains(t, html.UnescapeString(p.Body), "<code>episode_dollars_authorized</code> = "+vouchers.WithheldFact)
	assert.NotContains(t, html.UnescapeString(p.Body), "<code>episode_dollars_authorized</code> = —")
	status, body = w.api(http.MethodPost, keyHRA, "/v1/consents/"+strconv.FormatInt(int64(consent["id"].(float64)), 10)+"/revoke",
		map[string]any{"reason": "client asked"})
	require.Equal(t, http.StatusOK, status, "%v", body)
	p = u.get(path)
	require.Equal(t, http.StatusOK, p.Status)
	assert.False(t, strings.Contains(html.UnescapeString(p.Body), intake), "HRA's intake date, after the revocation")
}

// A reviewer's page of a request its agency's own authorizations alone
// took past the episode's dollar cap shows the episode's figure beside the
// agency's own, with the agency it draws on by code; the agency's page of
// the same request shows neither (the MSC's alone: a black-box pass of the
// forty-fourth stop, and its re-check, which read "provider 1").
func TestReviewerPageShowsTheEpisodesFigureAndTheAgencysDoesNot(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	status, body := w.api(http.MethodPatch, keyAdmin, "/v1/reference/programs/ATR", map[string]any{"episode_dollar_cap": "300.00",
		"reason": "the state's new cap"})
	require.Equal(t, http.StatusOK, status, "%v", body)
	ready := func(key, first string, staff any) int64 {
		status, c := w.api(http.MethodPost, key, "/v1/clients", map[string]any{"first_name": first, "last_name": "Figurepage",
			"date_of_birth": "1986-07-08", "catchment_area": "bridgeport"})
		require.Equal(t, http.StatusCreated, status, "%v", c)
		client := int64(c["id"].(float64))
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
				"end_date": day(300), "services": []map[string]any{{"service_code": "ATR-TR"}}}},
		} {
			status, m := w.api(http.MethodPost, key, b.path, b.body)
			require.Equal(t, http.StatusCreated, status, "%s: %v", b.path, m)
		}
		return client
	}
	voucher := func(key string, client int64, units, from, to int) map[string]any {
		status, v := w.api(http.MethodPost, key, "/v1/voucher-requests", map[string]any{"client_id": client, "service_code": "ATR-TR",
			"units": units, "start_date": day(from), "end_date": day(to)})
		require.Equal(t, http.StatusCreated, status, "%v", v)
		return v
	}
	hra := ready(keyHRA, "Wren", w.demo.Staff["Okafor"])
	require.Equal(t, "approved", voucher(keyHRA, hra, 10, 0, 29)["decision"]) // 120.00 of the 300.00
	bcs := ready(keyBCS, "Wren", nil)                                         // the same person
	v := voucher(keyBCS, bcs, 26, 30, 59)                                     // 312.00, past 300.00 alone
	require.Equal(t, []any{"EPISODE_DOLLAR_CAP_EXCEEDED"}, v["reason_codes"], "%v", v)
	page := "/console/requests/" + strconv.FormatInt(int64(v["id"].(float64)), 10)

	reviewer := w.user()
	reviewer.signIn(keyReviewer)
	rev := reviewer.get(page)
	require.Equal(t, http.StatusOK, rev.Status)
	assert.Contains(t, rev.Body, "by this agency&#39;s authorizations alone")
	assert.Contains(t, rev.Body, "every agency's authorizations counted: 312.00 asked, 180.00 left of 300.00 (drawing on HRA)")
	agency := w.user()
	agency.signIn(keyBCS)
	own := agency.get(page)
	require.Equal(t, http.StatusOK, own.Status)
	assert.Contains(t, own.Body, "by this agency&#39;s authorizations alone")
	assert.NotContains(t, own.Body, "180.00")
	assert.NotContains(t, own.Body, "every agency")
}
