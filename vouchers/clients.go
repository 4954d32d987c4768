package vouchers

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"sort"
	"strings"
	"time"
	"unicode"

	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"

	"rss"
	"rss/access"
	"rss/adjudication"
	"rss/ledger"
	"rss/pg"
	"rss/x12"
)

// Client is an agency's record of a person it serves. It holds only what
// that agency sent: another agency's record of the same person is another
// client, tied to this one by PersonID, which only the MSC roles see.
type Client struct {
	ID                 int64     `json:"id" db:"id"`
	PersonID           int64     `json:"person_id,omitempty" db:"person_id"`
	ProviderID         int64     `json:"provider_id" db:"provider_id"`
	FirstName          string    `json:"first_name" db:"first_name"`
	LastName           string    `json:"last_name" db:"last_name"`
	DateOfBirth        rss.Date  `json:"date_of_birth" db:"date_of_birth"`
	Gender             string    `json:"gender" db:"gender"`
	MedicaidID         *string   `json:"medicaid_id" db:"medicaid_id"`
	CatchmentArea      string    `json:"catchment_area" db:"catchment_area"`
	SubstanceUseStatus string    `json:"substance_use_status" db:"substance_use_status"`
	AddressLine1       *string   `json:"address_line1" db:"address_line1"`
	City               *string   `json:"city" db:"city"`
	State              *string   `json:"state" db:"state"`
	Zip                *string   `json:"zip" db:"zip"`
	CreatedAt          time.Time `json:"created_at" db:"created_at"`
	// Eligibility is filled only where the claims intake reads a client
	// with its facts; GET /v1/clients/{id}/eligibility lists the spans.
	Eligibility []EligibilitySpan `json:"eligibility,omitempty" db:"-"`
}

// shownTo hides what only the MSC may see: which person the record is.
func (c *Client) shownTo(a access.Actor) {
	if a.IsProvider() {
		c.PersonID = 0
	}
}

// NewClient registers a client.
type NewClient struct {
	FirstName          string   `json:"first_name"`
	LastName           string   `json:"last_name"`
	DateOfBirth        rss.Date `json:"date_of_birth"`
	Gender             *string  `json:"gender"` // U when left out
	MedicaidID         *string  `json:"medicaid_id"`
	CatchmentArea      string   `json:"catchment_area"`
	SubstanceUseStatus *string  `json:"substance_use_status"` // unknown when left out
	AddressLine1       *string  `json:"address_line1"`
	City               *string  `json:"city"`
	State              *string  `json:"state"`
	Zip                *string  `json:"zip"`
}

var medicaidRe = regexp.MustCompile(`^[A-Z0-9]{6,20}$`)

// digitRun reports whether id is digits counting up or down by one
// (123456, 987654, 890123: 9 runs on to 0): keyed as placeholders as one
// digit repeated is.
func digitRun(id string) bool {
	up, down := true, true
	for i := 1; i < len(id); i++ {
		if id[i] < '0' || id[i] > '9' || id[i-1] < '0' || id[i-1] > '9' {
			return false
		}
		step := (int(id[i]) - int(id[i-1]) + 10) % 10 // 9 to 0 runs on, as 0 to 9
		up = up && step == 1
		down = down && step == 9
	}
	return up || down
}

// medicaidIDMessage is why id (upper case, trimmed) is no Medicaid ID, ""
// when it may be one. A person is matched across agencies by Medicaid ID
// and date of birth, so a placeholder keyed while Medicaid is applied for
// (PENDING, UNKNOWN, 000000) tied two people born the same day into one:
// shared caps, a duplicate check and a consent disclosing one human's
// records against another's (42 CFR Part 2; a black-box pass). An id
// Medicaid issues has a digit and is not one character repeated; the
// state's own format is not assumed, so a placeholder of another shape
// still passes (written down in README). The digits of an id with
// letters are held to the same: PENDING000000, TBD123456 and X111111
// joined strangers as the bare placeholders did (a re-check of the
// forty-second stop).
func medicaidIDMessage(id string) string {
	const format = "medicaid_id must be 6-20 letters or digits"
	digits := strings.Map(func(r rune) rune {
		if r >= '0' && r <= '9' {
			return r
		}
		return -1
	}, id)
	switch {
	case !medicaidRe.MatchString(id):
		return format
	case digits == "", strings.Count(id, id[:1]) == len(id), digitRun(id),
		strings.Count(digits, digits[:1]) == len(digits), digitRun(digits):
		return format + ", at least one a digit, not one character repeated nor its digits one repeated or a run: a placeholder (PENDING, 000000, TBD123456) " +
			"would match people who are not the same person; leave it out until Medicaid issues one"
	}
	return ""
}

// A client's address goes on the 837P as the subscriber's N3/N4, held to
// what the agency's own address is held to: a USPS state code and a real
// ZIP (a black-box pass registered XX and 00000, which went to Medicaid).
const (
	stateMessage = "state must be a USPS state or territory code (CT)"
	zipMessage   = "zip must be a ZIP code: 5 or 9 digits, not 00000"
)

func (n *NewClient) validate(today rss.Date) error {
	v := &rss.ValidationError{}
	n.FirstName, n.LastName = strings.TrimSpace(n.FirstName), strings.TrimSpace(n.LastName)
	checkName(v, "first_name", n.FirstName, x12.PersonFirstName)
	checkName(v, "last_name", n.LastName, x12.PersonLastName)
	switch {
	case n.DateOfBirth.IsZero():
		v.Add("date_of_birth", "required", "date_of_birth is required")
	case n.DateOfBirth.After(today):
		v.Add("date_of_birth", "in_future", "date_of_birth is in the future: %s", rss.TodayIs(today))
	case n.DateOfBirth.Year() < 1901:
		v.Add("date_of_birth", "out_of_range", "date_of_birth is not plausible")
	}
	// Left out, they take their defaults; sent empty, they are refused as
	// every other optional field is ("" was stored as the default).
	optionalOneOf(v, "gender", &n.Gender, genders, "U")
	if n.MedicaidID != nil {
		*n.MedicaidID = strings.ToUpper(strings.TrimSpace(*n.MedicaidID))
		if *n.MedicaidID == "" {
			// Sent empty, as every optional field is (a new-user pass read
			// invalid_format here and required for the others).
			v.Add("medicaid_id", "required", "medicaid_id may be left out but not sent empty")
		} else if m := medicaidIDMessage(*n.MedicaidID); m != "" {
			v.Add("medicaid_id", "invalid_format", m)
		}
	}
	checkAreaCode(v, n.CatchmentArea)
	optionalOneOf(v, "substance_use_status", &n.SubstanceUseStatus, substanceUseStatuses, "unknown")
	checkAddress(v, "address_line1", n.AddressLine1, x12.AddressLine)
	checkAddress(v, "city", n.City, x12.City)
	if n.State != nil && !x12.StateCode(*n.State) {
		v.Add("state", "invalid_format", stateMessage)
	}
	if n.Zip != nil && !x12.ZIPCode(*n.Zip) {
		v.Add("zip", "invalid_format", zipMessage)
	}
	return v.Err()
}

// What a client's gender and substance use status may be, at registration
// and in a correction alike.
var (
	genders              = []string{"F", "M", "U"}
	substanceUseStatuses = []string{"active", "in_recovery", "unknown"}
)

// optionalOneOf checks an optional field that must be one of set: left out
// (nil), it is given def; sent empty, it is refused.
func optionalOneOf(v *rss.ValidationError, field string, p **string, set []string, def string) {
	if *p == nil {
		*p = &def
		return
	}
	checkOneOf(v, field, **p, set)
}

// checkOneOf checks a value sent that must be one of set.
func checkOneOf(v *rss.ValidationError, field, x string, set []string) {
	switch {
	case x == "":
		v.Add(field, "required", "%s may be left out, but not empty", field)
	case !contains(set, x):
		v.Add(field, "invalid_value", "%s must be %s or %s", field, strings.Join(set[:len(set)-1], ", "), set[len(set)-1])
	}
}

// checkAreaCode checks a client's catchment area as sent (knownArea reads
// whether it is one): a code, taken as it is, as the rules compare it.
func checkAreaCode(v *rss.ValidationError, area string) {
	if area == "" {
		v.Add("catchment_area", "required", "catchment_area is required")
	} else if len(area) > maxCodeLen {
		v.Add("catchment_area", "too_long", "catchment_area must be at most %d characters", maxCodeLen)
	}
}

// knownArea refuses a catchment area that is not one (422 unknown_id).
func knownArea(ctx context.Context, tx *sqlx.Tx, area string) error {
	var ok bool
	if err := tx.GetContext(ctx, &ok, `SELECT EXISTS (SELECT 1 FROM catchment_areas WHERE code = $1)`, area); err != nil {
		return fmt.Errorf("catchment area: %w", err)
	}
	if !ok {
		return rss.Invalid("catchment_area", "unknown_id", "no catchment area %q", area)
	}
	return nil
}

const clientColumns = `c.id, c.person_id, c.provider_id, c.first_name, c.last_name, c.date_of_birth, c.gender, c.medicaid_id,
	c.catchment_area, c.substance_use_status, c.address_line1, c.city, c.state, c.zip, c.created_at`

