package x12

import (
	"io"
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
}

// GroupAccepted reports whether AK901 accepted the group, possibly with
// errors or partly (A, E or P): then SetAck.Accepted says which sets.
func (a FunctionalAck) GroupAccepted() bool {
	return a.GroupStatus == "A" || a.GroupStatus == "E" || a.GroupStatus == "P"
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
	SegmentID string // IK301
	Position  int    // IK302: position in our set, ST = 1
	Loop      string // IK303: loop identifier, when given
	Code      string // IK304: 1 unrecognized segment ... I9 implementation dependent segment missing
	Context   []string
	Elements  []ElementIssue
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
	return FunctionalAck{}, r.in.notYet()
}
