//! A JSON extractor whose rejections are [`Error`]s, so malformed input gets
//! the API's own error body, a 4xx, and a message naming the problem. A
//! body holding a NUL (`\u0000`) is refused before it is deserialized.

use axum::body::{Body, Bytes};
use axum::extract::rejection::JsonRejection;
use axum::extract::{FromRequest, Request};
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use serde::de::DeserializeOwned;
use stratus_common::{Error, ErrorKind};

pub struct Json<T>(pub T);

impl<S, T> FromRequest<S> for Json<T>
where
    S: Send + Sync,
    T: DeserializeOwned,
{
    type Rejection = Error;

    async fn from_request(req: Request, state: &S) -> Result<Self, Error> {
        let (parts, body) = req.into_parts();
        let bytes = Bytes::from_request(Request::from_parts(parts.clone(), body), state)
            .await
            .map_err(|e| rejection_error(JsonRejection::BytesRejection(e)))?;
        if crate::input::json_has_nul(&bytes) {
            return Err(Error::bad_request(
                "Invalid input: the request body contains a NUL character (\\u0000).",
            ));
        }
        let req = Request::from_parts(parts, Body::from(bytes));
        match axum::Json::<T>::from_request(req, state).await {
            Ok(axum::Json(value)) => Ok(Json(value)),
            Err(rejection) => Err(rejection_error(rejection)),
        }
    }
}

fn rejection_error(rejection: JsonRejection) -> Error {
    match rejection {
        JsonRejection::JsonDataError(e) => {
            // "Failed to deserialize the JSON body into the target type: <path>: <why>"
            let text = e.body_text();
            let detail = text
                .split_once("target type: ")
                .map_or(text.as_str(), |p| p.1);
            Error::bad_request(format!("Invalid input: {detail}"))
        }
        JsonRejection::JsonSyntaxError(e) => {
            let text = e.body_text();
            let detail = text.split_once("JSON: ").map_or(text.as_str(), |p| p.1);
            Error::bad_request(format!("Malformed request body: {detail}"))
        }
        JsonRejection::MissingJsonContentType(_) => Error::new(
            ErrorKind::UnsupportedMediaType,
            "The request body must be JSON, sent with Content-Type: application/json.",
        ),
        JsonRejection::BytesRejection(e)
            if e.status() == axum::http::StatusCode::PAYLOAD_TOO_LARGE =>
        {
            Error::new(ErrorKind::PayloadTooLarge, "The request body is too large.")
        }
        other => Error::bad_request(format!(
            "Cannot read the request body: {}",
            other.body_text()
        )),
    }
}

impl<T: Serialize> IntoResponse for Json<T> {
    fn into_response(self) -> Response {
        axum::Json(self.0).into_response()
    }
}
