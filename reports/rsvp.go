package reports

import (
	"context"
	"net/url"
	"strconv"

	"github.com/jmoiron/sqlx"

	"rss"
	"rss/access"
)

// The two family outcomes seed 001 judges RSVP by, as discharge reasons of
// the program (reference data; fixtures load them).
const (
	ReasonReunified       = "rsvp_reunified"
	ReasonCustodyRetained = "rsvp_custody_retained"
)

// RSVPOutcomesRow is one period's RSVP figures at one provider (or, with no
// provider, over all of them): the unbroken stays open in the period (each once), the
// drug screens dated in it by kind and result, and the discharges in it by
// family outcome.
type RSVPOutcomesRow struct {
	Period     rss.Date `json:"period" db:"period"`
	PeriodEnd  rss.Date `json:"period_end" db:"period_end"`
	ProviderID *int64   `json:"provider_id" db:"provider_id"`
	rsvpFigures
}

// rsvpFigures are the counts and rates of a row and of the totals.
type rsvpFigures struct {
	Enrollments int64 `json:"enrollments" db:"enrollments"`
	Screens     int64 `json:"screens" db:"screens"`
	Random      int64 `json:"random" db:"random"`
	Scheduled   int64 `json:"scheduled" db:"scheduled"`
	Negative    int64 `json:"negative" db:"negative"`
	Positive    int64 `json:"positive" db:"positive"`
	Dilute      int64 `json:"dilute" db:"dilute"`
	Invalid     int64 `json:"invalid" db:"invalid"`
	Refused     int64 `json:"refused" db:"refused"`
	NoShow      int64 `json:"no_show" db:"no_show"`
	// NegativeRate is negative / screens (every screen counts against it
	// that is not negative, a refusal or a no-show included), to 3
	// places; null with no screen.
	NegativeRate    *float64 `json:"negative_rate" db:"negative_rate"`
	Discharges      int64    `json:"discharges" db:"discharges"`
	FamilyOutcomes  int64    `json:"family_outcomes" db:"family_outcomes"`
	Reunified       int64    `json:"reunified" db:"reunified"`
	CustodyRetained int64    `json:"custody_retained" db:"custody_retained"`
	FamilyPositive  int64    `json:"family_positive" db:"family_positive"`
	// FamilyPositiveRate is family_positive / family_outcomes, to 3
	// places; null with no discharge coded with a family outcome.
	FamilyPositiveRate *float64 `json:"family_positive_rate" db:"family_positive_rate"`
}

