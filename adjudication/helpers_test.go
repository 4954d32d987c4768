package adjudication

import (
	"slices"
	"testing"
	"time"

	"github.com/shopspring/decimal"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// Fixture identities. The MSC provider relations numbers are arbitrary but
// stable so failures read the same every run.
const (
	provID      int64 = 101 // the requesting agency
	otherProvID int64 = 202 // another agency serving the same client
	thirdProvID int64 = 303
	clientID    int64 = 5001
	staffID     int64 = 7001
	episodeID   int64 = 3001
)

// today is the fixtures' clock: every builder is relative to it.
var today = day(2026, time.March, 2)

func day(y int, m time.Month, d int) time.Time { return time.Date(y, m, d, 0, 0, 0, 0, time.UTC) }

func dec(s string) decimal.Decimal { return decimal.RequireFromString(s) }

// stdSettings mirrors SPEC §4: minors are under 18, 12 months with the target
// population, 24 months delivering the service, recovery assistants 18+.
func stdSettings() Settings {
	return Settings{MinorAgeYears: 18, CMTargetPopulationMonths: 12, CMEquivalencyMonths: 24, RAMinAgeYears: 18}
}

// Programs, SPEC §2. Where the spec is silent (RCM validity, most retro
// limits) the fixture uses the §5 default of 14 retro days and no validity.

func atrProgram() Program {
	return Program{
		Code: "ATR", VoucherValidityDays: 90, FilingLimitDays: 90,
		HasDollarCap: true, EpisodeDollarCap: dec("4000.00"),
		GPRARequired: true, FollowupOpenDays: 150, FollowupCloseDays: 240, DischargeGPRADays: 30,
		RetroLimitDays: 14, CarePlanRequired: true,
	}
}

var rcmAreas = []string{"Bridgeport", "Hartford", "Manchester", "Meriden", "Middletown", "New Britain", "Norwalk", "Norwich", "Willimantic"}

func rcmProgram() Program {
	return Program{
		Code: "RCM", FilingLimitDays: 90, LOSMaxDays: 270, LOSReviewPastMax: true, RetroLimitDays: 14,
		CarePlanRequired: true, CatchmentAreas: slices.Clone(rcmAreas),
		CaseloadCaps: map[string]int{RoleLeadRecoverySpecialist: 10, RoleRecoverySpecialist: 15},
	}
}

func rsvpProgram() Program {
	return Program{
		Code: "RSVP", FilingLimitDays: 90, RetroLimitDays: 14,
		CatchmentAreas: []string{"New Britain", "Bridgeport", "Willimantic"},
	}
}

func mhwProgram() Program {
	return Program{
		Code: "MHW", Clinical: true, FilingLimitDays: 365, RetroLimitDays: 14,
		RequiresMedicaidID: true, RequiresWaiverPlan: true, CarePlanRequired: true, DiagnosisRequired: true,
	}
}

func empProgram() Program {
	return Program{Code: "EMP", ZeroReject: true, FilingLimitDays: 90, RetroLimitDays: 14}
}

// Services, SPEC §3.

func atrCM() Service {
	return Service{Code: "ATR-CM", ProgramCode: "ATR", Rate: dec("15.00"), PerVoucherMax: 96, PerEpisodeMax: 480,
		Qualification: QualATRCaseManager, RequiresPrimaryCaseManager: true, Active: true}
}

func atrTR() Service {
	return Service{Code: "ATR-TR", ProgramCode: "ATR", Rate: dec("12.00"), PerVoucherMax: 40, PerEpisodeMax: 200,
		Qualification: QualNone, Active: true}
}

func rcmCM() Service {
	return Service{Code: "RCM-CM", ProgramCode: "RCM", Rate: dec("16.00"), PerVoucherMax: 240,
		Qualification: QualRCMSpecialist, Active: true}
}

func rsvpRC() Service {
	return Service{Code: "RSVP-RC", ProgramCode: "RSVP", Rate: dec("14.00"), PerVoucherMax: 96,
		Qualification: QualNone, Active: true}
}

func mhwRA() Service {
	return Service{Code: "MHW-RA", ProgramCode: "MHW", Rate: dec("7.25"), PerVoucherMax: 480,
		Qualification: QualRecoveryAssistant, Active: true}
}

func empIPS() Service {
	return Service{Code: "EMP-IPS", ProgramCode: "EMP", Rate: dec("18.00"), PerVoucherMax: 160,
		Qualification: QualNone, Active: true}
}

func provider(program string, services ...string) Provider {
	return Provider{ID: provID, AgreementStart: day(2025, time.July, 1), AgreementEnd: day(2027, time.June, 30),
		Programs: []string{program}, Services: services}
}

func adultClient() Client {
	return Client{ID: clientID, DateOfBirth: day(1988, time.June, 15), CatchmentArea: "Hartford", SubstanceUse: "in_remission"}
}

func enrollment(program string) *Enrollment {
	return &Enrollment{ID: 9001, ProviderID: provID, ProgramCode: program, EpisodeID: episodeID,
		Start: day(2026, time.January, 5), PlannedEnd: day(2026, time.December, 31),
		PrimaryCaseManager: true, AssignedStaffID: staffID}
}

func paymentConsent() Consent {
	return Consent{DisclosingProviderID: provID, RecipientType: "msc", Purposes: []string{"treatment_coordination", "payment"},
		SignedOn: day(2026, time.January, 5), ExpiresOn: day(2027, time.January, 5)}
}

// cadcStaff is an ATR case manager qualified by certification, with a
// background check well before any fixture date.
func cadcStaff() *Staff {
	return &Staff{ID: staffID, ProviderID: provID, Role: "case_manager", Active: true, DateOfBirth: day(1979, time.April, 2),
		Credentials: []Credential{
			{Type: CredBachelorHumanSvcs, ValidFrom: day(2002, time.May, 20)},
			{Type: CredCADC, ValidFrom: day(2024, time.January, 1), ValidTo: day(2027, time.December, 31)},
		},
		BackgroundChecks: []BackgroundCheck{{CheckedOn: day(2025, time.June, 1), Passed: true}},
	}
}

// raStaff is a recovery assistant who meets all four MHW requirements.
func raStaff() *Staff {
	return &Staff{ID: staffID, ProviderID: provID, Role: "recovery_assistant", Active: true, DateOfBirth: day(1995, time.August, 9),
		Credentials: []Credential{
			{Type: CredHighSchool, ValidFrom: day(2013, time.June, 1)},
			{Type: CredCTDriversLicense, ValidFrom: day(2022, time.August, 9), ValidTo: day(2028, time.August, 9)},
			{Type: CredRATraining, ValidFrom: day(2025, time.February, 1), ValidTo: day(2027, time.January, 31)},
		},
		BackgroundChecks: []BackgroundCheck{{CheckedOn: day(2025, time.January, 15), Passed: true}},
	}
}

func rcmStaff(role string) *Staff {
	return &Staff{ID: staffID, ProviderID: provID, Role: role, Active: true, DateOfBirth: day(1985, time.March, 3),
		BackgroundChecks: []BackgroundCheck{{CheckedOn: day(2024, time.October, 1), Passed: true}}}
}

func carePlan(kind, program string, services ...string) CarePlan {
	return CarePlan{Kind: kind, ProgramCode: program, Start: day(2026, time.January, 10), Services: services}
}

// A 90-day span starting today: exactly the ATR voucher validity.
var (
	spanStart = today
	spanEnd   = day(2026, time.May, 30)
)

// approvedATR is a realistic ATR case-management request that every rule
// passes: adult client, primary case manager enrollment, payment consent to
// the MSC, intake GPRA, a CADC, a care plan listing ATR-CM, an agreement
// covering the span and several authorizations of other services.
func approvedATR() *VoucherFacts {
	return &VoucherFacts{
		Today:      today,
		Request:    VoucherRequest{ProviderID: provID, ProgramCode: "ATR", ServiceCode: "ATR-CM", Units: 40, Start: spanStart, End: spanEnd},
		Program:    atrProgram(),
		Service:    atrCM(),
		Provider:   provider("ATR", "ATR-CM", "ATR-TR", "ATR-DT", "ATR-LS"),
		Client:     adultClient(),
		Enrollment: enrollment("ATR"),
		Consents:   []Consent{paymentConsent()},
		GPRA:       GPRA{IntakeCompleted: true, IntakeDate: day(2026, time.January, 6)},
		Staff:      cadcStaff(),
		CarePlans:  []CarePlan{carePlan(PlanRSSCare, "ATR", "ATR-CM", "ATR-TR", "ATR-DT")},
		Authorizations: []Authorization{
			// Our own earlier case-management voucher: same provider, never a duplicate.
			{ID: 11, Number: "ATR-2026-000011", ProviderID: provID, ServiceCode: "ATR-CM", EpisodeID: episodeID,
				Start: day(2026, time.January, 12), End: day(2026, time.April, 11), UnitsAuthorized: 40, UnitsUsed: 22, Rate: dec("15.00")},
			{ID: 12, Number: "ATR-2026-000012", ProviderID: provID, ServiceCode: "ATR-TR", EpisodeID: episodeID,
				Start: day(2026, time.January, 12), End: day(2026, time.April, 11), UnitsAuthorized: 20, UnitsUsed: 6, Rate: dec("12.00")},
			{ID: 13, Number: "ATR-2026-000013", ProviderID: thirdProvID, ServiceCode: "ATR-DT", EpisodeID: episodeID,
				Start: day(2026, time.February, 1), End: day(2026, time.April, 30), UnitsAuthorized: 8, UnitsUsed: 2, Rate: dec("25.00")},
		},
		EpisodeUnitsAuthorized:   40,
		EpisodeDollarsAuthorized: dec("1040.00"), // 40×15 + 20×12 + 8×25
		Settings:                 stdSettings(),
	}
}

// approvedRCM: a lead recovery specialist with room on the caseload, client
// in a served catchment area, span well inside 270 days of enrollment.
func approvedRCM() *VoucherFacts {
	return &VoucherFacts{
		Today:      today,
		Request:    VoucherRequest{ProviderID: provID, ProgramCode: "RCM", ServiceCode: "RCM-CM", Units: 120, Start: spanStart, End: spanEnd},
		Program:    rcmProgram(),
		Service:    rcmCM(),
		Provider:   provider("RCM", "RCM-CM"),
		Client:     adultClient(),
		Enrollment: enrollment("RCM"),
		Consents:   []Consent{paymentConsent()},
		Staff:      rcmStaff(RoleLeadRecoverySpecialist),
		CarePlans:  []CarePlan{carePlan(PlanRSSCare, "RCM", "RCM-CM")},
		Caseload:   6,
		Settings:   stdSettings(),
	}
}

func approvedRSVP() *VoucherFacts {
	f := &VoucherFacts{
		Today:      today,
		Request:    VoucherRequest{ProviderID: provID, ProgramCode: "RSVP", ServiceCode: "RSVP-RC", Units: 48, Start: spanStart, End: spanEnd},
		Program:    rsvpProgram(),
		Service:    rsvpRC(),
		Provider:   provider("RSVP", "RSVP-RC", "RSVP-DS"),
		Client:     adultClient(),
		Enrollment: enrollment("RSVP"),
		Consents:   []Consent{paymentConsent()},
		Settings:   stdSettings(),
	}
	f.Client.CatchmentArea = "New Britain"
	return f
}

// approvedMHW: Medicaid ID, an active waiver recovery plan listing MHW-RA and
// a recovery assistant who meets every requirement.
func approvedMHW() *VoucherFacts {
	f := &VoucherFacts{
		Today:      today,
		Request:    VoucherRequest{ProviderID: provID, ProgramCode: "MHW", ServiceCode: "MHW-RA", Units: 240, Start: spanStart, End: spanEnd},
		Program:    mhwProgram(),
		Service:    mhwRA(),
		Provider:   provider("MHW", "MHW-RA"),
		Client:     adultClient(),
		Enrollment: enrollment("MHW"),
		Consents:   []Consent{paymentConsent()},
		Staff:      raStaff(),
		CarePlans:  []CarePlan{carePlan(PlanWaiverRecovery, "MHW", "MHW-RA")},
		Settings:   stdSettings(),
	}
	f.Client.HasMedicaidID = true
	return f
}

func approvedEMP() *VoucherFacts {
	return &VoucherFacts{
		Today:      today,
		Request:    VoucherRequest{ProviderID: provID, ProgramCode: "EMP", ServiceCode: "EMP-IPS", Units: 80, Start: spanStart, End: spanEnd},
		Program:    empProgram(),
		Service:    empIPS(),
		Provider:   provider("EMP", "EMP-IPS", "EMP-SED"),
		Client:     adultClient(),
		Enrollment: enrollment("EMP"),
		Consents:   []Consent{paymentConsent()},
		Settings:   stdSettings(),
	}
}

// withProgramCode renames the program everywhere it appears, to model a
// program added to reference data.
func withProgramCode(f *VoucherFacts, code string) *VoucherFacts {
	f.Request.ProgramCode = code
	f.Program.Code = code
	f.Service.ProgramCode = code
	f.Provider.Programs = append(f.Provider.Programs, code)
	if f.Enrollment != nil {
		f.Enrollment.ProgramCode = code
	}
	for i := range f.CarePlans {
		f.CarePlans[i].ProgramCode = code
	}
	return f
}

// ownAfterSpan moves the requesting agency's own authorizations of the
// requested service to start the day after the span: still live and held
// in full toward the episode's caps, but sharing no day with the request,
// so the per-voucher maximum is the request's alone (V38 counts what they
// hold over the span's days). The fixtures' own earlier vouchers overlap
// the span; a test of another rule that asks near a maximum moves them.
func ownAfterSpan(f *VoucherFacts) {
	for i := range f.Authorizations {
		a := &f.Authorizations[i]
		if a.ProviderID == f.Request.ProviderID && a.ServiceCode == f.Service.Code {
			n := daysInclusive(a.Start, a.End)
			a.Start = addDays(f.Request.End, 1)
			a.End = addDays(a.Start, n-1)
		}
	}
}

// withService swaps the requested service for svc, keeping the provider
// enrollment and the care plan consistent with it.
func withService(f *VoucherFacts, svc Service) *VoucherFacts {
	f.Service = svc
	f.Request.ServiceCode = svc.Code
	if !slices.Contains(f.Provider.Services, svc.Code) {
		f.Provider.Services = append(f.Provider.Services, svc.Code)
	}
	for i := range f.CarePlans {
		if !slices.Contains(f.CarePlans[i].Services, svc.Code) {
			f.CarePlans[i].Services = append(f.CarePlans[i].Services, svc.Code)
		}
	}
	return f
}

// traceEntry returns the trace entry of rule id, failing the test if absent.
func traceEntry(t *testing.T, d VoucherDecision, id string) TraceEntry {
	t.Helper()
	for _, e := range d.Trace {
		if e.Rule == id {
			return e
		}
	}
	require.Failf(t, "rule missing from trace", "rule %s", id)
	return TraceEntry{}
}

func hitCodes(hits []Hit) []string {
	out := make([]string, 0, len(hits))
	for _, h := range hits {
		out = append(out, h.Code)
	}
	return out
}

func findHit(hits []Hit, code string) (Hit, bool) {
	for _, h := range hits {
		if h.Code == code {
			return h, true
		}
	}
	return Hit{}, false
}

// assertDec compares decimals by value (1.5 equals 1.50) with a readable message.
func assertDec(t *testing.T, want string, got decimal.Decimal, msgAndArgs ...any) bool {
	t.Helper()
	w := dec(want)
	if w.Equal(got) {
		return true
	}
	return assert.Fail(t, "decimal mismatch: want "+w.String()+", got "+got.String(), msgAndArgs...)
}

// Claim fixtures.

func atrAuth() *Authorization {
	return &Authorization{ID: 41, Number: "ATR-2026-000041", ProviderID: provID, ServiceCode: "ATR-CM", EpisodeID: episodeID,
		Start: spanStart, End: spanEnd, UnitsAuthorized: 40, UnitsUsed: 10, Rate: dec("15.00")}
}

// paidATRLine is a clean ATR case-management line: 4 units at 15.00 billed
// at 60.00, nine days after service, with 30 units left on its voucher and
// 1,200.00 of the 4,000.00 episode cap paid.
func paidATRLine() *LineFacts {
	a := atrAuth()
	return &LineFacts{
		ReceivedOn:         day(2026, time.April, 10),
		ProviderID:         provID,
		Line:               ClaimLine{ServiceCode: "ATR-CM", DateOfService: day(2026, time.April, 1), Units: 4, Charge: dec("60.00")},
		Program:            atrProgram(),
		Service:            atrCM(),
		Provider:           provider("ATR", "ATR-CM", "ATR-TR"),
		Client:             adultClient(),
		Enrollments:        []Enrollment{*enrollment("ATR")},
		Staff:              cadcStaff(),
		Authorization:      a,
		EpisodeDollarsPaid: dec("1200.00"),
		Settings:           stdSettings(),
	}
}

// paidMHWLine is a clean MHW recovery-assistant line with a diagnosis.
func paidMHWLine() *LineFacts {
	f := &LineFacts{
		ReceivedOn:  day(2026, time.April, 10),
		ProviderID:  provID,
		Line:        ClaimLine{ServiceCode: "MHW-RA", DateOfService: day(2026, time.April, 1), Units: 3, Charge: dec("21.75")},
		Program:     mhwProgram(),
		Service:     mhwRA(),
		Provider:    provider("MHW", "MHW-RA"),
		Client:      adultClient(),
		Enrollments: []Enrollment{*enrollment("MHW")},
		Staff:       raStaff(),
		Diagnoses:   1,
		Authorization: &Authorization{ID: 52, Number: "MHW-2026-000052", ProviderID: provID, ServiceCode: "MHW-RA", EpisodeID: episodeID,
			Start: spanStart, End: spanEnd, UnitsAuthorized: 240, UnitsUsed: 0, Rate: dec("7.25")},
		Settings: stdSettings(),
	}
	f.Client.HasMedicaidID = true
	return f
}

// assertBalanced checks the CAS invariant on every line decision: the
// adjustments and the payment account for the charge to the cent, nothing is
// negative, and every adjustment carries its CARC.
func assertBalanced(t *testing.T, l ClaimLine, d LineDecision) {
	t.Helper()
	sum := d.Paid
	for _, a := range d.Adjustments {
		sum = sum.Add(a.Amount)
		assert.False(t, a.Amount.IsNegative(), "adjustment %s is negative: %s", a.Code, a.Amount)
		assert.NotEmpty(t, a.CARC, "adjustment %s has no CARC", a.Code)
		assert.Equal(t, "CO", a.Group, "adjustment %s group", a.Code)
	}
	assert.True(t, sum.Equal(l.Charge), "paid %s + adjustments must equal charge %s, got %s", d.Paid, l.Charge, sum)
	assert.False(t, d.Paid.IsNegative(), "paid is negative: %s", d.Paid)
	assert.True(t, d.Paid.LessThanOrEqual(l.Charge), "paid %s above charge %s", d.Paid, l.Charge)
}

// reviewOnly switches the program's granting rule off: every request that
// passes the other rules waits for a reviewer.
func reviewOnly(f *VoucherFacts) *VoucherFacts {
	f.Program.DisabledRules = append(f.Program.DisabledRules, "V90")
	return f
}
