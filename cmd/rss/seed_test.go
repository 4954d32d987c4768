package main

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/jmoiron/sqlx"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"rss/pg"
	"rss/pg/pgtest"
)

// `rss seed` loads the reference data alone; the demo data, whose API keys
// are published (an admin's among them), only with -demo: seeding always
// loaded it, and `rss seed --help` seeded (a black-box pass). The commands
// that take no flags refuse them; a help request is answered, not run.
func TestSeedLoadsDemoDataOnlyWhenAsked(t *testing.T) {
	name := fmt.Sprintf("rss_seed_test_%d", time.Now().UnixNano())
	url := pgtest.WithDatabase(pgtest.ServerURL(), name)
	_, err := pg.EnsureDatabase(t.Context(), url)
	require.NoError(t, err)
	t.Cleanup(func() { _ = pgtest.Drop(name) })
	t.Setenv("DATABASE_URL", url)
	db, err := sqlx.Open("postgres", url)
	require.NoError(t, err)
	defer db.Close()
	count := func(table string) (n int) {
		require.NoError(t, db.Get(&n, `SELECT count(*) FROM `+table))
		return n
	}
	cmd := func(args ...string) error {
		var out, errOut bytes.Buffer
		return run(t.Context(), args, &out, &errOut)
	}
	// A command other than migrate (and serve) creates no database: one
	// with a mistyped DATABASE_URL created the database it named (a
	// black-box pass).
	typo := name + "_typo"
	t.Setenv("DATABASE_URL", pgtest.WithDatabase(pgtest.ServerURL(), typo))
	t.Cleanup(func() { _ = pgtest.Drop(typo) })
	for _, c := range [][]string{{"seed"}, {"apikey", "create", "-role", "admin", "-label", "x"}, {"demo-keys"}} {
		err := cmd(c...)
		require.Error(t, err, "%v", c)
		assert.Contains(t, err.Error(), fmt.Sprintf("the database %q DATABASE_URL names does not exist", typo), "%v", c)
	}
	// Named alone, never the rest of the setting: a key=value DSN was
	// quoted whole, its password with it (a review).
	t.Setenv("DATABASE_URL", "host=127.0.0.1 user=postgres password=s3cret dbname="+typo+" sslmode=disable")
	err = cmd("seed")
	require.Error(t, err)
	assert.Contains(t, err.Error(), fmt.Sprintf("%q", typo))
	assert.NotContains(t, err.Error(), "s3cret")
	var typoExists bool
	require.NoError(t, db.Get(&typoExists, `SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = $1)`, typo))
	assert.False(t, typoExists, "the mistyped database was not created")
	t.Setenv("DATABASE_URL", url)

	// migrate says what it did: it said "up to date" having applied every
	// migration (a black-box pass).
	var out, errOut bytes.Buffer
	require.NoError(t, run(t.Context(), []string{"migrate"}, &out, &errOut))
	// The count and the version differ, the numbers having gaps, and it
	// says so (it read as migrations missing: a black-box pass).
	assert.Regexp(t, `^applied \d+ migrations: the schema is now at version \d+ \(was 0; `+
		`a version is the number of the last migration applied, and the numbers skip some\)\n$`, out.String())
	out.Reset()
	require.NoError(t, run(t.Context(), []string{"migrate"}, &out, &errOut))
	assert.Regexp(t, `^schema is up to date \(version \d+\)\n$`, out.String())
	require.NoError(t, cmd("seed", "--help"), "a help request is answered, not run")
	require.Error(t, cmd("seed", "extra"))
	assert.Zero(t, count("programs"), "a help request or a refused seed loads nothing")
	require.NoError(t, cmd("seed"))
	assert.Positive(t, count("programs"))
	assert.Zero(t, count("api_keys"), "no demo key")
	// Seeded again, it keeps the MSC's edits to a program's areas and
	// caseload caps: it put back every area an admin had taken off, so the
	// catchment rule stopped denying (a go-live black-box pass of the
	// forty-seventh stop). As the admin's PATCH leaves them:
	areas, caps := count("program_catchment_areas"), count("program_caseload_caps")
	require.Positive(t, areas)
	require.Positive(t, caps)
	_, err = db.Exec(`DELETE FROM program_catchment_areas WHERE program_code = 'ATR' AND area_code = 'stamford'`)
	require.NoError(t, err)
	_, err = db.Exec(`DELETE FROM program_caseload_caps WHERE program_code = 'RCM' AND staff_role = 'recovery_specialist'`)
	require.NoError(t, err)
	require.NoError(t, cmd("seed"))
	assert.Equal(t, areas-1, count("program_catchment_areas"), "the area taken off stays off")
	assert.Equal(t, caps-1, count("program_caseload_caps"), "the cap taken off stays off")
	assert.Zero(t, count("providers"), "no demo agency")
	require.Error(t, cmd("demo-keys"), "no demo data to print keys for")
	for _, c := range []string{"migrate", "serve", "demo-keys"} {
		var out, errOut bytes.Buffer
		err := run(t.Context(), []string{c, "--now"}, &out, &errOut)
		require.Error(t, err, c)
		// The mistake said, not lost under the whole usage (a new-user pass).
		assert.Contains(t, err.Error(), `got ["--now"] (rss `+c+` -h says what it does)`)
		assert.Empty(t, errOut.String(), c)
		assert.NoError(t, cmd(c, "--help"), "%s: answered, not run", c)
	}
	// The first admin key of a database seeded without demo data, minted
	// by the API's own checks (the command stored labels the API refuses).
	for _, bad := range []string{"\u200b", "a\x1bb", "evil\u202eabc"} {
		assert.Error(t, cmd("apikey", "create", "-role", "admin", "-label", bad), "%q", bad)
	}
	// In the command's own words: the API's refusal named provider_id, a
	// field the command line does not have (a new-user pass).
	for _, c := range [][]string{{"-role", "provider", "-label", "x"}, {"-role", "admin", "-provider", "1", "-label", "x"}} {
		err := cmd(append([]string{"apikey", "create"}, c...)...)
		require.Error(t, err, "%v", c)
		assert.Contains(t, err.Error(), "-provider ID, a positive agency id, is required for a provider key, and only for one", "%v", c)
	}
	assert.Zero(t, count("api_keys"))
	require.NoError(t, cmd("apikey", "create", "-role", "admin", "-label", "first admin"))
	assert.Equal(t, 1, count("api_keys"))
	require.NoError(t, cmd("seed", "-demo"))
	assert.Greater(t, count("api_keys"), 1, "the demo keys beside the first admin's")
	// The first request is approved on fresh demo data only, and says so
	// (a second `make run` promised it again: a black-box pass).
	out.Reset()
	require.NoError(t, run(t.Context(), []string{"demo-keys"}, &out, &errOut))
	said := strings.Join(strings.Fields(out.String()), " ")
	assert.Contains(t, said, "On the demo data as loaded it comes back approved")
	assert.Contains(t, said, "the fourth denied (OWN_AUTHORIZATION_AT_VOUCHER_MAX)")
	assert.NotContains(t, said, "REVOKED")
	// Dated in rss's today, RSS_TIMEZONE's: the host's plain date is
	// tomorrow there in a UTC evening.
	assert.Contains(t, said, `"start_date":"'$(TZ=America/New_York date +%F)'"`)
	// A revoked demo key is said to be revoked: printed as if it worked,
	// it read 401 everywhere with nothing said (an on-call pass).
	_, err = db.Exec(`UPDATE api_keys SET revoked_at = now() WHERE prefix = 'demoadm01'`)
	require.NoError(t, err)
	out.Reset()
	require.NoError(t, run(t.Context(), []string{"demo-keys"}, &out, &errOut))
	for _, line := range strings.Split(out.String(), "\n") {
		switch {
		case strings.Contains(line, "rss_demoadm01_"):
			assert.Contains(t, line, "REVOKED", line)
		case strings.Contains(line, "rss_demo"):
			assert.NotContains(t, line, "REVOKED", line)
		}
	}

	// A database a newer release migrated: rss migrate refuses it, so the
	// other commands do not send the engineer there (a new-user pass).
	_, err = db.Exec(`INSERT INTO goose_db_version (version_id, is_applied) VALUES (99999, true)`)
	require.NoError(t, err)
	err = cmd("seed")
	require.Error(t, err)
	assert.Contains(t, err.Error(), "newer than this binary's newest")
	assert.NotContains(t, err.Error(), "run `rss migrate`")
}

