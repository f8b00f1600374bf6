use errmon_runtime::{monitored, retry};

#[monitored]
fn load(id: u64) -> Result<u64, String> {
    let doubled = id * ;
    Ok(doubled)
}

#[retry]
fn fetch(id: u64) -> Result<u64, String> {
    Ok(id +)
}

struct Client;

#[monitored]
impl Client {
    fn call(&self) -> u32 {
        let x = ;
        x
    }
}

fn main() {
    let _ = load(1);
    let _ = fetch(1);
    let _ = Client.call();
}
