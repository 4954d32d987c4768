package vouchers

import (
	"fmt"
	"testing"

	"github.com/stretchr/testify/assert"
)

// A surname alone names the agency when written as a name is (a capital
// first, its letters compared in any case after it), a half of a
// hyphenated one too, not as the word it may also be; a given name alone
// does not, nor a surname that is one of the reader's own names (an
// authorization-lifecycle black-box pass read "Mr Ibrahim" and
// "Whitfield" to an agency with no consent; its re-check, "Ms Garcia",
// "Desouza" and "OBrien" for Garcia-Lopez, DeSouza and O'Brien, and
// notes refused for naming the reader's own Grace, or Case Management).
func TestAgencyNamedByASurname(t *testing.T) {
	o := agencyWords{ID: 2, Code: "BCS", Words: []string{"Bridgeport Community Supports", "Yusuf Ibrahim", "Ibrahim Yusuf"},
		Surnames: []string{"Ibrahim", "Young", "de la Cruz", "X", "Garcia-Lopez", "DeSouza", "O'Brien", "Grace", "Case", "Whitfield"},
		Own:      []string{"Grace Okafor", "Dana Whitfield", "Soo Kim", "Case Management"}}
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
		"Ms Garcia called":              true,
		"Ms Lopez called":               true,
		"Ms Garcia-Lopez called":        true,
		"Ms Desouza called":             true,
		"Ms DESOUZA called":             true,
		"Ms OBrien called":              true,
		"Ms O'Brien called":             true,
		"Yusuf":                         false, // a given name alone
		"X marks the spot":              false, // one letter is no surname
		"Grace Okafor will follow up":   false, // the reader's own
		"Approved for Case Management":  false, // the catalog's words
		"Whitfield will call":           false, // the reader's contact is one
		"Denied: overlaps an agreement": false,
		"Contact y.ibrahim@example.org": true, // an address, in any case (a re-check)
		"Contact yibrahim@example.org":  true,
		"Write to desk@example.org":     false,
		"Write to Young@example.org":    true,
	} {
		assert.Equal(t, want, o.names(text), "%q", text)
	}
}

// An agency named by its id as the API's fields write it, and its
// authorizations for the person by their ids: only "provider 2" was
// matched, and a reviewer copying "source_provider_id: 2" from a trace got
// it through (a black-box pass). Its staff and its requests' reviews by
// their ids too ("assigned_staff_id 1", "see review #33": a reviewer pass).
func TestAgencyNamedByItsIDs(t *testing.T) {
	o := agencyWords{ID: 2, Code: "BCS", Authorizations: []int64{17}, Enrollments: []int64{60}, Clients: []int64{62},
		Requests: []int64{12}, Reviews: []int64{33}, Staff: []int64{5}}
	for text, want := range map[string]bool{
		"assigned_staff_id 5 already drives her":     true,
		"staff #5 at the other site":                 true,
		"staff member 5 asked":                       true,
		"see review #33":                             true,
		"per decision 33":                            true,
		"staff 6 drives her":                         false,
		"staff #05 at the other site":                true, // its digits less leading zeros (a re-check)
		"staff ٥ at the other site":                  true, // Arabic-Indic digits (the last re-check)
		"staff ۵ drives her":                         true, // Extended Arabic-Indic
		"see review ३३":                              true, // Devanagari
		"staff ٦ drives her":                         false,
		"see review 0033":                            true,
		"client 0062 is the same person":             true,
		"see review 34":                              false,
		"5 staff drive her":                          false,
		"enrollments 60 and 61 overlap":              true,
		"client record 62 is the same person":        true,
		"authorizations 17 and 18 cover this":        true,
		"enr 60 holds it":                            true,
		"see request 12, approved for the days":      true,
		"see request 13":                             false,
		"enrollments 10 and 60 overlap":              true,
		"authorizations 5 and 17":                    true,
		"client #10 and #62":                         true,
		"authorization ids 2 and 17":                 true,
		"enrollment ids: 60":                         true,
		"voucher 12":                                 true,
		"VR 12":                                      true,
		"enrollments 10 and 11 overlap":              false,
		"client 10, 30 days, 62 units":               false,
		"enrollment 60 was designated primary first": true,
		"enrollment_id 60 holds the designation":     true,
		"client 62 is the same person":               true,
		"provider no. 2 already serves the client":   true,
		"provider number 2 already serves":           true,
		"providerId 2 already serves the client":     true,
		"auth #17 overlaps":                          true,
		"enrollment 6 is ours":                       false,
		"client 620":                                 false,
		"provider 2 holds it":                        true,
		"provider id 2":                              true,
		"provider_id 2":                              true,
		"source_provider_id: 2":                      true,
		"agency #2":                                  true,
		"authorization #17":                          true,
		"authorization id 17":                        true,
		"provider 21 holds it":                       false,
		"authorization 170":                          false,
		"2 units over 17 days":                       false,
		"the other agency holds 2":                   false,
	} {
		assert.Equal(t, want, o.names(text), "%q", text)
	}
}

