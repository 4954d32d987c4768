package adjudication

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// ruleCase is one row of a per-rule table: start from an approved fixture,
// change one fact, and say what the rule and the decision must show.
type ruleCase struct {
	name     string
	base     func() *VoucherFacts // nil means approvedATR
	mutate   func(f *VoucherFacts)
	result   string   // the rule's trace result
	decision Decision // the overall decision
	action   Action   // when fired: the action traced, if not the rule's own
	detail   string   // when set: a substring the trace detail must hold
	check    func(t *testing.T, f *VoucherFacts, d VoucherDecision)
	code     string // the reason code when the rule reports another than its own
}

// runRule runs a table for rule id, whose reason code is code.
func runRule(t *testing.T, id, code string, cases []ruleCase) {
	t.Helper()
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			base := tc.base
			if base == nil {
				base = approvedATR
			}
			f := base()
			if tc.mutate != nil {
				tc.mutate(f)
			}
			d := DecideVoucher(f)
			e := traceEntry(t, d, id)
			code := code
			if tc.code != "" {
				code = tc.code
			}
			require.Equal(t, code, e.Code, "rule %s traces the wrong code", id)

			assert.Equal(t, tc.result, e.Result, "rule %s result (detail %q)", id, e.Detail)
			assert.Equal(t, tc.decision, d.Decision, "decision; hits %v", d.Hits)
			h, hit := findHit(d.Hits, code)
			switch {
			case tc.result == ResultFired && code == CodeGranted:
				assert.False(t, hit, "the granting rule is not a reason")
			case tc.result == ResultFired:
				assert.NotEmpty(t, e.Detail, "a fired rule says what it saw")
				require.True(t, hit, "code %s not in hits %v", code, hitCodes(d.Hits))
				assert.Equal(t, e.Action, h.Action)
				assert.Equal(t, e.Detail, h.Detail)
				if tc.action != "" {
					assert.Equal(t, tc.action, e.Action)
				}
			case tc.result == ResultWaived:
				assert.NotEmpty(t, e.Detail, "a waived rule still says what it saw")
				assert.False(t, hit, "a waived rule is not a reason")
			default:
				assert.Empty(t, e.Detail)
				assert.False(t, hit, "code %s in hits although rule %s did not fire", code, id)
			}
			if tc.detail != "" {
				assert.Contains(t, e.Detail, tc.detail)
			}
			if tc.check != nil {
				tc.check(t, f, d)
			}
		})
	}
}

// grants asserts the units and span a partial or approved decision carries.
func grants(units int, start, end time.Time) func(t *testing.T, f *VoucherFacts, d VoucherDecision) {
	return func(t *testing.T, _ *VoucherFacts, d VoucherDecision) {
		t.Helper()
		assert.Equal(t, units, d.Units, "units granted")
		assert.True(t, start.Equal(d.Start), "start: want %s got %s", formatDate(start), formatDate(d.Start))
		assert.True(t, end.Equal(d.End), "end: want %s got %s", formatDate(end), formatDate(d.End))
	}
}

func TestBuildersAreApproved(t *testing.T) {
	t.Parallel()
	builders := []struct {
		name string
		fn   func() *VoucherFacts
	}{
		{"ATR", approvedATR}, {"RCM", approvedRCM}, {"RSVP", approvedRSVP}, {"MHW", approvedMHW}, {"EMP", approvedEMP},
	}
	for _, b := range builders {
		t.Run(b.name, func(t *testing.T) {
			t.Parallel()
			f := b.fn()
			d := DecideVoucher(f)
			require.Equal(t, Approved, d.Decision, "hits %v", d.Hits)
			assert.Empty(t, d.Hits)
			assert.Equal(t, f.Request.Units, d.Units)
			assert.True(t, f.Request.Start.Equal(d.Start))
			assert.True(t, f.Request.End.Equal(d.End))
			for _, e := range d.Trace {
				want := []string{ResultPassed, ResultNotApplicable}
				if e.Rule == "V90" {
					want = []string{ResultFired}
				}
				assert.Contains(t, want, e.Result, "rule %s", e.Rule)
			}
		})
	}
}

func TestRuleV01ServiceNotInCatalog(t *testing.T) {
	t.Parallel()
	// retired takes the service out of use from day on, the span ending end.
	retired := func(day, end time.Time) func(f *VoucherFacts) {
		return func(f *VoucherFacts) { f.Service.Active, f.Service.RetiredOn, f.Request.End = false, day, end }
	}
	runRule(t, "V01", CodeServiceNotInCatalog, []ruleCase{
		{name: "service of another program", mutate: func(f *VoucherFacts) { f.Service.ProgramCode = "RCM" },
			result: ResultFired, decision: Denied, detail: "belongs to RCM"},
		{name: "service withdrawn from the catalog", mutate: func(f *VoucherFacts) { f.Service.Active = false },
			result: ResultFired, decision: Denied, detail: "no longer offered"},
		// Retired from tomorrow, today is its last day offered, as claims
		// read it (C01): a span wholly on it was refused though its claims
		// would pay (a black-box pass).
		{name: "retired from tomorrow, a span of today", mutate: retired(addDays(spanStart, 1), spanStart),
			result: ResultPassed, decision: Approved, check: grants(40, spanStart, spanStart)},
		{name: "retired from the day after the span", mutate: retired(addDays(spanEnd, 1), spanEnd),
			result: ResultPassed, decision: Approved},
		{name: "retired inside the span", mutate: retired(addDays(spanStart, 10), spanEnd),
			result: ResultFired, decision: Denied, detail: "not offered from " + formatDate(addDays(spanStart, 10))},
		{name: "retired from the span's first day", mutate: retired(spanStart, spanEnd),
			result: ResultFired, decision: Denied, detail: "not offered from " + formatDate(spanStart)},
		{name: "active service of the program", result: ResultPassed, decision: Approved},
	})
}

func TestRuleV02AgreementInactive(t *testing.T) {
	t.Parallel()
	runRule(t, "V02", CodeAgreementInactive, []ruleCase{
		{name: "no agreement on file", mutate: func(f *VoucherFacts) { f.Provider.AgreementStart, f.Provider.AgreementEnd = time.Time{}, time.Time{} },
			result: ResultFired, decision: Denied, detail: "no agreement"},
		{name: "agreement ends the day before the span ends", mutate: func(f *VoucherFacts) { f.Provider.AgreementEnd = addDays(spanEnd, -1) },
			result: ResultFired, decision: Denied, detail: "no agreement covers " + formatDate(spanEnd) + " "},
		// The day neither period covers is named, not the later period (a
		// black-box pass read the gap's refusal as the later period's).
		{name: "a gap between two periods", mutate: func(f *VoucherFacts) {
			f.Provider.Agreements = []Period{{Start: addDays(spanStart, -100), End: addDays(spanStart, 2)}, {Start: addDays(spanStart, 5)}}
			f.Provider.AgreementStart, f.Provider.AgreementEnd = addDays(spanStart, 5), time.Time{}
		}, result: ResultFired, decision: Denied, detail: "no agreement covers " + formatDate(addDays(spanStart, 3)) + " (the newest runs from " +
			formatDate(addDays(spanStart, 5)) + ")"},
		{name: "agreement starts the day after the span starts", mutate: func(f *VoucherFacts) { f.Provider.AgreementStart = addDays(spanStart, 1) },
			result: ResultFired, decision: Denied},
		{name: "agreement ends on the span's last day", mutate: func(f *VoucherFacts) { f.Provider.AgreementEnd = spanEnd },
			result: ResultPassed, decision: Approved},
		{name: "agreement starts on the span's first day", mutate: func(f *VoucherFacts) { f.Provider.AgreementStart = spanStart },
			result: ResultPassed, decision: Approved},
		{name: "open-ended agreement", mutate: func(f *VoucherFacts) { f.Provider.AgreementEnd = time.Time{} },
			result: ResultPassed, decision: Approved},
	})
}

func TestRuleV03ProviderNotEnrolled(t *testing.T) {
	t.Parallel()
	runRule(t, "V03", CodeProviderNotEnrolled, []ruleCase{
		{name: "provider not in the program", mutate: func(f *VoucherFacts) { f.Provider.Programs = []string{"RCM"} },
			result: ResultFired, decision: Denied, detail: "not enrolled in ATR"},
		{name: "provider not enrolled for the service", mutate: func(f *VoucherFacts) { f.Provider.Services = []string{"ATR-TR", "ATR-DT"} },
			result: ResultFired, decision: Denied, detail: "not enrolled for ATR-CM"},
		{name: "enrolled for program and service", result: ResultPassed, decision: Approved},
	})
}

func TestRuleV04EnrollmentNotActive(t *testing.T) {
	t.Parallel()
	runRule(t, "V04", CodeEnrollmentNotActive, []ruleCase{
		{name: "no enrollment", mutate: func(f *VoucherFacts) { f.Enrollment = nil },
			result: ResultFired, decision: Denied, detail: "no enrollment"},
		{name: "enrollment with another provider", mutate: func(f *VoucherFacts) { f.Enrollment.ProviderID = otherProvID },
			result: ResultFired, decision: Denied, detail: "no enrollment"},
		{name: "enrollment in another program", mutate: func(f *VoucherFacts) { f.Enrollment.ProgramCode = "RCM" },
			result: ResultFired, decision: Denied},
		{name: "enrollment starts the day after the span starts", mutate: func(f *VoucherFacts) { f.Enrollment.Start = addDays(spanStart, 1) },
			result: ResultFired, decision: Denied, detail: "is not within the enrollment (from 2026-03-03, not discharged)"},
		{name: "discharged the day before the span ends", mutate: func(f *VoucherFacts) { f.Enrollment.Discharge = addDays(spanEnd, -1) },
			result: ResultFired, decision: Denied},
		{name: "discharged on the span's last day", mutate: func(f *VoucherFacts) { f.Enrollment.Discharge = spanEnd },
			result: ResultPassed, decision: Approved},
		{name: "enrollment starts on the span's first day", mutate: func(f *VoucherFacts) { f.Enrollment.Start = spanStart },
			result: ResultPassed, decision: Approved},
	})
}

func TestRuleV05CatchmentNotServed(t *testing.T) {
	t.Parallel()
	runRule(t, "V05", CodeCatchmentNotServed, []ruleCase{
		{name: "RCM client outside the nine areas", base: approvedRCM, mutate: func(f *VoucherFacts) { f.Client.CatchmentArea = "Stamford" },
			result: ResultFired, decision: Denied, detail: "Stamford"},
		{name: "RCM client with no area recorded", base: approvedRCM, mutate: func(f *VoucherFacts) { f.Client.CatchmentArea = "" },
			result: ResultFired, decision: Denied},
		{name: "RCM client in Norwich", base: approvedRCM, mutate: func(f *VoucherFacts) { f.Client.CatchmentArea = "Norwich" },
			result: ResultPassed, decision: Approved},
		{name: "RSVP client at the Willimantic site", base: approvedRSVP, mutate: func(f *VoucherFacts) { f.Client.CatchmentArea = "Willimantic" },
			result: ResultPassed, decision: Approved},
		{name: "RSVP client in Hartford, not an RSVP site", base: approvedRSVP, mutate: func(f *VoucherFacts) { f.Client.CatchmentArea = "Hartford" },
			result: ResultFired, decision: Denied},
		{name: "ATR lists no areas", mutate: func(f *VoucherFacts) { f.Client.CatchmentArea = "Stamford" },
			result: ResultNotApplicable, decision: Approved},
	})
}

func TestRuleV13AgencyAreaNotServed(t *testing.T) {
	t.Parallel()
	areas := func(client string, agency ...string) func(f *VoucherFacts) {
		return func(f *VoucherFacts) { f.Client.CatchmentArea, f.Provider.CatchmentAreas = client, agency }
	}
	runRule(t, "V13", CodeAgencyAreaNotServed, []ruleCase{
		{name: "client in an area the agency serves", mutate: areas("hartford", "bridgeport", "hartford"),
			result: ResultPassed, decision: Approved},
		{name: "client outside the agency's areas", mutate: areas("new_britain", "bridgeport", "norwalk"),
			result: ResultFired, decision: Denied, detail: "area new_britain is not among the agency's catchment areas"},
		{name: "client with no area, agency with areas", mutate: areas("", "bridgeport"),
			result: ResultFired, decision: Denied, detail: "(none recorded)"},
		{name: "agency with no areas on file", mutate: areas("new_britain"),
			result: ResultNotApplicable, decision: Approved},
		{name: "RCM client the program serves but the agency does not", base: approvedRCM, mutate: areas("norwich", "hartford"),
			result: ResultFired, decision: Denied},
	})
}

