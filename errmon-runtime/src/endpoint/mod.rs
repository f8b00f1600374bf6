//! The HTTP surface of errmon, apart from any transport: a [`Request`] model, a [`Response`]
//! model, and one routing table ([`Routes`]) that decides authentication, `404`, `405` and
//! `HEAD` for every route. The embedded server (`crate::server`) maps hyper's requests onto
//! this model; a framework adapter can mount the same table, so the bytes of a body are the
//! same whoever serves them.
//!
//! A new route is one entry of [`Routes::standard`]: its path, its methods, whether it needs
//! the bearer token, and a handler from the request and the shared [`State`] to a response.

mod auth;
mod errors;
mod metrics;
mod request;
mod response;
mod routes;

pub(crate) use metrics::Scrapes;
pub(crate) use request::{Method, Request};
pub(crate) use response::Response;
pub(crate) use routes::Routes;

use crate::export::Renderer;

/// What every handler may read: the renderer of `/metrics` (behind the scrape cache) and the
/// bearer token, if one is configured.
pub(crate) struct State {
    pub(crate) scrapes: Scrapes,
    /// When set, each route with [`routes::Auth::Required`] (and every unknown path) needs
    /// `Authorization: Bearer <token>`.
    pub(crate) token: Option<String>,
}

impl State {
    pub(crate) fn new(renderer: Renderer, token: Option<String>) -> Self {
        State {
            scrapes: Scrapes::new(renderer),
            token,
        }
    }
}
