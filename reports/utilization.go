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

// Units authorized come from the authorizations (not voided) by start
// date. Units used, dollars paid and clients served count the counted
// claim lines (paid or partly paid and not since voided or replaced: a
// void's reversal clears counted) by date of service, read from their
// rollup report_claim_use (migration 00029: per month, provider, service
// and client, kept by claim_lines' triggers in the intake's transaction):
// a period's clients are the rollup rows whose day bits meet the period's
// days. Units and dollars are whole-month sums there, so a range that cuts
// a month or a grouping by week reads them from claim_lines instead.
const utilizationAuth = `
WITH auth AS (
    SELECT a.start_date AS day, a.provider_id, a.program_code, a.service_code, a.units_authorized
    FROM authorizations a
    WHERE a.voided_at IS NULL AND a.start_date BETWEEN $1 AND $2
      AND ($3::bigint IS NULL OR a.provider_id = $3) AND ($4::text IS NULL OR a.program_code = $4)
      AND ($5::text IS NULL OR a.service_code = $5)
), ag AS (
    SELECT date_trunc($6, day::timestamp)::date AS p, provider_id, program_code, service_code, sum(units_authorized) AS units_authorized
    FROM auth GROUP BY 1, 2, 3, 4
), rollup AS (
    SELECT r.month, r.provider_id, s.program_code, r.service_code, r.client_id, r.units, r.paid, r.days
    FROM report_claim_use r JOIN services s ON s.code = r.service_code
    WHERE r.month BETWEEN date_trunc('month', $1::date::timestamp)::date AND $2
      AND ($3::bigint IS NULL OR r.provider_id = $3) AND ($4::text IS NULL OR s.program_code = $4)
      AND ($5::text IS NULL OR r.service_code = $5)
)`

// utilizationMonths answers when every period is a whole calendar month:
// one rollup row is one client served in its month.
const utilizationMonths = utilizationAuth + `,
ug AS (
    SELECT month AS p, provider_id, program_code, service_code, sum(units) AS units_used, sum(paid) AS amount_paid,
           count(*) AS clients_served
    FROM rollup GROUP BY 1, 2, 3, 4
)` + utilizationSelect

// utilizationParts answers any other period: each period's days within
// each month it touches as day bits (bit 0 the 1st) to meet the rollup's,
// and the units and dollars from the lines themselves.
const utilizationParts = utilizationAuth + `,
periods AS (
    SELECT p::date AS p, greatest(p::date, $1::date) AS a, least((p + ('1 ' || $6)::interval - interval '1 day')::date, $2::date) AS b
    FROM generate_series(date_trunc($6, $1::date::timestamp), $2::date::timestamp, ('1 ' || $6)::interval) p
), parts AS (
    SELECT pr.p, m::date AS month,
           ((1::bigint << extract(day FROM least(pr.b, (m + interval '1 month' - interval '1 day')::date))::int)
            - (1::bigint << (extract(day FROM greatest(pr.a, m::date))::int - 1)))::int AS bits
    FROM periods pr CROSS JOIN LATERAL generate_series(date_trunc('month', pr.a::timestamp), pr.b::timestamp, interval '1 month') m
), served AS (
    SELECT parts.p, r.provider_id, r.program_code, r.service_code, count(DISTINCT r.client_id) AS clients_served
    FROM parts JOIN rollup r ON r.month = parts.month AND r.days & parts.bits <> 0
    GROUP BY 1, 2, 3, 4
), used AS (
    SELECT date_trunc($6, l.date_of_service::timestamp)::date AS p, l.provider_id, s.program_code, l.service_code,
           sum(l.units_allowed) AS units_used, sum(l.paid) AS amount_paid
    FROM claim_lines l JOIN services s ON s.code = l.service_code
    WHERE l.counted AND l.date_of_service BETWEEN $1 AND $2
      AND ($3::bigint IS NULL OR l.provider_id = $3) AND ($4::text IS NULL OR s.program_code = $4)
      AND ($5::text IS NULL OR l.service_code = $5)
    GROUP BY 1, 2, 3, 4
), ug AS (
    SELECT p, provider_id, program_code, service_code, coalesce(used.units_used, 0) AS units_used,
           coalesce(used.amount_paid, 0) AS amount_paid, coalesce(served.clients_served, 0) AS clients_served
    FROM used FULL JOIN served USING (p, provider_id, program_code, service_code)
)` + utilizationSelect

