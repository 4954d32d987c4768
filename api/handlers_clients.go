package api

import (
	"context"
	"errors"
	"math"
	"net/http"
	"slices"
	"sort"
	"strconv"

	"github.com/gin-gonic/gin"

	"rss"
	"rss/pg"
	"rss/vouchers"
)

// page reads a list's limit and cursor, and refuses (422, as the reports
// do) a query parameter that is neither those nor one of the list's
// filters, or one given twice: a misspelt filter would otherwise answer
// the whole list as if it had narrowed it.
func page(c *gin.Context, filters ...string) (vouchers.Page, bool) {
	if !knownQuery(c, append(filters, "limit", "cursor")...) {
		return vouchers.Page{}, false
	}
	// A whole number too large for an int64 is out of range as 501 is, not
	// invalid_value as an id that large is: the domain says so.
	// 0 and below are out of range as 501 is, in the domain's one message
	// naming the range ("a positive whole number" for 0, "between 1 and
	// 500" for 501: a README black-box pass).
	switch v, err := strconv.ParseInt(c.Query("limit"), 10, 64); {
	case errors.Is(err, strconv.ErrRange):
		return vouchers.Page{Limit: math.MaxInt, Cursor: c.Query("cursor")}, true
	case err == nil && v <= 0 && strconv.FormatInt(v, 10) == c.Query("limit"):
		return vouchers.Page{Limit: -1, Cursor: c.Query("cursor")}, true
	}
	limit, ok := queryInt(c, "limit")
	if !ok {
		return vouchers.Page{}, false
	}
	return vouchers.Page{Limit: int(limit), Cursor: c.Query("cursor")}, true
}

// knownQuery refuses, 422, a query parameter not among names, given twice or
// given empty. Every GET calls it, a read that takes no parameter with no
// names: the reference lists ignored any, so ?program_code=ATR answered
// every service as if filtered (a black-box pass).
func knownQuery(c *gin.Context, names ...string) bool {
	q := c.Request.URL.Query()
	given := make([]string, 0, len(q))
	for k := range q {
		given = append(given, k)
	}
	sort.Strings(given)
	// Listed as a body's problems are (rss.ValidationError): at most 100,
	// each name clipped; 5,000 unknown names drew 5,000 entries (a reports
	// black-box pass).
	bad := &rss.ValidationError{}
	for _, k := range given {
		switch {
		case !slices.Contains(names, k):
			bad.Add(k, "unknown_parameter", "this request does not take %s", k)
		case len(q[k]) > 1:
			bad.Add(k, "repeated", "%s is given more than once", k)
		case q[k][0] == "" && k != "cursor":
			// A filter sent empty (?kind=) is a slip, not "no filter": it
			// answered the unfiltered list. An empty cursor is the first page.
			bad.Add(k, "invalid_value", "%s is empty", k)
		}
	}
	if bad.Err() != nil {
		problem(c, http.StatusUnprocessableEntity, "validation_failed", "The request is not valid", "invalid query parameter", bad.Fields...)
		return false
	}
	return true
}

func (s *Server) createClient(c *gin.Context) {
	var n vouchers.NewClient
	if !decode(c, &n) {
		return
	}
	post(c, func(r vouchers.Registration) pg.Answer {
		if r.Created {
			return asJSON(http.StatusCreated, r.Client)
		}
		return asJSON(http.StatusOK, r.Client)
	}, func(ctx context.Context) (vouchers.Registration, error) { return s.v.Register(ctx, n) })
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
	if !knownQuery(c) {
		return
	}
	out, err := s.v.Client(c.Request.Context(), id)
	respond(c, http.StatusOK, out, err)
}

func (s *Server) patchClient(c *gin.Context) {
	id, ok := pathID(c, "client_id")
	if !ok {
		return
	}
	var p vouchers.ClientPatch
	if !decode(c, &p) {
		return
	}
	out, err := s.v.UpdateClient(c.Request.Context(), id, p)
	respond(c, http.StatusOK, out, err)
}

