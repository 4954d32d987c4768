package api

import (
	"bytes"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"log/slog"
	"maps"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/gin-gonic/gin"

	"rss"
	"rss/access"
	"rss/pg"
)

const (
	ctxBody      = "rss.body"
	ctxRequestID = "rss.request_id"
	ctxActor     = "rss.actor"
	ctxLogger    = "rss.logger"
	ctxIdem      = "rss.idempotency"
	ctxCutting   = "rss.cutting"
	ctxProblem   = "rss.problem"
)

// logger is the server's configured logger (slog's default before observe runs).
func logger(c *gin.Context) *slog.Logger {
	if l, ok := c.Get(ctxLogger); ok {
		return l.(*slog.Logger)
	}
	return slog.Default()
}

func requestID(c *gin.Context) string { return c.GetString(ctxRequestID) }

// withRequestID takes a sane X-Request-Id from the caller or makes one.
func withRequestID() gin.HandlerFunc {
	return func(c *gin.Context) {
		id := c.GetHeader("X-Request-Id")
		if len(id) == 0 || len(id) > 64 || strings.ContainsFunc(id, func(r rune) bool { return r < '!' || r > '~' }) {
			b := make([]byte, 8)
			_, _ = rand.Read(b)
			id = hex.EncodeToString(b)
		}
		c.Set(ctxRequestID, id)
		c.Header("X-Request-Id", id)
		c.Next()
	}
}

// noStore marks every /v1 answer, problems included, as not to be kept by
// any cache (a browser's, a proxy's): they carry client records, which
// Part 2 lets no one keep without a consent. nosniff keeps a browser from
// reading a CSV or problem as anything but what it says it is.
func noStore() gin.HandlerFunc {
	return func(c *gin.Context) {
		setNoStore(c)
		c.Next()
	}
}

func setNoStore(c *gin.Context) {
	c.Header("Cache-Control", "no-store")
	c.Header("X-Content-Type-Options", "nosniff")
}

// unhurriedWrite is how long a request whose work may take minutes (a bulk
// of claims, a batch close or download, a payer file's import, a
// reconciliation, a report at size) has to write its answer.
const unhurriedWrite = 30 * time.Minute

// unhurried lifts the server's write deadline (rss serve: 120 s, which
// guards against clients that read slowly) for such a request: an 835
// import that ran 124 s committed and was logged 201 while its client got
// an empty reply (a black-box pass; the README tells clients to allow
// minutes for a large one).
func unhurried() gin.HandlerFunc {
	return func(c *gin.Context) {
		// A writer with no deadline to set (a test's recorder) has none to lift.
		_ = http.NewResponseController(c.Writer).SetWriteDeadline(time.Now().Add(unhurriedWrite))
		c.Next()
	}
}

// knownMethod is the method as metrics and logs name it: any other than the
// standard ones is OTHER. A client may send any token as a method, and
// each became a series of its own, never freed (300 made-up methods made
// 5,117 series, unauthenticated; a black-box pass).
func knownMethod(m string) string {
	switch m {
	case http.MethodGet, http.MethodHead, http.MethodPost, http.MethodPut, http.MethodPatch, http.MethodDelete, http.MethodOptions:
		return m
	}
	return "OTHER"
}

// observe logs one line per request and feeds the metrics. Only ids, the
// route template, status and timing are logged: never bodies, names or
// query strings, so no PHI reaches the logs.
func observe(m *metrics, log *slog.Logger) gin.HandlerFunc {
	return func(c *gin.Context) {
		start := time.Now()
		c.Set(ctxLogger, log)
		c.Set(ctxCutting, &m.cutting)
		m.inFlight.Add(1)
		// Deferred, so that an answer cut short (http.ErrAbortHandler,
		// which net/http swallows) is still counted, logged and taken out
		// of flight: a report cut off mid-stream left no line, no count,
		// and the in-flight gauge one higher for good (a white-box review).
		cut := true
		defer func() {
			m.inFlight.Add(-1)
			if cut {
				r := recover()
				m.finish(c, log, start, true)
				panic(r)
			}
		}()
		c.Next()
		cut = false
		m.finish(c, log, start, false)
	}
}

