//! The handlers of an inline router module report each mistake once, where they are written,
//! with and without a router state.
use fastsio::prelude::*;

#[derive(Clone)]
pub struct AppState;

#[fastsio::router(namespace = "/plain")]
mod plain {
    use fastsio::prelude::*;

    #[derive(serde::Deserialize)]
    pub struct Token {
        token: String,
    }

    #[event("hello")]
    pub async fn hello(Auth(t): Auth<Token>) {
        let _ = t.token;
    }

    #[event("text")]
    pub async fn text(text: String) {
        let _ = text;
    }

    #[event("answer")]
    pub async fn answer() -> std::time::Instant {
        std::time::Instant::now()
    }

    #[connect]
    pub async fn on_connect(Data(d): Data<u8>) {
        let _ = d;
    }

    #[disconnect]
    pub async fn on_disconnect(Event(e): Event) {
        let _ = e;
    }
}

#[fastsio::router(namespace = "/stateful", state = crate::AppState)]
mod stateful {
    use fastsio::prelude::*;

    #[event("bye")]
    pub async fn bye(Reason(r): Reason) {
        let _ = r;
    }

    #[event("text", state = crate::AppState)]
    pub async fn text(socket: SocketRef, text: String) {
        let _ = (socket, text);
    }

    #[event("answer")]
    pub async fn answer(State(_s): State<crate::AppState>) -> std::time::Instant {
        std::time::Instant::now()
    }

    #[connect(state = crate::AppState)]
    pub async fn on_connect(Reason(r): Reason) {
        let _ = r;
    }
}

fn main() {
    let _ = Server::builder().router(plain::Router).build();
    let _ = Server::builder()
        .router(stateful::Router)
        .with_state(AppState)
        .build();
}