func (s *Server) clientEnrollments(c *gin.Context) {
	id, ok := pathID(c, "client_id")
	if !ok {
		return
	}
	if !knownQuery(c) {
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
	if !knownQuery(c) {
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
	if !knownQuery(c) {
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

func (s *Server) listAuditEvents(c *gin.Context) {
	p, ok := page(c, "client_id", "entity_type", "entity_id", "action", "actor_key_id", "from", "to")
	if !ok {
		return
	}
	q := vouchers.AuditQuery{EntityType: c.Query("entity_type"), EntityID: c.Query("entity_id"), Action: c.Query("action")}
	if q.ClientID, ok = queryInt(c, "client_id"); !ok {
		return
	}
	if q.ActorKeyID, ok = queryInt(c, "actor_key_id"); !ok {
		return
	}
	if q.From, ok = queryDate(c, "from"); !ok {
		return
	}
	if q.To, ok = queryDate(c, "to"); !ok {
		return
	}
	out, err := s.v.AuditEvents(c.Request.Context(), q, p)
	respond(c, http.StatusOK, out, err)
}

func (s *Server) gpraSchedule(c *gin.Context) {
	id, ok := pathID(c, "client_id")
	if !ok {
		return
	}
	if !knownQuery(c) {
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
	post(c, createdJSON[vouchers.Enrollment], func(ctx context.Context) (vouchers.Enrollment, error) { return s.v.CreateEnrollment(ctx, n) })
}

func (s *Server) getEnrollment(c *gin.Context) {
	id, ok := pathID(c, "enrollment_id")
	if !ok {
		return
	}
	if !knownQuery(c) {
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
		ReasonCode    string   `json:"reason_code"`
		Reason        string   `json:"reason"`
	}
	if !decode(c, &body) {
		return
	}
	post(c, okJSON[vouchers.Enrollment], func(ctx context.Context) (vouchers.Enrollment, error) {
		return s.v.Discharge(ctx, id, body.DischargeDate, body.ReasonCode, body.Reason)
	})
}

func (s *Server) withdrawEnrollment(c *gin.Context) {
	postReason(c, "enrollment_id", s.v.WithdrawEnrollment)
}

func (s *Server) createConsent(c *gin.Context) {
	var n vouchers.NewConsent
	if !decode(c, &n) {
		return
	}
	post(c, createdJSON[vouchers.Consent], func(ctx context.Context) (vouchers.Consent, error) { return s.v.CreateConsent(ctx, n) })
}

func (s *Server) revokeConsent(c *gin.Context) {
	postReason(c, "consent_id", s.v.RevokeConsent)
}

func (s *Server) expireConsent(c *gin.Context) {
	id, ok := pathID(c, "consent_id")
	if !ok {
		return
	}
	var body vouchers.ConsentExpiry
	if !decode(c, &body) {
		return
	}
	post(c, okJSON[vouchers.Consent], func(ctx context.Context) (vouchers.Consent, error) { return s.v.ExpireConsent(ctx, id, body) })
}

func (s *Server) recordInterview(c *gin.Context) {
	var n vouchers.NewInterview
	if !decode(c, &n) {
		return
	}
	post(c, createdJSON[vouchers.Interview], func(ctx context.Context) (vouchers.Interview, error) { return s.v.RecordInterview(ctx, n) })
}

// followupRates is the first GPRA endpoint, answered by the reports domain
// since the GPRA report moved there (GET /v1/reports/gpra is the full one).
func (s *Server) followupRates(c *gin.Context) {
	// It takes no parameter: ?format=csv or ?provider_id=1 would otherwise
	// answer the whole JSON as if it had been heard.
	if !knownQuery(c) {
		return
	}
	out, err := s.rep.FollowupRates(c.Request.Context())
	if err == nil {
		// A report as the others are, its rows each agency's own: the
		// notice goes with it (a reports pass found it the one without).
		c.Header("X-Redisclosure-Notice", rss.Part2Notice)
	}
	respond(c, http.StatusOK, items(out), err)
}

func (s *Server) createCarePlan(c *gin.Context) {
	var n vouchers.NewCarePlan
	if !decode(c, &n) {
		return
	}
	post(c, createdJSON[vouchers.CarePlan], func(ctx context.Context) (vouchers.CarePlan, error) { return s.v.CreateCarePlan(ctx, n) })
}

func (s *Server) getCarePlan(c *gin.Context) {
	id, ok := pathID(c, "care_plan_id")
	if !ok {
		return
	}
	if !knownQuery(c) {
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
	if sent, ok := optionalBody(c); !ok {
		return
	} else if sent {
		var body struct{}
		if !decode(c, &body) {
			return
		}
	}
	post(c, okJSON[vouchers.CarePlan], func(ctx context.Context) (vouchers.CarePlan, error) { return s.v.CloseCarePlan(ctx, id) })
}

func (s *Server) separateClient(c *gin.Context) {
	postReason(c, "client_id", s.v.Separate)
}
