package api_test

import (
	"fmt"
	"net/http"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// An agency's own authorizations alone past an episode's dollar cap are
// its own records' reason, read as a stranger's ("by this agency's
// authorizations alone"). The reviewer read only that figure too, where
// another agency's authorizations in the episode left less: granting
// "what is left" by it passed the cap unawares (a black-box pass of the
// forty-third stop). The reviewer's copy carries the episode's figure
// beside it, with the agency it draws on; the provider's never does, and
// reads as the stranger's.
func TestReviewerReadsTheEpisodesFigureBesideTheAgencysOwn(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	itATRCapAt300(t, e)
	register := func(key, first, last string) int64 { return itRegisterBorn(t, e, key, first, last, "1987-05-06") }
	atHRA := register(keyHRA, "Wren", "Figurecase")
	itATRReady(t, e, keyHRA, atHRA, e.demo.Staff["Okafor"])
	h := itVoucher(t, e, keyHRA, atHRA, "ATR-TR", 10, 0, 29) // 120.00 of the 300.00
	require.Equal(t, "approved", h["decision"], "%v", h)

	known, stranger := register(keyBCS, "Wren", "Figurecase"), register(keyBCS, "Nobody", "Figurestranger")
	itATRReady(t, e, keyBCS, known, nil)
	itATRReady(t, e, keyBCS, stranger, nil)
	s := itVoucher(t, e, keyBCS, stranger, "ATR-TR", 26, 30, 59) // 312.00, past 300.00 alone
	k := itVoucher(t, e, keyBCS, known, "ATR-TR", 26, 30, 59)
	require.Equal(t, []any{"EPISODE_DOLLAR_CAP_EXCEEDED"}, s["reason_codes"], "%v", s)
	for _, f := range []string{"decision", "reason_codes", "reasons", "ceiling"} {
		assert.Equal(t, s[f], k[f], f)
	}
	assert.NotContains(t, fmt.Sprint(k), "180.00", "the episode's figure is not the agency's")
	get := func(key string, v map[string]any) map[string]any {
		r := e.get(key, itPath("/v1/voucher-requests/%d", itNum(t, v, "id")))
		require.Equal(t, http.StatusOK, r.Status, "%s", r.Body)
		return r.JSON(t)
	}
	for _, f := range []string{"reasons", "reason_codes", "trace"} {
		assert.Equal(t, get(keyBCS, s)[f], get(keyBCS, k)[f], f)
	}

	// The replay of the request is the provider's copy too: it carried the
	// episode's figure, naming HRA (a reviews black-box pass of the
	// forty-fifth stop).
	replay := func(key string, v map[string]any) map[string]any {
		r := e.get(key, itPath("/v1/voucher-requests/%d/replay", itNum(t, v, "id")))
		require.Equal(t, http.StatusOK, r.Status, "%s", r.Body)
		m := r.JSON(t)
		delete(m, "voucher_request_id")
		return m
	}
	assert.Equal(t, replay(keyBCS, s), replay(keyBCS, k), "the replay reads as the stranger's")
	for _, h := range replay(keyBCS, k)["replayed"].(map[string]any)["hits"].([]any) {
		assert.NotContains(t, h, "episode")
	}
	assert.Contains(t, fmt.Sprint(replay(keyReviewer, k)), "180.00 left of 300.00", "the reviewer's replay carries it")

	reason := get(keyReviewer, k)["reasons"].([]any)[0].(map[string]any)
	assert.Equal(t, "312.00 asked, 300.00 left of 300.00 by this agency's authorizations alone", reason["detail"])
	assert.Equal(t, map[string]any{"detail": "312.00 asked, 180.00 left of 300.00",
		"source_provider_ids": []any{float64(e.demo.Providers["HRA"])}}, reason["episode"])
	assert.NotContains(t, get(keyReviewer, s)["reasons"].([]any)[0], "episode", "a stranger's episode is the agency's own")
}
