//! The per-test database helper and the error mapping, against real PostgreSQL.

use stratus_common::ErrorKind;
use stratus_db::{TestDatabase, api_error};

#[tokio::test]
async fn each_test_gets_a_fresh_database_that_is_dropped_after() {
    let db = TestDatabase::new(None).await.expect("create test database");
    let name = db.name.clone();
    let current: String = sqlx::query_scalar("SELECT current_database()")
        .fetch_one(&db.pool)
        .await
        .expect("query");
    assert_eq!(current, name);
    sqlx::query("CREATE TABLE t (id int primary key, parent int references t(id))")
        .execute(&db.pool)
        .await
        .expect("create table");
    let other = TestDatabase::new(None).await.expect("second database");
    let tables: i64 = sqlx::query_scalar("SELECT count(*) FROM pg_tables WHERE tablename = 't'")
        .fetch_one(&other.pool)
        .await
        .expect("query");
    assert_eq!(tables, 0, "databases are not shared");

    let admin = other.pool.clone();
    drop(db);
    let exists: i64 = sqlx::query_scalar("SELECT count(*) FROM pg_database WHERE datname = $1")
        .bind(&name)
        .fetch_one(&admin)
        .await
        .expect("query");
    assert_eq!(exists, 0, "test database {name} left behind");
}

#[tokio::test]
async fn constraint_violations_become_conflicts_not_500s() {
    let db = TestDatabase::new(None).await.expect("create test database");
    sqlx::query("CREATE TABLE t (id int primary key, parent int references t(id))")
        .execute(&db.pool)
        .await
        .expect("create table");
    sqlx::query("INSERT INTO t VALUES (1, NULL)")
        .execute(&db.pool)
        .await
        .expect("insert");
    let dup = sqlx::query("INSERT INTO t VALUES (1, NULL)")
        .execute(&db.pool)
        .await
        .expect_err("duplicate");
    assert_eq!(api_error(dup, "Thing 1").kind, ErrorKind::Conflict);
    let fk = sqlx::query("INSERT INTO t VALUES (2, 99)")
        .execute(&db.pool)
        .await
        .expect_err("dangling");
    assert_eq!(api_error(fk, "Thing 2").kind, ErrorKind::Conflict);
    let missing = sqlx::query("SELECT id FROM t WHERE id = 5")
        .fetch_one(&db.pool)
        .await
        .expect_err("none");
    let err = api_error(missing, "Thing 5");
    assert_eq!(err.kind, ErrorKind::NotFound);
    assert_eq!(err.message, "Thing 5 could not be found.");
}
