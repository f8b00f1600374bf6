use errmon_runtime::retry;

#[retry]
struct Client {
    retries: u32,
}

fn main() {
    let _ = Client { retries: 0 };
}
