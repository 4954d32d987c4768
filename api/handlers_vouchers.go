package api

import (
	"net/http"

	"github.com/gin-gonic/gin"

	"rss/access"
	"rss/pg"
	"rss/vouchers"
)

func (s *Server) submitVoucher(c *gin.Context) {
	var n vouchers.NewVoucherRequest
	if !decode(c, &n) {
		return
	}
	out, err := s.v.Submit(c.Request.Context(), n)
	if err == nil {
		s.metrics.decisions.WithLabelValues(out.Decision).Inc()
	}
	respond(c, http.StatusCreated, out, err)
}

func (s *Server) listVouchers(c *gin.Context) {
	p, ok := page(c)
	if !ok {
		return
	}
	client, ok := queryInt(c, "client_id")
	if !ok {
		return
	}
	out, err := s.v.Requests(c.Request.Context(), vouchers.RequestFilter{Decision: c.Query("status"), ClientID: client}, p)
	respond(c, http.StatusOK, out, err)
}

func (s *Server) getVoucher(c *gin.Context) {
	id, ok := pathID(c, "request_id")
	if !ok {
		return
	}
	out, err := s.v.Request(c.Request.Context(), id)
	respond(c, http.StatusOK, out, err)
}

func (s *Server) replayVoucher(c *gin.Context) {
	id, ok := pathID(c, "request_id")
	if !ok {
		return
	}
	out, err := s.v.Replay(c.Request.Context(), id)
	respond(c, http.StatusOK, out, err)
}

func (s *Server) decideVoucher(c *gin.Context) {
	id, ok := pathID(c, "request_id")
	if !ok {
		return
	}
	var r vouchers.Review
	if !decode(c, &r) {
		return
	}
	out, err := s.v.Decide(c.Request.Context(), id, r)
	respond(c, http.StatusOK, out, err)
}

func (s *Server) reviewQueue(c *gin.Context) {
	p, ok := page(c)
	if !ok {
		return
	}
	out, err := s.v.Queue(c.Request.Context(), p)
	respond(c, http.StatusOK, out, err)
}

func (s *Server) listAuthorizations(c *gin.Context) {
	p, ok := page(c)
	if !ok {
		return
	}
	client, ok := queryInt(c, "client_id")
	if !ok {
		return
	}
	f := vouchers.AuthorizationFilter{ClientID: client, ServiceCode: c.Query("service_code"), Status: c.Query("status")}
	out, err := s.v.Authorizations(c.Request.Context(), f, p)
	respond(c, http.StatusOK, out, err)
}

func (s *Server) getAuthorization(c *gin.Context) {
	id, ok := pathID(c, "authorization_id")
	if !ok {
		return
	}
	out, err := s.v.Authorization(c.Request.Context(), id)
	respond(c, http.StatusOK, out, err)
}

func (s *Server) createAPIKey(c *gin.Context) {
	var body struct {
		Role       access.Role `json:"role"`
		ProviderID int64       `json:"provider_id"`
		Label      string      `json:"label"`
	}
	if !decode(c, &body) {
		return
	}
	out, err := s.v.CreateAPIKey(c.Request.Context(), body.Role, body.ProviderID, body.Label)
	respond(c, http.StatusCreated, out, err)
}

func (s *Server) revokeAPIKey(c *gin.Context) {
	id, ok := pathID(c, "key_id")
	if !ok {
		return
	}
	if c.Request.ContentLength > 0 {
		var body struct{}
		if !decode(c, &body) {
			return
		}
	}
	out, err := s.v.RevokeAPIKey(c.Request.Context(), id)
	if err == nil {
		// Dropped once the revocation has committed, not before: a request
		// in between would cache the key as it was again.
		pg.AfterCommit(c.Request.Context(), func() { s.cfg.Keys.ForgetID(id) })
	}
	respond(c, http.StatusOK, out, err)
}
