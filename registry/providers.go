package registry

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"

	"rss"
	"rss/access"
	"rss/adjudication"
	"rss/ledger"
	"rss/pg"
	"rss/staff"
	"rss/vouchers"
	"rss/x12"
)

// NewProvider is an agency the MSC contracts with.
type NewProvider struct {
	Code         string  `json:"code"`
	Name         string  `json:"name"`
	NPI          string  `json:"npi"`
	TaxID        string  `json:"tax_id"`
	AddressLine1 string  `json:"address_line1"`
	AddressLine2 *string `json:"address_line2"`
	City         string  `json:"city"`
	State        string  `json:"state"`
	Zip          string  `json:"zip"`
	ContactName  string  `json:"contact_name"`
	ContactPhone string  `json:"contact_phone"`
	ContactEmail string  `json:"contact_email"`
	// Agreement is the first agreement period, when one is signed already.
	Agreement      *NewAgreement `json:"agreement"`
	Programs       []string      `json:"programs"`
	Services       []string      `json:"services"`
	CatchmentAreas []string      `json:"catchment_areas"`
}

// NewAgreement is one agreement period: a renewal is a new period.
type NewAgreement struct {
	StartDate rss.Date `json:"start_date"`
	EndDate   rss.Date `json:"end_date"` // null: open-ended
	Note      *string  `json:"note"`
}

// ProviderPatch changes a provider. Programs, services and catchment areas
// are whole sets: the list given replaces the provider's enrollment.
type ProviderPatch struct {
	Name           rss.Optional[string]   `json:"name"`
	NPI            rss.Optional[string]   `json:"npi"`
	TaxID          rss.Optional[string]   `json:"tax_id"`
	AddressLine1   rss.Optional[string]   `json:"address_line1"`
	AddressLine2   rss.Optional[string]   `json:"address_line2"`
	City           rss.Optional[string]   `json:"city"`
	State          rss.Optional[string]   `json:"state"`
	Zip            rss.Optional[string]   `json:"zip"`
	ContactName    rss.Optional[string]   `json:"contact_name"`
	ContactPhone   rss.Optional[string]   `json:"contact_phone"`
	ContactEmail   rss.Optional[string]   `json:"contact_email"`
	Programs       rss.Optional[[]string] `json:"programs"`
	Services       rss.Optional[[]string] `json:"services"`
	CatchmentAreas rss.Optional[[]string] `json:"catchment_areas"`
	// Reason is why, kept with the change in the provider's history
	// (optional: clients written before it send none).
	Reason rss.Optional[string] `json:"reason"`
}

// Deactivation takes a provider out of service.
type Deactivation struct {
	Reason string `json:"reason"`
	// EffectiveOn is the first day the provider is out of service (today
	// when omitted); claims for days before it still pay.
	EffectiveOn rss.Date `json:"effective_on"`
}

type fieldCheck struct {
	field string
	value string
	ok    func(string) bool
	code  string
	msg   string
	el    *x12.Element // the 837P element the value is written to, if any
	max   int          // free text's most characters, when not maxFreeText
	line  bool         // one line: no tab or line break (a name)
	// named: the value names an agency, so it holds a letter or digit
	// ("..." was registered, and no consent form could name it by name).
	named bool
}

// maxFreeText bounds the registry's free text (names of programs, services
// and areas, contact names, notes, reasons), as the request decoder does.
const maxFreeText = 4000

// maxPersonName bounds a contact's name.
const maxPersonName = 200

// checkIdentity checks each value: required, then its format, or the 837P
// element it is written to (the billing provider's name and address travel
// in NM1*85, N3 and N4, so a character the file cannot carry is refused
// here rather than found when a batch cannot close), or else as free text
// (no control characters).
func checkIdentity(v *rss.ValidationError, checks []fieldCheck) {
	for _, c := range checks {
		switch {
		case blank(c.value):
			v.Add(c.field, "required", "%s is required", c.field)
		case c.named && vouchers.AgencyNameKey(c.value) == "":
			v.Add(c.field, "invalid_format", "%s must hold a letter or digit", c.field)
		case c.el != nil:
			vouchers.CheckElement(v, c.field, strings.TrimSpace(c.value), *c.el)
		case c.ok != nil:
			if !c.ok(c.value) {
				v.Add(c.field, c.code, "%s", c.msg)
			}
		default:
			limit := maxFreeText
			if c.max > 0 {
				limit = c.max
			}
			if c.line {
				vouchers.CheckOneLine(v, c.field, c.value, limit)
			} else {
				vouchers.CheckText(v, c.field, c.value, limit)
			}
		}
	}
}

// checkFreeText checks optional free text: no control characters.
func checkFreeText(v *rss.ValidationError, field string, s *string) {
	switch {
	case s == nil:
	case rss.Blank(*s):
		// Text that shows nothing is no note: an agreement's note of
		// spaces or a zero-width space was stored as written (a black-box
		// pass). Left out or null, there is none.
		v.Add(field, "required", "%s shows nothing: write it, or leave it out", field)
	default:
		vouchers.CheckText(v, field, *s, maxFreeText)
		// Stored trimmed, as every other free text is (an agreement's
		// history showed its note padded: a new-user black-box pass).
		*s = strings.TrimSpace(*s)
	}
}

var (
	npiCheck = func(f, val string) fieldCheck {
		return fieldCheck{field: f, value: val, ok: x12.IssuedNPI, code: "invalid_npi",
			msg: "npi must be 10 digits beginning with 1 or 2, with a valid check digit"}
	}
	taxCheck = func(f, val string) fieldCheck {
		return fieldCheck{field: f, value: val, ok: taxIDValid, code: "invalid_format", msg: "tax_id must be an EIN: 9 digits, a prefix the IRS assigns"}
	}
	stateCheck = func(f, val string) fieldCheck {
		return fieldCheck{field: f, value: val, ok: x12.StateCode, code: "invalid_format", msg: "state must be a USPS state or territory code (CT)"}
	}
	zipCheck = func(f, val string) fieldCheck {
		return fieldCheck{field: f, value: val, ok: x12.ZIPCode, code: "invalid_format", msg: "zip must be a ZIP code: 5 or 9 digits, not 00000"}
	}
	phoneCheck = func(f, val string) fieldCheck {
		return fieldCheck{field: f, value: val, ok: phoneValid, code: "invalid_format",
			msg: "contact_phone must be a ten-digit North American number whose area code and exchange start 2-9"}
	}
	// An address is at most 254 characters (RFC 5321's path less its
	// brackets): a 3,006-character one passed the format (a black-box pass).
	emailCheck = func(f, val string) fieldCheck {
		return fieldCheck{field: f, value: val, ok: func(s string) bool { return len(s) <= 254 && emailFormat.MatchString(s) },
			code: "invalid_format", msg: "contact_email must be an email address of at most 254 characters"}
	}
	anyText = func(f, val string) fieldCheck { return fieldCheck{field: f, value: val} }
	// oneLine is a reference row's name (a program's, service's, area's,
	// discharge reason's, instrument's): a label on one line
	// (vouchers.MaxLabelName) holding a letter or digit (names are told
	// apart with punctuation aside, so "..." was taken, and then every other
	// name of punctuation alone refused as it: a black-box pass).
	oneLine = func(f, val string) fieldCheck {
		return fieldCheck{field: f, value: val, line: true, max: vouchers.MaxLabelName, named: true}
	}
	// A person's name, as the contact is: the 4,000 characters of free
	// text let a 3,999-character name in (a black-box pass).
	personName = func(f, val string) fieldCheck { return fieldCheck{field: f, value: val, max: maxPersonName} }
	orgName    = func(f, val string) fieldCheck {
		return fieldCheck{field: f, value: val, el: &x12.OrganizationName, named: true}
	}
	addressLine = func(f, val string) fieldCheck {
		if f == "address_line2" {
			return fieldCheck{field: f, value: val, el: &x12.AddressLine2}
		}
		return fieldCheck{field: f, value: val, el: &x12.AddressLine}
	}
	cityName = func(f, val string) fieldCheck { return fieldCheck{field: f, value: val, el: &x12.City} }
)

