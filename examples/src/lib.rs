//! Servers shared by the runnable examples and the workspace tests, so that what the tests
//! prove is exactly what the examples run.

#![forbid(unsafe_code)]

pub mod axum;
pub mod chat;
pub mod chat_client;
pub mod conformance;
pub mod current_user;
pub mod injection;
pub mod launch;
pub mod middleware;
pub mod routers;
pub mod simple;
pub mod typed_di;
