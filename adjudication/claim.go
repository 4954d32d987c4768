package adjudication

import (
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/shopspring/decimal"
)

// ClaimRuleSetVersion is stored with every adjudicated claim line.
const ClaimRuleSetVersion = "claim-2026.12.14"

// Claim line reason codes, each tied to its CARC (and RARC where the
// remark is required).
const (
	CodeClaimInvalidUnits       = "CLAIM_INVALID_UNITS"
	CodeClaimServiceNotCovered  = "CLAIM_SERVICE_NOT_COVERED"
	CodeClaimInfoMissing        = "CLAIM_INFORMATION_MISSING"
	CodeClaimFilingLimit        = "CLAIM_FILING_LIMIT_EXPIRED"
	CodeClaimBeforeCoverage     = "CLAIM_BEFORE_COVERAGE"
	CodeClaimAfterCoverage      = "CLAIM_AFTER_COVERAGE"
	CodeClaimNoMedicaidID       = "CLAIM_NO_MEDICAID_ID"
	CodeClaimBeforeEligibility  = "CLAIM_BEFORE_MEDICAID_ELIGIBILITY"
	CodeClaimAfterEligibility   = "CLAIM_AFTER_MEDICAID_ELIGIBILITY"
	CodeClaimMedicaidIDChanged  = "CLAIM_MEDICAID_ID_CHANGED"
	CodeClaimProviderIneligible = "CLAIM_PROVIDER_NOT_ELIGIBLE"
	CodeClaimStaffNotQualified  = "CLAIM_STAFF_NOT_QUALIFIED"
	CodeClaimDuplicate          = "CLAIM_DUPLICATE"
	CodeClaimNoAuthorization    = "CLAIM_NO_AUTHORIZATION"
	CodeClaimAuthMismatch       = "CLAIM_AUTHORIZATION_MISMATCH"
	CodeClaimUnitsExceeded      = "CLAIM_UNITS_EXCEED_AUTHORIZATION"
	CodeClaimCapReached         = "CLAIM_CAP_REACHED"
	CodeClaimChargeOverFee      = "CLAIM_CHARGE_OVER_FEE_SCHEDULE"
	CodeClaimClientAddress      = "CLAIM_CLIENT_ADDRESS_MISSING"
	CodeClaimBillingAddress     = "CLAIM_BILLING_PROVIDER_ADDRESS_INVALID"
)

