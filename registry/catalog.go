package registry

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"unicode"

	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"
	"golang.org/x/text/cases"
	"golang.org/x/text/unicode/norm"

	"rss"
	"rss/access"
	"rss/adjudication"
	"rss/pg"
	"rss/vouchers"
)

// NewProgram is a program added to the rule set as data. Its thresholds
// are the rules' parameters; DisabledRules switches rules off for it.
type NewProgram struct {
	Code                   string     `json:"code"`
	Name                   string     `json:"name"`
	Funding                string     `json:"funding"`
	PayerRoute             string     `json:"payer_route"`
	Clinical               bool       `json:"clinical"`
	ZeroReject             bool       `json:"zero_reject"`
	VoucherValidityDays    *int       `json:"voucher_validity_days"`
	FilingLimitDays        int        `json:"filing_limit_days"`
	EpisodeDollarCap       *rss.Money `json:"episode_dollar_cap"`
	GPRARequired           bool       `json:"gpra_required"`
	GPRAFollowupOpenDays   *int       `json:"gpra_followup_open_days"`
	GPRAFollowupCloseDays  *int       `json:"gpra_followup_close_days"`
	GPRADischargeDays      *int       `json:"gpra_discharge_days"`
	LOSMaxDays             *int       `json:"los_max_days"`
	LOSReviewPastMax       bool       `json:"los_review_past_max"`
	RetroLimitDays         *int       `json:"retro_limit_days"`
	RequiresMedicaidID     bool       `json:"requires_medicaid_id"`
	RequiresWaiverPlan     bool       `json:"requires_waiver_plan"`
	CarePlanRequired       *bool      `json:"care_plan_required"`
	DiagnosisRequired      bool       `json:"diagnosis_required"`
	ReferralSourceRequired bool       `json:"referral_source_required"`
	// InactivateAfterDays is taken at creation as a PATCH takes it (a new
	// program's inactivity took a second call; a black-box pass).
	InactivateAfterDays *int           `json:"inactivate_after_days"`
	CatchmentAreas      []string       `json:"catchment_areas"`
	CaseloadCaps        map[string]int `json:"caseload_caps"`
	DisabledRules       []string       `json:"disabled_rules"`
}

// NewService is a catalog entry with its first rate.
type NewService struct {
	Code               string    `json:"code"`
	ProgramCode        string    `json:"program_code"`
	Name               string    `json:"name"`
	Unit               string    `json:"unit"`
	Rate               rss.Money `json:"rate"`
	EffectiveFrom      rss.Date  `json:"effective_from"` // today when omitted
	PerVoucherMax      int       `json:"per_voucher_max"`
	PerEpisodeMax      *int      `json:"per_episode_max"`
	ProcedureQualifier *string   `json:"procedure_qualifier"`
	ProcedureCode      *string   `json:"procedure_code"`
	Modifiers          []string  `json:"modifiers"`
	Qualification      string    `json:"qualification"` // none when omitted
	// QualifyingCredentials are, for qualification "credential", the
	// credential types (GET /v1/reference/credential-types) any one of
	// which, verified and valid on the date, qualifies a staff member.
	QualifyingCredentials      []string `json:"qualifying_credentials"`
	RequiresPrimaryCaseManager bool     `json:"requires_primary_case_manager"`
	EmploymentStage            *int     `json:"employment_stage"`
}

// NewRate is a rate change with the day it takes effect.
type NewRate struct {
	// Rate is required: left out it read as zero, out_of_range, and null
	// as a wrong type on the body (an operations pass).
	Rate          *rss.Money `json:"rate"`
	EffectiveFrom rss.Date   `json:"effective_from"`
	Reason        string     `json:"reason"`
	// Corrects names the rate in force this replaces, of the same service
	// and day (effective_from may then be left out): a rate entered wrong,
	// replaced rather than left to price the day.
	Corrects *int64 `json:"corrects"`
}

// CatchmentArea is one area a program may serve.
type CatchmentArea = vouchers.CatchmentArea

var (
	fundings       = []string{"federal_grant", "state", "medicaid"}
	payerRoutes    = []string{"payment_register", "medicaid_837p"}
	units          = []string{"15min", "test", "trip", "day", "hour"}
	qualifications = []string{adjudication.QualNone, adjudication.QualATRCaseManager, adjudication.QualRecoveryAssistant, adjudication.QualRCMSpecialist,
		adjudication.QualCredential}
)

func oneOf(v *rss.ValidationError, field, val string, allowed []string) {
	for _, a := range allowed {
		if a == val {
			return
		}
	}
	v.Add(field, "invalid_value", "%s must be one of %s", field, strings.Join(allowed, ", "))
}

func optPositive(v *rss.ValidationError, field string, p *int, min int) {
	if p != nil && (*p < min || *p > maxInt) {
		v.Add(field, "out_of_range", "%s must be null or between %d and %d", field, min, maxInt)
	}
}

