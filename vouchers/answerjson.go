package vouchers

import (
	"encoding/json"
	"strconv"
	"unicode/utf8"

	"rss/adjudication"
)

// A voucher request's answer is its JSON, written here by hand rather than
// by encoding/json: the trace it carries is stored JSON (json.RawMessage),
// which encoding/json scans whole again to validate and compact it, and
// reflection over some thirty fields cost more than the appends. The bytes
// are those encoding/json writes (answerjson_test.go compares them on
// random requests), so an answer is the same whichever way it was made.

// traceJSON is a decision's trace as the request stores it, and as
// PostgreSQL's jsonb then gives it back, compacted: each entry's keys in
// jsonb's order (shorter keys first, then bytewise), strings escaped as
// encoding/json escapes them, except that a byte of invalid UTF-8 becomes
// U+FFFD itself (jsonb would store the escape \ufffd as that character).
// So the answer to a submission carries the trace GET /v1/voucher-requests/{id}
// later shows, without reading it back.
func traceJSON(trace []adjudication.TraceEntry) []byte {
	if trace == nil {
		return []byte("null")
	}
	b := make([]byte, 0, 160*len(trace))
	b = append(b, '[')
	for i, t := range trace {
		if i > 0 {
			b = append(b, ',')
		}
		b = append(b, '{')
		if t.Code != "" {
			b = append(b, `"code":`...)
			b = appendString(b, t.Code, true)
			b = append(b, ',')
		}
		b = append(b, `"rule":`...)
		b = appendString(b, t.Rule, true)
		if t.Facts != "" {
			b = append(b, `,"facts":[`...)
			for j, name := range t.Facts.Names() {
				if j > 0 {
					b = append(b, ',')
				}
				b = appendString(b, name, true)
			}
			b = append(b, ']')
		}
		if t.Action != "" {
			b = append(b, `,"action":`...)
			b = appendString(b, string(t.Action), true)
		}
		if t.Detail != "" {
			b = append(b, `,"detail":`...)
			b = appendString(b, t.Detail, true)
		}
		b = append(b, `,"result":`...)
		b = appendString(b, t.Result, true)
		if t.Source != 0 {
			b = append(b, `,"source_provider_id":`...)
			b = strconv.AppendInt(b, t.Source, 10)
		}
		if t.Sources != nil {
			b = append(b, `,"source_provider_ids":`...)
			b = appendInts(b, t.Sources)
		}
		b = append(b, '}')
	}
	return append(b, ']')
}

// appendInts appends ns as a JSON array of numbers.
func appendInts(b []byte, ns []int64) []byte {
	b = append(b, '[')
	for i, n := range ns {
		if i > 0 {
			b = append(b, ',')
		}
		b = strconv.AppendInt(b, n, 10)
	}
	return append(b, ']')
}

const hexDigits = "0123456789abcdef"

// appendString appends s as a JSON string escaped as encoding/json escapes
// it (HTML-safe): a byte of invalid UTF-8 as the escape \ufffd, or, when
// stored, as the character U+FFFD (see traceJSON).
func appendString(b []byte, s string, stored bool) []byte {
	b = append(b, '"')
	start := 0
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if c >= 0x20 && c != '"' && c != '\\' && c != '<' && c != '>' && c != '&' {
				i++
				continue
			}
			b = append(b, s[start:i]...)
			switch c {
			case '"', '\\':
				b = append(b, '\\', c)
			case '\b':
				b = append(b, '\\', 'b')
			case '\f':
				b = append(b, '\\', 'f')
			case '\n':
				b = append(b, '\\', 'n')
			case '\r':
				b = append(b, '\\', 'r')
			case '\t':
				b = append(b, '\\', 't')
			default:
				b = append(b, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xF])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			b = append(b, s[start:i]...)
			if stored {
				b = append(b, "\uFFFD"...)
			} else {
				b = append(b, `\ufffd`...)
			}
			i += size
			start = i
			continue
		}
		if r == '\u2028' || r == '\u2029' {
			b = append(b, s[start:i]...)
			b = append(b, '\\', 'u', '2', '0', '2', hexDigits[r&0xF])
			i += size
			start = i
			continue
		}
		i += size
	}
	b = append(b, s[start:]...)
	return append(b, '"')
}

