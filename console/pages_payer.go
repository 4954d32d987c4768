package console

import (
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"

	"github.com/gin-gonic/gin"

	"rss"
	"rss/access"
	"rss/billing"
)

// Finance: the payer's answers (TA1, 999, 277CA, 835), through the billing
// service methods POST/GET /v1/payer-files and GET /v1/reconciliation call.

type payerFilesView struct {
	Items   []billing.PayerFile
	Problem *errorView
	Next    string
}

func (k *Console) payerFiles(c *gin.Context) {
	k.showPayerFiles(c, http.StatusOK, nil)
}

// showPayerFiles is the list with the upload form; a refused upload shows
// its problem above the form.
func (k *Console) showPayerFiles(c *gin.Context, status int, problem *errorView) {
	list, err := k.cfg.Billing.PayerFiles(c.Request.Context(), "", k.pageOf(c))
	if err != nil {
		k.fail(c, err)
		return
	}
	k.page(c, status, "payer_files", "Payer files", payerFilesView{Items: list.Items, Problem: problem, Next: nextPage(c, list.NextCursor)})
}

func (k *Console) payerFile(c *gin.Context) {
	id, ok := k.idParam(c, "id")
	if !ok {
		return
	}
	f, err := k.cfg.Billing.PayerFile(c.Request.Context(), id)
	if err != nil {
		k.fail(c, err)
		return
	}
	k.page(c, http.StatusOK, "payer_file", f.Kind+" file "+strconv.FormatInt(id, 10), f)
}

// uploadPayerFile imports the file of the multipart form (field "file"),
// as POST /v1/payer-files does with a raw body; then the file's page says
// what it posted, or that the same bytes were imported before. A file the
// readers refuse is shown on the list with the reader's segment position,
// and nothing is written.
func (k *Console) uploadPayerFile(c *gin.Context) {
	fh, err := c.FormFile("file")
	if err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			k.showPayerFiles(c, http.StatusRequestEntityTooLarge, &errorView{Message: "The file is larger than rss accepts."})
			return
		}
		k.showPayerFiles(c, http.StatusUnprocessableEntity, &errorView{Message: "Choose the payer's TA1, 999, 277CA or 835 file to import."})
		return
	}
	f, err := fh.Open()
	if err != nil {
		k.fail(c, err)
		return
	}
	defer f.Close()
	body, err := io.ReadAll(f)
	if err != nil {
		k.fail(c, err)
		return
	}
	pf, err := k.cfg.Billing.ImportPayerFile(c.Request.Context(), body)
	if err != nil {
		var v *rss.ValidationError
		if errors.As(err, &v) {
			// The API's problem names its request body; here that is the file field.
			fields := make([]rss.FieldError, len(v.Fields))
			for i, f := range v.Fields {
				if f.Field == "body" {
					f.Field = "file"
					if f.Code == "required" {
						f.Message = "the file is empty: choose the payer's TA1, 999, 277CA or 835 file"
					}
				}
				fields[i] = f
			}
			k.showPayerFiles(c, http.StatusUnprocessableEntity, &errorView{Message: "The file was not imported and nothing was recorded:", Fields: fields})
			return
		}
		var ce *rss.CodedError
		if errors.As(err, &ce) && errors.Is(err, rss.ErrConflict) {
			k.showPayerFiles(c, http.StatusConflict, &errorView{Message: "The file was not imported: " + ce.Message + "."})
			return
		}
		k.fail(c, err)
		return
	}
	done := "imported"
	if pf.AlreadyImported {
		done = "already_imported"
	}
	k.redirectDone(c, basePath+"/payer-files/"+strconv.FormatInt(pf.ID, 10), done)
}

type reconciliationView struct {
	Batch, Provider, From, To string
	// Providers is the agency menu, by code and name as every page names
	// them: the form asked for rss's numeric id, and a finance officer
	// typing ECRA was refused (a console black-box pass).
	Providers []providerOption
	Report    *billing.Reconciliation
	CSV       string
}

// reconciliation shows the form and, once it names a batch or a date
// range, the reconciliation with a link to the same as CSV
// (?format=csv).
func (k *Console) reconciliation(c *gin.Context) {
	v := reconciliationView{Batch: c.Query("batch"), Provider: c.Query("provider"), From: c.Query("from"), To: c.Query("to")}
	format := c.DefaultQuery("format", "html")
	if format != "html" && format != "csv" {
		k.badInput(c, "format", "format is html or csv")
		return
	}
	if v.Batch == "" && v.Provider == "" && v.From == "" && v.To == "" {
		// The empty form is finance's and the admin's, as the reconciliation
		// is: another role met a form that could only be refused (a
		// black-box pass).
		if r := sessionOf(c).Actor.Role; r != access.RoleFinance && r != access.RoleAdmin {
			k.fail(c, rss.ErrForbidden)
			return
		}
	}
	if format == "html" {
		providers, err := k.cfg.Vouchers.Providers(c.Request.Context())
		if err != nil {
			k.fail(c, err)
			return
		}
		for _, p := range providers {
			v.Providers = append(v.Providers, providerOption{ID: strconv.FormatInt(p.ID, 10), Label: p.Code + " " + p.Name})
		}
	}
	if v.Batch == "" && v.Provider == "" && v.From == "" && v.To == "" {
		k.page(c, http.StatusOK, "reconciliation", "Reconciliation", v)
		return
	}
	f, err := reconcileFilter(v)
	if err == nil {
		var rep billing.Reconciliation
		if rep, err = k.cfg.Billing.Reconcile(c.Request.Context(), f); err == nil {
			if format == "csv" {
				c.Header("Content-Type", "text/csv; charset=utf-8")
				c.Header("Content-Disposition", `attachment; filename="reconciliation.csv"`)
				c.Header("X-Redisclosure-Notice", billing.Part2Notice)
				c.Status(http.StatusOK)
				_ = rep.WriteCSV(c.Writer)
				return
			}
			q := c.Request.URL.Query()
			q.Set("format", "csv")
			v.Report, v.CSV = &rep, basePath+"/reconciliation?"+q.Encode()
			k.page(c, http.StatusOK, "reconciliation", "Reconciliation", v)
			return
		}
	}
	// A batch or agency that does not exist is a refused filter, named,
	// with the way back to the form, as every other refused filter of
	// the page is (it was a bare "Not found." page: a re-check). The
	// reconciliation is the MSC's: nothing is disclosed by saying so.
	if errors.Is(err, rss.ErrNotFound) {
		field, id := "batch", f.BatchID
		if strings.Contains(err.Error(), "provider") {
			field, id = "provider", f.ProviderID
		}
		k.badInput(c, field, fmt.Sprintf("there is no %s %d", field, id))
		return
	}
	k.fail(c, err)
}

// reconcileFilter reads the form's ids and dates; the service checks
// their combination.
func reconcileFilter(v reconciliationView) (billing.ReconcileFilter, error) {
	e := &rss.ValidationError{}
	var f billing.ReconcileFilter
	id := func(s, field string) int64 {
		if s == "" {
			return 0
		}
		n, err := strconv.ParseInt(s, 10, 64)
		if err != nil || n <= 0 {
			e.Add(field, "invalid_value", "%s is an id, a positive whole number", field)
		}
		return n
	}
	f.BatchID, f.ProviderID = id(v.Batch, "batch"), id(v.Provider, "provider")
	f.From = formDate(e, "from", v.From, "the date is YYYY-MM-DD")
	f.To = formDate(e, "to", v.To, "the date is YYYY-MM-DD")
	return f, e.Err()
}
