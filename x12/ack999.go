package x12

import (
	"io"
	"strconv"
	"strings"
)

// FunctionalAck is one 999 implementation acknowledgment (005010X231A1)
// transaction set: the payer's front end saying, for one functional group
// we sent (AK1), which transaction sets (AK2) it accepted and why it
// rejected the others (IK3/IK4/IK5), and the verdict on the group (AK9).
type FunctionalAck struct {
	Envelope
	GroupID      string // AK101: HC for an 837
	GroupControl int64  // AK102: our GS06
	GroupVersion string // AK103: 005010X222A1
	Sets         []SetAck
	// GroupStatus is AK901: A accepted, E accepted with errors, P partially
	// accepted (at least one set rejected), R rejected, M/W/X rejected for
	// the reasons the guide gives (MAC, assurance, content after decryption).
	GroupStatus  string
	SetsIncluded int      // AK902: sets in our group
	SetsReceived int      // AK903
	SetsAccepted int      // AK904
	GroupErrors  []string // AK905-AK909 functional group syntax error codes
	// AK9Position is the AK9's segment position in the file, so a
	// refusal of its counts names it as the readers name theirs.
	AK9Position int
}

// GroupAccepted reports whether AK901 accepted the group, possibly with
// errors or partly (A, E or P): then SetAck.Accepted says which sets.
func (a FunctionalAck) GroupAccepted() bool {
	return a.GroupStatus == "A" || a.GroupStatus == "E" || a.GroupStatus == "P"
}

// UnnamedSetStatus is the IK501 AK9 gives the sets of the group no AK2
// loop names: AK901 itself for a whole verdict (A and E accept every set,
// R, M, W and X reject every set), A for a partial one (P), whose AK2
// loops name every set it rejected (the reader refuses one that does not).
// Never P, which IK501 does not hold and SetAck.Accepted reads as a
// rejection.
func (a FunctionalAck) UnnamedSetStatus() string {
	if a.GroupStatus == "P" {
		return "A"
	}
	return a.GroupStatus
}

// SetAck is one AK2 loop: the answer about one of our transaction sets.
type SetAck struct {
	SetID   string // AK201: 837
	Control string // AK202: our ST02 as we sent it ("0001"); ControlNumber parses it
	Version string // AK203: 005010X222A1, when the payer echoes it
	// Status is IK501: A accepted, E accepted with errors, M/R/W/X rejected.
	Status string
	Errors []string // IK502-IK506 implementation transaction set syntax error codes
	Issues []SegmentIssue
}

// Accepted reports whether IK501 accepted the set (A or E).
func (s SetAck) Accepted() bool { return s.Status == "A" || s.Status == "E" }

// SegmentIssue is an IK3 loop: a segment of our set the payer found fault
// with, and the IK4 element errors under it.
type SegmentIssue struct {
	SegmentID string   // IK301
	Position  int      // IK302: position in our set, ST = 1
	Loop      string   // IK303: loop identifier, when given
	Code      string   // IK304: 1 unrecognized segment ... I9 implementation dependent segment missing
	Context   []string // CTX01 of each CTX, as written (name, component separator, reference)
	// CLM01 is the claim the error is in, from a CTX*CLM01 (the 999
	// guide's business unit identifier for an 837): "" when none names
	// one. A set carries many claims; the error is this one's alone.
	CLM01    string
	Elements []ElementIssue
}

// ElementIssue is an IK4: one element in error.
type ElementIssue struct {
	Position  int    // IK401-1: element position in the segment
	Component int    // IK401-2: component position, 0 when absent
	Repeat    int    // IK401-3: repetition, 0 when absent
	Reference string // IK402: data element reference number
	Code      string // IK403: 1 mandatory element missing ... I12 implementation pattern match failure
	// Bad is IK404, the copy of the bad data element. It may hold a
	// patient's data: never log it.
	Bad string
}

// FunctionalAckReader reads 999 files one transaction set at a time.
type FunctionalAckReader struct {
	in *inbound
}

// NewFunctionalAckReader reads 999 transaction sets from r.
func NewFunctionalAckReader(r io.Reader) *FunctionalAckReader {
	return &FunctionalAckReader{in: newInbound(r, "FA", "999", Version999)}
}

