package api

import (
	"net/http"

	"github.com/gin-gonic/gin"

	"rss"
	"rss/billing"
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

func (s *Server) submitClaimsBulk(c *gin.Context) {
	var body struct {
		Claims []billing.NewClaim `json:"claims"`
	}
	if !decode(c, &body) {
		return
	}
	out, err := s.b.SubmitBulk(c.Request.Context(), body.Claims)
	if err != nil {
		fail(c, err)
		return
	}
	results := make([]BulkResult, len(out))
	sum := BulkSummary{Claims: len(out)}
	for i, o := range out {
		r := BulkResult{Index: i}
		switch {
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
			s.countLines(o.Claim)
		default:
			r.Status, r.Claim = http.StatusOK, o.Claim
			sum.Existing++
		}
		results[i] = r
	}
	c.JSON(http.StatusOK, gin.H{"summary": sum, "results": results})
}

func (s *Server) countLines(c *billing.Claim) {
	for _, l := range c.Lines {
		s.metrics.lines.WithLabelValues(l.Status).Inc()
	}
}

func (s *Server) listClaims(c *gin.Context) {
	p, ok := page(c)
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
	out, err := s.b.Claim(c.Request.Context(), id)
	respond(c, http.StatusOK, out, err)
}

func (s *Server) claimRemittance(c *gin.Context) {
	id, ok := pathID(c, "claim_id")
	if !ok {
		return
	}
	out, err := s.b.ClaimRemittance(c.Request.Context(), id)
	respond(c, http.StatusOK, out, err)
}

func (s *Server) voidClaim(c *gin.Context) {
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
	client := s.b.ClientOf(c.Request.Context(), id)
	if client == 0 {
		problem(c, http.StatusNotFound, "not_found", "Not found", "no such claim")
		return
	}
	claim, created, err := s.b.Submit(c.Request.Context(), billing.NewClaim{ClaimNumber: body.ClaimNumber,
		Frequency: billing.FreqVoid, OriginalClaimID: &id, ClientID: client})
	if err != nil {
		fail(c, err)
		return
	}
	status := http.StatusOK
	if created {
		status = http.StatusCreated
	}
	c.JSON(status, claim)
}
