package api

import (
	"context"
	"mime"
	"net/http"

	"github.com/gin-gonic/gin"

	"rss/billing"
	"rss/pg"
)

// importPayerFile takes the payer's X12 file as the raw body: 201 with
// what it posted, or 200 with the earlier import when the
// same bytes were imported before.
func (s *Server) importPayerFile(c *gin.Context) {
	if ct := c.GetHeader("Content-Type"); ct != "" {
		mt, params, _ := mime.ParseMediaType(ct)
		switch mt {
		case "application/edi-x12", "text/plain", "application/octet-stream":
		default:
			problem(c, http.StatusUnsupportedMediaType, "unsupported_media_type", "Unsupported media type",
				"send the X12 file as its raw bytes, typed application/edi-x12, text/plain or application/octet-stream (or untyped)")
			return
		}
		// X12's character sets are ASCII: a file declared in UTF-16 was
		// read byte by byte and refused as "does not start with an ISA
		// segment" (a payer black-box pass).
		if !utf8Charset(params) {
			problem(c, http.StatusUnsupportedMediaType, "unsupported_media_type", "Unsupported media type",
				"send the X12 file in ASCII or UTF-8 (charset=utf-8, us-ascii or none)")
			return
		}
	}
	body, err := readBody(c)
	if err != nil {
		return
	}
	render := func(f billing.PayerFile) pg.Answer {
		if f.AlreadyImported {
			return okJSON(f)
		}
		return createdJSON(f)
	}
	post(c, render, func(ctx context.Context) (billing.PayerFile, error) { return s.b.ImportPayerFile(ctx, body) })
}

func (s *Server) listPayerFiles(c *gin.Context) {
	p, ok := page(c, "kind")
	if !ok {
		return
	}
	out, err := s.b.PayerFiles(c.Request.Context(), c.Query("kind"), p)
	respond(c, http.StatusOK, out, err)
}

func (s *Server) getPayerFile(c *gin.Context) {
	id, ok := pathID(c, "file_id")
	if !ok {
		return
	}
	if !knownQuery(c) {
		return
	}
	out, err := s.b.PayerFile(c.Request.Context(), id)
	respond(c, http.StatusOK, out, err)
}

// reconciliation answers JSON or, asked by ?format=csv or Accept: text/csv,
// CSV led by the Part 2 notice, as the reports do.
func (s *Server) reconciliation(c *gin.Context) {
	// As a list or a report: a misspelt or repeated filter (provider
	// given twice) is refused, not answered as the wider reconciliation.
	if !knownQuery(c, "batch", "from", "to", "provider", "format") {
		return
	}
	asCSV, ok := wantsCSV(c, c.Request.URL.Query())
	if !ok {
		return
	}
	var f billing.ReconcileFilter
	if f.BatchID, ok = queryInt(c, "batch"); !ok {
		return
	}
	if f.ProviderID, ok = queryInt(c, "provider"); !ok {
		return
	}
	if f.From, ok = queryDate(c, "from"); !ok {
		return
	}
	if f.To, ok = queryDate(c, "to"); !ok {
		return
	}
	rep, err := s.b.Reconcile(c.Request.Context(), f)
	if err != nil {
		fail(c, err)
		return
	}
	h := c.Writer.Header()
	h.Set("X-Redisclosure-Notice", billing.Part2Notice)
	if asCSV {
		h.Set("Content-Type", "text/csv; charset=utf-8")
		h.Set("Content-Disposition", `attachment; filename="reconciliation.csv"`)
		c.Status(http.StatusOK)
		_ = rep.WriteCSV(c.Writer)
		return
	}
	h.Set("Content-Type", "application/json; charset=utf-8")
	c.Status(http.StatusOK)
	_ = rep.WriteJSON(c.Writer)
}
