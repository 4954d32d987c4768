package adjudication

import (
	"encoding/json"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/shopspring/decimal"
)

// VoucherRuleSetVersion is stored with every voucher decision. Bump it
// whenever a rule's meaning changes, so old decisions stay explainable.
const VoucherRuleSetVersion = "voucher-2026.12.26"

// Decision is the outcome of a voucher request.
type Decision string

const (
	Approved Decision = "approved"
	Partial  Decision = "partial"
	Pended   Decision = "pended"
	Denied   Decision = "denied"
)

// Result of one rule in the trace.
const (
	ResultPassed        = "passed"
	ResultFired         = "fired"
	ResultNotApplicable = "not_applicable"
	ResultWaived        = "waived_zero_reject"
	ResultDisabled      = "disabled_for_program"
)

// TraceEntry records one rule's evaluation: which facts it read and what it found.
type TraceEntry struct {
	Rule   string    `json:"rule"`
	Code   string    `json:"code,omitempty"`
	Action Action    `json:"action,omitempty"`
	Result string    `json:"result"`
	Facts  FactNames `json:"facts,omitempty"`
	Detail string    `json:"detail,omitempty"`
	// Source is the other agency whose records the detail quotes (0 when it
	// quotes only the requester's own): the detail is the MSC's to read, and
	// a provider sees it only under that agency's consent naming it.
	Source int64 `json:"source_provider_id,omitempty"`
	// Sources, when the detail draws on more than one other agency's
	// records (an episode's totals), lists them all, Source first: a
	// provider sees the detail only under a consent naming each.
	Sources []int64 `json:"source_provider_ids,omitempty"`
}

// FactNames lists the facts a rule reads, comma-separated. It is a string so
// a trace can share it with the rule table without a copy and without a
// caller being able to change the table through it; JSON shows an array.
type FactNames string

// Names splits the list.
func (f FactNames) Names() []string {
	if f == "" {
		return nil
	}
	return strings.Split(string(f), ",")
}

func (f FactNames) MarshalJSON() ([]byte, error) { return json.Marshal(f.Names()) }

func (f *FactNames) UnmarshalJSON(b []byte) error {
	var names []string
	if err := json.Unmarshal(b, &names); err != nil {
		return err
	}
	*f = FactNames(strings.Join(names, ","))
	return nil
}

// Hit is a rule that fired, with what it saw.
type Hit struct {
	Code   string `json:"code"`
	Action Action `json:"action"`
	Detail string `json:"detail,omitempty"`
	Source int64  `json:"source_provider_id,omitempty"` // as in TraceEntry
	// Sources: as in TraceEntry.
	Sources []int64 `json:"source_provider_ids,omitempty"`
	// Episode is set on a cap reason the agency's own authorizations fire
	// alone (V32, V33), where the episode, with every agency's counted,
	// has less left than the agency's own figure says: the detail the
	// agency reads is a stranger's (its own records' reason), and a
	// reviewer lifting the pend read only it, granting "what is left"
	// past the episode's cap unawares (a black-box pass). It is the
	// MSC's to read: a provider's copy goes without it whatever its
	// consents (vouchers), as the person-wide facts do.
	Episode *EpisodeFigure `json:"episode,omitempty"`
}

// EpisodeFigure is an episode's cap figure with every agency's
// authorizations counted, and the other agencies they draw on.
type EpisodeFigure struct {
	Detail  string  `json:"detail"`
	Sources []int64 `json:"source_provider_ids"`
}

// VoucherDecision is what DecideVoucher returns.
type VoucherDecision struct {
	Decision Decision  `json:"decision"`
	Units    int       `json:"units,omitempty"`
	Start    time.Time `json:"start"`
	End      time.Time `json:"end"`
	// Ceiling is the most any grant of this request may carry: the request
	// narrowed by every reduce rule. It is set whatever the decision, so a
	// reviewer who lifts a pend still grants within the limits the reduce
	// rules set (per-voucher maximum, voucher validity, length of service).
	Ceiling        Ceiling      `json:"ceiling"`
	Hits           []Hit        `json:"hits"`
	Trace          []TraceEntry `json:"trace"`
	RuleSetVersion string       `json:"rule_set_version"`
}

// Ceiling is the largest grant the reduce rules allow.
type Ceiling struct {
	Units int       `json:"units"`
	Start time.Time `json:"start"`
	End   time.Time `json:"end"`
}

// Basis flags mark what kind of fact a rule judges the client on. A rule
// with a clinical basis is waived for zero-reject programs (SPEC §2, EMP):
// employment is never refused, pended or cut for symptoms, substance use,
// work readiness or the lack of a clinical provider.
type basis uint8

const basisClinical basis = 1

// waived reports whether rule r is waived for the request: the one place
// that says a clinical rule (the care-plan rules, V29 and V36) does not
// apply to a zero-reject program. Asked of V36 alone, the care plan's end
// still cut an employment voucher's span (V29), so recording a plan lost
// the agency days granted whole without one (a black-box pass).
func waived(f *VoucherFacts, r *voucherRule) bool {
	return f.Program.ZeroReject && r.basis&basisClinical != 0
}

// grant is the span and units the request would get, narrowed by reductions.
type grant struct {
	units      int
	start, end time.Time
}

type outcome struct {
	fired  bool
	action Action // overrides the rule's action when set
	code   string // overrides the rule's reason code when set (with action)
	detail string
	source int64 // another agency whose records the detail quotes
	// sources: every other agency whose records the detail draws on, when
	// more than one (source is the first).
	sources []int64
	episode *EpisodeFigure // Hit.Episode
}

var pass = outcome{}

func fire(detail string) outcome { return outcome{fired: true, detail: detail} }

type voucherRule struct {
	id string
	// required rules are never switched off by a program's rule set: they
	// hold the agreement, the enrollments, the catalog and 42 CFR Part 2,
	// and the staff member's qualification, background check and
	// employment (V11, V12, V25, V28), which claims judge each line by
	// (C06) whatever the program: switched off here, they granted
	// authorizations no claim could be paid on (an operations black-box
	// pass; voucher-2026.12.15).
	required bool
	code     string
	action   Action
	basis    basis
	facts    []string
	names    FactNames
	applies  func(f *VoucherFacts) bool
	eval     func(f *VoucherFacts, g *grant) outcome
}

