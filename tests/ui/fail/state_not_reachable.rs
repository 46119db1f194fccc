use fastsio::prelude::*;

#[derive(Clone)]
struct AppState;

#[derive(Clone)]
struct Db;

#[event("query")]
async fn query(State(db): State<Db>) {
    let _ = db;
}

#[derive(Router)]
#[router(state = AppState, events(query))]
struct Queries;

fn main() {
    let _ = Server::builder().router(Queries).with_state(AppState).build();
}
