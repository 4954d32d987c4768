package billing

import (
	"encoding/json"
	"fmt"
	"strconv"
	"strings"

	"rss/adjudication"
)

// A line's trace is stored compacted (adjudication.CompactLineTrace), and
// an entry left with only its rule and result, as every passed rule of a
// clean line is, is stored as the string "RULE RESULT" rather than an
// object: a clean line's trace is then a fifth of the size, which is most
// of what a bulk of lines writes. Entries with more stay objects, and
// traces stored as objects before read back the same.

// appendTrace appends the stored form of a line's trace (JSON) to b.
func appendTrace(b []byte, trace []adjudication.TraceEntry) ([]byte, error) {
	b = append(b, '[')
	for i := range trace {
		t := adjudication.CompactLineTraceEntry(trace[i])
		if i > 0 {
			b = append(b, ',')
		}
		if t.Code == "" && t.Action == "" && t.Facts == "" && t.Detail == "" && t.Source == 0 && t.Sources == nil && plain(t.Rule) && plain(t.Result) {
			b = append(b, '"')
			b = append(b, t.Rule...)
			b = append(b, ' ')
			b = append(b, t.Result...)
			b = append(b, '"')
			continue
		}
		var err error
		if b, err = appendTraceObject(b, &t); err != nil {
			return nil, err
		}
	}
	return append(b, ']'), nil
}

// appendTraceObject appends an entry as json.Marshal writes it, without
// reflection unless it names facts (FactNames marshals itself as a list)
// or several source agencies (no claim rule does today).
func appendTraceObject(b []byte, t *adjudication.TraceEntry) ([]byte, error) {
	if t.Facts != "" || t.Sources != nil {
		return appendMarshal(b, t)
	}
	b = append(b, `{"rule":`...)
	b = appendJSONString(b, t.Rule)
	if t.Code != "" {
		b = append(b, `,"code":`...)
		b = appendJSONString(b, t.Code)
	}
	if t.Action != "" {
		b = append(b, `,"action":`...)
		b = appendJSONString(b, string(t.Action))
	}
	b = append(b, `,"result":`...)
	b = appendJSONString(b, t.Result)
	if t.Detail != "" {
		b = append(b, `,"detail":`...)
		b = appendJSONString(b, t.Detail)
	}
	if t.Source != 0 {
		b = append(b, `,"source_provider_id":`...)
		b = strconv.AppendInt(b, t.Source, 10)
	}
	return append(b, '}'), nil
}

// appendAdjustments appends adjustments as json.Marshal writes them.
func appendAdjustments(b []byte, adj []Adjustment) []byte {
	if adj == nil {
		return append(b, "null"...)
	}
	b = append(b, '[')
	for i := range adj {
		if i > 0 {
			b = append(b, ',')
		}
		b = adj[i].appendJSON(b)
	}
	return append(b, ']')
}

// plain reports whether s needs no escaping in JSON and has no space, so
// it can stand in "RULE RESULT" as it is.
func plain(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if c := s[i]; c <= ' ' || c == '"' || c == '\\' || c >= 0x7f {
			return false
		}
	}
	return true
}

// decodeTrace reads a stored trace back into the trace DecideLine gave.
func decodeTrace(raw []byte) ([]adjudication.TraceEntry, error) {
	var items []json.RawMessage
	if err := json.Unmarshal(raw, &items); err != nil {
		return nil, err
	}
	out := make([]adjudication.TraceEntry, len(items))
	for i, it := range items {
		if len(it) > 0 && it[0] == '"' {
			var s string
			if err := json.Unmarshal(it, &s); err != nil {
				return nil, err
			}
			rule, result, ok := strings.Cut(s, " ")
			if !ok {
				return nil, fmt.Errorf("trace entry %q", s)
			}
			out[i] = adjudication.TraceEntry{Rule: rule, Result: result}
			continue
		}
		if err := json.Unmarshal(it, &out[i]); err != nil {
			return nil, err
		}
	}
	adjudication.ExpandLineTrace(out)
	return out, nil
}
