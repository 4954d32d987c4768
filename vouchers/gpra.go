package vouchers

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jmoiron/sqlx"

	"rss"
	"rss/access"
	"rss/sql"
)

// Interview is one GPRA interview: completed, or not conducted with a reason.
type Interview struct {
	ID                 int64     `json:"id" db:"id"`
	EpisodeID          int64     `json:"episode_id" db:"episode_id"`
	ClientID           int64     `json:"client_id" db:"client_id"`
	ProviderID         int64     `json:"provider_id" db:"provider_id"`
	Kind               string    `json:"kind" db:"kind"`
	Instrument         string    `json:"instrument" db:"instrument"`
	Status             string    `json:"status" db:"status"`
	InterviewDate      rss.Date  `json:"interview_date" db:"interview_date"`
	NotConductedReason *string   `json:"not_conducted_reason" db:"not_conducted_reason"`
	CreatedAt          time.Time `json:"created_at" db:"created_at"`
}

// NewInterview records an interview. EpisodeID may be left out: the
// client's open episode in a GPRA program is used (or, for a discharge
// interview, the most recently closed one).
type NewInterview struct {
	ClientID           int64    `json:"client_id"`
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
	if n.ClientID <= 0 {
		v.Add("client_id", "required", "client_id is required")
	}
	if n.Kind != "intake" && n.Kind != "follow_up" && n.Kind != "discharge" {
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
		if n.NotConductedReason == nil || !contains(notConductedReasons, *n.NotConductedReason) {
			v.Add("not_conducted_reason", "required", "not_conducted_reason must be one of refused, unable_to_locate, incarcerated, hospitalized, deceased, other")
		}
	default:
		v.Add("status", "invalid_value", "status must be completed or not_conducted")
	}
	if n.InterviewDate.IsZero() {
		v.Add("interview_date", "required", "interview_date is required")
	} else if n.InterviewDate.After(today) {
		v.Add("interview_date", "in_future", "interview_date cannot be in the future")
	}
	return v.Err()
}

type episode struct {
	ID          int64    `db:"id"`
	ClientID    int64    `db:"client_id"`
	ProgramCode string   `db:"program_code"`
	OpenedOn    rss.Date `db:"opened_on"`
	ClosedOn    rss.Date `db:"closed_on"`
}

const interviewColumns = `id, episode_id, client_id, provider_id, kind, instrument, status, interview_date, not_conducted_reason, created_at`

