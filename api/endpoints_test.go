package api_test

import (
	"crypto/sha256"
	"database/sql"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"rss"
	"rss/adjudication"
	"rss/api"
	"rss/pg"
)

// itWalk follows next_cursor from the first page to the last and returns
// the ids in the order served.
func itWalk(t *testing.T, e *env, key, path string, limit int) []int64 {
	t.Helper()
	var ids []int64
	cursor := ""
	for pages := 0; ; pages++ {
		require.Less(t, pages, 1000, "pagination does not end")
		q := url.Values{"limit": {itStr(int64(limit))}}
		if cursor != "" {
			q.Set("cursor", cursor)
		}
		sep := "?"
		if strings.Contains(path, "?") {
			sep = "&"
		}
		r := e.get(key, path+sep+q.Encode())
		require.Equal(t, http.StatusOK, r.Status, "body: %s", r.Body)
		var page struct {
			Items []struct {
				ID int64 `json:"id"`
			} `json:"items"`
			NextCursor string `json:"next_cursor"`
		}
		r.Into(t, &page)
		require.LessOrEqual(t, len(page.Items), limit)
		for _, it := range page.Items {
			ids = append(ids, it.ID)
		}
		if page.NextCursor == "" {
			return ids
		}
		require.Len(t, page.Items, limit, "a page before the last is full")
		cursor = page.NextCursor
	}
}

func TestClientsCreateLinkGetList(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	body := map[string]any{"first_name": "Wren", "last_name": "Itwhistler", "date_of_birth": "1988-02-29", "gender": "F",
		"medicaid_id": "ct55512345", "catchment_area": "bridgeport", "substance_use_status": "in_recovery",
		"address_line1": "1 Elm Street", "city": "Bridgeport", "state": "CT", "zip": "06604"}

	r := e.post(keyHRA, "/v1/clients", body)
	require.Equal(t, http.StatusCreated, r.Status, "body: %s", r.Body)
	c := r.JSON(t)
	id := itID(t, r)
	assert.Equal(t, "Wren", c["first_name"])
	assert.Equal(t, "1988-02-29", c["date_of_birth"])
	assert.Equal(t, "CT55512345", c["medicaid_id"], "Medicaid ids are stored upper case")
	assert.Equal(t, "in_recovery", c["substance_use_status"])
	assert.NotContains(t, c, "person_id", "which person a record is stays with the MSC")

	// The same person registered by another agency gets that agency's own
	// record: 201 and a new id, exactly as for someone nobody knows.
	r = e.post(keyBCS, "/v1/clients", body)
	require.Equal(t, http.StatusCreated, r.Status, "body: %s", r.Body)
	bcs := itID(t, r)
	assert.NotEqual(t, id, bcs)
	// Matched on name and date of birth alone, by a third agency, which
	// gets back only what it sent: no Medicaid id, address or status of the
	// other agencies' records.
	pweBody := map[string]any{"first_name": "wren", "last_name": "ITWHISTLER", "date_of_birth": "1988-02-29", "catchment_area": "stamford"}
	r = e.post(keyPWE, "/v1/clients", pweBody)
	require.Equal(t, http.StatusCreated, r.Status, "body: %s", r.Body)
	pwe := itID(t, r)
	got := r.JSON(t)
	assert.Equal(t, "wren", got["first_name"])
	assert.Equal(t, "stamford", got["catchment_area"])
	for _, f := range []string{"medicaid_id", "address_line1", "city", "state", "zip"} {
		assert.Nil(t, got[f], f)
	}
	assert.Equal(t, "unknown", got["substance_use_status"])
	assert.Equal(t, 3, e.count(`SELECT count(*) FROM clients WHERE lower(last_name) = 'itwhistler'`))
	assert.Equal(t, 1, e.count(`SELECT count(DISTINCT person_id) FROM clients WHERE lower(last_name) = 'itwhistler'`),
		"one person behind the three records, for caps and duplicate checks")
	assert.Equal(t, 3, itAudit(e, "create", "client", ""))

	// A Medicaid id on file for another person (another date of birth) is
	// neither refused (that would say someone has it) nor linked.
	r = e.post(keyECRA, "/v1/clients", map[string]any{"first_name": "Someone", "last_name": "Else", "date_of_birth": "2001-01-01",
		"catchment_area": "norwich", "medicaid_id": "CT55512345"})
	require.Equal(t, http.StatusCreated, r.Status, "body: %s", r.Body)
	assert.NotContains(t, string(r.Body), "Itwhistler")
	assert.NotContains(t, string(r.Body), "1988-02-29")
	assert.Equal(t, 2, e.count(`SELECT count(DISTINCT person_id) FROM clients WHERE medicaid_id = 'CT55512345'`))

	// Within its own records an agency is told of a conflict: nothing in
	// the answer is another agency's.
	itNothingWritten(t, e, func() {
		p := requireProblem(t, e.post(keyHRA, "/v1/clients", map[string]any{"first_name": "Someone", "last_name": "Else",
			"date_of_birth": "2001-01-01", "catchment_area": "norwich", "medicaid_id": "CT55512345"}), http.StatusConflict, "medicaid_id_in_use")
		assert.Equal(t, map[string]any{"type": "client", "id": float64(id)}, p["existing"], "the agency's own client is named")
		p = requireProblem(t, e.post(keyHRA, "/v1/clients", itWith(body, "medicaid_id", "CT55599999")), http.StatusConflict,
			"client_identity_conflict")
		assert.Equal(t, map[string]any{"type": "client", "id": float64(id)}, p["existing"])
	})

	// The agency registering its own client again gets its record back.
	r = e.post(keyHRA, "/v1/clients", body)
	require.Equal(t, http.StatusOK, r.Status, "body: %s", r.Body)
	assert.Equal(t, id, itID(t, r))
	// PWE registering its own record again with a Medicaid id it lacks
	// writes nothing (409, TestReRegistrationWithAMedicaidIDWritesNothing);
	// the id goes on as an eligibility span, on PWE's record only.
	itNothingWritten(t, e, func() {
		p := requireProblem(t, e.post(keyPWE, "/v1/clients", map[string]any{"first_name": "wren", "last_name": "ITWHISTLER",
			"date_of_birth": "1988-02-29", "catchment_area": "stamford", "medicaid_id": "CT55512345"}), http.StatusConflict,
			"medicaid_id_not_on_file")
		assert.Equal(t, map[string]any{"type": "client", "id": float64(pwe)}, p["existing"])
	})
	r = e.post(keyPWE, itPath("/v1/clients/%d/eligibility", pwe), map[string]any{"medicaid_id": "CT55512345", "start_date": day(-30)})
	require.Equal(t, http.StatusCreated, r.Status, "body: %s", r.Body)
	assert.Equal(t, "CT55512345", e.get(keyPWE, itPath("/v1/clients/%d", pwe)).JSON(t)["medicaid_id"])

	for _, tc := range []struct {
		key string
		id  int64
	}{{keyHRA, id}, {keyBCS, bcs}, {keyPWE, pwe}, {keyReviewer, id}, {keyFinance, bcs}, {keyAdmin, pwe}} {
		r = e.get(tc.key, itPath("/v1/clients/%d", tc.id))
		require.Equal(t, http.StatusOK, r.Status, "body: %s", r.Body)
		assert.Equal(t, "itwhistler", strings.ToLower(r.JSON(t)["last_name"].(string)))
	}
	// Each agency sees its own record only; the MSC sees which are one person.
	for _, tc := range []struct {
		key string
		id  int64
	}{{keyBCS, id}, {keyPWE, id}, {keyHRA, bcs}, {keyECRA, id}} {
		itSameNotFound(t, e.get(tc.key, itPath("/v1/clients/%d", tc.id)), e.get(tc.key, itPath("/v1/clients/%d", 987654)), tc.id, 987654)
	}
	person := e.get(keyReviewer, itPath("/v1/clients/%d", bcs)).JSON(t)["person_id"]
	assert.NotNil(t, person)
	assert.Equal(t, person, e.get(keyReviewer, itPath("/v1/clients/%d", pwe)).JSON(t)["person_id"])

	// Pagination walks every page once, in id order, and shows exactly the
	// clients the agency serves (or, for the MSC, every client).
	cases := []struct {
		name  string
		key   string
		limit int
		want  int
		mine  int64
	}{
		{name: "HRA in pages of 7", key: keyHRA, limit: 7,
			want: e.count(`SELECT count(*) FROM clients WHERE provider_id = $1`, e.demo.Providers["HRA"]), mine: id},
		{name: "HRA in one page", key: keyHRA, limit: 500,
			want: e.count(`SELECT count(*) FROM clients WHERE provider_id = $1`, e.demo.Providers["HRA"]), mine: id},
		{name: "BCS in pages of 1", key: keyBCS, limit: 1,
			want: e.count(`SELECT count(*) FROM clients WHERE provider_id = $1`, e.demo.Providers["BCS"]), mine: bcs},
		{name: "reviewer in pages of 10", key: keyReviewer, limit: 10, want: e.count(`SELECT count(*) FROM clients`), mine: pwe},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			ids := itWalk(t, e, tc.key, "/v1/clients", tc.limit)
			assert.Len(t, ids, tc.want)
			seen := map[int64]bool{}
			for i, x := range ids {
				assert.False(t, seen[x], "client %d served twice", x)
				seen[x] = true
				if i > 0 {
					assert.Greater(t, x, ids[i-1], "ids ascend across pages")
				}
			}
			assert.True(t, seen[tc.mine], "the agency's own record is listed")
		})
	}
}

// identity is what a client record says of who the person is.
type identity struct {
	First, Last string
	DOB         rss.Date `db:"date_of_birth"`
}

func identityOf(t *testing.T, e *env, client int64) identity {
	t.Helper()
	var id identity
	require.NoError(t, e.db.Get(&id, `SELECT first_name AS first, last_name AS last, date_of_birth FROM clients WHERE id = $1`, client))
	return id
}

