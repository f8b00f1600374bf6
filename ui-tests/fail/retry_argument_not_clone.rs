use errmon_runtime::retry;

struct Request {
    path: String,
}

#[retry(attempts = 3)]
fn send(host: &str, request: Request) -> Result<usize, String> {
    Ok(host.len() + request.path.len())
}

fn main() {
    let _ = send("example.com", Request { path: "/".to_owned() });
}
