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
	rawLen int // bytes of the last segment, terminator included, line breaks inside it not
	elems  []string
	fatal  error
	// offset counts the bytes consumed, for the position of data found
	// after an IEA; started is set once a byte order mark was looked for;
	// afterIEA is set while the last segment read was an IEA.
	offset   int64
	started  bool
	afterIEA bool
	// bom is set when the input began with a byte order mark, skipped:
	// Check reports it, since a file rss sends carries none.
	bom bool
}

// NewReader reads from r.
func NewReader(r io.Reader) *Reader {
	return &Reader{br: bufio.NewReaderSize(r, maxSegment)}
}

// Delimiters returns the delimiters of the current interchange.
func (r *Reader) Delimiters() Delimiters { return r.d }

// Index is the 1-based position of the last segment returned (or refused).
func (r *Reader) Index() int { return r.index }

// Next returns the next segment, io.EOF at the end, or a *ReadError
// (wrapping ErrInvalid) for bytes that are not a segment. After such an
// error reading can continue unless the delimiters could not be
// established, or data that is not padding followed an IEA.
//
// Layout is not data: line breaks and blanks between segments, line breaks anywhere when the
// segment terminator is not itself a line break (a file wrapped at a fixed
// width); a UTF-8 byte order mark before the first ISA; blanks, line
// breaks, Ctrl-Z and NULs after an IEA.
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
	// A UTF-8 byte order mark, which Windows editors and some
	// translators put first, is no part of the interchange.
	if !r.started {
		r.started = true
		if head, _ := r.br.Peek(len(byteOrderMark)); string(head) == byteOrderMark {
			r.br.Discard(len(byteOrderMark)) //nolint:errcheck // the bytes were just peeked
			r.offset += int64(len(byteOrderMark))
			r.bom = true
		}
	}
	// Line breaks and blanks between segments are layout, not data (a
	// translator's "~  " or "~\t" was refused as a segment with no
	// identifier: a finance black-box pass; no segment identifier starts
	// with one, and neither is a separator ISA16 or ISA11 may be); so is
	// the padding some payers' systems leave after an interchange's IEA:
	// a DOS end-of-file (Ctrl-Z) or NULs filling a record.
	for {
		b, err := r.br.ReadByte()
		if err != nil {
			if err != io.EOF {
				r.fatal = err // a failing source does not come back
			}
			return Segment{}, err // io.EOF at the end
		}
		if b != '\r' && b != '\n' && b != ' ' && b != '\t' && !(r.afterIEA && (b == 0x1A || b == 0)) {
			r.br.UnreadByte() //nolint:errcheck // cannot fail right after ReadByte
			break
		}
		r.offset++
	}
	if head, _ := r.br.Peek(3); string(head) == "ISA" {
		if err := r.detect(); err != nil {
			r.index++
			r.fatal = err
			return Segment{}, err
		}
	} else if !r.known {
		r.index++
		r.fatal = &ReadError{Segment: r.index, Reason: "input does not start with an ISA segment"}
		return Segment{}, r.fatal
	} else if r.afterIEA {
		// Only another interchange may follow an IEA. What else does is
		// named by the IEA it follows and the byte it starts at: read as
		// a segment, it was reported as a segment the file did not have.
		r.fatal = &ReadError{Segment: r.index, SegmentID: "IEA", Reason: fmt.Sprintf(
			"the input goes on after the IEA that ends the interchange, at byte %d; only blanks, line breaks, Ctrl-Z or NULs may follow it",
			r.offset+1)}
		return Segment{}, r.fatal
	}

	line, err := r.br.ReadSlice(r.d.Segment)
	r.index++
	r.offset += int64(len(line))
	switch {
	case errors.Is(err, bufio.ErrBufferFull):
		for errors.Is(err, bufio.ErrBufferFull) {
			line, err = r.br.ReadSlice(r.d.Segment)
			r.offset += int64(len(line))
		}
		if err != nil && err != io.EOF {
			r.fatal = err
			return Segment{}, err
		}
		return Segment{}, &ReadError{Segment: r.index, Reason: fmt.Sprintf("the segment is longer than %d bytes", maxSegment)}
	case err == io.EOF:
		return Segment{}, &ReadError{Segment: r.index, Reason: fmt.Sprintf("the segment is not terminated by %q before the end of input", r.d.Segment)}
	case err != nil:
		r.fatal = err
		return Segment{}, err
	}
	body := line[:len(line)-1]
	switch {
	case r.d.Segment == '\n' && len(body) > 0 && body[len(body)-1] == '\r':
		body = body[:len(body)-1] // CRLF files that use the newline as terminator
	case r.d.Segment != '\r' && r.d.Segment != '\n' && bytes.ContainsAny(body, "\r\n"):
		// A file wrapped at a fixed width (80-column records, as
		// mainframe translators write them) breaks lines anywhere, inside
		// elements too: when the terminator is not itself a line break,
		// a line break is layout wherever it falls.
		body = dropLineBreaks(body)
	}
	r.rawLen = len(body) + 1
	if len(body) == 0 {
		return Segment{}, &ReadError{Segment: r.index, Reason: "the segment is empty"}
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
		return Segment{}, &ReadError{Segment: r.index, Reason: "the segment has no valid segment identifier"}
	}
	r.afterIEA = id == "IEA"
	return Segment{ID: id, Elements: r.elems}, nil
}

