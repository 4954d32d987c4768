package api

import (
	"context"
	_ "embed"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/jmoiron/sqlx"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"rss/access"
	"rss/billing"
	"rss/console"
	"rss/outcomes"
	"rss/pg"
	"rss/registry"
	"rss/reports"
	"rss/staff"
	"rss/vouchers"
)

//go:embed openapi.yaml
var openapiYAML []byte

// OpenAPI returns the embedded OpenAPI document.
func OpenAPI() []byte { return openapiYAML }

// Config wires the server.
type Config struct {
	DB *sqlx.DB
	// DBName is the database's name on /metrics' pool gauges ("rss" when
	// empty).
	DBName   string
	Build    string // the commit on rss_build_info ("unknown" when empty)
	Vouchers *vouchers.Service
	Billing  *billing.Service
	Staff    *staff.Service
	Registry *registry.Service
	Outcomes *outcomes.Service
	Reports  *reports.Service
	Keys     *access.Keys
	// Console is the web console mounted at /console (nil: none).
	Console *console.Console
	Logger  *slog.Logger
	// MaxBody caps ordinary request bodies; MaxBulkBody caps bulk claim intake.
	MaxBody     int64
	MaxBulkBody int64
	// Ready reports whether the database is reachable and migrated.
	Ready func(ctx context.Context) error
}

// Server is the HTTP API.
type Server struct {
	cfg     Config
	v       *vouchers.Service
	b       *billing.Service
	st      *staff.Service
	r       *registry.Service
	o       *outcomes.Service
	rep     *reports.Service
	metrics *metrics
	engine  *gin.Engine
	// checking holds a token while a readiness check waits on the
	// database: one at a time, so a database that never answers holds one
	// connection, not one per probe (twenty probes filled the pool; a
	// black-box re-check).
	checking chan struct{}
}

// errCheckPending: an earlier readiness check still waits on the database.
var errCheckPending = errors.New("readiness check pending")

