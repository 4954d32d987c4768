package vouchers

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"

	"rss"
	"rss/access"
	"rss/adjudication"
	"rss/pg"
)

// Consent is a 42 CFR Part 2 consent to disclose.
type Consent struct {
	ID                   int64          `json:"id" db:"id"`
	ClientID             int64          `json:"client_id" db:"client_id"`
	DisclosingProviderID int64          `json:"disclosing_provider_id" db:"disclosing_provider_id"`
	RecipientType        string         `json:"recipient_type" db:"recipient_type"`
	RecipientProviderID  *int64         `json:"recipient_provider_id" db:"recipient_provider_id"`
	RecipientName        string         `json:"recipient_name" db:"recipient_name"`
	PayerRoute           *string        `json:"payer_route" db:"payer_route"`
	Purposes             pq.StringArray `json:"purposes" db:"purposes"`
	Information          string         `json:"information" db:"information"`
	Records              pq.StringArray `json:"records" db:"records"`
	ExpiresOn            rss.Date       `json:"expires_on" db:"expires_on"`
	ExpiryEvent          *string        `json:"expiry_event" db:"expiry_event"`
	SignedOn             rss.Date       `json:"signed_on" db:"signed_on"`
	RevokedAt            *time.Time     `json:"revoked_at" db:"revoked_at"`
	RevocationReason     *string        `json:"revocation_reason" db:"revocation_reason"`
	// ExpiredOn is the day the expiry event happened, as recorded by the
	// agency or the MSC (ExpireConsent), with why.
	ExpiredOn    rss.Date  `json:"expired_on" db:"expired_on"`
	ExpiryReason *string   `json:"expiry_reason" db:"expiry_reason"`
	CreatedAt    time.Time `json:"created_at" db:"created_at"`
	// InForceThrough is the last day the consent discloses (migration
	// 00109): every reading of its status and of a consent in force reads it.
	InForceThrough rss.Date `json:"-" db:"in_force_through"`
	Status         string   `json:"status" db:"-"`
}

// NewConsent records a consent signed by the client.
type NewConsent struct {
	ClientID            int64  `json:"client_id"`
	RecipientType       string `json:"recipient_type"`
	RecipientProviderID *int64 `json:"recipient_provider_id"`
	RecipientName       string `json:"recipient_name"`
	// PayerRoute names the payer of a consent to a payer, as programs name
	// where their claims go: medicaid_837p, the one payer rss sends to.
	PayerRoute  *string  `json:"payer_route"`
	Purposes    []string `json:"purposes"`
	Information string   `json:"information"`
	// Records, for a consent to another agency, are the kinds of record
	// it discloses (left out: every kind); information is the form's words.
	Records     []string `json:"records"`
	ExpiresOn   rss.Date `json:"expires_on"`
	ExpiryEvent *string  `json:"expiry_event"`
	SignedOn    rss.Date `json:"signed_on"`
}

// payerMedicaid is the payer route of programs billed to Medicaid
// (billing.RouteMedicaid837P), the one payer a consent may name.
const payerMedicaid = "medicaid_837p"

var consentPurposes = []string{"payment", "treatment", "care_coordination", "operations"}

// The kinds of record a consent to another agency may disclose (migration
// 00059), each what a read of the disclosing agency's records by the
// recipient checks: the client's enrollments, care plans and consents, the
// GPRA schedule (the stays' interviews), and the reasons of a voucher
// decision quoting an enrollment (a primary case manager's designation)
// or authorizations (an overlapping voucher, an episode's totals), or a
// GPRA interview (a follow-up window drawn from its intake).
const (
	recordsCarePlans = "care_plans"
	recordsConsents  = "consents"
	recordsGPRA      = adjudication.RecordsGPRAInterviews
)

// consentRecords lists the kinds, sorted as a consent stores them.
var consentRecords = []string{adjudication.RecordsAuthorizations, recordsCarePlans, recordsConsents, adjudication.RecordsEnrollments,
	recordsGPRA}