func TestRuleV06ConsentMissing(t *testing.T) {
	t.Parallel()
	withConsent := func(edit func(c *Consent)) func(f *VoucherFacts) {
		return func(f *VoucherFacts) {
			c := paymentConsent()
			edit(&c)
			f.Consents = []Consent{c}
		}
	}
	runRule(t, "V06", CodeConsentMissing, []ruleCase{
		{name: "no consent", mutate: func(f *VoucherFacts) { f.Consents = nil },
			result: ResultFired, decision: Denied},
		{name: "revoked", mutate: withConsent(func(c *Consent) { c.Revoked = true }),
			result: ResultFired, decision: Denied},
		{name: "expired yesterday", mutate: withConsent(func(c *Consent) { c.ExpiresOn = addDays(today, -1) }),
			result: ResultFired, decision: Denied},
		{name: "expires today", mutate: withConsent(func(c *Consent) { c.ExpiresOn = today }),
			result: ResultPassed, decision: Approved},
		{name: "no expiry date", mutate: withConsent(func(c *Consent) { c.ExpiresOn = time.Time{} }),
			result: ResultPassed, decision: Approved},
		{name: "signed tomorrow", mutate: withConsent(func(c *Consent) { c.SignedOn = addDays(today, 1) }),
			result: ResultFired, decision: Denied},
		{name: "signed today", mutate: withConsent(func(c *Consent) { c.SignedOn = today }),
			result: ResultPassed, decision: Approved},
		{name: "recipient is a provider, not the MSC", mutate: withConsent(func(c *Consent) { c.RecipientType = "provider" }),
			result: ResultFired, decision: Denied},
		{name: "purpose does not include payment", mutate: withConsent(func(c *Consent) { c.Purposes = []string{"treatment_coordination"} }),
			result: ResultFired, decision: Denied},
		{name: "disclosed by another provider", mutate: withConsent(func(c *Consent) { c.DisclosingProviderID = otherProvID }),
			result: ResultFired, decision: Denied},
		{name: "one good consent among three", mutate: func(f *VoucherFacts) {
			revoked, other := paymentConsent(), paymentConsent()
			revoked.Revoked = true
			other.DisclosingProviderID = otherProvID
			f.Consents = []Consent{revoked, other, paymentConsent()}
		}, result: ResultPassed, decision: Approved},
	})
}

func TestRuleV07MedicaidIDMissing(t *testing.T) {
	t.Parallel()
	runRule(t, "V07", CodeMedicaidIDMissing, []ruleCase{
		{name: "MHW client without a Medicaid ID", base: approvedMHW, mutate: func(f *VoucherFacts) { f.Client.HasMedicaidID = false },
			result: ResultFired, decision: Denied},
		{name: "MHW client with a Medicaid ID", base: approvedMHW, result: ResultPassed, decision: Approved},
		{name: "ATR is not billed to Medicaid", mutate: func(f *VoucherFacts) { f.Client.HasMedicaidID = false },
			result: ResultNotApplicable, decision: Approved},
	})
}

func TestRuleV08WaiverPlanMissing(t *testing.T) {
	t.Parallel()
	plan := func(edit func(p *CarePlan)) func(f *VoucherFacts) {
		return func(f *VoucherFacts) { edit(&f.CarePlans[0]) }
	}
	runRule(t, "V08", CodeWaiverPlanMissing, []ruleCase{
		{name: "no plan", base: approvedMHW, mutate: func(f *VoucherFacts) { f.CarePlans = nil },
			result: ResultFired, decision: Denied, detail: formatDate(spanStart)},
		{name: "plan closed", base: approvedMHW, mutate: plan(func(p *CarePlan) { p.Closed = true }),
			result: ResultFired, decision: Denied},
		{name: "plan starts the day after the span", base: approvedMHW, mutate: plan(func(p *CarePlan) { p.Start = addDays(spanStart, 1) }),
			result: ResultFired, decision: Denied},
		{name: "plan ended the day before the span", base: approvedMHW, mutate: plan(func(p *CarePlan) { p.End = addDays(spanStart, -1) }),
			result: ResultFired, decision: Denied},
		{name: "only an RSS care plan", base: approvedMHW, mutate: plan(func(p *CarePlan) { p.Kind = PlanRSSCare }),
			result: ResultFired, decision: Denied},
		{name: "waiver plan of another program", base: approvedMHW, mutate: plan(func(p *CarePlan) { p.ProgramCode = "RCM" }),
			result: ResultFired, decision: Denied},
		// In force on the first day, the span is cut at the plan's last
		// (V24): it ran on past it, claims and all (a black-box pass).
		{name: "plan ends on the span's first day", base: approvedMHW, mutate: plan(func(p *CarePlan) { p.End = spanStart }),
			result: ResultPassed, decision: Partial, check: func(t *testing.T, _ *VoucherFacts, d VoucherDecision) {
				assert.True(t, spanStart.Equal(d.Start) && spanStart.Equal(d.End), "%s..%s", formatDate(d.Start), formatDate(d.End))
			}},
		{name: "ATR needs no waiver plan", result: ResultNotApplicable, decision: Approved},
	})
}

func TestRuleV24SpanPastWaiverPlan(t *testing.T) {
	t.Parallel()
	ends := func(end time.Time, renewed bool) func(f *VoucherFacts) {
		return func(f *VoucherFacts) {
			f.CarePlans[0].End = end
			if renewed {
				next := f.CarePlans[0]
				next.Start, next.End = addDays(end, 1), time.Time{}
				f.CarePlans = append(f.CarePlans, next)
			}
		}
	}
	span := func(end time.Time) func(t *testing.T, _ *VoucherFacts, d VoucherDecision) {
		return func(t *testing.T, _ *VoucherFacts, d VoucherDecision) {
			assert.True(t, spanStart.Equal(d.Start) && end.Equal(d.End), "%s..%s", formatDate(d.Start), formatDate(d.End))
		}
	}
	runRule(t, "V24", CodeSpanPastWaiverPlan, []ruleCase{
		{name: "plan covers the span", base: approvedMHW, result: ResultPassed, decision: Approved},
		{name: "plan ends on the span's last day", base: approvedMHW, mutate: ends(spanEnd, false), result: ResultPassed, decision: Approved},
		{name: "plan ends three days before the span's end", base: approvedMHW, mutate: ends(addDays(spanEnd, -3), false),
			result: ResultFired, decision: Partial, detail: "span cut there", check: span(addDays(spanEnd, -3))},
		{name: "renewed the day after it ends", base: approvedMHW, mutate: ends(addDays(spanEnd, -3), true),
			result: ResultPassed, decision: Approved},
		{name: "ATR needs no waiver plan", result: ResultNotApplicable, decision: Approved},
	})
}

// A span the care plans listing the service stop covering is cut where
// they stop: V36 read the first day alone, and a plan ending six days in
// approved eleven weeks (a black-box pass).
func TestRuleV29SpanPastCarePlan(t *testing.T) {
	t.Parallel()
	ends := func(end time.Time, next ...string) func(f *VoucherFacts) {
		return func(f *VoucherFacts) {
			f.CarePlans[0].End = end
			if next != nil {
				p := carePlan(PlanRSSCare, "ATR", next...)
				p.Start = addDays(end, 1)
				f.CarePlans = append(f.CarePlans, p)
			}
		}
	}
	span := func(end time.Time) func(t *testing.T, _ *VoucherFacts, d VoucherDecision) {
		return func(t *testing.T, _ *VoucherFacts, d VoucherDecision) {
			assert.True(t, spanStart.Equal(d.Start) && end.Equal(d.End), "%s..%s", formatDate(d.Start), formatDate(d.End))
		}
	}
	runRule(t, "V29", CodeSpanPastCarePlan, []ruleCase{
		{name: "an open plan lists it", result: ResultPassed, decision: Approved},
		{name: "the plan ends on the span's last day", mutate: ends(spanEnd), result: ResultPassed, decision: Approved},
		{name: "the plan ends three days before the span's end", mutate: ends(addDays(spanEnd, -3)),
			result: ResultFired, decision: Partial, detail: "span cut there", check: span(addDays(spanEnd, -3))},
		{name: "a new plan listing it follows without a gap", mutate: ends(addDays(spanEnd, -3), "ATR-CM"),
			result: ResultPassed, decision: Approved},
		{name: "the plan that follows does not list it", mutate: ends(addDays(spanEnd, -3), "ATR-TR"),
			result: ResultFired, decision: Partial, check: span(addDays(spanEnd, -3))},
		{name: "no plan on the first day: V36 pends", mutate: func(f *VoucherFacts) { f.CarePlans = nil },
			result: ResultPassed, decision: Pended},
		// A reviewer lifting V36 grants the days before the first plan,
		// which still ends the span where plans stop (a re-check: a grant
		// starting a day before a plan ran past its end).
		{name: "a plan begins inside the span and ends before it", mutate: func(f *VoucherFacts) {
			f.CarePlans[0].Start, f.CarePlans[0].End = addDays(spanStart, 2), addDays(spanEnd, -3)
		}, result: ResultFired, decision: Pended, detail: "after " + formatDate(addDays(spanEnd, -3)) + "; span cut there"},
		// Where the care-plan rules are waived (zero reject), the plan's
		// end cuts nothing: recorded, a plan shortened an employment
		// voucher granted whole without one (a black-box pass).
		{name: "EMP zero reject waives it", base: approvedEMP, mutate: func(f *VoucherFacts) {
			f.Program.CarePlanRequired = true
			p := carePlan(PlanRSSCare, "EMP", "EMP-IPS")
			p.End = addDays(spanEnd, -3)
			f.CarePlans = append(f.CarePlans, p)
		}, result: ResultWaived, decision: Approved, detail: "span cut there", check: span(spanEnd)},
	})
}

func TestRuleV25SpanPastEmployment(t *testing.T) {
	t.Parallel()
	leaves := func(on time.Time) func(*VoucherFacts) {
		return func(f *VoucherFacts) {
			st := *f.Staff
			st.EmployedTo = on
			f.Staff = &st
		}
	}
	span := func(end time.Time) func(t *testing.T, _ *VoucherFacts, d VoucherDecision) {
		return func(t *testing.T, _ *VoucherFacts, d VoucherDecision) {
			assert.True(t, spanStart.Equal(d.Start) && end.Equal(d.End), "%s..%s", formatDate(d.Start), formatDate(d.End))
		}
	}
	runRule(t, "V25", CodeSpanPastEmployment, []ruleCase{
		{name: "no departure recorded", result: ResultNotApplicable, decision: Approved},
		{name: "leaves after the span", mutate: leaves(addDays(spanEnd, 1)), result: ResultPassed, decision: Approved},
		{name: "leaves on the span's last day", mutate: leaves(spanEnd), result: ResultPassed, decision: Approved},
		{name: "leaves three days before the span's end", mutate: leaves(addDays(spanEnd, -3)), result: ResultFired, decision: Partial,
			detail: "span cut there", check: span(addDays(spanEnd, -3))},
		{name: "leaves on the span's first day", mutate: leaves(spanStart), result: ResultFired, decision: Partial, check: span(spanStart)},
		// Units given back as they stand (a reactivation): the cut is
		// read, not made, so the rules after it judge the whole span.
		{name: "given back: read, not cut", mutate: func(f *VoucherFacts) { leaves(addDays(spanEnd, -3))(f); f.GivenBack = true },
			result: ResultFired, decision: Partial, detail: "span cut there", check: span(spanEnd)},
	})
}