// TestRegistrationAnswersAlikeKnownOrNot registers two people at BCS, one
// that HRA already serves and one nobody knows, and finds nothing in the
// answers that tells them apart (42 CFR Part 2).
func TestRegistrationAnswersAlikeKnownOrNot(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	// Rivera is HRA's only: BCS registering her must look like a stranger.
	rivera := identityOf(t, e, e.demo.Clients["Rivera"])
	known := map[string]any{"first_name": rivera.First, "last_name": rivera.Last, "date_of_birth": rivera.DOB.String(),
		"catchment_area": "bridgeport", "gender": "U"}
	stranger := map[string]any{"first_name": "Nobody", "last_name": "Itstranger", "date_of_birth": rivera.DOB.String(),
		"catchment_area": "bridgeport", "gender": "U"}

	a := e.post(keyBCS, "/v1/clients", stranger)
	b := e.post(keyBCS, "/v1/clients", known)
	c := e.post(keyBCS, "/v1/clients", map[string]any{"first_name": "Nobody2", "last_name": "Itstranger", "date_of_birth": rivera.DOB.String(),
		"catchment_area": "bridgeport", "gender": "U"})
	for _, r := range []resp{a, b, c} {
		require.Equal(t, http.StatusCreated, r.Status, "body: %s", r.Body)
	}
	// The ids come from one sequence in order: the known person's is not older.
	assert.Greater(t, itID(t, b), itID(t, a))
	assert.Greater(t, itID(t, c), itID(t, b))
	strip := func(r resp, sent map[string]any) map[string]any {
		m := r.JSON(t)
		delete(m, "id")
		delete(m, "created_at")
		for k, v := range sent {
			assert.Equal(t, v, m[k], k)
			delete(m, k)
		}
		return m
	}
	assert.Equal(t, strip(a, stranger), strip(b, known), "what was not sent is the same default for both")
	assert.Equal(t, a.Header.Values("Content-Type"), b.Header.Values("Content-Type"))
	assert.Equal(t, len(a.Header), len(b.Header))

	// And the new record opens nothing of HRA's: enrollments, consents,
	// plans and the GPRA schedule show BCS nothing.
	for _, path := range []string{"/v1/clients/%d/enrollments", "/v1/clients/%d/consents", "/v1/clients/%d/care-plans"} {
		r := e.get(keyBCS, itPath(path, itID(t, b)))
		require.Equal(t, http.StatusOK, r.Status, "%s: %s", path, r.Body)
		assert.Empty(t, itItems(t, r), path)
	}
	r := e.get(keyBCS, itPath("/v1/clients/%d/gpra-schedule", itID(t, b)))
	require.Equal(t, http.StatusOK, r.Status, "body: %s", r.Body)
	assert.Empty(t, r.JSON(t)["episodes"])
}

func TestEnrollmentsCreateGetDischarge(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	client := itNewClient(t, e, keyHRA, "hartford")
	r := e.post(keyHRA, "/v1/enrollments", map[string]any{"client_id": client, "program_code": "RCM",
		"assigned_staff_id": e.demo.Staff["Petrov"], "start_date": day(-3), "planned_end_date": day(200), "referral_source": "samss_meeting"})
	require.Equal(t, http.StatusCreated, r.Status, "body: %s", r.Body)
	created := r.JSON(t)
	id := itID(t, r)
	assert.Equal(t, "RCM", created["program_code"])
	assert.Equal(t, float64(e.demo.Providers["HRA"]), created["provider_id"])
	assert.Equal(t, day(-3), created["start_date"])
	assert.Nil(t, created["discharge_date"])
	assert.NotContains(t, created, "episode_id", "the person's episode is the MSC's to see")
	episode := int64(e.count(`SELECT episode_id FROM enrollments WHERE id = $1`, id))

	r = e.get(keyHRA, itPath("/v1/enrollments/%d", id))
	require.Equal(t, http.StatusOK, r.Status, "body: %s", r.Body)
	assert.Equal(t, created, r.JSON(t))

	items := itItems(t, e.get(keyHRA, itPath("/v1/clients/%d/enrollments", client)))
	require.Len(t, items, 1)
	assert.Equal(t, float64(id), items[0]["id"])

	// A second open enrollment in the same program with the same agency is a conflict.
	requireProblem(t, e.post(keyHRA, "/v1/enrollments", map[string]any{"client_id": client, "program_code": "RCM",
		"start_date": day(0), "referral_source": "samss_meeting"}), http.StatusConflict, "enrollment_exists")

	r = e.post(keyHRA, itPath("/v1/enrollments/%d/discharge", id), map[string]any{"discharge_date": day(0), "reason": "completed services"})
	require.Equal(t, http.StatusOK, r.Status, "body: %s", r.Body)
	assert.Equal(t, day(0), r.JSON(t)["discharge_date"])
	assert.Equal(t, "completed services", r.JSON(t)["discharge_reason"])
	assert.Equal(t, 1, e.count(`SELECT count(*) FROM episodes WHERE id = $1 AND closed_on = $2`, episode, day(0)),
		"the episode closes with its last enrollment")
	assert.Equal(t, 1, itAudit(e, "discharge", "enrollment", itStr(id)))

	requireProblem(t, e.post(keyHRA, itPath("/v1/enrollments/%d/discharge", id), map[string]any{"discharge_date": day(0), "reason": "again"}),
		http.StatusConflict, "already_discharged")
	r = e.get(keyHRA, itPath("/v1/enrollments/%d", id))
	require.Equal(t, http.StatusOK, r.Status)
	assert.Equal(t, day(0), r.JSON(t)["discharge_date"])
}

func TestConsentsCreateRevokeStopsVouchers(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	a := itATRClient(t, e, day(-5))

	v := itVoucher(t, e, keyHRA, a.Client, "ATR-CM", 20, 0, 29)
	require.Equal(t, "approved", v["decision"], "with the consent on file: %v", v)

	// A second consent, naming another provider as recipient.
	r := e.post(keyHRA, "/v1/consents", map[string]any{"client_id": a.Client, "recipient_type": "provider",
		"recipient_provider_id": e.demo.Providers["BCS"], "recipient_name": "Bridgeport Community Supports",
		"purposes": []string{"care_coordination"}, "information": "care plan", "signed_on": day(0), "expiry_event": "end of treatment"})
	require.Equal(t, http.StatusCreated, r.Status, "body: %s", r.Body)
	assert.Equal(t, "active", r.JSON(t)["status"])

	items := itItems(t, e.get(keyHRA, itPath("/v1/clients/%d/consents", a.Client)))
	require.Len(t, items, 2)
	assert.Equal(t, float64(a.Consent), items[0]["id"])
	assert.Equal(t, "active", items[0]["status"])
	assert.Equal(t, []any{"payment"}, items[0]["purposes"])

	r = e.post(keyHRA, itPath("/v1/consents/%d/revoke", a.Consent), map[string]any{"reason": "client revoked in writing"})
	require.Equal(t, http.StatusOK, r.Status, "body: %s", r.Body)
	assert.Equal(t, "revoked", r.JSON(t)["status"])
	assert.NotNil(t, r.JSON(t)["revoked_at"])
	assert.Equal(t, 1, itAudit(e, "revoke", "consent", itStr(a.Consent)))
	requireProblem(t, e.post(keyHRA, itPath("/v1/consents/%d/revoke", a.Consent), map[string]any{"reason": "again"}),
		http.StatusConflict, "already_revoked")

	// At once: the very next request is denied, and nothing is authorized.
	auths := e.count(`SELECT count(*) FROM authorizations WHERE client_id = $1`, a.Client)
	v = itVoucher(t, e, keyHRA, a.Client, "ATR-TR", 10, 0, 29)
	assert.Equal(t, "denied", v["decision"])
	assert.Contains(t, v["reason_codes"], "PART2_CONSENT_MISSING")
	assert.Nil(t, v["authorization_number"])
	assert.Equal(t, auths, e.count(`SELECT count(*) FROM authorizations WHERE client_id = $1`, a.Client))
}