// Periods as employment movement's ($1..$4; $5 the provider or null). An
// enrollment counts in a period it was open on any day of; a discharge in
// the period of its date, unless the agency's next enrollment of the person
// in RSVP began by the day after (held_through + 1, as a stay is read:
// stay_start), so the stay went on and nothing ended (an administrative
// discharge and readmission the same day counted a family reunified: a
// clinical black-box pass), with a family outcome when its reason is one of
// RSVP's own (reunified, custody retained, placement continued, parental
// rights terminated and any the MSC adds), positive as the reason says
// (discharge_reasons.outcome); a screen in the period its date falls in
// (the schema keeps every screen within its enrollment's stay: a discharge
// dated before one is refused, migrations 00039 and 00081). The screens
// are counted per period and provider in one pass over
// those of the range, a screen's period its date truncated to the unit
// (the first period starts at $1, so a date truncated before it belongs to
// it), and joined to the enrollments' counts by period and provider.
// (Joining the screens to the periods by date range compared every screen
// with every period: 440 ms a year.)
const rsvpQuery = `
WITH ` + periodsCTE + `, sc AS (
    SELECT greatest(date_trunc($3, s.screen_date::timestamp)::date, $1::date) AS period, e.provider_id, count(*) AS screens,
           count(*) FILTER (WHERE s.kind = 'random') AS random,
           count(*) FILTER (WHERE s.kind = 'scheduled') AS scheduled,
           count(*) FILTER (WHERE s.result = 'negative') AS negative,
           count(*) FILTER (WHERE s.result = 'positive') AS positive,
           count(*) FILTER (WHERE s.result = 'dilute') AS dilute,
           count(*) FILTER (WHERE s.result = 'invalid') AS invalid,
           count(*) FILTER (WHERE s.result = 'refused') AS refused,
           count(*) FILTER (WHERE s.result = 'no_show') AS no_show
    FROM rsvp_drug_screens s
    JOIN enrollments e ON e.id = s.enrollment_id AND ($5::bigint IS NULL OR e.provider_id = $5)
    WHERE s.screen_date BETWEEN $1 AND $2 AND $1::date <= $2::date
    GROUP BY 1, 2
), en AS (
    SELECT p.period, e.provider_id,
           -- Each unbroken stay once: an enrollment its stay's earlier one,
           -- open in the period too, goes before is that stay's (a
           -- discharge and a readmission the next day counted the person
           -- twice, where the movement report counts the stay once: a
           -- reports black-box pass of the forty-fourth stop).
           count(*) FILTER (WHERE NOT EXISTS (SELECT 1 FROM enrollments b WHERE b.client_id = e.client_id
                             AND b.provider_id = e.provider_id AND b.program_code = 'RSVP' AND b.id <> e.id
                             AND (b.start_date, b.id) < (e.start_date, e.id) AND e.start_date <= b.held_through + 1
                             AND (b.discharge_date IS NULL OR b.discharge_date >= p.period))) AS enrollments,
           count(d.code) AS discharges,
           count(*) FILTER (WHERE d.program_code = 'RSVP') AS family_outcomes,
           count(*) FILTER (WHERE d.code = '` + ReasonReunified + `') AS reunified,
           count(*) FILTER (WHERE d.code = '` + ReasonCustodyRetained + `') AS custody_retained,
           count(*) FILTER (WHERE d.program_code = 'RSVP' AND d.outcome = 'positive') AS family_positive
    FROM periods p
    JOIN enrollments e ON e.program_code = 'RSVP' AND e.start_date <= p.period_end
         AND (e.discharge_date IS NULL OR e.discharge_date >= p.period)
         AND ($5::bigint IS NULL OR e.provider_id = $5)
    LEFT JOIN discharge_reasons d ON d.code = e.discharge_reason_code AND e.discharge_date <= p.period_end
         AND NOT EXISTS (SELECT 1 FROM enrollments n WHERE n.client_id = e.client_id AND n.provider_id = e.provider_id
                         AND n.program_code = 'RSVP' AND n.id <> e.id AND n.start_date >= e.start_date
                         AND n.start_date <= e.held_through + 1)
    GROUP BY 1, 2
), k AS (
    SELECT coalesce(en.period, sc.period) AS period, coalesce(en.provider_id, sc.provider_id) AS provider_id,
           coalesce(en.enrollments, 0) AS enrollments, coalesce(sc.screens, 0) AS screens, coalesce(sc.random, 0) AS random,
           coalesce(sc.scheduled, 0) AS scheduled, coalesce(sc.negative, 0) AS negative, coalesce(sc.positive, 0) AS positive,
           coalesce(sc.dilute, 0) AS dilute, coalesce(sc.invalid, 0) AS invalid, coalesce(sc.refused, 0) AS refused,
           coalesce(sc.no_show, 0) AS no_show, coalesce(en.discharges, 0) AS discharges,
           coalesce(en.family_outcomes, 0) AS family_outcomes, coalesce(en.reunified, 0) AS reunified,
           coalesce(en.custody_retained, 0) AS custody_retained, coalesce(en.family_positive, 0) AS family_positive
    FROM en FULL JOIN sc ON sc.period = en.period AND sc.provider_id = en.provider_id
), g AS (
    SELECT k.period, p.period_end, k.provider_id, sum(enrollments)::bigint AS enrollments,
           sum(screens)::bigint AS screens, sum(random)::bigint AS random, sum(scheduled)::bigint AS scheduled,
           sum(negative)::bigint AS negative, sum(positive)::bigint AS positive, sum(dilute)::bigint AS dilute,
           sum(invalid)::bigint AS invalid, sum(refused)::bigint AS refused, sum(no_show)::bigint AS no_show,
           sum(discharges)::bigint AS discharges, sum(family_outcomes)::bigint AS family_outcomes,
           sum(reunified)::bigint AS reunified, sum(custody_retained)::bigint AS custody_retained,
           sum(family_positive)::bigint AS family_positive
    FROM k JOIN periods p ON p.period = k.period
    GROUP BY GROUPING SETS ((k.period, p.period_end, k.provider_id), (k.period, p.period_end))
)
SELECT g.*,
       CASE WHEN screens > 0 THEN round(negative::numeric / screens, 3)::float8 END AS negative_rate,
       CASE WHEN family_outcomes > 0 THEN round(family_positive::numeric / family_outcomes, 3)::float8 END AS family_positive_rate
FROM g
ORDER BY period, provider_id NULLS LAST`

