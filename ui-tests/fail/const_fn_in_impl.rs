use errmon_runtime::monitored;

struct Cache;

#[monitored]
impl Cache {
    fn get(&self, key: &str) -> Option<String> {
        Some(key.to_owned())
    }

    const fn capacity(&self) -> usize {
        64
    }
}

fn main() {
    let c = Cache;
    let _ = (c.get("a"), c.capacity());
}