// voucherRules run in order: denials, then reductions (which narrow the
// grant the later rules judge), then pends, then the granting rule. Every
// rule is evaluated so the trace is complete.
var voucherRules = []voucherRule{
	// The catalog offers a service on the days before it was retired, as
	// claims read it (Service.OfferedOn, C01): judged by its active flag,
	// a service retired from tomorrow was refused a voucher for today,
	// its last day offered, whose claims still pay (a black-box pass). A
	// span running past the retirement is refused as one past an agency's
	// withdrawal is (V03): the agency asks for the days before it.
	{id: "V01", code: CodeServiceNotInCatalog, action: ActionDeny, required: true,
		facts: []string{"request.program_code", "service.program_code", "service.active", "service.retired_on", "request.end"},
		eval: func(f *VoucherFacts, _ *grant) outcome {
			if f.Service.ProgramCode != f.Request.ProgramCode {
				return fire("service " + f.Service.Code + " belongs to " + f.Service.ProgramCode + ", not " + f.Request.ProgramCode)
			}
			if !f.Service.OfferedOn(f.Request.End) {
				if f.Service.RetiredOn.IsZero() {
					return fire("service " + f.Service.Code + " is no longer offered")
				}
				return fire("service " + f.Service.Code + " is retired from the catalog, not offered from " + formatDate(f.Service.RetiredOn))
			}
			return pass
		}},
	{id: "V02", code: CodeAgreementInactive, action: ActionDeny, required: true,
		facts: []string{"provider.agreement_start", "provider.agreement_end", "provider.agreements", "provider.deactivated_on",
			"provider.suspensions", "request.start", "request.end"},
		eval: func(f *VoucherFacts, _ *grant) outcome {
			p := &f.Provider
			if !p.DeactivatedOn.IsZero() {
				// A deactivation dated ahead refuses new vouchers now, for
				// days before it too; "deactivated on" a day after the span
				// read as a refusal for days it serves (a black-box pass).
				detail := "provider deactivated on " + formatDate(p.DeactivatedOn)
				if p.DeactivatedOn.After(f.Today) {
					detail = "provider deactivated from " + formatDate(p.DeactivatedOn) + ": no new voucher from the day it was recorded"
				}
				return outcome{fired: true, action: ActionDeny, code: CodeProviderDeactivated, detail: detail}
			}
			if x, ok := p.Suspended(f.Request.Start, f.Request.End); ok {
				return outcome{fired: true, action: ActionDeny, code: CodeProviderDeactivated,
					detail: "provider deactivated from " + formatDate(x.Start) + " to " + formatDate(x.End)}
			}
			if !p.HasAgreement() {
				return fire("no agreement on file")
			}
			// The day no period covers is named: the newest period alone was,
			// so a span in the gap between two periods read as refused by
			// the later one (a black-box pass).
			if day, gap := p.AgreementGap(f.Request.Start, f.Request.End); gap {
				newest := "from " + formatDate(p.AgreementStart)
				if !p.AgreementEnd.IsZero() {
					newest = formatDate(p.AgreementStart) + ".." + formatDate(p.AgreementEnd)
				}
				return fire("no agreement covers " + formatDate(day) + " (the newest runs " + newest + ")")
			}
			return pass
		}},
	{id: "V03", code: CodeProviderNotEnrolled, action: ActionDeny, required: true,
		facts: []string{"provider.programs", "provider.services", "provider.service_periods", "request.start", "request.end"},
		eval: func(f *VoucherFacts, _ *grant) outcome {
			p := &f.Provider
			if _, dated := p.ServicePeriods[f.Service.Code]; !dated && !contains(p.Programs, f.Request.ProgramCode) {
				return fire("provider not enrolled in " + f.Request.ProgramCode)
			}
			if !p.OffersService(f.Request.ProgramCode, f.Service.Code, f.Request.Start, f.Request.End) {
				if _, dated := p.ServicePeriods[f.Service.Code]; dated {
					return fire("provider does not offer " + f.Service.Code + " over the whole span")
				}
				return fire("provider not enrolled for " + f.Service.Code)
			}
			return pass
		}},
	{id: "V04", code: CodeEnrollmentNotActive, action: ActionDeny, required: true,
		facts: []string{"enrollment.start", "enrollment.discharge", "request.start", "request.end"},
		eval: func(f *VoucherFacts, _ *grant) outcome {
			e := f.Enrollment
			if e == nil || e.ProviderID != f.Request.ProviderID || e.ProgramCode != f.Request.ProgramCode {
				return fire("no enrollment with this provider in " + f.Request.ProgramCode)
			}
			if !e.Covers(f.Request.Start, f.Request.End) {
				// In words a provider reads: "2026-11-17..none" was the
				// rules' shorthand (a README black-box pass).
				stay := "from " + formatDate(e.Start) + ", not discharged"
				if !e.Discharge.IsZero() {
					stay = formatDate(e.Start) + " to " + formatDate(e.Discharge)
				}
				return fire("the span " + formatDate(f.Request.Start) + " to " + formatDate(f.Request.End) +
					" is not within the enrollment (" + stay + ")")
			}
			return pass
		}},
	{id: "V05", code: CodeCatchmentNotServed, action: ActionDeny,
		facts:   []string{"client.catchment_area", "program.catchment_areas"},
		applies: func(f *VoucherFacts) bool { return len(f.Program.CatchmentAreas) > 0 },
		eval: func(f *VoucherFacts, _ *grant) outcome {
			if !contains(f.Program.CatchmentAreas, f.Client.CatchmentArea) {
				return fire("area " + f.Client.CatchmentArea + " not served by " + f.Program.Code)
			}
			return pass
		}},
	{id: "V06", code: CodeConsentMissing, action: ActionDeny, required: true,
		facts: []string{"consents", "today"},
		eval: func(f *VoucherFacts, _ *grant) outcome {
			if HasPaymentConsent(f.Consents, f.Request.ProviderID, f.Today) {
				return pass
			}
			return fire("no unrevoked, unexpired consent to the MSC for payment")
		}},
	{id: "V07", code: CodeMedicaidIDMissing, action: ActionDeny,
		facts:   []string{"client.has_medicaid_id", "client.medicaid_eligibility", "request.start"},
		applies: func(f *VoucherFacts) bool { return f.Program.RequiresMedicaidID },
		eval: func(f *VoucherFacts, _ *grant) outcome {
			spans := f.Client.Eligibility
			if !f.Client.HasMedicaidID && len(spans) == 0 {
				return fire("no Medicaid ID on file")
			}
			if spans != nil && EligibilityOn(spans, f.Request.Start) == nil {
				return outcome{fired: true, action: ActionDeny, code: CodeMedicaidNotEligible,
					detail: "no Medicaid eligibility on " + formatDate(f.Request.Start)}
			}
			return pass
		}},
	{id: "V08", code: CodeWaiverPlanMissing, action: ActionDeny,
		facts:   []string{"care_plans", "request.start"},
		applies: func(f *VoucherFacts) bool { return f.Program.RequiresWaiverPlan },
		eval: func(f *VoucherFacts, _ *grant) outcome {
			if activePlan(f, PlanWaiverRecovery) == nil {
				return fire("no active waiver recovery plan on " + formatDate(f.Request.Start))
			}
			return pass
		}},
	{id: "V09", code: CodeGPRAIntakeMissing, action: ActionDeny,
		facts:   []string{"gpra.intake_completed"},
		applies: func(f *VoucherFacts) bool { return f.Program.GPRARequired },
		eval: func(f *VoucherFacts, _ *grant) outcome {
			if !f.GPRA.IntakeCompleted {
				// Said of what the rules may read, not of the episode: one
				// another agency recorded, without a consent naming the
				// requester, is not read, and "in the episode" told a
				// reviewer who saw it there that there was none (a
				// black-box pass).
				return fire("no completed intake GPRA of this stay, nor of another agency whose consent names this agency")
			}
			return pass
		}},
	{id: "V10", code: CodeNotPrimaryCaseManager, action: ActionDeny,
		facts: []string{"service.requires_primary_case_manager", "enrollment.primary_case_manager", "designated_as", "other_enrollments",
			"today"},
		applies: func(f *VoucherFacts) bool { return f.Service.RequiresPrimaryCaseManager },
		eval: func(f *VoucherFacts, _ *grant) outcome {
			if f.Enrollment == nil || !f.Enrollment.PrimaryCaseManager {
				return fire("enrollment is not the client's primary case manager")
			}
			// Each agency designates on its own record; when two claim the
			// client, the designation made first stands, on a stay begun by
			// today: one entered to start months ahead outranked the agency
			// serving the client now (a re-check). Today, not the request's
			// first day: judged on that day, a request begun before another
			// agency's stay was granted over it (sixty days of case
			// management to the agency not primary, paid on days the other
			// held the designation), and moving the start told the agency
			// the day the other's stay began (a new-user pass). One
			// held by an agency under no agreement or out of service today
			// (Lapsed) stands for nothing: the agency under agreement was denied
			// on it until the MSC moved it (a re-check). A designation is its
			// agency's unbroken stay's, ranked from the stay's first
			// designated enrollment (Designation, DesignatedAs): a
			// readmission the same day ranked as new, and handed the
			// designation to the agency it had outranked (a black-box pass).
			mine := Designation{ID: f.Enrollment.ID, Start: f.Enrollment.Start, As: f.DesignatedAs}
			for i := range f.OtherEnrollments {
				o := &f.OtherEnrollments[i]
				if o.ProviderID != f.Request.ProviderID && o.PrimaryCaseManager && o.Discharge.IsZero() &&
					o.Designation().Outranks(mine, f.Today) && !o.Lapsed {
					return outcome{fired: true, detail: "enrollment " + strconv.FormatInt(o.ID, 10) + " of provider " +
						strconv.FormatInt(o.ProviderID, 10) + " was designated primary first", source: o.ProviderID}
				}
			}
			return pass
		}},
	{id: "V11", code: CodeStaffNotQualified, action: ActionDeny, required: true,
		facts: []string{"staff", "service.qualification", "request.start", "settings"},
		eval: func(f *VoucherFacts, _ *grant) outcome {
			ok, path := Qualified(f.Staff, f.Request.ProviderID, &f.Service, f.Request.Start, &f.Settings)
			if !ok {
				return fire(QualificationText(path))
			}
			return pass
		}},
	{id: "V12", code: CodeBackgroundCheckMissing, action: ActionDeny, required: true,
		facts:   []string{"client.date_of_birth", "staff.background_checks", "request.start", "settings.minor_age_years"},
		applies: func(f *VoucherFacts) bool { return IsMinorOn(&f.Client, f.Request.Start, &f.Settings) },
		eval: func(f *VoucherFacts, _ *grant) outcome {
			if f.Staff == nil {
				return fire("client is a minor and no staff is named")
			}
			if !BackgroundCleared(f.Staff, f.Request.Start) {
				return fire(f.Staff.uncleared("no passed background check before " + formatDate(f.Request.Start)))
			}
			return pass
		}},

	// An agency serves the catchment areas the MSC enrolled it for; an
	// agency with none on file (one registered before areas were kept)
	// is not judged, and stored facts without them replay as they were.
	{id: "V13", code: CodeAgencyAreaNotServed, action: ActionDeny,
		facts:   []string{"client.catchment_area", "provider.catchment_areas"},
		applies: func(f *VoucherFacts) bool { return len(f.Provider.CatchmentAreas) > 0 },
		eval: func(f *VoucherFacts, _ *grant) outcome {
			if !contains(f.Provider.CatchmentAreas, f.Client.CatchmentArea) {
				area := f.Client.CatchmentArea
				if area == "" {
					area = "(none recorded)"
				}
				return fire("area " + area + " is not among the agency's catchment areas")
			}
			return pass
		}},
	// A span whose every day is past the filing limit can never be billed
	// (C03 denies each line): a mistyped past year (2024 for 2026) pended
	// as a retro request, and a reviewer's approval made an authorization
	// expired at once, no claim of it payable (a black-box pass). The
	// future is bounded at the API (366 days ahead); the past is the
	// program's filing limit.
	{id: "V14", code: CodeSpanPastFilingLimit, action: ActionDeny,
		facts:   []string{"request.end", "today", "program.filing_limit_days"},
		applies: func(f *VoucherFacts) bool { return f.Program.FilingLimitDays > 0 },
		eval: func(f *VoucherFacts, _ *grant) outcome {
			if due := addDays(f.Request.End, f.Program.FilingLimitDays); due.Before(f.Today) {
				return fire("ends " + formatDate(f.Request.End) + "; its claims were due by " + formatDate(due) +
					" (filing limit " + count(f.Program.FilingLimitDays, "day") + ")")
			}
			return pass
		}},
	{id: "V20", code: CodeSpanOverValidity, action: ActionReduce,
		facts:   []string{"request.start", "request.end", "program.voucher_validity_days"},
		applies: func(f *VoucherFacts) bool { return f.Program.VoucherValidityDays > 0 },
		eval: func(f *VoucherFacts, g *grant) outcome {
			if n := daysInclusive(g.start, g.end); n > f.Program.VoucherValidityDays {
				g.end = addDays(g.start, f.Program.VoucherValidityDays-1)
				return fire(count(n, "day") + " cut to " + strconv.Itoa(f.Program.VoucherValidityDays) + ", ending " + formatDate(g.end))
			}
			return pass
		}},
	{id: "V21", code: CodeSpanPastLengthOfService, action: ActionReduce,
		facts: []string{"enrollment.start", "enrollment.stay_start", "program.los_max_days", "request.end"},
		applies: func(f *VoucherFacts) bool {
			return f.Program.LOSMaxDays > 0 && !f.Program.LOSReviewPastMax && f.Enrollment != nil
		},
		eval: func(f *VoucherFacts, g *grant) outcome {
			limit := addDays(f.Enrollment.StayBegan(), f.Program.LOSMaxDays-1)
			if !g.end.After(limit) {
				return pass
			}
			// A span wholly past a hard limit has nothing left to grant, and
			// no reviewer may lift a reduce rule's limit (SPEC §5): it is
			// denied. Pended for review, with the whole span its ceiling, a
			// reviewer granted all of it (a black-box pass).
			if g.start.After(limit) {
				return outcome{fired: true, action: ActionDeny, code: CodeSpanAfterLengthOfService,
					detail: "span starts after the length-of-service limit " + formatDate(limit)}
			}
			g.end = limit
			return fire("span cut at the length-of-service limit " + formatDate(limit))
		}},
	{id: "V22", code: CodeUnitsOverVoucherMax, action: ActionReduce,
		facts:   []string{"request.units", "service.per_voucher_max"},
		applies: func(f *VoucherFacts) bool { return f.Service.PerVoucherMax > 0 },
		eval: func(f *VoucherFacts, g *grant) outcome {
			if g.units > f.Service.PerVoucherMax {
				g.units = f.Service.PerVoucherMax
				return fire(count(f.Request.Units, "unit") + " reduced to " + strconv.Itoa(f.Service.PerVoucherMax))
			}
			return pass
		}},
	{id: "V23", code: CodeSpanPastEligibility, action: ActionReduce,
		facts:   []string{"client.medicaid_eligibility", "request.start", "request.end"},
		applies: func(f *VoucherFacts) bool { return f.Program.RequiresMedicaidID && f.Client.Eligibility != nil },
		eval: func(f *VoucherFacts, g *grant) outcome {
			through, ok := EligibleThrough(f.Client.Eligibility, g.start)
			if !ok || through.IsZero() || !g.end.After(through) {
				return pass // not covered at the start: V07 denies
			}
			g.end = through
			return fire("Medicaid eligibility ends " + formatDate(through) + "; span cut there")
		}},
	// A program that needs a waiver recovery plan is granted no further
	// than the plans cover, as eligibility is cut at its last day: judged
	// on its start alone, a span ran on past the plan's end and its claims
	// went to Medicaid (a black-box pass).
	{id: "V24", code: CodeSpanPastWaiverPlan, action: ActionReduce,
		facts:   []string{"care_plans", "request.start", "request.end"},
		applies: func(f *VoucherFacts) bool { return f.Program.RequiresWaiverPlan },
		eval: func(f *VoucherFacts, g *grant) outcome {
			through, ok := planThrough(f, PlanWaiverRecovery, g.start)
			if !ok || through.IsZero() || !g.end.After(through) {
				return pass // no plan at the start: V08 denies
			}
			g.end = through
			return fire("waiver recovery plan ends " + formatDate(through) + "; span cut there")
		}},
	// A staff member's recorded departure ends the span as a plan's end
	// does: judged on its start alone, a voucher ran past the day they left
	// and held its units for days no claim of theirs could bill (an
	// operations black-box pass).
	{id: "V25", code: CodeSpanPastEmployment, action: ActionReduce, required: true,
		facts:   []string{"staff.employed_to", "request.start", "request.end"},
		applies: func(f *VoucherFacts) bool { return f.Staff != nil && !f.Staff.EmployedTo.IsZero() },
		eval: func(f *VoucherFacts, g *grant) outcome {
			to := f.Staff.EmployedTo
			if !g.end.After(to) || g.start.After(to) {
				return pass // gone by the start: V11 denies
			}
			g.end = to
			return fire("the staff member's employment ends " + formatDate(to) + "; span cut there")
		}},
	// A background check that fails inside the span ends it for a minor,
	// as a departure does: V12 judges the first day alone, and a voucher
	// ran on past the failed check, holding units for days no claim could
	// bill (C06 denies them; an operations black-box pass). The span ends
	// the day of the check, since a check counts from the day after it;
	// a client who comes of age first needs no check from that day.
	{id: "V26", code: CodeSpanPastBackgroundCheck, action: ActionReduce,
		facts: []string{"client.date_of_birth", "staff.background_checks", "request.start", "request.end", "settings.minor_age_years"},
		applies: func(f *VoucherFacts) bool {
			return f.Staff != nil && IsMinorOn(&f.Client, f.Request.Start, &f.Settings)
		},
		eval: func(f *VoucherFacts, g *grant) outcome {
			if !BackgroundCleared(f.Staff, g.start) {
				return pass // not cleared on the first day: V12 denies
			}
			var cut time.Time
			for _, b := range f.Staff.BackgroundChecks {
				d := addDays(b.CheckedOn, 1)
				if b.Passed || d.Before(g.start) || d.After(g.end) || (!cut.IsZero() && !d.Before(cut)) {
					continue
				}
				if IsMinorOn(&f.Client, d, &f.Settings) && !BackgroundCleared(f.Staff, d) {
					cut = d
				}
			}
			if cut.IsZero() {
				return pass
			}
			g.end = addDays(cut, -1)
			return fire("background check of " + formatDate(g.end) + " did not pass; span cut there")
		}},
	// A qualification that lapses inside the span ends it, as a departure
	// does: V11 judges the first day alone, and a voucher ran on past a
	// credential withdrawn as of a day, its later claim lines denied (a
	// re-check). The days a qualification can lapse are the day after
	// each credential's last (the staff member's and the supervisor's)
	// and the day after the supervisor leaves (another re-check; the
	// staff member's own departure is V25's).
	{id: "V28", code: CodeSpanPastQualification, action: ActionReduce, required: true,
		facts: []string{"staff", "service.qualification", "request.start", "request.end", "settings"},
		applies: func(f *VoucherFacts) bool {
			return f.Staff != nil && f.Service.Qualification != QualNone && f.Service.Qualification != ""
		},
		eval: func(f *VoucherFacts, g *grant) outcome {
			if ok, _ := Qualified(f.Staff, f.Request.ProviderID, &f.Service, g.start, &f.Settings); !ok {
				return pass // not qualified on the first day: V11 denies
			}
			var days []time.Time
			lapse := func(last time.Time) {
				if d := addDays(last, 1); !last.IsZero() && d.After(g.start) && !d.After(g.end) {
					days = append(days, d)
				}
			}
			for _, c := range f.Staff.Credentials {
				lapse(c.ValidTo)
			}
			// A supervisor's credential or employment ending, and a
			// supervision period ending, can each end a supervised path.
			for _, p := range f.Staff.Supervisions {
				lapse(p.To)
				for _, c := range p.Supervisor.Credentials {
					lapse(c.ValidTo)
				}
				lapse(p.Supervisor.EmployedTo)
			}
			slices.SortFunc(days, func(a, b time.Time) int { return a.Compare(b) })
			for _, d := range days {
				if ok, why := Qualified(f.Staff, f.Request.ProviderID, &f.Service, d, &f.Settings); !ok {
					g.end = addDays(d, -1)
					return fire("qualification lapses " + formatDate(d) + ": " + QualificationText(why) + "; span cut there")
				}
			}
			return pass
		}},
	// A span the care plans listing the service do not cover to its end is
	// cut at their last day, as V24 cuts at the waiver plan's: V36 judges
	// the first day alone, and a plan ending six days in approved eleven
	// weeks, where the same later days asked alone pended (a black-box
	// pass). Plans that follow one another without a gap count as one.
	{id: "V29", code: CodeSpanPastCarePlan, action: ActionReduce, basis: basisClinical,
		facts:   []string{"care_plans", "service.code", "request.start", "request.end"},
		applies: func(f *VoucherFacts) bool { return f.Program.CarePlanRequired },
		eval: func(f *VoucherFacts, g *grant) outcome {
			// No plan on the first day: V36 pends, and a reviewer who lifts
			// it grants the days before the first plan listing the service,
			// which still ends the span where plans stop: cut only from a
			// first day inside a plan, a grant starting a day before the
			// plan ran past its end where a narrower one was refused (a
			// re-check).
			kind, from := carePlanKind(f), g.start
			if _, ok := planListingThrough(f, kind, f.Service.Code, from); !ok {
				if from, ok = firstListed(f, kind, f.Service.Code, g.start, g.end); !ok {
					return pass // no plan lists it in the span: all the reviewer's
				}
			}
			through, ok := planListingThrough(f, kind, f.Service.Code, from)
			if !ok || through.IsZero() || !g.end.After(through) {
				return pass
			}
			g.end = through
			return fire("no " + carePlanKind(f) + " lists " + f.Service.Code + " after " + formatDate(through) + "; span cut there")
		}},
	// The units a span can hold, after every cut above: 30 days of
	// transitional housing were granted over 7 days (a black-box pass), and
	// a cut span kept the units asked for the whole. The agency's own
	// authorizations of the service over the same days hold their share
	// of them, as they count toward the per-voucher maximum (V38), each at
	// most what the days it shares hold: three 10-night vouchers over one
	// 10 days were each granted whole, and five 24-hour requests for one
	// day 80 hours, units no claim could bill (C00) that held the
	// episode's caps (a black-box pass). A request they leave nothing is
	// denied, as V38 denies one at the maximum.
	{id: "V27", code: CodeUnitsOverSpanDays, action: ActionReduce,
		facts:   []string{"request.units", "request.start", "request.end", "service.unit", "authorizations"},
		applies: func(f *VoucherFacts) bool { return f.Service.UnitsPerDay() > 0 },
		eval: func(f *VoucherFacts, g *grant) outcome {
			days := daysInclusive(g.start, g.end)
			most := days * f.Service.UnitsPerDay()
			if days <= 0 {
				return pass
			}
			held, seen := ownOverlapping(f, g.start, g.end, f.Service.UnitsPerDay())
			if g.units <= most-held {
				return pass
			}
			asked := g.units
			if held == 0 {
				g.units = most
				return fire(count(asked, "unit") + " of " + f.Service.Unit + " over " + count(days, "day") + " reduced to " + strconv.Itoa(most))
			}
			verb := " hold "
			if !strings.HasPrefix(seen, "authorizations ") {
				verb = " holds "
			}
			saw := count(asked, "unit") + " of " + f.Service.Unit + " over " + count(days, "day") + ": this agency's " + seen +
				" over the same days" + verb + count(held, "unit") + " of the " + strconv.Itoa(most) + " the days hold"
			if held >= most {
				g.units = 0
				return outcome{fired: true, action: ActionDeny, detail: saw + "; none left"}
			}
			g.units = most - held
			return fire(saw + "; " + count(asked, "unit") + " reduced to " + strconv.Itoa(g.units))
		}},
	// The agency's own live authorizations of the service that share a day
	// with the span count toward the per-voucher maximum, as one voucher:
	// decided alone, the same request sent three times with new
	// idempotency keys was granted three full vouchers over the same days,
	// and a service with no per-episode maximum had nothing else bounding
	// them (an operations black-box pass). The units are cut to what the
	// maximum leaves beside them, and a request it leaves nothing is
	// denied (a reduce rule's limit, which no reviewer lifts: SPEC §5).
	// Another agency's authorizations are V34's; a void or inactive one
	// draws no more claims and counts the units it used (ownOverlapping).
	{id: "V38", code: CodeOwnAuthorizationOverlap, action: ActionReduce,
		facts:   []string{"authorizations", "service.per_voucher_max", "request.units", "request.start", "request.end"},
		applies: func(f *VoucherFacts) bool { return f.Service.PerVoucherMax > 0 },
		eval: func(f *VoucherFacts, g *grant) outcome {
			held, seen := ownOverlapping(f, g.start, g.end, 0)
			left := f.Service.PerVoucherMax - held
			if held == 0 || g.units <= left {
				return pass
			}
			verb := " hold "
			if !strings.HasPrefix(seen, "authorizations ") {
				verb = " holds "
			}
			saw := "this agency's " + seen + " over the same days" + verb + count(held, "unit") + " of the per-voucher maximum " +
				strconv.Itoa(f.Service.PerVoucherMax)
			if left <= 0 {
				// Nothing is left to grant: the ceiling reads none, not the
				// units asked (a black-box pass read 40 units a denied
				// request "may carry").
				g.units = 0
				return outcome{fired: true, action: ActionDeny, code: CodeOwnAuthorizationAtMax, detail: saw + "; none left"}
			}
			asked := g.units
			g.units = left
			return fire(saw + "; " + count(asked, "unit") + " reduced to " + strconv.Itoa(left))
		}},

	{id: "V30", code: CodeGPRAFollowupOverdue, action: ActionPend,
		facts: []string{"gpra.intake_date", "gpra.followup_recorded", "program.gpra_followup_close_days", "today"},
		applies: func(f *VoucherFacts) bool {
			return f.Program.GPRARequired && f.GPRA.IntakeCompleted
		},
		eval: func(f *VoucherFacts, _ *grant) outcome {
			closes := addDays(f.GPRA.IntakeDate, f.Program.FollowupCloseDays)
			if f.Today.After(closes) && !f.GPRA.FollowupRecorded {
				// The window is the intake's: another agency's intake
				// makes the date its records'.
				o := fire("follow-up window closed " + formatDate(closes))
				if p := f.GPRA.IntakeProviderID; p != f.Request.ProviderID {
					o.source = p
				}
				return o
			}
			return pass
		}},
	{id: "V31", code: CodeLengthOfServiceReview, action: ActionPend,
		facts: []string{"enrollment.start", "enrollment.stay_start", "program.los_max_days", "request.end"},
		applies: func(f *VoucherFacts) bool {
			return f.Program.LOSMaxDays > 0 && f.Program.LOSReviewPastMax && f.Enrollment != nil
		},
		eval: func(f *VoucherFacts, g *grant) outcome {
			limit := addDays(f.Enrollment.StayBegan(), f.Program.LOSMaxDays-1)
			if g.end.After(limit) {
				return fire("span ends " + formatDate(g.end) + ", past day " + strconv.Itoa(f.Program.LOSMaxDays) + " (" + formatDate(limit) + ")")
			}
			return pass
		}},
	{id: "V32", code: CodeEpisodeUnitsExceeded, action: ActionPend,
		facts:   []string{"episode_units_authorized", "service.per_episode_max", "request.units"},
		applies: func(f *VoucherFacts) bool { return f.Service.PerEpisodeMax > 0 },
		eval: func(f *VoucherFacts, g *grant) outcome {
			// The agency's own earlier stays another agency keeps in the
			// episode count as a stranger's closed episode would hold
			// them: not at all (earlierStays).
			earlier, _ := earlierStays(f, f.Service.Code)
			if total := f.EpisodeUnitsAuthorized - earlier; total+g.units > f.Service.PerEpisodeMax {
				// The agency's own authorizations alone fire it: the
				// reason is its own records' (ownInEpisode).
				left := f.Service.PerEpisodeMax - total
				source, sources := othersInEpisode(f, f.Service.Code)
				detail := count(g.units, "unit") + " asked, " + strconv.Itoa(max(left, 0)) + " left of " + strconv.Itoa(f.Service.PerEpisodeMax)
				if own, _ := ownInEpisode(f, f.Service.Code); own+g.units > f.Service.PerEpisodeMax {
					o := fire(count(g.units, "unit") + " asked, " + strconv.Itoa(max(f.Service.PerEpisodeMax-own, 0)) +
						" left of " + strconv.Itoa(f.Service.PerEpisodeMax) + " by this agency's authorizations alone")
					if source != 0 && left < f.Service.PerEpisodeMax-own {
						o.episode = episodeFigure(detail, source, sources)
					}
					return o
				}
				return outcome{fired: true, source: source, sources: sources, detail: detail}
			}
			return pass
		}},
	{id: "V33", code: CodeEpisodeDollarsExceeded, action: ActionPend,
		facts: []string{"episode_dollars_authorized", "others_own_caps", "readmission_room", "program.episode_dollar_cap", "service.rate",
			"request.units"},
		applies: func(f *VoucherFacts) bool { return f.Program.HasDollarCap || OwnDollarCap(f).Has },
		eval: func(f *VoucherFacts, g *grant) outcome {
			cost := Amount(f.Service.Rate, g.units)
			_, own := ownInEpisode(f, "")
			c := OwnDollarCap(f)
			// The agency's own authorizations alone, by the cap its own
			// episode would carry: the reason is its own records'.
			ownFires := c.Has && own.Add(cost).GreaterThan(c.Cap)
			ownDetail := func() string {
				return cost.StringFixed(2) + " asked, " + decimal.Max(c.Cap.Sub(own), decimal.Zero).StringFixed(2) +
					" left of " + c.Cap.StringFixed(2) + " by this agency's authorizations alone"
			}
			// The room other agencies' standing exceptions keep is taken:
			// left in the cap when another agency's void lowered it (a
			// stranger's cap keeps its exception's room whatever others
			// do), it would otherwise be anyone's to take unreviewed, past
			// the program's cap. The detail counts it as taken and never
			// quotes it; its agencies are the reason's sources.
			kept, keepers := othersRoom(f)
			// The agency's own earlier stays another agency keeps in the
			// episode are left out (earlierStays); another agency's, held
			// beside the cap in the room a readmission's grant raised,
			// are so too (readmissionRoom).
			_, earlier := earlierStays(f, "")
			if earlier.IsZero() {
				earlier = readmissionRoom(f)
			}
			taken := f.EpisodeDollarsAuthorized.Sub(earlier).Add(kept)
			allFires := f.Program.HasDollarCap && taken.Add(cost).GreaterThan(f.Program.EpisodeDollarCap)
			allDetail := func() string {
				left := f.Program.EpisodeDollarCap.Sub(taken)
				return cost.StringFixed(2) + " asked, " + decimal.Max(left, decimal.Zero).StringFixed(2) + " left of " +
					f.Program.EpisodeDollarCap.StringFixed(2)
			}
			totalsSources := func() (int64, []int64) {
				source, sources := othersInEpisode(f, "")
				for _, p := range keepers {
					source, sources = addSource(source, sources, p)
				}
				return source, sources
			}
			// The agency's own authorizations alone past its own cap are
			// its own records' reason, read in clear as a stranger's
			// past its episode's cap are, whoever opened or raised the
			// episode: that cap is the agency's own history (the program's
			// cap the day its stay began, or where its own standing
			// exception raised it). Withheld, a person another agency
			// serves read CONFLICT_ON_FILE where a stranger read the cap
			// (black-box passes of the thirty-fourth stop, for its own
			// exception, and of the thirty-sixth, for another agency's).
			// The cap is another agency's record where it is not the one
			// the agency's own episode would carry (below).
			otherCap := f.Program.AgencyCap != nil && f.Program.AgencyCap.By != 0 &&
				(c.Has != f.Program.HasDollarCap || !c.Cap.Equal(f.Program.EpisodeDollarCap))
			if ownFires {
				o := fire(ownDetail())
				if allFires && f.Program.EpisodeDollarCap.Sub(taken).LessThan(c.Cap.Sub(own)) {
					source, sources := totalsSources()
					if otherCap {
						source, sources = addSource(source, sources, f.Program.AgencyCap.By)
					}
					if source != 0 {
						o.episode = episodeFigure(allDetail(), source, sources)
					}
				}
				return o
			}
			// Past the episode's total alone: where the episode's cap is
			// not the one the agency's own episode would carry (another
			// agency opened it under another program cap, or another
			// agency's exception raised it), the cap is that agency's
			// record, named as a source beside the agencies whose
			// authorizations count: judged in clear by it, a person known
			// elsewhere read apart from a stranger ("0.00 left of 300.00"
			// where a stranger's episode, raised by the reviewer's
			// exception, read 480.00: a re-check of a Part 2 black-box
			// pass). A cap with no By is the agency's own history raised
			// by others' dollars: only the totals are another's record.
			if allFires && otherCap {
				source, sources := totalsSources()
				source, sources = addSource(source, sources, f.Program.AgencyCap.By)
				return outcome{fired: true, source: source, sources: sources, detail: allDetail()}
			}
			if allFires {
				source, sources := totalsSources()
				return outcome{fired: true, source: source, sources: sources, detail: allDetail()}
			}
			return pass
		}},
	{id: "V34", code: CodeDuplicateOtherProvider, action: ActionPend,
		facts: []string{"authorizations", "request.start", "request.end", "today"},
		eval: func(f *VoucherFacts, g *grant) outcome {
			// Every overlap is named, each agency a source: with two other
			// agencies holding the service, the reviewer was told of the
			// first only (a black-box pass).
			var o outcome
			for i := range f.Authorizations {
				a := &f.Authorizations[i]
				if a.ProviderID == f.Request.ProviderID || a.ServiceCode != f.Service.Code {
					continue
				}
				// The days the other agency can still bill on it: its span,
				// past days included (one that ended yesterday bills them
				// within the filing limit, and a retro request over them
				// was granted, both agencies paid for one day: a black-box
				// pass), an inactive one's up to the day it went inactive,
				// but for the days of its agency's suspensions. One used
				// up too: a void of one of its claims gives units back,
				// and it bills again over its whole span. Left out, a
				// retro request over the days it had billed was granted,
				// and another over its days ahead, which it billed again
				// once its agency voided a claim: both agencies paid for
				// one day (black-box passes). A void one bills nothing
				// more (a void is final), but the days it billed stay
				// paid: those up to its void, none when it used nothing.
				end := a.End
				switch {
				case a.Void:
					if a.UnitsUsed <= 0 || a.VoidedOn.IsZero() {
						continue
					}
					end = earlier(end, a.VoidedOn)
				case a.Inactive && (a.IdleDays > 0 || !a.IdleFrom.IsZero()):
					var last time.Time // its last live day
					if a.IdleDays > 0 {
						last = a.LastActivity.AddDate(0, 0, a.IdleDays)
					}
					if kept := a.IdleFrom.AddDate(0, 0, -1); !a.IdleFrom.IsZero() && (last.IsZero() || kept.Before(last)) {
						last = kept
					}
					if last.Before(end) {
						end = last
					}
				}
				if !overlapsBeyond(a.Start, end, g.start, g.end, a.Suspended) {
					continue
				}
				if o.fired {
					o.detail += "; "
				}
				o.detail += "authorization " + a.Number + " of provider " + strconv.FormatInt(a.ProviderID, 10) +
					" overlaps (" + formatDate(a.Start) + ".." + formatDate(end) + ")" // the days it holds, as judged
				switch {
				case !o.fired:
					o.fired, o.source = true, a.ProviderID
				case a.ProviderID != o.source && !slices.Contains(o.sources, a.ProviderID):
					if o.sources == nil {
						o.sources = []int64{o.source}
					}
					o.sources = append(o.sources, a.ProviderID)
				}
			}
			return o
		}},
	{id: "V35", code: CodeCaseloadAtCap, action: ActionPend,
		facts: []string{"staff.role", "caseload", "program.caseload_caps"},
		applies: func(f *VoucherFacts) bool {
			if f.Staff == nil {
				return false
			}
			_, ok := f.Program.CaseloadCaps[f.Staff.Role]
			return ok
		},
		eval: func(f *VoucherFacts, _ *grant) outcome {
			limit := f.Program.CaseloadCaps[f.Staff.Role]
			if f.Caseload >= limit {
				return fire("caseload " + strconv.Itoa(f.Caseload) + " other clients, cap " + strconv.Itoa(limit) + " for " + f.Staff.Role)
			}
			return pass
		}},
	{id: "V36", code: CodeNotInCarePlan, action: ActionPend, basis: basisClinical,
		facts:   []string{"care_plans", "service.code", "request.start"},
		applies: func(f *VoucherFacts) bool { return f.Program.CarePlanRequired },
		eval: func(f *VoucherFacts, _ *grant) outcome {
			kind := carePlanKind(f)
			if _, ok := planListingThrough(f, kind, f.Service.Code, f.Request.Start); ok {
				return pass
			}
			return fire(f.Service.Code + " is in no " + planWords(kind) + " active on " + formatDate(f.Request.Start))
		}},
	{id: "V37", code: CodeRetroAuthorization, action: ActionPend,
		facts: []string{"request.start", "today", "program.retro_limit_days", "program.filing_limit_days"},
		eval: func(f *VoucherFacts, _ *grant) outcome {
			if earliest := addDays(f.Today, -f.Program.RetroLimitDays); f.Request.Start.Before(earliest) {
				detail := "starts " + count(daysInclusive(f.Request.Start, f.Today)-1, "day") + " ago; limit " + strconv.Itoa(f.Program.RetroLimitDays)
				// The days its claims are already too late for (a span
				// wholly past the filing limit is V14's): a grant of them
				// holds units no claim can be paid for, and the reviewer
				// was not told (a black-box pass of the forty-seventh
				// stop). The reviewer may grant from the first day still
				// billable.
				if n := f.Program.FilingLimitDays; n > 0 {
					if first := addDays(f.Today, -n); f.Request.Start.Before(first) {
						detail += "; its days before " + formatDate(first) + " are past the filing limit (" + count(n, "day") +
							"): claims for them would be denied"
					}
				}
				return fire(detail)
			}
			return pass
		}},

	// The granting rule grants what passed every rule. A program that wants
	// every request decided by a reviewer switches it off (its rule set
	// lists V90 among its disabled rules).
	{id: "V90", code: CodeGranted, action: ActionGrant,
		facts: []string{"program.disabled_rules"},
		eval:  func(f *VoucherFacts, _ *grant) outcome { return fire("") }},
}

