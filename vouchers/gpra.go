package vouchers

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/jmoiron/sqlx"

	"rss"
	"rss/access"
	"rss/pg"
)

// Interview is one GPRA interview: completed, or not conducted with a reason.
type Interview struct {
	ID                 int64     `json:"id" db:"id"`
	EpisodeID          int64     `json:"episode_id,omitempty" db:"episode_id"` // MSC roles only
	EnrollmentID       int64     `json:"enrollment_id" db:"enrollment_id"`     // the stay it is of
	ClientID           int64     `json:"client_id" db:"client_id"`
	ProviderID         int64     `json:"provider_id" db:"provider_id"`
	Kind               string    `json:"kind" db:"kind"`
	Instrument         string    `json:"instrument" db:"instrument"`
	Status             string    `json:"status" db:"status"`
	InterviewDate      rss.Date  `json:"interview_date" db:"interview_date"`
	NotConductedReason *string   `json:"not_conducted_reason" db:"not_conducted_reason"`
	CreatedAt          time.Time `json:"created_at" db:"created_at"`
}

// NewInterview records an interview for one of the agency's enrollments.
// EnrollmentID may be left out: the agency's open enrollment of the client
// in a GPRA program is used (for a discharge interview, its most recently
// discharged one). EpisodeID is refused, whatever its value: the episode
// is shared by every agency serving the person, and answering a provider
// differently for its own enrollment's episode (an old id on a new
// enrollment) would tell it another agency opened the episode.
type NewInterview struct {
	ClientID           int64    `json:"client_id"`
	EnrollmentID       *int64   `json:"enrollment_id"`
	EpisodeID          *int64   `json:"episode_id"`
	Kind               string   `json:"kind"`
	Instrument         string   `json:"instrument"`
	Status             string   `json:"status"`
	InterviewDate      rss.Date `json:"interview_date"`
	NotConductedReason *string  `json:"not_conducted_reason"`
}

var notConductedReasons = []string{"refused", "unable_to_locate", "incarcerated", "hospitalized", "deceased", "other"}

func (n *NewInterview) validate(today rss.Date) error {
	v := &rss.ValidationError{}
	v.RequireID("client_id", n.ClientID)
	if n.EpisodeID != nil {
		v.Add("episode_id", "not_accepted", "episode_id is not accepted: name the enrollment (enrollment_id), or leave it out for "+
			"the client's enrollment with this agency in a program that requires GPRA")
	}
	switch {
	case n.Kind == "":
		v.Add("kind", "required", "kind is required: intake, follow_up or discharge")
	case n.Kind != "intake" && n.Kind != "follow_up" && n.Kind != "discharge":
		v.Add("kind", "invalid_value", "kind must be intake, follow_up or discharge")
	}
	if n.Instrument == "" {
		v.Add("instrument", "required", "instrument is required (GET /v1/reference/gpra-instruments)")
	}
	switch n.Status {
	case "completed":
		if n.NotConductedReason != nil {
			v.Add("not_conducted_reason", "not_allowed", "not_conducted_reason is only for status not_conducted")
		}
	case "not_conducted":
		// A reason given outside the list is invalid, not missing: a
		// client reading errors[].code took "required" for a field it had
		// left out (a GPRA black-box pass).
		const reasons = "refused, unable_to_locate, incarcerated, hospitalized, deceased, other"
		switch {
		case n.NotConductedReason == nil:
			v.Add("not_conducted_reason", "required", "not_conducted_reason is required for status not_conducted: one of "+reasons)
		case !contains(notConductedReasons, *n.NotConductedReason):
			v.Add("not_conducted_reason", "invalid_value", "not_conducted_reason must be one of "+reasons)
		}
	case "":
		v.Add("status", "required", "status is required: completed or not_conducted")
	default:
		v.Add("status", "invalid_value", "status must be completed or not_conducted")
	}
	if n.InterviewDate.IsZero() {
		v.Add("interview_date", "required", "interview_date is required")
	} else if n.InterviewDate.After(today) {
		v.Add("interview_date", "in_future", "interview_date cannot be in the future: %s", rss.TodayIs(today))
	}
	return v.Err()
}

