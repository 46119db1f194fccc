//! Each mistake in a handler is reported once, where the handler is written, however many
//! routers register it and whatever their state: a misplaced extractor, a type that is no
//! extractor, a payload type without its derives, a bad return type, a reference.
use fastsio::prelude::*;

#[derive(serde::Deserialize)]
struct Token {
    token: String,
}

struct NotDeserialize;

#[derive(serde::Deserialize)]
struct NotValidate {
    name: String,
}

#[derive(Clone)]
struct AppState;

#[event("hello")]
async fn hello(socket: SocketRef, Auth(t): Auth<Token>) {
    let _ = (socket, t.token);
}

#[event("bye")]
async fn bye(Reason(r): Reason) {
    let _ = r;
}

#[event("plain")]
async fn plain(text: String) {
    let _ = text;
}

#[event("payload")]
async fn payload(Data(d): Data<NotDeserialize>) {
    let _ = d;
}

#[event("validated")]
async fn validated(Valid(v): Valid<NotValidate>) {
    let _ = v.name;
}

#[event("answer")]
async fn answer() -> std::time::Instant {
    std::time::Instant::now()
}

#[event("by_ref")]
async fn by_ref(socket: &SocketRef) {
    let _ = socket;
}

#[connect]
async fn on_connect(Data(d): Data<u8>) {
    let _ = d;
}

#[disconnect]
async fn on_disconnect(Auth(t): Auth<Token>) {
    let _ = t.token;
}

#[event("stateful", state = AppState)]
async fn stateful(Auth(t): Auth<Token>) {
    let _ = t.token;
}

#[connect(state = AppState)]
async fn stateful_connect(Event(e): Event) {
    let _ = e;
}

#[disconnect(state = AppState)]
async fn stateful_disconnect(Valid(v): Valid<u8>) {
    let _ = v;
}

#[derive(Router)]
#[router(
    connect = on_connect,
    disconnect = on_disconnect,
    events(hello, bye, plain, payload, validated, answer, by_ref)
)]
struct Stateless;

#[derive(Router)]
#[router(
    state = AppState,
    connect = on_connect,
    disconnect = on_disconnect,
    events(hello, bye, plain, payload, validated, answer, by_ref, stateful)
)]
struct WithState;

#[derive(Router)]
#[router(
    state = AppState,
    connect = stateful_connect,
    disconnect = stateful_disconnect
)]
struct DeclaredState;

fn main() {
    let _ = Server::builder().router(Stateless).build();
    let _ = Server::builder()
        .router(WithState)
        .router(DeclaredState)
        .with_state(AppState)
        .build();
}