// New builds the router.
func New(cfg Config) *Server {
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	if cfg.MaxBody == 0 {
		cfg.MaxBody = 1 << 20
	}
	if cfg.MaxBulkBody == 0 {
		cfg.MaxBulkBody = 32 << 20
	}
	gin.SetMode(gin.ReleaseMode)
	s := &Server{cfg: cfg, v: cfg.Vouchers, b: cfg.Billing, st: cfg.Staff, r: cfg.Registry, o: cfg.Outcomes, rep: cfg.Reports, metrics: newMetrics(),
		checking: make(chan struct{}, 1)}
	if cfg.DB != nil {
		// The pool's connections in use, idle and waited for: an exhausted
		// pool was invisible (a black-box pass).
		// Labelled with the database DATABASE_URL names (every deployment
		// read "rss" whatever it named: a black-box pass).
		name := cfg.DBName
		if name == "" {
			name = "rss"
		}
		s.metrics.reg.MustRegister(collectors.NewDBStatsCollector(cfg.DB.DB, name))
	}
	s.metrics.build(cfg.Build)
	e := gin.New()
	e.HandleMethodNotAllowed = true
	e.RedirectTrailingSlash = false
	e.RedirectFixedPath = false
	// Routes match the path as sent: an encoded slash is part of a
	// segment, not a separator (/v1/clients%2F1 answered client 1, one
	// record under several URLs; a black-box pass). Path values are
	// unescaped after matching.
	e.UseRawPath = true
	e.Use(withRequestID(), observe(s.metrics, cfg.Logger), retryAfter(), recoverProblem())
	// Answers for no route and no method carry the headers of the part
	// asked for: the console's page headers, or the API's no-store and
	// nosniff (they had none, a black-box pass).
	e.NoRoute(func(c *gin.Context) {
		if cfg.Console != nil && strings.HasPrefix(c.Request.URL.Path, "/console/") {
			cfg.Console.NotFound(c) // a page, not a problem
			return
		}
		setNoStore(c)
		problem(c, http.StatusNotFound, "not_found", "Not found", "no such route")
	})
	e.NoMethod(func(c *gin.Context) {
		if cfg.Console != nil && strings.HasPrefix(c.Request.URL.Path, "/console/") {
			cfg.Console.MethodNotAllowed(c)
			return
		}
		setNoStore(c)
		// gin has set Allow (RFC 9110 §15.5.6); the detail says it in words
		// for a caller reading only the body.
		detail := "this route does not accept " + c.Request.Method
		if allow := c.Writer.Header().Get("Allow"); allow != "" {
			detail += "; it accepts " + allow
		}
		problem(c, http.StatusMethodNotAllowed, "method_not_allowed", "Method not allowed", detail)
	})

	e.GET("/healthz", func(c *gin.Context) { c.JSON(http.StatusOK, gin.H{"status": "ok"}) })
	e.GET("/readyz", s.readyz)
	e.GET("/metrics", gin.WrapH(promhttp.HandlerFor(s.metrics.reg, promhttp.HandlerOpts{})))
	e.GET("/openapi.yaml", func(c *gin.Context) { c.Data(http.StatusOK, "application/yaml", openapiYAML) })

	v1 := e.Group("/v1", noStore(), authenticate(cfg.Keys), wellFormed())
	small := limitBody(cfg.MaxBody)
	ids := pg.NewIdempotency(cfg.DB)
	postRoute := func(path string, h gin.HandlerFunc) { v1.POST(path, small, idempotent(ids), h) }

	v1.GET("/reason-codes", s.reasonCodes)

	ref := v1.Group("/reference")
	ref.GET("/programs", s.listPrograms)
	ref.GET("/programs/:code", s.getProgram)
	ref.PATCH("/programs/:code", small, s.patchProgram)
	ref.GET("/programs/:code/history", s.programHistory)
	ref.GET("/services", s.listServices)
	ref.GET("/services/:code", s.getService)
	ref.PATCH("/services/:code", small, s.patchService)
	ref.GET("/services/:code/history", s.serviceHistory)
	ref.GET("/providers", s.listProviders)
	ref.GET("/agencies", s.listAgencies)
	ref.GET("/providers/:provider_id", s.getProvider)
	ref.GET("/providers/:provider_id/staff", s.listStaff)
	ref.GET("/catchment-areas", s.listCatchmentAreas)

	// The registry's writes (admin): providers, agreements, the catalog.
	refPost := func(path string, h gin.HandlerFunc) { ref.POST(path, small, idempotent(ids), h) }
	refPost("/providers", s.createProvider)
	ref.PATCH("/providers/:provider_id", small, s.patchProvider)
	ref.GET("/providers/:provider_id/agreements", s.listAgreements)
	ref.GET("/providers/:provider_id/history", s.providerHistory)
	refPost("/providers/:provider_id/agreements", s.addAgreement)
	ref.PATCH("/providers/:provider_id/agreements/:agreement_id", small, s.patchAgreement)
	refPost("/providers/:provider_id/deactivate", s.deactivateProvider)
	refPost("/providers/:provider_id/reactivate", s.reactivateProvider)
	refPost("/providers/:provider_id/suspensions/:suspension_id/lift", s.liftSuspension)
	refPost("/programs", s.createProgram)
	ref.GET("/voucher-rules", s.voucherRules)
	refPost("/services", s.createService)
	ref.GET("/services/:code/rates", s.listRates)
	refPost("/services/:code/rates", s.addRate)
	refPost("/catchment-areas", s.createCatchmentArea)
	ref.GET("/catchment-areas/:code", s.getCatchmentArea)
	ref.PATCH("/catchment-areas/:code", small, s.patchCatchmentArea)
	ref.GET("/catchment-areas/:code/history", s.catchmentAreaHistory)
	ref.GET("/settings", s.listSettings)
	ref.GET("/gpra-instruments", s.listInstruments)
	refPost("/gpra-instruments", s.createInstrument)
	ref.GET("/gpra-instruments/:code", s.getInstrument)
	ref.PATCH("/gpra-instruments/:code", small, s.patchInstrument)
	ref.GET("/gpra-instruments/:code/history", s.instrumentHistory)
	// Discharge reasons are listed for choosing at /v1/discharge-reasons
	// (every role); the admin writes them here, with the rest of the
	// reference data, and reads the same list where it writes (a new
	// user's black-box pass read a 405 here).
	ref.GET("/discharge-reasons", s.listDischargeReasons)
	refPost("/discharge-reasons", s.createDischargeReason)
	ref.PATCH("/discharge-reasons/:code", small, s.patchDischargeReason)
	ref.GET("/discharge-reasons/:code/history", s.dischargeReasonHistory)
	ref.GET("/staff-roles", s.listStaffRoles)
	refPost("/staff-roles", s.createStaffRole)
	ref.GET("/credential-types", s.listCredentialTypes)
	refPost("/credential-types", s.createCredentialType)
	ref.GET("/settings/:key", s.getSetting)
	ref.PATCH("/settings/:key", small, s.patchSetting)
	ref.GET("/settings/:key/history", s.settingHistory)

	postRoute("/providers/:provider_id/staff", s.createStaff)
	v1.GET("/providers/:provider_id/staff", s.listStaff) // where staff are hired, as under /reference
	v1.GET("/staff/:staff_id", s.getStaff)
	v1.GET("/staff/:staff_id/history", s.staffHistory)
	v1.PATCH("/staff/:staff_id", small, s.patchStaff)
	postRoute("/staff/:staff_id/credentials", s.addCredential)
	postRoute("/staff/:staff_id/background-checks", s.addBackgroundCheck)
	postRoute("/staff/:staff_id/experience", s.addExperience)
	postRoute("/staff-records/:kind/:record_id/verify", s.verifyStaffRecord)
	postRoute("/staff-records/:kind/:record_id/reject", s.rejectStaffRecord)
	v1.GET("/verification-queue", s.verificationQueue)

	postRoute("/clients", s.createClient)
	v1.GET("/clients", s.listClients)
	v1.GET("/clients/:client_id", s.getClient)
	v1.PATCH("/clients/:client_id", small, s.patchClient)
	v1.GET("/clients/:client_id/enrollments", s.clientEnrollments)
	v1.GET("/clients/:client_id/consents", s.clientConsents)
	v1.GET("/clients/:client_id/care-plans", s.clientCarePlans)
	v1.GET("/clients/:client_id/gpra-schedule", s.gpraSchedule)
	v1.GET("/clients/:client_id/disclosures", s.clientDisclosures)
	v1.GET("/clients/:client_id/eligibility", s.clientEligibility)
	postRoute("/clients/:client_id/eligibility", s.addEligibility)
	postRoute("/clients/:client_id/eligibility/:span_id/end", s.endEligibility)
	postRoute("/clients/:client_id/separate", s.separateClient)

	postRoute("/enrollments", s.createEnrollment)
	v1.GET("/enrollments/:enrollment_id", s.getEnrollment)
	postRoute("/enrollments/:enrollment_id/discharge", s.dischargeEnrollment)
	postRoute("/enrollments/:enrollment_id/withdraw", s.withdrawEnrollment)
	postRoute("/enrollments/:enrollment_id/reassign", s.reassignEnrollment)
	postRoute("/enrollments/:enrollment_id/correct-start", s.correctEnrollmentStart)
	postRoute("/enrollments/:enrollment_id/transfer-primary", s.transferPrimary)
	postRoute("/enrollments/:enrollment_id/designate-primary", s.designatePrimary)
	v1.GET("/discharge-reasons", s.listDischargeReasons)
	v1.GET("/audit-events", s.listAuditEvents)

	// Program records (outcomes): EMP stages, RCM months, RSVP screens.
	v1.GET("/employment-stages", s.listEmploymentStages)
	postRoute("/enrollments/:enrollment_id/employment-stages", s.recordEmploymentStage)
	v1.GET("/enrollments/:enrollment_id/employment-stages", s.employmentStageHistory)
	postRoute("/enrollments/:enrollment_id/monthly-progress", s.recordMonthlyProgress)
	v1.GET("/enrollments/:enrollment_id/monthly-progress", s.monthlyProgress)
	postRoute("/enrollments/:enrollment_id/drug-screens", s.recordDrugScreen)
	v1.GET("/enrollments/:enrollment_id/drug-screens", s.drugScreens)

	postRoute("/consents", s.createConsent)
	postRoute("/consents/:consent_id/revoke", s.revokeConsent)
	postRoute("/consents/:consent_id/expire", s.expireConsent)

	postRoute("/gpra-interviews", s.recordInterview)
	postRoute("/gpra-interviews/:interview_id/withdraw", s.withdrawInterview)
	v1.GET("/clients/:client_id/gpra-interviews/withdrawn", s.archivedInterviews)
	postRoute("/drug-screens/:screen_id/withdraw", s.withdrawDrugScreen)
	postRoute("/employment-stage-changes/:change_id/withdraw", s.withdrawStageChange)
	v1.GET("/enrollments/:enrollment_id/withdrawn-records", s.withdrawnRecords)
	v1.GET("/reports/gpra-follow-up", s.followupRates)
	// The state's view (reports): JSON or CSV, read-only.
	v1.GET("/reports/utilization", unhurried(), s.report((*reports.Service).Utilization))
	v1.GET("/reports/caseload", unhurried(), s.report((*reports.Service).Caseload))
	v1.GET("/reports/length-of-service", unhurried(), s.report((*reports.Service).LengthOfService))
	v1.GET("/reports/pended-queue", unhurried(), s.report((*reports.Service).PendedQueue))
	v1.GET("/reports/employment-movement", unhurried(), s.report((*reports.Service).EmploymentMovement))
	v1.GET("/reports/rsvp-outcomes", unhurried(), s.report((*reports.Service).RSVPOutcomes))
	v1.GET("/reports/gpra", unhurried(), s.report((*reports.Service).GPRA))
	v1.GET("/reports/rcm-monthly", unhurried(), s.report((*reports.Service).RCMMonthly))
	v1.GET("/reports/state-extract", unhurried(), s.report((*reports.Service).Extract))
	v1.GET("/reports/days-past-24-hours", unhurried(), s.report((*reports.Service).DaysPast24Hours))

	postRoute("/care-plans", s.createCarePlan)
	v1.GET("/care-plans/:care_plan_id", s.getCarePlan)
	postRoute("/care-plans/:care_plan_id/close", s.closeCarePlan)

	postRoute("/voucher-requests", s.submitVoucher)
	v1.GET("/voucher-requests", s.listVouchers)
	v1.GET("/voucher-requests/:request_id", s.getVoucher)
	v1.GET("/voucher-requests/:request_id/replay", s.replayVoucher)
	postRoute("/voucher-requests/:request_id/decision", s.decideVoucher)
	postRoute("/voucher-requests/:request_id/take", s.takeVoucher)
	postRoute("/voucher-requests/:request_id/withdraw", s.withdrawVoucher)
	v1.GET("/review-queue", s.reviewQueue)

	v1.GET("/authorizations", s.listAuthorizations)
	v1.GET("/authorizations/:authorization_id", s.getAuthorization)
	postRoute("/authorizations/:authorization_id/void", s.voidAuthorization)
	postRoute("/authorizations/:authorization_id/reactivate", s.reactivateAuthorization)
	postRoute("/authorizations/:authorization_id/end", s.endHeldAuthorization)

	postRoute("/claims", s.submitClaim)
	v1.POST("/claims/bulk", unhurried(), limitBody(cfg.MaxBulkBody), idempotent(ids), s.submitClaimsBulk)
	v1.GET("/claims", s.listClaims)
	v1.GET("/claims/:claim_id", s.getClaim)
	v1.GET("/claims/:claim_id/remittance", s.claimRemittance)
	postRoute("/claims/:claim_id/void", s.voidClaim)
	postRoute("/claims/:claim_id/resend", s.resendVoid)

	v1.POST("/batches", unhurried(), small, idempotent(ids), s.createBatch)
	v1.GET("/batches", s.listBatches)
	v1.GET("/batches/preview", unhurried(), s.previewBatch)
	v1.GET("/batches/:batch_id", s.getBatch)
	v1.GET("/batches/:batch_id/file", unhurried(), s.batchFile)
	v1.GET("/batches/:batch_id/remittance/:provider_id", unhurried(), s.batchAdvice)
	v1.GET("/batch-holds", s.listHolds)
	v1.GET("/providers/:provider_id/remittances", s.providerRemittances)
	postRoute("/batch-holds/:claim_id/release", s.releaseHold)

	// The payer's answers (999, 277CA, 835): a file is a raw X12 body, as
	// large as a bulk of claims may be.
	v1.POST("/payer-files", unhurried(), limitBody(cfg.MaxBulkBody), idempotent(ids), s.importPayerFile)
	v1.GET("/payer-files", s.listPayerFiles)
	v1.GET("/payer-files/:file_id", s.getPayerFile)
	v1.GET("/reconciliation", unhurried(), s.reconciliation)

	v1.GET("/api-keys", s.listAPIKeys)
	postRoute("/api-keys", s.createAPIKey)
	postRoute("/api-keys/:key_id/revoke", s.revokeAPIKey)

	if cfg.Console != nil {
		cfg.Console.Register(e, console.Hooks{Reviewed: func(d string) { s.metrics.reviews.WithLabelValues(d).Inc() }, Gone: abandoned,
			Unhurried: unhurried()})
	}

	s.engine = e
	return s
}

