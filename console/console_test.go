package console_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"html"
	"io"
	"log/slog"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jmoiron/sqlx"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"rss/api"
	"rss/pg/pgtest"
)

// Every role signs in and sees its own navigation, and only that; every
// page carries the security headers.
func TestSignInEachRoleSeesItsNavigation(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	cases := []struct {
		name, key string
		sees      []string
		hidden    []string
	}{
		{"reviewer", keyReviewer, []string{`href="/console/queue"`, `href="/console/charts"`}, []string{`href="/console/batches"`, `href="/console/keys"`, `href="/console/clients"`}},
		{"provider", keyHRA, []string{`href="/console/clients"`, `href="/console/authorizations"`, `href="/console/claims"`}, []string{`href="/console/queue"`, `href="/console/batches"`, `href="/console/keys"`}},
		{"finance", keyFinance, []string{`href="/console/batches"`, `href="/console/claims"`}, []string{`href="/console/queue"`, `href="/console/keys"`, `href="/console/clients"`}},
		{"admin", keyAdmin, []string{`href="/console/reference"`, `href="/console/verification"`, `href="/console/keys"`}, []string{`href="/console/batches"`}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			u := w.user()
			home := u.signIn(tc.key)
			assert.Contains(t, home.Body, "Signed in as <strong>"+tc.name+"</strong>")
			for _, s := range tc.sees {
				assert.Contains(t, home.Body, s)
			}
			for _, s := range tc.hidden {
				assert.NotContains(t, home.Body, s)
			}
			h := home.Header
			assert.Equal(t, "default-src 'none'; style-src 'self'; script-src 'self'; img-src 'self' data:; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
				h.Get("Content-Security-Policy"))
			assert.Equal(t, "nosniff", h.Get("X-Content-Type-Options"))
			assert.Equal(t, "same-origin", h.Get("Referrer-Policy"))
			assert.Equal(t, "no-store", h.Get("Cache-Control"))
		})
	}
	// The session cookie: HttpOnly, SameSite=Strict, scoped to the console,
	// and its token stored only as a hash.
	u := w.user()
	form := u.get("/console/sign-in")
	r, err := u.c.PostForm(w.srv.URL+"/console/sign-in", url.Values{"csrf": {form.csrf(t)}, "api_key": {keyAdmin}})
	require.NoError(t, err)
	r.Body.Close()
	var cookie *http.Cookie
	for _, c := range r.Cookies() {
		if c.Name == "rss_console" {
			cookie = c
		}
	}
	require.NotNil(t, cookie)
	assert.True(t, cookie.HttpOnly)
	assert.Equal(t, http.SameSiteStrictMode, cookie.SameSite)
	assert.Equal(t, "/console", cookie.Path)
	assert.False(t, cookie.Secure, "plain HTTP without the flag")
	assert.Zero(t, cookie.MaxAge, "a browser-session cookie")
	assert.True(t, cookie.Expires.IsZero())
	var n int
	require.NoError(t, w.db.Get(&n, `SELECT count(*) FROM console_sessions WHERE token_hash = sha256($1::bytea)`, []byte(cookie.Value)))
	assert.Equal(t, 1, n)
	require.NoError(t, w.db.Get(&n, `SELECT count(*) FROM console_sessions WHERE encode(token_hash, 'escape') LIKE '%' || $1 || '%'`, cookie.Value))
	assert.Zero(t, n, "the token itself is never stored")
	require.NoError(t, w.db.Get(&n, `SELECT count(*) FROM audit_events WHERE action = 'sign_in' AND entity_type = 'console_session'`))
	assert.Equal(t, 5, n, "every sign-in is audited")
}

func TestSignInRefusals(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	u := w.user()
	form := u.get("/console/sign-in")
	r := u.post("/console/sign-in", url.Values{"csrf": {form.csrf(t)}, "api_key": {"rss_notakey00_0000000000000000000000"}})
	assert.Equal(t, http.StatusUnauthorized, r.Status)
	assert.Contains(t, r.Body, "That API key is not valid.")
	// A key of thousands of characters is no key, said so (it read "Enter
	// your API key.", a black-box pass); an empty one asks for it.
	r = u.post("/console/sign-in", url.Values{"csrf": {u.get("/console/sign-in").csrf(t)}, "api_key": {strings.Repeat("k", 5000)}})
	assert.Equal(t, http.StatusUnauthorized, r.Status)
	assert.Contains(t, r.Body, "That API key is not valid.")
	r = u.post("/console/sign-in", url.Values{"csrf": {u.get("/console/sign-in").csrf(t)}, "api_key": {"  "}})
	assert.Equal(t, http.StatusUnprocessableEntity, r.Status)
	assert.Contains(t, r.Body, "Enter your API key.")
	r = u.post("/console/sign-in", url.Values{"api_key": {keyAdmin}})
	assert.Equal(t, http.StatusForbidden, r.Status, "a sign-in without the form's token is refused")
	// Nor with a token rss did not make, however it is sent twice: any
	// value in both the cookie and the field was taken, so a host able to
	// set the console's cookie could sign a browser in with its own key (a
	// console black-box pass).
	forged := w.user()
	forged.c.Jar.SetCookies(mustURL(t, w.srv.URL+"/console/"), []*http.Cookie{{Name: "rss_console_pre", Value: "x", Path: "/console"}})
	r = forged.post("/console/sign-in", url.Values{"csrf": {"x"}, "api_key": {keyAdmin}})
	assert.Equal(t, http.StatusForbidden, r.Status, "a made-up token sent twice is refused")
	r = u.get("/console/queue")
	assert.Equal(t, http.StatusSeeOther, r.Status, "not signed in")
	assert.Equal(t, "/console/sign-in?next=%2Fconsole%2Fqueue", r.Header.Get("Location"))
	var n int
	require.NoError(t, w.db.Get(&n, `SELECT count(*) FROM console_sessions`))
	assert.Zero(t, n)
}

// A POST without the session's CSRF token (or with another) is refused
// with 403 and writes nothing.
func TestFormWithoutCSRFIsRefused(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	id := w.pended()
	u := w.user()
	u.signIn(keyReviewer)
	path := "/console/requests/" + strconv.FormatInt(id, 10)
	for _, form := range []url.Values{
		{"action": {"deny"}, "note": {"no token"}},
		{"action": {"deny"}, "note": {"wrong token"}, "csrf": {"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"}},
	} {
		r := u.post(path+"/decide", form)
		assert.Equal(t, http.StatusForbidden, r.Status)
		r = u.post(path+"/take", form)
		assert.Equal(t, http.StatusForbidden, r.Status)
	}
	status, v := w.api(http.MethodGet, keyReviewer, "/v1/voucher-requests/"+strconv.FormatInt(id, 10), nil)
	require.Equal(t, http.StatusOK, status)
	assert.Equal(t, "pended", v["decision"])
	assert.Nil(t, v["taken_by"])
	// Another user's token is not this session's.
	other := w.user()
	tok := other.signIn(keyReviewer).csrf(t)
	r := u.post(path+"/take", url.Values{"csrf": {tok}})
	assert.Equal(t, http.StatusForbidden, r.Status)
}

func TestSignOutEndsTheSession(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	u := w.user()
	home := u.signIn(keyFinance)
	r := u.post("/console/sign-out", url.Values{"csrf": {home.csrf(t)}})
	require.Equal(t, http.StatusSeeOther, r.Status)
	assert.Equal(t, "/console/sign-in", r.Header.Get("Location"))
	assert.Contains(t, u.get("/console/sign-in").Body, "You are signed out.")
	assert.Equal(t, http.StatusSeeOther, u.get("/console/batches").Status)
	var n int
	require.NoError(t, w.db.Get(&n, `SELECT count(*) FROM console_sessions`))
	assert.Zero(t, n, "sign-out deletes the row")
	require.NoError(t, w.db.Get(&n, `SELECT count(*) FROM audit_events WHERE action = 'sign_out'`))
	assert.Equal(t, 1, n)

	// Its token given twice is refused, as every form's field (a re-check).
	other := w.user()
	oc := other.signIn(keyFinance).csrf(t)
	r = other.post("/console/sign-out", url.Values{"csrf": {oc, "bogus"}})
	assert.Equal(t, http.StatusUnprocessableEntity, r.Status, r.Body)

	// Sent again (a double click), it is done: it read that nothing was
	// recorded and what was typed was kept (a console black-box pass).
	r = u.post("/console/sign-out", url.Values{"csrf": {home.csrf(t)}})
	require.Equal(t, http.StatusSeeOther, r.Status, r.Body)
	assert.Equal(t, "/console/sign-in", r.Header.Get("Location"))
	assert.Contains(t, u.get("/console/sign-in").Body, "You are signed out.")
}

// Signing in again in a browser already signed in ends the session it
// had (a black-box pass found it alive behind the new cookie); static
// files are served, their folder's listing is not.
func TestSigningInAgainEndsTheEarlierSession(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	u := w.user()
	u.signIn(keyHRA)
	u.signIn(keyBCS)
	var n int
	require.NoError(t, w.db.Get(&n, `SELECT count(*) FROM console_sessions`))
	assert.Equal(t, 1, n, "one session: the second sign-in's")
	assert.Equal(t, http.StatusOK, u.get("/console/").Status)

	anon := w.user()
	assert.Equal(t, http.StatusNotFound, anon.get("/console/static/").Status)
	css := anon.get("/console/static/console.css")
	assert.Equal(t, http.StatusOK, css.Status)
	assert.Contains(t, css.Header.Get("Content-Type"), "text/css")
}

// A session that ended sends the browser to sign in and back to the page
// it asked for; a form posted after it ended says nothing was recorded
// and goes back to the form's page (a black-box pass lost a decision's
// note to a silent redirect to the start page). Only console pages are
// gone back to.
func TestSignInGoesBackToThePage(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	id := strconv.FormatInt(w.pended(), 10)
	u := w.user()
	r := u.get("/console/requests/" + id + "?tab=trace")
	require.Equal(t, http.StatusSeeOther, r.Status)
	loc := r.Header.Get("Location")
	form := u.get(loc)
	require.Equal(t, http.StatusOK, form.Status)
	assert.Contains(t, form.Body, `name="next" value="/console/requests/`+id+`?tab=trace"`)
	r = u.post("/console/sign-in", url.Values{"csrf": {form.csrf(t)}, "api_key": {keyReviewer}, "next": {"/console/requests/" + id + "?tab=trace"}})
	require.Equal(t, http.StatusSeeOther, r.Status, r.Body)
	assert.Equal(t, "/console/requests/"+id+"?tab=trace", r.Header.Get("Location"))

	// The session ends; the decision posted after it records nothing.
	w.clock.Advance(31 * time.Minute)
	req, err := http.NewRequest(http.MethodPost, w.srv.URL+"/console/requests/"+id+"/decide",
		strings.NewReader(url.Values{"action": {"deny"}, "note": {"typed at length"}}.Encode()))
	require.NoError(t, err)
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	resp, err := u.c.Do(req)
	require.NoError(t, err)
	p := read(t, resp)
	assert.Equal(t, http.StatusUnauthorized, p.Status)
	assert.Contains(t, p.Body, `id="signin-lapsed"`)
	assert.Contains(t, p.Body, `name="next" value="/console/requests/`+id+`"`)
	var n int
	require.NoError(t, w.db.Get(&n, `SELECT count(*) FROM reviewer_decisions`))
	assert.Zero(t, n)

	// Anywhere but a console page is no place to go back to.
	for _, next := range []string{"https://evil.example/console/", "//evil.example/console/", "/console/sign-in", "/elsewhere",
		"/console/\\evil.example", "http:/console/",
		"/console/../healthz", "/console/../../evil", "/console//evil.example", "/console/./queue", "javascript:alert(1)"} {
		f := w.user()
		form := f.get("/console/sign-in?next=" + url.QueryEscape(next))
		assert.NotContains(t, form.Body, `name="next"`, next)
		r := f.post("/console/sign-in", url.Values{"csrf": {form.csrf(t)}, "api_key": {keyReviewer}, "next": {next}})
		assert.Equal(t, "/console/", r.Header.Get("Location"), next)
	}
}