// optDays checks an optional day count of a program (vouchers.MaxProgramDays).
func optDays(v *rss.ValidationError, field string, p *int, min int) {
	if p != nil && (*p < min || *p > vouchers.MaxProgramDays) {
		v.Add(field, "out_of_range", "%s must be null or between %d and %d", field, min, vouchers.MaxProgramDays)
	}
}

// VoucherRules lists the voucher rules a program's rule set chooses from.
func (s *Service) VoucherRules(ctx context.Context) ([]adjudication.VoucherRule, error) {
	if _, err := access.ActorFrom(ctx); err != nil {
		return nil, err
	}
	return adjudication.VoucherRules(), nil
}

// CreateProgram adds a program (admin).
func (s *Service) CreateProgram(ctx context.Context, n NewProgram) (vouchers.Program, error) {
	if _, err := access.Require(ctx, access.RoleAdmin); err != nil {
		return vouchers.Program{}, err
	}
	v := &rss.ValidationError{}
	if !programCodeFormat.MatchString(n.Code) {
		v.Add("code", "invalid_format", "code must be a capital letter then 1-9 capital letters or digits")
	}
	checkIdentity(v, []fieldCheck{oneLine("name", n.Name)})
	oneOf(v, "funding", n.Funding, fundings)
	oneOf(v, "payer_route", n.PayerRoute, payerRoutes)
	if (n.Funding == "medicaid") != (n.PayerRoute == "medicaid_837p") {
		v.Add("payer_route", "route_mismatch", "medicaid funding is billed by 837P, and only medicaid funding is")
	}
	// The 837P carries the subscriber's Medicaid ID (NM109) and the
	// claim's diagnoses (HI), and claims intake holds a claim to them by
	// these two flags: left false, intake paid claims the file could not
	// carry, and every agency's Medicaid batch failed to close until the
	// claim was voided (an operations black-box pass). The schema holds it
	// too (programs_837p_carries, migration 00094).
	if n.PayerRoute == "medicaid_837p" {
		if !n.RequiresMedicaidID {
			v.Add("requires_medicaid_id", "required_for_837p", "a program billed on the 837P requires the client's Medicaid ID: set requires_medicaid_id to true")
		}
		if !n.DiagnosisRequired {
			v.Add("diagnosis_required", "required_for_837p", "a program billed on the 837P requires a diagnosis on each claim: set diagnosis_required to true")
		}
	}
	if n.ZeroReject && n.Clinical {
		v.Add("zero_reject", "conflict", "a zero-reject program cannot be clinical")
	}
	if n.FilingLimitDays <= 0 || n.FilingLimitDays > vouchers.MaxProgramDays {
		v.Add("filing_limit_days", "out_of_range", "filing_limit_days must be between 1 and %d", vouchers.MaxProgramDays)
	}
	optDays(v, "voucher_validity_days", n.VoucherValidityDays, 1)
	optDays(v, "los_max_days", n.LOSMaxDays, 1)
	optDays(v, "retro_limit_days", n.RetroLimitDays, 0)
	optDays(v, "gpra_followup_open_days", n.GPRAFollowupOpenDays, 1)
	optDays(v, "gpra_followup_close_days", n.GPRAFollowupCloseDays, 1)
	optDays(v, "gpra_discharge_days", n.GPRADischargeDays, 1)
	optDays(v, "inactivate_after_days", n.InactivateAfterDays, 1)
	// A window that opens after it closes is refused whether or not the
	// program requires GPRA yet (a black-box pass created one that did not).
	switch {
	case n.GPRARequired && (n.GPRAFollowupOpenDays == nil || n.GPRAFollowupCloseDays == nil || n.GPRADischargeDays == nil):
		v.Add("gpra_required", "windows_required", "a GPRA program needs gpra_followup_open_days, gpra_followup_close_days and gpra_discharge_days")
	case n.GPRAFollowupOpenDays != nil && n.GPRAFollowupCloseDays != nil && *n.GPRAFollowupCloseDays <= *n.GPRAFollowupOpenDays:
		v.Add("gpra_followup_close_days", "out_of_range", "the follow-up window closes after it opens")
	}
	if n.EpisodeDollarCap != nil && !validAmount(*n.EpisodeDollarCap) {
		v.Add("episode_dollar_cap", "out_of_range", "episode_dollar_cap must be null or positive and at most %s", maxAmount.StringFixed(2))
	}
	for role, c := range n.CaseloadCaps {
		if c <= 0 || c > maxInt {
			v.Add("caseload_caps."+role, "out_of_range", "cap must be between 1 and %d", maxInt)
		}
	}
	vouchers.CheckRuleSet(v, "disabled_rules", n.DisabledRules)
	if err := v.Err(); err != nil {
		return vouchers.Program{}, err
	}
	retro := 14
	if n.RetroLimitDays != nil {
		retro = *n.RetroLimitDays
	}
	carePlan := true
	if n.CarePlanRequired != nil {
		carePlan = *n.CarePlanRequired
	}
	var cap any
	if n.EpisodeDollarCap != nil {
		cap = n.EpisodeDollarCap.StringFixed(2)
	}
	if n.DisabledRules == nil {
		n.DisabledRules = []string{}
	}
	var out vouchers.Program
	err := write(ctx, s, &out, func(ctx context.Context, tx *sqlx.Tx) error {
		links, err := vouchers.LockProgramAreaLinks(ctx, tx)
		if err != nil {
			return err
		}
		if err := vouchers.ProgramNameFree(ctx, tx, n.Code, strings.TrimSpace(n.Name)); err != nil {
			return err
		}
		_, err = tx.ExecContext(ctx, `INSERT INTO programs (code, name, funding, payer_route, clinical, zero_reject, voucher_validity_days,
				filing_limit_days, episode_dollar_cap, gpra_required, gpra_followup_open_days, gpra_followup_close_days, gpra_discharge_days,
				los_max_days, los_review_past_max, retro_limit_days, requires_medicaid_id, requires_waiver_plan, care_plan_required,
				diagnosis_required, referral_source_required, disabled_rules, inactivate_after_days)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21, $22, $23)`,
			n.Code, strings.TrimSpace(n.Name), n.Funding, n.PayerRoute, n.Clinical, n.ZeroReject, n.VoucherValidityDays,
			n.FilingLimitDays, cap, n.GPRARequired, n.GPRAFollowupOpenDays, n.GPRAFollowupCloseDays, n.GPRADischargeDays,
			n.LOSMaxDays, n.LOSReviewPastMax, retro, n.RequiresMedicaidID, n.RequiresWaiverPlan, carePlan,
			n.DiagnosisRequired, n.ReferralSourceRequired, pq.Array(n.DisabledRules), n.InactivateAfterDays)
		if pg.IsViolation(err, pg.CodeUniqueViolation, "programs_pkey") {
			return rss.Coded(rss.ErrConflict, "program_exists", "program %s exists", n.Code)
		}
		if err != nil {
			return constraintError(err)
		}
		if err := setProgramAreas(ctx, tx, n.Code, n.CatchmentAreas); err != nil {
			return err
		}
		for role, c := range n.CaseloadCaps {
			_, err := tx.ExecContext(ctx, `INSERT INTO program_caseload_caps (program_code, staff_role, cap) VALUES ($1, $2, $3)`, n.Code, role, c)
			if pg.IsViolation(err, pg.CodeForeignKeyViolation, "program_caseload_caps_role_fkey") {
				return rss.Invalid("caseload_caps."+role, "unknown_role", "no staff role %q", role)
			}
			if err != nil {
				return err
			}
		}
		if err := access.Record(ctx, tx, access.Event{Action: "create", EntityType: "program", EntityID: n.Code, Outcome: "reference_data"}); err != nil {
			return err
		}
		// The areas it serves changed: their histories say so.
		if err := vouchers.RecordProgramAreaChanges(ctx, tx, links); err != nil {
			return err
		}
		out, err = vouchers.LoadProgram(ctx, tx, n.Code)
		return err
	})
	return out, err
}