// headKey marks a request that came as a HEAD (ServeHTTP).
type headKey struct{}

// ServeHTTP makes the server an http.Handler.
// ServeHTTP serves r. A HEAD is routed as the GET it asks about (RFC 9110
// §9.3.2: every GET route answers HEAD; each was a 405, a black-box
// pass); the server's connection still holds the HEAD request, so
// net/http sends the GET's status and headers without its body.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method == http.MethodHead {
		// Nothing of the records leaves: the read is not audited as one.
		// The log and the metrics still name it HEAD (observe): logged as
		// a GET, a HEAD of the state extract read as a pull with no
		// disclosure behind it (a re-check).
		r = r.Clone(context.WithValue(access.Unsent(r.Context()), headKey{}, true))
		r.Method = http.MethodGet
	}
	s.engine.ServeHTTP(w, r)
}

// InFlight is the number of requests being served.
func (s *Server) InFlight() int64 { return s.metrics.inFlight.Load() }

// CutOff says the requests still in flight are about to be closed by a
// shutdown that timed out: each is then logged as cut off by it, a 503,
// not as abandoned by its client.
func (s *Server) CutOff() { s.metrics.cutting.Store(true) }

// Routes lists the method and path template of every route, for the
// OpenAPI coverage test.
func (s *Server) Routes() []gin.RouteInfo { return s.engine.Routes() }