func TestGPRAScheduleFollowUpAndRate(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	hraRate := func() (closed, done int64) {
		t.Helper()
		r := e.get(keyHRA, "/v1/reports/gpra-follow-up")
		require.Equal(t, rss.Part2Notice, r.Header.Get("X-Redisclosure-Notice"))
		for _, it := range itItems(t, r) {
			if int64(it["provider_id"].(float64)) == e.demo.Providers["HRA"] {
				return itNum(t, it, "windows_closed"), itNum(t, it, "done_in_window")
			}
		}
		return 0, 0
	}
	closed0, done0 := hraRate()

	// A new ATR enrollment 200 days ago with its intake that day.
	a := itATRClient(t, e, day(-200))
	r := e.get(keyHRA, itPath("/v1/clients/%d/gpra-schedule", a.Client))
	require.Equal(t, http.StatusOK, r.Status, "body: %s", r.Body)
	var sched struct {
		ClientID int64 `json:"client_id"`
		Episodes []struct {
			EpisodeID  int64  `json:"episode_id"`
			Program    string `json:"program_code"`
			Interviews []struct {
				Kind         string         `json:"kind"`
				DueDate      *string        `json:"due_date"`
				WindowOpens  *string        `json:"window_opens"`
				WindowCloses *string        `json:"window_closes"`
				Window       string         `json:"window"`
				Status       string         `json:"status"`
				Interview    map[string]any `json:"interview"`
			} `json:"interviews"`
		} `json:"episodes"`
	}
	r.Into(t, &sched)
	assert.Equal(t, a.Client, sched.ClientID)
	require.Len(t, sched.Episodes, 1)
	ep := sched.Episodes[0]
	assert.Zero(t, ep.EpisodeID, "providers do not see the person's episode")
	assert.Equal(t, "ATR", ep.Program)
	require.Len(t, ep.Interviews, 3)
	intake, fu, dc := ep.Interviews[0], ep.Interviews[1], ep.Interviews[2]
	assert.Equal(t, "intake", intake.Kind)
	assert.Equal(t, "completed", intake.Status)
	require.NotNil(t, intake.Interview)
	assert.Equal(t, float64(a.Intake), intake.Interview["id"])
	// A completed intake counts in its window until the follow-up window
	// opens, as its withdrawal reads it (the schedule read "open" with no
	// close: an outcomes black-box pass).
	require.NotNil(t, intake.WindowCloses)
	assert.Equal(t, day(-200+149), *intake.WindowCloses)
	assert.Equal(t, "closed", intake.Window)
	requireProblem(t, e.post(keyHRA, itPath("/v1/gpra-interviews/%d/withdraw", a.Intake), map[string]any{"reason": "keyed wrong"}),
		http.StatusConflict, "window_closed")
	assert.Equal(t, "follow_up", fu.Kind)
	require.NotNil(t, fu.WindowOpens)
	require.NotNil(t, fu.WindowCloses)
	assert.Equal(t, day(-200+150), *fu.WindowOpens, "the follow-up window opens 150 days after intake")
	assert.Equal(t, day(-200+240), *fu.WindowCloses, "and closes 240 days after")
	require.NotNil(t, fu.DueDate)
	assert.Equal(t, day(-50), *fu.DueDate)
	assert.Equal(t, "open", fu.Window)
	assert.Equal(t, "due", fu.Status)
	assert.Equal(t, "discharge", dc.Kind)
	assert.Equal(t, "not_applicable", dc.Status)

	// The follow-up, in the window.
	r = e.post(keyHRA, "/v1/gpra-interviews", map[string]any{"client_id": a.Client, "kind": "follow_up", "instrument": "SUPRT-2025",
		"status": "completed", "interview_date": day(0)})
	require.Equal(t, http.StatusCreated, r.Status, "body: %s", r.Body)
	fuID := itID(t, r)
	assert.NotContains(t, r.JSON(t), "episode_id")
	assert.Equal(t, a.Episode, int64(e.count(`SELECT episode_id FROM gpra_interviews WHERE id = $1`, fuID)))
	// The MSC sees which episode each agency's part belongs to.
	r = e.get(keyReviewer, itPath("/v1/clients/%d/gpra-schedule", a.Client))
	r.Into(t, &sched)
	require.Len(t, sched.Episodes, 1)
	assert.Equal(t, a.Episode, sched.Episodes[0].EpisodeID)
	r = e.get(keyHRA, itPath("/v1/clients/%d/gpra-schedule", a.Client))
	r.Into(t, &sched)
	require.Len(t, sched.Episodes, 1)
	fu = sched.Episodes[0].Interviews[1]
	assert.Equal(t, "completed", fu.Status)
	require.NotNil(t, fu.Interview)
	assert.Equal(t, float64(fuID), fu.Interview["id"])
	requireProblem(t, e.post(keyHRA, "/v1/gpra-interviews", map[string]any{"client_id": a.Client, "kind": "follow_up",
		"instrument": "SUPRT-2025", "status": "completed", "interview_date": day(0)}), http.StatusConflict, "interview_exists")

	// The follow-up rate counts windows that have closed: one done in
	// window, one missed.
	b := itATRClient(t, e, day(-250))
	r = e.post(keyHRA, "/v1/gpra-interviews", map[string]any{"client_id": b.Client, "kind": "follow_up", "instrument": "SUPRT-2025",
		"status": "completed", "interview_date": day(-90)})
	require.Equal(t, http.StatusCreated, r.Status, "body: %s", r.Body)
	itATRClient(t, e, day(-245))
	closed, done := hraRate()
	assert.Equal(t, closed0+2, closed)
	assert.Equal(t, done0+1, done)
	for _, it := range itItems(t, e.get(keyReviewer, "/v1/reports/gpra-follow-up")) {
		assert.Equal(t, "0.80", it["target"])
		if w := itNum(t, it, "windows_closed"); w > 0 {
			assert.NotNil(t, it["rate"])
		}
	}
	// A provider sees only its own row.
	for _, it := range itItems(t, e.get(keyBCS, "/v1/reports/gpra-follow-up")) {
		assert.Equal(t, float64(e.demo.Providers["BCS"]), it["provider_id"])
	}
}

func TestCarePlansCreateGetListClose(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	a := itATRClient(t, e, day(-5))
	r := e.post(keyHRA, "/v1/care-plans", map[string]any{"client_id": a.Client, "program_code": "ATR", "kind": "rss_care_plan",
		"start_date": day(0), "end_date": day(90), "services": []map[string]any{{"service_code": "ATR-LS", "units_planned": 10}}})
	require.Equal(t, http.StatusCreated, r.Status, "body: %s", r.Body)
	created := r.JSON(t)
	id := itID(t, r)
	assert.Equal(t, []any{map[string]any{"service_code": "ATR-LS", "units_planned": float64(10)}}, created["services"])
	assert.Nil(t, created["closed_at"])

	r = e.get(keyHRA, itPath("/v1/care-plans/%d", id))
	require.Equal(t, http.StatusOK, r.Status, "body: %s", r.Body)
	assert.Equal(t, created, r.JSON(t))

	items := itItems(t, e.get(keyHRA, itPath("/v1/clients/%d/care-plans", a.Client)))
	require.Len(t, items, 2)
	assert.Equal(t, float64(a.CarePlan), items[0]["id"])
	assert.Equal(t, float64(id), items[1]["id"])

	// The same plan again under a fresh key is one plan sent twice, as
	// every other record an agency files once: ten sent at once made ten
	// (an idempotency black-box pass of the forty-seventh stop). One that
	// differs in anything, its units here, is a plan of its own.
	plan := func(units int) map[string]any {
		return map[string]any{"client_id": a.Client, "program_code": "ATR", "kind": "rss_care_plan",
			"start_date": day(0), "end_date": day(90), "services": []map[string]any{{"service_code": "ATR-LS", "units_planned": units}}}
	}
	itNothingWritten(t, e, func() {
		p := requireProblem(t, e.post(keyHRA, "/v1/care-plans", plan(10)), http.StatusConflict, "care_plan_exists")
		assert.Contains(t, p["detail"], fmt.Sprintf("care plan %d, open,", id))
	})
	r = e.post(keyHRA, "/v1/care-plans", plan(12))
	require.Equal(t, http.StatusCreated, r.Status, "body: %s", r.Body)
	other := itID(t, r)

	r = e.post(keyHRA, itPath("/v1/care-plans/%d/close", id), nil)
	require.Equal(t, http.StatusOK, r.Status, "body: %s", r.Body)
	assert.NotNil(t, r.JSON(t)["closed_at"])
	assert.Equal(t, 1, itAudit(e, "close", "care_plan", itStr(id)))
	requireProblem(t, e.post(keyHRA, itPath("/v1/care-plans/%d/close", id), nil), http.StatusConflict, "already_closed")
	// A closed plan is no copy's: the same plan is written again.
	require.Equal(t, http.StatusCreated, e.post(keyHRA, "/v1/care-plans", plan(10)).Status)
	requireProblem(t, e.post(keyHRA, "/v1/care-plans", plan(12)), http.StatusConflict, "care_plan_exists")
	require.Equal(t, http.StatusOK, e.post(keyHRA, itPath("/v1/care-plans/%d/close", other), nil).Status)

	// Held as an enrollment is (a black-box pass took a plan in a program
	// the agency does not deliver, and one from 1901): nothing written.
	for _, c := range []struct {
		body        map[string]any
		field, code string
	}{
		{map[string]any{"program_code": "RSVP", "services": []map[string]any{{"service_code": "RSVP-DS"}}}, "program_code", "not_offered"},
		{map[string]any{"start_date": "1901-01-01"}, "start_date", "before_birth"},
		{map[string]any{"start_date": day(400)}, "start_date", "out_of_range"},
		// An end at most as far ahead as an enrollment's planned end, 1,098
		// days after the start: one in 2999, a year mistyped, was taken (a
		// black-box pass).
		{map[string]any{"end_date": "2999-12-31"}, "end_date", "out_of_range"},
		{map[string]any{"end_date": day(1099)}, "end_date", "out_of_range"},
	} {
		body := map[string]any{"client_id": a.Client, "program_code": "ATR", "kind": "rss_care_plan",
			"start_date": day(0), "services": []map[string]any{{"service_code": "ATR-LS"}}}
		for k, v := range c.body {
			body[k] = v
		}
		itNothingWritten(t, e, func() {
			p := requireProblem(t, e.post(keyHRA, "/v1/care-plans", body), http.StatusUnprocessableEntity, "validation_failed")
			assert.Equal(t, c.code, itFieldCode(p, c.field), "%v", p)
		})
	}
}

