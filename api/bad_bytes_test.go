package api_test

import (
	"net/http"
	"sort"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
)

// itBadBytes are path and query values PostgreSQL text cannot take (NUL,
// bytes that are not UTF-8) or no id or code holds (control characters).
var itBadBytes = []string{"%00", "a%00b", "%FF", "%C0%AF", "%0A", "%1B%5B2J"}

// TestBadBytesInPathParameters sends every route, with each path
// parameter replaced by bytes no id or code can hold, and gets a 404
// problem (as for an id that does not exist), never a 500, and nothing
// written. POSTs carry a valid Idempotency-Key, so the idempotency record
// (which stores the path) is reached too.
func TestBadBytesInPathParameters(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	routes := e.srv.Routes()
	sort.Slice(routes, func(i, j int) bool { return routes[i].Method+routes[i].Path < routes[j].Method+routes[j].Path })
	tested := 0
	itNothingWritten(t, e, func() {
		for _, r := range routes {
			// The console answers pages, not problems; its own tests send
			// it these bytes (console.TestBadBytesInPaths).
			if !strings.Contains(r.Path, "/:") || strings.HasPrefix(r.Path, "/console") {
				continue
			}
			for _, bad := range itBadBytes {
				parts := strings.Split(r.Path, "/")
				for i, p := range parts {
					if strings.HasPrefix(p, ":") {
						parts[i] = bad
					}
				}
				path := strings.Join(parts, "/")
				var body any
				if r.Method != http.MethodGet {
					body = map[string]any{}
				}
				for _, key := range []string{keyAdmin, keyHRA} {
					resp := e.do(req{Method: r.Method, Path: path, Key: key, Body: body})
					p := requireProblem(t, resp, http.StatusNotFound, "not_found")
					assert.NotEmpty(t, p["detail"], "%s %s", r.Method, path)
					tested++
				}
			}
		}
	})
	assert.Greater(t, tested, 100, "every route with a path parameter")
}

// TestBadBytesInQueryParameters sends every query parameter the document
// lists, on every operation, with NUL, non-UTF-8 and control bytes: each is
// a 422 naming the parameter, never a 500. So is a parameter nobody reads,
// and a date outside the documented range.
func TestBadBytesInQueryParameters(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	doc := oaDoc(t)
	tested := 0
	check := func(path, field, code string) {
		t.Helper()
		p := requireProblem(t, e.get(keyAdmin, path), http.StatusUnprocessableEntity, "validation_failed")
		assert.Contains(t, itFieldErrors(t, p), field, "%s: %v", path, p)
		if code != "" {
			assert.Equal(t, code, itFieldCode(p, field), "%s: %v", path, p)
		}
		tested++
	}
	itNothingWritten(t, e, func() {
		for path, item := range doc.Paths.Map() {
			op := item.Get
			if op == nil || !strings.HasPrefix(path, "/v1/") {
				continue
			}
			concrete := path
			for _, p := range append(item.Parameters, op.Parameters...) {
				if p.Value.In == "path" {
					concrete = strings.ReplaceAll(concrete, "{"+p.Value.Name+"}", "1")
				}
			}
			for _, p := range append(item.Parameters, op.Parameters...) {
				if p.Value.In != "query" {
					continue
				}
				for _, bad := range itBadBytes {
					check(concrete+"?"+p.Value.Name+"="+bad, p.Value.Name, "")
				}
				if s := p.Value.Schema; s != nil && s.Value.Format == "date" {
					for _, d := range []string{"0000-01-01", "0001-01-01", "1899-12-31", "3000-01-01"} {
						check(concrete+"?"+p.Value.Name+"="+d, p.Value.Name, "out_of_range")
					}
				}
			}
			check(concrete+"?unread=%00", "unread", "")
		}
	})
	assert.Greater(t, tested, 50, "every documented query parameter")
}

