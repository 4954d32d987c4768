package vouchers

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"

	"rss"
	"rss/access"
	"rss/adjudication"
	"rss/pg"
)

// Program is a program's reference data.
type Program struct {
	Code                   string         `json:"code" db:"code"`
	Name                   string         `json:"name" db:"name"`
	Funding                string         `json:"funding" db:"funding"`
	PayerRoute             string         `json:"payer_route" db:"payer_route"`
	Clinical               bool           `json:"clinical" db:"clinical"`
	ZeroReject             bool           `json:"zero_reject" db:"zero_reject"`
	VoucherValidityDays    *int           `json:"voucher_validity_days" db:"voucher_validity_days"`
	FilingLimitDays        int            `json:"filing_limit_days" db:"filing_limit_days"`
	EpisodeDollarCap       *rss.Money     `json:"episode_dollar_cap" db:"episode_dollar_cap"`
	GPRARequired           bool           `json:"gpra_required" db:"gpra_required"`
	GPRAFollowupOpenDays   *int           `json:"gpra_followup_open_days" db:"gpra_followup_open_days"`
	GPRAFollowupCloseDays  *int           `json:"gpra_followup_close_days" db:"gpra_followup_close_days"`
	GPRADischargeDays      *int           `json:"gpra_discharge_days" db:"gpra_discharge_days"`
	LOSMaxDays             *int           `json:"los_max_days" db:"los_max_days"`
	LOSReviewPastMax       bool           `json:"los_review_past_max" db:"los_review_past_max"`
	RetroLimitDays         int            `json:"retro_limit_days" db:"retro_limit_days"`
	RequiresMedicaidID     bool           `json:"requires_medicaid_id" db:"requires_medicaid_id"`
	RequiresWaiverPlan     bool           `json:"requires_waiver_plan" db:"requires_waiver_plan"`
	CarePlanRequired       bool           `json:"care_plan_required" db:"care_plan_required"`
	DiagnosisRequired      bool           `json:"diagnosis_required" db:"diagnosis_required"`
	ReferralSourceRequired bool           `json:"referral_source_required" db:"referral_source_required"`
	CatchmentAreas         pq.StringArray `json:"catchment_areas" db:"catchment_areas"`
	CaseloadCaps           map[string]int `json:"caseload_caps" db:"-"`
	// InactivateAfterDays: an authorization with no claim for this many
	// days goes inactive (null: never).
	InactivateAfterDays *int `json:"inactivate_after_days" db:"inactivate_after_days"`
	// DisabledRules are the voucher rules the program switches off.
	DisabledRules pq.StringArray `json:"disabled_rules" db:"disabled_rules"`
	UpdatedAt     time.Time      `json:"updated_at" db:"updated_at"`
	// OpenEpisodesKeepingCap is, in the answer to a change of
	// episode_dollar_cap only, how many open episodes keep a cap other
	// than the new one (the cap they opened with, or a reviewer's raise):
	// the change applies to episodes opened after it.
	OpenEpisodesKeepingCap *int `json:"open_episodes_keeping_cap,omitempty" db:"-"`
}

// CatalogService is one entry of the service catalog.
type CatalogService struct {
	Code        string `json:"code" db:"code"`
	ProgramCode string `json:"program_code" db:"program_code"`
	Name        string `json:"name" db:"name"`
	Unit        string `json:"unit" db:"unit"`
	// Rate is the rate in force on the day the entry was read (zero when
	// none is yet); Rates is the history every request is priced from.
	Rate               rss.Money      `json:"rate" db:"-"`
	Rates              ServiceRates   `json:"rates" db:"rates"`
	PerVoucherMax      int            `json:"per_voucher_max" db:"per_voucher_max"`
	PerEpisodeMax      *int           `json:"per_episode_max" db:"per_episode_max"`
	ProcedureQualifier *string        `json:"procedure_qualifier" db:"procedure_qualifier"`
	ProcedureCode      *string        `json:"procedure_code" db:"procedure_code"`
	Modifiers          pq.StringArray `json:"modifiers" db:"modifiers"`
	Qualification      string         `json:"qualification" db:"qualification"`
	// QualifyingCredentials are, for qualification "credential", the
	// credential types any one of which qualifies (empty otherwise).
	QualifyingCredentials      pq.StringArray `json:"qualifying_credentials" db:"qualifying_credentials"`
	RequiresPrimaryCaseManager bool           `json:"requires_primary_case_manager" db:"requires_primary_case_manager"`
	EmploymentStage            *int           `json:"employment_stage" db:"employment_stage"`
	Active                     bool           `json:"active" db:"active"`
	// RetiredOn is the first day the service is no longer offered, set when
	// it was taken out of use (zero while active, and for one retired
	// before the day was kept): claim lines dated before it still pay.
	RetiredOn rss.Date  `json:"retired_on" db:"retired_on"`
	UpdatedAt time.Time `json:"updated_at" db:"updated_at"`
}

// Provider is an agency with its agreement and enrolments.
type Provider struct {
	ID           int64   `json:"id" db:"id"`
	Code         string  `json:"code" db:"code"`
	Name         string  `json:"name" db:"name"`
	NPI          string  `json:"npi" db:"npi"`
	TaxID        string  `json:"tax_id" db:"tax_id"`
	AddressLine1 string  `json:"address_line1" db:"address_line1"`
	AddressLine2 *string `json:"address_line2" db:"address_line2"`
	City         string  `json:"city" db:"city"`
	State        string  `json:"state" db:"state"`
	Zip          string  `json:"zip" db:"zip"`
	ContactName  *string `json:"contact_name" db:"contact_name"`
	ContactPhone *string `json:"contact_phone" db:"contact_phone"`
	ContactEmail *string `json:"contact_email" db:"contact_email"`
	// AgreementStart and AgreementEnd are the newest period of Agreements.
	AgreementStart     rss.Date   `json:"agreement_start" db:"agreement_start"`
	AgreementEnd       rss.Date   `json:"agreement_end" db:"agreement_end"`
	Agreements         Agreements `json:"agreements" db:"agreements"`
	DeactivatedOn      rss.Date   `json:"deactivated_on" db:"deactivated_on"`
	DeactivationReason *string    `json:"deactivation_reason" db:"deactivation_reason"`
	// Suspensions are the deactivations a reactivation ended, oldest
	// first: their days stay out of service (migration 00060).
	Suspensions Suspensions    `json:"suspensions" db:"suspensions"`
	Programs    pq.StringArray `json:"programs" db:"programs"`
	// Services are the services offered today and from now on.
	Services pq.StringArray `json:"services" db:"services"`
	// ServicePeriods are the dated periods of the agency's services: one
	// taken out (ended the day before) or added again after that (from the
	// day it was). A service with none is offered with no dates.
	ServicePeriods ServicePeriods `json:"service_periods" db:"service_periods"`
	CatchmentAreas pq.StringArray `json:"catchment_areas" db:"catchment_areas"`
}

