package api

import (
	"context"
	"net/http"

	"github.com/gin-gonic/gin"

	"rss"
	"rss/vouchers"
)

func (s *Server) reassignEnrollment(c *gin.Context) {
	id, ok := pathID(c, "enrollment_id")
	if !ok {
		return
	}
	var body vouchers.Reassignment
	if !decode(c, &body) {
		return
	}
	post(c, okJSON[vouchers.Enrollment], func(ctx context.Context) (vouchers.Enrollment, error) { return s.v.Reassign(ctx, id, body) })
}

func (s *Server) correctEnrollmentStart(c *gin.Context) {
	id, ok := pathID(c, "enrollment_id")
	if !ok {
		return
	}
	var body vouchers.StartCorrection
	if !decode(c, &body) {
		return
	}
	post(c, okJSON[vouchers.Enrollment], func(ctx context.Context) (vouchers.Enrollment, error) { return s.v.CorrectStart(ctx, id, body) })
}

func (s *Server) transferPrimary(c *gin.Context) {
	id, ok := pathID(c, "enrollment_id")
	if !ok {
		return
	}
	var body vouchers.PrimaryTransfer
	if !decode(c, &body) {
		return
	}
	post(c, createdJSON[vouchers.PrimaryTransferResult], func(ctx context.Context) (vouchers.PrimaryTransferResult, error) {
		return s.v.TransferPrimary(ctx, id, body)
	})
}

func (s *Server) designatePrimary(c *gin.Context) {
	postReason(c, "enrollment_id", s.v.DesignatePrimary)
}

func (s *Server) listDischargeReasons(c *gin.Context) {
	if !knownQuery(c, "program_code", "include_retired") {
		return
	}
	// The reasons in use, for choosing; the retired too when asked (what
	// older discharges carry, for an admin restoring one).
	var retired bool
	switch v := c.Query("include_retired"); v {
	case "", "false":
	case "true":
		retired = true
	default:
		fail(c, rss.Invalid("include_retired", "invalid_value", "include_retired must be true or false"))
		return
	}
	out, err := s.v.DischargeReasons(c.Request.Context(), c.Query("program_code"), retired)
	respond(c, http.StatusOK, items(out), err)
}

func (s *Server) clientEligibility(c *gin.Context) {
	id, ok := pathID(c, "client_id")
	if !ok {
		return
	}
	if !knownQuery(c) {
		return
	}
	out, err := s.v.ClientEligibility(c.Request.Context(), id)
	respond(c, http.StatusOK, items(out), err)
}

func (s *Server) addEligibility(c *gin.Context) {
	id, ok := pathID(c, "client_id")
	if !ok {
		return
	}
	var body vouchers.NewEligibility
	if !decode(c, &body) {
		return
	}
	post(c, createdJSON[vouchers.Eligibility], func(ctx context.Context) (vouchers.Eligibility, error) { return s.v.AddEligibility(ctx, id, body) })
}

func (s *Server) endEligibility(c *gin.Context) {
	id, ok := pathID(c, "client_id")
	if !ok {
		return
	}
	span, ok := pathID(c, "span_id")
	if !ok {
		return
	}
	var body struct {
		EndDate rss.Date `json:"end_date"`
	}
	if !decode(c, &body) {
		return
	}
	post(c, okJSON[vouchers.Eligibility], func(ctx context.Context) (vouchers.Eligibility, error) {
		return s.v.EndEligibility(ctx, id, span, body.EndDate)
	})
}