// stay is one agency's stay in a person's GPRA episode: one of its
// enrollments, opened at its start and closed at its discharge. Each
// stay's GPRA schedule (intake, follow-up, discharge interview) is its
// own, so nothing in it depends on what another agency did without its
// consent: keyed by the agency's part of the episode, a re-enrollment
// joined the old part only while another agency kept the episode open,
// which told the agency so (a black-box pass; migration 00042).
type stay struct {
	EnrollmentID int64    `db:"enrollment_id"`
	ClientID     int64    `db:"client_id"` // the agency's record of the person
	ID           int64    `db:"id"`        // the episode
	ProviderID   int64    `db:"provider_id"`
	ProgramCode  string   `db:"program_code"`
	OpenedOn     rss.Date `db:"opened_on"`
	ClosedOn     rss.Date `db:"closed_on"`
	// The stay's windows, its program's on the day it was enrolled
	// (migration 00083): a program's change applies to stays enrolled
	// after it, and past schedules and reports stay as they were. Set for
	// every stay of a GPRA program (the schema's programs_gpra_windows).
	FollowupOpenDays  *int `db:"fu_open"`
	FollowupCloseDays *int `db:"fu_close"`
	DischargeDays     *int `db:"dc_days"`
}

// stays is the select list of stays over enrollments e that owe GPRA
// interviews (e.gpra_required: their program required them the day they
// were enrolled, migration 00121) in programs p.
const stays = `SELECT e.id AS enrollment_id, e.client_id, e.episode_id AS id, e.provider_id, e.program_code, e.start_date AS opened_on,
		e.discharge_date AS closed_on, COALESCE(e.gpra_followup_open_days, p.gpra_followup_open_days) AS fu_open,
		COALESCE(e.gpra_followup_close_days, p.gpra_followup_close_days) AS fu_close,
		COALESCE(e.gpra_discharge_days, p.gpra_discharge_days) AS dc_days
	FROM enrollments e JOIN programs p ON p.code = e.program_code AND e.gpra_required `

// stayIntake is the completed intake the voucher rules count for the
// agency's unbroken stay ep is part of (gpraSeen, stayStartSQL): its
// enrollment and date, found false when there is none.
func stayIntake(ctx context.Context, tx *sqlx.Tx, ep *stay) (enrollment int64, on rss.Date, found bool, err error) {
	var row struct {
		Enrollment int64    `db:"enrollment_id"`
		On         rss.Date `db:"interview_date"`
	}
	err = tx.GetContext(ctx, &row, `SELECT g.enrollment_id, g.interview_date FROM gpra_interviews g JOIN enrollments o ON o.id = g.enrollment_id
		WHERE g.kind = 'intake' AND g.status = 'completed' AND o.client_id = $1 AND o.provider_id = $2 AND o.program_code = $3
		  AND o.start_date >= `+strings.ReplaceAll(stayStartSQL, "$7", "$4")+`
		  AND o.start_date <= (SELECT e.start_date FROM enrollments e WHERE e.id = $4)
		ORDER BY g.interview_date, g.id LIMIT 1`, ep.ClientID, ep.ProviderID, ep.ProgramCode, ep.EnrollmentID)
	if errors.Is(err, pg.ErrNoRows) {
		return 0, rss.Date{}, false, nil
	}
	if err != nil {
		return 0, rss.Date{}, false, fmt.Errorf("the stay's intake: %w", err)
	}
	return row.Enrollment, row.On, true, nil
}

const interviewColumns = `id, episode_id, enrollment_id, client_id, provider_id, kind, instrument, status, interview_date,
	not_conducted_reason, created_at`

