package x12

import (
	"bufio"
	"strconv"
	"time"
)

// encoder writes segments straight into a bufio.Writer: no segment is ever
// materialised as a string, which is what keeps the writer allocation-free
// per claim. It counts segments for SE01.
type encoder struct {
	bw  *bufio.Writer
	d   delims
	eol string
	n   int // segments since the last reset
	err error
	num [24]byte
}

func (e *encoder) keep(err error) {
	if err != nil && e.err == nil {
		e.err = err
	}
}

func (e *encoder) raw(s string) {
	_, err := e.bw.WriteString(s)
	e.keep(err)
}

func (e *encoder) rawByte(b byte) { e.keep(e.bw.WriteByte(b)) }

func (e *encoder) bytes(b []byte) {
	_, err := e.bw.Write(b)
	e.keep(err)
}

// begin starts a segment with its identifier.
func (e *encoder) begin(id string) { e.raw(id) }

// str writes an element separator and the value.
func (e *encoder) str(v string) {
	e.rawByte(e.d.el)
	e.raw(v)
}

// skip writes n empty elements; callers only use it before a non-empty
// element because X12 forbids trailing empty elements.
func (e *encoder) skip(n int) {
	for range n {
		e.rawByte(e.d.el)
	}
}

// comp appends a component to the element being written.
func (e *encoder) comp(v string) {
	e.rawByte(e.d.comp)
	e.raw(v)
}

func (e *encoder) int(v int64) {
	e.rawByte(e.d.el)
	e.bytes(strconv.AppendInt(e.num[:0], v, 10))
}

// zpad writes v zero padded to at least width digits.
func (e *encoder) zpad(v int64, width int) {
	e.rawByte(e.d.el)
	b := strconv.AppendInt(e.num[:0], v, 10)
	for i := len(b); i < width; i++ {
		e.rawByte('0')
	}
	e.bytes(b)
}

// spad writes v padded with spaces to exactly width (ISA fixed fields).
func (e *encoder) spad(v string, width int) {
	e.str(v)
	for i := len(v); i < width; i++ {
		e.rawByte(' ')
	}
}

// money writes cents as dollars with exactly two decimals.
func (e *encoder) money(cents int64) {
	e.rawByte(e.d.el)
	b := strconv.AppendInt(e.num[:0], cents/100, 10)
	c := cents % 100
	b = append(b, '.', byte('0'+c/10), byte('0'+c%10))
	e.bytes(b)
}

// putDigits fills b with the last len(b) decimal digits of v.
func putDigits(b []byte, v int) {
	for p := len(b) - 1; p >= 0; p-- {
		b[p] = byte('0' + v%10)
		v /= 10
	}
}

// ccyymmdd writes the date in the time's own location: the caller chose
// it, and converting here would make output depend on the host.
func (e *encoder) ccyymmdd(t time.Time) {
	e.rawByte(e.d.el)
	y, m, d := t.Date()
	b := e.num[:8]
	putDigits(b[0:4], y)
	putDigits(b[4:6], int(m))
	putDigits(b[6:8], d)
	e.bytes(b)
}

func (e *encoder) yymmdd(t time.Time) {
	e.rawByte(e.d.el)
	y, m, d := t.Date()
	b := e.num[:6]
	putDigits(b[0:2], y%100)
	putDigits(b[2:4], int(m))
	putDigits(b[4:6], d)
	e.bytes(b)
}

func (e *encoder) hhmm(t time.Time) {
	e.rawByte(e.d.el)
	h, m, _ := t.Clock()
	b := e.num[:4]
	putDigits(b[0:2], h)
	putDigits(b[2:4], m)
	e.bytes(b)
}

// end terminates the segment.
func (e *encoder) end() {
	e.rawByte(e.d.term)
	if e.eol != "" {
		e.raw(e.eol)
	}
	e.n++
}