// Its care plans, GPRA interviews, consents and claims for the person by
// their ids name the agency too, and quote that kind of its records, which
// the reader's consent must disclose (a claim's, none does): "care plan
// 38", "GPRA interview #14", "consent 44" and "claim #1" got through a
// Part 2 black-box pass with no consent in force.
func TestAgencyRecordsQuotedByTheirIDs(t *testing.T) {
	o := agencyWords{ID: 2, Code: "BCS", CarePlans: []int64{38}, Interviews: []int64{14}, Consents: []int64{44}, Claims: []int64{1}}
	for text, want := range map[string][]string{
		"the other plan (care plan 38, through 2027-03-01) lists it": {"enrollments", "care_plans"},
		"See plan 38.":             {"enrollments", "care_plans"},
		"see GPRA interview #14":   {"enrollments", "gpra_interviews"},
		"interview 14 was late":    {"enrollments", "gpra_interviews"},
		"See consent 44.":          {"enrollments", "consents"},
		"Paid claim #1 already.":   {"enrollments", "claims"},
		"care plan 39 is ours":     nil,
		"1 claim was paid":         nil,
		"consent on file for 44 d": nil,
	} {
		assert.Equal(t, want, o.quotes(text), "%q", text)
	}
}

// Its claims for the person by their numbers (CLM01) too, which the MSC's
// lists show beside their ids: "claim HC9" got through a re-check where
// "claim 25" was refused. A short number is matched after "claim", a long
// one anywhere.
func TestAgencyClaimQuotedByItsNumber(t *testing.T) {
	o := agencyWords{ID: 2, Code: "BCS", ClaimNumbers: []string{"HC9", "ACCT-2026-0042"}}
	for text, want := range map[string][]string{
		"duplicate of claim HC9 at the other agency":      {"enrollments", "claims"},
		"already billed by the other agency as claim hc9": {"enrollments", "claims"},
		"see CLM01 HC9":                    {"enrollments", "claims"},
		"billed on ACCT-2026-0042":         {"enrollments", "claims"},
		"billed on acct20260042 last week": {"enrollments", "claims"},
		"HC9 is a code":                    nil,
		"claim HC90":                       nil,
		"claim 9":                          nil,
		// Punctuation between its letters and digits, and words between
		// "claim" and the number (a re-check).
		"claim HC-9":               {"enrollments", "claims"},
		"claim #HC-9":              {"enrollments", "claims"},
		"claim ID HC9":             {"enrollments", "claims"},
		"claim nr hc 9":            {"enrollments", "claims"},
		"billed on ACCT 2026 0042": {"enrollments", "claims"},
	} {
		assert.Equal(t, want, o.quotes(text), "%q", text)
	}
	// A long number is matched over whole words only: no part of another
	// word or of a run of them (a re-check refused "units 10 approved" for
	// a claim UNITS1).
	o = agencyWords{ID: 2, Code: "BCS", ClaimNumbers: []string{"UNITS1", "B-12"}}
	for text, want := range map[string][]string{
		"units 10 approved":      nil,
		"see units1":             {"enrollments", "claims"},
		"duplicate of claim B12": {"enrollments", "claims"},
		"12 units":               nil,
	} {
		assert.Equal(t, want, o.quotes(text), "%q", text)
	}
}