// RecordInterview records a GPRA interview for the caller's part of an episode.
func (s *Service) RecordInterview(ctx context.Context, n NewInterview) (Interview, error) {
	a, err := access.Require(ctx, access.RoleProvider)
	if err != nil {
		return Interview{}, err
	}
	if err := n.validate(s.Today()); err != nil {
		return Interview{}, err
	}
	var out Interview
	err = write(ctx, s, &out, func(ctx context.Context, tx *sqlx.Tx) error {
		// Providers only record, and never see the shared episode.
		defer func() { out.EpisodeID = 0 }()
		if err := canSeeClient(ctx, tx, a, n.ClientID); err != nil {
			return rss.Invalid("client_id", "unknown_id", "no client %d", n.ClientID)
		}
		// The stay is held (FOR SHARE) while the interview is judged
		// against its dates, as the other program records' writers hold
		// theirs: a discharge dated before the interview waits, then is
		// refused by the schema (records_after_discharge), and one under
		// way is read discharged.
		var ep stay
		var err error
		switch {
		case n.EnrollmentID != nil:
			err = tx.GetContext(ctx, &ep, stays+`WHERE e.id = $3 AND e.client_id = $1 AND e.provider_id = $2 FOR SHARE OF e`,
				n.ClientID, a.ProviderID, *n.EnrollmentID)
		default:
			// The open stay; for a discharge interview, the stay discharged
			// last (the open one when none is: not_discharged below). Two
			// alike (open stays in two programs that require GPRA, which
			// are data; or two discharged the same day) leave the choice to
			// the agency: the newer was taken without a word, and an ATR
			// follow-up went to the other program's stay (a GPRA
			// black-box pass).
			var found []stay
			err = tx.SelectContext(ctx, &found, stays+`WHERE e.client_id = $1 AND e.provider_id = $2
				  AND (e.discharge_date IS NULL OR $3 = 'discharge')
				ORDER BY e.discharge_date IS NULL, e.discharge_date DESC, e.id DESC LIMIT 2 FOR SHARE OF e`, n.ClientID, a.ProviderID, n.Kind)
			switch {
			case err != nil:
			case len(found) == 0:
				err = pg.ErrNoRows
			case len(found) == 2 && found[0].ClosedOn.Equal(found[1].ClosedOn):
				which := "open enrollment"
				if !found[0].ClosedOn.IsZero() {
					which = "enrollment discharged on " + found[0].ClosedOn.String()
				}
				return rss.Invalid("enrollment_id", "ambiguous", "the client has more than one %s with this agency in a program "+
					"that requires GPRA (enrollments %d and %d): name its enrollment_id", which, found[1].EnrollmentID, found[0].EnrollmentID)
			default:
				ep = found[0]
			}
		}
		if errors.Is(err, pg.ErrNoRows) && n.EnrollmentID == nil && n.Kind != "discharge" {
			return rss.Invalid("enrollment_id", "unknown_id", "this agency has no open enrollment of the client in a program "+
				"that requires GPRA; for a stay that has ended, name its enrollment_id")
		}
		// An enrollment named that is not one of this client's with this
		// agency is said to be so, as a voucher request says it: "this
		// agency has no enrollment" read wrong to an agency that has one
		// (another agency's id and an unused one answer alike; a
		// black-box pass).
		if errors.Is(err, pg.ErrNoRows) && n.EnrollmentID != nil {
			return rss.Invalid("enrollment_id", "unknown_id",
				"no enrollment %d of this client with this agency in a program that requires GPRA", *n.EnrollmentID)
		}
		if errors.Is(err, pg.ErrNoRows) {
			return rss.Invalid("enrollment_id", "unknown_id", "this agency has no enrollment of the client in a program that requires GPRA")
		}
		if err != nil {
			return err
		}
		// The instrument's row is held (FOR SHARE) until the interview
		// commits: an admin narrowing its span meanwhile waits, then sees
		// the interview (registry.UpdateInstrument, migration 00115).
		var inst []string
		if err := tx.SelectContext(ctx, &inst, `SELECT code FROM gpra_instruments WHERE code = $1
			AND active_from <= $2 AND (active_to IS NULL OR active_to >= $2) FOR SHARE`, n.Instrument, n.InterviewDate); err != nil {
			return err
		}
		if len(inst) == 0 {
			// Unknown or out of use, it says where the codes are, as a
			// discharge reason's refusal does (an unknown code read "not in
			// use on" a date, as if it had been: a README black-box pass).
			var known bool
			if err := tx.GetContext(ctx, &known, `SELECT EXISTS (SELECT 1 FROM gpra_instruments WHERE code = $1)`, n.Instrument); err != nil {
				return err
			}
			if !known {
				return rss.Invalid("instrument", "unknown_id", "no instrument %q: the codes are in GET /v1/reference/gpra-instruments", n.Instrument)
			}
			return rss.Invalid("instrument", "unknown_id", "instrument %q is not in use on %s: the codes in use are in GET /v1/reference/gpra-instruments",
				n.Instrument, n.InterviewDate)
		}
		// The stay's intake: a follow-up and a discharge interview follow
		// a completed one. One recorded not conducted was answered
		// "record the intake interview", though it was on file (a GPRA
		// black-box pass): that case says what is needed.
		var intake struct {
			Date   rss.Date `db:"interview_date"`
			Status string   `db:"status"`
		}
		if n.Kind == "follow_up" || n.Kind == "discharge" {
			err = tx.GetContext(ctx, &intake, `SELECT interview_date, status FROM gpra_interviews
				WHERE enrollment_id = $1 AND kind = 'intake'`, ep.EnrollmentID)
			if err != nil && !errors.Is(err, pg.ErrNoRows) {
				return err
			}
		}
		// hint is the answer's own text (no caller's words, no %), part of
		// the format: an argument is clipped as quoted input.
		noIntake := func(before, hint string) error {
			if intake.Status == "not_conducted" {
				return rss.Invalid("kind", "intake_not_completed",
					"the intake was recorded not conducted: %s follows a completed intake only, and none is owed without one"+hint, before)
			}
			return rss.Invalid("kind", "intake_missing", "record the intake interview before %s"+hint, before)
		}
		if n.Kind == "follow_up" {
			// The voucher rules count the intake of the agency's unbroken
			// stay (a readmission by the next day goes on in it): their
			// pend asked for a follow-up that, sent for the readmitted
			// enrollment, was refused as wanting an intake, or as early
			// against a new one (a re-check). The answer names the
			// enrollment it belongs to.
			hint := ""
			if other, on, found, err := stayIntake(ctx, tx, &ep); err != nil {
				return err
			} else if found && other != ep.EnrollmentID {
				hint = fmt.Sprintf("; this stay goes on from enrollment %d (readmitted with no break in its dates or in rss's books), whose intake of %s the voucher rules "+
					"count: record the follow-up for it (enrollment_id %d)", other, on, other)
			}
			if intake.Status != "completed" {
				return noIntake("the follow-up", hint)
			}
			if opens := intake.Date.AddDays(*ep.FollowupOpenDays); n.InterviewDate.Before(opens) {
				return rss.Invalid("interview_date", "before_window", "the follow-up window opens on %s"+hint, opens)
			}
		}
		if n.Kind == "discharge" && ep.ClosedOn.IsZero() {
			return rss.Invalid("kind", "not_discharged", "the enrollment is still open; discharge it first")
		}
		// An interview is of the agency's stay: an intake within it (from
		// its start to its discharge), a discharge
		// interview on or after the discharge (late ones count as late,
		// not refused). One dated years before the enrollment opened a
		// follow-up window that had closed before the client came, and
		// counted against the agency's follow-up rate.
		switch {
		case n.Kind == "intake" && n.InterviewDate.Before(ep.OpenedOn):
			return rss.Invalid("interview_date", "before_start", "the enrollment started on %s", ep.OpenedOn)
		case n.Kind == "intake" && !ep.ClosedOn.IsZero() && n.InterviewDate.After(ep.ClosedOn):
			return rss.Invalid("interview_date", "after_discharge", "the enrollment was discharged on %s", ep.ClosedOn)
		case n.Kind == "discharge" && n.InterviewDate.Before(ep.ClosedOn):
			return rss.Invalid("interview_date", "before_discharge", "the discharge interview is on or after the discharge (%s)", ep.ClosedOn)
		}
		// An intake the agency withdrew, completed, is recorded again by it
		// completed and dated no later: withdrawn before its follow-up
		// window closed and recorded again today, it moved the window
		// months on, and again each time, so the follow-up was never owed
		// (a review); recorded not conducted, it owed none. Once the MSC's
		// admin has withdrawn it, the agency records it as it should be.
		//
		// Withdrawn from any enrollment of the agency's unbroken stay, as
		// the voucher rules read the stay's first intake: withdrawn from
		// the old enrollment, then discharged and readmitted the same day,
		// a new intake dated today moved the window on all the same (a
		// re-check). Not when the enrollment holds its intake already:
		// that is interview_exists.
		if n.Kind == "intake" {
			var first *rss.Date
			if err := tx.GetContext(ctx, &first, `WITH stay AS (SELECT o.id FROM enrollments o
					WHERE o.client_id = $1 AND o.provider_id = $2 AND o.program_code = $3
					  AND o.start_date >= `+strings.ReplaceAll(stayStartSQL, "$7", "$4")+`
					  AND o.start_date <= (SELECT e.start_date FROM enrollments e WHERE e.id = $4))
				SELECT min(w.interview_date) FROM gpra_interview_archive w
				JOIN api_keys k ON k.id = w.archived_by
				WHERE w.enrollment_id IN (SELECT id FROM stay) AND w.kind = 'intake' AND w.status = 'completed'
				  AND w.cause = 'withdrawn' AND k.role = 'provider'
				  AND NOT EXISTS (SELECT 1 FROM gpra_interviews g WHERE g.enrollment_id = $4 AND g.kind = 'intake')
				  AND w.id > COALESCE((SELECT max(x.id) FROM gpra_interview_archive x JOIN api_keys xk ON xk.id = x.archived_by
				                       WHERE x.enrollment_id IN (SELECT id FROM stay) AND x.kind = 'intake' AND x.cause = 'withdrawn'
				                         AND xk.role = 'admin'), 0)`,
				ep.ClientID, ep.ProviderID, ep.ProgramCode, ep.EnrollmentID); err != nil {
				return fmt.Errorf("withdrawn intake: %w", err)
			}
			// Recorded again already, dated no later, the intake the rules
			// read stands where it was, and a readmission's own intake
			// moves nothing: refused, the readmitted enrollment's intake
			// was owed in the schedule and the reports for good (a
			// review).
			if first != nil {
				if _, on, found, err := stayIntake(ctx, tx, &ep); err != nil {
					return err
				} else if found && !on.After(*first) {
					first = nil
				}
			}
			switch {
			case first != nil && n.Status != "completed":
				return rss.Coded(rss.ErrConflict, "intake_withdrawn",
					"the stay's intake, completed on %s, was withdrawn by the agency: record it again completed, dated on or before that day "+
						"(for the enrollment that day falls in), or ask the MSC", *first)
			case first != nil && n.InterviewDate.After(*first):
				return rss.Coded(rss.ErrConflict, "intake_withdrawn",
					"the stay's intake withdrawn by the agency was dated %s: record it again dated on or before that day (for the enrollment "+
						"that day falls in), or ask the MSC (a later day moves the follow-up window)", *first)
			}
		}
		if n.Kind == "discharge" && intake.Status != "completed" {
			// A discharge interview closes what an intake opened, as a
			// follow-up follows one: one was recorded for a stay with
			// no intake (a black-box pass). Nor is one owed: the
			// schedule and the reports leave it out.
			return noIntake("the discharge interview", "")
		}
		// A completed interview may follow one of its kind recorded not
		// conducted (the client refused at intake and sat for it two days
		// later): that record becomes the completed interview, and the
		// audit event keeps what it said before. Rules and reports read one
		// interview of each kind a stay (gpra_interviews_one_per_kind); a
		// black-box pass found a refused intake barring every voucher of
		// the stay, the rule's next step refused.
		//
		// One statement decides it, so a completed interview sent at the
		// moment a not-conducted one is stored waits for it and then
		// completes it: as an UPDATE, then an INSERT, the completed one met
		// the other's row and was refused interview_exists (a black-box
		// pass, 6 bursts in 15). xmax is 0 on a row the statement inserted.
		// The completed record is recorded now (created_at): it kept the
		// attempt's time, which the archive keeps as the attempt's (a
		// re-check).
		//
		// The completed interview follows the attempt: dated before it, or
		// sent once the attempt's window has closed, it moved the interview
		// into its window after the period was reported, a follow-up
		// attempted after its window closed completing dated inside it and
		// a closed month's intake rate going from 0.5 to 1 (a GPRA black-box
		// pass of the forty-third stop), where a withdrawal and a new record
		// were refused window_closed. The MSC's admin withdraws an attempt
		// keyed wrong.
		if n.Status == "completed" {
			var attempt []struct {
				ID       int64     `db:"id"`
				Date     rss.Date  `db:"interview_date"`
				Recorded time.Time `db:"created_at"`
			}
			if err := tx.SelectContext(ctx, &attempt, `SELECT id, interview_date, created_at FROM gpra_interviews
				WHERE enrollment_id = $1 AND kind = $2 AND status = 'not_conducted'`, ep.EnrollmentID, n.Kind); err != nil {
				return fmt.Errorf("attempt: %w", err)
			}
			if len(attempt) == 1 {
				if n.InterviewDate.Before(attempt[0].Date) {
					return rss.Invalid("interview_date", "before_attempt",
						"the interview was recorded not conducted on %s: the completed one follows that attempt, dated on or after it", attempt[0].Date)
				}
				iv, err := interviewWindow(ctx, tx, attempt[0].ID, ep.EnrollmentID)
				if err != nil && !errors.Is(err, pg.ErrNoRows) {
					return err
				}
				if closes, closed := iv.closed(s.Today()); err == nil && closed {
					return rss.Coded(rss.ErrConflict, "window_closed",
						"the %s closed on %s: the interview recorded not conducted stands; ask the MSC to withdraw it if the client sat for it",
						iv.which(), closes)
				}
				// An attempt the reports have counted in a month they have
				// closed stands too: an intake's window is its whole stay,
				// and one recorded not conducted on a stay still open was
				// completed months later, dated back, moving a closed
				// month's intake rate (a GPRA black-box pass of the
				// forty-third stop). One dated or recorded since the first
				// of last month is completed as before (a stay's history
				// keyed at once, the attempt and then the interview).
				if open := s.Today().ReportsOpenFrom(); attempt[0].Date.Before(open) && attempt[0].Recorded.Before(open.Time) {
					return rss.Coded(rss.ErrConflict, "period_closed",
						"the interview was recorded not conducted on %s, in a month the reports have closed (an agency completes an attempt up "+
							"to the end of the month after): it stands; ask the MSC to withdraw it if the client sat for it", attempt[0].Date)
				}
			}
		}
		var got struct {
			Interview
			Completed bool `db:"completed"`
		}
		// Recorded at the service's time (created_at), which the closed
		// months above are read by.
		err = tx.GetContext(ctx, &got, `INSERT INTO gpra_interviews AS g (episode_id, enrollment_id, client_id, provider_id, kind, instrument,
				status, interview_date, not_conducted_reason, created_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)
			ON CONFLICT (enrollment_id, kind) DO UPDATE SET instrument = EXCLUDED.instrument, status = 'completed',
				interview_date = EXCLUDED.interview_date, not_conducted_reason = NULL, created_at = EXCLUDED.created_at
			WHERE g.status = 'not_conducted' AND EXCLUDED.status = 'completed' AND EXCLUDED.interview_date >= g.interview_date
			RETURNING `+interviewColumns+`, g.xmax <> 0 AS completed`,
			ep.ID, ep.EnrollmentID, n.ClientID, a.ProviderID, n.Kind, n.Instrument, n.Status, n.InterviewDate, n.NotConductedReason, s.now())
		if errors.Is(err, pg.ErrNoRows) {
			return rss.Coded(rss.ErrConflict, "interview_exists", "this agency already recorded %s interview for this enrollment",
				map[string]string{"intake": "an intake", "follow_up": "a follow-up", "discharge": "a discharge"}[n.Kind])
		}
		if err != nil {
			return fmt.Errorf("record interview: %w", err)
		}
		out = got.Interview
		if got.Completed {
			return access.Record(ctx, tx, access.Event{Action: "update", EntityType: "gpra_interview", EntityID: access.ID(out.ID),
				ClientID: n.ClientID, Outcome: "completed_after_not_conducted"})
		}
		return access.Record(ctx, tx, access.Event{Action: "create", EntityType: "gpra_interview", EntityID: access.ID(out.ID), ClientID: n.ClientID})
	})
	return out, err
}

