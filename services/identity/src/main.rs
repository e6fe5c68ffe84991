//! The `stratus-identity` binary: the runner's commands plus `bootstrap`.

use clap::Parser;
use std::process::ExitCode;
use stratus_identity::app::bootstrap::{self, BootstrapOptions};
use stratus_identity::app::{App, IdentitySection};

/// `stratus-identity bootstrap`: create or reset the admin, the roles, service users and the catalog.
#[derive(Parser)]
#[command(name = "stratus-identity bootstrap")]
struct BootstrapCli {
    /// The admin user's password.
    #[arg(long, env = "STRATUS_BOOTSTRAP_ADMIN_PASSWORD", hide_env_values = true)]
    admin_password: String,
    #[arg(long, default_value = "admin")]
    admin_user: String,
    #[arg(long, default_value = "admin")]
    admin_project: String,
    #[arg(long, default_value = "RegionOne")]
    region: String,
    /// Scheme and host of every catalog URL.
    #[arg(long, default_value = "http://127.0.0.1")]
    public_base: String,
    /// Added to every standard port in the catalog.
    #[arg(long, default_value_t = 0)]
    port_offset: u16,
    /// One password for every service's own user, where
    /// `STRATUS_BOOTSTRAP_<SERVICE>_PASSWORD` (`..._COMPUTE_PASSWORD`, ...)
    /// gives none of its own; a service with neither gets no user.
    #[arg(
        long,
        env = "STRATUS_BOOTSTRAP_SERVICE_PASSWORD",
        hide_env_values = true
    )]
    service_password: Option<String>,
}

/// Each service user's password: its own variable, else the shared one.
fn service_passwords(shared: Option<&str>) -> std::collections::BTreeMap<String, String> {
    bootstrap::SERVICE_USERS
        .iter()
        .filter_map(|name| {
            let own = std::env::var(format!(
                "STRATUS_BOOTSTRAP_{}_PASSWORD",
                name.to_uppercase()
            ));
            let password = own.ok().or_else(|| shared.map(str::to_owned))?;
            Some(((*name).to_owned(), password))
        })
        .collect()
}

fn main() -> ExitCode {
    stratus_http::runner::main_with_commands::<IdentitySection, _, _, _, _>(
        stratus_identity::SPEC,
        |deps| async move {
            let app = App::new(deps.pool, deps.config.service.identity)
                .await?
                .with_bus(deps.bus);
            app.start_background(deps.shutdown);
            Ok(vec![("identity", stratus_identity::http::router(app))])
        },
        |args, config, pool| async move {
            if args.first().map(String::as_str) != Some("bootstrap") {
                anyhow::bail!(
                    "unknown command {:?}; see --help",
                    args.first().map_or("", String::as_str)
                );
            }
            let cli = BootstrapCli::parse_from(&args);
            let options = BootstrapOptions {
                admin_user: cli.admin_user,
                admin_password: cli.admin_password,
                admin_project: cli.admin_project,
                region: cli.region,
                public_base: cli.public_base,
                port_offset: cli.port_offset,
                service_passwords: service_passwords(cli.service_password.as_deref()),
            };
            bootstrap::run(&pool, &config.service.identity, &options).await?;
            println!(
                "bootstrap complete: user {}, project {}",
                options.admin_user, options.admin_project
            );
            Ok(())
        },
    )
}
