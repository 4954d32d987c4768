package vouchers

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"time"

	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"

	"rss"
	"rss/access"
	"rss/adjudication"
	"rss/pg"
)

// CarePlan is an RSS care plan or a waiver recovery plan with its planned services.
type CarePlan struct {
	ID          int64            `json:"id" db:"id"`
	ClientID    int64            `json:"client_id" db:"client_id"`
	ProviderID  int64            `json:"provider_id" db:"provider_id"`
	ProgramCode string           `json:"program_code" db:"program_code"`
	Kind        string           `json:"kind" db:"kind"`
	StartDate   rss.Date         `json:"start_date" db:"start_date"`
	EndDate     rss.Date         `json:"end_date" db:"end_date"`
	ClosedAt    *time.Time       `json:"closed_at" db:"closed_at"`
	CreatedAt   time.Time        `json:"created_at" db:"created_at"`
	Services    []PlannedService `json:"services" db:"-"`
	ServicesRaw []byte           `json:"-" db:"services"`
}

// PlannedService is one service in a plan.
type PlannedService struct {
	ServiceCode  string `json:"service_code"`
	UnitsPlanned *int   `json:"units_planned"`
}

// NewCarePlan records a plan.
type NewCarePlan struct {
	ClientID    int64            `json:"client_id"`
	ProgramCode string           `json:"program_code"`
	Kind        string           `json:"kind"`
	StartDate   rss.Date         `json:"start_date"`
	EndDate     rss.Date         `json:"end_date"`
	Services    []PlannedService `json:"services"`
}

const carePlanColumns = `cp.id, cp.client_id, cp.provider_id, cp.program_code, cp.kind, cp.start_date, cp.end_date, cp.closed_at, cp.created_at,
	COALESCE((SELECT json_agg(json_build_object('service_code', s.service_code, 'units_planned', s.units_planned) ORDER BY s.service_code)
	          FROM care_plan_services s WHERE s.care_plan_id = cp.id), '[]') AS services`

func (p *CarePlan) decode() error { return json.Unmarshal(p.ServicesRaw, &p.Services) }

