//! The provider's configuration, as the `openstack` CLI takes it: the
//! provider block's attributes first, then the `OS_*` environment, then the
//! `clouds.yaml` entry named by `cloud` (or `OS_CLOUD`).

use std::collections::BTreeMap;
use std::path::PathBuf;

use serde::{Deserialize, Serialize};
use serde_json::Value as Json;
use tf_provider::schema::{
    Attribute, AttributeConstraint, AttributeType, Block, Description, Schema,
};
use tf_provider::value::Value;

use crate::client::Credentials;

/// The provider block as Terraform sends it.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct ProviderConfig {
    pub cloud: Value<String>,
    pub auth_url: Value<String>,
    pub user_name: Value<String>,
    pub user_id: Value<String>,
    pub password: Value<String>,
    pub user_domain_name: Value<String>,
    pub user_domain_id: Value<String>,
    pub project_name: Value<String>,
    pub project_id: Value<String>,
    pub project_domain_name: Value<String>,
    pub project_domain_id: Value<String>,
    pub domain_name: Value<String>,
    pub application_credential_id: Value<String>,
    pub application_credential_name: Value<String>,
    pub application_credential_secret: Value<String>,
    pub region: Value<String>,
    pub endpoint_type: Value<String>,
    pub endpoint_overrides: Value<BTreeMap<String, String>>,
}

/// (attribute, `OS_*` variable, clouds.yaml key under `auth` or top level, sensitive, description)
const FIELDS: &[(&str, &str, &str, bool, &str)] = &[
    (
        "cloud",
        "OS_CLOUD",
        "",
        false,
        "The `clouds.yaml` entry to use (searched in `OS_CLIENT_CONFIG_FILE`, `./clouds.yaml`, `~/.config/openstack/clouds.yaml`, `/etc/openstack/clouds.yaml`).",
    ),
    (
        "auth_url",
        "OS_AUTH_URL",
        "auth_url",
        false,
        "Identity's URL, e.g. `http://cloud:5000/v3`.",
    ),
    (
        "user_name",
        "OS_USERNAME",
        "username",
        false,
        "The user to log in as.",
    ),
    (
        "user_id",
        "OS_USER_ID",
        "user_id",
        false,
        "The user's id, instead of its name.",
    ),
    (
        "password",
        "OS_PASSWORD",
        "password",
        true,
        "The user's password.",
    ),
    (
        "user_domain_name",
        "OS_USER_DOMAIN_NAME",
        "user_domain_name",
        false,
        "The user's domain (default `Default`).",
    ),
    (
        "user_domain_id",
        "OS_USER_DOMAIN_ID",
        "user_domain_id",
        false,
        "The user's domain id.",
    ),
    (
        "project_name",
        "OS_PROJECT_NAME",
        "project_name",
        false,
        "The project to scope the token to.",
    ),
    (
        "project_id",
        "OS_PROJECT_ID",
        "project_id",
        false,
        "The project's id, instead of its name.",
    ),
    (
        "project_domain_name",
        "OS_PROJECT_DOMAIN_NAME",
        "project_domain_name",
        false,
        "The project's domain.",
    ),
    (
        "project_domain_id",
        "OS_PROJECT_DOMAIN_ID",
        "project_domain_id",
        false,
        "The project's domain id.",
    ),
    (
        "domain_name",
        "OS_DOMAIN_NAME",
        "domain_name",
        false,
        "Domain for both user and project when they name none.",
    ),
    (
        "application_credential_id",
        "OS_APPLICATION_CREDENTIAL_ID",
        "application_credential_id",
        false,
        "An application credential's id (with its secret, instead of a password).",
    ),
    (
        "application_credential_name",
        "OS_APPLICATION_CREDENTIAL_NAME",
        "application_credential_name",
        false,
        "An application credential's name (with `user_name` or `user_id`).",
    ),
    (
        "application_credential_secret",
        "OS_APPLICATION_CREDENTIAL_SECRET",
        "application_credential_secret",
        true,
        "The application credential's secret.",
    ),
    (
        "region",
        "OS_REGION_NAME",
        "region_name",
        false,
        "The region whose endpoints to use.",
    ),
    (
        "endpoint_type",
        "OS_INTERFACE",
        "interface",
        false,
        "The catalog interface: `public` (default), `internal` or `admin`.",
    ),
];