// AppendJSON appends the request's JSON, the bytes json.Marshal gives. A
// request whose trace was not written by traceJSON (one read back from
// the database, whose jsonb text has spaces) goes through encoding/json,
// which compacts it.
func (v VoucherRequest) AppendJSON(b []byte) ([]byte, error) {
	if !v.traceCompact && len(v.Trace) > 0 || v.Review != nil || v.Withdrawal != nil {
		j, err := json.Marshal(v)
		return append(b, j...), err
	}
	b = append(b, `{"id":`...)
	b = strconv.AppendInt(b, v.ID, 10)
	b = append(b, `,"provider_id":`...)
	b = strconv.AppendInt(b, v.ProviderID, 10)
	b = append(b, `,"client_id":`...)
	b = strconv.AppendInt(b, v.ClientID, 10)
	b = append(b, `,"enrollment_id":`...)
	b = appendInt64Ptr(b, v.EnrollmentID)
	b = append(b, `,"program_code":`...)
	b = appendString(b, v.ProgramCode, false)
	b = append(b, `,"service_code":`...)
	b = appendString(b, v.ServiceCode, false)
	b = append(b, `,"staff_id":`...)
	b = appendInt64Ptr(b, v.StaffID)
	b = append(b, `,"units_requested":`...)
	b = strconv.AppendInt(b, int64(v.UnitsRequested), 10)
	b = append(b, `,"rate":"`...)
	b = append(b, v.Rate.StringFixed(2)...)
	b = append(b, `","granted_rate":`...)
	if v.GrantedRate == nil {
		b = append(b, "null"...)
	} else {
		b = append(b, '"')
		b = append(b, v.GrantedRate.StringFixed(2)...)
		b = append(b, '"')
	}
	b = append(b, `,"start_date":`...)
	b = appendMarshaled(b, v.StartDate)
	b = append(b, `,"end_date":`...)
	b = appendMarshaled(b, v.EndDate)
	b = append(b, `,"note":`...)
	if v.Note == nil {
		b = append(b, "null"...)
	} else {
		b = appendString(b, *v.Note, false)
	}
	b = append(b, `,"rules_decision":`...)
	b = appendString(b, v.RulesDecision, false)
	b = append(b, `,"decision":`...)
	b = appendString(b, v.Decision, false)
	b = append(b, `,"units_granted":`...)
	if v.UnitsGranted == nil {
		b = append(b, "null"...)
	} else {
		b = strconv.AppendInt(b, int64(*v.UnitsGranted), 10)
	}
	b = append(b, `,"granted_start":`...)
	b = appendMarshaled(b, v.GrantedStart)
	b = append(b, `,"granted_end":`...)
	b = appendMarshaled(b, v.GrantedEnd)
	b = append(b, `,"reason_codes":`...)
	if v.ReasonCodes == nil {
		b = append(b, "null"...)
	} else {
		b = append(b, '[')
		for i, c := range v.ReasonCodes {
			if i > 0 {
				b = append(b, ',')
			}
			b = appendString(b, c, false)
		}
		b = append(b, ']')
	}
	b = append(b, `,"reasons":`...)
	if v.Reasons == nil {
		b = append(b, "null"...)
	} else {
		b = append(b, '[')
		for i, r := range v.Reasons {
			if i > 0 {
				b = append(b, ',')
			}
			b = append(b, `{"code":`...)
			b = appendString(b, r.Code, false)
			b = append(b, `,"action":`...)
			b = appendString(b, string(r.Action), false)
			b = append(b, `,"text":`...)
			b = appendString(b, r.Text, false)
			b = append(b, `,"next_step":`...)
			b = appendString(b, r.NextStep, false)
			if r.Detail != "" {
				b = append(b, `,"detail":`...)
				b = appendString(b, r.Detail, false)
			}
			if r.Source != 0 {
				b = append(b, `,"source_provider_id":`...)
				b = strconv.AppendInt(b, r.Source, 10)
			}
			if r.Sources != nil {
				b = append(b, `,"source_provider_ids":`...)
				b = appendInts(b, r.Sources)
			}
			if r.Episode != nil {
				b = append(b, `,"episode":{"detail":`...)
				b = appendString(b, r.Episode.Detail, false)
				b = append(b, `,"source_provider_ids":`...)
				b = appendInts(b, r.Episode.Sources)
				b = append(b, '}')
			}
			b = append(b, '}')
		}
		b = append(b, ']')
	}
	if len(v.Trace) > 0 {
		b = append(b, `,"trace":`...)
		b = append(b, v.Trace...)
	}
	b = append(b, `,"rule_set_version":`...)
	b = appendString(b, v.RuleSetVersion, false)
	b = append(b, `,"ceiling":`...)
	if v.Ceiling == nil {
		b = append(b, "null"...)
	} else {
		b = append(b, `{"units":`...)
		b = strconv.AppendInt(b, int64(v.Ceiling.Units), 10)
		b = append(b, `,"start_date":`...)
		b = appendMarshaled(b, v.Ceiling.StartDate)
		b = append(b, `,"end_date":`...)
		b = appendMarshaled(b, v.Ceiling.EndDate)
		b = append(b, '}')
	}
	b = append(b, `,"submitted_at":`...)
	t, err := v.SubmittedAt.MarshalJSON()
	if err != nil {
		return b, err
	}
	b = append(b, t...)
	b = append(b, `,"decided_at":`...)
	if v.DecidedAt == nil {
		b = append(b, "null"...)
	} else {
		t, err := v.DecidedAt.MarshalJSON()
		if err != nil {
			return b, err
		}
		b = append(b, t...)
	}
	b = append(b, `,"authorization_id":`...)
	b = appendInt64Ptr(b, v.AuthorizationID)
	b = append(b, `,"authorization_number":`...)
	if v.AuthorizationNumber == nil {
		b = append(b, "null"...)
	} else {
		b = appendString(b, *v.AuthorizationNumber, false)
	}
	b = append(b, `,"review":null,"withdrawal":null`...)
	if v.TakenBy != nil {
		b = append(b, `,"taken_by":`...)
		b = strconv.AppendInt(b, *v.TakenBy, 10)
	}
	if v.TakenAt != nil {
		b = append(b, `,"taken_at":`...)
		t, err := v.TakenAt.MarshalJSON()
		if err != nil {
			return b, err
		}
		b = append(b, t...)
	}
	return append(b, '}'), nil
}

func appendInt64Ptr(b []byte, p *int64) []byte {
	if p == nil {
		return append(b, "null"...)
	}
	return strconv.AppendInt(b, *p, 10)
}

// appendMarshaled appends a date's JSON (rss.Date's MarshalJSON, which
// cannot fail).
func appendMarshaled(b []byte, m json.Marshaler) []byte {
	j, _ := m.MarshalJSON()
	return append(b, j...)
}
