package api

import (
	"context"
	"net/http"

	"github.com/gin-gonic/gin"

	"rss"
	"rss/staff"
	"rss/vouchers"
)

func (s *Server) createStaff(c *gin.Context) {
	provider, ok := pathID(c, "provider_id")
	if !ok {
		return
	}
	var n staff.NewStaff
	if !decode(c, &n) {
		return
	}
	post(c, createdJSON[staff.Staff], func(ctx context.Context) (staff.Staff, error) { return s.st.Create(ctx, provider, n) })
}

func (s *Server) getStaff(c *gin.Context) {
	id, ok := pathID(c, "staff_id")
	if !ok {
		return
	}
	if !knownQuery(c) {
		return
	}
	out, err := s.st.Get(c.Request.Context(), id)
	respond(c, http.StatusOK, out, err)
}

func (s *Server) staffHistory(c *gin.Context) {
	id, ok := pathID(c, "staff_id")
	if !ok {
		return
	}
	if !knownQuery(c) {
		return
	}
	out, err := s.st.History(c.Request.Context(), id)
	respond(c, http.StatusOK, items(out), err)
}

func (s *Server) patchStaff(c *gin.Context) {
	id, ok := pathID(c, "staff_id")
	if !ok {
		return
	}
	var p staff.Patch
	if !decode(c, &p) {
		return
	}
	out, err := s.st.Update(c.Request.Context(), id, p)
	respond(c, http.StatusOK, out, err)
}

func (s *Server) addCredential(c *gin.Context) {
	id, ok := pathID(c, "staff_id")
	if !ok {
		return
	}
	var n staff.NewCredential
	if !decode(c, &n) {
		return
	}
	post(c, createdJSON[vouchers.Credential], func(ctx context.Context) (vouchers.Credential, error) {
		return s.st.AddCredential(ctx, id, n)
	})
}

func (s *Server) addBackgroundCheck(c *gin.Context) {
	id, ok := pathID(c, "staff_id")
	if !ok {
		return
	}
	var n staff.NewBackgroundCheck
	if !decode(c, &n) {
		return
	}
	post(c, createdJSON[staff.CheckRecorded], func(ctx context.Context) (staff.CheckRecorded, error) {
		return s.st.AddBackgroundCheck(ctx, id, n)
	})
}

func (s *Server) addExperience(c *gin.Context) {
	id, ok := pathID(c, "staff_id")
	if !ok {
		return
	}
	var n staff.NewExperience
	if !decode(c, &n) {
		return
	}
	post(c, createdJSON[vouchers.Experience], func(ctx context.Context) (vouchers.Experience, error) {
		return s.st.AddExperience(ctx, id, n)
	})
}

func (s *Server) verifyStaffRecord(c *gin.Context) {
	id, ok := pathID(c, "record_id")
	if !ok {
		return
	}
	var body struct {
		DocumentReference string `json:"document_reference"`
	}
	if !decode(c, &body) {
		return
	}
	kind := c.Param("kind")
	post(c, okJSON[staff.Reviewed], func(ctx context.Context) (staff.Reviewed, error) {
		return s.st.VerifyRecord(ctx, kind, id, body.DocumentReference)
	})
}

func (s *Server) rejectStaffRecord(c *gin.Context) {
	id, ok := pathID(c, "record_id")
	if !ok {
		return
	}
	var body struct {
		Reason      string   `json:"reason"`
		EffectiveOn rss.Date `json:"effective_on"`
	}
	if !decode(c, &body) {
		return
	}
	kind := c.Param("kind")
	post(c, okJSON[staff.Reviewed], func(ctx context.Context) (staff.Reviewed, error) {
		return s.st.RejectRecord(ctx, kind, id, body.Reason, body.EffectiveOn)
	})
}

func (s *Server) verificationQueue(c *gin.Context) {
	p, ok := page(c, "kind", "provider_id")
	if !ok {
		return
	}
	provider, ok := queryInt(c, "provider_id")
	if !ok {
		return
	}
	out, err := s.st.Queue(c.Request.Context(), staff.QueueFilter{Kind: c.Query("kind"), ProviderID: provider}, p)
	respond(c, http.StatusOK, out, err)
}
