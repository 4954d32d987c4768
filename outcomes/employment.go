package outcomes

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"

	"rss"
	"rss/access"
	"rss/pg"
)

// EmploymentStage is one rung of the employment service array (seed 004):
// rank 1 the first, competitive employment the top.
type EmploymentStage struct {
	Code   string `json:"code" db:"code"`
	Name   string `json:"name" db:"name"`
	Rank   int    `json:"rank" db:"rank"`
	Active bool   `json:"active" db:"active"`
}

// EmploymentStages lists the stages, lowest rung first.
func (s *Service) EmploymentStages(ctx context.Context) ([]EmploymentStage, error) {
	if _, err := access.ActorFrom(ctx); err != nil {
		return nil, err
	}
	out := []EmploymentStage{}
	if err := s.db.SelectContext(ctx, &out, `SELECT code, name, rank, active FROM employment_stages ORDER BY rank`); err != nil {
		return nil, fmt.Errorf("employment stages: %w", err)
	}
	return out, nil
}

// StageChange is an EMP enrollment's move to a stage, effective on a day.
// Movement compares the stage's rank with the one in force the day before
// (first for the first stage recorded); it is computed when read, so a
// back-dated change shows in the history as it stands.
type StageChange struct {
	ID            int64     `json:"id" db:"id"`
	EnrollmentID  int64     `json:"enrollment_id" db:"enrollment_id"`
	Stage         string    `json:"stage" db:"stage"`
	Rank          int       `json:"rank" db:"rank"`
	EffectiveDate rss.Date  `json:"effective_date" db:"effective_date"`
	Movement      string    `json:"movement" db:"movement"` // first, progressed, stepped_back
	CreatedAt     time.Time `json:"created_at" db:"created_at"`
}

// NewStageChange is a stage change as submitted.
type NewStageChange struct {
	Stage         string   `json:"stage"`
	EffectiveDate rss.Date `json:"effective_date"`
}

const stageHistorySQL = `SELECT c.id, c.enrollment_id, c.stage, s.rank, c.effective_date, c.created_at,
		CASE WHEN lag(s.rank) OVER w IS NULL THEN 'first' WHEN s.rank > lag(s.rank) OVER w THEN 'progressed'
		     WHEN s.rank < lag(s.rank) OVER w THEN 'stepped_back' ELSE 'unchanged' END AS movement
	FROM employment_stage_changes c JOIN employment_stages s ON s.code = c.stage
	WHERE c.enrollment_id = $1
	WINDOW w AS (ORDER BY c.effective_date)
	ORDER BY c.effective_date`

