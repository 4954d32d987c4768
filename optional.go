package rss

import (
	"bytes"
	"encoding/json"
)

// Optional is a PATCH field: absent (Set false), null (Set true, Null true)
// or a value. Plain pointers cannot tell absent from null.
type Optional[T any] struct {
	Set   bool
	Null  bool
	Value T
}

func (o *Optional[T]) UnmarshalJSON(b []byte) error {
	o.Set = true
	if bytes.Equal(bytes.TrimSpace(b), []byte("null")) {
		o.Null = true
		return nil
	}
	return json.Unmarshal(b, &o.Value)
}

// Ptr returns nil for null, else a pointer to the value (only meaningful when Set).
func (o Optional[T]) Ptr() *T {
	if o.Null {
		return nil
	}
	v := o.Value
	return &v
}
