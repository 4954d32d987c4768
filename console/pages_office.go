package console

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"regexp"
	"strconv"
	"strings"

	"github.com/gin-gonic/gin"

	"rss"
	"rss/access"
	"rss/billing"
	"rss/registry"
	"rss/staff"
	"rss/vouchers"
)

// Finance: batches.

type batchesView struct {
	Items []billing.Batch
	Today string
	Next  string
	// Closes: the reader may close a batch (finance); the admin reads
	// batches only, and met a close form every step of which was refused
	// (a black-box pass).
	Closes bool
}

func (k *Console) batches(c *gin.Context) {
	list, err := k.cfg.Billing.Batches(c.Request.Context(), "", k.pageOf(c))
	if err != nil {
		k.fail(c, err)
		return
	}
	k.page(c, http.StatusOK, "batches", "Batches", batchesView{Items: list.Items, Today: k.cfg.Vouchers.Today().String(),
		Next: nextPage(c, list.NextCursor), Closes: sessionOf(c).Actor.Role == access.RoleFinance})
}

// newBatch reads a batch's route and through-date from a query or form.
func newBatch(route, through string) (billing.NewBatch, error) {
	v := &rss.ValidationError{}
	d := formDate(v, "through_date", through, "the through date is YYYY-MM-DD")
	if err := v.Err(); err != nil {
		return billing.NewBatch{}, err
	}
	if _, ok := text(route, 32, false); !ok {
		return billing.NewBatch{}, rss.Invalid("payer_route", "invalid_value", "the payer route is medicaid_837p or payment_register")
	}
	return billing.NewBatch{PayerRoute: route, ThroughDate: d}, nil
}

// previewView is a preview, with the refusal of a close that no longer
// matched the one shown before it.
type previewView struct {
	billing.BatchPreview
	Problem *errorView
	// Once is the close form's one-time token: the form sent twice closes
	// one batch and shows it (access.FormOnce).
	Once string
	// Held are the claims of the route held out of batches today (a page
	// of them, More when there are others): payable, waiting, and no close
	// takes them. The preview said "Nothing waits for a batch." with such
	// a claim waiting, and no console page named holds (a console
	// black-box pass). On either route a staff record of adverse news
	// holds the claims it left unqualified; on an 837P so does a missing
	// payer consent.
	Held []billing.HeldClaim
	More bool
}

// withHolds adds to the preview the claims a close of its route leaves held.
func (k *Console) withHolds(ctx context.Context, v previewView) (previewView, error) {
	held, err := k.cfg.Billing.Holds(ctx, 0, v.PayerRoute, vouchers.Page{Limit: heldShown})
	if err != nil {
		return v, err
	}
	v.Held, v.More = held.Items, held.NextCursor != ""
	return v, nil
}

// heldShown is how many held claims a preview lists (GET /v1/batch-holds
// pages through them all).
const heldShown = 50

// previewBatch shows what closing would take before anything is closed;
// the close button on it posts the same route and date, and the totals
// shown, which the close must still take.
func (k *Console) previewBatch(c *gin.Context) {
	n, err := newBatch(c.Query("payer_route"), c.Query("through_date"))
	if err == nil {
		var p billing.BatchPreview
		if p, err = k.cfg.Billing.PreviewBatch(c.Request.Context(), n); err == nil {
			var v previewView
			if v, err = k.withHolds(c.Request.Context(), previewView{BatchPreview: p, Once: randomToken()}); err == nil {
				k.page(c, http.StatusOK, "preview", "Batch preview", v)
				return
			}
		}
	}
	k.fail(c, err)
}

