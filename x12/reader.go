package x12

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
)

// Segment is one parsed segment. Elements[0] is the first element after
// the identifier (ISA01, CLM01, ...); composites are left joined by the
// component separator, which Reader.Delimiters reports.
type Segment struct {
	ID       string
	Elements []string
}

// Element returns the n-th element, 1-based as in the guide (CLM02 is
// Element(2)), or "" when the segment is shorter.
func (s Segment) Element(n int) string {
	if n < 1 || n > len(s.Elements) {
		return ""
	}
	return s.Elements[n-1]
}

// Delimiters are the separators an interchange declared in its ISA.
type Delimiters struct {
	Element, Component, Repetition, Segment byte
}

// maxSegment bounds one segment so that a file without terminators cannot
// make the reader buffer all of it.
const maxSegment = 64 << 10

// Reader splits an X12 stream into segments. It learns the delimiters from
// each ISA it meets, so files with several interchanges read correctly.
type Reader struct {
	br     *bufio.Reader
	d      Delimiters
	known  bool
	index  int
	rawLen int // bytes of the last segment, terminator included
	elems  []string
	fatal  error
}

// NewReader reads from r.
func NewReader(r io.Reader) *Reader {
	return &Reader{br: bufio.NewReaderSize(r, maxSegment)}
}

// Delimiters returns the delimiters of the current interchange.
func (r *Reader) Delimiters() Delimiters { return r.d }

// Index is the 1-based position of the last segment returned (or refused).
func (r *Reader) Index() int { return r.index }

// Next returns the next segment, io.EOF at the end, or an error wrapping
// ErrInvalid for bytes that are not a segment. After such an error
// reading can continue unless the delimiters could not be established.
func (r *Reader) Next() (Segment, error) {
	s, err := r.next()
	if err != nil {
		return Segment{}, err
	}
	s.Elements = append([]string(nil), s.Elements...)
	return s, nil
}

// next is Next with Elements sharing the reader's slice, valid until the
// following call; Check uses it to stay allocation-light.
func (r *Reader) next() (Segment, error) {
	if r.fatal != nil {
		return Segment{}, r.fatal
	}
	// Line breaks between segments are layout, not data.
	for {
		b, err := r.br.ReadByte()
		if err != nil {
			if err != io.EOF {
				r.fatal = err // a failing source does not come back
			}
			return Segment{}, err // io.EOF at the end
		}
		if b != '\r' && b != '\n' {
			r.br.UnreadByte() //nolint:errcheck // cannot fail right after ReadByte
			break
		}
	}
	if head, _ := r.br.Peek(3); string(head) == "ISA" {
		if err := r.detect(); err != nil {
			r.index++
			r.fatal = err
			return Segment{}, err
		}
	} else if !r.known {
		r.index++
		r.fatal = fmt.Errorf("%w: segment %d: input does not start with an ISA segment", ErrInvalid, r.index)
		return Segment{}, r.fatal
	}

	line, err := r.br.ReadSlice(r.d.Segment)
	r.index++
	switch {
	case errors.Is(err, bufio.ErrBufferFull):
		for errors.Is(err, bufio.ErrBufferFull) {
			_, err = r.br.ReadSlice(r.d.Segment)
		}
		if err != nil && err != io.EOF {
			r.fatal = err
			return Segment{}, err
		}
		return Segment{}, fmt.Errorf("%w: segment %d is longer than %d bytes", ErrInvalid, r.index, maxSegment)
	case err == io.EOF:
		return Segment{}, fmt.Errorf("%w: segment %d is not terminated by %q before the end of input", ErrInvalid, r.index, r.d.Segment)
	case err != nil:
		r.fatal = err
		return Segment{}, err
	}
	r.rawLen = len(line)
	body := line[:len(line)-1]
	if r.d.Segment == '\n' && len(body) > 0 && body[len(body)-1] == '\r' {
		body = body[:len(body)-1] // CRLF files that use the newline as terminator
	}
	if len(body) == 0 {
		return Segment{}, fmt.Errorf("%w: segment %d is empty", ErrInvalid, r.index)
	}
	str := string(body)
	r.elems = r.elems[:0]
	id, rest, more := cut(str, r.d.Element)
	for more {
		var el string
		el, rest, more = cut(rest, r.d.Element)
		r.elems = append(r.elems, el)
	}
	if !validID(id) {
		return Segment{}, fmt.Errorf("%w: segment %d has no valid segment identifier", ErrInvalid, r.index)
	}
	return Segment{ID: id, Elements: r.elems}, nil
}

func cut(s string, sep byte) (before, after string, found bool) {
	for i := 0; i < len(s); i++ {
		if s[i] == sep {
			return s[:i], s[i+1:], true
		}
	}
	return s, "", false
}

func validID(id string) bool {
	if len(id) < 2 || len(id) > 3 {
		return false
	}
	for i := 0; i < len(id); i++ {
		if !(id[i] >= 'A' && id[i] <= 'Z' || id[i] >= '0' && id[i] <= '9') {
			return false
		}
	}
	return true
}

// detect reads the delimiters from an ISA that starts the buffered input.
// It counts separators instead of trusting offsets 103-105, so that an ISA
// with a wrongly padded field still parses and can be reported as such.
func (r *Reader) detect() error {
	b, err := r.br.Peek(512)
	if err != nil && err != io.EOF {
		return err // a failing source, not a malformed file
	}
	if len(b) < 4 {
		return fmt.Errorf("%w: segment %d: ISA is truncated", ErrInvalid, r.index+1)
	}
	d := Delimiters{Element: b[3]}
	n, rep := 0, -1
	for i := 3; i < len(b); i++ {
		if b[i] != d.Element {
			continue
		}
		n++
		if n == 11 {
			rep = i + 1
		}
		if n == 16 {
			if i+2 >= len(b) {
				break
			}
			d.Component, d.Segment = b[i+1], b[i+2]
			if rep >= 0 && bytes.IndexByte(b[rep:], d.Element) == 1 {
				d.Repetition = b[rep]
			}
			if bad := d.Element == d.Component || d.Element == d.Segment || d.Component == d.Segment ||
				isAlnum(d.Element) || isAlnum(d.Component) || isAlnum(d.Segment) ||
				d.Element == ' ' || d.Element == '\r' || d.Element == '\n' || d.Component == '\r' || d.Component == '\n'; bad {
				return fmt.Errorf("%w: segment %d: ISA declares unusable delimiters %q %q %q", ErrInvalid, r.index+1, d.Element, d.Component, d.Segment)
			}
			r.d, r.known = d, true
			return nil
		}
	}
	return fmt.Errorf("%w: segment %d: ISA does not have 16 elements followed by a segment terminator", ErrInvalid, r.index+1)
}
