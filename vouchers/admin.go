package vouchers

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"math"
	"slices"
	"strings"

	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"
	"github.com/shopspring/decimal"
	"golang.org/x/text/unicode/norm"

	"rss"
	"rss/access"
	"rss/adjudication"
	"rss/ledger"
	"rss/pg"
)

// Bounds of the reference columns (integer, NUMERIC(12,2)): a value past
// them is refused as input rather than failing the UPDATE with a 500.
const maxColumnInt = math.MaxInt32

// MaxProgramDays bounds a program's day counts (voucher validity, filing
// limit, GPRA windows, length of service, retro limit, inactivity): ten
// years. Dates are computed from them (an authorization's inactive_on, a
// GPRA window), and a count near the column's limit put those dates past
// the calendar (year 5,881,637), a 500 on every list that computed one.
const MaxProgramDays = 3660

var maxAmount = decimal.RequireFromString("9999999999.99")

// ServicePatch changes a catalog entry. Limits apply to requests submitted
// after the change. The rate is not patched: it is a history with effective
// dates (registry.AddRate); a patch naming it is refused.
type ServicePatch struct {
	Name               rss.Optional[string]    `json:"name"`
	Rate               rss.Optional[rss.Money] `json:"rate"`
	PerVoucherMax      rss.Optional[int]       `json:"per_voucher_max"`
	PerEpisodeMax      rss.Optional[int]       `json:"per_episode_max"`
	ProcedureQualifier rss.Optional[string]    `json:"procedure_qualifier"`
	ProcedureCode      rss.Optional[string]    `json:"procedure_code"`
	Modifiers          rss.Optional[[]string]  `json:"modifiers"`
	Active             rss.Optional[bool]      `json:"active"`
	// Reason is why, kept with the change in the service's history
	// (optional: clients written before it send none).
	Reason rss.Optional[string] `json:"reason"`
}

// ChangeReason checks the reason a change of reference data may give (left
// out or null: none) and returns it trimmed: it is kept with the change in
// the record's history (access.ChangeReason).
func ChangeReason(v *rss.ValidationError, o rss.Optional[string]) string {
	if !o.Set || o.Null {
		return ""
	}
	if rss.Blank(o.Value) {
		v.Add("reason", "required", "reason may be left out, but not blank")
		return ""
	}
	checkText(v, "reason", o.Value, maxFreeText)
	return strings.TrimSpace(o.Value)
}

