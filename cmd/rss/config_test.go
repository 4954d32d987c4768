package main

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// Settings that would fail later, where no one can mend them, stop rss at
// start with the setting named: a shutdown of no time, a negative key
// cache, 837P parties the writer refuses (a black-box pass took them all).
func TestConfigRefusesWhatWouldFailLater(t *testing.T) {
	for name, value := range map[string]string{
		"RSS_SHUTDOWN_TIMEOUT":   "0",
		"RSS_KEY_CACHE_TTL":      "-10s",
		"RSS_X12_SENDER_ID":      "WAYTOOLONGSENDERID123",
		"RSS_X12_SUBMITTER_NAME": "ACME*MSC~X",
		"RSS_X12_RECEIVER_ID":    "   ", // blanks only: ISA08 went out as spaces
		"RSS_X12_PAYER_NAME":     " ",
	} {
		t.Run(name, func(t *testing.T) {
			t.Setenv(name, value)
			_, err := loadConfig()
			require.Error(t, err)
			assert.Contains(t, err.Error(), name[:8], "the setting is named")
			if value != "" && len(strings.TrimSpace(value)) == 0 {
				assert.Contains(t, err.Error(), name+" is blank")
			}
		})
	}
	_, err := loadConfig()
	assert.NoError(t, err, "the defaults hold")
}

// RSS_SECURE_COOKIES takes the words strconv does (TRUE was refused: a
// black-box pass) and refuses others.
func TestConfigSecureCookiesWords(t *testing.T) {
	for value, want := range map[string]bool{"true": true, "TRUE": true, "True": true, "1": true, "false": false, "FALSE": false, "0": false} {
		t.Setenv("RSS_SECURE_COOKIES", value)
		c, err := loadConfig()
		require.NoError(t, err, value)
		assert.Equal(t, want, c.SecureCookies, value)
	}
	t.Setenv("RSS_SECURE_COOKIES", "yes please")
	_, err := loadConfig()
	require.Error(t, err)
	assert.Contains(t, err.Error(), "RSS_SECURE_COOKIES")
}
