package vouchers

import (
	"context"
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"
	"golang.org/x/text/unicode/norm"

	"rss"
	"rss/access"
	"rss/adjudication"
	"rss/pg"
)

// CheckMSCText refuses text an MSC user writes that the agency
// reader will read word for word (a reviewer's note on a voucher request,
// the reason an authorization was voided or reactivated) when it names
// another agency that keeps a record of the client's person and holds no
// current consent naming the reader: 42 CFR Part 2 lets nothing tell the
// reader the person is known elsewhere. What names an agency is
// agencyWords.names. A consent revoked or expired after the text was
// written stops its showing then (showTexts).
// Exported for the domains that keep records an admin writes on too
// (outcomes: a withdrawal's reason), run in their transaction tx.
func (s *Service) CheckMSCText(ctx context.Context, tx *sqlx.Tx, clientID, reader int64, field, text string) error {
	if strings.TrimSpace(text) == "" {
		return nil
	}
	var personID int64
	if err := tx.GetContext(ctx, &personID, `SELECT person_id FROM clients WHERE id = $1`, clientID); err != nil {
		return fmt.Errorf("client person: %w", err)
	}
	others, err := otherAgencies(ctx, tx, personID, reader, reader)
	if err != nil || len(others) == 0 {
		return err
	}
	foldAgencies(others, foldOwn(others[0].Own)) // the same own names on every row
	read := readText(text)
	// The agency reads it for treatment, its reads' purpose unless it says another.
	consenting, err := consentingAgencies(ctx, tx, personID, reader, s.Today(), access.DefaultPurpose(access.RoleProvider))
	if err != nil {
		return err
	}
	// A text naming an agency says the person is served there (what its
	// enrollments disclose), and one quoting its authorization quotes that
	// too (quotes): each kind must be open to the reader.
	// "Another provider holds trips for these dates" names no agency and
	// still tells the reader the person is served elsewhere: refused where
	// an agency keeps a record of the person that no consent discloses to
	// the reader (a reviewer black-box pass; where none does, the words
	// say nothing of the person).
	if mentionsAnotherAgency(text) && slices.ContainsFunc(others, func(o agencyWords) bool {
		return !slices.Contains(consenting[o.ID], adjudication.RecordsEnrollments)
	}) {
		return rss.Invalid(field, "names_another_agency",
			"the "+field+" says another agency serves this person, which the agency may not learn without a consent naming it "+
				"(42 CFR Part 2); the agency reads it word for word: say what it must do, not who else serves the person")
	}
	for _, o := range others {
		// Every kind it quotes that no consent discloses is named, so the
		// reviewer sees what to reword ("its enrollments" alone said
		// nothing of the claim number that matched: a re-check).
		var hidden []string
		for _, k := range o.quotesRead(read) {
			if !slices.Contains(consenting[o.ID], k) {
				hidden = append(hidden, k)
			}
		}
		if len(hidden) > 0 {
			return rss.Invalid(field, "names_another_agency",
				"the "+field+" names another agency's records of this person (provider %d, its %s), which the agency may not "+
					"see without a consent naming it and disclosing them (42 CFR Part 2); the agency reads it word for word",
				o.ID, strings.Join(hidden, ", "))
		}
	}
	return nil
}

// ShowMSCTexts prepares MSC-written texts about the client, kept by
// another domain (outcomes: an admin's withdrawal reason), for the actor
// of ctx to read today (showTexts), in that domain's transaction tx: a
// text naming an agency whose consent is no longer in force is withheld
// in place, and the disclosures of those read under a consent are
// returned for the caller to record with its read.
func (s *Service) ShowMSCTexts(ctx context.Context, tx *sqlx.Tx, clientID int64, entity, entityID string,
	texts ...*string) ([]access.Event, error) {
	a, err := access.ActorFrom(ctx)
	if err != nil {
		return nil, err
	}
	return showTexts(ctx, tx, a, clientID, s.Today(), entity, entityID, texts...)
}

// mentionsAnotherAgency reports whether text speaks of another agency
// without naming it: "another provider", "other agencies", "a different
// organization", "an outside vendor's"; or says the person is served
// somewhere the reader is not: "authorized elsewhere", "somewhere else",
// "the primary case manager's agency" (the first two and the third got
// through a console pass).
func mentionsAnotherAgency(text string) bool {
	toks := strings.Fields(short(plain(text, true)))
	for i, t := range toks {
		next := func(k int) string {
			if i+k < len(toks) {
				return toks[i+k]
			}
			return ""
		}
		// "Elsewhere in this request" points within the text, and says
		// nothing of the person (a review found it refused); "elsewhere in
		// Hartford", "elsewhere on another voucher" say where (a re-check).
		if t == "elsewhere" && !(next(1) == "above" || next(1) == "below" ||
			(next(1) == "in" || next(1) == "on") && (next(2) == "this" || next(2) == "these" || next(2) == "the") && inTheText[next(3)]) {
			return true
		}
		// ("place" reads "pl" here, short's street word.)
		if (t == "somewhere" || t == "someplace") && next(1) == "else" || t == "some" && (next(1) == "place" || next(1) == "pl") && next(2) == "else" {
			return true
		}
		if t == "more" && next(1) == "than" && next(2) == "one" && agencyNouns[next(3)] {
			return true
		}
		// More than one agency: "served by two agencies", "both agencies
		// hold vouchers", "multiple providers", "co-enrolled" (a re-check).
		many := manyWords[t] || t != "1" && t != "0" && strings.Trim(t, "0123456789") == ""
		if many && (manyAgencyNouns[next(1)] || manyAgencyNouns[next(2)] || manyAgencyNouns[next(3)]) || t == "coenrolled" ||
			t == "co" && next(1) == "enrolled" ||
			t == "dually" && next(1) == "enrolled" {
			return true
		}
		// "the primary case manager's agency", "the agency of her primary
		// case manager": not "primary care provider" or "the case
		// manager's team", which are the person's own (a review).
		// The possessive or the word before: "the case manager at your
		// agency" is the reader's (a re-check found it refused).
		possessed := func(k int) bool { return i > k && toks[i-k] == "s" && heldByWords[toks[i-k-1]] }
		if heldAgencyNouns[t] && (i > 0 && heldByWords[toks[i-1]] || possessed(1) || possessed(2) ||
			next(1) == "of" && slices.ContainsFunc(toks[min(i+2, len(toks)):min(i+7, len(toks))], func(w string) bool { return heldByWords[w] })) {
			return true
		}
		// Run together ("anotherprovider", "theotheragency", or split by
		// zero-width spaces, which folding drops, the article joined on
		// too: two re-checks).
		for _, a := range []string{"", "a", "an", "the"} {
			rest, ok := strings.CutPrefix(t, a)
			if !ok {
				continue
			}
			for w := range otherWords {
				noun, ok := strings.CutPrefix(rest, w)
				if !ok {
					continue
				}
				if noun == "" && a != "" {
					t = w // "theother agency": the article joined on
				}
				if noun != "" && (agencyNouns[noun] || agencyNouns[strings.TrimSuffix(noun, "s")]) {
					return true
				}
			}
		}
		if !otherWords[t] {
			continue
		}
		for j := i + 1; j < len(toks) && j <= i+2; j++ {
			if agencyNouns[strings.TrimSuffix(toks[j], "s")] || agencyNouns[toks[j]] {
				return true
			}
		}
	}
	return false
}

// heldByWords beside an agency word say whose agency it is, another's
// to the reader ("the primary case manager's agency"; not "the primary
// agency" or "the lead agency", which a designation's reason says of the
// reader itself, and its tests did),
// heldAgencyNouns being the agency words that take them (a provider and a
// team are a person's own: "primary care provider", "her case manager's
// team"), and inTheText the words after "elsewhere" that point within
// the text.
var (
	heldByWords = map[string]bool{"cm": true, "cms": true, "manager": true, "managers": true, "coordinator": true,
		"coordinators": true, "coordinating": true}
	heldAgencyNouns = map[string]bool{"agency": true, "agencies": true, "organization": true, "organisation": true, "org": true,
		"vendor": true, "nonprofit": true, "nonprofits": true, "charity": true, "charities": true}
	inTheText = map[string]bool{"request": true, "note": true, "notes": true, "plan": true, "record": true, "file": true,
		"form": true, "trace": true, "care": true, "voucher": true, "claim": true}
	manyAgencyNouns = map[string]bool{"agencies": true, "providers": true, "organizations": true, "organisations": true,
		"vendors": true, "nonprofits": true, "charities": true}
	manyWords = map[string]bool{"two": true, "three": true, "both": true, "multiple": true, "several": true, "many": true}
)

var otherWords = map[string]bool{"another": true, "other": true, "others": true, "different": true, "second": true, "outside": true,
	"external": true, "separate": true}

// withheldText stands, in what a provider reads, for MSC-written text that
// names another agency whose consent naming the provider is no longer in
// force. Every such text is of something decided (a reviewer's note, a
// void's or a reactivation's reason, an admin's withdrawal): read "the
// MSC reviews this", a denied request's note told the agency a review was
// still to come (a black-box pass of the forty-fourth stop).
const withheldText = "withheld: ask the MSC about this"