// CreateCarePlan records a care plan written by the caller's agency.
func (s *Service) CreateCarePlan(ctx context.Context, n NewCarePlan) (CarePlan, error) {
	a, err := access.Require(ctx, access.RoleProvider)
	if err != nil {
		return CarePlan{}, err
	}
	v := &rss.ValidationError{}
	v.RequireID("client_id", n.ClientID)
	if n.ProgramCode == "" {
		v.Add("program_code", "required", "program_code is required")
	}
	if n.Kind != "rss_care_plan" && n.Kind != "waiver_recovery_plan" {
		v.Add("kind", "invalid_value", "kind must be rss_care_plan or waiver_recovery_plan")
	}
	if n.StartDate.IsZero() {
		v.Add("start_date", "required", "start_date is required")
	}
	if !n.EndDate.IsZero() && n.EndDate.Before(n.StartDate) {
		v.Add("end_date", "before_start", "end_date is before start_date")
	}
	// An end at most as far ahead as an enrollment's planned end: a plan
	// ending in 2999, a year mistyped, was taken and would have covered
	// the service's vouchers for centuries (a black-box pass). A plan
	// meant to run longer is replaced by a new one, as it is renewed.
	if latest := n.StartDate.AddDays(maxEligibilityEndDays); !n.StartDate.IsZero() && n.EndDate.After(latest) {
		v.Add("end_date", "out_of_range", "end_date is at most %d days after start_date (%s)", maxEligibilityEndDays, latest)
	}
	if len(n.Services) == 0 {
		v.Add("services", "required", "a plan lists at least one service")
	}
	seen := map[string]bool{}
	for i, ps := range n.Services {
		f := fmt.Sprintf("services[%d]", i)
		if ps.ServiceCode == "" {
			v.Add(f+".service_code", "required", "service_code is required")
		}
		if seen[ps.ServiceCode] {
			v.Add(f+".service_code", "duplicate", "service %s is listed twice", ps.ServiceCode)
		}
		seen[ps.ServiceCode] = true
		if ps.UnitsPlanned != nil && (*ps.UnitsPlanned <= 0 || *ps.UnitsPlanned > maxUnits) {
			v.Add(f+".units_planned", "out_of_range", "units_planned must be between 1 and %d", maxUnits)
		}
	}
	if err := v.Err(); err != nil {
		return CarePlan{}, err
	}
	var out CarePlan
	err = write(ctx, s, &out, func(ctx context.Context, tx *sqlx.Tx) error {
		if err := canSeeClient(ctx, tx, a, n.ClientID); err != nil {
			return rss.Invalid("client_id", "unknown_id", "no client %d", n.ClientID)
		}
		prog, err := loadProgram(ctx, tx, n.ProgramCode)
		if errors.Is(err, rss.ErrNotFound) {
			return rss.Invalid("program_code", "unknown_id", "no program %q", n.ProgramCode)
		} else if err != nil {
			return err
		}
		// A waiver recovery plan is the Medicaid waiver's own plan: one for
		// ATR was taken (a black-box pass) and met no rule.
		if n.Kind == adjudication.PlanWaiverRecovery && !prog.RequiresWaiverPlan {
			return rss.Invalid("kind", "invalid_value", "%s is not a waiver program: its plan is an rss_care_plan", prog.Code)
		}
		// As an enrollment is held (a black-box pass took a plan in a
		// program the agency does not deliver, and one from 1901): the
		// agency delivers the program, and the plan starts on or after the
		// client's birth and at most maxLeadDays ahead. Plans may overlap:
		// the rules read the services of every live plan together, so a
		// second plan adds services to the first.
		if err := agencyDelivers(ctx, tx, a.ProviderID, prog.Code); err != nil {
			return err
		}
		var born rss.Date
		if err := tx.GetContext(ctx, &born, `SELECT date_of_birth FROM clients WHERE id = $1 FOR NO KEY UPDATE`, n.ClientID); err != nil {
			return err
		}
		if n.StartDate.Before(born) {
			return rss.Invalid("start_date", "before_birth", "start_date is before the client's date of birth %s", born)
		}
		if latest := s.Today().AddDays(maxLeadDays); n.StartDate.After(latest) {
			return rss.Invalid("start_date", "out_of_range", "start_date is at most %d days ahead (%s)", maxLeadDays, latest)
		}
		for i, ps := range n.Services {
			var prog string
			err := tx.GetContext(ctx, &prog, `SELECT program_code FROM services WHERE code = $1`, ps.ServiceCode)
			if errors.Is(err, pg.ErrNoRows) {
				return rss.Invalid(fmt.Sprintf("services[%d].service_code", i), "unknown_id", "no service %q", ps.ServiceCode)
			}
			if err != nil {
				return err
			}
			if prog != n.ProgramCode {
				return rss.Invalid(fmt.Sprintf("services[%d].service_code", i), "wrong_program", "service %s belongs to %s", ps.ServiceCode, prog)
			}
		}
		// A copy of an open plan of the agency's (the same kind, dates,
		// services and units) is one plan sent twice: every other record
		// an agency files once refuses its copy, and ten plans sent at
		// once under ten keys made ten (an idempotency black-box pass of
		// the forty-seventh stop). The client's row, held above, orders
		// copies sent at once. A plan that differs in anything is kept:
		// plans may overlap.
		planned := make([]string, len(n.Services))
		for i, ps := range n.Services {
			planned[i] = ps.ServiceCode + ":"
			if ps.UnitsPlanned != nil {
				planned[i] += strconv.Itoa(*ps.UnitsPlanned)
			}
		}
		slices.Sort(planned)
		var copyOf int64
		err = tx.GetContext(ctx, &copyOf, `SELECT cp.id FROM care_plans cp
			WHERE cp.client_id = $1 AND cp.provider_id = $2 AND cp.program_code = $3 AND cp.kind = $4
			  AND cp.start_date = $5 AND cp.end_date IS NOT DISTINCT FROM $6 AND cp.closed_at IS NULL
			  AND (SELECT array_agg(p.planned ORDER BY p.planned COLLATE "C") FROM (
			         SELECT s.service_code || ':' || COALESCE(s.units_planned::text, '') AS planned
			         FROM care_plan_services s WHERE s.care_plan_id = cp.id) p) = $7::text[]
			ORDER BY cp.id LIMIT 1`, n.ClientID, a.ProviderID, n.ProgramCode, n.Kind, n.StartDate, n.EndDate, pq.Array(planned))
		switch {
		case err == nil:
			return rss.Coded(rss.ErrConflict, "care_plan_exists",
				"care plan %d, open, has this kind, these dates and these services: a plan is recorded once (one that differs in anything is a new plan)", copyOf)
		case !errors.Is(err, pg.ErrNoRows):
			return fmt.Errorf("care plan on file: %w", err)
		}
		var id int64
		if err := tx.GetContext(ctx, &id, `INSERT INTO care_plans (client_id, provider_id, program_code, kind, start_date, end_date)
			VALUES ($1, $2, $3, $4, $5, $6) RETURNING id`, n.ClientID, a.ProviderID, n.ProgramCode, n.Kind, n.StartDate, n.EndDate); err != nil {
			return fmt.Errorf("create care plan: %w", err)
		}
		for _, ps := range n.Services {
			if _, err := tx.ExecContext(ctx, `INSERT INTO care_plan_services (care_plan_id, service_code, units_planned) VALUES ($1, $2, $3)`,
				id, ps.ServiceCode, ps.UnitsPlanned); err != nil {
				return err
			}
		}
		if err := tx.GetContext(ctx, &out, `SELECT `+carePlanColumns+` FROM care_plans cp WHERE cp.id = $1`, id); err != nil {
			return err
		}
		if err := out.decode(); err != nil {
			return err
		}
		return access.Record(ctx, tx, access.Event{Action: "create", EntityType: "care_plan", EntityID: access.ID(id), ClientID: n.ClientID})
	})
	return out, err
}

