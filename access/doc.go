// Package access owns who may do what and the record of what they did:
// API keys (hashed at rest), the actor a request runs as, the four roles,
// and the append-only audit log written in the caller's transaction.
package access
