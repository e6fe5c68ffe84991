//! `/v2.1/os-keypairs`: a user's key pairs.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use stratus_api::compute as api;
use stratus_common::Error;
use stratus_http::Json;
use stratus_http::auth::Caller;

use super::time;
use crate::app::App;

/// Imports a public key, or generates a pair and returns its private key
/// (once).
#[utoipa::path(post, path = "/v2.1/os-keypairs", operation_id = "createKeypair", tag = "keypairs", request_body = api::KeypairCreateBody,
    responses((status = 200, description = "The key pair (with its private key when made here)", body = api::KeypairBody),
        (status = 400, description = "A bad name or key"), (status = 403, description = "Over the key_pairs quota"),
        (status = 409, description = "The user has one of that name")))]
pub async fn create(
    State(app): State<App>,
    caller: Caller,
    Json(body): Json<api::KeypairCreateBody>,
) -> Result<Json<api::KeypairBody>, Error> {
    let (kp, private) = app.keypair_create(&caller.0, &body.keypair).await?;
    Ok(Json(api::KeypairBody {
        keypair: api::Keypair {
            name: kp.name,
            public_key: kp.public_key,
            fingerprint: kp.fingerprint,
            user_id: Some(kp.user_id),
            private_key: private,
            id: None,
            created_at: None,
            deleted: None,
        },
    }))
}

#[utoipa::path(get, path = "/v2.1/os-keypairs", operation_id = "listKeypairs", tag = "keypairs",
    responses((status = 200, description = "The caller's key pairs", body = api::KeypairList)))]
pub async fn list(State(app): State<App>, caller: Caller) -> Result<Json<api::KeypairList>, Error> {
    let all = app.keypair_list(&caller.0).await?;
    Ok(Json(api::KeypairList {
        keypairs: all
            .into_iter()
            .map(|k| api::KeypairBody {
                keypair: api::Keypair {
                    name: k.name,
                    public_key: k.public_key,
                    fingerprint: k.fingerprint,
                    user_id: None,
                    private_key: None,
                    id: None,
                    created_at: None,
                    deleted: None,
                },
            })
            .collect(),
    }))
}

#[utoipa::path(get, path = "/v2.1/os-keypairs/{name}", operation_id = "showKeypair", tag = "keypairs",
    params(("name" = String, Path)),
    responses((status = 200, description = "The key pair", body = api::KeypairBody),
        (status = 404, description = "The caller has none of that name")))]
pub async fn show(
    State(app): State<App>,
    caller: Caller,
    Path(name): Path<String>,
) -> Result<Json<api::KeypairBody>, Error> {
    let k = app.keypair_get(&caller.0, &name).await?;
    Ok(Json(api::KeypairBody {
        keypair: api::Keypair {
            created_at: Some(time(&k.created_at)),
            name: k.name,
            public_key: k.public_key,
            fingerprint: k.fingerprint,
            user_id: Some(k.user_id),
            private_key: None,
            id: Some(k.id),
            deleted: Some(false),
        },
    }))
}

#[utoipa::path(delete, path = "/v2.1/os-keypairs/{name}", operation_id = "deleteKeypair", tag = "keypairs",
    params(("name" = String, Path)),
    responses((status = 202, description = "Deleted"), (status = 404, description = "The caller has none of that name")))]
pub async fn delete(
    State(app): State<App>,
    caller: Caller,
    Path(name): Path<String>,
) -> Result<StatusCode, Error> {
    app.keypair_delete(&caller.0, &name).await?;
    Ok(StatusCode::ACCEPTED)
}
