package vouchers

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

// A surname alone names the agency when written as a name is (capital
// first, or in capitals), not as the word it may also be, and a given
// name alone does not (an authorization-lifecycle black-box pass read
// "Mr Ibrahim" and "Whitfield" to an agency with no consent).
func TestAgencyNamedByASurname(t *testing.T) {
	o := agencyWords{ID: 2, Code: "BCS", Words: []string{"Bridgeport Community Supports", "Yusuf Ibrahim", "Ibrahim Yusuf", "Tyler Young", "Young Tyler"},
		Surnames: []string{"Ibrahim", "Young", "de la Cruz", "X"}}
	for text, want := range map[string]bool{
		"Yusuf Ibrahim delivers":        true,
		"Mr Ibrahim":                    true,
		"Y. Ibrahim":                    true,
		"IBRAHIM":                       true,
		"Ibrahim’s plan":                true,
		"ibrahim":                       false, // not as a name is written
		"Ibrahimovic":                   false, // not the whole word
		"Young will call":               true,
		"a young adult":                 false,
		"Ms De la Cruz":                 true,
		"Yusuf":                         false, // a given name alone
		"X marks the spot":              false, // one letter is no surname
		"Tyler":                         false,
		"Denied: overlaps an agreement": false,
	} {
		assert.Equal(t, want, o.names(text), "%q", text)
	}
}
