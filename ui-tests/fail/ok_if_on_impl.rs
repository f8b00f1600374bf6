use errmon_runtime::monitored;

struct Cache;

#[monitored(ok_if = Option::is_some)]
impl Cache {
    fn get(&self, key: &str) -> Option<String> {
        Some(key.to_owned())
    }
}

fn main() {
    let _ = Cache.get("a");
}
