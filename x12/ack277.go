package x12

import (
	"io"
	"time"

	"github.com/shopspring/decimal"
)

// ClaimAck is one 277CA claim acknowledgment (005010X214) transaction set:
// after the 999 accepted the file, the payer's front end says, claim by
// claim, which ones entered adjudication and which were rejected, with the
// reasons as status codes. Its hierarchy is information source (the payer,
// 2000A), information receiver (us, 2000B), billing provider (2000C) and
// patient (2000D) with one claim (2200D) and its lines (2220D).
type ClaimAck struct {
	Envelope
	Reference string    // BHT03: the payer's reference for this acknowledgment
	Created   time.Time // BHT04 and BHT05, UTC
	Payer     Party     // 2100A NM1*PR
	Receivers []ReceiverStatus
	Providers []ProviderStatus
	Claims    []ClaimStatus
}

// ReceiverStatus is a 2000B loop: the totals for us as the information receiver.
type ReceiverStatus struct {
	Party    Party    // 2100B NM1*41
	Trace    string   // 2200B TRN02: the batch reference the payer assigned
	Statuses []Status // 2200B STC
	// Quantities and amounts the payer accepted and rejected (QTY*90/AA,
	// AMT*YU/YY), zero when absent.
	AcceptedClaims, RejectedClaims int
	AcceptedAmount, RejectedAmount decimal.Decimal
}

// ProviderStatus is a 2000C loop: one billing provider.
type ProviderStatus struct {
	Receiver                       int      // index in ClaimAck.Receivers of the enclosing 2000B
	Party                          Party    // 2100C NM1*85; Party.NPI() is the billing NPI
	Trace                          string   // 2200C TRN02
	Statuses                       []Status // 2200C STC, when the payer reports at provider level
	AcceptedClaims, RejectedClaims int
	AcceptedAmount, RejectedAmount decimal.Decimal
}

// ClaimStatus is a 2000D/2200D loop: one of our claims.
type ClaimStatus struct {
	Provider int    // index in ClaimAck.Providers of the enclosing 2000C
	Patient  Party  // 2100D NM1*QC; PHI, never log it
	ClaimID  string // 2200D TRN02: the patient control number, our CLM01
	// PayerControl is REF*1K: the payer's claim control number, "" when
	// not sent (usually absent on rejected claims).
	PayerControl string
	Refs         []Ref    // other REFs (BLT, EA, ...)
	Statuses     []Status // every STC of the claim, in order
	// Accepted is derived from the claim's status categories: true when at
	// least one is an acceptance (A1 received, A2 accepted into
	// adjudication, A5 split) and none is a rejection (A3 returned as
	// unprocessable, A4 not found, A6 missing information, A7 invalid
	// information, A8 relational field error). Anything else is not
	// accepted; the raw codes say why.
	Accepted    bool
	TotalCharge decimal.Decimal // STC04 of the first STC: our CLM02
	ServiceFrom time.Time       // DTP*472 (D8, or the start of an RD8)
	ServiceTo   time.Time       // DTP*472 end, = ServiceFrom for a D8
	Lines       []LineStatus    // 2220D, when the payer reports per line
}

// LineStatus is a 2220D loop: the status of one service line.
type LineStatus struct {
	Procedure     Procedure       // SVC01
	Charge        decimal.Decimal // SVC02
	Units         decimal.Decimal // SVC07, zero when absent
	Statuses      []Status
	ControlNumber string    // REF*FJ: our REF*6R line item control number
	ServiceFrom   time.Time // DTP*472
	ServiceTo     time.Time
}

// Status is one STC segment.
type Status struct {
	// Codes are STC01, STC10 and STC11 (when present), in that order.
	Codes  []StatusCode
	Date   time.Time       // STC02: effective date of the status
	Action string          // STC03: WQ accepted, U rejected (277CA usage)
	Amount decimal.Decimal // STC04: total charge at claim/line level
	// Message is STC12, the payer's free-form text. Never log it: payers
	// put names in it.
	Message string
}

// StatusCode is one claim status composite: category:code:entity.
type StatusCode struct {
	Category string // A1, A2, A3... (code source 507)
	Code     string // claim status code (code source 508)
	Entity   string // entity identifier, e.g. 85 billing provider, QC patient; "" when absent
	Raw      string // the composite as sent, with ":" as component separator
}

// Rejected reports whether the category is one of the rejections (A3,
// A4, A6, A7, A8).
func (c StatusCode) Rejected() bool {
	switch c.Category {
	case "A3", "A4", "A6", "A7", "A8":
		return true
	}
	return false
}

// Acceptance reports whether the category says the claim was received or
// accepted (A1, A2, A5).
func (c StatusCode) Acceptance() bool {
	switch c.Category {
	case "A1", "A2", "A5":
		return true
	}
	return false
}

// ClaimAckReader reads 277CA files one transaction set at a time.
type ClaimAckReader struct {
	in *inbound
}

// NewClaimAckReader reads 277CA transaction sets from r.
func NewClaimAckReader(r io.Reader) *ClaimAckReader {
	return &ClaimAckReader{in: newInbound(r, "HN", "277", Version277CA)}
}

// Next returns the next acknowledgment, io.EOF after a valid end of input,
// or a *ReadError (wrapping ErrInvalid) for the first fault; after an
// error every call returns it again.
func (r *ClaimAckReader) Next() (ClaimAck, error) {
	return ClaimAck{}, r.in.notYet()
}
