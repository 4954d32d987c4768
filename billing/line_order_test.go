package billing_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"rss"
	"rss/access"
	"rss/billing"
	"rss/vouchers"
)

// inactivateAfter sets the ATR program's inactivate_after_days, as if in
// force since before the tests' authorizations were granted: switched on
// today it would apply from tomorrow only (migration 00095), and these
// tests judge days it has long governed.
func (w *world) inactivateAfter(days int) {
	w.t.Helper()
	_, err := w.v.UpdateProgram(w.as(access.RoleAdmin, ""), "ATR", vouchers.ProgramPatch{InactivateAfterDays: rss.Optional[int]{Set: true, Value: days}})
	require.NoError(w.t, err)
	_, err = w.db.ExecContext(w.t.Context(), `UPDATE programs SET inactivity_since = NULL WHERE code = 'ATR'`)
	require.NoError(w.t, err)
}

// issuedOn dates an authorization's issue to day, as if it had been
// granted then: a grant issued today counts its idle days from today
// (migration 00079), and these tests need one idle since its start.
func (w *world) issuedOn(id int64, day rss.Date) {
	w.t.Helper()
	_, err := w.db.ExecContext(w.t.Context(), `UPDATE authorizations SET issued_on = $2 WHERE id = $1`, id, day)
	require.NoError(w.t, err)
}

// A claim's lines are judged in date-of-service order, whatever the order
// they are listed in: with inactivity on, a line listed first but dated
// after the authorization went idle was denied 197 while a line listed
// after it, dated earlier, was paid and moved the window (a black-box
// pass: the same line sent again alone was then paid). Units go in date
// order too, as they would to the same lines sent as claims in date order.
// The answer keeps the lines as listed, with their numbers. The
// authorization has gone inactive by today, so the earlier line, paid,
// moves no window (it stays inactive until a reviewer reactivates it: a
// lifecycle black-box pass), and the later one is denied either way.
func TestClaimLinesAreJudgedInDateOrder(t *testing.T) {
	t.Parallel()
	start := day(-10) // inactive from start+4 without a claim (3 days)
	cases := []struct {
		name  string
		dates []rss.Date
	}{
		{"listed later date first", []rss.Date{start.AddDays(5), start.AddDays(2)}},
		{"listed in date order", []rss.Date{start.AddDays(2), start.AddDays(5)}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			w := newWorld(t)
			w.inactivateAfter(3)
			a := w.authorize("Rivera", "ATR-CM", 6, start, day(30))
			w.issuedOn(a.ID, start)
			lines := make([]billing.NewLine, len(tc.dates))
			for i, d := range tc.dates {
				lines[i] = line("ATR-CM", d, 4, "60.00")
			}
			c := w.submit(w.claim("ORD-1", "Rivera", "Okafor", lines...))
			require.Len(t, c.Lines, 2)
			for i, l := range c.Lines {
				assert.Equal(t, i+1, l.LineNumber)
				assert.Equal(t, tc.dates[i], l.DateOfService, "lines keep the order they were listed in")
			}
			byDate := map[rss.Date]billing.Line{}
			for _, l := range c.Lines {
				byDate[l.DateOfService] = l
			}
			// The earlier line, dated while it was live, takes its 4 units;
			// the later one, dated after it went idle, is denied 197.
			early, late := byDate[start.AddDays(2)], byDate[start.AddDays(5)]
			assert.Equal(t, "paid", early.Status, "%+v", early.Adjustments)
			assert.Equal(t, 4, early.UnitsAllowed)
			assert.Equal(t, "denied", late.Status, "%+v", late.Adjustments)
			assert.Equal(t, []string{"197"}, carcs(late))
			assert.Equal(t, "partial", c.Status)
			assert.Equal(t, "60.00", c.TotalPaid.String())
			assert.Equal(t, 4, w.unitsUsed(a.ID))
			assert.Equal(t, "60.00", w.episodePaid(a.ID))
			var moved bool
			require.NoError(t, w.db.GetContext(t.Context(), &moved, `SELECT last_service_on IS NOT NULL FROM authorizations WHERE id = $1`, a.ID))
			assert.False(t, moved, "no window moved")

			// Stored as answered: the lines in their numbers' order, each
			// with the trace of its own judgement.
			got, err := w.b.Claim(w.hra(), c.ID)
			require.NoError(t, err)
			require.Len(t, got.Lines, 2)
			for i, l := range got.Lines {
				assert.Equal(t, c.Lines[i].LineNumber, l.LineNumber)
				assert.Equal(t, c.Lines[i].DateOfService, l.DateOfService)
				assert.Equal(t, c.Lines[i].Status, l.Status)
				assert.Equal(t, c.Lines[i].UnitsAllowed, l.UnitsAllowed)
				require.NotEmpty(t, l.Trace)
			}
			assert.True(t, got.Lines[0].ID < got.Lines[1].ID, "rows are stored in line order")
		})
	}
}

