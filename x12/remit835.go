package x12

import (
	"fmt"
	"io"
	"strings"
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
// Reversals (CLP02 = 22) carry negative amounts (CLP03 and CLP04 not
// positive) and balance the same way; every other claim's CLP03 and CLP04
// are not negative, and a denial's (CLP02 = 4) CLP04 is zero.
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
	// Position is the CLP's segment index in the file (ISA = 1), so that
	// what a reader of the claim refuses later is said where it was
	// written.
	Position int
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
	Position      int          // the SVC's segment index in the file
}

// Adjustment is one CAS triplet.
type Adjustment struct {
	Group    string          // CAS01: CO, CR, OA, PI, PR
	Reason   string          // CARC
	Amount   decimal.Decimal // positive reduces the payment
	Quantity decimal.Decimal // zero when absent
	Position int             // its CAS's segment index in the file
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
	env, err := r.in.begin()
	if err != nil {
		return Remittance{}, err
	}
	p := remitParser{in: r.in, comp: r.in.rd.Delimiters().Component, rem: Remittance{Envelope: env}}
	for {
		s, at, ok, err := r.in.body()
		if err != nil {
			return Remittance{}, err
		}
		if !ok {
			if err := p.end(at); err != nil {
				return Remittance{}, err
			}
			return p.rem, nil
		}
		if err := p.segment(s, at); err != nil {
			return Remittance{}, err
		}
	}
}

// Loops of the 835, in the order the guide sets them.
const (
	r835Start  = iota // after ST: BPR
	r835Header        // TRN, CUR, REF, DTM
	r835Payer         // 1000A
	r835Payee         // 1000B
	r835LX            // 2000
	r835Claim         // 2100
	r835Line          // 2110
	r835PLB           // trailer
)

// Segment ranks inside each loop: a segment may repeat or follow one of
// a lower rank, never precede one already passed.
var (
	rank835Header = map[string]int{"TRN": 0, "CUR": 1, "REF": 2, "DTM": 3}
	rank835Party  = map[string]int{"N1": 0, "N3": 1, "N4": 2, "REF": 3, "PER": 4, "RDM": 5}
	rank835LX     = map[string]int{"LX": 0, "TS3": 1, "TS2": 2}
	rank835Claim  = map[string]int{"CLP": 0, "CAS": 1, "NM1": 2, "MIA": 3, "MOA": 4, "REF": 5, "DTM": 6, "PER": 7, "AMT": 8, "QTY": 9}
	rank835Line   = map[string]int{"SVC": 0, "DTM": 1, "CAS": 2, "REF": 3, "AMT": 4, "QTY": 5, "LQ": 6}
)

