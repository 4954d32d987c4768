package outcomes

import (
	"context"
	"fmt"
	"regexp"
	"strconv"
	"time"

	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"

	"rss"
	"rss/access"
	"rss/pg"
)

// The codes of an RCM monthly record (checked in the schema too).
var (
	ContactKinds      = []string{"face_to_face", "home_visit", "telephone", "video", "collateral", "attempted"}
	TreatmentStatuses = []string{"not_referred", "referred", "awaiting_admission", "engaged", "completed", "disengaged", "declined"}
	GoalStatuses      = []string{"not_started", "in_progress", "achieved", "revised", "discontinued"}
)

const (
	maxGoals   = 30
	maxGoalLen = 200
	maxCount   = 999
)

// Contacts is the month's contacts of one kind.
type Contacts struct {
	Kind  string `json:"kind" db:"kind"`
	Count int    `json:"count" db:"count"`
}

// Goal is one goal of the client's plan and its status at the month's end.
type Goal struct {
	Goal   string `json:"goal" db:"goal"`
	Status string `json:"status" db:"status"`
}

// MonthlyProgress is an RCM enrollment's record for one calendar month:
// engagement (contacts by kind), treatment status, goals.
type MonthlyProgress struct {
	ID              int64      `json:"id" db:"id"`
	EnrollmentID    int64      `json:"enrollment_id" db:"enrollment_id"`
	Month           string     `json:"month" db:"-"` // YYYY-MM
	MonthStart      rss.Date   `json:"-" db:"month"`
	Contacts        []Contacts `json:"contacts" db:"-"`
	TotalContacts   int        `json:"total_contacts" db:"-"`
	TreatmentStatus string     `json:"treatment_status" db:"treatment_status"`
	Goals           []Goal     `json:"goals" db:"-"`
	CreatedAt       time.Time  `json:"created_at" db:"created_at"`
}

// NewMonthlyProgress is a monthly record as submitted.
type NewMonthlyProgress struct {
	Month           string     `json:"month"`
	Contacts        []Contacts `json:"contacts"`
	TreatmentStatus string     `json:"treatment_status"`
	Goals           []Goal     `json:"goals"`
}

var monthFormat = regexp.MustCompile(`^([0-9]{4})-([0-9]{2})$`)

// parseMonth reads YYYY-MM as the month's first day.
func parseMonth(s string) (rss.Date, bool) {
	m := monthFormat.FindStringSubmatch(s)
	if m == nil {
		return rss.Date{}, false
	}
	y, _ := strconv.Atoi(m[1])
	mo, _ := strconv.Atoi(m[2])
	if y < 1900 || mo < 1 || mo > 12 {
		return rss.Date{}, false
	}
	return rss.NewDate(time.Date(y, time.Month(mo), 1, 0, 0, 0, 0, time.UTC)), true
}

// monthOf is the first day of d's month.
func monthOf(d rss.Date) rss.Date {
	return rss.NewDate(time.Date(d.Year(), d.Month(), 1, 0, 0, 0, 0, time.UTC))
}

func (n *NewMonthlyProgress) validate(today rss.Date) (rss.Date, error) {
	v := &rss.ValidationError{}
	month, ok := parseMonth(n.Month)
	switch {
	case n.Month == "":
		v.Add("month", "required", "month is required (YYYY-MM)")
	case !ok:
		v.Add("month", "invalid_format", "month must be YYYY-MM, a year from 1900 and a month from 01 to 12")
	case month.After(monthOf(today)):
		v.Add("month", "in_future", "month cannot be in the future: %s", rss.TodayIs(today))
	}
	switch {
	case n.TreatmentStatus == "":
		v.Add("treatment_status", "required", "treatment_status is required (one of %v)", TreatmentStatuses)
	case !oneOf(n.TreatmentStatus, TreatmentStatuses):
		v.Add("treatment_status", "invalid_value", "treatment_status must be one of %v", TreatmentStatuses)
	}
	seen := map[string]bool{}
	for i, c := range n.Contacts {
		f := fmt.Sprintf("contacts[%d]", i)
		switch {
		case c.Kind == "":
			v.Add(f+".kind", "required", "kind is required (one of %v)", ContactKinds)
		case !oneOf(c.Kind, ContactKinds):
			v.Add(f+".kind", "invalid_value", "kind must be one of %v", ContactKinds)
		case seen[c.Kind]:
			v.Add(f+".kind", "duplicate", "kind %s is listed twice; give its count once", c.Kind)
		}
		seen[c.Kind] = true
		switch {
		case c.Count == 0:
			v.Add(f+".count", "required", "count is required: 1 to %d (leave out a kind without contacts)", maxCount)
		case c.Count < 1 || c.Count > maxCount:
			v.Add(f+".count", "out_of_range", "count must be 1 to %d (leave out a kind without contacts)", maxCount)
		}
	}
	if len(n.Goals) > maxGoals {
		v.Add("goals", "too_many", "at most %d goals", maxGoals)
	}
	goals := map[string]bool{}
	for i, g := range n.Goals {
		f := fmt.Sprintf("goals[%d]", i)
		checkText(v, f+".goal", g.Goal, maxGoalLen)
		if goals[g.Goal] {
			v.Add(f+".goal", "duplicate", "this goal is listed twice")
		}
		goals[g.Goal] = true
		switch {
		case g.Status == "":
			v.Add(f+".status", "required", "status is required (one of %v)", GoalStatuses)
		case !oneOf(g.Status, GoalStatuses):
			v.Add(f+".status", "invalid_value", "status must be one of %v", GoalStatuses)
		}
	}
	return month, v.Err()
}

