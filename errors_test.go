package rss

import (
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/stretchr/testify/assert"
)

// A problem quotes at most maxQuoted bytes of a caller's text, cut at a
// character boundary: a 900 KB value came back whole in a report's 422 (a
// black-box pass). Short text and other arguments are quoted as they are.
func TestValidationErrorQuotesLittleOfLongText(t *testing.T) {
	t.Parallel()
	v := &ValidationError{}
	long := strings.Repeat("é", 450_000)
	args := []any{long, 7}
	v.Add("program", "unknown_program", "no program %s (%d)", args...)
	v.Add(strings.Repeat("x", 5000), "unknown_parameter", "this report does not take %s", strings.Repeat("x", 5000))
	v.Add("to", "before_from", "to %s is before from", "2026-01-01")
	m := v.Fields[0].Message
	assert.Less(t, len(m), 200, "%d bytes", len(m))
	assert.True(t, utf8.ValidString(m))
	assert.True(t, strings.HasPrefix(m, "no program éé"), m)
	assert.True(t, strings.HasSuffix(m, "… (7)"), m)
	assert.Equal(t, long, args[0], "the caller's arguments are left as they were")
	assert.Less(t, len(v.Fields[1].Field), 200)
	assert.Less(t, len(v.Fields[1].Message), 200)
	assert.Equal(t, "to 2026-01-01 is before from", v.Fields[2].Message)
}

// A problem lists at most maxFieldErrors field errors and then says there
// were more: 200,000 bad entries drew a 32 MB problem (a consents
// black-box pass).
func TestValidationErrorListsAHundredAndSaysThereAreMore(t *testing.T) {
	t.Parallel()
	v := &ValidationError{}
	for i := range 200_000 {
		v.Add("records["+strings.Repeat("9", i%7)+"]", "unknown_kind", "no kind %d", i)
	}
	assert.Len(t, v.Fields, maxFieldErrors+1)
	assert.Equal(t, "no kind 99", v.Fields[maxFieldErrors-1].Message)
	last := v.Fields[maxFieldErrors]
	assert.Equal(t, CodeTooManyErrors, last.Code)
	assert.Equal(t, "more than 100 problems were found; the first 100 are listed", last.Message)
	few := &ValidationError{}
	few.Add("a", "required", "a is required")
	assert.Len(t, few.Fields, 1)
}
