package console_test

import (
	"html"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// Two previews of the same lines (two tabs, two finance officers), each
// with its own one-time token: the second close finds nothing left and is
// answered with the preview as it now stands, saying another close took
// what it showed and linking the closed batches; it was a bare "Conflict"
// page, "no payable ... lines ... are waiting for a batch" (a console
// black-box pass).
func TestSecondCloseOfTheSameLinesShowsThePreviewAsItStands(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	auth := w.authorizeRivera(t, 40)
	w.claimRivera(t, "HRA-T1", auth, 4, "60.00")
	f := w.user()
	f.signIn(keyFinance)
	path := "/console/batches/preview?payer_route=payment_register&through_date=" + day(0)
	tabA, tabB := f.get(path), f.get(path)
	require.Equal(t, http.StatusOK, tabB.Status)
	require.NotEqual(t, tabA.hidden().Get("once"), tabB.hidden().Get("once"), "each preview its own token")

	r := f.post("/console/batches", tabA.hidden())
	require.Equal(t, http.StatusSeeOther, r.Status, r.Body)
	r = f.post("/console/batches", tabB.hidden())
	assert.Equal(t, http.StatusConflict, r.Status, r.Body)
	assert.Contains(t, r.Body, `id="preview-problem"`)
	assert.Contains(t, r.Body, "Another close took it meanwhile")
	assert.Contains(t, r.Body, `<a href="/console/batches" id="closed-batches">`)
	assert.Contains(t, r.Body, "Nothing waits for a batch.", "the preview as it now stands")
	assert.NotContains(t, r.Body, "are waiting for a batch")
	assert.Equal(t, 1, w.count(t, "batches"), "one batch")
}

// An admin revoking the key its own session signed in with: the page the
// revocation redirects to ends the session, and the sign-in form says the
// key was revoked; the revocation sent again from Back then says the key
// was revoked, never that nothing was recorded. It read a silent sign-in
// form, then "nothing was recorded" (a console black-box pass). A sign-in
// forgets it.
func TestOwnKeyRevokedSignInSaysSo(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	status, k := w.api(http.MethodPost, keyAdmin, "/v1/api-keys", map[string]any{"role": "admin", "label": "second admin"})
	require.Equal(t, http.StatusCreated, status)
	own := strconv.FormatInt(int64(k["id"].(float64)), 10)
	a := w.user()
	csrf := a.signIn(k["key"].(string)).csrf(t)
	r := a.post("/console/keys/"+own+"/revoke", url.Values{"csrf": {csrf}})
	require.Equal(t, http.StatusSeeOther, r.Status, r.Body)
	r = a.get(r.Header.Get("Location"))
	require.Equal(t, http.StatusSeeOther, r.Status, "the session ended with its key")
	form := a.get(r.Header.Get("Location"))
	require.Equal(t, http.StatusOK, form.Status)
	assert.Contains(t, form.Body, `id="signin-revoked"`)
	assert.Contains(t, form.Body, "signed in with was revoked")

	r = a.post("/console/keys/"+own+"/revoke", url.Values{"csrf": {csrf}})
	assert.Equal(t, http.StatusUnauthorized, r.Status)
	assert.Contains(t, r.Body, "was revoked before that was sent")
	assert.NotContains(t, r.Body, "nothing was recorded")

	// Signed in with another key and out again, the browser has no
	// revoked key to speak of.
	home := a.signIn(keyAdmin)
	r = a.post("/console/sign-out", url.Values{"csrf": {home.csrf(t)}})
	require.Equal(t, http.StatusSeeOther, r.Status)
	assert.NotContains(t, a.get("/console/sign-in").Body, `id="signin-revoked"`)
}

// The path the 401 of a lapsed session recommends: sign in again, go Back
// to the form, send it. The form carries the earlier session's token; it
// was a bare 403 that dropped the reviewer's note (a console black-box
// pass). It writes nothing still, and comes back on its page with what
// was typed, under this session's token; a decision that stands recorded
// as asked, by this key, lands on the request as recorded. Another
// origin's post is refused as before, echoing nothing.
func TestFormOfAnEarlierSessionComesBackWithWhatWasTyped(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	id := strconv.FormatInt(w.pended(), 10)
	u := w.user()
	u.signIn(keyReviewer)
	old := u.get("/console/requests/" + id).csrf(t)
	r := u.post("/console/sign-out", url.Values{"csrf": {old}})
	require.Equal(t, http.StatusSeeOther, r.Status)
	note := "A long careful note.\r\n\r\nSecond paragraph <b>as typed</b>."
	decide := url.Values{"csrf": {old}, "action": {"deny"}, "note": {note}}
	r = u.post("/console/requests/"+id+"/decide", decide)
	require.Equal(t, http.StatusUnauthorized, r.Status)
	assert.Contains(t, r.Body, "sent from there the form comes back with it kept")

	fresh := u.signIn(keyReviewer).csrf(t)
	r = u.post("/console/requests/"+id+"/decide", decide)
	assert.Equal(t, http.StatusForbidden, r.Status, r.Body)
	assert.Contains(t, r.Body, `id="decide-problem"`)
	assert.Contains(t, r.Body, "Nothing was recorded")
	assert.Contains(t, html.UnescapeString(r.Body), note, "the note kept in the form")
	assert.Regexp(t, `value="deny"\s+checked`, r.Body)
	assert.Contains(t, r.Body, `name="csrf" value="`+fresh+`"`, "the form under this session's token")
	assert.Zero(t, w.count(t, "reviewer_decisions"))

	cross, err := http.NewRequest(http.MethodPost, w.srv.URL+"/console/requests/"+id+"/decide", strings.NewReader(decide.Encode()))
	require.NoError(t, err)
	cross.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	cross.Header.Set("Sec-Fetch-Site", "cross-site")
	resp, err := u.c.Do(cross)
	require.NoError(t, err)
	p := read(t, resp)
	assert.Equal(t, http.StatusForbidden, p.Status)
	assert.NotContains(t, p.Body, "careful note", "another origin's post echoes nothing")

	// Recorded by this key's first post before the session ended: the
	// stale resend lands on it as recorded.
	r = u.post("/console/requests/"+id+"/decide", url.Values{"csrf": {fresh}, "action": {"deny"}, "note": {note}})
	require.Equal(t, http.StatusSeeOther, r.Status, r.Body)
	r = u.post("/console/requests/"+id+"/decide", decide)
	assert.Equal(t, http.StatusSeeOther, r.Status, r.Body)
	assert.Contains(t, u.get(r.Header.Get("Location")).Body, "Decision recorded.")
	assert.Equal(t, 1, w.count(t, "reviewer_decisions"))

	// The admin's forms with typed text, and the name search.
	a := w.user()
	a.signIn(keyAdmin)
	stale := a.get("/console/keys").csrf(t)
	a.signIn(keyAdmin)
	var pending int64
	require.NoError(t, w.db.Get(&pending, `SELECT id FROM staff_credentials WHERE verification_status = 'pending' ORDER BY id LIMIT 1`))
	rates, keys := w.count(t, "service_rates"), w.count(t, "api_keys")
	for _, c := range []struct {
		path    string
		form    url.Values
		problem string
		kept    []string
	}{
		{"/console/reference/services/ATR-TR/rates", url.Values{"once": {"stale-rate"}, "rate": {"16.25"}, "effective_from": {day(30)}, "reason": {"typed with care"}},
			`class="problem"`, []string{`value="16.25"`, `value="` + day(30) + `"`, `value="typed with care"`}},
		{"/console/verification/credentials/" + strconv.FormatInt(pending, 10) + "/verify", url.Values{"document_reference": {"licence seen at the desk"}},
			`id="review-problem"`, []string{`value="licence seen at the desk"`}},
		{"/console/keys", url.Values{"once": {"stale-mint"}, "role": {"reviewer"}, "label": {"front desk"}},
			`id="mint-problem"`, []string{`value="front desk"`, `<option selected>reviewer</option>`, `value="stale-mint"`}},
		{"/console/clients/search", url.Values{"name": {"Moreau, Claire"}},
			`id="search-problem"`, []string{`value="Moreau, Claire"`}},
	} {
		c.form.Set("csrf", stale)
		r := a.post(c.path, c.form)
		assert.Equal(t, http.StatusForbidden, r.Status, "%s: %s", c.path, r.Body)
		assert.Contains(t, r.Body, c.problem, c.path)
		assert.Contains(t, r.Body, "Nothing was recorded", c.path)
		for _, kept := range c.kept {
			assert.Contains(t, r.Body, kept, c.path)
		}
	}
	assert.Equal(t, rates, w.count(t, "service_rates"))
	assert.Equal(t, keys, w.count(t, "api_keys"))
	var status string
	require.NoError(t, w.db.Get(&status, `SELECT verification_status FROM staff_credentials WHERE id = $1`, pending))
	assert.Equal(t, "pending", status)
}

// A note typed on several lines is shown on several lines (a reviewer's
// read as one run, "Line one. Line two: call us. - item", by the provider
// who reads it word for word: a console black-box pass), escaped as any
// text.
func TestNotesKeepTheirLineBreaks(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	id := strconv.FormatInt(w.pended(), 10)
	u := w.user()
	csrf := u.signIn(keyReviewer).csrf(t)
	r := u.post("/console/requests/"+id+"/decide", url.Values{"csrf": {csrf}, "action": {"deny"},
		"note": {"Line one.\r\n\r\nLine two: <call us>.\r\n- item"}})
	require.Equal(t, http.StatusSeeOther, r.Status, r.Body)
	p := w.user()
	p.signIn(keyHRA)
	page := p.get("/console/requests/" + id)
	require.Equal(t, http.StatusOK, page.Status)
	assert.Contains(t, page.Body, `<span class="note" id="review-note">Line one.`+"\n\n"+`Line two: &lt;call us&gt;.`+"\n"+`- item</span>`)
	css := p.get("/console/static/console.css").Body
	assert.Contains(t, css, ".note { white-space: pre-wrap; }")
}

// In a browser at 200% zoom on a laptop (a 683-pixel window), a heading
// holding a long unbroken name wraps instead of making the page scroll
// sideways, and a note typed on several lines shows them (a console
// black-box pass judged both from the sheet: h1 and h2 had no
// overflow-wrap, a note's line breaks ran together).
func TestBrowserLongNamesWrapAndNotesKeepTheirLines(t *testing.T) {
	w := newWorld(t)
	status, v := w.api(http.MethodPost, keyHRA, "/v1/clients", map[string]any{"first_name": "Zoe", "last_name": strings.Repeat("Z", 60),
		"date_of_birth": "1981-02-03", "catchment_area": "hartford"})
	require.Equal(t, http.StatusCreated, status, "%v", v)
	client := strconv.FormatInt(int64(v["id"].(float64)), 10)
	id := strconv.FormatInt(w.pended(), 10)
	u := w.user()
	csrf := u.signIn(keyReviewer).csrf(t)
	r := u.post("/console/requests/"+id+"/decide", url.Values{"csrf": {csrf}, "action": {"deny"}, "note": {"Line one.\r\n\r\nLine two: call us.\r\n- item"}})
	require.Equal(t, http.StatusSeeOther, r.Status, r.Body)

	ctx := newBrowser(t)
	run(t, ctx, chromedp.EmulateViewport(683, 384, chromedp.EmulateScale(2)))
	w.signInAs(t, ctx, keyHRA)
	run(t, ctx, chromedp.Navigate(w.srv.URL+"/console/clients/"+client), chromedp.WaitVisible(chromedp.ID("h-client")))
	assert.Zero(t, get(t, ctx, chromedp.Evaluate[int](overflow)), "the client's page scrolls sideways at 200%")
	run(t, ctx, chromedp.Navigate(w.srv.URL+"/console/requests/"+id), chromedp.WaitVisible(chromedp.ID("review-note")))
	assert.Equal(t, "Line one.\n\nLine two: call us.\n- item", get(t, ctx, chromedp.Evaluate[string](`document.getElementById("review-note").innerText`)))
}