func (k *Console) createBatch(c *gin.Context) {
	n, err := newBatch(c.PostForm("payer_route"), c.PostForm("through_date"))
	if err == nil {
		n.Expect, err = expectedTotals(c)
	}
	var once string
	if err == nil {
		once, err = formToken(c)
	}
	if err == nil {
		var b billing.Batch
		b, err = access.FormOnce(c.Request.Context(), once, "/console/batches", closeFields(c),
			func(b billing.Batch) int64 { return b.ID },
			func(ctx context.Context) (billing.Batch, error) { return k.cfg.Billing.CreateBatch(ctx, n) })
		var sent *access.FormSent
		switch {
		case err == nil:
			// With its confirmation, as every office form has: a bare
			// redirect left the finance officer unsure the click closed
			// the batch (a console black-box pass).
			k.redirectDone(c, basePath+"/batches/"+strconv.FormatInt(b.ID, 10), "closed")
			return
		case errors.As(err, &sent) && !sent.Changed:
			// Sent again (a double click, a reload): the batch the
			// first post closed, where a bare conflict said nothing
			// waited for a batch.
			k.redirectDone(c, basePath+"/batches/"+strconv.FormatInt(sent.ID, 10), "already_closed")
			return
		case errors.As(err, &sent):
			err = rss.Coded(rss.ErrConflict, "form_already_sent", "this close form was sent before with other totals; preview the batch again")
		}
		// What closing would take changed since the preview: the preview
		// again, as it stands now, with why above it. Nothing left to take
		// is mostly another close of the same lines, from another preview
		// (another tab, another finance officer): it was a bare "Conflict"
		// page saying no payable lines wait, which did not tell whether
		// the money went out (a console black-box pass). The billing
		// service names no batch by the claims it took, so the page
		// links the closed batches.
		var ce *rss.CodedError
		if errors.As(err, &ce) && (ce.Code == "preview_changed" || ce.Code == "nothing_to_batch") {
			problem := &errorView{Message: "Nothing was closed: claims changed since the preview. This is what closing would take now."}
			if ce.Code == "nothing_to_batch" {
				problem = &errorView{Back: basePath + "/batches", Message: "Nothing was closed by this form: what its preview showed " +
					"waits for a batch no longer. Another close took it meanwhile (from another preview: another tab, or another " +
					"finance officer), unless its claims changed; the batch that took it is among the closed batches. This is what " +
					"closing would take now."}
			}
			n.Expect = nil
			if p, perr := k.cfg.Billing.PreviewBatch(c.Request.Context(), n); perr == nil {
				v, herr := k.withHolds(c.Request.Context(), previewView{BatchPreview: p, Once: randomToken(), Problem: problem})
				if herr == nil {
					k.page(c, http.StatusConflict, "preview", "Batch preview", v)
					return
				}
			}
		}
	}
	k.fail(c, err)
}

// closeFields are a close form's values, the request its one-time token is
// kept for.
func closeFields(c *gin.Context) []string {
	var f []string
	for _, k := range []string{"payer_route", "through_date", "expect_claims", "expect_lines", "expect_units", "expect_billed", "expect_paid"} {
		f = append(f, c.PostForm(k))
	}
	return f
}

// expectedTotals reads the totals the preview's close form carries. Units
// net reversals and voids, so a batch that takes money back shows them
// negative (a black-box pass found such a preview refused by its own close).
func expectedTotals(c *gin.Context) (*billing.ExpectedTotals, error) {
	var t billing.BatchTotals
	var claims, lines int64
	for _, f := range []struct {
		field string
		to    *int64
	}{{"expect_claims", &claims}, {"expect_lines", &lines}, {"expect_units", &t.Units}} {
		n, err := strconv.ParseInt(c.PostForm(f.field), 10, 32)
		if err != nil || (n < 0 && f.field != "expect_units") {
			return nil, totalsUnreadable(c, f.field)
		}
		*f.to = n
	}
	t.ClaimCount, t.LineCount = int(claims), int(lines)
	for _, f := range []struct {
		field string
		to    *rss.Money
	}{{"expect_billed", &t.Billed}, {"expect_paid", &t.Paid}} {
		m, err := rss.ParseTotal(c.PostForm(f.field))
		if err != nil {
			return nil, totalsUnreadable(c, f.field)
		}
		*f.to = m.Money
	}
	return billing.Expecting(t), nil
}