// Staff is a provider's staff member with what qualifies them.
type Staff struct {
	ID           int64    `json:"id" db:"id"`
	ProviderID   int64    `json:"provider_id" db:"provider_id"`
	FirstName    string   `json:"first_name" db:"first_name"`
	LastName     string   `json:"last_name" db:"last_name"`
	Role         string   `json:"role" db:"role"`
	DateOfBirth  rss.Date `json:"date_of_birth" db:"date_of_birth"`
	NPI          *string  `json:"npi" db:"npi"`
	SupervisorID *int64   `json:"supervisor_id" db:"supervisor_id"`
	// SupervisorSince is the day the supervisor above took over (null: from
	// the record's start); Supervision lists every period, oldest first.
	SupervisorSince  rss.Date          `json:"supervisor_since" db:"supervisor_since"`
	Supervision      []Supervision     `json:"supervision" db:"-"`
	Active           bool              `json:"active" db:"active"`
	EmploymentStart  rss.Date          `json:"employment_start" db:"employment_start"`
	EmploymentEnd    rss.Date          `json:"employment_end" db:"employment_end"`
	Credentials      []Credential      `json:"credentials" db:"-"`
	Experience       []Experience      `json:"experience" db:"-"`
	BackgroundChecks []BackgroundCheck `json:"background_checks" db:"-"`
}

// Supervision is one period of a staff member's supervision: from the day
// its change took effect (null: the record's start) to the day before the
// next one's (null: open); SupervisorID null is a period with none.
type Supervision struct {
	StaffID      int64    `json:"-" db:"staff_id"`
	SupervisorID *int64   `json:"supervisor_id" db:"supervisor_id"`
	From         rss.Date `json:"from" db:"valid_from"`
	To           rss.Date `json:"to" db:"-"`
}

// Credential is a licence, certificate, degree or training.
type Credential struct {
	ID        int64    `json:"id" db:"id"`
	StaffID   int64    `json:"-" db:"staff_id"`
	Type      string   `json:"type" db:"type"`
	Issuer    string   `json:"issuer" db:"issuer"`
	Number    *string  `json:"number" db:"number"`
	ValidFrom rss.Date `json:"valid_from" db:"valid_from"`
	ValidTo   rss.Date `json:"valid_to" db:"valid_to"`
	// WithdrawnOn is the first day a withdrawn credential no longer
	// counts; null for one withdrawn for every date, or not withdrawn.
	WithdrawnOn rss.Date `json:"withdrawn_on" db:"withdrawn_on"`
	Verification
}

// Verification is where a credential, background check or experience
// record stands with the department: what a provider submits is pending
// until an admin verifies it against a document or rejects it with a
// reason. Only verified records count in the rules.
type Verification struct {
	Status            string     `json:"verification_status" db:"verification_status"`
	SubmittedAt       time.Time  `json:"submitted_at" db:"submitted_at"`
	SubmittedByKeyID  *int64     `json:"submitted_by_key_id" db:"submitted_by_key_id"`
	SubmittedByRole   *string    `json:"submitted_by_role" db:"submitted_by_role"`
	ReviewedAt        *time.Time `json:"reviewed_at" db:"reviewed_at"`
	ReviewedByKeyID   *int64     `json:"reviewed_by_key_id" db:"reviewed_by_key_id"`
	DocumentReference *string    `json:"document_reference" db:"document_reference"`
	RejectionReason   *string    `json:"rejection_reason" db:"rejection_reason"`
}

// hideMSCKeys hides which MSC keys entered or reviewed the record from a
// provider key, as an authorization's history does: the agency sees that
// the department verified it, when and against which document, not the
// MSC's key ids. Its own keys' ids stay.
func (v *Verification) hideMSCKeys() {
	v.ReviewedByKeyID = nil
	if v.SubmittedByRole == nil || *v.SubmittedByRole != string(access.RoleProvider) {
		v.SubmittedByKeyID = nil
	}
}

// AsOf shows the record as of today: active only while employed, so a
// departure past (or a start to come) reads inactive; a black-box pass
// read active a day after the employment ended, though the rules already
// treated the person as gone.
func (s *Staff) AsOf(today rss.Date) {
	s.Active = s.Active && !s.EmploymentStart.After(today) && (s.EmploymentEnd.IsZero() || !s.EmploymentEnd.Before(today))
}

// ForActor hides the MSC's key ids in the staff member's records from a
// provider key.
func (s *Staff) ForActor(a access.Actor) {
	if !a.IsProvider() {
		return
	}
	for i := range s.Credentials {
		s.Credentials[i].hideMSCKeys()
	}
	for i := range s.Experience {
		s.Experience[i].hideMSCKeys()
	}
	for i := range s.BackgroundChecks {
		s.BackgroundChecks[i].hideMSCKeys()
	}
}

// Verification states.
const (
	VerificationPending  = "pending"
	VerificationVerified = "verified"
	VerificationRejected = "rejected"
)

// Verified reports whether the department verified the record.
func (v Verification) Verified() bool { return v.Status == VerificationVerified }

// VerificationColumns are the verification state's columns.
const VerificationColumns = `verification_status, submitted_at, submitted_by_key_id, submitted_by_role, reviewed_at,
	reviewed_by_key_id, document_reference, rejection_reason`

