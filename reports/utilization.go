package reports

import (
	"context"
	"net/url"

	"github.com/jmoiron/sqlx"

	"rss"
	"rss/access"
)

// UtilizationRow is one period x provider x program x service.
type UtilizationRow struct {
	Period          rss.Date  `json:"period" db:"period"`
	PeriodEnd       rss.Date  `json:"period_end" db:"period_end"`
	ProviderID      int64     `json:"provider_id" db:"provider_id"`
	Program         string    `json:"program" db:"program_code"`
	Service         string    `json:"service" db:"service_code"`
	UnitsAuthorized int64     `json:"units_authorized" db:"units_authorized"`
	UnitsUsed       int64     `json:"units_used" db:"units_used"`
	AmountPaid      rss.Money `json:"amount_paid" db:"amount_paid"`
	ClientsServed   int64     `json:"clients_served" db:"clients_served"`
}

// UtilizationTotals are the whole range's figures; clients are counted once
// however many periods and services they were served in.
type UtilizationTotals struct {
	UnitsAuthorized int64     `json:"units_authorized" db:"units_authorized"`
	UnitsUsed       int64     `json:"units_used" db:"units_used"`
	AmountPaid      rss.Money `json:"amount_paid" db:"amount_paid"`
	ClientsServed   int64     `json:"clients_served" db:"clients_served"`
}

// notCutSQL holds for an authorization a that its agency's deactivation
// does not cut to nothing (in force on or before its first day): one that
// it does bills no day and counts as authorized nowhere, as a voided one
// (migration 00056 keeps the enrollment rollup so). So for one a
// reactivation holds for review from its first day (held_from, migration
// 00113) until a reviewer gives it back: the rules voided it before the
// hold, and held it counted its units beside the other agency's grant of
// the same days (a white-box review).
const notCutSQL = `NOT coalesce((SELECT p.deactivated_on <= a.start_date FROM providers p WHERE p.id = a.provider_id), false)
	AND NOT coalesce(a.held_from <= a.start_date, false)`

// Units authorized come from the authorizations by start date: those not
// voided by their units authorized, read from authorizations_report_idx
// alone, and the voided ones by the units they used, which stay used
// (migration 00087, their own partial index). Units used, dollars
// paid and clients served count the counted claim lines (paid or partly
// paid and not since voided or replaced: a void's reversal clears counted)
// by date of service, read from their rollup report_claim_use (migration
// 00029: per month, provider, service and client, kept by claim_lines'
// triggers in the intake's transaction): a period's clients are the
// rollup rows whose day bits meet the period's days. Units and dollars are
// whole-month sums there, so a range that cuts a month, or a grouping by
// week, reads them from claim_lines instead. Every group is formed on the
// service and named with its program after (the program is the
// service's, as authorizations_service_program_fkey holds it).
const utilizationAuth = `
WITH ag AS (
    SELECT date_trunc($6, a.start_date::timestamp)::date AS p, a.provider_id, a.service_code, sum(a.units) AS units_authorized
    FROM (SELECT a.start_date, a.provider_id, a.service_code, a.units_authorized AS units FROM authorizations a
          WHERE a.voided_at IS NULL AND a.start_date BETWEEN $1 AND $2 AND ` + notCutSQL + `
          UNION ALL
          SELECT a.start_date, a.provider_id, a.service_code, a.units_used FROM authorizations a
          WHERE a.voided_at IS NOT NULL AND a.units_used > 0 AND a.start_date BETWEEN $1 AND $2 AND ` + notCutSQL + `) a
    WHERE ($4::text IS NULL OR a.service_code IN (SELECT code FROM services WHERE program_code = $4))
      AND ($3::bigint IS NULL OR a.provider_id = $3) AND ($5::text IS NULL OR a.service_code = $5)
    GROUP BY 1, 2, 3
), rollup AS (
    SELECT r.month, r.provider_id, r.service_code, r.client_id, r.units, r.paid, r.days
    FROM report_claim_use r
    WHERE r.month BETWEEN date_trunc('month', $1::date::timestamp)::date AND $2
      AND ($4::text IS NULL OR r.service_code IN (SELECT code FROM services WHERE program_code = $4))
      AND ($3::bigint IS NULL OR r.provider_id = $3) AND ($5::text IS NULL OR r.service_code = $5)
)`

// utilizationMonths answers when every period is a whole calendar month:
// one rollup row is one client served in its month.
const utilizationMonths = utilizationAuth + `,
ug AS (
    SELECT month AS p, provider_id, service_code, sum(units) AS units_used, sum(paid) AS amount_paid, count(*) AS clients_served
    FROM rollup GROUP BY 1, 2, 3
)` + utilizationSelect

// utilizationParts answers any other period: a rollup row meets each
// period its month's part of the range touches, and counts there when it
// has a line on one of the period's days; the units and dollars come from
// the lines themselves.
var utilizationParts = utilizationAuth + `,
served AS (
    SELECT pp.p, r.provider_id, r.service_code, count(DISTINCT r.client_id) AS clients_served
    FROM rollup r
    CROSS JOIN LATERAL generate_series(date_trunc($6, greatest($1::date, r.month)::timestamp),
                                       least($2::date, ` + monthEnd + `)::timestamp, ('1 ' || $6)::interval) g
    CROSS JOIN LATERAL (SELECT g::date AS p) pp
    WHERE r.days & ` + dayBits(`greatest(pp.p, $1::date, r.month)`,
	`least((pp.p + ('1 ' || $6)::interval - interval '1 day')::date, $2::date, `+monthEnd+`)`) + ` <> 0
    GROUP BY 1, 2, 3
), used AS (
    SELECT date_trunc($6, l.date_of_service::timestamp)::date AS p, l.provider_id, l.service_code,
           sum(l.units_allowed) AS units_used, sum(l.paid) AS amount_paid
    FROM claim_lines l
    WHERE l.counted AND l.date_of_service BETWEEN $1 AND $2
      AND ($4::text IS NULL OR l.service_code IN (SELECT code FROM services WHERE program_code = $4))
      AND ($3::bigint IS NULL OR l.provider_id = $3) AND ($5::text IS NULL OR l.service_code = $5)
    GROUP BY 1, 2, 3
), ug AS (
    SELECT p, provider_id, service_code, coalesce(used.units_used, 0) AS units_used,
           coalesce(used.amount_paid, 0) AS amount_paid, coalesce(served.clients_served, 0) AS clients_served
    FROM used FULL JOIN served USING (p, provider_id, service_code)
)` + utilizationSelect

