package x12

import (
	"bufio"
	"fmt"
	"io"
	"math"
	"time"

	"github.com/shopspring/decimal"
)

// Header is everything about an interchange that is not a claim. Control
// numbers and the creation time come from the caller so that the same
// batch always renders to the same bytes.
type Header struct {
	SenderQual, SenderID     string // ISA05/ISA06, padded to 15 by the writer
	ReceiverQual, ReceiverID string // ISA07/ISA08
	AppSenderCode            string // GS02
	AppReceiverCode          string // GS03
	Created                  time.Time
	ISAControl               int64 // ISA13 = IEA02
	GSControl                int64 // GS06 = GE02
	// STControl gives ST02 = SE02 for the index-th (0-based) transaction
	// set. It is called before any byte of the claim that opens the set is
	// written, so an error leaves the output unchanged.
	STControl func(index int) (int64, error)
	BatchRef  string // BHT03
	Submitter Submitter
	Receiver  Receiver
	Payer     Payer
}

// Submitter is loop 1000A: who sent the file and whom to call about it.
type Submitter struct {
	Name        string
	ETIN        string // NM109 with qualifier 46, assigned by the receiver
	ContactName string
	Phone       string // ten digits, AAABBBCCCC
}

// Receiver is loop 1000B.
type Receiver struct{ Name, ID string }

// Payer is loop 2010BB, repeated under every subscriber.
type Payer struct{ Name, ID string }

// Address is a US postal address.
type Address struct{ Line1, Line2, City, State, Zip string }

// BillingProvider is loop 2000A/2010AA: the agency that is paid.
type BillingProvider struct {
	Name     string
	NPI      string
	TaxID    string // EIN, nine digits
	Address  Address
	Taxonomy string // optional PRV*BI*PXC
}

// Subscriber is the Medicaid member; in this program always the patient.
type Subscriber struct {
	Last, First string
	MedicaidID  string
	DOB         time.Time
	Gender      string   // M, F or U
	Address     *Address // optional; N3/N4 written when set
}

// Claim is one patient control number's worth of service lines. More than
// 50 lines are split into several CLM loops.
type Claim struct {
	ClaimID        string // CLM01
	PlaceOfService string // CLM05-1
	Frequency      string // CLM05-3: 1 original, 7 replacement, 8 void
	OriginalRef    string // REF*F8, the payer's claim number being replaced or voided
	// PriorAuth is the prior authorization (REF*G1) of lines that do not
	// name their own. Optional.
	PriorAuth      string
	Diagnoses      []string
	Subscriber     Subscriber
	RenderingNPI   string // optional 2310B
	RenderingLast  string
	RenderingFirst string
	Lines          []Line
}

// Line is one service line (2400).
type Line struct {
	ControlNumber string // REF*6R, echoed back in the 835 to match payments to lines
	Procedure     string // HCPCS, e.g. S5125
	Modifiers     []string
	Charge        decimal.Decimal
	Units         int64
	ServiceDate   time.Time
	// PriorAuth is the prior authorization this line draws on (REF*G1),
	// when it is not the claim's. A CLM loop whose lines all draw on one
	// authorization names it once, at claim level (2300); a loop whose
	// lines draw on several names each line's in its 2400 loop.
	PriorAuth string
}

// Stats counts what a Writer has written; Check reports the same figures
// for a file, so the two can be compared.
type Stats struct {
	TransactionSets int
	Claims          int // CLM loops, after splitting
	Lines           int
	TotalCharge     decimal.Decimal
}

// Writer streams one interchange (one ISA, one GS) of 837P transaction
// sets. It is not safe for concurrent use.
type Writer struct {
	enc  encoder
	h    Header
	pay  nm1Seg
	open bool // ISA and GS written
	done bool

	inST      bool
	sets      int   // transaction sets opened
	stCtl     int64 // ST02 of the open set
	usedCtl   map[int64]struct{}
	pending   []int64 // ST02 values fetched for the claim being written
	hl        int     // last HL01 in the open set
	provHL    int     // HL01 of the current provider in the open set; 0 = not yet opened there
	setClaims int

	prov    BillingProvider
	hasProv bool
	seen    map[string]struct{} // NPIs of providers already finished

	claims, lines int
	cents         int64
	lineCents     []int64

	maxLines, maxClaims int // the guide's limits; tests change them
	usage               byte
	err                 error // sticky: set once output may be incomplete
}

