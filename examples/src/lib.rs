//! Servers shared by the runnable examples and the workspace tests, so that what the tests
//! prove is exactly what the examples run.

pub mod chat;
pub mod conformance;
