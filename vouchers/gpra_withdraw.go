package vouchers

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jmoiron/sqlx"

	"rss"
	"rss/access"
	"rss/pg"
)

// ArchivedInterview is a GPRA interview no longer in force, kept whole
// (migration 00098): withdrawn by its agency or the MSC's admin with a
// reason (cause withdrawn), or recorded not conducted and then replaced by
// the completed interview (cause completed; who completed it is that
// transaction's audit event's).
type ArchivedInterview struct {
	ID                 int64     `json:"id" db:"id"`
	InterviewID        int64     `json:"interview_id" db:"interview_id"`
	EnrollmentID       int64     `json:"enrollment_id" db:"enrollment_id"`
	ClientID           int64     `json:"client_id" db:"client_id"`
	ProviderID         int64     `json:"provider_id" db:"provider_id"`
	Kind               string    `json:"kind" db:"kind"`
	Instrument         string    `json:"instrument" db:"instrument"`
	Status             string    `json:"status" db:"status"`
	InterviewDate      rss.Date  `json:"interview_date" db:"interview_date"`
	NotConductedReason *string   `json:"not_conducted_reason" db:"not_conducted_reason"`
	RecordedAt         time.Time `json:"recorded_at" db:"recorded_at"`
	Cause              string    `json:"cause" db:"cause"`
	Reason             *string   `json:"reason" db:"reason"`
	ArchivedAt         time.Time `json:"archived_at" db:"archived_at"`
	// ByMSC: the reason is the MSC's (an admin withdrew it), which a
	// provider reads as the MSC's other texts are (showTexts).
	ByMSC bool `json:"-" db:"by_msc"`
}

const archivedInterviewColumns = `id, interview_id, enrollment_id, client_id, provider_id, kind, instrument, status, interview_date,
	not_conducted_reason, recorded_at, cause, reason, archived_at`

