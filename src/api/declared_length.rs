//! A request body that tells its declared `Content-Length` as its size hint. The body-timeout
//! layer's wrapper hides the hint, so a handler could not see that a body is larger than it
//! accepts until it had waited for the bytes: a client declaring 50 MB and sending a few held
//! the connection until the body timeout and was answered `408`, not `413 body_too_large`.
//! Placed inside the timeout layer, [`declare`] gives the hint back; handlers refuse on it
//! before reading (`guarantees::read_body`).

use std::pin::Pin;
use std::task::{Context, Poll};

use axum::body::{Body, Bytes, HttpBody};
use axum::extract::Request;
use axum::http::header::CONTENT_LENGTH;
use http_body::{Frame, SizeHint};

/// `inner`, with `len` (its declared `Content-Length`) as its exact size hint.
struct Declared {
    inner: Body,
    len: u64,
}

impl HttpBody for Declared {
    type Data = Bytes;
    type Error = axum::Error;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, axum::Error>>> {
        Pin::new(&mut self.inner).poll_frame(cx)
    }

    fn is_end_stream(&self) -> bool {
        self.inner.is_end_stream()
    }

    fn size_hint(&self) -> SizeHint {
        SizeHint::with_exact(self.len)
    }
}

/// Middleware (`axum::middleware::map_request`): a request whose well-formed `Content-Length`
/// is past the smallest body limit of any route ([`super::BODY_LEN_MAX`]) gets a body whose size
/// hint is that length; others pass unchanged (no route refuses them on their length, so the
/// small requests of the hot paths are not wrapped; hyper has already refused a malformed one).
pub(super) async fn declare(req: Request) -> Request {
    let len = req
        .headers()
        .get(CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|s| s.parse::<u64>().ok());
    match len {
        Some(len) if len > super::BODY_LEN_MAX as u64 => {
            req.map(|inner| Body::new(Declared { inner, len }))
        }
        _ => req,
    }
}