var claimReasons = []Reason{
	{Code: CodeClaimInvalidUnits, Action: ActionDeny, CARC: "16", RARC: "M53",
		Text: "The line's units of service are missing or invalid: none, or more than its one date of service holds, alone or with the client's lines of the service already billed for that date, " +
			"or, for a service counted by the hour or quarter hour, more than the 24 hours the client's day holds with the lines of every such service already billed for that date.",
		NextStep: "Bill each date of service on a line of its own, in whole units greater than zero and no more than the day holds for the service's unit (1 a day, 24 hours, 96 quarter hours), " +
			"and no more hours of services counted by time for one client on one date than 24 together; void or replace a line billed in error to give its hours back."},
	{Code: CodeClaimServiceNotCovered, Action: ActionDeny, CARC: "96", RARC: "N130",
		Text:     "Non-covered charge: the service is not covered by the program (not in its catalog, or retired from it on or before the date of service).",
		NextStep: "Bill only services in the program's catalog on the date of service."},
	{Code: CodeClaimInfoMissing, Action: ActionDeny, CARC: "16", RARC: "M76",
		Text:     "The claim lacks information needed to pay it: a diagnosis is required for this program.",
		NextStep: "Resubmit the claim (frequency 7) with at least one ICD-10-CM diagnosis."},
	{Code: CodeClaimClientAddress, Action: ActionDeny, CARC: "16", RARC: "MA37",
		Text:     "The claim is billed to Medicaid, whose claim file must carry the client's address (street, city, state, ZIP), and the client's address on file is missing or incomplete.",
		NextStep: "Record the client's full address, then resubmit the claim (frequency 7)."},
	{Code: CodeClaimBillingAddress, Action: ActionDeny, CARC: "16", RARC: "N258",
		Text:     "The claim is billed to Medicaid, whose claim file must carry the billing provider's street address with a nine-digit ZIP, and the agency's address on file is not one.",
		NextStep: "Ask the MSC to record the agency's street address (not a post office box) with its ZIP+4, then resubmit (frequency 7)."},
	{Code: CodeClaimFilingLimit, Action: ActionDeny, CARC: "29",
		Text:     "The time limit for filing has expired.",
		NextStep: "Claims must be received within the program's filing limit after the date of service."},
	{Code: CodeClaimBeforeCoverage, Action: ActionDeny, CARC: "26",
		Text:     "Expenses incurred before the client's enrollment in the program began, or with no enrollment in it.",
		NextStep: "Check the date of service against the enrollment start date; a client never enrolled in the program is enrolled first."},
	{Code: CodeClaimAfterCoverage, Action: ActionDeny, CARC: "27",
		Text:     "Expenses incurred after the client's enrollment ended.",
		NextStep: "Check the date of service against the discharge date."},
	{Code: CodeClaimNoMedicaidID, Action: ActionDeny, CARC: "26", RARC: "N382",
		Text:     "The client had no Medicaid ID on file, so Medicaid coverage cannot be shown for the date of service.",
		NextStep: "Record the client's Medicaid ID, then resubmit (frequency 7)."},
	{Code: CodeClaimBeforeEligibility, Action: ActionDeny, CARC: "26", RARC: "N30",
		Text:     "Expenses incurred before the client's Medicaid eligibility began: no eligibility span covers the date of service.",
		NextStep: "Check the date of service against the client's eligibility (GET /v1/clients/{id}/eligibility); record the span if coverage existed, then resubmit (frequency 7)."},
	{Code: CodeClaimAfterEligibility, Action: ActionDeny, CARC: "27", RARC: "N30",
		Text:     "Expenses incurred after the client's Medicaid eligibility ended: no eligibility span covers the date of service.",
		NextStep: "Check the date of service against the client's eligibility; record renewed eligibility if it was renewed, then resubmit (frequency 7)."},
	{Code: CodeClaimMedicaidIDChanged, Action: ActionDeny, CARC: "16", RARC: "N382",
		Text:     "The client's Medicaid ID on the date of service differs from the one the claim bills (in force on its first date of service); a claim bills one Medicaid ID.",
		NextStep: "Bill the lines dated under the other Medicaid ID on a claim of their own."},
	{Code: CodeClaimProviderIneligible, Action: ActionDeny, CARC: "B7",
		Text:     "The provider was out of service, or not under agreement or enrolled for this service, on the date of service.",
		NextStep: "Contact MSC provider relations about the agreement or service enrollment."},
	{Code: CodeClaimStaffNotQualified, Action: ActionDeny, CARC: "185",
		Text:     "The rendering staff member was not eligible to deliver the service on the date of service (qualification or, for a minor, background check).",
		NextStep: "Update the staff credentials on file if they were valid, or bill only services delivered by qualified staff."},
	{Code: CodeClaimDuplicate, Action: ActionDeny, CARC: "18",
		Text:     "Exact duplicate: the same client, service, date, provider and units were already paid.",
		NextStep: "Do not rebill paid services; use a replacement (frequency 7) to correct a paid claim."},
	{Code: CodeClaimNoAuthorization, Action: ActionDeny, CARC: "197",
		Text:     "No active authorization covers this client, provider, service and date (none was granted, or it was voided, ended at a discharge, is held for review or is inactive).",
		NextStep: "Request a voucher for the service before delivering it; a reviewer may reactivate an inactive authorization, and gives back or ends one held for review (pending_review)."},
	{Code: CodeClaimAuthMismatch, Action: ActionDeny, CARC: "197", RARC: "N54",
		Text:     "The authorization named on the line does not match the client, provider, service or date.",
		NextStep: "Correct the authorization number, or leave it out and the system will find the authorization."},
	{Code: CodeClaimUnitsExceeded, Action: ActionDeny, CARC: "198",
		Text:     "Units beyond what remains on the authorization were denied; what remained was paid.",
		NextStep: "Request a new voucher for further units."},
	{Code: CodeClaimCapReached, Action: ActionDeny, CARC: "119",
		Text:     "The client's benefit maximum for the episode has been reached.",
		NextStep: "A reviewer may consider an exception; further services are not payable in this episode."},
	{Code: CodeClaimChargeOverFee, Action: ActionAdjust, CARC: "45",
		Text:     "The charge exceeds the fee schedule; the allowed amount is the rate times the units.",
		NextStep: "No action; bill at the published rate to avoid the adjustment."},
}

// ClaimLine is one line as billed.
type ClaimLine struct {
	ServiceCode         string          `json:"service_code"`
	DateOfService       time.Time       `json:"date_of_service"`
	Units               int             `json:"units"`
	Charge              decimal.Decimal `json:"charge"`
	AuthorizationNumber string          `json:"authorization_number,omitempty"`
}

