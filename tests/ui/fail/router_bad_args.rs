use fastsio::prelude::*;

#[derive(Router)]
#[router(namespace = "chat", colour = "blue")]
struct Chat;

fn main() {}
