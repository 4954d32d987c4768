package adjudication

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
)

// Medicaid eligibility is judged on dated spans: the voucher's first day
// must be covered (V07), its span is cut where unbroken coverage ends (V23),
// and each claim line's date of service must be covered by a span carrying
// the Medicaid id the claim bills (C04).

func spansOf(s ...EligibilitySpan) func(f *VoucherFacts) {
	return func(f *VoucherFacts) { f.Client.Eligibility = append([]EligibilitySpan{}, s...) }
}

func TestRuleV07MedicaidEligibility(t *testing.T) {
	t.Parallel()
	runRule(t, "V07", CodeMedicaidIDMissing, []ruleCase{
		{name: "open span from the first day", base: approvedMHW, mutate: spansOf(EligibilitySpan{MedicaidID: "A", Start: spanStart}),
			result: ResultPassed, decision: Approved},
		{name: "span starts the day after", base: approvedMHW, mutate: spansOf(EligibilitySpan{MedicaidID: "A", Start: addDays(spanStart, 1)}),
			code: CodeMedicaidNotEligible, result: ResultFired, decision: Denied, detail: "no Medicaid eligibility on"},
		{name: "span ended the day before", base: approvedMHW,
			mutate: spansOf(EligibilitySpan{MedicaidID: "A", Start: addDays(spanStart, -90), End: addDays(spanStart, -1)}),
			code:   CodeMedicaidNotEligible, result: ResultFired, decision: Denied},
		{name: "no spans and no id", base: approvedMHW, mutate: func(f *VoucherFacts) {
			f.Client.HasMedicaidID = false
			f.Client.Eligibility = []EligibilitySpan{}
		}, result: ResultFired, decision: Denied, detail: "no Medicaid ID on file"},
		{name: "an id on file but no span", base: approvedMHW, mutate: spansOf(),
			code: CodeMedicaidNotEligible, result: ResultFired, decision: Denied},
		{name: "facts without spans (stored before them) judge the id", base: approvedMHW,
			result: ResultPassed, decision: Approved},
	})
}

func TestRuleV23SpanPastEligibility(t *testing.T) {
	t.Parallel()
	runRule(t, "V23", CodeSpanPastEligibility, []ruleCase{
		{name: "open-ended span", base: approvedMHW, mutate: spansOf(EligibilitySpan{MedicaidID: "A", Start: spanStart}),
			result: ResultPassed, decision: Approved, check: grants(240, spanStart, spanEnd)},
		{name: "ends on the span's last day", base: approvedMHW, mutate: spansOf(EligibilitySpan{MedicaidID: "A", Start: spanStart, End: spanEnd}),
			result: ResultPassed, decision: Approved, check: grants(240, spanStart, spanEnd)},
		{name: "ends the day before: cut there", base: approvedMHW,
			mutate: spansOf(EligibilitySpan{MedicaidID: "A", Start: spanStart, End: addDays(spanEnd, -1)}),
			result: ResultFired, decision: Partial, detail: formatDate(addDays(spanEnd, -1)), check: grants(240, spanStart, addDays(spanEnd, -1))},
		{name: "a gap: cut before it", base: approvedMHW,
			mutate: spansOf(EligibilitySpan{MedicaidID: "A", Start: spanStart, End: addDays(spanStart, 9)},
				EligibilitySpan{MedicaidID: "A", Start: addDays(spanStart, 12)}),
			result: ResultFired, decision: Partial, check: grants(240, spanStart, addDays(spanStart, 9))},
		{name: "spans that meet chain, whatever the id", base: approvedMHW,
			mutate: spansOf(EligibilitySpan{MedicaidID: "A", Start: spanStart, End: addDays(spanStart, 9)},
				EligibilitySpan{MedicaidID: "B", Start: addDays(spanStart, 10)}),
			result: ResultPassed, decision: Approved, check: grants(240, spanStart, spanEnd)},
		{name: "not covered at the start: V07 denies", base: approvedMHW,
			mutate: spansOf(EligibilitySpan{MedicaidID: "A", Start: addDays(spanStart, 3)}),
			result: ResultPassed, decision: Denied},
		{name: "facts without spans", base: approvedMHW, result: ResultNotApplicable, decision: Approved},
		{name: "ATR is not billed to Medicaid", mutate: spansOf(), result: ResultNotApplicable, decision: Approved},
	})
}