// A confirmation is the answer to the POST that did the work, shown once:
// a link carrying ?done= shows none (a black-box pass read "Decision
// recorded." on a request still pended, and a take's notice as a
// provider).
func TestConfirmationsAreNotInTheURL(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	id := strconv.FormatInt(w.pended(), 10)
	u := w.user()
	csrf := u.signIn(keyReviewer).csrf(t)
	for _, done := range []string{"decided", "taken", "rate"} {
		assert.NotContains(t, u.get("/console/requests/"+id+"?done="+done).Body, `class="notice"`, done)
	}
	r := u.post("/console/requests/"+id+"/take", url.Values{"csrf": {csrf}})
	require.Equal(t, http.StatusSeeOther, r.Status, r.Body)
	assert.Equal(t, "/console/requests/"+id, r.Header.Get("Location"))
	assert.Contains(t, u.get(r.Header.Get("Location")).Body, "You hold this request")
	assert.NotContains(t, u.get(r.Header.Get("Location")).Body, "You hold this request for 30 minutes", "once")
}

// A form that gives a field twice is refused, naming it, and does nothing:
// the console read the first value, so a decision posted with
// action=approve and action=deny approved the request (a console
// black-box pass); two keys signed in as the first. A form a role may not
// send is still a 403 first.
func TestFormFieldGivenTwiceIsRefused(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	id := strconv.FormatInt(w.pended(), 10)
	u := w.user()
	csrf := u.signIn(keyReviewer).csrf(t)
	decide := url.Values{"csrf": {csrf}, "action": {"approve", "deny"}, "note": {"either"}}
	p := u.post("/console/requests/"+id+"/decide", decide)
	require.Equal(t, http.StatusUnprocessableEntity, p.Status, p.Body)
	assert.Contains(t, p.Body, "action")
	assert.Contains(t, p.Body, "given more than once")
	var decided int
	require.NoError(t, w.db.Get(&decided, `SELECT count(*) FROM reviewer_decisions`))
	assert.Zero(t, decided, "nothing recorded")
	p = u.post("/console/clients/search", url.Values{"csrf": {csrf}, "name": {"Kim", "Moreau"}})
	assert.Equal(t, http.StatusUnprocessableEntity, p.Status)
	// Given in the query as well as the body, the query's was dropped and
	// the body's recorded (a re-check): a post carries no query.
	p = u.post("/console/requests/"+id+"/decide?action=approve", url.Values{"csrf": {csrf}, "action": {"deny"}, "note": {"no"}})
	require.Equal(t, http.StatusUnprocessableEntity, p.Status, p.Body)
	assert.Contains(t, p.Body, "query string")
	require.NoError(t, w.db.Get(&decided, `SELECT count(*) FROM reviewer_decisions`))
	assert.Zero(t, decided, "nothing recorded")

	prov := w.user()
	pc := prov.signIn(keyHRA).csrf(t)
	p = prov.post("/console/requests/"+id+"/decide", url.Values{"csrf": {pc}, "action": {"approve", "deny"}, "note": {"x"}})
	assert.Equal(t, http.StatusForbidden, p.Status, "the role first")

	// A file counts as a value of its field: given also as text, the
	// upload is refused, nothing imported (a re-check).
	fin := w.user()
	fc := fin.signIn(keyFinance).csrf(t)
	var b bytes.Buffer
	mw := multipart.NewWriter(&b)
	require.NoError(t, mw.WriteField("csrf", fc))
	require.NoError(t, mw.WriteField("file", "ISA*00*"))
	fw, err := mw.CreateFormFile("file", "answer.x12")
	require.NoError(t, err)
	_, err = fw.Write([]byte("ISA*00*"))
	require.NoError(t, err)
	require.NoError(t, mw.Close())
	r, err := fin.c.Post(w.srv.URL+"/console/payer-files", mw.FormDataContentType(), &b)
	require.NoError(t, err)
	p = read(t, r)
	assert.Equal(t, http.StatusUnprocessableEntity, p.Status, p.Body)
	assert.Contains(t, p.Body, "given more than once")
	assert.Zero(t, w.count(t, "payer_files"))
}

// A confirmation shows on the page its redirect leads to and on no other:
// a decision whose redirect the browser did not follow (a double click
// drops the first answer) showed "Decision recorded." on the next page
// rendered, whatever it was: another request still pended, a refusal, a
// 403 page (a console black-box pass).
func TestNoticeShowsOnlyOnItsPage(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	first, second := strconv.FormatInt(w.pended(), 10), strconv.FormatInt(w.pended(), 10)
	u := w.user()
	csrf := u.signIn(keyReviewer).csrf(t)
	r := u.post("/console/requests/"+first+"/decide", url.Values{"csrf": {csrf}, "action": {"deny"}, "note": {"no follow-up on file"}})
	require.Equal(t, http.StatusSeeOther, r.Status, r.Body)
	require.Equal(t, "/console/requests/"+first, r.Header.Get("Location"))

	p := u.get("/console/requests/" + second)
	require.Equal(t, http.StatusOK, p.Status)
	assert.NotContains(t, p.Body, `class="notice"`, "another request, still pended")
	p = u.get("/console/keys")
	require.Equal(t, http.StatusForbidden, p.Status)
	assert.NotContains(t, p.Body, `class="notice"`, "a 403 page")
	p = u.post("/console/requests/"+second+"/decide", url.Values{"csrf": {csrf}, "action": {"deny"}, "note": {""}})
	require.Equal(t, http.StatusUnprocessableEntity, p.Status)
	assert.NotContains(t, p.Body, `class="notice"`, "another form's refusal")

	p = u.get("/console/requests/" + first)
	assert.Contains(t, p.Body, "Decision recorded.", "the page the redirect leads to")
	assert.NotContains(t, u.get("/console/requests/"+first).Body, "Decision recorded.", "once")

	// A take's notice is not shown on a refusal either.
	r = u.post("/console/requests/"+second+"/take", url.Values{"csrf": {csrf}})
	require.Equal(t, http.StatusSeeOther, r.Status, r.Body)
	p = u.get("/console/verification")
	require.Equal(t, http.StatusForbidden, p.Status)
	assert.NotContains(t, p.Body, "You hold this request for 30 minutes")
	assert.Contains(t, u.get(r.Header.Get("Location")).Body, "You hold this request for 30 minutes")
}

// A decision sent twice (a double click, Enter twice, the back button) is
// recorded once and the second post lands on it: it read "Decision
// recorded." above "Your decision was not recorded" and "Your note, kept
// here to copy (it was not recorded)" though it was (a console black-box
// pass). Another decision, or the same by another reviewer, is still
// refused.
func TestDecisionSentTwiceReadsAsRecorded(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	id := strconv.FormatInt(w.pended(), 10)
	u := w.user()
	csrf := u.signIn(keyReviewer).csrf(t)
	const note = "follow-up GPRA recorded late;\r\ndeny  "
	form := url.Values{"csrf": {csrf}, "action": {"deny"}, "note": {note}}
	for i := 1; i <= 2; i++ {
		r := u.post("/console/requests/"+id+"/decide", form)
		require.Equal(t, http.StatusSeeOther, r.Status, "post %d: %s", i, r.Body)
		require.Equal(t, "/console/requests/"+id, r.Header.Get("Location"), "post %d", i)
	}
	p := u.get("/console/requests/" + id)
	assert.Contains(t, p.Body, "Decision recorded.")
	assert.NotContains(t, p.Body, "not recorded")
	var n int
	require.NoError(t, w.db.Get(&n, `SELECT count(*) FROM reviewer_decisions WHERE voucher_request_id = $1`, id))
	assert.Equal(t, 1, n)

	// So is a modified approval, its units and dates the same.
	modified := strconv.FormatInt(w.pended(), 10)
	grant := url.Values{"csrf": {csrf}, "action": {"approve_modified"}, "units": {"20"}, "start_date": {day(0)}, "end_date": {day(30)},
		"note": {"twenty units for a month"}}
	for i := 1; i <= 2; i++ {
		r := u.post("/console/requests/"+modified+"/decide", grant)
		require.Equal(t, http.StatusSeeOther, r.Status, "post %d: %s", i, r.Body)
	}
	grant.Set("units", "19")
	r := u.post("/console/requests/"+modified+"/decide", grant)
	assert.Equal(t, http.StatusConflict, r.Status, "other units are another decision")
	assert.Contains(t, r.Body, "Your decision was not recorded")

	r = u.post("/console/requests/"+id+"/decide", url.Values{"csrf": {csrf}, "action": {"deny"}, "note": {"another note"}})
	assert.Equal(t, http.StatusConflict, r.Status, "another note is another decision")
	assert.Contains(t, r.Body, "Your decision was not recorded")
	r = u.post("/console/requests/"+id+"/decide", url.Values{"csrf": {csrf}, "action": {"approve"}, "note": {note}})
	assert.Equal(t, http.StatusConflict, r.Status, "another action")
	assert.Contains(t, r.Body, "Your decision was not recorded")

	status, k := w.api(http.MethodPost, keyAdmin, "/v1/api-keys", map[string]any{"role": "reviewer", "label": "second reviewer"})
	require.Equal(t, http.StatusCreated, status, "%v", k)
	v := w.user()
	tok := v.signIn(k["key"].(string)).csrf(t)
	r = v.post("/console/requests/"+id+"/decide", url.Values{"csrf": {tok}, "action": {"deny"}, "note": {note}})
	assert.Equal(t, http.StatusConflict, r.Status, "the same decision by another reviewer")
	assert.Contains(t, r.Body, "Your decision was not recorded")
}

