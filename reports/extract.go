package reports

import (
	"context"
	"net/url"

	"github.com/jmoiron/sqlx"

	"rss"
	"rss/access"
)

// ExtractRow is one client-enrollment for the state's system: who, where,
// when, how it ended, what was authorized, used and paid in the range, and
// where the program's own records stand now.
type ExtractRow struct {
	ClientID          int64     `json:"client_id" db:"client_id"`
	EnrollmentID      int64     `json:"enrollment_id" db:"enrollment_id"`
	Program           string    `json:"program" db:"program_code"`
	ProviderID        int64     `json:"provider_id" db:"provider_id"`
	StaffID           *int64    `json:"staff_id" db:"staff_id"`
	CatchmentArea     *string   `json:"catchment_area" db:"catchment_area"`
	ReferralSource    *string   `json:"referral_source" db:"referral_source"`
	StartDate         rss.Date  `json:"start_date" db:"start_date"`
	PlannedEndDate    *rss.Date `json:"planned_end_date" db:"planned_end_date"`
	DischargeDate     *rss.Date `json:"discharge_date" db:"discharge_date"`
	DischargeReason   *string   `json:"discharge_reason" db:"discharge_reason"`
	DischargeOutcome  *string   `json:"discharge_outcome" db:"discharge_outcome"`
	UnitsAuthorized   int64     `json:"units_authorized" db:"units_authorized"`
	UnitsUsed         int64     `json:"units_used" db:"units_used"`
	AmountPaid        rss.Money `json:"amount_paid" db:"amount_paid"`
	GPRAIntake        *string   `json:"gpra_intake" db:"gpra_intake"`
	GPRAFollowup      *string   `json:"gpra_follow_up" db:"gpra_follow_up"`
	GPRADischarge     *string   `json:"gpra_discharge" db:"gpra_discharge"`
	EmploymentStage   *string   `json:"employment_stage" db:"employment_stage"`
	TreatmentStatus   *string   `json:"treatment_status" db:"treatment_status"`
	TreatmentStatusOf *string   `json:"treatment_status_month" db:"treatment_status_month"`
}

// ExtractTotals count the rows and distinct clients and sum the figures.
type ExtractTotals struct {
	Enrollments     int64     `json:"enrollments" db:"enrollments"`
	Clients         int64     `json:"clients" db:"clients"`
	UnitsAuthorized int64     `json:"units_authorized" db:"units_authorized"`
	UnitsUsed       int64     `json:"units_used" db:"units_used"`
	AmountPaid      rss.Money `json:"amount_paid" db:"amount_paid"`
}

// The enrollments open at some time in [$1, $2] ($4 provider, $5 program).
// The range's figures are utilization's, narrowed to the enrollment's
// authorizations: units authorized of those not voided starting in the
// range, units used and paid of their counted lines by date of service in
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

