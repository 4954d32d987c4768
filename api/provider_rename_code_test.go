package api_test

import (
	"net/http"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// A code read as another agency's is refused when an agency is registered
// (provider_code_taken), not on a rename: a code never changes, and two
// agencies registered alike before the check (set here in the table, as
// the registry now refuses it) could never be renamed, even to their own
// name respelled (a review).
func TestRenameOfAnAgencyWhoseCodeReadsAsAnothers(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	_, err := e.db.ExecContext(t.Context(), `UPDATE providers SET code = 'H-R-A' WHERE code = 'LAS'`)
	require.NoError(t, err)
	r := e.patch(keyAdmin, itPath("/v1/reference/providers/%d", e.demo.Providers["HRA"]),
		map[string]any{"name": "Hartford Recovery Alliance, Inc.", "reason": "incorporated"})
	assert.Equal(t, http.StatusOK, r.Status, "a rename says nothing of the codes: %s", r.Body)
}

// A code read as another's either way round: "ZZQ" after "ZZQCO" (ZZQ Co)
// was taken, and a form naming "ZZQ Co" read as both (a re-check).
func TestCodeReadAsAnothersEitherWayRound(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	r := e.post(keyAdmin, "/v1/reference/providers", itWith(newProviderBody("ZZQCO", goodNPI), "name", "Quartz Recovery Cooperative"))
	require.Equal(t, http.StatusCreated, r.Status, "%s", r.Body)
	itNothingWritten(t, e, func() {
		requireProblem(t, e.post(keyAdmin, "/v1/reference/providers", itWith(newProviderBody("ZZQ", "1234567893"), "name", "Zeta Recovery")),
			http.StatusConflict, "provider_code_taken")
	})
}
