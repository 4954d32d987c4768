package console_test

import (
	"context"
	"flag"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/browser"
	"github.com/chromedp/chromedp"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// The browser tests drive Debian's headless Chromium against the real
// server (127.0.0.1) and database. They never skip: without Chromium they
// fail and say how to get it (make test installs it).

var updateScreenshots = flag.Bool("update", false, "write the screenshots of the main screens to docs/screenshots/")

// chromium finds the browser.
func chromium(t *testing.T) string {
	t.Helper()
	for _, name := range []string{"chromium", "chromium-browser", "/usr/bin/chromium"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	t.Fatal("Chromium is not installed: the console's browser tests need it. Run `make test` (scripts/ensure-chromium.sh installs Debian's chromium) or `apt-get install -y chromium`.")
	return ""
}

// newBrowser starts a headless Chromium of the test's own (its own
// cookies) at a laptop's window size.
func newBrowser(t *testing.T) context.Context {
	t.Helper()
	opts := append(chromedp.DefaultExecAllocatorOptions[:], chromedp.ExecPath(chromium(t)), chromedp.NoSandbox,
		chromedp.DisableGPU, chromedp.WindowSize(1366, 768))
	alloc, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancel := chromedp.NewContext(alloc)
	t.Cleanup(func() { cancel(); cancelAlloc() })
	require.NoError(t, chromedp.Do(ctx), "start chromium")
	// A bound on a hung browser, not a timing assertion.
	ctx, cancelTimeout := context.WithTimeout(ctx, 2*time.Minute)
	t.Cleanup(cancelTimeout)
	return ctx
}

func run(t *testing.T, ctx context.Context, actions ...chromedp.Action[chromedp.Void]) {
	t.Helper()
	require.NoError(t, chromedp.Do(ctx, actions...))
}

// follow runs steps whose last one loads a page (a link, a form's button)
// and waits until that page has loaded. What a test waits for next may
// stand on the page before it too (a request's decide form, a notice):
// waited for at once, it is found there, and its node is gone when the
// new page comes (CDP's "No node with given id found").
func follow(t *testing.T, ctx context.Context, steps ...chromedp.Action[chromedp.Void]) {
	t.Helper()
	_, err := chromedp.RunResponse(ctx, steps...)
	require.NoError(t, err)
}

func get[T any](t *testing.T, ctx context.Context, a chromedp.Action[T]) T {
	t.Helper()
	v, err := chromedp.Run(ctx, a)
	require.NoError(t, err)
	return v
}

// signInAs fills the sign-in form as a person would.
func (w *world) signInAs(t *testing.T, ctx context.Context, key string) {
	t.Helper()
	run(t, ctx,
		chromedp.Navigate(w.srv.URL+"/console/sign-in"),
		chromedp.WaitVisible(chromedp.ID("api_key")),
		chromedp.SendKeys(chromedp.ID("api_key"), key))
	follow(t, ctx, chromedp.Click(chromedp.ID("sign-in")))
	run(t, ctx, chromedp.WaitVisible(chromedp.ID("sign-out")))
}

func textOf(t *testing.T, ctx context.Context, sel string) string {
	t.Helper()
	return strings.TrimSpace(get(t, ctx, chromedp.Text(chromedp.CSS(sel))))
}

func screenshot(t *testing.T, ctx context.Context, name string) {
	t.Helper()
	if !*updateScreenshots {
		return
	}
	png := get(t, ctx, chromedp.FullScreenshot(100)) // 100: PNG
	dir := filepath.Join("..", "docs", "screenshots")
	require.NoError(t, os.MkdirAll(dir, 0o755))
	require.NoError(t, os.WriteFile(filepath.Join(dir, name+".png"), png, 0o644))
}

func TestBrowserEachRoleSignsInAndOut(t *testing.T) {
	w := newWorld(t)
	ctx := newBrowser(t)
	for _, tc := range []struct{ key, role, nav string }{
		{keyReviewer, "reviewer", "Review queue"}, {keyHRA, "provider", "Authorizations"},
		{keyFinance, "finance", "Batches"}, {keyAdmin, "admin", "Staff verification"},
	} {
		w.signInAs(t, ctx, tc.key)
		assert.Contains(t, textOf(t, ctx, ".who"), "Signed in as "+tc.role)
		assert.Contains(t, textOf(t, ctx, "nav"), tc.nav)
		if tc.role == "reviewer" {
			screenshot(t, ctx, "home-reviewer")
		}
		// Sign-out ends the session: the console sends the browser back to
		// the sign-in form, and a page visited after is the form again.
		follow(t, ctx, chromedp.Click(chromedp.ID("sign-out")))
		run(t, ctx, chromedp.WaitVisible(chromedp.ID("api_key")),
			chromedp.Navigate(w.srv.URL+"/console/"), chromedp.WaitVisible(chromedp.ID("api_key")))
		loc := get(t, ctx, chromedp.Location())
		assert.Equal(t, w.srv.URL+"/console/sign-in", loc)
	}
	run(t, ctx, chromedp.Navigate(w.srv.URL+"/console/sign-in"), chromedp.WaitVisible(chromedp.ID("api_key")))
	screenshot(t, ctx, "sign-in")
	var n int
	require.NoError(t, w.db.Get(&n, `SELECT count(*) FROM console_sessions`))
	assert.Zero(t, n)
}

// A reviewer takes a pended request from the queue, reads why it pended,
// denies it with a note; the API shows the decision.
func TestBrowserReviewerDecides(t *testing.T) {
	w := newWorld(t)
	id := w.pended()
	ids := strconv.FormatInt(id, 10)
	ctx := newBrowser(t)
	w.signInAs(t, ctx, keyReviewer)
	follow(t, ctx, chromedp.Click(chromedp.CSS(`a[href="/console/queue"]`)))
	run(t, ctx, chromedp.WaitVisible(chromedp.ID("queue")))
	assert.Contains(t, textOf(t, ctx, "#queue"), "#"+ids)
	screenshot(t, ctx, "reviewer-queue")
	follow(t, ctx, chromedp.Click(chromedp.CSS(`a[href="/console/requests/`+ids+`"]`)))
	run(t, ctx, chromedp.WaitVisible(chromedp.ID("take")))
	assert.Equal(t, "pended", textOf(t, ctx, "#decision"))
	// The decide form stands on the page before the take too.
	follow(t, ctx, chromedp.Click(chromedp.ID("take")))
	run(t, ctx, chromedp.WaitVisible(chromedp.ID("decide-form")))
	assert.Contains(t, textOf(t, ctx, ".notice"), "You hold this request")
	status, v := w.api(http.MethodGet, keyReviewer, "/v1/voucher-requests/"+ids, nil)
	require.Equal(t, http.StatusOK, status)
	assert.NotNil(t, v["taken_by"], "the take is the API's")
	get(t, ctx, chromedp.Evaluate[bool](`document.querySelector("details").open = true`))
	screenshot(t, ctx, "reviewer-request")

	// Approve modified without units is refused with the field named, the
	// note kept; then a denial goes through.
	follow(t, ctx,
		chromedp.Click(chromedp.CSS(`input[value="approve_modified"]`)),
		chromedp.SendKeys(chromedp.ID("note"), "follow-up GPRA not on file"),
		chromedp.Click(chromedp.ID("decide")))
	run(t, ctx, chromedp.WaitVisible(chromedp.ID("decide-problem")))
	assert.Contains(t, textOf(t, ctx, "#decide-problem"), "units")
	note := get(t, ctx, chromedp.Value(chromedp.ID("note")))
	assert.Equal(t, "follow-up GPRA not on file", note)
	// So does a notice (the take's).
	follow(t, ctx,
		chromedp.Click(chromedp.CSS(`input[value="deny"]`)),
		chromedp.Click(chromedp.ID("decide")))
	run(t, ctx, chromedp.WaitVisible(chromedp.CSS(".notice")))
	assert.Equal(t, "Decision recorded.", textOf(t, ctx, ".notice"))
	assert.Equal(t, "denied", textOf(t, ctx, "#decision"))

	status, v = w.api(http.MethodGet, keyHRA, "/v1/voucher-requests/"+ids, nil)
	require.Equal(t, http.StatusOK, status)
	assert.Equal(t, "denied", v["decision"])
	review := v["review"].(map[string]any)
	assert.Equal(t, "deny", review["action"])
	assert.Equal(t, "follow-up GPRA not on file", review["note"])
}

// authorizeRivera grants Rivera ATR case management at HRA through the
// API and returns the authorization number.
func (w *world) authorizeRivera(t *testing.T, units int) string {
	t.Helper()
	status, v := w.api(http.MethodPost, keyHRA, "/v1/voucher-requests", map[string]any{"client_id": w.demo.Clients["Rivera"],
		"service_code": "ATR-CM", "units": units, "start_date": day(-10), "end_date": day(30)})
	require.Equal(t, http.StatusCreated, status, "%v", v)
	require.Equal(t, "approved", v["decision"])
	return v["authorization_number"].(string)
}

func (w *world) claimRivera(t *testing.T, number, auth string, units int, charge string) {
	t.Helper()
	status, v := w.api(http.MethodPost, keyHRA, "/v1/claims", map[string]any{"claim_number": number, "client_id": w.demo.Clients["Rivera"],
		"rendering_staff_id": w.demo.Staff["Okafor"], "place_of_service": "11",
		"lines": []map[string]any{{"service_code": "ATR-CM", "date_of_service": day(-2), "units": units, "charge": charge, "authorization_number": auth}}})
	require.Equal(t, http.StatusCreated, status, "%v", v)
	require.Equal(t, "paid", v["status"], "%v", v)
}

// A provider sees the units remaining on an authorization fall after a
// claim, and the claim's lines with their reasons.
func TestBrowserProviderUnitsRemainingFall(t *testing.T) {
	w := newWorld(t)
	auth := w.authorizeRivera(t, 40)
	ctx := newBrowser(t)
	w.signInAs(t, ctx, keyHRA)
	remaining := func() int {
		run(t, ctx, chromedp.Navigate(w.srv.URL+"/console/authorizations"))
		s := get(t, ctx, chromedp.Text(chromedp.CSS(`td.remaining[data-auth="`+auth+`"]`)))
		n, err := strconv.Atoi(strings.TrimSpace(s))
		require.NoError(t, err)
		return n
	}
	before := remaining()
	assert.Equal(t, 40, before)
	w.claimRivera(t, "HRA-C1", auth, 6, "90.00")
	assert.Equal(t, 34, remaining())
	screenshot(t, ctx, "provider-authorizations")

	run(t, ctx, chromedp.Navigate(w.srv.URL+"/console/claims"))
	follow(t, ctx, chromedp.Click(chromedp.Search(`//a[text()="HRA-C1"]`)))
	run(t, ctx, chromedp.WaitVisible(chromedp.ID("lines")))
	assert.Contains(t, textOf(t, ctx, "#lines"), "paid")
	screenshot(t, ctx, "provider-claim")

	// Another agency's client is not found, as in the API.
	run(t, ctx, chromedp.Navigate(w.srv.URL+"/console/clients/"+strconv.FormatInt(w.demo.Clients["Reyes"], 10)),
		chromedp.WaitVisible(chromedp.CSS("h1")))
	assert.Equal(t, "Not Found", textOf(t, ctx, "h1"))
	assert.Equal(t, "Not found.", textOf(t, ctx, ".problem p"))
}

// Finance previews a batch, closes it, and downloads its file.
func TestBrowserFinanceClosesABatch(t *testing.T) {
	w := newWorld(t)
	auth := w.authorizeRivera(t, 40)
	w.claimRivera(t, "HRA-B1", auth, 4, "60.00")
	ctx := newBrowser(t)
	dir := t.TempDir()
	run(t, ctx, chromedp.Func(func(ctx context.Context, _ *chromedp.Target) error {
		_, err := chromedp.Call(ctx, browser.SetDownloadBehavior, browser.SetDownloadBehaviorParams{
			Behavior: browser.SetDownloadBehaviorBehaviorAllow, DownloadPath: dir})
		return err
	}))
	w.signInAs(t, ctx, keyFinance)
	follow(t, ctx, chromedp.Click(chromedp.CSS(`a[href="/console/batches"]`)))
	run(t, ctx, chromedp.WaitVisible(chromedp.ID("payer_route")))
	follow(t, ctx, chromedp.SetValue(chromedp.ID("payer_route"), "payment_register"), chromedp.Click(chromedp.ID("preview")))
	run(t, ctx, chromedp.WaitVisible(chromedp.ID("preview-totals")))
	claims := textOf(t, ctx, "#p-claims")
	lines := textOf(t, ctx, "#p-lines")
	assert.NotEqual(t, "0", claims)
	screenshot(t, ctx, "finance-preview")
	follow(t, ctx, chromedp.Click(chromedp.ID("close-batch")))
	run(t, ctx, chromedp.WaitVisible(chromedp.ID("download")))
	assert.Equal(t, claims, textOf(t, ctx, "#b-claims"), "the batch takes what the preview showed")
	loc := get(t, ctx, chromedp.Location())
	batchID := loc[strings.LastIndex(loc, "/")+1:]
	screenshot(t, ctx, "finance-batch")

	status, b := w.api(http.MethodGet, keyFinance, "/v1/batches/"+batchID, nil)
	require.Equal(t, http.StatusOK, status)
	assert.Equal(t, "payment_register", b["payer_route"])
	assert.Equal(t, lines, strconv.Itoa(int(b["line_count"].(float64))))

	run(t, ctx, chromedp.Click(chromedp.ID("download")))
	want := filepath.Join(dir, "batch-"+batchID+"-payment_register.csv")
	var got []byte
	require.Eventually(t, func() bool {
		var err error
		got, err = os.ReadFile(want)
		return err == nil && len(got) > 0
	}, 30*time.Second, 100*time.Millisecond, "the download lands in %s", dir)
	assert.Contains(t, string(got), "HRA-B1")
}

// A form whose CSRF token was taken out is refused, and nothing is written.
func TestBrowserFormWithoutCSRFRefused(t *testing.T) {
	w := newWorld(t)
	id := w.pended()
	ids := strconv.FormatInt(id, 10)
	ctx := newBrowser(t)
	w.signInAs(t, ctx, keyReviewer)
	run(t, ctx, chromedp.Navigate(w.srv.URL+"/console/requests/"+ids), chromedp.WaitVisible(chromedp.ID("take")))
	get(t, ctx, chromedp.Evaluate[int](`document.querySelectorAll('input[name="csrf"]').forEach(e => e.remove()); 0`))
	follow(t, ctx, chromedp.Click(chromedp.ID("take")))
	run(t, ctx, chromedp.WaitVisible(chromedp.CSS(".problem")))
	assert.Equal(t, "Refused", textOf(t, ctx, "h1"))
	status, v := w.api(http.MethodGet, keyReviewer, "/v1/voucher-requests/"+ids, nil)
	require.Equal(t, http.StatusOK, status)
	assert.Nil(t, v["taken_by"])
}

// Screenshots of the admin's and the charts' screens (the others are
// taken by the tests above under -update).
func TestBrowserScreenshotsAdminAndCharts(t *testing.T) {
	w := newWorld(t)
	w.pended()
	ctx := newBrowser(t)
	w.signInAs(t, ctx, keyAdmin)
	for _, p := range []struct{ path, name, wait string }{
		{"/console/verification", "admin-verification", "h1"},
		{"/console/reference/services/ATR-CM", "admin-rates", "#rates"},
		{"/console/charts", "charts", "#chart-utilization"},
	} {
		run(t, ctx, chromedp.Navigate(w.srv.URL+p.path), chromedp.WaitVisible(chromedp.CSS(p.wait)))
		screenshot(t, ctx, p.name)
	}
	// The charts are inline SVG with their table; the page runs under the CSP.
	svgs := get(t, ctx, chromedp.Evaluate[int](`document.querySelectorAll("svg.chart").length`))
	assert.GreaterOrEqual(t, svgs, 2)
}
