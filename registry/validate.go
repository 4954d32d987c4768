package registry

import (
	"math"
	"regexp"
	"slices"
	"strings"

	"github.com/shopspring/decimal"

	"rss"
	"rss/pg"
)

// The formats the schema holds, checked first so a caller gets every field
// error at once (the named constraints stay the last word).
var (
	providerCodeFormat = regexp.MustCompile(`^[A-Z0-9-]{2,20}$`)
	taxIDFormat        = regexp.MustCompile(`^[0-9]{9}$`)
	phoneFormat        = regexp.MustCompile(`^[0-9]{10}$`)
	emailFormat        = regexp.MustCompile(`^[^@\s]+@[^@\s]+\.[^@\s]+$`)
	programCodeFormat  = regexp.MustCompile(`^[A-Z][A-Z0-9]{1,9}$`)
	serviceCodeFormat  = regexp.MustCompile(`^[A-Z][A-Z0-9]*-[A-Z0-9]+$`)
	areaCodeFormat     = regexp.MustCompile(`^[a-z][a-z_]*$`)
	procedureFormat    = regexp.MustCompile(`^[A-Z0-9]{5}$`)
)

// maxNamedCode bounds a service's and a catchment area's code to what every
// request naming one takes (a voucher request's service, a client's area:
// 40): an area of 41 characters was created and could hold no client, one
// of 300 could not be read or renamed by its path (a new-user black-box
// pass).
const maxNamedCode = 40

// checkNamedCode adds code's error: its format, then its length.
func checkNamedCode(v *rss.ValidationError, code string, format *regexp.Regexp, formatMsg string) {
	switch {
	case len(code) > maxNamedCode:
		v.Add("code", "too_long", "code must be at most %d characters", maxNamedCode)
	case !format.MatchString(code):
		v.Add("code", "invalid_format", "%s", formatMsg)
	}
}

// The identity an 837P carries for the agency is a real one: a state or
// territory USPS knows, a ZIP code other than 00000 (x12.StateCode,
// x12.ZIPCode), an EIN with a prefix the IRS assigns (a black-box pass
// registered ZZ, 00000 and 000000000).
var unassignedEINPrefixes = strings.Fields(`00 07 08 09 17 18 19 28 29 49 69 70 78 79 89 96 97`) // prefixes the IRS does not use

func taxIDValid(s string) bool {
	return taxIDFormat.MatchString(s) && !slices.Contains(unassignedEINPrefixes, s[:2])
}

// phoneValid takes a contact phone one can call: ten digits of a North
// American number, its area code and its exchange not starting with 0 or
// 1 (NANP assigns none such: 203-055-0199 reaches no one, and was taken
// until a re-check of the thirty-sixth stop), and not one digit repeated.
// 0000000000 was taken while the NPI, the EIN's prefix and a ZIP of 00000
// were refused (a new-user black-box pass).
func phoneValid(s string) bool {
	return phoneFormat.MatchString(s) && s[0] >= '2' && s[3] >= '2' && strings.Count(s, s[:1]) < len(s)
}

const maxInt = math.MaxInt32

var maxAmount = decimal.RequireFromString("9999999999.99")

func blank(s string) bool { return rss.Blank(s) }

// validAmount reports whether m is a positive amount the NUMERIC(12,2)
// columns hold exactly.
func validAmount(m rss.Money) bool {
	return m.IsPositive() && !m.GreaterThan(maxAmount) && m.Equal(m.Round(2))
}

// constraintError turns a check or exclusion violation into a field error
// naming the rule, and a foreign key violation into an unknown id.
func constraintError(err error) error {
	pe, ok := pg.PgError(err)
	if !ok {
		return err
	}
	switch string(pe.Code) {
	case pg.CodeCheckViolation:
		return rss.Invalid(pe.Constraint, "constraint_violation", "the change breaks rule %s", pe.Constraint)
	case pg.CodeForeignKeyViolation:
		return rss.Invalid(pe.Constraint, "unknown_id", "a code named does not exist (%s)", pe.Constraint)
	}
	return err
}

// dateWithin refuses a date more than past years before today or future
// years after it: such a date is a typo that would outlive its writer.
func dateWithin(v *rss.ValidationError, field string, d, today rss.Date, past, future int) {
	if d.Before(rss.NewDate(today.AddDate(-past, 0, 0))) {
		v.Add(field, "out_of_range", "%s cannot be more than %d years before today", field, past)
	} else if d.After(rss.NewDate(today.AddDate(future, 0, 0))) {
		v.Add(field, "out_of_range", "%s cannot be more than %d years after today", field, future)
	}
}
