package rss

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestCSVTextDisarmsFormulas(t *testing.T) {
	for in, want := range map[string]string{
		"":             "",
		"Ana Petrov":   "Ana Petrov",
		"=1+2":         "'=1+2",
		"+1":           "'+1",
		"-2-3":         "'-2-3",
		"@SUM(A1)":     "'@SUM(A1)",
		"\t=cmd":       "'\t=cmd",
		"\r=cmd":       "'\r=cmd",
		"O'Brien = ok": "O'Brien = ok",
		"1-2":          "1-2",
	} {
		assert.Equal(t, want, CSVText(in), "%q", in)
	}
}