// Experience is a period of relevant work.
type Experience struct {
	ID          int64    `json:"id" db:"id"`
	StaffID     int64    `json:"-" db:"staff_id"`
	Kind        string   `json:"kind" db:"kind"`
	ServiceCode *string  `json:"service_code" db:"service_code"`
	StartedOn   rss.Date `json:"started_on" db:"started_on"`
	EndedOn     rss.Date `json:"ended_on" db:"ended_on"`
	Verification
}

// BackgroundCheck is one criminal background check.
type BackgroundCheck struct {
	ID        int64    `json:"id" db:"id"`
	StaffID   int64    `json:"-" db:"staff_id"`
	CheckedOn rss.Date `json:"checked_on" db:"checked_on"`
	Result    string   `json:"result" db:"result"`
	Agency    string   `json:"agency" db:"agency"`
	Verification
}

// Setting is one system-wide threshold.
type Setting struct {
	Key         string    `json:"key" db:"key"`
	Value       int       `json:"value" db:"value"`
	Description string    `json:"description" db:"description"`
	UpdatedAt   time.Time `json:"updated_at" db:"updated_at"`
}

// CatchmentArea is one area a program may serve, with the programs that
// serve it: an area's PATCH replaces that set whole, and with no read of
// it an admin sent it from memory and added a program to an area by
// mistake (an operations pass).
type CatchmentArea struct {
	Code     string         `json:"code" db:"code"`
	Name     string         `json:"name" db:"name"`
	Programs pq.StringArray `json:"programs" db:"programs"`
}

const programColumns = `p.code, p.name, p.funding, p.payer_route, p.clinical, p.zero_reject, p.voucher_validity_days,
	p.filing_limit_days, p.episode_dollar_cap, p.gpra_required, p.gpra_followup_open_days, p.gpra_followup_close_days,
	p.gpra_discharge_days, p.los_max_days, p.los_review_past_max, p.retro_limit_days, p.requires_medicaid_id,
	p.requires_waiver_plan, p.care_plan_required, p.diagnosis_required, p.referral_source_required, p.inactivate_after_days,
	p.updated_at, p.disabled_rules,
	ARRAY(SELECT area_code FROM program_catchment_areas a WHERE a.program_code = p.code ORDER BY area_code) AS catchment_areas`

func loadPrograms(ctx context.Context, ext pg.Ext, code string) ([]Program, error) {
	var out []Program
	q := `SELECT ` + programColumns + ` FROM programs p WHERE ($1 = '' OR p.code = $1) ORDER BY p.code`
	if err := sqlx.SelectContext(ctx, ext, &out, q, code); err != nil {
		return nil, fmt.Errorf("load programs: %w", err)
	}
	var caps []struct {
		Program string `db:"program_code"`
		Role    string `db:"staff_role"`
		Cap     int    `db:"cap"`
	}
	if err := sqlx.SelectContext(ctx, ext, &caps, `SELECT program_code, staff_role, cap FROM program_caseload_caps WHERE ($1 = '' OR program_code = $1)`, code); err != nil {
		return nil, fmt.Errorf("load caseload caps: %w", err)
	}
	for i := range out {
		out[i].CaseloadCaps = map[string]int{}
		for _, c := range caps {
			if c.Program == out[i].Code {
				out[i].CaseloadCaps[c.Role] = c.Cap
			}
		}
	}
	return out, nil
}

// LoadProgram reads one program; exported for the registry.
func LoadProgram(ctx context.Context, ext pg.Ext, code string) (Program, error) {
	return loadProgram(ctx, ext, code)
}

func loadProgram(ctx context.Context, ext pg.Ext, code string) (Program, error) {
	ps, err := loadPrograms(ctx, ext, code)
	if err != nil {
		return Program{}, err
	}
	if code == "" || len(ps) == 0 {
		return Program{}, fmt.Errorf("%w: program %q", rss.ErrNotFound, code)
	}
	return ps[0], nil
}

const serviceColumns = `code, program_code, name, unit, per_voucher_max, per_episode_max, procedure_qualifier,
	procedure_code, modifiers, qualification, qualifying_credentials, requires_primary_case_manager, employment_stage, active, retired_on, updated_at,
	COALESCE((SELECT json_agg(` + rateJSON + ` ORDER BY r.effective_from)
	          FROM service_rates r WHERE r.service_code = services.code
	            AND NOT EXISTS (SELECT 1 FROM service_rates c WHERE c.corrects_id = r.id)), '[]') AS rates`

// rateJSON is a service_rates row r as ServiceRate reads it.
const rateJSON = `json_build_object('id', r.id, 'rate', r.rate::text, 'effective_from', r.effective_from,
	'set_by', r.set_by, 'set_at', r.set_at, 'reason', r.reason, 'corrects', r.corrects_id,
	'corrected_by', (SELECT c.id FROM service_rates c WHERE c.corrects_id = r.id))`

// LoadRateHistory is every rate a service has had, corrected ones too,
// by day and then in the order they were set: the rates in force (those
// Service.Rates lists) and the ones a correction replaced, each naming the
// other.
func LoadRateHistory(ctx context.Context, ext pg.Ext, code string) (ServiceRates, error) {
	var raw []byte
	err := sqlx.GetContext(ctx, ext, &raw, `SELECT COALESCE(json_agg(`+rateJSON+` ORDER BY r.effective_from, r.id), '[]')
		FROM service_rates r WHERE r.service_code = $1`, code)
	if err != nil {
		return nil, fmt.Errorf("rate history: %w", err)
	}
	var out ServiceRates
	return out, out.Scan(raw)
}

// ServiceRate is one entry of a service's rate history: the rate in force
// from EffectiveFrom until the next entry's.
type ServiceRate struct {
	ID            int64     `json:"id"`
	Rate          rss.Money `json:"rate"`
	EffectiveFrom rss.Date  `json:"effective_from"`
	SetBy         string    `json:"set_by"`
	SetAt         time.Time `json:"set_at"`
	Reason        string    `json:"reason"`
	// Corrects is the rate of the same day this one replaced, and
	// CorrectedBy the one that replaced it (no longer in force).
	Corrects    *int64 `json:"corrects"`
	CorrectedBy *int64 `json:"corrected_by"`
}