// Its street without the house number names it too ("Asylum Street" got
// through a reviewer black-box pass), unless the reader is on it as well.
func TestAgencyNamedByItsStreet(t *testing.T) {
	o := agencyWords{ID: 1, Code: "HRA", Street: "45 Asylum Street"}
	for text, want := range map[string]bool{
		"Client also attends the program at Asylum Street": true,
		"the office on Asylum St":                          true,
		"asylum street, second floor":                      true,
		"the street was closed":                            false,
		"Asylum":                                           false,
	} {
		assert.Equal(t, want, o.names(text), "%q", text)
	}
	o.Own = []string{"12 Asylum Street"}
	assert.False(t, o.names("the office on Asylum St"), "the reader's own street")
}

// A name less its last word names the agency within a clause only: "moved
// to Hartford; recovery is going well" was refused for Hartford Recovery
// Alliance (a reviewer black-box pass).
func TestAgencyNameLessItsLastWordWithinAClause(t *testing.T) {
	o := agencyWords{ID: 1, Code: "HRA", Name: "Hartford Recovery Alliance", Street: "45 Asylum Street", City: "Hartford",
		Words: []string{"Hartford Recovery Alliance", "45 Asylum Street"}}
	for text, want := range map[string]bool{
		"Held by Hartford Recovery already.":                    true,
		"hartford recovery holds it":                            true,
		"Served at 45 Asylum, second floor":                     true,
		"The client moved to Hartford; recovery is going well":  false,
		"She moved to Hartford. Recovery coach to confirm":      false,
		"Moved to Hartford, recovery going well":                false,
		"Lives in Hartford (recovery housing waitlist)":         false,
		"Held by Hartford Recovery Alliance; recovery is going": true,
	} {
		assert.Equal(t, want, o.names(text), "%q", text)
	}
}

// A name or street that holds a clause's or a sentence's end itself is
// matched less its last word over the whole text: read clause by clause,
// each of these passed (a review).
func TestNameLessItsLastWordAcrossItsOwnPunctuation(t *testing.T) {
	own := []string{"Hartford Recovery Alliance", "45 Asylum Street", "Grace Okafor", "Case Management"}
	smr := agencyWords{ID: 9, Code: "SMR", Name: "St. Mary's Recovery Center", Street: "200 St. Ronan Street", City: "New Haven",
		Places: []string{"Hartford", "Bridgeport", "New Haven"},
		Words:  []string{"St. Mary's Recovery Center", "200 St. Ronan Street"}, Own: own}
	mlk := agencyWords{ID: 8, Code: "NVR", Name: "Naugatuck Valley Recovery", Street: "1 Dr. Martin Luther King Jr. Blvd",
		City: "Waterbury", Words: []string{"Naugatuck Valley Recovery", "1 Dr. Martin Luther King Jr. Blvd"}, Own: own}
	contact := agencyWords{ID: 4, Code: "VRS", Name: "Valley Recovery Supports", City: "Ansonia",
		Words: []string{"Valley Recovery Supports", "Castillo, Mary A."}, Surnames: []string{"A."}, Own: own}
	for _, tc := range []struct {
		o    agencyWords
		text string
	}{
		{smr, "She goes to St. Mary's Recovery on Tuesdays."},
		{smr, "Drop-off is at 200 St. Ronan, second floor."},
		{mlk, "Rides to 1 Dr. Martin Luther King Jr. each week."},
		{contact, "Call Castillo, Mary to confirm the rides."},
	} {
		assert.True(t, tc.o.names(tc.text), "%q", tc.text)
	}
}