// LineFacts is everything DecideLine may look at. The caller holds the
// authorization and episode rows locked while it decides, so Authorization
// and EpisodeDollarsPaid include every earlier line of the same transaction.
type LineFacts struct {
	ReceivedOn  time.Time    `json:"received_on"`
	ProviderID  int64        `json:"provider_id"`
	Line        ClaimLine    `json:"line"`
	Program     Program      `json:"program"`
	Service     Service      `json:"service"`
	Provider    Provider     `json:"provider"`
	Client      Client       `json:"client"`
	Enrollments []Enrollment `json:"enrollments"`
	Staff       *Staff       `json:"staff,omitempty"`
	Diagnoses   int          `json:"diagnoses"`
	// ClaimMedicaidID is the Medicaid id the claim bills (ClaimMedicaidID
	// of its dates), for programs billed to Medicaid.
	ClaimMedicaidID string `json:"-"`
	// Authorization is the one named on the line (when it matched) or found
	// by PickAuthorization; AuthorizationMismatch is set when a number was
	// named but matched nothing usable.
	Authorization         *Authorization `json:"authorization,omitempty"`
	AuthorizationMismatch bool           `json:"authorization_mismatch"`
	// NotLive is the void or inactive authorization the line would have
	// drawn on, when no live one covers it: the denial names it.
	NotLive   *Authorization `json:"not_live,omitempty"`
	Duplicate bool           `json:"duplicate"`
	// DayUnitsCounted is what the client's counted lines of the service
	// on the line's date hold already, the submission's earlier lines
	// included: a day holds its units once, however they are split.
	DayUnitsCounted int `json:"day_units_counted"`
	// DayMinutesCounted is what the client's counted lines of every
	// service counted by time (Service.MinutesPerUnit) hold of the line's
	// date, in minutes, the submission's earlier lines included: 24 hours
	// of case management, 12 of life skills and 24 of child care for one
	// client on one date were each within their own service's day and
	// all paid (a claims black-box pass).
	DayMinutesCounted  int             `json:"day_minutes_counted"`
	EpisodeDollarsPaid decimal.Decimal `json:"episode_dollars_paid"`
	// EpisodeDollarsHeld, for a line on an authorization that no longer
	// holds its unused units, is what the episode's authorizations hold
	// of its dollar cap (Authorization.HoldsDollars, every agency's), the
	// earlier lines of the submission and the authorization's own paid
	// dollars included: such a line is paid only within what the cap
	// leaves besides the others' reservations (C10), as its units are
	// within the maximum's (C10U). Nil otherwise.
	EpisodeDollarsHeld *decimal.Decimal `json:"episode_dollars_held,omitempty"`
	// EpisodeUnitsHeld is what the episode's authorizations of the service
	// hold (Authorization.Holds, every agency's) besides this one's unused
	// units, its used ones included; set when the service has an episode
	// maximum. EpisodeUnitMax is that maximum when a reviewer's exception
	// raised it past the service's (zero otherwise). A line is paid only
	// within what the maximum leaves: the units of an authorization that
	// lapsed may have been granted to others since, and it may be billed,
	// or revived by late lines for its live days, all the same.
	EpisodeUnitsHeld *int     `json:"episode_units_held,omitempty"`
	EpisodeUnitMax   int      `json:"episode_unit_max,omitempty"`
	Settings         Settings `json:"settings"`
	// PayerFile is set when the program is billed through a claim file
	// (the 837P to Medicaid): what the file must carry about the parties.
	PayerFile *PayerFile `json:"payer_file,omitempty"`
}

// PayerFile is what an 837P (005010X222A1) needs about the parties beyond
// the claim itself and the checks made elsewhere (Medicaid ID, diagnosis):
// the subscriber's address, required when the subscriber is the patient
// (always, for these programs), and the billing provider's, a street
// address with a ZIP+4. The provider's NPI and tax id are required and
// checked by the schema, and a rendering provider without an NPI is left
// out of the file (the billing provider renders), so neither is here.
type PayerFile struct {
	SubscriberAddress      PostalAddress `json:"subscriber_address"`
	BillingProviderAddress PostalAddress `json:"billing_provider_address"`
}

// PostalAddress is a US postal address as the file carries it (N3/N4).
type PostalAddress struct {
	Line1 string `json:"line1"`
	Line2 string `json:"line2,omitempty"`
	City  string `json:"city"`
	State string `json:"state"`
	Zip   string `json:"zip"`
}

var (
	stateRe = regexp.MustCompile(`^[A-Z]{2}$`)
	zip5Re  = regexp.MustCompile(`^[0-9]{5}([0-9]{4})?$`)
	zip9Re  = regexp.MustCompile(`^[0-9]{9}$`)
	// A billing provider address must be where the agency is, not where
	// its mail goes (the guide sends those in the pay-to loop): a box, or
	// General Delivery (mail held at a post office for pickup).
	mailboxRe = regexp.MustCompile(`(?i)\b(p\.?\s*o\.?\s*b(ox)?\.?|p\.?\s*o\.?\s*drawer|post(al)?\s+(office\s+)?box|lock\s*box|p\.?\s*m\.?\s*b\.?|private\s+mail\s*box|general\s+delivery)(\b|\s|$)|\b(box|drawer)\s*#?\s*\d`)
)

// BillingAddressProblem says why a is no billing provider address an
// 837P may carry (C13: a street address, not a mailbox, with a ZIP+4), or
// "" when it is one: the registry refuses such an address for an agency
// billed to Medicaid, whose every claim C13 would deny.
func BillingAddressProblem(a PostalAddress) string {
	if why := a.missing(zip9Re); why != "" {
		return why
	}
	if why := BillingZIPProblem(a.Zip); why != "" {
		return why
	}
	return a.mailbox()
}

// BillingStreetProblem says why a, its ZIP aside (BillingZIPProblem), is
// no billing provider address an 837P may carry, or "" when it is one: the
// registry names each field at fault at once (a re-check met the ZIP's
// problem first and the street's only after mending it).
func BillingStreetProblem(a PostalAddress) string {
	if why := a.missing(nil); why != "" {
		return why
	}
	return a.mailbox()
}

