package api_test

import (
	"net/http"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// A joiner's exception past its own cap where the episode's cap needs no
// raise: HRA opened the person's episode under the program's cap of
// 4000.00; the state then lowered it to 300.00, and BCS, joining, is held
// to 300.00 by its own authorizations alone, as a stranger it serves is by
// its episode. A reviewer approves each past it (360.00). The stranger's
// episode cap rose to 360.00; the shared episode's 4000.00 needed no raise,
// so nothing was recorded and BCS's own cap stayed 300.00: its next request
// read "left of 300.00" where the stranger's read "left of 360.00", telling
// BCS that another agency opened the person's episode first (42 CFR Part
// 2: an episode-caps black-box pass of the forty-sixth stop). The raise of
// the agency's own cap is kept without the episode's.
func TestJoinersOwnExceptionKeptWithoutTheEpisodesRaise(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	hra := itRegisterBorn(t, e, keyHRA, "Ilse", "Joinerown", "1984-02-03")
	itATRReady(t, e, keyHRA, hra, nil) // the episode opens at 4000.00
	itATRCapAt300(t, e)
	known := itRegisterBorn(t, e, keyBCS, "Ilse", "Joinerown", "1984-02-03")
	stranger := itRegisterBorn(t, e, keyBCS, "Otto", "Alonebcs", "1984-02-03")
	for _, c := range []int64{known, stranger} {
		itATRReady(t, e, keyBCS, c, nil)
	}
	require.Equal(t, e.count(`SELECT episode_id FROM enrollments WHERE client_id = $1`, hra),
		e.count(`SELECT episode_id FROM enrollments WHERE client_id = $1`, known), "BCS joins HRA's episode")

	excepted := map[int64]int64{}
	for _, c := range []int64{stranger, known} {
		v := itVoucher(t, e, keyBCS, c, "ATR-TR", 30, 0, 29) // 360.00 past 300.00
		require.Equal(t, []any{"EPISODE_DOLLAR_CAP_EXCEEDED"}, v["reason_codes"], "%v", v)
		excepted[c] = itCapException(t, e, v)
	}
	next := func(client int64, units int) map[string]any {
		t.Helper()
		v := itVoucher(t, e, keyBCS, client, "ATR-TR", units, 30, 40)
		require.Equal(t, "pended", v["decision"], "%v", v)
		return v["reasons"].([]any)[0].(map[string]any)
	}
	want := next(stranger, 1)
	assert.Equal(t, "12.00 asked, 0.00 left of 360.00 by this agency's authorizations alone", want["detail"])
	assert.Equal(t, want, next(known, 1), "the shared person's answer is the stranger's")
	assert.Equal(t, 1, e.count(`SELECT count(*) FROM audit_events WHERE action = 'cap_exception' AND client_id = $1
		AND outcome = 'own dollar_cap 360.00'`, known), "the raise of the own cap alone is audited as one")

	// The excepted authorization voided, each cap falls back as the
	// stranger's does, and the own cap's fall is audited as the episode
	// cap's is (it was audited nowhere: a re-check).
	for _, c := range []int64{stranger, known} {
		r := e.post(keyReviewer, itPath("/v1/authorizations/%d/void", excepted[c]), map[string]any{"reason": "entered in error"})
		require.Equal(t, http.StatusOK, r.Status, "%s", r.Body)
	}
	want = next(stranger, 26)
	assert.Equal(t, "312.00 asked, 300.00 left of 300.00 by this agency's authorizations alone", want["detail"])
	assert.Equal(t, want, next(known, 26))
	assert.Equal(t, 1, e.count(`SELECT count(*) FROM audit_events WHERE action = 'cap_released' AND client_id = $1
		AND outcome = 'dollar_cap 300.00'`, stranger))
	assert.Equal(t, 1, e.count(`SELECT count(*) FROM audit_events WHERE action = 'cap_released' AND client_id = $1
		AND outcome = 'own dollar_cap 300.00'`, known))
}
