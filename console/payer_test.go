package console_test

import (
	"bytes"
	"encoding/csv"
	"io"
	"log/slog"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/shopspring/decimal"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"rss/access"
	"rss/api"
	"rss/fixtures"
	"rss/pg/pgtest"
	"rss/x12"
	"rss/x12/x12test"
)

var keyECRA = fixtures.Key(access.RoleProvider, "ECRA")

// medicaidRound is an 837P batch finance closed through the API and the
// simulated payer's answers to it.
type medicaidRound struct {
	batch          string
	paid, denied   string // claim ids
	answers        x12test.Answers
	paidN, deniedN string // claim numbers
}

// medicaidBatch submits two Medicaid claims for Dubois at ECRA (MHW-RA at
// 7.25 a unit: 2 units 14.50, 4 units 29.00), closes an 837P batch as
// finance, and has x12test answer it: the first paid in full, the second
// denied with CARC 96.
func (w *world) medicaidBatch(t *testing.T) medicaidRound {
	t.Helper()
	_, err := w.db.ExecContext(t.Context(), `UPDATE programs SET retro_limit_days = 400 WHERE code = 'MHW'`)
	require.NoError(t, err)
	status, v := w.api(http.MethodPost, keyECRA, "/v1/voucher-requests", map[string]any{"client_id": w.demo.Clients["Dubois"],
		"service_code": "MHW-RA", "units": 100, "start_date": day(-30), "end_date": day(30)})
	require.Equal(t, http.StatusCreated, status, "%v", v)
	require.Equal(t, "approved", v["decision"])
	claim := func(number string, units int, charge string) string {
		status, v := w.api(http.MethodPost, keyECRA, "/v1/claims", map[string]any{"claim_number": number, "client_id": w.demo.Clients["Dubois"],
			"rendering_staff_id": w.demo.Staff["Kowalski"], "place_of_service": "12", "diagnoses": []string{"F33.1"},
			"lines": []map[string]any{{"service_code": "MHW-RA", "date_of_service": day(-3), "units": units, "charge": charge}}})
		require.Equal(t, http.StatusCreated, status, "%v", v)
		require.Equal(t, "paid", v["status"], "%v", v)
		return strconv.FormatInt(int64(v["id"].(float64)), 10)
	}
	r := medicaidRound{paidN: "MCD-1", deniedN: "MCD-2"}
	r.paid, r.denied = claim(r.paidN, 2, "14.50"), claim(r.deniedN, 4, "29.00")
	// The 837P's preview says how it counts claims (loops); a payment
	// register's does not (it said so there too: a console black-box pass).
	fin := w.user()
	fin.signIn(keyFinance)
	pv := fin.get("/console/batches/preview?payer_route=medicaid_837p&through_date=" + day(0))
	require.Equal(t, http.StatusOK, pv.Status, pv.Body)
	require.Contains(t, pv.Body, `id="loops-note"`)
	status, v = w.api(http.MethodPost, keyFinance, "/v1/batches", map[string]any{"payer_route": "medicaid_837p", "through_date": day(0)})
	require.Equal(t, http.StatusCreated, status, "%v", v)
	r.batch = strconv.FormatInt(int64(v["id"].(float64)), 10)
	file := w.batchFile(t, r.batch)
	r.answers, err = x12test.Answer([]byte(file.Body), x12test.Scenario{Outcomes: map[string]x12test.Outcome{r.deniedN: {Deny: "96"}}})
	require.NoError(t, err)
	require.NotNil(t, r.answers.Remit835)
	return r
}

// batchFile is batch id's file as finance downloads it from the API.
func (w *world) batchFile(t *testing.T, id string) page {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, w.srv.URL+"/v1/batches/"+id+"/file", nil)
	require.NoError(t, err)
	req.Header.Set("Authorization", "Bearer "+keyFinance)
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	file := read(t, resp)
	require.Equal(t, http.StatusOK, file.Status, file.Body)
	return file
}

// upload posts a file through the console's upload form.
func (u *user) upload(csrf string, content []byte) page {
	u.w.t.Helper()
	var b bytes.Buffer
	mw := multipart.NewWriter(&b)
	if csrf != "" {
		require.NoError(u.w.t, mw.WriteField("csrf", csrf))
	}
	if content != nil {
		fw, err := mw.CreateFormFile("file", "answer.x12")
		require.NoError(u.w.t, err)
		_, err = fw.Write(content)
		require.NoError(u.w.t, err)
	}
	require.NoError(u.w.t, mw.Close())
	r, err := u.c.Post(u.w.srv.URL+"/console/payer-files", mw.FormDataContentType(), &b)
	require.NoError(u.w.t, err)
	return read(u.w.t, r)
}

