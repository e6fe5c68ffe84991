//! Ed25519 signing keys: generation, signing tokens, and their public halves
//! as a JWKS (RFC 8037 `OKP` keys).

use crate::{AuthError, TokenClaims};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use ed25519_dalek::SigningKey;
use ed25519_dalek::pkcs8::EncodePrivateKey;
use jsonwebtoken::{Algorithm, EncodingKey, Header};

/// A freshly generated key pair as identity stores it.
pub struct KeyPair {
    pub kid: String,
    /// PKCS#8 DER of the private key.
    pub private_der: Vec<u8>,
    /// The 32-byte public key.
    pub public_key: Vec<u8>,
}

impl KeyPair {
    pub fn generate() -> Result<Self, AuthError> {
        let secret: [u8; 32] = rand::random();
        let signing = SigningKey::from_bytes(&secret);
        let private_der = signing
            .to_pkcs8_der()
            .map_err(|_| AuthError::BadKey)?
            .as_bytes()
            .to_vec();
        let public_key = signing.verifying_key().to_bytes().to_vec();
        let kid = URL_SAFE_NO_PAD.encode(&public_key[..12]);
        Ok(Self {
            kid,
            private_der,
            public_key,
        })
    }
}

/// Signs tokens with one key.
pub struct Signer {
    kid: String,
    key: EncodingKey,
}

impl Signer {
    pub fn new(kid: String, private_der: &[u8]) -> Self {
        Self {
            kid,
            key: EncodingKey::from_ed_der(private_der),
        }
    }

    pub fn kid(&self) -> &str {
        &self.kid
    }

    pub fn sign(&self, claims: &TokenClaims) -> Result<String, AuthError> {
        let mut header = Header::new(Algorithm::EdDSA);
        header.kid = Some(self.kid.clone());
        jsonwebtoken::encode(&header, claims, &self.key).map_err(AuthError::Invalid)
    }
}

pub use stratus_api::identity::{Jwk, Jwks};

/// The JWKS entry of an Ed25519 public key.
pub fn ed25519_jwk(kid: &str, public_key: &[u8]) -> Jwk {
    Jwk {
        kty: "OKP".into(),
        crv: "Ed25519".into(),
        x: URL_SAFE_NO_PAD.encode(public_key),
        kid: kid.into(),
        alg: "EdDSA".into(),
        key_use: "sig".into(),
    }
}
