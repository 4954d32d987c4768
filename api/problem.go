package api

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"sync/atomic"

	"github.com/gin-gonic/gin"

	"rss"
	"rss/pg"
	"rss/x12"
)

// Problem is an RFC 9457 problem document with a stable code and per-field errors.
type Problem struct {
	Type      string           `json:"type"`
	Title     string           `json:"title"`
	Status    int              `json:"status"`
	Detail    string           `json:"detail,omitempty"`
	Code      string           `json:"code"`
	Instance  string           `json:"instance,omitempty"`
	RequestID string           `json:"request_id,omitempty"`
	Errors    []rss.FieldError `json:"errors,omitempty"`
	// Reasons are the reason codes (GET /v1/reason-codes) behind a refusal
	// the rules made, such as an approval the deny rules now refuse.
	Reasons []string `json:"reasons,omitempty"`
	// Existing is the caller's own record a conflict found on file.
	Existing *rss.Ref `json:"existing,omitempty"`
	// Overlaps are the other agencies' authorizations, by number, a
	// reviewer's reactivation would be given back over (MSC keys only).
	Overlaps []string `json:"overlaps,omitempty"`
}

const problemBase = "https://rss.invalid/problems/"

// kinds maps each error kind to its status and default code: the one table
// the API uses to turn domain errors into HTTP.
var kinds = []struct {
	err    error
	status int
	code   string
	title  string
}{
	{pg.ErrKeyReused, http.StatusUnprocessableEntity, "idempotency_key_reused", "Idempotency-Key reused"},
	{rss.ErrInvalid, http.StatusUnprocessableEntity, "validation_failed", "The request is not valid"},
	{rss.ErrNotFound, http.StatusNotFound, "not_found", "Not found"},
	{rss.ErrConflict, http.StatusConflict, "conflict", "Conflict with the current state"},
	{rss.ErrForbidden, http.StatusForbidden, "forbidden", "Not allowed for this API key"},
	{rss.ErrUnavailable, http.StatusServiceUnavailable, "unavailable", "Service unavailable"},
	// A batch whose stored data the 837P cannot carry: the request is
	// sound, the state it meets is not.
	{x12.ErrInvalid, http.StatusConflict, "x12_invalid", "The data cannot be written as an 837P"},
}

// problemFor builds the problem for err.
func problemFor(err error) Problem {
	err = pg.Classify(err)
	for _, k := range kinds {
		if !errors.Is(err, k.err) {
			continue
		}
		p := Problem{Status: k.status, Code: k.code, Title: k.title, Detail: err.Error()}
		var ve *rss.ValidationError
		if errors.As(err, &ve) {
			p.Errors = ve.Fields
			p.Detail = "one or more fields are invalid"
		}
		var ce *rss.CodedError
		if errors.As(err, &ce) {
			p.Code, p.Detail, p.Reasons, p.Existing, p.Overlaps = ce.Code, ce.Message, ce.Reasons, ce.Existing, ce.Overlaps
		}
		return p
	}
	return Problem{Status: http.StatusInternalServerError, Code: "internal_error", Title: "Internal error", Detail: "internal error"}
}

// fail writes err as a problem. Internal errors are logged with the request
// id (never the body) and shown to the caller only as "internal error".
func fail(c *gin.Context, err error) {
	if errors.Is(c.Request.Context().Err(), context.Canceled) {
		// The client hung up before the answer (a timeout of its own, a
		// closed tab): what was under way was rolled back with its context
		// and nobody reads this answer. Not a server failure: 499 (nginx's
		// "client closed request") in the metrics and an info line, where it
		// was an ERROR and a 500 (found by a black-box pass).
		abandoned(c)
		return
	}
	p := problemFor(err)
	logFailure(c.Request.Context(), logger(c), requestID(c), c.FullPath(), p, err)
	writeProblem(c, p)
}

// abandoned answers a request whose client went away: nobody reads the
// answer, so it is for the log and the metrics, an info line and a 499.
func abandoned(c *gin.Context) {
	// Cut off by a shutdown that timed out, it is the server's doing: it
	// read as the client's, 499 (an on-call pass).
	if cut, ok := c.Get(ctxCutting); ok && cut.(*atomic.Bool).Load() {
		logger(c).WarnContext(c.Request.Context(), "request cut off by the shutdown", "request_id", requestID(c), "route", c.FullPath())
		writeProblem(c, Problem{Status: http.StatusServiceUnavailable, Code: "shutting_down", Title: "Shutting down",
			Detail: "the server shut down before the answer; what was under way was rolled back: send it again"})
		return
	}
	logger(c).InfoContext(c.Request.Context(), "request abandoned by the client", "request_id", requestID(c), "route", c.FullPath())
	writeProblem(c, Problem{Status: StatusClientClosedRequest, Code: "client_closed_request", Title: "Client closed the request",
		Detail: "the client closed the connection before the answer; nothing was written"})
}

// StatusClientClosedRequest is the status of a request whose client went
// away before its answer (nginx's 499; no standard code says it).
const StatusClientClosedRequest = 499

// logFailure logs a 5xx answer: the request id, the route and the error
// with any database message reduced to its SQLSTATE and constraint, since
// the server's text can quote the input. An unreachable database is a
// warning: it is expected to come back.
func logFailure(ctx context.Context, log *slog.Logger, id, route string, p Problem, err error) {
	if p.Status < 500 {
		return
	}
	level := slog.LevelError
	if p.Status == http.StatusServiceUnavailable {
		level = slog.LevelWarn
	}
	log.Log(ctx, level, "request failed", "request_id", id, "route", route, "status", p.Status, "error", pg.LogText(err))
}

func writeProblem(c *gin.Context, p Problem) {
	p.Type = problemBase + p.Code
	// As sent, its escapes kept (a URI reference): decoded, a 404 for
	// /v1/clients/1%2Fenrollments named /v1/clients/1/enrollments, another
	// URL that answers 200 (a new-user pass).
	p.Instance = c.Request.URL.EscapedPath()
	p.RequestID = requestID(c)
	c.Set(ctxProblem, p.Code) // for the request's log line
	c.Header("Content-Type", "application/problem+json")
	c.AbortWithStatusJSON(p.Status, p)
}

// problem writes a problem with an explicit status and code.
func problem(c *gin.Context, status int, code, title, detail string, fields ...rss.FieldError) {
	writeProblem(c, Problem{Status: status, Code: code, Title: title, Detail: detail, Errors: fields})
}
