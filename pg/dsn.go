package pg

import (
	"errors"
	"fmt"
	"net/url"
	"slices"
	"strings"
	"unicode"

	"github.com/lib/pq"
)

// The database a DATABASE_URL names, read as the driver reads it. A URL
// (postgres:// or postgresql://) names it in its path, or in its query's
// dbname or database; libpq's key=value settings in dbname or database
// (lib/pq takes database over dbname, and the last of each). Read by a
// pattern, rss missed a database setting and a dbname right after a
// quoted value, and saw one inside a quoted value: checked against one
// database, a DATABASE_URL was served, and benched, in another (on-call
// passes). Each answer here is checked against the driver's own reading
// (pq.NewConfig) where it matters: CheckNamesOneDatabase, WithDatabase.

// DatabaseName is the database rawURL names ("" when it names none, or
// cannot be read). It is only a label (/metrics, messages), so a value it
// cannot read is no error.
func DatabaseName(rawURL string) string {
	names := databaseNames(rawURL)
	if len(names) == 0 {
		return ""
	}
	return names[len(names)-1]
}

// DatabaseNamings counts the places rawURL names a database in.
func DatabaseNamings(rawURL string) int { return len(databaseNames(rawURL)) }

// CheckNamesOneDatabase refuses a DATABASE_URL naming its database more
// than once, or one the driver reads as naming another database than rss
// does. Never quoted: it may hold a password.
func CheckNamesOneDatabase(rawURL string) error {
	if DatabaseNamings(rawURL) > 1 {
		return errors.New("names its database more than once (a URL's path and its query's dbname or database, or dbname or database twice): name it once")
	}
	if cfg, err := pq.NewConfig(rawURL); err == nil && cfg.Database != DatabaseName(rawURL) {
		return errors.New("names its database in a way the driver reads otherwise: name it once, with dbname=")
	}
	// Any other setting given twice is refused too: the driver keeps the
	// first of a URL's and libpq (psql) the last, so
	// ?sslmode=disable&sslmode=require ran rss unencrypted where psql
	// required TLS (a black-box pass). Named by its key, never its value.
	if key := repeatedSetting(rawURL); key != "" {
		if strings.Trim(key, "abcdefghijklmnopqrstuvwxyz_") != "" {
			key = "(a key not a setting's name)"
		}
		return fmt.Errorf("gives the setting %s more than once: give each setting once", key)
	}
	return nil
}

// repeatedSetting is the first setting rawURL gives more than once (by
// key, in key order), or "".
func repeatedSetting(rawURL string) string {
	seen := map[string]int{}
	if isURL(rawURL) {
		u, err := url.Parse(rawURL)
		if err != nil {
			return ""
		}
		for k, vs := range u.Query() {
			seen[k] += len(vs)
		}
	} else {
		settings, err := conninfo(rawURL)
		if err != nil {
			return ""
		}
		for _, st := range settings {
			seen[st.key]++
		}
	}
	var keys []string
	for k, n := range seen {
		if n > 1 && k != "dbname" && k != "database" { // counted as namings above
			keys = append(keys, k)
		}
	}
	if len(keys) == 0 {
		return ""
	}
	slices.Sort(keys)
	return keys[0]
}

// databaseNames lists the database names rawURL gives, in the order the
// driver's last one wins (a key=value database after every dbname).
func databaseNames(rawURL string) []string {
	if isURL(rawURL) {
		u, err := url.Parse(rawURL)
		if err != nil {
			return nil
		}
		var out []string
		if p := strings.TrimPrefix(u.Path, "/"); p != "" {
			out = append(out, p)
		}
		// An empty one names nothing the driver reads (the path's stands).
		q := u.Query()
		for _, k := range []string{"dbname", "database"} {
			for _, v := range q[k] {
				if v != "" {
					out = append(out, v)
				}
			}
		}
		return out
	}
	settings, err := conninfo(rawURL)
	if err != nil {
		return nil
	}
	var dbname, database []string
	for _, s := range settings {
		switch s.key {
		case "dbname":
			dbname = append(dbname, s.value)
		case "database":
			database = append(database, s.value)
		}
	}
	return append(dbname, database...)
}

func isURL(raw string) bool {
	return strings.HasPrefix(raw, "postgres://") || strings.HasPrefix(raw, "postgresql://")
}

