package api_test

import (
	"net/http"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"rss/access"
	"rss/fixtures"
)

// itRoleRow is one endpoint with what each role gets. setup runs first (as
// HRA, on the row's own database state) and returns the request to send.
type itRoleRow struct {
	name  string
	setup func(t *testing.T, e *env) req
	want  map[access.Role]int
}

func itAll(status int) map[access.Role]int {
	return map[access.Role]int{access.RoleProvider: status, access.RoleReviewer: status, access.RoleFinance: status, access.RoleAdmin: status}
}

func itOnly(status int, roles ...access.Role) map[access.Role]int {
	m := itAll(http.StatusForbidden)
	for _, r := range roles {
		m[r] = status
	}
	return m
}

func itGet(path func(e *env) string) func(t *testing.T, e *env) req {
	return func(t *testing.T, e *env) req { return req{Method: http.MethodGet, Path: path(e)} }
}

func itFixtureID(t *testing.T, e *env, q string, args ...any) int64 {
	t.Helper()
	var id int64
	require.NoError(t, e.db.GetContext(t.Context(), &id, q, args...))
	return id
}

func itRoleRows() []itRoleRow {
	rivera := func(e *env) int64 { return e.demo.Clients["Rivera"] }
	static := func(p string) func(e *env) string { return func(*env) string { return p } }
	return []itRoleRow{
		{name: "reason codes", setup: itGet(static("/v1/reason-codes")), want: itAll(200)},
		{name: "programs", setup: itGet(static("/v1/reference/programs")), want: itAll(200)},
		{name: "program", setup: itGet(static("/v1/reference/programs/ATR")), want: itAll(200)},
		{name: "services", setup: itGet(static("/v1/reference/services")), want: itAll(200)},
		{name: "service", setup: itGet(static("/v1/reference/services/ATR-CM")), want: itAll(200)},
		{name: "providers", setup: itGet(static("/v1/reference/providers")), want: itAll(200)},
		{name: "own provider", setup: itGet(func(e *env) string { return itPath("/v1/reference/providers/%d", e.demo.Providers["HRA"]) }),
			want: itAll(200)},
		{name: "own staff", setup: itGet(func(e *env) string { return itPath("/v1/reference/providers/%d/staff", e.demo.Providers["HRA"]) }),
			want: itAll(200)},
		{name: "catchment areas", setup: itGet(static("/v1/reference/catchment-areas")), want: itAll(200)},
		{name: "settings", setup: itGet(static("/v1/reference/settings")), want: itAll(200)},
		{name: "clients", setup: itGet(static("/v1/clients")), want: itAll(200)},
		{name: "client", setup: itGet(func(e *env) string { return itPath("/v1/clients/%d", rivera(e)) }), want: itAll(200)},
		{name: "client enrollments", setup: itGet(func(e *env) string { return itPath("/v1/clients/%d/enrollments", rivera(e)) }), want: itAll(200)},
		{name: "client consents", setup: itGet(func(e *env) string { return itPath("/v1/clients/%d/consents", rivera(e)) }), want: itAll(200)},
		{name: "client care plans", setup: itGet(func(e *env) string { return itPath("/v1/clients/%d/care-plans", rivera(e)) }), want: itAll(200)},
		{name: "client GPRA schedule", setup: itGet(func(e *env) string { return itPath("/v1/clients/%d/gpra-schedule", rivera(e)) }),
			want: itAll(200)},
		{name: "enrollment", setup: func(t *testing.T, e *env) req {
			id := itFixtureID(t, e, `SELECT id FROM enrollments WHERE client_id = $1`, rivera(e))
			return req{Method: http.MethodGet, Path: itPath("/v1/enrollments/%d", id)}
		}, want: itAll(200)},
		{name: "care plan", setup: func(t *testing.T, e *env) req {
			id := itFixtureID(t, e, `SELECT id FROM care_plans WHERE client_id = $1`, rivera(e))
			return req{Method: http.MethodGet, Path: itPath("/v1/care-plans/%d", id)}
		}, want: itAll(200)},
		{name: "voucher requests", setup: itGet(static("/v1/voucher-requests")), want: itAll(200)},
		{name: "voucher request", setup: func(t *testing.T, e *env) req {
			id := itFixtureID(t, e, `SELECT id FROM voucher_requests WHERE client_id = $1`, e.demo.Clients["Ramos"])
			return req{Method: http.MethodGet, Path: itPath("/v1/voucher-requests/%d", id)}
		}, want: itAll(200)},
		{name: "voucher replay", setup: func(t *testing.T, e *env) req {
			// A request decided through the API: the demo data's are stored
			// without a fact snapshot and have nothing to replay (409).
			id := itNum(t, itVoucher(t, e, keyHRA, e.demo.Clients["Rivera"], "ATR-CM", 10, 0, 29), "id")
			return req{Method: http.MethodGet, Path: itPath("/v1/voucher-requests/%d/replay", id)}
		}, want: itAll(200)},
		{name: "review queue", setup: itGet(static("/v1/review-queue")), want: itOnly(200, access.RoleReviewer, access.RoleAdmin)},
		{name: "authorizations", setup: itGet(static("/v1/authorizations")), want: itAll(200)},
		{name: "authorization", setup: func(t *testing.T, e *env) req {
			id := itFixtureID(t, e, `SELECT id FROM authorizations WHERE client_id = $1`, e.demo.Clients["Kim"])
			return req{Method: http.MethodGet, Path: itPath("/v1/authorizations/%d", id)}
		}, want: itAll(200)},
		{name: "GPRA follow-up report", setup: itGet(static("/v1/reports/gpra-follow-up")), want: itAll(200)},
		{name: "claims", setup: itGet(static("/v1/claims")), want: itAll(200)},

		{name: "create client", setup: func(t *testing.T, e *env) req {
			first, last := itPerson("Role")
			return req{Method: http.MethodPost, Path: "/v1/clients", Body: map[string]any{"first_name": first, "last_name": last,
				"date_of_birth": "1980-01-01", "catchment_area": "hartford"}}
		}, want: itOnly(201, access.RoleProvider)},
		{name: "create enrollment", setup: func(t *testing.T, e *env) req {
			c := itNewClient(t, e, keyHRA, "hartford")
			return req{Method: http.MethodPost, Path: "/v1/enrollments", Body: map[string]any{"client_id": c, "program_code": "ATR",
				"start_date": day(0)}}
		}, want: itOnly(201, access.RoleProvider)},
		{name: "discharge", setup: func(t *testing.T, e *env) req {
			a := itATRClient(t, e, day(-5))
			return req{Method: http.MethodPost, Path: itPath("/v1/enrollments/%d/discharge", a.Enrollment),
				Body: map[string]any{"discharge_date": day(0), "reason": "moved"}}
		}, want: itOnly(200, access.RoleProvider, access.RoleAdmin)},
		{name: "create consent", setup: func(t *testing.T, e *env) req {
			return req{Method: http.MethodPost, Path: "/v1/consents", Body: map[string]any{"client_id": rivera(e), "recipient_type": "payer",
				"recipient_name": "Medicaid", "payer_route": "medicaid_837p", "purposes": []string{"payment"}, "information": "claims", "signed_on": day(0), "expires_on": day(30)}}
		}, want: itOnly(201, access.RoleProvider)},
		{name: "revoke consent", setup: func(t *testing.T, e *env) req {
			a := itATRClient(t, e, day(-5))
			return req{Method: http.MethodPost, Path: itPath("/v1/consents/%d/revoke", a.Consent), Body: map[string]any{"reason": "asked"}}
		}, want: itOnly(200, access.RoleProvider, access.RoleAdmin)},
		{name: "record a consent's expiry event", setup: func(t *testing.T, e *env) req {
			r := e.post(keyHRA, "/v1/consents", map[string]any{"client_id": rivera(e), "recipient_type": "msc", "recipient_name": "MSC",
				"purposes": []string{"payment"}, "information": "claims of " + t.Name(), "signed_on": day(-3),
				"expiry_event": "end of treatment"})
			require.Equal(t, http.StatusCreated, r.Status, "%s", r.Body)
			return req{Method: http.MethodPost, Path: itPath("/v1/consents/%d/expire", itID(t, r)),
				Body: map[string]any{"expired_on": day(0), "reason": "treatment ended"}}
		}, want: itAll(200)},
		{name: "record GPRA interview", setup: func(t *testing.T, e *env) req {
			c := itNewClient(t, e, keyHRA, "hartford")
			r := e.post(keyHRA, "/v1/enrollments", map[string]any{"client_id": c, "program_code": "ATR", "start_date": day(-1)})
			require.Equal(t, http.StatusCreated, r.Status, "body: %s", r.Body)
			return req{Method: http.MethodPost, Path: "/v1/gpra-interviews", Body: map[string]any{"client_id": c, "kind": "intake",
				"instrument": "SUPRT-2025", "status": "completed", "interview_date": day(0)}}
		}, want: itOnly(201, access.RoleProvider)},
		{name: "create care plan", setup: func(t *testing.T, e *env) req {
			return req{Method: http.MethodPost, Path: "/v1/care-plans", Body: map[string]any{"client_id": rivera(e), "program_code": "ATR",
				"kind": "rss_care_plan", "start_date": day(0), "services": []map[string]any{{"service_code": "ATR-DT"}}}}
		}, want: itOnly(201, access.RoleProvider)},
		{name: "close care plan", setup: func(t *testing.T, e *env) req {
			id := itFixtureID(t, e, `SELECT id FROM care_plans WHERE client_id = $1`, rivera(e))
			return req{Method: http.MethodPost, Path: itPath("/v1/care-plans/%d/close", id)}
		}, want: itOnly(200, access.RoleProvider)},
		{name: "submit voucher request", setup: func(t *testing.T, e *env) req {
			return req{Method: http.MethodPost, Path: "/v1/voucher-requests", Body: map[string]any{"client_id": rivera(e),
				"service_code": "ATR-CM", "units": 10, "start_date": day(0), "end_date": day(29)}}
		}, want: itOnly(201, access.RoleProvider)},
		{name: "decide voucher request", setup: func(t *testing.T, e *env) req {
			v := itVoucher(t, e, keyHRA, e.demo.Clients["Johnson"], "ATR-CM", 10, 0, 29)
			require.Equal(t, "pended", v["decision"])
			return req{Method: http.MethodPost, Path: itPath("/v1/voucher-requests/%d/decision", itNum(t, v, "id")),
				Body: map[string]any{"action": "deny", "note": "role check"}}
		}, want: itOnly(200, access.RoleReviewer)},
		{name: "submit claim", setup: func(t *testing.T, e *env) req {
			return req{Method: http.MethodPost, Path: "/v1/claims", Body: map[string]any{"claim_number": "ROLE-1", "client_id": e.demo.Clients["Kim"],
				"rendering_staff_id": e.demo.Staff["Okafor"], "place_of_service": "11",
				"lines": []any{map[string]any{"service_code": "ATR-TR", "date_of_service": day(-1), "units": 1, "charge": "12.00"}}}}
		}, want: itOnly(201, access.RoleProvider)},
		{name: "create API key", setup: func(t *testing.T, e *env) req {
			return req{Method: http.MethodPost, Path: "/v1/api-keys", Body: map[string]any{"role": "finance", "label": "role check"}}
		}, want: itOnly(201, access.RoleAdmin)},
		{name: "revoke API key", setup: func(t *testing.T, e *env) req {
			r := e.post(keyAdmin, "/v1/api-keys", map[string]any{"role": "finance", "label": "to revoke"})
			require.Equal(t, http.StatusCreated, r.Status, "body: %s", r.Body)
			return req{Method: http.MethodPost, Path: itPath("/v1/api-keys/%d/revoke", itID(t, r))}
		}, want: itOnly(200, access.RoleAdmin)},
		{name: "patch service", setup: func(t *testing.T, e *env) req {
			return req{Method: http.MethodPatch, Path: "/v1/reference/services/ATR-DT", Body: map[string]any{"per_voucher_max": 7}}
		}, want: itOnly(200, access.RoleAdmin)},
		{name: "patch program", setup: func(t *testing.T, e *env) req {
			return req{Method: http.MethodPatch, Path: "/v1/reference/programs/RSVP", Body: map[string]any{"filing_limit_days": 120}}
		}, want: itOnly(200, access.RoleAdmin)},
		{name: "patch setting", setup: func(t *testing.T, e *env) req {
			return req{Method: http.MethodPatch, Path: "/v1/reference/settings/ra_min_age_years", Body: map[string]any{"value": 19}}
		}, want: itOnly(200, access.RoleAdmin)},
	}
}

