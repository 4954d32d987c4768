package console

import (
	"context"
	"crypto/rand"
	"crypto/subtle"
	"embed"
	"encoding/base64"
	"errors"
	"html/template"
	"io/fs"
	"log/slog"
	"maps"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/gin-gonic/gin"
	"github.com/shopspring/decimal"

	"rss"
	"rss/access"
	"rss/billing"
	"rss/registry"
	"rss/reports"
	"rss/staff"
	"rss/vouchers"
)

//go:embed templates/*.html
var templateFS embed.FS

//go:embed static
var staticFS embed.FS

// Config is what the console is built from: the api's own services, so a
// page and an endpoint run the same rules with the same actor.
type Config struct {
	Vouchers *vouchers.Service
	Billing  *billing.Service
	Staff    *staff.Service
	Registry *registry.Service
	Reports  *reports.Service
	Keys     *access.Keys
	Sessions *access.Sessions
	Logger   *slog.Logger
	// MaxUpload caps an uploaded payer file, as the API's MaxBulkBody
	// caps POST /v1/payer-files (32 MiB when zero).
	MaxUpload int64
	// SecureCookies marks the session cookie Secure even on a request that
	// did not arrive over TLS (rss behind a proxy that terminates TLS).
	SecureCookies bool
	// PageSize is how many rows a list page shows (500, the services'
	// largest page, when zero); a longer list links to its next page.
	PageSize int
	// Classify marks a failure of the database itself (unreachable,
	// restarting, gone) as rss.ErrUnavailable, as the API's problems do
	// (pg.Classify, wired by api.Open): a page then says to try again (503)
	// where it was a 500 with an ERROR line (a black-box pass).
	Classify func(error) error
	// LogText is a failure's text as the log may carry it, the cause kept
	// and a database's words (which may quote input) reduced to their
	// SQLSTATE and constraint (pg.LogText, wired by api.Open); without it
	// only the failure's class is logged.
	LogText func(error) string
}

// Console serves the pages.
type Console struct {
	cfg   Config
	pages map[string]*template.Template
	hooks Hooks
	// codes names agencies by code in every page (the template function
	// agency), as the review queue did alone: the agency's own pages
	// read "provider 1" (a console black-box pass). The directory of
	// agencies is any role's to read (vouchers.Agencies); codes do not
	// change, so it is read again only when a page meets an id it lacks,
	// or a minute on.
	codes agencyCodes
}

// agencyCodes is the console's copy of the agencies' codes by id.
type agencyCodes struct {
	mu   sync.RWMutex
	byID map[int64]string
	read time.Time
	miss bool
}

// Hooks are what the server the console is mounted in does for its pages
// as for its own requests (api wires them at Register).
type Hooks struct {
	// Reviewed counts a reviewer's decision of a pended request: the
	// console's were counted nowhere, where reviewers decide (an on-call
	// re-check).
	Reviewed func(decision string)
	// Gone answers a request whose client went away, or that a shutdown
	// cut off, as the API answers its own: a console page's was an ERROR
	// and a 500 (an on-call re-check).
	Gone func(c *gin.Context)
	// Unhurried lifts the server's write deadline for a page whose work
	// may take minutes (a payer file's import, a batch close or
	// download, a reconciliation), as the API's routes of the same work
	// have it lifted: under the server's 120 s a large 835 imported from
	// the console committed and the browser read a dropped connection (a
	// payer black-box pass of the thirty-eighth stop met it on the API).
	Unhurried gin.HandlerFunc
}

// Cookie names. All are scoped to Path /console.
const (
	sessionCookie = "rss_console"
	// doneCookie carries a POST's confirmation to the page its redirect
	// shows, once (redirectDone), with that page's path.
	doneCookie = "rss_console_done"
	// preCookie holds the sign-in form's CSRF token before there is a
	// session (double submit): another site cannot make a browser sign in
	// with the attacker's key.
	preCookie = "rss_console_pre"
	// revokedCookie says this browser's last session ended with its key's
	// revocation, until a sign-in (session). It only words the sign-in
	// form.
	revokedCookie = "rss_console_revoked"
	basePath      = "/console"
	// maxForm caps a form's body: the largest is a note of 4,000 characters.
	maxForm = 64 << 10
	// maxMultipartMemory is gin's default: parts past it go to temporary files.
	maxMultipartMemory = 32 << 20
)

// The longest text each form takes, in characters: the limits the domain
// checks (vouchers: a decision note and a key's label 4,000; registry: a
// rate's reason 4,000; staff: a document reference 200, a rejection
// reason 1,000; vouchers.SearchClients: a name search 200), so the
// console refuses what the API refuses and no more.
const (
	maxNote         = 4000
	maxLabel        = 4000
	maxRateReason   = 4000
	maxReference    = 200
	maxRejectReason = 1000
	// maxRevokeReason is the API's bound on a key revocation's reason.
	maxRevokeReason = 500
	maxSearch       = 200
)

// csp allows only the console's own styles and script, inline SVG charts
// (they are markup, not images) and data: images; no frames, no other
// origins, forms only to this origin.
const csp = "default-src 'none'; style-src 'self'; script-src 'self'; img-src 'self' data:; form-action 'self'; " +
	"frame-ancestors 'none'; base-uri 'none'"

