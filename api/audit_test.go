package api_test

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"net/http"
	"strings"
	"testing"

	"github.com/lib/pq"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// itEvent is one audit_events row.
type itEvent struct {
	Action     string  `db:"action"`
	EntityType string  `db:"entity_type"`
	EntityID   string  `db:"entity_id"`
	ClientID   *int64  `db:"client_id"`
	ActorRole  string  `db:"actor_role"`
	ActorKeyID *int64  `db:"actor_key_id"`
	ActorProv  *int64  `db:"actor_provider_id"`
	Purpose    *string `db:"purpose"`
	Outcome    *string `db:"outcome"`
	RequestID  *string `db:"request_id"`
}

func itEventsAfter(t *testing.T, e *env, after int64) []itEvent {
	t.Helper()
	var out []itEvent
	require.NoError(t, e.db.SelectContext(t.Context(), &out, `SELECT action, entity_type, entity_id, client_id, actor_role, actor_key_id,
		actor_provider_id, purpose, outcome, request_id FROM audit_events WHERE id > $1 ORDER BY id`, after))
	return out
}

func itLastEvent(t *testing.T, e *env) int64 {
	t.Helper()
	var id int64
	require.NoError(t, e.db.GetContext(t.Context(), &id, `SELECT COALESCE(max(id), 0) FROM audit_events`))
	return id
}

