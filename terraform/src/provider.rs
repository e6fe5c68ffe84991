//! The provider: its configuration, and the resources and data sources it
//! serves.

use std::collections::HashMap;

use async_trait::async_trait;
use tf_provider::schema::Schema;
use tf_provider::value::ValueEmpty;
use tf_provider::{Diagnostics, DynamicDataSource, DynamicResource, Provider};

use crate::client::Client;
use crate::config::{self, ProviderConfig};
use crate::data_sources;
use crate::framework::{Adapter, Kind, Shared};
use crate::resources;

#[derive(Default)]
pub struct Stratus {
    client: Shared,
}

impl Stratus {
    fn resource<K: Kind>(&self, kind: K) -> Box<dyn DynamicResource> {
        Box::new(Adapter {
            kind,
            client: self.client.clone(),
        })
    }
}

#[async_trait]
impl Provider for Stratus {
    type Config<'a> = ProviderConfig;
    type MetaState<'a> = ValueEmpty;

    fn schema(&self, _diags: &mut Diagnostics) -> Option<Schema> {
        Some(config::schema())
    }

    async fn configure<'a>(
        &self,
        diags: &mut Diagnostics,
        _terraform_version: String,
        config: Self::Config<'a>,
    ) -> Option<()> {
        let creds = match config.credentials(&|k| std::env::var(k).ok()) {
            Ok(c) => c,
            Err(e) => {
                diags.root_error("provider configuration", e.to_string());
                return None;
            }
        };
        let client = match Client::new(creds) {
            Ok(c) => c,
            Err(e) => {
                diags.root_error("provider configuration", e.to_string());
                return None;
            }
        };
        if let Err(e) = client.login().await {
            diags.root_error("cannot log in to the cloud", e.to_string());
            return None;
        }
        self.client.set(client);
        Some(())
    }

    fn get_resources(
        &self,
        _diags: &mut Diagnostics,
    ) -> Option<HashMap<String, Box<dyn DynamicResource>>> {
        Some(HashMap::from([
            (
                "flavor".to_owned(),
                self.resource(resources::flavor::Flavor),
            ),
            (
                "project".to_owned(),
                self.resource(resources::project::Project),
            ),
            ("user".to_owned(), self.resource(resources::user::User)),
            (
                "role_assignment".to_owned(),
                self.resource(resources::role_assignment::RoleAssignment),
            ),
            ("quota".to_owned(), self.resource(resources::quota::Quota)),
            ("image".to_owned(), self.resource(resources::image::Image)),
            (
                "instance".to_owned(),
                self.resource(resources::instance::Instance),
            ),
            (
                "volume_attachment".to_owned(),
                self.resource(resources::volume_attachment::VolumeAttachment),
            ),
            (
                "volume".to_owned(),
                self.resource(resources::volume::Volume),
            ),
            (
                "network".to_owned(),
                self.resource(resources::network::Network),
            ),
            ("port".to_owned(), self.resource(resources::port::Port)),
            (
                "floating_ip".to_owned(),
                self.resource(resources::floating_ip::FloatingIp),
            ),
            (
                "floating_ip_association".to_owned(),
                self.resource(resources::floating_ip_association::FloatingIpAssociation),
            ),
            (
                "keypair".to_owned(),
                self.resource(resources::keypair::Keypair),
            ),
            (
                "subnet".to_owned(),
                self.resource(resources::subnet::Subnet),
            ),
            (
                "router".to_owned(),
                self.resource(resources::router::Router),
            ),
            (
                "router_interface".to_owned(),
                self.resource(resources::router_interface::RouterInterfaceKind),
            ),
            (
                "security_group".to_owned(),
                self.resource(resources::security_group::SecurityGroup),
            ),
            (
                "security_group_rule".to_owned(),
                self.resource(resources::security_group_rule::SecurityGroupRule),
            ),
        ]))
    }

    fn get_data_sources(
        &self,
        _diags: &mut Diagnostics,
    ) -> Option<HashMap<String, Box<dyn DynamicDataSource>>> {
        Some(data_sources::all(&self.client))
    }
}
