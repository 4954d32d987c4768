package reports

import (
	"context"
	"net/url"

	"github.com/jmoiron/sqlx"

	"rss"
	"rss/access"
)

// ExtractTotals count the rows and the distinct people (a person two
// agencies serve is one client) and sum the figures.
type ExtractTotals struct {
	Enrollments     int64     `json:"enrollments" db:"enrollments"`
	Clients         int64     `json:"clients" db:"clients"`
	UnitsAuthorized int64     `json:"units_authorized" db:"units_authorized"`
	UnitsUsed       int64     `json:"units_used" db:"units_used"`
	AmountPaid      rss.Money `json:"amount_paid" db:"amount_paid"`
}

// The enrollments open at some time in [$1, $2] ($4 provider, $5 program).
// The range's figures are utilization's, narrowed to the enrollment's
// authorizations: units authorized of those starting in the range (a
// voided one by the units it used, one a deactivation cut to nothing by
// none: migration 00087), units used and paid of their counted lines by date of service in
// the range. The rest is the record as it stands today ($3): discharge,
// GPRA statuses (as the client's GPRA schedule shows them; null for a
// program without GPRA), the latest employment stage in force and the
// latest RCM monthly treatment status.
const extractBase = `
WITH e AS (
    SELECT e.* FROM enrollments e
    WHERE e.start_date <= $2 AND (e.discharge_date IS NULL OR e.discharge_date >= $1)
      AND ($4::bigint IS NULL OR e.provider_id = $4) AND ($5::text IS NULL OR e.program_code = $5)
)`

// The range's figures, each summed once for the whole range and joined by
// hash (a lookup per enrollment, 96,000 of them for a year, cost more than
// the sums). Units authorized, units used and dollars paid come from the
// enrollment rollup (report_enrollment_use: a row per enrollment and
// month, kept by claim_lines' triggers for the counted lines by month of
// service, the enrollment being the line's authorization's, and by
// authorizations' for their units authorized by month of start, migration
// 00037, a voided one's units used, 00087; dollars in whole cents so that summing a year's rows
// adds integers), as utilization takes them from its own: the range's
// whole calendar months are the rows' sums (whole); in the one or two
// months the range cuts, the rows with a line on one of the range's days
// of it read their lines (cut: the enrollment's authorizations, found by
// client and provider, and their lines by claim_lines_no_duplicate), and
// the authorizations starting on those days are read by start date
// (cut_authorized, authorizations_report_idx). Summing the authorizations
// by enrollment on their own was a ninth of the report. A
// year of 10,000,000 lines was a scan of the range's lines (seconds), and
// then of a rollup by client and service that could not tell a client's
// two enrollments in a program apart; this one is a row per enrollment and
// month. The months' bounds are written out where they are used (not read
// from a CTE) so that the planner sees their values and estimates the
// rollup rows they take; a filtered report sums only the filtered
// enrollments' rows (a hashed subplan).
const extractFigures = `, whole AS (
    SELECT u.enrollment_id, u.units, u.paid_cents, u.units_authorized
    FROM report_enrollment_use u
    WHERE u.month BETWEEN ` + wholeFirst + ` AND ` + wholeLast + `
      AND ($4::bigint IS NULL AND $5::text IS NULL OR u.enrollment_id IN (SELECT x.id FROM enrollments x
           WHERE ($4::bigint IS NULL OR x.provider_id = $4) AND ($5::text IS NULL OR x.program_code = $5)))
), cut AS (
    SELECT u.enrollment_id, p.units, p.paid_cents, 0::bigint AS units_authorized
    FROM report_enrollment_use u
    JOIN enrollments x ON x.id = u.enrollment_id
    CROSS JOIN LATERAL (
        SELECT sum(l.units_allowed) AS units, (sum(l.paid) * 100)::bigint AS paid_cents
        FROM authorizations a
        JOIN claim_lines l ON l.counted AND l.client_id = a.client_id AND l.provider_id = a.provider_id
             AND l.service_code = a.service_code AND l.authorization_id = a.id
             AND l.date_of_service BETWEEN greatest($1::date, u.month) AND least($2::date, (u.month + interval '1 month')::date - 1)
        WHERE a.client_id = x.client_id AND a.provider_id = x.provider_id AND a.enrollment_id = x.id) p
    WHERE u.month IN (date_trunc('month', $1::date::timestamp)::date, date_trunc('month', $2::date::timestamp)::date)
      AND NOT u.month BETWEEN ` + wholeFirst + ` AND ` + wholeLast + `
      AND u.days::bigint & ((1::bigint << extract(day FROM least($2::date, (u.month + interval '1 month')::date - 1))::int)
                            - (1::bigint << (extract(day FROM greatest($1::date, u.month))::int - 1))) <> 0
      AND ($4::bigint IS NULL OR x.provider_id = $4) AND ($5::text IS NULL OR x.program_code = $5)
), cut_authorized AS (
    SELECT a.enrollment_id, 0::bigint AS units, 0::bigint AS paid_cents, a.units_authorized::bigint AS units_authorized
    FROM authorizations a
    WHERE a.voided_at IS NULL AND ` + notCutSQL + `
      AND (a.start_date BETWEEN $1 AND least($2::date, ` + wholeFirst + ` - 1)
           OR a.start_date BETWEEN greatest($1::date, (` + wholeLast + ` + interval '1 month')::date) AND $2)
      AND ($4::bigint IS NULL OR a.provider_id = $4) AND ($5::text IS NULL OR a.program_code = $5)
    UNION ALL
    -- A voided one by the units it used (migration 00087).
    SELECT a.enrollment_id, 0, 0, a.units_used::bigint
    FROM authorizations a
    WHERE a.voided_at IS NOT NULL AND a.units_used > 0 AND ` + notCutSQL + `
      AND (a.start_date BETWEEN $1 AND least($2::date, ` + wholeFirst + ` - 1)
           OR a.start_date BETWEEN greatest($1::date, (` + wholeLast + ` + interval '1 month')::date) AND $2)
      AND ($4::bigint IS NULL OR a.provider_id = $4) AND ($5::text IS NULL OR a.program_code = $5)
), used AS (
    SELECT enrollment_id, sum(units) AS units, sum(paid_cents) AS paid_cents, sum(units_authorized) AS units_authorized
    FROM (SELECT * FROM whole UNION ALL SELECT * FROM cut UNION ALL SELECT * FROM cut_authorized) x
    GROUP BY 1
)`