// Every write leaves exactly one audit event of its own action and entity,
// naming the client, the actor and the request (after one for each record
// it changes with it: a discharge ends the enrollment's authorizations).
func TestAuditEveryWrite(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	a := itATRClient(t, e, day(-200))
	pended := itVoucher(t, e, keyHRA, e.demo.Clients["Johnson"], "ATR-CM", 40, 0, 59)
	keyResp := e.post(keyAdmin, "/v1/api-keys", map[string]any{"role": "finance", "label": "audit"})
	require.Equal(t, http.StatusCreated, keyResp.Status)
	kim := e.demo.Clients["Kim"]
	claim := func(number string, dayN int) map[string]any {
		return map[string]any{"claim_number": number, "client_id": kim, "rendering_staff_id": e.demo.Staff["Okafor"], "place_of_service": "11",
			"lines": []any{map[string]any{"service_code": "ATR-TR", "date_of_service": day(dayN), "units": 1, "charge": "12.00"}}}
	}
	toVoid := e.post(keyHRA, "/v1/claims", claim("AUD-0", -3))
	require.Equal(t, http.StatusCreated, toVoid.Status, "body: %s", toVoid.Body)

	cases := []struct {
		name    string
		key     string
		method  string
		path    string
		body    any
		action  string
		entity  string
		client  int64 // 0: the event names no client
		hasID   bool  // the event's entity id is the response's id
		entID   string
		purpose string // the purpose of use ("why"), whatever the event decided
		outcome string
		cascade []string // "action entity" of the events recorded first, for the records changed with it
	}{
		{name: "create client", key: keyHRA, path: "/v1/clients", body: map[string]any{"first_name": "Audit", "last_name": "Itwriter",
			"date_of_birth": "1979-09-09", "catchment_area": "meriden"}, action: "create", entity: "client", hasID: true, purpose: "treatment", outcome: "registration"},
		{name: "register a person another agency serves", key: keyBCS, path: "/v1/clients", body: map[string]any{"first_name": "Audit", "last_name": "Itwriter",
			"date_of_birth": "1979-09-09", "catchment_area": "meriden"}, action: "create", entity: "client", hasID: true, purpose: "treatment", outcome: "registration"},
		{name: "create enrollment", key: keyHRA, path: "/v1/enrollments", body: map[string]any{"client_id": a.Client, "program_code": "EMP",
			"start_date": day(0)}, action: "create", entity: "enrollment", client: a.Client, hasID: true},
		{name: "create consent", key: keyHRA, path: "/v1/consents", body: map[string]any{"client_id": a.Client, "recipient_type": "payer",
			"recipient_name": "Medicaid", "payer_route": "medicaid_837p", "purposes": []string{"payment"}, "information": "claims", "signed_on": day(0), "expires_on": day(30)},
			action: "create", entity: "consent", client: a.Client, hasID: true},
		{name: "record GPRA", key: keyHRA, path: "/v1/gpra-interviews", body: map[string]any{"client_id": a.Client, "kind": "follow_up",
			"instrument": "SUPRT-2025", "status": "completed", "interview_date": day(0)}, action: "create", entity: "gpra_interview", client: a.Client, hasID: true},
		{name: "create care plan", key: keyHRA, path: "/v1/care-plans", body: map[string]any{"client_id": a.Client, "program_code": "ATR",
			"kind": "rss_care_plan", "start_date": day(0), "services": []map[string]any{{"service_code": "ATR-DT"}}},
			action: "create", entity: "care_plan", client: a.Client, hasID: true},
		{name: "submit voucher request", key: keyHRA, path: "/v1/voucher-requests", body: map[string]any{"client_id": a.Client,
			"service_code": "ATR-CM", "units": 10, "start_date": day(0), "end_date": day(29)}, action: "create", entity: "voucher_request",
			client: a.Client, hasID: true, purpose: "treatment", outcome: "approved"},
		{name: "decide", key: keyReviewer, path: itPath("/v1/voucher-requests/%d/decision", itNum(t, pended, "id")),
			body: map[string]any{"action": "deny", "note": "audit"}, action: "decide", entity: "voucher_request",
			client: e.demo.Clients["Johnson"], hasID: true, purpose: "payment", outcome: "deny"},
		{name: "close care plan", key: keyHRA, path: itPath("/v1/care-plans/%d/close", a.CarePlan), action: "close", entity: "care_plan",
			client: a.Client, entID: itStr(a.CarePlan)},
		{name: "revoke consent", key: keyHRA, path: itPath("/v1/consents/%d/revoke", a.Consent), body: map[string]any{"reason": "asked"},
			action: "revoke", entity: "consent", client: a.Client, entID: itStr(a.Consent)},
		{name: "discharge", key: keyHRA, path: itPath("/v1/enrollments/%d/discharge", a.Enrollment),
			body: map[string]any{"discharge_date": day(0), "reason": "done"}, action: "discharge", entity: "enrollment", client: a.Client,
			entID: itStr(a.Enrollment), cascade: []string{"end authorization"}},
		{name: "submit claim", key: keyHRA, path: "/v1/claims", body: claim("AUD-1", -1), action: "create", entity: "claim",
			client: kim, hasID: true, purpose: "treatment", outcome: "paid"},
		{name: "submit claims in bulk", key: keyHRA, path: "/v1/claims/bulk", body: map[string]any{"claims": []any{claim("AUD-2", -2)}},
			action: "create", entity: "claim", client: kim},
		{name: "void claim", key: keyHRA, path: itPath("/v1/claims/%d/void", itID(t, toVoid)), body: map[string]any{"claim_number": "AUD-0-V"},
			action: "void", entity: "claim", client: kim, hasID: true, cascade: []string{"void claim"}},
		{name: "void authorization", key: keyReviewer, path: itPath("/v1/authorizations/%d/void", itFixtureAuth(t, e, "Kim", "ATR-TR")),
			body: map[string]any{"reason": "audit"}, action: "void", entity: "authorization", client: kim, hasID: true},
		{name: "create API key", key: keyAdmin, path: "/v1/api-keys", body: map[string]any{"role": "reviewer", "label": "audit"},
			action: "create", entity: "api_key", hasID: true},
		{name: "revoke API key", key: keyAdmin, path: itPath("/v1/api-keys/%d/revoke", itID(t, keyResp)), body: map[string]any{"reason": " staff member left "},
			action: "revoke", entity: "api_key", entID: itStr(itID(t, keyResp)), outcome: "staff member left"},
		{name: "patch service", key: keyAdmin, method: http.MethodPatch, path: "/v1/reference/services/ATR-LS", body: map[string]any{"per_voucher_max": 40},
			action: "update", entity: "service", entID: "ATR-LS", purpose: "operations", outcome: "reference_data"},
		{name: "create provider", key: keyAdmin, path: "/v1/reference/providers", body: newProviderBody("AUDP", goodNPI),
			action: "create", entity: "provider", hasID: true, purpose: "operations", outcome: "reference_data"},
		{name: "patch provider", key: keyAdmin, method: http.MethodPatch, path: itPath("/v1/reference/providers/%d", e.demo.Providers["LAS"]),
			body: map[string]any{"contact_name": "Lee Park"}, action: "update", entity: "provider", entID: itStr(e.demo.Providers["LAS"]), purpose: "operations", outcome: "reference_data"},
		{name: "renew agreement", key: keyAdmin, path: itPath("/v1/reference/providers/%d/agreements", e.demo.Providers["LAS"]),
			body: map[string]any{"start_date": day(-29)}, action: "create", entity: "provider_agreement", hasID: true, purpose: "operations", outcome: "reference_data"},
		{name: "end agreement", key: keyAdmin, method: http.MethodPatch, path: itPath("/v1/reference/providers/%d/agreements/%d",
			e.demo.Providers["LAS"], e.count(`SELECT min(id) FROM provider_agreements WHERE provider_id = $1`, e.demo.Providers["LAS"])),
			body: map[string]any{"note": "audited"}, action: "update", entity: "provider_agreement",
			entID: itStr(int64(e.count(`SELECT min(id) FROM provider_agreements WHERE provider_id = $1`, e.demo.Providers["LAS"]))), purpose: "operations", outcome: "reference_data"},
		{name: "deactivate provider", key: keyAdmin, path: itPath("/v1/reference/providers/%d/deactivate", e.demo.Providers["LAS"]),
			body: map[string]any{"reason": "audit"}, action: "deactivate", entity: "provider", entID: itStr(e.demo.Providers["LAS"]), purpose: "operations", outcome: "reference_data"},
		{name: "reactivate provider", key: keyAdmin, path: itPath("/v1/reference/providers/%d/reactivate", e.demo.Providers["LAS"]),
			body: map[string]any{"reason": "reinstated on appeal"}, action: "reactivate", entity: "provider", entID: itStr(e.demo.Providers["LAS"]),
			purpose: "operations", outcome: "deactivated from " + day(0) + ": audit; reactivated: reinstated on appeal"},
		{name: "create program", key: keyAdmin, path: "/v1/reference/programs", body: newProgramBody("AUDP"),
			action: "create", entity: "program", entID: "AUDP", purpose: "operations", outcome: "reference_data"},
		{name: "create service", key: keyAdmin, path: "/v1/reference/services", body: newServiceBody("AUDP-X", "AUDP"),
			action: "create", entity: "service", entID: "AUDP-X", purpose: "operations", outcome: "reference_data"},
		{name: "add rate", key: keyAdmin, path: "/v1/reference/services/AUDP-X/rates", body: map[string]any{"rate": "41.00",
			"effective_from": day(30), "reason": "audit"}, action: "create", entity: "service_rate", hasID: true, purpose: "operations", outcome: "reference_data"},
		{name: "create catchment area", key: keyAdmin, path: "/v1/reference/catchment-areas", body: map[string]any{"code": "danbury", "name": "Danbury"},
			action: "create", entity: "catchment_area", entID: "danbury", purpose: "operations", outcome: "reference_data"},
		{name: "patch catchment area", key: keyAdmin, method: http.MethodPatch, path: "/v1/reference/catchment-areas/danbury",
			body: map[string]any{"programs": []string{"EMP"}}, action: "update", entity: "catchment_area", entID: "danbury", purpose: "operations", outcome: "reference_data"},
		{name: "patch program", key: keyAdmin, method: http.MethodPatch, path: "/v1/reference/programs/EMP", body: map[string]any{"filing_limit_days": 100},
			action: "update", entity: "program", entID: "EMP", purpose: "operations", outcome: "reference_data"},
		{name: "patch setting", key: keyAdmin, method: http.MethodPatch, path: "/v1/reference/settings/minor_age_years", body: map[string]any{"value": 17},
			action: "update", entity: "setting", entID: "minor_age_years", purpose: "operations", outcome: "reference_data"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			method := tc.method
			if method == "" {
				method = http.MethodPost
			}
			last := itLastEvent(t, e)
			r := e.do(req{Method: method, Path: tc.path, Key: tc.key, Body: tc.body})
			require.Less(t, r.Status, 300, "body: %s", r.Body)
			events := itEventsAfter(t, e, last)
			require.Len(t, events, 1+len(tc.cascade), "one write, one audit event: %+v", events)
			for i, c := range tc.cascade {
				assert.Equal(t, c, events[i].Action+" "+events[i].EntityType)
				assert.Equal(t, events[len(events)-1].RequestID, events[i].RequestID)
			}
			ev := events[len(events)-1]
			assert.Equal(t, tc.action, ev.Action)
			assert.Equal(t, tc.entity, ev.EntityType)
			want := tc.entID
			if tc.hasID {
				want = itStr(itID(t, r))
			}
			if want != "" {
				assert.Equal(t, want, ev.EntityID)
			} else {
				assert.NotEmpty(t, ev.EntityID)
			}
			if tc.client == 0 && tc.entity == "client" {
				tc.client = itID(t, r)
			}
			if tc.client == 0 {
				assert.Nil(t, ev.ClientID)
			} else if assert.NotNil(t, ev.ClientID) {
				assert.Equal(t, tc.client, *ev.ClientID)
			}
			if tc.purpose != "" && assert.NotNil(t, ev.Purpose) {
				assert.Equal(t, tc.purpose, *ev.Purpose)
			}
			if tc.outcome != "" && assert.NotNil(t, ev.Outcome) {
				assert.Equal(t, tc.outcome, *ev.Outcome)
			}
			assert.NotNil(t, ev.ActorKeyID)
			if assert.NotNil(t, ev.RequestID) {
				assert.Equal(t, r.Header.Get("X-Request-Id"), *ev.RequestID)
			}
			switch tc.key {
			case keyHRA, keyBCS:
				assert.Equal(t, "provider", ev.ActorRole)
				assert.NotNil(t, ev.ActorProv)
			case keyReviewer:
				assert.Equal(t, "reviewer", ev.ActorRole)
			case keyAdmin:
				assert.Equal(t, "admin", ev.ActorRole)
				assert.Nil(t, ev.ActorProv)
			}
		})
	}
}

