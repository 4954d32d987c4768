package api

import (
	"context"
	"net/http"

	"github.com/gin-gonic/gin"

	"rss/adjudication"
	"rss/registry"
	"rss/vouchers"
)

// Registry writes: providers and the catalog (package registry).

func (s *Server) createProvider(c *gin.Context) {
	var n registry.NewProvider
	if !decode(c, &n) {
		return
	}
	post(c, createdJSON[vouchers.Provider], func(ctx context.Context) (vouchers.Provider, error) {
		return s.r.CreateProvider(ctx, n)
	})
}

func (s *Server) patchProvider(c *gin.Context) {
	id, ok := pathID(c, "provider_id")
	if !ok {
		return
	}
	var p registry.ProviderPatch
	if !decode(c, &p) {
		return
	}
	out, err := s.r.UpdateProvider(c.Request.Context(), id, p)
	respond(c, http.StatusOK, out, err)
}

func (s *Server) listAgreements(c *gin.Context) {
	id, ok := pathID(c, "provider_id")
	if !ok {
		return
	}
	if !knownQuery(c) {
		return
	}
	out, err := s.r.Agreements(c.Request.Context(), id)
	respond(c, http.StatusOK, items(out), err)
}

func (s *Server) providerHistory(c *gin.Context) {
	id, ok := pathID(c, "provider_id")
	if !ok {
		return
	}
	if !knownQuery(c) {
		return
	}
	out, err := s.r.ProviderHistory(c.Request.Context(), id)
	respond(c, http.StatusOK, items(out), err)
}

func (s *Server) addAgreement(c *gin.Context) {
	id, ok := pathID(c, "provider_id")
	if !ok {
		return
	}
	var n registry.NewAgreement
	if !decode(c, &n) {
		return
	}
	post(c, createdJSON[vouchers.Agreement], func(ctx context.Context) (vouchers.Agreement, error) {
		return s.r.AddAgreement(ctx, id, n)
	})
}

func (s *Server) patchAgreement(c *gin.Context) {
	id, ok := pathID(c, "provider_id")
	if !ok {
		return
	}
	agreement, ok := pathID(c, "agreement_id")
	if !ok {
		return
	}
	var p registry.AgreementPatch
	if !decode(c, &p) {
		return
	}
	out, err := s.r.UpdateAgreement(c.Request.Context(), id, agreement, p)
	respond(c, http.StatusOK, out, err)
}

func (s *Server) deactivateProvider(c *gin.Context) {
	id, ok := pathID(c, "provider_id")
	if !ok {
		return
	}
	var d registry.Deactivation
	if !decode(c, &d) {
		return
	}
	post(c, okJSON[vouchers.Provider], func(ctx context.Context) (vouchers.Provider, error) {
		return s.r.Deactivate(ctx, id, d)
	})
}

func (s *Server) reactivateProvider(c *gin.Context) {
	id, ok := pathID(c, "provider_id")
	if !ok {
		return
	}
	var r registry.ReactivationRequest
	if !decode(c, &r) {
		return
	}
	post(c, okJSON[registry.Reactivation], func(ctx context.Context) (registry.Reactivation, error) {
		return s.r.Reactivate(ctx, id, r)
	})
}

func (s *Server) liftSuspension(c *gin.Context) {
	id, ok := pathID(c, "provider_id")
	if !ok {
		return
	}
	sid, ok := pathID(c, "suspension_id")
	if !ok {
		return
	}
	var r registry.LiftRequest
	if !decode(c, &r) {
		return
	}
	post(c, okJSON[vouchers.Provider], func(ctx context.Context) (vouchers.Provider, error) {
		return s.r.LiftSuspension(ctx, id, sid, r)
	})
}

func (s *Server) createProgram(c *gin.Context) {
	var n registry.NewProgram
	if !decode(c, &n) {
		return
	}
	post(c, createdJSON[vouchers.Program], func(ctx context.Context) (vouchers.Program, error) {
		return s.r.CreateProgram(ctx, n)
	})
}

