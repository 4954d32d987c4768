package api

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"reflect"
	"slices"
	"strconv"
	"strings"

	"github.com/gin-gonic/gin"

	"rss"
	"rss/billing"
	"rss/pg"
)

// BulkResult is one claim's answer in a bulk submission: its own status
// and either the claim or the problem that kept it out.
type BulkResult struct {
	Index   int            `json:"index"`
	Status  int            `json:"status"`
	Claim   *billing.Claim `json:"claim,omitempty"`
	Problem *Problem       `json:"problem,omitempty"`
}

// BulkSummary counts a bulk submission's outcomes.
type BulkSummary struct {
	Claims   int `json:"claims"`
	Created  int `json:"created"`
	Existing int `json:"existing"`
	Refused  int `json:"refused"`
	Lines    int `json:"lines"`
}

// bulkAnswer is asJSON(http.StatusOK, gin.H{"summary": sum, "results":
// results}), byte for byte, with each claim written by Claim.AppendJSON:
// through reflection, the answer's ten thousand lines cost a tenth of the
// server's CPU in a bulk intake.
func bulkAnswer(results []BulkResult, sum BulkSummary) pg.Answer {
	b := make([]byte, 0, 128+len(results)*450+sum.Lines*360)
	b = append(b, `{"results":[`...)
	var err error
	for i := range results {
		r := &results[i]
		if i > 0 {
			b = append(b, ',')
		}
		b = append(b, `{"index":`...)
		b = strconv.AppendInt(b, int64(r.Index), 10)
		b = append(b, `,"status":`...)
		b = strconv.AppendInt(b, int64(r.Status), 10)
		if r.Claim != nil {
			b = append(b, `,"claim":`...)
			if b, err = r.Claim.AppendJSON(b); err != nil {
				return asJSON(http.StatusOK, gin.H{"summary": sum, "results": results}) // the same error, answered as asJSON answers it
			}
		}
		if r.Problem != nil {
			p, err := json.Marshal(r.Problem)
			if err != nil {
				return asJSON(http.StatusOK, gin.H{"summary": sum, "results": results})
			}
			b = append(b, `,"problem":`...)
			b = append(b, p...)
		}
		b = append(b, '}')
	}
	j, err := json.Marshal(sum)
	if err != nil {
		return asJSON(http.StatusOK, gin.H{"summary": sum, "results": results})
	}
	b = append(b, `],"summary":`...)
	b = append(b, j...)
	return pg.Answer{Status: http.StatusOK, ContentType: "application/json; charset=utf-8", Body: append(b, '}')}
}

// bulkBody is a bulk submission's body.
type bulkBody struct {
	Claims []billing.NewClaim `json:"claims"`
}

