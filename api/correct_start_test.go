package api_test

import (
	"net/http"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// A stay entered with a mistyped year, decided on once, could be neither
// discharged nor withdrawn and held the program against the agency's
// correct enrollment until the day came (a black-box pass; a withdrawal
// lets go of its denied requests since the thirty-seventh stop,
// TestEnrollmentWithdrawalReleasesDeniedRequests). Its start is corrected
// while it has not begun; then it is the agency's stay as meant, to
// discharge or to keep.
func TestStartOfAStayNotBegunIsCorrected(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	client := itNewClient(t, e, keyHRA, "hartford")
	r := e.post(keyHRA, "/v1/enrollments", map[string]any{"client_id": client, "program_code": "ATR", "start_date": day(300),
		"assigned_staff_id": e.demo.Staff["Okafor"], "primary_case_manager": true}) // meant day(-3)
	require.Equal(t, http.StatusCreated, r.Status, "%s", r.Body)
	typo := itID(t, r)
	v := itVoucher(t, e, keyHRA, client, "ATR-TR", 4, 300, 305)
	require.Equal(t, "denied", v["decision"], "no intake yet: %v", v)
	requireProblem(t, e.post(keyHRA, itPath("/v1/enrollments/%d/discharge", typo), map[string]any{"discharge_date": day(0),
		"reason_code": "other", "reason": "typo"}), http.StatusUnprocessableEntity, "validation_failed")

	correct := func(key string, id int64, body map[string]any) resp {
		return e.post(key, itPath("/v1/enrollments/%d/correct-start", id), body)
	}
	itNothingWritten(t, e, func() {
		requireProblem(t, correct(keyHRA, typo, map[string]any{"start_date": day(-3)}), http.StatusUnprocessableEntity, "validation_failed")
		requireProblem(t, correct(keyHRA, typo, map[string]any{"reason": "typo"}), http.StatusUnprocessableEntity, "validation_failed")
		requireProblem(t, correct(keyHRA, typo, map[string]any{"start_date": day(300), "reason": "typo"}),
			http.StatusUnprocessableEntity, "validation_failed")
		requireProblem(t, correct(keyHRA, typo, map[string]any{"start_date": day(400), "reason": "typo"}),
			http.StatusUnprocessableEntity, "validation_failed")
		requireProblem(t, correct(keyHRA, typo, map[string]any{"start_date": "1970-01-01", "reason": "typo"}),
			http.StatusUnprocessableEntity, "validation_failed")
		requireProblem(t, correct(keyBCS, typo, map[string]any{"start_date": day(-3), "reason": "typo"}), http.StatusNotFound, "not_found")
		requireProblem(t, correct(keyReviewer, typo, map[string]any{"start_date": day(-3), "reason": "typo"}), http.StatusForbidden, "forbidden")
		begun := enrollmentOf(e, e.demo.Clients["Moreau/HRA"], "ATR")
		requireProblem(t, correct(keyHRA, begun, map[string]any{"start_date": day(-3), "reason": "typo"}), http.StatusConflict, "already_begun")
	})

	r = correct(keyHRA, typo, map[string]any{"start_date": day(-3), "reason": "entered with the wrong year"})
	require.Equal(t, http.StatusOK, r.Status, "%s", r.Body)
	assert.Equal(t, day(-3), r.JSON(t)["start_date"])
	assert.NotContains(t, r.JSON(t), "episode_id", "the person's episode is the MSC's to see")
	assert.Equal(t, 1, e.count(`SELECT count(*) FROM episodes p JOIN enrollments n ON n.episode_id = p.id
		WHERE n.id = $1 AND p.opened_on = $2`, typo, day(-3)), "the episode it opened opens on the corrected day")
	assert.Equal(t, 1, itAudit(e, "correct_start", "enrollment", itStr(typo)))
	history := e.get(keyHRA, itPath("/v1/enrollments/%d", typo)).JSON(t)["history"].([]any)
	require.Len(t, history, 1)
	event := history[0].(map[string]any)
	delete(event, "at")
	assert.Equal(t, map[string]any{"kind": "start_corrected", "reason": "entered with the wrong year", "from_date": day(300),
		"to_date": day(-3)}, event)
	requireProblem(t, correct(keyHRA, typo, map[string]any{"start_date": day(-2), "reason": "again"}), http.StatusConflict, "already_begun")
	r = e.post(keyHRA, itPath("/v1/enrollments/%d/discharge", typo), map[string]any{"discharge_date": day(0), "reason_code": "other",
		"reason": "entered in error"})
	require.Equal(t, http.StatusOK, r.Status, "the stay as meant is discharged: %s", r.Body)
}

// A later day leaves none of the stay's live authorizations before it.
func TestCorrectedStartKeepsTheStaysRecordsWithin(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	client, first := rcmClient(t, e, day(-20))
	episode := int64(e.count(`SELECT episode_id FROM enrollments WHERE id = $1`, first))
	r := e.post(keyHRA, itPath("/v1/enrollments/%d/discharge", first), map[string]any{"discharge_date": day(0), "reason": "readmitted"})
	require.Equal(t, http.StatusOK, r.Status, "%s", r.Body)
	// Readmitted tomorrow: the same stay goes on in its episode.
	r = e.post(keyHRA, "/v1/enrollments", map[string]any{"client_id": client, "program_code": "RCM", "assigned_staff_id": e.demo.Staff["Petrov"],
		"start_date": day(1), "referral_source": "samss_meeting"})
	require.Equal(t, http.StatusCreated, r.Status, "%s", r.Body)
	again := itID(t, r)
	episodeOf := func() int64 { return int64(e.count(`SELECT episode_id FROM enrollments WHERE id = $1`, again)) }
	require.Equal(t, episode, episodeOf(), "joined the unbroken episode")
	v := itVoucher(t, e, keyHRA, client, "RCM-CM", 10, 10, 20)
	require.Equal(t, "approved", v["decision"], "%v", v)
	auth := itNum(t, v, "authorization_id")
	authEpisode := func() int64 { return int64(e.count(`SELECT episode_id FROM authorizations WHERE id = $1`, auth)) }

	itNothingWritten(t, e, func() {
		p := requireProblem(t, e.post(keyHRA, itPath("/v1/enrollments/%d/correct-start", again),
			map[string]any{"start_date": day(12), "reason": "came later"}), http.StatusConflict, "records_before_start")
		assert.Contains(t, p["detail"], "authorization ", "%v", p)
		requireProblem(t, e.post(keyHRA, itPath("/v1/enrollments/%d/correct-start", again),
			map[string]any{"start_date": day(-1), "reason": "came earlier"}), http.StatusConflict, "enrollment_overlaps")
	})

	// Five days later: a break after the last stay, so a new episode, and
	// the authorization with it; the episode left closes at its discharge.
	r = e.post(keyHRA, itPath("/v1/enrollments/%d/correct-start", again), map[string]any{"start_date": day(5), "reason": "came later"})
	require.Equal(t, http.StatusOK, r.Status, "%s", r.Body)
	moved := episodeOf()
	assert.NotEqual(t, episode, moved, "a stay after a break opens its own episode")
	assert.Equal(t, moved, authEpisode(), "its authorization goes with it")
	assert.Equal(t, 1, e.count(`SELECT count(*) FROM episodes WHERE id = $1 AND closed_on = $2 AND opened_on = $3`,
		episode, day(0), day(-20)), "the episode left is closed at the last discharge")
	assert.Equal(t, 1, e.count(`SELECT count(*) FROM episodes WHERE id = $1 AND closed_on IS NULL AND opened_on = $2`, moved, day(5)))

	// Back to tomorrow: unbroken again, the stay rejoins its episode and
	// the one it opened is gone.
	r = e.post(keyHRA, itPath("/v1/enrollments/%d/correct-start", again), map[string]any{"start_date": day(1), "reason": "came tomorrow after all"})
	require.Equal(t, http.StatusOK, r.Status, "%s", r.Body)
	assert.Equal(t, episode, episodeOf())
	assert.Equal(t, episode, authEpisode())
	assert.Equal(t, 1, e.count(`SELECT count(*) FROM episodes WHERE id = $1 AND closed_on IS NULL AND opened_on = $2`, episode, day(-20)))
	assert.Zero(t, e.count(`SELECT count(*) FROM episodes WHERE id = $1`, moved), "the episode of no stay is dropped")
	history := e.get(keyHRA, itPath("/v1/enrollments/%d", again)).JSON(t)["history"].([]any)
	assert.Len(t, history, 2)
}

// A start moved earlier may not leave an authorization of the stay running
// past the program's length of service, counted from the agency's unbroken
// stay as the voucher rules count it: moved earlier, an RCM stay held one
// to day 304 that no reviewer saw (a re-check). Nor may it leave the
// planned end further from the start than an enrollment may.
func TestCorrectedStartKeepsTheLengthOfService(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	client, first := rcmClient(t, e, day(-20))
	r := e.post(keyHRA, itPath("/v1/enrollments/%d/discharge", first), map[string]any{"discharge_date": day(0), "reason": "readmitted"})
	require.Equal(t, http.StatusOK, r.Status, "%s", r.Body)
	// Readmitted from day 5 after a break: a stay of its own, 270 days to
	// day 274.
	r = e.post(keyHRA, "/v1/enrollments", map[string]any{"client_id": client, "program_code": "RCM", "assigned_staff_id": e.demo.Staff["Petrov"],
		"start_date": day(5), "referral_source": "samss_meeting"})
	require.Equal(t, http.StatusCreated, r.Status, "%s", r.Body)
	again := itID(t, r)
	v := itVoucher(t, e, keyHRA, client, "RCM-CM", 10, 10, 270)
	require.Equal(t, "approved", v["decision"], "%v", v)
	path := itPath("/v1/enrollments/%d/correct-start", again)
	itNothingWritten(t, e, func() {
		// From day 1 the stay goes on from day -20, and its day 270 is day 249.
		p := requireProblem(t, e.post(keyHRA, path, map[string]any{"start_date": day(1), "reason": "came the day after"}),
			http.StatusConflict, "past_length_of_service")
		assert.Contains(t, p["detail"], v["authorization_number"].(string))
		assert.Contains(t, p["detail"], day(249))
		// The MSC voids an authorization; it has no way to end one alone (a
		// lifecycle pass read "ends or voids").
		assert.Contains(t, p["detail"], "the MSC voids them first")
	})
	r = e.post(keyHRA, path, map[string]any{"start_date": day(3), "reason": "came two days early"})
	require.Equal(t, http.StatusOK, r.Status, "still a stay of its own: %s", r.Body)

	// A planned end more than 1,098 days from the start.
	other := itNewClient(t, e, keyHRA, "hartford")
	r = e.post(keyHRA, "/v1/enrollments", map[string]any{"client_id": other, "program_code": "RCM", "start_date": day(300),
		"planned_end_date": day(1390), "referral_source": "samss_meeting"})
	require.Equal(t, http.StatusCreated, r.Status, "%s", r.Body)
	itNothingWritten(t, e, func() {
		p := requireProblem(t, e.post(keyHRA, itPath("/v1/enrollments/%d/correct-start", itID(t, r)),
			map[string]any{"start_date": day(0), "reason": "mistyped"}), http.StatusUnprocessableEntity, "validation_failed")
		assert.Equal(t, "out_of_range", itFieldCode(p, "start_date"))
	})
}