pub fn schema() -> Schema {
    let mut attributes: std::collections::HashMap<String, Attribute> = FIELDS
        .iter()
        .map(|(name, env, _, sensitive, doc)| {
            (
                (*name).to_owned(),
                Attribute {
                    attr_type: AttributeType::String,
                    description: Description::markdown(format!("{doc} Also `{env}`.")),
                    constraint: AttributeConstraint::Optional,
                    sensitive: *sensitive,
                    ..Default::default()
                },
            )
        })
        .collect();
    attributes.insert(
        "endpoint_overrides".into(),
        Attribute {
            attr_type: AttributeType::Map(AttributeType::String.into()),
            description: Description::markdown(
                "Base URLs by service type (`identity`, `compute`, `network`, `image`, `volumev3`) used instead of the catalog's, as the catalog writes them (`http://host:8774/v2.1`, `http://host:9696`).",
            ),
            constraint: AttributeConstraint::Optional,
            ..Default::default()
        },
    );
    Schema {
        version: 1,
        block: Block {
            version: 1,
            attributes,
            description: Description::markdown(
                "The Stratus provider. Configure it as the `openstack` CLI: a `cloud` of `clouds.yaml`, the `OS_*` environment, or the attributes here (which win, then the environment, then `clouds.yaml`).",
            ),
            ..Default::default()
        },
    }
}

/// Why a configuration cannot log in.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("clouds.yaml: {0}")]
    CloudsYaml(String),
    #[error("{0}")]
    Missing(String),
}

impl ProviderConfig {
    /// The credentials, with the environment `env` (`OS_*`) and the
    /// `clouds.yaml` files found from it filling what the block leaves out.
    pub fn credentials(
        &self,
        env: &dyn Fn(&str) -> Option<String>,
    ) -> Result<Credentials, ConfigError> {
        let block = serde_json::to_value(self).unwrap_or(Json::Null);
        let given = |attr: &str| block.get(attr).and_then(Json::as_str).map(str::to_owned);
        let cloud_name = given("cloud").or_else(|| env("OS_CLOUD").filter(|s| !s.is_empty()));
        let cloud = match &cloud_name {
            Some(name) => Some(find_cloud(name, env)?),
            None => None,
        };
        let from_cloud = |key: &str| -> Option<String> {
            let c = cloud.as_ref()?;
            if key.is_empty() {
                return None;
            }
            let v = c
                .get("auth")
                .and_then(|a| a.get(key))
                .or_else(|| c.get(key))?;
            match v {
                Json::String(s) => Some(s.clone()),
                Json::Number(n) => Some(n.to_string()),
                Json::Bool(b) => Some(b.to_string()),
                _ => None,
            }
        };
        let pick = |attr: &str| -> Option<String> {
            let (_, env_name, yaml_key, _, _) = FIELDS.iter().find(|f| f.0 == attr)?;
            given(attr)
                .or_else(|| env(env_name).filter(|s| !s.is_empty()))
                .or_else(|| from_cloud(yaml_key))
                .or_else(|| match attr {
                    // The CLI's older names.
                    "project_name" => env("OS_TENANT_NAME").or_else(|| from_cloud("tenant_name")),
                    "project_id" => env("OS_TENANT_ID").or_else(|| from_cloud("tenant_id")),
                    "region" => from_cloud("region"),
                    _ => None,
                })
        };
        let domain_name = pick("domain_name");
        let auth_url = pick("auth_url").ok_or_else(|| {
            ConfigError::Missing(
                "no auth_url: set `auth_url`, OS_AUTH_URL, or a `cloud` of clouds.yaml".into(),
            )
        })?;
        let mut endpoint_overrides: BTreeMap<String, String> = BTreeMap::new();
        if let Some(c) = &cloud {
            // clouds.yaml's `<service>_endpoint_override` keys.
            if let Some(obj) = c.as_object() {
                for (k, v) in obj {
                    if let (Some(service), Some(url)) =
                        (k.strip_suffix("_endpoint_override"), v.as_str())
                    {
                        endpoint_overrides.insert(service.replace('_', "-"), url.to_owned());
                    }
                }
            }
        }
        if let Value::Value(m) = &self.endpoint_overrides {
            endpoint_overrides.extend(m.clone());
        }
        let creds = Credentials {
            auth_url: auth_url.trim_end_matches('/').to_owned(),
            user_name: pick("user_name"),
            user_id: pick("user_id"),
            password: pick("password"),
            user_domain_name: pick("user_domain_name").or_else(|| domain_name.clone()),
            user_domain_id: pick("user_domain_id"),
            project_name: pick("project_name"),
            project_id: pick("project_id"),
            project_domain_name: pick("project_domain_name").or_else(|| domain_name.clone()),
            project_domain_id: pick("project_domain_id"),
            application_credential_id: pick("application_credential_id"),
            application_credential_name: pick("application_credential_name"),
            application_credential_secret: pick("application_credential_secret"),
            region: pick("region"),
            interface: pick("endpoint_type"),
            endpoint_overrides,
        };
        if creds.application_credential_secret.is_none() && creds.password.is_none() {
            return Err(ConfigError::Missing(
                "no password and no application_credential_secret (nor OS_PASSWORD / OS_APPLICATION_CREDENTIAL_SECRET, nor in the clouds.yaml entry)".into(),
            ));
        }
        if creds.application_credential_secret.is_some()
            && creds.application_credential_id.is_none()
            && creds.application_credential_name.is_none()
        {
            return Err(ConfigError::Missing(
                "application_credential_secret needs application_credential_id (or _name with the user)".into(),
            ));
        }
        if creds.application_credential_secret.is_none()
            && creds.user_name.is_none()
            && creds.user_id.is_none()
        {
            return Err(ConfigError::Missing(
                "no user_name or user_id to log in with".into(),
            ));
        }
        Ok(creds)
    }
}