// New parses the templates; a template that does not parse is a
// programming error found by every test.
func New(cfg Config) *Console {
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	if cfg.MaxUpload == 0 {
		cfg.MaxUpload = 32 << 20
	}
	if cfg.PageSize == 0 {
		cfg.PageSize = 500
	}
	k := &Console{cfg: cfg, pages: map[string]*template.Template{}}
	fm := template.FuncMap{"agency": k.agency, "agencies": k.agencies}
	maps.Copy(fm, funcs)
	base := template.Must(template.New("layout.html").Funcs(fm).ParseFS(templateFS, "templates/layout.html", "templates/partials.html"))
	names, err := fs.Glob(templateFS, "templates/*.html")
	if err != nil {
		panic(err)
	}
	for _, n := range names {
		name := strings.TrimSuffix(strings.TrimPrefix(n, "templates/"), ".html")
		if name == "layout" || name == "partials" {
			continue
		}
		k.pages[name] = template.Must(template.Must(base.Clone()).ParseFS(templateFS, n))
	}
	return k
}

// Register mounts the console on e at /console.
func (k *Console) Register(e *gin.Engine, h Hooks) {
	k.hooks = h
	slow := h.Unhurried
	if slow == nil {
		slow = func(c *gin.Context) { c.Next() }
	}
	g := e.Group(basePath, headers(), k.wellFormedQuery(), k.sameOrigin())
	static, err := fs.Sub(staticFS, "static")
	if err != nil {
		panic(err)
	}
	assets := http.StripPrefix(basePath+"/static/", http.FileServer(http.FS(static)))
	g.GET("/static/*file", func(c *gin.Context) {
		// Files only: a directory's listing is nobody's page (a black-box
		// pass read one without a session).
		if f := c.Param("file"); f == "" || strings.HasSuffix(f, "/") {
			c.Status(http.StatusNotFound)
			return
		}
		c.Header("Cache-Control", "public, max-age=3600")
		assets.ServeHTTP(c.Writer, c.Request)
	})
	g.GET("/sign-in", k.knownQuery(), k.signInForm)
	g.POST("/sign-in", limitForm(), k.signIn)

	// The payer file upload is the one form larger than maxForm: its own
	// cap, then the session and the CSRF token as every other form.
	g.POST("/payer-files", slow, k.refuseLarger(k.cfg.MaxUpload), limitBody(k.cfg.MaxUpload), k.session(), k.csrf(), k.only(access.RoleFinance), k.uploadPayerFile)

	in := g.Group("", k.session(), limitForm(), k.csrf(), k.knownQuery())
	in.POST("/sign-out", k.signOut)
	in.GET("", k.home)
	in.GET("/", k.home)

	in.GET("/queue", k.queue)
	in.GET("/requests/:id", k.request)
	// A form only some roles send is refused for any other before its
	// fields are read (only).
	in.POST("/requests/:id/take", k.only(access.RoleReviewer), k.take)
	in.POST("/requests/:id/decide", k.only(access.RoleReviewer), k.decide)

	in.GET("/clients", k.clients)
	in.POST("/clients/search", k.searchClients)
	// The results' address opened again (history, a bookmark) holds no
	// name (a name never goes in a URL): it leads back to the search form,
	// where it read "Not found." as a client whose id is "search" (a
	// console black-box pass of the thirty-eighth stop).
	in.GET("/clients/search", func(c *gin.Context) { c.Redirect(http.StatusSeeOther, basePath+"/clients") })
	in.GET("/clients/:id", k.client)
	in.GET("/authorizations", k.authorizations)
	in.GET("/claims", k.claims)
	in.GET("/claims/:id", k.claim)
	in.GET("/remittance", k.remittance)

	in.GET("/batches", k.batches)
	in.GET("/batches/preview", slow, k.previewBatch)
	in.POST("/batches", slow, k.only(access.RoleFinance), k.createBatch)
	in.GET("/batches/:id", k.batch)
	in.GET("/batches/:id/file", slow, k.batchFile)
	in.GET("/batches/:id/remittance/:provider", slow, k.batchAdvice)

	in.GET("/payer-files", k.payerFiles)
	in.GET("/payer-files/:id", k.payerFile)
	in.GET("/reconciliation", slow, k.reconciliation)

	in.GET("/reference", k.reference)
	in.GET("/reference/services/:code", k.service)
	in.POST("/reference/services/:code/rates", k.only(access.RoleAdmin), k.addRate)
	in.GET("/verification", k.verification)
	in.POST("/verification/:kind/:id/:action", k.only(access.RoleAdmin), k.review)
	in.GET("/keys", k.keys)
	in.POST("/keys", k.only(access.RoleAdmin), k.createKey)
	in.POST("/keys/:id/revoke", k.only(access.RoleAdmin), k.revokeKey)

	in.GET("/charts", k.charts)
}

// NotFound answers a console path no route serves with the console's own
// page (the API answers its unknown paths with a problem).
func (k *Console) NotFound(c *gin.Context) {
	setHeaders(c.Writer.Header())
	k.page(c, http.StatusNotFound, "error", "Not Found", errorView{Message: "There is no such page."})
}

// wellFormedQuery refuses a page whose query string does not parse
// (cursor=%%% read as no cursor at all and answered the first page; the
// API answers 422; a black-box pass).
func (k *Console) wellFormedQuery() gin.HandlerFunc {
	return func(c *gin.Context) {
		if _, err := url.ParseQuery(c.Request.URL.RawQuery); err != nil {
			k.badInput(c, "query", "the address's query string is not well formed")
			c.Abort()
			return
		}
		// A form sent compressed is refused, as the API refuses such a
		// body: it was read as plain and a key minted (a black-box pass).
		if e := rss.UnreadEncoding(c.Request.Header.Values("Content-Encoding")); e != "" {
			k.page(c, http.StatusUnsupportedMediaType, "error", http.StatusText(http.StatusUnsupportedMediaType),
				errorView{Message: "The form was sent with Content-Encoding " + e + ", which the console does not read; nothing was recorded."})
			c.Abort()
			return
		}
		c.Next()
	}
}