// A word of the agency's name, or its city, said as an agency is ("the
// Hartford agency", "Hartford's team", "a provider in Hartford", "the
// Hartford-based program") names it; the word alone (a city the person
// may live in) and the name's common words ("a recovery program") do not,
// nor a word of the reader's own name (a console black-box pass had "the
// Hartford agency already transports this client" shown to BCS).
func TestAgencyNamedByAWordOfItsNameAsAnAgency(t *testing.T) {
	o := agencyWords{ID: 1, Code: "HRA", Name: "Hartford Recovery Alliance", City: "West Hartford",
		Own: []string{"Bridgeport Community Supports", "Recovery Coaching"}}
	for text, want := range map[string]bool{
		"Denied: the Hartford agency already transports this client": true,
		"HARTFORD AGENCY":                           true,
		"Hartford's team serves them":               true,
		"another provider in Hartford has this":     true,
		"the Hartford-based program":                true,
		"the Alliance staff will call":              true,
		"the agency from West Hartford":             true,
		"client moved to Hartford last month":       false,
		"a recovery program elsewhere":              false,
		"the recovery agency":                       false, // a common word, and the reader's own
		"another agency already provides this":      false,
		"Hartford":                                  false,
		"transport to the Hartford clinic of DMHAS": false, // a clinic is as often the person's (a re-check)
		// A Part 2 pass and a re-check: an agency word a few words off.
		"Other agency is in Hartford.":                      true,
		"The agency is based in Hartford.":                  true,
		"Another provider, located in Hartford, holds it.":  true,
		"Confirmed with Hartford's community supports team": true,
		"the other provider (Hartford)":                     true,
		"the Hartford authorization":                        true,
		// rss's own words for the records (a clients black-box pass).
		"Duplicate of the Hartford voucher": true,
		"Duplicate of the Hartford PA":      true,
		"Duplicate of the Hartford P.A.":    true,
		"the Hartford P A overlaps":         true,
		"lives in Hartford, PA":             false,
		// One word between, and the plurals said as the agency's (a
		// re-check and a review).
		"Hartford's current PA overlaps":          true,
		"the Hartford ATR voucher":                true,
		"per the Hartford pending request":        true,
		"the Hartford claims were paid":           true,
		"Hartford's claims were paid":             true,
		"overlaps the Hartford requests":          true,
		"moved to Hartford and voucher approved":  false,
		"client from Hartford now requests rides": false,
		// Brackets, line breaks, two words between, a verb between (a
		// third re-check).
		"Hartford (PA) overlaps":                                        true,
		"Hartford's current authorization overlaps":                     true,
		"Hartford's ATR authorization":                                  true,
		"Hartford's ATR-TR voucher overlaps":                            true,
		"Client lives in Hartford\n\nVoucher denied: rides are covered": false,
		"Client in Hartford needs voucher for rides":                    false,
		"Travel to Hartford requires PA extension":                      false,
		"Hartford Hospital request approved":                            false,
		// A line wrapped is no break; a blank line, a spaced dash and an
		// ellipsis are; "her" is the client's (a fourth re-check).
		"Denied: the dates overlap the existing Hartford\nvoucher for this client": true,
		"the current Hartford\r\nPA overlaps":                                      true,
		"Hartford's\rvoucher":                                                      true,
		"Client lives in Hartford\r\n\r\nVoucher denied: rides are covered":        false,
		"Lives in Hartford - voucher denied":                                       false,
		"Lives in Hartford \u2014 voucher denied":                                  false,
		"Moved to Hartford... voucher denied":                                      false,
		"Her Hartford housing voucher was renewed":                                 false,
		"The Hartford clinic requests a ride plan":                                 false,
		"the Hartford request overlaps":                                            true,
		"Hartford's enrollment ends Friday":                                        true,
		"the Hartford claim was paid":                                              true,
		"a voucher for rides to Hartford":                                          false,
		"requests rides to Hartford":                                               false,
		// Within a clause, and not the plurals that are verbs too (a
		// review of the change).
		"Client living in Hartford requests two more rides":      false,
		"Member from Hartford claims the van never came":         false,
		"Moved to Hartford. Request approved for four trips":     false,
		"Lives in Hartford; enrollment in SNAP is pending":       false,
		"Relocated to Hartford. Voucher for bus passes approved": false,
		"Seen at the clinic in Hartford. PA on file covers it":   false,
		"the team out of Hartford":                               true,
		"the Hartford center":                                    true,
		"the Alliance already transports this client":            true,
		// A place the person goes is no agency.
		"staff at Hartford Hospital said discharge is Friday": false,
		"client attends a day program in Hartford":            false,
		"an AA group in Hartford":                             false,
		"an alliance of families":                             false,
		// A re-check: everyday notes refused by a wider rule.
		"the authorization covers trips to Hartford":            false,
		"provider to confirm the Hartford Hospital appointment": false,
		"the Hartford area has few buses":                       false,
		"needs rides to the Hartford clinic for methadone":      false,
		"the Hartford office of DCF requested this":             false,
		"another agency, one that is based in Hartford":         true,
		"see the other provider's Hartford-area office":         true,
	} {
		assert.Equal(t, want, o.names(text), "%q", text)
	}
	o.Own = append(o.Own, "Hartford Community Supports")
	assert.False(t, o.names("the Hartford agency"), "a word of the reader's own name names the reader as well")
}