// ServiceRates is a rate history, oldest first.
type ServiceRates []ServiceRate

// ShownTo is the history as a may read it: an agency's key reads who set
// a rate by role only ("admin", not "admin key 9"), as it reads the MSC's
// key ids nowhere else (a black-box pass found them here).
func (r ServiceRates) ShownTo(a access.Actor) ServiceRates {
	if !a.IsProvider() {
		return r
	}
	out := make(ServiceRates, len(r))
	for i, x := range r {
		x.SetBy, _, _ = strings.Cut(x.SetBy, " key ")
		out[i] = x
	}
	return out
}

// Scan reads the JSON array the catalog statement builds.
func (r *ServiceRates) Scan(src any) error { return scanJSON(src, r) }

// On is the rate in force on day d, and false when none is yet.
func (r ServiceRates) On(d rss.Date) (rss.Money, bool) {
	x, ok := r.InForce(d)
	return x.Rate, ok
}

// InForce is the rate in force on day d, with its id, and false when none
// is yet.
func (r ServiceRates) InForce(d rss.Date) (ServiceRate, bool) {
	var out ServiceRate
	found := false
	for _, x := range r {
		if x.EffectiveFrom.After(d) {
			break
		}
		out, found = x, true
	}
	return out, found
}

// correction is the rate that replaced the one a request priced at price
// on start, at the rate pricedID (nil for requests priced before migration
// 00103), was priced at, and false when that rate was never corrected: a
// rate entered wrong, whose correction says what it should have been. A
// rate dated back over a start since corrects nothing, and leaves a
// request's price as it was (README, rates). The history is every rate,
// corrected ones too, oldest first.
//
// By id: told by amount, a typo corrected and another rate then dated
// back over the start kept the typo, and a rate never corrected read as
// corrected because another of its amount had been (an operations
// black-box pass). The replacement is the last of the chain of
// corrections from that rate, not the rate in force on the start now: a
// 15.00 typo corrected to 14.00 granted the 16.00 dated back over the
// start after the request was sent (an operations black-box pass). A
// request without the id is told as before, by the amounts of the chain
// of corrections of the rate in force on start now, and replaced by that
// rate (ids and amounts, not the times rates were set: the server's clock
// and the database's are two).
func (r ServiceRates) correction(start rss.Date, price rss.Money, pricedID *int64) (rss.Money, bool) {
	byID := make(map[int64]*ServiceRate, len(r))
	var cur *ServiceRate
	for i := range r {
		x := &r[i]
		byID[x.ID] = x
		if !x.EffectiveFrom.After(start) && x.CorrectedBy == nil {
			cur = x
		}
	}
	if pricedID != nil {
		x := byID[*pricedID]
		if x == nil || x.CorrectedBy == nil {
			return rss.Money{}, false
		}
		// A rate is corrected once (a unique index), so the chain ends;
		// the bound guards a history read wrong all the same.
		for n := 0; x.CorrectedBy != nil && n < len(r); n++ {
			next := byID[*x.CorrectedBy]
			if next == nil {
				break
			}
			x = next
		}
		return x.Rate, true
	}
	for x := cur; x != nil && x.Corrects != nil; {
		if x = byID[*x.Corrects]; x != nil && x.Rate.Equal(price.Decimal) {
			return cur.Rate, true
		}
	}
	return rss.Money{}, false
}

// mayBeCorrected says the history is worth reading for a request priced
// at price, at the rate pricedID: r are the rates in force (corrected ones
// left out, as Service.Rates lists them) and now, when ok, the one on the
// request's start. By id, the rate it was priced at is in force no more;
// without the id, the rate on its start is of another amount. A rate
// dated back over the start since, of the typo's amount or another, does
// not hide a correction (an operations black-box pass).
func (r ServiceRates) mayBeCorrected(price rss.Money, pricedID *int64, now rss.Money, ok bool) bool {
	if pricedID != nil {
		return !slices.ContainsFunc(r, func(x ServiceRate) bool { return x.ID == *pricedID })
	}
	return ok && !now.Equal(price.Decimal)
}

// Agreement is one period of a provider's agreement with the MSC.
type Agreement struct {
	ID        int64     `json:"id"`
	StartDate rss.Date  `json:"start_date"`
	EndDate   rss.Date  `json:"end_date"`
	Note      *string   `json:"note"`
	CreatedAt time.Time `json:"created_at"`
}

// Suspension is a deactivation a reactivation ended: the agency was out of
// service from FirstDay through LastDay.
type Suspension struct {
	ID                 int64     `json:"id"`
	FirstDay           rss.Date  `json:"first_day"`
	LastDay            rss.Date  `json:"last_day"`
	Reason             string    `json:"reason"`
	ReactivationReason string    `json:"reactivation_reason"`
	ReactivatedAt      time.Time `json:"reactivated_at"`
	// LiftedAt and LiftReason say an admin lifted it (registry.LiftSuspension):
	// its days are in service again.
	LiftedAt   *time.Time `json:"lifted_at"`
	LiftReason *string    `json:"lift_reason"`
}

// Suspensions are an agency's ended deactivations, oldest first.
type Suspensions []Suspension

// Scan reads the JSON array the provider statement builds.
func (p *Suspensions) Scan(src any) error { return scanJSON(src, p) }

// ServicePeriod is a span a service was (or is) offered by an agency; a
// zero From is "since before dates were kept", a zero To still offered.
type ServicePeriod struct {
	ServiceCode string   `json:"service_code"`
	From        rss.Date `json:"offered_from"`
	To          rss.Date `json:"offered_to"`
}

// ServicePeriods are an agency's dated service periods, by service and date.
type ServicePeriods []ServicePeriod

// Scan reads the JSON array the provider statement builds.
func (p *ServicePeriods) Scan(src any) error { return scanJSON(src, p) }

