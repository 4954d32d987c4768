package vouchers

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

// The registry reads two names alike when a form keyed from either could
// be read as the other (a re-check of the name check took each of these).
func TestAgencyNameKeyReadsLookAlikesAlike(t *testing.T) {
	for _, c := range []struct {
		a, b string
		same bool
	}{
		{"Hartford Recovery Alliance", "Hartford Recovery Alliance, L.L.C.", true},
		{"Hartford Recovery Alliance", "The HARTFORD recovery alliance, Inc.", true},
		{"Hartford Recovery Alliance", "HartfordRecoveryAlliance", true},
		{"Smith & Jones Recovery", "Smith and Jones Recovery", true},
		{"HRA", "The HRA", true},
		{"BCS", "BCS Co", true},
		{"PWE", "P W E Inc", true},
		{"NHR", "N.H.-R.", true},
		{"Hartford Recovery Alliance", "Hartford Recovery Services", false},
		{"The Anderson Group", "Anderson Group", true},
		{"Anderson Group", "Son Group", false},
		{"The", "the", true},                        // a name of one word keeps it
		{"Recovery Mexi", "Recovery Mexico", false}, // a corporate form is a word of its own
		{"Hartford Recovery Alliance", "Hartford Recovery Alliance L.P.", true},
		{"Hartford Recovery Alliance", "Hartford Recovery Alliance, P.L.L.C.", true},
		{"HRA", "H-R-A", true},
		{"T31", "T-31", true},
	} {
		assert.Equal(t, c.same, AgencyNameKey(c.a) == AgencyNameKey(c.b), "%q / %q: %q %q", c.a, c.b, AgencyNameKey(c.a), AgencyNameKey(c.b))
	}
	assert.Equal(t, "the", AgencyNameKey("The"))
	assert.False(t, NamesAgency("-", "--", "Dashes"), "no letter or digit names no one")
	assert.Contains(t, CodeReadings("HRAINC"), "hra")
}

// A reference name's key reads an ampersand as "and", and keeps a word
// apart from its absence: "Certified Alcohol & Drug Counselor" was taken
// beside "Certified Alcohol and Drug Counselor" (an operations black-box
// pass).
func TestNameKeyReadsAnAmpersandAsAnd(t *testing.T) {
	assert.Equal(t, NameKey("Certified Alcohol and Drug Counselor"), NameKey("Certified Alcohol & Drug Counselor"))
	assert.Equal(t, NameKey("Peer and Recovery"), NameKey("Peer&Recovery"))
	assert.Equal(t, NameKey("Rest & Care"), NameKey("Rest \uff06 Care"), "a full-width ampersand")
	assert.NotEqual(t, NameKey("Peer Recovery"), NameKey("Peer & Recovery"))
	assert.Equal(t, NameKey("Pe\u00e9r Recovery"), NameKey("PEER recovery"), "accents and case aside, as before")
}
