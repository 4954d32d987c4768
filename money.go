package rss

import (
	"database/sql/driver"
	"fmt"
	"regexp"

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

func (m Money) String() string { return m.StringFixed(2) }

func (m Money) MarshalJSON() ([]byte, error) {
	return []byte(`"` + m.StringFixed(2) + `"`), nil
}

// moneyText is the one form amounts take on the wire: digits, a point, two decimals.
var moneyText = regexp.MustCompile(`^-?[0-9]{1,12}\.[0-9]{2}$`)

func (m *Money) UnmarshalJSON(b []byte) error {
	if len(b) < 2 || b[0] != '"' || b[len(b)-1] != '"' || !moneyText.Match(b[1:len(b)-1]) {
		return fmt.Errorf("%w: amount must be a string with two decimals, like \"40.00\"", ErrInvalid)
	}
	p, err := ParseMoney(string(b[1 : len(b)-1]))
	if err != nil {
		return err
	}
	*m = p
	return nil
}

func (m *Money) Scan(src any) error { return m.Decimal.Scan(src) }

func (m Money) Value() (driver.Value, error) { return m.StringFixed(2), nil }
