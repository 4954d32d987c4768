package x12

import (
	"errors"
	"fmt"
)

// ErrInvalid is wrapped by every error caused by the input rather than by
// I/O, so callers can tell "fix the data" from "retry the write".
var ErrInvalid = errors.New("x12: invalid input")

// ErrClosed is returned by a Writer used after Close.
var ErrClosed = errors.New("x12: writer closed")

// Identifiers fixed by the implementation guide this package implements.
const (
	version      = "005010X222A1"
	isaVersion   = "00501"
	maxClaimLine = 50   // 2400 loops per 2300 loop
	maxSetClaims = 5000 // 2300 loops per transaction set (guide recommendation enforced by payers)
)

// Options chooses the delimiters and framing of an interchange. The
// delimiters travel in the ISA, so any choice the receiver accepts works.
type Options struct {
	ElementSep    byte
	ComponentSep  byte
	RepetitionSep byte
	SegmentTerm   byte
	// LineEnding is written after each segment terminator: "", "\n" or "\r\n".
	// Readers ignore it; it only makes files readable by people.
	LineEnding string
	// Usage is ISA15: 'P' production or 'T' test.
	Usage byte
	// ClaimsPerSet is the most CLM loops the writer puts in one transaction
	// set before it starts the next; 0 is the guide's 5,000, the most a
	// set may hold.
	ClaimsPerSet int
}

// DefaultOptions returns the delimiters most payers document: * : ^ ~,
// one segment per line, production usage.
func DefaultOptions() Options {
	return Options{ElementSep: '*', ComponentSep: ':', RepetitionSep: '^', SegmentTerm: '~', LineEnding: "\n", Usage: 'P'}
}

func (o Options) validate() error {
	if o.ClaimsPerSet < 0 || o.ClaimsPerSet > maxSetClaims {
		return fmt.Errorf("%w: ClaimsPerSet %d is outside 0..%d", ErrInvalid, o.ClaimsPerSet, maxSetClaims)
	}
	seps := [4]struct {
		name string
		b    byte
	}{{"ElementSep", o.ElementSep}, {"ComponentSep", o.ComponentSep}, {"RepetitionSep", o.RepetitionSep}, {"SegmentTerm", o.SegmentTerm}}
	for i, s := range seps {
		// Letters, digits, space, '.' and '-' occur in content the writer
		// produces itself (padding, amounts, split claim numbers), and CR/LF
		// are skipped by readers between segments.
		switch b := s.b; {
		case b == 0, b == ' ', b == '\r', b == '\n', b == '.', b == '-', isAlnum(b):
			return fmt.Errorf("%w: Options.%s %q cannot be a delimiter", ErrInvalid, s.name, b)
		}
		for _, t := range seps[:i] {
			if t.b == s.b {
				return fmt.Errorf("%w: Options.%s and Options.%s are both %q", ErrInvalid, t.name, s.name, s.b)
			}
		}
	}
	switch o.LineEnding {
	case "", "\n", "\r\n":
	default:
		return fmt.Errorf("%w: Options.LineEnding must be \"\", \"\\n\" or \"\\r\\n\"", ErrInvalid)
	}
	if o.Usage != 'P' && o.Usage != 'T' {
		return fmt.Errorf("%w: Options.Usage (ISA15) must be 'P' or 'T', got %q", ErrInvalid, o.Usage)
	}
	return nil
}

func (o Options) delims() delims {
	return delims{el: o.ElementSep, comp: o.ComponentSep, rep: o.RepetitionSep, term: o.SegmentTerm}
}

func isAlnum(b byte) bool {
	return b >= '0' && b <= '9' || b >= 'A' && b <= 'Z' || b >= 'a' && b <= 'z'
}
