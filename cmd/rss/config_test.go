package main

import (
	"os"
	"strings"
	"testing"
	"time"

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
		"RSS_DB_MAX_CONNS":       "1", // a client-level report needs two: it was a 500
	} {
		t.Run(name, func(t *testing.T) {
			t.Setenv(name, value)
			_, err := loadConfig()
			require.Error(t, err)
			// The variable itself, not RSS_X12_* and the X12 element (an
			// on-call black-box pass of the forty-seventh stop).
			assert.Contains(t, err.Error(), name, "the setting is named")
			if value != "" && len(strings.TrimSpace(value)) == 0 {
				assert.Contains(t, err.Error(), name+" is blank")
			}
		})
	}
	_, err := loadConfig()
	assert.NoError(t, err, "the defaults hold")
}

// RSS_LOG_LEVEL takes the four levels the README names, in any case, and
// nothing else: "ERROR+100", slog's offset, was taken and silenced every
// line, and a refusal named the logging library (a black-box pass).
func TestConfigLogLevels(t *testing.T) {
	for value, want := range map[string]string{"debug": "DEBUG", "INFO": "INFO", "Warn": "WARN", "error": "ERROR"} {
		t.Setenv("RSS_LOG_LEVEL", value)
		c, err := loadConfig()
		require.NoError(t, err, value)
		assert.Equal(t, want, c.LogLevel.String(), value)
	}
	for _, value := range []string{"ERROR+100", "info-4", "verbose", "0"} {
		t.Setenv("RSS_LOG_LEVEL", value)
		_, err := loadConfig()
		require.Error(t, err, value)
		assert.Contains(t, err.Error(), "is not debug, info, warn or error", value)
		assert.NotContains(t, err.Error(), "slog", value)
	}
}

// A key cache of a century was taken (an on-call pass): a key revoked in
// another process while this one's listener was down stayed usable here
// for as long. The TTL is bounded at an hour, the bound itself taken.
func TestConfigKeyCacheTTLIsBounded(t *testing.T) {
	t.Setenv("RSS_KEY_CACHE_TTL", "876000h")
	_, err := loadConfig()
	require.Error(t, err)
	assert.Contains(t, err.Error(), "RSS_KEY_CACHE_TTL must be a duration from 0 (no cache) to 1h0m0s")
	t.Setenv("RSS_KEY_CACHE_TTL", "1h")
	c, err := loadConfig()
	require.NoError(t, err)
	assert.Equal(t, time.Hour, c.KeyCacheTTL)
}

// RSS_SECURE_COOKIES takes true and false in any case (TRUE was refused,
// then tRuE, though the README said any case: black-box passes), t, f, 1
// and 0, and refuses others saying which it takes.
func TestConfigSecureCookiesWords(t *testing.T) {
	for value, want := range map[string]bool{"true": true, "TRUE": true, "True": true, "tRuE": true, "t": true, "T": true, "1": true,
		"false": false, "FALSE": false, "fAlSe": false, "f": false, "F": false, "0": false} {
		t.Setenv("RSS_SECURE_COOKIES", value)
		c, err := loadConfig()
		require.NoError(t, err, value)
		assert.Equal(t, want, c.SecureCookies, value)
	}
	t.Setenv("RSS_SECURE_COOKIES", "yes please")
	_, err := loadConfig()
	require.Error(t, err)
	assert.Contains(t, err.Error(), "RSS_SECURE_COOKIES")
	assert.Contains(t, err.Error(), "true or false in any case, t, f, 1 or 0")
}

