package api_test

import (
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"rss"
)

// itThreeAgencies registers one person at HRA, BCS and LAS (LAS's lapsed
// agreement renewed first), each ready for ATR-TR vouchers (itATRReady),
// and returns the three client records.
func itThreeAgencies(t *testing.T, e *env) (hra, bcs, las int64) {
	t.Helper()
	r := e.post(keyAdmin, itPath("/v1/reference/providers/%d/agreements", e.demo.Providers["LAS"]),
		map[string]any{"start_date": day(-29), "end_date": nil, "note": "renewal"})
	require.Equal(t, http.StatusCreated, r.Status, "%s", r.Body)
	person := identity{First: "Gideon", Last: fmt.Sprintf("Marchetti%d", itNameSeq.Add(1)), DOB: rss.MustDate("1983-08-08")}
	hra = itRegisterAs(t, e, keyHRA, person)
	bcs = itRegisterAs(t, e, keyBCS, person)
	las = itRegisterAs(t, e, lasProviderKey(), person)
	itATRReady(t, e, keyHRA, hra, nil)
	itATRReady(t, e, keyBCS, bcs, nil)
	itATRReady(t, e, lasProviderKey(), las, nil)
	return hra, bcs, las
}

// A request pended for a duplicate of one agency's authorization waits
// while a third agency is approved the same days: approved as it stood,
// the duplicate counted as lifted since the request had pended for it,
// and three agencies held one service for the same days with no reviewer
// told of the third (a black-box pass: the re-check saw LAS and kept it,
// the review said nothing). The approval is a 409 pended_since naming the
// new overlap until the reviewer acknowledges it, as a cap grown since is;
// the reviewer's read of the review shows what the re-check found, and
// the agency reads its request as before.
func TestReviewerApprovalMeetsANewDuplicateSincePending(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	hra, bcs, las := itThreeAgencies(t, e)
	first := itVoucher(t, e, keyBCS, bcs, "ATR-TR", 8, 0, 29)
	require.Equal(t, "approved", first["decision"], "%v", first["reason_codes"])
	lasReq := itVoucher(t, e, lasProviderKey(), las, "ATR-TR", 8, 0, 29)
	require.Equal(t, "pended", lasReq["decision"])
	hraReq := itVoucher(t, e, keyHRA, hra, "ATR-TR", 8, 0, 29)
	require.Equal(t, "pended", hraReq["decision"])
	hraID := itNum(t, hraReq, "id")
	hraPath := itPath("/v1/voucher-requests/%d", hraID)
	pended := e.get(keyReviewer, hraPath).JSON(t)
	require.Equal(t, []any{"DUPLICATE_SERVICE_OTHER_PROVIDER"}, pended["reason_codes"])
	require.NotContains(t, fmt.Sprint(pended["reasons"]), "of provider "+itStr(e.demo.Providers["LAS"]), "LAS holds nothing yet")
	before := e.get(keyHRA, hraPath).JSON(t)

	// Nothing was authorized beside BCS's since LAS's request pended: the
	// approval lifts the duplicate it pended for, as before.
	r := e.post(keyReviewer, itPath("/v1/voucher-requests/%d/decision", itNum(t, lasReq, "id")),
		map[string]any{"action": "approve", "note": "ok"})
	require.Equal(t, http.StatusOK, r.Status, "body: %s", r.Body)
	lasNumber := r.JSON(t)["authorization_number"].(string)

	decision := hraPath + "/decision"
	itNothingWritten(t, e, func() {
		p := requireProblem(t, e.post(keyReviewer, decision, map[string]any{"action": "approve", "note": "ok"}),
			http.StatusConflict, "pended_since")
		assert.Equal(t, []any{"DUPLICATE_SERVICE_OTHER_PROVIDER"}, p["reasons"])
		assert.Contains(t, p["detail"], lasNumber, "the MSC is told of the third agency's authorization")
		assert.Contains(t, p["detail"], first["authorization_number"], "and of the one the request pended for")
	})
	r = e.post(keyReviewer, decision, map[string]any{"action": "approve", "note": "agreed",
		"acknowledge": []string{"DUPLICATE_SERVICE_OTHER_PROVIDER"}})
	require.Equal(t, http.StatusOK, r.Status, "body: %s", r.Body)
	assert.Equal(t, "approved", r.JSON(t)["decision"])

	// The reviewer's read of the review names what the re-check found.
	for _, got := range []map[string]any{r.JSON(t), e.get(keyReviewer, hraPath).JSON(t)} {
		review, _ := got["review"].(map[string]any)
		require.NotNil(t, review, "%v", got)
		reasons, _ := review["reasons"].([]any)
		require.Len(t, reasons, 1, "%v", review)
		reason := reasons[0].(map[string]any)
		assert.Equal(t, "DUPLICATE_SERVICE_OTHER_PROVIDER", reason["code"])
		assert.Contains(t, reason["detail"], lasNumber)
	}
	// HRA, which holds no consent naming BCS or LAS, reads its request as
	// before: nothing of the other agencies, and no reason in the review.
	after := e.get(keyHRA, hraPath)
	require.Equal(t, http.StatusOK, after.Status, "%s", after.Body)
	for _, s := range []string{lasNumber, first["authorization_number"].(string), "source_provider_id", "DUPLICATE_SERVICE_OTHER_PROVIDER"} {
		assert.NotContains(t, string(after.Body), s)
	}
	got := after.JSON(t)
	for _, k := range []string{"reason_codes", "trace"} {
		assert.Equal(t, before[k], got[k], "the decision adds nothing to what HRA reads of %s", k)
	}
	// Only the withheld reason's words change: decided, no review is to
	// come (the forty-fourth stop), nor does its next step promise one
	// (the forty-fifth: a Part 2 sweep).
	decided := strings.ReplaceAll(fmt.Sprint(before["reasons"]), "withheld: the MSC reviews this", "withheld: ask the MSC about this request")
	decided = strings.ReplaceAll(decided, "Contact the MSC about this request; a reviewer decides it if it is pended.",
		"Contact the MSC about this request.")
	assert.Equal(t, decided, fmt.Sprint(got["reasons"]), "the decision adds nothing to what HRA reads of reasons")
	assert.Equal(t, []any{}, got["review"].(map[string]any)["reasons"])
}