func TestRuleV28SpanPastQualification(t *testing.T) {
	t.Parallel()
	cadcTo := func(to time.Time) func(*VoucherFacts) {
		return func(f *VoucherFacts) {
			st := *f.Staff
			st.Credentials = []Credential{{Type: CredBachelorHumanSvcs, ValidFrom: day(2002, time.May, 20)},
				{Type: CredCADC, ValidFrom: day(2024, time.January, 1), ValidTo: to}}
			f.Staff = &st
		}
	}
	span := func(end time.Time) func(t *testing.T, _ *VoucherFacts, d VoucherDecision) {
		return func(t *testing.T, _ *VoucherFacts, d VoucherDecision) {
			assert.True(t, spanStart.Equal(d.Start) && end.Equal(d.End), "%s..%s", formatDate(d.Start), formatDate(d.End))
		}
	}
	runRule(t, "V28", CodeSpanPastQualification, []ruleCase{
		{name: "a service needing no qualification", base: func() *VoucherFacts { f := approvedATR(); withService(f, atrTR()); ownAfterSpan(f); return f },
			result: ResultNotApplicable, decision: Approved},
		{name: "CADC valid past the span", result: ResultPassed, decision: Approved},
		{name: "CADC ends on the span's last day", mutate: cadcTo(spanEnd), result: ResultPassed, decision: Approved},
		{name: "CADC ends ten days in", mutate: cadcTo(addDays(spanStart, 9)), result: ResultFired, decision: Partial,
			detail: "qualification lapses", check: span(addDays(spanStart, 9))},
		{name: "a second path holds after the CADC ends", mutate: func(f *VoucherFacts) {
			cadcTo(addDays(spanStart, 9))(f)
			f.Staff.Credentials = append(f.Staff.Credentials, Credential{Type: CredCADC, ValidFrom: addDays(spanStart, 10), ValidTo: day(2029, time.January, 1)})
		}, result: ResultPassed, decision: Approved},
		{name: "not qualified on the first day (V11 denies)", mutate: cadcTo(addDays(spanStart, -1)), result: ResultPassed, decision: Denied},
		// A bachelor's under supervision lapses when the supervisor leaves
		// (a re-check found the span granted whole past it).
		{name: "the supervisor leaves five days in", mutate: func(f *VoucherFacts) {
			sup := cadcSupervisor()
			sup.EmployedTo = addDays(spanStart, 4)
			f.Staff = staffWith([]Credential{current(CredBachelorHumanSvcs)}, nil, sup)
		}, result: ResultFired, decision: Partial, detail: "qualification lapses", check: span(addDays(spanStart, 4))},
		// Supervision is dated: a supervisor replaced by one who does not
		// qualify ends the supervised path the day the change takes effect.
		{name: "the supervision passes to an unqualified supervisor seven days in", mutate: func(f *VoucherFacts) {
			f.Staff = staffWith([]Credential{current(CredBachelorHumanSvcs)}, nil, nil)
			f.Staff.Supervisions = []Supervision{{To: addDays(spanStart, 6), Supervisor: cadcSupervisor()},
				{From: addDays(spanStart, 7), Supervisor: supervisedOnlySupervisor()}}
		}, result: ResultFired, decision: Partial, detail: "qualification lapses", check: span(addDays(spanStart, 6))},
		{name: "the supervision passes to another qualified supervisor", mutate: func(f *VoucherFacts) {
			f.Staff = staffWith([]Credential{current(CredBachelorHumanSvcs)}, nil, nil)
			f.Staff.Supervisions = []Supervision{{To: addDays(spanStart, 6), Supervisor: cadcSupervisor()},
				{From: addDays(spanStart, 7), Supervisor: cadcSupervisor()}}
		}, result: ResultPassed, decision: Approved},
	})
}

func TestRuleV27UnitsOverSpanDays(t *testing.T) {
	t.Parallel()
	// The request alone: the fixture's own ATR-CM voucher is moved past
	// the span (the cases below with one of ours add it back).
	counted := func(unit string, days int) func(*VoucherFacts) {
		return func(f *VoucherFacts) {
			f.Service.Unit = unit
			f.Request.End = addDays(f.Request.Start, days-1)
			ownAfterSpan(f)
		}
	}
	units := func(n int) func(t *testing.T, _ *VoucherFacts, d VoucherDecision) {
		return func(t *testing.T, _ *VoucherFacts, d VoucherDecision) { assert.Equal(t, n, d.Units) }
	}
	// ours adds the agency's own authorization of the service, n units
	// from the span's first day over days days, after counted.
	ours := func(unit string, days, asked, n, over int, edit func(a *Authorization)) func(*VoucherFacts) {
		return func(f *VoucherFacts) {
			counted(unit, days)(f)
			f.Request.Units = asked
			a := Authorization{ID: 41, Number: "ATR-2026-000041", ProviderID: provID, ServiceCode: f.Service.Code, EpisodeID: episodeID,
				Start: f.Request.Start, End: addDays(f.Request.Start, over-1), UnitsAuthorized: n, Rate: f.Service.Rate}
			if edit != nil {
				edit(&a)
			}
			f.Authorizations = append(f.Authorizations, a)
		}
	}
	runRule(t, "V27", CodeUnitsOverSpanDays, []ruleCase{
		{name: "a unit not counted by time", mutate: counted("trip", 7), result: ResultNotApplicable, decision: Approved},
		{name: "40 days over 40", mutate: counted("day", 40), result: ResultPassed, decision: Approved},
		{name: "40 days over 7", mutate: counted("day", 7), result: ResultFired, decision: Partial,
			detail: "40 units of day over 7 days reduced to 7", check: units(7)},
		{name: "40 hours over 1 day", mutate: counted("hour", 1), result: ResultFired, decision: Partial, check: units(24)},
		{name: "40 quarter hours over 1 day", mutate: counted("15min", 1), result: ResultPassed, decision: Approved},
		// After a span cut: the departure leaves 3 days.
		{name: "a span cut first", mutate: func(f *VoucherFacts) {
			counted("day", 40)(f)
			st := *f.Staff
			st.EmployedTo = addDays(f.Request.Start, 2)
			f.Staff = &st
		}, result: ResultFired, decision: Partial, check: units(3)},
		// The agency's own live authorizations over the same days hold
		// their units of what the days hold: three 10-night vouchers over
		// one 10 days were each granted whole, and five 24-hour requests
		// for one day 80 hours (a black-box pass).
		{name: "10 nights again over the same 10 days", mutate: ours("day", 10, 10, 10, 10, nil),
			result: ResultFired, decision: Denied, action: ActionDeny,
			detail: "this agency's authorization ATR-2026-000041 (" + formatDate(spanStart) + ".." + formatDate(addDays(spanStart, 9)) +
				", 10 units) over the same days holds 10 units of the 10 the days hold; none left"},
		{name: "24 hours again on one day", mutate: ours("hour", 1, 24, 24, 1, nil),
			result: ResultFired, decision: Denied, action: ActionDeny, check: units(0)},
		{name: "16 hours of ours on the day leave 8", mutate: ours("hour", 1, 24, 16, 1, nil),
			result: ResultFired, decision: Partial, detail: "24 units reduced to 8", check: units(8)},
		{name: "ours leaves room for what was asked", mutate: ours("hour", 1, 8, 16, 1, nil),
			result: ResultPassed, decision: Approved, check: units(8)},
		// One of ours counts at most what the days it shares hold: 30
		// nights over 30 days sharing the span's first 2 hold 2 of them.
		{name: "ours shares two of the span's days", mutate: ours("day", 10, 10, 30, 30, func(a *Authorization) {
			a.Start, a.End = addDays(spanStart, -28), addDays(spanStart, 1)
		}), result: ResultFired, decision: Partial, detail: "10 units reduced to 8", check: units(8)},
		{name: "ours ended the day before the span", mutate: ours("day", 10, 10, 10, 10, func(a *Authorization) {
			a.Start, a.End = addDays(spanStart, -10), addDays(spanStart, -1)
		}), result: ResultPassed, decision: Approved, check: units(10)},
		{name: "ours inactive, nothing used", mutate: ours("day", 10, 10, 10, 10, func(a *Authorization) { a.Inactive = true }),
			result: ResultPassed, decision: Approved, check: units(10)},
		// A void one's used nights were delivered on its days.
		// (Six of the shared days past, so the four may have fallen on them.)
		{name: "ours voided after 4 nights", mutate: func(f *VoucherFacts) {
			ours("day", 10, 10, 10, 10, func(a *Authorization) { a.Void, a.UnitsUsed = true, 4 })(f)
			f.Today = addDays(f.Request.Start, 5)
		}, result: ResultFired, decision: Partial, detail: "10 units reduced to 6", check: units(6)},
		// Used units fall on days up to today: none of a span ahead's days
		// (an exhausted voucher's nights, all billed before a top-up's
		// span, held its nights, and a void's night billed before a new
		// span cut it: a re-check).
		{name: "ours exhausted before a span ahead", mutate: func(f *VoucherFacts) {
			ours("day", 10, 10, 14, 30, func(a *Authorization) { a.UnitsUsed = 14; a.Start = addDays(a.Start, -14) })(f)
			f.Today = addDays(f.Request.Start, -1)
		}, result: ResultPassed, decision: Approved, check: units(10)},
		{name: "ours voided after a night before a span ahead", mutate: func(f *VoucherFacts) {
			ours("day", 10, 10, 10, 20, func(a *Authorization) { a.Void, a.UnitsUsed, a.Start = true, 1, addDays(a.Start, -5) })(f)
			f.Today = addDays(f.Request.Start, -1)
		}, result: ResultPassed, decision: Approved, check: units(10)},
		{name: "ours part used, its rest over a span ahead", mutate: func(f *VoucherFacts) {
			ours("day", 10, 10, 14, 30, func(a *Authorization) { a.UnitsUsed = 10; a.Start = addDays(a.Start, -14) })(f)
			f.Today = addDays(f.Request.Start, -1)
		}, result: ResultFired, decision: Partial, detail: "10 units reduced to 6", check: units(6)},
		{name: "ours for another service", mutate: ours("day", 10, 10, 10, 10, func(a *Authorization) { a.ServiceCode = "ATR-TR" }),
			result: ResultPassed, decision: Approved, check: units(10)},
		// Another agency's is V34's (a pend, under its consent), never
		// read here.
		{name: "another agency's", mutate: ours("day", 10, 10, 10, 10, func(a *Authorization) { a.ProviderID = otherProvID }),
			result: ResultPassed, decision: Pended},
	})
}

func TestRuleV26SpanPastBackgroundCheck(t *testing.T) {
	t.Parallel()
	passed := BackgroundCheck{CheckedOn: addDays(spanStart, -30), Passed: true}
	// born is the client's birth date; checks follow the passed one.
	with := func(born time.Time, checks ...BackgroundCheck) func(*VoucherFacts) {
		return func(f *VoucherFacts) {
			f.Client.DateOfBirth = born
			st := *f.Staff
			st.BackgroundChecks = append([]BackgroundCheck{passed}, checks...)
			f.Staff = &st
		}
	}
	minor := spanStart.AddDate(-15, 0, 0)
	failed := func(on time.Time) BackgroundCheck { return BackgroundCheck{CheckedOn: on, Passed: false} }
	span := func(end time.Time) func(t *testing.T, _ *VoucherFacts, d VoucherDecision) {
		return func(t *testing.T, _ *VoucherFacts, d VoucherDecision) {
			assert.True(t, spanStart.Equal(d.Start) && end.Equal(d.End), "%s..%s", formatDate(d.Start), formatDate(d.End))
		}
	}
	runRule(t, "V26", CodeSpanPastBackgroundCheck, []ruleCase{
		{name: "an adult", result: ResultNotApplicable, decision: Approved},
		{name: "a minor, no check after the passed one", mutate: with(minor), result: ResultPassed, decision: Approved},
		{name: "a minor, a check failed ten days in", mutate: with(minor, failed(addDays(spanStart, 10))), result: ResultFired,
			decision: Partial, detail: "span cut there", check: span(addDays(spanStart, 10))},
		{name: "a minor, the earliest of two failed checks cuts", mutate: with(minor, failed(addDays(spanStart, 12)), failed(addDays(spanStart, 4))),
			result: ResultFired, decision: Partial, check: span(addDays(spanStart, 4))},
		{name: "a minor, a check failed on the span's last day", mutate: with(minor, failed(spanEnd)), result: ResultPassed, decision: Approved},
		{name: "a minor, a failed check passed again the same day", mutate: with(minor, failed(addDays(spanStart, 3)),
			BackgroundCheck{CheckedOn: addDays(spanStart, 3), Passed: true}), result: ResultFired, decision: Partial, check: span(addDays(spanStart, 3))},
		{name: "a minor, a check failed before the start and passed since", mutate: with(minor, failed(addDays(spanStart, -5)),
			BackgroundCheck{CheckedOn: addDays(spanStart, -2), Passed: true}), result: ResultPassed, decision: Approved},
		{name: "comes of age before the check fails", mutate: with(spanStart.AddDate(-18, 0, 3), failed(addDays(spanStart, 10))),
			result: ResultPassed, decision: Approved},
		{name: "comes of age after the check fails", mutate: with(spanStart.AddDate(-18, 0, 20), failed(addDays(spanStart, 10))),
			result: ResultFired, decision: Partial, check: span(addDays(spanStart, 10))},
		{name: "not cleared on the first day (V12 denies)", mutate: with(minor, failed(addDays(spanStart, -1))),
			result: ResultPassed, decision: Denied},
	})
}

func TestRuleV09GPRAIntakeMissing(t *testing.T) {
	t.Parallel()
	runRule(t, "V09", CodeGPRAIntakeMissing, []ruleCase{
		{name: "ATR without intake GPRA", mutate: func(f *VoucherFacts) { f.GPRA = GPRA{} },
			result: ResultFired, decision: Denied},
		{name: "ATR with intake GPRA", result: ResultPassed, decision: Approved},
		{name: "RCM has no GPRA", base: approvedRCM, result: ResultNotApplicable, decision: Approved},
	})
}

