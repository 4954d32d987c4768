package vouchers

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"rss/adjudication"
)

// A provider's copy of a request's hits reads alike wherever it is
// answered: as the request's reasons (redact) and as its replay's hits
// (Service.Replay), both through providerHits. Written twice, the replay
// kept the episode's figure the reasons had lost.
func TestProviderHitsAreOneCopy(t *testing.T) {
	figure := &adjudication.EpisodeFigure{Detail: "episode holds $900.00 across agencies", Sources: []int64{2}}
	hits := []adjudication.Hit{
		{Code: adjudication.CodeOwnAuthorizationOverlap, Action: adjudication.ActionReduce, Detail: "own overlap", Episode: figure},
		{Code: adjudication.CodeDuplicateOtherProvider, Action: adjudication.ActionPend, Detail: "agency 2 holds the days", Source: 2},
	}
	onlyOwn := func(p int64, _ string) bool { return p == 1 }
	for _, decision := range []string{"pended", "approved", "denied"} {
		t.Run(decision, func(t *testing.T) {
			got, withheld := providerHits(hits, onlyOwn, decision)
			require.True(t, withheld)
			require.Len(t, got, 2)
			assert.Nil(t, got[0].Episode, "the episode's figure is the MSC's")
			assert.Equal(t, adjudication.CodeConflictOnFile, got[1].Code)
			assert.Zero(t, got[1].Source, "the withheld reason names no agency")
			want := adjudication.WithheldDeniedDetail
			if decision == "pended" {
				want = adjudication.WithheldDetail
			}
			assert.Equal(t, want, got[1].Detail)

			v := VoucherRequest{Decision: decision}
			v.setDecoded(hits)
			require.True(t, v.redact(onlyOwn))
			require.Len(t, v.Reasons, len(got))
			for i, h := range got {
				assert.Equal(t, h.Code, v.Reasons[i].Code)
				assert.Equal(t, h.Detail, v.Reasons[i].Detail)
				assert.Equal(t, h.Source, v.Reasons[i].Source)
				assert.Nil(t, v.Reasons[i].Episode)
			}
			assert.Nil(t, v.Trace, "the trace goes with a withheld reason")
		})
	}
	// Nothing withheld: the hits stand, less the figure, on both copies.
	all := func(int64, string) bool { return true }
	got, withheld := providerHits(hits, all, "approved")
	assert.False(t, withheld)
	assert.Nil(t, got[0].Episode)
	assert.NotNil(t, hits[0].Episode, "the caller's hits are not changed")
	assert.Equal(t, hits[1], got[1])
	v := VoucherRequest{Decision: "approved"}
	v.setDecoded(hits)
	assert.False(t, v.redact(all))
	assert.Nil(t, v.Reasons[0].Episode)
}