// totalsUnreadable says of a preview's total the close form carries that
// it is missing or, sent and unreadable (edited by hand), not one the
// preview wrote: "missing" of a total sent as 12.0 misled (a console
// black-box pass).
func totalsUnreadable(c *gin.Context, field string) error {
	if _, sent := c.GetPostForm(field); sent && strings.TrimSpace(c.PostForm(field)) != "" {
		return rss.Invalid(field, "invalid_value", "the preview's totals were changed since it wrote them: preview the batch again")
	}
	return rss.Invalid(field, "invalid_value", "the preview's totals are missing: preview the batch again")
}

func (k *Console) batch(c *gin.Context) {
	id, ok := k.idParam(c, "id")
	if !ok {
		return
	}
	b, err := k.cfg.Billing.Batch(c.Request.Context(), id)
	if err != nil {
		k.fail(c, err)
		return
	}
	k.page(c, http.StatusOK, "batch", "Batch "+strconv.FormatInt(id, 10), b)
}

// batchFile downloads the batch's 837P or register, as GET
// /v1/batches/{id}/file does: built into a temporary file first, so a
// failure half-way is an error page, never a truncated download.
func (k *Console) batchFile(c *gin.Context) {
	id, ok := k.idParam(c, "id")
	if !ok {
		return
	}
	path, file, err := k.cfg.Billing.ExportFile(c.Request.Context(), id, "")
	if err != nil {
		k.fail(c, err)
		return
	}
	defer os.Remove(path)
	ct, ext := "text/csv; charset=utf-8", "csv"
	if file.Kind == billing.Kind837P {
		ct, ext = "application/edi-x12", "x12"
	}
	k.download(c, path, ct, fmt.Sprintf("batch-%d-%s.%s", id, file.Kind, ext), file.SHA256)
}

// batchAdvice downloads one provider's remittance advice of a batch (CSV
// or JSON); a provider may read its own only.
func (k *Console) batchAdvice(c *gin.Context) {
	id, ok := k.idParam(c, "id")
	if !ok {
		return
	}
	provider, ok := k.idParam(c, "provider")
	if !ok {
		return
	}
	format := c.DefaultQuery("format", "csv")
	if format != "csv" && format != "json" {
		k.badInput(c, "format", "format is csv or json")
		return
	}
	f, err := os.CreateTemp("", "rss-console-advice-*")
	if err != nil {
		k.fail(c, err)
		return
	}
	defer os.Remove(f.Name())
	defer f.Close()
	if err := k.cfg.Billing.Advice(c.Request.Context(), id, provider, format, f); err != nil {
		k.fail(c, err)
		return
	}
	ct := "text/csv; charset=utf-8"
	if format == "json" {
		ct = "application/json"
	}
	k.download(c, f.Name(), ct, fmt.Sprintf("remittance-%d-%d.%s", id, provider, format), "")
}

func (k *Console) download(c *gin.Context, path, contentType, name, sha string) {
	f, err := os.Open(path)
	if err != nil {
		k.fail(c, err)
		return
	}
	defer f.Close()
	h := c.Writer.Header()
	h.Set("Content-Type", contentType)
	h.Set("Content-Disposition", `attachment; filename="`+name+`"`)
	// The digest the batch froze, as the API's download sends it: a file
	// saved from the console had nothing to check it against (a
	// black-box pass).
	if sha != "" {
		h.Set("X-Content-SHA256", sha)
	}
	h.Set("X-Redisclosure-Notice", billing.Part2Notice)
	c.Status(http.StatusOK)
	_, _ = io.Copy(c.Writer, f)
}