var rsvpColumns = []string{"period", "period_end", "provider_id", "enrollments", "screens", "random", "scheduled",
	"negative", "positive", "dilute", "invalid", "refused", "no_show", "negative_rate",
	"discharges", "family_outcomes", "reunified", "custody_retained", "family_positive", "family_positive_rate"}

// RSVPOutcomes checks q and returns the RSVP outcomes report over [from,
// to] by month (default) or quarter, up to today: per period and
// provider, and per period over all providers in the filter (no
// provider_id), the enrollments open, the drug screens by kind and result
// with the share negative, and the discharges by family outcome with the
// share positive (reunified, custody retained). Aggregates, not client
// records: not audited. The totals add the periods up (an enrollment
// counted once a period; each screen and discharge once).
func (s *Service) RSVPOutcomes(ctx context.Context, q url.Values) (*Report, error) {
	a, err := access.Require(ctx, access.RoleProvider, access.RoleReviewer, access.RoleFinance, access.RoleAdmin)
	if err != nil {
		return nil, err
	}
	f, periods, err := s.programPeriods(ctx, a, q, "RSVP", "not_rsvp", "the RSVP outcomes report is a report on program RSVP only")
	if err != nil {
		return nil, err
	}
	args := append(periods, f.provider())
	var t rsvpFigures
	return &Report{
		Name: "rsvp-outcomes", Filter: f, s: s, cols: rsvpColumns,
		query: rsvpQuery, args: args,
		row: func(rows *sqlx.Rows) (any, []string, error) {
			var r RSVPOutcomesRow
			if err := rows.StructScan(&r); err != nil {
				return nil, nil, err
			}
			if r.ProviderID == nil {
				t.add(r.rsvpFigures)
			}
			n := r.rsvpFigures
			return r, []string{r.Period.String(), r.PeriodEnd.String(), optInt(r.ProviderID), itoa(n.Enrollments),
				itoa(n.Screens), itoa(n.Random), itoa(n.Scheduled), itoa(n.Negative), itoa(n.Positive), itoa(n.Dilute),
				itoa(n.Invalid), itoa(n.Refused), itoa(n.NoShow), optRate(n.NegativeRate), itoa(n.Discharges),
				itoa(n.FamilyOutcomes), itoa(n.Reunified), itoa(n.CustodyRetained), itoa(n.FamilyPositive),
				optRate(n.FamilyPositiveRate)}, nil
		},
		totals: func(context.Context, *sqlx.Tx) (any, error) {
			t.NegativeRate = rate(t.Negative, t.Screens)
			t.FamilyPositiveRate = rate(t.FamilyPositive, t.FamilyOutcomes)
			return t, nil
		},
	}, nil
}

// add adds a period's counts to the range's.
func (t *rsvpFigures) add(n rsvpFigures) {
	t.Enrollments += n.Enrollments
	t.Screens += n.Screens
	t.Random += n.Random
	t.Scheduled += n.Scheduled
	t.Negative += n.Negative
	t.Positive += n.Positive
	t.Dilute += n.Dilute
	t.Invalid += n.Invalid
	t.Refused += n.Refused
	t.NoShow += n.NoShow
	t.Discharges += n.Discharges
	t.FamilyOutcomes += n.FamilyOutcomes
	t.Reunified += n.Reunified
	t.CustodyRetained += n.CustodyRetained
	t.FamilyPositive += n.FamilyPositive
}

// rate is n / of to 3 places (half away from zero, as the query's round),
// or null when of is 0.
func rate(n, of int64) *float64 {
	if of == 0 {
		return nil
	}
	v := float64(roundDiv(n*1000, of)) / 1000
	return &v
}

// optRate writes a rate for the CSV: empty when null.
func optRate(r *float64) string {
	if r == nil {
		return ""
	}
	return strconv.FormatFloat(*r, 'f', -1, 64)
}
