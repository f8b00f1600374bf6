//! Methods of trait impls, including an `async fn` in a trait, an associated type in the
//! return type and a default method left alone.
#![deny(warnings, clippy::all, clippy::pedantic)]

use futures::executor::block_on;

use errmon_runtime::{count_calls, monitored, timed};

trait Shape {
    type Unit;
    fn area(&self) -> f64;
    fn unit(&self) -> Self::Unit;
    fn scaled(self, k: f64) -> Self
    where
        Self: Sized;
    fn describe(&self) -> String {
        format!("area {}", self.area())
    }
}

trait Fetch {
    async fn fetch(&self, key: &str) -> Result<String, String>;
}

#[derive(Debug, PartialEq)]
struct Square(f64);

impl Shape for Square {
    type Unit = &'static str;

    #[monitored]
    fn area(&self) -> f64 {
        self.0 * self.0
    }

    #[timed]
    #[count_calls]
    fn unit(&self) -> Self::Unit {
        "m2"
    }

    #[monitored]
    fn scaled(self, k: f64) -> Self {
        Square(self.0 * k)
    }
}

struct Circle(f64);

impl Shape for Circle {
    type Unit = char;

    #[timed]
    #[count_calls]
    fn area(&self) -> f64 {
        std::f64::consts::PI * self.0 * self.0
    }

    #[monitored]
    fn unit(&self) -> Self::Unit {
        'm'
    }

    #[timed]
    #[count_calls]
    fn scaled(self, k: f64) -> Self {
        Circle(self.0 * k)
    }
}

struct Store;

impl Fetch for Store {
    #[monitored]
    async fn fetch(&self, key: &str) -> Result<String, String> {
        if key.is_empty() {
            return Err("empty key".to_owned());
        }
        Ok(key.to_uppercase())
    }
}

struct Cache;

impl Fetch for Cache {
    #[timed]
    #[count_calls]
    async fn fetch(&self, key: &str) -> Result<String, String> {
        if key.is_empty() {
            return Err("empty key".to_owned());
        }
        Ok(key.to_lowercase())
    }
}

fn total_area(shapes: &[&dyn Shape<Unit = char>]) -> f64 {
    shapes.iter().map(|s| s.area()).sum()
}

pub fn main() {
    let sq = Square(2.0);
    assert!((sq.area() - 4.0).abs() < f64::EPSILON);
    assert_eq!(sq.unit(), "m2");
    assert_eq!(sq.describe(), "area 4");
    assert_eq!(sq.scaled(1.5), Square(3.0));
    let c = Circle(1.0).scaled(2.0);
    assert_eq!(c.unit(), 'm');
    assert!((total_area(&[&c]) - 4.0 * std::f64::consts::PI).abs() < 1e-9);
    block_on(async {
        assert_eq!(Store.fetch("ab").await, Ok("AB".to_owned()));
        assert_eq!(Store.fetch("").await, Err("empty key".to_owned()));
        assert_eq!(Cache.fetch("AB").await, Ok("ab".to_owned()));
        assert_eq!(Cache.fetch("").await, Err("empty key".to_owned()));
    });
}