func TestRuleV10NotPrimaryCaseManager(t *testing.T) {
	t.Parallel()
	runRule(t, "V10", CodeNotPrimaryCaseManager, []ruleCase{
		{name: "ATR-CM from a non-primary enrollment", mutate: func(f *VoucherFacts) { f.Enrollment.PrimaryCaseManager = false },
			result: ResultFired, decision: Denied},
		{name: "ATR-CM from the primary case manager", result: ResultPassed, decision: Approved},
		{name: "transportation needs no primary case manager", mutate: func(f *VoucherFacts) {
			withService(f, atrTR())
			ownAfterSpan(f)
			f.Enrollment.PrimaryCaseManager = false
		}, result: ResultNotApplicable, decision: Approved},
		// Each agency designates on its own record; the earlier designation stands.
		{name: "another agency designated primary first", mutate: func(f *VoucherFacts) {
			f.OtherEnrollments = []Enrollment{{ID: 9000, ProviderID: otherProvID, ProgramCode: "ATR", EpisodeID: episodeID,
				Start: day(2026, time.January, 2), PrimaryCaseManager: true}}
		}, result: ResultFired, decision: Denied, detail: "provider 202", check: sourced(otherProvID)},
		{name: "another agency designated primary later", mutate: func(f *VoucherFacts) {
			f.OtherEnrollments = []Enrollment{{ID: 9100, ProviderID: otherProvID, ProgramCode: "ATR", EpisodeID: episodeID,
				Start: day(2026, time.January, 2), PrimaryCaseManager: true}}
		}, result: ResultPassed, decision: Approved},
		{name: "another agency's earlier primary was discharged", mutate: func(f *VoucherFacts) {
			f.OtherEnrollments = []Enrollment{{ID: 9000, ProviderID: otherProvID, ProgramCode: "ATR", EpisodeID: episodeID,
				Start: day(2026, time.January, 2), Discharge: day(2026, time.January, 20), PrimaryCaseManager: true}}
		}, result: ResultPassed, decision: Approved},
		// A designation on a stay not begun by the request's first day
		// does not outrank the agency serving the client (a re-check).
		{name: "another agency's earlier primary begins after the span starts", mutate: func(f *VoucherFacts) {
			f.OtherEnrollments = []Enrollment{{ID: 9000, ProviderID: otherProvID, ProgramCode: "ATR", EpisodeID: episodeID,
				Start: addDays(spanStart, 1), PrimaryCaseManager: true}}
		}, result: ResultPassed, decision: Approved},
		{name: "another agency's earlier primary begins on the span's first day", mutate: func(f *VoucherFacts) {
			f.OtherEnrollments = []Enrollment{{ID: 9000, ProviderID: otherProvID, ProgramCode: "ATR", EpisodeID: episodeID,
				Start: spanStart, PrimaryCaseManager: true}}
		}, result: ResultFired, decision: Denied},
		// A designation held by an agency under no agreement, or out of
		// service, on the span's first day does not stand: it can be given
		// no voucher, and the agency under agreement was denied with no
		// reviewer seeing it (a re-check).
		{name: "another agency's earlier primary has lapsed", mutate: func(f *VoucherFacts) {
			f.OtherEnrollments = []Enrollment{{ID: 9000, ProviderID: otherProvID, ProgramCode: "ATR", EpisodeID: episodeID,
				Start: day(2026, time.January, 2), PrimaryCaseManager: true, Lapsed: true}}
		}, result: ResultPassed, decision: Approved},
		{name: "a lapsed holder set aside, the next designation stands", mutate: func(f *VoucherFacts) {
			f.OtherEnrollments = []Enrollment{
				{ID: 8999, ProviderID: otherProvID, ProgramCode: "ATR", EpisodeID: episodeID,
					Start: day(2026, time.January, 2), PrimaryCaseManager: true, Lapsed: true},
				{ID: 9000, ProviderID: otherProvID + 1, ProgramCode: "ATR", EpisodeID: episodeID,
					Start: day(2026, time.January, 2), PrimaryCaseManager: true}}
		}, result: ResultFired, decision: Denied, detail: "enrollment 9000", check: sourced(otherProvID + 1)},
		// A designation is its agency's unbroken stay's, ranked from the
		// stay's first designated enrollment: readmitted the same day, the
		// agency whose flag came first kept it (a black-box pass).
		{name: "the request's stay was designated before another agency's", mutate: func(f *VoucherFacts) {
			f.DesignatedAs = 8000
			f.OtherEnrollments = []Enrollment{{ID: 9000, ProviderID: otherProvID, ProgramCode: "ATR", EpisodeID: episodeID,
				Start: day(2026, time.January, 2), PrimaryCaseManager: true}}
		}, result: ResultPassed, decision: Approved},
		{name: "another agency's stay was designated before the request's", mutate: func(f *VoucherFacts) {
			f.OtherEnrollments = []Enrollment{{ID: 9100, ProviderID: otherProvID, ProgramCode: "ATR", EpisodeID: episodeID,
				Start: day(2026, time.January, 2), PrimaryCaseManager: true, DesignatedAs: 8000}}
		}, result: ResultFired, decision: Denied, detail: "enrollment 9100", check: sourced(otherProvID)},
		{name: "another agency's readmission begins after the span starts, its stay before", mutate: func(f *VoucherFacts) {
			f.OtherEnrollments = []Enrollment{{ID: 9100, ProviderID: otherProvID, ProgramCode: "ATR", EpisodeID: episodeID,
				Start: addDays(spanStart, 1), PrimaryCaseManager: true, DesignatedAs: 8000, DesignatedFrom: day(2026, time.January, 2)}}
		}, result: ResultFired, decision: Denied},
	})
}

// sourced checks that the rule's hit and trace name the agency whose
// records the detail quotes, so the detail can be withheld from others.
func sourced(provider int64) func(t *testing.T, f *VoucherFacts, d VoucherDecision) {
	return func(t *testing.T, _ *VoucherFacts, d VoucherDecision) {
		t.Helper()
		found := false
		for _, h := range d.Hits {
			if h.Source != 0 {
				assert.Equal(t, provider, h.Source)
				found = true
			}
		}
		assert.True(t, found, "a hit names its source: %+v", d.Hits)
		for _, h := range d.Hits {
			assert.Nil(t, h.Sources, "one agency is named once: %+v", h)
		}
		n := 0
		for _, e := range d.Trace {
			if e.Source != 0 {
				assert.Equal(t, provider, e.Source)
				n++
			}
		}
		assert.Equal(t, 1, n, "one trace entry names its source")
	}
}

func TestRuleV11StaffNotQualified(t *testing.T) {
	t.Parallel()
	runRule(t, "V11", CodeStaffNotQualified, []ruleCase{
		{name: "no staff named for case management", mutate: func(f *VoucherFacts) { f.Staff = nil },
			result: ResultFired, decision: Denied, detail: "no_staff_named"},
		{name: "staff of another provider", mutate: func(f *VoucherFacts) { f.Staff.ProviderID = otherProvID },
			result: ResultFired, decision: Denied, detail: "staff_not_with_provider"},
		{name: "staff inactive", mutate: func(f *VoucherFacts) { f.Staff.Active = false },
			result: ResultFired, decision: Denied, detail: "staff_not_with_provider"},
		{name: "CADC expired the day before the span", mutate: func(f *VoucherFacts) {
			f.Staff.Credentials = []Credential{{Type: CredCADC, ValidFrom: day(2023, time.January, 1), ValidTo: addDays(spanStart, -1)}}
		}, result: ResultFired, decision: Denied, detail: "no_qualifying_path"},
		{name: "CADC valid to the span's first day (V28 cuts the rest)", mutate: func(f *VoucherFacts) {
			f.Staff.Credentials = []Credential{{Type: CredCADC, ValidFrom: day(2023, time.January, 1), ValidTo: spanStart}}
		}, result: ResultPassed, decision: Partial},
		{name: "MHW recovery assistant without training", base: approvedMHW, mutate: func(f *VoucherFacts) { f.Staff.Credentials = f.Staff.Credentials[:2] },
			result: ResultFired, decision: Denied, detail: "no_valid_ra_training"},
		{name: "RCM staff who is not a recovery specialist", base: approvedRCM, mutate: func(f *VoucherFacts) { f.Staff.Role = "case_manager" },
			result: ResultFired, decision: Denied, detail: "role_not_recovery_specialist"},
		{name: "transportation needs no qualified staff", mutate: func(f *VoucherFacts) {
			withService(f, atrTR())
			ownAfterSpan(f)
			f.Staff = nil
		}, result: ResultPassed, decision: Approved},
	})
}

func TestRuleV12BackgroundCheckMissing(t *testing.T) {
	t.Parallel()
	// minor turns 18 the day after the span starts; adult turns 18 on it.
	minor := func(f *VoucherFacts) { f.Client.DateOfBirth = spanStart.AddDate(-18, 0, 1) }
	checkedOn := func(d time.Time, passed bool) func(f *VoucherFacts) {
		return func(f *VoucherFacts) {
			minor(f)
			f.Staff.BackgroundChecks = []BackgroundCheck{{CheckedOn: d, Passed: passed}}
		}
	}
	runRule(t, "V12", CodeBackgroundCheckMissing, []ruleCase{
		{name: "17-year-old, check dated the start day", mutate: checkedOn(spanStart, true),
			result: ResultFired, decision: Denied, detail: "before " + formatDate(spanStart)},
		{name: "17-year-old, check dated the day before", mutate: checkedOn(addDays(spanStart, -1), true),
			result: ResultPassed, decision: Approved},
		{name: "17-year-old, check failed", mutate: checkedOn(day(2025, time.June, 1), false),
			result: ResultFired, decision: Denied},
		{name: "17-year-old, no checks at all", mutate: checkedOn(time.Time{}, false),
			result: ResultFired, decision: Denied},
		{name: "17-year-old, a failed and a passed check", mutate: func(f *VoucherFacts) {
			minor(f)
			f.Staff.BackgroundChecks = []BackgroundCheck{{CheckedOn: day(2024, time.May, 1), Passed: false}, {CheckedOn: day(2025, time.May, 1), Passed: true}}
		}, result: ResultPassed, decision: Approved},
		{name: "17-year-old, no staff named for transportation", mutate: func(f *VoucherFacts) {
			minor(f)
			withService(f, atrTR())
			f.Staff = nil
		}, result: ResultFired, decision: Denied, detail: "no staff"},
		{name: "18 on the start day, no checks", mutate: func(f *VoucherFacts) {
			f.Client.DateOfBirth = spanStart.AddDate(-18, 0, 0)
			f.Staff.BackgroundChecks = nil
		}, result: ResultNotApplicable, decision: Approved},
		{name: "adult client", result: ResultNotApplicable, decision: Approved},
	})
}

func TestRuleV20SpanOverValidity(t *testing.T) {
	t.Parallel()
	runRule(t, "V20", CodeSpanOverValidity, []ruleCase{
		{name: "exactly 90 days", result: ResultPassed, decision: Approved, check: grants(40, spanStart, spanEnd)},
		{name: "91 days cut to 90", mutate: func(f *VoucherFacts) { f.Request.End = addDays(spanEnd, 1) },
			result: ResultFired, decision: Partial, detail: "91 days cut to 90", check: grants(40, spanStart, spanEnd)},
		{name: "120 days cut to 90", mutate: func(f *VoucherFacts) { f.Request.End = addDays(spanStart, 119) },
			result: ResultFired, decision: Partial, check: grants(40, spanStart, spanEnd)},
		{name: "one day", mutate: func(f *VoucherFacts) { f.Request.End = spanStart },
			result: ResultPassed, decision: Approved, check: grants(40, spanStart, spanStart)},
		{name: "RCM has no validity limit", base: approvedRCM, mutate: func(f *VoucherFacts) { f.Request.End = addDays(spanStart, 179) },
			result: ResultNotApplicable, decision: Approved},
	})
}