// WithDatabase is rawURL naming database name instead: a URL's path (its
// query's dbname and database dropped), or key=value settings with every
// dbname and database dropped and dbname set, each value quoted (a setting
// left empty at the end took the name appended after it as its value). The
// bench's scratch databases are made so; a key=value DATABASE_URL came back
// unchanged, and the bench seeded, billed and closed batches in the database
// it named, production's (an on-call pass). The result is checked as the
// driver reads it. Anything else is an error, never quoted (it may hold a
// password).
func WithDatabase(rawURL, name string) (string, error) {
	var out string
	if isURL(rawURL) {
		u, err := url.Parse(rawURL)
		if err != nil {
			return "", errors.New("DATABASE_URL is not a valid postgres:// URL")
		}
		q := u.Query()
		if q.Has("dbname") || q.Has("database") {
			q.Del("dbname")
			q.Del("database")
			u.RawQuery = q.Encode()
		}
		u.Path, u.RawPath = "/"+name, ""
		out = u.String()
	} else {
		settings, err := conninfo(rawURL)
		if err != nil || DatabaseName(rawURL) == "" {
			return "", errors.New("DATABASE_URL names no database, or cannot be read as key=value settings")
		}
		var b strings.Builder
		for _, s := range settings {
			if s.key != "dbname" && s.key != "database" {
				b.WriteString(s.key + "=" + quoteSetting(s.value) + " ")
			}
		}
		out = b.String() + "dbname=" + quoteSetting(name)
	}
	if cfg, err := pq.NewConfig(out); err != nil || cfg.Database != name {
		if err := settingRefused(rawURL); err != nil {
			return "", err
		}
		return "", errors.New("DATABASE_URL cannot be made to name another database as the driver reads it: use a postgres:// URL")
	}
	return out, nil
}

// setting is one key=value of libpq's connection settings.
type setting struct{ key, value string }

// conninfo reads libpq key=value settings as libpq (and lib/pq) does: white
// space around "=", a value in single quotes with backslash escapes, or a
// bare one up to white space, a backslash escaping the next character.
func conninfo(s string) ([]setting, error) {
	var out []setting
	r := []rune(s)
	i := 0
	skip := func() {
		for i < len(r) && unicode.IsSpace(r[i]) {
			i++
		}
	}
	for {
		skip()
		if i >= len(r) {
			return out, nil
		}
		start := i
		for i < len(r) && r[i] != '=' && !unicode.IsSpace(r[i]) {
			i++
		}
		key := string(r[start:i])
		skip()
		if key == "" || i >= len(r) || r[i] != '=' {
			return nil, errors.New("not key=value settings")
		}
		i++
		skip()
		var v strings.Builder
		if i < len(r) && r[i] == '\'' {
			i++
			for ; i < len(r) && r[i] != '\''; i++ {
				if r[i] == '\\' && i+1 < len(r) {
					i++
				}
				v.WriteRune(r[i])
			}
			if i >= len(r) {
				return nil, errors.New("unterminated quoted value")
			}
			i++
		} else {
			for ; i < len(r) && !unicode.IsSpace(r[i]); i++ {
				if r[i] == '\\' && i+1 < len(r) {
					i++
				}
				v.WriteRune(r[i])
			}
		}
		out = append(out, setting{key, v.String()})
	}
}

// quoteSetting quotes a value for key=value settings.
func quoteSetting(v string) string {
	return "'" + strings.NewReplacer(`\`, `\\`, `'`, `\'`).Replace(v) + "'"
}

// settingRefused is the driver's own word on a setting of rawURL it
// refuses (an sslmode it does not know, a connect_timeout not a number),
// which names the setting and the value: told "use a postgres:// URL"
// about a postgres:// URL whose sslmode was wrong, an engineer rewrote
// a good URL (an on-call black-box pass). Any other refusal is nil: its
// text may quote the URL, password and all.
func settingRefused(rawURL string) error {
	_, err := pq.NewConfig(rawURL)
	if err == nil {
		return nil
	}
	msg := err.Error()
	if !strings.HasPrefix(msg, `pq: wrong value for "`) || strings.HasPrefix(msg, `pq: wrong value for "password"`) {
		return nil
	}
	return errors.New("DATABASE_URL: " + strings.TrimPrefix(msg, "pq: "))
}
