//! The storage service's queries, one function per query. Every error is a
//! `sqlx::Error`; the app layer maps it.

pub mod images;
pub mod volumes;

use sqlx::PgExecutor;

/// Records a storage host's capacity report.
pub async fn host_report(
    db: impl PgExecutor<'_>,
    host: &str,
    total_bytes: i64,
    free_bytes: i64,
) -> sqlx::Result<()> {
    sqlx::query(
        "INSERT INTO storage_hosts (host, total_bytes, free_bytes, updated_at) VALUES ($1, $2, $3, now())
         ON CONFLICT (host) DO UPDATE SET total_bytes = $2, free_bytes = $3, updated_at = now()",
    )
    .bind(host)
    .bind(total_bytes)
    .bind(free_bytes)
    .execute(db)
    .await
    .map(|_| ())
}

/// The host with the most free space among those heard from in the last
/// `fresh_s` seconds that have at least `need` bytes free.
pub async fn host_pick(
    db: impl PgExecutor<'_>,
    need: i64,
    fresh_s: i64,
) -> sqlx::Result<Option<String>> {
    sqlx::query_scalar(
        "SELECT host FROM storage_hosts
         WHERE free_bytes >= $1 AND updated_at > now() - make_interval(secs => $2)
         ORDER BY free_bytes DESC, host LIMIT 1",
    )
    .bind(need)
    .bind(fresh_s as f64)
    .fetch_optional(db)
    .await
}

/// Every storage host that ever reported.
pub async fn host_list(db: impl PgExecutor<'_>) -> sqlx::Result<Vec<String>> {
    sqlx::query_scalar("SELECT host FROM storage_hosts ORDER BY host")
        .fetch_all(db)
        .await
}
