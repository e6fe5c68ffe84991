//! The console's configuration (`/etc/stratus/console.toml`, overridden by
//! `STRATUS_SECTION__KEY` variables): where it listens, where identity is,
//! where the built app is, and whether its cookie is `Secure`.

use serde::{Deserialize, Serialize};
use std::path::PathBuf;
use stratus_bus::BusConfig;
use stratus_common::config::LogConfig;

#[derive(Clone, Debug, Default, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Config {
    pub http: HttpSection,
    pub console: ConsoleSection,
    pub log: LogConfig,
    /// The broker, for the live feed's announcements.
    pub bus: BusConfig,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct HttpSection {
    pub host: String,
    pub port: u16,
}

impl Default for HttpSection {
    fn default() -> Self {
        Self {
            host: "127.0.0.1".into(),
            port: 8080,
        }
    }
}

#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ConsoleSection {
    /// Identity's v3 URL: logins, token checks, revocation and the catalog.
    pub identity_url: String,
    /// The built app (`console/dist`): `index.html` and `assets/`.
    pub assets: PathBuf,
    /// Mark the session cookie `Secure`: set when the console is reached
    /// over TLS (behind a terminating proxy).
    pub secure_cookie: bool,
    /// Which catalog endpoints the proxy forwards to.
    pub interface: String,
    pub region: String,
    /// Largest JSON body of the console's own endpoints (login), in bytes.
    pub body_limit: usize,
}

impl Default for ConsoleSection {
    fn default() -> Self {
        Self {
            identity_url: "http://127.0.0.1:5000/v3".into(),
            assets: PathBuf::from("console/dist"),
            secure_cookie: false,
            interface: "public".into(),
            region: "RegionOne".into(),
            body_limit: 64 * 1024,
        }
    }
}
