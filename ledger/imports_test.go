package ledger_test

import (
	"go/parser"
	"go/token"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// The ledger sits under vouchers and billing: it imports neither of them,
// nor the api, and no web framework.
func TestLedgerImportsNothingAboveIt(t *testing.T) {
	files, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range files {
		if strings.HasSuffix(f, "_test.go") {
			continue
		}
		parsed, err := parser.ParseFile(token.NewFileSet(), f, nil, parser.ImportsOnly)
		if err != nil {
			t.Fatal(err)
		}
		for _, im := range parsed.Imports {
			path, _ := strconv.Unquote(im.Path.Value)
			switch {
			case path == "rss/api", path == "rss/billing", path == "rss/vouchers", path == "rss/access",
				strings.HasPrefix(path, "github.com/gin-gonic/"), path == "net/http":
				t.Errorf("%s imports %s", f, path)
			}
		}
	}
}