// Another agency's authorization number is matched with any of its leading
// zeros, its letters dotted or apart, its digits grouped ("PA 0000005" and
// "P.A. 5" got through a Part 2 black-box pass where "PA 5" was refused);
// another number, or the digits alone, is not it.
func TestAgencyAuthorizationNumberHoweverWritten(t *testing.T) {
	o := agencyWords{ID: 2, Code: "BCS", AuthNumbers: []string{"PA00000005"}}
	for text, want := range map[string]bool{
		"Other PA 0000005 overlaps.": true,
		"Other PA 000005 overlaps.":  true,
		"Other P.A. 5 overlaps.":     true,
		"Other P A 5 overlaps.":      true,
		"pa00000005":                 true,
		"PA-00-000-005 again":        true,
		"PA 5":                       true,
		"PA5, see it":                true,
		"PA 50 overlaps":             false,
		"PA 15 overlaps":             false,
		"5 trips left":               false,
		"PA 6":                       false,
		"the PA team":                false,
		"see PA no. 5":               true, // a re-check
		"PA number 5":                true,
		"PA nr 5":                    true,
		"auth PA No.0005":            true,
		"PA no. 6":                   false,
	} {
		assert.Equal(t, want, o.names(text), "%q", text)
	}
}

// A program of the agency's stays of the person that the reader does not
// deliver, by code or name, says the person is served elsewhere ("attends
// RSVP drug screens elsewhere" got through a Part 2 black-box pass); the
// programs are read only where the reader delivers none of them.
func TestAgencyNamedByAProgramTheReaderDoesNotDeliver(t *testing.T) {
	o := agencyWords{ID: 2, Code: "BCS", Programs: []string{"RSVP", "Recovery Specialist Voluntary Program"}}
	for text, want := range map[string]bool{
		"Client also attends RSVP drug screens elsewhere; coordinate.":      true,
		"Already receiving recovery specialist voluntary program services.": true,
		"rsvp by Friday":                  true, // the word, refused and reworded
		"attends R.S.V.P. drug screens":   true, // dotted (a re-check)
		"a recovery specialist will call": false,
		"ATR case management continues":   false,
	} {
		assert.Equal(t, want, o.names(text), "%q", text)
	}
}

