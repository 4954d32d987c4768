package billing

import (
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/lib/pq"
	"github.com/shopspring/decimal"

	"rss"
	"rss/adjudication"
	"rss/x12"
)

// NewClaim is a claim as a provider submits it.
type NewClaim struct {
	ClaimNumber      string    `json:"claim_number"`
	ClientID         int64     `json:"client_id"`
	Frequency        string    `json:"frequency"`
	OriginalClaimID  *int64    `json:"original_claim_id"`
	RenderingStaffID int64     `json:"rendering_staff_id"`
	PlaceOfService   string    `json:"place_of_service"`
	Diagnoses        []string  `json:"diagnoses"`
	Lines            []NewLine `json:"lines"`
	// resend marks a void sent again (NewResend): not a field of the JSON
	// nor of the claim's hash, so no submission can ask for it but the
	// resend's own route.
	resend bool
}

// NewResend is the claim that sends a void again after the payer turned
// its CLM loop away (a 999 or 277CA rejection, nothing posted since): a
// void (frequency 8) under claim number number whose original is the
// rejected void voidID, of client clientID. It supersedes that void
// (which then reads replaced) and carries, as reversal lines of the
// void's, the lines of its rejected loops as they were billed; it
// releases nothing, the void having given the units and dollars back
// already. Its batch sends it as a frequency-8 loop whose REF*F8 is the
// reference the rejected loop carried.
func NewResend(number string, clientID, voidID int64) NewClaim {
	return NewClaim{ClaimNumber: number, ClientID: clientID, Frequency: FreqVoid, OriginalClaimID: &voidID, resend: true}
}

// NewLine is one service line as billed.
type NewLine struct {
	ServiceCode         string    `json:"service_code"`
	DateOfService       rss.Date  `json:"date_of_service"`
	Units               int       `json:"units"`
	Charge              rss.Money `json:"charge"`
	AuthorizationNumber string    `json:"authorization_number"`
}

// Claim frequencies (X12 CLM05-3).
const (
	FreqOriginal    = "1"
	FreqReplacement = "7"
	FreqVoid        = "8"
)

// Input bounds.
const (
	MaxLinesPerClaim = 200
	MaxClaimsPerBulk = 1000
	// MaxLinesPerBulk bounds the lines of one bulk request: a thousand
	// claims of two hundred lines held a server at 2.2 GB (a black-box
	// pass; some 11 KB a line, decided and answered in one transaction).
	// Twice the bench's ten-line claims.
	MaxLinesPerBulk = 20000
	maxLineUnits    = 9999
)

var (
	claimNumberRe = regexp.MustCompile(`^[A-Za-z0-9-]+$`)
	// A claim goes to Medicaid as CLM01, in parts "-1", "-2"... when it has
	// more than 50 lines (and so do its void and replacement, part by
	// part): its number keeps room for the longest suffix.
	claimNumberElement = x12.SplitClaimNumber((MaxLinesPerClaim + maxLinesPerCLM - 1) / maxLinesPerCLM)
	// An authorization number a line names is sent as REF*G1.
	authNumberElement = x12.ReferenceID.WithMax(30)
	posRe             = regexp.MustCompile(`^[0-9]{2}$`)
	// placesOfService are the codes CMS's Place of Service code set
	// assigns; "00" and the unassigned ones (28-30, 35-40, ...) are no
	// place a payer pays at (a black-box pass billed "00").
	placesOfService = strings.Fields(`01 02 03 04 05 06 07 08 09 10 11 12 13 14 15 16 17 18 19 20 21 22 23 24 25 26 27
		31 32 33 34 41 42 49 50 51 52 53 54 55 56 57 58 60 61 62 65 66 71 72 81 99`)
	diagnosisRe    = regexp.MustCompile(`^[A-Z][0-9][0-9A-Z]{1,5}$`)
	maxCharge      = rss.MustMoney("99999999.99")
	maxTotalCharge = rss.MustMoney("9999999999.99")
)

