package reports

import (
	"context"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/url"
	"sort"
	"strconv"

	"time"

	"github.com/jmoiron/sqlx"

	"rss"
	"rss/access"
	"rss/pg"
)

// MaxRangeDays bounds a report's date range: ten years.
const MaxRangeDays = 3653

// Service is the reports domain.
type Service struct {
	db  *sqlx.DB
	now func() time.Time
	loc *time.Location
	// auditing bounds the client-level reports running at once: each
	// holds two connections (audit.go), so at most one fewer than the
	// pool's may run, lest all of them hold one and wait for the other.
	auditing chan struct{}
}

// New returns a Service over db; now is the clock and loc the time zone
// whose calendar says what "today" is.
func New(db *sqlx.DB, now func() time.Time, loc *time.Location) *Service {
	if loc == nil {
		loc = time.UTC
	}
	s := &Service{db: db, now: now, loc: loc}
	if n := db.Stats().MaxOpenConnections; n > 0 {
		// A pool of one cannot give a client-level report its second
		// connection: auditSlot refuses at once rather than wait forever.
		s.auditing = make(chan struct{}, max(n-1, 0))
	}
	return s
}

func (s *Service) today() rss.Date { return rss.NewDate(s.now().In(s.loc)) }

// dayEnd is the end of day d in the service's time zone: the next day's
// first instant.
func (s *Service) dayEnd(d rss.Date) time.Time {
	y, m, dd := d.AddDays(1).Date()
	return time.Date(y, m, dd, 0, 0, 0, 0, s.loc)
}

// historySince is the instant from which a change replaced what stood on
// day d (dayEnd), or nil for today or later: the reference and settings
// histories are stamped by the database's clock, so as of today a value
// reads as today's whichever clock runs ahead. The reports that read a
// limit as it stood on a day (caseload caps and roles, the length of
// service maximum, the review and GPRA targets) take it so.
func (s *Service) historySince(d rss.Date) any {
	if !d.Before(s.today()) {
		return nil
	}
	return s.dayEnd(d)
}

// settingThen is the SQL value of the numeric setting key as it stood
// from since (a parameter holding historySince): the value the first
// change of it from then on replaced, else the setting's as it stands.
func settingThen(key, since string) string {
	return `coalesce((SELECT (rc.before ->> 'value')::bigint FROM record_changes rc
        WHERE rc.table_name = 'settings' AND rc.row_key = '` + key + `' AND rc.before ? 'value'
          AND rc.changed_at >= ` + since + `::timestamptz ORDER BY rc.id LIMIT 1),
    (SELECT value FROM settings WHERE key = '` + key + `')::bigint)`
}

// Group is how a report buckets dates.
type Group string

const (
	GroupWeek    Group = "week"    // calendar weeks, Monday to Sunday
	GroupMonth   Group = "month"   // calendar months
	GroupQuarter Group = "quarter" // calendar quarters (January, April, July, October)
)

// Filter is what every report is asked for; the fields a report does not
// take are refused when given, and left out of its answer.
type Filter struct {
	ProviderID *int64    `json:"provider_id,omitempty"`
	Program    string    `json:"program,omitempty"`
	Service    string    `json:"service,omitempty"`
	From       *rss.Date `json:"from,omitempty"`
	To         *rss.Date `json:"to,omitempty"`
	AsOf       *rss.Date `json:"as_of,omitempty"`
	Group      Group     `json:"group,omitempty"`
}

// params are the filter fields a report takes.
type params struct {
	service, rng, asOf, group bool
	// quarterly: group is month or quarter (not week).
	quarterly bool
}

