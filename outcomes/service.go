package outcomes

import (
	"context"
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

// The programs whose records this package keeps.
const (
	ProgramEMP  = "EMP"
	ProgramRCM  = "RCM"
	ProgramRSVP = "RSVP"
)

// Service is the outcomes domain. Its methods take the actor from ctx and
// own their transactions.
type Service struct {
	db    *sqlx.DB
	ids   *pg.Idempotency
	now   func() time.Time
	loc   *time.Location
	texts MSCTexts
}

// MSCTexts guards text an MSC user writes that an agency reads word for
// word (a withdrawal's reason) under 42 CFR Part 2. The vouchers domain
// keeps the consents and the agencies' words, and the wiring passes it
// (vouchers.Service), as this package imports none of the other domains.
type MSCTexts interface {
	// CheckMSCText refuses, in tx, text that tells the reader agency
	// that the client's person is known to an agency whose consent does
	// not name it: a 422 names_another_agency on field.
	CheckMSCText(ctx context.Context, tx *sqlx.Tx, clientID, reader int64, field, text string) error
	// ShowMSCTexts prepares such texts of the client's for the actor of
	// ctx to read today: one naming an agency whose consent is no longer
	// in force is withheld in place, and the disclosures of those read
	// under a consent are returned to be recorded.
	ShowMSCTexts(ctx context.Context, tx *sqlx.Tx, clientID int64, entity, entityID string, texts ...*string) ([]access.Event, error)
}

// New returns a Service over db; now is the clock, loc the time zone
// whose calendar says what "today" is, and texts the guard of what an
// admin writes that the agency reads (a withdrawal's reason).
func New(db *sqlx.DB, now func() time.Time, loc *time.Location, texts MSCTexts) *Service {
	if loc == nil {
		loc = time.UTC
	}
	return &Service{db: db, ids: pg.NewIdempotency(db), now: now, loc: loc, texts: texts}
}

// today is the civil date now in the service's time zone.
func (s *Service) today() rss.Date { return rss.NewDate(s.now().In(s.loc)) }

// write runs a write that answers a POST: its idempotency key, the work
// and the answer in one transaction (pg.Do).
func write[T any](ctx context.Context, s *Service, out *T, fn func(ctx context.Context, tx *sqlx.Tx) error) error {
	return pg.DoInto(ctx, s.db, s.ids, out, fn)
}

// enrollment is what a program record needs to know of its enrollment.
type enrollment struct {
	ID            int64    `db:"id"`
	ClientID      int64    `db:"client_id"`
	ProviderID    int64    `db:"provider_id"`
	ProgramCode   string   `db:"program_code"`
	StartDate     rss.Date `db:"start_date"`
	DischargeDate rss.Date `db:"discharge_date"`
}

// lockMode is how a write holds its enrollment while it checks and writes.
type lockMode string

const (
	// readOnly takes no lock.
	readOnly lockMode = ""
	// shareLock keeps a discharge (an UPDATE of the row) out until the
	// write commits, so the enrollment's end cannot move under it.
	shareLock lockMode = " FOR SHARE"
	// writeLock also keeps out another write holding it: for a write
	// whose check reads the enrollment's other records of its kind (a
	// stage change against the changes before and after it), which two
	// writes at once would each make without seeing the other's.
	writeLock lockMode = " FOR NO KEY UPDATE"
)

// anyProgram asks enrollmentFor (and readRecords) for an enrollment of
// any program: the withdrawn records of an enrollment are kept for EMP
// and RSVP alike.
const anyProgram = ""

// lockAgencyStays locks the agency's enrollments of e's client in e's
// program in id order (FOR NO KEY UPDATE: a discharge waits) and returns
// their ids: the records one person may have only one of a day at the
// agency (a screen of a kind, a stage change) are checked across them, as
// a same-day readmission gives two enrollments covering that day. Taken
// in id order, before anything is read of them, two records sent at once
// to the two enrollments wait one for the other (one was answered
// concurrent_change, each holding its own: a re-check).
func lockAgencyStays(ctx context.Context, tx *sqlx.Tx, e enrollment) ([]int64, error) {
	var stays []int64
	if err := tx.SelectContext(ctx, &stays, `SELECT id FROM enrollments WHERE client_id = $1 AND provider_id = $2
		AND program_code = $3 ORDER BY id FOR NO KEY UPDATE`, e.ClientID, e.ProviderID, e.ProgramCode); err != nil {
		return nil, fmt.Errorf("the agency's stays: %w", err)
	}
	return stays, nil
}

// enrollmentFor reads enrollment id for the actor: not found when it does
// not exist or belongs to another agency than a provider's own, a conflict
// when it is not an enrollment in program (anyProgram takes any). lock
// says how the row is held.
func enrollmentFor(ctx context.Context, tx *sqlx.Tx, a access.Actor, id int64, program string, lock lockMode) (enrollment, error) {
	q := `SELECT id, client_id, provider_id, program_code, start_date, discharge_date FROM enrollments WHERE id = $1` + string(lock)
	var e enrollment
	err := tx.GetContext(ctx, &e, q, id)
	if errors.Is(err, pg.ErrNoRows) || (err == nil && !a.SeesProvider(e.ProviderID)) {
		return e, fmt.Errorf("%w: enrollment %d", rss.ErrNotFound, id)
	}
	if err != nil {
		return e, fmt.Errorf("enrollment: %w", err)
	}
	if program != anyProgram && e.ProgramCode != program {
		return e, rss.Coded(rss.ErrConflict, "wrong_program", "enrollment %d is in %s; these records are kept for %s enrollments",
			id, e.ProgramCode, program)
	}
	return e, nil
}

// checkDay refuses a day outside the enrollment: before its start, after
// its discharge.
func (e enrollment) checkDay(field string, d rss.Date) error {
	if d.Before(e.StartDate) {
		return rss.Invalid(field, "before_start", "%s is before the enrollment's start (%s)", field, e.StartDate)
	}
	if !e.DischargeDate.IsZero() && d.After(e.DischargeDate) {
		return rss.Invalid(field, "after_discharge", "%s is after the enrollment's discharge (%s)", field, e.DischargeDate)
	}
	return nil
}

// readRecords runs a read of one enrollment's records of program in a
// transaction and audits it as a read of the client's record.
func (s *Service) readRecords(ctx context.Context, id int64, program, entity string, fn func(ctx context.Context, tx *sqlx.Tx) error) error {
	a, err := access.Require(ctx, access.RoleProvider, access.RoleAdmin, access.RoleReviewer, access.RoleFinance)
	if err != nil {
		return err
	}
	return pg.Transact(ctx, s.db, func(ctx context.Context, tx *sqlx.Tx) error {
		e, err := enrollmentFor(ctx, tx, a, id, program, readOnly)
		if err != nil {
			return err
		}
		if err := fn(ctx, tx); err != nil {
			return err
		}
		return access.Record(ctx, tx, access.Event{Action: "read", EntityType: entity, EntityID: access.ID(id), ClientID: e.ClientID})
	})
}

// oneOf reports whether s is one of set.
func oneOf(s string, set []string) bool {
	for _, x := range set {
		if s == x {
			return true
		}
	}
	return false
}

// checkText refuses text that shows nothing, is longer than max
// characters, or holds control characters, bidirectional overrides and
// isolates or Unicode line separators: a goal goes word for word into the
// client-level report for DCF (a black-box pass stored a zero-width goal,
// U+202E and U+2028).
func checkText(v *rss.ValidationError, field, s string, max int) {
	switch {
	case rss.Blank(s):
		v.Add(field, "required", "%s is required", field)
	case utf8.RuneCountInString(s) > max:
		v.Add(field, "too_long", "%s must be at most %d characters", field, max)
	case strings.IndexFunc(s, unicode.IsControl) >= 0:
		v.Add(field, "invalid_character", "%s may not hold control characters", field)
	case strings.IndexFunc(s, rss.Disguising) >= 0:
		v.Add(field, "invalid_character", "%s may not hold bidirectional overrides, isolates or Unicode line separators", field)
	}
}
