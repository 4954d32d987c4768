package adjudication

import (
	"strings"
	"time"

	"github.com/shopspring/decimal"
)

// ProgramCap is a program's episode dollar cap: Has is false when it has
// none.
type ProgramCap struct {
	Has bool            `json:"has_dollar_cap"`
	Cap decimal.Decimal `json:"episode_dollar_cap"`
	// By is the other agency whose record the episode's cap is
	// (AgencyCap's): the one that opened it, or raised it. 0 where the
	// episode's cap is the agency's own history, raised by its own
	// exception to what every agency's authorizations held: only the
	// totals are another's record then (the own cap, OwnDollarCap, is
	// the agency's alone).
	By int64 `json:"by,omitempty"`
	// OwnRaised (AgencyCap's): a reviewer's exception for the requesting
	// agency raised the episode's cap during its stay and still stands,
	// so its own episode's cap rises to what its own authorizations hold
	// where they hold more than Cap (OwnDollarCap).
	OwnRaised bool `json:"own_raised,omitempty"`
}

// Program is the slice of program reference data the rules read.
type Program struct {
	Code                string          `json:"code"`
	Clinical            bool            `json:"clinical"`
	ZeroReject          bool            `json:"zero_reject"`
	VoucherValidityDays int             `json:"voucher_validity_days,omitempty"`
	FilingLimitDays     int             `json:"filing_limit_days"`
	HasDollarCap        bool            `json:"has_dollar_cap"`
	EpisodeDollarCap    decimal.Decimal `json:"episode_dollar_cap"`
	// AgencyCap, set when the episode's cap may be another agency's
	// record, is the cap the requesting agency's own episode would carry,
	// by which its own authorizations are judged (V33): the program's cap
	// today when another agency opened the episode, the cap before the
	// first standing raise of another agency's exception when it opened
	// it; its own cap where its own exception raised it, what its own
	// authorizations held at the raise (lowered by its own void alone;
	// the cap before its first standing raise, for a raise recorded
	// before that was kept), when it opened an episode another agency's
	// stay shares and its own exception raised it (By 0). Where it differs from the episode's cap, the cap is that
	// agency's (By) record, so the cap tells the agency nothing a
	// stranger's request would not (42 CFR Part 2). Nil: the agency's
	// own records are judged by the episode's cap.
	AgencyCap          *ProgramCap    `json:"agency_cap,omitempty"`
	GPRARequired       bool           `json:"gpra_required"`
	FollowupOpenDays   int            `json:"gpra_followup_open_days,omitempty"`
	FollowupCloseDays  int            `json:"gpra_followup_close_days,omitempty"`
	DischargeGPRADays  int            `json:"gpra_discharge_days,omitempty"`
	LOSMaxDays         int            `json:"los_max_days,omitempty"`
	LOSReviewPastMax   bool           `json:"los_review_past_max"`
	RetroLimitDays     int            `json:"retro_limit_days"`
	RequiresMedicaidID bool           `json:"requires_medicaid_id"`
	RequiresWaiverPlan bool           `json:"requires_waiver_plan"`
	CarePlanRequired   bool           `json:"care_plan_required"`
	DiagnosisRequired  bool           `json:"diagnosis_required"`
	CatchmentAreas     []string       `json:"catchment_areas"`
	CaseloadCaps       map[string]int `json:"caseload_caps,omitempty"`
	// DisabledRules are the ids of the voucher rules the program switches
	// off (reference data: which rules apply to a program is data).
	DisabledRules []string `json:"disabled_rules,omitempty"`
}

// Service is one entry of the catalog.
type Service struct {
	Code          string          `json:"code"`
	ProgramCode   string          `json:"program_code"`
	Rate          decimal.Decimal `json:"rate"`
	PerVoucherMax int             `json:"per_voucher_max"`
	PerEpisodeMax int             `json:"per_episode_max,omitempty"`
	Qualification string          `json:"qualification"`
	// QualifyingCredentials are the credential types any one of which
	// qualifies for a service of qualification QualCredential.
	QualifyingCredentials      []string `json:"qualifying_credentials,omitempty"`
	RequiresPrimaryCaseManager bool     `json:"requires_primary_case_manager"`
	Active                     bool     `json:"active"`
	// Unit is what one unit of the service is (day, hour, 15min, trip,
	// test): a day holds one day's unit, 24 hours, 96 quarter hours.
	// Empty in facts stored before it was kept.
	Unit string `json:"unit,omitempty"`
	// RetiredOn is the first day an inactive service is no longer offered
	// (zero when active, or when its retirement was never dated).
	RetiredOn time.Time `json:"retired_on,omitzero"`
}

