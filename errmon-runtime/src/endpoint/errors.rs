//! `GET /errors`: the error tracking snapshot as JSON (schema in the README and in
//! `ErrorsSnapshot::to_json`), selected by `limit`, `function`, `since` and `order`.

use super::{Request, Response};

/// The content type of `/errors`.
const JSON: &str = "application/json";

/// The snapshot as of this request, or `400` naming the parameter that is wrong.
pub(super) fn handle(req: &Request) -> Response {
    match crate::errors::snapshot_json(req.query.as_deref().unwrap_or_default()) {
        Ok(json) => Response::new(200, JSON, json).with_header("cache-control", "no-store"),
        Err(e) => Response::new(400, "text/plain; charset=utf-8", format!("{e}\n")),
    }
}