// A bulk's claims are judged one after another in the order given, as the
// same claims sent singly in that order are (and as group commit must
// judge the single requests it groups): only each claim's own lines are
// put in date order. A later-dated claim listed first is judged before
// the earlier one moves the window.
func TestBulkClaimsAreJudgedInTheOrderGiven(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	w.inactivateAfter(3)
	start := day(-10)
	a := w.authorize("Rivera", "ATR-CM", 40, start, day(30))
	w.issuedOn(a.ID, start)
	out, err := w.b.SubmitBulk(w.hra(), []billing.NewClaim{
		w.claim("BULK-ORD-1", "Rivera", "Okafor", line("ATR-CM", start.AddDays(5), 2, "30.00")),
		w.claim("BULK-ORD-2", "Rivera", "Okafor", line("ATR-CM", start.AddDays(2), 2, "30.00")),
	})
	require.NoError(t, err)
	require.Len(t, out, 2)
	for _, o := range out {
		require.NoError(t, o.Err)
	}
	assert.Equal(t, "denied", out[0].Claim.Status)
	assert.Equal(t, []string{"197"}, carcs(out[0].Claim.Lines[0]))
	assert.Equal(t, "paid", out[1].Claim.Status)
	// Sent again, the first is still denied: the authorization, inactive
	// today, moved no window for the second (a lifecycle black-box pass
	// found a late line reviving one; it stays inactive until a reviewer
	// reactivates it).
	again := w.submit(w.claim("BULK-ORD-3", "Rivera", "Okafor", line("ATR-CM", start.AddDays(5), 2, "30.00")))
	assert.Equal(t, "denied", again.Status)
}

// Two voids of one claim sent as separate requests and judged together
// (group commit): the second is told the claim was voided by another
// request sent at the same time, not "earlier in this request", which it
// never held (a payer black-box pass); a bulk still reads so.
func TestTwoVoidsJudgedTogetherSayWhichRequest(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	w.authorize("Rivera", "ATR-CM", 40, day(-10), day(30))
	orig := w.submit(w.claim("TWO-V-1", "Rivera", "Okafor", line("ATR-CM", day(-2), 2, "30.00")))
	void := func(number string) billing.NewClaim {
		return billing.NewClaim{ClaimNumber: number, ClientID: orig.ClientID, Frequency: billing.FreqVoid, OriginalClaimID: &orig.ID}
	}
	out, err := w.b.SubmitEach(w.hra(), []billing.NewClaim{void("TWO-V-A"), void("TWO-V-B")}, []string{"req-a", "req-b"}, nil)
	require.NoError(t, err)
	require.Len(t, out, 2)
	require.NoError(t, out[0].Err)
	var ce *rss.CodedError
	require.ErrorAs(t, out[1].Err, &ce)
	assert.Equal(t, "already_superseded", ce.Code)
	assert.Contains(t, ce.Message, "by claim TWO-V-A sent at the same time")
	assert.NotContains(t, ce.Message, "this request")

	orig2 := w.submit(w.claim("TWO-V-2", "Rivera", "Okafor", line("ATR-CM", day(-3), 2, "30.00")))
	bulk := func(number string) billing.NewClaim {
		return billing.NewClaim{ClaimNumber: number, ClientID: orig2.ClientID, Frequency: billing.FreqVoid, OriginalClaimID: &orig2.ID}
	}
	out, err = w.b.SubmitBulk(w.hra(), []billing.NewClaim{bulk("TWO-V-C"), bulk("TWO-V-D")})
	require.NoError(t, err)
	require.ErrorAs(t, out[1].Err, &ce)
	assert.Contains(t, ce.Message, "earlier in this request")
}