// DayMinutes is what one day holds of a client's time: the counted lines of
// the services counted by time (MinutesPerUnit) on one date hold no more
// together (C00).
const DayMinutes = 24 * 60

// MinutesPerUnit is how much of a day one unit of the service takes, for a
// service counted by time (an hour, a quarter hour); 0 for one counted
// otherwise (a day's stay, a trip, a test) or not known, which takes no
// hours of the client's day.
func (s *Service) MinutesPerUnit() int {
	switch s.Unit {
	case "hour":
		return 60
	case "15min":
		return 15
	}
	return 0
}

// UnitsPerDay is the most units of the service one day holds, 0 when its
// unit has no such bound (a trip, a test) or is not known.
func (s *Service) UnitsPerDay() int {
	if s.Unit == "day" {
		return 1
	}
	if m := s.MinutesPerUnit(); m > 0 {
		return DayMinutes / m
	}
	return 0
}

// OfferedOn reports whether the catalog offered the service on d: it is
// active, or it was retired after d. Work done before a retirement is
// still claimed on the authorizations granted for it; a retirement with
// no day on file (from before days were kept) covers every date.
func (s *Service) OfferedOn(d time.Time) bool {
	return s.Active || (!s.RetiredOn.IsZero() && d.Before(s.RetiredOn))
}

// Qualification kinds a service can require of its staff (SPEC §4).
const (
	QualNone              = "none"
	QualATRCaseManager    = "atr_case_manager"
	QualRecoveryAssistant = "recovery_assistant"
	QualRCMSpecialist     = "rcm_specialist"
	// QualCredential is qualified for by any one of the service's
	// QualifyingCredentials, verified and valid on the date: a new
	// program's own certification, named as data.
	QualCredential = "credential"
)

// Provider is an agency with its agreement and enrolments.
type Provider struct {
	ID int64 `json:"id"`
	// AgreementStart and AgreementEnd are the newest agreement period; facts
	// stored before the agreement history hold only these.
	AgreementStart time.Time `json:"agreement_start"`
	AgreementEnd   time.Time `json:"agreement_end"`
	// Agreements is the history of agreement periods, oldest first; when
	// present the rules read the periods covering the days in question.
	Agreements []Period `json:"agreements,omitempty"`
	Programs   []string `json:"programs"`
	Services   []string `json:"services"`
	// ServicePeriods are the dated periods of the services that have them
	// (one taken out of the agency's enrollment, or added again after):
	// such a service is offered on the days they cover, whatever Services
	// says today.
	ServicePeriods map[string][]Period `json:"service_periods,omitempty"`
	// DeactivatedOn is the day the MSC deactivated the agency (zero while
	// active): no voucher from then on, no claim for a day from then on.
	DeactivatedOn time.Time `json:"deactivated_on,omitzero"`
	// Suspensions are the deactivations a reactivation ended: no day in
	// one may be authorized or billed.
	Suspensions []Period `json:"suspensions,omitempty"`
	// CatchmentAreas are the areas the MSC enrolled the agency to serve
	// (none: facts stored before they were read, or an agency without).
	CatchmentAreas []string `json:"catchment_areas,omitempty"`
}

// Period is a span of days; a zero End is open-ended.
type Period struct {
	// A zero Start (a service offered since before periods were kept) is
	// left out, as a zero End is: it read 0001-01-01 in the console.
	Start time.Time `json:"start,omitzero"`
	End   time.Time `json:"end,omitzero"`
}

// AgreementCovers reports whether the provider's agreements are in force on
// every day of [from, to] (periods that meet end to end, as a renewal does,
// cover the days across the renewal).
func (p *Provider) AgreementCovers(from, to time.Time) bool {
	_, gap := p.AgreementGap(from, to)
	return !gap
}

// AgreementGap returns the first day of [from, to] no agreement period
// covers, if any.
func (p *Provider) AgreementGap(from, to time.Time) (time.Time, bool) {
	periods := p.Agreements
	if len(periods) == 0 {
		if p.AgreementStart.IsZero() {
			return from, true
		}
		periods = []Period{{Start: p.AgreementStart, End: p.AgreementEnd}}
	}
	return uncovered(periods, from, to)
}

// SuspendedWithin lists the days of its suspensions within [from, to].
func (p *Provider) SuspendedWithin(from, to time.Time) []Period {
	var out []Period
	for _, x := range p.Suspensions {
		if x.Start.After(to) || x.End.Before(from) {
			continue
		}
		if x.Start.Before(from) {
			x.Start = from
		}
		if x.End.After(to) {
			x.End = to
		}
		out = append(out, x)
	}
	return out
}