// remittance lists the batches that report the provider's claims, each
// with its advice to download.
func (k *Console) remittance(c *gin.Context) {
	a := sessionOf(c).Actor
	if !a.IsProvider() {
		k.fail(c, rss.ErrForbidden) // the MSC reads advice per batch (Batches)
		return
	}
	list, err := k.cfg.Billing.ProviderBatches(c.Request.Context(), a.ProviderID)
	if err != nil {
		k.fail(c, err)
		return
	}
	k.page(c, http.StatusOK, "remittance", "Remittance advice", list)
}

// Admin: reference data, rates, staff verification, keys.

type referenceView struct {
	Programs []vouchers.Program
	Services []vouchers.CatalogService
	Settings []vouchers.Setting
}

func (k *Console) reference(c *gin.Context) {
	ctx := c.Request.Context()
	var v referenceView
	var err error
	if v.Programs, err = k.cfg.Vouchers.Programs(ctx); err == nil {
		if v.Services, err = k.cfg.Vouchers.Services(ctx); err == nil {
			v.Settings, err = k.cfg.Vouchers.Settings(ctx)
		}
	}
	if err != nil {
		k.fail(c, err)
		return
	}
	k.page(c, http.StatusOK, "reference", "Reference data", v)
}

type serviceView struct {
	Service vouchers.CatalogService
	Rates   vouchers.ServiceRates
	Admin   bool
	Problem *errorView
	Form    map[string]string
	// Once is the rate form's one-time token: the form sent twice adds
	// one rate and shows it (access.FormOnce).
	Once string
}

func (k *Console) service(c *gin.Context) {
	k.showService(c, http.StatusOK, nil)
}

func (k *Console) showService(c *gin.Context, status int, problem *errorView) {
	code, ok := text(c.Param("code"), 32, false)
	if !ok {
		k.fail(c, rss.ErrNotFound)
		return
	}
	ctx := c.Request.Context()
	svc, err := k.cfg.Vouchers.ServiceByCode(ctx, code)
	if err != nil {
		k.fail(c, err)
		return
	}
	rates, err := k.cfg.Registry.Rates(ctx, code)
	if err != nil {
		k.fail(c, err)
		return
	}
	k.page(c, status, "service", "Service "+svc.Code, serviceView{Service: svc, Rates: rates, Admin: sessionOf(c).Actor.Role == access.RoleAdmin,
		Problem: problem, Once: randomToken(), Form: map[string]string{"rate": c.PostForm("rate"), "effective_from": c.PostForm("effective_from"), "reason": c.PostForm("reason"),
			"corrects": c.PostForm("corrects")}})
}