// VoucherRule describes one voucher rule for the reference data that
// chooses a program's rules.
type VoucherRule struct {
	ID       string `json:"id"`
	Code     string `json:"code"`
	Action   Action `json:"action"`
	Required bool   `json:"required"`
}

// VoucherRules lists the voucher rules in evaluation order.
func VoucherRules() []VoucherRule {
	out := make([]VoucherRule, len(voucherRules))
	for i, r := range voucherRules {
		out[i] = VoucherRule{ID: r.id, Code: r.code, Action: r.action, Required: r.required}
	}
	return out
}

func init() {
	for i := range voucherRules {
		voucherRules[i].names = FactNames(strings.Join(voucherRules[i].facts, ","))
	}
	for i := range lineDenials {
		lineDenials[i].names = FactNames(strings.Join(lineDenials[i].facts, ","))
	}
}

// ownOverlapping totals the units of the requesting agency's own
// authorizations of the service whose spans share a day with start..end
// (V38, V27), and names them ("authorization X (from..to, n units)",
// joined). A live one counts all it authorizes, used or not: its unused
// units may still be billed on any of its days, past ones included within
// the filing limit, and its used ones were. A void or inactive one counts
// the units it used, delivered on its days: uncounted, a void and a new
// voucher over the same days held 10 units delivered beside the
// per-voucher maximum (a black-box pass). With perDay set (V27: what a day
// holds), one counts what it may hold of the days it shares: its unused
// units, at most what those days hold, and its used ones only as many as
// the shared days up to today hold, since no claim is for a day ahead
// (units used on its other days fall there: an exhausted voucher's nights,
// all billed before a top-up's span, read as holding that span's nights,
// and a void's one night billed before a new span cut it: a re-check).
func ownOverlapping(f *VoucherFacts, start, end time.Time, perDay int) (units int, names string) {
	var seen []string
	for i := range f.Authorizations {
		a := &f.Authorizations[i]
		if a.ProviderID != f.Request.ProviderID || a.ServiceCode != f.Service.Code || !overlaps(a.Start, a.End, start, end) {
			continue
		}
		n, what := a.UnitsAuthorized, count(a.UnitsAuthorized, "unit")
		switch {
		case a.Live():
		case a.UnitsUsed == 0:
			continue
		case a.Void:
			n, what = a.UnitsUsed, count(a.UnitsUsed, "unit")+" used, void"
		default:
			n, what = a.UnitsUsed, count(a.UnitsUsed, "unit")+" used, inactive"
		}
		if perDay > 0 {
			from, to := later(a.Start, start), earlier(a.End, end)
			unused := 0
			if a.Live() {
				unused = max(a.UnitsAuthorized-a.UnitsUsed, 0)
			}
			used := 0
			if past := earlier(to, f.Today); !past.Before(from) {
				used = min(a.UnitsUsed, daysInclusive(from, past)*perDay)
			}
			n = min(unused+used, daysInclusive(from, to)*perDay)
			if n == 0 {
				continue
			}
		}
		units += n
		seen = append(seen, a.Number+" ("+formatDate(a.Start)+".."+formatDate(a.End)+", "+what+")")
	}
	word := "authorization "
	if len(seen) > 1 {
		word = "authorizations "
	}
	return units, word + strings.Join(seen, ", ")
}

