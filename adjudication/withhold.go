package adjudication

// WithheldDetail stands in for the detail of a reason a reader may not see.
const WithheldDetail = "withheld: the MSC reviews this"

// Withhold returns the hits as a reader sees them who may read the records
// of agency p only when seen(p): every hit drawn from records it may not
// read (Source, or one of Sources, not seen) becomes one CONFLICT_ON_FILE hit, at the place of
// the first, carrying the worst of their actions. The code goes with the
// detail because the code alone discloses (DUPLICATE_SERVICE_OTHER_PROVIDER
// says another agency serves the person), and the hits merge so that their
// number does not tell which rules fired. withheld reports whether any did;
// the hits passed in are not changed.
func Withhold(hits []Hit, seen func(int64) bool) (out []Hit, withheld bool) {
	at := -1
	for _, h := range hits {
		if h.Source == 0 || seen(h.Source) && allSeen(h.Sources, seen) {
			out = append(out, h)
			continue
		}
		if at < 0 {
			at = len(out)
			out = append(out, Hit{Code: CodeConflictOnFile, Action: h.Action, Detail: WithheldDetail})
		} else if severity(h.Action) > severity(out[at].Action) {
			out[at].Action = h.Action
		}
	}
	if at < 0 {
		return hits, false
	}
	return out, true
}

// allSeen: every agency in ps may be read.
func allSeen(ps []int64, seen func(int64) bool) bool {
	for _, p := range ps {
		if !seen(p) {
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
