package reports

import (
	"context"
	"net/url"

	"github.com/jmoiron/sqlx"

	"rss/access"
)

// LengthOfServiceTotals count the enrollments, the open ones, those past
// their maximum, the unbroken stays they make, and the stays' mean days.
type LengthOfServiceTotals struct {
	Enrollments int64    `json:"enrollments" db:"enrollments"`
	Open        int64    `json:"open" db:"open"`
	PastMax     int64    `json:"past_max" db:"past_max"`
	Stays       int64    `json:"stays" db:"stays"`
	MeanDays    *float64 `json:"mean_days" db:"mean_days"`
}

// staysSQL selects the enrollments where (a condition on o) with the first
// day of the agency's unbroken stay in the program each belongs to
// (stay_start): its enrollments of the client, each begun by the day after
// the one before ended, or was last held in rss's books (held_through,
// migration 00102). The one reading of a stay the reports share (length of
// service, employment movement), as the voucher rules' stayStartSQL is
// theirs; the enrollments before one in the same stay must pass where.
func staysSQL(where string) string {
	return `
    SELECT id, client_id, provider_id, program_code, start_date, discharge_date,
           max(begin_mark) OVER (PARTITION BY client_id, provider_id, program_code ORDER BY start_date, id) AS stay_start
    FROM (SELECT o.id, o.client_id, o.provider_id, o.program_code, o.start_date, o.discharge_date,
                 CASE WHEN lag(o.id) OVER w IS NULL
                      OR o.start_date > max(o.held_through) OVER (w ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING) + 1
                 THEN o.start_date END AS begin_mark
          FROM enrollments o
          WHERE ` + where + `
          WINDOW w AS (PARTITION BY o.client_id, o.provider_id, o.program_code ORDER BY o.start_date, o.id)) marks`
}

// Enrollments intersecting [$1, $2] that had started by as_of ($3); a
// discharge after as_of is not yet one. Days count from the first day of
// the agency's unbroken stay in the program (stay_start: its own
// enrollments of the client, each begun by the day after the one before
// ended, or was last held in rss's books: held_through, migration 00102),
// as the voucher rules count a length of service (V21, V31): a
// same-day readmission restarted the report's count at day 1 while the
// rules pended every request as past day 270, and the client left the
// state's past-maximum list (a GPRA and reports black-box pass). Day 1 is
// the stay's first day, through the discharge date or as_of: the 270th day of a 270-day program
// is not past its maximum, the 271st is. The maximum is the program's on
// as_of: the one the first change of it at or after the end of as_of ($6)
// replaced (record_changes, migration 00070), else the one now; with no
// $6 (as of today, when no later change can yet have been made) the one
// now. Read as it stands, raising RCM's maximum took past stays off a
// closed quarter's past-maximum count (a known gap until the nineteenth
// stop). A program's rows are few: its maximum is found once, not per
// enrollment.
var losBase = `
WITH maxima AS (
    SELECT p.code, CASE WHEN h.found THEN h.max_days ELSE p.los_max_days END AS max_days
    FROM programs p
    LEFT JOIN LATERAL (SELECT true AS found, (rc.before ->> 'los_max_days')::int AS max_days FROM record_changes rc
                       WHERE rc.table_name = 'programs' AND rc.row_key = p.code AND rc.before ? 'los_max_days'
                         AND rc.changed_at >= $6::timestamptz
                       ORDER BY rc.id LIMIT 1) h ON true
), stays AS (` + staysSQL(`o.start_date <= $2 AND o.start_date <= $3
      AND ($4::bigint IS NULL OR o.provider_id = $4) AND ($5::text IS NULL OR o.program_code = $5)`) + `
), e AS (
    SELECT e.id AS enrollment_id, e.client_id, e.provider_id, e.program_code, e.start_date, st.stay_start,
           CASE WHEN e.discharge_date <= $3 THEN e.discharge_date END AS discharge_date,
           p.max_days
    FROM enrollments e JOIN maxima p ON p.code = e.program_code JOIN stays st ON st.id = e.id
    WHERE e.start_date <= $2 AND e.start_date <= $3 AND (e.discharge_date IS NULL OR e.discharge_date >= $1)
      AND ($4::bigint IS NULL OR e.provider_id = $4) AND ($5::text IS NULL OR e.program_code = $5)
), rows AS (
    SELECT e.*, CASE WHEN discharge_date IS NULL THEN 'open' ELSE 'discharged' END AS status,
           (coalesce(discharge_date, $3::date) - stay_start + 1)::bigint AS days,
           lead(enrollment_id) OVER (PARTITION BY client_id, provider_id, program_code, stay_start
                                     ORDER BY start_date, enrollment_id) IS NULL AS stay_last
    FROM e
)`