// Suspended returns the first suspension holding a day of [from, to], if any.
func (p *Provider) Suspended(from, to time.Time) (Period, bool) {
	for _, x := range p.Suspensions {
		if !x.Start.After(to) && !x.End.Before(from) {
			return x, true
		}
	}
	return Period{}, false
}

// OffersService reports whether the agency offered service (of program) on
// every day from..to: by the service's dated periods when it has any, else
// by its enrollment as it stands.
func (p *Provider) OffersService(program, service string, from, to time.Time) bool {
	if periods, ok := p.ServicePeriods[service]; ok {
		return covers(periods, from, to)
	}
	return contains(p.Programs, program) && contains(p.Services, service)
}

// covers reports whether periods, one after another, cover every day from..to.
func covers(periods []Period, from, to time.Time) bool {
	_, gap := uncovered(periods, from, to)
	return !gap
}

// uncovered returns the first day of [from, to] no period covers, if any.
func uncovered(periods []Period, from, to time.Time) (time.Time, bool) {
	day := from
	for {
		var next *Period
		for i := range periods {
			if within(day, periods[i].Start, periods[i].End) {
				next = &periods[i]
				break
			}
		}
		if next == nil {
			return day, true
		}
		if next.End.IsZero() || !next.End.Before(to) {
			return time.Time{}, false
		}
		day = addDays(next.End, 1)
	}
}

// StandsOn reports whether the agency may be given a voucher for day by
// its agreements and service alone (V02's reading of one day): an
// agreement covers it, and no deactivation or suspension holds it.
func (p *Provider) StandsOn(day time.Time) bool {
	if !p.DeactivatedOn.IsZero() && !p.DeactivatedOn.After(day) {
		return false
	}
	if _, out := p.Suspended(day, day); out {
		return false
	}
	return p.AgreementCovers(day, day)
}

// HasAgreement reports whether any agreement is on file.
func (p *Provider) HasAgreement() bool { return len(p.Agreements) > 0 || !p.AgreementStart.IsZero() }

// Client is the person served, as far as the rules need to know.
type Client struct {
	ID            int64     `json:"id"`
	DateOfBirth   time.Time `json:"date_of_birth"`
	HasMedicaidID bool      `json:"has_medicaid_id"`
	CatchmentArea string    `json:"catchment_area"`
	// SubstanceUse is recorded for care planning; the zero-reject programs
	// never refuse or pend on it.
	SubstanceUse string `json:"substance_use"`
	// Eligibility is the client's Medicaid eligibility, as dated spans that
	// never overlap. Nil means the facts predate eligibility spans (facts
	// stored before them are replayed on the id on file, as they were
	// decided); empty means no eligibility at all.
	Eligibility []EligibilitySpan `json:"medicaid_eligibility"`
}

// EligibilitySpan is one span of Medicaid eligibility; End zero is open.
type EligibilitySpan struct {
	// MedicaidID is the id in force over the span: a claim bills one. It is
	// not kept with stored voucher facts, whose rules judge dates only.
	MedicaidID string    `json:"-"`
	Start      time.Time `json:"start"`
	End        time.Time `json:"end"`
}

// EligibilityOn returns the span covering day d, or nil.
func EligibilityOn(spans []EligibilitySpan, d time.Time) *EligibilitySpan {
	for i := range spans {
		if within(d, spans[i].Start, spans[i].End) {
			return &spans[i]
		}
	}
	return nil
}

// EligibleThrough returns the last day of unbroken eligibility from day d
// (spans that meet day to day chain, whatever their ids), zero when it is
// open-ended; ok is false when d itself is not covered.
func EligibleThrough(spans []EligibilitySpan, d time.Time) (through time.Time, ok bool) {
	s := EligibilityOn(spans, d)
	if s == nil {
		return time.Time{}, false
	}
	for s != nil && !s.End.IsZero() {
		through = s.End
		s = EligibilityOn(spans, addDays(s.End, 1))
	}
	if s != nil {
		return time.Time{}, true
	}
	return through, true
}

// eligibilityEndedBefore reports whether a span of the client's ended
// before day d (so a date not covered follows a lapse, CARC 27, rather than
// preceding all coverage, 26).
func eligibilityEndedBefore(spans []EligibilitySpan, d time.Time) bool {
	for i := range spans {
		if !spans[i].End.IsZero() && spans[i].End.Before(d) {
			return true
		}
	}
	return false
}

// ClaimMedicaidID is the Medicaid id a claim bills (its 837P subscriber):
// the one in force on the earliest of its dates of service that any span
// covers, or "" when none does.
func ClaimMedicaidID(spans []EligibilitySpan, dates []time.Time) string {
	var best time.Time
	id := ""
	for _, d := range dates {
		if s := EligibilityOn(spans, d); s != nil && (id == "" || d.Before(best)) {
			best, id = d, s.MedicaidID
		}
	}
	return id
}

