package console_test

import (
	"html"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// The rate form takes a rate as the API does, dollars and exactly two
// decimals: "1250" (typed for 12.50), "1e3", ".5" and "15.0000" are refused
// on the form, nothing written. (Before, all four were stored.)
func TestRateFormTakesTheAPIsAmounts(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	u := w.user()
	csrf := u.signIn(keyAdmin).csrf(t)
	rates := w.count(t, "service_rates")
	for _, bad := range []string{"1250", "1e3", ".5", "15.0000", "15", "015.50"} {
		r := u.post("/console/reference/services/ATR-TR/rates", url.Values{"csrf": {csrf}, "once": {"rate-form"}, "rate": {bad},
			"effective_from": {day(40)}, "reason": {"new contract"}})
		assert.Equal(t, http.StatusUnprocessableEntity, r.Status, bad)
		assert.Contains(t, r.Body, "the rate is dollars, a point and two decimals, with no leading zero, such as 15.00 or 0.50", bad)
		assert.Contains(t, r.Body, `value="`+bad+`"`, "%s: the form keeps what was typed", bad)
	}
	// Written right but too large: the range is named, not the format (a
	// black-box pass read the format message of 99999999999999.00).
	r := u.post("/console/reference/services/ATR-TR/rates", url.Values{"csrf": {csrf}, "once": {"rate-form"},
		"rate": {"99999999999999.00"}, "effective_from": {day(40)}, "reason": {"new contract"}})
	assert.Equal(t, http.StatusUnprocessableEntity, r.Status)
	assert.Contains(t, r.Body, "at most 9999999999.99")
	assert.NotContains(t, r.Body, "a point and two decimals, with no leading zero")
	// Every field's problem at once, a date out of range said so (a
	// black-box pass met one at a time, and 9999-12-31 as a format error).
	r = u.post("/console/reference/services/ATR-TR/rates", url.Values{"csrf": {csrf}, "once": {"rate-form"}, "rate": {""}, "effective_from": {""}, "reason": {""}})
	assert.Equal(t, http.StatusUnprocessableEntity, r.Status)
	for _, want := range []string{"the rate is dollars", "the first day the rate applies is required", "the reason for the rate is required"} {
		assert.Contains(t, r.Body, want)
	}
	r = u.post("/console/reference/services/ATR-TR/rates", url.Values{"csrf": {csrf}, "once": {"rate-form"}, "rate": {"12.50"}, "effective_from": {"9999-12-31"},
		"reason": {"typo"}})
	assert.Equal(t, http.StatusUnprocessableEntity, r.Status)
	assert.Contains(t, r.Body, "the date must be between")
	assert.Equal(t, rates, w.count(t, "service_rates"), "nothing written")
	r = u.post("/console/reference/services/ATR-TR/rates", url.Values{"csrf": {csrf}, "once": {"rate-form"}, "rate": {"12.50"},
		"effective_from": {day(40)}, "reason": {"new contract"}})
	assert.Equal(t, http.StatusSeeOther, r.Status, r.Body)
	assert.Equal(t, rates+1, w.count(t, "service_rates"))
}

// Text is counted in characters, as the API and the textarea count it: a
// note of 2,031 characters with accents (4,033 bytes) is recorded; one of
// 4,001 characters is refused on the request page, saying the limit, with
// the note kept. A key label and a document reference follow the domain's
// limits too. (Before, the first note was refused on a generic error page
// and lost, and 101 "é" was too long for a label.)
func TestTextIsCountedInCharacters(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	u := w.user()
	csrf := u.signIn(keyReviewer).csrf(t)

	id := strconv.FormatInt(w.pended(), 10)
	long := strings.Repeat("é", 4001)
	r := u.post("/console/requests/"+id+"/decide", url.Values{"csrf": {csrf}, "action": {"deny"}, "note": {long}})
	assert.Equal(t, http.StatusUnprocessableEntity, r.Status)
	assert.Contains(t, r.Body, `id="decide-problem"`)
	assert.Contains(t, r.Body, "at most 4000 characters")
	assert.Contains(t, html.UnescapeString(r.Body), ">"+long+"</textarea>", "the note is kept")
	r = u.post("/console/requests/"+id+"/decide", url.Values{"csrf": {csrf}, "action": {"deny"}, "note": {"a\x01b"}})
	assert.Equal(t, http.StatusUnprocessableEntity, r.Status)
	assert.Contains(t, r.Body, `id="decide-problem"`)
	assert.Contains(t, r.Body, "the note has characters that cannot be stored")

	note := "Réunion prévue avec le client; " + strings.Repeat("é", 2000)
	require.Greater(t, len(note), 4000)
	r = u.post("/console/requests/"+id+"/decide", url.Values{"csrf": {csrf}, "action": {"deny"}, "note": {note}})
	require.Equal(t, http.StatusSeeOther, r.Status, r.Body)
	var stored string
	require.NoError(t, w.db.Get(&stored, `SELECT note FROM reviewer_decisions WHERE voucher_request_id = $1`, id))
	assert.Equal(t, note, stored)

	a := w.user()
	csrf = a.signIn(keyAdmin).csrf(t)
	r = a.post("/console/keys", url.Values{"csrf": {csrf}, "once": {"form-1"}, "role": {"reviewer"}, "label": {strings.Repeat("é", 101)}})
	assert.Equal(t, http.StatusCreated, r.Status, r.Body)
	r = a.post("/console/keys", url.Values{"csrf": {csrf}, "once": {"form-2"}, "role": {"reviewer"}, "label": {strings.Repeat("é", 4001)}})
	assert.Equal(t, http.StatusUnprocessableEntity, r.Status)
	assert.Contains(t, r.Body, "at most 4000 characters")
	// A label is one line, and the refusal says so (a console black-box
	// pass read "characters that cannot be stored").
	r = a.post("/console/keys", url.Values{"csrf": {csrf}, "once": {"form-4"}, "role": {"reviewer"}, "label": {"two\nlines"}})
	assert.Equal(t, http.StatusUnprocessableEntity, r.Status)
	assert.Contains(t, r.Body, "is one line, without tabs or line breaks")
	// A tab likewise, in the API's words (an admin black-box pass of the
	// forty-sixth stop read "cannot be stored").
	r = a.post("/console/keys", url.Values{"csrf": {csrf}, "once": {"form-5"}, "role": {"reviewer"}, "label": {"tab\there"}})
	assert.Equal(t, http.StatusUnprocessableEntity, r.Status)
	assert.Contains(t, r.Body, "is one line, without tabs or line breaks")
	r = a.post("/console/verification/credentials/1/verify", url.Values{"csrf": {csrf}, "document_reference": {strings.Repeat("é", 201)}})
	assert.Equal(t, http.StatusUnprocessableEntity, r.Status)
	assert.Contains(t, r.Body, "at most 200 characters")
}

// The claims filter offers every status the page takes, voided too.
func TestClaimsFilterOffersVoided(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	u := w.user()
	u.signIn(keyHRA)
	r := u.get("/console/claims?status=voided")
	require.Equal(t, http.StatusOK, r.Status)
	assert.Contains(t, r.Body, "<option selected>voided</option>")
}

// A refused form comes back with the problem above it and what was typed
// kept: a rate on a date that has one (409, in the console's words, not
// the API's field), a verification's reference past its limit, a key for
// an agency that does not exist. A black-box pass met bare error pages on
// each and retyped everything.
func TestRefusedFormsKeepWhatWasTyped(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	a := w.user()
	csrf := a.signIn(keyAdmin).csrf(t)
	var from string
	require.NoError(t, w.db.Get(&from, `SELECT effective_from::text FROM service_rates WHERE service_code = 'ATR-TR' ORDER BY effective_from LIMIT 1`))
	rates := w.count(t, "service_rates")
	r := a.post("/console/reference/services/ATR-TR/rates", url.Values{"csrf": {csrf}, "once": {"rate-form"}, "rate": {"16.25"},
		"effective_from": {from}, "reason": {"typed with care"}})
	assert.Equal(t, http.StatusConflict, r.Status)
	assert.Contains(t, r.Body, "already has a rate from "+from)
	assert.NotContains(t, r.Body, "send corrects")
	for _, kept := range []string{`value="16.25"`, `value="` + from + `"`, "typed with care"} {
		assert.Contains(t, r.Body, kept)
	}
	assert.Equal(t, rates, w.count(t, "service_rates"))

	ref := strings.Repeat("d", 201)
	r = a.post("/console/verification/credentials/1/verify", url.Values{"csrf": {csrf}, "document_reference": {ref}})
	assert.Equal(t, http.StatusUnprocessableEntity, r.Status)
	assert.Contains(t, r.Body, `id="review-problem"`)
	assert.Contains(t, r.Body, "at most 200 characters")
	assert.Contains(t, r.Body, `id="doc-credentials-1"`)
	assert.Contains(t, r.Body, `value="`+ref+`"`, "the reference is kept in its record's form")

	// The agency is chosen by name (an admin typed its id, read from
	// elsewhere: a black-box pass), and the list names each key's.
	keys := w.count(t, "api_keys")
	hra := strconv.FormatInt(w.demo.Providers["HRA"], 10)
	page := a.get("/console/keys")
	// By code and name, as every page names an agency; the list read
	// "Hartford Recovery Alliance 1", name and id run together.
	assert.Contains(t, page.Body, `<option value="`+hra+`" >HRA Hartford Recovery Alliance</option>`)
	assert.Contains(t, page.Body, "<td>HRA Hartford Recovery Alliance</td>", "the list names the key's agency")
	r = a.post("/console/keys", url.Values{"csrf": {csrf}, "once": {"form-3"}, "role": {"reviewer"}, "provider_id": {hra}, "label": {"front desk"}})
	assert.Equal(t, http.StatusUnprocessableEntity, r.Status)
	assert.Contains(t, r.Body, `id="mint-problem"`)
	for _, kept := range []string{`<option value="` + hra + `" selected>`, `value="front desk"`, `<option selected>reviewer</option>`} {
		assert.Contains(t, r.Body, kept)
	}
	r = a.post("/console/keys", url.Values{"csrf": {csrf}, "once": {"form-4"}, "role": {"provider"}, "provider_id": {"99999"}, "label": {"front desk"}})
	assert.Equal(t, http.StatusUnprocessableEntity, r.Status, "an agency never listed, posted by hand")
	assert.Equal(t, keys, w.count(t, "api_keys"))
}

// A textarea's line breaks count as one character each, as the browser
// counts them against maxlength, though the form posts them as CRLF: a
// note of 4,000 characters with ten line breaks was refused as 4,010 (a
// black-box pass). It is stored with LF.
func TestNoteLineBreaksCountOnce(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	u := w.user()
	csrf := u.signIn(keyReviewer).csrf(t)
	id := strconv.FormatInt(w.pended(), 10)
	note := strings.Repeat(strings.Repeat("a", 399)+"\r\n", 9) + strings.Repeat("a", 399)
	r := u.post("/console/requests/"+id+"/decide", url.Values{"csrf": {csrf}, "action": {"deny"}, "note": {note}})
	require.Equal(t, http.StatusSeeOther, r.Status, r.Body)
	var stored string
	require.NoError(t, w.db.Get(&stored, `SELECT note FROM reviewer_decisions WHERE voucher_request_id = $1`, id))
	assert.Equal(t, strings.ReplaceAll(note, "\r\n", "\n"), stored)
}

// A form sent with a Content-Encoding is refused, as the API refuses such
// a body, and nothing is recorded: a key was minted and a session begun
// from forms declared gzip (a black-box pass).
func TestFormSentCompressedIsRefused(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	post := func(u *user, path string, form url.Values) page {
		t.Helper()
		req, err := http.NewRequest(http.MethodPost, w.srv.URL+path, strings.NewReader(form.Encode()))
		require.NoError(t, err)
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.Header.Set("Content-Encoding", "gzip")
		r, err := u.c.Do(req)
		require.NoError(t, err)
		return read(t, r)
	}
	a := w.user()
	form := a.get("/console/sign-in")
	r := post(a, "/console/sign-in", url.Values{"csrf": {form.csrf(t)}, "api_key": {keyAdmin}})
	assert.Equal(t, http.StatusUnsupportedMediaType, r.Status, r.Body)
	assert.Contains(t, r.Body, "nothing was recorded")
	assert.Equal(t, http.StatusSeeOther, a.get("/console/").Status, "not signed in")

	csrf := a.signIn(keyAdmin).csrf(t)
	keys := w.count(t, "api_keys")
	r = post(a, "/console/keys", url.Values{"csrf": {csrf}, "role": {"reviewer"}, "label": {"zipped"}})
	assert.Equal(t, http.StatusUnsupportedMediaType, r.Status, r.Body)
	assert.Equal(t, keys, w.count(t, "api_keys"))
}

// A form the console cannot read is refused whole: a field badly
// percent-encoded was dropped and the rest acted on (a key minted without
// its label's intent, a note read as missing), and a body posted as JSON
// or text with a valid token read "a page of an earlier session" (a
// console black-box pass). Nothing is recorded.
func TestFormUnreadableIsRefused(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	a := w.user()
	a.signIn(keyAdmin)
	form := a.get("/console/keys").hidden()
	csrf := form.Get("csrf")
	post := func(contentType, body string) page {
		t.Helper()
		req, err := http.NewRequest(http.MethodPost, w.srv.URL+"/console/keys", strings.NewReader(body))
		require.NoError(t, err)
		req.Header.Set("Content-Type", contentType)
		r, err := a.c.Do(req)
		require.NoError(t, err)
		return read(t, r)
	}
	keys := w.count(t, "api_keys")
	form.Set("role", "reviewer")
	form.Set("label", "night desk")
	good := form.Encode()
	r := post("application/x-www-form-urlencoded", good+"&x=%zz")
	assert.Equal(t, http.StatusBadRequest, r.Status)
	assert.Contains(t, r.Body, "nothing was recorded")
	r = post("application/json", `{"csrf":"`+csrf+`","role":"reviewer","label":"night desk"}`)
	assert.Equal(t, http.StatusUnsupportedMediaType, r.Status)
	assert.False(t, strings.Contains(r.Body, "earlier session"), "a JSON body is no stale form")
	r = post("text/plain", good)
	assert.Equal(t, http.StatusUnsupportedMediaType, r.Status)
	assert.Equal(t, keys, w.count(t, "api_keys"), "nothing minted")
	r = post("application/x-www-form-urlencoded", good)
	assert.Equal(t, http.StatusCreated, r.Status, "the same form well encoded mints")
}

// The rate history shows each rate's id and which corrects which: the
// console told the admin to correct a rate "with that rate's id" and
// showed no id, and a corrected rate read as a second rate of its day (a
// console black-box pass).
func TestRateHistoryShowsCorrections(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	status, v := w.api(http.MethodPost, keyAdmin, "/v1/reference/services/ATR-TR/rates",
		map[string]any{"rate": "13.00", "effective_from": day(10), "reason": "new contract"})
	require.Equal(t, http.StatusCreated, status, "%v", v)
	first := strconv.FormatInt(int64(v["id"].(float64)), 10)
	status, v = w.api(http.MethodPost, keyAdmin, "/v1/reference/services/ATR-TR/rates",
		map[string]any{"rate": "13.50", "effective_from": day(10), "reason": "typo", "corrects": v["id"]})
	require.Equal(t, http.StatusCreated, status, "%v", v)
	second := strconv.FormatInt(int64(v["id"].(float64)), 10)
	u := w.user()
	u.signIn(keyAdmin)
	r := u.get("/console/reference/services/ATR-TR")
	require.Equal(t, http.StatusOK, r.Status)
	assert.Regexp(t, `id="rate-`+first+`"><td>`+first+`</td>.*corrected by rate `+second+`, not in force`, r.Body)
	assert.Regexp(t, `id="rate-`+second+`"><td>`+second+`</td>.*corrects rate `+first, r.Body)
}

// The rate form and the batch close form, sent twice (a double click, a
// reload that posts again), do their work once and show it: the second
// post of the rate form read "not added: this service already has a rate
// from" that day, the second close a bare conflict that nothing waited for
// a batch (the console pass's low gap). A form without its token is from
// an older page and refused, nothing written.
func TestFormsSentTwiceWorkOnce(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	a := w.user()
	a.signIn(keyAdmin)
	page := a.get("/console/reference/services/ATR-TR")
	require.Equal(t, http.StatusOK, page.Status)
	form := page.hidden()
	require.NotEmpty(t, form.Get("once"), "the rate form carries a one-time token")
	form.Set("rate", "16.25")
	form.Set("effective_from", day(45))
	form.Set("reason", "new contract")
	rates := w.count(t, "service_rates")
	for i := 0; i < 2; i++ {
		r := a.post("/console/reference/services/ATR-TR/rates", form)
		require.Equal(t, http.StatusSeeOther, r.Status, "post %d: %s", i+1, r.Body)
		assert.Equal(t, "/console/reference/services/ATR-TR", r.Header.Get("Location"), "post %d", i+1)
	}
	assert.Equal(t, rates+1, w.count(t, "service_rates"), "one rate added")
	form.Set("rate", "17.00")
	r := a.post("/console/reference/services/ATR-TR/rates", form)
	assert.Equal(t, http.StatusConflict, r.Status, "the token again with other values")
	assert.Contains(t, r.Body, "this form was sent before with other values")
	form.Del("once")
	form.Set("effective_from", day(50))
	r = a.post("/console/reference/services/ATR-TR/rates", form)
	assert.Equal(t, http.StatusUnprocessableEntity, r.Status, "no token")
	assert.Contains(t, r.Body, "the form is out of date")
	assert.Equal(t, rates+1, w.count(t, "service_rates"), "nothing more written")

	auth := w.authorizeRivera(t, 40)
	w.claimRivera(t, "HRA-T1", auth, 4, "60.00")
	f := w.user()
	f.signIn(keyFinance)
	preview := f.get("/console/batches/preview?payer_route=payment_register&through_date=" + day(0))
	require.Equal(t, http.StatusOK, preview.Status)
	closing := preview.hidden()
	require.NotEmpty(t, closing.Get("once"), "the close form carries a one-time token")
	first := f.post("/console/batches", closing)
	require.Equal(t, http.StatusSeeOther, first.Status, first.Body)
	again := f.post("/console/batches", closing)
	require.Equal(t, http.StatusSeeOther, again.Status, again.Body)
	assert.Equal(t, first.Header.Get("Location"), again.Header.Get("Location"), "the batch the first post closed")
	assert.Equal(t, 1, w.count(t, "batches"))
	closing.Del("once")
	r = f.post("/console/batches", closing)
	assert.Equal(t, http.StatusUnprocessableEntity, r.Status, "no token")
}

// The rate form corrects a rate in force (corrects, its id; the date left
// out is the corrected rate's), with the API's refusals in the console's
// words: the console could only add rates, and a rate typed wrong went on
// pricing the day's vouchers until the admin left for the API (an
// operations black-box pass).
func TestRateFormCorrectsARate(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	status, v := w.api(http.MethodPost, keyAdmin, "/v1/reference/services/ATR-TR/rates",
		map[string]any{"rate": "1400.00", "effective_from": day(10), "reason": "new contract"})
	require.Equal(t, http.StatusCreated, status, "%v", v)
	typo := strconv.FormatInt(int64(v["id"].(float64)), 10)
	a := w.user()
	a.signIn(keyAdmin)
	fresh := func() url.Values {
		t.Helper()
		page := a.get("/console/reference/services/ATR-TR")
		require.Equal(t, http.StatusOK, page.Status)
		assert.Contains(t, page.Body, `<option value="`+typo+`">rate `+typo+`: `)
		return page.hidden()
	}
	form := fresh()
	form.Set("rate", "14.00")
	form.Set("corrects", typo)
	form.Set("reason", "typo: 1400.00 for 14.00")
	rates := w.count(t, "service_rates")
	for i := 0; i < 2; i++ {
		r := a.post("/console/reference/services/ATR-TR/rates", form)
		require.Equal(t, http.StatusSeeOther, r.Status, "post %d: %s", i+1, r.Body)
	}
	assert.Equal(t, rates+1, w.count(t, "service_rates"), "one correction, sent twice")
	var got struct {
		Rate string `db:"rate"`
		From string `db:"effective_from"`
	}
	require.NoError(t, w.db.Get(&got, `SELECT rate::text, effective_from::text FROM service_rates WHERE corrects_id = $1`, typo))
	assert.Equal(t, "14.00", got.Rate)
	assert.Equal(t, day(10), got.From, "the corrected rate's day")
	page := a.get("/console/reference/services/ATR-TR")
	assert.NotContains(t, page.Body, `<option value="`+typo+`"`, "a corrected rate is no longer offered")

	// The refusals: corrected already, another day, another service's rate.
	form = page.hidden()
	form.Set("rate", "14.50")
	form.Set("corrects", typo)
	form.Set("reason", "again")
	r := a.post("/console/reference/services/ATR-TR/rates", form)
	assert.Equal(t, http.StatusConflict, r.Status, r.Body)
	assert.Contains(t, r.Body, "was corrected already")
	var inForce string
	require.NoError(t, w.db.Get(&inForce, `SELECT id::text FROM service_rates WHERE corrects_id = $1`, typo))
	form = rateFormOf(t, a)
	form.Set("rate", "14.50")
	form.Set("corrects", inForce)
	form.Set("effective_from", day(11))
	form.Set("reason", "wrong day")
	r = a.post("/console/reference/services/ATR-TR/rates", form)
	assert.Equal(t, http.StatusUnprocessableEntity, r.Status, r.Body)
	assert.Contains(t, r.Body, "a correction is of the same day")
	var other string
	require.NoError(t, w.db.Get(&other, `SELECT id::text FROM service_rates WHERE service_code <> 'ATR-TR' ORDER BY id LIMIT 1`))
	form = rateFormOf(t, a)
	form.Set("rate", "14.50")
	form.Set("corrects", other)
	form.Set("reason", "not ours")
	r = a.post("/console/reference/services/ATR-TR/rates", form)
	assert.Equal(t, http.StatusUnprocessableEntity, r.Status, r.Body)
	assert.Contains(t, r.Body, "has no rate "+other)
	assert.Equal(t, rates+1, w.count(t, "service_rates"), "nothing more written")
}

func rateFormOf(t *testing.T, a *user) url.Values {
	t.Helper()
	page := a.get("/console/reference/services/ATR-TR")
	require.Equal(t, http.StatusOK, page.Status)
	return page.hidden()
}

// The close and rate forms sent two or three times at once (a double click
// on a batch whose close takes seconds) do their work once and every post
// lands on it, as the mint form's did: the posts that waited behind the
// first were refused "no payable lines ... are waiting for a batch" and
// "this service already has a rate from" (a console black-box pass). The
// test holds the lock each write waits on until all three wait.
func TestFormsSentAtOnceWorkOnce(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	auth := w.authorizeRivera(t, 40)
	w.claimRivera(t, "HRA-O1", auth, 4, "60.00")
	f := w.user()
	f.signIn(keyFinance)
	preview := f.get("/console/batches/preview?payer_route=payment_register&through_date=" + day(0))
	require.Equal(t, http.StatusOK, preview.Status)
	locations := w.postAtOnce(t, f, "/console/batches", preview.hidden(),
		`SELECT pg_advisory_xact_lock(hashtext('rss batch ' || 'payment_register'))`, "%pg_advisory_xact_lock%")
	for _, l := range locations {
		assert.Regexp(t, `^/console/batches/\d+$`, l)
		assert.Equal(t, locations[0], l, "every post lands on the one batch")
	}
	assert.Equal(t, 1, w.count(t, "batches"))

	a := w.user()
	a.signIn(keyAdmin)
	form := rateFormOf(t, a)
	form.Set("rate", "16.25")
	form.Set("effective_from", day(45))
	form.Set("reason", "new contract")
	rates := w.count(t, "service_rates")
	locations = w.postAtOnce(t, a, "/console/reference/services/ATR-TR/rates", form,
		`SELECT 1 FROM services WHERE code = 'ATR-TR' FOR UPDATE`, "SELECT code FROM services WHERE code = $1 FOR UPDATE")
	for _, l := range locations {
		assert.Equal(t, "/console/reference/services/ATR-TR", l)
	}
	assert.Equal(t, rates+1, w.count(t, "service_rates"), "one rate added")
}

// postAtOnce posts form three times at once while a transaction of the
// test's holds lock (the statement the write waits on), lets it go once
// all three wait in the statement like waiting, and returns where each
// answer redirects.
func (w *world) postAtOnce(t *testing.T, u *user, path string, form url.Values, lock, waiting string) []string {
	t.Helper()
	tx, err := w.db.Beginx()
	require.NoError(t, err)
	defer tx.Rollback() //nolint:errcheck // committed below
	_, err = tx.Exec(lock)
	require.NoError(t, err)
	const n = 3
	type answer struct {
		status   int
		location string
		body     string
		err      error
	}
	answers := make([]answer, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			r, err := u.c.PostForm(w.srv.URL+path, form)
			if err != nil {
				answers[i].err = err
				return
			}
			defer r.Body.Close()
			b, err := io.ReadAll(r.Body)
			answers[i] = answer{status: r.StatusCode, location: r.Header.Get("Location"), body: string(b), err: err}
		}()
	}
	require.Eventually(t, func() bool {
		var waits int
		require.NoError(t, w.db.Get(&waits, `SELECT count(*) FROM pg_stat_activity
			WHERE datname = current_database() AND wait_event_type = 'Lock' AND query LIKE $1`, waiting))
		return waits == n
	}, 30*time.Second, 10*time.Millisecond, "all three posts wait on the lock")
	require.NoError(t, tx.Commit())
	wg.Wait()
	var out []string
	for i, a := range answers {
		require.NoError(t, a.err)
		require.Equal(t, http.StatusSeeOther, a.status, "post %d: %s", i+1, a.body)
		out = append(out, a.location)
	}
	return out
}

