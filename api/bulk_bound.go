package api

import (
	"bytes"
	"fmt"
	"net/http"

	"rss"
	"rss/billing"
)

// bulkShape is what a bulk body holds, counted without decoding it: the
// elements of the top-level object's claims array and of the arrays within
// them other than diagnoses (the lines).
type bulkShape struct{ claims, lines int }

// Container kinds on countBulk's stack.
const (
	shapeObject = 1 << iota
	shapeArray
	shapeClaims // the claims array of the top-level object
	shapeLines  // an array a claim holds, but its diagnoses
)

// countBulk counts a bulk body's claims and lines in one pass over its
// bytes. The bounds were checked after decoding, and decoding is what
// cost: a 31 MB body of 880,000 empty claims took 4.6 s and 535 MB to be
// refused as too many, and six at once held 3 GB (an on-call black-box
// pass). It reads any bytes without failing; a body not shaped as a bulk
// counts what it holds, and the decoder answers its shape. A claim's
// member is a line array unless its key is diagnoses (encoding/json
// matches keys with case folded, so a key with an escape or another case
// of "lines" counts as lines too).
func countBulk(b []byte) bulkShape {
	var n bulkShape
	stack := make([]uint8, 0, 8)
	expectValue := false // in an array, after '[' or ','
	var key []byte       // the last key read in an object
	for i := 0; i < len(b); i++ {
		ch := b[i]
		switch ch {
		case ' ', '\t', '\n', '\r', ':':
			continue
		case '"':
			start := i + 1
			for i++; i < len(b) && b[i] != '"'; i++ {
				if b[i] == '\\' {
					i++
				}
			}
			if len(stack) > 0 && stack[len(stack)-1]&shapeObject != 0 && isKey(b, i+1) {
				key = b[start:i]
			}
		case ',':
			expectValue = len(stack) > 0 && stack[len(stack)-1]&shapeArray != 0
			continue
		case '{', '[':
			kind := uint8(shapeObject)
			if ch == '[' {
				kind = shapeArray
				switch {
				case len(stack) == 1 && stack[0]&shapeObject != 0 && mayBe(key, "claims"):
					kind |= shapeClaims
				case len(stack) == 3 && stack[1]&shapeClaims != 0 && stack[2]&shapeObject != 0 &&
					!bytes.EqualFold(key, []byte("diagnoses")):
					kind |= shapeLines
				}
			}
			n.count(stack, expectValue)
			stack = append(stack, kind)
			expectValue = ch == '['
			continue
		case '}', ']':
			if len(stack) > 0 {
				stack = stack[:len(stack)-1]
			}
			expectValue = false
			continue
		}
		n.count(stack, expectValue)
		expectValue = false
	}
	return n
}

// count counts a value starting in the container on top of stack.
func (n *bulkShape) count(stack []uint8, expectValue bool) {
	if !expectValue || len(stack) == 0 {
		return
	}
	switch top := stack[len(stack)-1]; {
	case top&shapeClaims != 0:
		n.claims++
	case top&shapeLines != 0:
		n.lines++
	}
}

// mayBe says a key as written (escapes unread) may be name as
// encoding/json matches keys: equal with case folded, or holding an escape
// or a byte past ASCII, which its folding may read as name (ſ as s). An
// array under another key is no claims: it counted as them, and an
// unknown field read as too many claims (a black-box re-check).
func mayBe(key []byte, name string) bool {
	if bytes.EqualFold(key, []byte(name)) {
		return true
	}
	for _, c := range key {
		if c == '\\' || c >= 0x80 {
			return true
		}
	}
	return false
}

// isKey says the string that ended before b[from] is an object's key:
// a ':' follows it.
func isKey(b []byte, from int) bool {
	for j := from; j < len(b); j++ {
		switch b[j] {
		case ' ', '\t', '\n', '\r':
			continue
		case ':':
			return true
		}
		return false
	}
	return false
}

// bulkBound refuses a bulk body holding more claims or lines than a bulk
// may before it is decoded, with the answers the bounds give after.
func bulkBound(b []byte) *Problem {
	n := countBulk(b)
	var field, code, msg string
	switch {
	case n.claims > billing.MaxClaimsPerBulk:
		field, code, msg = "claims", "too_many", fmt.Sprintf("at most %d claims per request (this one has %d); send the claims in more requests",
			billing.MaxClaimsPerBulk, n.claims)
	case n.lines > billing.MaxLinesPerBulk:
		field, code, msg = "claims", "too_many_lines", fmt.Sprintf("at most %d lines per request (this one has %d); send the claims in more requests",
			billing.MaxLinesPerBulk, n.lines)
	default:
		return nil
	}
	return &Problem{Status: http.StatusUnprocessableEntity, Code: "validation_failed", Title: "The request is not valid", Detail: "one or more fields are invalid",
		Errors: []rss.FieldError{{Field: field, Code: code, Message: msg}}}
}
