//! A handler that declares its state is registered by routers of that state: another router
//! fails once, on the handler's name.
use fastsio::prelude::*;

#[derive(Clone)]
struct AppState;

#[derive(Clone)]
struct OtherState;

#[event("motd", state = AppState)]
async fn motd(State(_s): State<AppState>) {}

#[derive(Router)]
#[router(state = OtherState, events(motd))]
struct Other;

fn main() {
    let _ = Server::builder().router(Other).with_state(OtherState).build();
}
