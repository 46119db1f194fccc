//! [`Reconnection`]: when and how often the client reconnects (socket.io-client's policy).

use std::time::Duration;

/// Reconnection with exponential backoff and jitter. The defaults are socket.io-client's:
/// 1 s first delay, doubling up to 5 s, randomization 0.5, unlimited attempts.
///
/// ```
/// use std::time::Duration;
/// use fastsio_client::Reconnection;
/// let policy = Reconnection::default()
///     .delay(Duration::from_millis(100))
///     .max_delay(Duration::from_secs(2))
///     .attempts(10);
/// assert!(policy.delay_of(1) <= Duration::from_millis(150));
/// ```
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Reconnection {
    enabled: bool,
    delay: Duration,
    max_delay: Duration,
    randomization: f64,
    attempts: Option<u32>,
}

impl Default for Reconnection {
    fn default() -> Self {
        Reconnection {
            enabled: true,
            delay: Duration::from_secs(1),
            max_delay: Duration::from_secs(5),
            randomization: 0.5,
            attempts: None,
        }
    }
}

impl Reconnection {
    /// Never reconnect.
    pub fn disabled() -> Self {
        Reconnection {
            enabled: false,
            ..Reconnection::default()
        }
    }

    /// The first delay (default 1 s).
    pub fn delay(mut self, delay: Duration) -> Self {
        self.delay = delay;
        self
    }

    /// The longest delay (default 5 s).
    pub fn max_delay(mut self, max: Duration) -> Self {
        self.max_delay = max;
        self
    }

    /// The jitter, 0 to 1: each delay is drawn in `d × (1 ± randomization)` (default 0.5).
    pub fn randomization(mut self, factor: f64) -> Self {
        self.randomization = factor.clamp(0.0, 1.0);
        self
    }

    /// The most attempts before giving up (default: unlimited).
    pub fn attempts(mut self, attempts: u32) -> Self {
        self.attempts = Some(attempts);
        self
    }

    /// Whether reconnection is on.
    pub fn enabled(&self) -> bool {
        self.enabled
    }

    /// Whether attempt `n` (from 1) may be made.
    pub fn allows(&self, n: u32) -> bool {
        self.enabled && self.attempts.is_none_or(|max| n <= max)
    }

    /// The delay before attempt `n` (from 1): `delay × 2^(n-1)` with jitter, at most `max_delay`.
    pub fn delay_of(&self, n: u32) -> Duration {
        let base = self.delay.as_secs_f64() * 2f64.powi(n.saturating_sub(1).min(31) as i32);
        let jitter = if self.randomization > 0.0 {
            let r: f64 = rand::random();
            let deviation = r * self.randomization * base;
            if rand::random::<bool>() {
                deviation
            } else {
                -deviation
            }
        } else {
            0.0
        };
        Duration::from_secs_f64((base + jitter).clamp(0.0, self.max_delay.as_secs_f64()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn grows_within_bounds() {
        let p = Reconnection::default();
        for n in 1..40 {
            let d = p.delay_of(n);
            assert!(d <= Duration::from_secs(5), "{n}: {d:?}");
            let base = 2f64.powi((n - 1).min(31) as i32).min(5.0);
            assert!(
                d.as_secs_f64() >= (base * 0.5).min(5.0) - 1e-9,
                "{n}: {d:?}"
            );
        }
        assert!(p.allows(1_000_000));
        assert!(!Reconnection::default().attempts(2).allows(3));
        assert!(!Reconnection::disabled().allows(1));
    }
}
