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

// The guard reads other ways of naming an agency a black-box pass got
// through: its name less its first word written as a name is, its middle
// words cut short, its ZIP+4, an authorization number without its zeros.
// Ordinary words are not refused: the same words in lower case, a
// five-digit ZIP, a number after other letters.
func TestNamesPartsOfAnAgencysName(t *testing.T) {
	t.Parallel()
	o := agencyWords{ID: 2, Code: "BCS", Name: "Bridgeport Community Supports", City: "Bridgeport", Words: []string{"Bridgeport Community Supports"},
		Numbers: []string{"066041712", "PA00000005"}, AuthNumbers: []string{"PA00000005"},
		Own: []string{"Hartford Recovery Alliance", "ATR Case Management"}}
	for _, text := range []string{
		"Duplicate: transport already held by Community Supports for these dates.",
		"Held by COMMUNITY SUPPORTS.",
		"Held by the agency in ZIP 06604-1712 already.",
		"Transport already on PA 5 for these dates.",
		"Transport already on pa5.",
		"Bridgeport Comm. Supports holds this.",
		"bridgeport comm supports holds this",
		// The first word and the rest's initials, or a middle word cut to
		// its initial (a reviewer black-box pass).
		"Already served by Bridgeport CS.",
		"Bridgeport C.S. holds these days",
		"Bridgeport C S holds these days",
		"Held by Bridgeport C. Supports.",
		// Run together, the initials run into the last word, or every
		// word after the first cut short (a re-check).
		"BridgeportCS holds these days",
		"Held by BCSupports.",
		"Held by BCSSupports.",
		"Bridgeport Comm. Supp. holds these days",
		// The initials before the last word whole, the first word's
		// possessive (a review).
		"BC Supports holds it.",
		"Held by B.C. Supports.",
		"B C Supports has it",
		"Bridgeport's CS holds it.",
		// Its first and last words with their capitals, its initials run
		// together with dots (a re-check).
		"Bridgeport Supports holds these days.",
		"Held by BridgeportC.S. already.",
		"The Bridgeport nonprofit already serves this client.",
	} {
		assert.True(t, o.names(text), "%q", text)
	}
	for _, text := range []string{
		"The client needs community supports at home.",
		"Community and supports are both in the plan.",
		"Lives in ZIP 06604.",
		"Approve 5 units; see the plan 5 pages in.",
		"Bridgeport supports this.",
		"Hartford Recovery Alliance will follow up.",
		"Bridgeport CSS is the school they attend.",
		// A sentence's end between the two is no name (a re-check).
		"Client moved to Bridgeport. CS to confirm schedule.",
	} {
		assert.False(t, o.names(text), "%q", text)
	}
	assert.Equal(t, []string{"enrollments", "authorizations"}, o.quotes("Already on PA 5."))
	assert.Equal(t, []string{"enrollments"}, o.quotes("Community Supports holds it."))
	assert.Nil(t, o.quotes("Nothing of theirs."))
	// Its name's tail is the reader's as well: no mention.
	mine := o
	mine.Own = append(mine.Own, "Norwalk Community Supports")
	assert.False(t, mine.names("Held by Community Supports."))
	// A street most towns have names it with its number only (a client on
	// Main Street was not to be mentioned: a re-check).
	onMain := o
	onMain.Street, onMain.Words = "900 Main Street", append(append([]string{}, o.Words...), "900 Main Street")
	assert.False(t, onMain.names("She moved to Main Street; rides the bus."))
	assert.True(t, onMain.names("Served at 900 Main St."))
	// Its initials are the reader's own name's too: no mention.
	mine.Own = append(o.Own, "Bridgeport Counseling Services")
	assert.False(t, mine.names("Held by Bridgeport CS."))

	// A review of the forms above: a possessive before dotted initials,
	// the plural, its initials or first and last words the reader's own
	// name's too, a common street after a direction, and a street that
	// only begins with a common word.
	assert.True(t, o.names("Bridgeport's C.S. holds it."))
	assert.True(t, o.names("Bridgeport’s C. S. holds these days."))
	assert.True(t, o.names("Two Bridgeport charities already serve him."))
	// Possessives of the forms caught without them (a re-check).
	for _, text := range []string{"Bridgeport C.S.'s staff hold it.", "B.C.S.'s staff hold it.", "Bridgeport's Comm Supports holds it.",
		"Bridgeport's Comm. Supp. holds it.", "Bridgeport's Community S. holds it.", "Bridgeport CS’s staff hold it.",
		"BRIDGEPORT C.S.'S STAFF HOLD IT.", "B.C.S.'S staff hold it.", "B.C.S.’S staff", "Bridgeport C.S.`s staff", "Bridgeport C.S.´s staff",
		"Bridgeport C.S.′s staff"} {
		assert.True(t, o.names(text), "%q", text)
	}
	for _, text := range []string{"The client's plan covers rides.", "Bridgeport's buses run late.", "Her sister's CS class is on Monday."} {
		assert.False(t, o.names(text), "%q", text)
	}
	bristol := o
	bristol.Own = []string{"Bristol Community Supports"}
	assert.False(t, bristol.names("BC Supports will follow up."), "the reader's own initials")
	bristol.Own = []string{"Bridgeport Family Supports"}
	assert.False(t, bristol.names("Bridgeport Supports will follow up."), "the reader's own first and last words")
	rush := agencyWords{ID: 7, Code: "TRC", Name: "The Rushford Center", City: "Meriden", Words: []string{"The Rushford Center"}}
	assert.False(t, rush.names("Meets at the Center on Fridays."))
	assert.False(t, rush.names("Client attends groups at the Center for Family Justice."))
	assert.True(t, rush.names("Held by Rushford Center already."))
	west := agencyWords{ID: 8, Code: "WHR", Name: "West Hartford Recovery", City: "West Hartford", Words: []string{"West Hartford Recovery"}}
	assert.False(t, west.names("Heading west Recovery meetings are on Tuesdays."), "a direction cut to a letter is no name's first word")
	pwe := agencyWords{ID: 5, Code: "PWE", Name: "Pathways Employment", Street: "77 West Main Street", City: "New Britain",
		Words: []string{"Pathways Employment", "77 West Main Street"}}
	assert.False(t, pwe.names("She moved to West Main Street; rides the bus."))
	assert.True(t, pwe.names("Served at 77 West Main St."))
	srp := agencyWords{ID: 9, Code: "SRP", Name: "Stamford Recovery Partners", Street: "20 High Ridge Road", City: "Stamford",
		Words: []string{"Stamford Recovery Partners", "20 High Ridge Road"}}
	assert.True(t, srp.names("Held by the office on High Ridge Rd already."))
}
