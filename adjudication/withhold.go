package adjudication

// WithheldDetail stands in for the detail of a reason a reader may not see,
// on a request a reviewer decides; WithheldDeniedDetail on one denied,
// which no reviewer sees (it said "the MSC reviews this" there too: a
// new-user black-box pass).
const (
	WithheldDetail       = "withheld: the MSC reviews this"
	WithheldDeniedDetail = "withheld: ask the MSC about this request"
	// DecidedConflictNextStep is CONFLICT_ON_FILE's next step on a
	// request decided or withdrawn: no reviewer is to come.
	DecidedConflictNextStep = "Contact the MSC about this request."
)

// The kinds of another agency's records a hit's detail may quote. A consent
// to another agency names the kinds it discloses (vouchers), and a detail
// is shown under it only when it names the kind the detail quotes.
const (
	RecordsEnrollments    = "enrollments"
	RecordsAuthorizations = "authorizations"
	RecordsGPRAInterviews = "gpra_interviews"
)

// Quotes is the kind of record of its Source (and Sources) a hit's detail
// quotes: a primary case manager's designation is an enrollment's, an
// episode's totals and an overlapping voucher are authorizations, a GPRA
// follow-up window is its intake interview's. A code that quotes none
// says "", which no consent covers.
func (h Hit) Quotes() string {
	switch h.Code {
	case CodeGPRAFollowupOverdue:
		return RecordsGPRAInterviews
	case CodeNotPrimaryCaseManager:
		return RecordsEnrollments
	case CodeEpisodeUnitsExceeded, CodeEpisodeDollarsExceeded, CodeDuplicateOtherProvider:
		return RecordsAuthorizations
	}
	return ""
}

// Withhold returns the hits as a reader sees them who may read the records
// of kind k of agency p only when seen(p, k): every hit drawn from records it may not
// read (Source, or one of Sources, not seen) becomes one CONFLICT_ON_FILE hit, after
// the others (at the place of the first, its place among the reasons, which
// follow the rules' order, would narrow which rule fired: a black-box
// pass), carrying the worst of their actions. The code goes with the
// detail because the code alone discloses (DUPLICATE_SERVICE_OTHER_PROVIDER
// says another agency serves the person), and the hits merge so that their
// number does not tell which rules fired.
//
// When the hits the reader may read deny already, the others are dropped
// with no CONFLICT_ON_FILE: they cannot change the outcome, and a request
// denied on the agency's own records (one for a person it only registered)
// reaches no reviewer, so the code only told the agency, unseen by the MSC,
// that another agency held the service and to which day (a black-box
// pass). withheld reports whether any hit was withheld or dropped; the hits
// passed in are not changed.
func Withhold(hits []Hit, seen func(provider int64, records string) bool) (out []Hit, withheld bool) {
	var conflict *Hit
	for _, h := range hits {
		if h.Source == 0 || allSeen(append([]int64{h.Source}, h.Sources...), h.Quotes(), seen) {
			out = append(out, h)
			continue
		}
		if conflict == nil {
			conflict = &Hit{Code: CodeConflictOnFile, Action: h.Action, Detail: WithheldDetail}
		} else if severity(h.Action) > severity(conflict.Action) {
			conflict.Action = h.Action
		}
	}
	if conflict == nil {
		return hits, false
	}
	if !Denies(out) {
		if conflict.Action == ActionDeny {
			conflict.Detail = WithheldDeniedDetail
		}
		out = append(out, *conflict)
	}
	return out, true
}

// Denies reports whether any of hits denies.
func Denies(hits []Hit) bool {
	for _, h := range hits {
		if h.Action == ActionDeny {
			return true
		}
	}
	return false
}

// allSeen: the records of kind k of every agency in ps may be read.
func allSeen(ps []int64, k string, seen func(int64, string) bool) bool {
	for _, p := range ps {
		if !seen(p, k) {
			return false
		}
	}
	return true
}

func severity(a Action) int {
	switch a {
	case ActionDeny:
		return 3
	case ActionPend:
		return 2
	case ActionReduce:
		return 1
	}
	return 0
}
