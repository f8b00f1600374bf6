use errmon_runtime::monitored;

#[monitored]
trait Store {
    fn load(&self, id: u64) -> Option<String>;
}

fn main() {}
