package billing_test

import (
	"strconv"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"rss/billing"
)

// A batch's file and a remittance advice carry client records (an 837P
// their names, dates of birth and Medicaid IDs), so a download is listed
// under every client it carried, as a client-level report is: it was one
// export event with no client, and "who saw this person's records" never
// found it (a black-box pass).
func TestDownloadsAreListedUnderTheirClients(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	w.mhwAuthorize(w.ecra(), "Dubois", 40, day(-30), day(30))
	c := w.submitAs(w.ecra(), w.mhwClaim("E-AUD", "Dubois", "Kowalski", []string{"F33.1"}, line("MHW-RA", day(-6), 4, "40.00")))
	require.Equal(t, "paid", c.Status)
	// Denied whole: the batch reports it on the advice, its file carries
	// nothing of it (a re-check found the file's read listing it).
	denied := w.submitAs(w.ecra(), w.mhwClaim("E-AUD-D", "Dubois", "Kowalski", []string{"F33.1"}, line("MHW-RA", day(-40), 4, "40.00")))
	require.Equal(t, "denied", denied.Status)
	b, err := w.b.CreateBatch(w.finance(), billing.NewBatch{PayerRoute: billing.RouteMedicaid837P, ThroughDate: day(0)})
	require.NoError(t, err)
	w.export(b.ID)
	w.advice(b.ID, "ECRA", "csv")

	type record struct {
		Action     string `db:"action"`
		EntityType string `db:"entity_type"`
		EntityID   string `db:"entity_id"`
	}
	var got []record
	require.NoError(t, w.db.SelectContext(t.Context(), &got, `SELECT action, entity_type, entity_id
		FROM audit_client_records($1) WHERE action = 'read' AND entity_type IN ('batch', 'remittance_advice') ORDER BY event_id`, c.ClientID))
	claim, other := strconv.FormatInt(c.ID, 10), strconv.FormatInt(denied.ID, 10)
	assert.Equal(t, []record{{"read", "batch", claim}, {"read", "remittance_advice", claim}, {"read", "remittance_advice", other}}, got)

	// The export events stand as they were: what was downloaded, in which form.
	var exports []string
	require.NoError(t, w.db.SelectContext(t.Context(), &exports, `SELECT entity_type || ' ' || entity_id || ' ' || outcome
		FROM audit_events WHERE action = 'export' ORDER BY id`))
	batch := strconv.FormatInt(b.ID, 10)
	assert.Equal(t, []string{"batch " + batch + " 837p",
		"remittance_advice " + batch + "/" + strconv.FormatInt(w.demo.Providers["ECRA"], 10) + " csv"}, exports)
}
