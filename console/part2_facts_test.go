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
