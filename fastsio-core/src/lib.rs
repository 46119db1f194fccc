pub mod engine;
pub mod service;

/// A boxed error, as hyper and tower carry them.
pub type BoxError = Box<dyn std::error::Error + Send + Sync>;