// RecordStage records an EMP enrollment's change of employment stage.
// The day is within the enrollment and not in the future; one change per
// enrollment and day; a change to the stage already in force is refused.
func (s *Service) RecordStage(ctx context.Context, id int64, n NewStageChange) (StageChange, error) {
	a, err := access.Require(ctx, access.RoleProvider, access.RoleAdmin)
	if err != nil {
		return StageChange{}, err
	}
	v := &rss.ValidationError{}
	if n.Stage == "" {
		v.Add("stage", "required", "stage is required (GET /v1/employment-stages)")
	} else if len(n.Stage) > 40 {
		v.Add("stage", "too_long", "stage must be at most 40 characters")
	}
	if n.EffectiveDate.IsZero() {
		v.Add("effective_date", "required", "effective_date is required")
	} else if n.EffectiveDate.After(s.today()) {
		v.Add("effective_date", "in_future", "effective_date cannot be in the future: %s", rss.TodayIs(s.today()))
	}
	if err := v.Err(); err != nil {
		return StageChange{}, err
	}
	var out StageChange
	err = write(ctx, s, &out, func(ctx context.Context, tx *sqlx.Tx) error {
		// Held against other stage changes (lockAgencyStays, below):
		// "unchanged" is judged on the changes before and after this one,
		// which a change made at the same time on the next day would not
		// be among.
		e, err := enrollmentFor(ctx, tx, a, id, ProgramEMP, readOnly)
		if err != nil {
			return err
		}
		stays, err := lockAgencyStays(ctx, tx, e)
		if err != nil {
			return err
		}
		if e, err = enrollmentFor(ctx, tx, a, id, ProgramEMP, readOnly); err != nil {
			return err // read again under the lock: discharged meanwhile
		}
		if err := e.checkDay("effective_date", n.EffectiveDate); err != nil {
			return err
		}
		if err := recordClosed(a, "effective_date", n.EffectiveDate, s.today()); err != nil {
			return err
		}
		// One stage change a day for the person at the agency, as one
		// screen of a kind a day (RecordScreen): a discharge and a
		// readmission the same day give two enrollments that both cover
		// it, and the person stood at two stages on one day (a clinical
		// black-box pass).
		var other []int64
		if err := tx.SelectContext(ctx, &other, `SELECT enrollment_id FROM employment_stage_changes
			WHERE enrollment_id = ANY($1) AND enrollment_id <> $3 AND effective_date = $2 ORDER BY enrollment_id`,
			pq.Array(stays), n.EffectiveDate, id); err != nil {
			return fmt.Errorf("stage changes of the day: %w", err)
		}
		if len(other) > 0 {
			return rss.Coded(rss.ErrConflict, "stage_change_exists", "the client's enrollment %d with the agency already has a stage change effective %s",
				other[0], n.EffectiveDate)
		}
		var st []EmploymentStage
		if err := tx.SelectContext(ctx, &st, `SELECT code, name, rank, active FROM employment_stages WHERE code = $1`, n.Stage); err != nil {
			return fmt.Errorf("employment stage: %w", err)
		}
		switch {
		case len(st) == 0:
			return rss.Invalid("stage", "unknown_id", "no employment stage %q (GET /v1/employment-stages)", n.Stage)
		case !st[0].Active:
			return rss.Invalid("stage", "inactive", "employment stage %q is no longer in use", n.Stage)
		}
		var before string
		err = tx.GetContext(ctx, &before, `SELECT stage FROM employment_stage_changes
			WHERE enrollment_id = $1 AND effective_date < $2 ORDER BY effective_date DESC LIMIT 1`, id, n.EffectiveDate)
		if err != nil && !errors.Is(err, pg.ErrNoRows) {
			return fmt.Errorf("stage in force: %w", err)
		}
		if before == n.Stage {
			return rss.Invalid("stage", "unchanged", "the enrollment is already at stage %s on %s", n.Stage, n.EffectiveDate)
		}
		var next string
		err = tx.GetContext(ctx, &next, `SELECT stage FROM employment_stage_changes
			WHERE enrollment_id = $1 AND effective_date > $2 ORDER BY effective_date LIMIT 1`, id, n.EffectiveDate)
		if err != nil && !errors.Is(err, pg.ErrNoRows) {
			return fmt.Errorf("next stage: %w", err)
		}
		if next == n.Stage {
			return rss.Invalid("stage", "unchanged", "the next recorded change already moves the enrollment to stage %s", n.Stage)
		}
		var changeID int64
		err = tx.GetContext(ctx, &changeID, `INSERT INTO employment_stage_changes (enrollment_id, stage, effective_date, actor_key_id)
			VALUES ($1, $2, $3, $4) RETURNING id`, id, n.Stage, n.EffectiveDate, a.KeyID)
		if pg.IsViolation(err, pg.CodeUniqueViolation, "employment_stage_changes_one_per_day") {
			return rss.Coded(rss.ErrConflict, "stage_change_exists", "enrollment %d already has a stage change effective %s", id, n.EffectiveDate)
		}
		if err != nil {
			return fmt.Errorf("record stage change: %w", err)
		}
		if err := tx.GetContext(ctx, &out, `SELECT * FROM (`+stageHistorySQL+`) h WHERE id = $2`, id, changeID); err != nil {
			return fmt.Errorf("read stage change: %w", err)
		}
		return access.Record(ctx, tx, access.Event{Action: "create", EntityType: "employment_stage_change", EntityID: access.ID(changeID),
			ClientID: e.ClientID})
	})
	return out, err
}

// StageHistory lists an EMP enrollment's stage changes, oldest first.
func (s *Service) StageHistory(ctx context.Context, id int64) ([]StageChange, error) {
	out := []StageChange{}
	err := s.readRecords(ctx, id, ProgramEMP, "employment_stage_history", func(ctx context.Context, tx *sqlx.Tx) error {
		return tx.SelectContext(ctx, &out, stageHistorySQL, id)
	})
	return out, err
}
