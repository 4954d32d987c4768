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

// LengthOfServiceRow is one enrollment's length of service as of a date
// against its program's maximum.
type LengthOfServiceRow struct {
	EnrollmentID  int64     `json:"enrollment_id" db:"enrollment_id"`
	ProviderID    int64     `json:"provider_id" db:"provider_id"`
	Program       string    `json:"program" db:"program_code"`
	StartDate     rss.Date  `json:"start_date" db:"start_date"`
	DischargeDate *rss.Date `json:"discharge_date" db:"discharge_date"`
	Status        string    `json:"status" db:"status"`
	Days          int64     `json:"days" db:"days"`
	MaxDays       *int64    `json:"max_days" db:"max_days"`
	PastMax       bool      `json:"past_max" db:"past_max"`
	DaysPastMax   int64     `json:"days_past_max" db:"days_past_max"`
}

// LengthOfServiceTotals count the enrollments, the open ones, those past
// their maximum, and the mean days.
type LengthOfServiceTotals struct {
	Enrollments int64    `json:"enrollments" db:"enrollments"`
	Open        int64    `json:"open" db:"open"`
	PastMax     int64    `json:"past_max" db:"past_max"`
	MeanDays    *float64 `json:"mean_days" db:"mean_days"`
}

// Enrollments intersecting [$1, $2] that had started by as_of ($3); a
// discharge after as_of is not yet one. Days count the start date as day 1
// through the discharge date or as_of: the 270th day of a 270-day program
// is not past its maximum, the 271st is.
const losBase = `
WITH e AS (
    SELECT e.id AS enrollment_id, e.provider_id, e.program_code, e.start_date,
           CASE WHEN e.discharge_date <= $3 THEN e.discharge_date END AS discharge_date,
           p.los_max_days AS max_days
    FROM enrollments e JOIN programs p ON p.code = e.program_code
    WHERE e.start_date <= $2 AND e.start_date <= $3 AND (e.discharge_date IS NULL OR e.discharge_date >= $1)
      AND ($4::bigint IS NULL OR e.provider_id = $4) AND ($5::text IS NULL OR e.program_code = $5)
), rows AS (
    SELECT e.*, CASE WHEN discharge_date IS NULL THEN 'open' ELSE 'discharged' END AS status,
           (coalesce(discharge_date, $3::date) - start_date + 1)::bigint AS days
    FROM e
)`

const losQuery = losBase + `
SELECT enrollment_id, provider_id, program_code, start_date, discharge_date, status, days, max_days,
       coalesce(days > max_days, false) AS past_max, greatest(days - coalesce(max_days, days), 0) AS days_past_max
FROM rows ORDER BY provider_id, program_code, enrollment_id`

var losColumns = []string{"as_of", "enrollment_id", "provider_id", "program", "start_date", "discharge_date", "status",
	"days", "max_days", "past_max", "days_past_max"}

// LengthOfService checks q and returns the length-of-service report: each
// enrollment that was open at some time in [from, to] and had started by
// as_of (the earlier of to and today when absent), its days from start to
// discharge or as_of, the program's maximum (programs.los_max_days; RCM
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
	if f.AsOf == nil {
		d := s.today()
		if f.To.Before(d) {
			d = *f.To
		}
		f.AsOf = &d
	}
	asOf := *f.AsOf
	args := []any{*f.From, *f.To, asOf, f.provider(), nullText(f.Program)}
	// The totals are counted as the rows stream by; the mean is
	// round(avg(days), 1), half away from zero, in integers.
	var t LengthOfServiceTotals
	var days int64
	return &Report{
		Name: "length-of-service", Filter: f, s: s, cols: losColumns,
		query: losQuery, args: args,
		row: func(rows *sqlx.Rows) (any, []string, error) {
			var r LengthOfServiceRow
			if err := rows.StructScan(&r); err != nil {
				return nil, nil, err
			}
			t.Enrollments++
			days += r.Days
			if r.Status == "open" {
				t.Open++
			}
			if r.PastMax {
				t.PastMax++
			}
			dd := ""
			if r.DischargeDate != nil {
				dd = r.DischargeDate.String()
			}
			return r, []string{asOf.String(), itoa(r.EnrollmentID), itoa(r.ProviderID), r.Program, r.StartDate.String(), dd,
				r.Status, itoa(r.Days), optInt(r.MaxDays), strconv.FormatBool(r.PastMax), itoa(r.DaysPastMax)}, nil
		},
		totals: func(context.Context, *sqlx.Tx) (any, error) {
			if t.Enrollments > 0 {
				m := float64(roundDiv(days*10, t.Enrollments)) / 10
				t.MeanDays = &m
			}
			return t, nil
		},
	}, nil
}

// MarshalJSON writes the row by hand: a year's report is a row per
// enrollment (96,000 in the bench), and encoding/json's reflection took as
// long as the query. The keys and values are those of the struct's tags.
func (r LengthOfServiceRow) MarshalJSON() ([]byte, error) {
	b := make([]byte, 0, 224)
	b = append(b, `{"enrollment_id":`...)
	b = strconv.AppendInt(b, r.EnrollmentID, 10)
	b = append(b, `,"provider_id":`...)
	b = strconv.AppendInt(b, r.ProviderID, 10)
	b = append(b, `,"program":`...)
	b = appendJSONString(b, r.Program)
	b = append(b, `,"start_date":`...)
	j, err := r.StartDate.MarshalJSON()
	if err != nil {
		return nil, err
	}
	b = append(b, j...)
	b = append(b, `,"discharge_date":`...)
	if r.DischargeDate == nil {
		b = append(b, "null"...)
	} else {
		if j, err = r.DischargeDate.MarshalJSON(); err != nil {
			return nil, err
		}
		b = append(b, j...)
	}
	b = append(b, `,"status":`...)
	b = appendJSONString(b, r.Status)
	b = append(b, `,"days":`...)
	b = strconv.AppendInt(b, r.Days, 10)
	b = append(b, `,"max_days":`...)
	if r.MaxDays == nil {
		b = append(b, "null"...)
	} else {
		b = strconv.AppendInt(b, *r.MaxDays, 10)
	}
	b = append(b, `,"past_max":`...)
	b = strconv.AppendBool(b, r.PastMax)
	b = append(b, `,"days_past_max":`...)
	b = strconv.AppendInt(b, r.DaysPastMax, 10)
	return append(b, '}'), nil
}

// appendJSONString appends s as a JSON string: codes are plain ASCII,
// anything else goes through encoding/json.
func appendJSONString(b []byte, s string) []byte {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c >= 0x7f || c == '"' || c == '\\' || c == '<' || c == '>' || c == '&' {
			q, _ := json.Marshal(s)
			return append(b, q...)
		}
	}
	b = append(b, '"')
	b = append(b, s...)
	return append(b, '"')
}
