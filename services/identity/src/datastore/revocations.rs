//! Revocations.

use super::*;
use sqlx::PgExecutor;

pub async fn revocation_insert(db: impl PgExecutor<'_>, r: &RevocationRow) -> sqlx::Result<()> {
    sqlx::query(
        "INSERT INTO revocation_events (audit_id, user_id, project_id, domain_id, issued_before, expires_at, application_credential_id, role_id)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
    )
    .bind(&r.audit_id)
    .bind(&r.user_id)
    .bind(&r.project_id)
    .bind(&r.domain_id)
    .bind(r.issued_before)
    .bind(r.expires_at)
    .bind(&r.application_credential_id)
    .bind(&r.role_id)
    .execute(db)
    .await
    .map(|_| ())
}

/// Events that can still match a live token.
pub async fn revocation_list_live(db: impl PgExecutor<'_>) -> sqlx::Result<Vec<RevocationRow>> {
    sqlx::query_as(
        "SELECT audit_id, user_id, project_id, domain_id, application_credential_id, role_id, issued_before, expires_at
         FROM revocation_events WHERE expires_at > now() ORDER BY id",
    )
    .fetch_all(db)
    .await
}
