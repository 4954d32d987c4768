package adjudication

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestWithhold(t *testing.T) {
	t.Parallel()
	own := Hit{Code: CodeUnitsOverVoucherMax, Action: ActionReduce, Detail: "40 asked, 20 max"}
	ownDeny := Hit{Code: CodeEnrollmentNotActive, Action: ActionDeny, Detail: "no open enrollment"}
	dup := Hit{Code: CodeDuplicateOtherProvider, Action: ActionPend, Detail: "authorization A-1 of provider 7 overlaps", Source: 7}
	pcm := Hit{Code: CodeNotPrimaryCaseManager, Action: ActionDeny, Detail: "enrollment 3 of provider 8 was designated primary first", Source: 8}
	cap := Hit{Code: CodeEpisodeUnitsExceeded, Action: ActionPend, Detail: "4 units asked, 0 left of 40", Source: 7, Sources: []int64{7, 9}}
	// A denied request reaches no reviewer: its detail says to ask the MSC.
	conflict := func(a Action) Hit {
		if a == ActionDeny {
			return Hit{Code: CodeConflictOnFile, Action: a, Detail: WithheldDeniedDetail}
		}
		return Hit{Code: CodeConflictOnFile, Action: a, Detail: WithheldDetail}
	}
	// sees: every kind of record of the agencies ps.
	sees := func(ps ...int64) func(int64, string) bool {
		return func(p int64, _ string) bool {
			for _, q := range ps {
				if p == q {
					return true
				}
			}
			return false
		}
	}
	// seesOnly: records of kind k of the agencies ps, nothing else.
	seesOnly := func(k string, ps ...int64) func(int64, string) bool {
		return func(p int64, kind string) bool { return kind == k && sees(ps...)(p, kind) }
	}
	odd := Hit{Code: CodeConflictOnFile, Action: ActionPend, Detail: "a code that names no kind", Source: 7}
	for _, tc := range []struct {
		name     string
		hits     []Hit
		seen     func(int64, string) bool
		want     []Hit
		withheld bool
	}{
		{name: "own reasons stay", hits: []Hit{own}, seen: sees(), want: []Hit{own}},
		{name: "none", hits: nil, seen: sees(), want: nil},
		{name: "another agency's becomes a conflict on file", hits: []Hit{own, dup}, seen: sees(), want: []Hit{own, conflict(ActionPend)}, withheld: true},
		{name: "under consent it stays", hits: []Hit{dup, own}, seen: sees(7), want: []Hit{dup, own}},
		{name: "two merge after the reader's own, with the worst action", hits: []Hit{dup, own, pcm}, seen: sees(),
			want: []Hit{own, conflict(ActionDeny)}, withheld: true},
		// Denied on the reader's own records, the others' reasons are
		// dropped: they cannot change the outcome, and a stranger's
		// request reads the same.
		{name: "denied on its own records, the others' are dropped", hits: []Hit{dup, ownDeny, cap}, seen: sees(),
			want: []Hit{ownDeny}, withheld: true},
		{name: "denied on its own records, a consented one stays", hits: []Hit{dup, ownDeny, pcm}, seen: sees(7),
			want: []Hit{dup, ownDeny}, withheld: true},
		{name: "consent for one agency withholds the other's", hits: []Hit{dup, pcm}, seen: sees(7), want: []Hit{dup, conflict(ActionDeny)}, withheld: true},
		// An episode's totals filled by two agencies: the detail quotes both.
		{name: "totals of two agencies need both consents", hits: []Hit{own, cap}, seen: sees(7), want: []Hit{own, conflict(ActionPend)}, withheld: true},
		{name: "totals of two agencies need both consents, in either order", hits: []Hit{cap}, seen: sees(9), want: []Hit{conflict(ActionPend)}, withheld: true},
		{name: "totals of two agencies under both consents", hits: []Hit{cap, own}, seen: sees(7, 9), want: []Hit{cap, own}},
		// A consent names the kinds of record it discloses.
		{name: "a consent of enrollments shows a designation", hits: []Hit{pcm}, seen: seesOnly(RecordsEnrollments, 8), want: []Hit{pcm}},
		{name: "a consent of enrollments withholds an overlapping voucher", hits: []Hit{dup, own}, seen: seesOnly(RecordsEnrollments, 7),
			want: []Hit{own, conflict(ActionPend)}, withheld: true},
		{name: "a consent of authorizations withholds a designation", hits: []Hit{pcm}, seen: seesOnly(RecordsAuthorizations, 8),
			want: []Hit{conflict(ActionDeny)}, withheld: true},
		{name: "a consent of authorizations shows the totals", hits: []Hit{cap}, seen: seesOnly(RecordsAuthorizations, 7, 9), want: []Hit{cap}},
		{name: "a quoting hit of no known kind is withheld under a consent of every kind", hits: []Hit{odd},
			seen: func(p int64, k string) bool { return p == 7 && (k == RecordsEnrollments || k == RecordsAuthorizations) },
			want: []Hit{conflict(ActionPend)}, withheld: true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			in := append([]Hit(nil), tc.hits...)
			got, withheld := Withhold(tc.hits, tc.seen)
			assert.Equal(t, tc.want, got)
			assert.Equal(t, tc.withheld, withheld)
			assert.Equal(t, in, tc.hits, "the hits passed in are not changed")
			r, ok := Lookup(CodeConflictOnFile)
			assert.True(t, ok)
			for _, w := range []string{"agency", "provider", "another", "consent", "other"} {
				assert.NotContains(t, r.Text+r.NextStep+WithheldDetail+WithheldDeniedDetail, w, "the words must not tell of another agency")
			}
		})
	}
}
