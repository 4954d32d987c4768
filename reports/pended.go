package reports

import (
	"context"
	"net/url"

	"github.com/jmoiron/sqlx"

	"rss/access"
)

// ReviewTargetSetting is the settings key of the review-time target: a
// request pended longer than this many days is past it.
const ReviewTargetSetting = "review_target_days"

// PendedRow is one group of the voucher requests pended as of a date: all
// of them, one age bucket, one reason code or one program.
type PendedRow struct {
	Dimension       string `json:"dimension" db:"dimension"`
	Key             string `json:"key" db:"key"`
	Requests        int64  `json:"requests" db:"requests"`
	PastTarget      int64  `json:"past_target" db:"past_target"`
	OldestRequestID *int64 `json:"oldest_request_id" db:"oldest_request_id"`
	OldestAgeDays   *int64 `json:"oldest_age_days" db:"oldest_age_days"`
}

// PendedTotals are the whole queue's figures and the target they are
// counted against (null when the setting is absent: nothing is past it).
type PendedTotals struct {
	Requests        int64  `json:"requests" db:"requests"`
	PastTarget      int64  `json:"past_target" db:"past_target"`
	TargetDays      *int64 `json:"review_target_days" db:"target_days"`
	OldestRequestID *int64 `json:"oldest_request_id" db:"oldest_request_id"`
	OldestAgeDays   *int64 `json:"oldest_age_days" db:"oldest_age_days"`
}

// A request is pended as of $1 when the rules pended it, it was submitted
// before the end of $1 ($2, a timestamp), and no decision came before then.
// Its age is in calendar days in the service's time zone ($3): submitted on
// $1 is 0 days old. It is past the target when its age exceeds
// review_target_days as it stood at the end of $1 (the value the first
// change of it from $8 on replaced, else today's): a target changed today
// rewrote past days' queues (a black-box pass), as the caseload report
// reads its caps. For a provider ($7) a code drawn from another
// agency's records counts as CONFLICT_ON_FILE, as its answers show it
// (adjudication.Withhold; reports may not import it, so the code is
// spelled here and api's tests hold the two together), whatever consent it holds: a count cannot say
// which requests a consent covers. The oldest is the earliest submitted (then lowest id).
var pendedQuery = `
WITH target AS (
    SELECT ` + settingThen(ReviewTargetSetting, "$8") + ` AS days
), q AS (
    SELECT v.id, v.program_code, CASE WHEN $7::bool THEN coalesce(NULLIF(ARRAY(
               SELECT DISTINCT CASE WHEN h->>'source_provider_id' IS NULL THEN h->>'code' ELSE 'CONFLICT_ON_FILE' END
               FROM json_array_elements(v.hits) h), '{}'), v.reason_codes) ELSE v.reason_codes END AS reason_codes, v.submitted_at,
           ($1::date - (v.submitted_at AT TIME ZONE $3)::date)::bigint AS age,
           coalesce(($1::date - (v.submitted_at AT TIME ZONE $3)::date) > t.days, false) AS past
    FROM voucher_requests v CROSS JOIN target t
    WHERE v.rules_decision = 'pended' AND v.submitted_at < $2
      AND (v.decided_at IS NULL OR v.decided_at >= $2)
      AND ($4::bigint IS NULL OR v.provider_id = $4) AND ($5::text IS NULL OR v.program_code = $5)
      AND ($6::text IS NULL OR v.service_code = $6)
), buckets (ord, key, lo, hi) AS (
    VALUES (1, '0-1', 0, 1), (2, '2-3', 2, 3), (3, '4-7', 4, 7), (4, '8-14', 8, 14), (5, '15+', 15, NULL)
), rows AS (
    SELECT 0 AS dim, 0 AS ord, 'all' AS dimension, 'all' AS key, count(q.id) AS requests,
           count(q.id) FILTER (WHERE q.past) AS past_target,
           (array_agg(q.id ORDER BY q.submitted_at, q.id))[1] AS oldest_request_id, max(q.age) AS oldest_age_days
    FROM q
    UNION ALL
    SELECT 1, b.ord, 'age_days', b.key, count(q.id), count(q.id) FILTER (WHERE q.past),
           (array_agg(q.id ORDER BY q.submitted_at, q.id) FILTER (WHERE q.id IS NOT NULL))[1], max(q.age)
    FROM buckets b LEFT JOIN q ON q.age >= b.lo AND (b.hi IS NULL OR q.age <= b.hi)
    GROUP BY b.ord, b.key
    UNION ALL
    SELECT 2, 0, 'reason_code', r.code, count(*), count(*) FILTER (WHERE q.past),
           (array_agg(q.id ORDER BY q.submitted_at, q.id))[1], max(q.age)
    FROM q CROSS JOIN LATERAL unnest(CASE WHEN cardinality(q.reason_codes) = 0 THEN ARRAY['none'] ELSE q.reason_codes END) r(code)
    GROUP BY r.code
    UNION ALL
    SELECT 3, 0, 'program', q.program_code, count(*), count(*) FILTER (WHERE q.past),
           (array_agg(q.id ORDER BY q.submitted_at, q.id))[1], max(q.age)
    FROM q GROUP BY q.program_code
)
SELECT dimension, key, requests, past_target, oldest_request_id, oldest_age_days FROM rows ORDER BY dim, ord, key`

var pendedColumns = []string{"as_of", "dimension", "key", "requests", "past_target", "oldest_request_id", "oldest_age_days"}

// PendedQueue checks q and returns the pended-queue age report as of a date
// (as_of, today when absent): the requests still pended then, counted all
// together, by age bucket (0-1, 2-3, 4-7, 8-14, 15+ days; every bucket
// listed), by reason code (a request under each of its codes) and by
// program, each with how many are past the review-time target and its
// oldest request (id and age: no PHI).
func (s *Service) PendedQueue(ctx context.Context, q url.Values) (*Report, error) {
	a, err := access.Require(ctx, access.RoleProvider, access.RoleReviewer, access.RoleFinance, access.RoleAdmin)
	if err != nil {
		return nil, err
	}
	f, err := s.parseFilter(ctx, a, q, params{service: true, asOf: true})
	if err != nil {
		return nil, err
	}
	if f.AsOf == nil {
		d := s.today()
		f.AsOf = &d
	}
	asOf := *f.AsOf
	end := s.dayEnd(asOf)
	targetSince := s.historySince(asOf)
	args := []any{asOf, end, s.loc.String(), f.provider(), nullText(f.Program), nullText(f.Service), a.IsProvider(), targetSince}
	// The totals are the "all" row's, and the target.
	var t PendedTotals
	return &Report{
		Name: "pended-queue", Filter: f, s: s, cols: pendedColumns,
		query: pendedQuery, args: args,
		row: func(rows *sqlx.Rows) (any, []string, error) {
			var r PendedRow
			if err := rows.StructScan(&r); err != nil {
				return nil, nil, err
			}
			if r.Dimension == "all" {
				t.Requests, t.PastTarget, t.OldestRequestID, t.OldestAgeDays = r.Requests, r.PastTarget, r.OldestRequestID, r.OldestAgeDays
			}
			return r, []string{asOf.String(), r.Dimension, r.Key, itoa(r.Requests), itoa(r.PastTarget),
				optInt(r.OldestRequestID), optInt(r.OldestAgeDays)}, nil
		},
		totals: func(ctx context.Context, tx *sqlx.Tx) (any, error) {
			err := tx.GetContext(ctx, &t.TargetDays, `SELECT `+settingThen(ReviewTargetSetting, "$1"), targetSince)
			return t, err
		},
	}, nil
}
