package registry

import (
	"regexp"
	"strings"
	"testing"

	"rss"
)

var (
	nineDigits = regexp.MustCompile(`^[0-9]{9}$`)
	tenDigits  = regexp.MustCompile(`^[0-9]{10}$`)
)

// FuzzIdentityChecks: the tax id, phone and amount checks never panic, take
// only nine digits with an assigned prefix, ten digits of a plausible North
// American number, and an amount accepted fits NUMERIC(12,2) to the cent.
func FuzzIdentityChecks(f *testing.F) {
	for _, s := range []string{"066041712", "000000000", "07", "0", "", "12345678", "1234567890", "０66041712", "0000000000", "2035550199", "9999999999.99", "10000000000.00", "0.001", "-1"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if taxIDValid(s) {
			if !nineDigits.MatchString(s) {
				t.Fatalf("taxIDValid(%q)", s)
			}
			for _, p := range unassignedEINPrefixes {
				if s[:2] == p {
					t.Fatalf("taxIDValid(%q) with unassigned prefix", s)
				}
			}
		}
		if len(s) > 64 {
			return
		}
		if m, err := rss.ParseMoney(s); err == nil && validAmount(m) {
			back, err := rss.ParseAmount(m.String())
			if err != nil || !back.Equal(m.Decimal) {
				t.Fatalf("validAmount(%q) but it does not go on the wire: %q %v", s, m.String(), err)
			}
		}
		if phoneValid(s) && (!tenDigits.MatchString(s) || s[0] < '2' || s[3] < '2' || strings.Count(s, s[:1]) == len(s)) {
			t.Fatalf("phoneValid(%q)", s)
		}
		for _, re := range []*regexp.Regexp{providerCodeFormat, phoneFormat, emailFormat, programCodeFormat, serviceCodeFormat} {
			_ = re.MatchString(s)
		}
	})
}
