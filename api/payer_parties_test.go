package api_test

import (
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"rss/api"
	"rss/billing"
	"rss/x12/x12test"
)

// restart serves the same database with other 837P parties, as rss serve
// started again with other RSS_X12_* settings.
func (e *env) restart(p billing.Parties) {
	e.srv = api.Open(e.db, api.Options{Now: func() time.Time { return e.now }, Location: loc, Parties: &p,
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
}

// readdress is a payer file with its ISA08 (padded, as the ISA writes it)
// and ISA15 as given.
func readdress(t *testing.T, f []byte, from, to, usage string) []byte {
	t.Helper()
	s := string(f)
	pad := func(id string) string { return "*ZZ*" + id + strings.Repeat(" ", 15-len(id)) + "*" }
	require.Contains(t, s, pad(from))
	s = strings.Replace(s, pad(from), pad(to), 1)
	if usage != "" {
		require.Contains(t, s, "*0*T*:~")
		s = strings.Replace(s, "*0*T*:~", "*0*"+usage+"*:~", 1)
	}
	return []byte(s)
}

// A payer file answers batches as they went out: the parties frozen into
// each batch when it closed, not today's settings. A black-box pass
// restarted rss with RSS_X12_SENDER_ID=NEWSENDER and found the payer's
// 999 for a batch sent as RSSMSC, addressed to RSSMSC as the payer
// received it, refused (422), and the same 999 addressed to NEWSENDER
// matched to that batch. Now a 999 or 277CA is taken when addressed as
// the batches it answers went out (ids and usage) and refused when
// addressed as none of them; an 835, which pays a payee and is routed by
// the payer's enrolment rather than by the interchange the claim came in,
// is taken addressed as any party set rss has used, its usage that of
// every batch whose claims it pays. The usage is judged the same way, so
// a cut-over from test to production leaves the test batches answerable.
func TestPayerFilesAnswerTheBatchesPartiesNotTodays(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.mhwReady(100)
	x12h := map[string]string{"Content-Type": "application/edi-x12"}
	importFile := func(f []byte) resp {
		t.Helper()
		return e.do(req{Method: http.MethodPost, Path: "/v1/payer-files", Key: keyFinance, Body: f, Header: x12h})
	}
	imported := func(f []byte) map[string]any {
		t.Helper()
		r := importFile(f)
		require.Equal(t, http.StatusCreated, r.Status, "%s", r.Body)
		return r.JSON(t)["summary"].(map[string]any)
	}
	refused := func(f []byte, want ...string) {
		t.Helper()
		itNothingWritten(t, e, func() {
			p := requireProblem(t, importFile(f), http.StatusUnprocessableEntity, "validation_failed")
			require.Len(t, p["errors"], 1)
			msg := p["errors"].([]any)[0].(map[string]any)["message"].(string)
			for _, w := range want {
				assert.Contains(t, msg, w)
			}
		})
	}
	closeBatch := func(number, dos string) (int64, []byte) {
		t.Helper()
		r := e.post(keyECRA, "/v1/claims", e.duboisClaim(number, raLine(dos, 2, "14.50")))
		require.Equal(t, http.StatusCreated, r.Status, "%s", r.Body)
		r = e.post(keyFinance, "/v1/batches", map[string]any{"payer_route": "medicaid_837p", "through_date": day(0)})
		require.Equal(t, http.StatusCreated, r.Status, "%s", r.Body)
		id := itID(t, r)
		f := e.get(keyFinance, fmt.Sprintf("/v1/batches/%d/file", id))
		require.Equal(t, http.StatusOK, f.Status)
		return id, f.Body
	}

	// Batch A goes out as RSSMSC (test usage); rss restarts as NEWSENDER
	// and batch B goes out so; then it cuts over to production.
	a, fileA := closeBatch("PP-A", day(-3))
	require.Contains(t, string(fileA), "*ZZ*RSSMSC         *")
	parties := billing.DefaultParties()
	parties.SenderID = "NEWSENDER"
	e.restart(parties)
	b, fileB := closeBatch("PP-B", day(-2))
	require.Contains(t, string(fileB), "*ZZ*NEWSENDER      *")
	parties.Usage = "P"
	e.restart(parties)

	// The payer answers each batch to the sender it received it from.
	ansA, err := x12test.Answer(fileA, x12test.Scenario{Control: 3010})
	require.NoError(t, err)
	ansB, err := x12test.Answer(fileB, x12test.Scenario{Control: 3020, FirstPayerControl: 100})
	require.NoError(t, err)

	// The 999 and the 277CA answer batch A as RSSMSC received it, test
	// usage and all; addressed to today's NEWSENDER they answer nothing
	// rss sent so.
	refused(readdress(t, ansA.Ack999, "RSSMSC", "NEWSENDER", "P"), fmt.Sprintf("batch %d", a), "ZZ:RSSMSC")
	refused(readdress(t, ansA.Ack999, "RSSMSC", "NEWSENDER", ""), fmt.Sprintf("batch %d", a), "ZZ:RSSMSC")
	s := imported(ansA.Ack999)
	assert.Equal(t, []any{1.0, 1.0}, []any{s["matched"], s["accepted"]})
	refused(readdress(t, ansA.Ack277CA, "RSSMSC", "NEWSENDER", ""), fmt.Sprintf("batch %d", a))
	s = imported(ansA.Ack277CA)
	assert.Equal(t, 1.0, s["matched"])
	// Batch B's answers as NEWSENDER received it, not as RSSMSC.
	refused(readdress(t, ansB.Ack999, "NEWSENDER", "RSSMSC", ""), fmt.Sprintf("batch %d", b), "ZZ:NEWSENDER")
	imported(ansB.Ack999)
	refused(readdress(t, ansB.Ack277CA, "NEWSENDER", "RSSMSC", ""), fmt.Sprintf("batch %d", b))
	imported(ansB.Ack277CA)

	// Addressed as no batch went out and not as today: refused, as ever.
	refused(readdress(t, ansA.Ack999, "RSSMSC", "SOMEONEELSE", ""), "addressed to ZZ:SOMEONEELSE, not to rss")

	// An 835 pays claims, whichever sender they came from: batch A's claim
	// paid under NEWSENDER posts, but not as a production payment of a
	// test batch's claim.
	refused(readdress(t, ansA.Remit835, "RSSMSC", "NEWSENDER", "P"), fmt.Sprintf("batch %d", a), "usage")
	s = imported(readdress(t, ansA.Remit835, "RSSMSC", "NEWSENDER", ""))
	assert.Equal(t, 1.0, s["matched"])
	s = imported(ansB.Remit835)
	assert.Equal(t, 1.0, s["matched"])
	for _, n := range []string{"PP-A", "PP-B"} {
		assert.Equal(t, 1, e.count(`SELECT count(*) FROM payer_claim_payments p JOIN claims c ON c.id = p.claim_id
			WHERE c.claim_number = $1 AND p.unmatched_reason IS NULL`, n), n)
	}
}
