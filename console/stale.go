package console

import (
	"net/http"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/gin-gonic/gin"

	"rss"
	"rss/access"
	"rss/vouchers"
)

// staleWhy is what a form posted without this session's token is told: it
// wrote nothing.
const staleWhy = "Nothing was recorded: this form came from a page of an earlier session (it ended, or this browser signed in " +
	"again since), so it does not carry this session's token. What you typed is kept below: check it against the page as " +
	"it stands now and send it again."

// staleForm answers a POST whose CSRF token is not the session's. Nothing
// of it is done; a form a person typed into comes back on its page with
// what was typed, under this session's token, for the role that may send
// it. The sign-in after a lapsed session sends the user Back to the form,
// whose page still holds the earlier session's token: its post was a bare
// 403 that dropped a reviewer's note (a console black-box pass). The
// origin checks (sameOrigin) and the SameSite cookie keep another site's
// form from getting here; a form with nothing typed gets the bare 403.
func (k *Console) staleForm(c *gin.Context) {
	// Every console form carries a token: a post with none came from no
	// page of any session, and was told it came from an earlier one (a
	// console black-box pass of the thirty-eighth stop).
	if _, ok := c.GetPostForm("csrf"); !ok {
		k.page(c, http.StatusForbidden, "error", "Refused", errorView{Message: "Nothing was recorded: this form did not come from the console (it carries no token). Go back, reload the page and send it again."})
		return
	}
	role := sessionOf(c).Actor.Role
	switch c.FullPath() {
	case basePath + "/requests/:id/decide":
		if id, ok := rss.ParseID(c.Param("id")); ok && role == access.RoleReviewer {
			k.staleDecision(c, id)
			return
		}
	case basePath + "/reference/services/:code/rates":
		if role == access.RoleAdmin {
			k.showService(c, http.StatusForbidden, &errorView{Message: staleWhy})
			return
		}
	case basePath + "/verification/:kind/:id/:action":
		id, ok := rss.ParseID(c.Param("id"))
		field := map[string]string{"verify": "document_reference", "reject": "reason"}[c.Param("action")]
		if ok && field != "" && role == access.RoleAdmin {
			k.staleReview(c, c.Param("kind"), id, c.Param("action"), field)
			return
		}
	case basePath + "/keys":
		if role == access.RoleAdmin {
			// The form's own one-time token, unused by a post refused here:
			// sent again, it mints once, or names the key an earlier post
			// of it minted.
			once := c.PostForm("once")
			if !onceRe.MatchString(once) {
				once = randomToken()
			}
			k.keysPage(c, http.StatusForbidden, keysView{Problem: &errorView{Message: staleWhy}, Once: once, Form: map[string]string{
				"role": c.PostForm("role"), "provider_id": c.PostForm("provider_id"), "label": c.PostForm("label")}})
			return
		}
	case basePath + "/clients/search":
		name := c.PostForm("name")
		if !utf8.ValidString(name) {
			name = ""
		}
		k.page(c, http.StatusForbidden, "clients", "Clients", clientsView{Search: name, Problem: &errorView{Message: staleWhy}})
		return
	}
	k.page(c, http.StatusForbidden, "error", "Refused", errorView{Message: "This form has expired or did not come from the console. Go back, reload the page and send it again."})
}

// staleDecision is a decision form posted with an earlier session's
// token: the request again, the decision typed kept. One that stands
// recorded as the form asks, by this key (its first post, before the
// session ended), lands on the request as recorded, as the form sent
// twice does (decidedSo).
func (k *Console) staleDecision(c *gin.Context, id int64) {
	note, err := typed("note", "note", c.PostForm("note"), maxNote, true)
	r := vouchers.Review{Action: c.PostForm("action"), Note: note}
	if r.Action == vouchers.ReviewApproveModified {
		if u, uerr := strconv.Atoi(strings.TrimSpace(c.PostForm("units"))); uerr == nil {
			r.Units = &u
		}
		r.StartDate, _ = rss.ParseDate(c.PostForm("start_date"))
		r.EndDate, _ = rss.ParseDate(c.PostForm("end_date"))
	}
	if err == nil && k.decidedSo(c, id, r) {
		k.redirectDone(c, basePath+"/requests/"+strconv.FormatInt(id, 10), "decided")
		return
	}
	k.showRequest(c, id, http.StatusForbidden, &errorView{Heading: "This post recorded nothing", Message: staleWhy})
}

// staleReview is a verify or reject form posted with an earlier session's
// token: the queue again, what was typed kept in the record's form, or the
// queue with its confirmation when the record stands as the form asks, by
// this key (reviewedSo).
func (k *Console) staleReview(c *gin.Context, kind string, id int64, action, field string) {
	input := c.PostForm(field)
	max := maxReference
	if action == "reject" {
		max = maxRejectReason
	}
	if value, err := typed(field, field, input, max, action == "reject"); err == nil && k.reviewedSo(c, kind, id, action, value) {
		k.redirectDone(c, basePath+"/verification", map[string]string{"verify": "verified", "reject": "rejected"}[action])
		return
	}
	if !utf8.ValidString(input) {
		input = ""
	}
	k.showVerification(c, http.StatusForbidden, verificationView{Kind: kind, ID: id, Action: action, Typed: input,
		Problem: &errorView{Message: staleWhy}})
}