// A provider's post to a finance, admin or reviewer form is refused for
// its role before its fields are read: a malformed one was answered with
// the form's field errors, a well-formed one 403 (a console black-box
// pass).
func TestProviderPostToAnOfficeFormIsForbidden(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	p := w.user()
	csrf := p.signIn(keyHRA).csrf(t)
	rates, batches := w.count(t, "service_rates"), w.count(t, "batches")
	own := strconv.FormatInt(w.pended(), 10) // the provider's own request: it may read it
	for _, path := range []string{"/console/reference/services/ATR-TR/rates", "/console/batches", "/console/requests/" + own + "/decide"} {
		r := p.post(path, url.Values{"csrf": {csrf}, "note": {"a\x01b"}})
		assert.Equal(t, http.StatusForbidden, r.Status, path)
		assert.Contains(t, r.Body, "Your role may not do this.", path)
		assert.NotContains(t, r.Body, "correct the fields", path)
	}
	assert.Equal(t, rates, w.count(t, "service_rates"))
	assert.Equal(t, batches, w.count(t, "batches"))
}

// The console refuses what the API refuses, saying why, with what was
// typed kept (a console black-box pass): units or dates typed beside
// Approve were dropped and the whole request granted (5 units where the
// reviewer typed 3); a day the calendar lacks read "must be YYYY-MM-DD";
// a name search past its length was a bare error page without the box;
// an oversized sign-in read as an expired form; a grant of one unit read
// "1 units".
func TestConsoleRefusesWhatTheAPIRefuses(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	id := strconv.FormatInt(w.pended(), 10)
	u := w.user()
	csrf := u.signIn(keyReviewer).csrf(t)
	for _, action := range []string{"approve", "deny"} {
		r := u.post("/console/requests/"+id+"/decide", url.Values{"csrf": {csrf}, "action": {action}, "units": {"3"},
			"note": {"three units"}})
		assert.Equal(t, http.StatusUnprocessableEntity, r.Status, action)
		assert.Contains(t, r.Body, "only given with Approve modified", action)
		assert.Contains(t, r.Body, `value="3"`, "what was typed is kept")
	}
	r := u.post("/console/requests/"+id+"/decide", url.Values{"csrf": {csrf}, "action": {"approve_modified"}, "units": {"3"},
		"start_date": {"2026-02-30"}, "end_date": {day(10)}, "note": {"three units"}})
	assert.Equal(t, http.StatusUnprocessableEntity, r.Status)
	assert.Contains(t, r.Body, "2026-02-30 is not a day of the calendar")
	r = u.post("/console/requests/"+id+"/decide", url.Values{"csrf": {csrf}, "action": {"approve_modified"}, "units": {"99999999999999999999"},
		"start_date": {day(0)}, "end_date": {day(10)}, "note": {"three units"}})
	assert.Equal(t, http.StatusUnprocessableEntity, r.Status)
	assert.Contains(t, r.Body, "units is more than any request asks")
	r = u.post("/console/requests/"+id+"/decide", url.Values{"csrf": {csrf}, "action": {"approve_modified"}, "units": {" "},
		"start_date": {day(0)}, "end_date": {day(10)}, "note": {"three units"}})
	assert.Equal(t, http.StatusUnprocessableEntity, r.Status)
	assert.Contains(t, r.Body, "units is required with Approve modified", "said as the API says it")
	// Every field refused at once, the form's and the decision's own
	// (one at a time, a reviewer posted three times: a console pass).
	r = u.post("/console/requests/"+id+"/decide", url.Values{"csrf": {csrf}, "action": {"approve_modified"}, "units": {"-5"},
		"start_date": {"2026-02-30"}, "end_date": {day(10)}, "note": {""}})
	assert.Equal(t, http.StatusUnprocessableEntity, r.Status)
	for _, field := range []string{"err-start_date", "err-units", "err-note"} {
		assert.Contains(t, r.Body, `<li id="`+field+`">`, field)
	}
	assert.Contains(t, r.Body, "2026-02-30 is not a day of the calendar")
	assert.Contains(t, r.Body, "units must be a positive whole number")
	r = u.post("/console/requests/"+id+"/decide", url.Values{"csrf": {csrf}, "action": {"deny"}, "units": {"3"},
		"note": {strings.Repeat("n", 4001)}})
	assert.Equal(t, http.StatusUnprocessableEntity, r.Status)
	assert.Contains(t, r.Body, `<li id="err-action">`)
	assert.Contains(t, r.Body, `<li id="err-note">`)
	var n int
	require.NoError(t, w.db.Get(&n, `SELECT count(*) FROM reviewer_decisions WHERE voucher_request_id = $1`, id))
	assert.Zero(t, n, "nothing was decided")

	r = u.post("/console/requests/"+id+"/decide", url.Values{"csrf": {csrf}, "action": {"approve_modified"}, "units": {"1"},
		"start_date": {day(0)}, "end_date": {day(10)}, "note": {"one unit"}})
	require.Equal(t, http.StatusSeeOther, r.Status, "%s", r.Body)
	assert.Contains(t, u.get("/console/requests/"+id).Body, "1 unit, ")

	long := strings.Repeat("n", 201)
	r = u.post("/console/clients/search", url.Values{"csrf": {csrf}, "name": {long}})
	assert.Equal(t, http.StatusUnprocessableEntity, r.Status)
	assert.Contains(t, r.Body, `id="search-problem"`)
	assert.Contains(t, r.Body, `value="`+long+`"`, "the box is back with what was typed")

	v := w.user()
	form := v.get("/console/sign-in")
	r = v.post("/console/sign-in", url.Values{"csrf": {form.csrf(t)}, "api_key": {strings.Repeat("A", 70000)}})
	assert.Equal(t, http.StatusRequestEntityTooLarge, r.Status)
	assert.Contains(t, r.Body, "larger than the console accepts")
}

