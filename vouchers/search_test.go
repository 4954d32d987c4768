package vouchers_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"rss"
	"rss/access"
	"rss/vouchers"
)

// A name search runs in the database over every record the actor may see,
// as the list is scoped: a provider finds only its own agency's records,
// the MSC every agency's. Every word of the query must appear in the name,
// in any order and case, commas and extra spaces aside; LIKE's wildcards
// typed by the user match only themselves. Only the clients returned are
// audited as read.
func TestSearchClients(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	hraMoreau, bcsMoreau := w.demo.Clients["Moreau/HRA"], w.demo.Clients["Moreau/BCS"]
	require.NotZero(t, hraMoreau)
	require.NotZero(t, bcsMoreau)
	ids := func(l vouchers.List[vouchers.Client]) []int64 {
		out := []int64{}
		for _, c := range l.Items {
			out = append(out, c.ID)
		}
		return out
	}
	cases := []struct {
		name, role, provider, query string
		want                        []int64
	}{
		{"first last", "provider", "HRA", "Claire Moreau", []int64{hraMoreau}},
		{"last, first as the list shows it", "provider", "HRA", "Moreau, Claire", []int64{hraMoreau}},
		{"lower case", "provider", "HRA", "moreau claire", []int64{hraMoreau}},
		{"extra spaces", "provider", "HRA", "  Claire   Moreau ", []int64{hraMoreau}},
		{"a part of a word", "provider", "HRA", "oreau", []int64{hraMoreau}},
		{"another agency's record never", "provider", "BCS", "Moreau", []int64{bcsMoreau}},
		{"the MSC sees both agencies'", "reviewer", "", "claire moreau", []int64{hraMoreau, bcsMoreau}},
		{"a word that is not in the name", "provider", "HRA", "Claire Smith", []int64{}},
		{"a percent sign is no wildcard", "provider", "HRA", "%", []int64{}},
		{"an underscore is no wildcard", "provider", "HRA", "Cl_ire", []int64{}},
		{"a backslash is itself", "provider", "HRA", `Cl\aire`, []int64{}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got, err := w.v.SearchClients(w.as(access.Role(tc.role), tc.provider), tc.query, vouchers.Page{Limit: 500})
			require.NoError(t, err)
			assert.ElementsMatch(t, tc.want, ids(got))
			assert.Empty(t, got.NextCursor)
		})
	}

	// Only the returned clients are recorded as read, once each.
	var before int64
	require.NoError(t, w.db.Get(&before, `SELECT COALESCE(max(id), 0) FROM audit_events`))
	ctx := w.as(access.RoleProvider, "HRA")
	got, err := w.v.SearchClients(ctx, "Moreau", vouchers.Page{Limit: 500})
	require.NoError(t, err)
	require.Equal(t, []int64{hraMoreau}, ids(got))
	var read []int64
	require.NoError(t, w.db.Select(&read, `SELECT client_id FROM audit_events WHERE id > $1 AND action = 'read' AND entity_type = 'client' ORDER BY id`, before))
	assert.Equal(t, []int64{hraMoreau}, read)

	// Pages: a cursor carries on after the last one shown.
	first, err := w.v.SearchClients(w.as(access.RoleReviewer, ""), "Moreau", vouchers.Page{Limit: 1})
	require.NoError(t, err)
	require.Len(t, first.Items, 1)
	require.NotEmpty(t, first.NextCursor)
	second, err := w.v.SearchClients(w.as(access.RoleReviewer, ""), "Moreau", vouchers.Page{Limit: 1, Cursor: first.NextCursor})
	require.NoError(t, err)
	require.Len(t, second.Items, 1)
	assert.ElementsMatch(t, []int64{hraMoreau, bcsMoreau}, []int64{first.Items[0].ID, second.Items[0].ID})

	// No words, or bad text, is refused.
	for _, q := range []string{"", " , ", "a\x00b"} {
		_, err := w.v.SearchClients(ctx, q, vouchers.Page{})
		require.ErrorIs(t, err, rss.ErrInvalid, "%q", q)
	}
	_, err = w.v.SearchClients(ctx, "Moreau", vouchers.Page{Cursor: "nope"})
	require.ErrorIs(t, err, rss.ErrInvalid)
}
