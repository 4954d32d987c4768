package api_test

import (
	"net/http"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// A reviewer's dollar-cap exception for an agency outlives the agency's
// deactivation undone in error, whether or not another agency serves the
// person: nothing was granted meanwhile, so the authorization the
// exception granted is given back for both. Judged while it held only its
// used units, the agency's own cap read the cap before the raise (raised
// to what its own authorizations then held), and the shared person's was
// held for review where the stranger's came back active (a re-check of the
// thirty-fifth stop; 42 CFR Part 2).
func TestOwnCapExceptionOutlivesAReactivation(t *testing.T) {
	t.Parallel()
	// HRA opened the person's episode, or joined the one BCS opened (the
	// joiner's own cap was the program's cap of its day raised to what it
	// held today, not its exception's: held for review where the
	// stranger's came back, a re-check of the thirty-sixth stop).
	for _, hraOpens := range []bool{true, false} {
		t.Run(map[bool]string{true: "opened", false: "joined"}[hraOpens], func(t *testing.T) {
			t.Parallel()
			e := newEnv(t)
			itATRCapAt300(t, e)
			register := func(key, first, last string) int64 { return itRegisterBorn(t, e, key, first, last, "1977-07-07") }
			ready := func(key string, client int64) { itATRReadyFor(t, e, key, client, nil, "ATR-TR", "ATR-DT") }
			var known, stranger, atBCS int64
			if !hraOpens {
				atBCS = register(keyBCS, "Lior", "Anselm")
				ready(keyBCS, atBCS)
			}
			known, stranger = register(keyHRA, "Lior", "Anselm"), register(keyHRA, "Mika", "Brandauer")
			ready(keyHRA, known)
			ready(keyHRA, stranger)
			if hraOpens {
				atBCS = register(keyBCS, "Lior", "Anselm") // the same person, joins HRA's episode
				ready(keyBCS, atBCS)
			}
			b := itVoucher(t, e, keyBCS, atBCS, "ATR-DT", 2, 1, 25)
			require.Equal(t, "approved", b["decision"], "%v", b)

			excepted := map[int64]float64{}
			for _, client := range []int64{known, stranger} {
				v := itVoucher(t, e, keyHRA, client, "ATR-TR", 20, 1, 25)
				require.Equal(t, "approved", v["decision"], "%v", v)
				v = itVoucher(t, e, keyHRA, client, "ATR-DT", 4, 1, 25) // past the cap by the agency's own alone
				require.Equal(t, "pended", v["decision"], "%v", v)
				r := e.post(keyReviewer, itPath("/v1/voucher-requests/%d/decision", itNum(t, v, "id")), map[string]any{"action": "approve",
					"note": "cap exception approved"})
				require.Equal(t, http.StatusOK, r.Status, "%s", r.Body)
				excepted[client] = float64(itNum(t, r.JSON(t), "authorization_id"))
			}
			hra := e.demo.Providers["HRA"]
			r := e.post(keyAdmin, itPath("/v1/reference/providers/%d/deactivate", hra), map[string]any{"reason": "closing", "effective_on": day(1)})
			require.Equal(t, http.StatusOK, r.Status, "%s", r.Body)
			r = e.post(keyAdmin, itPath("/v1/reference/providers/%d/reactivate", hra), map[string]any{"reason": "mistake", "in_error": true})
			require.Equal(t, http.StatusOK, r.Status, "%s", r.Body)
			for _, client := range []int64{known, stranger} {
				got := itAuth(t, e, keyHRA, int64(excepted[client]))
				assert.Equal(t, "active", got["status"], "client %d: %v", client, got)
				assert.Equal(t, day(25), got["end_date"], "client %d: %v", client, got)
			}
		})
	}
}
