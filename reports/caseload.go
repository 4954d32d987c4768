package reports

import (
	"context"
	"net/url"
	"strconv"

	"github.com/jmoiron/sqlx"

	"rss"
	"rss/access"
)

// CaseloadRow is one specialist's open enrollments in one program as of a
// date, against the program's cap for the specialist's role.
type CaseloadRow struct {
	ProviderID      int64   `json:"provider_id" db:"provider_id"`
	StaffID         *int64  `json:"staff_id" db:"staff_id"`
	StaffName       *string `json:"staff_name" db:"staff_name"`
	StaffRole       *string `json:"staff_role" db:"staff_role"`
	Program         string  `json:"program" db:"program_code"`
	OpenEnrollments int64   `json:"open_enrollments" db:"open_enrollments"`
	Cap             *int64  `json:"cap" db:"cap"`
	OverCap         bool    `json:"over_cap" db:"over_cap"`
}

// CaseloadTotals count the open enrollments and the rows over their cap.
type CaseloadTotals struct {
	OpenEnrollments int64 `json:"open_enrollments" db:"open_enrollments"`
	Unassigned      int64 `json:"unassigned" db:"unassigned"`
	OverCap         int64 `json:"over_cap" db:"over_cap"`
}

// An enrollment is open on $1 when it started on or before it and was not
// discharged by then (discharged on $1 is off the caseload that day). Its
// specialist on $1 is the one the last reassignment before the end of $1
// ($2, a timestamp) named, else the one the first reassignment moved it
// from, else the one assigned now. The specialist's role on $1 (so the cap)
// is the one the first change of role at or after the end of $1 replaced
// (record_changes, migration 00061), else the role now; with no $5 (as of
// today or later, when no later change can yet have been made) the role
// now. The report took today's role for every day, so promoting or
// demoting someone rewrote the caseload against the cap of every past day
// (a black-box pass). The program's caps on $1 are read the same way: the
// set the first change of them at or after the end of $1 replaced (kept by
// access.RecordSetChange, migration 00070), else the caps now; lowering a
// cap today put yesterday's caseloads over it.
const caseloadQuery = `
WITH open AS (
    SELECT e.id, e.provider_id, e.program_code,
           CASE WHEN b.to_staff_id IS NOT NULL THEN b.to_staff_id
                WHEN f.found THEN f.from_staff_id
                ELSE e.assigned_staff_id END AS staff_id
    FROM enrollments e
    LEFT JOIN LATERAL (SELECT r.to_staff_id FROM enrollment_reassignments r
                       WHERE r.enrollment_id = e.id AND r.reassigned_at < $2
                       ORDER BY r.id DESC LIMIT 1) b ON true
    LEFT JOIN LATERAL (SELECT r.from_staff_id, true AS found FROM enrollment_reassignments r
                       WHERE r.enrollment_id = e.id ORDER BY r.id LIMIT 1) f ON true
    WHERE e.start_date <= $1 AND (e.discharge_date IS NULL OR e.discharge_date > $1)
      AND ($3::bigint IS NULL OR e.provider_id = $3) AND ($4::text IS NULL OR e.program_code = $4)
), carried AS (
    -- A specialist not employed on $1 (gone, or not yet started) carries
    -- no one that day: the enrollment is unassigned until reassigned. A
    -- departure counted the clients against the cap of someone gone for
    -- months, and none as unassigned (an outcomes black-box pass).
    SELECT o.provider_id, o.program_code,
           CASE WHEN (st.employment_start IS NULL OR st.employment_start <= $1)
                 AND (st.employment_end IS NULL OR st.employment_end >= $1) THEN o.staff_id END AS staff_id
    FROM open o LEFT JOIN staff st ON st.id = o.staff_id
), counted AS (
    SELECT o.provider_id, o.staff_id, o.program_code, count(*) AS open_enrollments
    FROM carried o GROUP BY 1, 2, 3
), rows AS (
    SELECT c.provider_id, c.staff_id, st.first_name || ' ' || st.last_name AS staff_name, r.role AS staff_role,
           c.program_code, c.open_enrollments, cap.cap,
           coalesce(c.open_enrollments > cap.cap, false) AS over_cap
    FROM counted c
    LEFT JOIN staff st ON st.id = c.staff_id
    LEFT JOIN LATERAL (SELECT rc.before ->> 'role' AS role FROM record_changes rc
                       WHERE rc.table_name = 'staff' AND rc.row_id = st.id AND rc.before ->> 'role' IS NOT NULL
                         AND rc.changed_at >= $5::timestamptz
                       ORDER BY rc.id LIMIT 1) h ON true
    CROSS JOIN LATERAL (SELECT coalesce(h.role, st.role) AS role) r
    LEFT JOIN LATERAL (SELECT rc.before -> 'caseload_caps' AS caps FROM record_changes rc
                       WHERE rc.table_name = 'programs' AND rc.row_key = c.program_code AND rc.before ? 'caseload_caps'
                         AND rc.changed_at >= $5::timestamptz
                       ORDER BY rc.id LIMIT 1) hc ON true
    LEFT JOIN program_caseload_caps now ON now.program_code = c.program_code AND now.staff_role = r.role
    CROSS JOIN LATERAL (SELECT CASE WHEN hc.caps IS NOT NULL THEN (hc.caps ->> r.role)::int ELSE now.cap END AS cap) cap
)
SELECT * FROM rows ORDER BY provider_id, program_code, staff_id NULLS LAST`

