#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| fastsio_fuzz::msgpack_transcode(data));
