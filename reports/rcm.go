package reports

import (
	"context"
	"encoding/json"
	"net/url"
	"strconv"

	"github.com/jmoiron/sqlx"

	"rss"
	"rss/access"
)

// RCMMonthRow is one RCM enrollment in one calendar month, for DCF: the
// month's engagement (contacts by kind), treatment status and goals from
// the enrollment's monthly progress record, and the units used. A month
// with no record has recorded false, zero contacts, a null treatment
// status and no goals: DCF sees what is missing.
type RCMMonthRow struct {
	Month           string          `json:"month" db:"month"` // YYYY-MM
	EnrollmentID    int64           `json:"enrollment_id" db:"enrollment_id"`
	ClientID        int64           `json:"client_id" db:"client_id"`
	ProviderID      int64           `json:"provider_id" db:"provider_id"`
	StaffID         *int64          `json:"staff_id" db:"staff_id"`
	StartDate       rss.Date        `json:"start_date" db:"start_date"`
	DischargeDate   *rss.Date       `json:"discharge_date" db:"discharge_date"`
	Recorded        bool            `json:"recorded" db:"recorded"`
	FaceToFace      int64           `json:"face_to_face" db:"face_to_face"`
	HomeVisit       int64           `json:"home_visit" db:"home_visit"`
	Telephone       int64           `json:"telephone" db:"telephone"`
	Video           int64           `json:"video" db:"video"`
	Collateral      int64           `json:"collateral" db:"collateral"`
	Attempted       int64           `json:"attempted" db:"attempted"`
	TotalContacts   int64           `json:"total_contacts" db:"total_contacts"`
	TreatmentStatus *string         `json:"treatment_status" db:"treatment_status"`
	Goals           json.RawMessage `json:"goals" db:"goals"`
	GoalsAchieved   int64           `json:"goals_achieved" db:"goals_achieved"`
	UnitsUsed       int64           `json:"units_used" db:"units_used"`
	AmountPaid      rss.Money       `json:"amount_paid" db:"amount_paid"`
}

// RCMMonthTotals are the range's figures: enrollments counted once.
type RCMMonthTotals struct {
	Enrollments    int64     `json:"enrollments" db:"enrollments"`
	Months         int64     `json:"months" db:"months"`
	MonthsRecorded int64     `json:"months_recorded" db:"months_recorded"`
	MonthsMissing  int64     `json:"months_missing" db:"months_missing"`
	TotalContacts  int64     `json:"total_contacts" db:"total_contacts"`
	UnitsUsed      int64     `json:"units_used" db:"units_used"`
	AmountPaid     rss.Money `json:"amount_paid" db:"amount_paid"`
}

// The calendar months meeting [$1, $2] that have begun by today ($3); an
// RCM enrollment counts in a month it was open on any day of (started by
// the month's last day, not discharged before its first). Units used and
// amount paid are the counted claim lines (as in utilization) on the
// enrollment's authorizations, by date of service in the month.
//
// The months are an integer series of the months from $1's to the
// earlier of $2's and $3's: its length is known to the planner (a series
// of dates is 1,000 rows to it, a filtered one a handful), so the
// enrollment-months are counted about right and joined by hash.
const rcmBase = `
WITH months AS (
    SELECT m::date AS month, (m + interval '1 month')::date - 1 AS month_end
    FROM generate_series(0, (extract(year FROM least($2::date, $3::date)) * 12 + extract(month FROM least($2::date, $3::date))
                             - extract(year FROM $1::date) * 12 - extract(month FROM $1::date))::int) i
    CROSS JOIN LATERAL (SELECT date_trunc('month', $1::date::timestamp) + i * interval '1 month' AS m) x
), em AS (
    SELECT m.month, m.month_end, e.id AS enrollment_id, e.client_id, e.provider_id, e.assigned_staff_id AS staff_id,
           e.start_date, e.discharge_date
    FROM months m
    JOIN enrollments e ON e.program_code = 'RCM' AND e.start_date <= m.month_end
         AND (e.discharge_date IS NULL OR e.discharge_date >= m.month)
         AND ($4::bigint IS NULL OR e.provider_id = $4)
)`

