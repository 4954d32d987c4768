package staff

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/jmoiron/sqlx"

	"rss"
	"rss/access"
	"rss/pg"
	"rss/vouchers"
	"rss/x12"
)

// Staff is a staff member with every record that qualifies them, each
// with its verification state.
type Staff = vouchers.Staff

// NewStaff hires a staff member at the agency of the path.
type NewStaff struct {
	FirstName       string   `json:"first_name"`
	LastName        string   `json:"last_name"`
	Role            string   `json:"role"`
	DateOfBirth     rss.Date `json:"date_of_birth"`
	NPI             *string  `json:"npi"`
	SupervisorID    *int64   `json:"supervisor_id"`
	EmploymentStart rss.Date `json:"employment_start"`
	EmploymentEnd   rss.Date `json:"employment_end"`
}

// Patch changes a staff member; an absent field stays, null clears it
// where it may be cleared. Setting employment_end records a departure.
type Patch struct {
	FirstName    rss.Optional[string]   `json:"first_name"`
	LastName     rss.Optional[string]   `json:"last_name"`
	Role         rss.Optional[string]   `json:"role"`
	DateOfBirth  rss.Optional[rss.Date] `json:"date_of_birth"`
	NPI          rss.Optional[string]   `json:"npi"`
	SupervisorID rss.Optional[int64]    `json:"supervisor_id"`
	// SupervisorSince is the day a change of supervisor takes effect: the
	// periods before it stay as they were. Absent with a new supervisor_id
	// (or null), the change corrects the record on every day. Sent alone,
	// it moves the day the current supervisor took over.
	SupervisorSince rss.Optional[rss.Date] `json:"supervisor_since"`
	EmploymentStart rss.Optional[rss.Date] `json:"employment_start"`
	EmploymentEnd   rss.Optional[rss.Date] `json:"employment_end"`
	// Reason is why, kept with the change in the member's history (optional,
	// as a reference record's: "promoted", "left for another agency").
	Reason rss.Optional[string] `json:"reason"`
}

// Bounds that tell a plausible record from a typing error.
const (
	minWorkingAge    = 14 // years at employment start
	maxHireAheadDays = 366
	// maxDepartureAheadYears bounds employment_end, as the agreement
	// periods' ends are bounded.
	maxDepartureAheadYears = 10
)

// staffRow is the writable state of one staff member.
type staffRow struct {
	ID              int64    `db:"id"`
	ProviderID      int64    `db:"provider_id"`
	FirstName       string   `db:"first_name"`
	LastName        string   `db:"last_name"`
	Role            string   `db:"role"`
	DateOfBirth     rss.Date `db:"date_of_birth"`
	NPI             *string  `db:"npi"`
	SupervisorID    *int64   `db:"supervisor_id"`
	SupervisorSince rss.Date `db:"supervisor_since"`
	EmploymentStart rss.Date `db:"employment_start"`
	EmploymentEnd   rss.Date `db:"employment_end"`
}

// Create hires a staff member: a provider for its own agency (another
// agency's is a 404), an admin for any.
func (s *Service) Create(ctx context.Context, providerID int64, n NewStaff) (Staff, error) {
	a, err := access.Require(ctx, access.RoleProvider, access.RoleAdmin)
	if err != nil {
		return Staff{}, err
	}
	if !a.SeesProvider(providerID) {
		return Staff{}, fmt.Errorf("%w: provider %d", rss.ErrNotFound, providerID)
	}
	row := staffRow{ProviderID: providerID, FirstName: strings.TrimSpace(n.FirstName), LastName: strings.TrimSpace(n.LastName),
		Role: n.Role, DateOfBirth: n.DateOfBirth, NPI: n.NPI, SupervisorID: n.SupervisorID,
		EmploymentStart: n.EmploymentStart, EmploymentEnd: n.EmploymentEnd}
	if err := s.validate(&row).Err(); err != nil {
		return Staff{}, err
	}
	var out Staff
	err = write(ctx, s, &out, func(ctx context.Context, tx *sqlx.Tx) error {
		if err := lockAgency(ctx, tx, providerID); err != nil {
			return err
		}
		if err := checkRefs(ctx, tx, &row, s.today(), true); err != nil {
			return err
		}
		if err := checkNotOnFile(ctx, tx, &row); err != nil {
			return err
		}
		if err := checkNPI(ctx, tx, &row); err != nil {
			return err
		}
		err := tx.GetContext(ctx, &row.ID, `INSERT INTO staff (provider_id, first_name, last_name, role, date_of_birth, npi,
				supervisor_id, employment_start, employment_end)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id`, row.ProviderID, row.FirstName, row.LastName, row.Role,
			row.DateOfBirth, row.NPI, row.SupervisorID, row.EmploymentStart, nullDate(row.EmploymentEnd))
		if err != nil {
			return constraintError(err)
		}
		if err := access.Record(ctx, tx, access.Event{Action: "create", EntityType: "staff", EntityID: access.ID(row.ID)}); err != nil {
			return err
		}
		out, err = load(ctx, tx, row.ID)
		out.AsOf(s.today())
		return err
	})
	return out, err
}

