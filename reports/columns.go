package reports

import (
	"bytes"
	"database/sql"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"strconv"

	"github.com/jmoiron/sqlx"
	"github.com/shopspring/decimal"

	"rss"
)

// The client-level reports are a row per enrollment or enrollment-month:
// 96,000 to 165,000 rows for a year of the state's data. Scanning each row
// into a struct (sqlx's reflection, lib/pq's conversion of every date to a
// time.Time) and marshalling it again took about as long as the query
// itself, so those reports declare their columns instead: the query
// returns them in order, already in their written form (dates as text,
// money as numeric), and each value's bytes go from the wire to the
// answer with only the quoting its kind needs. JSON and CSV are written
// from the one declaration.

// kind is how a column's value is written.
type kind uint8

const (
	kText  kind = iota // a JSON string; CSV as it is
	kInt               // a JSON number; CSV as it is
	kDate              // YYYY-MM-DD (the query casts the date to text), a JSON string
	kMoney             // a decimal written with two places, a JSON string as rss.Money is
	kBool              // true or false
	kJSON              // JSON from the query (compacted in both answers)
)

// shownIn is the answers a column is written in.
type shownIn uint8

const (
	inBoth shownIn = iota
	// inCSV is a column written in the CSV only (length of service's
	// as_of: the JSON carries it once, in its filter).
	inCSV
	// inNeither is a column only the report's tally reads (length of
	// service's mark of the last row of a stay).
	inNeither
)

// column is one column of a report's rows, in the order the query returns
// them. A NULL is JSON null and an empty CSV field.
type column struct {
	name string
	kind kind
	in   shownIn
}

// values is a row's raw values, valid until the next row is read.
type values []sql.RawBytes

// int reads column i as an integer (0 when NULL).
func (v values) int(i int) int64 {
	n, _ := strconv.ParseInt(string(v[i]), 10, 64)
	return n
}

// bool reads column i as a boolean (lib/pq sends true or false).
func (v values) bool(i int) bool { return string(v[i]) == "true" || string(v[i]) == "t" }

// null says whether column i is NULL.
func (v values) null(i int) bool { return v[i] == nil }

// moneySum adds up a column of money exactly: in cents while they fit
// (rss.ParseCents: twelve digits a value, an int64 the sum; a decimal per
// row is an allocation per row), in a decimal beyond.
type moneySum struct {
	cents int64
	over  decimal.Decimal
	buf   []byte
}

// add adds column i of v (NULL adds nothing).
func (s *moneySum) add(v values, i int) error {
	b := v[i]
	if b == nil {
		return nil
	}
	// Sums and coalesce(…, 0) come back with fewer than two places.
	s.buf = normalizeMoney(s.buf[:0], b)
	b = s.buf
	c, ok := rss.ParseCents(b)
	if !ok {
		m, err := rss.ParseMoney(string(b))
		if err != nil {
			return fmt.Errorf("column %d: %w", i, err)
		}
		s.over = s.over.Add(m.Decimal)
		return nil
	}
	if (c > 0 && s.cents > math.MaxInt64-c) || (c < 0 && s.cents < math.MinInt64-c) {
		s.over, s.cents = s.over.Add(decimal.New(s.cents, -2)), 0
	}
	s.cents += c
	return nil
}

// total is the sum.
func (s *moneySum) total() rss.Money {
	return rss.NewMoney(s.over.Add(decimal.New(s.cents, -2)))
}

// normalizeMoney appends the decimal b with exactly two places (sums and
// coalesce(…, 0) come back with fewer); more places are not money's and
// are left for rss.ParseMoney to refuse.
func normalizeMoney(dst, b []byte) []byte {
	dot := bytes.IndexByte(b, '.')
	switch {
	case dot < 0:
		return append(append(dst, b...), ".00"...)
	case len(b)-dot == 2:
		return append(append(dst, b...), '0')
	}
	return append(dst, b...)
}

