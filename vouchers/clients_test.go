package vouchers_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/jmoiron/sqlx"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"rss"
	"rss/access"
	"rss/fixtures"
	"rss/pg/pgtest"
	"rss/vouchers"
)

type world struct {
	t    *testing.T
	db   *sqlx.DB
	v    *vouchers.Service
	demo fixtures.Demo
}

func newWorld(t *testing.T) *world {
	t.Helper()
	db := pgtest.NewDB(t)
	now := time.Date(fixtures.TestToday.Year(), fixtures.TestToday.Month(), fixtures.TestToday.Day(), 10, 0, 0, 0, time.UTC)
	demo, err := fixtures.DemoIDs(t.Context(), db)
	require.NoError(t, err)
	return &world{t: t, db: db, v: vouchers.New(db, func() time.Time { return now }, time.UTC), demo: demo}
}

// as is a context acting with the first demo key of role (and agency).
func (w *world) as(role access.Role, provider string) context.Context {
	w.t.Helper()
	var a access.Actor
	a.Role, a.Purpose = role, access.DefaultPurpose(role)
	require.NoError(w.t, w.db.QueryRowxContext(w.t.Context(), `SELECT id, COALESCE(provider_id, 0) FROM api_keys
		WHERE role = $1 AND demo AND ($2 = '' OR provider_id = (SELECT id FROM providers WHERE code = $2)) ORDER BY id LIMIT 1`,
		string(role), provider).Scan(&a.KeyID, &a.ProviderID))
	return access.WithActor(w.t.Context(), a)
}

func (w *world) person(client int64) int64 {
	w.t.Helper()
	var p int64
	require.NoError(w.t, w.db.Get(&p, `SELECT person_id FROM clients WHERE id = $1`, client))
	return p
}

func mid(s string) *string { return &s }

// Registration ties an agency's new record to the person the MSC already
// knows, by Medicaid ID and date of birth or by name and date of birth,
// and never to someone whose identity conflicts.
func TestRegistrationMatchesPersons(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	dob := rss.MustDate("1984-03-03")
	hra, _, err := w.v.CreateClient(w.as(access.RoleProvider, "HRA"), vouchers.NewClient{FirstName: "Mina", LastName: "Tester",
		DateOfBirth: dob, MedicaidID: mid("CT44400001"), CatchmentArea: "hartford"})
	require.NoError(t, err)
	cases := []struct {
		name     string
		provider string
		n        vouchers.NewClient
		same     bool
	}{
		{name: "same Medicaid ID and birth date, another name", provider: "BCS", same: true,
			n: vouchers.NewClient{FirstName: "Wilhelmina", LastName: "Tester-Ray", DateOfBirth: dob, MedicaidID: mid("ct44400001"), CatchmentArea: "bridgeport"}},
		{name: "same name and birth date, no Medicaid ID", provider: "PWE", same: true,
			n: vouchers.NewClient{FirstName: "MINA", LastName: "tester", DateOfBirth: dob, CatchmentArea: "stamford"}},
		{name: "same name and birth date, another Medicaid ID", provider: "ECRA", same: false,
			n: vouchers.NewClient{FirstName: "Mina", LastName: "Tester", DateOfBirth: dob, MedicaidID: mid("CT44400002"), CatchmentArea: "norwich"}},
		{name: "same Medicaid ID, another birth date", provider: "HVR", same: false,
			n: vouchers.NewClient{FirstName: "Mina", LastName: "Tester", DateOfBirth: dob.AddDays(1), MedicaidID: mid("CT44400001"), CatchmentArea: "waterbury"}},
		{name: "same name, another birth date", provider: "LAS", same: false,
			n: vouchers.NewClient{FirstName: "Mina", LastName: "Tester", DateOfBirth: dob.AddDays(-365), CatchmentArea: "stamford"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c, created, err := w.v.CreateClient(w.as(access.RoleProvider, tc.provider), tc.n)
			require.NoError(t, err)
			assert.True(t, created, "a new record for the agency, whoever else knows the person")
			assert.Zero(t, c.PersonID, "the person is the MSC's to see")
			assert.Equal(t, tc.same, w.person(c.ID) == w.person(hra.ID))
		})
	}
}

