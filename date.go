package rss

import (
	"database/sql/driver"
	"errors"
	"fmt"
	"regexp"
	"time"
)

// Date is a civil date (no time of day, no zone), carried as UTC midnight.
// JSON is "YYYY-MM-DD"; anything else is refused.
type Date struct{ time.Time }

const dateLayout = "2006-01-02"

// MinDate and MaxDate bound every date rss reads from input. The calendar
// accepts more (year 0000 in Go, which PostgreSQL has no room for; year
// 0001-01-01, which is the zero Date and so would read as "absent"), but no
// date of this domain lies outside them, and dates computed from them (a
// span, a window, a filing limit) stay four-digit years.
var (
	MinDate = Date{time.Date(1900, 1, 1, 0, 0, 0, 0, time.UTC)}
	MaxDate = Date{time.Date(2999, 12, 31, 0, 0, 0, 0, time.UTC)}
)

// ErrDateRange is the ErrInvalid of a well-formed date outside MinDate..MaxDate.
var ErrDateRange = fmt.Errorf("%w: date out of range", ErrInvalid)

// ErrNotCalendarDay is the ErrInvalid of a date written YYYY-MM-DD that
// names no day of the calendar (2026-02-30).
var ErrNotCalendarDay = errors.New("not a day of the calendar")

// ErrNotDateShape is the ErrInvalid of a text that is not YYYY-MM-DD.
var ErrNotDateShape = errors.New("not YYYY-MM-DD")

// notDateShape is ErrNotDateShape, and ErrInvalid, for one text.
type notDateShape string

func (d notDateShape) Error() string {
	return fmt.Sprintf("%v: date %q is not YYYY-MM-DD", ErrInvalid, string(d))
}

func (d notDateShape) Is(target error) bool {
	return target == ErrInvalid || target == ErrNotDateShape
}

// notCalendarDay is ErrNotCalendarDay, and ErrInvalid, for one date.
type notCalendarDay string

func (d notCalendarDay) Error() string {
	return fmt.Sprintf("%v: date %q is not a day of the calendar", ErrInvalid, string(d))
}

func (d notCalendarDay) Is(target error) bool {
	return target == ErrInvalid || target == ErrNotCalendarDay
}

// NewDate returns the civil date of t in t's own location.
func NewDate(t time.Time) Date {
	y, m, d := t.Date()
	return Date{time.Date(y, m, d, 0, 0, 0, 0, time.UTC)}
}

// MustDate parses "YYYY-MM-DD" and panics on error; for fixtures and tests.
func MustDate(s string) Date {
	d, err := ParseDate(s)
	if err != nil {
		panic(err)
	}
	return d
}

// ParseDate parses "YYYY-MM-DD" between MinDate and MaxDate.
func ParseDate(s string) (Date, error) {
	d, err := parseDate(s)
	if err != nil {
		return Date{}, err
	}
	if d.Before(MinDate) || d.After(MaxDate) {
		return Date{}, fmt.Errorf("%w: %s is not between %s and %s", ErrDateRange, s, MinDate, MaxDate)
	}
	return d, nil
}

// dateShape is YYYY-MM-DD's digits and hyphens.
var dateShape = regexp.MustCompile(`^\d{4}-\d{2}-\d{2}$`)

// parseDate parses "YYYY-MM-DD" without the range check, for what the
// database hands back.
func parseDate(s string) (Date, error) {
	t, err := time.Parse(dateLayout, s)
	if err != nil {
		// A day the calendar lacks (2026-02-30) is said so: "not
		// YYYY-MM-DD" read wrong for a date written in that form (a
		// black-box pass).
		if len(s) == len(dateLayout) && dateShape.MatchString(s) {
			return Date{}, notCalendarDay(s)
		}
		return Date{}, notDateShape(s)
	}
	return Date{t}, nil
}

func (d Date) String() string {
	if d.IsZero() {
		return ""
	}
	return d.Format(dateLayout)
}

// AddDays returns the date n days later (earlier when n < 0).
func (d Date) AddDays(n int) Date { return Date{d.Time.AddDate(0, 0, n)} }

// ReportsOpenFrom is the first day an agency may still record or change
// what the outcome reports count, today being d: the first of last month.
// A month is reported once it ends, and the agency has the month after to
// correct what it keyed; then the record stands for it, and the MSC's
// admin changes it (409 period_closed: outcomes, and GPRA interviews
// completing an attempt).
func (d Date) ReportsOpenFrom() Date {
	first := time.Date(d.Year(), d.Month(), 1, 0, 0, 0, 0, time.UTC)
	return Date{first.AddDate(0, -1, 0)}
}

// DaysUntil counts the days from d to e (negative when e is earlier). It
// counts in seconds since the epoch: time.Time.Sub saturates past 292 years.
func (d Date) DaysUntil(e Date) int { return int((e.Unix() - d.Unix()) / 86400) }

func (d Date) Before(e Date) bool { return d.Time.Before(e.Time) }
func (d Date) After(e Date) bool  { return d.Time.After(e.Time) }
func (d Date) Equal(e Date) bool  { return d.Time.Equal(e.Time) }

func (d Date) MarshalJSON() ([]byte, error) {
	if d.IsZero() {
		return []byte("null"), nil
	}
	return []byte(`"` + d.Format(dateLayout) + `"`), nil
}

func (d *Date) UnmarshalJSON(b []byte) error {
	if string(b) == "null" {
		*d = Date{}
		return nil
	}
	if len(b) < 2 || b[0] != '"' || b[len(b)-1] != '"' {
		return fmt.Errorf("%w: date must be a string YYYY-MM-DD", ErrInvalid)
	}
	p, err := ParseDate(string(b[1 : len(b)-1]))
	if err != nil {
		return err
	}
	*d = p
	return nil
}

// Scan reads a DATE column.
func (d *Date) Scan(src any) error {
	switch v := src.(type) {
	case nil:
		*d = Date{}
	case time.Time:
		*d = NewDate(v)
	case []byte:
		p, err := parseDate(string(v))
		if err != nil {
			return err
		}
		*d = p
	case string:
		p, err := parseDate(v)
		if err != nil {
			return err
		}
		*d = p
	default:
		return fmt.Errorf("rss.Date: cannot scan %T", src)
	}
	return nil
}

// Value writes a DATE column; the zero Date is NULL.
func (d Date) Value() (driver.Value, error) {
	if d.IsZero() {
		return nil, nil
	}
	return d.Format(dateLayout), nil
}

// TodayIs says what today is where a date was refused as in the future:
// rss's today is the MSC's time zone's (RSS_TIMEZONE), and a caller whose
// clock reads UTC is a day ahead of New York in the evening, so the
// refusal read as wrong (a black-box pass of the forty-seventh stop).
func TodayIs(today Date) string {
	return "today is " + today.String() + " in the MSC's time zone"
}
