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
	"rss/adjudication"
	"rss/ledger"
	"rss/pg"
)

// Eligibility is one span of a client's Medicaid eligibility, with the
// Medicaid id in force over it; EndDate zero is open-ended. The spans of
// one client record never overlap (client_eligibility_no_overlap).
type Eligibility struct {
	ID         int64      `json:"id" db:"id"`
	ClientID   int64      `json:"client_id" db:"client_id"`
	MedicaidID string     `json:"medicaid_id" db:"medicaid_id"`
	StartDate  rss.Date   `json:"start_date" db:"start_date"`
	EndDate    rss.Date   `json:"end_date" db:"end_date"`
	Source     string     `json:"source" db:"source"`
	CreatedAt  time.Time  `json:"created_at" db:"created_at"`
	EndedAt    *time.Time `json:"ended_at" db:"ended_at"`
}

// NewEligibility records a span of Medicaid eligibility.
type NewEligibility struct {
	MedicaidID string   `json:"medicaid_id"`
	StartDate  rss.Date `json:"start_date"`
	EndDate    rss.Date `json:"end_date"`
}

const eligibilityColumns = `id, client_id, medicaid_id, start_date, end_date, source, created_at, ended_at`

// EligibilityJSON renders a client's spans for the facts statements ($client
// the client record's id expression).
func EligibilityJSON(client string) string {
	return `COALESCE((SELECT json_agg(json_build_object('medicaid_id', g.medicaid_id, 'start_date', g.start_date, 'end_date', g.end_date)
		ORDER BY g.start_date) FROM client_eligibility g WHERE g.client_id = ` + client + `), '[]')`
}

// EligibilitySpan is a span as the facts statements render it.
type EligibilitySpan struct {
	MedicaidID string   `json:"medicaid_id"`
	StartDate  rss.Date `json:"start_date"`
	EndDate    rss.Date `json:"end_date"`
}

// RuleEligibility converts spans to the adjudicator's view.
func RuleEligibility(spans []EligibilitySpan) []adjudication.EligibilitySpan {
	if spans == nil {
		return nil
	}
	out := make([]adjudication.EligibilitySpan, len(spans))
	for i, s := range spans {
		out[i] = adjudication.EligibilitySpan{MedicaidID: s.MedicaidID, Start: s.StartDate.Time, End: s.EndDate.Time}
	}
	return out
}

// ClientEligibility lists a client record's spans, oldest first: a
// provider's own records, every record for the MSC roles.
func (s *Service) ClientEligibility(ctx context.Context, clientID int64) ([]Eligibility, error) {
	a, err := access.ActorFrom(ctx)
	if err != nil {
		return nil, err
	}
	out := []Eligibility{}
	err = s.transact(ctx, func(ctx context.Context, tx *sqlx.Tx) error {
		if err := canSeeClient(ctx, tx, a, clientID); err != nil {
			return err
		}
		if err := tx.SelectContext(ctx, &out, `SELECT `+eligibilityColumns+` FROM client_eligibility WHERE client_id = $1
			ORDER BY start_date, id`, clientID); err != nil {
			return fmt.Errorf("list eligibility: %w", err)
		}
		return access.Record(ctx, tx, access.Event{Action: "read", EntityType: "client_eligibility", EntityID: access.ID(clientID), ClientID: clientID})
	})
	return out, err
}

// canWriteClient returns ErrNotFound unless the actor may change the client
// record: a provider its agency's own, an admin any.
func canWriteClient(ctx context.Context, ext pg.Ext, a access.Actor, clientID int64) error {
	return canSeeClient(ctx, ext, a, clientID)
}