// rcmUsed takes units and dollars from the rollup (report_claim_use, kept
// by claim_lines' triggers): its rows of RCM services by month, provider
// and client, which are an enrollment's when the client has one RCM
// enrollment with the provider (a line's authorization is of its client,
// provider and service, so of that enrollment). The months are whole
// calendar months, as the rollup's are. Where a client has had more than
// one RCM enrollment with the provider (multi), the rollup cannot tell
// them apart: those rows read their lines (claim_lines_no_duplicate leads
// by client, provider, service and date) and each line's authorization.
// A year of 10,000,000 lines was a scan of the range's lines (seconds);
// the rollup is a row per client, service and month.
const rcmUsed = `, multi AS MATERIALIZED (
    SELECT client_id, provider_id FROM enrollments
    WHERE program_code = 'RCM' AND ($4::bigint IS NULL OR provider_id = $4)
    GROUP BY 1, 2 HAVING count(*) > 1
), used AS MATERIALIZED (
    SELECT u.month, u.client_id, u.provider_id, sum(u.units) AS units, sum(u.paid) AS paid
    FROM report_claim_use u JOIN services s ON s.code = u.service_code
    WHERE s.program_code = 'RCM'
      AND u.month BETWEEN date_trunc('month', $1::date::timestamp)::date AND least($2::date, $3::date)
      AND ($4::bigint IS NULL OR u.provider_id = $4)
    GROUP BY 1, 2, 3
), used_multi AS (
    SELECT em.enrollment_id, em.month, p.units, p.paid
    FROM em JOIN multi mu ON mu.client_id = em.client_id AND mu.provider_id = em.provider_id
    CROSS JOIN LATERAL (
        SELECT sum(l.units_allowed) AS units, sum(l.paid) AS paid
        FROM services s
        JOIN claim_lines l ON l.counted AND l.client_id = em.client_id AND l.provider_id = em.provider_id
             AND l.service_code = s.code AND l.date_of_service BETWEEN em.month AND em.month_end
        JOIN authorizations a ON a.id = l.authorization_id
        WHERE s.program_code = 'RCM' AND a.enrollment_id = em.enrollment_id) p
)`

const rcmRows = `, rows AS (
    SELECT to_char(em.month, 'YYYY-MM') AS month, em.month AS month_start, em.enrollment_id, em.client_id, em.provider_id,
           em.staff_id, em.start_date, em.discharge_date, pr.id IS NOT NULL AS recorded,
           coalesce(c.face_to_face, 0) AS face_to_face, coalesce(c.home_visit, 0) AS home_visit,
           coalesce(c.telephone, 0) AS telephone, coalesce(c.video, 0) AS video,
           coalesce(c.collateral, 0) AS collateral, coalesce(c.attempted, 0) AS attempted,
           coalesce(c.total, 0) AS total_contacts, pr.treatment_status,
           coalesce(g.goals, '[]'::json) AS goals, coalesce(g.achieved, 0) AS goals_achieved,
           CASE WHEN mu.client_id IS NULL THEN coalesce(u.units, 0) ELSE coalesce(x.units, 0) END AS units_used,
           CASE WHEN mu.client_id IS NULL THEN coalesce(u.paid, 0) ELSE coalesce(x.paid, 0) END AS amount_paid
    FROM em
    LEFT JOIN rcm_monthly_progress pr ON pr.enrollment_id = em.enrollment_id AND pr.month = em.month
    LEFT JOIN LATERAL (
        SELECT sum(x.count) FILTER (WHERE x.kind = 'face_to_face') AS face_to_face,
               sum(x.count) FILTER (WHERE x.kind = 'home_visit') AS home_visit,
               sum(x.count) FILTER (WHERE x.kind = 'telephone') AS telephone,
               sum(x.count) FILTER (WHERE x.kind = 'video') AS video,
               sum(x.count) FILTER (WHERE x.kind = 'collateral') AS collateral,
               sum(x.count) FILTER (WHERE x.kind = 'attempted') AS attempted,
               sum(x.count) AS total
        FROM rcm_monthly_contacts x WHERE x.progress_id = pr.id) c ON true
    LEFT JOIN LATERAL (
        SELECT json_agg(json_build_object('goal', x.goal, 'status', x.status) ORDER BY x.position) AS goals,
               count(*) FILTER (WHERE x.status = 'achieved') AS achieved
        FROM rcm_monthly_goals x WHERE x.progress_id = pr.id) g ON true
    LEFT JOIN multi mu ON mu.client_id = em.client_id AND mu.provider_id = em.provider_id
    LEFT JOIN used u ON u.client_id = em.client_id AND u.provider_id = em.provider_id AND u.month = em.month
    LEFT JOIN used_multi x ON x.enrollment_id = em.enrollment_id AND x.month = em.month
)`