// Update applies a patch to a staff member of the caller's agency (admin: any).
func (s *Service) Update(ctx context.Context, id int64, p Patch) (Staff, error) {
	a, err := access.Require(ctx, access.RoleProvider, access.RoleAdmin)
	if err != nil {
		return Staff{}, err
	}
	v := &rss.ValidationError{}
	notNull := func(field string, set, null bool) bool {
		if set && null {
			v.Add(field, "required", "%s cannot be null", field)
			return false
		}
		return set
	}
	changed := p.FirstName.Set || p.LastName.Set || p.Role.Set || p.DateOfBirth.Set || p.NPI.Set || p.SupervisorID.Set ||
		p.SupervisorSince.Set || p.EmploymentStart.Set || p.EmploymentEnd.Set
	if !changed {
		v.Add("body", "empty_patch", "nothing to change")
	}
	for _, f := range []struct {
		name      string
		set, null bool
	}{{"first_name", p.FirstName.Set, p.FirstName.Null}, {"last_name", p.LastName.Set, p.LastName.Null}, {"role", p.Role.Set, p.Role.Null},
		{"date_of_birth", p.DateOfBirth.Set, p.DateOfBirth.Null}, {"employment_start", p.EmploymentStart.Set, p.EmploymentStart.Null}} {
		notNull(f.name, f.set, f.null)
	}
	reason := vouchers.ChangeReason(v, p.Reason)
	if err := v.Err(); err != nil {
		return Staff{}, err
	}
	var out Staff
	err = pg.Transact(ctx, s.db, func(ctx context.Context, tx *sqlx.Tx) error {
		if err := access.ChangeReason(ctx, tx, reason); err != nil {
			return err
		}
		var row staffRow
		err := tx.GetContext(ctx, &row, `SELECT id, provider_id, first_name, last_name, role, date_of_birth, npi, supervisor_id,
			supervisor_since, employment_start, employment_end FROM staff WHERE id = $1`, id)
		if errors.Is(err, pg.ErrNoRows) || (err == nil && !a.SeesProvider(row.ProviderID)) {
			return fmt.Errorf("%w: staff %d", rss.ErrNotFound, id)
		}
		if err != nil {
			return err
		}
		// Supervision is checked against the agency's staff as they stand
		// once no other change to them can run.
		if err := lockAgency(ctx, tx, row.ProviderID); err != nil {
			return err
		}
		// A change of employment dates takes the agency's intake lock
		// alone in its trigger (migration 00073); taken here, before the
		// member's row, it comes in the order a voucher request takes it:
		// the request holds it shared and then names the member (a foreign
		// key's share lock on the row), so a departure holding the row
		// while it waited for the lock deadlocked with it.
		// A change of role, supervisor or date of birth (a recovery
		// assistant's minimum age) is checked against the paid lines
		// it could take a qualification from (below), under the same lock.
		qualifying := p.EmploymentStart.Set || p.EmploymentEnd.Set || p.Role.Set || p.SupervisorID.Set || p.SupervisorSince.Set ||
			p.DateOfBirth.Set
		var held *paidLines
		if qualifying {
			if held, err = s.holdPaidLines(ctx, tx, id, rss.Date{}); err != nil {
				return err
			}
		}
		if err := tx.GetContext(ctx, &row, `SELECT id, provider_id, first_name, last_name, role, date_of_birth, npi, supervisor_id,
			supervisor_since, employment_start, employment_end FROM staff WHERE id = $1 FOR UPDATE`, id); err != nil {
			return err
		}
		if p.FirstName.Set {
			row.FirstName = strings.TrimSpace(p.FirstName.Value)
		}
		if p.LastName.Set {
			row.LastName = strings.TrimSpace(p.LastName.Value)
		}
		if p.Role.Set {
			row.Role = p.Role.Value
		}
		if p.DateOfBirth.Set {
			row.DateOfBirth = p.DateOfBirth.Value
		}
		if p.NPI.Set {
			row.NPI = p.NPI.Ptr()
		}
		supervisorSet := supervise(&row, p)
		if p.EmploymentStart.Set {
			row.EmploymentStart = p.EmploymentStart.Value
		}
		if p.EmploymentEnd.Set {
			row.EmploymentEnd = rss.Date{}
			if !p.EmploymentEnd.Null {
				row.EmploymentEnd = p.EmploymentEnd.Value
			}
		}
		v := s.validate(&row)
		if p.SupervisorSince.Set && !p.SupervisorID.Set && row.SupervisorID == nil {
			// Alone it moves the day the current supervisor took over:
			// with none, it recorded that no one took over on a day (a
			// re-check).
			v.Add("supervisor_since", "no_supervisor", "the staff member has no supervisor whose day to move: send supervisor_id with it")
		}
		if p.SupervisorSince.Set && !row.SupervisorSince.IsZero() {
			switch {
			case row.SupervisorSince.After(s.today()):
				v.Add("supervisor_since", "in_future", "supervisor_since is after today (%s): record a change of supervisor on the day it takes effect", rss.TodayIs(s.today()))
			case row.SupervisorSince.Before(row.EmploymentStart):
				v.Add("supervisor_since", "out_of_range",
					"supervisor_since is before employment_start %s: send null to set the supervisor for the whole record", row.EmploymentStart)
			}
		}
		if err := v.Err(); err != nil {
			return err
		}
		if err := checkRefs(ctx, tx, &row, s.today(), supervisorSet); err != nil {
			return err
		}
		// A change that makes this record another open one of the same
		// person (a name, a date of birth, an employment reopened) is
		// refused as a second hire is: a PATCH got around the check.
		if p.FirstName.Set || p.LastName.Set || p.DateOfBirth.Set || p.EmploymentStart.Set || p.EmploymentEnd.Set {
			if err := checkNotOnFile(ctx, tx, &row); err != nil {
				return err
			}
		}
		if p.NPI.Set || p.EmploymentStart.Set || p.EmploymentEnd.Set {
			if err := checkNPI(ctx, tx, &row); err != nil {
				return err
			}
		}
		// A new date of birth is held to the member's own records as a
		// new record is (checkLived): moved later, experience and
		// credentials from before age 14 and a background check from
		// before birth stayed on file, counted by the rules that refuse
		// them on entry (an operations black-box pass). Rejected records
		// count for nothing and are not asked about.
		if p.DateOfBirth.Set {
			if err := recordsLived(ctx, tx, id, row.DateOfBirth); err != nil {
				return err
			}
		}
		// New employment dates leaving out a paid line's day are refused
		// by the schema (staff_no_claims_outside_employment); read first,
		// the lines are named, as the other refusals over paid lines name
		// theirs (the trigger's refusal named none: a black-box pass).
		if held != nil && (p.EmploymentStart.Set || p.EmploymentEnd.Set) {
			if err := held.outsideEmployment(&row); err != nil {
				return err
			}
		}
		if p.Role.Set {
			if err := caseloadFits(ctx, tx, id, row.Role); err != nil {
				return err
			}
		}
		if _, err := tx.ExecContext(ctx, `UPDATE staff SET first_name = $2, last_name = $3, role = $4, date_of_birth = $5, npi = $6,
				supervisor_id = $7, supervisor_since = $10, employment_start = $8, employment_end = $9, updated_at = now() WHERE id = $1`,
			id, row.FirstName, row.LastName, row.Role, row.DateOfBirth, row.NPI, row.SupervisorID, row.EmploymentStart,
			nullDate(row.EmploymentEnd), nullDate(row.SupervisorSince)); err != nil {
			return constraintError(err)
		}
		// A role qualifies the member for services on every day paid (it
		// has no dates), supervision on the days of its period (migration
		// 00089), and a supervisor's departure ends the supervision: a
		// change that leaves a paid line unqualified is refused as a
		// withdrawn credential is.
		// A supervisor's departure and a change of supervisor were taken
		// over paid lines, and the same service sent after was denied 185
		// (a re-check of an operations black-box pass).
		if held != nil {
			if err := held.check(ctx, tx, "claims_no_longer_qualified", "void or replace those claims first"); err != nil {
				return err
			}
		}
		if err := access.Record(ctx, tx, access.Event{Action: "update", EntityType: "staff", EntityID: access.ID(id)}); err != nil {
			return err
		}
		out, err = load(ctx, tx, id)
		return err
	})
	out.ForActor(a)
	out.AsOf(s.today())
	return out, err
}