// validate checks the claim's shape and normalises it (frequency default,
// diagnosis dots). Lines of a void are not adjudicated and may be omitted.
func (n *NewClaim) validate(today rss.Date) error {
	v := &rss.ValidationError{}
	// Dashes alone number nothing an agency or the payer can tell apart
	// ("-", "--" were taken: an intake pass); claims on file so numbered
	// are still found by the list's filter.
	if err := claimNumberElement.Check(n.ClaimNumber); err != nil || !claimNumberRe.MatchString(n.ClaimNumber) ||
		strings.Trim(n.ClaimNumber, "-") == "" {
		v.Add("claim_number", textCode(err, "invalid_format"), "claim_number is 1-%d letters, digits or dashes, at least one a letter or digit "+
			"(the 837P's CLM01 holds %d, and a claim sent in parts adds -N)", claimNumberElement.Max, x12.ClaimNumber.Max)
	}
	v.RequireID("client_id", n.ClientID)
	if n.Frequency == "" {
		n.Frequency = FreqOriginal
	}
	switch n.Frequency {
	case FreqOriginal:
		if n.OriginalClaimID != nil {
			v.Add("original_claim_id", "not_allowed", "original_claim_id is only for frequency 7 or 8")
		}
	case FreqReplacement, FreqVoid:
		switch {
		case n.OriginalClaimID == nil || *n.OriginalClaimID == 0:
			v.Add("original_claim_id", "required", "frequency %s names the original claim in original_claim_id", n.Frequency)
		case *n.OriginalClaimID < 0:
			v.RequireID("original_claim_id", *n.OriginalClaimID)
		}
	default:
		v.Add("frequency", "invalid_value", "frequency must be 1 (original), 7 (replacement) or 8 (void)")
	}
	if n.Frequency == FreqVoid {
		// A void carries only what names the claim it voids: it reverses
		// the original's lines and repeats its rendering staff, place of
		// service and diagnoses, which it may leave out or send as the
		// original has them (a system that voids by sending the claim
		// again with frequency 8), never otherwise (decide: 422
		// not_the_original). Sent with its own (an unknown staff member,
		// place of service 00, a diagnosis twice), it was taken and they
		// were dropped unseen (a black-box pass).
		if len(n.Lines) > 0 {
			v.Add("lines", "not_allowed", "a void (frequency 8) carries no lines: it reverses the original's")
		}
		// None written as [] is none left out: the void hashes the same
		// either way, so one sent again in the other form is the same.
		n.Lines = nil
		if len(n.Diagnoses) == 0 {
			n.Diagnoses = nil
		}
		// Read as any claim's are (dots optional, case aside), to compare
		// with the original's as stored: "F11.20" read as another code (a
		// re-check).
		for i := range n.Diagnoses {
			n.Diagnoses[i] = strings.ToUpper(strings.ReplaceAll(strings.TrimSpace(n.Diagnoses[i]), ".", ""))
		}
		return v.Err()
	}
	v.RequireID("rendering_staff_id", n.RenderingStaffID)
	switch {
	case n.PlaceOfService == "":
		v.Add("place_of_service", "required", "place_of_service is required")
	case !posRe.MatchString(n.PlaceOfService):
		v.Add("place_of_service", "invalid_format", "place_of_service is a two-digit CMS place of service code")
	case !slices.Contains(placesOfService, n.PlaceOfService):
		v.Add("place_of_service", "invalid_value", "place_of_service %s is not a code CMS assigns", n.PlaceOfService)
	}
	if len(n.Diagnoses) > 12 {
		v.Add("diagnoses", "too_many", "at most 12 diagnoses")
	}
	for i := range n.Diagnoses {
		d := strings.ToUpper(strings.ReplaceAll(strings.TrimSpace(n.Diagnoses[i]), ".", ""))
		n.Diagnoses[i] = d
		switch {
		case !diagnosisRe.MatchString(d):
			v.Add(fmt.Sprintf("diagnoses[%d]", i), "invalid_format", "diagnosis %q is not an ICD-10-CM code", n.Diagnoses[i])
		case slices.Contains(n.Diagnoses[:i], d):
			// The 837P's HI pointers name each code once; payers reject a
			// repeat (a black-box pass sent one).
			v.Add(fmt.Sprintf("diagnoses[%d]", i), "duplicate", "diagnosis %s is listed twice", d)
		}
	}
	switch {
	case len(n.Lines) == 0:
		v.Add("lines", "required", "a claim has at least one line")
	case len(n.Lines) > MaxLinesPerClaim:
		v.Add("lines", "too_many", "at most %d lines per claim", MaxLinesPerClaim)
	}
	earliest := rss.MustDate("2000-01-01")
	total := decimal.Zero
	for i := range n.Lines {
		l := &n.Lines[i]
		f := fmt.Sprintf("lines[%d]", i)
		if l.ServiceCode == "" {
			v.Add(f+".service_code", "required", "service_code is required")
		}
		switch {
		case l.DateOfService.IsZero():
			v.Add(f+".date_of_service", "required", "date_of_service is required")
		case l.DateOfService.After(today):
			// Today named, as a batch's through_date names it.
			v.Add(f+".date_of_service", "in_future", "a service cannot be billed before it is delivered: %s", rss.TodayIs(today))
		case l.DateOfService.Before(earliest):
			v.Add(f+".date_of_service", "out_of_range", "date_of_service must be on or after %s", earliest)
		}
		switch {
		case l.Units == 0:
			// Not given, or none: as a voucher request's units.
			v.Add(f+".units", "required", "units is required: a whole number from 1 to %d", maxLineUnits)
		case l.Units < 0 || l.Units > maxLineUnits:
			v.Add(f+".units", "out_of_range", "units must be a whole number from 1 to %d", maxLineUnits)
		}
		switch {
		case l.Charge.IsZero():
			// Not given, or none: as a line's units.
			v.Add(f+".charge", "required", "charge is required: more than zero and at most %s, written with two decimals", maxCharge)
		case !l.Charge.IsPositive() || l.Charge.GreaterThan(maxCharge.Decimal) || !l.Charge.Equal(l.Charge.Round(2)):
			v.Add(f+".charge", "out_of_range", "charge must be more than zero and at most %s, written with two decimals", maxCharge)
		}
		total = total.Add(l.Charge.Decimal)
		// rss issues its numbers in capitals; one sent padded or in lower
		// case names the same authorization (a black-box pass found it
		// denied 197/N54 as unknown). Stored, and sent on, as issued.
		l.AuthorizationNumber = strings.ToUpper(strings.TrimSpace(l.AuthorizationNumber))
		if l.AuthorizationNumber != "" {
			if err := authNumberElement.Check(l.AuthorizationNumber); err != nil {
				v.Add(f+".authorization_number", textCode(err, "invalid_format"), "authorization_number: %s", err)
			}
		}
	}
	// Lines each within maxCharge can still sum past what claims.total_charge
	// (NUMERIC(12,2)) holds: 101 lines at the largest charge would.
	if total.GreaterThan(maxTotalCharge.Decimal) {
		v.Add("lines", "out_of_range", "the lines' charges total %s, more than the largest claim total %s", total.StringFixed(2), maxTotalCharge)
	}
	return v.Err()
}