// decodeBulk reads a bulk submission. A claim that does not decode (a
// wrong type, an impossible date, an unknown field) is refused on its own,
// as a claim the rules refuse is, and the others go in: a black-box pass
// found a thousand-claim file refused whole for one 2026-02-30. undecoded
// holds those claims' problems by their index in the body, and claims the
// others in order. A key given twice inside a claim is that claim's
// problem too (encoding/json would keep the last; it refused the whole
// bulk, a black-box pass); one outside the claims refuses the body. A body
// that is not JSON, or whose claims none decode, is refused whole as any
// other body is.
func decodeBulk(c *gin.Context) (claims []billing.NewClaim, undecoded map[int]*Problem, ok bool) {
	var body bulkBody
	var dups map[int]string
	var texts map[int]*textProblem
	b, ok, err := decodeScanned(c, &body, bulkBound, func(b []byte) (bad *textProblem) {
		bad, dups, texts = scanBulk(b)
		return bad
	})
	if !ok {
		return nil, nil, false
	}
	// A null decodes into an empty claim without an error: a bulk with
	// an empty claim in it is read element by element, so a null is
	// refused as not a claim ({"claims":[null]} was taken, a black-box
	// pass). An empty object is a claim, refused by its validation.
	if err == nil && len(dups) == 0 && len(texts) == 0 &&
		!slices.ContainsFunc(body.Claims, func(n billing.NewClaim) bool { return reflect.ValueOf(n).IsZero() }) {
		return body.Claims, nil, true
	}
	var raw struct {
		Claims []json.RawMessage `json:"claims"`
	}
	if rerr := unmarshalStrict(b, &raw); rerr != nil || (err != nil && len(raw.Claims) > billing.MaxClaimsPerBulk) {
		if err == nil {
			err = rerr
		}
		decodeProblem(c, err, b, &body)
		return nil, nil, false
	}
	if err != nil { // decodeScanned scans only a body that decodes
		var bad *textProblem
		if bad, dups, texts = scanBulk(b); bad != nil {
			bad.write(c)
			return nil, nil, false
		}
	}
	undecoded = map[int]*Problem{}
	lines := 0
	for i, r := range raw.Claims {
		var n billing.NewClaim
		// A claim is an object: null would decode into an empty claim,
		// and a body of nothing but numbers, strings and nulls was taken
		// as a bulk with one claim in it (a black-box pass).
		cerr := unmarshalStrict(r, &n)
		if t := bytes.TrimSpace(r); cerr == nil && (len(t) == 0 || t[0] != '{') {
			cerr = &json.UnmarshalTypeError{Value: "null", Type: reflect.TypeOf(n), Field: ""}
		}
		if f, dup := dups[i]; cerr != nil || dup || texts[i] != nil {
			var p Problem
			switch tp := texts[i]; {
			case cerr != nil:
				p = decodeError(cerr, r, &n)
			case tp != nil:
				p = Problem{Status: tp.status, Code: tp.code, Title: "The request is not valid", Detail: tp.summary,
					Errors: []rss.FieldError{tp.field}}
			default:
				d := duplicateField(f)
				p = Problem{Status: d.status, Code: d.code, Title: "Duplicate field", Detail: "the claim gives a field more than once",
					Errors: []rss.FieldError{d.field}}
			}
			p.Type = problemBase + p.Code
			undecoded[i] = &p
			// Its lines count toward the request's bound as a decoded
			// claim's do (the re-check of a black-box pass sent 20,200).
			var shape struct {
				Lines []json.RawMessage `json:"lines"`
			}
			_ = json.Unmarshal(r, &shape)
			lines += len(shape.Lines)
			continue
		}
		lines += len(n.Lines)
		claims = append(claims, n)
	}
	if lines > billing.MaxLinesPerBulk {
		writeProblem(c, Problem{Status: http.StatusUnprocessableEntity, Code: "validation_failed", Title: "The request is not valid",
			Detail: "one or more fields are invalid", Errors: []rss.FieldError{{Field: "claims", Code: "too_many_lines",
				Message: fmt.Sprintf("at most %d lines per request (this one has %d); send the claims in more requests", billing.MaxLinesPerBulk, lines)}}})
		return nil, nil, false
	}
	if len(claims) == 0 {
		switch {
		case err != nil:
			decodeProblem(c, err, b, &body)
		case len(dups) > 0 || len(texts) > 0:
			scanText(b).write(c) // the first key given twice or string refused, named in the body
		default:
			// Every claim was a null or a scalar: the first says so, on
			// its place in the body (a claim's own answer names fields
			// within the claim; this one answers the whole request).
			p := *undecoded[0]
			p.Detail = "no claim in the body is an object"
			p.Errors = []rss.FieldError{{Field: "claims[0]", Code: "wrong_type", Message: "must be an object"}}
			writeProblem(c, p)
		}
		return nil, nil, false
	}
	return claims, undecoded, true
}

