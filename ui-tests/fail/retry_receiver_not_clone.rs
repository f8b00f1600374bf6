use errmon_runtime::retry;

struct Client {
    host: String,
}

impl Client {
    #[retry(attempts = 3)]
    fn send(self, path: &str) -> Result<usize, String> {
        Ok(self.host.len() + path.len())
    }
}

fn main() {
    let client = Client { host: "example.com".to_owned() };
    let _ = client.send("/");
}
