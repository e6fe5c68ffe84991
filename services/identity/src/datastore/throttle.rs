//! Login throttling.

use sqlx::PgExecutor;

/// Counts one more login attempt of `user_id` from `source` before its
/// password is checked, atomically (a burst of parallel guesses cannot slip
/// past the limit); a count older than `window_s` starts again. The count,
/// this attempt included.
pub async fn login_attempt(
    db: impl PgExecutor<'_>,
    user_id: &str,
    source: &str,
    window_s: u32,
) -> sqlx::Result<i32> {
    sqlx::query_scalar(
        "INSERT INTO login_failures (user_id, source, failures, last_failure_at)
         VALUES ($1, $2, 1, now())
         ON CONFLICT (user_id, source) DO UPDATE
           SET failures = CASE
                 WHEN login_failures.last_failure_at < now() - make_interval(secs => $3)
                 THEN 1 ELSE login_failures.failures + 1 END,
               last_failure_at = now()
         RETURNING failures",
    )
    .bind(user_id)
    .bind(source)
    .bind(f64::from(window_s))
    .fetch_one(db)
    .await
}

/// A good password: the count of that user from that source starts again.
pub async fn login_failure_clear(
    db: impl PgExecutor<'_>,
    user_id: &str,
    source: &str,
) -> sqlx::Result<()> {
    sqlx::query("DELETE FROM login_failures WHERE user_id = $1 AND source = $2")
        .bind(user_id)
        .bind(source)
        .execute(db)
        .await
        .map(|_| ())
}

/// Forgets counts older than `window_s` (the lockout is over for them).
pub async fn login_failures_prune(db: impl PgExecutor<'_>, window_s: u32) -> sqlx::Result<u64> {
    sqlx::query(
        "DELETE FROM login_failures WHERE last_failure_at < now() - make_interval(secs => $1)",
    )
    .bind(f64::from(window_s))
    .execute(db)
    .await
    .map(|r| r.rows_affected())
}