// CreateClient registers a person for the caller's agency and returns the
// agency's record of them. The answer is the same whether or not another
// agency already serves the person (42 CFR Part 2: a provider never learns
// that someone is known elsewhere): a new record, with a new id, holding
// exactly what was sent. Behind it the record joins the person the MSC
// already knows (same Medicaid ID and date of birth, or same name and date
// of birth with no other Medicaid ID), so caps and duplicate checks see all
// of their care. Only a person the agency itself already registered comes
// back as it was, with created=false.
func (s *Service) CreateClient(ctx context.Context, n NewClient) (Client, bool, error) {
	r, err := s.Register(ctx, n)
	return r.Client, r.Created, err
}

// Registration is what registering a person answers: the agency's record
// of them, and whether it is new (or the agency's own earlier one).
type Registration struct {
	Client
	Created bool `json:"-"`
}

// Register registers a person for the caller's agency (see CreateClient).
func (s *Service) Register(ctx context.Context, n NewClient) (Registration, error) {
	a, err := access.Require(ctx, access.RoleProvider)
	if err != nil {
		return Registration{}, err
	}
	if err := n.validate(s.Today()); err != nil {
		return Registration{}, err
	}
	var reg Registration
	out, created := &reg.Client, &reg.Created
	err = write(ctx, s, &reg, func(ctx context.Context, tx *sqlx.Tx) error {
		reg = Registration{} // afresh when the transaction runs again
		// What the request answers, and a retry replays, is what the
		// caller may see.
		defer reg.shownTo(a)
		if err := knownArea(ctx, tx, n.CatchmentArea); err != nil {
			return err
		}
		// Serialise registrations of one identity (by name and birth date,
		// and by Medicaid ID), so agencies registering a person at once
		// join one person, and one agency never makes two records of them.
		keys := []string{"client:" + personNameKey(n.LastName) + "|" + personNameKey(n.FirstName) + "|" + n.DateOfBirth.String()}
		if n.MedicaidID != nil {
			keys = append(keys, "medicaid:"+*n.MedicaidID)
		}
		sort.Strings(keys)
		for _, k := range keys {
			if _, err := tx.ExecContext(ctx, `SELECT pg_advisory_xact_lock(hashtext($1))`, k); err != nil {
				return err
			}
		}

		var own []Client
		if err := tx.SelectContext(ctx, &own, `SELECT `+clientColumns+` FROM clients c
			WHERE c.provider_id = $5 AND (($1::text IS NOT NULL AND c.medicaid_id = $1)
			   OR (person_name_key(c.last_name) = person_name_key($2) AND person_name_key(c.first_name) = person_name_key($3)
			       AND c.date_of_birth = $4))
			ORDER BY (c.medicaid_id = $1) DESC NULLS LAST, (lower(c.last_name) = lower($2) AND lower(c.first_name) = lower($3)) DESC, c.id
			LIMIT 2`,
			n.MedicaidID, n.LastName, n.FirstName, n.DateOfBirth, a.ProviderID); err != nil {
			return fmt.Errorf("match own client: %w", err)
		}
		if len(own) > 0 {
			// The agency's own record: nothing here is news to it. Of two
			// that fold to one name (registered as "O'Brien" and "OBrien"
			// before migration 00106), the one spelled as sent (a review).
			*out = own[0]
			if n.MedicaidID != nil && out.MedicaidID != nil && *out.MedicaidID == *n.MedicaidID && !out.DateOfBirth.Equal(n.DateOfBirth) {
				return rss.OnFile("client", out.ID, "medicaid_id_in_use",
					"client %d of this agency already has this Medicaid ID with another date of birth", out.ID)
			}
			// An ID too weak to name a person on its own (strongMedicaidID)
			// names the agency's record only beside a first name that
			// agrees, as it joins another agency's (firstNameAgrees): a
			// second person registered under the same placeholder and
			// birth date was answered with the first one's record,
			// whatever the name (a re-check of the forty-third stop), and
			// a twin, the last name agreeing, still was (a black-box pass
			// of the forty-fourth).
			if n.MedicaidID != nil && out.MedicaidID != nil && *out.MedicaidID == *n.MedicaidID && !strongMedicaidID(n.MedicaidID) &&
				personNameKey(out.FirstName) != personNameKey(n.FirstName) {
				return rss.OnFile("client", out.ID, "medicaid_id_in_use",
					"client %d of this agency already has this Medicaid ID under another name; a placeholder is left out until Medicaid issues an ID", out.ID)
			}
			if n.MedicaidID != nil && out.MedicaidID != nil && *out.MedicaidID != *n.MedicaidID {
				// An ID the record held on an earlier span is the record's
				// own: the agency's roster sent from before the ID moved on
				// read "another Medicaid ID", while the same ID under
				// another name found this very record (a clients black-box
				// pass).
				var earlier bool
				if err := tx.GetContext(ctx, &earlier, `SELECT EXISTS (SELECT 1 FROM client_eligibility
					WHERE client_id = $1 AND medicaid_id = $2)`, out.ID, *n.MedicaidID); err != nil {
					return fmt.Errorf("medicaid id on the record's spans: %w", err)
				}
				if !earlier {
					return rss.OnFile("client", out.ID, "client_identity_conflict",
						"client %d of this agency has this name and date of birth and another Medicaid ID", out.ID)
				}
			}
			// A Medicaid ID the record lacks is not written here: the 200
			// answers the record as it is, and an ID reaches a record as
			// an eligibility span, from a day the agency names (a
			// black-box pass found a re-registration quietly writing an
			// ID, and a span from three months back, that another person
			// held).
			if n.MedicaidID != nil && out.MedicaidID == nil {
				return rss.OnFile("client", out.ID, "medicaid_id_not_on_file",
					"client %d of this agency has this name and date of birth and no Medicaid ID; record the ID as an "+
						"eligibility span (POST /v1/clients/%d/eligibility)", out.ID, out.ID)
			}
			// The answer shows the record: a read, audited as every read of
			// a client's record is (a black-box pass found none).
			return access.Record(ctx, tx, access.Event{Action: "read", EntityType: "client", EntityID: access.ID(out.ID),
				ClientID: out.ID, Outcome: "registration"})
		}

		// A Medicaid ID on any span of another client of the agency is
		// that person's, also when their id on file has moved on to a
		// newer span: only the id on file was read, so an old id still
		// covering one client was given to a second person, and both
		// could be billed under it (a black-box pass). AddEligibility
		// refuses the same; both hold the ID's lock above.
		if n.MedicaidID != nil {
			var held int64
			err := tx.GetContext(ctx, &held, `SELECT g.client_id FROM client_eligibility g JOIN clients o ON o.id = g.client_id
				WHERE o.provider_id = $1 AND g.medicaid_id = $2 ORDER BY g.client_id LIMIT 1`, a.ProviderID, *n.MedicaidID)
			if err == nil {
				return rss.OnFile("client", held, "medicaid_id_in_use",
					"client %d of this agency holds this Medicaid ID on an eligibility span", held)
			}
			if !errors.Is(err, pg.ErrNoRows) {
				return fmt.Errorf("medicaid id on a span: %w", err)
			}
		}

		person, err := matchPerson(ctx, tx, &n, a.ProviderID)
		if err != nil {
			return err
		}
		if person != 0 {
			// Two registrations of the agency's under two identities (one
			// by name, one by Medicaid ID) take different locks above, yet
			// may match one person through another agency's record: both
			// inserted, and the second was a 409 registration_conflict
			// that a stranger's pair, matching nothing, never met (a Part 2
			// audit). The person and agency are held, and the match read
			// again once the other has committed: as sent one after the
			// other, the second is a person of its own.
			// Read again, the match may be another person, held in turn:
			// each turn follows a registration that committed meanwhile,
			// after which the person it matched is no match again, so the
			// turns end (bounded all the same; registration_conflict is the
			// guard past them).
			for held, turns := int64(0), 0; person != 0 && person != held && turns < 4; turns++ {
				if _, err := tx.ExecContext(ctx, `SELECT pg_advisory_xact_lock(hashtext($1))`,
					fmt.Sprintf("person-agency:%d|%d", person, a.ProviderID)); err != nil {
					return err
				}
				held = person
				if person, err = matchPerson(ctx, tx, &n, a.ProviderID); err != nil {
					return err
				}
			}
		}
		if person == 0 {
			if err := tx.GetContext(ctx, &person, `INSERT INTO persons DEFAULT VALUES RETURNING id`); err != nil {
				return fmt.Errorf("new person: %w", err)
			}
		}
		err = tx.GetContext(ctx, out, `INSERT INTO clients AS c (person_id, provider_id, first_name, last_name, date_of_birth, gender,
				medicaid_id, catchment_area, substance_use_status, address_line1, city, state, zip)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13) RETURNING `+clientColumns,
			person, a.ProviderID, n.FirstName, n.LastName, n.DateOfBirth, n.Gender, n.MedicaidID, n.CatchmentArea, n.SubstanceUseStatus,
			n.AddressLine1, n.City, n.State, n.Zip)
		if err != nil {
			return clientError(err)
		}
		*created = true
		if n.MedicaidID != nil {
			if err := openRegistrationSpan(ctx, tx, out.ID, *n.MedicaidID, s.Today()); err != nil {
				return err
			}
		}
		return access.Record(ctx, tx, access.Event{Action: "create", EntityType: "client", EntityID: access.ID(out.ID),
			ClientID: out.ID, Outcome: "registration"})
	})
	return reg, err
}

