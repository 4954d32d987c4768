package console_test

import (
	"html"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"rss/api"
)

// bulkClients registers n clients of the agency straight in the database
// ("Bulk<i> Filler"), each a person of their own, and returns the last id.
func (w *world) bulkClients(t *testing.T, provider string, n int) int64 {
	t.Helper()
	_, err := w.db.ExecContext(t.Context(), `WITH p AS (INSERT INTO persons (created_at) SELECT now() FROM generate_series(1, $2) RETURNING id)
		INSERT INTO clients (first_name, last_name, date_of_birth, catchment_area, provider_id, person_id)
		SELECT 'Bulk' || p.id, 'Filler', DATE '1980-01-01', 'hartford', $1, p.id FROM p`, w.demo.Providers[provider], n)
	require.NoError(t, err)
	var last int64
	require.NoError(t, w.db.Get(&last, `SELECT max(id) FROM clients`))
	return last
}

var nextLink = regexp.MustCompile(`<a href="([^"]+)" rel="next" id="next-page">Next page</a>`)

// next is the page's "Next page" link ("" when it has none).
func (p page) next() string {
	m := nextLink.FindStringSubmatch(p.Body)
	if m == nil {
		return ""
	}
	return html.UnescapeString(m[1])
}

func (w *world) readsSince(t *testing.T, after int64) int {
	t.Helper()
	var n int
	require.NoError(t, w.db.Get(&n, `SELECT count(*) FROM audit_events WHERE id > $1 AND action = 'read' AND entity_type = 'client'`, after))
	return n
}

func (w *world) lastEvent(t *testing.T) int64 {
	t.Helper()
	var n int64
	require.NoError(t, w.db.Get(&n, `SELECT COALESCE(max(id), 0) FROM audit_events`))
	return n
}

// An agency past 500 clients: the list pages to its newest, the start page
// says "500 or more", the name search finds a client past the first 500
// (as "Last, First" too), records a read of what it shows only, and says
// when more match than it shows; another agency never finds them.
// (Before: the list and the search stopped at the 500 oldest, the count
// said "500", and a search audited 500 reads.)
func TestClientListsPastFiveHundred(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	w.bulkClients(t, "HRA", 510)
	status, v := w.api(http.MethodPost, keyHRA, "/v1/clients", map[string]any{"first_name": "Zelda", "last_name": "Quixote",
		"date_of_birth": "1981-02-03", "catchment_area": "hartford"})
	require.Equal(t, http.StatusCreated, status, "%v", v)
	zelda := `href="/console/clients/` + strconv.FormatInt(int64(v["id"].(float64)), 10) + `"`

	u := w.user()
	home := u.signIn(keyHRA)
	assert.Contains(t, home.Body, "500 or more client(s)")

	list := u.get("/console/clients")
	require.Equal(t, http.StatusOK, list.Status)
	assert.Equal(t, 500, strings.Count(list.Body, `href="/console/clients/`))
	assert.NotContains(t, list.Body, zelda)
	next := list.next()
	require.NotEmpty(t, next, "a next page link")
	assert.True(t, strings.HasPrefix(next, "/console/clients?cursor="), next)
	list = u.get(next)
	require.Equal(t, http.StatusOK, list.Status)
	assert.Contains(t, list.Body, zelda)
	assert.Empty(t, list.next(), "the last page")

	// %%% does not parse: it read as no cursor, the first page (a black-box pass).
	for _, bad := range []string{"nope", "aWQ6LTE", "%00", strings.Repeat("A", 300), "%%%"} {
		r := u.get("/console/clients?cursor=" + bad)
		assert.Equal(t, http.StatusUnprocessableEntity, r.Status, bad)
	}

	csrf := home.csrf(t)
	for _, q := range []string{"Zelda", "Quixote, Zelda", "zelda  quixote", "QUIXOTE"} {
		before := w.lastEvent(t)
		r := u.post("/console/clients/search", url.Values{"csrf": {csrf}, "name": {q}})
		require.Equal(t, http.StatusOK, r.Status, q)
		assert.Contains(t, r.Body, zelda, q)
		assert.Equal(t, 1, strings.Count(r.Body, `href="/console/clients/`), q)
		assert.Equal(t, 1, w.readsSince(t, before), "%s: only the client shown is audited as read", q)
	}
	r := u.post("/console/clients/search", url.Values{"csrf": {csrf}, "name": {"Filler"}})
	require.Equal(t, http.StatusOK, r.Status)
	assert.Equal(t, 500, strings.Count(r.Body, `href="/console/clients/`))
	assert.Contains(t, r.Body, `id="more-matches"`)
	r = u.post("/console/clients/search", url.Values{"csrf": {csrf}, "name": {"100%"}})
	require.Equal(t, http.StatusOK, r.Status)
	assert.Contains(t, r.Body, "No clients.", "a % typed is no wildcard")

	b := w.user()
	bh := b.signIn(keyBCS)
	assert.NotContains(t, bh.Body, "or more client(s)")
	r = b.post("/console/clients/search", url.Values{"csrf": {bh.csrf(t)}, "name": {"Zelda Quixote"}})
	require.Equal(t, http.StatusOK, r.Status)
	assert.Contains(t, r.Body, "No clients.", "another agency's client is never found")
}

