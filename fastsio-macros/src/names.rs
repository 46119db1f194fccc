//! Event names: what the wire allows.

use proc_macro2::Span;

/// Names Socket.IO clients use for their own events; a handler for one would never run.
const RESERVED: &[&str] = &[
    "connect",
    "connect_error",
    "disconnect",
    "disconnecting",
    "newListener",
    "removeListener",
];

/// Checks an event name.
pub fn check(name: &str, span: Span) -> syn::Result<()> {
    if name.is_empty() {
        return Err(syn::Error::new(
            span,
            "an event name cannot be empty: write the name clients emit, like #[event(\"join_room\")]",
        ));
    }
    if RESERVED.contains(&name) {
        return Err(syn::Error::new(
            span,
            format!(
                "`{name}` is reserved by Socket.IO: use #[connect] / #[disconnect] for connection events, or pick another event name"
            ),
        ));
    }
    Ok(())
}
