package billing_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"rss"
	"rss/billing"
)

func TestClaimPaysAndConsumesUnits(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	a := w.authorize("Rivera", "ATR-CM", 40, day(-5), day(30))
	staff := w.demo.Staff["Okafor"]
	c, created, err := w.b.Submit(w.hra(), billing.NewClaim{ClaimNumber: "HRA-1", ClientID: w.demo.Clients["Rivera"],
		RenderingStaffID: staff, PlaceOfService: "11", Diagnoses: []string{"F11.20"},
		Lines: []billing.NewLine{
			{ServiceCode: "ATR-CM", DateOfService: day(-3), Units: 4, Charge: money("60.00")},
			{ServiceCode: "ATR-CM", DateOfService: day(-2), Units: 6, Charge: money("100.00")},
		}})
	require.NoError(t, err)
	require.True(t, created)
	assert.Equal(t, "paid", c.Status)
	require.Len(t, c.Lines, 2)
	assert.Equal(t, "60.00", c.Lines[0].Paid.String())
	assert.Equal(t, "90.00", c.Lines[1].Paid.String())
	require.Len(t, c.Lines[1].Adjustments, 1)
	assert.Equal(t, "45", c.Lines[1].Adjustments[0].CARC)
	assert.Equal(t, "10.00", c.Lines[1].Adjustments[0].Amount.String())
	assert.Equal(t, 10, w.unitsUsed(a.ID))
	assert.Equal(t, []string{"F1120"}, []string(c.Diagnoses))

	// The same claim again is the same claim; another body under that number is refused.
	again, created, err := w.b.Submit(w.hra(), billing.NewClaim{ClaimNumber: "HRA-1", ClientID: w.demo.Clients["Rivera"],
		RenderingStaffID: staff, PlaceOfService: "11", Diagnoses: []string{"F11.20"},
		Lines: []billing.NewLine{
			{ServiceCode: "ATR-CM", DateOfService: day(-3), Units: 4, Charge: money("60.00")},
			{ServiceCode: "ATR-CM", DateOfService: day(-2), Units: 6, Charge: money("100.00")},
		}})
	require.NoError(t, err)
	assert.False(t, created)
	assert.Equal(t, c.ID, again.ID)
	_, _, err = w.b.Submit(w.hra(), billing.NewClaim{ClaimNumber: "HRA-1", ClientID: w.demo.Clients["Rivera"],
		RenderingStaffID: staff, PlaceOfService: "11",
		Lines: []billing.NewLine{{ServiceCode: "ATR-CM", DateOfService: day(-1), Units: 1, Charge: money("15.00")}}})
	require.ErrorIs(t, err, rss.ErrConflict)
	assert.Equal(t, 10, w.unitsUsed(a.ID))

	// Void gives the units back.
	v, _, err := w.b.Submit(w.hra(), billing.NewClaim{ClaimNumber: "HRA-1-V", ClientID: w.demo.Clients["Rivera"], Frequency: "8", OriginalClaimID: &c.ID})
	require.NoError(t, err)
	assert.Equal(t, "void", v.Status)
	assert.Equal(t, 0, w.unitsUsed(a.ID))
	orig, err := w.b.Claim(w.hra(), c.ID)
	require.NoError(t, err)
	assert.Equal(t, "voided", orig.Status)
}

// The facts are read with the submission's values written into the
// statement as literals: a service code of quotes, backslashes and SQL is
// only an unknown service.
func TestServiceCodeOfQuotesIsOnlyUnknown(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	w.authorize("Rivera", "ATR-CM", 40, day(-10), day(30))
	for _, code := range []string{`x'); DROP TABLE claims; --`, `a"b\c`, `{"}`, `E'\\'`, "tab\tand\nnewline", `$1`} {
		_, _, err := w.b.Submit(w.hra(), w.claim("Q-1", "Rivera", "Okafor", line(code, day(-2), 2, "30.00")))
		require.ErrorIs(t, err, rss.ErrInvalid, "%q", code)
	}
	c := w.submit(w.claim("Q-2", "Rivera", "Okafor", line("ATR-CM", day(-2), 2, "30.00")))
	assert.Equal(t, "paid", c.Status, "the database is as it was")
}

// A refusal names the field's own rule: a line charge past the largest a
// line holds says so (it read "positive amount with at most two
// decimals", true of 100000000.00), and a place of service left out is
// required, as a missing rendering_staff_id is (it read invalid_format;
// a black-box pass).
func TestClaimRefusalsNameTheRule(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	w.authorize("Rivera", "ATR-CM", 40, day(-10), day(30))
	tests := []struct {
		name         string
		claim        billing.NewClaim
		field, code  string
		wantInReason string
	}{
		{"charge past a line's largest", w.claim("R-1", "Rivera", "Okafor", line("ATR-CM", day(-2), 1, "100000000.00")),
			"lines[0].charge", "out_of_range", "at most 99999999.99"},
		{"charge of zero", w.claim("R-2", "Rivera", "Okafor", line("ATR-CM", day(-2), 1, "0.00")),
			"lines[0].charge", "required", "more than zero"}, // none given reads required, as a line's units do
		{"no place of service", func() billing.NewClaim {
			c := w.claim("R-3", "Rivera", "Okafor", line("ATR-CM", day(-2), 1, "15.00"))
			c.PlaceOfService = ""
			return c
		}(), "place_of_service", "required", "place_of_service is required"},
		// Today named in the MSC's zone: a host whose clock reads UTC is
		// a day ahead in the evening, and the refusal read as wrong.
		{"dated tomorrow", w.claim("R-4", "Rivera", "Okafor", line("ATR-CM", day(1), 1, "15.00")),
			"lines[0].date_of_service", "in_future", "today is " + day(0).String() + " in the MSC's time zone"},
	}
	for _, tc := range tests {
		_, _, err := w.b.Submit(w.hra(), tc.claim)
		var ve *rss.ValidationError
		require.ErrorAs(t, err, &ve, tc.name)
		require.Len(t, ve.Fields, 1, tc.name)
		assert.Equal(t, tc.field, ve.Fields[0].Field, tc.name)
		assert.Equal(t, tc.code, ve.Fields[0].Code, tc.name)
		assert.Contains(t, ve.Fields[0].Message, tc.wantInReason, tc.name)
	}
}