// WithdrawInterview withdraws a GPRA interview keyed wrong, so the agency
// can record it again as it should be: each interview was write-once, the
// right one refused as a duplicate, and a mis-keyed date moved the
// follow-up rate for good (a GPRA black-box pass). The interview leaves
// gpra_interviews, which the rules, the schedule and the reports read, and
// is kept whole in the archive with the reason. The agency that recorded
// it withdraws it, or the MSC's admin; another agency's reads as unknown.
// A stay's intake is withdrawn after its follow-up and discharge
// interviews (409 interview_follows), which follow a completed intake.
// The agency withdraws an interview only while the window it counts in
// (a completed intake's, until the follow-up window it opened opens) is open (409
// window_closed).
//
// The stay is held (FOR NO KEY UPDATE) first, as RecordInterview holds it
// FOR SHARE: an interview of the stay recorded at the same moment waits,
// and a follow-up is never recorded on an intake being withdrawn.
func (s *Service) WithdrawInterview(ctx context.Context, id int64, reason string) (ArchivedInterview, error) {
	a, err := access.Require(ctx, access.RoleProvider, access.RoleAdmin)
	if err != nil {
		return ArchivedInterview{}, err
	}
	v := &rss.ValidationError{}
	requireReason(v, reason, "reason is required: why the interview is withdrawn")
	if err := v.Err(); err != nil {
		return ArchivedInterview{}, err
	}
	notFound := fmt.Errorf("%w: GPRA interview %d", rss.ErrNotFound, id)
	var provider any // a provider withdraws its own agency's only
	if a.IsProvider() {
		provider = a.ProviderID
	}
	var out ArchivedInterview
	err = write(ctx, s, &out, func(ctx context.Context, tx *sqlx.Tx) error {
		var enrollment int64
		err := tx.GetContext(ctx, &enrollment, `SELECT enrollment_id FROM gpra_interviews WHERE id = $1 AND ($2::bigint IS NULL OR provider_id = $2)`,
			id, provider)
		if errors.Is(err, pg.ErrNoRows) && !a.IsProvider() {
			return s.releaseWithdrawnIntake(ctx, tx, a, id, reason, &out)
		}
		if errors.Is(err, pg.ErrNoRows) {
			return notFound
		}
		if err != nil {
			return fmt.Errorf("GPRA interview: %w", err)
		}
		if _, err := tx.ExecContext(ctx, `SELECT 1 FROM enrollments WHERE id = $1 FOR NO KEY UPDATE`, enrollment); err != nil {
			return fmt.Errorf("lock stay: %w", err)
		}
		iv, err := interviewWindow(ctx, tx, id, enrollment)
		if errors.Is(err, pg.ErrNoRows) {
			return notFound // withdrawn, or moved, while the stay was awaited
		}
		if err != nil {
			return err
		}
		if iv.Kind == "intake" && iv.Followers > 0 {
			return rss.Coded(rss.ErrConflict, "interview_follows",
				"the stay's follow-up or discharge interview follows this intake: withdraw it first, then the intake")
		}
		// Once the window an interview counts in has closed it is part of
		// the record for its agency: a completed intake withdrawn and
		// recorded again later opened a new follow-up window, so a voucher
		// the overdue follow-up pended for a reviewer was approved by the
		// rules, and a closed period's follow-up rate changed (a GPRA
		// black-box pass); a follow-up recorded late, withdrawn and
		// recorded again dated in its window, did the same (its re-check).
		// The MSC's admin still withdraws one keyed wrong.
		if closes, closed := iv.closed(s.Today()); a.IsProvider() && closed {
			return rss.Coded(rss.ErrConflict, "window_closed",
				"the %s closed on %s: the interview stands as recorded; ask the MSC to withdraw it if it was keyed wrong", iv.which(), closes)
		}
		// The admin's reason is MSC text the agency reads word for word in
		// its withdrawn interviews, checked as a reviewer's note is (a
		// review found one naming the other agency serving the person
		// shown).
		if !a.IsProvider() {
			if err := s.CheckMSCText(ctx, tx, iv.Client, iv.Provider, "reason", reason); err != nil {
				return err
			}
		}
		if err := tx.GetContext(ctx, &out, `WITH gone AS (DELETE FROM gpra_interviews WHERE id = $1 RETURNING *)
			INSERT INTO gpra_interview_archive (interview_id, enrollment_id, client_id, provider_id, kind, instrument, status,
				interview_date, not_conducted_reason, recorded_at, cause, reason, archived_at, archived_by)
			SELECT id, enrollment_id, client_id, provider_id, kind, instrument, status, interview_date, not_conducted_reason,
				created_at, 'withdrawn', $2, $3, $4 FROM gone
			RETURNING `+archivedInterviewColumns, id, reason, s.now(), a.KeyID); err != nil {
			return fmt.Errorf("withdraw GPRA interview: %w", err)
		}
		return access.Record(ctx, tx, access.Event{Action: "withdraw", EntityType: "gpra_interview", EntityID: access.ID(id),
			ClientID: out.ClientID, Outcome: out.Kind})
	})
	return out, err
}