func TestVoucherOutcomes(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name     string
		key      string
		client   string
		service  string
		units    int
		decision string
		code     string // a reason code that must be given ("" for none)
		granted  int    // units authorized (0 when nothing is)
		staff    string // the staff member named on the request ("" for the enrollment's)
	}{
		{name: "Rivera ATR case management is approved", key: keyHRA, client: "Rivera", service: "ATR-CM", units: 40, decision: "approved", granted: 40},
		{name: "over the per-voucher max is partial", key: keyHRA, client: "Rivera", service: "ATR-CM", units: 200, decision: "partial",
			code: "UNITS_OVER_VOUCHER_MAX", granted: 96},
		{name: "Patel without intake GPRA is denied", key: keyHRA, client: "Patel", service: "ATR-CM", units: 40, decision: "denied",
			code: "GPRA_INTAKE_MISSING"},
		{name: "Johnson with follow-up overdue is pended", key: keyHRA, client: "Johnson", service: "ATR-CM", units: 40, decision: "pended",
			code: "GPRA_FOLLOWUP_OVERDUE"},
		{name: "Brown over the dollar cap is pended", key: keyHRA, client: "Brown", service: "ATR-CM", units: 40, decision: "pended",
			code: "EPISODE_DOLLAR_CAP_EXCEEDED"},
		{name: "Williams with a specialist at cap is pended", key: keyHRA, client: "Williams", service: "RCM-CM", units: 40,
			decision: "pended", code: "CASELOAD_AT_CAP", staff: "Castillo"},
		{name: "Williams with a specialist under cap is approved", key: keyHRA, client: "Williams", service: "RCM-CM", units: 40,
			decision: "approved", granted: 40, staff: "Petrov"},
		{name: "Kim transport from BCS duplicates HRA and pends", key: keyBCS, client: "Kim/BCS", service: "ATR-TR", units: 10,
			decision: "pended", code: "DUPLICATE_SERVICE_OTHER_PROVIDER"},
		{name: "Moreau transport from BCS duplicates HRA unseen and pends", key: keyBCS, client: "Moreau/BCS", service: "ATR-TR", units: 10,
			decision: "pended", code: "CONFLICT_ON_FILE"},
		{name: "Kim case management from BCS is not the primary and is denied", key: keyBCS, client: "Kim/BCS", service: "ATR-CM", units: 10,
			decision: "denied", code: "NOT_PRIMARY_CASE_MANAGER"},
		{name: "Foster employment with active substance use is approved (zero reject)", key: keyPWE, client: "Foster", service: "EMP-IPS",
			units: 40, decision: "approved", granted: 40},
		{name: "Smith with an expired consent is denied", key: keyHRA, client: "Smith", service: "ATR-CM", units: 10, decision: "denied",
			code: "PART2_CONSENT_MISSING"},
		{name: "Garcia with a revoked consent is denied", key: keyHRA, client: "Garcia", service: "ATR-CM", units: 10, decision: "denied",
			code: "PART2_CONSENT_MISSING"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			e := newEnv(t)
			client := e.demo.Clients[tc.client]
			require.NotZero(t, client)
			before := e.count(`SELECT count(*) FROM authorizations`)
			body := map[string]any{"client_id": client, "service_code": tc.service, "units": tc.units,
				"start_date": day(0), "end_date": day(29)}
			if tc.staff != "" {
				body["staff_id"] = e.demo.Staff[tc.staff]
			}
			r := e.post(tc.key, "/v1/voucher-requests", body)
			require.Equal(t, http.StatusCreated, r.Status, "body: %s", r.Body)
			v := r.JSON(t)
			assert.Equal(t, tc.decision, v["decision"], "%v", v["reason_codes"])
			if tc.code != "" {
				assert.Contains(t, v["reason_codes"], tc.code)
			}
			if tc.decision == "approved" {
				assert.Empty(t, v["reason_codes"])
			}
			assert.Equal(t, float64(tc.units), v["units_requested"])
			assert.NotEmpty(t, v["rule_set_version"])
			// The provider's answer drops the trace where a reason is
			// withheld, and where its own records deny (whoever else
			// serves the person); the MSC reads it on the stored decision.
			if tc.code != "CONFLICT_ON_FILE" && tc.decision != "denied" {
				assert.NotEmpty(t, v["trace"], "the stored decision carries its trace")
			}
			if tc.decision == "denied" {
				assert.Nil(t, v["trace"], "a provider's denied request carries its reasons, not the trace")
				m := e.get(keyReviewer, itPath("/v1/voucher-requests/%d", itNum(t, v, "id"))).JSON(t)
				assert.NotEmpty(t, m["trace"], "the stored decision carries its trace")
			}
			reasons, _ := v["reasons"].([]any)
			for _, x := range reasons {
				r := x.(map[string]any)
				assert.NotEmpty(t, r["text"], "reason %v has plain text", r["code"])
				assert.NotEmpty(t, r["next_step"], "reason %v has a next step", r["code"])
			}
			if tc.granted == 0 {
				assert.Nil(t, v["units_granted"])
				assert.Nil(t, v["authorization_number"])
				assert.Equal(t, before, e.count(`SELECT count(*) FROM authorizations`))
				return
			}
			assert.Equal(t, float64(tc.granted), v["units_granted"])
			require.NotNil(t, v["authorization_id"])
			assert.Equal(t, before+1, e.count(`SELECT count(*) FROM authorizations`))
			r = e.get(tc.key, itPath("/v1/authorizations/%d", itNum(t, v, "authorization_id")))
			require.Equal(t, http.StatusOK, r.Status, "body: %s", r.Body)
			auth := r.JSON(t)
			assert.Equal(t, v["authorization_number"], auth["number"])
			assert.Equal(t, float64(tc.granted), auth["units_authorized"])
			assert.Equal(t, float64(0), auth["units_used"])
			assert.Equal(t, float64(tc.granted), auth["units_remaining"])
			assert.Equal(t, v["rate"], auth["rate"])
			assert.Equal(t, "active", auth["status"])
		})
	}
}

func TestVoucherGetListReplay(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	approved := itVoucher(t, e, keyHRA, e.demo.Clients["Rivera"], "ATR-CM", 40, 0, 59)
	pended := itVoucher(t, e, keyHRA, e.demo.Clients["Johnson"], "ATR-CM", 40, 0, 59)
	denied := itVoucher(t, e, keyHRA, e.demo.Clients["Patel"], "ATR-CM", 40, 0, 59)

	for _, v := range []map[string]any{approved, pended, denied} {
		id := itNum(t, v, "id")
		r := e.get(keyHRA, itPath("/v1/voucher-requests/%d", id))
		require.Equal(t, http.StatusOK, r.Status, "body: %s", r.Body)
		got := r.JSON(t)
		assert.Equal(t, v, got, "GET returns what the submission returned")
		if got["decision"] == "denied" { // the provider reads its reasons; the MSC the trace
			assert.Nil(t, got["trace"])
			got = e.get(keyReviewer, itPath("/v1/voucher-requests/%d", id)).JSON(t)
		}
		trace, _ := got["trace"].([]any)
		assert.NotEmpty(t, trace)
		for _, x := range trace {
			step := x.(map[string]any)
			assert.NotEmpty(t, step["rule"])
			assert.NotEmpty(t, step["result"])
		}

		r = e.get(keyHRA, itPath("/v1/voucher-requests/%d/replay", id))
		require.Equal(t, http.StatusOK, r.Status, "body: %s", r.Body)
		rp := r.JSON(t)
		assert.Equal(t, float64(id), rp["voucher_request_id"])
		assert.Equal(t, v["decision"], rp["stored_decision"])
		assert.Equal(t, true, rp["rules_decision_same"])
	}

	cases := []struct {
		name   string
		status string
		must   int64
	}{
		{name: "approved", status: "approved", must: itNum(t, approved, "id")},
		{name: "pended", status: "pended", must: itNum(t, pended, "id")},
		{name: "denied", status: "denied", must: itNum(t, denied, "id")},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			items := itItems(t, e.get(keyHRA, "/v1/voucher-requests?status="+tc.status))
			found := false
			for _, it := range items {
				assert.Equal(t, tc.status, it["decision"])
				assert.Equal(t, float64(e.demo.Providers["HRA"]), it["provider_id"])
				assert.Nil(t, it["trace"], "lists leave the trace out")
				found = found || int64(it["id"].(float64)) == tc.must
			}
			assert.True(t, found, "request %d listed", tc.must)
		})
	}
	t.Run("by client", func(t *testing.T) {
		items := itItems(t, e.get(keyHRA, itPath("/v1/voucher-requests?client_id=%d", e.demo.Clients["Johnson"])))
		require.Len(t, items, 1)
		assert.Equal(t, pended["id"], items[0]["id"])
	})
	t.Run("every page once", func(t *testing.T) {
		ids := itWalk(t, e, keyReviewer, "/v1/voucher-requests", 2)
		assert.Len(t, ids, e.count(`SELECT count(*) FROM voucher_requests`))
	})
}

func TestAuthorizationsGetListFilter(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	v := itVoucher(t, e, keyHRA, e.demo.Clients["Rivera"], "ATR-CM", 40, 0, 59)
	require.Equal(t, "approved", v["decision"])
	// Kim's fixture authorization for transport: 20 units at 12.00. A paid
	// claim line uses 3 of them.
	r := e.post(keyHRA, "/v1/claims", map[string]any{"claim_number": "IT-A-1", "client_id": e.demo.Clients["Kim"],
		"rendering_staff_id": e.demo.Staff["Okafor"], "place_of_service": "11",
		"lines": []any{map[string]any{"service_code": "ATR-TR", "date_of_service": day(-1), "units": 3, "charge": "36.00"}}})
	require.Equal(t, http.StatusCreated, r.Status, "body: %s", r.Body)
	kim := itItems(t, e.get(keyHRA, itPath("/v1/authorizations?client_id=%d&service_code=ATR-TR", e.demo.Clients["Kim"])))
	require.Len(t, kim, 1)
	used := e.count(`SELECT units_used FROM authorizations WHERE id = $1`, itNum(t, kim[0], "id"))
	require.Positive(t, used)
	assert.Equal(t, float64(20), kim[0]["units_authorized"])
	assert.Equal(t, float64(used), kim[0]["units_used"])
	assert.Equal(t, float64(20-used), kim[0]["units_remaining"])
	assert.Equal(t, "12.00", kim[0]["rate"])

	r = e.get(keyHRA, itPath("/v1/authorizations/%d", itNum(t, v, "authorization_id")))
	require.Equal(t, http.StatusOK, r.Status, "body: %s", r.Body)
	a := r.JSON(t)
	assert.Equal(t, float64(40), a["units_authorized"])
	assert.Equal(t, float64(40), a["units_remaining"])
	assert.Equal(t, day(0), a["start_date"])
	assert.Equal(t, v["id"], a["voucher_request_id"])

	for _, status := range []string{"", "active", "exhausted", "expired", "void"} {
		t.Run("status="+status, func(t *testing.T) {
			path := "/v1/authorizations?limit=500"
			if status != "" {
				path += "&status=" + status
			}
			items := itItems(t, e.get(keyReviewer, path))
			for _, it := range items {
				assert.Equal(t, itNum(t, it, "units_authorized")-itNum(t, it, "units_used"), itNum(t, it, "units_remaining"))
				if status != "" {
					assert.Equal(t, status, it["status"])
				}
			}
			if status == "" || status == "active" {
				assert.NotEmpty(t, items)
			}
		})
	}
	requireProblem(t, e.get(keyHRA, "/v1/authorizations?status=spent"), http.StatusUnprocessableEntity, "validation_failed")
	// A filter sent empty is refused, not read as no filter.
	for _, path := range []string{"/v1/authorizations?status=", "/v1/authorizations?client_id=", "/v1/payer-files?kind=",
		"/v1/batches?payer_route=", "/v1/reconciliation?batch=1&provider=", "/v1/authorizations?limit="} {
		key := keyFinance
		if strings.HasPrefix(path, "/v1/authorizations") {
			key = keyReviewer
		}
		r := e.get(key, path)
		requireProblem(t, r, http.StatusUnprocessableEntity, "validation_failed")
		assert.Contains(t, string(r.Body), `"code":"invalid_value"`, path)
	}
	// An empty cursor is the first page.
	assert.NotEmpty(t, itItems(t, e.get(keyReviewer, "/v1/authorizations?cursor=")))
	requireProblem(t, e.get(keyHRA, "/v1/authorizations/999999"), http.StatusNotFound, "not_found")
}