func TestRuleV21SpanPastLengthOfService(t *testing.T) {
	t.Parallel()
	// los sets a cut-at-the-limit length of service whose last day is last.
	los := func(last time.Time) func(f *VoucherFacts) {
		return func(f *VoucherFacts) {
			f.Program.LOSMaxDays = daysInclusive(f.Enrollment.Start, last)
			f.Program.LOSReviewPastMax = false
		}
	}
	runRule(t, "V21", CodeSpanPastLengthOfService, []ruleCase{
		{name: "limit is the span's last day", mutate: los(spanEnd),
			result: ResultPassed, decision: Approved, check: grants(40, spanStart, spanEnd)},
		{name: "limit the day before the span ends", mutate: los(addDays(spanEnd, -1)),
			result: ResultFired, decision: Partial, detail: formatDate(addDays(spanEnd, -1)), check: grants(40, spanStart, addDays(spanEnd, -1))},
		{name: "limit on the span's first day", mutate: los(spanStart),
			result: ResultFired, decision: Partial, check: grants(40, spanStart, spanStart)},
		// Nothing is left to grant, and no reviewer lifts the limit: denied
		// (it pended, and a reviewer granted the whole span).
		{name: "span starts after the limit", mutate: los(addDays(spanStart, -1)), code: CodeSpanAfterLengthOfService,
			result: ResultFired, decision: Denied, action: ActionDeny, detail: "starts after"},
		{name: "RCM reviews past the limit instead", base: approvedRCM, mutate: func(f *VoucherFacts) { f.Request.End = addDays(f.Enrollment.Start, 300) },
			result: ResultNotApplicable, decision: Pended},
		{name: "ATR has no length of service", result: ResultNotApplicable, decision: Approved},
		{name: "no enrollment", mutate: func(f *VoucherFacts) { los(spanEnd)(f); f.Enrollment = nil },
			result: ResultNotApplicable, decision: Denied},
	})
}

func TestRuleV22UnitsOverVoucherMax(t *testing.T) {
	t.Parallel()
	// The agency's own voucher over the span would hold part of the
	// maximum (V38): these ask for the maximum alone.
	units := func(n int) func(f *VoucherFacts) {
		return func(f *VoucherFacts) { f.Request.Units = n; ownAfterSpan(f) }
	}
	runRule(t, "V22", CodeUnitsOverVoucherMax, []ruleCase{
		{name: "exactly the per-voucher max", mutate: units(96),
			result: ResultPassed, decision: Approved, check: grants(96, spanStart, spanEnd)},
		{name: "one over the max", mutate: units(97),
			result: ResultFired, decision: Partial, detail: "97 units reduced to 96", check: grants(96, spanStart, spanEnd)},
		{name: "far over the max", mutate: units(480),
			result: ResultFired, decision: Partial, check: grants(96, spanStart, spanEnd)},
		{name: "MHW 481 units", base: approvedMHW, mutate: units(481),
			result: ResultFired, decision: Partial, check: grants(480, spanStart, spanEnd)},
	})
}

// TestRuleV38OwnAuthorizationOverlap: the agency's own live authorizations
// of the service over the span's days count toward the per-voucher
// maximum. An operations black-box pass sent one EMP-IPS request (160
// units, the maximum, no per-episode maximum) three times with new
// idempotency keys and was granted three full vouchers over the same days.
func TestRuleV38OwnAuthorizationOverlap(t *testing.T) {
	t.Parallel()
	// own adds the agency's own EMP-IPS authorization over the span.
	own := func(units int, edit func(a *Authorization)) func(f *VoucherFacts) {
		return func(f *VoucherFacts) {
			a := Authorization{ID: 31, Number: "EMP-2026-000031", ProviderID: provID, ServiceCode: "EMP-IPS", EpisodeID: episodeID,
				Start: spanStart, End: spanEnd, UnitsAuthorized: units, Rate: dec("18.00")}
			if edit != nil {
				edit(&a)
			}
			f.Authorizations = append(f.Authorizations, a)
		}
	}
	asks := func(n int, then func(f *VoucherFacts)) func(f *VoucherFacts) {
		return func(f *VoucherFacts) { f.Request.Units = n; then(f) }
	}
	runRule(t, "V38", CodeOwnAuthorizationOverlap, []ruleCase{
		{name: "no authorization of ours", base: approvedEMP, mutate: asks(160, func(*VoucherFacts) {}),
			result: ResultPassed, decision: Approved, check: grants(160, spanStart, spanEnd)},
		// The repro: the same request again, after one was granted.
		{name: "the same request again", base: approvedEMP, mutate: asks(160, own(160, nil)),
			result: ResultFired, decision: Denied, code: CodeOwnAuthorizationAtMax, action: ActionDeny,
			detail: "EMP-2026-000031 (" + formatDate(spanStart) + ".." + formatDate(spanEnd) + ", 160 units) over the same days holds 160 units of the per-voucher maximum 160; none left"},
		{name: "a top-up within the maximum", base: approvedEMP, mutate: asks(120, own(40, nil)),
			result: ResultPassed, decision: Approved, check: grants(120, spanStart, spanEnd)},
		{name: "a top-up past the maximum is cut to what it leaves", base: approvedEMP, mutate: asks(160, own(40, nil)),
			result: ResultFired, decision: Partial, detail: "160 units reduced to 120", check: grants(120, spanStart, spanEnd)},
		{name: "two of ours are summed", base: approvedEMP, mutate: asks(160, func(f *VoucherFacts) {
			own(40, nil)(f)
			own(100, func(a *Authorization) { a.ID, a.Number, a.Start = 32, "EMP-2026-000032", addDays(spanEnd, -5) })(f)
		}), result: ResultFired, decision: Partial, detail: "hold 140 units", check: grants(20, spanStart, spanEnd)},
		// Used or not, a live one's units count: its used ones were billed
		// on its days, and the rest may still be.
		{name: "ours used up", base: approvedEMP, mutate: asks(160, own(160, func(a *Authorization) { a.UnitsUsed = 160 })),
			result: ResultFired, decision: Denied, code: CodeOwnAuthorizationAtMax},
		{name: "ours shares only the span's first day", base: approvedEMP,
			mutate: asks(160, own(160, func(a *Authorization) { a.Start, a.End = addDays(spanStart, -30), spanStart })),
			result: ResultFired, decision: Denied, code: CodeOwnAuthorizationAtMax},
		{name: "ours ended the day before the span", base: approvedEMP,
			mutate: asks(160, own(160, func(a *Authorization) { a.Start, a.End = addDays(spanStart, -30), addDays(spanStart, -1) })),
			result: ResultPassed, decision: Approved},
		{name: "ours starts the day after the span", base: approvedEMP,
			mutate: asks(160, own(160, func(a *Authorization) { a.Start, a.End = addDays(spanEnd, 1), addDays(spanEnd, 30) })),
			result: ResultPassed, decision: Approved},
		// A void or inactive one draws no more claims, but the units it
		// used were delivered on its days: void and granted again, a
		// voucher's days held 10 delivered and 96 authorized of a
		// per-voucher maximum of 96 (a black-box pass).
		{name: "ours voided after 30 were used", base: approvedEMP,
			mutate: asks(160, own(160, func(a *Authorization) { a.Void, a.UnitsUsed = true, 30 })),
			result: ResultFired, decision: Partial, check: grants(130, spanStart, spanEnd),
			detail: "EMP-2026-000031 (" + formatDate(spanStart) + ".." + formatDate(spanEnd) + ", 30 units used, void) over the same days holds 30 units"},
		{name: "ours voided unused", base: approvedEMP, mutate: asks(160, own(160, func(a *Authorization) { a.Void = true })),
			result: ResultPassed, decision: Approved},
		{name: "ours inactive", base: approvedEMP, mutate: asks(160, own(160, func(a *Authorization) { a.Inactive = true })),
			result: ResultPassed, decision: Approved},
		{name: "ours inactive after 50 were used", base: approvedEMP,
			mutate: asks(160, own(160, func(a *Authorization) { a.Inactive, a.UnitsUsed = true, 50 })),
			result: ResultFired, decision: Partial, detail: "50 units used, inactive", check: grants(110, spanStart, spanEnd)},
		{name: "ours for another service", base: approvedEMP,
			mutate: asks(160, own(160, func(a *Authorization) { a.ServiceCode = "EMP-SED" })),
			result: ResultPassed, decision: Approved},
		// Another agency's is V34's (a pend naming it, under its consent),
		// never counted here: what it holds is not the requester's to read.
		{name: "another agency's", base: approvedEMP,
			mutate: asks(160, own(160, func(a *Authorization) { a.ProviderID = otherProvID })),
			result: ResultPassed, decision: Pended},
		// Judged on the span the cuts leave: a voucher of ours past the
		// validity cut shares no day with the grant.
		{name: "ours only over days V20 cut off", mutate: func(f *VoucherFacts) {
			f.Request.Units, f.Request.End = 96, addDays(spanStart, 119)
			ownAfterSpan(f)
			f.Authorizations[0].Start, f.Authorizations[0].End = addDays(spanEnd, 1), addDays(spanEnd, 20)
		}, result: ResultPassed, decision: Partial, check: grants(96, spanStart, spanEnd)},
		// The per-voucher cut comes first: 200 asked are 96, then 56 beside
		// our 40 (the fixture's own ATR-CM voucher).
		{name: "after the per-voucher cut", mutate: func(f *VoucherFacts) { f.Request.Units = 200 },
			result: ResultFired, decision: Partial, detail: "96 units reduced to 56", check: grants(56, spanStart, spanEnd)},
		{name: "a service with no per-voucher maximum", base: approvedEMP,
			mutate: asks(160, func(f *VoucherFacts) { own(160, nil)(f); f.Service.PerVoucherMax = 0 }),
			result: ResultNotApplicable, decision: Approved},
	})
}

func TestRuleV30GPRAFollowupOverdue(t *testing.T) {
	t.Parallel()
	intakeDaysAgo := func(n int, followup bool) func(f *VoucherFacts) {
		return func(f *VoucherFacts) {
			f.GPRA.IntakeDate = addDays(today, -n)
			f.GPRA.FollowupRecorded = followup
		}
	}
	runRule(t, "V30", CodeGPRAFollowupOverdue, []ruleCase{
		{name: "window closes today", mutate: intakeDaysAgo(240, false), result: ResultPassed, decision: Approved},
		{name: "window closed yesterday", mutate: intakeDaysAgo(241, false),
			result: ResultFired, decision: Pended, detail: formatDate(addDays(today, -1))},
		{name: "window closed, follow-up recorded", mutate: intakeDaysAgo(241, true), result: ResultPassed, decision: Approved},
		{name: "inside the window", mutate: intakeDaysAgo(160, false), result: ResultPassed, decision: Approved},
		{name: "no intake: V09 denies instead", mutate: func(f *VoucherFacts) { f.GPRA = GPRA{IntakeDate: addDays(today, -400)} },
			result: ResultNotApplicable, decision: Denied},
		{name: "RCM has no GPRA", base: approvedRCM, result: ResultNotApplicable, decision: Approved},
	})
}

func TestRuleV31LengthOfServiceReview(t *testing.T) {
	t.Parallel()
	// RCM: 270 days from enrollment start, so the last day is start+269.
	endAt := func(offset int) func(f *VoucherFacts) {
		return func(f *VoucherFacts) { f.Request.End = addDays(f.Enrollment.Start, 269+offset) }
	}
	runRule(t, "V31", CodeLengthOfServiceReview, []ruleCase{
		{name: "ends on day 270", base: approvedRCM, mutate: endAt(0), result: ResultPassed, decision: Approved},
		{name: "ends on day 271", base: approvedRCM, mutate: endAt(1),
			result: ResultFired, decision: Pended, detail: "past day 270"},
		{name: "ATR has no length of service", result: ResultNotApplicable, decision: Approved},
	})
}

