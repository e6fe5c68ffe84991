//! One module per `stratus_<name>` resource.

pub mod flavor;
pub mod floating_ip;
pub mod floating_ip_association;
pub mod image;
pub mod instance;
pub mod keypair;
pub mod network;
pub mod port;
pub mod project;
pub mod quota;
pub mod role_assignment;
pub mod router;
pub mod router_interface;
pub mod security_group;
pub mod security_group_rule;
pub mod subnet;
pub mod user;
pub mod volume;
pub mod volume_attachment;

use crate::client::Client;
use crate::framework::{Error, Result};
use crate::wait::{self, Deadline, Poll};

/// Deletes, retrying while the API answers 409 (a port still being
/// unplugged, a volume still detaching): what another resource's delete in
/// the same apply is about to free. Gone already counts as deleted.
pub(crate) async fn delete_retrying_conflicts(
    client: &Client,
    service: &str,
    path: &str,
    deadline: Deadline,
) -> Result<()> {
    wait::until(deadline, &format!("delete of {path}"), || async move {
        match client.delete(service, path).await {
            Ok(()) => Ok(Poll::Done(())),
            Err(e) if e.is_conflict() => Ok(Poll::Pending(format!("in use ({e})"))),
            Err(e) => Err(Error::from(e)),
        }
    })
    .await
}
