package x12

import "testing"

// FuzzValidNPI holds ValidNPI to a plain Luhn over "80840" + the NPI, and
// Element.Check never panics.
func FuzzValidNPI(f *testing.F) {
	for _, s := range []string{"1234567893", "1234567890", "0000000000", "123456789", "12345678931", "１234567893", "123456789a"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		want := len(s) == 10
		for i := 0; want && i < len(s); i++ {
			want = s[i] >= '0' && s[i] <= '9'
		}
		if want {
			full := "80840" + s
			sum, dbl := 0, false
			for i := len(full) - 1; i >= 0; i-- {
				d := int(full[i] - '0')
				if dbl {
					d *= 2
					if d > 9 {
						d -= 9
					}
				}
				sum += d
				dbl = !dbl
			}
			want = sum%10 == 0
		}
		if got := ValidNPI(s); got != want {
			t.Fatalf("ValidNPI(%q) = %v, Luhn says %v", s, got, want)
		}
		if IssuedNPI(s) && !(s[0] == '1' || s[0] == '2') {
			t.Fatalf("IssuedNPI(%q)", s)
		}
		for _, e := range []Element{PersonLastName, PersonFirstName, AddressLine, City, State, PostalCode, MemberID, ClaimNumber} {
			err := e.Check(s)
			if err == nil {
				for i := 0; i < len(s); i++ {
					if !IsTextChar(s[i]) {
						t.Fatalf("%s.Check(%q) accepted byte %q", e.ID, s, s[i])
					}
				}
			}
		}
	})
}