func TestRuleV32EpisodeUnitsExceeded(t *testing.T) {
	t.Parallel()
	// Transportation: 40 per voucher, 200 per episode, 12.00 a trip, so the
	// dollar cap stays out of the way.
	transport := func(authorized, asked int) func(f *VoucherFacts) {
		return func(f *VoucherFacts) {
			withService(f, atrTR())
			ownAfterSpan(f) // our own ATR-TR voucher is held in full, over later days
			f.EpisodeUnitsAuthorized = authorized
			f.EpisodeDollarsAuthorized = dec("800.00").Add(Amount(dec("12.00"), authorized))
			f.Request.Units = asked
		}
	}
	runRule(t, "V32", CodeEpisodeUnitsExceeded, []ruleCase{
		{name: "reaches the episode max exactly", mutate: transport(160, 40), result: ResultPassed, decision: Approved},
		{name: "one unit over the episode max", mutate: transport(161, 40),
			result: ResultFired, decision: Pended, detail: "40 units asked, 39 left of 200"},
		{name: "max already passed", mutate: transport(210, 10),
			result: ResultFired, decision: Pended, detail: "0 left"},
		{name: "judged on units after the per-voucher cut", mutate: transport(160, 45),
			result: ResultPassed, decision: Partial, check: grants(40, spanStart, spanEnd)},
		{name: "over even after the cut", mutate: transport(161, 45),
			result: ResultFired, decision: Pended},
		{name: "RCM has no per-episode max", base: approvedRCM, result: ResultNotApplicable, decision: Approved},
		// Our own authorizations alone take it past the max: the reason is
		// our records', whoever else holds units (naming the other agency
		// withheld it, where a person we alone serve reads it: a
		// black-box pass).
		{name: "our own authorizations alone over the max, another agency's too", mutate: func(f *VoucherFacts) {
			transport(178, 40)(f)
			f.Authorizations[1].UnitsAuthorized = 170
			// theirs all used and ended before the span (so no
			// duplicate: one used up bills again once a void gives units
			// back, V34): 8 held
			f.Authorizations[2].ServiceCode, f.Authorizations[2].UnitsUsed = "ATR-TR", 8
			f.Authorizations[2].End = addDays(spanStart, -1)
		}, result: ResultFired, decision: Pended, detail: "40 units asked, 30 left of 200 by this agency's authorizations alone",
			check: func(t *testing.T, f *VoucherFacts, d VoucherDecision) {
				noSource(t, f, d)
				// The MSC's read of the episode beside it, the other
				// agency's 8 units counted: a reviewer granting "what
				// is left" by the agency's figure passed the cap.
				require.Len(t, d.Hits, 1)
				assert.Equal(t, &EpisodeFigure{Detail: "40 units asked, 22 left of 200", Sources: []int64{thirdProvID}}, d.Hits[0].Episode)
			}},
		// Our earlier stay's authorization, the episode kept open by
		// another agency's: ours when that stay runs unbroken into this
		// one (a stranger's episode goes on across it); after a break not
		// counted at all, as a stranger's next stay, which opens an
		// episode of its own, does not count it. Read as the other
		// agency's record, it pended CONFLICT_ON_FILE where a stranger's
		// was approved (42 CFR Part 2).
		{name: "our earlier stay's units in our unbroken stay are ours", mutate: func(f *VoucherFacts) {
			transport(178, 40)(f)
			earlierStay(f, day(2025, time.December, 1))
		}, result: ResultFired, decision: Pended, detail: "40 units asked, 30 left of 200 by this agency's authorizations alone",
			check: noSource},
		{name: "our earlier stay's units before a break are not counted", mutate: func(f *VoucherFacts) {
			transport(178, 40)(f)
			earlierStay(f, time.Time{})
		}, result: ResultPassed, decision: Approved},
		// Held unbroken through a discharge dated back, but broken by its
		// dates as the episode runs: a stranger's next stay began an
		// episode afresh, so the earlier units are not counted here either
		// (a re-check, Part 2).
		{name: "our earlier stay's units before a break only of dates are not counted", mutate: func(f *VoucherFacts) {
			transport(178, 40)(f)
			earlierStay(f, time.Time{})
			f.Enrollment.StayStart = day(2025, time.December, 1)
		}, result: ResultPassed, decision: Approved},
		// The other agency's units still count, and alone name it.
		{name: "beside our earlier stay's units, the other agency's past the max", mutate: func(f *VoucherFacts) {
			transport(335, 40)(f)
			earlierStay(f, time.Time{})
			f.Authorizations[2].UnitsAuthorized, f.Authorizations[2].UnitsUsed = 165, 165
		}, result: ResultFired, decision: Pended, detail: "40 units asked, 35 left of 200", check: sourced(thirdProvID)},
		{name: "over the max only with another agency's units", mutate: func(f *VoucherFacts) {
			transport(178, 40)(f)
			f.Authorizations[1].UnitsAuthorized = 150
			f.Authorizations[2].ServiceCode, f.Authorizations[2].UnitsAuthorized, f.Authorizations[2].UnitsUsed = "ATR-TR", 28, 28
			f.Authorizations[2].End = addDays(spanStart, -1) // no duplicate (V34)
		}, result: ResultFired, decision: Pended, detail: "40 units asked, 22 left of 200", check: sourced(thirdProvID)},
	})
}

// earlierStay makes our ATR-TR voucher one of an earlier stay of ours
// (December 2025, 170 trips used), the episode kept open by the third
// agency's enrollment, and our stay unbroken since stayStart (none: the
// enrollment begun after a break).
func earlierStay(f *VoucherFacts, stayStart time.Time) {
	a := &f.Authorizations[1]
	a.EnrollmentID, a.Start, a.End, a.UnitsAuthorized, a.UnitsUsed = 8000, day(2025, time.December, 10), day(2025, time.December, 31), 170, 170
	f.Authorizations[2].ServiceCode, f.Authorizations[2].UnitsUsed = "ATR-TR", 8
	f.Authorizations[2].End = addDays(spanStart, -1) // used up and ended: no duplicate (V34)
	f.OtherEnrollments = []Enrollment{{ID: 9500, ProviderID: thirdProvID, ProgramCode: "ATR", EpisodeID: episodeID, Start: day(2025, time.November, 1)}}
	f.Enrollment.StayStart, f.Enrollment.CapsStayStart = stayStart, stayStart
}

// noSource checks that no hit or trace entry names another agency.
func noSource(t *testing.T, _ *VoucherFacts, d VoucherDecision) {
	t.Helper()
	for _, h := range d.Hits {
		assert.Zero(t, h.Source, "%+v", h)
		assert.Nil(t, h.Sources, "%+v", h)
	}
	for _, e := range d.Trace {
		assert.Zero(t, e.Source, "%+v", e)
		assert.Nil(t, e.Sources, "%+v", e)
	}
}

func TestRuleV33EpisodeDollarsExceeded(t *testing.T) {
	t.Parallel()
	authorized := func(s string, units int) func(f *VoucherFacts) {
		return func(f *VoucherFacts) {
			f.EpisodeDollarsAuthorized = dec(s)
			f.Request.Units = units
		}
	}
	runRule(t, "V33", CodeEpisodeDollarsExceeded, []ruleCase{
		{name: "reaches the cap exactly", mutate: authorized("3400.00", 40), result: ResultPassed, decision: Approved},
		{name: "one cent over the cap", mutate: authorized("3400.01", 40),
			result: ResultFired, decision: Pended, detail: "600.00 asked, 599.99 left of 4000.00"},
		{name: "cap already passed", mutate: authorized("4100.00", 1),
			result: ResultFired, decision: Pended, detail: "0.00 left"},
		// Totals that count another agency's authorizations quote its records.
		{name: "totals counting another agency's authorization", mutate: authorized("3400.01", 40),
			result: ResultFired, decision: Pended, check: sourced(thirdProvID)},
		// Our earlier stay's authorization (2040.00 of trips), the episode
		// kept open by another agency's across the break: not counted, as
		// a stranger's next stay, in an episode of its own, does not
		// count it (read as the other agency's record, it pended
		// CONFLICT_ON_FILE where a stranger's was approved); the other
		// agency's still are.
		{name: "our earlier stay's dollars before a break are not counted", mutate: func(f *VoucherFacts) {
			authorized("3400.01", 40)(f)
			earlierStay(f, time.Time{})
		}, result: ResultPassed, decision: Approved},
		{name: "beside our earlier stay's dollars, the other agency's past the cap", mutate: func(f *VoucherFacts) {
			authorized("5440.01", 40)(f)
			earlierStay(f, time.Time{})
		}, result: ResultFired, decision: Pended, detail: "600.00 asked, 599.99 left of 4000.00", check: sourced(thirdProvID)},
		// Two other agencies: the detail quotes both, so a provider sees it
		// only under a consent naming each (Withhold).
		{name: "totals counting two other agencies' authorizations", mutate: func(f *VoucherFacts) {
			authorized("3400.01", 40)(f)
			a := f.Authorizations[2]
			a.ID, a.Number, a.ProviderID = a.ID+1000, a.Number+"-2", otherProvID
			f.Authorizations = append(f.Authorizations, a, f.Authorizations[2])
		}, result: ResultFired, decision: Pended, check: func(t *testing.T, _ *VoucherFacts, d VoucherDecision) {
			require.Len(t, d.Hits, 1)
			assert.Equal(t, thirdProvID, d.Hits[0].Source)
			assert.Equal(t, []int64{thirdProvID, otherProvID}, d.Hits[0].Sources, "each agency once, the first first")
			n := 0
			for _, e := range d.Trace {
				if e.Sources != nil {
					assert.Equal(t, d.Hits[0].Sources, e.Sources)
					n++
				}
			}
			assert.Equal(t, 1, n)
		}},
		{name: "totals of our own authorizations only", mutate: func(f *VoucherFacts) {
			authorized("3400.01", 40)(f)
			f.Authorizations = f.Authorizations[:2]
		}, result: ResultFired, decision: Pended, check: func(t *testing.T, _ *VoucherFacts, d VoucherDecision) {
			for _, h := range d.Hits {
				assert.Zero(t, h.Source, "%+v", h)
			}
		}},
		// Another agency's authorization voided unused holds nothing of the
		// totals: naming it withheld a reason our own records explained,
		// telling the provider someone else knew the person (a black-box
		// pass).
		{name: "another agency's authorization voided unused", mutate: func(f *VoucherFacts) {
			authorized("3400.01", 40)(f)
			f.Authorizations[2].Void, f.Authorizations[2].UnitsUsed = true, 0
		}, result: ResultFired, decision: Pended, check: func(t *testing.T, _ *VoucherFacts, d VoucherDecision) {
			for _, h := range d.Hits {
				assert.Zero(t, h.Source, "%+v", h)
				assert.Nil(t, h.Sources, "%+v", h)
			}
		}},
		{name: "another agency's authorization voided after use", mutate: func(f *VoucherFacts) {
			authorized("3400.01", 40)(f)
			f.Authorizations[2].Void, f.Authorizations[2].UnitsUsed = true, 2
		}, result: ResultFired, decision: Pended, check: sourced(thirdProvID)},
		{name: "judged on units after the per-voucher cut", mutate: func(f *VoucherFacts) { authorized("2560.00", 100)(f); ownAfterSpan(f) },
			result: ResultPassed, decision: Partial, check: grants(96, spanStart, spanEnd)},
		{name: "RCM has no dollar cap", base: approvedRCM, mutate: func(f *VoucherFacts) { f.EpisodeDollarsAuthorized = dec("99999.00") },
			result: ResultNotApplicable, decision: Approved},
		{name: "our own authorizations alone over the cap, another agency's too", mutate: func(f *VoucherFacts) {
			authorized("4190.00", 40)(f) // 250×15 + 20×12 ours, 8×25 theirs
			f.Authorizations[0].UnitsAuthorized = 250
			ownAfterSpan(f)
		}, result: ResultFired, decision: Pended, detail: "600.00 asked, 10.00 left of 4000.00 by this agency's authorizations alone",
			check: noSource},
		// An episode another agency opened keeps the cap of its day (a Part
		// 2 black-box pass read it in clear): the agency's own records are
		// judged by the cap of the day its own stay began, and a cap not
		// that one is the opener's record when the episode's total fires
		// (judged in clear by today's, a re-check told a known person from
		// a stranger). The agency's own alone past its own cap read in
		// clear, as a stranger's past its episode's do (sourced to the
		// opener, a person known elsewhere read CONFLICT_ON_FILE: a
		// lifecycle black-box pass of the thirty-sixth stop).
		{name: "episode opened elsewhere under a lower cap", mutate: func(f *VoucherFacts) {
			authorized("0.00", 40)(f)
			f.Authorizations = f.Authorizations[:2]
			f.Program.EpisodeDollarCap = dec("300.00")
			f.Program.AgencyCap = &ProgramCap{Has: true, Cap: dec("4000.00"), By: otherProvID}
		}, result: ResultFired, decision: Pended, detail: "600.00 asked, 300.00 left of 300.00", check: sourced(otherProvID)},
		{name: "episode opened elsewhere under a higher cap", mutate: func(f *VoucherFacts) {
			authorized("0.00", 40)(f)
			f.Authorizations = f.Authorizations[:2]
			ownAfterSpan(f)
			f.Program.AgencyCap = &ProgramCap{Has: true, Cap: dec("300.00"), By: otherProvID}
		}, result: ResultFired, decision: Pended, detail: "by this agency's authorizations alone", check: noSource},
		{name: "episode opened elsewhere under today's cap", mutate: func(f *VoucherFacts) {
			authorized("3400.01", 40)(f)
			f.Authorizations = f.Authorizations[:2]
			f.Program.AgencyCap = &ProgramCap{Has: true, Cap: dec("4000.00"), By: otherProvID}
		}, result: ResultFired, decision: Pended, check: noSource},
		{name: "episode opened elsewhere with no cap, the program's now 1.00", base: approvedRCM, mutate: func(f *VoucherFacts) {
			f.EpisodeDollarsAuthorized = dec("0.00")
			f.Program.AgencyCap = &ProgramCap{Has: true, Cap: dec("1.00"), By: otherProvID}
		}, result: ResultFired, decision: Pended, detail: "by this agency's authorizations alone", check: noSource},
		{name: "episode opened elsewhere under today's cap, our own over it", mutate: func(f *VoucherFacts) {
			authorized("4190.00", 40)(f)
			f.Authorizations[0].UnitsAuthorized = 250
			f.Authorizations = f.Authorizations[:2]
			ownAfterSpan(f)
			f.Program.AgencyCap = &ProgramCap{Has: true, Cap: dec("4000.00"), By: otherProvID}
		}, result: ResultFired, decision: Pended, detail: "by this agency's authorizations alone", check: noSource},
		// Our own exception raised the cap to what every agency's
		// authorizations held, another's among them: our own cap is
		// raised to what ours hold, and ours alone past it read in clear,
		// as a stranger's past its own exception's cap do (withheld, a
		// black-box pass of the thirty-fourth stop told them apart).
		{name: "our own exception raised a shared episode's cap, ours over our own", mutate: func(f *VoucherFacts) {
			authorized("4190.00", 40)(f)
			f.Authorizations[0].UnitsAuthorized = 250 // ours hold 3990.00
			ownAfterSpan(f)
			f.Program.EpisodeDollarCap = dec("4190.00")
			f.Program.AgencyCap = &ProgramCap{Has: true, Cap: dec("3000.00"), OwnRaised: true}
		}, result: ResultFired, decision: Pended, detail: "600.00 asked, 0.00 left of 3990.00 by this agency's authorizations alone",
			check: noSource},
		{name: "our own exception raised a shared episode's cap, the totals over it", mutate: func(f *VoucherFacts) {
			authorized("3400.01", 40)(f)
			f.Program.AgencyCap = &ProgramCap{Has: true, Cap: dec("3500.00"), OwnRaised: true}
		}, result: ResultFired, decision: Pended, detail: "600.00 asked, 599.99 left of 4000.00", check: sourced(thirdProvID)},
		{name: "episode opened elsewhere, our own exception standing, ours over our own", mutate: func(f *VoucherFacts) {
			authorized("4190.00", 40)(f)
			f.Authorizations[0].UnitsAuthorized = 250
			ownAfterSpan(f)
			f.Program.EpisodeDollarCap = dec("4190.00")
			f.Program.AgencyCap = &ProgramCap{Has: true, Cap: dec("3000.00"), By: otherProvID, OwnRaised: true}
		}, result: ResultFired, decision: Pended, detail: "600.00 asked, 0.00 left of 3990.00 by this agency's authorizations alone",
			check: noSource},
	})
}

