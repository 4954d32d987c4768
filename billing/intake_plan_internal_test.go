package billing

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"rss/pg/pgtest"
)

// The facts run on a generic plan made once per connection, often on the small or never analyzed tables of a new
// database, which they keep as the tables grow: each must find its rows
// from the submission's keys (clients, their authorizations' episodes),
// never by the agency (an index leading with provider_id reads every row
// of the agency) and never by a scan or a hash of a table. Made so on a
// new demo database, they read every authorization, client and enrollment
// of the agency for each client. Checked as made on the tables as they
// come and again once analyzed. (The ledger's lock stays planned every
// time: on small analyzed tables its generic plan read the whole of
// authorizations_pkey, in the order the locks are taken.)
func TestIntakeGenericPlansProbeByKey(t *testing.T) {
	t.Parallel()
	db := pgtest.NewDB(t)
	plans := func() string {
		tx, err := db.BeginTxx(t.Context(), nil)
		require.NoError(t, err)
		defer tx.Rollback() //nolint:errcheck // read only
		_, err = tx.ExecContext(t.Context(), genericPlans)
		require.NoError(t, err)
		_, err = tx.ExecContext(t.Context(), `PREPARE facts_plan(bigint, bigint[], bigint[], text[], date[], int[], date) AS `+factsQuery)
		require.NoError(t, err)
		var out []string
		for _, q := range []string{`EXPLAIN (COSTS OFF) EXECUTE facts_plan(1, '{1,2}', '{1}', '{ATR-CM}', '{2026-12-01}', '{2}', '2026-12-02')`} {
			var lines []string
			require.NoError(t, tx.SelectContext(t.Context(), &lines, q))
			out = append(out, lines...)
		}
		_, err = tx.ExecContext(t.Context(), `DEALLOCATE ALL`)
		require.NoError(t, err)
		return strings.Join(out, "\n")
	}
	for _, when := range []string{"as the tables come", "analyzed"} {
		if when == "analyzed" {
			_, err := db.ExecContext(t.Context(), `ANALYZE`)
			require.NoError(t, err)
		}
		plan := plans()
		for _, bad := range []string{"Seq Scan", "Bitmap", "Hash Join", "Merge Join", "authorizations_provider_idx",
			"clients_medicaid_id_unique", "clients_one_record_per_agency", "enrollments_provider_idx"} {
			assert.NotContains(t, plan, bad, "%s:\n%s", when, plan)
		}
		for _, good := range []string{"authorizations_client_service_idx", "enrollments_client_idx", "claim_lines_no_duplicate",
			"authorizations_episode_idx"} {
			assert.Contains(t, plan, good, "%s:\n%s", when, plan)
		}
		// Every index it reads it probes: a scan of a whole index with a
		// filter is a scan of the table.
		lines := strings.Split(plan, "\n")
		for i, l := range lines {
			if strings.Contains(l, "Index Scan using") || strings.Contains(l, "Index Only Scan using") {
				next := ""
				if i+1 < len(lines) {
					next = strings.TrimSpace(lines[i+1])
				}
				assert.True(t, strings.HasPrefix(next, "Index Cond:"), "%s: %s reads the whole index:\n%s", when, strings.TrimSpace(l), plan)
			}
		}
	}
}