// headers are the console's security headers: a strict CSP, no sniffing,
// a referrer to the console's own pages alone (a page's URL never leaves
// it), no framing, and pages never cached (they show PHI).
func headers() gin.HandlerFunc {
	return func(c *gin.Context) {
		setHeaders(c.Writer.Header())
		c.Next()
	}
}

func setHeaders(h http.Header) {
	h.Set("Content-Security-Policy", csp)
	h.Set("X-Content-Type-Options", "nosniff")
	// same-origin, not no-referrer: under no-referrer a browser sends a
	// form's POST with Origin "null", its own origin's included, and one
	// without Fetch Metadata (plain HTTP at a host name) could not post a
	// form sameOrigin let through (a re-check). The Referer goes to the
	// console alone, and its URLs hold only ids and codes.
	h.Set("Referrer-Policy", "same-origin")
	h.Set("X-Frame-Options", "DENY")
	h.Set("Cache-Control", "no-store")
}

// refuseLarger answers a body that says it is larger than n with a 413
// page before reading it (the CSRF check would otherwise read a cut form
// and call it expired); limitBody still caps a body that did not say.
func (k *Console) refuseLarger(n int64) gin.HandlerFunc {
	return func(c *gin.Context) {
		if c.Request.ContentLength > n {
			c.Header("Connection", "close")
			k.page(c, http.StatusRequestEntityTooLarge, "error", "Too large", errorView{Message: "The file is larger than rss accepts (" + sizeText(n) + ")."})
			c.Abort()
			return
		}
		c.Next()
	}
}

// sizeText says a size limit in MiB, or in bytes below one.
func sizeText(n int64) string {
	if n >= 1<<20 {
		return strconv.FormatInt(n>>20, 10) + " MiB"
	}
	return strconv.FormatInt(n, 10) + " bytes"
}

func limitForm() gin.HandlerFunc { return limitBody(maxForm) }

func limitBody(n int64) gin.HandlerFunc {
	return func(c *gin.Context) {
		if c.Request.Method == http.MethodPost {
			c.Request.Body = http.MaxBytesReader(c.Writer, c.Request.Body, n)
		}
		c.Next()
	}
}

const ctxSession = "console.session"

// session finds the signed-in session and runs the rest of the request as
// its key's actor; without one a page sends the browser to sign in.
func (k *Console) session() gin.HandlerFunc {
	return func(c *gin.Context) {
		token, _ := c.Cookie(sessionCookie)
		s, err := k.cfg.Sessions.Touch(c.Request.Context(), token)
		if errors.Is(err, access.ErrNoSession) {
			if token != "" {
				k.clearCookie(c, sessionCookie)
			}
			// The session's row goes with the first request that finds its
			// key revoked, so the browser keeps the word: the sign-in then
			// says the key was revoked, and a form posted after it (that
			// very revocation sent again from Back) is not told that
			// nothing was recorded. An admin revoking its own key met a
			// silent sign-in form, and the revocation sent again read
			// "nothing was recorded" (a console black-box pass).
			revoked := errors.Is(err, access.ErrSessionKeyRevoked)
			if revoked {
				k.setCookie(c, revokedCookie, "1", int(k.cfg.Sessions.Absolute.Seconds()))
			} else if v, _ := c.Cookie(revokedCookie); v != "" {
				revoked = true
			}
			// Back to the page once signed in: the link followed, or for a
			// form posted after the session ended the page it came from,
			// saying nothing was recorded (a black-box pass lost a
			// decision's note to a silent redirect to the start page).
			// A sign-out sent again (a double click) finds its session gone
			// by the first: it is done, and says so, where it read that
			// nothing was recorded and what was typed was kept (a console
			// black-box pass).
			if c.Request.Method == http.MethodPost && c.Request.URL.Path == basePath+"/sign-out" && !revoked {
				k.redirectDone(c, basePath+"/sign-in", "signed_out")
				c.Abort()
				return
			}
			if c.Request.Method == http.MethodPost {
				pre, ok := k.signInToken(c)
				if !ok {
					c.Abort()
					return
				}
				next := returnTo(formPage(c.Request.URL.Path))
				k.page(c, http.StatusUnauthorized, "signin", "Sign in", signInView{CSRF: pre, Next: next, Lapsed: true, Revoked: revoked})
				c.Abort()
				return
			}
			to := basePath + "/sign-in"
			if next := returnTo(c.Request.URL.RequestURI()); next != "" && next != basePath+"/" {
				to += "?next=" + url.QueryEscape(next)
			}
			c.Redirect(http.StatusSeeOther, to)
			c.Abort()
			return
		}
		if err != nil {
			k.fail(c, err)
			c.Abort()
			return
		}
		s.Actor.RequestID = c.Writer.Header().Get("X-Request-Id")
		s.Actor.Purpose = access.DefaultPurpose(s.Actor.Role)
		c.Set(ctxSession, s)
		c.Request = c.Request.WithContext(access.WithActor(c.Request.Context(), s.Actor))
		c.Next()
	}
}