// ScheduleItem is one interview of an episode's GPRA schedule.
type ScheduleItem struct {
	Kind         string     `json:"kind"`
	DueDate      rss.Date   `json:"due_date"`
	WindowOpens  rss.Date   `json:"window_opens"`
	WindowCloses rss.Date   `json:"window_closes"`
	Window       string     `json:"window"` // not_yet_open, open, closed, not_applicable
	Status       string     `json:"status"` // completed, completed_late, not_conducted, due, overdue, not_yet_due, not_applicable
	Interview    *Interview `json:"interview"`
}

// EpisodeSchedule is the GPRA schedule of one agency's stay in an episode.
type EpisodeSchedule struct {
	EpisodeID    int64          `json:"episode_id,omitempty"` // MSC roles only
	EnrollmentID int64          `json:"enrollment_id"`
	ProviderID   int64          `json:"provider_id"`
	ProgramCode  string         `json:"program_code"`
	OpenedOn     rss.Date       `json:"opened_on"`
	ClosedOn     rss.Date       `json:"closed_on"`
	Interviews   []ScheduleItem `json:"interviews"`
}

// Schedule shows, for each stay in the client's GPRA episodes the actor
// may see, the interviews: due dates, windows, status. A provider sees its
// own stays and those of an agency whose consent names it.
func (s *Service) Schedule(ctx context.Context, clientID int64) ([]EpisodeSchedule, error) {
	a, err := access.ActorFrom(ctx)
	if err != nil {
		return nil, err
	}
	today := s.Today()
	var out []EpisodeSchedule
	err = s.transact(ctx, func(ctx context.Context, tx *sqlx.Tx) error {
		out = []EpisodeSchedule{} // afresh when the transaction runs again
		v, err := viewOf(ctx, tx, a, clientID, today)
		if err != nil {
			return err
		}
		var eps []stay
		// An agency's stays read in the order they began, never by the
		// person's episode: episode ids are handed out as episodes open,
		// so a stay that joined an episode another agency opened sorted
		// before the agency's own earlier one, where a stranger's read in
		// the order entered (a Part 2 white-box review). The MSC reads
		// them grouped by episode, each episode's in the order they began.
		if err := tx.SelectContext(ctx, &eps, stays+`
			WHERE e.person_id = $1 AND ($2::bigint[] IS NULL OR e.provider_id = ANY($2))
			ORDER BY CASE WHEN $3 THEN 0 ELSE e.episode_id END, e.start_date, e.provider_id, e.id`,
			v.personID, v.arg(recordsGPRA), a.IsProvider()); err != nil {
			return err
		}
		var shown, stayed []disclosed
		for _, ep := range eps {
			var ivs []Interview
			if err := tx.SelectContext(ctx, &ivs, `SELECT `+interviewColumns+` FROM gpra_interviews
				WHERE enrollment_id = $1`, ep.EnrollmentID); err != nil {
				return err
			}
			// The stay itself is shown (its enrollment, agency and dates),
			// interviews or none: a stay without one was shown and not
			// recorded (a black-box pass).
			stayed = append(stayed, disclosed{access.ID(ep.EnrollmentID), ep.ClientID, ep.ProviderID})
			for i := range ivs {
				shown = append(shown, disclosed{access.ID(ivs[i].ID), ivs[i].ClientID, ivs[i].ProviderID})
			}
			sch := buildSchedule(ep, ivs, today)
			if a.IsProvider() {
				sch.EpisodeID = 0
				for i := range sch.Interviews {
					if iv := sch.Interviews[i].Interview; iv != nil {
						iv.EpisodeID = 0
					}
				}
			}
			out = append(out, sch)
		}
		events := append(append(disclosures(a, "enrollment", stayed...), disclosures(a, "gpra_interview", shown...)...),
			access.Event{Action: "read", EntityType: "gpra_schedule", EntityID: access.ID(clientID), ClientID: clientID})
		return access.Record(ctx, tx, events...)
	})
	return out, err
}