// othersInEpisode returns the other agencies whose authorizations in the
// request's episode (of service, when given) the episode's totals count: a
// detail quoting those totals quotes each one's records. first is the
// first of them in the facts' order (0 when there is none); all lists
// every one, first first, when there are more than one (nil otherwise, so
// a reason drawn from one agency reads as before). A provider consented to
// by one of two agencies must not see totals the other filled.
func othersInEpisode(f *VoucherFacts, service string) (first int64, all []int64) {
	if f.Enrollment == nil {
		return 0, nil
	}
	for i := range f.Authorizations {
		a := &f.Authorizations[i]
		// Void and inactive ones count by the units they used; one that
		// holds nothing of the totals (voided unused) is no source: named,
		// it withheld a reason the provider's own records explained, which
		// told it another agency knew the person (a black-box pass).
		if a.EpisodeID != f.Enrollment.EpisodeID || (service != "" && a.ServiceCode != service) || a.Holds(f.Today) == 0 {
			continue
		}
		// The agency's own count as its own (ownInEpisode), or not at all
		// (earlierStays): no other agency's record.
		by := a.ProviderID
		if by == f.Request.ProviderID {
			continue
		}
		if !slices.Contains(all, by) {
			all = append(all, by)
		}
	}
	switch len(all) {
	case 0:
		return 0, nil
	case 1:
		return all[0], nil
	}
	return all[0], all
}

