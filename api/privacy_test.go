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