// Enrollment is the client's enrollment in the program with the provider.
type Enrollment struct {
	// StayStart is the first day of the agency's unbroken stay the
	// enrollment continues (its own enrollments in the program, each begun
	// by the day after the one before ended), when earlier than Start: a
	// length of service counts from it (StayBegan).
	StayStart time.Time `json:"stay_start,omitzero"`
	// CapsStayStart is that stay's first day by its enrollments' dates
	// alone (a discharge dated back breaks it), as the person's episode,
	// and so its caps, run: an agency's authorizations from it on are its
	// own in the caps whoever else is in the episode (CapsStayBegan).
	CapsStayStart      time.Time `json:"caps_stay_start,omitzero"`
	ID                 int64     `json:"id"`
	ProviderID         int64     `json:"provider_id"`
	ProgramCode        string    `json:"program_code"`
	EpisodeID          int64     `json:"episode_id"`
	Start              time.Time `json:"start"`
	PlannedEnd         time.Time `json:"planned_end"`
	Discharge          time.Time `json:"discharge"`
	PrimaryCaseManager bool      `json:"primary_case_manager"`
	AssignedStaffID    int64     `json:"assigned_staff_id,omitempty"`
	// Lapsed is said of another agency's enrollment: no agreement of that
	// agency covers today, or it is out of service today. Its designation does not stand (V10): it can be given no
	// voucher, and the agency under agreement was denied on it with no
	// reviewer seeing it (a re-check). Facts stored before it was read
	// replay as they were.
	Lapsed bool `json:"lapsed,omitempty"`
	// DesignatedAs and DesignatedFrom are said of another agency's
	// enrollment flagged primary case manager that continues its agency's
	// unbroken stay (the stay's first day as a length of service counts
	// it) from an enrollment designated before it: the designation is the
	// stay's, and ranks (V10) as that enrollment's, from its start. Zero
	// when the enrollment's own (facts stored before they were read too).
	DesignatedAs   int64     `json:"designated_as,omitempty"`
	DesignatedFrom time.Time `json:"designated_from,omitzero"`
}

// StayBegan is the day a length of service counts from: the unbroken
// stay's first day, or the enrollment's.
func (e *Enrollment) StayBegan() time.Time {
	if !e.StayStart.IsZero() && e.StayStart.Before(e.Start) {
		return e.StayStart
	}
	return e.Start
}

// CapsStayBegan is the day an agency's own authorizations in the episode
// count from as its own (keptBy): the unbroken stay's first day by its
// dates, or the enrollment's. Not StayBegan: held through a discharge
// dated back, the stay went on where the episode did not, and the
// agency's earlier authorizations counted as its own for a person another
// agency kept in the episode, where a stranger's next stay began an
// episode afresh (a re-check, Part 2).
func (e *Enrollment) CapsStayBegan() time.Time {
	if !e.CapsStayStart.IsZero() && e.CapsStayStart.Before(e.Start) {
		return e.CapsStayStart
	}
	return e.Start
}

// Covers reports whether the enrollment is in force on every day of [from, to].
func (e *Enrollment) Covers(from, to time.Time) bool {
	if e == nil || from.Before(e.Start) {
		return false
	}
	return e.Discharge.IsZero() || !to.After(e.Discharge)
}

// Consent is a 42 CFR Part 2 consent to disclose.
type Consent struct {
	DisclosingProviderID int64     `json:"disclosing_provider_id"`
	RecipientType        string    `json:"recipient_type"`
	Purposes             []string  `json:"purposes"`
	SignedOn             time.Time `json:"signed_on"`
	// ExpiresOn is the last day the consent discloses: its date, the day
	// before its expiry event as recorded, or ten years after its signing
	// for one with an event alone (vouchers reads it as every read of a
	// consent in force does; decided before migration 00109, the form's
	// date, none for an event).
	ExpiresOn time.Time `json:"expires_on"`
	Revoked   bool      `json:"revoked"`
}

// GPRA is the state of the episode's GPRA interviews: the stay's own, and
// those of an agency whose consent names the requester.
type GPRA struct {
	IntakeCompleted  bool      `json:"intake_completed"`
	IntakeDate       time.Time `json:"intake_date"`
	FollowupRecorded bool      `json:"followup_recorded"`
	// IntakeProviderID and FollowupProviderID are the agencies whose
	// interviews the facts above count (0: none counted, or facts stored
	// before they were kept): a date drawn from another agency's intake
	// quotes its records, as an overlapping authorization does (V30's
	// reason read "follow-up window closed" on another agency's intake,
	// and went on showing after its consent was revoked: a black-box pass).
	IntakeProviderID   int64 `json:"intake_provider_id,omitempty"`
	FollowupProviderID int64 `json:"followup_provider_id,omitempty"`
}