var losQuery = losBase + `
SELECT $3::date::text AS as_of, enrollment_id, provider_id, program_code, start_date::text, stay_start::text, discharge_date::text, status,
       days, max_days, coalesce(days > max_days, false) AS past_max, greatest(days - coalesce(max_days, days), 0) AS days_past_max,
       stay_last
FROM rows ORDER BY provider_id, program_code, enrollment_id`

// losReads lists the enrollments the report shows, each with its client:
// a row is an enrollment's record (its id, agency, program, start and
// discharge), which GET /v1/enrollments/{id} audits as a read of the
// client's record, and the report read every enrollment of the state with
// nothing recorded (a white-box review).
var losReads = losBase + `
SELECT r.enrollment_id AS entity_id, x.client_id FROM rows r JOIN enrollments x ON x.id = r.enrollment_id`

// losColumns are a row's: an enrollment's length of service as of a date
// against its program's maximum (max_days null for a program without one).
var losColumns = []column{{"as_of", kDate, inCSV}, {"enrollment_id", kInt, inBoth}, {"provider_id", kInt, inBoth},
	{"program", kText, inBoth}, {"start_date", kDate, inBoth}, {"stay_start", kDate, inBoth}, {"discharge_date", kDate, inBoth}, {"status", kText, inBoth},
	{"days", kInt, inBoth}, {"max_days", kInt, inBoth}, {"past_max", kBool, inBoth}, {"days_past_max", kInt, inBoth},
	{"stay_last", kBool, inNeither}}

// LengthOfService checks q and returns the length-of-service report: each
// enrollment that was open at some time in [from, to] and had started by
// as_of (the earlier of to and today when absent), its days from its
// unbroken stay's first day to discharge or as_of, the program's maximum (programs.los_max_days; RCM
// 270) and whether it is past it.
func (s *Service) LengthOfService(ctx context.Context, q url.Values) (*Report, error) {
	a, err := access.Require(ctx, access.RoleProvider, access.RoleReviewer, access.RoleFinance, access.RoleAdmin)
	if err != nil {
		return nil, err
	}
	f, err := s.parseFilter(ctx, a, q, params{rng: true, asOf: true})
	if err != nil {
		return nil, err
	}
	// As of today, or the range's end or first day when the range is
	// not today's: as of today, before a range not begun, the filter it
	// echoed was refused when sent back (before_from: a reports pass).
	if f.AsOf == nil {
		d := s.today()
		if f.To.Before(d) {
			d = *f.To
		}
		if d.Before(*f.From) {
			d = *f.From
		}
		f.AsOf = &d
	}
	asOf := *f.AsOf
	// The program's history is stamped by the database's clock: as of
	// today the maximum is today's whichever clock runs ahead (as the
	// caseload report reads its caps).
	maxSince := s.historySince(asOf)
	args := []any{*f.From, *f.To, asOf, f.provider(), nullText(f.Program), maxSince}
	// The totals are counted as the rows stream by. The mean is a stay's:
	// round(avg(days), 1), half away from zero, in integers, over the
	// last row of each unbroken stay the report shows (stay_last), whose
	// days are the stay's. Over every row, a same-day readmission counted
	// the stay's days twice, once to the discharge and again to as_of (a
	// reports pass of the forty-second stop).
	var t LengthOfServiceTotals
	var days int64
	return &Report{
		Name: "length-of-service", Filter: f, s: s,
		query: losQuery, args: args, columns: losColumns,
		reads: &reads{entity: access.ReportLengthOfService, query: losReads},
		tally: func(v values) error {
			t.Enrollments++
			if v.bool(12) {
				t.Stays++
				days += v.int(8)
			}
			if string(v[7]) == "open" {
				t.Open++
			}
			if v.bool(10) {
				t.PastMax++
			}
			return nil
		},
		totals: func(context.Context, *sqlx.Tx) (any, error) {
			if t.Stays > 0 {
				m := float64(roundDiv(days*10, t.Stays)) / 10
				t.MeanDays = &m
			}
			return t, nil
		},
	}, nil
}
