//! The user guide (`docs/guide/`), one page per item: `cargo test -p fastsio --doc` compiles
//! every Rust snippet of every page (and runs those not marked `no_run`).

/// `docs/guide/README.md`.
#[doc = include_str!("../../docs/guide/README.md")]
pub struct Index;

/// `docs/guide/getting-started.md`.
#[doc = include_str!("../../docs/guide/getting-started.md")]
pub struct GettingStarted;

/// `docs/guide/extractors.md`.
#[doc = include_str!("../../docs/guide/extractors.md")]
pub struct Extractors;

/// `docs/guide/handlers-and-acks.md`.
#[doc = include_str!("../../docs/guide/handlers-and-acks.md")]
pub struct HandlersAndAcks;

/// `docs/guide/routers.md`.
#[doc = include_str!("../../docs/guide/routers.md")]
pub struct Routers;

/// `docs/guide/middleware.md`.
#[doc = include_str!("../../docs/guide/middleware.md")]
pub struct Middleware;

/// `docs/guide/validation-and-errors.md`.
#[doc = include_str!("../../docs/guide/validation-and-errors.md")]
pub struct ValidationAndErrors;

/// `docs/guide/rooms-and-broadcasting.md`.
#[doc = include_str!("../../docs/guide/rooms-and-broadcasting.md")]
pub struct RoomsAndBroadcasting;

/// `docs/guide/custom-extractors.md`.
#[doc = include_str!("../../docs/guide/custom-extractors.md")]
pub struct CustomExtractors;

/// `docs/guide/testing.md`.
#[doc = include_str!("../../docs/guide/testing.md")]
pub struct Testing;

/// `docs/guide/serving.md`.
#[doc = include_str!("../../docs/guide/serving.md")]
pub struct Serving;

/// `docs/guide/configuration-and-scaling.md`.
#[doc = include_str!("../../docs/guide/configuration-and-scaling.md")]
pub struct ConfigurationAndScaling;