// Credential is one licence, certificate, degree or training with its validity.
type Credential struct {
	Type      string    `json:"type"`
	ValidFrom time.Time `json:"valid_from"`
	ValidTo   time.Time `json:"valid_to"`
}

// Credential types the qualification paths look for.
const (
	CredISAS                 = "ISAS"
	CredCADC                 = "CADC"
	CredCPS                  = "CPS"
	CredLCPC                 = "LCPC"
	CredLPC                  = "LPC"
	CredPastoralLicense      = "PASTORAL_COUNSELOR_LICENSE"
	CredPastoralCompetencies = "PASTORAL_CORE_COMPETENCIES"
	CredBachelorHumanSvcs    = "BACHELOR_HUMAN_SERVICES"
	CredHighSchool           = "HIGH_SCHOOL_DIPLOMA"
	CredGED                  = "GED"
	CredCTDriversLicense     = "CT_DRIVERS_LICENSE"
	CredRATraining           = "DMHAS_RECOVERY_ASSISTANT_TRAINING"
)

// Experience is a period of work with the target population or delivering a service.
type Experience struct {
	Kind        string    `json:"kind"`
	ServiceCode string    `json:"service_code,omitempty"`
	Start       time.Time `json:"start"`
	End         time.Time `json:"end"`
}

// Staff roles the RCM caseload caps are keyed on.
const (
	RoleLeadRecoverySpecialist = "lead_recovery_specialist"
	RoleRecoverySpecialist     = "recovery_specialist"
)

// Staff is the person who will deliver (or delivered) the service.
type Staff struct {
	ID               int64             `json:"id"`
	ProviderID       int64             `json:"provider_id"`
	Role             string            `json:"role"`
	Active           bool              `json:"active"`
	DateOfBirth      time.Time         `json:"date_of_birth"`
	Credentials      []Credential      `json:"credentials"`
	Experience       []Experience      `json:"experience"`
	BackgroundChecks []BackgroundCheck `json:"background_checks"`
	// Supervisions are the periods the staff member was supervised, oldest
	// first (a zero From or To: open); the supervisor of the day counts.
	Supervisions []Supervision `json:"supervisions,omitempty"`
	// EmployedFrom and EmployedTo bound the employment (zero: not recorded,
	// open); the staff member delivers nothing outside them.
	EmployedFrom time.Time `json:"employed_from,omitzero"`
	EmployedTo   time.Time `json:"employed_to,omitzero"`
	// Pending names the records submitted but not yet verified by the
	// department ("credential CADC"): they count for nothing, and a trace
	// says they are waiting.
	Pending []string `json:"pending,omitempty"`
}

// Supervision is one period of supervision: Supervisor supervised the staff
// member from From to To (zero: open), one level deep.
type Supervision struct {
	From       time.Time `json:"from,omitzero"`
	To         time.Time `json:"to,omitzero"`
	Supervisor *Staff    `json:"supervisor"`
}

// supervisorOn is s's supervisor on day d, if any: supervision is checked on
// the date of service like every other qualification.
func (s *Staff) supervisorOn(d time.Time) *Staff {
	for _, p := range s.Supervisions {
		if within(d, p.From, p.To) {
			return p.Supervisor
		}
	}
	return nil
}

// employedOn reports whether s works for its agency on day d.
func (s *Staff) employedOn(d time.Time) bool {
	return s.Active && within(d, s.EmployedFrom, s.EmployedTo)
}

// unqualified is a failed path's trace detail, saying what waits for
// verification when something does.
func (s *Staff) unqualified(why string) string {
	if s == nil || len(s.Pending) == 0 {
		return why
	}
	return why + "; pending verification: " + strings.Join(s.Pending, ", ")
}

// uncleared is the background-check rules' trace detail: it names only
// the background checks waiting for verification (a pending credential
// has nothing to do with a check).
func (s *Staff) uncleared(why string) string {
	if s == nil {
		return why
	}
	var checks []string
	for _, p := range s.Pending {
		if p == PendingBackgroundCheck {
			checks = append(checks, p)
		}
	}
	if len(checks) == 0 {
		return why
	}
	return why + "; pending verification: " + strings.Join(checks, ", ")
}

// PendingBackgroundCheck is how a background check waiting for
// verification is named in Staff.Pending.
const PendingBackgroundCheck = "background check"

