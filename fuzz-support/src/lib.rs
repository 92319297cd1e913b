//! What the fuzz smoke tests of omexc's readers share (see "Fuzzing" in
//! docs/architecture.md): a seeded generator, the two campaign knobs, and a
//! wrapper that prints the input a target panicked on.

/// xorshift64*: a fixed sequence, so failures reproduce. The state must not
/// be zero.
pub struct Rng(pub u64);

impl Rng {
    pub fn next_u64(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    /// A number in `0..n` (0 when `n` is 0).
    pub fn below(&mut self, n: usize) -> usize {
        (self.next_u64() % n.max(1) as u64) as usize
    }
}

/// `OMEX_FUZZ_ITERATIONS` and `OMEX_FUZZ_SEED` lengthen or vary a run;
/// unset, CI's run is unchanged. Decimal or `0x` hex.
pub fn knob(name: &str, default: u64) -> u64 {
    let Ok(value) = std::env::var(name) else {
        return default;
    };
    let parsed = match value.strip_prefix("0x") {
        Some(hex) => u64::from_str_radix(hex, 16),
        None => value.parse(),
    };
    parsed.unwrap_or_else(|_| panic!("{name}={value:?} is not a number"))
}

/// Runs `check` on `input`, printing the input if it panics (the targets
/// do not always show what they were given).
pub fn reporting<T: std::fmt::Debug + ?Sized>(input: &T, check: impl FnOnce()) {
    if let Err(panic) = std::panic::catch_unwind(std::panic::AssertUnwindSafe(check)) {
        eprintln!("failing input: {input:?}");
        std::panic::resume_unwind(panic);
    }
}