func setProgramAreas(ctx context.Context, tx *sqlx.Tx, program string, areas []string) error {
	var unknown []string
	if err := tx.SelectContext(ctx, &unknown, `SELECT DISTINCT c FROM unnest($1::text[]) c
		WHERE NOT EXISTS (SELECT 1 FROM catchment_areas a WHERE a.code = c) ORDER BY c`, pq.Array(areas)); err != nil {
		return err
	}
	if len(unknown) > 0 {
		return rss.Invalid("catchment_areas", "unknown_id", "unknown catchment areas: %s", strings.Join(unknown, ", "))
	}
	_, err := tx.ExecContext(ctx, `INSERT INTO program_catchment_areas (program_code, area_code) SELECT $1, unnest($2::text[])
		ON CONFLICT DO NOTHING`, program, pq.Array(areas))
	return err
}

// CreateService adds a catalog entry with its first rate (admin).
func (s *Service) CreateService(ctx context.Context, n NewService) (vouchers.CatalogService, error) {
	if _, err := access.Require(ctx, access.RoleAdmin); err != nil {
		return vouchers.CatalogService{}, err
	}
	v := &rss.ValidationError{}
	checkNamedCode(v, n.Code, serviceCodeFormat, "code must look like PROGRAM-SERVICE: capital letters and digits around one dash")
	switch {
	case blank(n.ProgramCode):
		v.Add("program_code", "required", "program_code is required")
	case !programCodeFormat.MatchString(n.ProgramCode):
		// Said before the code is compared with it, which would quote it
		// (a black-box pass had a right-to-left override and a terminal's
		// escape quoted back under "code").
		v.Add("program_code", "invalid_format", "program_code must be a program's code: 2 to 10 capital letters and digits, a letter first")
	}
	checkIdentity(v, []fieldCheck{oneLine("name", n.Name)})
	oneOf(v, "unit", n.Unit, units)
	if !validAmount(n.Rate) {
		v.Add("rate", "out_of_range", "rate must be more than zero and at most %s, written with two decimals", maxAmount.StringFixed(2))
	}
	if n.PerVoucherMax <= 0 || n.PerVoucherMax > maxInt {
		v.Add("per_voucher_max", "out_of_range", "per_voucher_max must be between 1 and %d", maxInt)
	}
	optPositive(v, "per_episode_max", n.PerEpisodeMax, 1)
	if n.PerEpisodeMax != nil && *n.PerEpisodeMax < n.PerVoucherMax {
		v.Add("per_episode_max", "out_of_range", "per_episode_max must be at least per_voucher_max")
	}
	optPositive(v, "employment_stage", n.EmploymentStage, 1)
	if (n.ProcedureCode == nil) != (n.ProcedureQualifier == nil) {
		v.Add("procedure_code", "pair_required", "procedure_code and procedure_qualifier go together")
	}
	if n.ProcedureQualifier != nil && *n.ProcedureQualifier != vouchers.ProcedureQualifierHCPCS {
		v.Add("procedure_qualifier", "invalid_value", "procedure_qualifier must be %s (HCPCS), the qualifier the 837P bills with",
			vouchers.ProcedureQualifierHCPCS)
	}
	if n.ProcedureCode != nil && !procedureFormat.MatchString(*n.ProcedureCode) {
		v.Add("procedure_code", "invalid_format", "procedure_code must be 5 letters or digits")
	}
	vouchers.CheckModifiers(v, n.Modifiers)
	if n.Qualification == "" {
		n.Qualification = adjudication.QualNone
	}
	oneOf(v, "qualification", n.Qualification, qualifications)
	switch {
	case n.Qualification == adjudication.QualCredential && len(n.QualifyingCredentials) == 0:
		v.Add("qualifying_credentials", "required", "a service of qualification credential names the credential types that qualify for it")
	case n.Qualification != adjudication.QualCredential && len(n.QualifyingCredentials) > 0:
		v.Add("qualifying_credentials", "not_allowed", "qualifying_credentials go with qualification credential")
	case len(n.QualifyingCredentials) > maxQualifyingCredentials:
		v.Add("qualifying_credentials", "too_many", "at most %d credential types", maxQualifyingCredentials)
	}
	n.QualifyingCredentials = append([]string{}, slices.Compact(slices.Sorted(slices.Values(n.QualifyingCredentials)))...)
	if !n.EffectiveFrom.IsZero() {
		// The first rate is held to the dates a later one is (a black-box
		// pass priced a new service from 1990 and from 2040).
		dateWithin(v, "effective_from", n.EffectiveFrom, s.Today(), 25, 5)
	}
	if err := v.Err(); err != nil {
		return vouchers.CatalogService{}, err
	}
	if n.EffectiveFrom.IsZero() {
		n.EffectiveFrom = s.Today()
	}
	if n.Modifiers == nil {
		n.Modifiers = []string{}
	}
	a, _ := access.ActorFrom(ctx)
	var out vouchers.CatalogService
	err := write(ctx, s, &out, func(ctx context.Context, tx *sqlx.Tx) error {
		var route string
		err := tx.GetContext(ctx, &route, `SELECT payer_route FROM programs WHERE code = $1`, n.ProgramCode)
		if errors.Is(err, pg.ErrNoRows) {
			return rss.Invalid("program_code", "unknown_id", "no program %q", n.ProgramCode)
		}
		if err != nil {
			return err
		}
		// The code names its program, as every code on the catalog does
		// (a black-box pass created ATR-X3 under EMP); said once the
		// program is known to exist (a re-check read "coded ZZZ-…" for a
		// program ZZZ there is none of).
		if !strings.HasPrefix(n.Code, n.ProgramCode+"-") {
			return rss.Invalid("code", "program_mismatch", "a service of program %s is coded %s-…", n.ProgramCode, n.ProgramCode)
		}
		if err := vouchers.ServiceNameFree(ctx, tx, n.ProgramCode, n.Code, strings.TrimSpace(n.Name)); err != nil {
			return err
		}
		// A line of a Medicaid program is billed on the 837P, whose SV101
		// is the procedure code: without one the service would be
		// authorized and paid, and then no Medicaid batch of any agency
		// could close until the catalog was corrected.
		if route == "medicaid_837p" && n.ProcedureCode == nil {
			return rss.Invalid("procedure_code", "required",
				"a service of %s is billed on the 837P and needs procedure_code and procedure_qualifier", n.ProgramCode)
		}
		if err := credentialTypesKnown(ctx, tx, n.QualifyingCredentials); err != nil {
			return err
		}
		_, err = tx.ExecContext(ctx, `INSERT INTO services (code, program_code, name, unit, per_voucher_max, per_episode_max,
				procedure_qualifier, procedure_code, modifiers, qualification, requires_primary_case_manager, employment_stage,
				qualifying_credentials)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)`,
			n.Code, n.ProgramCode, strings.TrimSpace(n.Name), n.Unit, n.PerVoucherMax, n.PerEpisodeMax, n.ProcedureQualifier,
			n.ProcedureCode, pq.Array(n.Modifiers), n.Qualification, n.RequiresPrimaryCaseManager, n.EmploymentStage,
			pq.Array(n.QualifyingCredentials))
		if pg.IsViolation(err, pg.CodeUniqueViolation, "services_pkey") {
			return rss.Coded(rss.ErrConflict, "service_exists", "service %s exists", n.Code)
		}
		if pg.IsViolation(err, pg.CodeForeignKeyViolation, "services_employment_stage_fkey") {
			return rss.Invalid("employment_stage", "unknown_id", "no employment stage of rank %d (GET /v1/employment-stages)", *n.EmploymentStage)
		}
		if err != nil {
			return constraintError(err)
		}
		// A role the program's caps let carry it must be able to deliver
		// the new service by its role too (vouchers.caseloadRolesHeld).
		role, capped, err := vouchers.UndeliverableCaseloadRole(ctx, tx, n.ProgramCode, n.Qualification)
		switch {
		case err != nil:
			return err
		case role != "" && capped:
			return rss.Invalid("qualification", "role_not_qualified",
				"%s's caseload caps let staff of role %s carry it, who may not deliver a service of qualification %s; change the caps first",
				n.ProgramCode, role, n.Qualification)
		case role != "":
			return rss.Invalid("qualification", "role_not_qualified",
				"%s has no caseload caps, so staff of every role may carry it, and staff of role %s may not deliver a service of qualification %s; list the roles that may in its caps first",
				n.ProgramCode, role, n.Qualification)
		}
		// The first rate is part of the entry: one write, one event.
		if _, err := insertRate(ctx, tx, n.Code, NewRate{Rate: &n.Rate, EffectiveFrom: n.EffectiveFrom, Reason: "initial rate"}, a); err != nil {
			return err
		}
		if err := access.Record(ctx, tx, access.Event{Action: "create", EntityType: "service", EntityID: n.Code, Outcome: "reference_data"}); err != nil {
			return err
		}
		out, err = vouchers.LoadService(ctx, tx, n.Code)
		out.Rate, _ = out.Rates.On(s.Today())
		return err
	})
	return out, err
}

