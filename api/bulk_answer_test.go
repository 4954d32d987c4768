package api

import (
	"encoding/json"
	"net/http"
	"testing"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/stretchr/testify/require"

	"rss"
	"rss/billing"
)

// The bulk answer is what asJSON wrote of its map, byte for byte.
func TestBulkAnswerIsAsJSON(t *testing.T) {
	t.Parallel()
	staff := int64(4)
	claim := func(id int64, lines int) *billing.Claim {
		c := &billing.Claim{ID: id, ProviderID: 1, ClientID: 9, ProgramCode: "ATR", ClaimNumber: "B-1", Frequency: "1",
			RenderingStaffID: &staff, PlaceOfService: "11", Diagnoses: []string{"F1120"}, Status: "paid",
			TotalCharge: rss.MustMoney("30.00"), TotalPaid: rss.MustMoney("30.00"), FirstServiceDate: rss.NewDate(time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)),
			ReceivedAt: time.Date(2026, 3, 2, 10, 0, 0, 123456000, time.UTC)}
		for i := range lines {
			c.Lines = append(c.Lines, billing.Line{ID: id*100 + int64(i), LineNumber: i + 1, ServiceCode: "ATR-CM", Units: 2,
				Charge: rss.MustMoney("15.00"), Status: "paid", Adjustments: []billing.Adjustment{}, RuleSetVersion: "claims-v1"})
		}
		return c
	}
	bad := problemFor(rss.Invalid("client_id", "unknown_id", "no client 9 <served>"))
	bad.Type = problemBase + bad.Code
	for _, results := range [][]BulkResult{
		{},
		{{Index: 0, Status: http.StatusCreated, Claim: claim(1, 3)}},
		{{Index: 0, Status: http.StatusCreated, Claim: claim(1, 10)}, {Index: 1, Status: bad.Status, Problem: &bad},
			{Index: 2, Status: http.StatusOK, Claim: claim(2, 0)}},
	} {
		sum := BulkSummary{Claims: len(results), Created: 1, Lines: 13}
		want := asJSON(http.StatusOK, gin.H{"summary": sum, "results": results})
		got := bulkAnswer(results, sum)
		require.Equal(t, want.Status, got.Status)
		require.Equal(t, want.ContentType, got.ContentType)
		require.Equal(t, string(want.Body), string(got.Body))
		require.True(t, json.Valid(got.Body))
	}
}
