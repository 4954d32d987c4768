package rss

import (
	"encoding/json"
	"errors"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/shopspring/decimal"
)

// Fuzz tests of the pure input parsers of the root package (brief fuzz).

var wireMoney = regexp.MustCompile(`^-?(0|[1-9][0-9]{0,11})\.[0-9]{2}$`)

// FuzzParseCents: ParseCents accepts exactly -?[0-9]{1,12}.[0-9]{2} without
// a leading zero, and its cents are the decimal's, to the cent.
func FuzzParseCents(f *testing.F) {
	for _, s := range []string{"40.00", "0.50", "-0.01", "015.00", "1e3", ".5", "15.0000", "999999999999.99", "-999999999999.99",
		"1000000000000.00", "-", "-.00", "0.0", "00.00", "-0.00", "1.2.", "１.00", "+1.00", " 1.00"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		cents, ok := ParseCents([]byte(s))
		if ok != wireMoney.MatchString(s) {
			t.Fatalf("ParseCents(%q) ok=%v, the wire form says %v", s, ok, !ok)
		}
		m, err := ParseAmount(s)
		if (err == nil) != ok {
			t.Fatalf("ParseAmount(%q) err=%v but ParseCents ok=%v", s, err, ok)
		}
		if err != nil && !errors.Is(err, ErrInvalid) {
			t.Fatalf("ParseAmount(%q) refused with %v, not ErrInvalid", s, err)
		}
		if !ok {
			return
		}
		d := decimal.RequireFromString(s)
		if !d.Mul(decimal.New(100, 0)).Equal(decimal.New(cents, 0)) {
			t.Fatalf("ParseCents(%q) = %d cents, the decimal is %s", s, cents, d)
		}
		if !m.Equal(d) {
			t.Fatalf("ParseAmount(%q) = %s", s, m)
		}
		// Round trip: what is written reads back the same (the one
		// spelling of -0.00 aside, written 0.00).
		out := m.String()
		if out != s && !(s == "-0.00" && out == "0.00") {
			t.Fatalf("ParseAmount(%q).String() = %q", s, out)
		}
		var j Money
		if err := json.Unmarshal([]byte(strconv.Quote(s)), &j); err != nil || !j.Equal(m.Decimal) {
			t.Fatalf("UnmarshalJSON(%q) = %v, %v", s, j, err)
		}
		b, _ := json.Marshal(j)
		var back Money
		if err := json.Unmarshal(b, &back); err != nil || !back.Equal(m.Decimal) {
			t.Fatalf("JSON round trip of %q: %s -> %v, %v", s, b, back, err)
		}
	})
}

// FuzzParseMoney: the lenient parser never panics, refuses with
// ErrInvalid, never keeps more than cents, and what it accepts is written
// with two decimals that read back to the same amount.
func FuzzParseMoney(f *testing.F) {
	for _, s := range []string{"40", "40.00", "1e3", ".5", "15.0000", "1.005", "1.001e1", "-0", "1e-2", "1e-3", "9e9999999", "1E+2",
		"0.000000000000000000000000000001", "NaN", "Inf", "0x10", "1_000"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if len(s) > 64 {
			return // a huge exponent costs big.Int time, not a finding
		}
		m, err := ParseMoney(s)
		if err != nil {
			if !errors.Is(err, ErrInvalid) {
				t.Fatalf("ParseMoney(%q) refused with %v, not ErrInvalid", s, err)
			}
			return
		}
		if !m.Equal(m.Round(2)) {
			t.Fatalf("ParseMoney(%q) = %s keeps more than cents", s, m.Decimal)
		}
		if m.Exponent() < -1000 || m.Exponent() > 1000 {
			return
		}
		out := m.String()
		back, err := ParseMoney(out)
		if err != nil || !back.Equal(m.Decimal) {
			t.Fatalf("ParseMoney(%q) = %q, read back %v, %v", s, out, back, err)
		}
		if i := strings.IndexByte(out, '.'); i < 0 || len(out)-i != 3 {
			t.Fatalf("ParseMoney(%q).String() = %q, not two decimals", s, out)
		}
	})
}

// FuzzAppendFixed: the fast writer agrees with StringFixed(2) for every
// coefficient and exponent.
func FuzzAppendFixed(f *testing.F) {
	f.Add(int64(4000), int32(-2))
	f.Add(int64(-1), int32(0))
	f.Add(int64(999999999999999), int32(0))
	f.Add(int64(-9223372036854775808), int32(-2))
	f.Add(int64(5), int32(-1))
	f.Add(int64(123), int32(-3))
	f.Fuzz(func(t *testing.T, coef int64, exp int32) {
		if exp < -40 || exp > 40 {
			return
		}
		m := NewMoney(decimal.New(coef, exp))
		got := string(m.AppendFixed(nil))
		want := m.StringFixed(2)
		if got != want {
			t.Fatalf("AppendFixed(%de%d) = %q, StringFixed(2) = %q", coef, exp, got, want)
		}
		if s := m.String(); s != want {
			t.Fatalf("String = %q, want %q", s, want)
		}
	})
}

var dateForm = regexp.MustCompile(`^[0-9]{4}-[0-9]{2}-[0-9]{2}$`)

