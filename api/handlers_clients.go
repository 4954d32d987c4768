package api

import (
	"net/http"

	"github.com/gin-gonic/gin"

	"rss"
	"rss/vouchers"
)

func page(c *gin.Context) (vouchers.Page, bool) {
	limit, ok := queryInt(c, "limit")
	if !ok {
		return vouchers.Page{}, false
	}
	return vouchers.Page{Limit: int(limit), Cursor: c.Query("cursor")}, true
}

func (s *Server) createClient(c *gin.Context) {
	var n vouchers.NewClient
	if !decode(c, &n) {
		return
	}
	out, created, err := s.v.CreateClient(c.Request.Context(), n)
	status := http.StatusOK
	if created {
		status = http.StatusCreated
	}
	respond(c, status, out, err)
}

func (s *Server) listClients(c *gin.Context) {
	p, ok := page(c)
	if !ok {
		return
	}
	out, err := s.v.Clients(c.Request.Context(), p)
	respond(c, http.StatusOK, out, err)
}

func (s *Server) getClient(c *gin.Context) {
	id, ok := pathID(c, "client_id")
	if !ok {
		return
	}
	out, err := s.v.Client(c.Request.Context(), id)
	respond(c, http.StatusOK, out, err)
}

func (s *Server) clientEnrollments(c *gin.Context) {
	id, ok := pathID(c, "client_id")
	if !ok {
		return
	}
	out, err := s.v.ClientEnrollments(c.Request.Context(), id)
	respond(c, http.StatusOK, items(out), err)
}

func (s *Server) clientConsents(c *gin.Context) {
	id, ok := pathID(c, "client_id")
	if !ok {
		return
	}
	out, err := s.v.ClientConsents(c.Request.Context(), id)
	respond(c, http.StatusOK, items(out), err)
}

func (s *Server) clientCarePlans(c *gin.Context) {
	id, ok := pathID(c, "client_id")
	if !ok {
		return
	}
	out, err := s.v.ClientCarePlans(c.Request.Context(), id)
	respond(c, http.StatusOK, items(out), err)
}

func (s *Server) clientDisclosures(c *gin.Context) {
	id, ok := pathID(c, "client_id")
	if !ok {
		return
	}
	p, ok := page(c)
	if !ok {
		return
	}
	out, err := s.v.Disclosures(c.Request.Context(), id, p)
	respond(c, http.StatusOK, out, err)
}

func (s *Server) gpraSchedule(c *gin.Context) {
	id, ok := pathID(c, "client_id")
	if !ok {
		return
	}
	out, err := s.v.Schedule(c.Request.Context(), id)
	respond(c, http.StatusOK, gin.H{"client_id": id, "episodes": out}, err)
}

func (s *Server) createEnrollment(c *gin.Context) {
	var n vouchers.NewEnrollment
	if !decode(c, &n) {
		return
	}
	out, err := s.v.CreateEnrollment(c.Request.Context(), n)
	respond(c, http.StatusCreated, out, err)
}

func (s *Server) getEnrollment(c *gin.Context) {
	id, ok := pathID(c, "enrollment_id")
	if !ok {
		return
	}
	out, err := s.v.Enrollment(c.Request.Context(), id)
	respond(c, http.StatusOK, out, err)
}

func (s *Server) dischargeEnrollment(c *gin.Context) {
	id, ok := pathID(c, "enrollment_id")
	if !ok {
		return
	}
	var body struct {
		DischargeDate rss.Date `json:"discharge_date"`
		Reason        string   `json:"reason"`
	}
	if !decode(c, &body) {
		return
	}
	out, err := s.v.Discharge(c.Request.Context(), id, body.DischargeDate, body.Reason)
	respond(c, http.StatusOK, out, err)
}

func (s *Server) createConsent(c *gin.Context) {
	var n vouchers.NewConsent
	if !decode(c, &n) {
		return
	}
	out, err := s.v.CreateConsent(c.Request.Context(), n)
	respond(c, http.StatusCreated, out, err)
}

func (s *Server) revokeConsent(c *gin.Context) {
	id, ok := pathID(c, "consent_id")
	if !ok {
		return
	}
	var body struct {
		Reason string `json:"reason"`
	}
	if !decode(c, &body) {
		return
	}
	out, err := s.v.RevokeConsent(c.Request.Context(), id, body.Reason)
	respond(c, http.StatusOK, out, err)
}

func (s *Server) recordInterview(c *gin.Context) {
	var n vouchers.NewInterview
	if !decode(c, &n) {
		return
	}
	out, err := s.v.RecordInterview(c.Request.Context(), n)
	respond(c, http.StatusCreated, out, err)
}

func (s *Server) followupRates(c *gin.Context) {
	out, err := s.v.FollowupRates(c.Request.Context())
	respond(c, http.StatusOK, items(out), err)
}

func (s *Server) createCarePlan(c *gin.Context) {
	var n vouchers.NewCarePlan
	if !decode(c, &n) {
		return
	}
	out, err := s.v.CreateCarePlan(c.Request.Context(), n)
	respond(c, http.StatusCreated, out, err)
}

func (s *Server) getCarePlan(c *gin.Context) {
	id, ok := pathID(c, "care_plan_id")
	if !ok {
		return
	}
	out, err := s.v.CarePlan(c.Request.Context(), id)
	respond(c, http.StatusOK, out, err)
}

func (s *Server) closeCarePlan(c *gin.Context) {
	id, ok := pathID(c, "care_plan_id")
	if !ok {
		return
	}
	if c.Request.ContentLength > 0 {
		var body struct{}
		if !decode(c, &body) {
			return
		}
	}
	out, err := s.v.CloseCarePlan(c.Request.Context(), id)
	respond(c, http.StatusOK, out, err)
}