// checkAgreement checks an agreement sent as the object prefix names ("":
// the body itself), naming its fields as they were sent: an agreement's
// own POST named them body.start_date (a black-box pass).
func checkAgreement(v *rss.ValidationError, prefix string, a *NewAgreement, today rss.Date) {
	if prefix != "" {
		prefix += "."
	}
	if a.StartDate.IsZero() {
		v.Add(prefix+"start_date", "required", "start_date is required")
	} else {
		// A typed year (2999) is no agreement period (a black-box pass).
		dateWithin(v, prefix+"start_date", a.StartDate, today, 25, 2)
	}
	if !a.EndDate.IsZero() && a.EndDate.Before(a.StartDate) {
		v.Add(prefix+"end_date", "before_start", "end_date is before start_date")
	} else if last := lastAgreementEnd(today); a.EndDate.After(last) {
		v.Add(prefix+"end_date", "out_of_range", "end_date is at most %d years after today (%s); an agreement with no set end has end_date null",
			maxAgreementYearsAhead, last)
	}
	checkFreeText(v, prefix+"note", a.Note)
}

// maxAgreementYearsAhead is how far ahead an agreement period may end, as
// a consent may run ten years: an end in 2999, a year mistyped, was taken
// on a new period, an agency's first and a period's PATCH, while the start
// was held to two years ahead (a black-box pass). It counts from today,
// not the start, so a period open longer than that can still be ended. A
// period with no set end is open-ended (end_date null); a renewal is a
// new period.
const maxAgreementYearsAhead = 10

// lastAgreementEnd is the latest day an agreement period may end.
func lastAgreementEnd(today rss.Date) rss.Date {
	return rss.NewDate(today.AddDate(maxAgreementYearsAhead, 0, 0))
}

// CreateProvider registers an agency (admin).
func (s *Service) CreateProvider(ctx context.Context, n NewProvider) (vouchers.Provider, error) {
	if _, err := access.Require(ctx, access.RoleAdmin); err != nil {
		return vouchers.Provider{}, err
	}
	v := &rss.ValidationError{}
	checkIdentity(v, []fieldCheck{
		{field: "code", value: n.Code, ok: providerCode, code: "invalid_format", msg: "code must be 2-20 capital letters, digits or dashes, a letter or digit among them"},
		orgName("name", n.Name), npiCheck("npi", n.NPI), taxCheck("tax_id", n.TaxID), addressLine("address_line1", n.AddressLine1),
		cityName("city", n.City), stateCheck("state", n.State), zipCheck("zip", n.Zip), personName("contact_name", n.ContactName),
		phoneCheck("contact_phone", n.ContactPhone), emailCheck("contact_email", n.ContactEmail),
	})
	if n.AddressLine2 != nil {
		checkIdentity(v, []fieldCheck{addressLine("address_line2", *n.AddressLine2)})
	}
	if n.Agreement != nil {
		checkAgreement(v, "agreement", n.Agreement, s.Today())
	}
	if err := v.Err(); err != nil {
		return vouchers.Provider{}, err
	}
	n.AddressLine1, n.City = strings.TrimSpace(n.AddressLine1), strings.TrimSpace(n.City)
	if n.AddressLine2 != nil {
		t := strings.TrimSpace(*n.AddressLine2)
		n.AddressLine2 = &t
	}
	var out vouchers.Provider
	err := write(ctx, s, &out, func(ctx context.Context, tx *sqlx.Tx) error {
		if err := agencyNameFree(ctx, tx, 0, n.Code, strings.TrimSpace(n.Name)); err != nil {
			return err
		}
		if err := agencyNPINotStaffs(ctx, tx, n.NPI); err != nil {
			return err
		}
		var id int64
		err := tx.GetContext(ctx, &id, `INSERT INTO providers (code, name, npi, tax_id, address_line1, address_line2, city, state, zip,
				contact_name, contact_phone, contact_email)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12) RETURNING id`,
			n.Code, strings.TrimSpace(n.Name), n.NPI, n.TaxID, n.AddressLine1, n.AddressLine2, n.City, n.State, n.Zip,
			strings.TrimSpace(n.ContactName), n.ContactPhone, n.ContactEmail)
		switch {
		case pg.IsViolation(err, pg.CodeUniqueViolation, "providers_code_unique"):
			return rss.Coded(rss.ErrConflict, "provider_code_taken", "a provider with code %s exists", n.Code)
		case pg.IsViolation(err, pg.CodeUniqueViolation, "providers_npi_unique"):
			return rss.Coded(rss.ErrConflict, "provider_npi_taken", "a provider with this NPI exists")
		case err != nil:
			return constraintError(err)
		}
		events := []access.Event{{Action: "create", EntityType: "provider", EntityID: access.ID(id), Outcome: "reference_data"}}
		if n.Agreement != nil {
			aid, err := insertAgreement(ctx, tx, id, n.Agreement)
			if err != nil {
				return err
			}
			events = append(events, access.Event{Action: "create", EntityType: "provider_agreement", EntityID: access.ID(aid), Outcome: "reference_data"})
		}
		if err := setEnrollment(ctx, tx, id, s.Today(), rss.Optional[[]string]{Set: n.Programs != nil, Value: n.Programs},
			rss.Optional[[]string]{Set: n.Services != nil, Value: n.Services},
			rss.Optional[[]string]{Set: n.CatchmentAreas != nil, Value: n.CatchmentAreas}); err != nil {
			return err
		}
		if err := access.Record(ctx, tx, events...); err != nil {
			return err
		}
		if out, err = vouchers.LoadProvider(ctx, tx, id); err != nil {
			return err
		}
		if err := billableAddress(ctx, tx, &out); err != nil {
			return err
		}
		// What it was created with is its history's first entry, as an
		// area's programs and a program's areas are: a provider never
		// patched had no record of its sets or its first agreement period
		// (an operations black-box pass).
		for _, set := range []struct {
			field string
			now   []string
		}{{"programs", out.Programs}, {"services", out.Services}, {"catchment_areas", out.CatchmentAreas}} {
			if err := access.RecordSetChange(ctx, tx, access.ChangesOfProviders, access.ID(id), set.field, []string{}, nonNil(set.now)); err != nil {
				return err
			}
		}
		return access.RecordSetChange(ctx, tx, access.ChangesOfProviders, access.ID(id), "agreements", []vouchers.Agreement{}, out.Agreements)
	})
	return out, err
}