// Get reads a staff member with every record and its verification state:
// a provider its own agency's (another's is a 404), the MSC roles any.
func (s *Service) Get(ctx context.Context, id int64) (Staff, error) {
	a, err := access.ActorFrom(ctx)
	if err != nil {
		return Staff{}, err
	}
	out, err := load(ctx, s.db, id)
	if errors.Is(err, rss.ErrNotFound) || (err == nil && !a.SeesProvider(out.ProviderID)) {
		return Staff{}, fmt.Errorf("%w: staff %d", rss.ErrNotFound, id)
	}
	out.ForActor(a)
	out.AsOf(s.today())
	return out, err
}

// History lists the changes to a staff member's record, oldest first (the
// admin, or the staff member's agency; another agency's is not found): what
// each changed (a role, a departure date, a supervisor), before and after,
// when and by whom (access.Changes).
func (s *Service) History(ctx context.Context, id int64) ([]access.Change, error) {
	a, err := access.ActorFrom(ctx)
	if err != nil {
		return nil, err
	}
	var provider int64
	err = s.db.GetContext(ctx, &provider, `SELECT provider_id FROM staff WHERE id = $1`, id)
	if errors.Is(err, pg.ErrNoRows) || (err == nil && !a.SeesProvider(provider)) {
		return nil, fmt.Errorf("%w: staff %d", rss.ErrNotFound, id)
	}
	if err != nil {
		return nil, err
	}
	return access.Changes(ctx, s.db, a, access.ChangesOfStaff, "staff", nil, id)
}