// NewWriter validates the header and options. Nothing is written until the
// first claim, so a batch that turns out empty leaves out untouched.
func NewWriter(out io.Writer, h Header, opt Options) (*Writer, error) {
	if out == nil {
		return nil, fmt.Errorf("%w: nil io.Writer", ErrInvalid)
	}
	if err := opt.validate(); err != nil {
		return nil, err
	}
	d := opt.delims()
	if h.STControl == nil {
		return nil, fmt.Errorf("%w: Header.STControl is nil", ErrInvalid)
	}
	w := &Writer{
		enc:       encoder{bw: bufio.NewWriterSize(out, 64<<10), d: d, eol: opt.LineEnding},
		h:         h,
		pay:       nm1Seg{entity: "PR", last: h.Payer.Name, idQual: "PI", id: h.Payer.ID},
		usedCtl:   map[int64]struct{}{},
		seen:      map[string]struct{}{},
		usage:     opt.Usage,
		maxLines:  maxClaimLine,
		maxClaims: maxSetClaims,
	}
	if opt.ClaimsPerSet > 0 {
		w.maxClaims = opt.ClaimsPerSet
	}
	checks := []struct {
		field string
		err   error
	}{
		{"Header", w.isa().validate(d)},
		{"Header", w.gs().validate(d)},
		{"Header.BatchRef", bhtSeg{ref: h.BatchRef, created: h.Created}.validate(d)},
		{"Header.Submitter", w.submitter().validate(d)},
		{"Header.Submitter", perSeg{name: h.Submitter.ContactName, phone: h.Submitter.Phone}.validate(d)},
		{"Header.Receiver", w.receiver().validate(d)},
		{"Header.Payer", w.pay.validate(d)},
	}
	for _, c := range checks {
		if c.err != nil {
			return nil, fmt.Errorf("%s: %w", c.field, c.err)
		}
	}
	return w, nil
}

func (w *Writer) isa() isaSeg {
	h := w.h
	return isaSeg{senderQual: h.SenderQual, senderID: h.SenderID, receiverQual: h.ReceiverQual,
		receiverID: h.ReceiverID, created: h.Created, control: h.ISAControl, usage: w.usage}
}

func (w *Writer) gs() gsSeg {
	return gsSeg{sender: w.h.AppSenderCode, receiver: w.h.AppReceiverCode, created: w.h.Created, control: w.h.GSControl}
}

func (w *Writer) submitter() nm1Seg {
	return nm1Seg{entity: "41", last: w.h.Submitter.Name, idQual: "46", id: w.h.Submitter.ETIN}
}

func (w *Writer) receiver() nm1Seg {
	return nm1Seg{entity: "40", last: w.h.Receiver.Name, idQual: "46", id: w.h.Receiver.ID}
}

// WriteClaim validates the provider and the claim completely, then writes
// the claim as one or more CLM loops. On a validation error nothing is
// written and the Writer stays usable; on an I/O error the Writer is done.
//
// Claims must arrive grouped by billing provider (by NPI): a provider that
// comes back after another one is refused, because its HL loop is closed.
func (w *Writer) WriteClaim(p BillingProvider, c Claim) error {
	if w.done {
		return ErrClosed
	}
	if w.err != nil {
		return w.err
	}
	newProv := !w.hasProv || p != w.prov
	if newProv {
		if err := w.checkProvider(p); err != nil {
			return err
		}
	}
	if err := w.checkClaim(c); err != nil {
		return err
	}
	parts := (len(c.Lines) + w.maxLines - 1) / w.maxLines
	if err := w.reserveSets(parts); err != nil {
		return err
	}
	if w.cents > math.MaxInt64-w.claimCents() {
		return fmt.Errorf("%w: running total charge overflows", ErrInvalid)
	}

	// From here on only I/O can fail.
	if !w.open {
		w.isa().render(&w.enc)
		w.gs().render(&w.enc)
		w.open = true
	}
	if newProv {
		if w.hasProv {
			w.seen[w.prov.NPI] = struct{}{}
		}
		w.prov, w.hasProv, w.provHL = p, true, 0
	}
	for part := range parts {
		if !w.inST || w.setClaims >= w.maxClaims {
			w.closeSet()
			w.openSet()
		}
		if w.provHL == 0 {
			w.writeProvider()
		}
		lo := part * w.maxLines
		hi := min(lo+w.maxLines, len(c.Lines))
		suffix := 0
		if parts > 1 {
			suffix = part + 1
		}
		w.writePart(c, suffix, lo, hi)
	}
	w.err = w.enc.err
	return w.err
}

