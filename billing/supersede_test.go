package billing_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"rss"
	"rss/access"
	"rss/billing"
)

func TestVoidGivesUnitsAndDollarsBackExactly(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	a := w.authorize("Rivera", "ATR-CM", 12, day(-10), day(30))
	keep := w.submit(w.claim("V-0", "Rivera", "Okafor", line("ATR-CM", day(-6), 3, "45.00")))
	orig := w.submit(w.claim("V-1", "Rivera", "Okafor",
		line("ATR-CM", day(-5), 4, "70.00"),  // 45: paid 60.00
		line("ATR-CM", day(-4), 8, "120.00"), // only 5 left: 198
	))
	require.Equal(t, 12, w.unitsUsed(a.ID))
	require.Equal(t, "180.00", w.episodePaid(a.ID))

	id := orig.ID
	v := w.submit(billing.NewClaim{ClaimNumber: "V-1-VOID", ClientID: w.demo.Clients["Rivera"], Frequency: billing.FreqVoid, OriginalClaimID: &id})
	assert.Equal(t, "void", v.Status)
	require.Len(t, v.Lines, 2, "a reversal for each paid line")
	for _, l := range v.Lines {
		assert.Equal(t, "reversal", l.Status)
		assert.NotNil(t, l.ReversesLineID)
	}
	assert.Equal(t, -4, v.Lines[0].UnitsAllowed)
	assert.Equal(t, "-60.00", v.Lines[0].Paid.String())
	assert.Equal(t, -5, v.Lines[1].UnitsAllowed)
	assert.Equal(t, "-135.00", v.TotalPaid.String())
	assert.Equal(t, 3, w.unitsUsed(a.ID), "only the untouched claim's units remain")
	assert.Equal(t, "45.00", w.episodePaid(a.ID))

	got, err := w.b.Claim(w.hra(), orig.ID)
	require.NoError(t, err)
	assert.Equal(t, "voided", got.Status)
	assert.Equal(t, v.ID, *got.SupersededBy)
	_ = keep

	// A voided claim cannot be voided or replaced again; a void cannot be voided.
	_, _, err = w.b.Submit(w.hra(), billing.NewClaim{ClaimNumber: "V-1-VOID2", ClientID: w.demo.Clients["Rivera"], Frequency: billing.FreqVoid, OriginalClaimID: &id})
	require.ErrorIs(t, err, rss.ErrConflict)
	vid := v.ID
	_, _, err = w.b.Submit(w.hra(), billing.NewClaim{ClaimNumber: "V-1-VOID3", ClientID: w.demo.Clients["Rivera"], Frequency: billing.FreqVoid, OriginalClaimID: &vid})
	require.ErrorIs(t, err, rss.ErrConflict)
	assert.Equal(t, 3, w.unitsUsed(a.ID))

	// The freed units can be billed again, including the very same lines.
	again := w.submit(w.claim("V-2", "Rivera", "Okafor", line("ATR-CM", day(-5), 4, "70.00"), line("ATR-CM", day(-4), 5, "75.00")))
	assert.Equal(t, "paid", again.Status, "a fee-schedule adjustment (45) alone leaves a line paid")
	assert.Equal(t, 12, w.unitsUsed(a.ID))
	assert.Equal(t, "180.00", w.episodePaid(a.ID))
}

