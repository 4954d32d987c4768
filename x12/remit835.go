package x12

import (
	"io"
	"time"

	"github.com/shopspring/decimal"
)

// Remittance is one 835 health care claim payment/advice (005010X221A1)
// transaction set: one payment (check, EFT or none) to one payee, the
// claims it pays (2100), their lines (2110) and the provider-level
// adjustments (PLB). The reader delivers it only balanced:
//
//	TotalPaid (signed by CreditDebit) = Σ claim Paid − Σ PLB Amount
//	claim Charge − Σ claim and line CAS Amount = claim Paid
//	line Charge − Σ line CAS Amount = line Paid
//
// Reversals (CLP02 = 22) carry negative amounts and balance the same way.
type Remittance struct {
	Envelope
	// Handling is BPR01: C payment with remittance, D payment only, H
	// notification only, I remittance only, P prenotification, U/X split.
	Handling    string
	TotalPaid   decimal.Decimal // BPR02, as sent (never negative)
	CreditDebit string          // BPR03: C credit, D debit (the total is owed back)
	Method      string          // BPR04: ACH, BOP, CHK, FWT, NON
	PaymentDate time.Time       // BPR16
	// Trace is TRN02, the check or EFT trace number; with TraceOriginator
	// (TRN03, the payer's identifier) it names the payment uniquely.
	Trace           string
	TraceOriginator string
	ProductionDate  time.Time // DTM*405, zero when absent
	Payer           Party     // 1000A N1*PR
	Payee           Party     // 1000B N1*PE; Payee.NPI() when identified by XX
	PayeeRefs       []Ref     // 1000B REF (TJ tax id, PQ payee id, ...)
	Claims          []ClaimPayment
	Adjustments     []ProviderAdjustment // PLB, one per reason/amount pair
}

// SignedTotal is BPR02 with the sign of BPR03: negative for a debit.
func (r Remittance) SignedTotal() decimal.Decimal {
	if r.CreditDebit == "D" {
		return r.TotalPaid.Neg()
	}
	return r.TotalPaid
}

// Claim statuses (CLP02) the reader accepts.
const (
	ClaimPrimary           = "1"
	ClaimSecondary         = "2"
	ClaimTertiary          = "3"
	ClaimDenied            = "4"
	ClaimPrimaryForwarded  = "19"
	ClaimSecondaryFwd      = "20"
	ClaimTertiaryForwarded = "21"
	ClaimReversal          = "22" // reversal of a previous payment: amounts negative
	ClaimNotOurs           = "23" // not our claim, forwarded to another payer
	ClaimPredetermination  = "25"
)

// ClaimPayment is a 2100 loop: the payer's adjudication of one claim.
type ClaimPayment struct {
	ClaimID     string          // CLP01: our CLM01
	Status      string          // CLP02, one of the Claim* constants
	Charge      decimal.Decimal // CLP03
	Paid        decimal.Decimal // CLP04
	PatientResp decimal.Decimal // CLP05, zero when absent
	FilingCode  string          // CLP06: MC for Medicaid
	// PayerControl is CLP07, the payer's claim control number: what a
	// void or replacement must carry in REF*F8.
	PayerControl string
	FacilityType string // CLP08: place of service for professional claims
	Frequency    string // CLP09: claim frequency code
	// Adjustments are the claim-level CAS, one per group/reason/amount
	// triplet, in file order (a CAS carries up to six triplets).
	Adjustments []Adjustment
	Patient     Party    // NM1*QC; PHI, never log it
	Remarks     []string // MOA03-MOA07 and MIA05/MIA20-MIA24 remark codes
	Refs        []Ref    // claim REFs (1K, EA, F8, G1, ...)
	// Dates: DTM*232/233 statement period, DTM*050 received; zero when absent.
	StatementFrom, StatementTo, Received time.Time
	Amounts                              []Amount // claim AMT (AU coverage, ...)
	Lines                                []LinePayment
}

// LinePayment is a 2110 loop: the payer's adjudication of one service line.
type LinePayment struct {
	Procedure   Procedure       // SVC01 as adjudicated
	Charge      decimal.Decimal // SVC02
	Paid        decimal.Decimal // SVC03
	RevenueCode string          // SVC04, institutional only
	Units       decimal.Decimal // SVC05 units paid; 1 when absent, as the guide says
	// Submitted is SVC06 when the payer adjudicated a different procedure
	// than the one billed; nil otherwise.
	Submitted      *Procedure
	SubmittedUnits decimal.Decimal // SVC07, zero when absent
	// ServiceFrom/ServiceTo: DTM*472 (both the same) or DTM*150/151.
	ServiceFrom, ServiceTo time.Time
	// ControlNumber is REF*6R: our line item control number.
	ControlNumber string
	Refs          []Ref        // other line REFs (LU, G1, ...)
	Adjustments   []Adjustment // line CAS
	Remarks       []string     // LQ*HE remark codes
	Amounts       []Amount     // AMT (B6 allowed, KH deduction, ...)
}

// Adjustment is one CAS triplet.
type Adjustment struct {
	Group    string          // CAS01: CO, CR, OA, PI, PR
	Reason   string          // CARC
	Amount   decimal.Decimal // positive reduces the payment
	Quantity decimal.Decimal // zero when absent
}

// ProviderAdjustment is one reason/amount pair of a PLB segment.
type ProviderAdjustment struct {
	Provider  string    // PLB01: the provider identifier (NPI or tax id)
	FiscalEnd time.Time // PLB02: last day of the provider's fiscal year
	Reason    string    // PLBxx-1: WO overpayment recovery, L6 interest, FB forward balance, ...
	Reference string    // PLBxx-2: the payer's reference (often the claim the recovery is for)
	// Amount reduces the payment when positive (a recovery) and adds to it
	// when negative (interest paid).
	Amount decimal.Decimal
}

// RemittanceReader reads 835 files one transaction set at a time.
type RemittanceReader struct {
	in *inbound
}

// NewRemittanceReader reads 835 transaction sets from r.
func NewRemittanceReader(r io.Reader) *RemittanceReader {
	return &RemittanceReader{in: newInbound(r, "HP", "835", Version835)}
}

// Next returns the next remittance, io.EOF after a valid end of input,
// or a *ReadError (wrapping ErrInvalid) for the first fault, including an
// unbalanced set; after an error every call returns it again.
func (r *RemittanceReader) Next() (Remittance, error) {
	return Remittance{}, r.in.notYet()
}