func load(ctx context.Context, ext pg.Ext, id int64) (Staff, error) {
	m, err := vouchers.LoadStaff(ctx, ext, []int64{id})
	if err != nil {
		return Staff{}, err
	}
	st, ok := m[id]
	if !ok {
		return Staff{}, fmt.Errorf("%w: staff %d", rss.ErrNotFound, id)
	}
	return *st, nil
}

// validate checks what a staff member's row must hold on its own.
func (s *Service) validate(r *staffRow) *rss.ValidationError {
	v := &rss.ValidationError{}
	today := s.today()
	// A staff member with an NPI is the 837P's rendering provider (NM1*82):
	// the name is held to what NM104 and NM103 carry, as a client's is, so
	// a character the file cannot carry is refused here and not found when
	// a batch cannot close.
	for _, f := range []struct {
		field, value string
		el           x12.Element
	}{{"first_name", r.FirstName, x12.PersonFirstName}, {"last_name", r.LastName, x12.PersonLastName}} {
		if f.value == "" {
			v.Add(f.field, "required", "%s is required", f.field)
			continue
		}
		vouchers.CheckElement(v, f.field, f.value, f.el)
	}
	if strings.TrimSpace(r.Role) == "" {
		v.Add("role", "required", "role is required")
	}
	switch {
	case r.DateOfBirth.IsZero():
		v.Add("date_of_birth", "required", "date_of_birth is required")
	case !r.DateOfBirth.After(rss.MinDate):
		// The schema's staff_dob_plausible says so too; named here, the
		// 422 names the field, not the constraint (an operations pass).
		v.Add("date_of_birth", "out_of_range", "date_of_birth must be after %s", rss.MinDate)
	case r.DateOfBirth.After(rss.NewDate(later(today, r.EmploymentStart).AddDate(-minWorkingAge, 0, 0))):
		// By the later of today and the start: someone fourteen by a
		// start ahead is hired ahead (a re-check).
		v.Add("date_of_birth", "out_of_range", "date_of_birth must be at least %d years before today or employment_start (%s)", minWorkingAge, rss.TodayIs(today))
	}
	if r.NPI != nil && !x12.IssuedNPI(*r.NPI) {
		v.Add("npi", "invalid_npi", "npi must be 10 digits beginning with 1 or 2, with a valid check digit")
	}
	switch {
	case r.EmploymentStart.IsZero():
		v.Add("employment_start", "required", "employment_start is required")
	case r.EmploymentStart.After(today.AddDays(maxHireAheadDays)):
		v.Add("employment_start", "out_of_range", "employment_start is more than a year ahead (%s)", rss.TodayIs(today))
	case !r.DateOfBirth.IsZero() && r.EmploymentStart.Before(rss.NewDate(r.DateOfBirth.AddDate(minWorkingAge, 0, 0))):
		v.Add("employment_start", "out_of_range", "employment_start is before the staff member was %d", minWorkingAge)
	}
	// A departure is recorded near its day; one dated years ahead is a
	// mistyped year (2062 for 2026), which left the member employed and
	// qualified with no word (a new-user black-box pass of the thirty-
	// eighth stop). Bounded as an agreement period's end is.
	lastEnd := rss.NewDate(today.AddDate(maxDepartureAheadYears, 0, 0))
	switch {
	case r.EmploymentEnd.IsZero():
	case !r.EmploymentStart.IsZero() && r.EmploymentEnd.Before(r.EmploymentStart):
		v.Add("employment_end", "before_start", "employment_end is before employment_start")
	case r.EmploymentEnd.After(lastEnd):
		v.Add("employment_end", "out_of_range", "employment_end is at most %d years after today (%s); null leaves the employment open",
			maxDepartureAheadYears, lastEnd)
	}
	if r.SupervisorID != nil && r.ID != 0 && *r.SupervisorID == r.ID {
		v.Add("supervisor_id", "self", "a staff member cannot supervise themselves")
	}
	return v
}