func (a PostalAddress) mailbox() string {
	if mailboxRe.MatchString(a.Line1) || mailboxRe.MatchString(a.Line2) {
		return "a post office box, lock box, private mailbox or General Delivery, not a street address"
	}
	return ""
}

// BillingZIPProblem says why zip is no ZIP+4 a billing provider address
// may carry, or "" when it is one: nine digits, the five of a ZIP code
// (00000 is none) and an add-on other than 0000, which USPS assigns to no
// delivery point.
func BillingZIPProblem(zip string) string {
	switch {
	case !zip9Re.MatchString(zip):
		return "ZIP code not the nine digits of a ZIP+4"
	case zip[:5] == "00000":
		return "ZIP code 00000, which no post office has"
	case zip[5:] == "0000":
		return "ZIP+4 ending 0000, which names no delivery point"
	}
	return ""
}

// missing names what the file could not carry of a (the N3/N4 element
// limits: street 1-55 characters, city 2-30), or "" when it is complete;
// zip nil leaves the ZIP out.
// It never repeats the address itself, which is PHI for a client.
func (a PostalAddress) missing(zip *regexp.Regexp) string {
	line1, city := strings.TrimSpace(a.Line1), strings.TrimSpace(a.City)
	switch {
	case line1 == "":
		return "no street address"
	case len(line1) > 55:
		return "street address longer than 55 characters"
	case city == "":
		return "no city"
	case len(city) < 2 || len(city) > 30:
		return "city not 2-30 characters"
	case a.State == "":
		return "no state"
	case !stateRe.MatchString(a.State):
		return "state not a two-letter code"
	case zip == nil: // the ZIP judged apart
	case a.Zip == "":
		return "no ZIP code"
	case !zip.MatchString(a.Zip):
		if zip == zip9Re {
			return "ZIP code not the nine digits of a ZIP+4"
		}
		return "ZIP code not 5 or 9 digits"
	}
	return ""
}

// Adjustment is one CAS entry: why part or all of the charge was not paid.
type Adjustment struct {
	Group  string          `json:"group"`
	Code   string          `json:"code"`
	CARC   string          `json:"carc"`
	RARC   string          `json:"rarc,omitempty"`
	Amount decimal.Decimal `json:"amount"`
	Units  int             `json:"units,omitempty"`
}

// Line statuses.
const (
	LinePaid    = "paid"
	LinePartial = "partial"
	LineDenied  = "denied"
)

// LineDecision is what DecideLine returns.
type LineDecision struct {
	Status          string          `json:"status"`
	UnitsAllowed    int             `json:"units_allowed"`
	Allowed         decimal.Decimal `json:"allowed"`
	Paid            decimal.Decimal `json:"paid"`
	AuthorizationID int64           `json:"authorization_id,omitempty"`
	Adjustments     []Adjustment    `json:"adjustments"`
	Hits            []Hit           `json:"hits"`
	Trace           []TraceEntry    `json:"trace"`
	RuleSetVersion  string          `json:"rule_set_version"`
}

type lineRule struct {
	id    string
	code  string
	facts []string
	names FactNames
	// eval returns the reason code that fires ("" for none); a rule may
	// choose between related codes (26 or 27).
	eval func(f *LineFacts) (code, detail string)
}

