package pgtest

import (
	"net"
	"net/url"
	"sync"
	"testing"

	"github.com/jmoiron/sqlx"
	"github.com/stretchr/testify/require"

	"rss/pg"
)

// Proxy stands between a pool and PostgreSQL, so a test can make the
// database unreachable the way a restart does (Stop: connections reset,
// new ones refused) and bring it back on the same address (Start), or make
// it keep its connections and answer nothing, as a database whose
// processes are stopped (Freeze, until Thaw).
type Proxy struct {
	t      testing.TB
	target string
	addr   string

	mu    sync.Mutex
	ln    net.Listener
	conns map[net.Conn]bool
	// gate holds every byte in flight while it is locked (Freeze).
	gate sync.RWMutex
}

// NewProxy listens on a loopback port and forwards to target (host:port);
// it stops with the test.
func NewProxy(t testing.TB, target string) *Proxy {
	p := &Proxy{t: t, target: target, conns: map[net.Conn]bool{}}
	p.Start("127.0.0.1:0")
	t.Cleanup(p.Stop)
	return p
}

// Addr is the proxy's host:port.
func (p *Proxy) Addr() string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.addr
}

// Start listens on addr (Addr() after a Stop, to come back on it).
func (p *Proxy) Start(addr string) {
	p.t.Helper()
	ln, err := net.Listen("tcp", addr)
	require.NoError(p.t, err)
	p.mu.Lock()
	p.ln, p.addr = ln, ln.Addr().String()
	p.mu.Unlock()
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go p.serve(c)
		}
	}()
}

func (p *Proxy) serve(c net.Conn) {
	up, err := net.Dial("tcp", p.target)
	if err != nil {
		c.Close()
		return
	}
	p.mu.Lock()
	p.conns[c], p.conns[up] = true, true
	p.mu.Unlock()
	done := make(chan struct{}, 2)
	pipe := func(dst, src net.Conn) {
		buf := make([]byte, 32<<10)
		for {
			n, err := src.Read(buf)
			if n > 0 {
				p.gate.RLock()
				_, werr := dst.Write(buf[:n])
				p.gate.RUnlock()
				if werr != nil {
					break
				}
			}
			if err != nil {
				break
			}
		}
		done <- struct{}{}
	}
	go pipe(up, c)
	go pipe(c, up)
	<-done
	c.Close()
	up.Close()
	p.mu.Lock()
	delete(p.conns, c)
	delete(p.conns, up)
	p.mu.Unlock()
}

// Freeze holds every byte in flight, both ways, until Thaw.
func (p *Proxy) Freeze() { p.gate.Lock() }

// Thaw lets the bytes held by Freeze go on.
func (p *Proxy) Thaw() { p.gate.Unlock() }

// Stop refuses new connections and resets the open ones.
func (p *Proxy) Stop() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.ln != nil {
		p.ln.Close()
		p.ln = nil
	}
	for c := range p.conns {
		if tc, ok := c.(*net.TCPConn); ok {
			_ = tc.SetLinger(0) // RST, as a killed server sends
		}
		c.Close()
		delete(p.conns, c)
	}
}

// NewProxiedDB is a fresh test database (db, connected directly) and a
// pool of maxConns connections to it through a Proxy the test controls;
// both close with the test.
func NewProxiedDB(t testing.TB, maxConns int) (db, pool *sqlx.DB, proxy *Proxy) {
	t.Helper()
	db, dbURL := NewDBURL(t)
	u, err := url.Parse(dbURL)
	require.NoError(t, err)
	proxy = NewProxy(t, u.Host)
	u.Host = proxy.Addr()
	pool, err = pg.Open(t.Context(), u.String(), maxConns)
	require.NoError(t, err)
	t.Cleanup(func() { pool.Close() })
	return db, pool, proxy
}