// billableAddress refuses (422) the address of an agency that delivers a
// program billed to Medicaid on an 837P when the file cannot carry it as
// the billing provider's (adjudication.BillingAddressProblem): every claim
// of the agency was denied 16/N258 for the MSC's own registry data, which
// the agency cannot mend (an operations black-box pass registered a
// five-digit ZIP and enrolled the agency in a Medicaid program unwarned).
func billableAddress(ctx context.Context, tx *sqlx.Tx, p *vouchers.Provider) error {
	var medicaid []string
	if err := tx.SelectContext(ctx, &medicaid, `SELECT code FROM programs WHERE code = ANY($1) AND payer_route = 'medicaid_837p' ORDER BY code`,
		p.Programs); err != nil {
		return fmt.Errorf("medicaid programs: %w", err)
	}
	what := "delivers " + strings.Join(medicaid, ", ") + ", billed to Medicaid on an 837P"
	if len(medicaid) == 0 {
		// An agency that delivered such a program (a service period of
		// it is kept once taken out) has claims whose voids and
		// replacements, and late claims within the filing limit, go out
		// under its billing address: one turned into a mailbox once the
		// program was taken out failed every agency's next 837P close
		// (an operations black-box pass).
		var delivered bool
		if err := tx.GetContext(ctx, &delivered, `SELECT EXISTS (SELECT 1 FROM provider_services ps
			JOIN services s ON s.code = ps.service_code JOIN programs g ON g.code = s.program_code AND g.payer_route = 'medicaid_837p'
			WHERE ps.provider_id = $1)`, p.ID); err != nil || !delivered {
			return err
		}
		what = "has offered services billed to Medicaid on an 837P (their claims, voids and replacements go out under its address)"
	}
	a := adjudication.PostalAddress{Line1: p.AddressLine1, City: p.City, State: p.State, Zip: p.Zip}
	if p.AddressLine2 != nil {
		a.Line2 = *p.AddressLine2
	}
	// Each field at fault at once: the ZIP's problem hid the street's
	// until it was mended (a re-check). The sentence is the server's own,
	// written whole: as an argument it was clipped as quoted input is,
	// mid-sentence (a re-check).
	v := &rss.ValidationError{}
	refuse := func(field, why string) {
		v.Add(field, "not_billable",
			"the agency "+what+": its billing provider address must be a street address with a ZIP+4 (nine digits): %s", why)
	}
	if why := adjudication.BillingStreetProblem(a); why != "" {
		field := "address_line1"
		if first := a; a.Line2 != "" {
			// The second line alone at fault (a mailbox there) is named.
			if first.Line2 = ""; adjudication.BillingStreetProblem(first) == "" {
				field = "address_line2"
			}
		}
		refuse(field, why)
	}
	if why := adjudication.BillingZIPProblem(p.Zip); why != "" {
		refuse("zip", why)
	}
	return v.Err()
}

// agencyNPINotStaffs refuses as an agency's NPI one a staff member holds
// (staff.NPIHeld): an agency's NPI is the organization's, a practitioner's
// is their own, and the 837P names the one as billing provider and the
// other as rendering provider.
func agencyNPINotStaffs(ctx context.Context, tx *sqlx.Tx, npi string) error {
	held, err := staff.NPIHeld(ctx, tx, npi)
	if err != nil {
		return err
	}
	if held {
		return rss.Invalid("npi", "staff_npi", "npi is a staff member's own NPI (a practitioner's); an agency's NPI is the organization's")
	}
	return nil
}