// addSource names agency p among a reason's sources (source first, sources
// listing them all once there is more than one), once.
func addSource(source int64, sources []int64, p int64) (int64, []int64) {
	switch {
	case p == 0 || p == source || slices.Contains(sources, p):
	case source == 0:
		source = p
	case sources == nil:
		sources = []int64{source, p}
	default:
		sources = append(sources, p)
	}
	return source, sources
}

// readmissionRoom is what the room the episode keeps beside its cap for
// an agency's earlier stay (ReadmissionRoom) holds of other agencies'
// dollars, for a request that holds no earlier stay of its own: the room,
// never past what other agencies' authorizations of a stay no longer open
// hold today. A readmission's grant, judged as a stranger's, leaves the
// episode holding its earlier stay's dollars past the cap, and the room
// holds them beside it with the room other agencies' standing exceptions
// keep; read against the cap alone, every later grant of another agency,
// one inside its own reviewed cap among them, pended where a stranger's
// was approved (42 CFR Part 2). Bounded by what those stays hold, the
// room outlasting them (a void, a line paid under the fee) gives no grant
// the dollars they no longer hold.
func readmissionRoom(f *VoucherFacts) decimal.Decimal {
	if f.Enrollment == nil || !f.ReadmissionRoom.IsPositive() {
		return decimal.Zero
	}
	open := map[int64]bool{}
	for _, o := range f.OtherEnrollments {
		if o.Discharge.IsZero() {
			open[o.ID] = true
		}
	}
	held := decimal.Zero
	for i := range f.Authorizations {
		a := &f.Authorizations[i]
		if a.ProviderID != f.Request.ProviderID && a.EpisodeID == f.Enrollment.EpisodeID && a.EnrollmentID != 0 && !open[a.EnrollmentID] {
			held = held.Add(a.HoldsDollars(f.Today))
		}
	}
	return decimal.Min(f.ReadmissionRoom, held)
}

