//! Servers shared by the runnable examples and the workspace tests, so that what the tests
//! prove is exactly what the examples run.

pub mod axum;
pub mod chat;
pub mod conformance;
pub mod current_user;
pub mod injection;
pub mod launch;
pub mod middleware;
pub mod routers;
pub mod simple;
pub mod typed_di;
