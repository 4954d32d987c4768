package vouchers

import (
	"encoding/base64"
	"strconv"
	"strings"

	"rss"
)

// Page asks for one page of a list: at most Limit rows after Cursor.
type Page struct {
	Limit  int
	Cursor string
}

const (
	defaultLimit = 50
	maxLimit     = 500
)

// after decodes the opaque cursor into the last id seen (0 for the first page).
func (p Page) after() (int64, int, error) {
	limit := p.Limit
	switch {
	case limit == 0:
		limit = defaultLimit
	case limit < 0 || limit > maxLimit:
		return 0, 0, rss.Invalid("limit", "out_of_range", "limit must be between 1 and %d", maxLimit)
	}
	if p.Cursor == "" {
		return 0, limit, nil
	}
	raw, err := base64.RawURLEncoding.DecodeString(p.Cursor)
	if err != nil {
		return 0, 0, rss.Invalid("cursor", "invalid_cursor", "cursor is not one this API issued")
	}
	id, err := strconv.ParseInt(strings.TrimPrefix(string(raw), "id:"), 10, 64)
	// Only the cursor the API gives (Cursor): "id:02" or "id:+2" read as
	// id 2 though the API never issued them, and its documents say such a
	// cursor is refused (an integration black-box pass).
	if err != nil || !strings.HasPrefix(string(raw), "id:") || id <= 0 || Cursor(id) != p.Cursor {
		return 0, 0, rss.Invalid("cursor", "invalid_cursor", "cursor is not one this API issued")
	}
	return id, limit, nil
}

// Cursor encodes the last id of a full page; an empty string means no more pages.
func Cursor(lastID int64) string {
	return base64.RawURLEncoding.EncodeToString([]byte("id:" + strconv.FormatInt(lastID, 10)))
}

// List is a page of results with the cursor for the next one.
type List[T any] struct {
	Items      []T    `json:"items"`
	NextCursor string `json:"next_cursor,omitempty"`
}

func page[T any](items []T, limit int, id func(T) int64) List[T] {
	l := List[T]{Items: items}
	if l.Items == nil {
		l.Items = []T{}
	}
	if len(items) > limit {
		l.Items = items[:limit]
		l.NextCursor = Cursor(id(l.Items[limit-1]))
	}
	return l
}

// After decodes the page for packages built on this one.
func (p Page) After() (int64, int, error) { return p.after() }

// Paginate cuts a limit+1 result into a page with its next cursor.
func Paginate[T any](items []T, limit int, id func(T) int64) List[T] { return page(items, limit, id) }