// showTexts prepares MSC-written texts about the person behind clientID
// (a reviewer's note, an authorization's void or reactivation reasons) for
// provider a to read today. Each was checked, when written, against the
// consents then in force (CheckMSCText); a consent revoked
// or expired since stops the showing at once (SPEC §10), so a text that
// names an agency the reader no longer sees becomes withheldText (a
// black-box pass read a note naming the other agency after its consent
// was revoked), and one that names agencies it sees under their consent is
// a disclosure of their records of the person to the reader, returned to
// be recorded against entity/entityID. Other readers read the texts as
// written.
//
// On the reader's own records only agencies that have consented to the
// reader about the person are read into a text: a text naming another
// passed its write-time check because that agency did not then keep a
// record of the person (it was refused otherwise), so it quotes nothing of
// its records. Withholding it the day that agency registered the person
// told the reader the person was now known there, and which agency the
// text had named (a Part 2 black-box pass). A text on another agency's
// record, read under that agency's consent, was checked for that agency
// alone: one naming a third agency that has not consented to the reader
// is withheld (an admin's reassignment reason on BCS's enrollment named
// ECRA, whose consent named only BCS, and HRA read it under BCS's consent:
// a Part 2 black-box pass). Such a third agency is read by its marks
// (agencyMarks), whether it keeps a record of the person or not, so that
// nothing changes the day it registers or enrolls the person.
func showTexts(ctx context.Context, ext pg.Ext, a access.Actor, clientID int64, today rss.Date, entity, entityID string,
	texts ...*string) ([]access.Event, error) {
	if !a.IsProvider() || !slices.ContainsFunc(texts, func(t *string) bool { return t != nil && strings.TrimSpace(*t) != "" }) {
		return nil, nil
	}
	var record struct {
		PersonID int64 `db:"person_id"`
		Owner    int64 `db:"provider_id"`
	}
	if err := sqlx.GetContext(ctx, ext, &record, `SELECT person_id, provider_id FROM clients WHERE id = $1`, clientID); err != nil {
		return nil, fmt.Errorf("client person: %w", err)
	}
	personID := record.PersonID
	theirs := record.Owner != a.ProviderID
	others, err := otherAgencies(ctx, ext, personID, a.ProviderID, record.Owner)
	if err != nil || len(others) == 0 {
		return nil, err
	}
	own := foldOwn(others[0].Own) // the same names on every row
	foldAgencies(others, own)
	v, err := personView(ctx, ext, a, personID, today)
	if err != nil {
		return nil, err
	}
	// On another agency's record every third agency whose consent in
	// force does not disclose its enrollments to the reader is read by
	// its marks alone (above): one that consented once and revoked is
	// read so too (read by its records, a text turned withheld the day it
	// enrolled the person after the revocation: a re-check).
	inForce := func(id int64) bool { return v.sees(id, adjudication.RecordsEnrollments) }
	var marks []agencyWords
	if theirs {
		if marks, err = agencyMarks(ctx, ext, personID, a.ProviderID, record.Owner, others[0].Own); err != nil {
			return nil, err
		}
		marks = slices.DeleteFunc(marks, func(m agencyWords) bool { return inForce(m.ID) })
		foldAgencies(marks, own)
	}
	var shown []disclosed
	for _, t := range texts {
		if t == nil || strings.TrimSpace(*t) == "" {
			continue
		}
		var named []agencyWords
		read := readText(*t)
		hidden := slices.ContainsFunc(marks, func(m agencyWords) bool { return m.quotesRead(read) != nil })
		for _, o := range others {
			if !o.Consented || theirs && o.ID != record.Owner && !inForce(o.ID) {
				continue // on the reader's own record, see above; on another's, by its marks
			}
			kinds := o.quotesRead(read)
			if kinds != nil {
				named = append(named, o)
			}
			hidden = hidden || slices.ContainsFunc(kinds, func(k string) bool { return !v.sees(o.ID, k) })
		}
		if hidden {
			*t = withheldText
			continue
		}
		for _, o := range named {
			for _, c := range o.Clients {
				if d := (disclosed{entityID, c, o.ID}); !slices.Contains(shown, d) {
					shown = append(shown, d)
				}
			}
		}
	}
	return disclosures(a, entity, shown...), nil
}

// agencyWords is another agency keeping a record of a person, with what
// names it in a text.
type agencyWords struct {
	ID int64 `db:"id"`
	// Consented: a consent of the agency's naming the reader for the
	// person was ever signed (in force, revoked or expired).
	Consented bool   `db:"consented"`
	Code      string `db:"code"`
	Name      string `db:"name"`
	Street    string `db:"street"` // its address's first line
	City      string `db:"city"`
	// Programs are the programs of its enrollments of the person that
	// the reader does not deliver, code and name each: a note saying the
	// person attends one says they are served elsewhere ("attends RSVP
	// drug screens elsewhere" got through a Part 2 black-box pass, only
	// that agency delivering it).
	Programs pq.StringArray `db:"programs"`
	// Places are the catchment areas' names: a word of the agency's name
	// that is a place is no mark of it alone.
	Places  pq.StringArray `db:"places"`
	Words   pq.StringArray `db:"words"`   // compared as whole words, case folded
	Numbers pq.StringArray `db:"numbers"` // compared by their letters and digits
	// AuthNumbers are its authorizations' numbers for the person (among
	// Numbers too): a text quoting one quotes its authorizations.
	AuthNumbers pq.StringArray `db:"auth_numbers"`
	// Surnames are its staff's and its contact's, matched alone as names
	// are written (names).
	Surnames pq.StringArray `db:"surnames"`
	// GivenNames are its staff's, matched after a role word ("case
	// manager Grace") or before an initial ("Erik L."): both got through
	// a reviewer black-box pass, where a given name alone is everyone's.
	GivenNames pq.StringArray `db:"given_names"`
	// GivenIDs are the staff ids of GivenNames, in their order: the given
	// name of one who serves the person (Staff) is matched alone too ("ask
	// Yusuf" reached the agency where "Ibrahim" was refused; in a small
	// agency a first name is the worker: a lifecycle black-box pass).
	GivenIDs pq.Int64Array `db:"given_ids"`
	// Own are the reader's own names, whose words no surname matches on.
	Own pq.StringArray `db:"own"`
	// ownFolded is Own folded once for every agency read for the same
	// texts (foldOwn), and wordsFolded its Words once for all the texts
	// (fold); nil, they are folded at each reading.
	ownFolded   *ownFolds
	wordsFolded []foldedWord
	// marksFolded is nameMarks once for all the texts (fold): two rules
	// read it for each text.
	marksFolded map[string]bool
	Clients     pq.Int64Array `db:"clients"` // its records of the person
	// Authorizations are the ids of its authorizations for the person,
	// named as "authorization 12" (their numbers are among Numbers), and
	// Enrollments its stays' ids.
	Authorizations pq.Int64Array `db:"authorizations"`
	Enrollments    pq.Int64Array `db:"enrollments"`
	Requests       pq.Int64Array `db:"requests"` // its voucher requests for the person
	// Reviews are the reviewer's decisions on those requests, and Staff
	// the ids of its staff on its records of the person (assigned to a
	// stay, named on a request or rendering a claim): "see review #33",
	// "assigned_staff_id 1" got through a reviewer black-box pass where
	// "provider 1" was refused. Not every staff member's: "staff 21 hours
	// late" was refused for a staff id serving no one of the person (a
	// re-check).
	Reviews pq.Int64Array `db:"reviews"`
	Staff   pq.Int64Array `db:"staff"`
	// Its care plans, GPRA interviews, consents and claims for the
	// person, named by their ids too ("care plan 33", "GPRA interview
	// #14", "consent 44", "claim #1" got through a Part 2 black-box pass).
	CarePlans  pq.Int64Array `db:"care_plans"`
	Interviews pq.Int64Array `db:"interviews"`
	Consents   pq.Int64Array `db:"consents"`
	Claims     pq.Int64Array `db:"claims"`
	// ClaimNumbers are its claims' numbers (CLM01) for the person, which
	// the MSC's lists show beside their ids: "claim HC9" got through a
	// re-check where "claim 25" was refused.
	ClaimNumbers pq.StringArray `db:"claim_numbers"`
}

// recordsClaims is the kind of another agency's claims: no consent to an
// agency discloses them (consentRecords), so a text quoting one is never
// shown to the reader.
const recordsClaims = "claims"