func (w *world) count(t *testing.T, table string) int {
	t.Helper()
	var n int
	require.NoError(t, w.db.Get(&n, `SELECT count(*) FROM `+table))
	return n
}

// Finance imports the payer's 999, 277CA and 835 through the console: each
// file's page says what it posted; the same file again is "already
// imported"; a bad file names the segment and writes nothing; a form
// without its token writes nothing; the reconciliation adds up; the
// provider sees Medicaid's answer on its own claim and nothing of the
// finance pages.
func TestPayerFilesScreens(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	r := w.medicaidBatch(t)
	f := w.user()
	home := f.signIn(keyFinance)
	assert.Contains(t, home.Body, `href="/console/payer-files"`)
	assert.Contains(t, home.Body, `href="/console/reconciliation"`)
	csrf := home.csrf(t)

	list := f.get("/console/payer-files")
	require.Equal(t, http.StatusOK, list.Status)
	assert.Contains(t, list.Body, `enctype="multipart/form-data"`)
	assert.Contains(t, list.Body, "None yet.")

	// A form without its token, or with another's, writes nothing.
	assert.Equal(t, http.StatusForbidden, f.upload("", r.answers.Remit835).Status)
	assert.Equal(t, http.StatusForbidden, f.upload("AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", r.answers.Remit835).Status)
	assert.Zero(t, w.count(t, "payer_files"))

	// A bad file: the reader's segment position, nothing written.
	bad := bytes.Replace(r.answers.Ack999, []byte("\nSE*"), []byte("\nSE*99"), 1)
	require.NotEqual(t, r.answers.Ack999, bad)
	p := f.upload(csrf, bad)
	assert.Equal(t, http.StatusUnprocessableEntity, p.Status)
	assert.Contains(t, p.Body, `id="upload-problem"`)
	assert.Regexp(t, `segment \d+ \(SE\)`, p.Body)
	p = f.upload(csrf, []byte("not an x12 file"))
	assert.Equal(t, http.StatusUnprocessableEntity, p.Status)
	assert.Contains(t, p.Body, "segment")
	assert.Contains(t, p.Body, "<strong>file</strong>", "the problem names the form's field")
	assert.NotContains(t, p.Body, "<strong>body</strong>", "not the API's")
	p = f.upload(csrf, []byte{})
	assert.Equal(t, http.StatusUnprocessableEntity, p.Status)
	assert.Contains(t, p.Body, "the file is empty")
	assert.NotContains(t, p.Body, "the body is")
	p = f.upload(csrf, nil)
	assert.Equal(t, http.StatusUnprocessableEntity, p.Status)
	assert.Contains(t, p.Body, "Choose the payer")
	assert.Zero(t, w.count(t, "payer_files"))

	// The three files; each lands on its page.
	var ids []string
	for _, file := range [][]byte{r.answers.Ack999, r.answers.Ack277CA, r.answers.Remit835} {
		p := f.upload(csrf, file)
		require.Equal(t, http.StatusSeeOther, p.Status, p.Body)
		loc := p.Header.Get("Location")
		require.True(t, strings.HasPrefix(loc, "/console/payer-files/"), loc)
		ids = append(ids, strings.TrimPrefix(loc, "/console/payer-files/"))
	}
	page835 := f.get("/console/payer-files/" + ids[2])
	require.Equal(t, http.StatusOK, page835.Status)
	assert.Contains(t, page835.Body, "File imported")
	assert.Contains(t, page835.Body, `<span id="f-items">2</span>`)
	assert.Contains(t, page835.Body, `<span id="f-matched">2</span>`)
	assert.Contains(t, page835.Body, `<span id="f-unmatched">0</span>`)
	assert.Contains(t, page835.Body, `<strong id="f-posted">14.50</strong>`)
	assert.Contains(t, page835.Body, `<span class="code">CO-96</span> 29.00`)
	assert.Contains(t, page835.Body, `denied <span class="code">4</span>`)
	assert.Contains(t, page835.Body, "Everything matched.")
	page277 := f.get("/console/payer-files/" + ids[1])
	assert.Contains(t, page277.Body, "2 accepted, 0 rejected")
	assert.Contains(t, page277.Body, "PCN0000001")

	// The same file again records nothing and says so.
	before := w.count(t, "payer_claim_payments")
	p = f.upload(csrf, r.answers.Remit835)
	require.Equal(t, http.StatusSeeOther, p.Status)
	assert.Equal(t, "/console/payer-files/"+ids[2], p.Header.Get("Location"))
	assert.Contains(t, f.get(p.Header.Get("Location")).Body, "This file was already imported")
	assert.NotContains(t, f.get(p.Header.Get("Location")).Body, "This file was already imported", "a confirmation is shown once")
	assert.Equal(t, before, w.count(t, "payer_claim_payments"))
	assert.Equal(t, 3, w.count(t, "payer_files"))

	list = f.get("/console/payer-files")
	for _, id := range ids {
		assert.Contains(t, list.Body, `href="/console/payer-files/`+id+`"`)
	}

	// An 835 whose claim rss never sent: listed unmatched, with the reason.
	stray := bytes.ReplaceAll(r.answers.Remit835, []byte("CLP*"+r.paidN+"*"), []byte("CLP*NOSUCH-1*"))
	stray = bytes.ReplaceAll(stray, []byte("CLP*"+r.deniedN+"*"), []byte("CLP*NOSUCH-2*"))
	// An interchange of its own (its ISA13 and IEA02): the one imported
	// already is refused by its control number.
	require.Equal(t, 2, bytes.Count(stray, []byte("000000902")))
	stray = bytes.ReplaceAll(stray, []byte("000000902"), []byte("000000903"))
	// The same payment again is refused, named, and writes nothing.
	p = f.upload(csrf, stray)
	assert.Equal(t, http.StatusConflict, p.Status)
	assert.Contains(t, p.Body, `id="upload-problem"`)
	assert.Contains(t, p.Body, "was posted before, by an earlier file")
	assert.Equal(t, 3, w.count(t, "payer_files"))
	stray = bytes.ReplaceAll(stray, []byte("TRN*1*SIM0000009000001*"), []byte("TRN*1*SIM0000009000002*"))
	p = f.upload(csrf, stray)
	require.Equal(t, http.StatusSeeOther, p.Status, p.Body)
	sp := f.get(p.Header.Get("Location"))
	assert.Contains(t, sp.Body, "NOSUCH-1")
	assert.Contains(t, sp.Body, "no claim rss sent has that claim number (CLM01)")

	// Reconciliation of the batch: billed 43.50; paid 14.50; CO-96 29.00;
	// difference 43.50 − 14.50 − 29.00 = 0.00; nothing rejected or open.
	rec := f.get("/console/reconciliation?batch=" + r.batch)
	require.Equal(t, http.StatusOK, rec.Status, rec.Body)
	for id, want := range map[string]string{"r-billed": "43.50", "r-accepted": "43.50", "r-rejected": "0.00", "r-paid": "14.50",
		"r-difference": "0.00", "r-unexplained": "0.00", "r-overdue": "0"} {
		assert.Contains(t, rec.Body, `id="`+id+`">`+want+`<`, id)
	}
	assert.Contains(t, rec.Body, `<span class="code">CO-96</span> 29.00`)
	// The agency is chosen by code and name, as every page names it (the
	// form asked for rss's id: a console black-box pass).
	ecra := strconv.FormatInt(w.demo.Providers["ECRA"], 10)
	assert.Contains(t, rec.Body, `<option value="`+ecra+`" >ECRA Eastern CT Recovery Assistants</option>`)
	byAgency := f.get("/console/reconciliation?batch=" + r.batch + "&provider=" + ecra)
	require.Equal(t, http.StatusOK, byAgency.Status, byAgency.Body)
	assert.Contains(t, byAgency.Body, `<option value="`+ecra+`" selected>ECRA Eastern CT Recovery Assistants</option>`)
	csvLink := "/console/reconciliation?batch=" + r.batch + "&amp;format=csv"
	assert.Contains(t, rec.Body, `href="`+csvLink+`"`)
	dl := f.get("/console/reconciliation?batch=" + r.batch + "&format=csv")
	require.Equal(t, http.StatusOK, dl.Status)
	assert.Equal(t, `attachment; filename="reconciliation.csv"`, dl.Header.Get("Content-Disposition"))
	cr := csv.NewReader(strings.NewReader(dl.Body))
	cr.FieldsPerRecord = -1
	recs, err := cr.ReadAll()
	require.NoError(t, err)
	require.GreaterOrEqual(t, len(recs), 4)
	assert.Equal(t, "record", recs[1][0])
	var total []string
	for _, rec := range recs {
		if rec[0] == "total" {
			total = rec
		}
	}
	require.NotNil(t, total)
	assert.Equal(t, []string{"43.50", "14.50", "CO-96 29.00", "0.00"}, []string{total[4], total[11], total[12], total[17]})

	assert.Regexp(t, `id="superseded">.*None\.`, strings.ReplaceAll(rec.Body, "\n", " "), "nothing paid on a claim taken back")
	// ECRA voids the paid claim: the page lists the payment the payer still
	// holds for it, as the API and the CSV do (it was on neither page: a
	// console black-box pass).
	status, v := w.api(http.MethodPost, keyECRA, "/v1/claims/"+r.paid+"/void", map[string]any{"claim_number": "MCD-1-V"})
	require.Equal(t, http.StatusCreated, status, "%v", v)
	rec = f.get("/console/reconciliation?batch=" + r.batch)
	require.Equal(t, http.StatusOK, rec.Status, rec.Body)
	assert.Regexp(t, `id="superseded">.*MCD-1</a>.*voided by.*14\.50`, strings.ReplaceAll(rec.Body, "\n", " "))
	// The claims list bills the void as its page and the remittance do
	// (negative; it read 14.50 there beside -14.50 on its page: a console
	// black-box pass), and says whose claim each row is, by the agency's
	// code (its id read as a bare number: a console black-box pass).
	list = f.get("/console/claims?status=void")
	require.Equal(t, http.StatusOK, list.Status, list.Body)
	assert.Regexp(t, `MCD-1-V</a></td><td>ECRA</td>.*<td class="num">-14\.50</td><td class="num">-14\.50</td>`, list.Body)

	// By provider and dates: the same batch, ECRA's row.
	rec = f.get("/console/reconciliation?from=" + day(-1) + "&to=" + day(0) + "&provider=" + ecra)
	require.Equal(t, http.StatusOK, rec.Status, rec.Body)
	assert.Contains(t, rec.Body, `id="r-billed">43.50<`)
	assert.Contains(t, rec.Body, `<td>ECRA</td>`)
	assert.NotContains(t, f.get("/console/reconciliation").Body, `id="reconciliation"`, "no report before the form is sent")
	for path, want := range map[string]int{
		"/console/reconciliation?batch=abc":                            http.StatusUnprocessableEntity,
		"/console/reconciliation?batch=-1":                             http.StatusUnprocessableEntity,
		"/console/reconciliation?from=" + day(0):                       http.StatusUnprocessableEntity,
		"/console/reconciliation?from=yesterday&to=" + day(0):          http.StatusUnprocessableEntity,
		"/console/reconciliation?batch=" + r.batch + "&from=" + day(0): http.StatusUnprocessableEntity,
		"/console/reconciliation?batch=" + r.batch + "&format=pdf":     http.StatusUnprocessableEntity,
		"/console/payer-files/999999":                                  http.StatusNotFound,
		"/console/payer-files/x":                                       http.StatusNotFound,
	} {
		assert.Equal(t, want, f.get(path).Status, path)
	}
	// A batch or agency that does not exist is a refused filter, named
	// (it was a bare "Not found." page: a re-check).
	for path, want := range map[string]string{
		"/console/reconciliation?batch=999999":                                           "there is no batch 999999",
		"/console/reconciliation?from=" + day(-1) + "&to=" + day(0) + "&provider=999999": "there is no provider 999999",
	} {
		p := f.get(path)
		assert.Equal(t, http.StatusUnprocessableEntity, p.Status, path)
		assert.Contains(t, p.Body, "This filter was refused:", path)
		assert.Contains(t, p.Body, want, path)
	}

	// The batch page points at its reconciliation (the placeholder is gone).
	bp := f.get("/console/batches/" + r.batch)
	assert.Contains(t, bp.Body, `href="/console/reconciliation?batch=`+r.batch+`"`)
	assert.NotContains(t, bp.Body, "does not receive")

	// The provider: Medicaid's answer on its own claims, beside rss's.
	pv := w.user()
	pv.signIn(keyECRA)
	cp := pv.get("/console/claims/" + r.paid)
	require.Equal(t, http.StatusOK, cp.Status)
	assert.Contains(t, cp.Body, `<dd id="payer-status">paid</dd>`)
	assert.Contains(t, cp.Body, `<dd id="payer-paid">14.50</dd>`)
	assert.Contains(t, cp.Body, `<dd id="payer-ccn">PCN0000001</dd>`)
	assert.Regexp(t, `<tr class="total"><th scope="row">Claim</th><td class="num">[0-9.]+</td><td class="num">[0-9]+\.[0-9]{2}</td>`, cp.Body,
		"the claim's allowed amount (the cell was empty, a black-box pass)")
	cp = pv.get("/console/claims/" + r.denied)
	assert.Contains(t, cp.Body, `<dd id="payer-status">denied</dd>`)
	assert.Contains(t, cp.Body, `<span class="code">CO-96</span> 29.00`)
	assert.Contains(t, cp.Body, `<dd id="payer-ccn">PCN0000002</dd>`)

	// ... and nothing of finance's pages; its upload writes nothing.
	files := w.count(t, "payer_files")
	for _, path := range []string{"/console/payer-files", "/console/payer-files/" + ids[0], "/console/reconciliation?batch=" + r.batch,
		"/console/reconciliation?batch=" + r.batch + "&format=csv"} {
		assert.Equal(t, http.StatusForbidden, pv.get(path).Status, path)
	}
	ph := pv.get("/console/")
	assert.NotContains(t, ph.Body, `href="/console/payer-files"`)
	assert.Equal(t, http.StatusForbidden, pv.upload(ph.csrf(t), r.answers.Remit835).Status)
	assert.Equal(t, files, w.count(t, "payer_files"))

	// Another agency's provider: the claim is not found, Medicaid's answer
	// with it.
	hra := w.user()
	hra.signIn(keyHRA)
	nf := hra.get("/console/claims/" + r.paid)
	assert.Equal(t, http.StatusNotFound, nf.Status)
	assert.NotContains(t, nf.Body, "PCN0000001")
}