// `rss export` names a directory given as --out before it writes anything:
// it wrote the whole file beside it and failed at the rename, naming the
// part file (a black-box pass).
func TestExportRefusesADirectory(t *testing.T) {
	dir := t.TempDir()
	var out, errOut bytes.Buffer
	err := run(t.Context(), []string{"export", "batch", "1", "--out", dir}, &out, &errOut)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "is a directory: name the file to write")
	entries, rerr := os.ReadDir(dir)
	require.NoError(t, rerr)
	assert.Empty(t, entries)
}

// `rss export` replaces only a regular file: a FIFO, a device (/dev/null)
// or a socket named as --out is refused before anything is written. The
// rename replaced such a node with a regular file of PHI carrying its mode
// (0666 for /dev/null, which it replaced: a black-box pass).
func TestExportRefusesWhatIsNotAFile(t *testing.T) {
	dir := t.TempDir()
	fifo := filepath.Join(dir, "pipe")
	require.NoError(t, syscall.Mkfifo(fifo, 0o666))
	link := filepath.Join(dir, "link")
	require.NoError(t, os.Symlink(fifo, link))
	for _, target := range []string{fifo, link} {
		var out, errOut bytes.Buffer
		err := run(t.Context(), []string{"export", "batch", "1", "--out", target}, &out, &errOut)
		require.Error(t, err, target)
		assert.Contains(t, err.Error(), "is not a regular file", target)
		st, serr := os.Stat(fifo)
		require.NoError(t, serr)
		assert.Equal(t, os.ModeNamedPipe, st.Mode().Type(), "the FIFO is left as it was")
	}
	entries, rerr := os.ReadDir(dir)
	require.NoError(t, rerr)
	assert.Len(t, entries, 2, "no part file left")
}

// A migrate's report counts in the singular for one migration ("applied 1
// migrations" read as a slip) and says why a count is not the versions'
// difference.
func TestMigrationReport(t *testing.T) {
	for _, c := range []struct {
		m    pg.Migration
		want string
	}{
		{pg.Migration{From: 81, To: 81}, "schema is up to date (version 81)\n"},
		{pg.Migration{From: 80, To: 81, Applied: 1}, "applied 1 migration: the schema is now at version 81 (was 80)\n"},
		{pg.Migration{From: 79, To: 81, Applied: 2}, "applied 2 migrations: the schema is now at version 81 (was 79)\n"},
		{pg.Migration{From: 77, To: 79, Applied: 1}, "applied 1 migration: the schema is now at version 79 (was 77; " +
			"a version is the number of the last migration applied, and the numbers skip some)\n"},
	} {
		assert.Equal(t, c.want, migrationReport(c.m))
	}
}