func TestLineMedicaidEligibility(t *testing.T) {
	t.Parallel()
	apr := func(d int) time.Time { return day(2026, time.April, d) }
	mar := func(d int) time.Time { return day(2026, time.March, d) }
	for _, tc := range []struct {
		name  string
		spans []EligibilitySpan
		claim string
		code  string
		carc  string
	}{
		{name: "covered by an open span", spans: []EligibilitySpan{{MedicaidID: "A", Start: mar(1)}}, claim: "A"},
		{name: "covered on the span's last day", spans: []EligibilitySpan{{MedicaidID: "A", Start: mar(1), End: apr(1)}}, claim: "A"},
		{name: "before the first span", spans: []EligibilitySpan{{MedicaidID: "A", Start: apr(2)}}, code: CodeClaimBeforeEligibility, carc: "26"},
		{name: "after the span ended", spans: []EligibilitySpan{{MedicaidID: "A", Start: mar(1), End: mar(31)}}, code: CodeClaimAfterEligibility, carc: "27"},
		{name: "in a gap between spans", spans: []EligibilitySpan{{MedicaidID: "A", Start: mar(1), End: mar(20)}, {MedicaidID: "A", Start: apr(5)}},
			code: CodeClaimAfterEligibility, carc: "27"},
		{name: "no span at all", spans: []EligibilitySpan{}, code: CodeClaimBeforeEligibility, carc: "26"},
		{name: "another id than the claim bills", spans: []EligibilitySpan{{MedicaidID: "A", Start: mar(1), End: mar(31)}, {MedicaidID: "B", Start: apr(1)}},
			claim: "A", code: CodeClaimMedicaidIDChanged, carc: "16"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			f := paidMHWLine()
			f.Client.Eligibility, f.ClaimMedicaidID = tc.spans, tc.claim
			d := DecideLine(f)
			if tc.code == "" {
				assert.Equal(t, LinePaid, d.Status, "hits %v", d.Hits)
				return
			}
			assert.Equal(t, LineDenied, d.Status)
			if assert.Len(t, d.Adjustments, 1) {
				assert.Equal(t, tc.code, d.Adjustments[0].Code)
				assert.Equal(t, tc.carc, d.Adjustments[0].CARC)
			}
			assertBalanced(t, f.Line, d)
		})
	}
	t.Run("an ATR line needs no eligibility", func(t *testing.T) {
		t.Parallel()
		f := paidATRLine()
		f.Client.Eligibility = []EligibilitySpan{}
		assert.Equal(t, LinePaid, DecideLine(f).Status)
	})
}

func TestClaimMedicaidID(t *testing.T) {
	t.Parallel()
	spans := []EligibilitySpan{{MedicaidID: "A", Start: day(2026, time.March, 1), End: day(2026, time.March, 31)},
		{MedicaidID: "B", Start: day(2026, time.April, 1)}}
	assert.Equal(t, "A", ClaimMedicaidID(spans, []time.Time{day(2026, time.April, 3), day(2026, time.March, 30)}))
	assert.Equal(t, "B", ClaimMedicaidID(spans, []time.Time{day(2026, time.April, 3), day(2026, time.February, 1)}),
		"a date no span covers does not set the id")
	assert.Equal(t, "", ClaimMedicaidID(spans, []time.Time{day(2026, time.February, 1)}))
	assert.Equal(t, "", ClaimMedicaidID(nil, []time.Time{day(2026, time.April, 3)}))
}