// FuzzParseDate: only YYYY-MM-DD naming a day of the calendar between
// MinDate and MaxDate is accepted, and it round-trips; a refusal is
// ErrInvalid.
func FuzzParseDate(f *testing.F) {
	for _, s := range []string{"2026-02-28", "2026-02-29", "2024-02-29", "1900-02-29", "2000-02-29", "2026-02-30", "2026-13-01",
		"2026-00-10", "2026-01-00", "1899-12-31", "1900-01-01", "2999-12-31", "3000-01-01", "0000-01-01", "2026-1-01",
		"+2026-01-01", "2026-01-01T00:00:00Z", "２０２６-01-01", "2026-01-01 ", "2026-04-31", "2026-06-31"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		d, err := ParseDate(s)
		if err != nil {
			if !errors.Is(err, ErrInvalid) {
				t.Fatalf("ParseDate(%q) refused with %v, not ErrInvalid", s, err)
			}
			if errors.Is(err, ErrNotCalendarDay) && !dateForm.MatchString(s) {
				t.Fatalf("ParseDate(%q) said not a calendar day for a text not YYYY-MM-DD", s)
			}
			// The date refused as not a day must not be one.
			if errors.Is(err, ErrNotCalendarDay) {
				y, _ := strconv.Atoi(s[0:4])
				mo, _ := strconv.Atoi(s[5:7])
				dd, _ := strconv.Atoi(s[8:10])
				tt := time.Date(y, time.Month(mo), dd, 0, 0, 0, 0, time.UTC)
				if mo >= 1 && mo <= 12 && dd >= 1 && tt.Day() == dd && int(tt.Month()) == mo {
					t.Fatalf("ParseDate(%q) refused a real day as not one: %v", s, err)
				}
			}
			if errors.Is(err, ErrDateRange) {
				if _, perr := time.Parse("2006-01-02", s); perr != nil {
					t.Fatalf("ParseDate(%q): out of range for a text that is no date", s)
				}
			}
			return
		}
		if !dateForm.MatchString(s) {
			t.Fatalf("ParseDate(%q) accepted a text not YYYY-MM-DD: %v", s, d)
		}
		if d.String() != s {
			t.Fatalf("ParseDate(%q).String() = %q", s, d.String())
		}
		if d.Before(MinDate) || d.After(MaxDate) {
			t.Fatalf("ParseDate(%q) out of range", s)
		}
		y, mo, dd := d.Date()
		if time.Date(y, mo, dd, 0, 0, 0, 0, time.UTC) != d.Time || d.Location() != time.UTC {
			t.Fatalf("ParseDate(%q) not a UTC midnight: %v", s, d.Time)
		}
		b, _ := json.Marshal(d)
		var back Date
		if err := json.Unmarshal(b, &back); err != nil || !back.Equal(d) {
			t.Fatalf("JSON round trip of %q: %s -> %v %v", s, b, back, err)
		}
		if n := d.DaysUntil(d.AddDays(1)); n != 1 {
			t.Fatalf("%s: DaysUntil next day = %d", s, n)
		}
	})
}

// FuzzDateJSON: UnmarshalJSON on any bytes never panics and refuses with
// ErrInvalid.
func FuzzDateJSON(f *testing.F) {
	for _, s := range []string{`"2026-01-01"`, `null`, `"`, `""`, `"2026-02-30"`, `2026`, `"null"`, `"\u0032026-01-01"`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		var d Date
		err := d.UnmarshalJSON(b)
		if err != nil && !errors.Is(err, ErrInvalid) {
			t.Fatalf("UnmarshalJSON(%q) = %v, not ErrInvalid", b, err)
		}
		if err == nil && string(b) != "null" && !d.IsZero() {
			if got, _ := d.MarshalJSON(); string(got) != string(b) {
				t.Fatalf("UnmarshalJSON(%q) then MarshalJSON = %s", b, got)
			}
		}
		var m Money
		err = m.UnmarshalJSON(b)
		if err != nil && !errors.Is(err, ErrInvalid) {
			t.Fatalf("Money.UnmarshalJSON(%q) = %v", b, err)
		}
		if err == nil {
			if got, _ := m.MarshalJSON(); string(got) != string(b) && string(b) != `"-0.00"` {
				t.Fatalf("Money.UnmarshalJSON(%q) then MarshalJSON = %s", b, got)
			}
		}
	})
}

// FuzzParseID: one spelling per id.
func FuzzParseID(f *testing.F) {
	for _, s := range []string{"1", "01", "+1", "-1", "0", "9223372036854775807", "9223372036854775808", " 1", "1_0", "١"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		id, ok := ParseID(s)
		if ok && (id <= 0 || strconv.FormatInt(id, 10) != s) {
			t.Fatalf("ParseID(%q) = %d", s, id)
		}
		if !ok {
			if c := BadIDCode(s); c != "out_of_range" && c != "invalid_value" {
				t.Fatalf("BadIDCode(%q) = %q", s, c)
			}
		}
	})
}

// FuzzBlank: Blank never panics and never calls a text with a letter or
// digit (other than the known blank letters) blank; CSVText never leaves a
// formula start.
func FuzzBlank(f *testing.F) {
	for _, s := range []string{"", " ", "\u200b", "\u3164", "a", "\ufe0f", "=1+1", "\t=1", "-5", "\xff", "ᅟ"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if Blank(s) {
			for _, r := range s {
				if (unicode.IsLetter(r) || unicode.IsDigit(r) || unicode.IsPunct(r)) && !blankLetter(r) && r != utf8.RuneError {
					t.Fatalf("Blank(%q) though it holds %q (%U)", s, r, r)
				}
			}
		}
		c := CSVText(s)
		if c != "" && strings.ContainsRune("=+-@\t\r", rune(c[0])) {
			t.Fatalf("CSVText(%q) = %q starts a formula", s, c)
		}
		_ = UnreadEncoding([]string{s})
	})
}
