use errmon_runtime::count_calls;

struct Cache;

#[count_calls(skip)]
impl Cache {
    fn get(&self, key: &str) -> Option<String> {
        Some(key.to_owned())
    }
}

fn main() {
    let _ = Cache.get("a");
}