// addRate is the rate form: a new rate from a date, with its reason, or
// the correction of a rate in force (corrects, its id; the date may then
// be left out: the corrected rate's), as the API takes it. The console
// could not correct a typed rate, which went on pricing the day's vouchers
// until the admin left for the API (a black-box pass).
func (k *Console) addRate(c *gin.Context) {
	code, ok := text(c.Param("code"), 32, false)
	if !ok {
		k.fail(c, rss.ErrNotFound)
		return
	}
	v := &rss.ValidationError{}
	// The API's rule for an amount: dollars, a point and two decimals, so
	// "1250" typed for 12.50 (or 1e3, .5, 15.0000) is refused, not stored.
	rate, err := rss.ParseAmount(c.PostForm("rate"))
	switch {
	case err == nil:
	case wellFormedAmount.MatchString(c.PostForm("rate")):
		// Written right but too many dollars: the range is the problem,
		// as the API's answer says (it read as a format error).
		v.Add("rate", "out_of_range", "rate must be more than zero and at most 9999999999.99, written with two decimals")
	default:
		v.Add("rate", "invalid_value", "the rate is dollars, a point and two decimals, with no leading zero, such as 15.00 or 0.50")
	}
	// Every field's problem at once, a date out of range said so (it read
	// as a format error, a black-box pass, and an empty form named only
	// the rate).
	var corrects *int64
	if raw := c.PostForm("corrects"); raw != "" {
		id, err := strconv.ParseInt(raw, 10, 64)
		if err != nil || id <= 0 {
			v.Add("corrects", "unknown_id", "choose a rate of the history, or none")
		} else {
			corrects = &id
		}
	}
	from, err := rss.ParseDate(c.PostForm("effective_from"))
	switch {
	case c.PostForm("effective_from") == "" && corrects != nil:
		// The corrected rate's day.
	case c.PostForm("effective_from") == "":
		v.Add("effective_from", "required", "the first day the rate applies is required")
	default:
		addDateError(v, "effective_from", c.PostForm("effective_from"), err, "the date is YYYY-MM-DD")
	}
	reason, err := typed("reason", "reason", c.PostForm("reason"), maxRateReason, true)
	var ve *rss.ValidationError
	if errors.As(err, &ve) {
		v.Fields = append(v.Fields, ve.Fields...)
	} else if reason == "" {
		v.Add("reason", "required", "the reason for the rate is required")
	}
	once, err := formToken(c)
	if err != nil {
		var ve *rss.ValidationError
		errors.As(err, &ve)
		v.Fields = append(v.Fields, ve.Fields...)
	}
	if err := v.Err(); err == nil {
		n := registry.NewRate{Rate: &rate, EffectiveFrom: from, Reason: reason, Corrects: corrects}
		_, err = access.FormOnce(c.Request.Context(), once, "/console/reference/services/"+code+"/rates",
			[]string{rate.String(), from.String(), reason, c.PostForm("corrects")}, func(r vouchers.ServiceRate) int64 { return r.ID },
			func(ctx context.Context) (vouchers.ServiceRate, error) { return k.cfg.Registry.AddRate(ctx, code, n) })
		var sent *access.FormSent
		if err == nil || (errors.As(err, &sent) && !sent.Changed) {
			// Sent again (a double click, a reload): the rate the first
			// post added, where the second read "not added: this service
			// already has a rate from" that day.
			k.redirectDone(c, basePath+"/reference/services/"+code, "rate")
			return
		}
		if sent != nil {
			k.showService(c, http.StatusConflict, &errorView{Message: "The rate was not added: this form was sent before with " +
				"other values. Check the rate history below and add the rate again if it is not there."})
			return
		}
		var ce *rss.CodedError
		if errors.As(err, &ce) && ce.Code == "rate_exists_for_day" {
			// The form again, what was typed kept, in the console's words
			// (a black-box pass met a bare "Conflict" page naming an API
			// field the form does not have).
			k.showService(c, http.StatusConflict, &errorView{Message: "The rate was not added: this service already has a rate " +
				"from " + from.String() + ". Choose another date, or, to replace the rate in force that day, choose it under " +
				"\"Corrects\"."})
			return
		}
		if errors.As(err, &ce) && ce.Code == "rate_already_corrected" {
			k.showService(c, http.StatusConflict, &errorView{Message: "The rate was not added: rate " + c.PostForm("corrects") +
				" was corrected already. Correct the rate in force, the one that replaced it (see the history below)."})
			return
		}
		v, _ = err.(*rss.ValidationError)
		if v == nil {
			k.fail(c, err)
			return
		}
	}
	k.showService(c, http.StatusUnprocessableEntity, &errorView{Message: "The rate was not added: correct the fields below.", Fields: v.Fields})
}

// staffQueueRow is a record waiting for verification, its record decoded
// into label/value pairs.
type staffQueueRow struct {
	staff.QueueItem
	Fields []factValue
}