// Two agencies registering one person at the same moment join one person.
func TestRegistrationAtOnceJoinsOnePerson(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	n := vouchers.NewClient{FirstName: "Rae", LastName: "Concurrent", DateOfBirth: rss.MustDate("1979-09-09"), CatchmentArea: "hartford"}
	agencies := []string{"HRA", "BCS", "PWE", "ECRA", "HVR", "LAS"}
	ids := make([]int64, len(agencies))
	var wg sync.WaitGroup
	for i, p := range agencies {
		wg.Add(1)
		go func() {
			defer wg.Done()
			c, _, err := w.v.CreateClient(w.as(access.RoleProvider, p), n)
			if assert.NoError(t, err) {
				ids[i] = c.ID
			}
		}()
	}
	wg.Wait()
	var persons int
	require.NoError(t, w.db.Get(&persons, `SELECT count(DISTINCT person_id) FROM clients WHERE last_name = 'Concurrent'`))
	assert.Equal(t, 1, persons)
	var records int
	require.NoError(t, w.db.Get(&records, `SELECT count(*) FROM clients WHERE last_name = 'Concurrent'`))
	assert.Equal(t, len(agencies), records, "one record per agency")
}

// A provider sees another agency's records of a person only while that
// agency holds a current consent of the person naming it.
func TestConsentOpensAnotherAgencysRecords(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	today := fixtures.TestToday
	moreauBCS, moreauHRA := w.demo.Clients["Moreau/BCS"], w.demo.Clients["Moreau/HRA"]
	agencies := func() map[int64]bool {
		t.Helper()
		enr, err := w.v.ClientEnrollments(w.as(access.RoleProvider, "BCS"), moreauBCS)
		require.NoError(t, err)
		out := map[int64]bool{}
		for _, e := range enr {
			out[e.ProviderID] = true
			assert.Zero(t, e.EpisodeID)
		}
		return out
	}
	hra, bcs := w.demo.Providers["HRA"], w.demo.Providers["BCS"]
	require.Equal(t, map[int64]bool{bcs: true}, agencies())

	give := func(signed, expires rss.Date) int64 {
		t.Helper()
		c, err := w.v.CreateConsent(w.as(access.RoleProvider, "HRA"), vouchers.NewConsent{ClientID: moreauHRA, RecipientType: "provider",
			RecipientProviderID: &bcs, RecipientName: "BCS", Purposes: []string{"care_coordination"}, Information: "enrollments",
			SignedOn: signed, ExpiresOn: expires})
		require.NoError(t, err)
		return c.ID
	}
	give(today.AddDays(-60), today.AddDays(-1))
	assert.Equal(t, map[int64]bool{bcs: true}, agencies(), "an expired consent opens nothing")
	current := give(today.AddDays(-1), today.AddDays(30))
	assert.Equal(t, map[int64]bool{bcs: true, hra: true}, agencies())
	_, err := w.v.RevokeConsent(w.as(access.RoleProvider, "HRA"), current, "withdrawn")
	require.NoError(t, err)
	assert.Equal(t, map[int64]bool{bcs: true}, agencies(), "revoked: closed again at once")

	// The MSC sees every agency's part, with the episode.
	enr, err := w.v.ClientEnrollments(w.as(access.RoleReviewer, ""), moreauBCS)
	require.NoError(t, err)
	seen := map[int64]bool{}
	for _, e := range enr {
		seen[e.ProviderID] = true
		assert.NotZero(t, e.EpisodeID)
	}
	assert.Equal(t, map[int64]bool{bcs: true, hra: true}, seen)
}
