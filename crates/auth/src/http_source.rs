//! Fetching identity's JWKS over HTTP (`GET <identity>/v3/auth/jwks`).

use crate::{AuthError, Jwks, JwksFuture, KeySource};
use std::time::Duration;

pub struct HttpKeySource {
    url: String,
    client: reqwest::Client,
}

impl HttpKeySource {
    /// `identity_url` is the identity API's root or its `/v3`.
    pub fn new(identity_url: &str) -> Self {
        let base = identity_url.trim_end_matches('/').trim_end_matches("/v3");
        Self {
            url: format!("{base}/v3/auth/jwks"),
            client: reqwest::Client::builder()
                .timeout(Duration::from_secs(5))
                .build()
                .unwrap_or_default(),
        }
    }
}

impl KeySource for HttpKeySource {
    fn fetch(&self) -> JwksFuture {
        let request = self.client.get(&self.url);
        let url = self.url.clone();
        Box::pin(async move {
            let unavailable = |e: reqwest::Error| AuthError::KeysUnavailable(format!("{url}: {e}"));
            request
                .send()
                .await
                .and_then(reqwest::Response::error_for_status)
                .map_err(unavailable)?
                .json::<Jwks>()
                .await
                .map_err(unavailable)
        })
    }
}
