// Package api serves the domain over HTTP with gin: authentication by API
// key, idempotent POSTs, strict JSON decoding, RFC 9457 problem documents,
// Prometheus metrics and the OpenAPI document. It holds no SQL and no
// business rule; handlers decode, call a domain service, and encode.
package api