// otherAgencies reads the agencies besides reader that keep a record of
// the person, with their words; what names owner, the agency whose record
// the text is on, names none of them (its own staff's names read as a
// third agency's withheld the owner's own words: a review).
func otherAgencies(ctx context.Context, ext pg.Ext, personID, reader, owner int64) ([]agencyWords, error) {
	var others []agencyWords
	if err := sqlx.SelectContext(ctx, ext, &others, `SELECT p.id, p.code, p.name, p.address_line1 AS street, p.city,
			ARRAY(SELECT x FROM programs pr, unnest(ARRAY[pr.code, pr.name]) AS x
			      WHERE pr.code IN (SELECT n.program_code FROM enrollments n WHERE n.person_id = $1 AND n.provider_id = p.id)
			        AND pr.code NOT IN (SELECT rp.program_code FROM provider_programs rp WHERE rp.provider_id = $2)) AS programs,
			ARRAY(SELECT ca.name FROM catchment_areas ca ORDER BY ca.code) AS places,
			EXISTS (SELECT 1 FROM consents k JOIN clients kc ON kc.id = k.client_id
			        WHERE kc.person_id = $1 AND k.disclosing_provider_id = p.id AND k.recipient_provider_id = $2) AS consented,
			ARRAY[p.name, p.address_line1, COALESCE(p.contact_name, ''), COALESCE(p.contact_email, '')] ||
			ARRAY(SELECT st.first_name || ' ' || st.last_name FROM staff st WHERE st.provider_id = p.id ORDER BY st.id) ||
			-- and "Last, First", the order lists and signatures use (it got
			-- through, a black-box pass; punctuation folds to a space)
			ARRAY(SELECT st.last_name || ' ' || st.first_name FROM staff st WHERE st.provider_id = p.id ORDER BY st.id) ||
			-- and its record's name for the person, either way round: a
			-- reviewer's void reason quoting it ("Kaito Mergeson holds
			-- it", where the reader's record reads Kai Merge) told the
			-- reader a second identity of its client (a black-box pass of
			-- the forty-fourth stop); a name the reader's record shares is
			-- among own below, and names no one else.
			ARRAY(SELECT c.first_name || ' ' || c.last_name FROM clients c WHERE c.person_id = $1 AND c.provider_id = p.id
			        AND NOT EXISTS (`+readerNamesAlike+`) ORDER BY c.id) ||
			ARRAY(SELECT c.last_name || ' ' || c.first_name FROM clients c WHERE c.person_id = $1 AND c.provider_id = p.id
			        AND NOT EXISTS (`+readerNamesAlike+`) ORDER BY c.id) AS words,
			-- its ZIP+4 too (06604-1712 got through a black-box pass); a
			-- five-digit ZIP is the reader's neighbours' as well. And the
			-- Medicaid IDs its record holds that the reader's does not.
			ARRAY[p.npi, p.tax_id, COALESCE(p.contact_phone, ''), CASE WHEN length(p.zip) = 9 THEN p.zip ELSE '' END] ||
			ARRAY(SELECT a.number FROM authorizations a WHERE a.person_id = $1 AND a.provider_id = p.id ORDER BY a.id) ||
			ARRAY(SELECT DISTINCT x FROM client_eligibility g JOIN clients c ON c.id = g.client_id,
			             -- and its digits alone, six or more ("33123451" for
			             -- CT33123451 got through: a re-check)
			             unnest(ARRAY[g.medicaid_id, CASE WHEN length(regexp_replace(g.medicaid_id, '[^0-9]', '', 'g')) >= 6
			                                             THEN regexp_replace(g.medicaid_id, '[^0-9]', '', 'g') END]) AS x
			      WHERE c.person_id = $1 AND c.provider_id = p.id AND x IS NOT NULL
			        AND g.medicaid_id NOT IN (SELECT r.medicaid_id FROM client_eligibility r JOIN clients rc ON rc.id = r.client_id
			                                  WHERE rc.person_id = $1 AND rc.provider_id = $2)) AS numbers,
			ARRAY(SELECT a.number FROM authorizations a WHERE a.person_id = $1 AND a.provider_id = p.id ORDER BY a.id) AS auth_numbers,
			ARRAY(SELECT st.last_name FROM staff st WHERE st.provider_id = p.id
			      -- its contact's: the last word, or before a comma when
			      -- kept "Last, First M." (its "J." was read as the surname,
			      -- and "Ms. Pemberton called" got through: a re-check)
			      UNION SELECT y.x FROM (SELECT CASE WHEN p.contact_name LIKE '%,%' THEN btrim(split_part(p.contact_name, ',', 1))
			                                       ELSE substring(p.contact_name FROM '(\S+)\s*$') END AS x) y
			            WHERE y.x IS NOT NULL AND y.x <> ''
			      UNION SELECT c.last_name FROM clients c WHERE c.person_id = $1 AND c.provider_id = p.id
			        AND NOT EXISTS (SELECT 1 FROM clients r WHERE r.person_id = $1 AND r.provider_id IN ($2, $3)
			                        AND person_name_key(r.last_name) = person_name_key(c.last_name))
			      ORDER BY 1) AS surnames,
			ARRAY(SELECT st.first_name || ' ' || left(st.last_name, 1) FROM staff st WHERE st.provider_id = p.id ORDER BY st.id) AS given_names,
			ARRAY(SELECT st.id FROM staff st WHERE st.provider_id = p.id ORDER BY st.id) AS given_ids,
			-- The reader's own names (its staff's, its contact's, its
			-- record of the person's): a surname that is one of them
			-- names the reader as well (the demo's HRA has a Whitfield,
			-- BCS's contact is one; a re-check named HRA's own Grace
			-- Okafor, refused for a BCS Grace), and the catalog's words,
			-- everyone's ("Case Management" was refused for a BCS Case).
			ARRAY(SELECT r.first_name || ' ' || r.last_name FROM staff r WHERE r.provider_id IN ($2, $3)
			      UNION ALL SELECT rp.contact_name FROM providers rp WHERE rp.id IN ($2, $3) AND rp.contact_name IS NOT NULL
			      UNION ALL SELECT rp.name FROM providers rp WHERE rp.id IN ($2, $3)
			      UNION ALL SELECT rp.address_line1 FROM providers rp WHERE rp.id IN ($2, $3)
			      UNION ALL SELECT c.first_name || ' ' || c.last_name FROM clients c WHERE c.person_id = $1 AND c.provider_id IN ($2, $3)
			      UNION ALL SELECT sv.name FROM services sv UNION ALL SELECT pr.name FROM programs pr) AS own,
			ARRAY(SELECT c.id FROM clients c WHERE c.person_id = $1 AND c.provider_id = p.id ORDER BY c.id) AS clients,
			ARRAY(SELECT a.id FROM authorizations a WHERE a.person_id = $1 AND a.provider_id = p.id ORDER BY a.id) AS authorizations,
			ARRAY(SELECT n.id FROM enrollments n WHERE n.person_id = $1 AND n.provider_id = p.id ORDER BY n.id) AS enrollments,
			ARRAY(SELECT v.id FROM voucher_requests v JOIN clients vc ON vc.id = v.client_id
			      WHERE vc.person_id = $1 AND v.provider_id = p.id ORDER BY v.id) AS requests,
			ARRAY(SELECT d.id FROM reviewer_decisions d JOIN voucher_requests v ON v.id = d.voucher_request_id
			      JOIN clients vc ON vc.id = v.client_id WHERE vc.person_id = $1 AND v.provider_id = p.id ORDER BY d.id) AS reviews,
			ARRAY(SELECT n.assigned_staff_id FROM enrollments n WHERE n.person_id = $1 AND n.provider_id = p.id
			        AND n.assigned_staff_id IS NOT NULL
			      UNION SELECT v.staff_id FROM voucher_requests v JOIN clients vc ON vc.id = v.client_id
			      WHERE vc.person_id = $1 AND v.provider_id = p.id AND v.staff_id IS NOT NULL
			      UNION SELECT cl.rendering_staff_id FROM claims cl JOIN clients x ON x.id = cl.client_id
			      WHERE x.person_id = $1 AND x.provider_id = p.id AND cl.rendering_staff_id IS NOT NULL ORDER BY 1) AS staff,
			ARRAY(SELECT cp.id FROM care_plans cp JOIN clients x ON x.id = cp.client_id
			      WHERE x.person_id = $1 AND x.provider_id = p.id ORDER BY cp.id) AS care_plans,
			ARRAY(SELECT g.id FROM gpra_interviews g JOIN clients x ON x.id = g.client_id
			      WHERE x.person_id = $1 AND x.provider_id = p.id ORDER BY g.id) AS interviews,
			ARRAY(SELECT k.id FROM consents k JOIN clients x ON x.id = k.client_id
			      WHERE x.person_id = $1 AND x.provider_id = p.id ORDER BY k.id) AS consents,
			ARRAY(SELECT cl.id FROM claims cl JOIN clients x ON x.id = cl.client_id
			      WHERE x.person_id = $1 AND x.provider_id = p.id ORDER BY cl.id) AS claims,
			ARRAY(SELECT cl.claim_number FROM claims cl JOIN clients x ON x.id = cl.client_id
			      WHERE x.person_id = $1 AND x.provider_id = p.id ORDER BY cl.id) AS claim_numbers
		FROM providers p
		WHERE p.id <> $2 AND EXISTS (SELECT 1 FROM clients c WHERE c.person_id = $1 AND c.provider_id = p.id)
		ORDER BY p.id`, personID, reader, owner); err != nil {
		return nil, fmt.Errorf("other agencies of the person: %w", err)
	}
	return others, nil
}

// readerNamesAlike is whether the reader's or the owner's record of the
// person ($2, $3) names the person as record c does, first and last name
// alike (personNameKey): a name both records carry is the reader's own,
// and naming the person by it names no other agency ("Omar Feldspar
// called" was refused where both records read so: a re-check of the
// forty-fourth stop).
const readerNamesAlike = `SELECT 1 FROM clients r WHERE r.person_id = $1 AND r.provider_id IN ($2, $3)
	AND person_name_key(r.first_name) = person_name_key(c.first_name) AND person_name_key(r.last_name) = person_name_key(c.last_name)`

// agencyMarks reads every agency but reader and owner with what names it
// whatever the person's records come to hold: its code and id, name,
// street, contact, NPI, tax id and phone, its staff's whole names, and its
// authorization and claim numbers for the person (a text quoting one was
// written after it existed); own are the names that name the reader or
// the owner too. Not a staff member's surname or given name alone, which
// name someone at many agencies (the owner's own Morgan was read as
// another agency's: a review), nor a program it enrolled the person in or
// its records' ids, which come later than the text (a text turned withheld
// the day the agency enrolled the person: two re-checks). Read by its code,
// name and numbers alone, a third agency keeping a record of the person
// was shown by a dotted code, "provider 1", a staff member's whole name or
// its authorization number (a review).
func agencyMarks(ctx context.Context, ext pg.Ext, personID, reader, owner int64, own []string) ([]agencyWords, error) {
	var out []agencyWords
	if err := sqlx.SelectContext(ctx, ext, &out, `WITH places AS (SELECT ARRAY(SELECT ca.name FROM catchment_areas ca ORDER BY ca.code) AS names)
		SELECT p.id, p.code, p.name, p.address_line1 AS street, p.city, ARRAY[]::text[] AS programs, places.names AS places,
			false AS consented,
			ARRAY[p.name, p.address_line1, COALESCE(p.contact_name, ''), COALESCE(p.contact_email, '')] ||
			ARRAY(SELECT st.first_name || ' ' || st.last_name FROM staff st WHERE st.provider_id = p.id ORDER BY st.id) ||
			ARRAY(SELECT st.last_name || ' ' || st.first_name FROM staff st WHERE st.provider_id = p.id ORDER BY st.id) AS words,
			ARRAY[p.npi, p.tax_id, COALESCE(p.contact_phone, ''), CASE WHEN length(p.zip) = 9 THEN p.zip ELSE '' END] ||
			ARRAY(SELECT a.number FROM authorizations a WHERE a.person_id = $1 AND a.provider_id = p.id ORDER BY a.id) AS numbers,
			ARRAY(SELECT a.number FROM authorizations a WHERE a.person_id = $1 AND a.provider_id = p.id ORDER BY a.id) AS auth_numbers,
			ARRAY[]::text[] AS surnames, ARRAY[]::text[] AS given_names, ARRAY[]::text[] AS own,
			ARRAY[]::bigint[] AS clients, ARRAY[]::bigint[] AS authorizations, ARRAY[]::bigint[] AS enrollments,
			ARRAY[]::bigint[] AS requests, ARRAY[]::bigint[] AS reviews, ARRAY[]::bigint[] AS care_plans, ARRAY[]::bigint[] AS interviews,
			ARRAY[]::bigint[] AS staff,
			ARRAY[]::bigint[] AS consents, ARRAY[]::bigint[] AS claims,
			ARRAY(SELECT cl.claim_number FROM claims cl JOIN clients x ON x.id = cl.client_id
			      WHERE x.person_id = $1 AND x.provider_id = p.id ORDER BY cl.id) AS claim_numbers
		FROM providers p, places WHERE p.id NOT IN ($2, $3) ORDER BY p.id`, personID, reader, owner); err != nil {
		return nil, fmt.Errorf("agencies' marks: %w", err)
	}
	for i := range out {
		out[i].Own = own
	}
	return out, nil
}