// A one-time form token not in the form the console issues it (a NUL,
// bytes that are not UTF-8, a line break) is refused as an out-of-date
// form, writing nothing: it reached the database and failed there, a 500
// (a black-box pass).
func TestFormTokenOnlyAsIssued(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	a := w.user()
	csrf := a.signIn(keyAdmin).csrf(t)
	keys := w.count(t, "api_keys")
	for _, once := range []string{"a\x00b", "\xff\xfe", "a\r\nb", "\u202eab", strings.Repeat("x", 65)} {
		r := a.post("/console/keys", url.Values{"csrf": {csrf}, "once": {once}, "role": {"reviewer"}, "label": {"night desk"}})
		assert.Equal(t, http.StatusUnprocessableEntity, r.Status, "%q: %s", once, r.Body)
		assert.Contains(t, r.Body, "out of date", "%q", once)
	}
	r := a.post("/console/reference/services/ATR-CM/rates", url.Values{"csrf": {csrf}, "once": {"a\x00b"}, "rate": {"16.00"},
		"effective_from": {day(30)}, "reason": {"new contract"}})
	assert.Equal(t, http.StatusUnprocessableEntity, r.Status, "%s", r.Body)
	assert.Equal(t, keys, w.count(t, "api_keys"))
}

// A confirmation the browser's last session left unread goes with that
// session: another user signing in on the same browser read "Rate added."
// about an admin's action (a console black-box pass).
func TestConfirmationDoesNotCrossToTheNextUser(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	u := w.user()
	csrf := u.signIn(keyAdmin).csrf(t)
	r := u.post("/console/reference/services/ATR-TR/rates", url.Values{"csrf": {csrf}, "once": {"rate-form"}, "rate": {"12.50"},
		"effective_from": {day(40)}, "reason": {"new contract"}})
	require.Equal(t, http.StatusSeeOther, r.Status, r.Body) // the redirect left unfollowed: a closed tab
	u.signIn(keyHRA)
	p := u.get("/console/reference/services/ATR-TR")
	require.Equal(t, http.StatusOK, p.Status, p.Body)
	assert.NotContains(t, p.Body, "Rate added.")
}