// TestRoles sends every endpoint with each role's key: allowed roles get
// the success status, refused ones 403 forbidden and nothing written.
func TestRoles(t *testing.T) {
	t.Parallel()
	keys := map[access.Role]string{access.RoleProvider: keyHRA, access.RoleReviewer: keyReviewer,
		access.RoleFinance: keyFinance, access.RoleAdmin: keyAdmin}
	for _, role := range []access.Role{access.RoleProvider, access.RoleReviewer, access.RoleFinance, access.RoleAdmin} {
		t.Run(string(role), func(t *testing.T) {
			t.Parallel()
			e := newEnv(t)
			for _, row := range itRoleRows() {
				t.Run(row.name, func(t *testing.T) {
					want, ok := row.want[role]
					require.True(t, ok)
					rq := row.setup(t, e)
					rq.Key = keys[role]
					if want == http.StatusForbidden {
						itNothingWritten(t, e, func() {
							requireProblem(t, e.do(rq), http.StatusForbidden, "forbidden")
						})
						return
					}
					r := e.do(rq)
					assert.Equal(t, want, r.Status, "%s %s as %s: %s", rq.Method, rq.Path, role, r.Body)
				})
			}
		})
	}
}

func TestAuthentication(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	_, err := e.db.ExecContext(t.Context(), `UPDATE api_keys SET revoked_at = now() WHERE prefix = 'demolas01'`)
	require.NoError(t, err)
	revoked := fixtures.Key(access.RoleProvider, "LAS")
	// The right prefix with another secret.
	forged := strings.TrimSuffix(keyHRA, "demokey") + "forgedxx"
	cases := []struct {
		name      string
		header    string
		challenge string
	}{
		{name: "no Authorization header", header: "", challenge: `Bearer realm="rss"`},
		{name: "empty bearer", header: "Bearer ", challenge: `Bearer realm="rss"`},
		{name: "basic scheme", header: "Basic dXNlcjpwYXNz", challenge: `Bearer realm="rss"`},
		{name: "malformed key", header: "Bearer not-a-key", challenge: `Bearer realm="rss", error="invalid_token"`},
		{name: "unknown key", header: "Bearer rss_nosuchkey_abcdefghijklmnopqrstuvwxyz", challenge: `Bearer realm="rss", error="invalid_token"`},
		{name: "known prefix, wrong secret", header: "Bearer " + forged, challenge: `Bearer realm="rss", error="invalid_token"`},
		{name: "revoked key", header: "Bearer " + revoked, challenge: `Bearer realm="rss", error="invalid_token"`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			for _, rq := range []req{
				{Method: http.MethodGet, Path: "/v1/reason-codes"},
				{Method: http.MethodGet, Path: itPath("/v1/clients/%d", e.demo.Clients["Rivera"])},
				{Method: http.MethodPost, Path: "/v1/voucher-requests", Body: map[string]any{"client_id": e.demo.Clients["Rivera"],
					"service_code": "ATR-CM", "units": 10, "start_date": day(0), "end_date": day(9)}},
			} {
				rq.Header = map[string]string{"Authorization": tc.header}
				itNothingWritten(t, e, func() {
					r := e.do(rq)
					p := requireProblem(t, r, http.StatusUnauthorized, "unauthorized")
					assert.Equal(t, tc.challenge, r.Header.Get("WWW-Authenticate"))
					assert.NotContains(t, string(r.Body), "demokey", "the problem never echoes the key")
					assert.NotEmpty(t, p["request_id"])
				})
			}
		})
	}
	// The scheme name is case-insensitive (RFC 9110 §11.1).
	r := e.do(req{Method: http.MethodGet, Path: "/v1/reason-codes", Header: map[string]string{"Authorization": "bearer " + keyHRA}})
	assert.Equal(t, http.StatusOK, r.Status, "body: %s", r.Body)
}

