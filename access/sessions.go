package access

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"time"

	"github.com/jmoiron/sqlx"

	"rss/pg"
)

// Console sessions: a browser signs in with an API key once and keeps a
// random token, stored here only as its SHA-256. The session runs as its
// key, so a revoked key ends every session signed in with it.

// Session is a signed-in console session as its pages need it.
type Session struct {
	ID        int64
	Actor     Actor
	CSRF      string
	CreatedAt time.Time
	ExpiresAt time.Time
}

// NewSession is a session just created: Token goes into the cookie and is
// never stored.
type NewSession struct {
	Session
	Token string
}

// ErrNoSession is a missing, unknown, expired or revoked session.
var ErrNoSession = errors.New("no session")

// ErrSessionKeyRevoked is an ErrNoSession whose key was revoked: the
// console says so to a form posted with it, a revocation of that very key
// sent twice among them (the second post read "nothing was recorded"
// where the first had revoked it: a console black-box pass).
var ErrSessionKeyRevoked = fmt.Errorf("%w: its key was revoked", ErrNoSession)

// Sessions creates, finds and ends console sessions.
type Sessions struct {
	db *sqlx.DB
	// now is the clock the timeouts are measured by (tests move it).
	now func() time.Time
	// Idle ends a session not used for this long; Absolute ends any
	// session this long after sign-in, however busy.
	Idle, Absolute time.Duration
	// secret signs the sign-in form's tokens (SignInToken).
	secret signInSecret
}

// Session timeouts when none are configured: a working morning without a
// break signs in twice at most; a laptop left open locks within half an hour.
const (
	DefaultIdle     = 30 * time.Minute
	DefaultAbsolute = 12 * time.Hour
)

// NewSessions returns the session store over db with the default timeouts.
func NewSessions(db *sqlx.DB, now func() time.Time) *Sessions {
	return &Sessions{db: db, now: now, Idle: DefaultIdle, Absolute: DefaultAbsolute}
}

func randomToken() (string, error) {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		return "", err
	}
	return base64.RawURLEncoding.EncodeToString(b), nil
}

func tokenHash(token string) []byte {
	h := sha256.Sum256([]byte(token))
	return h[:]
}

// Create opens a session for the actor in ctx (authenticated by its key)
// and audits the sign-in in the same transaction.
func (s *Sessions) Create(ctx context.Context) (NewSession, error) {
	a, err := ActorFrom(ctx)
	if err != nil {
		return NewSession{}, err
	}
	token, err := randomToken()
	if err != nil {
		return NewSession{}, err
	}
	csrf, err := randomToken()
	if err != nil {
		return NewSession{}, err
	}
	now := s.now()
	out := NewSession{Token: token, Session: Session{Actor: a, CSRF: csrf, CreatedAt: now, ExpiresAt: now.Add(s.Absolute)}}
	err = pg.Transact(ctx, s.db, func(ctx context.Context, tx *sqlx.Tx) error {
		// Sessions abandoned without a sign-out lapse but keep their rows
		// until touched; each sign-in sweeps them, so the table holds about
		// the live sessions only.
		if _, err := tx.ExecContext(ctx, `DELETE FROM console_sessions
			WHERE expires_at <= $1 OR last_seen_at <= $1::timestamptz - $2 * interval '1 second'`, now, s.Idle.Seconds()); err != nil {
			return fmt.Errorf("sweep sessions: %w", err)
		}
		if err := tx.GetContext(ctx, &out.ID, `INSERT INTO console_sessions (token_hash, key_id, csrf_token, created_at, last_seen_at, expires_at)
			VALUES ($1, $2, $3, $4, $4, $5) RETURNING id`, tokenHash(token), a.KeyID, csrf, now, out.ExpiresAt); err != nil {
			return fmt.Errorf("create session: %w", err)
		}
		return Record(ctx, tx, Event{Action: "sign_in", EntityType: "console_session", EntityID: ID(out.ID)})
	})
	return out, err
}

// Touch finds the session of token and marks it used now: a session idle
// past Idle, older than its absolute expiry or whose key was revoked is
// ErrNoSession (and an expired row is deleted on the way).
func (s *Sessions) Touch(ctx context.Context, token string) (Session, error) {
	if token == "" || len(token) > 128 {
		return Session{}, ErrNoSession
	}
	now := s.now()
	var row struct {
		ID         int64     `db:"id"`
		KeyID      int64     `db:"key_id"`
		Role       string    `db:"role"`
		ProviderID *int64    `db:"provider_id"`
		CSRF       string    `db:"csrf_token"`
		CreatedAt  time.Time `db:"created_at"`
		ExpiresAt  time.Time `db:"expires_at"`
	}
	// One statement: the timeouts are checked and the session touched
	// together, so a session cannot be revived after it lapsed.
	err := s.db.GetContext(ctx, &row, `UPDATE console_sessions s SET last_seen_at = $2
		FROM api_keys k
		WHERE s.token_hash = $1 AND k.id = s.key_id AND k.revoked_at IS NULL
		  AND s.last_seen_at > $2::timestamptz - $3 * interval '1 second' AND s.expires_at > $2
		RETURNING s.id, s.key_id, k.role, k.provider_id, s.csrf_token, s.created_at, s.expires_at`,
		tokenHash(token), now, s.Idle.Seconds())
	if errors.Is(err, pg.ErrNoRows) {
		// A lapsed session is gone for good: delete it so the table keeps
		// only live ones (and its token can never be touched back to life).
		var revoked []bool
		if derr := s.db.SelectContext(ctx, &revoked, `DELETE FROM console_sessions s WHERE token_hash = $1
			RETURNING EXISTS (SELECT 1 FROM api_keys k WHERE k.id = s.key_id AND k.revoked_at IS NOT NULL)`, tokenHash(token)); derr != nil {
			return Session{}, fmt.Errorf("drop lapsed session: %w", derr)
		}
		if len(revoked) == 1 && revoked[0] {
			return Session{}, ErrSessionKeyRevoked
		}
		return Session{}, ErrNoSession
	}
	if err != nil {
		return Session{}, fmt.Errorf("find session: %w", err)
	}
	out := Session{ID: row.ID, Actor: Actor{KeyID: row.KeyID, Role: Role(row.Role)}, CSRF: row.CSRF,
		CreatedAt: row.CreatedAt, ExpiresAt: row.ExpiresAt}
	if row.ProviderID != nil {
		out.Actor.ProviderID = *row.ProviderID
	}
	return out, nil
}

// Delete ends the session of the actor in ctx (sign-out) and audits it.
func (s *Sessions) Delete(ctx context.Context, id int64) error {
	return pg.Transact(ctx, s.db, func(ctx context.Context, tx *sqlx.Tx) error {
		if _, err := tx.ExecContext(ctx, `DELETE FROM console_sessions WHERE id = $1`, id); err != nil {
			return fmt.Errorf("delete session: %w", err)
		}
		return Record(ctx, tx, Event{Action: "sign_out", EntityType: "console_session", EntityID: ID(id)})
	})
}