// UpdateService applies an admin's patch to a service.
func (s *Service) UpdateService(ctx context.Context, code string, p ServicePatch) (CatalogService, error) {
	if _, err := access.Require(ctx, access.RoleAdmin); err != nil {
		return CatalogService{}, err
	}
	v := &rss.ValidationError{}
	sets := []string{}
	args := []any{code}
	add := func(col string, val any) {
		args = append(args, val)
		sets = append(sets, fmt.Sprintf("%s = $%d", col, len(args)))
	}
	notNull := func(field string, set, null bool) bool {
		if set && null {
			v.Add(field, "required", "%s cannot be null", field)
			return false
		}
		return set
	}
	if notNull("name", p.Name.Set, p.Name.Null) {
		checkCatalogName(v, p.Name.Value)
		add("name", strings.TrimSpace(p.Name.Value))
	}
	if p.Rate.Set {
		// A rate has an effective date and a reason: it is set through its
		// own history, never overwritten in place.
		v.Add("rate", "use_rates_endpoint", "rates take an effective date: POST /v1/reference/services/%s/rates", code)
	}
	if notNull("per_voucher_max", p.PerVoucherMax.Set, p.PerVoucherMax.Null) {
		if p.PerVoucherMax.Value <= 0 || p.PerVoucherMax.Value > maxColumnInt {
			v.Add("per_voucher_max", "out_of_range", "per_voucher_max must be between 1 and %d", maxColumnInt)
		}
		add("per_voucher_max", p.PerVoucherMax.Value)
	}
	if p.PerEpisodeMax.Set {
		if !p.PerEpisodeMax.Null && (p.PerEpisodeMax.Value <= 0 || p.PerEpisodeMax.Value > maxColumnInt) {
			v.Add("per_episode_max", "out_of_range", "per_episode_max must be null or between 1 and %d", maxColumnInt)
		}
		add("per_episode_max", p.PerEpisodeMax.Ptr())
	}
	if p.ProcedureQualifier.Set {
		if !p.ProcedureQualifier.Null && p.ProcedureQualifier.Value != ProcedureQualifierHCPCS {
			v.Add("procedure_qualifier", "invalid_value", "procedure_qualifier must be %s (HCPCS), the qualifier the 837P bills with", ProcedureQualifierHCPCS)
		}
		add("procedure_qualifier", p.ProcedureQualifier.Ptr())
	}
	if p.ProcedureCode.Set {
		if !p.ProcedureCode.Null && !validProcedure(p.ProcedureCode.Value) {
			v.Add("procedure_code", "invalid_format", "procedure_code must be 5 letters or digits")
		}
		add("procedure_code", p.ProcedureCode.Ptr())
	}
	if notNull("modifiers", p.Modifiers.Set, p.Modifiers.Null) {
		CheckModifiers(v, p.Modifiers.Value)
		add("modifiers", pq.Array(p.Modifiers.Value))
	}
	if notNull("active", p.Active.Set, p.Active.Null) {
		add("active", p.Active.Value)
		// Retiring a service dates it (tomorrow, its first day out of use:
		// today is its last day offered, as an agency's withdrawal of a
		// service keeps today), so the claims for days it was offered still
		// pay; one already retired keeps its day, and one back in use has
		// none. Undated, a retirement denied every later line for it, work
		// done before included; dated today, it denied 96 the work done
		// that morning under an authorization granted that morning (a
		// reference-data black-box pass).
		if p.Active.Value {
			sets = append(sets, "retired_on = NULL")
		} else {
			args = append(args, s.Today().AddDays(1))
			sets = append(sets, fmt.Sprintf("retired_on = CASE WHEN active THEN $%d::date ELSE retired_on END", len(args)))
		}
	}
	// A field sent and refused is not nothing sent: only its own error
	// (it read "nothing to change" beside it: a black-box pass).
	if len(sets) == 0 && !p.Rate.Set && len(v.Fields) == 0 {
		v.Add("body", "empty_patch", "nothing to change")
	}
	reason := ChangeReason(v, p.Reason)
	if err := v.Err(); err != nil {
		return CatalogService{}, err
	}
	var out CatalogService
	err := s.transact(ctx, func(ctx context.Context, tx *sqlx.Tx) error {
		if err := access.ChangeReason(ctx, tx, reason); err != nil {
			return err
		}
		if p.Name.Set && !p.Name.Null {
			var program string
			err := tx.GetContext(ctx, &program, `SELECT program_code FROM services WHERE code = $1`, code)
			if errors.Is(err, pg.ErrNoRows) {
				return fmt.Errorf("%w: service %q", rss.ErrNotFound, code)
			} else if err != nil {
				return err
			}
			if err := ServiceNameFree(ctx, tx, program, code, strings.TrimSpace(p.Name.Value)); err != nil {
				return err
			}
		}
		res, err := tx.ExecContext(ctx, `UPDATE services SET `+strings.Join(sets, ", ")+`, updated_at = now() WHERE code = $1`, args...)
		if err != nil {
			return referenceError(err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return fmt.Errorf("%w: service %q", rss.ErrNotFound, code)
		}
		// A Medicaid program's service keeps its procedure code: the 837P
		// cannot bill a line without one (see registry.CreateService).
		var noProcedure bool
		if err := tx.GetContext(ctx, &noProcedure, `SELECT EXISTS (SELECT 1 FROM services s
				JOIN programs p ON p.code = s.program_code AND p.payer_route = 'medicaid_837p'
				WHERE s.code = $1 AND s.procedure_code IS NULL)`, code); err != nil {
			return err
		}
		if noProcedure {
			return rss.Invalid("procedure_code", "required", "a service of a Medicaid program is billed on the 837P and needs a procedure code")
		}
		if err := access.Record(ctx, tx, access.Event{Action: "update", EntityType: "service", EntityID: code, Outcome: "reference_data"}); err != nil {
			return err
		}
		out, err = LoadService(ctx, tx, code)
		out = priced(out, s.Today())
		return err
	})
	return out, err
}

// ProgramPatch changes a program's limits and windows.
type ProgramPatch struct {
	Name                  rss.Optional[string]    `json:"name"`
	VoucherValidityDays   rss.Optional[int]       `json:"voucher_validity_days"`
	FilingLimitDays       rss.Optional[int]       `json:"filing_limit_days"`
	EpisodeDollarCap      rss.Optional[rss.Money] `json:"episode_dollar_cap"`
	GPRAFollowupOpenDays  rss.Optional[int]       `json:"gpra_followup_open_days"`
	GPRAFollowupCloseDays rss.Optional[int]       `json:"gpra_followup_close_days"`
	GPRADischargeDays     rss.Optional[int]       `json:"gpra_discharge_days"`
	LOSMaxDays            rss.Optional[int]       `json:"los_max_days"`
	LOSReviewPastMax      rss.Optional[bool]      `json:"los_review_past_max"`
	RetroLimitDays        rss.Optional[int]       `json:"retro_limit_days"`
	CarePlanRequired      rss.Optional[bool]      `json:"care_plan_required"`
	// Which rules apply to the program are data (SPEC §12), switched
	// either way: they were fixed at creation, and disabled_rules only
	// switches rules off (a reviewer black-box pass). They apply to
	// requests and enrollments received after the change. The 837P's
	// pair (requires_medicaid_id, diagnosis_required) goes with the payer
	// route, which is not changed.
	Clinical               rss.Optional[bool]           `json:"clinical"`
	ZeroReject             rss.Optional[bool]           `json:"zero_reject"`
	GPRARequired           rss.Optional[bool]           `json:"gpra_required"`
	RequiresWaiverPlan     rss.Optional[bool]           `json:"requires_waiver_plan"`
	ReferralSourceRequired rss.Optional[bool]           `json:"referral_source_required"`
	CaseloadCaps           rss.Optional[map[string]int] `json:"caseload_caps"`
	InactivateAfterDays    rss.Optional[int]            `json:"inactivate_after_days"`
	// CatchmentAreas (the areas the program serves) and DisabledRules (the
	// voucher rules it switches off) are whole sets.
	CatchmentAreas rss.Optional[[]string] `json:"catchment_areas"`
	DisabledRules  rss.Optional[[]string] `json:"disabled_rules"`
	// Reason is why, kept with the change in the program's history.
	Reason rss.Optional[string] `json:"reason"`
}

// UpdateProgram applies an admin's patch to a program.
func (s *Service) UpdateProgram(ctx context.Context, code string, p ProgramPatch) (Program, error) {
	admin, err := access.Require(ctx, access.RoleAdmin)
	if err != nil {
		return Program{}, err
	}
	v := &rss.ValidationError{}
	sets := []string{}
	args := []any{code}
	add := func(col string, val any) {
		args = append(args, val)
		sets = append(sets, fmt.Sprintf("%s = $%d", col, len(args)))
	}
	optInt := func(field string, o rss.Optional[int], nullable bool, min int) {
		if !o.Set {
			return
		}
		switch {
		case o.Null && !nullable:
			v.Add(field, "required", "%s cannot be null", field)
		case !o.Null && (o.Value < min || o.Value > MaxProgramDays):
			v.Add(field, "out_of_range", "%s must be between %d and %d", field, min, MaxProgramDays)
		}
		add(field, o.Ptr())
	}
	if p.Name.Set {
		if p.Name.Null {
			v.Add("name", "required", "name cannot be null")
		} else {
			checkCatalogName(v, p.Name.Value)
		}
		add("name", strings.TrimSpace(p.Name.Value))
	}
	optInt("voucher_validity_days", p.VoucherValidityDays, true, 1)
	optInt("filing_limit_days", p.FilingLimitDays, false, 1)
	optInt("gpra_followup_open_days", p.GPRAFollowupOpenDays, true, 1)
	optInt("gpra_followup_close_days", p.GPRAFollowupCloseDays, true, 1)
	optInt("gpra_discharge_days", p.GPRADischargeDays, true, 1)
	optInt("los_max_days", p.LOSMaxDays, true, 1)
	optInt("retro_limit_days", p.RetroLimitDays, false, 0)
	optInt("inactivate_after_days", p.InactivateAfterDays, true, 1)
	// Switched on or shortened, the setting applies from tomorrow on: no
	// authorization goes inactive by it before then, and a service dated
	// today or before is covered (ledger's InactivitySince): an agency
	// serving today under a voucher that read active this morning is paid
	// (a re-check). Lengthened or switched off, nothing is taken from
	// anyone, and the day a stricter one took effect stays.
	if p.InactivateAfterDays.Set && !p.InactivateAfterDays.Null {
		n := len(args)
		args = append(args, s.Today().AddDays(1))
		sets = append(sets, fmt.Sprintf(`inactivity_since = CASE WHEN inactivate_after_days IS NULL OR $%d::int < inactivate_after_days
			THEN $%d::date ELSE inactivity_since END`, n, len(args)))
	}
	if p.EpisodeDollarCap.Set {
		if !p.EpisodeDollarCap.Null && (!p.EpisodeDollarCap.Value.IsPositive() || p.EpisodeDollarCap.Value.GreaterThan(maxAmount)) {
			v.Add("episode_dollar_cap", "out_of_range", "episode_dollar_cap must be null or positive and at most %s", maxAmount.StringFixed(2))
		}
		var val any
		if !p.EpisodeDollarCap.Null {
			val = p.EpisodeDollarCap.Value.StringFixed(2)
		}
		add("episode_dollar_cap", val)
	}
	if p.LOSReviewPastMax.Set {
		if p.LOSReviewPastMax.Null {
			v.Add("los_review_past_max", "required", "los_review_past_max cannot be null")
		}
		add("los_review_past_max", p.LOSReviewPastMax.Value)
	}
	if p.CarePlanRequired.Set {
		if p.CarePlanRequired.Null {
			v.Add("care_plan_required", "required", "care_plan_required cannot be null")
		}
		add("care_plan_required", p.CarePlanRequired.Value)
	}
	for _, f := range []struct {
		field string
		o     rss.Optional[bool]
	}{{"clinical", p.Clinical}, {"zero_reject", p.ZeroReject}, {"gpra_required", p.GPRARequired},
		{"requires_waiver_plan", p.RequiresWaiverPlan}, {"referral_source_required", p.ReferralSourceRequired}} {
		if !f.o.Set {
			continue
		}
		if f.o.Null {
			v.Add(f.field, "required", "%s cannot be null", f.field)
		}
		add(f.field, f.o.Value)
	}
	if p.CaseloadCaps.Set && !p.CaseloadCaps.Null {
		for role, c := range p.CaseloadCaps.Value {
			if c <= 0 || c > maxColumnInt {
				v.Add("caseload_caps."+role, "out_of_range", "cap must be between 1 and %d", maxColumnInt)
			}
		}
	}
	if p.DisabledRules.Set {
		if p.DisabledRules.Null {
			v.Add("disabled_rules", "required", "disabled_rules cannot be null; send [] to apply every rule")
		}
		CheckRuleSet(v, "disabled_rules", p.DisabledRules.Value)
		rules := p.DisabledRules.Value
		if rules == nil {
			rules = []string{}
		}
		add("disabled_rules", pq.Array(rules))
	}
	if p.CatchmentAreas.Set && p.CatchmentAreas.Null {
		v.Add("catchment_areas", "required", "catchment_areas cannot be null; send [] to serve every area")
	}
	if len(sets) == 0 && !p.CaseloadCaps.Set && !p.CatchmentAreas.Set {
		v.Add("body", "empty_patch", "nothing to change")
	}
	reason := ChangeReason(v, p.Reason)
	if err := v.Err(); err != nil {
		return Program{}, err
	}
	var out Program
	err = s.transact(ctx, func(ctx context.Context, tx *sqlx.Tx) error {
		if err := access.ChangeReason(ctx, tx, reason); err != nil {
			return err
		}
		links, err := LockProgramAreaLinks(ctx, tx)
		if err != nil {
			return err
		}
		// The row locked: two patches of its sets at once would each read
		// the set before the other's change.
		if _, err := tx.ExecContext(ctx, `SELECT 1 FROM programs WHERE code = $1 FOR UPDATE`, code); err != nil {
			return err
		}
		cur, err := loadProgram(ctx, tx, code)
		if err != nil {
			return err
		}
		if p.Name.Set && !p.Name.Null {
			if err := ProgramNameFree(ctx, tx, code, strings.TrimSpace(p.Name.Value)); err != nil {
				return err
			}
		}
		// A GPRA program needs all three windows (the schema says so too);
		// name the field rather than the constraint.
		gpra := cur.GPRARequired
		if p.GPRARequired.Set {
			gpra = p.GPRARequired.Value
		}
		if gpra {
			missing := &rss.ValidationError{}
			for _, w := range []struct {
				field string
				patch rss.Optional[int]
				cur   *int
			}{{"gpra_followup_open_days", p.GPRAFollowupOpenDays, cur.GPRAFollowupOpenDays},
				{"gpra_followup_close_days", p.GPRAFollowupCloseDays, cur.GPRAFollowupCloseDays},
				{"gpra_discharge_days", p.GPRADischargeDays, cur.GPRADischargeDays}} {
				switch {
				case w.patch.Set && w.patch.Null:
					missing.Add(w.field, "required", "%s requires GPRA: %s cannot be null", code, w.field)
				case !w.patch.Set && w.cur == nil:
					missing.Add(w.field, "required", "a GPRA program needs %s: send it with gpra_required", w.field)
				}
			}
			if err := missing.Err(); err != nil {
				return err
			}
		}
		clinical, zero := cur.Clinical, cur.ZeroReject
		if p.Clinical.Set {
			clinical = p.Clinical.Value
		}
		if p.ZeroReject.Set {
			zero = p.ZeroReject.Value
		}
		if clinical && zero {
			return rss.Invalid("zero_reject", "conflict", "a zero-reject program cannot be clinical")
		}
		// A window that opens after it closes is refused whether or not
		// the program requires GPRA yet, as a new program's is (the
		// schema holds it for GPRA programs only: a PATCH of a program
		// without GPRA took one, an operations pass).
		open, closes := cur.GPRAFollowupOpenDays, cur.GPRAFollowupCloseDays
		if p.GPRAFollowupOpenDays.Set {
			open = p.GPRAFollowupOpenDays.Ptr()
		}
		if p.GPRAFollowupCloseDays.Set {
			closes = p.GPRAFollowupCloseDays.Ptr()
		}
		if open != nil && closes != nil && *closes <= *open {
			return rss.Invalid("gpra_followup_close_days", "out_of_range",
				"the follow-up window closes after it opens (gpra_followup_close_days more than gpra_followup_open_days): it would open on day %d and close on day %d",
				*open, *closes)
		}
		// Lengthened or switched off, the setting gives the authorizations
		// inactive by the old one their idle days and their unused units
		// back: each is judged first, as a reviewer's reactivation is
		// (holdRevived). Read as they stand before the change.
		// Shortened, the authorizations already inactive stay so from the
		// day each went (ledger.KeepInactive): the stricter setting's floor
		// of tomorrow made them active again. Switched off, those days go
		// with the setting.
		var idle []Authorization
		if o := p.InactivateAfterDays; o.Set && cur.InactivateAfterDays != nil && o.Value != *cur.InactivateAfterDays {
			if idle, err = ledger.InactiveOf(ctx, tx, code, s.Today()); err != nil {
				return err
			}
			switch {
			case o.Null:
				err = ledger.ForgetInactive(ctx, tx, code)
			case o.Value < *cur.InactivateAfterDays:
				err = ledger.KeepInactive(ctx, tx, idle)
				idle = nil // kept inactive: nothing is given back
			}
			if err != nil {
				return err
			}
		}
		// updated_at moves with every change, one of the caps or the areas
		// alone too (a black-box pass read the seed's time after a cap
		// was lowered).
		if _, err := tx.ExecContext(ctx, `UPDATE programs SET `+strings.Join(append(sets, "updated_at = now()"), ", ")+` WHERE code = $1`,
			args...); err != nil {
			return referenceError(err)
		}
		if err := s.holdRevived(ctx, tx, idle, ledger.By{KeyID: admin.KeyID, Role: string(admin.Role)}); err != nil {
			return err
		}
		// A stay owes GPRA interviews as its program required them when it
		// was enrolled (enrollments.gpra_required, migration 00121), so a
		// switch off leaves the stays enrolled under it owing theirs, their
		// schedule and past reports as they were (read from the program,
		// the switch took them all out of GPRA: an operations pass). A
		// switch on reaches the stays open today too, as the voucher rules
		// it brings reach their next requests, whose intakes they then
		// record; closed ones stay as they were.
		//
		// Reached so, a stay takes the windows the program requires GPRA
		// with, as one enrolled then would (migration 00083): kept on the
		// program alone, a later change of them rewrote its past, and
		// cleared while GPRA was off they left it owing interviews under
		// no window, its schedule a 500 (an operations pass).
		if p.GPRARequired.Set && p.GPRARequired.Value && !cur.GPRARequired {
			if _, err := tx.ExecContext(ctx, `UPDATE enrollments e SET gpra_required = true,
					gpra_followup_open_days = p.gpra_followup_open_days, gpra_followup_close_days = p.gpra_followup_close_days,
					gpra_discharge_days = p.gpra_discharge_days
				FROM programs p
				WHERE p.code = e.program_code AND e.program_code = $1 AND NOT e.gpra_required
				  AND (e.discharge_date IS NULL OR e.discharge_date >= $2)`,
				code, s.Today()); err != nil {
				return err
			}
		}
		if p.CatchmentAreas.Set {
			var unknown []string
			if err := tx.SelectContext(ctx, &unknown, `SELECT DISTINCT c FROM unnest($1::text[]) c
				WHERE NOT EXISTS (SELECT 1 FROM catchment_areas a WHERE a.code = c) ORDER BY c`, pq.Array(p.CatchmentAreas.Value)); err != nil {
				return err
			}
			if len(unknown) > 0 {
				return rss.Invalid("catchment_areas", "unknown_id", "unknown catchment areas: %s", strings.Join(unknown, ", "))
			}
			if _, err := tx.ExecContext(ctx, `DELETE FROM program_catchment_areas WHERE program_code = $1 AND NOT (area_code = ANY($2))`,
				code, pq.Array(p.CatchmentAreas.Value)); err != nil {
				return err
			}
			if _, err := tx.ExecContext(ctx, `INSERT INTO program_catchment_areas (program_code, area_code) SELECT $1, unnest($2::text[])
				ON CONFLICT DO NOTHING`, code, pq.Array(p.CatchmentAreas.Value)); err != nil {
				return err
			}
		}
		if p.CaseloadCaps.Set {
			if _, err := tx.ExecContext(ctx, `DELETE FROM program_caseload_caps WHERE program_code = $1`, code); err != nil {
				return err
			}
			for role, c := range p.CaseloadCaps.Value {
				_, err := tx.ExecContext(ctx, `INSERT INTO program_caseload_caps (program_code, staff_role, cap) VALUES ($1, $2, $3)`, code, role, c)
				if pg.IsViolation(err, pg.CodeForeignKeyViolation, "program_caseload_caps_role_fkey") {
					return rss.Invalid("caseload_caps."+role, "unknown_role", "no staff role %q", role)
				}
				if err != nil {
					return err
				}
			}
			if err := caseloadRolesHeld(ctx, tx, code); err != nil {
				return err
			}
		}
		if err := access.Record(ctx, tx, access.Event{Action: "update", EntityType: "program", EntityID: code, Outcome: "reference_data"}); err != nil {
			return err
		}
		if err := RecordProgramAreaChanges(ctx, tx, links); err != nil {
			return err
		}
		out, err = loadProgram(ctx, tx, code)
		if err != nil {
			return err
		}
		// An open episode keeps its cap (copied on opening, raised only
		// by a reviewer's exception): an admin who lifted a cap read it
		// lifted while requests of open episodes pended against the old
		// one (an operations black-box pass). The answer says how many.
		if p.EpisodeDollarCap.Set {
			var n int
			if err := tx.GetContext(ctx, &n, `SELECT count(*) FROM episodes WHERE program_code = $1 AND closed_on IS NULL
				AND dollar_cap IS DISTINCT FROM $2::numeric`, code, out.EpisodeDollarCap); err != nil {
				return fmt.Errorf("open episodes keeping their cap: %w", err)
			}
			out.OpenEpisodesKeepingCap = &n
		}
		return access.RecordSetChange(ctx, tx, access.ChangesOfPrograms, code, "caseload_caps", cur.CaseloadCaps, out.CaseloadCaps)
	})
	return out, err
}

// LockProgramAreaLinks locks the relation of programs and catchment areas
// against every other writer of it and reads it (ProgramAreaLinks): the
// before that RecordProgramAreaChanges compares with. Each of its writers
// (a program's PATCH or creation, an area's) reads the whole relation, so
// each takes this lock before any row lock of its own; a lock on its own
// program or area let two admins changing two areas of one program both
// read the set before either change, and the program's history recorded
// {a,b} → {b} and then {a,b} → {} (a review). Readers are not held up:
// the lock is SHARE ROW EXCLUSIVE, which conflicts only with writes of the
// relation and itself.
func LockProgramAreaLinks(ctx context.Context, tx *sqlx.Tx) (map[string][]string, error) {
	if _, err := tx.ExecContext(ctx, `LOCK TABLE program_catchment_areas IN SHARE ROW EXCLUSIVE MODE`); err != nil {
		return nil, fmt.Errorf("lock program areas: %w", err)
	}
	return ProgramAreaLinks(ctx, tx)
}

// ProgramAreaLinks reads which catchment areas each program serves (a
// program serving none is absent): the whole relation, a few rows.
func ProgramAreaLinks(ctx context.Context, ext pg.Ext) (map[string][]string, error) {
	var rows []struct {
		Program string `db:"program_code"`
		Area    string `db:"area_code"`
	}
	if err := sqlx.SelectContext(ctx, ext, &rows, `SELECT program_code, area_code FROM program_catchment_areas
		ORDER BY program_code, area_code`); err != nil {
		return nil, fmt.Errorf("program areas: %w", err)
	}
	out := map[string][]string{}
	for _, r := range rows {
		out[r.Program] = append(out[r.Program], r.Area)
	}
	return out, nil
}

// RecordProgramAreaChanges keeps, in the history of each program and each
// catchment area whose links changed since before (ProgramAreaLinks), its
// set before and after: the link is one fact written from either side (a
// program's catchment_areas, an area's programs), and each side's history
// shows it. A program whose areas changed has its updated_at moved.
func RecordProgramAreaChanges(ctx context.Context, tx *sqlx.Tx, before map[string][]string) error {
	after, err := ProgramAreaLinks(ctx, tx)
	if err != nil {
		return err
	}
	invert := func(m map[string][]string) map[string][]string {
		out := map[string][]string{}
		for p, areas := range m {
			for _, a := range areas {
				out[a] = append(out[a], p)
			}
		}
		for a := range out {
			slices.Sort(out[a])
		}
		return out
	}
	record := func(table, field string, b, a map[string][]string) ([]string, error) {
		var changed []string
		for _, k := range slices.Sorted(maps.Keys(union(b, a))) {
			if slices.Equal(b[k], a[k]) {
				continue
			}
			changed = append(changed, k)
			if err := access.RecordSetChange(ctx, tx, table, k, field, nonNil(b[k]), nonNil(a[k])); err != nil {
				return nil, err
			}
		}
		return changed, nil
	}
	programs, err := record(access.ChangesOfPrograms, "catchment_areas", before, after)
	if err != nil {
		return err
	}
	if _, err := record(access.ChangesOfCatchmentAreas, "programs", invert(before), invert(after)); err != nil {
		return err
	}
	if len(programs) > 0 {
		// Locked in code order first, as a staff member's role change and
		// an enrollment share-lock programs (migration 00100): the update
		// alone took them in the table's order, held RCM and waited for
		// ATR while a role change held ATR and waited for RCM (a review).
		if _, err := tx.ExecContext(ctx, `SELECT 1 FROM programs WHERE code = ANY($1) ORDER BY code FOR NO KEY UPDATE`, pq.Array(programs)); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `UPDATE programs SET updated_at = now() WHERE code = ANY($1)`, pq.Array(programs)); err != nil {
			return err
		}
	}
	return nil
}