// BackgroundCheck is one criminal background check.
type BackgroundCheck struct {
	CheckedOn time.Time `json:"checked_on"`
	Passed    bool      `json:"passed"`
}

// CarePlan is an RSS care plan or a waiver recovery plan.
type CarePlan struct {
	Kind        string    `json:"kind"`
	ProgramCode string    `json:"program_code"`
	Start       time.Time `json:"start"`
	End         time.Time `json:"end"`
	Closed      bool      `json:"closed"`
	Services    []string  `json:"services"`
}

// Care plan kinds.
const (
	PlanRSSCare        = "rss_care_plan"
	PlanWaiverRecovery = "waiver_recovery_plan"
)

// ActiveOn reports whether the plan is in force on day d.
func (p *CarePlan) ActiveOn(d time.Time) bool {
	return !p.Closed && !d.Before(p.Start) && (p.End.IsZero() || !d.After(p.End))
}

// Authorization is an existing authorization of the client's.
type Authorization struct {
	ID          int64  `json:"id"`
	Number      string `json:"number"`
	ProviderID  int64  `json:"provider_id"`
	ServiceCode string `json:"service_code"`
	EpisodeID   int64  `json:"episode_id"`
	// EnrollmentID is the stay it was granted in (0 in facts stored
	// before it was kept): ownInEpisode tells the agency's stays apart.
	EnrollmentID    int64           `json:"enrollment_id,omitempty"`
	Start           time.Time       `json:"start"`
	End             time.Time       `json:"end"`
	UnitsAuthorized int             `json:"units_authorized"`
	UnitsUsed       int             `json:"units_used"`
	Rate            decimal.Decimal `json:"rate"`
	Void            bool            `json:"void"`
	// Suspended are the days of its span in its agency's suspensions
	// (deactivations a reactivation ended): no claim may bill them, so no
	// other agency's request over them duplicates it (V34). Counted there,
	// an agency out of service held days no one could bill, and the other
	// agency's authorization granted for them was ended as a duplicate (a
	// black-box pass).
	Suspended []Period `json:"suspended,omitempty"`
	// Inactive: its program's days without a claim have passed (until a
	// reviewer reactivates it). Like a void one it draws no claims and
	// holds only the units it used.
	Inactive bool `json:"inactive,omitempty"`
	// LastActivity and IdleDays say which dates of service it covers once
	// its program inactivates authorizations: it goes inactive IdleDays
	// full days after its last activity (its start, the latest date of
	// service counted on it, its last reactivation) with none; IdleDays 0,
	// never. Not facts a voucher rule reads (Inactive is).
	LastActivity time.Time `json:"-"`
	IdleDays     int       `json:"-"`
	// VoidedOn is the day a void one was voided (zero: not void, or facts
	// stored before it was read): the days it billed came before it, and
	// the duplicate rule holds them (V34).
	VoidedOn time.Time `json:"voided_on,omitzero"`
	// IdleSince is the first day of its program's last stricter setting
	// (zero: never): a date before it is covered, the setting of that day
	// having left it live.
	IdleSince time.Time `json:"-"`
	// IdleFrom is the day it went inactive under a looser setting, kept
	// when a stricter one came after or a looser one held it for review
	// (zero: none): no date from it on is covered, whatever the setting.
	IdleFrom time.Time `json:"-"`
	// EpisodeMaxThen is its service's episode unit maximum the day it was
	// granted (0 when it had none): its lines are paid within it though
	// the maximum was lowered since (C10U). Not a voucher rule's fact.
	EpisodeMaxThen int `json:"-"`
	// HeldThrough, for one whose span has ended, is the last day it holds
	// all its units after its end: its claims' due day (a late claim for
	// a day it covered may come until then), or the day before it goes
	// inactive. Zero for others: void, cut to nothing, still running, or
	// in facts stored before the thirty-fourth stop for one that ran (a
	// retro grant, issued once its span had passed, carried it before).
	HeldThrough time.Time `json:"held_through,omitzero"`
	// Paid is what its counted lines were paid: what it holds of the
	// episode's dollar cap for the units it used, as the claims' own cap
	// counts it (a line charged under the fee pays less than rate × units).
	// Not valid in facts stored before it was read: rate × units used then.
	Paid decimal.NullDecimal `json:"dollars_paid"`
}

