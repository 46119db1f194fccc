//! Registered without the macros, a closure taking an extractor of another handler kind does
//! not compile either (it could never run), with the same message.
use fastsio::prelude::*;

#[derive(serde::Deserialize)]
struct Token {
    token: String,
}

#[derive(Clone)]
struct AppState;

fn main() {
    let _: Routes = Routes::new("/").on("hello", |Auth(t): Auth<Token>| async move {
        let _ = t.token;
    });
    let _: Routes<AppState> = Routes::new("/").on("bye", |Reason(r): Reason| async move {
        let _ = r;
    });
    let _: Routes = Routes::new("/").on_connect(|Data(d): Data<u8>| async move {
        let _ = d;
    });
    let _: Routes<AppState> = Routes::new("/").on_disconnect(|Auth(t): Auth<Token>| async move {
        let _ = t.token;
    });
}
