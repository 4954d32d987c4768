package outcomes

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/jmoiron/sqlx"

	"rss"
	"rss/access"
	"rss/pg"
)

// Record kinds an archived record may be of.
const (
	KindDrugScreen  = "drug_screen"
	KindStageChange = "employment_stage_change"
)

// maxWithdrawalReason is how long a withdrawal's reason may be.
const maxWithdrawalReason = 500

// ArchivedRecord is a drug screen or an employment stage change withdrawn
// by its agency or the MSC's admin, kept whole with the reason (migration
// 00098): Record is the record as it stood.
type ArchivedRecord struct {
	ID           int64           `json:"id" db:"id"`
	Kind         string          `json:"record_kind" db:"record_kind"`
	RecordID     int64           `json:"record_id" db:"record_id"`
	EnrollmentID int64           `json:"enrollment_id" db:"enrollment_id"`
	Record       json.RawMessage `json:"record" db:"record"`
	RecordedAt   time.Time       `json:"recorded_at" db:"recorded_at"`
	Reason       string          `json:"reason" db:"reason"`
	ArchivedAt   time.Time       `json:"archived_at" db:"archived_at"`
	// ByMSC: the reason is the MSC's (an admin withdrew the record).
	ByMSC bool `json:"-" db:"by_msc"`
}

const archivedColumns = `id, record_kind, record_id, enrollment_id, record, recorded_at, reason, archived_at`

// withdrawal is how one kind of record is withdrawn: its table, the
// program whose enrollments keep it, the columns kept as the record, and
// a check that the rest of the enrollment's records stand without it.
type withdrawal struct {
	// entity is the record's audit entity type, as its recording names it
	// (a screen's withdrawal read drug_screen beside its rsvp_drug_screen
	// creation, half its history under each: a re-check).
	kind, entity, table, program, columns string
	// dated is the column holding the day the record counts on in the
	// reports (closedBefore).
	dated string
	check func(ctx context.Context, tx *sqlx.Tx, id, enrollment int64) error
}

// closedBefore is the first day an agency may still withdraw a record
// dated on, today: the first of last month. The outcome reports count a
// screen or a stage change in the month it is dated, and a month is
// reported once it ends; the agency has the month after to correct what
// it keyed, then the record stands for it, as a GPRA interview does once
// its window closes and an RCM month once recorded (409 period_closed);
// the MSC's admin still withdraws one keyed wrong. Without it an agency
// withdrew an October positive screen in December and recorded a negative
// one, and October's negative rate went from 0.667 to 1 in a report the
// state had read (a clinical black-box pass).
func closedBefore(today rss.Date) rss.Date { return today.ReportsOpenFrom() }

// recordClosed is 409 period_closed for an agency recording a screen or a
// stage change dated in a month the outcome reports have closed
// (closedBefore), nil for the MSC's admin or an open month. Closed to
// withdrawals alone, the month still moved: two October negatives recorded
// in December took October's negative rate from 0 to 0.667, and a stage
// change dated before a closed one turned its movement from first to
// stepped back (a re-check of the forty-second stop). The MSC records
// what an agency shows it missed.
func recordClosed(a access.Actor, field string, dated, today rss.Date) error {
	if open := closedBefore(today); a.IsProvider() && dated.Before(open) {
		// A month is named as sent: "month 2026-10-01" read as a day (a
		// re-check of the forty-fourth stop).
		what := fmt.Sprintf("%s %s is in a month", field, dated)
		if field == "month" {
			what = fmt.Sprintf("month %s is a month", dated.Time.Format("2006-01"))
		}
		return rss.Coded(rss.ErrConflict, "period_closed",
			"%s the outcome reports have closed (an agency records up to the end of the month after): ask the MSC to record it", what)
	}
	return nil
}

// WithdrawDrugScreen withdraws an RSVP drug screen keyed wrong, so the
// agency can record it again as it should be: a screen was write-once,
// the right result refused as screen_exists, and the report's negative
// rate kept the wrong one (a GPRA and outcomes black-box pass).
func (s *Service) WithdrawDrugScreen(ctx context.Context, id int64, reason string) (ArchivedRecord, error) {
	return s.withdraw(ctx, id, reason, withdrawal{kind: KindDrugScreen, entity: "rsvp_drug_screen", table: "rsvp_drug_screens", program: ProgramRSVP,
		columns: `'date', screen_date, 'kind', kind, 'result', result`, dated: "screen_date"})
}