// supervise applies a patch's supervisor_id and supervisor_since to row
// and reports whether the supervision changed (its supervisor or the day
// the current one took over). A new supervisor takes over
// from supervisor_since, or on every day when it is absent or null (a
// correction); the same supervisor sent again changes nothing unless
// supervisor_since moves the day they took over. A form that sends every
// field back must not turn a dated change into a correction.
func supervise(row *staffRow, p Patch) bool {
	since := func() {
		row.SupervisorSince = rss.Date{}
		if p.SupervisorSince.Set && !p.SupervisorSince.Null {
			row.SupervisorSince = p.SupervisorSince.Value
		}
	}
	if p.SupervisorID.Set && !sameSupervisor(row.SupervisorID, p.SupervisorID.Ptr()) {
		row.SupervisorID = p.SupervisorID.Ptr()
		since()
		return true
	}
	if p.SupervisorSince.Set {
		was := row.SupervisorSince
		since()
		return !was.Equal(row.SupervisorSince)
	}
	return false
}

// later is the later of two dates.
func later(a, b rss.Date) rss.Date {
	if b.After(a) {
		return b
	}
	return a
}

func sameSupervisor(a, b *int64) bool {
	return (a == nil) == (b == nil) && (a == nil || *a == *b)
}

// checkNotOnFile refuses a second hire of someone the agency employs:
// the same name and date of birth, employed on a day this record is too.
// A double submit (two requests, two Idempotency-Keys) made two staff
// members of one person, their caseload and records split between them.
// Names are compared as a client's registration matches them, by their
// letters and digits, case folded (the schema's person_name_key,
// migration 00106): compared as typed, letter case aside, "Mary Ann O
// Brien" and "Mary-Ann O'Brien" of one birth date were two open records at
// one agency (a staff black-box pass). Someone who left may be hired again
// as a new record, and the two records' employments need only not
// overlap: the closed one stays correctable, and a past employment may be
// keyed after the rehire (only the open record's start was compared, and
// both were refused staff_exists, a review). The caller holds the
// agency's lock, so two hires at once see each other.
func checkNotOnFile(ctx context.Context, tx *sqlx.Tx, r *staffRow) error {
	var id int64
	err := tx.GetContext(ctx, &id, `SELECT id FROM staff WHERE provider_id = $1
			AND person_name_key(first_name) = person_name_key($2) AND person_name_key(last_name) = person_name_key($3)
			AND date_of_birth = $4 AND (employment_end IS NULL OR employment_end >= $5)
			AND ($7::date IS NULL OR employment_start <= $7) AND id <> $6
		ORDER BY id LIMIT 1`, r.ProviderID, r.FirstName, r.LastName, r.DateOfBirth, r.EmploymentStart, r.ID, nullDate(r.EmploymentEnd))
	if errors.Is(err, pg.ErrNoRows) {
		return nil
	}
	if err != nil {
		return err
	}
	return rss.OnFile("staff", id, "staff_exists", "staff %d of this agency has the same name and date of birth; change that record", id)
}