// A refused field's input is marked aria-invalid and described by the
// problem's message about it, beside its own hints, so a screen reader on
// the input hears why (the alert box alone said so: a console pass). A
// field the problem does not name, and another record's form, are not.
func TestRefusedFieldsAreTiedToTheirMessages(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	a := w.user()
	csrf := a.signIn(keyAdmin).csrf(t)
	r := a.post("/console/reference/services/ATR-TR/rates", url.Values{"csrf": {csrf}, "once": {"rate-form"}, "rate": {"-13.00"},
		"effective_from": {"2027-02-01"}, "reason": {"x"}})
	assert.Equal(t, http.StatusUnprocessableEntity, r.Status)
	assert.Regexp(t, `<li id="err-rate"><strong>`, r.Body)
	assert.Regexp(t, `<input id="rate" name="rate" aria-describedby="err-rate" aria-invalid="true"`, r.Body)
	assert.Regexp(t, `<input id="effective_from" name="effective_from" type="date" aria-describedby="effective-from-hint" value=`, r.Body,
		"a field not refused keeps its hint alone")

	page := a.get("/console/verification")
	require.Equal(t, http.StatusOK, page.Status)
	assert.NotContains(t, page.Body, `aria-invalid`, "nothing refused yet")
	r = a.post("/console/verification/credentials/1/verify", url.Values{"csrf": {csrf}, "document_reference": {strings.Repeat("d", 201)}})
	assert.Equal(t, http.StatusUnprocessableEntity, r.Status)
	assert.Regexp(t, `<input id="doc-credentials-1" name="document_reference" aria-describedby="err-document_reference" aria-invalid="true"`, r.Body)
	assert.Equal(t, 1, strings.Count(r.Body, `aria-invalid="true"`), "only the record's own form")

	// The mint form's two checks at once (one at a time: the same pass).
	r = a.post("/console/keys", url.Values{"csrf": {csrf}, "once": {"mint-1"}, "role": {"provider"}, "provider_id": {"abc"},
		"label": {"front\x00desk"}})
	assert.Equal(t, http.StatusUnprocessableEntity, r.Status)
	assert.Contains(t, r.Body, `<li id="err-provider_id">`)
	assert.Contains(t, r.Body, `<li id="err-label">`)
	assert.Regexp(t, `<input id="label" name="label" aria-describedby="err-label" aria-invalid="true"`, r.Body)
}

