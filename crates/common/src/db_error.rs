//! Database errors as a client sees them, mapped once for every service:
//! `?` on a `sqlx` result in code returning [`Error`] goes through here.
//!
//! A unique violation is a `409` naming the clashing key; a foreign key
//! that points nowhere a `404`, one still referenced a `409`; a missing row a
//! `404`; a value the schema refuses (too long, out of range, a check) a
//! `400`; a serialization failure or deadlock a `409` to retry; an exhausted
//! pool a `503`. Only the rest is internal (logged, a `500`).

use crate::error::{Error, ErrorKind};
use sqlx::postgres::PgDatabaseError;

/// PostgreSQL's SQLSTATE codes this mapping tells apart.
mod sqlstate {
    pub const UNIQUE_VIOLATION: &str = "23505";
    pub const FOREIGN_KEY_VIOLATION: &str = "23503";
    pub const CHECK_VIOLATION: &str = "23514";
    pub const NOT_NULL_VIOLATION: &str = "23502";
    pub const EXCLUSION_VIOLATION: &str = "23P01";
    pub const STRING_TOO_LONG: &str = "22001";
    pub const NUMERIC_OUT_OF_RANGE: &str = "22003";
    pub const INVALID_TEXT: &str = "22P02";
    pub const SERIALIZATION_FAILURE: &str = "40001";
    pub const DEADLOCK: &str = "40P01";
}

impl From<sqlx::Error> for Error {
    fn from(err: sqlx::Error) -> Self {
        match &err {
            sqlx::Error::RowNotFound => Error::not_found("The resource could not be found."),
            sqlx::Error::PoolTimedOut => {
                tracing::warn!("database pool exhausted");
                Error::new(
                    ErrorKind::ServiceUnavailable,
                    "The service is busy; try again shortly.",
                )
                .with_retry_after(1)
            }
            sqlx::Error::Database(db) => {
                let pg = db.try_downcast_ref::<PgDatabaseError>();
                let detail = pg.and_then(PgDatabaseError::detail);
                let constraint = db.constraint().unwrap_or("a constraint");
                let code = db.code();
                match code.as_deref() {
                    Some(sqlstate::UNIQUE_VIOLATION | sqlstate::EXCLUSION_VIOLATION) => {
                        Error::conflict(match detail {
                            Some(d) => format!("Conflicts with an existing resource: {d}"),
                            None => format!("Conflicts with an existing resource ({constraint})."),
                        })
                    }
                    Some(sqlstate::FOREIGN_KEY_VIOLATION) => match detail {
                        Some(d) if d.contains("is still referenced") => {
                            Error::conflict(format!("The resource is in use: {d}"))
                        }
                        Some(d) => Error::not_found(format!(
                            "A resource the request refers to does not exist: {d}"
                        )),
                        None => Error::conflict(format!(
                            "The request conflicts with a reference between resources ({constraint})."
                        )),
                    },
                    Some(
                        sqlstate::CHECK_VIOLATION
                        | sqlstate::NOT_NULL_VIOLATION
                        | sqlstate::STRING_TOO_LONG
                        | sqlstate::NUMERIC_OUT_OF_RANGE
                        | sqlstate::INVALID_TEXT,
                    ) => {
                        // The API should have refused this before the
                        // database did: worth a warning, but the client sent it.
                        tracing::warn!(error = %db, "database refused a value the API let through");
                        Error::bad_request(format!("Invalid value: {}", db.message()))
                    }
                    Some(sqlstate::SERIALIZATION_FAILURE | sqlstate::DEADLOCK) => {
                        Error::conflict("A concurrent change got there first; try again.")
                    }
                    _ => Error::internal(&err),
                }
            }
            _ => Error::internal(&err),
        }
    }
}
