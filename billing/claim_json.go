package billing

import (
	"encoding/json"
	"strconv"
	"time"

	"rss"
)

// AppendJSON appends the claim as encoding/json writes it, byte for byte
// (claim_json_test.go holds it to that), without reflection: a bulk answer
// is a thousand claims of ten lines, and encoding them through reflection,
// with a MarshalJSON call and its check for every amount and date, was a
// tenth of the server's CPU in a bulk intake. What is rare in an answer
// (the payer's reply, a trace, text that needs escaping) is handed to
// encoding/json.
func (c *Claim) AppendJSON(b []byte) ([]byte, error) {
	b = append(b, `{"id":`...)
	b = strconv.AppendInt(b, c.ID, 10)
	b = append(b, `,"provider_id":`...)
	b = strconv.AppendInt(b, c.ProviderID, 10)
	b = append(b, `,"client_id":`...)
	b = strconv.AppendInt(b, c.ClientID, 10)
	b = append(b, `,"program_code":`...)
	b = appendJSONString(b, c.ProgramCode)
	b = append(b, `,"claim_number":`...)
	b = appendJSONString(b, c.ClaimNumber)
	b = append(b, `,"frequency":`...)
	b = appendJSONString(b, c.Frequency)
	b = append(b, `,"original_claim_id":`...)
	b = appendJSONInt(b, c.OriginalClaimID)
	b = append(b, `,"rendering_staff_id":`...)
	b = appendJSONInt(b, c.RenderingStaffID)
	b = append(b, `,"place_of_service":`...)
	b = appendJSONString(b, c.PlaceOfService)
	b = append(b, `,"diagnoses":`...)
	if c.Diagnoses == nil {
		b = append(b, "null"...)
	} else {
		b = append(b, '[')
		for i, d := range c.Diagnoses {
			if i > 0 {
				b = append(b, ',')
			}
			b = appendJSONString(b, d)
		}
		b = append(b, ']')
	}
	b = append(b, `,"status":`...)
	b = appendJSONString(b, c.Status)
	b = append(b, `,"total_charge":`...)
	b = appendJSONMoney(b, c.TotalCharge)
	b = append(b, `,"total_paid":`...)
	b = appendJSONMoney(b, c.TotalPaid)
	b = append(b, `,"first_service_date":`...)
	b = appendJSONDate(b, c.FirstServiceDate)
	b = append(b, `,"last_service_date":`...)
	b = appendJSONDate(b, c.LastServiceDate)
	b = append(b, `,"received_on":`...)
	b = appendJSONDate(b, c.ReceivedOn)
	b = append(b, `,"received_at":`...)
	var err error
	if b, err = appendJSONTime(b, &c.ReceivedAt); err != nil {
		return nil, err
	}
	b = append(b, `,"superseded_by":`...)
	b = appendJSONInt(b, c.SupersededBy)
	b = append(b, `,"superseded_at":`...)
	if c.SupersededAt == nil {
		b = append(b, "null"...)
	} else if b, err = appendJSONTime(b, c.SupersededAt); err != nil {
		return nil, err
	}
	b = append(b, `,"batch_id":`...)
	b = appendJSONInt(b, c.BatchID)
	b = append(b, `,"lines":`...)
	if c.Lines == nil {
		b = append(b, "null"...)
	} else {
		b = append(b, '[')
		for i := range c.Lines {
			if i > 0 {
				b = append(b, ',')
			}
			if b, err = c.Lines[i].appendJSON(b); err != nil {
				return nil, err
			}
		}
		b = append(b, ']')
	}
	if c.Payer != nil {
		b = append(b, `,"payer":`...)
		if b, err = appendMarshal(b, c.Payer); err != nil {
			return nil, err
		}
	}
	return append(b, '}'), nil
}

