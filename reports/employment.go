package reports

import (
	"context"
	"net/url"
	"strconv"

	"github.com/jmoiron/sqlx"

	"rss"
	"rss/access"
)

// Score notes: why a movement score is null.
const (
	// ScoreNoneCompared: no enrollment had a stage both before and at the
	// end of the period (0 / 0).
	ScoreNoneCompared = "no_enrollment_compared"
	// ScoreNoneStalled: enrollments progressed but none stalled or stepped
	// back, so the ratio has no denominator (n / 0).
	ScoreNoneStalled = "none_stalled_or_stepped_back"
)

// EmploymentMovementRow is one period's movement at one provider (or, with
// no provider, over all of them): each unbroken EMP stay open in the
// period (Enrollments counts them; a same-day readmission's two
// enrollments are one) classified by its stage at the period's end
// against its stage the day before the period began.
type EmploymentMovementRow struct {
	Period      rss.Date `json:"period" db:"period"`
	PeriodEnd   rss.Date `json:"period_end" db:"period_end"`
	ProviderID  *int64   `json:"provider_id" db:"provider_id"`
	Enrollments int64    `json:"enrollments" db:"enrollments"`
	NoStage     int64    `json:"no_stage" db:"no_stage"`
	Entered     int64    `json:"entered" db:"entered"`
	Progressed  int64    `json:"progressed" db:"progressed"`
	Stalled     int64    `json:"stalled" db:"stalled"`
	SteppedBack int64    `json:"stepped_back" db:"stepped_back"`
	Score       *float64 `json:"score" db:"score"`
	ScoreNote   *string  `json:"score_note" db:"score_note"`
}

// EmploymentMovementTotals are the range's figures over every provider in
// the filter: each unbroken stay counted once per period (enrollments:
// the stays, as in the rows).
type EmploymentMovementTotals struct {
	Enrollments int64    `json:"enrollments" db:"enrollments"`
	NoStage     int64    `json:"no_stage" db:"no_stage"`
	Entered     int64    `json:"entered" db:"entered"`
	Progressed  int64    `json:"progressed" db:"progressed"`
	Stalled     int64    `json:"stalled" db:"stalled"`
	SteppedBack int64    `json:"stepped_back" db:"stepped_back"`
	Score       *float64 `json:"score" db:"score"`
	ScoreNote   *string  `json:"score_note" db:"score_note"`
}