// CarePlan reads one plan.
func (s *Service) CarePlan(ctx context.Context, id int64) (CarePlan, error) {
	a, err := access.ActorFrom(ctx)
	if err != nil {
		return CarePlan{}, err
	}
	var out CarePlan
	err = s.transact(ctx, func(ctx context.Context, tx *sqlx.Tx) error {
		err := tx.GetContext(ctx, &out, `SELECT `+carePlanColumns+` FROM care_plans cp WHERE cp.id = $1`, id)
		if errors.Is(err, pg.ErrNoRows) {
			return fmt.Errorf("%w: care plan %d", rss.ErrNotFound, id)
		}
		if err != nil {
			return err
		}
		if err := canSeeAgencyRecord(ctx, tx, a, out.ClientID, out.ProviderID, s.Today(), recordsCarePlans, "care plan", id); err != nil {
			return err
		}
		if err := out.decode(); err != nil {
			return err
		}
		events := append(disclosures(a, "care_plan", disclosed{access.ID(id), out.ClientID, out.ProviderID}),
			access.Event{Action: "read", EntityType: "care_plan", EntityID: access.ID(id), ClientID: out.ClientID})
		return access.Record(ctx, tx, events...)
	})
	return out, err
}

// CloseCarePlan closes a plan: it no longer supports new requests.
func (s *Service) CloseCarePlan(ctx context.Context, id int64) (CarePlan, error) {
	a, err := access.Require(ctx, access.RoleProvider)
	if err != nil {
		return CarePlan{}, err
	}
	var out CarePlan
	err = write(ctx, s, &out, func(ctx context.Context, tx *sqlx.Tx) error {
		var owner int64
		var closed *time.Time
		err := tx.QueryRowxContext(ctx, `SELECT provider_id, closed_at FROM care_plans WHERE id = $1 FOR UPDATE`, id).Scan(&owner, &closed)
		if errors.Is(err, pg.ErrNoRows) || (err == nil && owner != a.ProviderID) {
			return fmt.Errorf("%w: care plan %d", rss.ErrNotFound, id)
		}
		if err != nil {
			return err
		}
		if closed != nil {
			return rss.Coded(rss.ErrConflict, "already_closed", "care plan %d is already closed", id)
		}
		if _, err := tx.ExecContext(ctx, `UPDATE care_plans SET closed_at = $2 WHERE id = $1`, id, s.now()); err != nil {
			return err
		}
		if err := tx.GetContext(ctx, &out, `SELECT `+carePlanColumns+` FROM care_plans cp WHERE cp.id = $1`, id); err != nil {
			return err
		}
		if err := out.decode(); err != nil {
			return err
		}
		return access.Record(ctx, tx, access.Event{Action: "close", EntityType: "care_plan", EntityID: access.ID(id), ClientID: out.ClientID})
	})
	return out, err
}

// ClientCarePlans lists a client's plans the actor may see.
func (s *Service) ClientCarePlans(ctx context.Context, clientID int64) ([]CarePlan, error) {
	out, err := clientRecords(ctx, s, clientID, recordsCarePlans, `SELECT `+carePlanColumns+` FROM care_plans cp
		WHERE cp.client_id IN (SELECT id FROM clients WHERE person_id = $1)
		  AND ($2::bigint[] IS NULL OR cp.provider_id = ANY($2)) ORDER BY cp.id`,
		func(p *CarePlan) (int64, int64) { return p.ClientID, p.ProviderID }, nil)
	if err != nil {
		return nil, err
	}
	for i := range out {
		if err := out[i].decode(); err != nil {
			return nil, err
		}
	}
	return out, nil
}