// ownFolds are an agency's Own names folded as each reading compares them.
// The reader's and the owner's names are the same for every agency read
// for a text, so showTexts folds them once for all (folded anew for each
// of a thousand agencies, they were most of a 2 s read).
type ownFolds struct {
	short  []string        // each name plain, lower, with streets' short forms
	fields [][]string      // the words of each of short
	words  map[string]bool // the plain words of them all
	names  map[string]bool // their nameWords
	given  map[string]bool // the first words of those of two words or more
}

// foldOwn folds own names once.
func foldOwn(own []string) *ownFolds {
	f := &ownFolds{words: map[string]bool{}, names: map[string]bool{}, given: map[string]bool{}}
	for _, n := range own {
		lower := plain(n, true)
		sh := short(lower)
		f.short = append(f.short, sh)
		f.fields = append(f.fields, strings.Fields(sh))
		w := strings.Fields(lower)
		for _, x := range w {
			f.words[x] = true
		}
		if len(w) > 1 {
			f.given[w[0]] = true
		}
		for _, x := range nameWords(n) {
			f.names[x] = true
		}
	}
	return f
}

// foldedWord is one of an agency's Words as names compares it: plain,
// lower, with streets' short forms; that less its last word when it has
// three or more; its letters and digits alone. Punctuated: the word holds
// what ends a clause or a sentence itself ("St. Mary's Recovery Center",
// "200 St. Ronan Street", "Castillo, Mary A."), so it is matched less its
// last word over the whole text, not clause by clause (a review found
// each passing once clauses were read apart).
type foldedWord struct {
	short, lessLast, compact string
	punctuated               bool
}

// fold folds the agency's words once for the texts read against it, with
// own, the Own names folded once for every agency.
func (o *agencyWords) fold(own *ownFolds) {
	o.ownFolded = own
	o.wordsFolded = foldWords(o.Words)
	o.marksFolded = o.nameMarks()
}

// foldAgencies folds each agency's words, with own, the reader's and the
// owner's names folded once for them all.
func foldAgencies(as []agencyWords, own *ownFolds) {
	for i := range as {
		as[i].fold(own)
	}
}

func foldWords(words []string) []foldedWord {
	out := make([]foldedWord, 0, len(words))
	for _, w := range words {
		f := foldedWord{short: short(plain(w, true)), compact: compact(w), punctuated: strings.ContainsAny(w, ".,;:()!?")}
		if fs := strings.Fields(f.short); len(fs) >= 3 {
			f.lessLast = strings.Join(fs[:len(fs)-1], " ")
		}
		out = append(out, f)
	}
	return out
}

// words are the agency's Words folded: once when showTexts folded them.
func (o agencyWords) words() []foldedWord {
	if o.wordsFolded != nil {
		return o.wordsFolded
	}
	return foldWords(o.Words)
}

// own is the agency's Own names folded: shared when showTexts folded them.
func (o agencyWords) own() *ownFolds {
	if o.ownFolded != nil {
		return o.ownFolded
	}
	return foldOwn(o.Own)
}

// quotes returns the kinds of the agency's records text quotes (nil when
// it does not name the agency): naming it says the person is served there,
// what its enrollments disclose; quoting one of its authorizations for the
// person (by number or id) or its voucher requests quotes its
// authorizations too, as the rules' duplicate-service reason does, which
// a consent disclosing enrollments alone does not show. A reviewer's note
// quoting the other agency's authorization number was shown under such a
// consent while the reason it paraphrased was withheld (a black-box pass).
func (o agencyWords) quotes(text string) []string { return o.quotesRead(readText(text)) }

// quotesRead is quotes of a text read once for all the agencies.
func (o agencyWords) quotesRead(t *reading) []string {
	if !o.namesRead(t) {
		return nil
	}
	kinds := []string{adjudication.RecordsEnrollments}
	if o.quotesAuthorizations(t) {
		kinds = append(kinds, adjudication.RecordsAuthorizations)
	}
	// A care plan, interview, consent or claim of its quoted by id quotes
	// that kind of record, which the reader's consent must disclose (a
	// claim's, none does).
	for _, r := range o.idWords() {
		if slices.Contains(kinds, r.kind) {
			continue
		}
		if slices.ContainsFunc(r.ids, func(id int64) bool { return containsIDWord(t.words, r.nouns, id) }) {
			kinds = append(kinds, r.kind)
		}
	}
	if !slices.Contains(kinds, recordsClaims) && o.quotesClaimNumber(t.words) {
		kinds = append(kinds, recordsClaims)
	}
	return kinds
}

// quotesClaimNumber reports whether the plain words quote one of the agency's claim
// numbers for the person, its letters and digits compared apart from the
// punctuation between them ("claim HC-9" for HC9, "B12" for B-12: a
// re-check) but only over whole words, so a number is no part of another
// word ("UNITS1" is not in "units 10"): after a claim word ("claim",
// "claim no", "claim ID", "CLM01") whatever its length, and anywhere when
// it has six letters and digits or more.
func (o agencyWords) quotesClaimNumber(words string) bool {
	toks := strings.Fields(words)
	for _, n := range o.ClaimNumbers {
		c := compact(n)
		if c == "" {
			continue
		}
		for i, t := range toks {
			if claimWords[t] {
				j := i + 1
				for j < len(toks) && claimFillers[toks[j]] {
					j++
				}
				if runOf(toks[j:], c) {
					return true
				}
			}
			if len(c) >= 6 && runOf(toks[i:], c) {
				return true
			}
		}
	}
	return false
}

// claimWords name a claim; claimFillers may stand between one and its
// number ("claim no. 12", "claim ID 12", "claim number 12").
var (
	claimWords   = map[string]bool{"claim": true, "claims": true, "clm01": true, "clm": true}
	claimFillers = map[string]bool{"no": true, "nr": true, "num": true, "number": true, "id": true, "ids": true, "ref": true}
)

// runOf reports whether the first words of toks, run together, are c.
func runOf(toks []string, c string) bool {
	acc := ""
	for _, t := range toks {
		if acc += t; acc == c {
			return true
		}
		if len(acc) >= len(c) || !strings.HasPrefix(c, acc) {
			return false
		}
	}
	return false
}

// quotesAuthorizations reports whether the text quotes one of the agency's
// authorizations or voucher requests for the person, as names reads them.
func (o agencyWords) quotesAuthorizations(t *reading) bool {
	words, compacted := t.words, t.compacted
	for _, n := range o.AuthNumbers {
		if c := compact(n); (len(c) >= 6 && strings.Contains(compacted, c)) || containsAuthNumber(words, n) {
			return true
		}
	}
	for _, r := range o.idWords() {
		if r.kind != adjudication.RecordsAuthorizations {
			continue
		}
		for _, id := range r.ids {
			if containsIDWord(words, r.nouns, id) {
				return true
			}
		}
	}
	return false
}

// idWord is how a text names records of the agency by their ids, and the
// kind of record they are.
type idWord struct {
	nouns []string
	ids   []int64
	kind  string
}

// idWords are the nouns that name the agency's records of the person by
// their ids.
func (o agencyWords) idWords() []idWord {
	return []idWord{
		{[]string{"authorization", "authorizations", "auth", "auths"}, o.Authorizations, adjudication.RecordsAuthorizations},
		{[]string{"enrollment", "enrollments", "enr"}, o.Enrollments, adjudication.RecordsEnrollments},
		{[]string{"client", "clients", "client record", "client records"}, o.Clients, adjudication.RecordsEnrollments},
		{[]string{"request", "requests", "voucher request", "voucher requests", "voucher", "vouchers", "vr"}, o.Requests,
			adjudication.RecordsAuthorizations},
		{[]string{"review", "reviews", "decision", "decisions"}, o.Reviews, adjudication.RecordsAuthorizations},
		// Its staff serve the person there, as its records of the person do.
		{[]string{"staff", "staff member", "staff members", "staffer", "staffers"}, o.Staff, adjudication.RecordsEnrollments},
		{[]string{"care plan", "care plans", "plan", "plans", "careplan", "careplans"}, o.CarePlans, recordsCarePlans},
		{[]string{"gpra", "gpra interview", "gpra interviews", "interview", "interviews"}, o.Interviews, adjudication.RecordsGPRAInterviews},
		{[]string{"consent", "consents"}, o.Consents, recordsConsents},
		{[]string{"claim", "claims"}, o.Claims, recordsClaims},
	}
}