// personNameKey is a name as a registration matches it, as the schema's
// person_name_key (migration 00106) folds it: its letters and digits, case
// folded, so "O'Brien" is "OBrien" and "Mary Ann" is "Maryann" (each
// agency writes the apostrophe, hyphen or space its own way; compared with
// their case folded only, they made two persons: a black-box pass).
func personNameKey(name string) string {
	return strings.Map(func(r rune) rune {
		if unicode.IsLetter(r) || unicode.IsDigit(r) {
			return unicode.ToLower(r)
		}
		return -1
	}, name)
}

// matchPerson finds the person another agency's record already names:
// the same Medicaid ID and date of birth, else the same name
// (personNameKey) and date of birth where no record of that person
// carries another Medicaid ID. An ID a record held on an earlier
// eligibility span is its person's as much as the one on file: the
// person whose ID had moved on was registered by a second agency with
// the old one as a person of their own, caps and duplicates not shared
// (a clients re-check), where the agency's own re-registration with it
// found its record. It
// returns 0 for someone new. A Medicaid ID held by a person born on another
// day starts a new person: the conflict is the MSC's to resolve, and no
// answer to the registering agency may show it.
//
// A person the registering agency already holds another record of (under
// another name, or without the Medicaid ID) is no match: the agency's own
// search found no record of it, so it reads as a new person, as it would if
// no other agency knew either. Matched through another agency's record,
// the second record of the agency broke clients_one_record_per_agency, a
// 500 that told the agency another one had linked the two (a black-box
// pass).
//
// A span's ID that joined a record to the person the MSC separated it from
// (client_separations.medicaid_ids) is not read as the record's: kept, a
// later registration giving the mistyped ID could join the separated
// record's person again. A name and birth date that two persons share,
// with no Medicaid ID joining either, names neither: someone new.
func matchPerson(ctx context.Context, tx *sqlx.Tx, n *NewClient, providerID int64) (int64, error) {
	var found []struct {
		Person int64 `db:"person_id"`
		ByID   bool  `db:"by_id"`
	}
	// The candidates are read by index each (the Medicaid ID on file, on a
	// span, the name's key), then joined: one OR over clients scanned the
	// identity index by birth date (a review).
	err := tx.SelectContext(ctx, &found, `WITH cand (id, by_id) AS (
			SELECT c.id, true FROM clients c WHERE $1::text IS NOT NULL AND c.medicaid_id = $1 AND ($6 OR `+firstNameAgrees+`)
			UNION
			SELECT g.client_id, true FROM client_eligibility g JOIN clients c ON c.id = g.client_id
			WHERE $1::text IS NOT NULL AND g.medicaid_id = $1 AND NOT `+separatedSpan+` AND ($6 OR `+firstNameAgrees+`)
			UNION
			SELECT c.id, false FROM clients c
			WHERE person_name_key(c.last_name) = person_name_key($2) AND person_name_key(c.first_name) = person_name_key($3)
			  AND c.date_of_birth = $4
			  AND ($1::text IS NULL OR NOT EXISTS (
			      SELECT 1 FROM clients o WHERE o.person_id = c.person_id AND o.medicaid_id <> $1
			        AND NOT EXISTS (SELECT 1 FROM client_eligibility g WHERE g.client_id = o.id AND g.medicaid_id = $1
			                        AND NOT `+separatedSpan+`))))
		SELECT c.person_id, bool_or(cand.by_id) AS by_id FROM cand JOIN clients c ON c.id = cand.id
		WHERE c.date_of_birth = $4
		  AND NOT EXISTS (SELECT 1 FROM clients h WHERE h.person_id = c.person_id AND h.provider_id = $5)
		GROUP BY c.person_id
		ORDER BY bool_or(cand.by_id) DESC, bool_or(c.medicaid_id = $1) DESC NULLS LAST, c.person_id`,
		n.MedicaidID, n.LastName, n.FirstName, n.DateOfBirth, providerID, strongMedicaidID(n.MedicaidID))
	if err != nil {
		return 0, fmt.Errorf("match person: %w", err)
	}
	switch {
	case len(found) == 0:
		return 0, nil
	case found[0].ByID, len(found) == 1:
		return found[0].Person, nil
	}
	// A name and birth date two persons share names neither: after the
	// MSC separated a record joined by them, a third agency's
	// registration of that name was joined to the first person again,
	// the lower id (a separation black-box pass of the forty-fifth stop).
	return 0, nil
}

// firstNameAgrees is whether client c's first name reads as the one
// registered ($3; personNameKey). A Medicaid ID of fewer than
// strongDigits digits joins a record to another agency's person only
// beside it ($6 false): a placeholder keyed as an ID (TBD777, PENDING1)
// shared by two people born the same day made them one person, with
// shared caps, a duplicate check, one's consent showing the other's
// enrollments (42 CFR Part 2; re-checks of the forty-second stop), and a
// name held inside another (Al in Walter) joined strangers too. A last
// name agreeing alone joined twins keyed under one placeholder, whom the
// MSC could not part while they shared it (a black-box pass of the
// forty-fourth stop): a family's name is not a person's. A married name
// still joins, the first name agreeing; a nickname waits for the ID
// Medicaid issues, which joins the record when recorded (joinByNewID).
// An ID of Medicaid's own length joins on its own, so a person registered
// under a nickname and a married name at two agencies stays one person,
// caps shared (read as two, both agencies were granted the same days).
const firstNameAgrees = `(person_name_key(c.first_name) = person_name_key($3))`

// strongDigits is how many digits a Medicaid ID holds for it to join a
// person on its own (firstNameAgrees): Connecticut's run to nine, and the
// placeholders agencies key (TBD777, NONE00, PENDING1) to few.
const strongDigits = 6

// strongMedicaidID reports whether id's digits, the zeros before the
// first other digit left out, are strongDigits or more of three different
// digits at least: a placeholder padded with zeros or one digit
// (TBD0000001, TBD0000012, PEND1111112) passes the format's check, and
// joined two strangers born the same day on its own (re-checks of the
// forty-third stop). Such an ID joins only beside a name, as a short one
// does; an ID Medicaid issued seldom has so few.
func strongMedicaidID(id *string) bool {
	if id == nil {
		return false
	}
	n := 0
	var seen [10]bool
	kinds := 0
	for _, r := range *id {
		if r < '0' || r > '9' || (n == 0 && r == '0') {
			continue
		}
		n++
		if !seen[r-'0'] {
			seen[r-'0'] = true
			kinds++
		}
	}
	return n >= strongDigits && kinds >= 3
}

// separatedSpan is whether eligibility span g holds an ID its record was
// separated from (Separate).
const separatedSpan = `EXISTS (SELECT 1 FROM client_separations x WHERE x.client_id = g.client_id AND g.medicaid_id = ANY (x.medicaid_ids))`

func clientError(err error) error {
	if pg.IsViolation(err, pg.CodeUniqueViolation, "clients_medicaid_id_unique") {
		return rss.Coded(rss.ErrConflict, "medicaid_id_in_use", "another client of this agency already has this Medicaid ID")
	}
	// Two registrations of one person at one agency passing each other (the
	// person match reads no record of the agency's, matchPerson): the later
	// is told to try again, where it was a 500.
	if pg.IsViolation(err, pg.CodeUniqueViolation, "clients_one_record_per_agency") {
		return rss.Coded(rss.ErrConflict, "registration_conflict", "another registration of this client was under way; send it again")
	}
	return err
}

// canSeeClient returns ErrNotFound unless the actor may see the client
// record: MSC roles see every record, a provider its agency's own.
func canSeeClient(ctx context.Context, ext pg.Ext, a access.Actor, clientID int64) error {
	var ok bool
	var err error
	if a.IsProvider() {
		err = sqlx.GetContext(ctx, ext, &ok, `SELECT EXISTS (SELECT 1 FROM clients WHERE id = $1 AND provider_id = $2)`, clientID, a.ProviderID)
	} else {
		err = sqlx.GetContext(ctx, ext, &ok, `SELECT EXISTS (SELECT 1 FROM clients WHERE id = $1)`, clientID)
	}
	if err != nil {
		return fmt.Errorf("check client access: %w", err)
	}
	if !ok {
		return fmt.Errorf("%w: client %d", rss.ErrNotFound, clientID)
	}
	return nil
}

// ClientPatch corrects a client record's address, the 837P subscriber's
// (a Medicaid claim without it is denied 16/MA37, whose next step is to
// record it: there was no way to), and its catchment area, gender and
// substance use status (a denial CATCHMENT_AREA_NOT_SERVED_BY_AGENCY tells
// the agency to correct the area, and none of them could be: a black-box
// pass). A field set changes, left out stays; none is cleared. Names, date
// of birth and the Medicaid id are not here: they identify the person
// (eligibility spans carry Medicaid ids).
type ClientPatch struct {
	AddressLine1       rss.Optional[string] `json:"address_line1"`
	City               rss.Optional[string] `json:"city"`
	State              rss.Optional[string] `json:"state"`
	Zip                rss.Optional[string] `json:"zip"`
	CatchmentArea      rss.Optional[string] `json:"catchment_area"`
	Gender             rss.Optional[string] `json:"gender"`
	SubstanceUseStatus rss.Optional[string] `json:"substance_use_status"`
}