func union(a, b map[string][]string) map[string]bool {
	out := map[string]bool{}
	for k := range a {
		out[k] = true
	}
	for k := range b {
		out[k] = true
	}
	return out
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

// checkCatalogName holds a renamed program or service as registry's create holds
// a new one: visible, free text, stored trimmed. The PATCH only refused an
// empty name, and stored control characters, U+202E, U+2028, a name of one
// zero-width space and the padding around it (a black-box pass).
func checkCatalogName(v *rss.ValidationError, name string) {
	if rss.Blank(name) {
		v.Add("name", "required", "name cannot be blank")
		return
	}
	// Told apart with punctuation aside (catalogNameFree), a name of
	// punctuation alone reads as none (a black-box pass).
	if compact(name) == "" {
		v.Add("name", "invalid_format", "name must hold a letter or digit")
		return
	}
	CheckOneLine(v, "name", name, MaxLabelName)
}

// LockNames takes the lock one table's names are written under (the
// transaction's), so two names that read alike written at once do not
// both stand: each writer reads the others' under it.
func LockNames(ctx context.Context, tx *sqlx.Tx, table string) error {
	if _, err := tx.ExecContext(ctx, `SELECT pg_advisory_xact_lock(hashtext('names:' || $1::text))`, table); err != nil {
		return fmt.Errorf("name lock: %w", err)
	}
	return nil
}

// NameKey is a name as it reads with case, spacing, punctuation and
// accents aside, look-alike letters read as the Latin ones (compact): the
// key program, service, staff role and credential type names are told
// apart by. An ampersand reads as "and": "Certified Alcohol & Drug
// Counselor" was taken beside "Certified Alcohol and Drug Counselor" (an
// operations black-box pass).
func NameKey(name string) string {
	// Compatibility forms first: a full-width ＆ is an ampersand too (a
	// re-check of the forty-third stop).
	return compact(strings.ReplaceAll(norm.NFKC.String(name), "&", " and "))
}

// ProgramNameFree refuses a program's name that reads as another
// program's (case, spacing, punctuation and accents aside), and
// ServiceNameFree a service's that reads as another's of its program: an
// agency and a reviewer choose a program and a service by name, and
// "Peer Recovery" beside "Peer recovery" or a second "Transportation" in
// ATR were taken (an operations black-box pass). Services of different
// programs may share a name. code is the entry's own (left out; new for
// a create). Read under the names' lock.
func ProgramNameFree(ctx context.Context, tx *sqlx.Tx, code, name string) error {
	return catalogNameFree(ctx, tx, "programs", "program", "", code, name)
}

// ServiceNameFree: see ProgramNameFree.
func ServiceNameFree(ctx context.Context, tx *sqlx.Tx, program, code, name string) error {
	return catalogNameFree(ctx, tx, "services", "service", program, code, name)
}

// catalogNameFree is ProgramNameFree's and ServiceNameFree's check; table
// is one of the two constants, never input.
func catalogNameFree(ctx context.Context, tx *sqlx.Tx, table, entity, program, code, name string) error {
	if err := LockNames(ctx, tx, table); err != nil {
		return err
	}
	var others []Code
	q := `SELECT code, name FROM ` + table + ` WHERE code <> $1`
	args := []any{code}
	if program != "" {
		q += ` AND program_code = $2`
		args = append(args, program)
	}
	if err := tx.SelectContext(ctx, &others, q, args...); err != nil {
		return err
	}
	for _, o := range others {
		if NameKey(o.Name) == NameKey(name) {
			where := ""
			if program != "" {
				where = " of program " + program
			}
			return rss.Coded(rss.ErrConflict, entity+"_name_taken", "another %s%s (%s) has this name, as it reads", entity, where, o.Code)
		}
	}
	return nil
}

// UpdateSetting changes one system threshold; reason (optional) is kept
// with the change in the setting's history.
func (s *Service) UpdateSetting(ctx context.Context, key string, value *int, reason rss.Optional[string]) (Setting, error) {
	if _, err := access.Require(ctx, access.RoleAdmin); err != nil {
		return Setting{}, err
	}
	// The value is required here, after the role: checked before it, in
	// the handler, another role's empty body read 422 where every other
	// admin write answers 403 (a black-box pass).
	v := &rss.ValidationError{}
	if value == nil {
		v.Add("value", "required", "value is required")
	} else if lo, hi := settingMin(key), settingMax(key); *value < lo || *value > hi {
		v.Add("value", "out_of_range", "value must be between %d and %d", lo, hi)
	}
	why := ChangeReason(v, reason)
	if err := v.Err(); err != nil {
		return Setting{}, err
	}
	var out Setting
	err := s.transact(ctx, func(ctx context.Context, tx *sqlx.Tx) error {
		if err := access.ChangeReason(ctx, tx, why); err != nil {
			return err
		}
		// The value it holds already changes nothing: the setting read
		// "updated" at a time its history (kept by a trigger for each
		// change) could not explain (a black-box pass).
		err := tx.GetContext(ctx, &out, `UPDATE settings SET value = $2, updated_at = now() WHERE key = $1 AND value IS DISTINCT FROM $2
			RETURNING key, value, description, updated_at`, key, *value)
		if errors.Is(err, pg.ErrNoRows) {
			err = tx.GetContext(ctx, &out, `SELECT key, value, description, updated_at FROM settings WHERE key = $1`, key)
			if errors.Is(err, pg.ErrNoRows) {
				return fmt.Errorf("%w: setting %q", rss.ErrNotFound, key)
			}
			return err
		}
		if err != nil {
			return err
		}
		return access.Record(ctx, tx, access.Event{Action: "update", EntityType: "setting", EntityID: key, Outcome: "reference_data"})
	})
	return out, err
}

// ProcedureQualifierHCPCS is the only procedure qualifier (SV101-1) the
// 837P writes; a service stating another would say one thing and bill
// another (a black-box pass stored "H*", an X12 delimiter, and "ZZ").
const ProcedureQualifierHCPCS = "HC"

// referenceRules names the request field and says in words what each
// check on the services a PATCH can break holds; the field named the
// constraint, and the code was one the API documents nowhere.
var referenceRules = map[string]rss.FieldError{
	"services_episode_ge_voucher": {Field: "per_episode_max", Code: "out_of_range", Message: "per_episode_max must be at least per_voucher_max"},
	"services_procedure_pair":     {Field: "procedure_code", Code: "pair_required", Message: "procedure_code and procedure_qualifier go together"},
	"programs_gpra_windows": {Field: "gpra_followup_close_days", Code: "out_of_range",
		Message: "a GPRA program's follow-up window closes after it opens (gpra_followup_close_days more than gpra_followup_open_days), and its follow-up and discharge windows are set"},
	"programs_medicaid_route": {Field: "payer_route", Code: "invalid_value",
		Message: "a Medicaid-funded program is billed by 837P, and only it"},
	"programs_zero_reject_not_clinical": {Field: "zero_reject", Code: "invalid_value",
		Message: "a clinical program is not zero-reject"},
}

// referenceError turns a check violation on reference data into a 422.
func referenceError(err error) error {
	if pe, ok := pg.PgError(err); ok && string(pe.Code) == pg.CodeCheckViolation {
		if f, ok := referenceRules[pe.Constraint]; ok {
			// The server's own sentence, whole: as an argument it was
			// clipped as quoted input is (a re-check).
			return rss.Invalid(f.Field, f.Code, strings.ReplaceAll(f.Message, "%", "%%"))
		}
		return rss.Invalid(pe.Constraint, "constraint_violation", "the change breaks rule %s", pe.Constraint)
	}
	return err
}

// CheckModifiers checks a service's procedure modifiers, as a new
// service's and a change's: at most four, each two capitals or digits,
// none twice. Each 837P line of the service carries them in SV101: U8
// four times was taken (an operations black-box pass).
func CheckModifiers(v *rss.ValidationError, mods []string) {
	if len(mods) > 4 {
		v.Add("modifiers", "too_many", "at most 4 modifiers")
	}
	for i, m := range mods {
		switch {
		case len(m) != 2 || !alnum(m):
			v.Add("modifiers", "invalid_format", "modifier %q must be 2 capital letters or digits", m)
		case slices.Contains(mods[:i], m):
			v.Add("modifiers", "repeated", "modifier %s is given twice", m)
		}
	}
}

func alnum(s string) bool {
	for _, r := range s {
		if !(r >= 'A' && r <= 'Z' || r >= '0' && r <= '9') {
			return false
		}
	}
	return s != ""
}

func validProcedure(s string) bool { return len(s) == 5 && alnum(s) }

// CheckRuleSet validates a program's disabled voucher rule ids against the
// rule set: known ids, none that every program must apply, no repeats.
func CheckRuleSet(v *rss.ValidationError, field string, ids []string) {
	known := map[string]adjudication.VoucherRule{}
	for _, r := range adjudication.VoucherRules() {
		known[r.ID] = r
	}
	seen := map[string]bool{}
	for _, id := range ids {
		r, ok := known[id]
		switch {
		case !ok:
			v.Add(field, "unknown_rule", "no voucher rule %q (GET /v1/reference/voucher-rules lists them)", id)
		case r.Required:
			v.Add(field, "rule_required", "rule %s (%s) applies to every program and cannot be switched off", id, r.Code)
		case seen[id]:
			v.Add(field, "duplicate", "rule %s is listed twice", id)
		}
		seen[id] = true
	}
}

// settingMin is the least a setting may be: every one is a threshold whose
// 0 switches a rule off unseen (a minor age of 0 makes no client a minor,
// so no background check is asked for, SPEC §4; a target of 0 days or
// percent is met by nothing or everything; 0 months of experience made
// every staff member a qualified case manager, a rule that cannot be
// switched off), as black-box passes found.
func settingMin(key string) int {
	if key == "ra_min_age_years" {
		return 14 // the youngest the staff registry hires
	}
	return 1
}

// settingMax bounds a setting by the unit its key ends in: a percentage
// is at most 100, an age in years 120, months 1,200 and any count of days
// MaxProgramDays. Past those a value is a typo, and the rules would do date
// arithmetic with it.
func settingMax(key string) int {
	switch {
	case strings.HasSuffix(key, "_percent"):
		return 100
	case strings.HasSuffix(key, "_years"):
		return 120
	case strings.HasSuffix(key, "_months"):
		return 1200
	}
	return MaxProgramDays
}

// ProgramHistory lists the changes to a program, oldest first (every role,
// as the program is read): its columns and sets (catchment areas, caseload
// caps), before and after, when, why when given, and by whom
// (access.Changes). An area's change of the programs serving it shows here
// too, named by the area's event.
func (s *Service) ProgramHistory(ctx context.Context, code string) ([]access.Change, error) {
	return s.referenceHistory(ctx, access.ChangesOfPrograms, "program", []string{"catchment_area"}, code,
		`SELECT count(*) FROM programs WHERE code = $1`, "program")
}

// ServiceHistory lists the changes to a catalog entry, oldest first (every
// role): its limits, procedure code, modifiers, activity. Its rates are a
// history of their own (GET .../rates).
func (s *Service) ServiceHistory(ctx context.Context, code string) ([]access.Change, error) {
	return s.referenceHistory(ctx, access.ChangesOfServices, "service", nil, code,
		`SELECT count(*) FROM services WHERE code = $1`, "service")
}

// SettingHistory lists the changes to a system threshold, oldest first
// (every role): the value before each change is what held until then.
func (s *Service) SettingHistory(ctx context.Context, key string) ([]access.Change, error) {
	return s.referenceHistory(ctx, access.ChangesOfSettings, "setting", nil, key,
		`SELECT count(*) FROM settings WHERE key = $1`, "setting")
}

func (s *Service) referenceHistory(ctx context.Context, table, entity string, related []string, key, exists, noun string) ([]access.Change, error) {
	a, err := access.ActorFrom(ctx)
	if err != nil {
		return nil, err
	}
	var out []access.Change
	err = s.transact(ctx, func(ctx context.Context, tx *sqlx.Tx) error {
		var n int
		if err := tx.GetContext(ctx, &n, exists, key); err != nil {
			return err
		}
		if n == 0 {
			return fmt.Errorf("%w: %s %q", rss.ErrNotFound, noun, key)
		}
		out, err = access.ChangesByKey(ctx, tx, a, table, entity, related, key)
		return err
	})
	return out, err
}

// caseloadRolesHeld holds a program's new caseload caps to the roles that
// may carry it. Enrollments read which roles may carry a program from its
// caps and the voucher rules read which may deliver its services from the
// roles (adjudication.RoleMayDeliver): a role added to RCM's caps was
// assigned clients every voucher of which was then denied
// STAFF_NOT_QUALIFIED, and a role taken out left the clients it carried
// with vouchers granted under no cap (an operations pass). So a role
// whose staff may not deliver one of the program's services is refused,
// and so is taking out a role while staff of it carry open enrollments
// in the program (reassign them first), as a staff member's role change
// past the caps is (migration 00051). Caps taken out whole leave the
// program uncapped, every role free to carry it, so they are held to the
// same: RCM's taken out let a case manager carry it (a review).
func caseloadRolesHeld(ctx context.Context, tx *sqlx.Tx, program string) error {
	var services []struct {
		Code          string `db:"code"`
		Qualification string `db:"qualification"`
	}
	// Retired services too: one may be made active again.
	if err := tx.SelectContext(ctx, &services, `SELECT code, qualification FROM services WHERE program_code = $1 ORDER BY code`,
		program); err != nil {
		return fmt.Errorf("program services: %w", err)
	}
	for _, svc := range services {
		role, capped, err := UndeliverableCaseloadRole(ctx, tx, program, svc.Qualification)
		switch {
		case err != nil:
			return err
		case role != "" && capped:
			return rss.Invalid("caseload_caps."+role, "role_not_qualified",
				"staff of role %s may not deliver %s, a service of %s, by their role; list only roles that may", role, svc.Code, program)
		case role != "":
			return rss.Invalid("caseload_caps", "role_not_qualified",
				"with no caps staff of every role may carry %s, and staff of role %s may not deliver %s by their role; list the roles that may",
				program, role, svc.Code)
		}
	}
	var out []struct {
		Role  string `db:"role"`
		Count int    `db:"n"`
	}
	if err := tx.SelectContext(ctx, &out, `SELECT s.role, count(*) AS n FROM enrollments e JOIN staff s ON s.id = e.assigned_staff_id
		WHERE e.program_code = $1 AND e.discharge_date IS NULL
		  AND EXISTS (SELECT 1 FROM program_caseload_caps c WHERE c.program_code = $1)
		  AND NOT EXISTS (SELECT 1 FROM program_caseload_caps c WHERE c.program_code = $1 AND c.staff_role = s.role)
		GROUP BY s.role ORDER BY s.role LIMIT 1`, program); err != nil {
		return fmt.Errorf("caseload roles in use: %w", err)
	}
	if len(out) > 0 {
		return rss.Coded(rss.ErrConflict, "caseload_role_in_use",
			"staff of role %s carry %d open %s enrollments; reassign them (or keep the role in caseload_caps) before it leaves the caps",
			out[0].Role, out[0].Count, program)
	}
	return nil
}

// holdCaseloadCaps keeps program's caseload caps as the transaction reads
// them until it ends: the program's row FOR SHARE, which UpdateProgram's
// FOR UPDATE waits for and which waits for it (other enrollments' shares
// and foreign-key checks pass). Without it an enrollment or reassignment
// read a role in the caps, a PATCH took the role out, counted no
// enrollment of it and committed, and the enrollment then committed
// under a role the caps no longer list (a review). A staff member's role
// change takes the same lock in its trigger (migration 00100).
func holdCaseloadCaps(ctx context.Context, tx *sqlx.Tx, program string) error {
	if _, err := tx.ExecContext(ctx, `SELECT 1 FROM programs WHERE code = $1 FOR SHARE`, program); err != nil {
		return fmt.Errorf("hold caseload caps: %w", err)
	}
	return nil
}

// carriers is who may carry program's enrollments: the roles of its
// caseload caps, or every role when it has none (capped is false).
func carriers(ctx context.Context, ext pg.Ext, program string) (roles []string, capped bool, err error) {
	if err := sqlx.SelectContext(ctx, ext, &roles, `SELECT staff_role FROM program_caseload_caps WHERE program_code = $1
		ORDER BY staff_role`, program); err != nil {
		return nil, false, fmt.Errorf("caseload roles: %w", err)
	}
	if len(roles) > 0 {
		return roles, true, nil
	}
	if err := sqlx.SelectContext(ctx, ext, &roles, `SELECT code FROM staff_roles ORDER BY code`); err != nil {
		return nil, false, fmt.Errorf("staff roles: %w", err)
	}
	return roles, false, nil
}

// UndeliverableCaseloadRole is the first role that may carry program's
// enrollments (its caseload caps', or every role when it has none) whose
// staff may not deliver a service of qualification by their role
// (adjudication.RoleMayDeliver); empty when there is none. A service
// added to a program is held to it (registry), judged alone: judging the
// program's other services too blamed the new one for an old one's
// (a review). capped says whether the roles were the caps'.
func UndeliverableCaseloadRole(ctx context.Context, ext pg.Ext, program, qualification string) (role string, capped bool, err error) {
	roles, capped, err := carriers(ctx, ext, program)
	if err != nil {
		return "", false, err
	}
	for _, r := range roles {
		if !adjudication.RoleMayDeliver(qualification, r) {
			return r, capped, nil
		}
	}
	return "", capped, nil
}