// setBy names the actor for the rate history: the key and its role.
func setBy(a access.Actor) string { return fmt.Sprintf("%s key %d", a.Role, a.KeyID) }

func insertRate(ctx context.Context, tx *sqlx.Tx, service string, n NewRate, a access.Actor) (int64, error) {
	var id int64
	err := tx.GetContext(ctx, &id, `INSERT INTO service_rates (service_code, rate, effective_from, set_by, reason, corrects_id)
		VALUES ($1, $2, $3, $4, $5, $6) RETURNING id`, service, n.Rate.StringFixed(2), n.EffectiveFrom, setBy(a), strings.TrimSpace(n.Reason),
		n.Corrects)
	if pg.IsViolation(err, pg.CodeUniqueViolation, "service_rates_one_per_day") {
		return 0, rss.Coded(rss.ErrConflict, "rate_exists_for_day",
			"service %s already has a rate effective %s; to replace it, send corrects with that rate's id", service, n.EffectiveFrom)
	}
	if pg.IsViolation(err, pg.CodeUniqueViolation, "service_rates_corrects_once") {
		return 0, rss.Coded(rss.ErrConflict, "rate_already_corrected", "rate %d was corrected already; correct the rate in force", *n.Corrects)
	}
	if err != nil {
		return 0, constraintError(err)
	}
	return id, nil
}

