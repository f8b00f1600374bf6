//! Retry policies without waiting: bounds of every backoff and jitter (property tests), exact
//! delay sequences for a fixed seed, and the attempt count for each way of stopping.

use std::cell::Cell;
use std::rc::Rc;
use std::time::Duration;

use errmon_runtime::retry::{
    AsyncTimer, Backoff, Delays, Jitter, Next, Policy, Random, SplitMix64, Timer,
};
use proptest::prelude::*;

fn ms(n: u64) -> Duration {
    Duration::from_millis(n)
}

/// A clock that only moves when told: by sleeps, and by attempts that "take" time.
#[derive(Default)]
struct FakeTimer {
    now: Rc<Cell<Duration>>,
    sleeps: Vec<Duration>,
}

impl FakeTimer {
    fn advance(&self, d: Duration) {
        self.now.set(self.now.get() + d);
    }
}

impl Timer for FakeTimer {
    fn elapsed(&self) -> Duration {
        self.now.get()
    }
    fn sleep(&mut self, d: Duration) {
        self.sleeps.push(d);
        self.advance(d);
    }
}

fn backoff_strategy() -> impl Strategy<Value = Backoff> {
    prop_oneof![
        (0u64..10_000).prop_map(|d| Backoff::Constant { delay: ms(d) }),
        (0u64..1_000, 0u64..1_000, 0u64..20_000).prop_map(|(i, s, m)| Backoff::Linear {
            initial: ms(i),
            step: ms(s),
            max: ms(i.max(m)),
        }),
        (0u64..1_000, 1.0f64..10.0, 0u64..60_000).prop_map(|(i, f, m)| Backoff::Exponential {
            initial: ms(i),
            factor: f,
            max: ms(i.max(m)),
        }),
    ]
}

fn jitter_strategy() -> impl Strategy<Value = Jitter> {
    prop_oneof![
        Just(Jitter::None),
        Just(Jitter::Full),
        Just(Jitter::Equal),
        Just(Jitter::Decorrelated)
    ]
}

proptest! {
    #[test]
    fn base_delays_grow_monotonically_up_to_the_cap(b in backoff_strategy(), n in 1u32..200) {
        prop_assert!(b.base(n) <= b.cap());
        prop_assert!(b.base(n) <= b.base(n + 1));
        prop_assert_eq!(b.base(1), b.initial().min(b.cap()));
    }

    #[test]
    fn jittered_delays_stay_within_their_formulas(
        b in backoff_strategy(),
        j in jitter_strategy(),
        seed in any::<u64>(),
    ) {
        let mut rng = SplitMix64::seeded(seed);
        let mut delays = Delays::new(b, j);
        let mut previous = b.initial();
        for retry in 1..=30 {
            let d = delays.next_delay(&mut rng);
            let base = b.base(retry);
            prop_assert!(d <= b.cap(), "retry {retry}: {d:?} over cap {:?}", b.cap());
            match j {
                Jitter::None => prop_assert_eq!(d, base),
                Jitter::Full => prop_assert!(d <= base),
                Jitter::Equal => prop_assert!(d >= base / 2 && d <= base),
                Jitter::Decorrelated => {
                    prop_assert!(d >= b.initial().min(b.cap()));
                    prop_assert!(d <= previous.saturating_mul(3).max(b.initial()));
                    previous = d;
                }
            }
        }
    }

    #[test]
    fn never_more_attempts_than_the_budget(attempts in 1u32..20, b in backoff_strategy(), j in jitter_strategy()) {
        let policy = Policy::new().attempts(attempts).backoff(b).jitter(j).unbounded_elapsed();
        let mut timer = FakeTimer::default();
        let mut runs = 0;
        let r: Result<(), u32> = policy.retry().rng(SplitMix64::seeded(1)).run_with_timer(&mut timer, || {
            runs += 1;
            Err(runs)
        });
        prop_assert_eq!(r, Err(attempts));
        prop_assert_eq!(runs, attempts);
        prop_assert_eq!(timer.sleeps.len() as u32, attempts - 1, "no sleep after the last attempt");
    }
}

#[test]
fn exact_delays_without_jitter() {
    let exp = Backoff::Exponential {
        initial: ms(100),
        factor: 2.0,
        max: ms(1000),
    };
    let lin = Backoff::Linear {
        initial: ms(100),
        step: ms(250),
        max: ms(700),
    };
    let con = Backoff::Constant { delay: ms(40) };
    let seq = |b| {
        let mut d = Delays::new(b, Jitter::None);
        let mut rng = SplitMix64::seeded(0);
        (0..6)
            .map(|_| d.next_delay(&mut rng).as_millis())
            .collect::<Vec<_>>()
    };
    assert_eq!(seq(exp), [100, 200, 400, 800, 1000, 1000]);
    assert_eq!(seq(lin), [100, 350, 600, 700, 700, 700]);
    assert_eq!(seq(con), [40, 40, 40, 40, 40, 40]);
}