// RSS_TIMEZONE=Local is the host's zone by its IANA name, which PostgreSQL
// takes: as "Local" three reads were 500s (a black-box pass). A host that
// names none stops rss at start.
func TestConfigLocalZoneIsTheHostsName(t *testing.T) {
	dir := t.TempDir()
	link := dir + "/localtime"
	require.NoError(t, os.Symlink("/usr/share/zoneinfo/America/Chicago", link))
	loc, err := loadZone("Local", "", link)
	require.NoError(t, err)
	assert.Equal(t, "America/Chicago", loc.String())
	loc, err = loadZone("Local", ":Europe/Paris", link)
	require.NoError(t, err)
	assert.Equal(t, "Europe/Paris", loc.String(), "TZ first, as Go reads it")
	_, err = loadZone("Local", "", dir+"/none")
	require.Error(t, err)
	assert.Contains(t, err.Error(), "set RSS_TIMEZONE to one")
	loc, err = loadZone("America/New_York", "", dir+"/none")
	require.NoError(t, err)
	assert.Equal(t, "America/New_York", loc.String())
}

// A DATABASE_URL the driver would misread stops rss at start, never quoted
// (it may hold a password): a mistyped scheme sent the whole URL, password
// and all, to the default server as a setting's name, into its log and
// rss's error; one naming no database migrated the cluster's maintenance
// database. A malformed RSS_ADDR is refused with the others, before any
// database is touched (an on-call black-box pass).
func TestConfigRefusesADatabaseURLItWouldMisread(t *testing.T) {
	for value, want := range map[string]string{
		"postgress://rss:S3CRETPW@127.0.0.1:5432/rss":   "postgres:// or postgresql://",
		"mysql://rss:S3CRETPW@127.0.0.1/rss":            "postgres:// or postgresql://",
		"postgres://rss:S3CRETPW@127.0.0.1:5432/":       "names no database",
		"postgres://rss:S3CRETPW@127.0.0.1:5432":        "names no database",
		"host=127.0.0.1 user=rss password=S3CRETPW":     "names no database",
		"postgres://rss:S3CR%ZZETPW@127.0.0.1:5432/rss": "not a valid URL",
		// The driver reads these as "rss/" and "rss ", which serve would
		// create and serve empty (an on-call pass).
		"postgres://rss:S3CRETPW@127.0.0.1:5432/rss/":   `names the database "rss/"`,
		"postgres://rss:S3CRETPW@127.0.0.1:5432/rss%20": `names the database "rss "`,
		// Named twice, the driver reads one and rss checked another (an
		// on-call pass).
		"S3CRETPW-garbage":                                              "neither a postgres:// URL nor key=value settings",
		"postgres://rss:S3CRETPW@127.0.0.1:abc/rss":                     "check its host and port",
		"host=127.0.0.1 password=S3CRETPW dbname=rss dbname=postgres":   "more than once",
		"host=127.0.0.1 password=S3CRETPW dbname=rss database=postgres": "more than once",
		"postgres://rss:S3CRETPW@127.0.0.1:5432/rss?dbname=postgres":    "more than once",
	} {
		t.Setenv("DATABASE_URL", value)
		_, err := loadConfig()
		require.Error(t, err, value)
		assert.Contains(t, err.Error(), "DATABASE_URL", value)
		assert.Contains(t, err.Error(), want, value)
		assert.NotContains(t, err.Error(), "S3CR", "the password is never quoted")
	}
	for _, value := range []string{"postgres://postgres@127.0.0.1:5432/rss?sslmode=disable", "postgresql:///rss",
		"host=127.0.0.1 user=postgres dbname=rss sslmode=disable", "host=127.0.0.1 user=postgres dbname = rss"} {
		t.Setenv("DATABASE_URL", value)
		_, err := loadConfig()
		assert.NoError(t, err, value)
	}
	t.Setenv("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/rss")
	for _, addr := range []string{"8080", "localhost", ":99999", ":http-alt", "127.0.0.1:80:80"} {
		t.Setenv("RSS_ADDR", addr)
		_, err := loadConfig()
		require.Error(t, err, addr)
		assert.Contains(t, err.Error(), "RSS_ADDR", addr)
	}
	for _, addr := range []string{":8080", "127.0.0.1:0", "[::1]:8080", "localhost:18080"} {
		t.Setenv("RSS_ADDR", addr)
		_, err := loadConfig()
		assert.NoError(t, err, addr)
	}
}