// containsAuthNumber reports whether the plain words hold an authorization
// number, its letters apart, dotted or joined and its digits with any
// leading zeros, run together or grouped ("PA 5", "PA5", "P.A. 5",
// "PA 0000005", "PA-00-000-005" for PA00000005: black-box passes; only
// "PA 5", "PA5" and the whole number were matched until the nineteenth
// stop).
func containsAuthNumber(words, number string) bool {
	m := authNumber.FindStringSubmatch(number)
	if m == nil {
		return false
	}
	prefix, want := strings.ToLower(m[1]), m[2]
	toks := strings.Fields(words)
	isDigits := func(t string) bool { return t != "" && strings.Trim(t, "0123456789") == "" }
	for i := range toks {
		// The letters: one word, the letters one a word, or joined to
		// the digits.
		j, digits := i, ""
		switch t := toks[i]; {
		case t == prefix:
			j = i + 1
		case strings.HasPrefix(t, prefix) && isDigits(t[len(prefix):]):
			j, digits = i+1, t[len(prefix):]
		case i+len(prefix) <= len(toks) && strings.Join(toks[i:i+len(prefix)], "") == prefix &&
			!slices.ContainsFunc(toks[i:i+len(prefix)], func(t string) bool { return len(t) != 1 }):
			j = i + len(prefix)
		default:
			continue
		}
		// A word between ("PA no. 21", "PA number 21", "PA nr 21": a
		// re-check), then the digits, as many groups as follow, compared
		// less their leading zeros at each group's end.
		for j < len(toks) && numberWords[toks[j]] {
			j++
		}
		for {
			if digits != "" && strings.TrimLeft(digits, "0") == want {
				return true
			}
			if j >= len(toks) || !isDigits(toks[j]) {
				break
			}
			digits += toks[j]
			j++
		}
	}
	return false
}

// numberWords stand between a number's letters and its digits.
var numberWords = map[string]bool{"no": true, "number": true, "nr": true, "num": true, "nbr": true, "nos": true}

// authNumber splits an authorization number into its letters and its
// number less leading zeros.
var authNumber = regexp.MustCompile(`^([A-Za-z]+)0*([0-9]+)$`)

// names reports whether text names the agency: its name, code, NPI, tax
// id, street address, contact's name, phone and e-mail, its staff's names
// (their surnames alone too) or its authorization numbers for the person. The check is on the words,
// so it catches the slip, not a paraphrase; the words are compared folded
// (plain, compact, streets' short forms), so a wrapped line, a doubled
// space, a hyphen between words or in an NPI, fullwidth letters, a
// zero-width character, a dotted code ("H.R.A."), a name run together
// ("HartfordRecoveryAlliance") or "St" for "Street" do not hide them (each
// got through in a black-box pass).
func (o agencyWords) names(text string) bool { return o.namesRead(readText(text)) }

// namesRead is names of a text read once for all the agencies: with its
// possessives dropped too ("Bridgeport C.S.'s staff", "B.C.S.'s staff",
// "Bridgeport's Comm. Supp." got through where the same words without
// them were refused: a re-check).
func (o agencyWords) namesRead(t *reading) bool {
	if t.bare != nil && o.namesAsWritten(t.bare) {
		return true
	}
	return o.namesAsWritten(t)
}

// reading is a text folded as names compares it (plain, lower, short,
// compact, its sentences, its e-mail addresses), once for every agency
// read against it: folded anew for each of a thousand agencies, it was a
// third of a read's time.
type reading struct {
	text, lower, words, compacted, asWritten string
	sentences                                []sentenceRead
	clauses                                  []string // its sentences' clauses (at , ; : ( )), folded as words is
	// phrases are its sentences' parts at , ; : a blank line, a spaced
	// dash or an ellipsis, not brackets nor a line wrapped, folded as
	// words is: what namedByRecord reads a name word's record in
	// ("Hartford (PA) overlaps" got through read by clauses, "lives in
	// Hartford\n\nVoucher denied" was refused read by sentences, and
	// "the Hartford\nvoucher" got through when any line break ended a
	// phrase: re-checks).
	phrases     []string
	emailLocals []string // compacted
	bare        *reading // possessives dropped; nil when it has none
}

// blankLine and phraseBreaks end a phrase (reading.phrases) as , ; : do.
var (
	lineEnds     = strings.NewReplacer("\r\n", "\n", "\r", "\n", "\u2028", "\n")
	blankLine    = regexp.MustCompile(`\n[ \t]*\n`)
	phraseBreaks = strings.NewReplacer(" - ", ";", " \u2013 ", ";", "\u2014", ";", "...", ";", "\u2026", ";")
)

// sentenceRead is a sentence of a text (sentences) as written, its plain
// lower words with streets' short forms, and its plain words in their case.
type sentenceRead struct{ raw, words, asWritten string }

// readText folds text once for names.
func readText(text string) *reading {
	t := foldText(text)
	if bare := possessive.ReplaceAllString(text, "$1"); bare != text {
		t.bare = foldText(bare)
	}
	return t
}

func foldText(text string) *reading {
	t := &reading{text: text, lower: plain(text, true), compacted: compact(text), asWritten: plain(text, false)}
	t.words = short(t.lower)
	for _, s := range sentences(text) {
		t.sentences = append(t.sentences, sentenceRead{raw: s, words: short(plain(s, true)), asWritten: plain(s, false)})
		for _, c := range strings.FieldsFunc(s, func(r rune) bool { return strings.ContainsRune(",;:()", r) }) {
			t.clauses = append(t.clauses, short(plain(c, true)))
		}
		for _, c := range strings.FieldsFunc(phraseBreaks.Replace(blankLine.ReplaceAllString(lineEnds.Replace(s), ";")), func(r rune) bool {
			return strings.ContainsRune(",;:\u2029", r)
		}) {
			t.phrases = append(t.phrases, short(plain(c, true)))
		}
	}
	for _, m := range emailLocal.FindAllStringSubmatch(norm.NFKC.String(text), -1) {
		t.emailLocals = append(t.emailLocals, compact(m[1]))
	}
	return t
}

// possessive is a word's (or a dotted code's) possessive ending, in any
// case and after any of the marks a keyboard or a paste gives for the
// apostrophe ("B.C.S.'S", "C.S.´s" got through: a re-check).
var possessive = regexp.MustCompile("([\\pL\\pN.])['’ʼ`´′‘][sS]\\b")

// namesAsWritten is names of the text as it is.
func (o agencyWords) namesAsWritten(t *reading) bool {
	lower, words, compacted := t.lower, t.words, t.compacted
	// The code, its letters dotted or spaced too, and not when all digits
	// (a date holds "01"): as written when short (codes are capitals:
	// "NO" is an agency, "no" a word), in any case from three letters on
	// ("hra" got through a black-box pass; a word that is also a code,
	// such as "las", is refused too, and the reviewer words it otherwise).
	asWritten := t.asWritten
	if code := plain(o.Code, false); strings.IndexFunc(code, func(r rune) bool { return !unicode.IsDigit(r) }) >= 0 {
		in := asWritten
		if utf8.RuneCountInString(code) >= 3 {
			in, code = words, plain(o.Code, true)
		}
		if containsWord(in, code) || containsWord(joinLetters(in), code) {
			return true
		}
	}
	// "provider 1", as the API's own reason details name an agency, and
	// as its fields do ("provider_id 1", "source_provider_id: 1", "agency
	// #1" folded to "agency 1"); its authorizations by their ids too
	// ("authorization #2"). Only "provider 1" was matched: a reviewer
	// copying a field name from the trace got the others through (a
	// black-box pass).
	if containsIDWord(words, []string{"provider", "providers", "agency", "agencies"}, o.ID) {
		return true
	}
	// Its records of the person by their ids, as the rules' details and
	// the API's fields name them: "enrollment 60 of provider 1 ..." cut
	// short, "client 62", "auth #15" got through (a re-check), then the
	// plurals, "client record 9" and its voucher request's id (another).
	// A note where such a word and number only happen to meet ("client 9
	// months sober", when 9 is that agency's record) is refused too: the
	// reviewer rewords it; what the provider reads is never the other
	// agency's.
	for _, r := range o.idWords() {
		for _, id := range r.ids {
			if containsIDWord(words, r.nouns, id) {
				return true
			}
		}
	}
	if o.quotesClaimNumber(words) {
		return true
	}
	for _, w := range o.words() {
		if containsWord(words, w.short) {
			return true
		}
		// A name or street of three words or more without its last
		// ("Hartford Recovery", "45 Asylum"): a black-box pass. Within a
		// clause: "moved to Hartford; recovery is going well" names no
		// one (refused until a reviewer black-box pass).
		if w.lessLast != "" && (w.punctuated && containsWord(words, w.lessLast) ||
			slices.ContainsFunc(t.clauses, func(c string) bool { return containsWord(c, w.lessLast) })) {
			return true
		}
		// Run together, as in a handle or a domain: long enough that
		// it is not a word of its own.
		if utf8.RuneCountInString(w.compact) >= 10 && strings.Contains(compacted, w.compact) {
			return true
		}
	}
	if o.namedByPartOfName(t) {
		return true
	}
	if o.namedByStreet(words) {
		return true
	}
	if o.namedAsAnAgency(lower, asWritten) || o.namedByRecord(t.phrases) {
		return true
	}
	for _, pr := range o.Programs {
		// Its letters dotted too ("R.S.V.P.", a re-check).
		if p := plain(pr, true); containsWord(lower, p) || containsWord(joinLetters(lower), p) {
			return true
		}
	}
	if o.namedBySurname(t) {
		return true
	}
	if o.namedByGivenName(words, t.asWritten) {
		return true
	}
	for _, n := range o.Numbers {
		// Shorter runs (a phone's extension, a stray digit) would
		// match any note with numbers in it.
		if c := compact(n); len(c) >= 6 && strings.Contains(compacted, c) {
			return true
		}
	}
	for _, n := range o.AuthNumbers {
		if containsAuthNumber(words, n) {
			return true
		}
	}
	return false
}

