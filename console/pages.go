package console

import (
	"errors"
	"net/http"
	"net/url"
	"path"
	"slices"
	"sort"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/gin-gonic/gin"

	"rss"
	"rss/access"
	"rss/adjudication"
	"rss/billing"
	"rss/vouchers"
)

// pageOf is the page a list shows: the first, or the one after the opaque
// cursor of the "Next page" link it came by (a cursor the services did not
// issue is refused by them as invalid input, a 422 page).
func (k *Console) pageOf(c *gin.Context) vouchers.Page {
	return vouchers.Page{Limit: k.cfg.PageSize, Cursor: c.Query("cursor")}
}

// first is a list's first page, for a count or a screen that does not page.
func (k *Console) first() vouchers.Page { return vouchers.Page{Limit: k.cfg.PageSize} }

// nextPage is the link to the page after this one, keeping this page's
// filters (named codes only, never anything else the URL held); "" when
// the service said there is no next page.
func nextPage(c *gin.Context, cursor string, filters ...string) string {
	if cursor == "" {
		return ""
	}
	q := url.Values{}
	for _, f := range filters {
		if v := c.Query(f); v != "" {
			q.Set(f, v)
		}
	}
	q.Set("cursor", cursor)
	return c.Request.URL.Path + "?" + q.Encode()
}

func (k *Console) signInForm(c *gin.Context) {
	pre, ok := k.signInToken(c)
	if !ok {
		return
	}
	revoked, _ := c.Cookie(revokedCookie)
	k.page(c, http.StatusOK, "signin", "Sign in", signInView{CSRF: pre, Next: returnTo(c.Query("next")), KeyRevoked: revoked != ""})
}

// signInToken sets a new sign-in token, signed by rss, in the form's
// cookie and gives it for the form's field; it answers the request itself
// when it cannot.
func (k *Console) signInToken(c *gin.Context) (string, bool) {
	// The browser's token while it has five minutes or more left: a new
	// one replaced it in the cookie, and every sign-in form open in
	// another tab was refused as expired (a console black-box pass).
	if pre, _ := c.Cookie(preCookie); pre != "" {
		reuse, err := k.cfg.Sessions.ReusableSignInToken(c.Request.Context(), pre)
		if err != nil {
			k.fail(c, err)
			return "", false
		}
		if reuse {
			return pre, true
		}
	}
	pre, err := k.cfg.Sessions.SignInToken(c.Request.Context())
	if err != nil {
		k.fail(c, err)
		return "", false
	}
	k.setCookie(c, preCookie, pre, int(access.SignInTokenTTL.Seconds()))
	return pre, true
}

type signInView struct {
	CSRF  string
	Error string
	// Next is the console page to go back to once signed in (a link
	// followed, or the page of a form posted, after the session ended).
	Next string
	// Lapsed: a form was posted after the session ended; nothing of it
	// was recorded. Revoked: the session ended with its key's revocation.
	Lapsed, Revoked bool
	// KeyRevoked: the browser's last session ended with its key's
	// revocation (revokedCookie), its own admin's revocation among them.
	KeyRevoked bool
}

// returnTo is next when it is a console page to send a browser back to
// after sign-in, else "": a path under /console/ on this host (no scheme,
// host or "//", which would send it elsewhere), not the sign-in itself.
func returnTo(next string) string {
	u, err := url.Parse(next)
	// Dot segments ("/console/../healthz") resolve outside /console/ (the
	// re-check of a black-box pass): the path must be clean as it is.
	if err != nil || u.Scheme != "" || u.Host != "" || u.User != nil || !strings.HasPrefix(next, basePath+"/") ||
		strings.HasPrefix(next, "//") || strings.ContainsAny(next, "\\\x00\r\n") || strings.HasPrefix(u.Path, basePath+"/sign-in") ||
		len(next) > 2000 {
		return ""
	}
	clean := path.Clean(u.Path)
	if strings.HasSuffix(u.Path, "/") {
		clean += "/"
	}
	if clean != u.Path {
		return ""
	}
	return next
}