// finish counts and logs one request; cut says its answer was cut short
// after it began (the log line says so, and the status is what was sent).
func (m *metrics) finish(c *gin.Context, log *slog.Logger, start time.Time, cut bool) {
	{
		route := c.FullPath()
		if route == "" {
			route = "unmatched"
		}
		status := c.Writer.Status()
		elapsed := time.Since(start)
		method := knownMethod(c.Request.Method)
		if head, _ := c.Request.Context().Value(headKey{}).(bool); head {
			method = http.MethodHead
		}
		m.requests.WithLabelValues(method, route, strconv.Itoa(status)).Inc()
		m.duration.WithLabelValues(method, route).Observe(elapsed.Seconds())
		attrs := []any{"request_id", requestID(c), "method", method, "route", route, "status", status,
			"duration_ms", float64(elapsed.Microseconds()) / 1000}
		// The API's actor, else the console session's, which its pages
		// carry in the request's context: console lines had neither (an
		// on-call pass).
		if a, ok := c.Get(ctxActor); ok {
			actor := a.(access.Actor)
			attrs = append(attrs, "key_id", actor.KeyID, "role", string(actor.Role))
		} else if actor, err := access.ActorFrom(c.Request.Context()); err == nil {
			attrs = append(attrs, "key_id", actor.KeyID, "role", string(actor.Role))
		}
		if c.GetHeader("Idempotent-Replayed") != "" || c.Writer.Header().Get("Idempotent-Replayed") != "" {
			attrs = append(attrs, "replayed", true)
		}
		// The problem's code, a fixed identifier (never its detail, which
		// may quote input): the line read a 422 with nothing of why, where
		// the README promises ids and codes (an on-call black-box pass of
		// the forty-seventh stop).
		if code := c.GetString(ctxProblem); code != "" {
			attrs = append(attrs, "code", code)
		}
		if cut {
			attrs = append(attrs, "cut_short", true)
		}
		log.LogAttrs(c.Request.Context(), slog.LevelInfo, "request", slogAttrs(attrs)...)
	}
}

func slogAttrs(kv []any) []slog.Attr {
	out := make([]slog.Attr, 0, len(kv)/2)
	for i := 0; i+1 < len(kv); i += 2 {
		out = append(out, slog.Any(kv[i].(string), kv[i+1]))
	}
	return out
}

// recoverProblem turns a panic into a 500 problem and logs the route only.
func recoverProblem() gin.HandlerFunc {
	return func(c *gin.Context) {
		defer func() {
			if r := recover(); r != nil {
				if err, ok := r.(error); ok && errors.Is(err, http.ErrAbortHandler) {
					panic(r)
				}
				logger(c).Error("panic", "request_id", requestID(c), "route", c.FullPath())
				if !c.Writer.Written() {
					problem(c, http.StatusInternalServerError, "internal_error", "Internal error", "internal error")
				}
				c.Abort()
			}
		}()
		c.Next()
	}
}

// retryAfterSeconds is what a 503 asks the caller to wait: about what a
// PostgreSQL restart takes.
const retryAfterSeconds = "2"

// retryAfter gives every 503 a Retry-After, whichever handler wrote it.
func retryAfter() gin.HandlerFunc {
	return func(c *gin.Context) {
		c.Writer = &retryAfterWriter{ResponseWriter: c.Writer}
		c.Next()
	}
}

type retryAfterWriter struct{ gin.ResponseWriter }