// releaseWithdrawnIntake is the MSC's withdrawal of a completed intake its
// agency withdrew already: the agency records the stay's intake again dated
// no later than one it withdrew (RecordInterview's intake_withdrawn) until
// the admin has withdrawn one, and an intake keyed a day too early, or on
// the wrong client's stay, and withdrawn could never be recorded on its
// true day, nor could the admin help, with nothing standing to withdraw (a
// review). The archive keeps it again, withdrawn by the admin with its
// reason, which leaves the day to the agency. Anything else reads as
// unknown, as before.
func (s *Service) releaseWithdrawnIntake(ctx context.Context, tx *sqlx.Tx, a access.Actor, id int64, reason string, out *ArchivedInterview) error {
	notFound := fmt.Errorf("%w: GPRA interview %d", rss.ErrNotFound, id)
	// The stay first, as a withdrawal and a recording hold it, and then
	// whether the agency's withdrawal still stands unreleased: read
	// before the lock, four releases at once were each taken (a review).
	var enrollment int64
	err := tx.GetContext(ctx, &enrollment, `SELECT enrollment_id FROM gpra_interview_archive WHERE interview_id = $1 LIMIT 1`, id)
	if errors.Is(err, pg.ErrNoRows) {
		return notFound
	}
	if err != nil {
		return fmt.Errorf("withdrawn GPRA interview: %w", err)
	}
	if _, err := tx.ExecContext(ctx, `SELECT 1 FROM enrollments WHERE id = $1 FOR NO KEY UPDATE`, enrollment); err != nil {
		return fmt.Errorf("lock stay: %w", err)
	}
	var w struct {
		ID       int64 `db:"id"`
		Client   int64 `db:"client_id"`
		Provider int64 `db:"provider_id"`
	}
	err = tx.GetContext(ctx, &w, `SELECT w.id, w.client_id, w.provider_id FROM gpra_interview_archive w JOIN api_keys k ON k.id = w.archived_by
		WHERE w.interview_id = $1 AND w.cause = 'withdrawn' AND w.kind = 'intake' AND w.status = 'completed' AND k.role = 'provider'
		  AND NOT EXISTS (SELECT 1 FROM gpra_interview_archive x JOIN api_keys xk ON xk.id = x.archived_by
		                  WHERE x.interview_id = w.interview_id AND xk.role = 'admin')
		ORDER BY w.id DESC LIMIT 1`, id)
	if errors.Is(err, pg.ErrNoRows) {
		return notFound
	}
	if err != nil {
		return fmt.Errorf("withdrawn GPRA interview: %w", err)
	}
	// The agency reads the reason in its withdrawn interviews.
	if err := s.CheckMSCText(ctx, tx, w.Client, w.Provider, "reason", reason); err != nil {
		return err
	}
	if err := tx.GetContext(ctx, out, `INSERT INTO gpra_interview_archive (interview_id, enrollment_id, client_id, provider_id, kind,
			instrument, status, interview_date, not_conducted_reason, recorded_at, cause, reason, archived_at, archived_by)
		SELECT interview_id, enrollment_id, client_id, provider_id, kind, instrument, status, interview_date, not_conducted_reason,
			recorded_at, 'withdrawn', $2, $3, $4 FROM gpra_interview_archive WHERE id = $1
		RETURNING `+archivedInterviewColumns, w.ID, reason, s.now(), a.KeyID); err != nil {
		return fmt.Errorf("withdraw GPRA interview: %w", err)
	}
	return access.Record(ctx, tx, access.Event{Action: "withdraw", EntityType: "gpra_interview", EntityID: access.ID(id),
		ClientID: out.ClientID, Outcome: "intake withdrawn by its agency: its day left to the agency"})
}

// ArchivedInterviews lists the client's GPRA interviews no longer in force,
// oldest first: withdrawn ones and not-conducted records a completed
// interview replaced. A client record is one agency's, so a provider sees
// its own agency's alone; the MSC roles see any client's. An admin's
// reason for a withdrawal is read as the MSC's other texts are
// (showTexts): one naming an agency under a consent revoked or expired
// since is withheld, and one read under a consent in force is a
// disclosure in the person's accounting. Checked only when written, the
// agency read the other agency's name after its consent was revoked, and
// the read was accounted nowhere (a white-box review).
func (s *Service) ArchivedInterviews(ctx context.Context, clientID int64) ([]ArchivedInterview, error) {
	a, err := access.ActorFrom(ctx)
	if err != nil {
		return nil, err
	}
	out := []ArchivedInterview{}
	err = s.transact(ctx, func(ctx context.Context, tx *sqlx.Tx) error {
		if err := canSeeClient(ctx, tx, a, clientID); err != nil {
			return err
		}
		if err := tx.SelectContext(ctx, &out, `SELECT `+archivedInterviewColumns+`,
				EXISTS (SELECT 1 FROM api_keys k WHERE k.id = archived_by AND k.role <> 'provider') AS by_msc
			FROM gpra_interview_archive WHERE client_id = $1 ORDER BY id`, clientID); err != nil {
			return fmt.Errorf("archived GPRA interviews: %w", err)
		}
		var texts []*string
		for i := range out {
			if out[i].ByMSC {
				texts = append(texts, out[i].Reason)
			}
		}
		shown, err := showTexts(ctx, tx, a, clientID, s.Today(), "gpra_interview_archive", access.ID(clientID), texts...)
		if err != nil {
			return err
		}
		return access.Record(ctx, tx, append(shown, access.Event{Action: "read", EntityType: "gpra_interview_archive",
			EntityID: access.ID(clientID), ClientID: clientID})...)
	})
	return out, err
}

