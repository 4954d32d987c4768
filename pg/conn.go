package pg

import (
	"context"
	"database/sql/driver"
	"net"
	"sync"
	"sync/atomic"
	"time"

	"github.com/lib/pq"
)

// A database that keeps its connections and never answers (its processes
// stopped, a hung volume) held every request that reached it: lib/pq asks
// the server to cancel when a context ends, then goes on reading a socket
// nothing will ever answer on, past the context, and TCP keepalive finds a
// dead peer, not a stopped one (a black-box pass: a POST committed 147 s
// later, its client long gone). So each connection's socket is cut (its
// deadline set in the past) when the context of the call under way ends,
// as pgx does: the blocked read returns, the call returns the context's
// error and the connection is discarded. A context's watch lasts until
// database/sql takes the connection back (IsValid), so it covers the rows
// a query returns and a transaction begun with it.

// connector opens lib/pq connections whose socket is cut when the context
// of the call under way ends, the connect itself included.
type connector struct{ base *pq.Connector }

func newConnector(dsn string) (*connector, error) {
	base, err := pq.NewConnector(dsn)
	if err != nil {
		return nil, err
	}
	return &connector{base: base}, nil
}

func (c *connector) Driver() driver.Driver { return c.base.Driver() }

func (c *connector) Connect(ctx context.Context) (driver.Conn, error) {
	// database/sql opens connections for waiting callers on a context of
	// its own that never ends: against a database that accepts and never
	// answers they held the pool full after the callers had gone (an
	// on-call re-check). A connect has connectTimeout at most.
	ctx, cancel := context.WithTimeout(ctx, connectTimeout)
	defer cancel()
	// A connector per connect, so its dialer knows which socket the new
	// connection reads (lib/pq dials again on a refused TLS and on the
	// next host of a list; the last socket dialed is the connection's).
	d := &dialer{ctx: ctx}
	one := *c.base
	one.Dialer(d)
	dc, err := one.Connect(ctx)
	nc, cut := d.done()
	if err != nil {
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		return nil, err
	}
	if cut || nc == nil {
		// The context ended as the connect finished: its socket may be cut.
		_ = dc.Close()
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		return nil, driver.ErrBadConn
	}
	return &conn{pq: dc.(pqConn), nc: nc}, nil
}

// connectTimeout bounds opening a connection, its startup included.
const connectTimeout = 10 * time.Second

// dialer dials as lib/pq's own does and remembers the socket, which is cut
// if the connect's context ends before the connect is done.
type dialer struct {
	ctx context.Context
	net net.Dialer

	mu    sync.Mutex
	over  bool // the connect is done: later dials are lib/pq's cancel requests
	last  net.Conn
	stops []func() bool
	cut   atomic.Bool
}

func (d *dialer) Dial(network, address string) (net.Conn, error) {
	return d.DialContext(context.Background(), network, address)
}

func (d *dialer) DialTimeout(network, address string, timeout time.Duration) (net.Conn, error) {
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	return d.DialContext(ctx, network, address)
}

