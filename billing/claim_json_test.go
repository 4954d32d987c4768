package billing_test

import (
	"encoding/json"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/shopspring/decimal"
	"github.com/stretchr/testify/require"

	"rss"
	"rss/adjudication"
	"rss/billing"
)

// Claim.AppendJSON writes what encoding/json writes for a claim, byte for
// byte, whatever the claim holds.
func TestClaimAppendJSONIsMarshal(t *testing.T) {
	t.Parallel()
	r := rand.New(rand.NewPCG(8, 6))
	texts := []string{"", "ATR-CM", "paid", "F1120", "a\"b\\c", "<&>", "tab\there", "nul\x00", "é ü 漢", "bad\xff\xfeutf8", "\u2028\u2029",
		"~!@#$%^*()_+", "line\nbreak", "\x7f"}
	text := func() string { return texts[r.IntN(len(texts))] }
	money := func() rss.Money { return rss.NewMoney(decimal.New(r.Int64N(2000000)-1000000, -r.Int32N(4))) }
	id := func() *int64 {
		if r.IntN(3) == 0 {
			return nil
		}
		v := r.Int64N(1 << 40)
		return &v
	}
	date := func() rss.Date {
		if r.IntN(5) == 0 {
			return rss.Date{}
		}
		return rss.NewDate(time.Date(1990+r.IntN(60), time.Month(1+r.IntN(12)), 1+r.IntN(28), 0, 0, 0, 0, time.UTC))
	}
	zone := time.FixedZone("x", -5*3600)
	for range 3000 {
		c := billing.Claim{ID: r.Int64N(1 << 50), ProviderID: r.Int64N(100), ClientID: r.Int64N(1 << 30), ProgramCode: text(),
			ClaimNumber: text(), Frequency: text(), OriginalClaimID: id(), RenderingStaffID: id(), PlaceOfService: text(),
			Status: text(), TotalCharge: money(), TotalPaid: money(), FirstServiceDate: date(), LastServiceDate: date(),
			ReceivedOn: date(), ReceivedAt: time.Date(2026, 1, 2, 3, 4, 5, r.IntN(1e9), []*time.Location{time.UTC, zone}[r.IntN(2)]),
			SupersededBy: id(), BatchID: id()}
		if r.IntN(2) == 0 {
			at := time.Unix(r.Int64N(2e9), r.Int64N(1e9)).In(zone)
			c.SupersededAt = &at
		}
		switch r.IntN(3) {
		case 0:
			c.Diagnoses = []string{}
		case 1:
			c.Diagnoses = []string{text(), text()}
		}
		if r.IntN(10) == 0 {
			c.Payer = &billing.ClaimPayer{Status: text(), Paid: money()}
		}
		if r.IntN(10) > 0 {
			c.Lines = make([]billing.Line, r.IntN(4))
		}
		for i := range c.Lines {
			l := &c.Lines[i]
			*l = billing.Line{ID: r.Int64N(1 << 40), LineNumber: i + 1, ServiceCode: text(), DateOfService: date(), Units: r.IntN(100) - 50,
				Charge: money(), AuthorizationID: id(), Status: text(), UnitsAllowed: r.IntN(10), Allowed: money(), Paid: money(),
				RuleSetVersion: text(), ReversesLineID: id()}
			if r.IntN(2) == 0 {
				s := text()
				l.AuthorizationNumber = &s
			}
			if r.IntN(2) == 0 {
				m := money()
				l.Rate = &m
			}
			if r.IntN(3) > 0 {
				l.Adjustments = []billing.Adjustment{}
				for range r.IntN(3) {
					l.Adjustments = append(l.Adjustments, billing.Adjustment{Group: text(), Code: text(), CARC: text(), RARC: text(),
						Amount: money(), Units: r.IntN(3) - 1, Text: text()})
				}
			}
			if r.IntN(5) == 0 {
				l.Trace = []adjudication.TraceEntry{{Rule: "C01", Result: text(), Detail: text()}}
			}
		}
		want, err := json.Marshal(&c)
		require.NoError(t, err)
		got, err := c.AppendJSON([]byte("prefix"))
		require.NoError(t, err)
		require.Equal(t, "prefix"+string(want), string(got))
	}
}