// UpdateClient applies p to the agency's own client record (provider keys)
// or any record (admin), and records the change: the audit event's outcome
// names the fields changed, never their values (the area, gender and
// substance use status are the client's). A value sent as it is on file
// changes nothing, and a patch that changes nothing writes no update (the
// record it answers is an audited read). A catchment area changed is the
// client's from then on: decisions made keep the area their facts stored
// and replay from it.
func (s *Service) UpdateClient(ctx context.Context, id int64, p ClientPatch) (Client, error) {
	a, err := access.Require(ctx, access.RoleProvider, access.RoleAdmin)
	if err != nil {
		return Client{}, err
	}
	v := &rss.ValidationError{}
	type field struct {
		col   string
		value string
		now   func(*Client) *string // the value on file
	}
	var fields []field
	for _, f := range []struct {
		col   string
		o     rss.Optional[string]
		check func(*string)
		now   func(*Client) *string
	}{
		{"address_line1", p.AddressLine1, func(x *string) { checkAddress(v, "address_line1", x, x12.AddressLine) },
			func(c *Client) *string { return c.AddressLine1 }},
		{"city", p.City, func(x *string) { checkAddress(v, "city", x, x12.City) }, func(c *Client) *string { return c.City }},
		{"state", p.State, func(x *string) {
			if *x = strings.TrimSpace(*x); !x12.StateCode(*x) {
				v.Add("state", "invalid_format", stateMessage)
			}
		}, func(c *Client) *string { return c.State }},
		{"zip", p.Zip, func(x *string) {
			if *x = strings.TrimSpace(*x); !x12.ZIPCode(*x) {
				v.Add("zip", "invalid_format", zipMessage)
			}
		}, func(c *Client) *string { return c.Zip }},
		// As at registration: the area is a code, as sent (whether it is
		// one is read in the transaction), the others one of their sets.
		{"catchment_area", p.CatchmentArea, func(x *string) { checkAreaCode(v, *x) }, func(c *Client) *string { return &c.CatchmentArea }},
		{"gender", p.Gender, func(x *string) { checkOneOf(v, "gender", *x, genders) }, func(c *Client) *string { return &c.Gender }},
		{"substance_use_status", p.SubstanceUseStatus, func(x *string) { checkOneOf(v, "substance_use_status", *x, substanceUseStatuses) },
			func(c *Client) *string { return &c.SubstanceUseStatus }},
	} {
		if !f.o.Set {
			continue
		}
		// Corrected, never cleared: a Medicaid claim found payable was
		// judged on the address, and the 837P its batch writes must carry
		// it (an address cleared after the claim went out with no N3/N4; a
		// black-box pass); the rest are required at registration.
		if f.o.Null {
			v.Add(f.col, "not_allowed", "%s is corrected, not cleared: send the right value", f.col)
			continue
		}
		x := f.o.Value
		f.check(&x)
		fields = append(fields, field{f.col, x, f.now})
	}
	if len(fields) == 0 && v.Err() == nil {
		v.Add("body", "empty_patch",
			"nothing to change: address_line1, city, state, zip, catchment_area, gender and substance_use_status may be set")
	}
	if err := v.Err(); err != nil {
		return Client{}, err
	}
	var out Client
	err = s.transact(ctx, func(ctx context.Context, tx *sqlx.Tx) error {
		if err := canWriteClient(ctx, tx, a, id); err != nil {
			return err
		}
		if p.CatchmentArea.Set {
			if err := knownArea(ctx, tx, p.CatchmentArea.Value); err != nil {
				return err
			}
		}
		// Held while compared, so two corrections at once each compare
		// with what the other wrote; NO KEY, as the UPDATE itself takes,
		// leaves the records naming the client free to be written.
		if err := tx.GetContext(ctx, &out, `SELECT `+clientColumns+` FROM clients c WHERE c.id = $1 FOR NO KEY UPDATE`, id); err != nil {
			return fmt.Errorf("lock client: %w", err)
		}
		sets, args, changed := []string{}, []any{id}, []string{}
		for _, f := range fields {
			if now := f.now(&out); now != nil && *now == f.value {
				continue
			}
			args = append(args, f.value)
			sets = append(sets, fmt.Sprintf("%s = $%d", f.col, len(args)))
			changed = append(changed, f.col)
		}
		if len(changed) == 0 {
			return access.Record(ctx, tx, access.Event{Action: "read", EntityType: "client", EntityID: access.ID(id), ClientID: id,
				Outcome: "unchanged"})
		}
		if err := tx.GetContext(ctx, &out, `UPDATE clients c SET `+strings.Join(sets, ", ")+` WHERE c.id = $1 RETURNING `+clientColumns,
			args...); err != nil {
			return fmt.Errorf("update client: %w", err)
		}
		return access.Record(ctx, tx, access.Event{Action: "update", EntityType: "client", EntityID: access.ID(id), ClientID: id,
			Outcome: strings.Join(changed, ",")})
	})
	out.shownTo(a)
	return out, err
}

// Client reads one client and records the read.
func (s *Service) Client(ctx context.Context, id int64) (Client, error) {
	a, err := access.ActorFrom(ctx)
	if err != nil {
		return Client{}, err
	}
	var out Client
	err = s.transact(ctx, func(ctx context.Context, tx *sqlx.Tx) error {
		if err := canSeeClient(ctx, tx, a, id); err != nil {
			return err
		}
		if err := tx.GetContext(ctx, &out, `SELECT `+clientColumns+` FROM clients c WHERE c.id = $1`, id); err != nil {
			return err
		}
		return access.Record(ctx, tx, access.Event{Action: "read", EntityType: "client", EntityID: access.ID(id), ClientID: id})
	})
	out.shownTo(a)
	return out, err
}

// Clients lists the client records the actor may see, recording a read of each.
func (s *Service) Clients(ctx context.Context, p Page) (List[Client], error) {
	return s.listClients(ctx, p, nil)
}

// maxSearchLen caps a name search; a name is at most 60 characters a part
// in the 837P, so anything longer finds nothing anyway.
const maxSearchLen = 200

// SearchClients lists, as Clients does, the client records the actor may
// see whose name holds every word of name, in any order and case ("Moreau,
// Claire" and "claire moreau" both find Claire Moreau; commas and spaces
// only separate words). The filter runs in the database, so no record is
// missed past a page of the whole list, and a read is recorded only for
// the clients returned.
func (s *Service) SearchClients(ctx context.Context, name string, p Page) (List[Client], error) {
	v := &rss.ValidationError{}
	checkText(v, "name", name, maxSearchLen)
	words := strings.FieldsFunc(name, func(r rune) bool { return r == ',' || unicode.IsSpace(r) })
	if v.Err() == nil && len(words) == 0 {
		v.Add("name", "required", "name is required")
	}
	if err := v.Err(); err != nil {
		return List[Client]{}, err
	}
	patterns := make([]string, len(words))
	for i, w := range words {
		patterns[i] = "%" + likeEscaper.Replace(w) + "%"
	}
	return s.listClients(ctx, p, patterns)
}

// listClients lists the records the actor may see whose name matches every
// pattern (none: every record), a page at a time, recording a read of each
// shown.
func (s *Service) listClients(ctx context.Context, p Page, patterns []string) (List[Client], error) {
	a, err := access.ActorFrom(ctx)
	if err != nil {
		return List[Client]{}, err
	}
	after, limit, err := p.after()
	if err != nil {
		return List[Client]{}, err
	}
	var rows []Client
	err = s.transact(ctx, func(ctx context.Context, tx *sqlx.Tx) error {
		var pid any
		if a.IsProvider() {
			pid = a.ProviderID
		}
		if err := tx.SelectContext(ctx, &rows, `SELECT `+clientColumns+` FROM clients c
			WHERE c.id > $1 AND ($2::bigint IS NULL OR c.provider_id = $2)
			  AND NOT EXISTS (SELECT 1 FROM unnest($4::text[]) w(p)
			                  WHERE c.first_name || ' ' || c.last_name NOT ILIKE w.p ESCAPE '\')
			ORDER BY c.id LIMIT $3`, after, pid, limit+1, pq.Array(patterns)); err != nil {
			return fmt.Errorf("list clients: %w", err)
		}
		// Only those shown are read, never the one fetched past the page's
		// end to learn whether there is more.
		shown := rows[:min(len(rows), limit)]
		events := make([]access.Event, len(shown))
		for i := range shown {
			shown[i].shownTo(a)
			events[i] = access.Event{Action: "read", EntityType: "client", EntityID: access.ID(shown[i].ID), ClientID: shown[i].ID}
		}
		return access.Record(ctx, tx, events...)
	})
	if err != nil {
		return List[Client]{}, err
	}
	return page(rows, limit, func(c Client) int64 { return c.ID }), nil
}

