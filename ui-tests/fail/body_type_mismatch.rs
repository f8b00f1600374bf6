//! A body whose value does not match the return type: rustc's error points at the body, and
//! its note at the return type the user wrote, not at the attribute.
use errmon_runtime::monitored;

#[monitored]
fn sync() -> u32 {
    "not a number"
}

#[monitored]
async fn in_future() -> Result<u32, String> {
    Ok("not a number")
}

#[monitored]
#[track_caller]
fn inline(x: bool) -> u32 {
    if x {
        return "early";
    }
    7
}

#[monitored]
fn returned() -> impl std::future::Future<Output = u32> {
    async move { "late" }
}

fn main() {}