// Unwrap lets http.ResponseController reach the connection's writer
// through this one (unhurried's write deadline): embedding gin's interface
// promotes none of the methods the controller looks for, so the deadline
// was never lifted on the server's routes and an 835 import that ran past
// the 120 s write timeout committed while its client got an empty reply (a
// payer black-box pass of the thirty-eighth stop, after the test of
// unhurried had passed on a bare router).
func (w *retryAfterWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

func (w *retryAfterWriter) WriteHeader(code int) {
	if code == http.StatusServiceUnavailable && w.Header().Get("Retry-After") == "" {
		w.Header().Set("Retry-After", retryAfterSeconds)
	}
	w.ResponseWriter.WriteHeader(code)
}

// maxPathParam is longer than any id or code a path can name.
const maxPathParam = 255

// wellFormed refuses, for every route at once, the bytes that no handler
// can use and that would otherwise reach PostgreSQL (which refuses NUL and
// invalid UTF-8 in text with an error, not an empty result): in a path
// parameter (404, as an id that does not exist), a query parameter (422
// naming it) or a POST's Idempotency-Key (400).
// maxQueryPairs is how many name=value pairs net/url reads in a query
// (its default limit, GODEBUG urlmaxqueryparams); past it, it reads none.
const maxQueryPairs = 10000

func wellFormed() gin.HandlerFunc {
	return func(c *gin.Context) {
		for _, p := range c.Params {
			if len(p.Value) > maxPathParam || !cleanText(p.Value) {
				problem(c, http.StatusNotFound, "not_found", "Not found", "no such "+strings.TrimSuffix(p.Key, "_id"))
				return
			}
		}
		// URL.Query drops a pair it cannot read ("a;b", "%zz") without a
		// word, so a filter written with a semicolon or a bad escape would
		// vanish and the list or report would answer unfiltered.
		// Past maxQueryPairs pairs Go reads none: that is said as such,
		// not as a malformed query (a re-check).
		if strings.Count(c.Request.URL.RawQuery, "&") >= maxQueryPairs {
			problem(c, http.StatusUnprocessableEntity, "validation_failed", "The request is not valid", "invalid query parameter",
				rss.FieldError{Field: "query", Code: "too_many", Message: "the query string holds more than " + strconv.Itoa(maxQueryPairs) + " parameters"})
			return
		}
		q, err := url.ParseQuery(c.Request.URL.RawQuery)
		if err != nil {
			problem(c, http.StatusUnprocessableEntity, "validation_failed", "The request is not valid", "invalid query parameter",
				rss.FieldError{Field: "query", Code: "malformed", Message: "the query string must be name=value pairs joined by &, percent-encoded"})
			return
		}
		for name, values := range q {
			bad := !cleanQuery(name)
			for _, v := range values {
				bad = bad || !cleanQuery(v)
			}
			if bad {
				field := name
				if !cleanQuery(name) {
					field = "query"
				}
				problem(c, http.StatusUnprocessableEntity, "validation_failed", "The request is not valid", "invalid query parameter",
					rss.FieldError{Field: field, Code: "invalid_character",
						Message: "query parameters must be UTF-8 text without control or invisible formatting characters"})
				return
			}
		}
		// No write of the API takes a query parameter: one sent is a slip
		// (a dry run that is no such thing), refused as a GET refuses one
		// it does not take, before anything is written. POST
		// /v1/batches?dry_run=true closed a batch for good (a black-box
		// pass).
		if c.Request.Method != http.MethodGet && c.Request.Method != http.MethodHead && len(q) > 0 && !knownQuery(c) {
			return
		}
		// A body is read as sent: one declared compressed (gzip, say)
		// was taken as if plain, and a plain body so declared written (a
		// black-box pass). rss reads no encoding but identity.
		if e := rss.UnreadEncoding(c.Request.Header.Values("Content-Encoding")); e != "" {
			problem(c, http.StatusUnsupportedMediaType, "unsupported_media_type", "Unsupported media type",
				"Content-Encoding "+strconv.Quote(e)+" is not accepted; send the body uncompressed")
			return
		}
		if c.Request.Method == http.MethodPost {
			// Two Idempotency-Key headers (a proxy adding its own) are no
			// key at all: the first was used silently, and a retry carrying
			// only the other did the work again (black-box pass).
			if len(c.Request.Header.Values("Idempotency-Key")) > 1 {
				problem(c, http.StatusBadRequest, "invalid_idempotency_key", "Idempotency-Key not valid",
					"every POST carries exactly one Idempotency-Key header")
				return
			}
			// A key given but unusable is said to be so: "required" read as
			// if none had been sent (a black-box pass).
			if key := c.GetHeader("Idempotency-Key"); key != "" && (len(key) > 255 || !cleanText(key)) {
				problem(c, http.StatusBadRequest, "invalid_idempotency_key", "Idempotency-Key not valid",
					"every POST carries an Idempotency-Key header of 1-255 bytes of UTF-8 text without control characters")
				return
			}
		}
		c.Next()
	}
}

// cleanText reports whether s is valid UTF-8 without control characters.
func cleanText(s string) bool {
	return utf8.ValidString(s) && !strings.ContainsFunc(s, unicode.IsControl)
}

// cleanQuery is cleanText for a query parameter's name or value, refusing
// the invisible format characters too (Unicode Cf: bidirectional overrides
// and isolates, zero-width spaces, the directional marks). No id, code,
// date or cursor holds one, and a report echoed `program=\u202eATR` into
// its unknown_program message, where U+202E reverses what a console shows
// after it (a black-box pass). The line and paragraph separators (Zl, Zp)
// and the other characters Unicode says to show as nothing (the combining
// grapheme joiner, variation selectors, Hangul fillers) are refused alike:
// a re-check had U+2028 and U+034F echoed.
func cleanQuery(s string) bool {
	return cleanText(s) && !strings.ContainsFunc(s, func(r rune) bool {
		return unicode.In(r, unicode.Cf, unicode.Zl, unicode.Zp, unicode.Other_Default_Ignorable_Code_Point, unicode.Variation_Selector)
	})
}

// limitBody caps request bodies: larger bodies are refused with 413.
func limitBody(max int64) gin.HandlerFunc {
	return func(c *gin.Context) {
		if c.Request.ContentLength > max {
			problem(c, http.StatusRequestEntityTooLarge, "body_too_large", "Request body too large",
				"the body exceeds "+strconv.FormatInt(max, 10)+" bytes")
			return
		}
		c.Request.Body = http.MaxBytesReader(c.Writer, c.Request.Body, max)
		c.Next()
	}
}

// authenticate resolves the bearer key to an actor.
func authenticate(keys *access.Keys) gin.HandlerFunc {
	return func(c *gin.Context) {
		// A header that says who asks, for what, or what the body is, given
		// twice is no answer: the first was used silently, so a request
		// with an admin's and a provider's key acted as the admin, and a
		// purpose of use depended on the order of two (a black-box pass).
		for _, h := range []string{"Authorization", "X-Purpose-Of-Use", "Content-Type"} {
			if len(c.Request.Header.Values(h)) > 1 {
				problem(c, http.StatusBadRequest, "duplicate_header", "Header given twice", h+" may be given once")
				return
			}
		}
		// The scheme name is case-insensitive (RFC 9110 §11.1).
		scheme, key, _ := strings.Cut(c.GetHeader("Authorization"), " ")
		if !strings.EqualFold(scheme, "Bearer") || strings.TrimSpace(key) == "" {
			c.Header("WWW-Authenticate", `Bearer realm="rss"`)
			problem(c, http.StatusUnauthorized, "unauthorized", "Unauthorized", "send Authorization: Bearer <api key>")
			return
		}
		actor, err := keys.Authenticate(c.Request.Context(), strings.TrimSpace(key))
		if errors.Is(err, access.ErrBadKey) {
			c.Header("WWW-Authenticate", `Bearer realm="rss", error="invalid_token"`)
			problem(c, http.StatusUnauthorized, "unauthorized", "Unauthorized", "the API key is not valid")
			return
		}
		if err != nil {
			fail(c, err)
			return
		}
		actor.RequestID = requestID(c)
		// Every read and write of client records is for a purpose: the role's
		// own unless the caller states another it may serve.
		actor.Purpose = access.DefaultPurpose(actor.Role)
		if p := c.GetHeader("X-Purpose-Of-Use"); p != "" {
			if !access.ValidPurpose(p) {
				problem(c, http.StatusBadRequest, "invalid_purpose", "Invalid purpose of use",
					"X-Purpose-Of-Use must be one of "+strings.Join(access.Purposes, ", "))
				return
			}
			actor.Purpose = p
		}
		c.Set(ctxActor, actor)
		c.Request = c.Request.WithContext(access.WithActor(c.Request.Context(), actor))
		c.Next()
	}
}

// captureWriter holds a POST's answer until the middleware knows it is
// the one to send (a failure under a key used for another request is
// answered as a reused key instead).
type captureWriter struct {
	gin.ResponseWriter
	status int
	body   bytes.Buffer
}

func (w *captureWriter) WriteHeader(code int)        { w.status = code }
func (w *captureWriter) WriteHeaderNow()             {}
func (w *captureWriter) Write(b []byte) (int, error) { return w.body.Write(b) }
func (w *captureWriter) WriteString(s string) (int, error) {
	return w.body.WriteString(s)
}
func (w *captureWriter) Status() int {
	if w.status == 0 {
		return http.StatusOK
	}
	return w.status
}
func (w *captureWriter) Written() bool { return w.status != 0 || w.body.Len() > 0 }

// Unwrap lets http.ResponseController reach the connection's writer
// through this one, as retryAfterWriter's does.
func (w *captureWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }
func (w *captureWriter) Size() int                   { return w.body.Len() }

// idempotent gives a POST its idempotency request: the Idempotency-Key,
// scoped to the API key, with the hash of the method, path and body. The
// domain's write claims the key, does the work and stores the answer in one
// transaction of its own (pg.Do); this layer starts none. A request that
// fails before its work began (a body that does not decode, input the
// domain refuses) under a key already answered for another request is told
// the key was reused, as if the key had been checked first.
func idempotent(ids *pg.Idempotency) gin.HandlerFunc {
	return func(c *gin.Context) {
		key := c.GetHeader("Idempotency-Key")
		if key == "" {
			problem(c, http.StatusBadRequest, "idempotency_key_required", "Idempotency-Key required",
				"every POST carries an Idempotency-Key header of 1-255 bytes")
			return
		}
		if len(key) > 255 {
			problem(c, http.StatusBadRequest, "invalid_idempotency_key", "Idempotency-Key not valid",
				"every POST carries an Idempotency-Key header of 1-255 bytes")
			return
		}
		body, err := readBody(c)
		if err != nil {
			return
		}
		h := sha256.New()
		h.Write([]byte(c.Request.Method + " " + c.Request.URL.Path + "\n"))
		h.Write(body)
		actor := c.MustGet(ctxActor).(access.Actor)
		req := &pg.Request{Scope: actor.IdempotencyScope(), KeyID: actor.KeyID, Key: key, Hash: h.Sum(nil), Method: c.Request.Method, Path: c.Request.URL.Path}
		c.Set(ctxIdem, req)
		c.Request = c.Request.WithContext(pg.WithRequest(c.Request.Context(), req))

		orig := c.Writer
		// The headers as they stand before the handler: an answer replaced
		// below goes with these, not with what the handler set for its own
		// (c.Data sets Content-Length; a 422 sent under a 327-byte answer's
		// length was cut short and clients read a transport error: a race
		// black-box pass).
		before := orig.Header().Clone()
		cw := &captureWriter{ResponseWriter: orig}
		c.Writer = cw
		func() {
			// On a panic the real writer goes back before recoverProblem
			// answers, or its 500 would be captured and never sent.
			defer func() { c.Writer = orig }()
			c.Next()
		}()
		status := cw.Status()
		if status >= 400 && status < 500 {
			if reused, err := ids.AnsweredOtherwise(c.Request.Context(), req.Scope, req.Key, req.Hash); err == nil && reused {
				h := orig.Header()
				clear(h)
				maps.Copy(h, before)
				problem(c, http.StatusUnprocessableEntity, "idempotency_key_reused", "Idempotency-Key reused",
					"this Idempotency-Key was used with a different request; use a new key for a new request")
				return
			}
		}
		orig.WriteHeader(status)
		_, _ = orig.Write(cw.body.Bytes())
	}
}
