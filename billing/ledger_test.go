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

func line(service string, dos rss.Date, units int, charge string) billing.NewLine {
	return billing.NewLine{ServiceCode: service, DateOfService: dos, Units: units, Charge: money(charge)}
}

func (w *world) claim(number, client, staff string, lines ...billing.NewLine) billing.NewClaim {
	return billing.NewClaim{ClaimNumber: number, ClientID: w.demo.Clients[client], RenderingStaffID: w.demo.Staff[staff],
		PlaceOfService: "11", Diagnoses: []string{"F1120"}, Lines: lines}
}

func (w *world) submit(n billing.NewClaim) *billing.Claim {
	w.t.Helper()
	c, created, err := w.b.Submit(w.hra(), n)
	require.NoError(w.t, err)
	require.True(w.t, created)
	return c
}

// episodePaid reads an episode's dollars_paid and checks it equals its paid lines.
func (w *world) episodePaid(authID int64) string {
	w.t.Helper()
	var paid, lines string
	require.NoError(w.t, w.db.QueryRowxContext(w.t.Context(), `SELECT e.dollars_paid::text,
		(SELECT COALESCE(sum(paid), 0)::numeric(12,2)::text FROM claim_lines WHERE episode_id = e.id AND counted)
		FROM episodes e JOIN authorizations a ON a.episode_id = e.id WHERE a.id = $1`, authID).Scan(&paid, &lines))
	require.Equal(w.t, lines, paid, "dollars_paid equals the episode's counted lines")
	return paid
}

func carcs(l billing.Line) []string {
	var out []string
	for _, a := range l.Adjustments {
		out = append(out, a.CARC+a.RARC)
	}
	return out
}

func TestPartialPaymentWhenFewerUnitsRemain(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	a := w.authorize("Rivera", "ATR-CM", 10, day(-10), day(30))
	c := w.submit(w.claim("P-1", "Rivera", "Okafor",
		line("ATR-CM", day(-5), 6, "90.00"),
		line("ATR-CM", day(-4), 6, "90.00"), // only 4 remain
		line("ATR-CM", day(-3), 2, "30.00"), // none remain
	))
	require.Len(t, c.Lines, 3)
	assert.Equal(t, "paid", c.Lines[0].Status)
	assert.Equal(t, "partial", c.Lines[1].Status)
	assert.Equal(t, 4, c.Lines[1].UnitsAllowed)
	assert.Equal(t, "60.00", c.Lines[1].Paid.String())
	assert.Equal(t, []string{"198"}, carcs(c.Lines[1]))
	assert.Equal(t, "30.00", c.Lines[1].Adjustments[0].Amount.String())
	assert.Equal(t, "denied", c.Lines[2].Status)
	assert.Equal(t, []string{"198"}, carcs(c.Lines[2]))
	assert.Equal(t, "partial", c.Status)
	assert.Equal(t, "150.00", c.TotalPaid.String())
	assert.Equal(t, 10, w.unitsUsed(a.ID))
	assert.Equal(t, "150.00", w.episodePaid(a.ID))

	auth, err := w.v.Authorization(w.hra(), a.ID)
	require.NoError(t, err)
	assert.Equal(t, "exhausted", auth.Status)
	assert.Equal(t, 0, auth.UnitsRemaining)
}

func TestClaimLineDenials(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	a := w.authorize("Rivera", "ATR-CM", 40, day(-10), day(30))
	first := w.submit(w.claim("D-1", "Rivera", "Okafor", line("ATR-CM", day(-5), 4, "60.00")))
	require.Equal(t, "paid", first.Status)

	cases := []struct {
		name  string
		claim billing.NewClaim
		want  string // CARC+RARC of the first line
	}{
		{"exact duplicate of a paid line", w.claim("D-2", "Rivera", "Okafor", line("ATR-CM", day(-5), 4, "60.00")), "18"},
		{"date outside every authorization", w.claim("D-3", "Rivera", "Okafor", line("ATR-CM", day(-12), 4, "60.00")), "197"},
		{"named authorization that does not fit", func() billing.NewClaim {
			n := w.claim("D-4", "Rivera", "Okafor", line("ATR-CM", day(-4), 4, "60.00"))
			n.Lines[0].AuthorizationNumber = "PA99999999"
			return n
		}(), "197N54"},
		{"staff not qualified", w.claim("D-5", "Rivera", "Novak", line("ATR-CM", day(-4), 4, "60.00")), "185"},
		{"service not covered by the program of the authorization", w.claim("D-6", "Rivera", "Okafor", line("ATR-TH", day(-4), 1, "35.00")), "197"},
	}
	for _, tc := range cases {
		c, created, err := w.b.Submit(w.hra(), tc.claim)
		require.NoError(t, err, tc.name)
		require.True(t, created, tc.name)
		assert.Equal(t, "denied", c.Status, tc.name)
		assert.Equal(t, []string{tc.want}, carcs(c.Lines[0]), tc.name)
		assert.Equal(t, "0.00", c.TotalPaid.String(), tc.name)
	}
	assert.Equal(t, 4, w.unitsUsed(a.ID), "denied lines consume nothing")
	assert.Equal(t, "60.00", w.episodePaid(a.ID))

	// A duplicate within one claim: the second identical line is 18.
	c := w.submit(w.claim("D-7", "Rivera", "Okafor", line("ATR-CM", day(-3), 2, "30.00"), line("ATR-CM", day(-3), 2, "30.00")))
	assert.Equal(t, "paid", c.Lines[0].Status)
	assert.Equal(t, []string{"18"}, carcs(c.Lines[1]))
	assert.Equal(t, 6, w.unitsUsed(a.ID))
}

