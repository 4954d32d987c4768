package reports

import (
	"context"
	"net/url"

	"github.com/jmoiron/sqlx"

	"rss"
	"rss/access"
)

// RCMMonthTotals are the range's figures: enrollments counted once.
type RCMMonthTotals struct {
	Enrollments    int64 `json:"enrollments" db:"enrollments"`
	Months         int64 `json:"months" db:"months"`
	MonthsRecorded int64 `json:"months_recorded" db:"months_recorded"`
	MonthsMissing  int64 `json:"months_missing" db:"months_missing"`
	// MonthsUnderWay are the rows of today's month for a stay still open
	// (recorded false): the agency records such a month once it ends (422
	// month_not_ended before), so it is not missing. Counted missing, DCF
	// read a gap for every open enrollment the agency could not fill (a
	// reports black-box pass of the forty-fourth stop). Months is the
	// sum of the three.
	MonthsUnderWay int64     `json:"months_under_way" db:"months_under_way"`
	TotalContacts  int64     `json:"total_contacts" db:"total_contacts"`
	UnitsUsed      int64     `json:"units_used" db:"units_used"`
	AmountPaid     rss.Money `json:"amount_paid" db:"amount_paid"`
}

// The calendar months meeting [$1, $2] that have begun by today ($3): from
// the month of $1 (rcmFirst) to the last day of the month of the earlier of
// $2 and $3 (rcmLast). An RCM enrollment counts in a month it was open on
// any day of (started by the month's last day, not discharged before its
// first), and begun by today: a stay starting later this month was listed
// as a month not recorded, which the API refuses to record until it
// begins (a GPRA and reports black-box pass), as the other period reports
// leave such stays out. The bounds are written out where they are used, not read from a
// CTE, so that the planner sees their values and estimates the rows they
// take; the months are an integer series whose length it can count (a
// series of dates, or one per enrollment, is 1,000 rows to it, and on such
// guesses it sorted the 165,000 enrollment-months three times for merge
// joins).
const (
	rcmFirst = `date_trunc('month', $1::date::timestamp)::date`
	rcmLast  = `(date_trunc('month', least($2::date, $3::date)::timestamp) + interval '1 month' - interval '1 day')::date`
)

const rcmBase = `
WITH en AS MATERIALIZED (
    SELECT e.id AS enrollment_id, e.client_id, e.provider_id, e.assigned_staff_id AS staff_id, e.start_date, e.discharge_date
    FROM enrollments e
    WHERE e.program_code = 'RCM' AND e.start_date <= ` + rcmLast + ` AND ` + rcmLast + ` >= ` + rcmFirst + `
      AND e.start_date <= $3::date
      AND (e.discharge_date IS NULL OR e.discharge_date >= ` + rcmFirst + `)
      AND ($4::bigint IS NULL OR e.provider_id = $4) AND $5::text IS NOT NULL
)`