// namedByStreet reports whether the plain words hold the agency's street
// without its house number ("Asylum Street", "Asylum St" for 45 Asylum
// Street: a reviewer black-box pass), unless it is the reader's own street
// too.
func (o agencyWords) namedByStreet(words string) bool {
	street := strings.Fields(short(plain(o.Street, true)))
	if len(street) > 0 && strings.TrimLeft(street[0], "0123456789") != street[0] {
		street = street[1:] // the house number, "45" or "45b"
	}
	if len(street) < 2 {
		return false
	}
	// A street many towns have ("Main St", "West Main St") names no
	// agency without its number: "Main Street" alone was refused where a
	// client lives on one (a re-check). Only the name whole, less a
	// direction before it and its kind after it: "High Ridge Rd" is no
	// common street, and "West Main St" is one (a review). The whole
	// address is among its words still.
	core := street
	if len(core) > 1 && directions[core[0]] {
		core = core[1:]
	}
	if len(core) > 1 && streetKinds[core[len(core)-1]] {
		core = core[:len(core)-1]
	}
	if len(core) == 1 && commonStreets[core[0]] {
		return false
	}
	name := strings.Join(street, " ")
	for _, n := range o.own().short {
		if containsWord(n, name) {
			return false
		}
	}
	return containsWord(words, name)
}

// namedByPartOfName reports whether the text names the agency by its name
// of three words or more less its first word, written as a name is, each
// word with its capital ("Community Supports" for Bridgeport Community
// Supports), by its name with middle words cut short ("Bridgeport Comm.
// Supports", "Bridgeport C. Supports"), or by its first word and the
// initials of the rest ("Bridgeport CS", "Hartford R.A."): each got
// through a black-box pass. In lower case the words are ordinary ones
// ("community supports"), and words the reader's own names or the
// catalog's hold name the reader as well (Own).
func (o agencyWords) namedByPartOfName(t *reading) bool {
	words, asWritten := t.words, t.asWritten
	name := strings.Fields(short(plain(o.Name, true)))
	if len(name) < 3 {
		return false
	}
	tail := name[1:]
	mine := false
	own := o.own()
	for _, n := range own.short {
		mine = mine || containsWord(n, strings.Join(tail, " "))
	}
	if !mine && containsCapitalized(asWritten, tail) {
		return true
	}
	// The first word whole, the others cut short ("Bridgeport Comm.
	// Supports", "Hartford Rec. All."), the last to two letters at least.
	toks := strings.Fields(words)
	last := len(name) - 1
	for i := 0; i+len(name) <= len(toks); i++ {
		if toks[i] != name[0] {
			continue
		}
		cut := true
		for j := 1; j <= last && cut; j++ {
			t := toks[i+j]
			cut = strings.HasPrefix(name[j], t) && (j < last || utf8.RuneCountInString(t) >= 2)
		}
		if cut {
			return true
		}
	}
	// The first word and the initials of the rest, the letters run
	// together, dotted or spaced ("Hartford RA", "Hartford R.A."), or the
	// whole run together ("HartfordRA"), and the initials run into the
	// last word ("HRAlliance"), unless the reader's own name reads so. Not
	// across a sentence's end: "moved to Hartford. RA to confirm" names
	// no one (a re-check).
	abbr := name[0] + " " + initials(tail)
	joined := []string{name[0] + initials(tail), initials(name[:last]) + name[last]}
	if code := plain(o.Code, true); code != "" {
		joined = append(joined, code+name[last])
	}
	// And the initials of all but the last word before it whole ("BC
	// Supports", "B.C. Supports"), and the first word's possessive
	// ("Bridgeport's CS"): a review. Each form the reader's own name
	// takes too names the reader as well (a review found "BC Supports"
	// refused to Bristol Community Supports).
	spaced := initials(name[:last]) + " " + name[last]
	// The first and last words written as a name is, unless the first is
	// a word many names share ("the Center" for The Rushford Center: a
	// review); the last often is one ("Bridgeport Supports").
	ends := []string{name[0], name[last]}
	endsCommon := commonNameWords[name[0]] || directions[name[0]] // "West" is "w" here (short)
	for _, f := range own.fields {
		if len(f) < 3 {
			continue
		}
		if f[0]+" "+initials(f[1:]) == abbr {
			return false
		}
		if initials(f[:len(f)-1])+" "+f[len(f)-1] == spaced {
			spaced = ""
		}
		if f[0] == name[0] && f[len(f)-1] == name[last] {
			endsCommon = true
		}
	}
	for _, sentence := range t.sentences {
		// The possessive first: "Bridgeport's C.S." joined its "s" to
		// the initials (a review).
		w := " " + sentence.words + " "
		w = strings.TrimSpace(strings.ReplaceAll(w, " "+name[0]+" s ", " "+name[0]+" "))
		w = joinLetters(w)
		if containsWord(w, abbr) || (spaced != "" && containsWord(w, spaced)) {
			return true
		}
		// Run together, dots and all ("BridgeportC.S."): a word of the
		// sentence, its dots dropped, is the first word and the initials
		// (a re-check).
		for _, f := range strings.Fields(strings.ReplaceAll(sentence.raw, ".", "")) {
			if compact(f) == name[0]+initials(tail) {
				return true
			}
		}
		// The first and last words, each with its capital ("Bridgeport
		// Supports"; "Bridgeport supports this" is a sentence): a re-check.
		if !endsCommon && containsCapitalized(sentence.asWritten, ends) {
			return true
		}
		for _, j := range joined {
			if slices.Contains(strings.Fields(w), j) {
				return true
			}
		}
	}
	return false
}

// sentences splits text at the ends of its sentences: a full stop,
// question or exclamation mark or semicolon after a word of two letters or
// more, then a space ("Hartford. RA to confirm" is two; "R. A." and "C.
// Supports", an initial's stop, are not ends).
func sentences(text string) []string {
	var out []string
	start, word := 0, 0
	rs := []rune(text)
	for i, r := range rs {
		switch {
		case isWordRune(r):
			word++
		case (r == '.' || r == '?' || r == '!' || r == ';') && word >= 2 && i+1 < len(rs) && unicode.IsSpace(rs[i+1]):
			out = append(out, string(rs[start:i]))
			start, word = i+1, 0
		default:
			word = 0
		}
	}
	return append(out, string(rs[start:]))
}

// initials are the first letters of words, run together.
func initials(words []string) string {
	var b strings.Builder
	for _, w := range words {
		r, _ := utf8.DecodeRuneInString(w)
		b.WriteRune(r)
	}
	return b.String()
}

// agencyNouns are the words a note calls an agency by: near a word of
// its name or city (a few words either way) they name it. placeNouns may
// be an agency or any place (a program, an office, a clinic): only right
// after the word ("the Hartford program", "Hartford's clinic").
// (An office, a clinic or an area is as often the person's: "the
// Hartford clinic for methadone", "the Hartford office of DCF", "the
// Hartford area has few buses" were refused until a re-check.)
var (
	agencyNouns = map[string]bool{"agency": true, "agencies": true, "provider": true, "providers": true, "organization": true,
		"organisation": true, "org": true, "team": true, "vendor": true, "nonprofit": true, "nonprofits": true, "charity": true, "charities": true}
	placeNouns = map[string]bool{"program": true, "programs": true, "programme": true, "folks": true, "people": true,
		"staff": true, "site": true, "group": true, "center": true, "centre": true, "shop": true, "authorization": true,
		"authorizations": true, "auth": true, "auths": true}
	// recordNouns are rss's own words for an agency's records, as a
	// reviewer says them ("a duplicate of the Bridgeport voucher", "the
	// Bridgeport PA" passed where "the Bridgeport authorization" was
	// refused: a clients black-box pass). Read right after the word within
	// a clause only, and not their plurals "requests" and "claims", which
	// are as often verbs: "Moved to Hartford. Request approved", "a client
	// in Hartford requests rides" name no agency (a review of the change).
	recordNouns = map[string]bool{"voucher": true, "vouchers": true, "pa": true, "pas": true, "request": true,
		"enrollment": true, "enrollments": true, "claim": true, "authorization": true, "authorizations": true, "auth": true,
		"auths": true}
)

// commonNameWords are words many agencies' names share, which name none of
// them said as an agency ("a recovery program").
var commonNameWords = map[string]bool{"recovery": true, "community": true, "support": true, "supports": true,
	"service": true, "services": true, "center": true, "centre": true, "health": true, "care": true, "network": true,
	"treatment": true, "behavioral": true, "family": true, "wellness": true, "peer": true, "housing": true,
	"counseling": true, "connecticut": true, "inc": true, "llc": true, "corp": true, "the": true, "and": true,
	"for": true, "of": true, "agency": true, "program": true, "group": true, "east": true, "west": true,
	"north": true, "south": true, "new": true, "eastern": true, "western": true, "northern": true, "southern": true}

// nameMarks are the words of the agency's name and city that mark it said
// as an agency (namedAsAnAgency): four letters or more, none of the
// words many names share nor a word of the reader's own names.
func (o agencyWords) nameMarks() map[string]bool {
	if o.marksFolded != nil {
		return o.marksFolded
	}
	own := o.own().words
	marks := map[string]bool{}
	for _, w := range strings.Fields(plain(o.Name+" "+o.City, true)) {
		if utf8.RuneCountInString(w) >= 4 && !commonNameWords[w] && !own[w] {
			marks[w] = true
		}
	}
	return marks
}

