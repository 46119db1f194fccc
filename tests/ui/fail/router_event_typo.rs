//! A typo in a router's handler list fails once, on the typo, as a name that does not exist:
//! never as the hidden type `#[event]` emits under the handler's name.
use fastsio::prelude::*;

mod handlers {
    use fastsio::prelude::*;

    #[event("remove_todo")]
    pub async fn remove_todo(Data(id): Data<u64>) -> Ack<u64> {
        Ack(id)
    }
}

#[event("add_todo")]
async fn add_todo(Data(text): Data<String>) -> Ack<usize> {
    Ack(text.len())
}

#[derive(Router)]
#[router(events(add_todos, handlers::remove_todos))]
struct Todos;

fn main() {}