// rcmMonths pairs the enrollments with their months, each with the
// specialist it had at the end of the month (of today, for today's month;
// of its discharge day, for its discharge month: a discharge dated before a
// reassignment named the specialist who never served the client, a
// black-box pass; $5 the service's time zone), as the caseload report
// counts them: a
// reassignment moves an enrollment from one specialist (from_staff_id) to
// another, so the specialist at a moment T is the one the first
// reassignment at or after T moved it from (the span from the reassignment
// before it, exclusive, to it), else the one assigned now. DCF reads who
// served the client that month, not who serves them today. Reassignments
// are few; only the report's enrollments' are read, and each moved
// enrollment carries the months it was moved out of in two arrays (months,
// staff) onto its pairing with the months: joined per enrollment-month
// instead, the planner sorted the 165,000 pairs for a merge join (40-90 ms
// of a year's report).
const rcmMonths = `, months AS MATERIALIZED (
    SELECT m::date AS month, (m + interval '1 month' - interval '1 day')::date AS month_end,
           (least((m + interval '1 month' - interval '1 day')::date, $3::date) + 1)::timestamp AT TIME ZONE $5 AS staff_at
    FROM generate_series(0, (extract(year FROM least($2::date, $3::date)) * 12 + extract(month FROM least($2::date, $3::date))
                             - extract(year FROM $1::date) * 12 - extract(month FROM $1::date))::int) i
    CROSS JOIN LATERAL (SELECT date_trunc('month', $1::date::timestamp) + i * interval '1 month' AS m) x
), moves AS MATERIALIZED (
    SELECT r.enrollment_id, r.from_staff_id, r.reassigned_at,
           lag(r.reassigned_at) OVER (PARTITION BY r.enrollment_id ORDER BY r.id) AS before_at
    FROM enrollment_reassignments r WHERE r.enrollment_id IN (SELECT enrollment_id FROM en)
), staffed AS MATERIALIZED (
    SELECT en.*, sf.months AS moved_months, sf.staff AS moved_staff
    FROM en LEFT JOIN (
        SELECT mv.enrollment_id, array_agg(m.month ORDER BY m.month) AS months, array_agg(mv.from_staff_id ORDER BY m.month) AS staff
        FROM moves mv JOIN en d ON d.enrollment_id = mv.enrollment_id
        CROSS JOIN LATERAL (SELECT m.month, least(m.staff_at, (d.discharge_date + 1)::timestamp AT TIME ZONE $5) AS at FROM months m) m
        WHERE (mv.before_at IS NULL OR mv.before_at < m.at) AND m.at <= mv.reassigned_at
        GROUP BY 1) sf ON sf.enrollment_id = en.enrollment_id
), em AS MATERIALIZED (
    SELECT m.month, m.month_end, en.enrollment_id, en.client_id, en.provider_id,
           CASE WHEN array_position(en.moved_months, m.month) IS NULL THEN en.staff_id
                ELSE en.moved_staff[array_position(en.moved_months, m.month)] END AS staff_id,
           en.start_date, en.discharge_date
    FROM months m
    JOIN staffed en ON en.start_date <= m.month_end AND (en.discharge_date IS NULL OR en.discharge_date >= m.month)
)`

// Units and dollars come from the enrollment rollup (report_enrollment_use,
// kept by claim_lines' triggers): a row per enrollment and calendar month
// of service, the enrollment being the line's authorization's, so a
// client's two RCM enrollments with one provider keep their own. The
// months are whole calendar months, as the rollup's are. A year of
// 10,000,000 lines was a scan of the range's lines (seconds); the rollup is
// a row per enrollment and month, read once for the range and joined to
// the enrollment-months by hash (a lookup per enrollment-month, 165,000 of
// them for a year of the bench's data, cost more than the reading); only
// the report's enrollments' rows are hashed, and only the range's progress
// records (the bounds restated on each join, which the planner does not
// carry across one).
//
// The month's contacts by kind and its goals are the progress record's
// summary (migration 00034: kept by the contacts' and goals' triggers;
// aggregating them here was half the report). The rows are sorted narrow,
// carrying only the progress record's place (ctid), and the record is
// fetched by it once sorted: sorting the 165,000 rows with their goals
// took a quarter of the report, and the first row waited for all of it.
// The fetch is a LIMIT so that it stays a lookup per row after the sort
// (joined plainly, the planner hashes the records and sorts again). A
// ctid read and fetched in one statement is one snapshot's: the version
// it names stays there, whoever updates the record meanwhile.
const rcmQuery = rcmBase + rcmMonths + `
SELECT to_char(x.month, 'YYYY-MM') AS month, x.enrollment_id, x.client_id, x.provider_id, x.staff_id,
       x.start_date::text, x.discharge_date::text, pr.id IS NOT NULL AS recorded,
       coalesce(pr.face_to_face, 0) AS face_to_face, coalesce(pr.home_visit, 0) AS home_visit,
       coalesce(pr.telephone, 0) AS telephone, coalesce(pr.video, 0) AS video,
       coalesce(pr.collateral, 0) AS collateral, coalesce(pr.attempted, 0) AS attempted,
       coalesce(pr.total_contacts, 0) AS total_contacts, pr.treatment_status,
       coalesce(pr.goals, '[]'::json) AS goals, coalesce(pr.goals_achieved, 0) AS goals_achieved,
       coalesce(x.units, 0) AS units_used, coalesce(x.paid_cents, 0) * 0.01 AS amount_paid
FROM (SELECT em.month, em.enrollment_id, em.client_id, em.provider_id, em.staff_id, em.start_date, em.discharge_date,
             p.ctid AS progress, u.units, u.paid_cents
      FROM em
      LEFT JOIN rcm_monthly_progress p ON p.enrollment_id = em.enrollment_id AND p.month = em.month
           AND p.month BETWEEN ` + rcmFirst + ` AND ` + rcmLast + `
      LEFT JOIN (SELECT u.enrollment_id, u.month, u.units, u.paid_cents FROM report_enrollment_use u
                 WHERE u.month BETWEEN ` + rcmFirst + ` AND ` + rcmLast + ` AND u.enrollment_id IN (SELECT enrollment_id FROM en)) u
           ON u.enrollment_id = em.enrollment_id AND u.month = em.month
      ORDER BY em.month, em.provider_id, em.enrollment_id) x
LEFT JOIN LATERAL (SELECT * FROM rcm_monthly_progress p WHERE p.ctid = x.progress LIMIT 1) pr ON true
ORDER BY x.month, x.provider_id, x.enrollment_id`