// A new authorization of the agency the request pended for is a new
// overlap too: BCS's second voucher, granted over the later days of HRA's
// pended request, was never shown to the reviewer.
func TestReviewerApprovalMeetsAnotherAuthorizationOfTheSameAgency(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	person := identity{First: "Tamsin", Last: fmt.Sprintf("Okoro%d", itNameSeq.Add(1)), DOB: rss.MustDate("1979-04-14")}
	hra, bcs := itRegisterAs(t, e, keyHRA, person), itRegisterAs(t, e, keyBCS, person)
	itATRReady(t, e, keyHRA, hra, nil)
	itATRReady(t, e, keyBCS, bcs, nil)
	first := itVoucher(t, e, keyBCS, bcs, "ATR-TR", 8, 0, 29)
	require.Equal(t, "approved", first["decision"], "%v", first["reason_codes"])
	v := itVoucher(t, e, keyHRA, hra, "ATR-TR", 8, 0, 59)
	require.Equal(t, "pended", v["decision"])
	second := itVoucher(t, e, keyBCS, bcs, "ATR-TR", 8, 30, 59)
	require.Equal(t, "approved", second["decision"], "%v", second["reason_codes"])

	path := itPath("/v1/voucher-requests/%d/decision", itNum(t, v, "id"))
	itNothingWritten(t, e, func() {
		p := requireProblem(t, e.post(keyReviewer, path, map[string]any{"action": "approve", "note": "ok"}),
			http.StatusConflict, "pended_since")
		assert.Equal(t, []any{"DUPLICATE_SERVICE_OTHER_PROVIDER"}, p["reasons"])
		assert.Contains(t, p["detail"], second["authorization_number"])
	})
	r := e.post(keyReviewer, path, map[string]any{"action": "approve", "note": "agreed",
		"acknowledge": []string{"DUPLICATE_SERVICE_OTHER_PROVIDER"}})
	require.Equal(t, http.StatusOK, r.Status, "body: %s", r.Body)
}