// AddRate records a rate change effective from a day, past or future
// (admin). Requests are priced at the rate in force on their start date;
// authorizations keep the rate they were granted at.
func (s *Service) AddRate(ctx context.Context, service string, n NewRate) (vouchers.ServiceRate, error) {
	a, err := access.Require(ctx, access.RoleAdmin)
	if err != nil {
		return vouchers.ServiceRate{}, err
	}
	v := &rss.ValidationError{}
	if n.Rate == nil {
		v.Add("rate", "required", "rate is required: the amount per unit, written with two decimals")
	} else if !validAmount(*n.Rate) {
		v.Add("rate", "out_of_range", "rate must be more than zero and at most %s, written with two decimals", maxAmount.StringFixed(2))
	}
	if n.Corrects != nil && *n.Corrects <= 0 {
		v.Add("corrects", "unknown_id", "no rate %d", *n.Corrects)
	}
	if n.EffectiveFrom.IsZero() && n.Corrects == nil {
		v.Add("effective_from", "required", "effective_from is required")
	} else if !n.EffectiveFrom.IsZero() {
		// A rate is dated back to fix what was priced, or ahead for a
		// change announced; a century is a typo, not a rate.
		dateWithin(v, "effective_from", n.EffectiveFrom, s.Today(), 25, 5)
	}
	checkIdentity(v, []fieldCheck{anyText("reason", n.Reason)})
	if err := v.Err(); err != nil {
		return vouchers.ServiceRate{}, err
	}
	var out vouchers.ServiceRate
	err = write(ctx, s, &out, func(ctx context.Context, tx *sqlx.Tx) error {
		var code string
		err := tx.GetContext(ctx, &code, `SELECT code FROM services WHERE code = $1 FOR UPDATE`, service)
		if errors.Is(err, pg.ErrNoRows) {
			return fmt.Errorf("%w: service %q", rss.ErrNotFound, service)
		}
		if err != nil {
			return err
		}
		if n.Corrects != nil {
			var was struct {
				Day  rss.Date  `db:"effective_from"`
				Rate rss.Money `db:"rate"`
			}
			err := tx.GetContext(ctx, &was, `SELECT effective_from, rate FROM service_rates WHERE id = $1 AND service_code = $2`, *n.Corrects, service)
			if errors.Is(err, pg.ErrNoRows) {
				return rss.Invalid("corrects", "unknown_id", "service %s has no rate %d", service, *n.Corrects)
			}
			if err != nil {
				return err
			}
			if !n.EffectiveFrom.IsZero() && !n.EffectiveFrom.Equal(was.Day) {
				return rss.Invalid("effective_from", "invalid_value", "a correction is of the same day as the rate it replaces (%s)", was.Day)
			}
			// The amount on file again changes nothing, and a rate is
			// corrected once: taken, it spent that correction and read
			// in the history as if the amount had been a typo (a new-user
			// black-box pass).
			if n.Rate.Equal(was.Rate.Decimal) {
				return rss.Invalid("rate", "unchanged", "rate %d is %s already: a correction changes the amount", *n.Corrects, was.Rate.StringFixed(2))
			}
			n.EffectiveFrom = was.Day
		}
		id, err := insertRate(ctx, tx, service, n, a)
		if err != nil {
			return err
		}
		if err := access.Record(ctx, tx, access.Event{Action: "create", EntityType: "service_rate", EntityID: access.ID(id),
			Outcome: "reference_data"}); err != nil {
			return err
		}
		svc, err := vouchers.LoadService(ctx, tx, service)
		for _, r := range svc.Rates {
			if r.ID == id {
				out = r
			}
		}
		return err
	})
	return out, err
}

