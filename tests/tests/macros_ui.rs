//! Compile-time checks of the handler macros: each mistake fails on the user's tokens with a
//! message saying what to write instead (the `.stderr` files lock the messages), and every
//! accepted form compiles.

#[test]
fn macro_errors_point_at_the_mistake() {
    let cases = trybuild::TestCases::new();
    cases.compile_fail("ui/fail/*.rs");
    cases.pass("ui/pass/*.rs");
}
