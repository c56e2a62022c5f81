//! The same service, but the draft is published straight away: no editor sees it.

use async_openai::types::CreateChatCompletionRequestArgs;
use axum::{routing::post, Json, Router};
use serde::Deserialize;

#[derive(Deserialize)]
pub struct DraftRequest {
    pub brief: String,
}

pub async fn draft_article(Json(req): Json<DraftRequest>) -> Result<String, String> {
    acme_safety::screen_prompt(&req.brief).await.map_err(|e| e.to_string())?;
    let client = async_openai::Client::new();
    let request = CreateChatCompletionRequestArgs::default()
        .model("qwen-max")
        .build()
        .map_err(|e| e.to_string())?;
    let reply = client.chat().create(request).await.map_err(|e| e.to_string())?;
    let draft = reply.choices[0].message.content.clone().unwrap_or_default();
    acme_safety::screen_draft(&draft).await.map_err(|e| e.to_string())?;
    let url = acme_editorial::publish(&draft).await.map_err(|e| e.to_string())?;
    Ok(url)
}

pub fn app() -> Router {
    Router::new().route("/v1/drafts", post(draft_article))
}

#[tokio::main]
async fn main() {
    let listener = tokio::net::TcpListener::bind("0.0.0.0:8080").await.unwrap();
    axum::serve(listener, app()).await.unwrap();
}