// The room another agency's standing exception keeps in the episode's
// cap (its own cap past what its own authorizations hold) is taken for the
// requester: a grant into it passed the program's cap on that agency's
// exception with no reviewer (a white-box review). The reason is that
// agency's record, named as a source whether or not its authorizations
// hold anything; the requester's own room is its own.
func TestRuleV33KeepsAnotherAgencysRoom(t *testing.T) {
	t.Parallel()
	// The third agency's authorization holds 200.00 (8 × 25.00).
	kept := func(authorized string, caps ...KeptOwnCap) func(f *VoucherFacts) {
		return func(f *VoucherFacts) {
			f.EpisodeDollarsAuthorized = dec(authorized)
			f.OthersOwnCaps = caps
		}
	}
	runRule(t, "V33", CodeEpisodeDollarsExceeded, []ruleCase{
		{name: "another agency's room taken by a cent", mutate: kept("3340.00", KeptOwnCap{ProviderID: thirdProvID, Cap: dec("260.01")}),
			result: ResultFired, decision: Pended, detail: "600.00 asked, 599.99 left of 4000.00", check: sourced(thirdProvID)},
		{name: "another agency's room left whole", mutate: kept("3340.00", KeptOwnCap{ProviderID: thirdProvID, Cap: dec("260.00")}),
			result: ResultPassed, decision: Approved},
		{name: "another agency holding all its own cap keeps no room",
			mutate: kept("3400.00", KeptOwnCap{ProviderID: thirdProvID, Cap: dec("150.00")}), result: ResultPassed, decision: Approved},
		{name: "two agencies' rooms together", mutate: kept("3340.00", KeptOwnCap{ProviderID: thirdProvID, Cap: dec("230.00")},
			KeptOwnCap{ProviderID: otherProvID, Cap: dec("30.01")}),
			result: ResultFired, decision: Pended, detail: "600.00 asked, 599.99 left of 4000.00",
			check: func(t *testing.T, _ *VoucherFacts, d VoucherDecision) {
				require.Len(t, d.Hits, 1)
				assert.Equal(t, thirdProvID, d.Hits[0].Source)
				assert.Equal(t, []int64{thirdProvID, otherProvID}, d.Hits[0].Sources, "the agency holding nothing is named too")
			}},
		{name: "the room of an agency holding nothing", mutate: func(f *VoucherFacts) {
			kept("3340.00", KeptOwnCap{ProviderID: otherProvID, Cap: dec("60.01")})(f)
			f.Authorizations = f.Authorizations[:2]
		}, result: ResultFired, decision: Pended, check: sourced(otherProvID)},
		{name: "our own room is ours", mutate: kept("3400.00", KeptOwnCap{ProviderID: provID, Cap: dec("9000.00")}),
			result: ResultPassed, decision: Approved},
		{name: "episode opened elsewhere under a higher cap, another agency's room taken", mutate: func(f *VoucherFacts) {
			kept("3340.00", KeptOwnCap{ProviderID: thirdProvID, Cap: dec("260.01")})(f)
			f.Program.AgencyCap = &ProgramCap{Has: true, Cap: dec("5000.00"), By: otherProvID}
		}, result: ResultFired, decision: Pended, detail: "600.00 asked, 599.99 left of 4000.00",
			check: func(t *testing.T, _ *VoucherFacts, d VoucherDecision) {
				require.Len(t, d.Hits, 1)
				assert.ElementsMatch(t, []int64{thirdProvID, otherProvID}, d.Hits[0].Sources)
			}},
	})
}

// The room the episode keeps beside its cap for an agency's earlier stay
// (ReadmissionRoom) holds another agency's dollars past the cap: a
// request of an agency with no earlier stay of its own there reads the
// totals less it, as they stood before the readmission's grant, never
// less than what other agencies' stays no longer open hold today (the
// room outlasting them gives no grant their dollars). The third agency's
// authorization holds 200.00 (8 × 25.00).
func TestRuleV33ReadsAReadmissionsRoom(t *testing.T) {
	t.Parallel()
	room := func(authorized, room string, enrollment int64) func(f *VoucherFacts) {
		return func(f *VoucherFacts) {
			f.EpisodeDollarsAuthorized = dec(authorized)
			f.ReadmissionRoom = dec(room)
			f.Authorizations[2].EnrollmentID = enrollment
			f.OtherEnrollments = []Enrollment{
				{ID: 9400, ProviderID: thirdProvID, ProgramCode: "ATR", EpisodeID: episodeID, Start: day(2025, time.November, 1),
					Discharge: day(2025, time.December, 1)},
				{ID: 9500, ProviderID: thirdProvID, ProgramCode: "ATR", EpisodeID: episodeID, Start: day(2026, time.January, 1)}}
		}
	}
	runRule(t, "V33", CodeEpisodeDollarsExceeded, []ruleCase{
		{name: "no room", mutate: room("3400.01", "0", 9400),
			result: ResultFired, decision: Pended, detail: "600.00 asked, 599.99 left of 4000.00", check: sourced(thirdProvID)},
		{name: "the room holds an earlier stay's dollars past the cap", mutate: room("3500.00", "100.00", 9400),
			result: ResultPassed, decision: Approved},
		{name: "past the cap by a cent beside the room", mutate: room("3500.01", "100.00", 9400),
			result: ResultFired, decision: Pended, detail: "600.00 asked, 599.99 left of 4000.00", check: sourced(thirdProvID)},
		{name: "a room past what the earlier stay holds counts what it holds", mutate: room("3600.00", "500.00", 9400),
			result: ResultPassed, decision: Approved},
		{name: "a room past what the earlier stay holds, by a cent", mutate: room("3600.01", "500.00", 9400),
			result: ResultFired, decision: Pended, detail: "600.00 asked, 599.99 left of 4000.00"},
		{name: "an open stay's dollars are no part of the room", mutate: room("3500.00", "100.00", 9500),
			result: ResultFired, decision: Pended, detail: "600.00 asked, 500.00 left of 4000.00"},
	})
}

func TestRuleV34DuplicateOtherProvider(t *testing.T) {
	t.Parallel()
	// other is another agency's live ATR-CM authorization over the span.
	other := func(edit func(a *Authorization)) func(f *VoucherFacts) {
		return func(f *VoucherFacts) {
			a := Authorization{ID: 21, Number: "ATR-2026-000021", ProviderID: otherProvID, ServiceCode: "ATR-CM", EpisodeID: episodeID,
				Start: day(2026, time.February, 15), End: day(2026, time.May, 15), UnitsAuthorized: 40, UnitsUsed: 5, Rate: dec("15.00")}
			if edit != nil {
				edit(&a)
			}
			f.Authorizations = append(f.Authorizations, a)
		}
	}
	runRule(t, "V34", CodeDuplicateOtherProvider, []ruleCase{
		{name: "another provider's overlapping authorization", mutate: other(nil),
			result: ResultFired, decision: Pended, detail: "ATR-2026-000021 of provider 202", check: sourced(otherProvID)},
		// Ours is no duplicate; it holds part of the per-voucher maximum
		// over the span's days beside the fixture's own (V38).
		{name: "our own overlapping authorization", mutate: other(func(a *Authorization) { a.ProviderID = provID }),
			result: ResultPassed, decision: Partial, check: grants(16, spanStart, spanEnd)},
		// One used up bills again over its whole span once a void of one
		// of its claims gives units back (a black-box pass: both agencies
		// were paid for one day); a void one holds the days it billed,
		// up to its void, and nothing when it used nothing.
		{name: "exhausted", mutate: other(func(a *Authorization) { a.UnitsUsed = a.UnitsAuthorized }),
			result: ResultFired, decision: Pended, detail: "ATR-2026-000021 of provider 202 overlaps (2026-02-15..2026-05-15)"},
		{name: "void, voided within the span", mutate: other(func(a *Authorization) { a.Void, a.VoidedOn = true, addDays(spanStart, 3) }),
			result: ResultFired, decision: Pended, detail: "overlaps (2026-02-15.." + formatDate(addDays(spanStart, 3)) + ")"},
		{name: "void, voided before the span", mutate: other(func(a *Authorization) { a.Void, a.VoidedOn = true, addDays(spanStart, -1) }),
			result: ResultPassed, decision: Approved},
		{name: "void, nothing used", mutate: other(func(a *Authorization) { a.Void, a.UnitsUsed, a.VoidedOn = true, 0, addDays(spanStart, 3) }),
			result: ResultPassed, decision: Approved},
		{name: "void, its span ended before the span", mutate: other(func(a *Authorization) {
			a.Void, a.Start, a.End, a.VoidedOn = true, addDays(spanStart, -30), addDays(spanStart, -1), addDays(spanStart, 3)
		}), result: ResultPassed, decision: Approved},
		{name: "void, read before its day was", mutate: other(func(a *Authorization) { a.Void = true }), result: ResultPassed, decision: Approved},
		{name: "one unit left", mutate: other(func(a *Authorization) { a.UnitsUsed = a.UnitsAuthorized - 1 }), result: ResultFired, decision: Pended},
		{name: "another service", mutate: other(func(a *Authorization) { a.ServiceCode = "ATR-LS" }), result: ResultPassed, decision: Approved},
		{name: "ends on the span's first day", mutate: other(func(a *Authorization) { a.End = spanStart }), result: ResultFired, decision: Pended},
		{name: "starts on the span's last day", mutate: other(func(a *Authorization) { a.Start, a.End = spanEnd, addDays(spanEnd, 60) }),
			result: ResultFired, decision: Pended},
		{name: "starts the day after the span", mutate: other(func(a *Authorization) { a.Start, a.End = addDays(spanEnd, 1), addDays(spanEnd, 60) }),
			result: ResultPassed, decision: Approved},
		// Days of its agency's suspension are no days it can bill (a
		// black-box pass: an authorization granted over them was ended as
		// a duplicate); one day left outside is.
		{name: "overlapping only in its agency's suspension", mutate: other(func(a *Authorization) {
			a.Suspended = []Period{{Start: addDays(spanStart, -3), End: addDays(spanEnd, 2)}}
		}), result: ResultPassed, decision: Approved},
		{name: "overlapping in two suspensions end to end", mutate: other(func(a *Authorization) {
			a.Suspended = []Period{{Start: spanStart, End: addDays(spanStart, 4)}, {Start: addDays(spanStart, 5), End: spanEnd}}
		}), result: ResultPassed, decision: Approved},
		{name: "overlapping one day before its agency's suspension", mutate: other(func(a *Authorization) {
			a.Suspended = []Period{{Start: addDays(spanStart, 1), End: addDays(spanEnd, 2)}}
		}), result: ResultFired, decision: Pended},
		// The other agency still bills the days it held (a black-box pass:
		// both were paid for one day when this one was granted).
		{name: "expired yesterday, overlapping a retro span", mutate: func(f *VoucherFacts) {
			f.Request.Start, f.Request.End = addDays(today, -10), addDays(today, 79)
			other(func(a *Authorization) { a.End = addDays(today, -1) })(f)
		}, result: ResultFired, decision: Pended},
		{name: "expired before a retro span", mutate: func(f *VoucherFacts) {
			f.Request.Start, f.Request.End = addDays(today, -10), addDays(today, 79)
			other(func(a *Authorization) { a.End = addDays(today, -11) })(f)
		}, result: ResultPassed, decision: Approved},
		{name: "inactive since before the span", mutate: other(func(a *Authorization) {
			a.Inactive, a.IdleDays, a.LastActivity = true, 30, addDays(spanStart, -31)
		}), result: ResultPassed, decision: Approved},
		{name: "inactive within the span", mutate: other(func(a *Authorization) {
			a.Inactive, a.IdleDays, a.LastActivity = true, 30, addDays(spanStart, -20)
		}), result: ResultFired, decision: Pended},
		{name: "overlaps only the days V20 cut off", mutate: func(f *VoucherFacts) {
			f.Request.End = addDays(spanStart, 119)
			other(func(a *Authorization) { a.Start, a.End = addDays(spanEnd, 1), addDays(spanEnd, 60) })(f)
		}, result: ResultPassed, decision: Partial, check: grants(40, spanStart, spanEnd)},
		// Two other agencies, each named and each a source (the reviewer
		// was told of the first only: a black-box pass), a third
		// authorization of the first agency named without repeating it.
		{name: "two other agencies", mutate: func(f *VoucherFacts) {
			other(nil)(f)
			other(func(a *Authorization) { a.ID, a.Number, a.ProviderID = 22, "ATR-2026-000022", otherProvID+1 })(f)
			other(func(a *Authorization) { a.ID, a.Number = 23, "ATR-2026-000023" })(f)
		}, result: ResultFired, decision: Pended, detail: "ATR-2026-000021 of provider 202 overlaps",
			check: func(t *testing.T, _ *VoucherFacts, d VoucherDecision) {
				h, ok := findHit(d.Hits, CodeDuplicateOtherProvider)
				require.True(t, ok)
				assert.Contains(t, h.Detail, "ATR-2026-000022 of provider 203 overlaps")
				assert.Contains(t, h.Detail, "ATR-2026-000023 of provider 202 overlaps")
				assert.Equal(t, otherProvID, h.Source)
				assert.Equal(t, []int64{otherProvID, otherProvID + 1}, h.Sources)
			}},
	})
}

