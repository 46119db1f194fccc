//! The migration pages of the guide (`docs/guide/migrating-*.md`), compiled as doc-tests so
//! that every Rust snippet in them builds.

/// `docs/guide/migrating-from-python-socketio.md`.
#[cfg(doctest)]
#[doc = include_str!("../../docs/guide/migrating-from-python-socketio.md")]
pub struct MigratingFromPythonSocketio;

/// `docs/guide/migrating-from-node-socketio.md`.
#[cfg(doctest)]
#[doc = include_str!("../../docs/guide/migrating-from-node-socketio.md")]
pub struct MigratingFromNodeSocketio;

/// `docs/guide/migrating-from-socketioxide.md`.
#[cfg(doctest)]
#[doc = include_str!("../../docs/guide/migrating-from-socketioxide.md")]
pub struct MigratingFromSocketioxide;