// othersRoom sums the room the other agencies' standing exceptions keep in
// the request's episode (RoomKept: each one's own cap past what its own
// authorizations in the episode hold, counted as the totals count them,
// its earlier stays' left out, KeptOwnCap.Holds),
// and names each agency that keeps any. The requester's own room is its
// own to use, so its own kept cap is never counted (the facts hold only
// the others').
func othersRoom(f *VoucherFacts) (decimal.Decimal, []int64) {
	kept := decimal.Zero
	if f.Enrollment == nil {
		return kept, nil
	}
	var keepers []int64
	for _, c := range f.OthersOwnCaps {
		if c.ProviderID == f.Request.ProviderID {
			continue
		}
		held := decimal.Zero
		for i := range f.Authorizations {
			if a := &f.Authorizations[i]; a.EpisodeID == f.Enrollment.EpisodeID && c.Holds(a) {
				held = held.Add(a.HoldsDollars(f.Today))
			}
		}
		if room := RoomKept(c.Cap, held); room.IsPositive() {
			kept = kept.Add(room)
			keepers = append(keepers, c.ProviderID)
		}
	}
	return kept, keepers
}

// OwnDollarCap is the cap the agency's own authorizations are judged by
// (V33): Program.AgencyCap where the episode's cap may be another
// agency's record, the episode's otherwise.
//
// An exception of the agency's own that raised the episode's cap raises
// its own cap too, as it would have raised its own episode's: to what its
// authorizations held at the raise, kept there (the facts' Cap) until its
// own void lowers it, as a stranger's episode cap is (ledger.RaiseEpisodeCap
// and ReleaseEpisodeCap), and to what they hold where that is more. Judged
// by the cap of its day alone, its next request over it read
// CONFLICT_ON_FILE where a stranger's, in an episode its own exception
// raised, read the raised cap (a known gap of the sixteenth stop).
func OwnDollarCap(f *VoucherFacts) ProgramCap {
	if o := f.Program.AgencyCap; o != nil {
		c := *o
		if c.OwnRaised && c.Has {
			if _, own := ownInEpisode(f, ""); own.GreaterThan(c.Cap) {
				c.Cap = own
			}
		}
		return c
	}
	return ProgramCap{Has: f.Program.HasDollarCap, Cap: f.Program.EpisodeDollarCap}
}