// Next returns the next acknowledgment, io.EOF after a valid end of input,
// or a *ReadError (wrapping ErrInvalid) for the first fault; after an
// error every call returns it again.
func (r *FunctionalAckReader) Next() (FunctionalAck, error) {
	env, err := r.in.begin()
	if err != nil {
		return FunctionalAck{}, err
	}
	p := ackParser{in: r.in, comp: r.in.rd.Delimiters().Component, ack: FunctionalAck{Envelope: env}}
	for {
		s, at, ok, err := r.in.body()
		if err != nil {
			return FunctionalAck{}, err
		}
		if !ok {
			if p.state != a999Done {
				return FunctionalAck{}, r.in.fail(at, "SE", "the 999 ends before its %s", p.expecting())
			}
			return p.ack, nil
		}
		if err := p.segment(s, at); err != nil {
			return FunctionalAck{}, err
		}
	}
}

var spec999 = map[string]segSpec{
	"AK1": spec("ID1-2 N1-9 AN1-12"), // AK103 required: the group is matched by its version
	"AK2": spec("ID3-3 AN4-9 an1-35"),
	// IK303 is AN 1-4 in the guide ("2010"), but front ends commonly send
	// the full loop name ("2010BA"): both are read.
	"IK3": spec("ID2-3 N1-10 an1-6 ID1-3"),
	"CTX": spec("C1-100 id2-3 n1-10 an1-4 c1-10 c1-10"),
	"IK4": spec("C1-10 n1-4 ID1-3 an1-99"),
	"IK5": spec("ID1-1 id1-3 id1-3 id1-3 id1-3 id1-3"),
	"AK9": spec("ID1-1 N1-6 N1-6 N1-6 id1-3 id1-3 id1-3 id1-3 id1-3"),
}

var (
	codesIK501 = set("A E M R W X")
	codesAK901 = set("A E M P R W X")
)

// States of the 999: AK1, then AK2 loops each closed by IK5, then AK9.
const (
	a999Start = iota // expecting AK1
	a999Group        // expecting AK2 or AK9
	a999Set          // inside AK2: IK3, CTX, IK4 or IK5
	a999Done         // after AK9
)

type ackParser struct {
	in    *inbound
	comp  byte
	ack   FunctionalAck
	state int
	set   *SetAck
	issue *SegmentIssue
}

func (p *ackParser) expecting() string {
	switch p.state {
	case a999Start:
		return "AK1"
	case a999Set:
		return "IK5 (the verdict on the transaction set)"
	case a999Done:
		return "SE (nothing follows AK9)"
	}
	return "AK9"
}

func (p *ackParser) segment(s Segment, at int) error {
	sp, known := spec999[s.ID]
	if !known {
		return p.in.fail(at, s.ID, "%s is not a segment of the 999", s.ID)
	}
	if err := p.in.checkSeg(s, at, sp); err != nil {
		return err
	}
	fail := func(format string, args ...any) error { return p.in.fail(at, s.ID, format, args...) }
	switch {
	case p.state == a999Start:
		if s.ID != "AK1" {
			return fail("the 999 starts with AK1, not %s", s.ID)
		}
		n, _ := strconv.ParseInt(s.Element(2), 10, 64)
		p.ack.GroupID, p.ack.GroupControl, p.ack.GroupVersion = s.Element(1), n, s.Element(3)
		p.state = a999Group
	case p.state == a999Group && s.ID == "AK2":
		p.ack.Sets = append(p.ack.Sets, SetAck{SetID: s.Element(1), Control: s.Element(2), Version: s.Element(3)})
		p.set, p.issue, p.state = &p.ack.Sets[len(p.ack.Sets)-1], nil, a999Set
	case p.state == a999Group && s.ID == "AK9":
		p.ack.AK9Position = at
		return p.ak9(s, fail)
	case p.state == a999Set && s.ID == "IK3":
		pos, _ := strconv.Atoi(s.Element(2))
		p.set.Issues = append(p.set.Issues, SegmentIssue{SegmentID: s.Element(1), Position: pos, Loop: s.Element(3), Code: s.Element(4)})
		p.issue = &p.set.Issues[len(p.set.Issues)-1]
	case p.state == a999Set && s.ID == "CTX":
		if p.issue == nil {
			return fail("CTX before any IK3 of the transaction set")
		}
		p.issue.Context = append(p.issue.Context, s.Element(1))
		if parts := components(s.Element(1), p.comp); len(parts) == 2 && strings.EqualFold(parts[0], "CLM01") && p.issue.CLM01 == "" {
			p.issue.CLM01 = parts[1]
		}
	case p.state == a999Set && s.ID == "IK4":
		if p.issue == nil {
			return fail("IK4 outside an IK3 loop")
		}
		e, err := p.ik4(s, fail)
		if err != nil {
			return err
		}
		p.issue.Elements = append(p.issue.Elements, e)
	case p.state == a999Set && s.ID == "IK5":
		if !codesIK501[s.Element(1)] {
			return fail("IK501 %q is not a transaction set acknowledgment code", s.Element(1))
		}
		p.set.Status = s.Element(1)
		p.set.Errors = appendNonEmpty(nil, s.Elements[1:]...)
		p.set, p.issue, p.state = nil, nil, a999Group
	default:
		return fail("%s is out of order: expecting %s", s.ID, p.expecting())
	}
	return nil
}