// WithdrawStageChange withdraws an EMP employment stage change keyed
// wrong, as WithdrawDrugScreen does a screen. One between two changes to
// the same stage is refused (409 would_repeat_stage): those two would read
// as a change to the stage already in force, which RecordStage refuses;
// the later is withdrawn first.
func (s *Service) WithdrawStageChange(ctx context.Context, id int64, reason string) (ArchivedRecord, error) {
	return s.withdraw(ctx, id, reason, withdrawal{kind: KindStageChange, entity: "employment_stage_change", table: "employment_stage_changes", program: ProgramEMP,
		columns: `'stage', stage, 'effective_date', effective_date`, dated: "effective_date",
		check: func(ctx context.Context, tx *sqlx.Tx, id, enrollment int64) error {
			var around struct {
				Before *string `db:"before"`
				After  *string `db:"after"`
			}
			if err := tx.GetContext(ctx, &around, `SELECT
					(SELECT b.stage FROM employment_stage_changes b WHERE b.enrollment_id = $2 AND b.effective_date < c.effective_date
					 ORDER BY b.effective_date DESC LIMIT 1) AS before,
					(SELECT n.stage FROM employment_stage_changes n WHERE n.enrollment_id = $2 AND n.effective_date > c.effective_date
					 ORDER BY n.effective_date LIMIT 1) AS after
				FROM employment_stage_changes c WHERE c.id = $1`, id, enrollment); err != nil {
				return fmt.Errorf("stage changes around: %w", err)
			}
			if around.Before != nil && around.After != nil && *around.Before == *around.After {
				return rss.Coded(rss.ErrConflict, "would_repeat_stage",
					"the changes before and after this one are both to stage %s: withdraw the later one first", *around.Before)
			}
			return nil
		}})
}

// checkReason checks a withdrawal's reason: free text of at most
// maxWithdrawalReason characters, tabs and line breaks allowed, no other
// control character, bidirectional override or Unicode line separator.
func checkReason(v *rss.ValidationError, s string) {
	switch {
	case rss.Blank(s):
		v.Add("reason", "required", "reason is required: why the record is withdrawn")
	case utf8.RuneCountInString(s) > maxWithdrawalReason:
		v.Add("reason", "too_long", "reason must be at most %d characters", maxWithdrawalReason)
	case strings.IndexFunc(s, func(r rune) bool { return unicode.IsControl(r) && r != '\t' && r != '\n' && r != '\r' }) >= 0:
		v.Add("reason", "invalid_character", "reason may not hold control characters other than tabs and line breaks")
	case strings.IndexFunc(s, rss.Disguising) >= 0:
		v.Add("reason", "invalid_character", "reason may not hold bidirectional overrides, isolates or Unicode line separators")
	}
}