// lineDenials run in order; the first that fires sets the line's CARC,
// every one is traced.
var lineDenials = []lineRule{
	{id: "C00", code: CodeClaimInvalidUnits, facts: []string{"line.units", "service.unit", "day_units_counted", "day_minutes_counted", "duplicate"},
		eval: func(f *LineFacts) (string, string) {
			if f.Line.Units <= 0 {
				return CodeClaimInvalidUnits, count(f.Line.Units, "unit")
			}
			// A line is one date of service: 30 units of a service counted
			// by the day on one date were paid (a black-box pass).
			most := f.Service.UnitsPerDay()
			if most > 0 && f.Line.Units > most {
				return CodeClaimInvalidUnits, count(f.Line.Units, "unit") + " of " + f.Service.Unit + " on one date; a day holds " + strconv.Itoa(most)
			}
			// And so are the client's lines of the service on that date
			// together: split over lines and claims, 375 quarter hours of
			// one date were paid (a claims black-box pass). A line
			// repeating a counted one is a duplicate (C07).
			if most > 0 && !f.Duplicate && f.Line.Units+f.DayUnitsCounted > most {
				return CodeClaimInvalidUnits, count(f.Line.Units, "unit") + " of " + f.Service.Unit + " on a date already billed " +
					strconv.Itoa(f.DayUnitsCounted) + "; a day holds " + strconv.Itoa(most)
			}
			// And the client's day across the services counted by time:
			// one person is given no more than 24 hours of services on a
			// date, whichever services they are.
			if m := f.Service.MinutesPerUnit(); m > 0 && !f.Duplicate && f.Line.Units*m+f.DayMinutesCounted > DayMinutes {
				return CodeClaimInvalidUnits, count(f.Line.Units, "unit") + " of " + f.Service.Unit + " on a date the client's services counted by time already hold " +
					hoursOf(f.DayMinutesCounted) + "; a day holds 24 hours"
			}
			return "", ""
		}},
	{id: "C01", code: CodeClaimServiceNotCovered, facts: []string{"service.program_code", "service.active", "service.retired_on",
		"program.code", "line.date_of_service"},
		eval: func(f *LineFacts) (string, string) {
			if f.Service.ProgramCode != f.Program.Code {
				return CodeClaimServiceNotCovered, f.Line.ServiceCode + " not covered by " + f.Program.Code
			}
			if !f.Service.OfferedOn(f.Line.DateOfService) {
				if f.Service.RetiredOn.IsZero() {
					return CodeClaimServiceNotCovered, f.Line.ServiceCode + " no longer offered by " + f.Program.Code
				}
				return CodeClaimServiceNotCovered, f.Line.ServiceCode + " retired from " + f.Program.Code + "'s catalog on " + formatDate(f.Service.RetiredOn)
			}
			return "", ""
		}},
	{id: "C05", code: CodeClaimProviderIneligible, facts: []string{"provider.agreement_start", "provider.agreement_end",
		"provider.agreements", "provider.deactivated_on", "provider.suspensions", "provider.services", "provider.service_periods"},
		eval: func(f *LineFacts) (string, string) {
			p := &f.Provider
			if !p.DeactivatedOn.IsZero() && !f.Line.DateOfService.Before(p.DeactivatedOn) {
				return CodeClaimProviderIneligible, "provider deactivated on " + formatDate(p.DeactivatedOn)
			}
			if x, ok := p.Suspended(f.Line.DateOfService, f.Line.DateOfService); ok {
				return CodeClaimProviderIneligible, "provider deactivated from " + formatDate(x.Start) + " to " + formatDate(x.End)
			}
			if !p.AgreementCovers(f.Line.DateOfService, f.Line.DateOfService) {
				return CodeClaimProviderIneligible, "no agreement in force on " + formatDate(f.Line.DateOfService)
			}
			if !p.OffersService(f.Program.Code, f.Service.Code, f.Line.DateOfService, f.Line.DateOfService) {
				return CodeClaimProviderIneligible, "provider not enrolled for " + f.Service.Code + " on " + formatDate(f.Line.DateOfService)
			}
			return "", ""
		}},
	{id: "C02", code: CodeClaimInfoMissing, facts: []string{"program.diagnosis_required", "diagnoses"},
		eval: func(f *LineFacts) (string, string) {
			if f.Program.DiagnosisRequired && f.Diagnoses == 0 {
				return CodeClaimInfoMissing, "no diagnosis on the claim"
			}
			return "", ""
		}},
	{id: "C12", code: CodeClaimClientAddress, facts: []string{"payer_file.subscriber_address"},
		eval: func(f *LineFacts) (string, string) {
			if f.PayerFile == nil {
				return "", ""
			}
			if why := f.PayerFile.SubscriberAddress.missing(zip5Re); why != "" {
				return CodeClaimClientAddress, "client address: " + why
			}
			return "", ""
		}},
	{id: "C13", code: CodeClaimBillingAddress, facts: []string{"payer_file.billing_provider_address"},
		eval: func(f *LineFacts) (string, string) {
			if f.PayerFile == nil {
				return "", ""
			}
			if why := BillingAddressProblem(f.PayerFile.BillingProviderAddress); why != "" {
				return CodeClaimBillingAddress, "billing provider address: " + why
			}
			return "", ""
		}},
	{id: "C03", code: CodeClaimFilingLimit, facts: []string{"received_on", "line.date_of_service", "program.filing_limit_days"},
		eval: func(f *LineFacts) (string, string) {
			if age := daysInclusive(f.Line.DateOfService, f.ReceivedOn) - 1; age > f.Program.FilingLimitDays {
				return CodeClaimFilingLimit, "received " + count(age, "day") + " after service; limit " + strconv.Itoa(f.Program.FilingLimitDays)
			}
			return "", ""
		}},
	{id: "C04", code: CodeClaimBeforeCoverage, facts: []string{"enrollments", "client.has_medicaid_id", "client.medicaid_eligibility",
		"claim_medicaid_id", "client.date_of_birth", "line.date_of_service"},
		eval: func(f *LineFacts) (string, string) {
			dos := f.Line.DateOfService
			if spans := f.Client.Eligibility; f.Program.RequiresMedicaidID {
				if !f.Client.HasMedicaidID && len(spans) == 0 {
					return CodeClaimNoMedicaidID, "no Medicaid ID"
				}
				if spans != nil {
					s := EligibilityOn(spans, dos)
					switch {
					case s == nil && eligibilityEndedBefore(spans, dos):
						return CodeClaimAfterEligibility, "Medicaid eligibility ended before " + formatDate(dos)
					case s == nil:
						return CodeClaimBeforeEligibility, "no Medicaid eligibility on " + formatDate(dos)
					case f.ClaimMedicaidID != "" && s.MedicaidID != f.ClaimMedicaidID:
						return CodeClaimMedicaidIDChanged, "another Medicaid ID was in force on " + formatDate(dos) + " than on the claim's first date of service"
					}
				}
			}
			if dos.Before(f.Client.DateOfBirth) {
				// Nothing covers a service before birth (an enrollment
				// dated earlier is a mistake), and no 837P can carry one.
				return CodeClaimBeforeCoverage, "service dated before the client's date of birth"
			}
			ended := false
			for i := range f.Enrollments {
				e := &f.Enrollments[i]
				if e.Covers(dos, dos) {
					return "", ""
				}
				if !e.Discharge.IsZero() && dos.After(e.Discharge) {
					ended = true
				}
			}
			if ended {
				return CodeClaimAfterCoverage, "enrollment ended before " + formatDate(dos)
			}
			return CodeClaimBeforeCoverage, "no enrollment in force on " + formatDate(dos)
		}},
	{id: "C06", code: CodeClaimStaffNotQualified, facts: []string{"staff", "service.qualification", "client.date_of_birth", "line.date_of_service"},
		eval: func(f *LineFacts) (string, string) {
			if ok, why := MayRender(f.Staff, f.ProviderID, &f.Service, &f.Client, f.Line.DateOfService, &f.Settings); !ok {
				return CodeClaimStaffNotQualified, QualificationText(why)
			}
			return "", ""
		}},
	{id: "C07", code: CodeClaimDuplicate, facts: []string{"duplicate"},
		eval: func(f *LineFacts) (string, string) {
			if f.Duplicate {
				return CodeClaimDuplicate, "an identical line was already paid"
			}
			return "", ""
		}},
	{id: "C08", code: CodeClaimNoAuthorization, facts: []string{"authorization", "line.authorization_number", "not_live"},
		eval: func(f *LineFacts) (string, string) {
			if f.AuthorizationMismatch {
				return CodeClaimAuthMismatch, "authorization " + f.Line.AuthorizationNumber + " does not cover this line"
			}
			if f.Authorization == nil && f.NotLive != nil {
				state := "inactive"
				if f.NotLive.Void {
					state = "void"
				}
				return CodeClaimNoAuthorization, "authorization " + f.NotLive.Number + " is " + state
			}
			if f.Authorization == nil {
				return CodeClaimNoAuthorization, "no authorization covers " + f.Line.ServiceCode + " on " + formatDate(f.Line.DateOfService)
			}
			return "", ""
		}},
}

