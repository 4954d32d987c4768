package main

import (
	"bytes"
	"fmt"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"rss/adjudication"
	"rss/pg"
)

// Every command answers a help request with its usage on stdout and
// success: `x12 check -h` opened a file named "-h", `export batch -h`
// called "-h" no batch id, `seed -h` ended on "flag: help requested" and
// exit 1, `serve -h` printed every command and said it takes no flags (a
// black-box pass).
func TestEveryCommandAnswersHelp(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want []string // in what it prints
	}{
		{[]string{"-h"}, []string{"bench export", "bench reports", "x12 import"}},
		{[]string{"--help"}, []string{"usage: rss"}},
		{[]string{"help"}, []string{"usage: rss"}},
		{[]string{"help", "seed"}, []string{"usage: rss seed", "-demo"}},
		{[]string{"help", "x12", "check"}, []string{"usage: rss x12 check FILE"}},
		{[]string{"serve", "-h"}, []string{"usage: rss serve", "RSS_ADDR"}},
		{[]string{"migrate", "--help"}, []string{"usage: rss migrate"}},
		{[]string{"demo-keys", "-h"}, []string{"usage: rss demo-keys"}},
		{[]string{"seed", "-h"}, []string{"usage: rss seed", "-demo"}},
		{[]string{"apikey", "-h"}, []string{"usage: rss apikey create"}},
		{[]string{"apikey", "create", "-h"}, []string{"usage: rss apikey create", "-role", "-label"}},
		{[]string{"bench", "-h"}, []string{"usage: rss bench", "-duration", "client records", "bench export", "bench reports",
			"scratch databases named rss_bench_* on the PostgreSQL server DATABASE_URL names"}},
		{[]string{"bench", "export", "-h"}, []string{"usage: rss bench export", "-lines"}},
		{[]string{"bench", "reports", "-h"}, []string{"usage: rss bench reports", "-runs"}},
		{[]string{"export", "-h"}, []string{"usage: rss export batch"}},
		{[]string{"export", "batch", "-h"}, []string{"usage: rss export batch", "-out"}},
		{[]string{"export", "batch", "7", "-h"}, []string{"usage: rss export batch", "-out"}},
		{[]string{"x12", "-h"}, []string{"rss x12 check FILE", "rss x12 import FILE"}},
		{[]string{"x12", "check", "-h"}, []string{"usage: rss x12 check FILE"}},
		{[]string{"x12", "import", "--help"}, []string{"usage: rss x12 import FILE"}},
		{[]string{"version", "-h"}, []string{"usage: rss version"}},
	} {
		t.Run(strings.Join(tc.args, " "), func(t *testing.T) {
			var out, errOut bytes.Buffer
			require.NoError(t, run(t.Context(), tc.args, &out, &errOut), "stderr: %s", errOut.String())
			for _, w := range tc.want {
				assert.Contains(t, out.String(), w)
			}
			assert.NotContains(t, out.String()+errOut.String(), "help requested")
			assert.NotContains(t, out.String()+errOut.String(), "takes no flags or arguments, got")
		})
	}
	// What is not a help request is still refused.
	for _, args := range [][]string{{"x12"}, {"x12", "check"}, {"x12", "import"}, {"export", "batch"}, {"export", "batch", "x"},
		{"serve", "now"}, {"version", "x"}, {"seed", "-demo", "extra"}, {"apikey"}, {"bench", "-clients", "0"}} {
		t.Run("refused "+strings.Join(args, " "), func(t *testing.T) {
			var out, errOut bytes.Buffer
			require.Error(t, run(t.Context(), args, &out, &errOut))
		})
	}
	// An apikey command the line does not have is said to be unknown,
	// with where keys are listed (an admin black-box pass of the
	// forty-sixth stop read the create usage alone).
	var out, errOut bytes.Buffer
	err := run(t.Context(), []string{"apikey", "list"}, &out, &errOut)
	require.Error(t, err)
	assert.Contains(t, err.Error(), `unknown apikey command "list"`)
	assert.Contains(t, err.Error(), "GET /v1/api-keys")
	// A bench's stray argument is refused before anything is made:
	// "rss bench reports utilization", meant as -reports, generated the
	// whole history (an on-call pass).
	for _, args := range [][]string{{"bench", "reports", "utilization"}, {"bench", "export", "extra"}, {"bench", "extra"}} {
		var out, errOut bytes.Buffer
		err := run(t.Context(), args, &out, &errOut)
		require.Error(t, err, "%v", args)
		assert.Contains(t, err.Error(), "takes no arguments", "%v", args)
	}
}

// rss version says which build this is, the schema it migrates to and the
// rule sets it decides by, without reading the configuration (on call
// there was no way to tell which release a server ran, an on-call pass).
func TestVersionSaysTheBuildSchemaAndRuleSets(t *testing.T) {
	t.Setenv("DATABASE_URL", "not a url")
	var out, errOut bytes.Buffer
	require.NoError(t, run(t.Context(), []string{"version"}, &out, &errOut), "stderr: %s", errOut.String())
	lines := strings.Split(strings.TrimSuffix(out.String(), "\n"), "\n")
	require.Len(t, lines, 3, out.String())
	assert.Regexp(t, `^rss .*go1\.`, lines[0])
	assert.Equal(t, fmt.Sprintf("schema version %d", pg.SchemaVersion()), lines[1])
	assert.Equal(t, "rule sets "+adjudication.VoucherRuleSetVersion+", "+adjudication.ClaimRuleSetVersion, lines[2])
	assert.Greater(t, pg.SchemaVersion(), int64(95), "the newest embedded migration")
}

// A refused flag is said once, above its usage, not again below it; and a
// flag where the batch id goes says the id comes first (a CLI black-box
// pass of the forty-sixth stop printed the refusal twice and read
// "--out" is not a batch id).
func TestFlagRefusalsSaidOnce(t *testing.T) {
	var out, errOut bytes.Buffer
	err := run(t.Context(), []string{"apikey", "create", "-provider", "abc", "-role", "provider", "-label", "x"}, &out, &errOut)
	require.ErrorIs(t, err, errUsage)
	assert.Equal(t, 1, strings.Count(errOut.String(), `invalid value "abc" for flag -provider`), errOut.String())
	assert.NotContains(t, err.Error(), "abc")
	// In the flag's words, not the flag package's "parse error".
	assert.Contains(t, errOut.String(), "an agency id is a whole number", errOut.String())
	assert.NotContains(t, errOut.String(), "parse error")

	err = run(t.Context(), []string{"export", "batch", "--out", "x", "1"}, &out, &errOut)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "the batch id comes before the flags: rss export batch ID --out FILE")

	// With no id at all, the id is missing.
	err = run(t.Context(), []string{"export", "batch", "--out", "x"}, &out, &errOut)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "the batch id is missing: rss export batch ID --out FILE")
	// An agency id as the API reads one, and the list where it is.
	for _, bad := range []string{"+3", "03", "99999999999999999999"} {
		errOut.Reset()
		err = run(t.Context(), []string{"apikey", "create", "-provider", bad, "-role", "provider", "-label", "x"}, &out, &errOut)
		require.ErrorIs(t, err, errUsage, bad)
		assert.Contains(t, errOut.String(), "GET /v1/reference/providers lists them", bad)
	}

	// A second id names itself alone: the flags after it, unread, were
	// listed as stray too.
	err = run(t.Context(), []string{"export", "batch", "1", "1", "--out", "x"}, &out, &errOut)
	require.Error(t, err)
	assert.Equal(t, `export batch takes one batch id: "1" follows 1, and nothing after it was read (rss export batch ID --out FILE)`, err.Error())
}