/// The clouds.yaml files in the order the OpenStack tools search them.
fn clouds_files(env: &dyn Fn(&str) -> Option<String>) -> Vec<PathBuf> {
    let mut files = Vec::new();
    if let Some(f) = env("OS_CLIENT_CONFIG_FILE").filter(|s| !s.is_empty()) {
        files.push(PathBuf::from(f));
    }
    files.push(PathBuf::from("clouds.yaml"));
    if let Some(home) = env("HOME") {
        files.push(PathBuf::from(home).join(".config/openstack/clouds.yaml"));
    }
    files.push(PathBuf::from("/etc/openstack/clouds.yaml"));
    files
}

fn find_cloud(name: &str, env: &dyn Fn(&str) -> Option<String>) -> Result<Json, ConfigError> {
    let mut looked = Vec::new();
    for file in clouds_files(env) {
        let Ok(text) = std::fs::read_to_string(&file) else {
            looked.push(file.display().to_string());
            continue;
        };
        let doc: Json = serde_norway::from_str(&text)
            .map_err(|e| ConfigError::CloudsYaml(format!("{}: {e}", file.display())))?;
        if let Some(c) = doc.get("clouds").and_then(|c| c.get(name)) {
            return Ok(c.clone());
        }
        looked.push(file.display().to_string());
    }
    Err(ConfigError::CloudsYaml(format!(
        "no cloud {name:?} in {}",
        looked.join(", ")
    )))
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn env_of(pairs: &'static [(&'static str, &'static str)]) -> impl Fn(&str) -> Option<String> {
        move |k| {
            pairs
                .iter()
                .find(|(n, _)| *n == k)
                .map(|(_, v)| (*v).to_owned())
        }
    }

    #[test]
    fn block_wins_over_environment_which_wins_over_clouds_yaml() {
        let dir = std::env::temp_dir().join(format!("stratus-tf-config-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("dir");
        let file = dir.join("clouds.yaml");
        std::fs::write(
            &file,
            "clouds:\n  c1:\n    auth:\n      auth_url: http://yaml:5000/v3\n      username: yamluser\n      password: yamlpw\n      project_name: yamlproj\n      user_domain_name: Default\n    region_name: RegionTwo\n    compute_endpoint_override: http://nova:8774/v2.1\n",
        )
        .expect("write");
        let path: &'static str = Box::leak(file.display().to_string().into_boxed_str());
        let pairs: &'static [(&'static str, &'static str)] = Box::leak(Box::new([
            ("OS_CLIENT_CONFIG_FILE", path),
            ("OS_USERNAME", "envuser"),
        ]));
        let config = ProviderConfig {
            cloud: Value::Value("c1".into()),
            project_name: Value::Value("blockproj".into()),
            ..Default::default()
        };
        let creds = config.credentials(&env_of(pairs)).expect("credentials");
        assert_eq!(creds.auth_url, "http://yaml:5000/v3");
        assert_eq!(creds.user_name.as_deref(), Some("envuser"));
        assert_eq!(creds.password.as_deref(), Some("yamlpw"));
        assert_eq!(creds.project_name.as_deref(), Some("blockproj"));
        assert_eq!(creds.region.as_deref(), Some("RegionTwo"));
        assert_eq!(
            creds.endpoint_overrides.get("compute").map(String::as_str),
            Some("http://nova:8774/v2.1")
        );
        std::fs::remove_dir_all(&dir).ok();
    }

    #[test]
    fn missing_pieces_are_named() {
        let none: &'static [(&'static str, &'static str)] = &[];
        let e = ProviderConfig::default()
            .credentials(&env_of(none))
            .unwrap_err();
        assert!(e.to_string().contains("auth_url"), "{e}");
        let c = ProviderConfig {
            auth_url: Value::Value("http://x/v3".into()),
            user_name: Value::Value("u".into()),
            ..Default::default()
        };
        let e = c.credentials(&env_of(none)).unwrap_err();
        assert!(e.to_string().contains("password"), "{e}");
        let c = ProviderConfig {
            cloud: Value::Value("nowhere".into()),
            ..Default::default()
        };
        let pairs: &'static [(&'static str, &'static str)] =
            &[("OS_CLIENT_CONFIG_FILE", "/nonexistent/clouds.yaml")];
        let e = c.credentials(&env_of(pairs)).unwrap_err();
        assert!(e.to_string().contains("no cloud \"nowhere\""), "{e}");
    }
}