// claimCents is the total of the lines validated by checkClaim.
func (w *Writer) claimCents() int64 {
	var t int64
	for _, c := range w.lineCents {
		t += c
	}
	return t
}

func (w *Writer) checkProvider(p BillingProvider) error {
	if w.hasProv && p.NPI == w.prov.NPI {
		return fmt.Errorf("%w: billing provider NPI %s changed its name, tax id, address or taxonomy between claims", ErrInvalid, p.NPI)
	}
	if _, ok := w.seen[p.NPI]; ok {
		return fmt.Errorf("%w: billing provider NPI %s appears again after another provider; group claims by provider", ErrInvalid, p.NPI)
	}
	d := w.enc.d
	segs := [...]struct {
		field string
		err   error
	}{
		{"BillingProvider.NPI", nm1Seg{entity: "85", last: p.Name, idQual: "XX", id: p.NPI}.validate(d)},
		{"BillingProvider.Address", n3Seg{line1: p.Address.Line1, line2: p.Address.Line2, street: true}.validate(d)},
		{"BillingProvider.Address", n4Seg{city: p.Address.City, state: p.Address.State, zip: p.Address.Zip, zip9: true}.validate(d)},
		{"BillingProvider.TaxID", refSeg{qual: "EI", value: p.TaxID}.validate(d)},
	}
	for _, s := range segs {
		if s.err != nil {
			return fmt.Errorf("%s: %w", s.field, s.err)
		}
	}
	if p.Taxonomy != "" {
		if err := (prvSeg{taxonomy: p.Taxonomy}).validate(d); err != nil {
			return fmt.Errorf("BillingProvider.Taxonomy: %w", err)
		}
	}
	return nil
}

// checkClaim validates every segment the claim will produce and leaves the
// line charges in w.lineCents. Its error paths allocate; its success path
// does not, which is what lets a million lines stream in flat memory.
func (w *Writer) checkClaim(c Claim) error {
	d := w.enc.d
	wrap := func(field string, err error) error {
		return fmt.Errorf("claim %q %s: %w", c.ClaimID, field, err)
	}
	if len(c.Lines) == 0 {
		return wrap("Lines", fmt.Errorf("%w: a claim needs at least one service line", ErrInvalid))
	}
	parts := (len(c.Lines) + w.maxLines - 1) / w.maxLines
	part := 0
	if parts > 1 {
		part = parts // the longest suffix
	}
	// The total is checked below, once the lines are known to be valid.
	if err := (clmSeg{id: c.ClaimID, part: part, cents: 1, pos: c.PlaceOfService, freq: c.Frequency}).validate(d); err != nil {
		return wrap("", err)
	}
	switch {
	case c.Frequency == "7" || c.Frequency == "8":
		if c.OriginalRef == "" {
			return wrap("OriginalRef", fmt.Errorf("%w: REF*F8 original claim number is required for frequency %s", ErrInvalid, c.Frequency))
		}
		if err := (refSeg{qual: "F8", value: c.OriginalRef}).validate(d); err != nil {
			return wrap("OriginalRef", err)
		}
	case c.OriginalRef != "":
		// An original claim has nothing to replace; sending F8 anyway makes
		// some payers treat it as an adjustment.
		return wrap("OriginalRef", fmt.Errorf("%w: REF*F8 is only sent with frequency 7 or 8", ErrInvalid))
	}
	if c.PriorAuth != "" {
		if err := (refSeg{qual: "G1", value: c.PriorAuth}).validate(d); err != nil {
			return wrap("PriorAuth", err)
		}
	}
	if err := (hiSeg{codes: c.Diagnoses}).validate(d); err != nil {
		return wrap("Diagnoses", err)
	}
	s := c.Subscriber
	if err := (nm1Seg{entity: "IL", person: true, last: s.Last, first: s.First, idQual: "MI", id: s.MedicaidID}).validate(d); err != nil {
		return wrap("Subscriber", err)
	}
	if err := (dmgSeg{dob: s.DOB, gender: s.Gender}).validate(d); err != nil {
		return wrap("Subscriber", err)
	}
	if a := s.Address; a != nil {
		if err := (n3Seg{line1: a.Line1, line2: a.Line2}).validate(d); err != nil {
			return wrap("Subscriber.Address", err)
		}
		if err := (n4Seg{city: a.City, state: a.State, zip: a.Zip}).validate(d); err != nil {
			return wrap("Subscriber.Address", err)
		}
	}
	switch {
	case c.RenderingNPI != "":
		if err := (nm1Seg{entity: "82", person: true, last: c.RenderingLast, first: c.RenderingFirst, idQual: "XX", id: c.RenderingNPI}).validate(d); err != nil {
			return wrap("Rendering", err)
		}
	case c.RenderingLast != "" || c.RenderingFirst != "":
		return wrap("RenderingNPI", fmt.Errorf("%w: a rendering provider name needs its NPI", ErrInvalid))
	}
	w.lineCents = w.lineCents[:0]
	for i, ln := range c.Lines {
		lineErr := func(err error) error {
			return fmt.Errorf("claim %q Lines[%d]: %w", c.ClaimID, i, err)
		}
		if err := (sv1Seg{procedure: ln.Procedure, modifiers: ln.Modifiers, charge: ln.Charge, units: ln.Units}).validate(d); err != nil {
			return lineErr(err)
		}
		if err := (dtpSeg{qual: "472", on: ln.ServiceDate}).validate(d); err != nil {
			return lineErr(err)
		}
		if err := (refSeg{qual: "6R", value: ln.ControlNumber}).validate(d); err != nil {
			return lineErr(err)
		}
		if ln.PriorAuth != "" {
			if err := (refSeg{qual: "G1", value: ln.PriorAuth}).validate(d); err != nil {
				return lineErr(err)
			}
		}
		if ln.ServiceDate.Before(s.DOB) {
			return lineErr(fmt.Errorf("%w: DTP*472 service date is before the subscriber's birth date", ErrInvalid))
		}
		cents, _ := chargeCents("SV102", ln.Charge)
		w.lineCents = append(w.lineCents, cents)
	}
	return nil
}

