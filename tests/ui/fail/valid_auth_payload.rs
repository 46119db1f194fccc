//! `Valid<Auth<T>>` names what its payload type lacks, not serde's or validator's bound.
use fastsio::prelude::*;

#[derive(serde::Deserialize)]
struct NotValidate {
    token: String,
}

#[derive(validator::Validate)]
struct NotDeserialize {
    token: String,
}

#[connect]
async fn no_validate(Valid(Auth(t)): Valid<Auth<NotValidate>>) {
    let _ = t.token;
}

#[connect]
async fn no_deserialize(Valid(Auth(t)): Valid<Auth<NotDeserialize>>) {
    let _ = t.token;
}

fn main() {}
