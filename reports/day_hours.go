package reports

import (
	"context"
	"net/url"

	"github.com/jmoiron/sqlx"

	"rss"
	"rss/access"
)

// The claims rules give one person no more than 24 hours of services
// counted by time (by the hour or the quarter hour) on a date, but only
// within the client record an agency bills (C00): the lines of another
// agency's record would tell the agency the person is served elsewhere
// (42 CFR Part 2). Two agencies whose authorizations the MSC approved side
// by side were paid 25 hours of one person's day, and no one was told (a
// claims black-box pass of the forty-fifth stop). This report is the
// MSC's post-payment review of such days.

// dayHoursBase selects, for [$1, $2], the paid time ($3 the agency, $4 the
// program: days where one of its lines is) of every person-date whose
// counted lines of time-counted services, every agency's record together,
// pass 24 hours. A person with such a day has records at two agencies or
// more (each record is held to 24 hours alone): the persons the clients
// table joins across agencies, few beside the records, whose lines are
// read by record (claim_lines_no_duplicate's index leads with the
// client). Read from the year's rollup (report_claim_use) instead, the
// persons took 0.8 s at two million lines (rss bench reports).
const dayHoursBase = `
WITH timed AS (
    SELECT code, CASE unit WHEN 'hour' THEN 60 ELSE 15 END AS minutes FROM services WHERE unit IN ('hour', '15min')
), persons AS (
    SELECT person_id FROM clients GROUP BY person_id HAVING count(DISTINCT provider_id) > 1
), lines AS (
    SELECT l.date_of_service, c.person_id, l.provider_id, l.client_id, l.service_code, s.program_code,
           sum(l.units_allowed)::bigint AS units, sum(l.units_allowed * t.minutes)::bigint AS minutes, sum(l.paid) AS paid,
           array_agg(DISTINCT l.claim_id ORDER BY l.claim_id) AS claims
    FROM persons p JOIN clients c ON c.person_id = p.person_id
    -- A record at a time (OFFSET 0 keeps the subquery its own): the
    -- planner, guessing many persons, read every line of the range.
    CROSS JOIN LATERAL (SELECT * FROM claim_lines x WHERE x.client_id = c.id AND x.counted
        AND x.date_of_service BETWEEN $1::date AND $2::date OFFSET 0) l
    JOIN timed t ON t.code = l.service_code JOIN services s ON s.code = l.service_code
    GROUP BY 1, 2, 3, 4, 5, 6
), days AS (
    SELECT date_of_service, person_id, sum(minutes)::bigint AS day_minutes FROM lines
    GROUP BY 1, 2 HAVING sum(minutes) > 1440
       AND ($3::bigint IS NULL OR bool_or(provider_id = $3)) AND ($4::text IS NULL OR bool_or(program_code = $4))
), rows AS (
    SELECT l.*, d.day_minutes FROM lines l JOIN days d USING (date_of_service, person_id)
)`

const dayHoursQuery = dayHoursBase + `
SELECT date_of_service::text, person_id, day_minutes, provider_id, client_id, service_code, units, minutes, paid,
       to_json(claims)
FROM rows ORDER BY date_of_service, person_id, provider_id, client_id, service_code`

// dayHoursReads: each record a row shows is a read of it, within the MSC.
const dayHoursReads = dayHoursBase + `
SELECT DISTINCT client_id AS entity_id, client_id FROM rows`

var dayHoursColumns = []column{{"date_of_service", kDate, inBoth}, {"person_id", kInt, inBoth}, {"day_minutes", kInt, inBoth},
	{"provider_id", kInt, inBoth}, {"client_id", kInt, inBoth}, {"service_code", kText, inBoth}, {"units", kInt, inBoth},
	{"minutes", kInt, inBoth}, {"paid", kMoney, inBoth}, {"claim_ids", kJSON, inBoth}}

// DayHoursTotals count the days past 24 hours, the persons they are of,
// and what was paid on them (every agency's time-counted lines of those
// days).
type DayHoursTotals struct {
	Days    int64     `json:"days"`
	Persons int64     `json:"persons"`
	Paid    rss.Money `json:"paid"`
}

// DaysPast24Hours checks q and returns the days in [from, to] on which one
// person's services counted by time, paid at every agency together, pass
// 24 hours: a row per date, person, agency's record and service, with the
// day's minutes, the units and minutes paid, what was paid and its claims.
// The MSC's roles only: a provider would read another agency's lines, and
// its own row would say another agency serves the person. provider_id
// and program keep the days on which that agency or program has a line.
func (s *Service) DaysPast24Hours(ctx context.Context, q url.Values) (*Report, error) {
	a, err := access.Require(ctx, access.RoleReviewer, access.RoleFinance, access.RoleAdmin)
	if err != nil {
		return nil, err
	}
	f, err := s.parseFilter(ctx, a, q, params{rng: true})
	if err != nil {
		return nil, err
	}
	args := []any{*f.From, *f.To, f.provider(), nullText(f.Program)}
	var t DayHoursTotals
	var paid moneySum
	type day struct {
		date   string
		person int64
	}
	var last day
	persons := map[int64]bool{}
	return &Report{
		Name: "days-past-24-hours", Filter: f, s: s, columns: dayHoursColumns,
		query: dayHoursQuery, args: args,
		reads: &reads{entity: access.ReportDaysPast24Hours, query: dayHoursReads},
		tally: func(v values) error {
			// Rows come by date, then person: a day is one run of rows.
			if d := (day{string(v[0]), v.int(1)}); d != last {
				t.Days++
				last = d
			}
			persons[v.int(1)] = true
			return paid.add(v, 8)
		},
		totals: func(context.Context, *sqlx.Tx) (any, error) {
			t.Persons = int64(len(persons))
			t.Paid = paid.total()
			return t, nil
		},
	}, nil
}
