//! One request through a router with `oneshot`, as the router tests make them, and a
//! router served on a fresh loopback port.

use axum::body::Body;
use axum::http::{Request, StatusCode};
use axum::Router;
use http_body_util::BodyExt;
use serde_json::Value;
use tokio::task::JoinHandle;
use tower::ServiceExt;

/// `method path` with an optional bearer token and JSON body: the status and the JSON
/// answer (`null` if the body is not JSON).
///
/// # Panics
///
/// If the request cannot be built or the body read (a broken test, not a refusal).
pub async fn call(
    app: &Router,
    method: &str,
    path: &str,
    bearer: Option<&str>,
    body: Option<Value>,
) -> (StatusCode, Value) {
    let mut req = Request::builder().method(method).uri(path);
    if let Some(b) = bearer {
        req = req.header("authorization", format!("Bearer {b}"));
    }
    let req = match body {
        Some(v) => req
            .header("content-type", "application/json")
            .body(Body::from(v.to_string())),
        None => req.body(Body::empty()),
    }
    .expect("a well-formed request");
    let resp = app.clone().oneshot(req).await.expect("routers do not fail");
    let status = resp.status();
    let bytes = resp
        .into_body()
        .collect()
        .await
        .expect("the body")
        .to_bytes();
    (
        status,
        serde_json::from_slice(&bytes).unwrap_or(Value::Null),
    )
}

/// Serves `app` on a fresh loopback port (`127.0.0.1:0`) as the services serve
/// (`alc_service::serve` with its default limits): its base URL and the server's task.
///
/// # Errors
///
/// If no loopback port can be bound.
pub async fn serve(app: Router) -> std::io::Result<(String, JoinHandle<std::io::Result<()>>)> {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let url = format!("http://{}", listener.local_addr()?);
    Ok((
        url,
        tokio::spawn(async move {
            alc_service::serve(
                listener,
                app,
                alc_service::Limits::default(),
                std::future::pending(),
            )
            .await;
            Ok(())
        }),
    ))
}