func (n *NewConsent) validate(today rss.Date) error {
	v := &rss.ValidationError{}
	v.RequireID("client_id", n.ClientID)
	switch n.RecipientType {
	case "msc", "payer":
		if n.RecipientProviderID != nil {
			v.Add("recipient_provider_id", "not_allowed", "recipient_provider_id is only for recipient_type provider")
		}
	}
	// A consent to a payer names which one: read as any payer, a consent
	// the client signed for a commercial plan released their claims into
	// the Medicaid 837P (a Part 2 black-box pass).
	switch {
	case n.RecipientType == "payer" && n.PayerRoute == nil:
		v.Add("payer_route", "required", "payer_route is required for recipient_type payer: the payer the consent names (%s)", payerMedicaid)
	case n.RecipientType == "payer" && *n.PayerRoute != payerMedicaid:
		v.Add("payer_route", "invalid_value", "payer_route must be %s, the one payer rss sends claims to", payerMedicaid)
	case n.RecipientType != "payer" && n.PayerRoute != nil && n.RecipientType != "":
		v.Add("payer_route", "not_allowed", "payer_route is only for recipient_type payer")
	}
	switch n.RecipientType {
	case "msc", "payer":
	case "provider":
		if n.RecipientProviderID == nil {
			v.Add("recipient_provider_id", "required", "recipient_provider_id is required for recipient_type provider")
		}
	case "":
		v.Add("recipient_type", "required", "recipient_type is required")
	default:
		v.Add("recipient_type", "invalid_value", "recipient_type must be provider, msc or payer")
	}
	// The form's text is read by every reader of the client's consents: it
	// is held as the rest of the house holds free text (a black-box pass
	// stored ESC, BEL, U+202E and a name of one zero-width space).
	if rss.Blank(n.RecipientName) {
		v.Add("recipient_name", "required", "recipient_name is required")
	} else {
		checkText(v, "recipient_name", n.RecipientName, maxReasonLen)
	}
	if len(n.Purposes) == 0 {
		v.Add("purposes", "required", "at least one purpose is required")
	}
	for _, p := range n.Purposes {
		if !contains(consentPurposes, p) {
			v.Add("purposes", "invalid_value", "purpose %q must be one of %s", p, strings.Join(consentPurposes, ", "))
		}
	}
	switch {
	case n.Records == nil:
	case n.RecipientType != "provider":
		v.Add("records", "not_allowed", "records are only for recipient_type provider: they say what another agency may read")
	case len(n.Records) == 0:
		v.Add("records", "required", "records may be left out (every kind), but not empty")
	}
	for i, r := range n.Records {
		if !contains(consentRecords, r) {
			v.Add(fmt.Sprintf("records[%d]", i), "invalid_value", "a kind of record must be one of %s", strings.Join(consentRecords, ", "))
		}
	}
	if rss.Blank(n.Information) {
		v.Add("information", "required", "information (what may be disclosed) is required")
	} else {
		checkText(v, "information", n.Information, maxFreeText)
	}
	if n.ExpiryEvent != nil {
		if rss.Blank(*n.ExpiryEvent) {
			v.Add("expiry_event", "required", "expiry_event may be left out, but not empty")
		} else {
			checkText(v, "expiry_event", *n.ExpiryEvent, maxReasonLen)
		}
	}
	if n.SignedOn.IsZero() {
		v.Add("signed_on", "required", "signed_on is required")
	} else if n.SignedOn.After(today) {
		v.Add("signed_on", "in_future", "signed_on cannot be in the future: %s", rss.TodayIs(today))
	}
	if n.ExpiresOn.IsZero() && n.ExpiryEvent == nil {
		v.Add("expires_on", "required", "a consent needs an expiry date or an expiry event")
	}
	if !n.ExpiresOn.IsZero() && !n.SignedOn.IsZero() && n.ExpiresOn.Before(n.SignedOn) {
		v.Add("expires_on", "before_start", "expires_on is before signed_on")
	}
	// A year mistyped (2927 for 2027) kept a disclosure in force for
	// centuries past the day the person signed for (a clients black-box
	// pass); a consent meant to run longer is signed again.
	if last := lastConsentDay(n.SignedOn); !n.ExpiresOn.IsZero() && !n.SignedOn.IsZero() && n.ExpiresOn.After(last) {
		// The signing day named beside the latest expiry: "(2036-12-01)"
		// alone read as the signing day (a black-box pass).
		v.Add("expires_on", "out_of_range", "expires_on may be at most %d years after signed_on %s (latest %s)", maxConsentYears,
			n.SignedOn, last)
	}
	return v.Err()
}

