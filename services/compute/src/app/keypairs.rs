//! Key pairs, Nova's way at microversion 2.1: a user's own, imported from
//! an OpenSSH public key or generated (the private key is returned once and
//! never kept), with the key's MD5 fingerprint.

use md5::Digest;
use serde_json::Value;
use stratus_auth::TokenClaims;
use stratus_common::{Error, ErrorKind};

use super::App;
use super::input::{invalid, name};
use crate::datastore::{self as ds, Keypair};

pub fn not_found(name: &str) -> Error {
    Error::not_found(format!("Keypair {name} not found for user"))
}

/// `aa:bb:...`: MD5 of the key's wire encoding, as `ssh-keygen -E md5`.
pub fn fingerprint(key: &ssh_key::PublicKey) -> Result<String, Error> {
    let blob = key.to_bytes().map_err(|_| {
        Error::bad_request("Keypair data is invalid: failed to generate fingerprint")
    })?;
    let digest = md5::Md5::digest(&blob);
    Ok(digest
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect::<Vec<_>>()
        .join(":"))
}

/// A new Ed25519 key pair: (OpenSSH private key, OpenSSH public key).
fn generate(comment: &str) -> Result<(String, ssh_key::PublicKey), Error> {
    let mut seed = [0u8; 32];
    rand::fill(&mut seed);
    let pair = ssh_key::private::Ed25519Keypair::from_seed(&seed);
    let mut private = ssh_key::PrivateKey::from(pair);
    private.set_comment(comment);
    let text = private
        .to_openssh(ssh_key::LineEnding::LF)
        .map_err(|e| Error::internal(&e))?;
    Ok((text.to_string(), private.public_key().clone()))
}

impl App {
    /// Imports or generates a key pair; with a generated one, its private
    /// key.
    pub async fn keypair_create(
        &self,
        caller: &TokenClaims,
        body: &stratus_api::compute::KeypairCreate,
    ) -> Result<(Keypair, Option<String>), Error> {
        let key_name = name("name", &Value::String(body.name.clone()), 255)?;
        if !key_name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || " _-".contains(c))
        {
            return Err(invalid(
                "name",
                &Value::String(key_name),
                "does not match '^[a-zA-Z0-9 _-]+$'",
            ));
        }
        let user = caller.sub.as_str();
        let limit = match caller.project_id() {
            Some(p) => self.limit_of(p, "key_pairs").await?,
            None => self.config.quotas.key_pairs,
        };
        let (public, private) = match &body.public_key {
            None => {
                let (private, public) = generate(&key_name)?;
                (public, Some(private))
            }
            Some(text) => {
                let key = ssh_key::PublicKey::from_openssh(text.trim()).map_err(|_| {
                    Error::bad_request("Keypair data is invalid: failed to generate fingerprint")
                })?;
                (key, None)
            }
        };
        let print = fingerprint(&public)?;
        let text = public.to_openssh().map_err(|e| Error::internal(&e))?;
        // Counted and inserted under the user's lock: parallel creates
        // cannot pass the quota together.
        let mut tx = self.pool.begin().await?;
        ds::lock_keypairs(&mut *tx, user).await?;
        let count = ds::keypair_count(&mut *tx, user).await?;
        if limit >= 0 && count >= i64::from(limit) {
            return Err(Error::new(
                ErrorKind::OverQuota,
                "Quota exceeded, too many key pairs.",
            ));
        }
        let kp = ds::keypair_insert(&mut *tx, user, &key_name, "ssh", &text, &print)
            .await?
            .ok_or_else(|| Error::conflict(format!("Key pair '{key_name}' already exists.")))?;
        tx.commit().await?;
        Ok((kp, private))
    }

    pub async fn keypair_list(&self, caller: &TokenClaims) -> Result<Vec<Keypair>, Error> {
        ds::keypair_list(&self.pool, &caller.sub)
            .await
            .map_err(Error::from)
    }

    pub async fn keypair_get(&self, caller: &TokenClaims, key: &str) -> Result<Keypair, Error> {
        ds::keypair_get(&self.pool, &caller.sub, key)
            .await?
            .ok_or_else(|| not_found(key))
    }

    pub async fn keypair_delete(&self, caller: &TokenClaims, key: &str) -> Result<(), Error> {
        if ds::keypair_delete(&self.pool, &caller.sub, key).await? {
            Ok(())
        } else {
            Err(not_found(key))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generated_keys_parse_back_and_fingerprints_are_md5_of_the_blob() {
        let (private, public) = generate("k1").expect("generate");
        assert!(private.starts_with("-----BEGIN OPENSSH PRIVATE KEY-----"));
        let text = public.to_openssh().expect("openssh");
        assert!(text.starts_with("ssh-ed25519 "), "{text}");
        let back = ssh_key::PublicKey::from_openssh(&text).expect("parse");
        let print = fingerprint(&back).expect("fingerprint");
        assert_eq!(print.len(), 47, "{print}");
        assert_eq!(print, fingerprint(&public).expect("fingerprint"));
        // A known key and the fingerprint `ssh-keygen -l -E md5` gives it.
        let known = ssh_key::PublicKey::from_openssh(
            "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIGYnoXy2jbVNDcm0Ej9PODOKyFMnk52ySfUlj/RL9L34 test",
        )
        .expect("parse");
        assert_eq!(fingerprint(&known).expect("fingerprint"), KNOWN_MD5);
    }

    const KNOWN_MD5: &str = "4c:f4:a6:94:a6:8d:dc:45:76:15:8f:98:50:70:aa:9b";
}