// formUnread answers a form the console cannot read and reports whether
// it was one: cut short by its size limit (413: it has lost its token with
// the rest, and read as a forged form the sign-in said it "expired", a
// black-box pass), not a form at all (415: a JSON or text body read as a
// stale form, "a page of an earlier session"), or a form whose encoding is
// broken (400: a field badly percent-encoded was dropped and the rest acted
// on, a console black-box pass). Nothing is recorded for any of them.
// (ParseMultipartForm alone reports a urlencoded body's error as "not
// multipart".)
func (k *Console) formUnread(c *gin.Context) bool {
	var tooBig *http.MaxBytesError
	err := c.Request.ParseForm()
	if err == nil {
		if err = c.Request.ParseMultipartForm(maxMultipartMemory); errors.Is(err, http.ErrNotMultipart) {
			err = nil
		}
	}
	switch {
	case errors.As(err, &tooBig):
		msg := "The form is larger than the console accepts. Shorten what you typed and send it again."
		// A file sent with no length said is cut here, not by refuseLarger:
		// it read "Shorten what you typed" (a console black-box pass).
		if strings.HasPrefix(c.ContentType(), "multipart/form-data") {
			msg = "The file is larger than rss accepts (" + sizeText(tooBig.Limit) + ")."
		}
		k.page(c, http.StatusRequestEntityTooLarge, "error", "Too large", errorView{Message: msg})
	case err != nil:
		k.page(c, http.StatusBadRequest, "error", "Bad request",
			errorView{Message: "The form could not be read (it is not encoded as a browser encodes a form); nothing was recorded."})
	case c.Request.ContentLength != 0 && !formType(c.ContentType()):
		k.page(c, http.StatusUnsupportedMediaType, "error", http.StatusText(http.StatusUnsupportedMediaType),
			errorView{Message: "The console reads forms (" + c.ContentType() + " was sent); nothing was recorded."})
	default:
		return false
	}
	return true
}

// formType reports whether a media type is one a browser's form is sent
// as.
func formType(mt string) bool {
	return mt == "application/x-www-form-urlencoded" || mt == "multipart/form-data"
}

// sameOrigin refuses a POST the browser says came from another origin:
// by its Fetch Metadata (Sec-Fetch-Site), or, from a browser without it,
// by its Origin against the request's host. The forms' tokens cannot tell
// a form a sibling host made from the console's own when that host can
// set the console's cookies (cookie tossing): it fetched a genuine signed
// sign-in token and planted it, and a victim's browser was signed in with
// the attacker's key (a review). A client sending neither (curl, a
// script) is judged by the tokens alone.
func (k *Console) sameOrigin() gin.HandlerFunc {
	return func(c *gin.Context) {
		if c.Request.Method == http.MethodPost && !fromThisOrigin(c.Request) {
			k.page(c, http.StatusForbidden, "error", "Refused", errorView{Message: "This form did not come from the console. Go back, reload the page and send it again."})
			c.Abort()
			return
		}
		c.Next()
	}
}

// fromThisOrigin reports whether r came from a page of its own origin as
// far as the browser says.
func fromThisOrigin(r *http.Request) bool {
	switch r.Header.Get("Sec-Fetch-Site") {
	case "same-origin", "none": // "none": the user's own act, no page at all
		return true
	case "":
	default: // same-site (a sibling host), cross-site
		return false
	}
	origin := r.Header.Get("Origin")
	if origin == "" {
		return true
	}
	u, err := url.Parse(origin)
	if err != nil || u.Host == "" {
		return false
	}
	return strings.EqualFold(u.Host, r.Host) || slices.ContainsFunc(forwardedHosts(r), func(h string) bool { return strings.EqualFold(u.Host, h) })
}

// forwardedHosts are the hosts a proxy in front says the browser asked for
// (X-Forwarded-Host, Forwarded's host=): one that sends its upstream's
// Host (nginx's default) left every post of a browser without Fetch
// Metadata refused, sign-in included (a review). A browser's form cannot
// set either header, and a script's request that does is preflighted,
// which rss does not answer.
func forwardedHosts(r *http.Request) []string {
	var out []string
	for _, v := range r.Header.Values("X-Forwarded-Host") {
		for _, h := range strings.Split(v, ",") {
			out = append(out, strings.TrimSpace(h))
		}
	}
	for _, v := range r.Header.Values("Forwarded") {
		for _, elem := range strings.Split(v, ",") {
			for _, pair := range strings.Split(elem, ";") {
				if k, h, ok := strings.Cut(strings.TrimSpace(pair), "="); ok && strings.EqualFold(k, "host") {
					out = append(out, strings.Trim(h, `"`))
				}
			}
		}
	}
	return out
}

// csrf refuses a POST whose form does not carry the session's token.
func (k *Console) csrf() gin.HandlerFunc {
	return func(c *gin.Context) {
		if c.Request.Method != http.MethodPost {
			c.Next()
			return
		}
		// A form cut short by its size limit has lost its token with the
		// rest, and a body that is no form has none: each is answered as
		// what it is, not as a forged form.
		if k.formUnread(c) {
			c.Abort()
			return
		}
		s := sessionOf(c)
		if !sameToken(c.PostForm("csrf"), s.CSRF) {
			k.staleForm(c)
			c.Abort()
			return
		}
		c.Next()
	}
}

// only refuses a form to a role that may not send it before the form's
// fields are read, as the page showing the form refuses that role: a
// provider's malformed post to the rate or the close form was answered
// with the form's field errors, a well-formed one with 403 (a black-box
// pass). roles are those the form's domain method requires, which checks
// them again.
func (k *Console) only(roles ...access.Role) gin.HandlerFunc {
	return func(c *gin.Context) {
		if _, err := access.Require(c.Request.Context(), roles...); err != nil {
			k.fail(c, err)
			c.Abort()
			return
		}
		if k.repeatedField(c) {
			c.Abort()
			return
		}
		c.Next()
	}
}

// multiValued are the fields a console form sends once per value: the
// decision form's rules acknowledged, one checkbox each.
var multiValued = map[string]bool{"acknowledge": true}

