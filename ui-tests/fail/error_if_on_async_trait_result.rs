// `#[async_trait]` expands first and turns the method into a boxed future; its output is still
// a `Result`, so `error_if` is still redundant.
use async_trait::async_trait;
use errmon_runtime::monitored;

#[async_trait]
trait Store {
    async fn get(&self) -> Result<u8, String>;
}

struct Memory;

#[async_trait]
impl Store for Memory {
    #[monitored(error_if = Result::is_err)]
    async fn get(&self) -> Result<u8, String> {
        Ok(1)
    }
}

fn main() {}
