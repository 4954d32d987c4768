package access

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/jmoiron/sqlx"

	"rss/pg"
)

// SignInTokenTTL is how long a sign-in form's token is good for.
const SignInTokenTTL = 10 * time.Minute

// signInSecret is the console's signing secret (migration 00101), read
// once a process.
type signInSecret struct {
	mu  sync.Mutex
	key []byte
}

// get reads the secret, making it first when no process has: its
// insert's ON CONFLICT lets two processes starting at once agree on one.
func (s *signInSecret) get(ctx context.Context, db *sqlx.DB) ([]byte, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.key != nil {
		return s.key, nil
	}
	// Read first: a process whose role may not insert (or a replica)
	// reads the secret another made.
	var key []byte
	err := sqlx.GetContext(ctx, db, &key, `SELECT value FROM console_secret WHERE id = 1`)
	if errors.Is(err, pg.ErrNoRows) {
		fresh := make([]byte, 32)
		if _, err := rand.Read(fresh); err != nil {
			return nil, err
		}
		err = pg.Transact(ctx, db, func(ctx context.Context, tx *sqlx.Tx) error {
			if _, err := tx.ExecContext(ctx, `INSERT INTO console_secret (value) VALUES ($1) ON CONFLICT (id) DO NOTHING`, fresh); err != nil {
				return err
			}
			return tx.GetContext(ctx, &key, `SELECT value FROM console_secret WHERE id = 1`)
		})
	}
	if err != nil {
		return nil, fmt.Errorf("console secret: %w", err)
	}
	// Kept for the process's life: the secret is never rotated (a new
	// one would refuse the forms of every process still holding the old).
	s.key = key
	return key, nil
}

// SignInToken is a token for the sign-in form's double submit (its cookie
// and its field), signed by rss and good for SignInTokenTTL: a browser
// alone vouched for the token, so any value sent twice was taken (a
// console black-box pass), and a host able to set the console's cookie
// could sign a victim's browser in with its own key.
func (s *Sessions) SignInToken(ctx context.Context) (string, error) {
	key, err := s.secret.get(ctx, s.db)
	if err != nil {
		return "", err
	}
	nonce, err := randomToken()
	if err != nil {
		return "", err
	}
	body := nonce + "." + strconv.FormatInt(s.now().Unix(), 10)
	return body + "." + signInMAC(key, body), nil
}

// ValidSignInToken reports whether token is one SignInToken made (in any
// rss process of this database) no more than SignInTokenTTL ago.
func (s *Sessions) ValidSignInToken(ctx context.Context, token string) (bool, error) {
	return s.signInTokenWithin(ctx, token, SignInTokenTTL)
}

// ReusableSignInToken reports whether token is one SignInToken made no
// more than half SignInTokenTTL ago: a sign-in form loaded again (another
// tab) may carry it, with five minutes or more left, rather than a new one
// that replaces it in the browser's cookie and leaves the forms already
// open refused as expired (a console black-box pass).
func (s *Sessions) ReusableSignInToken(ctx context.Context, token string) (bool, error) {
	return s.signInTokenWithin(ctx, token, SignInTokenTTL/2)
}

func (s *Sessions) signInTokenWithin(ctx context.Context, token string, ttl time.Duration) (bool, error) {
	i := strings.LastIndexByte(token, '.')
	if i < 0 || len(token) > 200 {
		return false, nil
	}
	body, mac := token[:i], token[i+1:]
	_, issued, ok := strings.Cut(body, ".")
	if !ok {
		return false, nil
	}
	at, err := strconv.ParseInt(issued, 10, 64)
	if err != nil {
		return false, nil
	}
	if age := s.now().Sub(time.Unix(at, 0)); age < -time.Minute || age > ttl {
		return false, nil
	}
	key, err := s.secret.get(ctx, s.db)
	if err != nil {
		return false, err
	}
	return hmac.Equal([]byte(mac), []byte(signInMAC(key, body))), nil
}

func signInMAC(key []byte, body string) string {
	m := hmac.New(sha256.New, key)
	m.Write([]byte("console sign-in\x00" + body))
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil))
}