func (s *Server) voucherRules(c *gin.Context) {
	if !knownQuery(c) {
		return
	}
	out, err := s.r.VoucherRules(c.Request.Context())
	respond(c, http.StatusOK, gin.H{"items": out, "voucher_rule_set_version": adjudication.VoucherRuleSetVersion}, err)
}

func (s *Server) createService(c *gin.Context) {
	var n registry.NewService
	if !decode(c, &n) {
		return
	}
	post(c, createdJSON[vouchers.CatalogService], func(ctx context.Context) (vouchers.CatalogService, error) {
		return s.r.CreateService(ctx, n)
	})
}

func (s *Server) listRates(c *gin.Context) {
	if !knownQuery(c) {
		return
	}
	out, err := s.r.Rates(c.Request.Context(), c.Param("code"))
	respond(c, http.StatusOK, items(out), err)
}

func (s *Server) addRate(c *gin.Context) {
	var n registry.NewRate
	if !decode(c, &n) {
		return
	}
	code := c.Param("code")
	post(c, createdJSON[vouchers.ServiceRate], func(ctx context.Context) (vouchers.ServiceRate, error) {
		return s.r.AddRate(ctx, code, n)
	})
}

func (s *Server) createCatchmentArea(c *gin.Context) {
	var n registry.NewCatchmentArea
	if !decode(c, &n) {
		return
	}
	post(c, createdJSON[registry.AreaWithPrograms], func(ctx context.Context) (registry.AreaWithPrograms, error) {
		return s.r.CreateCatchmentArea(ctx, n)
	})
}

func (s *Server) patchCatchmentArea(c *gin.Context) {
	var p registry.CatchmentAreaPatch
	if !decode(c, &p) {
		return
	}
	out, err := s.r.UpdateCatchmentArea(c.Request.Context(), c.Param("code"), p)
	respond(c, http.StatusOK, out, err)
}

func (s *Server) createDischargeReason(c *gin.Context) {
	var n registry.NewDischargeReason
	if !decode(c, &n) {
		return
	}
	post(c, createdJSON[vouchers.DischargeReason], func(ctx context.Context) (vouchers.DischargeReason, error) {
		return s.r.CreateDischargeReason(ctx, n)
	})
}

func (s *Server) createCredentialType(c *gin.Context) {
	var n registry.NewCode
	if !decode(c, &n) {
		return
	}
	post(c, createdJSON[vouchers.Code], func(ctx context.Context) (vouchers.Code, error) {
		return s.r.CreateCredentialType(ctx, n)
	})
}

func (s *Server) createStaffRole(c *gin.Context) {
	var n registry.NewCode
	if !decode(c, &n) {
		return
	}
	post(c, createdJSON[vouchers.Code], func(ctx context.Context) (vouchers.Code, error) {
		return s.r.CreateStaffRole(ctx, n)
	})
}

func (s *Server) patchDischargeReason(c *gin.Context) {
	var p registry.DischargeReasonPatch
	if !decode(c, &p) {
		return
	}
	out, err := s.r.UpdateDischargeReason(c.Request.Context(), c.Param("code"), p)
	respond(c, http.StatusOK, out, err)
}

func (s *Server) createInstrument(c *gin.Context) {
	var n registry.NewInstrument
	if !decode(c, &n) {
		return
	}
	post(c, createdJSON[vouchers.Instrument], func(ctx context.Context) (vouchers.Instrument, error) {
		return s.r.CreateInstrument(ctx, n)
	})
}

func (s *Server) patchInstrument(c *gin.Context) {
	var p registry.InstrumentPatch
	if !decode(c, &p) {
		return
	}
	out, err := s.r.UpdateInstrument(c.Request.Context(), c.Param("code"), p)
	respond(c, http.StatusOK, out, err)
}