// itFormatChars are invisible format characters (Unicode Cf): the
// right-to-left override, a left-to-right isolate, the zero-width space,
// the directional marks, a byte order mark and a soft hyphen; and the
// line and paragraph separators, the combining grapheme joiner, a
// variation selector and the Hangul filler (a re-check).
var itFormatChars = []string{"%E2%80%AE", "%E2%81%A6", "%E2%80%8B", "%E2%80%8E", "%E2%80%8F", "%EF%BB%BF", "%C2%AD",
	"%E2%80%A8", "%E2%80%A9", "%CD%8F", "%EF%B8%8F", "%E3%85%A4"}

// TestFormatCharactersInQueryParameters: every query parameter the
// document lists, on every operation, holding an invisible format
// character is a 422 invalid_character naming it, as a control character
// is; a report echoed U+202E into its unknown_program message (a
// black-box pass). A name holding one names the query.
func TestFormatCharactersInQueryParameters(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	doc := oaDoc(t)
	tested := 0
	check := func(path, field string) {
		t.Helper()
		p := requireProblem(t, e.get(keyAdmin, path), http.StatusUnprocessableEntity, "validation_failed")
		assert.Equal(t, "invalid_character", itFieldCode(p, field), "%s: %v", path, p)
		tested++
	}
	itNothingWritten(t, e, func() {
		for path, item := range doc.Paths.Map() {
			op := item.Get
			if op == nil || !strings.HasPrefix(path, "/v1/") {
				continue
			}
			concrete := path
			for _, p := range append(item.Parameters, op.Parameters...) {
				if p.Value.In == "path" {
					concrete = strings.ReplaceAll(concrete, "{"+p.Value.Name+"}", "1")
				}
			}
			for _, p := range append(item.Parameters, op.Parameters...) {
				if p.Value.In != "query" {
					continue
				}
				for _, f := range itFormatChars {
					check(concrete+"?"+p.Value.Name+"="+f+"ATR", p.Value.Name)
				}
			}
		}
	})
	assert.Greater(t, tested, 50, "every documented query parameter")

	r := e.get(keyReviewer, "/v1/reports/caseload?program=%E2%80%AEATR")
	p := requireProblem(t, r, http.StatusUnprocessableEntity, "validation_failed")
	assert.Equal(t, "invalid_character", itFieldCode(p, "program"))
	assert.NotContains(t, string(r.Body), "\u202e", "the value is not echoed")
	assert.NotContains(t, string(r.Body), "\u202E")
	assert.NotContains(t, string(r.Body), "‮")
	p = requireProblem(t, e.get(keyReviewer, "/v1/reports/caseload?pro%E2%80%8Bgram=ATR"), http.StatusUnprocessableEntity, "validation_failed")
	assert.Equal(t, "invalid_character", itFieldCode(p, "query"))
	// Plain values still pass.
	itGetReport(t, e, keyReviewer, "/v1/reports/caseload?program=RCM")
}

// TestBadBytesInHeaders: an Authorization or Idempotency-Key header
// with bytes no key holds is refused as a client error before anything
// reaches the database.
func TestBadBytesInHeaders(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	itNothingWritten(t, e, func() {
		for _, key := range []string{"rss_\xff\xff\xff\xff\xff\xff\xff\xff_abcdefghijklmnopqrstu", "rss_demohra\x0001_abcdefghijklmnopqrstu",
			"rss_DEMOHRA01_hartfordrecoveryalliancedemokey", "rss_demohra01_" + strings.Repeat("s", 10000)} {
			r := e.get(key, "/v1/reason-codes")
			requireProblem(t, r, http.StatusUnauthorized, "unauthorized")
		}
		for _, idem := range []string{"\xff\xfe", "a\x00b", "tab\there", "\xc0\xaf"} {
			for _, path := range []string{"/v1/claims", "/v1/voucher-requests", "/v1/api-keys"} {
				r := e.do(req{Method: http.MethodPost, Path: path, Key: keyHRA, Body: map[string]any{}, IdemKey: idem})
				requireProblem(t, r, http.StatusBadRequest, "invalid_idempotency_key")
			}
		}
	})
}