func TestReferenceReads(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	r := e.get(keyHRA, "/v1/reason-codes")
	require.Equal(t, http.StatusOK, r.Status)
	codes := map[string]map[string]any{}
	for _, it := range itItems(t, r) {
		codes[it["code"].(string)] = it
	}
	for _, c := range []string{"GPRA_INTAKE_MISSING", "GPRA_FOLLOWUP_OVERDUE", "PART2_CONSENT_MISSING", "CASELOAD_AT_CAP",
		"NOT_PRIMARY_CASE_MANAGER", "EPISODE_DOLLAR_CAP_EXCEEDED", "DUPLICATE_SERVICE_OTHER_PROVIDER"} {
		require.Contains(t, codes, c)
		assert.NotEmpty(t, codes[c]["text"])
		assert.NotEmpty(t, codes[c]["next_step"])
	}
	assert.NotEmpty(t, r.JSON(t)["voucher_rule_set_version"])

	progs := itItems(t, e.get(keyHRA, "/v1/reference/programs"))
	assert.Len(t, progs, 5)
	r = e.get(keyHRA, "/v1/reference/programs/ATR")
	require.Equal(t, http.StatusOK, r.Status)
	atr := r.JSON(t)
	assert.Equal(t, "4000.00", atr["episode_dollar_cap"])
	assert.Equal(t, float64(150), atr["gpra_followup_open_days"])
	assert.Equal(t, float64(240), atr["gpra_followup_close_days"])

	svcs := itItems(t, e.get(keyHRA, "/v1/reference/services"))
	assert.Len(t, svcs, 12)
	r = e.get(keyHRA, "/v1/reference/services/ATR-CM")
	require.Equal(t, http.StatusOK, r.Status)
	assert.Equal(t, "15.00", r.JSON(t)["rate"])
	assert.Equal(t, float64(96), r.JSON(t)["per_voucher_max"])

	assert.NotEmpty(t, itItems(t, e.get(keyHRA, "/v1/reference/providers")))
	r = e.get(keyHRA, itPath("/v1/reference/providers/%d", e.demo.Providers["HRA"]))
	require.Equal(t, http.StatusOK, r.Status)
	assert.Equal(t, "HRA", r.JSON(t)["code"])
	r = e.get(keyReviewer, itPath("/v1/reference/providers/%d", e.demo.Providers["BCS"]))
	require.Equal(t, http.StatusOK, r.Status)
	assert.Equal(t, "BCS", r.JSON(t)["code"])
	staff := itItems(t, e.get(keyHRA, itPath("/v1/reference/providers/%d/staff", e.demo.Providers["HRA"])))
	assert.NotEmpty(t, staff)
	assert.Len(t, itItems(t, e.get(keyHRA, "/v1/reference/catchment-areas")), 12)
	assert.NotEmpty(t, itItems(t, e.get(keyHRA, "/v1/reference/settings")))
	// One setting read where it is patched (a 405: an on-call pass).
	r = e.get(keyHRA, "/v1/reference/settings/minor_age_years")
	require.Equal(t, http.StatusOK, r.Status, "%s", r.Body)
	assert.Equal(t, "minor_age_years", r.JSON(t)["key"])
	assert.Equal(t, float64(18), r.JSON(t)["value"])
	requireProblem(t, e.get(keyHRA, "/v1/reference/settings/no_such_key"), http.StatusNotFound, "not_found")

	requireProblem(t, e.get(keyHRA, "/v1/reference/programs/NOPE"), http.StatusNotFound, "not_found")
	requireProblem(t, e.get(keyHRA, "/v1/reference/services/NOPE-1"), http.StatusNotFound, "not_found")
	requireProblem(t, e.get(keyHRA, "/v1/reference/providers/999999"), http.StatusNotFound, "not_found")
}

// A rate change (effective today) applies to requests submitted after it:
// an authorization, and a request pended before the change, keep the rate
// they were given.
func TestAdminRateChangeAppliesToNewRequestsOnly(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	old := itVoucher(t, e, keyHRA, e.demo.Clients["Rivera"], "ATR-CM", 40, 0, 59)
	require.Equal(t, "approved", old["decision"])
	require.Equal(t, "15.00", old["rate"])
	pended := itVoucher(t, e, keyHRA, e.demo.Clients["Johnson"], "ATR-CM", 40, 0, 59)
	require.Equal(t, "pended", pended["decision"])

	rate := map[string]any{"rate": "20.00", "effective_from": day(0), "reason": "rate review"}
	for _, key := range []string{keyHRA, keyReviewer, keyFinance} {
		requireProblem(t, e.do(req{Method: http.MethodPatch, Path: "/v1/reference/services/ATR-CM", Key: key,
			Body: map[string]any{"per_voucher_max": 50}}), http.StatusForbidden, "forbidden")
		requireProblem(t, e.post(key, "/v1/reference/services/ATR-CM/rates", rate), http.StatusForbidden, "forbidden")
	}
	r := e.post(keyAdmin, "/v1/reference/services/ATR-CM/rates", rate)
	require.Equal(t, http.StatusCreated, r.Status, "body: %s", r.Body)
	r = e.do(req{Method: http.MethodPatch, Path: "/v1/reference/services/ATR-CM", Key: keyAdmin,
		Body: map[string]any{"per_voucher_max": 50}})
	require.Equal(t, http.StatusOK, r.Status, "body: %s", r.Body)
	assert.Equal(t, "20.00", r.JSON(t)["rate"])
	assert.Equal(t, float64(50), r.JSON(t)["per_voucher_max"])
	assert.Equal(t, 1, itAudit(e, "update", "service", "ATR-CM"))
	assert.Equal(t, 1, itAudit(e, "create", "service_rate", ""))
	r = e.get(keyHRA, "/v1/reference/services/ATR-CM")
	assert.Equal(t, "20.00", r.JSON(t)["rate"])

	r = e.get(keyHRA, itPath("/v1/authorizations/%d", itNum(t, old, "authorization_id")))
	require.Equal(t, http.StatusOK, r.Status)
	assert.Equal(t, "15.00", r.JSON(t)["rate"], "an authorization keeps its rate")

	fresh := itVoucher(t, e, keyHRA, e.demo.Clients["Bennett"], "ATR-CM", 60, 0, 59)
	assert.Equal(t, "20.00", fresh["rate"], "a new request gets the new rate")
	assert.Equal(t, "partial", fresh["decision"], "and the new per-voucher max")
	assert.Equal(t, float64(50), fresh["units_granted"])
	r = e.get(keyHRA, itPath("/v1/authorizations/%d", itNum(t, fresh, "authorization_id")))
	require.Equal(t, http.StatusOK, r.Status)
	assert.Equal(t, "20.00", r.JSON(t)["rate"])

	r = e.post(keyReviewer, itPath("/v1/voucher-requests/%d/decision", itNum(t, pended, "id")),
		map[string]any{"action": "approve", "note": "follow-up scheduled for next week"})
	require.Equal(t, http.StatusOK, r.Status, "body: %s", r.Body)
	r = e.get(keyHRA, itPath("/v1/authorizations/%d", itNum(t, r.JSON(t), "authorization_id")))
	require.Equal(t, http.StatusOK, r.Status)
	assert.Equal(t, "15.00", r.JSON(t)["rate"], "a request submitted before the change keeps the rate it was submitted at")

	// Unknown reference records are 404 and change nothing.
	for _, path := range []string{"/v1/reference/services/ATR-ZZ", "/v1/reference/programs/ZZZ", "/v1/reference/settings/no_such_setting"} {
		body := map[string]any{"per_voucher_max": 5}
		switch {
		case strings.Contains(path, "programs"):
			body = map[string]any{"filing_limit_days": 30}
		case strings.Contains(path, "settings"):
			body = map[string]any{"value": 1}
		}
		itNothingWritten(t, e, func() {
			requireProblem(t, e.do(req{Method: http.MethodPatch, Path: path, Key: keyAdmin, Body: body}), http.StatusNotFound, "not_found")
		})
	}

	// Program limits and settings: admin only, applied at once.
	r = e.do(req{Method: http.MethodPatch, Path: "/v1/reference/programs/ATR", Key: keyAdmin, Body: map[string]any{"voucher_validity_days": 60}})
	require.Equal(t, http.StatusOK, r.Status, "body: %s", r.Body)
	assert.Equal(t, float64(60), r.JSON(t)["voucher_validity_days"])
	requireProblem(t, e.do(req{Method: http.MethodPatch, Path: "/v1/reference/programs/ATR", Key: keyReviewer,
		Body: map[string]any{"voucher_validity_days": 30}}), http.StatusForbidden, "forbidden")
	r = e.do(req{Method: http.MethodPatch, Path: "/v1/reference/settings/minor_age_years", Key: keyAdmin, Body: map[string]any{"value": 19}})
	require.Equal(t, http.StatusOK, r.Status, "body: %s", r.Body)
	assert.Equal(t, float64(19), r.JSON(t)["value"])
	// The value it holds already changes nothing: not its time, not its
	// history (it read "updated" at a time its history could not explain:
	// a black-box pass).
	changed := r.JSON(t)["updated_at"]
	r = e.do(req{Method: http.MethodPatch, Path: "/v1/reference/settings/minor_age_years", Key: keyAdmin, Body: map[string]any{"value": 19,
		"reason": "the same"}})
	require.Equal(t, http.StatusOK, r.Status, "body: %s", r.Body)
	assert.Equal(t, changed, r.JSON(t)["updated_at"])
	assert.Len(t, itItems(t, e.get(keyAdmin, "/v1/reference/settings/minor_age_years/history")), 2, "its creation and the one change")
	requireProblem(t, e.do(req{Method: http.MethodPatch, Path: "/v1/reference/settings/minor_age_years", Key: keyFinance,
		Body: map[string]any{"value": 21}}), http.StatusForbidden, "forbidden")
	// A setting is bounded by its unit: no 2,147,483,647-year-old minors,
	// no target of 101 percent; and none is 0, which switches its rule off
	// (0 months of experience made every staff member a qualified case
	// manager, a rule that cannot be switched off: an operations pass).
	for path, v := range map[string]int{"minor_age_years": 121, "cm_equivalency_months": 1201, "gpra_followup_target_percent": 101,
		"cm_target_population_months": 0, "review_target_days": 0} {
		itNothingWritten(t, e, func() {
			p := requireProblem(t, e.do(req{Method: http.MethodPatch, Path: "/v1/reference/settings/" + path, Key: keyAdmin,
				Body: map[string]any{"value": v}}), http.StatusUnprocessableEntity, "validation_failed")
			assert.Equal(t, []string{"value"}, itFieldErrors(t, p))
		})
	}
}