// UpdateProvider applies an admin's patch to a provider.
func (s *Service) UpdateProvider(ctx context.Context, id int64, p ProviderPatch) (vouchers.Provider, error) {
	if _, err := access.Require(ctx, access.RoleAdmin); err != nil {
		return vouchers.Provider{}, err
	}
	v := &rss.ValidationError{}
	sets := []string{}
	args := []any{id}
	add := func(col string, val any) {
		args = append(args, val)
		sets = append(sets, fmt.Sprintf("%s = $%d", col, len(args)))
	}
	for _, f := range []struct {
		o     rss.Optional[string]
		check func(string, string) fieldCheck
		col   string
		null  bool
	}{
		{p.Name, orgName, "name", false}, {p.NPI, npiCheck, "npi", false}, {p.TaxID, taxCheck, "tax_id", false},
		{p.AddressLine1, addressLine, "address_line1", false}, {p.AddressLine2, addressLine, "address_line2", true},
		{p.City, cityName, "city", false}, {p.State, stateCheck, "state", false}, {p.Zip, zipCheck, "zip", false},
		// The contact is required as at registration: a PATCH of nulls left
		// the MSC no way to reach the agency (a black-box pass).
		{p.ContactName, personName, "contact_name", false}, {p.ContactPhone, phoneCheck, "contact_phone", false},
		{p.ContactEmail, emailCheck, "contact_email", false},
	} {
		if !f.o.Set {
			continue
		}
		if f.o.Null {
			if !f.null {
				v.Add(f.col, "required", "%s cannot be null", f.col)
			}
			add(f.col, nil)
			continue
		}
		checkIdentity(v, []fieldCheck{f.check(f.col, f.o.Value)})
		add(f.col, strings.TrimSpace(f.o.Value))
	}
	for _, o := range []struct {
		field string
		o     rss.Optional[[]string]
	}{{"programs", p.Programs}, {"services", p.Services}, {"catchment_areas", p.CatchmentAreas}} {
		if o.o.Set && o.o.Null {
			v.Add(o.field, "required", "%s cannot be null; send [] to clear", o.field)
		}
	}
	if len(sets) == 0 && !p.Programs.Set && !p.Services.Set && !p.CatchmentAreas.Set {
		v.Add("body", "empty_patch", "nothing to change")
	}
	reason := vouchers.ChangeReason(v, p.Reason)
	if err := v.Err(); err != nil {
		return vouchers.Provider{}, err
	}
	var out vouchers.Provider
	err := s.transact(ctx, func(ctx context.Context, tx *sqlx.Tx) error {
		if err := lockProvider(ctx, tx, id); err != nil {
			return err
		}
		if err := access.ChangeReason(ctx, tx, reason); err != nil {
			return err
		}
		was, err := vouchers.LoadProvider(ctx, tx, id)
		if err != nil {
			return err
		}
		if p.Name.Set && !p.Name.Null {
			if err := agencyNameFree(ctx, tx, id, was.Code, strings.TrimSpace(p.Name.Value)); err != nil {
				return err
			}
		}
		if p.NPI.Set && !p.NPI.Null && strings.TrimSpace(p.NPI.Value) != was.NPI {
			if err := agencyNPINotStaffs(ctx, tx, strings.TrimSpace(p.NPI.Value)); err != nil {
				return err
			}
		}
		if len(sets) > 0 {
			_, err := tx.ExecContext(ctx, `UPDATE providers SET `+strings.Join(sets, ", ")+` WHERE id = $1`, args...)
			if pg.IsViolation(err, pg.CodeUniqueViolation, "providers_npi_unique") {
				return rss.Coded(rss.ErrConflict, "provider_npi_taken", "a provider with this NPI exists")
			}
			if err != nil {
				return constraintError(err)
			}
		}
		if err := setEnrollment(ctx, tx, id, s.Today(), p.Programs, p.Services, p.CatchmentAreas); err != nil {
			return err
		}
		if err := access.Record(ctx, tx, access.Event{Action: "update", EntityType: "provider", EntityID: access.ID(id), Outcome: "reference_data"}); err != nil {
			return err
		}
		out, err = vouchers.LoadProvider(ctx, tx, id)
		if err != nil {
			return err
		}
		// Checked on what the patch leaves: an address changed, or a
		// Medicaid program added, alike.
		if err := billableAddress(ctx, tx, &out); err != nil {
			return err
		}
		// The sets are rows of link tables the provider's own row does not
		// hold: kept in its history beside the columns (a black-box pass
		// could not say which areas an agency served last month). The
		// services are those offered from now on; their dated periods are
		// on the provider (service_periods).
		for _, set := range []struct {
			field       string
			before, now []string
		}{{"programs", was.Programs, out.Programs}, {"services", was.Services, out.Services},
			{"catchment_areas", was.CatchmentAreas, out.CatchmentAreas}} {
			if err := access.RecordSetChange(ctx, tx, access.ChangesOfProviders, access.ID(id), set.field,
				nonNil(set.before), nonNil(set.now)); err != nil {
				return err
			}
		}
		return nil
	})
	return out, err
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

// agencyNameFree refuses a name (or code) by which a consent form would
// name another agency as well (vouchers.NamesAgency, as the consent's
// recipient check reads it): with two agencies of one name a form was
// taken for either id, and the directory and the console's key form listed
// both alike, so a consent or a key could open a person's records to an
// agency the client never named (an operations black-box pass). Agencies
// are few and read whole; the names are checked under one lock, so two
// admins naming two agencies alike at once are taken one after the other.
// id is the agency renamed, 0 for a new one.
func agencyNameFree(ctx context.Context, tx *sqlx.Tx, id int64, code, name string) error {
	if err := lockNames(ctx, tx, "providers"); err != nil {
		return err
	}
	var others []struct {
		Code string `db:"code"`
		Name string `db:"name"`
	}
	if err := tx.SelectContext(ctx, &others, `SELECT code, name FROM providers WHERE id <> $1`, id); err != nil {
		return fmt.Errorf("provider names: %w", err)
	}
	key, codeKey := vouchers.AgencyNameKey(name), vouchers.AgencyNameKey(code)
	for _, o := range others {
		// A code is read as a form reads it too: "H-R-A" beside HRA made
		// every form naming HRA by its code ambiguous (a re-check). Only a
		// new agency's: a code is permanent, and two registered alike
		// before this could never be renamed (a review).
		// Every reading of the new code against every reading of the
		// other's code and name, either way round ("THE-BCS" beside BCS,
		// "RMX" beside "RMXCO": a re-check).
		if id == 0 {
			mine := append(vouchers.CodeReadings(code), codeKey)
			theirs := append(vouchers.CodeReadings(o.Code), vouchers.AgencyNameKey(o.Code), vouchers.AgencyNameKey(o.Name))
			for _, r := range mine {
				if slices.Contains(theirs, r) {
					return rss.Coded(rss.ErrConflict, "provider_code_taken", "another agency (%s, %s) reads as %s on a consent form", o.Code, o.Name, code)
				}
			}
		}
		// NamesAgency reads both ways round with the registry's key; a code
		// with a corporate form run on is read here too.
		if vouchers.NamesAgency(name, o.Code, o.Name) || vouchers.NamesAgency(o.Name, code, name) ||
			slices.Contains(vouchers.CodeReadings(o.Code), key) {
			return rss.Coded(rss.ErrConflict, "provider_name_taken",
				"another agency (%s, %s) has this name as a consent form reads it (case, punctuation and a corporate suffix aside), or is named by this agency's code", o.Code, o.Name)
		}
	}
	return nil
}

// lockProvider locks the provider's row (agreements and enrollment change
// one writer at a time) or says it does not exist. FOR NO KEY UPDATE, as
// its key never changes: FOR UPDATE held up the foreign key checks of the
// agency's own claims and requests, which take its intake lock first, so
// a reactivation or a lift waiting for that lock alone deadlocked with
// them (a review).
func lockProvider(ctx context.Context, tx *sqlx.Tx, id int64) error {
	var got int64
	err := tx.GetContext(ctx, &got, `SELECT id FROM providers WHERE id = $1 FOR NO KEY UPDATE`, id)
	if errors.Is(err, pg.ErrNoRows) {
		return fmt.Errorf("%w: provider %d", rss.ErrNotFound, id)
	}
	return err
}

// setEnrollment replaces the provider's programs, services and areas that
// are set. A service must belong to a program the provider is enrolled in.
// A service taken out is ended today (its period kept: the days it was
// offered are still billed), one added again after an end is offered from
// the day after (see migration 00043).
func setEnrollment(ctx context.Context, tx *sqlx.Tx, id int64, today rss.Date, programs, services, areas rss.Optional[[]string]) error {
	type set struct {
		field, table, column, ref string
		o                         rss.Optional[[]string]
	}
	for _, x := range []set{
		{"programs", "provider_programs", "program_code", "programs", programs},
		{"services", "provider_services", "service_code", "services", services},
		{"catchment_areas", "provider_catchment_areas", "area_code", "catchment_areas", areas},
	} {
		if !x.o.Set {
			continue
		}
		var unknown []string
		if err := tx.SelectContext(ctx, &unknown, `SELECT DISTINCT c FROM unnest($1::text[]) c
			WHERE NOT EXISTS (SELECT 1 FROM `+x.ref+` r WHERE r.code = c) ORDER BY c`, pq.Array(x.o.Value)); err != nil {
			return err
		}
		if len(unknown) > 0 {
			return rss.Invalid(x.field, "unknown_id", "unknown %s: %s", x.field, strings.Join(unknown, ", "))
		}
		if x.table == "provider_services" {
			if err := refuseRetired(ctx, tx, id, x.o.Value); err != nil {
				return err
			}
			if err := setServices(ctx, tx, id, today, x.o.Value); err != nil {
				return err
			}
			continue
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM `+x.table+` WHERE provider_id = $1 AND NOT (`+x.column+` = ANY($2))`,
			id, pq.Array(x.o.Value)); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO `+x.table+` (provider_id, `+x.column+`) SELECT $1, unnest($2::text[])
			ON CONFLICT DO NOTHING`, id, pq.Array(x.o.Value)); err != nil {
			return err
		}
	}
	var orphans []string
	if err := tx.SelectContext(ctx, &orphans, `SELECT s.code FROM provider_services ps JOIN services s ON s.code = ps.service_code
		WHERE ps.provider_id = $1 AND ps.offered_to IS NULL AND NOT EXISTS (SELECT 1 FROM provider_programs pp WHERE pp.provider_id = $1 AND pp.program_code = s.program_code)
		ORDER BY 1`, id); err != nil {
		return err
	}
	if len(orphans) > 0 {
		return rss.Invalid("services", "program_not_enrolled", "services %s belong to programs the provider is not enrolled in",
			strings.Join(orphans, ", "))
	}
	return nil
}

// refuseRetired refuses to add a retired service (inactive, whatever its
// last day offered) to the agency's offer: no request or claim for it
// past that day would pass
// (V01, CLAIM_SERVICE_NOT_COVERED), so the agency was told it offers what
// no one may be authorized for (an operations black-box pass added one
// without a word). One it offers already stays listed, its period kept
// for the days before the retirement; restoring the service is the way
// back.
func refuseRetired(ctx context.Context, tx *sqlx.Tx, id int64, codes []string) error {
	var retired []string
	if err := tx.SelectContext(ctx, &retired, `SELECT s.code FROM services s
		WHERE s.code = ANY($2) AND NOT s.active
		  AND NOT EXISTS (SELECT 1 FROM provider_services x WHERE x.provider_id = $1 AND x.service_code = s.code AND x.offered_to IS NULL)
		ORDER BY s.code`, id, pq.Array(codes)); err != nil {
		return err
	}
	if len(retired) > 0 {
		return rss.Invalid("services", "inactive", "services %s are retired and cannot be added to an agency's offer; "+
			"restore a service first (PATCH /v1/reference/services/{code} with active true)", strings.Join(retired, ", "))
	}
	return nil
}

// setServices makes codes the services the agency offers after today: an
// open period of a service not among them ends today (the day it is taken
// out is its last: what was delivered and billed by then stays inside it),
// or goes, when it would only have begun tomorrow; a service among them
// without an open period gets one, with no start if the agency never had
// it, else from the day after its last period ended (today, when that was
// before yesterday).
func setServices(ctx context.Context, tx *sqlx.Tx, id int64, today rss.Date, codes []string) error {
	if _, err := tx.ExecContext(ctx, `DELETE FROM provider_services WHERE provider_id = $1 AND offered_to IS NULL
			AND NOT (service_code = ANY($2)) AND offered_from > $3`, id, pq.Array(codes), today); err != nil {
		return err
	}
	if _, err := tx.ExecContext(ctx, `UPDATE provider_services SET offered_to = $3 WHERE provider_id = $1 AND offered_to IS NULL
			AND NOT (service_code = ANY($2))`, id, pq.Array(codes), today); err != nil {
		return constraintError(err)
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO provider_services (provider_id, service_code, offered_from)
		SELECT $1, c.code, (SELECT GREATEST($3::date, max(x.offered_to) + 1) FROM provider_services x
		                    WHERE x.provider_id = $1 AND x.service_code = c.code HAVING count(*) > 0)
		FROM (SELECT DISTINCT unnest($2::text[]) AS code) c
		WHERE NOT EXISTS (SELECT 1 FROM provider_services x WHERE x.provider_id = $1 AND x.service_code = c.code AND x.offered_to IS NULL)
		ORDER BY c.code`, id, pq.Array(codes), today); err != nil {
		return constraintError(err)
	}
	return nil
}

func insertAgreement(ctx context.Context, tx *sqlx.Tx, providerID int64, a *NewAgreement) (int64, error) {
	var id int64
	var end any
	if !a.EndDate.IsZero() {
		end = a.EndDate
	}
	err := tx.GetContext(ctx, &id, `INSERT INTO provider_agreements (provider_id, start_date, end_date, note)
		VALUES ($1, $2, $3, $4) RETURNING id`, providerID, a.StartDate, end, a.Note)
	if pg.IsViolation(err, pg.CodeExclusionViolation, "provider_agreements_no_overlap") {
		return 0, rss.Coded(rss.ErrConflict, "agreement_overlap",
			"the period overlaps an agreement on file; a renewal starts after the last period ends")
	}
	if err != nil {
		return 0, constraintError(err)
	}
	return id, nil
}

// AddAgreement records an agreement period: a renewal, or the first one
// (admin). Periods of one provider never overlap.
func (s *Service) AddAgreement(ctx context.Context, providerID int64, n NewAgreement) (vouchers.Agreement, error) {
	if _, err := access.Require(ctx, access.RoleAdmin); err != nil {
		return vouchers.Agreement{}, err
	}
	v := &rss.ValidationError{}
	checkAgreement(v, "", &n, s.Today())
	if err := v.Err(); err != nil {
		return vouchers.Agreement{}, err
	}
	var out vouchers.Agreement
	err := write(ctx, s, &out, func(ctx context.Context, tx *sqlx.Tx) error {
		if err := lockProvider(ctx, tx, providerID); err != nil {
			return err
		}
		before, err := agreementsOf(ctx, tx, providerID)
		if err != nil {
			return err
		}
		id, err := insertAgreement(ctx, tx, providerID, &n)
		if err != nil {
			return err
		}
		if err := recordAgreements(ctx, tx, providerID, before); err != nil {
			return err
		}
		if err := access.Record(ctx, tx, access.Event{Action: "create", EntityType: "provider_agreement", EntityID: access.ID(id),
			Outcome: "reference_data"}); err != nil {
			return err
		}
		p, err := vouchers.LoadProvider(ctx, tx, providerID)
		if err != nil {
			return err
		}
		for _, a := range p.Agreements {
			if a.ID == id {
				out = a
			}
		}
		return nil
	})
	return out, err
}

// agreementsOf reads the agency's agreement periods as its history keeps
// them (recordAgreements).
func agreementsOf(ctx context.Context, tx *sqlx.Tx, providerID int64) ([]vouchers.Agreement, error) {
	p, err := vouchers.LoadProvider(ctx, tx, providerID)
	return p.Agreements, err
}

// recordAgreements keeps a change of the agency's agreement periods in its
// history (GET .../providers/{id}/history, field agreements): the periods
// before and after, with the change's reason. An end moved, an older
// period's end corrected (a day made billable again) or a note overwritten
// left no before and no why: the provider's row showed the newest period
// alone (an operations black-box pass).
func recordAgreements(ctx context.Context, tx *sqlx.Tx, providerID int64, before []vouchers.Agreement) error {
	after, err := agreementsOf(ctx, tx, providerID)
	if err != nil {
		return err
	}
	return access.RecordSetChange(ctx, tx, access.ChangesOfProviders, access.ID(providerID), "agreements", before, after)
}

// AgreementPatch ends (or corrects the end of) an agreement period: a
// termination sets end_date; null makes the period open-ended again.
type AgreementPatch struct {
	EndDate rss.Optional[rss.Date] `json:"end_date"`
	Note    rss.Optional[string]   `json:"note"`
	// Reason is why, kept with the change in the provider's history.
	Reason rss.Optional[string] `json:"reason"`
}

// UpdateAgreement changes an agreement period's end or note (admin). The
// start is what was signed and stays; periods still never overlap.
func (s *Service) UpdateAgreement(ctx context.Context, providerID, agreementID int64, p AgreementPatch) (vouchers.Agreement, error) {
	if _, err := access.Require(ctx, access.RoleAdmin); err != nil {
		return vouchers.Agreement{}, err
	}
	if !p.EndDate.Set && !p.Note.Set {
		return vouchers.Agreement{}, rss.Invalid("body", "empty_patch", "nothing to change")
	}
	v := &rss.ValidationError{}
	if p.Note.Set && !p.Note.Null {
		checkFreeText(v, "note", &p.Note.Value)
	}
	why := vouchers.ChangeReason(v, p.Reason)
	if err := v.Err(); err != nil {
		return vouchers.Agreement{}, err
	}
	var out vouchers.Agreement
	err := s.transact(ctx, func(ctx context.Context, tx *sqlx.Tx) error {
		if err := lockProvider(ctx, tx, providerID); err != nil {
			return err
		}
		if err := access.ChangeReason(ctx, tx, why); err != nil {
			return err
		}
		before, err := agreementsOf(ctx, tx, providerID)
		if err != nil {
			return err
		}
		var start rss.Date
		err = tx.GetContext(ctx, &start, `SELECT start_date FROM provider_agreements WHERE id = $1 AND provider_id = $2`, agreementID, providerID)
		if errors.Is(err, pg.ErrNoRows) {
			return fmt.Errorf("%w: agreement %d of provider %d", rss.ErrNotFound, agreementID, providerID)
		}
		if err != nil {
			return err
		}
		if p.EndDate.Set {
			var end any
			if !p.EndDate.Null {
				if p.EndDate.Value.Before(start) {
					return rss.Invalid("end_date", "before_start", "end_date is before the period's start %s", start)
				}
				if last := lastAgreementEnd(s.Today()); p.EndDate.Value.After(last) {
					return rss.Invalid("end_date", "out_of_range", "end_date is at most %d years after today (%s); "+
						"null leaves the period with no set end", maxAgreementYearsAhead, last)
				}
				end = p.EndDate.Value
			}
			_, err := tx.ExecContext(ctx, `UPDATE provider_agreements SET end_date = $2 WHERE id = $1`, agreementID, end)
			if pg.IsViolation(err, pg.CodeExclusionViolation, "provider_agreements_no_overlap") {
				return rss.Coded(rss.ErrConflict, "agreement_overlap", "the period would overlap a later agreement on file")
			}
			if pg.IsViolation(err, pg.CodeCheckViolation, "provider_agreements_no_claims_outside") {
				return rss.Coded(rss.ErrConflict, "claims_outside_agreement",
					"the agency has paid claim lines on days the period would no longer cover%s; void or replace those claims first", pg.ViolationNamed(err))
			}
			if err != nil {
				return constraintError(err)
			}
		}
		if p.Note.Set {
			if _, err := tx.ExecContext(ctx, `UPDATE provider_agreements SET note = $2 WHERE id = $1`, agreementID, p.Note.Ptr()); err != nil {
				return err
			}
		}
		if err := recordAgreements(ctx, tx, providerID, before); err != nil {
			return err
		}
		if err := access.Record(ctx, tx, access.Event{Action: "update", EntityType: "provider_agreement", EntityID: access.ID(agreementID),
			Outcome: "reference_data"}); err != nil {
			return err
		}
		pr, err := vouchers.LoadProvider(ctx, tx, providerID)
		for _, a := range pr.Agreements {
			if a.ID == agreementID {
				out = a
			}
		}
		return err
	})
	return out, err
}

// Agreements lists a provider's agreement history, oldest first (the
// admin, or the provider itself; another agency's is not found).
func (s *Service) Agreements(ctx context.Context, providerID int64) ([]vouchers.Agreement, error) {
	a, err := access.ActorFrom(ctx)
	if err != nil {
		return nil, err
	}
	if !a.SeesProvider(providerID) {
		return nil, fmt.Errorf("%w: provider %d", rss.ErrNotFound, providerID)
	}
	p, err := vouchers.LoadProvider(ctx, s.db, providerID)
	if err != nil {
		return nil, err
	}
	if p.Agreements == nil {
		return []vouchers.Agreement{}, nil
	}
	return p.Agreements, nil
}

// ProviderHistory lists the changes to a provider's record, oldest first
// (the admin, or the provider itself; another agency's is not found): what
// each changed, before and after, when and by whom (access.Changes).
func (s *Service) ProviderHistory(ctx context.Context, providerID int64) ([]access.Change, error) {
	a, err := access.ActorFrom(ctx)
	if err != nil {
		return nil, err
	}
	if !a.SeesProvider(providerID) {
		return nil, fmt.Errorf("%w: provider %d", rss.ErrNotFound, providerID)
	}
	var out []access.Change
	err = s.transact(ctx, func(ctx context.Context, tx *sqlx.Tx) error {
		var n int
		if err := tx.GetContext(ctx, &n, `SELECT count(*) FROM providers WHERE id = $1`, providerID); err != nil {
			return err
		}
		if n == 0 {
			return fmt.Errorf("%w: provider %d", rss.ErrNotFound, providerID)
		}
		out, err = access.Changes(ctx, tx, a, access.ChangesOfProviders, "provider", []string{"provider_agreement", "provider_suspension"}, providerID)
		return err
	})
	return out, err
}

// Deactivate takes a provider out of service (admin): from EffectiveOn it
// gets no new voucher (PROVIDER_DEACTIVATED) and no claim for a day from
// then on pays. Its API keys stay: the agency still claims for services
// delivered before, within the filing limit, and reads its remittances;
// revoking them is a separate, explicit act (POST /v1/api-keys/{id}/revoke).
func (s *Service) Deactivate(ctx context.Context, providerID int64, d Deactivation) (vouchers.Provider, error) {
	admin, err := access.Require(ctx, access.RoleAdmin)
	if err != nil {
		return vouchers.Provider{}, err
	}
	v := &rss.ValidationError{}
	checkIdentity(v, []fieldCheck{anyText("reason", d.Reason)})
	if d.EffectiveOn.IsZero() {
		d.EffectiveOn = s.Today()
	}
	// Out of service from a day near today: back to the filing limits
	// of the claims it must stop, ahead to a notice period.
	dateWithin(v, "effective_on", d.EffectiveOn, s.Today(), 2, 2)
	if err := v.Err(); err != nil {
		return vouchers.Provider{}, err
	}
	var out vouchers.Provider
	err = write(ctx, s, &out, func(ctx context.Context, tx *sqlx.Tx) error {
		if err := lockProvider(ctx, tx, providerID); err != nil {
			return err
		}
		// Kept with the row's change in the agency's history, as a PATCH's
		// reason is (the history read reason null: an operations pass).
		if err := access.ChangeReason(ctx, tx, strings.TrimSpace(d.Reason)); err != nil {
			return err
		}
		res, err := tx.ExecContext(ctx, `UPDATE providers SET deactivated_on = $2, deactivation_reason = $3
			WHERE id = $1 AND deactivated_on IS NULL`, providerID, d.EffectiveOn, strings.TrimSpace(d.Reason))
		if pg.IsViolation(err, pg.CodeCheckViolation, "providers_no_claims_after_deactivation") {
			return rss.Coded(rss.ErrConflict, "claims_after_deactivation",
				"the agency has paid claim lines on or after %s%s; void or replace those claims first, or deactivate from a later day",
				d.EffectiveOn, pg.ViolationNamed(err))
		}
		if err != nil {
			return constraintError(err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return rss.Coded(rss.ErrConflict, "provider_deactivated", "provider %d is already deactivated", providerID)
		}
		if err := access.Record(ctx, tx, access.Event{Action: "deactivate", EntityType: "provider", EntityID: access.ID(providerID),
			Outcome: "reference_data"}); err != nil {
			return err
		}
		// Each authorization it cuts says so in its history.
		if err := ledger.DeactivationCut(ctx, tx, providerID, d.EffectiveOn, s.now(),
			ledger.By{KeyID: admin.KeyID, Role: string(admin.Role)}); err != nil {
			return err
		}
		out, err = vouchers.LoadProvider(ctx, tx, providerID)
		return err
	})
	return out, err
}

// ReactivationRequest says why a provider goes back in service: a return
// to service restores authorizations, so its reason is kept as a
// deactivation's is (a black-box pass found it taken with no why).
type ReactivationRequest struct {
	Reason string `json:"reason"`
	// InError says the deactivation was the MSC's mistake: it is undone as
	// if never made. Otherwise its days, from its first to the day before
	// the reactivation, are kept as a suspension and stay out of service.
	InError rss.Optional[bool] `json:"in_error"`
}

// Reactivation is a provider put back in service, with the authorizations
// its reactivation did not give back (vouchers.ReturnAuthorizations):
// ended (their days out of service, or no longer to be requested as
// granted) or held for a reviewer (the rules guarding what was granted
// meanwhile fired).
type Reactivation struct {
	vouchers.Provider
	AuthorizationsEnded []vouchers.AuthorizationEnded `json:"authorizations_ended"`
	AuthorizationsHeld  []vouchers.AuthorizationEnded `json:"authorizations_held"`
}

// Reactivate puts a deactivated provider back in service (admin). The
// authorizations its deactivation cut short get their spans back where a
// request for their unused units would be granted today, and end where it
// would not (vouchers.ReturnAuthorizations): a reactivation gave them all
// back unjudged, past the caps of people served meanwhile by others.
func (s *Service) Reactivate(ctx context.Context, providerID int64, r ReactivationRequest) (Reactivation, error) {
	if _, err := access.Require(ctx, access.RoleAdmin); err != nil {
		return Reactivation{}, err
	}
	v := &rss.ValidationError{}
	checkIdentity(v, []fieldCheck{anyText("reason", r.Reason)})
	// It decides whether the days out of service become billable: left out
	// is false, null is no answer (a black-box pass read null as false).
	if r.InError.Null {
		v.Add("in_error", "required", "in_error is true or false, or left out (false)")
	}
	if err := v.Err(); err != nil {
		return Reactivation{}, err
	}
	inError := r.InError.Value
	var out Reactivation
	err := write(ctx, s, &out, func(ctx context.Context, tx *sqlx.Tx) error {
		if err := lockProvider(ctx, tx, providerID); err != nil {
			return err
		}
		// The agency's intake lock alone, before its authorizations are
		// held (ReturnAuthorizations) and not only at the provider's
		// update (its trigger): a claim that held the lock shared waited
		// for an authorization this held, and read it, once given, with
		// its agency still deactivated, the snapshot of a statement that
		// had begun before: the line was denied 197 "no authorization
		// covers" beside C05 passed (a races black-box pass). Now a claim
		// under way is judged before the reactivation, or after it whole.
		if err := pg.LockIntakeAlone(ctx, tx, providerID); err != nil {
			return err
		}
		// The deactivation undone is kept in the reactivation's event: the
		// provider's row forgets it, and a black-box pass found its day and
		// reason gone from every record.
		var was struct {
			On     *rss.Date `db:"deactivated_on"`
			Reason *string   `db:"deactivation_reason"`
		}
		if err := tx.GetContext(ctx, &was, `SELECT deactivated_on, deactivation_reason FROM providers WHERE id = $1`, providerID); err != nil {
			return err
		}
		if was.On == nil || was.Reason == nil {
			return rss.Coded(rss.ErrConflict, "provider_active", "provider %d is not deactivated", providerID)
		}
		// Judged while the deactivation still holds, so each one not yet
		// judged counts only its used units. The first day back in
		// service: today, unless the deactivation was made in error or
		// had not yet begun (no day was taken). One made in error is
		// judged too: while the agency was out another may have been
		// granted its days or its room under the caps by the rules alone,
		// and given back unjudged both stood with no reviewer (a re-check).
		// What a reviewer lifted on approving one stays lifted (SPEC §5;
		// ReturnAuthorizations).
		resumes := *was.On
		if !inError && was.On.Before(s.Today()) {
			resumes = s.Today()
		}
		ended, held, err := s.v.ReturnAuthorizations(ctx, tx, providerID, *was.On, resumes)
		if err != nil {
			return err
		}
		// The reactivation's own reason, kept with the row's change in the
		// agency's history: a reactivation that keeps no suspension (in
		// error, or before its day) had it nowhere an API reads (an
		// operations pass). One made in error says so there: it read as an
		// ordinary one, only the missing suspension hinting at it (another).
		histReason := strings.TrimSpace(r.Reason)
		if inError {
			histReason += " (the deactivation was made in error: undone)"
		}
		if err := access.ChangeReason(ctx, tx, histReason); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `UPDATE providers SET deactivated_on = NULL, deactivation_reason = NULL WHERE id = $1`,
			providerID); err != nil {
			return err
		}
		// With the deactivation lifted, so that those given back hold
		// their spans again (vouchers.ReleaseNotGivenBack).
		if err := s.v.ReleaseNotGivenBack(ctx, tx, ended); err != nil {
			return err
		}
		// The days it was out of service stay so (a black-box pass found a
		// line for one, denied during the deactivation, paid after it),
		// unless the deactivation was made in error; one that had not yet
		// begun took no day.
		outcome := fmt.Sprintf("deactivated from %s: %s; reactivated: %s", *was.On, *was.Reason, strings.TrimSpace(r.Reason))
		today := s.Today()
		switch {
		case inError:
			outcome += " (the deactivation made in error: undone)"
		case was.On.Before(today):
			kept := suspensionChange{FirstDay: *was.On, LastDay: today.AddDays(-1)}
			err := tx.GetContext(ctx, &kept.ID, `INSERT INTO provider_suspensions (provider_id, first_day, last_day, reason,
					reactivation_reason, reactivated_at) VALUES ($1, $2, $3, $4, $5, $6) RETURNING id`,
				providerID, kept.FirstDay, kept.LastDay, *was.Reason, strings.TrimSpace(r.Reason), s.now())
			if pg.IsViolation(err, pg.CodeCheckViolation, "provider_suspensions_no_claims") {
				return rss.Coded(rss.ErrConflict, "claims_in_suspension",
					"the agency has paid claim lines from %s to %s; void or replace them first, or reactivate with in_error", *was.On, today.AddDays(-1))
			}
			if err != nil {
				return fmt.Errorf("record suspension: %w", err)
			}
			// Kept in the history from the reactivation that kept it, as
			// its lift is: an operations pass found a suspension there
			// only once lifted.
			if err := access.RecordSetChange(ctx, tx, access.ChangesOfProviders, access.ID(providerID), "suspension", nil, kept); err != nil {
				return err
			}
			outcome += fmt.Sprintf(" (out of service %s..%s)", *was.On, today.AddDays(-1))
		}
		if err := access.Record(ctx, tx, access.Event{Action: "reactivate", EntityType: "provider", EntityID: access.ID(providerID),
			Outcome: outcome}); err != nil {
			return err
		}
		out.Provider, err = vouchers.LoadProvider(ctx, tx, providerID)
		out.AuthorizationsEnded, out.AuthorizationsHeld = ended, held
		if out.AuthorizationsEnded == nil {
			out.AuthorizationsEnded = []vouchers.AuthorizationEnded{}
		}
		if out.AuthorizationsHeld == nil {
			out.AuthorizationsHeld = []vouchers.AuthorizationEnded{}
		}
		return err
	})
	return out, err
}

// suspensionChange is a suspension as the provider's history shows it:
// kept (before null), then lifted.
type suspensionChange struct {
	ID         int64      `json:"id"`
	FirstDay   rss.Date   `json:"first_day"`
	LastDay    rss.Date   `json:"last_day"`
	LiftedAt   *time.Time `json:"lifted_at"`
	LiftReason *string    `json:"lift_reason"`
}

// LiftRequest says why a suspension is lifted.
type LiftRequest struct {
	Reason string `json:"reason"`
}

// LiftSuspension undoes a suspension a reactivation kept (admin), for a
// reactivation that should have said in_error: the suspension's days are
// back in service for the claims and vouchers judged from then on, as if
// the reactivation had said so for them. What the reactivation did to the
// agency's authorizations is not redone: one ended because all its days
// from the deactivation lay in the suspension stays ended (the agency
// requests those days again, judged by the rules), and a claim line
// denied for a day of it stays denied (the agency submits it again). One
// given back that covers a day of the suspension another agency holds an
// authorization of the same person and service over is refused
// (suspension_days_served, as an in_error reactivation would have ended
// it): the admin voids one of the two first, and one of the other
// agency's that billed those days holds them though void. The period is
// kept, marked lifted with the reason.
func (s *Service) LiftSuspension(ctx context.Context, providerID, suspensionID int64, r LiftRequest) (vouchers.Provider, error) {
	admin, err := access.Require(ctx, access.RoleAdmin)
	if err != nil {
		return vouchers.Provider{}, err
	}
	v := &rss.ValidationError{}
	checkIdentity(v, []fieldCheck{anyText("reason", r.Reason)})
	if err := v.Err(); err != nil {
		return vouchers.Provider{}, err
	}
	var out vouchers.Provider
	err = write(ctx, s, &out, func(ctx context.Context, tx *sqlx.Tx) error {
		if err := lockProvider(ctx, tx, providerID); err != nil {
			return err
		}
		var sus struct {
			First  rss.Date   `db:"first_day"`
			Last   rss.Date   `db:"last_day"`
			Lifted *time.Time `db:"lifted_at"`
		}
		err := tx.GetContext(ctx, &sus, `SELECT first_day, last_day, lifted_at FROM provider_suspensions
			WHERE id = $1 AND provider_id = $2`, suspensionID, providerID)
		if errors.Is(err, pg.ErrNoRows) {
			return fmt.Errorf("%w: suspension %d of provider %d", rss.ErrNotFound, suspensionID, providerID)
		}
		if err != nil {
			return err
		}
		if sus.Lifted != nil {
			return rss.Coded(rss.ErrConflict, "suspension_lifted", "suspension %d was lifted already", suspensionID)
		}
		// The locks a reactivation takes, in its order: the agency's intake
		// alone, so a claim of its own is judged before the lift or after
		// it whole, then its authorizations over the days with their
		// episodes, which another agency's request for the same person
		// holds from its facts to its commit. Without them a request
		// V34 approved over the suspended days, still under way, was not
		// among the days served below, and both agencies held the days
		// with no reviewer (a white-box review).
		if err := pg.LockIntakeAlone(ctx, tx, providerID); err != nil {
			return err
		}
		if err := ledger.LockOfProviderWithin(ctx, tx, providerID, sus.First, sus.Last); err != nil {
			return err
		}
		// One held for review (migration 00113) covers no day from its
		// hold: the reviewer judges those when giving it back, the days
		// lifted among them (HoldOverLifted, below). A pair a reviewer's
		// give-back acknowledged (authorization_overlap_exceptions) stands
		// together, as the reviewer judged: the lift was refused over it,
		// its advice to void one of the two the reviewer kept (a black-box
		// pass).
		var served []string
		if err := tx.SelectContext(ctx, &served, `SELECT DISTINCT o.number FROM authorizations a
			JOIN clients ac ON ac.id = a.client_id
			JOIN clients oc ON oc.person_id = ac.person_id
			JOIN authorizations o ON o.client_id = oc.id AND o.service_code = a.service_code AND o.provider_id <> a.provider_id
			WHERE a.provider_id = $1 AND a.voided_at IS NULL
			  AND (o.voided_at IS NULL OR o.units_used > 0)
			  AND a.start_date <= $3 AND LEAST(a.end_date, a.held_from - 1) >= $2
			  AND o.start_date <= LEAST(a.end_date, a.held_from - 1, $3)
			  AND CASE WHEN o.voided_at IS NULL THEN o.end_date
			           ELSE LEAST(o.end_date, (o.voided_at AT TIME ZONE 'UTC')::date) END >= GREATEST(a.start_date, $2)
			  AND NOT EXISTS (SELECT 1 FROM authorization_overlap_exceptions x
			                  WHERE (x.authorization_id = a.id AND x.other_id = o.id) OR (x.authorization_id = o.id AND x.other_id = a.id))
			ORDER BY 1`, providerID, sus.First, sus.Last); err != nil {
			return fmt.Errorf("days served by others: %w", err)
		}
		// Another agency's void authorization still holds the days it
		// billed, up to its void, as the duplicate rule reads it (V34):
		// the days stay paid. Dropped at its void, the
		// advice below led to both agencies paid for those days (a
		// black-box pass voided the other agency's, lifted, and was paid
		// again for the days it had billed).
		if len(served) > 0 {
			return rss.Coded(rss.ErrConflict, "suspension_days_served",
				"another agency holds authorizations over days of the suspension for the same people and services (%s): "+
					"void one of each pair first (this agency's, when the other has billed those days: a void "+
					"authorization still holds the days it billed)", strings.Join(served, ", "))
		}
		reason := strings.TrimSpace(r.Reason)
		// As the database keeps it and reads it back: the history's copy
		// read nanoseconds where the suspension read microseconds (a
		// black-box pass).
		now := s.now().UTC().Truncate(time.Microsecond)
		// The history entry's reason, as every other entry of the
		// provider's carries its own (it read null: the same pass).
		if err := access.ChangeReason(ctx, tx, reason); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `UPDATE provider_suspensions SET lifted_at = $2, lift_reason = $3 WHERE id = $1`,
			suspensionID, now, reason); err != nil {
			return fmt.Errorf("lift suspension: %w", err)
		}
		// In the provider's history too, beside the agreements, with who
		// lifted it (the audit event's): an operations pass found the lift
		// in the audit table alone, and the suspension naming no one.
		before := suspensionChange{ID: suspensionID, FirstDay: sus.First, LastDay: sus.Last}
		after := before
		after.LiftedAt, after.LiftReason = &now, &reason
		if err := access.RecordSetChange(ctx, tx, access.ChangesOfProviders, access.ID(providerID), "suspension", before, after); err != nil {
			return err
		}
		// An authorization held for review over the days is judged over
		// them too before it gets them, as an in_error reactivation would
		// have judged it: judged from the reactivation's day only, a
		// discharge dated before that day released the hold with no
		// reviewer, and a reviewer giving it back was told of another
		// agency's authorization from that day on only; the days it was
		// granted while the agency was out were paid to both (a
		// black-box pass).
		held, err := ledger.HoldOverLifted(ctx, tx, providerID, sus.First, sus.Last,
			"the lift of the agency's suspension on "+s.Today().String(), now, ledger.By{KeyID: admin.KeyID, Role: string(admin.Role)})
		if err != nil {
			return err
		}
		events := []access.Event{{Action: "lift", EntityType: "provider_suspension", EntityID: access.ID(suspensionID),
			Outcome: fmt.Sprintf("provider %d out of service %s..%s: lifted: %s", providerID, sus.First, sus.Last, reason)}}
		for _, h := range held {
			events = append(events, access.Event{Action: ledger.EventHold, EntityType: "authorization", EntityID: access.ID(h.ID),
				ClientID: h.ClientID})
		}
		if err := access.Record(ctx, tx, events...); err != nil {
			return err
		}
		out, err = vouchers.LoadProvider(ctx, tx, providerID)
		return err
	})
	return out, err
}

// providerCode is a code of the registry's form holding a letter or digit:
// "--" was registered, and a consent form naming "-" read as that agency
// (a re-check).
func providerCode(s string) bool {
	return providerCodeFormat.MatchString(s) && strings.ContainsAny(s, "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789")
}
