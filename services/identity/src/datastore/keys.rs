//! Signing keys.

use super::*;
use chrono::{DateTime, Utc};
use sqlx::PgExecutor;

/// Keys that are not retired, newest first: the first signs, all verify.
pub async fn signing_key_list_active(db: impl PgExecutor<'_>) -> sqlx::Result<Vec<SigningKeyRow>> {
    sqlx::query_as(
        "SELECT kid, private_der, public_key, created_at FROM signing_keys
         WHERE retired_at IS NULL ORDER BY created_at DESC, kid",
    )
    .fetch_all(db)
    .await
}

pub async fn signing_key_insert(
    db: impl PgExecutor<'_>,
    kid: &str,
    private_der: &[u8],
    public_key: &[u8],
) -> sqlx::Result<()> {
    sqlx::query("INSERT INTO signing_keys (kid, private_der, public_key) VALUES ($1, $2, $3)")
        .bind(kid)
        .bind(private_der)
        .bind(public_key)
        .execute(db)
        .await
        .map(|_| ())
}

/// Retires keys older than `before` except the newest, once no token they
/// signed can still be alive.
pub async fn signing_key_retire_older(
    db: impl PgExecutor<'_>,
    before: DateTime<Utc>,
) -> sqlx::Result<u64> {
    sqlx::query(
        "UPDATE signing_keys SET retired_at = now()
         WHERE retired_at IS NULL AND created_at < $1
           AND kid <> (SELECT kid FROM signing_keys WHERE retired_at IS NULL ORDER BY created_at DESC, kid LIMIT 1)",
    )
    .bind(before)
    .execute(db)
    .await
    .map(|r| r.rows_affected())
}