// maxConsentYears is how long after its signing a consent may run: a
// dated one is refused past it, an event-only one lapses then (migration
// 00109's in_force_through).
const maxConsentYears = 10

// lastConsentDay is the last day a consent signed on signed may run, read
// as the database reads signed_on + 10 years: a consent signed on 29
// February may run to the 28th ten years on, not to 1 March.
func lastConsentDay(signed rss.Date) rss.Date {
	t := signed.AddDate(maxConsentYears, 0, 0)
	if t.Day() != signed.Day() {
		t = t.AddDate(0, 0, -t.Day())
	}
	return rss.NewDate(t)
}

// ConsentInForce is the SQL condition that consent k (an alias of
// consents) discloses on day: signed by then, not revoked, and not past
// its last day (in_force_through: its date, its recorded event, its ten
// years). Every read of a consent in force goes through it; an event-only
// consent stayed in force after its event where each read its date alone
// (a black-box pass).
func ConsentInForce(k, day string) string {
	return `(` + k + `.revoked_at IS NULL AND ` + k + `.signed_on <= ` + day + ` AND ` + k + `.in_force_through >= ` + day + `)`
}

const consentColumns = `id, client_id, disclosing_provider_id, recipient_type, recipient_provider_id, recipient_name, payer_route,
	purposes, information, records, expires_on, expiry_event, signed_on, revoked_at, revocation_reason, expired_on, expiry_reason,
	created_at, in_force_through`

func (c *Consent) setStatus(today rss.Date) {
	switch {
	case c.RevokedAt != nil:
		c.Status = "revoked"
	case c.InForceThrough.Before(today):
		c.Status = "expired"
	default:
		c.Status = "active"
	}
}

