package reports

import (
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"rss"
)

// The hand-written JSON of a length-of-service row is what encoding/json
// makes of the struct's tags, for nulls and values alike.
func TestLengthOfServiceRowJSON(t *testing.T) {
	type plain LengthOfServiceRow // no MarshalJSON
	d, maxDays := rss.MustDate("2026-03-31"), int64(270)
	for _, r := range []LengthOfServiceRow{
		{EnrollmentID: 7, ProviderID: 2, Program: "RCM", StartDate: rss.MustDate("2025-06-30"), DischargeDate: &d,
			Status: "discharged", Days: 275, MaxDays: &maxDays, PastMax: true, DaysPastMax: 5},
		{EnrollmentID: 8, ProviderID: 3, Program: "ATR", StartDate: rss.MustDate("2026-01-01"), Status: "open", Days: 1},
		{Program: `a "quoted" <b> é`, Status: "open"},
	} {
		got, err := json.Marshal(r)
		require.NoError(t, err)
		want, err := json.Marshal(plain(r))
		require.NoError(t, err)
		assert.JSONEq(t, string(want), string(got))
		assert.Equal(t, string(want), string(got), "same bytes, same order")
	}
}