// AddEligibility records a span of Medicaid eligibility on a client record.
// A span that overlaps another is refused (409 eligibility_overlap): a
// correction ends the old span first. The newest span's id becomes the id
// on file (clients.medicaid_id), which person matching reads.
func (s *Service) AddEligibility(ctx context.Context, clientID int64, n NewEligibility) (Eligibility, error) {
	a, err := access.Require(ctx, access.RoleProvider, access.RoleAdmin)
	if err != nil {
		return Eligibility{}, err
	}
	v := &rss.ValidationError{}
	n.MedicaidID = strings.ToUpper(strings.TrimSpace(n.MedicaidID))
	if n.MedicaidID == "" {
		v.Add("medicaid_id", "required", "medicaid_id is required")
	} else if m := medicaidIDMessage(n.MedicaidID); m != "" {
		v.Add("medicaid_id", "invalid_format", m)
	}
	if n.StartDate.IsZero() {
		v.Add("start_date", "required", "start_date is required")
	}
	if !n.EndDate.IsZero() && n.EndDate.Before(n.StartDate) {
		v.Add("end_date", "before_start", "end_date is before start_date")
	}
	// Dates as far ahead as every other date an agency writes (a voucher's
	// start): a span from 2999 was taken and became the id on file, which
	// let the id still in force be registered to someone else (a black-box
	// pass). An end may reach a redetermination a little further out.
	today := s.Today()
	if latest := today.AddDays(maxLeadDays); n.StartDate.After(latest) {
		v.Add("start_date", "out_of_range", "start_date is at most %d days ahead (%s)", maxLeadDays, latest)
	}
	if latest := today.AddDays(maxEligibilityEndDays); n.EndDate.After(latest) {
		v.Add("end_date", "out_of_range", "end_date is at most %d days ahead (%s)", maxEligibilityEndDays, latest)
	}
	if err := v.Err(); err != nil {
		return Eligibility{}, err
	}
	var out Eligibility
	err = write(ctx, s, &out, func(ctx context.Context, tx *sqlx.Tx) error {
		if err := canWriteClient(ctx, tx, a, clientID); err != nil {
			return err
		}
		// One writer per Medicaid ID at a time, as a registration takes it
		// (Register): the check below that no other client holds it
		// reads what the other writer has not committed yet.
		if _, err := tx.ExecContext(ctx, `SELECT pg_advisory_xact_lock(hashtext($1))`, "medicaid:"+n.MedicaidID); err != nil {
			return err
		}
		// The locks of the join the span may make (joinByNewID) come
		// before the record's row, in the order a separation takes them:
		// taken after it, a voucher request holding them and waiting on
		// the row deadlocked with the join, PostgreSQL ending one to be
		// sent again (a re-check of the forty-third stop).
		if j, err := joinPlan(ctx, tx, clientID, n.MedicaidID, false, today, s.now()); err != nil {
			return err
		} else if j != nil {
			if err := ledger.LockJoin(ctx, tx, *j); err != nil {
				return err
			}
		}
		// And a parting's (partPlan), where the record was joined by name
		// to a person whose other record holds another ID.
		parts, err := partPlan(ctx, tx, clientID, n.MedicaidID)
		if err != nil {
			return err
		}
		if parts != nil {
			if err := lockParting(ctx, tx, clientID, parts); err != nil {
				return err
			}
		}
		// One writer per client record at a time: the newest span decides
		// the id on file.
		var born rss.Date
		if err := tx.GetContext(ctx, &born, `SELECT date_of_birth FROM clients WHERE id = $1 FOR NO KEY UPDATE`, clientID); err != nil {
			return err
		}
		if n.StartDate.Before(born) {
			return rss.Invalid("start_date", "before_birth", "start_date is before the client's date of birth")
		}
		var end any
		if !n.EndDate.IsZero() {
			end = n.EndDate
		}
		// The span it overlaps, named so the agency knows which to end (the
		// exclusion constraint below still decides a race, unnamed).
		var other int64
		err = tx.GetContext(ctx, &other, `SELECT id FROM client_eligibility WHERE client_id = $1
			AND daterange(start_date, end_date, '[]') && daterange($2, $3, '[]') ORDER BY start_date LIMIT 1`, clientID, n.StartDate, end)
		if err == nil {
			return rss.Coded(rss.ErrConflict, "eligibility_overlap",
				"the span overlaps eligibility span %d of this client; end that span first (POST /v1/clients/%d/eligibility/%d/end)",
				other, clientID, other)
		}
		if !errors.Is(err, pg.ErrNoRows) {
			return fmt.Errorf("overlapping span: %w", err)
		}
		// A Medicaid ID is one person's: another client of the agency
		// holding it, on file or on any span of theirs, refuses it on any
		// span of this one. Only the newest span was checked (it becomes
		// the id on file, unique per agency), so an older span took
		// another client's id, and a claim dated in it would bill under
		// that other person's id (a black-box pass).
		var held int64
		err = tx.GetContext(ctx, &held, `SELECT o.id FROM clients o JOIN clients me ON me.id = $1 AND o.provider_id = me.provider_id
			WHERE o.id <> $1 AND (o.medicaid_id = $2
			   OR EXISTS (SELECT 1 FROM client_eligibility g WHERE g.client_id = o.id AND g.medicaid_id = $2))
			ORDER BY o.id LIMIT 1`, clientID, n.MedicaidID)
		if err == nil {
			return rss.OnFile("client", held, "medicaid_id_in_use", "client %d of this agency already has this Medicaid ID", held)
		}
		if !errors.Is(err, pg.ErrNoRows) {
			return fmt.Errorf("medicaid id in use: %w", err)
		}
		err = tx.GetContext(ctx, &out, `INSERT INTO client_eligibility (client_id, medicaid_id, start_date, end_date)
			VALUES ($1, $2, $3, $4) RETURNING `+eligibilityColumns, clientID, n.MedicaidID, n.StartDate, end)
		if pg.IsViolation(err, pg.CodeExclusionViolation, "client_eligibility_no_overlap") {
			return rss.Coded(rss.ErrConflict, "eligibility_overlap",
				"the span overlaps another eligibility span of this client; end that span first")
		}
		if err != nil {
			return fmt.Errorf("add eligibility: %w", err)
		}
		if _, err := tx.ExecContext(ctx, `UPDATE clients SET medicaid_id = $2 WHERE id = $1 AND medicaid_id IS DISTINCT FROM $2
			AND NOT EXISTS (SELECT 1 FROM client_eligibility g WHERE g.client_id = $1 AND g.start_date > $3)`,
			clientID, n.MedicaidID, n.StartDate); err != nil {
			return clientError(err)
		}
		// Planned again under the locks: a record joined or parted
		// meanwhile is left as it is.
		if parts != nil {
			again, err := partPlan(ctx, tx, clientID, n.MedicaidID)
			if err != nil {
				return err
			}
			if again != nil && *again == *parts {
				if err := part(ctx, tx, a, clientID, parts, today, s.now()); err != nil {
					return err
				}
			}
		}
		if err := joinByNewID(ctx, tx, clientID, n.MedicaidID, today, s.now()); err != nil {
			return err
		}
		return access.Record(ctx, tx, access.Event{Action: "create", EntityType: "client_eligibility", EntityID: access.ID(out.ID), ClientID: clientID})
	})
	return out, err
}