#[test]
fn a_fixed_seed_gives_the_same_jittered_delays_every_time() {
    let b = Backoff::Exponential {
        initial: ms(100),
        factor: 2.0,
        max: ms(10_000),
    };
    for j in [Jitter::Full, Jitter::Equal, Jitter::Decorrelated] {
        let run = || {
            let mut d = Delays::new(b, j);
            let mut rng = SplitMix64::seeded(42);
            (0..8).map(|_| d.next_delay(&mut rng)).collect::<Vec<_>>()
        };
        let first = run();
        assert_eq!(first, run(), "{j:?}");
        assert!(
            first.windows(2).any(|w| w[0] != w[1]),
            "{j:?} is not constant: {first:?}"
        );
    }
    // Pin the generator itself, so a change to it is seen.
    let mut rng = SplitMix64::seeded(42);
    assert_eq!(rng.next_u64(), 0xBDD7_3226_2FEB_6E95);
}

#[test]
fn stops_at_the_first_success() {
    let mut timer = FakeTimer::default();
    let mut runs = 0;
    let r: Result<u32, &str> = Policy::new()
        .attempts(5)
        .retry()
        .run_with_timer(&mut timer, || {
            runs += 1;
            if runs == 3 { Ok(runs) } else { Err("flaky") }
        });
    assert_eq!(r, Ok(3));
    assert_eq!(timer.sleeps.len(), 2);
}

#[test]
fn stops_at_the_first_error_the_filter_rejects() {
    let mut timer = FakeTimer::default();
    let mut runs = 0;
    let r: Result<(), &str> = Policy::new()
        .attempts(5)
        .retry()
        .when(|e: &&str| *e == "transient")
        .run_with_timer(&mut timer, || {
            runs += 1;
            Err(if runs < 2 { "transient" } else { "fatal" })
        });
    assert_eq!(r, Err("fatal"));
    assert_eq!(runs, 2);
    assert_eq!(timer.sleeps.len(), 1);
}

#[test]
fn stops_before_a_sleep_that_would_overshoot_max_elapsed() {
    // Each attempt takes 300 ms, delays are 100, 200, 400 ms; the budget is 1 s.
    // Attempt 1 ends at 300, sleep to 400; attempt 2 ends at 700, a 200 ms sleep would end at
    // 900 <= 1000, so attempt 3 runs and ends at 1200; no more.
    let policy = Policy::new()
        .attempts(10)
        .backoff(Backoff::Exponential {
            initial: ms(100),
            factor: 2.0,
            max: ms(10_000),
        })
        .jitter(Jitter::None)
        .max_elapsed(ms(1000));
    let mut timer = FakeTimer::default();
    let clock = Rc::clone(&timer.now);
    let mut runs = 0;
    let r: Result<(), u32> = policy.retry().run_with_timer(&mut timer, || {
        runs += 1;
        clock.set(clock.get() + ms(300));
        Err(runs)
    });
    assert_eq!(r, Err(3));
    assert_eq!(timer.sleeps, [ms(100), ms(200)]);
    assert_eq!(timer.now.get(), ms(1200));
}

#[test]
fn stepwise_attempts_report_each_decision() {
    let policy = Policy::new()
        .attempts(3)
        .backoff(Backoff::Constant { delay: ms(5) })
        .jitter(Jitter::None);
    let mut a = policy.retry().start();
    a.begin();
    assert_eq!(a.failed(&"e", ms(0)), Next::Retry(ms(5)));
    a.begin();
    assert_eq!(a.failed(&"e", ms(10)), Next::Retry(ms(5)));
    a.begin();
    assert_eq!(a.attempt(), 3);
    assert_eq!(a.failed(&"e", ms(20)), Next::Stop);
}

struct FakeAsyncTimer {
    now: Duration,
    sleeps: Vec<Duration>,
}

impl AsyncTimer for FakeAsyncTimer {
    type Sleep = std::future::Ready<()>;
    fn elapsed(&self) -> Duration {
        self.now
    }
    fn sleep(&mut self, d: Duration) -> Self::Sleep {
        self.sleeps.push(d);
        self.now += d;
        std::future::ready(())
    }
}

#[test]
fn async_retries_follow_the_same_rules() {
    let mut runs = 0;
    let timer = FakeAsyncTimer {
        now: Duration::ZERO,
        sleeps: Vec::new(),
    };
    let r: Result<u32, &str> = futures::executor::block_on(
        Policy::new()
            .attempts(4)
            .jitter(Jitter::None)
            .retry()
            .run_async_with(timer, || {
                runs += 1;
                let n = runs;
                async move { if n < 4 { Err("again") } else { Ok(n) } }
            }),
    );
    assert_eq!(r, Ok(4));
}

#[tokio::test(start_paused = true)]
async fn async_retries_sleep_with_tokio_by_default() {
    let start = tokio::time::Instant::now();
    let mut runs = 0;
    let r: Result<(), u32> = Policy::new()
        .attempts(3)
        .backoff(Backoff::Constant { delay: ms(250) })
        .jitter(Jitter::None)
        .run_async(|| {
            runs += 1;
            let n = runs;
            async move { Err(n) }
        })
        .await;
    assert_eq!(r, Err(3));
    // With the clock paused, tokio advances it by exactly the sleeps.
    assert_eq!(start.elapsed(), ms(500));
}