// Every console list that pages links to its next page when the service
// has one, keeping the page's filter, and the pages together hold every
// row once; a bad cursor is a 422 page. The client page says when a list
// is cut; the start page's counts say "or more". (A page size of 2 here.)
func TestEveryListPages(t *testing.T) {
	t.Parallel()
	w := newWorldWith(t, api.Options{ConsolePageSize: 2})
	for range 3 {
		w.pended()
	}
	round := w.medicaidBatch(t)
	auth := w.authorizeRivera(t, 40)
	for i := range 3 {
		status, v := w.api(http.MethodPost, keyHRA, "/v1/claims", map[string]any{"claim_number": "LIST-" + strconv.Itoa(i), "client_id": w.demo.Clients["Rivera"],
			"rendering_staff_id": w.demo.Staff["Okafor"], "place_of_service": "11",
			"lines": []map[string]any{{"service_code": "ATR-CM", "date_of_service": day(-2 - i), "units": 2, "charge": "30.00", "authorization_number": auth}}})
		require.Equal(t, http.StatusCreated, status, "%v", v)
		require.Equal(t, "paid", v["status"], "%v", v)
		if i < 2 {
			status, v := w.api(http.MethodPost, keyFinance, "/v1/batches", map[string]any{"payer_route": "payment_register", "through_date": day(0)})
			require.Equal(t, http.StatusCreated, status, "%v", v)
		}
	}
	cases := []struct {
		name, key, path, filter, row string
	}{
		{"clients", keyHRA, "/console/clients", "", `<td><a href="/console/clients/\d+">`},
		{"authorizations", keyHRA, "/console/authorizations", "", `data-auth="[^"]+"`},
		{"authorizations by status", keyHRA, "/console/authorizations?status=active", "status=active", `data-auth="[^"]+"`},
		{"claims", keyHRA, "/console/claims", "", `href="/console/claims/\d+"`},
		{"claims by status", keyFinance, "/console/claims?status=paid", "status=paid", `href="/console/claims/\d+"`},
		{"a client's claims", keyHRA, "/console/claims?client_id=" + strconv.FormatInt(w.demo.Clients["Rivera"], 10),
			"client_id=" + strconv.FormatInt(w.demo.Clients["Rivera"], 10), `href="/console/claims/\d+"`},
		{"review queue", keyReviewer, "/console/queue", "", `href="/console/requests/\d+"`},
		{"review queue by program", keyAdmin, "/console/queue?program=ATR", "program=ATR", `href="/console/requests/\d+"`},
		{"batches", keyFinance, "/console/batches", "", `href="/console/batches/\d+"`},
		{"staff verification", keyAdmin, "/console/verification", "", `<h2 id="v-[^"]+"`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			rows := regexp.MustCompile(tc.row)
			u := w.user()
			u.signIn(tc.key)
			p := u.get(tc.path)
			require.Equal(t, http.StatusOK, p.Status, p.Body)
			next := p.next()
			require.NotEmpty(t, next, "a next page link on %s", tc.path)
			assert.Contains(t, next, tc.filter)
			seen := map[string]bool{}
			for pages := 0; ; pages++ {
				require.Less(t, pages, 200)
				for _, m := range rows.FindAllString(p.Body, -1) {
					assert.False(t, seen[m], "%s shown twice", m)
					seen[m] = true
				}
				if next = p.next(); next == "" {
					break
				}
				p = u.get(next)
				require.Equal(t, http.StatusOK, p.Status, p.Body)
			}
			assert.Greater(t, len(seen), 2)
			base := strings.SplitN(tc.path, "?", 2)[0]
			assert.Equal(t, http.StatusUnprocessableEntity, u.get(base+"?cursor=bad").Status, "a bad cursor")
		})
	}
	t.Run("payer files", func(t *testing.T) {
		f := w.user()
		csrf := f.signIn(keyFinance).csrf(t)
		for _, file := range [][]byte{round.answers.Ack999, round.answers.Ack277CA, round.answers.Remit835} {
			require.Equal(t, http.StatusSeeOther, f.upload(csrf, file).Status)
		}
		p := f.get("/console/payer-files")
		require.NotEmpty(t, p.next())
		assert.Contains(t, f.get(p.next()).Body, `href="/console/payer-files/`)
		assert.Equal(t, http.StatusUnprocessableEntity, f.get("/console/payer-files?cursor=bad").Status)
	})
	t.Run("home counts", func(t *testing.T) {
		for key, want := range map[string]string{keyHRA: "2 or more client(s)", keyReviewer: "2 or more voucher request(s)",
			keyFinance: "2 or more batch(es)", keyAdmin: "2 or more pended"} {
			u := w.user()
			assert.Contains(t, u.signIn(key).Body, want)
		}
	})
	t.Run("a client's lists say when cut", func(t *testing.T) {
		u := w.user()
		u.signIn(keyHRA)
		p := u.get("/console/clients/" + strconv.FormatInt(w.demo.Clients["Johnson"], 10))
		require.Equal(t, http.StatusOK, p.Status)
		assert.Contains(t, p.Body, "Only the first 2 are shown here.")
		// The rest of a client's claims are a link away (a black-box pass
		// found none).
		rivera := strconv.FormatInt(w.demo.Clients["Rivera"], 10)
		p = u.get("/console/clients/" + rivera)
		assert.Contains(t, p.Body, `<a href="/console/claims?client_id=`+rivera+`" id="all-claims">`)
	})
}

