package console_test

import (
	"strconv"
	"testing"

	"github.com/chromedp/chromedp"
	"github.com/stretchr/testify/assert"
)

// unlabelled counts the visible form fields no label or aria-label names.
const unlabelled = `[...document.querySelectorAll('main input:not([type=hidden]), main select, main textarea')]
	.filter(e => !(e.labels && e.labels.length) && !e.getAttribute('aria-label')).map(e => e.name || e.id)`

// overflow is how far the page is wider than the window (0 when it reflows).
const overflow = `Math.max(0, document.documentElement.scrollWidth - document.documentElement.clientWidth)`

// At 200% zoom on a laptop (1366 x 768 at twice the pixels: a 683 x 384
// window) every main screen reflows without a sideways scroll (wide tables
// scroll inside their box), every field has a label, and the first Tab
// reaches the skip link, then the menu.
func TestBrowserAccessibleAt200PercentZoom(t *testing.T) {
	w := newWorld(t)
	id := w.pended()
	auth := w.authorizeRivera(t, 40)
	w.claimRivera(t, "HRA-Z1", auth, 2, "30.00")
	ctx := newBrowser(t)
	run(t, ctx, chromedp.EmulateViewport(683, 384, chromedp.EmulateScale(2)))
	screens := []struct {
		key   string
		paths []string
	}{
		{keyReviewer, []string{"/console/", "/console/queue", "/console/requests/" + strconv.FormatInt(id, 10), "/console/charts"}},
		{keyHRA, []string{"/console/clients", "/console/clients/" + strconv.FormatInt(w.demo.Clients["Rivera"], 10), "/console/authorizations", "/console/claims"}},
		{keyFinance, []string{"/console/batches", "/console/payer-files", "/console/reconciliation", "/console/batches/preview?payer_route=payment_register&through_date=" + day(0)}},
		{keyAdmin, []string{"/console/reference", "/console/reference/services/ATR-CM", "/console/verification", "/console/keys"}},
	}
	for _, s := range screens {
		w.signInAs(t, ctx, s.key)
		for _, p := range s.paths {
			run(t, ctx, chromedp.Navigate(w.srv.URL+p), chromedp.WaitVisible(chromedp.CSS("h1")))
			assert.Zero(t, get(t, ctx, chromedp.Evaluate[int](overflow)), "%s scrolls sideways at 200%%", p)
			assert.Empty(t, get(t, ctx, chromedp.Evaluate[[]string](unlabelled)), "%s has fields without a label", p)
			if p == "/console/requests/"+strconv.FormatInt(id, 10) {
				screenshot(t, ctx, "zoom-200-request")
			}
		}
		follow(t, ctx, chromedp.Click(chromedp.ID("sign-out")))
		run(t, ctx, chromedp.WaitVisible(chromedp.ID("api_key")))
	}
	assert.Empty(t, get(t, ctx, chromedp.Evaluate[[]string](unlabelled)), "the sign-in form")

	w.signInAs(t, ctx, keyReviewer)
	run(t, ctx, chromedp.Navigate(w.srv.URL+"/console/queue"), chromedp.WaitVisible(chromedp.CSS("h1")), chromedp.KeyEvent("\t"))
	assert.Equal(t, "skip", get(t, ctx, chromedp.Evaluate[string](`document.activeElement.className`)), "the first Tab reaches the skip link")
	outline := get(t, ctx, chromedp.Evaluate[string](`getComputedStyle(document.activeElement).outlineStyle`))
	assert.Equal(t, "solid", outline, "focus is visible")
	run(t, ctx, chromedp.KeyEvent("\t"))
	assert.Equal(t, "/console/", get(t, ctx, chromedp.Evaluate[string](`document.activeElement.getAttribute("href")`)), "then the menu, in order")
}