// The range's authorizations summed once by enrollment. Units used and
// dollars paid come from the rollup (report_claim_use, kept by claim_lines'
// triggers; a row per month, provider, service and client), as utilization
// takes them: a line's authorization is of its client, provider and
// service, so where the client has had one enrollment in the program with
// the provider, the rollup's rows of the program's services are that
// enrollment's. Whole calendar months of the range are the rows' sums; in
// a month the range cuts, only the rows whose day bits meet the range's
// days of it read their lines (claim_lines_no_duplicate leads by client,
// provider, service and date). Where the client has had more than one
// enrollment in the program with the provider (multi), the rollup cannot
// tell them apart: those rows read their lines and each line's
// authorization. A year of 10,000,000 lines was a scan of the range's
// lines (seconds); the rollup is a row per client, service and month.
const extractFigures = `, au AS (
    SELECT a.enrollment_id, sum(a.units_authorized) AS units
    FROM authorizations a
    WHERE a.voided_at IS NULL AND a.start_date BETWEEN $1 AND $2
      AND ($4::bigint IS NULL OR a.provider_id = $4) AND ($5::text IS NULL OR a.program_code = $5)
    GROUP BY 1
), multi AS MATERIALIZED (
    SELECT client_id, provider_id, program_code FROM enrollments
    WHERE ($4::bigint IS NULL OR provider_id = $4) AND ($5::text IS NULL OR program_code = $5)
    GROUP BY 1, 2, 3 HAVING count(*) > 1
), span AS (
    SELECT (date_trunc('month', ($1::date - 1)::timestamp) + interval '1 month')::date AS first_whole,
           (date_trunc('month', ($2::date + 1)::timestamp) - interval '1 month')::date AS last_whole
), keys AS MATERIALIZED (
    SELECT u.month, u.provider_id, u.service_code, u.client_id, s.program_code, u.units, u.paid,
           u.month BETWEEN sp.first_whole AND sp.last_whole AS whole, mu.client_id IS NOT NULL AS multi,
           greatest($1::date, u.month) AS from_day, least($2::date, (u.month + interval '1 month')::date - 1) AS to_day
    FROM report_claim_use u
    JOIN services s ON s.code = u.service_code
    CROSS JOIN span sp
    LEFT JOIN multi mu ON mu.client_id = u.client_id AND mu.provider_id = u.provider_id AND mu.program_code = s.program_code
    WHERE u.month BETWEEN date_trunc('month', $1::date::timestamp)::date AND $2::date
      AND ($4::bigint IS NULL OR u.provider_id = $4) AND ($5::text IS NULL OR s.program_code = $5)
      AND (u.month BETWEEN sp.first_whole AND sp.last_whole
           OR u.days::bigint & ((1::bigint << extract(day FROM least($2::date, (u.month + interval '1 month')::date - 1))::int)
                                - (1::bigint << (extract(day FROM greatest($1::date, u.month))::int - 1))) <> 0)
), us AS MATERIALIZED (
    SELECT x.client_id, x.provider_id, x.program_code, sum(x.units) AS units, sum(x.paid) AS paid
    FROM (SELECT k.client_id, k.provider_id, k.program_code, k.units, k.paid
          FROM keys k WHERE k.whole AND NOT k.multi
          UNION ALL
          SELECT k.client_id, k.provider_id, k.program_code, p.units, p.paid
          FROM keys k
          CROSS JOIN LATERAL (
              SELECT sum(l.units_allowed) AS units, sum(l.paid) AS paid FROM claim_lines l
              WHERE l.counted AND l.client_id = k.client_id AND l.provider_id = k.provider_id
                AND l.service_code = k.service_code AND l.date_of_service BETWEEN k.from_day AND k.to_day) p
          WHERE NOT k.whole AND NOT k.multi) x
    GROUP BY 1, 2, 3
), us_multi AS MATERIALIZED (
    SELECT p.enrollment_id, sum(p.units) AS units, sum(p.paid) AS paid
    FROM keys k
    CROSS JOIN LATERAL (
        SELECT a.enrollment_id, sum(l.units_allowed) AS units, sum(l.paid) AS paid
        FROM claim_lines l JOIN authorizations a ON a.id = l.authorization_id
        WHERE l.counted AND l.client_id = k.client_id AND l.provider_id = k.provider_id
          AND l.service_code = k.service_code AND l.date_of_service BETWEEN k.from_day AND k.to_day
        GROUP BY 1) p
    WHERE k.multi
    GROUP BY 1
)`

const extractQuery = extractBase + extractFigures + `, rows AS (
    SELECT e.client_id, e.id AS enrollment_id, e.program_code, e.provider_id, e.assigned_staff_id AS staff_id,
           c.catchment_area, e.referral_source, e.start_date, e.planned_end_date, e.discharge_date,
           e.discharge_reason_code AS discharge_reason, dr.outcome AS discharge_outcome,
           coalesce(au.units, 0) AS units_authorized, CASE WHEN mu.client_id IS NULL THEN coalesce(us.units, 0) ELSE coalesce(um.units, 0) END AS units_used,
           CASE WHEN mu.client_id IS NULL THEN coalesce(us.paid, 0) ELSE coalesce(um.paid, 0) END AS amount_paid,
           CASE WHEN p.gpra_required THEN coalesce(i.status, 'missing') END AS gpra_intake,
           CASE WHEN NOT p.gpra_required THEN NULL
                WHEN i.status IS DISTINCT FROM 'completed' THEN 'not_applicable'
                WHEN f.status = 'not_conducted' THEN 'not_conducted'
                WHEN f.status = 'completed' AND f.interview_date > i.interview_date + p.gpra_followup_close_days THEN 'completed_late'
                WHEN f.status = 'completed' THEN 'completed'
                WHEN $3 < i.interview_date + p.gpra_followup_open_days THEN 'not_yet_due'
                WHEN $3 > i.interview_date + p.gpra_followup_close_days THEN 'overdue'
                ELSE 'due' END AS gpra_follow_up,
           CASE WHEN NOT p.gpra_required THEN NULL
                WHEN part.closed_on IS NULL THEN 'not_applicable'
                WHEN d.status = 'not_conducted' THEN 'not_conducted'
                WHEN d.status = 'completed' AND d.interview_date > part.closed_on + p.gpra_discharge_days THEN 'completed_late'
                WHEN d.status = 'completed' THEN 'completed'
                WHEN $3 > part.closed_on + p.gpra_discharge_days THEN 'overdue'
                ELSE 'due' END AS gpra_discharge,
           st.stage AS employment_stage, pr.treatment_status, to_char(pr.month, 'YYYY-MM') AS treatment_status_month
    FROM e
    JOIN programs p ON p.code = e.program_code
    JOIN clients c ON c.id = e.client_id
    LEFT JOIN discharge_reasons dr ON dr.code = e.discharge_reason_code
    LEFT JOIN au ON au.enrollment_id = e.id
    LEFT JOIN multi mu ON mu.client_id = e.client_id AND mu.provider_id = e.provider_id AND mu.program_code = e.program_code
    LEFT JOIN us ON us.client_id = e.client_id AND us.provider_id = e.provider_id AND us.program_code = e.program_code
    LEFT JOIN us_multi um ON um.enrollment_id = e.id
    -- The agency's part of the episode: closed when all its enrollments in it are.
    LEFT JOIN LATERAL (SELECT CASE WHEN bool_and(x.discharge_date IS NOT NULL) THEN max(x.discharge_date) END AS closed_on
                       FROM enrollments x WHERE x.episode_id = e.episode_id AND x.provider_id = e.provider_id
                         AND x.program_code = e.program_code) part ON p.gpra_required
    LEFT JOIN gpra_interviews i ON p.gpra_required AND i.episode_id = e.episode_id AND i.provider_id = e.provider_id AND i.kind = 'intake'
    LEFT JOIN gpra_interviews f ON p.gpra_required AND f.episode_id = e.episode_id AND f.provider_id = e.provider_id AND f.kind = 'follow_up'
    LEFT JOIN gpra_interviews d ON p.gpra_required AND d.episode_id = e.episode_id AND d.provider_id = e.provider_id AND d.kind = 'discharge'
    LEFT JOIN LATERAL (SELECT s.stage FROM employment_stage_changes s
                       WHERE s.enrollment_id = e.id AND s.effective_date <= $3
                       ORDER BY s.effective_date DESC LIMIT 1) st ON true
    LEFT JOIN LATERAL (SELECT r.treatment_status, r.month FROM rcm_monthly_progress r
                       WHERE r.enrollment_id = e.id ORDER BY r.month DESC LIMIT 1) pr ON true
)`