// namedByRecord reports whether a phrase (reading.phrases) holds a word
// of the agency's name or city (nameMarks) before one of recordNouns:
// right after it ("the Bridgeport voucher", "Bridgeport's PA"), or, said
// as the agency's (after a determiner or with a possessive), up to two
// words on, none a function word ("Hartford's current PA", "the
// Bridgeport ATR voucher", "Hartford's ATR-TR voucher": a re-check found
// the words between let through; "a client in Hartford needs voucher
// for rides" is the client's, a later re-check); or before a plural of
// recordPlurals said as the agency's ("the Hartford claims",
// "Hartford's requests"), not as a verb ("a client in Hartford requests
// rides": a review).
func (o agencyWords) namedByRecord(phrases []string) bool {
	marks := o.nameMarks()
	for _, c := range phrases {
		// Its letters dotted or spaced too ("the Hartford P.A.", a
		// re-check).
		toks := strings.Fields(joinLetters(c))
		at := func(i int) string {
			if i < 0 || i >= len(toks) {
				return ""
			}
			return toks[i]
		}
		for i, t := range toks {
			if !marks[t] {
				continue
			}
			next, owned := i+1, determiners[at(i-1)]
			if at(next) == "s" || at(next) == "based" {
				next, owned = next+1, owned || at(next) == "s"
			}
			if recordNouns[at(next)] {
				return true
			}
			if !owned {
				continue
			}
			// The plurals right after only: "the Hartford clinic
			// requests a ride plan" is the clinic's verb (a re-check).
			if recordPlurals[at(next)] {
				return true
			}
			for j := next; j <= next+2 && at(j) != "" && !functionWords[at(j)]; j++ {
				if recordNouns[at(j)] {
					return true
				}
			}
		}
	}
	return false
}

var (
	// recordPlurals are recordNouns' plurals that are verbs too.
	recordPlurals = map[string]bool{"requests": true, "claims": true}
	// determiners before a name word say what follows is its noun ("the
	// Hartford claims", not "in Hartford claims").
	// Not "her" nor "his", which are as often the client's ("her
	// Hartford housing voucher": a re-check).
	determiners = map[string]bool{"the": true, "their": true, "its": true, "those": true, "these": true, "all": true,
		"any": true, "other": true}
	// functionWords are words that join a clause's parts, never a noun's
	// adjective ("moved to Hartford and voucher approved").
	functionWords = map[string]bool{"and": true, "or": true, "but": true, "for": true, "to": true, "with": true, "in": true,
		"on": true, "at": true, "of": true, "by": true, "from": true, "so": true, "then": true, "than": true, "as": true,
		"if": true, "via": true, "is": true, "was": true, "are": true, "were": true, "has": true, "had": true, "no": true,
		"not": true, "a": true, "an": true, "the": true, "this": true, "that": true, "per": true}
)

// namedAsAnAgency reports whether text (plain, lower; not short, whose
// "w" for "west" would read as a word) holds a word of the agency's name
// or city said as an agency is: one of agencyNouns within a few words of
// it ("the Hartford agency", "the other agency is in Hartford", "a
// provider, located in Hartford", "Hartford's community supports team"),
// one of placeNouns right after it ("the Hartford program", "Hartford's
// clinic", "the Hartford-based program"), or a word of its name that is
// no place, written with its capital, alone ("the Alliance transports
// them"; asWritten keeps the case). A place alone is where the person
// may live or go ("staff at Hartford Hospital", "a day program in
// Hartford" pass), and a word of the reader's own names (its name, its
// staff's, the catalog's) names the reader too: neither is refused. A
// Part 2 black-box pass and its re-check found each wording.
func (o agencyWords) namedAsAnAgency(text, asWritten string) bool {
	city := map[string]bool{}
	for _, w := range strings.Fields(plain(strings.Join(append([]string{o.City}, o.Places...), " "), true)) {
		city[w] = true
	}
	marks := o.nameMarks()
	toks := strings.Fields(text)
	at := func(i int) string {
		if i < 0 || i >= len(toks) {
			return ""
		}
		return toks[i]
	}
	for i, t := range toks {
		if !marks[t] {
			continue
		}
		// Three words either way; six back after "based in", "located
		// in", "out of" ("the agency is based in Hartford"). Wider, "a
		// provider to confirm the Hartford Hospital appointment" was
		// refused (a re-check).
		back, ahead := 3, 3
		if p := at(i - 1); p == "in" || p == "of" {
			if pp := at(i - 2); pp == "based" || pp == "located" || pp == "out" {
				back = 6
			}
		}
		for j := max(0, i-back); j < i; j++ {
			if agencyNouns[toks[j]] {
				return true
			}
		}
		// Ahead, the name's common words and a possessive's "s" do not
		// count ("Hartford's community supports team").
		for j, n := i+1, 0; j < len(toks) && n < ahead; j++ {
			if agencyNouns[toks[j]] {
				return true
			}
			if toks[j] != "s" && !commonNameWords[toks[j]] {
				n++
			}
		}
		next := i + 1
		if at(next) == "s" || at(next) == "based" { // "Hartford's", "Hartford-based"
			next++
		}
		if placeNouns[at(next)] {
			return true
		}
	}
	// A word of its name that is no place, capitalized, alone.
	for _, w := range strings.Fields(plain(o.Name, true)) {
		if marks[w] && !city[w] && utf8.RuneCountInString(w) >= 5 && containsCapitalized(asWritten, []string{w}) {
			return true
		}
	}
	return false
}

// containsCapitalized reports whether the plain text (case kept) holds the
// lower-case words in a row, each written with its capital but for short
// joining words ("of", "and").
func containsCapitalized(asWritten string, words []string) bool {
	toks := strings.Fields(asWritten)
	for i := 0; i+len(words) <= len(toks); i++ {
		all := true
		for j, w := range words {
			t := toks[i+j]
			first, _ := utf8.DecodeRuneInString(t)
			if short(strings.ToLower(t)) != w || (utf8.RuneCountInString(w) > 3 && !unicode.IsUpper(first)) {
				all = false
				break
			}
		}
		if all {
			return true
		}
	}
	return false
}

// containsIDWord reports whether the plain words name the id after one of
// the nouns, alone or in a list: "provider 1", "provider id 1"
// (provider_id), "providerid 1" (providerId), "provider no 1", and
// "enrollments 10 and 9", "client #10 and #9", "authorization ids 2, 6"
// (only the first number after the noun was read: a re-check).
func containsIDWord(words string, nouns []string, id int64) bool {
	want := strconv.FormatInt(id, 10)
	toks := strings.Fields(words)
	for i := range toks {
		for _, noun := range nouns {
			nt := strings.Fields(noun)
			j := i + len(nt)
			if j > len(toks) {
				continue
			}
			last := toks[j-1]
			if !slices.Equal(toks[i:j-1], nt[:len(nt)-1]) ||
				(last != nt[len(nt)-1] && last != nt[len(nt)-1]+"id" && last != nt[len(nt)-1]+"ids") {
				continue
			}
			for ; j < len(toks); j++ {
				t := toks[j]
				// Its digits less leading zeros ("staff #021" got through
				// where "staff #21" was refused: a re-check).
				if t == want || (strings.TrimLeft(t, "0") == want && strings.Trim(t, "0123456789") == "") {
					return true
				}
				if !idListWords[t] && strings.TrimLeft(t, "0123456789") != "" {
					break
				}
			}
		}
	}
	return false
}

// idListWords join the ids of a list after its noun.
var idListWords = map[string]bool{"id": true, "ids": true, "no": true, "nos": true, "number": true, "numbers": true, "nr": true,
	"and": true, "or": true}

// namedBySurname reports whether the plain text (case kept) names one of
// the agency's surnames alone ("Mr Ibrahim", "Y. Ibrahim", "Whitfield": a
// black-box pass; the full names alone were matched), written as a name
// is: a word with its capital, compared by its letters in any case after
// that ("Desouza" for DeSouza, "Obrien" for O'Brien, "Macarthur": a
// re-check), a half of a hyphenated surname alone ("Ms Garcia" for
// Garcia-Lopez), or a surname of several words as written ("Van der
// Berg"). In lower case a surname that is also a word ("young", "long")
// is the word; a given name alone is not matched ("Will", "Hope" are
// words). A surname that is one of the reader's own names (Own) is not
// matched: it names the reader as well.
func (o agencyWords) namedBySurname(t *reading) bool {
	asWritten := t.asWritten
	own := o.own().names
	var keys []string
	for _, n := range o.Surnames {
		if c := compact(n); own[c] || utf8.RuneCountInString(c) < 2 {
			continue
		}
		keys = append(keys, compact(n))
		// The halves of a hyphenated surname, each alone.
		if parts := strings.FieldsFunc(n, func(r rune) bool { return r == '-' || r == '\u2010' }); len(parts) > 1 {
			for _, part := range parts {
				if k := compact(part); utf8.RuneCountInString(k) >= 2 && !own[k] {
					keys = append(keys, k)
				}
			}
		}
		// Several words, as written ("Van der Berg", "St John").
		if name := plain(n, false); strings.Contains(name, " ") {
			first, size := utf8.DecodeRuneInString(name)
			if containsWord(asWritten, string(unicode.ToUpper(first))+name[size:]) || containsWord(asWritten, strings.ToUpper(name)) {
				return true
			}
		}
	}
	if len(keys) == 0 {
		return false
	}
	// In an e-mail address, in any case ("y.ibrahim@…", "yibrahim@…": a
	// re-check): the local part's letters hold a surname of five letters
	// or more (shorter ones are read into too many handles).
	for _, local := range t.emailLocals {
		for _, k := range keys {
			if utf8.RuneCountInString(k) >= 5 && strings.Contains(local, k) {
				return true
			}
		}
	}
	for _, w := range strings.Fields(asWritten) {
		if first, _ := utf8.DecodeRuneInString(w); !unicode.IsUpper(first) {
			continue
		}
		if slices.Contains(keys, compact(w)) {
			return true
		}
	}
	return false
}