func (k *Console) staffQueue(c *gin.Context, p vouchers.Page) ([]staffQueueRow, string, error) {
	q, err := k.cfg.Staff.Queue(c.Request.Context(), staff.QueueFilter{}, p)
	if err != nil {
		return nil, "", err
	}
	out := make([]staffQueueRow, len(q.Items))
	for i, it := range q.Items {
		out[i] = staffQueueRow{QueueItem: it}
		var m map[string]any
		if json.Unmarshal(it.Record, &m) == nil {
			for _, name := range keysOf(m) {
				out[i].Fields = append(out[i].Fields, factValue{Name: words(name), Value: lookupFact(m, name)})
			}
		}
	}
	return out, q.NextCursor, nil
}

func keysOf(m map[string]any) []string {
	b := map[string]bool{}
	for k := range m {
		b[k] = true
	}
	return keys(b)
}

// verificationView is the queue, and after a refused verify or reject
// the problem with what was typed, kept in the record's form.
type verificationView struct {
	Items   []staffQueueRow
	Next    string
	Kind    string
	ID      int64
	Action  string
	Typed   string
	Problem *errorView
}

func (k *Console) verification(c *gin.Context) {
	k.showVerification(c, http.StatusOK, verificationView{})
}

func (k *Console) showVerification(c *gin.Context, status int, v verificationView) {
	rows, next, err := k.staffQueue(c, k.pageOf(c))
	if err != nil {
		k.fail(c, err)
		return
	}
	v.Items, v.Next = rows, nextPage(c, next)
	k.page(c, status, "verification", "Staff verification", v)
}

// refusedForm is the problem a form's refused input shows above the form
// again, and its status (422 for fields, 409 for a conflict), or false for
// an error the generic page answers.
func refusedForm(err error, what string) (*errorView, int, bool) {
	var ve *rss.ValidationError
	var ce *rss.CodedError
	switch {
	case errors.As(err, &ve):
		return &errorView{Message: what + " correct the fields below.", Fields: ve.Fields}, http.StatusUnprocessableEntity, true
	case errors.As(err, &ce) && errors.Is(err, rss.ErrConflict):
		return &errorView{Message: what + " " + ce.Message}, http.StatusConflict, true
	}
	return nil, 0, false
}

// review verifies (with the document seen) or rejects (with a reason) one
// staff record.
func (k *Console) review(c *gin.Context) {
	id, ok := k.idParam(c, "id")
	if !ok {
		return
	}
	kind, action := c.Param("kind"), c.Param("action")
	var err error
	var input, value string
	switch action {
	case "verify":
		input = c.PostForm("document_reference")
		if value, err = typed("document_reference", "reference", input, maxReference, false); err == nil {
			_, err = k.cfg.Staff.VerifyRecord(c.Request.Context(), kind, id, value)
		}
	case "reject":
		input = c.PostForm("reason")
		if value, err = typed("reason", "reason", input, maxRejectReason, true); err == nil {
			_, err = k.cfg.Staff.RejectPending(c.Request.Context(), kind, id, value)
		}
	default:
		k.fail(c, rss.ErrNotFound)
		return
	}
	var ce *rss.CodedError
	if errors.As(err, &ce) && ce.Code == "already_reviewed" && k.reviewedSo(c, kind, id, action, value) {
		err = nil // sent again: done by its first post
	}
	if err != nil {
		// The queue again, the problem above it and what was typed kept in
		// the record's form (a black-box pass met a bare error page and
		// retyped the reference).
		if problem, status, ok := refusedForm(err, words(kind)+" #"+strconv.FormatInt(id, 10)+" was not "+map[string]string{"verify": "verified", "reject": "rejected"}[action]+":"); ok {
			k.showVerification(c, status, verificationView{Kind: kind, ID: id, Action: action, Typed: input, Problem: problem})
			return
		}
		k.fail(c, err)
		return
	}
	done := "verified"
	if c.Param("action") == "reject" {
		done = "rejected"
	}
	k.redirectDone(c, basePath+"/verification", done)
}

