//! The catalog: regions, services and their endpoints.

use super::new_id;
use sqlx::{FromRow, PgExecutor};

/// One endpoint with its service, as tokens carry the catalog.
#[derive(Clone, Debug, FromRow)]
pub struct CatalogRow {
    pub service_id: String,
    pub service_type: String,
    pub service_name: String,
    pub endpoint_id: String,
    pub interface: String,
    pub url: String,
    pub region_id: Option<String>,
}

#[derive(Clone, Debug, FromRow)]
pub struct Region {
    pub id: String,
    pub description: String,
    pub parent_region_id: Option<String>,
}

#[derive(Clone, Debug, FromRow)]
pub struct Service {
    pub id: String,
    #[sqlx(rename = "type")]
    pub service_type: String,
    pub name: String,
    pub description: String,
    pub enabled: bool,
}

#[derive(Clone, Debug, FromRow)]
pub struct Endpoint {
    pub id: String,
    pub service_id: String,
    pub interface: String,
    pub url: String,
    pub region_id: Option<String>,
    pub enabled: bool,
}

pub async fn catalog_list(db: impl PgExecutor<'_>) -> sqlx::Result<Vec<CatalogRow>> {
    sqlx::query_as(
        "SELECT s.id AS service_id, s.type AS service_type, s.name AS service_name,
                e.id AS endpoint_id, e.interface, e.url, e.region_id
         FROM services s JOIN endpoints e ON e.service_id = s.id
         WHERE s.enabled AND e.enabled ORDER BY s.type, e.interface",
    )
    .fetch_all(db)
    .await
}

pub async fn region_ensure(db: impl PgExecutor<'_>, id: &str) -> sqlx::Result<()> {
    sqlx::query("INSERT INTO regions (id) VALUES ($1) ON CONFLICT (id) DO NOTHING")
        .bind(id)
        .execute(db)
        .await
        .map(|_| ())
}

/// The service of this type, created (or renamed) as needed; returns its id.
pub async fn service_ensure(
    conn: &mut sqlx::PgConnection,
    service_type: &str,
    name: &str,
) -> sqlx::Result<String> {
    let existing: Option<String> =
        sqlx::query_scalar("SELECT id FROM services WHERE type = $1 ORDER BY id LIMIT 1")
            .bind(service_type)
            .fetch_optional(&mut *conn)
            .await?;
    if let Some(id) = existing {
        sqlx::query("UPDATE services SET name = $2 WHERE id = $1")
            .bind(&id)
            .bind(name)
            .execute(&mut *conn)
            .await?;
        return Ok(id);
    }
    let id = new_id();
    sqlx::query("INSERT INTO services (id, type, name) VALUES ($1, $2, $3)")
        .bind(&id)
        .bind(service_type)
        .bind(name)
        .execute(&mut *conn)
        .await?;
    Ok(id)
}

/// Points the service's endpoint of this interface and region at `url`.
pub async fn endpoint_ensure(
    conn: &mut sqlx::PgConnection,
    service_id: &str,
    interface: &str,
    region_id: &str,
    url: &str,
) -> sqlx::Result<()> {
    let updated = sqlx::query(
        "UPDATE endpoints SET url = $4, enabled = true
         WHERE service_id = $1 AND interface = $2 AND region_id = $3",
    )
    .bind(service_id)
    .bind(interface)
    .bind(region_id)
    .bind(url)
    .execute(&mut *conn)
    .await?;
    if updated.rows_affected() == 0 {
        sqlx::query("INSERT INTO endpoints (id, service_id, interface, region_id, url) VALUES ($1, $2, $3, $4, $5)")
            .bind(new_id())
            .bind(service_id)
            .bind(interface)
            .bind(region_id)
            .bind(url)
            .execute(&mut *conn)
            .await?;
    }
    Ok(())
}

// ---- regions ----

pub async fn region_list(
    db: impl PgExecutor<'_>,
    parent_region_id: Option<&str>,
) -> sqlx::Result<Vec<Region>> {
    sqlx::query_as(
        "SELECT id, description, parent_region_id FROM regions
         WHERE ($1::text IS NULL OR parent_region_id = $1) ORDER BY id",
    )
    .bind(parent_region_id)
    .fetch_all(db)
    .await
}

pub async fn region_get(db: impl PgExecutor<'_>, id: &str) -> sqlx::Result<Option<Region>> {
    sqlx::query_as("SELECT id, description, parent_region_id FROM regions WHERE id = $1")
        .bind(id)
        .fetch_optional(db)
        .await
}

pub async fn region_insert(db: impl PgExecutor<'_>, r: &Region) -> sqlx::Result<()> {
    sqlx::query("INSERT INTO regions (id, description, parent_region_id) VALUES ($1, $2, $3)")
        .bind(&r.id)
        .bind(&r.description)
        .bind(&r.parent_region_id)
        .execute(db)
        .await
        .map(|_| ())
}

pub async fn region_update(db: impl PgExecutor<'_>, r: &Region) -> sqlx::Result<()> {
    sqlx::query("UPDATE regions SET description = $2, parent_region_id = $3 WHERE id = $1")
        .bind(&r.id)
        .bind(&r.description)
        .bind(&r.parent_region_id)
        .execute(db)
        .await
        .map(|_| ())
}