// checkNPI refuses an NPI that is not this one person's at the agency:
// an agency's own (any provider's, the billing provider an 837P names in
// 2010AA), or one another record of the agency holds over days this one is
// employed. Keyed with the agency's NPI, a staff member was named rendering
// provider under it; two records of one agency with one NPI named one
// practitioner for two people's services (a money black-box pass of the
// thirty-seventh stop). A practitioner working at two agencies is each
// agency's own record. The agency's staff lock (lockAgency) keeps two
// hires of one NPI from passing together, and the NPI's lock (pg.LockNPI)
// a hire and an agency's NPI change (NPIHeld).
func checkNPI(ctx context.Context, tx *sqlx.Tx, r *staffRow) error {
	if r.NPI == nil {
		return nil
	}
	if err := pg.LockNPI(ctx, tx, *r.NPI); err != nil {
		return err
	}
	var agency bool
	if err := tx.GetContext(ctx, &agency, `SELECT EXISTS (SELECT 1 FROM providers WHERE npi = $1)`, *r.NPI); err != nil {
		return err
	}
	if agency {
		return rss.Invalid("npi", "agency_npi", "npi is an agency's NPI (a billing provider's); a staff member's NPI is their own, or none")
	}
	// Over other days, the same person's (a rehire) alone: another
	// person's record of an earlier employment under the NPI was let
	// through, two people's services under one practitioner's NPI (a
	// staff black-box pass of the forty-seventh stop). Another person is
	// another birth date, or another first and last name both: a rehire
	// may come back under a new last name.
	var other struct {
		ID      int64 `db:"id"`
		Overlap bool  `db:"overlap"`
	}
	err := tx.GetContext(ctx, &other, `SELECT id,
			(employment_end IS NULL OR employment_end >= $4) AND ($5::date IS NULL OR employment_start <= $5) AS overlap
		FROM staff WHERE provider_id = $1 AND npi = $2 AND id <> $3
			AND ((employment_end IS NULL OR employment_end >= $4) AND ($5::date IS NULL OR employment_start <= $5)
			  OR date_of_birth <> $8
			  OR person_name_key(first_name) <> person_name_key($6) AND person_name_key(last_name) <> person_name_key($7))
		ORDER BY id LIMIT 1`, r.ProviderID, *r.NPI, r.ID, r.EmploymentStart, nullDate(r.EmploymentEnd), r.FirstName, r.LastName, r.DateOfBirth)
	switch {
	case errors.Is(err, pg.ErrNoRows):
		return nil
	case err != nil:
		return err
	case !other.Overlap:
		return rss.OnFile("staff", other.ID, "npi_on_file", "staff %d of this agency, another person (the name or date of birth differ), held NPI %s; "+
			"one NPI is one person's: check the NPI, or correct that record if it is this person's", other.ID, *r.NPI)
	}
	return rss.OnFile("staff", other.ID, "npi_on_file", "staff %d of this agency holds NPI %s over the same days; one NPI is one person's", other.ID, *r.NPI)
}