// textCode is the field error code for what x12 refused in a value.
func textCode(err error, otherwise string) string {
	if te, ok := x12.IsTextError(err); ok {
		switch te.Code {
		case x12.TextRequired:
			return "required"
		case x12.TextTooLong:
			return "too_long"
		}
	}
	return otherwise
}

// hash identifies the claim's content: the same claim number with another
// hash is a different claim and is refused.
func (n *NewClaim) hash() []byte {
	h := sha256.Sum256(n.appendJSON(make([]byte, 0, 160+100*len(n.Lines))))
	return h[:]
}

// emptyDiagnosesHash is the hash of the claim with no diagnoses written the
// other way ([] for none, none for []), nil when it has some: the two are
// the same claim, and a claim sent again with "diagnoses": [] where it had
// left them out was refused as another under its number (a black-box
// pass). Stored hashes keep the form they were made in.
func (n *NewClaim) emptyDiagnosesHash() []byte {
	if len(n.Diagnoses) > 0 {
		return nil
	}
	m := *n
	if n.Diagnoses == nil {
		m.Diagnoses = []string{}
	} else {
		m.Diagnoses = nil
	}
	return m.hash()
}

// appendJSON appends the claim as json.Marshal writes it, byte for byte:
// stored hashes were made of that, and a claim sent again must hash the
// same. Written without reflection (it ran for every claim of a bulk).
func (n *NewClaim) appendJSON(b []byte) []byte {
	b = append(b, `{"claim_number":`...)
	b = appendJSONString(b, n.ClaimNumber)
	b = append(b, `,"client_id":`...)
	b = strconv.AppendInt(b, n.ClientID, 10)
	b = append(b, `,"frequency":`...)
	b = appendJSONString(b, n.Frequency)
	b = append(b, `,"original_claim_id":`...)
	b = appendJSONInt(b, n.OriginalClaimID)
	b = append(b, `,"rendering_staff_id":`...)
	b = strconv.AppendInt(b, n.RenderingStaffID, 10)
	b = append(b, `,"place_of_service":`...)
	b = appendJSONString(b, n.PlaceOfService)
	b = append(b, `,"diagnoses":`...)
	if n.Diagnoses == nil {
		b = append(b, "null"...)
	} else {
		b = append(b, '[')
		for i, d := range n.Diagnoses {
			if i > 0 {
				b = append(b, ',')
			}
			b = appendJSONString(b, d)
		}
		b = append(b, ']')
	}
	b = append(b, `,"lines":`...)
	if n.Lines == nil {
		return append(b, "null}"...)
	}
	b = append(b, '[')
	for i := range n.Lines {
		l := &n.Lines[i]
		if i > 0 {
			b = append(b, ',')
		}
		b = append(b, `{"service_code":`...)
		b = appendJSONString(b, l.ServiceCode)
		b = append(b, `,"date_of_service":`...)
		b = appendJSONDate(b, l.DateOfService)
		b = append(b, `,"units":`...)
		b = strconv.AppendInt(b, int64(l.Units), 10)
		b = append(b, `,"charge":`...)
		b = appendJSONMoney(b, l.Charge)
		b = append(b, `,"authorization_number":`...)
		b = appendJSONString(b, l.AuthorizationNumber)
		b = append(b, '}')
	}
	return append(b, "]}"...)
}