// Every read of a client's record leaves read events naming the client.
func TestAuditClientReads(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	rivera := e.demo.Clients["Rivera"]
	v := itVoucher(t, e, keyHRA, rivera, "ATR-CM", 40, 0, 59)
	enr := itFixtureID(t, e, `SELECT id FROM enrollments WHERE client_id = $1`, rivera)
	plan := itFixtureID(t, e, `SELECT id FROM care_plans WHERE client_id = $1`, rivera)
	kim := e.demo.Clients["Kim"]
	cr := e.post(keyHRA, "/v1/claims", map[string]any{"claim_number": "AUD-R", "client_id": kim, "rendering_staff_id": e.demo.Staff["Okafor"],
		"place_of_service": "11", "lines": []any{map[string]any{"service_code": "ATR-TR", "date_of_service": day(-1), "units": 1, "charge": "12.00"}}})
	require.Equal(t, http.StatusCreated, cr.Status, "body: %s", cr.Body)
	claimID := itID(t, cr)
	cases := []struct {
		name   string
		key    string
		path   string
		entity string
		client int64 // rivera unless set
	}{
		{name: "client", key: keyHRA, path: itPath("/v1/clients/%d", rivera), entity: "client"},
		{name: "client as finance", key: keyFinance, path: itPath("/v1/clients/%d", rivera), entity: "client"},
		{name: "client enrollments", key: keyHRA, path: itPath("/v1/clients/%d/enrollments", rivera), entity: "enrollments"},
		{name: "client consents", key: keyHRA, path: itPath("/v1/clients/%d/consents", rivera), entity: "consents"},
		{name: "client care plans", key: keyHRA, path: itPath("/v1/clients/%d/care-plans", rivera), entity: "care_plans"},
		{name: "GPRA schedule", key: keyHRA, path: itPath("/v1/clients/%d/gpra-schedule", rivera), entity: "gpra_schedule"},
		{name: "enrollment", key: keyHRA, path: itPath("/v1/enrollments/%d", enr), entity: "enrollment"},
		{name: "care plan", key: keyReviewer, path: itPath("/v1/care-plans/%d", plan), entity: "care_plan"},
		{name: "voucher request", key: keyHRA, path: itPath("/v1/voucher-requests/%d", itNum(t, v, "id")), entity: "voucher_request"},
		{name: "voucher replay", key: keyReviewer, path: itPath("/v1/voucher-requests/%d/replay", itNum(t, v, "id")), entity: "voucher_request"},
		{name: "authorization", key: keyHRA, path: itPath("/v1/authorizations/%d", itNum(t, v, "authorization_id")), entity: "authorization"},
		{name: "claim", key: keyHRA, path: itPath("/v1/claims/%d", claimID), entity: "claim", client: kim},
		{name: "claim remittance", key: keyFinance, path: itPath("/v1/claims/%d/remittance", claimID), entity: "claim", client: kim},
		{name: "voucher list by client", key: keyHRA, path: itPath("/v1/voucher-requests?client_id=%d", rivera), entity: "voucher_request"},
		{name: "authorization list by client", key: keyFinance, path: itPath("/v1/authorizations?client_id=%d", rivera), entity: "authorization"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			last := itLastEvent(t, e)
			r := e.get(tc.key, tc.path)
			require.Equal(t, http.StatusOK, r.Status, "body: %s", r.Body)
			events := itEventsAfter(t, e, last)
			require.NotEmpty(t, events, "a read of a client's record is audited")
			for _, ev := range events {
				assert.Equal(t, "read", ev.Action)
				assert.Equal(t, tc.entity, ev.EntityType)
				client := rivera
				if tc.client != 0 {
					client = tc.client
				}
				if assert.NotNil(t, ev.ClientID) {
					assert.Equal(t, client, *ev.ClientID)
				}
				if assert.NotNil(t, ev.RequestID) {
					assert.Equal(t, r.Header.Get("X-Request-Id"), *ev.RequestID)
				}
			}
		})
	}

	// Lists record one read per record shown, each with its client.
	lists := []struct {
		name string
		key  string
		path string
	}{
		{name: "clients", key: keyHRA, path: "/v1/clients?limit=5"},
		{name: "voucher requests", key: keyReviewer, path: "/v1/voucher-requests?limit=5"},
		{name: "authorizations", key: keyHRA, path: "/v1/authorizations?limit=5"},
		{name: "review queue", key: keyReviewer, path: "/v1/review-queue"},
		{name: "claims", key: keyFinance, path: "/v1/claims"},
	}
	for _, tc := range lists {
		t.Run("list "+tc.name, func(t *testing.T) {
			last := itLastEvent(t, e)
			items := itItems(t, e.get(tc.key, tc.path))
			events := itEventsAfter(t, e, last)
			require.Len(t, events, len(items))
			for i, it := range items {
				assert.Equal(t, "read", events[i].Action)
				assert.Equal(t, itStr(itNum(t, it, "id")), events[i].EntityID)
				var client int64
				if tc.name == "clients" {
					client = itNum(t, it, "id")
				} else {
					client = itNum(t, it, "client_id")
				}
				if assert.NotNil(t, events[i].ClientID) {
					assert.Equal(t, client, *events[i].ClientID)
				}
			}
		})
	}

	// Reference data is not a client record and leaves no trace.
	t.Run("reference reads", func(t *testing.T) {
		last := itLastEvent(t, e)
		for _, p := range []string{"/v1/reason-codes", "/v1/reference/programs", "/v1/reference/services/ATR-CM", "/v1/reference/settings"} {
			require.Equal(t, http.StatusOK, e.get(keyHRA, p).Status)
		}
		assert.Empty(t, itEventsAfter(t, e, last))
	})
}