// NPIHeld reports whether any staff record, of any agency and employed
// or not, holds npi: a practitioner's own NPI, which an agency's (the
// billing provider an 837P names) may not be. Named as the agency's, the
// practitioner's services were billed under their own NPI as billing
// provider (the staff side refused the converse since the thirty-seventh
// stop; a provider's NPI change was not refused). It takes npi's lock
// first (pg.LockNPI), so a hire naming it waits for the caller's write.
func NPIHeld(ctx context.Context, tx *sqlx.Tx, npi string) (bool, error) {
	if err := pg.LockNPI(ctx, tx, npi); err != nil {
		return false, err
	}
	var held bool
	err := tx.GetContext(ctx, &held, `SELECT EXISTS (SELECT 1 FROM staff WHERE npi = $1)`, npi)
	return held, err
}

// lockAgency serializes changes to one agency's staff, so the supervision
// checks see every other change committed. It blocks no insert that
// references the agency (FOR NO KEY UPDATE).
func lockAgency(ctx context.Context, tx *sqlx.Tx, providerID int64) error {
	var id int64
	err := tx.GetContext(ctx, &id, `SELECT id FROM providers WHERE id = $1 FOR NO KEY UPDATE`, providerID)
	if errors.Is(err, pg.ErrNoRows) {
		return fmt.Errorf("%w: provider %d", rss.ErrNotFound, providerID)
	}
	return err
}

// checkRefs checks the role and, when it is being set, the supervisor:
// same agency, not gone (employment ended before today), no cycle. A
// supervisor who has left since stays on the records they supervised (the
// history of who supervised whom), lending no qualification; a change of
// such a record that does not name its supervisor is not refused for it (a
// black-box pass could record neither a name's correction nor the
// supervisee's own departure without sending supervisor_id null).
func checkRefs(ctx context.Context, tx *sqlx.Tx, r *staffRow, today rss.Date, supervisorSet bool) error {
	var roleOK bool
	if err := tx.GetContext(ctx, &roleOK, `SELECT EXISTS (SELECT 1 FROM staff_roles WHERE code = $1)`, r.Role); err != nil {
		return err
	}
	if !roleOK {
		return rss.Invalid("role", "unknown_role", "no staff role %q", r.Role)
	}
	if r.SupervisorID == nil || !supervisorSet {
		return nil
	}
	var sup struct {
		ProviderID int64    `db:"provider_id"`
		Cycle      bool     `db:"cycle"`
		Left       rss.Date `db:"employment_end"`
	}
	err := tx.GetContext(ctx, &sup, `WITH RECURSIVE up(id, depth) AS (
			SELECT $1::bigint, 1
			UNION ALL
			SELECT s.supervisor_id, up.depth + 1 FROM staff s JOIN up ON s.id = up.id
			WHERE s.supervisor_id IS NOT NULL AND up.depth < 1000)
		SELECT provider_id, employment_end, EXISTS (SELECT 1 FROM up WHERE id = $2) AS cycle FROM staff WHERE id = $1`, *r.SupervisorID, r.ID)
	if errors.Is(err, pg.ErrNoRows) || (err == nil && sup.ProviderID != r.ProviderID) {
		// Another agency's staff member is, to this agency, no one.
		return rss.Invalid("supervisor_id", "unknown_id", "no staff %d at this agency", *r.SupervisorID)
	}
	if err != nil {
		return err
	}
	if sup.Cycle {
		return rss.Invalid("supervisor_id", "supervision_cycle", "staff %d is supervised, directly or not, by this staff member", *r.SupervisorID)
	}
	// Someone who has left supervises no one (a black-box pass set one
	// who left in 2021): their supervision would lend no qualification.
	// A period from a day is judged on that day: one that began before
	// the supervisor left is a true record (their departure ends what it
	// lends), as one sent again with its day moved is (a re-check).
	from := today
	if !r.SupervisorSince.IsZero() {
		from = r.SupervisorSince
	}
	if !sup.Left.IsZero() && sup.Left.Before(from) {
		return rss.Invalid("supervisor_id", "not_employed", "staff %d left the agency on %s", *r.SupervisorID, sup.Left)
	}
	return nil
}