// Rates lists a service's rate history, oldest first (every role): the
// rates in force and those a correction replaced, each naming the other.
func (s *Service) Rates(ctx context.Context, service string) (vouchers.ServiceRates, error) {
	a, err := access.ActorFrom(ctx)
	if err != nil {
		return nil, err
	}
	if _, err := vouchers.LoadService(ctx, s.db, service); err != nil {
		return nil, err
	}
	rates, err := vouchers.LoadRateHistory(ctx, s.db, service)
	return rates.ShownTo(a), err
}

// CatchmentAreaPatch renames an area or changes the programs serving it
// (a whole set).
type CatchmentAreaPatch struct {
	Name     rss.Optional[string]   `json:"name"`
	Programs rss.Optional[[]string] `json:"programs"`
	// Reason is why, kept with the change in the area's history.
	Reason rss.Optional[string] `json:"reason"`
}

// NewCatchmentArea is an area, with the programs that serve it.
type NewCatchmentArea struct {
	Code     string   `json:"code"`
	Name     string   `json:"name"`
	Programs []string `json:"programs"`
}

// AreaWithPrograms is an area and the programs serving it.
type AreaWithPrograms struct {
	Code     string         `json:"code" db:"code"`
	Name     string         `json:"name" db:"name"`
	Programs pq.StringArray `json:"programs" db:"programs"`
}

func loadArea(ctx context.Context, ext pg.Ext, code string) (AreaWithPrograms, error) {
	var out AreaWithPrograms
	err := sqlx.GetContext(ctx, ext, &out, `SELECT code, name,
		ARRAY(SELECT program_code FROM program_catchment_areas p WHERE p.area_code = a.code ORDER BY 1) AS programs
		FROM catchment_areas a WHERE code = $1`, code)
	if errors.Is(err, pg.ErrNoRows) {
		return out, fmt.Errorf("%w: catchment area %q", rss.ErrNotFound, code)
	}
	return out, err
}

// areaNameKey is a catchment area's name as a reader tells names apart:
// compatibility forms folded (a full-width letter is the letter), case
// folded, invisible format characters dropped and runs of spaces one.
// "Hartford\u200b", "Ｈartford" and "new  haven" each stood beside the area
// they read as (a re-check); the index on lower(name) holds case alone.
func areaNameKey(name string) string {
	name = strings.Map(func(r rune) rune {
		if unicode.Is(unicode.Cf, r) {
			return -1
		}
		return r
	}, norm.NFKC.String(name))
	return strings.Join(strings.Fields(cases.Fold().String(name)), " ")
}