// withdraw deletes record id of w's kind and keeps it in the archive with
// the reason, in one transaction that answers the POST. The enrollment is
// held (FOR NO KEY UPDATE) first, as a write of its records holds it: a
// record written at the same moment waits. Another agency's record, or
// one of another kind, reads as unknown.
func (s *Service) withdraw(ctx context.Context, id int64, reason string, w withdrawal) (ArchivedRecord, error) {
	a, err := access.Require(ctx, access.RoleProvider, access.RoleAdmin)
	if err != nil {
		return ArchivedRecord{}, err
	}
	// A reason is free text, tabs and line breaks allowed, as a GPRA
	// interview's withdrawal and every other reason take it (this
	// package's checkText, for text that goes into DCF's one-line
	// report fields, refused them: a re-check).
	v := &rss.ValidationError{}
	checkReason(v, reason)
	if err := v.Err(); err != nil {
		return ArchivedRecord{}, err
	}
	notFound := fmt.Errorf("%w: %s %d", rss.ErrNotFound, w.kind, id)
	var out ArchivedRecord
	err = write(ctx, s, &out, func(ctx context.Context, tx *sqlx.Tx) error {
		var rec struct {
			Enrollment int64    `db:"enrollment_id"`
			Dated      rss.Date `db:"dated"`
		}
		err := tx.GetContext(ctx, &rec, `SELECT enrollment_id, `+w.dated+` AS dated FROM `+w.table+` WHERE id = $1`, id)
		if errors.Is(err, pg.ErrNoRows) {
			return notFound
		}
		if err != nil {
			return fmt.Errorf("%s: %w", w.kind, err)
		}
		e, err := enrollmentFor(ctx, tx, a, rec.Enrollment, w.program, writeLock)
		if errors.Is(err, rss.ErrNotFound) {
			return notFound
		}
		if err != nil {
			return err
		}
		// Told only once the record is known to be the agency's own.
		if open := closedBefore(s.today()); a.IsProvider() && rec.Dated.Before(open) {
			return rss.Coded(rss.ErrConflict, "period_closed",
				"the record is dated %s, in a month the outcome reports have closed (an agency corrects its records up to the end "+
					"of the month after): it stands as recorded; ask the MSC to withdraw it if it was keyed wrong", rec.Dated)
		}
		if w.check != nil {
			// The record was read before the enrollment was held: one
			// withdrawn meanwhile is unknown, as the delete below finds it
			// (a stage change's check read no row and answered the second
			// of two withdrawals sent at once 500: an idempotency
			// black-box pass of the forty-seventh stop).
			err := w.check(ctx, tx, id, e.ID)
			if errors.Is(err, pg.ErrNoRows) {
				return notFound
			}
			if err != nil {
				return err
			}
		}
		// The agency reads an admin's reason word for word in its
		// withdrawn records: it may not name an agency the agency may not
		// learn of (an admin's reason named another agency serving the
		// person, with no consent naming the reader: a Part 2 black-box
		// pass). The agency's own words are its own.
		if !a.IsProvider() {
			if err := s.texts.CheckMSCText(ctx, tx, e.ClientID, e.ProviderID, "reason", reason); err != nil {
				return err
			}
		}
		err = tx.GetContext(ctx, &out, `WITH gone AS (DELETE FROM `+w.table+` WHERE id = $1 AND enrollment_id = $2 RETURNING *)
			INSERT INTO outcome_record_archive (record_kind, record_id, enrollment_id, client_id, provider_id, record, recorded_at,
				reason, archived_at, archived_by)
			SELECT $3, id, enrollment_id, $4, $5, jsonb_build_object(`+w.columns+`), created_at, $6, $7, $8 FROM gone
			RETURNING `+archivedColumns, id, e.ID, w.kind, e.ClientID, e.ProviderID, reason, s.now(), a.KeyID)
		if errors.Is(err, pg.ErrNoRows) {
			return notFound // withdrawn while the enrollment was awaited
		}
		if err != nil {
			return fmt.Errorf("withdraw %s: %w", w.kind, err)
		}
		return access.Record(ctx, tx, access.Event{Action: "withdraw", EntityType: w.entity, EntityID: access.ID(id), ClientID: e.ClientID})
	})
	return out, err
}

// ArchivedRecords lists an enrollment's withdrawn drug screens and stage
// changes, oldest first, to whoever may read its records (readRecords). An
// admin's reason reads to a provider as the MSC's other texts do
// (MSCTexts.ShowMSCTexts): withheld once the consent that let it name
// another agency is no longer in force, and a disclosure when read under
// it. Checked only when written, the agency read the other agency's name
// after the revocation (a gap written down at the twenty-ninth stop, the
// GPRA archive's alike found by a white-box review).
func (s *Service) ArchivedRecords(ctx context.Context, enrollmentID int64) ([]ArchivedRecord, error) {
	out := []ArchivedRecord{}
	err := s.readRecords(ctx, enrollmentID, anyProgram, "withdrawn_records", func(ctx context.Context, tx *sqlx.Tx) error {
		if err := tx.SelectContext(ctx, &out, `SELECT `+archivedColumns+`,
				EXISTS (SELECT 1 FROM api_keys k WHERE k.id = archived_by AND k.role <> 'provider') AS by_msc
			FROM outcome_record_archive WHERE enrollment_id = $1 ORDER BY id`, enrollmentID); err != nil {
			return fmt.Errorf("withdrawn records: %w", err)
		}
		var texts []*string
		var client int64
		for i := range out {
			if out[i].ByMSC {
				texts = append(texts, &out[i].Reason)
			}
		}
		if len(texts) == 0 {
			return nil
		}
		if err := tx.GetContext(ctx, &client, `SELECT client_id FROM enrollments WHERE id = $1`, enrollmentID); err != nil {
			return fmt.Errorf("withdrawn records' client: %w", err)
		}
		shown, err := s.texts.ShowMSCTexts(ctx, tx, client, "withdrawn_records", access.ID(enrollmentID), texts...)
		if err != nil {
			return err
		}
		return access.Record(ctx, tx, shown...)
	})
	return out, err
}
