use errmon_runtime::monitored;

#[monitored]
struct Config {
    retries: u32,
}

fn main() {
    let _ = Config { retries: 3 }.retries;
}
