package console

import (
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"rss/billing"
)

// A trace reads in words, each rule with the values of the facts it read
// from the stored snapshot.
func TestExplainTrace(t *testing.T) {
	trace := []byte(`[
		{"rule":"V07","code":"MEDICAID_ID_MISSING","action":"deny","result":"not_applicable","facts":["client.has_medicaid_id"]},
		{"rule":"V30","code":"GPRA_FOLLOWUP_OVERDUE","action":"pend","result":"fired","facts":["gpra.intake_date","gpra.followup_recorded","today","nowhere.at_all"],"detail":"window closed 2026-05-26"},
		{"rule":"V90","code":"GRANTED","action":"grant","result":"fired","facts":["program.disabled_rules","enrollment.discharge"]}]`)
	facts := map[string]any{
		"today":      "2026-06-15T00:00:00Z",
		"gpra":       map[string]any{"intake_date": "2025-09-28T00:00:00Z", "followup_recorded": false},
		"client":     map[string]any{"has_medicaid_id": true},
		"program":    map[string]any{"disabled_rules": []any{}},
		"enrollment": map[string]any{"discharge": "0001-01-01T00:00:00Z"},
	}
	raw, err := json.Marshal(facts)
	require.NoError(t, err)
	steps := explain(trace, raw)
	require.Len(t, steps, 3)

	assert.Equal(t, "does not apply to this request", steps[0].Result)
	assert.False(t, steps[0].Fired)
	assert.Equal(t, []factValue{{"client.has_medicaid_id", "yes"}}, steps[0].Facts)

	assert.True(t, steps[1].Fired)
	assert.True(t, steps[1].Against)
	assert.Equal(t, "fired", steps[1].Result)
	assert.Equal(t, "window closed 2026-05-26", steps[1].Detail)
	assert.NotEmpty(t, steps[1].Text, "the catalogue's words")
	assert.NotEmpty(t, steps[1].NextStep)
	assert.Equal(t, []factValue{{"gpra.intake_date", "2025-09-28"}, {"gpra.followup_recorded", "no"}, {"today", "2026-06-15"},
		{"nowhere.at_all", "—"}}, steps[1].Facts)

	// The grant step of a request another rule held back is not "fired":
	// every pended request's trace ended "GRANTED: fired", read as granted
	// (a black-box pass).
	assert.False(t, steps[2].Fired)
	assert.False(t, steps[2].Against, "the grant is not held against the request")
	assert.Equal(t, "reached, and held back by the reasons above", steps[2].Result)
	assert.Equal(t, []factValue{{"program.disabled_rules", "none"}, {"enrollment.discharge", "none"}}, steps[2].Facts)

	assert.Nil(t, explain(nil, raw))
	assert.Nil(t, explain([]byte("not json"), raw))
	assert.Equal(t, "2026-06-15 14:30 UTC", plainTime("2026-06-15T10:30:00-04:00"))
	assert.Equal(t, "ATR", plainTime("ATR"))

	// Inside a structured fact too: a credential with no end read
	// "0001-01-01T00:00:00Z", expired in year 1 (a black-box pass).
	staff := map[string]any{"staff": map[string]any{"credentials": []any{
		map[string]any{"type": "CADC", "valid_from": "2011-12-04T00:00:00Z", "valid_to": "0001-01-01T00:00:00Z"}}}}
	raw, err = json.Marshal(staff)
	require.NoError(t, err)
	got := lookupFact(func() map[string]any { var m map[string]any; require.NoError(t, json.Unmarshal(raw, &m)); return m }(), "staff")
	assert.Equal(t, `{"credentials":[{"type":"CADC","valid_from":"2011-12-04","valid_to":null}]}`, got)
}

// Every reason a payer file's item is kept aside reads in words on the
// console: `void_paid` showed as "void paid" (a black-box pass).
func TestEveryUnmatchedReasonReadsInWords(t *testing.T) {
	for _, r := range []string{billing.UnmatchedBatch, billing.UnmatchedClaim, billing.UnmatchedLine, billing.UnmatchedClaimLine,
		billing.UnmatchedNothingToUndo, billing.UnmatchedAlreadyPosted, billing.UnmatchedKeptAside, billing.UnmatchedOtherClaim,
		billing.UnmatchedPayee, billing.UnmatchedUnknownPayee, billing.UnmatchedUnbalanced, billing.UnmatchedVoidPaid, billing.UnmatchedVoidDenied} {
		assert.NotEqual(t, words(r), unmatchedWords(r), r)
	}
	assert.NotContains(t, unmatchedWords(billing.UnmatchedNothingToUndo), "never posted", "a repeated reversal's payment was posted")
}

// A payer route reads on the pages as the batch form offers it.
func TestRouteWords(t *testing.T) {
	t.Parallel()
	assert.Equal(t, "Medicaid 837P", routeWords(billing.RouteMedicaid837P))
	assert.Equal(t, "Payment register", routeWords(billing.RoutePaymentRegister))
	assert.Equal(t, "some route", routeWords("some_route"))
}

// A TA1's codes on a claim read in words, with what to do.
func TestTA1Words(t *testing.T) {
	t.Parallel()
	assert.Empty(t, ta1Words([]string{"IK5:R", "AK9:R"}))
	assert.Empty(t, ta1Words(nil))
	got := ta1Words([]string{"TA1:R", "TA1:024"})
	assert.Contains(t, got, "invalid interchange content")
	assert.Contains(t, got, "replacement (frequency 7)")
}