// Agreements is an agreement history, oldest first.
type Agreements []Agreement

// Scan reads the JSON array the provider statement builds.
func (a *Agreements) Scan(src any) error { return scanJSON(src, a) }

func scanJSON(src, v any) error {
	var b []byte
	switch x := src.(type) {
	case []byte:
		b = x
	case string:
		b = []byte(x)
	case nil:
		return nil
	default:
		return fmt.Errorf("scan json: unexpected %T", src)
	}
	return json.Unmarshal(b, v)
}

// priced sets the entry's Rate to the one in force on day d.
func priced(s CatalogService, d rss.Date) CatalogService {
	s.Rate, _ = s.Rates.On(d)
	return s
}

// LoadService reads one service; exported for billing.
func LoadService(ctx context.Context, ext pg.Ext, code string) (CatalogService, error) {
	var s CatalogService
	err := sqlx.GetContext(ctx, ext, &s, `SELECT `+serviceColumns+` FROM services WHERE code = $1`, code)
	if errors.Is(err, pg.ErrNoRows) {
		return s, fmt.Errorf("%w: service %q", rss.ErrNotFound, code)
	}
	if err != nil {
		return s, fmt.Errorf("load service: %w", err)
	}
	return s, nil
}

// LoadServices reads the whole catalog.
func LoadServices(ctx context.Context, ext pg.Ext) ([]CatalogService, error) {
	var out []CatalogService
	if err := sqlx.SelectContext(ctx, ext, &out, `SELECT `+serviceColumns+` FROM services ORDER BY code`); err != nil {
		return nil, fmt.Errorf("load services: %w", err)
	}
	return out, nil
}

const providerColumns = `p.id, p.code, p.name, p.npi, p.tax_id, p.address_line1, p.address_line2, p.city, p.state, p.zip,
	p.contact_name, p.contact_phone, p.contact_email, p.agreement_start, p.agreement_end, p.deactivated_on, p.deactivation_reason,
	COALESCE((SELECT json_agg(json_build_object('id', a.id, 'start_date', a.start_date, 'end_date', a.end_date, 'note', a.note,
	          'created_at', a.created_at) ORDER BY a.start_date) FROM provider_agreements a WHERE a.provider_id = p.id), '[]') AS agreements,
	COALESCE((SELECT json_agg(json_build_object('id', x.id, 'first_day', x.first_day, 'last_day', x.last_day, 'reason', x.reason,
	          'reactivation_reason', x.reactivation_reason, 'reactivated_at', x.reactivated_at,
	          'lifted_at', x.lifted_at, 'lift_reason', x.lift_reason) ORDER BY x.first_day, x.id)
	          FROM provider_suspensions x WHERE x.provider_id = p.id), '[]') AS suspensions,
	ARRAY(SELECT program_code FROM provider_programs x WHERE x.provider_id = p.id ORDER BY 1) AS programs,
	ARRAY(SELECT service_code FROM provider_services x WHERE x.provider_id = p.id AND x.offered_to IS NULL ORDER BY 1) AS services,
	COALESCE((SELECT json_agg(json_build_object('service_code', x.service_code, 'offered_from', x.offered_from, 'offered_to', x.offered_to)
	          ORDER BY x.service_code, x.offered_from NULLS FIRST) FROM provider_services x
	          WHERE x.provider_id = p.id AND x.service_code IN (SELECT y.service_code FROM provider_services y
	            WHERE y.provider_id = p.id AND (y.offered_from IS NOT NULL OR y.offered_to IS NOT NULL))), '[]') AS service_periods,
	ARRAY(SELECT area_code FROM provider_catchment_areas x WHERE x.provider_id = p.id ORDER BY 1) AS catchment_areas`

// LoadProviders reads the providers with the given ids (all when ids is empty).
func LoadProviders(ctx context.Context, ext pg.Ext, ids []int64) ([]Provider, error) {
	var out []Provider
	err := sqlx.SelectContext(ctx, ext, &out, `SELECT `+providerColumns+` FROM providers p
		WHERE COALESCE(cardinality($1::bigint[]), 0) = 0 OR p.id = ANY($1) ORDER BY p.id`, pq.Array(ids))
	if err != nil {
		return nil, fmt.Errorf("load providers: %w", err)
	}
	return out, nil
}

// LoadProvider reads one provider; exported for the registry.
func LoadProvider(ctx context.Context, ext pg.Ext, id int64) (Provider, error) {
	return loadProvider(ctx, ext, id)
}

func loadProvider(ctx context.Context, ext pg.Ext, id int64) (Provider, error) {
	ps, err := LoadProviders(ctx, ext, []int64{id})
	if err != nil {
		return Provider{}, err
	}
	if len(ps) == 0 {
		return Provider{}, fmt.Errorf("%w: provider %d", rss.ErrNotFound, id)
	}
	return ps[0], nil
}

