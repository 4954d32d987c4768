package billing_test

import (
	"bytes"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"rss"
	"rss/billing"
)

// reasons lists the reasons of a file's unmatched items, in its order.
func (w *world) reasons(fileID int64) []string {
	w.t.Helper()
	d, err := w.b.PayerFile(w.finance(), fileID)
	require.NoError(w.t, err)
	out := []string{}
	for _, u := range d.Unmatched {
		out = append(out, u.Kind+" "+u.Reference+" "+u.Reason)
	}
	return out
}

// claimID is the id of the claim numbered number.
func (w *world) claimID(number string) int64 {
	w.t.Helper()
	var id int64
	require.NoError(w.t, w.db.GetContext(w.t.Context(), &id, `SELECT id FROM claims WHERE claim_number = $1`, number))
	return id
}

// A CLP whose amounts' sign disagrees with CLP02 refuses the file whole,
// naming the CLP, nothing written: a black-box pass imported a reversal
// carrying positive amounts (the claim read reversed while the
// reconciliation counted the money paid twice), a CLP02 1 of negative
// amounts (a claim reading denied, paid −29.00) and a denial paying.
func TestPayerClaimOfTheWrongSignIsRefused(t *testing.T) {
	w, _, sent := oneClaimSent(t, "SGN-1")
	c := sent.claim(t, "SGN-1")
	sim := newPayerSim()
	w.importFile(sim.file835(remit{NPI: c.NPI, Trace: "SGN-EFT1", Claims: []clp{{CLM: c, Status: "1", CCN: "PCN-S1"}}}))
	id := w.claimID("SGN-1")
	require.Equal(t, billing.PayerPaid, w.payerOf(id).Status)

	swap := func(file []byte, old, new string) []byte {
		require.Equal(t, 1, bytes.Count(file, []byte(old)), old)
		return bytes.Replace(file, []byte(old), []byte(new), 1)
	}
	rows := w.payerRows()
	for _, tc := range []struct {
		name, want string
		file       []byte
	}{
		{"a reversal of positive amounts", "CLP02 22 is a reversal", swap(sim.file835(remit{NPI: c.NPI, Trace: "SGN-EFT2",
			Claims: []clp{{CLM: c, Status: "1", CCN: "PCN-S1"}}}), "*1*29.00*29.00**", "*22*29.00*29.00**")},
		{"a payment of negative amounts", "CLP02 1 is not a reversal", swap(sim.file835(remit{NPI: c.NPI, Trace: "SGN-EFT3",
			Claims: []clp{{CLM: c, Status: "22", CCN: "PCN-S1"}}}), "*22*-29.00*-29.00**", "*1*-29.00*-29.00**")},
		{"a denial paying", "CLP02 4 is a denial: CLP04 must be zero", sim.file835(remit{NPI: c.NPI, Trace: "SGN-EFT4",
			Claims: []clp{{CLM: c, Status: "4", CCN: "PCN-S4", Claim: []cas{{"CO", "29", dec("19.00")}}, NoLines: true}}})},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := w.b.ImportPayerFile(w.finance(), tc.file)
			var ve *rss.ValidationError
			require.ErrorAs(t, err, &ve)
			require.Len(t, ve.Fields, 1)
			assert.Equal(t, "invalid_x12", ve.Fields[0].Code)
			assert.Contains(t, ve.Fields[0].Message, "(CLP)")
			assert.Contains(t, ve.Fields[0].Message, tc.want)
		})
	}
	assert.Equal(t, rows, w.payerRows(), "nothing written")
	p := w.payerOf(id)
	assert.Equal(t, billing.PayerPaid, p.Status)
	assert.Equal(t, "29.00", p.Paid.String())
}
