package vouchers

import (
	"context"
	"fmt"
	"strings"

	"github.com/jmoiron/sqlx"

	"rss"
	"rss/access"
	"rss/ledger"
)

// StartCorrection moves a stay's start while it has not begun.
type StartCorrection struct {
	StartDate rss.Date `json:"start_date"`
	Reason    string   `json:"reason"`
}

// CorrectStart corrects the start of an enrollment that has not begun (a
// mistyped year, a client who came earlier or later than planned). One
// entered a year ahead with a voucher granted on it could be neither
// discharged (no stay not begun is) nor withdrawn (a decided request keeps
// it), and held the program against the agency's correct enrollment until
// the day came (a black-box pass). The new day is judged as an
// enrollment's start is (CreateEnrollment): not ahead by more than the
// lead, not before the client's birth or the agency's first agreement, not
// on a day the agency is out of service, not before its own earlier stay
// in the program ended, and its assigned staff employed that day. A later
// day may not leave the stay's own records before it (a live
// authorization, a GPRA interview, a program record): those were judged
// against the stay as entered. The person's episode is judged again on the
// new day (ledger.EpisodeForNewStart) without any answer telling which.
func (s *Service) CorrectStart(ctx context.Context, id int64, c StartCorrection) (Enrollment, error) {
	a, err := access.Require(ctx, access.RoleProvider, access.RoleAdmin)
	if err != nil {
		return Enrollment{}, err
	}
	v := &rss.ValidationError{}
	if c.StartDate.IsZero() {
		v.Add("start_date", "required", "start_date is required: the day the stay starts")
	}
	requireReason(v, c.Reason, "reason is required: why the start is corrected")
	if err := v.Err(); err != nil {
		return Enrollment{}, err
	}
	on := c.StartDate
	var out Enrollment
	err = write(ctx, s, &out, func(ctx context.Context, tx *sqlx.Tx) error {
		defer out.shownTo(a) // what the request answers, and a retry replays
		e, err := s.lockOpenEnrollment(ctx, tx, a, id)
		if err != nil {
			return err
		}
		today := s.Today()
		if !e.StartDate.After(today) {
			return rss.Coded(rss.ErrConflict, "already_begun",
				"enrollment %d began on %s: only a stay not begun has its start corrected (discharge it instead)", id, e.StartDate)
		}
		if on.Equal(e.StartDate) {
			return rss.Invalid("start_date", "unchanged", "enrollment %d already starts on %s", id, on)
		}
		if !a.IsProvider() {
			if err := s.CheckMSCText(ctx, tx, e.ClientID, e.ProviderID, "reason", c.Reason); err != nil {
				return err
			}
		}
		if err := s.judgeNewStart(ctx, tx, &e, on, today); err != nil {
			return err
		}
		// The stay's authorizations and their episode are locked as claims
		// intake locks them (authorizations in id order, then episodes),
		// before the episodes change: a claim for the client, which locks
		// all its authorizations with the agency, waits or is waited for
		// rather than meeting this in the other order.
		var auths []int64
		if err := tx.SelectContext(ctx, &auths, `SELECT id FROM authorizations WHERE enrollment_id = $1 ORDER BY id`, id); err != nil {
			return fmt.Errorf("the stay's authorizations: %w", err)
		}
		if err := ledger.LockAll(ctx, tx, auths); err != nil {
			return err
		}
		prog, err := loadProgram(ctx, tx, e.ProgramCode)
		if err != nil {
			return err
		}
		stay := ledger.Stay{EnrollmentID: id, EpisodeID: e.EpisodeID, PersonID: e.PersonID, Program: e.ProgramCode}
		episode, err := ledger.EpisodeForNewStart(ctx, tx, stay, on, prog.EpisodeDollarCap, s.Today(), s.now())
		if err != nil {
			return err
		}
		if err := tx.GetContext(ctx, &out, `UPDATE enrollments e SET start_date = $2, episode_id = $3 WHERE id = $1
			RETURNING `+enrollmentColumns, id, on, episode); err != nil {
			return fmt.Errorf("correct start: %w", err)
		}
		if err := ledger.MoveStay(ctx, tx, id, e.EpisodeID, episode); err != nil {
			return err
		}
		if on.Before(e.StartDate) {
			if err := pastLengthOfService(ctx, tx, &out, prog); err != nil {
				return err
			}
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO enrollment_start_corrections (enrollment_id, from_date, to_date, reason,
				actor_key_id, corrected_at) VALUES ($1, $2, $3, $4, $5, $6)`,
			id, e.StartDate, on, c.Reason, a.KeyID, s.now()); err != nil {
			return fmt.Errorf("record start correction: %w", err)
		}
		return access.Record(ctx, tx, access.Event{Action: "correct_start", EntityType: "enrollment", EntityID: access.ID(id),
			ClientID: e.ClientID, Outcome: fmt.Sprintf("start %s corrected to %s: %s", e.StartDate, on, c.Reason)})
	})
	return out, err
}

// judgeNewStart refuses a corrected start on that CreateEnrollment would
// refuse, or one that leaves the stay's own records before it. Every
// refusal is about the agency's own stay, client or agreement: nothing
// another agency holds decides one.
func (s *Service) judgeNewStart(ctx context.Context, tx *sqlx.Tx, e *Enrollment, on, today rss.Date) error {
	if latest := today.AddDays(maxLeadDays); on.After(latest) {
		return rss.Invalid("start_date", "out_of_range", "start_date is at most %d days ahead (%s)", maxLeadDays, latest)
	}
	if !e.PlannedEndDate.IsZero() && e.PlannedEndDate.Before(on) {
		return rss.Invalid("start_date", "after_planned_end", "start_date is after the enrollment's planned end, %s", e.PlannedEndDate)
	}
	// The planned end stays within an enrollment's reach of its start, as
	// at an enrollment: moved earlier, a start left one past it (a
	// re-check).
	if latest := on.AddDays(maxEligibilityEndDays); !e.PlannedEndDate.IsZero() && e.PlannedEndDate.After(latest) {
		return rss.Invalid("start_date", "out_of_range", "the enrollment's planned end, %s, is at most %d days after its start: "+
			"start_date is on or after %s", e.PlannedEndDate, maxEligibilityEndDays, e.PlannedEndDate.AddDays(-maxEligibilityEndDays))
	}
	var f struct {
		Born      rss.Date  `db:"born"`
		FirstDeal *rss.Date `db:"first_deal"`
		Employed  *bool     `db:"employed"`
	}
	if err := tx.GetContext(ctx, &f, `SELECT c.date_of_birth AS born,
			(SELECT min(start_date) FROM provider_agreements WHERE provider_id = $2) AS first_deal,
			(SELECT `+EmployedOn("$3")+` FROM staff WHERE id = $4) AS employed
		FROM clients c WHERE c.id = $1`, e.ClientID, e.ProviderID, on, e.AssignedStaffID); err != nil {
		return fmt.Errorf("new start's facts: %w", err)
	}
	if on.Before(f.Born) {
		return rss.Invalid("start_date", "before_birth", "start_date is before the client's date of birth %s", f.Born)
	}
	if f.FirstDeal != nil && on.Before(*f.FirstDeal) {
		return rss.Invalid("start_date", "before_agreement", "start_date is before the agency's first agreement, from %s", *f.FirstDeal)
	}
	if from, out, err := outOfService(ctx, tx, e.ProviderID, on); err != nil {
		return err
	} else if out {
		return rss.Coded(rss.ErrConflict, "provider_deactivated", "the agency is out of service %s: no enrollment starts on %s",
			from, on)
	}
	if gap, err := uncovered(ctx, tx, e.ProviderID, on); err != nil {
		return err
	} else if gap {
		return rss.Coded(rss.ErrConflict, "no_agreement",
			"no agreement of the agency covers %s: no enrollment starts on a day it is not under agreement", on)
	}
	if e.PrimaryCaseManager {
		if err := mayHoldDesignation(ctx, tx, e.ProviderID, on, s.Today(),
			"the enrollment holds it: correct its start to a day ahead, or the MSC transfers the designation first"); err != nil {
			return err
		}
	}
	if f.Employed != nil && !*f.Employed {
		return rss.Coded(rss.ErrConflict, "staff_not_employed",
			"staff %d, assigned to enrollment %d, is not employed by the agency on %s (reassign the enrollment first)",
			*e.AssignedStaffID, e.ID, on)
	}
	// The client's stays in the program at this agency are held first, as
	// CreateEnrollment holds them, so a discharge under way is waited for.
	if _, err := tx.ExecContext(ctx, `SELECT 1 FROM enrollments WHERE client_id = $1 AND program_code = $2 ORDER BY id FOR SHARE`,
		e.ClientID, e.ProgramCode); err != nil {
		return fmt.Errorf("hold earlier enrollments: %w", err)
	}
	var lastEnd *rss.Date
	if err := tx.GetContext(ctx, &lastEnd, `SELECT max(discharge_date) FROM enrollments
		WHERE client_id = $1 AND program_code = $2 AND id <> $3 AND discharge_date > $4`, e.ClientID, e.ProgramCode, e.ID, on); err != nil {
		return fmt.Errorf("earlier enrollments: %w", err)
	}
	if lastEnd != nil {
		return rss.Coded(rss.ErrConflict, "enrollment_overlaps",
			"the client's %s enrollment with this agency ran to %s: the stay starts on or after that day", e.ProgramCode, *lastEnd)
	}
	if !on.After(e.StartDate) {
		return nil
	}
	var before []string
	if err := tx.SelectContext(ctx, &before, `
		SELECT 'authorization ' || number FROM authorizations WHERE enrollment_id = $1 AND voided_at IS NULL AND start_date < $2
		UNION ALL SELECT 'GPRA interview ' || id FROM gpra_interviews WHERE enrollment_id = $1 AND interview_date < $2
		UNION ALL SELECT 'employment stage ' || id FROM employment_stage_changes WHERE enrollment_id = $1 AND effective_date < $2
		UNION ALL SELECT 'monthly progress ' || to_char(month, 'YYYY-MM') FROM rcm_monthly_progress
			WHERE enrollment_id = $1 AND month < date_trunc('month', $2::date)
		UNION ALL SELECT 'drug screen ' || id FROM rsvp_drug_screens WHERE enrollment_id = $1 AND screen_date < $2
		ORDER BY 1`, e.ID, on); err != nil {
		return fmt.Errorf("records before the new start: %w", err)
	}
	if len(before) > 0 {
		return rss.Coded(rss.ErrConflict, "records_before_start",
			"enrollment %d has records dated before %s, judged against its start as entered: %s", e.ID, on, strings.Join(before, ", "))
	}
	return nil
}

// pastLengthOfService refuses a start moved earlier that leaves a live
// authorization of the stay ending past the program's length of service,
// counted from the agency's unbroken stay as the voucher rules count it
// (V21 cuts a grant there, V31 pends one past it for review): moved
// earlier, an RCM stay held an authorization to day 304 that no reviewer
// saw, and its claims would have been paid (a re-check). e is the stay as
// corrected.
func pastLengthOfService(ctx context.Context, tx *sqlx.Tx, e *Enrollment, prog Program) error {
	if prog.LOSMaxDays == nil || *prog.LOSMaxDays <= 0 {
		return nil
	}
	var began rss.Date
	if err := tx.GetContext(ctx, &began, `SELECT `+strings.ReplaceAll(stayStartSQL, "$7", "$4"),
		e.ClientID, e.ProviderID, e.ProgramCode, e.ID); err != nil {
		return fmt.Errorf("the stay's first day: %w", err)
	}
	limit := began.AddDays(*prog.LOSMaxDays - 1)
	var past []string
	if err := tx.SelectContext(ctx, &past, `SELECT number || ' (to ' || end_date || ')' FROM authorizations
		WHERE enrollment_id = $1 AND voided_at IS NULL AND end_date > $2 ORDER BY id`, e.ID, limit); err != nil {
		return fmt.Errorf("authorizations past the length of service: %w", err)
	}
	if len(past) == 0 {
		return nil
	}
	return rss.Coded(rss.ErrConflict, "past_length_of_service",
		"from %s the stay's day %d is %s, and these authorizations run past it, granted without that limit judged: %s; "+
			"the MSC voids them first (POST /v1/authorizations/{id}/void), or the start is corrected to a later day",
		began, *prog.LOSMaxDays, limit, strings.Join(past, ", "))
}