// episodeFigure is Hit.Episode for a reason whose episode-wide detail
// draws on the agencies source and sources (othersInEpisode's form).
func episodeFigure(detail string, source int64, sources []int64) *EpisodeFigure {
	if sources == nil {
		sources = []int64{source}
	}
	return &EpisodeFigure{Detail: detail, Sources: sources}
}

// ownInEpisode totals what the requesting agency's own authorizations in
// the request's episode (of service, when given) hold of the episode's
// caps, as the totals count them (Holds). When they alone take the request
// past a cap, the reason is the agency's own records' and names no other
// agency: drawn from the totals, it was withheld from a provider that
// another agency's records merely added to, which told it another agency
// knew the person where one serving the person alone read the reason (a
// black-box pass).
func ownInEpisode(f *VoucherFacts, service string) (units int, dollars decimal.Decimal) {
	if f.Enrollment == nil {
		return 0, decimal.Zero
	}
	for i := range f.Authorizations {
		a := &f.Authorizations[i]
		if a.ProviderID != f.Request.ProviderID || a.EpisodeID != f.Enrollment.EpisodeID || (service != "" && a.ServiceCode != service) ||
			keptBy(f, a) != 0 {
			continue
		}
		units += a.Holds(f.Today)
		dollars = dollars.Add(a.HoldsDollars(f.Today))
	}
	return units, dollars
}

// earlierStays totals what the requesting agency's own authorizations of
// an earlier stay hold in the request's episode (of service, when given),
// those another agency's stay keeps there across the break between that
// stay and the request's (keptBy). A stranger's readmission after a break
// opens an episode of its own and leaves them in the one closed, so the
// caps its request is judged by start afresh; counted in the totals, the
// agency's next request past a cap with them pended CONFLICT_ON_FILE,
// read as the other agency's record, where a stranger's was approved (42
// CFR Part 2; an ended authorization holds its unused units until its
// claims are due, so every readmission with units left on the earlier
// stay met it). The totals the agency is judged by leave them out (V32,
// V33); every other agency's count them, the other agency's record for
// it. Its grant may then leave the episode holding more than its limits:
// the grant raises what its claims are paid within, the unit maximum and
// the dollar room beside the cap (vouchers' earlier-stay room), to what
// the episode then holds, so both stays' claims are paid as a stranger's
// are, while no other grant is judged past the limits.
func earlierStays(f *VoucherFacts, service string) (units int, dollars decimal.Decimal) {
	dollars = decimal.Zero
	if f.Enrollment == nil {
		return 0, dollars
	}
	for i := range f.Authorizations {
		a := &f.Authorizations[i]
		if a.ProviderID != f.Request.ProviderID || a.EpisodeID != f.Enrollment.EpisodeID || (service != "" && a.ServiceCode != service) ||
			keptBy(f, a) == 0 {
			continue
		}
		units += a.Holds(f.Today)
		dollars = dollars.Add(a.HoldsDollars(f.Today))
	}
	return units, dollars
}