func buildSchedule(ep stay, ivs []Interview, today rss.Date) EpisodeSchedule {
	byKind := map[string]*Interview{}
	for i := range ivs {
		byKind[ivs[i].Kind] = &ivs[i]
	}
	sch := EpisodeSchedule{EpisodeID: ep.ID, EnrollmentID: ep.EnrollmentID, ProviderID: ep.ProviderID, ProgramCode: ep.ProgramCode, OpenedOn: ep.OpenedOn, ClosedOn: ep.ClosedOn}

	// The intake's window opens with the stay: a stay that begins after
	// today read "open" beside not_yet_due, while an interview dated today
	// was refused before_start (a re-check of a reports black-box pass).
	// A discharged stay's intake window closed at its discharge: one
	// never recorded read "open" and "due" for ever, while the state
	// extract called it missing (a GPRA black-box pass). It may still be
	// recorded, dated within the stay.
	intake := ScheduleItem{Kind: "intake", DueDate: ep.OpenedOn, WindowOpens: ep.OpenedOn, WindowCloses: ep.ClosedOn, Interview: byKind["intake"]}
	// A completed intake counts in its window until the follow-up window
	// it opened opens, as the withdrawal reads it (gpra_withdraw.go): the
	// schedule read "open" with no close while a withdrawal was refused
	// window_closed (an outcomes black-box pass).
	if in := byKind["intake"]; in != nil && in.Status == "completed" {
		if last := in.InterviewDate.AddDays(*ep.FollowupOpenDays - 1); intake.WindowCloses.IsZero() || last.Before(intake.WindowCloses) {
			intake.WindowCloses = last
		}
	}
	intake.Window = windowState(intake, today)
	intake.Status = itemStatus(intake, today)
	sch.Interviews = append(sch.Interviews, intake)

	fu := ScheduleItem{Kind: "follow_up", Interview: byKind["follow_up"], Window: "not_applicable", Status: "not_applicable"}
	if in := byKind["intake"]; in != nil && in.Status == "completed" {
		fu.WindowOpens = in.InterviewDate.AddDays(*ep.FollowupOpenDays)
		fu.WindowCloses = in.InterviewDate.AddDays(*ep.FollowupCloseDays)
		fu.DueDate = fu.WindowOpens
		fu.Window = windowState(fu, today)
		fu.Status = itemStatus(fu, today)
	}
	sch.Interviews = append(sch.Interviews, fu)

	// A discharge interview is owed where a follow-up is: after a
	// completed intake. Owed without one, it read overdue and no record
	// of it could be made (a GPRA black-box pass).
	dc := ScheduleItem{Kind: "discharge", Interview: byKind["discharge"], Window: "not_applicable", Status: "not_applicable"}
	if in := byKind["intake"]; in != nil && in.Status == "completed" && !ep.ClosedOn.IsZero() {
		dc.WindowOpens = ep.ClosedOn
		dc.WindowCloses = ep.ClosedOn.AddDays(*ep.DischargeDays)
		dc.DueDate = dc.WindowCloses
		dc.Window = windowState(dc, today)
		dc.Status = itemStatus(dc, today)
	}
	sch.Interviews = append(sch.Interviews, dc)
	return sch
}