// A setting's PATCH refused another role's body before its role: a
// provider's, reviewer's or finance key sending {} read 422 value
// required, where every other admin write answers 403 whatever the body
// (a black-box pass). The role comes first; an admin still reads the 422.
func TestPatchSettingChecksTheRoleFirst(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	path := "/v1/reference/settings/review_target_days"
	for _, key := range []string{keyHRA, keyReviewer, keyFinance} {
		for _, body := range []map[string]any{{}, {"value": nil}, {"value": 0}} {
			itNothingWritten(t, e, func() {
				requireProblem(t, e.do(req{Method: http.MethodPatch, Path: path, Key: key, Body: body}), http.StatusForbidden, "forbidden")
			})
		}
	}
	for _, body := range []map[string]any{{}, {"value": nil}} {
		p := requireProblem(t, e.do(req{Method: http.MethodPatch, Path: path, Key: keyAdmin, Body: body}), http.StatusUnprocessableEntity,
			"validation_failed")
		assert.Equal(t, "required", itFieldCode(p, "value"))
	}
}

func TestAPIKeysCreateAuthenticateRevoke(t *testing.T) {
	t.Parallel()
	e := itNewEnv(t, itOpts{keyTTL: time.Second})

	r := e.post(keyAdmin, "/v1/api-keys", map[string]any{"role": "provider", "provider_id": e.demo.Providers["BCS"], "label": "BCS EHR"})
	require.Equal(t, http.StatusCreated, r.Status, "body: %s", r.Body)
	nk := r.JSON(t)
	key := nk["key"].(string)
	id := itID(t, r)
	assert.Equal(t, "provider", nk["role"])
	assert.EqualValues(t, e.demo.Providers["BCS"], nk["provider_id"], "the answer says which agency the secret opens (a new-user pass)")
	assert.Equal(t, 1, itAudit(e.env, "create", "api_key", itStr(id)))
	var outcome string
	require.NoError(t, e.db.GetContext(t.Context(), &outcome, `SELECT outcome FROM audit_events
		WHERE action = 'create' AND entity_type = 'api_key' AND entity_id = $1`, itStr(id)))
	assert.Equal(t, fmt.Sprintf("provider:%d", e.demo.Providers["BCS"]), outcome, "the event says what the key was given")

	// Hashed at rest: the secret appears nowhere in the row; its SHA-256 does.
	_, secret, ok := strings.Cut(strings.TrimPrefix(key, "rss_"), "_")
	require.True(t, ok)
	var row string
	require.NoError(t, e.db.GetContext(t.Context(), &row, `SELECT t::text FROM api_keys t WHERE id = $1`, id))
	assert.NotContains(t, row, secret)
	sum := sha256.Sum256([]byte(secret))
	assert.Equal(t, 1, e.count(`SELECT count(*) FROM api_keys WHERE id = $1 AND secret_hash = $2`, id, sum[:]))

	// The new key works and is scoped to its agency.
	r = e.get(key, itPath("/v1/clients/%d", e.demo.Clients["Reyes"]))
	assert.Equal(t, http.StatusOK, r.Status, "body: %s", r.Body)
	requireProblem(t, e.get(key, itPath("/v1/clients/%d", e.demo.Clients["Rivera"])), http.StatusNotFound, "not_found")

	// Only admin mints or revokes keys.
	for _, k := range []string{keyHRA, keyReviewer, keyFinance, key} {
		requireProblem(t, e.post(k, "/v1/api-keys", map[string]any{"role": "admin", "label": "escalate"}), http.StatusForbidden, "forbidden")
		requireProblem(t, e.post(k, itPath("/v1/api-keys/%d/revoke", id), nil), http.StatusForbidden, "forbidden")
	}

	r = e.post(keyAdmin, itPath("/v1/api-keys/%d/revoke", id), nil)
	require.Equal(t, http.StatusOK, r.Status, "body: %s", r.Body)
	assert.Equal(t, true, r.JSON(t)["revoked"])
	assert.Equal(t, 1, itAudit(e.env, "revoke", "api_key", itStr(id)))
	// Revoked before is a conflict, not unknown (it is listed); a key never minted is not found.
	requireProblem(t, e.post(keyAdmin, itPath("/v1/api-keys/%d/revoke", id), nil), http.StatusConflict, "already_revoked")
	requireProblem(t, e.post(keyAdmin, "/v1/api-keys/999999/revoke", nil), http.StatusNotFound, "not_found")

	// Within the cache TTL the key may still answer; past it, it must not.
	e.keys.Advance(time.Second + time.Millisecond)
	r = e.get(key, "/v1/reason-codes")
	requireProblem(t, r, http.StatusUnauthorized, "unauthorized")
	assert.Contains(t, r.Header.Get("WWW-Authenticate"), "invalid_token")

	// Bad role and scope are refused.
	requireProblem(t, e.post(keyAdmin, "/v1/api-keys", map[string]any{"role": "provider", "label": "no agency"}),
		http.StatusUnprocessableEntity, "validation_failed")
	requireProblem(t, e.post(keyAdmin, "/v1/api-keys", map[string]any{"role": "root", "label": "x"}),
		http.StatusUnprocessableEntity, "validation_failed")
	requireProblem(t, e.post(keyAdmin, "/v1/api-keys", map[string]any{"role": "reviewer", "provider_id": e.demo.Providers["HRA"], "label": "x"}),
		http.StatusUnprocessableEntity, "validation_failed")
}

// The last active admin key is not revoked: a black-box pass revoked its
// own, the only one, and the MSC was locked out of the API until an
// operator minted one on the server. Two admins revoking the last two at
// once leave one.
func TestLastAdminKeyIsKept(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	_, err := e.db.ExecContext(t.Context(), `UPDATE api_keys SET revoked_at = now() WHERE role = 'admin' AND prefix <> $1`,
		strings.Split(keyAdmin, "_")[1])
	require.NoError(t, err)
	own := itFixtureID(t, e, `SELECT id FROM api_keys WHERE role = 'admin' AND revoked_at IS NULL`)
	itNothingWritten(t, e, func() {
		p := requireProblem(t, e.post(keyAdmin, itPath("/v1/api-keys/%d/revoke", own), nil), http.StatusConflict, "last_admin_key")
		assert.Contains(t, p["detail"], "mint another admin key first")
	})
	mint := func() (string, int64) {
		t.Helper()
		r := e.post(keyAdmin, "/v1/api-keys", map[string]any{"role": "admin", "label": "second admin"})
		require.Equal(t, http.StatusCreated, r.Status, "%s", r.Body)
		return r.JSON(t)["key"].(string), itID(t, r)
	}
	for range 3 {
		second, secondID := mint()
		statuses := make([]int, 2)
		var wg sync.WaitGroup
		for i, k := range []struct {
			key string
			id  int64
		}{{keyAdmin, secondID}, {second, own}} {
			wg.Add(1)
			go func() {
				defer wg.Done()
				statuses[i] = e.post(k.key, itPath("/v1/api-keys/%d/revoke", k.id), nil).Status
			}()
		}
		wg.Wait()
		// One wins; the other is refused as the last admin key, or finds its
		// own key revoked already (401) when it authenticates after the win.
		won := 0
		for _, st := range statuses {
			if st == http.StatusOK {
				won++
			} else {
				assert.Contains(t, []int{http.StatusConflict, http.StatusUnauthorized}, st, "%v", statuses)
			}
		}
		assert.Equal(t, 1, won, "%v", statuses)
		require.Equal(t, 1, e.count(`SELECT count(*) FROM api_keys WHERE role = 'admin' AND revoked_at IS NULL`), "one admin key stands")
		if statuses[1] == http.StatusOK {
			return // the demo key went; the rest of the loop would need the second's
		}
	}
}

// An admin's tooling lists the keys (a black-box pass could revoke a
// departed agency's keys only by ids kept from the mint answers): paged,
// by agency and by state, never a secret.
func TestAPIKeysListed(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	bcs := e.demo.Providers["BCS"]
	var ids []int64
	for _, label := range []string{"BCS EHR", "BCS billing"} {
		r := e.post(keyAdmin, "/v1/api-keys", map[string]any{"role": "provider", "provider_id": bcs, "label": label})
		require.Equal(t, http.StatusCreated, r.Status, "body: %s", r.Body)
		ids = append(ids, itID(t, r))
	}
	r := e.post(keyAdmin, itPath("/v1/api-keys/%d/revoke", ids[0]), nil)
	require.Equal(t, http.StatusOK, r.Status, "body: %s", r.Body)

	listed := func(query string) []map[string]any {
		t.Helper()
		r := e.get(keyAdmin, "/v1/api-keys"+query)
		require.Equal(t, http.StatusOK, r.Status, "body: %s", r.Body)
		assert.NotContains(t, string(r.Body), "secret")
		return itItems(t, r)
	}
	ofBCS := func(query string) []int64 {
		var out []int64
		for _, k := range listed(query) {
			if p, _ := k["provider_id"].(float64); int64(p) == bcs && k["demo"] == false {
				out = append(out, itNum(t, k, "id"))
			}
		}
		return out
	}
	all := listed("")
	require.NotEmpty(t, all)
	for i := 1; i < len(all); i++ {
		assert.Less(t, itNum(t, all[i-1], "id"), itNum(t, all[i], "id"), "oldest first")
	}
	assert.Equal(t, ids, ofBCS(itPath("?provider_id=%d", bcs)))
	assert.Equal(t, ids[1:], ofBCS(itPath("?provider_id=%d&revoked=false", bcs)))
	revoked := listed(itPath("?provider_id=%d&revoked=true", bcs))
	require.Len(t, revoked, 1)
	assert.Equal(t, float64(ids[0]), revoked[0]["id"])
	assert.NotNil(t, revoked[0]["revoked_at"])
	assert.Equal(t, "BCS EHR", revoked[0]["label"])
	assert.Equal(t, "provider", revoked[0]["role"])
	assert.NotEmpty(t, revoked[0]["prefix"])
	assert.NotEmpty(t, revoked[0]["created_at"])
	for _, k := range all {
		_, has := k["key"]
		assert.False(t, has, "no key is listed with its secret")
	}

	first := e.get(keyAdmin, "/v1/api-keys?limit=1")
	require.Equal(t, http.StatusOK, first.Status)
	next, _ := first.JSON(t)["next_cursor"].(string)
	require.NotEmpty(t, next)
	second := itItems(t, e.get(keyAdmin, "/v1/api-keys?limit=1&cursor="+next))
	require.Len(t, second, 1)
	assert.Equal(t, all[1]["id"], second[0]["id"])

	requireProblem(t, e.get(keyAdmin, "/v1/api-keys?revoked=yes"), http.StatusUnprocessableEntity, "validation_failed")
	requireProblem(t, e.get(keyAdmin, "/v1/api-keys?provider_id=x"), http.StatusUnprocessableEntity, "validation_failed")
	for _, k := range []string{keyHRA, keyReviewer, keyFinance} {
		requireProblem(t, e.get(k, "/v1/api-keys"), http.StatusForbidden, "forbidden")
	}
}