// PickAuthorization finds the authorization a line of units draws on: the
// one named, when it is the provider's, for the service, covers the date
// and was live on it (LiveOn); otherwise the earliest-ending live one with
// units enough for the whole line, else the earliest-ending with some units
// left (the line is paid in part), else, when an inactive one covering the
// date still has units, none (the line is denied 197 naming it, NotLive:
// reactivating it is the way on), else the earliest-ending exhausted one
// (the line is denied for units rather than for having none). A black-box
// pass found a 10-unit line paid 3 on an authorization ending first while
// another covering the date had 20 left, and an exhausted one answering
// 198 where an inactive one with units was the one to reactivate.
// mismatch is true when a number was named and did not fit; a named one
// that fits but is void or inactive is no authorization (NotLive names
// it), not a mismatch.
func PickAuthorization(auths []Authorization, providerID int64, service string, dos time.Time, named string, units int) (a *Authorization, mismatch bool) {
	var whole, some, empty *Authorization
	idle := false
	earlier := func(c, than *Authorization) bool {
		return than == nil || c.End.Before(than.End) || (c.End.Equal(than.End) && c.ID < than.ID)
	}
	for i := range auths {
		c := &auths[i]
		covers := c.ProviderID == providerID && c.ServiceCode == service && within(dos, c.Start, c.End)
		fits := covers && c.LiveOn(dos)
		if named != "" {
			if c.Number == named {
				switch {
				case fits:
					return c, false
				case covers:
					return nil, false
				}
				return nil, true
			}
			continue
		}
		if !fits {
			idle = idle || (covers && !c.Void && c.UnitsUsed < c.UnitsAuthorized)
			continue
		}
		switch left := c.UnitsAuthorized - c.UnitsUsed; {
		case left >= units:
			if earlier(c, whole) {
				whole = c
			}
		case left > 0:
			if earlier(c, some) {
				some = c
			}
		default:
			if earlier(c, empty) {
				empty = c
			}
		}
	}
	switch {
	case named != "":
		return nil, true
	case whole != nil:
		return whole, false
	case some != nil:
		return some, false
	case idle:
		return nil, false
	}
	return empty, false
}

// NotLive finds the void or inactive authorization a line would have drawn
// on (the one named, or the earliest-ending that covers it), for a line
// PickAuthorization found none for; nil when there is none.
func NotLive(auths []Authorization, providerID int64, service string, dos time.Time, named string) *Authorization {
	var best *Authorization
	for i := range auths {
		c := &auths[i]
		if c.LiveOn(dos) || c.ProviderID != providerID || c.ServiceCode != service || !within(dos, c.Start, c.End) ||
			(named != "" && c.Number != named) {
			continue
		}
		if best == nil || c.End.Before(best.End) || (c.End.Equal(best.End) && c.ID < best.ID) {
			best = c
		}
	}
	return best
}