// Periods are calendar months or quarters ($3 the date_trunc unit, $4 its
// length), the first and last clipped to [$1, $2]. A person's unbroken
// stay in EMP at an agency (its enrollments of them, each begun by the day
// after the one before was last held: stay_start, as the length-of-service
// report and the voucher rules read a stay) counts in a period one of its
// enrollments was open on any day of, once. Its stage at the end of the
// period is the latest change of the stay effective on or before the
// period's last day (a change on that day counts); its stage before is
// the latest effective before the period's first day. No stage at the end:
// no_stage; none before: entered (the first rung reached, nothing to
// compare it with); else the ranks (employment_stages.rank, competitive
// employment the top) say progressed, stalled (the same stage, changed or
// not in between) or stepped back. Counted by enrollment, a discharge and
// a readmission the same day split a person's move up the ladder into a
// stalled stay and an unscored entered one, lowering the agency's score (a
// clinical black-box pass).
//
// Set-based, for speed at size: each change is in force from its date to
// the next one's in its stay, and the stage on each day asked (the
// periods' last days and the days before their first) is the change in
// force then, joined by stay and day. (One index probe per enrollment,
// period and side took 7 s over 20,000 enrollments and a year.) The
// periods are periodsCTE's: with a series of dates (1,000 rows to the
// planner), so many pairs of period and enrollment were worth sorting for
// merge joins.
var movementBase = `
WITH ` + periodsCTE + `, asked AS (
    SELECT period_end AS day FROM periods UNION SELECT period - 1 FROM periods
), stays AS (` + staysSQL(`o.program_code = 'EMP' AND o.start_date <= $2 AND ($5::bigint IS NULL OR o.provider_id = $5)`) + `
), changes AS (
    SELECT st.client_id, st.provider_id, st.stay_start, s.rank, c.effective_date AS valid_from,
           lead(c.effective_date) OVER (PARTITION BY st.client_id, st.provider_id, st.stay_start ORDER BY c.effective_date, c.id) AS valid_to
    FROM employment_stage_changes c
    JOIN employment_stages s ON s.code = c.stage
    JOIN stays st ON st.id = c.enrollment_id
    WHERE c.effective_date <= $2
), stage_on AS MATERIALIZED (
    SELECT ch.client_id, ch.provider_id, ch.stay_start, a.day, ch.rank
    FROM changes ch JOIN asked a ON a.day >= ch.valid_from AND (ch.valid_to IS NULL OR a.day < ch.valid_to)
), open_stays AS (
    SELECT DISTINCT p.period, p.period_end, st.client_id, st.provider_id, st.stay_start
    FROM periods p
    JOIN stays st ON st.start_date <= p.period_end AND (st.discharge_date IS NULL OR st.discharge_date >= p.period)
), k AS (
    SELECT o.period, o.period_end, o.provider_id,
           CASE WHEN cur.rank IS NULL THEN 'no_stage'
                WHEN prev.rank IS NULL THEN 'entered'
                WHEN cur.rank > prev.rank THEN 'progressed'
                WHEN cur.rank = prev.rank THEN 'stalled'
                ELSE 'stepped_back' END AS movement
    FROM open_stays o
    LEFT JOIN stage_on cur ON cur.client_id = o.client_id AND cur.provider_id = o.provider_id AND cur.stay_start = o.stay_start
         AND cur.day = o.period_end
    LEFT JOIN stage_on prev ON prev.client_id = o.client_id AND prev.provider_id = o.provider_id AND prev.stay_start = o.stay_start
         AND prev.day = o.period - 1
)`

// periodsCTE is the periods of a report by month or quarter over [$1, $2]
// ($3 the date_trunc unit, $4 its length), the first and last clipped to
// the range; none when $2 is before $1 (a range starting after today,
// once programPeriods has cut it at today). The periods come from an
// integer series whose length the planner can see (at most a period per
// 28 days, the extra ones filtered): a series of dates is 1,000 rows to it.
const periodsCTE = `periods AS (
    SELECT greatest(p::date, $1::date) AS period, least((p + $4::interval)::date - 1, $2::date) AS period_end
    FROM generate_series(0, ($2::date - $1::date) / 28 + 1) i
    CROSS JOIN LATERAL (SELECT date_trunc($3, $1::date::timestamp) + i * $4::interval AS p) x
    WHERE p <= $2::date AND $1::date <= $2::date
)`

// programPeriods reads the filter of a report on one program by month
// (default) or quarter: program may be named only as itself (else code,
// message), and the periods' arguments for periodsCTE ($1..$4) stop at
// today. A period after today is left out and today's ends today: what a
// day not yet come holds is not known (employment movement read the stage
// in force as the stage then, and scored a year ahead as a year of
// stalls), and enrollments not yet begun are not counted.
func (s *Service) programPeriods(ctx context.Context, a access.Actor, q url.Values, program, code, message string) (Filter, []any, error) {
	f, err := s.parseFilter(ctx, a, q, params{rng: true, group: true, quarterly: true})
	if err != nil {
		return f, nil, err
	}
	if f.Program != "" && f.Program != program {
		return f, nil, rss.Invalid("program", code, "%s", message)
	}
	f.Program = program
	unit, step := "month", "1 month"
	if f.Group == GroupQuarter {
		unit, step = "quarter", "3 months"
	}
	to := *f.To
	if today := s.today(); today.Before(to) {
		to = today
	}
	return f, []any{*f.From, to, unit, step}, nil
}