// areaNameFree refuses a name another area's reads as (areaNameKey). The
// areas are few, read whole, under the names' lock (lockNames): the unique
// index held only a concurrent write of the same lower-cased name, and two
// look-alike names written at once both stood, as raced discharge reasons'
// did (a black-box pass).
func areaNameFree(ctx context.Context, tx *sqlx.Tx, code, name string) error {
	if err := lockNames(ctx, tx, "catchment_areas"); err != nil {
		return err
	}
	var areas []struct {
		Code string `db:"code"`
		Name string `db:"name"`
	}
	if err := tx.SelectContext(ctx, &areas, `SELECT code, name FROM catchment_areas WHERE code <> $1`, code); err != nil {
		return err
	}
	key := areaNameKey(name)
	for _, a := range areas {
		if areaNameKey(a.Name) == key {
			return rss.Coded(rss.ErrConflict, "catchment_area_name_taken", "another catchment area (%s) has this name, as it reads", a.Code)
		}
	}
	return nil
}

// leavesNoArea refuses an area's programs that leave out a program whose
// last area it is (links, read under their lock): a program serving no
// area reads as statewide (its catchment_areas []), so an admin taking a
// program out of its last area made it serve every area, and a client the
// rules had just denied CATCHMENT_AREA_NOT_SERVED passed (an operations
// pass). A program is made statewide by its own PATCH, where [] says so.
func leavesNoArea(links map[string][]string, area string, programs []string) error {
	var left []string
	for program, areas := range links {
		if len(areas) == 1 && areas[0] == area && !slices.Contains(programs, program) {
			left = append(left, program)
		}
	}
	if len(left) == 0 {
		return nil
	}
	slices.Sort(left)
	return rss.Invalid("programs", "last_area",
		"%s would serve no catchment area, which reads as serving every area (statewide); give it another area first, "+
			"or set the program's own catchment_areas ([] there is statewide)", strings.Join(left, ", "))
}

// setAreaPrograms makes programs the set serving area; links is the
// relation as it stood, read under its lock. A program serving no area is
// statewide: given one area here it would serve that one alone, every
// other area's clients losing it unwarned (a review), so it is refused; a
// statewide program is narrowed by its own PATCH.
func setAreaPrograms(ctx context.Context, tx *sqlx.Tx, area string, programs []string, links map[string][]string) error {
	var unknown []string
	if err := tx.SelectContext(ctx, &unknown, `SELECT DISTINCT c FROM unnest($1::text[]) c
		WHERE NOT EXISTS (SELECT 1 FROM programs p WHERE p.code = c) ORDER BY c`, pq.Array(programs)); err != nil {
		return err
	}
	if len(unknown) > 0 {
		return rss.Invalid("programs", "unknown_id", "unknown programs: %s", strings.Join(unknown, ", "))
	}
	var statewide []string
	for _, p := range programs {
		if len(links[p]) == 0 && !slices.Contains(statewide, p) {
			statewide = append(statewide, p)
		}
	}
	if len(statewide) > 0 {
		slices.Sort(statewide)
		return rss.Invalid("programs", "statewide",
			"%s serves every area (statewide): given this area it would serve it alone; set its catchment_areas on the program instead",
			strings.Join(statewide, ", "))
	}
	if _, err := tx.ExecContext(ctx, `DELETE FROM program_catchment_areas WHERE area_code = $1 AND NOT (program_code = ANY($2))`,
		area, pq.Array(programs)); err != nil {
		return err
	}
	_, err := tx.ExecContext(ctx, `INSERT INTO program_catchment_areas (program_code, area_code) SELECT unnest($2::text[]), $1
		ON CONFLICT DO NOTHING`, area, pq.Array(programs))
	return err
}