// formPage is the page a console form posted to p was on: where a form
// posted after its session ended goes back to once signed in. It is read
// from the form's own path, not the Referer, which a browser may leave out.
func formPage(p string) string {
	parts := strings.Split(strings.TrimPrefix(p, basePath+"/"), "/")
	switch {
	case len(parts) == 3 && parts[0] == "requests": // requests/{id}/take|decide
		return basePath + "/requests/" + parts[1]
	case len(parts) == 4 && parts[0] == "reference" && parts[1] == "services": // reference/services/{code}/rates
		return basePath + "/reference/services/" + parts[2]
	case parts[0] == "verification" || parts[0] == "keys" || parts[0] == "batches" || parts[0] == "payer-files" || parts[0] == "clients":
		return basePath + "/" + parts[0]
	}
	return ""
}

// signIn turns an API key into a session. The key is checked exactly as
// the API checks a bearer key; a wrong key says no more than "not valid".
func (k *Console) signIn(c *gin.Context) {
	if k.formUnread(c) {
		return
	}
	// The form's token and its cookie must match, and rss must have
	// signed it: any value sent as both was taken (a console black-box
	// pass).
	pre, _ := c.Cookie(preCookie)
	signed, err := k.cfg.Sessions.ValidSignInToken(c.Request.Context(), pre)
	if err != nil {
		k.fail(c, err)
		return
	}
	if !signed || !sameToken(c.PostForm("csrf"), pre) {
		k.page(c, http.StatusForbidden, "error", "Refused", errorView{Message: "The sign-in form expired or did not come from the console. Reload it and sign in again."})
		return
	}
	// Two keys in one form signed in as the first (a console black-box
	// pass): which was meant is not the console's to guess.
	if k.repeatedField(c) {
		return
	}
	key, ok := text(c.PostForm("api_key"), 256, false)
	switch {
	case strings.TrimSpace(c.PostForm("api_key")) == "":
		k.signInFailed(c, http.StatusUnprocessableEntity, "Enter your API key.")
		return
	case !ok:
		// Too long or not text: no key of ours, said as such (it read
		// "Enter your API key." to one who had, a black-box pass).
		k.signInFailed(c, http.StatusUnauthorized, "That API key is not valid.")
		return
	}
	a, err := k.cfg.Keys.Authenticate(c.Request.Context(), key)
	if errors.Is(err, access.ErrBadKey) {
		k.signInFailed(c, http.StatusUnauthorized, "That API key is not valid.")
		return
	}
	if err != nil {
		k.fail(c, err)
		return
	}
	// A sign-in in a browser already signed in ends the session it had:
	// its cookie is replaced, and the session lived on unseen until its
	// timeout (a black-box pass).
	if old, _ := c.Cookie(sessionCookie); old != "" {
		prev, err := k.cfg.Sessions.Touch(c.Request.Context(), old)
		if err == nil {
			// Its sign-out, audited as its own actor's.
			prev.Actor.RequestID = c.Writer.Header().Get("X-Request-Id")
			prev.Actor.Purpose = access.DefaultPurpose(prev.Actor.Role)
			err = k.cfg.Sessions.Delete(access.WithActor(c.Request.Context(), prev.Actor), prev.ID)
		}
		if err != nil && !errors.Is(err, access.ErrNoSession) {
			k.fail(c, err)
			return
		}
	}
	a.RequestID = c.Writer.Header().Get("X-Request-Id")
	a.Purpose = access.DefaultPurpose(a.Role)
	s, err := k.cfg.Sessions.Create(access.WithActor(c.Request.Context(), a))
	if err != nil {
		k.fail(c, err)
		return
	}
	k.clearCookie(c, preCookie)
	// A confirmation the browser's last session left unread is that
	// session's: another user signing in read "Rate added." about an
	// admin's action (a console black-box pass).
	k.clearCookie(c, doneCookie)
	k.clearCookie(c, revokedCookie)
	// A session cookie (no Max-Age): closing the browser forgets it; the
	// server ends it anyway at the idle or absolute timeout.
	k.setCookie(c, sessionCookie, s.Token, 0)
	to := basePath + "/"
	if next := returnTo(c.PostForm("next")); next != "" {
		to = next
	}
	c.Redirect(http.StatusSeeOther, to)
}