// staffRoleWords are what a note calls a staff member by before the name
// ("case manager Grace", "specialist Erik").
var staffRoleWords = map[string]bool{"manager": true, "specialist": true, "coach": true, "counselor": true, "counsellor": true,
	"worker": true, "supervisor": true, "assistant": true, "clinician": true, "therapist": true, "navigator": true, "mentor": true,
	"advocate": true, "peer": true, "staffer": true, "cm": true, "rs": true}

// namedByGivenName reports whether the plain words name one of the
// agency's staff by the given name after a role word or with the
// surname's initial, or for one who serves the person alone as a name is
// written, with its capital (asWritten, the plain text with case kept: in
// lower case "will" and "hope" are words, as a surname's are), unless a
// staff member of the reader's has that given name too (Own).
func (o agencyWords) namedByGivenName(words, asWritten string) bool {
	if len(o.GivenNames) == 0 {
		return false
	}
	mine := o.own().given
	toks := strings.Fields(words)
	for k, gn := range o.GivenNames {
		f := strings.Fields(plain(gn, true))
		if len(f) != 2 || utf8.RuneCountInString(f[0]) < 2 || mine[f[0]] {
			continue
		}
		given, initial := f[0], f[1]
		if k < len(o.GivenIDs) && slices.Contains(o.Staff, o.GivenIDs[k]) {
			for _, w := range strings.Fields(asWritten) {
				if first, _ := utf8.DecodeRuneInString(w); unicode.IsUpper(first) && compact(w) == compact(given) {
					return true
				}
			}
		}
		for i, t := range toks {
			if t != given {
				continue
			}
			if i > 0 && staffRoleWords[toks[i-1]] {
				return true
			}
			if i+1 < len(toks) && toks[i+1] == initial {
				return true
			}
		}
	}
	return false
}

// emailLocal finds the local part of an e-mail address.
var emailLocal = regexp.MustCompile(`([\p{L}\p{N}._%+'-]+)@`)

// nameWords are the words of a name, compacted ("Grace Okafor" is grace
// and okafor, "Garcia-Lopez" garcia and lopez, "O'Brien" obrien). Parts
// of one letter are no name.
func nameWords(n string) []string {
	var out []string
	for _, f := range strings.FieldsFunc(n, func(r rune) bool { return unicode.IsSpace(r) || r == '-' || r == '‐' }) {
		if c := compact(f); utf8.RuneCountInString(c) >= 2 {
			out = append(out, c)
		}
	}
	return out
}

// joinLetters joins the runs of single letters of a plain text ("H R A
// holds it", from "H.R.A. holds it") into one word ("HRA holds it").
func joinLetters(s string) string {
	fields := strings.Split(s, " ")
	var b strings.Builder
	for i, f := range fields {
		if i > 0 && !(utf8.RuneCountInString(f) == 1 && utf8.RuneCountInString(fields[i-1]) == 1) {
			b.WriteByte(' ')
		}
		b.WriteString(f)
	}
	return b.String()
}

// commonStreets are street names most towns have.
var commonStreets = map[string]bool{"main": true, "first": true, "second": true, "third": true, "park": true, "church": true,
	"elm": true, "oak": true, "maple": true, "pine": true, "cedar": true, "broad": true, "high": true, "center": true,
	"washington": true, "state": true, "market": true, "union": true, "water": true, "mill": true, "school": true,
	"spring": true, "franklin": true, "lincoln": true, "prospect": true, "pleasant": true, "river": true, "bridge": true}

// directions and streetKinds are the short forms (short) that come before
// and after a street's own name ("w main st").
var (
	directions  = map[string]bool{"n": true, "s": true, "e": true, "w": true}
	streetKinds = map[string]bool{"st": true, "ave": true, "rd": true, "blvd": true, "dr": true, "ln": true, "pl": true, "ct": true,
		"hwy": true, "pkwy": true, "sq": true, "ter": true}
)

// streetShort are the short forms addresses are written with.
var streetShort = map[string]string{"street": "st", "avenue": "ave", "road": "rd", "boulevard": "blvd", "drive": "dr",
	"lane": "ln", "place": "pl", "court": "ct", "highway": "hwy", "parkway": "pkwy", "suite": "ste", "square": "sq",
	"terrace": "ter", "north": "n", "south": "s", "east": "e", "west": "w"}

// short writes each word of a plain, lower-case text that has a street
// short form in it ("45 asylum street" and "45 asylum st" read alike).
func short(s string) string {
	fields := strings.Split(s, " ")
	for i, f := range fields {
		if r, ok := streetShort[f]; ok {
			fields[i] = r
		}
	}
	return strings.Join(fields, " ")
}

// plain folds s for comparing words: compatibility forms (fullwidth
// letters, ligatures) to their plain letters, accents and format
// characters (zero-width spaces, soft hyphens) dropped, case folded when
// lower, and each run of
// anything but letters and digits (spaces, line breaks, hyphens,
// punctuation) made one space.
func plain(s string, lower bool) string {
	var b strings.Builder
	gap := true
	for _, r := range norm.NFKD.String(s) {
		r = latinLookalike(r)
		switch {
		case unicode.Is(unicode.Cf, r), unicode.Is(unicode.Mn, r):
		case isWordRune(r):
			if lower {
				r = unicode.ToLower(r)
			}
			b.WriteRune(r)
			gap = false
		case !gap:
			b.WriteByte(' ')
			gap = true
		}
	}
	return strings.TrimSuffix(b.String(), " ")
}

// compact keeps the letters and digits of s, case folded: an NPI, tax id,
// phone or authorization number however it was spaced or punctuated.
func compact(s string) string {
	s = sharpS.Replace(s)
	return strings.Map(func(r rune) rune {
		if r = latinLookalike(r); isWordRune(r) {
			return unicode.ToLower(r)
		}
		return -1
	}, norm.NFKD.String(s))
}

// containsWord reports whether s holds word with no letter or digit on
// either side (an agency code such as "HRA" inside "three" is no mention;
// "HRA’s", "“HRA”" and "HRA—" are).
func containsWord(s, word string) bool {
	if word == "" {
		return false
	}
	for i := 0; ; {
		j := strings.Index(s[i:], word)
		if j < 0 {
			return false
		}
		j += i
		end := j + len(word)
		before, _ := utf8.DecodeLastRuneInString(s[:j])
		after, _ := utf8.DecodeRuneInString(s[end:])
		if (j == 0 || !isWordRune(before)) && (end == len(s) || !isWordRune(after)) {
			return true
		}
		i = j + 1
	}
}

func isWordRune(r rune) bool { return unicode.IsLetter(r) || unicode.IsDigit(r) }

// latinLookalike is the Latin letter r is drawn as, for the small capitals
// and the Cyrillic and Greek letters that NFKD leaves apart ("HʀA", its R a
// small capital, got through a reviewer black-box pass); any other rune is
// itself.
func latinLookalike(r rune) rune {
	if r < utf8.RuneSelf {
		return r // ASCII, most of every text: no lookup
	}
	if l, ok := lookalikes[r]; ok {
		return l
	}
	// A decimal digit of another script is its ASCII digit ("staff ٢٣"
	// got through where "staff 23" was refused: a re-check). Unicode
	// keeps each script's digits in runs of ten from zero, so a digit's
	// value is its distance from its run's start, mod ten; compatibility
	// forms (fullwidth, mathematical) are folded before this (NFKD).
	if unicode.IsDigit(r) {
		start := r
		for unicode.IsDigit(start - 1) {
			start--
		}
		return '0' + (r-start)%10
	}
	return r
}

// sharpS writes ß (and its capital) as the ss it reads as: two letters,
// which no one-letter lookalike can be.
var sharpS = strings.NewReplacer("ß", "ss", "ẞ", "SS")

var lookalikes = func() map[rune]rune {
	m := map[rune]rune{}
	for _, pair := range []string{
		// small capitals
		"ᴀa", "ʙb", "ᴄc", "ᴅd", "ᴇe", "ꜰf", "ɢg", "ʜh", "ɪi", "ᴊj", "ᴋk", "ʟl", "ᴍm", "ɴn", "ᴏo", "ᴘp", "ʀr", "ꜱs", "ᴛt",
		"ᴜu", "ᴠv", "ᴡw", "ʏy", "ᴢz",
		// Cyrillic
		"АA", "аa", "ВB", "вb", "СC", "сc", "ЕE", "еe", "НH", "һh", "ІI", "іi", "ЈJ", "јj", "КK", "кk", "МM", "мm", "ОO", "оo",
		"РP", "рp", "ЅS", "ѕs", "ТT", "тt", "ХX", "хx", "УY", "уy", "ԁd", "ԛq", "ԝw",
		// Greek
		"ΑA", "αa", "ΒB", "ΕE", "ΖZ", "ΗH", "ΙI", "ιi", "ΚK", "κk", "ΜM", "ΝN", "νv", "ΟO", "οo", "ΡP", "ρp", "ΤT", "τt",
		"ΥY", "υu", "ΧX", "χx",
		// Latin letters with a stroke or a hook, which no decomposition
		// takes apart ("Transportatiøn" stood beside "Transportation": a
		// black-box pass)
		"ØO", "øo", "ŁL", "łl", "ĐD", "đd", "ƉD", "ɖd", "ĦH", "ħh", "ŦT", "ŧt", "ƀb", "ɓb", "ƇC", "ƈc", "ɗd", "ƑF", "ƒf",
		"ƘK", "ƙk", "ƤP", "ƥp", "ƬT", "ƭt", "ƵZ", "ƶz", "ɨi", "ʂs",
	} {
		rs := []rune(pair)
		m[rs[0]] = rs[1]
	}
	return m
}()
