package vouchers

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

// An agency code is a mention when no letter or digit touches it, whatever
// the punctuation around it (pasted text brings curly quotes, dashes and
// non-breaking spaces); inside a word it is not.
func TestContainsWord(t *testing.T) {
	for _, s := range []string{"HRA", "Overlaps HRA's voucher", "Overlaps HRA’s voucher", "see “HRA” file", "HRA—open voucher",
		"HRA\u00a0voucher", "«HRA»", "(HRA)", "per HRA."} {
		assert.True(t, containsWord(s, "HRA"), "%q", s)
	}
	for _, s := range []string{"THRASH", "HRAB", "xHRA", "HRA2", "éHRA", "HRAé", ""} {
		assert.False(t, containsWord(s, "HRA"), "%q", s)
	}
	assert.True(t, containsWord("hartford recovery alliance already drives her", "hartford recovery alliance"))
	assert.False(t, containsWord("hopefully", "hope"), "a name inside a word is no mention")
	assert.False(t, containsWord("anything", ""))
}