// LoadStaff reads staff members with their credentials, experience and
// background checks, keyed by id.
func LoadStaff(ctx context.Context, ext pg.Ext, ids []int64) (map[int64]*Staff, error) {
	out := make(map[int64]*Staff, len(ids))
	if len(ids) == 0 {
		return out, nil
	}
	var rows []Staff
	err := sqlx.SelectContext(ctx, ext, &rows, `SELECT id, provider_id, first_name, last_name, role, date_of_birth, npi,
		supervisor_id, supervisor_since, active, employment_start, employment_end FROM staff WHERE id = ANY($1)`, pq.Array(ids))
	if err != nil {
		return nil, fmt.Errorf("load staff: %w", err)
	}
	for i := range rows {
		out[rows[i].ID] = &rows[i]
	}
	var periods []Supervision
	if err := sqlx.SelectContext(ctx, ext, &periods, `SELECT staff_id, supervisor_id, valid_from
		FROM staff_supervisions WHERE staff_id = ANY($1) ORDER BY staff_id, valid_from NULLS FIRST`, pq.Array(ids)); err != nil {
		return nil, fmt.Errorf("load supervision: %w", err)
	}
	for _, p := range periods {
		s := out[p.StaffID]
		if n := len(s.Supervision); n > 0 {
			s.Supervision[n-1].To = rss.NewDate(p.From.AddDate(0, 0, -1))
		}
		s.Supervision = append(s.Supervision, p)
	}
	var creds []Credential
	if err := sqlx.SelectContext(ctx, ext, &creds, `SELECT id, staff_id, type, issuer, number, valid_from, valid_to, withdrawn_on, `+VerificationColumns+`
		FROM staff_credentials WHERE staff_id = ANY($1) ORDER BY id`, pq.Array(ids)); err != nil {
		return nil, fmt.Errorf("load credentials: %w", err)
	}
	for _, c := range creds {
		out[c.StaffID].Credentials = append(out[c.StaffID].Credentials, c)
	}
	var exps []Experience
	if err := sqlx.SelectContext(ctx, ext, &exps, `SELECT id, staff_id, kind, service_code, started_on, ended_on, `+VerificationColumns+`
		FROM staff_experience WHERE staff_id = ANY($1) ORDER BY id`, pq.Array(ids)); err != nil {
		return nil, fmt.Errorf("load experience: %w", err)
	}
	for _, e := range exps {
		out[e.StaffID].Experience = append(out[e.StaffID].Experience, e)
	}
	var checks []BackgroundCheck
	if err := sqlx.SelectContext(ctx, ext, &checks, `SELECT id, staff_id, checked_on, result, agency, `+VerificationColumns+`
		FROM background_checks WHERE staff_id = ANY($1) ORDER BY id`, pq.Array(ids)); err != nil {
		return nil, fmt.Errorf("load background checks: %w", err)
	}
	for _, b := range checks {
		out[b.StaffID].BackgroundChecks = append(out[b.StaffID].BackgroundChecks, b)
	}
	for _, s := range out {
		if s.Credentials == nil {
			s.Credentials = []Credential{}
		}
		if s.Experience == nil {
			s.Experience = []Experience{}
		}
		if s.BackgroundChecks == nil {
			s.BackgroundChecks = []BackgroundCheck{}
		}
	}
	return out, nil
}

// LoadSettings reads the system thresholds.
func LoadSettings(ctx context.Context, ext pg.Ext) (adjudication.Settings, error) {
	var rows []Setting
	if err := sqlx.SelectContext(ctx, ext, &rows, `SELECT key, value, description, updated_at FROM settings`); err != nil {
		return adjudication.Settings{}, fmt.Errorf("load settings: %w", err)
	}
	var st adjudication.Settings
	found := 0
	for _, r := range rows {
		switch r.Key {
		case "minor_age_years":
			st.MinorAgeYears, found = r.Value, found+1
		case "cm_target_population_months":
			st.CMTargetPopulationMonths, found = r.Value, found+1
		case "cm_equivalency_months":
			st.CMEquivalencyMonths, found = r.Value, found+1
		case "ra_min_age_years":
			st.RAMinAgeYears, found = r.Value, found+1
		}
	}
	if found != 4 {
		return st, fmt.Errorf("%w: reference settings are incomplete (%d of 4); load the fixtures", rss.ErrUnavailable, found)
	}
	return st, nil
}

// Rule facts from reference rows.

func date(d rss.Date) time.Time { return d.Time }

// RuleProgram converts a program to the adjudicator's view.
func RuleProgram(p *Program) adjudication.Program {
	out := adjudication.Program{
		Code: p.Code, Clinical: p.Clinical, ZeroReject: p.ZeroReject,
		FilingLimitDays: p.FilingLimitDays, GPRARequired: p.GPRARequired,
		LOSReviewPastMax: p.LOSReviewPastMax, RetroLimitDays: p.RetroLimitDays,
		RequiresMedicaidID: p.RequiresMedicaidID, RequiresWaiverPlan: p.RequiresWaiverPlan,
		CarePlanRequired: p.CarePlanRequired, DiagnosisRequired: p.DiagnosisRequired,
		CatchmentAreas: p.CatchmentAreas, CaseloadCaps: p.CaseloadCaps,
	}
	if len(p.DisabledRules) > 0 {
		out.DisabledRules = p.DisabledRules
	}
	deref := func(v *int) int {
		if v == nil {
			return 0
		}
		return *v
	}
	out.VoucherValidityDays = deref(p.VoucherValidityDays)
	out.FollowupOpenDays = deref(p.GPRAFollowupOpenDays)
	out.FollowupCloseDays = deref(p.GPRAFollowupCloseDays)
	out.DischargeGPRADays = deref(p.GPRADischargeDays)
	out.LOSMaxDays = deref(p.LOSMaxDays)
	if p.EpisodeDollarCap != nil {
		out.HasDollarCap, out.EpisodeDollarCap = true, p.EpisodeDollarCap.Decimal
	}
	return out
}

// RuleService converts a catalog entry to the adjudicator's view.
func RuleService(s *CatalogService) adjudication.Service {
	out := adjudication.Service{
		Code: s.Code, ProgramCode: s.ProgramCode, Rate: s.Rate.Decimal, PerVoucherMax: s.PerVoucherMax, // Rate: see Reference.RuleService
		Qualification: s.Qualification, RequiresPrimaryCaseManager: s.RequiresPrimaryCaseManager, Active: s.Active,
		RetiredOn: date(s.RetiredOn), Unit: s.Unit,
	}
	if len(s.QualifyingCredentials) > 0 {
		out.QualifyingCredentials = slices.Clone([]string(s.QualifyingCredentials))
	}
	if s.PerEpisodeMax != nil {
		out.PerEpisodeMax = *s.PerEpisodeMax
	}
	return out
}