// A staff member's given name names the agency after a role word or before
// the surname's initial, not alone nor when a staff member of the reader's
// has it too; a look-alike letter (a small capital, Cyrillic, Greek) is the
// Latin one; and "another provider" says the person is served elsewhere
// though it names no one. Each got through a reviewer black-box pass.
func TestAgencyNamedByAGivenNameOrALookalike(t *testing.T) {
	o := agencyWords{ID: 1, Code: "HRA", Words: []string{"Hartford Recovery Alliance", "Erik Lindqvist"},
		GivenNames: []string{"Erik L", "Grace O", "Soo K"}, Own: []string{"Soo Kim", "Grace Ahn"}}
	for text, want := range map[string]bool{
		"Erik L. already does tests":       true,
		"erik l will call":                 true,
		"case manager Grace already tests": false, // the reader has a Grace too
		"specialist Erik covers it":        true,
		"Erik":                             false, // a given name alone is everyone's
		"Erik Larsen at the county":        false,
		"HʀA does it":                      true,  // U+0280, a small capital
		"НRA does it":                      true,  // Cyrillic En
		"ΗRA":                              true,  // Greek Eta
		"Soo K. will call":                 false, // the reader's own
		"the hra":                          true,
		"a hare":                           false,
	} {
		assert.Equal(t, want, o.names(text), "%q", text)
	}
	// The given name of one who serves the person is matched alone: "ask
	// Yusuf" reached the agency where "Ibrahim" was refused (a lifecycle
	// black-box pass); another staff member's given name alone is still
	// everyone's, and the reader's own names none.
	serving := agencyWords{ID: 2, Code: "BCS", Words: []string{"Bridgeport Community Supports", "Yusuf Ibrahim", "Amara Osei"},
		GivenNames: []string{"Yusuf I", "Amara O", "Grace W"}, GivenIDs: []int64{23, 24, 25}, Staff: []int64{23, 25},
		Own: []string{"Grace Okafor"}}
	for text, want := range map[string]bool{
		"ask Yusuf":          true,
		"Yusuf will call":    true,
		"ask yusuf":          false, // in lower case a given name is a word ("will", "hope")
		"ask Amara":          false, // not on the person's records
		"Grace will call":    false, // the reader's own Grace
		"Yusufzai Road":      false,
		"case manager Amara": true, // after a role word, as before
		"no one named here":  false,
	} {
		assert.Equal(t, want, serving.names(text), "%q", text)
	}
	for text, want := range map[string]bool{
		"another provider already holds trips for these dates":       true,
		"duplicate of another agency voucher":                        true,
		"other agencies serve the area":                              true,
		"a different treatment organization":                         true,
		"an outside vendor's report":                                 true,
		"anotherprovider holds it":                                   true,
		"another\u200bprovider holds it":                             true,
		"a\u200bdifferent\u200borganization":                         true,
		"asecondprovider":                                            true,
		"theotheragency holds it":                                    true,
		"the\u200bother agency":                                      true,
		"anoutsideagency":                                            true,
		"thebrothers called":                                         false,
		"another request covers these days":                          false,
		"the provider must resubmit":                                 false,
		"other services are not affected":                            false,
		"Transport is already authorized elsewhere for these dates.": true,
		"authorized somewhere else":                                  true,
		"Coordinate with the primary case manager's agency.":         true,
		"the primary case manager will call":                         false,
		"the provider's staff manager must sign":                     false,
		"Coordinate with the agency of her primary case manager.":    true,
		"Authorized some place else for these dates.":                true,
		// A person's own (a review found each refused).
		"Pend: send a referral from her primary care provider.":             false,
		"Ask the primary care provider to sign the medical release.":        false,
		"Her case manager's team must update the care plan first.":          false,
		"The care coordinator team will confirm the dates.":                 false,
		"Units are documented elsewhere in this request; approve as asked.": false,
		"As noted elsewhere in the care plan, transport is weekly.":         false,
		"Please lead the team meeting before resubmitting.":                 false,
		"the primary agency discharged the client":                          false,
		"the lead agency":                                            false,
		"She is served by two agencies.":                             true,
		"Both agencies hold vouchers for her.":                       true,
		"multiple providers bill for these dates":                    true,
		"She is co-enrolled in ATR.":                                 true,
		"Assign another case manager at your agency.":                false,
		"the care coordinator at your organization will call":        false,
		"two team members will visit":                                false,
		"Client is authorized elsewhere in Hartford for these trips": true,
		"covered elsewhere on another voucher":                       true,
		"served elsewhere, in Bridgeport":                            true,
		"both of the agencies hold vouchers":                         true,
		"Coordinate with the case manager's own agency.":             true,
		"her CM's home agency holds the trips":                       true,
		"the agency of her assigned case manager holds the trips":    true,
		"the organization of the client's care coordinator":          true,
		"She is already authorized elsewhere in this county.":        true,
		"Trips are covered elsewhere in this state for these dates.": true,
		"served elsewhere in these towns":                            true,
		"She is served by 2 agencies.":                               true,
		"served by more than one agency":                             true,
		"elsewhere in this request":                                  false,
		"see elsewhere in the care plan":                             false,
		"Coordinate with the CM's agency.":                           true,
		"Two units a day; both dates are fine.":                      false,
		"The case manager will call her.":                            false,
	} {
		assert.Equal(t, want, mentionsAnotherAgency(text), "%q", text)
	}
}

