//! `Valid<..>` belongs to #[event] and #[connect] handlers: the message names both.
use fastsio::prelude::*;

#[derive(serde::Deserialize, validator::Validate)]
struct Token {
    token: String,
}

#[disconnect]
async fn on_disconnect(Valid(Auth(t)): Valid<Auth<Token>>) {
    let _ = t.token;
}

fn main() {}
