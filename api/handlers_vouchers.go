package api

import (
	"context"
	"net/http"

	"github.com/gin-gonic/gin"

	"rss"
	"rss/access"
	"rss/pg"
	"rss/vouchers"
)

func (s *Server) submitVoucher(c *gin.Context) {
	var n vouchers.NewVoucherRequest
	if !decode(c, &n) {
		return
	}
	if out, done := post(c, createdJSON[vouchers.VoucherRequest], func(ctx context.Context) (vouchers.VoucherRequest, error) {
		return s.v.Submit(ctx, n)
	}); done {
		s.metrics.decisions.WithLabelValues(out.Decision).Inc()
	}
}

func (s *Server) listVouchers(c *gin.Context) {
	p, ok := page(c, "client_id", "status")
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
	if !knownQuery(c) {
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
	if !knownQuery(c) {
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
	if out, done := post(c, okJSON[vouchers.VoucherRequest], func(ctx context.Context) (vouchers.VoucherRequest, error) {
		return s.v.Decide(ctx, id, r)
	}); done {
		s.metrics.reviews.WithLabelValues(out.Decision).Inc()
	}
}

// takeVoucher gives a pended request to the calling reviewer for a while
// (vouchers.TakeExpiry), so two reviewers do not decide the same one.
func (s *Server) takeVoucher(c *gin.Context) {
	id, ok := pathID(c, "request_id")
	if !ok {
		return
	}
	if sent, ok := optionalBody(c); !ok {
		return
	} else if sent {
		var body struct{}
		if !decode(c, &body) {
			return
		}
	}
	post(c, okJSON[vouchers.VoucherRequest], func(ctx context.Context) (vouchers.VoucherRequest, error) { return s.v.Take(ctx, id) })
}

// withdrawVoucher takes a pended request back for its agency
// (vouchers.WithdrawRequest).
func (s *Server) withdrawVoucher(c *gin.Context) {
	postReason(c, "request_id", s.v.WithdrawRequest)
}

func (s *Server) reviewQueue(c *gin.Context) {
	p, ok := page(c, "program", "provider_id", "reason", "min_age_days")
	if !ok {
		return
	}
	provider, ok := queryInt(c, "provider_id")
	if !ok {
		return
	}
	age, ok := queryCount(c, "min_age_days")
	if !ok {
		return
	}
	f := vouchers.QueueFilter{ProgramCode: c.Query("program"), ProviderID: provider, Reason: c.Query("reason"), MinAgeDays: age}
	out, err := s.v.Queue(c.Request.Context(), f, p)
	respond(c, http.StatusOK, out, err)
}

func (s *Server) listAuthorizations(c *gin.Context) {
	p, ok := page(c, "client_id", "service_code", "status")
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
	if !knownQuery(c) {
		return
	}
	out, err := s.v.Authorization(c.Request.Context(), id)
	respond(c, http.StatusOK, out, err)
}

func (s *Server) voidAuthorization(c *gin.Context) {
	postReason(c, "authorization_id", s.v.VoidAuthorization)
}

func (s *Server) endHeldAuthorization(c *gin.Context) {
	postReason(c, "authorization_id", s.v.EndHeldAuthorization)
}

func (s *Server) reactivateAuthorization(c *gin.Context) {
	id, ok := pathID(c, "authorization_id")
	if !ok {
		return
	}
	var body struct {
		Reason              string   `json:"reason"`
		Acknowledge         []string `json:"acknowledge"`
		AcknowledgeOverlaps []string `json:"acknowledge_overlaps"`
	}
	if !decode(c, &body) {
		return
	}
	post(c, okJSON[vouchers.Authorization], func(ctx context.Context) (vouchers.Authorization, error) {
		return s.v.ReactivateAuthorization(ctx, id, body.Reason, vouchers.Acknowledgement{Codes: body.Acknowledge, Overlaps: body.AcknowledgeOverlaps})
	})
}

func (s *Server) listAPIKeys(c *gin.Context) {
	p, ok := page(c, "provider_id", "revoked")
	if !ok {
		return
	}
	provider, ok := queryInt(c, "provider_id")
	if !ok {
		return
	}
	f := access.KeyFilter{ProviderID: provider}
	switch v := c.Query("revoked"); v {
	case "":
	case "true", "false":
		revoked := v == "true"
		f.Revoked = &revoked
	default:
		fail(c, rss.Invalid("revoked", "invalid_value", "revoked must be true or false"))
		return
	}
	out, err := s.v.APIKeyList(c.Request.Context(), f, p)
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
	// The secret is shown once: a retry with the same Idempotency-Key is
	// answered as the first was but with "key": null, and the record it is
	// replayed from never holds the secret.
	if req, ok := c.Get(ctxIdem); ok {
		req.(*pg.Request).Keep = func(v any) pg.Answer {
			return asJSON(http.StatusCreated, struct {
				access.NewKey
				Key *string `json:"key"`
			}{NewKey: v.(access.NewKey)})
		}
	}
	post(c, createdJSON[access.NewKey], func(ctx context.Context) (access.NewKey, error) {
		return s.v.CreateAPIKey(ctx, body.Role, body.ProviderID, body.Label)
	})
}

func (s *Server) revokeAPIKey(c *gin.Context) {
	id, ok := pathID(c, "key_id")
	if !ok {
		return
	}
	var body struct {
		Reason string `json:"reason"`
	}
	if sent, ok := optionalBody(c); !ok || (sent && !decode(c, &body)) {
		return
	}
	post(c, okJSON[vouchers.RevokedKey], func(ctx context.Context) (vouchers.RevokedKey, error) {
		out, err := s.v.RevokeAPIKey(ctx, id, body.Reason)
		if err == nil {
			// The revocation has committed: drop the key now, not before,
			// or a request in between would cache it as it was again.
			s.cfg.Keys.ForgetID(id)
		}
		return out, err
	})
}