// KeptOwnCap is an agency's own dollar cap in an episode where a reviewer's
// exception for its grant raised the episode's cap and still stands: what
// its own authorizations held at the raise (episode_cap_raises.own_after,
// past its own cap before the raise, own_before, not the episode's, which
// an earlier raise may have taken to other agencies' dollars; lowered by
// its own void or discharge alone).
//
// Both are its stay's (Stay, StayBegan): after the agency's readmission
// after a break into an episode another agency keeps open, read as a
// stranger's (keptBy), the cap is of raises in its current stay alone,
// and the authorizations of its earlier stays count for nothing in what
// its own hold against it (Holds). Counted, the first stay's holdings ate
// the room of an exception of the new stay, which a stranger's new
// episode keeps, and another agency's unreviewed grant took it (42 CFR
// Part 2 and money). Facts stored before voucher-2026.12.24 carry no stay
// and count every authorization of the agency, as they were judged.
type KeptOwnCap struct {
	ProviderID int64           `json:"provider_id"`
	Cap        decimal.Decimal `json:"cap"`
	// Stay is the agency's enrollment its kept cap is read in (its open
	// one in the episode, else its latest); StayBegan, where another
	// agency is in the episode, the first day of that enrollment's
	// unbroken stay by the enrollments' dates (as CapsStayBegan), before
	// which the agency's authorizations of its other enrollments are an
	// earlier stay's. Zero: none left out.
	Stay      int64     `json:"stay,omitempty"`
	StayBegan time.Time `json:"stay_began,omitzero"`
}

// Holds reports whether authorization a counts in what the agency's own
// authorizations hold against its kept cap: the agency's, and none of an
// earlier stay another agency keeps in the episode (the test keptBy reads
// for the requester's own).
func (c *KeptOwnCap) Holds(a *Authorization) bool {
	if a.ProviderID != c.ProviderID {
		return false
	}
	return c.Stay == 0 || c.StayBegan.IsZero() || a.EnrollmentID == 0 || a.EnrollmentID == c.Stay || !a.Start.Before(c.StayBegan)
}

// RoomKept is the room of the episode's dollar cap the agency's standing
// exception keeps for its own grants: its own cap past what its own
// authorizations hold today (held, counted as the episode's total counts
// them), none where they hold it all. A stranger's episode cap keeps that
// room for the stranger whatever another agency does; the episode's cap
// keeps it for the agency alone, so no other agency's void lowers it away
// (ledger.ReleaseEpisodeCap) and no other agency's unreviewed grant takes
// it (V33).
func RoomKept(own, held decimal.Decimal) decimal.Decimal {
	return decimal.Max(own.Sub(held), decimal.Zero)
}

// Live reports whether its unused units count today: neither void nor
// inactive.
func (a *Authorization) Live() bool { return !a.Void && !a.Inactive }

// Holds is what the authorization holds of its episode's caps on today,
// one count whoever reads it: all it authorizes while it runs and, once
// ended, through HeldThrough (its late claims may still come); once
// voided, gone inactive, or past HeldThrough only the units it used (the
// rest will most likely not be billed; used units stay used).
func (a *Authorization) Holds(today time.Time) int {
	// A span its agency's deactivation cut to nothing (it would only have
	// started from the deactivation's day) never runs: it held all its
	// units on the day before that day, while reading expired.
	if !a.Live() || a.End.Before(a.Start) || (a.End.Before(today) && a.HeldThrough.Before(today)) {
		return a.UnitsUsed
	}
	return a.UnitsAuthorized
}

// HoldsDollars is what the authorization holds of its episode's dollar cap
// on today: what it was paid, and its unused units that still hold
// (Holds) at its rate. Valued at rate × units used, an authorization whose
// line was charged under the fee read "0.00 left" where the claims' cap
// (C10, from the dollars paid) still had 50.00, and a reviewer's exception
// raised the cap past what the grant needed (a black-box pass).
func (a *Authorization) HoldsDollars(today time.Time) decimal.Decimal {
	paid := Amount(a.Rate, a.UnitsUsed)
	if a.Paid.Valid {
		paid = a.Paid.Decimal
	}
	return paid.Add(Amount(a.Rate, a.Holds(today)-a.UnitsUsed))
}

// LiveOn reports whether a line dated dos may draw on it: it is not void,
// and it was not inactive on dos. A service delivered while the
// authorization was active is billed on it whenever the claim arrives
// (within the filing limit): judged on the day the claim arrived, a
// weekly biller lost services delivered under an active voucher (two
// black-box passes). A date before its last activity is covered, since
// activity came after it: a reviewer's reactivation stands for the idle
// days before it.
func (a *Authorization) LiveOn(dos time.Time) bool {
	if a.Void {
		return false
	}
	if !a.IdleFrom.IsZero() && !dos.Before(a.IdleFrom) {
		return false
	}
	return a.IdleDays == 0 || !dos.After(a.LastActivity.AddDate(0, 0, a.IdleDays)) || dos.Before(a.IdleSince)
}