// The audit event is written in the same transaction as the change or the
// read it records: when it cannot be written, nothing is, and the caller
// gets an error rather than unaudited data.
func TestAuditSameTransaction(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name  string
		check string // refuses some audit rows
		do    func(t *testing.T, e *env) resp
	}{
		{name: "voucher request", check: `entity_type <> 'voucher_request'`, do: func(t *testing.T, e *env) resp {
			return e.post(keyHRA, "/v1/voucher-requests", map[string]any{"client_id": e.demo.Clients["Rivera"], "service_code": "ATR-CM",
				"units": 40, "start_date": day(0), "end_date": day(59)})
		}},
		{name: "consent", check: `entity_type <> 'consent'`, do: func(t *testing.T, e *env) resp {
			return e.post(keyHRA, "/v1/consents", map[string]any{"client_id": e.demo.Clients["Rivera"], "recipient_type": "msc",
				"recipient_name": "MSC", "purposes": []string{"payment"}, "information": "all", "signed_on": day(0), "expires_on": day(30)})
		}},
		{name: "reviewer decision", check: `action <> 'decide'`, do: func(t *testing.T, e *env) resp {
			id := itFixtureID(t, e, `SELECT id FROM voucher_requests WHERE client_id = $1`, e.demo.Clients["Ramos"])
			return e.post(keyReviewer, itPath("/v1/voucher-requests/%d/decision", id), map[string]any{"action": "approve", "note": "x"})
		}},
		{name: "service rate", check: `entity_type <> 'service_rate'`, do: func(t *testing.T, e *env) resp {
			return e.post(keyAdmin, "/v1/reference/services/ATR-CM/rates", map[string]any{"rate": "99.00", "effective_from": day(1), "reason": "x"})
		}},
		{name: "service patch", check: `entity_type <> 'service'`, do: func(t *testing.T, e *env) resp {
			return e.do(req{Method: http.MethodPatch, Path: "/v1/reference/services/ATR-CM", Key: keyAdmin, Body: map[string]any{"per_voucher_max": 90}})
		}},
		{name: "provider agreement", check: `entity_type <> 'provider_agreement'`, do: func(t *testing.T, e *env) resp {
			return e.post(keyAdmin, itPath("/v1/reference/providers/%d/agreements", e.demo.Providers["LAS"]), map[string]any{"start_date": day(-29)})
		}},
		{name: "provider", check: `entity_type <> 'provider'`, do: func(t *testing.T, e *env) resp {
			return e.post(keyAdmin, "/v1/reference/providers", newProviderBody("AUDP", goodNPI))
		}},
		{name: "program", check: `entity_type <> 'program'`, do: func(t *testing.T, e *env) resp {
			return e.post(keyAdmin, "/v1/reference/programs", newProgramBody("AUDP"))
		}},
		{name: "client read", check: `action <> 'read'`, do: func(t *testing.T, e *env) resp {
			return e.get(keyHRA, itPath("/v1/clients/%d", e.demo.Clients["Rivera"]))
		}},
		{name: "client list", check: `action <> 'read'`, do: func(t *testing.T, e *env) resp {
			return e.get(keyHRA, "/v1/clients")
		}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			e := newEnv(t)
			_, err := e.db.ExecContext(t.Context(), `ALTER TABLE audit_events ADD CONSTRAINT it_refuse CHECK (`+tc.check+`) NOT VALID`)
			require.NoError(t, err)
			itNothingWritten(t, e, func() {
				r := tc.do(t, e)
				p := requireProblem(t, r, http.StatusInternalServerError, "internal_error")
				assert.Equal(t, "internal error", p["detail"], "internals are not shown")
			})
		})
	}
}