// A verification, a rejection and a revocation sent twice land on their
// page with their confirmation: the second post read "was not verified:
// the record is verified", "not rejected: the record is already
// rejected", "The key was not revoked: api key 13 is already revoked"
// (a console black-box pass). A record verified or rejected otherwise
// (another reference, another reason) is still refused.
func TestReviewAndRevokeSentTwiceReadAsDone(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	var pending []int64
	require.NoError(t, w.db.Select(&pending, `SELECT id FROM staff_credentials WHERE verification_status = 'pending' ORDER BY id LIMIT 2`))
	require.Len(t, pending, 2)
	verify, reject := strconv.FormatInt(pending[0], 10), strconv.FormatInt(pending[1], 10)
	a := w.user()
	csrf := a.signIn(keyAdmin).csrf(t)

	cases := []struct {
		path, field, value, notice, otherwise string
	}{
		{"/console/verification/credentials/" + verify + "/verify", "document_reference", "licence seen 2026-03-01 ", "Record verified.", "another document"},
		{"/console/verification/credentials/" + reject + "/reject", "reason", "licence\r\nexpired", "Record rejected.", "another reason"},
	}
	for _, c := range cases {
		for i := 1; i <= 2; i++ {
			r := a.post(c.path, url.Values{"csrf": {csrf}, c.field: {c.value}})
			require.Equal(t, http.StatusSeeOther, r.Status, "%s post %d: %s", c.path, i, r.Body)
			require.Equal(t, "/console/verification", r.Header.Get("Location"))
		}
		p := a.get("/console/verification")
		assert.Contains(t, p.Body, c.notice, c.path)
		assert.NotContains(t, p.Body, `id="review-problem"`, c.path)
		r := a.post(c.path, url.Values{"csrf": {csrf}, c.field: {c.otherwise}})
		assert.Equal(t, http.StatusConflict, r.Status, "%s: %s", c.path, c.otherwise)
		assert.Contains(t, r.Body, `id="review-problem"`)
	}
	r := a.post("/console/verification/credentials/"+reject+"/verify", url.Values{"csrf": {csrf}, "document_reference": {"licence seen"}})
	assert.Equal(t, http.StatusConflict, r.Status, "a rejected record is not verified")
	// The queue's reject of a record verified meanwhile (a page loaded
	// before another tab verified it) is refused: it withdrew the
	// credential just verified, whole, and read "Record rejected." (a
	// black-box re-check).
	r = a.post("/console/verification/credentials/"+verify+"/reject", url.Values{"csrf": {csrf}, "reason": {"oops"}})
	assert.Equal(t, http.StatusConflict, r.Status, "a verified record is not rejected from the queue: %s", r.Body)
	assert.Contains(t, r.Body, "verified meanwhile")
	var stands string
	require.NoError(t, w.db.Get(&stands, `SELECT verification_status FROM staff_credentials WHERE id = $1`, pending[0]))
	assert.Equal(t, "verified", stands)

	status, k := w.api(http.MethodPost, keyAdmin, "/v1/api-keys", map[string]any{"role": "finance", "label": "temp"})
	require.Equal(t, http.StatusCreated, status)
	temp := strconv.FormatInt(int64(k["id"].(float64)), 10)
	for i := 1; i <= 2; i++ {
		r := a.post("/console/keys/"+temp+"/revoke", url.Values{"csrf": {csrf}})
		require.Equal(t, http.StatusSeeOther, r.Status, "post %d: %s", i, r.Body)
		require.Equal(t, "/console/keys", r.Header.Get("Location"))
	}
	p := a.get("/console/keys")
	assert.Contains(t, p.Body, "Key revoked; its sessions have ended.")
	assert.NotContains(t, p.Body, `id="revoke-problem"`)
}

// Idle and absolute timeouts are the server's, measured by its clock.
func TestSessionTimeouts(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	u := w.user()
	u.signIn(keyReviewer)
	w.clock.Advance(29 * time.Minute)
	require.Equal(t, http.StatusOK, u.get("/console/queue").Status, "29 minutes idle is still signed in")
	w.clock.Advance(29 * time.Minute)
	require.Equal(t, http.StatusOK, u.get("/console/queue").Status, "each page restarts the idle time")
	w.clock.Advance(30 * time.Minute)
	r := u.get("/console/queue")
	require.Equal(t, http.StatusSeeOther, r.Status, "30 minutes idle ends it")
	assert.Equal(t, "/console/sign-in?next=%2Fconsole%2Fqueue", r.Header.Get("Location"))
	var n int
	require.NoError(t, w.db.Get(&n, `SELECT count(*) FROM console_sessions`))
	assert.Zero(t, n, "a lapsed session is deleted")

	// However busy, 12 hours after sign-in it ends.
	u = w.user()
	u.signIn(keyReviewer)
	for range 24 {
		w.clock.Advance(29 * time.Minute)
		require.Equal(t, http.StatusOK, u.get("/console/").Status)
	}
	w.clock.Advance(25 * time.Minute) // 12 h 1 min after sign-in
	assert.Equal(t, http.StatusSeeOther, u.get("/console/").Status)
}

// A revoked key ends its sessions at once.
func TestRevokedKeyEndsItsSessions(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	status, k := w.api(http.MethodPost, keyAdmin, "/v1/api-keys", map[string]any{"role": "finance", "label": "temp"})
	require.Equal(t, http.StatusCreated, status)
	u := w.user()
	u.signIn(k["key"].(string))
	admin := w.user()
	home := admin.signIn(keyAdmin)
	r := admin.post("/console/keys/"+strconv.FormatInt(int64(k["id"].(float64)), 10)+"/revoke", url.Values{"csrf": {home.csrf(t)}})
	require.Equal(t, http.StatusSeeOther, r.Status, "body: %s", r.Body)
	assert.Equal(t, http.StatusSeeOther, u.get("/console/batches").Status)
}

// An admin's revocation of the key it signed in with, sent twice: the
// second post finds the session ended with the key and says so, not that
// nothing was recorded (a console black-box pass: the first had revoked
// it).
func TestOwnKeyRevokedTwiceSaysItWasRevoked(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	status, k := w.api(http.MethodPost, keyAdmin, "/v1/api-keys", map[string]any{"role": "admin", "label": "second admin"})
	require.Equal(t, http.StatusCreated, status)
	own := strconv.FormatInt(int64(k["id"].(float64)), 10)
	a := w.user()
	csrf := a.signIn(k["key"].(string)).csrf(t)
	r := a.post("/console/keys/"+own+"/revoke", url.Values{"csrf": {csrf}})
	require.Equal(t, http.StatusSeeOther, r.Status, r.Body)
	r = a.post("/console/keys/"+own+"/revoke", url.Values{"csrf": {csrf}})
	assert.Equal(t, http.StatusUnauthorized, r.Status)
	assert.Contains(t, r.Body, "was revoked before that was sent")
	assert.NotContains(t, r.Body, "so nothing was recorded")
	assert.Contains(t, r.Body, `name="next" value="/console/keys"`)

	// A session that lapsed still says nothing was recorded; a client
	// search posted after it goes back to the clients page.
	p := w.user()
	csrf = p.signIn(keyHRA).csrf(t)
	w.clock.Advance(31 * time.Minute)
	r = p.post("/console/clients/search", url.Values{"csrf": {csrf}, "name": {"Kim"}})
	assert.Equal(t, http.StatusUnauthorized, r.Status)
	assert.Contains(t, r.Body, "so nothing was recorded")
	assert.Contains(t, r.Body, `name="next" value="/console/clients"`)
}

// A refused revocation (the MSC's last admin key) comes back as the key
// list with the refusal above it, not a bare problem page (a black-box
// pass). (A key revoked already is no refusal: the form sent twice, its
// second post lands on the list; TestReviewAndRevokeSentTwiceReadAsDone.)
func TestRefusedRevocationShowsTheKeys(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	admin := w.user()
	home := admin.signIn(keyAdmin)
	tok := home.csrf(t)

	var adminKey string
	status, list := w.api(http.MethodGet, keyAdmin, "/v1/api-keys", nil)
	require.Equal(t, http.StatusOK, status)
	items, _ := list["items"].([]any)
	for _, x := range items {
		if it := x.(map[string]any); it["role"] == "admin" && it["revoked_at"] == nil {
			adminKey = strconv.FormatInt(int64(it["id"].(float64)), 10)
		}
	}
	require.NotEmpty(t, adminKey)
	r := admin.post("/console/keys/"+adminKey+"/revoke", url.Values{"csrf": {tok}})
	assert.Equal(t, http.StatusConflict, r.Status)
	assert.Contains(t, r.Body, `id="revoke-problem"`)
	assert.Contains(t, r.Body, `id="keys"`)
	assert.Equal(t, http.StatusOK, admin.get("/console/keys").Status, "the admin is still signed in")
}

// A form past the console's size limit is answered 413, as too large, not
// 403 as a forged form: the limit cut the token off with the rest.
func TestOversizeFormIsTooLargeNotForged(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	u := w.user()
	home := u.signIn(keyBCS)
	tok := home.csrf(t)
	for _, form := range []url.Values{
		{"csrf": {tok}, "name": {strings.Repeat("a", 70000)}},
		{"name": {strings.Repeat("a", 70000)}, "csrf": {tok}},
	} {
		r := u.post("/console/clients/search", form)
		assert.Equal(t, http.StatusRequestEntityTooLarge, r.Status, "body: %s", r.Body)
		assert.Contains(t, r.Body, "larger than the console accepts")
	}
	r := u.post("/console/clients/search", url.Values{"csrf": {"AAAA"}, "name": {"johnson"}})
	assert.Equal(t, http.StatusForbidden, r.Status, "a small form without the token is still refused as forged")
}

// Another agency's client, request and claim are "not found", exactly as
// in the API; a client is found by name through a POST, never a URL.
func TestProviderSeesOnlyItsAgency(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	u := w.user()
	home := u.signIn(keyBCS)
	hra := w.demo.Clients["Johnson"]
	r := u.get("/console/clients/" + strconv.FormatInt(hra, 10))
	assert.Equal(t, http.StatusNotFound, r.Status)
	assert.NotContains(t, r.Body, "Johnson")
	id := w.pended()
	assert.Equal(t, http.StatusNotFound, u.get("/console/requests/"+strconv.FormatInt(id, 10)).Status)
	assert.Equal(t, http.StatusNotFound, u.get("/console/clients/not-a-number").Status)
	list := u.get("/console/clients")
	require.Equal(t, http.StatusOK, list.Status)
	assert.NotContains(t, list.Body, "Johnson")
	r = u.post("/console/clients/search", url.Values{"csrf": {home.csrf(t)}, "name": {"johnson"}})
	require.Equal(t, http.StatusOK, r.Status)
	assert.Contains(t, r.Body, "No clients.")
	assert.Equal(t, http.StatusForbidden, u.get("/console/batches").Status, "a provider does not close batches")
	assert.Equal(t, http.StatusForbidden, u.get("/console/keys").Status)

	hraUser := w.user()
	home = hraUser.signIn(keyHRA)
	r = hraUser.post("/console/clients/search", url.Values{"csrf": {home.csrf(t)}, "name": {"johnson"}})
	require.Equal(t, http.StatusOK, r.Status)
	assert.Contains(t, r.Body, "/console/clients/"+strconv.FormatInt(hra, 10))
	// The results' address opened again leads back to the search form
	// (it read "Not found." as a client whose id is "search").
	r = hraUser.get("/console/clients/search")
	assert.Equal(t, http.StatusSeeOther, r.Status)
	assert.Equal(t, "/console/clients", r.Header.Get("Location"))
}