func (d *dialer) DialContext(ctx context.Context, network, address string) (net.Conn, error) {
	nc, err := d.net.DialContext(ctx, network, address)
	if err != nil {
		return nil, err
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	if !d.over {
		d.last = nc
		d.stops = append(d.stops, context.AfterFunc(d.ctx, func() {
			d.cut.Store(true)
			_ = nc.SetDeadline(longAgo)
		}))
	}
	return nc, nil
}

// done ends the connect's watch and returns its socket, and whether the
// context cut it.
func (d *dialer) done() (net.Conn, bool) {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.over = true
	for _, stop := range d.stops {
		stop()
	}
	return d.last, d.cut.Load()
}

// longAgo is a deadline already passed: setting it ends a blocked read.
var longAgo = time.Unix(1, 0)

// pqConn is what database/sql uses of a lib/pq connection.
type pqConn interface {
	driver.Conn
	driver.ConnPrepareContext
	driver.ConnBeginTx
	driver.QueryerContext
	driver.ExecerContext
	driver.Pinger
	driver.SessionResetter
	driver.Validator
	driver.NamedValueChecker
}

// conn is a lib/pq connection whose socket is cut when the context of a
// call on it ends, until database/sql takes it back.
type conn struct {
	pq pqConn
	nc net.Conn

	mu      sync.Mutex
	watched []<-chan struct{} // the Done channels watched, to watch each once
	stops   []func() bool
	cut     atomic.Bool
}

// watch cuts the socket when ctx ends, until release.
func (c *conn) watch(ctx context.Context) {
	done := ctx.Done()
	if done == nil {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, w := range c.watched {
		if w == done {
			return // a transaction's statements share its context
		}
	}
	c.watched = append(c.watched, done)
	c.stops = append(c.stops, context.AfterFunc(ctx, func() {
		c.cut.Store(true)
		_ = c.nc.SetDeadline(longAgo)
	}))
}

// release ends every watch: the connection is back in the pool.
func (c *conn) release() {
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, stop := range c.stops {
		stop()
	}
	c.watched, c.stops = c.watched[:0], c.stops[:0]
}

// ended answers a call that failed after its context ended with the
// context's error: the driver's is a read past a deadline.
func ended(ctx context.Context, err error) error {
	if err != nil && ctx.Err() != nil {
		return ctx.Err()
	}
	return err
}

func (c *conn) Prepare(query string) (driver.Stmt, error) {
	return c.PrepareContext(context.Background(), query)
}

func (c *conn) PrepareContext(ctx context.Context, query string) (driver.Stmt, error) {
	c.watch(ctx)
	st, err := c.pq.PrepareContext(ctx, query)
	if err != nil {
		return nil, ended(ctx, err)
	}
	ex, okExec := st.(driver.StmtExecContext)
	qu, okQuery := st.(driver.StmtQueryContext)
	if !okExec || !okQuery {
		// lib/pq's COPY FROM STDIN, which runs in a transaction and so
		// under its watch.
		return st, nil
	}
	return &stmt{Stmt: st, exec: ex, query: qu, c: c}, nil
}

func (c *conn) Begin() (driver.Tx, error) {
	return c.BeginTx(context.Background(), driver.TxOptions{})
}

func (c *conn) BeginTx(ctx context.Context, opts driver.TxOptions) (driver.Tx, error) {
	c.watch(ctx)
	tx, err := c.pq.BeginTx(ctx, opts)
	return tx, ended(ctx, err)
}

func (c *conn) QueryContext(ctx context.Context, query string, args []driver.NamedValue) (driver.Rows, error) {
	c.watch(ctx)
	rows, err := c.pq.QueryContext(ctx, query, args)
	return rows, ended(ctx, err)
}

func (c *conn) ExecContext(ctx context.Context, query string, args []driver.NamedValue) (driver.Result, error) {
	c.watch(ctx)
	res, err := c.pq.ExecContext(ctx, query, args)
	return res, ended(ctx, err)
}

func (c *conn) Ping(ctx context.Context) error {
	c.watch(ctx)
	return ended(ctx, c.pq.Ping(ctx))
}

func (c *conn) CheckNamedValue(nv *driver.NamedValue) error { return c.pq.CheckNamedValue(nv) }

func (c *conn) ResetSession(ctx context.Context) error {
	if c.cut.Load() {
		return driver.ErrBadConn
	}
	return c.pq.ResetSession(ctx)
}

// IsValid is asked as database/sql takes the connection back: the watches
// end there, and a cut socket is never used again.
func (c *conn) IsValid() bool {
	c.release()
	return !c.cut.Load() && c.pq.IsValid()
}

func (c *conn) Close() error {
	c.release()
	return c.pq.Close()
}

// stmt is a prepared statement whose executions watch their context as
// its connection's calls do (a statement prepared on the pool runs outside
// any transaction's watch).
type stmt struct {
	driver.Stmt
	exec  driver.StmtExecContext
	query driver.StmtQueryContext
	c     *conn
}

func (s *stmt) ExecContext(ctx context.Context, args []driver.NamedValue) (driver.Result, error) {
	s.c.watch(ctx)
	res, err := s.exec.ExecContext(ctx, args)
	return res, ended(ctx, err)
}

func (s *stmt) QueryContext(ctx context.Context, args []driver.NamedValue) (driver.Rows, error) {
	s.c.watch(ctx)
	rows, err := s.query.QueryContext(ctx, args)
	return rows, ended(ctx, err)
}