// A form posted with no token at all came from no console page: it was
// told it came from an earlier session's (a console black-box pass of the
// thirty-eighth stop). One with an earlier session's token still is.
func TestFormWithoutTokenIsNoStaleForm(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	u := w.user()
	u.signIn(keyHRA)
	r := u.post("/console/clients/search", url.Values{"name": {"Rivera"}})
	assert.Equal(t, http.StatusForbidden, r.Status)
	assert.Contains(t, r.Body, "did not come from the console")
	assert.NotContains(t, r.Body, "earlier session")
	r = u.post("/console/clients/search", url.Values{"csrf": {"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"}, "name": {"Rivera"}})
	assert.Equal(t, http.StatusForbidden, r.Status)
	assert.Contains(t, r.Body, "earlier session")
}

// The claims list finds a claim by its agency's number, and the MSC's by
// agency, as the API does: filtered by status alone, a finance officer
// asked about one claim paged through all of them (a console black-box
// pass). A provider has no agency menu and finds its own claims only.
func TestClaimsFoundByNumberAndAgency(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	submit := func(key, number string, client, staff int64) {
		status, v := w.api(http.MethodPost, key, "/v1/claims", map[string]any{"claim_number": number, "client_id": client,
			"rendering_staff_id": staff, "place_of_service": "11",
			"lines": []map[string]any{{"service_code": "ATR-TR", "date_of_service": day(-1), "units": 1, "charge": "12.00"}}})
		require.Equal(t, http.StatusCreated, status, "%v", v)
	}
	submit(keyHRA, "FIND-A", w.demo.Clients["Rivera"], w.demo.Staff["Okafor"])
	submit(keyHRA, "FIND-B", w.demo.Clients["Rivera"], w.demo.Staff["Okafor"])
	submit(keyBCS, "FIND-C", w.demo.Clients["Kim/BCS"], w.demo.Staff["Ibrahim"])
	bcs := strconv.FormatInt(w.demo.Providers["BCS"], 10)

	f := w.user()
	f.signIn(keyFinance)
	r := f.get("/console/claims?claim_number=FIND-A")
	require.Equal(t, http.StatusOK, r.Status, r.Body)
	assert.Contains(t, r.Body, "FIND-A")
	assert.NotContains(t, r.Body, "FIND-B")
	assert.Contains(t, r.Body, `value="FIND-A"`, "the box keeps the number")
	r = f.get("/console/claims?provider=" + bcs)
	require.Equal(t, http.StatusOK, r.Status, r.Body)
	assert.Contains(t, r.Body, "FIND-C")
	assert.NotContains(t, r.Body, "FIND-A")
	assert.Contains(t, r.Body, `<option value="`+bcs+`" selected>BCS `)
	assert.Equal(t, http.StatusUnprocessableEntity, f.get("/console/claims?provider=x").Status)
	assert.Equal(t, http.StatusUnprocessableEntity, f.get("/console/claims?claim_number=a%20b").Status)

	h := w.user()
	h.signIn(keyHRA)
	r = h.get("/console/claims?claim_number=FIND-C")
	require.Equal(t, http.StatusOK, r.Status, r.Body)
	assert.Contains(t, r.Body, `<td colspan="8">None.</td>`, "another agency's claim is not found")
	assert.NotContains(t, r.Body, `id="provider"`, "no agency menu for a provider")
	// The agency is named by its code on its own pages, as on the MSC's
	// (they read "provider 1": a console black-box pass).
	assert.Contains(t, r.Body, "Signed in as <strong>provider</strong> · HRA</span>")
	r = h.get("/console/claims?claim_number=FIND-A")
	assert.Contains(t, r.Body, "FIND-A</a></td><td>HRA</td>")
}

// The footer lists a role's own access keys: every role's were listed to
// every role, a provider offered batches, payer files and keys that
// answer it 403 (a new-user pass of the forty-sixth stop).
func TestFooterListsTheRolesOwnKeys(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	for _, c := range []struct {
		key        string
		has, lacks []string
	}{
		{keyHRA, []string{"<kbd>l</kbd> Claims", "<kbd>m</kbd> Remittance advice"}, []string{"Batches", "Payer files", "API keys", "takes it"}},
		{keyFinance, []string{"<kbd>b</kbd> Batches", "<kbd>p</kbd> Payer files"}, []string{"Remittance advice", "API keys", "takes it"}},
		{keyReviewer, []string{"<kbd>q</kbd> Review queue", "<kbd>t</kbd> takes it"}, []string{"Batches", "API keys"}},
	} {
		u := w.user()
		u.signIn(c.key)
		r := u.get("/console/")
		require.Equal(t, http.StatusOK, r.Status)
		foot := r.Body[strings.Index(r.Body, `<footer`):]
		for _, s := range c.has {
			assert.Contains(t, foot, s, c.key)
		}
		for _, s := range c.lacks {
			assert.NotContains(t, foot, s, c.key)
		}
	}
}