// windowOf is an interview and the window it counts in for the rate
// (interviewWindow).
type windowOf struct {
	Kind      string    `db:"kind"`
	Status    string    `db:"status"`
	Followers int       `db:"followers"`
	Closes    *rss.Date `db:"window_closes"`
	// The stay's discharge: its intake stands once the stay has
	// ended, the day of the discharge included (withdrawn the day
	// of a discharge, an intake took the stay's follow-up and
	// discharge interview out of what it owed: a re-check).
	Discharged *rss.Date `db:"discharge_date"`
	Client     int64     `db:"client_id"`
	Provider   int64     `db:"provider_id"`
}

// interviewWindow reads interview id of the stay enrollment, locked (FOR
// UPDATE), with the window it counts in for the rate: an intake's is
// the stay, closed at its discharge, or for a completed one the days
// before the follow-up window it opened opens, whichever closes first (an
// intake of a stay discharged in a closed range, withdrawn, took its
// discharge interview's window out of that range's figures: a re-check;
// one withdrawn while its follow-up was due, and left unrecorded, owed the
// follow-up nowhere, the rate's denominator, the schedule and the overdue
// pend all dropping it: a review); a follow-up's closes with its intake's
// close days, a discharge interview's with the discharge. pg.ErrNoRows
// when there is none.
func interviewWindow(ctx context.Context, tx *sqlx.Tx, id, enrollment int64) (windowOf, error) {
	var iv windowOf
	err := tx.GetContext(ctx, &iv, `SELECT g.kind, g.status, (SELECT count(*) FROM gpra_interviews f
			WHERE f.enrollment_id = g.enrollment_id AND f.kind <> 'intake') AS followers,
			CASE g.kind
			  WHEN 'intake' THEN LEAST(e.discharge_date, CASE WHEN g.status = 'completed'
			    THEN g.interview_date + COALESCE(e.gpra_followup_open_days, p.gpra_followup_open_days) - 1 END)
			  WHEN 'follow_up' THEN (SELECT i.interview_date FROM gpra_interviews i
			    WHERE i.enrollment_id = g.enrollment_id AND i.kind = 'intake') + COALESCE(e.gpra_followup_close_days, p.gpra_followup_close_days)
			  ELSE e.discharge_date + COALESCE(e.gpra_discharge_days, p.gpra_discharge_days) END AS window_closes,
			e.discharge_date, g.client_id, g.provider_id
		FROM gpra_interviews g JOIN enrollments e ON e.id = g.enrollment_id JOIN programs p ON p.code = e.program_code
		WHERE g.id = $1 AND g.enrollment_id = $2 FOR UPDATE OF g`, id, enrollment)
	if err != nil && !errors.Is(err, pg.ErrNoRows) {
		return iv, fmt.Errorf("GPRA interview: %w", err)
	}
	return iv, err
}

// closed is the day the interview's window closed and whether it has by
// today. Once it has, the interview is part of the record for its agency:
// a completed intake withdrawn and recorded again later opened a new
// follow-up window, so a voucher the overdue follow-up pended for a
// reviewer was approved by the rules, and a closed period's follow-up rate
// changed (a GPRA black-box pass); a follow-up recorded late, withdrawn and
// recorded again dated in its window, did the same (its re-check). The
// MSC's admin still withdraws one keyed wrong.
func (iv windowOf) closed(today rss.Date) (rss.Date, bool) {
	switch {
	case iv.Closes != nil && iv.Closes.Before(today):
		return *iv.Closes, true
	case iv.Kind == "intake" && iv.Discharged != nil && !iv.Discharged.After(today):
		return *iv.Discharged, true
	}
	return rss.Date{}, false
}

// which names the window for an answer.
func (iv windowOf) which() string {
	return map[string]string{"intake": "window this intake counts in (its stay, or the days before the follow-up window it opened opens)",
		"follow_up": "follow-up window", "discharge": "discharge interview's window"}[iv.Kind]
}