// DecideLine adjudicates one claim line. Paid = min(charge, rate × allowed
// units), half-up to cents, with the rate of the authorization.
func DecideLine(f *LineFacts) LineDecision {
	d := LineDecision{RuleSetVersion: ClaimRuleSetVersion, Trace: make([]TraceEntry, 0, len(lineDenials)+4)}
	deny := ""
	for i := range lineDenials {
		r := &lineDenials[i]
		t := TraceEntry{Rule: r.id, Code: r.code, Action: ActionDeny, Facts: r.names, Result: ResultPassed}
		if code, detail := r.eval(f); code != "" {
			t.Code, t.Result, t.Detail = code, ResultFired, detail
			d.Hits = append(d.Hits, Hit{Code: code, Action: ActionDeny, Detail: detail})
			if deny == "" {
				deny = code
			}
		}
		d.Trace = append(d.Trace, t)
	}
	if deny != "" {
		return denyLine(d, deny, f.Line)
	}

	a := f.Authorization
	d.AuthorizationID = a.ID
	units := f.Line.Units
	var cut []Adjustment // unit cuts, priced below once paid is known

	remaining := a.UnitsAuthorized - a.UnitsUsed
	t := TraceEntry{Rule: "C09", Code: CodeClaimUnitsExceeded, Action: ActionDeny, Facts: c09Facts, Result: ResultPassed}
	if units > remaining {
		t.Result, t.Detail = ResultFired, strconv.Itoa(units)+" billed, "+strconv.Itoa(max(remaining, 0))+" left on "+a.Number
		d.Hits = append(d.Hits, Hit{Code: CodeClaimUnitsExceeded, Action: ActionDeny, Detail: t.Detail})
		cut = append(cut, Adjustment{Code: CodeClaimUnitsExceeded, Units: units - max(remaining, 0)})
		units = max(remaining, 0)
	}
	d.Trace = append(d.Trace, t)

	if f.EpisodeUnitsHeld != nil {
		// A live authorization's units were set aside when it was granted,
		// so its lines fit unless the maximum was granted twice over
		// meanwhile (see LineFacts). The entry is in the trace of lines of
		// a service with a maximum.
		t = TraceEntry{Rule: "C10U", Code: CodeClaimCapReached, Action: ActionDeny, Facts: c10uFacts, Result: ResultPassed}
		// The maximum its units were granted under stands for its lines
		// when the MSC lowered the service's since: a limit's change is
		// for requests made after it.
		most := max(f.Service.PerEpisodeMax, f.EpisodeUnitMax, a.EpisodeMaxThen)
		if left := most - *f.EpisodeUnitsHeld; units > left {
			fit := max(left, 0)
			t.Result, t.Detail = ResultFired, strconv.Itoa(units)+" billed, "+strconv.Itoa(fit)+" left of the episode maximum "+
				strconv.Itoa(most)+" on "+a.Number
			d.Hits = append(d.Hits, Hit{Code: CodeClaimCapReached, Action: ActionDeny, Detail: t.Detail})
			cut = append(cut, Adjustment{Code: CodeClaimCapReached, Units: units - fit})
			units = fit
		}
		d.Trace = append(d.Trace, t)
	}

	t = TraceEntry{Rule: "C10", Code: CodeClaimCapReached, Action: ActionDeny, Facts: c10Facts, Result: ResultNotApplicable}
	if f.Program.HasDollarCap {
		t.Result = ResultPassed
		spent := f.EpisodeDollarsPaid
		if f.EpisodeDollarsHeld != nil && f.EpisodeDollarsHeld.GreaterThan(spent) {
			spent = *f.EpisodeDollarsHeld
		}
		left := f.Program.EpisodeDollarCap.Sub(spent)
		if Payable(a.Rate, units, f.Line.Charge).GreaterThan(left) {
			fit := 0
			if left.IsPositive() {
				fit = int(left.Div(a.Rate).IntPart())
			}
			fit = min(fit, units)
			for fit > 0 && Payable(a.Rate, fit, f.Line.Charge).GreaterThan(left) {
				fit--
			}
			t.Result, t.Detail = ResultFired, left.StringFixed(2)+" left of the episode cap "+f.Program.EpisodeDollarCap.StringFixed(2)
			d.Hits = append(d.Hits, Hit{Code: CodeClaimCapReached, Action: ActionDeny, Detail: t.Detail})
			cut = append(cut, Adjustment{Code: CodeClaimCapReached, Units: units - fit})
			units = fit
		}
	}
	d.Trace = append(d.Trace, t)

	if units == 0 {
		d.Trace = append(d.Trace, TraceEntry{Rule: "C11", Code: CodeClaimChargeOverFee, Action: ActionAdjust, Facts: c11Facts, Result: ResultNotApplicable})
		code := cut[0].Code
		if len(cut) > 1 {
			code = cut[len(cut)-1].Code
		}
		return denyLine(d, code, f.Line)
	}

	// Price the line: the fee-schedule excess first, then the units cut.
	fullAllowed := Amount(a.Rate, f.Line.Units)
	base := decimal.Min(f.Line.Charge, fullAllowed)
	d.UnitsAllowed = units
	d.Paid = Payable(a.Rate, units, f.Line.Charge)
	d.Allowed = d.Paid
	t = TraceEntry{Rule: "C11", Code: CodeClaimChargeOverFee, Action: ActionAdjust, Facts: c11Facts, Result: ResultPassed}
	if over := f.Line.Charge.Sub(fullAllowed); over.IsPositive() {
		t.Result, t.Detail = ResultFired, "charge "+f.Line.Charge.StringFixed(2)+" over "+fullAllowed.StringFixed(2)
		d.Hits = append(d.Hits, Hit{Code: CodeClaimChargeOverFee, Action: ActionAdjust, Detail: t.Detail})
		d.Adjustments = append(d.Adjustments, adjustment(CodeClaimChargeOverFee, over, 0))
	}
	d.Trace = append(d.Trace, t)
	if len(cut) > 0 {
		// The units cut carry what is left between the allowable base and
		// the paid amount, split by units so the parts sum exactly.
		rest := base.Sub(d.Paid)
		totalCut := 0
		for _, c := range cut {
			totalCut += c.Units
		}
		for i, c := range cut {
			amt := rest
			if i < len(cut)-1 {
				amt = rest.Mul(decimal.NewFromInt(int64(c.Units))).Div(decimal.NewFromInt(int64(totalCut))).Round(2)
				rest = rest.Sub(amt)
			}
			d.Adjustments = append(d.Adjustments, adjustment(c.Code, amt, c.Units))
		}
		d.Status = LinePartial
	} else {
		d.Status = LinePaid
	}
	return d
}