// EndEligibility ends a span on endDate: an open span, or one whose end is
// later (eligibility found to have ended earlier). Lengthening a span is a
// new span, so what the rules saw stays explainable.
func (s *Service) EndEligibility(ctx context.Context, clientID, spanID int64, endDate rss.Date) (Eligibility, error) {
	a, err := access.Require(ctx, access.RoleProvider, access.RoleAdmin)
	if err != nil {
		return Eligibility{}, err
	}
	if endDate.IsZero() {
		return Eligibility{}, rss.Invalid("end_date", "required", "end_date is required")
	}
	if latest := s.Today().AddDays(maxEligibilityEndDays); endDate.After(latest) {
		return Eligibility{}, rss.Invalid("end_date", "out_of_range", "end_date is at most %d days ahead (%s)", maxEligibilityEndDays, latest)
	}
	var out Eligibility
	err = write(ctx, s, &out, func(ctx context.Context, tx *sqlx.Tx) error {
		if err := canWriteClient(ctx, tx, a, clientID); err != nil {
			return err
		}
		var cur Eligibility
		err := tx.GetContext(ctx, &cur, `SELECT `+eligibilityColumns+` FROM client_eligibility WHERE id = $1 AND client_id = $2 FOR UPDATE`,
			spanID, clientID)
		if errors.Is(err, pg.ErrNoRows) {
			return fmt.Errorf("%w: eligibility span %d", rss.ErrNotFound, spanID)
		}
		if err != nil {
			return err
		}
		if endDate.Before(cur.StartDate) {
			return rss.Invalid("end_date", "before_start", "end_date is before the span's start %s", cur.StartDate)
		}
		if cur.EndDate.Equal(endDate) {
			return rss.Coded(rss.ErrConflict, "already_ended", "the span already ends on %s", cur.EndDate)
		}
		if !cur.EndDate.IsZero() && endDate.After(cur.EndDate) {
			return rss.Coded(rss.ErrConflict, "already_ended", "the span already ends on %s; a later end is a new span", cur.EndDate)
		}
		err = tx.GetContext(ctx, &out, `UPDATE client_eligibility SET end_date = $2, ended_at = now() WHERE id = $1
			RETURNING `+eligibilityColumns, spanID, endDate)
		if pg.IsViolation(err, pg.CodeCheckViolation, "client_eligibility_no_claims_outside") {
			return rss.Coded(rss.ErrConflict, "claims_outside_eligibility",
				"the client has paid Medicaid claim lines after %s within this span%s; void or replace those claims first", endDate, pg.ViolationNamed(err))
		}
		if err != nil {
			return fmt.Errorf("end eligibility: %w", err)
		}
		return access.Record(ctx, tx, access.Event{Action: "end", EntityType: "client_eligibility", EntityID: access.ID(spanID), ClientID: clientID})
	})
	return out, err
}