func (k *Console) signInFailed(c *gin.Context, status int, msg string) {
	pre, ok := k.signInToken(c)
	if !ok {
		return
	}
	k.page(c, status, "signin", "Sign in", signInView{CSRF: pre, Error: msg, Next: returnTo(c.PostForm("next"))})
}

func (k *Console) signOut(c *gin.Context) {
	// Its token given twice (one of them the session's) is refused as
	// every other form's field is (a re-check).
	if k.repeatedField(c) {
		return
	}
	if err := k.cfg.Sessions.Delete(c.Request.Context(), sessionOf(c).ID); err != nil {
		k.fail(c, err)
		return
	}
	k.clearCookie(c, sessionCookie)
	k.redirectDone(c, basePath+"/sign-in", "signed_out")
}

// homeView is a role's start page: what waits for it.
// A count of a full first page says "or more" (its More flag): the
// console reads one page, not the whole list.
type homeView struct {
	Pended, PastTarget int
	Oldest             int
	Batches            int
	Verification       int
	Clients            int
	Authorizations     int
	Denied             int

	PendedMore, BatchesMore, VerificationMore, ClientsMore, AuthorizationsMore bool
}

func (k *Console) home(c *gin.Context) {
	ctx := c.Request.Context()
	var h homeView
	var err error
	switch sessionOf(c).Actor.Role {
	case access.RoleReviewer, access.RoleAdmin:
		var q vouchers.List[vouchers.QueueItem]
		if q, err = k.cfg.Vouchers.Queue(ctx, vouchers.QueueFilter{}, k.first()); err == nil {
			h.Pended, h.PendedMore = len(q.Items), q.NextCursor != ""
			for _, it := range q.Items {
				h.Oldest = max(h.Oldest, it.AgeDays)
			}
		}
		if err == nil && sessionOf(c).Actor.Role == access.RoleAdmin {
			var v []staffQueueRow
			var next string
			v, next, err = k.staffQueue(c, k.first())
			h.Verification, h.VerificationMore = len(v), next != ""
		}
	case access.RoleProvider:
		var cl vouchers.List[vouchers.Client]
		if cl, err = k.cfg.Vouchers.Clients(ctx, k.first()); err == nil {
			h.Clients, h.ClientsMore = len(cl.Items), cl.NextCursor != ""
			var au vouchers.List[vouchers.Authorization]
			if au, err = k.cfg.Vouchers.Authorizations(ctx, vouchers.AuthorizationFilter{Status: "active"}, k.first()); err == nil {
				h.Authorizations, h.AuthorizationsMore = len(au.Items), au.NextCursor != ""
			}
		}
	case access.RoleFinance:
		var b vouchers.List[billing.Batch]
		if b, err = k.cfg.Billing.Batches(ctx, "", k.first()); err == nil {
			h.Batches, h.BatchesMore = len(b.Items), b.NextCursor != ""
		}
	}
	if err != nil {
		k.fail(c, err)
		return
	}
	k.page(c, http.StatusOK, "home", "Home", h)
}

// queueView is the reviewer queue with its filters.
type queueView struct {
	Items                     []vouchers.QueueItem
	Program, Reason, Provider string
	MinAge                    string
	Programs, Reasons         []string
	Providers                 []providerOption
	// Agencies names each row's agency by its code: the column read a
	// bare id where the filter above named the agencies (a reviewer
	// black-box pass).
	Agencies map[int64]string
	// Next links to the next page of the matches (the service applies
	// the filters, so every page is a page of matches).
	Next string
	// Me is the signed-in key, to tell "taken by you" from "by another".
	Me int64
}

