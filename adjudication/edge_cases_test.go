// Edge cases the rules once got wrong, each held by a test.
package adjudication

import (
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// Once (claim.go): a line with zero units reached the units == 0
// branch with no unit cut recorded, and cut[0] panics (index out of range).
// The API is meant to refuse zero units, but DecideLine is the pure core
// billing replays stored facts through; it must deny, not crash the process.
func TestDecideLineDeniesZeroUnits(t *testing.T) {
	f := paidATRLine()
	f.Line.Units = 0
	f.Line.Charge = dec("0.00")
	var d LineDecision
	require.NotPanics(t, func() { d = DecideLine(f) })
	assert.Equal(t, LineDenied, d.Status)
	assertBalanced(t, f.Line, d)
}

// Once (voucher.go, V21): when the span started
// after the length-of-service limit, V21 pends but reports the reason
// SPAN_PAST_LENGTH_OF_SERVICE, whose catalogue action is "reduce" and whose
// text tells the provider "it was cut at the limit". Nothing was cut: the
// request was pended. Every hit should carry the action its catalogue entry
// promises, so the provider reads the right text and next step.
func TestHitActionMatchesCatalogue(t *testing.T) {
	f := approvedATR()
	f.Program.LOSMaxDays = daysInclusive(f.Enrollment.Start, spanStart) - 1 // limit: the day before the span
	d := DecideVoucher(f)
	require.Equal(t, Denied, d.Decision)
	require.NotEmpty(t, d.Hits)
	for _, h := range d.Hits {
		r, ok := Lookup(h.Code)
		require.True(t, ok, h.Code)
		assert.Equal(t, r.Action, h.Action, "hit %s acts %q but the catalogue says %q (%q)", h.Code, h.Action, r.Action, r.Text)
	}
}

// Once (voucher.go, V22): V22 had no applies guard, so a service whose
// per_voucher_max is 0 (the value every other limit in the package, such as
// per_episode_max, uses for "none") has every request reduced to 0 units and
// returned as a partial decision: an authorization for zero units.
func TestZeroPerVoucherMaxMeansNoLimit(t *testing.T) {
	f := approvedATR()
	f.Service.PerVoucherMax = 0
	d := DecideVoucher(f)
	if d.Decision == Approved || d.Decision == Partial {
		assert.Positive(t, d.Units, "a granted voucher must carry units (decision %s, hits %v)", d.Decision, d.Hits)
	}
}

// Once: trace entries shared the rule table's fact slices, so a caller
// editing a returned trace rewrote the table. Fact lists are now strings.
func TestTraceFactsCannotAliasRuleTable(t *testing.T) {
	d := DecideVoucher(approvedATR())
	names := d.Trace[0].Facts.Names()
	require.NotEmpty(t, names)
	names[0] = "edited by a caller"
	again := DecideVoucher(approvedATR())
	assert.NotEqual(t, "edited by a caller", again.Trace[0].Facts.Names()[0])
	b, err := json.Marshal(again.Trace[0])
	require.NoError(t, err)
	assert.Contains(t, string(b), `"facts":["request.program_code"`)
}
