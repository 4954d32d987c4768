package registry

import "testing"

// TestPhoneValid: a contact phone is a number one can call, by NANP's
// numbering plan: ten digits, an area code and an exchange each starting
// 2-9, not one digit repeated.
func TestPhoneValid(t *testing.T) {
	for s, want := range map[string]bool{
		"2035550199":   true,
		"8605551234":   true,
		"0035550199":   false, // area code starts with 0
		"1035550199":   false, // area code starts with 1
		"2030550199":   false, // exchange starts with 0
		"2031550199":   false, // exchange starts with 1
		"2222222222":   false,
		"203555019":    false,
		"20355501990":  false,
		"(203)5550199": false,
	} {
		if got := phoneValid(s); got != want {
			t.Errorf("phoneValid(%q) = %v, want %v", s, got, want)
		}
	}
}