// openRegistrationSpan opens the eligibility span a Medicaid id given at
// registration stands for: from the first day of the third month before
// the registration month (Medicaid's retroactive coverage, 42 CFR 435.915),
// open-ended, unless the record already has spans. The agency corrects it
// through the eligibility endpoints.
func openRegistrationSpan(ctx context.Context, tx *sqlx.Tx, clientID int64, medicaidID string, today rss.Date) error {
	start := time.Date(today.Year(), today.Month(), 1, 0, 0, 0, 0, time.UTC).AddDate(0, -3, 0)
	_, err := tx.ExecContext(ctx, `INSERT INTO client_eligibility (client_id, medicaid_id, start_date, source)
		SELECT c.id, $2, GREATEST($3::date, c.date_of_birth), 'registration' FROM clients c
		WHERE c.id = $1 AND NOT EXISTS (SELECT 1 FROM client_eligibility g WHERE g.client_id = $1)`,
		clientID, medicaidID, rss.NewDate(start))
	if err != nil {
		return fmt.Errorf("open eligibility: %w", err)
	}
	return nil
}

// joinByNewID joins client record id, registered without the Medicaid ID
// it now records on a span, to the person another agency's record holds
// under that ID, as a registration giving it would have (matchPerson):
// registered first and given the ID afterwards, as the API tells an
// agency to, the record stayed a person of its own, and two agencies were
// each granted and paid the same beneficiary's same days of the same
// service, each with caps of its own (a GPRA and eligibility black-box
// pass, and a vouchers one for a record with stays). No answer tells the
// agency: the span's answer reads the same joined or not.
//
// Only a record that is its person's alone and never separated by the MSC
// joins, its stays, authorizations and episodes with it (ledger.Join:
// episodes that meet become one, their caps going on together). Left
// apart: a record whose person holds another record (joined already by
// name) and one the MSC separated. The record's row is locked after the
// join's locks, in the order a separation takes them.
func joinByNewID(ctx context.Context, tx *sqlx.Tx, clientID int64, medicaidID string, today rss.Date, now time.Time) error {
	j, err := joinPlan(ctx, tx, clientID, medicaidID, true, today, now)
	if err != nil || j == nil {
		return err
	}
	if err := ledger.LockJoin(ctx, tx, *j); err != nil {
		return err // held already when planned before the record's row (AddEligibility)
	}
	// Read again under the locks: a stay made meanwhile is among what
	// moves, and a record joined meanwhile is not moved again.
	if _, err := tx.ExecContext(ctx, `SELECT 1 FROM clients WHERE id = $1 FOR UPDATE`, clientID); err != nil {
		return fmt.Errorf("join by medicaid id: %w", err)
	}
	again, err := joinPlan(ctx, tx, clientID, medicaidID, true, today, now)
	if err != nil || again == nil || *again != *j {
		return err
	}
	return ledger.Join(ctx, tx, *j)
}

// joinPlan is the join a span of medicaidID would make of client record
// id (joinByNewID), nil for none: the record is its person's only one,
// never separated, and (onFile) holds the ID on file; another agency's
// person matches it as a registration would (matchPerson).
func joinPlan(ctx context.Context, tx *sqlx.Tx, clientID int64, medicaidID string, onFile bool, today rss.Date, now time.Time) (*ledger.Joining, error) {
	var c struct {
		recordWho
		Movable bool `db:"movable"`
	}
	if err := tx.GetContext(ctx, &c, `SELECT c.person_id, c.provider_id, c.first_name, c.last_name, c.date_of_birth,
			(NOT $3 OR c.medicaid_id IS NOT DISTINCT FROM $2)
			  AND NOT EXISTS (SELECT 1 FROM clients o WHERE o.person_id = c.person_id AND o.id <> c.id)
			  AND NOT EXISTS (SELECT 1 FROM client_separations x WHERE x.client_id = c.id) AS movable
		FROM clients c WHERE c.id = $1`, clientID, medicaidID, onFile); err != nil {
		return nil, fmt.Errorf("join by medicaid id: %w", err)
	}
	if !c.Movable {
		return nil, nil
	}
	person, err := matchPerson(ctx, tx, c.asNew(medicaidID), c.Provider)
	if err != nil || person == 0 || person == c.Person {
		return nil, err
	}
	return &ledger.Joining{ClientID: clientID, From: c.Person, To: person, Today: today, At: now}, nil
}

// recordWho is what a client record's person is matched by, with its
// person and agency: a join and a parting (partPlan) read it the same.
type recordWho struct {
	Person   int64    `db:"person_id"`
	Provider int64    `db:"provider_id"`
	First    string   `db:"first_name"`
	Last     string   `db:"last_name"`
	Born     rss.Date `db:"date_of_birth"`
}

// asNew is the record as a registration giving medicaidID would send it.
func (r recordWho) asNew(medicaidID string) *NewClient {
	return &NewClient{FirstName: r.First, LastName: r.Last, DateOfBirth: r.Born, MedicaidID: &medicaidID}
}
