//! `stratus-identity bootstrap`: the default domain, the roles, the admin
//! user and project, service users, and the catalog of every Stratus service,
//! idempotently (like `keystone-manage bootstrap`): run again, it resets the
//! passwords and endpoints it manages and changes nothing else.

use super::{IdentityConfig, password};
use crate::datastore;
use stratus_common::Error;
use stratus_db::PgPool;

pub const DEFAULT_DOMAIN_ID: &str = "default";
pub const DEFAULT_DOMAIN_NAME: &str = "Default";
/// Keystone's default roles, plus `service` for the services' own users.
pub const ROLES: &[&str] = &["admin", "member", "reader", "service"];

#[derive(Clone, Debug)]
pub struct BootstrapOptions {
    pub admin_user: String,
    pub admin_password: String,
    pub admin_project: String,
    pub region: String,
    /// Scheme and host the catalog's URLs start with: `http://127.0.0.1`.
    pub public_base: String,
    /// Added to every standard port in the catalog.
    pub port_offset: u16,
    /// Each service user's password (compute, network, storage, metering),
    /// by user name; a service without one gets no user.
    pub service_passwords: std::collections::BTreeMap<String, String>,
}

/// The catalog: service type, name, standard port, path.
pub const CATALOG: &[(&str, &str, u16, &str)] = &[
    ("identity", "keystone", 5000, "/v3"),
    ("compute", "nova", 8774, "/v2.1"),
    ("network", "neutron", 9696, ""),
    ("image", "glance", 9292, ""),
    ("block-storage", "cinder", 8776, "/v3/%(project_id)s"),
    ("volumev3", "cinderv3", 8776, "/v3/%(project_id)s"),
    ("metering", "stratus-metering", 8889, "/v1"),
];

pub const SERVICE_USERS: &[&str] = &["compute", "network", "storage", "metering"];

pub async fn run(
    pool: &PgPool,
    config: &IdentityConfig,
    opts: &BootstrapOptions,
) -> Result<(), Error> {
    if opts.admin_password.is_empty() {
        return Err(Error::bad_request("The admin password must not be empty."));
    }
    let admin_hash = password::hash(config.password_hashing, opts.admin_password.clone()).await?;
    let mut service_hashes = Vec::new();
    for name in SERVICE_USERS {
        if let Some(p) = opts.service_passwords.get(*name).filter(|p| !p.is_empty()) {
            service_hashes.push((
                *name,
                password::hash(config.password_hashing, p.clone()).await?,
            ));
        }
    }

    let mut tx = pool.begin().await?;
    datastore::domain_ensure(
        &mut *tx,
        DEFAULT_DOMAIN_ID,
        DEFAULT_DOMAIN_NAME,
        "The default domain",
    )
    .await?;
    let mut role_ids = std::collections::HashMap::new();
    for role in ROLES {
        role_ids.insert(*role, datastore::role_ensure(&mut *tx, role).await?);
    }
    let admin_role = &role_ids["admin"];

    let project = datastore::project_ensure(
        &mut *tx,
        DEFAULT_DOMAIN_ID,
        &opts.admin_project,
        "Bootstrap project",
    )
    .await?;
    let admin =
        datastore::user_ensure(&mut *tx, DEFAULT_DOMAIN_ID, &opts.admin_user, &admin_hash).await?;
    datastore::role_assignment_ensure(&mut *tx, "user", &admin, "project", &project, admin_role)
        .await?;
    datastore::role_assignment_ensure(
        &mut *tx,
        "user",
        &admin,
        "domain",
        DEFAULT_DOMAIN_ID,
        admin_role,
    )
    .await?;

    if !service_hashes.is_empty() {
        let service_project =
            datastore::project_ensure(&mut *tx, DEFAULT_DOMAIN_ID, "service", "Service users")
                .await?;
        for (name, hash) in &service_hashes {
            let user = datastore::user_ensure(&mut *tx, DEFAULT_DOMAIN_ID, name, hash).await?;
            // The service role only: a service user is no cloud admin (an
            // admin grant of an earlier bootstrap is taken back).
            datastore::role_assignment_ensure(
                &mut *tx,
                "user",
                &user,
                "project",
                &service_project,
                &role_ids["service"],
            )
            .await?;
            datastore::role_assignment_delete(
                &mut *tx,
                "user",
                &user,
                "project",
                &service_project,
                &role_ids["admin"],
            )
            .await?;
        }
    }

    datastore::region_ensure(&mut *tx, &opts.region).await?;
    let base = opts.public_base.trim_end_matches('/');
    for (service_type, name, port, path) in CATALOG {
        let service = datastore::service_ensure(&mut tx, service_type, name).await?;
        let url = format!("{base}:{}{path}", port + opts.port_offset);
        for interface in ["public", "internal", "admin"] {
            datastore::endpoint_ensure(&mut tx, &service, interface, &opts.region, &url).await?;
        }
    }
    tx.commit().await?;
    tracing::info!(admin = %opts.admin_user, project = %opts.admin_project, "bootstrap complete");
    Ok(())
}