// CreateCatchmentArea adds an area (admin).
func (s *Service) CreateCatchmentArea(ctx context.Context, n NewCatchmentArea) (AreaWithPrograms, error) {
	if _, err := access.Require(ctx, access.RoleAdmin); err != nil {
		return AreaWithPrograms{}, err
	}
	v := &rss.ValidationError{}
	checkNamedCode(v, n.Code, areaCodeFormat, "code must be lower-case letters and underscores")
	checkIdentity(v, []fieldCheck{oneLine("name", n.Name)})
	if err := v.Err(); err != nil {
		return AreaWithPrograms{}, err
	}
	var out AreaWithPrograms
	err := write(ctx, s, &out, func(ctx context.Context, tx *sqlx.Tx) error {
		links, err := vouchers.LockProgramAreaLinks(ctx, tx)
		if err != nil {
			return err
		}
		if err := areaNameFree(ctx, tx, n.Code, n.Name); err != nil {
			return err
		}
		_, err = tx.ExecContext(ctx, `INSERT INTO catchment_areas (code, name) VALUES ($1, $2)`, n.Code, strings.TrimSpace(n.Name))
		switch {
		case pg.IsViolation(err, pg.CodeUniqueViolation, "catchment_areas_pkey"):
			return rss.Coded(rss.ErrConflict, "catchment_area_exists", "catchment area %s exists", n.Code)
		case pg.IsViolation(err, pg.CodeUniqueViolation, "catchment_areas_name_unique"):
			return rss.Coded(rss.ErrConflict, "catchment_area_name_taken", "another catchment area has this name")
		case err != nil:
			return constraintError(err)
		}
		if err := setAreaPrograms(ctx, tx, n.Code, n.Programs, links); err != nil {
			return err
		}
		if err := access.Record(ctx, tx, access.Event{Action: "create", EntityType: "catchment_area", EntityID: n.Code,
			Outcome: "reference_data"}); err != nil {
			return err
		}
		// The programs now serving it changed: their histories say so.
		if err := vouchers.RecordProgramAreaChanges(ctx, tx, links); err != nil {
			return err
		}
		out, err = loadArea(ctx, tx, n.Code)
		return err
	})
	return out, err
}

// UpdateCatchmentArea applies an admin's patch to an area.
func (s *Service) UpdateCatchmentArea(ctx context.Context, code string, p CatchmentAreaPatch) (AreaWithPrograms, error) {
	if _, err := access.Require(ctx, access.RoleAdmin); err != nil {
		return AreaWithPrograms{}, err
	}
	v := &rss.ValidationError{}
	if p.Name.Set && (p.Name.Null || blank(p.Name.Value)) {
		v.Add("name", "required", "name cannot be blank")
	} else if p.Name.Set {
		checkIdentity(v, []fieldCheck{oneLine("name", p.Name.Value)})
	}
	if p.Programs.Set && p.Programs.Null {
		v.Add("programs", "required", "programs cannot be null; send [] to clear")
	}
	if !p.Name.Set && !p.Programs.Set {
		v.Add("body", "empty_patch", "nothing to change")
	}
	reason := vouchers.ChangeReason(v, p.Reason)
	if err := v.Err(); err != nil {
		return AreaWithPrograms{}, err
	}
	var out AreaWithPrograms
	err := s.transact(ctx, func(ctx context.Context, tx *sqlx.Tx) error {
		if err := access.ChangeReason(ctx, tx, reason); err != nil {
			return err
		}
		// The links locked first, as every writer of them does, then the
		// area: its name and row are this patch's own to change.
		links, err := vouchers.LockProgramAreaLinks(ctx, tx)
		if err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `SELECT 1 FROM catchment_areas WHERE code = $1 FOR UPDATE`, code); err != nil {
			return err
		}
		if _, err := loadArea(ctx, tx, code); err != nil {
			return err
		}
		if p.Name.Set {
			if err := areaNameFree(ctx, tx, code, p.Name.Value); err != nil {
				return err
			}
			_, err := tx.ExecContext(ctx, `UPDATE catchment_areas SET name = $2 WHERE code = $1`, code, strings.TrimSpace(p.Name.Value))
			if pg.IsViolation(err, pg.CodeUniqueViolation, "catchment_areas_name_unique") {
				return rss.Coded(rss.ErrConflict, "catchment_area_name_taken", "another catchment area has this name")
			}
			if err != nil {
				return err
			}
		}
		if p.Programs.Set {
			if err := leavesNoArea(links, code, p.Programs.Value); err != nil {
				return err
			}
			if err := setAreaPrograms(ctx, tx, code, p.Programs.Value, links); err != nil {
				return err
			}
		}
		if err := access.Record(ctx, tx, access.Event{Action: "update", EntityType: "catchment_area", EntityID: code,
			Outcome: "reference_data"}); err != nil {
			return err
		}
		if err := vouchers.RecordProgramAreaChanges(ctx, tx, links); err != nil {
			return err
		}
		out, err = loadArea(ctx, tx, code)
		return err
	})
	return out, err
}

// CatchmentAreaHistory lists the changes to a catchment area, oldest first
// (every role, as the areas are read): its name and the programs serving
// it, before and after, when, why when given, and by whom; a program's
// change of its areas shows here too, named by the program's event.
func (s *Service) CatchmentAreaHistory(ctx context.Context, code string) ([]access.Change, error) {
	a, err := access.ActorFrom(ctx)
	if err != nil {
		return nil, err
	}
	var out []access.Change
	err = s.transact(ctx, func(ctx context.Context, tx *sqlx.Tx) error {
		if _, err := loadArea(ctx, tx, code); err != nil {
			return err
		}
		out, err = access.ChangesByKey(ctx, tx, a, access.ChangesOfCatchmentAreas, "catchment_area", []string{"program"}, code)
		return err
	})
	return out, err
}