// CreateConsent records a consent in which the caller's agency discloses.
func (s *Service) CreateConsent(ctx context.Context, n NewConsent) (Consent, error) {
	a, err := access.Require(ctx, access.RoleProvider)
	if err != nil {
		return Consent{}, err
	}
	today := s.Today()
	if err := n.validate(today); err != nil {
		return Consent{}, err
	}
	// The form's words are kept as signed, white space around them aside
	// (a black-box pass stored "x " beside "x").
	n.Information = strings.TrimSpace(n.Information)
	if n.ExpiryEvent != nil {
		event := strings.TrimSpace(*n.ExpiryEvent)
		n.ExpiryEvent = &event
	}
	key := consentFormKey(n.RecipientType, n.RecipientName, n.Information, n.ExpiryEvent)
	// One form lists its purposes in one order (migration 00033 holds one
	// live row per form).
	purposes := slices.Compact(slices.Sorted(slices.Values(n.Purposes)))
	// A consent to another agency left silent on its records discloses
	// every kind, as one on file before records were kept does.
	var records any
	if n.RecipientType == "provider" {
		kinds := consentRecords
		if n.Records != nil {
			kinds = slices.Compact(slices.Sorted(slices.Values(n.Records)))
		}
		records = pq.Array(kinds)
	}
	var out Consent
	err = write(ctx, s, &out, func(ctx context.Context, tx *sqlx.Tx) error {
		if err := canSeeClient(ctx, tx, a, n.ClientID); err != nil {
			return rss.Invalid("client_id", "unknown_id", "no client %d", n.ClientID)
		}
		// A consent names someone else to disclose to, and was signed by a
		// person already born (a black-box pass recorded both).
		if n.RecipientProviderID != nil && *n.RecipientProviderID == a.ProviderID {
			return rss.Invalid("recipient_provider_id", "invalid_value", "the recipient is the disclosing agency itself: a consent names another")
		}
		if n.RecipientProviderID != nil {
			if err := recipientNamed(ctx, tx, *n.RecipientProviderID, n.RecipientName); err != nil {
				return err
			}
		}
		if n.RecipientType == "msc" {
			if err := mscNamed(ctx, tx, n.RecipientName); err != nil {
				return err
			}
		}
		var born rss.Date
		if err := tx.GetContext(ctx, &born, `SELECT date_of_birth FROM clients WHERE id = $1`, n.ClientID); err != nil {
			return fmt.Errorf("client's birth: %w", err)
		}
		if n.SignedOn.Before(born) {
			return rss.Invalid("signed_on", "out_of_range", "signed_on is before the client's date of birth")
		}
		// The live copy of the same form, named so the agency knows which one
		// stands (consents_one_live_copy below still decides a race). The
		// text is compared as folded (consentFormKey), rows recorded before
		// form_key was kept (migration 00109) as well.
		var alike []struct {
			ID            int64    `db:"id"`
			RecipientName string   `db:"recipient_name"`
			Information   string   `db:"information"`
			ExpiryEvent   *string  `db:"expiry_event"`
			Through       rss.Date `db:"in_force_through"`
		}
		if err := tx.SelectContext(ctx, &alike, `SELECT id, recipient_name, information, expiry_event, in_force_through FROM consents
			WHERE revoked_at IS NULL AND client_id = $1 AND disclosing_provider_id = $2 AND recipient_type = $3
			AND recipient_provider_id IS NOT DISTINCT FROM $4 AND purposes = $5 AND expires_on IS NOT DISTINCT FROM $6
			AND signed_on = $7 AND records IS NOT DISTINCT FROM $8 AND payer_route IS NOT DISTINCT FROM $9
			ORDER BY id`,
			n.ClientID, a.ProviderID, n.RecipientType, n.RecipientProviderID, pq.Array(purposes), n.ExpiresOn, n.SignedOn, records,
			n.PayerRoute); err != nil {
			return fmt.Errorf("same consent: %w", err)
		}
		for _, c := range alike {
			if consentFormKey(n.RecipientType, c.RecipientName, c.Information, c.ExpiryEvent) == key {
				// An expired copy is said to be one: "not revoked" alone
				// read as if the form were still in force (a consents
				// black-box pass of the forty-sixth stop). The same form
				// would expire as it did; the person signs a new one.
				if c.Through.Before(today) {
					return rss.OnFile("consent", c.ID, "consent_exists", "client %d's consent with these recipient, purposes, information, "+
						"records, expiry and signature date is already recorded: consent %d, expired after %s; a new consent is a form "+
						"signed anew", n.ClientID, c.ID, c.Through)
				}
				return rss.OnFile("consent", c.ID, "consent_exists", "client %d's consent with these recipient, purposes, information, "+
					"records, expiry and signature date is already recorded and not revoked: consent %d", n.ClientID, c.ID)
			}
		}
		err := tx.GetContext(ctx, &out, `INSERT INTO consents (client_id, disclosing_provider_id, recipient_type,
				recipient_provider_id, recipient_name, purposes, information, expires_on, expiry_event, signed_on, records, payer_route,
				form_key)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13) RETURNING `+consentColumns,
			n.ClientID, a.ProviderID, n.RecipientType, n.RecipientProviderID, n.RecipientName, pq.Array(purposes),
			n.Information, n.ExpiresOn, n.ExpiryEvent, n.SignedOn, records, n.PayerRoute, key)
		if pg.IsViolation(err, pg.CodeForeignKeyViolation, "consents_recipient_provider_fkey") {
			return rss.Invalid("recipient_provider_id", "unknown_id", "no provider %d", *n.RecipientProviderID)
		}
		if pg.IsViolation(err, pg.CodeUniqueViolation, "consents_one_live_copy") {
			return rss.Coded(rss.ErrConflict, "consent_exists", "client %d's consent with these recipient, purposes, information, "+
				"records, expiry and signature date is already recorded and not revoked", n.ClientID)
		}
		if err != nil {
			return fmt.Errorf("create consent: %w", err)
		}
		out.setStatus(today)
		return access.Record(ctx, tx, access.Event{Action: "create", EntityType: "consent", EntityID: access.ID(out.ID), ClientID: n.ClientID})
	})
	return out, err
}

