//! Volumes of servers: boot volumes given at create and volumes attached
//! later (`os-volume_attachments`), through the storage service.

use stratus_auth::TokenClaims;
use stratus_bus_protocol::compute::DiskSpec;
use stratus_common::Error;

use super::App;
use super::servers::BlockDeviceRequest;
use crate::datastore::servers::Server;

impl App {
    /// Checks the volumes a create names.
    pub(crate) async fn volumes_check(
        &self,
        _caller: &TokenClaims,
        bdms: &[BlockDeviceRequest],
    ) -> Result<(), Error> {
        if bdms.is_empty() {
            Ok(())
        } else {
            Err(Error::bad_request(
                "Block Device Mapping is Invalid: volumes are not available yet.",
            ))
        }
    }

    /// Attaches the boot volumes of a server being built.
    pub(crate) async fn attach_boot_volumes(
        &self,
        s: Server,
        _caller: &TokenClaims,
    ) -> Result<Server, Error> {
        Ok(s)
    }

    /// The volumes of a server as disks of its host.
    pub(crate) async fn volume_disks(&self, _s: &Server) -> Result<Vec<DiskSpec>, Error> {
        Ok(Vec::new())
    }

    /// Detaches a server's volumes (deleting those marked so).
    pub(crate) async fn release_volumes(&self, _s: &Server) {}
}