// Claim is a stored claim with its adjudicated lines.
type Claim struct {
	ID               int64          `json:"id" db:"id"`
	ProviderID       int64          `json:"provider_id" db:"provider_id"`
	ClientID         int64          `json:"client_id" db:"client_id"`
	ProgramCode      string         `json:"program_code" db:"program_code"`
	ClaimNumber      string         `json:"claim_number" db:"claim_number"`
	Frequency        string         `json:"frequency" db:"frequency"`
	OriginalClaimID  *int64         `json:"original_claim_id" db:"original_claim_id"`
	RenderingStaffID *int64         `json:"rendering_staff_id" db:"rendering_staff_id"`
	PlaceOfService   string         `json:"place_of_service" db:"place_of_service"`
	Diagnoses        pq.StringArray `json:"diagnoses" db:"diagnoses"`
	Status           string         `json:"status" db:"status"`
	TotalCharge      rss.Money      `json:"total_charge" db:"total_charge"`
	TotalPaid        rss.Money      `json:"total_paid" db:"total_paid"`
	FirstServiceDate rss.Date       `json:"first_service_date" db:"first_service_date"`
	LastServiceDate  rss.Date       `json:"last_service_date" db:"last_service_date"`
	ReceivedOn       rss.Date       `json:"received_on" db:"received_on"`
	ReceivedAt       time.Time      `json:"received_at" db:"received_at"`
	SupersededBy     *int64         `json:"superseded_by" db:"superseded_by"`
	SupersededAt     *time.Time     `json:"superseded_at" db:"superseded_at"`
	// BatchID is the batch that took the claim's billable lines (one at
	// most), null until one has: with provider_id it names the remittance
	// advice, which a provider key may read although it may not list
	// batches (a black-box pass found no way to learn the batch).
	BatchID *int64 `json:"batch_id" db:"batch_id"`
	Lines   []Line `json:"lines" db:"-"`
	// Payer is what Medicaid answered about the claim (a read of one
	// claim and the list), absent until it has answered.
	Payer *ClaimPayer `json:"payer,omitempty" db:"-"`
}