// Served records a counted line dated dos: later lines of the submission
// see the activity.
func (a *Authorization) Served(dos time.Time) {
	if dos.After(a.LastActivity) {
		a.LastActivity = dos
	}
}

// Settings are the system-wide thresholds of SPEC §4.
type Settings struct {
	MinorAgeYears            int `json:"minor_age_years"`
	CMTargetPopulationMonths int `json:"cm_target_population_months"`
	CMEquivalencyMonths      int `json:"cm_equivalency_months"`
	RAMinAgeYears            int `json:"ra_min_age_years"`
}

// VoucherRequest is what the provider asked for.
type VoucherRequest struct {
	ProviderID  int64     `json:"provider_id"`
	ProgramCode string    `json:"program_code"`
	ServiceCode string    `json:"service_code"`
	Units       int       `json:"units"`
	Start       time.Time `json:"start"`
	End         time.Time `json:"end"`
}

// VoucherFacts is everything DecideVoucher may look at. The caller gathers
// it in one transaction; it is stored with the decision so the decision can
// be replayed.
type VoucherFacts struct {
	Today      time.Time      `json:"today"`
	Request    VoucherRequest `json:"request"`
	Program    Program        `json:"program"`
	Service    Service        `json:"service"`
	Provider   Provider       `json:"provider"`
	Client     Client         `json:"client"`
	Enrollment *Enrollment    `json:"enrollment,omitempty"`
	// OtherEnrollments are the other agencies' enrollments in the same
	// episode: the MSC's to judge (primary case manager), never shown.
	OtherEnrollments []Enrollment `json:"other_enrollments,omitempty"`
	// DesignatedAs is the rank of the request's enrollment's primary case
	// manager designation (V10) when its agency's unbroken stay holds one
	// made before it (Enrollment.DesignatedAs): a readmission the same day
	// or the next ranked as a new designation, after another agency's flag
	// set in the meantime, and that agency became primary case manager with
	// no MSC transfer (a GPRA black-box pass). Whether the stay kept it
	// reads the MSC's transfers and designations to other agencies since,
	// so it is a fact of the person, never shown to the agency, and not a
	// field of Enrollment. Zero: the enrollment's own id.
	DesignatedAs int64      `json:"designated_as,omitempty"`
	Consents     []Consent  `json:"consents"`
	GPRA         GPRA       `json:"gpra"`
	Staff        *Staff     `json:"staff,omitempty"`
	CarePlans    []CarePlan `json:"care_plans"`
	// Authorizations are the person's authorizations in the program, void
	// and inactive ones included (they hold the units they used).
	Authorizations []Authorization `json:"authorizations"`
	// EpisodeUnitsAuthorized counts the service's units already authorized
	// in the episode; EpisodeDollarsAuthorized sums units × rate of every
	// authorization in the episode.
	EpisodeUnitsAuthorized   int             `json:"episode_units_authorized"`
	EpisodeDollarsAuthorized decimal.Decimal `json:"episode_dollars_authorized"`
	// OthersOwnCaps are the own caps of the other agencies in the episode
	// whose reviewer's exception still stands (KeptOwnCap): the room each
	// keeps past what its own authorizations hold is taken from the
	// episode's cap for the requester (V33). Each is that agency's record:
	// the MSC's to read, never shown to a provider.
	OthersOwnCaps []KeptOwnCap `json:"others_own_caps"`
	// ReadmissionRoom is the room the episode keeps beside its dollar cap
	// for an agency's earlier stay (vouchers' earlier-stay room): dollars
	// held past the cap, and the room other agencies' standing exceptions
	// keep, when a readmission's grant was judged without that stay
	// (EarlierStaysHeld). The cap the rules read holds no part of it
	// (V33, readmissionRoom). The MSC's to read, never a provider's.
	ReadmissionRoom decimal.Decimal `json:"readmission_room,omitzero"`
	// Caseload counts the assigned staff's other open enrollments in the program.
	Caseload int `json:"caseload"`
	// Clinical context: recorded so the trace shows the zero-reject rule was honoured.
	HasClinicalEnrollment bool     `json:"has_clinical_enrollment"`
	PendedClinicalRequest bool     `json:"pended_clinical_request"`
	Settings              Settings `json:"settings"`
	// GivenBack marks a request that is an authorization's unused units
	// over the days it already holds, given back as they stand (a
	// reactivation): the reduce rules are read, their hits kept, but
	// narrow nothing, so the rules after them judge what comes back.
	// Judged on the span a reduction cut (the voucher's staff member
	// leaving on day 5), another agency's authorization over the days cut
	// off was never seen, and both held them (a review). Never stored
	// with a request's facts.
	GivenBack bool `json:"-"`
}
