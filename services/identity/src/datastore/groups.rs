//! Groups.

use super::*;
use sqlx::{FromRow, PgExecutor};

#[derive(Clone, Debug, FromRow)]
pub struct Group {
    pub id: String,
    pub domain_id: String,
    pub name: String,
    pub description: String,
}

/// The ids of a group's members.
pub async fn group_member_ids(db: impl PgExecutor<'_>, group: &str) -> sqlx::Result<Vec<String>> {
    sqlx::query_scalar("SELECT user_id FROM group_members WHERE group_id = $1")
        .bind(group)
        .fetch_all(db)
        .await
}

pub async fn group_get(db: impl PgExecutor<'_>, id: &str) -> sqlx::Result<Option<Group>> {
    sqlx::query_as("SELECT id, domain_id, name, description FROM groups WHERE id = $1")
        .bind(id)
        .fetch_optional(db)
        .await
}

/// Groups, filtered; `member` limits them to those the user belongs to.
pub async fn group_list(
    db: impl PgExecutor<'_>,
    name: Option<&str>,
    domain_id: Option<&str>,
    member: Option<&str>,
) -> sqlx::Result<Vec<Group>> {
    sqlx::query_as(
        "SELECT id, domain_id, name, description FROM groups g
         WHERE ($1::text IS NULL OR name = $1) AND ($2::text IS NULL OR domain_id = $2)
           AND ($3::text IS NULL OR EXISTS (SELECT 1 FROM group_members m WHERE m.group_id = g.id AND m.user_id = $3))
         ORDER BY name, id",
    )
    .bind(name)
    .bind(domain_id)
    .bind(member)
    .fetch_all(db)
    .await
}

pub async fn group_insert(db: impl PgExecutor<'_>, g: &Group) -> sqlx::Result<()> {
    sqlx::query("INSERT INTO groups (id, domain_id, name, description) VALUES ($1, $2, $3, $4)")
        .bind(&g.id)
        .bind(&g.domain_id)
        .bind(&g.name)
        .bind(&g.description)
        .execute(db)
        .await
        .map(|_| ())
}

pub async fn group_update(db: impl PgExecutor<'_>, g: &Group) -> sqlx::Result<()> {
    sqlx::query("UPDATE groups SET name = $2, description = $3 WHERE id = $1")
        .bind(&g.id)
        .bind(&g.name)
        .bind(&g.description)
        .execute(db)
        .await
        .map(|_| ())
}

/// Deletes the group and its role assignments (members go by cascade).
pub async fn group_delete(conn: &mut sqlx::PgConnection, id: &str) -> sqlx::Result<u64> {
    sqlx::query("DELETE FROM role_assignments WHERE actor_type = 'group' AND actor_id = $1")
        .bind(id)
        .execute(&mut *conn)
        .await?;
    sqlx::query("DELETE FROM groups WHERE id = $1")
        .bind(id)
        .execute(&mut *conn)
        .await
        .map(|r| r.rows_affected())
}

pub async fn group_member_add(
    db: impl PgExecutor<'_>,
    group_id: &str,
    user_id: &str,
) -> sqlx::Result<()> {
    sqlx::query(
        "INSERT INTO group_members (group_id, user_id) VALUES ($1, $2) ON CONFLICT DO NOTHING",
    )
    .bind(group_id)
    .bind(user_id)
    .execute(db)
    .await
    .map(|_| ())
}

pub async fn group_member_remove(
    db: impl PgExecutor<'_>,
    group_id: &str,
    user_id: &str,
) -> sqlx::Result<u64> {
    sqlx::query("DELETE FROM group_members WHERE group_id = $1 AND user_id = $2")
        .bind(group_id)
        .bind(user_id)
        .execute(db)
        .await
        .map(|r| r.rows_affected())
}

pub async fn group_member_list(db: impl PgExecutor<'_>, group_id: &str) -> sqlx::Result<Vec<User>> {
    sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "SELECT {USER_COLUMNS} FROM users WHERE id IN (SELECT user_id FROM group_members WHERE group_id = $1) ORDER BY name, id"
    )))
    .bind(group_id)
    .fetch_all(db)
    .await
}