// Folded once for all the agencies (showTexts), an agency's names and the
// reader's read a text as they do folded at each reading.
func TestFoldedReadingsAgree(t *testing.T) {
	t.Parallel()
	own := []string{"Hartford Recovery Alliance", "45 Asylum Street", "Grace Okafor", "Dana Whitfield", "Case Management"}
	o := agencyWords{ID: 2, Code: "BCS", Name: "Bridgeport Community Supports", Street: "900 Main Street", City: "Bridgeport",
		Words:    []string{"Bridgeport Community Supports", "900 Main Street", "Yusuf Ibrahim", "Ibrahim Yusuf"},
		Surnames: []string{"Ibrahim", "Whitfield"}, GivenNames: []string{"Yusuf I"}, Numbers: []string{"066041712", "PA00000005"},
		AuthNumbers: []string{"PA00000005"}, Authorizations: []int64{17}, ClaimNumbers: []string{"HC9"}, Own: own}
	folded := o
	folded.fold(foldOwn(own))
	for _, text := range []string{
		"Held by Bridgeport C.S. already.", "Bridgeport's CS holds it.", "Already on PA 5.", "claim HC-9 paid",
		"Mr Ibrahim will call", "Contact y.ibrahim@example.org", "case manager Yusuf", "Served at 900 Main St.",
		"Whitfield will call", "The client needs community supports at home.", "authorization 17", "BridgeportCommunitySupports",
		"Grace Okafor will follow up. RA to confirm", "",
	} {
		assert.Equal(t, o.quotes(text), folded.quotesRead(readText(text)), "%q", text)
	}
	assert.NotNil(t, o.quotes("Held by Bridgeport C.S. already."), "the table holds texts that name the agency")
}

// BenchmarkMarksQuote reads one text on another agency's record against a
// thousand agencies' marks of twenty staff each, as showTexts does for
// each MSC text: the reader's names and each agency's words folded once,
// the text once (folded for each agency, a read of ten texts took 2 s).
func BenchmarkMarksQuote(b *testing.B) {
	own := []string{"Hartford Recovery Alliance", "45 Asylum Street", "Grace Okafor", "Peer Recovery Coaching", "Recovery Housing", "Transportation"}
	for i := 0; i < 40; i++ {
		own = append(own, fmt.Sprintf("Staffer%d Person%d", i, i))
	}
	places := []string{"Hartford", "Bridgeport", "New Haven", "Waterbury", "Norwich"}
	var marks []agencyWords
	of := foldOwn(own)
	for i := 0; i < 1000; i++ {
		a := agencyWords{ID: int64(100 + i), Code: fmt.Sprintf("Q%03d", i), Name: fmt.Sprintf("Agency%d Recovery Services", i), Street: fmt.Sprintf("%d Elm%d Street", i, i), City: "Townville", Places: places, Own: own, ownFolded: of}
		a.Words = []string{a.Name, a.Street, "Contact Person", "c@x.org"}
		for s := 0; s < 20; s++ {
			a.Words = append(a.Words, fmt.Sprintf("Given%d Family%d", s, i*20+s), fmt.Sprintf("Family%d Given%d", i*20+s, s))
		}
		a.Numbers = []string{fmt.Sprintf("%010d", 1000000000+i), fmt.Sprintf("%09d", 100000000+i), "8605551234"}
		a.fold(of)
		marks = append(marks, a)
	}
	text := "Reassigned after the client moved; the case manager at your agency confirmed the new plan on 2026-11-03 and units were adjusted."
	read := readText(text)
	b.ResetTimer()
	for b.Loop() {
		for t := 0; t < 10; t++ {
			for _, m := range marks {
				if m.quotesRead(read) != nil {
					b.Fatal("named")
				}
			}
		}
	}
}