// rowWriter writes a columns report's rows as JSON or CSV.
type rowWriter struct {
	cols []column
	vals values
	ptrs []any
	csv  *csv.Writer
	rec  []string
	buf  []byte
	// compact holds a kJSON value compacted, reused row after row.
	compact bytes.Buffer
	n       int
}

func newRowWriter(cols []column) *rowWriter {
	rw := &rowWriter{cols: cols, vals: make(values, len(cols)), ptrs: make([]any, len(cols))}
	for i := range rw.vals {
		rw.ptrs[i] = &rw.vals[i]
	}
	return rw
}

// header is the CSV's header line.
func header(cols []column) []string {
	h := make([]string, 0, len(cols))
	for _, c := range cols {
		if c.in != inNeither {
			h = append(h, c.name)
		}
	}
	return h
}

// scan reads the current row.
func (rw *rowWriter) scan(rows *sqlx.Rows) (values, error) {
	if err := rows.Scan(rw.ptrs...); err != nil {
		return nil, err
	}
	return rw.vals, nil
}

// writeCSV writes the scanned row as a CSV record.
func (rw *rowWriter) writeCSV(cw *csv.Writer) error {
	rw.rec = rw.rec[:0]
	rw.buf = rw.buf[:0]
	for i, c := range rw.cols {
		v := rw.vals[i]
		switch {
		case c.in == inNeither:
			continue
		case v == nil:
			rw.rec = append(rw.rec, "")
		case c.kind == kMoney:
			rw.rec = append(rw.rec, string(normalizeMoney(nil, v)))
		case c.kind == kBool:
			rw.rec = append(rw.rec, strconv.FormatBool(rw.vals.bool(i)))
		case c.kind == kText:
			rw.rec = append(rw.rec, rss.CSVText(string(v)))
		case c.kind == kJSON:
			rw.compact.Reset()
			if err := json.Compact(&rw.compact, v); err != nil {
				return fmt.Errorf("column %s: %w", c.name, err)
			}
			rw.rec = append(rw.rec, rw.compact.String())
		default:
			rw.rec = append(rw.rec, string(v))
		}
	}
	return cw.Write(rw.rec)
}

// writeJSON writes the scanned row as a JSON object, after a comma but for
// the first.
func (rw *rowWriter) writeJSON(w io.Writer) error {
	b := rw.buf[:0]
	if rw.n > 0 {
		b = append(b, ',')
	}
	rw.n++
	b = append(b, '{')
	first := true
	for i, c := range rw.cols {
		if c.in != inBoth {
			continue
		}
		if !first {
			b = append(b, ',')
		}
		first = false
		b = appendJSONString(b, c.name)
		b = append(b, ':')
		v := rw.vals[i]
		switch {
		case v == nil:
			b = append(b, "null"...)
		case c.kind == kInt:
			b = append(b, v...)
		case c.kind == kBool:
			b = strconv.AppendBool(b, rw.vals.bool(i))
		case c.kind == kMoney:
			b = append(b, '"')
			b = normalizeMoney(b, v)
			b = append(b, '"')
		case c.kind == kJSON:
			rw.compact.Reset()
			if err := json.Compact(&rw.compact, v); err != nil {
				return fmt.Errorf("column %s: %w", c.name, err)
			}
			b = append(b, rw.compact.Bytes()...)
		default: // kText, kDate
			b = appendJSONBytes(b, v)
		}
	}
	b = append(b, '}')
	rw.buf = b
	_, err := w.Write(b)
	return err
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

// appendJSONBytes appends s as a JSON string, as appendJSONString does.
func appendJSONBytes(b, s []byte) []byte {
	for _, c := range s {
		if c < 0x20 || c >= 0x7f || c == '"' || c == '\\' || c == '<' || c == '>' || c == '&' {
			q, _ := json.Marshal(string(s))
			return append(b, q...)
		}
	}
	b = append(b, '"')
	b = append(b, s...)
	return append(b, '"')
}