func windowState(it ScheduleItem, today rss.Date) string {
	switch {
	case today.Before(it.WindowOpens):
		return "not_yet_open"
	case !it.WindowCloses.IsZero() && today.After(it.WindowCloses):
		return "closed"
	}
	return "open"
}

func itemStatus(it ScheduleItem, today rss.Date) string {
	if iv := it.Interview; iv != nil {
		if iv.Status == "not_conducted" {
			return "not_conducted"
		}
		if !it.WindowCloses.IsZero() && iv.InterviewDate.After(it.WindowCloses) {
			return "completed_late"
		}
		return "completed"
	}
	switch windowState(it, today) {
	case "not_yet_open":
		return "not_yet_due"
	case "closed":
		return "overdue"
	}
	return "due"
}

// Instrument is a GPRA instrument version (reference data).
type Instrument struct {
	Code       string   `json:"code" db:"code"`
	Name       string   `json:"name" db:"name"`
	ActiveFrom rss.Date `json:"active_from" db:"active_from"`
	ActiveTo   rss.Date `json:"active_to" db:"active_to"`
}

// Outside is what of the interviews on file on an instrument a span
// leaves out: how many fall before its first day, the earliest of them,
// how many after its last, and the latest of those.
type Outside struct {
	Before int      `db:"before"`
	First  rss.Date `db:"first"`
	After  int      `db:"after"`
	Last   rss.Date `db:"last"`
}

