package x12

import (
	"fmt"
	"time"

	"github.com/shopspring/decimal"
)

// delims are the four separators of one interchange.
type delims struct{ el, comp, rep, term byte }

// maxCents bounds one charge (99,999,999.99) so that claim totals and the
// writer's running total stay exact in int64 cents.
const maxCents = 99_999_999_99

// text checks a value against its element (length and the X12 character
// set, the check input validation runs too) and against the delimiters of
// this very file, which may be any the receiver accepts. Error messages
// never echo the value: most of these fields are protected health
// information and errors get logged.
func (d delims) text(e Element, v string) error {
	if err := e.Check(v); err != nil {
		return err
	}
	for i := 0; i < len(v); i++ {
		switch v[i] {
		case d.el, d.comp, d.rep, d.term:
			return &TextError{Element: e, Code: TextBadChar, Length: len(v), At: i + 1, Char: v[i], delim: true}
		}
	}
	return nil
}

// optText is text for a situational element: empty means "not sent".
func (d delims) optText(e Element, v string) error {
	if v == "" {
		return nil
	}
	return d.text(e, v)
}

// Elements the writer fills from its own configuration rather than from
// people's data; they are checked the same way.
var (
	isaSenderID   = Element{ID: "ISA06", Name: "interchange sender id", Min: 1, Max: 15}
	isaReceiverID = Element{ID: "ISA08", Name: "interchange receiver id", Min: 1, Max: 15}
	gsSender      = Element{ID: "GS02", Name: "application sender code", Min: 2, Max: 15}
	gsReceiver    = Element{ID: "GS03", Name: "application receiver code", Min: 2, Max: 15}
	bhtReference  = Element{ID: "BHT03", Name: "originator reference", Min: 1, Max: 50}
	partyID       = Element{ID: "NM109", Name: "identification code", Min: 2, Max: 80}
)

// code checks an identifier made of upper-case letters and digits.
func code(elem, v string, min, max int) error {
	if len(v) < min || len(v) > max {
		return fmt.Errorf("%w: %s has %d characters, want %d-%d upper-case letters or digits", ErrInvalid, elem, len(v), min, max)
	}
	for i := 0; i < len(v); i++ {
		if c := v[i]; !(c >= '0' && c <= '9' || c >= 'A' && c <= 'Z') {
			return fmt.Errorf("%w: %s must be upper-case letters or digits", ErrInvalid, elem)
		}
	}
	return nil
}

// digits checks a number made of exactly n or alt digits (alt 0: only n).
// Not variadic: a slice argument would escape into the error and cost an
// allocation on every valid call.
func digits(elem, v string, n, alt int) error {
	for i := 0; i < len(v); i++ {
		if v[i] < '0' || v[i] > '9' {
			return fmt.Errorf("%w: %s must be digits only", ErrInvalid, elem)
		}
	}
	if len(v) == n || len(v) == alt && alt > 0 {
		return nil
	}
	if alt > 0 {
		return fmt.Errorf("%w: %s has %d digits, want %d or %d", ErrInvalid, elem, len(v), n, alt)
	}
	return fmt.Errorf("%w: %s has %d digits, want %d", ErrInvalid, elem, len(v), n)
}

// date requires a set time whose year fits the four digits of CCYYMMDD.
func date(elem string, t time.Time) error {
	if t.IsZero() {
		return fmt.Errorf("%w: %s date is not set", ErrInvalid, elem)
	}
	if y := t.Year(); y < 1000 || y > 9999 {
		return fmt.Errorf("%w: %s year %d is not four digits", ErrInvalid, elem, y)
	}
	return nil
}

// control checks an envelope control number (ISA13, GS06, ST02: at most
// nine digits; zero is refused because receivers use it as "missing").
func control(elem string, n int64) error {
	if n < 1 || n > 999_999_999 {
		return fmt.Errorf("%w: %s control number %d must be 1-999999999", ErrInvalid, elem, n)
	}
	return nil
}

// IssuedNPI reports whether s is an NPI as NPPES issues them: a ValidNPI
// whose first digit is 1 or 2 (individuals and organizations; CMS keeps
// the other first digits unissued). It is for NPIs entered into rss, not
// those read from a partner's file, which ValidNPI judges: any ten digits
// with a good check digit passed as an agency's or a staff member's NPI,
// 0 and 9 first included (an operations black-box pass).
func IssuedNPI(s string) bool {
	return ValidNPI(s) && (s[0] == '1' || s[0] == '2')
}

// ValidNPI reports whether s is a National Provider Identifier: ten digits
// whose last is the Luhn check digit of the other nine prefixed by 80840
// (the ISO card-issuer prefix CMS assigned to US health care).
func ValidNPI(s string) bool {
	if len(s) != 10 {
		return false
	}
	for i := 0; i < 10; i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	sum := 24 // the Luhn contribution of the 80840 prefix
	for i := 8; i >= 0; i-- {
		d := int(s[i] - '0')
		if (8-i)%2 == 0 {
			d *= 2
			if d > 9 {
				d -= 9
			}
		}
		sum += d
	}
	return (sum+int(s[9]-'0'))%10 == 0
}

// chargeCents converts a charge to cents, refusing what a payer would:
// zero or negative amounts and fractions of a cent. It does not allocate,
// which keeps the writer's per-line cost flat.
func chargeCents(elem string, d decimal.Decimal) (int64, error) {
	if d.Sign() <= 0 {
		return 0, fmt.Errorf("%w: %s charge must be greater than zero", ErrInvalid, elem)
	}
	if d.NumDigits() > 18 {
		return 0, fmt.Errorf("%w: %s charge exceeds 99999999.99", ErrInvalid, elem)
	}
	coef, exp := d.CoefficientInt64(), int(d.Exponent())
	for ; exp < -2; exp++ {
		if coef%10 != 0 {
			return 0, fmt.Errorf("%w: %s charge has more than 2 decimals", ErrInvalid, elem)
		}
		coef /= 10
	}
	for ; exp > -2; exp-- {
		if coef > maxCents {
			break
		}
		coef *= 10
	}
	if coef > maxCents {
		return 0, fmt.Errorf("%w: %s charge exceeds 99999999.99", ErrInvalid, elem)
	}
	return coef, nil
}
