use errmon_runtime::monitored;

struct Cache;

#[monitored]
impl Cache {
    fn get(&self, key: &str) -> Option<String> {
        Some(key.to_owned())
    }

    #[monitored(skip = true)]
    fn len(&self) -> usize {
        0
    }
}

fn main() {
    let c = Cache;
    let _ = (c.get("a"), c.len());
}
