package billing_test

import (
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"rss"
	"rss/billing"
)

// wrapAt lays a file out as records of n bytes, the way mainframe
// translators write wrapped files: line breaks anywhere, inside segments.
func wrapAt(s string, n int, brk string) string {
	var b strings.Builder
	for len(s) > n {
		b.WriteString(s[:n] + brk)
		s = s[n:]
	}
	b.WriteString(s + brk)
	return b.String()
}

// A payer file wrapped at 80 columns, led by a UTF-8 byte order mark and
// padded after its IEA imports as the plain file would; data after the
// IEA that is not padding is a 422 naming the IEA, nothing written. A
// black-box pass had each layout refused (the wrapped 277CA as "ISA09/
// ISA10 ... is not a date", the BOM as not starting with an ISA, the
// padding as a segment 11 of a 10-segment file).
func TestPayerFileLayouts(t *testing.T) {
	w, _, sent := oneClaimSent(t, "LAY-1")
	c := sent.claim(t, "LAY-1")
	sim := newPayerSim()
	flat := func(b []byte) string { return strings.ReplaceAll(string(b), "\n", "") }

	ack := w.importFile([]byte("\xEF\xBB\xBF" + wrapAt(flat(sim.file999(sent, nil)), 80, "\r\n") + "\x1a"))
	assert.Equal(t, billing.PayerFile999, ack.Kind)
	assert.Equal(t, 1, ack.Summary.Matched)

	rows := w.payerRows()
	file := sim.file835(remit{NPI: c.NPI, Trace: "LAY-EFT", Claims: []clp{{CLM: c, Status: "1", CCN: "PCN-LAY"}}})
	_, err := w.b.ImportPayerFile(w.finance(), append(append([]byte{}, file...), "\nJUNK~"...))
	var ve *rss.ValidationError
	require.ErrorAs(t, err, &ve)
	require.Len(t, ve.Fields, 1)
	assert.Equal(t, "invalid_x12", ve.Fields[0].Code)
	n := strings.Count(string(file), "~")
	assert.Contains(t, ve.Fields[0].Message, "segment "+strconv.Itoa(n)+" (IEA): the input goes on after the IEA")
	assert.Contains(t, ve.Fields[0].Message, "at byte "+strconv.Itoa(len(file)+2))
	assert.Equal(t, rows, w.payerRows(), "nothing written")

	f := w.importFile([]byte(wrapAt(flat(file), 80, "\n") + "    \n\x00\x00\x00"))
	assert.Equal(t, 1, f.Summary.Matched)
	p := w.payerOf(w.claimID("LAY-1"))
	assert.Equal(t, billing.PayerPaid, p.Status)
	assert.Equal(t, "29.00", p.Paid.String())
}

// A file of no segment (a byte-order mark alone) or of white space alone
// is refused as a whole, saying what is wanted: one read "segment 0: the
// file ends before any transaction set", and a blank one "the body is the
// payer's X12 file", a statement, not an error (a re-check).
func TestPayerFileOfNoSegmentIsRefusedAsAWhole(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	rows := w.payerRows()
	for body, want := range map[string]string{
		"\uFEFF":     "the file holds no X12 segment: send the payer's X12 file (999, 277CA, 835 or TA1)",
		" \r\n\t\n":  "the file is empty: send the payer's X12 file (999, 277CA, 835 or TA1)",
		"\uFEFF\r\n": "the file holds no X12 segment: send the payer's X12 file (999, 277CA, 835 or TA1)",
	} {
		_, err := w.b.ImportPayerFile(w.finance(), []byte(body))
		var ve *rss.ValidationError
		require.ErrorAs(t, err, &ve, "%q", body)
		require.Len(t, ve.Fields, 1)
		assert.Equal(t, want, ve.Fields[0].Message, "%q", body)
		assert.NotContains(t, ve.Fields[0].Message, "segment 0")
	}
	assert.Equal(t, rows, w.payerRows(), "nothing written")
}