func TestAuditAppendOnly(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	require.Equal(t, http.StatusOK, e.get(keyHRA, itPath("/v1/clients/%d", e.demo.Clients["Rivera"])).Status)
	require.Equal(t, http.StatusOK, e.get(keyReviewer, "/v1/reports/state-extract?from="+day(-90)+"&to="+day(0)).Status)
	require.Positive(t, e.count(`SELECT count(*) FROM audit_events`))
	require.Positive(t, e.count(`SELECT count(*) FROM audit_read_sets`), "the extract's reads are a read set")
	before := itSnapshot(e)["audit_events"]
	records := e.count(`SELECT count(*) FROM audit_records`)
	for _, stmt := range []string{
		`UPDATE audit_events SET action = 'tampered'`,
		`UPDATE audit_events SET client_id = NULL WHERE id = (SELECT max(id) FROM audit_events)`,
		`DELETE FROM audit_events`,
		`DELETE FROM audit_events WHERE id = (SELECT min(id) FROM audit_events)`,
		// A plain TRUNCATE is refused by audit_read_sets' foreign key
		// before the trigger sees it; with CASCADE, the triggers refuse.
		`TRUNCATE audit_events CASCADE`,
		`TRUNCATE audit_events, audit_read_sets`,
		`UPDATE audit_read_sets SET client_ids = entity_ids`,
		`DELETE FROM audit_read_sets`,
	} {
		t.Run(stmt, func(t *testing.T) {
			_, err := e.db.ExecContext(t.Context(), stmt)
			require.Error(t, err)
			var pe *pq.Error
			require.True(t, errors.As(err, &pe), "%v", err)
			assert.Equal(t, "42501", string(pe.Code), "insufficient_privilege: %v", err)
		})
	}
	_, err := e.db.ExecContext(t.Context(), `TRUNCATE audit_events`)
	require.Error(t, err)
	assert.Equal(t, before, itSnapshot(e)["audit_events"])
	assert.Equal(t, records, e.count(`SELECT count(*) FROM audit_records`))
}

