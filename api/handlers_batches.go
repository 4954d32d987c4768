package api

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"strconv"

	"github.com/gin-gonic/gin"

	"rss/billing"
)

func (s *Server) createBatch(c *gin.Context) {
	var n billing.NewBatch
	body, ok, err := decodeStrict(c, &n)
	if ok && err != nil {
		decodeProblem(c, err, body, &n)
	}
	if !ok || err != nil {
		return
	}
	n.ExpectNull = n.Expect == nil && memberIsNull(body, "expect")
	post(c, createdJSON[billing.Batch], func(ctx context.Context) (billing.Batch, error) { return s.b.CreateBatch(ctx, n) })
}

func (s *Server) listBatches(c *gin.Context) {
	p, ok := page(c, "payer_route")
	if !ok {
		return
	}
	out, err := s.b.Batches(c.Request.Context(), c.Query("payer_route"), p)
	respond(c, http.StatusOK, out, err)
}

// previewBatch answers what closing a batch would take now, writing
// nothing; its totals are what a close's expect names.
func (s *Server) previewBatch(c *gin.Context) {
	if !knownQuery(c, "payer_route", "through_date") {
		return
	}
	through, ok := queryDate(c, "through_date")
	if !ok {
		return
	}
	out, err := s.b.PreviewBatch(c.Request.Context(), billing.NewBatch{PayerRoute: c.Query("payer_route"), ThroughDate: through})
	respond(c, http.StatusOK, out, err)
}

func (s *Server) getBatch(c *gin.Context) {
	id, ok := pathID(c, "batch_id")
	if !ok {
		return
	}
	if !knownQuery(c) {
		return
	}
	out, err := s.b.Batch(c.Request.Context(), id)
	respond(c, http.StatusOK, out, err)
}

// batchFile streams the batch's 837P or payment register. The file is
// built in a temporary file first, so its SHA-256 can lead the response and
// a failure half-way never reaches the caller as a truncated 200.
func (s *Server) batchFile(c *gin.Context) {
	id, ok := pathID(c, "batch_id")
	if !ok {
		return
	}
	if !knownQuery(c) {
		return
	}
	path, file, err := s.b.ExportFile(c.Request.Context(), id, "")
	if err != nil {
		fail(c, err)
		return
	}
	defer os.Remove(path)
	ct, ext := "text/csv; charset=utf-8", "csv"
	if file.Kind == billing.Kind837P {
		ct, ext = "application/edi-x12", "x12"
	}
	s.serveFile(c, path, ct, fmt.Sprintf("batch-%d-%s.%s", id, file.Kind, ext), file.SHA256)
}

func (s *Server) serveFile(c *gin.Context, path, contentType, name, sha string) {
	f, err := os.Open(path)
	if err != nil {
		fail(c, err)
		return
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		fail(c, err)
		return
	}
	h := c.Writer.Header()
	h.Set("Content-Type", contentType)
	h.Set("Content-Disposition", `attachment; filename="`+name+`"`)
	h.Set("Content-Length", strconv.FormatInt(st.Size(), 10))
	if sha != "" {
		h.Set("X-Content-SHA256", sha)
	}
	// The CSV and JSON files carry the notice inside; the 837P has no place
	// for free text, so every download also carries it as a header.
	h.Set("X-Redisclosure-Notice", billing.Part2Notice)
	c.Status(http.StatusOK)
	_, _ = io.Copy(c.Writer, f)
}

func (s *Server) batchAdvice(c *gin.Context) {
	id, ok := pathID(c, "batch_id")
	if !ok {
		return
	}
	provider, ok := pathID(c, "provider_id")
	if !ok {
		return
	}
	if !knownQuery(c, "format") {
		return
	}
	// format=csv|json decides (billing refuses any other); without it
	// Accept does, weighed as the reports weigh it: a finance officer's
	// "Accept: text/csv" gets the CSV, not JSON.
	format := c.Query("format")
	c.Header("Vary", "Accept")
	if !c.Request.URL.Query().Has("format") {
		format = "json"
		if acceptsCSV(accept(c)) {
			format = "csv"
		}
	}
	f, err := os.CreateTemp("", "rss-advice-*")
	if err != nil {
		fail(c, err)
		return
	}
	defer os.Remove(f.Name())
	defer f.Close()
	if err := s.b.Advice(c.Request.Context(), id, provider, format, f); err != nil {
		fail(c, err)
		return
	}
	if err := f.Sync(); err != nil {
		fail(c, err)
		return
	}
	ct := "application/json"
	if format == "csv" {
		ct = "text/csv; charset=utf-8"
	}
	s.serveFile(c, f.Name(), ct, fmt.Sprintf("remittance-%d-%d.%s", id, provider, format), "")
}

func (s *Server) listHolds(c *gin.Context) {
	p, ok := page(c, "claim_id", "payer_route")
	if !ok {
		return
	}
	claim, ok := queryInt(c, "claim_id")
	if !ok {
		return
	}
	out, err := s.b.Holds(c.Request.Context(), claim, c.Query("payer_route"), p)
	respond(c, http.StatusOK, out, err)
}

// providerRemittances lists the batches that report an agency's claims,
// newest first, each with the agency's totals: the list a provider picks
// its remittance advice from. A provider may not list batches, and a claim
// the rules denied whole names no batch (none took its lines), so an
// agency whose claims in a batch were all denied had no way to the advice
// that reports them; the console had this list (a new-user pass).
func (s *Server) providerRemittances(c *gin.Context) {
	id, ok := pathID(c, "provider_id")
	if !ok || !knownQuery(c) {
		return
	}
	out, err := s.b.ProviderBatches(c.Request.Context(), id)
	respond(c, http.StatusOK, items(out), err)
}

// releaseHold is the MSC's release of a claim held out of batches for a
// staff record of adverse news (its reason required): the claim goes into
// the next batch.
func (s *Server) releaseHold(c *gin.Context) {
	postReason(c, "claim_id", s.b.ReleaseHold)
}
