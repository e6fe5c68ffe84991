//! The real OpenStack client for acceptance tests: `scripts/test` installs
//! python-openstackclient in a venv and names it in `STRATUS_OPENSTACK_CLI`.

use std::path::PathBuf;
use std::process::{Command, Output};

/// The `openstack` executable, or `None` (after saying why) when it is not
/// installed and `STRATUS_REQUIRE_CLIENTS` is not set. Under `scripts/test`
/// a missing client fails the test instead.
pub fn openstack_cli() -> Option<PathBuf> {
    let candidates = [
        std::env::var("STRATUS_OPENSTACK_CLI")
            .ok()
            .map(PathBuf::from),
        std::env::var("HOME")
            .ok()
            .map(|h| PathBuf::from(h).join(".cache/stratus/venv/bin/openstack")),
    ];
    if let Some(found) = candidates.into_iter().flatten().find(|p| p.is_file()) {
        return Some(found);
    }
    let why = "python-openstackclient is not installed (scripts/test installs it; or set STRATUS_OPENSTACK_CLI)";
    assert!(std::env::var("STRATUS_REQUIRE_CLIENTS").is_err(), "{why}");
    eprintln!("SKIPPED: {why}");
    None
}

/// An `openstack` command line using the `clouds.yaml` at `config`, cloud `cloud`.
pub struct Openstack {
    cli: PathBuf,
    config: PathBuf,
    cloud: String,
}

impl Openstack {
    pub fn new(cli: PathBuf, config: PathBuf, cloud: &str) -> Self {
        Self {
            cli,
            config,
            cloud: cloud.into(),
        }
    }

    /// Runs `openstack <args>` (blocking; call from `spawn_blocking`).
    pub fn run(&self, args: &[&str]) -> Output {
        Command::new(&self.cli)
            .args(args)
            .env("OS_CLIENT_CONFIG_FILE", &self.config)
            .env("OS_CLOUD", &self.cloud)
            .env_remove("OS_AUTH_URL")
            .env_remove("OS_TOKEN")
            .output()
            .expect("run the openstack client")
    }

    /// Runs `openstack <args> -f json`, asserting success, and parses the output.
    pub fn json(&self, args: &[&str]) -> serde_json::Value {
        let mut all: Vec<&str> = args.to_vec();
        all.extend(["-f", "json"]);
        let out = self.run(&all);
        assert!(
            out.status.success(),
            "openstack {} failed: {}",
            args.join(" "),
            String::from_utf8_lossy(&out.stderr)
        );
        serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
            panic!(
                "openstack {} printed no JSON ({e}): {}",
                args.join(" "),
                String::from_utf8_lossy(&out.stdout)
            )
        })
    }
}
