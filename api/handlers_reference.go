package api

import (
	"net/http"

	"github.com/gin-gonic/gin"

	"rss"
	"rss/adjudication"
	"rss/vouchers"
)

func (s *Server) reasonCodes(c *gin.Context) {
	if !knownQuery(c) {
		return
	}
	c.JSON(http.StatusOK, gin.H{"items": adjudication.Catalogue(),
		"voucher_rule_set_version": adjudication.VoucherRuleSetVersion,
		"claim_rule_set_version":   adjudication.ClaimRuleSetVersion})
}

func (s *Server) listPrograms(c *gin.Context) {
	if !knownQuery(c) {
		return
	}
	out, err := s.v.Programs(c.Request.Context())
	respond(c, http.StatusOK, items(out), err)
}

func (s *Server) getProgram(c *gin.Context) {
	if !knownQuery(c) {
		return
	}
	out, err := s.v.Program(c.Request.Context(), c.Param("code"))
	respond(c, http.StatusOK, out, err)
}

func (s *Server) patchProgram(c *gin.Context) {
	var p vouchers.ProgramPatch
	if !decode(c, &p) {
		return
	}
	out, err := s.v.UpdateProgram(c.Request.Context(), c.Param("code"), p)
	respond(c, http.StatusOK, out, err)
}

func (s *Server) listServices(c *gin.Context) {
	if !knownQuery(c) {
		return
	}
	out, err := s.v.Services(c.Request.Context())
	respond(c, http.StatusOK, items(out), err)
}

func (s *Server) getService(c *gin.Context) {
	if !knownQuery(c) {
		return
	}
	out, err := s.v.ServiceByCode(c.Request.Context(), c.Param("code"))
	respond(c, http.StatusOK, out, err)
}

func (s *Server) patchService(c *gin.Context) {
	var p vouchers.ServicePatch
	if !decode(c, &p) {
		return
	}
	out, err := s.v.UpdateService(c.Request.Context(), c.Param("code"), p)
	respond(c, http.StatusOK, out, err)
}

func (s *Server) listProviders(c *gin.Context) {
	if !knownQuery(c) {
		return
	}
	out, err := s.v.Providers(c.Request.Context())
	respond(c, http.StatusOK, items(out), err)
}

func (s *Server) listAgencies(c *gin.Context) {
	if !knownQuery(c) {
		return
	}
	out, err := s.v.Agencies(c.Request.Context())
	respond(c, http.StatusOK, items(out), err)
}

func (s *Server) getProvider(c *gin.Context) {
	id, ok := pathID(c, "provider_id")
	if !ok {
		return
	}
	if !knownQuery(c) {
		return
	}
	out, err := s.v.ProviderByID(c.Request.Context(), id)
	respond(c, http.StatusOK, out, err)
}

func (s *Server) listStaff(c *gin.Context) {
	id, ok := pathID(c, "provider_id")
	if !ok {
		return
	}
	if !knownQuery(c) {
		return
	}
	out, err := s.v.StaffOf(c.Request.Context(), id)
	respond(c, http.StatusOK, items(out), err)
}

func (s *Server) listCatchmentAreas(c *gin.Context) {
	if !knownQuery(c) {
		return
	}
	out, err := s.v.CatchmentAreas(c.Request.Context())
	respond(c, http.StatusOK, items(out), err)
}

func (s *Server) getCatchmentArea(c *gin.Context) {
	if !knownQuery(c) {
		return
	}
	out, err := s.v.CatchmentAreaByCode(c.Request.Context(), c.Param("code"))
	respond(c, http.StatusOK, out, err)
}

func (s *Server) listSettings(c *gin.Context) {
	if !knownQuery(c) {
		return
	}
	out, err := s.v.Settings(c.Request.Context())
	respond(c, http.StatusOK, items(out), err)
}

func (s *Server) getSetting(c *gin.Context) {
	if !knownQuery(c) {
		return
	}
	out, err := s.v.Setting(c.Request.Context(), c.Param("key"))
	respond(c, http.StatusOK, out, err)
}

func (s *Server) patchSetting(c *gin.Context) {
	var body struct {
		Value  *int                 `json:"value"`
		Reason rss.Optional[string] `json:"reason"`
	}
	if !decode(c, &body) {
		return
	}
	out, err := s.v.UpdateSetting(c.Request.Context(), c.Param("key"), body.Value, body.Reason)
	respond(c, http.StatusOK, out, err)
}

// respond writes v with status, or the problem for err.
func respond(c *gin.Context, status int, v any, err error) {
	if err != nil {
		fail(c, err)
		return
	}
	c.JSON(status, v)
}

// items wraps a non-paginated list.
func items[T any](list []T) gin.H {
	if list == nil {
		list = []T{}
	}
	return gin.H{"items": list}
}

func (s *Server) listInstruments(c *gin.Context) {
	if !knownQuery(c) {
		return
	}
	out, err := s.v.Instruments(c.Request.Context())
	respond(c, http.StatusOK, items(out), err)
}

func (s *Server) getInstrument(c *gin.Context) {
	if !knownQuery(c) {
		return
	}
	out, err := s.v.InstrumentByCode(c.Request.Context(), c.Param("code"))
	respond(c, http.StatusOK, out, err)
}

func (s *Server) listStaffRoles(c *gin.Context) {
	if !knownQuery(c) {
		return
	}
	out, err := s.v.StaffRoles(c.Request.Context())
	respond(c, http.StatusOK, items(out), err)
}

func (s *Server) listCredentialTypes(c *gin.Context) {
	if !knownQuery(c) {
		return
	}
	out, err := s.v.CredentialTypes(c.Request.Context())
	respond(c, http.StatusOK, items(out), err)
}

func (s *Server) programHistory(c *gin.Context) {
	if !knownQuery(c) {
		return
	}
	out, err := s.v.ProgramHistory(c.Request.Context(), c.Param("code"))
	respond(c, http.StatusOK, items(out), err)
}

func (s *Server) serviceHistory(c *gin.Context) {
	if !knownQuery(c) {
		return
	}
	out, err := s.v.ServiceHistory(c.Request.Context(), c.Param("code"))
	respond(c, http.StatusOK, items(out), err)
}

func (s *Server) settingHistory(c *gin.Context) {
	if !knownQuery(c) {
		return
	}
	out, err := s.v.SettingHistory(c.Request.Context(), c.Param("key"))
	respond(c, http.StatusOK, items(out), err)
}

func (s *Server) catchmentAreaHistory(c *gin.Context) {
	if !knownQuery(c) {
		return
	}
	out, err := s.r.CatchmentAreaHistory(c.Request.Context(), c.Param("code"))
	respond(c, http.StatusOK, items(out), err)
}

func (s *Server) dischargeReasonHistory(c *gin.Context) {
	if !knownQuery(c) {
		return
	}
	out, err := s.r.DischargeReasonHistory(c.Request.Context(), c.Param("code"))
	respond(c, http.StatusOK, items(out), err)
}

func (s *Server) instrumentHistory(c *gin.Context) {
	if !knownQuery(c) {
		return
	}
	out, err := s.r.InstrumentHistory(c.Request.Context(), c.Param("code"))
	respond(c, http.StatusOK, items(out), err)
}