// movementFigures are the counts and the score over a group of k.
const movementFigures = `count(*) AS enrollments,
       count(*) FILTER (WHERE movement = 'no_stage') AS no_stage,
       count(*) FILTER (WHERE movement = 'entered') AS entered,
       count(*) FILTER (WHERE movement = 'progressed') AS progressed,
       count(*) FILTER (WHERE movement = 'stalled') AS stalled,
       count(*) FILTER (WHERE movement = 'stepped_back') AS stepped_back,
       CASE WHEN count(*) FILTER (WHERE movement IN ('stalled', 'stepped_back')) > 0
            THEN round(count(*) FILTER (WHERE movement = 'progressed')::numeric
                       / count(*) FILTER (WHERE movement IN ('stalled', 'stepped_back')), 3)::float8 END AS score,
       CASE WHEN count(*) FILTER (WHERE movement IN ('stalled', 'stepped_back')) > 0 THEN NULL
            WHEN count(*) FILTER (WHERE movement = 'progressed') > 0 THEN '` + ScoreNoneStalled + `'
            ELSE '` + ScoreNoneCompared + `' END AS score_note`

var movementQuery = movementBase + `
SELECT period, period_end, provider_id, ` + movementFigures + `
FROM k GROUP BY GROUPING SETS ((period, period_end, provider_id), (period, period_end))
ORDER BY period, provider_id NULLS LAST`

var movementColumns = []string{"period", "period_end", "provider_id", "enrollments", "no_stage", "entered",
	"progressed", "stalled", "stepped_back", "score", "score_note"}

// EmploymentMovement checks q and returns the EMP employment movement
// report over [from, to] by month (default) or quarter, up to today: per period and
// provider, and per period over all providers (no provider_id), the
// enrollments progressed, stalled and stepped back, and the score
// progressed / (stalled + stepped back), null with a score_note when the
// denominator is 0. Enrollments with no stage yet (no_stage) and those
// whose first stage came in the period (entered) are shown but not scored.
func (s *Service) EmploymentMovement(ctx context.Context, q url.Values) (*Report, error) {
	a, err := access.Require(ctx, access.RoleProvider, access.RoleReviewer, access.RoleFinance, access.RoleAdmin)
	if err != nil {
		return nil, err
	}
	f, periods, err := s.programPeriods(ctx, a, q, "EMP", "not_emp", "employment movement is a report on program EMP only")
	if err != nil {
		return nil, err
	}
	args := append(periods, f.provider())
	// The totals are the sums of the rows over every provider (one a
	// period), added up as they stream by, and their score.
	var t EmploymentMovementTotals
	return &Report{
		Name: "employment-movement", Filter: f, s: s, cols: movementColumns,
		query: movementQuery, args: args,
		row: func(rows *sqlx.Rows) (any, []string, error) {
			var r EmploymentMovementRow
			if err := rows.StructScan(&r); err != nil {
				return nil, nil, err
			}
			if r.ProviderID == nil {
				t.Enrollments += r.Enrollments
				t.NoStage += r.NoStage
				t.Entered += r.Entered
				t.Progressed += r.Progressed
				t.Stalled += r.Stalled
				t.SteppedBack += r.SteppedBack
			}
			score := ""
			if r.Score != nil {
				score = strconv.FormatFloat(*r.Score, 'f', -1, 64)
			}
			return r, []string{r.Period.String(), r.PeriodEnd.String(), optInt(r.ProviderID), itoa(r.Enrollments),
				itoa(r.NoStage), itoa(r.Entered), itoa(r.Progressed), itoa(r.Stalled), itoa(r.SteppedBack),
				score, optStr(r.ScoreNote)}, nil
		},
		totals: func(context.Context, *sqlx.Tx) (any, error) {
			t.Score, t.ScoreNote = movementScore(t.Progressed, t.Stalled+t.SteppedBack)
			return t, nil
		},
	}, nil
}

// movementScore is movementFigures' score in Go: progressed / against
// rounded to 3 places (half away from zero), or null with the reason.
func movementScore(progressed, against int64) (*float64, *string) {
	if against > 0 {
		v := float64(roundDiv(progressed*1000, against)) / 1000
		return &v, nil
	}
	note := ScoreNoneCompared
	if progressed > 0 {
		note = ScoreNoneStalled
	}
	return nil, &note
}

// roundDiv is n / d for n >= 0, d > 0, rounded half away from zero.
func roundDiv(n, d int64) int64 { return (2*n + d) / (2 * d) }
