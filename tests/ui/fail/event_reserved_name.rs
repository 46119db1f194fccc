use fastsio::prelude::*;

#[event("disconnect")]
async fn gone() {}

#[event("")]
async fn empty() {}

fn main() {}
