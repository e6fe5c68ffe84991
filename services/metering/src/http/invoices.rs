//! `/v1/rate-cards` and `/v1/invoices` (JSON, and CSV for an invoice).

use axum::extract::{Path, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};
use stratus_common::Error;
use stratus_http::Json;
use stratus_http::auth::Caller;

use crate::app::App;
use crate::datastore::{Invoice, LineRow, RateCardRow};

fn member<'a>(body: &'a Value, key: &str) -> Result<&'a serde_json::Map<String, Value>, Error> {
    body.get(key)
        .and_then(Value::as_object)
        .ok_or_else(|| Error::bad_request(format!("The body needs an object '{key}'.")))
}

fn card_view(c: &RateCardRow) -> Value {
    let mut v = json!({
        "id": c.id, "effective_from": c.effective_from.to_rfc3339(), "currency": c.currency,
        "flavor_hour": c.flavor_hour.0, "created_at": c.created_at.to_rfc3339(),
    });
    for (k, _) in crate::app::billing::PRICES {
        v[*k] = json!(c.prices.0.get(*k).copied().unwrap_or(0));
    }
    v
}

fn invoice_view(i: &Invoice) -> Value {
    json!({
        "id": i.id, "project_id": i.project_id, "period_start": i.period_start.to_rfc3339(),
        "period_end": i.period_end.to_rfc3339(), "status": i.status, "currency": i.currency,
        "total": i.total, "created_at": i.created_at.to_rfc3339(),
        "closed_at": i.closed_at.map(|t| t.to_rfc3339()),
    })
}

fn line_view(l: &LineRow) -> Value {
    json!({
        "resource_id": l.resource_id, "resource_type": l.resource_type, "flavor": l.flavor,
        "charge": l.charge, "quantity": l.quantity, "unit": l.unit, "rate_card": l.rate_card,
        "start": l.line_start.to_rfc3339(), "end": l.line_end.to_rfc3339(),
        "seconds": l.millis / 1000, "millis": l.millis, "amount": l.amount,
    })
}

/// Adds a rate card (admins); it applies from `effective_from`.
#[utoipa::path(post, path = "/v1/rate-cards", operation_id = "createRateCard", tag = "rate-cards", request_body = Object,
    responses((status = 201, description = "The rate card", body = Object),
        (status = 400, description = "Bad prices (fractions, negatives), currency or time"),
        (status = 409, description = "A card at that time, another currency, or a closed period")))]
pub async fn card_create(
    State(app): State<App>,
    caller: Caller,
    Json(body): Json<Value>,
) -> Result<(StatusCode, Json<Value>), Error> {
    let c = app
        .rate_card_create(&caller.0, member(&body, "rate_card")?)
        .await?;
    Ok((
        StatusCode::CREATED,
        Json(json!({"rate_card": card_view(&c)})),
    ))
}

#[utoipa::path(get, path = "/v1/rate-cards", operation_id = "listRateCards", tag = "rate-cards",
    responses((status = 200, description = "Every rate card, oldest first", body = Object)))]
pub async fn cards(State(app): State<App>, _caller: Caller) -> Result<Json<Value>, Error> {
    let all = app.rate_card_list().await?;
    Ok(Json(
        json!({"rate_cards": all.iter().map(card_view).collect::<Vec<_>>()}),
    ))
}

/// Opens a draft invoice for a project and period (admins).
#[utoipa::path(post, path = "/v1/invoices", operation_id = "createInvoice", tag = "invoices", request_body = Object,
    responses((status = 201, description = "The draft", body = Object),
        (status = 409, description = "The project has one for that period")))]
pub async fn create(
    State(app): State<App>,
    caller: Caller,
    Json(body): Json<Value>,
) -> Result<(StatusCode, Json<Value>), Error> {
    let i = app
        .invoice_create(&caller.0, member(&body, "invoice")?)
        .await?;
    Ok((
        StatusCode::CREATED,
        Json(json!({"invoice": invoice_view(&i)})),
    ))
}

/// Invoices the caller may see: all for admins, their project's for others.
#[utoipa::path(get, path = "/v1/invoices", operation_id = "listInvoices", tag = "invoices",
    responses((status = 200, description = "Invoices", body = Object)))]