func TestClaimsHappyPath(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	kim := e.demo.Clients["Kim"]
	used0 := e.count(`SELECT units_used FROM authorizations WHERE client_id = $1 AND service_code = 'ATR-TR'`, kim)
	claim := map[string]any{"claim_number": "IT-C-1", "client_id": kim, "rendering_staff_id": e.demo.Staff["Okafor"], "place_of_service": "11",
		"lines": []any{map[string]any{"service_code": "ATR-TR", "date_of_service": day(-1), "units": 2, "charge": "24.00"}}}
	r := e.post(keyHRA, "/v1/claims", claim)
	require.Equal(t, http.StatusCreated, r.Status, "body: %s", r.Body)
	c := r.JSON(t)
	id := itID(t, r)
	assert.Equal(t, "24.00", c["total_paid"])

	r = e.get(keyHRA, itPath("/v1/claims/%d", id))
	require.Equal(t, http.StatusOK, r.Status, "body: %s", r.Body)
	assert.Equal(t, "IT-C-1", r.JSON(t)["claim_number"])
	items := itItems(t, e.get(keyHRA, itPath("/v1/claims?client_id=%d", kim)))
	require.Len(t, items, 1)
	r = e.get(keyHRA, itPath("/v1/claims/%d/remittance", id))
	require.Equal(t, http.StatusOK, r.Status, "body: %s", r.Body)
	assert.Equal(t, "24.00", r.JSON(t)["paid"])
	requireProblem(t, e.get(keyBCS, itPath("/v1/claims/%d", id)), http.StatusNotFound, "not_found")

	r = e.post(keyHRA, "/v1/claims/bulk", map[string]any{"claims": []any{map[string]any{"claim_number": "IT-C-2", "client_id": kim,
		"rendering_staff_id": e.demo.Staff["Okafor"], "place_of_service": "11",
		"lines": []any{map[string]any{"service_code": "ATR-TR", "date_of_service": day(-2), "units": 1, "charge": "12.00"}}}}})
	require.Equal(t, http.StatusOK, r.Status, "body: %s", r.Body)
	assert.Equal(t, float64(1), r.JSON(t)["summary"].(map[string]any)["created"])

	r = e.post(keyHRA, itPath("/v1/claims/%d/void", id), map[string]any{"claim_number": "IT-C-1-V"})
	require.Equal(t, http.StatusCreated, r.Status, "body: %s", r.Body)
	assert.Equal(t, used0+1, e.count(`SELECT units_used FROM authorizations WHERE client_id = $1 AND service_code = 'ATR-TR'`, kim),
		"the void gives back its 2 units; the bulk claim keeps its 1")
}

func TestOperationalEndpoints(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	r := e.get("", "/healthz")
	assert.Equal(t, http.StatusOK, r.Status)
	assert.Equal(t, "ok", r.JSON(t)["status"])
	r = e.get("", "/readyz")
	assert.Equal(t, http.StatusOK, r.Status)
	assert.Equal(t, "ready", r.JSON(t)["status"])
	// Every connection of the pool in use, the check says so, not that the
	// database did not answer (an on-call pass).
	var held []*sql.Conn
	for range e.db.Stats().MaxOpenConnections {
		c, err := e.db.Conn(t.Context())
		require.NoError(t, err)
		held = append(held, c)
	}
	p := requireProblem(t, e.get("", "/readyz"), http.StatusServiceUnavailable, "not_ready")
	assert.Contains(t, p["detail"], "no connection of rss's pool was free within 2 s")
	for _, c := range held {
		require.NoError(t, c.Close())
	}
	e.get(keyHRA, "/v1/reason-codes")
	// Made-up methods are one label, not a series each (they were).
	for _, m := range []string{"FROB", "XYZZY"} {
		e.do(req{Method: m, Path: "/v1/reason-codes", Key: keyHRA})
	}
	r = e.get("", "/metrics")
	assert.Equal(t, http.StatusOK, r.Status)
	assert.Contains(t, string(r.Body), "rss_http_requests_total")
	assert.Contains(t, string(r.Body), `route="/v1/reason-codes"`)
	assert.Contains(t, string(r.Body), `method="OTHER"`)
	assert.NotContains(t, string(r.Body), `method="FROB"`)
	// What is under way, and the database pool, show before anything ends.
	assert.Contains(t, string(r.Body), "rss_http_requests_in_flight 1", "the /metrics request itself")
	assert.Contains(t, string(r.Body), `go_sql_in_use_connections{db_name="rss"}`)
	assert.Contains(t, string(r.Body), `go_sql_wait_count_total{db_name="rss"}`)
	// Which build serves (an on-call pass could not tell).
	assert.Contains(t, string(r.Body), fmt.Sprintf(`rss_build_info{claim_rules=%q,commit="unknown",schema_version="%d",voucher_rules=%q} 1`,
		adjudication.ClaimRuleSetVersion, pg.SchemaVersion(), adjudication.VoucherRuleSetVersion))
	r = e.get("", "/openapi.yaml")
	assert.Equal(t, http.StatusOK, r.Status)
	assert.Equal(t, "application/yaml", r.Header.Get("Content-Type"))
	assert.Equal(t, string(api.OpenAPI()), string(r.Body))
	requireProblem(t, e.get(keyHRA, "/v1/no-such-thing"), http.StatusNotFound, "not_found")
	r = e.do(req{Method: http.MethodGet, Path: "/v1/reason-codes", Key: keyHRA, Header: map[string]string{"X-Request-Id": "trace-me-42"}})
	assert.Equal(t, "trace-me-42", r.Header.Get("X-Request-Id"), "a caller's request id is kept")
	r = e.do(req{Method: http.MethodGet, Path: "/v1/clients/0", Key: keyHRA, Header: map[string]string{"X-Request-Id": "bad id with spaces"}})
	assert.NotEqual(t, "bad id with spaces", r.Header.Get("X-Request-Id"))
	assert.Equal(t, r.Header.Get("X-Request-Id"), r.JSON(t)["request_id"], "the problem carries the request id")
	r = e.do(req{Method: http.MethodDelete, Path: "/v1/clients/1", Key: keyHRA})
	p = requireProblem(t, r, http.StatusMethodNotAllowed, "method_not_allowed")
	assert.Contains(t, r.Header.Get("Allow"), "GET")
	assert.Contains(t, p["detail"], "accepts GET", "the 405 says what the route accepts, as its Allow header does")
}

// An agency's staff are hired at /v1/providers/{id}/staff and listed there
// too (a new agency's black-box pass read a 405 where it hired them), as at
// /v1/reference/providers/{id}/staff: one listing, one gate.
func TestStaffListedWhereHired(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ref := e.get(keyHRA, itPath("/v1/reference/providers/%d/staff", e.demo.Providers["HRA"]))
	require.Equal(t, http.StatusOK, ref.Status, "body: %s", ref.Body)
	r := e.get(keyHRA, itPath("/v1/providers/%d/staff", e.demo.Providers["HRA"]))
	require.Equal(t, http.StatusOK, r.Status, "body: %s", r.Body)
	assert.JSONEq(t, string(ref.Body), string(r.Body))
	requireProblem(t, e.get(keyHRA, itPath("/v1/providers/%d/staff", e.demo.Providers["BCS"])), http.StatusNotFound, "not_found")
}

// A GPRA interview is of the agency's part of the episode: an intake before
// the enrollment started (one dated two years back opened a follow-up
// window already closed, counted against the agency's rate) or after its
// discharge, and a discharge interview before the discharge, are 422s that
// write nothing; on the start day and on the discharge day they go through.
func TestGPRAInterviewDatesWithinThePart(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	c := itNewClient(t, e, keyHRA, "hartford")
	r := e.post(keyHRA, "/v1/enrollments", map[string]any{"client_id": c, "program_code": "ATR",
		"assigned_staff_id": e.demo.Staff["Okafor"], "primary_case_manager": true, "start_date": day(-40)})
	require.Equal(t, http.StatusCreated, r.Status, "%s", r.Body)
	en := itID(t, r)
	interview := func(kind, on string) resp {
		instrument := "SUPRT-2025"
		if on < "2025" {
			instrument = "GPRA-2017" // the one in use then
		}
		return e.post(keyHRA, "/v1/gpra-interviews", map[string]any{"client_id": c, "enrollment_id": en, "kind": kind,
			"instrument": instrument, "status": "completed", "interview_date": on})
	}
	refused := func(r resp, code string) {
		t.Helper()
		p := requireProblem(t, r, http.StatusUnprocessableEntity, "validation_failed")
		assert.Equal(t, code, itFieldCode(p, "interview_date"), "%v", p)
	}
	itNothingWritten(t, e, func() { refused(interview("intake", day(-41)), "before_start") })
	itNothingWritten(t, e, func() { refused(interview("intake", "2024-06-15"), "before_start") })
	r = e.post(keyHRA, itPath("/v1/enrollments/%d/discharge", en), map[string]any{"discharge_date": day(-10), "reason_code": "completed"})
	require.Equal(t, http.StatusOK, r.Status, "%s", r.Body)
	itNothingWritten(t, e, func() { refused(interview("intake", day(-9)), "after_discharge") })
	itNothingWritten(t, e, func() { refused(interview("discharge", day(-11)), "before_discharge") })
	// A discharge interview closes what an intake opened: one was taken
	// for a stay with no intake (a black-box pass).
	itNothingWritten(t, e, func() {
		p := requireProblem(t, interview("discharge", day(-10)), http.StatusUnprocessableEntity, "validation_failed")
		assert.Equal(t, "intake_missing", itFieldCode(p, "kind"), "%v", p)
	})
	r = interview("intake", day(-40))
	require.Equal(t, http.StatusCreated, r.Status, "the start day: %s", r.Body)
	r = interview("discharge", day(-10))
	require.Equal(t, http.StatusCreated, r.Status, "the discharge day: %s", r.Body)
}

