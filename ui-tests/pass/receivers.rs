//! Methods with every kind of receiver: `self`, `&self`, `&mut self`, `mut self` and
//! `self: Arc<Self>`, sync and async.
#![deny(warnings, clippy::all, clippy::pedantic)]

use std::sync::Arc;

use futures::executor::block_on;

use errmon_runtime::{count_calls, monitored, timed};

#[derive(Debug, Clone, PartialEq)]
struct Counter {
    hits: Vec<u32>,
}

impl Counter {
    #[monitored]
    fn into_hits(self) -> Vec<u32> {
        self.hits
    }

    #[timed]
    #[count_calls]
    fn into_len(self) -> usize {
        self.hits.len()
    }

    #[monitored]
    fn total(&self) -> u32 {
        self.hits.iter().sum()
    }

    #[timed]
    #[count_calls]
    fn max(&self) -> Option<u32> {
        self.hits.iter().copied().max()
    }

    #[monitored]
    fn hit(&mut self, n: u32) -> &mut Self {
        self.hits.push(n);
        self
    }

    #[timed]
    #[count_calls]
    fn hit_timed(&mut self, n: u32) -> &mut Self {
        self.hits.push(n);
        self
    }

    #[monitored]
    fn with(mut self, n: u32) -> Self {
        self.hits.push(n);
        self
    }

    #[timed]
    #[count_calls]
    fn with_timed(mut self, n: u32) -> Self {
        self.hits.push(n);
        self
    }

    #[monitored]
    fn shared_total(self: Arc<Self>) -> u32 {
        self.total()
    }

    #[timed]
    #[count_calls]
    fn shared_len(self: Arc<Self>) -> usize {
        self.hits.len()
    }

    #[monitored]
    async fn async_total(&self) -> u32 {
        std::future::ready(self.total()).await
    }

    #[monitored]
    async fn async_hit(&mut self, n: u32) -> &mut Self {
        self.hits.push(std::future::ready(n).await);
        self
    }

    #[timed]
    #[count_calls]
    async fn async_with(mut self, n: u32) -> Self {
        self.hits.push(std::future::ready(n).await);
        self
    }

    #[monitored]
    async fn async_shared(self: Arc<Self>) -> usize {
        std::future::ready(Arc::strong_count(&self)).await
    }
}

pub fn main() {
    let mut c = Counter { hits: vec![] };
    c.hit(1).hit_timed(2).hit(3);
    assert_eq!(c.total(), 6);
    assert_eq!(c.max(), Some(3));
    let c = c.with(4).with_timed(5);
    assert_eq!(c.clone().into_hits(), [1, 2, 3, 4, 5]);
    assert_eq!(c.clone().into_len(), 5);
    let shared = Arc::new(c.clone());
    assert_eq!(Arc::clone(&shared).shared_total(), 15);
    assert_eq!(Arc::clone(&shared).shared_len(), 5);
    block_on(async {
        let mut c = c;
        assert_eq!(c.async_total().await, 15);
        c.async_hit(6).await.hit(7);
        let c = c.async_with(8).await;
        assert_eq!(c.hits, [1, 2, 3, 4, 5, 6, 7, 8]);
        assert_eq!(Arc::clone(&shared).async_shared().await, 2);
    });
}