// reserveSets fetches, before anything is written, the ST02 of every
// transaction set this claim will open, so a failing STControl leaves the
// output as it was.
func (w *Writer) reserveSets(parts int) error {
	w.pending = w.pending[:0]
	inST, n := w.inST, w.setClaims
	for range parts {
		if !inST || n >= w.maxClaims {
			idx := w.sets + len(w.pending)
			ctl, err := w.h.STControl(idx)
			if err != nil {
				return fmt.Errorf("Header.STControl(%d): %w", idx, err)
			}
			if err := control("ST02", ctl); err != nil {
				return fmt.Errorf("Header.STControl(%d): %w", idx, err)
			}
			_, used := w.usedCtl[ctl]
			for _, p := range w.pending {
				used = used || p == ctl
			}
			if used {
				return fmt.Errorf("%w: Header.STControl(%d) returned %d, already used in this group", ErrInvalid, idx, ctl)
			}
			w.pending = append(w.pending, ctl)
			inST, n = true, 0
		}
		n++
	}
	return nil
}

func (w *Writer) openSet() {
	ctl := w.pending[0]
	w.pending = w.pending[1:]
	w.usedCtl[ctl] = struct{}{}
	w.inST, w.stCtl, w.sets = true, ctl, w.sets+1
	w.hl, w.provHL, w.setClaims = 0, 0, 0
	w.enc.n = 0
	stSeg{control: ctl}.render(&w.enc)
	bhtSeg{ref: w.h.BatchRef, created: w.h.Created}.render(&w.enc)
	w.submitter().render(&w.enc)
	perSeg{name: w.h.Submitter.ContactName, phone: w.h.Submitter.Phone}.render(&w.enc)
	w.receiver().render(&w.enc)
}

func (w *Writer) closeSet() {
	if !w.inST {
		return
	}
	seSeg{count: w.enc.n + 1, control: w.stCtl}.render(&w.enc)
	w.inST = false
}

func (w *Writer) writeProvider() {
	p := w.prov
	w.hl++
	w.provHL = w.hl
	e := &w.enc
	hlSeg{id: w.hl, level: "20", children: true}.render(e)
	if p.Taxonomy != "" {
		prvSeg{taxonomy: p.Taxonomy}.render(e)
	}
	nm1Seg{entity: "85", last: p.Name, idQual: "XX", id: p.NPI}.render(e)
	n3Seg{line1: p.Address.Line1, line2: p.Address.Line2}.render(e)
	n4Seg{city: p.Address.City, state: p.Address.State, zip: p.Address.Zip}.render(e)
	refSeg{qual: "EI", value: p.TaxID}.render(e)
}