pub async fn list(State(app): State<App>, caller: Caller) -> Result<Json<Value>, Error> {
    let all = app.invoice_list(&caller.0).await?;
    Ok(Json(
        json!({"invoices": all.iter().map(invoice_view).collect::<Vec<_>>()}),
    ))
}

/// An invoice with its lines; a draft is priced as of now, and its total
/// is the sum of its lines.
#[utoipa::path(get, path = "/v1/invoices/{invoice_id}", operation_id = "showInvoice", tag = "invoices",
    params(("invoice_id" = String, Path)),
    responses((status = 200, description = "The invoice", body = Object),
        (status = 404, description = "No such invoice the caller may see")))]
pub async fn show(
    State(app): State<App>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<Json<Value>, Error> {
    let (i, lines, currency) = app.invoice_get(&caller.0, &id).await?;
    let mut v = invoice_view(&i);
    v["lines"] = json!(lines.iter().map(line_view).collect::<Vec<_>>());
    v["total"] = json!(lines.iter().map(|l| l.amount).sum::<i64>());
    v["currency"] = json!(currency);
    Ok(Json(json!({"invoice": v})))
}

/// Invoices and closes a whole period (admins): every project that used
/// anything in it gets its invoice, closed; projects already closed for
/// the period are left as they are.
#[utoipa::path(post, path = "/v1/invoices/close-period", operation_id = "closeInvoicePeriod", tag = "invoices", request_body = Object,
    responses((status = 200, description = "How many were closed and their sum", body = Object),
        (status = 400, description = "A bad period")))]
pub async fn close_period(
    State(app): State<App>,
    caller: Caller,
    Json(body): Json<Value>,
) -> Result<Json<Value>, Error> {
    let (closed, total, currency) = app
        .close_period(&caller.0, member(&body, "period")?)
        .await?;
    Ok(Json(
        json!({"period": {"closed": closed, "total": total, "currency": currency}}),
    ))
}

/// Closes an invoice (admins): priced one last time, then immutable.
#[utoipa::path(post, path = "/v1/invoices/{invoice_id}/close", operation_id = "closeInvoice", tag = "invoices",
    params(("invoice_id" = String, Path)),
    responses((status = 200, description = "The closed invoice", body = Object),
        (status = 409, description = "It is closed already")))]
pub async fn close(
    State(app): State<App>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<Json<Value>, Error> {
    let i = app.invoice_close(&caller.0, &id).await?;
    Ok(Json(json!({"invoice": invoice_view(&i)})))
}

/// The invoice's lines as CSV, with a total row.
#[utoipa::path(get, path = "/v1/invoices/{invoice_id}/csv", operation_id = "showInvoiceCsv", tag = "invoices",
    params(("invoice_id" = String, Path)),
    responses((status = 200, description = "text/csv", body = String)))]
pub async fn csv(
    State(app): State<App>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<Response, Error> {
    let (i, lines, currency) = app.invoice_get(&caller.0, &id).await?;
    let mut out = String::from(
        "resource_id,resource_type,flavor,charge,quantity,unit,rate_card,start,end,seconds,amount,currency\n",
    );
    let cur = currency.unwrap_or_default();
    for l in &lines {
        out.push_str(&format!(
            "{},{},{},{},{},{},{},{},{},{},{},{cur}\n",
            csv_field(&l.resource_id),
            csv_field(&l.resource_type),
            csv_field(&l.flavor),
            l.charge,
            l.quantity,
            csv_field(&l.unit),
            l.rate_card,
            l.line_start.to_rfc3339(),
            l.line_end.to_rfc3339(),
            l.millis / 1000,
            l.amount
        ));
    }
    out.push_str(&format!(
        "total,,,,,,,{},{},,{},{cur}\n",
        i.period_start.to_rfc3339(),
        i.period_end.to_rfc3339(),
        lines.iter().map(|l| l.amount).sum::<i64>()
    ));
    Ok(([(header::CONTENT_TYPE, "text/csv; charset=utf-8")], out).into_response())
}

/// A CSV field, quoted when it must be.
fn csv_field(s: &str) -> String {
    if s.contains([',', '"', '\n']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_owned()
    }
}