// Line is an adjudicated line.
type Line struct {
	ID                  int64                     `json:"id" db:"id"`
	ClaimID             int64                     `json:"-" db:"claim_id"`
	LineNumber          int                       `json:"line_number" db:"line_number"`
	ServiceCode         string                    `json:"service_code" db:"service_code"`
	DateOfService       rss.Date                  `json:"date_of_service" db:"date_of_service"`
	Units               int                       `json:"units" db:"units"`
	Charge              rss.Money                 `json:"charge" db:"charge"`
	AuthorizationNumber *string                   `json:"authorization_number" db:"authorization_number"`
	AuthorizationID     *int64                    `json:"authorization_id" db:"authorization_id"`
	Status              string                    `json:"status" db:"status"`
	UnitsAllowed        int                       `json:"units_allowed" db:"units_allowed"`
	Allowed             rss.Money                 `json:"allowed" db:"allowed"`
	Paid                rss.Money                 `json:"paid" db:"paid"`
	Rate                *rss.Money                `json:"rate" db:"rate"`
	Adjustments         []Adjustment              `json:"adjustments" db:"-"`
	AdjustmentsRaw      []byte                    `json:"-" db:"adjustments"`
	Trace               []adjudication.TraceEntry `json:"trace,omitempty" db:"-"`
	TraceRaw            []byte                    `json:"-" db:"trace"`
	RuleSetVersion      string                    `json:"rule_set_version" db:"rule_set_version"`
	ReversesLineID      *int64                    `json:"reverses_line_id" db:"reverses_line_id"`
}

// Adjustment is one CAS adjustment as stored and shown: group, CARC, RARC,
// amount, units and the plain text of the reason.
type Adjustment struct {
	Group  string    `json:"group"`
	Code   string    `json:"code"`
	CARC   string    `json:"carc"`
	RARC   string    `json:"rarc,omitempty"`
	Amount rss.Money `json:"amount"`
	Units  int       `json:"units,omitempty"`
	Text   string    `json:"text,omitempty"`
}

func (l *Line) decode(withTrace bool) error {
	if err := json.Unmarshal(l.AdjustmentsRaw, &l.Adjustments); err != nil {
		return fmt.Errorf("decode adjustments: %w", err)
	}
	describe(l.Adjustments)
	if withTrace {
		var err error
		if l.Trace, err = decodeTrace(l.TraceRaw); err != nil {
			return fmt.Errorf("decode trace: %w", err)
		}
	}
	return nil
}

// describe gives each adjustment the catalogue's plain text, which every
// answer shows and no row stores.
func describe(adj []Adjustment) {
	for i := range adj {
		if r, ok := adjudication.Lookup(adj[i].Code); ok {
			adj[i].Text = r.Text
		}
	}
}