// Every screen of every role renders (no template error, no 500).
func TestEveryScreenRenders(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	id := w.pended()
	screens := map[string][]string{
		keyReviewer: {"/console/", "/console/queue", "/console/queue?program=ATR&min_age=0", "/console/authorizations?status=pending_review", "/console/requests/" + strconv.FormatInt(id, 10), "/console/charts"},
		keyHRA: {"/console/", "/console/clients", "/console/clients/" + strconv.FormatInt(w.demo.Clients["Johnson"], 10), "/console/authorizations",
			"/console/authorizations?status=active", "/console/authorizations?status=pending_review", "/console/claims", "/console/remittance", "/console/charts"},
		keyFinance: {"/console/", "/console/batches", "/console/batches/preview?payer_route=payment_register&through_date=" + day(0), "/console/claims", "/console/charts",
			"/console/payer-files", "/console/reconciliation", "/console/reconciliation?from=" + day(-7) + "&to=" + day(0)},
		keyAdmin: {"/console/", "/console/reference", "/console/reference/services/ATR-CM", "/console/verification", "/console/keys", "/console/queue", "/console/charts", "/console/payer-files"},
	}
	for key, paths := range screens {
		u := w.user()
		u.signIn(key)
		for _, p := range paths {
			r := u.get(p)
			assert.Equal(t, http.StatusOK, r.Status, "%s: %s", p, r.Body)
			assert.True(t, strings.HasPrefix(r.Header.Get("Content-Type"), "text/html"), p)
		}
	}
	// A form the role could only have refused is not offered: the
	// reconciliation's to a provider or a reviewer, the batch close to
	// the admin (a black-box pass).
	for _, key := range []string{keyHRA, keyReviewer} {
		u := w.user()
		u.signIn(key)
		assert.Equal(t, http.StatusForbidden, u.get("/console/reconciliation").Status)
	}
	a := w.user()
	a.signIn(keyAdmin)
	r := a.get("/console/batches")
	assert.Equal(t, http.StatusOK, r.Status)
	assert.NotContains(t, r.Body, `id="preview"`)
	f := w.user()
	f.signIn(keyFinance)
	assert.Contains(t, f.get("/console/batches").Body, `id="preview"`)

	// Bad input of any kind is a 4xx page, never a 500.
	u := w.user()
	u.signIn(keyFinance)
	for p, want := range map[string]int{
		"/console/batches/preview?payer_route=fax&through_date=" + day(0):              http.StatusUnprocessableEntity,
		"/console/batches/preview?payer_route=payment_register&through_date=tomorrow":  http.StatusUnprocessableEntity,
		"/console/batches/preview?payer_route=payment_register&through_date=" + day(1): http.StatusUnprocessableEntity,
		"/console/batches/999999":                    http.StatusNotFound,
		"/console/claims?status=lost":                http.StatusUnprocessableEntity,
		"/console/batches/1/remittance/1?format=pdf": http.StatusUnprocessableEntity,
	} {
		assert.Equal(t, want, u.get(p).Status, p)
	}
	// A refused filter names itself and leads back to its list (a
	// black-box pass was sent to the start page).
	r = u.get("/console/claims?status=lost")
	assert.Contains(t, r.Body, "This filter was refused:")
	assert.Contains(t, r.Body, `<a href="/console/claims" id="back">`)

	// A parameter a page does not read is refused, naming it and what
	// the page takes: the API's names for a filter showed the list
	// unfiltered (a console black-box pass).
	for p, name := range map[string]string{
		"/console/queue?provider_id=1":        "provider_id",
		"/console/queue?min_age_days=5":       "min_age_days",
		"/console/authorizations?client_id=9": "client_id",
		"/console/payer-files?kind=bogus":     "kind",
		"/console/keys?cursor=zzz":            "cursor",
		"/console/reference?x=1":              "x",
	} {
		r := u.get(p)
		require.Equal(t, http.StatusUnprocessableEntity, r.Status, p)
		assert.Contains(t, r.Body, "This filter was refused:", p)
		assert.Contains(t, r.Body, "<strong>"+strings.ReplaceAll(name, "_", " ")+"</strong>: this page takes no such parameter", p)
	}
	assert.Contains(t, u.get("/console/queue?provider_id=1").Body, "it takes program, reason, provider, min_age, cursor")
	// One given twice is refused, as the API refuses it: the page read the
	// first and dropped the rest (a black-box pass).
	for p, name := range map[string]string{
		"/console/claims?status=paid&status=denied":                                       "status",
		"/console/reconciliation?batch=2&batch=1":                                         "batch",
		"/console/queue?provider=1&provider=1":                                            "provider",
		"/console/batches/preview?payer_route=payment_register&payer_route=medicaid_837p": "payer route",
	} {
		r := u.get(p)
		require.Equal(t, http.StatusUnprocessableEntity, r.Status, p)
		assert.Contains(t, r.Body, "<strong>"+name+"</strong>: this filter is given more than once", p)
	}
	for _, p := range []string{"/console/batches/preview?payer_route=payment_register&through_date=" + day(0), "/console/claims?status=paid",
		"/console/reconciliation?format=html"} {
		assert.Equal(t, http.StatusOK, u.get(p).Status, p)
	}
}

// Every console route with a path parameter, given bytes no id or code
// holds, answers a 4xx page (not found, or the form refused), never a 500.
func TestBadBytesInPaths(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	u := w.user()
	home := u.signIn(keyAdmin)
	tested := 0
	for _, r := range w.rss.Routes() {
		if !strings.HasPrefix(r.Path, "/console") || !strings.Contains(r.Path, "/:") {
			continue
		}
		for _, bad := range []string{"%00", "a%00b", "%FF", "%C0%AF", "%0A", "-1", "0", "99999999999999999999"} {
			parts := strings.Split(r.Path, "/")
			for i, p := range parts {
				if strings.HasPrefix(p, ":") {
					parts[i] = bad
				}
			}
			path := strings.Join(parts, "/")
			var p page
			if r.Method == http.MethodPost {
				p = u.post(path, url.Values{"csrf": {home.csrf(t)}, "note": {"x"}, "reason": {"x"}, "document_reference": {"x"}})
			} else {
				p = u.get(path)
			}
			assert.True(t, p.Status >= 400 && p.Status < 500, "%s %s: %d", r.Method, path, p.Status)
			tested++
		}
	}
	assert.Greater(t, tested, 80)
}

// The queue's filters (program, reason code, provider, days waiting) and
// who holds a taken request.
func TestQueueFiltersAndTakes(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	first := w.pended() // Johnson, ATR-CM, GPRA_FOLLOWUP_OVERDUE
	w.clock.Advance(30 * time.Hour)
	status, v := w.api(http.MethodPost, keyHRA, "/v1/voucher-requests", map[string]any{"client_id": w.demo.Clients["Williams"],
		"service_code": "RCM-CM", "units": 40, "start_date": day(1), "end_date": day(60), "staff_id": w.demo.Staff["Castillo"]})
	require.Equal(t, http.StatusCreated, status, "%v", v)
	require.Equal(t, "pended", v["decision"], "%v", v["reason_codes"])
	second := int64(v["id"].(float64))
	link := func(id int64) string { return `href="/console/requests/` + strconv.FormatInt(id, 10) + `"` }

	u := w.user()
	home := u.signIn(keyReviewer)
	all := u.get("/console/queue")
	require.Equal(t, http.StatusOK, all.Status)
	assert.Contains(t, all.Body, link(first))
	assert.Contains(t, all.Body, link(second))
	assert.Less(t, strings.Index(all.Body, link(first)), strings.Index(all.Body, link(second)), "oldest first")
	assert.Contains(t, all.Body, "1 d (30 h)")
	// Each row names its agency by code, as the filter does (a bare id: a
	// reviewer black-box pass), and so does the request's page.
	assert.Contains(t, all.Body, "<td>ATR</td><td>ATR-CM</td><td>HRA</td>")
	assert.Contains(t, u.get("/console/requests/"+strconv.FormatInt(first, 10)).Body, "</a> · HRA</dd>")

	for q, want := range map[string][]int64{
		"?program=RCM":                  {second},
		"?program=ATR":                  {first},
		"?min_age=1":                    {first},
		"?reason=GPRA_FOLLOWUP_OVERDUE": {first},
		"?provider=" + strconv.FormatInt(w.demo.Providers["HRA"], 10): {first, second},
	} {
		r := u.get("/console/queue" + q)
		require.Equal(t, http.StatusOK, r.Status, q)
		for _, id := range []int64{first, second} {
			if contains(want, id) {
				assert.Contains(t, r.Body, link(id), q)
			} else {
				assert.NotContains(t, r.Body, link(id), q)
			}
		}
	}
	assert.Equal(t, http.StatusUnprocessableEntity, u.get("/console/queue?min_age=old").Status)
	// An agency that does not exist is a mistake, not an empty queue (a
	// console black-box pass), as an unknown program is.
	assert.Equal(t, http.StatusUnprocessableEntity, u.get("/console/queue?provider=999").Status)

	r := u.post("/console/requests/"+strconv.FormatInt(first, 10)+"/take", url.Values{"csrf": {home.csrf(t)}})
	require.Equal(t, http.StatusSeeOther, r.Status, "body: %s", r.Body)
	assert.Contains(t, u.get("/console/queue").Body, "by you")
	status, k := w.api(http.MethodPost, keyAdmin, "/v1/api-keys", map[string]any{"role": "reviewer", "label": "second"})
	require.Equal(t, http.StatusCreated, status)
	other := w.user()
	oh := other.signIn(k["key"].(string))
	assert.Contains(t, other.get("/console/queue").Body, "by another reviewer")
	// The other's page offers no take of what is held, and a take sent
	// anyway is refused on the request's page, not a bare error page (a
	// black-box pass was sent to the start page).
	page := other.get("/console/requests/" + strconv.FormatInt(first, 10))
	assert.Contains(t, page.Body, "Another reviewer holds this request until")
	assert.NotContains(t, page.Body, `id="take"`)
	assert.NotContains(t, page.Body, "You hold this request")
	r = other.post("/console/requests/"+strconv.FormatInt(first, 10)+"/take", url.Values{"csrf": {oh.csrf(t)}})
	assert.Equal(t, http.StatusConflict, r.Status)
	assert.Contains(t, r.Body, "You did not take it: another reviewer holds it.")
	assert.Contains(t, r.Body, `id="decide-form"`)
	r = other.post("/console/requests/"+strconv.FormatInt(first, 10)+"/decide", url.Values{"csrf": {oh.csrf(t)}, "action": {"deny"}, "note": {"mine"}})
	assert.Equal(t, http.StatusConflict, r.Status)
	assert.Contains(t, r.Body, "taken by another reviewer")
	w.clock.Advance(29 * time.Minute)
	r = other.get("/console/queue")
	require.Equal(t, http.StatusOK, r.Status)
	assert.Contains(t, r.Body, "by another reviewer", "held for 30 minutes")
	w.clock.Advance(time.Minute)
	r = other.get("/console/queue")
	require.Equal(t, http.StatusOK, r.Status)
	assert.NotContains(t, r.Body, "by another reviewer", "a lapsed take frees the request")
	r = other.post("/console/requests/"+strconv.FormatInt(first, 10)+"/decide", url.Values{"csrf": {oh.csrf(t)}, "action": {"deny"}, "note": {"mine"}})
	assert.Equal(t, http.StatusSeeOther, r.Status, "body: %s", r.Body)

	// The first reviewer, deciding the request the other has decided since,
	// is told it was not recorded and gets the note back: the page showed
	// only the other's decision, as if it were theirs (a black-box pass).
	again := w.user()
	ah := again.signIn(keyReviewer)
	r = again.post("/console/requests/"+strconv.FormatInt(first, 10)+"/decide", url.Values{"csrf": {ah.csrf(t)}, "action": {"approve"},
		"note": {"my careful reasons"}})
	assert.Equal(t, http.StatusConflict, r.Status)
	assert.Contains(t, r.Body, `id="decide-problem"`)
	assert.Contains(t, r.Body, "The decision was not recorded")
	assert.Contains(t, r.Body, "my careful reasons")
}

