package vouchers

import (
	"context"
	"errors"
	"fmt"

	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"
	"github.com/shopspring/decimal"

	"rss"
	"rss/adjudication"
	"rss/ledger"
	"rss/pg"
)

// ruleClient reads the client facts the rules use.
func ruleClient(ctx context.Context, ext pg.Ext, id int64) (adjudication.Client, error) {
	var c Client
	err := sqlx.GetContext(ctx, ext, &c, `SELECT id, date_of_birth, medicaid_id, catchment_area, substance_use_status FROM clients WHERE id = $1`, id)
	if err != nil {
		return adjudication.Client{}, fmt.Errorf("client facts: %w", err)
	}
	return RuleClient(&c), nil
}

// RuleClient converts a client to the adjudicator's view.
func RuleClient(c *Client) adjudication.Client {
	return adjudication.Client{ID: c.ID, DateOfBirth: c.DateOfBirth.Time, HasMedicaidID: c.MedicaidID != nil,
		CatchmentArea: c.CatchmentArea, SubstanceUse: c.SubstanceUseStatus}
}

// ClientAddress is the client's postal address as the 837P checks see it.
func ClientAddress(c *Client) adjudication.PostalAddress {
	return adjudication.PostalAddress{Line1: deref(c.AddressLine1), City: deref(c.City), State: deref(c.State), Zip: deref(c.Zip)}
}

// ProviderAddress is the agency's postal address as the 837P checks see it.
func ProviderAddress(p *Provider) adjudication.PostalAddress {
	return adjudication.PostalAddress{Line1: p.AddressLine1, City: p.City, State: p.State, Zip: p.Zip}
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}

// RuleEnrollment converts an enrollment to the adjudicator's view.
func RuleEnrollment(e *Enrollment) *adjudication.Enrollment {
	if e == nil {
		return nil
	}
	out := &adjudication.Enrollment{ID: e.ID, ProviderID: e.ProviderID, ProgramCode: e.ProgramCode, EpisodeID: e.EpisodeID,
		Start: e.StartDate.Time, PlannedEnd: e.PlannedEndDate.Time, Discharge: e.DischargeDate.Time, PrimaryCaseManager: e.PrimaryCaseManager}
	if e.AssignedStaffID != nil {
		out.AssignedStaffID = *e.AssignedStaffID
	}
	return out
}

// RuleConsents reads the client's consents as the rules see them.
func RuleConsents(ctx context.Context, ext pg.Ext, clientID int64) ([]adjudication.Consent, error) {
	var rows []Consent
	if err := sqlx.SelectContext(ctx, ext, &rows, `SELECT `+consentColumns+` FROM consents WHERE client_id = $1 ORDER BY id`, clientID); err != nil {
		return nil, fmt.Errorf("consent facts: %w", err)
	}
	out := make([]adjudication.Consent, len(rows))
	for i, c := range rows {
		out[i] = adjudication.Consent{DisclosingProviderID: c.DisclosingProviderID, RecipientType: c.RecipientType,
			Purposes: c.Purposes, SignedOn: c.SignedOn.Time, ExpiresOn: c.ExpiresOn.Time, Revoked: c.RevokedAt != nil}
	}
	return out, nil
}

// RuleAuthorizations reads the person's authorizations in a program, from
// every agency, as the rules see them.
func RuleAuthorizations(ctx context.Context, ext pg.Ext, personID int64, program string) ([]adjudication.Authorization, error) {
	rows, err := ledger.OfPerson(ctx, ext, personID, program)
	if err != nil {
		return nil, err
	}
	out := make([]adjudication.Authorization, len(rows))
	for i := range rows {
		out[i] = rows[i].Rule()
	}
	return out, nil
}

