// Package pgtest gives each test its own PostgreSQL database, cloned in
// about a tenth of a second from a template that is migrated and loaded
// with the fixtures once per version of the schema and fixtures. There is
// no skipping: when no database answers, the test fails and says how to
// start one.
package pgtest

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io/fs"
	"net/url"
	"os"
	"sync"
	"testing"
	"time"

	"github.com/jmoiron/sqlx"

	"rss/fixtures"
	"rss/pg"
)

// ServerURL is the maintenance connection: RSS_TEST_DATABASE_URL, else
// DATABASE_URL pointed at the postgres database, else the local default.
func ServerURL() string {
	if u := os.Getenv("RSS_TEST_DATABASE_URL"); u != "" {
		return u
	}
	raw := os.Getenv("DATABASE_URL")
	if raw == "" {
		raw = "postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable"
	}
	return WithDatabase(raw, "postgres")
}

// WithDatabase returns url with its database name replaced.
func WithDatabase(raw, name string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return raw
	}
	u.Path = "/" + name
	return u.String()
}

var (
	templateOnce sync.Once
	templateName string
	templateErr  error
)

func schemaHash() string {
	h := sha256.New()
	_ = fs.WalkDir(pg.MigrationsFS(), ".", func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := fs.ReadFile(pg.MigrationsFS(), path)
		if err != nil {
			return err
		}
		h.Write([]byte(path))
		h.Write(b)
		return nil
	})
	h.Write([]byte(fixtures.SourceHash()))
	h.Write([]byte(fixtures.TestToday.String()))
	return hex.EncodeToString(h.Sum(nil))[:16]
}

// ensureTemplate builds the template database once, under an advisory lock
// so parallel test binaries build it once between them.
func ensureTemplate(ctx context.Context) (string, error) {
	templateOnce.Do(func() {
		templateName = "rss_tmpl_" + schemaHash()
		templateErr = buildTemplate(ctx, templateName)
	})
	return templateName, templateErr
}

func buildTemplate(ctx context.Context, name string) error {
	admin, err := sqlx.ConnectContext(ctx, "postgres", ServerURL())
	if err != nil {
		return fmt.Errorf("no PostgreSQL at %s (start it with `make db` or set RSS_TEST_DATABASE_URL): %w", ServerURL(), err)
	}
	defer admin.Close()
	conn, err := admin.Connx(ctx)
	if err != nil {
		return err
	}
	defer conn.Close()
	if _, err := conn.ExecContext(ctx, `SELECT pg_advisory_lock(hashtext('rss test template'))`); err != nil {
		return err
	}
	defer conn.ExecContext(context.Background(), `SELECT pg_advisory_unlock(hashtext('rss test template'))`)

	var exists bool
	if err := conn.GetContext(ctx, &exists, `SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = $1 AND datistemplate)`, name); err != nil {
		return err
	}
	if exists {
		return nil
	}
	// Drop stale templates (older schema or fixtures) and half-built ones.
	// Another checkout of the project (a branch in a second worktree) may
	// be testing against its own template on this server right now, so a
	// template of another schema is stale only once it is a day old.
	var stale []string
	if err := conn.SelectContext(ctx, &stale, `SELECT datname FROM pg_database d WHERE datname LIKE 'rss\_tmpl\_%' AND datname <> $1
		AND COALESCE(substring(shobj_description(d.oid, 'pg_database') FROM '^rss test template built (\d+)$')::bigint, 0)
		    < extract(epoch FROM now()) - 86400
		OR (datname = $1 AND NOT datistemplate)`, name); err != nil {
		return err
	}
	for _, s := range stale {
		_, _ = conn.ExecContext(ctx, fmt.Sprintf(`ALTER DATABASE %q IS_TEMPLATE false`, s))
		if _, err := conn.ExecContext(ctx, fmt.Sprintf(`DROP DATABASE IF EXISTS %q WITH (FORCE)`, s)); err != nil {
			return fmt.Errorf("drop stale template %s: %w", s, err)
		}
	}
	if _, err := conn.ExecContext(ctx, fmt.Sprintf(`CREATE DATABASE %q`, name)); err != nil {
		return fmt.Errorf("create template: %w", err)
	}
	db, err := pg.Open(ctx, WithDatabase(ServerURL(), name), 2)
	if err != nil {
		return err
	}
	if err := pg.Migrate(ctx, db); err != nil {
		db.Close()
		return err
	}
	if _, err := fixtures.Load(ctx, db, fixtures.TestToday); err != nil {
		db.Close()
		return fmt.Errorf("load fixtures into template: %w", err)
	}
	db.Close()
	if _, err := conn.ExecContext(ctx, fmt.Sprintf(`ALTER DATABASE %q IS_TEMPLATE true ALLOW_CONNECTIONS false`, name)); err != nil {
		return err
	}
	if _, err := conn.ExecContext(ctx, fmt.Sprintf(`COMMENT ON DATABASE %q IS 'rss test template built %d'`, name, time.Now().Unix())); err != nil {
		return err
	}
	return nil
}

// Clone creates a fresh database from the template and returns its URL;
// the caller drops it with Drop.
func Clone(ctx context.Context) (string, string, error) {
	tmpl, err := ensureTemplate(ctx)
	if err != nil {
		return "", "", err
	}
	b := make([]byte, 6)
	_, _ = rand.Read(b)
	name := "rss_test_" + hex.EncodeToString(b)
	admin, err := sqlx.ConnectContext(ctx, "postgres", ServerURL())
	if err != nil {
		return "", "", err
	}
	defer admin.Close()
	for attempt := 0; ; attempt++ {
		_, err = admin.ExecContext(ctx, fmt.Sprintf(`CREATE DATABASE %q TEMPLATE %q`, name, tmpl))
		if err == nil || attempt == 20 {
			break
		}
		// Another clone of the same template can hold it for a moment.
		time.Sleep(time.Duration(50*(attempt+1)) * time.Millisecond)
	}
	if err != nil {
		return "", "", fmt.Errorf("clone template: %w", err)
	}
	return name, WithDatabase(ServerURL(), name), nil
}

// Drop removes a cloned database.
func Drop(name string) error {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	admin, err := sqlx.ConnectContext(ctx, "postgres", ServerURL())
	if err != nil {
		return err
	}
	defer admin.Close()
	_, err = admin.ExecContext(ctx, fmt.Sprintf(`DROP DATABASE IF EXISTS %q WITH (FORCE)`, name))
	return err
}

// NewDB returns a pool on a fresh database for t, with the schema and the
// fixtures (demo dates around fixtures.TestToday). It is dropped when t ends.
func NewDB(t testing.TB) *sqlx.DB {
	t.Helper()
	db, _ := NewDBURL(t)
	return db
}

// NewDBURL is NewDB that also returns the database's URL, for tests that
// open more pools on it (two server instances sharing one database).
func NewDBURL(t testing.TB) (*sqlx.DB, string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	name, u, err := Clone(ctx)
	if err != nil {
		t.Fatalf("test database: %v", err)
	}
	db, err := pg.Open(ctx, u, 20)
	if err != nil {
		_ = Drop(name)
		t.Fatalf("test database: %v", err)
	}
	t.Cleanup(func() {
		db.Close()
		if err := Drop(name); err != nil {
			t.Errorf("drop test database %s: %v", name, err)
		}
	})
	return db, u
}
