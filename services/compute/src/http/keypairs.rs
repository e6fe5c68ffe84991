//! `/v2.1/os-keypairs`: a user's key pairs.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use serde_json::{Value, json};
use stratus_common::Error;
use stratus_http::Json;
use stratus_http::auth::Caller;

use super::time;
use crate::app::App;

/// Imports a public key, or generates a pair and returns its private key
/// (once).
#[utoipa::path(post, path = "/v2.1/os-keypairs", operation_id = "createKeypair", tag = "keypairs", request_body = Object,
    responses((status = 200, description = "The key pair", body = Object),
        (status = 409, description = "The user has one of that name")))]
pub async fn create(
    State(app): State<App>,
    caller: Caller,
    Json(body): Json<Value>,
) -> Result<Json<Value>, Error> {
    let (kp, private) = app.keypair_create(&caller.0, &body).await?;
    let mut v = json!({
        "name": kp.name, "public_key": kp.public_key, "fingerprint": kp.fingerprint,
        "user_id": kp.user_id,
    });
    if let Some(p) = private {
        v["private_key"] = json!(p);
    }
    Ok(Json(json!({"keypair": v})))
}

#[utoipa::path(get, path = "/v2.1/os-keypairs", operation_id = "listKeypairs", tag = "keypairs",
    responses((status = 200, description = "The caller's key pairs", body = Object)))]
pub async fn list(State(app): State<App>, caller: Caller) -> Result<Json<Value>, Error> {
    let all = app.keypair_list(&caller.0).await?;
    Ok(Json(
        json!({"keypairs": all.iter().map(|k| json!({"keypair": {
        "name": k.name, "public_key": k.public_key, "fingerprint": k.fingerprint,
    }})).collect::<Vec<_>>()}),
    ))
}

#[utoipa::path(get, path = "/v2.1/os-keypairs/{name}", operation_id = "showKeypair", tag = "keypairs",
    params(("name" = String, Path)),
    responses((status = 200, description = "The key pair", body = Object),
        (status = 404, description = "The caller has none of that name")))]
pub async fn show(
    State(app): State<App>,
    caller: Caller,
    Path(name): Path<String>,
) -> Result<Json<Value>, Error> {
    let k = app.keypair_get(&caller.0, &name).await?;
    Ok(Json(json!({"keypair": {
        "name": k.name, "public_key": k.public_key, "fingerprint": k.fingerprint,
        "user_id": k.user_id, "id": k.id, "created_at": time(&k.created_at),
        "updated_at": null, "deleted": false, "deleted_at": null,
    }})))
}

#[utoipa::path(delete, path = "/v2.1/os-keypairs/{name}", operation_id = "deleteKeypair", tag = "keypairs",
    params(("name" = String, Path)),
    responses((status = 202, description = "Deleted")))]
pub async fn delete(
    State(app): State<App>,
    caller: Caller,
    Path(name): Path<String>,
) -> Result<StatusCode, Error> {
    app.keypair_delete(&caller.0, &name).await?;
    Ok(StatusCode::ACCEPTED)
}