func TestReplacementReleasesTheOriginalInOneTransaction(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	a := w.authorize("Rivera", "ATR-CM", 10, day(-10), day(30))
	orig := w.submit(w.claim("R-1", "Rivera", "Okafor", line("ATR-CM", day(-5), 6, "90.00"), line("ATR-CM", day(-4), 4, "60.00")))
	require.Equal(t, 10, w.unitsUsed(a.ID), "the authorization is exhausted")

	// The replacement needs the units the original holds: it gets them
	// because the original is released first, in the same transaction.
	id := orig.ID
	r := w.claim("R-1A", "Rivera", "Okafor", line("ATR-CM", day(-5), 6, "90.00"), line("ATR-CM", day(-4), 3, "45.00"), line("ATR-CM", day(-3), 1, "15.00"))
	r.Frequency, r.OriginalClaimID = billing.FreqReplacement, &id
	rc := w.submit(r)
	assert.Equal(t, "paid", rc.Status)
	// A reversal line for each line of the original, on the record only
	// (the original was never batched): the chain reads paid what a batch
	// will pay. Without them the original read paid 150.00 beside the
	// replacement's 150.00 (a black-box pass).
	require.Len(t, rc.Lines, 5, "its own lines and the original's reversed")
	assert.Equal(t, "reversal", rc.Lines[3].Status)
	assert.Equal(t, "0.00", rc.TotalPaid.String(), "150.00 billed again, 150.00 reversed")
	assert.Equal(t, 10, w.unitsUsed(a.ID))
	assert.Equal(t, "150.00", w.episodePaid(a.ID))
	got, err := w.b.Claim(w.hra(), orig.ID)
	require.NoError(t, err)
	assert.Equal(t, "replaced", got.Status)

	// A replacement of a replaced claim is refused; the ledger is untouched.
	r2 := w.claim("R-1B", "Rivera", "Okafor", line("ATR-CM", day(-2), 1, "15.00"))
	r2.Frequency, r2.OriginalClaimID = billing.FreqReplacement, &id
	_, _, err = w.b.Submit(w.hra(), r2)
	require.ErrorIs(t, err, rss.ErrConflict)
	assert.Equal(t, 10, w.unitsUsed(a.ID))

	// A replacement that bills fewer units leaves the rest free.
	rid := rc.ID
	r3 := w.claim("R-1C", "Rivera", "Okafor", line("ATR-CM", day(-5), 2, "30.00"))
	r3.Frequency, r3.OriginalClaimID = billing.FreqReplacement, &rid
	r3c := w.submit(r3)
	assert.Equal(t, 2, w.unitsUsed(a.ID))
	assert.Equal(t, "30.00", w.episodePaid(a.ID))
	assert.Equal(t, "-120.00", r3c.TotalPaid.String(), "30.00 billed, the replacement's 150.00 reversed")
	// The chain's claims add up to what the batch pays: the reversals of
	// lines never batched are not billed.
	b := w.batch(billing.RoutePaymentRegister, day(0))
	assert.Equal(t, "30.00", b.Paid.String())
	assert.Equal(t, "30.00", orig.TotalPaid.Add(rc.TotalPaid.Decimal).Add(r3c.TotalPaid.Decimal).StringFixed(2))
}

func TestSupersedeRefusals(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	w.authorize("Rivera", "ATR-CM", 10, day(-10), day(30))
	orig := w.submit(w.claim("S-1", "Rivera", "Okafor", line("ATR-CM", day(-5), 2, "30.00")))
	id := orig.ID
	cases := []struct {
		name string
		n    billing.NewClaim
		want error
	}{
		{"another client", func() billing.NewClaim {
			n := w.claim("S-2", "Nguyen", "Okafor", line("ATR-CM", day(-5), 2, "30.00"))
			n.Frequency, n.OriginalClaimID = billing.FreqReplacement, &id
			return n
		}(), rss.ErrInvalid},
		{"another program", func() billing.NewClaim {
			n := w.claim("S-3", "Rivera", "Adeyemi", line("EMP-IPS", day(-5), 2, "36.00"))
			n.Frequency, n.OriginalClaimID = billing.FreqReplacement, &id
			return n
		}(), rss.ErrInvalid},
		{"an original that does not exist", func() billing.NewClaim {
			missing := int64(999999)
			n := w.claim("S-4", "Rivera", "Okafor", line("ATR-CM", day(-5), 2, "30.00"))
			n.Frequency, n.OriginalClaimID = billing.FreqReplacement, &missing
			return n
		}(), rss.ErrInvalid},
		{"a void with lines", func() billing.NewClaim {
			n := w.claim("S-5", "Rivera", "Okafor", line("ATR-CM", day(-5), 2, "30.00"))
			n.Frequency, n.OriginalClaimID = billing.FreqVoid, &id
			return n
		}(), rss.ErrInvalid},
	}
	for _, tc := range cases {
		_, _, err := w.b.Submit(w.hra(), tc.n)
		require.ErrorIs(t, err, tc.want, tc.name)
	}
	// Another agency cannot see, so cannot void, the claim.
	_, _, err := w.b.Submit(w.as(access.RoleProvider, "BCS"), billing.NewClaim{ClaimNumber: "X-1", ClientID: w.demo.Clients["Kim"],
		Frequency: billing.FreqVoid, OriginalClaimID: &id})
	require.ErrorIs(t, err, rss.ErrInvalid)
	got, err := w.b.Claim(w.hra(), id)
	require.NoError(t, err)
	assert.Equal(t, "paid", got.Status, "nothing was superseded")
}