// caseloadFits names, before a role change, the program whose caseload
// caps the member's open enrollments would pass under the new role: the
// count and the cap, or that the role may carry none there. The schema's
// trigger (staff_caseload_within_cap, which locks the programs first)
// stays the guard; its refusal named neither count, cap nor program,
// where a reassignment's names all three (a staff black-box pass of the
// forty-seventh stop).
func caseloadFits(ctx context.Context, tx *sqlx.Tx, id int64, role string) error {
	var over []struct {
		Program string `db:"program_code"`
		Open    int    `db:"open"`
		Cap     *int   `db:"cap"`
	}
	if err := tx.SelectContext(ctx, &over, `SELECT e.program_code, count(*) AS open,
			(SELECT c.cap FROM program_caseload_caps c WHERE c.program_code = e.program_code AND c.staff_role = $2) AS cap
		FROM enrollments e
		WHERE e.assigned_staff_id = $1 AND e.discharge_date IS NULL
		  AND EXISTS (SELECT 1 FROM program_caseload_caps c WHERE c.program_code = e.program_code)
		GROUP BY e.program_code
		HAVING count(*) > COALESCE((SELECT c.cap FROM program_caseload_caps c WHERE c.program_code = e.program_code AND c.staff_role = $2), 0)
		ORDER BY e.program_code LIMIT 1`, id, role); err != nil {
		return fmt.Errorf("caseload under the new role: %w", err)
	}
	if len(over) == 0 {
		return nil
	}
	o := over[0]
	if o.Cap == nil {
		return rss.Coded(rss.ErrConflict, "caseload_full",
			"staff %d carries %d open %s enrollments, and a %s may carry none in %s (its caseload caps name other roles); reassign them first",
			id, o.Open, o.Program, role, o.Program)
	}
	return rss.Coded(rss.ErrConflict, "caseload_full", "staff %d carries %d open %s enrollments, the cap for a %s is %d; reassign %d first",
		id, o.Open, o.Program, role, *o.Cap, o.Open-*o.Cap)
}

// constraintError turns a check the schema made into a 422 naming the rule.
func constraintError(err error) error {
	pe, ok := pg.PgError(err)
	switch {
	case ok && pe.Constraint == "staff_no_claims_outside_employment":
		return rss.Coded(rss.ErrConflict, "claims_outside_employment",
			"paid claim lines this staff member rendered fall outside the employment dates; void or replace those claims first")
	case ok && pe.Constraint == "staff_caseload_within_cap":
		return rss.Coded(rss.ErrConflict, "caseload_full",
			"the staff member's open enrollments pass the new role's caseload cap (or the role may carry none in a program); reassign some first")
	case ok && strings.HasSuffix(pe.Constraint, "_pending_once"):
		return rss.Coded(rss.ErrConflict, "record_pending",
			"the same record is already waiting for the department's verification; nothing was added")
	case ok && (string(pe.Code) == pg.CodeCheckViolation || string(pe.Code) == "23503"):
		return rss.Invalid(pe.Constraint, "constraint_violation", "the change breaks rule %s", pe.Constraint)
	}
	return err
}

func nullDate(d rss.Date) any {
	if d.IsZero() {
		return nil
	}
	return d
}
