package reports

import (
	"bytes"
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// The length-of-service report lists, row by row, each enrollment open in
// its range: its id, agency, program (RCM: a DCF-involved parent in
// recovery), start, discharge and status. That is the enrollment record
// GET /v1/enrollments/{id} answers and audits as a read of the client's
// record (SPEC §10: reads of client records included). Pulled as a report,
// the same records were read in bulk with nothing audited (a white-box
// review): each is a read in the report's read set now.
func TestLengthOfServiceRowsAreAuditedReads(t *testing.T) {
	e := newAuditEnv(t, 4)
	var last int64
	require.NoError(t, e.db.GetContext(e.ctx, &last, `SELECT coalesce(max(id), 0) FROM audit_events`))
	rep, err := e.s.LengthOfService(e.ctx, e.q)
	require.NoError(t, err)
	var buf bytes.Buffer
	require.NoError(t, rep.Write(e.ctx, &buf, false))
	var out struct {
		Rows []struct {
			EnrollmentID int64 `json:"enrollment_id"`
		} `json:"rows"`
	}
	require.NoError(t, json.Unmarshal(buf.Bytes(), &out))
	require.NotEmpty(t, out.Rows, "the demo has enrollments in the range")
	for _, r := range out.Rows {
		var n int
		require.NoError(t, e.db.GetContext(e.ctx, &n, `SELECT count(*) FROM audit_records
			WHERE event_id > $2 AND action = 'read' AND entity_id = $1::bigint::text
			  AND client_id = (SELECT client_id FROM enrollments WHERE id = $1::bigint)`, r.EnrollmentID, last))
		assert.Positive(t, n, "enrollment %d shown by the report is audited as read", r.EnrollmentID)
	}
}