// maxUse835 is the guide's maximum use of a segment in one instance of its
// loop (005010X221A1, as pyx12's map of it reads), where the guide bounds
// it: by the loop, the segment and, where the guide tells segments of one
// identifier apart by their qualifier (element 01), the qualifiers of
// each ("" for any). The segment that starts a loop is once by
// construction; a segment or qualifier not listed repeats freely (PER*BL,
// the payee's REFs, PLB, and qualifiers outside the guide's lists, which
// payers send). A second TRN and a second REF*6R were refused each by a
// check of its own, while a second N3, DTM*405 or NM1*QC was taken (a
// black-box pass).
var maxUse835 = []struct {
	loop  int
	id    string
	quals string
	max   int
	name  string
}{
	{r835Header, "TRN", "", 1, "reassociation trace number"},
	{r835Header, "CUR", "", 1, "foreign currency information"},
	{r835Header, "REF", "EV", 1, "receiver identification"},
	{r835Header, "REF", "F2", 1, "version identification"},
	{r835Header, "DTM", "405", 1, "production date"},
	{r835Payer, "N3", "", 1, "payer address"},
	{r835Payer, "N4", "", 1, "payer city, state, ZIP code"},
	{r835Payer, "REF", "2U EO HI NF", 4, "additional payer identification"},
	{r835Payer, "PER", "CX", 1, "payer business contact information"},
	{r835Payer, "PER", "IC", 1, "payer web site"},
	{r835Payee, "N3", "", 1, "payee address"},
	{r835Payee, "N4", "", 1, "payee city, state, ZIP code"},
	{r835Payee, "RDM", "", 1, "remittance delivery method"},
	{r835LX, "TS3", "", 1, "provider summary information"},
	{r835LX, "TS2", "", 1, "provider supplemental summary information"},
	{r835Claim, "CAS", "", 99, "claim adjustment"},
	{r835Claim, "NM1", "QC", 1, "patient name"},
	{r835Claim, "NM1", "IL", 1, "insured name"},
	{r835Claim, "NM1", "74", 1, "corrected patient/insured name"},
	{r835Claim, "NM1", "82", 1, "service provider name"},
	{r835Claim, "NM1", "TT", 1, "crossover carrier name"},
	{r835Claim, "NM1", "PR", 1, "corrected priority payer name"},
	{r835Claim, "NM1", "GB", 1, "other subscriber name"},
	{r835Claim, "MIA", "", 1, "inpatient adjudication information"},
	{r835Claim, "MOA", "", 1, "outpatient adjudication information"},
	{r835Claim, "REF", "1L 1W 28 6P 9A 9C BB CE EA F8 G1 G3 IG SY", 5, "other claim related identification"},
	{r835Claim, "REF", "0B 1A 1B 1C 1D 1G 1H 1J D3 G2 LU", 10, "rendering provider identification"},
	{r835Claim, "DTM", "232", 1, "statement from date"},
	{r835Claim, "DTM", "233", 1, "statement to date"},
	{r835Claim, "DTM", "036", 1, "coverage expiration date"},
	{r835Claim, "DTM", "050", 1, "claim received date"},
	{r835Claim, "PER", "CX", 2, "claim contact information"},
	{r835Claim, "AMT", "", 13, "claim supplemental information"},
	{r835Claim, "QTY", "", 14, "claim supplemental information quantity"},
	{r835Line, "DTM", "472", 1, "service date"},
	{r835Line, "DTM", "150", 1, "service period start"},
	{r835Line, "DTM", "151", 1, "service period end"},
	{r835Line, "CAS", "", 99, "service adjustment"},
	{r835Line, "REF", "1S APC BB E9 G1 G3 LU RB", 8, "service identification"},
	{r835Line, "REF", "6R", 1, "line item control number"},
	{r835Line, "REF", "0B 1A 1B 1C 1D 1G 1H 1J D3 G2 HPI SY TJ", 10, "rendering provider information"},
	{r835Line, "REF", "0K", 5, "health care policy identification"},
	{r835Line, "AMT", "", 9, "service supplemental amount"},
	{r835Line, "QTY", "", 6, "service supplemental quantity"},
	{r835Line, "LQ", "", 99, "health care remark codes"},
}

// useKey finds a segment's row of maxUse835: its loop, identifier and
// qualifier ("" for a row of any qualifier).
type useKey struct {
	loop     int
	id, qual string
}

var maxUseIndex = func() map[useKey]int {
	m := map[useKey]int{}
	for i, u := range maxUse835 {
		if u.quals == "" {
			m[useKey{u.loop, u.id, ""}] = i
		}
		for _, q := range strings.Fields(u.quals) {
			m[useKey{u.loop, u.id, q}] = i
		}
	}
	return m
}()

// loopNames835 names the loops in the reader's messages.
var loopNames835 = map[int]string{r835Header: "the header", r835Payer: "loop 1000A", r835Payee: "loop 1000B", r835LX: "loop 2000",
	r835Claim: "loop 2100", r835Line: "loop 2110", r835PLB: "the trailer"}

var spec835 = map[string]segSpec{
	"BPR": spec("ID1-2 M1-18 ID1-1 ID3-3 id1-10 id2-2 an3-12 id1-3 an1-35 an1-10 an1-9 id2-2 an3-12 id1-3 an1-35 DT8-8 id2-2 id2-2 an3-12 id1-3 an1-35"),
	"TRN": spec("ID1-2 AN1-50 AN10-10 an1-50"),
	"CUR": spec("ID2-3 ID3-3 r1-10"),
	"REF": spec("ID2-3 AN1-50 an1-80"),
	"DTM": spec("ID3-3 DT8-8"),
	"N1":  spec("ID2-3 AN1-60 id1-2 an2-80"),
	"N3":  spec("AN1-55 an1-55"),
	"N4":  spec("AN2-30 id2-2 id3-15 id2-3 id1-2 an1-30 id1-3"),
	"PER": spec("ID2-2 an1-60 id2-2 an1-256 id2-2 an1-256 id2-2 an1-256"),
	"RDM": spec("ID1-2 an1-60 an1-256"),
	"LX":  spec("N1-6"),
	"TS3": spec("AN1-50 ID1-2 DT8-8 N1-15 R1-18 r1-18 r1-18 r1-18 r1-18 r1-18 r1-18 r1-18 r1-18 r1-18 r1-18 r1-18 r1-18 r1-18 r1-18 r1-18 r1-18 r1-18 r1-18 r1-18"),
	"TS2": spec("r1-18 r1-18 r1-18 r1-18 r1-18 r1-18 r1-18 r1-18 r1-18 r1-18 r1-18 r1-18 r1-18 r1-18 r1-18 r1-18 r1-18 r1-18 r1-18"),
	"CLP": spec("AN1-38 ID1-2 M1-18 M1-18 m1-18 ID1-2 AN1-50 an1-2 id1-1 id1-2 an1-4 r1-15 r1-10 id1-1"),
	"CAS": spec("ID1-2 ID1-5 M1-18 r1-15 id1-5 m1-18 r1-15 id1-5 m1-18 r1-15 id1-5 m1-18 r1-15 id1-5 m1-18 r1-15 id1-5 m1-18 r1-15"),
	"NM1": spec("ID2-3 ID1-1 an1-60 an1-35 an1-25 an1-10 an1-10 id1-2 an2-80"),
	"MIA": spec("R1-15 r1-18 r1-15 r1-18 an1-50 r1-18 r1-18 r1-18 r1-18 r1-18 r1-18 r1-18 r1-18 r1-18 r1-15 r1-18 r1-18 r1-18 r1-18 an1-50 an1-50 an1-50 an1-50 an1-50"),
	"MOA": spec("r1-10 r1-18 an1-50 an1-50 an1-50 an1-50 an1-50 r1-18 r1-18"),
	"AMT": spec("ID1-3 M1-18"),
	"QTY": spec("ID2-2 R1-15"),
	"SVC": spec("C1-300 M1-18 M1-18 an1-48 r1-15 c1-300 r1-15"),
	"LQ":  spec("ID1-3 AN1-30"),
	"PLB": spec("AN1-50 DT8-8 C1-300 M1-18 c1-300 m1-18 c1-300 m1-18 c1-300 m1-18 c1-300 m1-18 c1-300 m1-18"),
}

// Code sets the reader relies on.
var (
	codesBPR01    = set("C D H I P U X")
	codesBPR03    = set("C D")
	codesBPR04    = set("ACH BOP CHK FWT NON")
	codesCLP02    = set("1 2 3 4 19 20 21 22 23 25")
	codesCAS01    = set("CO CR OA PI PR")
	codesProcQ    = set("AD ER HC HP IV N4 N6 NU WK")
	codesLQ01     = set("HE RX")
	codesClaimNM1 = set("QC IL 74 82 TT PR GB")
	codesPLBRsn   = set("50 51 72 90 AH AM AP B2 B3 BD BN C5 CR CS CT CV CW DM E3 FB FC GO HM IP IR IS J1 L3 L6 LE LS OA OB PI PL RA RE SL TL WO WU")
)

func set(words string) map[string]bool {
	m := map[string]bool{}
	for _, w := range strings.Fields(words) {
		m[w] = true
	}
	return m
}

type remitParser struct {
	in         *inbound
	comp       byte
	rem        Remittance
	loop       int
	rank       int
	sawPayee   bool
	payerAt    int             // position of the N1*PR
	payerSeen  map[string]bool // N3, N4, PER*BL of loop 1000A
	hasPatient []bool          // each claim's NM1*QC
	used       map[int]int     // uses of maxUse835's segments in the current loop
	claim      *ClaimPayment
	line       *LinePayment
	// The BPR's position, so that an unbalanced payment is reported where
	// it was written (a claim's and a line's are theirs).
	bprAt int
}

// enter starts an instance of loop: its order and its segments' uses
// count afresh.
func (p *remitParser) enter(loop int) {
	p.loop, p.rank = loop, 0
	clear(p.used)
}

// order checks a segment of the current loop (not the one that starts it)
// against the loop's order and the guide's maximum use.
func (p *remitParser) order(s Segment, at int, ranks map[string]int) error {
	k := ranks[s.ID]
	if k < p.rank {
		return p.in.fail(at, s.ID, "%s is out of order in its loop", s.ID)
	}
	p.rank = k
	i, ok := maxUseIndex[useKey{p.loop, s.ID, s.Element(1)}]
	if !ok {
		if i, ok = maxUseIndex[useKey{p.loop, s.ID, ""}]; !ok {
			return nil
		}
	}
	if p.used == nil {
		p.used = map[int]int{}
	}
	p.used[i]++
	if n, u := p.used[i], maxUse835[i]; n > u.max {
		name := s.ID
		if u.quals != "" && !strings.Contains(u.quals, " ") {
			name += "*" + u.quals
		}
		times := "once"
		if u.max > 1 {
			times = fmt.Sprintf("at most %d times", u.max)
		}
		return p.in.fail(at, s.ID, "a %s %s (%s) in %s: 005010X221A1 uses it %s", ordinal(n), name, u.name, loopNames835[p.loop], times)
	}
	return nil
}

// ordinal is n as "second", "3rd", "11th", ...
func ordinal(n int) string {
	switch {
	case n == 2:
		return "second"
	case n%100 >= 11 && n%100 <= 13:
		return fmt.Sprintf("%dth", n)
	case n%10 == 1:
		return fmt.Sprintf("%dst", n)
	case n%10 == 2:
		return fmt.Sprintf("%dnd", n)
	case n%10 == 3:
		return fmt.Sprintf("%drd", n)
	}
	return fmt.Sprintf("%dth", n)
}

func (p *remitParser) segment(s Segment, at int) error {
	sp, known := spec835[s.ID]
	if !known {
		return p.in.fail(at, s.ID, "%s is not a segment of the 835", s.ID)
	}
	if err := p.in.checkSeg(s, at, sp); err != nil {
		return err
	}
	fail := func(format string, args ...any) error { return p.in.fail(at, s.ID, format, args...) }
	switch p.loop {
	case r835Start:
		if s.ID != "BPR" {
			return fail("the 835 starts with BPR, not %s", s.ID)
		}
		p.bprAt = at
		return p.bpr(s, fail)
	case r835Header:
		if _, ok := rank835Header[s.ID]; ok {
			if p.rem.Trace == "" && s.ID != "TRN" {
				return fail("TRN must follow BPR")
			}
			if err := p.order(s, at, rank835Header); err != nil {
				return err
			}
			return p.header(s, fail)
		}
		if p.rem.Trace == "" {
			return fail("TRN must follow BPR")
		}
		if s.ID != "N1" || s.Element(1) != "PR" {
			return fail("loop 1000A (N1*PR, the payer) must follow the header, not %s", s.ID)
		}
		p.enter(r835Payer)
		p.payerAt, p.payerSeen = at, map[string]bool{}
		return p.party(s, at, fail)
	case r835Payer, r835Payee:
		if _, ok := rank835Party[s.ID]; ok && s.ID != "N1" && !(p.loop == r835Payer && s.ID == "RDM") {
			if err := p.order(s, at, rank835Party); err != nil {
				return err
			}
			return p.party(s, at, fail)
		}
		if p.loop == r835Payer {
			if s.ID != "N1" || s.Element(1) != "PE" {
				return fail("loop 1000B (N1*PE, the payee) must follow the payer, not %s", s.ID)
			}
			for _, need := range []string{"N3", "N4", "PER*BL"} {
				if !p.payerSeen[need] {
					return p.in.fail(p.payerAt, "N1", "loop 1000A (the payer) has no %s", need)
				}
			}
			p.enter(r835Payee)
			return p.party(s, at, fail)
		}
		return p.afterClaims(s, at, fail)
	case r835LX:
		if _, ok := rank835LX[s.ID]; ok && s.ID != "LX" {
			return p.order(s, at, rank835LX)
		}
		if s.ID != "CLP" {
			return fail("loop 2000 (LX) must hold a claim (CLP), not %s", s.ID)
		}
		return p.clp(s, at, fail)
	case r835Claim:
		if _, ok := rank835Claim[s.ID]; ok && s.ID != "CLP" {
			if err := p.order(s, at, rank835Claim); err != nil {
				return err
			}
			return p.claimSeg(s, at, fail)
		}
		if s.ID == "SVC" {
			return p.svc(s, at, fail)
		}
		return p.afterClaims(s, at, fail)
	case r835Line:
		if _, ok := rank835Line[s.ID]; ok && s.ID != "SVC" {
			if err := p.order(s, at, rank835Line); err != nil {
				return err
			}
			return p.lineSeg(s, at, fail)
		}
		if s.ID == "SVC" {
			return p.svc(s, at, fail)
		}
		return p.afterClaims(s, at, fail)
	case r835PLB:
		if s.ID != "PLB" {
			return fail("only PLB may follow PLB before SE, not %s", s.ID)
		}
		return p.plb(s, fail)
	}
	return fail("unexpected %s", s.ID)
}

// afterClaims handles the segments that close a claim (or the payee):
// a new LX, a new CLP in the same LX, or the PLB trailer.
func (p *remitParser) afterClaims(s Segment, at int, fail func(string, ...any) error) error {
	switch {
	case s.ID == "LX":
		if p.loop == r835Payee && !p.sawPayee {
			return fail("LX before the payee")
		}
		p.enter(r835LX)
		return nil
	case s.ID == "CLP" && (p.loop == r835Claim || p.loop == r835Line):
		return p.clp(s, at, fail)
	case s.ID == "PLB":
		p.enter(r835PLB)
		return p.plb(s, fail)
	case s.ID == "CLP":
		return fail("CLP must be inside a loop 2000 (LX)")
	}
	return fail("%s is not expected here (loop order)", s.ID)
}

// signed reports whether an amount carries a minus sign, zero included:
// where the guide allows no sign, -0.00 is refused as -14.50 is (a
// black-box re-check imported BPR02 -0.00 and -0).
func signed(v string) bool { return strings.HasPrefix(v, "-") }

func (p *remitParser) bpr(s Segment, fail func(string, ...any) error) error {
	switch {
	case !codesBPR01[s.Element(1)]:
		return fail("BPR01 %q is not a transaction handling code", s.Element(1))
	case !codesBPR03[s.Element(3)]:
		return fail("BPR03 %q is not C or D", s.Element(3))
	case !codesBPR04[s.Element(4)]:
		return fail("BPR04 %q is not a payment method code", s.Element(4))
	}
	total := decimalOf(s.Element(2))
	if signed(s.Element(2)) {
		return fail("BPR02 is signed: it is the amount, never signed; a debit says so in BPR03 (D)")
	}
	// H (notification only) and NON (non-payment data) say no money moves:
	// the guide uses them only when BPR02 is zero, remittance without a
	// payment. One with an amount was posted as Medicaid's payment (a
	// black-box pass); which of the two the payer meant is the payer's to
	// say.
	switch {
	case s.Element(1) == "H" && !total.IsZero():
		return fail("BPR02 is %s, but BPR01 H (notification only) moves no money: BPR02 must be zero", total.StringFixed(2))
	case s.Element(4) == "NON" && !total.IsZero():
		return fail("BPR02 is %s, but BPR04 NON (non-payment data) moves no money: BPR02 must be zero", total.StringFixed(2))
	}
	p.rem.Handling, p.rem.TotalPaid, p.rem.CreditDebit, p.rem.Method = s.Element(1), total, s.Element(3), s.Element(4)
	p.rem.PaymentDate = parseDate(s.Element(16))
	p.enter(r835Header)
	return nil
}

func (p *remitParser) header(s Segment, fail func(string, ...any) error) error {
	switch s.ID {
	case "TRN":
		if s.Element(1) != "1" {
			return fail("TRN01 is %q, want 1 (current transaction trace numbers)", s.Element(1))
		}
		p.rem.Trace, p.rem.TraceOriginator = s.Element(2), s.Element(3)
	case "DTM":
		if s.Element(1) != "405" {
			return fail("DTM01 %q is not 405 (production date)", s.Element(1))
		}
		p.rem.ProductionDate = parseDate(s.Element(2))
	}
	return nil
}

func (p *remitParser) party(s Segment, at int, fail func(string, ...any) error) error {
	switch s.ID {
	case "N1":
		who := Party{Entity: s.Element(1), Name: s.Element(2), IDQual: s.Element(3), ID: s.Element(4)}
		if (who.IDQual == "") != (who.ID == "") {
			return fail("N103 and N104 go together")
		}
		if who.IDQual == "XX" && !ValidNPI(who.ID) {
			return fail("N104 is not a valid NPI")
		}
		if p.loop == r835Payer {
			p.rem.Payer = who
		} else {
			if who.ID == "" {
				return fail("the payee N1 must carry its identifier (N103/N104)")
			}
			p.rem.Payee, p.sawPayee = who, true
		}
	case "N3", "N4":
		if p.loop == r835Payer {
			p.payerSeen[s.ID] = true
		}
	case "PER":
		if p.loop == r835Payer {
			p.payerSeen["PER*"+s.Element(1)] = true
		}
	case "REF":
		if p.loop == r835Payee {
			p.rem.PayeeRefs = append(p.rem.PayeeRefs, Ref{s.Element(1), s.Element(2)})
		}
	}
	return nil
}

func (p *remitParser) clp(s Segment, at int, fail func(string, ...any) error) error {
	status := s.Element(2)
	if !codesCLP02[status] {
		return fail("CLP02 %q is not a claim status code", status)
	}
	// The amounts' sign must agree with CLP02: the 835 guide takes a
	// payment back only with CLP02 22 and its amounts negated (a claim is
	// not repeated with a negative payment instead), and code 4 (denied:
	// the patient was not recognized) pays nothing. A black-box pass
	// imported a reversal carrying positive amounts (the claim read
	// reversed while the reconciliation counted the money paid twice), a
	// CLP02 1 of negative amounts (a claim reading denied, paid −48.00)
	// and a denial paying 10.00.
	charge, paid := decimalOf(s.Element(3)), decimalOf(s.Element(4))
	switch {
	case status == ClaimReversal && (charge.IsPositive() || paid.IsPositive()):
		return fail("CLP02 22 is a reversal: CLP03 and CLP04 carry the amounts it takes back, negative, not positive")
	case status != ClaimReversal && (signed(s.Element(3)) || signed(s.Element(4))):
		return fail("CLP02 %s is not a reversal: CLP03 and CLP04 may not be negative (a payment is taken back with CLP02 22)", status)
	case status == ClaimDenied && !paid.IsZero():
		return fail("CLP02 4 is a denial: CLP04 must be zero")
	}
	ccn := payerControl(s.Element(7))
	if m := payerControlMessage(ccn); m != "" {
		return fail("CLP07: %s", m)
	}
	p.rem.Claims = append(p.rem.Claims, ClaimPayment{
		ClaimID: s.Element(1), Status: status,
		Charge: charge, Paid: paid, PatientResp: decimalOf(s.Element(5)),
		FilingCode: s.Element(6), PayerControl: ccn, FacilityType: s.Element(8), Frequency: s.Element(9),
		Position: at,
	})
	p.claim, p.line = &p.rem.Claims[len(p.rem.Claims)-1], nil
	p.hasPatient = append(p.hasPatient, false)
	p.enter(r835Claim)
	return nil
}

func (p *remitParser) claimSeg(s Segment, at int, fail func(string, ...any) error) error {
	c := p.claim
	switch s.ID {
	case "CAS":
		adj, err := p.cas(s, at, fail)
		c.Adjustments = append(c.Adjustments, adj...)
		return err
	case "NM1":
		if !codesClaimNM1[s.Element(1)] {
			return fail("NM101 %q is not a claim party of the 835 (QC, IL, 74, 82, TT, PR, GB)", s.Element(1))
		}
		if s.Element(1) == "QC" {
			p.hasPatient[len(p.hasPatient)-1] = true
			c.Patient = Party{Entity: "QC", Name: s.Element(3), First: s.Element(4), IDQual: s.Element(8), ID: s.Element(9)}
		}
	case "MIA":
		for _, k := range []int{5, 20, 21, 22, 23, 24} {
			if err := remarkCode(s, k, fail); err != nil {
				return err
			}
		}
		c.Remarks = appendNonEmpty(c.Remarks, s.Element(5), s.Element(20), s.Element(21), s.Element(22), s.Element(23), s.Element(24))
	case "MOA":
		for k := 3; k <= 7; k++ {
			if err := remarkCode(s, k, fail); err != nil {
				return err
			}
		}
		c.Remarks = appendNonEmpty(c.Remarks, s.Element(3), s.Element(4), s.Element(5), s.Element(6), s.Element(7))
	case "REF":
		c.Refs = append(c.Refs, Ref{s.Element(1), s.Element(2)})
	case "DTM":
		d := parseDate(s.Element(2))
		switch s.Element(1) {
		case "232":
			c.StatementFrom = d
		case "233":
			c.StatementTo = d
		case "050":
			c.Received = d
		case "036", "037":
		default:
			return fail("DTM01 %q is not a claim date qualifier", s.Element(1))
		}
	case "AMT":
		c.Amounts = append(c.Amounts, Amount{s.Element(1), decimalOf(s.Element(2))})
	}
	return nil
}

func (p *remitParser) svc(s Segment, at int, fail func(string, ...any) error) error {
	proc, err := p.procedure(s.Element(1), "SVC01", fail)
	if err != nil {
		return err
	}
	ln := LinePayment{Procedure: proc, Charge: decimalOf(s.Element(2)), Paid: decimalOf(s.Element(3)),
		RevenueCode: s.Element(4), Units: decimal.NewFromInt(1), SubmittedUnits: decimalOf(s.Element(7)), Position: at}
	// A line's amounts take its claim's sign (clp): a payment's line
	// negative, a denial's line paying or a reversal's line positive showed
	// on the agency's advice as paid (a re-check).
	if p.claim != nil {
		switch status := p.claim.Status; {
		case status == ClaimReversal && (ln.Charge.IsPositive() || ln.Paid.IsPositive()):
			return fail("SVC of a reversal (CLP02 22): SVC02 and SVC03 carry the amounts it takes back, negative, not positive")
		case status != ClaimReversal && (signed(s.Element(2)) || signed(s.Element(3))):
			return fail("SVC of CLP02 %s: SVC02 and SVC03 may not be negative (a payment is taken back with CLP02 22)", status)
		case status == ClaimDenied && !ln.Paid.IsZero():
			return fail("SVC of a denial (CLP02 4): SVC03 must be zero")
		}
	}
	if v := s.Element(5); v != "" {
		ln.Units = decimalOf(v)
	}
	if v := s.Element(6); v != "" {
		sub, err := p.procedure(v, "SVC06", fail)
		if err != nil {
			return err
		}
		ln.Submitted = &sub
	}
	p.claim.Lines = append(p.claim.Lines, ln)
	p.line = &p.claim.Lines[len(p.claim.Lines)-1]
	p.enter(r835Line)
	return nil
}

func (p *remitParser) procedure(el, name string, fail func(string, ...any) error) (Procedure, error) {
	parts := components(el, p.comp)
	if len(parts) < 2 || len(parts) > 6 || !codesProcQ[parts[0]] || parts[1] == "" || len(parts[1]) > 48 {
		return Procedure{}, fail("%s is not a procedure composite (qualifier%ccode[%cmodifiers])", name, p.comp, p.comp)
	}
	proc := Procedure{Qualifier: parts[0], Code: parts[1]}
	for _, m := range parts[2:] {
		if len(m) != 2 {
			return Procedure{}, fail("%s has a modifier that is not two characters", name)
		}
		proc.Modifiers = append(proc.Modifiers, m)
	}
	return proc, nil
}

func (p *remitParser) lineSeg(s Segment, at int, fail func(string, ...any) error) error {
	ln := p.line
	switch s.ID {
	case "DTM":
		d := parseDate(s.Element(2))
		switch s.Element(1) {
		case "472":
			ln.ServiceFrom, ln.ServiceTo = d, d
		case "150":
			ln.ServiceFrom = d
		case "151":
			ln.ServiceTo = d
		default:
			return fail("DTM01 %q is not a service date qualifier (472, 150, 151)", s.Element(1))
		}
	case "CAS":
		adj, err := p.cas(s, at, fail)
		ln.Adjustments = append(ln.Adjustments, adj...)
		return err
	case "REF":
		if s.Element(1) == "6R" {
			ln.ControlNumber = s.Element(2)
		} else {
			ln.Refs = append(ln.Refs, Ref{s.Element(1), s.Element(2)})
		}
	case "AMT":
		ln.Amounts = append(ln.Amounts, Amount{s.Element(1), decimalOf(s.Element(2))})
	case "LQ":
		if !codesLQ01[s.Element(1)] {
			return fail("LQ01 %q is not HE or RX", s.Element(1))
		}
		if s.Element(1) == "HE" {
			if err := remarkCode(s, 2, fail); err != nil {
				return err
			}
			ln.Remarks = append(ln.Remarks, s.Element(2))
		}
	}
	return nil
}

// cas reads the up to six reason/amount/quantity triplets of a CAS: a
// reason needs its amount, and an amount or quantity needs its reason.
func (p *remitParser) cas(s Segment, at int, fail func(string, ...any) error) ([]Adjustment, error) {
	group := s.Element(1)
	if !codesCAS01[group] {
		return nil, fail("CAS01 %q is not a claim adjustment group (CO, CR, OA, PI, PR)", group)
	}
	var out []Adjustment
	for k := 0; k < 6; k++ {
		reason, amt, qty := s.Element(2+3*k), s.Element(3+3*k), s.Element(4+3*k)
		switch {
		case reason == "" && amt == "" && qty == "":
			continue
		case reason == "":
			return nil, fail("CAS%02d has an amount without its reason code", 3+3*k)
		case amt == "":
			return nil, fail("CAS%02d: reason %s has no amount", 3+3*k, reason)
		case !isCARC(reason):
			// The code list's codes are capitals and digits: one in lower
			// case was refused by the importer, after the reader, without
			// saying where (a black-box pass).
			return nil, fail("CAS%02d %q is not a claim adjustment reason code (capitals and digits)", 2+3*k, reason)
		}
		out = append(out, Adjustment{Group: group, Reason: reason, Amount: decimalOf(amt), Quantity: decimalOf(qty), Position: at})
	}
	return out, nil
}

// remarkCode refuses element k of s when it is given and is not a remark
// code's shape (capitals and digits, as isCARC): stored in lower case,
// "ma15" went unrecognised where rss reads MA15 (a re-check).
func remarkCode(s Segment, k int, fail func(string, ...any) error) error {
	if v := s.Element(k); v != "" && !isCARC(v) {
		return fail("%s%02d %q is not a remark code (capitals and digits)", s.ID, k, v)
	}
	return nil
}

// isCARC reports whether code has a claim adjustment reason code's shape:
// one to five capitals and digits (the guide's length is checked apart).
func isCARC(code string) bool {
	for i := 0; i < len(code); i++ {
		if c := code[i]; (c < 'A' || c > 'Z') && (c < '0' || c > '9') {
			return false
		}
	}
	return code != ""
}

func (p *remitParser) plb(s Segment, fail func(string, ...any) error) error {
	fiscal := parseDate(s.Element(2))
	for k := 0; k < 6; k++ {
		id, amt := s.Element(3+2*k), s.Element(4+2*k)
		switch {
		case id == "" && amt == "":
			continue
		case id == "" || amt == "":
			return fail("PLB%02d and PLB%02d go together", 3+2*k, 4+2*k)
		}
		parts := components(id, p.comp)
		if len(parts) > 2 || !codesPLBRsn[parts[0]] {
			return fail("PLB%02d is not an adjustment reason code (WO, L6, FB, ...)", 3+2*k)
		}
		adj := ProviderAdjustment{Provider: s.Element(1), FiscalEnd: fiscal, Reason: parts[0], Amount: decimalOf(amt)}
		if len(parts) == 2 {
			// C042-02, the reference identification, is AN 1-50: the
			// composite's own 300 let a 297-character reference through to
			// the agency's advice (a black-box re-check).
			if n := len(parts[1]); n > 50 {
				return fail("PLB%02d-2 (the reference) has length %d, want 1 to 50", 3+2*k, n)
			}
			adj.Reference = parts[1]
		}
		p.rem.Adjustments = append(p.rem.Adjustments, adj)
	}
	return nil
}

// end checks, at the SE, that the set is complete and balanced. An
// unbalanced line, claim or payment is reported at its SVC, CLP or BPR.
func (p *remitParser) end(at int) error {
	fail := func(format string, args ...any) error { return p.in.fail(at, "SE", format, args...) }
	if !p.sawPayee {
		return fail("the 835 ends before its payer and payee (loops 1000A, 1000B)")
	}
	if p.loop == r835LX {
		return fail("loop 2000 (LX) holds no claim")
	}
	sum := decimal.Zero
	for i, c := range p.rem.Claims {
		if !p.hasPatient[i] {
			return p.in.fail(c.Position, "CLP", "claim %d has no patient (NM1*QC)", i+1)
		}
		adj := decimal.Zero
		for _, a := range c.Adjustments {
			adj = adj.Add(a.Amount)
		}
		for j, ln := range c.Lines {
			lineAdj := decimal.Zero
			for _, a := range ln.Adjustments {
				lineAdj = lineAdj.Add(a.Amount)
			}
			if got := ln.Charge.Sub(lineAdj); !got.Equal(ln.Paid) {
				return p.in.fail(ln.Position, "SVC", "claim %d line %d does not balance: SVC02 %s − CAS %s = %s, SVC03 is %s",
					i+1, j+1, ln.Charge.StringFixed(2), lineAdj.StringFixed(2), got.StringFixed(2), ln.Paid.StringFixed(2))
			}
			adj = adj.Add(lineAdj)
		}
		if got := c.Charge.Sub(adj); !got.Equal(c.Paid) {
			return p.in.fail(c.Position, "CLP", "claim %d does not balance: CLP03 %s − CAS %s = %s, CLP04 is %s",
				i+1, c.Charge.StringFixed(2), adj.StringFixed(2), got.StringFixed(2), c.Paid.StringFixed(2))
		}
		sum = sum.Add(c.Paid)
	}
	for _, a := range p.rem.Adjustments {
		sum = sum.Sub(a.Amount)
	}
	if !sum.Equal(p.rem.SignedTotal()) {
		return p.in.fail(p.bprAt, "BPR", "the payment does not balance: Σ CLP04 − Σ PLB = %s, BPR02 is %s (%s)",
			sum.StringFixed(2), p.rem.TotalPaid.StringFixed(2), p.rem.CreditDebit)
	}
	return nil
}

func appendNonEmpty(dst []string, vs ...string) []string {
	for _, v := range vs {
		if v != "" {
			dst = append(dst, v)
		}
	}
	return dst
}