func (p *ackParser) ik4(s Segment, fail func(string, ...any) error) (ElementIssue, error) {
	parts := components(s.Element(1), p.comp)
	var nums [3]int
	if len(parts) > 3 {
		return ElementIssue{}, fail("IK401 has more than three components")
	}
	for i, v := range parts {
		if v == "" && i > 0 {
			continue
		}
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || len(v) > 4 {
			return ElementIssue{}, fail("IK401 component %d is not a position", i+1)
		}
		nums[i] = n
	}
	return ElementIssue{Position: nums[0], Component: nums[1], Repeat: nums[2],
		Reference: s.Element(2), Code: s.Element(3), Bad: s.Element(4)}, nil
}

func (p *ackParser) ak9(s Segment, fail func(string, ...any) error) error {
	if !codesAK901[s.Element(1)] {
		return fail("AK901 %q is not a functional group acknowledgment code", s.Element(1))
	}
	inc, _ := strconv.Atoi(s.Element(2))
	rec, _ := strconv.Atoi(s.Element(3))
	acc, _ := strconv.Atoi(s.Element(4))
	if acc > rec || rec > inc {
		return fail("AK9 counts do not add up: %d included, %d received, %d accepted", inc, rec, acc)
	}
	// The verdict agrees with the counts: a group accepted (A, E) accepts
	// every set received, a rejected one (R) none, a partial one (P) some
	// (a black-box pass's AK9*A after a rejected set was taken).
	switch st := s.Element(1); {
	case (st == "A" || st == "E") && acc != rec:
		return fail("AK901 %s accepts the group, but AK904 accepts %d of the %d sets received", st, acc, rec)
	case st == "R" && acc != 0:
		return fail("AK901 R rejects the group, but AK904 accepts %d sets", acc)
	case st == "P" && (acc == 0 || acc == rec):
		return fail("AK901 P accepts part of the group, but AK904 accepts %d of the %d sets received", acc, rec)
	}
	accepted := 0
	for _, st := range p.ack.Sets {
		if st.Accepted() {
			accepted++
		}
	}
	if accepted > acc {
		return fail("AK904 says %d sets accepted, the AK2 loops accept %d", acc, accepted)
	}
	rejected := len(p.ack.Sets) - accepted
	if rejected > rec-acc {
		return fail("AK9 says %d sets rejected, the AK2 loops reject %d", rec-acc, rejected)
	}
	// A partial verdict tells which sets it accepted only through AK2
	// loops naming every set it rejected (the rest were accepted): read
	// without them, every set was taken as rejected, one the payer held
	// among them (a review). A whole verdict (A, E, R...) answers the sets
	// no AK2 names alike (UnnamedSetStatus).
	if s.Element(1) == "P" && rejected < rec-acc {
		return fail("AK901 P accepts part of the group, but the AK2 loops name %d of the %d sets it rejected: which it accepted cannot be told",
			rejected, rec-acc)
	}
	p.ack.GroupStatus, p.ack.SetsIncluded, p.ack.SetsReceived, p.ack.SetsAccepted = s.Element(1), inc, rec, acc
	p.ack.GroupErrors = appendNonEmpty(nil, s.Elements[4:]...)
	p.state = a999Done
	return nil
}