// consentFormKey is a consent form as one signed form is told from
// another (with its client, agencies, purposes, records and dates): the
// recipient as the recipient check reads it, an agency by its id (beside
// this key) and a name as the registry reads names (AgencyNameKey), and
// the free text with white space around it trimmed, case folded and runs
// of white space read as one. The same form keyed again as "bcs",
// "Bridgeport Community Supports L.L.C." or with "x " for "x" was recorded
// as another, each copy disclosing until revoked (a black-box pass).
func consentFormKey(recipientType, recipientName, information string, event *string) string {
	recipient := ""
	if recipientType != "provider" {
		if recipient = AgencyNameKey(recipientName); recipient == "" {
			recipient = foldFormText(recipientName) // no letter or digit: its text
		}
	}
	e := ""
	if event != nil {
		e = foldFormText(*event) // never empty: a blank event is refused
	}
	// A line break never survives the folding, so the parts stay apart.
	return recipient + "\n" + foldFormText(information) + "\n" + e
}

// foldFormText reads a form's free text as the same words however typed:
// case folded, white space around trimmed and inside read as one space.
func foldFormText(s string) string {
	return strings.ToLower(strings.Join(strings.Fields(s), " "))
}

// recipientNamed refuses a consent whose form names another agency than the
// one its recipient_provider_id opens the client's records to: access
// follows the id alone, so a form naming agency X keyed in with agency Y's
// id disclosed to Y (a Part 2 black-box pass). The name matches when it
// is the agency's code or holds its name, compared by letters and digits
// alone, case folded ("Bridgeport Community Supports, Inc." names BCS).
// Agencies' names are the state's public list, not anyone's record.
func recipientNamed(ctx context.Context, tx *sqlx.Tx, providerID int64, name string) error {
	var p struct {
		Code string `db:"code"`
		Name string `db:"name"`
	}
	err := tx.GetContext(ctx, &p, `SELECT code, name FROM providers WHERE id = $1`, providerID)
	if errors.Is(err, pg.ErrNoRows) {
		return rss.Invalid("recipient_provider_id", "unknown_id", "no provider %d", providerID)
	}
	if err != nil {
		return fmt.Errorf("recipient agency: %w", err)
	}
	if NamesAgency(name, p.Code, p.Name) {
		// And no other agency: a form that reads as two agencies' (agencies
		// registered before names were held apart, an agency named as
		// another's code) opens the records to whichever id was keyed.
		var others []struct {
			ID   int64  `db:"id"`
			Code string `db:"code"`
			Name string `db:"name"`
		}
		if err := tx.SelectContext(ctx, &others, `SELECT id, code, name FROM providers WHERE id <> $1 ORDER BY id`, providerID); err != nil {
			return fmt.Errorf("agencies: %w", err)
		}
		for _, o := range others {
			if NamesAgency(name, o.Code, o.Name) {
				return rss.Invalid("recipient_name", "recipient_ambiguous",
					"recipient_name names provider %d (%s, %s) as well as provider %d: the MSC tells the two apart in the registry before the form is keyed",
					o.ID, o.Name, o.Code, providerID)
			}
		}
		return nil
	}
	return rss.Invalid("recipient_name", "recipient_mismatch",
		"recipient_name does not name provider %d (%s, %s), whom recipient_provider_id names: the form and the id must name one agency",
		providerID, p.Name, p.Code)
}

