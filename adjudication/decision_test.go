package adjudication

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// Facts that make exactly one kind of rule fire.
var (
	denyConsent  = func(f *VoucherFacts) { f.Consents = nil }                                                         // V06 deny
	pendRetro    = func(f *VoucherFacts) { f.Request.Start, f.Request.End = addDays(today, -20), addDays(today, 69) } // V37 pend
	reduceUnits  = func(f *VoucherFacts) { f.Request.Units = 120; ownAfterSpan(f) }                                   // V22 reduce
	reduceSpan   = func(f *VoucherFacts) { f.Request.End = addDays(f.Request.Start, 119) }                            // V20 reduce
	pendCarePlan = func(f *VoucherFacts) { f.CarePlans = nil }                                                        // V36 pend
	denyService  = func(f *VoucherFacts) { f.Service.Active = false }                                                 // V01 deny
	pendDollars  = func(f *VoucherFacts) { f.EpisodeDollarsAuthorized = dec("3999.00") }                              // V33 pend
	denyGPRA     = func(f *VoucherFacts) { f.GPRA.IntakeCompleted = false }                                           // V09 deny
	unknownProg  = func(f *VoucherFacts) { reviewOnly(withProgramCode(f, "PEER")) }                                   // no V90
	reduceBoth   = func(f *VoucherFacts) { reduceUnits(f); reduceSpan(f) }                                            // V20 + V22
	pendTwoRules = func(f *VoucherFacts) { pendRetro(f); pendCarePlan(f) }                                            // V36 + V37
	denyAndPend  = func(f *VoucherFacts) { denyConsent(f); pendRetro(f) }                                             // V06 + V37
	denyAndCut   = func(f *VoucherFacts) { denyService(f); reduceUnits(f) }                                           // V01 + V22
	pendAndCut   = func(f *VoucherFacts) { pendCarePlan(f); reduceUnits(f); reduceSpan(f) }                           // V36 + V20 + V22
	allThree     = func(f *VoucherFacts) { denyGPRA(f); pendDollars(f); reduceUnits(f) }                              // V09 + V33 + V22
	unknownCut   = func(f *VoucherFacts) { unknownProg(f); reduceUnits(f) }                                           // no V90 + V22
	unknownDeny  = func(f *VoucherFacts) { unknownProg(f); denyConsent(f) }                                           // no V90 + V06
	pendRetroRSV = func(f *VoucherFacts) { f.Request.Start, f.Request.End = addDays(today, -20), today }              // RSVP V37
)

func TestDecisionCombination(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name     string
		base     func() *VoucherFacts
		mutate   func(f *VoucherFacts)
		decision Decision
		hits     []string // exactly these codes, in rule order
		units    int
		start    time.Time
		end      time.Time
	}{
		{name: "approved carries the requested units and dates", mutate: func(*VoucherFacts) {},
			decision: Approved, units: 40, start: spanStart, end: spanEnd},
		{name: "partial carries the reduced units", mutate: reduceUnits,
			decision: Partial, hits: []string{CodeUnitsOverVoucherMax}, units: 96, start: spanStart, end: spanEnd},
		{name: "partial carries the cut span", mutate: reduceSpan,
			decision: Partial, hits: []string{CodeSpanOverValidity}, units: 40, start: spanStart, end: spanEnd},
		{name: "two reductions compose", mutate: reduceBoth,
			decision: Partial, hits: []string{CodeSpanOverValidity, CodeUnitsOverVoucherMax}, units: 96, start: spanStart, end: spanEnd},
		{name: "pend", mutate: pendCarePlan, decision: Pended, hits: []string{CodeNotInCarePlan}},
		{name: "two pends", mutate: pendTwoRules, decision: Pended, hits: []string{CodeNotInCarePlan, CodeRetroAuthorization}},
		{name: "pend beats reductions", mutate: pendAndCut,
			decision: Pended, hits: []string{CodeSpanOverValidity, CodeUnitsOverVoucherMax, CodeNotInCarePlan}},
		{name: "denial beats pend", mutate: denyAndPend, decision: Denied, hits: []string{CodeConsentMissing, CodeRetroAuthorization}},
		{name: "denial beats partial", mutate: denyAndCut, decision: Denied, hits: []string{CodeServiceNotInCatalog, CodeUnitsOverVoucherMax}},
		{name: "denial beats pend and partial", mutate: allThree,
			decision: Denied, hits: []string{CodeGPRAIntakeMissing, CodeUnitsOverVoucherMax, CodeEpisodeDollarsExceeded}},
		{name: "unknown program pends", base: approvedRSVP, mutate: unknownProg, decision: Pended, hits: []string{CodeNoGrantingRule}},
		{name: "unknown program with a reduction still pends", base: approvedRSVP, mutate: unknownCut,
			decision: Pended, hits: []string{CodeUnitsOverVoucherMax, CodeNoGrantingRule}},
		{name: "unknown program with a denial is denied", base: approvedRSVP, mutate: unknownDeny,
			decision: Denied, hits: []string{CodeConsentMissing}},
		{name: "RSVP retro pends", base: approvedRSVP, mutate: pendRetroRSV, decision: Pended, hits: []string{CodeRetroAuthorization}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			base := tc.base
			if base == nil {
				base = approvedATR
			}
			f := base()
			tc.mutate(f)
			d := DecideVoucher(f)
			require.Equal(t, tc.decision, d.Decision, "hits %v", d.Hits)
			if len(tc.hits) == 0 {
				assert.Empty(t, d.Hits)
			} else {
				assert.Equal(t, tc.hits, hitCodes(d.Hits))
			}
			assert.Equal(t, tc.units, d.Units, "units")
			assert.True(t, tc.start.Equal(d.Start), "start %s", formatDate(d.Start))
			assert.True(t, tc.end.Equal(d.End), "end %s", formatDate(d.End))
			for _, h := range d.Hits {
				r, ok := Lookup(h.Code)
				require.True(t, ok, "hit %s not in the catalogue", h.Code)
				assert.Equal(t, "voucher", r.Kind)
			}
		})
	}
}

