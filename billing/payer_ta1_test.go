package billing_test

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"rss"
	"rss/billing"
)

// A TA1 rejecting an interchange rss sent rejects every claim in it: none
// reached the payer, and no 999 or 277CA will come for them. It could not
// be imported (a file with no transaction set), and the batch read
// unanswered (a payer black-box pass of the forty-third stop).
func TestPayerTA1RejectingAnInterchangeRejectsItsClaims(t *testing.T) {
	w, b, sent := oneClaimSent(t, "TA-1")
	require.Len(t, sent.ISA, 9)
	f := w.importFile(newPayerSim().ta1(sent.ISA, "R", "024"))
	assert.Equal(t, billing.PayerFileTA1, f.Kind)
	assert.Equal(t, counts(billing.PayerFileSummary{Items: 1, Matched: 1, Rejected: 1}), counts(f.Summary))
	p := w.payerOf(w.claimID("TA-1"))
	require.NotNil(t, p)
	assert.Equal(t, billing.PayerRejected, p.Status)
	assert.Equal(t, []string{"TA1:R", "TA1:024"}, p.StatusCodes)

	d, err := w.b.PayerFile(w.finance(), f.ID)
	require.NoError(t, err)
	require.Len(t, d.InterchangeAcks, 1)
	ack := d.InterchangeAcks[0]
	assert.Equal(t, b.ID, *ack.BatchID)
	assert.Equal(t, "R", ack.Code)
	assert.False(t, ack.Accepted)
	assert.Equal(t, "024", ack.Note)
	assert.Contains(t, ack.NoteText, "invalid interchange content")
	assert.Empty(t, d.Unmatched)
	rows := adviceRows(t, w.advice(b.ID, "ECRA", "csv"))
	assert.Equal(t, "TA1:R; TA1:024", rows[0]["payer_claim_status_codes"])

	// A TA1 is the payer's word of when it made it (its ISA09, ISA10), not
	// of the interchange it answers (TA102, TA103): dated so, a rejection
	// the payer made after accepting the sets in a 999 was lost unsaid (a
	// payer black-box pass of the forty-fourth stop).
	w2, _, sent2 := oneClaimSent(t, "TA-1B")
	sim := newPayerSim()
	w2.importFile(sim.file999(sent2, nil))
	if p := w2.payerOf(w2.claimID("TA-1B")); p != nil {
		require.NotEqual(t, billing.PayerRejected, p.Status)
	}
	sim.date = "20260603"
	w2.importFile([]byte(strings.Replace(string(sim.ta1(sent2.ISA, "R", "022")), "*260603*1200*R", "*260101*0900*R", 1)))
	p2 := w2.payerOf(w2.claimID("TA-1B"))
	require.NotNil(t, p2)
	assert.Equal(t, billing.PayerRejected, p2.Status, "the TA1 made after the 999")

	// The same bytes again are the earlier import; the interchange again
	// with other bytes is refused, as for any kind.
	again, err := w.b.ImportPayerFile(w.finance(), newPayerSim().ta1(sent.ISA, "R", "024"))
	require.NoError(t, err)
	assert.True(t, again.AlreadyImported)
	other := strings.Replace(string(newPayerSim().ta1(sent.ISA, "R", "024")), "*024~", "*022~", 1)
	_, err = w.b.ImportPayerFile(w.finance(), []byte(other))
	assert.ErrorIs(t, err, rss.ErrConflict)
}

// A TA1 accepting an interchange (A, or E with errors noted) says only
// that it arrived: its claims wait for their 999, and one of an
// interchange rss never sent is kept unmatched.
func TestPayerTA1AcceptingOrUnknown(t *testing.T) {
	w, _, sent := oneClaimSent(t, "TA-2")
	sim := newPayerSim()
	for _, code := range []string{"A", "E"} {
		f := w.importFile(sim.ta1(sent.ISA, code, "000"))
		assert.Equal(t, counts(billing.PayerFileSummary{Items: 1, Matched: 1, Accepted: 1}), counts(f.Summary), code)
		p := w.payerOf(w.claimID("TA-2"))
		assert.True(t, p == nil || p.Status != billing.PayerRejected, "%s: %+v", code, p)
	}
	f := w.importFile(sim.ta1("000000999", "R", "024"))
	assert.Equal(t, counts(billing.PayerFileSummary{Items: 1, Unmatched: 1}), counts(f.Summary))
	d, err := w.b.PayerFile(w.finance(), f.ID)
	require.NoError(t, err)
	require.Len(t, d.Unmatched, 1)
	assert.Equal(t, "interchange_ack", d.Unmatched[0].Kind)
	assert.Equal(t, "000000999", d.Unmatched[0].Reference)
	assert.Equal(t, billing.UnmatchedBatch, d.Unmatched[0].Reason)
	p := w.payerOf(w.claimID("TA-2"))
	assert.True(t, p == nil || p.Status != billing.PayerRejected, "%+v", p)
}

// A TA1 the readers cannot take is refused naming it, nothing written: a
// TA1 beside a 999's group (rss reads a TA1 in an interchange of its own,
// and read past, a rejection would be dropped unsaid), and a TA1 of a code
// or note X12 does not define.
func TestPayerTA1Refused(t *testing.T) {
	w, _, sent := oneClaimSent(t, "TA-3")
	before := w.payerRows()
	sim := newPayerSim()
	with999 := strings.Replace(string(sim.file999(sent, nil)), "GS*", "TA1*"+sent.ISA+"*260602*1200*A*000~\nGS*", 1)
	for name, body := range map[string]string{
		"beside a group":  with999,
		"code X":          strings.Replace(string(sim.ta1(sent.ISA, "R", "024")), "*R*024", "*X*024", 1),
		"note of letters": strings.Replace(string(sim.ta1(sent.ISA, "R", "024")), "*R*024", "*R*ABC", 1),
		"not a date":      strings.Replace(string(sim.ta1(sent.ISA, "R", "024")), "*260602*1200*", "*261302*1200*", 1),
		"short control":   strings.Replace(string(sim.ta1(sent.ISA, "R", "024")), "TA1*"+sent.ISA, "TA1*123", 1),
		"zero control":    strings.Replace(string(sim.ta1(sent.ISA, "R", "024")), "TA1*"+sent.ISA, "TA1*000000000", 1),
		"twice":           strings.Replace(string(sim.ta1(sent.ISA, "R", "024")), "IEA*", "TA1*"+sent.ISA+"*260602*1200*R*024~\nIEA*", 1),
	} {
		_, err := w.b.ImportPayerFile(w.finance(), []byte(body))
		assert.ErrorIs(t, err, rss.ErrInvalid, name)
		if name == "beside a group" {
			assert.ErrorContains(t, err, "TA1", name)
		}
	}
	assert.Equal(t, before, w.payerRows(), "nothing written")
}

// counts is a summary's counts of items, without its amounts.
func counts(s billing.PayerFileSummary) [5]int {
	return [5]int{s.Items, s.Matched, s.Unmatched, s.Accepted, s.Rejected}
}