func TestFilingLimitAndDiagnosis(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	// MHW: Dubois has a waiver plan; a claim without diagnosis is 16 M76.
	ctx := w.as(access.RoleProvider, "ECRA")
	vr, err := w.v.Submit(ctx, vouchersRequest(w, "Dubois", "MHW-RA", 100, day(-10), day(30)))
	require.NoError(t, err)
	require.Equal(t, "approved", vr.Decision, "%+v", vr.Reasons)
	n := billing.NewClaim{ClaimNumber: "M-1", ClientID: w.demo.Clients["Dubois"], RenderingStaffID: w.demo.Staff["Kowalski"],
		PlaceOfService: "12", Lines: []billing.NewLine{line("MHW-RA", day(-2), 8, "58.00")}}
	c, _, err := w.b.Submit(ctx, n)
	require.NoError(t, err)
	assert.Equal(t, []string{"16M76"}, carcs(c.Lines[0]))
	n.ClaimNumber, n.Diagnoses = "M-2", []string{"F33.1"}
	c, _, err = w.b.Submit(ctx, n)
	require.NoError(t, err)
	assert.Equal(t, "paid", c.Status)
	assert.Equal(t, "58.00", c.TotalPaid.String(), "7.25 × 8")

	// ATR filing limit is 90 days: Price's authorization from long ago.
	w2 := newWorld(t)
	_, err = w2.db.ExecContext(t.Context(), `UPDATE programs SET retro_limit_days = 400 WHERE code = 'ATR'`)
	require.NoError(t, err)
	a := w2.authorize("Price", "ATR-CM", 40, day(-100), day(-20))
	c = w2.submit(w2.claim("F-1", "Price", "Okafor", line("ATR-CM", day(-91), 2, "30.00"), line("ATR-CM", day(-90), 2, "30.00")))
	assert.Equal(t, []string{"29"}, carcs(c.Lines[0]), "91 days after service")
	assert.Equal(t, "paid", c.Lines[1].Status, "exactly 90 days")
	assert.Equal(t, 2, w2.unitsUsed(a.ID))
}

func TestDollarCapDeniesWith119(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	a := w.authorize("Rivera", "ATR-CM", 40, day(-10), day(30))
	_, err := w.db.ExecContext(t.Context(), `UPDATE episodes SET dollar_cap = 100.00 WHERE id = $1`, a.EpisodeID)
	require.NoError(t, err)
	c := w.submit(w.claim("C-1", "Rivera", "Okafor",
		line("ATR-CM", day(-5), 4, "60.00"), // 40.00 left
		line("ATR-CM", day(-4), 4, "60.00"), // two units fit
		line("ATR-CM", day(-3), 1, "15.00"), // 10.00 left: no unit fits
	))
	assert.Equal(t, "paid", c.Lines[0].Status)
	assert.Equal(t, "partial", c.Lines[1].Status)
	assert.Equal(t, 2, c.Lines[1].UnitsAllowed)
	assert.Equal(t, "30.00", c.Lines[1].Paid.String())
	assert.Equal(t, []string{"119"}, carcs(c.Lines[1]))
	assert.Equal(t, "denied", c.Lines[2].Status)
	assert.Equal(t, []string{"119"}, carcs(c.Lines[2]))
	assert.Equal(t, "90.00", w.episodePaid(a.ID))
	assert.Equal(t, 6, w.unitsUsed(a.ID))
}

func vouchersRequest(w *world, client, service string, units int, start, end rss.Date) vouchers.NewVoucherRequest {
	return vouchers.NewVoucherRequest{ClientID: w.demo.Clients[client], ServiceCode: service, Units: &units, StartDate: start, EndDate: end}
}