// The first and last whole calendar months in [$1, $2] (first > last when
// there is none).
const (
	wholeFirst = `(date_trunc('month', ($1::date - 1)::timestamp) + interval '1 month')::date`
	wholeLast  = `(date_trunc('month', ($2::date + 1)::timestamp) - interval '1 month')::date`
)

// The record as it stands today ($3), each part read once for the range's
// enrollments and joined by hash: the enrollment's GPRA interviews by kind
// (its stay's, migration 00042: one row per enrollment, at most one
// interview of a kind, gpra_interviews_one_per_kind; one join where there
// were three), the latest employment stage in force and the latest RCM
// monthly progress record (an index-only scan of
// rcm_monthly_progress_latest_idx, in order: no sort of every record).
// The stage is the unbroken EMP stay's (staysSQL), as the movement
// report reads it.
var extractRecord = `, gp AS (
    SELECT g.enrollment_id,
           max(g.status) FILTER (WHERE g.kind = 'intake') AS i_status,
           max(g.interview_date) FILTER (WHERE g.kind = 'intake') AS i_date,
           max(g.status) FILTER (WHERE g.kind = 'follow_up') AS f_status,
           max(g.interview_date) FILTER (WHERE g.kind = 'follow_up') AS f_date,
           max(g.status) FILTER (WHERE g.kind = 'discharge') AS d_status,
           max(g.interview_date) FILTER (WHERE g.kind = 'discharge') AS d_date
    FROM gpra_interviews g
    WHERE ($4::bigint IS NULL OR g.provider_id = $4)
    GROUP BY 1
), emp AS MATERIALIZED (` + staysSQL(`o.program_code = 'EMP' AND ($4::bigint IS NULL OR o.provider_id = $4)`) + `
), stage AS (
    -- The stage in force is its unbroken stay's, from its enrollments up
    -- to this one: a discharge and a readmission the next day read no
    -- stage on the readmitted enrollment, where the movement report
    -- carries the stay's on (a reports black-box pass of the forty-fourth
    -- stop).
    SELECT DISTINCT ON (x.id) x.id AS enrollment_id, s.stage
    FROM emp x
    JOIN emp y ON y.client_id = x.client_id AND y.provider_id = x.provider_id AND y.stay_start = x.stay_start
              AND (y.start_date, y.id) <= (x.start_date, x.id)
    JOIN employment_stage_changes s ON s.enrollment_id = y.id AND s.effective_date <= $3
    ORDER BY x.id, s.effective_date DESC, y.start_date DESC, s.id DESC
), progress AS (
    SELECT DISTINCT ON (r.enrollment_id) r.enrollment_id, r.treatment_status, r.month FROM rcm_monthly_progress r
    ORDER BY r.enrollment_id, r.month DESC
)`