// mscNamed refuses a consent to the MSC whose form names an agency of the
// directory, as the recipient check reads names (NamesAgency): a form
// naming "Bridgeport Community Supports" was taken as the MSC's payment
// consent rule V06 requires (a black-box pass). The MSC is no agency of
// the directory, so its own names pass.
func mscNamed(ctx context.Context, tx *sqlx.Tx, name string) error {
	var agencies []struct {
		ID   int64  `db:"id"`
		Code string `db:"code"`
		Name string `db:"name"`
	}
	if err := tx.SelectContext(ctx, &agencies, `SELECT id, code, name FROM providers ORDER BY id`); err != nil {
		return fmt.Errorf("agencies: %w", err)
	}
	for _, o := range agencies {
		if NamesAgency(name, o.Code, o.Name) {
			return rss.Invalid("recipient_name", "recipient_mismatch",
				"recipient_name names provider %d (%s, %s), an agency, not the MSC: a consent to an agency is recipient_type provider "+
					"with its recipient_provider_id", o.ID, o.Name, o.Code)
		}
	}
	return nil
}

// agencyName is an agency's name as compared: its words folded (plain),
// without a leading "the" or a trailing corporate form ("Inc", "LLC").
// The whole name is compared, not found inside the text: "not Bridgeport
// Community Supports", or another agency's name beside it, passed as
// naming BCS (a re-check).
func agencyName(s string) string {
	w := strings.Fields(plain(s, true))
	if len(w) > 1 && w[0] == "the" {
		w = w[1:]
	}
	for len(w) > 1 && slices.Contains(corporateForms, w[len(w)-1]) {
		w = w[:len(w)-1]
	}
	return strings.Join(w, " ")
}

// AgencyNameKey is how the registry tells agencies' names and codes apart:
// their letters and digits, case folded, a leading "the", the word "and"
// and trailing corporate forms aside, letters written apart read as one
// word ("L.L.C.", "P W E"), so that no two agencies read alike to whoever
// keys or reads a form: "The HRA", "BCS Co", "Hartford Recovery Alliance,
// L.L.C." and "HartfordRecoveryAlliance" were taken beside HRA, BCS and
// "Hartford Recovery Alliance" (a re-check). A consent's recipient_name
// is read the same way (NamesAgency).
func AgencyNameKey(s string) string {
	var w []string
	apart := false // the last word is letters written apart
	for _, x := range strings.Fields(plain(s, true)) {
		// Single letters in a row are one word: "l l c", "n h r".
		single := utf8.RuneCountInString(x) == 1
		if single && apart {
			w[len(w)-1] += x
			continue
		}
		w, apart = append(w, x), single
	}
	if len(w) > 1 && w[0] == "the" {
		w = w[1:]
	}
	if kept := slices.DeleteFunc(slices.Clone(w), func(x string) bool { return x == "and" }); len(kept) > 0 {
		w = kept
	}
	for len(w) > 1 && slices.Contains(corporateForms, w[len(w)-1]) {
		w = w[:len(w)-1]
	}
	return compact(strings.Join(w, ""))
}

// NamesAgency reports whether text, as a signed consent form names its
// recipient, names the agency of code and name (recipientNamed's test).
// The registry holds every agency's name to it, so that a name resolves to
// one agency.
func NamesAgency(text, code, name string) bool {
	key := AgencyNameKey(text)
	if key == "" {
		return false // no letter or digit names no one
	}
	return compact(text) == compact(code) || agencyName(text) == agencyName(name) ||
		key == AgencyNameKey(name) || key == AgencyNameKey(code)
}

// CodeReadings are the keys a code may be read as on a form: its letters
// and digits, and those short of a corporate form run on ("HRAINC" is HRA
// Inc): a code registered so made every form naming "HRA Inc" read as two
// agencies (a re-check).
func CodeReadings(code string) []string {
	k := compact(code)
	out := []string{k}
	for _, f := range corporateForms {
		if len(k) > len(f)+1 && strings.HasSuffix(k, f) {
			out = append(out, strings.TrimSuffix(k, f))
		}
	}
	return out
}

var corporateForms = []string{"inc", "incorporated", "llc", "corp", "corporation", "co", "company", "ltd", "limited", "lp", "llp",
	"pc", "pllc"}