// No PHI in logs: names, dates of birth and Medicaid ids never reach the
// request log, whatever the request and however it ends; every line carries
// the request id and the route.
func TestNoPHIInLogs(t *testing.T) {
	t.Parallel()
	log := &itSyncWriter{w: &bytes.Buffer{}}
	e := itNewEnv(t, itOpts{log: log})
	const first, last, dob, medicaid, street = "Zebulonia", "Quixoticaly", "1977-07-17", "ZQ77177177", "987 Secretive Lane"
	person := map[string]any{"first_name": first, "last_name": last, "date_of_birth": dob, "medicaid_id": medicaid,
		"catchment_area": "hartford", "address_line1": street, "zip": "06101"}

	r := e.post(keyHRA, "/v1/clients", person)
	require.Equal(t, http.StatusCreated, r.Status, "body: %s", r.Body)
	id := itID(t, r)
	e.post(keyBCS, "/v1/clients", person)
	e.get(keyHRA, itPath("/v1/clients/%d", id))
	e.get(keyHRA, "/v1/clients?limit=500")
	e.post(keyHRA, "/v1/voucher-requests", map[string]any{"client_id": id, "service_code": "ATR-CM", "units": 10,
		"start_date": day(0), "end_date": day(9), "note": first + " " + last + " " + dob})
	// Failures of every kind, each carrying the PHI.
	e.post(keyHRA, "/v1/clients", itWith(person, "date_of_birth", "2999-01-01"))
	e.post(keyHRA, "/v1/clients", itWith(person, "medicaid_id", "ZQ00000001"))
	e.post(keyHRA, "/v1/clients", itWith(person, "date_of_birth", "17/07/1977"))
	e.post(keyHRA, "/v1/clients", `{"first_name": "`+first+`", "last_name": "`+last+`", `)
	e.post(keyHRA, "/v1/clients", itWith(person, "nickname", first))
	e.get(keyHRA, "/v1/clients?name="+last+"&dob="+dob)
	e.get("rss_"+strings.ToLower(last)+"_"+strings.ToLower(first)+"secretsecret", "/v1/clients")
	e.get(keyHRA, "/v1/clients/"+medicaid)
	// An internal error: an audit row the database refuses.
	_, err := e.db.ExecContext(t.Context(), `ALTER TABLE audit_events ADD CONSTRAINT it_refuse_clients CHECK (entity_type <> 'client') NOT VALID`)
	require.NoError(t, err)
	first2, last2 := first+"x", last+"x"
	r = e.post(keyHRA, "/v1/clients", itWith(person, "first_name", first2, "last_name", last2, "medicaid_id", medicaid+"9"))
	requireProblem(t, r, http.StatusInternalServerError, "internal_error")

	out := log.String()
	require.NotEmpty(t, out)
	lower := strings.ToLower(out)
	for _, phi := range []string{first, last, dob, medicaid, street, "17/07/1977"} {
		assert.NotContains(t, lower, strings.ToLower(phi), "PHI %q in the log", phi)
	}
	lines, failed := 0, 0
	sc := bufio.NewScanner(strings.NewReader(out))
	for sc.Scan() {
		var rec map[string]any
		require.NoError(t, json.Unmarshal(sc.Bytes(), &rec), "log line %q", sc.Text())
		lines++
		assert.NotEmpty(t, rec["request_id"], "line %q", sc.Text())
		assert.NotEmpty(t, rec["route"], "line %q", sc.Text())
		if rec["msg"] == "request failed" {
			failed++
			assert.Equal(t, r.Header.Get("X-Request-Id"), rec["request_id"])
		}
	}
	assert.GreaterOrEqual(t, lines, 13)
	assert.Equal(t, 1, failed, "the internal error is logged on the server's logger, with its request id")
	assert.Contains(t, out, `"route":"/v1/clients/:client_id"`)
}