// By client, then enrollment.
var extractRowsQuery = extractBase + extractFigures + extractRecord + `
SELECT e.client_id, e.id AS enrollment_id, e.program_code, e.provider_id, e.assigned_staff_id AS staff_id,
       c.catchment_area, e.referral_source, e.start_date::text, e.planned_end_date::text, e.discharge_date::text,
       e.discharge_reason_code AS discharge_reason, dr.outcome AS discharge_outcome,
       coalesce(us.units_authorized, 0) AS units_authorized,
       coalesce(us.units, 0) AS units_used, coalesce(us.paid_cents, 0) * 0.01 AS amount_paid,
       -- A stay not begun by today owes no intake yet (the schedule's not_yet_due;
       -- it read missing: a reports black-box pass). One under way owes it
       -- still, its window open (the schedule's due): it read missing, as
       -- a discharged stay's lapsed one does, and the state could not tell
       -- an agency within its window from one that let it close (a GPRA
       -- black-box pass of the forty-fifth stop).
       CASE WHEN e.gpra_required THEN coalesce(gp.i_status, CASE WHEN e.start_date > $3 THEN 'not_yet_due'
            WHEN e.discharge_date IS NULL THEN 'due' ELSE 'missing' END) END AS gpra_intake,
       -- Each window is the stay's, its program's when it was enrolled
       -- (migration 00083).
       CASE WHEN NOT e.gpra_required THEN NULL
            WHEN gp.i_status IS DISTINCT FROM 'completed' THEN 'not_applicable'
            WHEN gp.f_status = 'not_conducted' THEN 'not_conducted'
            WHEN gp.f_status = 'completed' AND gp.f_date > gp.i_date + COALESCE(e.gpra_followup_close_days, p.gpra_followup_close_days) THEN 'completed_late'
            WHEN gp.f_status = 'completed' THEN 'completed'
            WHEN $3 < gp.i_date + COALESCE(e.gpra_followup_open_days, p.gpra_followup_open_days) THEN 'not_yet_due'
            WHEN $3 > gp.i_date + COALESCE(e.gpra_followup_close_days, p.gpra_followup_close_days) THEN 'overdue'
            ELSE 'due' END AS gpra_follow_up,
       CASE WHEN NOT e.gpra_required THEN NULL
            WHEN e.discharge_date IS NULL OR gp.i_status IS DISTINCT FROM 'completed' THEN 'not_applicable'
            WHEN gp.d_status = 'not_conducted' THEN 'not_conducted'
            WHEN gp.d_status = 'completed' AND gp.d_date > e.discharge_date + COALESCE(e.gpra_discharge_days, p.gpra_discharge_days) THEN 'completed_late'
            WHEN gp.d_status = 'completed' THEN 'completed'
            WHEN $3 > e.discharge_date + COALESCE(e.gpra_discharge_days, p.gpra_discharge_days) THEN 'overdue'
            ELSE 'due' END AS gpra_discharge,
       st.stage AS employment_stage, pr.treatment_status, to_char(pr.month, 'YYYY-MM') AS treatment_status_month
FROM e
JOIN programs p ON p.code = e.program_code
JOIN clients c ON c.id = e.client_id
LEFT JOIN discharge_reasons dr ON dr.code = e.discharge_reason_code
LEFT JOIN used us ON us.enrollment_id = e.id
LEFT JOIN gp ON gp.enrollment_id = e.id
LEFT JOIN stage st ON st.enrollment_id = e.id
LEFT JOIN progress pr ON pr.enrollment_id = e.id
ORDER BY e.client_id, e.id`

