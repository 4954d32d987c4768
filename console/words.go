package console

import (
	"encoding/json"
	"slices"
	"strings"
	"time"

	"rss/adjudication"
	"rss/billing"
	"rss/vouchers"
	"rss/x12"
)

// reasonText is a reason code (voucher rule or claim adjustment) in plain
// words, from the adjudication catalogue the API's answers use.
func reasonText(code string) string {
	if r, ok := adjudication.Lookup(code); ok {
		return r.Text
	}
	return code
}

// words turns a snake_case code into words: "approve_modified" ->
// "approve modified".
func words(code string) string { return strings.ReplaceAll(code, "_", " ") }

// routeWords names a payer route as the batch form offers it ("medicaid
// 837p" on the pages beside "Medicaid 837P" in the form: a console
// black-box pass).
func routeWords(route string) string {
	switch route {
	case billing.RouteMedicaid837P:
		return "Medicaid 837P"
	case billing.RoutePaymentRegister:
		return "Payment register"
	}
	return words(route)
}

// unmatchedWords says why an item of a payer file posted nothing.
func unmatchedWords(reason string) string {
	switch reason {
	case billing.UnmatchedBatch:
		return "no batch rss sent carries that group and transaction set (or, for a TA1, that interchange)"
	case billing.UnmatchedClaim:
		return "no claim rss sent has that claim number (CLM01)"
	case billing.UnmatchedLine:
		return "the line control number (REF*6R) names no line of the claim rss sent"
	case billing.UnmatchedClaimLine:
		return "its claim did not match"
	case billing.UnmatchedNothingToUndo:
		// Said of a reversal repeated too: the payment it names was posted
		// and is undone already ("never posted" was wrong of those: a
		// black-box pass).
		return "a reversal of no payment standing: none was posted, or it is undone already"
	case billing.UnmatchedAlreadyPosted:
		return "a second payment of a claim already paid, not reversed first"
	case billing.UnmatchedKeptAside:
		return "a reversal of a payment that was itself kept aside, so nothing posted to undo"
	case billing.UnmatchedOtherClaim:
		return "a reversal whose payer claim number (CLP07) names a payment of another claim"
	case billing.UnmatchedPayee:
		return "agencies share the claim number and the payer named none of them alone"
	case billing.UnmatchedUnknownPayee:
		return "rss sent that claim number, but not for the payee the payer names (its NPI or tax id is no agency that sent it)"
	case billing.UnmatchedUnbalanced:
		return "the claim's itemized lines do not add up to the claim"
	case billing.UnmatchedVoidPaid:
		return "money paid on a void, which the payer answers by reversing the original: kept aside to chase"
	case billing.UnmatchedReversalMismatch:
		return "a reversal whose amounts are not those of the payment it would take back, negated: kept aside for the payer to explain"
	case billing.UnmatchedAnsweredTwice:
		return "a second verdict on a claim this file answered already: the first stands; ask the payer which holds"
	case billing.UnmatchedVoidDenied:
		return "the payer denied a void (a claim of its own paying nothing), so the original's payment stands: the void reads turned away and its agency may send it again"
	}
	return words(reason)
}

// clpStatusWords is an 835 claim status (CLP02) in words.
func clpStatusWords(code string) string {
	switch code {
	case "1":
		return "processed as primary"
	case "2":
		return "processed as secondary"
	case "3":
		return "processed as tertiary"
	case "4":
		return "denied"
	case "19":
		return "processed as primary, forwarded"
	case "20":
		return "processed as secondary, forwarded"
	case "21":
		return "processed as tertiary, forwarded"
	case "22":
		return "reversal of a previous payment"
	case "23":
		return "not its claim, forwarded to another payer"
	}
	return "status"
}

// resultWords says what a rule's result in a trace means.
func resultWords(result string) string {
	switch result {
	case adjudication.ResultPassed:
		return "checked, nothing found"
	case adjudication.ResultFired:
		return "fired"
	case adjudication.ResultNotApplicable:
		return "does not apply to this request"
	case adjudication.ResultWaived:
		return "would have fired; waived (zero reject: a clinical request is never refused outright)"
	case adjudication.ResultDisabled:
		return "turned off for this program"
	}
	return words(result)
}

// traceStep is one rule of a trace as a reviewer reads it: the rule, what it
// found, and the facts it read with their values in the stored snapshot.
type traceStep struct {
	Rule, Code, Action, Result, Detail, Text, NextStep string
	Fired                                              bool
	// Against is a fired rule that holds the request back (deny, pend,
	// reduce), not the grant.
	Against bool
	Facts   []factValue
}

type factValue struct{ Name, Value string }

