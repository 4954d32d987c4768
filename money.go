package rss

import (
	"database/sql/driver"
	"fmt"
	"strconv"

	"github.com/shopspring/decimal"
)

// Money is an amount in dollars and cents. It crosses JSON as a string with
// exactly two decimals ("40.00"): the default decimal marshaller would drop
// trailing zeros, and a JSON number would invite float rounding.
type Money struct{ decimal.Decimal }

// NewMoney wraps a decimal.
func NewMoney(d decimal.Decimal) Money { return Money{d} }

// MustMoney parses a string amount and panics on error; for fixtures and tests.
func MustMoney(s string) Money {
	m, err := ParseMoney(s)
	if err != nil {
		panic(err)
	}
	return m
}

// ParseMoney accepts a plain decimal with at most two places.
func ParseMoney(s string) (Money, error) {
	d, err := decimal.NewFromString(s)
	if err != nil {
		return Money{}, fmt.Errorf("%w: amount %q is not a decimal", ErrInvalid, s)
	}
	if d.Exponent() < -2 && !d.Equal(d.Round(2)) {
		return Money{}, fmt.Errorf("%w: amount %q has more than two decimals", ErrInvalid, s)
	}
	return Money{d}, nil
}

func (m Money) String() string { return string(m.AppendFixed(nil)) }

// Format writes the amount with two decimals for %s and %v, as String
// does: the decimal's own Format, promoted, won over String in fmt and
// templates and wrote 300 for 300.00 (a black-box pass read "300
// billed"). Other verbs are the decimal's.
func (m Money) Format(f fmt.State, verb rune) {
	switch verb {
	case 's', 'v':
		f.Write(m.AppendFixed(nil)) //nolint:errcheck // fmt.State's Write is the caller's buffer
	default:
		m.Decimal.Format(f, verb)
	}
}

// AppendFixed appends the amount with exactly two decimals, as
// StringFixed(2) writes it. Amounts are cents nearly always, held in an
// int64 coefficient: those are written from the integer, without the
// big.Int arithmetic of StringFixed, which was a tenth of the server's CPU
// in a bulk intake (ten amounts a line, written to the database and in the
// answer). Any other amount goes through StringFixed.
func (m Money) AppendFixed(b []byte) []byte {
	exp := m.Exponent()
	if exp < -2 || exp > 0 || m.NumDigits() > 15 {
		return append(b, m.StringFixed(2)...)
	}
	cents := m.CoefficientInt64()
	for ; exp > -2; exp-- {
		cents *= 10
	}
	if cents < 0 {
		b = append(b, '-')
		cents = -cents
	}
	b = strconv.AppendInt(b, cents/100, 10)
	return append(b, '.', byte('0'+cents/10%10), byte('0'+cents%10))
}

func (m Money) MarshalJSON() ([]byte, error) {
	b := make([]byte, 0, 16)
	b = append(b, '"')
	return append(m.AppendFixed(b), '"'), nil
}

func (m *Money) UnmarshalJSON(b []byte) error {
	if len(b) < 2 || b[0] != '"' || b[len(b)-1] != '"' {
		return errMoneyText
	}
	cents, ok := ParseCents(b[1 : len(b)-1])
	if !ok {
		// Well formed but past twelve dollar digits: said so (it read
		// as malformed, a payer black-box pass). Only the form is read
		// here, so the value's overflow past sixteen digits is no matter.
		if _, ok := parseCents(b[1:len(b)-1], len(b)); ok {
			return ErrAmountRange
		}
		return errMoneyText
	}
	*m = Money{decimal.New(cents, -2)}
	return nil
}

// Total is a sum of amounts on the wire, a batch's totals (numeric(20,2))
// echoed from its preview: Money's form with up to sixteen dollar digits
// (a sum of the largest charges a line takes). As Money, a preview of a
// trillion dollars or more could not be echoed in a close's expect (a
// payer black-box pass).
type Total struct{ Money }

// maxTotalDigits bounds a Total's dollar digits: cents of sixteen digits
// and two decimals fit an int64.
const maxTotalDigits = 16

// ParseTotal reads a Total a form carries, as ParseAmount reads an amount.
func ParseTotal(s string) (Total, error) {
	cents, ok := parseCents([]byte(s), maxTotalDigits)
	if !ok {
		return Total{}, fmt.Errorf("%w: total %q is not dollars with two decimals, like \"40.00\"", ErrInvalid, s)
	}
	return Total{Money{decimal.New(cents, -2)}}, nil
}

func (t *Total) UnmarshalJSON(b []byte) error {
	if len(b) < 2 || b[0] != '"' || b[len(b)-1] != '"' {
		return errMoneyText
	}
	cents, ok := parseCents(b[1:len(b)-1], maxTotalDigits)
	if !ok {
		return errMoneyText
	}
	*t = Total{Money{decimal.New(cents, -2)}}
	return nil
}

// ParseAmount reads an amount a person typed by the API's rule for money
// on the wire (ParseCents): dollars, a point and exactly two decimals.
// ParseMoney is lenient ("1250", "1e3", ".5", "15.0000"), which hides the
// slip of typing 1250 for 12.50; forms that set money use this instead.
func ParseAmount(s string) (Money, error) {
	cents, ok := ParseCents([]byte(s))
	if !ok {
		return Money{}, fmt.Errorf("%w: amount %q is not dollars with two decimals, like \"40.00\"", ErrInvalid, s)
	}
	return Money{decimal.New(cents, -2)}, nil
}

// ErrAmountRange is a well-formed amount past what any amount rss holds
// can be (twelve dollar digits): the API answers it as a field out of
// range, 422, as a date past the calendar rss holds, not as a value of the
// wrong type; the field's own limit, lower, is the service's to name.
var ErrAmountRange = fmt.Errorf("%w: amount must be at most 999999999999.99", ErrInvalid)

var errMoneyText = fmt.Errorf("%w: amount must be a string of dollars, a point and two decimals, with no leading zero, like \"40.00\" or \"0.50\"", ErrInvalid)

// ParseCents reads the one form amounts take on the wire, -?[0-9]{1,12}
// (no leading zero but a lone one) then a point and two decimals, as cents; it is also how PostgreSQL
// prints a NUMERIC(12,2). It is what a regular expression and
// decimal.NewFromString did, at a fraction of the cost: a bulk intake reads
// ten thousand amounts, a batch's 837P a million. The decimal it gives
// (cents, exponent -2) is the one NewFromString gave.
func ParseCents(s []byte) (int64, bool) { return parseCents(s, 12) }

// parseCents is ParseCents with up to maxDigits dollar digits (its value
// fits an int64 up to 16).
func parseCents(s []byte, maxDigits int) (int64, bool) {
	neg := len(s) > 0 && s[0] == '-'
	if neg {
		s = s[1:]
	}
	n := len(s) - 3 // integer digits
	// No leading zero but the one of an amount under a dollar: "015.00"
	// is a fixed-width export mapped wrong more often than fifteen
	// dollars (a black-box pass found it taken).
	if n < 1 || n > maxDigits || s[n] != '.' || (n > 1 && s[0] == '0') {
		return 0, false
	}
	var v int64
	for i, c := range s {
		if i == n {
			continue
		}
		if c < '0' || c > '9' {
			return 0, false
		}
		v = v*10 + int64(c-'0')
	}
	if neg {
		v = -v
	}
	return v, true
}

func (m *Money) Scan(src any) error { return m.Decimal.Scan(src) }

func (m Money) Value() (driver.Value, error) { return m.String(), nil }