// By client, so the totals count clients as the rows stream past.
const extractRowsQuery = extractQuery + `
SELECT * FROM rows ORDER BY client_id, enrollment_id`

// extractReads: each enrollment shown is a read of its client's record.
// $3 is not needed to list them; it is named so the statement takes the
// report's arguments as they are.
const extractReads = extractBase + `
SELECT e.id AS entity_id, e.client_id FROM e WHERE $3::date IS NOT NULL ORDER BY 1`

var extractColumns = []string{"client_id", "enrollment_id", "program", "provider_id", "staff_id", "catchment_area",
	"referral_source", "start_date", "planned_end_date", "discharge_date", "discharge_reason", "discharge_outcome",
	"units_authorized", "units_used", "amount_paid", "gpra_intake", "gpra_follow_up", "gpra_discharge",
	"employment_stage", "treatment_status", "treatment_status_month"}

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
	// query would read the range's claim lines a second time.
	var t ExtractTotals
	var last int64
	return &Report{
		Name: "state-extract", Filter: f, s: s, cols: extractColumns,
		query: extractRowsQuery, args: args,
		reads: &reads{entity: "state_extract", query: extractReads},
		row: func(rows *sqlx.Rows) (any, []string, error) {
			var r ExtractRow
			if err := rows.StructScan(&r); err != nil {
				return nil, nil, err
			}
			t.Enrollments++
			if r.ClientID != last {
				t.Clients, last = t.Clients+1, r.ClientID
			}
			t.UnitsAuthorized += r.UnitsAuthorized
			t.UnitsUsed += r.UnitsUsed
			t.AmountPaid = rss.NewMoney(t.AmountPaid.Add(r.AmountPaid.Decimal))
			return r, []string{itoa(r.ClientID), itoa(r.EnrollmentID), r.Program, itoa(r.ProviderID), optInt(r.StaffID),
				optStr(r.CatchmentArea), optStr(r.ReferralSource), r.StartDate.String(), optDate(r.PlannedEndDate),
				optDate(r.DischargeDate), optStr(r.DischargeReason), optStr(r.DischargeOutcome), itoa(r.UnitsAuthorized),
				itoa(r.UnitsUsed), r.AmountPaid.StringFixed(2), optStr(r.GPRAIntake), optStr(r.GPRAFollowup),
				optStr(r.GPRADischarge), optStr(r.EmploymentStage), optStr(r.TreatmentStatus), optStr(r.TreatmentStatusOf)}, nil
		},
		totals: func(context.Context, *sqlx.Tx) (any, error) { return t, nil },
	}, nil
}

func optDate(d *rss.Date) string {
	if d == nil {
		return ""
	}
	return d.String()
}