// providerOption is one agency in the queue's provider menu.
type providerOption struct{ ID, Label string }

// queue lists pended requests, oldest first, filtered by program, reason
// code, provider and age. The service applies the filters, so a page is
// the oldest matches and the next link pages on through them; the menus
// list every program, pend or reduce reason and agency, not the page's.
// Filters are codes and ids, never PHI.
func (k *Console) queue(c *gin.Context) {
	v := queueView{Program: c.Query("program"), Reason: c.Query("reason"), Provider: c.Query("provider"), MinAge: c.Query("min_age"),
		Me: sessionOf(c).Actor.KeyID}
	for _, f := range []string{v.Program, v.Reason, v.Provider, v.MinAge} {
		if _, ok := text(f, 64, false); !ok {
			k.badInput(c, "filter", "filters are codes and numbers")
			return
		}
	}
	f := vouchers.QueueFilter{ProgramCode: v.Program, Reason: v.Reason}
	if v.MinAge != "" {
		var err error
		if f.MinAgeDays, err = strconv.Atoi(v.MinAge); err != nil || f.MinAgeDays < 0 || f.MinAgeDays > vouchers.MaxQueueAgeDays {
			k.badInput(c, "min_age", "age is a whole number of days, 0 to 3,660")
			return
		}
	}
	if v.Provider != "" {
		id, ok := rss.ParseID(v.Provider)
		if !ok {
			k.badInput(c, "provider", "the provider is chosen from the list")
			return
		}
		f.ProviderID = id
	}
	ctx := c.Request.Context()
	q, err := k.cfg.Vouchers.Queue(ctx, f, k.pageOf(c))
	if err != nil {
		k.fail(c, err)
		return
	}
	programs, err := k.cfg.Vouchers.Programs(ctx)
	if err != nil {
		k.fail(c, err)
		return
	}
	providers, err := k.cfg.Vouchers.Providers(ctx)
	if err != nil {
		k.fail(c, err)
		return
	}
	for _, p := range programs {
		v.Programs = append(v.Programs, p.Code)
	}
	v.Agencies = map[int64]string{}
	for _, p := range providers {
		v.Providers = append(v.Providers, providerOption{ID: strconv.FormatInt(p.ID, 10), Label: p.Code + " " + p.Name})
		v.Agencies[p.ID] = p.Code
	}
	for _, r := range adjudication.Catalogue() {
		if r.Kind == "voucher" && (r.Action == adjudication.ActionPend || r.Action == adjudication.ActionReduce) &&
			r.Code != adjudication.CodeConflictOnFile { // a provider's stand-in, stored with no request
			v.Reasons = append(v.Reasons, r.Code)
		}
	}
	v.Next = nextPage(c, q.NextCursor, "program", "reason", "provider", "min_age")
	for _, it := range q.Items {
		if it.TakenAt != nil && !k.cfg.Vouchers.Now().Before(it.TakenAt.Add(vouchers.TakeExpiry)) {
			it.TakenBy, it.TakenAt = nil, nil // the take lapsed: free again
		}
		v.Items = append(v.Items, it)
	}
	k.page(c, http.StatusOK, "queue", "Review queue", v)
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

func keys(m map[string]bool) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// requestView is one voucher request with its trace explained.
type requestView struct {
	R                       vouchers.VoucherRequest
	Steps                   []traceStep
	TakenByMe, TakenByOther bool
	Reviewer                bool
}

func (k *Console) request(c *gin.Context) {
	id, ok := k.idParam(c, "id")
	if !ok {
		return
	}
	k.showRequest(c, id, http.StatusOK, nil)
}

// showRequest renders a request; a refused decision shows its problem
// above the form (status), the note the reviewer wrote kept.
func (k *Console) showRequest(c *gin.Context, id int64, status int, problem *errorView) {
	r, err := k.cfg.Vouchers.Request(c.Request.Context(), id)
	if err != nil {
		k.fail(c, err)
		return
	}
	facts, err := r.Facts()
	if err != nil {
		k.fail(c, err)
		return
	}
	s := sessionOf(c)
	v := requestView{R: r, Steps: explain(r.Trace, facts), Reviewer: s.Actor.Role == access.RoleReviewer}
	if r.TakenBy != nil && r.TakenAt != nil && k.cfg.Vouchers.Now().Before(r.TakenAt.Add(vouchers.TakeExpiry)) {
		v.TakenByMe = *r.TakenBy == s.Actor.KeyID
		v.TakenByOther = !v.TakenByMe
	}
	k.page(c, status, "request", "Voucher request "+strconv.FormatInt(id, 10), struct {
		requestView
		Problem *errorView
		Form    map[string]string
	}{v, problem, map[string]string{"action": c.PostForm("action"), "note": c.PostForm("note"), "units": c.PostForm("units"),
		"start_date": c.PostForm("start_date"), "end_date": c.PostForm("end_date")}})
}

func (k *Console) take(c *gin.Context) {
	id, ok := k.idParam(c, "id")
	if !ok {
		return
	}
	if _, err := k.cfg.Vouchers.Take(c.Request.Context(), id); err != nil {
		// Refused on the request's page, which says who holds it and
		// until when, with its decide form: a bare error page sent the
		// reviewer to the start page (a black-box pass).
		var ce *rss.CodedError
		switch {
		case errors.As(err, &ce) && ce.Code == "taken":
			k.showRequest(c, id, http.StatusConflict, &errorView{Heading: "Not taken", Message: "You did not take it: another reviewer holds it."})
		case errors.As(err, &ce) && errors.Is(err, rss.ErrConflict):
			k.showRequest(c, id, http.StatusConflict, &errorView{Heading: "Not taken", Message: "You did not take it: " + ce.Message + "."})
		default:
			k.fail(c, err)
		}
		return
	}
	k.redirectDone(c, basePath+"/requests/"+strconv.FormatInt(id, 10), "taken")
}

func (k *Console) decide(c *gin.Context) {
	id, ok := k.idParam(c, "id")
	if !ok {
		return
	}
	// Every field the form refuses is named at once, the decision's own
	// checks of the rest beside them (one at a time, a reviewer fixed a
	// date, posted, was told of the units, posted, and of the note: a
	// console pass).
	vf := &rss.ValidationError{}
	note, err := typed("note", "note", c.PostForm("note"), maxNote, true)
	var ve *rss.ValidationError
	if errors.As(err, &ve) {
		vf.Fields = append(vf.Fields, ve.Fields...)
	} else if err != nil {
		k.refused(c, id, err)
		return
	}
	// The reasons the reviewer grants the request over, as an exception,
	// ticked on the form a pended_since refusal shows (the refusal said to
	// acknowledge them and the form had no way to: a black-box pass).
	r := vouchers.Review{Action: c.PostForm("action"), Note: note, Acknowledge: c.PostFormArray("acknowledge")}
	// Units or dates typed beside Approve or Deny are refused, as the API
	// refuses them: dropped, a reviewer who typed 3 units and left the
	// choice on Approve granted the whole request's 5 (a black-box pass).
	if r.Action != vouchers.ReviewApproveModified && slices.ContainsFunc([]string{"units", "start_date", "end_date"},
		func(f string) bool { return strings.TrimSpace(c.PostForm(f)) != "" }) {
		vf.Add("action", "not_allowed",
			"units and dates are only given with Approve modified: choose it, or clear them to decide the request as made")
	}
	if r.Action == vouchers.ReviewApproveModified {
		typed := strings.TrimSpace(c.PostForm("units"))
		units, err := strconv.Atoi(typed)
		switch {
		case typed == "": // as the API says it (a re-check)
			vf.Add("units", "required", "units is required with Approve modified: a positive whole number")
		case errors.Is(err, strconv.ErrRange):
			vf.Add("units", "out_of_range", "units is more than any request asks")
		case err != nil:
			vf.Add("units", "invalid_value", "units must be a whole number")
		}
		r.Units = &units
		r.StartDate = formDate(vf, "start_date", c.PostForm("start_date"), "start date must be YYYY-MM-DD")
		r.EndDate = formDate(vf, "end_date", c.PostForm("end_date"), "end date must be YYYY-MM-DD")
	}
	if len(vf.Fields) > 0 {
		if errors.As(r.Validate(), &ve) {
			for _, f := range ve.Fields {
				if !slices.ContainsFunc(vf.Fields, func(g rss.FieldError) bool { return g.Field == f.Field }) {
					vf.Fields = append(vf.Fields, f)
				}
			}
		}
		k.refused(c, id, vf)
		return
	}
	decided, err := k.cfg.Vouchers.Decide(c.Request.Context(), id, r)
	var ce *rss.CodedError
	if err != nil && !(errors.As(err, &ce) && ce.Code == "not_pended" && k.decidedSo(c, id, r)) {
		k.refused(c, id, err)
		return
	}
	if err == nil && k.hooks.Reviewed != nil {
		k.hooks.Reviewed(decided.Decision)
	}
	k.redirectDone(c, basePath+"/requests/"+strconv.FormatInt(id, 10), "decided")
}

// decidedSo reports whether request id stands decided as r asks, by the
// signed-in reviewer: the form sent again (a double click, the back
// button) after its first post recorded it, which is the decision
// recorded, not refused. The second post of a double click read "Your
// decision was not recorded" and "(it was not recorded)" of a note that
// was (a black-box pass). Another decision, or the same by another
// reviewer, is not this one: it stays refused.
func (k *Console) decidedSo(c *gin.Context, id int64, r vouchers.Review) bool {
	got, err := k.cfg.Vouchers.Request(c.Request.Context(), id)
	if err != nil || got.Review == nil {
		return false
	}
	d := got.Review
	if d.ReviewerKeyID != sessionOf(c).Actor.KeyID || d.Action != r.Action || d.Note != r.Note {
		return false
	}
	if r.Action == vouchers.ReviewApproveModified {
		return d.Units != nil && r.Units != nil && *d.Units == *r.Units && d.StartDate.Equal(r.StartDate) && d.EndDate.Equal(r.EndDate)
	}
	return true
}

// refused shows the request again with why the decision was refused; a
// request the actor may not see is not found, whatever else is wrong.
func (k *Console) refused(c *gin.Context, id int64, err error) {
	var ve *rss.ValidationError
	var ce *rss.CodedError
	switch {
	case errors.As(err, &ve):
		k.showRequest(c, id, http.StatusUnprocessableEntity, &errorView{Message: "The decision was not recorded: correct the fields below.", Fields: ve.Fields})
	case errors.As(err, &ce) && errors.Is(err, rss.ErrConflict) && ce.Code == "pended_since" && len(ce.Reasons) > 0:
		k.showRequest(c, id, http.StatusConflict, &errorView{Message: "The decision was not recorded: " + ce.Message +
			". Here: tick them under “Grant as an exception over” and record the decision again.", Acknowledge: ce.Reasons})
	case errors.As(err, &ce) && errors.Is(err, rss.ErrConflict):
		k.showRequest(c, id, http.StatusConflict, &errorView{Message: "The decision was not recorded: " + ce.Message + "."})
	default:
		k.fail(c, err)
	}
}

// clientsView is a page of clients, or the clients a name search found.
type clientsView struct {
	Items  []vouchers.Client
	Search string
	// Next links to the next page of the list; More says a search found
	// more clients than it shows (a search is a POST, so it has no link:
	// the name stays out of URLs).
	Next string
	More bool
	// Problem is why a search was refused, shown above the search box
	// with what was typed (the refusal was a bare error page without the
	// box: a black-box pass).
	Problem *errorView
}

// clients lists the agency's clients (providers) or every client (MSC
// roles), a page at a time.
func (k *Console) clients(c *gin.Context) {
	list, err := k.cfg.Vouchers.Clients(c.Request.Context(), k.pageOf(c))
	if err != nil {
		k.fail(c, err)
		return
	}
	k.page(c, http.StatusOK, "clients", "Clients", clientsView{Items: list.Items, Next: nextPage(c, list.NextCursor)})
}

// searchClients finds clients by name, in the database over every client
// the actor may see. It is a POST so a name never appears in a URL
// (history, logs, proxies).
func (k *Console) searchClients(c *gin.Context) {
	if k.repeatedField(c) {
		return
	}
	q, err := typed("name", "name", c.PostForm("name"), maxSearch, false)
	var ve *rss.ValidationError
	if errors.As(err, &ve) {
		typedName := c.PostForm("name")
		if !utf8.ValidString(typedName) {
			typedName = ""
		}
		k.page(c, http.StatusUnprocessableEntity, "clients", "Clients", clientsView{Search: typedName,
			Problem: &errorView{Message: "The search was refused.", Fields: ve.Fields}})
		return
	}
	if err != nil {
		k.fail(c, err)
		return
	}
	if strings.Trim(q, ", ") == "" {
		c.Redirect(http.StatusSeeOther, basePath+"/clients")
		return
	}
	list, err := k.cfg.Vouchers.SearchClients(c.Request.Context(), q, k.first())
	if err != nil {
		k.fail(c, err)
		return
	}
	k.page(c, http.StatusOK, "clients", "Clients", clientsView{Items: list.Items, Search: q, More: list.NextCursor != ""})
}

// clientView is one client with its records. A list holds one page (500
// rows); Cut says which lists had more than that.
type clientView struct {
	Client         vouchers.Client
	Enrollments    []vouchers.Enrollment
	Authorizations []vouchers.Authorization
	Requests       []vouchers.VoucherRequest
	Claims         []billing.Claim
	Cut            struct{ Authorizations, Requests, Claims bool }
	PageSize       int
}

func (k *Console) client(c *gin.Context) {
	id, ok := k.idParam(c, "id")
	if !ok {
		return
	}
	ctx := c.Request.Context()
	v := clientView{PageSize: k.cfg.PageSize}
	var err error
	if v.Client, err = k.cfg.Vouchers.Client(ctx, id); err != nil {
		k.fail(c, err)
		return
	}
	if v.Enrollments, err = k.cfg.Vouchers.ClientEnrollments(ctx, id); err != nil {
		k.fail(c, err)
		return
	}
	au, err := k.cfg.Vouchers.Authorizations(ctx, vouchers.AuthorizationFilter{ClientID: id}, k.first())
	if err != nil {
		k.fail(c, err)
		return
	}
	rq, err := k.cfg.Vouchers.Requests(ctx, vouchers.RequestFilter{ClientID: id}, k.first())
	if err != nil {
		k.fail(c, err)
		return
	}
	cl, err := k.cfg.Billing.Claims(ctx, billing.ClaimFilter{ClientID: id}, k.first())
	if err != nil {
		k.fail(c, err)
		return
	}
	v.Authorizations, v.Requests, v.Claims = au.Items, rq.Items, cl.Items
	v.Cut.Authorizations, v.Cut.Requests, v.Cut.Claims = au.NextCursor != "", rq.NextCursor != "", cl.NextCursor != ""
	k.page(c, http.StatusOK, "client", "Client "+strconv.FormatInt(id, 10), v)
}

func (k *Console) authorizations(c *gin.Context) {
	status := c.Query("status")
	// pending_review: held by a reactivation for a reviewer (the API's
	// filter took it, the console's refused it: a re-check).
	if status != "" && !contains([]string{"active", "inactive", "exhausted", "expired", "void", "pending_review"}, status) {
		k.badInput(c, "status", "status is active, inactive, exhausted, expired, void or pending_review")
		return
	}
	list, err := k.cfg.Vouchers.Authorizations(c.Request.Context(), vouchers.AuthorizationFilter{Status: status}, k.pageOf(c))
	if err != nil {
		k.fail(c, err)
		return
	}
	k.page(c, http.StatusOK, "authorizations", "Authorizations", struct {
		Items        []vouchers.Authorization
		Status, Next string
	}{list.Items, status, nextPage(c, list.NextCursor, "status")})
}

func (k *Console) claims(c *gin.Context) {
	status := c.Query("status")
	if status != "" && !contains([]string{"paid", "partial", "denied", "void", "voided", "replaced"}, status) {
		k.badInput(c, "status", "status is paid, partial, denied, void, voided or replaced")
		return
	}
	// One client's claims: where a client's page, which shows the first
	// page of them, sends for the rest (a black-box pass found no way).
	client, ok := k.queryID(c, "client_id", "client")
	if !ok {
		return
	}
	// A claim found by its agency's number, and (the MSC) the claims of
	// one agency, as the API finds them: the list filtered by status
	// alone, a finance officer asked about one claim paged through all
	// of them (a console black-box pass).
	number, ok := text(c.Query("claim_number"), 64, false)
	if !ok {
		k.badInput(c, "claim_number", "the claim number has characters no claim number holds")
		return
	}
	provider, ok := k.queryID(c, "provider", "provider")
	if !ok {
		return
	}
	ctx := c.Request.Context()
	list, err := k.cfg.Billing.Claims(ctx, billing.ClaimFilter{Status: status, ClientID: client, ClaimNumber: number, ProviderID: provider},
		k.pageOf(c))
	if err != nil {
		k.fail(c, err)
		return
	}
	// The agency menu is the MSC's: a provider reads its own claims only.
	var agencies []providerOption
	if !sessionOf(c).Actor.IsProvider() {
		providers, err := k.cfg.Vouchers.Providers(ctx)
		if err != nil {
			k.fail(c, err)
			return
		}
		for _, p := range providers {
			agencies = append(agencies, providerOption{ID: strconv.FormatInt(p.ID, 10), Label: p.Code + " " + p.Name})
		}
	}
	title := "Claims"
	if client != 0 {
		title = "Claims of client " + strconv.FormatInt(client, 10)
	}
	k.page(c, http.StatusOK, "claims", title, struct {
		Items                           []billing.Claim
		Status, Next, ClaimNumber, Prov string
		ClientID                        int64
		Agencies                        []providerOption
	}{list.Items, status, nextPage(c, list.NextCursor, "status", "client_id", "claim_number", "provider"), number,
		c.Query("provider"), client, agencies})
}

// queryID reads the optional id filter name (0 when absent); one that is
// not a positive whole number is refused, the what named, on the page's
// filter refusal.
func (k *Console) queryID(c *gin.Context, name, what string) (int64, bool) {
	v := c.Query(name)
	if v == "" {
		return 0, true
	}
	id, ok := rss.ParseID(v)
	if !ok {
		k.badInput(c, name, "the "+what+" is a positive whole number")
	}
	return id, ok
}

func (k *Console) claim(c *gin.Context) {
	id, ok := k.idParam(c, "id")
	if !ok {
		return
	}
	cl, err := k.cfg.Billing.Claim(c.Request.Context(), id)
	if err != nil {
		k.fail(c, err)
		return
	}
	rem, err := k.cfg.Billing.ClaimRemittance(c.Request.Context(), id)
	if err != nil {
		k.fail(c, err)
		return
	}
	// Whether it is held out of batches, and why: a paid claim read paid
	// and nothing more while it waited for a consent (a console black-box
	// pass). Every hold is shown, a staff record's and a consent's.
	held, err := k.cfg.Billing.Holds(c.Request.Context(), id, "", k.first())
	if err != nil {
		k.fail(c, err)
		return
	}
	var hold *billing.HeldClaim
	if len(held.Items) > 0 {
		hold = &held.Items[0]
	}
	k.page(c, http.StatusOK, "claim", "Claim "+cl.ClaimNumber, struct {
		Claim      billing.Claim
		Remittance billing.Remittance
		Held       *billing.HeldClaim
	}{cl, rem, hold})
}