const rcmQuery = rcmBase + rcmUsed + rcmRows + `
SELECT month, enrollment_id, client_id, provider_id, staff_id, start_date, discharge_date, recorded,
       face_to_face, home_visit, telephone, video, collateral, attempted, total_contacts, treatment_status,
       goals, goals_achieved, units_used, amount_paid
FROM rows ORDER BY month_start, provider_id, enrollment_id`

// rcmEnrollments counts the enrollments the rows show (the other totals
// are summed from the rows as they are written: a second pass over the
// range's claim lines would double the report's cost).
const rcmEnrollments = rcmBase + `
SELECT count(DISTINCT enrollment_id) FROM em`

// rcmReads: each enrollment shown is a read of its client's record.
const rcmReads = rcmBase + `
SELECT DISTINCT enrollment_id AS entity_id, client_id FROM em ORDER BY 1`

var rcmColumns = []string{"month", "enrollment_id", "client_id", "provider_id", "staff_id", "start_date", "discharge_date",
	"recorded", "face_to_face", "home_visit", "telephone", "video", "collateral", "attempted", "total_contacts",
	"treatment_status", "goals", "goals_achieved", "units_used", "amount_paid"}

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
	args := []any{*f.From, *f.To, s.today(), f.provider()}
	var t RCMMonthTotals
	return &Report{
		Name: "rcm-monthly", Filter: f, s: s, cols: rcmColumns,
		query: rcmQuery, args: args,
		reads: &reads{entity: "rcm_monthly_report", query: rcmReads},
		row: func(rows *sqlx.Rows) (any, []string, error) {
			var r RCMMonthRow
			if err := rows.StructScan(&r); err != nil {
				return nil, nil, err
			}
			t.Months++
			if r.Recorded {
				t.MonthsRecorded++
			} else {
				t.MonthsMissing++
			}
			t.TotalContacts += r.TotalContacts
			t.UnitsUsed += r.UnitsUsed
			t.AmountPaid = rss.NewMoney(t.AmountPaid.Add(r.AmountPaid.Decimal))
			dd, ts := "", ""
			if r.DischargeDate != nil {
				dd = r.DischargeDate.String()
			}
			if r.TreatmentStatus != nil {
				ts = *r.TreatmentStatus
			}
			return r, []string{r.Month, itoa(r.EnrollmentID), itoa(r.ClientID), itoa(r.ProviderID), optInt(r.StaffID),
				r.StartDate.String(), dd, strconv.FormatBool(r.Recorded), itoa(r.FaceToFace), itoa(r.HomeVisit),
				itoa(r.Telephone), itoa(r.Video), itoa(r.Collateral), itoa(r.Attempted), itoa(r.TotalContacts), ts,
				string(r.Goals), itoa(r.GoalsAchieved), itoa(r.UnitsUsed), r.AmountPaid.StringFixed(2)}, nil
		},
		totals: func(ctx context.Context, tx *sqlx.Tx) (any, error) {
			err := tx.GetContext(ctx, &t.Enrollments, rcmEnrollments, args...)
			return t, err
		},
	}, nil
}