const byteOrderMark = "\xEF\xBB\xBF"

// dropLineBreaks returns b without its CR and LF bytes, in a new slice:
// b is the reader's buffer.
func dropLineBreaks(b []byte) []byte {
	out := make([]byte, 0, len(b))
	for _, c := range b {
		if c != '\r' && c != '\n' {
			out = append(out, c)
		}
	}
	return out
}

// skipLineBreaks returns the index of the first byte of b at or after i
// that is not a CR or LF (len(b) when there is none).
func skipLineBreaks(b []byte, i int) int {
	for i < len(b) && (b[i] == '\r' || b[i] == '\n') {
		i++
	}
	return i
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
		return &ReadError{Segment: r.index + 1, SegmentID: "ISA", Reason: "ISA is truncated"}
	}
	// A wrapped file breaks lines inside the ISA too, so line breaks are
	// skipped where a delimiter is looked for; a line break right after
	// ISA16 is the terminator itself unless a terminator follows it (the
	// next segment's identifier starts with a letter or digit, a
	// terminator never does).
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
			j := skipLineBreaks(b, i+1)
			if j+1 >= len(b) {
				break
			}
			d.Component, d.Segment = b[j], b[j+1]
			if k := skipLineBreaks(b, j+1); k > j+1 && k < len(b) && !isAlnum(b[k]) {
				d.Segment = b[k]
			}
			if rep >= 0 {
				if k := skipLineBreaks(b, rep); k < len(b) && b[k] != d.Element {
					if next := skipLineBreaks(b, k+1); next < len(b) && b[next] == d.Element {
						d.Repetition = b[k]
					}
				}
			}
			if bad := d.Element == d.Component || d.Element == d.Segment || d.Component == d.Segment ||
				isAlnum(d.Element) || isAlnum(d.Component) || isAlnum(d.Segment) ||
				d.Element == ' ' || d.Element == '\r' || d.Element == '\n' || d.Component == '\r' || d.Component == '\n'; bad {
				return &ReadError{Segment: r.index + 1, SegmentID: "ISA", Reason: fmt.Sprintf("ISA declares unusable delimiters %q %q %q",
					d.Element, d.Component, d.Segment)}
			}
			r.d, r.known = d, true
			return nil
		}
	}
	return &ReadError{Segment: r.index + 1, SegmentID: "ISA", Reason: "ISA does not have 16 elements followed by a segment terminator"}
}
