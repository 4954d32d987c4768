package rss_test

import (
	"os"
	"strings"
	"testing"

	"rss/adjudication"
)

// The README's reason-code table moves with the catalogue: every code is
// listed with its action and CARC, and no code is listed that no longer exists.
func TestReadmeListsEveryReasonCode(t *testing.T) {
	b, err := os.ReadFile("README.md")
	if err != nil {
		t.Fatal(err)
	}
	readme := string(b)
	known := map[string]bool{}
	for _, r := range adjudication.Catalogue() {
		known[r.Code] = true
		carc := r.CARC
		if r.RARC != "" {
			carc += " / " + r.RARC
		}
		if carc == "" {
			carc = "—"
		}
		row := "| `" + r.Code + "` | " + r.Kind + " | " + string(r.Action) + " | " + carc + " |"
		if !strings.Contains(readme, row) {
			t.Errorf("README.md lacks the row for %s: %q", r.Code, row)
		}
	}
	for _, line := range strings.Split(readme, "\n") {
		if !strings.HasPrefix(line, "| `") || !(strings.Contains(line, " | voucher | ") || strings.Contains(line, " | claim | ")) {
			continue
		}
		if code := strings.SplitN(line, "`", 3)[1]; !known[code] {
			t.Errorf("README.md lists %s, which is not in the catalogue", code)
		}
	}
}