// Finance uploads the simulated payer's 835 for a batch it closed and sees
// the reconciliation, in a real browser.
func TestBrowserFinanceImports835AndReconciles(t *testing.T) {
	w := newWorld(t)
	r := w.medicaidBatch(t)
	dir := t.TempDir()
	path := filepath.Join(dir, "answer.835")
	require.NoError(t, os.WriteFile(path, r.answers.Remit835, 0o600))
	ctx := newBrowser(t)
	w.signInAs(t, ctx, keyFinance)
	follow(t, ctx, chromedp.Click(chromedp.CSS(`a[href="/console/payer-files"]`)))
	run(t, ctx, chromedp.WaitVisible(chromedp.ID("file")))
	follow(t, ctx, chromedp.SetUploadFiles(chromedp.ID("file"), []string{path}), chromedp.Click(chromedp.ID("import")))
	run(t, ctx, chromedp.WaitVisible(chromedp.ID("f-summary")))
	assert.Contains(t, textOf(t, ctx, ".notice"), "File imported")
	assert.Equal(t, "14.50", textOf(t, ctx, "#f-posted"))
	assert.Equal(t, "0", textOf(t, ctx, "#f-unmatched"))
	screenshot(t, ctx, "finance-payer-file")

	run(t, ctx, chromedp.Navigate(w.srv.URL+"/console/batches/"+r.batch), chromedp.WaitVisible(chromedp.ID("reconcile-batch")))
	follow(t, ctx, chromedp.Click(chromedp.ID("reconcile-batch")))
	run(t, ctx, chromedp.WaitVisible(chromedp.ID("reconciliation")))
	assert.Equal(t, "43.50", textOf(t, ctx, "#r-billed"))
	assert.Equal(t, "14.50", textOf(t, ctx, "#r-paid"))
	assert.Equal(t, "0.00", textOf(t, ctx, "#r-difference"))
	assert.Contains(t, textOf(t, ctx, "#r-totals"), "CO-96 29.00")
	screenshot(t, ctx, "finance-reconciliation")

	// The file went through the same service as the API: the API sees it.
	status, v := w.api(http.MethodGet, keyFinance, "/v1/payer-files", nil)
	require.Equal(t, http.StatusOK, status)
	items := v["items"].([]any)
	require.Len(t, items, 1)
	assert.Equal(t, "835", items[0].(map[string]any)["kind"])
}