// An agency that discharges a client and enrolls them again reads the
// same GPRA answers whether or not another agency keeps the person's
// episode open (42 CFR Part 2). Rivera is HRA's, enrolled in ATR: her BCS
// stays join HRA's open episode, a stranger's each open an episode of
// their own. Keyed by the agency's part of the episode, the known person's
// schedule showed one part where the stranger's showed two, her discharge
// interview was refused (not_discharged) and a new intake was a 409 (a
// black-box pass); keyed by the stay, the answers are the same.
func TestGPRAReEnrollmentReadsAlikeKnownOrNot(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	rivera := identityOf(t, e, e.demo.Clients["Rivera"])
	type story struct {
		schedule  []any
		discharge int
		intake    int
		followUp  int
	}
	live := func(firstName, lastName string) story {
		r := e.post(keyBCS, "/v1/clients", map[string]any{"first_name": firstName, "last_name": lastName, "date_of_birth": rivera.DOB.String(),
			"catchment_area": "bridgeport", "gender": "U"})
		require.Equal(t, http.StatusCreated, r.Status, "%s", r.Body)
		client := itID(t, r)
		enroll := func(on string) int64 {
			r := e.post(keyBCS, "/v1/enrollments", map[string]any{"client_id": client, "program_code": "ATR", "start_date": on})
			require.Equal(t, http.StatusCreated, r.Status, "%s", r.Body)
			return itID(t, r)
		}
		interview := func(kind string, enrollment any, on string) resp {
			return e.post(keyBCS, "/v1/gpra-interviews", map[string]any{"client_id": client, "enrollment_id": enrollment, "kind": kind,
				"instrument": "SUPRT-2025", "status": "completed", "interview_date": on})
		}
		first := enroll(day(-30))
		require.Equal(t, http.StatusCreated, interview("intake", nil, day(-30)).Status)
		r = e.post(keyBCS, itPath("/v1/enrollments/%d/discharge", first), map[string]any{"discharge_date": day(-10), "reason_code": "completed"})
		require.Equal(t, http.StatusOK, r.Status, "%s", r.Body)
		second := enroll(day(-5))
		var s story
		s.discharge = interview("discharge", first, day(-3)).Status
		s.intake = interview("intake", nil, day(-4)).Status
		s.followUp = interview("follow_up", second, day(0)).Status // before its window: refused alike
		body := e.get(keyBCS, itPath("/v1/clients/%d/gpra-schedule", client)).JSON(t)
		eps, _ := body["episodes"].([]any)
		for _, ep := range eps {
			m := ep.(map[string]any)
			m["enrollment_id"] = m["enrollment_id"].(float64) - float64(first) // the stays' ids, relative
			for _, it := range m["interviews"].([]any) {
				if iv, ok := it.(map[string]any)["interview"].(map[string]any); ok {
					for _, k := range []string{"id", "client_id", "created_at"} {
						delete(iv, k)
					}
					iv["enrollment_id"] = iv["enrollment_id"].(float64) - float64(first)
				}
			}
		}
		s.schedule = eps
		return s
	}
	stranger := live("Nobody", "Itstranger")
	known := live(rivera.First, rivera.Last)
	assert.Equal(t, http.StatusCreated, stranger.discharge)
	assert.Equal(t, http.StatusCreated, stranger.intake)
	require.Len(t, stranger.schedule, 2, "two stays: %v", stranger.schedule)
	assert.Equal(t, stranger, known)
}

// A client who refused the intake interview at the first contact and sat
// for it two days later: the completed intake follows the one recorded not
// conducted (the record becomes the completed interview, the audit keeps
// the change), and the stay's vouchers are no longer denied for it. A
// black-box pass found the completed intake refused (interview_exists),
// every voucher of the stay denied with a next step the API refused.
func TestCompletedIntakeFollowsOneNotConducted(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	client := itNewClient(t, e, keyHRA, "hartford")
	for _, c := range []struct {
		path string
		body map[string]any
	}{
		{"/v1/enrollments", map[string]any{"client_id": client, "program_code": "ATR", "assigned_staff_id": e.demo.Staff["Okafor"],
			"primary_case_manager": true, "start_date": day(-5)}},
		{"/v1/consents", map[string]any{"client_id": client, "recipient_type": "msc", "recipient_name": "Management Services Contractor",
			"purposes": []string{"payment"}, "information": "enrollment and services", "signed_on": day(-5), "expires_on": day(365)}},
		{"/v1/care-plans", map[string]any{"client_id": client, "program_code": "ATR", "kind": "rss_care_plan", "start_date": day(-5),
			"end_date": day(300), "services": []map[string]any{{"service_code": "ATR-CM"}}}},
	} {
		r := e.post(keyHRA, c.path, c.body)
		require.Equal(t, http.StatusCreated, r.Status, "%s: %s", c.path, r.Body)
	}
	interview := func(status, date string) resp {
		body := map[string]any{"client_id": client, "kind": "intake", "instrument": "SUPRT-2025", "status": status, "interview_date": date}
		if status == "not_conducted" {
			body["not_conducted_reason"] = "refused"
		}
		return e.post(keyHRA, "/v1/gpra-interviews", body)
	}
	r := interview("not_conducted", day(-5))
	require.Equal(t, http.StatusCreated, r.Status, "%s", r.Body)
	id := itID(t, r)
	v := itVoucher(t, e, keyHRA, client, "ATR-CM", 10, 0, 29)
	require.Equal(t, "denied", v["decision"])
	require.Contains(t, v["reason_codes"], "GPRA_INTAKE_MISSING")

	r = interview("completed", day(-3))
	require.Equal(t, http.StatusCreated, r.Status, "%s", r.Body)
	got := r.JSON(t)
	assert.Equal(t, float64(id), got["id"], "one intake a stay")
	assert.Equal(t, "completed", got["status"])
	assert.Equal(t, day(-3), got["interview_date"])
	assert.Nil(t, got["not_conducted_reason"])
	assert.Equal(t, 1, itAudit(e, "update", "gpra_interview", itStr(id)))
	v = itVoucher(t, e, keyHRA, client, "ATR-CM", 10, 0, 29)
	assert.Equal(t, "approved", v["decision"], "%v", v["reason_codes"])

	// A completed intake is not recorded again, nor undone.
	for _, status := range []string{"completed", "not_conducted"} {
		p := requireProblem(t, interview(status, day(-1)), http.StatusConflict, "interview_exists")
		assert.Equal(t, "this agency already recorded an intake interview for this enrollment", p["detail"])
	}
	assert.Equal(t, 1, e.count(`SELECT count(*) FROM gpra_interviews WHERE client_id = $1`, client))
}

// A reviewer's decision of a pended request is counted, as the rules'
// decision at submission is: it was counted nowhere (an on-call pass). A
// replay counts nothing.
func TestMetricsCountReviewersDecisions(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	c := itATRClient(t, e, day(-30))
	v := itVoucher(t, e, keyHRA, c.Client, "ATR-TH", 30, 0, 6) // pended: not in the care plan
	require.Equal(t, "pended", v["decision"], "%v", v)
	decide := req{Method: http.MethodPost, Path: itPath("/v1/voucher-requests/%d/decision", itNum(t, v, "id")), Key: keyReviewer,
		Body: map[string]any{"action": "deny", "note": "not in the plan"}, IdemKey: "review-once"}
	require.Equal(t, http.StatusOK, e.do(decide).Status)
	require.Equal(t, http.StatusOK, e.do(decide).Status) // a replay
	r := e.get("", "/metrics")
	assert.Contains(t, string(r.Body), `rss_voucher_reviews_total{decision="denied"} 1`)
	assert.Contains(t, string(r.Body), `rss_voucher_decisions_total{decision="pended"} 1`)
}

// A void made through POST /v1/claims/{id}/void counts its reversal line
// in the claim lines' metric, as the same void sent to POST /v1/claims
// does: every such void was missing from it (a claims black-box pass of
// the thirty-eighth stop). A replay counts nothing.
func TestMetricsCountAVoidsReversalLines(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.authorizeRivera(40)
	r := e.post(keyHRA, "/v1/claims", e.riveraClaim("MET-1", cmLine(day(-2), 2, "30.00")))
	require.Equal(t, http.StatusCreated, r.Status, "%s", r.Body)
	void := req{Method: http.MethodPost, Path: itPath("/v1/claims/%d/void", itID(t, r)), Key: keyHRA,
		Body: map[string]any{"claim_number": "MET-1-V"}, IdemKey: "void-once"}
	require.Equal(t, http.StatusCreated, e.do(void).Status)
	require.Equal(t, http.StatusCreated, e.do(void).Status) // a replay
	m := string(e.get("", "/metrics").Body)
	assert.Contains(t, m, `rss_claim_lines_total{status="paid"} 1`)
	assert.Contains(t, m, `rss_claim_lines_total{status="reversal"} 1`)
}

// A voucher request's enrollment_id names the client's enrollment in the
// request's program: the client's RCM enrollment named on an ATR request
// was stored and denied for reasons that were not so, no enrollment in
// ATR and no intake with both on file (a black-box pass). It is bad
// input, refused before anything is written; the ATR enrollment named is
// taken.
func TestVoucherRequestNamesAnEnrollmentOfItsProgram(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	a := itATRClient(t, e, day(-5))
	r := e.post(keyHRA, "/v1/enrollments", map[string]any{"client_id": a.Client, "program_code": "RCM", "start_date": day(-5),
		"referral_source": "samss_meeting"})
	require.Equal(t, http.StatusCreated, r.Status, "%s", r.Body)
	rcm := itID(t, r)
	body := map[string]any{"client_id": a.Client, "service_code": "ATR-TR", "units": 5, "start_date": day(0), "end_date": day(20),
		"enrollment_id": rcm}
	itNothingWritten(t, e, func() {
		for _, b := range []map[string]any{body, itWith(body, "program_code", "ATR")} {
			p := requireProblem(t, e.post(keyHRA, "/v1/voucher-requests", b), http.StatusUnprocessableEntity, "validation_failed")
			assert.Equal(t, "wrong_program", itFieldCode(p, "enrollment_id"), "%v", p)
		}
	})
	v := e.post(keyHRA, "/v1/voucher-requests", itWith(body, "enrollment_id", a.Enrollment))
	require.Equal(t, http.StatusCreated, v.Status, "%s", v.Body)
	assert.Equal(t, "approved", v.JSON(t)["decision"], "%s", v.Body)
	assert.Equal(t, float64(a.Enrollment), v.JSON(t)["enrollment_id"])
}
