package x12

import (
	"io"
	"time"
)

// SetTA1 is what an InterchangeAck's Envelope.SetID reads: a TA1 is no
// transaction set, but the readers' one shape (Next until io.EOF) holds it.
const SetTA1 = "TA1"

// InterchangeAck is a TA1: the payer's answer to an interchange as a
// whole, before any group in it is read. Rejected (TA104 R), none of the
// interchange's claims reached the payer, and no 999 or 277CA will come
// for them: read nowhere, the batch read unanswered (a payer black-box
// pass of the forty-third stop).
type InterchangeAck struct {
	// Envelope is the TA1's own interchange (ISA), SetID SetTA1,
	// STControl TA101 as sent and Position the TA1's segment.
	Envelope
	Control int64     // TA101: the control number (ISA13) of the interchange answered
	Date    time.Time // TA102 and TA103, UTC: when the interchange answered was made (the TA1's own is Envelope.Created)
	Code    string    // TA104: A accepted, E accepted with errors noted, R rejected
	Note    string    // TA105: the note code, 000 for none
}

// Accepted reports whether the interchange was taken in (TA104 A or E).
func (a InterchangeAck) Accepted() bool { return a.Code != "R" }

// InterchangeAckReader reads TA1 files (interchanges of TA1 segments, no
// functional group) one TA1 at a time.
type InterchangeAckReader struct {
	in *inbound
}

// NewInterchangeAckReader reads the TA1 segments of r.
func NewInterchangeAckReader(r io.Reader) *InterchangeAckReader {
	return &InterchangeAckReader{in: newInbound(r, "", SetTA1, "")}
}

var codesTA104 = set("A E R")

// Next returns the next TA1, io.EOF after a valid end of input, or a
// *ReadError (wrapping ErrInvalid) for the first fault; after an error
// every call returns it again.
func (r *InterchangeAckReader) Next() (InterchangeAck, error) {
	env, err := r.in.begin()
	if err != nil {
		return InterchangeAck{}, err
	}
	s, at := r.in.ta1, env.Position
	control, _ := ControlNumber(s.Element(1)) // nine digits: specTA1
	if control == 0 {
		return InterchangeAck{}, r.in.fail(at, s.ID, "TA101 000000000 names no interchange")
	}
	d, t := s.Element(2), s.Element(3)
	if !allDigits(d) || !allDigits(t) {
		return InterchangeAck{}, r.in.fail(at, s.ID, "TA102 and TA103 are a date and a time (YYMMDD, HHMM)")
	}
	when, err := dateTime("20"+d, t)
	if err != nil {
		return InterchangeAck{}, r.in.fail(at, s.ID, "TA102 and TA103 are not a date and a time (YYMMDD, HHMM)")
	}
	if !codesTA104[s.Element(4)] {
		return InterchangeAck{}, r.in.fail(at, s.ID, "TA104 %q is not A, E or R", s.Element(4))
	}
	if !allDigits(s.Element(5)) {
		return InterchangeAck{}, r.in.fail(at, s.ID, "TA105 is not a note code (three digits)")
	}
	return InterchangeAck{Envelope: env, Control: control, Date: when, Code: s.Element(4), Note: s.Element(5)}, nil
}

// TA1Note is what a TA105 note code says, "" for a code the standard
// does not list.
func TA1Note(code string) string {
	return ta1Notes[code]
}

// ta1Notes are X12's TA105 codes (the interchange control structure's).
var ta1Notes = map[string]string{
	"000": "no error",
	"001": "the interchange control number in the header and trailer do not match",
	"002": "this standard as noted in the control standards identifier is not supported",
	"003": "this version of the controls is not supported",
	"004": "the segment terminator is invalid",
	"005": "invalid interchange ID qualifier for sender",
	"006": "invalid interchange sender ID",
	"007": "invalid interchange ID qualifier for receiver",
	"008": "invalid interchange receiver ID",
	"009": "unknown interchange receiver ID",
	"010": "invalid authorization information qualifier value",
	"011": "invalid authorization information value",
	"012": "invalid security information qualifier value",
	"013": "invalid security information value",
	"014": "invalid interchange date value",
	"015": "invalid interchange time value",
	"016": "invalid interchange standards identifier value",
	"017": "invalid interchange version ID value",
	"018": "invalid interchange control number value",
	"019": "invalid acknowledgment requested value",
	"020": "invalid test indicator value",
	"021": "invalid number of included groups value",
	"022": "invalid control structure",
	"023": "improper (premature) end-of-file (transmission)",
	"024": "invalid interchange content (e.g. an invalid GS segment)",
	"025": "duplicate interchange control number",
	"026": "invalid data element separator",
	"027": "invalid component element separator",
	"028": "invalid delivery date in deferred delivery request",
	"029": "invalid delivery time in deferred delivery request",
	"030": "invalid delivery time code in deferred delivery request",
	"031": "invalid grade of service code",
}