// A file larger than the upload cap (the API's MaxBulkBody) is a 413 page,
// read no further, and writes nothing.
func TestUploadLargerThanTheCapIsRefused(t *testing.T) {
	t.Parallel()
	db := pgtest.NewDB(t)
	srv := api.Open(db, api.Options{MaxBulkBody: 2048, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	hs := httptest.NewServer(srv)
	t.Cleanup(hs.Close)
	w := &world{t: t, db: db, srv: hs, rss: srv}
	u := w.user()
	csrf := u.signIn(keyFinance).csrf(t)
	p := u.upload(csrf, bytes.Repeat([]byte("ISA*"), 1024))
	assert.Equal(t, http.StatusRequestEntityTooLarge, p.Status)
	assert.Contains(t, p.Body, "The file is larger than rss accepts (2048 bytes).")
	p = u.upload(csrf, []byte("not an x12 file"))
	assert.Equal(t, http.StatusUnprocessableEntity, p.Status, "under the cap, the file is read")
	// Sent with no length said (chunked), it is cut while read, and said
	// as the same file too large, not as a form to shorten (a console
	// black-box pass).
	var b bytes.Buffer
	mw := multipart.NewWriter(&b)
	require.NoError(t, mw.WriteField("csrf", csrf))
	fw, err := mw.CreateFormFile("file", "answer.x12")
	require.NoError(t, err)
	_, err = fw.Write(bytes.Repeat([]byte("ISA*"), 1024))
	require.NoError(t, err)
	require.NoError(t, mw.Close())
	// A reader of no known length: the client sends it chunked.
	req, err := http.NewRequest(http.MethodPost, hs.URL+"/console/payer-files", io.MultiReader(&b))
	require.NoError(t, err)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	resp, err := u.c.Do(req)
	require.NoError(t, err)
	p = read(t, resp)
	assert.Equal(t, http.StatusRequestEntityTooLarge, p.Status)
	assert.Contains(t, p.Body, "The file is larger than rss accepts (2048 bytes).")
	assert.Zero(t, w.count(t, "payer_files"))
}

// The reconciliation filter says a well-formed date outside rss's range
// is out of range, as the rate form does, not that it is not YYYY-MM-DD
// (a console black-box pass); so does the batch preview's through date.
func TestReconciliationDateOutOfRange(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	f := w.user()
	f.signIn(keyFinance)
	r := f.get("/console/reconciliation?from=0001-01-01&to=9999-12-31")
	assert.Equal(t, http.StatusUnprocessableEntity, r.Status)
	assert.Equal(t, 2, strings.Count(r.Body, "the date must be between 1900-01-01 and 2999-12-31"), r.Body)
	assert.NotContains(t, r.Body, "the date is YYYY-MM-DD")
	r = f.get("/console/reconciliation?from=yesterday&to=" + day(0))
	assert.Equal(t, http.StatusUnprocessableEntity, r.Status)
	assert.Contains(t, r.Body, "the date is YYYY-MM-DD")
	r = f.get("/console/batches/preview?payer_route=payment_register&through_date=0001-01-01")
	assert.Equal(t, http.StatusUnprocessableEntity, r.Status)
	assert.Contains(t, r.Body, "the date must be between 1900-01-01 and 2999-12-31")
	// Its way back is the page of its form, not the preview unfiltered
	// (itself a 422: a console black-box pass).
	assert.Contains(t, r.Body, `href="/console/batches" id="back"`)
	assert.Equal(t, http.StatusOK, f.get("/console/batches").Status)
	assert.Contains(t, f.get("/console/reconciliation?from=yesterday").Body, `href="/console/reconciliation" id="back"`)
	assert.Equal(t, http.StatusOK, f.get("/console/reconciliation").Status)
}

// A claim held out of 837P batches (its client's consent naming the payer
// revoked) is named on finance's preview with why and what to do, and on
// its claim page, where the agency reads it too. The preview said
// "Nothing waits for a batch." with the paid claim waiting, and no page
// named holds (a console black-box pass).
func TestHeldClaimsAreNamedOnThePreviewAndTheClaim(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	_, err := w.db.ExecContext(t.Context(), `UPDATE programs SET retro_limit_days = 400 WHERE code = 'MHW'`)
	require.NoError(t, err)
	dubois := w.demo.Clients["Dubois"]
	status, v := w.api(http.MethodPost, keyECRA, "/v1/voucher-requests", map[string]any{"client_id": dubois,
		"service_code": "MHW-RA", "units": 100, "start_date": day(-30), "end_date": day(30)})
	require.Equal(t, http.StatusCreated, status, "%v", v)
	status, v = w.api(http.MethodPost, keyECRA, "/v1/claims", map[string]any{"claim_number": "HELD-1", "client_id": dubois,
		"rendering_staff_id": w.demo.Staff["Kowalski"], "place_of_service": "12", "diagnoses": []string{"F33.1"},
		"lines": []map[string]any{{"service_code": "MHW-RA", "date_of_service": day(-3), "units": 2, "charge": "14.50"}}})
	require.Equal(t, http.StatusCreated, status, "%v", v)
	require.Equal(t, "paid", v["status"], "%v", v)
	claim := strconv.FormatInt(int64(v["id"].(float64)), 10)
	var consent int64
	require.NoError(t, w.db.Get(&consent, `SELECT id FROM consents WHERE client_id = $1 AND recipient_type = 'payer' AND revoked_at IS NULL`, dubois))
	status, v = w.api(http.MethodPost, keyECRA, "/v1/consents/"+strconv.FormatInt(consent, 10)+"/revoke", map[string]any{"reason": "withdrawn"})
	require.Equal(t, http.StatusOK, status, "%v", v)

	fin := w.user()
	fin.signIn(keyFinance)
	p := fin.get("/console/batches/preview?payer_route=medicaid_837p&through_date=" + day(0))
	require.Equal(t, http.StatusOK, p.Status, p.Body)
	assert.NotContains(t, p.Body, "Nothing waits for a batch.")
	assert.Contains(t, p.Body, `id="nothing-to-close"`)
	assert.Contains(t, p.Body, `id="held-claims"`)
	assert.Contains(t, p.Body, `href="/console/claims/`+claim+`">HELD-1</a>`)
	assert.Contains(t, p.Body, "Record the client&#39;s signed consent naming the payer")

	agency := w.user()
	agency.signIn(keyECRA)
	p = agency.get("/console/claims/" + claim)
	require.Equal(t, http.StatusOK, p.Status, p.Body)
	assert.Contains(t, p.Body, `id="claim-held"`)
	assert.Contains(t, p.Body, "Held out of batches (Medicaid 837P): 1 payable line(s) wait.")

	// A register preview names no 837P hold.
	p = fin.get("/console/batches/preview?payer_route=payment_register&through_date=" + day(0))
	require.Equal(t, http.StatusOK, p.Status, p.Body)
	assert.NotContains(t, p.Body, `id="held-claims"`)
}

// A claim held out of batches for a staff record of adverse news (a
// failed background check over a minor's paid line) is named on the
// register's preview and on its claim page, with the record and what
// lifts it; held for a consent too, an 837P claim's page shows both.
func TestStaffRecordHoldIsNamedOnThePreviewAndTheClaim(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	nguyen, okafor := w.demo.Clients["Nguyen"], w.demo.Staff["Okafor"]
	status, v := w.api(http.MethodPost, keyHRA, "/v1/voucher-requests", map[string]any{"client_id": nguyen,
		"service_code": "ATR-TR", "units": 2, "start_date": day(-5), "end_date": day(10)})
	require.Equal(t, http.StatusCreated, status, "%v", v)
	require.Equal(t, "approved", v["decision"], "%v", v)
	status, v = w.api(http.MethodPost, keyHRA, "/v1/claims", map[string]any{"claim_number": "UQ-1", "client_id": nguyen,
		"rendering_staff_id": okafor, "place_of_service": "99",
		"lines": []map[string]any{{"service_code": "ATR-TR", "date_of_service": day(-1), "units": 1, "charge": "12.00"}}})
	require.Equal(t, http.StatusCreated, status, "%v", v)
	require.Equal(t, "paid", v["status"], "%v", v)
	claim := strconv.FormatInt(int64(v["id"].(float64)), 10)
	status, v = w.api(http.MethodPost, keyHRA, "/v1/staff/"+strconv.FormatInt(okafor, 10)+"/background-checks",
		map[string]any{"checked_on": day(-3), "result": "failed", "agency": "CT State Police"})
	require.Equal(t, http.StatusCreated, status, "%v", v)

	fin := w.user()
	fin.signIn(keyFinance)
	p := fin.get("/console/batches/preview?payer_route=payment_register&through_date=" + day(0))
	require.Equal(t, http.StatusOK, p.Status, p.Body)
	assert.Contains(t, p.Body, `id="nothing-to-close"`)
	assert.Contains(t, p.Body, "Held out of Payment register batches")
	assert.Contains(t, p.Body, `href="/console/claims/`+claim+`">UQ-1</a>`)
	assert.Contains(t, p.Body, `class="hold-rendered_unqualified"`)
	assert.Contains(t, p.Body, "background check")
	p = fin.get("/console/batches/preview?payer_route=medicaid_837p&through_date=" + day(0))
	require.Equal(t, http.StatusOK, p.Status, p.Body)
	assert.NotContains(t, p.Body, "UQ-1", "an 837P preview names the register's hold nowhere")

	agency := w.user()
	agency.signIn(keyHRA)
	p = agency.get("/console/claims/" + claim)
	require.Equal(t, http.StatusOK, p.Status, p.Body)
	assert.Contains(t, p.Body, "Held out of batches (Payment register): 1 payable line(s) wait.")
	assert.Contains(t, p.Body, `class="hold-rendered_unqualified"`)
	assert.Contains(t, p.Body, "voids the claim")
}

// The reconciliation page sums the provider-level adjustments it lists
// (interest paid negative), as finance matches them to the deposits: it
// added them up by hand (a payer black-box pass).
func TestReconciliationSumsTheProviderAdjustments(t *testing.T) {
	w := newWorld(t)
	r := w.medicaidBatch(t)
	file := w.batchFile(t, r.batch)
	var npi string
	require.NoError(t, w.db.GetContext(t.Context(), &npi, `SELECT npi FROM providers WHERE id = $1`, w.demo.Providers["ECRA"]))
	answers, err := x12test.Answer([]byte(file.Body), x12test.Scenario{Outcomes: map[string]x12test.Outcome{r.deniedN: {Deny: "96"}},
		PLB: []x12.ProviderAdjustment{{Provider: npi, Reason: "WO", Reference: "OLD1", Amount: decimal.RequireFromString("5.00")},
			{Provider: npi, Reason: "L6", Reference: "INT1", Amount: decimal.RequireFromString("-1.25")}}})
	require.NoError(t, err)
	u := w.user()
	csrf := u.signIn(keyFinance).csrf(t)
	require.Equal(t, http.StatusSeeOther, u.upload(csrf, answers.Remit835).Status)
	p := u.get("/console/reconciliation?batch=" + r.batch)
	require.Equal(t, http.StatusOK, p.Status, p.Body)
	assert.Contains(t, p.Body, `id="plb-total">3.75<`)
}

// A claim sent in several CLM loops shows each part as Medicaid answered
// it: one paid and one denied read only the claim's answer, with nothing
// to say which part was denied (a payer re-check).
func TestClaimPageShowsEachPartsAnswer(t *testing.T) {
	w := newWorld(t)
	_, err := w.db.ExecContext(t.Context(), `UPDATE programs SET retro_limit_days = 400 WHERE code = 'MHW'`)
	require.NoError(t, err)
	status, v := w.api(http.MethodPost, keyECRA, "/v1/voucher-requests", map[string]any{"client_id": w.demo.Clients["Dubois"],
		"service_code": "MHW-RA", "units": 100, "start_date": day(-30), "end_date": day(30)})
	require.Equal(t, http.StatusCreated, status, "%v", v)
	var lines []map[string]any
	for i := range 51 { // two loops: 50 lines and 1
		lines = append(lines, map[string]any{"service_code": "MHW-RA", "date_of_service": day(-28 + i/2), "units": 1 + i%2,
			"charge": []string{"7.25", "14.50"}[i%2]})
	}
	status, v = w.api(http.MethodPost, keyECRA, "/v1/claims", map[string]any{"claim_number": "PARTS", "client_id": w.demo.Clients["Dubois"],
		"rendering_staff_id": w.demo.Staff["Kowalski"], "place_of_service": "12", "diagnoses": []string{"F33.1"}, "lines": lines})
	require.Equal(t, http.StatusCreated, status, "%v", v)
	id := strconv.FormatInt(int64(v["id"].(float64)), 10)
	status, v = w.api(http.MethodPost, keyFinance, "/v1/batches", map[string]any{"payer_route": "medicaid_837p", "through_date": day(0)})
	require.Equal(t, http.StatusCreated, status, "%v", v)
	file := w.batchFile(t, strconv.FormatInt(int64(v["id"].(float64)), 10))
	answers, err := x12test.Answer([]byte(file.Body), x12test.Scenario{Outcomes: map[string]x12test.Outcome{"PARTS-2": {Deny: "96"}}})
	require.NoError(t, err)
	u := w.user()
	csrf := u.signIn(keyFinance).csrf(t)
	require.Equal(t, http.StatusSeeOther, u.upload(csrf, answers.Remit835).Status)

	ecra := w.user()
	ecra.signIn(keyECRA)
	p := ecra.get("/console/claims/" + id)
	require.Equal(t, http.StatusOK, p.Status, p.Body)
	require.Contains(t, p.Body, `id="payer-loops"`)
	loops := p.Body[strings.Index(p.Body, `id="payer-loops"`):]
	loops = loops[:strings.Index(loops, "</table>")]
	assert.Regexp(t, `<td>1</td><td>PARTS-1</td><td>paid</td><td class="num">[0-9.]+</td>`, loops)
	assert.Regexp(t, `<td>2</td><td>PARTS-2</td><td>denied</td><td class="num">0.00</td>`, loops)
}

// The console's pages whose work may take minutes (a payer file's import,
// a batch's file) answer past the server's write timeout, as the API's
// routes of the same work do: an 835 import that ran past rss serve's
// 120 s committed while its client read an empty reply (a payer black-box
// pass of the thirty-eighth stop, on the API). Here the timeout is 300 ms
// and a lock another transaction holds keeps the work waiting 900 ms; a
// batch's own page, not marked so, is cut off.
func TestLongPagesOutlastTheWriteTimeout(t *testing.T) {
	w := newWorld(t)
	r := w.medicaidBatch(t)
	slow := httptest.NewUnstartedServer(w.rss)
	slow.Config.WriteTimeout = 300 * time.Millisecond
	slow.Start()
	t.Cleanup(slow.Close)
	w.srv = slow
	f := w.user()
	csrf := f.signIn(keyFinance).csrf(t)
	hold := func(table string) {
		tx, err := w.db.BeginTx(t.Context(), nil)
		require.NoError(t, err)
		_, err = tx.Exec(`LOCK TABLE ` + table + ` IN ACCESS EXCLUSIVE MODE`)
		require.NoError(t, err)
		time.AfterFunc(900*time.Millisecond, func() { _ = tx.Rollback() })
	}

	// A connection each: a request cut off on a reused one is sent again
	// by the client, after the lock is gone.
	f.c.Transport = &http.Transport{DisableKeepAlives: true}

	hold("batches")
	_, err := f.c.Get(slow.URL + "/console/batches/" + r.batch)
	require.Error(t, err, "the write timeout cuts a page not marked unhurried off")
	hold("batches")
	file := f.get("/console/batches/" + r.batch + "/file")
	assert.Equal(t, http.StatusOK, file.Status)
	assert.Contains(t, file.Body, "ISA*")

	hold("payer_files")
	p := f.upload(csrf, r.answers.Remit835)
	assert.Equal(t, http.StatusSeeOther, p.Status, "%s", p.Body)
	assert.Equal(t, 1, w.count(t, "payer_files"))
}
