package api_test

import (
	"net/http"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// otherAgencyTraces are the strings a BCS answer about Moreau must not
// hold: HRA's provider id and the number of HRA's transport authorization.
func otherAgencyTraces(t *testing.T, e *env) []string {
	t.Helper()
	var number string
	require.NoError(t, e.db.Get(&number, `SELECT number FROM authorizations WHERE client_id = $1 AND service_code = 'ATR-TR'`,
		e.demo.Clients["Moreau/HRA"]))
	return []string{number, "provider " + strconv.FormatInt(e.demo.Providers["HRA"], 10)}
}

// A duplicate-service pend tells the provider what the MSC will review,
// never whose authorization it found: without a consent naming BCS, the
// reasons, the trace, the list and the replay all withhold HRA's number and id.
func TestPendedReasonWithholdsAnotherAgencysAuthorization(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	moreau := e.demo.Clients["Moreau/BCS"]
	v := itVoucher(t, e, keyBCS, moreau, "ATR-TR", 10, 0, 29)
	require.Equal(t, "pended", v["decision"], "%v", v["reason_codes"])
	assert.Contains(t, v["reason_codes"], "DUPLICATE_SERVICE_OTHER_PROVIDER")
	id := itNum(t, v, "id")
	traces := otherAgencyTraces(t, e)

	answers := map[string]resp{
		"get":     e.get(keyBCS, itPath("/v1/voucher-requests/%d", id)),
		"list":    e.get(keyBCS, itPath("/v1/voucher-requests?client_id=%d", moreau)),
		"replay":  e.get(keyBCS, itPath("/v1/voucher-requests/%d/replay", id)),
		"pending": e.get(keyBCS, "/v1/voucher-requests?status=pended&limit=500"),
	}
	for name, r := range answers {
		require.Equal(t, http.StatusOK, r.Status, "%s: %s", name, r.Body)
		for _, s := range traces {
			assert.NotContains(t, string(r.Body), s, "%s answer quotes HRA's records", name)
		}
	}
	for _, r := range v["reasons"].([]any) {
		reason := r.(map[string]any)
		if reason["code"] == "DUPLICATE_SERVICE_OTHER_PROVIDER" {
			assert.True(t, strings.HasPrefix(reason["detail"].(string), "withheld"), "%v", reason)
			assert.NotContains(t, reason, "source_provider_id")
		}
	}
	for _, s := range traces {
		assert.NotContains(t, itMustJSON(v), s, "the submit answer quotes HRA's records")
	}

	// The reviewer, deciding, sees everything.
	r := e.get(keyReviewer, itPath("/v1/voucher-requests/%d", id))
	require.Equal(t, http.StatusOK, r.Status)
	for _, s := range traces {
		assert.Contains(t, string(r.Body), s)
	}
}

// Under Kim's consent naming BCS, HRA's authorization is BCS's to see.
func TestPendedReasonShowsAnotherAgencyUnderConsent(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	v := itVoucher(t, e, keyBCS, e.demo.Clients["Kim/BCS"], "ATR-TR", 10, 0, 29)
	require.Equal(t, "pended", v["decision"], "%v", v["reason_codes"])
	var number string
	require.NoError(t, e.db.Get(&number, `SELECT number FROM authorizations WHERE client_id = $1 AND service_code = 'ATR-TR'`,
		e.demo.Clients["Kim/HRA"]))
	assert.Contains(t, itMustJSON(v), number)

	// The consent revoked, the detail is withheld again at once.
	consent := itFixtureID(t, e, `SELECT id FROM consents WHERE client_id = $1 AND recipient_provider_id = $2`,
		e.demo.Clients["Kim/HRA"], e.demo.Providers["BCS"])
	r := e.post(keyHRA, itPath("/v1/consents/%d/revoke", consent), map[string]any{"reason": "client withdrew it"})
	require.Equal(t, http.StatusOK, r.Status, "body: %s", r.Body)
	r = e.get(keyBCS, itPath("/v1/voucher-requests/%d", itNum(t, v, "id")))
	require.Equal(t, http.StatusOK, r.Status)
	assert.NotContains(t, string(r.Body), number)
}

// The GPRA schedule shows a provider its own part of the episode only, or
// another agency's under that agency's consent; never the episode id.
func TestGPRAScheduleShowsOnlyWhatConsentAllows(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	hra, bcs := float64(e.demo.Providers["HRA"]), float64(e.demo.Providers["BCS"])
	parts := func(key string, client int64) map[float64]map[string]any {
		r := e.get(key, itPath("/v1/clients/%d/gpra-schedule", client))
		require.Equal(t, http.StatusOK, r.Status, "body: %s", r.Body)
		out := map[float64]map[string]any{}
		for _, x := range r.JSON(t)["episodes"].([]any) {
			ep := x.(map[string]any)
			out[ep["provider_id"].(float64)] = ep
		}
		return out
	}

	moreau := parts(keyBCS, e.demo.Clients["Moreau/BCS"])
	require.Len(t, moreau, 1, "no consent: BCS sees its own part only")
	require.Contains(t, moreau, bcs)
	assert.NotContains(t, moreau[bcs], "episode_id")
	assert.NotContains(t, itMustJSON(moreau[bcs]), "episode_id")

	kim := parts(keyBCS, e.demo.Clients["Kim/BCS"])
	assert.Contains(t, kim, hra, "Kim's consent lets HRA share her GPRA with BCS")
	assert.Contains(t, kim, bcs)
	assert.NotContains(t, itMustJSON(kim[hra]), "episode_id")
	assert.NotContains(t, itMustJSON(kim[bcs]), "episode_id")
	assert.Positive(t, itAudit(e, "disclose", "gpra_interview", ""), "showing HRA's interviews to BCS is a recorded disclosure")

	// HRA sees nothing of BCS's part of Moreau; the MSC sees both, with the episode.
	assert.Len(t, parts(keyHRA, e.demo.Clients["Moreau/HRA"]), 1)
	msc := parts(keyReviewer, e.demo.Clients["Moreau/HRA"])
	require.Len(t, msc, 2)
	assert.Equal(t, msc[hra]["episode_id"], msc[bcs]["episode_id"], "one episode, two agencies' parts")
}

// Every disclosure of a client's record is recorded per client, so an
// admin can answer "to whom was this disclosed" for the person.
func TestDisclosuresAreAccountedPerClient(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	kimHRA, kimBCS := e.demo.Clients["Kim/HRA"], e.demo.Clients["Kim/BCS"]
	path := itPath("/v1/clients/%d/disclosures", kimHRA)
	assert.Empty(t, itItems(t, e.get(keyAdmin, path)))

	// BCS reads Kim's enrollments: HRA's are shown under Kim's consent.
	r := e.do(req{Method: http.MethodGet, Path: itPath("/v1/clients/%d/enrollments", kimBCS), Key: keyBCS,
		Header: map[string]string{"X-Purpose-Of-Use": "care_coordination"}})
	require.Equal(t, http.StatusOK, r.Status, "body: %s", r.Body)
	providers := map[float64]bool{}
	for _, it := range itItems(t, r) {
		providers[it["provider_id"].(float64)] = true
	}
	require.True(t, providers[float64(e.demo.Providers["HRA"])], "Kim's consent shows HRA's enrollment to BCS")

	items := itItems(t, e.get(keyAdmin, path))
	require.Len(t, items, 1)
	d := items[0]
	assert.Equal(t, "provider:"+strconv.FormatInt(e.demo.Providers["BCS"], 10), d["recipient"])
	assert.Equal(t, float64(kimHRA), d["client_id"])
	assert.Equal(t, "enrollments", d["entity_type"])
	assert.Equal(t, "care_coordination", d["purpose"])
	// Asked from any record of the person, the answer is the same.
	assert.Equal(t, items, itItems(t, e.get(keyAdmin, itPath("/v1/clients/%d/disclosures", kimBCS))))
	// BCS reading its own records discloses nothing.
	itItems(t, e.get(keyBCS, itPath("/v1/clients/%d/enrollments", e.demo.Clients["Reyes"])))
	assert.Empty(t, itItems(t, e.get(keyAdmin, itPath("/v1/clients/%d/disclosures", e.demo.Clients["Reyes"]))))

	for _, key := range []string{keyHRA, keyBCS, keyReviewer, keyFinance} {
		requireProblem(t, e.get(key, path), http.StatusForbidden, "forbidden")
	}
	requireProblem(t, e.get(keyAdmin, "/v1/clients/987654/disclosures"), http.StatusNotFound, "not_found")
}

// Reads carry a purpose of use: the role's own, or one the caller states.
func TestReadsRecordTheirPurpose(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	rivera := e.demo.Clients["Rivera"]
	purpose := func(key string, header map[string]string) string {
		t.Helper()
		r := e.do(req{Method: http.MethodGet, Path: itPath("/v1/clients/%d", rivera), Key: key, Header: header})
		require.Equal(t, http.StatusOK, r.Status, "body: %s", r.Body)
		var p string
		require.NoError(t, e.db.Get(&p, `SELECT purpose FROM audit_events WHERE request_id = $1 AND action = 'read'`,
			r.Header.Get("X-Request-Id")))
		return p
	}
	assert.Equal(t, "treatment", purpose(keyHRA, nil))
	assert.Equal(t, "payment", purpose(keyReviewer, nil))
	assert.Equal(t, "payment", purpose(keyFinance, nil))
	assert.Equal(t, "operations", purpose(keyAdmin, nil))
	assert.Equal(t, "care_coordination", purpose(keyHRA, map[string]string{"X-Purpose-Of-Use": "care_coordination"}))
	itNothingWritten(t, e, func() {
		r := e.do(req{Method: http.MethodGet, Path: itPath("/v1/clients/%d", rivera), Key: keyHRA,
			Header: map[string]string{"X-Purpose-Of-Use": "marketing"}})
		requireProblem(t, r, http.StatusBadRequest, "invalid_purpose")
	})
}