func TestBulkAnswersEachClaimOnItsOwn(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	a := w.authorize("Rivera", "ATR-CM", 20, day(-10), day(30))
	good := w.claim("B-1", "Rivera", "Okafor", line("ATR-CM", day(-5), 2, "30.00"))
	bad := w.claim("B-2", "Rivera", "Okafor", line("ATR-CM", day(-5), 0, "30.00"))
	reused := w.claim("B-1", "Rivera", "Okafor", line("ATR-CM", day(-4), 3, "45.00"))
	same := good
	unknown := w.claim("B-3", "Rivera", "Okafor", line("NOPE-1", day(-5), 2, "30.00"))
	other := w.claim("B-4", "Rivera", "Okafor", line("ATR-CM", day(-3), 3, "45.00"))
	out, err := w.b.SubmitBulk(w.hra(), []billing.NewClaim{good, bad, reused, same, unknown, other})
	require.NoError(t, err)
	require.Len(t, out, 6)
	assert.NoError(t, out[0].Err)
	assert.True(t, out[0].Created)
	assert.ErrorIs(t, out[1].Err, rss.ErrInvalid)
	assert.ErrorIs(t, out[2].Err, rss.ErrConflict)
	assert.NoError(t, out[3].Err)
	assert.False(t, out[3].Created)
	assert.Equal(t, out[0].Claim.ID, out[3].Claim.ID)
	assert.ErrorIs(t, out[4].Err, rss.ErrInvalid)
	assert.NoError(t, out[5].Err)
	assert.Equal(t, 5, w.unitsUsed(a.ID))
	var n int
	require.NoError(t, w.db.GetContext(t.Context(), &n, `SELECT count(*) FROM claims`))
	assert.Equal(t, 2, n, "refused claims write nothing")

	_, err = w.b.SubmitBulk(w.hra(), make([]billing.NewClaim, billing.MaxClaimsPerBulk+1))
	require.ErrorIs(t, err, rss.ErrInvalid)
}

// One bulk that voids or replaces the same claim twice: the first takes
// it, the second is refused on its own (409 already_superseded) and the
// rest are written. The second release reached the schema's guard as a
// 500 for the whole bulk (a black-box pass).
func TestBulkSupersedingOneClaimTwice(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name          string
		first, second string
	}{
		{"void, void", billing.FreqVoid, billing.FreqVoid},
		{"replacement, replacement", billing.FreqReplacement, billing.FreqReplacement},
		{"replacement, void", billing.FreqReplacement, billing.FreqVoid},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			w := newWorld(t)
			a := w.authorize("Rivera", "ATR-CM", 20, day(-10), day(30))
			orig := w.submit(w.claim("S-1", "Rivera", "Okafor", line("ATR-CM", day(-5), 4, "60.00")))
			id := orig.ID
			supersede := func(number, freq string) billing.NewClaim {
				n := billing.NewClaim{ClaimNumber: number, ClientID: w.demo.Clients["Rivera"], Frequency: freq, OriginalClaimID: &id}
				if freq == billing.FreqReplacement {
					n = w.claim(number, "Rivera", "Okafor", line("ATR-CM", day(-5), 3, "45.00"))
					n.Frequency, n.OriginalClaimID = freq, &id
				}
				return n
			}
			other := w.claim("S-OK", "Rivera", "Okafor", line("ATR-CM", day(-4), 2, "30.00"))
			out, err := w.b.SubmitBulk(w.hra(), []billing.NewClaim{other, supersede("S-1-A", tc.first), supersede("S-1-B", tc.second)})
			require.NoError(t, err)
			require.Len(t, out, 3)
			require.NoError(t, out[0].Err)
			require.NoError(t, out[1].Err)
			require.ErrorIs(t, out[2].Err, rss.ErrConflict)
			var coded *rss.CodedError
			require.ErrorAs(t, out[2].Err, &coded)
			assert.Equal(t, "already_superseded", coded.Code)
			want := 2
			if tc.first == billing.FreqReplacement {
				want += 3
			}
			assert.Equal(t, want, w.unitsUsed(a.ID), "the original's units came back once")
			var n int
			require.NoError(t, w.db.GetContext(t.Context(), &n, `SELECT count(*) FROM claims`))
			assert.Equal(t, 3, n, "the original, the claim beside and the first supersession")
		})
	}
}

// A claim sent again with "diagnoses": [] where it left them out (or the
// reverse) is the same claim, answered from file; a void reusing its
// original's number is told to take its own, not to "use frequency 7" (a
// black-box pass).
func TestClaimSentAgainWithEmptyDiagnosesIsTheSame(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	w.authorize("Rivera", "ATR-CM", 20, day(-10), day(30))
	n := w.claim("E-1", "Rivera", "Okafor", line("ATR-CM", day(-5), 2, "30.00"))
	n.Diagnoses = nil
	first := w.submit(n)
	n.Diagnoses = []string{}
	again, created, err := w.b.Submit(w.hra(), n)
	require.NoError(t, err)
	assert.False(t, created)
	assert.Equal(t, first.ID, again.ID)

	id := first.ID
	_, _, err = w.b.Submit(w.hra(), billing.NewClaim{ClaimNumber: "E-1", ClientID: w.demo.Clients["Rivera"], Frequency: billing.FreqVoid,
		OriginalClaimID: &id})
	require.ErrorIs(t, err, rss.ErrConflict)
	assert.Contains(t, err.Error(), "takes a number of its own")
}