// RevokeConsent revokes a consent at once: from this moment no new
// disclosure (voucher request, claim, export) may rely on it.
func (s *Service) RevokeConsent(ctx context.Context, id int64, reason string) (Consent, error) {
	a, err := access.Require(ctx, access.RoleProvider, access.RoleAdmin)
	if err != nil {
		return Consent{}, err
	}
	v := &rss.ValidationError{}
	requireReason(v, reason, "reason is required")
	if err := v.Err(); err != nil {
		return Consent{}, err
	}
	var out Consent
	err = write(ctx, s, &out, func(ctx context.Context, tx *sqlx.Tx) error {
		if err := lockConsent(ctx, tx, a, id, &out); err != nil {
			return err
		}
		if out.RevokedAt != nil {
			return rss.Coded(rss.ErrConflict, "already_revoked", "consent %d was revoked at %s", id, out.RevokedAt.Format(time.RFC3339))
		}
		if err := s.endingConsent(ctx, tx, a, &out, reason); err != nil {
			return err
		}
		if err := tx.GetContext(ctx, &out, `UPDATE consents SET revoked_at = $2, revocation_reason = $3 WHERE id = $1
			RETURNING `+consentColumns, id, s.now(), reason); err != nil {
			return err
		}
		out.setStatus(s.Today())
		return access.Record(ctx, tx, access.Event{Action: "revoke", EntityType: "consent", EntityID: access.ID(id), ClientID: out.ClientID})
	})
	return out, err
}

// lockConsent reads consent id into c, held for update, as actor a may
// reach it: another agency's is not found, as one that does not exist.
func lockConsent(ctx context.Context, tx *sqlx.Tx, a access.Actor, id int64, c *Consent) error {
	err := tx.GetContext(ctx, c, `SELECT `+consentColumns+` FROM consents WHERE id = $1 FOR UPDATE`, id)
	if errors.Is(err, pg.ErrNoRows) || (err == nil && !a.SeesProvider(c.DisclosingProviderID)) {
		return fmt.Errorf("%w: consent %d", rss.ErrNotFound, id)
	}
	return err
}

// endingConsent checks and orders what ends consent c (a revocation, an
// expiry event recorded) before it is written. The agency reads an MSC
// role's reason word for word among its consents (an admin's named
// another agency, its code and authorization number, with no consent
// naming the reader: a Part 2 black-box pass); the agency's own words are
// its own. A consent to a payer waits for a batch of that payer's route
// being closed, which judged the consent when it picked its claims and
// sends them whatever happens meanwhile; a close waits for this end and
// then reads it, so the end's time follows every batch the consent let
// out.
func (s *Service) endingConsent(ctx context.Context, tx *sqlx.Tx, a access.Actor, c *Consent, reason string) error {
	if !a.IsProvider() {
		if err := s.CheckMSCText(ctx, tx, c.ClientID, c.DisclosingProviderID, "reason", reason); err != nil {
			return err
		}
	}
	if c.RecipientType == "payer" && c.PayerRoute != nil {
		if _, err := tx.ExecContext(ctx, `SELECT pg_advisory_xact_lock_shared(`+pg.BatchLockKey+`)`, *c.PayerRoute); err != nil {
			return err
		}
	}
	return nil
}

// ConsentExpiry records that the event a consent ends on happened.
type ConsentExpiry struct {
	ExpiredOn rss.Date `json:"expired_on"`
	Reason    string   `json:"reason"`
}