// writePart writes one subscriber HL and one CLM loop for lines [lo, hi).
// Each part repeats the subscriber: one 2000B per claim keeps every CLM
// self-contained, which is what payers' splitters and our Check expect.
func (w *Writer) writePart(c Claim, suffix, lo, hi int) {
	e := &w.enc
	s := c.Subscriber
	w.hl++
	hlSeg{id: w.hl, parent: w.provHL, level: "22"}.render(e)
	sbrSeg{}.render(e)
	nm1Seg{entity: "IL", person: true, last: s.Last, first: s.First, idQual: "MI", id: s.MedicaidID}.render(e)
	if a := s.Address; a != nil {
		n3Seg{line1: a.Line1, line2: a.Line2}.render(e)
		n4Seg{city: a.City, state: a.State, zip: a.Zip}.render(e)
	}
	dmgSeg{dob: s.DOB, gender: s.Gender}.render(e)
	w.pay.render(e)

	var total int64
	for _, ct := range w.lineCents[lo:hi] {
		total += ct
	}
	clmSeg{id: c.ClaimID, part: suffix, cents: total, pos: c.PlaceOfService, freq: c.Frequency}.render(e)
	// One authorization for every line of this loop goes at claim level;
	// several go line by line, so no line names one that does not cover it.
	claimAuth, perLine := "", false
	for i, ln := range c.Lines[lo:hi] {
		a := lineAuth(c, ln)
		if i == 0 {
			claimAuth = a
		} else if a != claimAuth {
			claimAuth, perLine = "", true
			break
		}
	}
	// 2300 REF order follows the guide: G1 (prior authorization) before F8.
	if claimAuth != "" {
		refSeg{qual: "G1", value: claimAuth}.render(e)
	}
	if c.Frequency == "7" || c.Frequency == "8" {
		refSeg{qual: "F8", value: c.OriginalRef}.render(e)
	}
	hiSeg{codes: c.Diagnoses}.render(e)
	// 2310B goes only where the rendering provider is not the billing
	// provider (the guide's situational rule): a staff member keyed with
	// the agency's own NPI was sent as rendering under it.
	if c.RenderingNPI != "" && c.RenderingNPI != w.prov.NPI {
		nm1Seg{entity: "82", person: true, last: c.RenderingLast, first: c.RenderingFirst, idQual: "XX", id: c.RenderingNPI}.render(e)
	}
	for i, ln := range c.Lines[lo:hi] {
		lxSeg{n: i + 1}.render(e)
		sv1Seg{procedure: ln.Procedure, modifiers: ln.Modifiers, charge: ln.Charge, units: ln.Units}.render(e)
		dtpSeg{qual: "472", on: ln.ServiceDate}.render(e)
		// 2400 REF order follows the guide: G1 before 6R.
		if a := lineAuth(c, ln); perLine && a != "" {
			refSeg{qual: "G1", value: a}.render(e)
		}
		refSeg{qual: "6R", value: ln.ControlNumber}.render(e)
	}
	w.setClaims++
	w.claims++
	w.lines += hi - lo
	w.cents += total
}

// lineAuth is the authorization a line draws on: its own, else the claim's.
func lineAuth(c Claim, ln Line) string {
	if ln.PriorAuth != "" {
		return ln.PriorAuth
	}
	return c.PriorAuth
}

// Close writes the trailers with their counts and flushes. An interchange
// needs at least one claim; with none, Close writes nothing and says so.
func (w *Writer) Close() error {
	if w.done {
		return ErrClosed
	}
	w.done = true
	if w.err != nil {
		return w.err
	}
	if !w.open {
		return fmt.Errorf("%w: no claims were written; an 837 needs at least one", ErrInvalid)
	}
	w.closeSet()
	geSeg{count: w.sets, control: w.h.GSControl}.render(&w.enc)
	ieaSeg{count: 1, control: w.h.ISAControl}.render(&w.enc)
	if w.enc.err != nil {
		return w.enc.err
	}
	return w.enc.bw.Flush()
}

// Stats reports what has been written so far.
func (w *Writer) Stats() Stats {
	return Stats{TransactionSets: w.sets, Claims: w.claims, Lines: w.lines, TotalCharge: decimal.New(w.cents, -2)}
}
