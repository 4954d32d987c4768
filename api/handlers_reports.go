package api

import (
	"context"
	"errors"
	"mime"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/gin-gonic/gin"

	"rss"
	"rss/reports"
)

// report answers one report of the reports domain: the domain checks the
// filter and the actor before a byte is written, then streams the rows as
// JSON or, asked by ?format=csv or Accept: text/csv, as CSV led by the
// Part 2 notice.
func (s *Server) report(build func(*reports.Service, context.Context, url.Values) (*reports.Report, error)) gin.HandlerFunc {
	return func(c *gin.Context) {
		q := c.Request.URL.Query()
		asCSV, ok := wantsCSV(c, q)
		if !ok {
			return
		}
		rep, err := build(s.rep, c.Request.Context(), q)
		if err != nil {
			fail(c, err)
			return
		}
		h := c.Writer.Header()
		h.Set("X-Redisclosure-Notice", rss.Part2Notice)
		if asCSV {
			h.Set("Content-Type", "text/csv; charset=utf-8")
			h.Set("Content-Disposition", `attachment; filename="`+rep.Name+`.csv"`)
		} else {
			h.Set("Content-Type", "application/json; charset=utf-8")
		}
		c.Status(http.StatusOK)
		if err := rep.Write(c.Request.Context(), c.Writer, asCSV); err != nil {
			if !c.Writer.Written() {
				// Nothing went out (the snapshot, the query or the audit
				// failed first): a problem, logged, not an empty reply.
				h.Del("Content-Disposition")
				fail(c, err)
				return
			}
			// The answer has begun: cut it short so the client sees a
			// broken body, not a short report. Its cause is logged first
			// (an error, or the client's leaving): it went into c.Errors,
			// which nothing reads (a white-box review).
			if errors.Is(c.Request.Context().Err(), context.Canceled) {
				logger(c).InfoContext(c.Request.Context(), "report cut short: the client went away", "request_id", requestID(c),
					"route", c.FullPath())
			} else {
				logFailure(c.Request.Context(), logger(c), requestID(c), c.FullPath(), Problem{Status: http.StatusInternalServerError}, err)
			}
			panic(http.ErrAbortHandler)
		}
	}
}

// wantsCSV reads the format: ?format=csv|json wins over Accept. The answer
// says it varies by Accept, so no cache hands a CSV to a JSON caller.
func wantsCSV(c *gin.Context, q url.Values) (csv, ok bool) {
	c.Header("Vary", "Accept")
	switch f := q.Get("format"); {
	case f == "csv":
		return true, true
	case f == "json":
		return false, true
	case f != "" || q.Has("format"):
		// An empty ?format= is a bad value like any other, not "absent".
		fail(c, rss.Invalid("format", "invalid_value", "format must be json or csv"))
		return false, false
	}
	return acceptsCSV(accept(c)), true
}

// accept is the request's Accept as one list: a second Accept line is part
// of it (RFC 9110 5.3), not ignored.
func accept(c *gin.Context) string {
	return strings.Join(c.Request.Header.Values("Accept"), ",")
}

// acceptsCSV reads Accept with its weights: CSV when text/csv (or text/*)
// is named with a weight above zero and no JSON type (application/json,
// application/*, */*) weighs more. The most specific range names a type's
// weight (RFC 9110 12.5.1): "text/csv;q=0, text/*" refuses CSV. A client
// that weighs JSON above CSV gets JSON; a tie goes to the CSV the caller
// named. text/* alone got JSON, which it does not accept (a black-box pass).
func acceptsCSV(accept string) bool {
	csvQ, csvRangeQ, jsonQ := -1.0, -1.0, -1.0
	for _, part := range strings.Split(accept, ",") {
		mt, params, err := mime.ParseMediaType(strings.TrimSpace(part))
		if err != nil {
			continue
		}
		q := 1.0
		if w, ok := params["q"]; ok {
			v, err := strconv.ParseFloat(w, 64)
			if err != nil || !(v >= 0 && v <= 1) {
				continue
			}
			q = v
		}
		switch mt {
		case "text/csv":
			csvQ = max(csvQ, q)
		case "text/*":
			csvRangeQ = max(csvRangeQ, q)
		case "application/json", "application/*", "*/*":
			jsonQ = max(jsonQ, q)
		}
	}
	if csvQ < 0 {
		csvQ = csvRangeQ
	}
	return csvQ > 0 && csvQ >= jsonQ
}