// repeatedField refuses (422 naming it, nothing done) a posted form that
// gives a field more than once, as a page refuses a filter given twice
// (knownQuery): the form read the first value and dropped the rest, and
// a decision posted with action=approve and action=deny granted the units
// (a console black-box pass). A browser's form sends each of rss's fields
// once. A post carrying a query string is refused alike, as the API
// refuses one on a write: the query's copy of a field was dropped
// unread, so decide?action=approve with action=deny in the body recorded
// a denial (a re-check of the forty-second stop); no console form posts
// one. It reports whether it answered.
func (k *Console) repeatedField(c *gin.Context) bool {
	r := c.Request
	if r.URL.RawQuery != "" {
		k.badInput(c, "query", "a form's fields are posted in its body; this post carried a query string too, so nothing was recorded")
		return true
	}
	var names []string
	for name, vs := range r.PostForm {
		if len(vs) > 1 && !multiValued[name] {
			names = append(names, name)
		}
	}
	if r.MultipartForm != nil {
		// A file counts as a value of its field: a key given as text and
		// as a file signed in as the text's (a re-check).
		for name, fs := range r.MultipartForm.File {
			if len(fs)+len(r.PostForm[name]) > 1 {
				names = append(names, name)
			}
		}
	}
	if len(names) == 0 {
		return false
	}
	sort.Strings(names)
	field := names[0]
	if len(field) > 40 || !utf8.ValidString(field) {
		field = "form" // not quoted back whole
	}
	k.badInput(c, field, "this field is given more than once; the console's form sends it once, so nothing was recorded")
	return true
}

func sameToken(got, want string) bool {
	return want != "" && subtle.ConstantTimeCompare([]byte(got), []byte(want)) == 1
}

func sessionOf(c *gin.Context) access.Session {
	s, _ := c.Get(ctxSession)
	out, _ := s.(access.Session)
	return out
}

func (k *Console) setCookie(c *gin.Context, name, value string, maxAge int) {
	http.SetCookie(c.Writer, &http.Cookie{Name: name, Value: value, Path: basePath, MaxAge: maxAge, HttpOnly: true,
		SameSite: http.SameSiteStrictMode, Secure: k.cfg.SecureCookies || c.Request.TLS != nil})
}

func (k *Console) clearCookie(c *gin.Context, name string) { k.setCookie(c, name, "", -1) }

// redirectDone answers a POST that did its work: a redirect to the page
// that shows it, with its confirmation (a notices key) in a cookie that
// page reads once. A confirmation in the URL (?done=) was shown by
// whatever page a link carried it to, whenever: "Decision recorded." on
// a request still pended, a take's notice to a provider (a black-box
// pass). The cookie names the page too, and only that page shows it
// (page): a redirect the browser did not follow (a double click drops the
// first answer) put its notice on the next page rendered, whatever it
// was, another request's or a refusal (a black-box pass).
func (k *Console) redirectDone(c *gin.Context, to, done string) {
	k.setCookie(c, doneCookie, done+":"+url.QueryEscape(to), 60)
	c.Redirect(http.StatusSeeOther, to)
}

// noticeFor is the confirmation the done cookie holds for the page
// rendering, with status: only a GET of the page its redirect named that
// renders it (not a refusal there), else "".
func noticeFor(c *gin.Context, status int) string {
	raw, err := c.Cookie(doneCookie)
	if err != nil || c.Request.Method != http.MethodGet || status >= 300 {
		return ""
	}
	done, at, _ := strings.Cut(raw, ":")
	if to, err := url.QueryUnescape(at); err != nil || to != c.Request.URL.Path {
		return ""
	}
	return notices[done]
}

func randomToken() string {
	b := make([]byte, 32)
	_, _ = rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}

// navItem is one entry of the navigation.
type navItem struct {
	Path, Label, Key string
}

// navFor is the navigation a role sees: only what its key may do.
func navFor(r access.Role) []navItem {
	home := navItem{"/console/", "Home", "h"}
	charts := navItem{"/console/charts", "Charts", "g"}
	switch r {
	case access.RoleReviewer:
		// The authorizations held for review at a reactivation are the
		// reviewer's to give back or end: reached only by typing the
		// address (a console black-box pass of the forty-fourth stop).
		return []navItem{home, {"/console/queue", "Review queue", "q"}, {"/console/authorizations?status=pending_review", "Held authorizations", "a"},
			charts}
	case access.RoleProvider:
		return []navItem{home, {"/console/clients", "Clients", "c"}, {"/console/authorizations", "Authorizations", "a"},
			{"/console/claims", "Claims", "l"}, {"/console/remittance", "Remittance advice", "m"}, charts}
	case access.RoleFinance:
		return []navItem{home, {"/console/batches", "Batches", "b"}, {"/console/payer-files", "Payer files", "p"},
			{"/console/reconciliation", "Reconciliation", "e"}, {"/console/claims", "Claims", "l"}, charts}
	case access.RoleAdmin:
		return []navItem{home, {"/console/reference", "Reference data", "r"}, {"/console/verification", "Staff verification", "v"},
			{"/console/keys", "API keys", "k"}, {"/console/queue", "Review queue", "q"}, charts}
	}
	return []navItem{home}
}

// view is what every page template gets.
type view struct {
	Title    string
	Path     string
	Signed   bool
	Role     access.Role
	Provider int64
	Nav      []navItem
	CSRF     string
	Notice   string
	Data     any
}

type errorView struct {
	Message string
	Fields  []rss.FieldError
	// Heading titles a refusal that is not of a decision (a take's).
	Heading string
	// Acknowledge are the reason codes a decision may be made over as an
	// exception (409 pended_since): the decide form offers each.
	Acknowledge []string
	// Back is the page to go back to: a list whose filter was refused
	// goes back to the list, its filters cleared (a black-box pass was
	// sent to the start page).
	Back string
}