// parseFilter reads q for a report taking p, checks it, and checks the
// provider, program and service against the actor and the reference data:
// a provider key naming another agency gets not found, as if it did not
// exist. Every problem is reported at once (422).
func (s *Service) parseFilter(ctx context.Context, a access.Actor, q url.Values, p params) (Filter, error) {
	var f Filter
	v := &rss.ValidationError{}
	allowed := map[string]bool{"provider_id": true, "program": true, "format": true}
	if p.service {
		allowed["service"] = true
	}
	if p.rng {
		allowed["from"], allowed["to"] = true, true
	}
	if p.asOf {
		allowed["as_of"] = true
	}
	if p.group {
		allowed["group"] = true
	}
	keys := make([]string, 0, len(q))
	for k := range q {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		if !allowed[k] {
			v.Add(k, "unknown_parameter", "this report does not take %s", k)
		} else if len(q[k]) > 1 {
			v.Add(k, "repeated", "%s is given more than once", k)
		}
	}
	date := func(name string) *rss.Date {
		if !q.Has(name) {
			return nil
		}
		d, err := rss.ParseDate(q.Get(name))
		if errors.Is(err, rss.ErrDateRange) {
			v.Add(name, "out_of_range", "%s must be between %s and %s", name, rss.MinDate, rss.MaxDate)
			return nil
		}
		if errors.Is(err, rss.ErrNotCalendarDay) {
			// Said so, as a body's date is (it read "must be YYYY-MM-DD"
			// of 2026-02-29: a reports black-box pass).
			v.Add(name, "invalid_value", "%s is not a day of the calendar", name)
			return nil
		}
		if err != nil {
			v.Add(name, "invalid_value", "%s must be YYYY-MM-DD", name)
			return nil
		}
		return &d
	}
	if q.Has("provider_id") {
		id, ok := rss.ParseID(q.Get("provider_id"))
		if !ok {
			v.Add("provider_id", rss.BadIDCode(q.Get("provider_id")), "provider_id must be a positive whole number")
		} else {
			f.ProviderID = &id
		}
	}
	f.Program = q.Get("program")
	// A report that takes no service refuses it as unknown and reads it
	// no further: caseload also said it was not in the program named (a
	// reports black-box pass of the forty-fourth stop).
	if p.service {
		f.Service = q.Get("service")
	}
	if q.Has("program") && f.Program == "" {
		v.Add("program", "invalid_value", "program must not be empty")
	}
	if p.service && q.Has("service") && f.Service == "" {
		v.Add("service", "invalid_value", "service must not be empty")
	}
	if p.rng {
		f.From, f.To = date("from"), date("to")
		if f.From == nil && !q.Has("from") {
			v.Add("from", "required", "from is required")
		}
		if f.To == nil && !q.Has("to") {
			v.Add("to", "required", "to is required")
		}
		if f.From != nil && f.To != nil {
			if f.To.Before(*f.From) {
				v.Add("to", "before_from", "to is before from")
			} else if f.From.DaysUntil(*f.To) >= MaxRangeDays {
				v.Add("to", "range_too_long", "the range may span at most %d days", MaxRangeDays)
			}
		}
	}
	if p.asOf {
		f.AsOf = date("as_of")
		// A range's report as of a day before it counted the range's
		// enrollments on days before it began (a December report put an
		// enrollment open all December on day 1: a black-box pass).
		if f.AsOf != nil && f.From != nil && f.AsOf.Before(*f.From) {
			v.Add("as_of", "before_from", "as_of is before from")
		}
	}
	if p.group {
		switch g := Group(q.Get("group")); {
		case g == "" && !q.Has("group"):
			f.Group = GroupMonth
		case p.quarterly && (g == GroupMonth || g == GroupQuarter):
			f.Group = g
		case p.quarterly:
			v.Add("group", "invalid_value", "group must be month or quarter")
		case g == GroupWeek || g == GroupMonth:
			f.Group = g
		default:
			v.Add("group", "invalid_value", "group must be week or month")
		}
	}
	// The checks below that read the database report along with those
	// above, every problem at once (an unknown program went unsaid beside
	// an unknown parameter: a black-box pass); the agency is looked up
	// only for a request otherwise sound, its absence being a 404.
	switch {
	case len(v.Fields) > 0:
	case f.ProviderID != nil:
		if !a.SeesProvider(*f.ProviderID) {
			return f, fmt.Errorf("%w: provider %d", rss.ErrNotFound, *f.ProviderID)
		}
		var n int
		if err := s.db.GetContext(ctx, &n, `SELECT count(*) FROM providers WHERE id = $1`, *f.ProviderID); err != nil {
			return f, err
		}
		if n == 0 {
			return f, fmt.Errorf("%w: provider %d", rss.ErrNotFound, *f.ProviderID)
		}
	case a.IsProvider():
		// A provider's reports are its own agency's, named or not.
		id := a.ProviderID
		f.ProviderID = &id
	}
	if f.Program != "" {
		var n int
		if err := s.db.GetContext(ctx, &n, `SELECT count(*) FROM programs WHERE code = $1`, f.Program); err != nil {
			return f, err
		}
		if n == 0 {
			v.Add("program", "unknown_program", "no program %s", f.Program)
		}
	}
	if f.Service != "" {
		var prog string
		err := s.db.GetContext(ctx, &prog, `SELECT program_code FROM services WHERE code = $1`, f.Service)
		switch {
		case errors.Is(err, pg.ErrNoRows):
			v.Add("service", "unknown_service", "no service %s", f.Service)
		case err != nil:
			return f, err
		case f.Program != "" && prog != f.Program:
			v.Add("service", "not_in_program", "service %s is not in program %s", f.Service, f.Program)
		}
	}
	return f, v.Err()
}