// extractPeople counts the people behind the rows: one person's records at
// two agencies were two clients in the total (a black-box pass). It reads
// the enrollments only, not the range's claim lines.
const extractPeople = extractBase + `
SELECT count(DISTINCT e.person_id) FROM e WHERE $3::date IS NOT NULL`

// extractReads: each enrollment shown is a read of its client's record.
// $3 is not needed to list them; it is named so the statement takes the
// report's arguments as they are.
const extractReads = extractBase + `
SELECT e.id AS entity_id, e.client_id FROM e WHERE $3::date IS NOT NULL`

// extractColumns are a row's: one client-enrollment for the state's
// system: who, where, when, how it ended, what was authorized, used and
// paid in the range, and where the program's own records stand now.
var extractColumns = []column{{"client_id", kInt, inBoth}, {"enrollment_id", kInt, inBoth}, {"program", kText, inBoth},
	{"provider_id", kInt, inBoth}, {"staff_id", kInt, inBoth}, {"catchment_area", kText, inBoth},
	{"referral_source", kText, inBoth}, {"start_date", kDate, inBoth}, {"planned_end_date", kDate, inBoth},
	{"discharge_date", kDate, inBoth}, {"discharge_reason", kText, inBoth}, {"discharge_outcome", kText, inBoth},
	{"units_authorized", kInt, inBoth}, {"units_used", kInt, inBoth}, {"amount_paid", kMoney, inBoth},
	{"gpra_intake", kText, inBoth}, {"gpra_follow_up", kText, inBoth}, {"gpra_discharge", kText, inBoth},
	{"employment_stage", kText, inBoth}, {"treatment_status", kText, inBoth}, {"treatment_status_month", kText, inBoth}}

// Extract checks q and returns the client-level extract for the state's
// system: one row per client-enrollment open at some time in [from, to].
// The MSC roles get every agency's; a provider its own agency's (what it
// reports in its own name). Each row is a read of a client record and is
// audited (state_extract, the enrollment, its client) before the first row
// is written.
func (s *Service) Extract(ctx context.Context, q url.Values) (*Report, error) {
	a, err := access.Require(ctx, access.RoleProvider, access.RoleReviewer, access.RoleFinance, access.RoleAdmin)
	if err != nil {
		return nil, err
	}
	f, err := s.parseFilter(ctx, a, q, params{rng: true})
	if err != nil {
		return nil, err
	}
	args := []any{*f.From, *f.To, s.today(), f.provider(), nullText(f.Program)}
	// The totals are summed from the rows as they are written: a second
	// query would read the range's claim lines a second time. The people
	// are counted by one of their own.
	var t ExtractTotals
	var paid moneySum
	return &Report{
		Name: "state-extract", Filter: f, s: s, columns: extractColumns,
		query: extractRowsQuery, args: args,
		reads: &reads{entity: access.ReportStateExtract, query: extractReads},
		tally: func(v values) error {
			t.Enrollments++
			t.UnitsAuthorized += v.int(12)
			t.UnitsUsed += v.int(13)
			return paid.add(v, 14)
		},
		totals: func(ctx context.Context, tx *sqlx.Tx) (any, error) {
			t.AmountPaid = paid.total()
			err := tx.GetContext(ctx, &t.Clients, extractPeople, args...)
			return t, err
		},
	}, nil
}