var caseloadColumns = []string{"as_of", "provider_id", "staff_id", "staff_name", "staff_role", "program",
	"open_enrollments", "cap", "over_cap"}

// Caseload checks q and returns the caseload report as of a date (as_of,
// today when absent): per provider x specialist x program, the open
// enrollments assigned, the cap for the specialist's role and whether the
// caseload is over it. Enrollments with no specialist, or one not
// employed on the day, are one row with no staff.
func (s *Service) Caseload(ctx context.Context, q url.Values) (*Report, error) {
	a, err := access.Require(ctx, access.RoleProvider, access.RoleReviewer, access.RoleFinance, access.RoleAdmin)
	if err != nil {
		return nil, err
	}
	f, err := s.parseFilter(ctx, a, q, params{asOf: true})
	if err != nil {
		return nil, err
	}
	if f.AsOf == nil {
		d := s.today()
		f.AsOf = &d
	}
	asOf := *f.AsOf
	end := s.dayEnd(asOf)
	// The role and cap history is stamped by the database's clock, the
	// reassignments by the service's: as of today the role and caps are
	// today's whichever clock runs ahead.
	roleSince := s.historySince(asOf)
	args := []any{asOf, end, f.provider(), nullText(f.Program), roleSince}
	// The totals are the rows' sums, added up as they stream by.
	var t CaseloadTotals
	return &Report{
		Name: "caseload", Filter: f, s: s, cols: caseloadColumns,
		query: caseloadQuery, args: args,
		row: func(rows *sqlx.Rows) (any, []string, error) {
			var r CaseloadRow
			if err := rows.StructScan(&r); err != nil {
				return nil, nil, err
			}
			t.OpenEnrollments += r.OpenEnrollments
			if r.StaffID == nil {
				t.Unassigned += r.OpenEnrollments
			}
			if r.OverCap {
				t.OverCap++
			}
			return r, []string{asOf.String(), itoa(r.ProviderID), optInt(r.StaffID), rss.CSVText(optStr(r.StaffName)), optStr(r.StaffRole),
				r.Program, itoa(r.OpenEnrollments), optInt(r.Cap), strconv.FormatBool(r.OverCap)}, nil
		},
		totals: func(context.Context, *sqlx.Tx) (any, error) { return t, nil },
	}, nil
}

func optInt(p *int64) string {
	if p == nil {
		return ""
	}
	return itoa(*p)
}

func optStr(p *string) string {
	if p == nil {
		return ""
	}
	return *p
}