// ExpireConsent records that the event a consent names as its expiry
// (expiry_event) happened on e.ExpiredOn: from that day the consent is
// expired and discloses nothing, as one past its date. rss does not read
// the event, so a consent given only an event stayed in force after it and
// the only way to end it was a revocation the client never made (a
// black-box pass). The disclosing agency records it, and the MSC's roles,
// who learn of a discharge or the end of treatment as often as the agency.
func (s *Service) ExpireConsent(ctx context.Context, id int64, e ConsentExpiry) (Consent, error) {
	a, err := access.Require(ctx, access.RoleProvider, access.RoleReviewer, access.RoleFinance, access.RoleAdmin)
	if err != nil {
		return Consent{}, err
	}
	today := s.Today()
	v := &rss.ValidationError{}
	if e.ExpiredOn.IsZero() {
		v.Add("expired_on", "required", "expired_on (the day the expiry event happened) is required")
	} else if e.ExpiredOn.After(today) {
		v.Add("expired_on", "in_future", "expired_on cannot be in the future: an event is recorded once it has happened (%s)", rss.TodayIs(today))
	}
	requireReason(v, e.Reason, "reason is required: what happened")
	if err := v.Err(); err != nil {
		return Consent{}, err
	}
	var out Consent
	err = write(ctx, s, &out, func(ctx context.Context, tx *sqlx.Tx) error {
		if err := lockConsent(ctx, tx, a, id, &out); err != nil {
			return err
		}
		out.setStatus(today)
		switch {
		case out.RevokedAt != nil:
			return rss.Coded(rss.ErrConflict, "already_revoked", "consent %d was revoked at %s", id, out.RevokedAt.Format(time.RFC3339))
		case !out.ExpiredOn.IsZero():
			return rss.Coded(rss.ErrConflict, "already_expired", "consent %d's expiry event was recorded as of %s", id, out.ExpiredOn)
		case out.Status == "expired":
			return rss.Coded(rss.ErrConflict, "already_expired", "consent %d expired after %s", id, out.InForceThrough)
		case out.ExpiryEvent == nil:
			return rss.Coded(rss.ErrConflict, "no_expiry_event",
				"consent %d names no expiry event: it ends on its expires_on %s, or is revoked (POST /v1/consents/%d/revoke)", id, out.ExpiresOn, id)
		}
		if e.ExpiredOn.Before(out.SignedOn) {
			return rss.Invalid("expired_on", "before_start", "expired_on is before the consent's signed_on %s", out.SignedOn)
		}
		if err := s.endingConsent(ctx, tx, a, &out, e.Reason); err != nil {
			return err
		}
		if err := tx.GetContext(ctx, &out, `UPDATE consents SET expired_on = $2, expiry_reason = $3 WHERE id = $1
			RETURNING `+consentColumns, id, e.ExpiredOn, e.Reason); err != nil {
			return err
		}
		out.setStatus(today)
		return access.Record(ctx, tx, access.Event{Action: "expire", EntityType: "consent", EntityID: access.ID(id), ClientID: out.ClientID})
	})
	return out, err
}

// ClientConsents lists the consents of the client's person the actor may
// see: a provider sees its own agency's and those of an agency whose
// current consent names it, and nothing of another agency's once that
// consent is revoked or has expired: a consent naming the provider that is
// no longer in force would still say the agency serves the person, its
// record's id and why the client revoked it.
func (s *Service) ClientConsents(ctx context.Context, clientID int64) ([]Consent, error) {
	out, err := clientRecords(ctx, s, clientID, recordsConsents, `SELECT `+consentColumns+` FROM consents
		WHERE client_id IN (SELECT id FROM clients WHERE person_id = $1)
		  AND ($2::bigint[] IS NULL OR disclosing_provider_id = ANY($2)) ORDER BY id`,
		func(c *Consent) (int64, int64) { return c.ClientID, c.DisclosingProviderID },
		// Another agency's revocation reason is read as the MSC texts on
		// its records are: one naming an agency the reader may not learn
		// of is withheld (an admin's reason on HRA's consent, checked for
		// HRA, named ECRA to BCS reading HRA's consents under HRA's
		// consent: a review). The reader's own consents' reasons stay as
		// written: the consent keeps no note of who revoked it, and read
		// so, the agency's own words were withheld from it and a
		// disclosure to it recorded of its own recipient (a review); an
		// admin's was checked for it when written.
		func(ctx context.Context, ext pg.Ext, a access.Actor, c *Consent, today rss.Date) ([]access.Event, error) {
			if a.IsProvider() && c.DisclosingProviderID == a.ProviderID {
				return nil, nil
			}
			return showTexts(ctx, ext, a, c.ClientID, today, recordsConsents, access.ID(c.ID), c.RevocationReason, c.ExpiryReason)
		})
	today := s.Today()
	for i := range out {
		out[i].setStatus(today)
	}
	return out, err
}
