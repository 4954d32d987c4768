package vouchers

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"

	"rss"
	"rss/access"
	"rss/adjudication"
	"rss/ledger"
	"rss/pg"
)

// DischargeReasonOther codes a discharge sent with only a free-text reason.
const DischargeReasonOther = "other"

// DischargeReason is one code a discharge may carry: generic (for every
// program, ProgramCode nil) or a program's own (the RSVP family outcomes).
type DischargeReason struct {
	Code        string  `json:"code" db:"code"`
	Name        string  `json:"name" db:"name"`
	ProgramCode *string `json:"program_code" db:"program_code"`
	// Outcome groups the codes for reports: completed, positive, neutral, negative.
	Outcome string `json:"outcome" db:"outcome"`
	Active  bool   `json:"active" db:"active"`
}

// DischargeReasons lists the discharge reason codes, those of program (and
// the generic ones) when program is given: those in use, for choosing,
// and the retired too when retired is true (what older discharges carry,
// for an admin restoring one). The MSC's admin writes them (registry).
func (s *Service) DischargeReasons(ctx context.Context, program string, retired bool) ([]DischargeReason, error) {
	if _, err := access.ActorFrom(ctx); err != nil {
		return nil, err
	}
	if len(program) > maxCodeLen {
		return nil, rss.Invalid("program_code", "too_long", "program_code must be at most %d characters", maxCodeLen)
	}
	out := []DischargeReason{}
	err := s.transact(ctx, func(ctx context.Context, tx *sqlx.Tx) error {
		if program != "" {
			if _, err := loadProgram(ctx, tx, program); errors.Is(err, rss.ErrNotFound) {
				return rss.Invalid("program_code", "unknown_id", "no program %q", program)
			} else if err != nil {
				return err
			}
		}
		return tx.SelectContext(ctx, &out, `SELECT code, name, program_code, outcome, active FROM discharge_reasons
			WHERE ($1 = '' OR program_code IS NULL OR program_code = $1) AND (active OR $2)
			ORDER BY program_code NULLS FIRST, code`, program, retired)
	})
	return out, err
}

// checkDischargeReason refuses a code that is unknown, retired, or another
// program's own.
func checkDischargeReason(ctx context.Context, ext pg.Ext, code, program string) error {
	var r []DischargeReason
	if err := sqlx.SelectContext(ctx, ext, &r, `SELECT code, name, program_code, outcome, active FROM discharge_reasons WHERE code = $1`, code); err != nil {
		return fmt.Errorf("discharge reason: %w", err)
	}
	switch {
	case len(r) == 0:
		return rss.Invalid("reason_code", "unknown_id", "no discharge reason %q (GET /v1/discharge-reasons)", code)
	case !r[0].Active:
		return rss.Invalid("reason_code", "inactive", "discharge reason %q is no longer in use", code)
	case r[0].ProgramCode != nil && *r[0].ProgramCode != program:
		return rss.Invalid("reason_code", "wrong_program", "discharge reason %q is for %s enrollments, not %s", code, *r[0].ProgramCode, program)
	}
	return nil
}

// Reassignment names the staff member who takes over an enrollment, and why.
type Reassignment struct {
	StaffID int64  `json:"staff_id"`
	Reason  string `json:"reason"`
}

// EmployedOn is the condition that the staff row (its columns unqualified)
// is employed by its agency on day (a parameter): started by then and not
// left before. Assignments and supervision need it: a black-box pass
// assigned clients to someone who left in 2021 and to someone starting
// next year, and the client's next voucher was denied for it.
func EmployedOn(day string) string {
	return `((employment_start IS NULL OR employment_start <= ` + day + `::date) AND (employment_end IS NULL OR employment_end >= ` + day + `::date))`
}

