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

// The filtered sources: authorizations (not voided) by start date, and the
// counted claim lines (paid or partly paid and not since voided or
// replaced: a void's reversal clears counted) by date of service.
const utilizationSources = `
WITH auth AS (
    SELECT a.start_date AS day, a.provider_id, a.program_code, a.service_code, a.units_authorized
    FROM authorizations a
    WHERE a.voided_at IS NULL AND a.start_date BETWEEN $1 AND $2
      AND ($3::bigint IS NULL OR a.provider_id = $3) AND ($4::text IS NULL OR a.program_code = $4)
      AND ($5::text IS NULL OR a.service_code = $5)
), used AS (
    SELECT l.date_of_service AS day, l.provider_id, s.program_code, l.service_code, l.units_allowed, l.paid, l.client_id
    FROM claim_lines l JOIN services s ON s.code = l.service_code
    WHERE l.counted AND l.date_of_service BETWEEN $1 AND $2
      AND ($3::bigint IS NULL OR l.provider_id = $3) AND ($4::text IS NULL OR s.program_code = $4)
      AND ($5::text IS NULL OR l.service_code = $5)
)`

const utilizationQuery = utilizationSources + `,
ag AS (
    SELECT date_trunc($6, day::timestamp)::date AS p, provider_id, program_code, service_code, sum(units_authorized) AS units_authorized
    FROM auth GROUP BY 1, 2, 3, 4
), ug AS (
    SELECT date_trunc($6, day::timestamp)::date AS p, provider_id, program_code, service_code,
           sum(units_allowed) AS units_used, sum(paid) AS amount_paid, count(DISTINCT client_id) AS clients_served
    FROM used GROUP BY 1, 2, 3, 4
)
SELECT greatest(p, $1::date) AS period,
       least((p + ('1 ' || $6)::interval - interval '1 day')::date, $2::date) AS period_end,
       provider_id, program_code, service_code,
       coalesce(ag.units_authorized, 0) AS units_authorized, coalesce(ug.units_used, 0) AS units_used,
       coalesce(ug.amount_paid, 0) AS amount_paid, coalesce(ug.clients_served, 0) AS clients_served
FROM ag FULL JOIN ug USING (p, provider_id, program_code, service_code)
ORDER BY p, provider_id, program_code, service_code`

const utilizationTotals = utilizationSources + `
SELECT (SELECT coalesce(sum(units_authorized), 0) FROM auth) AS units_authorized,
       (SELECT coalesce(sum(units_allowed), 0) FROM used) AS units_used,
       (SELECT coalesce(sum(paid), 0) FROM used) AS amount_paid,
       (SELECT count(DISTINCT client_id) FROM used) AS clients_served`

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
	return &Report{
		Name: "utilization", Filter: f, s: s, cols: utilizationColumns,
		query: utilizationQuery, args: args,
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
			err := tx.GetContext(ctx, &t, utilizationTotals, args[:5]...)
			return t, err
		},
	}, nil
}