// wantRuleOrder is the documented order: denials, reductions, pends, grant.
var wantRuleOrder = []string{
	"V01", "V02", "V03", "V04", "V05", "V06", "V07", "V08", "V09", "V10", "V11", "V12", "V13", "V14",
	"V20", "V21", "V22", "V23", "V24", "V25", "V26", "V28", "V29", "V27", "V38",
	"V30", "V31", "V32", "V33", "V34", "V35", "V36", "V37",
	"V90",
}

func TestTraceIsCompleteAndOrdered(t *testing.T) {
	t.Parallel()
	valid := []string{ResultPassed, ResultFired, ResultNotApplicable, ResultWaived, ResultDisabled}
	scenarios := map[string]*VoucherFacts{
		"approved ATR": approvedATR(),
		"denied ATR":   func() *VoucherFacts { f := approvedATR(); denyConsent(f); return f }(),
		"pended RCM":   func() *VoucherFacts { f := approvedRCM(); f.Caseload = 10; return f }(),
		"partial MHW":  func() *VoucherFacts { f := approvedMHW(); f.Request.Units = 500; return f }(),
		"unknown":      withProgramCode(approvedRSVP(), "PEER"),
		"review only":  reviewOnly(withProgramCode(approvedRSVP(), "PEER")),
		"empty facts":  {},
	}
	for name, f := range scenarios {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			d := DecideVoucher(f)
			assert.Equal(t, VoucherRuleSetVersion, d.RuleSetVersion)
			assert.NotEmpty(t, d.RuleSetVersion)
			ids := make([]string, 0, len(d.Trace))
			for _, e := range d.Trace {
				ids = append(ids, e.Rule)
				assert.Contains(t, valid, e.Result, "rule %s", e.Rule)
				assert.NotEmpty(t, e.Facts, "rule %s names the facts it reads", e.Rule)
				_, ok := Lookup(e.Code)
				assert.True(t, ok, "rule %s code %s not in the catalogue", e.Rule, e.Code)
			}
			assert.Equal(t, wantRuleOrder, ids)
			assert.NotEmpty(t, d.Decision)
		})
	}
}

func TestDecideVoucherIsPure(t *testing.T) {
	t.Parallel()
	f := approvedATR()
	reduceBoth(f)
	f.Consents = append(f.Consents, paymentConsent())
	before, err := json.Marshal(f)
	require.NoError(t, err)

	first := DecideVoucher(f)
	second := DecideVoucher(f)
	after, err := json.Marshal(f)
	require.NoError(t, err)

	assert.JSONEq(t, string(before), string(after), "DecideVoucher must not change its facts")
	assert.Equal(t, first, second, "same facts, same decision and trace")
	require.Equal(t, Partial, first.Decision)
	assert.Equal(t, 120, f.Request.Units, "the request keeps what was asked for")
}

func TestDecideVoucherReplaysFromJSON(t *testing.T) {
	t.Parallel()
	// The stored fact snapshot must decide the same way after a round trip.
	for name, f := range map[string]*VoucherFacts{
		"ATR partial": func() *VoucherFacts { f := approvedATR(); reduceBoth(f); return f }(),
		"RCM pended":  func() *VoucherFacts { f := approvedRCM(); f.Caseload = 10; return f }(),
		"MHW":         approvedMHW(),
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			raw, err := json.Marshal(f)
			require.NoError(t, err)
			var back VoucherFacts
			require.NoError(t, json.Unmarshal(raw, &back))
			assert.Equal(t, DecideVoucher(f), DecideVoucher(&back))
		})
	}
}

