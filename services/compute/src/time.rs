//! Nova's two timestamp forms, for the views and for what the app stores
//! already rendered (a server's fault).

use chrono::{DateTime, Utc};

/// Nova's timestamps: UTC, microseconds, no zone.
pub(crate) fn time(t: &DateTime<Utc>) -> String {
    t.format("%Y-%m-%dT%H:%M:%S%.6f").to_string()
}

/// Nova's `created`/`updated` on servers: UTC to the second, with `Z`.
pub(crate) fn iso(t: &DateTime<Utc>) -> String {
    t.format("%Y-%m-%dT%H:%M:%SZ").to_string()
}
