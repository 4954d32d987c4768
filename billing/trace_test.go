package billing

import (
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"rss/adjudication"
)

// A trace stored in the short form reads back exactly as one stored as
// compacted objects did, and traces stored as objects still read back.
func TestStoredTraceReadsBackAsDecided(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name  string
		trace []adjudication.TraceEntry
	}{
		{"clean line", []adjudication.TraceEntry{{Rule: "C00", Result: "passed"}, {Rule: "C01", Result: "passed"}, {Rule: "C11", Result: "skipped"}}},
		{"with details and a hit", []adjudication.TraceEntry{
			{Rule: "C00", Result: "passed", Detail: "4 of 40 units left"},
			{Rule: "C05", Code: adjudication.CodeStaffNotQualified, Action: adjudication.ActionDeny, Result: "hit", Detail: `the "same" line \ again`},
			{Rule: "ZZ9", Result: "passed"},
		}},
		{"odd text", []adjudication.TraceEntry{{Rule: "C01", Result: "not passed"}, {Rule: "C\"2", Result: "passed"}}},
		{"empty", []adjudication.TraceEntry{}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			asObjects, err := json.Marshal(adjudication.CompactLineTrace(tc.trace))
			require.NoError(t, err)
			var want []adjudication.TraceEntry
			require.NoError(t, json.Unmarshal(asObjects, &want))
			adjudication.ExpandLineTrace(want)

			short, err := appendTrace(nil, tc.trace)
			require.NoError(t, err)
			assert.True(t, json.Valid(short), "%s", short)
			got, err := decodeTrace(short)
			require.NoError(t, err)
			assert.Equal(t, want, got)
			assert.LessOrEqual(t, len(short), len(asObjects))

			old, err := decodeTrace(asObjects)
			require.NoError(t, err)
			assert.Equal(t, want, old, "a trace stored as objects")
		})
	}
}
