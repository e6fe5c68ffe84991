//! `/v2/schemas/*`: the JSON schemas Glance publishes for its resources
//! (glanceclient reads them to validate and to know which attributes are
//! read-only), built from the same lists the API validates with.

use crate::app::images::{CONTAINER_FORMATS, DISK_FORMATS, READ_ONLY, VISIBILITIES};
use serde_json::{Value, json};
use stratus_http::Json;

const UUID_PATTERN: &str =
    "^([0-9a-fA-F]){8}-([0-9a-fA-F]){4}-([0-9a-fA-F]){4}-([0-9a-fA-F]){4}-([0-9a-fA-F]){12}$";

fn nullable_enum(values: &[&str]) -> Value {
    let mut all = vec![Value::Null];
    all.extend(values.iter().map(|v| json!(v)));
    json!({"type": ["null", "string"], "enum": all})
}

fn image_schema() -> Value {
    let mut properties = json!({
        "id": {"type": "string", "description": "An identifier for the image", "pattern": UUID_PATTERN},
        "name": {"type": ["null", "string"], "maxLength": 255},
        "status": {"type": "string", "enum": ["queued", "saving", "active", "killed", "deactivated"]},
        "visibility": {"type": "string", "enum": VISIBILITIES},
        "protected": {"type": "boolean"},
        "os_hidden": {"type": "boolean"},
        "checksum": {"type": ["null", "string"], "maxLength": 32},
        "os_hash_algo": {"type": ["null", "string"], "maxLength": 64},
        "os_hash_value": {"type": ["null", "string"], "maxLength": 128},
        "owner": {"type": ["null", "string"], "maxLength": 255},
        "size": {"type": ["null", "integer"]},
        "virtual_size": {"type": ["null", "integer"]},
        "container_format": nullable_enum(CONTAINER_FORMATS),
        "disk_format": nullable_enum(DISK_FORMATS),
        "created_at": {"type": "string"},
        "updated_at": {"type": "string"},
        "tags": {"type": "array", "items": {"type": "string", "maxLength": 255}},
        "min_ram": {"type": "integer"},
        "min_disk": {"type": "integer"},
        "self": {"type": "string"},
        "file": {"type": "string"},
        "schema": {"type": "string"},
        "kernel_id": {"type": ["null", "string"], "pattern": UUID_PATTERN, "is_base": false},
        "ramdisk_id": {"type": ["null", "string"], "pattern": UUID_PATTERN, "is_base": false},
    });
    if let Some(map) = properties.as_object_mut() {
        for (name, schema) in map.iter_mut() {
            if READ_ONLY.contains(&name.as_str()) {
                schema["readOnly"] = json!(true);
            }
        }
    }
    json!({
        "name": "image",
        "properties": properties,
        "additionalProperties": {"type": "string"},
        "links": [
            {"rel": "self", "href": "{self}"},
            {"rel": "enclosure", "href": "{file}"},
            {"rel": "describedby", "href": "{schema}"},
        ],
    })
}

fn member_schema() -> Value {
    json!({
        "name": "member",
        "properties": {
            "image_id": {"type": "string", "pattern": UUID_PATTERN},
            "member_id": {"type": "string"},
            "status": {"type": "string", "enum": ["pending", "accepted", "rejected"]},
            "created_at": {"type": "string"},
            "updated_at": {"type": "string"},
            "schema": {"type": "string", "readOnly": true},
        },
    })
}

/// The image schema.
#[utoipa::path(get, path = "/v2/schemas/image", operation_id = "showImageSchema", tag = "schemas",
    responses((status = 200, description = "JSON schema of an image", body = stratus_api::image::SchemaDocument)))]
pub async fn image() -> Json<Value> {
    Json(image_schema())
}

/// The image list schema.
#[utoipa::path(get, path = "/v2/schemas/images", operation_id = "showImagesSchema", tag = "schemas",
    responses((status = 200, description = "JSON schema of an image list", body = stratus_api::image::SchemaDocument)))]
pub async fn images() -> Json<Value> {
    Json(json!({
        "name": "images",
        "properties": {
            "images": {"type": "array", "items": image_schema()},
            "schema": {"type": "string"},
            "first": {"type": "string"},
            "next": {"type": "string"},
        },
        "links": [
            {"rel": "first", "href": "{first}"},
            {"rel": "next", "href": "{next}"},
            {"rel": "describedby", "href": "{schema}"},
        ],
    }))
}

/// The member schema.
#[utoipa::path(get, path = "/v2/schemas/member", operation_id = "showImageMemberSchema", tag = "schemas",
    responses((status = 200, description = "JSON schema of a member", body = stratus_api::image::SchemaDocument)))]
pub async fn member() -> Json<Value> {
    Json(member_schema())
}

/// The member list schema.
#[utoipa::path(get, path = "/v2/schemas/members", operation_id = "showImageMembersSchema", tag = "schemas",
    responses((status = 200, description = "JSON schema of a member list", body = stratus_api::image::SchemaDocument)))]
pub async fn members() -> Json<Value> {
    Json(json!({
        "name": "members",
        "properties": {
            "members": {"type": "array", "items": member_schema()},
            "schema": {"type": "string"},
        },
        "links": [{"rel": "describedby", "href": "{schema}"}],
    }))
}