// Payable is what a line is paid: min(charge, rate × allowed units), the
// product rounded half-up to cents by Amount.
func Payable(rate decimal.Decimal, allowedUnits int, charge decimal.Decimal) decimal.Decimal {
	return decimal.Min(charge, Amount(rate, allowedUnits))
}

func denyLine(d LineDecision, code string, l ClaimLine) LineDecision {
	d.Status = LineDenied
	d.UnitsAllowed = 0
	d.Allowed = decimal.Zero
	d.Paid = decimal.Zero
	d.Adjustments = append(d.Adjustments[:0], adjustment(code, l.Charge, l.Units))
	return d
}

func adjustment(code string, amount decimal.Decimal, units int) Adjustment {
	r := reasonIndex[code]
	return Adjustment{Group: "CO", Code: code, CARC: r.CARC, RARC: r.RARC, Amount: amount, Units: units}
}

// The facts of the three pricing rules, named once for the trace and the
// rule index.
const (
	c09Facts  FactNames = "authorization.units_authorized,authorization.units_used,line.units"
	c10Facts  FactNames = "episode_dollars_paid,episode_dollars_held,program.episode_dollar_cap,authorization.rate"
	c10uFacts FactNames = "episode_units_held,service.per_episode_max,episode_unit_max,authorization.episode_max_then,authorization.units_used,line.units"
	c11Facts  FactNames = "line.charge,authorization.rate,line.units"
)

type ruleInfo struct {
	code   string
	action Action
	facts  FactNames
}

// lineRuleIndex describes every claim-line rule by id, so a stored trace
// can keep only what varies (rule, result, detail, a code other than the
// rule's own) and be expanded again when it is read.
var lineRuleIndex = func() map[string]ruleInfo {
	m := map[string]ruleInfo{
		"C09":  {CodeClaimUnitsExceeded, ActionDeny, c09Facts},
		"C10":  {CodeClaimCapReached, ActionDeny, c10Facts},
		"C10U": {CodeClaimCapReached, ActionDeny, c10uFacts},
		"C11":  {CodeClaimChargeOverFee, ActionAdjust, c11Facts},
	}
	for _, r := range lineDenials {
		m[r.id] = ruleInfo{r.code, ActionDeny, FactNames(strings.Join(r.facts, ","))}
	}
	return m
}()

// CompactLineTrace strips from a claim-line trace what the rule set
// already says, for storage: a line's trace shrinks to about a third.
func CompactLineTrace(trace []TraceEntry) []TraceEntry {
	out := make([]TraceEntry, len(trace))
	for i, t := range trace {
		out[i] = CompactLineTraceEntry(t)
	}
	return out
}

// CompactLineTraceEntry is one entry of CompactLineTrace, for a writer
// that stores entries as it goes rather than a compacted copy of each
// line's trace.
func CompactLineTraceEntry(t TraceEntry) TraceEntry {
	out := TraceEntry{Rule: t.Rule, Result: t.Result, Detail: t.Detail}
	info, ok := lineRuleIndex[t.Rule]
	if !ok || info.code != t.Code {
		out.Code = t.Code
	}
	if !ok || info.action != t.Action {
		out.Action = t.Action
	}
	return out
}

// ExpandLineTrace restores what CompactLineTrace left out.
func ExpandLineTrace(trace []TraceEntry) {
	for i := range trace {
		info, ok := lineRuleIndex[trace[i].Rule]
		if !ok {
			continue
		}
		if trace[i].Code == "" {
			trace[i].Code = info.code
		}
		if trace[i].Action == "" {
			trace[i].Action = info.action
		}
		trace[i].Facts = info.facts
	}
}