// RecordMonthlyProgress records an RCM enrollment's progress for a month
// the enrollment was open in that has ended (the current one once the
// enrollment is discharged in it). A month already
// recorded is a conflict (month_recorded): the record DCF was sent stays
// as it was.
func (s *Service) RecordMonthlyProgress(ctx context.Context, id int64, n NewMonthlyProgress) (MonthlyProgress, error) {
	a, err := access.Require(ctx, access.RoleProvider, access.RoleAdmin)
	if err != nil {
		return MonthlyProgress{}, err
	}
	month, err := n.validate(s.today())
	if err != nil {
		return MonthlyProgress{}, err
	}
	var out MonthlyProgress
	err = write(ctx, s, &out, func(ctx context.Context, tx *sqlx.Tx) error {
		e, err := enrollmentFor(ctx, tx, a, id, ProgramRCM, shareLock)
		if err != nil {
			return err
		}
		if month.Before(monthOf(e.StartDate)) {
			return rss.Invalid("month", "before_start", "month is before the enrollment's start (%s)", e.StartDate)
		}
		// A month the reports have closed is the admin's to record, as a
		// screen or a stage change dated in it is: September's record,
		// sent in December, rewrote the DCF report for a month the state
		// had read (a black-box pass of the forty-fourth stop).
		if err := recordClosed(a, "month", month, s.today()); err != nil {
			return err
		}
		// The month's record tells of the stay in it: none while the stay
		// has not begun (a December record went in on the 4th for a stay
		// starting the 21st, and DCF's report read December recorded: a
		// reports black-box pass).
		if e.StartDate.After(s.today()) {
			return rss.Invalid("month", "not_started", "the enrollment starts on %s: record its month from then", e.StartDate)
		}
		if !e.DischargeDate.IsZero() && month.After(monthOf(e.DischargeDate)) {
			return rss.Invalid("month", "after_discharge", "month is after the enrollment's discharge (%s)", e.DischargeDate)
		}
		// The record is the month's contacts and the treatment status at
		// its end, sent to DCF once and never rewritten: a month still
		// under way has neither, so it is recorded once it has ended, or
		// once the stay has (a discharge in it, today or before). Taken
		// on the 6th with no contacts, December's true record could never
		// be made (a new-user pass).
		if month.Equal(monthOf(s.today())) && (e.DischargeDate.IsZero() || e.DischargeDate.After(s.today())) {
			return rss.Invalid("month", "month_not_ended", "%s has not ended: record it from %s, or once the enrollment is discharged",
				n.Month, rss.NewDate(monthOf(s.today()).Time.AddDate(0, 1, 0)))
		}
		err = tx.GetContext(ctx, &out, `INSERT INTO rcm_monthly_progress (enrollment_id, month, treatment_status, actor_key_id)
			VALUES ($1, $2, $3, $4) RETURNING id, enrollment_id, month, treatment_status, created_at`, id, month, n.TreatmentStatus, a.KeyID)
		if pg.IsViolation(err, pg.CodeUniqueViolation, "rcm_monthly_progress_one_per_month") {
			return rss.Coded(rss.ErrConflict, "month_recorded", "enrollment %d already has its record for %s", id, n.Month)
		}
		if err != nil {
			return fmt.Errorf("record monthly progress: %w", err)
		}
		if len(n.Contacts) > 0 {
			kinds, counts := make([]string, len(n.Contacts)), make([]int64, len(n.Contacts))
			for i, c := range n.Contacts {
				kinds[i], counts[i] = c.Kind, int64(c.Count)
			}
			if _, err := tx.ExecContext(ctx, `INSERT INTO rcm_monthly_contacts (progress_id, kind, count)
				SELECT $1, k, c FROM unnest($2::text[], $3::int[]) AS x(k, c)`, out.ID, pq.Array(kinds), pq.Array(counts)); err != nil {
				return fmt.Errorf("record contacts: %w", err)
			}
		}
		if len(n.Goals) > 0 {
			goals, statuses := make([]string, len(n.Goals)), make([]string, len(n.Goals))
			for i, g := range n.Goals {
				goals[i], statuses[i] = g.Goal, g.Status
			}
			if _, err := tx.ExecContext(ctx, `INSERT INTO rcm_monthly_goals (progress_id, position, goal, status)
				SELECT $1, x.n, x.g, x.s FROM unnest($2::text[], $3::text[]) WITH ORDINALITY AS x(g, s, n)`,
				out.ID, pq.Array(goals), pq.Array(statuses)); err != nil {
				return fmt.Errorf("record goals: %w", err)
			}
		}
		rows := []MonthlyProgress{out}
		if err := loadDetails(ctx, tx, rows); err != nil {
			return err
		}
		out = rows[0]
		return access.Record(ctx, tx, access.Event{Action: "create", EntityType: "rcm_monthly_progress", EntityID: access.ID(out.ID),
			ClientID: e.ClientID})
	})
	return out, err
}