// likeEscaper makes typed text match itself in a LIKE pattern (escape '\').
var likeEscaper = strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`)

// Enrollment is a client's enrollment in a program with a provider.
type Enrollment struct {
	ID                 int64     `json:"id" db:"id"`
	ClientID           int64     `json:"client_id" db:"client_id"`
	ProgramCode        string    `json:"program_code" db:"program_code"`
	ProviderID         int64     `json:"provider_id" db:"provider_id"`
	EpisodeID          int64     `json:"episode_id,omitempty" db:"episode_id"` // MSC roles only
	PersonID           int64     `json:"-" db:"person_id"`
	AssignedStaffID    *int64    `json:"assigned_staff_id" db:"assigned_staff_id"`
	PrimaryCaseManager bool      `json:"primary_case_manager" db:"primary_case_manager"`
	StartDate          rss.Date  `json:"start_date" db:"start_date"`
	PlannedEndDate     rss.Date  `json:"planned_end_date" db:"planned_end_date"`
	DischargeDate      rss.Date  `json:"discharge_date" db:"discharge_date"`
	DischargeReason    *string   `json:"discharge_reason" db:"discharge_reason"`
	ReferralSource     *string   `json:"referral_source" db:"referral_source"`
	CreatedAt          time.Time `json:"created_at" db:"created_at"`

	// DischargeReasonCode is one of GET /v1/discharge-reasons (set exactly
	// when discharged); DischargeReason is the discharge's free-text note.
	DischargeReasonCode *string `json:"discharge_reason_code" db:"discharge_reason_code"`
	// DischargedByRole is the role that wrote the discharge: an MSC role's
	// note is held to the consents in force when the agency reads it
	// (showDischarge); NULL (a discharge loaded directly) is read as the
	// MSC's.
	DischargedByRole *string `json:"-" db:"discharged_by_role"`
	// HeldThrough is the last day rss's books held the stay (migration
	// 00102: a discharge dated back held it to the day before it was
	// recorded), which the voucher rules and the length of service read;
	// null while open. MSC roles only, as the episode is: documented for
	// the MSC and carried by no answer (an outcomes black-box pass).
	HeldThrough *rss.Date `json:"held_through,omitempty" db:"held_through"`

	// History is what changed the enrollment's staff and designation,
	// oldest first, on a read of the one enrollment (a black-box pass
	// found each change's reason stored and unreadable): its
	// reassignments, the MSC's designation of it as primary case manager
	// (DesignatePrimary), and, to the MSC's roles only, the transfers of
	// the designation to or from it. A transfer names another agency's
	// enrollment of the person, which a provider may not learn of (42 CFR
	// Part 2); the MSC tells the agency itself. A designation names none,
	// and its reason is held to what the agency may read.
	History []EnrollmentEvent `json:"history,omitempty" db:"-"`
}

// EnrollmentEvent is one change of an enrollment's staff or designation.
type EnrollmentEvent struct {
	Kind string    `json:"kind" db:"kind"` // reassigned, start_corrected, primary_designated, primary_transferred_out, primary_transferred_in
	At   time.Time `json:"at" db:"at"`
	// Reason is the reason given with the change.
	Reason string `json:"reason" db:"reason"`
	// FromStaffID, ToStaffID, CaseloadAfter and CaseloadCap are a
	// reassignment's: the staff before (none at the first assignment)
	// and after, the new staff's caseload after it and its role's cap.
	FromStaffID   *int64 `json:"from_staff_id,omitempty" db:"from_staff_id"`
	ToStaffID     *int64 `json:"to_staff_id,omitempty" db:"to_staff_id"`
	CaseloadAfter *int   `json:"caseload_after,omitempty" db:"caseload_after"`
	CaseloadCap   *int   `json:"caseload_cap,omitempty" db:"caseload_cap"`
	// OtherEnrollmentID is a transfer's other enrollment (none for a
	// designation, which has no sender).
	OtherEnrollmentID *int64 `json:"other_enrollment_id,omitempty" db:"other_enrollment_id"`
	// FromDate and ToDate are a start correction's: the start as it was,
	// and as corrected.
	FromDate *rss.Date `json:"from_date,omitempty" db:"from_date"`
	ToDate   *rss.Date `json:"to_date,omitempty" db:"to_date"`
	// ByMSC is whether an MSC role wrote the reason (a designation's
	// always; a reassignment's when the admin made it): showHistory holds
	// those to the consents in force, and leaves the agency's own words.
	ByMSC bool `json:"-" db:"by_msc"`
}

// enrollmentHistory reads an enrollment's history as a shows it. An agency
// reads a designation transferred to its enrollment as a designation, the
// other enrollment unnamed: with no entry, "primary now, no history" said
// another agency's enrollment had held it (a Part 2 black-box pass). The
// transfer's reason was checked for it when written (TransferPrimary). A
// transfer to an enrollment that read primary already (its agency enrolled
// with primary_case_manager while another's designation came first) is not
// shown to the agency: nothing it reads changed, and the designation said
// another agency had held one (a Part 2 black-box pass). Nor is one after
// the enrollment's first transfer (the designation moved away and back):
// an enrollment enrolled primary, moved out and back, read primary as
// enrolled with a designation in its history, which a stranger's never
// shows (an enrollments black-box pass of the forty-seventh stop); nor is
// the MSC's designation of it after another agency held it, which a
// stranger's, never losing the designation, cannot have. An agency reads
// at most the one designation that first made its enrollment primary.
func enrollmentHistory(ctx context.Context, ext pg.Ext, a access.Actor, id int64) ([]EnrollmentEvent, error) {
	out := []EnrollmentEvent{}
	err := sqlx.SelectContext(ctx, ext, &out, `
		SELECT 'reassigned' AS kind, reassigned_at AS at, reason, from_staff_id, to_staff_id, caseload_after, caseload_cap,
		       NULL::bigint AS other_enrollment_id, NULL::date AS from_date, NULL::date AS to_date,
		       NOT EXISTS (SELECT 1 FROM api_keys k WHERE k.id = actor_key_id AND k.role = 'provider') AS by_msc
		FROM enrollment_reassignments WHERE enrollment_id = $1
		UNION ALL
		SELECT 'start_corrected', corrected_at, reason, NULL, NULL, NULL, NULL, NULL, from_date, to_date,
		       NOT EXISTS (SELECT 1 FROM api_keys k WHERE k.id = actor_key_id AND k.role = 'provider')
		FROM enrollment_start_corrections WHERE enrollment_id = $1
		UNION ALL
		SELECT CASE WHEN from_enrollment_id IS NULL OR (NOT $2 AND to_enrollment_id = $1) THEN 'primary_designated'
		            WHEN from_enrollment_id = $1 THEN 'primary_transferred_out' ELSE 'primary_transferred_in' END, transferred_at,
		       reason, NULL, NULL, NULL, NULL,
		       CASE WHEN NOT $2 THEN NULL WHEN from_enrollment_id = $1 THEN to_enrollment_id ELSE from_enrollment_id END, NULL, NULL, true
		FROM primary_case_manager_transfers t WHERE (from_enrollment_id = $1 OR to_enrollment_id = $1)
		  AND ($2 OR (to_enrollment_id = $1 AND NOT to_was_primary
		       AND NOT EXISTS (SELECT 1 FROM primary_case_manager_transfers p
		            WHERE (p.from_enrollment_id = $1 OR p.to_enrollment_id = $1) AND p.id < t.id)))
		ORDER BY at, kind`, id, !a.IsProvider())
	if err != nil {
		return nil, fmt.Errorf("enrollment history: %w", err)
	}
	return out, nil
}

// showHistory prepares the MSC-written texts of e (an admin's discharge
// note, and in its history the designations' reasons and an admin's
// reassignments') for provider a to read today (showTexts), as an
// authorization's void reasons are: each was checked against the consents
// in force when written, and a consent revoked or expired since withholds
// one naming the agency it covered (a black-box pass left an admin's
// discharge and reassignment reasons readable). The agency's own words
// are its own.
func showHistory(ctx context.Context, ext pg.Ext, a access.Actor, e *Enrollment, today rss.Date) ([]access.Event, error) {
	var texts []*string
	if e.DischargeReason != nil && (e.DischargedByRole == nil || *e.DischargedByRole != string(access.RoleProvider)) {
		texts = append(texts, e.DischargeReason)
	}
	for i := range e.History {
		if e.History[i].ByMSC {
			texts = append(texts, &e.History[i].Reason)
		}
	}
	return showTexts(ctx, ext, a, e.ClientID, today, "enrollment", access.ID(e.ID), texts...)
}

// NewEnrollment enrolls a client in a program with the caller's agency.
type NewEnrollment struct {
	ClientID           int64    `json:"client_id"`
	ProgramCode        string   `json:"program_code"`
	AssignedStaffID    *int64   `json:"assigned_staff_id"`
	PrimaryCaseManager bool     `json:"primary_case_manager"`
	StartDate          rss.Date `json:"start_date"`
	PlannedEndDate     rss.Date `json:"planned_end_date"`
	ReferralSource     *string  `json:"referral_source"`
}

var referralSources = []string{"samss_meeting", "dcf_substance_abuse_specialist", "area_office_director",
	"regional_clinical_program_director", "self", "treatment_provider", "other"}

// referralChannels are the referrals a program that records its referral
// source (RCM) takes: SPEC §2 and seed 000 name these four; self,
// treatment_provider and other are for the programs that do not (a
// black-box pass enrolled RCM clients on them and granted their vouchers).
var referralChannels = referralSources[:4]

const enrollmentColumns = `e.id, e.client_id, e.person_id, e.program_code, e.provider_id, e.episode_id, e.assigned_staff_id,
	e.primary_case_manager, e.start_date, e.planned_end_date, e.discharge_date, e.discharge_reason, e.discharge_reason_code,
	e.discharged_by_role, e.referral_source, e.created_at, e.held_through`

// CreateEnrollment enrolls a client, opening the person's episode in the
// program when none is open. The episode is the person's across agencies
// (caps and per-episode maximums are judged on it); which episode an
// enrollment joined is shown to the MSC only, since an agency must not
// learn that another one already opened it.
func (s *Service) CreateEnrollment(ctx context.Context, n NewEnrollment) (Enrollment, error) {
	a, err := access.Require(ctx, access.RoleProvider)
	if err != nil {
		return Enrollment{}, err
	}
	v := &rss.ValidationError{}
	v.RequireID("client_id", n.ClientID)
	if n.ProgramCode == "" {
		v.Add("program_code", "required", "program_code is required")
	} else if len(n.ProgramCode) > maxCodeLen {
		v.Add("program_code", "too_long", "program_code must be at most %d characters", maxCodeLen)
	}
	if n.StartDate.IsZero() {
		v.Add("start_date", "required", "start_date is required")
	}
	if !n.PlannedEndDate.IsZero() && n.PlannedEndDate.Before(n.StartDate) {
		v.Add("planned_end_date", "before_start", "planned_end_date is before start_date")
	}
	// A planned end as far ahead as an eligibility span's: one in 2999 was
	// taken (a black-box pass).
	if latest := n.StartDate.AddDays(maxEligibilityEndDays); !n.StartDate.IsZero() && n.PlannedEndDate.After(latest) {
		v.Add("planned_end_date", "out_of_range", "planned_end_date is at most %d days after start_date (%s)", maxEligibilityEndDays, latest)
	}
	if n.ReferralSource != nil && !contains(referralSources, *n.ReferralSource) {
		// Written into the message, not quoted, as the channels below are:
		// a quoted argument is cut at 100 bytes, and the list read
		// "regional_clinical_program_direc…" (a GPRA black-box pass).
		// A program that records the referral source takes its channels
		// alone: listed here too, or the caller sent one of the first list
		// and was refused again (a consents black-box pass of the
		// forty-sixth stop).
		v.Add("referral_source", "invalid_value", "referral_source must be one of "+strings.Join(referralSources, ", ")+
			"; a program that records the referral source (GET /v1/reference/programs: referral_source_required) takes only "+strings.Join(referralChannels, ", "))
	}
	if err := v.Err(); err != nil {
		return Enrollment{}, err
	}
	var out Enrollment
	err = write(ctx, s, &out, func(ctx context.Context, tx *sqlx.Tx) error {
		defer out.shownTo(a) // what the request answers, and a retry replays
		if err := canSeeClient(ctx, tx, a, n.ClientID); err != nil {
			return rss.Invalid("client_id", "unknown_id", "no client %d", n.ClientID)
		}
		prog, err := loadProgram(ctx, tx, n.ProgramCode)
		if errors.Is(err, rss.ErrNotFound) {
			return rss.Invalid("program_code", "unknown_id", "no program %q", n.ProgramCode)
		}
		if err != nil {
			return err
		}
		if prog.ReferralSourceRequired && n.ReferralSource == nil {
			return rss.Invalid("referral_source", "required", "%s enrollments record the referral source", prog.Code)
		}
		if prog.ReferralSourceRequired && !contains(referralChannels, *n.ReferralSource) {
			// The channels are ours, not the caller's: written into the
			// message, not quoted (a quoted argument is cut at 100 bytes,
			// and the last channel read "regional_clinical_program_direc…":
			// a contract pass).
			return rss.Invalid("referral_source", "invalid_value", "%s enrollments are referred by one of "+
				strings.Join(referralChannels, ", "), prog.Code)
		}
		var born rss.Date
		if err := tx.GetContext(ctx, &born, `SELECT date_of_birth FROM clients WHERE id = $1`, n.ClientID); err != nil {
			return err
		}
		if n.StartDate.Before(born) {
			return rss.Invalid("start_date", "before_birth", "start_date is before the client's date of birth %s", born)
		}
		// The agency served no one under an agreement it did not yet have:
		// a stay from 25 years back was taken, and its length skewed the
		// length-of-service report and pended every voucher (a black-box
		// pass).
		var first *rss.Date
		if err := tx.GetContext(ctx, &first, `SELECT min(start_date) FROM provider_agreements WHERE provider_id = $1`,
			a.ProviderID); err != nil {
			return fmt.Errorf("first agreement: %w", err)
		}
		if first != nil && n.StartDate.Before(*first) {
			return rss.Invalid("start_date", "before_agreement", "start_date is before the agency's first agreement, from %s", *first)
		}
		// An enrollment opens (or joins) the person's episode for every
		// agency: one in a program the agency does not deliver, or starting
		// in 2999, was taken and opened one (a black-box pass).
		if latest := s.Today().AddDays(maxLeadDays); n.StartDate.After(latest) {
			return rss.Invalid("start_date", "out_of_range", "start_date is at most %d days ahead (%s)", maxLeadDays, latest)
		}
		if err := agencyDelivers(ctx, tx, a.ProviderID, prog.Code); err != nil {
			return err
		}
		// An agency out of service that day takes no one in: the
		// enrollment only swelled its caseload and the state's reports (a
		// black-box pass enrolled a client from after the agency's
		// deactivation).
		if from, out, err := outOfService(ctx, tx, a.ProviderID, n.StartDate); err != nil {
			return err
		} else if out {
			return rss.Coded(rss.ErrConflict, "provider_deactivated", "the agency is out of service %s: no enrollment starts on %s",
				from, n.StartDate)
		}
		if gap, err := uncovered(ctx, tx, a.ProviderID, n.StartDate); err != nil {
			return err
		} else if gap {
			return rss.Coded(rss.ErrConflict, "no_agreement",
				"no agreement of the agency covers %s: no enrollment starts on a day it is not under agreement (the MSC records the renewal first)", n.StartDate)
		}
		if n.PrimaryCaseManager {
			if err := mayHoldDesignation(ctx, tx, a.ProviderID, n.StartDate, s.Today(), "enroll without primary_case_manager"); err != nil {
				return err
			}
		}
		if n.AssignedStaffID != nil {
			// The program's caseload caps name the roles that may carry
			// its enrollments, as a reassignment checks (a program with no
			// caps takes any role); the cap itself is the voucher rule's.
			if err := holdCaseloadCaps(ctx, tx, prog.Code); err != nil {
				return err
			}
			var st []struct {
				Employed bool    `db:"employed"`
				Role     string  `db:"role"`
				Roles    *string `db:"roles"`
				Allowed  bool    `db:"allowed"`
				Cap      *int    `db:"cap"`
			}
			// NO KEY UPDATE, as a reassignment takes it: enrollments and
			// reassignments to one staff member count its caseload one
			// after the other.
			if err := tx.SelectContext(ctx, &st, `SELECT `+EmployedOn("$3")+` AS employed, s.role,
					(SELECT string_agg(c.staff_role, ', ' ORDER BY c.staff_role) FROM program_caseload_caps c WHERE c.program_code = $4) AS roles,
					NOT EXISTS (SELECT 1 FROM program_caseload_caps c WHERE c.program_code = $4)
					OR EXISTS (SELECT 1 FROM program_caseload_caps c WHERE c.program_code = $4 AND c.staff_role = s.role) AS allowed,
					(SELECT c.cap FROM program_caseload_caps c WHERE c.program_code = $4 AND c.staff_role = s.role) AS cap
				FROM staff s WHERE s.id = $1 AND s.provider_id = $2 AND s.active FOR NO KEY UPDATE OF s`,
				*n.AssignedStaffID, a.ProviderID, n.StartDate, prog.Code); err != nil {
				return err
			}
			if len(st) == 0 {
				return rss.Invalid("assigned_staff_id", "unknown_id", "no active staff %d at this agency", *n.AssignedStaffID)
			}
			if !st[0].Employed {
				return rss.Invalid("assigned_staff_id", "not_employed", "staff %d is not employed by the agency on %s, the enrollment's start",
					*n.AssignedStaffID, n.StartDate)
			}
			if !st[0].Allowed {
				return rss.Invalid("assigned_staff_id", "role_not_allowed", "staff of role %s may not carry %s enrollments (roles: %s)",
					st[0].Role, prog.Code, *st[0].Roles)
			}
			// At the role's cap the enrollment is refused as a reassignment
			// to the same staff member is: created with the staff named,
			// a lead specialist carried 11 against a cap of 10 (a
			// black-box pass).
			if st[0].Cap != nil {
				var caseload int
				if err := tx.GetContext(ctx, &caseload, `SELECT count(*) FROM enrollments
					WHERE assigned_staff_id = $1 AND program_code = $2 AND discharge_date IS NULL`, *n.AssignedStaffID, prog.Code); err != nil {
					return fmt.Errorf("caseload: %w", err)
				}
				if caseload >= *st[0].Cap {
					return rss.Coded(rss.ErrConflict, "caseload_full", "staff %d carries %d open %s enrollments, the cap for a %s is %d",
						*n.AssignedStaffID, caseload, prog.Code, st[0].Role, *st[0].Cap)
				}
			}
		}
		// A new enrollment starts on or after the day the client's last
		// one in the program at this agency ended (the same day is a
		// re-enrollment): two spans at once would count one person twice
		// in the caseload and the reports, each with its own stage or
		// status. The client's enrollments in the program are held first
		// (FOR SHARE waits for a discharge under way, which holds its
		// enrollment FOR UPDATE), so the read after it sees that
		// discharge's date: unheld, a discharge committing meanwhile let
		// an overlapping enrollment through once the open one it had
		// waited on (enrollments_one_open) was closed.
		if _, err := tx.ExecContext(ctx, `SELECT 1 FROM enrollments WHERE client_id = $1 AND program_code = $2 ORDER BY id FOR SHARE`,
			n.ClientID, n.ProgramCode); err != nil {
			return fmt.Errorf("hold earlier enrollments: %w", err)
		}
		var lastEnd *rss.Date
		if err := tx.GetContext(ctx, &lastEnd, `SELECT max(discharge_date) FROM enrollments
			WHERE client_id = $1 AND program_code = $2 AND discharge_date > $3`, n.ClientID, n.ProgramCode, n.StartDate); err != nil {
			return fmt.Errorf("earlier enrollments: %w", err)
		}
		if lastEnd != nil {
			return rss.Coded(rss.ErrConflict, "enrollment_overlaps",
				"the client's %s enrollment with this agency ran to %s: a new one starts on or after that day", n.ProgramCode, *lastEnd)
		}
		// The open enrollment the new one would stand beside, named in the
		// conflict (enrollments_one_open below still decides a race, its
		// answer without the id: the transaction is spent by then).
		var open int64
		err = tx.GetContext(ctx, &open, `SELECT id FROM enrollments WHERE client_id = $1 AND program_code = $2 AND discharge_date IS NULL
			ORDER BY id LIMIT 1`, n.ClientID, n.ProgramCode)
		if err == nil {
			return rss.OnFile("enrollment", open, "enrollment_exists", "the client already has an open %s enrollment with this agency: enrollment %d",
				n.ProgramCode, open)
		}
		if !errors.Is(err, pg.ErrNoRows) {
			return fmt.Errorf("open enrollment: %w", err)
		}
		personID, err := lockPersonLife(ctx, tx, n.ClientID, n.ProgramCode)
		if err != nil {
			return err
		}
		episodeID, err := ledger.OpenEpisode(ctx, tx, personID, n.ProgramCode, n.StartDate, prog.EpisodeDollarCap, s.Today(), s.now())
		if err != nil {
			return err
		}
		// recorded_on is the day rss took the stay on file: from then it
		// holds it until its discharge is recorded (held_through).
		err = tx.GetContext(ctx, &out, `INSERT INTO enrollments AS e (client_id, person_id, program_code, provider_id, episode_id,
				assigned_staff_id, primary_case_manager, start_date, planned_end_date, referral_source, recorded_on)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) RETURNING `+enrollmentColumns,
			n.ClientID, personID, n.ProgramCode, a.ProviderID, episodeID, n.AssignedStaffID, n.PrimaryCaseManager, n.StartDate,
			n.PlannedEndDate, n.ReferralSource, s.Today())
		switch {
		case pg.IsViolation(err, pg.CodeUniqueViolation, "enrollments_one_open"):
			return rss.Coded(rss.ErrConflict, "enrollment_exists", "the client already has an open %s enrollment with this agency", n.ProgramCode)
		case err != nil:
			return fmt.Errorf("create enrollment: %w", err)
		}
		return access.Record(ctx, tx, access.Event{Action: "create", EntityType: "enrollment", EntityID: access.ID(out.ID), ClientID: out.ClientID})
	})
	return out, err
}

// shownTo hides the shared episode from provider keys (see CreateEnrollment).
func (e *Enrollment) shownTo(a access.Actor) {
	if a.IsProvider() {
		e.EpisodeID, e.HeldThrough = 0, nil
	}
}

// Discharge ends an enrollment; the episode closes when it was the person's
// last open enrollment in the program, with any agency. code is one of the
// discharge reasons for the enrollment's program; reason is a free-text
// note. A request with a note and no code (what clients sent before codes
// existed) is coded "other".
func (s *Service) Discharge(ctx context.Context, id int64, on rss.Date, code, reason string) (Enrollment, error) {
	a, err := access.Require(ctx, access.RoleProvider, access.RoleAdmin)
	if err != nil {
		return Enrollment{}, err
	}
	v := &rss.ValidationError{}
	if on.IsZero() {
		v.Add("discharge_date", "required", "discharge_date is required")
	} else if on.After(s.Today()) {
		v.Add("discharge_date", "in_future", "discharge_date cannot be in the future: %s", rss.TodayIs(s.Today()))
	}
	code = strings.TrimSpace(code)
	switch {
	case code == "" && rss.Blank(reason):
		v.Add("reason_code", "required", "reason_code is required (GET /v1/discharge-reasons)")
		v.Add("reason", "required", "a discharge needs a reason_code or, failing that, a reason (coded other)")
	case code == "":
		code = DischargeReasonOther
	case code == DischargeReasonOther && rss.Blank(reason):
		// "Other (see the discharge note)" with no note: the state extract
		// carried other, neutral, with nothing to say what (a lifecycle
		// black-box pass).
		v.Add("reason", "required", "a discharge coded other says why in reason")
	case len(code) > maxCodeLen:
		v.Add("reason_code", "too_long", "reason_code must be at most %d characters", maxCodeLen)
	}
	var note *string
	if !rss.Blank(reason) {
		checkText(v, "reason", reason, maxReasonLen)
		note = &reason
	}
	if err := v.Err(); err != nil {
		return Enrollment{}, err
	}
	var out Enrollment
	err = write(ctx, s, &out, func(ctx context.Context, tx *sqlx.Tx) error {
		defer out.shownTo(a) // what the request answers, and a retry replays
		e, err := s.lockOpenEnrollment(ctx, tx, a, id)
		if err != nil {
			return err
		}
		if on.Before(e.StartDate) {
			return rss.Invalid("discharge_date", "before_start", "discharge_date is before the enrollment start %s", e.StartDate)
		}
		// An admin's reason is MSC text the agency reads word for word,
		// checked as a reviewer's note is: one naming another agency that
		// serves the person reached the agency unchecked (a Part 2
		// black-box pass).
		if !a.IsProvider() {
			if err := s.CheckMSCText(ctx, tx, e.ClientID, e.ProviderID, "reason", reason); err != nil {
				return err
			}
		}
		if err := checkDischargeReason(ctx, tx, code, e.ProgramCode); err != nil {
			return err
		}
		// The authorizations first: ending them locks the client's with the
		// agency, as claims intake does before it counts a line, so the
		// schema's check of the enrollment's paid lines below sees every
		// line counted before it and none is counted after it.
		if err := s.endAuthorizations(ctx, tx, a, &e, on); err != nil {
			return err
		}
		// Its pended requests leave the review queue with it: no reviewer
		// can grant them now, and denying them would record a decision
		// no reviewer made.
		if err := s.withdrawEnrollmentRequests(ctx, tx, a, &e, WithdrawnByDischarge,
			fmt.Sprintf("enrollment %d discharged on %s", id, on)); err != nil {
			return err
		}
		// The day it was recorded too: until then the client was the
		// agency's in rss's books, so a stay broken only in its dates
		// goes on (stayStartSQL).
		err = tx.GetContext(ctx, &out, `UPDATE enrollments e SET discharge_date = $2, discharge_reason = $3, discharge_reason_code = $4,
			discharged_by_role = $5, discharge_recorded_on = $6 WHERE id = $1 RETURNING `+enrollmentColumns, id, on, note, code, a.Role, s.Today())
		// The schema refuses a discharge dated before the enrollment's
		// program records (migration 00039) or its paid claim lines (00041):
		// they would stand after it.
		if pg.IsViolation(err, pg.CodeCheckViolation, "enrollments_no_records_after_discharge") {
			return rss.Coded(rss.ErrConflict, "records_after_discharge",
				"enrollment %d has program records dated after %s%s; discharge it on or after the last", id, on, pg.ViolationNamed(err))
		}
		if pg.IsViolation(err, pg.CodeCheckViolation, "enrollments_no_claims_after_discharge") {
			return rss.Coded(rss.ErrConflict, "records_after_discharge",
				"enrollment %d has paid claim lines dated after %s%s; void or replace those claims, or discharge it on or after the last",
				id, on, pg.ViolationNamed(err))
		}
		if err != nil {
			return err
		}
		if err := ledger.CloseEpisode(ctx, tx, e.EpisodeID, on); err != nil {
			return err
		}
		return access.Record(ctx, tx, access.Event{Action: "discharge", EntityType: "enrollment", EntityID: access.ID(id), ClientID: e.ClientID})
	})
	return out, err
}

func (s *Service) lockEnrollment(ctx context.Context, tx *sqlx.Tx, a access.Actor, id int64) (Enrollment, error) {
	var e Enrollment
	err := tx.GetContext(ctx, &e, `SELECT `+enrollmentColumns+` FROM enrollments e WHERE e.id = $1 FOR UPDATE`, id)
	if errors.Is(err, pg.ErrNoRows) || (err == nil && !a.SeesProvider(e.ProviderID)) {
		return e, fmt.Errorf("%w: enrollment %d", rss.ErrNotFound, id)
	}
	return e, err
}

// lockOpenEnrollment is lockEnrollment for one not discharged yet (409
// already_discharged otherwise): a discharge's and a withdrawal's.
//
// Both may end the episode (close it, or drop it), so each holds the
// episode's life before it locks anything of the episode's, the row of the
// enrollment itself included (ledger.LockStayLife): the order an enrollment
// joining the episode, and a merge, take them in.
func (s *Service) lockOpenEnrollment(ctx context.Context, tx *sqlx.Tx, a access.Actor, id int64) (Enrollment, error) {
	if err := ledger.LockStayLife(ctx, tx, id); err != nil {
		return Enrollment{}, err
	}
	e, err := s.lockEnrollment(ctx, tx, a, id)
	if err == nil && !e.DischargeDate.IsZero() {
		err = rss.Coded(rss.ErrConflict, "already_discharged", "enrollment %d was discharged on %s", id, e.DischargeDate)
	}
	return e, err
}

// Enrollment reads one enrollment: the agency's own, or another agency's
// under its consent naming the reader.
func (s *Service) Enrollment(ctx context.Context, id int64) (Enrollment, error) {
	a, err := access.ActorFrom(ctx)
	if err != nil {
		return Enrollment{}, err
	}
	var out Enrollment
	err = s.transact(ctx, func(ctx context.Context, tx *sqlx.Tx) error {
		err := tx.GetContext(ctx, &out, `SELECT `+enrollmentColumns+` FROM enrollments e WHERE e.id = $1`, id)
		if errors.Is(err, pg.ErrNoRows) {
			return fmt.Errorf("%w: enrollment %d", rss.ErrNotFound, id)
		}
		if err != nil {
			return err
		}
		if err := canSeeAgencyRecord(ctx, tx, a, out.ClientID, out.ProviderID, s.Today(), adjudication.RecordsEnrollments, "enrollment", id); err != nil {
			return err
		}
		if out.History, err = enrollmentHistory(ctx, tx, a, id); err != nil {
			return err
		}
		shown, err := showHistory(ctx, tx, a, &out, s.Today())
		if err != nil {
			return err
		}
		events := append(append(disclosures(a, "enrollment", disclosed{access.ID(id), out.ClientID, out.ProviderID}), shown...),
			access.Event{Action: "read", EntityType: "enrollment", EntityID: access.ID(id), ClientID: out.ClientID})
		return access.Record(ctx, tx, events...)
	})
	out.shownTo(a)
	return out, err
}

// ClientEnrollments lists the enrollments of the client's person the actor
// may see: a provider's own and those under a consent naming it.
func (s *Service) ClientEnrollments(ctx context.Context, clientID int64) ([]Enrollment, error) {
	out, err := clientRecords(ctx, s, clientID, adjudication.RecordsEnrollments, `SELECT `+enrollmentColumns+` FROM enrollments e
		WHERE e.person_id = $1 AND ($2::bigint[] IS NULL OR e.provider_id = ANY($2)) ORDER BY e.id`,
		func(e *Enrollment) (int64, int64) { return e.ClientID, e.ProviderID }, showHistory)
	a, _ := access.ActorFrom(ctx)
	for i := range out {
		out[i].shownTo(a)
	}
	return out, err
}

// clientRecords reads the records of one kind (entity, a kind a consent
// may disclose) about the person behind client record clientID that the
// actor may see (the query takes $1 the person, $2 the agencies whose
// records of the kind are shown, the actor's own first, or NULL for all)
// and records the read, and each disclosure of another agency's record, in
// the audit log. owner names a row's client record and agency; show, when
// given, prepares a row's MSC-written texts for the actor in the same
// transaction (showTexts), its disclosures recorded with the read's.
func clientRecords[T any](ctx context.Context, s *Service, clientID int64, entity, query string, owner func(*T) (int64, int64),
	show func(ctx context.Context, ext pg.Ext, a access.Actor, row *T, today rss.Date) ([]access.Event, error)) ([]T, error) {
	a, err := access.ActorFrom(ctx)
	if err != nil {
		return nil, err
	}
	out := []T{}
	err = s.transact(ctx, func(ctx context.Context, tx *sqlx.Tx) error {
		v, err := viewOf(ctx, tx, a, clientID, s.Today())
		if err != nil {
			return err
		}
		if err := tx.SelectContext(ctx, &out, query, v.personID, v.arg(entity)); err != nil {
			return err
		}
		// One disclosure per client record whose list was shown.
		var shown []disclosed
		seen := map[int64]bool{}
		for i := range out {
			if c, p := owner(&out[i]); !seen[c] {
				seen[c] = true
				shown = append(shown, disclosed{access.ID(c), c, p})
			}
		}
		events := disclosures(a, entity, shown...)
		for i := range out {
			if show == nil {
				break
			}
			texts, err := show(ctx, tx, a, &out[i], s.Today())
			if err != nil {
				return err
			}
			events = append(events, texts...)
		}
		events = append(events, access.Event{Action: "read", EntityType: entity, EntityID: access.ID(clientID), ClientID: clientID})
		return access.Record(ctx, tx, events...)
	})
	return out, err
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

// agencyDelivers refuses a program the agency is not enrolled to deliver
// (422 not_offered on program_code): an enrollment's or a care plan's.
func agencyDelivers(ctx context.Context, tx *sqlx.Tx, providerID int64, program string) error {
	var offers bool
	if err := tx.GetContext(ctx, &offers, `SELECT EXISTS (SELECT 1 FROM provider_programs WHERE provider_id = $1 AND program_code = $2)`,
		providerID, program); err != nil {
		return err
	}
	if !offers {
		return rss.Invalid("program_code", "not_offered", "this agency is not enrolled to deliver %s", program)
	}
	return nil
}

// lockPersonLife returns the person of client record id, holding the
// record (FOR KEY SHARE) so a separation of it (Separate) is waited for
// and its new person read: read stale, a stay named the person the record
// had left (a foreign key's 500). The life lock of the person's episode
// in program comes first, the order a separation takes them in
// (ledger.LockSeparation, then the record's row): the record's row first,
// a readmission and a separation of the record at once deadlocked (a
// review). A separation that moved the record meanwhile is followed to
// its new person.
func lockPersonLife(ctx context.Context, tx *sqlx.Tx, id int64, program string) (int64, error) {
	var person int64
	if err := tx.GetContext(ctx, &person, `SELECT person_id FROM clients WHERE id = $1`, id); err != nil {
		return 0, err
	}
	for range 3 {
		if err := ledger.LockPersonEpisodeLife(ctx, tx, person, program); err != nil {
			return 0, err
		}
		var now int64
		if err := tx.GetContext(ctx, &now, `SELECT person_id FROM clients WHERE id = $1 FOR KEY SHARE`, id); err != nil {
			return 0, err
		}
		if now == person {
			return person, nil
		}
		person = now
	}
	return 0, rss.Coded(rss.ErrConflict, "concurrent_change",
		"the client's record was separated from its person while this was sent and nothing was written; send it again")
}

// uncovered reports whether no agreement period of the agency covers day:
// it can be given no voucher then (SPEC §5: agreement missing or not
// active, deny), so it takes no one in and holds no primary case manager
// designation. An agency whose agreement had lapsed enrolled a client as
// primary case manager, and every case management request of the agency
// under agreement was then denied for it, never reaching a reviewer (an
// outcomes black-box pass).
func uncovered(ctx context.Context, tx *sqlx.Tx, providerID int64, day rss.Date) (bool, error) {
	var covered bool
	if err := tx.GetContext(ctx, &covered, `SELECT EXISTS (SELECT 1 FROM provider_agreements
		WHERE provider_id = $1 AND start_date <= $2 AND (end_date IS NULL OR end_date >= $2))`, providerID, day); err != nil {
		return false, fmt.Errorf("agreement in force: %w", err)
	}
	return !covered, nil
}

// mayHoldDesignation refuses the primary case manager designation to a
// stay of the agency begun by today (start) while it is out of service or
// under no agreement today, as a designation or a transfer to it is: a
// lapsed agency enrolled a client dated back to a day its agreement
// covered, flagged primary, and the agency under agreement was denied
// NOT_PRIMARY_CASE_MANAGER (a re-check). A stay starting later is judged
// on its start day, as its enrollment is.
func mayHoldDesignation(ctx context.Context, tx *sqlx.Tx, providerID int64, start, today rss.Date, hint string) error {
	if start.After(today) {
		return nil
	}
	if from, out, err := outOfService(ctx, tx, providerID, today); err != nil {
		return err
	} else if out {
		return rss.Coded(rss.ErrConflict, "provider_deactivated",
			"the agency is out of service %s: it takes no primary case manager designation (%s)", from, hint)
	}
	if gap, err := uncovered(ctx, tx, providerID, today); err != nil {
		return err
	} else if gap {
		return rss.Coded(rss.ErrConflict, "no_agreement",
			"no agreement of the agency covers today: it takes no primary case manager designation (%s)", hint)
	}
	return nil
}

// outOfService reports whether the agency is out of service on day (its
// deactivation or a suspension), and since when, as "from D" or, for a
// suspension kept at a reactivation, "from D to E": "out of service from
// D" alone read as a deactivation still in force to an agency back in
// service (a black-box pass).
func outOfService(ctx context.Context, tx *sqlx.Tx, providerID int64, day rss.Date) (string, bool, error) {
	var off []struct {
		From rss.Date  `db:"first_day"`
		To   *rss.Date `db:"last_day"`
	}
	if err := tx.SelectContext(ctx, &off, `SELECT deactivated_on AS first_day, NULL::date AS last_day FROM providers
		WHERE id = $1 AND deactivated_on <= $2
		UNION ALL SELECT first_day, last_day FROM provider_suspensions WHERE provider_id = $1 AND $2 BETWEEN first_day AND last_day
			AND lifted_at IS NULL`,
		providerID, day); err != nil {
		return "", false, fmt.Errorf("agency in service: %w", err)
	}
	if len(off) == 0 {
		return "", false, nil
	}
	if off[0].To != nil {
		return fmt.Sprintf("from %s to %s (a suspension kept at its reactivation)", off[0].From, *off[0].To), true, nil
	}
	return fmt.Sprintf("from %s", off[0].From), true, nil
}