// scanBulk is scanText over a bulk body, but a key given twice inside one
// claim, and a string refused inside one, are left to that claim's
// answer: dups holds, by the claim's index, the path within it of the
// first such key, and texts the first such string's problem, its field
// named within the claim (a NUL or a byte not UTF-8 in one claim's number
// refused the whole bulk, its good claims with it, where a wrong type was
// that claim's own answer: a black-box pass).
func scanBulk(body []byte) (bad *textProblem, dups map[int]string, texts map[int]*textProblem) {
	s := &textScanner{b: body, dupAllowed: func(field *textPath) bool {
		i, f, ok := claimField(field)
		if !ok {
			return false
		}
		if dups == nil {
			dups = map[int]string{}
		}
		if _, seen := dups[i]; !seen {
			dups[i] = f
		}
		return true
	}, textAllowed: func(path *textPath, p *textProblem) bool {
		i, f, ok := claimField(path)
		if !ok && path != nil && path.isIndex && path.parent != nil && path.parent.parent == nil && equalFold(path.parent.key, "claims") {
			// A key of the claim object itself: the claim's body, as a
			// single claim's answer names it (a review).
			i, f, ok = path.index, "body", true
		}
		if !ok || f == "" {
			return false
		}
		if texts == nil {
			texts = map[int]*textProblem{}
		}
		if _, seen := texts[i]; !seen {
			within := *p
			within.field.Field = f
			texts[i] = &within
		}
		return true
	}}
	return s.value(nil), dups, texts
}

// claimField finds the claim of a bulk body a path lies within
// (claims[i]), and the path within it.
func claimField(p *textPath) (index int, field string, ok bool) {
	for q := p; q != nil && q.parent != nil; q = q.parent {
		if q != p && q.isIndex && q.parent.parent == nil && !q.parent.isIndex && equalFold(q.parent.key, "claims") {
			return q.index, strings.TrimPrefix(strings.TrimPrefix(p.String(), q.String()), "."), true
		}
	}
	return 0, "", false
}

func (s *Server) submitClaimsBulk(c *gin.Context) {
	claims, undecoded, ok := decodeBulk(c)
	if !ok {
		return
	}
	render := func(decoded []billing.Outcome) pg.Answer {
		// The outcomes in the body's order, the undecoded claims' in place.
		out := decoded
		if len(undecoded) > 0 {
			out = make([]billing.Outcome, 0, len(decoded)+len(undecoded))
			for i, next := 0, 0; i < len(decoded)+len(undecoded); i++ {
				if undecoded[i] != nil {
					out = append(out, billing.Outcome{})
					continue
				}
				out = append(out, decoded[next])
				next++
			}
		}
		results := make([]BulkResult, len(out))
		sum := BulkSummary{Claims: len(out)}
		for i, o := range out {
			r := BulkResult{Index: i}
			switch {
			case undecoded[i] != nil:
				r.Status, r.Problem = undecoded[i].Status, undecoded[i]
				sum.Refused++
			case o.Err != nil:
				p := problemFor(o.Err)
				p.Type = problemBase + p.Code
				r.Status, r.Problem = p.Status, &p
				sum.Refused++
			case o.Created:
				// Bulk answers leave the per-rule traces out (GET the claim for
				// them): they would be most of a thousand-claim response.
				for j := range o.Claim.Lines {
					o.Claim.Lines[j].Trace = nil
				}
				r.Status, r.Claim = http.StatusCreated, o.Claim
				sum.Created++
				sum.Lines += len(o.Claim.Lines)
			default:
				r.Status, r.Claim = http.StatusOK, o.Claim
				sum.Existing++
			}
			results[i] = r
		}
		return bulkAnswer(results, sum)
	}
	if out, done := post(c, render, func(ctx context.Context) ([]billing.Outcome, error) { return s.b.SubmitBulk(ctx, claims) }); done {
		for _, o := range out {
			if o.Err == nil && o.Created {
				s.countLines(o.Claim)
			}
		}
	}
}

// claimAnswer renders one claim's outcome as its request's answer: 201 for
// a claim stored now, 200 for the same claim already on file, the problem
// that kept it out otherwise. The per-rule traces are read with
// GET /v1/claims/{id}.
func claimAnswer(path, requestID string) func(billing.Outcome) pg.Answer {
	return func(o billing.Outcome) pg.Answer {
		if o.Err != nil {
			return problemAnswer(path, requestID, problemFor(o.Err))
		}
		for i := range o.Claim.Lines {
			o.Claim.Lines[i].Trace = nil
		}
		if o.Created {
			return asJSON(http.StatusCreated, o.Claim)
		}
		return asJSON(http.StatusOK, o.Claim)
	}
}

