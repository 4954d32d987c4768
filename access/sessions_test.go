package access_test

import (
	"crypto/sha256"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"rss/access"
	"rss/pg/pgtest"
)

// A session is found by its token only, runs as its key, lapses idle or
// old by the store's clock, and dies with its key.
func TestSessionsLifecycle(t *testing.T) {
	t.Parallel()
	db := pgtest.NewDB(t)
	var providerID int64
	require.NoError(t, db.Get(&providerID, `SELECT id FROM providers ORDER BY id LIMIT 1`))
	k, err := access.CreateKey(t.Context(), db, access.RoleProvider, providerID, "desk")
	require.NoError(t, err)
	c := &clock{t: time.Date(2026, 6, 15, 10, 0, 0, 0, time.UTC)}
	s := access.NewSessions(db, c.now)
	assert.Equal(t, 30*time.Minute, s.Idle)
	assert.Equal(t, 12*time.Hour, s.Absolute)

	_, err = s.Create(t.Context())
	require.Error(t, err, "a session is opened for an authenticated actor only")

	ctx := access.WithActor(t.Context(), access.Actor{KeyID: k.ID, Role: access.RoleProvider, ProviderID: providerID, Purpose: "treatment"})
	n, err := s.Create(ctx)
	require.NoError(t, err)
	assert.Len(t, n.Token, 43, "32 random bytes, base64url")
	assert.Len(t, n.CSRF, 43)
	assert.NotEqual(t, n.Token, n.CSRF)
	assert.Equal(t, c.now().Add(12*time.Hour), n.ExpiresAt)
	var hash []byte
	require.NoError(t, db.Get(&hash, `SELECT token_hash FROM console_sessions WHERE id = $1`, n.ID))
	want := sha256.Sum256([]byte(n.Token))
	assert.Equal(t, want[:], hash, "only the token's SHA-256 is stored")

	got, err := s.Touch(t.Context(), n.Token)
	require.NoError(t, err)
	assert.Equal(t, access.Actor{KeyID: k.ID, Role: access.RoleProvider, ProviderID: providerID}, got.Actor)
	assert.Equal(t, n.CSRF, got.CSRF)
	for _, bad := range []string{"", n.Token + "x", n.CSRF, string(make([]byte, 200))} {
		_, err := s.Touch(t.Context(), bad)
		assert.ErrorIs(t, err, access.ErrNoSession)
	}

	// Idle: 29 minutes 59 seconds is alive and restarts the count; 30
	// minutes without a touch ends it, and the row goes.
	c.add(30*time.Minute - time.Second)
	_, err = s.Touch(t.Context(), n.Token)
	require.NoError(t, err)
	c.add(30 * time.Minute)
	_, err = s.Touch(t.Context(), n.Token)
	require.ErrorIs(t, err, access.ErrNoSession)
	var rows int
	require.NoError(t, db.Get(&rows, `SELECT count(*) FROM console_sessions`))
	assert.Zero(t, rows)

	// Absolute: touched every 20 minutes, it still ends 12 hours on.
	n, err = s.Create(ctx)
	require.NoError(t, err)
	for range 35 {
		c.add(20 * time.Minute)
		_, err = s.Touch(t.Context(), n.Token)
		require.NoError(t, err)
	}
	c.add(20 * time.Minute) // 12 h after sign-in
	_, err = s.Touch(t.Context(), n.Token)
	require.ErrorIs(t, err, access.ErrNoSession)

	// A revoked key ends its sessions; Delete ends one and audits it.
	n, err = s.Create(ctx)
	require.NoError(t, err)
	n2, err := s.Create(ctx)
	require.NoError(t, err)
	require.NoError(t, s.Delete(ctx, n2.ID))
	_, err = s.Touch(t.Context(), n2.Token)
	require.ErrorIs(t, err, access.ErrNoSession)
	require.NoError(t, access.RevokeKey(t.Context(), db, k.ID, c.now()))
	_, err = s.Touch(t.Context(), n.Token)
	require.ErrorIs(t, err, access.ErrNoSession)

	// A sign-in sweeps the sessions that lapsed unvisited.
	c.add(31 * time.Minute)
	k2, err := access.CreateKey(t.Context(), db, access.RoleAdmin, 0, "admin")
	require.NoError(t, err)
	_, err = s.Create(access.WithActor(t.Context(), access.Actor{KeyID: k2.ID, Role: access.RoleAdmin}))
	require.NoError(t, err)
	require.NoError(t, db.Get(&rows, `SELECT count(*) FROM console_sessions`))
	assert.Equal(t, 1, rows, "only the new session is left")

	var events []string
	require.NoError(t, db.Select(&events, `SELECT action FROM audit_events WHERE entity_type = 'console_session' ORDER BY id`))
	assert.Equal(t, []string{"sign_in", "sign_in", "sign_in", "sign_in", "sign_out", "sign_in"}, events)
}

// The sign-in form's token is rss's own: signed with the database's
// secret, so a token another process of the same database made is good
// and a value the browser made up is not (any value sent as both cookie
// and field was taken: a console black-box pass); it is good for ten
// minutes, and tampered with, for nothing.
func TestSignInTokens(t *testing.T) {
	t.Parallel()
	db := pgtest.NewDB(t)
	c := &clock{t: time.Date(2026, 6, 15, 10, 0, 0, 0, time.UTC)}
	one, other := access.NewSessions(db, c.now), access.NewSessions(db, c.now)
	tok, err := one.SignInToken(t.Context())
	require.NoError(t, err)
	valid := func(s *access.Sessions, tok string) bool {
		t.Helper()
		ok, err := s.ValidSignInToken(t.Context(), tok)
		require.NoError(t, err)
		return ok
	}
	assert.True(t, valid(one, tok))
	assert.True(t, valid(other, tok), "made by another process of the database")
	var secrets int
	require.NoError(t, db.Get(&secrets, `SELECT count(*) FROM console_secret`))
	assert.Equal(t, 1, secrets)
	for _, bad := range []string{"", "x", tok + "x", "x" + tok, tok[:len(tok)-1], strings.Replace(tok, ".", "..", 1), string(make([]byte, 300))} {
		assert.False(t, valid(one, bad), "%q", bad)
	}
	// Another database's secret signs nothing here.
	elsewhere, err := access.NewSessions(pgtest.NewDB(t), c.now).SignInToken(t.Context())
	require.NoError(t, err)
	assert.False(t, valid(one, elsewhere))
	c.add(access.SignInTokenTTL)
	assert.True(t, valid(one, tok), "good for its ten minutes")
	c.add(time.Second)
	assert.False(t, valid(one, tok), "and no longer")
}