// An event's purpose is the purpose of use the request states (its role's
// own otherwise), and what it decided is its outcome: a voucher request's
// and a claim's event read "denied" or "paid" as their why, and a
// provider's stated X-Purpose-Of-Use was lost (a black-box pass).
func TestAuditPurposeIsTheRequests(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	kim := e.demo.Clients["Kim"]
	after := itLastEvent(t, e)
	r := e.do(req{Method: http.MethodPost, Path: "/v1/claims", Key: keyHRA, Header: map[string]string{"X-Purpose-Of-Use": "payment"},
		Body: map[string]any{"claim_number": "PURP-1", "client_id": kim, "rendering_staff_id": e.demo.Staff["Okafor"], "place_of_service": "11",
			"lines": []any{map[string]any{"service_code": "ATR-TR", "date_of_service": day(-1), "units": 1, "charge": "12.00"}}}})
	require.Equal(t, http.StatusCreated, r.Status, "body: %s", r.Body)
	r = e.do(req{Method: http.MethodPost, Path: "/v1/voucher-requests", Key: keyHRA, Header: map[string]string{"X-Purpose-Of-Use": "care_coordination"},
		Body: map[string]any{"client_id": e.demo.Clients["Johnson"], "service_code": "ATR-CM", "units": 40, "start_date": day(0), "end_date": day(59)}})
	require.Equal(t, http.StatusCreated, r.Status, "body: %s", r.Body)
	decision := r.JSON(t)["decision"].(string)
	r = e.do(req{Method: http.MethodPost, Path: "/v1/clients", Key: keyHRA, Header: map[string]string{"X-Purpose-Of-Use": "care_coordination"},
		Body: map[string]any{"first_name": "Purpose", "last_name": "Stated", "date_of_birth": "1980-02-02", "catchment_area": "meriden"}})
	require.Equal(t, http.StatusCreated, r.Status, "body: %s", r.Body)
	got := map[string][2]string{}
	for _, ev := range itEventsAfter(t, e, after) {
		if ev.Action == "create" && ev.Purpose != nil && ev.Outcome != nil {
			got[ev.EntityType] = [2]string{*ev.Purpose, *ev.Outcome}
		}
	}
	assert.Equal(t, [2]string{"payment", "paid"}, got["claim"])
	assert.Equal(t, [2]string{"care_coordination", "registration"}, got["client"], "a registration's stated purpose is kept")
	assert.Equal(t, [2]string{"care_coordination", decision}, got["voucher_request"])
}
