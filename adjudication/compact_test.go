package adjudication

import (
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// A stored claim-line trace keeps only what varies, and expands back to
// exactly the trace DecideLine produced.
func TestLineTraceCompactsAndExpands(t *testing.T) {
	for name, f := range map[string]*LineFacts{
		"paid":                paidATRLine(),
		"denied as duplicate": func() *LineFacts { f := paidATRLine(); f.Duplicate = true; return f }(),
		"named mismatch": func() *LineFacts {
			f := paidATRLine()
			f.Authorization, f.AuthorizationMismatch = nil, true
			f.Line.AuthorizationNumber = "PA1"
			return f
		}(),
		"no medicaid id": func() *LineFacts { f := paidMHWLine(); f.Client.HasMedicaidID = false; return f }(),
	} {
		t.Run(name, func(t *testing.T) {
			d := DecideLine(f)
			compact := CompactLineTrace(d.Trace)
			full, err := json.Marshal(d.Trace)
			require.NoError(t, err)
			small, err := json.Marshal(compact)
			require.NoError(t, err)
			assert.Less(t, len(small)*2, len(full), "the stored trace is at most half the size")
			var back []TraceEntry
			require.NoError(t, json.Unmarshal(small, &back))
			ExpandLineTrace(back)
			assert.Equal(t, d.Trace, back)
		})
	}
}
