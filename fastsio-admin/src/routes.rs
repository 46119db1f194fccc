//! The admin namespace's [`Routes`]: the login (connect handler) and the commands.

use std::sync::Arc;

use fastsio_core::{Io, Routes, SocketRef};

use crate::admin::Admin;
use crate::commands;

pub(crate) fn routes<S: Send + Sync + 'static>(admin: Arc<Admin>) -> Routes<S> {
    let readonly = admin.readonly;
    let path = admin.namespace.clone();
    let welcome = move |socket: SocketRef, io: Io| {
        let admin = admin.clone();
        async move { admin.welcome(socket, io).await }
    };
    commands::add(Routes::new(path).on_connect(welcome), readonly)
}
