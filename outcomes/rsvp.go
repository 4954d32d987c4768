package outcomes

import (
	"context"
	"fmt"
	"time"

	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"

	"rss"
	"rss/access"
	"rss/pg"
)

// The codes of a drug screen (checked in the schema too).
var (
	ScreenKinds   = []string{"random", "scheduled"}
	ScreenResults = []string{"negative", "positive", "dilute", "invalid", "refused", "no_show"}
)

// DrugScreen is one RSVP drug screen and its result.
type DrugScreen struct {
	ID           int64     `json:"id" db:"id"`
	EnrollmentID int64     `json:"enrollment_id" db:"enrollment_id"`
	Date         rss.Date  `json:"date" db:"screen_date"`
	Kind         string    `json:"kind" db:"kind"`
	Result       string    `json:"result" db:"result"`
	CreatedAt    time.Time `json:"created_at" db:"created_at"`
}

// NewDrugScreen is a drug screen as submitted.
type NewDrugScreen struct {
	Date   rss.Date `json:"date"`
	Kind   string   `json:"kind"`
	Result string   `json:"result"`
}

const screenColumns = `id, enrollment_id, screen_date, kind, result, created_at`

// RecordDrugScreen records a drug screen of an RSVP enrollment, on a day
// within the enrollment and not in the future; one of each kind a day.
func (s *Service) RecordDrugScreen(ctx context.Context, id int64, n NewDrugScreen) (DrugScreen, error) {
	a, err := access.Require(ctx, access.RoleProvider, access.RoleAdmin)
	if err != nil {
		return DrugScreen{}, err
	}
	v := &rss.ValidationError{}
	if n.Date.IsZero() {
		v.Add("date", "required", "date is required")
	} else if n.Date.After(s.today()) {
		v.Add("date", "in_future", "date cannot be in the future: %s", rss.TodayIs(s.today()))
	}
	// Left out reads required, as every other field does (it read "must be
	// one of": a black-box pass).
	switch {
	case n.Kind == "":
		v.Add("kind", "required", "kind is required (one of %v)", ScreenKinds)
	case !oneOf(n.Kind, ScreenKinds):
		v.Add("kind", "invalid_value", "kind must be one of %v", ScreenKinds)
	}
	switch {
	case n.Result == "":
		v.Add("result", "required", "result is required (one of %v)", ScreenResults)
	case !oneOf(n.Result, ScreenResults):
		v.Add("result", "invalid_value", "result must be one of %v", ScreenResults)
	}
	if err := v.Err(); err != nil {
		return DrugScreen{}, err
	}
	var out DrugScreen
	err = write(ctx, s, &out, func(ctx context.Context, tx *sqlx.Tx) error {
		e, err := enrollmentFor(ctx, tx, a, id, ProgramRSVP, readOnly)
		if err != nil {
			return err
		}
		// The agency's enrollments of the client in the program, this one
		// among them, are locked in id order before anything is read of
		// them (a discharge waits, as under the share lock taken before):
		// two screens sent at once to the two enrollments of a same-day
		// readmission each held its own and waited for the other's, and
		// one was answered concurrent_change (a re-check).
		var other []int64
		stays, err := lockAgencyStays(ctx, tx, e)
		if err != nil {
			return err
		}
		if e, err = enrollmentFor(ctx, tx, a, id, ProgramRSVP, readOnly); err != nil {
			return err // read again under the lock: discharged meanwhile
		}
		if err := e.checkDay("date", n.Date); err != nil {
			return err
		}
		if err := recordClosed(a, "date", n.Date, s.today()); err != nil {
			return err
		}
		// One screen of a kind a day for the person at the agency, not
		// for each enrollment: a discharge and a readmission the same day
		// give two enrollments that both cover it, and two random screens
		// of one day, one positive and one negative, were both counted by
		// the outcomes report (an outcomes black-box pass). The lock above
		// takes two screens sent to the two at once one after the other.
		if err := tx.SelectContext(ctx, &other, `SELECT enrollment_id FROM rsvp_drug_screens
			WHERE enrollment_id = ANY($1) AND enrollment_id <> $4 AND screen_date = $2 AND kind = $3 ORDER BY enrollment_id`,
			pq.Array(stays), n.Date, n.Kind, id); err != nil {
			return fmt.Errorf("screens of the day: %w", err)
		}
		if len(other) > 0 {
			return rss.Coded(rss.ErrConflict, "screen_exists", "the client's enrollment %d with the agency already has a %s screen on %s",
				other[0], n.Kind, n.Date)
		}
		err = tx.GetContext(ctx, &out, `INSERT INTO rsvp_drug_screens (enrollment_id, screen_date, kind, result, actor_key_id)
			VALUES ($1, $2, $3, $4, $5) RETURNING `+screenColumns, id, n.Date, n.Kind, n.Result, a.KeyID)
		if pg.IsViolation(err, pg.CodeUniqueViolation, "rsvp_drug_screens_one_per_day_kind") {
			return rss.Coded(rss.ErrConflict, "screen_exists", "enrollment %d already has a %s screen on %s", id, n.Kind, n.Date)
		}
		if err != nil {
			return fmt.Errorf("record drug screen: %w", err)
		}
		return access.Record(ctx, tx, access.Event{Action: "create", EntityType: "rsvp_drug_screen", EntityID: access.ID(out.ID),
			ClientID: e.ClientID})
	})
	return out, err
}

// DrugScreens lists an RSVP enrollment's drug screens, oldest first.
func (s *Service) DrugScreens(ctx context.Context, id int64) ([]DrugScreen, error) {
	out := []DrugScreen{}
	err := s.readRecords(ctx, id, ProgramRSVP, "rsvp_drug_screens", func(ctx context.Context, tx *sqlx.Tx) error {
		return tx.SelectContext(ctx, &out, `SELECT `+screenColumns+` FROM rsvp_drug_screens WHERE enrollment_id = $1
			ORDER BY screen_date, id`, id)
	})
	return out, err
}