func (s *Server) readyz(c *gin.Context) {
	ctx, cancel := context.WithTimeout(c.Request.Context(), 2*time.Second)
	defer cancel()
	if s.cfg.Ready != nil {
		// A database that takes connections and never answers held the
		// check past any context, and /readyz hung 147 s (a black-box
		// pass, the database's processes stopped): pg's connections are
		// cut as the context ends, so the check ends at its deadline. A
		// check under way is waited for, within this one's deadline.
		var err error
		select {
		case s.checking <- struct{}{}:
			func() {
				defer func() { <-s.checking }()
				err = s.cfg.Ready(ctx)
			}()
		case <-ctx.Done():
			err = errCheckPending
		}
		if err != nil {
			// What failed, by class (no database text): the log says it, as
			// the answer did not (a black-box pass).
			detail := "the database did not answer within 2 s"
			switch {
			case errors.Is(err, errCheckPending):
				detail = "the database has not answered a check started earlier"
			case errors.Is(err, context.DeadlineExceeded), ctx.Err() != nil:
				// Every connection of rss's own pool in use: the check
				// waited for one, not for the database, and the engineer on
				// call was sent to PostgreSQL (an on-call pass).
				if s.cfg.DB != nil {
					if st := s.cfg.DB.Stats(); st.MaxOpenConnections > 0 && st.InUse >= st.MaxOpenConnections {
						detail = fmt.Sprintf("no connection of rss's pool was free within 2 s: all %d are in use (RSS_DB_MAX_CONNS); "+
							"the database itself may be answering", st.MaxOpenConnections)
					}
				}
			case errors.Is(err, pg.ErrSchemaNewer):
				detail = err.Error()
			case pg.IsUnavailable(err):
				detail = "the database is unavailable"
			default:
				detail = "the database is not migrated to this release (rss migrate), or answered with an error"
			}
			s.cfg.Logger.Warn("not ready", "request_id", c.Writer.Header().Get("X-Request-Id"), "reason", detail)
			problem(c, http.StatusServiceUnavailable, "not_ready", "Not ready", detail)
			return
		}
	}
	c.JSON(http.StatusOK, gin.H{"status": "ready"})
}