// RecordInterview records a GPRA interview for an episode the caller's agency serves.
func (s *Service) RecordInterview(ctx context.Context, n NewInterview) (Interview, error) {
	a, err := access.Require(ctx, access.RoleProvider)
	if err != nil {
		return Interview{}, err
	}
	if err := n.validate(s.Today()); err != nil {
		return Interview{}, err
	}
	var out Interview
	err = s.transact(ctx, func(ctx context.Context, tx *sqlx.Tx) error {
		if err := canSeeClient(ctx, tx, a, n.ClientID); err != nil {
			return rss.Invalid("client_id", "unknown_id", "no client %d", n.ClientID)
		}
		var ep episode
		var err error
		if n.EpisodeID != nil {
			err = tx.GetContext(ctx, &ep, `SELECT e.id, e.client_id, e.program_code, e.opened_on, e.closed_on
				FROM episodes e JOIN programs p ON p.code = e.program_code
				WHERE e.id = $1 AND e.client_id = $2 AND p.gpra_required`, *n.EpisodeID, n.ClientID)
		} else {
			err = tx.GetContext(ctx, &ep, `SELECT e.id, e.client_id, e.program_code, e.opened_on, e.closed_on
				FROM episodes e JOIN programs p ON p.code = e.program_code
				WHERE e.client_id = $1 AND p.gpra_required AND (e.closed_on IS NULL OR $2 = 'discharge')
				ORDER BY e.closed_on IS NULL DESC, e.closed_on DESC, e.id DESC LIMIT 1`, n.ClientID, n.Kind)
		}
		if errors.Is(err, sql.ErrNoRows) {
			return rss.Invalid("episode_id", "unknown_id", "the client has no episode in a program that requires GPRA")
		}
		if err != nil {
			return err
		}
		var serves bool
		if err := tx.GetContext(ctx, &serves, `SELECT EXISTS (SELECT 1 FROM enrollments WHERE episode_id = $1 AND provider_id = $2)`, ep.ID, a.ProviderID); err != nil {
			return err
		}
		if !serves {
			return rss.Invalid("episode_id", "not_enrolled", "this agency has no enrollment in the client's episode")
		}
		var instOK bool
		if err := tx.GetContext(ctx, &instOK, `SELECT EXISTS (SELECT 1 FROM gpra_instruments WHERE code = $1
			AND active_from <= $2 AND (active_to IS NULL OR active_to >= $2))`, n.Instrument, n.InterviewDate); err != nil {
			return err
		}
		if !instOK {
			return rss.Invalid("instrument", "unknown_id", "instrument %q is not in use on %s", n.Instrument, n.InterviewDate)
		}
		if n.Kind == "follow_up" {
			prog, err := loadProgram(ctx, tx, ep.ProgramCode)
			if err != nil {
				return err
			}
			var intake rss.Date
			err = tx.GetContext(ctx, &intake, `SELECT interview_date FROM gpra_interviews WHERE episode_id = $1 AND kind = 'intake' AND status = 'completed'`, ep.ID)
			if errors.Is(err, sql.ErrNoRows) {
				return rss.Invalid("kind", "intake_missing", "record the intake interview before the follow-up")
			}
			if err != nil {
				return err
			}
			if opens := intake.AddDays(*prog.GPRAFollowupOpenDays); n.InterviewDate.Before(opens) {
				return rss.Invalid("interview_date", "before_window", "the follow-up window opens on %s", opens)
			}
		}
		if n.Kind == "discharge" && ep.ClosedOn.IsZero() {
			return rss.Invalid("kind", "not_discharged", "the episode is still open; discharge the enrollment first")
		}
		err = tx.GetContext(ctx, &out, `INSERT INTO gpra_interviews (episode_id, client_id, provider_id, kind, instrument,
				status, interview_date, not_conducted_reason)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING `+interviewColumns,
			ep.ID, n.ClientID, a.ProviderID, n.Kind, n.Instrument, n.Status, n.InterviewDate, n.NotConductedReason)
		if sql.IsViolation(err, sql.CodeUniqueViolation, "gpra_interviews_one_per_kind") {
			return rss.Coded(rss.ErrConflict, "interview_exists", "a %s interview is already recorded for episode %d", n.Kind, ep.ID)
		}
		if err != nil {
			return fmt.Errorf("record interview: %w", err)
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

// EpisodeSchedule is the GPRA schedule of one episode.
type EpisodeSchedule struct {
	EpisodeID   int64          `json:"episode_id"`
	ProgramCode string         `json:"program_code"`
	OpenedOn    rss.Date       `json:"opened_on"`
	ClosedOn    rss.Date       `json:"closed_on"`
	Interviews  []ScheduleItem `json:"interviews"`
}

// Schedule shows each GPRA episode's interviews: due dates, windows, status.
func (s *Service) Schedule(ctx context.Context, clientID int64) ([]EpisodeSchedule, error) {
	a, err := access.ActorFrom(ctx)
	if err != nil {
		return nil, err
	}
	today := s.Today()
	out := []EpisodeSchedule{}
	err = s.transact(ctx, func(ctx context.Context, tx *sqlx.Tx) error {
		if err := canSeeClient(ctx, tx, a, clientID); err != nil {
			return err
		}
		var eps []episode
		if err := tx.SelectContext(ctx, &eps, `SELECT e.id, e.client_id, e.program_code, e.opened_on, e.closed_on
			FROM episodes e JOIN programs p ON p.code = e.program_code
			WHERE e.client_id = $1 AND p.gpra_required ORDER BY e.id`, clientID); err != nil {
			return err
		}
		for _, ep := range eps {
			prog, err := loadProgram(ctx, tx, ep.ProgramCode)
			if err != nil {
				return err
			}
			var ivs []Interview
			if err := tx.SelectContext(ctx, &ivs, `SELECT `+interviewColumns+` FROM gpra_interviews WHERE episode_id = $1`, ep.ID); err != nil {
				return err
			}
			out = append(out, buildSchedule(ep, &prog, ivs, today))
		}
		return access.Record(ctx, tx, access.Event{Action: "read", EntityType: "gpra_schedule", EntityID: access.ID(clientID), ClientID: clientID})
	})
	return out, err
}

func buildSchedule(ep episode, p *Program, ivs []Interview, today rss.Date) EpisodeSchedule {
	byKind := map[string]*Interview{}
	for i := range ivs {
		byKind[ivs[i].Kind] = &ivs[i]
	}
	sch := EpisodeSchedule{EpisodeID: ep.ID, ProgramCode: ep.ProgramCode, OpenedOn: ep.OpenedOn, ClosedOn: ep.ClosedOn}

	intake := ScheduleItem{Kind: "intake", DueDate: ep.OpenedOn, WindowOpens: ep.OpenedOn, Window: "open", Interview: byKind["intake"]}
	intake.Status = itemStatus(intake, today)
	sch.Interviews = append(sch.Interviews, intake)

	fu := ScheduleItem{Kind: "follow_up", Interview: byKind["follow_up"], Window: "not_applicable", Status: "not_applicable"}
	if in := byKind["intake"]; in != nil && in.Status == "completed" {
		fu.WindowOpens = in.InterviewDate.AddDays(*p.GPRAFollowupOpenDays)
		fu.WindowCloses = in.InterviewDate.AddDays(*p.GPRAFollowupCloseDays)
		fu.DueDate = fu.WindowOpens
		fu.Window = windowState(fu, today)
		fu.Status = itemStatus(fu, today)
	}
	sch.Interviews = append(sch.Interviews, fu)

	dc := ScheduleItem{Kind: "discharge", Interview: byKind["discharge"], Window: "not_applicable", Status: "not_applicable"}
	if !ep.ClosedOn.IsZero() {
		dc.WindowOpens = ep.ClosedOn
		dc.WindowCloses = ep.ClosedOn.AddDays(*p.GPRADischargeDays)
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

// FollowupRate is one provider's GPRA follow-up rate: follow-ups completed
// in window over follow-ups whose window has closed. The federal target is 80%.
type FollowupRate struct {
	ProviderID    int64   `json:"provider_id" db:"provider_id"`
	WindowsClosed int     `json:"windows_closed" db:"windows_closed"`
	DoneInWindow  int     `json:"done_in_window" db:"done_in_window"`
	Rate          *string `json:"rate" db:"-"`
	Target        string  `json:"target" db:"-"`
	MeetsTarget   bool    `json:"meets_target" db:"-"`
}

// FollowupRates reports the follow-up rate per provider (the provider that
// conducted the intake owns the follow-up).
func (s *Service) FollowupRates(ctx context.Context) ([]FollowupRate, error) {
	a, err := access.ActorFrom(ctx)
	if err != nil {
		return nil, err
	}
	var pid any
	if a.IsProvider() {
		pid = a.ProviderID
	}
	out := []FollowupRate{}
	err = s.db.SelectContext(ctx, &out, `
		SELECT i.provider_id,
		       count(*) AS windows_closed,
		       count(*) FILTER (WHERE f.status = 'completed'
		           AND f.interview_date BETWEEN i.interview_date + p.gpra_followup_open_days
		                                   AND i.interview_date + p.gpra_followup_close_days) AS done_in_window
		FROM gpra_interviews i
		JOIN episodes e ON e.id = i.episode_id
		JOIN programs p ON p.code = e.program_code
		LEFT JOIN gpra_interviews f ON f.episode_id = i.episode_id AND f.kind = 'follow_up'
		WHERE i.kind = 'intake' AND i.status = 'completed'
		  AND i.interview_date + p.gpra_followup_close_days < $1
		  AND ($2::bigint IS NULL OR i.provider_id = $2)
		GROUP BY i.provider_id ORDER BY i.provider_id`, s.Today(), pid)
	if err != nil {
		return nil, fmt.Errorf("follow-up rates: %w", err)
	}
	var target int
	if err := s.db.GetContext(ctx, &target, `SELECT value FROM settings WHERE key = 'gpra_followup_target_percent'`); err != nil {
		return nil, fmt.Errorf("%w: setting gpra_followup_target_percent is missing; load the fixtures", rss.ErrUnavailable)
	}
	for i := range out {
		out[i].Target = fmt.Sprintf("%d.%02d", target/100, target%100)
		if out[i].WindowsClosed > 0 {
			r := float64(out[i].DoneInWindow) / float64(out[i].WindowsClosed)
			str := fmt.Sprintf("%.2f", r)
			out[i].Rate = &str
			out[i].MeetsTarget = out[i].DoneInWindow*100 >= target*out[i].WindowsClosed
		}
	}
	return out, nil
}

// Instrument is a GPRA instrument version (reference data).
type Instrument struct {
	Code       string   `json:"code" db:"code"`
	Name       string   `json:"name" db:"name"`
	ActiveFrom rss.Date `json:"active_from" db:"active_from"`
	ActiveTo   rss.Date `json:"active_to" db:"active_to"`
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