func TestRuleV35CaseloadAtCap(t *testing.T) {
	t.Parallel()
	load := func(role string, n int) func(f *VoucherFacts) {
		return func(f *VoucherFacts) {
			f.Staff.Role = role
			f.Caseload = n
		}
	}
	runRule(t, "V35", CodeCaseloadAtCap, []ruleCase{
		{name: "lead specialist one under the cap of 10", base: approvedRCM, mutate: load(RoleLeadRecoverySpecialist, 9),
			result: ResultPassed, decision: Approved},
		{name: "lead specialist at the cap of 10", base: approvedRCM, mutate: load(RoleLeadRecoverySpecialist, 10),
			result: ResultFired, decision: Pended, detail: "cap 10 for lead_recovery_specialist"},
		{name: "recovery specialist at 14 of 15", base: approvedRCM, mutate: load(RoleRecoverySpecialist, 14),
			result: ResultPassed, decision: Approved},
		{name: "recovery specialist at the cap of 15", base: approvedRCM, mutate: load(RoleRecoverySpecialist, 15),
			result: ResultFired, decision: Pended, detail: "cap 15"},
		{name: "RCM with no staff named", base: approvedRCM, mutate: func(f *VoucherFacts) { f.Staff = nil; f.Caseload = 40 },
			result: ResultNotApplicable, decision: Denied},
		{name: "ATR has no caseload caps", mutate: func(f *VoucherFacts) { f.Caseload = 99 },
			result: ResultNotApplicable, decision: Approved},
	})
}

func TestRuleV36NotInCarePlan(t *testing.T) {
	t.Parallel()
	plan := func(edit func(p *CarePlan)) func(f *VoucherFacts) {
		return func(f *VoucherFacts) { edit(&f.CarePlans[0]) }
	}
	runRule(t, "V36", CodeNotInCarePlan, []ruleCase{
		{name: "no care plan", mutate: func(f *VoucherFacts) { f.CarePlans = nil },
			result: ResultFired, decision: Pended, detail: "ATR-CM is in no RSS care plan active on"},
		{name: "plan without the service", mutate: plan(func(p *CarePlan) { p.Services = []string{"ATR-TR"} }),
			result: ResultFired, decision: Pended},
		{name: "plan closed", mutate: plan(func(p *CarePlan) { p.Closed = true }), result: ResultFired, decision: Pended},
		{name: "plan of another program", mutate: plan(func(p *CarePlan) { p.ProgramCode = "RCM" }), result: ResultFired, decision: Pended},
		{name: "plan starts the day after the span", mutate: plan(func(p *CarePlan) { p.Start = addDays(spanStart, 1) }),
			result: ResultFired, decision: Pended},
		{name: "plan ended the day before the span", mutate: plan(func(p *CarePlan) { p.End = addDays(spanStart, -1) }),
			result: ResultFired, decision: Pended},
		{name: "plan ends on the span's first day", mutate: plan(func(p *CarePlan) { p.End = spanStart }),
			result: ResultPassed, decision: Partial}, // V29 cuts the span there
		{name: "second plan lists the service", mutate: func(f *VoucherFacts) {
			f.CarePlans[0].Closed = true
			f.CarePlans = append(f.CarePlans, carePlan(PlanRSSCare, "ATR", "ATR-CM"))
		}, result: ResultPassed, decision: Approved},
		{name: "MHW waiver plan without the service", base: approvedMHW, mutate: plan(func(p *CarePlan) { p.Services = []string{"MHW-XX"} }),
			result: ResultFired, decision: Pended, detail: "is in no waiver recovery plan active on"},
		{name: "RSVP needs no care plan", base: approvedRSVP, result: ResultNotApplicable, decision: Approved},
		{name: "EMP zero reject waives it", base: approvedEMP, mutate: func(f *VoucherFacts) { f.Program.CarePlanRequired = true },
			result: ResultWaived, decision: Approved},
	})
}

func TestRuleV14SpanPastFilingLimit(t *testing.T) {
	t.Parallel()
	endsDaysAgo := func(n int) func(f *VoucherFacts) {
		return func(f *VoucherFacts) {
			f.Enrollment.Start = day(2025, time.June, 1)
			f.Request.End = addDays(today, -n)
			f.Request.Start = addDays(f.Request.End, -5)
		}
	}
	runRule(t, "V14", CodeSpanPastFilingLimit, []ruleCase{
		{name: "ends today", result: ResultPassed, decision: Approved},
		// Its last day is billable today (C03 allows 90 days), so the
		// request goes to a reviewer as any retro one.
		{name: "ends exactly 90 days ago", mutate: endsDaysAgo(90), result: ResultPassed, decision: Pended},
		{name: "ends 91 days ago", mutate: endsDaysAgo(91), result: ResultFired, decision: Denied,
			detail: "ends 2025-12-01; its claims were due by 2026-03-01 (filing limit 90 days)"},
		{name: "a year and more ago", mutate: func(f *VoucherFacts) {
			endsDaysAgo(700)(f)
			f.Enrollment.Start = day(2024, time.January, 1)
		}, result: ResultFired, decision: Denied},
		{name: "a longer limit (MHW's 365 days)", mutate: func(f *VoucherFacts) {
			endsDaysAgo(91)(f)
			f.Program.FilingLimitDays = 365
		}, result: ResultPassed, decision: Pended},
	})
}

func TestRuleV37RetroAuthorization(t *testing.T) {
	t.Parallel()
	startsDaysAgo := func(n int) func(f *VoucherFacts) {
		return func(f *VoucherFacts) {
			f.Request.Start = addDays(today, -n)
			f.Request.End = addDays(f.Request.Start, 89)
		}
	}
	runRule(t, "V37", CodeRetroAuthorization, []ruleCase{
		{name: "starts today", result: ResultPassed, decision: Approved},
		{name: "starts exactly 14 days ago", mutate: startsDaysAgo(14), result: ResultPassed, decision: Approved},
		{name: "starts 15 days ago", mutate: startsDaysAgo(15),
			result: ResultFired, decision: Pended, detail: "starts 15 days ago; limit 14"},
		{name: "starts in the future", mutate: startsDaysAgo(-20), result: ResultPassed, decision: Approved},
		{name: "MHW 15 days ago", base: approvedMHW, mutate: startsDaysAgo(15), result: ResultFired, decision: Pended},
		// Partly past the filing limit: the reviewer is told which days no
		// claim can be paid for (a black-box pass of the forty-seventh
		// stop); wholly past it is V14's denial.
		{name: "starts 95 days ago, past the filing limit", mutate: func(f *VoucherFacts) {
			startsDaysAgo(95)(f)
			f.Enrollment.Start = day(2025, time.June, 1)
		}, result: ResultFired, decision: Pended, detail: "starts 95 days ago; limit 14; its days before " + formatDate(addDays(today, -90)) +
			" are past the filing limit (90 days): claims for them would be denied"},
		{name: "starts exactly 90 days ago, the filing limit's first day", mutate: func(f *VoucherFacts) {
			startsDaysAgo(90)(f)
			f.Enrollment.Start = day(2025, time.June, 1)
		}, result: ResultFired, decision: Pended, detail: "starts 90 days ago; limit 14"},
	})
}

func TestRuleV90Granted(t *testing.T) {
	t.Parallel()
	runRule(t, "V90", CodeGranted, []ruleCase{
		{name: "ATR", result: ResultFired, decision: Approved},
		{name: "RCM", base: approvedRCM, result: ResultFired, decision: Approved},
		{name: "RSVP", base: approvedRSVP, result: ResultFired, decision: Approved},
		{name: "MHW", base: approvedMHW, result: ResultFired, decision: Approved},
		{name: "EMP", base: approvedEMP, result: ResultFired, decision: Approved},
		{name: "a program added as data is granted by the same rules", base: func() *VoucherFacts { return withProgramCode(approvedRSVP(), "PEER") },
			result: ResultFired, decision: Approved},
		{name: "a program whose rule set switches the granting rule off", base: func() *VoucherFacts { return reviewOnly(withProgramCode(approvedRSVP(), "PEER")) },
			result: ResultDisabled, decision: Pended, check: func(t *testing.T, _ *VoucherFacts, d VoucherDecision) {
				h, ok := findHit(d.Hits, CodeNoGrantingRule)
				require.True(t, ok, "hits %v", d.Hits)
				assert.Equal(t, ActionPend, h.Action)
				assert.Contains(t, h.Detail, "PEER")
			}},
	})
}

// The ceiling is the request cut by every reduce rule, whatever the
// decision: a pended request carries it for the reviewer.
func TestDecisionCeilingIsTheReducedRequest(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name     string
		mutate   func(f *VoucherFacts)
		decision Decision
		units    int
		end      time.Time
	}{
		{name: "approved as asked", decision: Approved, units: 40, end: spanEnd},
		{name: "units over the per-voucher max", mutate: func(f *VoucherFacts) { f.Request.Units = 200; ownAfterSpan(f) },
			decision: Partial, units: 96, end: spanEnd},
		{name: "pended, with units and span cut", mutate: func(f *VoucherFacts) {
			f.Request.Units, f.Request.End = 200, addDays(spanStart, 119)
			ownAfterSpan(f)
			f.GPRA.FollowupRecorded, f.GPRA.IntakeDate = false, addDays(today, -300)
		}, decision: Pended, units: 96, end: addDays(spanStart, 89)},
		{name: "denied keeps the cut too", mutate: func(f *VoucherFacts) {
			f.Request.Units = 200
			ownAfterSpan(f)
			f.Consents = nil
		}, decision: Denied, units: 96, end: spanEnd},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			f := approvedATR()
			if tc.mutate != nil {
				tc.mutate(f)
			}
			d := DecideVoucher(f)
			require.Equal(t, tc.decision, d.Decision, "%+v", d.Hits)
			assert.Equal(t, Ceiling{Units: tc.units, Start: f.Request.Start, End: tc.end}, d.Ceiling)
			if d.Decision == Approved || d.Decision == Partial {
				assert.Equal(t, d.Ceiling, Ceiling{Units: d.Units, Start: d.Start, End: d.End}, "a grant is its ceiling")
			}
		})
	}
}