const utilizationSelect = `
SELECT greatest(p, $1::date) AS period,
       least((p + ('1 ' || $6)::interval - interval '1 day')::date, $2::date) AS period_end,
       provider_id, program_code, service_code,
       coalesce(ag.units_authorized, 0) AS units_authorized, coalesce(ug.units_used, 0) AS units_used,
       coalesce(ug.amount_paid, 0) AS amount_paid, coalesce(ug.clients_served, 0) AS clients_served
FROM ag FULL JOIN ug USING (p, provider_id, program_code, service_code)
ORDER BY p, provider_id, program_code, service_code`

// The totals over the range: a client served on any day of it counts once.
const utilizationTotalsMonths = utilizationAuth + `
SELECT (SELECT coalesce(sum(units_authorized), 0) FROM auth) AS units_authorized,
       (SELECT coalesce(sum(units), 0) FROM rollup) AS units_used,
       (SELECT coalesce(sum(paid), 0) FROM rollup) AS amount_paid,
       (SELECT count(DISTINCT client_id) FROM rollup) AS clients_served`

const utilizationTotalsParts = utilizationAuth + `,
used AS (
    SELECT l.units_allowed, l.paid
    FROM claim_lines l JOIN services s ON s.code = l.service_code
    WHERE l.counted AND l.date_of_service BETWEEN $1 AND $2
      AND ($3::bigint IS NULL OR l.provider_id = $3) AND ($4::text IS NULL OR s.program_code = $4)
      AND ($5::text IS NULL OR l.service_code = $5)
), parts AS (
    SELECT m::date AS month,
           ((1::bigint << extract(day FROM least($2::date, (m + interval '1 month' - interval '1 day')::date))::int)
            - (1::bigint << (extract(day FROM greatest($1::date, m::date))::int - 1)))::int AS bits
    FROM generate_series(date_trunc('month', $1::date::timestamp), $2::date::timestamp, interval '1 month') m
)
SELECT (SELECT coalesce(sum(units_authorized), 0) FROM auth) AS units_authorized,
       (SELECT coalesce(sum(units_allowed), 0) FROM used) AS units_used,
       (SELECT coalesce(sum(paid), 0) FROM used) AS amount_paid,
       (SELECT count(DISTINCT r.client_id) FROM parts JOIN rollup r ON r.month = parts.month AND r.days & parts.bits <> 0) AS clients_served`

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
	query, totals := utilizationParts, utilizationTotalsParts
	if wholeMonths(f) {
		query, totals = utilizationMonths, utilizationTotalsMonths
	}
	return &Report{
		Name: "utilization", Filter: f, s: s, cols: utilizationColumns,
		query: query, args: args,
		row: func(rows *sqlx.Rows) (any, []string, error) {
			var r UtilizationRow
			if err := rows.StructScan(&r); err != nil {
				return nil, nil, err
			}
			return r, []string{r.Period.String(), r.PeriodEnd.String(), itoa(r.ProviderID), r.Program, r.Service,
				itoa(r.UnitsAuthorized), itoa(r.UnitsUsed), r.AmountPaid.StringFixed(2), itoa(r.ClientsServed)}, nil
		},
		totals: func(ctx context.Context, tx *sqlx.Tx) (any, error) {
			var t UtilizationTotals
			err := tx.GetContext(ctx, &t, totals, args...)
			return t, err
		},
	}, nil
}

// wholeMonths says whether every period of f is a whole calendar month:
// grouped by month from a 1st to a month's last day.
func wholeMonths(f Filter) bool {
	return f.Group == GroupMonth && f.From.Day() == 1 && f.To.AddDays(1).Day() == 1
}