// reviewedSo reports whether the record stands verified against the
// reference value (action verify) or rejected for the reason value
// (reject) by the signed-in admin: the form sent again after its first
// post did it, which is done, not refused. The second post of a double
// click read "was not verified: the record is verified" (a black-box
// pass). A record verified or rejected otherwise, or by another admin,
// stays refused.
func (k *Console) reviewedSo(c *gin.Context, kind string, id int64, action, value string) bool {
	r, err := k.cfg.Staff.RecordVerification(c.Request.Context(), kind, id)
	if err != nil || r.ReviewedByKeyID == nil || *r.ReviewedByKeyID != sessionOf(c).Actor.KeyID {
		return false
	}
	switch action {
	case "verify":
		return r.Status == vouchers.VerificationVerified && r.DocumentReference != nil && *r.DocumentReference == value
	case "reject":
		return r.Status == vouchers.VerificationRejected && r.RejectionReason != nil && *r.RejectionReason == value
	}
	return false
}

type keysView struct {
	Items   []access.KeyInfo
	Created *access.NewKey
	// A refused mint: its problem, and the form as typed.
	Problem *errorView
	Form    map[string]string
	// A refused revocation's problem, above the list.
	Refused *errorView
	// Once is the mint form's one-time token: the form posted twice mints
	// once (access.FormOnce).
	Once string
	// Agencies are chosen by name in the mint form and named in the list
	// (an admin typed an agency's id, read from elsewhere: a black-box
	// pass).
	Agencies []vouchers.Provider
}

// AgencyName is agency id by its code and name ("HRA Hartford Recovery
// Alliance"), as the other pages name agencies, or "" when none is known.
// The list read "Hartford Recovery Alliance 1", name and id run together
// (a console black-box pass of the forty-seventh stop).
func (v keysView) AgencyName(id *int64) string {
	if id == nil {
		return ""
	}
	for _, p := range v.Agencies {
		if p.ID == *id {
			return p.Code + " " + p.Name
		}
	}
	return ""
}

func (k *Console) keys(c *gin.Context) {
	k.keysPage(c, http.StatusOK, keysView{Once: randomToken()})
}

// keysPage shows the keys page v with the keys and agencies as they stand.
func (k *Console) keysPage(c *gin.Context, status int, v keysView) {
	ctx := c.Request.Context()
	var err error
	if v.Items, err = k.cfg.Vouchers.APIKeys(ctx); err != nil {
		k.fail(c, err)
		return
	}
	if v.Agencies, err = k.cfg.Vouchers.Providers(ctx); err != nil {
		k.fail(c, err)
		return
	}
	k.page(c, status, "keys", "API keys", v)
}

// createKey mints a key and shows it once, on this answer (never stored,
// never in a URL; the page is not cached).
func (k *Console) createKey(c *gin.Context) {
	nk, err := k.mintKey(c)
	if err != nil {
		// The form again, as typed, the problem above it.
		if problem, status, ok := refusedForm(err, "The key was not minted:"); ok {
			// A refusal wrote nothing, so its token may mint once still;
			// one the form was sent with before gets a fresh one.
			once := c.PostForm("once")
			var ce *rss.CodedError
			if (errors.As(err, &ce) && ce.Code == "form_already_sent") || !onceRe.MatchString(once) {
				once = randomToken()
			}
			k.keysPage(c, status, keysView{Problem: problem, Once: once, Form: map[string]string{
				"role": c.PostForm("role"), "provider_id": c.PostForm("provider_id"), "label": c.PostForm("label")}})
			return
		}
		k.fail(c, err)
		return
	}
	k.keysPage(c, http.StatusCreated, keysView{Created: &nk, Once: randomToken()})
}