func contains(list []int64, id int64) bool {
	for _, x := range list {
		if x == id {
			return true
		}
	}
	return false
}

// Finance closes a batch through the console's forms; the provider finds
// the batch on its remittance page and downloads its own advice, never
// another agency's.
func TestProviderRemittanceAdvice(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	auth := w.authorizeRivera(t, 40)
	w.claimRivera(t, "HRA-R1", auth, 4, "60.00")
	// BCS's claim is denied whole: the batch reports it, nothing of BCS
	// is in the file, and the batch page still leads to BCS's advice.
	status, v := w.api(http.MethodPost, keyBCS, "/v1/claims", map[string]any{"claim_number": "BCS-D1", "client_id": w.demo.Clients["Reyes"],
		"rendering_staff_id": w.demo.Staff["Baptiste"], "place_of_service": "11",
		"lines": []map[string]any{{"service_code": "ATR-TR", "date_of_service": day(-2), "units": 1, "charge": "12.00"}}})
	require.Equal(t, http.StatusCreated, status, "%v", v)
	require.Equal(t, "denied", v["status"], "%v", v)

	f := w.user()
	f.signIn(keyFinance)
	preview := f.get("/console/batches/preview?payer_route=payment_register&through_date=" + day(0))
	require.Equal(t, http.StatusOK, preview.Status)
	assert.Contains(t, preview.Body, `<dd id="p-lines">1</dd>`)
	r := f.post("/console/batches", preview.hidden())
	require.Equal(t, http.StatusSeeOther, r.Status, "body: %s", r.Body)
	batch := strings.TrimPrefix(r.Header.Get("Location"), "/console/batches/")
	_, err := strconv.ParseInt(batch, 10, 64)
	require.NoError(t, err, r.Header.Get("Location"))
	file := f.get("/console/batches/" + batch + "/file")
	require.Equal(t, http.StatusOK, file.Status)
	assert.Equal(t, `attachment; filename="batch-`+batch+`-payment_register.csv"`, file.Header.Get("Content-Disposition"))
	assert.Contains(t, file.Body, "HRA-R1")
	// With the digest the batch froze, as the API's download sends it.
	sum := sha256.Sum256([]byte(file.Body))
	assert.Equal(t, hex.EncodeToString(sum[:]), file.Header.Get("X-Content-SHA256"))
	bcs := strconv.FormatInt(w.demo.Providers["BCS"], 10)
	page := f.get("/console/batches/" + batch)
	require.Equal(t, http.StatusOK, page.Status)
	assert.Contains(t, page.Body, "Batch closed", "the close confirmed, as every office form is (a black-box pass)")
	assert.Contains(t, page.Body, `<tr class="denials-only"><td>`+bcs+`</td>`)
	again := f.post("/console/batches", preview.hidden())
	require.Equal(t, http.StatusSeeOther, again.Status, "body: %s", again.Body)
	assert.Equal(t, r.Header.Get("Location"), again.Header.Get("Location"))
	assert.Contains(t, f.get("/console/batches/"+batch).Body, "nothing new was closed")
	assert.Contains(t, page.Body, `href="/console/batches/`+batch+`/remittance/`+bcs+`?format=csv"`)
	assert.Contains(t, f.get("/console/batches/"+batch+"/remittance/"+bcs+"?format=csv").Body, "BCS-D1")
	assert.Equal(t, http.StatusForbidden, f.get("/console/remittance").Status, "finance reads advice per batch")

	hra := strconv.FormatInt(w.demo.Providers["HRA"], 10)
	p := w.user()
	p.signIn(keyHRA)
	list := p.get("/console/remittance")
	require.Equal(t, http.StatusOK, list.Status)
	assert.Contains(t, list.Body, `<td class="num">60.00</td>`, "money with two decimals")
	advice := "/console/batches/" + batch + "/remittance/" + hra + "?format=csv"
	assert.Contains(t, list.Body, `href="`+strings.ReplaceAll(advice, "&", "&amp;")+`"`)
	csv := p.get(advice)
	require.Equal(t, http.StatusOK, csv.Status)
	assert.Contains(t, csv.Body, "HRA-R1")
	assert.Equal(t, http.StatusNotFound, p.get("/console/batches/"+batch+"/remittance/"+strconv.FormatInt(w.demo.Providers["BCS"], 10)+"?format=csv").Status)
	assert.Equal(t, http.StatusForbidden, p.get("/console/batches/"+batch+"/file").Status, "the file is finance's")

	b := w.user()
	b.signIn(keyBCS)
	bl := b.get("/console/remittance").Body
	assert.Contains(t, bl, "#"+batch+"<", "BCS's denied claim is reported in it")
	// Its row says why it counts nothing, where it read 0 claims, 0.00
	// billed beside an advice of a 12.00 denial (a console black-box pass).
	assert.Contains(t, bl, "Denied claims reported only: nothing in the file")
	assert.Contains(t, b.get("/console/batches/"+batch+"/remittance/"+bcs+"?format=csv").Body, "BCS-D1")
	assert.NotContains(t, b.get("/console/batches/"+batch+"/remittance/"+bcs+"?format=csv").Body, "HRA-R1")
	assert.Equal(t, http.StatusNotFound, b.get(advice).Status, "HRA's advice is HRA's")
}

