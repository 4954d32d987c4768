package pgtest_test

import (
	"context"
	"testing"

	"rss/pg/pgtest"
)

func TestTemplateLoadsFixtures(t *testing.T) {
	db := pgtest.NewDB(t)
	var n int
	if err := db.GetContext(context.Background(), &n, `SELECT count(*) FROM clients`); err != nil {
		t.Fatal(err)
	}
	if n < 30 {
		t.Fatalf("want at least 30 demo clients, got %d", n)
	}
}