func (l *Line) appendJSON(b []byte) ([]byte, error) {
	b = append(b, `{"id":`...)
	b = strconv.AppendInt(b, l.ID, 10)
	b = append(b, `,"line_number":`...)
	b = strconv.AppendInt(b, int64(l.LineNumber), 10)
	b = append(b, `,"service_code":`...)
	b = appendJSONString(b, l.ServiceCode)
	b = append(b, `,"date_of_service":`...)
	b = appendJSONDate(b, l.DateOfService)
	b = append(b, `,"units":`...)
	b = strconv.AppendInt(b, int64(l.Units), 10)
	b = append(b, `,"charge":`...)
	b = appendJSONMoney(b, l.Charge)
	b = append(b, `,"authorization_number":`...)
	if l.AuthorizationNumber == nil {
		b = append(b, "null"...)
	} else {
		b = appendJSONString(b, *l.AuthorizationNumber)
	}
	b = append(b, `,"authorization_id":`...)
	b = appendJSONInt(b, l.AuthorizationID)
	b = append(b, `,"status":`...)
	b = appendJSONString(b, l.Status)
	b = append(b, `,"units_allowed":`...)
	b = strconv.AppendInt(b, int64(l.UnitsAllowed), 10)
	b = append(b, `,"allowed":`...)
	b = appendJSONMoney(b, l.Allowed)
	b = append(b, `,"paid":`...)
	b = appendJSONMoney(b, l.Paid)
	b = append(b, `,"rate":`...)
	if l.Rate == nil {
		b = append(b, "null"...)
	} else {
		b = appendJSONMoney(b, *l.Rate)
	}
	b = append(b, `,"adjustments":`...)
	if l.Adjustments == nil {
		b = append(b, "null"...)
	} else {
		b = append(b, '[')
		for i := range l.Adjustments {
			if i > 0 {
				b = append(b, ',')
			}
			b = l.Adjustments[i].appendJSON(b)
		}
		b = append(b, ']')
	}
	var err error
	if len(l.Trace) > 0 {
		b = append(b, `,"trace":`...)
		if b, err = appendMarshal(b, l.Trace); err != nil {
			return nil, err
		}
	}
	b = append(b, `,"rule_set_version":`...)
	b = appendJSONString(b, l.RuleSetVersion)
	b = append(b, `,"reverses_line_id":`...)
	b = appendJSONInt(b, l.ReversesLineID)
	return append(b, '}'), nil
}

func (a *Adjustment) appendJSON(b []byte) []byte {
	b = append(b, `{"group":`...)
	b = appendJSONString(b, a.Group)
	b = append(b, `,"code":`...)
	b = appendJSONString(b, a.Code)
	b = append(b, `,"carc":`...)
	b = appendJSONString(b, a.CARC)
	if a.RARC != "" {
		b = append(b, `,"rarc":`...)
		b = appendJSONString(b, a.RARC)
	}
	b = append(b, `,"amount":`...)
	b = appendJSONMoney(b, a.Amount)
	if a.Units != 0 {
		b = append(b, `,"units":`...)
		b = strconv.AppendInt(b, int64(a.Units), 10)
	}
	if a.Text != "" {
		b = append(b, `,"text":`...)
		b = appendJSONString(b, a.Text)
	}
	return append(b, '}')
}

// appendJSONString appends s as a JSON string. Text of printable ASCII
// that encoding/json writes as it is (no quote, backslash or <, >, &,
// which it escapes for HTML) is copied; anything else is left to
// encoding/json, so every escape is its own.
func appendJSONString(b []byte, s string) []byte {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < ' ' || c > '~' || c == '"' || c == '\\' || c == '<' || c == '>' || c == '&' {
			q, _ := json.Marshal(s) // a string always marshals
			return append(b, q...)
		}
	}
	b = append(b, '"')
	b = append(b, s...)
	return append(b, '"')
}

func appendJSONInt(b []byte, v *int64) []byte {
	if v == nil {
		return append(b, "null"...)
	}
	return strconv.AppendInt(b, *v, 10)
}

func appendJSONMoney(b []byte, m rss.Money) []byte {
	b = append(b, '"')
	return append(m.AppendFixed(b), '"')
}

// appendJSONDate writes a date as rss.Date.MarshalJSON does: null when zero.
func appendJSONDate(b []byte, d rss.Date) []byte {
	if d.IsZero() {
		return append(b, "null"...)
	}
	b = append(b, '"')
	b = d.AppendFormat(b, "2006-01-02")
	return append(b, '"')
}

// appendJSONTime is time.Time.MarshalJSON, which also refuses a year it
// cannot write.
func appendJSONTime(b []byte, t *time.Time) ([]byte, error) {
	if y := t.Year(); y < 0 || y > 9999 {
		return appendMarshal(b, t)
	}
	b = append(b, '"')
	b = t.AppendFormat(b, time.RFC3339Nano)
	return append(b, '"'), nil
}

func appendMarshal(b []byte, v any) ([]byte, error) {
	j, err := json.Marshal(v)
	if err != nil {
		return nil, err
	}
	return append(b, j...), nil
}