// fieldAttrs are the accessibility attributes of a form's input for
// field: described by its hints (ids), and, when p refused the field,
// marked aria-invalid and described by p's message about it too, so a
// screen reader on the input hears why it was refused (the alert box
// alone said so: a console pass).
func fieldAttrs(p *errorView, field string, hints ...string) template.HTMLAttr {
	ids := hints
	invalid := false
	if p != nil && slices.ContainsFunc(p.Fields, func(f rss.FieldError) bool { return f.Field == field }) {
		ids, invalid = append(slices.Clip(ids), fieldErrID(field)), true
	}
	var b strings.Builder
	if len(ids) > 0 {
		b.WriteString(`aria-describedby="` + template.HTMLEscapeString(strings.Join(ids, " ")) + `"`)
	}
	if invalid {
		b.WriteString(` aria-invalid="true"`)
	}
	return template.HTMLAttr(b.String()) //nolint:gosec // ids are escaped; the rest is fixed text
}

// fieldErrID is the id of a problem's message about field, which the
// field's input is described by (fieldAttrs).
func fieldErrID(field string) string {
	return "err-" + strings.Map(func(r rune) rune {
		if r == '[' || r == ']' || r == '.' || r == ' ' {
			return '-'
		}
		return r
	}, field)
}

// page renders a page inside the layout.
func (k *Console) page(c *gin.Context, status int, name, title string, data any) {
	t, ok := k.pages[name]
	if !ok {
		panic("console: no page " + name)
	}
	v := view{Title: title, Path: c.Request.URL.Path, Data: data}
	if v.Notice = noticeFor(c, status); v.Notice != "" {
		k.clearCookie(c, doneCookie)
	}
	if s := sessionOf(c); s.ID != 0 {
		v.Signed, v.Role, v.Provider, v.Nav, v.CSRF = true, s.Actor.Role, s.Actor.ProviderID, navFor(s.Actor.Role), s.CSRF
		k.readCodes(c.Request.Context())
	}
	c.Header("Content-Type", "text/html; charset=utf-8")
	c.Status(status)
	if err := t.ExecuteTemplate(c.Writer, "layout", v); err != nil {
		// The status is sent; log the template's failure (no data, no PHI).
		k.cfg.Logger.Error("console template", "page", name, "error", err.Error())
	}
}

// notices are the one-line confirmations a redirect after a POST shows
// once (redirectDone): fixed texts, so nothing a request carries is
// echoed.
var notices = map[string]string{
	"taken":            "You hold this request for 30 minutes; decide it before then.",
	"decided":          "Decision recorded.",
	"rate":             "Rate added.",
	"verified":         "Record verified.",
	"rejected":         "Record rejected.",
	"revoked":          "Key revoked; its sessions have ended.",
	"signed_out":       "You are signed out.",
	"imported":         "File imported; what it posted and what did not match are below.",
	"closed":           "Batch closed; its totals and file are below.",
	"already_closed":   "This close was already sent: nothing new was closed. Below is the batch it closed.",
	"already_imported": "This file was already imported: nothing new was recorded. Below is the earlier import.",
}

// fail renders a domain error as the API would answer it: the same
// classes, as a page. Another agency's record is "not found".
func (k *Console) fail(c *gin.Context, err error) {
	if c.Request.Context().Err() != nil && errors.Is(err, context.Canceled) && k.hooks.Gone != nil {
		k.hooks.Gone(c)
		return
	}
	if k.cfg.Classify != nil {
		err = k.cfg.Classify(err)
	}
	status, msg := http.StatusInternalServerError, "Something went wrong on our side. The request id is "+c.Writer.Header().Get("X-Request-Id")+"."
	var fields []rss.FieldError
	var ce *rss.CodedError
	var ve *rss.ValidationError
	switch {
	case errors.As(err, &ve):
		status, msg, fields = http.StatusUnprocessableEntity, "Please correct the fields below.", ve.Fields
	case errors.Is(err, rss.ErrNotFound):
		status, msg = http.StatusNotFound, "Not found."
	case errors.Is(err, rss.ErrForbidden):
		status, msg = http.StatusForbidden, "Your role may not do this."
	case errors.As(err, &ce) && errors.Is(err, rss.ErrConflict):
		status, msg = http.StatusConflict, ce.Message
	case errors.Is(err, rss.ErrConflict):
		status, msg = http.StatusConflict, "This record changed meanwhile; reload and try again."
	case errors.Is(err, rss.ErrInvalid):
		status, msg = http.StatusUnprocessableEntity, "The input is not valid."
	case errors.Is(err, rss.ErrUnavailable):
		status, msg = http.StatusServiceUnavailable, "The database is unavailable; try again in a moment."
	}
	if status >= 500 {
		// The cause as the API logs one (Config.LogText): "internal"
		// alone told the engineer on call nothing (a black-box pass).
		why := "internal"
		if k.cfg.LogText != nil {
			why = k.cfg.LogText(err)
		}
		// An unavailable database is an outage to wait out, logged at
		// WARN as the API logs it: at ERROR, a console page paged the
		// engineer on call for an operator's lock timeout the API's own
		// routes answered alike at WARN (a re-check).
		level := slog.LevelError
		if status == http.StatusServiceUnavailable {
			level = slog.LevelWarn
		}
		k.cfg.Logger.Log(c.Request.Context(), level, "console request failed", "request_id", c.Writer.Header().Get("X-Request-Id"),
			"route", c.FullPath(), "status", status, "error", why)
	}
	title := http.StatusText(status)
	v := errorView{Message: msg, Fields: fields}
	// A form posted and refused here (its page not drawn again with what
	// was typed) may have had only hidden fields, the batch close's among
	// them: "correct the fields below" asked for fields that were not
	// there (a console black-box pass).
	if c.Request.Method == http.MethodPost && v.Message == "Please correct the fields below." {
		v.Message = "Nothing was written: the request was refused for the reasons below."
	}
	if c.Request.Method == http.MethodGet && status == http.StatusUnprocessableEntity && c.Request.URL.RawQuery != "" {
		v.Back = c.Request.URL.Path
		// A page that is nothing without its filter goes back to the
		// page of its form (the batch preview's link led to another 422:
		// a console black-box pass).
		if form, ok := filterForms[v.Back]; ok {
			v.Back = form
		}
		if v.Message == "Please correct the fields below." {
			v.Message = "This filter was refused:"
		}
	}
	k.page(c, status, "error", title, v)
}