// itSameNotFound checks that a 404 for a record the caller may not see is
// the 404 for an id that does not exist, but for the id itself.
func itSameNotFound(t *testing.T, hidden, missing resp, hiddenID, missingID int64) {
	t.Helper()
	h := requireProblem(t, hidden, http.StatusNotFound, "not_found")
	m := requireProblem(t, missing, http.StatusNotFound, "not_found")
	delete(h, "request_id")
	delete(m, "request_id")
	norm := func(p map[string]any, id int64) map[string]any {
		out := map[string]any{}
		for k, v := range p {
			if s, ok := v.(string); ok {
				v = regexp.MustCompile(`\b`+itStr(id)+`\b`).ReplaceAllString(s, "ID")
			}
			out[k] = v
		}
		return out
	}
	assert.Equal(t, norm(m, missingID), norm(h, hiddenID))
}

func TestOtherAgencyRecordsAreInvisible(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	rivera := e.demo.Clients["Rivera"]
	v := itVoucher(t, e, keyHRA, rivera, "ATR-CM", 40, 0, 59)
	require.Equal(t, "approved", v["decision"])
	reqID, authID := itNum(t, v, "id"), itNum(t, v, "authorization_id")
	enrID := itFixtureID(t, e, `SELECT id FROM enrollments WHERE client_id = $1`, rivera)
	planID := itFixtureID(t, e, `SELECT id FROM care_plans WHERE client_id = $1`, rivera)
	consentID := itFixtureID(t, e, `SELECT id FROM consents WHERE client_id = $1`, rivera)
	// Moreau is served by HRA and BCS without a consent between them:
	// HRA's enrollment of Moreau is not BCS's to see.
	moreauHRAEnr := itFixtureID(t, e, `SELECT id FROM enrollments WHERE client_id = $1 AND provider_id = $2`,
		e.demo.Clients["Moreau/HRA"], e.demo.Providers["HRA"])
	const missing = 987654

	gets := []struct {
		name string
		path string
		id   int64
	}{
		{name: "client", path: "/v1/clients/%d", id: rivera},
		{name: "client enrollments", path: "/v1/clients/%d/enrollments", id: rivera},
		{name: "client consents", path: "/v1/clients/%d/consents", id: rivera},
		{name: "client care plans", path: "/v1/clients/%d/care-plans", id: rivera},
		{name: "client GPRA schedule", path: "/v1/clients/%d/gpra-schedule", id: rivera},
		{name: "enrollment", path: "/v1/enrollments/%d", id: enrID},
		{name: "shared client's enrollment with another agency", path: "/v1/enrollments/%d", id: moreauHRAEnr},
		{name: "another agency's record of a shared client", path: "/v1/clients/%d", id: e.demo.Clients["Moreau/HRA"]},
		{name: "care plan", path: "/v1/care-plans/%d", id: planID},
		{name: "voucher request", path: "/v1/voucher-requests/%d", id: reqID},
		{name: "voucher replay", path: "/v1/voucher-requests/%d/replay", id: reqID},
		{name: "authorization", path: "/v1/authorizations/%d", id: authID},
	}
	for _, key := range []string{keyBCS, keyPWE} {
		for _, g := range gets {
			t.Run("GET "+g.name, func(t *testing.T) {
				itNothingWritten(t, e, func() {
					itSameNotFound(t, e.get(key, itPath(g.path, g.id)), e.get(key, itPath(g.path, missing)), g.id, missing)
				})
			})
		}
	}
	posts := []struct {
		name string
		path string
		id   int64
		body any
	}{
		{name: "discharge", path: "/v1/enrollments/%d/discharge", id: enrID, body: map[string]any{"discharge_date": day(0), "reason": "x"}},
		{name: "revoke consent", path: "/v1/consents/%d/revoke", id: consentID, body: map[string]any{"reason": "x"}},
		{name: "close care plan", path: "/v1/care-plans/%d/close", id: planID},
	}
	for _, p := range posts {
		t.Run("POST "+p.name, func(t *testing.T) {
			itNothingWritten(t, e, func() {
				itSameNotFound(t, e.post(keyBCS, itPath(p.path, p.id), p.body), e.post(keyBCS, itPath(p.path, missing), p.body), p.id, missing)
			})
		})
	}
	writes := []struct {
		name string
		path string
		body map[string]any
	}{
		{name: "voucher request", path: "/v1/voucher-requests", body: map[string]any{"client_id": rivera, "service_code": "ATR-CM", "units": 10,
			"start_date": day(0), "end_date": day(9)}},
		{name: "enrollment", path: "/v1/enrollments", body: map[string]any{"client_id": rivera, "program_code": "ATR", "start_date": day(0)}},
		{name: "consent", path: "/v1/consents", body: map[string]any{"client_id": rivera, "recipient_type": "msc", "recipient_name": "MSC",
			"purposes": []string{"payment"}, "information": "all", "signed_on": day(0), "expires_on": day(30)}},
		{name: "care plan", path: "/v1/care-plans", body: map[string]any{"client_id": rivera, "program_code": "ATR", "kind": "rss_care_plan",
			"start_date": day(0), "services": []map[string]any{{"service_code": "ATR-CM"}}}},
		{name: "GPRA interview", path: "/v1/gpra-interviews", body: map[string]any{"client_id": rivera, "kind": "intake",
			"instrument": "SUPRT-2025", "status": "completed", "interview_date": day(0)}},
	}
	for _, w := range writes {
		t.Run("POST "+w.name+" for another agency's client", func(t *testing.T) {
			itNothingWritten(t, e, func() {
				p := requireProblem(t, e.post(keyBCS, w.path, w.body), http.StatusUnprocessableEntity, "validation_failed")
				assert.Equal(t, "unknown_id", itFieldCode(p, "client_id"), "body: %v", p)
			})
		})
	}

	t.Run("lists never include them", func(t *testing.T) {
		for _, key := range []string{keyBCS, keyPWE} {
			pid := e.demo.Providers["BCS"]
			if key == keyPWE {
				pid = e.demo.Providers["PWE"]
			}
			for _, c := range itItems(t, e.get(key, "/v1/clients?limit=500")) {
				assert.NotEqual(t, float64(rivera), c["id"])
				assert.Equal(t, 1, e.count(`SELECT count(*) FROM clients WHERE id = $1 AND provider_id = $2`, int64(c["id"].(float64)), pid))
			}
			for _, path := range []string{"/v1/voucher-requests?limit=500", "/v1/authorizations?limit=500", "/v1/claims?limit=500"} {
				for _, it := range itItems(t, e.get(key, path)) {
					assert.Equal(t, float64(pid), it["provider_id"], path)
				}
			}
			assert.Empty(t, itItems(t, e.get(key, itPath("/v1/voucher-requests?client_id=%d", rivera))))
			assert.Empty(t, itItems(t, e.get(key, itPath("/v1/authorizations?client_id=%d", rivera))))
		}
		// Without a consent, BCS sees its own part of Moreau's care only.
		moreau := e.demo.Clients["Moreau/BCS"]
		for _, path := range []string{"/v1/clients/%d/enrollments", "/v1/clients/%d/care-plans"} {
			items := itItems(t, e.get(keyBCS, itPath(path, moreau)))
			require.NotEmpty(t, items, path)
			for _, it := range items {
				assert.Equal(t, float64(e.demo.Providers["BCS"]), it["provider_id"], path)
			}
		}
		for _, it := range itItems(t, e.get(keyBCS, itPath("/v1/clients/%d/consents", moreau))) {
			assert.Equal(t, float64(e.demo.Providers["BCS"]), it["disclosing_provider_id"])
		}
		assert.Empty(t, itItems(t, e.get(keyBCS, itPath("/v1/authorizations?client_id=%d", e.demo.Clients["Moreau/HRA"]))))
		sched := e.get(keyBCS, itPath("/v1/clients/%d/gpra-schedule", moreau)).JSON(t)["episodes"].([]any)
		require.Len(t, sched, 1)
		assert.Equal(t, float64(e.demo.Providers["BCS"]), sched[0].(map[string]any)["provider_id"])
		assert.NotContains(t, sched[0], "episode_id")
	})

	t.Run("reviewer and finance see across agencies", func(t *testing.T) {
		for _, key := range []string{keyReviewer, keyFinance, keyAdmin} {
			for _, g := range gets {
				r := e.get(key, itPath(g.path, g.id))
				assert.Equal(t, http.StatusOK, r.Status, "%s: %s", g.name, r.Body)
			}
			providers := map[float64]bool{}
			for _, it := range itItems(t, e.get(key, "/v1/authorizations?limit=500")) {
				providers[it["provider_id"].(float64)] = true
			}
			assert.True(t, providers[float64(e.demo.Providers["HRA"])])
			ids := map[float64]bool{}
			for _, it := range itItems(t, e.get(key, "/v1/clients?limit=500")) {
				ids[it["id"].(float64)] = true
			}
			assert.True(t, ids[float64(rivera)])
			assert.True(t, ids[float64(e.demo.Clients["Reyes"])], "a BCS-only client")
			assert.True(t, ids[float64(e.demo.Clients["Foster"])], "a PWE-only client")
		}
	})
}