// Reassign gives an open enrollment another assigned staff member of the
// same agency: active, of a role that may carry the program (where the
// program caps caseloads by role, one of those roles), and with room under
// the role's cap. The staff row is locked first, so two reassignments to
// one specialist at the cap cannot both pass the count.
func (s *Service) Reassign(ctx context.Context, id int64, r Reassignment) (Enrollment, error) {
	a, err := access.Require(ctx, access.RoleProvider, access.RoleAdmin)
	if err != nil {
		return Enrollment{}, err
	}
	v := &rss.ValidationError{}
	v.RequireID("staff_id", r.StaffID)
	requireReason(v, r.Reason, "reason is required")
	if err := v.Err(); err != nil {
		return Enrollment{}, err
	}
	var out Enrollment
	err = write(ctx, s, &out, func(ctx context.Context, tx *sqlx.Tx) error {
		defer out.shownTo(a)
		e, err := s.lockEnrollment(ctx, tx, a, id)
		if err != nil {
			return err
		}
		if !e.DischargeDate.IsZero() {
			return rss.Coded(rss.ErrConflict, "already_discharged", "enrollment %d was discharged on %s", id, e.DischargeDate)
		}
		// An admin's reason is MSC text the agency reads in the history,
		// checked as a reviewer's note is (a Part 2 black-box pass read
		// another agency's name and staff in it).
		if !a.IsProvider() {
			if err := s.CheckMSCText(ctx, tx, e.ClientID, e.ProviderID, "reason", r.Reason); err != nil {
				return err
			}
		}
		if e.AssignedStaffID != nil && *e.AssignedStaffID == r.StaffID {
			return rss.Coded(rss.ErrConflict, "already_assigned", "staff %d is already assigned to enrollment %d", r.StaffID, id)
		}
		var st []struct {
			Role     string `db:"role"`
			Active   bool   `db:"active"`
			Employed bool   `db:"employed"`
		}
		// NO KEY UPDATE: it serialises reassignments to this staff member
		// without blocking the foreign-key checks of other writes.
		if err := tx.SelectContext(ctx, &st, `SELECT role, active, `+EmployedOn("$3")+` AS employed
			FROM staff WHERE id = $1 AND provider_id = $2 FOR NO KEY UPDATE`, r.StaffID, e.ProviderID, s.Today()); err != nil {
			return fmt.Errorf("lock staff: %w", err)
		}
		if len(st) == 0 {
			return rss.Invalid("staff_id", "unknown_id", "no staff %d at the enrollment's agency", r.StaffID)
		}
		if !st[0].Active {
			return rss.Invalid("staff_id", "inactive", "staff %d is not active", r.StaffID)
		}
		if !st[0].Employed {
			return rss.Invalid("staff_id", "not_employed", "staff %d is not employed by the agency today", r.StaffID)
		}
		if err := holdCaseloadCaps(ctx, tx, e.ProgramCode); err != nil {
			return err
		}
		var caps []struct {
			Role string `db:"staff_role"`
			Cap  int    `db:"cap"`
		}
		if err := tx.SelectContext(ctx, &caps, `SELECT staff_role, cap FROM program_caseload_caps WHERE program_code = $1 ORDER BY staff_role`,
			e.ProgramCode); err != nil {
			return fmt.Errorf("caseload caps: %w", err)
		}
		var limit *int
		if len(caps) > 0 {
			roles := make([]string, len(caps))
			for i, c := range caps {
				roles[i] = c.Role
				if c.Role == st[0].Role {
					limit = &caps[i].Cap
				}
			}
			if limit == nil {
				return rss.Invalid("staff_id", "role_not_allowed", "staff of role %s may not carry %s enrollments (roles: %s)",
					st[0].Role, e.ProgramCode, strings.Join(roles, ", "))
			}
		}
		// Counted after the lock: this statement's snapshot sees every
		// reassignment committed by whoever held it before.
		var caseload int
		if err := tx.GetContext(ctx, &caseload, `SELECT count(*) FROM enrollments
			WHERE assigned_staff_id = $1 AND program_code = $2 AND discharge_date IS NULL AND id <> $3`,
			r.StaffID, e.ProgramCode, id); err != nil {
			return fmt.Errorf("caseload: %w", err)
		}
		if limit != nil && caseload >= *limit {
			return rss.Coded(rss.ErrConflict, "caseload_full",
				"staff %d carries %d open %s enrollments, the cap for a %s is %d", r.StaffID, caseload, e.ProgramCode, st[0].Role, *limit)
		}
		if err := tx.GetContext(ctx, &out, `UPDATE enrollments e SET assigned_staff_id = $2 WHERE id = $1 RETURNING `+enrollmentColumns,
			id, r.StaffID); err != nil {
			return fmt.Errorf("reassign: %w", err)
		}
		// Stamped by the service's clock, as every date the rules and the
		// reports read: the caseload report asks who carried an enrollment
		// on a day.
		if _, err := tx.ExecContext(ctx, `INSERT INTO enrollment_reassignments (enrollment_id, from_staff_id, to_staff_id, reason,
				caseload_after, caseload_cap, actor_key_id, reassigned_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
			id, e.AssignedStaffID, r.StaffID, r.Reason, caseload+1, limit, a.KeyID, s.now()); err != nil {
			return fmt.Errorf("record reassignment: %w", err)
		}
		return access.Record(ctx, tx, access.Event{Action: "reassign", EntityType: "enrollment", EntityID: access.ID(id), ClientID: e.ClientID})
	})
	return out, err
}

// lockOpenInProgram reads enrollment id and locks every open enrollment of
// its person in its program, in id order: a transfer of the primary case
// manager designation and a designation take them so, and run one after
// the other in an episode.
func lockOpenInProgram(ctx context.Context, tx *sqlx.Tx, id int64) (Enrollment, []Enrollment, error) {
	var e Enrollment
	err := tx.GetContext(ctx, &e, `SELECT `+enrollmentColumns+` FROM enrollments e WHERE e.id = $1`, id)
	if errors.Is(err, pg.ErrNoRows) {
		return e, nil, fmt.Errorf("%w: enrollment %d", rss.ErrNotFound, id)
	}
	if err != nil {
		return e, nil, err
	}
	var open []Enrollment
	if err := tx.SelectContext(ctx, &open, `SELECT `+enrollmentColumns+` FROM enrollments e
		WHERE e.person_id = $1 AND e.program_code = $2 AND e.discharge_date IS NULL ORDER BY e.id FOR UPDATE`,
		e.PersonID, e.ProgramCode); err != nil {
		return e, nil, fmt.Errorf("lock enrollments: %w", err)
	}
	return e, open, nil
}

// PrimaryTransfer moves the person's primary case manager designation to
// another agency's open enrollment in the same program: named directly, or
// as that agency's.
type PrimaryTransfer struct {
	ToEnrollmentID *int64 `json:"to_enrollment_id"`
	ToProviderID   *int64 `json:"to_provider_id"`
	Reason         string `json:"reason"`
}

// PrimaryTransferResult is a transfer as recorded, with both enrollments
// as they are after it.
type PrimaryTransferResult struct {
	ID            int64      `json:"id"`
	From          Enrollment `json:"from"`
	To            Enrollment `json:"to"`
	Reason        string     `json:"reason"`
	TransferredAt time.Time  `json:"transferred_at"`
}

// TransferPrimary moves the primary case manager designation of
// enrollment id (which must hold it and be open) to the receiving agency's
// open enrollment of the same person in the same program, and takes it from
// any other of the person's enrollments there, so exactly one agency holds
// it. It is the MSC's to do (reviewer or admin): it joins two agencies'
// records of one person, which neither may see of the other without a
// consent. Each enrollment that changes is audited.
func (s *Service) TransferPrimary(ctx context.Context, id int64, t PrimaryTransfer) (PrimaryTransferResult, error) {
	a, err := access.Require(ctx, access.RoleReviewer, access.RoleAdmin)
	if err != nil {
		return PrimaryTransferResult{}, err
	}
	v := &rss.ValidationError{}
	switch {
	case t.ToEnrollmentID == nil && t.ToProviderID == nil:
		v.Add("to_enrollment_id", "required", "to_enrollment_id or to_provider_id is required")
	case t.ToEnrollmentID != nil && t.ToProviderID != nil:
		v.Add("to_provider_id", "conflicting", "give to_enrollment_id or to_provider_id, not both")
	case t.ToEnrollmentID != nil && *t.ToEnrollmentID <= 0:
		v.Add("to_enrollment_id", "invalid_value", "to_enrollment_id must be positive")
	case t.ToProviderID != nil && *t.ToProviderID <= 0:
		v.Add("to_provider_id", "invalid_value", "to_provider_id must be positive")
	}
	requireReason(v, t.Reason, "reason is required")
	if err := v.Err(); err != nil {
		return PrimaryTransferResult{}, err
	}
	var out PrimaryTransferResult
	err = write(ctx, s, &out, func(ctx context.Context, tx *sqlx.Tx) error {
		from, open, err := lockOpenInProgram(ctx, tx, id)
		if err != nil {
			return err
		}
		var src, dst *Enrollment
		for i := range open {
			if open[i].ID == id {
				src = &open[i]
			}
			if (t.ToEnrollmentID != nil && open[i].ID == *t.ToEnrollmentID) || (t.ToProviderID != nil && open[i].ProviderID == *t.ToProviderID) {
				dst = &open[i]
			}
		}
		if src == nil {
			// A discharged enrollment still holding the designation hands
			// it on: its agency discharged the client first, and without
			// this the agency that carries on could never be designated
			// (V10 denied its every case management request).
			if err := tx.GetContext(ctx, &from, `SELECT `+enrollmentColumns+` FROM enrollments e WHERE e.id = $1 FOR UPDATE`, id); err != nil {
				return err
			}
			src = &from
		}
		// The sender must hold the designation as the rules read it (V10):
		// its own flag is also set on an enrollment the first designation
		// outranked, and on a discharged stay after another was designated,
		// and a transfer "from" either took it from the agency that held
		// it, whose enrollment kept no history of it (an enrollment
		// black-box pass).
		lapsed, err := lapsedAgencies(ctx, tx, open, s.Today())
		if err != nil {
			return err
		}
		ranks, err := designationRanks(ctx, tx, append([]Enrollment{*src}, open...)...)
		if err != nil {
			return err
		}
		if src.PrimaryCaseManager {
			if o := outrankedBy(*src, open, s.Today(), lapsed, ranks); o != nil {
				// The refusal names the holder as the rules rank it, of
				// any agency: after a readmission kept its stay's rank, the
				// agency's discharged enrollment named the other agency's
				// flag, and that one the readmission (a re-check).
				h := designationHolder(open, s.Today(), lapsed, ranks)
				if h == nil {
					h = o
				}
				if sameStay(*src, *h, ranks) {
					return rss.Coded(rss.ErrConflict, "not_primary", "enrollment %d does not hold the primary case manager designation: "+
						"enrollment %d, this agency's readmission of the same stay, holds it: transfer from it", id, h.ID)
				}
				return rss.Coded(rss.ErrConflict, "not_primary",
					"enrollment %d does not hold the primary case manager designation: enrollment %d, designated first, does; transfer from it", id, h.ID)
			}
		}
		if !src.PrimaryCaseManager {
			// The MSC reads this (the role was checked first): where no
			// open enrollment holds it there is nothing to transfer, and
			// the way out is a designation.
			if !slices.ContainsFunc(open, func(e Enrollment) bool { return e.PrimaryCaseManager }) {
				return rss.Coded(rss.ErrConflict, "not_primary", "enrollment %d does not hold the primary case manager designation, "+
					"and no open %s enrollment of the person does: designate one (POST /v1/enrollments/{id}/designate-primary)", id, from.ProgramCode)
			}
			// Named, as the refusal of an outranked sender names it: the
			// reviewer was told only who does not hold it (a re-check).
			if h := designationHolder(open, s.Today(), lapsed, ranks); h != nil {
				return rss.Coded(rss.ErrConflict, "not_primary",
					"enrollment %d does not hold the primary case manager designation: enrollment %d does; transfer from it", id, h.ID)
			}
			return rss.Coded(rss.ErrConflict, "not_primary", "enrollment %d does not hold the primary case manager designation", id)
		}
		if dst == nil {
			if t.ToEnrollmentID != nil {
				return rss.Invalid("to_enrollment_id", "no_open_enrollment",
					"enrollment %d is not an open %s enrollment of the same person", *t.ToEnrollmentID, from.ProgramCode)
			}
			return rss.Invalid("to_provider_id", "no_open_enrollment",
				"provider %d has no open %s enrollment of the same person", *t.ToProviderID, from.ProgramCode)
		}
		// The receiving agency reads the reason as its designation's
		// (enrollmentHistory), so it is checked as MSC text it reads word
		// for word: it may not name another agency of the person without
		// a consent naming the receiving agency.
		if err := s.CheckMSCText(ctx, tx, dst.ClientID, dst.ProviderID, "reason", t.Reason); err != nil {
			return err
		}
		if dst.ProviderID == src.ProviderID {
			field := "to_provider_id"
			if t.ToEnrollmentID != nil {
				field = "to_enrollment_id"
			}
			return rss.Invalid(field, "same_agency", "the designation moves to another agency")
		}
		// A stay that has not begun serves no one yet: the designation
		// moved there left the person with no agency whose case management
		// could be authorized until it began (the sender's requests denied
		// NOT_PRIMARY_CASE_MANAGER, the receiver's outside its stay; an
		// operations black-box pass).
		if dst.StartDate.After(s.Today()) {
			return rss.Coded(rss.ErrConflict, "not_begun",
				"the receiving enrollment begins on %s: the designation stays where it is until that stay has begun", dst.StartDate)
		}
		// An agency out of service today can be given no voucher (V02), so
		// as primary case manager it left the person with no agency whose
		// case management could be authorized (a black-box pass), as an
		// enrollment there is refused (CreateEnrollment).
		if from, out, err := outOfService(ctx, tx, dst.ProviderID, s.Today()); err != nil {
			return err
		} else if out {
			return rss.Coded(rss.ErrConflict, "provider_deactivated",
				"the receiving agency is out of service %s: the designation stays where it is", from)
		}
		if gap, err := uncovered(ctx, tx, dst.ProviderID, s.Today()); err != nil {
			return err
		} else if gap {
			return rss.Coded(rss.ErrConflict, "no_agreement",
				"no agreement of the receiving agency covers today: the designation stays where it is")
		}
		wasPrimary := dst.PrimaryCaseManager
		var changed []Enrollment
		if err := tx.SelectContext(ctx, &changed, `UPDATE enrollments e SET primary_case_manager = (e.id = $3)
			WHERE e.person_id = $1 AND e.program_code = $2 AND (e.discharge_date IS NULL OR e.id = $4)
			  AND (e.primary_case_manager <> (e.id = $3))
			RETURNING `+enrollmentColumns, from.PersonID, from.ProgramCode, dst.ID, src.ID); err != nil {
			return fmt.Errorf("transfer primary: %w", err)
		}
		// Both sides are answered and audited, also a receiving enrollment
		// its agency had already marked primary (which the first
		// designation outranked until now); so is any other that lost it.
		out.From, out.To = *src, *dst
		out.From.PrimaryCaseManager, out.To.PrimaryCaseManager = false, true
		events := []access.Event{
			{Action: "transfer_primary", EntityType: "enrollment", EntityID: access.ID(src.ID), ClientID: src.ClientID},
			{Action: "transfer_primary", EntityType: "enrollment", EntityID: access.ID(dst.ID), ClientID: dst.ClientID},
		}
		for _, c := range changed {
			if c.ID != src.ID && c.ID != dst.ID {
				events = append(events, access.Event{Action: "transfer_primary", EntityType: "enrollment", EntityID: access.ID(c.ID), ClientID: c.ClientID})
			}
		}
		out.Reason = t.Reason
		// Whether the receiving enrollment read primary already: its
		// agency is shown no designation then (enrollmentHistory). Its
		// time is the clock's once the enrollments are held, the order
		// transfers took effect in: the transaction's start, now(), put
		// six transfers sent at once in the history out of that order (in,
		// in, out, out: an enrollments black-box pass of the forty-seventh
		// stop).
		if err := tx.QueryRowxContext(ctx, `INSERT INTO primary_case_manager_transfers (from_enrollment_id, to_enrollment_id, reason, actor_key_id,
				to_was_primary, transferred_at)
			VALUES ($1, $2, $3, $4, $5, clock_timestamp()) RETURNING id, transferred_at`, src.ID, dst.ID, t.Reason, a.KeyID, wasPrimary).Scan(&out.ID, &out.TransferredAt); err != nil {
			return fmt.Errorf("record transfer: %w", err)
		}
		events = append(events, access.Event{Action: "create", EntityType: "primary_case_manager_transfer", EntityID: access.ID(out.ID)})
		return access.Record(ctx, tx, events...)
	})
	return out, err
}

// outrankedBy returns the open enrollment whose designation the rules
// read before e's own flag (V10: the first designation among the open
// stays begun by today of agencies standing today; any such open one's,
// when e is discharged), if any: another agency's, since one agency's
// stays are one stay to the rules. lapsed holds the agencies under no
// agreement or out of service today (lapsedAgencies), whose designations
// stand for nothing. ranks holds the designations that rank from an
// earlier enrollment of their agency's unbroken stay (designationRanks),
// as V10 reads them: a same-day readmission ranked as new, and a transfer
// from the agency it had outranked went through (a black-box pass).
func outrankedBy(e Enrollment, open []Enrollment, today rss.Date, lapsed map[int64]bool, ranks designations) *Enrollment {
	for i := range open {
		o := &open[i]
		if o.ID != e.ID && o.ProviderID != e.ProviderID && o.PrimaryCaseManager && !lapsed[o.ProviderID] &&
			(!e.DischargeDate.IsZero() || ranks.of(o).Outranks(ranks.of(&e), today.Time)) {
			return o
		}
	}
	return nil
}

// firstDesignated returns the flagged enrollment of open other than id
// whose designation ranks first (ranks), if any: the holder a designation
// refused primary_held names. The first by id named a flag that a
// readmitted stay's designation outranks, from which a transfer is then
// refused not_primary.
func firstDesignated(open []Enrollment, id int64, ranks designations) *Enrollment {
	var first *Enrollment
	for i := range open {
		o := &open[i]
		if o.PrimaryCaseManager && o.ID != id && (first == nil || ranks.of(o).Rank() < ranks.of(first).Rank()) {
			first = o
		}
	}
	return first
}

// designationHolder returns the open enrollment whose designation the
// rules read as the person's (V10), of any agency: the first designation
// (ranks) among the flagged open stays begun by today of agencies standing
// today (lapsed, as outrankedBy reads it); nil when none stands.
func designationHolder(open []Enrollment, today rss.Date, lapsed map[int64]bool, ranks designations) *Enrollment {
	var h *Enrollment
	for i := range open {
		o := &open[i]
		if !o.PrimaryCaseManager || !o.DischargeDate.IsZero() || lapsed[o.ProviderID] || ranks.of(o).Began().After(today.Time) {
			continue
		}
		if h == nil || ranks.of(o).Rank() < ranks.of(h).Rank() {
			h = o
		}
	}
	return h
}

// sameStay reports whether discharged enrollment e is of the unbroken
// stay a later enrollment h of its agency continues, h holding the stay's
// designation (ranks): h ranks from an earlier enrollment of the stay, and
// e began between the stay's first designated day and h's start. A stay's
// enrollments follow one another with no break, so one begun within them
// is one of them.
func sameStay(e, h Enrollment, ranks designations) bool {
	if e.DischargeDate.IsZero() || h.ID == e.ID || h.ProviderID != e.ProviderID {
		return false
	}
	d := ranks.of(&h)
	return d.Rank() < h.ID && !e.StartDate.Time.Before(d.Began()) && !e.StartDate.After(h.StartDate)
}

// designation is where a flagged enrollment's primary case manager
// designation ranks from when its agency's unbroken stay held it first on
// an earlier enrollment (designationSQL): that enrollment (As) and the
// stay's first designated day (From).
type designation struct {
	ID   int64    `json:"id"`
	As   int64    `json:"as"`
	From rss.Date `json:"from"`
}

// designations holds, by enrollment, the designations that rank from an
// earlier enrollment of their stay (designationRanks).
type designations map[int64]designation

// of is e's designation as the rules rank it (adjudication.Designation):
// from its stay's first designated enrollment, or its own.
func (ds designations) of(e *Enrollment) adjudication.Designation {
	d := adjudication.Designation{ID: e.ID, Start: e.StartDate.Time}
	if r, ok := ds[e.ID]; ok {
		d.As, d.From = r.As, r.From.Time
	}
	return d
}

// designationRanks reads the designations of enrollments that rank from
// an earlier enrollment of their stay (lentDesignationsSQL, as the rules'
// facts read them), by enrollment.
func designationRanks(ctx context.Context, tx *sqlx.Tx, enrollments ...Enrollment) (designations, error) {
	ids := make([]int64, 0, len(enrollments))
	for _, e := range enrollments {
		if e.PrimaryCaseManager {
			ids = append(ids, e.ID)
		}
	}
	out := designations{}
	if len(ids) == 0 {
		return out, nil
	}
	var rows []designation
	if err := tx.SelectContext(ctx, &rows, lentDesignationsSQL("x.id = ANY ($1)"), pq.Array(ids)); err != nil {
		return nil, fmt.Errorf("designations: %w", err)
	}
	for _, d := range rows {
		out[d.ID] = d
	}
	return out, nil
}

// lapsedAgencies returns the agencies of the flagged enrollments of open
// that no agreement covers, or that are out of service, on day: V10 sets
// their designations aside, and so do a transfer and a designation, which
// name the holder the rules read.
func lapsedAgencies(ctx context.Context, tx *sqlx.Tx, open []Enrollment, day rss.Date) (map[int64]bool, error) {
	lapsed := map[int64]bool{}
	for _, o := range open {
		if !o.PrimaryCaseManager {
			continue
		}
		if _, seen := lapsed[o.ProviderID]; seen {
			continue
		}
		_, out, err := outOfService(ctx, tx, o.ProviderID, day)
		if err != nil {
			return nil, err
		}
		if !out {
			if out, err = uncovered(ctx, tx, o.ProviderID, day); err != nil {
				return nil, err
			}
		}
		lapsed[o.ProviderID] = out
	}
	return lapsed, nil
}

// DesignatePrimary makes open enrollment id its person's primary case
// manager in its program when no open enrollment of the person there holds
// the designation: an agency that enrolled without primary_case_manager
// was otherwise denied NOT_PRIMARY_CASE_MANAGER on every case management
// request with no way out (a transfer needs an enrollment holding it, and
// a discharge and new enrollment lost the GPRA intake; a black-box pass).
// Where one holds it, the designation moves only by TransferPrimary (409
// primary_held). It is the MSC's (reviewer or admin), as a transfer is:
// whether another agency holds it is not the agency's to learn. The
// designation is recorded with its reason (a transfer row with no sender)
// and audited; its agency reads it in the enrollment's history, so the
// reason may not name another agency of the person (Part 2).
func (s *Service) DesignatePrimary(ctx context.Context, id int64, reason string) (Enrollment, error) {
	a, err := access.Require(ctx, access.RoleReviewer, access.RoleAdmin)
	if err != nil {
		return Enrollment{}, err
	}
	v := &rss.ValidationError{}
	requireReason(v, reason, "reason is required: why the enrollment is designated primary case manager")
	if err := v.Err(); err != nil {
		return Enrollment{}, err
	}
	var out Enrollment
	err = write(ctx, s, &out, func(ctx context.Context, tx *sqlx.Tx) error {
		defer out.shownTo(a) // what the request answers, and a retry replays
		// Locked as a transfer locks them, so two designations, or one
		// and a transfer, run one after the other and the second sees the
		// first.
		e, open, err := lockOpenInProgram(ctx, tx, id)
		if err != nil {
			return err
		}
		at := slices.IndexFunc(open, func(o Enrollment) bool { return o.ID == id })
		if at < 0 {
			// Discharged, before or while this waited for the lock.
			if err := tx.GetContext(ctx, &e, `SELECT `+enrollmentColumns+` FROM enrollments e WHERE e.id = $1`, id); err != nil {
				return err
			}
			return rss.Coded(rss.ErrConflict, "already_discharged", "enrollment %d was discharged on %s", id, e.DischargeDate)
		}
		e = open[at]
		// Its own flag set where another agency's designation came first
		// is not the designation (V10): "already_primary" there told the
		// MSC the enrollment held what the rules denied it (a new-user
		// black-box pass); the holder is named, as where the flag is unset.
		// The holder named is the one the rules read (outrankedBy), not
		// merely the first flagged: one not yet begun outranks nothing.
		lapsed, err := lapsedAgencies(ctx, tx, open, s.Today())
		if err != nil {
			return err
		}
		ranks, err := designationRanks(ctx, tx, open...)
		if err != nil {
			return err
		}
		holder := outrankedBy(e, open, s.Today(), lapsed, ranks)
		if e.PrimaryCaseManager && holder == nil {
			return rss.Coded(rss.ErrConflict, "already_primary", "enrollment %d holds the primary case manager designation", id)
		}
		if holder == nil {
			holder = firstDesignated(open, id, ranks)
		}
		if holder != nil {
			return rss.Coded(rss.ErrConflict, "primary_held", "enrollment %d holds the %s primary case manager designation of the person: "+
				"transfer it from there (POST /v1/enrollments/%d/transfer-primary)", holder.ID, e.ProgramCode, holder.ID)
		}
		// As a transfer's receiving stay: one that has not begun serves
		// no one yet, and designated, it left the agency serving the
		// person today denied NOT_PRIMARY_CASE_MANAGER until it began (a
		// re-check of an operations black-box pass).
		if e.StartDate.After(s.Today()) {
			return rss.Coded(rss.ErrConflict, "not_begun",
				"enrollment %d begins on %s: designate it once that stay has begun", id, e.StartDate)
		}
		// As a transfer's receiving agency: one out of service can be
		// given no voucher (V02).
		if from, out, err := outOfService(ctx, tx, e.ProviderID, s.Today()); err != nil {
			return err
		} else if out {
			return rss.Coded(rss.ErrConflict, "provider_deactivated",
				"the enrollment's agency is out of service %s: it cannot be designated", from)
		}
		if gap, err := uncovered(ctx, tx, e.ProviderID, s.Today()); err != nil {
			return err
		} else if gap {
			return rss.Coded(rss.ErrConflict, "no_agreement", "no agreement of the enrollment's agency covers today: it cannot be designated")
		}
		if err := s.CheckMSCText(ctx, tx, e.ClientID, e.ProviderID, "reason", reason); err != nil {
			return err
		}
		if err := tx.GetContext(ctx, &out, `UPDATE enrollments e SET primary_case_manager = true WHERE e.id = $1 RETURNING `+enrollmentColumns,
			id); err != nil {
			return fmt.Errorf("designate primary: %w", err)
		}
		var record int64
		if err := tx.GetContext(ctx, &record, `INSERT INTO primary_case_manager_transfers (from_enrollment_id, to_enrollment_id, reason, actor_key_id,
				transferred_at)
			VALUES (NULL, $1, $2, $3, clock_timestamp()) RETURNING id`, id, reason, a.KeyID); err != nil { // as a transfer's time
			return fmt.Errorf("record designation: %w", err)
		}
		return access.Record(ctx, tx,
			access.Event{Action: "designate_primary", EntityType: "enrollment", EntityID: access.ID(id), ClientID: e.ClientID},
			access.Event{Action: "create", EntityType: "primary_case_manager_transfer", EntityID: access.ID(record)})
	})
	return out, err
}

// WithdrawEnrollment takes back an enrollment that has not begun (a
// mistyped year, a client who never came): it is deleted as if never made,
// with the episode it alone opened, and the withdrawal is audited with its
// reason. A discharge can end no such stay (not in the future, not before
// its start), so one entered a year ahead held the program against the
// client's real enrollment until then (a black-box pass). Its pended
// voucher requests are withdrawn with it (withdrawEnrollmentRequests).
// Anything else recorded against it (a voucher request that granted, a GPRA
// interview, program records, a reassignment, a primary designation or
// transfer) keeps it: the schema's foreign keys refuse the delete, 409
// enrollment_in_use.
func (s *Service) WithdrawEnrollment(ctx context.Context, id int64, reason string) (Enrollment, error) {
	a, err := access.Require(ctx, access.RoleProvider, access.RoleAdmin)
	if err != nil {
		return Enrollment{}, err
	}
	v := &rss.ValidationError{}
	requireReason(v, reason, "reason is required: why the enrollment is withdrawn")
	if err := v.Err(); err != nil {
		return Enrollment{}, err
	}
	var out Enrollment
	err = write(ctx, s, &out, func(ctx context.Context, tx *sqlx.Tx) error {
		defer out.shownTo(a) // what the request answers, and a retry replays
		e, err := s.lockOpenEnrollment(ctx, tx, a, id)
		if err != nil {
			return err
		}
		today := s.Today()
		if !e.StartDate.After(today) {
			return rss.Coded(rss.ErrConflict, "already_begun", "enrollment %d began on %s: discharge it instead", id, e.StartDate)
		}
		// Its pended requests are withdrawn as at a discharge, and they,
		// any its agency withdrew before (their withdrawal's reason names
		// it) and any denied let go of it: they grant nothing, so they keep
		// it no more than a request never made. Kept by a denial (any
		// request is denied GPRA_INTAKE_MISSING before the stay begins and
		// its intake can be recorded), a stay entered ahead could be
		// neither withdrawn nor discharged (an enrollment black-box pass of
		// the thirty-seventh stop). A request that granted still keeps it.
		if err := s.withdrawEnrollmentRequests(ctx, tx, a, &e, WithdrawnByEnrollmentWithdrawal,
			fmt.Sprintf("enrollment %d withdrawn on %s", id, today)); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `UPDATE voucher_requests SET enrollment_id = NULL
			WHERE enrollment_id = $1 AND decision IN ('withdrawn', 'denied')`, id); err != nil {
			return fmt.Errorf("release withdrawn requests: %w", err)
		}
		_, err = tx.ExecContext(ctx, `DELETE FROM enrollments WHERE id = $1`, id)
		if pg.IsViolation(err, pg.CodeForeignKeyViolation, "") {
			return rss.Coded(rss.ErrConflict, "enrollment_in_use", "records are kept against enrollment %d (voucher requests, GPRA "+
				"interviews, program records, a reassignment, a primary designation or transfer): it cannot be withdrawn", id)
		}
		if err != nil {
			return fmt.Errorf("withdraw enrollment: %w", err)
		}
		if err := ledger.DropEmptyEpisode(ctx, tx, e.EpisodeID); err != nil {
			return err
		}
		// Another agency's stay in the episode, discharged since, would
		// have closed it had this one never been made: it stayed open with
		// no stay, and the client's next enrollment took on its caps, money
		// and GPRA window (a re-check). Closed as of the last discharge.
		var last *rss.Date
		if err := tx.GetContext(ctx, &last, `SELECT max(discharge_date) FROM enrollments WHERE episode_id = $1`, e.EpisodeID); err != nil {
			return fmt.Errorf("episode's last discharge: %w", err)
		}
		if last != nil {
			if err := ledger.CloseEpisode(ctx, tx, e.EpisodeID, *last); err != nil {
				return err
			}
		}
		out = e
		return access.Record(ctx, tx, access.Event{Action: "withdraw", EntityType: "enrollment", EntityID: access.ID(id),
			ClientID: e.ClientID, Outcome: reason})
	})
	return out, err
}
