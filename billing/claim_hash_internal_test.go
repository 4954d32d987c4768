package billing

import (
	"encoding/json"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/shopspring/decimal"
	"github.com/stretchr/testify/require"

	"rss"
	"rss/adjudication"
)

// A claim's hash is taken of what json.Marshal writes of it: claims on
// file were hashed so, and the same claim sent again must match them.
func TestNewClaimJSONIsMarshal(t *testing.T) {
	t.Parallel()
	r := rand.New(rand.NewPCG(3, 1))
	texts := []string{"", "ATR-CM", "HRA-1", "F11.20", "a\"b\\c", "<&>", "tab\there", "é 漢", "bad\xffutf8", "\u2028"}
	text := func() string { return texts[r.IntN(len(texts))] }
	for range 3000 {
		n := NewClaim{ClaimNumber: text(), ClientID: r.Int64N(1<<40) - 5, Frequency: text(), RenderingStaffID: r.Int64N(100) - 5,
			PlaceOfService: text()}
		if r.IntN(2) == 0 {
			v := r.Int64N(1 << 40)
			n.OriginalClaimID = &v
		}
		switch r.IntN(3) {
		case 0:
			n.Diagnoses = []string{}
		case 1:
			n.Diagnoses = []string{text(), text()}
		}
		if r.IntN(5) > 0 {
			n.Lines = make([]NewLine, r.IntN(4))
		}
		for i := range n.Lines {
			n.Lines[i] = NewLine{ServiceCode: text(), Units: r.IntN(100) - 3, Charge: rss.NewMoney(decimal.New(r.Int64N(1e7)-100, -r.Int32N(4))),
				AuthorizationNumber: text()}
			if r.IntN(4) > 0 {
				n.Lines[i].DateOfService = rss.NewDate(time.Date(2000+r.IntN(30), 5, 1+r.IntN(28), 0, 0, 0, 0, time.UTC))
			}
		}
		want, err := json.Marshal(&n)
		require.NoError(t, err)
		require.Equal(t, string(want), string(n.appendJSON(nil)))
	}
}

// A trace entry and adjustments are stored as json.Marshal writes them.
func TestTraceAndAdjustmentsJSONIsMarshal(t *testing.T) {
	t.Parallel()
	r := rand.New(rand.NewPCG(5, 9))
	texts := []string{"", "C09", "fired", "charge 20.00 over 15.00", "a\"b", "<x>", "é", "\x01"}
	text := func() string { return texts[r.IntN(len(texts))] }
	for range 3000 {
		e := adjudication.TraceEntry{Rule: text(), Code: text(), Action: adjudication.Action(text()), Result: text(), Detail: text()}
		if r.IntN(4) == 0 {
			e.Facts = "units,authorization"
		}
		if r.IntN(4) == 0 {
			e.Source = r.Int64N(100) - 1
		}
		want, err := json.Marshal(e)
		require.NoError(t, err)
		got, err := appendTraceObject(nil, &e)
		require.NoError(t, err)
		require.Equal(t, string(want), string(got))

		var adj []Adjustment
		if r.IntN(4) > 0 {
			adj = []Adjustment{}
			for range r.IntN(3) {
				adj = append(adj, Adjustment{Group: text(), Code: text(), CARC: text(), RARC: text(),
					Amount: rss.NewMoney(decimal.New(r.Int64N(1e6)-5e5, -2)), Units: r.IntN(3) - 1, Text: text()})
			}
		}
		want, err = json.Marshal(adj)
		require.NoError(t, err)
		require.Equal(t, string(want), string(appendAdjustments(nil, adj)))
	}
}
