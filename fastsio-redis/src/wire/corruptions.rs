//! Test inputs for the wire readers: every prefix of a good message, then seeded corruptions of
//! it (1 to 3 random bytes overwritten), so that a failure replays.

use rand::{Rng, SeedableRng};

/// Calls `check` with every prefix of `good`, then with 5000 corruptions of it drawn from `seed`.
pub(crate) fn prefixes_and_corruptions(good: &[u8], seed: u64, mut check: impl FnMut(Vec<u8>)) {
    for end in 0..good.len() {
        check(good[..end].to_vec());
    }
    let mut rng = rand::rngs::StdRng::seed_from_u64(seed);
    for _ in 0..5000 {
        let mut input = good.to_vec();
        for _ in 0..rng.random_range(1..4) {
            let at = rng.random_range(0..input.len());
            input[at] = rng.random();
        }
        check(input);
    }
}
