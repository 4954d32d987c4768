package api

import (
	"context"
	"net/http"

	"github.com/gin-gonic/gin"

	"rss/outcomes"
)

func (s *Server) listEmploymentStages(c *gin.Context) {
	if !knownQuery(c) {
		return
	}
	out, err := s.o.EmploymentStages(c.Request.Context())
	respond(c, http.StatusOK, items(out), err)
}

func (s *Server) recordEmploymentStage(c *gin.Context) {
	id, ok := pathID(c, "enrollment_id")
	if !ok {
		return
	}
	var body outcomes.NewStageChange
	if !decode(c, &body) {
		return
	}
	post(c, createdJSON[outcomes.StageChange], func(ctx context.Context) (outcomes.StageChange, error) {
		return s.o.RecordStage(ctx, id, body)
	})
}

func (s *Server) employmentStageHistory(c *gin.Context) {
	id, ok := pathID(c, "enrollment_id")
	if !ok {
		return
	}
	if !knownQuery(c) {
		return
	}
	out, err := s.o.StageHistory(c.Request.Context(), id)
	respond(c, http.StatusOK, items(out), err)
}

func (s *Server) recordMonthlyProgress(c *gin.Context) {
	id, ok := pathID(c, "enrollment_id")
	if !ok {
		return
	}
	var body outcomes.NewMonthlyProgress
	if !decode(c, &body) {
		return
	}
	post(c, createdJSON[outcomes.MonthlyProgress], func(ctx context.Context) (outcomes.MonthlyProgress, error) {
		return s.o.RecordMonthlyProgress(ctx, id, body)
	})
}

func (s *Server) monthlyProgress(c *gin.Context) {
	id, ok := pathID(c, "enrollment_id")
	if !ok {
		return
	}
	if !knownQuery(c) {
		return
	}
	out, err := s.o.MonthlyProgressList(c.Request.Context(), id)
	respond(c, http.StatusOK, items(out), err)
}

func (s *Server) recordDrugScreen(c *gin.Context) {
	id, ok := pathID(c, "enrollment_id")
	if !ok {
		return
	}
	var body outcomes.NewDrugScreen
	if !decode(c, &body) {
		return
	}
	post(c, createdJSON[outcomes.DrugScreen], func(ctx context.Context) (outcomes.DrugScreen, error) {
		return s.o.RecordDrugScreen(ctx, id, body)
	})
}

func (s *Server) drugScreens(c *gin.Context) {
	id, ok := pathID(c, "enrollment_id")
	if !ok {
		return
	}
	if !knownQuery(c) {
		return
	}
	out, err := s.o.DrugScreens(c.Request.Context(), id)
	respond(c, http.StatusOK, items(out), err)
}

func (s *Server) withdrawInterview(c *gin.Context) {
	postReason(c, "interview_id", s.v.WithdrawInterview)
}

func (s *Server) archivedInterviews(c *gin.Context) {
	id, ok := pathID(c, "client_id")
	if !ok {
		return
	}
	if !knownQuery(c) {
		return
	}
	out, err := s.v.ArchivedInterviews(c.Request.Context(), id)
	respond(c, http.StatusOK, items(out), err)
}

func (s *Server) withdrawDrugScreen(c *gin.Context) {
	postReason(c, "screen_id", s.o.WithdrawDrugScreen)
}

func (s *Server) withdrawStageChange(c *gin.Context) {
	postReason(c, "change_id", s.o.WithdrawStageChange)
}

func (s *Server) withdrawnRecords(c *gin.Context) {
	id, ok := pathID(c, "enrollment_id")
	if !ok {
		return
	}
	if !knownQuery(c) {
		return
	}
	out, err := s.o.ArchivedRecords(c.Request.Context(), id)
	respond(c, http.StatusOK, items(out), err)
}
