package api_test

import (
	"fmt"
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// The rest of the reference data keeps its changes as providers and staff
// do (migration 00070): a program's caseload caps and areas, a service's
// limits and modifiers, a setting, a catchment area and an agency's sets
// left only "update … reference_data" in the audit log, and a program's
// updated_at stood still on a cap change (an operations black-box pass).
// Each history names what changed, before and after, who, and the reason
// when the PATCH gave one.
func TestReferenceDataHistory(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	last := func(key, path string) map[string]any {
		t.Helper()
		h := itItems(t, e.get(key, path))
		require.NotEmpty(t, h, path)
		return h[len(h)-1]
	}

	// A program's caps: the row's updated_at moves, the history keeps the
	// caps before and after, and the reason given.
	before := e.get(keyAdmin, "/v1/reference/programs/RCM").JSON(t)["updated_at"]
	r := e.patch(keyAdmin, "/v1/reference/programs/RCM", map[string]any{
		"caseload_caps": map[string]any{"lead_recovery_specialist": 5, "recovery_specialist": 15}, "reason": "DCF contract amendment 3"})
	require.Equal(t, http.StatusOK, r.Status, "%s", r.Body)
	assert.NotEqual(t, before, r.JSON(t)["updated_at"], "a cap change moves updated_at")
	h := last(keyAdmin, "/v1/reference/programs/RCM/history")
	assert.Equal(t, map[string]any{"caseload_caps": map[string]any{"lead_recovery_specialist": float64(10), "recovery_specialist": float64(15)}}, h["before"])
	assert.Equal(t, map[string]any{"caseload_caps": map[string]any{"lead_recovery_specialist": float64(5), "recovery_specialist": float64(15)}}, h["after"])
	assert.Equal(t, "DCF contract amendment 3", h["reason"])
	assert.Equal(t, "update", h["action"])
	assert.Equal(t, "admin", h["actor_role"])

	// Money in a change reads as the API writes money, a string of two
	// decimals (it read 4000.00, a number: a black-box pass).
	r = e.patch(keyAdmin, "/v1/reference/programs/ATR", map[string]any{"episode_dollar_cap": "500.00", "reason": "budget cut"})
	require.Equal(t, http.StatusOK, r.Status, "%s", r.Body)
	h = last(keyAdmin, "/v1/reference/programs/ATR/history")
	assert.Equal(t, r.JSON(t)["episode_dollar_cap"], h["after"].(map[string]any)["episode_dollar_cap"])
	assert.Equal(t, "500.00", h["after"].(map[string]any)["episode_dollar_cap"])
	assert.IsType(t, "", h["before"].(map[string]any)["episode_dollar_cap"])
	assert.NotNil(t, h["actor_key_id"])

	// A column and a disabled rule, no reason: kept, reason null.
	r = e.patch(keyAdmin, "/v1/reference/programs/RSVP", map[string]any{"filing_limit_days": 200})
	require.Equal(t, http.StatusOK, r.Status, "%s", r.Body)
	h = last(keyAdmin, "/v1/reference/programs/RSVP/history")
	assert.Equal(t, float64(200), h["after"].(map[string]any)["filing_limit_days"])
	assert.Nil(t, h["reason"])

	// A program's areas, written from either side, show on both.
	r = e.patch(keyAdmin, "/v1/reference/programs/RSVP", map[string]any{"catchment_areas": []string{"bridgeport", "new_britain"}})
	require.Equal(t, http.StatusOK, r.Status, "%s", r.Body)
	h = last(keyAdmin, "/v1/reference/programs/RSVP/history")
	assert.Equal(t, map[string]any{"catchment_areas": []any{"bridgeport", "new_britain", "willimantic"}}, h["before"])
	assert.Equal(t, map[string]any{"catchment_areas": []any{"bridgeport", "new_britain"}}, h["after"])
	h = last(keyAdmin, "/v1/reference/catchment-areas/willimantic/history")
	assert.Equal(t, []any{"ATR", "EMP", "MHW", "RCM", "RSVP"}, h["before"].(map[string]any)["programs"])
	assert.Equal(t, []any{"ATR", "EMP", "MHW", "RCM"}, h["after"].(map[string]any)["programs"])
	assert.Equal(t, "update", h["action"], "named by the program's event")
	r = e.patch(keyAdmin, "/v1/reference/catchment-areas/willimantic", map[string]any{"name": "Willimantic (Windham)",
		"programs": []string{"ATR", "EMP", "MHW", "RCM", "RSVP"}, "reason": "RSVP back in Windham"})
	require.Equal(t, http.StatusOK, r.Status, "%s", r.Body)
	area := itItems(t, e.get(keyAdmin, "/v1/reference/catchment-areas/willimantic/history"))
	require.GreaterOrEqual(t, len(area), 3, "%v", area)
	for _, x := range area[len(area)-2:] {
		assert.Equal(t, "RSVP back in Windham", x["reason"], "%v", x)
	}
	h = last(keyAdmin, "/v1/reference/programs/RSVP/history")
	assert.Equal(t, []any{"bridgeport", "new_britain", "willimantic"}, h["after"].(map[string]any)["catchment_areas"])
	assert.Equal(t, "RSVP back in Windham", h["reason"])
	assert.Equal(t, "update", h["action"], "named by the area's event")

	// A service's limits and what Medicaid is billed.
	r = e.patch(keyAdmin, "/v1/reference/services/ATR-TR", map[string]any{"per_voucher_max": 30, "reason": "FY27 limits"})
	require.Equal(t, http.StatusOK, r.Status, "%s", r.Body)
	h = last(keyAdmin, "/v1/reference/services/ATR-TR/history")
	assert.Equal(t, float64(30), h["after"].(map[string]any)["per_voucher_max"])
	assert.NotEqual(t, float64(30), h["before"].(map[string]any)["per_voucher_max"])
	assert.Equal(t, "FY27 limits", h["reason"])

	// A setting: what the minor age was before the change, and since when.
	r = e.patch(keyAdmin, "/v1/reference/settings/minor_age_years", map[string]any{"value": 16, "reason": "statute change"})
	require.Equal(t, http.StatusOK, r.Status, "%s", r.Body)
	h = last(keyReviewer, "/v1/reference/settings/minor_age_years/history")
	assert.Equal(t, map[string]any{"value": float64(18)}, h["before"])
	assert.Equal(t, map[string]any{"value": float64(16)}, h["after"])
	assert.Equal(t, "statute change", h["reason"])
	assert.NotEmpty(t, h["changed_at"])

	// An agency's areas (and services) are in its history.
	hra := e.demo.Providers["HRA"]
	was := e.get(keyAdmin, itPath("/v1/reference/providers/%d", hra)).JSON(t)["catchment_areas"]
	r = e.patch(keyAdmin, itPath("/v1/reference/providers/%d", hra), map[string]any{"catchment_areas": []string{"hartford"},
		"reason": "Manchester office closed"})
	require.Equal(t, http.StatusOK, r.Status, "%s", r.Body)
	h = last(keyAdmin, itPath("/v1/reference/providers/%d/history", hra))
	assert.Equal(t, map[string]any{"catchment_areas": was}, h["before"])
	assert.Equal(t, map[string]any{"catchment_areas": []any{"hartford"}}, h["after"])
	assert.Equal(t, "Manchester office closed", h["reason"])
	assert.Equal(t, "update", h["action"])
	own := last(keyHRA, itPath("/v1/reference/providers/%d/history", hra))
	assert.NotContains(t, own, "actor_key_id", "the MSC's key is the MSC's")

	// A deactivation and a reactivation carry the reasons they were given
	// (the history read null for both: an operations pass); one before
	// its day keeps no suspension, so the history is where its why is.
	bcs := e.demo.Providers["BCS"]
	r = e.post(keyAdmin, itPath("/v1/reference/providers/%d/deactivate", bcs), map[string]any{"reason": "agreement terminated",
		"effective_on": day(10)})
	require.Equal(t, http.StatusOK, r.Status, "%s", r.Body)
	h = last(keyAdmin, itPath("/v1/reference/providers/%d/history", bcs))
	assert.Equal(t, "agreement terminated", h["reason"], "%v", h)
	assert.Equal(t, "deactivate", h["action"])
	r = e.post(keyAdmin, itPath("/v1/reference/providers/%d/reactivate", bcs), map[string]any{"reason": "termination rescinded"})
	require.Equal(t, http.StatusOK, r.Status, "%s", r.Body)
	h = last(keyBCS, itPath("/v1/reference/providers/%d/history", bcs))
	assert.Equal(t, "termination rescinded", h["reason"], "%v", h)
	assert.Equal(t, "reactivate", h["action"])

	// Every role reads the reference data, so its history; an agency not
	// the MSC's keys. Unknown records are not found; a blank reason is no
	// reason, refused with nothing written.
	p := last(keyHRA, "/v1/reference/programs/RCM/history")
	assert.NotContains(t, p, "actor_key_id")
	assert.Equal(t, "admin", p["actor_role"])
	for _, path := range []string{"/v1/reference/programs/NOPE/history", "/v1/reference/services/ATR-NOPE/history",
		"/v1/reference/settings/no_such/history", "/v1/reference/catchment-areas/atlantis/history"} {
		requireProblem(t, e.get(keyAdmin, path), http.StatusNotFound, "not_found")
	}
	n := len(itItems(t, e.get(keyAdmin, "/v1/reference/services/ATR-TR/history")))
	requireProblem(t, e.patch(keyAdmin, "/v1/reference/services/ATR-TR", map[string]any{"per_voucher_max": 31, "reason": "  "}),
		http.StatusUnprocessableEntity, "validation_failed")
	requireProblem(t, e.patch(keyAdmin, "/v1/reference/settings/minor_age_years", map[string]any{"value": 17, "reason": ""}),
		http.StatusUnprocessableEntity, "validation_failed")
	assert.Len(t, itItems(t, e.get(keyAdmin, "/v1/reference/services/ATR-TR/history")), n)

	// Kept as written.
	_, err := e.db.ExecContext(t.Context(), `DELETE FROM record_changes WHERE table_name = 'settings'`)
	assert.ErrorContains(t, err, "append-only")
}

// A record's history starts with its creation (migration 00086): the row
// as written, before nothing, and who wrote it. A service's or program's
// history began at its first change, so who added it, when and with what
// code and limits was only the audit log's "create" (a black-box pass).
func TestHistoryStartsWithTheRecordsCreation(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	first := func(key, path string) map[string]any {
		t.Helper()
		h := itItems(t, e.get(key, path))
		require.NotEmpty(t, h, path)
		return h[0]
	}
	r := e.post(keyAdmin, "/v1/reference/programs", map[string]any{"code": "QAP", "name": "Quality assurance pilot",
		"funding": "state", "payer_route": "payment_register", "filing_limit_days": 90, "episode_dollar_cap": "4000.00"})
	require.Equal(t, http.StatusCreated, r.Status, "%s", r.Body)
	p := first(keyReviewer, "/v1/reference/programs/QAP/history")
	assert.Equal(t, "create", p["action"])
	assert.Equal(t, "admin", p["actor_role"])
	assert.Equal(t, map[string]any{}, p["before"])
	after := p["after"].(map[string]any)
	assert.Equal(t, "Quality assurance pilot", after["name"])
	assert.Equal(t, "4000.00", after["episode_dollar_cap"], "money as the API writes it")
	assert.NotContains(t, after, "updated_at")

	r = e.post(keyAdmin, "/v1/reference/services", map[string]any{"code": "MHW-PS", "program_code": "MHW", "name": "Peer support",
		"unit": "15min", "rate": "10.00", "per_voucher_max": 40, "procedure_qualifier": "HC", "procedure_code": "H0038"})
	require.Equal(t, http.StatusCreated, r.Status, "%s", r.Body)
	r = e.patch(keyAdmin, "/v1/reference/services/MHW-PS", map[string]any{"per_voucher_max": 48, "reason": "more sessions"})
	require.Equal(t, http.StatusOK, r.Status, "%s", r.Body)
	h := itItems(t, e.get(keyHRA, "/v1/reference/services/MHW-PS/history"))
	require.Len(t, h, 2, "%v", h)
	assert.Equal(t, "create", h[0]["action"])
	assert.Equal(t, "H0038", h[0]["after"].(map[string]any)["procedure_code"])
	assert.EqualValues(t, 40, h[0]["after"].(map[string]any)["per_voucher_max"])
	assert.NotContains(t, h[0], "actor_key_id", "a provider reader is not shown the MSC's key")
	assert.Equal(t, "update", h[1]["action"])

	r = e.post(keyAdmin, "/v1/reference/providers", newProviderBody("HISP", goodNPI))
	require.Equal(t, http.StatusCreated, r.Status, "%s", r.Body)
	p = first(keyAdmin, itPath("/v1/reference/providers/%d/history", itID(t, r)))
	assert.Equal(t, "create", p["action"])
	assert.Equal(t, "HISP", p["after"].(map[string]any)["code"])
	assert.NotNil(t, p["actor_key_id"], "the MSC sees its own key")
	// Its sets and first agreement period as created are in its history
	// too (an operations pass found only the row's columns).
	body := itWith(newProviderBody("HIS2", "1677889903"), "name", "Hartford Street Recovery Network") // a name of its own
	body["programs"], body["services"], body["catchment_areas"] = []string{"ATR"}, []string{"ATR-TR"}, []string{"hartford"}
	body["agreement"] = map[string]any{"start_date": day(-30), "note": "first"}
	r = e.post(keyAdmin, "/v1/reference/providers", body)
	require.Equal(t, http.StatusCreated, r.Status, "%s", r.Body)
	created := map[string]any{}
	for _, c := range itItems(t, e.get(keyAdmin, itPath("/v1/reference/providers/%d/history", itID(t, r)))) {
		assert.Equal(t, "create", c["action"], "%v", c)
		for k, v := range c["after"].(map[string]any) {
			created[k] = v
		}
	}
	assert.Equal(t, []any{"ATR"}, created["programs"])
	assert.Equal(t, []any{"ATR-TR"}, created["services"])
	assert.Equal(t, []any{"hartford"}, created["catchment_areas"])
	require.Len(t, created["agreements"], 1, "%v", created)
	assert.Equal(t, day(-30), created["agreements"].([]any)[0].(map[string]any)["start_date"])

	r = e.post(keyHRA, itPath("/v1/providers/%d/staff", e.demo.Providers["HRA"]), map[string]any{"first_name": "Rowan",
		"last_name": "Ellery", "date_of_birth": "1990-04-02", "role": "case_manager", "employment_start": day(-30)})
	require.Equal(t, http.StatusCreated, r.Status, "%s", r.Body)
	p = first(keyHRA, itPath("/v1/staff/%d/history", itID(t, r)))
	assert.Equal(t, "provider", p["actor_role"])
	assert.Equal(t, "Ellery", p["after"].(map[string]any)["last_name"])

	r = e.post(keyAdmin, "/v1/reference/catchment-areas", map[string]any{"code": "danbury", "name": "Danbury"})
	require.Equal(t, http.StatusCreated, r.Status, "%s", r.Body)
	assert.Equal(t, "Danbury", first(keyAdmin, "/v1/reference/catchment-areas/danbury/history")["after"].(map[string]any)["name"])
}

// Every writer of the program–area links reads the whole relation as its
// before, so each locks it first: two admins taking two areas from one
// program at once recorded {a,b} → {b} and then {a,b} → {} in the
// program's history, the second before not what it served (a review).
// A program held for a moment puts both patches in flight together.
func TestProgramAreaHistoryChainsUnderConcurrentAreaPatches(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	for _, a := range []string{"arone", "artwo"} {
		r := e.post(keyAdmin, "/v1/reference/catchment-areas", map[string]any{"code": a, "name": "Area " + a})
		require.Equal(t, http.StatusCreated, r.Status, "%s", r.Body)
	}
	r := e.post(keyAdmin, "/v1/reference/programs", map[string]any{"code": "ARP", "name": "Area program", "funding": "state",
		"payer_route": "payment_register", "filing_limit_days": 90, "catchment_areas": []string{"arone", "artwo", "hartford"}})
	require.Equal(t, http.StatusCreated, r.Status, "%s", r.Body)

	blocker := holding(t, e, `SELECT 1 FROM programs WHERE code = 'ARP' FOR UPDATE`)
	answers := make(chan resp, 2)
	for _, a := range []string{"arone", "artwo"} {
		go func() {
			answers <- e.patch(keyAdmin, "/v1/reference/catchment-areas/"+a, map[string]any{"programs": []string{}, "reason": "ARP leaves " + a})
		}()
	}
	require.Eventually(t, func() bool { return lockWaiters(e) == 2 }, 30*time.Second, 10*time.Millisecond)
	require.NoError(t, blocker.Rollback())
	for range 2 {
		a := <-answers
		require.Equal(t, http.StatusOK, a.Status, "%s", a.Body)
	}

	var sets []map[string]any
	for _, x := range itItems(t, e.get(keyAdmin, "/v1/reference/programs/ARP/history")) {
		if after, _ := x["after"].(map[string]any); after != nil && after["catchment_areas"] != nil {
			sets = append(sets, x)
		}
	}
	require.Len(t, sets, 3, "created with three areas, then two taken away")
	for i := 1; i < len(sets); i++ {
		require.Equal(t, sets[i-1]["after"], sets[i]["before"], "change %d starts where the one before it ended", i)
	}
	assert.Equal(t, []any{"hartford"}, sets[2]["after"].(map[string]any)["catchment_areas"])
}

// An area's PATCH that would take a program out of its last area is
// refused: a program serving no area reads as statewide, so the admin
// withdrawing it from everywhere made it serve every area (an operations
// pass). Nothing is written; the program's own PATCH says [] for statewide.
func TestAreaPatchLeavesNoProgramWithoutAnArea(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	r := e.post(keyAdmin, "/v1/reference/catchment-areas", map[string]any{"code": "lastone", "name": "Last One"})
	require.Equal(t, http.StatusCreated, r.Status, "%s", r.Body)
	r = e.post(keyAdmin, "/v1/reference/programs", map[string]any{"code": "LAP", "name": "Last area program", "funding": "state",
		"payer_route": "payment_register", "filing_limit_days": 90, "catchment_areas": []string{"lastone"}})
	require.Equal(t, http.StatusCreated, r.Status, "%s", r.Body)

	// The list shows the set an area's PATCH replaces (an admin sent it
	// from memory, with no read of it: the same pass).
	served := map[string]any{}
	for _, a := range itItems(t, e.get(keyHRA, "/v1/reference/catchment-areas")) {
		served[a["code"].(string)] = a["programs"]
	}
	assert.Equal(t, []any{"LAP"}, served["lastone"])
	assert.Contains(t, served["hartford"], "ATR")

	p := requireProblem(t, e.patch(keyAdmin, "/v1/reference/catchment-areas/lastone", map[string]any{"programs": []string{}}),
		http.StatusUnprocessableEntity, "validation_failed")
	assert.Contains(t, fmt.Sprint(p["errors"]), "last_area")
	assert.Contains(t, fmt.Sprint(p["errors"]), "LAP")
	prog := e.get(keyAdmin, "/v1/reference/programs/LAP").JSON(t)
	assert.Equal(t, []any{"lastone"}, prog["catchment_areas"], "nothing written")

	// Given another area first, it may leave this one.
	r = e.do(req{Method: http.MethodPatch, Path: "/v1/reference/programs/LAP", Key: keyAdmin,
		Body: map[string]any{"catchment_areas": []string{"lastone", "hartford"}}})
	require.Equal(t, http.StatusOK, r.Status, "%s", r.Body)
	r = e.patch(keyAdmin, "/v1/reference/catchment-areas/lastone", map[string]any{"programs": []string{}})
	require.Equal(t, http.StatusOK, r.Status, "%s", r.Body)
	assert.Equal(t, []any{"hartford"}, e.get(keyAdmin, "/v1/reference/programs/LAP").JSON(t)["catchment_areas"])
}

// The mirror of last_area: a statewide program (one serving no area) given
// one area through that area's PATCH, or a new area's programs, would
// serve that area alone, every other area's clients losing it unwarned (a
// review). It is refused, 422 statewide, nothing written; the program's
// own PATCH narrows it.
func TestAreaPatchDoesNotNarrowAStatewideProgram(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	r := e.post(keyAdmin, "/v1/reference/catchment-areas", map[string]any{"code": "wbone", "name": "WB One"})
	require.Equal(t, http.StatusCreated, r.Status, "%s", r.Body)
	r = e.post(keyAdmin, "/v1/reference/programs", map[string]any{"code": "SWP", "name": "Statewide program", "funding": "state",
		"payer_route": "payment_register", "filing_limit_days": 90, "catchment_areas": []string{}})
	require.Equal(t, http.StatusCreated, r.Status, "%s", r.Body)
	for _, a := range itItems(t, e.get(keyAdmin, "/v1/reference/catchment-areas")) {
		assert.NotContains(t, a["programs"], "SWP", "area %v: the list does not show the statewide program serving it", a["code"])
	}
	p := requireProblem(t, e.patch(keyAdmin, "/v1/reference/catchment-areas/wbone", map[string]any{"programs": []string{"SWP"}, "reason": "SWP serves wbone"}),
		http.StatusUnprocessableEntity, "validation_failed")
	assert.Equal(t, "statewide", p["errors"].([]any)[0].(map[string]any)["code"])
	p = requireProblem(t, e.post(keyAdmin, "/v1/reference/catchment-areas", map[string]any{"code": "wbtwo", "name": "WB Two",
		"programs": []string{"SWP"}}), http.StatusUnprocessableEntity, "validation_failed")
	assert.Equal(t, "statewide", p["errors"].([]any)[0].(map[string]any)["code"])
	assert.Equal(t, []any{}, e.get(keyAdmin, "/v1/reference/programs/SWP").JSON(t)["catchment_areas"], "still statewide")
	assert.Equal(t, http.StatusNotFound, e.get(keyAdmin, "/v1/reference/catchment-areas/wbtwo/history").Status, "no area made")
}
