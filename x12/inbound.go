package x12

import (
	"fmt"
	"io"
	"strconv"
	"time"

	"github.com/shopspring/decimal"
)

// The payer's answers (999, 277CA, 835) are read by three readers that
// share one shape: NewXReader(io.Reader), then Next until io.EOF, each
// call returning one whole transaction set.
//
// Why a pull iterator over whole transaction sets rather than a callback
// per claim: the guides balance and count per set (SE01, and for the 835
// BPR02 = Σ CLP04 − Σ PLB, whose PLB comes after the last claim), so a set
// is the smallest unit that can be checked before anyone acts on it. A
// caller never sees a claim of a set that later proves unbalanced, and
// pulling lets it keep its own transaction and control flow (no callback
// returning errors through the reader). Memory is one set, not one file:
// payers send one 835 set per payment (check or EFT) and one 277CA set per
// batch, and a 837P set we send holds at most 5,000 claims.
//
// The interchange trailers (GE, IEA) come after the sets they count: a file
// is whole only when Next has returned io.EOF. A caller that posts from
// it keeps its writes in one transaction until then.

// Versions of the guides the readers accept (GS08 and ST03).
const (
	Version999   = "005010X231A1"
	Version277CA = "005010X214"
	Version835   = "005010X221A1"
)

// Envelope is where a transaction set came from: its interchange (ISA),
// functional group (GS) and set header (ST). Identifiers are trimmed of
// the ISA's padding.
type Envelope struct {
	SenderQual, SenderID     string    // ISA05, ISA06
	ReceiverQual, ReceiverID string    // ISA07, ISA08
	ISAControl               int64     // ISA13 = IEA02
	Usage                    string    // ISA15: P production, T test
	FunctionalID             string    // GS01: FA (999), HN (277CA), HP (835)
	AppSender, AppReceiver   string    // GS02, GS03
	Created                  time.Time // GS04 and GS05, UTC
	GSControl                int64     // GS06 = GE02
	Version                  string    // GS08 = ST03
	SetID                    string    // ST01: 999, 277 or 835
	STControl                string    // ST02 = SE02, as sent
	Position                 int       // 1-based segment index of the ST in the file
}

// ReadError is why a reader refused a file: the 1-based position of the
// segment in the input and its identifier (empty when the bytes were not a
// segment, or at the end of input). It wraps ErrInvalid. Reason never
// quotes values of name or identifier elements, which may be patients'.
type ReadError struct {
	Segment   int
	SegmentID string
	Reason    string
}

func (e *ReadError) Error() string {
	if e.SegmentID == "" {
		return fmt.Sprintf("x12: invalid input: segment %d: %s", e.Segment, e.Reason)
	}
	return fmt.Sprintf("x12: invalid input: segment %d (%s): %s", e.Segment, e.SegmentID, e.Reason)
}

func (e *ReadError) Unwrap() error { return ErrInvalid }

// Party is an entity named in an NM1 or N1: the payer, a receiver, a
// provider (IDQual XX: ID is the NPI), a patient (Last/First; IDQual MI:
// the member ID).
type Party struct {
	Entity string // NM101/N101: PR payer, PE payee, 41 receiver, 85/1P provider, QC patient
	Name   string // organization name or the person's last name
	First  string // person's first name, "" for organizations
	IDQual string // NM108/N103
	ID     string // NM109/N104
}

// NPI returns the party's NPI when it is identified by one (qualifier XX).
func (p Party) NPI() string {
	if p.IDQual == "XX" {
		return p.ID
	}
	return ""
}

// Procedure is a procedure composite (SVC01, SVC06): HC:S5125:HF:U1.
type Procedure struct {
	Qualifier string // HC (HCPCS/CPT), AD, ER, HP, IV, N4, NU, WK
	Code      string
	Modifiers []string // up to four
}

// Ref is a REF segment: qualifier and value.
type Ref struct{ Qual, Value string }

// Amount is an AMT segment: qualifier and amount.
type Amount struct {
	Qual   string
	Amount decimal.Decimal
}

// ControlNumber parses a control number sent as text (ST02, AK202) into
// the integer rss stores; ok is false when it is not 1-9 digits.
func ControlNumber(s string) (n int64, ok bool) {
	if len(s) == 0 || len(s) > 9 || !allDigits(s) {
		return 0, false
	}
	n, err := strconv.ParseInt(s, 10, 64)
	return n, err == nil
}

// inbound walks the envelopes of a file of one kind of answer.
type inbound struct {
	rd                       *Reader
	functional, set, version string
}

func newInbound(r io.Reader, functional, set, version string) *inbound {
	return &inbound{rd: NewReader(r), functional: functional, set: set, version: version}
}

// notYet is the first commit's placeholder: the types are settled, the
// reading follows.
func (in *inbound) notYet() error {
	return &ReadError{Segment: 0, Reason: "reader not implemented yet"}
}