// InterviewsOutside is what of the interviews on file recorded on
// instrument falls outside the span from..to (to zero: open): none when
// the span holds them all (a first day holds them up to the earliest one
// left out, a retirement date from the latest). The registry asks it
// before it dates an instrument (gpra_interviews is this package's).
// Withdrawn interviews are not on file and not counted.
func InterviewsOutside(ctx context.Context, ext pg.Ext, instrument string, from, to rss.Date) (Outside, error) {
	var o Outside
	err := sqlx.GetContext(ctx, ext, &o, `SELECT count(*) FILTER (WHERE interview_date < $2) AS before,
			min(interview_date) FILTER (WHERE interview_date < $2) AS first,
			count(*) FILTER (WHERE interview_date > $3::date) AS after,
			max(interview_date) FILTER (WHERE interview_date > $3::date) AS last
		FROM gpra_interviews WHERE instrument = $1`, instrument, from, to)
	if err != nil {
		return Outside{}, fmt.Errorf("interviews outside: %w", err)
	}
	return o, nil
}

// Instruments lists the GPRA instrument versions.
func (s *Service) Instruments(ctx context.Context) ([]Instrument, error) {
	if _, err := access.ActorFrom(ctx); err != nil {
		return nil, err
	}
	var out []Instrument
	if err := s.db.SelectContext(ctx, &out, `SELECT code, name, active_from, active_to FROM gpra_instruments ORDER BY active_from`); err != nil {
		return nil, fmt.Errorf("list instruments: %w", err)
	}
	return out, nil
}

// InstrumentByCode reads one GPRA instrument version, as Instruments lists
// it: where the admin patches it (every role reads it, as the list).
func (s *Service) InstrumentByCode(ctx context.Context, code string) (Instrument, error) {
	var out Instrument
	if _, err := access.ActorFrom(ctx); err != nil {
		return out, err
	}
	err := s.db.GetContext(ctx, &out, `SELECT code, name, active_from, active_to FROM gpra_instruments WHERE code = $1`, code)
	if errors.Is(err, pg.ErrNoRows) {
		return out, fmt.Errorf("%w: GPRA instrument %q", rss.ErrNotFound, code)
	}
	return out, err
}
