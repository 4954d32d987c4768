// Package console is the web console rss serves at /console: server-rendered
// pages (html/template, assets embedded) for reviewers, finance, providers
// and admins. It is presentation, like api: it speaks HTTP, holds no SQL and
// starts no transaction, and calls the same domain services with the same
// access.Actor, so rules, audit and agency scoping are the API's. A browser
// signs in with an API key once and keeps a server-side session (package
// access owns the sessions); every form carries the session's CSRF token.
package console
