package api

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
)

// equalFold is foldKey's equality, key by key.
func TestEqualFoldIsFoldKey(t *testing.T) {
	t.Parallel()
	keys := []string{"", "a", "A", "claim_number", "CLAIM_NUMBER", "Claim_Number", "claim_numbe", "ſ", "S", "s", "K", "k", "\u212a",
		"é", "É", "a\xff", "a\ufffd", "ß", "SS", "lines", "línes"}
	for _, a := range keys {
		for _, b := range keys {
			assert.Equal(t, foldKey(a) == foldKey(b), equalFold(a, b), "%q %q", a, b)
		}
	}
}

// The scanner names where a problem is, and finds a key given twice in a
// small object and in a large one.
func TestScanTextPaths(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct{ body, field, code string }{
		{`{"claims":[{"lines":[{"a":1},{"service_code":"x\u0000"}]}]}`, "claims[0].lines[1].service_code", "invalid_character"},
		{`{"claims":[{"lines":[{"a":1,"A":2}]}]}`, "claims[0].lines[0].A", "duplicate_field"},
		{`{"x\u0000":1}`, "body", "invalid_character"},
		{`{"o":{"k\ud800":1}}`, "o", "invalid_encoding"},
		{`{"":1,"":2}`, "", "duplicate_field"},
		{`{"o":{"":{"q":"\ud800"}}}`, "o..q", "invalid_encoding"},
		{`[["ok","bad\u0000"]]`, "[0][1]", "invalid_character"},
		{`{"a":"pl\u00e9in","b":"x"}`, "", ""},
	} {
		p := scanText([]byte(tc.body))
		if tc.code == "" {
			assert.Nil(t, p, tc.body)
			continue
		}
		if assert.NotNil(t, p, tc.body) {
			assert.Equal(t, tc.field, p.field.Field, tc.body)
			assert.Equal(t, tc.code, p.field.Code, tc.body)
		}
	}
	var big strings.Builder
	big.WriteString(`{`)
	for i := range 40 {
		big.WriteString(`"k` + strings.Repeat("x", i) + `":1,`)
	}
	big.WriteString(`"KXXX":2}`)
	p := scanText([]byte(big.String()))
	if assert.NotNil(t, p) {
		assert.Equal(t, "KXXX", p.field.Field)
		assert.Equal(t, "duplicate_field", p.code)
	}
}