pub async fn region_delete(db: impl PgExecutor<'_>, id: &str) -> sqlx::Result<u64> {
    sqlx::query("DELETE FROM regions WHERE id = $1")
        .bind(id)
        .execute(db)
        .await
        .map(|r| r.rows_affected())
}

// ---- services ----

pub async fn service_list(
    db: impl PgExecutor<'_>,
    service_type: Option<&str>,
    name: Option<&str>,
) -> sqlx::Result<Vec<Service>> {
    sqlx::query_as(
        "SELECT id, type, name, description, enabled FROM services
         WHERE ($1::text IS NULL OR type = $1) AND ($2::text IS NULL OR name = $2)
         ORDER BY type, id",
    )
    .bind(service_type)
    .bind(name)
    .fetch_all(db)
    .await
}

pub async fn service_get(db: impl PgExecutor<'_>, id: &str) -> sqlx::Result<Option<Service>> {
    sqlx::query_as("SELECT id, type, name, description, enabled FROM services WHERE id = $1")
        .bind(id)
        .fetch_optional(db)
        .await
}

pub async fn service_insert(db: impl PgExecutor<'_>, s: &Service) -> sqlx::Result<()> {
    sqlx::query(
        "INSERT INTO services (id, type, name, description, enabled) VALUES ($1, $2, $3, $4, $5)",
    )
    .bind(&s.id)
    .bind(&s.service_type)
    .bind(&s.name)
    .bind(&s.description)
    .bind(s.enabled)
    .execute(db)
    .await
    .map(|_| ())
}

pub async fn service_update(db: impl PgExecutor<'_>, s: &Service) -> sqlx::Result<()> {
    sqlx::query(
        "UPDATE services SET type = $2, name = $3, description = $4, enabled = $5 WHERE id = $1",
    )
    .bind(&s.id)
    .bind(&s.service_type)
    .bind(&s.name)
    .bind(&s.description)
    .bind(s.enabled)
    .execute(db)
    .await
    .map(|_| ())
}

/// Deletes a service and (by cascade) its endpoints.
pub async fn service_delete(db: impl PgExecutor<'_>, id: &str) -> sqlx::Result<u64> {
    sqlx::query("DELETE FROM services WHERE id = $1")
        .bind(id)
        .execute(db)
        .await
        .map(|r| r.rows_affected())
}

// ---- endpoints ----

/// Filters of `GET /v3/endpoints`.
#[derive(Clone, Copy, Debug, Default)]
pub struct EndpointFilter<'a> {
    pub interface: Option<&'a str>,
    pub service_id: Option<&'a str>,
    pub region_id: Option<&'a str>,
}

pub async fn endpoint_list(
    db: impl PgExecutor<'_>,
    f: EndpointFilter<'_>,
) -> sqlx::Result<Vec<Endpoint>> {
    sqlx::query_as(
        "SELECT id, service_id, interface, url, region_id, enabled FROM endpoints
         WHERE ($1::text IS NULL OR interface = $1) AND ($2::text IS NULL OR service_id = $2)
           AND ($3::text IS NULL OR region_id = $3)
         ORDER BY service_id, interface, id",
    )
    .bind(f.interface)
    .bind(f.service_id)
    .bind(f.region_id)
    .fetch_all(db)
    .await
}

pub async fn endpoint_get(db: impl PgExecutor<'_>, id: &str) -> sqlx::Result<Option<Endpoint>> {
    sqlx::query_as(
        "SELECT id, service_id, interface, url, region_id, enabled FROM endpoints WHERE id = $1",
    )
    .bind(id)
    .fetch_optional(db)
    .await
}

pub async fn endpoint_insert(db: impl PgExecutor<'_>, e: &Endpoint) -> sqlx::Result<()> {
    sqlx::query(
        "INSERT INTO endpoints (id, service_id, interface, url, region_id, enabled)
         VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(&e.id)
    .bind(&e.service_id)
    .bind(&e.interface)
    .bind(&e.url)
    .bind(&e.region_id)
    .bind(e.enabled)
    .execute(db)
    .await
    .map(|_| ())
}

pub async fn endpoint_update(db: impl PgExecutor<'_>, e: &Endpoint) -> sqlx::Result<()> {
    sqlx::query(
        "UPDATE endpoints SET service_id = $2, interface = $3, url = $4, region_id = $5, enabled = $6
         WHERE id = $1",
    )
    .bind(&e.id)
    .bind(&e.service_id)
    .bind(&e.interface)
    .bind(&e.url)
    .bind(&e.region_id)
    .bind(e.enabled)
    .execute(db)
    .await
    .map(|_| ())
}

pub async fn endpoint_delete(db: impl PgExecutor<'_>, id: &str) -> sqlx::Result<u64> {
    sqlx::query("DELETE FROM endpoints WHERE id = $1")
        .bind(id)
        .execute(db)
        .await
        .map(|r| r.rows_affected())
}
