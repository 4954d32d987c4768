package staff

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/lib/pq"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"rss"
	"rss/fixtures"
	"rss/pg/pgtest"
)

// claimsFilteredByStaff walks an EXPLAIN (FORMAT JSON) plan and returns the
// filters applied to rows of claims after they were read: a condition on
// rendering_staff_id there means every claim of the agency was read to
// find one member's.
func claimsFilteredByStaff(node map[string]any) []string {
	var out []string
	if node["Relation Name"] == "claims" {
		if f, ok := node["Filter"].(string); ok && strings.Contains(f, "rendering_staff_id") {
			out = append(out, node["Node Type"].(string)+" filter "+f)
		}
	}
	if kids, ok := node["Plans"].([]any); ok {
		for _, k := range kids {
			out = append(out, claimsFilteredByStaff(k.(map[string]any))...)
		}
	}
	return out
}

// A change that can take a qualification away (a role, a supervisor, a date
// of birth, employment dates; a failed background check; a credential
// withdrawn) first reads every paid line the member, and those they
// supervise, rendered (holdPaidLines: billing.PaidLinesRenderedBy), under
// the agency's intake lock; a change of employment dates then runs the
// schema's check (staff_no_claims_outside_employment) under the same lock.
// With no index from a staff member to the claims they rendered, both read
// every claim of the agency and threw the other staff's away (34,143 of
// 36,964 on a 3,000,000-line history; a white-box review): migration 00108.
// The sequential scan is switched off here, as a table of millions makes
// the planner do: what remains is what the indexes allow. The statements
// are copies of the two named; a change of either is copied here.
func TestPaidLinesOfAStaffMemberAreFoundByTheirClaims(t *testing.T) {
	db := pgtest.NewDB(t)
	ctx := t.Context()
	// Agencies whose claims several staff members rendered.
	size := fixtures.HistorySize{Lines: 40_000, Auths: 4_000, Clients: 2_000, Providers: 2, Chunk: 2_000,
		DataFrom: rss.MustDate("2025-06-01"), DataTo: rss.MustDate("2026-05-31")}
	require.NoError(t, fixtures.GenerateHistory(ctx, db, size, time.UTC, func(string, ...any) {}))
	tx, err := db.BeginTxx(ctx, nil)
	require.NoError(t, err)
	defer func() { _ = tx.Rollback() }()
	_, err = tx.ExecContext(ctx, `SET LOCAL enable_seqscan = off`)
	require.NoError(t, err)
	var staff, provider int64
	require.NoError(t, tx.QueryRowxContext(ctx, `SELECT rendering_staff_id, provider_id FROM claims
		WHERE rendering_staff_id IS NOT NULL GROUP BY 1, 2 ORDER BY count(*) DESC LIMIT 1`).Scan(&staff, &provider))

	for _, c := range []struct {
		name, query string
		args        []any
	}{
		// billing.PaidLinesRenderedBy, as holdPaidLines calls it.
		{"held paid lines", `SELECT c.id AS claim_id, c.claim_number, l.line_number, c.rendering_staff_id,
				l.service_code, l.date_of_service, k.date_of_birth AS client_born
			FROM claims c JOIN claim_lines l ON l.claim_id = c.id JOIN clients k ON k.id = c.client_id
			WHERE c.provider_id = $1 AND c.rendering_staff_id = ANY($2) AND l.counted AND ($3::date IS NULL OR l.date_of_service >= $3)
			ORDER BY l.date_of_service, c.id, l.line_number`, []any{provider, pq.Array([]int64{staff}), nil}},
		// staff_no_claims_outside_employment (migration 00073).
		{"departure check", `SELECT EXISTS (SELECT 1 FROM claims c JOIN claim_lines l ON l.claim_id = c.id
			WHERE c.provider_id = $1 AND c.rendering_staff_id = $2 AND l.counted
			  AND (l.date_of_service > $3::date OR l.date_of_service < $4::date))`, []any{provider, staff, "2026-06-01", "2020-01-01"}},
	} {
		var raw string
		require.NoError(t, tx.GetContext(ctx, &raw, `EXPLAIN (FORMAT JSON) `+c.query, c.args...), c.name)
		var plan []map[string]any
		require.NoError(t, json.Unmarshal([]byte(raw), &plan))
		assert.Empty(t, claimsFilteredByStaff(plan[0]["Plan"].(map[string]any)),
			"%s: the member's claims are found by an index on their rendering staff, not among all the agency's", c.name)
	}
}