// gatherVoucherFacts builds the snapshot for one request inside tx. The
// episode row is locked first so two requests for the same client and
// program are decided one after the other against the same totals.
func (s *Service) gatherVoucherFacts(ctx context.Context, tx *sqlx.Tx, providerID int64, n *NewVoucherRequest, prog *Program, svc *CatalogService) (*adjudication.VoucherFacts, *Enrollment, error) {
	today := s.Today()
	f := &adjudication.VoucherFacts{
		Today: today.Time,
		Request: adjudication.VoucherRequest{ProviderID: providerID, ProgramCode: prog.Code, ServiceCode: svc.Code,
			Units: n.Units, Start: n.StartDate.Time, End: n.EndDate.Time},
		Program: RuleProgram(prog),
		Service: RuleService(svc),
	}

	var enr *Enrollment
	var e Enrollment
	var err error
	if n.EnrollmentID != nil {
		err = tx.GetContext(ctx, &e, `SELECT `+enrollmentColumns+` FROM enrollments e WHERE e.id = $1 AND e.client_id = $2 AND e.provider_id = $3`,
			*n.EnrollmentID, n.ClientID, providerID)
		if errors.Is(err, pg.ErrNoRows) {
			return nil, nil, rss.Invalid("enrollment_id", "unknown_id", "no enrollment %d of this client with this agency", *n.EnrollmentID)
		}
	} else {
		// The open enrollment, else the latest that began by the start date.
		err = tx.GetContext(ctx, &e, `SELECT `+enrollmentColumns+` FROM enrollments e
			WHERE e.client_id = $1 AND e.provider_id = $2 AND e.program_code = $3
			ORDER BY e.discharge_date IS NULL DESC, e.start_date DESC, e.id DESC LIMIT 1`, n.ClientID, providerID, prog.Code)
		if errors.Is(err, pg.ErrNoRows) {
			err = nil
		} else if err == nil {
			enr = &e
		}
	}
	if err != nil {
		return nil, nil, fmt.Errorf("enrollment facts: %w", err)
	}
	if n.EnrollmentID != nil {
		enr = &e
	}
	f.Enrollment = RuleEnrollment(enr)
	if enr != nil {
		// The episode's own cap governs: it is the program's cap when the
		// episode opened, raised only by a reviewer's recorded exception.
		epCap, err := ledger.LockEpisode(ctx, tx, enr.EpisodeID)
		if err != nil {
			return nil, nil, err
		}
		if epCap != nil {
			f.Program.HasDollarCap, f.Program.EpisodeDollarCap = true, epCap.Decimal
		}
	}

	if f.Client, err = ruleClient(ctx, tx, n.ClientID); err != nil {
		return nil, nil, err
	}
	var personID int64
	if err := tx.GetContext(ctx, &personID, `SELECT person_id FROM clients WHERE id = $1`, n.ClientID); err != nil {
		return nil, nil, fmt.Errorf("client person: %w", err)
	}
	// The agencies whose records this requester may rely on: its own, and
	// those whose current consent names it (GPRA done elsewhere, say).
	consenting, err := consentingAgencies(ctx, tx, personID, providerID, today)
	if err != nil {
		return nil, nil, err
	}
	visible := append([]int64{providerID}, consenting...)
	prov, err := loadProvider(ctx, tx, providerID)
	if err != nil {
		return nil, nil, err
	}
	f.Provider = RuleProvider(&prov)
	if f.Consents, err = RuleConsents(ctx, tx, n.ClientID); err != nil {
		return nil, nil, err
	}
	if f.Settings, err = LoadSettings(ctx, tx); err != nil {
		return nil, nil, err
	}

	if enr != nil && prog.GPRARequired {
		var g struct {
			IntakeDate rss.Date `db:"intake_date"`
			Followup   bool     `db:"followup"`
		}
		err := tx.GetContext(ctx, &g, `SELECT
			(SELECT min(interview_date) FROM gpra_interviews WHERE episode_id = $1 AND kind = 'intake' AND status = 'completed'
			   AND provider_id = ANY($2)) AS intake_date,
			EXISTS (SELECT 1 FROM gpra_interviews WHERE episode_id = $1 AND kind = 'follow_up' AND provider_id = ANY($2)) AS followup`,
			enr.EpisodeID, pq.Array(visible))
		if err != nil {
			return nil, nil, fmt.Errorf("gpra facts: %w", err)
		}
		f.GPRA = adjudication.GPRA{IntakeCompleted: !g.IntakeDate.IsZero(), IntakeDate: g.IntakeDate.Time, FollowupRecorded: g.Followup}
	}

	staffID := int64(0)
	if n.StaffID != nil {
		staffID = *n.StaffID
	} else if enr != nil && enr.AssignedStaffID != nil {
		staffID = *enr.AssignedStaffID
	}
	if staffID != 0 {
		ids := []int64{staffID}
		var sup *int64
		if err := tx.GetContext(ctx, &sup, `SELECT supervisor_id FROM staff WHERE id = $1`, staffID); err != nil {
			return nil, nil, fmt.Errorf("staff facts: %w", err)
		}
		if sup != nil {
			ids = append(ids, *sup)
		}
		staff, err := LoadStaff(ctx, tx, ids)
		if err != nil {
			return nil, nil, err
		}
		f.Staff = RuleStaff(staff[staffID], staff)
		if err := tx.GetContext(ctx, &f.Caseload, `SELECT count(*) FROM enrollments
			WHERE assigned_staff_id = $1 AND program_code = $2 AND discharge_date IS NULL AND client_id <> $3`,
			staffID, prog.Code, n.ClientID); err != nil {
			return nil, nil, fmt.Errorf("caseload facts: %w", err)
		}
	}

	var plans []CarePlan
	if err := tx.SelectContext(ctx, &plans, `SELECT `+carePlanColumns+` FROM care_plans cp WHERE cp.client_id = $1 AND cp.program_code = $2 ORDER BY cp.id`, n.ClientID, prog.Code); err != nil {
		return nil, nil, fmt.Errorf("care plan facts: %w", err)
	}
	for i := range plans {
		if err := plans[i].decode(); err != nil {
			return nil, nil, err
		}
		p := adjudication.CarePlan{Kind: plans[i].Kind, ProgramCode: plans[i].ProgramCode, Start: plans[i].StartDate.Time,
			End: plans[i].EndDate.Time, Closed: plans[i].ClosedAt != nil}
		for _, ps := range plans[i].Services {
			p.Services = append(p.Services, ps.ServiceCode)
		}
		f.CarePlans = append(f.CarePlans, p)
	}

	if f.Authorizations, err = RuleAuthorizations(ctx, tx, personID, prog.Code); err != nil {
		return nil, nil, err
	}
	if enr != nil {
		var others []Enrollment
		if err := tx.SelectContext(ctx, &others, `SELECT `+enrollmentColumns+` FROM enrollments e
			WHERE e.episode_id = $1 AND e.provider_id <> $2 ORDER BY e.id`, enr.EpisodeID, providerID); err != nil {
			return nil, nil, fmt.Errorf("episode enrollments: %w", err)
		}
		for i := range others {
			f.OtherEnrollments = append(f.OtherEnrollments, *RuleEnrollment(&others[i]))
		}
	}
	f.EpisodeDollarsAuthorized = decimal.Zero
	if enr != nil {
		f.EpisodeUnitsAuthorized, f.EpisodeDollarsAuthorized = ledger.EpisodeTotals(f.Authorizations, enr.EpisodeID, svc.Code, f.Today)
	}

	err = tx.QueryRowxContext(ctx, `SELECT
		EXISTS (SELECT 1 FROM enrollments e JOIN programs p ON p.code = e.program_code
		        WHERE e.client_id = $1 AND p.clinical AND e.discharge_date IS NULL),
		EXISTS (SELECT 1 FROM voucher_requests v JOIN programs p ON p.code = v.program_code
		        WHERE v.client_id = $1 AND p.clinical AND v.decision = 'pended')`, n.ClientID).
		Scan(&f.HasClinicalEnrollment, &f.PendedClinicalRequest)
	if err != nil {
		return nil, nil, fmt.Errorf("clinical facts: %w", err)
	}
	return f, enr, nil
}