// filterForms are the pages that need their filters, each with the page
// whose form sends them.
var filterForms = map[string]string{
	basePath + "/batches/preview": basePath + "/batches",
}

// queryParams are the query parameters each page reads; a page not named
// reads none.
var queryParams = map[string][]string{
	basePath + "/sign-in":                          {"next"},
	basePath + "/queue":                            {"program", "reason", "provider", "min_age", "cursor"},
	basePath + "/clients":                          {"cursor"},
	basePath + "/authorizations":                   {"status", "cursor"},
	basePath + "/claims":                           {"status", "client_id", "claim_number", "provider", "cursor"},
	basePath + "/batches":                          {"cursor"},
	basePath + "/batches/preview":                  {"payer_route", "through_date"},
	basePath + "/payer-files":                      {"cursor"},
	basePath + "/reconciliation":                   {"batch", "provider", "from", "to", "format"},
	basePath + "/verification":                     {"cursor"},
	basePath + "/batches/:id/remittance/:provider": {"format"},
}

// knownQuery refuses a page's query parameter the page does not read, or
// one given twice (a 422 "This filter was refused" page naming it), as the
// API refuses them: a
// filter under the API's name (?provider_id= on the queue, ?client_id= on
// the authorizations) or misspelt showed the list unfiltered, and a
// bookmark silently lost its filter (a console black-box pass).
func (k *Console) knownQuery() gin.HandlerFunc {
	return func(c *gin.Context) {
		if c.Request.Method != http.MethodGet || c.Request.URL.RawQuery == "" {
			c.Next()
			return
		}
		q := c.Request.URL.Query()
		names := make([]string, 0, len(q))
		for name := range q {
			names = append(names, name)
		}
		sort.Strings(names)
		allowed := queryParams[c.FullPath()]
		for _, name := range names {
			if !slices.Contains(allowed, name) {
				field := name
				if len(field) > 40 || !utf8.ValidString(field) {
					field = "query" // not quoted back whole
				}
				msg := "this page takes no such parameter"
				if len(allowed) > 0 {
					msg += "; it takes " + strings.Join(allowed, ", ")
				}
				k.badInput(c, field, msg)
				c.Abort()
				return
			}
			// Given twice, as the API refuses it (repeated): the page read
			// the first and dropped the rest without a word, so a link
			// filtered on other than what it said (a black-box pass).
			if len(q[name]) > 1 {
				k.badInput(c, name, "this filter is given more than once; give it once")
				c.Abort()
				return
			}
		}
		c.Next()
	}
}

// badInput renders a 422 for input the console itself refuses.
func (k *Console) badInput(c *gin.Context, field, msg string) {
	k.fail(c, rss.Invalid(field, "invalid_value", "%s", msg))
}

// idParam reads a positive id from the path; anything else is not found.
func (k *Console) idParam(c *gin.Context, name string) (int64, bool) {
	id, ok := rss.ParseID(c.Param(name))
	if !ok {
		k.fail(c, rss.ErrNotFound)
		return 0, false
	}
	return id, true
}

// text reads a form or query value: UTF-8 without control characters
// (newlines allowed in notes), at most max characters, trimmed.
func text(v string, max int, multiline bool) (string, bool) {
	s, err := typed("", "", v, max, multiline)
	return s, err == nil
}

// typed is text for what a person typed into field (called what in the
// message): refused, it says why, as a field error. Characters are
// counted as the API and a textarea's maxlength count them, not bytes.
func typed(field, what, v string, max int, multiline bool) (string, error) {
	if !utf8.ValidString(v) || strings.ContainsFunc(v, func(r rune) bool {
		return unicode.IsControl(r) && !(multiline && (r == '\n' || r == '\r' || r == '\t'))
	}) {
		if !multiline && utf8.ValidString(v) && strings.ContainsAny(v, "\r\n\t") {
			// A line break is a character, but "cannot be stored" did not
			// say that the field is one line (a console black-box pass),
			// nor for a tab, which the API names with line breaks (an
			// admin black-box pass of the forty-sixth stop).
			return "", rss.Invalid(field, "invalid_character", "the %s is one line, without tabs or line breaks", what)
		}
		return "", rss.Invalid(field, "invalid_character", "the %s has characters that cannot be stored", what)
	}
	v = strings.TrimSpace(v)
	// A browser posts a textarea's line breaks as CRLF but counts each as
	// one character against maxlength: counted as two, a note the form
	// took was refused (a black-box pass). Stored as LF.
	if multiline {
		v = strings.ReplaceAll(v, "\r\n", "\n")
	}
	if n := utf8.RuneCountInString(v); n > max {
		return "", rss.Invalid(field, "too_long", "the %s is at most %d characters (it has %d)", what, max, n)
	}
	return v, nil
}

// formDate reads an optional YYYY-MM-DD date of field; refused, it adds
// why to v: a well-formed date outside rss's range says the range, as the
// rate form does (the reconciliation filter called 0001-01-01 not
// YYYY-MM-DD, a black-box pass), anything else badFormat.
func formDate(v *rss.ValidationError, field, value, badFormat string) rss.Date {
	if value == "" {
		return rss.Date{}
	}
	d, err := rss.ParseDate(value)
	addDateError(v, field, value, err, badFormat)
	return d
}