// RuleProvider converts a provider to the adjudicator's view.
func RuleProvider(p *Provider) adjudication.Provider {
	out := adjudication.Provider{ID: p.ID, AgreementStart: date(p.AgreementStart), AgreementEnd: date(p.AgreementEnd),
		Programs: p.Programs, Services: p.Services, DeactivatedOn: date(p.DeactivatedOn), CatchmentAreas: p.CatchmentAreas}
	for _, a := range p.Agreements {
		out.Agreements = append(out.Agreements, adjudication.Period{Start: date(a.StartDate), End: date(a.EndDate)})
	}
	for _, x := range p.Suspensions {
		if x.LiftedAt != nil {
			continue // its days are in service again
		}
		out.Suspensions = append(out.Suspensions, adjudication.Period{Start: date(x.FirstDay), End: date(x.LastDay)})
	}
	for _, sp := range p.ServicePeriods {
		if out.ServicePeriods == nil {
			out.ServicePeriods = map[string][]adjudication.Period{}
		}
		out.ServicePeriods[sp.ServiceCode] = append(out.ServicePeriods[sp.ServiceCode], adjudication.Period{Start: date(sp.From), End: date(sp.To)})
	}
	return out
}

// RuleStaff converts a staff member (with the supervisor, when loaded) to
// the adjudicator's view. Only records the department verified reach the
// rules, and a failed background check waiting for it; other pending ones
// are named so a trace can say they wait.
func RuleStaff(s *Staff, staff map[int64]*Staff) *adjudication.Staff {
	if s == nil {
		return nil
	}
	out := &adjudication.Staff{ID: s.ID, ProviderID: s.ProviderID, Role: s.Role, Active: s.Active, DateOfBirth: date(s.DateOfBirth),
		EmployedFrom: date(s.EmploymentStart), EmployedTo: date(s.EmploymentEnd)}
	for _, c := range s.Credentials {
		to := c.ValidTo
		if c.Status == VerificationRejected && !c.WithdrawnOn.IsZero() {
			// Withdrawn as of a day: valid until the day before.
			if last := rss.NewDate(c.WithdrawnOn.AddDate(0, 0, -1)); to.IsZero() || last.Before(to) {
				to = last
			}
			if to.Before(c.ValidFrom) {
				continue
			}
		} else if !c.Verified() {
			if c.Status == VerificationPending {
				out.Pending = append(out.Pending, "credential "+c.Type)
			}
			continue
		}
		out.Credentials = append(out.Credentials, adjudication.Credential{Type: c.Type, ValidFrom: date(c.ValidFrom), ValidTo: date(to)})
	}
	for _, e := range s.Experience {
		if !e.Verified() {
			if e.Status == VerificationPending {
				out.Pending = append(out.Pending, "experience "+e.Kind)
			}
			continue
		}
		x := adjudication.Experience{Kind: e.Kind, Start: date(e.StartedOn), End: date(e.EndedOn)}
		if e.ServiceCode != nil {
			x.ServiceCode = *e.ServiceCode
		}
		out.Experience = append(out.Experience, x)
	}
	for _, b := range s.BackgroundChecks {
		// A failed check counts once the agency reports it: verification
		// guards a claim of good standing, and adverse news about someone
		// who may serve minors takes effect at once (a black-box pass: a
		// failed check waited in the queue while the older passed one kept
		// clearing the person, vouchers and claims for a minor paid). One
		// the department rejects counts for nothing.
		adverse := b.Result != "passed" && b.Status == VerificationPending
		if !b.Verified() && !adverse {
			if b.Status == VerificationPending {
				out.Pending = append(out.Pending, adjudication.PendingBackgroundCheck)
			}
			continue
		}
		out.BackgroundChecks = append(out.BackgroundChecks, adjudication.BackgroundCheck{CheckedOn: date(b.CheckedOn), Passed: b.Result == "passed"})
	}
	for _, p := range s.Supervision {
		if p.SupervisorID == nil {
			continue
		}
		if sup, ok := staff[*p.SupervisorID]; ok && sup.ID != s.ID {
			// One level only: a supervisor's own supervisor never qualifies anyone.
			cp := *sup
			cp.Supervision = nil
			out.Supervisions = append(out.Supervisions, adjudication.Supervision{From: date(p.From), To: date(p.To), Supervisor: RuleStaff(&cp, nil)})
		}
	}
	return out
}

// Reference reads for the API (every role may read reference data).

// Programs lists every program.
func (s *Service) Programs(ctx context.Context) ([]Program, error) {
	if _, err := access.ActorFrom(ctx); err != nil {
		return nil, err
	}
	return loadPrograms(ctx, s.db, "")
}

// Program reads one program.
func (s *Service) Program(ctx context.Context, code string) (Program, error) {
	if _, err := access.ActorFrom(ctx); err != nil {
		return Program{}, err
	}
	return loadProgram(ctx, s.db, code)
}

// Services lists the catalog.
func (s *Service) Services(ctx context.Context) ([]CatalogService, error) {
	a, err := access.ActorFrom(ctx)
	if err != nil {
		return nil, err
	}
	out, err := LoadServices(ctx, s.db)
	today := s.Today()
	for i := range out {
		out[i] = priced(out[i], today)
		out[i].Rates = out[i].Rates.ShownTo(a)
	}
	return out, err
}

// ServiceByCode reads one catalog entry.
func (s *Service) ServiceByCode(ctx context.Context, code string) (CatalogService, error) {
	a, err := access.ActorFrom(ctx)
	if err != nil {
		return CatalogService{}, err
	}
	out, err := LoadService(ctx, s.db, code)
	out = priced(out, s.Today())
	out.Rates = out.Rates.ShownTo(a)
	return out, err
}

// Providers lists providers (a provider key sees its own agency only).
func (s *Service) Providers(ctx context.Context) ([]Provider, error) {
	a, err := access.ActorFrom(ctx)
	if err != nil {
		return nil, err
	}
	var ids []int64
	if a.IsProvider() {
		ids = []int64{a.ProviderID}
	}
	return LoadProviders(ctx, s.db, ids)
}

// Agency is what any caller may know of a provider agency: enough to name
// it, as a consent's recipient (recipient_provider_id) is named. Not its
// agreement, programs, address or contacts, which GET /v1/reference/
// providers shows the MSC and the agency itself.
type Agency struct {
	ID   int64  `json:"id" db:"id"`
	Code string `json:"code" db:"code"`
	Name string `json:"name" db:"name"`
	// InService: not deactivated as of today.
	InService bool `json:"in_service" db:"in_service"`
}