// submitClaim is POST /v1/claims: decoded here, adjudicated with the other
// claims of the same key that arrive at the same moment (group commit, in
// billing), answered alone.
func (s *Server) submitClaim(c *gin.Context) {
	var n billing.NewClaim
	if !decode(c, &n) {
		return
	}
	if out, done := post(c, claimAnswer(c.Request.URL.Path, requestID(c)), func(ctx context.Context) (billing.Outcome, error) {
		return s.b.SubmitClaim(ctx, n)
	}); done && out.Created {
		s.countLines(out.Claim)
	}
}

func (s *Server) countLines(c *billing.Claim) {
	for _, l := range c.Lines {
		s.metrics.lines.WithLabelValues(l.Status).Inc()
	}
}

func (s *Server) listClaims(c *gin.Context) {
	p, ok := page(c, "provider_id", "client_id", "status", "service_from", "service_to", "received_from", "received_to", "claim_number")
	if !ok {
		return
	}
	var f billing.ClaimFilter
	if f.ProviderID, ok = queryInt(c, "provider_id"); !ok {
		return
	}
	if f.ClientID, ok = queryInt(c, "client_id"); !ok {
		return
	}
	f.Status = c.Query("status")
	f.ClaimNumber = c.Query("claim_number")
	for name, dst := range map[string]*rss.Date{"service_from": &f.ServiceFrom, "service_to": &f.ServiceTo,
		"received_from": &f.ReceivedFrom, "received_to": &f.ReceivedTo} {
		if *dst, ok = queryDate(c, name); !ok {
			return
		}
	}
	out, err := s.b.Claims(c.Request.Context(), f, p)
	respond(c, http.StatusOK, out, err)
}

func (s *Server) getClaim(c *gin.Context) {
	id, ok := pathID(c, "claim_id")
	if !ok {
		return
	}
	if !knownQuery(c) {
		return
	}
	out, err := s.b.Claim(c.Request.Context(), id)
	respond(c, http.StatusOK, out, err)
}

func (s *Server) claimRemittance(c *gin.Context) {
	id, ok := pathID(c, "claim_id")
	if !ok {
		return
	}
	if !knownQuery(c) {
		return
	}
	out, err := s.b.ClaimRemittance(c.Request.Context(), id)
	respond(c, http.StatusOK, out, err)
}

func (s *Server) voidClaim(c *gin.Context) {
	s.claimOnClaim(c, func(number string, client, id int64) billing.NewClaim {
		return billing.NewClaim{ClaimNumber: number, Frequency: billing.FreqVoid, OriginalClaimID: &id, ClientID: client}
	})
}

// resendVoid sends again a void whose CLM loop the payer turned away
// (billing.NewResend): a new claim of the agency's, under a number of its
// own, superseding the rejected void.
func (s *Server) resendVoid(c *gin.Context) {
	s.claimOnClaim(c, billing.NewResend)
}

// claimOnClaim submits the claim that build makes, from the body's claim
// number, of the claim the path names (its client and id): a void, or a
// void's resend. Answered as a single claim is.
func (s *Server) claimOnClaim(c *gin.Context, build func(number string, client, id int64) billing.NewClaim) {
	id, ok := pathID(c, "claim_id")
	if !ok {
		return
	}
	var body struct {
		ClaimNumber string `json:"claim_number"`
	}
	if !decode(c, &body) {
		return
	}
	client, err := s.b.ClientOf(c.Request.Context(), id)
	if err != nil {
		fail(c, err)
		return
	}
	n := build(body.ClaimNumber, client, id)
	one := claimAnswer(c.Request.URL.Path, requestID(c))
	// Counted as the same void sent to POST /v1/claims is: the lines'
	// metric missed every void made here (a claims black-box pass).
	if out, done := post(c, func(out []billing.Outcome) pg.Answer { return one(out[0]) }, func(ctx context.Context) ([]billing.Outcome, error) {
		out, err := s.b.SubmitBulk(ctx, []billing.NewClaim{n})
		if err == nil && out[0].Err != nil {
			return nil, out[0].Err
		}
		return out, err
	}); done && out[0].Created {
		s.countLines(out[0].Claim)
	}
}