// clinicalEMP is the zero-reject scenario: active substance use, no clinical
// provider, a pended clinical request and no care plan at all, although the
// program says a care plan is required.
func clinicalEMP() *VoucherFacts {
	f := approvedEMP()
	f.Client.SubstanceUse = "active"
	f.HasClinicalEnrollment = false
	f.PendedClinicalRequest = true
	f.CarePlans = nil
	f.Program.CarePlanRequired = true
	return f
}

func TestZeroRejectEMP(t *testing.T) {
	t.Parallel()
	t.Run("EMP is approved and the care-plan rule is waived", func(t *testing.T) {
		t.Parallel()
		f := clinicalEMP()
		d := DecideVoucher(f)
		require.Equal(t, Approved, d.Decision, "hits %v", d.Hits)
		assert.Empty(t, d.Hits)
		assert.Equal(t, f.Request.Units, d.Units)
		e := traceEntry(t, d, "V36")
		assert.Equal(t, ResultWaived, e.Result)
		assert.Equal(t, ActionPend, e.Action, "the trace keeps what the rule would have done")
		assert.Contains(t, e.Detail, "EMP-IPS")
	})
	t.Run("supported education too", func(t *testing.T) {
		t.Parallel()
		f := clinicalEMP()
		sed := empIPS()
		sed.Code = "EMP-SED"
		withService(f, sed)
		d := DecideVoucher(f)
		require.Equal(t, Approved, d.Decision, "hits %v", d.Hits)
		assert.Equal(t, ResultWaived, traceEntry(t, d, "V36").Result)
	})
	t.Run("the same facts pend where zero reject does not apply", func(t *testing.T) {
		t.Parallel()
		f := clinicalEMP()
		f.Program.ZeroReject = false
		d := DecideVoucher(f)
		require.Equal(t, Pended, d.Decision)
		assert.Equal(t, []string{CodeNotInCarePlan}, hitCodes(d.Hits))
		assert.Equal(t, ResultFired, traceEntry(t, d, "V36").Result)
	})
	t.Run("the same clinical facts pend for RSVP", func(t *testing.T) {
		t.Parallel()
		f := approvedRSVP()
		f.Client.SubstanceUse = "active"
		f.PendedClinicalRequest = true
		f.Program.CarePlanRequired = true
		d := DecideVoucher(f)
		require.Equal(t, Pended, d.Decision)
		assert.Equal(t, []string{CodeNotInCarePlan}, hitCodes(d.Hits))
	})
	t.Run("zero reject does not waive non-clinical rules", func(t *testing.T) {
		t.Parallel()
		f := clinicalEMP()
		f.Consents = nil
		f.Request.Start = addDays(today, -30)
		d := DecideVoucher(f)
		assert.Equal(t, Denied, d.Decision)
		assert.Equal(t, []string{CodeConsentMissing, CodeRetroAuthorization}, hitCodes(d.Hits))
		assert.Equal(t, ResultWaived, traceEntry(t, d, "V36").Result)
	})
	t.Run("zero reject does not waive reductions", func(t *testing.T) {
		t.Parallel()
		f := clinicalEMP()
		f.Request.Units = 200
		d := DecideVoucher(f)
		assert.Equal(t, Partial, d.Decision)
		assert.Equal(t, 160, d.Units)
	})
}

// TestZeroRejectProperty mutates only the clinical facts of EMP requests and
// checks the decision never moves.
func TestZeroRejectProperty(t *testing.T) {
	t.Parallel()
	rng := rand.New(rand.NewPCG(2026, 4))
	uses := []string{"", "none", "in_remission", "active", "relapse", "unknown", "opioids", "alcohol"}
	bases := map[string]func() *VoucherFacts{
		"approved": approvedEMP,
		"partial":  func() *VoucherFacts { f := approvedEMP(); f.Request.Units = 170; return f },
		"denied":   func() *VoucherFacts { f := approvedEMP(); f.Consents = nil; return f },
		"pended":   func() *VoucherFacts { f := approvedEMP(); f.Request.Start = addDays(today, -30); return f },
	}
	for name, base := range bases {
		want := DecideVoucher(base())
		for i := range 500 {
			f := base()
			f.Client.SubstanceUse = uses[rng.IntN(len(uses))]
			f.HasClinicalEnrollment = rng.IntN(2) == 0
			f.PendedClinicalRequest = rng.IntN(2) == 0
			f.Program.CarePlanRequired = rng.IntN(2) == 0
			f.Program.Clinical = rng.IntN(4) == 0
			f.CarePlans = nil
			for range rng.IntN(3) {
				p := carePlan(PlanRSSCare, "EMP")
				if rng.IntN(2) == 0 {
					p.Services = append(p.Services, "EMP-SED")
				}
				if rng.IntN(3) == 0 {
					p.Services = append(p.Services, "EMP-IPS")
				}
				p.Closed = rng.IntN(2) == 0
				p.Start = addDays(today, rng.IntN(60)-30)
				f.CarePlans = append(f.CarePlans, p)
			}
			got := DecideVoucher(f)
			if !assert.Equal(t, want.Decision, got.Decision, "%s #%d: %+v", name, i, f.Client) ||
				!assert.Equal(t, hitCodes(want.Hits), hitCodes(got.Hits), "%s #%d", name, i) ||
				!assert.Equal(t, want.Units, got.Units, "%s #%d", name, i) ||
				!assert.True(t, want.End.Equal(got.End), "%s #%d", name, i) {
				return
			}
			e := traceEntry(t, got, "V36")
			assert.NotEqual(t, ResultFired, e.Result, "%s #%d: V36 must never fire for EMP", name, i)
		}
	}
}