// mintKey mints the key the form asks for.
func (k *Console) mintKey(c *gin.Context) (access.NewKey, error) {
	// Both of the form's own checks at once (one at a time, a second post
	// was told of the second: a console pass).
	vf := &rss.ValidationError{}
	var provider int64
	if p := c.PostForm("provider_id"); p != "" {
		var err error
		if provider, err = strconv.ParseInt(p, 10, 64); err != nil || provider <= 0 {
			vf.Add("provider_id", "invalid_value", "the provider id is a positive whole number")
		}
	}
	label, err := typed("label", "label", c.PostForm("label"), maxLabel, false)
	var ve *rss.ValidationError
	if errors.As(err, &ve) {
		vf.Fields = append(vf.Fields, ve.Fields...)
	} else if err != nil {
		return access.NewKey{}, err
	}
	if err := vf.Err(); err != nil {
		return access.NewKey{}, err
	}
	once, err := formToken(c)
	if err != nil {
		return access.NewKey{}, err
	}
	role := access.Role(c.PostForm("role"))
	nk, err := access.FormOnce(c.Request.Context(), once, "/console/keys", []string{string(role), strconv.FormatInt(provider, 10), label},
		func(k access.NewKey) int64 { return k.ID },
		func(ctx context.Context) (access.NewKey, error) {
			return k.cfg.Vouchers.CreateAPIKey(ctx, role, provider, label)
		})
	var sent *access.FormSent
	switch {
	case errors.As(err, &sent) && sent.Changed:
		return nk, rss.Coded(rss.ErrConflict, "form_already_sent", "this form was sent before with other values; load the page again")
	case errors.As(err, &sent):
		// The secret was shown once, on the first post's answer.
		return nk, rss.Coded(rss.ErrConflict, "form_already_sent", "this form was sent before and minted key #%d then, its secret shown once; "+
			"revoke it below if the secret was not copied", sent.ID)
	}
	return nk, err
}

// formToken is the one-time token a form carries (access.FormOnce); a form
// without one is from a page older than the token.
func formToken(c *gin.Context) (string, error) {
	once := c.PostForm("once")
	// Only the form a token is issued in (randomToken: URL-safe base64):
	// a NUL or bytes that are not UTF-8 reached the database as the
	// key's text and failed there, a 500 (a black-box pass).
	if !onceRe.MatchString(once) {
		return "", rss.Invalid("once", "invalid_value", "the form is out of date: load the page again")
	}
	return once, nil
}

// onceRe is the form of a one-time form token.
var onceRe = regexp.MustCompile(`^[A-Za-z0-9_-]{1,64}$`)

// revokeKey revokes a key; its console sessions end with it (a session's
// lookup requires its key unrevoked).
func (k *Console) revokeKey(c *gin.Context) {
	id, ok := k.idParam(c, "id")
	if !ok {
		return
	}
	// The reason the API's revocation takes, kept in the audit log: the
	// form sent none, so a key revoked in the console said nothing of why
	// (a console black-box pass).
	reason, err := typed("reason", "reason", c.PostForm("reason"), maxRevokeReason, false)
	if err == nil {
		_, err = k.cfg.Vouchers.RevokeAPIKey(c.Request.Context(), id, reason)
	}
	// Revoked already (the form sent twice, a double click): what it asks
	// stands, so it reads as done; it read "The key was not revoked" (a
	// black-box pass).
	var ce *rss.CodedError
	if errors.As(err, &ce) && ce.Code == "already_revoked" {
		err = nil
	}
	if err != nil {
		// The list again with the refusal above it (the last admin key,
		// one revoked already): it was a bare problem page (a black-box
		// pass).
		if problem, status, ok := refusedForm(err, "The key was not revoked:"); ok {
			k.keysPage(c, status, keysView{Refused: problem})
			return
		}
		k.fail(c, err)
		return
	}
	k.cfg.Keys.ForgetID(id)
	k.redirectDone(c, basePath+"/keys", "revoked")
}

// wellFormedAmount is an amount written as the API takes it, whatever its
// size: dollars with no leading zero, a point and two decimals.
var wellFormedAmount = regexp.MustCompile(`^(0|[1-9][0-9]*)\.[0-9]{2}$`)
