#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| fastsio_fuzz::payload_v4(data));
