//! Configuration loading: built-in defaults that work on one host, then a TOML
//! file, then environment variables (`STRATUS_SECTION__KEY=value`).

use figment::Figment;
use figment::providers::{Env, Format, Serialized, Toml};
use serde::{Deserialize, Serialize, de::DeserializeOwned};
use std::path::{Path, PathBuf};

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("configuration file {0} does not exist")]
    Missing(PathBuf),
    #[error("invalid configuration")]
    Invalid(#[source] Box<figment::Error>),
}

/// Where a process's configuration file is: `--config`, else `$STRATUS_CONFIG`,
/// else `/etc/stratus/<name>.toml` if present.
pub fn default_path(name: &str) -> Option<PathBuf> {
    if let Ok(p) = std::env::var("STRATUS_CONFIG") {
        return Some(PathBuf::from(p));
    }
    let p = PathBuf::from(format!("/etc/stratus/{name}.toml"));
    p.exists().then_some(p)
}

/// Loads `T`: its `Default`, overridden by the file (which must exist if named),
/// overridden by `STRATUS_*` environment variables (`__` separates sections).
pub fn load<T>(file: Option<&Path>) -> Result<T, ConfigError>
where
    T: Serialize + DeserializeOwned + Default,
{
    load_with_defaults(&T::default(), file)
}

/// [`load`] with defaults computed at run time (a database named after the
/// service, its ports).
pub fn load_with_defaults<T>(defaults: &T, file: Option<&Path>) -> Result<T, ConfigError>
where
    T: Serialize + DeserializeOwned,
{
    figment(defaults, file)?
        .extract()
        .map_err(|e| ConfigError::Invalid(Box::new(e)))
}

/// The layered provider itself.
pub fn figment<T: Serialize>(defaults: &T, file: Option<&Path>) -> Result<Figment, ConfigError> {
    let mut fig = Figment::from(Serialized::defaults(defaults));
    if let Some(path) = file {
        if !path.exists() {
            return Err(ConfigError::Missing(path.to_path_buf()));
        }
        fig = fig.merge(Toml::file(path));
    }
    // Only `STRATUS_SECTION__KEY` variables are settings; others that share
    // the prefix (STRATUS_CONFIG, the scripts' STRATUS_STATE_DIR, tests'
    // STRATUS_TEST_*) are not.
    Ok(fig.merge(
        Env::prefixed("STRATUS_")
            .filter(|key| key.as_str().contains("__"))
            .split("__")
            .lowercase(true),
    ))
}

/// Logging settings shared by every process.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct LogConfig {
    /// An `EnvFilter` directive, overridden by `RUST_LOG`.
    pub filter: String,
    /// `text` for people, `json` for log shippers.
    pub format: LogFormat,
}

impl Default for LogConfig {
    fn default() -> Self {
        Self {
            filter: "info".into(),
            format: LogFormat::Text,
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum LogFormat {
    Text,
    Json,
}

#[cfg(test)]
#[allow(clippy::result_large_err)] // figment::Jail's closure signature, not ours
mod tests {
    use super::*;

    #[derive(Debug, Default, Serialize, Deserialize, PartialEq)]
    #[serde(default)]
    #[serde(deny_unknown_fields)]
    struct Sample {
        db: Db,
        log: LogConfig,
    }
    #[derive(Debug, Serialize, Deserialize, PartialEq)]
    #[serde(default)]
    struct Db {
        url: String,
        max: u32,
    }
    impl Default for Db {
        fn default() -> Self {
            Self {
                url: "postgres://localhost/x".into(),
                max: 5,
            }
        }
    }

    #[test]
    fn defaults_then_file_then_env() {
        figment::Jail::expect_with(|jail| {
            jail.create_file("s.toml", "[db]\nmax = 9\n[log]\nformat = \"json\"\n")?;
            jail.set_env("STRATUS_DB__URL", "postgres://other/y");
            jail.set_env("STRATUS_UNRELATED_SETTING", "not a config key");
            let cfg: Sample = load(Some(Path::new("s.toml"))).map_err(|e| e.to_string())?;
            assert_eq!(cfg.db.url, "postgres://other/y");
            assert_eq!(cfg.db.max, 9);
            assert_eq!(cfg.log.format, LogFormat::Json);
            Ok(())
        });
    }

    #[test]
    fn a_named_file_must_exist_and_typos_are_errors() {
        figment::Jail::expect_with(|jail| {
            let missing = load::<Sample>(Some(Path::new("nope.toml")));
            assert!(matches!(missing, Err(ConfigError::Missing(_))));
            jail.create_file("bad.toml", "[log]\nfromat = \"json\"\n")?;
            assert!(matches!(
                load::<Sample>(Some(Path::new("bad.toml"))),
                Err(ConfigError::Invalid(_))
            ));
            Ok(())
        });
    }
}
