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

/// Something the service holds for a project, as metering samples it.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct Held {
    /// `volume`, `snapshot` or `image`.
    pub kind: String,
    pub id: String,
    pub project_id: String,
    /// GiB of a volume or snapshot, bytes of an image.
    pub value: i64,
}

/// Every volume and snapshot from the time it became available until it is
/// gone, and every image with data.
pub async fn held(db: impl PgExecutor<'_>) -> sqlx::Result<Vec<Held>> {
    sqlx::query_as(
        "SELECT 'volume' AS kind, id, project_id, size::bigint AS value FROM volumes
         WHERE status NOT IN ('creating', 'error')
         UNION ALL
         SELECT 'snapshot', id, project_id, size::bigint FROM snapshots
         WHERE status NOT IN ('creating', 'error')
         UNION ALL
         SELECT 'image', id, owner, size FROM images
         WHERE status IN ('active', 'deactivated') AND size IS NOT NULL",
    )
    .fetch_all(db)
    .await
}
