//! Room bookkeeping for test adapters that keep their rooms in a `LocalAdapter`.

/// Implements the room methods of `fastsio::adapter::Adapter` (`add_all`, `del`, `del_all`,
/// `socket_rooms`, `rooms`, `for_each_target`) by handing each to the `LocalAdapter` at the
/// given field path of `self`: `local_rooms!(local)` or `local_rooms!(0.local)`.
///
/// Use it inside an `impl Adapter for ...` block, with `Adapter` in scope.
#[macro_export]
macro_rules! local_rooms {
    ($($field:tt)+) => {
        fn add_all(&self, sid: ::fastsio::engine::Sid, rooms: &[::fastsio::Room]) {
            self.$($field)+.add_all(sid, rooms)
        }
        fn del(&self, sid: ::fastsio::engine::Sid, rooms: &[::fastsio::Room]) {
            self.$($field)+.del(sid, rooms)
        }
        fn del_all(&self, sid: ::fastsio::engine::Sid) {
            self.$($field)+.del_all(sid)
        }
        fn socket_rooms(&self, sid: ::fastsio::engine::Sid) -> Vec<::fastsio::Room> {
            self.$($field)+.socket_rooms(sid)
        }
        fn rooms(&self) -> Vec<::fastsio::Room> {
            self.$($field)+.rooms()
        }
        fn for_each_target(
            &self,
            opts: &::fastsio::adapter::BroadcastOptions,
            f: &mut dyn FnMut(::fastsio::engine::Sid),
        ) {
            self.$($field)+.for_each_target(opts, f)
        }
    };
}
