//! A small HTTP client for the CLI's calls to a running notary.

use anyhow::{anyhow, Context};

/// Default notary URL for client commands.
pub const DEFAULT_SERVER: &str = "http://127.0.0.1:8080";

/// Client for one notary.
pub struct Client {
    base: String,
    http: reqwest::Client,
}

impl Client {
    /// A client for `base` (e.g. `http://127.0.0.1:8080`).
    pub fn new(base: &str) -> anyhow::Result<Self> {
        let http = reqwest::Client::builder()
            .timeout(std::time::Duration::from_secs(30))
            .build()
            .context("building the HTTP client")?;
        Ok(Client {
            base: base.trim_end_matches('/').to_string(),
            http,
        })
    }

    fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    /// GET `path`, erroring on a non-2xx status with the server's error message.
    pub async fn get(&self, path: &str) -> anyhow::Result<Vec<u8>> {
        let resp = self
            .http
            .get(self.url(path))
            .send()
            .await
            .with_context(|| format!("GET {}", self.url(path)))?;
        Self::body(resp).await
    }

    /// GET `path` as text.
    pub async fn get_text(&self, path: &str) -> anyhow::Result<String> {
        String::from_utf8(self.get(path).await?).map_err(|_| anyhow!("{path}: answer is not UTF-8"))
    }

    /// GET `path` as JSON.
    pub async fn get_json<T: serde::de::DeserializeOwned>(&self, path: &str) -> anyhow::Result<T> {
        let bytes = self.get(path).await?;
        serde_json::from_slice(&bytes).with_context(|| format!("{path}: unexpected answer"))
    }

    /// POST `body` with `content_type`.
    pub async fn post(
        &self,
        path: &str,
        content_type: &str,
        body: Vec<u8>,
    ) -> anyhow::Result<Vec<u8>> {
        let resp = self
            .http
            .post(self.url(path))
            .header(reqwest::header::CONTENT_TYPE, content_type)
            .body(body)
            .send()
            .await
            .with_context(|| format!("POST {}", self.url(path)))?;
        Self::body(resp).await
    }

    /// `method` `path`, with a JSON body if given: the status and the body, whatever the
    /// status (for callers that read the error's code).
    pub async fn call(
        &self,
        method: reqwest::Method,
        path: &str,
        json: Option<Vec<u8>>,
    ) -> anyhow::Result<(u16, Vec<u8>)> {
        let mut req = self.http.request(method.clone(), self.url(path));
        if let Some(body) = json {
            req = req
                .header(reqwest::header::CONTENT_TYPE, "application/json")
                .body(body);
        }
        let resp = req
            .send()
            .await
            .with_context(|| format!("{method} {}", self.url(path)))?;
        let status = resp.status().as_u16();
        let bytes = resp.bytes().await.context("reading the answer")?.to_vec();
        Ok((status, bytes))
    }

    async fn body(resp: reqwest::Response) -> anyhow::Result<Vec<u8>> {
        let status = resp.status();
        let bytes = resp.bytes().await.context("reading the answer")?.to_vec();
        if status.is_success() {
            return Ok(bytes);
        }
        let error = serde_json::from_slice::<serde_json::Value>(&bytes)
            .ok()
            .and_then(|v| {
                let e = v.get("error")?;
                let code = e.get("code")?.as_str()?.to_string();
                Some((code, e.get("message")?.as_str()?.to_string()))
            });
        let answer = match error {
            Some((code, message)) => ServerAnswer {
                status: status.to_string(),
                message: format!("{code}: {message}"),
                code: serde_json::from_value(serde_json::Value::String(code)).ok(),
            },
            None => ServerAnswer {
                status: status.to_string(),
                message: String::from_utf8_lossy(&bytes).into_owned(),
                code: None,
            },
        };
        Err(answer.into())
    }
}

/// An error answer of the notary's HTTP API. Its code says whether the caller's input was
/// wrong (an unknown id, a malformed amount: exit 2) or the notary said no (exit 1), as the
/// admin socket's answers already did.
#[derive(Debug)]
pub struct ServerAnswer {
    status: String,
    message: String,
    /// The error's code, when it is one of notar's.
    pub code: Option<crate::model::error_code::ErrorCode>,
}

impl std::fmt::Display for ServerAnswer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "server answered {}: {}", self.status, self.message)
    }
}

impl std::error::Error for ServerAnswer {}