// monthEnd is the last day of a rollup row's month.
const monthEnd = `(r.month + interval '1 month' - interval '1 day')::date`

// dayBits is the SQL for the day bits (bit 0 the 1st) of the days lo..hi,
// two dates of one month.
func dayBits(lo, hi string) string {
	return `((1::bigint << extract(day FROM ` + hi + `)::int) - (1::bigint << (extract(day FROM ` + lo + `)::int - 1)))::int`
}

const utilizationSelect = `
SELECT greatest(x.p, $1::date) AS period,
       least((x.p + ('1 ' || $6)::interval - interval '1 day')::date, $2::date) AS period_end,
       x.provider_id, s.program_code, x.service_code, x.units_authorized, x.units_used, x.amount_paid, x.clients_served
FROM (SELECT p, provider_id, service_code,
             coalesce(ag.units_authorized, 0) AS units_authorized, coalesce(ug.units_used, 0) AS units_used,
             coalesce(ug.amount_paid, 0) AS amount_paid, coalesce(ug.clients_served, 0) AS clients_served
      FROM ag FULL JOIN ug USING (p, provider_id, service_code)) x
JOIN services s ON s.code = x.service_code
ORDER BY x.p, x.provider_id, s.program_code, x.service_code`

// utilizationClientsMonths counts them over whole months: every rollup
// row of those months has a line in them. The total counts people, not
// agencies' records: a person two agencies served is one client served
// statewide (each agency's row counts them once; the total counted them
// twice, a black-box pass).
const utilizationClientsMonths = utilizationAuth + `
SELECT count(DISTINCT c.person_id) FROM (SELECT DISTINCT client_id FROM rollup) r JOIN clients c ON c.id = r.client_id`

// utilizationClients counts the people served over the whole range once
// each (a rollup row of a month the range cuts counts when it has a line
// on a day of the range): the rows' sums are the other totals.
var utilizationClients = utilizationAuth + `
SELECT count(DISTINCT c.person_id) FROM (
    SELECT DISTINCT r.client_id FROM rollup r
    WHERE r.days & ` + dayBits(`greatest($1::date, r.month)`, `least($2::date, `+monthEnd+`)`) + ` <> 0) r
JOIN clients c ON c.id = r.client_id`

var utilizationColumns = []string{"period", "period_end", "provider_id", "program", "service",
	"units_authorized", "units_used", "amount_paid", "clients_served"}

// Utilization checks q and returns the utilization report: per period
// (week or month, clipped to the range) x provider x program x service, the
// units authorized (authorizations starting in the period, counted whole),
// the units used and amount paid (counted claim lines by date of service)
// and the clients served (distinct clients with such a line).
func (s *Service) Utilization(ctx context.Context, q url.Values) (*Report, error) {
	a, err := access.Require(ctx, access.RoleProvider, access.RoleReviewer, access.RoleFinance, access.RoleAdmin)
	if err != nil {
		return nil, err
	}
	f, err := s.parseFilter(ctx, a, q, params{service: true, rng: true, group: true})
	if err != nil {
		return nil, err
	}
	args := []any{*f.From, *f.To, f.provider(), nullText(f.Program), nullText(f.Service), string(f.Group)}
	query := utilizationParts
	if wholeMonths(f) {
		query = utilizationMonths
	}
	// The totals of units and dollars are the rows' sums, added up as
	// they stream by (the rows cover the range); only the clients need a
	// query of their own.
	var t UtilizationTotals
	return &Report{
		Name: "utilization", Filter: f, s: s, cols: utilizationColumns,
		query: query, args: args,
		row: func(rows *sqlx.Rows) (any, []string, error) {
			var r UtilizationRow
			if err := rows.StructScan(&r); err != nil {
				return nil, nil, err
			}
			t.UnitsAuthorized += r.UnitsAuthorized
			t.UnitsUsed += r.UnitsUsed
			t.AmountPaid = rss.Money{Decimal: t.AmountPaid.Add(r.AmountPaid.Decimal)}
			return r, []string{r.Period.String(), r.PeriodEnd.String(), itoa(r.ProviderID), r.Program, r.Service,
				itoa(r.UnitsAuthorized), itoa(r.UnitsUsed), r.AmountPaid.StringFixed(2), itoa(r.ClientsServed)}, nil
		},
		totals: func(ctx context.Context, tx *sqlx.Tx) (any, error) {
			clients := utilizationClients
			if wholeMonths(f) {
				clients = utilizationClientsMonths
			}
			err := tx.GetContext(ctx, &t.ClientsServed, clients, args...)
			return t, err
		},
	}, nil
}

// wholeMonths says whether every period of f is a whole calendar month:
// grouped by month from a 1st to a month's last day.
func wholeMonths(f Filter) bool {
	return f.Group == GroupMonth && f.From.Day() == 1 && f.To.AddDays(1).Day() == 1
}