// MonthlyProgressList lists an RCM enrollment's monthly records, oldest month first.
func (s *Service) MonthlyProgressList(ctx context.Context, id int64) ([]MonthlyProgress, error) {
	out := []MonthlyProgress{}
	err := s.readRecords(ctx, id, ProgramRCM, "rcm_monthly_progress", func(ctx context.Context, tx *sqlx.Tx) error {
		if err := tx.SelectContext(ctx, &out, `SELECT id, enrollment_id, month, treatment_status, created_at
			FROM rcm_monthly_progress WHERE enrollment_id = $1 ORDER BY month`, id); err != nil {
			return fmt.Errorf("monthly progress: %w", err)
		}
		return loadDetails(ctx, tx, out)
	})
	return out, err
}

// loadDetails fills the records' month, contacts and goals.
func loadDetails(ctx context.Context, tx *sqlx.Tx, rows []MonthlyProgress) error {
	if len(rows) == 0 {
		return nil
	}
	ids := make([]int64, len(rows))
	at := map[int64]int{}
	for i := range rows {
		ids[i], at[rows[i].ID] = rows[i].ID, i
		rows[i].Month = rows[i].MonthStart.Format("2006-01")
		rows[i].Contacts, rows[i].Goals = []Contacts{}, []Goal{}
	}
	var contacts []struct {
		ProgressID int64 `db:"progress_id"`
		Contacts
	}
	if err := tx.SelectContext(ctx, &contacts, `SELECT progress_id, kind, count FROM rcm_monthly_contacts
		WHERE progress_id = ANY($1) ORDER BY progress_id, array_position($2::text[], kind)`, pq.Array(ids), pq.Array(ContactKinds)); err != nil {
		return fmt.Errorf("contacts: %w", err)
	}
	for _, c := range contacts {
		r := &rows[at[c.ProgressID]]
		r.Contacts = append(r.Contacts, c.Contacts)
		// An attempt did not reach the client: not a contact (as the
		// stored total counts them, migration 00096).
		if c.Kind != "attempted" {
			r.TotalContacts += c.Count
		}
	}
	var goals []struct {
		ProgressID int64 `db:"progress_id"`
		Goal
	}
	if err := tx.SelectContext(ctx, &goals, `SELECT progress_id, goal, status FROM rcm_monthly_goals
		WHERE progress_id = ANY($1) ORDER BY progress_id, position`, pq.Array(ids)); err != nil {
		return fmt.Errorf("goals: %w", err)
	}
	for _, g := range goals {
		r := &rows[at[g.ProgressID]]
		r.Goals = append(r.Goals, g.Goal)
	}
	return nil
}