// rcmEnrollments counts the enrollments the rows show (each has a month;
// the other totals are summed from the rows as they are written).
const rcmEnrollments = rcmBase + `
SELECT count(*) FROM en`

// rcmReads: each enrollment shown is a read of its client's record.
const rcmReads = rcmBase + `
SELECT enrollment_id AS entity_id, client_id FROM en`

// rcmColumns are a row's: one RCM enrollment in one calendar month (YYYY-MM),
// for DCF: the month's engagement (contacts by kind), treatment status and
// goals ([{goal, status}]) from the enrollment's monthly progress record,
// and the units used and dollars paid. A month with no record has
// recorded false, zero contacts, a null treatment status and no goals: DCF
// sees what is missing.
var rcmColumns = []column{{"month", kText, inBoth}, {"enrollment_id", kInt, inBoth}, {"client_id", kInt, inBoth},
	{"provider_id", kInt, inBoth}, {"staff_id", kInt, inBoth}, {"start_date", kDate, inBoth}, {"discharge_date", kDate, inBoth},
	{"recorded", kBool, inBoth}, {"face_to_face", kInt, inBoth}, {"home_visit", kInt, inBoth}, {"telephone", kInt, inBoth},
	{"video", kInt, inBoth}, {"collateral", kInt, inBoth}, {"attempted", kInt, inBoth}, {"total_contacts", kInt, inBoth},
	{"treatment_status", kText, inBoth}, {"goals", kJSON, inBoth}, {"goals_achieved", kInt, inBoth},
	{"units_used", kInt, inBoth}, {"amount_paid", kMoney, inBoth}}

// RCMMonthly checks q and returns the RCM monthly client-level report for
// DCF over the calendar months meeting [from, to]: a row per RCM
// enrollment per month it was open in. It is a read of client records:
// each enrollment shown is audited (rcm_monthly_report, the enrollment,
// its client) before the first row is written.
func (s *Service) RCMMonthly(ctx context.Context, q url.Values) (*Report, error) {
	a, err := access.Require(ctx, access.RoleProvider, access.RoleReviewer, access.RoleFinance, access.RoleAdmin)
	if err != nil {
		return nil, err
	}
	f, err := s.parseFilter(ctx, a, q, params{rng: true})
	if err != nil {
		return nil, err
	}
	if f.Program != "" && f.Program != "RCM" {
		return nil, rss.Invalid("program", "not_rcm", "the monthly report to DCF is a report on program RCM only")
	}
	f.Program = "RCM"
	today := s.today()
	args := []any{*f.From, *f.To, today, f.provider(), s.loc.String()}
	thisMonth, todayText := today.Time.Format("2006-01"), today.String()
	var t RCMMonthTotals
	var paid moneySum
	return &Report{
		Name: "rcm-monthly", Filter: f, s: s, columns: rcmColumns,
		query: rcmQuery, args: args,
		reads: &reads{entity: access.ReportRCMMonthly, query: rcmReads},
		tally: func(v values) error {
			t.Months++
			// Columns: 0 month (YYYY-MM), 6 discharge date, 7 recorded.
			switch {
			case v.bool(7):
				t.MonthsRecorded++
			case string(v[0]) == thisMonth && (v.null(6) || string(v[6]) > todayText):
				t.MonthsUnderWay++
			default:
				t.MonthsMissing++
			}
			t.TotalContacts += v.int(14)
			t.UnitsUsed += v.int(18)
			return paid.add(v, 19)
		},
		totals: func(ctx context.Context, tx *sqlx.Tx) (any, error) {
			t.AmountPaid = paid.total()
			err := tx.GetContext(ctx, &t.Enrollments, rcmEnrollments, args...)
			return t, err
		},
	}, nil
}
