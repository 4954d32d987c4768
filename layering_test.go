package rss_test

import (
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// The house (STYLE.md): data flows cmd -> api -> billing -> vouchers ->
// ledger -> adjudication; api speaks HTTP and holds no SQL and no
// transaction; the domain packages know nothing of HTTP; adjudication
// imports nothing of ours. This test reads the source and fails when a
// package crosses its walls.

type pkgSource struct {
	imports map[string]bool
	calls   map[string]bool // selector names called, such as BeginTx
}

// readPackage parses the non-test Go files of dir.
func readPackage(t *testing.T, dir string) pkgSource {
	t.Helper()
	out := pkgSource{imports: map[string]bool{}, calls: map[string]bool{}}
	files, err := filepath.Glob(filepath.Join(dir, "*.go"))
	require.NoError(t, err)
	require.NotEmpty(t, files, dir)
	fset := token.NewFileSet()
	for _, f := range files {
		if strings.HasSuffix(f, "_test.go") {
			continue
		}
		file, err := parser.ParseFile(fset, f, nil, 0)
		require.NoError(t, err)
		for _, imp := range file.Imports {
			p, _ := strconv.Unquote(imp.Path.Value)
			out.imports[p] = true
		}
		ast.Inspect(file, func(n ast.Node) bool {
			if call, ok := n.(*ast.CallExpr); ok {
				if sel, ok := call.Fun.(*ast.SelectorExpr); ok {
					out.calls[sel.Sel.Name] = true
				}
			}
			return true
		})
	}
	return out
}

func TestLayering(t *testing.T) {
	t.Parallel()
	domain := []string{"adjudication", "ledger", "vouchers", "billing", "staff", "registry", "outcomes", "reports", "access", "pg", "x12", "fixtures"}
	httpish := []string{"net/http", "github.com/gin-gonic/gin"}
	for _, d := range domain {
		if _, err := os.Stat(d); err != nil {
			continue
		}
		src := readPackage(t, d)
		for _, p := range httpish {
			assert.False(t, src.imports[p], "%s imports %s: domain packages know nothing of HTTP", d, p)
		}
	}

	// The console is presentation as api is: HTTP, no SQL, no transaction.
	for _, d := range []string{"api", "console"} {
		src := readPackage(t, d)
		for _, p := range []string{"github.com/lib/pq", "database/sql", "github.com/jackc/pgx/v5", "github.com/jmoiron/sqlx", "rss/pg"} {
			if d == "api" && (p == "github.com/jmoiron/sqlx" || p == "rss/pg") {
				continue // api.Open wires the pool and the idempotency store
			}
			assert.False(t, src.imports[p], "%s imports %s: it holds no SQL", d, p)
		}
		for _, fn := range []string{"BeginTx", "BeginTxx", "Begin", "Beginx", "MustBegin", "Commit", "Rollback", "ExecContext",
			"QueryContext", "QueryRowContext", "QueryRowxContext", "GetContext", "SelectContext", "NamedExecContext"} {
			assert.False(t, src.calls[fn], "%s calls %s: transactions and statements belong to the domain", d, fn)
		}
	}
	// The console sits beside api, under it (api mounts it), above the
	// domains; no domain imports it.
	assert.False(t, readPackage(t, "console").imports["rss/api"], "console imports api, above it")
	for _, d := range domain {
		if _, err := os.Stat(d); err == nil {
			assert.False(t, readPackage(t, d).imports["rss/console"], "%s imports console, above it", d)
		}
	}

	adj := readPackage(t, "adjudication")
	for p := range adj.imports {
		assert.False(t, p == "rss" || strings.HasPrefix(p, "rss/"), "adjudication imports %s: the rules take facts, not our packages", p)
		assert.NotContains(t, p, "sql", "adjudication touches no database")
	}

	// One way down: no package imports one above it.
	order := []string{"cmd/rss", "api", "console", "billing", "vouchers", "ledger", "adjudication"}
	for i, d := range order {
		src := readPackage(t, d)
		for _, above := range order[:i] {
			assert.False(t, src.imports["rss/"+above], "%s imports %s, above it", d, above)
		}
	}
	// The registry sits beside billing, on vouchers: it writes the reference
	// data vouchers reads; nothing below imports it.
	reg := readPackage(t, "registry")
	for _, above := range []string{"cmd/rss", "api", "billing"} {
		assert.False(t, reg.imports["rss/"+above], "registry imports %s, above it", above)
	}
	for _, d := range []string{"billing", "vouchers", "ledger", "adjudication"} {
		assert.False(t, readPackage(t, d).imports["rss/registry"], "%s imports registry, above it", d)
	}
	// Program records stand on their own: they read enrollments, nothing
	// of the other domains, and only the api (and reports above it) use them.
	out := readPackage(t, "outcomes")
	for _, d := range []string{"cmd/rss", "api", "billing", "vouchers", "ledger", "adjudication", "registry", "staff"} {
		assert.False(t, out.imports["rss/"+d], "outcomes imports %s", d)
	}
	for _, d := range []string{"billing", "vouchers", "ledger", "adjudication", "registry", "staff"} {
		assert.False(t, readPackage(t, d).imports["rss/outcomes"], "%s imports outcomes, above it", d)
	}
	// Reports are the state's view: they read the others' tables by SQL and
	// import none of the domains, and nothing imports them but the api.
	rep := readPackage(t, "reports")
	for p := range rep.imports {
		if p == "rss" || strings.HasPrefix(p, "rss/") {
			assert.Contains(t, []string{"rss", "rss/access", "rss/pg"}, p, "reports imports %s", p)
		}
	}
	for _, d := range []string{"billing", "vouchers", "ledger", "adjudication", "registry", "staff", "outcomes", "access", "pg"} {
		assert.False(t, readPackage(t, d).imports["rss/reports"], "%s imports reports, above it", d)
	}
}