// Report is a checked request for one report, ready to be written. Nothing
// is read until Write; a failure there comes after the answer began.
type Report struct {
	Name   string
	Filter Filter
	s      *Service
	cols   []string
	query  string
	args   []any
	// row scans one row and returns it for JSON and as CSV fields; total
	// sees every row and returns the totals once they are all read.
	row    func(*sqlx.Rows) (any, []string, error)
	totals func(ctx context.Context, tx *sqlx.Tx) (any, error)
	// A report of many rows declares its columns instead of row
	// (columns.go), and tally sees each row's values for the totals.
	columns []column
	tally   func(values) error
	// reads, for a client-level report, lists the client records its rows
	// show: they are audited as reads before a byte is written (audit.go).
	reads *reads
}

// Write streams the report to w as CSV (the notice, the header, one record
// a row) or as JSON {filter, rows, totals}, in one read-only snapshot so
// rows and totals agree.
func (r *Report) Write(ctx context.Context, w io.Writer, asCSV bool) (err error) {
	tx, settle, err := r.begin(ctx)
	if err != nil {
		return err
	}
	defer func() { _ = tx.Rollback() }()
	// Whatever happens, the audit's goroutine is over (and its connection
	// given back) before the report's transaction ends: rolled back when
	// the report failed before its first byte.
	defer func() { _ = settle(false) }()
	// No JIT: a report's plan is costed on guesses (generate_series is 1000
	// rows to the planner) that passed jit_above_cost, and compiling took
	// 350 ms of a query that runs in 20. A year's groups sort in memory.
	if _, err := tx.ExecContext(ctx, `SET LOCAL jit = off; SET LOCAL work_mem = '64MB'`); err != nil {
		return err
	}
	rows, err := tx.QueryxContext(ctx, r.query, r.args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	// Not a byte before the records shown are audited (begin).
	if err := settle(true); err != nil {
		return err
	}
	var cw *csv.Writer
	if asCSV {
		cw = csv.NewWriter(w)
		if err := cw.Write([]string{rss.Part2Notice}); err != nil {
			return err
		}
		cols := r.cols
		if r.columns != nil {
			cols = header(r.columns)
		}
		if err := cw.Write(cols); err != nil {
			return err
		}
	} else {
		head, err := json.Marshal(r.Filter)
		if err != nil {
			return err
		}
		if _, err := fmt.Fprintf(w, `{"report":%q,"notice":%s,"filter":%s,"rows":[`, r.Name, mustJSON(rss.Part2Notice), head); err != nil {
			return err
		}
	}
	if r.columns != nil {
		err = r.writeColumns(rows, w, cw)
	} else {
		err = r.writeRows(rows, w, cw)
	}
	if err != nil {
		return err
	}
	if err := rows.Err(); err != nil {
		return err
	}
	rows.Close()
	if cw != nil {
		cw.Flush()
		return cw.Error()
	}
	t, err := r.totals(ctx, tx)
	if err != nil {
		return err
	}
	tb, err := json.Marshal(t)
	if err != nil {
		return err
	}
	_, err = fmt.Fprintf(w, `],"totals":%s}`+"\n", tb)
	return err
}

// writeRows writes rows scanned by r.row.
func (r *Report) writeRows(rows *sqlx.Rows, w io.Writer, cw *csv.Writer) error {
	n := 0
	for rows.Next() {
		v, rec, err := r.row(rows)
		if err != nil {
			return err
		}
		if cw != nil {
			if err := cw.Write(rec); err != nil {
				return err
			}
			if n%256 == 255 {
				cw.Flush()
			}
		} else {
			b, err := json.Marshal(v)
			if err != nil {
				return err
			}
			if n > 0 {
				b = append([]byte{','}, b...)
			}
			if _, err := w.Write(b); err != nil {
				return err
			}
		}
		n++
	}
	return nil
}

// writeColumns writes the rows of a report declaring its columns.
func (r *Report) writeColumns(rows *sqlx.Rows, w io.Writer, cw *csv.Writer) error {
	rw := newRowWriter(r.columns)
	for n := 0; rows.Next(); n++ {
		v, err := rw.scan(rows)
		if err != nil {
			return err
		}
		if err := r.tally(v); err != nil {
			return err
		}
		if cw != nil {
			if err := rw.writeCSV(cw); err != nil {
				return err
			}
			if n%256 == 255 {
				cw.Flush()
			}
		} else if err := rw.writeJSON(w); err != nil {
			return err
		}
	}
	return nil
}

func mustJSON(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}

// Filter helpers for the SQL: nil or empty means "any".
func (f Filter) provider() any {
	if f.ProviderID == nil {
		return nil
	}
	return *f.ProviderID
}

func nullText(s string) any {
	if s == "" {
		return nil
	}
	return s
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }
