package x12

import (
	"io"
	"strconv"
	"strings"
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
	Payer     Party     // 2100A NM1*PR (or AY, a clearinghouse)
	Trace     string    // 2200A TRN02: the information source's trace
	Received  time.Time // 2200A DTP*050: when the payer received our file; zero when absent
	Processed time.Time // 2200A DTP*009: when it processed it; zero when absent
	Receivers []ReceiverStatus
	Providers []ProviderStatus
	Claims    []ClaimStatus
}

// ReceiverStatus is a 2000B loop: the totals for us as the information receiver.
type ReceiverStatus struct {
	Party Party // 2100B NM1*41
	// Trace is 2200B TRN02: payers return here the BHT03 of our 837
	// (rss writes "RSS" + batch id), tying the answer to the batch.
	Trace    string
	Statuses []Status // 2200B STC
	// Claims and amounts the payer accepted and rejected (QTY*90/AA,
	// AMT*YU/YY), zero when absent.
	AcceptedClaims, RejectedClaims int
	AcceptedAmount, RejectedAmount decimal.Decimal
}

// ProviderStatus is a 2000C loop: one billing provider.
type ProviderStatus struct {
	Receiver int      // index in ClaimAck.Receivers of the enclosing 2000B
	Party    Party    // 2100C NM1*85; Party.NPI() is the billing NPI
	Trace    string   // 2200C TRN02
	Statuses []Status // 2200C STC
	// Claims and amounts accepted and rejected (QTY*QA/QC, AMT*YU/YY).
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
// A4, A6, A7, A8) or says the payer could not take the claim in at all
// (E0-E4, response not possible).
func (c StatusCode) Rejected() bool {
	switch c.Category {
	case "A3", "A4", "A6", "A7", "A8", "E0", "E1", "E2", "E3", "E4":
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
	env, err := r.in.begin()
	if err != nil {
		return ClaimAck{}, err
	}
	p := claimAckParser{in: r.in, comp: r.in.rd.Delimiters().Component, ack: ClaimAck{Envelope: env}}
	for {
		s, at, ok, err := r.in.body()
		if err != nil {
			return ClaimAck{}, err
		}
		if !ok {
			if err := p.close(at, "SE"); err != nil {
				return ClaimAck{}, err
			}
			if len(p.ack.Receivers) == 0 {
				return ClaimAck{}, r.in.fail(at, "SE", "the 277CA has no information receiver (HL level 21)")
			}
			return p.ack, nil
		}
		if err := p.segment(s, at); err != nil {
			return ClaimAck{}, err
		}
	}
}

var spec277 = map[string]segSpec{
	"BHT": spec("ID4-4 ID2-2 AN1-50 DT8-8 TM4-8 ID2-2"),
	"HL":  spec("AN1-12 an1-12 ID1-2 id1-1"),
	"NM1": spec("ID2-3 ID1-1 an1-60 an1-35 an1-25 an1-10 an1-10 id1-2 an2-80"),
	"PER": spec("ID2-2 an1-60 id2-2 an1-256 id2-2 an1-256 id2-2 an1-256"),
	"TRN": spec("ID1-2 AN1-50 an10-10 an1-50"),
	"STC": spec("C1-100 dt8-8 id1-2 m1-18 m1-18 dt8-8 id1-2 dt8-8 an1-16 c1-100 c1-100 an1-264"),
	"QTY": spec("ID2-2 R1-15"),
	"AMT": spec("ID1-3 M1-18"),
	"REF": spec("ID2-3 AN1-50"),
	"DTP": spec("ID3-3 ID2-3 AN1-35"),
	"SVC": spec("C1-300 M1-18 m1-18 an1-48 r1-15 c1-300 r1-15"),
}

// HL levels of the 277CA and the level each must sit under.
var (
	hl277Parent = map[string]string{"20": "", "21": "20", "19": "21", "PT": "19"}
	hl277Name   = map[string]string{"20": "2000A information source", "21": "2000B information receiver", "19": "2000C billing provider", "PT": "2000D patient"}
	// Segment ranks within each level; SVC opens a 2220D line.
	rank277Level = map[string]map[string]int{
		"20": {"NM1": 1, "TRN": 2, "DTP": 3},
		"21": {"NM1": 1, "TRN": 2, "STC": 3, "QTY": 4, "AMT": 5},
		"19": {"NM1": 1, "TRN": 2, "STC": 3, "REF": 4, "QTY": 5, "AMT": 6},
		"PT": {"NM1": 1, "TRN": 2, "STC": 3, "REF": 4, "DTP": 5},
	}
	rank277Line = map[string]int{"SVC": 0, "STC": 1, "REF": 2, "DTP": 3}
	// What each level requires, and its TRN01 (1 current, 2 referenced).
	need277 = map[string][]string{"20": {"NM1", "TRN"}, "21": {"NM1", "TRN", "STC"}, "19": {"NM1", "TRN", "STC"}, "PT": {"NM1", "TRN", "STC", "DTP"}}
	trn277  = map[string]string{"20": "1", "21": "2", "19": "1", "PT": "2"}
)

type claimAckParser struct {
	in    *inbound
	comp  byte
	ack   ClaimAck
	bht   bool
	last  map[string]string // level code -> HL01 of its current loop
	next  int               // next HL01 expected
	level string            // level of the current HL, "" before the first
	hlAt  int               // position of the current HL
	rank  int
	seen  map[string]bool // segments seen in the current level
	inSVC bool            // inside a 2220D line
	// the current loop of each kind
	recv, prov, claim, line int
}

func (p *claimAckParser) segment(s Segment, at int) error {
	sp, known := spec277[s.ID]
	if !known {
		return p.in.fail(at, s.ID, "%s is not a segment of the 277CA", s.ID)
	}
	if err := p.in.checkSeg(s, at, sp); err != nil {
		return err
	}
	fail := func(format string, args ...any) error { return p.in.fail(at, s.ID, format, args...) }
	if !p.bht {
		if s.ID != "BHT" {
			return fail("the 277CA starts with BHT, not %s", s.ID)
		}
		if s.Element(1) != "0085" || s.Element(2) != "08" || s.Element(6) != "TH" {
			return fail("BHT01/02/06 are %q/%q/%q, want 0085/08/TH", s.Element(1), s.Element(2), s.Element(6))
		}
		created, err := dateTime(s.Element(4), s.Element(5))
		if err != nil {
			return fail("BHT04/BHT05: %v", err)
		}
		p.ack.Reference, p.ack.Created, p.bht = s.Element(3), created, true
		p.last, p.next = map[string]string{}, 1
		return nil
	}
	if s.ID == "HL" {
		return p.hl(s, at, fail)
	}
	if p.level == "" {
		return fail("%s before the first HL", s.ID)
	}
	if s.ID == "SVC" && p.level == "PT" {
		return p.svc(s, fail)
	}
	if p.inSVC {
		return p.lineSeg(s, at, fail)
	}
	k, ok := rank277Level[p.level][s.ID]
	if !ok {
		return fail("%s does not belong in loop %s", s.ID, hl277Name[p.level])
	}
	if k < p.rank {
		return fail("%s is out of order in loop %s", s.ID, hl277Name[p.level])
	}
	if p.rank == k && (s.ID == "NM1" || s.ID == "TRN") {
		return fail("a second %s in loop %s", s.ID, hl277Name[p.level])
	}
	p.rank = k
	p.seen[s.ID] = true
	return p.levelSeg(s, fail)
}

func (p *claimAckParser) hl(s Segment, at int, fail func(string, ...any) error) error {
	if err := p.close(at, "HL"); err != nil {
		return err
	}
	if s.Element(1) != strconv.Itoa(p.next) {
		return fail("HL01 is %q, want %d", s.Element(1), p.next)
	}
	lvl := s.Element(3)
	parent, ok := hl277Parent[lvl]
	if !ok {
		return fail("HL03 %q is not a 277CA level (20, 21, 19, PT)", lvl)
	}
	// Every level but the patient's has children, and says so.
	if lvl != "PT" && s.Element(4) == "" {
		return fail("HL04 is required in loop %s", hl277Name[lvl])
	}
	if s.Element(2) != p.last[parent] || parent != "" && s.Element(2) == "" {
		return fail("HL02 does not name the enclosing HL of level %s", parent)
	}
	p.last[lvl] = s.Element(1)
	// A new level ends the loops below it: a provider may not reach back
	// to a receiver that is no longer the current one.
	below := false
	for _, l := range []string{"20", "21", "19", "PT"} {
		if below {
			delete(p.last, l)
		}
		below = below || l == lvl
	}
	p.next++
	p.level, p.hlAt, p.rank, p.seen, p.inSVC = lvl, at, 0, map[string]bool{}, false
	// The loop's party is filled in by its NM1; append it now so that
	// children can point at it.
	switch lvl {
	case "21":
		p.ack.Receivers = append(p.ack.Receivers, ReceiverStatus{})
		p.recv = len(p.ack.Receivers) - 1
	case "19":
		// The parent is the most recent receiver: HL02 named a level 21 and
		// levels nest in file order.
		p.ack.Providers = append(p.ack.Providers, ProviderStatus{Receiver: p.recv})
		p.prov = len(p.ack.Providers) - 1
	case "PT":
		p.ack.Claims = append(p.ack.Claims, ClaimStatus{Provider: p.prov})
		p.claim = len(p.ack.Claims) - 1
	}
	return nil
}

// close checks that the loop ending at a new HL (or at SE) had what the
// guide requires of it.
func (p *claimAckParser) close(at int, id string) error {
	if !p.bht {
		return p.in.fail(at, id, "the 277CA has no BHT")
	}
	if p.level == "" {
		if id == "SE" {
			return p.in.fail(at, id, "the 277CA has no HL loops")
		}
		return nil
	}
	for _, n := range need277[p.level] {
		if !p.seen[n] {
			return p.in.fail(p.hlAt, "HL", "loop %s has no %s", hl277Name[p.level], n)
		}
	}
	// 2200A carries both of the source's dates (the guide requires each).
	if p.level == "20" {
		for _, d := range []struct {
			q  string
			at time.Time
		}{{"050 (received)", p.ack.Received}, {"009 (processed)", p.ack.Processed}} {
			if d.at.IsZero() {
				return p.in.fail(p.hlAt, "HL", "loop %s has no DTP*%s", hl277Name[p.level], d.q)
			}
		}
	}
	if p.level == "PT" {
		c := &p.ack.Claims[p.claim]
		c.Accepted = accepted(c.Statuses)
		if p.inSVC && len(c.Lines[p.line].Statuses) != 1 {
			return p.in.fail(at, id, "a 2220D service line has no STC")
		}
	}
	return nil
}

// accepted derives ClaimStatus.Accepted from the claim-level codes: a
// claim is rejected only by a rejection category (StatusCode.Rejected). A
// category that is neither an acceptance nor a rejection (A0 forwarded,
// a pending P, a finalized F, a request R) still says the
// payer holds the claim, usually under its own control number: read as a
// rejection, the claim's correction went to the payer as a new claim
// beside the one it held, a double bill (a black-box pass).
func accepted(st []Status) bool {
	any := false
	for _, s := range st {
		for _, c := range s.Codes {
			if c.Rejected() {
				return false
			}
			any = true
		}
	}
	return any
}

func (p *claimAckParser) levelSeg(s Segment, fail func(string, ...any) error) error {
	switch s.ID {
	case "NM1":
		who := Party{Entity: s.Element(1), Name: s.Element(3), First: s.Element(4), IDQual: s.Element(8), ID: s.Element(9)}
		want := map[string]string{"20": "PR", "21": "41", "19": "85", "PT": "QC"}[p.level]
		if who.Entity != want && !(p.level == "20" && who.Entity == "AY") {
			return fail("NM101 is %q, loop %s wants %s", who.Entity, hl277Name[p.level], want)
		}
		if who.IDQual == "" || who.ID == "" {
			return fail("NM108/NM109 are required in loop %s", hl277Name[p.level])
		}
		if who.IDQual == "XX" && !ValidNPI(who.ID) {
			return fail("NM109 is not a valid NPI")
		}
		switch p.level {
		case "20":
			p.ack.Payer = who
		case "21":
			p.ack.Receivers[p.recv].Party = who
		case "19":
			p.ack.Providers[p.prov].Party = who
		case "PT":
			p.ack.Claims[p.claim].Patient = who
		}
	case "TRN":
		want := trn277[p.level]
		if s.Element(1) != want {
			return fail("TRN01 is %q, loop %s wants %s", s.Element(1), hl277Name[p.level], want)
		}
		switch p.level {
		case "20":
			p.ack.Trace = s.Element(2)
		case "21":
			p.ack.Receivers[p.recv].Trace = s.Element(2)
		case "19":
			p.ack.Providers[p.prov].Trace = s.Element(2)
		case "PT":
			p.ack.Claims[p.claim].ClaimID = s.Element(2)
		}
	case "STC":
		st, err := p.stc(s, map[string]string{"21": "2200B", "19": "2200C", "PT": "2200D"}[p.level], fail)
		if err != nil {
			return err
		}
		switch p.level {
		case "21":
			p.ack.Receivers[p.recv].Statuses = append(p.ack.Receivers[p.recv].Statuses, st)
		case "19":
			p.ack.Providers[p.prov].Statuses = append(p.ack.Providers[p.prov].Statuses, st)
		case "PT":
			c := &p.ack.Claims[p.claim]
			if len(c.Statuses) == 0 {
				c.TotalCharge = st.Amount
			}
			c.Statuses = append(c.Statuses, st)
		}
	case "QTY", "AMT":
		return p.totals(s, fail)
	case "REF":
		if p.level == "19" {
			return nil // the provider's secondary identifiers: not used here
		}
		c := &p.ack.Claims[p.claim]
		if s.Element(1) == "1K" {
			ccn := payerControl(s.Element(2))
			if m := payerControlMessage(ccn); m != "" {
				return fail("REF*1K: %s", m)
			}
			c.PayerControl = ccn
		} else {
			c.Refs = append(c.Refs, Ref{s.Element(1), s.Element(2)})
		}
	case "DTP":
		if p.level == "20" {
			return p.sourceDate(s, fail)
		}
		from, to, err := p.dtp(s, fail)
		if err != nil {
			return err
		}
		c := &p.ack.Claims[p.claim]
		c.ServiceFrom, c.ServiceTo = from, to
	}
	return nil
}

// sourceDate reads the 2200A dates: 050 received, 009 processed.
func (p *claimAckParser) sourceDate(s Segment, fail func(string, ...any) error) error {
	d, err := dateTime(s.Element(3), "")
	if s.Element(2) != "D8" || err != nil || len(s.Element(3)) != 8 {
		return fail("DTP03 is not a D8 date")
	}
	switch s.Element(1) {
	case "050":
		p.ack.Received = d
	case "009":
		p.ack.Processed = d
	default:
		return fail("DTP01 %q is not 050 (received) or 009 (processed)", s.Element(1))
	}
	return nil
}

func (p *claimAckParser) totals(s Segment, fail func(string, ...any) error) error {
	var accN, rejN *int
	var accA, rejA *decimal.Decimal
	if p.level == "21" {
		r := &p.ack.Receivers[p.recv]
		accN, rejN, accA, rejA = &r.AcceptedClaims, &r.RejectedClaims, &r.AcceptedAmount, &r.RejectedAmount
	} else {
		r := &p.ack.Providers[p.prov]
		accN, rejN, accA, rejA = &r.AcceptedClaims, &r.RejectedClaims, &r.AcceptedAmount, &r.RejectedAmount
	}
	v := decimalOf(s.Element(2))
	// The receiver counts claims as 90/AA, the provider as QA/QC.
	acc, rej := "QTY*90", "QTY*AA"
	if p.level == "19" {
		acc, rej = "QTY*QA", "QTY*QC"
	}
	switch s.ID + "*" + s.Element(1) {
	case acc:
		*accN = int(v.IntPart())
	case rej:
		*rejN = int(v.IntPart())
	case "AMT*YU":
		*accA = v
	case "AMT*YY":
		*rejA = v
	default:
		return fail("%s01 %q is not a total qualifier of this level (QTY %s/%s, AMT YU/YY)", s.ID, s.Element(1), acc[4:], rej[4:])
	}
	if s.ID == "QTY" && (!v.IsInteger() || v.IsNegative()) {
		return fail("QTY02 is not a count")
	}
	return nil
}

// stc277Required are the STC elements each loop's guide requires beside
// STC01 (the segment's spec holds the rest optional, as one spec serves
// every loop): taken without them, a claim's status read a charge of 0.00
// the payer never sent (a payer black-box pass).
var stc277Required = map[string][]int{"2200B": {2, 3, 4}, "2200C": {3, 4}, "2200D": {2, 3, 4}, "2220D": {2, 3}}

// stc reads an STC of loop (stc277Required's keys).
func (p *claimAckParser) stc(s Segment, loop string, fail func(string, ...any) error) (Status, error) {
	st := Status{Date: parseDate(s.Element(2)), Action: s.Element(3), Amount: decimalOf(s.Element(4)), Message: s.Element(12)}
	for _, n := range stc277Required[loop] {
		if s.Element(n) == "" {
			return st, fail("STC%02d is required in loop %s", n, loop)
		}
	}
	for i, n := range []int{1, 10, 11} {
		el := s.Element(n)
		if el == "" {
			continue
		}
		parts := components(el, p.comp)
		if len(parts) < 2 || len(parts) > 4 || len(parts[0]) < 1 || len(parts[0]) > 3 || parts[1] == "" || len(parts[1]) > 30 {
			return st, fail("STC%02d is not a status composite (category%ccode%centity)", n, p.comp, p.comp)
		}
		if i == 0 && !statusCategory(parts[0]) {
			return st, fail("STC01-1 %q is not a claim status category code", parts[0])
		}
		c := StatusCode{Category: parts[0], Code: parts[1], Raw: strings.Join(parts, ":")}
		if len(parts) > 2 {
			c.Entity = parts[2]
		}
		st.Codes = append(st.Codes, c)
	}
	if a := st.Action; a != "" && a != "WQ" && a != "U" {
		return st, fail("STC03 %q is not WQ or U", a)
	}
	return st, nil
}

// statusCategory reports whether c is a claim status category code
// (code source 507) a 277CA may carry: the acknowledgment (A), data
// reporting (DA), error (E), pending (P), finalized (F), request (R) and
// D0 families.
func statusCategory(c string) bool {
	switch c {
	case "A0", "A1", "A2", "A3", "A4", "A5", "A6", "A7", "A8",
		"DA0", "DA1", "DA2", "E0", "E1", "E2", "E3", "E4", "P0", "P1", "P2", "P3", "P4", "P5",
		"F0", "F1", "F2", "F3", "F3F", "F3N", "F4", "R0", "R1", "R3", "R4", "R5", "R6", "R7", "R8", "R9", "R10", "R11", "R12", "R13", "R14", "R15", "R16", "R17", "D0":
		return true
	}
	return false
}

func (p *claimAckParser) dtp(s Segment, fail func(string, ...any) error) (from, to time.Time, err error) {
	if s.Element(1) != "472" {
		return from, to, fail("DTP01 %q is not 472 (service date)", s.Element(1))
	}
	v := s.Element(3)
	switch s.Element(2) {
	case "D8":
		if len(v) != 8 {
			return from, to, fail("DTP03 is not a CCYYMMDD date")
		}
		d, err := dateTime(v, "")
		if err != nil {
			return from, to, fail("DTP03 is not a CCYYMMDD date")
		}
		return d, d, nil
	case "RD8":
		a, b, ok := strings.Cut(v, "-")
		f, err1 := dateTime(a, "")
		t, err2 := dateTime(b, "")
		if !ok || err1 != nil || err2 != nil || t.Before(f) {
			return from, to, fail("DTP03 is not a CCYYMMDD-CCYYMMDD range")
		}
		return f, t, nil
	}
	return from, to, fail("DTP02 %q is not D8 or RD8", s.Element(2))
}

func (p *claimAckParser) svc(s Segment, fail func(string, ...any) error) error {
	if !p.seen["STC"] {
		return fail("SVC before the claim's STC")
	}
	if p.inSVC && len(p.ack.Claims[p.claim].Lines[p.line].Statuses) == 0 {
		return fail("the previous 2220D service line has no STC")
	}
	parts := components(s.Element(1), p.comp)
	if len(parts) < 2 || len(parts) > 6 || !codesProcQ[parts[0]] || parts[1] == "" {
		return fail("SVC01 is not a procedure composite")
	}
	ln := LineStatus{Procedure: Procedure{Qualifier: parts[0], Code: parts[1], Modifiers: parts[2:]},
		Charge: decimalOf(s.Element(2)), Units: decimalOf(s.Element(7))}
	if len(ln.Procedure.Modifiers) == 0 {
		ln.Procedure.Modifiers = nil
	}
	c := &p.ack.Claims[p.claim]
	c.Lines = append(c.Lines, ln)
	p.line, p.inSVC, p.rank = len(c.Lines)-1, true, 0
	return nil
}

func (p *claimAckParser) lineSeg(s Segment, at int, fail func(string, ...any) error) error {
	k, ok := rank277Line[s.ID]
	if !ok {
		return fail("%s does not belong in loop 2220D service line", s.ID)
	}
	if k < p.rank {
		return fail("%s is out of order in loop 2220D", s.ID)
	}
	p.rank = k
	ln := &p.ack.Claims[p.claim].Lines[p.line]
	switch s.ID {
	case "STC":
		if len(ln.Statuses) == 1 {
			return fail("a 2220D line carries one STC")
		}
		st, err := p.stc(s, "2220D", fail)
		if err != nil {
			return err
		}
		ln.Statuses = append(ln.Statuses, st)
	case "REF":
		switch {
		case s.Element(1) == "FJ" && ln.ControlNumber == "":
			ln.ControlNumber = s.Element(2)
		case s.Element(1) == "XZ": // a pharmacy prescription number
		default:
			return fail("a 2220D line carries one REF*FJ (line item control number) and one REF*XZ")
		}
	case "DTP":
		from, to, err := p.dtp(s, fail)
		if err != nil {
			return err
		}
		ln.ServiceFrom, ln.ServiceTo = from, to
	}
	return nil
}