// TestDecideVoucherProperties perturbs many facts of the approved fixtures at
// once and checks what must hold of any decision.
func TestDecideVoucherProperties(t *testing.T) {
	t.Parallel()
	rng := rand.New(rand.NewPCG(7, 11))
	bases := []func() *VoucherFacts{approvedATR, approvedRCM, approvedRSVP, approvedMHW, approvedEMP}
	seen := map[Decision]int{}
	for i := range 3000 {
		f := bases[rng.IntN(len(bases))]()
		f.Request.Units = 1 + rng.IntN(300)
		f.Request.Start = addDays(today, rng.IntN(40)-25)
		f.Request.End = addDays(f.Request.Start, rng.IntN(200))
		if rng.IntN(8) == 0 {
			f.Consents = nil
		}
		if rng.IntN(8) == 0 {
			f.CarePlans = nil
		}
		if rng.IntN(6) == 0 {
			f.Program.LOSMaxDays = 60 + rng.IntN(120)
			f.Program.LOSReviewPastMax = rng.IntN(2) == 0
		}
		f.EpisodeDollarsAuthorized = dec("1000.00").Add(Amount(dec("1.00"), rng.IntN(3500)))
		f.EpisodeUnitsAuthorized = rng.IntN(500)
		f.Caseload = rng.IntN(20)

		d := DecideVoucher(f)
		seen[d.Decision]++
		msg := fmt.Sprintf("#%d %s units %d %s..%s: %s %v", i, f.Request.ProgramCode, f.Request.Units,
			formatDate(f.Request.Start), formatDate(f.Request.End), d.Decision, d.Hits)

		actions := map[Action]bool{}
		fired := map[string]bool{}
		for _, e := range d.Trace {
			if e.Result == ResultFired {
				fired[e.Code] = true
			}
		}
		for _, h := range d.Hits {
			actions[h.Action] = true
			if h.Code != CodeNoGrantingRule && !assert.True(t, fired[h.Code], "hit %s without a fired trace entry; %s", h.Code, msg) {
				return
			}
		}
		ok := assert.Len(t, d.Trace, len(wantRuleOrder), msg)
		switch d.Decision {
		case Denied:
			ok = ok && assert.True(t, actions[ActionDeny], msg) && assert.Zero(t, d.Units, msg)
		case Pended:
			ok = ok && assert.True(t, actions[ActionPend], msg) && assert.False(t, actions[ActionDeny], msg) && assert.Zero(t, d.Units, msg)
		case Partial:
			ok = ok && assert.True(t, actions[ActionReduce], msg) && assert.False(t, actions[ActionDeny] || actions[ActionPend], msg) &&
				assert.Positive(t, d.Units, msg) && assert.LessOrEqual(t, d.Units, f.Request.Units, msg) &&
				assert.LessOrEqual(t, d.Units, f.Service.PerVoucherMax, msg) &&
				assert.True(t, d.Start.Equal(f.Request.Start), msg) && assert.False(t, d.End.After(f.Request.End), msg) &&
				assert.False(t, d.End.Before(d.Start), msg)
			if f.Program.VoucherValidityDays > 0 {
				ok = ok && assert.LessOrEqual(t, daysInclusive(d.Start, d.End), f.Program.VoucherValidityDays, msg)
			}
		case Approved:
			ok = ok && assert.Empty(t, d.Hits, msg) && assert.Equal(t, f.Request.Units, d.Units, msg) &&
				assert.True(t, d.End.Equal(f.Request.End), msg)
		default:
			ok = assert.Fail(t, "unknown decision", msg)
		}
		if !ok {
			return
		}
	}
	for _, dd := range []Decision{Approved, Partial, Pended, Denied} {
		assert.Greater(t, seen[dd], 100, "decision %s reached %d times", dd, seen[dd])
	}
}
