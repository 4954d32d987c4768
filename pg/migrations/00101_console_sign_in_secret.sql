-- The console's sign-in form carried a double-submit token the browser
-- alone vouched for: any value sent as both the cookie and the field was
-- taken, so a host able to set a cookie for the console's (a sibling
-- subdomain, plain HTTP before RSS_SECURE_COOKIES) could sign a victim's
-- browser in with its own key (a console black-box pass). The token is now
-- signed with this secret, which every rss process reads, so a form served
-- by one is signed in by another (a genuine token planted by such a host is
-- refused by the origin the browser names, console.sameOrigin). It is made
-- by the first process that needs it (access.Sessions), from crypto/rand,
-- not here.

-- +goose Up
CREATE TABLE console_secret (
    id    smallint PRIMARY KEY DEFAULT 1 CONSTRAINT console_secret_one CHECK (id = 1),
    value bytea NOT NULL CONSTRAINT console_secret_length CHECK (length(value) >= 32)
);

-- +goose Down
DROP TABLE console_secret;
