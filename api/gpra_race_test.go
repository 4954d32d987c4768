package api_test

import (
	"net/http"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// A completed intake sent at the moment a not-conducted one is stored
// completes it, as it does sent after: as an update then an insert, the
// completed one met the other's row and was refused interview_exists, the
// stay left not conducted and its vouchers denied (a black-box pass, 6
// bursts in 15). Each stay here gets both at once; every one ends
// completed, and the completed post is never refused.
func TestCompletedIntakeRacingANotConductedOne(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	for range 6 {
		client, enrollment := gpraEnroll(t, e, day(-5))
		body := func(status string) map[string]any {
			b := map[string]any{"client_id": client, "enrollment_id": enrollment, "kind": "intake", "instrument": "SUPRT-2025",
				"status": status, "interview_date": day(-5)}
			if status == "not_conducted" {
				b["not_conducted_reason"] = "refused"
			}
			return b
		}
		var wg sync.WaitGroup
		statuses := map[string]int{}
		var mu sync.Mutex
		for _, status := range []string{"not_conducted", "completed"} {
			wg.Add(1)
			go func() {
				defer wg.Done()
				r := e.post(keyHRA, "/v1/gpra-interviews", body(status))
				mu.Lock()
				statuses[status] = r.Status
				mu.Unlock()
			}()
		}
		wg.Wait()
		assert.Less(t, statuses["completed"], 300, "the completed intake is taken: %v", statuses)
		assert.Equal(t, 1, e.count(`SELECT count(*) FROM gpra_interviews WHERE enrollment_id = $1 AND kind = 'intake' AND status = 'completed'`,
			enrollment))
		require.Contains(t, []int{http.StatusCreated, http.StatusConflict}, statuses["not_conducted"])
	}
}