// The session cookie is Secure over TLS, and on plain HTTP when the
// operator says TLS ends in front of rss.
func TestSecureCookie(t *testing.T) {
	t.Parallel()
	db := pgtest.NewDB(t)
	for _, tc := range []struct {
		name   string
		tls    bool
		secure bool
	}{{"tls", true, false}, {"flag", false, true}} {
		srv := api.Open(db, api.Options{Location: loc, SecureCookies: tc.secure, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
		var hs *httptest.Server
		if tc.tls {
			hs = httptest.NewTLSServer(srv)
		} else {
			hs = httptest.NewServer(srv)
		}
		defer hs.Close()
		c := hs.Client()
		c.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
		r, err := c.Get(hs.URL + "/console/sign-in")
		require.NoError(t, err)
		form := read(t, r)
		var pre *http.Cookie
		for _, ck := range r.Cookies() {
			if ck.Name == "rss_console_pre" {
				pre = ck
			}
		}
		require.NotNil(t, pre, tc.name)
		assert.True(t, pre.Secure, tc.name)
		req, err := http.NewRequest(http.MethodPost, hs.URL+"/console/sign-in",
			strings.NewReader(url.Values{"csrf": {form.csrf(t)}, "api_key": {keyAdmin}}.Encode()))
		require.NoError(t, err)
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.AddCookie(pre)
		r, err = c.Do(req)
		require.NoError(t, err)
		read(t, r)
		require.Equal(t, http.StatusSeeOther, r.StatusCode, tc.name)
		var sc *http.Cookie
		for _, ck := range r.Cookies() {
			if ck.Name == "rss_console" {
				sc = ck
			}
		}
		require.NotNil(t, sc, tc.name)
		assert.True(t, sc.Secure, tc.name)
		assert.True(t, sc.HttpOnly, tc.name)
	}
}

func TestUnknownConsolePageIsAPage(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	r := w.user().get("/console/nowhere")
	assert.Equal(t, http.StatusNotFound, r.Status)
	assert.True(t, strings.HasPrefix(r.Header.Get("Content-Type"), "text/html"))
	assert.Contains(t, r.Body, "There is no such page.")
	assert.NotEmpty(t, r.Header.Get("Content-Security-Policy"))
	status, p := w.api(http.MethodGet, keyAdmin, "/v1/nowhere", nil)
	assert.Equal(t, http.StatusNotFound, status)
	assert.Equal(t, "not_found", p["code"], "the API's unknown paths stay problems")
	// A console route asked with another method is a page with the
	// console's headers too (it was the API's JSON, without them).
	r = w.user().get("/console/sign-out")
	assert.Equal(t, http.StatusMethodNotAllowed, r.Status)
	assert.True(t, strings.HasPrefix(r.Header.Get("Content-Type"), "text/html"), r.Header.Get("Content-Type"))
	assert.NotEmpty(t, r.Header.Get("Content-Security-Policy"))
	assert.Equal(t, "DENY", r.Header.Get("X-Frame-Options"))
}

// BCS's own pages about Moreau tell nothing of HRA, which also serves her:
// not the duplicate's code, nor HRA's authorization number or episode, nor
// the person-wide facts a rule read; the reviewer's page shows them all.
func TestProviderPagesWithholdAnotherAgency(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	moreau := w.demo.Clients["Moreau/BCS"]
	status, v := w.api(http.MethodPost, keyBCS, "/v1/voucher-requests", map[string]any{"client_id": moreau,
		"service_code": "ATR-TR", "units": 10, "start_date": day(0), "end_date": day(29)})
	require.Equal(t, http.StatusCreated, status, "%v", v)
	require.Equal(t, "pended", v["decision"])
	// and one the rules grant, whose trace is shown with its facts
	status, ok := w.api(http.MethodPost, keyBCS, "/v1/voucher-requests", map[string]any{"client_id": moreau,
		"service_code": "ATR-LS", "units": 4, "start_date": day(0), "end_date": day(29)})
	require.Equal(t, http.StatusCreated, status, "%v", ok)
	var number, hra string
	require.NoError(t, w.db.Get(&number, `SELECT number FROM authorizations WHERE client_id = $1 AND service_code = 'ATR-TR'`,
		w.demo.Clients["Moreau/HRA"]))
	require.NoError(t, w.db.Get(&hra, `SELECT name FROM providers WHERE id = $1`, w.demo.Providers["HRA"]))
	// The trace of the second names the duplicate rule, passed: the
	// catalogue is public; its code on the first would tell.
	leaks := []string{number, hra, `"provider_id":` + strconv.FormatInt(w.demo.Providers["HRA"], 10) + `,`, "episode_id"}

	u := w.user()
	u.signIn(keyBCS)
	for _, path := range []string{"/console/requests/" + strconv.FormatInt(int64(v["id"].(float64)), 10),
		"/console/requests/" + strconv.FormatInt(int64(ok["id"].(float64)), 10), "/console/clients/" + strconv.FormatInt(moreau, 10)} {
		p := u.get(path)
		require.Equal(t, http.StatusOK, p.Status, path)
		for _, s := range leaks {
			assert.NotContains(t, html.UnescapeString(p.Body), s, "%s tells of HRA", path)
		}
	}
	pended := u.get("/console/requests/" + strconv.FormatInt(int64(v["id"].(float64)), 10)).Body
	assert.Contains(t, pended, "CONFLICT_ON_FILE")
	assert.NotContains(t, pended, "DUPLICATE_SERVICE_OTHER_PROVIDER")
	assert.NotContains(t, pended, "Every rule in order", "no heading over a trace withheld")

	r := w.user()
	r.signIn(keyReviewer)
	p := r.get("/console/requests/" + strconv.FormatInt(int64(v["id"].(float64)), 10))
	require.Equal(t, http.StatusOK, p.Status)
	assert.Contains(t, p.Body, "DUPLICATE_SERVICE_OTHER_PROVIDER")
	assert.Contains(t, p.Body, number)
	// The rule's detail names the agency by its code, as the page does
	// elsewhere; it read "of provider 1", the rules' words.
	assert.Contains(t, p.Body, "authorization "+number+" of HRA overlaps")
	assert.NotContains(t, p.Body, "of provider ")
}

// "01" and "+1" were read as 1 in a console path too: one record, several
// addresses. Only the id as written is found.
func TestConsoleNonCanonicalIDsAreNotFound(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	u := w.user()
	u.signIn(keyHRA)
	id := strconv.FormatInt(w.demo.Clients["Johnson"], 10)
	require.Equal(t, http.StatusOK, u.get("/console/clients/"+id).Status)
	for _, p := range []string{"0" + id, "+" + id, "00" + id} {
		assert.Equal(t, http.StatusNotFound, u.get("/console/clients/"+p).Status, p)
	}
}

// The utilization chart shows the last six months, this one and the five
// before, each a point (0 when quiet): months without activity were left
// out and the line ran across them, and 182 days back began a seventh
// month (a black-box pass).
func TestUtilizationChartShowsEverySixMonths(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	u := w.user()
	u.signIn(keyReviewer)
	r := u.get("/console/charts")
	require.Equal(t, http.StatusOK, r.Status)
	start := strings.Index(r.Body, `id="chart-utilization"`)
	require.GreaterOrEqual(t, start, 0)
	section := r.Body[start:]
	section = section[:strings.Index(section, "</section>")]
	months := regexp.MustCompile(`<tr><td>([0-9]{4}-[0-9]{2})</td>`).FindAllStringSubmatch(section, -1)
	var got []string
	for _, m := range months {
		got = append(got, m[1])
	}
	assert.Equal(t, []string{"2026-01", "2026-02", "2026-03", "2026-04", "2026-05", "2026-06"}, got)

	// This month is the whole month: a voucher granted today for the days
	// ahead counts in it (cut at today it read 0, a black-box pass).
	june := func() string {
		r := u.get("/console/charts")
		m := regexp.MustCompile(`<tr><td>2026-06</td><td>([0-9]+)</td>`).FindStringSubmatch(r.Body)
		require.NotNil(t, m, "%s", r.Body)
		return m[1]
	}
	before, err := strconv.Atoi(june())
	require.NoError(t, err)
	status, v := w.api(http.MethodPost, keyHRA, "/v1/voucher-requests", map[string]any{"client_id": w.demo.Clients["Rivera"],
		"service_code": "ATR-TR", "units": 7, "start_date": day(1), "end_date": day(10)})
	require.Equal(t, http.StatusCreated, status, "%v", v)
	require.Equal(t, "approved", v["decision"], "%v", v["reason_codes"])
	assert.Equal(t, strconv.Itoa(before+7), june())
}

// A database gone from under a running server (dropped or renamed) is an
// outage to wait out: the console's page and the API's answer are a 503
// with Retry-After, not a 500 with an ERROR line (a black-box pass).
func TestDatabaseGoneIsUnavailable(t *testing.T) {
	t.Parallel()
	var lines syncLines
	w := newWorldWith(t, api.Options{Logger: slog.New(slog.NewJSONHandler(&lines, nil))})
	u := w.user()
	u.signIn(keyHRA)
	var name string
	require.NoError(t, w.db.GetContext(t.Context(), &name, `SELECT current_database()`))
	admin, err := sqlx.Open("postgres", pgtest.ServerURL())
	require.NoError(t, err)
	defer admin.Close()
	gone := name + "_gone"
	rename := func(from, to string) {
		t.Helper()
		_, err := admin.ExecContext(t.Context(), `SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1`, from)
		require.NoError(t, err)
		_, err = admin.ExecContext(t.Context(), fmt.Sprintf(`ALTER DATABASE %q RENAME TO %q`, from, to))
		require.NoError(t, err)
	}
	rename(name, gone)
	defer rename(gone, name)
	r := u.get("/console/clients")
	assert.Equal(t, http.StatusServiceUnavailable, r.Status, "%s", r.Body)
	assert.NotEmpty(t, r.Header.Get("Retry-After"))
	status, p := w.api(http.MethodGet, keyHRA, "/v1/clients", nil)
	assert.Equal(t, http.StatusServiceUnavailable, status, "%v", p)
	// Logged at WARN by the console as by the API: an ERROR line paged the
	// engineer on call for an outage the API's routes logged as a warning
	// (a re-check).
	assert.Contains(t, lines.String(), `"msg":"console request failed"`)
	assert.NotContains(t, lines.String(), `"level":"ERROR"`, "%s", lines.String())
}

// Another reviewer's take reads until when it lapses (it read "until the
// take plus 30 minutes": a black-box pass).
func TestAnotherReviewersTakeSaysWhenItLapses(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	id := strconv.FormatInt(w.pended(), 10)
	status, v := w.api(http.MethodPost, keyAdmin, "/v1/api-keys", map[string]any{"role": "reviewer", "label": "second reviewer"})
	require.Equal(t, http.StatusCreated, status, "%v", v)
	status, _ = w.api(http.MethodPost, keyReviewer, "/v1/voucher-requests/"+id+"/take", nil)
	require.Equal(t, http.StatusOK, status)
	var takenAt time.Time
	require.NoError(t, w.db.Get(&takenAt, `SELECT taken_at FROM voucher_requests WHERE id = $1`, id))
	u := w.user()
	u.signIn(v["key"].(string))
	body := u.get("/console/requests/" + id).Body
	assert.Contains(t, body, "Another reviewer holds this request until "+takenAt.Add(30*time.Minute).UTC().Format("2006-01-02 15:04 UTC")+".")
}

// A batch closed from its preview takes what the preview showed: a claim
// that arrived in between made the batch larger than the preview finance
// confirmed, unseen (a black-box pass: 70.00 previewed, 245.00 closed).
// The close is refused, nothing closed, and the preview shown again as it
// now stands; closing from that one takes both claims.
func TestBatchCloseTakesWhatThePreviewShowed(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	auth := w.authorizeRivera(t, 40)
	w.claimRivera(t, "HRA-P1", auth, 4, "60.00")
	f := w.user()
	f.signIn(keyFinance)
	path := "/console/batches/preview?payer_route=payment_register&through_date=" + day(0)
	preview := f.get(path)
	require.Equal(t, http.StatusOK, preview.Status)
	require.Contains(t, preview.Body, `<dd id="p-claims">1</dd>`)
	w.claimRivera(t, "HRA-P2", auth, 2, "30.00")

	r := f.post("/console/batches", preview.hidden())
	assert.Equal(t, http.StatusConflict, r.Status, "body: %s", r.Body)
	assert.Contains(t, r.Body, `id="preview-problem"`)
	assert.Contains(t, r.Body, `<dd id="p-claims">2</dd>`, "the preview as it now stands")
	status, list := w.api(http.MethodGet, keyFinance, "/v1/batches", nil)
	require.Equal(t, http.StatusOK, status)
	assert.Empty(t, list["items"], "nothing closed")

	r = f.post("/console/batches", r.hidden())
	require.Equal(t, http.StatusSeeOther, r.Status, "body: %s", r.Body)
	assert.Contains(t, f.get(r.Header.Get("Location")).Body, `<span id="b-claims">2</span>`)

	// A close form without the preview's totals is refused: preview again.
	tok := f.get(path).csrf(t)
	r = f.post("/console/batches", url.Values{"csrf": {tok}, "payer_route": {"payment_register"}, "through_date": {day(0)}})
	assert.Equal(t, http.StatusUnprocessableEntity, r.Status)
}

// The mint form sent twice (a double click, a reload that posts again)
// mints one key: the second post is refused naming the key the first
// minted, where it minted a second live key whose secret no one saw (a
// black-box pass). A refused mint leaves its form's token unused.
func TestMintFormSentTwiceMintsOnce(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	a := w.user()
	a.signIn(keyAdmin)
	page := a.get("/console/keys")
	form := page.hidden()
	require.NotEmpty(t, form.Get("once"))
	keys := w.count(t, "api_keys")
	form.Set("role", "finance")
	form.Set("label", "")
	r := a.post("/console/keys", form)
	require.Equal(t, http.StatusUnprocessableEntity, r.Status, "no label: nothing minted")
	form.Set("label", "month-end")
	r = a.post("/console/keys", form)
	require.Equal(t, http.StatusCreated, r.Status, r.Body)
	require.Contains(t, r.Body, `id="new-key"`)
	r = a.post("/console/keys", form)
	assert.Equal(t, http.StatusConflict, r.Status)
	assert.Contains(t, r.Body, `id="mint-problem"`)
	assert.Contains(t, r.Body, "this form was sent before and minted key #")
	assert.NotContains(t, r.Body, `id="new-key"`)
	assert.Equal(t, keys+1, w.count(t, "api_keys"), "one key minted")
	assert.NotEqual(t, form.Get("once"), r.hidden().Get("once"), "the form again carries a fresh token")
}

// A provider key's notice names the agency it opens by name, as the list
// does (a new agency's pass read only the role and label, and the id in the
// list below).
func TestMintedKeyNamesItsAgency(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	a := w.user()
	a.signIn(keyAdmin)
	form := a.get("/console/keys").hidden()
	form.Set("role", "provider")
	form.Set("provider_id", strconv.FormatInt(w.demo.Providers["HRA"], 10))
	form.Set("label", "intake desk")
	r := a.post("/console/keys", form)
	require.Equal(t, http.StatusCreated, r.Status, r.Body)
	notice := r.Body[strings.Index(r.Body, `id="new-key"`):]
	notice = notice[:strings.Index(notice, "</div>")]
	assert.Contains(t, notice, "Hartford Recovery Alliance")
}

// A batch that takes money back (a batched claim replaced by a smaller
// one) previews negative units, and the preview's close form closes it:
// the form's units were refused as "the preview's totals are missing"
// (the black-box pass that found the API refusing them too).
func TestCloseANegativePreview(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	auth := w.authorizeRivera(t, 40)
	w.claimRivera(t, "HRA-N1", auth, 4, "60.00")
	status, v := w.api(http.MethodPost, keyFinance, "/v1/batches", map[string]any{"payer_route": "payment_register", "through_date": day(0)})
	require.Equal(t, http.StatusCreated, status, "%v", v)
	var orig int64
	require.NoError(t, w.db.Get(&orig, `SELECT id FROM claims WHERE claim_number = 'HRA-N1'`))
	status, v = w.api(http.MethodPost, keyHRA, "/v1/claims", map[string]any{"claim_number": "HRA-N1R", "client_id": w.demo.Clients["Rivera"],
		"frequency": "7", "original_claim_id": orig, "rendering_staff_id": w.demo.Staff["Okafor"], "place_of_service": "11",
		"lines": []map[string]any{{"service_code": "ATR-CM", "date_of_service": day(-2), "units": 2, "charge": "30.00", "authorization_number": auth}}})
	require.Equal(t, http.StatusCreated, status, "%v", v)
	// The replacement's page bills its lines less the original's taken
	// back and says why the claims list reads its own lines alone (12.00
	// in the list beside -24.00 on the page: a console black-box pass).
	h := w.user()
	h.signIn(keyHRA)
	page := h.get("/console/claims/" + strconv.FormatInt(int64(v["id"].(float64)), 10))
	require.Equal(t, http.StatusOK, page.Status)
	assert.Contains(t, page.Body, "-30.00 billed (its own lines 30.00, as the claims list shows it")
	// The pages link the pair, and the original its batch's advice (a
	// voided or replaced claim named neither: a console black-box pass of
	// the forty-fifth stop).
	origID := strconv.FormatInt(orig, 10)
	assert.Contains(t, page.Body, `<dt>Replaces</dt><dd id="c-original"><a href="/console/claims/`+origID+`">claim #`+origID+`</a>`)
	op := h.get("/console/claims/" + origID)
	require.Equal(t, http.StatusOK, op.Status)
	replID := strconv.FormatInt(int64(v["id"].(float64)), 10)
	assert.Contains(t, op.Body, `<dt>Superseded by</dt><dd id="c-superseded"><a href="/console/claims/`+replID+`">claim #`+replID+`</a>`)
	assert.Regexp(t, `<dd id="c-batch"><a href="/console/batches/\d+/remittance/\d+">#\d+, its remittance advice</a>`, op.Body)

	f := w.user()
	f.signIn(keyFinance)
	preview := f.get("/console/batches/preview?payer_route=payment_register&through_date=" + day(0))
	require.Equal(t, http.StatusOK, preview.Status)
	require.Equal(t, "-2", preview.hidden().Get("expect_units"), "%s", preview.Body)
	assert.NotContains(t, preview.Body, `id="loops-note"`, "a register counts claims, not loops")
	// A total edited by hand is said to be changed, not missing (a
	// console black-box pass); nothing is closed.
	edited := preview.hidden()
	edited.Set("expect_billed", "12.0")
	r := f.post("/console/batches", edited)
	assert.Equal(t, http.StatusUnprocessableEntity, r.Status)
	assert.Contains(t, html.UnescapeString(r.Body), "the preview's totals were changed since it wrote them")
	r = f.post("/console/batches", preview.hidden())
	require.Equal(t, http.StatusSeeOther, r.Status, "body: %s", r.Body)
}

// A withdrawn request's page says who withdrew it, when and why, and
// offers a reviewer nothing to decide.
func TestWithdrawnRequestPage(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	id := strconv.FormatInt(w.pended(), 10)
	status, v := w.api(http.MethodPost, keyHRA, "/v1/voucher-requests/"+id+"/withdraw", map[string]any{"reason": "the client moved away"})
	require.Equal(t, http.StatusOK, status, "%v", v)
	for _, key := range []string{keyReviewer, keyHRA} {
		u := w.user()
		u.signIn(key)
		p := u.get("/console/requests/" + id)
		require.Equal(t, http.StatusOK, p.Status)
		assert.Contains(t, p.Body, `<strong id="decision">withdrawn</strong>`)
		assert.Contains(t, p.Body, `id="withdrawal"`)
		assert.Contains(t, p.Body, "by the agency that made it")
		assert.Contains(t, p.Body, "the client moved away")
		assert.NotContains(t, p.Body, `id="decide-form"`)
		assert.NotContains(t, p.Body, `id="take"`)
		if key == keyHRA {
			assert.NotContains(t, p.Body, "(key ", "which key is the MSC's to see")
		} else {
			assert.Contains(t, p.Body, "(key ")
		}
	}
}

// A request pended at a rate entered wrong and granted after the admin
// corrected it reads both prices: the one it was submitted at, and the
// one granted (its authorization's). It read "at 1200.00 a unit" alone
// beside "approved", the authorization at 12.00 (a black-box re-check).
func TestRequestPageShowsTheGrantedRate(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	const path = "/v1/reference/services/ATR-CM/rates"
	status, typo := w.api(http.MethodPost, keyAdmin, path, map[string]any{"rate": "1200.00", "effective_from": day(0), "reason": "uplift"})
	require.Equal(t, http.StatusCreated, status, "%v", typo)
	id := strconv.FormatInt(w.pended(), 10)
	u := w.user()
	u.signIn(keyReviewer)
	p := u.get("/console/requests/" + id)
	require.Equal(t, http.StatusOK, p.Status)
	assert.Contains(t, p.Body, `<span id="rate">1200.00</span> a unit as submitted`)
	assert.NotContains(t, p.Body, `id="granted-rate"`, "nothing granted yet")

	status, v := w.api(http.MethodPost, keyAdmin, path, map[string]any{"rate": "12.00", "effective_from": day(0), "reason": "typo",
		"corrects": typo["id"]})
	require.Equal(t, http.StatusCreated, status, "%v", v)
	status, v = w.api(http.MethodPost, keyReviewer, "/v1/voucher-requests/"+id+"/decision", map[string]any{"action": "approve", "note": "ok",
		"acknowledge": []string{}})
	require.Equal(t, http.StatusOK, status, "%v", v)
	require.Equal(t, "12.00", v["granted_rate"])
	p = u.get("/console/requests/" + id)
	require.Equal(t, http.StatusOK, p.Status)
	assert.Contains(t, p.Body, `<span id="rate">1200.00</span> a unit as submitted`)
	assert.Contains(t, p.Body, `at <span id="granted-rate">12.00</span> a unit`)
	assert.Contains(t, p.Body, `id="priced-as-submitted"`, "the pend's dollar amounts are the typo's, said so")
}

// A refusal because caps were reached since the request pended (409
// pended_since) offers its reasons on the decide form, and the reviewer
// grants the request over them as an exception there: it told the
// reviewer to "decide again with them in acknowledge" and the form had
// no way to (a black-box pass).
func TestReviewerGrantsOverCapsReachedSinceInTheConsole(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	johnson := w.demo.Clients["Johnson"]
	ask := func(from, to int) int64 {
		t.Helper()
		status, v := w.api(http.MethodPost, keyHRA, "/v1/voucher-requests", map[string]any{"client_id": johnson,
			"service_code": "ATR-TH", "units": 30, "start_date": day(from), "end_date": day(to)})
		require.Equal(t, http.StatusCreated, status, "%v", v)
		require.Equal(t, "pended", v["decision"], "%v", v["reason_codes"])
		return int64(v["id"].(float64))
	}
	first := ask(0, 29)
	for _, from := range []int{30, 60, 90} { // the episode's 90 days of housing
		id := ask(from, from+29)
		status, v := w.api(http.MethodPost, keyReviewer, "/v1/voucher-requests/"+strconv.FormatInt(id, 10)+"/decision",
			map[string]any{"action": "approve", "note": "follow-up booked"})
		require.Equal(t, http.StatusOK, status, "%v", v)
	}
	u := w.user()
	csrf := u.signIn(keyReviewer).csrf(t)
	path := "/console/requests/" + strconv.FormatInt(first, 10)
	form := url.Values{"csrf": {csrf}, "action": {"approve"}, "note": {"the housing is needed"}}
	r := u.post(path+"/decide", form)
	require.Equal(t, http.StatusConflict, r.Status, "%s", r.Body)
	assert.Contains(t, r.Body, `id="acknowledge"`)
	assert.Contains(t, r.Body, `name="acknowledge" value="EPISODE_UNITS_EXCEEDED"`)
	// The ceiling shown is the one read at submission, said so (it read as
	// what a grant may carry now: a black-box pass).
	assert.Contains(t, r.Body, "as the rules read it when submitted")
	form["acknowledge"] = []string{"EPISODE_UNITS_EXCEEDED", "EPISODE_DOLLAR_CAP_EXCEEDED"}
	r = u.post(path+"/decide", form)
	require.Equal(t, http.StatusSeeOther, r.Status, "%s", r.Body)
	status, v := w.api(http.MethodGet, keyReviewer, "/v1/voucher-requests/"+strconv.FormatInt(first, 10), nil)
	require.Equal(t, http.StatusOK, status)
	assert.Equal(t, "approved", v["decision"], "%v", v)
	assert.NotContains(t, u.get(path).Body, "Most a grant may carry", "a decided request's ceiling is history")
}

// A pended request's most a grant may carry says who checks the caps
// reached since: the reviewer reads "when you decide", the agency "when a
// reviewer decides" (a console black-box pass found the reviewer's words
// on the agency's page).
func TestPendedRequestSaysWhoDecides(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	path := "/console/requests/" + strconv.FormatInt(w.pended(), 10)
	for key, want := range map[string]string{keyReviewer: "applied when you decide", keyHRA: "applied when a reviewer decides"} {
		u := w.user()
		u.signIn(key)
		p := u.get(path)
		require.Equal(t, http.StatusOK, p.Status)
		assert.Contains(t, p.Body, want, key)
	}
}

// A close refused for a hidden field's value (a through date ahead of
// today, sent by hand) says nothing was written and why, not "correct the
// fields below": the page has no field to correct (a console black-box
// pass).
func TestRefusedCloseSaysNothingWasWritten(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	auth := w.authorizeRivera(t, 40)
	w.claimRivera(t, "HRA-Z1", auth, 4, "60.00")
	f := w.user()
	f.signIn(keyFinance)
	preview := f.get("/console/batches/preview?payer_route=payment_register&through_date=" + day(0))
	require.Equal(t, http.StatusOK, preview.Status)
	form := preview.hidden()
	form.Set("through_date", "3000-01-01")
	batches := w.count(t, "batches")
	r := f.post("/console/batches", form)
	assert.Equal(t, http.StatusUnprocessableEntity, r.Status, "%s", r.Body)
	assert.Contains(t, r.Body, "Nothing was written: the request was refused for the reasons below.")
	assert.NotContains(t, r.Body, "correct the fields")
	assert.Equal(t, batches, w.count(t, "batches"))
}

func mustURL(t *testing.T, raw string) *url.URL {
	t.Helper()
	u, err := url.Parse(raw)
	require.NoError(t, err)
	return u
}

// A host able to set the console's cookies (a sibling subdomain) fetches a
// genuine sign-in token of its own and plants it in a victim's browser: the
// tokens alone cannot tell its form from the console's, and the browser
// was signed in with the attacker's key (a review). The browser says where
// a form came from: a post from another origin or site is refused; from
// the console's own origin, or from a client that says nothing (a script),
// the tokens decide.
func TestPostFromAnotherOriginIsRefused(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	tok := w.user().get("/console/sign-in").csrf(t)
	signIn := func(headers map[string]string) int {
		t.Helper()
		victim := w.user()
		victim.c.Jar.SetCookies(mustURL(t, w.srv.URL+"/console/"), []*http.Cookie{{Name: "rss_console_pre", Value: tok, Path: "/console"}})
		req, err := http.NewRequest(http.MethodPost, w.srv.URL+"/console/sign-in",
			strings.NewReader(url.Values{"csrf": {tok}, "api_key": {keyAdmin}}.Encode()))
		require.NoError(t, err)
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		for k, v := range headers {
			req.Header.Set(k, v)
		}
		if h := headers["Host"]; h != "" {
			req.Host = h // sent to the test server all the same
		}
		r, err := victim.c.Do(req)
		require.NoError(t, err)
		r.Body.Close()
		return r.StatusCode
	}
	u := mustURL(t, w.srv.URL)
	for name, h := range map[string]map[string]string{
		"a sibling host, fetch metadata": {"Sec-Fetch-Site": "same-site", "Origin": "https://evil." + u.Hostname()},
		"another site, fetch metadata":   {"Sec-Fetch-Site": "cross-site", "Origin": "https://evil.example"},
		"another origin, no metadata":    {"Origin": "https://evil.example"},
		"an opaque origin":               {"Origin": "null"},
	} {
		assert.Equal(t, http.StatusForbidden, signIn(h), name)
	}
	var n int
	require.NoError(t, w.db.Get(&n, `SELECT count(*) FROM console_sessions`))
	assert.Zero(t, n, "no session opened")
	assert.Equal(t, http.StatusSeeOther, signIn(map[string]string{"Sec-Fetch-Site": "same-origin", "Origin": w.srv.URL}), "the console's own page")
	assert.Equal(t, http.StatusSeeOther, signIn(map[string]string{"Origin": w.srv.URL}), "the console's own origin, no metadata")
	assert.Equal(t, http.StatusSeeOther, signIn(nil), "a client that says nothing: the tokens decide")
	// Behind a proxy that sends its upstream's Host, the host the browser
	// asked for is the proxy's X-Forwarded-Host or Forwarded header: every
	// post of a browser without Fetch Metadata was refused, sign-in
	// included (a review). A form cannot set either header.
	assert.Equal(t, http.StatusSeeOther, signIn(map[string]string{"Origin": "https://rss.example.org", "Host": "127.0.0.1:9",
		"X-Forwarded-Host": "rss.example.org"}), "X-Forwarded-Host")
	assert.Equal(t, http.StatusSeeOther, signIn(map[string]string{"Origin": "https://rss.example.org", "Host": "127.0.0.1:9",
		"Forwarded": `for=192.0.2.60;proto=https;host="rss.example.org"`}), "Forwarded")
	assert.Equal(t, http.StatusForbidden, signIn(map[string]string{"Origin": "https://evil.example", "X-Forwarded-Host": "rss.example.org"}),
		"another origin behind the proxy")
}

// A console page's request log line names the session's key and role, as
// an API request's does: it had neither, and a console action was traced
// only through the audit log (an on-call pass).
func TestConsoleRequestLogNamesTheKey(t *testing.T) {
	t.Parallel()
	var lines syncLines
	w := newWorldWith(t, api.Options{Logger: slog.New(slog.NewJSONHandler(&lines, nil))})
	u := w.user()
	u.signIn(keyReviewer)
	require.Equal(t, http.StatusOK, u.get("/console/queue").Status)
	found := false
	for _, l := range strings.Split(lines.String(), "\n") {
		var m map[string]any
		if json.Unmarshal([]byte(l), &m) != nil || m["route"] != "/console/queue" {
			continue
		}
		found = true
		assert.Equal(t, "reviewer", m["role"], "%s", l)
		assert.NotNil(t, m["key_id"], "%s", l)
	}
	assert.True(t, found, "the page's request line")
}

// syncLines is a log destination the server's goroutines write at once.
type syncLines struct {
	mu sync.Mutex
	b  strings.Builder
}

func (s *syncLines) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncLines) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// A reviewer's decision in the console is counted on /metrics as one
// through the API is: reviewers decide here, and it was counted nowhere
// (an on-call re-check).
func TestConsoleDecisionIsCounted(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	id := strconv.FormatInt(w.pended(), 10)
	u := w.user()
	csrf := u.signIn(keyReviewer).csrf(t)
	r := u.post("/console/requests/"+id+"/decide", url.Values{"csrf": {csrf}, "action": {"deny"}, "note": {"no follow-up on file"}})
	require.Equal(t, http.StatusSeeOther, r.Status, r.Body)
	assert.Contains(t, u.get("/metrics").Body, `rss_voucher_reviews_total{decision="denied"} 1`)
}

// A console page whose client went away, or that a shutdown cut off, is
// answered as the API answers its own (499, or 503 cut off), not as a
// failure: it was an ERROR and a 500 (an on-call re-check).
func TestConsolePageOfAClientGoneIsNoFailure(t *testing.T) {
	t.Parallel()
	var lines syncLines
	w := newWorldWith(t, api.Options{Logger: slog.New(slog.NewJSONHandler(&lines, nil))})
	u := w.user()
	u.signIn(keyReviewer)
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	req := httptest.NewRequest(http.MethodGet, "/console/queue", nil).WithContext(ctx)
	for _, c := range u.c.Jar.Cookies(mustURL(t, w.srv.URL+"/console/")) {
		req.AddCookie(c)
	}
	rec := httptest.NewRecorder()
	w.rss.ServeHTTP(rec, req)
	assert.Equal(t, api.StatusClientClosedRequest, rec.Code)
	assert.NotContains(t, lines.String(), `"level":"ERROR"`)
	assert.Contains(t, lines.String(), "request abandoned by the client")
}

// The console's revocation takes the reason the API's does, kept in the
// audit log's outcome; one the API would refuse (a line break, past 500
// characters) is refused on the keys page and the key stays active (the
// form sent none: a console black-box pass).
func TestConsoleRevocationKeepsItsReason(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	mint := func(label string) string {
		status, k := w.api(http.MethodPost, keyAdmin, "/v1/api-keys", map[string]any{"role": "finance", "label": label})
		require.Equal(t, http.StatusCreated, status)
		return strconv.FormatInt(int64(k["id"].(float64)), 10)
	}
	admin := w.user()
	csrf := admin.signIn(keyAdmin).csrf(t)
	id := mint("leaver")
	r := admin.post("/console/keys/"+id+"/revoke", url.Values{"csrf": {csrf}, "reason": {"  staff member left  "}})
	require.Equal(t, http.StatusSeeOther, r.Status, "body: %s", r.Body)
	var outcome string
	require.NoError(t, w.db.Get(&outcome, `SELECT outcome FROM audit_events WHERE action = 'revoke' AND entity_type = 'api_key' AND entity_id = $1`, id))
	assert.Equal(t, "staff member left", outcome)

	kept := mint("kept")
	for _, bad := range []string{"two\nlines", strings.Repeat("x", 501)} {
		r = admin.post("/console/keys/"+kept+"/revoke", url.Values{"csrf": {csrf}, "reason": {bad}})
		assert.Equal(t, http.StatusUnprocessableEntity, r.Status, "body: %s", r.Body)
		assert.Contains(t, r.Body, `id="revoke-problem"`)
		assert.Regexp(t, `one line|at most 500 characters`, r.Body, "the field's refusal is shown")
	}
	var revoked bool
	require.NoError(t, w.db.Get(&revoked, `SELECT revoked_at IS NOT NULL FROM api_keys WHERE id = $1`, kept))
	assert.False(t, revoked, "a refused reason revokes nothing")
}

// A reviewer's start page with nothing pended says so, where it read "0
// voucher request(s) wait for review; the oldest has waited 0 day(s)" (a
// console black-box pass of the thirty-eighth stop).
func TestReviewerStartPageWithNothingPended(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	status, q := w.api(http.MethodGet, keyReviewer, "/v1/review-queue", nil)
	require.Equal(t, http.StatusOK, status, "%v", q)
	for _, it := range q["items"].([]any) {
		id := strconv.FormatInt(int64(it.(map[string]any)["id"].(float64)), 10)
		status, v := w.api(http.MethodPost, keyReviewer, "/v1/voucher-requests/"+id+"/decision", map[string]any{"action": "deny", "note": "not needed"})
		require.Equal(t, http.StatusOK, status, "%v", v)
	}
	home := w.user().signIn(keyReviewer)
	assert.Contains(t, home.Body, "No voucher request waits for review.")
	assert.NotContains(t, home.Body, "has waited 0 day")
	w.pended()
	home = w.user().signIn(keyReviewer)
	assert.Contains(t, home.Body, "1 voucher request(s) wait for review")
}

// The GPRA chart names agencies by code, as every other page does (its
// table read "1" for HRA: a black-box pass); a provider sees its own.
func TestGPRAChartNamesAgenciesByCode(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	for key, want := range map[string][]string{keyReviewer: {"HRA"}, keyHRA: {"HRA"}} {
		u := w.user()
		u.signIn(key)
		r := u.get("/console/charts")
		require.Equal(t, http.StatusOK, r.Status)
		start := strings.Index(r.Body, `id="chart-gpra"`)
		require.GreaterOrEqual(t, start, 0)
		section := r.Body[start:]
		section = section[:strings.Index(section, "</section>")]
		var got []string
		for _, m := range regexp.MustCompile(`<tr><td>([^<]*)</td>`).FindAllStringSubmatch(section, -1) {
			got = append(got, m[1])
		}
		for _, code := range want {
			assert.Contains(t, got, code, "%s: %s", key, section)
		}
		for _, g := range got {
			_, err := strconv.Atoi(g)
			assert.Error(t, err, "an agency named by id: %s", g)
		}
	}
}

// A sign-in form loaded again in the same browser (another tab) carries
// the browser's token while it has five minutes or more left, so the
// form opened first still signs in: each load replaced the cookie, and
// every other tab's form was refused as expired (a console black-box
// pass). Past half its life a load makes a new one.
func TestSignInFormsInTwoTabs(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	u := w.user()
	first := u.get("/console/sign-in")
	require.Equal(t, http.StatusOK, first.Status)
	second := u.get("/console/sign-in")
	require.Equal(t, http.StatusOK, second.Status)
	assert.Equal(t, first.csrf(t), second.csrf(t), "one token for the browser's forms")
	r := u.post("/console/sign-in", url.Values{"csrf": {first.csrf(t)}, "api_key": {keyHRA}})
	require.Equal(t, http.StatusSeeOther, r.Status, "the first tab's form signs in: %s", r.Body)

	v := w.user()
	old := v.get("/console/sign-in")
	w.clock.Advance(6 * time.Minute)
	fresh := v.get("/console/sign-in")
	assert.NotEqual(t, old.csrf(t), fresh.csrf(t), "past half its life a new token")
	r = v.post("/console/sign-in", url.Values{"csrf": {fresh.csrf(t)}, "api_key": {keyHRA}})
	assert.Equal(t, http.StatusSeeOther, r.Status, r.Body)
}