// The queue's filters reach past the first page: with pages of two and
// three older ATR requests waiting, the RCM filter's first page shows the
// RCM request (the console filtered each page after reading it, and showed
// none), and the provider menu lists every agency, not the page's.
func TestQueueFilterReachesPastThePage(t *testing.T) {
	t.Parallel()
	w := newWorldWith(t, api.Options{ConsolePageSize: 2})
	for range 3 {
		w.pended()
	}
	status, v := w.api(http.MethodPost, keyHRA, "/v1/voucher-requests", map[string]any{"client_id": w.demo.Clients["Williams"],
		"service_code": "RCM-CM", "units": 40, "start_date": day(1), "end_date": day(60), "staff_id": w.demo.Staff["Castillo"]})
	require.Equal(t, http.StatusCreated, status, "%v", v)
	require.Equal(t, "pended", v["decision"], "%v", v["reason_codes"])
	link := `href="/console/requests/` + strconv.FormatInt(int64(v["id"].(float64)), 10) + `"`

	u := w.user()
	u.signIn(keyReviewer)
	all := u.get("/console/queue")
	require.Equal(t, http.StatusOK, all.Status)
	assert.NotContains(t, all.Body, link, "the first page holds older requests")
	r := u.get("/console/queue?program=RCM")
	require.Equal(t, http.StatusOK, r.Status)
	assert.Contains(t, r.Body, link)
	for _, p := range []string{"HRA", "BCS"} {
		assert.Contains(t, all.Body, `<option value="`+strconv.FormatInt(w.demo.Providers[p], 10)+`"`, p)
	}
	assert.Contains(t, all.Body, ">RSVP</option>", "every program, not the page's")
	assert.NotContains(t, all.Body, ">CONFLICT_ON_FILE<", "a provider's stand-in, stored with no request")
	assert.Equal(t, http.StatusUnprocessableEntity, u.get("/console/queue?program=rcm").Status)
}

// The reviewer's list of authorizations held for review says which rules
// held each (a black-box pass read a pending_review row with no reason);
// the agency's list of the same row names none, as the API's view of it
// does (the rules may be drawn from another agency's records).
func TestHeldAuthorizationsListTheirReasonsToTheMSC(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	auth := w.authorizeRivera(t, 40)
	// Held as an agency's reactivation holds one (vouchers' Hold), set
	// here straight: the list is what is under test.
	_, err := w.db.ExecContext(t.Context(), `UPDATE authorizations SET held_from = $2, held_judged_from = $2,
		held_reasons = '{DUPLICATE_SERVICE_OTHER_PROVIDER}' WHERE number = $1`, auth, day(-1))
	require.NoError(t, err)
	rev := w.user()
	rev.signIn(keyReviewer)
	p := rev.get("/console/authorizations?status=pending_review")
	require.Equal(t, http.StatusOK, p.Status)
	assert.Contains(t, p.Body, auth)
	assert.Contains(t, p.Body, "held for DUPLICATE_SERVICE_OTHER_PROVIDER")
	hra := w.user()
	hra.signIn(keyHRA)
	p = hra.get("/console/authorizations?status=pending_review")
	require.Equal(t, http.StatusOK, p.Status)
	assert.Contains(t, p.Body, auth)
	assert.NotContains(t, p.Body, "DUPLICATE_SERVICE_OTHER_PROVIDER")
}