// Agencies lists every agency, by name, for any role: a provider writing a
// consent to another agency had no way to learn its id but to guess ids
// and read the refusal naming the agency (a new user's black-box pass).
// The directory of contracted agencies is no client's record.
func (s *Service) Agencies(ctx context.Context) ([]Agency, error) {
	if _, err := access.ActorFrom(ctx); err != nil {
		return nil, err
	}
	out := []Agency{}
	err := s.db.SelectContext(ctx, &out, `SELECT id, code, name, (deactivated_on IS NULL OR deactivated_on > $1) AS in_service
		FROM providers ORDER BY name, id`, s.Today())
	if err != nil {
		return nil, fmt.Errorf("list agencies: %w", err)
	}
	return out, nil
}

// ProviderByID reads one provider.
func (s *Service) ProviderByID(ctx context.Context, id int64) (Provider, error) {
	a, err := access.ActorFrom(ctx)
	if err != nil {
		return Provider{}, err
	}
	if !a.SeesProvider(id) {
		return Provider{}, fmt.Errorf("%w: provider %d", rss.ErrNotFound, id)
	}
	return loadProvider(ctx, s.db, id)
}

// StaffOf lists a provider's staff with their credentials.
func (s *Service) StaffOf(ctx context.Context, providerID int64) ([]*Staff, error) {
	a, err := access.ActorFrom(ctx)
	if err != nil {
		return nil, err
	}
	if !a.SeesProvider(providerID) {
		return nil, fmt.Errorf("%w: provider %d", rss.ErrNotFound, providerID)
	}
	var ids []int64
	if err := s.db.SelectContext(ctx, &ids, `SELECT id FROM staff WHERE provider_id = $1 ORDER BY id`, providerID); err != nil {
		return nil, fmt.Errorf("list staff: %w", err)
	}
	if len(ids) == 0 {
		if _, err := loadProvider(ctx, s.db, providerID); err != nil {
			return nil, err
		}
	}
	m, err := LoadStaff(ctx, s.db, ids)
	if err != nil {
		return nil, err
	}
	out := make([]*Staff, 0, len(ids))
	for _, id := range ids {
		m[id].ForActor(a)
		m[id].AsOf(s.Today())
		out = append(out, m[id])
	}
	return out, nil
}

// catchmentAreaSelect reads areas with the programs serving each; $1 is
// one area's code, or null for all.
const catchmentAreaSelect = `SELECT a.code, a.name, ARRAY(SELECT l.program_code FROM program_catchment_areas l
		WHERE l.area_code = a.code ORDER BY l.program_code) AS programs
	FROM catchment_areas a WHERE $1::text IS NULL OR a.code = $1 ORDER BY a.code`

// CatchmentAreas lists the areas.
func (s *Service) CatchmentAreas(ctx context.Context) ([]CatchmentArea, error) {
	if _, err := access.ActorFrom(ctx); err != nil {
		return nil, err
	}
	var out []CatchmentArea
	if err := s.db.SelectContext(ctx, &out, catchmentAreaSelect, nil); err != nil {
		return nil, fmt.Errorf("list catchment areas: %w", err)
	}
	return out, nil
}

// CatchmentAreaByCode reads one area, as CatchmentAreas lists it: where the
// admin patches it (every role reads it, as the list).
func (s *Service) CatchmentAreaByCode(ctx context.Context, code string) (CatchmentArea, error) {
	var out CatchmentArea
	if _, err := access.ActorFrom(ctx); err != nil {
		return out, err
	}
	err := s.db.GetContext(ctx, &out, catchmentAreaSelect, code)
	if errors.Is(err, pg.ErrNoRows) {
		return out, fmt.Errorf("%w: catchment area %q", rss.ErrNotFound, code)
	}
	return out, err
}

// Settings lists the system thresholds.
func (s *Service) Settings(ctx context.Context) ([]Setting, error) {
	if _, err := access.ActorFrom(ctx); err != nil {
		return nil, err
	}
	var out []Setting
	if err := s.db.SelectContext(ctx, &out, `SELECT key, value, description, updated_at FROM settings ORDER BY key`); err != nil {
		return nil, fmt.Errorf("list settings: %w", err)
	}
	return out, nil
}

// Setting reads one system threshold where it is patched: only the whole
// list had it, and GET at its own path was a 405 as an area's had been
// (an on-call black-box pass).
func (s *Service) Setting(ctx context.Context, key string) (Setting, error) {
	var out Setting
	if _, err := access.ActorFrom(ctx); err != nil {
		return out, err
	}
	err := s.db.GetContext(ctx, &out, `SELECT key, value, description, updated_at FROM settings WHERE key = $1`, key)
	if errors.Is(err, pg.ErrNoRows) {
		return out, fmt.Errorf("%w: setting %q", rss.ErrNotFound, key)
	}
	return out, err
}

// Code is one entry of a small reference list: its code and its name.
type Code struct {
	Code string `json:"code" db:"code"`
	Name string `json:"name" db:"name"`
}

// StaffRoles lists the roles a staff member may hold (a hire's `role`):
// an agency's system could learn them only from a 422 naming none (an
// operations black-box pass). Any role may call it.
func (s *Service) StaffRoles(ctx context.Context) ([]Code, error) {
	return s.codes(ctx, `SELECT code, name FROM staff_roles ORDER BY code`)
}

// CredentialTypes lists the credential types a staff member's credential
// may be of (its `type`), as StaffRoles lists the roles.
func (s *Service) CredentialTypes(ctx context.Context) ([]Code, error) {
	return s.codes(ctx, `SELECT code, name FROM credential_types ORDER BY code`)
}

func (s *Service) codes(ctx context.Context, q string) ([]Code, error) {
	if _, err := access.ActorFrom(ctx); err != nil {
		return nil, err
	}
	out := []Code{}
	if err := s.db.SelectContext(ctx, &out, q); err != nil {
		return nil, fmt.Errorf("reference codes: %w", err)
	}
	return out, nil
}
