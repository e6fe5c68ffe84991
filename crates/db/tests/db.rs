//! The per-test database helper and the error mapping, against real PostgreSQL.

use stratus_common::{Error, ErrorKind};
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
    assert_eq!(api_error(fk, "Thing 2").kind, ErrorKind::NotFound);
    let missing = sqlx::query("SELECT id FROM t WHERE id = 5")
        .fetch_one(&db.pool)
        .await
        .expect_err("none");
    let err = api_error(missing, "Thing 5");
    assert_eq!(err.kind, ErrorKind::NotFound);
    assert_eq!(err.message, "Thing 5 could not be found.");
}

/// `?` on a query maps its error once: what each kind of failure answers,
/// and that the message names the key that clashed.
#[tokio::test]
async fn database_errors_map_once_onto_client_errors() {
    let db = TestDatabase::new(None).await.expect("create test database");
    sqlx::query(
        "CREATE TABLE t (id int primary key, name varchar(8) unique, \
         parent int references t(id), size int check (size >= 0))",
    )
    .execute(&db.pool)
    .await
    .expect("create table");
    sqlx::query("INSERT INTO t (id, name) VALUES (1, 'one')")
        .execute(&db.pool)
        .await
        .expect("insert");
    let fails = |sql: &'static str| {
        let pool = db.pool.clone();
        async move {
            Error::from(
                sqlx::query(sql)
                    .execute(&pool)
                    .await
                    .expect_err("the statement must fail"),
            )
        }
    };

    let dup = fails("INSERT INTO t (id, name) VALUES (2, 'one')").await;
    assert_eq!(dup.kind, ErrorKind::Conflict);
    assert!(dup.message.contains("(name)=(one)"), "{}", dup.message);

    let dangling = fails("INSERT INTO t (id, parent) VALUES (3, 99)").await;
    assert_eq!(dangling.kind, ErrorKind::NotFound);
    assert!(
        dangling.message.contains("(parent)=(99)"),
        "{}",
        dangling.message
    );

    sqlx::query("INSERT INTO t (id, parent) VALUES (4, 1)")
        .execute(&db.pool)
        .await
        .expect("child");
    let in_use = fails("DELETE FROM t WHERE id = 1").await;
    assert_eq!(in_use.kind, ErrorKind::Conflict);
    assert!(
        in_use.message.contains("still referenced"),
        "{}",
        in_use.message
    );

    for refused in [
        "INSERT INTO t (id, name) VALUES (5, 'much too long')",
        "INSERT INTO t (id, size) VALUES (6, -1)",
        "INSERT INTO t (id) VALUES (NULL)",
        "INSERT INTO t (id) VALUES (99999999999)",
    ] {
        assert_eq!(
            fails(refused).await.kind,
            ErrorKind::BadRequest,
            "{refused}"
        );
    }

    let missing = Error::from(
        sqlx::query("SELECT id FROM t WHERE id = 42")
            .fetch_one(&db.pool)
            .await
            .expect_err("no row"),
    );
    assert_eq!(missing.kind, ErrorKind::NotFound);

    let broken = fails("SELECT * FROM no_such_table").await;
    assert_eq!(broken.kind, ErrorKind::Internal);
    assert_eq!(broken.message, stratus_common::error::INTERNAL_MESSAGE);
}