// addDateError adds the problem of a date the form gave (err from
// rss.ParseDate; nil adds none). A day the calendar lacks is said so, as
// the API says it: "2026-02-30" was refused as "must be YYYY-MM-DD", which
// it is (a black-box pass).
func addDateError(v *rss.ValidationError, field, value string, err error, badFormat string) {
	switch {
	case err == nil:
	case errors.Is(err, rss.ErrDateRange):
		v.Add(field, "out_of_range", "the date must be between %s and %s", rss.MinDate, rss.MaxDate)
	case errors.Is(err, rss.ErrNotCalendarDay):
		v.Add(field, "invalid_value", "%s is not a day of the calendar", value)
	default:
		v.Add(field, "invalid_value", "%s", badFormat)
	}
}

var funcs = template.FuncMap{
	// units counts units in words ("1 unit", "5 units").
	"units": func(n int) string {
		if n == 1 {
			return "1 unit"
		}
		return strconv.Itoa(n) + " units"
	},
	"date": func(d rss.Date) string {
		if d.IsZero() {
			return "—"
		}
		return d.String()
	},
	"time": func(t time.Time) string { return t.UTC().Format("2006-01-02 15:04 UTC") },
	"ptime": func(t *time.Time) string {
		if t == nil {
			return "—"
		}
		return t.UTC().Format("2006-01-02 15:04 UTC")
	},
	// takeEnds is when a take lapses (it read "until 00:00 UTC plus 30
	// minutes": a black-box pass).
	"takeEnds": func(t *time.Time) string {
		if t == nil {
			return "—"
		}
		return t.Add(vouchers.TakeExpiry).UTC().Format("2006-01-02 15:04 UTC")
	},
	// batchHas reports whether the batch froze totals for the provider;
	// one it reports only denials for has an advice but no totals.
	"batchHas": func(b billing.Batch, provider int64) bool {
		for _, p := range b.Providers {
			if p.ProviderID == provider {
				return true
			}
		}
		return false
	},
	"pint": func(p *int64) string {
		if p == nil {
			return "—"
		}
		return strconv.FormatInt(*p, 10)
	},
	"pstr": func(p *string) string {
		if p == nil || *p == "" {
			return "—"
		}
		return *p
	},
	// money shows two decimals, as the API does (the decimal's own text
	// drops trailing zeros).
	// allowedSum is a claim's allowed amount: its lines' (the claim row of
	// the remittance table was empty, a black-box pass).
	"allowedSum": func(lines []billing.RemittanceLine) rss.Money {
		sum := decimal.Zero
		for _, l := range lines {
			sum = sum.Add(l.Allowed.Decimal)
		}
		return rss.NewMoney(sum)
	},
	"money": func(m any) string {
		switch v := m.(type) {
		case rss.Money:
			return v.StringFixed(2)
		case *rss.Money:
			if v != nil {
				return v.StringFixed(2)
			}
		}
		return "—"
	},
	// billed is what a claim line bills, as the remittance shows it: a
	// reversal takes its charge back (a void's page showed 120.00 billed
	// in one table and -120.00 in the next: a black-box pass).
	// A void claim and its reversal lines bill a negative amount, as the
	// remittance and the batch figures count them: the claims list showed
	// a void's charge as sent (positive) beside its page's negative one (a
	// console black-box pass).
	"billed": func(charge rss.Money, status string) string {
		if status == "reversal" || status == "void" {
			return charge.Neg().StringFixed(2)
		}
		return charge.StringFixed(2)
	},
	"roles":       func() []string { return []string{"provider", "reviewer", "finance", "admin"} },
	"reason":      reasonText,
	"words":       words,
	"route":       routeWords,
	"fieldAttrs":  fieldAttrs,
	"fieldErrID":  fieldErrID,
	"resultWords": resultWords,
	"unmatched":   unmatchedWords,
	"ta1":         ta1Words,
	"clpStatus":   clpStatusWords,
	"svg":         func(s string) template.HTML { return template.HTML(s) }, //nolint:gosec // built by charts.go from numbers and escaped labels
	"isRole":      func(r access.Role, want string) bool { return string(r) == want },
}

// readCodes reads the agencies' codes when the console has none, a page
// met an id they lack, or they are a minute old. Unread (the database
// away), pages name agencies by id, as before.
func (k *Console) readCodes(ctx context.Context) {
	k.codes.mu.RLock()
	fresh := k.codes.byID != nil && !k.codes.miss && time.Since(k.codes.read) < time.Minute
	k.codes.mu.RUnlock()
	if fresh {
		return
	}
	list, err := k.cfg.Vouchers.Agencies(ctx)
	if err != nil {
		return
	}
	byID := make(map[int64]string, len(list))
	for _, a := range list {
		byID[a.ID] = a.Code
	}
	k.codes.mu.Lock()
	k.codes.byID, k.codes.read, k.codes.miss = byID, time.Now(), false
	k.codes.mu.Unlock()
}

// providerRef is an agency as the rules' details name it.
var providerRef = regexp.MustCompile(`\bprovider ([1-9][0-9]{0,18})\b`)

// agencies names by code the agencies a rule's detail names by id
// ("authorization A-1 of provider 1 overlaps"), as every page names them
// (the reviewer's page read "of provider 1": a console pass of the
// forty-fifth stop). The detail stays the rules' record in the API.
func (k *Console) agencies(text string) string {
	return providerRef.ReplaceAllStringFunc(text, func(m string) string {
		id, err := strconv.ParseInt(m[len("provider "):], 10, 64)
		if err != nil {
			return m
		}
		return k.agency(id)
	})
}

// agency names an agency by its code (the template function agency), by
// its id when the code is not known yet.
func (k *Console) agency(id int64) string {
	k.codes.mu.RLock()
	code, ok := k.codes.byID[id]
	k.codes.mu.RUnlock()
	if ok {
		return code
	}
	k.codes.mu.Lock()
	k.codes.miss = true
	k.codes.mu.Unlock()
	return "provider " + strconv.FormatInt(id, 10)
}
