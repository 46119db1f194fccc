#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| fastsio_fuzz::sio_msgpack(data));