// EarlierStaysHeld reports whether the requesting agency's own
// authorizations of an earlier stay hold anything in the request's
// episode that its totals leave out (earlierStays): a grant on such facts
// may leave the episode holding more than its limits, and raises what its
// claims are paid within.
func EarlierStaysHeld(f *VoucherFacts) bool {
	units, dollars := earlierStays(f, "")
	return units > 0 || dollars.IsPositive()
}

// keptBy is the other agency in whose record the requesting agency's own
// authorization a lies, or 0 when none does: one granted in an earlier
// stay of the agency (another enrollment of its own) is in the request's
// episode only because another agency's enrollment kept the episode open
// across the discharge between them. A stranger's next stay opens an
// episode of its own, so counted as the agency's own, a person known
// elsewhere read "60.00 left of 300.00 by this agency's authorizations
// alone" where a stranger's identical history was approved (a re-check of
// a Part 2 black-box pass). Facts stored before stays were kept (no
// enrollment on either side) count every own authorization as before.
// One granted in the agency's unbroken stay by its dates (from its first
// day on: CapsStayBegan) is its own whoever else is in the episode: a stranger's
// episode goes on across a readmission by the next day, and counted as
// another agency's record, a person known elsewhere read CONFLICT_ON_FILE
// where a stranger read the cap reached by the agency's own (a re-check).
func keptBy(f *VoucherFacts, a *Authorization) int64 {
	if a.ProviderID != f.Request.ProviderID || f.Enrollment == nil || f.Enrollment.ID == 0 || a.EnrollmentID == 0 ||
		a.EnrollmentID == f.Enrollment.ID || !a.Start.Before(f.Enrollment.CapsStayBegan()) {
		return 0
	}
	for _, o := range f.OtherEnrollments {
		if o.ProviderID != f.Request.ProviderID {
			return o.ProviderID
		}
	}
	return 0
}

// planThrough is the last day the program's active plans of the kind cover
// without a gap from day d on (zero: open-ended); ok is false when none is
// active on d.
func planThrough(f *VoucherFacts, kind string, d time.Time) (through time.Time, ok bool) {
	return planListingThrough(f, kind, "", d)
}

// planListingThrough is planThrough over the plans that list the service
// (any plan of the kind when service is "").
func planListingThrough(f *VoucherFacts, kind, service string, d time.Time) (through time.Time, ok bool) {
	day := d
	for {
		var next *CarePlan
		for i := range f.CarePlans {
			p := &f.CarePlans[i]
			if p.Kind == kind && p.ProgramCode == f.Request.ProgramCode && p.ActiveOn(day) && (next == nil || laterEnd(p.End, next.End)) &&
				(service == "" || contains(p.Services, service)) {
				next = p
			}
		}
		if next == nil {
			return through, ok
		}
		if ok = true; next.End.IsZero() {
			return time.Time{}, true
		}
		through, day = next.End, addDays(next.End, 1)
	}
}

// laterEnd reports whether end a is later than end b (zero: open-ended).
func laterEnd(a, b time.Time) bool { return !b.IsZero() && (a.IsZero() || a.After(b)) }

// firstListed is the first day after start, up to end, on which a plan of
// the kind lists the service.
func firstListed(f *VoucherFacts, kind, service string, start, end time.Time) (time.Time, bool) {
	var first time.Time
	for i := range f.CarePlans {
		p := &f.CarePlans[i]
		if p.Kind != kind || p.ProgramCode != f.Request.ProgramCode || !contains(p.Services, service) ||
			!p.Start.After(start) || p.Start.After(end) || !p.ActiveOn(p.Start) {
			continue
		}
		if first.IsZero() || p.Start.Before(first) {
			first = p.Start
		}
	}
	return first, !first.IsZero()
}

// carePlanKind is the plan that lists a program's services: the waiver
// recovery plan where the program needs one, else the RSS care plan.
func carePlanKind(f *VoucherFacts) string {
	if f.Program.RequiresWaiverPlan {
		return PlanWaiverRecovery
	}
	return PlanRSSCare
}

// planWords is a plan kind as a provider reads it (the kind's code read
// "rss_care_plan" in a reason: a README black-box pass).
func planWords(kind string) string {
	if kind == PlanRSSCare {
		return "RSS care plan"
	}
	return strings.ReplaceAll(kind, "_", " ")
}

// activePlan finds the program's active plan of the kind on the request's start date.
func activePlan(f *VoucherFacts, kind string) *CarePlan {
	for i := range f.CarePlans {
		p := &f.CarePlans[i]
		if p.Kind == kind && p.ProgramCode == f.Request.ProgramCode && p.ActiveOn(f.Request.Start) {
			return p
		}
	}
	return nil
}

// HasPaymentConsent reports whether a consent on day d lets the provider
// disclose to the MSC for payment: signed, not revoked, not expired.
func HasPaymentConsent(consents []Consent, providerID int64, d time.Time) bool {
	for i := range consents {
		c := &consents[i]
		if c.DisclosingProviderID != providerID || c.RecipientType != "msc" || c.Revoked {
			continue
		}
		if c.SignedOn.After(d) || (!c.ExpiresOn.IsZero() && c.ExpiresOn.Before(d)) {
			continue
		}
		if contains(c.Purposes, "payment") {
			return true
		}
	}
	return false
}

// DecideVoucher adjudicates a voucher request. It is pure: the same facts
// always give the same decision and trace.
func DecideVoucher(f *VoucherFacts) VoucherDecision {
	g := grant{units: f.Request.Units, start: f.Request.Start, end: f.Request.End}
	d := VoucherDecision{RuleSetVersion: VoucherRuleSetVersion, Trace: make([]TraceEntry, len(voucherRules))}
	var denied, pended, reduced, granted bool
	for i := range voucherRules {
		r := &voucherRules[i]
		t := &d.Trace[i]
		t.Rule, t.Code, t.Action, t.Facts = r.id, r.code, r.action, r.names
		if !r.required && contains(f.Program.DisabledRules, r.id) {
			t.Result = ResultDisabled
			continue
		}
		if r.applies != nil && !r.applies(f) {
			t.Result = ResultNotApplicable
			continue
		}
		// The granting rule grants nothing once a deny or pend rule has
		// fired: read "GRANTED fired" on a denied request, a trace said it
		// was granted (a new user's black-box pass).
		if r.action == ActionGrant && (denied || pended) {
			t.Result = ResultNotApplicable
			continue
		}
		// A waived rule is read, its finding traced, but cuts nothing.
		at := &g
		if (f.GivenBack && r.action == ActionReduce) || waived(f, r) {
			scratch := g
			at = &scratch
		}
		o := r.eval(f, at)
		if !o.fired {
			t.Result = ResultPassed
			continue
		}
		action, code := r.action, r.code
		if o.action != "" {
			action = o.action
		}
		if o.code != "" {
			code = o.code
		}
		t.Action, t.Code, t.Detail, t.Source, t.Sources = action, code, o.detail, o.source, o.sources
		if waived(f, r) && action != ActionGrant {
			t.Result = ResultWaived
			continue
		}
		t.Result = ResultFired
		switch action {
		case ActionDeny:
			denied = true
		case ActionPend:
			pended = true
		case ActionReduce:
			reduced = true
		case ActionGrant:
			granted = true
			continue // the granting rule is not a reason
		}
		d.Hits = append(d.Hits, Hit{Code: code, Action: action, Detail: o.detail, Source: o.source, Sources: o.sources, Episode: o.episode})
	}
	d.Ceiling = Ceiling{Units: g.units, Start: g.start, End: g.end}
	switch {
	case denied:
		d.Decision = Denied
	case pended:
		d.Decision = Pended
	case !granted:
		d.Decision = Pended
		d.Hits = append(d.Hits, Hit{Code: CodeNoGrantingRule, Action: ActionPend, Detail: "program " + f.Request.ProgramCode})
	case reduced:
		d.Decision, d.Units, d.Start, d.End = Partial, g.units, g.start, g.end
	default:
		d.Decision, d.Units, d.Start, d.End = Approved, g.units, g.start, g.end
	}
	return d
}

// Amount is rate × units, rounded half-up to cents: the one place money is
// computed from units.
func Amount(rate decimal.Decimal, units int) decimal.Decimal {
	return rate.Mul(decimal.NewFromInt(int64(units))).Round(2)
}