// explain reads a stored trace against the stored facts.
func explain(trace, facts []byte) []traceStep {
	var entries []adjudication.TraceEntry
	if len(trace) == 0 || json.Unmarshal(trace, &entries) != nil {
		return nil
	}
	var snapshot map[string]any
	_ = json.Unmarshal(facts, &snapshot)
	out := make([]traceStep, len(entries))
	for i, e := range entries {
		st := traceStep{Rule: e.Rule, Code: e.Code, Action: string(e.Action), Result: resultWords(e.Result), Detail: e.Detail,
			Fired: e.Result == adjudication.ResultFired}
		st.Against = st.Fired && e.Action != adjudication.ActionGrant
		if r, ok := adjudication.Lookup(e.Code); ok {
			st.Text, st.NextStep = r.Text, r.NextStep
			if e.Source != 0 && r.NextStepOthers != "" {
				st.NextStep = r.NextStepOthers // as the API's reason reads
			}
		}
		if e.Facts != "" {
			for _, name := range strings.Split(string(e.Facts), ",") {
				st.Facts = append(st.Facts, factValue{Name: name, Value: lookupFact(snapshot, name)})
			}
		}
		out[i] = st
	}
	// The grant rule fires on every trace, the grant the rules would make;
	// where a rule above held the request back (a pend, a denial) it did
	// not grant: every pended request's trace ended "GRANTED: fired" (a
	// black-box pass).
	if slices.ContainsFunc(out, func(s traceStep) bool { return s.Against }) {
		for i := range out {
			if out[i].Fired && out[i].Action == string(adjudication.ActionGrant) {
				out[i].Fired, out[i].Result = false, "reached, and held back by the reasons above"
			}
		}
	}
	return out
}

// lookupFact finds a dotted name in the facts snapshot; a name the snapshot
// does not hold under that path (a derived fact) shows as a dash.
func lookupFact(snapshot map[string]any, name string) string {
	var cur any = snapshot
	for _, part := range strings.Split(name, ".") {
		if cur == vouchers.WithheldFact {
			return vouchers.WithheldFact // a fact withheld whole, its parts with it
		}
		m, ok := cur.(map[string]any)
		if !ok {
			return "—"
		}
		if cur, ok = m[part]; !ok {
			return "—"
		}
	}
	switch v := cur.(type) {
	case nil:
		return "none"
	case string:
		return plainTime(v)
	case bool:
		if v {
			return "yes"
		}
		return "no"
	}
	if list, ok := cur.([]any); ok && len(list) == 0 {
		return "none"
	}
	b, err := json.Marshal(tidyTimes(cur))
	if err != nil {
		return "—"
	}
	s := string(b)
	if len(s) > 300 {
		s = s[:300] + "…"
	}
	return s
}

// tidyTimes shows the timestamps inside a structured fact as plainTime
// does, the zero time as null: a credential with no end read
// "valid_to":"0001-01-01T00:00:00Z", expired in year 1 (a black-box pass).
func tidyTimes(v any) any {
	switch x := v.(type) {
	case map[string]any:
		out := make(map[string]any, len(x))
		for k, e := range x {
			out[k] = tidyTimes(e)
		}
		return out
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = tidyTimes(e)
		}
		return out
	case string:
		if _, err := time.Parse(time.RFC3339, x); err != nil {
			return x
		}
		if p := plainTime(x); p != "none" {
			return p
		}
		return nil
	}
	return v
}

// plainTime shows a fact's timestamp as the date it stands for (the rules'
// dates are midnight UTC) and the zero time as none; other text as it is.
func plainTime(v string) string {
	t, err := time.Parse(time.RFC3339, v)
	switch {
	case err != nil:
		return v
	case t.IsZero():
		return "none"
	case t.Hour() == 0 && t.Minute() == 0 && t.Second() == 0:
		return t.Format(time.DateOnly)
	}
	return t.UTC().Format("2006-01-02 15:04 UTC")
}

// ta1Words says in words what a TA1's codes among a claim's status codes
// mean, "" when there are none: the agency's claim page read only
// "TA1:R TA1:024", the note's meaning on the file's page, which finance
// alone opens (a console black-box pass of the forty-fourth stop).
func ta1Words(codes []string) string {
	rejected, note := false, ""
	for _, c := range codes {
		switch {
		case c == "TA1:R":
			rejected = true
		case strings.HasPrefix(c, "TA1:"):
			note = x12.TA1Note(strings.TrimPrefix(c, "TA1:"))
		}
	}
	if !rejected {
		return ""
	}
	out := "Medicaid refused the whole file the claim went out in (a TA1), before reading any claim in it"
	if note != "" {
		out += ": " + note
	}
	return out + ". Correct the claim and send it again as a replacement (frequency 7)."
}
