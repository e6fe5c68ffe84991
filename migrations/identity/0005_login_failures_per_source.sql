-- Failed logins are counted per user *and source address*: a stranger's
-- guesses lock the account out from the stranger's address only.
DROP TABLE login_failures;
CREATE TABLE login_failures (
    user_id         text        NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    source          text        NOT NULL,
    failures        integer     NOT NULL,
    last_failure_at timestamptz NOT NULL,
    PRIMARY KEY (user_id, source)
);
CREATE INDEX login_failures_last ON login_failures (last_failure_at);
